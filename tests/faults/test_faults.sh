#!/usr/bin/env bash
# tests/faults/test_faults.sh BACKEND - strata when its server connection
# dies under it: the session killed mid-migration (PostgreSQL
# pg_terminate_backend, MySQL KILL / KILL QUERY) and the lock session
# killed. BACKEND is postgres or mysql. (The server restarted mid-run is
# tests/faults/test_restart.sh.)
#
# What every case asserts: the run that lost its connection exits 12 with
# one line on stderr ("strata: ..." saying the connection was lost); the
# history stays consistent (a transactional migration leaves no row and no
# effects; a statement-by-statement one leaves its row running/failed at
# the statement in flight, with exactly the effects of the statements
# before it); the next `strata up` completes - by itself when the
# statement in flight shared a transaction with its progress update, else
# after exit 7 naming `strata repair --resume [--skip-in-flight] VERSION`,
# which the test then runs. Effects are counted (tables without a unique
# key), so a statement applied twice shows.
#
# How the faults are placed without fixed sleeps: the migrations sleep
# (pg_sleep / SLEEP) for a time read from table fx_ctl, the test polls the
# server's session list until strata's session is in that sleep, kills it,
# then sets the time to 0 so the next run goes through. "Between
# statements" is the progress update after a statement: a trigger on the
# history table sleeps there for the (version, statements_done) listed in
# fx_pause.
#
# Environment: STRATA (the binary), STRATA_TEST_POSTGRES_URL /
# STRATA_TEST_MYSQL_URL (a server where the user may create databases; the
# test works in a database of its own, f<pid>_faults, dropped at the end).
# Needs psql / the mariadb client.
# Output is TAP; the exit status is non-zero on any failure.
set -u

BACKEND=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

case $BACKEND in
postgres) SHARED_URL=${STRATA_TEST_POSTGRES_URL:-} ;;
mysql) SHARED_URL=${STRATA_TEST_MYSQL_URL:-} ;;
*) bail "usage: $0 postgres|mysql" ;;
esac

cleanup() {
	db_teardown
	rm -rf "$TMP"
}
trap cleanup EXIT

db_setup "$BACKEND" "$SHARED_URL" faults
MIG=$TMP/mig

# ============================================================ shared server

setup_ctl || bail "cannot create the helper tables"
v=$(V 2)   # every case's migration under test

# ---- 1. transactional migration, the work session killed mid-statement.
# On MySQL a migration of DML only is the transactional one.
case_begin tx_kill
set_secs tx_kill 30
if [ "$BACKEND" = postgres ]; then
	migration "${v}_tx_kill.sql" <<-EOF
	-- migrate:up
	CREATE TABLE tx_kill_t (id int);
	INSERT INTO tx_kill_t VALUES (1);
	$(sleep_sql tx_kill)
	INSERT INTO tx_kill_t VALUES (2);
	-- migrate:down
	DROP TABLE tx_kill_t;
	EOF
	nstmts=4
else
	q "CREATE TABLE tx_kill_t (id int)"
	migration "${v}_tx_kill.sql" <<-EOF
	-- migrate:up
	INSERT INTO tx_kill_t VALUES (1);
	$(sleep_sql tx_kill)
	INSERT INTO tx_kill_t VALUES (2);
	-- migrate:down
	DELETE FROM tx_kill_t;
	EOF
	nstmts=3
fi
run_bg tx_kill up
kill_when tx_kill "$(in_sleep tx_kill)" "tx migration, work session killed"
expect_connlost tx_kill "tx migration, work session killed"
expect_eq "tx migration killed: no history row" "$(hist "$v")" ""
if [ "$BACKEND" = postgres ]; then
	expect_eq "tx migration killed: its table was rolled back" "$(exists tx_kill_t)" no
else
	expect_eq "tx migration killed: its rows were rolled back" "$(rows tx_kill_t)" ""
fi
set_secs tx_kill 0
run tx_kill2 up
expect_rc "tx migration killed: the next up completes" tx_kill2 0
expect_eq "tx migration killed: then applied" "$(hist "$v")" "applied|$nstmts"
expect_eq "tx migration killed: effects exactly once" "$(rows tx_kill_t)" "1,2"

