#!/usr/bin/env bash
# bench/run.sh - strata vs. the plain sqlite3 floor vs. dbmate, in one run.
#
# Prints a markdown report and writes it to bench/out/results-<date>.md.
# Everything is configured by environment variables (defaults in brackets):
#
#   NS="100 1000"      numbers of migrations to benchmark
#   REPEAT=5           `up` runs per tool and N (fresh database each), median
#   STATUS_REPEAT=20   `status` runs per tool and N, median
#   STRATA=path        strata binary to measure [build one, see below]
#   STRATA_BUILD_DIR   where to build it [/tmp/strata-bench-build]
#   DBMATE=path        dbmate binary [npm install into DBMATE_NPM_DIR]
#   DBMATE_NPM_DIR     [/tmp/strata-bench-npm]
#   DBMATE_VERSION     npm version of dbmate to install [2.36.0]
#   SKIP_DBMATE=1      leave dbmate out
#   BENCH_TMPDIR       where the databases go [$TMPDIR or /tmp]; all tools
#                      use the same directory, so the same filesystem
#   OUT_DIR            where the report goes [bench/out]
#   STRICT=1           exit 2 when a target is missed
#   INSTRUCTIONS=1     also count strata's and the floor's instructions under
#                      valgrind: noise-free, slow (~2-3 min more for N=1000)
#
# Exit status: 0 done; 1 a run failed or did not apply every migration
# (the report says which, loudly), or setup failed; 2 STRICT and a target
# was missed.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

NS=${NS:-"100 1000"}
REPEAT=${REPEAT:-5}
STATUS_REPEAT=${STATUS_REPEAT:-20}
STRATA=${STRATA:-}
STRATA_BUILD_DIR=${STRATA_BUILD_DIR:-/tmp/strata-bench-build}
DBMATE=${DBMATE:-}
DBMATE_NPM_DIR=${DBMATE_NPM_DIR:-/tmp/strata-bench-npm}
DBMATE_VERSION=${DBMATE_VERSION:-2.36.0}
SKIP_DBMATE=${SKIP_DBMATE:-0}
BENCH_TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}
OUT_DIR=${OUT_DIR:-$BENCH_DIR/out}
STRICT=${STRICT:-0}
INSTRUCTIONS=${INSTRUCTIONS:-0}

PY=python3
MEASURE="$BENCH_DIR/measure.py"
CHECK="$BENCH_DIR/check.py"
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

for cmd in python3 sqlite3; do
	command -v "$cmd" >/dev/null || die "$cmd is required"
done
case "$REPEAT$STATUS_REPEAT" in *[!0-9]*) die "REPEAT and STATUS_REPEAT must be numbers" ;; esac
[ "$REPEAT" -ge 1 ] && [ "$STATUS_REPEAT" -ge 1 ] || die "REPEAT and STATUS_REPEAT must be at least 1"
NS=$(echo $NS)
[ -n "$NS" ] || die "NS is empty"
for n in $NS; do
	case "$n" in *[!0-9]*|0) die "NS must hold positive numbers: '$NS'" ;; esac
done
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

WORK=$(mktemp -d "$BENCH_TMPDIR/strata-bench.XXXXXX")
WORK=$(cd "$WORK" && pwd)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
RESULTS=$WORK/results.jsonl
FAILURES=$WORK/failures.txt
NOTES=$WORK/notes.txt
: >"$RESULTS"
: >"$FAILURES"
: >"$NOTES"
note() { printf '%s\n' "$*" >>"$NOTES"; say "note: $*"; }

# ------------------------------------------------------------------ strata
# A libtool wrapper script is not what we want to measure (it is a shell
# script that execs the real binary): use the real one behind it.
resolve_strata() {
	local bin=$1 dir
	dir=$(dirname "$bin")
	if head -c 2 "$bin" 2>/dev/null | grep -q '#!' && [ -x "$dir/.libs/strata" ]; then
		export LD_LIBRARY_PATH="$dir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
		note "STRATA is a libtool wrapper; measuring $dir/.libs/strata instead"
		bin="$dir/.libs/strata"
	fi
	printf '%s\n' "$bin"
}

