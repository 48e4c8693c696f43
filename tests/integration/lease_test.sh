#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Knob leases and the restore guard, on a plain file standing for a THP
# knob: two holders overlapping in either order, either one killed, an
# operator's change kept, a crash that took the guard too, and a guard
# that died before udamos told it "done".  Needs no root.
# Usage: lease_test.sh LEASE_HOLDER
set -u
holder=$1
dir=$(mktemp -d) || exit 1
knob=$dir/enabled
leases=$dir/leases
fails=0
trap 'exec 3>&- 4>&- 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT

check() {	# NAME WANT
	local got
	got=$(cat "$knob")
	if [ "$got" = "$2" ]; then
		echo "ok: $1 ($got)"
	else
		echo "FAIL: $1: the knob reads '$got', expected '$2'"
		fails=$((fails + 1))
	fi
}

# start NAME VALUE: a holder on fd NAME's pipe; its pids in ${NAME}_pid, ${NAME}_guard.
start() {
	local fifo=$dir/$1.in out=$dir/$1.out
	mkfifo "$fifo"
	"$holder" "$leases" "$knob" "$2" <"$fifo" >"$out" 3>&- 4>&- &
	eval "exec $3>\"$fifo\""
	for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
	read -r pid guard <"$out"
	eval "${1}_pid=$pid ${1}_guard=$guard"
	rm -f "$fifo"
}

wait_guard() {	# PID: the guard has finished
	for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.02; done
}

# 1. A then B, A ends first: B still relies on the change.
echo madvise >"$knob"
start a never 3; start b never 4
exec 3>&-; wait "$a_pid" 2>/dev/null; wait_guard "$a_guard"
check "first of two ends: the second still holds it" never
exec 4>&-; wait "$b_pid" 2>/dev/null; wait_guard "$b_guard"
check "last of two ends: the original is back" madvise

# 2. The issue's report: B started during A, both killed with SIGKILL.
start a never 3; start b never 4
kill -9 "$a_pid"; wait "$a_pid" 2>/dev/null; wait_guard "$a_guard"
check "first killed: the second still holds it" never
kill -9 "$b_pid"; wait "$b_pid" 2>/dev/null; wait_guard "$b_guard"
check "both killed: the original is back" madvise
exec 3>&- 4>&-

# 3. Different values: the last writer's value stands until all are gone.
start a never 3; start b always 4
check "second holder's value" always
exec 4>&-; wait "$b_pid" 2>/dev/null; wait_guard "$b_guard"
check "second gone, first still holds: left as udamos last set it" always
exec 3>&-; wait "$a_pid" 2>/dev/null; wait_guard "$a_guard"
check "all gone: the original" madvise

# 4. An operator changes the knob meanwhile: theirs to keep.
start a never 3
echo always >"$knob"
exec 3>&-; wait "$a_pid" 2>/dev/null; wait_guard "$a_guard"
check "an operator's change is kept" always
echo madvise >"$knob"

# 5. udamos and its guard both killed: the next udamos puts it back.
start a never 3
kill -9 "$a_guard" "$a_pid"; wait "$a_pid" 2>/dev/null
sleep 0.2
check "both killed, nothing ran" never
n=$("$holder" "$leases" recover | tail -1)
check "recovered by the next udamos ($n lease)" madvise
exec 3>&-

# 6. A guard that died before udamos said "done": no SIGPIPE.
out=$("$holder" dead-guard 2>&1)
rc=$?
if [ "$rc" = 0 ] && [ "$out" = survived ]; then
	echo "ok: a dead guard is told 'done' without SIGPIPE"
else
	echo "FAIL: telling a dead guard 'done' ended udamos (exit $rc: $out)"
	fails=$((fails + 1))
fi

[ -z "$(ls "$leases" | grep -v '\.lock$')" ] && echo "ok: no lease left" ||
	{ echo "FAIL: leases left: $(ls "$leases")"; fails=$((fails + 1)); }
exit $((fails ? 1 : 0))
