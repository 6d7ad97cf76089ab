#!/bin/bash
# PostgreSQL's CPU per execution of one statement, read from the server
# processes' own counters, not from throughput: the figure holds on a
# busy or noisy machine, where requests/s do not (issue 16).
#
#   PGHOST=/tmp/laurel-pg-XXXX PGDATABASE=t_... PGUSER=laurel_app \
#       tools/pgcpu.sh FILE.sql [extended|prepared] [N] [-D name=value ...]
#
# FILE.sql is a pgbench script (one statement; :name is a variable, given
# with -D). Two clients run it N times each; the line printed is the
# backends' user+system CPU over the run divided by the executions.
# "extended" sends it as Kore's pgsql layer does by itself (parsed and
# planned every time), "prepared" as web/db.c does (planned once).
set -eu
file=$1; mode=${2:-prepared}; n=${3:-5000}
shift $(( $# < 3 ? $# : 3 ))
export PGUSER=${PGUSER:-laurel_app}
user=$PGUSER
tick=$(getconf CLK_TCK)

# The backends of this database and user: those already there (Kore's)
# are counted from what they had, pgbench's from nothing.
declare -A first last
for p in $(pgrep -f "postgres: $user $PGDATABASE" || true); do
	first[$p]=$(awk '{print $14 + $15}' "/proc/$p/stat")
done

out=$(mktemp)
pgbench -n -M "$mode" -c 2 -j 1 -t "$n" "$@" -f "$file" >"$out" 2>&1 &
bench=$!
while kill -0 "$bench" 2>/dev/null; do
	for p in $(pgrep -f "postgres: $user $PGDATABASE" || true); do
		v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) || continue
		last[$p]=$(( v - ${first[$p]:-0} ))
	done
	sleep 0.02
done
wait "$bench" || { cat "$out" >&2; rm -f "$out"; exit 1; }

ticks=0
for p in "${!last[@]}"; do
	ticks=$(( ticks + last[$p] ))
done
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out")
rm -f "$out"
echo "$file $mode: $(( ticks * 1000000 / tick / (2 * n) )) us of PostgreSQL CPU an execution ($tps/s)"
