#!/bin/sh
# Runs each libFuzzer target named on the command line (build-fuzz/<name>_fuzz) for $FUZZ_SECONDS on
# inputs of up to $FUZZ_MAX_LEN bytes, seeded from fuzz/corpus/<name>/, and prints its executions.
# A crash, leak, slow input or sanitizer report stops the run non-zero and names the reproducer.
set -u
secs=${FUZZ_SECONDS:-20}
max_len=${FUZZ_MAX_LEN:-262144}
mkdir -p build-fuzz/artifacts
for bin in "$@"; do
    name=$(basename "$bin" _fuzz)
    seeds=fuzz/corpus/$name
    work=build-fuzz/corpus-$name
    log=build-fuzz/$name.log
    if [ ! -d "$seeds" ]; then
        echo "fuzz: $seeds missing: every fuzz/${name}_fuzz.c has its seeds in fuzz/corpus/$name/" >&2
        exit 1
    fi
    mkdir -p "$work"
    echo "== fuzz $name ($secs s, inputs up to $max_len bytes)"
    # New inputs go to the first folder (build-fuzz/), so the checked-in seeds stay as they are.
    if ! "$bin" -max_total_time="$secs" -max_len="$max_len" -timeout=25 -print_final_stats=1 \
        -artifact_prefix="build-fuzz/artifacts/$name-" "$work" "$seeds" >"$log" 2>&1; then
        tail -40 "$log"
        repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        echo "FUZZ FAILED: $name: reproducer ${repro:-not written (see $log)}; replay: $bin ${repro:-}" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "   $name: ${runs:-?} executions, $(ls "$work" | wc -l) inputs in $work"
done
