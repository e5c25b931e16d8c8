/*
 * drivers/mysql/mysql.c - the MySQL / MariaDB driver (MariaDB Connector/C).
 *
 * Exports one symbol, `strata_driver_mysql`; everything else is static.
 *
 * URLs
 *   mysql://[user[:password]@][host][:port][/database][?param=value&...]
 *   mariadb://...                 the same
 * User, password, host, database and parameter values are percent-decoded;
 * an IPv6 host goes in brackets. Parameters (a '_' may stand for a '-'):
 *   socket=PATH          connect through a Unix socket
 *   ssl-ca=, ssl-cert=, ssl-key=, ssl-capath=   TLS files
 *   ssl-mode=DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY
 *   tls=true|false|preferred|skip-verify        the same, go-sql-driver style
 *   defaults-file=PATH   an option file read instead of the usual ones
 *   connect-timeout=SECONDS                     default 10
 *   init-command=SQL     a statement run first on every connection (such as
 *                        SET SESSION foreign_key_checks = 0); may repeat
 * Any other parameter is an error. The [client] group of the MySQL option
 * files is always read, so ~/.my.cnf supplies what the URL leaves out
 * (user, password, host, socket).
 *
 * With ssl-mode REQUIRED or stricter a session that did not set up TLS is
 * refused (ECONNECT), whatever the client library did.
 *
 * Statements
 *   exec sends one statement (mysql_real_query) and reads every result
 *   set it returns (CLIENT_MULTI_RESULTS, for CALL). A failure gives
 *   STRATA_ESQL with mysql_error, mysql_errno and the SQLSTATE; for
 *   "... near 'TEXT' at line N" err->position points at TEXT on line N of
 *   the statement. At DEBUG level every statement sent and the server's
 *   warnings and notes (SHOW WARNINGS) are logged.
 *
 * Sessions use utf8mb4 and autocommit. A ddl_lock_timeout sets the
 * session's lock_wait_timeout and innodb_lock_wait_timeout (whole seconds,
 * at least 1); an expired wait (errno 1205) is marked retryable. A
 * statement_timeout sets max_statement_time (MariaDB) or, when the server
 * has no such variable, max_execution_time (MySQL).
 *
 * The migration lock
 *   GET_LOCK(name, 0) polled with backoff (10 ms doubling to 200 ms) on a
 *   second connection of the driver's own, opened on the first lock() and
 *   closed by close(), so that the lock dies with the session and nothing
 *   a migration does on the main connection can drop it. The name is
 *   "strata:<database>.<table>" ("strata:<schema>.<table>" for a qualified
 *   table); a name longer than MySQL's 64 characters becomes
 *   "strata:#" and the 64-bit FNV-1a hash of it in hex.
 *
 * The history table
 *   InnoDB, utf8mb4; applied_at is DATETIME(3) written as UTC_TIMESTAMP(3)
 *   and listed as 'YYYY-MM-DDTHH:MM:SS.sssZ'. Every write is a prepared
 *   statement with bound values. The main connection uses
 *   CLIENT_FOUND_ROWS, so an UPDATE counts the rows it matched, and an
 *   update or delete that matched none is STRATA_ENOTFOUND.
 *
 * Ownership: open() allocates the my_conn that close() frees, with the
 *   parsed URL it keeps for the lock connection and mariadb-dump. Strings
 *   handed out (history rows, dump, version) are malloc'd and owned by the
 *   caller.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#include "mysql_api.h"

#include <strata/driver.h>

#define MY_LOCK_POLL_MIN 0.010      /* seconds */
#define MY_LOCK_POLL_MAX 0.200
#define MY_LOCK_NAME_MAX 64         /* MySQL's limit for GET_LOCK names */
#define MY_STMT_CACHE 4             /* insert, update, delete, spare */
#define MY_CONNECT_TIMEOUT 10       /* seconds, unless the URL says */
#define MY_ER_LOCK_WAIT_TIMEOUT 1205
#define MY_ER_LOCK_DEADLOCK 1213    /* rolls the whole transaction back */
/* errnos after which the connection is gone: server shutdown, connection
 * killed (KILL), server gone away, lost during a query (client library:
 * CR_SERVER_GONE_ERROR, CR_SERVER_LOST, CR_SERVER_LOST_EXTENDED), and
 * MySQL 8's idle-timeout disconnect */
#define MY_ER_SERVER_SHUTDOWN 1053
#define MY_ER_CONNECTION_KILLED 1927
#define MY_CR_SERVER_GONE_ERROR 2006
#define MY_CR_SERVER_LOST 2013
#define MY_CR_SERVER_LOST_EXTENDED 2055
#define MY_ER_CLIENT_INTERACTION_TIMEOUT 4031
#define MY_ER_UNKNOWN_SYSTEM_VARIABLE 1193
#define MY_MAX_PARAMS 12
#define MY_HISTORY_COLUMNS \
	"version, name, checksum, state, statements_done, statements_total, " \
	"down_sql, applied_at, duration_ms, applied_by, last_error"

/* TLS settings, weakest first. */
typedef enum my_ssl_mode {
	MY_SSL_DEFAULT = 0,   /* whatever the library and option files do */
	MY_SSL_DISABLED,
	MY_SSL_PREFERRED,
	MY_SSL_REQUIRED,
	MY_SSL_VERIFY_CA,
	MY_SSL_VERIFY_IDENTITY
} my_ssl_mode;

/* A parsed URL. Every string is malloc'd (or NULL when absent) and owned
 * by the struct; my_url_free() frees them. */
typedef struct my_url {
	char *user;
	char *password;
	char *host;
	unsigned port;            /* 0: the default */
	char *database;
	char *socket;
	char *ssl_ca;
	char *ssl_cert;
	char *ssl_key;
	char *ssl_capath;
	char *defaults_file;
	my_ssl_mode ssl_mode;
	unsigned connect_timeout;
	/* go-sql-driver's settings, as dbmate URLs carry them */
	unsigned read_timeout;    /* seconds, 0: none */
	unsigned write_timeout;
	char *collation;          /* utf8mb4_..., or NULL */
	int cleartext;            /* allowCleartextPasswords */
	char **init;              /* init-command statements, in URL order */
	size_t n_init;
} my_url;

/* A connection: the strata_conn base first, as driver.h requires. */
typedef struct my_conn {
	strata_conn base;
	MYSQL *db;
	MYSQL *lock_db;           /* NULL until the first lock() */
	my_url url;               /* owned */
	char *database;           /* DATABASE() after connecting; owned */
	char *app;                /* application name; owned, may be NULL */
	char *lock_name;          /* the GET_LOCK name held, or NULL; owned */
	char *work_name;          /* the work lock held on `db`, or NULL; owned */
	struct {                  /* prepared history writes, kept for the
	                             connection's life: one round trip each */
		char *sql;
		MYSQL_STMT *st;
	} cache[MY_STMT_CACHE];
	struct timespec tx_start; /* when begin() ran */
	int in_tx;
	char ms[32];              /* the duration bound to a history write */
	int aborted;              /* the last statement's error rolled back
	                             the transaction (deadlock, lost
	                             connection): tx_state */
} my_conn;

/* A value bound to a prepared statement's placeholder. */
typedef struct my_param {
	const char *s;            /* text, or NULL for SQL NULL (unless is_int) */
	long long i;
	int is_int;
} my_param;

static const char *const my_schemes[] = { "mysql", "mariadb", NULL };

extern const strata_driver strata_driver_mysql;
static int my_rollback(strata_conn *conn, strata_error *err);

/* ------------------------------------------------------------------ */
/* Errors and small helpers                                             */
/* ------------------------------------------------------------------ */

static int my_nomem(strata_error *err)
{
	return strata_error_set(err, STRATA_ENOMEM, "out of memory");
}

/* Fills err from a server error: message, errno, SQLSTATE, retryable. */
static int my_fill(strata_error *err, int code, const char *msg,
                   unsigned no, const char *state)
{
	if (code == STRATA_ESQL &&
	    (no == MY_ER_SERVER_SHUTDOWN || no == MY_ER_CONNECTION_KILLED ||
	     no == MY_CR_SERVER_GONE_ERROR || no == MY_CR_SERVER_LOST ||
	     no == MY_CR_SERVER_LOST_EXTENDED ||
	     no == MY_ER_CLIENT_INTERACTION_TIMEOUT)) {
		/* what ran in the open transaction was rolled back with it */
		strata_error_set(err, STRATA_ECONNLOST,
		                 "lost the connection to the MySQL server: %s",
		                 msg && *msg ? msg : "connection closed");
		err->native_code = (long)no;
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state ? state : "");
		return STRATA_ECONNLOST;
	}
	strata_error_set(err, code, "%s", msg && *msg ? msg : "unknown MySQL error");
	err->native_code = (long)no;
	/* without an errno the library made no server error: no SQLSTATE */
	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s",
	         no && state ? state : "");
	err->retryable = no == MY_ER_LOCK_WAIT_TIMEOUT;
	return code;
}

static int my_fail(MYSQL *db, strata_error *err)
{
	return my_fill(err, STRATA_ESQL, mysql_error(db), mysql_errno(db),
	               mysql_sqlstate(db));
}

