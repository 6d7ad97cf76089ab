#!/bin/sh
# A project-local PostgreSQL 15 cluster: no system service, its socket in
# its own folder, nothing listening on TCP.
#   tools/pg.sh start DIR    create (first time) and start; prints the DSN
#   tools/pg.sh stop DIR
#   tools/pg.sh dsn DIR [DB] the libpq connection string
#   tools/pg.sh replica DIR PRIMARYDIR
#                            a hot-standby streaming replica of the running
#                            cluster in PRIMARYDIR (pg_basebackup -R, the
#                            first time), then started like any other
#                            (PG_PRIMARY_PORT=N when that one has PG_PORT=N)
# PG_PORT=N also listens on 127.0.0.1:N (the production stack's tests:
# chrooted Kore workers reach PostgreSQL over TCP, as in production).
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# unprivileged system user "laurel" (created if missing).
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=laurel

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
	echo "usage: tools/pg.sh start|stop|dsn|replica DIR [DB|PRIMARYDIR]" >&2
	exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PGUSER_OS" -- "$@"
	else
		"$@"
	fi
}

ensure_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	id "$PGUSER_OS" >/dev/null 2>&1 ||
	    useradd --system --no-create-home --shell /usr/sbin/nologin \
	    "$PGUSER_OS"
	chown "$PGUSER_OS" "$dir"
	if ! runuser -u "$PGUSER_OS" -- test -w "$dir"; then
		echo "pg.sh: user $PGUSER_OS cannot reach $dir (a parent" \
		    "folder is closed to other users); move the checkout" >&2
		exit 1
	fi
}

listen() {
	if [ -n "${PG_PORT:-}" ]; then
		echo "-c listen_addresses=127.0.0.1 -p $PG_PORT"
	else
		echo "-c listen_addresses="
	fi
}

start_server() {
	if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
		    -o "-k $dir -c fsync=${PG_FSYNC:-on} $(listen)" \
		    start >/dev/null || {
			echo "pg.sh: PostgreSQL did not start," \
			    "see $dir/postgres.log" >&2; exit 1; }
	fi
}

case "$cmd" in
start)
	ensure_user
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$dir/data" -U laurel -A trust \
		    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			echo "pg.sh: initdb failed, see $dir/initdb.log" >&2
			exit 1; }
	fi
	start_server
	;;
replica)
	# initdb's defaults already stream: wal_level replica, ten WAL
	# senders, replication allowed to local users; a standby answers
	# queries (hot_standby on).
	primary=${3:-}
	[ -n "$primary" ] && [ -d "$primary" ] || {
		echo "pg.sh: replica needs the primary's folder" >&2; exit 2; }
	primary=$(cd "$primary" && pwd)
	ensure_user
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PGBIN/pg_basebackup" -h "$primary" \
		    -p "${PG_PRIMARY_PORT:-5432}" -U laurel -D "$dir/data" \
		    -R -X stream -c fast >"$dir/basebackup.log" 2>&1 || {
			echo "pg.sh: pg_basebackup from $primary failed," \
			    "see $dir/basebackup.log" >&2; exit 1; }
	fi
	start_server
	;;
stop)
	if [ -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop \
		    >/dev/null 2>&1 || true
	fi
	;;
dsn)
	echo "host=$dir dbname=${3:-laurel} user=laurel"
	;;
*)
	echo "usage: tools/pg.sh start|stop|dsn|replica DIR [DB|PRIMARYDIR]" >&2
	exit 2
	;;
esac