build_strata() {
	local log=$STRATA_BUILD_DIR.log
	say "building strata from $REPO in $STRATA_BUILD_DIR (log: $log)"
	mkdir -p "$STRATA_BUILD_DIR"
	# A copy, so that the build never touches the work tree. mtimes are kept,
	# so a second run only rebuilds what changed.
	# What .gitignore lists (build products) is neither copied nor deleted,
	# so the build dir keeps its configure, Makefiles and objects.
	if command -v rsync >/dev/null; then
		rsync -a --delete --exclude .git --filter=':- .gitignore' \
			"$REPO/" "$STRATA_BUILD_DIR/"
	else
		(cd "$REPO" && tar -cf - --exclude=.git --exclude-vcs-ignores .) |
			(cd "$STRATA_BUILD_DIR" && tar -xf -)
	fi
	(
		cd "$STRATA_BUILD_DIR"
		[ -x configure ] || ./autogen.sh
		# Static libstrata: the strata binary is then a plain executable,
		# not a libtool wrapper (system SQLite stays a shared library).
		[ -f Makefile ] || ./configure -q --disable-shared
		# Only the binary: the benchmark needs nothing else.
		make -j"$(nproc)" strata
	) >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "building strata failed (log: $log)"; }
	STRATA=$STRATA_BUILD_DIR/strata
}

if [ -z "$STRATA" ]; then
	build_strata
fi
[ -x "$STRATA" ] || die "STRATA=$STRATA is not an executable"
STRATA=$(resolve_strata "$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA")")
STRATA_VERSION=$("$STRATA" version 2>&1 | head -n 1) || die "$STRATA version failed"
say "strata: $STRATA ($STRATA_VERSION)"

# ------------------------------------------------------------------ dbmate
DBMATE_MISSING=
find_npm_dbmate() {
	local b
	# The npm package ships the Go binary in a per-platform package; its
	# .bin/dbmate is a node script that spawns it. Measure the Go binary:
	# the node wrapper would add node's start-up to every dbmate figure.
	for b in "$DBMATE_NPM_DIR"/node_modules/@dbmate/linux-*/bin/dbmate; do
		[ -x "$b" ] && { printf '%s\n' "$b"; return 0; }
	done
	return 1
}

if [ "$SKIP_DBMATE" = 1 ]; then
	DBMATE_MISSING="skipped (SKIP_DBMATE=1)"
elif [ -z "$DBMATE" ]; then
	if DBMATE=$(find_npm_dbmate) && "$DBMATE" --version 2>/dev/null | grep -qF "$DBMATE_VERSION"; then
		:
	elif ! command -v npm >/dev/null; then
		DBMATE_MISSING="not installable (npm not found)"
	else
		say "installing dbmate@$DBMATE_VERSION with npm into $DBMATE_NPM_DIR"
		mkdir -p "$DBMATE_NPM_DIR"
		if npm install --prefix "$DBMATE_NPM_DIR" --no-audit --no-fund --loglevel=error \
			"dbmate@$DBMATE_VERSION" >"$WORK/npm.log" 2>&1; then
			DBMATE=$(find_npm_dbmate) ||
				DBMATE_MISSING="not installable (npm installed no binary for this platform)"
		else
			DBMATE_MISSING="not installable ($(grep -m1 -i 'err' "$WORK/npm.log" || tail -n 1 "$WORK/npm.log"))"
		fi
	fi
fi
DBMATE_VERSION_SEEN=
if [ -z "$DBMATE_MISSING" ]; then
	if DBMATE_VERSION_SEEN=$("$DBMATE" --version 2>&1); then
		say "dbmate: $DBMATE ($DBMATE_VERSION_SEEN)"
	else
		DBMATE_MISSING="not runnable ($DBMATE --version failed: $DBMATE_VERSION_SEEN)"
	fi
