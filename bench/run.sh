#!/usr/bin/env bash
# bench/run.sh - strata vs. the database's own client ("the floor") vs.
# dbmate, on SQLite, PostgreSQL and MariaDB/MySQL, in one run.
#
# Prints a markdown report and writes it to bench/out/results-<date>.md.
# Everything is configured by environment variables (defaults in brackets):
#
#   BACKENDS=sqlite,postgres,mysql   which databases to benchmark [all three]
#   BENCH_POSTGRES_URL  a PostgreSQL server to use, for a user that may
#                      create databases (postgres://user@host:port/postgres)
#                      [start a throwaway server, stopped at the end]
#   BENCH_MYSQL_URL     the same for MariaDB/MySQL (mysql://user:pw@host:port/)
#                      [start a throwaway mariadbd, stopped at the end]
#   NS="100 1000"      numbers of migrations to benchmark
#   REPEAT             `up` runs per tool and N (fresh database each), median
#                      [5 on SQLite, 3 on the servers]
#   STATUS_REPEAT=20   `status` runs per tool and N, median
#   STRATA=path        strata binary to measure [build one, see below]
#   STRATA_BUILD_DIR   where to build it [/tmp/strata-bench-build]
#   DBMATE=path        dbmate binary [npm install into DBMATE_NPM_DIR]
#   DBMATE_NPM_DIR     [/tmp/strata-bench-npm]
#   DBMATE_VERSION     npm version of dbmate to install [2.36.0]
#   SKIP_DBMATE=1      leave dbmate out
#   BENCH_TMPDIR       where the SQLite databases and the throwaway servers'
#                      data go [$TMPDIR or /tmp]; the same for all tools
#   OUT_DIR            where the report goes [bench/out]
#   STRICT=1           exit 2 when a target is missed
#   INSTRUCTIONS=1     also count strata's and the floor's instructions under
#                      valgrind on SQLite: noise-free, slow (~2-3 min more
#                      for N=1000)
#
# Exit status: 0 done; 1 a run failed or did not apply every migration
# (the report says which, loudly), or setup failed (a requested backend
# that cannot be set up is a failure, never skipped); 2 STRICT and a target
# was missed.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)

BACKENDS=${BACKENDS:-sqlite,postgres,mysql}
BENCH_POSTGRES_URL=${BENCH_POSTGRES_URL:-}
BENCH_MYSQL_URL=${BENCH_MYSQL_URL:-}
NS=${NS:-"100 1000"}
REPEAT=${REPEAT:-}
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
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in the source tree
MEASURE="$BENCH_DIR/measure.py"
CHECK="$BENCH_DIR/check.py"
DBCTL="$BENCH_DIR/dbctl.py"
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

BACKENDS=$(echo "$BACKENDS" | tr ', ' '\n\n' | sed '/^$/d' | tr '\n' ' ')
BACKENDS=${BACKENDS% }
[ -n "$BACKENDS" ] || die "BACKENDS is empty"
has_backend() { case " $BACKENDS " in *" $1 "*) return 0 ;; esac; return 1; }
for b in $BACKENDS; do
	case "$b" in sqlite|postgres|mysql) ;; *) die "BACKENDS: unknown backend '$b' (sqlite, postgres, mysql)" ;; esac
done
command -v python3 >/dev/null || die "python3 is required"
if has_backend sqlite; then
	command -v sqlite3 >/dev/null || die "the sqlite3 shell is required for BACKENDS=sqlite (apt-get install sqlite3)"
fi
if has_backend postgres; then
	command -v psql >/dev/null || die "psql is required for BACKENDS=postgres (apt-get install postgresql-client)"
fi
if has_backend mysql; then
	command -v mariadb >/dev/null || command -v mysql >/dev/null ||
		die "the mariadb client is required for BACKENDS=mysql (apt-get install mariadb-client)"
