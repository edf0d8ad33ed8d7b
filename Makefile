# fleetscan: the two commands of the quick start, and the ones around them.
#   make demo   install what is missing, build, scan the bundled fleet
#   make test   install what is missing, build with sanitizers, run every test
#   make bench  optimised build, scan simulated fleets, compare with OpenSSH fan-out
# Build directory: build/ (CMake). Installing packages needs root (apt-get).

BUILD    ?= build
JOBS     ?= 2
PREFIX   ?= /usr/local
DEMO_DIR ?= demo-report

# Debian 12 packages the build, the tests and the demo need.
PKGS := cmake make gcc pkg-config libssh-dev libssl-dev libuv1-dev libjansson-dev libcmocka-dev libyaml-dev \
        openssh-server openssh-client dropbear-bin busybox-static clang-format iproute2 openssl \
        chromium groff-base man-db clang valgrind

SOURCES := $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: all deps build release test demo bench format format-check install install-docs clean \
        fuzz fuzz-check build-fuzz valgrind

all: build

deps:
	@missing=""; \
	for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "fleetscan: missing Debian packages:$$missing"; \
	    echo "fleetscan: run 'make deps' as root, or: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	  echo "fleetscan: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DFS_SANITIZE=ON >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# The optimised build (what `make install` ships) warns differently from the test build, so
# the test run builds it too.
release: deps
	cmake -S . -B build-release -DFS_SANITIZE=OFF -DFS_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build-release -j$(JOBS)

test: build release format-check
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) fuzz-check valgrind

# libFuzzer targets of every parser (clang, ASan, UBSan); tests/fuzz/README.md.
# `make fuzz` searches FUZZ_SECONDS per target; `make fuzz-check` (part of `make test`) runs a
# fixed search, FUZZ_RUNS inputs per target from one seed, the same on every machine.
FUZZ_SECONDS ?= 15
FUZZ_RUNS    ?= 100000
build-fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DFS_FUZZ=ON -DFS_TESTS=OFF -DFS_SANITIZE=ON >/dev/null
	cmake --build build-fuzz -j$(JOBS)

fuzz: build-fuzz
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

fuzz-check: build-fuzz
	FUZZ_RUNS=$(FUZZ_RUNS) sh tests/fuzz/run.sh build-fuzz

# valgrind memcheck of a real scan of the test fleet, on a build without sanitizers.
valgrind: deps
	cmake -S . -B build-valgrind -DFS_SANITIZE=OFF -DFS_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-valgrind -j$(JOBS)
	sh tests/valgrind/scan.sh build-valgrind/scanner/fleetscan build-valgrind/valgrind

demo: build
	@sh samples/demo.sh $(BUILD)/scanner/fleetscan $(DEMO_DIR) $(BUILD)/tests/fleetsim/fleetsim

# Scale and speed against fleetsim, compared with OpenSSH-client fan-out (docs/benchmarks.md).
# BENCH_ARGS, e.g. make bench BENCH_ARGS='--hosts 10000 --rtt-ms 100'.
bench: release
	@bash tests/bench/bench.sh $(BENCH_ARGS)

format:
	clang-format -i $(SOURCES)

format-check:
	@bad=$$(for f in $(SOURCES); do clang-format --dry-run -Werror $$f >/dev/null 2>&1 || echo $$f; done); \
	if [ -n "$$bad" ]; then echo "fleetscan: not formatted (run 'make format'):"; echo "$$bad"; exit 1; fi

install: release install-docs
	install -D -m 0755 build-release/scanner/fleetscan $(DESTDIR)$(PREFIX)/bin/fleetscan

# The manual page and the bash completion (tests/docs/check_docs.sh runs this into a scratch
# DESTDIR).
install-docs:
	install -D -m 0644 docs/fleetscan.1 $(DESTDIR)$(PREFIX)/share/man/man1/fleetscan.1
	install -D -m 0644 docs/completion/fleetscan.bash \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/fleetscan

clean:
	rm -rf $(BUILD) build-release build-fuzz build-valgrind