static int my_stmt_fail(MYSQL_STMT *st, strata_error *err)
{
	return my_fill(err, STRATA_ESQL, mysql_stmt_error(st),
	               mysql_stmt_errno(st), mysql_stmt_sqlstate(st));
}

/* strdup that keeps NULL. Sets *oom when memory ran out. */
static char *my_dup(const char *s, int *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

/* A malloc'd printf. NULL when out of memory. */
static char *my_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *my_fmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* ------------------------------------------------------------------ */
/* URLs                                                                 */
/* ------------------------------------------------------------------ */

static void my_url_free(my_url *u)
{
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->database);
	free(u->socket);
	free(u->ssl_ca);
	free(u->ssl_cert);
	free(u->ssl_key);
	free(u->ssl_capath);
	free(u->defaults_file);
	free(u->collation);
	for (size_t i = 0; i < u->n_init; i++)
		free(u->init[i]);
	free(u->init);
	memset(u, 0, sizeof(*u));
}

/* Percent-decodes s[0..len) into a new string. `what` names the part in
 * the error message (never its value: it may be a password). */
static int my_decode(char **out, const char *s, size_t len, const char *what,
                     strata_error *err)
{
	const char *why;
	int rc = strata_url_decode(out, s, len, &why);
	if (rc == STRATA_ENOMEM)
		return my_nomem(err);
	if (rc)
		return strata_error_set(err, STRATA_EURL, "%s in the %s of the MySQL URL",
		                        why, what);
	return 0;
}

/* Parses the ssl-mode / tls value into u->ssl_mode. */
static int my_url_ssl_mode(my_url *u, const char *key, const char *v,
                           strata_error *err)
{
	static const struct {
		const char *name;
		my_ssl_mode mode;
	} modes[] = {
		{ "disabled", MY_SSL_DISABLED }, { "preferred", MY_SSL_PREFERRED },
		{ "required", MY_SSL_REQUIRED }, { "verify_ca", MY_SSL_VERIFY_CA },
		{ "verify-ca", MY_SSL_VERIFY_CA },
		{ "verify_identity", MY_SSL_VERIFY_IDENTITY },
		{ "verify-identity", MY_SSL_VERIFY_IDENTITY },
		/* tls= values */
		{ "true", MY_SSL_VERIFY_IDENTITY }, { "1", MY_SSL_VERIFY_IDENTITY },
		{ "false", MY_SSL_DISABLED }, { "0", MY_SSL_DISABLED },
		{ "skip-verify", MY_SSL_REQUIRED },
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcasecmp(v, modes[i].name) == 0) {
			u->ssl_mode = modes[i].mode;
			return 0;
		}
	return strata_error_set(err, STRATA_EURL,
	                        "bad value \"%s\" for %s in the MySQL URL "
	                        "(expected DISABLED, PREFERRED, REQUIRED, VERIFY_CA "
	                        "or VERIFY_IDENTITY)", v, key);
}

/* A Go duration ("10s", "1m30s", "500ms") as whole seconds, rounded up,
 * into *out; -1 when it is not one or longer than `max` seconds. */
static int my_go_duration(unsigned *out, const char *v, unsigned max)
{
	static const struct { const char *unit; double s; } units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 }, { "ms", 1e-3 },
		{ "s", 1 }, { "m", 60 }, { "h", 3600 },
	};
	double total = 0;
	if (!*v)
		return -1;
	while (*v) {
		char *end;
		if (!isdigit((unsigned char)*v) && *v != '.')
			return -1;
		double n = strtod(v, &end);
		if (end == v)
			return -1;
		size_t i, best = 0, blen = 0;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (strncmp(end, units[i].unit, l) == 0 && l > blen) {
				best = i;
				blen = l;
			}
		}
		if (!blen)
			return -1;
		total += n * units[best].s;
		v = end + blen;
	}
	if (total > max)
		return -1;
	unsigned t = (unsigned)total;
	*out = t + ((double)t < total);
	return 0;
}

/* go-sql-driver's parameters (the Go client's own, as dbmate URLs carry
 * them). Returns 1 when `key` is one (then 0 or an error in *rc). */
static int my_url_go_param(my_url *u, const char *key, const char *v, int *rc,
                           strata_error *err)
{
	/* what only the Go client does: nothing to do here */
	static const char *const ignored[] = {
		"parseTime", "loc", "multiStatements", "interpolateParams",
		"clientFoundRows", "columnsWithAlias", "allowNativePasswords",
		"allowOldPasswords", "allowFallbackToPlaintext", "checkConnLiveness",
		"maxAllowedPacket", "timeTruncate", "rejectReadOnly", NULL
	};
	*rc = 0;
	for (const char *const *k = ignored; *k; k++)
		if (strcmp(key, *k) == 0)
			return 1;
	if (strcmp(key, "timeout") == 0 || strcmp(key, "readTimeout") == 0 ||
	    strcmp(key, "writeTimeout") == 0) {
		unsigned *slot = key[0] == 't' ? &u->connect_timeout
		               : key[0] == 'r' ? &u->read_timeout : &u->write_timeout;
		if (my_go_duration(slot, v, key[0] == 't' ? 3600 : 86400) != 0)
			*rc = strata_error_set(err, STRATA_EURL,
			                       "bad %s \"%s\" in the MySQL URL (a duration "
			                       "such as 30s or 1m30s, at most %s)", key, v,
			                       key[0] == 't' ? "1h" : "24h");
		return 1;
	}
	if (strcmp(key, "charset") == 0) {
		/* a list, the first the server knows wins: strata sends UTF-8 */
		size_t n = strcspn(v, ",");
		if (!((n == 7 && strncmp(v, "utf8mb4", 7) == 0) ||
		      (n == 4 && strncmp(v, "utf8", 4) == 0) ||
		      (n == 7 && strncmp(v, "utf8mb3", 7) == 0)))
			*rc = strata_error_set(err, STRATA_EURL,
			                       "charset \"%s\" in the MySQL URL: strata reads "
			                       "migration files as UTF-8 and sends them as "
			                       "utf8mb4 (leave charset out, or say utf8mb4)", v);
		return 1;
	}
	if (strcmp(key, "collation") == 0) {
		int ok = strncmp(v, "utf8mb4_", 8) == 0 && strlen(v) < 64 && v[8];
		for (const char *p = v; ok && *p; p++)
			ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
		if (!ok) {
			*rc = strata_error_set(err, STRATA_EURL,
			                       "collation \"%s\" in the MySQL URL: strata's "
			                       "sessions are utf8mb4, so a utf8mb4_... "
			                       "collation is expected", v);
			return 1;
		}
		free(u->collation);
		u->collation = strdup(v);
		if (!u->collation)
			*rc = my_nomem(err);
		return 1;
	}
	if (strcmp(key, "allowCleartextPasswords") == 0) {
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			u->cleartext = 1;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			u->cleartext = 0;
		else
			*rc = strata_error_set(err, STRATA_EURL,
			                       "bad allowCleartextPasswords \"%s\" in the "
			                       "MySQL URL (true or false)", v);
		return 1;
	}
	return 0;
}

/* One key=value parameter of the query string; `key` is already decoded
 * with '_' turned into '-'. Takes ownership of `v`. */
static int my_url_param(my_url *u, const char *key, char *v, strata_error *err)
{
	struct {
		const char *name;
		char **slot;
	} strs[] = {
		{ "socket", &u->socket }, { "ssl-ca", &u->ssl_ca },
		{ "ssl-cert", &u->ssl_cert }, { "ssl-key", &u->ssl_key },
		{ "ssl-capath", &u->ssl_capath },
		{ "defaults-file", &u->defaults_file },
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strcmp(key, strs[i].name) == 0) {
			free(*strs[i].slot);
			*strs[i].slot = v;
			return 0;
		}
	if (strcmp(key, "init-command") == 0) {
		/* a session setting run on every connection, after connecting */
		if (!*v) {
			free(v);
			return strata_error_set(err, STRATA_EURL,
			                        "empty init-command in the MySQL URL");
		}
		char **ni = realloc(u->init, (u->n_init + 1) * sizeof(*ni));
		if (!ni) {
			free(v);
			return my_nomem(err);
		}
		u->init = ni;
		u->init[u->n_init++] = v;
		return 0;
	}
	int rc = 0;
	if (strcmp(key, "ssl-mode") == 0 || strcmp(key, "sslmode") == 0 ||
	    strcmp(key, "tls") == 0) {
		rc = my_url_ssl_mode(u, key, v, err);
	} else if (strcmp(key, "connect-timeout") == 0) {
		char *end;
		errno = 0;
		unsigned long t = strtoul(v, &end, 10);
		if (!*v || *end || errno || t > 3600 || v[0] == '-')
			rc = strata_error_set(err, STRATA_EURL,
			                      "bad connect-timeout \"%s\" in the MySQL URL "
			                      "(whole seconds, at most 3600)", v);
		else
			u->connect_timeout = (unsigned)t;
	} else if (my_url_go_param(u, key, v, &rc, err)) {
		/* rc says */
	} else if (strchr(key, '@')) {
		/* most likely part of a password with an unencoded '?' */
		rc = strata_error_set(err, STRATA_EURL,
		                      "malformed MySQL URL: a '?' before the '@' "
		                      "(percent-encode it as %%3F in a password)");
	} else {
		rc = strata_error_set(err, STRATA_EURL,
		                      "unknown parameter \"%s\" in the MySQL URL (known: "
		                      "socket, ssl-ca, ssl-cert, ssl-key, ssl-capath, "
		                      "ssl-mode, tls, defaults-file, connect-timeout, "
		                      "init-command, and "
		                      "go-sql-driver's timeout, readTimeout, writeTimeout, "
		                      "charset, collation, parseTime...)", key);
	}
	free(v);
	return rc;
}

