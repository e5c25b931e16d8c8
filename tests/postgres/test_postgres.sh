#!/usr/bin/env bash
# tests/postgres/test_postgres.sh - the PostgreSQL driver through the
# strata CLI, against a real server.
#
# Environment:
#   STRATA                     the strata binary (default: ./strata)
#   STRATA_TEST_POSTGRES_URL   the server (e.g. postgres://postgres@127.0.0.1:55432/postgres);
#                              missing or unreachable: the test FAILS
#   STRATA_CORPORA             the real migration sets (default:
#                              /work/shared/corpora; missing: case 15 FAILS)
# Needs psql (postgresql-client) to look at the database.
#
# Every case works in schemas of its own (t<pid>_<case>_...), dropped at
# the end; the create/drop case uses a database of its own. Nothing
# sleeps to wait for another process: the waits poll a condition with a
# deadline, and the lock holders are psql coprocesses the test drives.
# Output is TAP ("ok N - ..."); the exit status is non-zero on any failure.
set -u

STRATA=${STRATA:-./strata}
URL=${STRATA_TEST_POSTGRES_URL:-}
PREFIX="t$$"
TMP=
FAILED=0
N=0

bail() {
	echo "Bail out! $*"
	exit 1
}

[ -n "$URL" ] || bail "STRATA_TEST_POSTGRES_URL is not set: this test needs a PostgreSQL server (scripts/test.sh starts one, or eval \"\$(scripts/servers.sh start)\")"
[ -x "$STRATA" ] || bail "STRATA=$STRATA is not an executable"
command -v psql >/dev/null || bail "psql not found (install postgresql-client)"
psql -X -q -tA "$URL" -c 'select 1' >/dev/null 2>&1 ||
	bail "cannot reach the server at STRATA_TEST_POSTGRES_URL: $(psql -X -tA "$URL" -c 'select 1' 2>&1 | head -1)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-pg-XXXXXX") || bail "mktemp failed"

# A database of its own: the conformance suite and the CLI tests share the
# server, and pg_dump of a database that others change under it can fail.
# Everything below runs in t<pid>_main, dropped on exit.
SERVER_URL=$URL
MAIN_DB="${PREFIX}_main"
psql -X -q "$SERVER_URL" -c "create database \"$MAIN_DB\"" >/dev/null 2>"$TMP/create.err" ||
	bail "cannot create database $MAIN_DB: $(head -1 "$TMP/create.err")"
# postgres://who@host:port/DB?params -> .../t<pid>_main?params
URL=$(sed -E "s#^([A-Za-z0-9+.-]+://[^/?]*)(/[^?]*)?#\\1/$MAIN_DB#" <<<"$SERVER_URL")

