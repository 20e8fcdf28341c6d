#!/usr/bin/env bash
# Runs the test suite one test target at a time, one test at a time (see the Makefile). The device
# tests run under umockdev-wrapper, and so do the daemon's installed-devices tests
# (IntegrationTests.InstalledDevicesTests: "InstalledDevicesTests" below), apart from the other
# integration tests. A target still running after 4 minutes is hung: every thread's
# stack is written to the log (gdb; the toolchain's lldb wants a libpython Debian 12 lacks) before the process is killed, so a
# hang in CI can be diagnosed, and the run fails.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build
: >.build/test.log
limit=${QFPOS_TEST_TARGET_LIMIT:-240}
targets=${QFPOS_TEST_TARGETS:-WallClockTests QFPayTests QFPaySandboxTests ESCPOSTests ControlProtocolTests PaymentsTests StatusPageTests DaemonMetricsTests IntegrationTests DaemonSoakTests DevicesTests InstalledDevicesTests}
status=0
# This checkout's test binary only: another checkout's tests on the same machine are left alone.
bundle="$(pwd)/.build/.*qfposPackageTests.xctest"

dump_stacks() {
    local pid
    for pid in $(pgrep -f "$bundle"); do
        echo "== stacks of hung test process $pid" | tee -a .build/test.log
        timeout 90 gdb -p "$pid" -batch -ex 'thread apply all bt' >>.build/test.log 2>&1
    done
}

# run_target NAME "SWIFT TEST SELECTION" [WRAPPER...]
run_target() {
    local target=$1 selection=$2
    shift 2
    # shellcheck disable=SC2086 # the selection is several words on purpose
    "$@" swift test --skip-build --no-parallel $selection > >(tee -a .build/test.log) 2>&1 &
    local pid=$! waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$limit" ]; do
        sleep 1
        waited=$((waited + 1))
    done
    local rc=0
    if kill -0 "$pid" 2>/dev/null; then
        echo "== $target hung (still running after ${limit} s)" | tee -a .build/test.log
        dump_stacks
        pkill -9 -f "$bundle" 2>/dev/null
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=124
    else
        wait "$pid"
        rc=$?
    fi
    pkill -9 -f "$bundle" 2>/dev/null
    if [ "$rc" -ne 0 ]; then echo "== $target failed (exit $rc)" | tee -a .build/test.log; fi
    return "$rc"
}

# The device tests run under umockdev-wrapper. umockdev's uevent sender aborts the whole test
# process when a udev monitor's socket holds 10 unread messages (net.unix.max_dgram_qlen's
# default), which a burst of emulated hot-plug events can reach (seen in 2 of 6 full runs). Where
# a network namespace can be made (root), they run in one of their own, loopback up and that
# per-namespace limit raised; the machine's own setting is untouched.
device_tests() {
    if unshare --net true 2>/dev/null; then
        unshare --net sh -c 'ip link set lo up && echo 1024 >/proc/sys/net/unix/max_dgram_qlen && exec "$@"' \
            sh umockdev-wrapper "$@"
    else
        umockdev-wrapper "$@"
    fi
}

for target in $targets; do
    case $target in
        DevicesTests) run_target "$target" "--filter DevicesTests" device_tests || status=1 ;;
        InstalledDevicesTests)
            run_target "$target" "--filter IntegrationTests.InstalledDevicesTests" device_tests || status=1 ;;
        IntegrationTests)
            run_target "$target" "--filter IntegrationTests --skip InstalledDevicesTests --skip DaemonSoakTests" ||
                status=1 ;;
        # The fault soak (200 sales, 2 kills; `make soak` runs 5,000) has a time limit of its own.
        DaemonSoakTests) run_target "$target" "--filter IntegrationTests.DaemonSoakTests" || status=1 ;;
        *) run_target "$target" "--filter $target" || status=1 ;;
    esac
done
exit "$status"
