#!/usr/bin/env bash
# tests/oom/test_oom.sh - strata out of memory, one allocation at a time.
#
# tests/oom/strata-oom is the strata tool with every allocation counted
# (tests/oom/failalloc.c: the core, the SQLite driver, the CLI, SQLite's
# and OpenSSL's allocations). A run without failures tells how many
# allocations a command makes (N); then the command runs once for each K
# in 1..N with allocation K failing -- only K (single mode) or K and every
# later one (persist mode) -- each K on a database of its own, and every
# run must end cleanly:
#   - exit code one of strata's documented ones, never a signal (>= 128),
#     no sanitizer report (ASan, UBSan, LeakSanitizer) on stderr;
#   - every stderr line a "strata: ..." line, and when the run fails the
#     last one "strata: error: ..." saying "out of memory";
#   - the injected failure really happened (K <= the run's own count);
#   - status: the database file unchanged, byte for byte; when it exits
#     0, its table lists all three migrations;
#   - up (on a fresh database): every history row equal to the row a
#     run without failures writes (checksum, down SQL, ... none lost),
#     every migration recorded as applied has its effects, no effect
#     exists without its history row, a statement-by-statement migration
#     left `running` / `failed` matches its progress count; and then
#     strata (the real binary: repair --resume if needed, then up) brings
#     the database to the state of the run without failures (tried once
#     for each distinct state the failed runs leave: the same history
#     rows and tables).
# The runs are forked by strata-oom itself (STRATA_OOM_SWEEP, see
# failalloc.c): a fork costs far less than starting the program.
#
# Environment:
#   STRATA_OOM          the instrumented binary
#                       (default $top_builddir/tests/oom/strata-oom)
#   STRATA              the real strata binary (default $top_builddir/strata)
#   STRATA_OOM_STRIDE   test every STRIDE-th K only: K = 1, 1+STRIDE, ...
#                       in single mode, K = 2, 2+STRIDE, ... in persist
#                       mode, and K = N (default 1: every K; 3 in a
#                       sanitizer build, whose runs take five times
#                       longer: some 2 minutes for every K)
#   STRATA_OOM_MODES    "single persist" (default), or one of them
#   STRATA_OOM_VERBOSE  1: print the stderr of each failing run
#
# Prints TAP ("ok N - ...") and exits non-zero when any check failed.

set -u
export LC_ALL=C
unset DATABASE_URL NO_COLOR STRATA_OOM_FAIL_AT STRATA_OOM_PERSIST STRATA_OOM_NOSYNC \
	STRATA_OOM_COUNT_FILE STRATA_OOM_SWEEP STRATA_OOM_DIR STRATA_OOM_URL_PREFIX

here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$here/../..}
OOM=${STRATA_OOM:-$top/tests/oom/strata-oom}
STRATA=${STRATA:-$top/strata}
MODES=${STRATA_OOM_MODES:-single persist}
VERBOSE=${STRATA_OOM_VERBOSE:-0}
STRIDE=${STRATA_OOM_STRIDE:-}

T=0
failed=0
ok() {
	T=$((T + 1))
	echo "ok $T - $1"
}
not_ok() {
	T=$((T + 1))
	failed=$((failed + 1))
	echo "not ok $T - $1"
}
bail() {
	not_ok "$1"
	echo "1..$T"
	exit 1
}

for bin in "$OOM" "$STRATA"; do
	[[ -x $bin ]] || bail "$bin does not exist (make check builds it; or set STRATA_OOM / STRATA)"
done
command -v sqlite3 >/dev/null || bail "the sqlite3 client is not installed"
if [[ -z $STRIDE ]]; then
	STRIDE=1
	grep -qa -e __asan_init -e __ubsan_handle "$OOM" && STRIDE=3
