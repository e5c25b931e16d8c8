#!/bin/bash
# tests/crash/test_crash.sh - kills `strata up`, then `strata down` (and
# now and then `strata repair --resume`) with SIGKILL at random moments and
# checks that the database always tells the truth.
#
# Usage: test_crash.sh [BACKEND]      BACKEND: sqlite | postgres | mysql
#                                     (default: $CRASH_BACKEND, else sqlite)
#
# A set of 16 migrations mixes transactional ones with statement-by-
# statement ones (`transaction:false`, PostgreSQL CREATE INDEX CONCURRENTLY
# and ALTER TYPE ... ADD VALUE, SQLite VACUUM and PRAGMA journal_mode, and on
# MySQL every migration with DDL). Every statement leaves a trace that can be
# counted: DML inserts a known number of rows tagged 'VERSION:K' into a
# `ledger` table without any unique constraint (a statement applied twice
# shows as twice the rows, a torn one as a count that is not a multiple);
# DDL creates a table, column, index, enum value, function or type named
# after VERSION and K (applied twice, it fails).
#
# Every migration has a down part that undoes its up statements in reverse
# order, one down statement per up statement, each removing that
# statement's trace: DELETE of the ledger rows tagged VERSION:K, DROP
# TABLE / COLUMN / INDEX / FUNCTION / TYPE, PRAGMA journal_mode = DELETE
# for WAL, VACUUM for VACUUM (no trace either way), and for a PostgreSQL
# enum value, which cannot be dropped, ALTER TYPE ... RENAME VALUE to a
# name outside the traces (the DROP TYPE of the older migration removes
# it). A down is statement by statement when its up was `transaction:
# false` (its down is marked so too) or when one of its statements commits
# on its own (DROP INDEX CONCURRENTLY, VACUUM, PRAGMA journal_mode, MySQL
# DDL): those are in doubt after a kill, as on the way up.
#
# Trial 0 runs `up` and `down --all` uninterrupted: it checks the set and
# measures how long a whole run takes each way (T, TD). Each trial N >= 1
# then, on a fresh database:
#   1. starts `strata up` and SIGKILLs it after a delay drawn with the
#      trial number as the seed (printed): one in eight from [0, T_IDLE]
#      (T_IDLE: how long an `up` with nothing to do takes, i.e. start-up),
#      the others from [T_IDLE, T] (T follows the machine's load: each
#      trial's kill delay plus recovery time is a sample of it);
#   2. checks, at once, that the history table agrees with the schema:
#      applied -> every trace exactly once; running at statement d -> traces
#      1..d exactly once, d+1 absent unless it commits on its own (then at
#      most once), nothing after; no row -> no trace; states in version
#      order (applied..., at most one running, nothing after it);
#   3. runs `strata up` again: it must resume the interrupted migration by
#      itself (exit 0, a "resuming" line naming statement d+1) unless the
#      statement in flight commits on its own, in which case it must exit 7
#      with one line naming the version, "statement S of N", FILE:LINE and
#      both `strata repair --resume V` and `strata repair --resume
#      --skip-in-flight V`; the test then looks at the schema (trace present
#      and valid -> --skip-in-flight; a PostgreSQL index left INVALID ->
#      DROP INDEX, then --resume; absent -> --resume), runs that repair and
#      `up` again;
#   4. checks that every migration is applied with every trace exactly once,
#      and that `strata status --exit-code` is content;
#   5. starts `strata down --all` on that fully applied database and
#      SIGKILLs it after a delay drawn the same way from [0, TD_IDLE] /
#      [TD_IDLE, TD] (second draw of the trial's seed, printed);
#   6. checks, at once: applied -> every trace exactly once; reverting at
#      down statement d -> the traces of the last d up statements gone, the
#      one of the down statement in flight (d+1) gone or present only when
#      it commits on its own (a PostgreSQL index may be left INVALID by a
#      killed DROP INDEX CONCURRENTLY), the others present exactly once;
#      no row -> no trace; states in version order (applied..., at most one
#      reverting, no row after it: reverted from the newest backwards);
#   7. runs `strata down --all` again: it must resume the interrupted down
#      by itself (exit 0, a "resuming" line naming down statement d+1)
#      unless that statement commits on its own; then it must exit 7 with
#      the one line as in 3, `strata up` must refuse too (exit 7 naming the
#      reverting migration), and the test decides from the schema (trace
#      gone -> --skip-in-flight; present, INVALID or no trace -> --resume,
#      which runs that down statement again), runs `strata repair` (in
#      every third trial it first kills that repair after a random delay,
#      checks the state as in 6 and starts over with `down --all`) and
#      `down --all` again;
#   8. checks that no migration has a history row (but the '~format' one)
#      and no trace is left, and that `strata status --exit-code` shows
#      every migration pending (exit 10).
# Two summary lines end the run: trials, time and failures, and for the
# kills of up and then of down where they landed, auto-resumes, in-doubt
# repairs (and killed repairs).
#
# The checks in steps 2 and 6 run right after the kill, without waiting
# for the killed client's server session (PostgreSQL and MariaDB finish the
# statement in flight after the client is gone): the invariants hold at
# every instant, and waiting for such a session is the next run's job.
#
# Environment:
#   STRATA                    the binary (default $top_builddir/strata)
#   STRATA_TEST_POSTGRES_URL  postgres:// URL of a user who may create
#                             databases (postgres backend)
#   STRATA_TEST_MYSQL_URL     mysql:// URL of a user who may create
#                             databases (mysql backend)
#   CRASH_TRIALS   number of trials (default 30)
#   CRASH_FIRST    number (= seed) of the first trial (default 1)
#   CRASH_DELAY_MS force the kill delay of `up` (replaying a trial:
#                  CRASH_FIRST=N CRASH_TRIALS=1 CRASH_DELAY_MS=the printed
#                  delay)
#   CRASH_DOWN_DELAY_MS, CRASH_REPAIR_DELAY_MS  the same for the kill of
#                  `down` and of the repair (step 7; every third trial)
#   CRASH_DOWN=0   skip steps 5-8 (only `up` is killed)
#   CRASH_KEEP=1   keep the work directory (migrations, outputs)
# Own database per run on the servers (crash_PID_RANDOM; on MySQL one per
# trial), dropped on exit. A missing URL or server FAILS, never skips.
#
# Output: TAP, one line per trial; exits non-zero when any trial failed.
set -u

BACKEND=${1:-${CRASH_BACKEND:-sqlite}}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
STRATA=${STRATA:-$top_builddir/strata}
TRIALS=${CRASH_TRIALS:-30}
FIRST=${CRASH_FIRST:-1}
DOWN=${CRASH_DOWN:-1}
HTAB=strata_migrations

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-crash.XXXXXX")
MIG=$work/migrations
tap_n=0
failures=0

bail() {
	echo "not ok $((tap_n + 1)) - $BACKEND: $*"
	echo "1..$((tap_n + 1))"
	exit 1
}

case $BACKEND in
sqlite|postgres|mysql) ;;
*) echo "usage: $0 sqlite|postgres|mysql" >&2; exit 2 ;;
esac
[[ $TRIALS =~ ^[0-9]+$ && $FIRST =~ ^[0-9]+$ ]] || bail "CRASH_TRIALS and CRASH_FIRST must be numbers"
[[ ${CRASH_DELAY_MS:-0}${CRASH_DOWN_DELAY_MS:-0}${CRASH_REPAIR_DELAY_MS:-0} =~ ^[0-9]+$ ]] ||
	bail "CRASH_DELAY_MS, CRASH_DOWN_DELAY_MS and CRASH_REPAIR_DELAY_MS must be numbers"
[[ $DOWN == [01] ]] || bail "CRASH_DOWN must be 0 or 1"
[ -x "$STRATA" ] || bail "no strata binary at $STRATA"

# ----------------------------------------------------------- backends
#
# Each backend defines:
#   be_init             connect, create the run's database (or bail)
#   be_fresh N          an empty namespace for trial N with the ledger
#                       table; sets URL and SARGS (extra strata options)
#   be_facts            prints the state: "H version state done total",
#                       "L tag count", "T table", "C table.column",
#                       "I index valid(1|0)", "E enum-label", "J mode",
#                       "F function", "Y enum-type" (PostgreSQL)
#   be_drop_index NAME  drops an index (a PostgreSQL one left INVALID)
#   be_slow N           how many ms trial N adds to a whole run on purpose
#   be_gone             drops the trial's namespace (or has the next
#                       be_fresh do it)
#   be_cleanup          drops everything (EXIT trap)
#   bulk N              SQL inserting N rows tagged @TAG into the ledger
#                       and taking a moment to do it
#   unbulk              SQL deleting the rows tagged @TAG (bulk's inverse)