fi
MYSQL_CLIENT=$(command -v mariadb || command -v mysql || true)
case "$REPEAT$STATUS_REPEAT" in *[!0-9]*) die "REPEAT and STATUS_REPEAT must be numbers" ;; esac
[ -z "$REPEAT" ] || [ "$REPEAT" -ge 1 ] || die "REPEAT must be at least 1"
[ "$STATUS_REPEAT" -ge 1 ] || die "STATUS_REPEAT must be at least 1"
# REPEAT for one backend: the servers are slower (and their fsyncs steadier).
repeat_for() { if [ -n "$REPEAT" ]; then echo "$REPEAT"; elif [ "$1" = sqlite ]; then echo 5; else echo 3; fi; }
NS=$(echo $NS)
[ -n "$NS" ] || die "NS is empty"
for n in $NS; do
	case "$n" in *[!0-9]*|0) die "NS must hold positive numbers: '$NS'" ;; esac
done
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

WORK=$(mktemp -d "$BENCH_TMPDIR/strata-bench.XXXXXX")
WORK=$(cd "$WORK" && pwd)
PG_DIR='' PG_CTL=() PG_RUNAS=()
MY_DIR='' MY_PID=''
cleanup() {
	# an early exit comes before the stop functions are defined
	if declare -F stop_postgres >/dev/null; then stop_postgres; fi
	if declare -F stop_mysql >/dev/null; then stop_mysql; fi
	rm -rf "$WORK"
}
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
		# configure again after configure.ac changed: `make strata` alone
		# does not remake config.h, and a stale one breaks the link
		if [ ! -x configure ] || [ ! -f config.status ] ||
			[ configure.ac -nt config.status ]; then
			./autogen.sh
			# Static libstrata: the strata binary is then a plain
			# executable, not a libtool wrapper (system SQLite stays a
			# shared library).
			./configure -q --disable-shared
		fi
		# Only the binary: the benchmark needs nothing else.
		make -j"$(nproc)" strata
	) >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "building strata failed (log: $log)"; }
	STRATA=$STRATA_BUILD_DIR/strata
}

# The backends the strata binary lacks a driver for, or nothing.
missing_drivers() {
	local b out miss=
	out=$("$1" version 2>&1) || true
	for b in $BACKENDS; do
		printf '%s\n' "$out" | grep -Eq "^ *$b +built in" || miss="$miss $b"
	done
	printf '%s\n' "${miss# }"
}

if [ -z "$STRATA" ]; then
	build_strata
	# A build dir configured before a driver's library was installed:
	# configure again, it auto-detects libpq and libmariadb.
	if [ -n "$(missing_drivers "$STRATA")" ]; then
		say "strata lacks the driver for $(missing_drivers "$STRATA"): configuring again"
		rm -f "$STRATA_BUILD_DIR/Makefile"
		build_strata
	fi
fi
[ -x "$STRATA" ] || die "STRATA=$STRATA is not an executable"
STRATA=$(resolve_strata "$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA")")
STRATA_VERSION=$("$STRATA" version 2>&1 | head -n 1) || die "$STRATA version failed"
miss=$(missing_drivers "$STRATA")
[ -z "$miss" ] || die "$STRATA has no driver for: $miss (install libpq-dev / libmariadb-dev and build again, or leave the backend out of BACKENDS)"
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
# ------------------------------------------------------------------ servers
# Throwaway servers, when no URL is given: own data directory under
# BENCH_TMPDIR, a free port on 127.0.0.1, default settings (fsync on),
# stopped and removed by cleanup() on every exit.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a server program as its service user when we are root (initdb and
# the servers refuse to run as root), else as ourselves.
as_user() {
	local user=$1
	shift
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$user" -- "$@"
	else
		"$@"
	fi
}

pg_bindir() {
	local d
	command -v pg_config >/dev/null && d=$(pg_config --bindir 2>/dev/null) &&
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return 0; }
	return 1
}

