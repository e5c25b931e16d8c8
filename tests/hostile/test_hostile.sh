#!/usr/bin/env bash
# tests/hostile/test_hostile.sh - malformed and hostile input against the
# real strata binary, one table row per case.
#
# Every case runs strata once and checks:
#   - the exit code, and that it is no signal (never >= 128);
#   - stderr is exactly one line "strata: error: ..." matching the case's
#     regular expression (flag ml: several lines, the last one matching);
#   - no sanitizer report on stderr (AddressSanitizer, LeakSanitizer,
#     UBSan "runtime error:"), so the ASan build of `make check` also
#     checks for leaks on every error path;
#   - nothing applied: the tables and the history rows of the database are
#     the same before and after (SQLite file, or a database of our own on
#     the PostgreSQL / MariaDB server);
#   - no password shows up: $SECRET (the password of every URL the table
#     makes up) and the real passwords of the test servers never appear
#     on stdout or stderr.
#
# Environment:
#   STRATA                    the binary (default $top_builddir/strata)
#   STRATA_TEST_POSTGRES_URL  server for the pg cases (a database
#   STRATA_TEST_MYSQL_URL     strata_hostile_PID is made and dropped); a
#                             case whose server is unset or unreachable
#                             FAILS. Cases of a driver that is not built in
#                             are skipped (the server is not needed then).
#   HOSTILE_ONLY              run only the cases whose name matches this ERE
#   HOSTILE_VALGRIND=1        run every case under
#                             valgrind --leak-check=full --error-exitcode=99
#                             (through libtool when $STRATA is a libtool
#                             wrapper); its report goes to a log file, a
#                             non-empty log or exit 99 fails the case.
#                             HOSTILE_VALGRIND_OPTS adds options (e.g.
#                             --suppressions=FILE). Takes a few minutes.
#   HOSTILE_TIMEOUT           seconds one strata run may take (default 30,
#                             300 under valgrind); a hang fails the case
#
# The table (at the end) has one case per line:
#   name | setup | args | exit | stderr regex | flags
# setup: shell commands run in the case's fresh directory $T, after `std`
#   made $MIG with two good migrations (the helpers are below: file, pair,
#   applied1, pg, my, env_set, env_unset, unreadable, ...).
# args: the strata command line (shell words, $URL $MIG $T expand); it is
#   preceded by -u "$URL" -d "$MIG" unless the flags say raw.
# flags: raw; ml; novg (run without valgrind even under HOSTILE_VALGRIND,
#   said in a comment); xfail (a known bug; the comment above the row says
#   what fix it waits for; the case is listed and run, a failure does not
#   fail the suite, and a pass does, so that the flag gets removed).
#
# Output: TAP ("ok N - name", "not ok N - name"), exit 1 when a case
# failed.

set -u
export LC_ALL=C
unset DATABASE_URL NO_COLOR PGSERVICE PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE

here=$(cd "$(dirname "$0")" && pwd)
if [[ -z ${STRATA:-} ]]; then
	if [[ -n ${top_builddir:-} ]]; then
		STRATA=$top_builddir/strata
	else
		STRATA=$here/../../strata
	fi
fi
if [[ ! -x $STRATA ]]; then
	echo "not ok 1 - the strata binary $STRATA does not exist (set STRATA)"
	echo "1..1"
	exit 1
fi

SECRET=Hostile5ecretPw
work=$(mktemp -d "${TMPDIR:-/tmp}/strata-hostile.XXXXXX") || exit 99
PG_DB=strata_hostile_$$
MY_DB=strata_hostile_$$
PG_ADMIN=${STRATA_TEST_POSTGRES_URL:-}
MY_ADMIN=${STRATA_TEST_MYSQL_URL:-}
PG_READY=0 MY_READY=0

