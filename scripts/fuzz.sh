#!/usr/bin/env bash
# `make fuzz`: runs each libFuzzer target (Fuzz/<name>, built by `make fuzz-build`) for SECONDS.
#   scripts/fuzz.sh BIN_DIRECTORY SECONDS TARGET...     e.g. scripts/fuzz.sh .build-fuzz/release 60 control
# Each target first runs its kept crash inputs (Fuzz/regressions/<name>/: every input a run
# once found, kept as a regression test), then fuzzes from the committed seeds (Fuzz/corpus/<name>)
# into a working corpus under BIN_DIRECTORY/fuzz/corpus/<name>. A crash, leak or sanitizer report
# stops the run; its input is written to BIN_DIRECTORY/fuzz/artifacts/<name>/ (copy it into
# Fuzz/regressions/<name>/ with the fix). Prints one line per target: executions, coverage
# (edges), features, corpus size; the logs are in BIN_DIRECTORY/fuzz/logs/.
# FUZZ_JOBS runs that many targets at once (default 1); FUZZ_RUNS stops each target after that
# many executions (SECONDS still bounds it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
seconds=$2
shift 2
work="$bin/fuzz"
mkdir -p "$work/logs"
failed=0

run_target() {
    local name=$1 binary="$bin/fuzz-$1" log="$work/logs/$1.log"
    local corpus="$work/corpus/$name" artifacts="$work/artifacts/$name/"
    mkdir -p "$corpus" "$artifacts"
    [[ -x "$binary" ]] || { echo "fuzz-$name: $binary is missing (make fuzz-build)" >&2; return 1; }
    local regressions=(Fuzz/regressions/"$name"/*)
    if [[ -e "${regressions[0]}" ]]; then
        if ! "$binary" -rss_limit_mb=2048 "${regressions[@]}" >"$work/logs/$name-regressions.log" 2>&1; then
            echo "fuzz-$name: a kept crash input fails again (see $work/logs/$name-regressions.log)"
            return 1
        fi
    fi
    # Inputs up to 4 KiB (a receipt, a bill, a configuration file); the control stream's lines are
    # capped at 256 bytes by its target, so 1 KiB holds several of them and overlong ones.
    local max_len=4096
    [[ $name == control ]] && max_len=1024
    local status=0
    "$binary" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=2048 -max_len=$max_len \
        -artifact_prefix="$artifacts" "$corpus" "Fuzz/corpus/$name" >"$log" 2>&1 || status=$?
    local executions coverage features units
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    features=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    units=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    if [[ $status -ne 0 ]]; then
        echo "fuzz-$name: FAILED (exit $status) after ${executions:-?} executions; input in $artifacts, log $log"
        grep -m5 -E 'ERROR|SUMMARY|Fatal error|panic' "$log" || true
        return 1
    fi
    local rate
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    printf 'fuzz-%-16s %12s executions (%s/s), %5s edges, %6s features, %5s corpus inputs, 0 findings (%ss)\n' \
        "$name" "${executions:-0}" "${rate:-0}" "${coverage:-0}" "${features:-0}" "${units:-0}" "$seconds"
}

jobs=${FUZZ_JOBS:-1}
pids=()
for name in "$@"; do
    run_target "$name" &
    pids+=($!)
    if ((${#pids[@]} >= jobs)); then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit $failed
