#!/usr/bin/env bash
# tests/faults/test_concurrency.sh BACKEND - many strata runners at once
# on one database: each migration is applied exactly once, and a runner
# killed while it holds the lock does not block the next. BACKEND is
# sqlite, postgres or mysql.
#
# Rounds: before each, new migrations are added (alternately run in a
# transaction and statement by statement, transaction:false; on MySQL the
# statement-by-statement ones contain DDL, which is what makes strata run
# them so there). Every migration inserts one row with its version into
# table ledger, which has no unique key, so a migration applied twice
# shows as two rows. Then RUNNERS strata up start at once; every one must
# exit 0 or 9 (lock timeout), and after the round the ledger holds exactly
# one row per migration so far and the history lists every one applied.
#
# Kill case: runner A applies a migration that takes a while (PostgreSQL
# pg_sleep, MySQL SLEEP, SQLite a slow recursive CTE); once A holds the
# lock (polled on the server: pg_locks, IS_USED_LOCK; SQLite: flock on the
# database file) and is in that statement, A gets SIGKILL. Runner B, with
# --lock-timeout 30, must then succeed, and A's migration must be applied
# exactly once - also after every server session A left behind has ended.
# B's time is printed as a TAP comment.
#
# Environment: STRATA, STRATA_TEST_POSTGRES_URL / STRATA_TEST_MYSQL_URL
# (a database of its own is created and dropped), and for a longer soak
# STRATA_CONCURRENCY_ROUNDS (default 10), STRATA_CONCURRENCY_RUNNERS
# (default 16), STRATA_CONCURRENCY_PER_ROUND (new migrations per round,
# default 2). Output is TAP; the exit status is non-zero on any failure.
set -u

BACKEND=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

ROUNDS=${STRATA_CONCURRENCY_ROUNDS:-10}
RUNNERS=${STRATA_CONCURRENCY_RUNNERS:-16}
PER_ROUND=${STRATA_CONCURRENCY_PER_ROUND:-2}
LOCK_TIMEOUT=${STRATA_CONCURRENCY_LOCK_TIMEOUT:-20}

case $BACKEND in
postgres) SHARED_URL=${STRATA_TEST_POSTGRES_URL:-} ;;
mysql) SHARED_URL=${STRATA_TEST_MYSQL_URL:-} ;;
sqlite) SHARED_URL= ;;
*) bail "usage: $0 sqlite|postgres|mysql" ;;
esac

cleanup() {
	db_teardown
	rm -rf "$TMP"
}
trap cleanup EXIT

db_setup "$BACKEND" "$SHARED_URL" conc
MIG=$TMP/mig
WATCHDOG=$((LOCK_TIMEOUT + 40))

# V N: the version of migration N.
V() { printf '2024010100%04d' "$1"; }

migration "$(V 0)_ledger.sql" <<'EOF'
-- migrate:up
CREATE TABLE ledger (version varchar(64) NOT NULL, note varchar(64));
-- migrate:down
DROP TABLE ledger;
EOF
run ledger up
expect_rc "the ledger migration applies" ledger 0

# add_migration N: migration N; even N transactional, odd N statement by
# statement.
add_migration() {
	local v
	v=$(V "$1")
	if [ $(($1 % 2)) = 0 ]; then
		migration "${v}_tx.sql" <<-EOF
		-- migrate:up
		INSERT INTO ledger VALUES ('$v', 'tx');
		UPDATE ledger SET note = 'tx, updated' WHERE version = '$v';
		-- migrate:down
		DELETE FROM ledger WHERE version = '$v';
		EOF
	else
		migration "${v}_step.sql" <<-EOF
		-- migrate:up transaction:false
		CREATE TABLE step_$v (id int);
		INSERT INTO ledger VALUES ('$v', 'step');
		INSERT INTO step_$v VALUES (1);
		-- migrate:down
		DROP TABLE step_$v;
		DELETE FROM ledger WHERE version = '$v';
		EOF
	fi
}

# check_books WHAT TOTAL: the ledger has one row for each of the TOTAL
# migrations and nothing else; the history has them all applied.
check_books() {
	local dup n h bad
	dup=$(q "SELECT version, count(*) FROM ledger GROUP BY version HAVING count(*) <> 1" | head -5 | paste -sd' ' -)
	n=$(q "SELECT count(DISTINCT version) FROM ledger")
	h=$(q "SELECT count(*) FROM strata_migrations WHERE state = 'applied' AND version LIKE '2024%'")
	bad=$(q "SELECT version, state FROM strata_migrations WHERE state <> 'applied' AND version LIKE '2024%'" | paste -sd' ' -)
	if [ -z "$dup" ] && [ "$n" = "$1" ]; then
		ok "$2: each of the $1 migrations applied exactly once (ledger)"
	else
		not_ok "$2: each of the $1 migrations applied exactly once (ledger)" \
			"versions in the ledger: $n; not once: $dup"
	fi
	if [ "$h" = "$(($1 + 1))" ] && [ -z "$bad" ]; then
		ok "$2: the history lists all $(($1 + 1)) applied"
	else
		not_ok "$2: the history lists all $(($1 + 1)) applied" "applied: $h; others: $bad"
	fi
}

