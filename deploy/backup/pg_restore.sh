#!/usr/bin/env bash
# Restore a pg_backup.sh dump into a named database.
#
#   pg_restore.sh [--force] [--owner ROLE] [--jobs N] [--no-privileges] [--no-analyze] DUMP DBNAME
#
#   DBNAME is created when missing. An existing database that holds any table, view or
#   sequence is refused (exit 3) unless --force, which drops it (ending its connections: stop
#   the web and worker services first) and creates it again.
#   --owner ROLE     create the database for ROLE and restore its objects as ROLE
#   --jobs N         restore with N parallel jobs (default: one transaction, all or nothing)
#   --no-privileges  skip the dump's GRANTs (when its roles do not exist on this server)
#   --no-analyze     skip ANALYZE afterwards (the planner has no statistics until it runs)
#
# When DUMP has a sibling <prefix>-<time>.sha256 (as pg_backup.sh writes), it is checked first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

force=0
owner=
jobs=1
privileges=1
analyze=1
args=()
while (($#)); do
	case $1 in
	--force) force=1; shift ;;
	--owner) owner=${2:?--owner needs a role}; shift 2 ;;
	--jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
	--no-privileges) privileges=0; shift ;;
	--no-analyze) analyze=0; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) die "unknown option $1" 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
((${#args[@]} == 2)) || die "usage: pg_restore.sh [options] DUMP DBNAME" 2
dump=${args[0]}
target=${args[1]}
check_dbname "$target"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive number" 2
[[ -z $owner ]] || [[ $owner =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "not a role name: $owner" 2
[[ -f $dump && -r $dump ]] || die "no readable dump at $dump"

dump_dir=$(dirname -- "$dump")
dump_name=$(basename -- "$dump")
sums="$dump_dir/${dump_name%.dump}.sha256"
if [[ -f $sums ]]; then
	log "checking $dump_name against $(basename -- "$sums")"
	(cd "$dump_dir" && grep -F -- " $dump_name" "$(basename -- "$sums")" | sha256sum --check --quiet --strict) ||
		die "$dump does not match its checksum: it is damaged or was changed"
fi
pg_restore --list "$dump" >/dev/null || die "$dump is not a dump pg_restore can read"

if db_exists "$target"; then
	relations=$(relation_count "$target")
	if ((relations > 0)); then
		((force)) || die "database $target is not empty ($relations relations); pass --force to drop and replace it" 3
		log "dropping $target (--force)"
		dropdb --no-password --force -- "$target"
		createdb --no-password ${owner:+--owner="$owner"} -- "$target"
	fi
else
	log "creating $target"
	createdb --no-password ${owner:+--owner="$owner"} -- "$target"
fi

options=(--exit-on-error --no-owner --no-password --dbname="$target")
[[ -z $owner ]] || options+=(--role="$owner")
((privileges)) || options+=(--no-privileges)
if ((jobs > 1)); then
	options+=(--jobs="$jobs")
else
	options+=(--single-transaction)
fi

log "restoring $dump_name into $target"
pg_restore "${options[@]}" "$dump"
if ((analyze)); then
	log "analyzing $target"
	vacuumdb --no-password --analyze-only --quiet --dbname="$target"
fi
log "restored $dump_name into $target"
