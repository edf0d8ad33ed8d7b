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
PKGS := cmake make gcc pkg-config libssh-dev libuv1-dev libjansson-dev libcmocka-dev \
        openssh-server openssh-client dropbear-bin busybox-static clang-format iproute2

SOURCES := $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: all deps build release test demo bench format format-check install clean

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

install: release
	install -D -m 0755 build-release/scanner/fleetscan $(DESTDIR)$(PREFIX)/bin/fleetscan

clean:
	rm -rf $(BUILD) build-release