# ---- 2. the query of a transactional migration cancelled (MySQL KILL
# QUERY, PostgreSQL pg_cancel_backend): the statement fails (exit 8, the
# connection lives), nothing lands, the next up works.
case_begin tx_cancel
set_secs tx_cancel 30
q "CREATE TABLE tx_cancel_t (id int)"
migration "${v}_tx_cancel.sql" <<-EOF
-- migrate:up
INSERT INTO tx_cancel_t VALUES (1);
$(sleep_sql tx_cancel)
INSERT INTO tx_cancel_t VALUES (2);
-- migrate:down
DELETE FROM tx_cancel_t;
EOF
run_bg tx_cancel up
if [ "$BACKEND" = postgres ]; then
	if id=$(find_session "$(in_sleep tx_cancel)"); then
		q "SELECT pg_cancel_backend($id)" >/dev/null
		ok "tx migration, query cancelled: found strata's session ($id)"
	else
		not_ok "tx migration, query cancelled: found strata's session"
		kill "$BG" 2>/dev/null
	fi
	wait_bg
else
	kill_when tx_cancel "$(in_sleep tx_cancel)" "tx migration, query cancelled" query
fi
expect_rc "tx migration, query cancelled: exits 8 (statement failed)" tx_cancel 8
expect_eq "tx migration, query cancelled: no history row" "$(hist "$v")" ""
expect_eq "tx migration, query cancelled: nothing landed" "$(rows tx_cancel_t)" ""
set_secs tx_cancel 0
run tx_cancel2 up
expect_rc "tx migration, query cancelled: the next up completes" tx_cancel2 0
expect_eq "tx migration, query cancelled: effects exactly once" "$(rows tx_cancel_t)" "1,2"

# ---- 3. the LOCK session killed during a transactional migration (the
# migration lock is gone). What matters is that no other runner can
# migrate meanwhile: runner B, started right then with --lock-timeout 1,
# must time out (9) while A still works (the drivers hold a second, work
# lock on the session that migrates). A then ends with 0 (it finished
# under its work lock) or 12 (one line); either way the history and the
# effects agree and the next up completes with everything applied once.
case_begin lock_kill
set_secs lock_kill 5
q "CREATE TABLE lock_kill_t (id int)"
migration "${v}_lock_kill.sql" <<-EOF
-- migrate:up
INSERT INTO lock_kill_t VALUES (1);
$(sleep_sql lock_kill)
INSERT INTO lock_kill_t VALUES (2);
-- migrate:down
DELETE FROM lock_kill_t;
EOF
run_bg lock_kill up
A=$BG
lock_id=
if find_session "$(in_sleep lock_kill)" >/dev/null; then
	case $BACKEND in
	# the lock session: it holds an advisory lock and runs nothing but
	# the lock queries (the work session holds an advisory lock too)
	postgres) lock_id=$(q "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
	                       WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'strata'
	                       AND a.datname = current_database() AND a.query LIKE '%pg_try_advisory_lock%'") ;;
	mysql) lock_id=$(q "SELECT IS_USED_LOCK('strata:$DB.$TABLE')") ;;
	esac
fi
if [ -n "$lock_id" ] && [ "$lock_id" != NULL ]; then
	kill_session "$lock_id"
	ok "lock session killed: found it ($lock_id) and killed it"
else
	not_ok "lock session killed: found it" "got '$lock_id'"
fi
run lock_kill_b --lock-timeout 1 up
expect_rc "lock session killed: runner B cannot migrate while A works (exit 9)" lock_kill_b 9
BG=$A
wait_bg
case $RC in
0) ok "lock session killed: A finished under its work lock (exit 0)" ;;
12) expect_connlost lock_kill "lock session killed" ;;
*) not_ok "lock session killed: A exits 0 or 12" "exit $RC: $(head -c 600 "$TMP/lock_kill.err")" ;;
esac
echo "# lock session killed: A exited $RC"
got=$(hist "$v")/$(rows lock_kill_t)
case $got in
"/" | "applied|3/1,2") ok "lock session killed: history and effects agree ($got)" ;;
*) not_ok "lock session killed: history and effects agree" "history/rows: '$got'" ;;
esac
set_secs lock_kill 0
run lock_kill2 up
expect_rc "lock session killed: the next up completes" lock_kill2 0
expect_eq "lock session killed: effects exactly once" "$(rows lock_kill_t)" "1,2"

