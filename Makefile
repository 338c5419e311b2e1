# SPDX-License-Identifier: Apache-2.0
# eseal — the front door. `make run` and `make test` are all a fresh Debian 12 machine needs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX     ?= /usr/local
DEMO_HOME  ?= var/demo

.PHONY: all build deps run test test-fast test-clone bench install clean distclean

all: build

deps:
	@./scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# The demo of what exists so far, on a fresh instance (see scripts/demo.sh).
run: build
	@./scripts/demo.sh $(BUILD)/eseal $(DEMO_HOME)

# The whole suite: the normal build, then the unit tests again under ASan+UBSan.
test: build
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DESEAL_SANITIZE=ON -DESEAL_BUILD_BENCH=OFF >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	@./scripts/run-tests.sh $(BUILD) $(ASAN_BUILD)

test-fast: build
	@./scripts/run-tests.sh $(BUILD)

# The suite on a clone of the committed HEAD alone (no ../shared): the tests labelled `vectors`
# skip, nothing fails, every vector-reading test is labelled (scripts/clone-test.sh; run by CI).
test-clone: deps
	@./scripts/clone-test.sh

# bench/pdf.sh is a report of its own (no CMake, no ctest: `bench/pdf.sh ESEAL [N]` on any binary);
# BENCH_N=N sets its repetitions (default 5, a few minutes).
bench: build
	./bench/pdf.sh $(BUILD)/eseal $(BENCH_N)
	./bench/server.sh $(BUILD)/eseal 10 3
	./bench/scale.sh $(BUILD)/eseal 10 3
	ESEAL_MODULE_DIR=$(abspath $(BUILD)) $(BUILD)/bench/bench_crypto
	ESEAL_MODULE_DIR=$(abspath $(BUILD)) $(BUILD)/bench/bench_tsa
	ESEAL_MODULE_DIR=$(abspath $(BUILD)) $(BUILD)/bench/bench_tlog
	ESEAL_MODULE_DIR=$(abspath $(BUILD)) $(BUILD)/bench/bench_tlog_core
	ESEAL_MODULE_DIR=$(abspath $(BUILD)) $(BUILD)/bench/bench_keys

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

distclean: clean
	rm -rf var
