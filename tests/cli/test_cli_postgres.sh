#!/bin/bash
# tests/cli/test_cli_postgres.sh - runs the CLI end-to-end tests
# (test_cli.sh) against the PostgreSQL driver, in a database of their own.
#
# The server of $STRATA_TEST_POSTGRES_URL is shared with the conformance
# suite and tests/postgres/test_postgres.sh, which `make -j check` runs at
# the same time and which create and drop tables and schemas; `strata dump`
# (pg_dump) reads a whole database and fails when a table vanishes under
# it. So this creates a fresh database strata_cli_PID_RANDOM on that
# server, runs test_cli.sh with the URL pointing at it, and drops it
# afterwards.
# Without the URL, or when the server cannot be reached, the run FAILS (it
# never skips); no message shows the URL's password.
here=$(cd "$(dirname "$0")" && pwd)
export STRATA_CLI_BACKEND=postgres
url=${STRATA_TEST_POSTGRES_URL:-}
# test_cli.sh reports the missing URL as a failure.
[[ -n $url ]] || exec bash "$here/test_cli.sh"

db=strata_cli_$$_$RANDOM
if ! out=$(psql "$url" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" 2>&1); then
	echo "not ok 1 - cannot create database $db on the server of STRATA_TEST_POSTGRES_URL:" \
		"$(sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#g' <<<"$out" | tr '\n' ' ')"
	echo "1..1"
	exit 1
fi
trap 'psql "$url" -XAtq -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1' EXIT
# postgres://who@host:port/DB?params -> .../strata_cli_PID_RANDOM?params
STRATA_TEST_POSTGRES_URL=$(sed -E "s#^([A-Za-z0-9+.-]+://[^/?]*)(/[^?]*)?#\\1/$db#" <<<"$url") \
	bash "$here/test_cli.sh"
