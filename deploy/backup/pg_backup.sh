#!/usr/bin/env bash
# Back up the portal's database (pg_dump custom format) and, optionally, its file directories.
#
#   pg_backup.sh [--dir DIR] [--keep-days N] [--prefix NAME] [--files DIR]... [--snapshot ID] [DBNAME]
#
#   DBNAME         the database (default: PGDATABASE, or the database named in DATABASE_URL)
#   --dir          where backups go (default: $BACKUP_DIR or /var/backups/portal)
#   --keep-days    delete this prefix's backups older than N days after a successful run
#                  (default: $BACKUP_KEEP_DAYS or 14; 0 keeps everything)
#   --prefix       file name prefix (default: portal)
#   --files DIR    also archive DIR as <prefix>-<time>.files-<basename>.tar.gz (repeatable):
#                  MEDIA_ROOT and PRIVATE_FILES_ROOT; the database alone cannot restore them
#   --snapshot ID  dump as of an exported snapshot (verify_restore.sh uses it)
#
# Writes <prefix>-<UTC time>.dump and its .sha256; prints the dump's path on stdout. A failed
# run exits non-zero, leaves no partial file behind and deletes nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

dir=${BACKUP_DIR:-/var/backups/portal}
keep_days=${BACKUP_KEEP_DAYS:-14}
prefix=portal
snapshot=
files=()
dbname=

while (($#)); do
	case $1 in
	--dir) dir=${2:?--dir needs a directory}; shift 2 ;;
	--keep-days) keep_days=${2:?--keep-days needs a number}; shift 2 ;;
	--prefix) prefix=${2:?--prefix needs a name}; shift 2 ;;
	--files) files+=("${2:?--files needs a directory}"); shift 2 ;;
	--snapshot) snapshot=${2:?--snapshot needs an id}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) die "unknown option $1" 2 ;;
	*) [[ -z $dbname ]] || die "one database at a time" 2; dbname=$1; shift ;;
	esac
done

dbname=${dbname:-${PGDATABASE:-}}
[[ -n $dbname ]] || die "no database: name one, or set PGDATABASE or DATABASE_URL" 2
check_dbname "$dbname"
[[ $keep_days =~ ^[0-9]+$ ]] || die "--keep-days must be a whole number of days" 2
[[ $prefix =~ ^[A-Za-z0-9_.-]+$ ]] || die "--prefix may hold letters, digits, '.', '_' and '-' only" 2
for d in "${files[@]}"; do
	[[ -d $d ]] || die "--files: no directory $d"
done

# Dumps hold personal data (encrypted ID numbers, phone numbers, private documents).
umask 077
mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
base="$prefix-$stamp"
dump="$dir/$base.dump"
[[ ! -e $dump ]] || die "$dump exists already"

partials=()
cleanup() {
	local status=$?
	if ((status != 0)); then
		for p in "${partials[@]}"; do rm -f -- "$p"; done
		log "backup of $dbname FAILED (exit $status); nothing was deleted"
	fi
}
trap cleanup EXIT

log "dumping $dbname to $dump"
partials+=("$dump.partial")
pg_dump --format=custom --no-password ${snapshot:+--snapshot="$snapshot"} \
	--file="$dump.partial" --dbname="$dbname"
# A dump that pg_restore cannot list is no backup.
pg_restore --list "$dump.partial" >/dev/null
mv -- "$dump.partial" "$dump"
partials+=("$dump")
made=("$base.dump")

for d in "${files[@]}"; do
	name=$(basename -- "$d")
	tarball="$dir/$base.files-$name.tar.gz"
	log "archiving $d to $tarball"
	partials+=("$tarball.partial" "$tarball")
	tar --create --gzip --file="$tarball.partial" --directory="$(dirname -- "$d")" -- "$name"
	mv -- "$tarball.partial" "$tarball"
	made+=("$base.files-$name.tar.gz")
done

(cd "$dir" && sha256sum -- "${made[@]}" >"$base.sha256.partial" && mv -- "$base.sha256.partial" "$base.sha256")
partials+=("$dir/$base.sha256.partial" "$dir/$base.sha256")

if ((keep_days > 0)); then
	# Only after this run succeeded, and never this run's own files.
	find "$dir" -maxdepth 1 -type f -name "$prefix-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T*" ! -name "$base.*" \
		-mmin +$((keep_days * 24 * 60)) -print -delete | while read -r old; do log "deleted $old"; done
fi

partials=()
log "backup of $dbname done: $(du -h "$dump" | cut -f1)"
printf '%s\n' "$dump"
