#!/usr/bin/env bash
# tests/faults/test_restart.sh [BACKEND...] - strata when its server is
# restarted mid-run (a fast shutdown terminates every session, as a crash
# or failover would), on PostgreSQL and MySQL/MariaDB: by default every
# one of the two that this strata has built in.
#
# It starts a server pair of its own with scripts/servers.sh start (the
# shared servers of the other tests are never restarted), restarts one
# server with scripts/servers.sh restart while strata sleeps inside a
# migration, and stops the pair at the end. Per backend:
#   - a transactional migration: exit 12, one line "strata: ..." saying
#     the connection was lost, no history row, no effects; the next up
#     completes and the effects are there once;
#   - a statement-by-statement one, restarted in a statement that shares a
#     transaction with its progress update: exit 12, the row running or
#     failed at that statement with the effects of the ones before; the
#     next up resumes by itself and the effects are there once;
#   - restarted in the statement right after a DDL one (statement by
#     statement; on MySQL also a transactional migration whose DDL
#     commits implicitly): the row records the DDL as done and the next
#     up resumes by itself.
# It counts the resumes that stopped with the in-doubt question (exit 7):
# with no DDL in flight at any restart, there must be none.
# The fault placement and helpers are those of test_faults.sh (lib.sh).
#
# Environment: STRATA (the binary), top_srcdir (for scripts/servers.sh).
# Needs the PostgreSQL and MariaDB servers and clients (scripts/deps.sh
# --test). About 20-30 s, most of it creating the two servers.
# Output is TAP; the exit status is non-zero on any failure.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$HERE/../.." && pwd)}
# shellcheck source=lib.sh
. "$HERE/lib.sh"

BACKENDS=$*
if [ -z "$BACKENDS" ]; then
	for b in postgres mysql; do
		"$STRATA" version 2>/dev/null | grep -qE "^ *$b +built in" && BACKENDS="$BACKENDS $b"
	done
fi
[ -n "$BACKENDS" ] || bail "this strata has neither the postgres nor the mysql driver"

