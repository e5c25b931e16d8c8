# tests/faults/lib.sh - helpers shared by test_faults.sh and
# test_concurrency.sh (sourced, not run). Sets up a database of the test's
# own on the backend under test, runs strata, inspects the database and
# prints TAP.
#
# Provides: ok, not_ok, check, expect_eq, bail; db_setup BACKEND SERVER_URL
# (sets URL, DB, BACKEND and defines q: SQL in, rows out with '|' between
# columns); db_teardown; run NAME ARGS (strata with a watchdog; stdout,
# stderr in $TMP/NAME.out / .err; exit status in RC); session helpers
# (find_session, kill_session); wait_for (poll a command with a deadline).

STRATA=${STRATA:-${top_builddir:-.}/strata}
N=0
FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-faults-XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
# Every strata run gets this long before the watchdog kills it: a run that
# hangs after its connection died is a failure, not a stuck test.
WATCHDOG=${STRATA_FAULTS_WATCHDOG:-45}

bail() {
	echo "Bail out! $*"
	exit 1
}

ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}

not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
	shift
	local line
	for line in "$@"; do
		printf '#   %s\n' "$line"
	done
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "failed: $*"; fi
}

# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}

# expect_rc DESCRIPTION NAME WANT: the exit status of the last run NAME.
expect_rc() {
	if [ "$RC" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "exit status $RC, expected $3" \
			"stderr: $(head -c 1500 "$TMP/$2.err" | tr '\n' '~')"
	fi
}

# The history table the runs use.
TABLE=strata_migrations

# run NAME ARGS...: runs strata on $URL / $MIG / $TABLE with ARGS.
run() {
	local name=$1
	shift
	timeout -k 5 "$WATCHDOG" "$STRATA" -u "$URL" -d "$MIG" --table "$TABLE" --no-color "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
}

# run_bg NAME ARGS...: run in the background; the pid in BG.
run_bg() {
	local name=$1
	shift
	timeout -k 5 "$WATCHDOG" "$STRATA" -u "$URL" -d "$MIG" --table "$TABLE" --no-color "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	BG=$!
}

# wait_bg NAME: waits for the run started by run_bg; RC as for run.
wait_bg() {
	wait "$BG"
	RC=$?
}

# wait_for SECONDS COMMAND...: polls COMMAND (every 50 ms) until it
# succeeds; fails when SECONDS pass first.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
	return 0
}

# migration FILE: writes stdin to $MIG/FILE.
migration() {
	mkdir -p "$MIG"
	cat >"$MIG/$1"
}

# ------------------------------------------------------------ databases