static int my_url_query(my_url *u, const char *q, strata_error *err)
{
	while (*q) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);
		size_t klen = eq ? (size_t)(eq - q) : len;
		char *key = NULL, *val = NULL;
		int rc = my_decode(&key, q, klen, "parameter names", err);
		if (rc)
			return rc;
		for (char *p = key; *p; p++)
			if (*p == '_')
				*p = '-';
		if (eq)
			rc = my_decode(&val, eq + 1, len - klen - 1, "parameters", err);
		else
			val = strdup("");
		if (!rc && !val)
			rc = my_nomem(err);
		if (!rc && !*key) {
			rc = strata_error_set(err, STRATA_EURL,
			                      "empty parameter name in the MySQL URL");
			free(val);
		} else if (!rc) {
			rc = my_url_param(u, key, val, err);
		}
		free(key);
		if (rc)
			return rc;
		q += len;
		if (*q == '&')
			q++;
	}
	return 0;
}

/* host[:port] or [v6][:port] in s[0..len). */
static int my_url_host(my_url *u, const char *s, size_t len, strata_error *err)
{
	const char *end = s + len, *port = NULL;
	const char *h = s, *hend;
	if (len && *s == '[') {
		const char *close = memchr(s, ']', len);
		if (!close)
			return strata_error_set(err, STRATA_EURL,
			                        "unterminated [IPv6 address] in the MySQL URL");
		h = s + 1;
		hend = close;
		if (close + 1 < end) {
			if (close[1] != ':')
				return strata_error_set(err, STRATA_EURL,
				                        "junk after the [IPv6 address] in the MySQL URL");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);
		hend = colon ? colon : end;
		port = colon ? colon + 1 : NULL;
	}
	if (hend > h) {
		int rc = my_decode(&u->host, h, (size_t)(hend - h), "host", err);
		if (rc)
			return rc;
	}
	if (port) {
		unsigned long p = 0;
		const char *q = port;
		while (q < end && *q >= '0' && *q <= '9' && p <= 65535)
			p = p * 10 + (unsigned long)(*q++ - '0');
		if (q == port || q != end || p == 0 || p > 65535)
			return strata_error_set(err, STRATA_EURL,
			                        "bad port in the MySQL URL (expected 1-65535; "
			                        "a ':' or '?' in a password must be "
			                        "percent-encoded)");
		u->port = (unsigned)p;
	}
	return 0;
}

/* Parses `url` into *u (zeroed first; freed on failure). */
static int my_url_parse(my_url *u, const char *url, strata_error *err)
{
	memset(u, 0, sizeof(*u));
	u->connect_timeout = MY_CONNECT_TIMEOUT;
	const char *s = url ? strstr(url, "://") : NULL;
	if (!s)
		return strata_error_set(err, STRATA_EURL,
		                        "a MySQL URL looks like mysql://user:password@host:port/database");
	s += 3;
	const char *qmark = strchr(s, '?');
	const char *end = qmark ? qmark : s + strlen(s);
	const char *at = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '@')
			at = p;
	int rc = 0;
	if (at && *s == '/')
		/* mysql:///user:pw@host: which part is what is anyone's guess */
		return strata_error_set(err, STRATA_EURL,
		                        "the user and password of a MySQL URL come right after "
		                        "'//': mysql://user:password@host:port/database");
	if (at) {
		const char *colon = memchr(s, ':', (size_t)(at - s));
		size_t ulen = colon ? (size_t)(colon - s) : (size_t)(at - s);
		if (ulen)
			rc = my_decode(&u->user, s, ulen, "user", err);
		if (!rc && colon)
			rc = my_decode(&u->password, colon + 1,
			               (size_t)(at - colon - 1), "password", err);
		s = at + 1;
	}
	const char *slash = memchr(s, '/', (size_t)(end - s));
	const char *hend = slash ? slash : end;
	if (!rc)
		rc = my_url_host(u, s, (size_t)(hend - s), err);
	if (!rc && slash && end > slash + 1)
		rc = my_decode(&u->database, slash + 1, (size_t)(end - slash - 1),
		               "database", err);
	if (!rc && u->database && strchr(u->database, '/'))
		rc = strata_error_set(err, STRATA_EURL,
		                      "the database in the MySQL URL contains a '/'");
	if (!rc && qmark)
		rc = my_url_query(u, qmark + 1, err);
	if (rc)
		my_url_free(u);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Connecting                                                           */
/* ------------------------------------------------------------------ */

/* Applies the URL's TLS settings before connecting. */
static void my_set_tls(MYSQL *db, const my_url *u)
{
	my_bool on = 1, off = 0;
	if (u->ssl_ca)
		mysql_optionsv(db, MYSQL_OPT_SSL_CA, u->ssl_ca);
	if (u->ssl_capath)
		mysql_optionsv(db, MYSQL_OPT_SSL_CAPATH, u->ssl_capath);
	if (u->ssl_cert)
		mysql_optionsv(db, MYSQL_OPT_SSL_CERT, u->ssl_cert);
	if (u->ssl_key)
		mysql_optionsv(db, MYSQL_OPT_SSL_KEY, u->ssl_key);
	switch (u->ssl_mode) {
	case MY_SSL_DEFAULT:
		break;
	case MY_SSL_DISABLED:
		mysql_optionsv(db, MYSQL_OPT_SSL_ENFORCE, &off);
		mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
		break;
	case MY_SSL_PREFERRED:
		mysql_ssl_set(db, u->ssl_key, u->ssl_cert, u->ssl_ca,
		              u->ssl_capath, NULL);
		break;
	case MY_SSL_REQUIRED:
		mysql_optionsv(db, MYSQL_OPT_SSL_ENFORCE, &on);
		mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
		break;
	case MY_SSL_VERIFY_CA:
	case MY_SSL_VERIFY_IDENTITY:
		mysql_optionsv(db, MYSQL_OPT_SSL_ENFORCE, &on);
		mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
		break;
	}
}

/* Where the connection goes, for messages. */
static void my_target(char *buf, size_t size, const my_url *u)
{
	if (u->socket)
		snprintf(buf, size, "socket %s", u->socket);
	else if (u->host)
		snprintf(buf, size, "%s:%u", u->host, u->port ? u->port : 3306u);
	else
		snprintf(buf, size, "the default server");
}

/* Runs one statement whose text is NUL-terminated and discards any rows. */
static int my_query(MYSQL *db, const char *sql, strata_error *err);

/* Connects to the URL's server, to `database` (NULL: none). `flags` are
 * CLIENT_* flags. Errors: STRATA_ECONNECT with the server's message. */