cleanup() {
	[[ $PG_READY == 1 ]] &&
		psql "$PG_ADMIN" -XAtq -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
	[[ $MY_READY == 1 ]] && my_sql "DROP DATABASE IF EXISTS \`$MY_DB\`" >/dev/null 2>&1
	chmod -R u+rwx "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# ------------------------------------------------------------------------
# How strata is run: valgrind, timeout.
# ------------------------------------------------------------------------

WRAP=()
if [[ ${HOSTILE_VALGRIND:-0} == 1 ]]; then
	if ! command -v valgrind >/dev/null; then
		echo "not ok 1 - HOSTILE_VALGRIND=1 but valgrind is not installed"
		echo "1..1"
		exit 1
	fi
	# a libtool wrapper script: valgrind must see the real binary
	LIBTOOL=$(dirname "$STRATA")/libtool
	if head -c 2 "$STRATA" | grep -q '#!' && [[ -x $LIBTOOL ]]; then
		WRAP=("$LIBTOOL" --mode=execute)
	fi
	# shellcheck disable=SC2206
	WRAP+=(valgrind -q --leak-check=full --error-exitcode=99
		--log-file="$work/vg.%p" ${HOSTILE_VALGRIND_OPTS:-})
	TIMEOUT=${HOSTILE_TIMEOUT:-300}
else
	TIMEOUT=${HOSTILE_TIMEOUT:-30}
fi

if ! command -v sqlite3 >/dev/null; then
	echo "not ok 1 - the sqlite3 client is not installed (it checks the database)"
	echo "1..1"
	exit 1
fi

# Which drivers are built in ("  postgres  built in" lines of `version`).
BUILT=$("$STRATA" version 2>/dev/null)
built_in() { grep -Eq "^ +$1 +built in" <<<"$BUILT"; }

# ------------------------------------------------------------------------
# Servers (only for the pg / my cases that connect).
# ------------------------------------------------------------------------

# MYSQL_ARGS and MYSQL_PASS from a mysql://user:password@host:port/db URL.
mysql_args() {
	local u=${1#*://} creds='' hostport user pass='' host port=''
	u=${u%%\?*}
	if [[ $u == *@* ]]; then
		creds=${u%@*}
		u=${u##*@}
	fi
	hostport=${u%%/*}
	user=${creds%%:*}
	[[ $creds == *:* ]] && pass=${creds#*:}
	host=${hostport%%:*}
	[[ $hostport == *:* ]] && port=${hostport##*:}
	MYSQL_ARGS=(-N -B --protocol=TCP)
	[[ -n $host ]] && MYSQL_ARGS+=(-h "$host")
	[[ -n $port ]] && MYSQL_ARGS+=(-P "$port")
	[[ -n $user ]] && MYSQL_ARGS+=(-u "$user")
	MYSQL_PASS=$pass
}

my_sql() { # SQL [DB]
	MYSQL_PWD=$MYSQL_PASS mysql "${MYSQL_ARGS[@]}" ${2:+"$2"} -e "$1"
}

# the URL with its path replaced by /DB (query kept)
with_db() { sed -E "s#^([A-Za-z0-9+.-]+://[^/?]*)(/[^?]*)?#\\1/$2#" <<<"$1"; }

# The password of a URL (to assert that it never shows).
url_password() {
	local u=${1#*://}
	u=${u%@*}
	[[ $u == *:* ]] && echo "${u#*:}"
}

SERVER_ERR_pg='' SERVER_ERR_my=''
server_up_pg() {
	[[ $PG_READY == 1 ]] && return 0
	[[ -n $SERVER_ERR_pg ]] && return 1
	if [[ -z $PG_ADMIN ]]; then
		SERVER_ERR_pg="STRATA_TEST_POSTGRES_URL is not set"
	elif ! command -v psql >/dev/null; then
		SERVER_ERR_pg="psql not found"
	elif ! psql "$PG_ADMIN" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $PG_DB" >/dev/null 2>&1; then
		SERVER_ERR_pg="cannot create database $PG_DB on the server of STRATA_TEST_POSTGRES_URL"
	else
		PG_READY=1
		PG_URL=$(with_db "$PG_ADMIN" "$PG_DB")
		return 0
	fi
	return 1
}
server_up_my() {
	[[ $MY_READY == 1 ]] && return 0
	[[ -n $SERVER_ERR_my ]] && return 1
	if [[ -z $MY_ADMIN ]]; then
		SERVER_ERR_my="STRATA_TEST_MYSQL_URL is not set"
	elif ! command -v mysql >/dev/null; then
		SERVER_ERR_my="mysql client not found"
	else
		mysql_args "$MY_ADMIN"
		if ! my_sql "CREATE DATABASE \`$MY_DB\`" >/dev/null 2>&1; then
			SERVER_ERR_my="cannot create database $MY_DB on the server of STRATA_TEST_MYSQL_URL"
		else
			MY_READY=1
			MY_URL=$(with_db "$MY_ADMIN" "$MY_DB")
			return 0
		fi
	fi
	return 1
}

# ------------------------------------------------------------------------
# Case state and setup helpers (used in the table's setup column).
# ------------------------------------------------------------------------

V1=20240101000001
V2=20240101000002

# std: $MIG with two good migrations; a SQLite database $T/db.sqlite.
std() {
	MIG=$T/m
	mkdir -p "$MIG"
	printf -- '-- migrate:up\ncreate table h1 (id int);\n-- migrate:down\ndrop table h1;\n' >"$MIG/${V1}_one.sql"
	printf -- '-- migrate:up\ncreate table h2 (id int);\n-- migrate:down\ndrop table h2;\n' >"$MIG/${V2}_two.sql"
	DB=$T/db.sqlite
	URL=sqlite:$DB
	BK=sqlite
}

# file NAME TEXT: $MIG/NAME with TEXT (printf %b: \n, \xHH, \0).
file() { printf '%b' "$2" >"$MIG/$1"; }

# pair VERSION_NAME UP [DOWN]: a golang-migrate pair.
pair() {
	printf '%b' "$2" >"$MIG/$1.up.sql"
	[[ $# -lt 3 ]] || printf '%b' "$3" >"$MIG/$1.down.sql"
}

# applied1: the first migration applied already (a refused run must not
# touch it, nor apply the second).
applied1() {
	"$STRATA" -u "$URL" -d "$MIG" up 1 >/dev/null 2>&1 || SETUP_ERR="strata up 1 failed in the setup"
}

# pg / my: the case runs against our own database on the server (its
# tables dropped first).
pg() {
	NEED=postgres
	built_in postgres || return 0
	server_up_pg || { SETUP_ERR=$SERVER_ERR_pg; return 0; }
	BK=pg
	URL=$PG_URL
	psql "$URL" -XAtq -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
}
my() {
	NEED=mysql
	built_in mysql || return 0
	server_up_my || { SETUP_ERR=$SERVER_ERR_my; return 0; }
	BK=my
	URL=$MY_URL
	local t
	for t in $(my_sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$MY_DB'"); do
		my_sql "DROP TABLE \`$t\`" "$MY_DB" >/dev/null 2>&1
	done
}

# needs DRIVER: the case is about that driver's URLs (skipped when it is
# not built in; no server needed).
needs() { NEED=$1; }

env_set() { ENVC+=("$1"); }
env_unset() { ENVC+=(-u "$1"); }

# unreadable PATH: makes PATH (a file or directory) unreadable to strata.
# chmod 000 does not stop root (CAP_DAC_OVERRIDE): as root strata then
# runs without that capability (setpriv), so the permission bits hold;
# without setpriv, as the user nobody (runuser) over a world-readable
# copy of the case. The way is printed as a TAP comment.
unreadable() {
	chmod 000 "$1"
	if [[ $(id -u) != 0 ]]; then
		NOTE="unreadable: chmod 000 (not root)"
	elif setpriv --bounding-set -dac_override,-dac_read_search true 2>/dev/null; then
		PRE=(setpriv --bounding-set -dac_override,-dac_read_search --)
		NOTE="unreadable: chmod 000, strata run as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (setpriv)"
	elif runuser -u nobody -- true 2>/dev/null; then
		chmod 755 "$work" "$T" "$MIG" 2>/dev/null
		PRE=(runuser -u nobody --)
		NOTE="unreadable: chmod 000, strata run as nobody (runuser)"
	else
		SETUP_ERR="root, and neither setpriv nor runuser works: cannot make a file unreadable"
	fi
}

# a name that only strata's own checks may turn away
long_text() { head -c "$1" /dev/zero | tr '\0' "${2:-a}"; }

# post-check: PATH must not exist after the run.
absent() { POST+=("[[ ! -e $1 ]] || bad '$1 was created'"); }

# ------------------------------------------------------------------------
# Database state: user tables and history rows, "nothing applied" means
# the same before and after.
# ------------------------------------------------------------------------

state() {
	case $BK in
	sqlite)
		# no database file is the same as an empty one
		[[ -e $DB ]] || return 0
		# one sqlite3 run; without a history table the second query
		# fails, which is "no rows"
		sqlite3 -batch "$DB" "select 'table ' || name from sqlite_master where type = 'table' and name <> 'strata_migrations' order by 1;
			select version || ' ' || state from strata_migrations where version <> '~format' order by 1" 2>/dev/null
		;;
	pg)
		psql "$URL" -XAtq -c "select 'table ' || table_name from information_schema.tables where table_schema = 'public' and table_name <> 'strata_migrations' order by 1" 2>&1
		if [[ $(psql "$URL" -XAtq -c "select count(*) from information_schema.tables where table_schema = 'public' and table_name = 'strata_migrations'") == 1 ]]; then
			psql "$URL" -XAtq -c "select version || ' ' || state from strata_migrations where version <> '~format' order by 1" 2>&1
		fi
		;;
	my)
		my_sql "select concat('table ', table_name) from information_schema.tables where table_schema = '$MY_DB' and table_name <> 'strata_migrations' order by 1" 2>&1
		if [[ $(my_sql "select count(*) from information_schema.tables where table_schema = '$MY_DB' and table_name = 'strata_migrations'") == 1 ]]; then
			my_sql "select concat(version, ' ', state) from strata_migrations where version <> '~format' order by 1" "$MY_DB" 2>&1
		fi
		;;
	esac
}

# ------------------------------------------------------------------------
# Running one case.
# ------------------------------------------------------------------------

N=0 failed=0 xfailed=0 skipped=0
REASONS=()
bad() { REASONS+=("$*"); }

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	printf '%s' "$s"
}

run_case() { # NAME SETUP ARGS EXIT REGEX FLAGS
	local name=$1 setup=$2 args=$3 want=$4 re=$5 flags=$6
	if [[ -n ${HOSTILE_ONLY:-} ]] && ! grep -Eq -- "$HOSTILE_ONLY" <<<"$name"; then
		return
	fi
	N=$((N + 1))
	T=$work/$N
	mkdir -p "$T"
	REASONS=() ENVC=() PRE=() POST=() NOTE='' SETUP_ERR='' NEED=''
	std
	eval "$setup"
	if [[ -n $NEED ]] && ! built_in "$NEED"; then
		echo "ok $N - $name # SKIP the $NEED driver is not built in"
		skipped=$((skipped + 1))
		return
	fi
	local -a A=()
	if [[ " $flags " != *" raw "* ]]; then
		A=(-u "$URL" -d "$MIG")
	fi
	local -a W=()
	eval "W=($args)"
	A+=("${W[@]}")

	local before after rc=0 out err t0=$EPOCHREALTIME
	if [[ -z $SETUP_ERR ]]; then
		before=$(state)
		rm -f "$work"/vg.*
		local -a wrap=("${WRAP[@]}")
		if [[ " $flags " == *" novg "* && ${#WRAP[@]} -gt 0 ]]; then
			wrap=()
			NOTE+="${NOTE:+; }$name: run without valgrind (novg)"
		fi
		env "${ENVC[@]}" "${PRE[@]}" timeout -k 5 "$TIMEOUT" \
			"${wrap[@]}" "$STRATA" "${A[@]}" >"$T/stdout" 2>"$T/stderr" </dev/null
		rc=$?
		out=$(head -c 1000000 "$T/stdout")
		err=$(head -c 1000000 "$T/stderr")
		after=$(state)
		check_result
	else
		bad "setup: $SETUP_ERR"
	fi
	report
	[[ -n ${HOSTILE_TIMING:-} ]] && echo "# $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms"
	return 0
}

# (bash's own =~ and pattern matching: a case forks little besides
# strata, which keeps the suite fast)
check_result() {
	if [[ $rc == 124 || $rc == 137 ]]; then
		bad "timed out after $TIMEOUT s (a hang)"
	elif ((rc >= 128)); then
		bad "killed by signal $((rc - 128)) (exit $rc)"
	elif [[ $rc == 99 && ${#WRAP[@]} -gt 0 ]]; then
		bad "valgrind reported errors (exit 99)"
	fi
	[[ $rc == "$want" ]] || bad "expected exit $want, got $rc"
	if [[ $err =~ LeakSanitizer|ERROR:\ AddressSanitizer|runtime\ error:|SUMMARY:\ (Address|Undefined) ]]; then
		bad "sanitizer report on stderr"
	fi
	local vg
	for vg in "$work"/vg.*; do
		[[ -s $vg ]] && { bad "valgrind: $(head -c 300 "$vg" | tr '\n' ' ')"; cp "$vg" "$T/"; }
	done
	local nl=${err//[!$'\n']/} last
	if [[ " $flags " == *" ml "* ]]; then
		last=${err##*$'\n'}
	else
		last=$err
		[[ -n $err && -z $nl ]] || bad "expected exactly one line on stderr, got $([[ -n $err ]] && echo $((${#nl} + 1)) || echo 0)"
	fi
	[[ $last == "strata: error: "* ]] || bad "stderr does not end with a 'strata: error: ' line"
	[[ $last =~ $re ]] || bad "stderr does not match /$re/"
	local s
	for s in "$SECRET" "${REAL_SECRETS[@]}"; do
		[[ -n $s ]] || continue
		[[ $out == *"$s"* || $err == *"$s"* ]] && bad "a password appears in the output"
	done
	[[ $before == "$after" ]] || bad "the database changed: before [${before//$'\n'/;}] after [${after//$'\n'/;}]"
	local p
	for p in "${POST[@]}"; do
		eval "$p"
	done
}

# copies stdin without any password (for failure reports)
hide() {
	local line s
	while IFS= read -r line; do
		for s in "$SECRET" "${REAL_SECRETS[@]}"; do
			[[ -n $s ]] && line=${line//"$s"/<secret>}
		done
		printf '%s\n' "$line"
	done
}

report() {
	local todo=''
	[[ " $flags " == *" xfail "* ]] && todo=' # TODO known bug, fix proposed'
	[[ -n $NOTE ]] && echo "# $NOTE"
	if ((${#REASONS[@]} == 0)); then
		if [[ -n $todo ]]; then
			echo "not ok $N - $name (marked xfail but passes now: remove the flag)"
			failed=$((failed + 1))
		else
			echo "ok $N - $name"
		fi
		return
	fi
	echo "not ok $N - $name$todo"
	{
		local r
		for r in "${REASONS[@]}"; do
			echo "$r"
		done
		echo "command: $(head -c 400 <<<"strata ${A[*]}" | tr '\n' ' ') (exit $rc)"
		[[ -n ${out:-} ]] && head -c 1500 <<<"$out" | sed 's/^/stdout: /'
		[[ -n ${err:-} ]] && head -c 1500 <<<"$err" | sed 's/^/stderr: /'
	} | hide | sed 's/^/#   /'
	if [[ -n $todo ]]; then
		xfailed=$((xfailed + 1))
	else
		failed=$((failed + 1))
	fi
}

REAL_SECRETS=()
for u in "$PG_ADMIN" "$MY_ADMIN"; do
	[[ -n $u ]] && REAL_SECRETS+=("$(url_password "$u")")
done

# 100 kB, for the long-URL cases
LONG=$(long_text 100000)
# a mysql URL to the real server with a wrong password (holding a '#')
wrong_pw_url() { # SCHEME-ADMIN-URL
	local u=$1 rest=${1#*://}
	local hostpart=${rest##*@}
	echo "${u%%://*}://strata:${SECRET}#x@${hostpart}"
}

# ------------------------------------------------------------------------
# The cases: name | setup | args | exit | stderr regex | flags
# ------------------------------------------------------------------------

CASES=$(cat <<'EOF'
# ---- files: sections and markers
file: no sections                      | file 20240101000003_x.sql 'create table x (id int);\n'                  | up  | 3 | _x\.sql:1: SQL before the first -- migrate:up marker |
file: comments only                    | file 20240101000003_x.sql '-- just a comment\n\n'               | up  | 3 | _x\.sql:1: no -- migrate:up section |
file: empty                            | file 20240101000003_x.sql ''                                    | up  | 3 | _x\.sql:1: no -- migrate:up section |
file: only a BOM                       | file 20240101000003_x.sql '\xef\xbb\xbf'                        | up  | 3 | _x\.sql:1: no -- migrate:up section |
file: two up sections                  | file 20240101000003_x.sql '-- migrate:up\nselect 1;\n-- migrate:up\nselect 2;\n' | up | 3 | _x\.sql:3: a second -- migrate:up section \(the first is at line 1\) |
file: two down sections                | file 20240101000003_x.sql '-- migrate:up\nselect 1;\n-- migrate:down\nselect 2;\n-- migrate:down\n' | up | 3 | _x\.sql:5: a second -- migrate:down section |
file: down before up                   | file 20240101000003_x.sql '-- migrate:down\ndrop table x;\n-- migrate:up\ncreate table x (id int);\n' | up | 3 | _x\.sql:3: -- migrate:up after -- migrate:down \(line 1\) |
file: unknown marker option            | file 20240101000003_x.sql '-- migrate:up transaction:maybe\nselect 1;\n' | up | 3 | _x\.sql:1: unknown option "transaction:maybe" on the migrate marker |
file: unknown marker                   | file 20240101000003_x.sql '-- migrate:up\nselect 1;\n-- migrate:sideways\n' | up | 3 | _x\.sql:3: unknown marker "-- migrate:sideways" |
file: marker option 100 kB long        | file 20240101000003_x.sql "-- migrate:up $(long_text 100000 x)\nselect 1;\n" | up | 3 | _x\.sql:1: unknown option "x{60}" |
# ---- files: bytes that are not SQL text
file: binary data (NUL byte)           | file 20240101000003_x.sql '-- migrate:up\ncreate table x (id int);\n\0\n' | up | 3 | _x\.sql:3: binary data \(a NUL byte\) |
file: invalid UTF-8 (latin-1 byte)     | file 20240101000003_x.sql "-- migrate:up\ninsert into h1 values ('caf\xe9');\n" | up | 3 | _x\.sql:2:28: not UTF-8 text \(byte 0xE9\) |
file: invalid UTF-8 (overlong /)       | file 20240101000003_x.sql '-- migrate:up\nselect 1;\n-- \xc0\xaf\n' | up | 3 | _x\.sql:3:4: not UTF-8 text \(byte 0xC0\) |
file: invalid UTF-8 (surrogate)        | file 20240101000003_x.sql '-- migrate:up\nselect 1; -- \xed\xa0\x80\n' | up | 3 | _x\.sql:2:14: not UTF-8 text \(byte 0xED\) |
file: invalid UTF-8 (cut at the end)   | file 20240101000003_x.sql '-- migrate:up\nselect 1; -- \xe2\x82' | up | 3 | _x\.sql:2:14: not UTF-8 text |
# (the valid file, with UTF-8 of every length, is read first and passes)
file: valid UTF-8 passes, NUL does not | file 20240101000003_ok.sql "-- migrate:up\nselect 'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbb\xbf';\n"; file 20240101000004_x.sql '-- migrate:up\n\0' | up | 3 | 20240101000004_x\.sql:2: binary data |
file: UTF-16 text                      | file 20240101000003_x.sql '\xff\xfe-\0-\0' | up | 3 | _x\.sql:1:1: not UTF-8 text \(byte 0xFF\) |
file: 100 MB file                      | truncate -s 100M "$MIG/20240101000003_big.sql" | up | 3 | ^strata: error: [^ ]*_big\.sql: too large \(104857600 bytes; the limit is 64 MiB\)$ |
# ---- files: things that are not files
file: symlink loop                     | ln -s 20240101000004_b.sql "$MIG/20240101000003_a.sql"; ln -s 20240101000003_a.sql "$MIG/20240101000004_b.sql" | up | 3 | ^strata: error: [^ ]*_a\.sql: cannot open it: Too many levels of symbolic links$ |
file: dangling symlink                 | ln -s "$T/nowhere.sql" "$MIG/20240101000003_x.sql" | up | 3 | ^strata: error: [^ ]*_x\.sql: cannot open it: No such file or directory$ |
file: directory named like a migration | mkdir "$MIG/20240101000003_x.sql" | up | 3 | ^strata: error: [^ ]*_x\.sql: not a regular file$ |
file: FIFO named like a migration      | mkfifo "$MIG/20240101000003_x.sql" | up | 3 | ^strata: error: [^ ]*_x\.sql: not a regular file$ |
file: symlink to /dev/zero             | ln -s /dev/zero "$MIG/20240101000003_x.sql" | up | 3 | ^strata: error: [^ ]*_x\.sql: not a regular file$ |
file: read error (EIO)                 | ln -s /proc/self/mem "$MIG/20240101000003_x.sql" | up | 3 | ^strata: error: [^ ]*_x\.sql: cannot read it: Input/output error$ |
file: unreadable file                  | file 20240101000003_x.sql '-- migrate:up\nselect 1;\n'; unreadable "$MIG/20240101000003_x.sql" | up | 3 | ^strata: error: [^ ]*_x\.sql: cannot open it: Permission denied$ |
file: unreadable directory             | unreadable "$MIG" | up | 3 | cannot read migrations directory .*: Permission denied |
# ---- files: names
file: name 2024_x.sql (older than applied) | applied1; file 2024_x.sql '-- migrate:up\nselect 1;\n' | up | 6 | 2024_x\.sql: migration 2024 is pending but older than 20240101000001 |
file: name 20240101_.sql               | file 20240101_.sql '-- migrate:up\nselect 1;\n' | up | 3 | 20240101_\.sql: cannot tell the version from the file name |
file: name v1_name.sql                 | file v1_name.sql '-- migrate:up\nselect 1;\n' | up | 3 | v1_name\.sql: cannot tell the version |
file: name 1e5_name.sql                | file 1e5_name.sql '-- migrate:up\nselect 1;\n' | up | 3 | 1e5_name\.sql: cannot tell the version |
file: name 1..2_x.sql                  | file 1..2_x.sql '-- migrate:up\nselect 1;\n' | up | 3 | 1\.\.2_x\.sql: cannot tell the version |
file: name -1_x.sql                    | file -1_x.sql '-- migrate:up\nselect 1;\n' | up | 3 | -1_x\.sql: cannot tell the version |
file: upper-case .SQL                  | file 20240101000003_x.SQL '-- migrate:up\nselect 1;\n' | up | 3 | _x\.SQL: a migration file name must end in \.sql, in lowercase |
file: newline in the name              | file $'20240101000003_a\nb.sql' '-- migrate:up\nselect 1;\n' | up | 3 | _a b\.sql: a control character in a migration file name |
file: terminal escape in the name      | file $'20240101000003_\e]0;pwned\a.sql' '-- migrate:up\nselect 1;\n' | up | 3 | a control character in a migration file name |
file: 1_a.sql and 01_b.sql             | file 1_a.sql '-- migrate:up\nselect 1;\n'; file 01_b.sql '-- migrate:up\nselect 2;\n' | up | 6 | two migrations have version 1: 01_b\.sql and 1_a\.sql |
file: same version, two names          | file ${V2}_again.sql '-- migrate:up\nselect 1;\n' | up | 6 | two migrations have version 20240101000002 |
file: native file and pair, one version | pair 000003_x 'select 1;\n'; file 000003_x.sql '-- migrate:up\nselect 1;\n' | up | 6 | two migrations have version 000003: 000003_x\.sql and 000003_x\.up\.sql |
file: pair with two names              | pair 000003_a 'select 1;\n'; file 000003_b.down.sql 'select 1;\n' | up | 6 | two migrations have version 000003: 000003_a\.up\.sql and 000003_b\.down\.sql |
file: pair with only a .down.sql       | file 000003_x.down.sql 'drop table x;\n' | up | 3 | 000003_x\.down\.sql: a \.down\.sql file without its \.up\.sql file |
file: pair, NUL in the .up.sql         | pair 000003_x 'select 1;\n\0' 'select 2;\n' | up | 3 | 000003_x\.up\.sql:2: binary data |
file: pair, invalid UTF-8 in .down.sql | pair 000003_x 'select 1;\n' '\xff\n' | up | 3 | 000003_x\.down\.sql:1:1: not UTF-8 text \(byte 0xFF\) |
# ---- files: SQL the lexer cannot finish (file and line in the message)
file: unterminated quote               | file 20240101000003_x.sql "-- migrate:up\ncreate table x (id int);\ninsert into x values ('oops);\n" | up | 3 | _x\.sql:3:[0-9]+: unterminated quoted string |
file: unterminated quote in down       | file 20240101000003_x.sql "-- migrate:up\ncreate table x (id int);\n-- migrate:down\ndrop table x; select 'oops;\n" | up | 3 | _x\.sql:4:[0-9]+: unterminated quoted string |
file: unterminated block comment       | file 20240101000003_x.sql '-- migrate:up\ncreate table x (id int);\n/* never\n ends\n' | up | 3 | _x\.sql:3:[0-9]+: .*comment |
file: unterminated "identifier"        | file 20240101000003_x.sql '-- migrate:up\ncreate table "x (id int);\n' | up | 3 | _x\.sql:2:[0-9]+: unterminated |
file: unterminated [identifier]        | file 20240101000003_x.sql '-- migrate:up\ncreate table [x (id int);\n' | up | 3 | _x\.sql:2:[0-9]+: unterminated |
pg: unterminated dollar quote          | pg; file 20240101000003_x.sql '-- migrate:up\ncreate function f() returns int language sql as $body$\n  select 1;\n' | up | 3 | _x\.sql:2:[0-9]+: .*dollar |
pg: invalid UTF-8 in a file            | pg; file 20240101000003_x.sql "-- migrate:up\ncreate table x (v text);\ninsert into x values ('caf\xe9');\n" | up | 3 | _x\.sql:3:[0-9]+: not UTF-8 text |
mysql: unterminated backtick           | my; file 20240101000003_x.sql '-- migrate:up\ncreate table `x (id int);\n' | up | 3 | _x\.sql:2:[0-9]+: unterminated |
mysql: invalid UTF-8 after DDL         | my; file 20240101000003_x.sql "-- migrate:up\ncreate table x (v varchar(9));\ninsert into x values ('caf\xe9');\n" | up | 3 | _x\.sql:3:[0-9]+: not UTF-8 text |
# ---- files: the directory
file: empty directory name -d ''       | : | -u "$URL" -d '' up | 2 | --dir wants a directory, not '' | raw
file: migrations dir is a file         | rm -r "$MIG"; echo x >"$MIG" | up | 3 | /m is not a directory |
file: missing directory                | : | -u "$URL" -d "$T/nonexistent" up | 3 | cannot read migrations directory .*/nonexistent: No such file or directory | raw
# ---- URLs
url: unknown scheme                    | : | -u "oracle://scott:${SECRET}@db/x" -d "$MIG" up | 4 | unknown database scheme "oracle:" | raw
url: no scheme                         | : | -u app.db -d "$MIG" up | 4 | malformed database URL: expected scheme | raw
url: scheme starts with a digit        | : | -u 1sqlite:app.db -d "$MIG" up | 4 | malformed database URL | raw
url: empty                             | : | -u '' -d "$MIG" up | 4 | no database URL given | raw
url: sqlite without a path             | : | -u sqlite: -d "$MIG" up | 4 | sqlite URL has no file path | raw
url: sqlite in a missing directory     | absent "$T/no" | -u "sqlite:$T/no/such/db.sqlite" -d "$MIG" up | 5 | cannot open SQLite database .*/no/such/db\.sqlite | raw
url: sqlite bad percent-encoding       | : | -u "sqlite:$T/a%zz.db" -d "$MIG" up | 4 | percent | raw
url: sqlite bad busy_timeout           | : | -u "sqlite:$T/db.sqlite?busy_timeout=abc" -d "$MIG" up | 4 | invalid busy_timeout "abc" | raw
# unknown query parameters are refused (a typo such as ?busy_timout=100
# passed silently before)
url: sqlite unknown parameter          | : | -u "sqlite:$T/db.sqlite?bogus=1" -d "$MIG" up | 4 | unknown parameter "bogus" | raw
url: postgres port 99999               | needs postgres | -u "postgres://u:${SECRET}@127.0.0.1:99999/db" -d "$MIG" up | 4 | malformed PostgreSQL URL: invalid port number | raw
url: postgres port abc                 | needs postgres | -u "postgres://u:${SECRET}@127.0.0.1:abc/db" -d "$MIG" up | 4 | malformed PostgreSQL URL: invalid integer value "abc" | raw
url: postgres port -1                  | needs postgres | -u "postgres://u@127.0.0.1:-1/db" -d "$MIG" up | 4 | invalid port number: "-1" | raw
url: mysql port 99999                  | needs mysql | -u "mysql://u:${SECRET}@127.0.0.1:99999/db" -d "$MIG" up | 4 | bad port in the MySQL URL | raw
url: mysql port abc                    | needs mysql | -u "mysql://u@127.0.0.1:abc/db" -d "$MIG" up | 4 | bad port in the MySQL URL | raw
url: mysql port -1                     | needs mysql | -u "mysql://u@127.0.0.1:-1/db" -d "$MIG" up | 4 | bad port in the MySQL URL | raw
url: postgres %zz                      | needs postgres | -u "postgres://u@127.0.0.1:1/d%zz" -d "$MIG" up | 4 | invalid percent-encoded token | raw
url: postgres trailing %               | needs postgres | -u "postgres://u@127.0.0.1:1/d%" -d "$MIG" up | 4 | invalid percent-encoded token | raw
url: postgres %zz in the password      | needs postgres | -u "postgres://u:${SECRET}%zz@127.0.0.1:1/db" -d "$MIG" up | 4 | invalid percent-encoded token | raw
url: mysql %zz in the user             | needs mysql | -u "mysql://u%zz@127.0.0.1:1/db" -d "$MIG" up | 4 | a malformed percent escape in the user | raw
url: mysql % in the password           | needs mysql | -u "mysql://u:${SECRET}%@127.0.0.1:1/db" -d "$MIG" up | 4 | a malformed percent escape in the password | raw
url: postgres %00                      | needs postgres | -u "postgres://u@127.0.0.1:1/d%00b" -d "$MIG" up | 4 | forbidden value %00 | raw
url: mysql %00 in the password         | needs mysql | -u "mysql://u:${SECRET}%00@127.0.0.1:1/db" -d "$MIG" up | 4 | a NUL byte \(%00\) in the password | raw
url: postgres unknown parameter        | needs postgres | -u "postgres://u@127.0.0.1:1/db?bogus=1" -d "$MIG" up | 4 | invalid URI query parameter: "bogus" | raw
url: mysql unknown parameter           | needs mysql | -u "mysql://u@127.0.0.1:1/db?bogus=1" -d "$MIG" up | 4 | unknown parameter "bogus" in the MySQL URL | raw
url: mysql unterminated [IPv6          | needs mysql | -u "mysql://u:${SECRET}@[::1/db" -d "$MIG" up | 4 | unterminated \[IPv6 address\] | raw
url: postgres closed port, password    | needs postgres | -u "postgres://u:${SECRET}@127.0.0.1:1/db" -d "$MIG" up | 5 | cannot connect to PostgreSQL | raw
url: mysql closed port, password       | needs mysql | -u "mysql://u:${SECRET}@127.0.0.1:1/db" -d "$MIG" up | 5 | cannot connect to MySQL at 127\.0\.0\.1:1 | raw
# an unencoded '/' in the password: see "postgres '/' in the password"
url: create, '/' in the password       | needs postgres | -u "postgres://u:${SECRET}/x@127.0.0.1:1/db" create | 4 | malformed PostgreSQL URL | raw
url: wait on a closed port, password   | needs postgres | -u "postgres://u:${SECRET}@127.0.0.1:1/db" wait --wait-timeout 0.2 | 5 | no connection to the database within | raw ml
url: postgres wrong password           | pg; PW_URL=$(wrong_pw_url "$PG_URL") | -u "$PW_URL" -d "$MIG" up | 5 | cannot connect to PostgreSQL: .*password authentication failed for user "strata" \(SQLSTATE 28P01\)$ | raw
# the SQLSTATE of a refused login is read from the server's FATAL line
# (libpq keeps the code to itself): 28P01 only for a refused password
url: postgres missing database         | pg; PW_URL=$(with_db "$PG_URL" strata_no_such_db) | -u "$PW_URL" -d "$MIG" up | 5 | database "strata_no_such_db" does not exist \(SQLSTATE 3D000\)$ | raw
url: postgres password not supplied    | pg; PW_URL=$(sed -E 's#//([^:@/]*):[^@/]*@#//\1@#' <<<"$PG_URL"); export PGPASSFILE=$T/none | -u "$PW_URL" -d "$MIG" up | 5 | no password supplied \(SQLSTATE 28000\)$ | raw
url: mysql wrong password with a #     | my; PW_URL=$(wrong_pw_url "$MY_URL") | -u "$PW_URL" -d "$MIG" up | 5 | Access denied | raw
url: -v shows no password              | pg; file 20240101000003_x.sql '-- migrate:up\nselect $q$ never ends;\n' | -v up | 3 | _x\.sql:2:[0-9]+: .*dollar | ml
# with an unencoded '/' in the password libpq reads the password as the
# port and quotes it, and a bad ?password= value it quotes as a token:
# src/api.c scrub_password() masks every secret of the URL
# (strata_url_scrub) in message, detail and hint (these leaked before).
url: postgres '/' in the password      | needs postgres | -u "postgres://u:${SECRET}/x@127.0.0.1:1/db" -d "$MIG" up | 4 | malformed PostgreSQL URL | raw
url: postgres ?password= with bad %    | needs postgres | -u "postgres://u@127.0.0.1:1/db?password=${SECRET}%zz" -d "$MIG" up | 4 | invalid percent-encoded token | raw
# ---- options
opt: up -1                             | : | up -1 | 2 | '-1': counts must be positive whole numbers |
opt: down -5                           | : | down -5 | 2 | '-5': counts must be positive whole numbers |
opt: down -- -5                        | : | down -- -5 | 2 | '-5' is not a count |
opt: up abc                            | : | up abc | 2 | 'abc' is not a count: up N wants a positive whole number |
opt: up 0                              | : | up 0 | 2 | '0' is not a count |
opt: up 1.5                            | : | up 1.5 | 2 | '1.5' is not a count |
opt: up +1                             | : | up +1 | 2 | '\+1' is not a count |
opt: up 1e3                            | : | up 1e3 | 2 | '1e3' is not a count |
opt: up 2^63 (overflow)                | : | up 9223372036854775808 | 2 | '9223372036854775808' is not a count |
opt: down 10^30 (overflow)             | applied1 | down 1000000000000000000000000000000 | 2 | is not a count |
opt: --to an unknown version           | : | up --to 20990101000000 | 6 | unknown version 20990101000000 |
opt: down --to an unknown version      | applied1 | down --to 20990101000000 | 6 | unknown version 20990101000000 |
opt: --to not a version                | : | up --to 'x y' | 6 | x y |
opt: --to ''                           | : | up --to '' | 2 | --to wants a version |
opt: --to a 100 kB version             | : | up --to "$LONG" | 6 | aaaa |
opt: unknown long option               | : | up --frobnicate | 2 | unknown option '--frobnicate' |
opt: unknown short option              | : | -x up | 2 | unknown option '-x' |
opt: missing argument of --to          | : | up --to | 2 | option '--to' needs an argument |
opt: missing argument of -u            | : | up -u | 2 | option '-u' needs an argument | raw
opt: argument to a flag                | : | up --dry-run=yes | 2 | option '--dry-run' takes no argument |
opt: count and --to                    | : | up 1 --to $V1 | 2 | give one of a count, --to VERSION and --all |
opt: --quiet and --verbose             | : | -q -v up | 2 | --quiet and --verbose cannot be combined |
opt: two repair modes                  | : | repair --resume --forget | 2 | exactly one of --resume, --mark-applied, --forget \(several given\) |
opt: option of another command         | : | status --to $V1 | 2 | option --to does not apply to status |
opt: --lock-timeout -3                 | : | up --lock-timeout -3 | 2 | --lock-timeout wants a number of seconds >= 0, not '-3' |
opt: --lock-timeout abc                | : | up --lock-timeout abc | 2 | --lock-timeout wants a number of seconds >= 0, not 'abc' |
opt: --lock-timeout 0x10               | : | up --lock-timeout 0x10 | 2 | not '0x10' |
opt: --lock-timeout 1e300              | : | up --lock-timeout 1e300 | 2 | not '1e300' |
opt: --lock-timeout ' 5'               | : | up --lock-timeout ' 5' | 2 | not ' 5' |
opt: --lock-timeout 10^11 (too large)  | : | up --lock-timeout 99999999999 | 2 | --lock-timeout wants at most 2147483 seconds |
opt: --statement-timeout 10^400        | : | up --statement-timeout 1$(long_text 400 0) | 2 | --statement-timeout wants at most 2147483 seconds |
opt: --ddl-lock-retries 2^64           | : | up --ddl-lock-retries 18446744073709551616 | 2 | --ddl-lock-retries wants a whole number >= 0 |
opt: --wait-timeout -1                 | : | wait --wait-timeout -1 | 2 | --wait-timeout wants a number of seconds >= 0, not '-1' |
opt: empty --table                     | : | --table '' up | 2 | --table wants a table name, not '' |
opt: empty --schema                    | : | --schema '' up | 2 | --schema wants a schema name, not '' |
opt: --table a.b.c                     | : | --table a.b.c up | 2 | invalid history table name "a\.b\.c" |
opt: no command                        | : | --no-color | 2 | no command given |
opt: unknown command                   | : | frobnicate | 2 | unknown command 'frobnicate' |
opt: baseline not a version            | : | baseline 'x;drop table h1' | 6 | is not a version |
opt: new with a bad name               | absent "$T/m2" | -d "$T/m2" new '../evil' | 2 | bad migration name '\.\./evil' | raw
# ---- environment
env: DATABASE_URL malformed            | env_set 'DATABASE_URL=::nonsense' | -d "$MIG" up | 4 | malformed database URL | raw
env: DATABASE_URL empty                | env_set 'DATABASE_URL=' | -d "$MIG" up | 4 | no database URL given | raw
env: DATABASE_URL with %00             | env_set "DATABASE_URL=postgres://u:${SECRET}@127.0.0.1:1/d%00b"; needs postgres | -d "$MIG" up | 4 | forbidden value %00 | raw
env: DATABASE_URL sqlite %00           | env_set "DATABASE_URL=sqlite:$T/a%00b.db" | -d "$MIG" up | 4 | NUL | raw
env: DATABASE_URL 100 kB               | env_set "DATABASE_URL=sqlite:$LONG" | -d "$MIG" up | 5 | cannot open SQLite database | raw
env: 100 kB postgres host              | needs postgres | -u "postgres://u:${SECRET}@$LONG:1/db" -d "$MIG" up | 5 | cannot connect to PostgreSQL | raw
env: 100 kB mysql URL                  | needs mysql | -u "mysql://u:${SECRET}@127.0.0.1:1/$LONG" -d "$MIG" up | 5 | cannot connect to MySQL | raw
env: HOME unset (mysql reads ~/.my.cnf) | env_unset HOME; needs mysql | -u "mysql://u:${SECRET}@127.0.0.1:1/db" -d "$MIG" up | 5 | cannot connect to MySQL | raw
env: HOME is a file (postgres .pgpass) | echo x >"$T/home"; env_set "HOME=$T/home"; needs postgres | -u "postgres://u@127.0.0.1:1/db" -d "$MIG" up | 5 | cannot connect to PostgreSQL | raw
env: PGSERVICE names no service        | env_set PGSERVICE=nosuchservice; env_set "PGSERVICEFILE=$T/none"; needs postgres | -u "postgres://u@127.0.0.1:1/db" -d "$MIG" up | 5 | cannot connect to PostgreSQL: service file ".*/none" not found | raw
# novg: valgrind itself cannot start without a usable TMPDIR
env: TMPDIR missing, with a newline    | env_set $'TMPDIR=/nonexistent/x\ny'; file 20240101000003_x.sql 'select 1;\n' | up | 3 | _x\.sql:1: SQL before the first | novg
# ml: when $STRATA is a libtool wrapper, bash warns about the locale first
env: LC_ALL garbage                    | env_set LC_ALL=xx_YY.garbage; env_set LANG=garbage; file 20240101000003_x.sql 'select 1;\n' | up | 3 | _x\.sql:1: SQL before the first | ml
env: TERM and NO_COLOR odd             | env_set TERM=$'\e[31m'; env_set NO_COLOR=; file 20240101000003_x.sql '' | up | 3 | _x\.sql:1: no -- migrate:up section |
EOF
)

while IFS= read -r line; do
	[[ -z ${line//[[:space:]]/} || $line == \#* ]] && continue
	# split on " | "
	f=()
	rest=$line
	while [[ $rest == *" | "* ]]; do
		f+=("$(trim "${rest%%" | "*}")")
		rest=${rest#*" | "}
	done
	f+=("$(trim "${rest%|}")")
	while ((${#f[@]} < 6)); do f+=(""); done
	run_case "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}" "${f[5]}"
done <<<"$CASES"

echo "1..$N"
echo "# $N cases: $((N - failed - xfailed - skipped)) passed, $failed failed, $xfailed known bugs (xfail), $skipped skipped"
((failed == 0))
