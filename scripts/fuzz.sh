#!/bin/sh
# make fuzz: build the libFuzzer targets and run each for SECONDS.
# usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
set -eu
build=$1
secs=$2
shift 2
command -v clang >/dev/null || { echo "fuzz: needs clang (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSC_FUZZ=ON -DTSC_WERROR=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
mkdir -p "$build/crashes"
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')}
status=0
for t in $targets; do
    mkdir -p "$build/corpus-$t"
    echo "fuzz: $t for ${secs}s"
    if ! "$build/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
        "$build/corpus-$t" "tests/fuzz/corpus/$t" >"$build/fuzz-$t.log" 2>&1; then
        echo "fuzz: $t FOUND A CRASH: see $build/fuzz-$t.log and $build/crashes/" >&2
        status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz-$t.log" | tr '\n' ' '
    echo
done
exit $status
