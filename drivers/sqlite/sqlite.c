/*
 * drivers/sqlite/sqlite.c - the SQLite driver.
 *
 * Exports one symbol, `strata_driver_sqlite`; everything else is static.
 *
 * URLs
 *   sqlite:path, sqlite3:path      relative or absolute path
 *   sqlite:///abs/path             three slashes: the absolute /abs/path
 *   sqlite://rel/path              two slashes: the relative rel/path
 *   sqlite::memory:                an in-memory database
 * The path is percent-decoded. A query string is stripped; its
 * busy_timeout=MS (or _busy_timeout=MS) sets SQLite's busy timeout
 * (default 5000 ms); SQLite's URI parameters (mode, cache, vfs...) and
 * go-sqlite3's (_fk, _journal_mode...) are accepted and ignored; any
 * other parameter is refused.
 *
 * The migration lock
 *   flock(LOCK_EX) on a descriptor of the database file that the driver
 *   opens itself on the first lock(). flock locks are independent of the
 *   POSIX (fcntl) locks SQLite takes, and the kernel drops them when the
 *   process dies. But closing ANY descriptor of a file drops every POSIX
 *   lock the process holds on it, so the lock descriptor is never closed
 *   while SQLite may hold locks: unlock() only does flock(LOCK_UN), a later
 *   lock() reuses the descriptor, and close() closes it after
 *   sqlite3_close(). (Another connection of the same process that closes
 *   its own lock descriptor while this one is inside a transaction would
 *   still drop this one's POSIX locks: one migrating connection per file
 *   and process, as strata uses it.) `key` is ignored: one lock per
 *   database file. For :memory: databases lock/unlock do nothing.
 *
 * The history table
 *   Created with TEXT/INTEGER columns; applied_at holds
 *   'YYYY-MM-DDTHH:MM:SS.sssZ' (UTC) written by SQLite itself, duration_ms
 *   integer milliseconds. Every write binds its values. The format row
 *   (version "~format") is stored with state "meta" and listed with state
 *   STRATA_STATE_PENDING (0).
 *
 * Ownership: open() allocates the sq_conn that close() frees; strings
 * handed out (history rows, dump, version) are malloc'd and owned by the
 * caller.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sqlite_api.h"

#include <strata/driver.h>

#define SQ_DEFAULT_BUSY_MS 5000
#define SQ_MEMORY ":memory:"
#define SQ_LOCK_POLL_MIN_NS 10000000L  /* 10 ms */
#define SQ_LOCK_POLL_MAX_NS 50000000L  /* 50 ms */
/* Current UTC time as 'YYYY-MM-DDTHH:MM:SS.sssZ'; the %% are there
 * because it goes into sqlite3_mprintf() formats (sq_history_sql). */
#define SQ_NOW_ISO "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now')"
#define SQ_HISTORY_COLUMNS \
	"version, name, checksum, state, statements_done, statements_total, " \
	"down_sql, applied_at, duration_ms, applied_by, last_error"

/* A connection: the strata_conn base first, as driver.h requires. */
typedef struct sq_conn {
	strata_conn base;
	sqlite3 *db;
	char *path;      /* the decoded path from the URL; owned */
	int memory;      /* an in-memory database: no lock, no file */
	int lock_fd;     /* -1 until the first lock(); closed in close() */
	int cache_mark;  /* page cache bytes that trigger a trim; see sq_trim */
	int cache_measure; /* set after a trim: measure the working set */
} sq_conn;

/* A parsed URL. `path` is malloc'd and owned by whoever holds it. */
typedef struct sq_url {
	char *path;
	int busy_ms;
	int memory;
	/* go-sqlite3's connection settings, as dbmate URLs carry them:
	 * NULL / -1 when not given (SQLite's defaults stay) */
	const char *journal;   /* _journal_mode: "WAL", "DELETE"... */
	const char *sync;      /* _synchronous: "OFF", "NORMAL"... */
	int fk;                /* _foreign_keys: 0 or 1 */
	int mode;              /* mode= of SQLite's URIs: SQ_MODE_* */
} sq_url;

#define SQ_MODE_RWC 0      /* read and write, create when missing */
#define SQ_MODE_RW 1       /* read and write, never create */
#define SQ_MODE_RO 2       /* read only */

/* A history table name split and quoted. All strings are owned here and
 * released with sq_name_free(); `schema` is NULL when unqualified. */
typedef struct sq_name {
	char *quoted;    /* "schema"."table" or "table", ready for SQL */
	char *schema;
	char *table;
} sq_name;

/* The one exported symbol, defined at the end of this file. */
extern const strata_driver strata_driver_sqlite;

static const char *const sq_schemes[] = { "sqlite", "sqlite3", NULL };

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/* Fills `err` from the connection's last SQLite error. `rc` is the result
 * code that failed. Returns STRATA_ESQL (STRATA_ENOMEM when out of
 * memory). */
static int sq_fail(sq_conn *c, int rc, strata_error *err)
{
	int code = (rc & 0xff) == SQLITE_NOMEM ? STRATA_ENOMEM : STRATA_ESQL;
	strata_error_set(err, code, "%s", sqlite3_errmsg(c->db));
	err->native_code = sqlite3_extended_errcode(c->db);
	err->sqlstate[0] = '\0';
	return code;
}

