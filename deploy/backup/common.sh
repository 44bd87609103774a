# shellcheck shell=bash
# Shared by pg_backup.sh, pg_restore.sh and verify_restore.sh (sourced, never run).
#
# The server is found the way every PostgreSQL client finds it: PGHOST, PGPORT, PGUSER,
# PGPASSWORD (or ~/.pgpass). Where those are unset and DATABASE_URL is (as in
# /etc/portal/env), they are taken from it, so the backup timer needs no second copy of the
# credentials.

# The comment block at the top of the running script.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit "${2:-1}"
}

urldecode() {
	local s=${1//\\/\\\\}
	printf '%b' "${s//%/\\x}"
}

# Fills the unset PG* variables from a postgres:// URL (django-environ's DATABASE_URL).
pg_env_from_url() {
	local url=$1
	local re='^(postgres|postgresql|pgsql)://(([^:@/]*)(:([^@/]*))?@)?([^:/?]*)(:([0-9]+))?(/([^?]*))?(\?(.*))?$'
	[[ $url =~ $re ]] || die "DATABASE_URL is not a postgres:// URL this script understands; set PGHOST, PGPORT, PGUSER and PGPASSWORD instead"
	local user=${BASH_REMATCH[3]} password=${BASH_REMATCH[5]} host=${BASH_REMATCH[6]}
	local port=${BASH_REMATCH[8]} dbname=${BASH_REMATCH[10]} query=${BASH_REMATCH[12]}
	if [[ -n $user && -z ${PGUSER:-} ]]; then PGUSER=$(urldecode "$user"); export PGUSER; fi
	if [[ -n $password && -z ${PGPASSWORD:-} ]]; then PGPASSWORD=$(urldecode "$password"); export PGPASSWORD; fi
	if [[ -n $host && -z ${PGHOST:-} ]]; then PGHOST=$(urldecode "$host"); export PGHOST; fi
	if [[ -n $port && -z ${PGPORT:-} ]]; then export PGPORT="$port"; fi
	if [[ -n $dbname && -z ${PGDATABASE:-} ]]; then PGDATABASE=$(urldecode "$dbname"); export PGDATABASE; fi
	local pair
	for pair in ${query//&/ }; do
		[[ $pair == sslmode=* && -z ${PGSSLMODE:-} ]] && export PGSSLMODE="${pair#sslmode=}"
	done
	return 0
}

if [[ -n ${DATABASE_URL:-} ]]; then
	pg_env_from_url "$DATABASE_URL"
fi

# Database names go into SQL and file names: keep them to what the portal ever uses.
check_dbname() {
	[[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$ ]] || die "not a database name this script accepts: '$1'" 2
}

# psql for scripts: no ~/.psqlrc, stop at the first error, unaligned tuples only.
psql_q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

maintenance_db() { printf '%s' "${PGMAINTENANCE_DB:-postgres}"; }

db_exists() {
	local found
	found=$(psql_q -d "$(maintenance_db)" -v name="$1" <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'name';
SQL
	)
	[[ $found == 1 ]]
}

# Tables, views, sequences and the like outside PostgreSQL's own schemas.
relation_count() {
	psql_q -d "$1" <<'SQL'
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%';
SQL
}
