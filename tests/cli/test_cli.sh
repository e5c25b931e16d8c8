#!/usr/bin/env bash
# tests/cli/test_cli.sh - end-to-end tests of the strata command-line tool.
#
# Runs the real binary against a real database and checks exit codes,
# output and the database afterwards.
#
# Environment:
#   STRATA                 the binary (default: $top_builddir/strata, else
#                          ../../strata from this script)
#   STRATA_CLI_BACKEND     sqlite (default), postgres or mysql; when unset,
#                          STRATA_TEST_URL_KIND is used
#   STRATA_TEST_POSTGRES_URL, STRATA_TEST_MYSQL_URL
#                          the server for the postgres / mysql backends; each
#                          test uses its own history table and table names
#   STRATA_CLI_ONLY        run only the tests whose description matches
#                          this extended regular expression
#
# Prints "ok N - description" / "not ok N - description" (TAP) and exits
# non-zero when any test failed. A server backend that cannot be reached
# is a failure, never a skip.

set -u
export LC_ALL=C
unset DATABASE_URL NO_COLOR

here=$(cd "$(dirname "$0")" && pwd)
if [[ -z ${STRATA:-} ]]; then
	if [[ -n ${top_builddir:-} ]]; then
		STRATA=$top_builddir/strata
	else
		STRATA=$here/../../strata
	fi
fi
BACKEND=${STRATA_CLI_BACKEND:-${STRATA_TEST_URL_KIND:-sqlite}}
# the history table format this build writes (its '~format' row's name)
FORMAT=$(sed -n 's/^#define STRATA_HISTORY_FORMAT \([0-9][0-9]*\)$/\1/p' \
	"$here/../../include/strata/driver.h")
[[ -n $FORMAT ]] || { echo "test_cli.sh: no STRATA_HISTORY_FORMAT in include/strata/driver.h" >&2; exit 99; }
RUNID=$$$((RANDOM % 1000))

work=$(mktemp -d "${TMPDIR:-/tmp}/strata-cli.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

N=0
failed=0
skipped=0

# ------------------------------------------------------------------------
# Backends: URL, history table and how to look into the database.
# ------------------------------------------------------------------------

case $BACKEND in
sqlite | postgres | mysql) ;;
*)
	echo "not ok 1 - unknown STRATA_CLI_BACKEND '$BACKEND' (sqlite, postgres, mysql)"
	echo "1..1"
	exit 1
	;;
esac

if [[ ! -x $STRATA ]]; then
	echo "not ok 1 - the strata binary $STRATA does not exist (set STRATA)"
	echo "1..1"
	exit 1
fi

# Parses mysql://user:password@host:port/db for the mysql client.
mysql_args() {
	local u=${STRATA_TEST_MYSQL_URL#*://} creds='' hostport db user pass='' host port=''
	u=${u%%\?*}
	if [[ $u == *@* ]]; then
		creds=${u%%@*}
		u=${u#*@}
	fi
	hostport=${u%%/*}
	db=${u#*/}
	[[ $db == "$u" ]] && db=
	user=${creds%%:*}
	[[ $creds == *:* ]] && pass=${creds#*:}
	host=${hostport%%:*}
	[[ $hostport == *:* ]] && port=${hostport##*:}
	MYSQL_ARGS=(-N -B --protocol=TCP)
	[[ -n $host ]] && MYSQL_ARGS+=(-h "$host")
	[[ -n $port ]] && MYSQL_ARGS+=(-P "$port")
	[[ -n $user ]] && MYSQL_ARGS+=(-u "$user")
	[[ -n $db ]] && MYSQL_ARGS+=("$db")
	MYSQL_PASS=$pass
}

# Fails the whole run early when the server backend is not usable.
backend_precheck() {
	case $BACKEND in
	sqlite)
		command -v sqlite3 >/dev/null || { echo "not ok 1 - sqlite3 client not found"; return 1; }
		;;
	postgres)
		[[ -n ${STRATA_TEST_POSTGRES_URL:-} ]] || { echo "not ok 1 - postgres backend: STRATA_TEST_POSTGRES_URL is not set"; return 1; }
		command -v psql >/dev/null || { echo "not ok 1 - postgres backend: psql not found"; return 1; }
		psql "$STRATA_TEST_POSTGRES_URL" -XAtq -c 'select 1' >/dev/null 2>&1 ||
			{ echo "not ok 1 - postgres backend: cannot connect to STRATA_TEST_POSTGRES_URL"; return 1; }
		;;
	mysql)
		[[ -n ${STRATA_TEST_MYSQL_URL:-} ]] || { echo "not ok 1 - mysql backend: STRATA_TEST_MYSQL_URL is not set"; return 1; }
		command -v mysql >/dev/null || { echo "not ok 1 - mysql backend: mysql client not found"; return 1; }
		mysql_args
		MYSQL_PWD=$MYSQL_PASS mysql "${MYSQL_ARGS[@]}" -e 'select 1' >/dev/null 2>&1 ||
			{ echo "not ok 1 - mysql backend: cannot connect to STRATA_TEST_MYSQL_URL"; return 1; }
		;;
	esac
}

if ! backend_precheck; then
	echo "1..1"
	exit 1
fi

# Sets URL, TABLE_ARGS, H (history table), P (prefix of the test's tables).
setup_backend() {
	case $BACKEND in
	sqlite)
		DB=$T/db.sqlite
		URL=sqlite:$DB
		H=strata_migrations
		TABLE_ARGS=()
		P=
		;;
	postgres | mysql)
		DB=
		[[ $BACKEND == postgres ]] && URL=$STRATA_TEST_POSTGRES_URL || URL=$STRATA_TEST_MYSQL_URL
		H=strata_cli_${RUNID}_$N
		TABLE_ARGS=(--table "$H")
		P=c${RUNID}_${N}_
		;;
	esac
}

# q SQL: runs SQL on the test database, prints rows as a|b|c.
q() {
	case $BACKEND in
	sqlite)
		if [[ ! -e $DB ]]; then
			echo "q: database $DB does not exist" >&2
			return 1
		fi
		sqlite3 -batch "$DB" "$1"
		;;
	postgres)
		psql "$URL" -XAtq -v ON_ERROR_STOP=1 -c "$1"
		;;
	mysql)
		MYSQL_PWD=$MYSQL_PASS mysql "${MYSQL_ARGS[@]}" -e "$1" | tr '\t' '|'
		;;
	esac
}

# table_exists NAME: prints 1 or 0.
table_exists() {
	case $BACKEND in
	sqlite)
		if [[ ! -e $DB ]]; then echo 0; return; fi
		q "select count(*) from sqlite_master where type = 'table' and name = '$1'"
		;;
	postgres)
		q "select count(*) from information_schema.tables where table_name = '$1' and table_schema = current_schema()"
		;;
	mysql)
		q "select count(*) from information_schema.tables where table_name = '$1' and table_schema = database()"
		;;
	esac
}

# Number of migration rows in the history table (0 when it is absent).
hist_rows() {
	if [[ $(table_exists "$H") != 1 ]]; then
		echo 0
		return
	fi
	q "select count(*) from $H where version <> '~format'"
}

# hist COLUMNS VERSION: the row's columns ("" when there is no row).
hist() {
	if [[ $(table_exists "$H") != 1 ]]; then
		return
	fi
	q "select $1 from $H where version = '$2'"
}

# ------------------------------------------------------------------------
# Running strata and asserting.
# ------------------------------------------------------------------------

rc=0 out='' err='' last=''

# run ARGS: runs strata; sets rc, out, err.
run() {
	last="strata $*"
	"$STRATA" "$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	out=$(cat "$T/stdout")
	err=$(cat "$T/stderr")
}

# s ARGS: run with the test's URL, migrations directory (unless ARGS
# name directories: -d merges several) and table.
s() {
	local a dir=(-d "$MIG")
	for a in "$@"; do
		[[ $a == -d || $a == --dir || $a == --dir=* ]] && dir=()
	done
	run -u "$URL" ${dir[@]+"${dir[@]}"} ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} "$@"
}

fail() {
	{
		echo "$*"
		# the command line carries the test URL: never its password
		echo "  after: $(sed -E 's#(://[^:/@]*:)[^@/]*@#\1****@#g' <<<"$last") (exit $rc)"
		[[ -n $out ]] && sed 's/^/  stdout: /' <<<"${out:0:1500}"
		[[ -n $err ]] && sed 's/^/  stderr: /' <<<"${err:0:1500}"
	} >>"$T/failures"
	return 1
}

expect_rc() {
	[[ $rc -eq $1 ]] || fail "expected exit $1, got $rc"
}

expect_out() {
	grep -Eq -- "$1" <<<"$out" || fail "stdout does not match /$1/"
}

expect_not_out() {
	! grep -Eq -- "$1" <<<"$out" || fail "stdout matches /$1/ but should not"
}

expect_err() {
	grep -Eq -- "$1" <<<"$err" || fail "stderr does not match /$1/"
}

expect_no_err() {
	[[ -z $err ]] || fail "stderr should be empty"
}

# expect_error CODE REGEX: exit CODE and exactly one line on stderr,
# "strata: error: ..." matching REGEX.
expect_error() {
	expect_rc "$1"
	local lines
	lines=$(grep -c '' <<<"$err")
	[[ -n $err && $lines -eq 1 ]] || fail "expected exactly one line on stderr, got $lines"
	grep -Eq -- "^strata: error: " <<<"$err" || fail "stderr does not start with 'strata: error: '"
	grep -Eq -- "$2" <<<"$err" || fail "stderr does not match /$2/"
}