static int sq_nomem(strata_error *err)
{
	return strata_error_set(err, STRATA_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------------ */
/* URLs                                                                 */
/* ------------------------------------------------------------------ */

/* Percent-decodes `len` bytes of `s` into a new string in *out. */
static int sq_url_decode(char **out, const char *s, size_t len,
                         strata_error *err)
{
	const char *why;
	int rc = strata_url_decode(out, s, len, &why);
	if (rc == STRATA_ENOMEM)
		return sq_nomem(err);
	if (rc)
		return strata_error_set(err, STRATA_EURL, "%s in the SQLite URL path", why);
	return 0;
}

/* Parses the integer value of a busy_timeout parameter. */
static int sq_url_busy(int *out, const char *v, size_t len, strata_error *err)
{
	char buf[32];
	char *end;
	if (len == 0 || len >= sizeof(buf))
		goto bad;
	memcpy(buf, v, len);
	buf[len] = '\0';
	errno = 0;
	long ms = strtol(buf, &end, 10);
	if (errno || *end || ms < 0 || ms > INT_MAX)
		goto bad;
	*out = (int)ms;
	return 0;
bad:
	return strata_error_set(err, STRATA_EURL,
	                        "invalid busy_timeout \"%.*s\" in SQLite URL (milliseconds expected)",
	                        (int)(len < 32 ? len : 32), v);
}

/* Whether key `k` (length n) is `a` or `b`. */
static int sq_key(const char *k, size_t n, const char *a, const char *b)
{
	return (strlen(a) == n && strncmp(k, a, n) == 0) ||
	       (b && strlen(b) == n && strncmp(k, b, n) == 0);
}

/* The value `v` (length len) among `names` (case does not matter):
 * the name as listed, or NULL. */
static const char *sq_pick(const char *const *names, const char *v, size_t len)
{
	for (; *names; names++)
		if (strlen(*names) == len && strncasecmp(*names, v, len) == 0)
			return *names;
	return NULL;
}

/* The URL parameters that change how the file is opened: go-sqlite3's
 * _journal_mode (_journal), _synchronous (_sync) and _foreign_keys (_fk),
 * PRAGMAs once the connection is open, and SQLite's own mode=ro|rw|rwc.
 * Returns 1 when `k` is one of them (then 0 or an error in *rc). */
static int sq_url_pragma(sq_url *u, const char *k, size_t klen,
                         const char *v, size_t vlen, int *rc, strata_error *err)
{
	static const char *const journals[] = { "DELETE", "TRUNCATE", "PERSIST",
	                                        "MEMORY", "WAL", "OFF", NULL };
	static const char *const syncs[] = { "OFF", "NORMAL", "FULL", "EXTRA",
	                                     "0", "1", "2", "3", NULL };
	static const char *const yes[] = { "1", "yes", "true", "on", NULL };
	static const char *const no[] = { "0", "no", "false", "off", NULL };
	const char *what, *known;
	*rc = 0;
	if (sq_key(k, klen, "_journal_mode", "_journal")) {
		if ((u->journal = sq_pick(journals, v, vlen)) != NULL)
			return 1;
		what = "_journal_mode";
		known = "DELETE, TRUNCATE, PERSIST, MEMORY, WAL, OFF";
	} else if (sq_key(k, klen, "_synchronous", "_sync")) {
		if ((u->sync = sq_pick(syncs, v, vlen)) != NULL)
			return 1;
		what = "_synchronous";
		known = "OFF, NORMAL, FULL, EXTRA or 0-3";
	} else if (sq_key(k, klen, "_foreign_keys", "_fk")) {
		if (sq_pick(yes, v, vlen) || sq_pick(no, v, vlen)) {
			u->fk = sq_pick(yes, v, vlen) != NULL;
			return 1;
		}
		what = "_foreign_keys";
		known = "1, yes, true, on, 0, no, false, off";
	} else if (sq_key(k, klen, "mode", NULL)) {
		static const char *const modes[] = { "rwc", "rw", "ro", NULL };
		const char *m = sq_pick(modes, v, vlen);
		if (m) {
			u->mode = m[1] != 'w' ? SQ_MODE_RO : m[2] ? SQ_MODE_RWC : SQ_MODE_RW;
			return 1;
		}
		what = "mode";
		known = "rwc, rw or ro";
	} else {
		return 0;
	}
	*rc = strata_error_set(err, STRATA_EURL,
	                       "invalid %s \"%.*s\" in the SQLite URL (%s)",
	                       what, (int)(vlen < 32 ? vlen : 32), v, known);
	return 1;
}

/* Whether `k` is a parameter that SQLite URIs (mode, cache, vfs...) or
 * go-sqlite3 DSNs (_loc, _txlock...: dbmate's URLs) carry, which strata
 * accepts and leaves alone. */
static int sq_url_ignored(const char *k, size_t n)
{
	static const char *const names[] = { "cache", "vfs", "psow",
	                                     "nolock", "immutable", NULL };
	if (n > 1 && k[0] == '_')
		return 1;
	for (const char *const *s = names; *s; s++)
		if (strlen(*s) == n && strncmp(k, *s, n) == 0)
			return 1;
	return 0;
}

/* Reads the query string `q` (after '?'): busy_timeout; the parameters
 * of sq_url_ignored(); anything else is refused (a typo such as
 * busy_timout must not pass silently). */
static int sq_url_params(sq_url *u, const char *q, strata_error *err)
{
	while (*q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);
		size_t klen = eq ? (size_t)(eq - q) : n;
		int rc = 0;
		if (eq && (sq_key(q, klen, "busy_timeout", "_busy_timeout") ||
		           sq_key(q, klen, "_timeout", NULL))) {
			rc = sq_url_busy(&u->busy_ms, eq + 1, n - klen - 1, err);
			if (rc)
				return rc;
		} else if (sq_url_pragma(u, q, klen, eq ? eq + 1 : q + n,
		                         eq ? n - klen - 1 : 0, &rc, err)) {
			if (rc)
				return rc;
		} else if (n && !sq_url_ignored(q, klen)) {
			int shown = klen > 64 ? 64 : (int)klen;
			return strata_error_set(err, STRATA_EURL,
			                        "unknown parameter \"%.*s\" in the SQLite URL (known: busy_timeout; SQLite's mode, cache, vfs...; go-sqlite3's _name=...)",
			                        shown, q);
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

/* Parses a whole sqlite: URL into `u` (u->path to free on success). */
static int sq_url_parse(sq_url *u, const char *url, strata_error *err)
{
	memset(u, 0, sizeof(*u));
	u->busy_ms = SQ_DEFAULT_BUSY_MS;
	u->fk = -1;
	const char *p = url ? strchr(url, ':') : NULL;
	if (!p)
		return strata_error_set(err, STRATA_EURL,
		                        "malformed SQLite URL: expected sqlite:path");
	p++;
	if (strncmp(p, "//", 2) == 0)
		p += 2; /* "///abs" keeps its third slash, "//rel" is relative */
	size_t plen = strcspn(p, "?");
	if (p[plen] == '?') {
		int rc = sq_url_params(u, p + plen + 1, err);
		if (rc)
			return rc;
	}
	if (plen == 0)
		return strata_error_set(err, STRATA_EURL, "sqlite URL has no file path");
	int rc = sq_url_decode(&u->path, p, plen, err);
	if (rc)
		return rc;
	u->memory = strcmp(u->path, SQ_MEMORY) == 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Statements                                                           */
/* ------------------------------------------------------------------ */

/* Skips whitespace and comments from `p`: where a statement starts. */
static const char *sq_skip_space(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f' || *p == '\v') {
			p++;
		} else if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			const char *q = p + 2;
			while (q + 1 < end && !(q[0] == '*' && q[1] == '/'))
				q++;
			if (q + 1 >= end)
				return p; /* unterminated: SQLite will say so */
			p = q + 2;
		} else {
			break;
		}
	}
	return p;
}

/* Fills `err` for a statement of `sql` starting at `at` that failed with
 * `rc`. `offset` is SQLite's error offset within the text passed to
 * prepare (starting at `at`), or -1. */
static int sq_stmt_fail(sq_conn *c, int rc, const char *sql, const char *at,
                        const char *end, int offset, strata_error *err)
{
	int code = sq_fail(c, rc, err);
	if (offset >= 0 && offset < end - at)
		err->position = (long)(at - sql) + offset + 1;
	else
		err->position = (long)(sq_skip_space(at, end) - sql) + 1;
	return code;
}

/* Steps a prepared statement to the end, discarding rows. */
static int sq_step_all(sqlite3_stmt *st)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int sq_prepare_offset(sq_conn *c)
{
#if SQLITE_VERSION_NUMBER >= 3038000
	return sqlite3_error_offset(c->db);
#else
	(void)c;
	return -1;
#endif
}

/* The exec slot: every statement of `sql` (len bytes) in turn, with the
 * prepare/tail loop, so PRAGMAs and row-returning statements work. */
static int sq_exec(strata_conn *conn, const char *sql, size_t len,
                   strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	if (len > INT_MAX)
		return strata_error_set(err, STRATA_EINVAL, "SQL text too long for SQLite");
	const char *p = sql, *end = sql + len;
	while (p < end) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2(c->db, p, (int)(end - p), &st, &tail);
		if (rc != SQLITE_OK)
			return sq_stmt_fail(c, rc, sql, p, end, sq_prepare_offset(c), err);
		if (st) {
			rc = sq_step_all(st);
			if (rc != SQLITE_OK) {
				sq_stmt_fail(c, rc, sql, p, end, -1, err);
				sqlite3_finalize(st);
				return err->code;
			}
			sqlite3_finalize(st);
		}
		if (!tail || tail <= p)
			break;
		p = tail;
	}
	return 0;
}

/* Runs one statement of the driver's own (not the user's): no position. */
static int sq_exec_own(sq_conn *c, const char *sql, strata_error *err)
{
	int rc = sq_exec(&c->base, sql, strlen(sql), err);
	if (rc)
		err->position = 0;
	return rc;
}

/* Prepares one statement of the driver's own into *st. */
static int sq_prepare(sq_conn *c, const char *sql, sqlite3_stmt **st,
                      strata_error *err)
{
	int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return sq_fail(c, rc, err);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connections                                                          */
/* ------------------------------------------------------------------ */

/* Out of memory while opening is not a connection problem: the CLI
 * says so with its own exit code instead of "cannot connect". */
static int sq_open_code(int rc)
{
	return (rc & 0xff) == SQLITE_NOMEM ? STRATA_ENOMEM : STRATA_ECONNECT;
}

/* Reads the schema once: SQLite opens files lazily, so this is what
 * reports "file is not a database" and unreadable files at open time. */
static int sq_probe(sq_conn *c, strata_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master",
	                            -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sq_step_all(st);
	if (rc == SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	int code = sq_open_code(rc);
	strata_error_set(err, code, "cannot open SQLite database %s: %s",
	                 c->path, sqlite3_errmsg(c->db));
	err->native_code = sqlite3_extended_errcode(c->db);
	sqlite3_finalize(st);
	return code;
}

/* Opens the file, creating it unless `existing` (STRATA_OPEN_EXISTING):
 * then a file that is not there is STRATA_ENOTFOUND and nothing is made.
 * A strata handle is used by one thread at a time, so SQLite's own
 * mutexes on the connection (NOMUTEX) would only cost time. */
/* Runs one PRAGMA of the URL's on the new connection; `want` (or NULL)
 * is the value it should report back (journal_mode answers with the mode
 * it kept: WAL cannot be had for :memory:). */
static int sq_url_pragma_run(sq_conn *c, const char *sql, const char *want,
                             strata_error *err)
{
	sqlite3_stmt *st = NULL;
	int s = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (s == SQLITE_OK) {
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			const char *got = (const char *)sqlite3_column_text(st, 0);
			if (want && got && strcasecmp(got, want) != 0)
				strata_conn_log(&c->base, STRATA_LOG_WARN,
				                "SQLite kept journal mode %s for %s (the URL asks for %s)",
				                got, c->memory ? SQ_MEMORY : c->path, want);
		}
	}
	if (s == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	int code = sq_open_code(s);
	strata_error_set(err, code, "cannot open SQLite database %s: %s: %s",
	                 c->memory ? SQ_MEMORY : c->path, sql, sqlite3_errmsg(c->db));
	err->native_code = sqlite3_extended_errcode(c->db);
	sqlite3_finalize(st);
	return code;
}

/* The URL's go-sqlite3 settings (_journal_mode, _synchronous,
 * _foreign_keys), as PRAGMAs on the new connection. */
static int sq_url_apply(sq_conn *c, const sq_url *u, strata_error *err)
{
	char sql[64];
	int rc = 0;
	if (u->journal) {
		snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", u->journal);
		rc = sq_url_pragma_run(c, sql, u->journal, err);
	}
	if (!rc && u->sync) {
		snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s", u->sync);
		rc = sq_url_pragma_run(c, sql, NULL, err);
	}
	if (!rc && u->fk >= 0)
		rc = sq_url_pragma_run(c, u->fk ? "PRAGMA foreign_keys=ON"
		                                : "PRAGMA foreign_keys=OFF", NULL, err);
	return rc;
}

static int sq_connect(sq_conn *c, const sq_url *u, int existing,
                      strata_error *err)
{
	int busy_ms = u->busy_ms;
	int flags = SQLITE_OPEN_NOMUTEX |
	            (u->mode == SQ_MODE_RO ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
	if (c->memory || (!existing && u->mode == SQ_MODE_RWC))
		flags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(c->path, &c->db, flags, NULL);
	struct stat st;
	if (rc != SQLITE_OK && !(flags & SQLITE_OPEN_CREATE) &&
	    (rc & 0xff) == SQLITE_CANTOPEN && stat(c->path, &st) != 0 &&
	    errno == ENOENT) {
		/* the caller's STRATA_OPEN_EXISTING, or the URL's mode=ro / rw */
		int code = existing ? STRATA_ENOTFOUND : STRATA_ECONNECT;
		strata_error_set(err, code, "SQLite database %s does not exist%s", c->path,
		                 existing ? "" : u->mode == SQ_MODE_RO
		                 ? " (the URL says mode=ro)" : " (the URL says mode=rw)");
		return code;
	}
	if (rc != SQLITE_OK) {
		const char *msg = c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
		int code = sq_open_code(rc);
		strata_error_set(err, code, "cannot open SQLite database %s: %s",
		                 c->path, msg);
		err->native_code = c->db ? sqlite3_extended_errcode(c->db) : rc;
		return code;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, busy_ms);
	rc = sq_probe(c, err);
	if (!rc)
		rc = sq_url_apply(c, u, err);
	if (rc)
		return rc;
	strata_conn_log(&c->base, STRATA_LOG_DEBUG,
	                "connected to SQLite %s, database %s (busy timeout %d ms)",
	                sqlite3_libversion(), c->memory ? SQ_MEMORY : c->path,
	                busy_ms);
	return 0;
}

static void sq_close(strata_conn *conn)
{
	if (!conn)
		return;
	sq_conn *c = (sq_conn *)conn;
	if (c->db)
		sqlite3_close_v2(c->db);
	/* Only now: closing it earlier could drop SQLite's POSIX locks. */
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->path);
	free(c);
}

static int sq_open(strata_conn **out, const strata_conn_config *cfg,
                   strata_error *err)
{
	*out = NULL;
	int lrc = sq_load(err);
	if (lrc)
		return lrc;
	sq_url u;
	int rc = sq_url_parse(&u, cfg->url, err);
	if (rc)
		return rc;
	sq_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		free(u.path);
		return sq_nomem(err);
	}
	strata_conn_init(&c->base, &strata_driver_sqlite, cfg);
	c->path = u.path;
	c->memory = u.memory;
	c->lock_fd = -1;
	rc = sq_connect(c, &u,
	                cfg->version >= 2 && (cfg->flags & STRATA_OPEN_EXISTING), err);
	if (rc) {
		sq_close(&c->base);
		return rc;
	}
	*out = &c->base;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Transactions                                                         */
/* ------------------------------------------------------------------ */

static int sq_begin(strata_conn *conn, strata_error *err)
{
	return sq_exec_own((sq_conn *)conn, "BEGIN IMMEDIATE", err);
}

/* The page cache between migrations. SQLite keeps every page a
 * connection touched, up to cache_size (2 MiB by default), and most pages a
 * run touches are those of tables and indexes that earlier migrations
 * created and no later one reads again: at 100 migrations of the benchmark
 * they are 0.8 of its 1.2 MB of heap. After a commit, once the cache holds
 * more than twice the working set measured after the last trim (and at
 * least SQ_CACHE_FLOOR), its clean pages are dropped. The pages each
 * migration does read again (sqlite_master, the history table) come back
 * from the OS page cache, once per trim: the trims get rarer as the
 * working set grows, so a run of 1,000 pays about 2,000 extra pread()s,
 * where trimming after every commit cost 38,000. Within a migration nothing
 * changes: a large data migration keeps the whole cache. */
#define SQ_CACHE_FLOOR (256 * 1024)

static void sq_trim(sq_conn *c)
{
	int cur = 0, high = 0;
	if (sqlite3_db_status(c->db, SQLITE_DBSTATUS_CACHE_USED, &cur, &high,
	                      0) != SQLITE_OK)
		return;
	if (c->cache_measure) {
		c->cache_measure = 0;
		c->cache_mark = cur > SQ_CACHE_FLOOR / 2 ? 2 * cur : SQ_CACHE_FLOOR;
	} else if (cur > (c->cache_mark ? c->cache_mark : SQ_CACHE_FLOOR)) {
		sqlite3_db_release_memory(c->db);
		c->cache_measure = 1;
	}
}

static int sq_commit(strata_conn *conn, strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	int rc = sq_exec_own(c, "COMMIT", err);
	if (!rc)
		sq_trim(c);
	return rc;
}

/* Safe after SQLite already rolled the transaction back by itself. */
static int sq_rollback(strata_conn *conn, strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	if (sqlite3_get_autocommit(c->db))
		return 0;
	return sq_exec_own(c, "ROLLBACK", err);
}

/* ------------------------------------------------------------------ */
/* The migration lock                                                   */
/* ------------------------------------------------------------------ */

static const char *sq_file(sq_conn *c)
{
	const char *f = sqlite3_db_filename(c->db, "main");
	return f && *f ? f : c->path;
}

static int sq_lock_fd(sq_conn *c, strata_error *err)
{
	if (c->lock_fd >= 0)
		return 0;
	c->lock_fd = open(sq_file(c), O_RDWR | O_CLOEXEC);
	if (c->lock_fd < 0)
		return strata_error_set(err, STRATA_EIO,
		                        "cannot open %s for the migration lock: %s",
		                        sq_file(c), strerror(errno));
	return 0;
}

/* 1 when locked, 0 when held elsewhere, <0 on error. */
static int sq_lock_try(sq_conn *c, strata_error *err)
{
	for (;;) {
		if (flock(c->lock_fd, LOCK_EX | LOCK_NB) == 0)
			return 1;
		if (errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return strata_error_set(err, STRATA_EIO,
			                        "cannot lock %s: %s", sq_file(c),
			                        strerror(errno));
	}
}

/* The pid holding a flock on the file of `fd`, from /proc/locks; 0 when
 * unknown. Lines look like "3: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF". */
static long sq_lock_holder(int fd)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		return 0;
	FILE *f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	char line[256];
	long pid = 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		char kind[16], dev[64];
		long p;
		if (sscanf(line, "%*d: %15s %*s %*s %ld %63s", kind, &p, dev) != 3 ||
		    strcmp(kind, "FLOCK") != 0)
			continue;
		const char *ino = strrchr(dev, ':');
		if (ino && strtoull(ino + 1, NULL, 10) == (unsigned long long)sb.st_ino &&
		    p > 0)
			pid = p;
	}
	fclose(f);
	return pid;
}

static void sq_lock_wait_event(sq_conn *c)
{
	if (!c->base.on_event)
		return; /* no look at /proc/locks then */
	long pid = sq_lock_holder(c->lock_fd);
	if (pid > 0)
		strata_conn_lock_wait(&c->base, "waiting for the migration lock on %s (held by pid %ld)",
		                      sq_file(c), pid);
	else
		strata_conn_lock_wait(&c->base, "waiting for the migration lock on %s (held by "
		                      "another strata process)", sq_file(c));
}

/* Polls for the lock with growing sleeps until `timeout` (< 0: forever). */
static int sq_lock_wait(sq_conn *c, double timeout, strata_error *err)
{
	double deadline = strata_clock_now() + timeout;
	long delay = SQ_LOCK_POLL_MIN_NS;
	sq_lock_wait_event(c);
	for (;;) {
		long ns = delay;
		if (timeout >= 0) {
			double left = deadline - strata_clock_now();
			if (left <= 0)
				break;
			if (left * 1e9 < (double)ns)
				ns = (long)(left * 1e9) + 1;
		}
		strata_sleep((double)(ns) / 1e9);
		int got = sq_lock_try(c, err);
		if (got)
			return got < 0 ? got : 0;
		delay = delay * 2 > SQ_LOCK_POLL_MAX_NS ? SQ_LOCK_POLL_MAX_NS : delay * 2;
	}
	return strata_error_set(err, STRATA_ELOCK,
	                        "timed out after %g s waiting for the migration lock on %s",
	                        timeout, sq_file(c));
}

static int sq_lock(strata_conn *conn, const char *key, double timeout,
                   strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	(void)key;
	if (c->memory)
		return 0;
	int rc = sq_lock_fd(c, err);
	if (rc)
		return rc;
	int got = sq_lock_try(c, err);
	if (got)
		return got < 0 ? got : 0;
	if (timeout == 0)
		return strata_error_set(err, STRATA_ELOCK,
		                        "timed out after 0 s waiting for the migration lock on %s",
		                        sq_file(c));
	return sq_lock_wait(c, timeout, err);
}

/* Never closes the descriptor: that could drop SQLite's POSIX locks. */
static int sq_unlock(strata_conn *conn, const char *key, strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	(void)key;
	if (c->memory || c->lock_fd < 0)
		return 0;
	if (flock(c->lock_fd, LOCK_UN) != 0)
		return strata_error_set(err, STRATA_EIO, "cannot unlock %s: %s",
		                        sq_file(c), strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------ */
/* History table names                                                  */
/* ------------------------------------------------------------------ */

static void sq_name_free(sq_name *n)
{
	sqlite3_free(n->quoted);
	free(n->schema);
	free(n->table);
	memset(n, 0, sizeof(*n));
}

/* Splits "schema.table" or "table" and quotes each part. */
static int sq_name_parse(sq_name *n, const char *table, strata_error *err)
{
	memset(n, 0, sizeof(*n));
	const char *dot = table ? strchr(table, '.') : NULL;
	if (!table || !*table || (dot && (dot == table || !dot[1] ||
	                                  strchr(dot + 1, '.'))))
		return strata_error_set(err, STRATA_EINVAL,
		                        "invalid history table name \"%s\" (expected table or schema.table)",
		                        table ? table : "");
	if (dot) {
		n->schema = strndup(table, (size_t)(dot - table));
		n->table = strdup(dot + 1);
		if (n->schema && n->table)
			n->quoted = sqlite3_mprintf("\"%w\".\"%w\"", n->schema, n->table);
	} else {
		n->table = strdup(table);
		if (n->table)
			n->quoted = sqlite3_mprintf("\"%w\"", n->table);
	}
	if (!n->quoted) {
		sq_name_free(n);
		return sq_nomem(err);
	}
	return 0;
}

/* Formats a statement about the history table (`fmt` has one %s for the
 * quoted name); sqlite3_free() the result. */
static char *sq_history_sql(const sq_name *n, const char *fmt)
{
	return sqlite3_mprintf(fmt, n->quoted);
}

/* ------------------------------------------------------------------ */
/* History: ensure and list                                             */
/* ------------------------------------------------------------------ */

static int sq_history_ensure(strata_conn *conn, const char *table,
                             strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	sq_name n;
	int rc = sq_name_parse(&n, table, err);
	if (rc)
		return rc;
	char *sql = sq_history_sql(&n,
		"CREATE TABLE IF NOT EXISTS %s ("
		"version TEXT NOT NULL PRIMARY KEY, "
		"name TEXT NOT NULL, "
		"checksum TEXT, "
		"state TEXT NOT NULL, "
		"statements_done INTEGER NOT NULL DEFAULT 0, "
		"statements_total INTEGER NOT NULL DEFAULT 0, "
		"down_sql TEXT, "
		"applied_at TEXT NOT NULL, "
		"duration_ms REAL NOT NULL DEFAULT 0, "
		"applied_by TEXT, "
		"last_error TEXT)");
	rc = sql ? sq_exec_own(c, sql, err) : sq_nomem(err);
	sqlite3_free(sql);
	sq_name_free(&n);
	return rc;
}

/* Sets *exists to whether the table `n` is there (schema respected). */
static int sq_history_exists(sq_conn *c, const sq_name *n, int *exists,
                             strata_error *err)
{
	sqlite3_stmt *st;
	int rc = sq_prepare(c, n->schema ?
	                    "SELECT count(*) FROM pragma_table_info(?1, ?2)" :
	                    "SELECT count(*) FROM pragma_table_info(?1)", &st, err);
	if (rc)
		return rc;
	int s = sqlite3_bind_text(st, 1, n->table, -1, SQLITE_STATIC);
	if (s == SQLITE_OK && n->schema)
		s = sqlite3_bind_text(st, 2, n->schema, -1, SQLITE_STATIC);
	if (s == SQLITE_OK)
		s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*exists = sqlite3_column_int(st, 0) > 0;
		rc = 0;
	} else {
		rc = sq_fail(c, s, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The text of column `i`, NULL for SQL NULL; sets *nomem when SQLite
 * ran out of memory converting it (it then returns NULL too, which must
 * not pass for an empty or missing value: a lost down_sql or checksum). */
static const char *sq_column_text(sqlite3_stmt *st, int i, int *nomem)
{
	*nomem = 0;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const char *s = (const char *)sqlite3_column_text(st, i);
	if (!s) {
		if ((sqlite3_errcode(sqlite3_db_handle(st)) & 0xff) == SQLITE_NOMEM)
			*nomem = 1;
		else
			s = ""; /* a zero-length blob */
	}
	return s;
}

/* Copies text column `i` into *out (NULL for SQL NULL). */
static int sq_column_dup(sqlite3_stmt *st, int i, char **out)
{
	int nomem;
	*out = NULL;
	const char *s = sq_column_text(st, i, &nomem);
	if (nomem)
		return STRATA_ENOMEM;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : STRATA_ENOMEM;
}

/* Fills `row` from the current result row of a SELECT SQ_HISTORY_COLUMNS. */
static int sq_row_read(sqlite3_stmt *st, strata_history_row *row,
                       const char *table, strata_error *err)
{
	const char *cells[11];
	char num[3][32];
	for (int i = 0; i < 11; i++) {
		int nomem = 0;
		cells[i] = i == 4 || i == 5 || i == 8 ? NULL : sq_column_text(st, i, &nomem);
		if (nomem)
			return sq_nomem(err);
	}
	/* the numbers as SQLite holds them, whatever their text looks like */
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)sqlite3_column_int64(st, 4));
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)sqlite3_column_int64(st, 5));
	snprintf(num[2], sizeof(num[2]), "%.17g", sqlite3_column_double(st, 8));
	cells[4] = num[0];
	cells[5] = num[1];
	cells[8] = num[2];
	return strata_history_row_decode(row, cells, table, err);
}

/* Reads every row of `n` ordered by version into *out / *n_out. */
static int sq_history_rows(sq_conn *c, const sq_name *n, const char *table,
                           strata_history_row **out, size_t *n_out,
                           strata_error *err)
{
	char *sql = sq_history_sql(n, "SELECT " SQ_HISTORY_COLUMNS
	                           " FROM %s ORDER BY version");
	if (!sql)
		return sq_nomem(err);
	sqlite3_stmt *st;
	int rc = sq_prepare(c, sql, &st, err);
	sqlite3_free(sql);
	if (rc)
		return rc;
	strata_history_row *rows = NULL;
	size_t count = 0, cap = 0;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			strata_history_row *nr = realloc(rows, ncap * sizeof(*rows));
			if (!nr) {
				rc = sq_nomem(err);
				break;
			}
			rows = nr;
			cap = ncap;
		}
		memset(&rows[count], 0, sizeof(rows[count]));
		rc = sq_row_read(st, &rows[count], table, err);
		count++;
		if (rc)
			break;
	}
	if (!rc && s != SQLITE_DONE)
		rc = sq_fail(c, s, err);
	sqlite3_finalize(st);
	if (rc) {
		strata_history_rows_free(rows, count);
		return rc;
	}
	*out = count ? rows : NULL;
	if (!count)
		free(rows);
	*n_out = count;
	return 0;
}

static int sq_history_list(strata_conn *conn, const char *table,
                           strata_history_row **out, size_t *n, int *exists,
                           strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	*out = NULL;
	*n = 0;
	*exists = 0;
	sq_name name;
	int rc = sq_name_parse(&name, table, err);
	if (rc)
		return rc;
	rc = sq_history_exists(c, &name, exists, err);
	if (!rc && *exists)
		rc = sq_history_rows(c, &name, table, out, n, err);
	sq_name_free(&name);
	return rc;
}

/* ------------------------------------------------------------------ */
/* History: writes                                                      */
/* ------------------------------------------------------------------ */


/* Binds ?1 version ... ?10 last_error of an insert or update. The
 * strings outlive the statement (finalized before the caller returns),
 * so they are bound without a copy; any failure is returned, because a
 * parameter that failed to bind is NULL and the row would be written
 * without its version, checksum or down SQL. */
static int sq_bind_row(sqlite3_stmt *st, const strata_history_row *row,
                       const char *state)
{
	/* the engine decides applied_by; NULL stays NULL */
	const char *by = row->applied_by;
	double ms = row->duration > 0 ? row->duration * 1000.0 : 0.0;
	int rc = sqlite3_bind_text(st, 1, row->version, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, row->name ? row->name : "", -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 3, row->checksum, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 5, row->statements_done);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 6, row->statements_total);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 7, row->down_sql, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_double(st, 8, ms);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 9, by, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 10, row->last_error, -1, SQLITE_STATIC);
	return rc;
}

/* Runs a history write whose statement text is `fmt` with the quoted
 * table: bound from `row` (insert, update) or to `version` alone (delete);
 * with `keep_time`, ?11 takes row->applied_at. Sets *changes to the
 * number of rows touched. */
static int sq_history_write(sq_conn *c, const char *table, const char *fmt,
                            const strata_history_row *row, const char *version,
                            int keep_time, int *changes, strata_error *err)
{
	const char *state = NULL;
	if (row) {
		if (!row->version)
			return strata_error_set(err, STRATA_EINVAL,
			                        "history row without a version");
		int rc = strata_history_state_text(row, &state, err);
		if (rc)
			return rc;
	}
	sq_name n;
	int rc = sq_name_parse(&n, table, err);
	if (rc)
		return rc;
	char *sql = sq_history_sql(&n, fmt);
	sq_name_free(&n);
	if (!sql)
		return sq_nomem(err);
	sqlite3_stmt *st;
	rc = sq_prepare(c, sql, &st, err);
	sqlite3_free(sql);
	if (rc)
		return rc;
	int s = row ? sq_bind_row(st, row, state)
	            : sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
	/* an insert that keeps the row's time (a row taken over) */
	if (s == SQLITE_OK && row && row->applied_at && keep_time)
		s = sqlite3_bind_text(st, 11, row->applied_at, -1, SQLITE_STATIC);
	if (s == SQLITE_OK)
		s = sqlite3_step(st);
	if (s == SQLITE_DONE)
		*changes = sqlite3_changes(c->db);
	else
		rc = sq_fail(c, s, err);
	sqlite3_finalize(st);
	return rc;
}

static int sq_history_insert(strata_conn *conn, const char *table,
                             const strata_history_row *row, strata_error *err)
{
	int changes = 0;
	return sq_history_write((sq_conn *)conn, table,
		"INSERT INTO %s (" SQ_HISTORY_COLUMNS ") VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(?11, " SQ_NOW_ISO "), ?8, ?9, ?10)",
		row, NULL, 1, &changes, err);
}

/* history_upgrade: format 1 declared duration_ms INTEGER. SQLite keeps a
 * fractional value in an INTEGER column as it is (REAL storage, since it
 * cannot be converted without loss), and reads it back with
 * sqlite3_column_double, so a format-1 table needs no change. */
static int sq_history_upgrade(strata_conn *conn, const char *table, int from,
                              strata_error *err)
{
	(void)conn;
	(void)table;
	(void)from;
	(void)err;
	return 0;
}

static int sq_history_update(strata_conn *conn, const char *table,
                             const strata_history_row *row, strata_error *err)
{
	int changes = 0;
	int rc = sq_history_write((sq_conn *)conn, table,
		"UPDATE %s SET name = ?2, checksum = ?3, state = ?4, "
		"statements_done = ?5, statements_total = ?6, down_sql = ?7, "
		"applied_at = " SQ_NOW_ISO ", duration_ms = ?8, applied_by = ?9, "
		"last_error = ?10 WHERE version = ?1",
		row, NULL, 0, &changes, err);
	if (!rc && changes == 0)
		return strata_error_set(err, STRATA_ENOTFOUND,
		                        "no row for version %s in history table %s",
		                        row->version, table);
	return rc;
}

static int sq_history_delete(strata_conn *conn, const char *table,
                             const char *version, strata_error *err)
{
	if (!version)
		return strata_error_set(err, STRATA_EINVAL, "no version to delete");
	int changes = 0;
	int rc = sq_history_write((sq_conn *)conn, table,
	                          "DELETE FROM %s WHERE version = ?1", NULL,
	                          version, 0, &changes, err);
	if (!rc && changes == 0)
		return strata_error_set(err, STRATA_ENOTFOUND,
		                        "no row for version %s in history table %s",
		                        version, table);
	return rc;
}

/* ------------------------------------------------------------------ */
/* One transactional migration                                          */
/* ------------------------------------------------------------------ */

/* tx_state: SQLite knows without asking anyone. An error that makes
 * SQLite roll back by itself (SQLITE_FULL, SQLITE_IOERR, an OR ROLLBACK
 * conflict) leaves it in autocommit mode: no transaction. */
static int sq_tx_state(strata_conn *conn)
{
	return sqlite3_get_autocommit(((sq_conn *)conn)->db) ? STRATA_TX_NONE
	                                                     : STRATA_TX_OPEN;
}

/* Rolls back after a failure without touching the first error. */
static void sq_abort(sq_conn *c)
{
	strata_error scratch;
	memset(&scratch, 0, sizeof(scratch));
	if (sq_rollback(&c->base, &scratch))
		strata_conn_log(&c->base, STRATA_LOG_WARN, "rollback failed: %s",
		                scratch.message);
}

static int sq_apply_history(sq_conn *c, const char *table, strata_history_op op,
                            const strata_history_row *row, strata_error *err)
{
	switch (op) {
	case STRATA_HISTORY_INSERT:
		return sq_history_insert(&c->base, table, row, err);
	case STRATA_HISTORY_DELETE:
		return sq_history_delete(&c->base, table, row->version, err);
	}
	return strata_error_set(err, STRATA_EINVAL, "unknown history operation %d",
	                        (int)op);
}

static int sq_apply_tx(strata_conn *conn, const char *table,
                       const strata_stmt *stmts, size_t n,
                       strata_history_op op, const strata_history_row *row,
                       strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	if (!row || !row->version)
		return strata_error_set(err, STRATA_EINVAL,
		                        "apply_tx without a history row");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = sq_begin(conn, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (stmts[i].flags & STRATA_STMT_COPY_IN)
			rc = strata_error_set(err, STRATA_EUNSUPPORTED,
			                      "COPY FROM stdin is not supported by SQLite");
		else
			rc = sq_exec(conn, stmts[i].sql, stmts[i].len, err);
		if (rc) {
			err->statement = (long)i + 1;
			sq_abort(c);
			return rc;
		}
	}
	/* duration < 0: measure it here, from BEGIN to the history write */
	strata_history_row timed = *row;
	if (timed.duration < 0) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		timed.duration = (double)(t1.tv_sec - t0.tv_sec) +
		                 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	}
	rc = sq_apply_history(c, table, op, &timed, err);
	if (!rc)
		rc = sq_commit(conn, err);
	if (rc) {
		err->statement = 0;
		sq_abort(c);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Schema, version, databases                                           */
/* ------------------------------------------------------------------ */

/* Appends `s` and ";\n" to the growing buffer *buf (len/cap). */
static int sq_append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 3 > *cap) {
		size_t ncap = (*cap ? *cap : 1024);
		while (*len + n + 3 > ncap)
			ncap *= 2;
		char *nb = realloc(*buf, ncap);
		if (!nb)
			return STRATA_ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	memcpy(*buf + *len + n, ";\n", 3);
	*len += n + 2;
	return 0;
}

static int sq_dump_schema(strata_conn *conn, char **out, strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	*out = NULL;
	sqlite3_stmt *st;
	int rc = sq_prepare(c, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
	                    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
	                    "ORDER BY type = 'table' DESC, name", &st, err);
	if (rc)
		return rc;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int nomem;
		const char *sql = sq_column_text(st, 0, &nomem);
		if (nomem || (sql && sq_append(&buf, &len, &cap, sql))) {
			rc = sq_nomem(err);
			break;
		}
	}
	if (!rc && s != SQLITE_DONE)
		rc = sq_fail(c, s, err);
	sqlite3_finalize(st);
	if (!rc && !buf && !(buf = strdup("")))
		rc = sq_nomem(err);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	return 0;
}