static int my_connect(MYSQL **out, const my_url *u, const char *database,
                      unsigned long flags, const char *app, strata_error *err)
{
	*out = NULL;
	MYSQL *db = mysql_init(NULL);
	if (!db)
		return my_nomem(err);
	unsigned timeout = u->connect_timeout;
	if (u->defaults_file)
		mysql_optionsv(db, MYSQL_READ_DEFAULT_FILE, u->defaults_file);
	mysql_optionsv(db, MYSQL_READ_DEFAULT_GROUP, "client");
	mysql_optionsv(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (timeout)
		mysql_optionsv(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (u->read_timeout)
		mysql_optionsv(db, MYSQL_OPT_READ_TIMEOUT, &u->read_timeout);
	if (u->write_timeout)
		mysql_optionsv(db, MYSQL_OPT_WRITE_TIMEOUT, &u->write_timeout);
	if (u->cleartext) {
		my_bool on = 1;
		mysql_optionsv(db, MYSQL_ENABLE_CLEARTEXT_PLUGIN, &on);
	}
	if (app && *app)
		mysql_optionsv(db, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", app);
	my_set_tls(db, u);
	if (!mysql_real_connect(db, u->host, u->user, u->password, database,
	                        u->port, u->socket,
	                        flags | CLIENT_MULTI_RESULTS)) {
		char where[512];
		my_target(where, sizeof(where), u);
		strata_error_set(err, STRATA_ECONNECT,
		                 "cannot connect to MySQL at %s: %s", where,
		                 mysql_error(db));
		err->native_code = (long)mysql_errno(db);
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s",
		         mysql_sqlstate(db));
		mysql_close(db);
		return STRATA_ECONNECT;
	}
	/* Some Connector/C versions go on without TLS when the server has
	 * none, even with MYSQL_OPT_SSL_ENFORCE: check the session itself. */
	if (u->ssl_mode >= MY_SSL_REQUIRED && !mysql_get_ssl_cipher(db)) {
		char where[512];
		my_target(where, sizeof(where), u);
		mysql_close(db);
		return strata_error_set(err, STRATA_ECONNECT,
		                        "cannot connect to MySQL at %s: the server "
		                        "did not set up TLS, which the URL requires "
		                        "(ssl-mode / tls)", where);
	}
	if (mysql_autocommit(db, 1)) {
		int rc = my_fail(db, err);
		mysql_close(db);
		return rc;
	}
	if (u->collation) {
		/* checked to be utf8mb4_[a-z0-9_]+ when the URL was read */
		char sql[128];
		snprintf(sql, sizeof(sql), "SET NAMES utf8mb4 COLLATE %s", u->collation);
		int rc = my_query(db, sql, err);
		if (rc) {
			mysql_close(db);
			return rc;
		}
	}
	for (size_t i = 0; i < u->n_init; i++) {
		int rc = my_query(db, u->init[i], err);
		if (rc) {
			/* the URL's own setting failed: a configuration error */
			char msg[sizeof(err->message)];
			snprintf(msg, sizeof(msg), "%s", err->message);
			strata_error_set(err, STRATA_ECONNECT,
			                 "init-command %zu of the MySQL URL (\"%.80s\") "
			                 "failed: %s", i + 1, u->init[i], msg);
			mysql_close(db);
			return STRATA_ECONNECT;
		}
	}
	*out = db;
	return 0;
}


/* SET SESSION of the configured timeouts. */
static int my_session_timeouts(my_conn *c, const strata_conn_config *cfg,
                               strata_error *err)
{
	char sql[256];
	int rc;
	if (cfg->ddl_lock_timeout > 0) {
		double t = cfg->ddl_lock_timeout;
		long secs = (long)t;
		if ((double)secs < t)
			secs++;
		if (secs < 1)
			secs = 1;
		snprintf(sql, sizeof(sql),
		         "SET SESSION lock_wait_timeout = %ld, "
		         "innodb_lock_wait_timeout = %ld", secs, secs);
		if ((rc = my_query(c->db, sql, err)))
			return rc;
	}
	if (cfg->statement_timeout > 0) {
		snprintf(sql, sizeof(sql), "SET SESSION max_statement_time = %.3f",
		         cfg->statement_timeout);
		rc = my_query(c->db, sql, err);
		if (rc && err->native_code == MY_ER_UNKNOWN_SYSTEM_VARIABLE) {
			strata_error_clear(err);
			snprintf(sql, sizeof(sql),
			         "SET SESSION max_execution_time = %.0f",
			         cfg->statement_timeout * 1000.0 + 0.5);
			rc = my_query(c->db, sql, err);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int my_unlock(strata_conn *conn, const char *key, strata_error *err);

static void my_close(strata_conn *conn)
{
	my_conn *c = (my_conn *)conn;
	if (!c)
		return;
	if (c->lock_name || c->work_name) {
		/* released at once, not when the server gets round to the
		 * closed connections */
		strata_error ignored = { 0 };
		my_unlock(conn, NULL, &ignored);
	}
	if (c->lock_db)
		mysql_close(c->lock_db);
	if (c->db)
		mysql_close(c->db);
	my_url_free(&c->url);
	free(c->database);
	free(c->app);
	free(c->lock_name);
	free(c->work_name);
	for (size_t i = 0; i < MY_STMT_CACHE; i++) {
		if (c->cache[i].st)
			mysql_stmt_close(c->cache[i].st);
		free(c->cache[i].sql);
	}
	free(c);
}

/* Single-value query through a prepared statement; see below. */
static int my_value(MYSQL *db, const char *sql, const my_param *p, size_t n,
                    char *out, size_t size, int *is_null, strata_error *err);

static int my_open(strata_conn **out, const strata_conn_config *cfg,
                   strata_error *err)
{
	*out = NULL;
	int lrc = my_load(err);
	if (lrc)
		return lrc;
	my_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return my_nomem(err);
	strata_conn_init(&c->base, &strata_driver_mysql, cfg);
	int oom = 0;
	c->app = my_dup(cfg->application_name, &oom);
	int rc = oom ? my_nomem(err) : my_url_parse(&c->url, cfg->url, err);
	if (!rc)
		rc = my_connect(&c->db, &c->url, c->url.database, CLIENT_FOUND_ROWS,
		                c->app, err);
	if (!rc)
		rc = my_session_timeouts(c, cfg, err);
	char dbname[256];
	int null = 1;
	if (!rc)
		rc = my_value(c->db, "SELECT DATABASE()", NULL, 0, dbname,
		              sizeof(dbname), &null, err);
	if (!rc && !(c->database = strdup(null ? "" : dbname)))
		rc = my_nomem(err);
	if (rc) {
		my_close(&c->base);
		return rc;
	}
	*out = &c->base;
	return 0;
}

/* ------------------------------------------------------------------ */
/* exec                                                                 */
/* ------------------------------------------------------------------ */

/* Reads and frees every result set the last query produced. */
static int my_drain(MYSQL *db, strata_error *err)
{
	for (;;) {
		MYSQL_RES *res = mysql_store_result(db);
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(db) != 0)
			return my_fail(db, err);
		int next = mysql_next_result(db);
		if (next < 0)
			return 0;
		if (next > 0)
			return my_fail(db, err);
	}
}

static int my_query_len(MYSQL *db, const char *sql, size_t len,
                        strata_error *err)
{
	if (mysql_real_query(db, sql, (unsigned long)len))
		return my_fail(db, err);
	return my_drain(db, err);
}

static int my_query(MYSQL *db, const char *sql, strata_error *err)
{
	return my_query_len(db, sql, strlen(sql), err);
}

/* Finds `needle` (nlen bytes) in hay[from..len); -1 when absent. */
static long my_find(const char *hay, size_t len, size_t from,
                    const char *needle, size_t nlen)
{
	if (nlen == 0 || nlen > len)
		return -1;
	for (size_t i = from; i + nlen <= len; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return (long)i;
	return -1;
}

/*
 * MySQL reports syntax errors as "... near 'TEXT' at line N". Sets
 * err->position to where TEXT starts on line N of the statement (or to the
 * start of line N when TEXT cannot be found there).
 */
static void my_error_position(strata_error *err, const char *sql, size_t len)
{
	const char *at = strstr(err->message, "at line ");
	if (!at)
		return;
	const char *last;
	while ((last = strstr(at + 1, "at line ")))
		at = last;
	long line = strtol(at + 8, NULL, 10);
	if (line < 1)
		return;
	size_t start = 0;
	for (long l = 1; l < line && start < len; start++)
		if (sql[start] == '\n')
			l++;
	if (start >= len && line > 1)
		return;
	err->position = (long)start + 1;
	const char *near = strstr(err->message, "near '");
	if (!near || near > at)
		return;
	near += 6;
	size_t nlen = (size_t)(at - near);
	if (nlen >= 2 && near[nlen - 2] == '\'' && near[nlen - 1] == ' ')
		nlen -= 2;
	else
		return;
	if (nlen > 24)
		nlen = 24;  /* the server may have cut it; a prefix is enough */
	if (nlen == 0) {  /* near '': the statement ended too early */
		err->position = len ? (long)len : 1;
		return;
	}
	long pos = my_find(sql, len, start, near, nlen);
	if (pos >= 0)
		err->position = pos + 1;
}

/* Logs the last statement's warnings and notes at DEBUG level (what -v
 * shows as server notices). Only when someone listens. */
static void my_log_warnings(my_conn *c)
{
	if (!c->base.log || mysql_warning_count(c->db) == 0)
		return;
	if (mysql_real_query(c->db, "SHOW WARNINGS", 13))
		return;
	MYSQL_RES *res = mysql_store_result(c->db);
	if (!res)
		return;
	MYSQL_ROW r;
	while ((r = mysql_fetch_row(res)) && mysql_num_fields(res) >= 3)
		strata_conn_log(&c->base, STRATA_LOG_DEBUG, "mysql: %s %s: %s",
		                r[0] ? r[0] : "", r[1] ? r[1] : "",
		                r[2] ? r[2] : "");
	mysql_free_result(res);
}

/* Logs the statement sent, on one line (runs of white space become one
 * space), cut at 400 bytes. */
static void my_log_sql(my_conn *c, const char *sql, size_t len)
{
	char line[404];
	size_t k = 0;
	if (!c->base.log)
		return;
	for (size_t i = 0; i < len && k < 400; i++) {
		int space = sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' ||
		            sql[i] == '\r';
		if (!space)
			line[k++] = sql[i];
		else if (k && line[k - 1] != ' ')
			line[k++] = ' ';
	}
	if (k == 400)
		memcpy(line + 397, "...", 3);
	line[k] = '\0';
	strata_conn_log(&c->base, STRATA_LOG_DEBUG, "mysql: %s", line);
}

static int my_exec(strata_conn *conn, const char *sql, size_t len,
                   strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	my_log_sql(c, sql, len);
	if (len == 0)
		return 0;
	int rc = my_query_len(c->db, sql, len, err);
	c->aborted = rc == STRATA_ECONNLOST ||
	             (rc && err->native_code == MY_ER_LOCK_DEADLOCK);
	if (rc == STRATA_ESQL)
		my_error_position(err, sql, len);
	else if (!rc)
		my_log_warnings(c);
	return rc;
}

/* tx_state: the server status flag of the last reply (an error reply
 * carries none: the errors that roll the transaction back are noted). */
static int my_tx_state(strata_conn *conn)
{
	my_conn *c = (my_conn *)conn;
	if (c->aborted)
		return STRATA_TX_ABORTED;
	return (c->db->server_status & SERVER_STATUS_IN_TRANS) ? STRATA_TX_OPEN
	                                                       : STRATA_TX_NONE;
}

/* session_reset: back to the database of the URL after a migration's USE
 * (the client library follows the current database from the server's
 * session state reports, so that an unchanged one costs nothing). */
static int my_session_reset(strata_conn *conn, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	if (!c->database[0] || (c->db->db && strcmp(c->db->db, c->database) == 0))
		return 0;
	strata_conn_log(&c->base, STRATA_LOG_DEBUG,
	                "mysql: back to database %s (the last migration left %s)",
	                c->database, c->db->db && *c->db->db ? c->db->db : "none");
	if (mysql_select_db(c->db, c->database))
		return my_fail(c->db, err);
	return 0;
}

static int my_begin(strata_conn *conn, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	int rc = my_query(c->db, "START TRANSACTION", err);
	if (!rc) {
		clock_gettime(CLOCK_MONOTONIC, &c->tx_start);
		c->in_tx = 1;
	}
	return rc;
}

static int my_commit(strata_conn *conn, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	c->in_tx = 0;
	return my_query(c->db, "COMMIT", err);
}

static int my_rollback(strata_conn *conn, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	c->in_tx = 0;
	return my_query(c->db, "ROLLBACK", err);
}

/* ------------------------------------------------------------------ */
/* Prepared statements                                                  */
/* ------------------------------------------------------------------ */

/* Describes p[0..n) in bind[0..n) (zeroed by the caller); the binds point
 * into p. */
static void my_bind_fill(MYSQL_BIND *bind, const my_param *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].is_int) {
			bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
			bind[i].buffer = (void *)&p[i].i;
		} else if (!p[i].s) {
			bind[i].buffer_type = MYSQL_TYPE_NULL;
		} else {
			bind[i].buffer_type = MYSQL_TYPE_STRING;
			bind[i].buffer = (void *)p[i].s;
			bind[i].buffer_length = (unsigned long)strlen(p[i].s);
		}
	}
}

/* Prepares `sql` and binds p[0..n). The binds point into p. */
static int my_prepare(MYSQL *db, const char *sql, const my_param *p, size_t n,
                      MYSQL_STMT **out, strata_error *err)
{
	MYSQL_BIND bind[MY_MAX_PARAMS];
	*out = NULL;
	if (n > MY_MAX_PARAMS)
		return strata_error_set(err, STRATA_EINTERNAL, "too many parameters");
	MYSQL_STMT *st = mysql_stmt_init(db);
	if (!st)
		return my_nomem(err);
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql))) {
		int rc = my_stmt_fail(st, err);
		mysql_stmt_close(st);
		return rc;
	}
	memset(bind, 0, sizeof(bind));
	my_bind_fill(bind, p, n);
	if (n && mysql_stmt_bind_param(st, bind)) {
		int rc = my_stmt_fail(st, err);
		mysql_stmt_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

/* Runs a statement that returns no rows; *affected gets the row count
 * (matched rows on a CLIENT_FOUND_ROWS connection). The statements run
 * again and again (the history writes), so each is prepared once per
 * connection and kept: one round trip per run. */
static int my_run_cached(my_conn *c, const char *sql, const my_param *p,
                         size_t n, unsigned long long *affected,
                         strata_error *err)
{
	size_t slot = MY_STMT_CACHE;
	for (size_t i = 0; i < MY_STMT_CACHE && slot == MY_STMT_CACHE; i++)
		if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0)
			slot = i;
	if (slot == MY_STMT_CACHE) {
		for (slot = 0; slot < MY_STMT_CACHE - 1 && c->cache[slot].sql; slot++)
			;
		if (c->cache[slot].st)  /* full: the last slot is reused */
			mysql_stmt_close(c->cache[slot].st);
		free(c->cache[slot].sql);
		c->cache[slot].st = NULL;
		c->cache[slot].sql = strdup(sql);
		if (!c->cache[slot].sql)
			return my_nomem(err);
	}
	MYSQL_STMT *st = c->cache[slot].st;
	if (!st) {
		int rc = my_prepare(c->db, sql, NULL, 0, &st, err);
		if (rc)
			return rc;
		c->cache[slot].st = st;
	}
	MYSQL_BIND bind[MY_MAX_PARAMS];
	if (n > MY_MAX_PARAMS)
		return strata_error_set(err, STRATA_EINTERNAL, "too many parameters");
	memset(bind, 0, sizeof(bind));
	my_bind_fill(bind, p, n);
	if ((n && mysql_stmt_bind_param(st, bind)) || mysql_stmt_execute(st)) {
		int rc = my_stmt_fail(st, err);
		/* prepared again next time (the connection may be gone) */
		mysql_stmt_close(st);
		c->cache[slot].st = NULL;
		return rc;
	}
	if (affected)
		*affected = (unsigned long long)mysql_stmt_affected_rows(st);
	return 0;
}