case $BACKEND in
sqlite)
	command -v sqlite3 >/dev/null || bail "the sqlite3 client is not installed"
	q() { sqlite3 -batch -bail "$DBFILE" "$@"; }
	be_init() { :; }
	be_fresh() {
		DBFILE=$work/t$1.db
		rm -f "$DBFILE" "$DBFILE"-*
		q "CREATE TABLE ledger (tag TEXT NOT NULL, n INTEGER)" || return 1
		URL=sqlite:$DBFILE
		SARGS=()
	}
	be_facts() {
		local has
		has=$(q "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='$HTAB'") || return 1
		{
			[ "$has" = 1 ] && echo "SELECT 'H '||version||' '||state||' '||statements_done||' '||statements_total FROM $HTAB WHERE version <> '~format';"
			cat <<-EOF
			SELECT 'L '||tag||' '||count(*) FROM ledger GROUP BY tag;
			SELECT 'T '||name FROM sqlite_master WHERE type='table' AND name NOT IN ('ledger', '$HTAB') AND name NOT LIKE 'sqlite\_%' ESCAPE '\\';
			SELECT 'C '||m.name||'.'||p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type='table' AND p.name LIKE 'c\_%' ESCAPE '\\';
			SELECT 'I '||name||' 1' FROM sqlite_master WHERE type='index' AND name LIKE 'i\_%' ESCAPE '\\';
			SELECT 'J '||journal_mode FROM pragma_journal_mode;
			EOF
		} | q
	}
	be_drop_index() { q "DROP INDEX $1"; }
	be_slow() { echo 0; }
	be_gone() { rm -f "$DBFILE" "$DBFILE"-*; }
	be_cleanup() { :; }
	bulk() {
		echo "INSERT INTO ledger (tag, n) WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < $1) SELECT '@TAG', i FROM r;"
	}
	unbulk() { echo "DELETE FROM ledger WHERE tag = '@TAG';"; }
	;;