fi
[[ $STRIDE =~ ^[1-9][0-9]*$ ]] || bail "STRATA_OOM_STRIDE must be a positive number, not '$STRIDE'"

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-oom.XXXXXX") || exit 99
RUNS=
trap 'rm -rf "$work" ${RUNS:+"$RUNS"}' EXIT
cd "$work" || exit 99
# The runs' databases and output (some 40 MB for a sweep of up) go to
# /dev/shm when it has room: creating and removing SQLite's journals
# thousands of times costs several times more on a disk.
if [[ -d /dev/shm && -w /dev/shm ]] &&
	[[ $(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }') -gt 262144 ]]; then
	RUNS=$(mktemp -d /dev/shm/strata-oom.XXXXXX) || exit 99
else
	RUNS=$work/runs
	mkdir "$RUNS"
fi
# Run K uses the database db-K (K as 7 digits): every run's path has the
# same length, so its allocations are those of the counting run.
PFX=$RUNS/db-
REFDB=${PFX}0000000
url_of() {
	printf 'sqlite:%s%07d' "$PFX" "$1"
}

# ------------------------------------------------------------ migrations
# Each migration's effects are tables named after it, so the effects of
# any state are visible in sqlite_master:
#   1  transactional, a long    t1
#      down section
#   2  transaction:false, two   t2a, t2b (IF NOT EXISTS: resumable)
#      statements
#   3  transactional            t3
mkdir -p migrations
{
	echo '-- migrate:up'
	echo 'CREATE TABLE t1 (id INTEGER PRIMARY KEY, note TEXT);'
	echo
	echo '-- migrate:down'
	# long enough that its copies are real allocations everywhere
	for i in $(seq 1 40); do
		echo "-- the down section of migration 1, line $i, padding padding padding"
	done
	echo 'DROP TABLE t1;'
} >migrations/20240101000001_first.sql
cat >migrations/20240101000002_stepwise.sql <<'EOF'
-- migrate:up transaction:false
CREATE TABLE IF NOT EXISTS t2a (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS t2b (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE t2b;
DROP TABLE t2a;
EOF
cat >migrations/20240101000003_third.sql <<'EOF'
-- migrate:up
CREATE TABLE t3 (id INTEGER PRIMARY KEY);

-- migrate:down
DROP TABLE t3;
EOF

VERSIONS=(20240101000001 20240101000002 20240101000003)
EFFECTS=("t1" "t2a t2b" "t3")

# The state of a database, one fact a line:
#   E name                     an effect (a table of a migration)
#   H version|name|checksum|state|done|total|hex(down_sql)|applied_by|last_error
# History columns that differ from run to run (applied_at, duration) are
# left out. Without a history table there are no H lines.
SNAP_SQL="
SELECT 'E ' || name FROM sqlite_master
 WHERE name GLOB 't[0-9]*' ORDER BY name;
SELECT 'H ' || version || '|' || name || '|' || coalesce(checksum, '<null>')
       || '|' || state || '|' || statements_done || '|' || statements_total
       || '|' || CASE WHEN down_sql IS NULL THEN '<null>' ELSE hex(down_sql) END
       || '|' || coalesce(applied_by, '<null>')
       || '|' || coalesce(last_error, '<null>')
  FROM strata_migrations ORDER BY version;"

# snapshot DB: prints the state of one database.
snapshot() {
	[[ -e $1 ]] || return 0
	# no history table yet: that statement fails, its error is dropped
	sqlite3 -batch "$1" "$SNAP_SQL" 2>/dev/null
}

# --------------------------------------------------------- reference runs
# ref_run ARGS...: strata-oom without failures on $REFDB; sets RC, N.
ref_run() {
	STRATA_OOM_COUNT_FILE=$work/count DATABASE_URL=$(url_of 0) \
		"$OOM" -d migrations "$@" >"$work/out" 2>"$work/err" </dev/null
	RC=$?
	N=-1
	read -r N _ <"$work/count"
	[[ $N =~ ^[0-9]+$ ]] || N=-1
}

# The database that status reads: 1 and 2 applied, 3 pending.
"$STRATA" -u "$(url_of 0)" -d migrations up 2 >/dev/null 2>"$work/err" ||
	bail "setup: strata up 2 failed: $(tail -n 1 "$work/err")"
mv "$REFDB" status.db
cp status.db "$REFDB"
ref_run status
N_STATUS=$N
if [[ $RC -eq 0 && $N_STATUS -gt 0 ]] && cmp -s "$REFDB" status.db &&
	grep -q '^20240101000003 .* pending' "$work/out"; then
	ok "status without failures: exit 0, $N_STATUS allocations"
else
	bail "status without failures: exit $RC, count '$N_STATUS', stderr: $(tail -n 1 "$work/err")"
fi
STATUS_OUT=$(<"$work/out")

rm -f "$REFDB"
ref_run up
N_UP=$N
REF=$(snapshot "$REFDB")
if [[ $RC -eq 0 && $N_UP -gt 0 ]] && [[ $(grep -c '^H 2024' <<<"$REF") -eq 3 ]] &&
	[[ $(grep -c '^E ' <<<"$REF") -eq 4 ]]; then
	ok "up without failures: exit 0, $N_UP allocations, 3 migrations applied"
else
	printf '# %s\n' "$REF"
	bail "up without failures: exit $RC, count '$N_UP', stderr: $(tail -n 1 "$work/err")"
fi
# the real binary writes the same rows
rm -f "$REFDB"
"$STRATA" -u "$(url_of 0)" -d migrations up >/dev/null 2>&1
if [[ $(snapshot "$REFDB") == "$REF" ]]; then
	ok "strata-oom and strata write the same history rows"
else
	not_ok "strata-oom and strata write different history rows"
fi

# REFROW[VERSION]: the history row of VERSION from the run without failures
declare -A REFROW
while IFS= read -r line; do
	if [[ $line == "H "* ]]; then
		v=${line#H }
		REFROW[${v%%|*}]=$line
	fi
done <<<"$REF"

# ------------------------------------------------------------- checking
# Thousands of runs: the checks use shell builtins, not grep and sed.
problems=()
declare -A EXITS CHECKED

# problem K MESSAGE: records one failed check of run K.
problem() {
	problems+=("K=$1: $2")
	if [[ $VERBOSE == 1 ]]; then
		sed 's/^/#   stderr: /' "$ERR"
	fi
}

# check_process K RC: the checks every run gets; returns 1 after a problem.
check_process() {
	local k=$1 rc=$2 line last='' lines count=-1 fails=-1
	printf -v ERR '%s/%07d.err' "$RUNS" "$k"
	EXITS[$rc]=$((${EXITS[$rc]:-0} + 1))
	mapfile -t lines <"$ERR"
	for line in "${lines[@]}"; do
		case $line in
		*LeakSanitizer*)
			problem "$k" "leak: $(grep -A8 -e 'Direct leak' -e 'Indirect leak' "$ERR" | grep -m4 ' in ' | sed 's/^ *//' | tr '\n' ';')"
			return 1
			;;
		*Sanitizer* | *"runtime error"*)
			problem "$k" "sanitizer report: $line"
			return 1
			;;
		"strata: "*) ;;
		*)
			problem "$k" "stderr line not from strata: $line"
			return 1
			;;
		esac
		last=$line
	done
	if [[ $rc -ge 128 ]]; then
		problem "$k" "killed by signal $((rc - 128))"
		return 1
	fi
	if [[ $rc -gt 12 ]]; then
		problem "$k" "exit code $rc is not one of strata's"
		return 1
	fi
	[[ -s ${ERR%.err}.cnt ]] && read -r count fails _ <"${ERR%.err}.cnt"
	if [[ ! $count =~ ^[0-9]+$ || ! $fails =~ ^[0-9]+$ ]]; then
		problem "$k" "exit $rc but no allocation count written (did it exit at all?)"
		return 1
	fi
	if [[ $fails -lt 1 ]]; then
		problem "$k" "allocation $k never happened (the run made $count): the allocations are not deterministic"
		return 1
	fi
	if [[ $rc -ne 0 ]]; then
		if [[ $last != "strata: error: "* ]]; then
			problem "$k" "exit $rc without an error line (last stderr line: '$last')"
			return 1
		fi
		if [[ ${last,,} != *"out of memory"* ]]; then
			problem "$k" "exit $rc, error does not say out of memory: $last"
			return 1
		fi
	fi
	return 0
}

# up_state_why K SNAPSHOT: checks the database of an up run with
# allocation K failing; sets WHY and returns 1 when it is wrong.
up_state_why() {
	local k=$1 snap=$2 line i v row state ndone effects e s dirty=0 db
	local -A has rows
	while IFS= read -r line; do
		case $line in
		"E "*) has[${line#E }]=1 ;;
		"H "*)
			v=${line#H }
			rows[${v%%|*}]=$line
			;;
		esac
	done <<<"$snap"
	if [[ -n ${rows[~format]:-} && ${rows[~format]} != "${REFROW[~format]}" ]]; then
		WHY="format row differs: ${rows[~format]}"
		return 1
	fi
	for i in 0 1 2; do
		v=${VERSIONS[i]}
		row=${rows[$v]:-}
		effects=${EFFECTS[i]}
		if [[ -n $row && $dirty -eq 1 ]]; then
			WHY="migration $v recorded after one that did not finish"
			return 1
		fi
		if [[ -z $row ]]; then
			for e in $effects; do
				if [[ -n ${has[$e]:-} ]]; then
					WHY="$e exists but migration $v has no history row"
					return 1
				fi
			done
			dirty=1 # nothing after it may have run either
			continue
		fi
		IFS='|' read -r _ _ _ state ndone _ <<<"$row"
		if [[ $state == applied ]]; then
			if [[ $row != "${REFROW[$v]}" ]]; then
				WHY="applied row of $v differs from a normal run: $row"
				return 1
			fi
			for e in $effects; do
				if [[ -z ${has[$e]:-} ]]; then
					WHY="migration $v recorded as applied but $e is missing"
					return 1
				fi
			done
			continue
		fi
		# only the statement-by-statement migration may be left unfinished
		if [[ $i -ne 1 ]] || [[ $state != running && $state != failed ]]; then
			WHY="migration $v left in state $state: $row"
			return 1
		fi
		dirty=1
		# statements 1..done ran; a failed statement left nothing (SQLite
		# statements are atomic); the one after a `running` count may have
		s=0
		for e in $effects; do
			s=$((s + 1))
			if [[ $s -le $ndone && -z ${has[$e]:-} ]]; then
				WHY="$v $state after $ndone statements but $e is missing"
				return 1
			fi
			if [[ -n ${has[$e]:-} ]] &&
				{ [[ $state == failed && $s -gt $ndone ]] || [[ $s -gt $((ndone + 1)) ]]; }; then
				WHY="$v $state after $ndone statements but $e exists"
				return 1
			fi
		done
	done
	# the real strata finishes the job
	printf -v db 'sqlite:%s%07d' "$PFX" "$k"
	if [[ -n ${rows[${VERSIONS[1]}]:-} && ${rows[${VERSIONS[1]}]} != "${REFROW[${VERSIONS[1]}]}" ]]; then
		if ! "$STRATA" -u "$db" -d migrations repair --resume >/dev/null 2>"$work/err"; then
			WHY="repair --resume afterwards failed: $(tail -n 1 "$work/err")"
			return 1
		fi
	fi
	if ! "$STRATA" -u "$db" -d migrations up >/dev/null 2>"$work/err"; then
		WHY="up afterwards failed: $(tail -n 1 "$work/err")"
		return 1
	fi
	line=$(snapshot "${db#sqlite:}")
	if [[ $line != "$REF" ]]; then
		WHY="after up the database differs from a normal run: $(diff <(echo "$REF") <(echo "$line") | grep '^[<>]' | head -n 2 | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# check_up_state K SNAPSHOT: up_state_why, once for each distinct state
# (the same history rows and tables): the checks, and above all the
# repair and up that finish the job, depend on nothing else.
check_up_state() {
	local key=s$2
	if [[ -z ${CHECKED[$key]+set} ]]; then
		WHY=
		up_state_why "$1" "$2"
		CHECKED[$key]=$WHY
	fi
	if [[ -n ${CHECKED[$key]} ]]; then
		problem "$1" "${CHECKED[$key]}"
		return 1
	fi
	return 0
}

# sweep COMMAND MODE: every K for one command in one mode; one TAP line.
sweep() {
	local cmd=$1 mode=$2 persist=0 first=1 n k rc runs=0 t0=$SECONDS
	# with a stride, the modes test different K
	[[ $mode == persist ]] && persist=1 && first=$((STRIDE > 1 ? 2 : 1))
	[[ $cmd == status ]] && n=$N_STATUS || n=$N_UP
	problems=()
	EXITS=()
	CHECKED=()
	rm -rf "$RUNS"
	mkdir "$RUNS"
	if [[ $cmd == status ]]; then
		# one copy of the database for each run, in one process
		local copies=() f
		for ((k = first; k <= n; k += STRIDE)); do
			printf -v f '%s%07d' "$PFX" "$k"
			copies+=("$f")
		done
		printf -v f '%s%07d' "$PFX" "$n"
		copies+=("$f")
		tee "${copies[@]}" <status.db >/dev/null
	fi
	STRATA_OOM_SWEEP=$first:$n:$STRIDE STRATA_OOM_PERSIST=$persist STRATA_OOM_NOSYNC=1 \
		STRATA_OOM_DIR=$RUNS STRATA_OOM_URL_PREFIX=sqlite:$PFX \
		"$OOM" -d migrations "$cmd" </dev/null >"$work/out" 2>"$work/err"
	rc=$?
	if [[ $rc -ne 0 || ! -s $RUNS/results ]]; then
		not_ok "$cmd, $mode failure: the sweep failed (exit $rc): $(tail -n 1 "$work/err")"
		return
	fi
	# the databases after the runs: one hash or one snapshot per run,
	# each from a single process
	local -A after
	if [[ $cmd == status ]]; then
		local sum file
		while read -r sum file; do
			after[$file]=$sum
		done < <(cd "$RUNS" && md5sum db-*)
	else
		local script=$work/snap.sql cur='' line f
		{
			echo '.bail off'
			while read -r k rc; do
				printf -v f '%s%07d' "$PFX" "$k"
				[[ -e $f ]] || continue
				echo ".print =K $k"
				echo ".open \"$f\""
				echo "$SNAP_SQL"
			done <"$RUNS/results"
		} >"$script"
		while IFS= read -r line; do
			if [[ $line == "=K "* ]]; then
				cur=${line#=K }
				after[$cur]=
			elif [[ -n $cur ]]; then
				after[$cur]+=${after[$cur]:+$'\n'}$line
			fi
		done < <(sqlite3 -batch <"$script" 2>/dev/null)
	fi
	local want_sum
	want_sum=$(md5sum <status.db)
	want_sum=${want_sum%% *}
	local name
	while read -r k rc; do
		runs=$((runs + 1))
		check_process "$k" "$rc" || continue
		if [[ $cmd == status ]]; then
			printf -v name '%07d' "$k"
			if [[ ${after[db-$name]:-} != "$want_sum" ]]; then
				problem "$k" "status changed the database file"
				continue
			fi
			if [[ $rc -eq 0 && $(<"$RUNS/$name.out") != "$STATUS_OUT" ]]; then
				problem "$k" "exit 0, but its table differs from a normal run's"
				continue
			fi
		else
			check_up_state "$k" "${after[$k]:-}" || continue
		fi
	done <"$RUNS/results"
	local codes='' c
	for c in $(printf '%s\n' "${!EXITS[@]}" | sort -n); do
		codes+=" exit $c: ${EXITS[$c]},"
	done
	local what="$cmd, $mode failure, $runs runs (K = $first..$n, stride $STRIDE), $((SECONDS - t0)) s;${codes%,}"
	if [[ $cmd == up ]]; then
		what+="; ${#CHECKED[@]} distinct states, each finished by strata up"
	fi
	if [[ ${#problems[@]} -eq 0 ]]; then
		ok "$what"
	else
		not_ok "$what; ${#problems[@]} runs failed"
		printf '#   %s\n' "${problems[@]:0:25}"
		if [[ ${#problems[@]} -gt 25 ]]; then
			echo "#   ... and $((${#problems[@]} - 25)) more"
		fi
	fi
}

for mode in $MODES; do
	case $mode in
	single | persist)
		sweep status "$mode"
		sweep up "$mode"
		;;
	*)
		not_ok "unknown mode '$mode' in STRATA_OOM_MODES (single, persist)"
		;;
	esac
done

echo "1..$T"
[[ $failed -eq 0 ]]
