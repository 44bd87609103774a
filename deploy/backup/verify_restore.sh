#!/usr/bin/env bash
# Prove that a backup restores: dump SOURCE with pg_backup.sh, restore it with pg_restore.sh
# into a scratch database, and compare the two. Exits 0 only when nothing differs.
#
#   verify_restore.sh [options] SOURCE_DB
#   verify_restore.sh --compare-only [options] SOURCE_DB COPY_DB
#
#   --scratch NAME     the scratch database (default: <SOURCE_DB>_verify_<UTC time>); it must
#                      not exist yet
#   --keep             keep the scratch database afterwards (default: dropped)
#   --backup-dir DIR   keep the dump in DIR (default: a temporary directory, removed)
#   --checksum TABLE   also compare TABLE's full content (repeatable; schema.table or table)
#   --checksum-all     compare the full content of every table (reads everything twice)
#   --compare-only     compare two existing databases, back up and restore nothing
#
# Compared: the row count of every table; the content checksum (an order-independent md5 over
# every row) of the key tables: the fund's postings, journal entries, donations and
# disbursements, the audit trail and the lifecycle log, users and bids; the fund postings'
# count and totals; and that every sequence is ahead of the largest value in its column. The
# figures of SOURCE are read in the very snapshot pg_dump saves, so a live database can be
# checked without stopping it.
#
# Exit status: 0 equal, 1 a difference (each one is printed), 2 usage, anything else a failure
# of the backup or the restore.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

# The tables whose loss or change would hurt most; those that do not exist are skipped.
KEY_TABLES=(
	public.fund_posting public.fund_journalentry public.fund_donation public.fund_disbursement
	public.core_auditentry public.core_transitionlog public.accounts_user public.procurement_bid
)

scratch=
keep=0
backup_dir=
checksum_all=0
compare_only=0
extra_tables=()
args=()
while (($#)); do
	case $1 in
	--scratch) scratch=${2:?--scratch needs a name}; shift 2 ;;
	--keep) keep=1; shift ;;
	--backup-dir) backup_dir=${2:?--backup-dir needs a directory}; shift 2 ;;
	--checksum) extra_tables+=("${2:?--checksum needs a table}"); shift 2 ;;
	--checksum-all) checksum_all=1; shift ;;
	--compare-only) compare_only=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) die "unknown option $1" 2 ;;
	*) args+=("$1"); shift ;;
	esac
done