/* Runs a query and copies the first column of its first row, as text,
 * into out (truncated to size). *is_null = 1 for NULL or no row. */
static int my_value(MYSQL *db, const char *sql, const my_param *p, size_t n,
                    char *out, size_t size, int *is_null, strata_error *err)
{
	MYSQL_STMT *st;
	MYSQL_BIND res;
	unsigned long length = 0;
	my_bool null = 0;
	*is_null = 1;
	out[0] = '\0';
	int rc = my_prepare(db, sql, p, n, &st, err);
	if (rc)
		return rc;
	memset(&res, 0, sizeof(res));
	res.buffer_type = MYSQL_TYPE_STRING;
	res.buffer = out;
	res.buffer_length = (unsigned long)size;
	res.length = &length;
	res.is_null = &null;
	if (mysql_stmt_execute(st) || mysql_stmt_bind_result(st, &res)) {
		rc = my_stmt_fail(st, err);
	} else {
		int f = mysql_stmt_fetch(st);
		if (f == 0 || f == MYSQL_DATA_TRUNCATED) {
			*is_null = null != 0;
			out[length < size ? length : size - 1] = '\0';
		} else if (f == 1) {
			rc = my_stmt_fail(st, err);
		}
		while (f == 0 || f == MYSQL_DATA_TRUNCATED)
			f = mysql_stmt_fetch(st);
	}
	mysql_stmt_close(st);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The migration lock                                                   */
/* ------------------------------------------------------------------ */

/* The GET_LOCK name for history table `key`, malloc'd; `prefix`
 * "strata:" for the migration lock, "strata-work:" for the work lock. */
static char *my_lock_name(const my_conn *c, const char *prefix,
                          const char *key)
{
	char *name = strchr(key, '.') ? my_fmt("%s%s", prefix, key)
	           : my_fmt("%s%s.%s", prefix, c->database, key);
	if (!name || strlen(name) <= MY_LOCK_NAME_MAX)
		return name;
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	free(name);
	return my_fmt("%s#%016llx", prefix, (unsigned long long)h);
}

/* Describes who holds lock `name`: "connection N (user@host, for S s)". */
static void my_lock_holder(my_conn *c, const char *name, char *out,
                           size_t size)
{
	strata_error scratch;
	char id[32], who[512];
	int null = 1;
	my_param p = { name, 0, 0 };
	memset(&scratch, 0, sizeof(scratch));
	snprintf(out, size, "another session");
	if (my_value(c->lock_db, "SELECT IS_USED_LOCK(?)", &p, 1, id, sizeof(id),
	             &null, &scratch) || null)
		return;
	my_param q = { NULL, strtoll(id, NULL, 10), 1 };
	if (my_value(c->lock_db,
	             "SELECT CONCAT(USER, '@', HOST, ', for ', TIME, ' s') "
	             "FROM information_schema.PROCESSLIST WHERE ID = ?",
	             &q, 1, who, sizeof(who), &null, &scratch) || null)
		snprintf(out, size, "connection %s", id);
	else
		snprintf(out, size, "connection %s (%s)", id, who);
}

static void my_lock_wait_event(my_conn *c, const char *holder)
{
	strata_conn_lock_wait(&c->base, "waiting for the migration lock held by %s", holder);
}

/* Opens the lock connection once. It must outlive long migrations. */
static int my_lock_conn(my_conn *c, strata_error *err)
{
	if (c->lock_db)
		return 0;
	int rc = my_connect(&c->lock_db, &c->url, c->url.database, 0, c->app, err);
	if (!rc && my_query(c->lock_db, "SET SESSION wait_timeout = 31536000", err))
		strata_error_clear(err);  /* a server with a lower maximum */
	return rc;
}

/* One GET_LOCK(name, 0): *got = 1 when it is ours. */
static int my_lock_try(my_conn *c, const char *name, int *got,
                       strata_error *err)
{
	char v[32];
	int null = 1;
	my_param p = { name, 0, 0 };
	int rc = my_value(c->lock_db, "SELECT GET_LOCK(?, 0)", &p, 1, v,
	                  sizeof(v), &null, err);
	if (rc)
		return rc;
	if (null)
		return strata_error_set(err, STRATA_ESQL,
		                        "GET_LOCK('%s') failed", name);
	*got = strcmp(v, "1") == 0;
	return 0;
}

/* Takes the work lock on the main connection, waiting up to `timeout`
 * seconds. */
static int my_work_lock(my_conn *c, const char *key, double timeout,
                        strata_error *err)
{
	char *name = my_lock_name(c, "strata-work:", key);
	if (!name)
		return my_nomem(err);
	char v[32], holder[640];
	int null = 1;
	my_param p[2] = { { name, 0, 0 }, { NULL, 0, 1 } };
	int rc = my_value(c->db, "SELECT GET_LOCK(?, ?)", p, 2, v, sizeof(v),
	                  &null, err);
	if (!rc && !null && strcmp(v, "1") != 0 && timeout > 0) {
		/* held: say by whom, then wait for it on the server */
		my_lock_holder(c, name, holder, sizeof(holder));
		if (c->base.on_event) {
			char msg[1024];
			snprintf(msg, sizeof(msg),
			         "waiting for %s, a connection of an earlier strata run "
			         "that is still finishing a statement", holder);
			strata_event ev;
			memset(&ev, 0, sizeof(ev));
			ev.type = STRATA_EVENT_LOCK_WAIT;
			ev.message = msg;
			c->base.on_event(c->base.event_data, &ev);
		}
		p[1].i = (long long)timeout + (timeout > (double)(long long)timeout);
		rc = my_value(c->db, "SELECT GET_LOCK(?, ?)", p, 2, v, sizeof(v),
		              &null, err);
	}
	if (!rc && (null || strcmp(v, "1") != 0)) {
		my_lock_holder(c, name, holder, sizeof(holder));
		rc = strata_error_set(err, STRATA_ELOCK,
		                      "timed out after %.1f s waiting for %s, a connection "
		                      "of an earlier strata run that is still finishing a statement",
		                      timeout, holder);
	}
	if (rc) {
		free(name);
		return rc;
	}
	c->work_name = name;
	return 0;
}

static int my_lock(strata_conn *conn, const char *key, double timeout,
                   strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	char *name = my_lock_name(c, "strata:", key ? key : "");
	if (!name)
		return my_nomem(err);
	if (c->lock_name) {
		/* re-entrant for its key, as driver.h says; one unlock frees it */
		int same = strcmp(c->lock_name, name) == 0;
		free(name);
		return same ? 0 : strata_error_set(err, STRATA_EINVAL,
		                                   "the migration lock of another table is held");
	}
	int rc = my_lock_conn(c, err);
	if (rc) {
		free(name);
		return rc;
	}
	double t0 = strata_clock_now(), delay = MY_LOCK_POLL_MIN;
	int got = 0, reported = 0;
	char holder[640];
	while (!(rc = my_lock_try(c, name, &got, err)) && !got) {
		double left = timeout < 0 ? MY_LOCK_POLL_MAX : t0 + timeout - strata_clock_now();
		if (!reported || left <= 0)
			my_lock_holder(c, name, holder, sizeof(holder));
		if (left <= 0) {
			rc = strata_error_set(err, STRATA_ELOCK,
			                      "timed out after %.1f s waiting for the "
			                      "migration lock %s held by %s",
			                      timeout, name, holder);
			break;
		}
		if (!reported) {
			my_lock_wait_event(c, holder);
			reported = 1;
		}
		strata_sleep(delay < left ? delay : left);
		delay = delay * 2 > MY_LOCK_POLL_MAX ? MY_LOCK_POLL_MAX : delay * 2;
	}
	if (rc) {
		free(name);
		return rc;
	}
	c->lock_name = name;
	/* The lock connection of a run that died is closed at once, but its
	 * main connection may still be running the statement in flight (the
	 * server notices the dead client only when it next writes to it). The
	 * main connection therefore holds a second lock for the run, which
	 * such an orphan still holds: wait for it too, so that no two
	 * connections ever migrate at once. */
	double left = timeout < 0 ? 31536000.0 : t0 + timeout - strata_clock_now();
	rc = my_work_lock(c, key ? key : "", left < 0 ? 0 : left, err);
	if (rc) {
		strata_error ignored = { 0 };
		my_unlock(conn, key, &ignored);
	}
	return rc;
}

static int my_unlock(strata_conn *conn, const char *key, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	(void)key;
	if (c->work_name) {
		/* gone with the connection when that was lost */
		strata_error ignored = { 0 };
		char v[32];
		int null = 1;
		my_param w = { c->work_name, 0, 0 };
		if (!c->in_tx)
			my_value(c->db, "SELECT RELEASE_LOCK(?)", &w, 1, v, sizeof(v),
			         &null, &ignored);
		free(c->work_name);
		c->work_name = NULL;
	}
	if (!c->lock_name || !c->lock_db)
		return 0;
	char v[32];
	int null = 1;
	my_param p = { c->lock_name, 0, 0 };
	int rc = my_value(c->lock_db, "SELECT RELEASE_LOCK(?)", &p, 1, v,
	                  sizeof(v), &null, err);
	if (!rc && (null || strcmp(v, "1") != 0))
		rc = strata_error_set(err, STRATA_ELOCK,
		                      "the migration lock %s was no longer held",
		                      c->lock_name);
	free(c->lock_name);
	c->lock_name = NULL;
	return rc;
}

/* ------------------------------------------------------------------ */
/* History: names                                                       */
/* ------------------------------------------------------------------ */

/* A history table name split at its first dot; strings owned. */
typedef struct my_name {
	char *schema;   /* NULL: the connection's database */
	char *table;
	char *quoted;   /* `schema`.`table` or `table` */
} my_name;

static void my_name_free(my_name *n)
{
	free(n->schema);
	free(n->table);
	free(n->quoted);
}

/* Appends `s` quoted with backticks to d (which has room). */
static char *my_quote_into(char *d, const char *s)
{
	*d++ = '`';
	for (; *s; s++) {
		if (*s == '`')
			*d++ = '`';
		*d++ = *s;
	}
	*d++ = '`';
	return d;
}

/* Splits "schema.table" or "table"; a bare table is qualified with the
 * database resolved at open, so that a migration's USE cannot move it. */
static int my_name_parse(const my_conn *c, my_name *n, const char *table,
                         strata_error *err)
{
	memset(n, 0, sizeof(*n));
	if (!table || !*table)
		return strata_error_set(err, STRATA_EINVAL, "empty history table name");
	const char *dot = strchr(table, '.');
	if (dot && (dot == table || !dot[1]))
		return strata_error_set(err, STRATA_EINVAL,
		                        "bad history table name \"%s\"", table);
	int schema = dot || c->database[0];
	if (dot) {
		n->schema = strndup(table, (size_t)(dot - table));
		n->table = strdup(dot + 1);
	} else {
		n->table = strdup(table);
		if (schema)
			n->schema = strdup(c->database);
	}
	n->quoted = malloc((strlen(table) + strlen(c->database)) * 2 + 8);
	if (!n->table || !n->quoted || (schema && !n->schema)) {
		my_name_free(n);
		return my_nomem(err);
	}
	char *d = n->quoted;
	if (n->schema) {
		d = my_quote_into(d, n->schema);
		*d++ = '.';
	}
	d = my_quote_into(d, n->table);
	*d = '\0';
	return 0;
}

/* Formats `fmt` with the quoted table name (one %s). */
static char *my_history_sql(const my_name *n, const char *fmt)
{
	return my_fmt(fmt, n->quoted);
}

/* ------------------------------------------------------------------ */
/* History: ensure and list                                             */
/* ------------------------------------------------------------------ */

/* Runs fmt, with its one %s replaced by the history table's quoted
 * name, as a statement of the driver's own. */
static int my_history_exec(my_conn *c, const char *table, const char *fmt,
                           strata_error *err)
{
	my_name n;
	int rc = my_name_parse(c, &n, table, err);
	if (rc)
		return rc;
	char *sql = my_history_sql(&n, fmt);
	my_name_free(&n);
	if (!sql)
		return my_nomem(err);
	rc = my_query(c->db, sql, err);
	free(sql);
	return rc;
}

static int my_history_ensure(strata_conn *conn, const char *table,
                             strata_error *err)
{
	return my_history_exec((my_conn *)conn, table,
		"CREATE TABLE IF NOT EXISTS %s ("
		"version VARCHAR(64) NOT NULL PRIMARY KEY, "
		"name VARCHAR(255) NOT NULL, "
		"checksum VARCHAR(80), "
		"state VARCHAR(16) NOT NULL, "
		"statements_done INT NOT NULL DEFAULT 0, "
		"statements_total INT NOT NULL DEFAULT 0, "
		"down_sql LONGTEXT, "
		"applied_at DATETIME(3) NOT NULL, "
		"duration_ms DOUBLE NOT NULL DEFAULT 0, "
		"applied_by VARCHAR(255), "
		"last_error TEXT"
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", err);
}

/* history_upgrade: format 1 kept duration_ms in whole milliseconds. */
static int my_history_upgrade(strata_conn *conn, const char *table, int from,
                              strata_error *err)
{
	if (from >= 2)
		return 0;
	return my_history_exec((my_conn *)conn, table,
	                       "ALTER TABLE %s MODIFY duration_ms DOUBLE NOT NULL DEFAULT 0",
	                       err);
}

static int my_history_exists(my_conn *c, const my_name *n, int *exists,
                             strata_error *err)
{
	char v[32];
	int null = 1;
	my_param p[2] = { { n->schema, 0, 0 }, { n->table, 0, 0 } };
	int rc = my_value(c->db,
	                  "SELECT COUNT(*) FROM information_schema.TABLES "
	                  "WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) "
	                  "AND TABLE_NAME = ?", p, 2, v, sizeof(v), &null, err);
	if (!rc)
		*exists = !null && strtol(v, NULL, 10) > 0;
	return rc;
}

/* Copies column i of a text-protocol row (NULL stays NULL). */
static int my_cell(MYSQL_ROW row, unsigned long *lens, unsigned i, char **out)
{
	*out = NULL;
	if (!row[i])
		return 0;
	*out = malloc(lens[i] + 1);
	if (!*out)
		return -1;
	memcpy(*out, row[i], lens[i]);
	(*out)[lens[i]] = '\0';
	return 0;
}

static int my_row_read(MYSQL_ROW r, unsigned long *lens,
                       strata_history_row *row, const char *table,
                       strata_error *err)
{
	/* text-protocol values end in a NUL byte; the history holds no NUL */
	(void)lens;
	const char *cells[11];
	for (int i = 0; i < 11; i++)
		cells[i] = r[i];
	return strata_history_row_decode(row, cells, table, err);
}

static int my_history_rows(my_conn *c, const my_name *n,
                           strata_history_row **out, size_t *count,
                           strata_error *err)
{
	char *sql = my_history_sql(n,
		"SELECT version, name, checksum, state, statements_done, "
		"statements_total, down_sql, "
		"CONCAT(LEFT(DATE_FORMAT(applied_at, '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z'), "
		"duration_ms, applied_by, last_error "
		"FROM %s ORDER BY CAST(version AS BINARY)");
	if (!sql)
		return my_nomem(err);
	int rc = 0;
	if (mysql_real_query(c->db, sql, (unsigned long)strlen(sql)))
		rc = my_fail(c->db, err);
	free(sql);
	if (rc)
		return rc;
	MYSQL_RES *res = mysql_store_result(c->db);
	if (!res)
		return my_fail(c->db, err);
	size_t nrows = (size_t)mysql_num_rows(res);
	strata_history_row *rows = nrows ? calloc(nrows, sizeof(*rows)) : NULL;
	if (nrows && !rows)
		rc = my_nomem(err);
	for (size_t i = 0; !rc && i < nrows; i++) {
		MYSQL_ROW r = mysql_fetch_row(res);
		unsigned long *lens = r ? mysql_fetch_lengths(res) : NULL;
		if (!r || !lens)
			rc = my_fail(c->db, err);
		else
			rc = my_row_read(r, lens, &rows[i], n->quoted, err);
	}
	mysql_free_result(res);
	if (rc) {
		strata_history_rows_free(rows, nrows);
		return rc;
	}
	*out = rows;
	*count = nrows;
	return 0;
}

static int my_history_list(strata_conn *conn, const char *table,
                           strata_history_row **out, size_t *count,
                           int *exists, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	*out = NULL;
	*count = 0;
	*exists = 0;
	my_name n;
	int rc = my_name_parse(c, &n, table, err);
	if (rc)
		return rc;
	rc = my_history_exists(c, &n, exists, err);
	if (!rc && *exists)
		rc = my_history_rows(c, &n, out, count, err);
	my_name_free(&n);
	return rc;
}

/* ------------------------------------------------------------------ */
/* History: writes                                                      */
/* ------------------------------------------------------------------ */


/* Seconds since begin() when in a transaction, else 0. */
static double my_tx_elapsed(const my_conn *c)
{
	if (!c->in_tx)
		return 0;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - c->tx_start.tv_sec) +
	       (double)(t.tv_nsec - c->tx_start.tv_nsec) / 1e9;
}

/* Fills p[0..10): name, checksum, state, done, total, down_sql,
 * duration_ms, applied_by, last_error, version (the order of the
 * placeholders in both the insert and the update). */
static void my_row_params(my_conn *c, my_param *p,
                          const strata_history_row *row, const char *state)
{
	/* the engine decides applied_by; NULL stays NULL */
	const char *by = row->applied_by;
	double secs = row->duration < 0 ? my_tx_elapsed(c) : row->duration;
	memset(p, 0, 10 * sizeof(*p));
	p[0].s = row->name ? row->name : "";
	p[1].s = row->checksum;
	p[2].s = state;
	p[3].is_int = 1;
	p[3].i = row->statements_done;
	p[4].is_int = 1;
	p[4].i = row->statements_total;
	p[5].s = row->down_sql;
	/* milliseconds to the microsecond, as text (the column is DOUBLE) */
	snprintf(c->ms, sizeof(c->ms), "%.3f", secs > 0 ? secs * 1000.0 : 0.0);
	p[6].s = c->ms;
	p[7].s = by;
	p[8].s = row->last_error;
	p[9].s = row->version;
}

/* Runs a history write whose text is `fmt` with the quoted table, bound
 * from `row` (insert, update) or to `version` alone (delete); with
 * `keep_time`, an 11th placeholder takes row->applied_at. */
static int my_history_write(my_conn *c, const char *table, const char *fmt,
                            const strata_history_row *row, const char *version,
                            int keep_time, unsigned long long *affected,
                            strata_error *err)
{
	my_param p[11];
	char at[32];
	size_t np = 1;
	if (row) {
		const char *state;
		if (!row->version)
			return strata_error_set(err, STRATA_EINVAL,
			                        "history row without a version");
		int rc = strata_history_state_text(row, &state, err);
		if (rc)
			return rc;
		my_row_params(c, p, row, state);
		np = 10;
		if (keep_time) {
			/* an insert that keeps the row's time: ISO 8601
			 * "2024-01-02T03:04:05.678Z" as DATETIME text */
			p[10].is_int = 0;
			p[10].s = NULL;
			if (row->applied_at && strlen(row->applied_at) < sizeof(at)) {
				snprintf(at, sizeof(at), "%s", row->applied_at);
				char *t = strchr(at, 'T'), *z = strchr(at, 'Z');
				if (t)
					*t = ' ';
				if (z)
					*z = '\0';
				p[10].s = at;
			}
			np = 11;
		}
	} else {
		memset(p, 0, sizeof(p));
		p[0].s = version;
	}
	my_name n;
	int rc = my_name_parse(c, &n, table, err);
	if (rc)
		return rc;
	char *sql = my_history_sql(&n, fmt);
	my_name_free(&n);
	if (!sql)
		return my_nomem(err);
	rc = my_run_cached(c, sql, p, np, affected, err);
	free(sql);
	return rc;
}

static int my_history_insert(strata_conn *conn, const char *table,
                             const strata_history_row *row, strata_error *err)
{
	unsigned long long affected = 0;
	return my_history_write((my_conn *)conn, table,
		"INSERT INTO %s (name, checksum, state, statements_done, "
		"statements_total, down_sql, duration_ms, applied_by, last_error, "
		"version, applied_at) VALUES "
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, UTC_TIMESTAMP(3)))",
		row, NULL, 1, &affected, err);
}