expect_eq() { # ACTUAL EXPECTED WHAT
	[[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"
}

# Nothing was applied: no migration row, none of the test's tables.
expect_untouched() {
	expect_eq "$(hist_rows)" 0 "history rows"
	local tbl
	for tbl in users posts tags; do
		expect_eq "$(table_exists "${P}$tbl")" 0 "table ${P}$tbl exists"
	done
}

# mig FILE: writes a migration file from stdin (FILE without .sql).
mig() {
	mkdir -p "$MIG"
	cat >"$MIG/$1.sql"
}

V1=20240101000000
V2=20240102000000
V3=20240103000000

# Three good migrations: users, posts (2 statements), tags.
std_migrations() {
	mig ${V1}_create_users <<EOF
-- migrate:up
create table ${P}users (id integer primary key, name varchar(100));

-- migrate:down
drop table ${P}users;
EOF
	mig ${V2}_create_posts <<EOF
-- migrate:up
create table ${P}posts (id integer primary key, title varchar(100));
insert into ${P}posts (id, title) values (1, 'it''s; a "test"');

-- migrate:down
drop table ${P}posts;
EOF
	mig ${V3}_add_tags <<EOF
-- migrate:up
create table ${P}tags (id integer primary key);

-- migrate:down
drop table ${P}tags;
EOF
}

# A transaction:false migration whose 2nd of 3 statements fails.
notx_failing_migration() {
	mig ${V1}_nontx <<EOF
-- migrate:up transaction:false
create table ${P}users (id integer primary key);
insert into ${P}nosuch (id) values (1);
create table ${P}posts (id integer primary key);

-- migrate:down
drop table ${P}posts;
drop table ${P}users;
EOF
}

# t DESCRIPTION FUNCTION: runs one test in a fresh directory.
t() {
	local desc=$1 fn=$2
	N=$((N + 1))
	if [[ -n ${STRATA_CLI_ONLY:-} ]] && ! [[ $desc =~ $STRATA_CLI_ONLY ]]; then
		echo "ok $N - $desc # SKIP not selected by STRATA_CLI_ONLY"
		skipped=$((skipped + 1))
		return
	fi
	T=$work/$N
	MIG=$T/migrations
	mkdir -p "$T"
	setup_backend
	: >"$T/failures"
	(cd "$T" && "$fn") >"$T/log" 2>&1
	local status=$?
	if [[ -s $T/skip ]]; then
		echo "ok $N - $desc # SKIP $(cat "$T/skip")"
		skipped=$((skipped + 1))
	elif [[ $status -eq 0 || $status -eq 1 ]] && [[ ! -s $T/failures ]]; then
		echo "ok $N - $desc"
	else
		echo "not ok $N - $desc"
		sed 's/^/#   /' "$T/failures"
		[[ -s $T/log ]] && sed 's/^/#   log: /' "$T/log" | head -20
		[[ -s $T/failures ]] || echo "#   the test function exited $status"
		failed=$((failed + 1))
	fi
}

skip() {
	echo "$*" >"$T/skip"
}

# ------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------

# The backend's client library is loaded; with STRATA_DRIVER_DLOPEN=yes
# (configure's default) the other drivers' libraries are not: a run on
# SQLite must not pay for libpq's dynamic linking (see src/dynload.h).
test_client_libraries() {
	std_migrations
	local -A lib=([sqlite]='libsqlite3[.]so' [postgres]='libpq[.]so'
		[mysql]='lib(mariadb|mysqlclient)[.]so')
	LD_DEBUG=files s up
	expect_rc 0
	grep -Eq "file=${lib[$BACKEND]}" <<<"$err" ||
		fail "the $BACKEND client library was not loaded"
	local other
	if [[ ${STRATA_DRIVER_DLOPEN:-yes} == yes ]]; then
		for other in sqlite postgres mysql; do
			[[ $other == "$BACKEND" ]] && continue
			! grep -Eq "file=${lib[$other]}" <<<"$err" ||
				fail "the $other client library was loaded for a $BACKEND run"
		done
	fi
	expect_eq "$(hist_rows)" 3 "history rows"
}

# Each line on standard error leaves in one write(2). stderr used to be
# unbuffered, so a message went out a few bytes at a time, and the lines of
# runners started together (the app instances of one deploy) interleaved
# mid-line in a shared log. Counted with strace: writes to fd 2 = lines.
# LeakSanitizer cannot work under ptrace (it stops the threads with it
# and exits 1 when it cannot), so the sanitizer build runs this one
# command without the leak check.
stderr_writes() { # ARGS: run strata under strace; sets rc, out, err, writes
	last="strace strata $*"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -qq -e trace=write -e signal=none -o "$T/strace" \
		"$STRATA" -u "$URL" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} "$@" \
		>"$T/stdout" 2>"$T/stderr"
	rc=$?
	out=$(cat "$T/stdout")
	err=$(cat "$T/stderr")
	writes=$(grep -c 'write(2, ' "$T/strace")
}

test_stderr_line_writes() {
	command -v strace >/dev/null ||
		{ fail "strace is not installed (scripts/deps.sh --test installs it)"; return; }
	std_migrations
	local writes lines
	stderr_writes -v up
	expect_rc 0
	lines=$(wc -l <"$T/stderr")
	((lines >= 2)) || fail "expected debug lines on stderr with -v, got $lines"
	expect_eq "$writes" "$lines" "write(2) calls for the $lines lines of -v up"
	mig 20240104000000_quote <<EOF
-- migrate:up
insert into ${P}users values ('oops);
EOF
	stderr_writes up
	expect_error 3 "20240104000000_quote\.sql:2(:[0-9]+)?: "
	expect_eq "$writes" 1 "write(2) calls for one error line"
}

test_version() {
	run version
	expect_rc 0
	expect_out "^strata [0-9]+\.[0-9]+\.[0-9]+"
	expect_out "^  sqlite +(built in|not built in)$"
	expect_out "^  postgres +(built in|not built in)$"
	expect_out "^  mysql +(built in|not built in)$"
	expect_out "^  $BACKEND +built in$"
	local v=$out
	run -V
	expect_rc 0
	expect_eq "$out" "$v" "strata -V vs strata version"
}

test_help() {
	run --help
	expect_rc 0
	expect_out "^Usage: strata "
	local c
	for c in new up down redo status validate repair baseline wait create drop dump version; do
		expect_out "^  $c "
	done
	expect_out "DATABASE_URL"
	expect_out "NO_COLOR"
	expect_out "^  10  status --exit-code"
	expect_out "^   9  timed out waiting for the migration lock"
	run help up
	expect_rc 0
	expect_out "^Usage: strata \[OPTIONS\] up "
	run up --help
	expect_rc 0
	expect_out "^Usage: strata \[OPTIONS\] up "
	run -h repair
	expect_rc 0
	expect_out "--mark-applied"
	run --help
	expect_out "--statement-timeout"
	expect_out "--ddl-lock-timeout"
	expect_out "--ddl-lock-retries"
	expect_out "--wait-timeout"
	expect_out "--file"
	run help wait
	expect_rc 0
	expect_out "^Usage: strata \\[OPTIONS\\] wait "
	run dump --help
	expect_rc 0
	expect_out "--file"
	run help up
	expect_out "--statement-timeout"
	run help nosuchcommand
	expect_error 2 "unknown command 'nosuchcommand'"
}

test_new() {
	local dir=$T/a/b/migrations
	run -d "$dir" new create_users
	expect_rc 0
	expect_no_err
	expect_out "^$dir/[0-9]{14}_create_users\.sql$"
	local f1=$out
	[[ -f $f1 ]] || fail "$f1 was not created"
	expect_eq "$(cat "$f1"; echo x)" "$(printf -- '-- migrate:up\n\n\n-- migrate:down\n\nx')" "template"
	# the version is the current UTC time
	local v=${f1##*/}
	v=${v%%_*}
	local made now
	made=$(date -u -d "${v:0:8} ${v:8:2}:${v:10:2}:${v:12:2}" +%s 2>/dev/null) || fail "bad timestamp $v"
	now=$(date -u +%s)
	((now - made < 120 && made - now < 120)) || fail "version $v is not the current UTC time"
	# options after the command; a second file in the same second gets
	# another version
	run new add-email -d "$dir"
	expect_rc 0
	expect_out "^$dir/[0-9]{14}_add-email\.sql$"
	local v2=${out##*/}
	v2=${v2%%_*}
	[[ $v2 != "$v" ]] || fail "two migrations got version $v"
	expect_eq "$(find "$dir" -type f | wc -l | tr -d ' ')" 2 "files in $dir"
	run -d "$dir" new 'bad name!'
	expect_error 2 "bad migration name 'bad name!'"
	run -d "$dir" new ../escape
	expect_error 2 "bad migration name"
	run -d "$dir" new "$(printf 'a%.0s' {1..300})"
	expect_error 2 "bad migration name: too long \\(300 characters, at most 200\\)"
	run -d "$T/long" new "$(printf 'a%.0s' {1..200})"
	expect_rc 0
	expect_eq "$(find "$T/long" -type f | wc -l | tr -d ' ')" 1 "files after a 200-letter name"
	run -d "$dir" new
	expect_error 2 "new needs a NAME"
	run -d "$dir" new one two
	expect_error 2 "unexpected argument 'two'"
	expect_eq "$(find "$dir" -type f | wc -l | tr -d ' ')" 2 "files in $dir after bad names"
	# the new files are valid migrations (empty up sections)
	s -d "$dir" status
	expect_rc 0
	expect_out "0 applied, 2 pending"
}

# new writes the form of the migrations already in the directory, with
# the next version after the newest.
test_new_follows_directory() {
	local d=$T/gm
	mkdir -p "$d" "$T/fl" "$T/gs" "$T/fw" "$T/au" "$T/ts" "$T/ux"
	: >"$d/000001_a.up.sql"; : >"$d/000001_a.down.sql"; : >"$d/000002_b.up.sql"
	run -d "$d" new add_x
	expect_rc 0
	expect_eq "$out" "$d/000003_add_x.up.sql"$'\n'"$d/000003_add_x.down.sql" "golang-migrate pair"
	[[ -f $d/000003_add_x.up.sql && -f $d/000003_add_x.down.sql ]] || fail "pair files missing"
	for f in 0_initial 1_b 9_c 10_d; do echo 'select 1;' >"$T/fl/$f.up.sql"; done
	run -d "$T/fl" new more
	expect_out "^$T/fl/11_more\.up\.sql$"
	expect_out "^$T/fl/11_more\.down\.sql$"
	printf -- '-- +goose Up\nselect 1;\n-- +goose Down\nselect 2;\n' >"$T/gs/00001_a.sql"
	run -d "$T/gs" new g2
	expect_eq "$out" "$T/gs/00002_g2.sql" "goose file"
	grep -q '^-- +goose Up$' "$T/gs/00002_g2.sql" && grep -q '^-- +goose Down$' "$T/gs/00002_g2.sql" ||
		fail "the goose file has no goose markers"
	echo 'select 1;' >"$T/fw/V1__a.sql"; echo 'select 1;' >"$T/fw/V2_1__b.sql"
	echo 'select 2;' >"$T/fw/U2_1__b.sql"
	run -d "$T/fw" new three
	expect_eq "$out" "$T/fw/V3__three.sql" "Flyway name"
	: >"$T/au/V0001.Init.up.sql"; : >"$T/au/V0001.Init.down.sql"
	run -d "$T/au" new Next_Thing
	expect_out "^$T/au/V0002\.Next_Thing\.up\.sql$"
	printf -- '-- migrate:up\nselect 1;\n' >"$T/ts/29990101000000_future.sql"
	run -d "$T/ts" new after
	expect_eq "$out" "$T/ts/29990101000001_after.sql" "after a timestamp ahead of the clock"
	echo 'select 1;' >"$T/ux/1700000000_a.up.sql"
	run -d "$T/ux" new u2
	expect_out "^$T/ux/1[0-9]{9}_u2\.up\.sql$"
	# every directory still reads, the new migration last, and applies
	local dir
	for dir in gm fl gs fw au ts ux; do
		run -u "sqlite:$T/$dir.db" -d "$T/$dir" up
		expect_rc 0
		run -u "sqlite:$T/$dir.db" -d "$T/$dir" status
		expect_out "^[0-9]+ applied, 0 pending$"
		# the row above the footer
		expect_eq "$(tail -n 2 <<<"$out" | head -n 1 | awk '{print $2}')" \
			"$(case $dir in gm) echo add_x;; fl) echo more;; gs) echo g2;; fw) echo three;; au) echo Next_Thing;; ts) echo after;; ux) echo u2;; esac)" \
			"$dir: the new migration is the newest"
	done
}

test_up_all() {
	std_migrations
	s up
	expect_rc 0
	expect_out "^applying ${V1}_create_users \.\.\. done in [0-9.]+ m?s$"
	expect_out "^applying ${V2}_create_posts \.\.\. done in "
	expect_out "^applying ${V3}_add_tags \.\.\. done in "
	expect_out "^applied 3 migrations in [0-9.]+ m?s$"
	expect_no_err
	expect_eq "$(hist_rows)" 3 "history rows"
	expect_eq "$(hist "name, state, statements_done, statements_total" $V2)" "create_posts|applied|2|2" "history row of $V2"
	expect_eq "$(hist "state, name" '~format')" "meta|$FORMAT" "format row"
	hist checksum $V1 | grep -Eq '^sha256:[0-9a-f]{64}$' || fail "checksum of $V1: $(hist checksum $V1)"
	hist down_sql $V3 | grep -q "drop table ${P}tags" || fail "down SQL of $V3 not stored"
	hist applied_at $V1 | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}' || fail "applied_at of $V1: $(hist applied_at $V1)"
	expect_eq "$(q "select title from ${P}posts where id = 1")" "it's; a \"test\"" "posts row"
	for tbl in users posts tags; do
		expect_eq "$(table_exists "${P}$tbl")" 1 "table ${P}$tbl"
	done
	s up
	expect_rc 0
	expect_eq "$out" "nothing to apply" "second up"
	expect_eq "$(hist_rows)" 3 "history rows after the second up"
}

test_up_n() {
	std_migrations
	s up 2
	expect_rc 0
	expect_out "^applied 2 migrations in "
	expect_eq "$(hist_rows)" 2 "history rows"
	expect_eq "$(hist state $V2)" applied "state of $V2"
	expect_eq "$(table_exists "${P}tags")" 0 "table ${P}tags"
	s up 1
	expect_rc 0
	expect_out "^applying ${V3}_add_tags "
	expect_out "^applied 1 migration in "
	expect_eq "$(hist_rows)" 3 "history rows"
	s up 5
	expect_rc 0
	expect_eq "$out" "nothing to apply" "up 5 with nothing pending"
}

test_up_to() {
	std_migrations
	s up --to $V2
	expect_rc 0
	expect_out "^applied 2 migrations"
	expect_eq "$(hist state $V1)|$(hist state $V2)|$(hist state $V3)" "applied|applied|" "states"
	s up --to $V2
	expect_rc 0
	expect_eq "$out" "nothing to apply" "up --to an applied version"
	run up -u "$URL" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} --to=$V3
	expect_rc 0
	expect_out "^applied 1 migration"
	expect_eq "$(hist_rows)" 3 "history rows"
}

test_down() {
	std_migrations
	s up
	s down
	expect_rc 0
	expect_out "^reverting ${V3}_add_tags \.\.\. done in "
	expect_out "^reverted 1 migration in "
	expect_eq "$(table_exists "${P}tags")" 0 "table ${P}tags"
	expect_eq "$(hist state $V3)" "" "history row of $V3"
	expect_eq "$(hist_rows)" 2 "history rows"
	# options after the command
	run down 2 -u "$URL" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"}
	expect_rc 0
	expect_out "^reverting ${V2}_create_posts "
	expect_out "^reverting ${V1}_create_users "
	expect_out "^reverted 2 migrations in "
	expect_untouched
	s down
	expect_rc 0
	expect_eq "$out" "nothing to revert" "down with nothing applied"
}

test_down_to() {
	std_migrations
	s up
	s down --to $V1
	expect_rc 0
	expect_out "^reverted 2 migrations"
	expect_eq "$(hist_rows)" 1 "history rows"
	expect_eq "$(hist state $V1)" applied "state of $V1"
	expect_eq "$(table_exists "${P}users")|$(table_exists "${P}posts")" "1|0" "tables"
	s down --to $V1
	expect_rc 0
	expect_eq "$out" "nothing to revert" "down --to the newest applied"
	# --all: every applied migration, newest first
	s up
	s down --all
	expect_rc 0
	expect_out "^reverting ${V3}_add_tags "
	expect_out "^reverting ${V1}_create_users "
	expect_out "^reverted 3 migrations"
	expect_untouched
	s down --all
	expect_rc 0
	expect_eq "$out" "nothing to revert" "down --all with nothing applied"
}

test_redo() {
	std_migrations
	s up
	q "insert into ${P}tags (id) values (5)"
	s redo
	expect_rc 0
	expect_out "^reverting ${V3}_add_tags \.\.\. done"
	expect_out "^applying ${V3}_add_tags \.\.\. done"
	expect_out "^redid ${V3}_add_tags in "
	expect_eq "$(q "select count(*) from ${P}tags")" 0 "rows in the re-created ${P}tags"
	expect_eq "$(hist_rows)" 3 "history rows"
	expect_eq "$(hist state $V3)" applied "state of $V3"
	s redo extra
	expect_error 2 "unexpected argument 'extra'"
}

test_redo_nothing() {
	std_migrations
	s redo
	expect_error 6 "nothing to redo"
	expect_untouched
}

test_status_table() {
	std_migrations
	s status
	expect_rc 0
	expect_out "^VERSION +NAME +STATE +APPLIED AT$"
	expect_out "^$V1 +create_users +pending +-$"
	expect_out "^0 applied, 3 pending$"
	expect_eq "$(table_exists "$H")" 0 "status creates no history table"
	s up 1
	s status
	expect_rc 0
	expect_out "^$V1 +create_users +applied +[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	expect_out "^$V2 +create_posts +pending +-$"
	expect_out "^1 applied, 2 pending$"
	[[ $out != *$'\033'* ]] || fail "colour codes on a pipe"
}

# The directory is read while the database opens (on a second thread):
# the errors keep their order and a bad directory still creates nothing.
test_bad_dir_creates_nothing() {
	mkdir -p "$T/bad"
	printf -- '-- migrate:up\nselect 1;\n\0' >"$T/bad/20240101000001_x.sql"
	if [[ $BACKEND != sqlite ]]; then
		s -d "$T/nonexistent" up
		expect_error 3 "cannot read migrations directory .*/nonexistent"
		s -d "$T/bad" up
		expect_error 3 "_x\.sql:3: binary data"
		expect_eq "$(table_exists "$H")" 0 "a bad directory creates no history table"
		return
	fi
	local db=$T/fresh.db
	run -u "sqlite:$db" -d "$T/nonexistent" status
	expect_error 3 "cannot read migrations directory .*/nonexistent"
	[[ ! -e $db ]] || fail "a missing directory created $db"
	run -u "sqlite:$db" -d "$T/bad" up
	expect_error 3 "_x\.sql:3: binary data"
	[[ ! -e $db ]] || fail "an unreadable migration created $db"
	# an unknown scheme still comes before the directory, the directory
	# before a database that cannot be opened
	run -u "nosuch:$db" -d "$T/nonexistent" status
	expect_error 4 "unknown database scheme"
	run -u "sqlite:$T/no/such/db.sqlite" -d "$T/nonexistent" status
	expect_error 3 "cannot read migrations directory"
	run -u "sqlite:$T/no/such/db.sqlite" -d "$T/bad" status
	expect_error 3 "binary data"
	# a good directory: the database is made
	std_migrations
	run -u "sqlite:$db" -d "$MIG" status
	expect_rc 0
	expect_out "^0 applied, 3 pending$"
	[[ -f $db ]] || fail "status with a good directory did not create $db"
	run -u "sqlite:$db" -d "$MIG" up
	expect_rc 0
	run -u "sqlite:$db" -d "$MIG" status
	expect_out "^3 applied, 0 pending$"
	# an existing database and a bad directory: the directory's error
	run -u "sqlite:$db" -d "$T/bad" status
	expect_error 3 "binary data"
	run -u "sqlite:$T/no/such/db.sqlite" -d "$MIG" status
	expect_error 5 "cannot open SQLite database .*/no/such/db\.sqlite"
}

# go-sqlite3's settings in a SQLite URL (dbmate's URLs) take effect:
# _fk=1 enforces foreign keys, _journal / _sync set the journal.
test_sqlite_url_settings() {
	if [[ $BACKEND != sqlite ]]; then
		skip "SQLite URL parameters"
		return
	fi
	mig 20240101000001_parent <<EOF
-- migrate:up
create table parent (id integer primary key);
create table child (parent_id integer references parent (id));
-- migrate:down
drop table child;
drop table parent;
EOF
	mig 20240101000002_orphan <<EOF
-- migrate:up
insert into child values (42);
EOF
	local db=$T/fk.db
	run -u "sqlite:$db?_fk=1&_journal=WAL&_sync=NORMAL" -d "$MIG" up
	expect_rc 8
	expect_err "20240101000002_orphan\.sql:2(:[0-9]+)?: .*FOREIGN KEY constraint failed"
	run -u "sqlite:$db?_fk=1" -d "$MIG" status
	expect_out "^1 applied, 1 pending$"
	expect_eq "$(sqlite3 "$db" 'pragma journal_mode')" wal "journal mode after _journal=WAL"
	# SQLite's default: no foreign keys
	run -u "sqlite:$db" -d "$MIG" up
	expect_rc 0
	run -u "sqlite:$db?_fk=yes" -d "$MIG" status
	expect_out "^2 applied, 0 pending$"
	run -u "sqlite:$db?_fk=sometimes" -d "$MIG" status
	expect_error 4 "invalid _foreign_keys \"sometimes\" in the SQLite URL"
	# mode=ro reads and never writes; mode=rw never creates the file
	mig 20240101000003_more <<EOF
-- migrate:up
create table more (id integer);
EOF
	cp "$db" "$T/before.db"
	run -u "sqlite:$db?mode=ro" -d "$MIG" status
	expect_rc 0
	expect_out "^2 applied, 1 pending$"
	run -u "sqlite:$db?mode=ro" -d "$MIG" up
	expect_rc 8
	expect_err "20240101000003_more\.sql:2(:[0-9]+)?: attempt to write a readonly database"
	cmp -s "$db" "$T/before.db" || fail "up with mode=ro changed the database"
	run -u "sqlite:$T/none.db?mode=rw" -d "$MIG" up
	expect_error 5 "SQLite database .*/none\.db does not exist \(the URL says mode=rw\)"
	[[ ! -e $T/none.db ]] || fail "mode=rw created $T/none.db"
}

# A real migration set as its project ships it (../shared/corpora, see
# its README): flipt's golang-migrate pairs (up only, unpadded numbers)
# on every backend, on a database of its own.
test_corpus_flipt() {
	local corpora=${STRATA_CORPORA:-/work/shared/corpora} d n url=$URL
	d=$(ls -d "$corpora/flipt/$BACKEND"* 2>/dev/null | head -n 1)
	if [[ -z $d || ! -d $d ]]; then
		fail "no flipt migrations for $BACKEND in $corpora (set STRATA_CORPORA)"
		return
	fi
	n=$(ls "$d" | grep -c '\.up\.sql$')
	((n > 10)) || fail "only $n flipt migrations in $d"
	if [[ $BACKEND != sqlite ]]; then
		url=$(url_with_db "$URL" "c${RUNID}_${N}_flipt")
		run -u "$url" create
		expect_rc 0
	fi
	run -u "$url" -d "$d" up
	expect_rc 0
	expect_out "^applied $n migrations in "
	run -u "$url" -d "$d" status
	expect_out "^$n applied, 0 pending$"
	run -u "$url" -d "$d" validate
	expect_rc 0
	run -u "$url" -d "$d" up
	expect_rc 0
	expect_out "^nothing to apply$"
	if [[ $BACKEND != sqlite ]]; then
		run -u "$url" drop
		expect_rc 0
	fi
}

test_status_exit_code() {
	std_migrations
	s status --exit-code
	expect_rc 10
	s up 2
	s status --exit-code
	expect_rc 10
	expect_out "^2 applied, 1 pending$"
	s up
	s --exit-code status
	expect_rc 0
	expect_out "^3 applied, 0 pending$"
	# without --exit-code pending is not an error
	s down
	s status
	expect_rc 0
}

test_status_json() {
	std_migrations
	notx_failing_migration
	mv "$MIG/${V1}_nontx.sql" "$MIG/20231231000000_nontx.sql"
	s up
	expect_rc 8
	s status --json
	expect_rc 0
	expect_not_out "applied, "
	python3 - "$T/stdout" "$P" >"$T/py" 2>&1 <<'PY' || fail "JSON check failed: $(cat "$T/py")"
import json, sys
rows = json.load(open(sys.argv[1]))
keys = {"version", "name", "state", "applied_at", "duration_ms", "file", "dir",
        "statements_done", "statements_total", "last_error", "out_of_order",
        "repeatable", "changed"}
assert isinstance(rows, list) and len(rows) == 4, rows
for r in rows:
    assert set(r) == keys, sorted(r)
    assert isinstance(r["out_of_order"], bool)
    assert r["repeatable"] is False and r["changed"] is False, r
f, a, b, c = rows
assert (f["version"], f["name"], f["state"]) == ("20231231000000", "nontx", "failed"), f
assert f["statements_done"] == 1 and f["statements_total"] == 3, f
assert isinstance(f["last_error"], str) and "20231231000000_nontx.sql:3" in f["last_error"], f
assert f["file"].endswith("/20231231000000_nontx.sql"), f
assert a["state"] == "pending" and a["applied_at"] is None and a["last_error"] is None, a
assert a["duration_ms"] is None and a["out_of_order"] is False, a
assert a["name"] == "create_users" and a["version"] == "20240101000000", a
PY
	# repair the failure, apply everything, check an applied entry
	s repair --forget
	expect_rc 0
	rm "$MIG/20231231000000_nontx.sql"
	q "drop table ${P}users"
	s up
	expect_rc 0
	s status --json
	expect_rc 0
	python3 - "$T/stdout" >"$T/py" 2>&1 <<'PY' || fail "JSON check failed: $(cat "$T/py")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 3, rows
for r in rows:
    assert r["state"] == "applied", r
    assert isinstance(r["applied_at"], str) and r["applied_at"][:2] == "20", r
    assert isinstance(r["duration_ms"], (int, float)) and r["duration_ms"] >= 0, r
    assert r["last_error"] is None, r
assert rows[1]["statements_done"] == 2 and rows[1]["statements_total"] == 2, rows[1]
PY
}

test_validate() {
	std_migrations
	s up
	s validate
	expect_rc 0
	expect_eq "$out" "ok: 3 migrations validated" "validate output"
	expect_no_err
	echo "-- an edit after the fact" >>"$MIG/${V2}_create_posts.sql"
	s validate
	expect_error 6 "1 migration failed validation"
	expect_out "^${V2}_create_posts: .*changed.*${V2}_create_posts\.sql"
	expect_eq "$(grep -c '' <<<"$out")" 1 "lines of problems"
	s status
	expect_out "^$V2 +create_posts +changed "
	rm "$MIG/${V3}_add_tags.sql"
	s validate
	expect_error 6 "2 migrations failed validation"
	expect_out "^${V3}_add_tags: .*no migration file"
}

test_tx_failure() {
	mig ${V1}_create_users <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
EOF
	mig ${V2}_broken <<EOF
-- migrate:up
create table ${P}posts (id integer primary key);
insert into ${P}nosuch (id) values (1);

-- migrate:down
drop table ${P}posts;
EOF
	s up
	expect_error 8 "strata: error: [^ ]*/${V2}_broken\.sql:3(:[0-9]+)?: .*nosuch.*migration ${V2}_broken, statement 2 of 2"
	expect_out "^applying ${V2}_broken \.\.\. failed$"
	expect_eq "$(hist state $V1)" applied "state of $V1"
	if [[ $BACKEND == mysql ]]; then
		# DDL commits implicitly: strata tracks the statements
		expect_eq "$(hist "state, statements_done" $V2)" "failed|1" "history row of $V2"
	else
		expect_eq "$(table_exists "${P}posts")" 0 "table ${P}posts after the rollback"
		expect_eq "$(hist state $V2)" "" "history row of $V2"
		expect_eq "$(hist_rows)" 1 "history rows"
	fi
}

test_notx_repair_resume() {
	notx_failing_migration
	s up
	expect_error 8 "${V1}_nontx\.sql:3(:[0-9]+)?: .*statement 2 of 3"
	expect_eq "$(hist "state, statements_done, statements_total" $V1)" "failed|1|3" "history row"
	hist last_error $V1 | grep -q "${V1}_nontx.sql:3" || fail "last_error: $(hist last_error $V1)"
	expect_eq "$(table_exists "${P}users")" 1 "table ${P}users (statement 1 ran)"
	s status
	expect_out "^$V1 +nontx +failed "
	expect_out "last error: .*nosuch"
	s up
	expect_error 7 "strata repair"
	s validate
	expect_rc 7
	expect_out "^${V1}_nontx: failed"
	s down
	expect_rc 7
	# fix the file and resume at statement 2
	sed -i "s/insert into ${P}nosuch (id) values (1);/create table ${P}tags (id integer primary key);/" "$MIG/${V1}_nontx.sql"
	s repair --resume
	expect_rc 0
	expect_out "resumed"
	expect_eq "$(hist "state, statements_done, statements_total" $V1)" "applied|3|3" "history row after resume"
	expect_eq "$(hist "coalesce(last_error, '<null>')" $V1)" "<null>" "last_error after resume"
	for tbl in users posts tags; do
		expect_eq "$(table_exists "${P}$tbl")" 1 "table ${P}$tbl"
	done
	s up
	expect_rc 0
	expect_eq "$out" "nothing to apply" "up after the repair"
	s validate
	expect_rc 0
}

test_repair_forget() {
	notx_failing_migration
	s up
	expect_rc 8
	s repair --forget
	expect_rc 0
	expect_err "forgot migration $V1"
	expect_eq "$(hist_rows)" 0 "history rows after forget"
	s status --exit-code
	expect_rc 10
	expect_out "^$V1 +nontx +pending"
	s repair --forget
	expect_error 6 "nothing to repair"
}

test_repair_mark_applied() {
	notx_failing_migration
	s up
	expect_rc 8
	s repair $V1 --mark-applied
	expect_rc 0
	expect_err "marked migration $V1 as applied"
	expect_eq "$(hist "state, statements_done, statements_total, coalesce(last_error, '<null>')" $V1)" \
		"applied|3|3|<null>" "history row"
	s up
	expect_rc 0
	expect_eq "$out" "nothing to apply" "up after mark-applied"
	s validate
	expect_rc 0
}

test_repair_usage() {
	std_migrations
	s repair
	expect_error 2 "exactly one of --resume, --mark-applied, --forget"
	s repair --resume --forget
	expect_error 2 "exactly one of"
	s repair --resume --mark-applied --forget $V1
	expect_error 2 "exactly one of"
	s repair --resume
	expect_error 6 "nothing to repair"
	s repair --forget 20990101000000
	expect_error 6 "20990101000000"
	s repair --resume a b
	expect_error 2 "unexpected argument 'b'"
	expect_untouched
}

test_baseline() {
	std_migrations
	mkdir -p "$T/empty"
	# the schema exists already (made by hand); status creates the
	# database file of SQLite, not the history table
	s -d "$T/empty" status
	q "create table ${P}users (id integer primary key, name varchar(100))"
	q "create table ${P}posts (id integer primary key, title varchar(100))"
	s baseline $V2
	expect_rc 0
	expect_out "recorded 2 migrations up to $V2"
	expect_eq "$(hist "state, applied_by" $V1)" "applied|strata baseline" "row of $V1"
	expect_eq "$(hist "state" $V2)" "applied" "row of $V2"
	expect_eq "$(hist_rows)" 2 "history rows"
	s up
	expect_rc 0
	expect_out "^applying ${V3}_add_tags "
	expect_out "^applied 1 migration "
	expect_eq "$(q "select count(*) from ${P}posts")" 0 "baseline ran no SQL"
	s baseline $V3
	expect_error 6 "already records"
	s baseline
	expect_error 2 "baseline needs a VERSION"
}

test_baseline_unknown() {
	std_migrations
	s baseline 20990101000000
	expect_error 6 "20990101000000"
	s baseline notaversion
	expect_error 6 "notaversion"
	expect_untouched
}

# A down part marked transaction:false keeps its mark in the history row,
# so it still runs statement by statement once its file is gone: when its
# second statement fails, the first one stays done (in one transaction,
# PostgreSQL and SQLite would roll it back).
test_down_file_gone_no_tx() {
	mig ${V1}_users <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
create table ${P}posts (id integer primary key);

-- migrate:down transaction:false
drop table ${P}posts;
insert into ${P}nosuch (id) values (1);
drop table ${P}users;
EOF
	s up
	expect_rc 0
	rm "$MIG/${V1}_users.sql"
	s down
	expect_rc 8
	expect_eq "$(table_exists "${P}posts")" 0 "table ${P}posts (its drop ran on its own)"
	expect_eq "$(table_exists "${P}users")" 1 "table ${P}users (after the failing statement)"
	expect_eq "$(hist statements_done $V1)" 1 "statements done"
}

test_down_file_gone() {
	std_migrations
	s up
	rm "$MIG/${V3}_add_tags.sql"
	s status
	expect_out "^$V3 +add_tags +missing "
	s down
	expect_rc 0
	expect_out "^reverting ${V3}_add_tags \.\.\. done"
	expect_eq "$(table_exists "${P}tags")" 0 "table ${P}tags (dropped with the stored down SQL)"
	expect_eq "$(hist state $V3)" "" "history row of $V3"
	expect_eq "$(hist_rows)" 2 "history rows"
}

test_dry_run() {
	std_migrations
	s up --dry-run
	expect_rc 0
	expect_out "^-- would apply ${V1}_create_users \(dry run\)$"
	expect_out "^create table ${P}users \(id integer primary key, name varchar\(100\)\);$"
	expect_out "^insert into ${P}posts \(id, title\) values \(1, 'it''s; a \"test\"'\);$"
	expect_out "^dry run: 3 migrations would be applied, nothing changed$"
	expect_untouched
	s up 1
	s down --dry-run
	expect_rc 0
	expect_out "^-- would revert ${V1}_create_users \(dry run\)$"
	expect_out "^drop table ${P}users;$"
	expect_eq "$(table_exists "${P}users")" 1 "table ${P}users after down --dry-run"
	expect_eq "$(hist state $V1)" applied "state of $V1"
	s up --dry-run 1
	expect_rc 0
	expect_out "^-- would apply ${V2}_create_posts"
	expect_not_out "${V3}"
	expect_eq "$(hist_rows)" 1 "history rows"
}

# An interrupted migration that up would resume by itself: --dry-run shows
# the statements the resume would run (from the one in flight) and plans
# the rest as if it had, instead of refusing as dirty.
test_dry_run_resume() {
	mig ${V1}_users <<EOF
-- migrate:up transaction:false
create table ${P}users (id integer primary key);
insert into ${P}users (id) values (7);

-- migrate:down
drop table ${P}users;
EOF
	s up
	expect_rc 0
	mig ${V2}_tags <<EOF
-- migrate:up
create table ${P}tags (id integer primary key);
EOF
	# as a run killed in statement 2 leaves it: its insert rolled back
	# with the progress update that would have followed it
	q "delete from ${P}users" >/dev/null
	q "update $H set state = 'running', statements_done = 1 where version = '$V1'" >/dev/null
	s up --dry-run
	expect_rc 0
	expect_err "migration $V1 was interrupted at statement 2 of 2; up would resume it there"
	expect_out "^insert into ${P}users \(id\) values \(7\);$"
	expect_not_out "create table ${P}users"
	expect_out "^create table ${P}tags \(id integer primary key\);$"
	expect_out "^dry run: 2 migrations would be applied, nothing changed$"
	expect_eq "$(hist state $V1)" running "state of $V1 after the dry run"
	expect_eq "$(table_exists "${P}tags")" 0 "table ${P}tags after the dry run"
	s up
	expect_rc 0
	expect_eq "$(hist state $V1)" applied "state of $V1"
	expect_eq "$(q "select count(*) from ${P}users")" 1 "rows in ${P}users"
	expect_eq "$(table_exists "${P}tags")" 1 "table ${P}tags"
}

test_single_transaction() {
	std_migrations
	mig 20240104000000_broken <<EOF
-- migrate:up
create table ${P}more (id integer primary key);
insert into ${P}nosuch (id) values (1);
EOF
	s up --single-transaction
	if [[ $BACKEND == mysql ]]; then
		expect_error 11 "single-transaction"
		expect_untouched
		return
	fi
	expect_error 8 "20240104000000_broken\.sql:3"
	expect_untouched
	expect_eq "$(table_exists "${P}more")" 0 "table ${P}more"
	rm "$MIG/20240104000000_broken.sql"
	s up --single-transaction
	expect_rc 0
	expect_out "^applied 3 migrations"
	expect_eq "$(hist_rows)" 3 "history rows"
	# a migration that cannot run in a transaction is refused up front
	s down 3
	notx_failing_migration
	mv "$MIG/${V1}_nontx.sql" "$MIG/20240105000000_nontx.sql"
	s up --single-transaction
	expect_error 6 "20240105000000.*single-transaction"
	expect_untouched
}

test_out_of_order() {
	std_migrations
	mv "$MIG/${V2}_create_posts.sql" "$T/"
	s up
	expect_rc 0
	mv "$T/${V2}_create_posts.sql" "$MIG/"
	s up
	expect_error 6 "$V2"
	expect_eq "$(hist_rows)" 2 "history rows"
	s status
	expect_out "^$V2 +create_posts +pending \(out of order\)"
	s status --json
	python3 -c 'import json,sys; r=json.load(sys.stdin); assert r[1]["out_of_order"] is True and r[0]["out_of_order"] is False, r' \
		<"$T/stdout" || fail "out_of_order in JSON"
	s up --allow-out-of-order
	expect_rc 0
	expect_out "^applying ${V2}_create_posts "
	expect_out "^applied 1 migration"
	expect_eq "$(hist_rows)" 3 "history rows"
}

test_concurrent() {
	mig 20240101000000_counter <<EOF
-- migrate:up
create table ${P}counter (n integer);
EOF
	local i
	for i in 2 3 4 5 6; do
		mig 2024010${i}000000_bump$i <<EOF
-- migrate:up
insert into ${P}counter (n) values ($i);
EOF
	done
	mig 20240107000000_create_users <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
EOF
	local pids=()
	for i in 1 2 3 4 5 6 7 8; do
		"$STRATA" -u "$URL" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} --lock-timeout 30 up \
			>"$T/out.$i" 2>"$T/err.$i" &
		pids+=($!)
	done
	local total=0 n
	for i in 1 2 3 4 5 6 7 8; do
		wait "${pids[$((i - 1))]}"
		rc=$?
		last="strata up (process $i of 8)"
		out=$(cat "$T/out.$i")
		err=$(cat "$T/err.$i")
		expect_rc 0
		n=$(sed -n 's/^applied \([0-9]*\) migrations\{0,1\} in .*/\1/p' "$T/out.$i")
		total=$((total + ${n:-0}))
	done
	last="8 concurrent strata up"
	expect_eq "$total" 7 "migrations applied over all processes"
	expect_eq "$(hist_rows)" 7 "history rows"
	expect_eq "$(q "select count(*) from ${P}counter")" 5 "rows inserted"
	expect_eq "$(q "select sum(n) from ${P}counter")" 20 "sum of rows inserted"
}

test_lock_timeout() {
	mig ${V1}_create_users <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
EOF
	local holder t0 t1
	if [[ $BACKEND == sqlite ]]; then
		s up
		expect_rc 0
		mig ${V2}_create_posts <<EOF
-- migrate:up
create table ${P}posts (id integer primary key);
EOF
		# the SQLite driver locks with flock() on the database file
		flock -x "$DB" sleep 2 &
		holder=$!
		probe() { ! flock -n "$DB" true; }
	else
		# another strata holds the lock while a slow migration runs
		mkdir -p "$T/slow"
		local marker=lock_holder_${RUNID}_$N
		local sleep_sql="select pg_sleep(2) as $marker"
		[[ $BACKEND == mysql ]] && sleep_sql="select sleep(2) as $marker"
		cp "$MIG/${V1}_create_users.sql" "$T/slow/"
		printf -- '-- migrate:up\n%s;\n' "$sleep_sql" >"$T/slow/${V2}_create_posts.sql"
		cp "$T/slow/${V2}_create_posts.sql" "$MIG/"
		"$STRATA" -u "$URL" -d "$T/slow" "${TABLE_ARGS[@]}" up >"$T/holder.out" 2>&1 &
		holder=$!
		# the holder has the lock once its slow statement runs
		if [[ $BACKEND == postgres ]]; then
			probe() { [[ $(q "select count(*) from pg_stat_activity where query like '%sleep(2) as $marker%' and pid <> pg_backend_pid()") == 1 ]]; }
		else
			probe() { [[ $(q "select count(*) from information_schema.processlist where info like '%sleep(2) as $marker%' and id <> connection_id()") == 1 ]]; }
		fi
	fi
	local i
	for ((i = 0; i < 200; i++)); do
		probe && break
		sleep 0.02
	done
	probe || fail "the lock holder did not take the lock"
	t0=$(date +%s%N)
	s --lock-timeout 0.2 up
	t1=$(date +%s%N)
	expect_rc 9
	expect_eq "$(grep -c '^strata: error:' <<<"$err")" 1 "error lines"
	grep -q '^strata: error: .*lock' <<<"$err" || fail "no lock error"
	(((t1 - t0) / 1000000 < 1500)) || fail "--lock-timeout 0.2 took $(((t1 - t0) / 1000000)) ms"
	if [[ $BACKEND == sqlite ]]; then
		expect_eq "$(hist state $V2)" "" "history row of $V2"
		# waiting long enough succeeds, saying it waits
		s --lock-timeout 20 up
		expect_rc 0
		expect_err "^strata: .*[Ww]ait"
		expect_eq "$(hist state $V2)" applied "state of $V2"
	fi
	wait "$holder"
	s --lock-timeout 0 up
	expect_rc 0
	expect_eq "$(hist_rows)" 2 "history rows"
}

test_quiet_verbose() {
	std_migrations
	s -q up 2
	expect_rc 0
	expect_eq "$out" "" "stdout with -q"
	expect_no_err
	expect_eq "$(hist_rows)" 2 "history rows"
	s status -v
	expect_rc 0
	expect_err "^strata: debug: "
	s up --quiet --to 20990101000000
	expect_error 6 "20990101000000"
	s -q -v status
	expect_error 2 "quiet"
}

test_env_and_colour() {
	std_migrations
	DATABASE_URL=$URL run -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} up 1
	expect_rc 0
	expect_out "^applied 1 migration"
	# --url wins over DATABASE_URL
	DATABASE_URL=bogus: s status
	expect_rc 0
	expect_out "^1 applied, 2 pending$"
	if ! command -v script >/dev/null; then
		skip "script(1) not available for the colour check"
		return
	fi
	# colour only on a terminal, and not with NO_COLOR / --no-color
	local cmd="$STRATA -u '$URL' -d '$MIG' ${TABLE_ARGS[*]} status"
	script -qec "$cmd" /dev/null >"$T/tty" 2>&1
	grep -q $'\033\[' "$T/tty" || fail "no colour on a terminal: $(cat -v "$T/tty")"
	NO_COLOR=1 script -qec "$cmd" /dev/null >"$T/tty" 2>&1
	! grep -q $'\033\[' "$T/tty" || fail "colour despite NO_COLOR"
	script -qec "$cmd --no-color" /dev/null >"$T/tty" 2>&1
	! grep -q $'\033\[' "$T/tty" || fail "colour despite --no-color"
}