# ---- 4. statement by statement, killed DURING a statement that shares a
# transaction with its progress update (PostgreSQL: all but CREATE INDEX
# CONCURRENTLY and the like; MySQL: DML): the row stays at the statement
# in flight, and the next up resumes by itself.
case_begin step_kill
set_secs step_kill 30
migration "${v}_step_kill.sql" <<-EOF
-- migrate:up transaction:false
CREATE TABLE step_kill_t (id int);
INSERT INTO step_kill_t VALUES (1);
$(sleep_sql step_kill)
INSERT INTO step_kill_t VALUES (2);
-- migrate:down
DROP TABLE step_kill_t;
EOF
run_bg step_kill up
kill_when step_kill "$(in_sleep step_kill)" "stepwise, killed in a statement"
expect_connlost step_kill "stepwise, killed in a statement"
expect_interrupted_row "$v" 2 "stepwise, killed in a statement"
expect_eq "stepwise, killed in a statement: effects of statements 1-2 only" "$(rows step_kill_t)" "1"
set_secs step_kill 0
run step_kill2 up
expect_rc "stepwise, killed in a statement: the next up resumes and completes" step_kill2 0
expect_eq "stepwise, killed in a statement: then applied" "$(hist "$v")" "applied|4"
expect_eq "stepwise, killed in a statement: effects exactly once" "$(rows step_kill_t)" "1,2"

# ---- 5. statement by statement, killed BETWEEN statements: in the
# progress update after statement 2 (DML, in one transaction with it).
case_begin step_between
setup_pause || bail "cannot create the pause trigger"
migration "${v}_step_between.sql" <<-EOF
-- migrate:up transaction:false
CREATE TABLE step_between_t (id int);
INSERT INTO step_between_t VALUES (1);
INSERT INTO step_between_t VALUES (2);
-- migrate:down
DROP TABLE step_between_t;
EOF
pause "$v" 2 30
run_bg step_between up
kill_when step_between "$(in_pause)" "stepwise, killed between statements 2 and 3"
expect_connlost step_between "stepwise, killed between statements 2 and 3"
expect_interrupted_row "$v" 1 "stepwise, killed between statements 2 and 3"
expect_eq "stepwise, killed between statements: statement 2 undone with its progress" "$(rows step_between_t)" ""
pause "$v" 2 0
run step_between2 up
expect_rc "stepwise, killed between statements: the next up resumes and completes" step_between2 0
expect_eq "stepwise, killed between statements: then applied" "$(hist "$v")" "applied|3"
expect_eq "stepwise, killed between statements: effects exactly once" "$(rows step_between_t)" "1,2"