start_postgres() {
	local bin port user log
	bin=$(pg_bindir) || die "postgres: no initdb found (apt-get install postgresql), and BENCH_POSTGRES_URL is not set"
	port=$(free_port)
	PG_DIR=$(mktemp -d "$BENCH_TMPDIR/strata-bench-pg.XXXXXX")
	user=$(id -un)
	if [ "$(id -u)" = 0 ]; then
		user=postgres
		chown postgres "$PG_DIR"
	fi
	log=$PG_DIR/log
	say "postgres: starting a throwaway server ($bin) on 127.0.0.1:$port, data in $PG_DIR"
	as_user "$user" "$bin/initdb" -D "$PG_DIR/data" -A trust -U "$user" >"$PG_DIR/initdb.log" 2>&1 ||
		{ tail -n 5 "$PG_DIR/initdb.log" >&2; die "postgres: initdb failed"; }
	PG_CTL=("$bin/pg_ctl" -D "$PG_DIR/data")
	PG_RUNAS=("$user")
	as_user "$user" "${PG_CTL[@]}" -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1" \
		-l "$log" -w -t 60 start >/dev/null ||
		{ tail -n 5 "$log" >&2; die "postgres: the server did not start (log: $log)"; }
	PG_URL="postgres://$user@127.0.0.1:$port/postgres"
	PG_ORIGIN="throwaway server started by run.sh (initdb defaults: fsync on, synchronous_commit on)"
}

stop_postgres() {
	[ -n "$PG_DIR" ] || return 0
	if [ ${#PG_CTL[@]} -gt 0 ]; then
		as_user "${PG_RUNAS[0]}" "${PG_CTL[@]}" -m fast -w -t 60 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}

start_mysql() {
	local port pw sock client deadline log user
	command -v mariadbd >/dev/null || command -v mysqld >/dev/null ||
		die "mysql: no mariadbd found (apt-get install mariadb-server), and BENCH_MYSQL_URL is not set"
	command -v mariadb-install-db >/dev/null ||
		die "mysql: no mariadb-install-db found (apt-get install mariadb-server)"
	port=$(free_port)
	MY_DIR=$(mktemp -d "$BENCH_TMPDIR/strata-bench-my.XXXXXX")
	chmod 755 "$MY_DIR"
	user=$(id -un)
	local -a runas=()
	if [ "$(id -u)" = 0 ]; then
		chown mysql "$MY_DIR"
		runas=(--user=mysql)
		user=root
	fi
	sock=$MY_DIR/sock
	log=$MY_DIR/log
	say "mysql: starting a throwaway mariadbd on 127.0.0.1:$port, data in $MY_DIR"
	mariadb-install-db --no-defaults "${runas[@]}" --datadir="$MY_DIR/data" \
		--skip-test-db >"$MY_DIR/install.log" 2>&1 ||
		{ tail -n 5 "$MY_DIR/install.log" >&2; die "mysql: mariadb-install-db failed"; }
	"$(command -v mariadbd || command -v mysqld)" --no-defaults "${runas[@]}" \
		--datadir="$MY_DIR/data" --port="$port" --bind-address=127.0.0.1 \
		--socket="$sock" --pid-file="$MY_DIR/pid" --log-error="$log" \
		--skip-name-resolve </dev/null >/dev/null 2>&1 &
	MY_PID=$!
	client=(--no-defaults --socket="$sock" --user="$user")
	deadline=$((SECONDS + 60))
	until "$MYSQL_CLIENT" "${client[@]}" -e 'SELECT 1' >/dev/null 2>&1; do
		kill -0 "$MY_PID" 2>/dev/null ||
			{ tail -n 5 "$log" >&2; die "mysql: mariadbd exited (log: $log)"; }
		[ "$SECONDS" -lt "$deadline" ] ||
			{ tail -n 5 "$log" >&2; die "mysql: mariadbd did not answer within 60 s (log: $log)"; }
		sleep 0.1
	done
	pw=$("$PY" -c 'import secrets; print(secrets.token_hex(12))')
	"$MYSQL_CLIENT" "${client[@]}" >/dev/null 2>&1 <<-SQL || die "mysql: creating the benchmark user failed"
		CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY '$pw';
		GRANT ALL PRIVILEGES ON *.* TO 'bench'@'127.0.0.1';
	SQL
	MY_URL="mysql://bench:$pw@127.0.0.1:$port/"
	MY_ORIGIN="throwaway server started by run.sh (defaults: InnoDB, innodb_flush_log_at_trx_commit=1, no binary log)"
}

stop_mysql() {
	[ -n "$MY_DIR" ] || return 0
	if [ -n "$MY_PID" ] && kill -0 "$MY_PID" 2>/dev/null; then
		kill -TERM "$MY_PID" 2>/dev/null || true
		local deadline=$((SECONDS + 60))
		while kill -0 "$MY_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
			sleep 0.1
		done
		kill -KILL "$MY_PID" 2>/dev/null || true
		wait "$MY_PID" 2>/dev/null || true
	fi
	MY_PID=
	rm -rf "$MY_DIR"
	MY_DIR=
}

# A PostgreSQL URL without sslmode gets sslmode=disable: libpq would try
# TLS first (prefer) and dbmate's Go driver insists on it (require), so
# without this the tools would not talk the same protocol.
pg_plain() {
	case "$1" in
	*sslmode=*) printf '%s\n' "$1" ;;
	*\?*) printf '%s&sslmode=disable\n' "$1" ;;
	*) printf '%s?sslmode=disable\n' "$1" ;;
	esac
}