# ./.env and --env-file (dbmate's): DATABASE_URL from the file when the
# environment has none; the environment and --url win; the first
# --env-file that sets a variable wins; a missing --env-file is an error
# (3), a malformed line one with FILE:LINE (2); a password in the file
# never printed; libpq's variables reach libpq.
test_env_file() {
	std_migrations
	local targs=(-d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"})
	# the working directory is $T
	printf '# deploy settings\r\nexport DATABASE_URL=%s # the test database\r\n' "'$URL'" >.env
	run "${targs[@]}" up 1
	expect_rc 0
	expect_out "^applied 1 migration"
	# the environment wins over .env, --url over both
	printf 'DATABASE_URL=bogus:\n' >.env
	DATABASE_URL=$URL run "${targs[@]}" status
	expect_rc 0
	expect_out "^1 applied, 2 pending$"
	run -u "$URL" "${targs[@]}" status
	expect_rc 0
	run "${targs[@]}" status
	expect_error 4 "unknown database URL scheme 'bogus'|bogus"
	# --env-file replaces ./.env (bogus now); repeated, the first wins
	printf 'DATABASE_URL="%s"\n' "$URL" >a.env
	printf 'DATABASE_URL=bogus:\nOTHER=1\n' >b.env
	run --env-file a.env "${targs[@]}" up 1 --env-file=b.env
	expect_rc 0
	expect_out "^applied 1 migration"
	expect_eq "$(hist_rows)" 2 "history rows"
	# a missing --env-file is an error naming it, also when ./.env exists
	run --env-file nosuch.env "${targs[@]}" status
	expect_error 3 "nosuch\.env: cannot open it: No such file or directory"
	run --env-file a.env --env-file "$T" "${targs[@]}" status
	expect_error 3 "not a regular file"
	run --env-file '' "${targs[@]}" status
	expect_error 2 "--env-file wants a path"
	# a malformed line: FILE:LINE, nothing run, the value never shown
	printf 'DATABASE_URL="%s"\n\nPASSWORD='"'"'s3cret\n' "$URL" >bad.env
	run --env-file bad.env "${targs[@]}" up
	expect_error 2 "^strata: error: bad\.env:3: the single-quoted value of PASSWORD has no closing quote$"
	printf 'A=1\ns3cret\n' >.env
	run "${targs[@]}" up
	expect_error 2 "^strata: error: \.env:2: expected '=' after the variable name$"
	[[ $err != *s3cret* ]] || fail "a value of the .env file was printed"
	expect_eq "$(hist_rows)" 2 "history rows"
	# help and version read no .env
	run --help
	expect_rc 0
	expect_out "--env-file FILE"
	run version
	expect_rc 0
	# a password in a URL from .env is redacted like any other
	printf 'DATABASE_URL=postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=2\n' >.env
	run "${targs[@]}" -v status
	[[ $rc -eq 4 || $rc -eq 5 ]] || fail "expected exit 4 or 5, got $rc"
	[[ $err$out != *s3cret* ]] || fail "the password of DATABASE_URL from .env was printed"
	# PG* variables of .env reach libpq as the environment's do
	if driver_built postgres; then
		printf 'PGSERVICE=nosuchservice\nPGSERVICEFILE=%s/none\n' "$T" >.env
		run -u postgres://u@127.0.0.1:1/db "${targs[@]}" status
		expect_error 5 'service file ".*/none" not found'
		PGSERVICEFILE=$T/other run -u postgres://u@127.0.0.1:1/db "${targs[@]}" status
		expect_error 5 'service file ".*/other" not found'
	fi
}

test_golang_pairs() {
	mkdir -p "$MIG"
	printf 'create table %susers (id integer primary key);\n' "$P" >"$MIG/000001_create_users.up.sql"
	printf 'drop table %susers;\n' "$P" >"$MIG/000001_create_users.down.sql"
	printf 'create table %sposts (id integer primary key);\n' "$P" >"$MIG/000002_create_posts.up.sql"
	printf 'drop table %sposts;\n' "$P" >"$MIG/000002_create_posts.down.sql"
	printf 'create table %stags (id integer primary key);\n' "$P" >"$MIG/000003_create_tags.up.sql"
	echo "notes" >"$MIG/README.md"
	echo "notes" >"$MIG/notes.txt"
	s up
	expect_rc 0
	expect_out "^applying 000001_create_users "
	expect_out "^applied 3 migrations"
	# 000003 has no down part: the plan is refused before anything runs
	s down 3
	expect_error 6 "000003.*no down"
	expect_eq "$(hist_rows)" 3 "history rows"
	expect_eq "$(table_exists "${P}users")" 1 "table ${P}users"
	rm "$MIG/000003_create_tags.up.sql"
	q "delete from $H where version = '000003'"
	s down 2
	expect_rc 0
	expect_out "^reverted 2 migrations"
	expect_eq "$(hist_rows)" 0 "history rows"
	expect_eq "$(table_exists "${P}users")$(table_exists "${P}posts")" 00 "tables users, posts"
}

# goose files (-- +goose Up/Down, StatementBegin/End, NO TRANSACTION)
# and Flyway names (V1__x.sql, its undo U1__x.sql) work as they are.
test_goose_and_flyway() {
	mig ${V1}_create_users <<EOF
-- +goose Up
-- +goose StatementBegin
create table ${P}users (id integer primary key);
-- +goose StatementEnd

-- +goose Down
drop table ${P}users;
EOF
	printf 'create table %sposts (id integer primary key);\n' "$P" >"$MIG/V${V2}__create_posts.sql"
	printf 'drop table %sposts;\n' "$P" >"$MIG/U${V2}__create_posts.sql"
	s up
	expect_rc 0
	expect_out "^applying ${V1}_create_users "
	expect_out "^applying ${V2}_create_posts "
	expect_out "^applied 2 migrations"
	expect_eq "$(table_exists "${P}users")$(table_exists "${P}posts")" 11 "tables users, posts"
	s down 2
	expect_rc 0
	expect_out "^reverted 2 migrations"
	expect_eq "$(table_exists "${P}users")$(table_exists "${P}posts")" 00 "tables users, posts"
	expect_eq "$(hist_rows)" 0 "history rows"
	# NO TRANSACTION: statement by statement, so the table created
	# before the failing statement stays, and the row says where it stopped
	mig ${V3}_no_tx <<EOF
-- +goose NO TRANSACTION
-- +goose Up
create table ${P}tags (id integer primary key);
insert into ${P}no_such_table values (1);
-- +goose Down
drop table ${P}tags;
EOF
	s up
	expect_rc 8
	expect_eq "$(table_exists "${P}tags")" 1 "table ${P}tags (committed before the failure)"
	expect_eq "$(q "select state from $H where version = '$V3'")" failed "state of $V3"
	expect_eq "$(q "select statements_done from $H where version = '$V3'")" 1 \
		"statements done of $V3"
	# a repeatable Flyway migration is one file: a pair's name is refused
	printf 'select 1;\n' >"$MIG/R__views.up.sql"
	s status
	expect_error 3 "R__views\.up\.sql: a repeatable migration is one file named R__description\.sql"
}

# The SQL of R__views.sql (a view on users; $1: more of its query) and of
# R__funcs.sql (a function; on SQLite, which has none, a table of data).
repeatable_views_sql() {
	if [[ $BACKEND == sqlite ]]; then
		printf 'drop view if exists %sv;\ncreate view %sv as select id, name from %susers%s;\n' \
			"$P" "$P" "$P" "${1:-}"
	else
		printf -- '-- the views, created again whenever this file changes\n'
		printf 'create or replace view %sv as select id, name from %susers%s;\n' "$P" "$P" "${1:-}"
	fi
}

repeatable_funcs_sql() {
	case $BACKEND in
	sqlite)
		printf 'create table if not exists %sfuncs (n integer);\ndelete from %sfuncs;\ninsert into %sfuncs values (1);\n' \
			"$P" "$P" "$P"
		;;
	postgres)
		printf 'create or replace function %sf() returns integer language sql as $$ select 1 $$;\n' "$P"
		;;
	mysql)
		printf 'drop function if exists %sf;\ncreate function %sf() returns integer deterministic return 1;\n' \
			"$P" "$P"
		;;
	esac
}

