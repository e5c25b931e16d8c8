#!/usr/bin/env python3
"""Database servers for the benchmark: URLs, fresh databases, queries.

Usage:
    dbctl.py url URL DB                 print URL with its database set to DB
    dbctl.py redact URL                 print URL with the password hidden
    dbctl.py mycnf URL FILE             write a MySQL option file (mode 0600)
                                        with URL's user, password, host, port
    dbctl.py recreate BACKEND URL DB    drop database DB if it exists, create it
    dbctl.py drop BACKEND URL DB        drop database DB if it exists
    dbctl.py query BACKEND URL DB SQL   run SQL in DB ("": the URL's own),
                                        print rows tab-separated

BACKEND is postgres or mysql. URL is a server URL as strata takes it
(postgres://user[:password]@host:port/db, mysql://user[:password]@host:port/db)
for a user that may create and drop databases; its own database is only used
to connect for CREATE / DROP DATABASE (PostgreSQL; default `postgres`).

Everything goes through the servers' own command-line clients (`psql`,
`mariadb` or `mysql`), so this needs no driver module. A MySQL password is
handed to the client in a private option file, never on its command line,
and no message of this script prints one.

Standard library only. check.py imports this file.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

SEP = "\x1f"  # field separator of psql's output: never in our data


class DbError(Exception):
    pass


def redact(url):
    """URL with its password, if any, replaced by ***."""
    p = urllib.parse.urlsplit(url)
    if p.password is None:
        return url
    user = p.username or ""
    host = p.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(
        (p.scheme, "%s:***@%s" % (user, host), p.path, p.query, p.fragment))


def with_db(url, db):
    """URL with its database (path) replaced by db."""
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(
        (p.scheme, p.netloc, "/" + urllib.parse.quote(db), p.query, p.fragment))


def url_db(url):
    p = urllib.parse.urlsplit(url)
    return urllib.parse.unquote(p.path.lstrip("/"))


def check_ident(db):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", db or ""):
        raise DbError("bad database name %r (letters, digits, _ only)" % db)
    return db


def mysql_client():
    for name in ("mariadb", "mysql"):
        path = shutil.which(name)
        if path:
            return path
    raise DbError("neither the mariadb nor the mysql client is installed")


def mycnf_text(url):
    p = urllib.parse.urlsplit(url)
    q = urllib.parse.parse_qs(p.query)
    lines = ["[client]"]
    if p.username:
        lines.append("user=%s" % urllib.parse.unquote(p.username))
    if p.password is not None:
        lines.append("password=%s" % urllib.parse.unquote(p.password))
    if "socket" in q:
        lines.append("socket=%s" % q["socket"][0])
    else:
        lines.append("host=%s" % (p.hostname or "127.0.0.1"))
        lines.append("protocol=tcp")
    if p.port:
        lines.append("port=%d" % p.port)
    return "\n".join(lines) + "\n"


def write_mycnf(url, path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(mycnf_text(url))


def _run(argv, what, stdin=None):
    try:
        r = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    except OSError as e:
        raise DbError("%s: cannot run %s: %s" % (what, argv[0], e))
    if r.returncode != 0:
        msg = " ".join(line.strip() for line in
                       (r.stderr.strip() or r.stdout.strip()).splitlines())
        raise DbError("%s: %s" % (what, msg or
                                  "%s exited %d" % (argv[0], r.returncode)))
    return r.stdout


def query(backend, url, db, sql):
    """Runs sql in database db (empty: the URL's own); returns the rows as
    lists of strings."""
    what = "%s %s" % (backend, db or "server")
    if backend == "postgres":
        out = _run(["psql", "-X", "-q", "-A", "-t", "-F", SEP,
                    "-v", "ON_ERROR_STOP=1",
                    "-d", with_db(url, db) if db else url,
                    "-f", "-"], what, stdin=sql)
        return [line.split(SEP) for line in out.splitlines() if line != ""]
    if backend == "mysql":
        with tempfile.NamedTemporaryFile("w", prefix="bench-my-",
                                         suffix=".cnf") as f:
            os.chmod(f.name, 0o600)
            f.write(mycnf_text(url))
            f.flush()
            argv = [mysql_client(), "--defaults-file=" + f.name, "-N", "-B"]
            db = db or url_db(url)
            if db:
                argv.append(db)
            out = _run(argv, what, stdin=sql)
        return [line.split("\t") for line in out.splitlines() if line != ""]
    raise DbError("unknown backend %r" % backend)


def recreate(backend, url, db, create=True):
    check_ident(db)
    if backend == "postgres":
        admin = url_db(url) or "postgres"
        for sql in ['DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db] + (
                ['CREATE DATABASE "%s"' % db] if create else []):
            # One statement per call: CREATE/DROP DATABASE refuse to run
            # inside the implicit transaction of a multi-statement query.
            query(backend, url, admin, sql + ";")
    elif backend == "mysql":
        sql = "DROP DATABASE IF EXISTS `%s`;" % db
        if create:
            sql += " CREATE DATABASE `%s` CHARACTER SET utf8mb4;" % db
        query(backend, url, None, sql)
    else:
        raise DbError("unknown backend %r" % backend)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    cmd, args = argv[0], argv[1:]
    want = {"url": 2, "redact": 1, "mycnf": 2, "recreate": 3, "drop": 3,
            "query": 4}
    if want.get(cmd) != len(args):
        print("dbctl.py: usage error (see --help)", file=sys.stderr)
        return 2
    try:
        if cmd == "url":
            print(with_db(args[0], args[1]))
        elif cmd == "redact":
            print(redact(args[0]))
        elif cmd == "mycnf":
            write_mycnf(args[0], args[1])
        elif cmd == "recreate":
            recreate(args[0], args[1], args[2])
        elif cmd == "drop":
            recreate(args[0], args[1], args[2], create=False)
        elif cmd == "query":
            for row in query(args[0], args[1], args[2], args[3]):
                print("\t".join(row))
    except DbError as e:
        print("dbctl.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
