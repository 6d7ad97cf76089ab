#!/bin/sh
# `make run`: everything a newcomer needs, then Kore in the foreground.
# Ctrl-C stops Kore and the project's PostgreSQL cluster.
set -eu
cd "$(dirname "$0")/.."

tools/deps.sh run
make -s build

mkdir -p var var/mail

# First run: the key that seals uploaded documents (README "Rotating the
# file-encryption key"). Losing it loses every document: back it up.
if [ -z "${LAUREL_KEY_FILE:-}" ] && [ ! -e var/laurel.key ]; then
	build/laurelctl key new var/laurel.key
fi

tools/pg.sh start var/pg
trap 'rm -f var/laurelctl.env; tools/pg.sh stop var/pg' EXIT INT TERM

dsn=$(tools/pg.sh dsn var/pg postgres)
if ! psql "$dsn" -Atqc "SELECT 1 FROM pg_database WHERE datname='laurel'" |
    grep -q 1; then
	psql "$dsn" -qc "CREATE DATABASE laurel"
fi

LAUREL_DB=$(tools/pg.sh dsn var/pg laurel)
export LAUREL_DB
build/laurelctl migrate migrations sql

# First run: a demo administrator, its password printed this once.
if [ ! -f var/demo-admin-created ]; then
	echo "== Demo administrator (shown once; change the password at /account):"
	build/laurelctl user create --email admin@example.org \
	    --name "Demo Administrator" --admin
	touch var/demo-admin-created

	# And an open demo round, closing in 30 days, with the defaults.
	psql "$LAUREL_DB" -Atq >/dev/null <<-'SQL'
	SELECT round_save(NULL, NULL, 'make run', 'PRECISEU Best Practice Recognition 2026 (demo)', 'demo-2026',
	    E'# The call\n\nThis is a demonstration round of a **development** instance.',
	    '[{"code":"IMPACT","description":"Academia–business partnerships that significantly improve healthcare."},{"code":"INNOVATION","description":"SMEs and start-ups transforming patient care with advanced therapies."},{"code":"EXCELLENCE","description":"Organisations leading in accessibility, safety and inclusion of health data."},{"code":"CULTURE","description":"Patient engagement and community involvement."}]',
	    (SELECT array_agg(code) FROM countries WHERE default_eligible), 'Europe/Brussels',
	    to_char(now() AT TIME ZONE 'Europe/Brussels' - interval '1 day', 'YYYY-MM-DD"T"HH24:MI'),
	    to_char(now() AT TIME ZONE 'Europe/Brussels' + interval '30 days', 'YYYY-MM-DD"T"HH24:MI'),
	    '', '', false, 3, 5, 20);
	SQL
fi

# The app connects as laurel_app (made by the migrations), which holds no
# table right and only calls the functions of sql/ (the mailer also reads
# and marks the outbox); migrations ran as the owner, laurel.
LAUREL_DB="$LAUREL_DB user=laurel_app"
LAUREL_BASE_URL=${LAUREL_BASE_URL:-http://127.0.0.1:8888}
LAUREL_MAIL_MODE=${LAUREL_MAIL_MODE:-file}
LAUREL_MAIL_DIR=${LAUREL_MAIL_DIR:-var/mail}
LAUREL_DEV=${LAUREL_DEV:-1}
# A development instance lets admins in without TOTP (with a notice on
# every admin page); production keeps it required.
LAUREL_ADMIN_TOTP=${LAUREL_ADMIN_TOTP:-off}
LAUREL_KEY_FILE=${LAUREL_KEY_FILE:-var/laurel.key}
export LAUREL_DB LAUREL_BASE_URL LAUREL_MAIL_MODE LAUREL_MAIL_DIR LAUREL_DEV \
    LAUREL_ADMIN_TOTP LAUREL_KEY_FILE

# laurelctl typed in another terminal of this directory reads this file
# when its environment names no database (README "laurelctl"): the
# owner's connection string, so mode 0600. It goes when run stops: the
# cluster it points at is stopped too, and a stale file would only
# trade "run make run" for a connection error.
envq() {
	printf '%s="%s"\n' "$1" "$(printf '%s' "$2" | sed 's/[\\"`$]/\\&/g')"
}
abs() {
	case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$(pwd)" "$1" ;; esac
}
(
	umask 077
	{
		echo "# Written by tools/run.sh for laurelctl; removed when it stops."
		envq LAUREL_OWNER_DB "$(tools/pg.sh dsn var/pg laurel)"
		envq LAUREL_DB "$LAUREL_DB"
		envq LAUREL_BASE_URL "$LAUREL_BASE_URL"
		envq LAUREL_MAIL_MODE "$LAUREL_MAIL_MODE"
		envq LAUREL_MAIL_DIR "$(abs "$LAUREL_MAIL_DIR")"
		envq LAUREL_KEY_FILE "$(abs "$LAUREL_KEY_FILE")"
	} >var/laurelctl.env.tmp
	mv var/laurelctl.env.tmp var/laurelctl.env
)

# The mailer writes var/mail/*.eml and prints each link.
build/laurelctl mail &
mail_pid=$!

echo "Laurel: http://127.0.0.1:8888  (Ctrl-C stops it)"
# -n: no chroot, -r: no privilege drop (a development instance); see
# deploy/ for production. Kore runs in its own session: a Kore worker
# that outlives its parent sends SIGQUIT to its whole process group, and
# this script must live to stop PostgreSQL. Ctrl-C reaches Kore via trap.
setsid stdbuf -oL kore -c conf/laurel.conf -f -n -r &
kore_pid=$!
trap 'kill -TERM $kore_pid $mail_pid 2>/dev/null; wait 2>/dev/null;
    rm -f var/laurelctl.env; tools/pg.sh stop var/pg' EXIT INT TERM
wait $kore_pid