PG_URL='' PG_ORIGIN='' PG_VERSION=''
MY_URL='' MY_ORIGIN='' MY_VERSION=''
if has_backend postgres; then
	if [ -n "$BENCH_POSTGRES_URL" ]; then
		PG_URL=$BENCH_POSTGRES_URL
		PG_ORIGIN="BENCH_POSTGRES_URL=$("$PY" "$DBCTL" redact "$PG_URL")"
	else
		start_postgres
	fi
	PG_URL=$(pg_plain "$PG_URL")
	PG_VERSION=$("$PY" "$DBCTL" query postgres "$PG_URL" "" 'SHOW server_version;' 2>&1) ||
		die "postgres: cannot reach the server: $PG_VERSION"
	say "postgres: PostgreSQL $PG_VERSION ($PG_ORIGIN)"
fi
if has_backend mysql; then
	if [ -n "$BENCH_MYSQL_URL" ]; then
		MY_URL=$BENCH_MYSQL_URL
		MY_ORIGIN="BENCH_MYSQL_URL=$("$PY" "$DBCTL" redact "$MY_URL")"
	else
		start_mysql
	fi
	MY_VERSION=$("$PY" "$DBCTL" query mysql "$MY_URL" "" 'SELECT VERSION();' 2>&1) ||
		die "mysql: cannot reach the server: $MY_VERSION"
	"$PY" "$DBCTL" mycnf "$MY_URL" "$WORK/my.cnf"
	say "mysql: $MY_VERSION ($MY_ORIGIN)"
fi

# ------------------------------------------------------------------ runs
# The tools measured on each backend.
tools_for() {
	local t="strata floor"
	[ -n "$DBMATE" ] && t="$t dbmate"
	[ "$1" = postgres ] && t="$t strata-1tx"
	echo "$t"
}

server_url() { [ "$1" = postgres ] && echo "$PG_URL" || echo "$MY_URL"; }

# The database of one run: a file for SQLite, a name on the server.
db_for() {
	local backend=$1 tool=$2 n=$3 rep=$4
	if [ "$backend" = sqlite ]; then
		echo "$WORK/sqlite/n$n/$tool-$rep.db"
	else
		echo "bench_${tool//-/_}_n${n}_$rep"
	fi
}

fresh_db() {
	local backend=$1 db=$2
	if [ "$backend" = sqlite ]; then
		rm -f "$db" "$db"-journal "$db"-wal "$db"-shm
	else
		"$PY" "$DBCTL" recreate "$backend" "$(server_url "$backend")" "$db" ||
			die "$backend: cannot create database $db"
	fi
}

drop_db() {
	local backend=$1 db=$2
	[ -n "$db" ] || return 0
	if [ "$backend" = sqlite ]; then
		rm -f "$db"
	else
		"$PY" "$DBCTL" drop "$backend" "$(server_url "$backend")" "$db" ||
			say "$backend: could not drop database $db"
	fi
}