postgres)
	command -v psql >/dev/null || bail "the psql client is not installed"
	BASE_URL=${STRATA_TEST_POSTGRES_URL:-}
	[ -n "$BASE_URL" ] || bail "STRATA_TEST_POSTGRES_URL is not set"
	q() { psql "$RUN_URL" -XAtq -v ON_ERROR_STOP=1 "$@"; }
	be_init() {
		local out
		RUN_DB=crash_$$_$RANDOM
		out=$(psql "$BASE_URL" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $RUN_DB" 2>&1) ||
			bail "cannot create database $RUN_DB: $(sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#g' <<<"$out" | head -n1)"
		# postgres://who@host:port/DB?params -> .../crash_PID_RANDOM?params
		RUN_URL=$(sed -E "s#^([A-Za-z0-9+.-]+://[^/?]*)(/[^?]*)?#\\1/$RUN_DB#" <<<"$BASE_URL")
	}
	be_fresh() {
		# (one client call: drops the schema of the last trial too)
		local old=${GONE:-}
		GONE=
		S=t$1
		local slow=0.003
		[ "$(be_slow "$1")" = 0 ] || slow=0.03
		q -c "SET client_min_messages = warning;${old:+ DROP SCHEMA IF EXISTS $old CASCADE;}
		      DROP SCHEMA IF EXISTS $S CASCADE; CREATE SCHEMA $S;
		      CREATE TABLE $S.ledger (tag text NOT NULL, n integer);
		      CREATE TABLE $S.knob (key_sleep float8); INSERT INTO $S.knob VALUES ($slow)" || return 1
		URL=$RUN_URL
		SARGS=(--schema "$S")
	}
	be_facts() {
		q <<-EOF
		SELECT to_regclass('$S.$HTAB') IS NOT NULL AS has_h \gset
		\if :has_h
		SELECT 'H '||version||' '||state||' '||statements_done||' '||statements_total FROM $S.$HTAB WHERE version <> '~format';
		\endif
		SELECT 'L '||tag||' '||count(*) FROM $S.ledger GROUP BY tag
		UNION ALL SELECT 'T '||table_name FROM information_schema.tables
		  WHERE table_schema = '$S' AND table_name NOT IN ('ledger', 'knob', '$HTAB')
		UNION ALL SELECT 'C '||table_name||'.'||column_name FROM information_schema.columns
		  WHERE table_schema = '$S' AND column_name LIKE 'c\_%'
		UNION ALL SELECT 'I '||c.relname||' '||CASE WHEN i.indisvalid THEN 1 ELSE 0 END
		  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		  JOIN pg_namespace s ON s.oid = c.relnamespace
		  WHERE s.nspname = '$S' AND c.relname LIKE 'i\_%'
		UNION ALL SELECT 'E '||e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
		  JOIN pg_namespace s ON s.oid = t.typnamespace
		  WHERE s.nspname = '$S' AND e.enumlabel LIKE 'v\_%'
		UNION ALL SELECT 'F '||p.proname FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
		  WHERE s.nspname = '$S' AND p.proname = 'slow_key'
		UNION ALL SELECT 'Y '||t.typname FROM pg_type t JOIN pg_namespace s ON s.oid = t.typnamespace
		  WHERE s.nspname = '$S' AND t.typtype = 'e';
		EOF
	}
	be_drop_index() { q -c "DROP INDEX $S.$1"; }
	# every sixth trial builds its CONCURRENTLY indexes slowly (about
	# 1.5 s more in all), longer than strata's client_connection_check_
	# interval: the server then cancels the one in flight when the run is
	# killed, which leaves an INVALID index
	be_slow() { if (($1 > 0 && $1 % 6 == 0)); then echo 1500; else echo 0; fi; }
	be_gone() { GONE=$S; }   # dropped by the next be_fresh
	be_cleanup() {
		[ -n "${RUN_DB:-}" ] &&
			psql "$BASE_URL" -XAtq -c "DROP DATABASE IF EXISTS $RUN_DB WITH (FORCE)" >/dev/null 2>&1
	}
	bulk() {
		echo "INSERT INTO ledger (tag, n) SELECT '@TAG', g FROM generate_series(1, $1) g, pg_sleep(0.01) z;"
	}
	# (a moment too: a whole down is otherwise little more than its
	# start-up, and kills would seldom land inside it)
	unbulk() { echo "DELETE FROM ledger USING pg_sleep(0.002) z WHERE tag = '@TAG';"; }
	;;
mysql)
	CLIENT=$(command -v mariadb || command -v mysql) ||
		bail "neither the mariadb nor the mysql client is installed"
	BASE_URL=${STRATA_TEST_MYSQL_URL:-}
	[ -n "$BASE_URL" ] || bail "STRATA_TEST_MYSQL_URL is not set"
	# mysql://user:password@host:port/db?params -> the client's arguments
	# (no %-decoding: keep test URLs plain)
	rest=${BASE_URL#*://}
	rest=${rest%%\?*}
	creds=
	if [[ $rest == *@* ]]; then
		creds=${rest%%@*}
		rest=${rest#*@}
	fi
	hostport=${rest%%/*}
	BASE_DB=${rest#*/}
	margs=(--no-defaults -N -B --protocol=TCP -h "${hostport%%:*}")
	[[ $hostport == *:* ]] && margs+=(-P "${hostport##*:}")
	[[ -n ${creds%%:*} ]] && margs+=(-u "${creds%%:*}")
	mpass=
	[[ $creds == *:* ]] && mpass=${creds#*:}
	qdb() { local db=$1; shift; MYSQL_PWD=$mpass "$CLIENT" "${margs[@]}" "$db" "$@"; }
	q() { qdb "$TDB" "$@"; }
	be_init() {
		local out
		RUN_DB=crash_$$_$RANDOM
		out=$(qdb "$BASE_DB" -e "SELECT 1" 2>&1) ||
			bail "the MySQL server of STRATA_TEST_MYSQL_URL is unreachable: $(head -n1 <<<"$out")"
	}
	be_fresh() {
		# (one client call: drops the database of the last trial too)
		local old=${GONE:-}
		GONE=
		TDB=${RUN_DB}_t$1
		qdb "$BASE_DB" -e "${old:+DROP DATABASE IF EXISTS $old;}
		    DROP DATABASE IF EXISTS $TDB; CREATE DATABASE $TDB;
		    CREATE TABLE $TDB.ledger (tag VARCHAR(40) NOT NULL, n INT) ENGINE=InnoDB" || return 1
		# mysql://who@host:port/DB?params -> .../crash_PID_RANDOM_tN?params
		URL=$(sed -E "s#^([A-Za-z0-9+.-]+://[^/?]*)(/[^?]*)?#\\1/$TDB#" <<<"$BASE_URL")
		SARGS=()
	}
	be_facts() {
		q <<-EOF
		SET @h = (SELECT COUNT(*) FROM information_schema.TABLES
		          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '$HTAB');
		SET @q = IF(@h > 0,
		  "SELECT CONCAT('H ', version, ' ', state, ' ', statements_done, ' ', statements_total) FROM $HTAB WHERE version <> '~format'",
		  'SELECT 1 FROM DUAL WHERE 0');
		PREPARE hq FROM @q;
		EXECUTE hq;
		SELECT CONCAT('L ', tag, ' ', COUNT(*)) FROM ledger GROUP BY tag;
		SELECT CONCAT('T ', TABLE_NAME) FROM information_schema.TABLES
		  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT IN ('ledger', '$HTAB');
		SELECT CONCAT('C ', TABLE_NAME, '.', COLUMN_NAME) FROM information_schema.COLUMNS
		  WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME LIKE 'c\\_%';
		SELECT DISTINCT CONCAT('I ', INDEX_NAME, ' 1') FROM information_schema.STATISTICS
		  WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME LIKE 'i\\_%';
		EOF
	}
	be_drop_index() { q -e "DROP INDEX $1 ON ledger"; }
	be_slow() { echo 0; }
	be_gone() { GONE=$TDB; }   # dropped by the next be_fresh
	be_cleanup() {
		local db
		[ -n "${RUN_DB:-}" ] || return 0
		qdb "$BASE_DB" -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA
		                   WHERE SCHEMA_NAME LIKE '${RUN_DB}\\_%'" 2>/dev/null |
		while IFS= read -r db; do
			qdb "$BASE_DB" -e "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1
		done
	}
	bulk() {
		echo "INSERT INTO ledger (tag, n) SELECT '@TAG', s.seq FROM seq_1_to_$1 s, (SELECT SLEEP(0.01) AS z) w;"
	}
	unbulk() { echo "DELETE FROM ledger WHERE tag = '@TAG';"; }
	;;
esac

cleanup() {
	be_cleanup
	if [ -n "${CRASH_KEEP:-}" ]; then
		echo "# work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# ------------------------------------------------------ the migrations
#
# mig VERSION NAME [transaction:false]   starts a migration file (its
#     down part is transaction:false too when its up part is)
# st a|n TRACE SQL a|n DOWNSQL           adds a statement: `a` when it
#     commits on its own (in doubt after a kill), `n` when it shares a
#     transaction with its progress update (or its migration is one
#     transaction). TRACE: L:N (N ledger rows tagged @TAG), T:table,
#     C:table.column, I:index, E:enum-label, J:journal-mode, F:function,
#     Y:enum-type, - (none). DOWNSQL undoes it (removes its trace), `a` /
#     `n` saying the same of it. In TRACE and both SQLs, @ID is VERSION_K
#     and @TAG is VERSION:K.
# dml N                                  st n L:N "$(bulk N)" n "$(unbulk)"
# write_downs                            appends every file's down part:
#     down statement J undoes up statement N+1-J
#
# Arrays: MIGS (versions in order); per version M_FILE, M_N (statements,
# each way), M_STEP / M_DSTEP (1: up / down statement by statement),
# M_TXF (1: transaction:false); per statement, keyed "V:K": S_AUTO,
# S_TRACE, S_LINE, U_AUTO, U_SQL (its inverse); per down statement, keyed
# "V:J": D_AUTO, D_LINE.

MIGS=()
declare -A M_FILE M_N M_STEP M_DSTEP M_TXF M_LINES S_AUTO S_TRACE S_LINE \
	U_AUTO U_SQL D_AUTO D_LINE
cur=
cur_line=0

mig() {
	cur=$1
	MIGS+=("$1")
	M_FILE[$1]=${1}_$2.sql
	M_N[$1]=0
	M_STEP[$1]=0
	M_TXF[$1]=0
	if [ "${3:-}" = transaction:false ]; then
		M_STEP[$1]=1
		M_TXF[$1]=1
		echo "-- migrate:up transaction:false" >"$MIG/${M_FILE[$1]}"
	else
		echo "-- migrate:up" >"$MIG/${M_FILE[$1]}"
	fi
	cur_line=1
}

st() {
	local auto=$1 trace=$2 sql=$3 dauto=${4:-} dsql=${5:-} k
	k=$((M_N[$cur] + 1))
	M_N[$cur]=$k
	[[ $dauto == [an] && -n $dsql ]] || bail "statement $k of migration $cur has no inverse"
	trace=${trace//@ID/${cur}_$k}
	sql=${sql//@ID/${cur}_$k}
	sql=${sql//@TAG/$cur:$k}
	dsql=${dsql//@ID/${cur}_$k}
	dsql=${dsql//@TAG/$cur:$k}
	[ "$auto" = a ] && M_STEP[$cur]=1
	S_AUTO[$cur:$k]=$auto
	S_TRACE[$cur:$k]=$trace
	U_AUTO[$cur:$k]=$dauto
	U_SQL[$cur:$k]=$dsql
	cur_line=$((cur_line + 1))
	S_LINE[$cur:$k]=$cur_line
	M_LINES[$cur]=$cur_line
	echo "$sql" >>"$MIG/${M_FILE[$cur]}"
}

dml() { st n "L:$1" "$(bulk "$1")" n "$(unbulk)"; }

write_downs() {
	local v n j k line f
	for v in "${MIGS[@]}"; do
		n=${M_N[$v]}
		f=$MIG/${M_FILE[$v]}
		line=${M_LINES[$v]}
		M_DSTEP[$v]=${M_TXF[$v]}
		if [ "${M_TXF[$v]}" = 1 ]; then
			echo "-- migrate:down transaction:false" >>"$f"
		else
			echo "-- migrate:down" >>"$f"
		fi
		line=$((line + 1))
		for ((j = 1; j <= n; j++)); do
			k=$((n + 1 - j))
			D_AUTO[$v:$j]=${U_AUTO[$v:$k]}
			[ "${D_AUTO[$v:$j]}" = a ] && M_DSTEP[$v]=1
			line=$((line + 1))
			D_LINE[$v:$j]=$line
			echo "${U_SQL[$v:$k]}" >>"$f"
		done
	done
}

mkdir -p "$MIG"
case $BACKEND in
sqlite)
	# SQLite: every statement but VACUUM and PRAGMA journal_mode /
	# foreign_keys shares a transaction with its progress update. Down:
	# VACUUM again, PRAGMA journal_mode = DELETE (both in doubt after a
	# kill), DROP COLUMN (SQLite 3.35 and later), DROP TABLE / INDEX.
	B=1000
	mig 0001 base
	st n T:base "CREATE TABLE base (id INTEGER PRIMARY KEY, v TEXT);" \
		n "DROP TABLE base;"
	dml $B
	mig 0002 mixed transaction:false
	dml $B
	st n T:t_@ID "CREATE TABLE t_@ID (x INTEGER);" \
		n "DROP TABLE t_@ID;"
	st n C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID INTEGER;" \
		n "ALTER TABLE base DROP COLUMN c_@ID;"
	dml $B
	mig 0003 vacuum
	dml $B
	st a - "VACUUM;" \
		a "VACUUM;"
	dml $B
	mig 0004 index
	st n I:i_@ID "CREATE INDEX i_@ID ON ledger (n);" \
		n "DROP INDEX i_@ID;"
	dml $B
	dml $B
	mig 0005 plain
	dml $B
	st n C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID TEXT;" \
		n "ALTER TABLE base DROP COLUMN c_@ID;"
	mig 0006 wal
	dml $B
	st a J:wal "PRAGMA journal_mode = WAL;" \
		a "PRAGMA journal_mode = DELETE;"
	dml $B
	st n T:t_@ID "CREATE TABLE t_@ID (x INTEGER);" \
		n "DROP TABLE t_@ID;"
	mig 0007 dml_only transaction:false
	dml $B
	dml $B
	dml $B
	mig 0008 tables
	st n T:t_@ID "CREATE TABLE t_@ID (x INTEGER);" \
		n "DROP TABLE t_@ID;"
	st n I:i_@ID "CREATE INDEX i_@ID ON t_0008_1 (x);" \
		n "DROP INDEX i_@ID;"
	dml $B
	mig 0009 vacuum_again
	st a - "VACUUM;" \
		a "VACUUM;"
	dml $B
	st n I:i_@ID "CREATE INDEX i_@ID ON ledger (tag, n);" \
		n "DROP INDEX i_@ID;"
	dml $B
	mig 0010 plain
	dml $B
	dml $B
	mig 0011 columns transaction:false
	st n C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID INTEGER;" \
		n "ALTER TABLE base DROP COLUMN c_@ID;"
	dml $B
	st n C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID INTEGER;" \
		n "ALTER TABLE base DROP COLUMN c_@ID;"
	mig 0012 plain
	st n T:t_@ID "CREATE TABLE t_@ID (x INTEGER);" \
		n "DROP TABLE t_@ID;"
	dml $B
	mig 0013 vacuum_last
	dml $B
	st a - "VACUUM;" \
		a "VACUUM;"
	mig 0014 plain
	dml $B
	dml $B
	st n I:i_@ID "CREATE INDEX i_@ID ON base (v);" \
		n "DROP INDEX i_@ID;"
	mig 0015 mixed transaction:false
	dml $B
	st n T:t_@ID "CREATE TABLE t_@ID (x INTEGER);" \
		n "DROP TABLE t_@ID;"
	dml $B
	mig 0016 plain
	dml $B
	st n C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID INTEGER;" \
		n "ALTER TABLE base DROP COLUMN c_@ID;"
	dml $B
	;;
postgres)
	# PostgreSQL: every statement but CREATE INDEX CONCURRENTLY, ALTER
	# TYPE ... ADD VALUE, VACUUM (and the like) shares a transaction with
	# its progress update; those commit on their own. Down: DROP INDEX
	# CONCURRENTLY for a CONCURRENTLY index and VACUUM again (both in
	# doubt after a kill); an enum value cannot be dropped, so its down
	# renames it out of the traces (in a transaction: the down of 0011 is
	# one) and 0010's DROP TYPE removes it with the type; the function
	# slow_key goes with 0001, after the indexes using it.
	B=300
	mig 0001 base
	st n T:base "CREATE TABLE base (id integer PRIMARY KEY, v text);" \
		n "DROP TABLE base;"
	# an index key that takes a while (so that kills land inside a
	# CREATE INDEX CONCURRENTLY); only while an index is built, not on
	# every insert into the indexed ledger. How long: the test's table
	# knob, set by be_fresh
	st n F:slow_key "CREATE FUNCTION slow_key(n integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE SET search_path FROM CURRENT AS \$\$ BEGIN IF n % 100 = 0 AND current_query() LIKE 'CREATE%' THEN PERFORM pg_sleep((SELECT key_sleep FROM knob)); END IF; RETURN n; END \$\$;" \
		n "DROP FUNCTION slow_key(integer);"
	dml $B
	mig 0002 plain
	dml $B
	st n C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID integer;" \
		n "ALTER TABLE base DROP COLUMN c_@ID;"
	dml $B
	mig 0003 concurrently
	dml $B
	st a I:i_@ID "CREATE INDEX CONCURRENTLY i_@ID ON ledger (slow_key(n));" \
		a "DROP INDEX CONCURRENTLY i_@ID;"
	dml $B
	mig 0004 mixed transaction:false
	st n T:t_@ID "CREATE TABLE t_@ID (x integer);" \
		n "DROP TABLE t_@ID;"
	dml $B
	st n C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID text;" \
		n "ALTER TABLE base DROP COLUMN c_@ID;"
	dml $B
	mig 0005 tables
	st n T:t_@ID "CREATE TABLE t_@ID (x integer);" \
		n "DROP TABLE t_@ID;"
	st n I:i_@ID "CREATE INDEX i_@ID ON t_0005_1 (x);" \
		n "DROP INDEX i_@ID;"
	dml $B
	mig 0006 vacuum
	dml $B
	st a - "VACUUM ledger;" \
		a "VACUUM ledger;"
	dml $B
	mig 0007 plain
	dml $B
	dml $B
	dml $B
	mig 0008 concurrently_first
	st a I:i_@ID "CREATE INDEX CONCURRENTLY i_@ID ON ledger (slow_key(n), tag);" \
		a "DROP INDEX CONCURRENTLY i_@ID;"
	dml $B
	st a I:i_@ID "CREATE UNIQUE INDEX CONCURRENTLY i_@ID ON base (id, v);" \
		a "DROP INDEX CONCURRENTLY i_@ID;"
	mig 0009 dml_only transaction:false
	dml $B
	dml $B
	st n T:t_@ID "CREATE TABLE t_@ID (x integer);" \
		n "DROP TABLE t_@ID;"
	mig 0010 type
	st n T:t_@ID "CREATE TABLE t_@ID (x integer);" \
		n "DROP TABLE t_@ID;"
	st n Y:mood "CREATE TYPE mood AS ENUM ('neutral');" \
		n "DROP TYPE mood;"
	dml $B
	mig 0011 enum_value
	dml $B
	st a E:v_@ID "ALTER TYPE mood ADD VALUE 'v_@ID';" \
		n "ALTER TYPE mood RENAME VALUE 'v_@ID' TO 'x_@ID';"
	dml $B
	mig 0012 plain
	st n C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID integer;" \
		n "ALTER TABLE base DROP COLUMN c_@ID;"
	dml $B
	mig 0013 concurrently_last
	dml $B
	st a I:i_@ID "CREATE INDEX CONCURRENTLY i_@ID ON ledger (n, tag);" \
		a "DROP INDEX CONCURRENTLY i_@ID;"
	mig 0014 plain
	dml $B
	dml $B
	mig 0015 mixed transaction:false
	dml $B
	st n I:i_@ID "CREATE INDEX i_@ID ON base (v);" \
		n "DROP INDEX i_@ID;"
	dml $B
	mig 0016 plain
	dml $B
	st n T:t_@ID "CREATE TABLE t_@ID (x integer);" \
		n "DROP TABLE t_@ID;"
	;;
mysql)
	# MySQL/MariaDB: DDL commits on its own, so every migration with DDL
	# runs statement by statement and its DDL is in doubt after a kill;
	# DML shares a transaction with its progress update; a migration of
	# DML only is one transaction. The same holds for the down parts
	# (DROP TABLE / COLUMN / INDEX, DELETE).
	B=300
	mig 0001 base
	st a T:base "CREATE TABLE base (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB;" \
		a "DROP TABLE base;"
	dml $B
	mig 0002 dml_only
	dml $B
	dml $B
	mig 0003 column
	dml $B
	st a C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID INT;" \
		a "ALTER TABLE base DROP COLUMN c_@ID;"
	dml $B
	mig 0004 index_and_table
	st a I:i_@ID "CREATE INDEX i_@ID ON ledger (n);" \
		a "DROP INDEX i_@ID ON ledger;"
	dml $B
	st a T:t_@ID "CREATE TABLE t_@ID (x INT) ENGINE=InnoDB;" \
		a "DROP TABLE t_@ID;"
	mig 0005 dml_only
	dml $B
	mig 0006 dml_only transaction:false
	dml $B
	dml $B
	mig 0007 alter_ledger
	st a I:i_@ID "ALTER TABLE ledger ADD INDEX i_@ID (tag);" \
		a "ALTER TABLE ledger DROP INDEX i_@ID;"
	dml $B
	mig 0008 dml_only
	dml $B
	dml $B
	dml $B
	mig 0009 mixed transaction:false
	dml $B
	st a T:t_@ID "CREATE TABLE t_@ID (x INT) ENGINE=InnoDB;" \
		a "DROP TABLE t_@ID;"
	dml $B
	mig 0010 columns
	st a C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID INT;" \
		a "ALTER TABLE base DROP COLUMN c_@ID;"
	st a C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID INT;" \
		a "ALTER TABLE base DROP COLUMN c_@ID;"
	dml $B
	mig 0011 dml_only
	dml $B
	mig 0012 index_last
	dml $B
	st a I:i_@ID "CREATE INDEX i_@ID ON ledger (tag, n);" \
		a "DROP INDEX i_@ID ON ledger;"
	mig 0013 dml_only
	dml $B
	dml $B
	mig 0014 table
	st a T:t_@ID "CREATE TABLE t_@ID (x INT) ENGINE=InnoDB;" \
		a "DROP TABLE t_@ID;"
	dml $B
	mig 0015 dml_only
	dml $B
	mig 0016 column
	dml $B
	st a C:base.c_@ID "ALTER TABLE base ADD COLUMN c_@ID VARCHAR(10);" \
		a "ALTER TABLE base DROP COLUMN c_@ID;"
	;;
esac
write_downs

# ---------------------------------------------------------- the checks

declare -A FACT H_STATE H_DONE H_TOTAL
KNOWN=" "
for v in "${MIGS[@]}"; do
	for ((k = 1; k <= M_N[$v]; k++)); do
		tr=${S_TRACE[$v:$k]}
		case $tr in
		L:*) KNOWN+="L:$v:$k " ;;
		-|J:*) ;;
		*) KNOWN+="$tr " ;;
		esac
	done
done

# load_facts: reads the database into FACT / H_* (returns 1 on error,
# the client's message in $work/facts.err).
load_facts() {
	local kind a b c d
	FACT=()
	H_STATE=()
	H_DONE=()
	H_TOTAL=()
	be_facts >"$work/facts" 2>"$work/facts.err" || return 1
	while read -r kind a b c d; do
		case $kind in
		H) H_STATE[$a]=$b; H_DONE[$a]=$c; H_TOTAL[$a]=$d ;;
		L) FACT[L:$a]=$b ;;
		T|C|E|F|Y) FACT[$kind:$a]=1 ;;
		I) FACT[I:$a]=$b ;;
		J) FACT[J]=$a ;;
		'') ;;
		*) echo "unexpected fact line: $kind $a" >"$work/facts.err"; return 1 ;;
		esac
	done <"$work/facts"
}