OWN_DIR=
BACKEND=
cleanup() {
	[ -n "$BACKEND" ] && db_teardown
	[ -n "$OWN_DIR" ] && bash "$top_srcdir/scripts/servers.sh" stop "$OWN_DIR" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

servers_out=$(bash "$top_srcdir/scripts/servers.sh" start --no-fsync 2>"$TMP/servers.log") ||
	bail "could not start a server pair of our own: $(tail -3 "$TMP/servers.log" | tr '\n' ' ')"
OWN_DIR=$(sed -n 's/^export STRATA_SERVERS_DIR=//p' <<<"$servers_out")
ok "own servers started"

session_up() { find_session "$1" >/dev/null; }

# restart_when CONDITION WHAT: once strata's session matches CONDITION,
# restarts the server under it; then waits for strata.
restart_when() {
	if session_up "$1"; then
		ok "$BACKEND: $2 is running"
		if bash "$top_srcdir/scripts/servers.sh" restart "$OWN_DIR" "$BACKEND" 2>"$TMP/restart.log"; then
			ok "$BACKEND: server restarted during the $2"
		else
			not_ok "$BACKEND: server restarted during the $2" "$(tail -5 "$TMP/restart.log")"
		fi
	else
		not_ok "$BACKEND: $2 is running" "no session matching: $1"
		kill "$BG" 2>/dev/null
	fi
	wait_bg
}

# resumed WHAT NAME: the plain `up` NAME resumed by itself (exit 0); one
# that stopped with the in-doubt question (exit 7) is counted.
RESUMES=0 QUESTIONS=0
resumed() {
	RESUMES=$((RESUMES + 1))
	[ "$RC" = 7 ] && QUESTIONS=$((QUESTIONS + 1))
	expect_rc "$1: the next up resumes by itself" "$2" 0
}

v=$(V 2)   # every case's migration under test
for BACKEND in $BACKENDS; do
	case $BACKEND in
	postgres) own_url=$(sed -n 's/^export STRATA_TEST_POSTGRES_URL=//p' <<<"$servers_out") ;;
	mysql) own_url=$(sed -n 's/^export STRATA_TEST_MYSQL_URL=//p' <<<"$servers_out") ;;
	*) bail "unknown backend $BACKEND" ;;
	esac
	db_setup "$BACKEND" "$own_url" restart
	setup_ctl || bail "cannot create the helper tables on $BACKEND"

	# ---- 8. transactional migration, server restarted during it.
	case_begin "${BACKEND}_rtx"
	q "CREATE TABLE base_t (id int)"
	set_secs r2 30
	migration "${v}_tx_restart.sql" <<-EOF
	-- migrate:up
	INSERT INTO base_t VALUES (1);
	$(sleep_sql r2)
	INSERT INTO base_t VALUES (2);
	-- migrate:down
	DELETE FROM base_t;
	EOF
	run_bg r2 up
	restart_when "$(in_sleep r2)" "tx migration"
	expect_connlost r2 "$BACKEND: restart during a tx migration"
	expect_eq "$BACKEND: restart during a tx migration: no history row" "$(hist "$v")" ""
	expect_eq "$BACKEND: restart during a tx migration: nothing landed" "$(rows base_t)" ""
	set_secs r2 0
	run r2b up
	expect_rc "$BACKEND: restart during a tx migration: the next up completes" r2b 0
	expect_eq "$BACKEND: restart during a tx migration: effects exactly once" "$(rows base_t)" "1,2"

	# ---- 9. statement by statement, server restarted in a statement.
	case_begin "${BACKEND}_rstep"
	set_secs r3 30
	migration "${v}_step_restart.sql" <<-EOF
	-- migrate:up transaction:false
	CREATE TABLE r3_t (id int);
	INSERT INTO r3_t VALUES (1);
	$(sleep_sql r3)
	INSERT INTO r3_t VALUES (2);
	-- migrate:down
	DROP TABLE r3_t;
	EOF
	run_bg r3 up
	restart_when "$(in_sleep r3)" "stepwise migration"
	expect_connlost r3 "$BACKEND: restart during a stepwise migration"
	expect_interrupted_row "$v" 2 "$BACKEND: restart during a stepwise migration"
	expect_eq "$BACKEND: restart during a stepwise migration: effects of statements 1-2 only" "$(rows r3_t)" "1"
	set_secs r3 0
	run r3b up
	resumed "$BACKEND: restart during a stepwise migration" r3b
	expect_eq "$BACKEND: restart during a stepwise migration: then applied" "$(hist "$v")" "applied|4"
	expect_eq "$BACKEND: restart during a stepwise migration: effects exactly once" "$(rows r3_t)" "1,2"

	# ---- 10. the statement right after a DDL one, restarted (the DDL's
	# progress is written with it, not deferred to a later commit).
	case_begin "${BACKEND}_rddl"
	set_secs r4 30
	migration "${v}_ddl_restart.sql" <<-EOF
	-- migrate:up transaction:false
	CREATE TABLE r4_t (id int);
	$(sleep_sql r4)
	INSERT INTO r4_t VALUES (1);
	-- migrate:down
	DROP TABLE r4_t;
	EOF
	run_bg r4 up
	restart_when "$(in_sleep r4)" "statement after a DDL"
	expect_connlost r4 "$BACKEND: restart after a DDL statement"
	expect_interrupted_row "$v" 1 "$BACKEND: restart after a DDL statement"
	set_secs r4 0
	run r4b up
	resumed "$BACKEND: restart after a DDL statement" r4b
	expect_eq "$BACKEND: restart after a DDL statement: then applied" "$(hist "$v")" "applied|3"
	expect_eq "$BACKEND: restart after a DDL statement: effects exactly once" "$(rows r4_t)" "1"

	# ---- 11. MySQL: a transactional migration whose DDL commits
	# implicitly; strata takes over and records it, so a restart in the
	# next statement resumes without a question.
	if [ "$BACKEND" = mysql ]; then
		case_begin "${BACKEND}_rimpl"
		set_secs r5 30
		migration "${v}_implicit_restart.sql" <<-EOF
		-- migrate:up
		INSERT INTO fx_ctl VALUES ('r5_before', 0);
		CREATE TABLE r5_t (id int);
		$(sleep_sql r5)
		INSERT INTO r5_t VALUES (1);
		-- migrate:down
		DROP TABLE r5_t;
		EOF
		run_bg r5 up
		restart_when "$(in_sleep r5)" "statement after an implicit commit"
		expect_connlost r5 "$BACKEND: restart after an implicit commit"
		expect_interrupted_row "$v" 2 "$BACKEND: restart after an implicit commit"
		expect_eq "$BACKEND: restart after an implicit commit: the DML before the DDL landed" \
			"$(q "SELECT COUNT(*) FROM fx_ctl WHERE k = 'r5_before'")" 1
		set_secs r5 0
		run r5b up
		resumed "$BACKEND: restart after an implicit commit" r5b
		expect_eq "$BACKEND: restart after an implicit commit: then applied" "$(hist "$v")" "applied|4"
		expect_eq "$BACKEND: restart after an implicit commit: effects exactly once" "$(rows r5_t)" "1"
	fi

	db_teardown
done
BACKEND=
echo "# resumes after a restart: $RESUMES, of which needed a question: $QUESTIONS"
expect_eq "no resume needed a question (no DDL was in flight)" "$QUESTIONS" 0

echo "1..$N"
[ "$FAILED" -eq 0 ]
