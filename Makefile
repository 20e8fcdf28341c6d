# qfpos: `make demo` runs the daemon against the sandbox with simulated devices; `make test` runs every test.
SHELL := /bin/bash
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=
BUILD_FLAGS ?=
# Release builds put every function in its own section, so that the link can place the ones a
# running daemon executes together (layout/README.md): the daemon's resident code shrinks by half.
RELEASE_FLAGS ?= -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xcc -fdata-sections
# Debian packages the build, the tests and the demo need.
APT_PACKAGES := libudev-dev libssl-dev libqrencode-dev libsqlite3-dev libxkbcommon-dev xkb-data pkg-config \
	umockdev libumockdev-dev evemu-tools zbar-tools socat systemd python3 python3-venv gdb unifont \
	iproute2 zlib1g-dev unzip
SOURCES := Sources Tests Fuzz Package.swift

.PHONY: all deps build release release-flags static-libs test lint format bench layout demo install clean

all: build

# Installs those of the named Debian packages that are missing (sudo unless root).
apt_install = missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

deps:
	@$(call apt_install,$(APT_PACKAGES))

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps release-flags
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(BUILD_FLAGS)

# SwiftPM does not recompile the dependencies when -Xswiftc flags change: a release build made
# with other flags (a plain `swift build -c release`) is removed before one with RELEASE_FLAGS.
# The stamp names the static libraries too, so that a qfposd linked without them is relinked.
release-flags: static-libs
	@stamp=.build/release-flags; if [ "$$(cat $$stamp 2>/dev/null)" != "$(RELEASE_FLAGS) $(STATIC_LIBS)" ]; then \
		rm -rf .build/release "$$($(SWIFT) build -c release --show-bin-path)"; \
		mkdir -p .build && echo "$(RELEASE_FLAGS) $(STATIC_LIBS)" >$$stamp; fi

# The archives qfposd links statically (Package.swift, qfposd's linker settings): Debian's libcrypto
# (libssl-dev), SQLite (libsqlite3-dev) and GCC's libstdc++, found through this directory.
STATIC_LIBS := /usr/lib/$(shell gcc -print-multiarch)/libcrypto.a /usr/lib/$(shell gcc -print-multiarch)/libsqlite3.a \
	$(shell gcc -print-file-name=libstdc++.a)
static-libs: deps
	@mkdir -p .build/static-libs && for a in $(STATIC_LIBS); do \
		[ -f "$$a" ] || { echo "static-libs: $$a is missing" >&2; exit 1; }; ln -sfn "$$a" .build/static-libs/; done

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

bench: deps release-flags
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(BUILD_FLAGS)
	.build/release/qfpos-bench

# Regenerates layout/qfposd.order from a profile of qfposd at work (needs valgrind).
layout: deps release-flags
	@$(call apt_install,valgrind)
	RELEASE_FLAGS="$(RELEASE_FLAGS) $(BUILD_FLAGS)" bash scripts/layout-profile.sh

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
FUZZ_CI_SECONDS ?= 3
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
# (Tests/IntegrationTests/DaemonSoakTests.swift); `make test` runs it with 200 sales and 2 kills.
SOAK_SALES ?= 5000
SOAK_KILL_EVERY ?= 100

.PHONY: soak

soak: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	QFPOS_SOAK_SALES=$(SOAK_SALES) QFPOS_SOAK_KILL_EVERY=$(SOAK_KILL_EVERY) \
		$(SWIFT) test --skip-build --no-parallel --filter DaemonSoakTests