# took V K: how often statement K of V took effect, in TOOK (no
# subshell: the checks call it for every statement): 0, 1, 2..., "torn"
# (part of its rows), "invalid" (a PostgreSQL index left INVALID by an
# interrupted CREATE INDEX CONCURRENTLY or DROP INDEX CONCURRENTLY) or
# "?" (no trace).
took() {
	local tr=${S_TRACE[$1:$2]} c
	case $tr in
	L:*)
		c=${FACT[L:$1:$2]:-0}
		if ((c % ${tr#L:} == 0)); then TOOK=$((c / ${tr#L:})); else TOOK=torn; fi ;;
	I:*)
		case ${FACT[$tr]:-} in
		'') TOOK=0 ;;
		1) TOOK=1 ;;
		*) TOOK=invalid ;;
		esac ;;
	J:*) if [ "${FACT[J]:-}" = "${tr#J:}" ]; then TOOK=1; else TOOK=0; fi ;;
	-) TOOK='?' ;;
	*) TOOK=${FACT[$tr]:-0} ;;
	esac
}

# check_known: history rows and traces that no migration of the set
# accounts for.
check_known() {
	local v key
	for v in "${!H_STATE[@]}"; do
		[ -n "${M_N[$v]:-}" ] || echo "history row for unknown version $v"
	done
	for key in "${!FACT[@]}"; do
		[ "$key" = J ] && continue
		[[ $KNOWN == *" $key "* ]] || echo "unexpected trace $key (${FACT[$key]})"
	done
}

