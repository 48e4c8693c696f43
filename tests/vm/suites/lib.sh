# Helpers for guest suites (busybox sh).
# Each check says the guest's uptime: the host has 20 minutes for all.
pass() { echo "VMTEST PASS $1 (at $(cut -d. -f1 /proc/uptime) s)"; }
fail() { echo "VMTEST FAIL $1: $2"; }
skip() { echo "VMTEST SKIP $1: $2"; }
DAMON=/sys/kernel/mm/damon/admin/kdamonds

# expect_rc NAME WANT CMD...: exit status, with stderr kept in /tmp/err.
expect_rc() {
	name=$1 want=$2
	shift 2
	"$@" >/tmp/out 2>/tmp/err
	got=$?
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "exit $got, want $want: $(cat /tmp/err | head -3)"
	fi
}

# A kdamond made by hand, as another tool would: paddr over 16 MiB.
hand_kdamond() {
	echo 1 > $DAMON/nr_kdamonds
	echo 1 > $DAMON/0/contexts/nr_contexts
	echo paddr > $DAMON/0/contexts/0/operations
	echo 1 > $DAMON/0/contexts/0/targets/nr_targets
	echo 1 > $DAMON/0/contexts/0/targets/0/regions/nr_regions
	echo 16777216 > $DAMON/0/contexts/0/targets/0/regions/0/start
	echo 33554432 > $DAMON/0/contexts/0/targets/0/regions/0/end
	echo on > $DAMON/0/state
}

no_kdamond_on() {
	n=$(cat $DAMON/nr_kdamonds)
	i=0
	while [ $i -lt "$n" ]; do
		[ "$(cat $DAMON/$i/state)" = on ] && return 1
		i=$((i + 1))
	done
	return 0
}

# The last line of every suite: the guest reports a suite that stopped
# early (a shell error aborts it) as a failure.
suite_complete() { : > /tmp/suite-complete; }
