#!/bin/bash
# scripts/fuzz.sh - builds the libFuzzer targets and runs each for a while.
#
#   scripts/fuzz.sh [-b BUILDDIR] SECONDS [TARGET...]
#
# TARGETs: sql_postgres sql_mysql sql_sqlite format url (default: all).
# Builds with `make fuzz` in BUILDDIR (default: $STRATA_FUZZ_BUILDDIR, else
# _build/fuzz of the source tree, configured there when it has no Makefile
# yet); needs clang and libclang-rt-14-dev (scripts/deps.sh --test).
# Each target runs SECONDS seconds (nice -n 19, FUZZ_JOBS at a time,
# default 2) on a scratch copy of fuzz/corpus/TARGET with its dictionary:
# the committed corpus never grows by itself (see fuzz/README.md to add
# inputs). Prints per target the executions, exec/s, coverage (cov, ft)
# and the result. Exits 1 when any target crashed, timed out, ran out of
# memory or broke an invariant; its scratch directory is then kept and
# the output names the input that did it (also shown in base64).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${STRATA_FUZZ_BUILDDIR:-$top/_build/fuzz}
if [ "${1:-}" = -b ]; then
	builddir=${2:?-b needs a directory}
	shift 2
fi
secs=${1:-}
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
	echo "usage: scripts/fuzz.sh [-b BUILDDIR] SECONDS [TARGET...]" >&2
	exit 2
fi
shift
all=(sql_postgres sql_mysql sql_sqlite format url)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
	case " ${all[*]} " in
	*" $t "*) ;;
	*) echo "fuzz: unknown target $t (known: ${all[*]})" >&2; exit 2 ;;
	esac
done
jobs=${FUZZ_JOBS:-2}

mkdir -p "$builddir" || exit 1
builddir=$(cd "$builddir" && pwd)
if [ ! -f "$builddir/Makefile" ]; then
	[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null) || exit 1
	(cd "$builddir" && "$top/configure" -q) || { echo "fuzz: configure failed" >&2; exit 1; }
fi
if ! make -s -C "$builddir" fuzz; then
	echo "fuzz: make fuzz failed (clang and libclang-rt-14-dev installed?)" >&2
	exit 1
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/strata-fuzz.XXXXXX") || exit 1
keep=0
cleanup() {
	[ $keep -eq 0 ] && rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

max_len() {
	case $1 in
	url) echo 512 ;;
	*) echo 4096 ;;
	esac
}

dict_of() {
	case $1 in
	sql_*) echo "$top/fuzz/sql.dict" ;;
	*) echo "$top/fuzz/$1.dict" ;;
	esac
}

# run_one TARGET: runs it in $scratch/TARGET; the exit status is libFuzzer's.
run_one() {
	local t=$1 d=$scratch/$1
	mkdir -p "$d/corpus" "$d/tmp"
	cp "$top/fuzz/corpus/$t/"* "$d/corpus/"
	local n0
	n0=$(ls "$d/corpus" | wc -l)
	echo "$n0" >"$d/corpus.before"
	TMPDIR=$d/tmp nice -n 19 "$builddir/fuzz/fuzz_$t" \
		-max_total_time="$secs" -max_len="$(max_len "$t")" \
		-dict="$(dict_of "$t")" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$d/" \
		"$d/corpus" >"$d/log" 2>&1
}

report() {
	local t=$1 rc=$2 d=$scratch/$1
	local execs rate cov ft n0 n1 result artifacts a
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$d/log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$d/log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$d/log" | tail -n 1 | cut -d' ' -f2)
	n0=$(cat "$d/corpus.before")
	n1=$(ls "$d/corpus" | wc -l)
	artifacts=$(find "$d" -maxdepth 1 -type f \( -name 'crash-*' -o \
		-name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)
	if [ "$rc" -eq 0 ] && [ -z "$artifacts" ]; then
		result=ok
	else
		result=FAILED
	fi
	printf 'fuzz: %-13s %-7s %10s execs %7s exec/s  cov %5s  ft %6s  corpus %s -> %s\n' \
		"$t" "$result" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$n0" "$n1"
	[ "$result" = ok ] && return 0
	keep=1
	echo "fuzz: $t: exit status $rc; log $d/log"
	grep -E 'invariant failed|ERROR: |SUMMARY: |^password|runtime error' "$d/log" | head -n 8 | sed 's/^/  | /'
	for a in $artifacts; do
		echo "fuzz: $t: crash input $a"
		if [ "$(stat -c %s "$a")" -le 4096 ]; then
			echo "fuzz: $t: base64 $(base64 -w0 "$a")"
		fi
	done
	return 1
}

echo "fuzz: ${#targets[@]} target(s), ${secs}s each, $jobs at a time, scratch $scratch"
declare -A pid_of=()
status=0
running=0
finish_one() {
	# waits for any target, then reports the ones that ended
	wait -n 2>/dev/null || true
	local t reported=0
	for t in "${!pid_of[@]}"; do
		# the rc file is written last: its target has ended
		if [ -s "$scratch/$t/rc" ]; then
			report "$t" "$(cat "$scratch/$t/rc")" || status=1
			unset "pid_of[$t]"
			running=$((running - 1))
			reported=1
		fi
	done
	# wait -n came back for no target of ours: do not spin
	[ $reported -eq 1 ] || sleep 1
}
for t in "${targets[@]}"; do
	while [ $running -ge "$jobs" ]; do
		finish_one
	done
	mkdir -p "$scratch/$t"
	{
		run_one "$t"
		echo $? >"$scratch/$t/rc.tmp" && mv "$scratch/$t/rc.tmp" "$scratch/$t/rc"
	} &
	pid_of[$t]=$!
	running=$((running + 1))
done
while [ $running -gt 0 ]; do
	finish_one
done
if [ $status -ne 0 ]; then
	echo "fuzz: FAILED (inputs kept under $scratch)"
else
	echo "fuzz: all targets ok"
fi
exit $status