# Flyway's repeatable migrations (R__name.sql): applied after the
# versioned ones in the order of their names, again only when they
# change, never reverted by down; a failing one leaves the history as it
# was.
test_repeatable() {
	mkdir -p "$MIG"
	printf 'create table %susers (id integer primary key, name varchar(100));\n' "$P" >"$MIG/V1__create_users.sql"
	printf 'drop table %susers;\n' "$P" >"$MIG/U1__create_users.sql"
	printf 'alter table %susers add column email varchar(100);\n' "$P" >"$MIG/V2__add_email.sql"
	printf 'alter table %susers drop column email;\n' "$P" >"$MIG/U2__add_email.sql"
	repeatable_views_sql >"$MIG/R__views.sql"
	repeatable_funcs_sql >"$MIG/R__funcs.sql"
	s up
	expect_rc 0
	expect_eq "$(grep -o '^applying [^ ]*' <<<"$out" | tr '\n' ' ')" \
		"applying 1_create_users applying 2_add_email applying R__funcs applying R__views " \
		"the order of up"
	expect_out "^applied 4 migrations"
	expect_eq "$(hist "name, state, statements_total" R__views)" "views|applied|$([[ $BACKEND == sqlite ]] && echo 2 || echo 1)" \
		"row of R__views"
	expect_eq "$(q "select count(*) from ${P}v")" 0 "rows of the view"
	if [[ $BACKEND == sqlite ]]; then
		expect_eq "$(q "select n from ${P}funcs")" 1 "R__funcs' data"
	else
		expect_eq "$(q "select ${P}f()")" 1 "R__funcs' function"
	fi
	local views_sum funcs_sum
	views_sum=$(hist checksum R__views)
	funcs_sum=$(hist checksum R__funcs)
	[[ $views_sum == sha256:* ]] || fail "checksum of R__views: '$views_sum'"
	s up
	expect_rc 0
	expect_out "^nothing to apply$"
	s status
	expect_rc 0
	expect_out "^R__funcs +funcs +applied "
	expect_out "^R__views +views +applied "
	expect_out "^4 applied, 0 pending; 2 repeatable \(R__\), which down never reverts$"
	expect_eq "$(grep -n '' <<<"$out" | grep -E ':(2 |R__funcs)' | cut -d: -f1 | tr '\n' ' ')" "3 4 " \
		"repeatable migrations listed after the versioned ones"

	# changed: pending again, and up applies it alone
	repeatable_views_sql " where id > 0" >"$MIG/R__views.sql"
	s status
	expect_rc 0
	expect_out "^R__views +views +pending \(changed\) +[0-9]{4}-"
	expect_out "^3 applied, 1 pending; 2 repeatable"
	s status --exit-code
	expect_rc 10
	s status --json
	expect_rc 0
	grep -A14 '"version": "R__views"' <<<"$out" | grep -q '"repeatable": true' ||
		fail "json: R__views is not repeatable"
	grep -A14 '"version": "R__views"' <<<"$out" | grep -q '"changed": true' ||
		fail "json: R__views has not changed"
	grep -A14 '"version": "R__views"' <<<"$out" | grep -q '"state": "pending"' ||
		fail "json: R__views is not pending"
	grep -A14 '"version": "1"' <<<"$out" | grep -q '"repeatable": false' ||
		fail "json: version 1 is repeatable"
	s validate
	expect_rc 0
	s up --dry-run
	expect_rc 0
	expect_err "repeatable migration R__views changed since it was applied .*; up would apply it again"
	expect_out "^-- would apply R__views \(dry run\)$"
	expect_out "where id > 0;$"
	expect_not_out "R__funcs"
	expect_out "^dry run: 1 migration would be applied"
	expect_eq "$(hist checksum R__views)" "$views_sum" "checksum of R__views after the dry run"
	s up
	expect_rc 0
	expect_eq "$(grep -o '^applying [^ ]*' <<<"$out" | tr '\n' ' ')" "applying R__views " "what up applied"
	expect_err "repeatable migration R__views changed since it was applied \(at [0-9]{4}-.*\); applying it again"
	expect_out "^applied 1 migration in"
	[[ $(hist checksum R__views) != "$views_sum" ]] || fail "the checksum of R__views did not change"
	expect_eq "$(hist checksum R__funcs)" "$funcs_sum" "checksum of R__funcs"
	expect_eq "$(hist_rows)" 4 "history rows"
	views_sum=$(hist checksum R__views)
	s status --exit-code
	expect_rc 0

	# down reverts the versioned migration, never a repeatable one
	s down
	expect_rc 0
	expect_out "^reverting 2_add_email "
	expect_out "^reverted 1 migration"
	expect_eq "$(hist_rows)" 3 "history rows after down"
	expect_eq "$(hist state R__views)|$(hist state R__funcs)" "applied|applied" "repeatable rows after down"
	s status
	expect_out "^2 +add_email +pending "
	expect_out "^R__views +views +applied "
	s up
	expect_rc 0
	expect_eq "$(grep -o '^applying [^ ]*' <<<"$out" | tr '\n' ' ')" "applying 2_add_email " "up after down"

	# a failing repeatable migration: nothing recorded for it, its
	# previous checksum kept (DML: one transaction on every backend)
	printf 'update %susers set name = name;\ninsert into %sno_such_table values (1);\n' "$P" "$P" >"$MIG/R__funcs.sql"
	s up
	expect_rc 8
	expect_err "^strata: error: .*R__funcs\.sql:2:.*\(migration R__funcs, statement 2 of 2\)"
	expect_eq "$(hist "checksum, state" R__funcs)" "$funcs_sum|applied" "row of R__funcs after the failure"
	s status
	expect_out "^R__funcs +funcs +pending \(changed\) "
	# the file as it was: nothing to do again
	repeatable_funcs_sql >"$MIG/R__funcs.sql"
	s up
	expect_rc 0
	expect_out "^nothing to apply$"

	# a failing DDL statement: rolled back with the history where DDL
	# is transactional; on MySQL, where it commits, the row says it failed
	repeatable_views_sql " where" >"$MIG/R__views.sql"
	s up
	expect_rc 8
	expect_err "R__views\.sql:"
	if [[ $BACKEND == mysql ]]; then
		expect_eq "$(hist "state, statements_done" R__views)" "failed|0" "row of R__views (MySQL)"
		s up
		expect_error 7 "migration R__views failed at statement 1 of 1.*repair --resume R__views"
		s validate
		expect_rc 7
		expect_out "^R__views: failed"
		repeatable_views_sql " where id > 1" >"$MIG/R__views.sql"
		s repair --resume R__views
		expect_rc 0
		expect_eq "$(hist state R__views)" applied "state of R__views after repair"
		s up
		expect_out "^nothing to apply$"
	else
		expect_eq "$(hist "checksum, state" R__views)" "$views_sum|applied" "row of R__views"
		expect_eq "$(q "select count(*) from ${P}v")" 0 "the view as it was"
	fi

	# the file gone: missing for status and validate, forgotten by repair
	rm "$MIG/R__views.sql" "$MIG/R__funcs.sql"
	s status
	expect_out "^R__views +views +missing "
	s validate
	expect_rc 6
	expect_out "^R__views: applied, but no file is this repeatable migration any more; 'strata repair --forget R__views' forgets it$"
	s up
	expect_rc 0
	expect_out "^nothing to apply$"
	s repair --forget R__views
	expect_rc 0
	s repair --forget R__funcs
	expect_rc 0
	expect_eq "$(hist_rows)" 2 "history rows after forgetting both"
	s validate
	expect_rc 0
	# new follows the versioned migrations, whatever R__ files there are
	repeatable_views_sql >"$MIG/R__views.sql"
	run -d "$MIG" new add_phone
	expect_rc 0
	expect_out "/V3__add_phone\.sql$"
}

# -d more than once, or a glob: Medusa keeps one migrations folder per
# module. The migrations merge by version; status shows each one's folder;
# one version in two folders names both files.
test_several_dirs() {
	local a=$T/src/modules/alpha/migrations b=$T/src/modules/beta/migrations
	mkdir -p "$a" "$b"
	printf -- '-- migrate:up\ncreate table %sa1 (id integer);\n-- migrate:down\ndrop table %sa1;\n' "$P" "$P" \
		>"$a/${V1}_a1.sql"
	printf -- '-- migrate:up\ncreate table %sb2 (id integer);\n-- migrate:down\ndrop table %sb2;\n' "$P" "$P" \
		>"$b/${V2}_b2.sql"
	printf -- '-- migrate:up\ncreate table %sa3 (id integer);\n-- migrate:down\ndrop table %sa3;\n' "$P" "$P" \
		>"$a/${V3}_a3.sql"
	s -d "$T/src/modules/*/migrations" up
	expect_rc 0
	# by version across the folders, not folder by folder
	expect_eq "$(grep -o '^applying [0-9]*' <<<"$out" | tr '\n' ' ')" \
		"applying $V1 applying $V2 applying $V3 " "order of up"
	s -d "$a" -d "$b" status
	expect_rc 0
	expect_out "^DIRECTORY +VERSION +NAME +STATE"
	expect_out "^$b +$V2 +b2 +applied"
	expect_out "^$a +$V3 +a3 +applied"
	s -d "$a" status
	expect_not_out "DIRECTORY"
	s -d "$a" -d "$b" down --all
	expect_rc 0
	expect_eq "$(hist_rows)" 0 "history rows after down --all"
	# a glob that matches nothing is an error, not an empty set
	s -d "$T/src/nosuch/*/migrations" status
	expect_error 3 "no migrations directory matches '.*/nosuch/\*/migrations'"
	# the same version in two folders: both files named, nothing applied
	cp "$a/${V1}_a1.sql" "$b/${V1}_again.sql"
	s -d "$T/src/modules/*/migrations" up
	expect_error 6 "two migrations have version $V1: .*alpha/migrations/${V1}_a1\.sql and .*beta/migrations/${V1}_again\.sql"
	expect_eq "$(hist_rows)" 0 "history rows"
	# new writes into one folder
	s -d "$a" -d "$b" new x
	expect_error 2 "new writes into one directory"
}

# pop: {version}_{name}[.{dialect}][.autocommit].{up,down}.sql. The file
# for this database's dialect wins over the untagged one; other dialects'
# files are not migrations here; .autocommit runs without a transaction;
# versions past 2^64 keep their order.
test_pop() {
	local d
	case $BACKEND in
	postgres) d=postgres ;;
	mysql) d=mysql ;;
	*) d=sqlite3 ;;
	esac
	mkdir -p "$MIG"
	local v1=20190101000000 v2=12345678901234567890 v3=99999999999999999999 v4=100000000000000000000
	printf 'insert into %sno_such_table values (1);\n' "$P" >"$MIG/${v1}_users.up.sql"
	printf 'create table %susers (id integer);\n' "$P" >"$MIG/${v1}_users.$d.up.sql"
	printf 'drop table %susers;\n' "$P" >"$MIG/${v1}_users.down.sql"
	printf 'create table %scockroach_only (id integer);\n' "$P" >"$MIG/${v1}_users.cockroach.up.sql"
	printf 'create table %sbig1 (id integer);\n' "$P" >"$MIG/${v2}_big.up.sql"
	printf 'drop table %sbig1;\n' "$P" >"$MIG/${v2}_big.down.sql"
	printf 'create table %sbig3 (id integer);\n' "$P" >"$MIG/${v4}_bigger.up.sql"
	printf 'drop table %sbig3;\n' "$P" >"$MIG/${v4}_bigger.down.sql"
	# autocommit: statement by statement, so the first table stays
	printf 'create table %sbig2 (id integer);\ninsert into %sno_such_table values (1);\n' "$P" "$P" \
		>"$MIG/${v3}_auto.autocommit.up.sql"
	printf 'drop table %sbig2;\n' "$P" >"$MIG/${v3}_auto.down.sql"
	printf 'create table %sother (id integer);\n' "$P" >"$MIG/${v3}_auto.cockroach.autocommit.up.sql"
	s up
	expect_rc 8
	expect_eq "$(grep -o '^applying [0-9]*' <<<"$out" | tr '\n' ' ')" \
		"applying $v1 applying $v2 applying $v3 " "order of up"
	expect_eq "$(table_exists "${P}users")$(table_exists "${P}big1")$(table_exists "${P}big2")" 111 \
		"tables users, big1, big2 (autocommit: kept before the failure)"
	expect_eq "$(table_exists "${P}cockroach_only")$(table_exists "${P}other")" 00 "other dialects' tables"
	expect_eq "$(hist "state" "$v3")" failed "state of the autocommit migration"
	expect_eq "$(hist "statements_done" "$v3")" 1 "statements done"
	s repair --forget "$v3"
	expect_rc 0
	q "drop table ${P}big2"
	printf 'create table %sbig2 (id integer);\n' "$P" >"$MIG/${v3}_auto.autocommit.up.sql"
	s up
	expect_rc 0
	expect_eq "$(grep -o '^applying [0-9]*' <<<"$out" | tr '\n' ' ')" \
		"applying $v3 applying $v4 " "order of the rest"
	s down --all
	expect_rc 0
	expect_eq "$(hist_rows)" 0 "history rows"
	expect_eq "$(table_exists "${P}users")$(table_exists "${P}big3")" 00 "tables after down"
	# a fizz file is not silently skipped
	echo 'create_table("x") {}' >"$MIG/20190102000000_x.up.fizz"
	s up
	expect_error 3 "20190102000000_x\.up\.fizz: a pop fizz migration"
	expect_eq "$(hist_rows)" 0 "history rows"
}