# run_tool BACKEND TOOL OP N DB MIGDIR REPEAT WARMUP [TAG...] - measures one
# command line (appending JSON lines to RESULTS); returns measure.py's status.
# Server URLs go to strata and dbmate in DATABASE_URL (both read it), so a
# password never is on a command line.
run_tool() {
	local backend=$1 tool=$2 op=$3 n=$4 db=$5 dir=$6 repeat=$7 warmup=$8
	shift 8
	local stdin=/dev/null url='' floor_sql=$dir/../floor.sql
	local hist="SELECT version, name, state, applied_at FROM strata_migrations ORDER BY version"
	local -a cmd
	if [ "$backend" = sqlite ]; then
		url=sqlite:$db
	else
		url=$("$PY" "$DBCTL" url "$(server_url "$backend")" "$db")
	fi
	case "$backend:$tool:$op" in
	*:strata:up) cmd=("$STRATA" --dir "$dir" up) ;;
	*:strata-1tx:up) cmd=("$STRATA" --dir "$dir" up --single-transaction) ;;
	*:strata:status) cmd=("$STRATA" --dir "$dir" status) ;;
	*:dbmate:up) cmd=("$DBMATE" --migrations-dir "$dir" --no-dump-schema up) ;;
	*:dbmate:status) cmd=("$DBMATE" --migrations-dir "$dir" status) ;;
	sqlite:floor:up) cmd=(sqlite3 "$db"); stdin=$floor_sql ;;
	# What a status needs at the least: read the history table.
	sqlite:floor:status) cmd=(sqlite3 "$db" "$hist") ;;
	postgres:floor:up) cmd=(psql -X -q -v ON_ERROR_STOP=1 -f "$floor_sql" -d "$url") ;;
	postgres:floor:status) cmd=(psql -X -q -A -t -d "$url" -c "$hist") ;;
	mysql:floor:up) cmd=("$MYSQL_CLIENT" --defaults-file="$WORK/my.cnf" "$db"); stdin=$floor_sql ;;
	mysql:floor:status) cmd=("$MYSQL_CLIENT" --defaults-file="$WORK/my.cnf" "$db" -e "$hist") ;;
	*) die "unknown tool/op $backend:$tool:$op" ;;
	esac
	DATABASE_URL=$url "$PY" "$MEASURE" --repeat "$repeat" --warmup "$warmup" --stdin "$stdin" \
		--log "$WORK/$backend-$tool-$op-$n.log" \
		--tag "backend=$backend" --tag "tool=$tool" --tag "op=$op" --tag "n=$n" "$@" \
		-- "${cmd[@]}"
}

history_of() { [ "$1" = dbmate ] && echo schema_migrations || echo strata_migrations; }

# The newest complete database of each backend/tool/N: `status` runs on it.
declare -A KEPT=()

# up_once BACKEND TOOL N REP - one `up` on a fresh database, then the check.
up_once() {
	local backend=$1 tool=$2 n=$3 rep=$4
	local dir=$WORK/$backend/n$n/migrations db line verified=true msg rc=0
	local label="$backend: $tool up N=$n run $rep"
	local -a where=()
	db=$(db_for "$backend" "$tool" "$n" "$rep")
	[ "$backend" = sqlite ] || where=(--backend "$backend" --url "$(server_url "$backend")")
	fresh_db "$backend" "$db"
	line=$(run_tool "$backend" "$tool" up "$n" "$db" "$dir" 1 0 --tag "rep=$rep") || rc=$?
	if [ "$rc" -ne 0 ]; then
		verified=false
		msg="$label exited with status $rc"
		echo "$msg" >>"$FAILURES"
		printf '\n!!! %s; the end of its output:\n' "$msg" >&2
		tail -n 5 "$WORK/$backend-$tool-up-$n.log" | sed 's/^/!!!   /' >&2
	fi
	if ! msg=$("$PY" "$CHECK" "$db" "$n" --history "$(history_of "$tool")" \
		"${where[@]}" --label "$label"); then
		verified=false
		echo "$msg" >>"$FAILURES"
		printf '\n!!! INCOMPLETE: %s\n' "$msg" >&2
	fi
	[ -n "$line" ] || line='{"rc": 1, "wall_ms": 0, "user_ms": 0, "sys_ms": 0, "cpu_ms": 0, "rss_kib": null, "ru_maxrss_kib": 0, "backend": "'$backend'", "tool": "'$tool'", "op": "up", "n": '$n', "rep": '$rep'}'
	printf '%s\n' "${line%\}}, \"verified\": $verified}" >>"$RESULTS"
	# Keep the newest complete database: `status` is measured on it.
	local key=$backend/$tool/$n
	if [ "$verified" = true ]; then
		if [ "$backend" = sqlite ]; then
			mv -f "$db" "$WORK/$backend/n$n/$tool.db"
			KEPT[$key]=$WORK/$backend/n$n/$tool.db
		else
			[ -z "${KEPT[$key]:-}" ] || drop_db "$backend" "${KEPT[$key]}"
			KEPT[$key]=$db
		fi
	else
		drop_db "$backend" "$db"
	fi
}

