#!/bin/sh
# Restarts Laurel's instances one at a time without failing a request.
#   deploy/rolling-restart.sh [PORT...]   (default: every server of the
#                                          nginx upstream "laurel")
# Kore drops the requests a worker holds when it is told to stop, and a
# request already sent to an instance that goes away can be retried by
# nginx only if it is idempotent: a submit would fail, or could be sent
# twice. So each instance is first taken out of nginx's upstream (marked
# "down", nginx reloaded: its old workers finish what they carry), left
# until those workers are gone and nginx holds no connection to it,
# restarted, checked ready on /readyz, and put back. The first instance
# restarted also migrates the schema (laurel@.service runs laurelctl
# migrate before Kore).
#
# Settings (environment):
#   NGINX_SITE	the site file holding "upstream laurel"
#		(default /etc/nginx/sites-enabled/laurel)
#   NGINX	the nginx command (default nginx)
#   LAUREL_RESTART	restarts one instance; %p is its port
#		(default "systemctl restart laurel@%p")
#   DRAIN_SECONDS	longest wait for nginx to let an instance go (30)
#   READY_SECONDS	longest wait for a restarted instance's /readyz (60)
set -eu

site=${NGINX_SITE:-/etc/nginx/sites-enabled/laurel}
nginx=${NGINX:-nginx}
restart=${LAUREL_RESTART:-systemctl restart laurel@%p}
drain=${DRAIN_SECONDS:-30}
ready=${READY_SECONDS:-60}

say() {
	echo "rolling-restart: $*"
}

die() {
	echo "rolling-restart: $*" >&2
	exit 1
}

[ -r "$site" ] || die "cannot read the nginx site $site (set NGINX_SITE)"

upstream_ports() {
	sed -n '/^upstream laurel[[:space:]]*{/,/^}/s/^[[:space:]]*server[[:space:]]\{1,\}127\.0\.0\.1:\([0-9]\{1,\}\).*/\1/p' "$site"
}

# Rewrites the site in place through any symlink (sites-enabled usually
# is one), then has nginx check and load it; old workers finish first.
set_down() {	# port, "down" or ""
	tmp=$(mktemp)
	line="^\([[:space:]]*server[[:space:]]\{1,\}127\.0\.0\.1:$1\)"
	if [ -n "$2" ]; then
		sed -e "s/$line down/\1/" -e "s/$line\([[:space:];]\)/\1 down\2/" "$site" >"$tmp"
	else
		sed "s/$line down/\1/" "$site" >"$tmp"
	fi
	cat "$tmp" >"$site"
	rm -f "$tmp"
	$nginx -t -q || die "nginx refuses $site; nothing restarted"
	$nginx -s reload
}

# Established TCP connections to 127.0.0.1:port (nginx's to the instance).
connections() {
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p="$hex" '$4 == "01" { split($3, a, ":"); if (a[2] == p) n++ } END { print n + 0 }'
}

# The pids of nginx's workers (they name themselves in their titles).
# A reload replaces them all: the old ones finish what they carry, then
# exit, and until then one may still send a request to the instance (an
# upload connects upstream only once its whole body is in). SIGHUP only
# asks the master, so the old ones are known by their pids from before.
nginx_workers() {
	for f in /proc/[0-9]*/cmdline; do
		case "$(tr '\0' ' ' <"$f" 2>/dev/null)" in
		"nginx: worker process"*)
			f=${f#/proc/}
			echo "${f%/cmdline}" ;;
		esac
	done
}

any_alive() {	# pids
	for p in "$@"; do
		[ -d "/proc/$p" ] && return 0
	done
	return 1
}

wait_drained() {	# port, the workers from before the reload
	port=$1
	shift
	i=0
	while any_alive "$@" || [ "$(connections "$port")" -gt 0 ]; do
		i=$((i + 1))
		if [ "$i" -gt $((drain * 10)) ]; then
			say "port $port still has connections after ${drain} s; restarting anyway"
			return 0
		fi
		sleep 0.1
	done
}

wait_ready() {
	i=0
	until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/readyz" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le $((ready * 5)) ] || return 1
		sleep 0.2
	done
}

ports=${*:-$(upstream_ports)}
[ -n "$ports" ] || die "no 'server 127.0.0.1:PORT' line in the upstream laurel of $site"

# With one instance there is nobody to carry the traffic meanwhile.
[ "$(upstream_ports | wc -l)" -ge 2 ] ||
    die "the upstream of $site has one instance: add a second (README) first"

for port in $ports; do
	case "$port" in
	*[!0-9]*|'') die "not a port: $port" ;;
	esac
	upstream_ports | grep -qx "$port" ||
	    die "port $port is not in the upstream of $site"
done

for port in $ports; do
	say "taking $port out of nginx"
	old=$(nginx_workers)
	set_down "$port" down
	# shellcheck disable=SC2086
	wait_drained "$port" $old
	say "restarting $port"
	cmd=$(printf '%s\n' "$restart" | sed "s/%p/$port/g")
	if ! sh -c "$cmd"; then
		die "'$cmd' failed; $port stays out of nginx's upstream"
	fi
	if ! wait_ready "$port"; then
		die "$port is not ready after ${ready} s; it stays out of nginx's upstream"
	fi
	set_down "$port" ""
	say "$port is back"
done
