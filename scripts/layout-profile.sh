#!/usr/bin/env bash
# Regenerates layout/qfposd.order: the functions a running qfposd executes, which the release link
# places together (see layout/README.md). Builds qfposd for release, runs
# scripts/layout-workload.py under callgrind (one output file per thread), and keeps the names of
# executed functions that qfposd defines. Run it after changes that move a lot of code
# (`make layout`), then `make bench` to see the daemon's resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "layout-profile: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }

SWIFT=${SWIFT:-swift}
read -r -a flags <<<"${RELEASE_FLAGS:-}"
"$SWIFT" build -c release "${flags[@]}" --product qfposd
"$SWIFT" build -c release "${flags[@]}" --product qfpay-sandbox
bin=$("$SWIFT" build -c release "${flags[@]}" --show-bin-path)

work=$(mktemp -d /tmp/qfpos-layout.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
# callgrind reads symbols only; the debug sections of a 130 MB binary would cost it minutes.
strip --strip-debug -o "$work/bin/qfposd" "$bin/qfposd"
ln -s "$bin/qfpay-sandbox" "$work/bin/qfpay-sandbox"
ROUNDS=${ROUNDS:-10} python3 scripts/layout-workload.py "$work/bin" "$work/run" \
    valgrind --tool=callgrind --separate-threads=yes --demangle=no \
    --callgrind-out-file="$work/callgrind.out" >"$work/workload.log" 2>&1 || {
    cat "$work/workload.log" >&2
    exit 1
}

# Function names from every thread's profile ("fn=(id) name" defines a name once per file),
# restricted to the symbols qfposd defines, in the order of first appearance.
nm --defined-only "$work/bin/qfposd" | awk '{print $3}' | sort -u >"$work/defined"
cat "$work"/callgrind.out-* | sed -n -E "s/^c?fn=\([0-9]+\) (.*)$/\1/p" | sed -E "s/'[0-9]+$//" \
    | awk '!seen[$0]++' >"$work/executed"
awk 'NR == FNR { defined[$0] = 1; next } defined[$0]' "$work/defined" "$work/executed" >layout/qfposd.order
echo "layout/qfposd.order: $(wc -l <layout/qfposd.order) functions"