if ((compare_only)); then
	((${#args[@]} == 2)) || die "usage: verify_restore.sh --compare-only SOURCE_DB COPY_DB" 2
else
	((${#args[@]} == 1)) || die "usage: verify_restore.sh [options] SOURCE_DB" 2
fi
source_db=${args[0]}
check_dbname "$source_db"

tables=("${KEY_TABLES[@]}")
for t in "${extra_tables[@]}"; do
	[[ $t =~ ^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$ ]] || die "not a table name: $t" 2
	[[ $t == *.* ]] || t="public.$t"
	tables+=("$t")
done
table_list=$(IFS=,; printf '%s' "${tables[*]}")

work=$(mktemp -d)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local status=$?
	if [[ -n ${coproc_pid:-} ]]; then kill "$coproc_pid" 2>/dev/null || true; fi
	if [[ -n ${drop_scratch:-} ]]; then
		dropdb --no-password --if-exists --force -- "$drop_scratch" || log "could not drop $drop_scratch"
	fi
	rm -rf -- "$work"
	exit "$status"
}
trap cleanup EXIT

# One line per fact: "<kind>\t<object>\t<value>". Every query runs in the caller's transaction.
stats_sql() {
	cat <<SQL
SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';
SET extra_float_digits = 3; SET bytea_output = 'hex';
WITH rel AS (
  SELECT c.oid, n.nspname AS s, c.relname AS r, format('%I.%I', n.nspname, c.relname) AS q
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
)
SELECT 'rows', s || '.' || r,
       (xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM ' || q, false, true, '')))[1]::text
FROM rel
UNION ALL
SELECT 'checksum', s || '.' || r,
       coalesce((xpath('/row/h/text()', query_to_xml(
         'SELECT md5(string_agg(h, '''' ORDER BY h)) AS h FROM (SELECT md5(t::text) AS h FROM '
         || q || ' t) x', false, true, '')))[1]::text, 'empty')
FROM rel
WHERE $checksum_all = 1 OR (s || '.' || r) = ANY (string_to_array('$table_list', ','))
UNION ALL
-- Sequences stand outside snapshots, so under a live database their values move on: what a
-- restore must get right is that each is past the largest value already in its column.
SELECT 'sequence', rel.s || '.' || rel.r || '.' || a.attname,
       CASE WHEN coalesce(ps.last_value, 0) >= (xpath('/row/m/text()', query_to_xml(
              format('SELECT coalesce(max(%I), 0) AS m FROM %s', a.attname, rel.q),
              false, true, '')))[1]::text::numeric
            THEN 'ahead of its column' ELSE 'BEHIND its column' END
FROM pg_depend d
JOIN pg_class sq ON sq.oid = d.objid AND sq.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = sq.relnamespace
JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = sq.relname
JOIN rel ON rel.oid = d.refobjid
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i')
UNION ALL
SELECT 'total', 'public.fund_posting', (xpath('/row/v/text()', query_to_xml(
         'SELECT count(*) || '' postings, '' || coalesce(sum(abs(amount_fen)), 0)'
         || ' || '' fen moved, balance '' || coalesce(sum(amount_fen), 0) AS v FROM public.fund_posting',
         false, true, '')))[1]::text
WHERE to_regclass('public.fund_posting') IS NOT NULL;
SQL
}

stats_of() { # stats_of DB OUTFILE
	stats_sql | psql_q -F $'\t' -d "$1" | LC_ALL=C sort >"$2"
}

compare() { # compare SOURCE_FILE COPY_FILE COPY_NAME
	local differences
	differences=$(LC_ALL=C join -t $'\t' -a1 -a2 -e '(missing)' -o '0,1.2,2.2' \
		<(awk -F'\t' '{ print $1 " " $2 "\t" $3 }' "$1" | LC_ALL=C sort -t $'\t' -k1,1) \
		<(awk -F'\t' '{ print $1 " " $2 "\t" $3 }' "$2" | LC_ALL=C sort -t $'\t' -k1,1) |
		awk -F'\t' -v src="$source_db" '$2 != $3 { printf "DIFFERENT %s: %s in %s, %s in the copy\n", $1, $2, src, $3 }')
	awk -F'\t' '$1 == "total" { printf "%s: %s\n", $2, $3 }' "$1" >&2
	local tables sums seqs
	tables=$(grep -c '^rows' "$1" || true)
	sums=$(grep -c '^checksum' "$1" || true)
	seqs=$(grep -c '^sequence' "$1" || true)
	if [[ -n $differences ]]; then
		printf '%s\n' "$differences"
		log "$source_db and $3 DIFFER ($(wc -l <<<"$differences") differences; compared $tables tables, $sums checksums, $seqs sequences)"
		return 1
	fi
	log "$source_db and $3 are equal: $tables tables' row counts, $sums content checksums, $seqs sequences"
}

if ((compare_only)); then
	copy_db=${args[1]}
	check_dbname "$copy_db"
	stats_of "$source_db" "$work/source.tsv"
	stats_of "$copy_db" "$work/copy.tsv"
	compare "$work/source.tsv" "$work/copy.tsv" "$copy_db"
	exit $?
fi

scratch=${scratch:-${source_db}_verify_$(date -u +%Y%m%dT%H%M%S)}
check_dbname "$scratch"
! db_exists "$scratch" || die "the scratch database $scratch exists already; name another with --scratch" 2
[[ -n $backup_dir ]] || backup_dir="$work/backup"

# Hold a repeatable-read transaction open on SOURCE: pg_dump saves its exported snapshot and
# the counts below are read in that same snapshot, whatever is written meanwhile.
coproc SOURCE_SESSION { psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 -d "$source_db" 2>&1; }
coproc_pid=$SOURCE_SESSION_PID
# Plain copies of the coprocess's pipes: bash hides its own in subshells such as pipelines.
exec {to_session}>&"${SOURCE_SESSION[1]}" {from_session}<&"${SOURCE_SESSION[0]}"
to_source() { printf '%s\n' "$@" >&"$to_session"; }
# Reads the session's lines up to the marker; fails when the session ends first (an error).
from_source() {
	local line
	while IFS= read -r -t 3600 line <&"$from_session"; do
		[[ $line == "__end__" ]] && return 0
		printf '%s\n' "$line"
	done
	return 1
}
# The session waits, idle in its transaction, while pg_dump runs: no server timeout may end it.
to_source "SET idle_in_transaction_session_timeout = 0; SET statement_timeout = 0;" \
	"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" "SELECT pg_export_snapshot();" "SELECT '__end__';"
snapshot=$(from_source) || die "could not open a snapshot on $source_db: $snapshot"
[[ $snapshot =~ ^[0-9A-F-]+$ ]] || die "unexpected answer from $source_db: $snapshot"

dump=$("$here/pg_backup.sh" --dir "$backup_dir" --keep-days 0 --prefix "verify-$source_db" \
	--snapshot "$snapshot" "$source_db")

to_source "$(stats_sql)" "SELECT '__end__';"
from_source | LC_ALL=C sort >"$work/source.tsv" || die "could not read $source_db: $(cat "$work/source.tsv")"
to_source "COMMIT;" "\\q"
wait "$coproc_pid" || true
coproc_pid=

((keep)) || drop_scratch=$scratch
"$here/pg_restore.sh" --no-analyze "$dump" "$scratch"
stats_of "$scratch" "$work/copy.tsv"
if compare "$work/source.tsv" "$work/copy.tsv" "$scratch"; then status=0; else status=1; fi
((keep)) && log "kept the scratch database $scratch"
exit "$status"