fi
if [ -n "$DBMATE_MISSING" ]; then
	echo "dbmate: $DBMATE_MISSING" >&2
	DBMATE=
else
	DBMATE=$(cd "$(dirname "$DBMATE")" && pwd)/$(basename "$DBMATE")
fi
TOOLS="strata floor"
[ -n "$DBMATE" ] && TOOLS="$TOOLS dbmate"

# ------------------------------------------------------------------ runs
# run_tool TOOL OP N DB MIGDIR REPEAT WARMUP [TAG...] - measures one command
# line (appending JSON lines to RESULTS); returns measure.py's status.
run_tool() {
	local tool=$1 op=$2 n=$3 db=$4 dir=$5 repeat=$6 warmup=$7
	shift 7
	local stdin=/dev/null
	local -a cmd
	case "$tool:$op" in
	strata:up) cmd=("$STRATA" --url "sqlite:$db" --dir "$dir" up) ;;
	strata:status) cmd=("$STRATA" --url "sqlite:$db" --dir "$dir" status) ;;
	floor:up) cmd=(sqlite3 "$db"); stdin=$dir/../floor.sql ;;
	# What a status needs at the least: read the history table.
	floor:status) cmd=(sqlite3 "$db" "SELECT version, name, state, applied_at FROM strata_migrations ORDER BY version") ;;
	dbmate:up) cmd=("$DBMATE" --url "sqlite:$db" --migrations-dir "$dir" --no-dump-schema up) ;;
	dbmate:status) cmd=("$DBMATE" --url "sqlite:$db" --migrations-dir "$dir" status) ;;
	*) die "unknown tool/op $tool:$op" ;;
	esac
	"$PY" "$MEASURE" --repeat "$repeat" --warmup "$warmup" --stdin "$stdin" \
		--log "$WORK/$tool-$op-$n.log" \
		--tag "tool=$tool" --tag "op=$op" --tag "n=$n" "$@" -- "${cmd[@]}"
}

history_of() { [ "$1" = dbmate ] && echo schema_migrations || echo strata_migrations; }

# up_once TOOL N REP - one `up` on a fresh database, then the check.
up_once() {
	local tool=$1 n=$2 rep=$3
	local dir=$WORK/n$n/migrations db=$WORK/n$n/$tool-$rep.db line verified=true msg rc=0
	rm -f "$db" "$db"-journal "$db"-wal "$db"-shm
	line=$(run_tool "$tool" up "$n" "$db" "$dir" 1 0 --tag "rep=$rep") || rc=$?
	if [ "$rc" -ne 0 ]; then
		verified=false
		msg="$tool up N=$n run $rep exited with status $rc"
		echo "$msg" >>"$FAILURES"
		printf '\n!!! %s; the end of its output:\n' "$msg" >&2
		tail -n 5 "$WORK/$tool-up-$n.log" | sed 's/^/!!!   /' >&2
	fi
	if ! msg=$("$PY" "$CHECK" "$db" "$n" --history "$(history_of "$tool")" \
		--label "$tool up N=$n run $rep"); then
		verified=false
		echo "$msg" >>"$FAILURES"
		printf '\n!!! INCOMPLETE: %s\n' "$msg" >&2
	fi
	[ -n "$line" ] || line='{"rc": 1, "wall_ms": 0, "user_ms": 0, "sys_ms": 0, "cpu_ms": 0, "rss_kib": null, "ru_maxrss_kib": 0, "tool": "'$tool'", "op": "up", "n": '$n', "rep": '$rep'}'
	printf '%s\n' "${line%\}}, \"verified\": $verified}" >>"$RESULTS"
	# Keep the newest complete database: `status` is measured on it.
	if [ "$verified" = true ]; then
		mv -f "$db" "$WORK/n$n/$tool.db"
	else
		rm -f "$db"
	fi
}