cleanup() {
	local s
	for s in $(q "select nspname from pg_namespace where nspname like '${PREFIX}\_%'"); do
		q "drop schema \"$s\" cascade" >/dev/null 2>&1
	done
	psql -X -q "$URL" -c "drop database if exists \"${PREFIX}_db\"" >/dev/null 2>&1
	[ -n "${MAIN_DB:-}" ] &&
		psql -X -q "$SERVER_URL" -c "drop database if exists \"$MAIN_DB\" with (force)" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

# q SQL: runs SQL, prints the rows unaligned, tuples only.
q() {
	psql -X -q -tA -v ON_ERROR_STOP=1 "$URL" -c "$1"
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

# contains FILE TEXT: whether FILE contains TEXT (fixed string).
contains() {
	grep -qsF -- "$2" "$1"
}

# run NAME ARGS...: runs strata with ARGS; stdout/stderr in $TMP/NAME.out
# and .err, the exit status in RC.
run() {
	local name=$1
	shift
	"$STRATA" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
}

# expect_rc DESCRIPTION NAME WANT: checks RC of the last run NAME.
expect_rc() {
	if [ "$RC" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "exit status $RC, expected $3" \
			"stderr: $(head -c 2000 "$TMP/$2.err")"
	fi
}

# migration DIR FILE: writes stdin to DIR/FILE (creating DIR).
migration() {
	mkdir -p "$1"
	cat >"$1/$2"
}

# The advisory lock key strata takes for "strata:<schema>.<table>": 64-bit
# FNV-1a read as a signed bigint (bash arithmetic wraps the same way).
lock_key() {
	local s="strata:$1" h=-3750763034362895579 i c LC_ALL=C
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(((h ^ (c & 255)) * 1099511628211))
	done
	echo "$h"
}

# URL with one more query parameter.
url_with() {
	case $URL in
	*\?*) echo "$URL&$1" ;;
	*) echo "$URL?$1" ;;
	esac
}

# A psql session the test drives (bash coprocess): holder_start APPNAME
# starts it and sets BACKEND_PID (its backend pid); holder_sql SQL runs SQL
# and waits until it is done; holder_stop ends the session.
holder_start() {
	coproc HOLDER { psql -X -q -tA "$(url_with "application_name=$1")" 2>&1; }
	HOLDER_SHELL_PID=$HOLDER_PID
	BACKEND_PID=$(holder_sql "select pg_backend_pid()")
}

holder_sql() {
	local line out=
	printf '%s;\nselect %s;\n' "$1" "'holder-done'" >&"${HOLDER[1]}"
	while IFS= read -r -t 20 line <&"${HOLDER[0]}"; do
		[ "$line" = holder-done ] && break
		[ -n "$line" ] && out=$line
	done
	echo "$out"
}

holder_stop() {
	local pid=$HOLDER_SHELL_PID
	printf '\\q\n' >&"${HOLDER[1]}"
	wait "$pid" 2>/dev/null
}

# poll SECONDS SQL: until SQL prints "t", at most SECONDS; 0 when it did.
poll() {
	local deadline=$((SECONDS + $1))
	while [ "$SECONDS" -le "$deadline" ]; do
		[ "$(q "$2" 2>/dev/null)" = t ] && return 0
		sleep 0.05
	done
	return 1
}

echo "# strata: $("$STRATA" version 2>&1 | head -1); server: $(q 'show server_version')"

# ---------------------------------------------------------------- cases

# 1. DO blocks, tagged dollar quotes, E'' strings, COPY FROM stdin; down.
t_dollar_copy() {
	local s="${PREFIX}_dollar" d="$TMP/dollar"
	migration "$d" 001_objects.sql <<'EOF'
-- migrate:up
CREATE TABLE items (id int PRIMARY KEY, note text, extra text);
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  r text := upper(t);  -- a ';' inside, and $$ too
BEGIN
  RETURN r || '; $$!';
END
$fn$;
DO $$
BEGIN
  INSERT INTO items VALUES (1, shout('one'), NULL);
END
$$;
INSERT INTO items VALUES (2, E'tab\there; it\'s', 'x');
COPY items (id, note, extra) FROM stdin;
3	copied; with semicolon	\N
4	back\\slash	$$ not a quote
\.
INSERT INTO items VALUES (5, 'after copy', NULL);

-- migrate:down
DROP FUNCTION shout(text);
DROP TABLE items;
EOF
	run dollar_up -u "$URL" -d "$d" --schema "$s" up
	expect_rc "dollar quotes, DO, E'' and COPY: up exits 0" dollar_up 0
	expect_eq "function with a tagged dollar quote works" \
		"$(q "select \"$s\".shout('a')")" 'A; $$!'
	expect_eq "DO block, E'' string and COPY rows landed" \
		"$(q "select string_agg(id || '=' || note || '/' || coalesce(extra, 'NULL'), '|' order by id) from \"$s\".items")" \
		"$(printf '1=ONE; $$!/NULL|2=tab\there; it'"'"'s/x|3=copied; with semicolon/NULL|4=back\\slash/$$ not a quote|5=after copy/NULL')"
	expect_eq "history row applied with 6 of 6 statements" \
		"$(q "select state || ' ' || statements_done || '/' || statements_total from \"$s\".strata_migrations where version = '001'")" \
		"applied 6/6"
	run dollar_down -u "$URL" -d "$d" --schema "$s" down
	expect_rc "down exits 0" dollar_down 0
	expect_eq "down dropped the table and the history row" \
		"$(q "select (to_regclass('\"$s\".items') is null)::text || ' ' || count(*) from \"$s\".strata_migrations where version = '001'")" \
		"true 0"
}