say "work dir: $WORK ($(stat -f -c %T "$WORK"))"
# Run every tool from the work dir: dbmate, for one, reads ./.env.
cd "$WORK"
for backend in $BACKENDS; do
	for n in $NS; do
		mkdir -p "$WORK/$backend/n$n"
		"$PY" "$BENCH_DIR/gen.py" "$n" "$WORK/$backend/n$n/migrations" \
			--dialect "$backend" --floor "$WORK/$backend/n$n/floor.sql"
	done
done

say "baseline: the measuring wrapper on /bin/true"
"$PY" "$MEASURE" --repeat 20 --warmup 3 --tag backend=all --tag tool=true \
	--tag op=baseline --tag n=0 -- true >>"$RESULTS"

for backend in $BACKENDS; do
	read -r -a tools <<<"$(tools_for "$backend")"
	repeat=$(repeat_for "$backend")
	# One unmeasured run of each tool, so that no tool pays for a cold page
	# cache (binary, libraries, the server's catalogs) in the measured runs.
	first_n=${NS%% *}
	for tool in "${tools[@]}"; do
		db=$(db_for "$backend" "$tool" "$first_n" warmup)
		fresh_db "$backend" "$db"
		run_tool "$backend" "$tool" up "$first_n" "$db" \
			"$WORK/$backend/n$first_n/migrations" 1 0 >/dev/null || true
		drop_db "$backend" "$db"
	done
	for n in $NS; do
		for rep in $(seq 1 "$repeat"); do
			say "$backend: up, N=$n, run $rep/$repeat"
			# Interleave the tools and rotate their order, so that a slow
			# moment of the machine does not land on one tool only.
			for ((i = 0; i < ${#tools[@]}; i++)); do
				up_once "$backend" "${tools[(i + rep - 1) % ${#tools[@]}]}" "$n" "$rep"
			done
		done
		for tool in strata floor dbmate; do
			case " ${tools[*]} " in *" $tool "*) ;; *) continue ;; esac
			db=${KEPT[$backend/$tool/$n]:-}
			if [ -z "$db" ]; then
				say "$backend: status, $tool, N=$n: skipped, no run of $tool up was complete"
				continue
			fi
			say "$backend: status, $tool, N=$n, $STATUS_REPEAT runs"
			if ! run_tool "$backend" "$tool" status "$n" "$db" \
				"$WORK/$backend/n$n/migrations" "$STATUS_REPEAT" 2 >>"$RESULTS"; then
				msg="$backend: $tool status N=$n exited non-zero"
				echo "$msg" >>"$FAILURES"
				printf '\n!!! %s\n' "$msg" >&2
				tail -n 5 "$WORK/$backend-$tool-status-$n.log" | sed 's/^/!!!   /' >&2
			fi
		done
		for tool in "${tools[@]}"; do
			if [ "$backend" != sqlite ]; then
				drop_db "$backend" "${KEPT[$backend/$tool/$n]:-}"
			fi
		done
	done
done

# ------------------------------------------------------------------ instructions
# INSTRUCTIONS=1: user-space instruction counts under valgrind (callgrind),
# strata against the floor. Free of the disk's and the machine's noise, so
# it shows strata's own overhead even where wall times scatter. Slow: about
# a minute per tool for N=1000. dbmate (Go) is left out: valgrind and the Go
# runtime do not mix well.
count_instructions() {
	local tool=$1 op=$2 n=$3 db=$4 stdin=/dev/null out
	local dir=$WORK/sqlite/n$n/migrations
	local -a cmd
	case "$tool:$op" in
	strata:up) cmd=("$STRATA" --url "sqlite:$db" --dir "$dir" up) ;;
	strata:status) cmd=("$STRATA" --url "sqlite:$db" --dir "$dir" status) ;;
	floor:up) cmd=(sqlite3 "$db"); stdin=$WORK/sqlite/n$n/floor.sql ;;
	floor:status) cmd=(sqlite3 "$db" "SELECT version, name, state, applied_at FROM strata_migrations ORDER BY version") ;;
	esac
	out=$WORK/callgrind-$tool-$op-$n.txt
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" \
		<"$stdin" >/dev/null 2>"$out" || { say "valgrind $tool $op N=$n failed"; return 0; }
	sed -n 's/.*Collected : \([0-9]*\).*/{"tool": "'"$tool"'", "op": "'"$op"'", "n": '"$n"', "instructions": \1}/p' \
		"$out" >>"$WORK/instructions.jsonl"
}
if [ "$INSTRUCTIONS" = 1 ] && ! has_backend sqlite; then
	note "INSTRUCTIONS=1 counts SQLite runs only, and BACKENDS leaves sqlite out"
