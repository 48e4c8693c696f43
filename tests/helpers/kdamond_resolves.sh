#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Can a kdamond that someone else runs single out a hot set here, now?
# Its owner sets its range and region count, and a paddr kdamond sees a
# process's pages wherever their frames lie: a hot set scattered over a
# large range shares every region with cold frames and never reads hot.
# Such a machine cannot test how well udamos collapses through that
# kdamond, only that it reads it and never writes.
#
# Runs a 1 GiB workload with 256 MiB hot for six of the kdamond's
# aggregations through udamos's shared source; exit 0 if regions reading
# hot (>= 50% of what the monitor can see) add up to half the hot set or
# more, 1 if not.  What it can see is the run's max_nr_accesses, not
# aggr/sample: where accessed bits go blind, the flusher lets only some of
# the kdamond's samples see a page (source/flusher.h), the first
# aggregation, before the flusher has a window to aim at, sees none, and
# a window's rate through physical regions is smoothed from idle
# (core/projection.h): four more to read hot (the rate is in whole
# samples, rounded down).
# Half, not less: what it resolves moves from minute to minute (80 MiB
# here, then nothing for the next test's target), so only a clear answer
# counts.  Prints one line saying which, with the kdamond's range and
# regions.
#
# With UDAMOS_GATE_CACHE set (scripts/test sets it for one suite run), an
# answer up to 5 minutes old is given again: the tests of one suite run
# ask within minutes of each other, and each asking costs 33 s.
# Usage: kdamond_resolves.sh UDAMOS WORKLOAD
set -u
UDAMOS=$1 WORKLOAD=$2
cache=${UDAMOS_GATE_CACHE:-}
if [ -n "$cache" ] && [ -n "$(find "$cache" -newermt '-300 seconds' 2>/dev/null)" ]; then
	read -r rc line <"$cache"
	echo "$line (asked $(( $(date +%s) - $(stat -c %Y "$cache") )) s ago)"
	exit "$rc"
fi
# answer RC LINE: says it, keeps it for the next test, exits.
answer() {
	echo "$2"
	[ -n "$cache" ] && echo "$1 $2" >"$cache"
	exit "$1"
}
D=/sys/kernel/mm/damon/admin/kdamonds
k=
for s in $D/[0-9]*/state; do [ "$(cat "$s")" = on ] && k=$(dirname "$s") && break; done
[ -n "$k" ] || answer 1 "no running kdamond"
aggr=$(cat $k/contexts/0/monitoring_attrs/intervals/aggr_us)
span=0
for r in $k/contexts/0/targets/0/regions/[0-9]*; do
	[ -d "$r" ] && span=$((span + $(cat "$r/end") - $(cat "$r/start")))
done
maxr=$(cat $k/contexts/0/monitoring_attrs/nr_regions/max)
"$WORKLOAD" fd=3 footprint=1073741824 hot_offset=268435456 hot_size=268435456 hot_stride=1 \
	page_rate=0 move_after_us=0 move_offset=0 nohuge_offset_plus1=0 flags=0 3<>/dev/zero &
w=$!
sleep 2
secs=$(( 6 * aggr / 1000000 + 3 ))
hot_mib=$("$UDAMOS" run --pid $w --source shared --duration $secs --damos_action stat --json 2>/dev/null |
	python3 -c '
import json, sys
try:
    j = json.load(sys.stdin)
    regions = j["schemes"][0]["tried_regions"]
    full = j["max_nr_accesses"]
    print(sum(r["end"] - r["start"] for r in regions if 2 * r["nr_accesses"] >= full) >> 20)
except Exception:
    print(-1)')
kill $w
wait $w 2>/dev/null
desc="kdamond $(basename "$k"): $((span >> 30)) GiB of physical memory in at most $maxr regions; $hot_mib MiB of a 256 MiB hot set read hot over $secs s"
[ "${hot_mib:--1}" -ge 128 ] && answer 0 "resolves: $desc"
answer 1 "does not resolve: $desc"
