#!/bin/bash
# tests/soak/crash.sh - the crash-safety soak: tests/crash/test_crash.sh
# with 300 trials (SIGKILLs of `strata up`, then of `strata down --all`
# and now and then of `strata repair --resume`) per backend.
#
# Usage: tests/soak/crash.sh [BACKEND...]     (from a built tree)
#   BACKEND: sqlite, postgres, mysql; default: every driver `strata
#   version` lists as built in.
# Environment:
#   STRATA          the binary (default: ./strata of the top build directory)
#   CRASH_TRIALS    trials per backend (default 300)
#   CRASH_FIRST     first trial number = seed (default 1; trials are
#                   numbered on, so CRASH_FIRST=301 runs 300 new ones)
#   CRASH_DOWN=0    kill `up` only
#   STRATA_TEST_POSTGRES_URL, STRATA_TEST_MYSQL_URL
#                   servers to use; when a needed one is not set, throwaway
#                   servers are started with scripts/servers.sh (--no-fsync:
#                   only the client is killed, never the server) and
#                   stopped on exit.
# Writes each backend's TAP output to crash-soak-BACKEND.log in the current
# directory, prints every failing trial and the summary lines (one for the
# kills of up, one for those of down), and exits non-zero when any trial
# failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
STRATA=${STRATA:-$top_builddir/strata}
export top_srcdir top_builddir STRATA
export CRASH_TRIALS=${CRASH_TRIALS:-300}

[ -x "$STRATA" ] || { echo "crash.sh: no strata binary at $STRATA (build first, or set STRATA)" >&2; exit 2; }
if [ $# -gt 0 ]; then
	backends=("$@")
else
	mapfile -t backends < <("$STRATA" version | awk '$2 == "built" { print $1 }')
fi

servers_dir=
cleanup() {
	[ -n "$servers_dir" ] && bash "$top_srcdir/scripts/servers.sh" stop "$servers_dir" >&2
}
trap cleanup EXIT
need_servers=0
for b in "${backends[@]}"; do
	case $b in
	postgres) [ -n "${STRATA_TEST_POSTGRES_URL:-}" ] || need_servers=1 ;;
	mysql) [ -n "${STRATA_TEST_MYSQL_URL:-}" ] || need_servers=1 ;;
	sqlite) ;;
	*) echo "crash.sh: unknown backend $b (sqlite, postgres, mysql)" >&2; exit 2 ;;
	esac
done
if [ "$need_servers" = 1 ]; then
	env_text=$(bash "$top_srcdir/scripts/servers.sh" start --no-fsync) || exit 1
	eval "$env_text"
	servers_dir=$STRATA_SERVERS_DIR
fi

status=0
for b in "${backends[@]}"; do
	log=crash-soak-$b.log
	echo "crash.sh: $b, $CRASH_TRIALS trials (log: $log)" >&2
	start=$SECONDS
	bash "$top_srcdir/tests/crash/test_crash.sh" "$b" >"$log" 2>&1
	rc=$?
	# the failing trials with their diagnostics, and the summary
	awk '/^not ok/ { show = 1; print; next } /^ok/ { show = 0 }
	     /^# [a-z]+: ([0-9]+ trials|down --all killed)/ { print; next } show' "$log"
	echo "crash.sh: $b: exit $rc after $((SECONDS - start)) s" >&2
	[ "$rc" = 0 ] || status=1
done
exit "$status"