# 2. CREATE INDEX CONCURRENTLY runs outside a transaction, valid index.
t_concurrently() {
	local s="${PREFIX}_cic" d="$TMP/cic"
	migration "$d" 001_table.sql <<'EOF'
-- migrate:up
CREATE TABLE big (id int PRIMARY KEY, v int);
INSERT INTO big SELECT g, g % 97 FROM generate_series(1, 5000) g;
EOF
	migration "$d" 002_index.sql <<'EOF'
-- migrate:up
CREATE INDEX CONCURRENTLY big_v_idx ON big (v);
CREATE INDEX CONCURRENTLY IF NOT EXISTS big_v2_idx ON big (v, id);
-- migrate:down
DROP INDEX CONCURRENTLY big_v2_idx;
DROP INDEX CONCURRENTLY big_v_idx;
EOF
	run cic_up -u "$URL" -d "$d" --schema "$s" up
	expect_rc "CREATE INDEX CONCURRENTLY: up exits 0" cic_up 0
	if contains "$TMP/cic_up.err" "cannot run in a transaction"; then
		ok "CIC detected: the migration runs statement by statement"
	else
		not_ok "CIC detected: the migration runs statement by statement" \
			"stderr: $(cat "$TMP/cic_up.err")"
	fi
	expect_eq "both indexes exist and are valid" \
		"$(q "select count(*) filter (where i.indisvalid) || '/' || count(*) from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = '$s' and c.relname in ('big_v_idx', 'big_v2_idx')")" \
		"2/2"
	expect_eq "history progress: applied 2/2" \
		"$(q "select state || ' ' || statements_done || '/' || statements_total from \"$s\".strata_migrations where version = '002'")" \
		"applied 2/2"
	run cic_down -u "$URL" -d "$d" --schema "$s" down
	expect_rc "DROP INDEX CONCURRENTLY down exits 0" cic_down 0
	expect_eq "the indexes are gone" \
		"$(q "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '$s' and c.relname like 'big_v%idx'")" "0"
}

# 3. A failing transactional migration leaves nothing behind.
t_tx_failure() {
	local s="${PREFIX}_txfail" d="$TMP/txfail"
	migration "$d" 001_bad.sql <<'EOF'
-- migrate:up
CREATE TABLE half (id int);
INSERT INTO half VALUES (1);
SELECT id,   nosuchcolumn FROM half;
EOF
	run txfail -u "$URL" -d "$d" --schema "$s" up
	expect_rc "failing transactional migration exits 8" txfail 8
	if contains "$TMP/txfail.err" "001_bad.sql:4:14:" && contains "$TMP/txfail.err" "42703" &&
		contains "$TMP/txfail.err" 'column "nosuchcolumn" does not exist'; then
		ok "the error names file:line:column, the message and SQLSTATE 42703"
	else
		not_ok "the error names file:line:column, the message and SQLSTATE 42703" \
			"stderr: $(cat "$TMP/txfail.err")"
	fi
	# the server's DETAIL and HINT are on the one error line
	mkdir -p "$d/dh"
	cat >"$d/dh/001_detail.sql" <<'EOF'
-- migrate:up
CREATE TABLE dup (id int PRIMARY KEY);
INSERT INTO dup VALUES (1), (1);
EOF
	run detail -u "$URL" -d "$d/dh" --schema "$s" --table dh_history up
	expect_rc "a unique violation exits 8" detail 8
	if [ "$(wc -l <"$TMP/detail.err")" -eq 1 ] && contains "$TMP/detail.err" "(SQLSTATE 23505)" &&
		contains "$TMP/detail.err" "DETAIL: Key (id)=(1) already exists."; then
		ok "the error line carries the server's DETAIL"
	else
		not_ok "the error line carries the server's DETAIL" "stderr: $(cat "$TMP/detail.err")"
	fi
	cat >"$d/dh/001_detail.sql" <<'EOF'
-- migrate:up
SELECT no_such_function(1);
EOF
	run hint -u "$URL" -d "$d/dh" --schema "$s" --table dh_history up
	if [ "$(wc -l <"$TMP/hint.err")" -eq 1 ] && contains "$TMP/hint.err" "(SQLSTATE 42883) HINT: No function matches"; then
		ok "the error line carries the server's HINT"
	else
		not_ok "the error line carries the server's HINT" "stderr: $(cat "$TMP/hint.err")"
	fi
	expect_eq "no table and no history row remain" \
		"$(q "select (to_regclass('\"$s\".half') is null)::text || ' ' || count(*) from \"$s\".strata_migrations where version <> '~format'")" \
		"true 0"
}

