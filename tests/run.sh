#!/bin/sh
# `make test`: every suite, then one summary line summed over all of them.
#   tests/run.sh [unit|fuzz|http|browser|ops]...   (default: all, in order)
# Exit status is non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
skipped=0
log=build/test-logs
mkdir -p "$log"

count_tap() {	# file -> adds its "ok"/"not ok" lines
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^not ok ' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
	echo "$p passed, $f failed"
}

count_node() {	# file -> adds node's closing "# pass/# fail" lines
	p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$1" | tail -1)
	s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$1" | tail -1)
	# A test node cancels (its file's process ran dry, a hook failed)
	# did not pass: it counts as failed.
	c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$1" | tail -1)
	p=${p:-0}; f=${f:-0}; s=${s:-0}; c=${c:-0}
	f=$((f + c))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1	# the runner died before reporting: that is a failure
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	echo "$p passed, $f failed, $s skipped"
}

suite_unit() {
	echo "== unit (C, cmocka, ASan/UBSan)"
	for t in build/unit/*_test; do
		[ -x "$t" ] || continue
		out="$log/$(basename "$t").tap"
		CMOCKA_MESSAGE_OUTPUT=TAP "./$t" >"$out" 2>&1
		rc=$?
		printf '%s: ' "$(basename "$t")"
		count_tap "$out"
		if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$out"; then
			echo "$t exited $rc without a failing test:"
			tail -20 "$out"
			failed=$((failed + 1))
		fi
	done
}

suite_fuzz() {
	echo "== fuzz (libFuzzer, short run over the seeds)"
	for f in build/fuzz/*_fuzz; do
		[ -x "$f" ] || continue
		n=$(basename "$f" _fuzz)
		corpus="build/corpus/$n"
		mkdir -p "$corpus"
		if "./$f" -runs="${FUZZ_SHORT_RUNS:-50000}" -max_len=4096 \
		    -artifact_prefix="$log/" \
		    "$corpus" "tests/fuzz/seeds/$n" >"$log/fuzz-$n.log" 2>&1; then
			echo "$n: ok"
			passed=$((passed + 1))
		else
			echo "$n: FAILED (see $log/fuzz-$n.log)"
			tail -30 "$log/fuzz-$n.log"
			failed=$((failed + 1))
		fi
	done
}

suite_node() {	# name, files...
	name=$1; shift
	[ -e "$1" ] || { echo "== $name: no tests"; return 0; }
	echo "== $name (node:test, real PostgreSQL, real Kore)"
	out="$log/$name.tap"
	# A hung test fails after 5 minutes instead of holding CI.
	node --test --test-reporter=tap --test-concurrency=1 \
	    --test-timeout=300000 "$@" >"$out" 2>&1
	grep -E '^not ok|^# Subtest|^\s+not ok' "$out" | grep -v '^# Subtest' | head -40
	printf '%s: ' "$name"
	count_node "$out"
}

with_cluster() {
	LAUREL_TEST_PG=$(mktemp -d /tmp/laurel-suite-pg-XXXXXX)
	chmod 755 "$LAUREL_TEST_PG"
	export LAUREL_TEST_PG
	PG_FSYNC=off tools/pg.sh start "$LAUREL_TEST_PG" || {
		failed=$((failed + 1)); return 1; }
	"$@"
	tools/pg.sh stop "$LAUREL_TEST_PG"
	rm -rf "$LAUREL_TEST_PG"
	unset LAUREL_TEST_PG
}

# Kore loads the sanitizer-instrumented module (see the Makefile).
if [ -f build/san/laurel.so ] && [ -z "${LAUREL_TEST_MODULE:-}" ]; then
	LAUREL_TEST_MODULE=$(pwd)/build/san/laurel.so
	# libstdc++ too: libqpdf throws C++ exceptions, and ASan can only
	# intercept __cxa_throw when libstdc++ is there at its start.
	LAUREL_TEST_PRELOAD="$(${CC:-cc} -print-file-name=libasan.so) $(${CC:-cc} -print-file-name=libstdc++.so.6)"
	export LAUREL_TEST_MODULE LAUREL_TEST_PRELOAD
fi

suites=${*:-unit fuzz http browser ops}
for s in $suites; do
	case "$s" in
	unit)		suite_unit ;;
	fuzz)		suite_fuzz ;;
	http)		with_cluster suite_node http tests/http/*/*.test.mjs ;;
	browser)	with_cluster suite_node browser tests/browser/*/*.test.mjs ;;
	# The production stack and its faults (nginx, chrooted instances,
	# restarts): each file starts the clusters and processes it needs.
	ops)		with_cluster suite_node ops tests/ops/*.test.mjs ;;
	*)		echo "unknown suite $s"; failed=$((failed + 1)) ;;
	esac
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