# diesel: {version}_{name}/up.sql, down.sql, metadata.toml; the version
# is the folder name's first part with the dashes dropped.
test_diesel() {
	local f1=$MIG/00000000000000_diesel_initial_setup f2=$MIG/2017-08-31-210424_create_posts
	local f3=$MIG/2017-09-01-000000_no_tx
	mkdir -p "$f1" "$f2" "$f3"
	printf 'create table %ssetup (id integer);\n' "$P" >"$f1/up.sql"
	printf 'drop table %ssetup;\n' "$P" >"$f1/down.sql"
	printf 'create table %sposts (id integer);\ncreate table %scomments (id integer);\n' "$P" "$P" >"$f2/up.sql"
	printf 'drop table %scomments;\ndrop table %sposts;\n' "$P" "$P" >"$f2/down.sql"
	printf 'create table %snotx (id integer);\ninsert into %sno_such_table values (1);\n' "$P" "$P" >"$f3/up.sql"
	printf 'drop table %snotx;\n' "$P" >"$f3/down.sql"
	printf '# diesel\nrun_in_transaction = false\n' >"$f3/metadata.toml"
	touch "$MIG/.keep"
	s up
	expect_rc 8
	expect_eq "$(grep -o '^applying [0-9]*' <<<"$out" | tr '\n' ' ')" \
		"applying 00000000000000 applying 20170831210424 applying 20170901000000 " "order of up"
	expect_err "2017-09-01-000000_no_tx/up\.sql:2"
	expect_eq "$(table_exists "${P}notx")" 1 "table created before the failure (no transaction)"
	expect_eq "$(hist "state" 20170901000000)" failed "state of the folder without a transaction"
	s repair --forget 20170901000000
	rm -r "$f3"
	q "drop table ${P}notx"
	s status
	expect_out "^20170831210424 +create_posts +applied"
	s down
	expect_rc 0
	expect_eq "$(table_exists "${P}posts")$(table_exists "${P}comments")" 00 "tables after down"
	s up
	expect_rc 0
	expect_eq "$(table_exists "${P}posts")" 1 "posts after up again"
	# a folder named like a migration without up.sql is refused
	mkdir "$MIG/2018-01-01-000000_empty"
	touch "$MIG/2018-01-01-000000_empty/down.sql"
	s up
	expect_error 3 "2018-01-01-000000_empty: a folder named like a migration .* without an up\.sql"
	printf 'run_in_transaction = maybe\n' >"$MIG/2018-01-01-000000_empty/metadata.toml"
	printf 'select 1;\n' >"$MIG/2018-01-01-000000_empty/up.sql"
	s up
	expect_error 3 "2018-01-01-000000_empty/metadata\.toml:1: run_in_transaction wants true or false"
}