# 4. A failing non-transactional migration: failed, refused, repaired.
t_nontx_failure() {
	local s="${PREFIX}_ntx" d="$TMP/ntx"
	migration "$d" 001_nt.sql <<'EOF'
-- migrate:up
CREATE TABLE nt (id int, v int);
CREATE INDEX CONCURRENTLY nt_idx ON nt (nosuch);
EOF
	migration "$d" 002_after.sql <<'EOF'
-- migrate:up
CREATE TABLE after_nt (id int);
EOF
	run ntx1 -u "$URL" -d "$d" --schema "$s" up
	expect_rc "failing CIC migration exits 8" ntx1 8
	if contains "$TMP/ntx1.err" "001_nt.sql:3:" && contains "$TMP/ntx1.err" "42703"; then
		ok "the error names the file, line and SQLSTATE"
	else
		not_ok "the error names the file, line and SQLSTATE" "stderr: $(cat "$TMP/ntx1.err")"
	fi
	expect_eq "history: failed after 1 of 2 statements, first statement kept" \
		"$(q "select state || ' ' || statements_done || '/' || statements_total || ' ' || (to_regclass('\"$s\".nt') is not null)::text from \"$s\".strata_migrations where version = '001'")" \
		"failed 1/2 true"
	run ntx2 -u "$URL" -d "$d" --schema "$s" up
	expect_rc "up refuses while a migration is failed (exit 7)" ntx2 7
	expect_eq "nothing after it ran" "$(q "select (to_regclass('\"$s\".after_nt') is null)::text")" "true"
	sed -i 's/(nosuch)/(v)/' "$d/001_nt.sql"
	run ntx3 -u "$URL" -d "$d" --schema "$s" repair --resume
	expect_rc "repair --resume after fixing the file exits 0" ntx3 0
	expect_eq "history applied 2/2, index valid" \
		"$(q "select m.state || ' ' || m.statements_done || '/' || m.statements_total || ' ' || i.indisvalid from \"$s\".strata_migrations m, pg_index i where m.version = '001' and i.indexrelid = '\"$s\".nt_idx'::regclass")" \
		"applied 2/2 true"
	run ntx4 -u "$URL" -d "$d" --schema "$s" up
	expect_rc "up goes on afterwards" ntx4 0
	expect_eq "the next migration ran" "$(q "select (to_regclass('\"$s\".after_nt') is not null)::text")" "true"
}

# 5. 16 concurrent runners apply every migration exactly once.
t_concurrent() {
	local s="${PREFIX}_conc" d="$TMP/conc" i pids=() bad=0
	migration "$d" 001_log.sql <<'EOF'
-- migrate:up
CREATE TABLE runs (version text);
EOF
	for i in 2 3 4 5 6 7 8; do
		migration "$d" "00${i}_step.sql" <<EOF
-- migrate:up
INSERT INTO runs VALUES ('00$i');
SELECT pg_sleep(0.02);
EOF
	done
	migration "$d" 009_nontx.sql <<'EOF'
-- migrate:up transaction:false
INSERT INTO runs VALUES ('009');
CREATE INDEX CONCURRENTLY runs_idx ON runs (version);
EOF
	for i in $(seq 16); do
		"$STRATA" -u "$URL" -d "$d" --schema "$s" --lock-timeout 60 up \
			>"$TMP/conc$i.out" 2>"$TMP/conc$i.err" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		if ! wait "${pids[$i]}"; then
			bad=$((bad + 1))
			echo "# runner $((i + 1)) failed: $(head -c 500 "$TMP/conc$((i + 1)).err")"
		fi
	done
	expect_eq "16 concurrent runners all exit 0" "$bad" "0"
	expect_eq "every migration ran exactly once" \
		"$(q "select count(*) || ' ' || count(distinct version) from \"$s\".runs")" "8 8"
	expect_eq "9 history rows, all applied" \
		"$(q "select count(*) filter (where state = 'applied') || ' ' || count(*) from \"$s\".strata_migrations where version <> '~format'")" \
		"9 9"
}

