#!/bin/sh
# Nightly backup with a restore check: a backup that was never restored is
# a hope, not a backup (README "Backups").
#   deploy/backup.sh [DIR]          DIR defaults to /var/backups/laurel
# Settings from the environment, as the instances take theirs (the unit
# reads /etc/laurel/laurel.env and /etc/laurel/owner.env):
#   LAUREL_OWNER_DB       the schema owner's connection string (else LAUREL_DB)
#   LAUREL_KEY_FILE       the file-encryption key, for the restore check; it
#   LAUREL_KEY_FILES_OLD  and the older keys must lie outside DIR
#   LAUREL_BACKUP_KEEP    dumps kept, the newest (default 14)
#   LAURELCTL             laurelctl (default /opt/laurel/build/laurelctl, else
#                         build/laurelctl of this checkout)
#   PGBIN                 PostgreSQL's programs (/usr/lib/postgresql/15/bin)
# Writes DIR/laurel-YYYYmmddTHHMMSSZ.dump (pg_dump's custom format) and
# DIR/laurel-....dump.manifest (its SHA-256 and every table's row count,
# counted in the dump's own snapshot), then runs `laurelctl restore-check`
# on them, and removes all but the newest dumps. Files 0600, DIR 0700.
# A dump that fails is removed; one whose check fails is kept as
# laurel-....dump.failed (with its .manifest) to look into. Exit 0 only
# when the new dump restored and checked.
set -eu

me=backup.sh
die() {
	echo "$me: $*" >&2
	exit 1
}

[ $# -le 1 ] || { echo "usage: deploy/backup.sh [DIR]" >&2; exit 2; }
dir=${1:-/var/backups/laurel}
keep=${LAUREL_BACKUP_KEEP:-14}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
dsn=${LAUREL_OWNER_DB:-${LAUREL_DB:-}}
export PGBIN

case $keep in
''|*[!0-9]*|0) die "LAUREL_BACKUP_KEEP=$keep: the number of dumps to" \
    "keep, 1 or more" ;;
esac
[ -n "$dsn" ] || die "LAUREL_OWNER_DB is not set (the schema owner's" \
    "connection string; /etc/laurel/owner.env)"
[ -n "${LAUREL_KEY_FILE:-}" ] || die "LAUREL_KEY_FILE is not set (the" \
    "restore check opens every document with it)"

ctl=${LAURELCTL:-}
if [ -z "$ctl" ]; then
	ctl=/opt/laurel/build/laurelctl
	[ -x "$ctl" ] || ctl=$(dirname "$0")/../build/laurelctl
fi
[ -x "$ctl" ] || die "laurelctl not found at $ctl (set LAURELCTL)"

# The key never lies with the dumps: whoever gets the one must not get
# the other. Paths compared resolved (symlinks, ..), DIR need not exist.
real_dir=$(realpath -m -- "$dir")
check_key() {
	key=$(realpath -m -- "$1")
	keydir=$(dirname -- "$key")
	case $key/ in
	"$real_dir"/*) die "refusing: the key file $1 lies inside the backup" \
	    "folder $dir; keep the key away from the dumps" ;;
	esac
	case $real_dir/ in
	"$keydir"/*) die "refusing: the backup folder $dir lies inside the" \
	    "key file's folder $keydir; keep the key away from the dumps" ;;
	esac
}
check_key "$LAUREL_KEY_FILE"
old=${LAUREL_KEY_FILES_OLD:-}
while [ -n "$old" ]; do
	first=${old%%:*}
	[ -z "$first" ] || check_key "$first"
	case $old in *:*) old=${old#*:} ;; *) old= ;; esac
done

umask 077
mkdir -p -- "$dir" || die "cannot create $dir"
chmod 0700 -- "$dir" || die "cannot make $dir private (chmod 0700)"

# One name a second; a second run within the same second waits for the next.
for try in 1 2 3; do
	name=laurel-$(date -u +%Y%m%dT%H%M%SZ).dump
	[ -e "$dir/$name" ] || [ -e "$dir/$name.failed" ] || break
	[ "$try" -lt 3 ] || die "$dir/$name already exists"
	sleep 1
done
final=$dir/$name
tmp=$dir/.$name.partial
trap 'rm -f -- "$tmp" "$tmp.manifest" "$tmp.counts" "$tmp.status"' EXIT
trap 'exit 1' HUP INT TERM

# One REPEATABLE READ transaction exports its snapshot, counts every table
# in it, and keeps it open while pg_dump dumps that same snapshot: counts
# and dump agree exactly, whatever the instances write meanwhile. The
# query is the same as laurelctl restore-check's. pg_dump runs from
# psql's \!, with its paths and the DSN in the environment (never in the
# script's text); its exit status comes back through a file.
LAUREL_BACKUP_DSN=$dsn
LAUREL_BACKUP_FILE=$tmp
export LAUREL_BACKUP_DSN LAUREL_BACKUP_FILE
"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$dsn" \
    >"$tmp.counts" <<'EOF' || die "the snapshot or the counts failed (the line above says why); no dump written"
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT pg_export_snapshot() AS snapshot \gset
\setenv LAUREL_BACKUP_SNAPSHOT :snapshot
SELECT 'table ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    || ' ' || (xpath('/row/c/text()', query_to_xml(format(
    'SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),
    false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname <> 'information_schema'
    AND n.nspname !~ '^pg_' ORDER BY 1;
\! "$PGBIN/pg_dump" --format=custom --snapshot="$LAUREL_BACKUP_SNAPSHOT" --file="$LAUREL_BACKUP_FILE" --dbname="$LAUREL_BACKUP_DSN"; echo $? >"$LAUREL_BACKUP_FILE.status"
COMMIT;
EOF
[ "$(cat "$tmp.status" 2>/dev/null)" = 0 ] ||
    die "pg_dump failed (the line above says why); no dump written"

sum=$(sha256sum <"$tmp") || die "cannot read $tmp"
{
	echo "# $name: laurelctl restore-check reads this"
	echo "laurel-backup 1"
	echo "sha256 ${sum%% *}"
	cat "$tmp.counts"
} >"$tmp.manifest" || die "cannot write $tmp.manifest"

if ! "$ctl" restore-check "$tmp"; then
	mv -f -- "$tmp.manifest" "$final.failed.manifest"
	mv -f -- "$tmp" "$final.failed"
	die "the restore check of $name FAILED (the lines above say why);" \
	    "kept as $final.failed"
fi

# The manifest first: a dump is never named without its manifest.
mv -f -- "$tmp.manifest" "$final.manifest"
mv -f -- "$tmp" "$final"

# The newest $keep of each kind; names sort as their times do.
prune() {
	suffix=$1
	set -- "$dir"/laurel-*Z.dump"$suffix"
	[ -e "$1" ] || return 0
	n=$#
	while [ "$n" -gt "$keep" ]; do
		rm -f -- "$1" "$1.manifest"
		shift
		n=$((n - 1))
	done
}
prune ""
prune .failed
echo "$me: $final written and restore-checked"