# check_applied V N DONE: an applied row of V (N statements, DONE
# recorded as done) must be complete and every statement must have taken
# effect exactly once; counts it in NAPPLIED. Shared by the checks after
# a killed `up` and after a killed `down`.
check_applied() {
	local v=$1 n=$2 d=$3 k
	NAPPLIED=$((NAPPLIED + 1))
	[ "$d" = "$n" ] && [ "${H_TOTAL[$v]}" = "$n" ] ||
		echo "$v applied with statements_done=$d statements_total=${H_TOTAL[$v]} (expected $n)"
	for ((k = 1; k <= n; k++)); do
		took "$v" $k
		[ "$TOOK" = 1 ] || [ "$TOOK" = '?' ] ||
			echo "$v applied but statement $k (${S_TRACE[$v:$k]}) took effect $TOOK times"
	done
}

# check_absent V N: V has no history row, so none of its N statements
# may have left a trace.
check_absent() {
	local v=$1 n=$2 k
	for ((k = 1; k <= n; k++)); do
		took "$v" $k
		[ "$TOOK" = 0 ] || [ "$TOOK" = '?' ] ||
			echo "$v has no history row but statement $k (${S_TRACE[$v:$k]}) took effect $TOOK times"
	done
}

# check_state final: the invariants over FACT / H_*; prints one problem
# per line (nothing when all hold). With final=1 every migration must be
# applied. Sets RUNNING_V / RUNNING_D (the interrupted migration, if any)
# and NAPPLIED.
check_state() {
	local final=$1 v k n t seen_running=0 seen_absent=0
	RUNNING_V=
	RUNNING_D=
	NAPPLIED=0
	check_known
	for v in "${MIGS[@]}"; do
		n=${M_N[$v]}
		local state=${H_STATE[$v]:-none} d=${H_DONE[$v]:-0}
		if ((final)) && [ "$state" != applied ]; then
			echo "$v is $state at the end"
		fi
		case $state in
		applied)
			((seen_running || seen_absent)) &&
				echo "$v applied after a running or missing earlier migration"
			check_applied "$v" "$n" "$d" ;;
		running)
			((seen_running || seen_absent)) &&
				echo "$v running after a running or missing earlier migration"
			seen_running=1
			RUNNING_V=$v
			RUNNING_D=$d
			[ "${M_STEP[$v]}" = 1 ] ||
				echo "$v is running but it is a transactional migration"
			[ "${H_TOTAL[$v]}" = "$n" ] ||
				echo "$v running with statements_total=${H_TOTAL[$v]} (expected $n)"
			((d >= 0 && d < n)) || echo "$v running with statements_done=$d of $n"
			for ((k = 1; k <= n; k++)); do
				took "$v" $k; t=$TOOK
				[ "$t" = '?' ] && continue
				if ((k <= d)); then
					[ "$t" = 1 ] ||
						echo "$v running at $d/$n: statement $k (${S_TRACE[$v:$k]}) took effect $t times (expected 1)"
				elif ((k == d + 1)) && [ "${S_AUTO[$v:$k]}" = a ]; then
					[ "$t" = 0 ] || [ "$t" = 1 ] || [ "$t" = invalid ] ||
						echo "$v running at $d/$n: statement $k in flight (commits on its own) took effect $t times (expected at most 1)"
				else
					[ "$t" = 0 ] ||
						echo "$v running at $d/$n: statement $k (${S_TRACE[$v:$k]}) took effect $t times (expected 0)"
				fi
			done ;;
		none)
			seen_absent=1
			check_absent "$v" "$n" ;;
		*)
			echo "$v is $state after a kill (statements_done=$d)" ;;
		esac
	done
}

# check_down_state final: the invariants of a `down` over FACT / H_*,
# one problem per line. Migrations are reverted from the newest
# backwards, so in version order: applied..., at most one reverting, no
# row after it. Down statement J of a migration of N statements undoes up
# statement N+1-J. With final=1 no migration may have a row. Sets
# REVERTING_V / REVERTING_D and NAPPLIED.
check_down_state() {
	local final=$1 v j k n t seen_rev=0 seen_absent=0
	REVERTING_V=
	REVERTING_D=
	NAPPLIED=0
	check_known
	for v in "${MIGS[@]}"; do
		n=${M_N[$v]}
		local state=${H_STATE[$v]:-none} d=${H_DONE[$v]:-0}
		if ((final)) && [ "$state" != none ]; then
			echo "$v is $state at the end (expected reverted)"
		fi
		case $state in
		applied)
			((seen_rev || seen_absent)) &&
				echo "$v applied after a reverting or reverted earlier migration"
			check_applied "$v" "$n" "$d" ;;
		reverting)
			((seen_rev || seen_absent)) &&
				echo "$v reverting after a reverting or reverted earlier migration"
			seen_rev=1
			REVERTING_V=$v
			REVERTING_D=$d
			[ "${M_DSTEP[$v]}" = 1 ] ||
				echo "$v is reverting but its down part is one transaction"
			[ "${H_TOTAL[$v]}" = "$n" ] ||
				echo "$v reverting with statements_total=${H_TOTAL[$v]} (expected $n)"
			((d >= 0 && d < n)) || echo "$v reverting with statements_done=$d of $n"
			for ((j = 1; j <= n; j++)); do
				k=$((n + 1 - j))
				took "$v" $k; t=$TOOK
				[ "$t" = '?' ] && continue
				if ((j <= d)); then
					[ "$t" = 0 ] ||
						echo "$v reverting at $d/$n: down statement $j ran but the trace of up statement $k (${S_TRACE[$v:$k]}) is there $t times (expected 0)"
				elif ((j == d + 1)) && [ "${D_AUTO[$v:$j]}" = a ]; then
					[ "$t" = 0 ] || [ "$t" = 1 ] || [ "$t" = invalid ] ||
						echo "$v reverting at $d/$n: down statement $j in flight (commits on its own): the trace of up statement $k (${S_TRACE[$v:$k]}) is there $t times (expected at most 1)"
				else
					[ "$t" = 1 ] ||
						echo "$v reverting at $d/$n: down statement $j has not run but the trace of up statement $k (${S_TRACE[$v:$k]}) is there $t times (expected 1)"
				fi
			done ;;
		none)
			seen_absent=1
			check_absent "$v" "$n" ;;
		*)
			echo "$v is $state after a kill of down (statements_done=$d)" ;;
		esac
	done
}

# strata wrapper: output in $work/out.NAME, exit status in $rc. The
# timeout only catches a hang; a run takes well under a second.
run() {
	local name=$1; shift
	timeout -s KILL 120 "$STRATA" -u "$URL" -d "$MIG" "${SARGS[@]}" --no-color \
		--lock-timeout 60 "$@" >"$work/out.$name" 2>&1
	rc=$?
}

# problem TEXT: records a failed check of the current trial.
problem() { PROBLEMS+=("$*"); }