elif [ "$INSTRUCTIONS" = 1 ]; then
	if command -v valgrind >/dev/null; then
		for n in $NS; do
			for tool in strata floor; do
				say "instructions: $tool up, N=$n (valgrind)"
				db=$WORK/sqlite/n$n/instr-$tool.db
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
REPEATS=
for b in $BACKENDS; do REPEATS="$REPEATS $b=$(repeat_for "$b")"; done
export STAMP STRATA STRATA_VERSION DBMATE DBMATE_VERSION_SEEN DBMATE_MISSING \
	NS REPEATS STATUS_REPEAT STRICT WORK FAILURES NOTES REPO BACKENDS \
	PG_VERSION PG_ORIGIN MY_VERSION MY_ORIGIN MYSQL_CLIENT
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
    "backends": ", ".join(e["BACKENDS"].split()),
    "sqlite3": ("sqlite3 CLI %s" % sh("sqlite3", "--version").split(" ")[0]
                if "sqlite" in e["BACKENDS"].split() else ""),
    "postgres": ("PostgreSQL %s, %s; floor client %s" % (
        e["PG_VERSION"], e["PG_ORIGIN"], sh("psql", "--version"))
        if e.get("PG_VERSION") else ""),
    "mysql": ("%s, %s; floor client %s" % (
        e["MY_VERSION"], e["MY_ORIGIN"],
        sh(e["MYSQL_CLIENT"], "--version") if e.get("MYSQL_CLIENT") else "")
        if e.get("MY_VERSION") else ""),
    "dbmate": ("%s, `%s`" % (e["DBMATE_VERSION_SEEN"], e["DBMATE"])
               if e.get("DBMATE") else e.get("DBMATE_MISSING")),
    "dbmate_missing": e.get("DBMATE_MISSING", ""),
    "machine": "%s %s, %d CPUs" % (platform.system(), platform.release(),
                                   os.cpu_count() or 0),
    "cpu": cpu,
    "filesystem": "SQLite databases and throwaway servers' data in %s (%s; "
                  "SQLite: default journal mode and synchronous=FULL for "
                  "all tools)" % (
                      os.path.dirname(e["WORK"]),
                      sh("stat", "-f", "-c", "%T", e["WORK"])),
    "load": load(),
    "settings": "N = %s; `up`: %s runs per tool and N, each on a fresh "
                "database (file, or DROP/CREATE DATABASE), tools "
                "interleaved; `status`: %s runs (+2 warm-up)" % (
                    ", ".join(e["NS"].split()),
                    ", ".join(e["REPEATS"].split()), e["STATUS_REPEAT"]),
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