# db_setup BACKEND SERVER_URL TAG: a database of our own named
# f<pid>_TAG (dropped by db_teardown); SQLite: a file in $TMP.
db_setup() {
	BACKEND=$1
	SERVER_URL=$2
	DB="f$$_$3"
	case $BACKEND in
	postgres)
		command -v psql >/dev/null || bail "psql not found (install postgresql-client)"
		[ -n "$SERVER_URL" ] || bail "STRATA_TEST_POSTGRES_URL is not set: this test needs a PostgreSQL server (eval \"\$(scripts/servers.sh start)\")"
		psql -X -q -tA "$SERVER_URL" -c 'select 1' >/dev/null 2>"$TMP/reach.err" ||
			bail "cannot reach the PostgreSQL server: $(head -1 "$TMP/reach.err")"
		psql -X -q "$SERVER_URL" -c "create database \"$DB\"" >/dev/null 2>"$TMP/create.err" ||
			bail "cannot create database $DB: $(head -1 "$TMP/create.err")"
		URL=$(sed -E "s#^([A-Za-z0-9+.-]+://[^/?]*)(/[^?]*)?#\\1/$DB#" <<<"$SERVER_URL")
		;;
	mysql)
		MY_CLIENT=$(command -v mariadb || command -v mysql) ||
			bail "neither the mariadb nor the mysql client is installed"
		[ -n "$SERVER_URL" ] || bail "STRATA_TEST_MYSQL_URL is not set: this test needs a MariaDB/MySQL server (eval \"\$(scripts/servers.sh start)\")"
		local re='^(mysql|mariadb)://(([^:@/]*)(:([^@/]*))?@)?([^:/?]*)(:([0-9]+))?/([^?]+)'
		[[ $SERVER_URL =~ $re ]] || bail "cannot parse the MySQL URL"
		MY_USER=${BASH_REMATCH[3]}
		MY_PASS=${BASH_REMATCH[5]}
		MY_HOST=${BASH_REMATCH[6]:-127.0.0.1}
		MY_PORT=${BASH_REMATCH[8]:-3306}
		local server_db=${BASH_REMATCH[9]}
		local base=${SERVER_URL%%/"$server_db"*}
		my_in "$server_db" "SELECT 1" >/dev/null 2>"$TMP/reach.err" ||
			bail "cannot reach the MySQL server: $(head -1 "$TMP/reach.err")"
		my_in "$server_db" "CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4" >/dev/null 2>"$TMP/create.err" ||
			bail "cannot create database $DB: $(head -1 "$TMP/create.err")"
		URL="$base/$DB${SERVER_URL#"$base/$server_db"}"
		;;
	sqlite)
		command -v sqlite3 >/dev/null || bail "sqlite3 not found (install sqlite3)"
		URL="sqlite:$TMP/$DB.db"
		;;
	*) bail "unknown backend '$BACKEND' (postgres, mysql or sqlite)" ;;
	esac
	[ -x "$STRATA" ] || bail "STRATA=$STRATA is not an executable"
	"$STRATA" version 2>/dev/null | grep -qE "^ *$BACKEND +built in" ||
		bail "this strata has no $BACKEND driver"
}

# my_in DATABASE SQL: runs SQL through the mysql client, tab-separated.
my_in() {
	local db=$1
	shift
	MYSQL_PWD=$MY_PASS "$MY_CLIENT" --no-defaults --protocol=TCP -h "$MY_HOST" -P "$MY_PORT" \
		${MY_USER:+-u "$MY_USER"} -N -B "$db" -e "$*"
}

# q SQL: runs SQL in our database; rows on lines, columns joined by '|'.
q() {
	case $BACKEND in
	postgres) psql -X -q -tA -v ON_ERROR_STOP=1 "$URL" -c "$1" ;;
	mysql) my_in "$DB" "$1" | tr '\t' '|' ;;
	sqlite) sqlite3 -bail "${URL#sqlite:}" "$1" ;;
	esac
}

db_teardown() {
	case $BACKEND in
	postgres)
		psql -X -q "$SERVER_URL" -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 ;;
	mysql)
		my_in "$DB" "DROP DATABASE IF EXISTS \`$DB\`" >/dev/null 2>&1 ;;
	esac
}

# hist VERSION: "state|statements_done" of VERSION's row in $TABLE, or
# nothing.
hist() {
	q "SELECT state, statements_done FROM $TABLE WHERE version = '$1'"
}

# ------------------------------------------------------------ sessions

# find_session CONDITION: polls (up to 20 s) for exactly one session of
# strata in our database matching the SQL CONDITION; prints its id
# (PostgreSQL backend pid, MySQL connection id). Fails after the deadline.
find_session() {
	local cond=$1 end=$((SECONDS + 20)) ids
	while :; do
		case $BACKEND in
		postgres)
			ids=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'strata'
			         AND datname = current_database() AND pid <> pg_backend_pid() AND ($cond)") ;;
		mysql)
			ids=$(q "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()
			         AND DB = '$DB' AND ($cond)") ;;
		esac
		if [ -n "$ids" ] && [ "$(wc -l <<<"$ids")" = 1 ]; then
			echo "$ids"
			return 0
		fi
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# kill_session ID [query]: terminates a server session (PostgreSQL
# pg_terminate_backend; MySQL KILL, or KILL QUERY with "query").
kill_session() {
	case $BACKEND in
	postgres) q "SELECT pg_terminate_backend($1)" >/dev/null ;;
	mysql)
		if [ "${2:-}" = query ]; then q "KILL QUERY $1"; else q "KILL $1"; fi ;;
	esac
}

