#!/usr/bin/env bash
# bench/count_statements.sh - counts what `strata up` sends to MariaDB/MySQL
# for a set of migrations that mix DDL and DML, per binary given: the
# statements the server received (global status Questions) and the
# commits (Com_commit), counted, not timed, so they do not drift with
# machine noise.
#
#   bench/count_statements.sh ADMIN_MYSQL_CLIENT_ARGS... -- STRATA [STRATA...]
#
# e.g. (the servers of scripts/servers.sh, then this build against an
# older one):
#   . <(scripts/servers.sh start)
#   bench/count_statements.sh --no-defaults --protocol=SOCKET \
#       -S "$STRATA_SERVERS_DIR/my/sock" -u root -- ./strata /old/strata
#
# The URL strata uses is $STRATA_TEST_MYSQL_URL with its database
# replaced. The server must be otherwise idle: Questions is global.
# N (default 20) migrations, each CREATE TABLE, two INSERTs, CREATE INDEX,
# one INSERT: two places where a DDL statement is followed by DML, which
# is where the history's progress for the DDL must be written by itself
# (the DDL committed implicitly; the next statement could be killed).
set -eu
args=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: $0 MYSQL_CLIENT_ARGS... -- STRATA [STRATA...]" >&2; exit 2; }
: "${STRATA_TEST_MYSQL_URL:?set STRATA_TEST_MYSQL_URL (scripts/servers.sh start prints it)}"
N=${N:-20}
my() { mariadb "${args[@]}" -N -B -e "$1"; }
status() { my "SHOW GLOBAL STATUS LIKE '$1'" | cut -f2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-count.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/m"
for i in $(seq 1 "$N"); do
	printf -- '-- migrate:up\nCREATE TABLE t%d (id int);\nINSERT INTO t%d VALUES (1);\nINSERT INTO t%d VALUES (2);\nCREATE INDEX i%d ON t%d (id);\nINSERT INTO t%d VALUES (3);\n-- migrate:down\nDROP TABLE t%d;\n' \
		"$i" "$i" "$i" "$i" "$i" "$i" "$i" >"$dir/m/$(printf '2024%010d' "$i")_m$i.sql"
done

echo "| binary | migrations | statements received | per migration | commits |"
echo "|---|---:|---:|---:|---:|"
k=0
for s in "$@"; do
	k=$((k + 1))
	db=strata_count_$$_$k
	my "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
	# each status read is one question of its own: measured and taken off
	q0=$(status Questions); q1=$(status Questions); overhead=$((q1 - q0))
	c0=$(status Com_commit)
	q0=$(status Questions)
	"$s" -u "${STRATA_TEST_MYSQL_URL%/*}/$db" -d "$dir/m" up >/dev/null
	q1=$(status Questions)
	c1=$(status Com_commit)
	n=$((q1 - q0 - overhead))
	printf '| %s | %d | %d | %s | %d |\n' "$s" "$N" "$n" \
		"$(awk -v a="$n" -v b="$N" 'BEGIN { printf "%.1f", a / b }')" "$((c1 - c0))"
	my "DROP DATABASE $db"
done