# MikroORM classes, as Medusa modules keep them: one migrations folder per
# module, .ts and compiled .js, literals decoded as JavaScript does, and
# isTransactional() false; a code migration stops everything first.
mikro_file() { # mikro_file PATH: stdin with PFX_ replaced by the prefix
	sed "s/PFX_/$P/g" >"$1"
}
test_mikro() {
	local a=$T/src/modules/product/migrations b=$T/src/modules/cart/migrations
	mkdir -p "$a" "$b"
	mikro_file "$a/Migration20240101000001.ts" <<'EOF'
import { Migration } from '@mikro-orm/migrations';

export class Migration20240101000001 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table PFX_product (id varchar(40) not null, title varchar(200) not null, primary key (id));`);
    this.addSql(`create index PFX_product_title on PFX_product (title);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table PFX_product;`);
  }

}
EOF
	mikro_file "$b/Migration20240101000002.ts" <<'EOF'
import { Migration } from '@mikro-orm/migrations';

export class Migration20240101000002 extends Migration {
  async up(): Promise<void> {
    // older generators: single quotes, escapes, '+'
    this.addSql('create table PFX_cart (id varchar(40) not null, ' +
      'note varchar(100) null);');
    this.addSql('insert into PFX_cart (id, note) values (\'c1\', \'caf\u00e9 \x41\u{1F600}\')');
    this.addSql("insert into PFX_cart (id, note) values ('c2', 'it''s \"q\"')");
  }
  async down(): Promise<void> {
    this.addSql('drop table PFX_cart;');
  }
}
EOF
	mikro_file "$a/Migration20240101000003.js" <<'EOF'
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Migration20240101000003 = void 0;
const migrations_1 = require("@mikro-orm/migrations");
class Migration20240101000003 extends migrations_1.Migration {
    isTransactional() {
        return false;
    }
    async up() {
        this.addSql('create table PFX_notx (id integer);');
        this.addSql('insert into PFX_no_such_table values (1);');
    }
    async down() {
        this.addSql('drop table PFX_notx;');
    }
}
exports.Migration20240101000003 = Migration20240101000003;
EOF
	echo '{"version":3}' >"$a/Migration20240101000003.js.map"
	echo 'export declare class Migration20240101000001 {}' >"$a/Migration20240101000001.d.ts"
	s -d "$T/src/modules/*/migrations" up
	expect_rc 8
	expect_eq "$(grep -o '^applying [0-9]*' <<<"$out" | tr '\n' ' ')" \
		"applying 20240101000001 applying 20240101000002 applying 20240101000003 " "order of up"
	expect_err "Migration20240101000003\.js:11"
	expect_eq "$(table_exists "${P}notx")" 1 "isTransactional() false: the first statement stays"
	expect_eq "$(hist state 20240101000003)" failed "state of the migration without a transaction"
	local hex="hex(note)"
	[[ $BACKEND == postgres ]] && hex="upper(encode(convert_to(note, 'UTF8'), 'hex'))"
	# "café A😀" in UTF-8, whatever the client's character set
	expect_eq "$(q "select $hex from ${P}cart where id = 'c1'")" 636166C3A92041F09F9880 \
		"escapes decoded"
	expect_eq "$(q "select note from ${P}cart where id = 'c2'")" "it's \"q\"" "an escaped double quote"
	expect_eq "$(hist name 20240101000002)" Migration20240101000002 "name: the file's base name"
	s -d "$T/src/modules/*/migrations" repair --forget 20240101000003
	expect_rc 0
	q "drop table ${P}notx"
	s -d "$a" -d "$b" status
	expect_out "^$a +20240101000001 +Migration20240101000001 +applied"
	expect_out "^$b +20240101000002 +Migration20240101000002 +applied"
	expect_out "^$a +20240101000003 +Migration20240101000003 +pending"
	# a code migration is refused by file:line before anything runs
	mikro_file "$b/Migration20240101000004.ts" <<'EOF'
import { Migration } from '@mikro-orm/migrations';

export class Migration20240101000004 extends Migration {
  async up(): Promise<void> {
    const rows = await this.execute('select id from PFX_cart');
    for (const r of rows) this.addSql(`update PFX_cart set note = 'x' where id = '${r.id}'`);
  }
}
EOF
	sed -i "s/${P}no_such_table/${P}notx/" "$a/Migration20240101000003.js"
	s -d "$T/src/modules/*/migrations" up
	expect_error 3 "Migration20240101000004\.ts:5: up\(\) of a MikroORM migration does more than this\.addSql\('\.\.\.'\) \(found \"await\"\)"
	expect_eq "$(table_exists "${P}notx")" 0 "nothing ran"
	rm "$b/Migration20240101000004.ts"
	s -d "$T/src/modules/*/migrations" up
	expect_rc 0
	expect_eq "$(q "select count(*) from ${P}notx")" 1 "the fixed migration ran"
	s -d "$T/src/modules/*/migrations" down --all
	expect_rc 0
	expect_eq "$(hist_rows)" 0 "history rows after down --all"
	expect_eq "$(table_exists "${P}product")$(table_exists "${P}cart")$(table_exists "${P}notx")" 000 \
		"tables after down --all"
}

# Taking over from another tool: baseline --from reads its history table
# (created here as the tool creates it) and records what it applied; the
# other table is only read; every refusal writes nothing.
tool_db() { # the database file exists (SQLite) before q runs
	[[ $BACKEND == sqlite ]] && sqlite3 "$DB" 'select 1' >/dev/null
	return 0
}
tool_rows() { q "select count(*) from $1"; }

test_takeover_dbmate() {
	std_migrations
	tool_db
	q "drop table if exists schema_migrations"
	q "create table schema_migrations (version varchar(128) primary key)"
	q "insert into schema_migrations (version) values ('$V1'), ('$V2')"
	q "create table ${P}users (id integer primary key, name varchar(100))"
	q "create table ${P}posts (id integer primary key, title varchar(100))"
	s status
	expect_rc 0
	expect_err "^strata: note: this database has dbmate's history table schema_migrations \(2 rows\) and no strata history: take it over with 'strata baseline --from dbmate'$"
	s baseline --from golang-migrate
	expect_error 8 "reading golang-migrate's table schema_migrations: .*dirty"
	s baseline --from dbmate
	expect_rc 0
	expect_out "^baseline: recorded 2 migrations that dbmate applied as applied$"
	expect_eq "$(hist state $V1)|$(hist state $V2)|$(hist state $V3)" "applied|applied|" "states"
	expect_eq "$(hist applied_by $V2)" "strata baseline --from dbmate" "applied_by"
	expect_eq "$(hist checksum $V1 | cut -c1-7)" "sha256:" "checksum of today's file"
	s status
	expect_not_out "note:"
	expect_no_err
	s up
	expect_rc 0
	expect_eq "$(grep -o '^applying [0-9]*' <<<"$out" | tr '\n' ' ')" "applying $V3 " "up applies the rest"
	expect_eq "$(tool_rows schema_migrations)" 2 "dbmate's table untouched"
	s baseline --from dbmate
	expect_error 6 "already records 3 migrations"
	# a row without its file: refused, nothing written
	q "drop table $H"
	q "insert into schema_migrations (version) values ('20240104000000')"
	s baseline --from dbmate
	expect_error 6 "dbmate's table schema_migrations records version 20240104000000 as applied, but no migration file here is that one"
	expect_eq "$(hist_rows)" 0 "history rows after the refusal"
	# strata's own table must be another one
	s --table schema_migrations baseline --from dbmate
	expect_error 2 "strata's own history table is schema_migrations"
	q "drop table schema_migrations"
}

test_takeover_migrate() {
	std_migrations
	tool_db
	local t=${P}schema_migrations
	q "create table $t (version bigint not null primary key, dirty boolean not null)"
	q "insert into $t (version, dirty) values ($V2, true)"
	s baseline --from golang-migrate --from-table "$t"
	expect_error 7 "golang-migrate's table $t says version $V2 is dirty"
	expect_eq "$(hist_rows)" 0 "history rows after the refusal"
	q "update $t set dirty = false"
	s baseline --from dbmate --from-table "$t"
	expect_error 6 "$t has golang-migrate's dirty column"
	s baseline --from golang-migrate --from-table "$t"
	expect_rc 0
	expect_out "recorded 2 migrations"
	expect_eq "$(hist state $V1)|$(hist state $V2)|$(hist state $V3)" "applied|applied|" "every version up to golang-migrate's"
	expect_eq "$(q "select version from $t")|$(q "select count(*) from $t")" "$V2|1" "golang-migrate's row untouched"
	q "drop table $H"
	q "update $t set version = 20240104000000"
	s baseline --from golang-migrate --from-table "$t"
	expect_error 6 "records version 20240104000000 as applied, but no migration file"
	s baseline --from golang-migrate --from-table "${P}nosuch"
	expect_error 6 "no table ${P}nosuch in this database"
}

test_takeover_goose() {
	std_migrations
	tool_db
	local t=${P}goose_db_version
	q "create table $t (id integer primary key, version_id bigint not null, is_applied boolean not null, tstamp timestamp null)"
	# goose's first row; V1 up; V2 up and down again; V3 never
	q "insert into $t values (1, 0, true, '2023-05-01 00:00:00'), (2, $V1, true, '2023-05-06 07:08:09'), (3, $V2, true, '2023-05-07 00:00:00'), (4, $V2, false, '2023-05-08 00:00:00')"
	s baseline --from goose --from-table "$t"
	expect_rc 0
	expect_out "recorded 1 migration that goose applied"
	expect_eq "$(hist state $V1)|$(hist state $V2)" "applied|" "the newest row of a version decides"
	expect_eq "$(hist applied_at $V1 | tr " " T | cut -c1-19)" "2023-05-06T07:08:09" "goose's applied time"
	q "drop table $H"
	# V2 applied again, V1 rolled back: V1 is older and stays pending
	q "insert into $t values (5, $V2, true, '2023-05-09 00:00:00'), (6, $V1, false, '2023-05-10 00:00:00')"
	s baseline --from goose --from-table "$t"
	expect_rc 0
	expect_eq "$(hist state $V1)|$(hist state $V2)" "|applied" "states"
	expect_err "warning: 1 migration older than $V2 \(the first: $V1\) is not in goose's table"
	q "drop table $H"
	q "insert into $t values (7, 42, true, '2023-05-11 00:00:00')"
	s baseline --from goose --from-table "$t"
	expect_error 6 "goose's table $t records version 42 as applied, but no migration file"
}

test_takeover_flyway() {
	std_migrations
	tool_db
	local t=${P}flyway_schema_history
	q "create table $t (installed_rank integer not null primary key, version varchar(50), description varchar(200) not null, type varchar(20) not null, script varchar(1000) not null, checksum integer, installed_by varchar(100) not null, installed_on timestamp not null, execution_time integer not null, success boolean not null)"
	q "insert into $t values (1, '$V1', 'create users', 'SQL', 'V${V1}__create_users.sql', 1, 'me', '2023-01-02 03:04:05', 5, true), (2, null, 'views', 'SQL', 'R__views.sql', 2, 'me', '2023-01-02 03:04:06', 5, true), (3, '$V2', 'create posts', 'SQL', 'V${V2}__create_posts.sql', 3, 'me', '2023-01-02 03:04:07', 5, false)"
	s baseline --from flyway --from-table "$t"
	expect_error 7 "Flyway's table $t has a failed row \(rank 3, version $V2\): run .flyway repair."
	expect_eq "$(hist_rows)" 0 "history rows after the refusal"
	q "update $t set success = true"
	s baseline --from flyway --from-table "$t"
	expect_rc 0
	expect_out "recorded 2 migrations that flyway applied"
	expect_eq "$(hist applied_at $V1 | tr " " T | cut -c1-19)" "2023-01-02T03:04:05" "Flyway's installed_on"
	q "drop table $H"
	# a baseline row stands for every version up to it; undone versions are not applied
	q "delete from $t"
	q "insert into $t values (1, '$V2', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', null, 'me', '2023-02-01 00:00:00', 0, true), (2, '$V3', 'create tags', 'SQL', 'V${V3}__create_tags.sql', 1, 'me', '2023-02-02 00:00:00', 5, true), (3, '$V3', 'create tags', 'UNDO_SQL', 'U${V3}__create_tags.sql', 1, 'me', '2023-02-03 00:00:00', 5, true)"
	s baseline --from flyway --from-table "$t"
	expect_rc 0
	expect_eq "$(hist state $V1)|$(hist state $V2)|$(hist state $V3)" "applied|applied|" "baseline and undo"
	q "drop table $H"
	# a Java migration has no file here
	q "insert into $t values (4, '20240105000000', 'java', 'JDBC', 'db.migration.V20240105000000__java', null, 'me', '2023-02-04 00:00:00', 5, true)"
	s baseline --from flyway --from-table "$t"
	expect_error 6 "records version 20240105000000 \(JDBC db\.migration\.V20240105000000__java\) as applied, but no migration file"
}

test_takeover_mikro() {
	local m=$T/src/modules/a/migrations
	mkdir -p "$m"
	printf "export class Migration%s extends Migration {\n  async up(): Promise<void> {\n    this.addSql('create table %sone (id int);');\n  }\n}\n" "$V1" "$P" >"$m/Migration$V1.ts"
	printf "export class Migration%s extends Migration {\n  async up(): Promise<void> {\n    this.addSql('create table %stwo (id int);');\n  }\n}\n" "$V2" "$P" >"$m/Migration$V2.ts"
	tool_db
	local t=${P}mikro_orm_migrations
	q "create table $t (id integer primary key, name varchar(255), executed_at timestamp null)"
	q "insert into $t values (1, 'Migration$V1', '2024-07-02 10:59:19')"
	s -d "$m" baseline --from mikro-orm --from-table "$t"
	expect_rc 0
	expect_out "recorded 1 migration that mikro-orm applied"
	expect_eq "$(hist applied_at $V1 | tr " " T | cut -c1-19)|$(hist name $V1)" "2024-07-02T10:59:19|Migration$V1" "MikroORM's executed_at and name"
	s -d "$m" up
	expect_rc 0
	expect_eq "$(grep -o '^applying [0-9]*' <<<"$out" | tr '\n' ' ')" "applying $V2 " "up applies the rest"
	q "drop table $H"
	# older releases kept the extension
	q "update $t set name = 'Migration$V1.ts'"
	q "insert into $t values (2, 'Migration20991231000000.js', null)"
	s -d "$m" baseline --from mikro-orm --from-table "$t"
	expect_error 6 "MikroORM's table $t records Migration20991231000000\.js as applied, but no migration file"
}

# A file that looks like a migration but is not one strata runs stops
# everything before anything runs, status --exit-code too; --ignore
# leaves it out on purpose; other files are ignored.
test_never_silent() {
	mkdir -p "$MIG"
	printf -- '-- +goose Up\ncreate table %sg1 (id integer);\n-- +goose Down\ndrop table %sg1;\n' "$P" "$P" \
		>"$MIG/00001_g1.sql"
	printf 'package migrations\n' >"$MIG/00002_seed.go"
	printf -- '-- +goose Up\ncreate table %sg3 (id integer);\n-- +goose Down\ndrop table %sg3;\n' "$P" "$P" \
		>"$MIG/00003_g3.sql"
	echo "notes" >"$MIG/README.md"
	echo "package migrations" >"$MIG/embed.go"
	echo "{}" >"$MIG/Migration20240101000000.js.map"
	echo "export {};" >"$MIG/Migration20240101000000.d.ts"
	s up
	expect_error 3 "00002_seed\.go: a Go migration \(goose's\)"
	expect_eq "$(table_exists "$H")$(table_exists "${P}g1")" 00 "nothing created"
	s status --exit-code
	expect_error 3 "00002_seed\.go"
	s --ignore '*_seed.go' up
	expect_rc 0
	expect_out "^applied 2 migrations"
	s --ignore '*_seed.go' status --exit-code
	expect_rc 0
	rm "$MIG/00002_seed.go"
	local f
	for f in V4__x.txt 00004_x.rb Migration20240101000000_x.py 4_x; do
		: >"$MIG/$f"
		s status
		expect_error 3 "$f: named like a migration"
		rm "$MIG/$f"
	done
	: >"$MIG/20240101_x.ts"
	s status
	expect_error 3 "20240101_x\.ts: a JavaScript/TypeScript migration that is not a MikroORM"
}

test_password_redacted() {
	local scheme=postgres
	[[ $BACKEND == mysql ]] && scheme=mysql
	run -d "$T" -v -u "$scheme://alice:s3cr3tpw@127.0.0.1:1/nodb" status
	[[ $rc -eq 4 || $rc -eq 5 ]] || fail "expected exit 4 or 5, got $rc"
	[[ "$out$err" != *s3cr3tpw* ]] || fail "the password was printed"
	grep -q '^strata: error: ' <<<"$err" || fail "no error line"
}

# ------------------------------------------------------------------------
# wait, create, drop, dump, timeouts, --schema
# ------------------------------------------------------------------------

# now_ms: the time in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# url_with_db URL NAME: URL naming database NAME instead (server backends).
url_with_db() {
	local url=$1 name=$2 query=''
	if [[ $url == *\?* ]]; then
		query="?${url#*\?}"
		url=${url%%\?*}
	fi
	local scheme=${url%%://*} rest=${url#*://}
	echo "$scheme://${rest%%/*}/$name$query"
}

# db_exists NAME: prints 1 or 0 (server backends).
db_exists() {
	case $BACKEND in
	postgres) q "select count(*) from pg_database where datname = '$1'" ;;
	mysql) q "select count(*) from information_schema.schemata where schema_name = '$1'" ;;
	esac
}

# driver_built NAME: whether `strata version` lists the driver as built in.
driver_built() {
	"$STRATA" version | grep -Eq "^  $1 +built in$"
}

test_wait() {
	# no migrations directory needed; an up database is up at once
	local t0 t1
	t0=$(now_ms)
	run -u "$URL" -d "$T/nonexistent" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} wait
	t1=$(now_ms)
	expect_rc 0
	expect_eq "$out" "database is up" "wait output"
	expect_no_err
	((t1 - t0 < 3000)) || fail "wait on an up database took $((t1 - t0)) ms"
	run -u "$URL" -q wait --wait-timeout 0
	expect_rc 0
	expect_eq "$out" "" "wait -q output"
	[[ ! -e $T/nonexistent ]] || fail "wait created the migrations directory"
	# a server that never comes up: exit 5 after about --wait-timeout
	local scheme=$BACKEND
	[[ $BACKEND == sqlite ]] && scheme=postgres
	t0=$(now_ms)
	run -u "$scheme://strata:s3cr3tpw@127.0.0.1:1/x" wait --wait-timeout 0.5
	t1=$(now_ms)
	if driver_built "$scheme"; then
		expect_rc 5
		expect_err "^strata: error: no connection to the database within [0-9.]+ m?s: "
		expect_err "^strata: waiting for the database \(attempt 1\)"
		# one waiting line and the error; more attempts only with -v
		expect_eq "$(grep -c '' <<<"$err")" 2 "lines on stderr"
		((t1 - t0 >= 450)) || fail "wait --wait-timeout 0.5 gave up after $((t1 - t0)) ms"
		((t1 - t0 < 5000)) || fail "wait --wait-timeout 0.5 took $((t1 - t0)) ms"
		run -v -u "$scheme://strata:s3cr3tpw@127.0.0.1:1/x" wait --wait-timeout 0.5
		expect_rc 5
		expect_err "^strata: debug: waiting for the database \(attempt 2\)"
	else
		expect_error 4 "the $scheme driver is not built in"
	fi
	[[ "$out$err" != *s3cr3tpw* ]] || fail "the password was printed"
	if [[ $BACKEND != sqlite ]]; then
		# up, but without that database: no point in waiting for it
		t0=$(now_ms)
		run -u "$(url_with_db "$URL" "strata_no_such_db_$RUNID")" wait --wait-timeout 20
		t1=$(now_ms)
		expect_rc 5
		expect_err "strata_no_such_db_$RUNID"
		((t1 - t0 < 10000)) || fail "wait kept waiting for a missing database ($((t1 - t0)) ms)"
	fi
	if [[ $BACKEND == sqlite ]]; then
		# a database file that cannot be opened never comes up either
		run -u "sqlite:$T/no/such/dir/db.sqlite" wait --wait-timeout 0.3
		expect_rc 5
		expect_err "^strata: error: no connection to the database within "
		[[ ! -e $T/no ]] || fail "$T/no was created"
	fi
	# a database that comes up while strata waits (an SQLite file whose
	# directory appears after the first failed attempt)
	if driver_built sqlite; then
		"$STRATA" -u "sqlite:$T/later/db.sqlite" wait --wait-timeout 30 >"$T/wait.out" 2>"$T/wait.err" &
		local waiter=$! i
		for ((i = 0; i < 400; i++)); do
			grep -q 'waiting for the database (attempt 1)' "$T/wait.err" 2>/dev/null && break
			sleep 0.02
		done
		mkdir "$T/later"
		wait "$waiter"
		rc=$?
		last="strata wait (the database comes up)"
		out=$(cat "$T/wait.out")
		err=$(cat "$T/wait.err")
		expect_rc 0
		expect_out "^database is up \\(after [0-9.]+ m?s\\)$"
		expect_err "^strata: waiting for the database \\(attempt 1\\): "
	fi
	# URL errors are not waited for
	t0=$(now_ms)
	run -u "oracle://scott@db/x" wait --wait-timeout 30
	t1=$(now_ms)
	expect_error 4 "unknown database scheme"
	((t1 - t0 < 3000)) || fail "wait on a bad URL took $((t1 - t0)) ms"
	run wait
	expect_error 4 "no database URL given"
	run -u "$URL" wait --wait-timeout -1
	expect_error 2 "--wait-timeout wants a number of seconds >= 0, not '-1'"
	run -u "$URL" wait --wait-timeout soon
	expect_error 2 "not 'soon'"
	run -u "$URL" wait now
	expect_error 2 "unexpected argument 'now'"
	run -u "$URL" -d "$MIG" up --wait-timeout 1
	expect_error 2 "option --wait-timeout does not apply to up"
}

test_create_drop() {
	local name url
	if [[ $BACKEND == sqlite ]]; then
		name=$T/made.sqlite
		url=sqlite:$name
	else
		name=strata_cli_db_${RUNID}_$N
		url=$(url_with_db "$URL" "$name")
	fi
	# no migrations directory needed
	run -u "$url" -d "$T/nonexistent" create
	expect_rc 0
	expect_out "^created database $name( \\(unless it existed\\))?$"
	expect_no_err
	if [[ $BACKEND == sqlite ]]; then
		[[ -f $name ]] || fail "create did not create $name"
	else
		expect_eq "$(db_exists "$name")" 1 "database $name after create"
	fi
	# creating it again does no harm
	run -u "$url" create
	expect_rc 0
	expect_out "^(created database $name \\(unless it existed\\)|database $name already exists)$"
	expect_no_err
	# the new database is usable
	std_migrations
	run -u "$url" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} up
	expect_rc 0
	expect_out "^applied 3 migrations"
	run -u "$url" -q drop
	expect_rc 0
	expect_eq "$out" "" "drop -q output"
	expect_no_err
	if [[ $BACKEND == sqlite ]]; then
		[[ ! -e $name ]] || fail "drop left $name"
		[[ -z $(find "$T" -maxdepth 1 -name 'made.sqlite*') ]] ||
			fail "drop left $(find "$T" -maxdepth 1 -name 'made.sqlite*')"
	else
		expect_eq "$(db_exists "$name")" 0 "database $name after drop"
	fi
	# dropping it again does no harm
	run -u "$url" drop
	expect_rc 0
	expect_out "^(dropped database $name \\(if it existed\\)|database $name does not exist)$"
	expect_no_err
	run -u "$url" create extra
	expect_error 2 "unexpected argument 'extra'"
	run -u "$url" create --to $V1
	expect_error 2 "option --to does not apply to create"
	run drop
	expect_error 4 "no database URL given"
	if [[ $BACKEND != sqlite ]]; then
		expect_eq "$(db_exists "$name")" 0 "database $name after the usage errors"
	fi
}

test_dump() {
	local url=$URL name=''
	if [[ $BACKEND != sqlite ]]; then
		# a database of its own: tests running beside this one change the
		# shared database while the dump tool reads it
		name=strata_cli_dump_${RUNID}_$N
		url=$(url_with_db "$URL" "$name")
		run -u "$url" -q create
		expect_rc 0
	fi
	std_migrations
	run -u "$url" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} up 2
	expect_rc 0
	# no migrations directory needed
	run -u "$url" -d "$T/nonexistent" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} dump
	expect_rc 0
	grep -Eiq "create table [^(]*${P}users" <<<"$out" || fail "no CREATE TABLE of ${P}users in the dump"
	grep -Eiq "create table [^(]*${P}posts" <<<"$out" || fail "no CREATE TABLE of ${P}posts in the dump"
	! grep -Eiq "create table [^(]*${P}tags" <<<"$out" || fail "the dump has ${P}tags, which is not applied"
	! grep -Eiq "insert into [^(]*${P}posts" <<<"$out" || fail "the dump has data"
	[[ -n $out ]] || fail "empty dump"
	run -u "$url" dump --file "$T/schema.sql"
	expect_rc 0
	expect_out "^wrote the schema \([0-9]+ bytes\) to $T/schema.sql$"
	[[ -f $T/schema.sql ]] || fail "dump --file wrote no file"
	grep -Eiq "create table [^(]*${P}users" "$T/schema.sql" || fail "no CREATE TABLE of ${P}users in $T/schema.sql"
	run -u "$url" -q dump --file "$T/schema2.sql"
	expect_rc 0
	expect_eq "$out" "" "dump -q --file output"
	run -u "$url" dump --file "$T/no/such/dir/schema.sql"
	expect_error 3 "cannot create $T/no/such/dir/schema\.sql"
	run -u "$url" dump --file ''
	expect_error 2 "--file wants a path"
	run -u "$url" -d "$MIG" status --file "$T/x.sql"
	expect_error 2 "option --file does not apply to status"
	[[ ! -e $T/x.sql ]] || fail "status --file wrote $T/x.sql"
	run -u "$url" dump extra
	expect_error 2 "unexpected argument 'extra'"
	if [[ -n $name ]]; then
		run -u "$url" -q drop
		expect_rc 0
	fi
}

# path_without DIR TOOL...: fills DIR with links to every program on the
# PATH but the TOOLs (the strata under test may be a libtool wrapper
# script, which needs the usual programs).
path_without() {
	local dir=$1 d tool
	shift
	mkdir -p "$dir"
	local IFS=:
	for d in $PATH; do
		[[ -d $d ]] && cp -sn "$d"/* "$dir"/ 2>/dev/null
	done
	unset IFS
	for tool in "$@"; do
		rm -f "$dir/$tool"
	done
}

# dump when the driver cannot: no pg_dump / mariadb-dump on the PATH.
test_dump_unsupported() {
	local tools
	case $BACKEND in
	sqlite)
		skip "the SQLite driver dumps by itself"
		return
		;;
	postgres) tools=(pg_dump) ;;
	mysql) tools=(mariadb-dump mysqldump) ;;
	esac
	path_without "$T/bin" "${tools[@]}"
	PATH=$T/bin run -u "$URL" dump
	expect_error 11 "${tools[0]}"
}

bad_timeout_options() {
	std_migrations
	s up --statement-timeout -1
	expect_error 2 "--statement-timeout wants a number of seconds >= 0, not '-1'"
	s up --statement-timeout 1s
	expect_error 2 "not '1s'"
	s down --ddl-lock-timeout abc
	expect_error 2 "--ddl-lock-timeout wants a number of seconds >= 0, not 'abc'"
	s redo --ddl-lock-timeout inf
	expect_error 2 "not 'inf'"
	s up --ddl-lock-retries -1
	expect_error 2 "--ddl-lock-retries wants a whole number >= 0, not '-1'"
	s up --ddl-lock-retries 1.5
	expect_error 2 "not '1.5'"
	s up --ddl-lock-retries 99999999999
	expect_error 2 "not '99999999999'"
	s up --ddl-lock-retries
	expect_error 2 "option '--ddl-lock-retries' needs an argument"
	s status --statement-timeout 5
	expect_error 2 "option --statement-timeout does not apply to status"
	s baseline $V1 --ddl-lock-timeout 5
	expect_error 2 "option --ddl-lock-timeout does not apply to baseline"
	s validate --ddl-lock-retries 2
	expect_error 2 "option --ddl-lock-retries does not apply to validate"
	expect_untouched
	# accepted by up, down, redo, repair
	s up --statement-timeout 30 --ddl-lock-timeout 5 --ddl-lock-retries 0
	expect_rc 0
	expect_out "^applied 3 migrations"
	s redo --statement-timeout 30 --ddl-lock-timeout 5 --ddl-lock-retries 2
	expect_rc 0
	s down --statement-timeout=0 --ddl-lock-timeout=0.5 --ddl-lock-retries=1
	expect_rc 0
	s repair --forget --statement-timeout 1
	expect_error 6 "nothing to repair"
}

# --statement-timeout stops a slow migration (no effect on SQLite).
test_statement_timeout() {
	local t0 t1
	case $BACKEND in
	sqlite)
		mig ${V1}_create_users <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
EOF
		s up --statement-timeout 0.001
		expect_rc 0
		expect_eq "$(hist state $V1)" applied "state of $V1"
		return
		;;
	postgres) mig ${V1}_slow <<<$'-- migrate:up\nselect pg_sleep(10);' ;;
	mysql) mig ${V1}_slow <<<$'-- migrate:up\nselect sleep(10);' ;;
	esac
	t0=$(now_ms)
	s up --statement-timeout 0.5
	t1=$(now_ms)
	expect_error 8 "${V1}_slow\.sql:2(:[0-9]+)?: .*(timeout|interrupted|max_statement_time)"
	((t1 - t0 < 5000)) || fail "--statement-timeout 0.5 took $((t1 - t0)) ms"
	[[ $(hist state $V1) != applied ]] || fail "the slow migration was recorded as applied"
}

# --ddl-lock-timeout: a migration waiting for a table lock gives up and
# is retried (a warning per retry) until the lock is free.
test_ddl_lock_retry() {
	if [[ $BACKEND == sqlite ]]; then
		skip "SQLite has no table locks"
		return
	fi
	mig ${V1}_create_users <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
EOF
	s up
	expect_rc 0
	mig ${V2}_alter_users <<EOF
-- migrate:up
alter table ${P}users add column name varchar(100);
EOF
	# another session holds a lock on the table until it is killed
	local holder ddl_timeout probe kill i strata_pid
	local marker=holder_${RUNID}_$N
	if [[ $BACKEND == postgres ]]; then
		ddl_timeout=0.2
		psql "$URL" -XAtq -c "begin; lock table ${P}users in access exclusive mode; select pg_sleep(60) as $marker; commit" >"$T/holder.out" 2>&1 &
		holder=$!
		probe="select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = '${P}users' and l.mode = 'AccessExclusiveLock' and l.granted"
		kill="select count(pg_terminate_backend(pid)) from pg_stat_activity where query like '%pg_sleep(60) as $marker%' and pid <> pg_backend_pid()"
	else
		ddl_timeout=1
		MYSQL_PWD=$MYSQL_PASS mysql "${MYSQL_ARGS[@]}" -e "lock tables ${P}users write; select sleep(60) as $marker; unlock tables" >"$T/holder.out" 2>&1 &
		holder=$!
		probe="select count(*) from information_schema.processlist where info like 'select sleep(60) as $marker%'"
		kill="select id from information_schema.processlist where info like 'select sleep(60) as $marker%'"
	fi
	for ((i = 0; i < 200; i++)); do
		[[ $(q "$probe") == 1 ]] && break
		sleep 0.05
	done
	[[ $(q "$probe") == 1 ]] || fail "the lock holder did not get the lock: $(cat "$T/holder.out")"
	# no retries: the expired lock wait fails the migration
	s up --ddl-lock-timeout $ddl_timeout --ddl-lock-retries 0
	expect_rc 8
	expect_err "^strata: error: "
	[[ $(hist state $V2) != applied ]] || fail "$V2 applied while the table was locked"
	[[ $BACKEND == mysql ]] && s repair --forget
	# with retries: once the first retry is announced, free the table
	"$STRATA" -u "$URL" -d "$MIG" "${TABLE_ARGS[@]}" up --ddl-lock-timeout $ddl_timeout \
		--ddl-lock-retries 8 >"$T/retry.out" 2>"$T/retry.err" &
	strata_pid=$!
	for ((i = 0; i < 400; i++)); do
		grep -q 'retry 1 of 8' "$T/retry.err" 2>/dev/null && break
		sleep 0.05
	done
	if [[ $BACKEND == postgres ]]; then
		q "$kill" >/dev/null
	else
		q "kill $(q "$kill")"
	fi
	wait "$strata_pid"
	rc=$?
	last="strata up --ddl-lock-timeout $ddl_timeout --ddl-lock-retries 8"
	out=$(cat "$T/retry.out")
	err=$(cat "$T/retry.err")
	expect_rc 0
	expect_err "^strata: warning: .*lock wait timed out.*retry 1 of 8"
	expect_out "^applied 1 migration"
	expect_eq "$(hist state $V2)" applied "state of $V2"
	wait "$holder" || : # killed
}

# url_parts URL: sets U_SCHEME U_USER U_PASS U_HOST U_PORT U_DB U_QUERY.
url_parts() {
	local u=${1#*://} creds='' hostport
	U_SCHEME=${1%%://*}
	U_QUERY=
	if [[ $u == *\?* ]]; then
		U_QUERY="?${u#*\?}"
		u=${u%%\?*}
	fi
	if [[ $u == *@* ]]; then
		creds=${u%%@*}
		u=${u#*@}
	fi
	hostport=${u%%/*}
	U_DB=${u#*/}
	[[ $U_DB == "$u" ]] && U_DB=
	U_USER=${creds%%:*}
	U_PASS=
	[[ $creds == *:* ]] && U_PASS=${creds#*:}
	U_HOST=${hostport%%:*}
	U_PORT=
	[[ $hostport == *:* ]] && U_PORT=${hostport##*:}
}

# Passwords (and the rest) can stay off the command line: libpq's
# environment and ~/.pgpass, MySQL's ~/.my.cnf.
test_password_off_command_line() {
	std_migrations
	case $BACKEND in
	sqlite)
		skip "SQLite has no passwords"
		return
		;;
	postgres)
		url_parts "$URL"
		# everything from the environment, the password from a .pgpass
		printf '%s:%s:%s:%s:%s\n' "${U_HOST:-*}" "${U_PORT:-*}" "${U_DB:-*}" "${U_USER:-*}" \
			"${U_PASS:-unused}" >"$T/pgpass"
		chmod 600 "$T/pgpass"
		PGHOST=${U_HOST:-${PGHOST:-}} PGPORT=${U_PORT:-${PGPORT:-}} PGUSER=${U_USER:-${PGUSER:-}} \
			PGPASSFILE=$T/pgpass run -u "postgres:///$U_DB$U_QUERY" -d "$MIG" "${TABLE_ARGS[@]}" up 1
		expect_rc 0
		expect_out "^applied 1 migration"
		PGHOST=${U_HOST:-${PGHOST:-}} PGPORT=${U_PORT:-${PGPORT:-}} PGUSER=${U_USER:-${PGUSER:-}} \
			PGPASSWORD=${U_PASS:-unused} run -u "postgres:///$U_DB$U_QUERY" -d "$MIG" "${TABLE_ARGS[@]}" status
		expect_rc 0
		expect_out "^1 applied, 2 pending$"
		if [[ -n $U_PASS ]]; then
			# without them the password is missing
			PGHOST=${U_HOST:-${PGHOST:-}} PGPORT=${U_PORT:-${PGPORT:-}} PGUSER=${U_USER:-${PGUSER:-}} \
				PGPASSFILE=$T/nonexistent PGPASSWORD='' run -u "postgres:///$U_DB$U_QUERY" -d "$MIG" "${TABLE_ARGS[@]}" status
			expect_error 5 "password"
		fi
		;;
	mysql)
		url_parts "$URL"
		local bare="$U_SCHEME://${U_USER:+$U_USER@}$U_HOST${U_PORT:+:$U_PORT}/$U_DB$U_QUERY"
		mkdir -p "$T/home"
		printf '[client]\npassword=%s\n' "$U_PASS" >"$T/home/.my.cnf"
		chmod 600 "$T/home/.my.cnf"
		HOME=$T/home run -u "$bare" -d "$MIG" "${TABLE_ARGS[@]}" up 1
		expect_rc 0
		expect_out "^applied 1 migration"
		if [[ -n $U_PASS ]]; then
			# without the option file the password is missing
			HOME=$T/nohome run -u "$bare" -d "$MIG" "${TABLE_ARGS[@]}" status
			expect_error 5 "[Aa]ccess denied"
		fi
		;;
	esac
	[[ -z $U_PASS || "$out$err" != *"$U_PASS"* ]] || fail "the password was printed"
}

# --schema reaches the driver: history table and unqualified names.
test_schema_option() {
	if [[ $BACKEND != postgres ]]; then
		skip "only PostgreSQL has schemas (see bad_schema_unsupported)"
		return
	fi
	local sch=strata_cli_s_${RUNID}_$N
	q "create schema $sch"
	std_migrations
	s --schema "$sch" up
	expect_rc 0
	expect_out "^applied 3 migrations"
	expect_eq "$(q "select count(*) from information_schema.tables where table_schema = '$sch' and table_name in ('$H', '${P}users', '${P}posts', '${P}tags')")" 4 "tables in schema $sch"
	expect_eq "$(table_exists "$H")$(table_exists "${P}users")" 00 "tables in the default schema"
	s --schema "$sch" status
	expect_out "^3 applied, 0 pending$"
	s status
	expect_out "^0 applied, 3 pending$"
	q "drop schema $sch cascade"
}

# ------------------------------------------------------------------------
# Bad input: one clear line on stderr, the right exit code, nothing applied.
# ------------------------------------------------------------------------

bad_unknown_command() {
	std_migrations
	s frobnicate
	expect_error 2 "unknown command 'frobnicate'"
	expect_untouched
}

bad_unknown_option() {
	std_migrations
	s up --frobnicate
	expect_error 2 "unknown option '--frobnicate'"
	s -x up
	expect_error 2 "unknown option '-x'"
	expect_untouched
}

bad_missing_option_argument() {
	std_migrations
	s up --to
	expect_error 2 "option '--to' needs an argument"
	run up -d
	expect_error 2 "option '-d' needs an argument"
	expect_untouched
}

bad_no_command() {
	run -u "$URL"
	expect_error 2 "no command given"
}

bad_missing_url() {
	std_migrations
	run -d "$MIG" up
	expect_error 4 "no database URL given"
	expect_untouched
}

bad_malformed_url() {
	std_migrations
	run -u "not a url" -d "$MIG" up
	expect_error 4 "malformed database URL"
	expect_untouched
}

bad_unknown_scheme() {
	std_migrations
	run -u "oracle://scott@db/x" -d "$MIG" up
	expect_error 4 "unknown database scheme \"oracle:\""
	expect_untouched
}

bad_driver_not_built() {
	run version
	local d
	d=$(sed -n 's/^  \([a-z]*\) *not built in$/\1/p' <<<"$out" | head -1)
	if [[ -z $d ]]; then
		skip "every driver is built in"
		return
	fi
	run -u "$d://localhost/x" -d "$T" status
	expect_error 4 "the $d driver is not built in"
}

bad_cannot_connect() {
	std_migrations
	case $BACKEND in
	sqlite) run -u "sqlite:$T/no/such/dir/db.sqlite" -d "$MIG" up ;;
	postgres) run -u "postgres://strata@127.0.0.1:1/nodb" -d "$MIG" up ;;
	mysql) run -u "mysql://strata@127.0.0.1:1/nodb" -d "$MIG" up ;;
	esac
	expect_error 5 "."
	[[ ! -e $T/no ]] || fail "$T/no was created"
}

bad_missing_dir() {
	s -d "$T/nonexistent" up
	expect_error 3 "$T/nonexistent"
	expect_untouched
}

bad_duplicate_version() {
	std_migrations
	mig ${V2}_create_posts_again <<EOF
-- migrate:up
create table ${P}posts2 (id integer primary key);
EOF
	s up
	expect_error 6 "two migrations have version $V2"
	expect_untouched
}

bad_no_up_section() {
	std_migrations
	mig 20240104000000_down_only <<EOF
-- migrate:down
drop table ${P}users;
EOF
	s up
	expect_error 3 "20240104000000_down_only\.sql"
	expect_untouched
}

bad_two_up_sections() {
	std_migrations
	mig 20240104000000_twice <<EOF
-- migrate:up
create table ${P}t1 (id integer);
-- migrate:up
create table ${P}t2 (id integer);
EOF
	s up
	expect_error 3 "20240104000000_twice\.sql:3"
	expect_untouched
}

bad_unterminated_quote() {
	std_migrations
	mig 20240104000000_quote <<EOF
-- migrate:up
create table ${P}t1 (id integer);
insert into ${P}t1 values ('oops);

-- migrate:down
drop table ${P}t1;
EOF
	s up
	expect_error 3 "20240104000000_quote\.sql:3(:[0-9]+)?: .*(unterminated|quote)"
	expect_untouched
	expect_eq "$(table_exists "${P}t1")" 0 "table ${P}t1"
}

bad_unterminated_comment() {
	std_migrations
	mig 20240104000000_comment <<EOF
-- migrate:up
create table ${P}t1 (id integer);
/* this comment
   never ends
EOF
	s up
	expect_error 3 "20240104000000_comment\.sql:3(:[0-9]+)?: .*comment"
	expect_untouched
}

# The dialect's own quoting construct left open: a dollar quote on
# PostgreSQL, a backtick identifier on MySQL, a [bracket] identifier on
# SQLite.
bad_unterminated_dialect_quote() {
	std_migrations
	case $BACKEND in
	postgres)
		mig 20240104000000_dollar <<EOF
-- migrate:up
create function ${P}f() returns int language sql as \$body\$
  select 1;
EOF
		s up
		expect_error 3 "20240104000000_dollar\.sql:2(:[0-9]+)?: .*dollar"
		;;
	mysql)
		mig 20240104000000_dollar <<EOF
-- migrate:up
create table \`${P}t1 (id integer);
EOF
		s up
		expect_error 3 "20240104000000_dollar\.sql:2(:[0-9]+)?: "
		;;
	sqlite)
		mig 20240104000000_dollar <<EOF
-- migrate:up
create table [${P}t1 (id integer);
EOF
		s up
		expect_error 3 "20240104000000_dollar\.sql:2(:[0-9]+)?: "
		;;
	esac
	expect_untouched
}

# SQLite PRAGMAs that are no-ops (or errors) inside a transaction take
# effect in a transaction:false migration.
test_sqlite_pragma_no_transaction() {
	if [[ $BACKEND != sqlite ]]; then
		skip "SQLite PRAGMAs"
		return
	fi
	# SQLite silently ignores PRAGMA journal_mode inside a transaction:
	# strata sees it and runs the migration statement by statement
	mig ${V1}_wal <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
PRAGMA journal_mode = WAL;

-- migrate:down transaction:false
PRAGMA journal_mode = DELETE;
drop table ${P}users;
EOF
	s up
	expect_rc 0
	expect_err "statement at line 3 cannot run in a transaction"
	expect_eq "$(q 'PRAGMA journal_mode')" wal "journal mode after up"
	expect_eq "$(hist state,statements_done,statements_total $V1)" "applied|2|2" "history row"
	s down
	expect_rc 0
	expect_eq "$(q 'PRAGMA journal_mode')" delete "journal mode after down"
	expect_eq "$(table_exists "${P}users")" 0 "table ${P}users after down"
	# transaction:false: PRAGMA foreign_keys takes effect for the migration
	mig ${V2}_fk <<EOF
-- migrate:up transaction:false
PRAGMA foreign_keys = ON;
create table ${P}posts (id integer primary key);
create table ${P}tags (post_id integer references ${P}posts (id));
insert into ${P}tags (post_id) values (42);
EOF
	s up
	expect_rc 8
	expect_err "${V2}_fk\.sql:5.*FOREIGN KEY"
	expect_eq "$(hist state,statements_done $V2)" "failed|3" "history row of the failed migration"
}

bad_file_name() {
	std_migrations
	echo "select 1;" >"$MIG/abc.sql"
	echo "notes" >"$MIG/README.md"
	s up
	expect_error 3 "abc\.sql"
	expect_untouched
}

bad_orphan_down_file() {
	std_migrations
	echo "drop table x;" >"$MIG/000009_orphan.down.sql"
	s up
	expect_error 3 "000009_orphan\.down\.sql"
	expect_untouched
}

bad_binary_file() {
	std_migrations
	printf -- '-- migrate:up\ncreate table x (id int);\n\0\n' >"$MIG/20240104000000_binary.sql"
	s up
	expect_error 3 "20240104000000_binary\.sql"
	expect_untouched
}

bad_count() {
	std_migrations
	s up abc
	expect_error 2 "'abc' is not a count"
	s up -1
	expect_error 2 "'-1'"
	s down -- -1
	expect_error 2 "'-1' is not a count"
	s up 0
	expect_error 2 "'0' is not a count"
	s up 1.5
	expect_error 2 "'1.5' is not a count"
	s up 99999999999999999999999
	expect_error 2 "is not a count"
	s up 1 2
	expect_error 2 "unexpected argument '2'"
	s up 1 --to $V2
	expect_error 2 "one of a count, --to VERSION and --all"
	s down 1 --all
	expect_error 2 "one of a count, --to VERSION and --all"
	s down --all --to $V2
	expect_error 2 "one of a count, --to VERSION and --all"
	s up --all
	expect_error 2 "option --all does not apply to up"
	expect_untouched
}

bad_to_unknown_version() {
	std_migrations
	s up --to 20990101000000
	expect_error 6 "20990101000000"
	expect_untouched
	s up
	s down --to 20990101000000
	expect_error 6 "20990101000000"
	expect_eq "$(hist_rows)" 3 "history rows"
}

bad_lock_timeout() {
	std_migrations
	s up --lock-timeout -1
	expect_error 2 "--lock-timeout wants a number of seconds >= 0, not '-1'"
	s up --lock-timeout abc
	expect_error 2 "not 'abc'"
	s up --lock-timeout ''
	expect_error 2 "--lock-timeout"
	s up --lock-timeout nan
	expect_error 2 "not 'nan'"
	expect_untouched
}

bad_option_for_command() {
	std_migrations
	s status --to $V1
	expect_error 2 "option --to does not apply to status"
	s up --json
	expect_error 2 "option --json does not apply to up"
	s up --forget
	expect_error 2 "option --forget does not apply to up"
	s status extra
	expect_error 2 "unexpected argument 'extra'"
	expect_untouched
}

bad_sql_syntax() {
	std_migrations
	mig 20240104000000_typo <<EOF
-- migrate:up
create table ${P}t1 (id integer);

creat table ${P}t2 (id integer);
EOF
	s up
	expect_error 8 "20240104000000_typo\.sql:4(:[0-9]+)?: .*migration 20240104000000_typo, statement 2 of 2"
	[[ $BACKEND == sqlite ]] && expect_err "syntax error"
	[[ $BACKEND == postgres ]] && expect_err "\(SQLSTATE 42601\)"
	if [[ $BACKEND == mysql ]]; then
		# DDL commits implicitly: the failure is recorded
		expect_eq "$(hist "state, statements_done" 20240104000000)" "failed|1" "history row"
	else
		expect_eq "$(hist_rows)" 3 "history rows (the good ones ran first)"
		expect_eq "$(table_exists "${P}t1")" 0 "table ${P}t1"
	fi
}

bad_changed_applied_file() {
	std_migrations
	s up 2
	echo "-- changed" >>"$MIG/${V1}_create_users.sql"
	s up
	expect_error 6 "$V1"
	expect_eq "$(hist_rows)" 2 "history rows"
	expect_eq "$(table_exists "${P}tags")" 0 "table ${P}tags"
}

bad_output_unwritable() {
	std_migrations
	if [[ ! -w /dev/full ]]; then
		skip "no /dev/full"
		return
	fi
	last="strata status >/dev/full"
	"$STRATA" -u "$URL" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} status >/dev/full 2>"$T/stderr"
	rc=$?
	out=
	err=$(cat "$T/stderr")
	expect_error 1 "cannot write to standard output"
}

bad_schema_unsupported() {
	if [[ $BACKEND == postgres ]]; then
		skip "PostgreSQL has schemas"
		return
	fi
	std_migrations
	s --schema app up
	expect_error 11 "schema"
	expect_untouched
}

# ------------------------------------------------------------------------
# A migration that takes over its session (issue 13)
# ------------------------------------------------------------------------

# A lone COMMIT (END, ROLLBACK) in a transactional migration is refused
# before anything runs, with file:line and the format's own marker.
test_tx_control_refused() {
	mig ${V1}_lone_commit <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
COMMIT;
select * from ${P}nosuch;
-- migrate:down
drop table ${P}users;
EOF
	s up
	expect_error 3 "${V1}_lone_commit\.sql:3:1: COMMIT would end the transaction .*-- migrate:up transaction:false"
	expect_untouched
	s status
	expect_out "^$V1 +lone_commit +pending"
	# ROLLBACK, END (not MySQL's: there END closes a compound statement)
	local word
	for word in ROLLBACK END "START TRANSACTION"; do
		[[ $BACKEND == mysql && $word == END ]] && continue
		rm -f "$MIG"/*.sql
		mig ${V1}_lone <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
$word;
-- migrate:down
drop table ${P}users;
EOF
		s up
		expect_error 3 "${V1}_lone\.sql:3:1: $word would .*transaction:false"
		expect_untouched
	done
	# the hint speaks each format's language: goose, golang-migrate pairs
	rm -f "$MIG"/*.sql
	mig ${V1}_goose <<EOF
-- +goose Up
create table ${P}users (id integer primary key);
COMMIT;
-- +goose Down
drop table ${P}users;
EOF
	s up
	expect_error 3 "${V1}_goose\.sql:3:1: .*-- \+goose NO TRANSACTION"
	rm -f "$MIG"/*.sql
	printf 'create table %susers (id integer primary key);\ncommit;\n' "$P" >"$MIG/${V1}_pair.up.sql"
	printf 'drop table %susers;\n' "$P" >"$MIG/${V1}_pair.down.sql"
	s up
	expect_error 3 "${V1}_pair\.up\.sql:2:1: .*-- strata:transaction:false"
	expect_untouched
	# and a pair marked so runs it as written
	printf -- '-- strata:transaction:false\nbegin;\ncreate table %susers (id integer primary key);\ncommit;\n' "$P" >"$MIG/${V1}_pair.up.sql"
	s up
	expect_rc 0
	expect_eq "$(hist "state, statements_done" $V1)" "applied|3" "history row of the marked pair"
}

# Its own BEGIN ... COMMIT blocks: refused in a transactional migration;
# with transaction:false each block lands or not, and the history names
# the statement before the failing block's BEGIN.
test_tx_own_blocks() {
	mig ${V1}_blocks <<EOF
-- migrate:up
BEGIN;
create table ${P}users (id integer primary key);
COMMIT;
BEGIN;
create table ${P}posts (id integer primary key);
insert into ${P}nosuch values (1);
COMMIT;
-- migrate:down
drop table ${P}posts;
drop table ${P}users;
EOF
	s up
	expect_error 3 "${V1}_blocks\.sql:4:1: COMMIT would end"
	expect_untouched
	sed -i 's/^-- migrate:up$/-- migrate:up transaction:false/' "$MIG/${V1}_blocks.sql"
	s up
	expect_error 8 "${V1}_blocks\.sql:7(:[0-9]+)?: .*statement 6 of 7"
	expect_eq "$(table_exists "${P}users")" 1 "first block's table"
	if [[ $BACKEND == mysql ]]; then
		# MySQL commits the CREATE TABLE by itself, ending the block:
		# it landed, and the history says so
		expect_eq "$(hist "state, statements_done" $V1)" "failed|5" "history row"
		expect_eq "$(table_exists "${P}posts")" 1 "failed block's table"
	else
		# the failed block rolled back; the history resumes at its BEGIN
		expect_eq "$(hist "state, statements_done" $V1)" "failed|3" "history row"
		expect_eq "$(table_exists "${P}posts")" 0 "failed block's table"
	fi
	sed -i "s/insert into ${P}nosuch values (1);/create table ${P}tags (id integer primary key);/" "$MIG/${V1}_blocks.sql"
	s repair --resume
	expect_rc 0
	expect_eq "$(hist "state, statements_done, statements_total" $V1)" "applied|7|7" "history row after resume"
	for tbl in users posts tags; do
		expect_eq "$(table_exists "${P}$tbl")" 1 "table ${P}$tbl"
	done
}

# BEGIN; ...; COMMIT; around the whole part (golang-migrate's advice) is
# strata's own transaction: a failure leaves nothing.
test_tx_wrapper() {
	mig ${V1}_wrapped <<EOF
-- migrate:up
BEGIN;
create table ${P}users (id integer primary key);
insert into ${P}users values (1);
COMMIT;
-- migrate:down
BEGIN;
drop table ${P}users;
COMMIT;
EOF
	mig ${V2}_wrapped_bad <<EOF
-- migrate:up
BEGIN;
insert into ${P}users values (2);
insert into ${P}nosuch values (1);
COMMIT;
-- migrate:down
select 1;
EOF
	s up
	expect_error 8 "${V2}_wrapped_bad\.sql:4(:[0-9]+)?: .*statement 2 of 2"
	expect_eq "$(hist state $V1)" "applied" "first migration"
	expect_eq "$(hist_rows)" 1 "history rows"
	expect_eq "$(q "select count(*) from ${P}users")" 1 "rows of the wrapped migration"
	rm "$MIG/${V2}_wrapped_bad.sql"
	s down
	expect_rc 0
	expect_eq "$(table_exists "${P}users")" 0 "table after down"
}

# A transaction:false migration's own ROLLBACK without a transaction
# (SQLite refuses it) fails with file:line and is recorded as failed.
test_tx_notx_rollback() {
	[[ $BACKEND == sqlite ]] || { skip "SQLite's ROLLBACK without a transaction is an error"; return; }
	mig ${V1}_rb <<EOF
-- migrate:up transaction:false
create table ${P}users (id integer primary key);
ROLLBACK;
-- migrate:down
drop table ${P}users;
EOF
	s up
	expect_error 8 "${V1}_rb\.sql:3:1: cannot rollback .*statement 2 of 2"
	expect_eq "$(hist "state, statements_done" $V1)" "failed|1" "history row"
}

# PostgreSQL: SET search_path (pg_dump's header) in one migration moves
# neither the history table nor the next migration's unqualified names.
test_pg_search_path() {
	[[ $BACKEND == postgres ]] || { skip "search_path is PostgreSQL's"; return; }
	local schema
	schema=$(q "select current_schema()")
	mig ${V1}_dump_header <<EOF
-- migrate:up
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE ${schema}.${P}users (id integer primary key);
-- migrate:down
SELECT pg_catalog.set_config('search_path', '', false);
DROP TABLE ${schema}.${P}users;
EOF
	mig ${V2}_unqualified <<EOF
-- migrate:up
create table ${P}posts (id integer primary key);
-- migrate:down
drop table ${P}posts;
EOF
	mig ${V3}_nontx <<EOF
-- migrate:up transaction:false
create schema ${P}x;
set search_path = ${P}x;
create table ${P}tags (id integer primary key);
-- migrate:down
drop schema ${P}x cascade;
EOF
	mig 20240104000000_after <<EOF
-- migrate:up
create table ${P}tags (id integer primary key);
-- migrate:down
drop table ${P}tags;
EOF
	s up
	expect_rc 0
	expect_eq "$(hist_rows)" 4 "history rows"
	expect_eq "$(q "select count(*) from information_schema.tables where table_schema = '$schema' and table_name in ('${P}posts', '${P}users', '${P}tags')")" 3 "tables in $schema"
	# the third one's own search_path holds for its own statements
	expect_eq "$(q "select count(*) from information_schema.tables where table_schema = '${P}x' and table_name = '${P}tags'")" 1 "${P}tags in ${P}x"
	s status
	expect_rc 0
	expect_out "4 applied, 0 pending"
	s down --all
	expect_rc 0
	expect_eq "$(hist_rows)" 0 "history rows after down --all"
	# with --schema the same
	local other=${P}s
	s --schema "$other" up --to $V2
	expect_rc 0
	expect_eq "$(q "select count(*) from information_schema.tables where table_schema = '$other' and table_name in ('$H', '${P}posts')")" 2 "history and ${P}posts in $other"
	s --schema "$other" status
	expect_out "2 applied, 2 pending"
	q "drop schema \"$other\" cascade; drop table if exists ${schema}.${P}users" >/dev/null
}

# MySQL/MariaDB: USE in one migration moves neither the history table
# nor the next migration's unqualified names.
test_mysql_use() {
	[[ $BACKEND == mysql ]] || { skip "USE is MySQL's"; return; }
	local here other=${P}other
	here=$(q "select database()")
	q "create database \`$other\`"
	mig ${V1}_use <<EOF
-- migrate:up
USE \`$other\`;
create table ${P}users (id integer primary key);
-- migrate:down
USE \`$other\`;
drop table ${P}users;
EOF
	mig ${V2}_unqualified <<EOF
-- migrate:up
create table ${P}posts (id integer primary key);
-- migrate:down
drop table ${P}posts;
EOF
	s up
	expect_rc 0
	expect_eq "$(hist_rows)" 2 "history rows in $here"
	expect_eq "$(q "select count(*) from information_schema.tables where table_schema = '$other'")" 1 "tables in $other"
	expect_eq "$(q "select count(*) from information_schema.tables where table_schema = '$here' and table_name = '${P}posts'")" 1 "${P}posts in $here"
	s status
	expect_out "2 applied, 0 pending"
	s down --all
	expect_rc 0
	expect_eq "$(hist_rows)" 0 "history rows after down --all"
	expect_eq "$(q "select count(*) from information_schema.tables where table_schema in ('$here', '$other') and table_name in ('${P}users', '${P}posts')")" 0 "tables after down --all"
	q "drop database \`$other\`"
}

# MySQL/MariaDB: init-command=SQL in the URL runs on every connection
# before anything else (here foreign_key_checks = 0, as a dump's set needs);
# a failing one stops before anything is applied.
test_mysql_init_command() {
	[[ $BACKEND == mysql ]] || { skip "init-command is the MySQL URL's"; return; }
	local sep='?' url
	[[ $URL == *\?* ]] && sep='&'
	mig ${V1}_orphans <<EOF
-- migrate:up
create table ${P}parent (id integer primary key) engine=innodb;
create table ${P}child (id integer primary key, parent_id integer,
  foreign key (parent_id) references ${P}parent (id)) engine=innodb;
insert into ${P}child values (1, 42);
-- migrate:down
drop table ${P}child;
drop table ${P}parent;
EOF
	s up
	expect_rc 8
	expect_err "foreign key constraint fails"
	expect_eq "$(hist "state" "$V1")" failed "state after the refused insert"
	s repair --forget "$V1"
	q "drop table if exists ${P}child" >/dev/null
	q "drop table if exists ${P}parent" >/dev/null
	url="$URL${sep}init_command=SET%20SESSION%20foreign_key_checks%20%3D%200"
	run -u "$url" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} up
	expect_rc 0
	expect_eq "$(q "select count(*) from ${P}child")" 1 "orphan row inserted"
	expect_eq "$(hist "state" "$V1")" applied "state"
	run -u "$url" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} down
	expect_rc 0
	mig ${V2}_more <<EOF
-- migrate:up
create table ${P}more (id integer);
-- migrate:down
drop table ${P}more;
EOF
	run -u "$URL${sep}init-command=SET%20SESSION%20no_such_variable%3D1" -d "$MIG" \
		${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} up
	expect_rc 5
	expect_err "^strata: error: .*init-command 1 of the MySQL URL .*no_such_variable.*failed: .*[Uu]nknown system variable"
	expect_eq "$(table_exists "${P}more")$(table_exists "${P}child")" 00 "nothing applied after a failing init-command"
	run -u "$URL${sep}init-command=" -d "$MIG" ${TABLE_ARGS[@]+"${TABLE_ARGS[@]}"} up
	expect_err "empty init-command in the MySQL URL"
}

# MySQL/MariaDB: DDL through PREPARE/EXECUTE commits by itself: it runs
# statement by statement with its progress, up and down.
test_mysql_execute_ddl() {
	[[ $BACKEND == mysql ]] || { skip "implicit commits are MySQL's"; return; }
	mig ${V1}_execute <<EOF
-- migrate:up
SET @s = 'CREATE TABLE ${P}users (id int)'; PREPARE p FROM @s; EXECUTE p;
SELECT * FROM ${P}nosuch;
-- migrate:down
SET @s = 'DROP TABLE ${P}users'; PREPARE p FROM @s; EXECUTE p;
SELECT * FROM ${P}nosuch;
EOF
	s up
	expect_error 8 "${V1}_execute\.sql:3(:[0-9]+)?: .*statement 4 of 4"
	expect_eq "$(hist "state, statements_done" $V1)" "failed|3" "history row"
	expect_eq "$(table_exists "${P}users")" 1 "table made by EXECUTE"
	sed -i "0,/SELECT \* FROM ${P}nosuch;/s//SELECT 1;/" "$MIG/${V1}_execute.sql"
	s repair --resume
	expect_rc 0
	expect_eq "$(hist "state, statements_done" $V1)" "applied|4" "history row after resume"
	s down
	expect_error 8 "${V1}_execute\.sql:6(:[0-9]+)?: .*statement 4 of 4"
	expect_eq "$(hist "state, statements_done" $V1)" "revert_failed|3" "history row after the failed down"
	expect_eq "$(table_exists "${P}users")" 0 "table dropped by EXECUTE"
	sed -i "s/SELECT \* FROM ${P}nosuch;/SELECT 1;/" "$MIG/${V1}_execute.sql"
	# the resume runs the 4th statement only: the DROP does not run again
	s repair --resume
	expect_rc 0
	expect_eq "$(hist_rows)" 0 "history rows after the resumed down"
}

# MySQL/MariaDB: a statement the splitter cannot see through (a compound
# statement with DDL) ends strata's transaction; strata notices, warns
# and records exactly what landed.
test_mysql_implicit_commit_noticed() {
	[[ $BACKEND == mysql ]] || { skip "implicit commits are MySQL's"; return; }
	mig ${V1}_compound <<EOF
-- migrate:up
BEGIN NOT ATOMIC
  CREATE TABLE ${P}users (id int);
END;
insert into ${P}users values (1);
select * from ${P}nosuch;
-- migrate:down
drop table ${P}users;
EOF
	s up
	expect_rc 8
	expect_err "statement 1 \(line 2\) ended the transaction"
	expect_err "${V1}_compound\.sql:6(:[0-9]+)?: .*statement 3 of 3"
	expect_eq "$(hist "state, statements_done" $V1)" "failed|1" "history row"
	expect_eq "$(q "select count(*) from ${P}users")" 0 "rows (the insert shared the failed transaction)"
	sed -i "s/select \* from ${P}nosuch;/select 1;/" "$MIG/${V1}_compound.sql"
	s repair --resume
	expect_rc 0
	expect_eq "$(hist "state, statements_done" $V1)" "applied|3" "history row after resume"
	expect_eq "$(q "select count(*) from ${P}users")" 1 "rows after resume"
}

# MySQL/MariaDB: the DDL before a DML statement has its own progress
# update, so that a kill during that DML finds it recorded and the next
# up resumes by itself, without a question.
test_mysql_kill_after_ddl() {
	[[ $BACKEND == mysql ]] || { skip "DDL commits implicitly only on MySQL"; return; }
	mig ${V1}_ddl_then_dml <<EOF
-- migrate:up
create table ${P}users (id integer primary key);
select sleep(2);
insert into ${P}users values (1);
-- migrate:down
drop table ${P}users;
EOF
	"$STRATA" -u "$URL" -d "$MIG" "${TABLE_ARGS[@]}" up >"$T/killed.out" 2>&1 &
	local pid=$! i done_now=
	# wait (up to 20 s) until the row says the DDL is done, then kill
	for ((i = 0; i < 200; i++)); do
		done_now=$(hist statements_done $V1 2>/dev/null)
		[[ $done_now == 1 ]] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	expect_eq "$done_now" 1 "statements_done while the DML after the DDL runs"
	expect_eq "$(hist "state, statements_done" $V1)" "running|1" "history row after the kill"
	s up
	expect_rc 0
	expect_err "resuming there"
	expect_eq "$(hist "state, statements_done" $V1)" "applied|3" "history row after the resume"
	expect_eq "$(q "select count(*) from ${P}users")" 1 "rows"
}

# A history table of format 1 (duration_ms in whole milliseconds) is
# upgraded in place by the first run that takes the lock; its rows stay.
test_history_format_upgrade() {
	local ts=text ms=bigint dt=timestamptz
	case $BACKEND in
	sqlite) ms=INTEGER dt=TEXT ;;
	mysql) ts="varchar(255)" ms=BIGINT dt="DATETIME(3)" ;;
	esac
	[[ $BACKEND == sqlite ]] && mkdir -p "$(dirname "$DB")" && : >"$DB"
	q "create table $H (version $ts not null primary key, name $ts not null, checksum $ts, state $ts not null, statements_done integer not null default 0, statements_total integer not null default 0, down_sql $ts, applied_at $dt not null, duration_ms $ms not null default 0, applied_by $ts, last_error $ts)"
	q "insert into $H (version, name, checksum, state, applied_at, duration_ms) values ('~format', '1', '', 'meta', '2024-01-01 00:00:00', 0)"
	q "insert into $H (version, name, checksum, state, statements_done, statements_total, applied_at, duration_ms) values ('$V1', 'create_users', '', 'applied', 1, 1, '2024-01-01 00:00:00', 7)"
	std_migrations
	s status
	expect_rc 0
	expect_out "1 applied, 2 pending"
	s up
	expect_rc 0
	expect_eq "$(hist name '~format')" "$FORMAT" "format row after the upgrade"
	expect_eq "$(hist_rows)" 3 "history rows"
	case $BACKEND in
	postgres) expect_eq "$(q "select data_type from information_schema.columns where table_name = '$H' and column_name = 'duration_ms' and table_schema = current_schema()")" "double precision" "duration_ms type" ;;
	mysql) expect_eq "$(q "select data_type from information_schema.columns where table_name = '$H' and column_name = 'duration_ms' and table_schema = database()")" "double" "duration_ms type" ;;
	esac
	expect_eq "$(q "select duration_ms from $H where version = '$V1'" | sed 's/\.0*$//')" 7 "the old row's duration"
	s status --json
	expect_rc 0
	s up
	expect_rc 0
	expect_eq "$(hist name '~format')" "$FORMAT" "format row after the next run"
}

# ------------------------------------------------------------------------

echo "# strata CLI tests: backend $BACKEND, binary $STRATA"
start=$(date +%s)

t "version lists the drivers" test_version
t "only the backend's client library is loaded" test_client_libraries
t "help, help COMMAND, COMMAND --help" test_help
t "new creates the directory and a file named by UTC time" test_new
t "new follows the directory: pairs, goose, Flyway, sequences" test_new_follows_directory
t "up applies everything and records history" test_up_all
t "up N" test_up_n
t "up --to VERSION" test_up_to
t "down, down N, nothing to revert" test_down
t "down --to VERSION leaves VERSION applied; down --all" test_down_to
t "redo re-applies the newest migration" test_redo
t "redo with nothing applied is refused (6)" test_redo_nothing
t "status table and footer" test_status_table
t "a bad directory creates nothing, errors in order" test_bad_dir_creates_nothing
t "SQLite URL: _fk, _journal, _sync, mode take effect" test_sqlite_url_settings
t "a real migration set: flipt (../shared/corpora)" test_corpus_flipt
t "status --exit-code: 10 while pending, 0 after" test_status_exit_code
t "status --json" test_status_json
t "validate ok, changed file (6), missing file (6)" test_validate
t "a failing transactional migration leaves nothing (8, file:line)" test_tx_failure
t "transaction:false failure, refusal (7), repair --resume" test_notx_repair_resume
t "repair --forget" test_repair_forget
t "repair --mark-applied VERSION" test_repair_mark_applied
t "repair usage errors and nothing to repair" test_repair_usage
t "baseline" test_baseline
t "baseline of an unknown version (6)" test_baseline_unknown
t "down of a migration whose file is gone uses the stored SQL" test_down_file_gone
t "down of a gone file keeps transaction:false" test_down_file_gone_no_tx
t "--dry-run changes nothing" test_dry_run
t "--dry-run shows the resume of an interrupted migration" test_dry_run_resume
t "--single-transaction" test_single_transaction
t "out-of-order refused (6), --allow-out-of-order" test_out_of_order
t "8 concurrent strata up apply each migration once" test_concurrent
t "lock timeout (9), waiting for the lock" test_lock_timeout
t "--quiet and --verbose" test_quiet_verbose
t "DATABASE_URL, NO_COLOR, --no-color, colour on a terminal" test_env_and_colour
t ".env and --env-file: DATABASE_URL, precedence, errors (3, 2 FILE:LINE)" test_env_file
t "golang-migrate pairs; other files ignored" test_golang_pairs
t "goose files and Flyway names" test_goose_and_flyway
t "-d more than once or a glob: folders merge by version" test_several_dirs
t "pop: dialect files, .autocommit, 20-digit versions" test_pop
t "diesel folders: up.sql, down.sql, metadata.toml" test_diesel
t "MikroORM classes (.ts, .js) in per-module folders; code migrations refused" test_mikro
t "baseline --from dbmate; status names the command" test_takeover_dbmate
t "baseline --from golang-migrate: dirty refused, every version up to its row" test_takeover_migrate
t "baseline --from goose: the newest row of a version decides, its time kept" test_takeover_goose
t "baseline --from flyway: failed rows refused, baseline and undo rows" test_takeover_flyway
t "baseline --from mikro-orm: names with and without extension" test_takeover_mikro
t "a file named like a migration that cannot run stops everything; --ignore" test_never_silent
t "Flyway's repeatable migrations (R__name.sql)" test_repeatable
t "SQLite PRAGMAs with transaction:false" test_sqlite_pragma_no_transaction
t "a password in the URL is never printed" test_password_redacted
t "wait: up at once, never up (5), bad URL at once (4)" test_wait
t "create and drop the database in the URL" test_create_drop
t "dump prints the schema, --file" test_dump
t "dump without pg_dump / mariadb-dump (11)" test_dump_unsupported
t "--statement-timeout stops a slow migration" test_statement_timeout
t "--ddl-lock-timeout and --ddl-lock-retries retry a lock wait" test_ddl_lock_retry
t "--schema puts the history and the tables in that schema" test_schema_option
t "passwords from PGPASSWORD, .pgpass, ~/.my.cnf" test_password_off_command_line
t "each line on stderr is one write(2)" test_stderr_line_writes
t "bad input: --statement-timeout, --ddl-lock-* values and commands (2)" bad_timeout_options
t "bad input: unknown command (2)" bad_unknown_command
t "bad input: unknown option (2)" bad_unknown_option
t "bad input: option without its argument (2)" bad_missing_option_argument
t "bad input: no command (2)" bad_no_command
t "bad input: missing URL (4)" bad_missing_url
t "bad input: malformed URL (4)" bad_malformed_url
t "bad input: unknown URL scheme (4)" bad_unknown_scheme
t "bad input: driver not built in (4)" bad_driver_not_built
t "bad input: cannot connect (5)" bad_cannot_connect
t "bad input: missing migrations directory (3)" bad_missing_dir
t "bad input: two migrations with one version (6)" bad_duplicate_version
t "bad input: file without an up section (3)" bad_no_up_section
t "bad input: two up sections (3)" bad_two_up_sections
t "bad input: unterminated quote (3, file:line)" bad_unterminated_quote
t "bad input: unterminated block comment (3, file:line)" bad_unterminated_comment
t "bad input: unterminated dollar quote / quoted identifier (3)" bad_unterminated_dialect_quote
t "bad input: .sql file with a bad name (3)" bad_file_name
t "bad input: .down.sql without .up.sql (3)" bad_orphan_down_file
t "bad input: binary migration file (3)" bad_binary_file
t "bad input: non-numeric, negative, zero, huge N (2)" bad_count
t "bad input: --to an unknown version (6)" bad_to_unknown_version
t "bad input: --lock-timeout negative or not a number (2)" bad_lock_timeout
t "bad input: option or argument the command does not take (2)" bad_option_for_command
t "bad input: SQL syntax error (8, file:line)" bad_sql_syntax
t "bad input: applied file changed (6)" bad_changed_applied_file
t "bad input: --schema where the driver has none (11)" bad_schema_unsupported
t "standard output unwritable (1)" bad_output_unwritable
t "transaction control in a transactional migration is refused (3, file:line)" test_tx_control_refused
t "own BEGIN ... COMMIT blocks: refused, or with transaction:false exact" test_tx_own_blocks
t "BEGIN ... COMMIT around the whole part is strata's transaction" test_tx_wrapper
t "SQLite: transaction:false ROLLBACK fails with file:line (8)" test_tx_notx_rollback
t "PostgreSQL: SET search_path moves neither history nor the next migration" test_pg_search_path
t "MySQL: USE moves neither history nor the next migration" test_mysql_use
t "MySQL: init-command in the URL" test_mysql_init_command
t "MySQL: DDL through EXECUTE is recorded statement by statement" test_mysql_execute_ddl
t "MySQL: an implicit commit the splitter cannot see is noticed" test_mysql_implicit_commit_noticed
t "MySQL: killed during DML after DDL, up resumes without a question" test_mysql_kill_after_ddl
t "a history table of format 1 is upgraded in place" test_history_format_upgrade

echo "1..$N"
echo "# $((N - failed - skipped)) passed, $failed failed, $skipped skipped in $(($(date +%s) - start)) s"
[[ $failed -eq 0 ]]