say "work dir: $WORK ($(stat -f -c %T "$WORK"))"
# Run every tool from the work dir: dbmate, for one, reads ./.env.
cd "$WORK"
for n in $NS; do
	mkdir -p "$WORK/n$n"
	"$PY" "$BENCH_DIR/gen.py" "$n" "$WORK/n$n/migrations" --floor "$WORK/n$n/floor.sql"
done

say "baseline: the measuring wrapper on /bin/true"
"$PY" "$MEASURE" --repeat 20 --warmup 3 --tag tool=true --tag op=baseline \
	--tag n=0 -- true >>"$RESULTS"

# One unmeasured run of each tool, so that no tool pays for a cold page
# cache (binary, libraries) in the measured runs.
first_n=${NS%% *}
for tool in $TOOLS; do
	db=$WORK/warmup-$tool.db
	run_tool "$tool" up "$first_n" "$db" "$WORK/n$first_n/migrations" 1 0 >/dev/null || true
	rm -f "$db"
done

read -r -a tools <<<"$TOOLS"
for n in $NS; do
	for rep in $(seq 1 "$REPEAT"); do
		say "up: N=$n run $rep/$REPEAT"
		# Interleave the tools and rotate their order, so that a slow
		# moment of the machine does not land on one tool only.
		for ((i = 0; i < ${#tools[@]}; i++)); do
			up_once "${tools[(i + rep - 1) % ${#tools[@]}]}" "$n" "$rep"
		done
	done
	for tool in $TOOLS; do
		db=$WORK/n$n/$tool.db
		if [ ! -f "$db" ]; then
			say "status: $tool, N=$n: skipped, no run of $tool up was complete"
			continue
		fi
		say "status: $tool, N=$n, $STATUS_REPEAT runs"
		if ! run_tool "$tool" status "$n" "$db" "$WORK/n$n/migrations" \
			"$STATUS_REPEAT" 2 >>"$RESULTS"; then
			msg="$tool status N=$n exited non-zero"
			echo "$msg" >>"$FAILURES"
			printf '\n!!! %s\n' "$msg" >&2
			tail -n 5 "$WORK/$tool-status-$n.log" | sed 's/^/!!!   /' >&2
		fi
	done
done

# ------------------------------------------------------------------ instructions
# INSTRUCTIONS=1: user-space instruction counts under valgrind (callgrind),
# strata against the floor. Free of the disk's and the machine's noise, so
# it shows strata's own overhead even where wall times scatter. Slow: about
# a minute per tool for N=1000. dbmate (Go) is left out: valgrind and the Go
# runtime do not mix well.
count_instructions() {
	local tool=$1 op=$2 n=$3 db=$4 dir=$WORK/n$n/migrations stdin=/dev/null out
	local -a cmd
	case "$tool:$op" in
	strata:up) cmd=("$STRATA" --url "sqlite:$db" --dir "$dir" up) ;;
	strata:status) cmd=("$STRATA" --url "sqlite:$db" --dir "$dir" status) ;;
	floor:up) cmd=(sqlite3 "$db"); stdin=$WORK/n$n/floor.sql ;;
	floor:status) cmd=(sqlite3 "$db" "SELECT version, name, state, applied_at FROM strata_migrations ORDER BY version") ;;
	esac
	out=$WORK/callgrind-$tool-$op-$n.txt
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" \
		<"$stdin" >/dev/null 2>"$out" || { say "valgrind $tool $op N=$n failed"; return 0; }
	sed -n 's/.*Collected : \([0-9]*\).*/{"tool": "'"$tool"'", "op": "'"$op"'", "n": '"$n"', "instructions": \1}/p' \
		"$out" >>"$WORK/instructions.jsonl"
}
if [ "$INSTRUCTIONS" = 1 ]; then
	if command -v valgrind >/dev/null; then
		for n in $NS; do
			for tool in strata floor; do
				say "instructions: $tool up, N=$n (valgrind)"
				db=$WORK/n$n/instr-$tool.db
				count_instructions "$tool" up "$n" "$db"
				say "instructions: $tool status, N=$n (valgrind)"
				count_instructions "$tool" status "$n" "$db"
				rm -f "$db"
			done
		done
	else
		note "INSTRUCTIONS=1 but valgrind is not installed: no instruction counts"
	fi