static int my_history_update(strata_conn *conn, const char *table,
                             const strata_history_row *row, strata_error *err)
{
	unsigned long long affected = 0;
	int rc = my_history_write((my_conn *)conn, table,
		"UPDATE %s SET name = ?, checksum = ?, state = ?, "
		"statements_done = ?, statements_total = ?, down_sql = ?, "
		"duration_ms = ?, applied_by = ?, last_error = ?, "
		"applied_at = UTC_TIMESTAMP(3) WHERE version = ?",
		row, NULL, 0, &affected, err);
	if (!rc && affected == 0)
		return strata_error_set(err, STRATA_ENOTFOUND,
		                        "no row for version %s in history table %s",
		                        row->version, table);
	return rc;
}

static int my_history_delete(strata_conn *conn, const char *table,
                             const char *version, strata_error *err)
{
	if (!version)
		return strata_error_set(err, STRATA_EINVAL, "no version to delete");
	unsigned long long affected = 0;
	int rc = my_history_write((my_conn *)conn, table,
	                          "DELETE FROM %s WHERE version = ?", NULL,
	                          version, 0, &affected, err);
	if (!rc && affected == 0)
		return strata_error_set(err, STRATA_ENOTFOUND,
		                        "no row for version %s in history table %s",
		                        version, table);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Schema dump through mariadb-dump / mysqldump                         */
/* ------------------------------------------------------------------ */

#define MY_DUMP_ARGS 24

/* Builds the dump tool's argv (argv[0] left for the caller); every
 * element is malloc'd. Returns the count, or -1 when out of memory. */
static int my_dump_argv(const my_conn *c, char **argv)
{
	const my_url *u = &c->url;
	int k = 1;
	if (u->defaults_file)
		argv[k++] = my_fmt("--defaults-file=%s", u->defaults_file);
	argv[k++] = my_fmt("--no-data");
	argv[k++] = my_fmt("--skip-comments");
	argv[k++] = my_fmt("--skip-add-drop-table");
	argv[k++] = my_fmt("--routines");
	argv[k++] = my_fmt("--triggers");
	argv[k++] = my_fmt("--default-character-set=utf8mb4");
	if (u->host)
		argv[k++] = my_fmt("--host=%s", u->host);
	if (u->port)
		argv[k++] = my_fmt("--port=%u", u->port);
	if (u->socket)
		argv[k++] = my_fmt("--socket=%s", u->socket);
	if (u->user)
		argv[k++] = my_fmt("--user=%s", u->user);
	if (u->host && !u->socket)
		argv[k++] = my_fmt("--protocol=TCP");
	if (u->ssl_ca)
		argv[k++] = my_fmt("--ssl-ca=%s", u->ssl_ca);
	if (u->ssl_cert)
		argv[k++] = my_fmt("--ssl-cert=%s", u->ssl_cert);
	if (u->ssl_key)
		argv[k++] = my_fmt("--ssl-key=%s", u->ssl_key);
	if (u->ssl_mode >= MY_SSL_REQUIRED)
		argv[k++] = my_fmt("--ssl");
	if (u->ssl_mode >= MY_SSL_VERIFY_CA)
		argv[k++] = my_fmt("--ssl-verify-server-cert");
	argv[k++] = my_fmt("--");
	argv[k++] = my_fmt("%s", c->database);
	argv[k] = NULL;
	for (int i = 1; i < k; i++)
		if (!argv[i])
			return -1;
	return k;
}

/* Runs mariadb-dump (or mysqldump) with argv[1...], the password in
 * MYSQL_PWD; its stdout into *out. */
static int my_dump_run(my_conn *c, char **argv, char **out, strata_error *err)
{
	static const char *const tools[] = { "mariadb-dump", "mysqldump", NULL };
	strata_spawn spec = {
		.programs = tools,
		.args = (const char *const *)argv + 1,
		.env_name = "MYSQL_PWD",
		.env_value = c->url.password,
		.missing = "dumping a MySQL schema needs mariadb-dump or mysqldump in "
		           "PATH (install mariadb-client or mysql-client)",
		.fail_code = STRATA_ESQL,
	};
	return strata_spawn_run(&spec, out, err);
}

static int my_dump_schema(strata_conn *conn, char **out, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	*out = NULL;
	if (!c->database[0])
		return strata_error_set(err, STRATA_EURL,
		                        "the MySQL URL names no database to dump");
	char *argv[MY_DUMP_ARGS];
	memset(argv, 0, sizeof(argv));
	int k = my_dump_argv(c, argv);
	int rc = k < 0 ? my_nomem(err) : my_dump_run(c, argv, out, err);
	for (int i = 1; i < MY_DUMP_ARGS; i++)
		free(argv[i]);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Server version, databases                                            */
/* ------------------------------------------------------------------ */

static int my_server_version(strata_conn *conn, char **out, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	const char *v = mysql_get_server_info(c->db);
	*out = strdup(v ? v : "");
	return *out ? 0 : my_nomem(err);
}

/* Connects without a database and runs `fmt` with the URL's quoted
 * database name (one %s). */
static int my_database_op(const strata_conn_config *cfg, const char *fmt,
                          strata_error *err)
{
	my_url u;
	int rc = my_url_parse(&u, cfg->url, err);
	if (rc)
		return rc;
	if (!u.database) {
		my_url_free(&u);
		return strata_error_set(err, STRATA_EURL,
		                        "the MySQL URL names no database");
	}
	char *quoted = malloc(strlen(u.database) * 2 + 3);
	char *sql = NULL;
	if (quoted) {
		*my_quote_into(quoted, u.database) = '\0';
		sql = my_fmt(fmt, quoted);
	}
	free(quoted);
	MYSQL *db = NULL;
	if (!sql)
		rc = my_nomem(err);
	else
		rc = my_connect(&db, &u, NULL, 0, cfg->application_name, err);
	if (!rc)
		rc = my_query(db, sql, err);
	if (db)
		mysql_close(db);
	free(sql);
	my_url_free(&u);
	return rc;
}

static int my_create_database(const strata_conn_config *cfg, strata_error *err)
{
	int lrc = my_load(err);
	if (lrc)
		return lrc;
	return my_database_op(cfg,
	                      "CREATE DATABASE IF NOT EXISTS %s "
	                      "DEFAULT CHARACTER SET utf8mb4", err);
}

static int my_drop_database(const strata_conn_config *cfg, strata_error *err)
{
	int lrc = my_load(err);
	if (lrc)
		return lrc;
	return my_database_op(cfg, "DROP DATABASE IF EXISTS %s", err);
}

/* ------------------------------------------------------------------ */
/* Other tools' tables                                                  */
/* ------------------------------------------------------------------ */

static int my_read_table(strata_conn *conn, const char *table,
                         const char *const *cols, size_t ncols,
                         unsigned time_mask, char ***cells, size_t *nrows,
                         int *exists, strata_error *err)
{
	my_conn *c = (my_conn *)conn;
	*cells = NULL;
	*nrows = 0;
	*exists = 0;
	if (ncols == 0 || ncols > 32)
		return strata_error_set(err, STRATA_EINVAL, "read_table: 1 to 32 columns");
	my_name n;
	int rc = my_name_parse(c, &n, table, err);
	if (rc)
		return rc;
	rc = my_history_exists(c, &n, exists, err);
	if (rc || !*exists) {
		my_name_free(&n);
		return rc;
	}
	/* a TIMESTAMP shows in the session's time zone, which CONVERT_TZ
	 * takes back to UTC (a DATETIME is taken as written in it too) */
	static const char time_head[] = "CONCAT(LEFT(DATE_FORMAT(COALESCE(CONVERT_TZ(";
	static const char time_mid[] = ", @@session.time_zone, '+00:00'), ";
	static const char time_tail[] = "), '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')";
	size_t size = 32 + strlen(n.quoted);
	for (size_t i = 0; i < ncols; i++)
		size += 2 * (2 * strlen(cols[i]) + 2) + sizeof(time_head) +
		        sizeof(time_mid) + sizeof(time_tail) + 24;
	char *sql = malloc(size), *d = sql;
	if (!sql) {
		my_name_free(&n);
		return my_nomem(err);
	}
	d += sprintf(d, "SELECT ");
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			d += sprintf(d, ", ");
		if (time_mask & (1u << i)) {
			d += sprintf(d, "%s", time_head);
			d = my_quote_into(d, cols[i]);
			d += sprintf(d, "%s", time_mid);
			d = my_quote_into(d, cols[i]);
			d += sprintf(d, "%s", time_tail);
		} else {
			d += sprintf(d, "CAST(");
			d = my_quote_into(d, cols[i]);
			d += sprintf(d, " AS CHAR)");
		}
	}
	d += sprintf(d, " FROM %s", n.quoted);
	my_name_free(&n);
	if (mysql_real_query(c->db, sql, (unsigned long)(d - sql)))
		rc = my_fail(c->db, err);
	free(sql);
	if (rc)
		return rc;
	MYSQL_RES *res = mysql_store_result(c->db);
	if (!res)
		return my_fail(c->db, err);
	size_t count = (size_t)mysql_num_rows(res);
	char **out = count ? calloc(count * ncols, sizeof(*out)) : NULL;
	if (count && !out)
		rc = my_nomem(err);
	for (size_t r = 0; !rc && r < count; r++) {
		MYSQL_ROW row = mysql_fetch_row(res);
		unsigned long *lens = row ? mysql_fetch_lengths(res) : NULL;
		if (!row || !lens) {
			rc = my_fail(c->db, err);
			break;
		}
		for (size_t i = 0; !rc && i < ncols; i++)
			if (my_cell(row, lens, (unsigned)i, &out[r * ncols + i]))
				rc = my_nomem(err);
	}
	mysql_free_result(res);
	if (rc) {
		strata_cells_free(out, count * ncols);
		return rc;
	}
	*cells = out;
	*nrows = count;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The driver                                                           */
/* ------------------------------------------------------------------ */

const strata_driver strata_driver_mysql = {
	.version = STRATA_DRIVER_VERSION,
	.name = "mysql",
	.schemes = my_schemes,
	.dialect = STRATA_DIALECT_MYSQL,
	.caps = STRATA_CAP_ADVISORY_LOCK,
	.open = my_open,
	.close = my_close,
	.exec = my_exec,
	.begin = my_begin,
	.commit = my_commit,
	.rollback = my_rollback,
	.lock = my_lock,
	.unlock = my_unlock,
	.history_ensure = my_history_ensure,
	.history_list = my_history_list,
	.history_insert = my_history_insert,
	.history_update = my_history_update,
	.history_delete = my_history_delete,
	.dump_schema = my_dump_schema,
	.create_database = my_create_database,
	.drop_database = my_drop_database,
	.server_version = my_server_version,
	.tx_state = my_tx_state,
	.session_reset = my_session_reset,
	.history_upgrade = my_history_upgrade,
	.read_table = my_read_table,
};