# dump_trial: diagnostics of the current trial as TAP comments.
dump_trial() {
	local f p
	for p in "${PROBLEMS[@]}"; do echo "#   $p"; done
	for f in "$work"/out.*; do
		[ -s "$f" ] || continue
		echo "#   --- ${f##*/}:"
		sed 's/^/#     /' "$f" | head -n 20
	done
	echo "#   --- state:"
	be_facts 2>&1 | sort | sed 's/^/#     /' | head -n 80
}

# take_problems PREFIX: records each line of $work/problems as a problem.
take_problems() {
	local p
	while IFS= read -r p; do [ -n "$p" ] && problem "$1$p"; done <"$work/problems"
}

# all_pending FILE: the output of `status` shows every migration pending.
all_pending() {
	local v
	for v in "${MIGS[@]}"; do
		grep -Eq "^${v}[[:space:]]+[^[:space:]]+[[:space:]]+pending([[:space:]]|\$)" "$1" ||
			problem "status does not show $v pending"
	done
}

# elapsed_ms T0: milliseconds since $EPOCHREALTIME was T0.
elapsed_ms() {
	local t1=$EPOCHREALTIME
	echo $(( (${t1/./} - ${1/./}) / 1000 ))
}

# ------------------------------------------------------------- trials

be_init

