#!/usr/bin/env python3
"""Generate N benchmark migrations (dbmate format) and the matching floor script.

Usage:
    gen.py N DIR [--floor FILE] [--table NAME] [--start VERSION]

Writes DIR/<VERSION>_create_table_<i>.sql for i = 1..N, VERSION = START + i
(START defaults to 20240101000000). Each migration creates a table and an
index and inserts two rows; its down part drops them.

With --floor, also writes the "floor" script: the same SQL as a plain
`sqlite3 db < FILE` would run it with one transaction per migration, i.e.

    CREATE TABLE IF NOT EXISTS <history> (... strata's columns ...);
    BEGIN; <up SQL> INSERT INTO <history> (...) VALUES (...); COMMIT;   -- x N

The history table has the same columns as strata's `strata_migrations`, and
each row carries comparable values (sha256 checksum of the file, the down
SQL, an ISO-8601 timestamp computed by SQLite, the OS user), so the floor
does the same database work as strata minus everything strata adds on top
(reading and checking files, locking, reading the history, bookkeeping).

Standard library only.
"""

import argparse
import hashlib
import os
import pwd
import sys

DEFAULT_START = 20240101000000

# Same layout as the one strata's SQLite driver creates.
HISTORY_DDL = (
    "CREATE TABLE IF NOT EXISTS {t} ("
    "version TEXT NOT NULL PRIMARY KEY, "
    "name TEXT NOT NULL, "
    "checksum TEXT, "
    "state TEXT NOT NULL, "
    "statements_done INTEGER NOT NULL DEFAULT 0, "
    "statements_total INTEGER NOT NULL DEFAULT 0, "
    "down_sql TEXT, "
    "applied_at TEXT NOT NULL, "
    "duration_ms INTEGER NOT NULL DEFAULT 0, "
    "applied_by TEXT, "
    "last_error TEXT);\n"
)

HISTORY_COLUMNS = (
    "version, name, checksum, state, statements_done, statements_total, "
    "down_sql, applied_at, duration_ms, applied_by, last_error"
)


def table_name(i):
    return "bench_t%d" % i


def up_statements(i):
    t = table_name(i)
    return [
        "CREATE TABLE %s (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "created_at TEXT NOT NULL)" % t,
        "CREATE INDEX %s_name_idx ON %s (name)" % (t, t),
        "INSERT INTO %s (name, created_at) VALUES ('alpha', '2024-01-01')" % t,
        "INSERT INTO %s (name, created_at) VALUES ('beta', '2024-01-02')" % t,
    ]


def down_statements(i):
    t = table_name(i)
    return ["DROP INDEX %s_name_idx" % t, "DROP TABLE %s" % t]


def sql_text(stmts):
    return "".join(s + ";\n" for s in stmts)


def migration_file(i):
    return ("-- migrate:up\n" + sql_text(up_statements(i)) +
            "\n-- migrate:down\n" + sql_text(down_statements(i)))


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def current_user():
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get("USER", "unknown")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of migrations")
    ap.add_argument("dir", help="directory to write the migrations into")
    ap.add_argument("--floor", help="also write the floor SQL script here")
    ap.add_argument("--table", default="strata_migrations",
                    help="history table name in the floor script")
    ap.add_argument("--start", type=int, default=DEFAULT_START,
                    help="base version (version of migration i is START+i)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")

    os.makedirs(args.dir, exist_ok=True)
    if any(f.endswith(".sql") for f in os.listdir(args.dir)):
        ap.error("%s already holds .sql files; use an empty directory" %
                 args.dir)

    user = current_user()
    floor = open(args.floor, "w") if args.floor else None
    try:
        if floor:
            floor.write(HISTORY_DDL.format(t=args.table))
        for i in range(1, args.n + 1):
            version = str(args.start + i)
            name = "create_table_%d" % i
            body = migration_file(i)
            data = body.encode()
            path = os.path.join(args.dir, "%s_%s.sql" % (version, name))
            with open(path, "wb") as f:
                f.write(data)
            if not floor:
                continue
            ups = up_statements(i)
            row = ", ".join([
                quote(version), quote(name),
                quote("sha256:" + hashlib.sha256(data).hexdigest()),
                "'applied'", str(len(ups)), str(len(ups)),
                quote(sql_text(down_statements(i))),
                "strftime('%Y-%m-%dT%H:%M:%fZ','now')",
                "0", quote(user), "NULL",
            ])
            floor.write("BEGIN;\n" + sql_text(ups) +
                        "INSERT INTO %s (%s) VALUES (%s);\nCOMMIT;\n" %
                        (args.table, HISTORY_COLUMNS, row))
    finally:
        if floor:
            floor.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