# no_strata_sessions: true when no session of strata is left in our
# database (a killed client's server session may outlive it).
no_strata_sessions() {
	local n
	case $BACKEND in
	postgres)
		n=$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'strata'
		       AND datname = current_database() AND pid <> pg_backend_pid()") ;;
	mysql)
		n=$(q "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()
		       AND DB = '$DB'") ;;
	*) n=0 ;;
	esac
	[ "$n" = 0 ]
}

# ------------------------------------------------------------ fault cases
# (test_faults.sh and test_restart.sh)

# V N: the version of migration N.
V() { printf '202401010000%02d' "$1"; }

# ------------------------------------------------------------ per backend

# case_begin NAME: a case of its own: migrations in $TMP/NAME, history
# table h_NAME (so a case that goes wrong does not block the next), made
# by a first migration that does nothing.
case_begin() {
	MIG=$TMP/$1
	TABLE=h_$1
	migration "$(V 1)_base.sql" <<-'EOF2'
	-- migrate:up
	SELECT 1;
	EOF2
	run base up
	[ "$RC" = 0 ] || not_ok "$1: the first migration applies" "exit $RC: $(head -c 600 "$TMP/base.err")"
}

# sleep_sql KEY: a statement sleeping fx_ctl's seconds for KEY.
sleep_sql() {
	case $BACKEND in
	postgres) echo "SELECT pg_sleep((SELECT secs FROM fx_ctl WHERE k = '$1'));" ;;
	mysql) echo "SELECT SLEEP((SELECT secs FROM fx_ctl WHERE k = '$1'));" ;;
	esac
}

# in_sleep KEY: the session condition "running sleep_sql KEY".
in_sleep() {
	case $BACKEND in
	postgres) echo "state = 'active' AND wait_event = 'PgSleep' AND query LIKE '%k = ''$1''%'" ;;
	mysql) echo "STATE = 'User sleep' AND INFO LIKE '%k = ''$1''%'" ;;
	esac
}

# in_pause: the session condition "the history update paused by fx_pause".
in_pause() {
	case $BACKEND in
	postgres) echo "state = 'active' AND wait_event = 'PgSleep' AND query ILIKE '%update%'" ;;
	mysql) echo "STATE = 'User sleep' AND INFO LIKE '%fx_slept%'" ;;
	esac
}

# set_secs KEY SECONDS
set_secs() {
	q "DELETE FROM fx_ctl WHERE k = '$1'" >/dev/null
	q "INSERT INTO fx_ctl VALUES ('$1', $2)" >/dev/null
}

# pause VERSION DONE SECONDS: the progress update of VERSION to DONE
# statements sleeps SECONDS (0: no more).
pause() {
	q "DELETE FROM fx_pause WHERE version = '$1' AND done = $2" >/dev/null
	q "INSERT INTO fx_pause VALUES ('$1', $2, $3)" >/dev/null
}

# rows TABLE: the ids in TABLE, comma-separated, in order.
rows() {
	q "SELECT id FROM $1 ORDER BY id" | paste -sd, -
}

# exists TABLE: yes / no.
exists() {
	local n
	case $BACKEND in
	postgres) n=$(q "SELECT count(*) FROM pg_class WHERE relname = '$1' AND relkind IN ('r', 'i')") ;;
	mysql) n=$(q "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '$1'") ;;
	esac
	if [ "$n" = 1 ]; then echo yes; else echo no; fi
}