# ---- 6. a statement that commits on its own killed while in flight,
# before it took effect: the next up exits 7, repair --resume runs it
# again. PostgreSQL: CREATE INDEX CONCURRENTLY waiting for an old snapshot
# (a session of ours sleeping); killed there it leaves an INVALID index,
# which the user drops before resuming. MySQL: CREATE TABLE ... AS SELECT
# SLEEP(...), which MariaDB undoes when killed.
case_begin in_doubt
if [ "$BACKEND" = postgres ]; then
	migration "${v}_in_doubt.sql" <<-EOF
	-- migrate:up transaction:false
	CREATE TABLE in_doubt_t (id int);
	INSERT INTO in_doubt_t VALUES (1);
	CREATE INDEX CONCURRENTLY in_doubt_i ON in_doubt_t (id);
	INSERT INTO in_doubt_t VALUES (2);
	-- migrate:down
	DROP TABLE in_doubt_t;
	EOF
	case $URL in *\?*) holder_url="$URL&application_name=fxholder" ;; *) holder_url="$URL?application_name=fxholder" ;; esac
	psql -X -q -tA "$holder_url" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
	holder=$!
	holder_up() { [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fxholder' AND wait_event = 'PgSleep'")" = 1 ]; }
	check "in doubt: the snapshot holder runs" wait_for 20 holder_up
	run_bg in_doubt up
	kill_when in_doubt "state = 'active' AND query LIKE '%CONCURRENTLY%' AND wait_event_type = 'Lock'" \
		"in doubt (CREATE INDEX CONCURRENTLY), killed in flight"
	q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fxholder'" >/dev/null
	wait "$holder" 2>/dev/null
	expect_eq "in doubt, killed in flight: the index is left invalid" \
		"$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'in_doubt_i'::regclass" 2>&1)" f
else
	set_secs in_doubt 30
	migration "${v}_in_doubt.sql" <<-EOF
	-- migrate:up
	CREATE TABLE in_doubt_t (id int);
	INSERT INTO in_doubt_t VALUES (1);
	CREATE TABLE in_doubt_s AS SELECT SLEEP((SELECT secs FROM fx_ctl WHERE k = 'in_doubt')) AS s;
	INSERT INTO in_doubt_t VALUES (2);
	-- migrate:down
	DROP TABLE in_doubt_s;
	DROP TABLE in_doubt_t;
	EOF
	run_bg in_doubt up
	kill_when in_doubt "$(in_sleep in_doubt)" "in doubt (CREATE TABLE AS SELECT), killed in flight"
	expect_eq "in doubt, killed in flight: the table was not created" "$(exists in_doubt_s)" no
	set_secs in_doubt 0
fi
expect_connlost in_doubt "in doubt, killed in flight"
expect_interrupted_row "$v" 2 "in doubt, killed in flight"
run in_doubt2 up
expect_needs_repair in_doubt2 "$v" "in doubt, killed in flight"
expect_interrupted_row "$v" 2 "in doubt, after up refused"
expect_eq "in doubt, after up refused: effects unchanged" "$(rows in_doubt_t)" "1"
[ "$BACKEND" = postgres ] && q "DROP INDEX IF EXISTS in_doubt_i" >/dev/null
run in_doubt3 repair --resume "$v"
expect_rc "in doubt, killed in flight: repair --resume $v completes" in_doubt3 0
expect_eq "in doubt, killed in flight: then applied" "$(hist "$v")" "applied|4"
expect_eq "in doubt, killed in flight: effects exactly once" "$(rows in_doubt_t)" "1,2"
if [ "$BACKEND" = postgres ]; then
	expect_eq "in doubt, killed in flight: the index is valid" \
		"$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'in_doubt_i'::regclass" 2>&1)" t
else
	expect_eq "in doubt, killed in flight: the table exists" "$(exists in_doubt_s)" yes
fi
run in_doubt4 up
expect_rc "in doubt, killed in flight: up afterwards has nothing to do" in_doubt4 0

# ---- 7. a statement that commits on its own took effect, and its
# progress update was killed (the trigger pauses it there): the next up
# exits 7, repair --resume --skip-in-flight goes on after it.
case_begin skip
setup_pause || bail "cannot create the pause trigger"
if [ "$BACKEND" = postgres ]; then
	selfcommit="CREATE INDEX CONCURRENTLY skip_i ON skip_t (id);"
else
	selfcommit="ALTER TABLE skip_t ADD COLUMN c int;"
fi
migration "${v}_skip.sql" <<-EOF
-- migrate:up transaction:false
CREATE TABLE skip_t (id int);
$selfcommit
INSERT INTO skip_t (id) VALUES (1);
-- migrate:down
DROP TABLE skip_t;
EOF
pause "$v" 2 30
run_bg skip up
kill_when skip "$(in_pause)" "took effect, progress lost"
expect_connlost skip "took effect, progress lost"
expect_interrupted_row "$v" 1 "took effect, progress lost"
pause "$v" 2 0
run skip2 up
expect_needs_repair skip2 "$v" "took effect, progress lost"
run skip3 repair --resume --skip-in-flight "$v"
expect_rc "took effect, progress lost: repair --resume --skip-in-flight $v completes" skip3 0
expect_eq "took effect, progress lost: then applied" "$(hist "$v")" "applied|3"
expect_eq "took effect, progress lost: effects exactly once" "$(rows skip_t)" "1"
run skip4 up
expect_rc "took effect, progress lost: up afterwards has nothing to do" skip4 0

db_teardown

echo "1..$N"
[ "$FAILED" -eq 0 ]
