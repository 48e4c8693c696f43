#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel DAMON on this machine, whatever state it is in:
#  - a kdamond that udamos did not create is running: udamos must refuse
#    (exit 3, naming it) and leave it exactly as it was;
#  - DAMON is free: the real paddr source must collapse a hot range.
# Usage: damon_host_test.sh UDAMOS WORKLOAD COLLAPSE_TEST
set -u
UDAMOS=$1 WORKLOAD=$2 COLLAPSE_TEST=$3
D=/sys/kernel/mm/damon/admin/kdamonds
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r $D/nr_kdamonds ] || { echo "SKIP: no DAMON sysfs on this kernel"; exit 77; }

foreign=""
n=$(cat $D/nr_kdamonds)
for ((i = 0; i < n; i++)); do
	[ "$(cat $D/$i/state)" = on ] && foreign=$i && break
done

if [ -z "$foreign" ]; then
	echo "DAMON is free: running the paddr source for real"
	exec "$COLLAPSE_TEST" "$UDAMOS" "$WORKLOAD" paddr
fi

# Everything readable about the foreign kdamond, before and after.
fingerprint() {
	cat $D/nr_kdamonds $D/$foreign/state $D/$foreign/pid
	find $D/$foreign -path '*tried_regions*' -prune -o -path '*stats*' -prune -o \
		-name effective_bytes -prune -o -type f -readable -print 2>/dev/null |
		sort | while read -r f; do echo "$f=$(cat "$f" 2>/dev/null | tr '\n' ' ')"; done
}
before=$(fingerprint)
sleep 60 & target=$!
trap 'kill $target 2>/dev/null' EXIT
"$UDAMOS" run --pid $target --duration 3 >/tmp/udamos-damon-test.out 2>/tmp/udamos-damon-test.err
rc=$?
err=$(cat /tmp/udamos-damon-test.err)
rm -f /tmp/udamos-damon-test.out /tmp/udamos-damon-test.err
after=$(fingerprint)
failures=0
[ $rc = 3 ] || { echo "FAIL: exit $rc, want 3: $err"; failures=1; }
[ "$(echo "$err" | wc -l)" = 1 ] || { echo "FAIL: want one line: $err"; failures=1; }
echo "$err" | grep -q "kernel DAMON is busy: kdamond $foreign (pid" ||
	{ echo "FAIL: message does not name kdamond $foreign: $err"; failures=1; }
[ "$before" = "$after" ] || { echo "FAIL: the foreign kdamond changed:"; diff <(echo "$before") <(echo "$after"); failures=1; }
kill -0 $target || { echo "FAIL: the target died"; failures=1; }
echo "udamos said: $err"
[ $failures = 0 ] && echo "PASSED: refused, foreign kdamond $foreign untouched"
exit $failures
