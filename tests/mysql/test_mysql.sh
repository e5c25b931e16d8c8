#!/bin/bash
# tests/mysql/test_mysql.sh - the MySQL/MariaDB driver end to end, through
# the strata binary, against a real server.
#
# Needs: STRATA (the built binary; default ./strata), STRATA_TEST_MYSQL_URL
# (mysql://user:password@host:port/database), the `mariadb` (or `mysql`)
# client to inspect the database. A missing URL or an unreachable server
# FAILS. Every object a test creates is named stmy<pid>_..., so runs and
# other suites can share the database; the authelia corpus, whose table
# names are fixed, gets a database of its own (stmy<pid>_auth). Everything
# is dropped on exit.
#
# Output: TAP-like "ok N - ..." / "not ok N - ..." lines; exits non-zero
# when anything failed.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
STRATA=${STRATA:-$top_srcdir/strata}
URL=${STRATA_TEST_MYSQL_URL:-}
CORPUS=${STRATA_AUTHELIA_CORPUS:-/work/shared/corpora/authelia/mysql}
P=stmy$$
work=$(mktemp -d)
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
bail() { echo "Bail out! $*"; exit 1; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

[ -n "$URL" ] || bail "STRATA_TEST_MYSQL_URL is not set (mysql://user:password@host:port/database)"
[ -x "$STRATA" ] || bail "no strata binary at $STRATA"
CLIENT=$(command -v mariadb || command -v mysql) ||
	bail "neither the mariadb nor the mysql client is installed"

# Split the URL for the client (no percent-decoding: keep test URLs plain).
re='^(mysql|mariadb)://(([^:@/]*)(:([^@/]*))?@)?([^:/?]*)(:([0-9]+))?/([^?]+)'
[[ $URL =~ $re ]] || bail "cannot parse STRATA_TEST_MYSQL_URL"
DB_USER=${BASH_REMATCH[3]}
DB_PASS=${BASH_REMATCH[5]}
DB_HOST=${BASH_REMATCH[6]:-127.0.0.1}
DB_PORT=${BASH_REMATCH[8]:-3306}
DB_NAME=${BASH_REMATCH[9]}
URL_BASE=${URL%%/"$DB_NAME"*}   # scheme://user:pw@host:port

# sql [DATABASE] STATEMENTS: runs through the client, tab-separated output.
sql_in() {
	local db=$1; shift
	MYSQL_PWD=$DB_PASS "$CLIENT" --protocol=TCP -h "$DB_HOST" -P "$DB_PORT" \
		${DB_USER:+-u "$DB_USER"} -N -B "$db" -e "$*"
}
sql() { sql_in "$DB_NAME" "$@"; }

cleanup() {
	local t
	sql "SELECT CONCAT('\`', REPLACE(TABLE_NAME, '\`', '\`\`'), '\`') FROM information_schema.TABLES
	     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '${P}\\_%'" 2>/dev/null |
	while IFS= read -r t; do
		sql "SET FOREIGN_KEY_CHECKS = 0; DROP TABLE IF EXISTS $t" >/dev/null 2>&1
	done
	sql "SELECT ROUTINE_NAME FROM information_schema.ROUTINES
	     WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME LIKE '${P}\\_%'" 2>/dev/null |
	while IFS= read -r t; do
		sql "DROP PROCEDURE IF EXISTS \`$t\`" >/dev/null 2>&1
	done
	sql "DROP DATABASE IF EXISTS \`${P}_auth\`" >/dev/null 2>&1
	[ -n "${main_db:-}" ] && sql_in mysql "DROP DATABASE IF EXISTS \`$main_db\`" >/dev/null 2>&1
	[ -n "${holder_pid:-}" ] && kill "$holder_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

sql "SELECT 1" >/dev/null 2>"$work/reach.err" ||
	bail "the MySQL server of STRATA_TEST_MYSQL_URL is unreachable: $(head -n1 "$work/reach.err")"

# A database of its own: the conformance suite and the CLI tests share the
# server, and a schema dump of a database that others change under it can
# fail. Everything below runs in stmy<pid>_main, dropped on exit.
main_db=${P}_main
sql "CREATE DATABASE \`$main_db\`" >/dev/null 2>"$work/create.err" ||
	bail "cannot create database $main_db: $(head -n1 "$work/create.err")"
URL="${URL_BASE}/${main_db}${URL#"${URL_BASE}/${DB_NAME}"}"
DB_NAME=$main_db

# st DIR TABLE ARGS...: runs strata on DIR with history table TABLE;
# stdout+stderr go to $work/out, the exit status to $rc.
st() {
	local dir=$1 table=$2; shift 2
	"$STRATA" -u "$URL" -d "$dir" --table "$table" --no-color "$@" >"$work/out" 2>&1
	rc=$?
	cat "$work/out" >>"$work/all-output"
}
has() { grep -qF -- "$1" "$work/out"; }
# mig DIR FILE: writes stdin to DIR/FILE.
mig() { mkdir -p "$1"; cat >"$1/$2"; }
val() { [ "$1" = "$2" ] || { echo "# expected [$2], got [$1]" >&2; return 1; }; }

# ------------------------------------------------------------------
# 1-3. A statement-by-statement (DDL) migration failing at statement 3 of
#      5, `up` refusing while it is failed, and repair --resume.
# ------------------------------------------------------------------
d=$work/fail; h=${P}_h_fail
mig "$d" 0001_five.up.sql <<EOF
CREATE TABLE ${P}_f_log (step VARCHAR(10) PRIMARY KEY);
INSERT INTO ${P}_f_log VALUES ('two');
CREATE TABLE ${P}_f_three (
    id INT PRIMARY KEY,
    bad NO_SUCH_TYPE
);
INSERT INTO ${P}_f_log VALUES ('four');
CREATE TABLE ${P}_f_five (id INT);
EOF
printf 'DROP TABLE %s_f_five;\nDROP TABLE %s_f_three;\nDROP TABLE %s_f_log;\n' $P $P $P |
	mig "$d" 0001_five.down.sql
st "$d" "$h" -v up
check "failing DDL migration exits 8 (got $rc)" val "$rc" 8
check "the error names file:line of statement 3" has "0001_five.up.sql:3:"
check "the error has the server's message" has "NO_SUCH_TYPE"
check "the error has the SQLSTATE" grep -qE "SQLSTATE [0-9A-Z]{5}" "$work/out"
check "the error has the errno (-v)" grep -qE "native code [0-9]{4}" "$work/out"
check "the error says statement 3 of 5" has "statement 3 of 5"
check "statements 1 and 2 stayed applied" \
	val "$(sql "SELECT GROUP_CONCAT(step ORDER BY step) FROM ${P}_f_log")" "two"
check "history row is failed with statements_done 2 of 5" \
	val "$(sql "SELECT CONCAT(state, ' ', statements_done, '/', statements_total) FROM ${h} WHERE version = '0001'")" "failed 2/5"
check "last_error is stored" \
	val "$(sql "SELECT last_error LIKE '%NO_SUCH_TYPE%' FROM ${h} WHERE version = '0001'")" 1

st "$d" "$h" up
check "up refuses a failed migration with exit 7 (got $rc)" val "$rc" 7
check "the refusal points at repair" has "repair"

sed -i 's/,$//; /NO_SUCH_TYPE/d' "$d/0001_five.up.sql"
st "$d" "$h" repair --resume
check "repair --resume after fixing the file exits 0 (got $rc)" val "$rc" 0
check "statements 3-5 ran once, 1-2 not again" \
	val "$(sql "SELECT GROUP_CONCAT(step ORDER BY step) FROM ${P}_f_log")" "four,two"
check "statement 5 ran" val "$(sql "SELECT COUNT(*) FROM ${P}_f_five")" 0
check "history row is applied 5/5" \
	val "$(sql "SELECT CONCAT(state, ' ', statements_done, '/', statements_total) FROM ${h} WHERE version = '0001'")" "applied 5/5"
st "$d" "$h" up
check "up after the repair has nothing to do (exit $rc)" val "$rc" 0

# ------------------------------------------------------------------
# 4. A syntax error deep inside a multi-line statement points at its line.
# ------------------------------------------------------------------
d=$work/syntax; h=${P}_h_syntax
mig "$d" 0001_syntax.up.sql <<EOF
CREATE TABLE ${P}_s_ok (id INT);
SELECT id,
       id + 1
FROM ${P}_s_ok
WHERE id = = 1;
EOF
st "$d" "$h" up
check "a syntax error on line 5 of a statement starting at line 2 is reported at line 5" \
	has "0001_syntax.up.sql:5:"

# ------------------------------------------------------------------
# 5. Stored procedures: with DELIMITER $$ and without DELIMITER.
# ------------------------------------------------------------------
d=$work/proc; h=${P}_h_proc
mig "$d" 0001_procs.up.sql <<EOF
CREATE TABLE ${P}_p_out (n INT PRIMARY KEY, via VARCHAR(20));

DELIMITER \$\$
CREATE PROCEDURE ${P}_p_delim(IN upto INT)
BEGIN
    DECLARE i INT DEFAULT 1;
    WHILE i <= upto DO
        INSERT INTO ${P}_p_out VALUES (i, 'delimiter');
        SET i = i + 1;
    END WHILE;
END\$\$
DELIMITER ;

CREATE PROCEDURE ${P}_p_plain(IN start_at INT, IN upto INT)
BEGIN
    DECLARE i INT DEFAULT start_at;
    IF upto < start_at THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'bad range';
    END IF;
    loop1: LOOP
        IF i > upto THEN
            LEAVE loop1;
        END IF;
        INSERT INTO ${P}_p_out VALUES (i, 'plain');
        SET i = i + 1;
    END LOOP loop1;
END;

CALL ${P}_p_delim(3);
CALL ${P}_p_plain(10, 12);
EOF
st "$d" "$h" up
check "procedures with and without DELIMITER are created and called (exit $rc)" val "$rc" 0
check "the DELIMITER procedure ran its loop" \
	val "$(sql "SELECT COUNT(*) FROM ${P}_p_out WHERE via = 'delimiter'")" 3
check "the plain BEGIN...END procedure ran its loop" \
	val "$(sql "SELECT GROUP_CONCAT(n ORDER BY n) FROM ${P}_p_out WHERE via = 'plain'")" "10,11,12"

# ------------------------------------------------------------------
# 6. The authelia corpus (pairs named V0001.Name.up.sql / .down.sql, read
#    as they are), in a database of its own because its table names are
#    fixed.
# ------------------------------------------------------------------
d=$CORPUS; h=strata_migrations
if [ -d "$CORPUS" ] && sql "CREATE DATABASE \`${P}_auth\`" 2>"$work/auth.err"; then
	total=$(ls "$d" | grep -c '\.up\.sql$')
	"$STRATA" -u "$URL_BASE/${P}_auth" -d "$d" --no-color up >"$work/out" 2>&1
	rc=$?
	check "the authelia corpus ($total migrations) applies (exit $rc)" val "$rc" 0
	check "authelia: every migration recorded as applied" \
		val "$(sql_in "${P}_auth" "SELECT COUNT(*) FROM strata_migrations WHERE state = 'applied'")" "$total"
	check "authelia: its V0007 procedures exist" \
		val "$(sql_in "${P}_auth" "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()")" 2
	"$STRATA" -u "$URL_BASE/${P}_auth" -d "$d" --no-color down 5 >"$work/out" 2>&1
	rc=$?
	check "authelia: the newest 5 roll back (exit $rc)" val "$rc" 0
	"$STRATA" -u "$URL_BASE/${P}_auth" -d "$d" --no-color up >"$work/out" 2>&1
	rc=$?
	check "authelia: and apply again (exit $rc)" val "$rc" 0
else
	not_ok "authelia corpus: cannot use $CORPUS or create database ${P}_auth: $(head -n1 "$work/auth.err" 2>/dev/null)"
fi

# ------------------------------------------------------------------
# 7. A DML-only migration runs in one transaction: its failing last
#    statement rolls back everything, history included.
# ------------------------------------------------------------------
d=$work/dml; h=${P}_h_dml
mig "$d" 0001_table.up.sql <<EOF
CREATE TABLE ${P}_d_rows (id INT PRIMARY KEY) ENGINE=InnoDB;
EOF
mig "$d" 0002_rows.up.sql <<EOF
INSERT INTO ${P}_d_rows VALUES (1);
INSERT INTO ${P}_d_rows VALUES (2);
UPDATE ${P}_d_rows SET id = id + 10 WHERE id = 2;
INSERT INTO ${P}_d_rows VALUES (1);
EOF
st "$d" "$h" up
check "the DML migration fails with exit 8 (got $rc)" val "$rc" 8
check "the failure is at statement 4" has "statement 4 of 4"
check "no row of the DML migration is left" val "$(sql "SELECT COUNT(*) FROM ${P}_d_rows")" 0
check "no history row for the DML migration" \
	val "$(sql "SELECT COUNT(*) FROM ${h} WHERE version = '0002'")" 0
st "$d" "$h" status
check "the DML migration is still pending, not failed" grep -qE "0002 .*pending" "$work/out"

# ------------------------------------------------------------------
# 8. down with the migration's files gone uses the stored down SQL.
# ------------------------------------------------------------------
d=$work/gone; h=${P}_h_gone
mig "$d" 0001_gone.up.sql <<EOF
CREATE TABLE ${P}_g_t (id INT);
EOF
mig "$d" 0001_gone.down.sql <<EOF
DROP TABLE ${P}_g_t;
EOF
st "$d" "$h" up
check "the migration to lose applies (exit $rc)" val "$rc" 0
rm "$d"/0001_gone.*
st "$d" "$h" down
check "down with the files gone exits 0 (got $rc)" val "$rc" 0
check "the stored down SQL dropped the table" \
	val "$(sql "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${P}_g_t'")" 0
check "the history row is gone" val "$(sql "SELECT COUNT(*) FROM ${h} WHERE version = '0001'")" 0

# ------------------------------------------------------------------
# 9. 16 concurrent runners: every migration applied exactly once.
# ------------------------------------------------------------------
d=$work/race; h=${P}_h_race
mig "$d" 0001_count.up.sql <<EOF
CREATE TABLE ${P}_r_runs (migration VARCHAR(10), at_conn BIGINT);
EOF
for i in 2 3 4 5 6; do
	mig "$d" 000${i}_step.up.sql <<EOF
INSERT INTO ${P}_r_runs VALUES ('000${i}', CONNECTION_ID());
EOF
done
mig "$d" 0007_ddl.up.sql <<EOF
ALTER TABLE ${P}_r_runs ADD COLUMN extra INT;
INSERT INTO ${P}_r_runs (migration, at_conn) VALUES ('0007', CONNECTION_ID());
EOF
pids=()
for i in $(seq 16); do
	"$STRATA" -u "$URL" -d "$d" --table "$h" --no-color --lock-timeout 60 up \
		>"$work/race.$i" 2>&1 &
	pids+=($!)
done
race_fail=0
for i in $(seq 16); do
	wait "${pids[$((i - 1))]}" || { race_fail=$((race_fail + 1)); sed 's/^/# /' "$work/race.$i"; }
	cat "$work/race.$i" >>"$work/all-output"
done
check "16 concurrent runners all exit 0 ($race_fail failed)" val "$race_fail" 0
check "each migration ran exactly once" \
	val "$(sql "SELECT GROUP_CONCAT(CONCAT(migration, ':', c) ORDER BY migration) FROM
	            (SELECT migration, COUNT(*) c FROM ${P}_r_runs GROUP BY migration) x")" \
	"0002:1,0003:1,0004:1,0005:1,0006:1,0007:1"
check "7 applied history rows" \
	val "$(sql "SELECT COUNT(*) FROM ${h} WHERE state = 'applied'")" 7

# ------------------------------------------------------------------
# 10. Lock timeout: another session holds the migration lock.
# ------------------------------------------------------------------
d=$work/lock; h=${P}_h_lock
mig "$d" 0001_lock.up.sql <<EOF
CREATE TABLE ${P}_l_t (id INT);
EOF
lock_name="strata:${DB_NAME}.${h}"
sql "SELECT GET_LOCK('$lock_name', 0), SLEEP(30)" >/dev/null 2>&1 &
holder_pid=$!
holder_conn=
for _ in $(seq 200); do   # up to 10 s for the holder to connect
	holder_conn=$(sql "SELECT IS_USED_LOCK('$lock_name')")
	[ -n "$holder_conn" ] && [ "$holder_conn" != NULL ] && break
	sleep 0.05
done
check "the other session holds $lock_name" test -n "$holder_conn" -a "$holder_conn" != NULL
start=$(date +%s%N)
st "$d" "$h" --lock-timeout 0.3 up
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "--lock-timeout 0.3 exits 9 (got $rc)" val "$rc" 9
check "the timeout names the holding connection" has "connection $holder_conn"
check "and it gave up quickly (${elapsed_ms} ms)" test "$elapsed_ms" -lt 5000
check "nothing ran" \
	val "$(sql "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${P}_l_t'")" 0
sql "KILL $holder_conn" >/dev/null 2>&1
wait "$holder_pid" 2>/dev/null
holder_pid=
st "$d" "$h" --lock-timeout 10 up
check "once the holder is gone, up runs (exit $rc)" val "$rc" 0

# ------------------------------------------------------------------
# 11. Backticks, # comments and /*! */ versioned comments.
# ------------------------------------------------------------------
d=$work/lex; h=${P}_h_lex
mig "$d" 0001_lex.up.sql <<EOF
# a hash comment; with a semicolon
CREATE TABLE \`${P}_x odd;name\` (
    \`col;umn\` INT, # trailing comment; here
    \`back\`\`tick\` VARCHAR(10) DEFAULT 'a;b'
) /*!50503 ENGINE=InnoDB */ /*M!100100 COMMENT='versioned; comment' */;
/*!40101 SET @${P}_v = 42 */;
INSERT INTO \`${P}_x odd;name\` (\`col;umn\`) VALUES (/*!32302 1 + */ 1); -- 2
# done
EOF
st "$d" "$h" up
check "backticks, # comments and /*! */ comments apply (exit $rc)" val "$rc" 0
check "the backticked table has its row" \
	val "$(sql "SELECT CONCAT(\`col;umn\`, ' ', \`back\`\`tick\`) FROM \`${P}_x odd;name\`")" "2 a;b"
check "the /*M! */ comment ran" \
	val "$(sql "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${P}_x odd;name'")" \
	"versioned; comment"

# ------------------------------------------------------------------
# 12. Passwords never appear.
# ------------------------------------------------------------------
secret="Wr0ng-Secret-$$"
bad_url="${URL_BASE%%@*}"
bad_url="${bad_url%%:*}://${DB_USER:-root}:${secret}@${URL_BASE#*@}/$DB_NAME"
[[ $URL_BASE == *@* ]] || bad_url="mysql://${DB_USER:-root}:${secret}@${DB_HOST}:${DB_PORT}/$DB_NAME"
"$STRATA" -u "$bad_url" -d "$work/lex" -v status >"$work/out" 2>&1
rc=$?
check "a wrong password exits 5 (got $rc)" val "$rc" 5
check "the failure says why" grep -qi "denied" "$work/out"
check "the wrong password is in no output" test -z "$(grep -F -- "$secret" "$work/out")"
DATABASE_URL=$bad_url "$STRATA" -d "$work/lex" up >"$work/out" 2>&1
check "nor through DATABASE_URL" test -z "$(grep -F -- "$secret" "$work/out")"
if [ ${#DB_PASS} -ge 4 ]; then
	check "the real password is in no output of this run" \
		test -z "$(grep -F -- "$DB_PASS" "$work/all-output")"
fi

# ------------------------------------------------------------------
# 13. URL errors.
# ------------------------------------------------------------------
"$STRATA" -u "${URL}?bogus=1" -d "$work/lex" status >"$work/out" 2>&1
rc=$?
check "an unknown URL parameter exits 4 (got $rc)" val "$rc" 4
check "and names the parameter" has "bogus"
"$STRATA" -u "mysql://u:p@${DB_HOST}:99999/x" -d "$work/lex" status >"$work/out" 2>&1
rc=$?
check "a bad port exits 4 (got $rc)" val "$rc" 4
# go-sql-driver's parameters, as dbmate URLs carry them: the Go client's
# own are accepted, collation and readTimeout take effect, a charset
# other than UTF-8 is refused
d=$work/goparams; h=${P}_h_go
mig "$d" 0001_collation.up.sql <<EOF
CREATE TABLE ${P}_go_coll AS SELECT @@collation_connection AS c;
EOF
"$STRATA" -u "${URL}?parseTime=true&loc=Local&multiStatements=true&charset=utf8mb4,utf8&collation=utf8mb4_unicode_ci&timeout=10s" \
	-d "$d" --table "$h" --no-color up >"$work/out" 2>&1
rc=$?
check "a dbmate-style URL applies (exit $rc)" val "$rc" 0
check "its collation is the session's" val "$(sql "SELECT c FROM ${P}_go_coll")" utf8mb4_unicode_ci
mig "$d" 0002_slow.up.sql <<EOF
SELECT SLEEP(4);
EOF
"$STRATA" -u "${URL}?readTimeout=1s" -d "$d" --table "$h" --no-color up >"$work/out" 2>&1
rc=$?
check "readTimeout=1s ends a 4 s statement (exit $rc, not 0)" test "$rc" -ne 0
check "with the client's message" grep -qiE "lost connection|timed? ?out|read" "$work/out"
for bad in "charset=latin1" "collation=latin1_swedish_ci" "timeout=soon"; do
	"$STRATA" -u "${URL}?$bad" -d "$d" --table "$h" status >"$work/out" 2>&1
	rc=$?
	check "$bad is refused with exit 4 (got $rc)" val "$rc" 4
done

# ------------------------------------------------------------------
# 14. TLS: with a server that has it, ssl-mode=REQUIRED encrypts and
#     DISABLED does not; without it, REQUIRED refuses to connect.
# ------------------------------------------------------------------
d=$work/tls; h=${P}_h_tls
mig "$d" 0001_cipher.up.sql <<EOF
CREATE TABLE ${P}_tls AS SELECT VARIABLE_VALUE AS cipher
    FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher';
EOF
have_ssl=$(sql "SELECT @@have_ssl")
"$STRATA" -u "${URL}?ssl-mode=REQUIRED" -d "$d" --table "$h" --no-color up >"$work/out" 2>&1
rc=$?
if [ "$have_ssl" = YES ]; then
	check "ssl-mode=REQUIRED connects to a TLS server (exit $rc)" val "$rc" 0
	check "and the session is encrypted" test -n "$(sql "SELECT cipher FROM ${P}_tls")"
	sql "DROP TABLE ${P}_tls; DROP TABLE ${h}"
	"$STRATA" -u "${URL}?ssl-mode=DISABLED" -d "$d" --table "$h" --no-color up >"$work/out" 2>&1
	check "ssl-mode=DISABLED connects without TLS" val "$(sql "SELECT cipher FROM ${P}_tls")" ""
else
	check "ssl-mode=REQUIRED refuses a server without TLS with exit 5 (got $rc)" val "$rc" 5
	check "and says TLS is missing" grep -qi "TLS\|SSL" "$work/out"
fi

# ------------------------------------------------------------------
# 15. Credentials from option files: defaults-file=, and ~/.my.cnf.
# ------------------------------------------------------------------
d=$work/lex; h=${P}_h_lex
cnf=$work/client.cnf
printf '[client]\nuser=%s\npassword=%s\n' "$DB_USER" "$DB_PASS" >"$cnf"
chmod 600 "$cnf"
"$STRATA" -u "mysql://${DB_HOST}:${DB_PORT}/${DB_NAME}?defaults-file=$cnf" -d "$d" \
	--table "$h" --no-color status >"$work/out" 2>&1
rc=$?
check "defaults-file= supplies user and password (exit $rc)" val "$rc" 0
mkdir -p "$work/home"
cp "$cnf" "$work/home/.my.cnf"
HOME=$work/home "$STRATA" -u "mysql://${DB_HOST}:${DB_PORT}/${DB_NAME}" -d "$d" \
	--table "$h" --no-color status >"$work/out" 2>&1
rc=$?
check "~/.my.cnf [client] supplies user and password (exit $rc)" val "$rc" 0

# ------------------------------------------------------------------
# 16. --statement-timeout stops a long statement.
# ------------------------------------------------------------------
d=$work/stmt; h=${P}_h_stmt
mig "$d" 0001_slow.up.sql <<EOF
SELECT SLEEP(20);
EOF
start=$(date +%s%N)
st "$d" "$h" --statement-timeout 0.5 up
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "--statement-timeout 0.5 fails the statement with exit 8 (got $rc)" val "$rc" 8
check "within seconds (${elapsed_ms} ms)" test "$elapsed_ms" -lt 10000

# ------------------------------------------------------------------
# 17. --ddl-lock-timeout: an expired table lock wait is retried, then fails.
# ------------------------------------------------------------------
d=$work/ddl; h=${P}_h_ddl
sql "CREATE TABLE ${P}_k_locked (id INT)"
mig "$d" 0001_alter.up.sql <<EOF
ALTER TABLE ${P}_k_locked ADD COLUMN x INT;
EOF
sql "LOCK TABLES ${P}_k_locked WRITE; SELECT SLEEP(30) AS ${P}_locker" >/dev/null 2>&1 &
holder_pid=$!
locker=
for _ in $(seq 200); do   # up to 10 s for the locker to get there
	locker=$(sql "SELECT ID FROM information_schema.PROCESSLIST
	              WHERE INFO LIKE '%AS ${P}_locker%' AND INFO NOT LIKE '%PROCESSLIST%'")
	[ -n "$locker" ] && break
	sleep 0.05
done
check "another session holds a table lock" test -n "$locker"
st "$d" "$h" --ddl-lock-timeout 1 --ddl-lock-retries 1 up
check "the ALTER gives up with exit 8 (got $rc)" val "$rc" 8
check "after one retry reported as a warning" has "retry 1 of 1"
check "with the server's lock wait message" has "Lock wait timeout"
sql "KILL $locker" >/dev/null 2>&1
wait "$holder_pid" 2>/dev/null
holder_pid=
st "$d" "$h" --ddl-lock-timeout 5 repair --resume
check "once the lock is gone, repair --resume runs it (exit $rc)" val "$rc" 0

echo "1..$n"
[ "$failed" -eq 0 ] || { echo "# $failed of $n failed"; exit 1; }
exit 0