# 6. Lock timeout: another session holds the lock.
t_lock_timeout() {
	local s="${PREFIX}_lock" d="$TMP/lock" key t0 t1
	migration "$d" 001_x.sql <<'EOF'
-- migrate:up
CREATE TABLE locked_out (id int);
EOF
	q "create schema \"$s\"" >/dev/null
	key=$(lock_key "$s.strata_migrations")
	holder_start "lock-holder-$$"
	holder_sql "select pg_advisory_lock($key)" >/dev/null
	t0=$(date +%s%N)
	run lock -u "$URL" -d "$d" --schema "$s" --lock-timeout 0.3 up
	t1=$(date +%s%N)
	expect_rc "--lock-timeout 0.3 while another session holds the lock exits 9" lock 9
	if contains "$TMP/lock.err" "pid $BACKEND_PID (lock-holder-$$" &&
		contains "$TMP/lock.err" "timed out after 0.3 s"; then
		ok "the message names the holder's pid and application"
	else
		not_ok "the message names the holder's pid and application" \
			"holder pid $BACKEND_PID; stderr: $(cat "$TMP/lock.err")"
	fi
	if [ $(((t1 - t0) / 1000000)) -lt 5000 ]; then
		ok "the timeout is honoured ($(((t1 - t0) / 1000000)) ms)"
	else
		not_ok "the timeout is honoured" "took $(((t1 - t0) / 1000000)) ms"
	fi
	expect_eq "nothing ran" "$(q "select (to_regclass('\"$s\".locked_out') is null)::text")" "true"
	holder_sql "select pg_advisory_unlock($key)" >/dev/null
	run lock2 -u "$URL" -d "$d" --schema "$s" --lock-timeout 5 up
	expect_rc "after the holder let go, up exits 0" lock2 0
	holder_stop
}

