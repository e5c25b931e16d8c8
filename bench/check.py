#!/usr/bin/env python3
"""Check that a benchmark database holds everything gen.py's N migrations do.

Usage:
    check.py DB N --history TABLE [--label TEXT]

Checks, with SQLite itself (Python's sqlite3 module, read-only):
  - the N tables bench_t1..bench_tN exist, each with its index and 2 rows;
  - no other bench_t* table exists;
  - TABLE holds exactly the N versions of the migrations, as applied:
    for strata's layout (a `state` column) every one has state 'applied'
    (strata's own '~format' row is not a migration and is not counted);
    for dbmate's `schema_migrations` (version only) the N versions are there.

Prints one line, "ok: ..." or "FAILED: ...", and exits 0 or 1.
Standard library only.
"""

import argparse
import sqlite3
import sys

START = 20240101000000  # keep in step with gen.py's DEFAULT_START


def problems(db, n, history):
    conn = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        out = []
        names = {r[0]: r[1] for r in conn.execute(
            "SELECT name, type FROM sqlite_master "
            "WHERE name GLOB 'bench_t*'")}
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
        bad_rows = 0
        for t in sorted(want & tables):
            if conn.execute("SELECT count(*) FROM %s" % t).fetchone()[0] != 2:
                bad_rows += 1
        if bad_rows:
            out.append("rows: %d tables do not hold exactly 2 rows" % bad_rows)

        cols = [r[1] for r in conn.execute(
            "SELECT * FROM pragma_table_info(?)", (history,))]
        if not cols:
            out.append("history table %s does not exist" % history)
            return out
        if "state" in cols:
            rows = conn.execute(
                "SELECT version, state FROM %s WHERE version <> '~format'" %
                history).fetchall()
        else:
            rows = [(str(r[0]), "applied") for r in conn.execute(
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
    finally:
        conn.close()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("n", type=int)
    ap.add_argument("--history", required=True, help="history table name")
    ap.add_argument("--label", default="", help="prefix for the message")
    args = ap.parse_args(argv)
    label = args.label + ": " if args.label else ""
    try:
        found = problems(args.db, args.n, args.history)
    except sqlite3.Error as e:
        found = ["cannot read %s: %s" % (args.db, e)]
    if found:
        print("FAILED: %s%s" % (label, "; ".join(found)))
        return 1
    print("ok: %s%d tables, %d indexes, %d rows, %d history rows applied" % (
        label, args.n, args.n, 2 * args.n, args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
