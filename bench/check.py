#!/usr/bin/env python3
"""Check that a benchmark database holds everything gen.py's N migrations do.

Usage:
    check.py DB N --history TABLE [--backend sqlite|postgres|mysql]
             [--url SERVER_URL] [--label TEXT]

DB is the SQLite file (backend sqlite, the default) or the name of the
database on the server that --url points at (postgres, mysql; see dbctl.py
for the URL). Checks, read-only:
  - the N tables bench_t1..bench_tN exist, each with its index and 2 rows;
  - no other bench_t* table exists;
  - TABLE holds exactly the N versions of the migrations, as applied:
    for strata's layout (a `state` column) every one has state 'applied'
    (strata's own '~format' row is not a migration and is not counted);
    for dbmate's `schema_migrations` (version only) the N versions are there.

Prints one line, "ok: ..." or "FAILED: ...", and exits 0 or 1.
Standard library only (SQLite through Python's sqlite3 module, the servers
through their command-line clients, by dbctl.py).
"""

import argparse
import os
import sqlite3
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbctl  # noqa: E402

START = 20240101000000  # keep in step with gen.py's DEFAULT_START

# Per backend: (name, 'table' | 'index') of every bench_t* object, and the
# column names of a table (one parameter, inlined: our own names only).
OBJECTS_SQL = {
    "sqlite": "SELECT name, type FROM sqlite_master WHERE name GLOB 'bench_t*'",
    "postgres": "SELECT c.relname, CASE c.relkind WHEN 'r' THEN 'table' "
                "WHEN 'i' THEN 'index' ELSE c.relkind::text END "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() "
                "AND left(c.relname, 7) = 'bench_t'",
    "mysql": "SELECT table_name, 'table' FROM information_schema.tables "
             "WHERE table_schema = DATABASE() "
             "AND LEFT(table_name, 7) = 'bench_t' "
             "UNION ALL SELECT DISTINCT index_name, 'index' "
             "FROM information_schema.statistics "
             "WHERE table_schema = DATABASE() "
             "AND LEFT(index_name, 7) = 'bench_t'",
}
COLUMNS_SQL = {
    "sqlite": "SELECT name FROM pragma_table_info('%s')",
    "postgres": "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = '%s'",
    "mysql": "SELECT column_name FROM information_schema.columns "
             "WHERE table_schema = DATABASE() AND table_name = '%s'",
}


class Db:
    """Read-only queries on one database; rows are lists of strings."""

    def __init__(self, backend, db, url):
        self.backend, self.db, self.url = backend, db, url
        self.conn = None
        if backend == "sqlite":
            self.conn = sqlite3.connect("file:%s?mode=ro" % db, uri=True)

    def rows(self, sql):
        if self.conn:
            return [[str(v) if v is not None else "" for v in r]
                    for r in self.conn.execute(sql)]
        return dbctl.query(self.backend, self.url, self.db, sql + ";")

    def close(self):
        if self.conn:
            self.conn.close()


def row_counts(db, tables):
    """{table: rows}, a few hundred tables per query."""
    out = {}
    tables = sorted(tables)
    for i in range(0, len(tables), 250):
        sql = " UNION ALL ".join(
            "SELECT '%s', count(*) FROM %s" % (t, t) for t in tables[i:i + 250])
        out.update({r[0]: int(r[1]) for r in db.rows(sql)})
    return out


def problems(db, n, history):
    out = []
    names = {}
    for name, kind in db.rows(OBJECTS_SQL[db.backend]):
        names.setdefault(name, kind)
    tables = {k for k, v in names.items() if v == "table"}
    indexes = {k for k, v in names.items() if v == "index"}
    want = {"bench_t%d" % i for i in range(1, n + 1)}
    if tables != want:
        missing = sorted(want - tables)
        extra = sorted(tables - want)
        out.append("tables: %d of %d present%s%s" % (
            len(want & tables), n,
            ", missing e.g. %s" % missing[:3] if missing else "",
            ", unexpected %s" % extra[:3] if extra else ""))
    want_idx = {t + "_name_idx" for t in want}
    if not want_idx <= indexes:
        out.append("indexes: %d of %d present" %
                   (len(want_idx & indexes), n))
    counts = row_counts(db, want & tables)
    bad_rows = sum(1 for c in counts.values() if c != 2)
    if bad_rows:
        out.append("rows: %d tables do not hold exactly 2 rows" % bad_rows)

    cols = [r[0] for r in db.rows(COLUMNS_SQL[db.backend] % history)]
    if not cols:
        out.append("history table %s does not exist" % history)
        return out
    if "state" in cols:
        rows = [(r[0], r[1]) for r in db.rows(
            "SELECT version, state FROM %s WHERE version <> '~format'" %
            history)]
    else:
        rows = [(r[0], "applied") for r in db.rows(
            "SELECT version FROM %s" % history)]
    versions = {v for v, s in rows if s == "applied"}
    want_v = {str(START + i) for i in range(1, n + 1)}
    not_applied = [v for v, s in rows if s != "applied"]
    if versions != want_v or not_applied or len(rows) != n:
        out.append("history %s: %d of %d migrations recorded as applied "
                   "(%d rows, %d in another state)" % (
                       history, len(versions & want_v), n, len(rows),
                       len(not_applied)))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("n", type=int)
    ap.add_argument("--history", required=True, help="history table name")
    ap.add_argument("--backend", choices=sorted(OBJECTS_SQL),
                    default="sqlite")
    ap.add_argument("--url", help="server URL (postgres, mysql)")
    ap.add_argument("--label", default="", help="prefix for the message")
    args = ap.parse_args(argv)
    label = args.label + ": " if args.label else ""
    if args.backend != "sqlite" and not args.url:
        ap.error("--backend %s needs --url" % args.backend)
    db = None
    try:
        db = Db(args.backend, args.db, args.url)
        found = problems(db, args.n, args.history)
    except (sqlite3.Error, dbctl.DbError) as e:
        found = ["cannot read %s: %s" % (args.db, e)]
    finally:
        if db:
            db.close()
    if found:
        print("FAILED: %s%s" % (label, "; ".join(found)))
        return 1
    print("ok: %s%d tables, %d indexes, %d rows, %d history rows applied" % (
        label, args.n, args.n, 2 * args.n, args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
