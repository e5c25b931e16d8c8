/* tests/fake_driver.c - the in-memory fake driver (see fake_driver.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_driver.h"

fake_db fake;

typedef struct fake_conn {
	strata_conn base;
} fake_conn;

/* ------------------------------------------------------------ helpers */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void trace(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void trace(const char *fmt, ...)
{
	size_t len = strlen(fake.trace);
	if (len + 2 >= sizeof(fake.trace))
		return;
	if (len)
		fake.trace[len++] = ' ';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fake.trace + len, sizeof(fake.trace) - len, fmt, ap);
	va_end(ap);
}

static void violation(const char *what)
{
	if (!fake.violations++)
		snprintf(fake.violation, sizeof(fake.violation), "%s", what);
}

static void row_copy(strata_history_row *dst, const strata_history_row *src)
{
	*dst = *src;
	dst->version = dup_or_null(src->version);
	dst->name = dup_or_null(src->name);
	dst->checksum = dup_or_null(src->checksum);
	dst->down_sql = dup_or_null(src->down_sql);
	dst->applied_at = dup_or_null(src->applied_at);
	dst->applied_by = dup_or_null(src->applied_by);
	dst->last_error = dup_or_null(src->last_error);
}

static void row_clear(strata_history_row *r)
{
	free(r->version);
	free(r->name);
	free(r->checksum);
	free(r->down_sql);
	free(r->applied_at);
	free(r->applied_by);
	free(r->last_error);
	memset(r, 0, sizeof(*r));
}

static void rows_clear(strata_history_row *rows, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		row_clear(&rows[i]);
	*n = 0;
}

static void stmts_clear(char **v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	*n = 0;
}

static strata_history_row *find_row(const char *version)
{
	for (size_t i = 0; i < fake.nrows; i++)
		if (strcmp(fake.rows[i].version, version) == 0)
			return &fake.rows[i];
	return NULL;
}

/* What the driver writes itself: applied_at, and the duration of the
 * transaction when asked (< 0). */
static void stamp(strata_history_row *r, double duration)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	free(r->applied_at);
	r->applied_at = strdup(buf);
	r->duration = duration >= 0 ? duration
	            : fake.in_tx ? now() - fake.tx_started : 0.0;
}

/* ------------------------------------------ the database, without slots */

static int db_begin(strata_error *err)
{
	if (fake.in_tx) {
		violation("begin inside a transaction");
		return strata_error_set(err, STRATA_ESQL, "fake: already in a transaction");
	}
	for (size_t i = 0; i < fake.nrows; i++)
		row_copy(&fake.snap[i], &fake.rows[i]);
	fake.nsnap = fake.nrows;
	fake.in_tx = 1;
	fake.tx_started = now();
	return 0;
}

static int db_commit(strata_error *err)
{
	if (!fake.in_tx) {
		violation("commit without a transaction");
		return strata_error_set(err, STRATA_ESQL, "fake: no transaction to commit");
	}
	for (size_t i = 0; i < fake.npending; i++)
		fake.committed[fake.ncommitted++] = fake.pending[i];
	fake.npending = 0;
	rows_clear(fake.snap, &fake.nsnap);
	fake.in_tx = 0;
	return 0;
}

static void db_rollback(void)
{
	if (!fake.in_tx) {
		violation("rollback without a transaction");
		return;
	}
	stmts_clear(fake.pending, &fake.npending);
	rows_clear(fake.rows, &fake.nrows);
	memcpy(fake.rows, fake.snap, fake.nsnap * sizeof(fake.rows[0]));
	fake.nrows = fake.nsnap;
	fake.nsnap = 0; /* the strings moved back into rows */
	fake.in_tx = 0;
}

