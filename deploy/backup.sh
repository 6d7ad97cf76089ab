#!/bin/sh
# Nightly backup with a restore check: a backup that was never restored is
# a hope, not a backup.
#   deploy/backup.sh DSN DIR      e.g. "host=127.0.0.1 dbname=laurel user=postgres"
# Writes DIR/laurel-YYYYmmdd-HHMMSS.dump (custom format), restores it into
# a scratch database, compares row counts of every table, drops it.
set -eu

dsn=${1:?usage: backup.sh DSN DIR}
dir=${2:?usage: backup.sh DSN DIR}
stamp=$(date -u +%Y%m%d-%H%M%S)
file="$dir/laurel-$stamp.dump"
scratch="laurel_restore_check_$$"

mkdir -p "$dir"
pg_dump --format=custom --file="$file" "$dsn"

counts() {
	psql "$1" -Atqc "SELECT string_agg(format('%s=%s', t, (xpath('/row/c/text()',
	    query_to_xml(format('SELECT count(*) AS c FROM %I.%I', s, t), false, true, '')))[1]::text), ',' ORDER BY t)
	    FROM (SELECT table_schema s, table_name t FROM information_schema.tables
	    WHERE table_schema = 'public' AND table_type = 'BASE TABLE') x"
}

psql "$dsn" -qc "CREATE DATABASE $scratch"
trap 'psql "$dsn" -qc "DROP DATABASE IF EXISTS $scratch"' EXIT
restore_dsn="$dsn dbname=$scratch"
pg_restore --no-owner --dbname="$restore_dsn" "$file"

if [ "$(counts "$dsn")" != "$(counts "$restore_dsn")" ]; then
	echo "backup.sh: restore check FAILED for $file" >&2
	exit 1
fi
echo "backup.sh: $file written and restore-checked"