# Trial 0: uninterrupted runs check the set itself and measure how long a
# whole run takes (T for up, TD for down --all; the shorter of two: the
# first one pays for cold caches).
T_MS="" TD_MS="" T_IDLE="" TD_IDLE=""
for round in 1 2; do
	be_fresh 0 || bail "cannot create the database of trial 0"
	rm -f "$work"/out.*
	PROBLEMS=()
	t0=$EPOCHREALTIME
	run calibrate up
	ms=$(elapsed_ms "$t0")
	[ -z "$T_MS" ] || ((ms < T_MS)) && T_MS=$ms
	[ "$rc" = 0 ] || problem "uninterrupted up exited $rc"
	load_facts || problem "cannot read the state: $(head -n1 "$work/facts.err")"
	check_state 1 >"$work/problems"
	take_problems ""
	# and a run with nothing to do: how long strata takes to start and
	# end (T_IDLE). One kill in eight lands in [0, T_IDLE], while it
	# starts (and may be creating the history table); the others in
	# [T_IDLE, T].
	if [ "$round" = 2 ] && [ ${#PROBLEMS[@]} -eq 0 ]; then
		t0=$EPOCHREALTIME
		run idle up
		T_IDLE=$(elapsed_ms "$t0")
		((T_IDLE < T_MS)) || T_IDLE=$((T_MS / 2))
		[ "$rc" = 0 ] || problem "up with nothing to do exited $rc"
	fi
	if [ "$DOWN" = 1 ] && [ ${#PROBLEMS[@]} -eq 0 ]; then
		t0=$EPOCHREALTIME
		run dcalibrate down --all
		ms=$(elapsed_ms "$t0")
		[ -z "$TD_MS" ] || ((ms < TD_MS)) && TD_MS=$ms
		[ "$rc" = 0 ] || problem "uninterrupted down --all exited $rc"
		load_facts || problem "cannot read the state: $(head -n1 "$work/facts.err")"
		check_down_state 1 >"$work/problems"
		take_problems "after down --all: "
		run dstatus status --exit-code
		[ "$rc" = 10 ] || problem "status --exit-code exited $rc after down --all (expected 10)"
		all_pending "$work/out.dstatus"
		if [ "$round" = 2 ]; then
			t0=$EPOCHREALTIME
			run didle down --all
			TD_IDLE=$(elapsed_ms "$t0")
			((TD_IDLE < TD_MS)) || TD_IDLE=$((TD_MS / 2))
			[ "$rc" = 0 ] || problem "down --all with nothing to do exited $rc"
		fi
	fi
	if [ ${#PROBLEMS[@]} -ne 0 ]; then
		echo "not ok 1 - $BACKEND: the uninterrupted runs"
		dump_trial
		echo "1..1"
		exit 1
	fi
done
tap_n=1
desc="${#MIGS[@]} migrations applied uninterrupted in $T_MS ms (start and end: $T_IDLE ms)"
[ "$DOWN" = 0 ] || desc+=", reverted in $TD_MS ms (start and end: $TD_IDLE ms)"
echo "ok 1 - $BACKEND: $desc"
be_gone

# killed_run NAME DELAY_MS ARGS...: runs strata with ARGS and SIGKILLs
# it after DELAY_MS (no timeout(1) here: the kill must hit strata
# itself); output in $work/out.NAME, exit status in $krc: 137 (our
# SIGKILL), or its own when it finished first.
killed_run() {
	local name=$1 ms=$2 pid
	shift 2
	"$STRATA" -u "$URL" -d "$MIG" "${SARGS[@]}" --no-color \
		--lock-timeout 60 "$@" >"$work/out.$name" 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	krc=$?
}

# down_phase: steps 5-8 of the trial on its fully applied database: kills
# `down --all` after $ddelay ms, checks the state, recovers, checks the
# end. Appends to DLANDED / DHOW; counts in nd_*.
down_phase() {
	local v n s k t line pre_v pre_d np round out dkrc rec_ms rec_rc t0
	local -a mode
	killed_run dkilled "$ddelay" down --all
	dkrc=$krc
	[ "$dkrc" = 137 ] || [ "$dkrc" = 0 ] || problem "the down to be killed exited $dkrc before the kill"

	# 6. the state right after the kill
	if ! load_facts; then
		problem "cannot read the state after the down kill: $(head -n1 "$work/facts.err")"
	else
		check_down_state 0 >"$work/problems"
		take_problems "after the down kill: "
	fi
	if [ -n "$REVERTING_V" ]; then
		DLANDED="mid $REVERTING_V at $REVERTING_D/${M_N[$REVERTING_V]}"
		nd_mid=$((nd_mid + 1))
	elif [ "$NAPPLIED" = "${#MIGS[@]}" ]; then
		DLANDED="before the first revert or inside it"
		nd_before=$((nd_before + 1))
	elif [ "$NAPPLIED" = 0 ]; then
		DLANDED="after the last"
		nd_after=$((nd_after + 1))
	else
		DLANDED="after $((${#MIGS[@]} - NAPPLIED)) reverted"
		nd_between=$((nd_between + 1))
	fi

	# 7. recovery: down --all again, a repair when it refuses (killed
	# once in every third trial, then from the top again)
	t0=$EPOCHREALTIME
	run drecover1 down --all
	rec_ms=$(elapsed_ms "$t0") rec_rc=$rc
	round=1
	while :; do
		out=$work/out.drecover$round
		if [ "$rc" = 0 ]; then
			if [ -n "$REVERTING_V" ]; then
				# resumed by itself at down statement d+1 (or later on
				# a server, see step 3), one that shares a transaction
				line=$(grep -i "resum" "$out" | grep -F "$REVERTING_V" | head -n1)
				s=
				[[ $line =~ statement\ ([0-9]+)\ of\ ([0-9]+) ]] && s=${BASH_REMATCH[1]}
				if [ -z "$line" ]; then
					[ "$BACKEND" != sqlite ] ||
						problem "down completed $REVERTING_V (was reverting at $REVERTING_D) without a line saying it resumed"
					DHOW+=", finished by the server"
				elif [ -z "$s" ]; then
					problem "the resume line names no statement: $line"
				elif ((s > ${M_N[$REVERTING_V]})); then
					problem "the resume line names a statement past the last: $line"
				elif ((s < REVERTING_D + 1)) || ([ "$BACKEND" = sqlite ] && ((s != REVERTING_D + 1))); then
					problem "resumed the down of $REVERTING_V at statement $s, expected $((REVERTING_D + 1))"
				elif [ "${D_AUTO[$REVERTING_V:$s]:-}" = a ]; then
					problem "resumed the down of $REVERTING_V by itself at statement $s, which commits on its own (in doubt)"
				else
					nd_auto=$((nd_auto + 1))
					DHOW+=", resumed at $s"
				fi
			elif [ "$BACKEND" = sqlite ] && grep -qi "resum" "$out"; then
				problem "down resumed a migration although none was reverting: $(grep -i "resum" "$out" | head -n1)"
			fi
			break
		elif [ "$rc" != 7 ]; then
			problem "down --all exited $rc${REVERTING_V:+ ($REVERTING_V was reverting at $REVERTING_D)}"
			break
		fi
		# in doubt: the state now (the refusing down waited for the
		# killed run's server sessions) must be the same migration at
		# the same down statement or later
		pre_v=$REVERTING_V pre_d=$REVERTING_D np=${#PROBLEMS[@]}
		if ! load_facts; then
			problem "cannot read the state after down exited 7: $(head -n1 "$work/facts.err")"
		else
			check_down_state 0 >"$work/problems"
			take_problems "after down exited 7: "
		fi
		v=$REVERTING_V
		n=${M_N[$v]:-0}
		line=$(grep -F "statement " "$out" | grep -F -- "--skip-in-flight" | head -n1)
		s=
		[[ $line =~ statement\ ([0-9]+)\ of\ $n([^0-9]|$) ]] && s=${BASH_REMATCH[1]}
		if [ -z "$v" ]; then
			problem "down exited 7 but no migration is reverting"
		elif [ -n "$pre_v" ] && { [ "$pre_v" != "$v" ] || ((REVERTING_D < pre_d)); }; then
			problem "$pre_v was reverting at $pre_d after the kill, but $v at $REVERTING_D when down exited 7"
		elif [ -z "$s" ] || [[ $line != *"$v"* ]]; then
			problem "down exited 7 without one line naming $v, 'statement S of $n' and --skip-in-flight"
		elif ((s != REVERTING_D + 1)); then
			problem "down says statement $s of $v is in flight, but statements_done is $REVERTING_D"
		elif [ "${D_AUTO[$v:$s]}" != a ]; then
			k=$((n + 1 - s))
			problem "down refused over down statement $s of $v (undoing ${S_TRACE[$v:$k]}), which shares a transaction and cannot be in doubt"
		else
			[[ $line == *"${M_FILE[$v]}:${D_LINE[$v:$s]}"* ]] ||
				problem "the line does not name ${M_FILE[$v]}:${D_LINE[$v:$s]}: $line"
			[[ $line =~ strata\ repair\ --resume\ $v([^0-9]|$) ]] ||
				problem "the line does not name 'strata repair --resume $v': $line"
			[[ $line =~ strata\ repair\ --resume\ --skip-in-flight\ $v([^0-9]|$) ]] ||
				problem "the line does not name 'strata repair --resume --skip-in-flight $v': $line"
			[ -n "$pre_v" ] || DLANDED+=" (then $v at $REVERTING_D/$n)"
			# up refuses as well, naming the reverting migration
			run dup up
			{ [ "$rc" = 7 ] && grep -F "$v" "$work/out.dup" | grep -qi "revert"; } ||
				problem "up exited $rc while $v is reverting (expected 7 and a line naming it)"
			# decide from the schema (read above): the trace of the up
			# statement that down statement s undoes
			if [ ${#PROBLEMS[@]} = "$np" ]; then
				k=$((n + 1 - s))
				took "$v" "$k"; t=$TOOK
				mode=(--resume)
				case $t in
				0) mode=(--resume --skip-in-flight); DHOW+=", in doubt at $s: gone, skipped"; nd_skip=$((nd_skip + 1)) ;;
				1|'?') DHOW+=", in doubt at $s: still there, resumed"; nd_resume=$((nd_resume + 1)) ;;
				invalid)
					# a killed DROP INDEX CONCURRENTLY: running it
					# again drops the INVALID index
					DHOW+=", in doubt at $s: INVALID index, resumed"
					nd_invalid=$((nd_invalid + 1)) ;;
				*) problem "the trace of up statement $k of $v (down statement $s in flight) is there $t times"; mode=() ;;
				esac
				if [ ${#mode[@]} -gt 0 ] && [ "$round" = 1 ] && ((trial % 3 == 0)); then
					# kill the repair too, then start over
					killed_run drepair_killed "$rdelay" repair "${mode[@]}" "$v"
					[ "$krc" = 137 ] || [ "$krc" = 0 ] ||
						problem "repair ${mode[*]} $v to be killed exited $krc before the kill"
					nd_rkill=$((nd_rkill + 1))
					DHOW+=", repair killed after $rdelay ms"
					if ! load_facts; then
						problem "cannot read the state after the repair kill: $(head -n1 "$work/facts.err")"
					else
						check_down_state 0 >"$work/problems"
						take_problems "after the repair kill: "
					fi
					if [ -n "$REVERTING_V" ] && [ "$REVERTING_V" != "$v" ]; then
						problem "the killed repair of $v left $REVERTING_V reverting"
					fi
					round=2
					run drecover2 down --all
					continue
				elif [ ${#mode[@]} -gt 0 ]; then
					run "drepair$round" repair "${mode[@]}" "$v"
					[ "$rc" = 0 ] || problem "repair ${mode[*]} $v exited $rc"
					run "drecover${round}b" down --all
					[ "$rc" = 0 ] || problem "down --all after the repair exited $rc"
				fi
			fi
		fi
		break
	done

	# 8. the end state: nothing left, every migration pending
	if ! load_facts; then
		problem "cannot read the end state of down: $(head -n1 "$work/facts.err")"
	else
		check_down_state 1 >"$work/problems"
		take_problems "at the end of down: "
	fi
	run dstatus status --exit-code
	[ "$rc" = 10 ] || problem "status --exit-code exited $rc at the end of down (expected 10)"
	all_pending "$work/out.dstatus"

	# TD follows the machine's load as T does
	if [ "$dkrc" = 137 ] && [ "$rec_rc" = 0 ]; then
		sample=$((ddelay + rec_ms - TD_IDLE))
	elif [ "$dkrc" = 0 ]; then
		sample=$((ddelay * 9 / 10))
	else
		sample=$TD_MS
	fi
	((sample > TD_IDLE + 50)) || sample=$((TD_IDLE + 50))
	((sample < 2 * TD_MS)) || sample=$((2 * TD_MS))
	TD_MS=$(( (3 * TD_MS + sample) / 4 ))
}

T0_MS=$T_MS TD0_MS=$TD_MS
n_between=0 n_mid=0 n_before=0 n_after=0 n_auto=0 n_resume=0 n_skip=0 n_drop=0
nd_between=0 nd_mid=0 nd_before=0 nd_after=0 nd_auto=0 nd_resume=0 nd_skip=0 nd_invalid=0 nd_rkill=0
nd_trials=0
start=$SECONDS
for ((trial = FIRST; trial < FIRST + TRIALS; trial++)); do
	PROBLEMS=()
	RUNNING_V="" RUNNING_D="" NAPPLIED=0
	rm -f "$work"/out.*
	# the trial's draws: the kill of up, of down, of a repair
	RANDOM=$trial
	r=$((RANDOM * 32768 + RANDOM))
	rd=$((RANDOM * 32768 + RANDOM))
	rr=$((RANDOM * 32768 + RANDOM))
	if [ -n "${CRASH_DELAY_MS:-}" ]; then
		delay=$CRASH_DELAY_MS
	elif ((r % 8 == 0)); then
		delay=$(( r / 8 % (T_IDLE + 1) ))
	else
		delay=$(( T_IDLE + r / 8 % (T_MS + $(be_slow "$trial") - T_IDLE + 1) ))
	fi
	desc="trial $trial (seed $trial, kill after $delay ms"
	if [ "$DOWN" = 1 ]; then
		if [ -n "${CRASH_DOWN_DELAY_MS:-}" ]; then
			ddelay=$CRASH_DOWN_DELAY_MS
		elif ((rd % 8 == 0)); then
			ddelay=$(( rd / 8 % (TD_IDLE + 1) ))
		else
			ddelay=$(( TD_IDLE + rd / 8 % (TD_MS - TD_IDLE + 1) ))
		fi
		# a repair: start-up and the rest of one migration
		rdelay=${CRASH_REPAIR_DELAY_MS:-$(( TD_IDLE / 2 + rr % (TD_IDLE / 2 + (TD_MS - TD_IDLE) / 8 + 1) ))}
		desc+=", down after $ddelay ms"
	fi
	desc+=")"
	[ "$(be_slow "$trial")" = 0 ] || desc+=", slow CREATE INDEX CONCURRENTLY"
	tap_n=$((tap_n + 1))
	if ! be_fresh "$trial" >"$work/fresh.err" 2>&1; then
		failures=$((failures + 1))
		echo "not ok $tap_n - $desc: cannot create a fresh database: $(head -n1 "$work/fresh.err")"
		continue
	fi

	# 1. up, killed
	killed_run killed "$delay" up
	# the killed run: 137 (our SIGKILL), or 0 when it finished first
	[ "$krc" = 137 ] || [ "$krc" = 0 ] || problem "the run to be killed exited $krc before the kill"

	# 2. the state right after the kill
	if ! load_facts; then
		problem "cannot read the state after the kill: $(head -n1 "$work/facts.err")"
	else
		check_state 0 >"$work/problems"
		while IFS= read -r p; do [ -n "$p" ] && problem "after the kill: $p"; done <"$work/problems"
	fi
	if [ -n "$RUNNING_V" ]; then
		landed="mid $RUNNING_V at $RUNNING_D/${M_N[$RUNNING_V]}"
		n_mid=$((n_mid + 1))
	elif [ "$NAPPLIED" = 0 ]; then
		landed="before the first or inside it"
		n_before=$((n_before + 1))
	elif [ "$NAPPLIED" = "${#MIGS[@]}" ]; then
		landed="after the last"
		n_after=$((n_after + 1))
	else
		landed="after $NAPPLIED applied"
		n_between=$((n_between + 1))
	fi

	# 3. recovery
	how=
	t0=$EPOCHREALTIME
	run recover up
	t1=$EPOCHREALTIME
	rec_ms=$(( (${t1/./} - ${t0/./}) / 1000 )) rec_rc=$rc
	if [ "$rc" = 0 ] && [ -n "$RUNNING_V" ]; then
		# resumed by itself: the log line names the statement it resumed
		# at, d+1 or later (a server session of the killed run may have
		# finished more before it was gone); that statement and every one
		# skipped since must be one that shares a transaction
		line=$(grep -i "resum" "$work/out.recover" | grep -F "$RUNNING_V" | head -n1)
		s=
		[[ $line =~ statement\ ([0-9]+)\ of\ ([0-9]+) ]] && s=${BASH_REMATCH[1]}
		if [ -z "$line" ]; then
			# finished by the killed run's server session before `up` read it?
			[ "$BACKEND" != sqlite ] ||
				problem "up completed $RUNNING_V (was running at $RUNNING_D) without a line saying it resumed"
			how=", finished by the server"
		elif [ -z "$s" ]; then
			problem "the resume line names no statement: $line"
		elif ((s < RUNNING_D + 1)) || ([ "$BACKEND" = sqlite ] && ((s != RUNNING_D + 1))); then
			problem "resumed $RUNNING_V at statement $s, expected $((RUNNING_D + 1))"
		elif [ "${S_AUTO[$RUNNING_V:$s]:-}" = a ]; then
			problem "resumed $RUNNING_V by itself at statement $s, which commits on its own (in doubt)"
		else
			n_auto=$((n_auto + 1))
			how=", resumed at $s"
		fi
	elif [ "$rc" = 7 ]; then
		# in doubt. The state now (the refusing `up` waited for the killed
		# run's server sessions): the same migration as right after the
		# kill, if one was running then, at the same statement or later.
		pre_v=$RUNNING_V pre_d=$RUNNING_D np=${#PROBLEMS[@]}
		if ! load_facts; then
			problem "cannot read the state after up exited 7: $(head -n1 "$work/facts.err")"
		else
			check_state 0 >"$work/problems"
			while IFS= read -r p; do [ -n "$p" ] && problem "after up exited 7: $p"; done <"$work/problems"
		fi
		v=$RUNNING_V
		n=${M_N[$v]:-0}
		line=$(grep -F "statement " "$work/out.recover" | grep -F -- "--skip-in-flight" | head -n1)
		s=
		[[ $line =~ statement\ ([0-9]+)\ of\ $n([^0-9]|$) ]] && s=${BASH_REMATCH[1]}
		if [ -z "$v" ]; then
			problem "up exited 7 but no migration is running"
		elif [ -n "$pre_v" ] && { [ "$pre_v" != "$v" ] || ((RUNNING_D < pre_d)); }; then
			problem "$pre_v was running at $pre_d after the kill, but $v at $RUNNING_D when up exited 7"
		elif [ -z "$s" ] || [[ $line != *"$v"* ]]; then
			problem "up exited 7 without one line naming $v, 'statement S of $n' and --skip-in-flight"
		elif ((s != RUNNING_D + 1)); then
			problem "up says statement $s of $v is in flight, but statements_done is $RUNNING_D"
		elif [ "${S_AUTO[$v:$s]}" != a ]; then
			problem "up refused over statement $s of $v (${S_TRACE[$v:$s]}), which shares a transaction and cannot be in doubt"
		else
			[[ $line == *"${M_FILE[$v]}:${S_LINE[$v:$s]}"* ]] ||
				problem "the line does not name ${M_FILE[$v]}:${S_LINE[$v:$s]}: $line"
			[[ $line =~ strata\ repair\ --resume\ $v([^0-9]|$) ]] ||
				problem "the line does not name 'strata repair --resume $v': $line"
			[[ $line =~ strata\ repair\ --resume\ --skip-in-flight\ $v([^0-9]|$) ]] ||
				problem "the line does not name 'strata repair --resume --skip-in-flight $v': $line"
			[ -n "$pre_v" ] || landed="$landed (then $v at $RUNNING_D/$n)"
			# decide from the schema (read above)
			if [ ${#PROBLEMS[@]} = "$np" ]; then
				took "$v" "$s"; t=$TOOK
				mode=(--resume)
				case $t in
				1) mode=(--resume --skip-in-flight); how=", in doubt at $s: present, skipped"; n_skip=$((n_skip + 1)) ;;
				0|'?') how=", in doubt at $s: absent, resumed"; n_resume=$((n_resume + 1)) ;;
				invalid)
					be_drop_index "${S_TRACE[$v:$s]#I:}" >"$work/out.drop" 2>&1 ||
						problem "cannot drop the invalid index ${S_TRACE[$v:$s]#I:}"
					how=", in doubt at $s: INVALID index dropped, resumed"
					n_drop=$((n_drop + 1)) ;;
				*) problem "statement $s of $v (in flight) took effect $t times"; mode=() ;;
				esac
				if [ ${#mode[@]} -gt 0 ]; then
					run repair repair "${mode[@]}" "$v"
					[ "$rc" = 0 ] || problem "repair ${mode[*]} $v exited $rc"
					run recover2 up
					[ "$rc" = 0 ] || problem "up after the repair exited $rc"
				fi
			fi
		fi
	elif [ "$rc" != 0 ]; then
		problem "up after the kill exited $rc${RUNNING_V:+ ($RUNNING_V was running at $RUNNING_D)}"
	fi

	# 4. the end state
	if ! load_facts; then
		problem "cannot read the end state: $(head -n1 "$work/facts.err")"
	else
		check_state 1 >"$work/problems"
		while IFS= read -r p; do [ -n "$p" ] && problem "at the end: $p"; done <"$work/problems"
	fi
	run status status --exit-code
	[ "$rc" = 0 ] || problem "status --exit-code exited $rc at the end"

	# T follows the machine's load: a kill that landed mid-run and an
	# automatic recovery make a whole run (kill delay + recovery - its
	# start-up); a run that finished before the kill was shorter than
	# the delay.
	if [ "$(be_slow "$trial")" = 0 ]; then
		if [ "$krc" = 137 ] && [ "$rec_rc" = 0 ] && { [ -z "$how" ] || [[ $how == ", resumed"* ]]; }; then
			sample=$((delay + rec_ms - T_IDLE))
		elif [ "$krc" = 0 ]; then
			sample=$((delay * 9 / 10))
		else
			sample=$T_MS
		fi
		((sample > T_IDLE + 50)) || sample=$((T_IDLE + 50))
		((sample < 2 * T_MS)) || sample=$((2 * T_MS))
		T_MS=$(( (3 * T_MS + sample) / 4 ))
	fi

	# 5.-8. down, killed (on the fully applied database of step 4)
	DLANDED="" DHOW=""
	if [ "$DOWN" = 1 ] && [ ${#PROBLEMS[@]} -eq 0 ]; then
		nd_trials=$((nd_trials + 1))
		down_phase
		how+="; down: $DLANDED$DHOW"
	fi

	if [ ${#PROBLEMS[@]} -eq 0 ]; then
		echo "ok $tap_n - $desc: $landed$how"
		be_gone
	else
		failures=$((failures + 1))
		echo "not ok $tap_n - $desc: $landed$how"
		dump_trial
		[ -n "${CRASH_KEEP:-}" ] || be_gone
	fi
done

echo "# $BACKEND: $TRIALS trials in $((SECONDS - start)) s (T = $T0_MS ms at first, $T_MS ms at the end): kills landed" \
	"$n_mid mid-migration (running row), $n_between between or inside transactional ones," \
	"$n_before before the first or inside it, $n_after after the last; $n_auto auto-resumes;" \
	"in-doubt repairs: $n_resume resume, $n_skip skip-in-flight, $n_drop drop+resume; $failures failures"
[ "$DOWN" = 0 ] ||
	echo "# $BACKEND: down --all killed in $nd_trials trials (TD = $TD0_MS ms at first, $TD_MS ms at the end): kills landed" \
		"$nd_mid mid-migration (reverting row), $nd_between between or inside transactional ones," \
		"$nd_before before the first revert or inside it, $nd_after after the last; $nd_auto auto-resumes;" \
		"in-doubt repairs: $nd_resume resume, $nd_skip skip-in-flight, $nd_invalid resume over an INVALID index;" \
		"$nd_rkill repairs killed"
echo "1..$tap_n"
[ "$failures" = 0 ]