static int db_exec(const char *sql, size_t len, strata_error *err)
{
	fake.statements_run++;
	if (!fake.locked)
		violation("statement executed without the lock");
	char *text = strndup(sql, len);
	if (!text)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (fake.fail_match[0] && strstr(text, fake.fail_match) &&
	    (!fake.fail_in_tx_only || fake.in_tx)) {
		free(text);
		strata_error_set(err, STRATA_ESQL, "%s", fake.fail_message);
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s",
		         fake.fail_sqlstate[0] ? fake.fail_sqlstate : "42000");
		err->native_code = 1234;
		err->position = fake.fail_position;
		/* a failure only inside a transaction is the server refusing
		 * the statement there: it says so, as PostgreSQL's driver does */
		err->not_in_tx = fake.fail_in_tx_only;
		return STRATA_ESQL;
	}
	size_t *n = fake.in_tx ? &fake.npending : &fake.ncommitted;
	char **v = fake.in_tx ? fake.pending : fake.committed;
	if (*n >= FAKE_MAX_STMTS) {
		free(text);
		return strata_error_set(err, STRATA_EINTERNAL, "fake: too many statements");
	}
	v[(*n)++] = text;
	/* the migration's own transaction control, as a server runs it */
	if (strcmp(text, "BEGIN") == 0) {
		if (fake.in_tx)
			return strata_error_set(err, STRATA_ESQL, "fake: already in a transaction");
		for (size_t i = 0; i < fake.nrows; i++)
			row_copy(&fake.snap[i], &fake.rows[i]);
		fake.nsnap = fake.nrows;
		fake.in_tx = 1;
		fake.tx_started = now();
	} else if (strcmp(text, "COMMIT") == 0 && fake.in_tx) {
		db_commit(err);
	} else if (strcmp(text, "ROLLBACK") == 0 && fake.in_tx) {
		db_rollback();
	} else if (fake.commit_match[0] && fake.in_tx &&
	           strstr(text, fake.commit_match)) {
		db_commit(err);
	}
	return 0;
}

static int need_table(const char *what, strata_error *err)
{
	if (!fake.locked)
		violation("history written without the lock");
	if (!fake.table_exists)
		return strata_error_set(err, STRATA_ESQL, "fake: no such table (%s)", what);
	return 0;
}

static int db_insert(const strata_history_row *row, strata_error *err)
{
	int rc = need_table("insert", err);
	if (rc)
		return rc;
	if (find_row(row->version))
		return strata_error_set(err, STRATA_ESQL,
		                        "fake: duplicate key: version %s", row->version);
	if (fake.nrows >= FAKE_MAX_ROWS)
		return strata_error_set(err, STRATA_EINTERNAL, "fake: too many rows");
	strata_history_row *r = &fake.rows[fake.nrows++];
	row_copy(r, row);
	stamp(r, row->duration);
	return 0;
}

static int db_update(const strata_history_row *row, strata_error *err)
{
	int rc = need_table("update", err);
	if (rc)
		return rc;
	strata_history_row *r = find_row(row->version);
	if (!r) {
		violation("update of a row that does not exist");
		return 0; /* like SQL: no row matched */
	}
	char *version = r->version;
	r->version = NULL;
	row_clear(r);
	row_copy(r, row);
	free(r->version);
	r->version = version;
	stamp(r, row->duration);
	return 0;
}

static int db_delete(const char *version, strata_error *err)
{
	int rc = need_table("delete", err);
	if (rc)
		return rc;
	strata_history_row *r = find_row(version);
	if (!r) {
		violation("delete of a row that does not exist");
		return 0;
	}
	row_clear(r);
	size_t i = (size_t)(r - fake.rows);
	memmove(r, r + 1, (fake.nrows - i - 1) * sizeof(*r));
	fake.nrows--;
	return 0;
}

/* --------------------------------------------------------------- slots */

static int f_open(strata_conn **out, const strata_conn_config *cfg,
                  strata_error *err);

static void f_close(strata_conn *c)
{
	if (!c)
		return;
	fake.calls.close++;
	trace("close");
	if (fake.in_tx)
		db_rollback();
	fake.locked = 0;
	free(c);
}

static int f_exec(strata_conn *c, const char *sql, size_t len,
                  strata_error *err)
{
	fake.calls.exec++;
	trace("exec");
	return db_exec(sql, len, err);
}

static int f_begin(strata_conn *c, strata_error *err)
{
	fake.calls.begin++;
	trace("begin");
	return db_begin(err);
}

static int f_commit(strata_conn *c, strata_error *err)
{
	fake.calls.commit++;
	trace("commit");
	return db_commit(err);
}

static int f_rollback(strata_conn *c, strata_error *err)
{
	fake.calls.rollback++;
	trace("rollback");
	db_rollback();
	return 0;
}

static int f_tx_state(strata_conn *c)
{
	(void)c;
	return fake.in_tx ? STRATA_TX_OPEN : STRATA_TX_NONE;
}