# The helper tables (made by the test, not by migrations); setup_pause
# puts the trigger that pauses progress updates on $TABLE.
setup_ctl() {
	case $BACKEND in
	postgres)
		q "CREATE TABLE fx_ctl (k text PRIMARY KEY, secs float8 NOT NULL);
		   CREATE TABLE fx_pause (version text, done int, secs float8);
		   CREATE FUNCTION fx_pause_fn() RETURNS trigger LANGUAGE plpgsql AS \$\$
		   BEGIN
		     PERFORM pg_sleep(coalesce((SELECT secs FROM fx_pause
		       WHERE version = NEW.version AND done = NEW.statements_done), 0));
		     RETURN NEW;
		   END \$\$" ;;
	mysql)
		q "CREATE TABLE fx_ctl (k VARCHAR(32) PRIMARY KEY, secs DOUBLE NOT NULL);
		   CREATE TABLE fx_pause (version VARCHAR(64), done INT, secs DOUBLE)" ;;
	esac
}
setup_pause() {
	case $BACKEND in
	postgres)
		q "CREATE TRIGGER fx_pause_tr BEFORE UPDATE ON $TABLE
		   FOR EACH ROW EXECUTE FUNCTION fx_pause_fn()" ;;
	mysql)
		q "CREATE TRIGGER fx_pause_$TABLE BEFORE UPDATE ON $TABLE FOR EACH ROW
		   SET @fx_slept = SLEEP(coalesce((SELECT secs FROM fx_pause
		     WHERE version = NEW.version AND done = NEW.statements_done), 0))" ;;
	esac
}

# ------------------------------------------------------------ assertions

# expect_connlost NAME WHAT: exit 12 and one line on stderr saying so.
expect_connlost() {
	local name=$1 what=$2 err=$TMP/$1.err
	expect_rc "$what: exits 12 (connection lost)" "$name" 12
	if [ "$(grep -c . "$err")" = 1 ] && grep -q '^strata: ' "$err"; then
		ok "$what: one line on stderr, 'strata: ...'"
	else
		not_ok "$what: one line on stderr, 'strata: ...'" "stderr: $(tr '\n' '~' <"$err" | head -c 1500)"
	fi
	if grep -qiE 'connection.*lost|lost.*connection' "$err"; then
		ok "$what: the message says the connection was lost"
	else
		not_ok "$what: the message says the connection was lost" "stderr: $(head -c 600 "$err")"
	fi
}

# expect_needs_repair NAME VERSION WHAT: exit 7 naming both repairs.
expect_needs_repair() {
	local name=$1 v=$2 what=$3 err=$TMP/$1.err
	expect_rc "$what: up exits 7 (statement in flight in doubt)" "$name" 7
	if grep -qF "strata repair --resume" "$err" && grep -qF -- "--skip-in-flight" "$err" &&
		grep -qF "$v" "$err"; then
		ok "$what: the message names repair --resume [--skip-in-flight] $v"
	else
		not_ok "$what: the message names repair --resume [--skip-in-flight] $v" \
			"stderr: $(tr '\n' '~' <"$err" | head -c 1500)"
	fi
}

# interrupted_row VERSION DONE WHAT: the row is running or failed with
# DONE statements done.
expect_interrupted_row() {
	local got
	got=$(hist "$1")
	case $got in
	"running|$2" | "failed|$2") ok "$3: history row $got" ;;
	*) not_ok "$3: history row running/failed at $2 statements done" "got: '$got'" ;;
	esac
}

# kill_when NAME CONDITION WHAT [query]: waits for strata's session
# matching CONDITION, kills it (or its query), waits for strata.
kill_when() {
	local name=$1 cond=$2 what=$3 id
	if id=$(find_session "$cond"); then
		kill_session "$id" "${4:-}"
		ok "$what: found strata's session ($id) and killed it"
	else
		not_ok "$what: found strata's session" "no session matching: $cond"
		kill "$BG" 2>/dev/null
	fi
	wait_bg
}