# 7. --schema and ?search_path= put everything in that schema.
t_schema() {
	local s="${PREFIX}_schema" s2="${PREFIX}_sp" d="$TMP/schema"
	migration "$d" 001_t.sql <<'EOF'
-- migrate:up
CREATE TABLE in_schema (id int);
EOF
	run schema0 -u "$URL" -d "$d" --schema "$s" status
	expect_rc "--schema NAME (missing schema): status exits 0" schema0 0
	expect_eq "status did not create the schema" \
		"$(q "select count(*) from pg_namespace where nspname = '$s'")" "0"
	run schema -u "$URL" -d "$d" --schema "$s" up
	expect_rc "--schema NAME (missing schema): up exits 0" schema 0
	expect_eq "the schema was created with the history table and the table" \
		"$(q "select string_agg(c.relname, ',' order by c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '$s' and c.relkind = 'r'")" \
		"in_schema,strata_migrations"
	expect_eq "nothing went to public" \
		"$(q "select (to_regclass('public.in_schema') is null)::text")" "true"
	run sp -u "$(url_with "search_path=$s2")" -d "$d" up
	expect_rc "?search_path=NAME: up exits 0" sp 0
	expect_eq "search_path schema holds the history table and the table" \
		"$(q "select string_agg(c.relname, ',' order by c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '$s2' and c.relkind = 'r'")" \
		"in_schema,strata_migrations"
	run sp_status -u "$(url_with "search_path=$s2")" -d "$d" status
	if [ "$RC" = 0 ] && grep -q "applied" "$TMP/sp_status.out"; then
		ok "status through ?search_path= sees the applied migration"
	else
		not_ok "status through ?search_path= sees the applied migration" \
			"exit $RC; $(cat "$TMP/sp_status.out" "$TMP/sp_status.err")"
	fi
}

# 8. postgres:///dbname with PGHOST, PGPORT, PGUSER from the environment.
t_env_url() {
	local s="${PREFIX}_env" d="$TMP/env" host port user db pw
	migration "$d" 001_t.sql <<'EOF'
-- migrate:up
CREATE TABLE from_env (id int);
EOF
	host=$(psql -X -tA "$URL" -c '\echo :HOST')
	port=$(psql -X -tA "$URL" -c '\echo :PORT')
	user=$(q "select current_user")
	db=$(q "select current_database()")
	pw=
	if [[ $URL =~ ://[^:/@]*:([^@/]*)@ ]]; then pw=${BASH_REMATCH[1]}; fi
	PGHOST=$host PGPORT=$port PGUSER=$user PGPASSWORD=${pw:-${PGPASSWORD:-}} \
		run env -u "postgres:///$db" -d "$d" --schema "$s" up
	expect_rc "postgres:///$db with PGHOST/PGPORT/PGUSER: up exits 0" env 0
	expect_eq "it reached the same database" \
		"$(q "select (to_regclass('\"$s\".from_env') is not null)::text")" "true"
}

# 9. Server notices show with -v (and not without).
t_notice() {
	local s="${PREFIX}_notice" d="$TMP/notice"
	migration "$d" 001_n.sql <<'EOF'
-- migrate:up
DROP TABLE IF EXISTS nosuch_table_here;
DO $$ BEGIN RAISE NOTICE 'custom notice % here', 42; END $$;
EOF
	run notice -u "$URL" -d "$d" --schema "$s" -v up
	expect_rc "migration with notices: up -v exits 0" notice 0
	if contains "$TMP/notice.err" 'NOTICE: table "nosuch_table_here" does not exist, skipping' &&
		contains "$TMP/notice.err" "NOTICE: custom notice 42 here"; then
		ok "-v shows the server's NOTICEs"
	else
		not_ok "-v shows the server's NOTICEs" "stderr: $(cat "$TMP/notice.err")"
	fi
	migration "$d" 002_n.sql <<'EOF'
-- migrate:up
DROP TABLE IF EXISTS nosuch_table_either;
EOF
	run notice2 -u "$URL" -d "$d" --schema "$s" up
	if [ "$RC" = 0 ] && ! contains "$TMP/notice2.err" "NOTICE"; then
		ok "without -v no NOTICE is shown"
	else
		not_ok "without -v no NOTICE is shown" "exit $RC; stderr: $(cat "$TMP/notice2.err")"
	fi
}

# 10. application_name strata is visible in pg_stat_activity mid-migration.
t_application_name() {
	local s="${PREFIX}_app" d="$TMP/app" key=$((0x5712a7a0 + $$)) pid seen
	migration "$d" 001_wait.sql <<EOF
-- migrate:up
CREATE TABLE app_wait (id int);
SELECT pg_advisory_xact_lock($key);
EOF
	holder_start "app-gate-$$"
	holder_sql "select pg_advisory_lock($key)" >/dev/null
	"$STRATA" -u "$URL" -d "$d" --schema "$s" up >"$TMP/app.out" 2>"$TMP/app.err" &
	pid=$!
	if poll 20 "select exists (select 1 from pg_stat_activity where application_name = 'strata' and query like '%pg_advisory_xact_lock($key)%' and wait_event_type = 'Lock')"; then
		seen=yes
	else
		seen=no
	fi
	holder_sql "select pg_advisory_unlock($key)" >/dev/null
	wait "$pid"
	RC=$?
	expect_eq "application_name 'strata' in pg_stat_activity while a migration runs" "$seen" "yes"
	expect_rc "the migration finishes once released" app 0
	holder_stop
}

# 11. --statement-timeout cancels a long statement with 57014.
t_statement_timeout() {
	local s="${PREFIX}_stmt" d="$TMP/stmt" t0 t1
	migration "$d" 001_slow.sql <<'EOF'
-- migrate:up
CREATE TABLE slow (id int);
SELECT pg_sleep(10);
EOF
	t0=$(date +%s%N)
	run stmt -u "$URL" -d "$d" --schema "$s" --statement-timeout 0.5 up
	t1=$(date +%s%N)
	expect_rc "--statement-timeout 0.5 with pg_sleep(10) exits 8" stmt 8
	if contains "$TMP/stmt.err" "57014" && [ $(((t1 - t0) / 1000000)) -lt 5000 ]; then
		ok "it failed quickly ($(((t1 - t0) / 1000000)) ms) with SQLSTATE 57014"
	else
		not_ok "it failed quickly with SQLSTATE 57014" \
			"$(((t1 - t0) / 1000000)) ms; stderr: $(cat "$TMP/stmt.err")"
	fi
	expect_eq "the migration was rolled back" \
		"$(q "select (to_regclass('\"$s\".slow') is null)::text")" "true"
}

# 12. --ddl-lock-timeout: a table lock wait expires (55P03), is retried,
# and succeeds once the table is free.
t_ddl_lock_timeout() {
	local s="${PREFIX}_ddl" d="$TMP/ddl" pid
	migration "$d" 001_t.sql <<'EOF'
-- migrate:up
CREATE TABLE busy (id int);
EOF
	migration "$d" 002_alter.sql <<'EOF'
-- migrate:up
ALTER TABLE busy ADD COLUMN extra int;
EOF
	run ddl1 -u "$URL" -d "$d" --schema "$s" up 1
	expect_rc "set-up migration exits 0" ddl1 0
	holder_start "table-holder-$$"
	holder_sql "begin; lock table \"$s\".busy in access share mode" >/dev/null
	run ddl2 -u "$URL" -d "$d" --schema "$s" --ddl-lock-timeout 0.1 up
	expect_rc "table lock held throughout: exits 8 after the retries" ddl2 8
	if contains "$TMP/ddl2.err" "55P03" && contains "$TMP/ddl2.err" "retry"; then
		ok "the lock wait was reported with 55P03 and retried"
	else
		not_ok "the lock wait was reported with 55P03 and retried" "stderr: $(cat "$TMP/ddl2.err")"
	fi
	: >"$TMP/ddl3.err"
	"$STRATA" -u "$URL" -d "$d" --schema "$s" --ddl-lock-timeout 0.1 up \
		>"$TMP/ddl3.out" 2>"$TMP/ddl3.err" &
	pid=$!
	# let go once the runner has hit the timeout at least once
	local deadline=$((SECONDS + 20))
	while ! contains "$TMP/ddl3.err" "retry" && [ "$SECONDS" -le "$deadline" ]; do
		sleep 0.05
	done
	holder_sql "commit" >/dev/null
	wait "$pid"
	RC=$?
	expect_rc "released during the retries: the migration lands" ddl3 0
	expect_eq "the column exists" \
		"$(q "select count(*) from information_schema.columns where table_schema = '$s' and table_name = 'busy' and column_name = 'extra'")" "1"
	holder_stop
}

# 13. Unreachable server, bad URL, no password in any output.
t_connect_errors() {
	local d="$TMP/conn"
	mkdir -p "$d"
	run unreach -u "postgres://someone:s3cr3tpw@127.0.0.1:1/db?connect_timeout=5" -d "$d" status
	expect_rc "unreachable server exits 5" unreach 5
	if [ "$(wc -l <"$TMP/unreach.err")" -le 2 ] && contains "$TMP/unreach.err" "127.0.0.1" &&
		! contains "$TMP/unreach.err" "s3cr3tpw"; then
		ok "one-line connection error, no password"
	else
		not_ok "one-line connection error, no password" "stderr: $(cat "$TMP/unreach.err")"
	fi
	run badurl -u "$(url_with "no_such_param=1")" -d "$d" status
	expect_rc "unknown URL parameter exits 4" badurl 4
	local pwurl
	pwurl=$(echo "$URL" | sed -E 's#^(postgres(ql)?://)([^@/]*@)?#\1#')
	pwurl=$(echo "$pwurl" | sed -E "s#^(postgres(ql)?://)#\\1$(q 'select current_user'):hunter2pw@#")
	if [[ $URL =~ ://[^:/@]*:([^@/]*)@ ]]; then
		# the test URL's own password: in no output, right or wrong
		local secret=${BASH_REMATCH[1]}
		run pw -u "$URL" -d "$d" -v status
		expect_rc "status with the test URL's password" pw 0
		local wrong=${URL/:$secret@/:hunter2pw@}
		run pwbad -u "$wrong" -d "$d" -v status
		expect_rc "a wrong password exits 5" pwbad 5
		if ! grep -qF -- "$secret" "$TMP/pw.out" "$TMP/pw.err" "$TMP/pwbad.out" "$TMP/pwbad.err" &&
			! grep -q hunter2pw "$TMP/pwbad.out" "$TMP/pwbad.err"; then
			ok "the URL's password never appears in -v output"
		else
			not_ok "the URL's password never appears in -v output" "$(cat "$TMP/pw.err" "$TMP/pwbad.err")"
		fi
	else
		run pw -u "$pwurl" -d "$d" -v status
		if ! grep -q hunter2pw "$TMP/pw.out" "$TMP/pw.err"; then
			ok "the URL's password never appears in -v output"
		else
			not_ok "the URL's password never appears in -v output" "$(cat "$TMP/pw.err")"
		fi
	fi
}

# 14. create, dump and drop through the CLI (create_database,
# dump_schema, drop_database).
t_create_dump_drop() {
	local db="${PREFIX}_db" u d="$TMP/cdd"
	u=$(echo "$URL" | sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\\1/$db#")
	migration "$d" 001_t.sql <<'EOF'
-- migrate:up
CREATE TABLE dumped_table (id int PRIMARY KEY, name text NOT NULL);
EOF
	run create1 -u "$u" create
	expect_rc "create exits 0" create1 0
	run create2 -u "$u" create
	expect_rc "create of an existing database exits 0" create2 0
	if contains "$TMP/create2.err" "already exists" || contains "$TMP/create2.out" "already exists"; then
		ok "it says the database already exists"
	else
		not_ok "it says the database already exists" "$(cat "$TMP/create2.out" "$TMP/create2.err")"
	fi
	run cdd_up -u "$u" -d "$d" up
	expect_rc "up in the new database exits 0" cdd_up 0
	run dump -u "$u" dump
	if [ "$RC" = 0 ] && contains "$TMP/dump.out" "CREATE TABLE public.dumped_table"; then
		ok "dump prints the schema (pg_dump)"
	else
		not_ok "dump prints the schema (pg_dump)" "exit $RC; $(head -c 1000 "$TMP/dump.err")"
	fi
	PATH=/nonexistent "$STRATA" -u "$u" dump >"$TMP/nodump.out" 2>"$TMP/nodump.err"
	RC=$?
	if [ "$RC" != 0 ] && contains "$TMP/nodump.err" "pg_dump not found"; then
		ok "without pg_dump: a clear error"
	else
		not_ok "without pg_dump: a clear error" "exit $RC; $(cat "$TMP/nodump.err")"
	fi
	run drop1 -u "$u" drop
	expect_rc "drop exits 0" drop1 0
	expect_eq "the database is gone" "$(q "select count(*) from pg_database where datname = '$db'")" "0"
	run drop2 -u "$u" drop
	expect_rc "drop of a missing database exits 0" drop2 0
	if contains "$TMP/drop2.err" "does not exist" || contains "$TMP/drop2.out" "does not exist"; then
		ok "it says the database does not exist"
	else
		not_ok "it says the database does not exist" "$(cat "$TMP/drop2.out" "$TMP/drop2.err")"
	fi
}

# ----------------------------------------------------------------------
# 15. Real migration sets as their projects ship them (../shared/corpora):
#     openfga's goose files and authelia's V0001.Name.up.sql pairs, each in
#     a schema of its own: all up, then all down, leaving only the history.
# ----------------------------------------------------------------------
t_corpora() {
	local corpora=${STRATA_CORPORA:-/work/shared/corpora} p d n sch
	for p in openfga authelia; do
		d=$corpora/$p/postgres
		if [ ! -d "$d" ]; then
			not_ok "corpus $p: no directory $d (set STRATA_CORPORA)"
			continue
		fi
		sch="${PREFIX}_corpus_$p"
		# pairs: one migration per .up.sql; goose: one per .sql
		n=$(ls "$d" | grep -c '\.up\.sql$')
		[ "$n" != 0 ] || n=$(ls "$d" | grep -c '\.sql$')
		run "corpus_${p}_up" -u "$URL" --schema "$sch" -d "$d" up
		expect_rc "corpus $p: up applies its $n migrations" "corpus_${p}_up" 0
		expect_eq "corpus $p: $n rows applied" \
			"$(q "select count(*) from \"$sch\".strata_migrations where state = 'applied'")" "$n"
		run "corpus_${p}_down" -u "$URL" --schema "$sch" -d "$d" down "$n"
		expect_rc "corpus $p: down $n reverts them all" "corpus_${p}_down" 0
		expect_eq "corpus $p: only the history table is left" \
			"$(q "select string_agg(tablename, ',') from pg_tables where schemaname = '$sch'")" \
			"strata_migrations"
	done
}

t_dollar_copy
t_concurrently
t_tx_failure
t_nontx_failure
t_concurrent
t_lock_timeout
t_schema
t_env_url
t_notice
t_application_name
t_statement_timeout
t_ddl_lock_timeout
t_connect_errors
t_create_dump_drop
t_corpora

echo "1..$N"
if [ "$FAILED" -ne 0 ]; then
	echo "# $FAILED of $N failed"
	exit 1
fi
exit 0