static int f_history_upgrade(strata_conn *c, const char *table, int from,
                             strata_error *err)
{
	(void)c;
	(void)table;
	(void)err;
	trace("upgrade(%d)", from);
	return 0;
}

static int f_session_reset(strata_conn *c, strata_error *err)
{
	(void)c;
	(void)err;
	fake.session_resets++;
	return 0;
}

static int f_lock(strata_conn *c, const char *key, double timeout,
                  strata_error *err)
{
	fake.calls.lock++;
	fake.lock_timeout = timeout;
	trace("lock");
	if (fake.in_tx)
		violation("lock taken inside a transaction");
	if (fake.fail_lock) {
		if (c->on_event) {
			strata_event ev = { 0 };
			ev.type = STRATA_EVENT_LOCK_WAIT;
			ev.message = "waiting for the lock held by fake pid 4242";
			c->on_event(c->event_data, &ev);
		}
		return strata_error_set(err, STRATA_ELOCK,
		                        "timed out after %g seconds waiting for the lock on %s",
		                        timeout, key);
	}
	if (fake.locked)
		violation("lock taken twice");
	fake.locked = 1;
	return 0;
}

static int f_unlock(strata_conn *c, const char *key, strata_error *err)
{
	fake.calls.unlock++;
	trace("unlock");
	if (!fake.locked)
		violation("unlock without the lock");
	fake.locked = 0;
	return 0;
}

static int f_history_ensure(strata_conn *c, const char *table,
                            strata_error *err)
{
	fake.calls.history_ensure++;
	trace("ensure");
	if (fake.in_tx)
		violation("history_ensure inside a transaction");
	if (!fake.locked)
		violation("history_ensure without the lock");
	fake.table_exists = 1;
	return 0;
}

static int by_version_text(const void *a, const void *b)
{
	const strata_history_row *x = a, *y = b;
	return strcmp(x->version, y->version);
}

static int f_history_list(strata_conn *c, const char *table,
                          strata_history_row **out, size_t *n, int *exists,
                          strata_error *err)
{
	fake.calls.history_list++;
	trace("list");
	*out = NULL;
	*n = 0;
	*exists = fake.table_exists;
	if (!fake.table_exists || !fake.nrows)
		return 0;
	strata_history_row *v = calloc(fake.nrows, sizeof(*v));
	if (!v)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < fake.nrows; i++)
		row_copy(&v[i], &fake.rows[i]);
	qsort(v, fake.nrows, sizeof(*v), by_version_text);
	*out = v;
	*n = fake.nrows;
	return 0;
}

static int f_history_insert(strata_conn *c, const char *table,
                            const strata_history_row *row, strata_error *err)
{
	fake.calls.history_insert++;
	trace("insert(%s,%s)", row->version, strata_history_state_name(row->state));
	return db_insert(row, err);
}

static int f_history_update(strata_conn *c, const char *table,
                            const strata_history_row *row, strata_error *err)
{
	fake.calls.history_update++;
	trace("update(%s,%s,%ld)", row->version,
	      strata_history_state_name(row->state), row->statements_done);
	return db_update(row, err);
}

static int f_history_delete(strata_conn *c, const char *table,
                            const char *version, strata_error *err)
{
	fake.calls.history_delete++;
	trace("delete(%s)", version);
	return db_delete(version, err);
}

static int f_apply_tx(strata_conn *c, const char *table,
                      const strata_stmt *stmts, size_t n,
                      strata_history_op op, const strata_history_row *row,
                      strata_error *err)
{
	fake.calls.apply_tx++;
	trace("apply_tx(%s,%s)", row->version,
	      op == STRATA_HISTORY_INSERT ? "insert" : "delete");
	int rc = db_begin(err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		rc = db_exec(stmts[i].sql, stmts[i].len, err);
		if (rc) {
			err->statement = (long)i + 1;
			db_rollback();
			return rc;
		}
	}
	rc = op == STRATA_HISTORY_INSERT ? db_insert(row, err)
	                                 : db_delete(row->version, err);
	if (rc) {
		err->statement = 0;
		db_rollback();
		return rc;
	}
	return db_commit(err);
}

/* ------------------------------------------------------------- drivers */

static const char *const fake_schemes[] = { "fake", NULL };
static const char *const notx_schemes[] = { "fake-notx", NULL };
static const char *const nodl_schemes[] = { "fake-nodl", NULL };

