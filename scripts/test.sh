#!/bin/bash
# scripts/test.sh - the full test run (the README's test command; .ci/run
# calls it):
#   1. installs what the build and the tests need (scripts/deps.sh --test),
#      PostgreSQL and MariaDB included;
#   2. starts throwaway PostgreSQL and MariaDB servers on 127.0.0.1
#      (scripts/servers.sh start --no-fsync) and exports
#      STRATA_TEST_POSTGRES_URL and STRATA_TEST_MYSQL_URL, which every
#      `make check` below inherits;
#   3. builds strata twice with every driver (--with-postgres --with-mysql,
#      so a missing library fails configure) and warnings as errors: plain,
#      and with AddressSanitizer + UndefinedBehaviorSanitizer; runs
#      `make check` in both (the crash and concurrency tests at full size
#      in the plain build, shorter under the sanitizers);
#   4. runs every fuzz target for 30 s (scripts/fuzz.sh 30; clang);
#   5. runs `make distcheck` (its `make check` uses the same servers, with
#      the hardening tests short);
#   6. stops the servers and removes their directory, on every exit path
#      (success, failure, error, ^C, TERM), and prints a summary.
# Builds go to _build/plain and _build/sanitizers. Exits 0 only when every
# step passed.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc)
status=0
summary=()
servers_dir=

# step_done NAME START-SECONDS RESULT: adds a line to the summary.
step_done() {
	summary+=("$(printf '  %-28s %-8s %4ds' "$1" "$3" $((SECONDS - $2)))")
	[ "$3" = ok ] || status=1
}

print_summary() {
	echo "=== strata: summary ==="
	local line
	for line in "${summary[@]}"; do
		echo "$line"
	done
	printf '  %-28s %-8s %4ds\n' total "" "$SECONDS"
	if [ $status -eq 0 ]; then
		echo "=== strata: all tests passed ==="
	else
		echo "=== strata: FAILED ==="
	fi
}

# On every exit: stop the servers, then print the summary.
on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$servers_dir" ]; then
		"$top/scripts/servers.sh" stop "$servers_dir" || echo "strata: could not stop the servers in $servers_dir" >&2
	fi
	[ $rc -ne 0 ] && status=1
	print_summary
	[ $rc -ne 0 ] && exit $rc
	exit $status
}
trap on_exit EXIT
trap 'echo "strata: interrupted" >&2; exit 130' INT
trap 'echo "strata: terminated" >&2; exit 143' TERM

# mask: copies stdin to stdout with the password of any URL masked.
mask() {
	sed -E 's#(://[^:/@[:space:]]*):[^@/[:space:]]*@#\1:***@#g'
}

# show_failures DIR: prints the log of every test under DIR that did not
# pass (passwords masked).
show_failures() {
	local trs log
	while IFS= read -r trs; do
		grep -Eq '^:test-result: (FAIL|ERROR|XPASS)' "$trs" || continue
		log=${trs%.trs}.log
		echo "--- $log (last 80 lines)"
		tail -n 80 "$log" 2>/dev/null | mask || true
	done < <(find "$1" -name '*.trs' 2>/dev/null | sort)
}

# run_build NAME CONFIGURE-FLAGS...: configure + make + make check in
# _build/NAME, one summary line for the build and one for the tests.
run_build() {
	local name=$1 t
	shift
	echo "=== strata: $name build ==="
	rm -rf "_build/$name"
	mkdir -p "_build/$name"
	t=$SECONDS
	if ! (cd "_build/$name" && "$top/configure" -q --enable-werror \
		--with-postgres --with-mysql "$@" && make -s -j"$jobs"); then
		step_done "$name: build" "$t" FAILED
		step_done "$name: make check" "$SECONDS" "not run"
		return
	fi
	step_done "$name: build" "$t" ok
	echo "=== strata: $name make check ==="
	t=$SECONDS
	if (cd "_build/$name" && env "${check_env[@]}" make -s -j"$jobs" check); then
		step_done "$name: make check" "$t" ok
	else
		step_done "$name: make check" "$t" FAILED
		show_failures "_build/$name"
	fi
}

t=$SECONDS
if ! ./scripts/deps.sh --test; then
	step_done "install dependencies" "$t" FAILED
	exit 1
fi
step_done "install dependencies" "$t" ok
t=$SECONDS
if ! autogen_out=$(./autogen.sh 2>&1); then
	step_done "autogen" "$t" FAILED
	tail -n 40 <<<"$autogen_out"
	exit 1
fi
step_done "autogen" "$t" ok

echo "=== strata: starting PostgreSQL and MariaDB ==="
t=$SECONDS
if ! env_lines=$(./scripts/servers.sh start --no-fsync); then
	step_done "start servers" "$t" FAILED
	exit 1
fi
eval "$env_lines"
servers_dir=$STRATA_SERVERS_DIR
export STRATA_TEST_POSTGRES_URL STRATA_TEST_MYSQL_URL
step_done "start servers" "$t" ok
# The URLs hold passwords: show them with the password masked.
echo "  STRATA_TEST_POSTGRES_URL=$(mask <<<"$STRATA_TEST_POSTGRES_URL")"
echo "  STRATA_TEST_MYSQL_URL=$(mask <<<"$STRATA_TEST_MYSQL_URL")"

# The plain build runs the hardening tests at full size (30 SIGKILL trials
# per backend, 16 runners x 10 rounds, every allocation failed in turn).
# The sanitizer build runs every test too, the hardening ones shorter
# (every third allocation failed), and distcheck runs each once, small,
# to keep the whole run well under 20 minutes: what they add is the
# sanitizers' eye and the tarball's completeness, not more trials.
check_env=()
run_build plain
check_env=(CRASH_TRIALS=10 STRATA_CONCURRENCY_ROUNDS=4 STRATA_OOM_STRIDE=3)
run_build sanitizers --enable-sanitizers
# distcheck proves the tarball complete: every test runs from it, at the
# smallest size that still runs each of its paths, and the CLI suites on
# a sample of their cases (the plain and sanitizer builds ran them all)
short_env=(CRASH_TRIALS=2 STRATA_CONCURRENCY_ROUNDS=1 STRATA_OOM_STRIDE=25
	"STRATA_CLI_ONLY=^(up applies|down, down N|status table|a failing transactional|baseline --from dbmate|MikroORM|pop:|diesel|bad input: SQL syntax)")

# fuzz: every libFuzzer target 30 s on its seed corpus (fuzz/README.md),
# built with clang in the plain build; a crash or a broken invariant
# fails the run, and the output names the input.
echo "=== strata: fuzz (30 s each) ==="
t=$SECONDS
if [ -f _build/plain/Makefile ] && ./scripts/fuzz.sh -b _build/plain 30; then
	step_done "fuzz (30 s each)" "$t" ok
else
	step_done "fuzz (30 s each)" "$t" FAILED
fi

if [ $status -eq 0 ]; then
	echo "=== strata: distcheck ==="
	t=$SECONDS
	if (cd _build/plain && env "${short_env[@]}" make -s -j"$jobs" distcheck \
		DISTCHECK_CONFIGURE_FLAGS="--with-postgres --with-mysql" >distcheck.log 2>&1); then
		step_done "distcheck" "$t" ok
	else
		step_done "distcheck" "$t" FAILED
		echo "--- _build/plain/distcheck.log (last 80 lines)"
		tail -n 80 _build/plain/distcheck.log | mask
		show_failures _build/plain
	fi
else
	step_done "distcheck" "$SECONDS" "not run"
fi
# on_exit stops the servers, prints the summary and sets the exit status.