# ------------------------------------------------------------ rounds
total=0
t_start=$SECONDS
codes_seen=
for ((r = 1; r <= ROUNDS; r++)); do
	for ((k = 0; k < PER_ROUND; k++)); do
		total=$((total + 1))
		add_migration "$total"
	done
	pids=()
	for ((i = 0; i < RUNNERS; i++)); do
		timeout -k 5 "$WATCHDOG" "$STRATA" -u "$URL" -d "$MIG" --no-color -q \
			--lock-timeout "$LOCK_TIMEOUT" up >"$TMP/r$i.out" 2>"$TMP/r$i.err" &
		pids+=($!)
	done
	bad=
	for ((i = 0; i < RUNNERS; i++)); do
		wait "${pids[$i]}"
		rc=$?
		codes_seen="$codes_seen $rc"
		case $rc in
		0 | 9) ;;
		*) bad="$bad runner $i: exit $rc: $(head -c 300 "$TMP/r$i.err" | tr '\n' '~');" ;;
		esac
	done
	if [ -z "$bad" ]; then
		ok "round $r: $RUNNERS runners exit 0 or 9"
	else
		not_ok "round $r: $RUNNERS runners exit 0 or 9" "$bad"
	fi
	check_books "$total" "round $r"
done
n0=$(tr ' ' '\n' <<<"$codes_seen" | grep -c '^0$')
n9=$(tr ' ' '\n' <<<"$codes_seen" | grep -c '^9$')
echo "# $ROUNDS rounds x $RUNNERS runners in $((SECONDS - t_start)) s: $n0 exited 0, $n9 exited 9"

# ------------------------------------------------------------ kill -9 holding the lock

# The slow migration reads its length from table fx_ctl (SQLite: so that
# B does not count to 100 million again).
case $BACKEND in
postgres) q "CREATE TABLE fx_ctl (n float8)" && q "INSERT INTO fx_ctl VALUES (3)"
	slow="SELECT pg_sleep((SELECT n FROM fx_ctl));" ;;
mysql) q "CREATE TABLE fx_ctl (n DOUBLE)" && q "INSERT INTO fx_ctl VALUES (3)"
	slow="SELECT SLEEP((SELECT n FROM fx_ctl));" ;;
sqlite) q "CREATE TABLE fx_ctl (n int); INSERT INTO fx_ctl VALUES (100000000)"
	slow="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < (SELECT n FROM fx_ctl)) SELECT count(*) FROM c;" ;;
esac
total=$((total + 1))
vk=$(V "$total")
migration "${vk}_slow.sql" <<-EOF
-- migrate:up
INSERT INTO ledger VALUES ('$vk', 'slow');
$slow
-- migrate:down
DELETE FROM ledger WHERE version = '$vk';
EOF

# a_in_migration: A holds the lock and runs the slow statement.
a_in_migration() {
	case $BACKEND in
	postgres)
		[ "$(q "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		        WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = 'strata'
		        AND a.datname = current_database() AND a.query LIKE '%pg_try_advisory_lock%'")" = 1 ] &&
		[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'strata'
		        AND datname = current_database() AND wait_event = 'PgSleep'")" = 1 ] ;;
	mysql)
		[ "$(q "SELECT IS_USED_LOCK('strata:$DB.strata_migrations') IS NOT NULL")" = 1 ] &&
		[ "$(q "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()
		        AND DB = '$DB' AND STATE = 'User sleep'")" = 1 ] ;;
	sqlite)
		# the driver's lock is an flock on the database file
		! flock -n "${URL#sqlite:}" true ;;
	esac
}

"$STRATA" -u "$URL" -d "$MIG" --no-color up >"$TMP/A.out" 2>"$TMP/A.err" &
A=$!
if wait_for 20 a_in_migration; then
	ok "kill: runner A holds the lock, in its slow migration"
else
	not_ok "kill: runner A holds the lock, in its slow migration" "$(head -c 300 "$TMP/A.err")"
fi
kill -KILL "$A" 2>/dev/null
wait "$A" 2>/dev/null
# On SQLite A's work died with A. On a server, A's session may still be
# running A's statement when B starts: B runs the migration as long as A
# would (a real deploy runs the same file), so B must not be able to
# finish first just because its copy is shorter.
[ "$BACKEND" = sqlite ] && q "UPDATE fx_ctl SET n = 1"
t0=$(date +%s%N)
run B --lock-timeout 30 up
t1=$(date +%s%N)
waited_ms=$(((t1 - t0) / 1000000))
expect_rc "kill: runner B (--lock-timeout 30) succeeds after A was killed" B 0
echo "# runner B took $waited_ms ms after A was killed"
check "kill: every server session of A and B has ended" wait_for 30 no_strata_sessions
expect_eq "kill: A's migration applied exactly once" "$(q "SELECT count(*) FROM ledger WHERE version = '$vk'")" 1
check_books "$total" "kill"

echo "1..$N"
[ "$FAILED" -eq 0 ]
