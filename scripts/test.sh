#!/bin/bash
# scripts/test.sh - installs what the tests need, builds strata twice
# (plain, and with AddressSanitizer + UndefinedBehaviorSanitizer, warnings
# as errors both times) and runs every test in both builds, then
# `make distcheck`.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
./scripts/deps.sh --test
./autogen.sh >/dev/null 2>&1
jobs=$(nproc)
status=0

run_build() {  # name, configure flags...
	local name=$1
	shift
	echo "=== strata: $name build ==="
	rm -rf "_build/$name"
	mkdir -p "_build/$name"
	(cd "_build/$name" && "$top/configure" -q --enable-werror "$@" &&
		make -s -j"$jobs" && make -s -j"$jobs" check) || {
		status=1
		find "_build/$name" -name '*.log' -path '*tests*' -newer "$top/configure" \
			-exec sh -c 'echo "--- $1"; tail -n 60 "$1"' _ {} \; 2>/dev/null || true
	}
}

run_build plain
run_build sanitizers --enable-sanitizers
if [ $status -eq 0 ]; then
	echo "=== strata: distcheck ==="
	(cd _build/plain && make -s -j"$jobs" distcheck >/dev/null) || status=1
fi
[ $status -eq 0 ] && echo "=== strata: all tests passed ===" || echo "=== strata: FAILED ==="
exit $status