#define FAKE_SLOTS                                      \
	.version = STRATA_DRIVER_VERSION,               \
	.dialect = STRATA_DIALECT_GENERIC,              \
	.open = f_open,                                 \
	.close = f_close,                               \
	.exec = f_exec,                                 \
	.begin = f_begin,                               \
	.commit = f_commit,                             \
	.rollback = f_rollback,                         \
	.lock = f_lock,                                 \
	.unlock = f_unlock,                             \
	.history_ensure = f_history_ensure,             \
	.history_list = f_history_list,                 \
	.history_insert = f_history_insert,             \
	.history_update = f_history_update,             \
	.history_delete = f_history_delete,             \
	.tx_state = f_tx_state,                         \
	.session_reset = f_session_reset,               \
	.history_upgrade = f_history_upgrade

static const strata_driver fake_driver = {
	FAKE_SLOTS,
	.name = "fake",
	.schemes = fake_schemes,
	.caps = STRATA_CAP_TRANSACTIONAL_DDL,
	.apply_tx = f_apply_tx,
};

static const strata_driver fake_notx_driver = {
	FAKE_SLOTS,
	.name = "fake-notx",
	.schemes = notx_schemes,
	.caps = STRATA_CAP_TRANSACTIONAL_DDL,
};

static const strata_driver fake_nodl_driver = {
	FAKE_SLOTS,
	.name = "fake-nodl",
	.schemes = nodl_schemes,
	.caps = 0,
};

static int f_open(strata_conn **out, const strata_conn_config *cfg,
                  strata_error *err)
{
	fake.calls.open++;
	trace("open");
	fake_conn *fc = calloc(1, sizeof(*fc));
	if (!fc)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	const char *url = cfg->url;
	strata_conn_init(&fc->base,
	                 strncmp(url, "fake-notx:", 10) == 0 ? &fake_notx_driver
	                 : strncmp(url, "fake-nodl:", 10) == 0 ? &fake_nodl_driver
	                 : &fake_driver, cfg);
	*out = &fc->base;
	return 0;
}

/* ----------------------------------------------------------- test API */

void fake_register(void)
{
	static int done;
	if (done)
		return;
	const strata_driver *all[] = { &fake_driver, &fake_notx_driver,
	                               &fake_nodl_driver };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		strata_error err = { 0 };
		if (strata_driver_register(all[i], &err)) {
			fprintf(stderr, "fake_register: %s\n", err.message);
			abort();
		}
	}
	done = 1;
}

void fake_reset(void)
{
	rows_clear(fake.rows, &fake.nrows);
	rows_clear(fake.snap, &fake.nsnap);
	stmts_clear(fake.committed, &fake.ncommitted);
	stmts_clear(fake.pending, &fake.npending);
	memset(&fake, 0, sizeof(fake));
}

void fake_fail_exec(const char *match, const char *message, long position)
{
	snprintf(fake.fail_match, sizeof(fake.fail_match), "%s", match ? match : "");
	snprintf(fake.fail_message, sizeof(fake.fail_message), "%s",
	         message ? message : "fake: scripted failure");
	fake.fail_position = position;
	fake.fail_sqlstate[0] = '\0';
	fake.fail_in_tx_only = 0;
}

void fake_put_row(const strata_history_row *row)
{
	fake.table_exists = 1;
	strata_history_row *r = find_row(row->version);
	if (r)
		row_clear(r);
	else if (fake.nrows < FAKE_MAX_ROWS)
		r = &fake.rows[fake.nrows++];
	else
		abort();
	row_copy(r, row);
}

const strata_history_row *fake_row(const char *version)
{
	return find_row(version);
}

size_t fake_migration_rows(void)
{
	size_t k = 0;
	for (size_t i = 0; i < fake.nrows; i++)
		k += strcmp(fake.rows[i].version, STRATA_HISTORY_FORMAT_ROW) != 0;
	return k;
}

int fake_committed(const char *text)
{
	int k = 0;
	for (size_t i = 0; i < fake.ncommitted; i++)
		k += strstr(fake.committed[i], text) != NULL;
	return k;
}

int fake_traced(const char *token)
{
	int k = 0;
	size_t n = strlen(token);
	for (const char *p = fake.trace; (p = strstr(p, token)); p += n)
		k++;
	return k;
}
