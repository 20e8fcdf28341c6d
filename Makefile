# qfpos: `make demo` runs the daemon against the sandbox with simulated devices; `make test` runs every test.
SHELL := /bin/bash
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=
BUILD_FLAGS ?=
# The production build (`make release`, `make deb`): the shipped products only, the Swift runtime
# and Foundation linked in (Debian has no Swift runtime to depend on), Debian's C libraries shared.
RELEASE_FLAGS ?= --static-swift-stdlib
RELEASE_PRODUCTS := qfposd qfposctl
# `make release-small`: every function in its own section, placed by layout/qfposd.order
# (layout/README.md); Package.swift adds the order file and linker script under QFPOS_RELEASE_SMALL.
SMALL_FLAGS := -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xcc -fdata-sections
# Debian packages that building the shipped products needs (dpkg-dev: dpkg-shlibdeps for `make deb`).
BUILD_PACKAGES := libudev-dev libssl-dev libqrencode-dev libsqlite3-dev libxkbcommon-dev xkb-data pkg-config \
	zlib1g-dev dpkg-dev
# ...and what the tests, the benchmarks and the demo need on top (umockdev, simulated devices,
# gdb for hung tests, unifont for receipt previews, lintian and systemd-analyze for the package).
TEST_PACKAGES := umockdev libumockdev-dev evemu-tools zbar-tools socat systemd python3 python3-venv gdb unifont \
	iproute2 unzip lintian chromium chromium-driver prometheus
SOURCES := Sources Tests Fuzz Package.swift Plugins

.PHONY: all deps build-deps test-deps build release release-small release-flags test lint format bench layout \
	demo install deb deb-test clean

all: build

# Installs those of the named Debian packages that are missing (sudo unless root).
apt_install = missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build-deps:
	@$(call apt_install,$(BUILD_PACKAGES))

test-deps: build-deps
	@$(call apt_install,$(TEST_PACKAGES))

deps: test-deps

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: build-deps release-flags
	for product in $(RELEASE_PRODUCTS); do $(SWIFT) build -c release $(RELEASE_FLAGS) $(BUILD_FLAGS) --product $$product || exit; done

release-small:
	QFPOS_RELEASE_SMALL=1 $(MAKE) --no-print-directory release RELEASE_FLAGS="$(RELEASE_FLAGS) $(SMALL_FLAGS)"

# SwiftPM does not recompile the dependencies when -Xswiftc flags change: a release build made
# with other flags (a plain `swift build -c release`, or release-small) is removed first.
release-flags:
	@stamp=.build/release-flags; if [ "$$(cat $$stamp 2>/dev/null)" != "$(RELEASE_FLAGS)" ]; then \
		rm -rf .build/release "$$($(SWIFT) build -c release --show-bin-path)"; \
		mkdir -p .build && echo "$(RELEASE_FLAGS)" >$$stamp; fi

# qfpos_<version>_<arch>.deb in .build/deb (scripts/build-deb.sh), from the release build, offline.
deb: release
	QFPOS_BIN="$$($(SWIFT) build -c release $(RELEASE_FLAGS) --show-bin-path)" bash scripts/build-deb.sh

# Installs the package on this machine (root), checks it, and purges it (scripts/deb-test.sh).
deb-test: deb test-deps
	bash scripts/deb-test.sh .build/deb/qfpos_*.deb

# Every test, then the format lint. Tests run one at a time: on a 2-core machine Swift's
# cooperative pool has two threads, and the suite's real servers, ptys and subprocesses are steadier
# without contention. scripts/run-tests.sh runs one target at a time; the device tests run under
# umockdev-wrapper (udev and evdev testbeds), the rest without its preload library, which tracks a
# bounded number of descriptors per process.
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	bash scripts/run-tests.sh
	$(MAKE) --no-print-directory lint

lint:
	$(SWIFT) format lint --strict --recursive --parallel $(SOURCES)

format:
	$(SWIFT) format --in-place --recursive --parallel $(SOURCES)

# The benchmark is not shipped: it is built here on its own, with the test tooling it needs.
bench: deps release
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(BUILD_FLAGS) --product qfpos-bench
	.build/release/qfpos-bench

# Regenerates layout/qfposd.order from a profile of qfposd at work (needs valgrind).
layout: deps
	@$(call apt_install,valgrind)
	$(MAKE) --no-print-directory release-flags RELEASE_FLAGS="$(RELEASE_FLAGS) $(SMALL_FLAGS)"
	QFPOS_RELEASE_SMALL=1 RELEASE_FLAGS="$(RELEASE_FLAGS) $(SMALL_FLAGS) $(BUILD_FLAGS)" bash scripts/layout-profile.sh

demo: deps build
	bash scripts/demo.sh

install: release
	bash scripts/install.sh "$(DESTDIR)" "$(PREFIX)"

clean:
	rm -rf .build

# ---- Evidence under abuse (docs/reliability.md): fuzzing and the fault soak ----
# `make fuzz` builds one libFuzzer target per parser of outside input (Fuzz/, QFPOS_FUZZ=1 in
# Package.swift: coverage and AddressSanitizer on qfpos's modules) in its own build directory and
# runs each for FUZZ_SECONDS. `make fuzz-ci` runs each for a few seconds in the normal build
# directory, whose dependencies `make test` built already (only qfpos's modules are compiled again).
FUZZ_BUILD_PATH ?= .build-fuzz
# Release (-O) for the long runs: AddressSanitizer and coverage at -Onone run 10 times slower.
FUZZ_CONFIGURATION ?= release
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 2
FUZZ_TARGETS := control serial-frame keyboard-wedge hid-pos printer-status qfpay-response notification \
	yaml-config trade-bill escpos-preview

.PHONY: fuzz fuzz-build fuzz-ci

fuzz-build: deps
	QFPOS_FUZZ=1 $(SWIFT) build -c $(FUZZ_CONFIGURATION) --build-path $(FUZZ_BUILD_PATH) $(BUILD_FLAGS)

fuzz: fuzz-build
	bash scripts/fuzz.sh $(FUZZ_BUILD_PATH)/$(FUZZ_CONFIGURATION) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Debug, as `make test` built the dependencies.
fuzz-ci:
	$(MAKE) --no-print-directory fuzz FUZZ_BUILD_PATH=.build FUZZ_CONFIGURATION=debug FUZZ_SECONDS=$(FUZZ_CI_SECONDS)

# `make soak`: SOAK_SALES sales through the built qfposd, killed with SIGKILL every SOAK_KILL_EVERY
# (Tests/IntegrationTests/DaemonSoakTests.swift); `make test` runs it with 120 sales and 2 kills.
SOAK_SALES ?= 5000
SOAK_KILL_EVERY ?= 100

.PHONY: soak

soak: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	QFPOS_SOAK_SALES=$(SOAK_SALES) QFPOS_SOAK_KILL_EVERY=$(SOAK_KILL_EVERY) \
		$(SWIFT) test --skip-build --no-parallel --filter DaemonSoakTests
