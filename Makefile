# Each target installs what it needs when it is missing: Debian packages by
# name with apt-get, Go modules with the go command.
GO      ?= go
SENTRY  := bin/sentry
APT_PKGS := gcc busybox strace python3 redis-server redis-tools gcc-riscv64-linux-gnu qemu-user chromium libpython3.11-testsuite podman runc containerd docker.io iproute2 util-linux

.PHONY: all build deps test test-race demo bench readme refs clean rootfs-riscv64 fuzz

all: build

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi
	@$(GO) mod download

build:
	$(GO) build -o $(SENTRY) ./cmd/sentry

test: deps build rootfs-riscv64
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 45m ./...
	$(GO) test -count=1 -race -timeout 30m ./pkg/...
	if [ -x ../shared/acceptance/invariant.sh ]; then ../shared/acceptance/invariant.sh $(SENTRY); fi

# The end-to-end tests again, against a race-built sentry: every real
# program's syscalls through the kernel's locks under the race detector.
# It takes longer than `make test` itself (half an hour beside a busy
# CPU), so CI runs it after `make test` rather than inside it.
test-race: deps build rootfs-riscv64
	SENTRY_E2E_RACE=1 $(GO) test -count=1 -timeout 45m ./e2e

# The syscall fuzzer and the ELF mutator, FUZZ_TIME each per arch (amd64,
# riscv64), from seed FUZZ_SEED on; a failure names the seed that
# reproduces it. `make test` runs a short slice of both (seed 1).
FUZZ_TIME ?= 1m
FUZZ_SEED ?= 1
fuzz: deps
	SENTRY_FUZZ_TIME=$(FUZZ_TIME) SENTRY_FUZZ_SEED=$(FUZZ_SEED) $(GO) test -count=1 -v -timeout 0 \
		-run '^(TestFuzzedSyscallsNeverCrashTheSentryNorTouchTheHost|TestMutatedELFsNeverCrashTheSentryNorTouchTheHost)$$' ./e2e

demo: deps build
	./scripts/demo.sh $(SENTRY)

bench: deps build
	./scripts/bench.sh $(SENTRY)

readme: build
	./scripts/readme-syscalls.sh $(SENTRY)

# Reference logs for trace-diff (testdata/ref/README.md); the riscv64 one
# runs the server of the root rootfs-riscv64 builds (or RISCV64_ROOT=DIR).
refs: deps build rootfs-riscv64
	@dpkg -s qemu-user >/dev/null 2>&1 || { echo "installing: qemu-user"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q qemu-user; }
	SENTRY=$(SENTRY) ./scripts/make-refs.sh

# A riscv64 root (redis, busybox) from Debian's riscv64 packages; git-ignored.
rootfs-riscv64:
	./scripts/rootfs-riscv64.sh testdata/rootfs/riscv64

clean:
	rm -rf bin
