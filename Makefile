# tlsscope: `make` builds build/tlsscope, `make test` builds and runs every
# test (plain and ASan+UBSan builds), `make demo` records a real handshake and
# shows it. Each installs the Debian packages it needs first.
# `make install` puts the command, its man pages and shell completions, and
# libtlsscope (the shared library, its header, libtlsscope.pc) under PREFIX (default /usr/local; DESTDIR for staging, GNU style); `make
# uninstall` with the same PREFIX and DESTDIR removes exactly that.

BUILD ?= build
SAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

PREFIX ?= /usr/local
DESTDIR ?=
# CMake install components (cli, library, development; empty: all of them),
# and the CMake targets they install, built first (not the tests: a no-op
# build of everything costs seconds)
COMPONENTS ?=
INSTALL_TARGETS ?= tlsscope tlsscope_shared

.PHONY: all deps test test-plain test-asan demo clean check-banned check-layers fuzz install uninstall

all: deps $(BUILD)/tlsscope

deps:
	@sh scripts/deps.sh

$(BUILD)/Makefile: CMakeLists.txt tests/tests.cmake
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

$(BUILD)/tlsscope: $(BUILD)/Makefile FORCE
	cmake --build $(BUILD) -j $(JOBS)

$(SAN_BUILD)/Makefile: CMakeLists.txt tests/tests.cmake
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTSC_SANITIZE=ON >/dev/null

test: deps check-banned check-layers test-plain test-asan
	@echo "make test: all test suites passed"

test-plain: $(BUILD)/tlsscope
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: $(SAN_BUILD)/Makefile
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

# Builds what it installs first, as GNU's install depends on all; a build
# directory that is already configured keeps its own configuration (the
# tests install the ASan build too), a missing one is configured as `make`
# does.
install: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target $(INSTALL_TARGETS)
	@DESTDIR="$(DESTDIR)" sh scripts/install.sh install "$(BUILD)" "$(PREFIX)" $(COMPONENTS)

uninstall:
	@DESTDIR="$(DESTDIR)" sh scripts/install.sh uninstall "$(BUILD)" "$(PREFIX)"

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

check-banned:
	@sh scripts/check_banned.sh

check-layers:
	@python3 scripts/check_layers.py

demo: all
	@bash scripts/demo.sh

# libFuzzer with ASan+UBSan: every target for FUZZ_SECONDS each; new inputs
# go to build-fuzz/corpus-TARGET, crashes to build-fuzz/crashes (copy a
# crash into tests/fuzz/corpus/TARGET/ to keep it as a regression test).
fuzz: deps
	sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD) .tshark-cache

FORCE:
