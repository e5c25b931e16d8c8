/*
 * drivers/postgres/postgres.c - the PostgreSQL driver (libpq).
 *
 * Exports one symbol, `strata_driver_postgres`; everything else is static.
 *
 * URLs
 *   postgres://user:password@host:port/db?param=value (or postgresql://)
 *   is handed to libpq whole as a connection URI (PQconnectdbParams with
 *   expand_dbname), so every libpq parameter (sslmode, connect_timeout,
 *   options, ...) passes through and whatever the URL leaves out comes from
 *   PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSERVICE, ~/.pgpass and service
 *   files, as in psql: `postgres:///app` is the database app on the
 *   default server. strata's own parameter search_path=NAME is removed
 *   before libpq sees it (libpq refuses unknown parameters) and works like
 *   the schema option. cfg->application_name is passed as
 *   fallback_application_name, so an application_name in the URL wins.
 *
 * Sessions
 *   The main session runs the migrations. With a schema (cfg->schema, or
 *   else search_path in the URL) search_path is set to that schema alone,
 *   and history_ensure creates it when missing (so read-only commands
 *   change nothing). statement_timeout and lock_timeout are set
 *   from the configuration on the main session only. A statement that
 *   fails with SQLSTATE 55P03 (lock_not_available, i.e. lock_timeout
 *   expired) is reported with err->retryable = 1. Server notices are
 *   logged at DEBUG level ("NOTICE: ..."), warnings at WARN level.
 *
 * The migration lock
 *   A session-level advisory lock taken on a second, dedicated session that
 *   is opened on the first lock() and never runs anything but the lock
 *   queries, so it is never inside a transaction: a runner waiting for the
 *   lock cannot block (or deadlock with) a CREATE INDEX CONCURRENTLY of
 *   the runner holding it, and the lock dies with the holder's session.
 *   close() unlocks before it disconnects, so the lock is free when it
 *   returns. The key is the 64-bit FNV-1a hash of "strata:<schema>.<table>"
 *   (the schema of a qualified table name, else the configured schema,
 *   else the session's current_schema() at open),
 *   read as a signed bigint; pg_locks shows it as classid = high 32 bits,
 *   objid = low 32 bits, objsubid = 1. pg_try_advisory_lock is polled with
 *   sleeps growing from 10 ms to 200 ms; the holder (pid, application,
 *   client address, since when) is read from pg_locks and
 *   pg_stat_activity for the LOCK_WAIT event and the timeout error.
 *
 * The history table
 *   text / integer / bigint columns, applied_at timestamptz written with
 *   clock_timestamp() and listed as 'YYYY-MM-DDTHH:MM:SS.sssZ' (UTC),
 *   rows ordered by version COLLATE "C" (byte order). Writes use
 *   PQexecParams. A negative duration is computed by the server as the
 *   time since the query string holding the migration arrived.
 *
 * apply_tx
 *   One round trip: "BEGIN; <statements>; <history change>; COMMIT" in one
 *   simple-protocol query, with the history values as escaped literals.
 *   The server stops at the first error; counting the results (and the
 *   error position, relative to the whole text) tells which statement
 *   failed. A down's delete is a DO block (PL/pgSQL) that raises P0002
 *   when the row is missing, reported as STRATA_ENOTFOUND. Migrations with
 *   COPY ... FROM stdin go statement by statement in one transaction
 *   instead.
 *
 * Error positions: the server counts characters from 1; they are turned
 *   into 1-based byte offsets with the client encoding (PQmblen). The
 *   context of a COPY error (which data row) is added to the message,
 *   other contexts go to err->detail.
 *
 * dump_schema runs `pg_dump --schema-only --no-owner --no-privileges`
 *   (fork and execvp, no shell) with --dbname set to the live connection's
 *   host, port, user, database and its non-default, non-secret options;
 *   the password reaches it only through PGPASSWORD in its environment.
 * create_database / drop_database connect to the maintenance database
 *   (postgres, else template1) of the URL's server and run CREATE
 *   DATABASE (an existing one is fine) or DROP DATABASE IF EXISTS.
 *
 * Ownership: open() allocates the pg_conn that close() frees; strings
 * handed out (history rows, dump, version) are malloc'd and owned by the
 * caller.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "pq_api.h"

#include <strata/driver.h>

#define PG_LOCK_POLL_MIN_NS 10000000L   /* 10 ms */
#define PG_LOCK_POLL_MAX_NS 200000000L  /* 200 ms */
#define PG_SQLSTATE_LOCK_NOT_AVAILABLE "55P03"
#define PG_SQLSTATE_DUPLICATE_DATABASE "42P04"
#define PG_SQLSTATE_DUPLICATE_SCHEMA "42P06"
#define PG_SQLSTATE_UNIQUE_VIOLATION "23505"
#define PG_SQLSTATE_NO_DATA_FOUND "P0002"
#define PG_MAINTENANCE_DB "postgres"
#define PG_MAINTENANCE_DB2 "template1"
#define PG_DUMP "pg_dump"
/* Milliseconds since the migration's text reached the server (for
 * apply_tx's one query string that is when its transaction began; inside
 * a --single-transaction, when this migration's part began), computed by
 * the server. */
#define PG_TX_ELAPSED_MS \
	"(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::float8"
#define PG_HISTORY_COLUMNS \
	"version, name, checksum, state, statements_done, statements_total, " \
	"down_sql, applied_at, duration_ms, applied_by, last_error"

/* A connection: the strata_conn base first, as driver.h requires. */
typedef struct pg_conn {
	strata_conn base;
	PGconn *db;          /* the main session */
	PGconn *lock_db;     /* the lock session; NULL until the first lock() */
	char *url;           /* the URL without strata's parameters; owned */
	char *app_name;      /* fallback_application_name; owned */
	char *schema;        /* the configured schema, else current_schema()
	                        after set-up ("" if none); owned */
	int schema_configured; /* `schema` came from the configuration: the
	                          session's search_path is that schema alone,
	                          which history_ensure creates when missing */
	char *search_path;   /* the session's search_path after set-up, which
	                        session_reset gives back; owned */
	int touched;         /* a migration's SQL ran since the last reset */
	int reset_pending;   /* session_reset was asked for: the next round
	                        trip sets search_path back first */
	char *password;      /* from the URL, only to scrub messages; owned */
	int locked;          /* the lock session holds `lock_key` */
	int64_t lock_key;
	int work_locked;     /* the main session holds `work_key` */
	int64_t work_key;
} pg_conn;

/* What a URL holds besides libpq's own parameters. */
typedef struct pg_url {
	char *url;           /* the URL for libpq; owned */
	char *search_path;   /* strata's search_path=NAME; owned, may be NULL */
	char *password;      /* the decoded password, to scrub; owned, NULL */
} pg_url;

/* A history table name split and quoted. `quoted` ("schema"."table", or
 * "table" when the session has no current schema) is ready for SQL and
 * for to_regclass(). Owned here, released with pg_name_free(); `schema`
 * is NULL when unqualified. */
typedef struct pg_name {
	char *quoted;
	char *schema;
	char *table;
	int implied;         /* `schema` is the session's, not the name's */
} pg_name;

/* The one exported symbol, defined at the end of this file. */
extern const strata_driver strata_driver_postgres;

static const char *const pg_schemes[] = { "postgres", "postgresql", NULL };

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static int pg_nomem(strata_error *err)
{
	return strata_error_set(err, STRATA_ENOMEM, "out of memory");
}

/* Copies `src` into dst (size `size`) as one line: runs of newlines, tabs
 * and carriage returns become one space; leading and trailing blanks go. */
static void pg_one_line(char *dst, size_t size, const char *src)
{
	size_t k = 0;
	int space = 0;
	if (!size)
		return;
	for (const char *p = src ? src : ""; *p && k + 1 < size; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
			space = k > 0;
			continue;
		}
		if (space && k + 2 < size)
			dst[k++] = ' ';
		space = 0;
		dst[k++] = *p;
	}
	dst[k] = '\0';
}

/* Replaces every occurrence of `secret` in `s` by asterisks. */
static void pg_scrub(char *s, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	char *hit;
	if (!n)
		return;
	while ((hit = strstr(s, secret)))
		memset(hit, '*', n);
}

static void pg_scrub_err(strata_error *err, const char *secret)
{
	pg_scrub(err->message, secret);
	pg_scrub(err->detail, secret);
	pg_scrub(err->hint, secret);
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/* The 1-based byte offset of 1-based character `chars` in `sql` (len
 * bytes) in client encoding `enc`; 0 when it is out of range. */
static long pg_char_to_byte(const char *sql, size_t len, long chars, int enc)
{
	size_t off = 0;
	if (chars <= 0)
		return 0;
	for (long i = 1; i < chars; i++) {
		if (off >= len)
			return 0;
		int w = PQmblen(sql + off, enc);
		off += w > 0 ? (size_t)w : 1;
	}
	return off < len ? (long)off + 1 : 0;
}

/* Fills `err` from a failed result `res` (NULL: the connection's error).
 * `sql` (len bytes) is the text the server's error position refers to, or
 * NULL. Returns STRATA_ESQL. */
/* SQLSTATEs after which the server closes the session: class 08
 * (connection exception) and 57P01-57P03 (admin shutdown, crash
 * shutdown, cannot connect now). */
static int pg_connection_gone(const char *state)
{
	return state && (strncmp(state, "08", 2) == 0 ||
	                 strcmp(state, "57P01") == 0 ||
	                 strcmp(state, "57P02") == 0 ||
	                 strcmp(state, "57P03") == 0);
}

static int pg_fail(PGconn *db, const PGresult *res, const char *sql,
                   size_t len, strata_error *err)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	const char *context = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	char line[sizeof(err->message)];
	if (!primary && res && *PQresultErrorMessage(res))
		primary = PQresultErrorMessage(res);
	if (!primary)
		primary = PQerrorMessage(db);
	pg_one_line(line, sizeof(line), primary && *primary ? primary :
	            "unknown PostgreSQL error");
	err->not_in_tx = 0;
	if (PQstatus(db) == CONNECTION_BAD || pg_connection_gone(state)) {
		/* the server went away (restart, pg_terminate_backend): what
		 * ran in the open transaction was rolled back with it */
		strata_error_set(err, STRATA_ECONNLOST,
		                 "lost the connection to the PostgreSQL server: %s", line);
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state ? state : "");
		return STRATA_ECONNLOST;
	}
	strata_error_set(err, STRATA_ESQL, "%s", line);
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state ? state : "");
	err->native_code = 0;
	err->position = 0;
	err->retryable = state && strcmp(state, PG_SQLSTATE_LOCK_NOT_AVAILABLE) == 0;
	/* 25001 active_sql_transaction (a form of CREATE DATABASE the lexer
	 * does not know), 2D000 invalid_transaction_termination (a procedure
	 * that COMMITs): the statement may run on its own */
	err->not_in_tx = state && (strcmp(state, "25001") == 0 || strcmp(state, "2D000") == 0);
	pg_one_line(err->detail, sizeof(err->detail), detail);
	if (context && *context) {
		/* where inside a function or COPY it failed */
		char ctx[sizeof(err->detail)];
		pg_one_line(ctx, sizeof(ctx), context);
		size_t k = strlen(err->detail);
		snprintf(err->detail + k, sizeof(err->detail) - k, "%s(context: %s)",
		         k ? " " : "", ctx);
	}
	pg_one_line(err->hint, sizeof(err->hint), hint);
	if (context && strncmp(context, "COPY ", 5) == 0) {
		/* which row of the data block: "COPY t, line 2, column id: ..." */
		char ctx[512];
		pg_one_line(ctx, sizeof(ctx), context);
		size_t k = strlen(err->message);
		snprintf(err->message + k, sizeof(err->message) - k, " (%s)", ctx);
	}
	if (pos && sql)
		err->position = pg_char_to_byte(sql, len, atol(pos),
		                                PQclientEncoding(db));
	return STRATA_ESQL;
}

/* Whether `res` is a success of a command or query. */
static int pg_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
	       st == PGRES_EMPTY_QUERY || st == PGRES_SINGLE_TUPLE;
}

static int pg_sqlstate_is(const strata_error *err, const char *state)
{
	return strcmp(err->sqlstate, state) == 0;
}

/* ------------------------------------------------------------------ */
/* URLs                                                                 */
/* ------------------------------------------------------------------ */

/* Percent-decodes `len` bytes of `s` into a new string; NULL on a bad
 * escape (*bad set) or out of memory. */
static char *pg_decode(const char *s, size_t len, int *bad)
{
	char *d;
	int rc = strata_url_decode(&d, s, len, NULL);
	*bad = rc == STRATA_EURL;
	return rc ? NULL : d;
}

static void pg_url_free(pg_url *u)
{
	free(u->url);
	free(u->search_path);
	if (u->password) {
		memset(u->password, 0, strlen(u->password));
		free(u->password);
	}
	memset(u, 0, sizeof(*u));
}

/* Takes strata's search_path=NAME out of the query string of `url`. */
static int pg_url_strip(pg_url *u, const char *url, strata_error *err)
{
	const char *q = strchr(url, '?');
	size_t base = q ? (size_t)(q - url) : strlen(url);
	strata_buf b = { 0 };
	strata_buf_append(&b, url, base);
	char sep = '?';
	for (const char *p = q ? q + 1 : NULL; p && *p;) {
		size_t n = strcspn(p, "&");
		if (n >= 12 && strncmp(p, "search_path=", 12) == 0) {
			int bad = 0;
			free(u->search_path);
			u->search_path = pg_decode(p + 12, n - 12, &bad);
			if (!u->search_path) {
				free(b.buf);
				return bad ? strata_error_set(err, STRATA_EURL,
				                              "malformed percent escape in search_path of the PostgreSQL URL")
				           : pg_nomem(err);
			}
		} else if (n == 11 && strncmp(p, "search_path", 11) == 0) {
			free(b.buf);
			return strata_error_set(err, STRATA_EURL,
			                        "empty search_path in the PostgreSQL URL (expected search_path=SCHEMA)");
		} else if (n) {
			strata_buf_append(&b, &sep, 1);
			strata_buf_append(&b, p, n);
			sep = '&';
		}
		p += n;
		if (*p == '&')
			p++;
	}
	if (b.oom || !b.buf) {
		free(b.buf);
		return pg_nomem(err);
	}
	if (u->search_path && (!*u->search_path || strchr(u->search_path, ','))) {
		free(b.buf);
		return strata_error_set(err, STRATA_EURL,
		                        "search_path in the PostgreSQL URL takes one schema name");
	}
	u->url = b.buf;
	return 0;
}

/* Splits `url` for libpq and checks it with PQconninfoParse. */
static int pg_url_parse(pg_url *u, const char *url, strata_error *err)
{
	memset(u, 0, sizeof(*u));
	if (!url || !*url)
		return strata_error_set(err, STRATA_EURL, "empty PostgreSQL URL");
	int rc = pg_url_strip(u, url, err);
	if (rc)
		return rc;
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(u->url, &msg);
	if (!opts) {
		char line[512];
		pg_one_line(line, sizeof(line), msg ? msg : "out of memory");
		rc = strata_error_set(err, msg ? STRATA_EURL : STRATA_ENOMEM,
		                      "malformed PostgreSQL URL: %s", line);
		PQfreemem(msg);
		pg_url_free(u);
		return rc;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val &&
		    !(u->password = strdup(o->val)))
			rc = pg_nomem(err);
	PQconninfoFree(opts);
	if (rc)
		pg_url_free(u);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Notices                                                              */
/* ------------------------------------------------------------------ */

/* libpq's notice receiver: logs "NOTICE: message" through the conn. */
static void pg_on_notice(void *arg, const PGresult *res)
{
	pg_conn *c = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *sev_en = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char line[1024];
	pg_one_line(line, sizeof(line), msg ? msg : PQresultErrorMessage(res));
	strata_log_level level = sev_en && strcmp(sev_en, "WARNING") == 0
	                         ? STRATA_LOG_WARN : STRATA_LOG_DEBUG;
	strata_conn_log(&c->base, level, "%s: %s", sev ? sev : "NOTICE", line);
}

/* ------------------------------------------------------------------ */
/* Connections                                                          */
/* ------------------------------------------------------------------ */

/*
 * The SQLSTATE of a refused connection, from libpq's message: libpq keeps
 * the server's code of a startup failure to itself, and says "FATAL:" in
 * English unless the server's lc_messages is set otherwise. "" when the
 * server did not answer or is not ready (worth waiting for), else a code
 * of class 28 or 3D, so that `wait` does not wait for a server that is
 * already up but will never let us in: 28P01 only for a password the
 * server checked and refused, 3D000 for a missing database, 28000 for a
 * missing role, a pg_hba.conf refusal, or a password the server asked
 * for and we did not have.
 */
static const char *pg_refusal(PGconn *conn, const char *line)
{
	const char *fatal = strstr(line, "FATAL:");
	if (fatal) {
		if (strstr(fatal, "password authentication failed"))
			return "28P01";
		if (strstr(fatal, "database \"") && strstr(fatal, "does not exist"))
			return "3D000";
		if (strstr(fatal, "starting up") || strstr(fatal, "shutting down") ||
		    strstr(fatal, "in recovery") || strstr(fatal, "too many") ||
		    strstr(fatal, "remaining connection slots"))
			return "";
		return "28000";
	}
	if (PQconnectionNeedsPassword(conn))
		return "28000";
	return PQconnectionUsedPassword(conn) ? "28000" : "";
}

/* Connects to `url` (a libpq URI); `dbname` (may be NULL) replaces the
 * database named in it. ECONNECT with libpq's message on one line
 * (EURL for an option value libpq refuses). */
static int pg_connect(PGconn **out, const char *url, const char *app,
                      const char *dbname, strata_error *err)
{
	const char *keys[4], *vals[4];
	int k = 0;
	keys[k] = "fallback_application_name";
	vals[k++] = app && *app ? app : "strata";
	keys[k] = "dbname";
	vals[k++] = url;
	if (dbname) {
		/* only the first dbname is expanded: this one is a plain name */
		keys[k] = "dbname";
		vals[k++] = dbname;
	}
	keys[k] = NULL;
	vals[k] = NULL;
	*out = PQconnectdbParams(keys, vals, 1);
	if (!*out)
		return pg_nomem(err);
	if (PQstatus(*out) == CONNECTION_OK)
		return 0;
	char line[1024];
	pg_one_line(line, sizeof(line), PQerrorMessage(*out));
	const char *refused = pg_refusal(*out, line);
	PQfinish(*out);
	*out = NULL;
	/* libpq checks option values (port=abc, sslmode=bogus) only now */
	if (strncmp(line, "invalid ", 8) == 0)
		return strata_error_set(err, STRATA_EURL,
		                        "malformed PostgreSQL URL: %s", line);
	strata_error_set(err, STRATA_ECONNECT, "cannot connect to PostgreSQL: %s", line);
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", refused);
	return STRATA_ECONNECT;
}

/* Runs a statement of the driver's own that takes no parameters. */
static int pg_exec_own(PGconn *db, const char *sql, strata_error *err)
{
	PGresult *res = PQexec(db, sql);
	int rc = 0;
	if (!res || !pg_ok(res))
		rc = pg_fail(db, res, NULL, 0, err);
	PQclear(res);
	return rc;
}

/* Runs `sql` with text parameters; on success *out holds the result
 * (PQclear it) when `out` is given. */
static int pg_params(PGconn *db, const char *sql, int n,
                     const char *const *values, PGresult **out,
                     strata_error *err)
{
	PGresult *res = PQexecParams(db, sql, n, NULL, values, NULL, NULL, 0);
	if (!res || !pg_ok(res)) {
		int rc = pg_fail(db, res, NULL, 0, err);
		PQclear(res);
		return rc;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* Quotes an identifier with PQescapeIdentifier into a malloc'd string. */
static char *pg_quote_ident(PGconn *db, const char *name)
{
	char *q = PQescapeIdentifier(db, name, strlen(name));
	char *dup = q ? strdup(q) : NULL;
	PQfreemem(q);
	return dup;
}

/* SET name = 'value' on the main session. */
static int pg_set(pg_conn *c, const char *name, const char *value,
                  strata_error *err)
{
	const char *vals[] = { name, value };
	return pg_params(c->db, "SELECT pg_catalog.set_config($1, $2, false)",
	                 2, vals, NULL, err);
}

/* Creates `schema` when missing (racing with other runners is fine). */
static int pg_schema_create(PGconn *db, const char *schema, strata_error *err)
{
	PGresult *res = NULL;
	const char *vals[] = { schema };
	int rc = pg_params(db, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
	                   1, vals, &res, err);
	if (rc)
		return rc;
	int exists = PQntuples(res) > 0;
	PQclear(res);
	if (exists)
		return 0;
	char *q = pg_quote_ident(db, schema);
	if (!q)
		return pg_nomem(err);
	strata_buf b = { 0 };
	strata_buf_printf(&b, "CREATE SCHEMA IF NOT EXISTS ");
	strata_buf_puts(&b, q);
	free(q);
	if (b.oom) {
		free(b.buf);
		return pg_nomem(err);
	}
	rc = pg_exec_own(db, b.buf, err);
	free(b.buf);
	/* two runners creating it at once: one of them loses on the catalog */
	if (rc && (pg_sqlstate_is(err, PG_SQLSTATE_UNIQUE_VIOLATION) ||
	           pg_sqlstate_is(err, PG_SQLSTATE_DUPLICATE_SCHEMA))) {
		strata_error_clear(err);
		rc = 0;
	}
	return rc;
}

/* Seconds as a PostgreSQL duration in milliseconds ("1500ms"). */
static void pg_ms(char *out, size_t size, double seconds)
{
	double ms = seconds * 1000.0 + 0.5;
	snprintf(out, size, "%.0fms", ms < 1 ? 1.0 : ms);
}

/* Remembers current_schema(), which names the history table and its lock
 * key, and the search_path that every migration starts from. */
static int pg_read_schema(pg_conn *c, strata_error *err)
{
	PGresult *res = NULL;
	int rc = pg_params(c->db, "SELECT pg_catalog.current_schema(), "
	                   "pg_catalog.current_setting('search_path')",
	                   0, NULL, &res, err);
	if (rc)
		return rc;
	const char *s = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)
	                ? PQgetvalue(res, 0, 0) : "";
	const char *path = PQntuples(res) > 0 && !PQgetisnull(res, 0, 1)
	                   ? PQgetvalue(res, 0, 1) : "";
	free(c->schema);
	free(c->search_path);
	c->schema = strdup(s);
	c->search_path = strdup(path);
	PQclear(res);
	return c->schema && c->search_path ? 0 : pg_nomem(err);
}

/* Schema, timeouts and notices of a fresh main session. */
static int pg_setup(pg_conn *c, const strata_conn_config *cfg,
                    const char *search_path, strata_error *err)
{
	char ms[64];
	const char *schema = cfg->schema && *cfg->schema ? cfg->schema : search_path;
	PQsetNoticeReceiver(c->db, pg_on_notice, c);
	if (schema && *schema) {
		/* created by history_ensure, so that status changes nothing */
		char *q = pg_quote_ident(c->db, schema);
		if (!q || !(c->schema = strdup(schema))) {
			free(q);
			return pg_nomem(err);
		}
		c->schema_configured = 1;
		int rc = pg_set(c, "search_path", q, err);
		c->search_path = q;
		if (rc)
			return rc;
	}
	if (cfg->statement_timeout > 0) {
		pg_ms(ms, sizeof(ms), cfg->statement_timeout);
		int rc = pg_set(c, "statement_timeout", ms, err);
		if (rc)
			return rc;
	}
	if (cfg->ddl_lock_timeout > 0) {
		pg_ms(ms, sizeof(ms), cfg->ddl_lock_timeout);
		int rc = pg_set(c, "lock_timeout", ms, err);
		if (rc)
			return rc;
	}
	if (PQserverVersion(c->db) >= 140000) {
		/* a run killed mid-statement: the server notices within a second
		 * and rolls the statement back, instead of running it to the end
		 * for nobody (and holding the work lock meanwhile); a value the
		 * user chose (PGOPTIONS, the role's settings) is kept */
		int rc = pg_exec_own(c->db,
		                     "SELECT pg_catalog.set_config('client_connection_check_interval', "
		                     "'1000', false) WHERE pg_catalog.current_setting("
		                     "'client_connection_check_interval') = '0'", err);
		if (rc)
			return rc;
	}
	return c->schema ? 0 : pg_read_schema(c, err);
}

static int pg_unlock(strata_conn *conn, const char *key, strata_error *err);

static void pg_close(strata_conn *conn)
{
	if (!conn)
		return;
	pg_conn *c = (pg_conn *)conn;
	/* Ending the lock session releases the lock, but the server does that
	 * after PQfinish returns: unlock first, so the lock is free when
	 * close() returns. */
	if (c->db && PQstatus(c->db) == CONNECTION_OK &&
	    PQtransactionStatus(c->db) != PQTRANS_IDLE) {
		/* what closing would do anyway, so that the work lock can be
		 * released now */
		strata_error ignored = { 0 };
		pg_exec_own(c->db, "ROLLBACK", &ignored);
	}
	if (c->lock_db) {
		strata_error ignored = { 0 };
		pg_unlock(conn, NULL, &ignored);
		PQfinish(c->lock_db);
	}
	if (c->db)
		PQfinish(c->db);
	free(c->url);
	free(c->app_name);
	free(c->schema);
	free(c->search_path);
	if (c->password) {
		memset(c->password, 0, strlen(c->password));
		free(c->password);
	}
	free(c);
}

static int pg_open(strata_conn **out, const strata_conn_config *cfg,
                   strata_error *err)
{
	*out = NULL;
	int lrc = pq_load(err);
	if (lrc)
		return lrc;
	pg_url u;
	int rc = pg_url_parse(&u, cfg->url, err);
	if (rc)
		return rc;
	pg_conn *c = calloc(1, sizeof(*c));
	const char *app = cfg->application_name && *cfg->application_name
	                  ? cfg->application_name : "strata";
	if (!c || !(c->app_name = strdup(app))) {
		free(c);
		pg_url_free(&u);
		return pg_nomem(err);
	}
	strata_conn_init(&c->base, &strata_driver_postgres, cfg);
	c->url = u.url;
	c->password = u.password;
	u.url = u.password = NULL;
	rc = pg_connect(&c->db, c->url, c->app_name, NULL, err);
	if (!rc)
		rc = pg_setup(c, cfg, u.search_path, err);
	pg_url_free(&u);
	if (rc) {
		pg_scrub_err(err, c->password);
		pg_close(&c->base);
		return rc;
	}
	strata_conn_log(&c->base, STRATA_LOG_DEBUG,
	                "connected to PostgreSQL %s at %s:%s, database %s as %s (schema %s)",
	                PQparameterStatus(c->db, "server_version") ?
	                PQparameterStatus(c->db, "server_version") : "?",
	                PQhost(c->db), PQport(c->db), PQdb(c->db), PQuser(c->db),
	                c->schema[0] ? c->schema : "(none)");
	*out = &c->base;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Statements                                                           */
/* ------------------------------------------------------------------ */

/* Ends a COPY the query text started: sends no rows (COPY FROM stdin
 * outside exec_stmt fails) or reads and drops the rows (COPY TO stdout). */
static void pg_copy_end(PGconn *db, ExecStatusType st)
{
	if (st == PGRES_COPY_IN) {
		PQputCopyEnd(db, "COPY FROM stdin needs its rows in the migration file "
		             "(a data block ending with \\.)");
	} else if (st == PGRES_COPY_OUT) {
		char *buf = NULL;
		while (PQgetCopyData(db, &buf, 0) > 0) {
			PQfreemem(buf);
			buf = NULL;
		}
	}
}

/* Reads every result of the query sent on `db`. Stops at nothing: the
 * connection is ready for the next query afterwards. Fills `err` from
 * the first error (positions relative to `sql`, len bytes) and sets
 * *failed_at to the 0-based index of the result that failed (-1: none).
 * `copy` (may be NULL) has rows for the first COPY FROM stdin. */
static int pg_drain(PGconn *db, const char *sql, size_t len,
                    const strata_stmt *copy, long *failed_at,
                    strata_error *err)
{
	PGresult *res;
	long index = 0;
	int rc = 0;
	*failed_at = -1;
	while ((res = PQgetResult(db))) {
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_COPY_IN && copy) {
			if ((copy->data_len && PQputCopyData(db, copy->data,
			                                     (int)copy->data_len) != 1) ||
			    PQputCopyEnd(db, NULL) != 1)
				PQputCopyEnd(db, "could not send the COPY rows");
			copy = NULL;
		} else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
			pg_copy_end(db, st);
		} else if (!pg_ok(res) && st != PGRES_COPY_BOTH) {
			if (!rc) {
				rc = pg_fail(db, res, sql, len, err);
				*failed_at = index;
			}
		}
		if (st != PGRES_COPY_IN && st != PGRES_COPY_OUT)
			index++;
		PQclear(res);
	}
	if (!rc && PQstatus(db) == CONNECTION_BAD) {
		rc = pg_fail(db, NULL, NULL, 0, err);
		*failed_at = index;
	}
	return rc;
}

/* Sends `sql` (len bytes) with the simple protocol and reads its results. */
static int pg_run(PGconn *db, const char *sql, size_t len,
                  const strata_stmt *copy, long *failed_at, strata_error *err)
{
	char *text = malloc(len + 1);
	if (!text)
		return pg_nomem(err);
	memcpy(text, sql, len);
	text[len] = '\0';
	int rc;
	*failed_at = -1;
	if (!PQsendQuery(db, text)) {
		rc = pg_fail(db, NULL, NULL, 0, err);
		*failed_at = 0;
	} else {
		rc = pg_drain(db, text, len, copy, failed_at, err);
	}
	free(text);
	return rc;
}

/* The statement that gives the session its search_path from set-up back
 * ("SELECT pg_catalog.set_config('search_path', '...', false)"),
 * malloc'd; NULL when out of memory. */
static char *pg_reset_sql(pg_conn *c)
{
	const char *path = c->search_path ? c->search_path : "";
	char *lit = PQescapeLiteral(c->db, path, strlen(path));
	if (!lit)
		return NULL;
	strata_buf b = { 0 };
	strata_buf_puts(&b, "SELECT pg_catalog.set_config('search_path', ");
	strata_buf_puts(&b, lit);
	strata_buf_puts(&b, ", false)");
	PQfreemem(lit);
	if (b.oom) {
		free(b.buf);
		return NULL;
	}
	return b.buf;
}

/* Runs a pending session reset on its own, before a migration's first
 * statement that could not carry it. */
static int pg_reset_flush(pg_conn *c, strata_error *err)
{
	if (!c->reset_pending)
		return 0;
	c->reset_pending = 0;
	return pg_set(c, "search_path", c->search_path ? c->search_path : "", err);
}

/* session_reset: a migration may have run SET search_path (pg_dump's
 * header sets it to ''); the next one starts from set-up's. The work is
 * done on the next round trip (pg_begin, apply_tx carry it along). */
static int pg_session_reset(strata_conn *conn, strata_error *err)
{
	(void)err;
	pg_conn *c = (pg_conn *)conn;
	if (c->touched) {
		c->reset_pending = 1;
		c->touched = 0;
	}
	return 0;
}

/* tx_state: libpq tracks it from every reply, no round trip. */
static int pg_tx_state(strata_conn *conn)
{
	switch (PQtransactionStatus(((pg_conn *)conn)->db)) {
	case PQTRANS_IDLE:
		return STRATA_TX_NONE;
	case PQTRANS_ACTIVE: case PQTRANS_INTRANS:
		return STRATA_TX_OPEN;
	default:  /* PQTRANS_INERROR, PQTRANS_UNKNOWN (connection bad) */
		return STRATA_TX_ABORTED;
	}
}

static int pg_exec(strata_conn *conn, const char *sql, size_t len,
                   strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	long failed_at;
	int rc = pg_reset_flush(c, err);
	if (rc)
		return rc;
	c->touched = 1;
	return pg_run(c->db, sql, len, NULL, &failed_at, err);
}

static int pg_exec_stmt(strata_conn *conn, const strata_stmt *stmt,
                        strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	long failed_at;
	const strata_stmt *copy = stmt->flags & STRATA_STMT_COPY_IN ? stmt : NULL;
	if (copy && stmt->data_len > INT32_MAX)
		return strata_error_set(err, STRATA_EINVAL,
		                        "COPY data block too large (%zu bytes)",
		                        stmt->data_len);
	int rc = pg_reset_flush(c, err);
	if (rc)
		return rc;
	c->touched = 1;
	return pg_run(c->db, stmt->sql, stmt->len, copy, &failed_at, err);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                         */
/* ------------------------------------------------------------------ */

/* BEGIN, carrying a pending session reset in the same round trip. */
static int pg_begin(strata_conn *conn, strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	if (!c->reset_pending)
		return pg_exec_own(c->db, "BEGIN", err);
	char *reset = pg_reset_sql(c);
	strata_buf b = { 0 };
	if (reset) {
		strata_buf_puts(&b, reset);
		strata_buf_puts(&b, "; BEGIN");
	}
	free(reset);
	if (!reset || b.oom) {
		free(b.buf);
		return pg_nomem(err);
	}
	c->reset_pending = 0;
	int rc = pg_exec_own(c->db, b.buf, err);
	free(b.buf);
	return rc;
}

static int pg_rollback(strata_conn *conn, strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	if (PQtransactionStatus(c->db) == PQTRANS_IDLE)
		return 0;
	return pg_exec_own(c->db, "ROLLBACK", err);
}

/* COMMIT of a transaction that an error aborted is a ROLLBACK on the
 * server: that is a failure here. */
static int pg_commit(strata_conn *conn, strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	if (PQtransactionStatus(c->db) == PQTRANS_INERROR) {
		strata_error scratch = { 0 };
		pg_exec_own(c->db, "ROLLBACK", &scratch);
		return strata_error_set(err, STRATA_ESQL,
		                        "cannot commit: a statement failed in this transaction, "
		                        "which was rolled back");
	}
	PGresult *res = PQexec(c->db, "COMMIT");
	int rc = 0;
	if (!res || !pg_ok(res))
		rc = pg_fail(c->db, res, NULL, 0, err);
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		rc = strata_error_set(err, STRATA_ESQL,
		                      "the transaction was rolled back instead of committed");
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------------ */
/* History table names                                                  */
/* ------------------------------------------------------------------ */

static void pg_name_free(pg_name *n)
{
	free(n->quoted);
	free(n->schema);
	free(n->table);
	memset(n, 0, sizeof(*n));
}

/* Splits "schema.table" or "table" and quotes each part. A bare table
 * is qualified with the schema resolved at open (c->schema), so that a
 * migration's SET search_path cannot move it. */
static int pg_name_parse(pg_conn *c, pg_name *n, const char *table,
                         strata_error *err)
{
	PGconn *db = c->db;
	memset(n, 0, sizeof(*n));
	const char *dot = table ? strchr(table, '.') : NULL;
	if (!table || !*table || (dot && (dot == table || !dot[1] ||
	                                  strchr(dot + 1, '.'))))
		return strata_error_set(err, STRATA_EINVAL,
		                        "invalid history table name \"%s\" (expected table or schema.table)",
		                        table ? table : "");
	n->table = strdup(dot ? dot + 1 : table);
	if (dot) {
		n->schema = strndup(table, (size_t)(dot - table));
	} else if (c->schema && c->schema[0]) {
		n->schema = strdup(c->schema);
		n->implied = 1;
	}
	int want_schema = dot || n->implied;
	char *qt = n->table ? pg_quote_ident(db, n->table) : NULL;
	char *qs = n->schema ? pg_quote_ident(db, n->schema) : NULL;
	if (qt && (!want_schema || qs)) {
		strata_buf b = { 0 };
		if (qs) {
			strata_buf_puts(&b, qs);
			strata_buf_puts(&b, ".");
		}
		strata_buf_puts(&b, qt);
		n->quoted = b.oom ? NULL : b.buf;
		if (b.oom)
			free(b.buf);
	}
	free(qt);
	free(qs);
	if (!n->quoted) {
		pg_name_free(n);
		return pg_nomem(err);
	}
	return 0;
}

/* Formats `fmt` (one %s: the quoted table) into a malloc'd string. */
static char *pg_name_sql(const pg_name *n, const char *fmt)
{
	size_t size = strlen(fmt) + strlen(n->quoted) + 1;
	char *s = malloc(size);
	if (s)
		snprintf(s, size, fmt, n->quoted);
	return s;
}

/* Runs `fmt` about table `table` with parameters; *out as pg_params. */
static int pg_name_params(pg_conn *c, const char *table, const char *fmt,
                          int nparams, const char *const *values,
                          PGresult **out, strata_error *err)
{
	pg_name n;
	int rc = pg_name_parse(c, &n, table, err);
	if (rc)
		return rc;
	char *sql = pg_name_sql(&n, fmt);
	pg_name_free(&n);
	if (!sql)
		return pg_nomem(err);
	rc = pg_params(c->db, sql, nparams, values, out, err);
	free(sql);
	return rc;
}

/* ------------------------------------------------------------------ */
/* History: ensure and list                                             */
/* ------------------------------------------------------------------ */

static int pg_history_ensure(strata_conn *conn, const char *table,
                             strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	pg_name n;
	int rc = pg_name_parse(c, &n, table, err);
	if (rc)
		return rc;
	if (n.schema && !n.implied)
		rc = pg_schema_create(c->db, n.schema, err);
	else if (c->schema_configured)
		rc = pg_schema_create(c->db, c->schema, err);
	char *sql = rc ? NULL : pg_name_sql(&n,
		"CREATE TABLE IF NOT EXISTS %s ("
		"version text PRIMARY KEY, "
		"name text NOT NULL, "
		"checksum text, "
		"state text NOT NULL, "
		"statements_done integer NOT NULL DEFAULT 0, "
		"statements_total integer NOT NULL DEFAULT 0, "
		"down_sql text, "
		"applied_at timestamptz NOT NULL DEFAULT now(), "
		"duration_ms double precision NOT NULL DEFAULT 0, "
		"applied_by text, "
		"last_error text)");
	if (!rc && !sql)
		rc = pg_nomem(err);
	if (!rc)
		rc = pg_exec_own(c->db, sql, err);
	free(sql);
	pg_name_free(&n);
	return rc;
}

/* Sets *exists to whether the table `table` is there. */
static int pg_history_exists(pg_conn *c, const char *table, int *exists,
                             strata_error *err)
{
	pg_name n;
	int rc = pg_name_parse(c, &n, table, err);
	if (rc)
		return rc;
	PGresult *res = NULL;
	const char *vals[] = { n.quoted };
	rc = pg_params(c->db, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1,
	               vals, &res, err);
	pg_name_free(&n);
	if (rc)
		return rc;
	*exists = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

/* Copies field (r, i) into *out, NULL for SQL NULL; 0 or ENOMEM. */
static int pg_field_dup(const PGresult *res, int r, int i, char **out)
{
	*out = NULL;
	if (PQgetisnull(res, r, i))
		return 0;
	*out = strdup(PQgetvalue(res, r, i));
	return *out ? 0 : STRATA_ENOMEM;
}

/* Fills `row` from result row `r` of a SELECT of PG_HISTORY_COLUMNS. */
static int pg_row_read(const PGresult *res, int r, strata_history_row *row,
                       const char *table, strata_error *err)
{
	const char *cells[11];
	for (int i = 0; i < 11; i++)
		cells[i] = PQgetisnull(res, r, i) ? NULL : PQgetvalue(res, r, i);
	return strata_history_row_decode(row, cells, table, err);
}

static int pg_history_rows(pg_conn *c, const char *table,
                           strata_history_row **out, size_t *n_out,
                           strata_error *err)
{
	PGresult *res = NULL;
	int rc = pg_name_params(c, table,
		"SELECT version, name, checksum, state, statements_done, "
		"statements_total, down_sql, "
		"to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
		"duration_ms, applied_by, last_error "
		"FROM %s ORDER BY version COLLATE \"C\"", 0, NULL, &res, err);
	if (rc)
		return rc;
	size_t count = (size_t)PQntuples(res);
	strata_history_row *rows = count ? calloc(count, sizeof(*rows)) : NULL;
	if (count && !rows) {
		PQclear(res);
		return pg_nomem(err);
	}
	for (size_t i = 0; i < count && !rc; i++)
		rc = pg_row_read(res, (int)i, &rows[i], table, err);
	PQclear(res);
	if (rc) {
		strata_history_rows_free(rows, count);
		return rc;
	}
	*out = rows;
	*n_out = count;
	return 0;
}

static int pg_history_list(strata_conn *conn, const char *table,
                           strata_history_row **out, size_t *n, int *exists,
                           strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	*out = NULL;
	*n = 0;
	*exists = 0;
	int rc = pg_history_exists(c, table, exists, err);
	if (!rc && *exists)
		rc = pg_history_rows(c, table, out, n, err);
	return rc;
}

/* ------------------------------------------------------------------ */
/* History: writes                                                      */
/* ------------------------------------------------------------------ */

/* The text values of a row, as PQexecParams and the literals take them. */
typedef struct pg_row_text {
	const char *v[11];   /* $1 version ... $10 last_error, $11 applied_at
	                        (history_insert only) */
	char done[24], total[24], ms[24];
} pg_row_text;


/* Fills `t` from `row`: $8 is the duration in ms (to the microsecond),
 * -1 for "since BEGIN". */
static int pg_row_text_fill(pg_row_text *t, const strata_history_row *row,
                            strata_error *err)
{
	const char *state;
	if (!row || !row->version)
		return strata_error_set(err, STRATA_EINVAL, "history row without a version");
	int rc = strata_history_state_text(row, &state, err);
	if (rc)
		return rc;
	/* the engine decides applied_by; NULL stays NULL */
	const char *by = row->applied_by;
	double ms = row->duration < 0 ? -1.0 : row->duration * 1000.0;
	snprintf(t->done, sizeof(t->done), "%ld", row->statements_done);
	snprintf(t->total, sizeof(t->total), "%ld", row->statements_total);
	snprintf(t->ms, sizeof(t->ms), "%.3f", ms);
	t->v[0] = row->version;
	t->v[1] = row->name ? row->name : "";
	t->v[2] = row->checksum;
	t->v[3] = state;
	t->v[4] = t->done;
	t->v[5] = t->total;
	t->v[6] = row->down_sql;
	t->v[7] = t->ms;
	t->v[8] = by;
	t->v[9] = row->last_error;
	t->v[10] = row->applied_at;
	return 0;
}

#define PG_DURATION_EXPR(ms) \
	"CASE WHEN " ms "::float8 < 0 THEN " PG_TX_ELAPSED_MS " ELSE " ms "::float8 END"
#define PG_INSERT_SQL \
	"INSERT INTO %s (" PG_HISTORY_COLUMNS ") VALUES ($1, $2, $3, $4, " \
	"$5::integer, $6::integer, $7, clock_timestamp(), " \
	PG_DURATION_EXPR("$8") ", $9, $10)"
/* history_insert of a row taken over from another tool: its time */
#define PG_INSERT_AT_SQL \
	"INSERT INTO %s (" PG_HISTORY_COLUMNS ") VALUES ($1, $2, $3, $4, " \
	"$5::integer, $6::integer, $7, coalesce($11::timestamptz, clock_timestamp()), " \
	PG_DURATION_EXPR("$8") ", $9, $10)"
#define PG_UPDATE_SQL \
	"UPDATE %s SET name = $2, checksum = $3, state = $4, " \
	"statements_done = $5::integer, statements_total = $6::integer, " \
	"down_sql = $7, applied_at = clock_timestamp(), duration_ms = " \
	PG_DURATION_EXPR("$8") ", applied_by = $9, " \
	"last_error = $10 WHERE version = $1"

/* history_upgrade: format 1 kept duration_ms in whole milliseconds. */
static int pg_history_upgrade(strata_conn *conn, const char *table, int from,
                              strata_error *err)
{
	if (from >= 2)
		return 0;
	return pg_name_params((pg_conn *)conn, table,
	                      "ALTER TABLE %s ALTER COLUMN duration_ms TYPE double precision",
	                      0, NULL, NULL, err);
}

static int pg_history_insert(strata_conn *conn, const char *table,
                             const strata_history_row *row, strata_error *err)
{
	pg_row_text t;
	int rc = pg_row_text_fill(&t, row, err);
	if (!rc && row->applied_at)
		rc = pg_name_params((pg_conn *)conn, table, PG_INSERT_AT_SQL, 11, t.v,
		                    NULL, err);
	else if (!rc)
		rc = pg_name_params((pg_conn *)conn, table, PG_INSERT_SQL, 10, t.v,
		                    NULL, err);
	return rc;
}

/* Sets the error for a version that has no row. */
static int pg_not_found(const char *version, const char *table,
                        strata_error *err)
{
	return strata_error_set(err, STRATA_ENOTFOUND,
	                        "no row for version %s in history table %s",
	                        version, table);
}

static int pg_history_update(strata_conn *conn, const char *table,
                             const strata_history_row *row, strata_error *err)
{
	pg_row_text t;
	PGresult *res = NULL;
	int rc = pg_row_text_fill(&t, row, err);
	if (!rc)
		rc = pg_name_params((pg_conn *)conn, table, PG_UPDATE_SQL, 10, t.v,
		                    &res, err);
	if (rc)
		return rc;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		rc = pg_not_found(row->version, table, err);
	PQclear(res);
	return rc;
}

static int pg_history_delete(strata_conn *conn, const char *table,
                             const char *version, strata_error *err)
{
	if (!version)
		return strata_error_set(err, STRATA_EINVAL, "no version to delete");
	PGresult *res = NULL;
	const char *vals[] = { version };
	int rc = pg_name_params((pg_conn *)conn, table,
	                        "DELETE FROM %s WHERE version = $1", 1, vals,
	                        &res, err);
	if (rc)
		return rc;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		rc = pg_not_found(version, table, err);
	PQclear(res);
	return rc;
}

/* ------------------------------------------------------------------ */
/* One transactional migration in one round trip                        */
/* ------------------------------------------------------------------ */

/* Appends `s` as an escaped literal (NULL: the keyword NULL). */
static void pg_buf_literal(strata_buf *b, PGconn *db, const char *s)
{
	if (!s) {
		strata_buf_puts(b, "NULL");
		return;
	}
	char *lit = PQescapeLiteral(db, s, strlen(s));
	if (!lit) {
		b->oom = 1;
		return;
	}
	strata_buf_puts(b, lit);
	PQfreemem(lit);
}

/* Appends `fmt` with its %s replaced by the quoted table name `table`
 * and every $N (N = 1..10) by the literal of t->v[N-1]. The table name
 * is pasted after the scan, so a '$' in it stays what it is. */
static void pg_buf_fill(strata_buf *b, PGconn *db, const char *fmt,
                        const char *table, const pg_row_text *t)
{
	for (const char *p = fmt; *p;) {
		if (p[0] == '%' && p[1] == 's') {
			strata_buf_puts(b, table);
			p += 2;
		} else if (p[0] == '$' && p[1] >= '1' && p[1] <= '9') {
			int i = p[1] - '0';
			p += 2;
			if (i == 1 && *p == '0') {
				i = 10;
				p++;
			}
			pg_buf_literal(b, db, t->v[i - 1]);
		} else {
			strata_buf_append(b, p, 1);
			p++;
		}
	}
}

/* Picks a dollar-quote tag that `body` does not contain. */
static void pg_dollar_tag(char *tag, size_t size, const char *body)
{
	for (unsigned i = 0;; i++) {
		snprintf(tag, size, "$strata%u$", i);
		if (!strstr(body, tag))
			return;
	}
}

/* Appends the history change of apply_tx: the insert, or a DO block that
 * deletes the row and fails with P0002 when there was none. */
static int pg_buf_history(strata_buf *b, pg_conn *c, const char *table,
                          strata_history_op op, const strata_history_row *row,
                          strata_error *err)
{
	pg_name n;
	pg_row_text t;
	int rc = op == STRATA_HISTORY_INSERT ? pg_row_text_fill(&t, row, err) : 0;
	if (!rc && op != STRATA_HISTORY_INSERT && op != STRATA_HISTORY_DELETE)
		rc = strata_error_set(err, STRATA_EINVAL,
		                      "unknown history operation %d", (int)op);
	if (!rc)
		rc = pg_name_parse(c, &n, table, err);
	if (rc)
		return rc;
	if (op == STRATA_HISTORY_INSERT) {
		pg_buf_fill(b, c->db, PG_INSERT_SQL, n.quoted, &t);
		pg_name_free(&n);
		return 0;
	}
	memset(&t, 0, sizeof(t));
	t.v[0] = row->version;
	strata_buf body = { 0 };
	strata_buf_puts(&body, "BEGIN ");
	pg_buf_fill(&body, c->db, "DELETE FROM %s WHERE version = $1", n.quoted, &t);
	pg_name_free(&n);
	strata_buf_puts(&body, "; IF NOT FOUND THEN RAISE EXCEPTION USING "
	           "ERRCODE = 'no_data_found', MESSAGE = ");
	strata_buf msg = { 0 };
	strata_buf_printf(&msg, "no row for version ");
	strata_buf_puts(&msg, row->version);
	strata_buf_puts(&msg, " in history table ");
	strata_buf_puts(&msg, table);
	pg_buf_literal(&body, c->db, msg.oom ? "" : msg.buf);
	strata_buf_puts(&body, "; END IF; END");
	free(msg.buf);
	if (body.oom || msg.oom) {
		free(body.buf);
		return pg_nomem(err);
	}
	char tag[32];
	pg_dollar_tag(tag, sizeof(tag), body.buf);
	strata_buf_printf(b, "DO %s", tag);
	strata_buf_puts(b, body.buf);
	strata_buf_puts(b, tag);
	free(body.buf);
	return 0;
}

/* Whether `s` (len bytes) holds only blanks and comments: the server
 * sends no result for such a statement inside a longer query. */
static int pg_blank_sql(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
		    s[i] == '\f' || s[i] == '\v') {
			i++;
		} else if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
			int depth = 1;
			i += 2;
			while (i < len && depth) {
				if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (i + 1 < len && s[i] == '*' && s[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
		} else {
			return 0;
		}
	}
	return 1;
}

/* Where each part of the apply_tx text starts: BEGIN, the n statements,
 * the history change, COMMIT. The statements' entries of blank ones are
 * -1 (no result, never fails). */
typedef struct pg_tx_text {
	strata_buf b;
	size_t *start;        /* n + 3 byte offsets (part i, same order) */
	size_t n;
	long lead;            /* results before BEGIN's: a session reset */
} pg_tx_text;

static int pg_tx_text_build(pg_tx_text *tx, pg_conn *c, const char *table,
                            const strata_stmt *stmts, size_t n,
                            strata_history_op op, const strata_history_row *row,
                            int in_tx, strata_error *err)
{
	memset(tx, 0, sizeof(*tx));
	tx->n = n;
	tx->start = calloc(n + 3, sizeof(*tx->start));
	if (!tx->start)
		return pg_nomem(err);
	tx->start[0] = 0;
	if (c->reset_pending) {
		/* the session's search_path back, in the same round trip */
		char *reset = pg_reset_sql(c);
		if (!reset)
			return pg_nomem(err);
		strata_buf_puts(&tx->b, reset);
		strata_buf_puts(&tx->b, ";\n");
		free(reset);
		tx->lead = 1;
		c->reset_pending = 0;
	}
	/* inside the caller's transaction a savepoint takes BEGIN's place,
	 * so that the text has the same shape (one result before the first
	 * statement, one after the history change) */
	strata_buf_puts(&tx->b, in_tx ? "SAVEPOINT strata_migration;\n" : "BEGIN;\n");
	for (size_t i = 0; i < n; i++) {
		tx->start[i + 1] = tx->b.len;
		strata_buf_append(&tx->b, stmts[i].sql, stmts[i].len);
		/* the newline ends a trailing -- comment before the ';' */
		strata_buf_puts(&tx->b, "\n;\n");
	}
	tx->start[n + 1] = tx->b.len;
	int rc = pg_buf_history(&tx->b, c, table, op, row, err);
	if (rc)
		return rc;
	strata_buf_puts(&tx->b, ";\n");
	tx->start[n + 2] = tx->b.len;
	strata_buf_puts(&tx->b, in_tx ? "RELEASE SAVEPOINT strata_migration" : "COMMIT");
	return tx->b.oom ? pg_nomem(err) : 0;
}

static void pg_tx_text_free(pg_tx_text *tx)
{
	free(tx->b.buf);
	free(tx->start);
	memset(tx, 0, sizeof(*tx));
}

/* The part (0 BEGIN, 1..n statements, n+1 history, n+2 COMMIT) that
 * result number `result` belongs to, skipping blank statements. */
static size_t pg_tx_part_of_result(const strata_stmt *stmts, size_t n,
                                   long result)
{
	long k = 0;
	if (result <= 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!pg_blank_sql(stmts[i].sql, stmts[i].len) && ++k == result)
			return i + 1;
	return (size_t)(result - k) + n;
}

/* The part that byte offset `at` (0-based) of the text lies in. */
static size_t pg_tx_part_of_offset(const pg_tx_text *tx, size_t at)
{
	size_t part = 0;
	for (size_t i = 0; i < tx->n + 3; i++)
		if (tx->start[i] <= at)
			part = i;
	return part;
}

/* Turns an error on the apply_tx text into the failing statement: sets
 * err->statement (0 for the history change and COMMIT) and err->position
 * inside that statement. */
static void pg_tx_locate(const pg_tx_text *tx, const strata_stmt *stmts,
                         long failed_at, strata_error *err)
{
	size_t part;
	long pos = err->position;
	if (pos > 0)
		part = pg_tx_part_of_offset(tx, (size_t)pos - 1);
	else
		part = pg_tx_part_of_result(stmts, tx->n, failed_at - tx->lead);
	err->position = 0;
	err->statement = 0;
	if (part >= 1 && part <= tx->n) {
		err->statement = (long)part;
		size_t off = pos > 0 ? (size_t)pos - 1 - tx->start[part] : 0;
		if (pos > 0 && off < stmts[part - 1].len)
			err->position = (long)off + 1;
	}
}

/* Rolls back after a failure without touching the first error. */
static void pg_abort(pg_conn *c)
{
	strata_error scratch = { 0 };
	/* with the session gone the server rolled back already; the error
	 * that says so is the one to report */
	if (PQstatus(c->db) != CONNECTION_OK)
		return;
	if (pg_rollback(&c->base, &scratch))
		strata_conn_log(&c->base,
		                scratch.code == STRATA_ECONNLOST ? STRATA_LOG_DEBUG
		                                                 : STRATA_LOG_WARN,
		                "rollback failed: %s", scratch.message);
}

/* COPY FROM stdin cannot share the text: BEGIN, each statement with its
 * rows, the history change, COMMIT, one round trip each. */
static int pg_apply_stepwise(pg_conn *c, const char *table,
                             const strata_stmt *stmts, size_t n,
                             strata_history_op op, const strata_history_row *row,
                             strata_error *err)
{
	double t0 = strata_clock_now();
	int rc = pg_begin(&c->base, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		rc = pg_exec_stmt(&c->base, &stmts[i], err);
		if (rc) {
			err->statement = (long)i + 1;
			pg_abort(c);
			return rc;
		}
	}
	/* the statements went one by one: the duration is measured here */
	strata_history_row timed = *row;
	if (timed.duration < 0)
		timed.duration = strata_clock_now() - t0;
	if (op == STRATA_HISTORY_INSERT)
		rc = pg_history_insert(&c->base, table, &timed, err);
	else if (op == STRATA_HISTORY_DELETE)
		rc = pg_history_delete(&c->base, table, row->version, err);
	else
		rc = strata_error_set(err, STRATA_EINVAL,
		                      "unknown history operation %d", (int)op);
	if (!rc)
		rc = pg_commit(&c->base, err);
	if (rc) {
		err->statement = 0;
		pg_abort(c);
	}
	return rc;
}

static int pg_apply_tx(strata_conn *conn, const char *table,
                       const strata_stmt *stmts, size_t n,
                       strata_history_op op, const strata_history_row *row,
                       strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	int in_tx = (op & STRATA_HISTORY_IN_TX) != 0;
	op = (strata_history_op)(op & ~STRATA_HISTORY_IN_TX);
	if (!row || !row->version)
		return strata_error_set(err, STRATA_EINVAL,
		                        "apply_tx without a history row");
	for (size_t i = 0; i < n; i++)
		if (stmts[i].flags & STRATA_STMT_COPY_IN) {
			if (in_tx)
				return strata_error_set(err, STRATA_EINTERNAL,
				                        "apply_tx inside a transaction with COPY");
			return pg_apply_stepwise(c, table, stmts, n, op, row, err);
		}
	pg_tx_text tx;
	c->touched = 1;
	int rc = pg_tx_text_build(&tx, c, table, stmts, n, op, row, in_tx, err);
	if (rc) {
		pg_tx_text_free(&tx);
		return rc;
	}
	long failed_at = -1;
	rc = pg_run(c->db, tx.b.buf, tx.b.len, NULL, &failed_at, err);
	if (rc) {
		pg_tx_locate(&tx, stmts, failed_at, err);
		if (err->statement == 0 &&
		    pg_sqlstate_is(err, PG_SQLSTATE_NO_DATA_FOUND))
			err->code = rc = STRATA_ENOTFOUND;
		pg_abort(c);
	}
	pg_tx_text_free(&tx);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The migration lock                                                   */
/* ------------------------------------------------------------------ */

/* 64-bit FNV-1a of the strings in `parts` (NULL-terminated), one after
 * the other. */
static uint64_t pg_fnv1a(const char *const *parts)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; parts[i]; i++)
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
	return h;
}

/* The advisory lock key of history table `table`; `prefix` "strata:"
 * for the migration lock, "strata-work:" for the work lock. */
static int64_t pg_lock_key(const pg_conn *c, const char *prefix,
                           const char *table)
{
	const char *dot = strchr(table, '.');
	const char *parts[] = { prefix, c->schema, ".", table, NULL };
	if (dot) {
		parts[1] = table;
		parts[2] = NULL;
	}
	uint64_t h = pg_fnv1a(parts);
	int64_t key;
	memcpy(&key, &h, sizeof(key));
	return key;
}

static int pg_lock_session(pg_conn *c, strata_error *err)
{
	if (c->lock_db && PQstatus(c->lock_db) == CONNECTION_OK)
		return 0;
	if (c->lock_db) {
		PQfinish(c->lock_db);
		c->lock_db = NULL;
		c->locked = 0;
	}
	int rc = pg_connect(&c->lock_db, c->url, c->app_name, NULL, err);
	if (rc) {
		pg_scrub_err(err, c->password);
		return rc;
	}
	PQsetNoticeReceiver(c->lock_db, pg_on_notice, c);
	return 0;
}

/* One pg_try_advisory_lock on session `on`: 1 locked, 0 held
 * elsewhere, < 0 error. */
static int pg_lock_try(PGconn *on, int64_t key, strata_error *err)
{
	char k[32];
	const char *vals[] = { k };
	PGresult *res = NULL;
	snprintf(k, sizeof(k), "%lld", (long long)key);
	int rc = pg_params(on, "SELECT pg_catalog.pg_try_advisory_lock($1::bigint)",
	                   1, vals, &res, err);
	if (rc)
		return rc;
	int got = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return got;
}

/* Describes who holds advisory lock `key` into `out`: "pid N
 * (application, client, since time)"; "another session" when unknown. */
static void pg_lock_holder(pg_conn *c, int64_t key, char *out, size_t size)
{
	uint64_t u;
	char hi[16], lo[16];
	memcpy(&u, &key, sizeof(u));
	snprintf(hi, sizeof(hi), "%lu", (unsigned long)(u >> 32));
	snprintf(lo, sizeof(lo), "%lu", (unsigned long)(u & 0xffffffffUL));
	const char *vals[] = { hi, lo };
	PGresult *res = NULL;
	strata_error scratch = { 0 };
	snprintf(out, size, "another session");
	if (pg_params(c->lock_db,
	              "SELECT l.pid, coalesce(nullif(a.application_name, ''), 'no application_name'), "
	              "CASE WHEN a.client_addr IS NOT NULL THEN host(a.client_addr) "
	              "WHEN a.client_port = -1 THEN 'local socket' "
	              "ELSE 'client address not visible' END, "
	              "coalesce(to_char(coalesce(a.state_change, a.backend_start) AT TIME ZONE 'UTC', "
	              "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'an unknown time') "
	              "FROM pg_catalog.pg_locks l "
	              "LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
	              "WHERE l.locktype = 'advisory' AND l.granted "
	              "AND l.database = (SELECT oid FROM pg_catalog.pg_database "
	              "WHERE datname = current_database()) "
	              "AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1 "
	              "LIMIT 1", 2, vals, &res, &scratch) != 0)
		return;
	if (PQntuples(res) == 1)
		snprintf(out, size, "pid %s (%s, %s, since %s)", PQgetvalue(res, 0, 0),
		         PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		         PQgetvalue(res, 0, 3));
	PQclear(res);
}

static void pg_lock_wait_event(pg_conn *c, int64_t key, const char *table,
                               int work)
{
	if (!c->base.on_event)
		return; /* no query for the holder then */
	char holder[512];
	pg_lock_holder(c, key, holder, sizeof(holder));
	if (work)
		strata_conn_lock_wait(&c->base, "waiting for %s, a session of an earlier strata "
		                      "run on %s that is still finishing a statement", holder, table);
	else
		strata_conn_lock_wait(&c->base, "waiting for the migration lock of %s held by %s",
		                      table, holder);
}

static int pg_lock_timeout(pg_conn *c, int64_t key, const char *table,
                           double timeout, int work, strata_error *err)
{
	char holder[512];
	pg_lock_holder(c, key, holder, sizeof(holder));
	if (work)
		return strata_error_set(err, STRATA_ELOCK,
		                        "timed out after %g s waiting for %s, a session of an "
		                        "earlier strata run on %s that is still finishing a statement",
		                        timeout, holder, table);
	return strata_error_set(err, STRATA_ELOCK,
	                        "timed out after %g s waiting for the migration lock of %s, held by %s",
	                        timeout, table, holder);
}

/* Polls for the lock on session `on` with growing sleeps until `timeout`
 * (< 0: forever). `work`: the work lock (for the messages). */
static int pg_lock_wait(pg_conn *c, PGconn *on, int64_t key, const char *table,
                        double timeout, int work, strata_error *err)
{
	double deadline = strata_clock_now() + timeout;
	long delay = PG_LOCK_POLL_MIN_NS;
	pg_lock_wait_event(c, key, table, work);
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
		int got = pg_lock_try(on, key, err);
		if (got)
			return got < 0 ? got : 0;
		delay = delay * 2 > PG_LOCK_POLL_MAX_NS ? PG_LOCK_POLL_MAX_NS : delay * 2;
	}
	return pg_lock_timeout(c, key, table, timeout, work, err);
}

/* Takes lock `key` on session `on`, waiting up to `timeout`. */
static int pg_lock_take(pg_conn *c, PGconn *on, int64_t key, const char *table,
                        double timeout, int work, strata_error *err)
{
	int got = pg_lock_try(on, key, err);
	if (got < 0)
		return got;
	if (got)
		return 0;
	return timeout == 0 ? pg_lock_timeout(c, key, table, timeout, work, err)
	                    : pg_lock_wait(c, on, key, table, timeout, work, err);
}

/* Releases advisory lock `key` of session `on`. */
static int pg_lock_release(PGconn *on, int64_t key, strata_error *err)
{
	char k[32];
	const char *vals[] = { k };
	snprintf(k, sizeof(k), "%lld", (long long)key);
	return pg_params(on, "SELECT pg_catalog.pg_advisory_unlock($1::bigint)",
	                 1, vals, NULL, err);
}

static int pg_lock(strata_conn *conn, const char *key, double timeout,
                   strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	if (!key || !*key)
		return strata_error_set(err, STRATA_EINVAL, "empty migration lock key");
	int64_t k = pg_lock_key(c, "strata:", key);
	if (c->locked && c->lock_key == k && c->lock_db &&
	    PQstatus(c->lock_db) == CONNECTION_OK)
		return 0; /* re-entrant for its key, as driver.h says */
	if (c->locked && c->lock_key != k)
		return strata_error_set(err, STRATA_EINVAL,
		                        "the migration lock of another table is held");
	int rc = pg_lock_session(c, err);
	if (rc)
		return rc;
	double t0 = strata_clock_now();
	rc = pg_lock_take(c, c->lock_db, k, key, timeout, 0, err);
	if (rc)
		return rc;
	c->locked = 1;
	c->lock_key = k;
	/* The lock session of a run that died is gone at once, but its main
	 * session may still be running the statement in flight until the
	 * server notices (client_connection_check_interval, or when it next
	 * writes to the dead client). The main session therefore holds a
	 * second lock for the run, which such an orphan still holds: wait
	 * for it too, so that no two sessions ever migrate at once. */
	int64_t w = pg_lock_key(c, "strata-work:", key);
	double left = timeout < 0 ? timeout : timeout - (strata_clock_now() - t0);
	rc = pg_lock_take(c, c->db, w, key, left < 0 && timeout >= 0 ? 0 : left, 1, err);
	if (rc) {
		strata_error ignored = { 0 };
		c->locked = 0;
		pg_lock_release(c->lock_db, k, &ignored);
		return rc;
	}
	c->work_locked = 1;
	c->work_key = w;
	strata_conn_log(&c->base, STRATA_LOG_DEBUG,
	                "took the migration lock of %s (advisory lock %lld)", key,
	                (long long)k);
	return 0;
}

static int pg_unlock(strata_conn *conn, const char *key, strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	(void)key;
	if (c->work_locked) {
		/* gone with the session when that was lost */
		strata_error ignored = { 0 };
		c->work_locked = 0;
		if (PQstatus(c->db) == CONNECTION_OK &&
		    PQtransactionStatus(c->db) == PQTRANS_IDLE)
			pg_lock_release(c->db, c->work_key, &ignored);
	}
	if (!c->locked || !c->lock_db)
		return 0;
	c->locked = 0;
	int rc = pg_lock_release(c->lock_db, c->lock_key, err);
	if (rc && PQstatus(c->lock_db) != CONNECTION_OK) {
		/* the session is gone, and the lock with it */
		PQfinish(c->lock_db);
		c->lock_db = NULL;
		strata_error_clear(err);
		return 0;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Schema dump (pg_dump)                                                */
/* ------------------------------------------------------------------ */

/* Appends `key='value'` (libpq conninfo quoting) to `b`. */
static void pg_buf_conninfo(strata_buf *b, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	if (b->len)
		strata_buf_puts(b, " ");
	strata_buf_puts(b, key);
	strata_buf_puts(b, "='");
	for (const char *p = value; *p; p++) {
		if (*p == '\'' || *p == '\\')
			strata_buf_append(b, "\\", 1);
		strata_buf_append(b, p, 1);
	}
	strata_buf_puts(b, "'");
}

/* The default of libpq option `keyword` in `defs` (NULL when none). */
static const char *pg_default_of(const PQconninfoOption *defs,
                                 const char *keyword)
{
	for (const PQconninfoOption *d = defs; d && d->keyword; d++)
		if (strcmp(d->keyword, keyword) == 0)
			return d->val;
	return NULL;
}

/* Whether libpq option `o` goes to pg_dump: not a secret, not a debug
 * option, not one set from PQhost() and friends, and not at its default
 * (the child inherits the environment; a pg_dump older than this libpq
 * would refuse options it does not know). */
static int pg_dump_passes(const PQconninfoOption *o, const PQconninfoOption *defs)
{
	static const char *const skip[] = { "host", "hostaddr", "port", "user",
		"dbname", "password", "passfile", "sslpassword", NULL };
	if (!o->val || !*o->val ||
	    (o->dispchar && (strchr(o->dispchar, '*') || strchr(o->dispchar, 'D'))))
		return 0;
	for (size_t i = 0; skip[i]; i++)
		if (strcmp(o->keyword, skip[i]) == 0)
			return 0;
	const char *def = pg_default_of(defs, o->keyword);
	return !def || strcmp(def, o->val) != 0;
}

/* The live connection's parameters as a conninfo string for pg_dump:
 * where it is connected, and the other non-secret options it sets. */
static char *pg_dump_conninfo(PGconn *db)
{
	strata_buf b = { 0 };
	pg_buf_conninfo(&b, "host", PQhost(db));
	pg_buf_conninfo(&b, "port", PQport(db));
	pg_buf_conninfo(&b, "user", PQuser(db));
	pg_buf_conninfo(&b, "dbname", PQdb(db));
	PQconninfoOption *opts = PQconninfo(db);
	PQconninfoOption *defs = PQconndefaults();
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (pg_dump_passes(o, defs))
			pg_buf_conninfo(&b, o->keyword, o->val);
	PQconninfoFree(defs);
	PQconninfoFree(opts);
	if (b.oom) {
		free(b.buf);
		return NULL;
	}
	return b.buf;
}

/* Runs pg_dump with `argv` (argv[0] its name), the password in
 * PGPASSWORD; its stdout into *out. */
static int pg_dump_exec(pg_conn *c, char *const argv[], char **out,
                        strata_error *err)
{
	const char *programs[] = { argv[0], NULL };
	strata_spawn spec = {
		.programs = programs,
		.args = (const char *const *)argv + 1,
		.env_name = "PGPASSWORD",
		.env_value = PQpass(c->db) ? PQpass(c->db) : "",
		.missing = "pg_dump not found (install postgresql-client)",
		.fail_code = STRATA_EIO,
	};
	return strata_spawn_run(&spec, out, err);
}

static int pg_dump_schema(strata_conn *conn, char **out, strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	*out = NULL;
	char *conninfo = pg_dump_conninfo(c->db);
	if (!conninfo)
		return pg_nomem(err);
	strata_buf dbarg = { 0 };
	strata_buf_puts(&dbarg, "--dbname=");
	strata_buf_puts(&dbarg, conninfo);
	free(conninfo);
	if (dbarg.oom) {
		free(dbarg.buf);
		return pg_nomem(err);
	}
	char *argv[] = { (char *)PG_DUMP, (char *)"--schema-only",
	                 (char *)"--no-owner", (char *)"--no-privileges",
	                 dbarg.buf, NULL };
	strata_conn_log(&c->base, STRATA_LOG_DEBUG,
	                "running %s --schema-only --no-owner --no-privileges %s",
	                PG_DUMP, dbarg.buf);
	int rc = pg_dump_exec(c, argv, out, err);
	free(dbarg.buf);
	if (rc)
		pg_scrub_err(err, c->password);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Server version, databases                                            */
/* ------------------------------------------------------------------ */

static int pg_server_version(strata_conn *conn, char **out, strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	const char *v = PQparameterStatus(c->db, "server_version");
	char buf[32];
	if (!v) {
		int n = PQserverVersion(c->db);
		snprintf(buf, sizeof(buf), "%d.%d", n / 10000, n % 10000);
		v = buf;
	}
	*out = strdup(v);
	return *out ? 0 : pg_nomem(err);
}

/* Logs through the configuration's callback (no connection yet). */
static void pg_cfg_log(const strata_conn_config *cfg, strata_log_level level,
                       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pg_cfg_log(const strata_conn_config *cfg, strata_log_level level,
                       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!cfg->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg->log(cfg->log_data, level, msg);
}

/* The database the URL names (libpq's dbname), malloc'd into *out. */
static int pg_url_dbname(const char *url, char **out, strata_error *err)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &msg);
	*out = NULL;
	if (!opts) {
		PQfreemem(msg);
		return strata_error_set(err, STRATA_EURL, "malformed PostgreSQL URL");
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "dbname") == 0 && o->val && *o->val)
			*out = strdup(o->val);
	PQconninfoFree(opts);
	if (!*out) {
		const char *env = getenv("PGDATABASE");
		if (!env || !*env)
			return strata_error_set(err, STRATA_EURL,
			                        "the PostgreSQL URL names no database "
			                        "(postgres://host/DBNAME, or set PGDATABASE)");
		*out = strdup(env);
	}
	return *out ? 0 : pg_nomem(err);
}

/* Connects to a maintenance database of the server in cfg->url: postgres,
 * or template1 when that is missing or is the target itself. */
static int pg_connect_maintenance(PGconn **out, const strata_conn_config *cfg,
                                  const pg_url *u, const char *target,
                                  strata_error *err)
{
	const char *app = cfg->application_name && *cfg->application_name
	                  ? cfg->application_name : "strata";
	const char *first = strcmp(target, PG_MAINTENANCE_DB) == 0
	                    ? PG_MAINTENANCE_DB2 : PG_MAINTENANCE_DB;
	int rc = pg_connect(out, u->url, app, first, err);
	if (rc == STRATA_ECONNECT && strstr(err->message, "does not exist")) {
		strata_error second = { 0 };
		if (pg_connect(out, u->url, app, PG_MAINTENANCE_DB2, &second) == 0) {
			strata_error_clear(err);
			rc = 0;
		}
	}
	return rc;
}

/* Whether database `name` exists on the server of `db`: 1, 0 or < 0. */
static int pg_database_exists(PGconn *db, const char *name, strata_error *err)
{
	PGresult *res = NULL;
	const char *vals[] = { name };
	int rc = pg_params(db, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1",
	                   1, vals, &res, err);
	if (rc)
		return rc;
	rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

/* CREATE DATABASE `name` (an existing one is fine) or DROP DATABASE IF
 * EXISTS, on the maintenance session `db`, saying what happened. */
static int pg_database_run(PGconn *db, const strata_conn_config *cfg,
                           const char *name, int create, strata_error *err)
{
	int exists = pg_database_exists(db, name, err);
	if (exists < 0)
		return exists;
	if (exists == create) {
		pg_cfg_log(cfg, STRATA_LOG_INFO, "database %s %s", name,
		           create ? "already exists" : "does not exist");
		return 0;
	}
	char *q = pg_quote_ident(db, name);
	strata_buf b = { 0 };
	strata_buf_puts(&b, create ? "CREATE DATABASE " : "DROP DATABASE IF EXISTS ");
	strata_buf_puts(&b, q ? q : "");
	int rc = !q || b.oom ? pg_nomem(err) : pg_exec_own(db, b.buf, err);
	free(b.buf);
	free(q);
	if (rc == STRATA_ESQL && create &&
	    pg_sqlstate_is(err, PG_SQLSTATE_DUPLICATE_DATABASE)) {
		/* another runner created it just now */
		strata_error_clear(err);
		pg_cfg_log(cfg, STRATA_LOG_INFO, "database %s already exists", name);
		return 0;
	}
	if (!rc)
		pg_cfg_log(cfg, STRATA_LOG_INFO, "%s database %s",
		           create ? "created" : "dropped", name);
	return rc;
}

/* Creates or drops the database cfg->url names. */
static int pg_database_op(const strata_conn_config *cfg, int create,
                          strata_error *err)
{
	pg_url u;
	char *dbname = NULL;
	PGconn *db = NULL;
	int rc = pg_url_parse(&u, cfg->url, err);
	if (rc)
		return rc;
	rc = pg_url_dbname(u.url, &dbname, err);
	if (!rc)
		rc = pg_connect_maintenance(&db, cfg, &u, dbname, err);
	if (!rc)
		rc = pg_database_run(db, cfg, dbname, create, err);
	if (rc)
		pg_scrub_err(err, u.password);
	free(dbname);
	if (db)
		PQfinish(db);
	pg_url_free(&u);
	return rc;
}

static int pg_create_database(const strata_conn_config *cfg, strata_error *err)
{
	int lrc = pq_load(err);
	if (lrc)
		return lrc;
	return pg_database_op(cfg, 1, err);
}

static int pg_drop_database(const strata_conn_config *cfg, strata_error *err)
{
	int lrc = pq_load(err);
	if (lrc)
		return lrc;
	return pg_database_op(cfg, 0, err);
}

/* ------------------------------------------------------------------ */
/* Other tools' tables                                                  */
/* ------------------------------------------------------------------ */

/* Appends `name` as a quoted identifier. */
static void pg_buf_ident(strata_buf *b, const char *name)
{
	strata_buf_puts(b, "\"");
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			strata_buf_puts(b, "\"");
		if (*p == '%')
			strata_buf_puts(b, "%"); /* the SQL is a format for pg_name_sql */
		strata_buf_append(b, p, 1);
	}
	strata_buf_puts(b, "\"");
}

static int pg_read_table(strata_conn *conn, const char *table,
                         const char *const *cols, size_t ncols,
                         unsigned time_mask, char ***cells, size_t *nrows,
                         int *exists, strata_error *err)
{
	pg_conn *c = (pg_conn *)conn;
	*cells = NULL;
	*nrows = 0;
	*exists = 0;
	if (ncols == 0 || ncols > 32)
		return strata_error_set(err, STRATA_EINVAL, "read_table: 1 to 32 columns");
	int rc = pg_history_exists(c, table, exists, err);
	if (rc || !*exists)
		return rc;
	strata_buf b = { 0 };
	strata_buf_puts(&b, "SELECT ");
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			strata_buf_puts(&b, ", ");
		if (time_mask & (1u << i)) {
			/* a timestamp without a time zone is the session's local
			 * time; the cast says which instant that is */
			strata_buf_puts(&b, "to_char(");
			pg_buf_ident(&b, cols[i]);
			strata_buf_puts(&b, "::timestamptz AT TIME ZONE 'UTC', "
			           "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')");
		} else {
			pg_buf_ident(&b, cols[i]);
			strata_buf_puts(&b, "::text");
		}
	}
	strata_buf_puts(&b, " FROM %s");
	if (b.oom) {
		free(b.buf);
		return pg_nomem(err);
	}
	PGresult *res = NULL;
	rc = pg_name_params(c, table, b.buf, 0, NULL, &res, err);
	free(b.buf);
	if (rc)
		return rc;
	size_t n = (size_t)PQntuples(res);
	char **out = n ? calloc(n * ncols, sizeof(*out)) : NULL;
	if (n && !out)
		rc = pg_nomem(err);
	for (size_t r = 0; !rc && r < n; r++)
		for (size_t i = 0; !rc && i < ncols; i++)
			if (pg_field_dup(res, (int)r, (int)i, &out[r * ncols + i]))
				rc = pg_nomem(err);
	PQclear(res);
	if (rc) {
		strata_cells_free(out, n * ncols);
		return rc;
	}
	*cells = out;
	*nrows = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The driver                                                           */
/* ------------------------------------------------------------------ */

const strata_driver strata_driver_postgres = {
	.version = STRATA_DRIVER_VERSION,
	.name = "postgres",
	.schemes = pg_schemes,
	.dialect = STRATA_DIALECT_POSTGRES,
	.caps = STRATA_CAP_APPLY_IN_TX |
	        STRATA_CAP_TRANSACTIONAL_DDL | STRATA_CAP_ADVISORY_LOCK |
	        STRATA_CAP_MULTI_STATEMENT | STRATA_CAP_SCHEMAS,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.history_ensure = pg_history_ensure,
	.history_list = pg_history_list,
	.history_insert = pg_history_insert,
	.history_update = pg_history_update,
	.history_delete = pg_history_delete,
	.apply_tx = pg_apply_tx,
	.dump_schema = pg_dump_schema,
	.create_database = pg_create_database,
	.drop_database = pg_drop_database,
	.server_version = pg_server_version,
	.exec_stmt = pg_exec_stmt,
	.tx_state = pg_tx_state,
	.session_reset = pg_session_reset,
	.history_upgrade = pg_history_upgrade,
	.read_table = pg_read_table,
};