fi

# ------------------------------------------------------------------ report
mkdir -p "$OUT_DIR"
OUT=$OUT_DIR/results-$STAMP.md
export STAMP STRATA STRATA_VERSION DBMATE DBMATE_VERSION_SEEN DBMATE_MISSING \
	NS REPEAT STATUS_REPEAT STRICT WORK FAILURES NOTES REPO
"$PY" - "$WORK/env.json" <<'EOF'
import json, os, platform, subprocess, sys

def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""

e = os.environ
def lines(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]

cpu = ""
try:
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f
                    if l.startswith("model name")), "")
except OSError:
    pass
def load():
    """Other work on the machine while we ran: a noisy run shows here."""
    out = "load average %.2f %.2f %.2f (1/5/15 min)" % os.getloadavg()
    try:
        with open("/proc/pressure/io") as f:
            some = f.readline().split()
        out += "; I/O pressure %s" % " ".join(
            x for x in some if x.startswith(("avg60", "avg300")))
    except OSError:
        pass
    return out + " at the end of the run"

rev = sh("git", "-C", e["REPO"], "rev-parse", "--short", "HEAD")
if rev and sh("git", "-C", e["REPO"], "status", "--porcelain", "--untracked-files=no"):
    rev += " + uncommitted changes"
linkage = sh("file", "-b", e["STRATA"]).split(",")
env = {
    "date": e["STAMP"],
    "strata": "%s, commit %s" % (e["STRATA_VERSION"], rev or "?"),
    "strata_binary": "`%s` (%s)" % (e["STRATA"], ", ".join(
        x.strip() for x in linkage if "linked" in x or "stripped" in x)),
    "sqlite3": "sqlite3 CLI %s" % sh("sqlite3", "--version").split(" ")[0],
    "dbmate": ("%s, `%s`" % (e["DBMATE_VERSION_SEEN"], e["DBMATE"])
               if e.get("DBMATE") else e.get("DBMATE_MISSING")),
    "dbmate_missing": e.get("DBMATE_MISSING", ""),
    "machine": "%s %s, %d CPUs" % (platform.system(), platform.release(),
                                   os.cpu_count() or 0),
    "cpu": cpu,
    "filesystem": "databases in %s (%s; default journal mode and "
                  "synchronous=FULL for all tools)" % (
                      os.path.dirname(e["WORK"]),
                      sh("stat", "-f", "-c", "%T", e["WORK"])),
    "load": load(),
    "settings": "N = %s; `up`: %s runs per tool and N on fresh databases, "
                "tools interleaved; `status`: %s runs (+2 warm-up)" % (
                    ", ".join(e["NS"].split()), e["REPEAT"],
                    e["STATUS_REPEAT"]),
    "notes": lines(e["NOTES"]),
    "failures": lines(e["FAILURES"]),
    "strict": e.get("STRICT") == "1",
}
with open(sys.argv[1], "w") as f:
    json.dump(env, f, indent=1)
EOF

set +e
report_args=(--out "$OUT")
[ "$INSTRUCTIONS" = 1 ] && report_args+=(--instructions "$WORK/instructions.jsonl")
"$PY" "$BENCH_DIR/report.py" "$RESULTS" "$WORK/env.json" "${report_args[@]}"
status=$?
set -e
# The raw runs too, one JSON line each, for a closer look.
cp "$RESULTS" "${OUT%.md}.jsonl"
echo >&2
say "report written to $OUT (raw runs: ${OUT%.md}.jsonl)"
if [ -s "$FAILURES" ]; then
	{
		echo
		echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
		echo '!!! BENCHMARK INVALID: some runs failed or did not apply everything:'
		sed 's/^/!!!   /' "$FAILURES"
		echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
	} >&2
	exit 1
fi
exit "$status"