static int sq_server_version(strata_conn *conn, char **out, strata_error *err)
{
	(void)conn;
	*out = strdup(sqlite3_libversion());
	return *out ? 0 : sq_nomem(err);
}

static int sq_create_database(const strata_conn_config *cfg, strata_error *err)
{
	int lrc = sq_load(err);
	if (lrc)
		return lrc;
	sq_url u;
	int rc = sq_url_parse(&u, cfg->url, err);
	if (rc || u.memory) {
		free(u.path);
		return rc;
	}
	sqlite3 *db = NULL;
	int s = sqlite3_open_v2(u.path, &db,
	                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (s != SQLITE_OK) {
		rc = strata_error_set(err, sq_open_code(s),
		                      "cannot create SQLite database %s: %s", u.path,
		                      db ? sqlite3_errmsg(db) : sqlite3_errstr(s));
		err->native_code = s;
	}
	sqlite3_close_v2(db);
	free(u.path);
	return rc;
}

/* Removes `path` followed by `suffix`; a missing file is fine. */
static int sq_remove(const char *path, const char *suffix, strata_error *err)
{
	char buf[PATH_MAX];
	if ((size_t)snprintf(buf, sizeof(buf), "%s%s", path, suffix) >= sizeof(buf))
		return strata_error_set(err, STRATA_EINVAL, "path too long: %s", path);
	if (unlink(buf) != 0 && errno != ENOENT)
		return strata_error_set(err, STRATA_EIO, "cannot remove %s: %s", buf,
		                        strerror(errno));
	return 0;
}

static int sq_drop_database(const strata_conn_config *cfg, strata_error *err)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	sq_url u;
	int rc = sq_url_parse(&u, cfg->url, err);
	for (size_t i = 0; !rc && !u.memory && i < 4; i++)
		rc = sq_remove(u.path, suffixes[i], err);
	free(u.path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Other tools' tables                                                  */
/* ------------------------------------------------------------------ */

static int sq_read_table(strata_conn *conn, const char *table,
                         const char *const *cols, size_t ncols,
                         unsigned time_mask, char ***cells, size_t *nrows,
                         int *exists, strata_error *err)
{
	sq_conn *c = (sq_conn *)conn;
	*cells = NULL;
	*nrows = 0;
	*exists = 0;
	if (ncols == 0 || ncols > 32)
		return strata_error_set(err, STRATA_EINVAL, "read_table: 1 to 32 columns");
	sq_name n;
	int rc = sq_name_parse(&n, table, err);
	if (rc)
		return rc;
	rc = sq_history_exists(c, &n, exists, err);
	if (rc || !*exists) {
		sq_name_free(&n);
		return rc;
	}
	/* SQLite has no time type: text as the date functions read it
	 * (UTC unless it says otherwise), or a number of seconds (or of
	 * milliseconds, as JavaScript counts) since 1970 */
	/* [name], not "name": SQLite reads a double-quoted name that is
	 * no column as a string, and a missing column must be an error */
	for (size_t i = 0; i < ncols; i++)
		if (strchr(cols[i], ']')) {
			sq_name_free(&n);
			return strata_error_set(err, STRATA_EINVAL, "read_table: bad column name");
		}
	char *sql = sqlite3_mprintf("SELECT ");
	for (size_t i = 0; sql && i < ncols; i++) {
		const char *sep = i ? ", " : "";
		if (time_mask & (1u << i))
			sql = sqlite3_mprintf(
				"%z%sCASE WHEN typeof([%s]) IN ('integer', 'real') THEN "
				"strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', CASE WHEN [%s] > 100000000000 "
				"THEN [%s] / 1000.0 ELSE [%s] END, 'unixepoch') "
				"ELSE strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', [%s]) END",
				sql, sep, cols[i], cols[i], cols[i], cols[i], cols[i]);
		else
			sql = sqlite3_mprintf("%z%sCAST([%s] AS TEXT)", sql, sep, cols[i]);
	}
	if (sql)
		sql = sqlite3_mprintf("%z FROM %s", sql, n.quoted);
	sq_name_free(&n);
	if (!sql)
		return sq_nomem(err);
	sqlite3_stmt *st;
	rc = sq_prepare(c, sql, &st, err);
	sqlite3_free(sql);
	if (rc)
		return rc;
	char **out = NULL;
	size_t count = 0, cap = 0;
	int s;
	while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **grown = realloc(out, ncap * ncols * sizeof(*out));
			if (!grown) {
				rc = sq_nomem(err);
				break;
			}
			memset(grown + cap * ncols, 0, (ncap - cap) * ncols * sizeof(*out));
			out = grown;
			cap = ncap;
		}
		for (size_t i = 0; !rc && i < ncols; i++)
			if (sq_column_dup(st, (int)i, &out[count * ncols + i]))
				rc = sq_nomem(err);
		count++;
	}
	if (!rc && s != SQLITE_DONE)
		rc = sq_fail(c, s, err);
	sqlite3_finalize(st);
	if (rc) {
		strata_cells_free(out, cap * ncols);
		return rc;
	}
	*cells = out;
	*nrows = count;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The driver                                                           */
/* ------------------------------------------------------------------ */

const strata_driver strata_driver_sqlite = {
	.version = STRATA_DRIVER_VERSION,
	.name = "sqlite",
	.schemes = sq_schemes,
	.dialect = STRATA_DIALECT_SQLITE,
	.caps = STRATA_CAP_TRANSACTIONAL_DDL | STRATA_CAP_MULTI_STATEMENT,
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock = sq_lock,
	.unlock = sq_unlock,
	.history_ensure = sq_history_ensure,
	.history_list = sq_history_list,
	.history_insert = sq_history_insert,
	.history_update = sq_history_update,
	.history_upgrade = sq_history_upgrade,
	.history_delete = sq_history_delete,
	.apply_tx = sq_apply_tx,
	.dump_schema = sq_dump_schema,
	.create_database = sq_create_database,
	.drop_database = sq_drop_database,
	.server_version = sq_server_version,
	.tx_state = sq_tx_state,
	.read_table = sq_read_table,
};
