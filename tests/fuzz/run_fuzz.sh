#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A short fuzz run for CI: FUZZER SEEDS SECONDS.  New inputs go to a
# scratch directory, so the checked-in seed corpus stays as it is.
fuzzer=$1 seeds=$2 secs=$3
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
"$fuzzer" -max_total_time="$secs" -max_len=65536 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work" "$seeds" 2>"$work/log"
rc=$?
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY" "$work/log"
if [ $rc != 0 ]; then
	tail -40 "$work/log"
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -e "$f" ] && echo "reproducer: $(od -An -tx1 "$f" | head -c 600)"
	done
fi
exit $rc
