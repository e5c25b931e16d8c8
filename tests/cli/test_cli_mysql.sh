#!/bin/bash
# tests/cli/test_cli_mysql.sh - runs the CLI end-to-end tests (test_cli.sh)
# against the MySQL/MariaDB driver, in a database of their own.
#
# The server of $STRATA_TEST_MYSQL_URL is shared with the conformance suite
# and tests/mysql/test_mysql.sh, which `make -j check` runs at the same time
# and which create and drop tables; `strata dump` (mariadb-dump) reads a
# whole database and fails when a table vanishes under it. So this creates
# a fresh database strata_cli_PID_RANDOM on that server (as the URL's
# user, over TCP; the URL's user and password are taken as they are,
# without %-decoding), runs test_cli.sh with the URL pointing at it, and
# drops it afterwards. Without the URL, or when the server cannot be reached, the run
# FAILS (it never skips); no message shows the URL's password.
here=$(cd "$(dirname "$0")" && pwd)
export STRATA_CLI_BACKEND=mysql
url=${STRATA_TEST_MYSQL_URL:-}
# test_cli.sh reports the missing URL as a failure.
[[ -n $url ]] || exec bash "$here/test_cli.sh"

# mysql://user:password@host:port/db?params -> the client's arguments.
rest=${url#*://}
rest=${rest%%\?*}
creds=
if [[ $rest == *@* ]]; then
	creds=${rest%%@*}
	rest=${rest#*@}
fi
hostport=${rest%%/*}
args=(--no-defaults -N -B --protocol=TCP -h "${hostport%%:*}")
[[ $hostport == *:* ]] && args+=(-P "${hostport##*:}")
[[ -n ${creds%%:*} ]] && args+=(-u "${creds%%:*}")
pass=
[[ $creds == *:* ]] && pass=${creds#*:}
client=$(command -v mariadb || command -v mysql) || {
	echo "not ok 1 - neither the mariadb nor the mysql client is installed"
	echo "1..1"
	exit 1
}
sql() { MYSQL_PWD=$pass "$client" "${args[@]}" -e "$1"; }

db=strata_cli_$$_$RANDOM
if ! out=$(sql "CREATE DATABASE $db" 2>&1); then
	echo "not ok 1 - cannot create database $db on the server of STRATA_TEST_MYSQL_URL:" \
		"$(sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#g' <<<"$out" | tr '\n' ' ')"
	echo "1..1"
	exit 1
fi
trap 'sql "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1' EXIT
# mysql://who@host:port/DB?params -> .../strata_cli_PID_RANDOM?params
STRATA_TEST_MYSQL_URL=$(sed -E "s#^([A-Za-z0-9+.-]+://[^/?]*)(/[^?]*)?#\\1/$db#" <<<"$url") \
	bash "$here/test_cli.sh"
