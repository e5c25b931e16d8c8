/*
 * tests/check_conformance.c - the driver conformance suite.
 *
 * The same cases run against every usable driver (strata_registry_drivers:
 * the compiled-in ones, then any registered): one TCase per driver, named
 * after it, and every test is added to it as a loop test whose single
 * index _i selects the driver in conf_drivers[].
 *
 * Where each driver's database is:
 *   sqlite  a fresh file per test, made with mkstemp in a directory that
 *           mkdtemp makes per TCase under $TMPDIR (or /tmp); the test's
 *           teardown removes the file, the TCase's removes the directory
 *           (also after failed tests, whose teardown Check skips)
 *   others  $STRATA_TEST_<NAME>_URL: STRATA_TEST_POSTGRES_URL,
 *           STRATA_TEST_MYSQL_URL. A compiled-in driver without its URL
 *           FAILS every test: a missing server is never a silent skip.
 * Tables get names unique to the process and the test
 * (strata_conf_<pid>_<n>_...); the teardown drops them.
 *
 * The vtable has no general query slot, so tests read the database back
 * through history_list, read_table (version 3), "SELECT * FROM t" (which
 * fails when t is missing) and inserts into a table with a primary key
 * (which fail when the row is there).
 *
 * Lock tests fork helper processes that open their own connection and
 * report through a pipe; a holder keeps the lock until the test writes to
 * its release pipe (or closes it, or kills the holder). No test sleeps to
 * wait for another process.
 *
 * Exports conformance_suite() only; the shared runner calls it.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strata/driver.h>
#include "registry.h"
#include "suites.h"

#define CONF_MAX_DRIVERS 16
#define CONF_MAX_CHILDREN 4
#define CONF_NO_TABLE "strata_conf_no_such_table"

/* ------------------------------------------------------------------ */
/* Per-test state                                                       */
/* ------------------------------------------------------------------ */

/* What a helper process tells the test. */
typedef struct conf_report {
	int rc;             /* 0 or the STRATA_E* code of its operation */
	double elapsed;     /* seconds the operation took */
	char message[512];  /* its error message */
} conf_report;

/* A helper process and the test's ends of its pipes. */
typedef struct conf_child {
	pid_t pid;
	int report_fd;      /* read a conf_report here */
	int release_fd;     /* write a byte (or close) to let a holder go */
} conf_child;

/* LOCK_WAIT events seen by the test's connections. */
typedef struct conf_events {
	int lock_waits;
	char message[1024];
	int release_fd;     /* >= 0: write a byte here on LOCK_WAIT */
} conf_events;

static const strata_driver *conf_drivers[CONF_MAX_DRIVERS];
static char conf_dir[PATH_MAX / 2]; /* the TCase's temporary directory */
static unsigned conf_serial;     /* unique names within one process */

static struct conf_ctx {
	const strata_driver *drv;
	char url[PATH_MAX + 64];
	char file[PATH_MAX];         /* sqlite: the database file, else "" */
	char base[64];               /* strata_conf_<pid>_<n> */
	char probe[96];              /* a plain table (id INT PRIMARY KEY) */
	char probe2[96];             /* another one */
	char hist[96];               /* a history table */
	char hist_quoted[96];        /* a history table with quotes in its name */
	char hist_schema[256];       /* schema.table, "" until used */
	conf_events events;
	conf_child children[CONF_MAX_CHILDREN];
	size_t nchildren;
} ctx;

/* ------------------------------------------------------------------ */
/* Temporary directory (one per TCase, made in the runner process)      */
/* ------------------------------------------------------------------ */

static void conf_dir_make(void)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(conf_dir, sizeof(conf_dir), "%s/strata-conf-XXXXXX", tmp);
	if (!mkdtemp(conf_dir))
		conf_dir[0] = '\0';
}

static int conf_remove_entry(const char *path, const struct stat *sb,
                             int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void conf_dir_remove(void)
{
	if (conf_dir[0])
		nftw(conf_dir, conf_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	conf_dir[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static int conf_is_sqlite(void)
{
	return ctx.drv->dialect == STRATA_DIALECT_SQLITE;
}

static double conf_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double conf_abs(double x)
{
	return x < 0 ? -x : x;
}

/* Quotes an identifier the way the driver's dialect does. */
static void conf_quote(char *out, size_t size, const char *name)
{
	char q = ctx.drv->dialect == STRATA_DIALECT_MYSQL ? '`' : '"';
	size_t k = 0;
	if (size < 3)
		return;
	out[k++] = q;
	for (const char *p = name; *p && k + 3 < size; p++) {
		if (*p == q)
			out[k++] = q;
		out[k++] = *p;
	}
	out[k++] = q;
	out[k] = '\0';
}

/* Quotes "schema.table" part by part (one dot at most). */
static void conf_quote_qualified(char *out, size_t size, const char *name)
{
	const char *dot = strchr(name, '.');
	if (!dot) {
		conf_quote(out, size, name);
		return;
	}
	char schema[128], qs[260], qt[260];
	snprintf(schema, sizeof(schema), "%.*s", (int)(dot - name), name);
	conf_quote(qs, sizeof(qs), schema);
	conf_quote(qt, sizeof(qt), dot + 1);
	snprintf(out, size, "%s.%s", qs, qt);
}

/* "STRATA_TEST_<NAME>_URL" for a server driver. */
static void conf_env_name(char *out, size_t size, const char *driver)
{
	size_t k = (size_t)snprintf(out, size, "STRATA_TEST_");
	for (const char *p = driver; *p && k + 5 < size; p++)
		out[k++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' :
		                  (*p == '-' ? '_' : *p));
	snprintf(out + k, size - k, "_URL");
}

static void conf_ok(int rc, const strata_error *err, const char *what)
{
	ck_assert_msg(rc == 0, "%s: %s failed with %d (%s): %s", ctx.drv->name,
	              what, rc, strata_strerror(rc), err->message);
}

/* Asserts a failure with code `want`, reported in err too, with a message. */
static void conf_fails(int rc, const strata_error *err, int want,
                       const char *what)
{
	ck_assert_msg(rc == want, "%s: %s returned %d, expected %d (%s); message: %s",
	              ctx.drv->name, what, rc, want, strata_strerror(want),
	              err->message);
	ck_assert_msg(err->code == want, "%s: %s left err->code %d, expected %d",
	              ctx.drv->name, what, err->code, want);
	ck_assert_msg(err->message[0] != '\0', "%s: %s failed without a message",
	              ctx.drv->name, what);
}

/* ------------------------------------------------------------------ */
/* Set-up and teardown                                                  */
/* ------------------------------------------------------------------ */

static void conf_sqlite_url(void)
{
	ck_assert_msg(conf_dir[0], "could not make a temporary directory under $TMPDIR or /tmp");
	snprintf(ctx.file, sizeof(ctx.file), "%s/conf-XXXXXX.db", conf_dir);
	int fd = mkstemps(ctx.file, 3);
	ck_assert_msg(fd >= 0, "mkstemps %s: %s", ctx.file, strerror(errno));
	close(fd);
	snprintf(ctx.url, sizeof(ctx.url), "sqlite:%s", ctx.file);
}

static void conf_server_url(void)
{
	char env[96];
	conf_env_name(env, sizeof(env), ctx.drv->name);
	const char *url = getenv(env);
	ck_assert_msg(url && *url,
	              "%s is not set: the %s driver is compiled in, so its conformance "
	              "tests need a server (scripts/test.sh starts one; or run eval \"$(scripts/servers.sh start)\" first, or export %s)",
	              env, ctx.drv->name, env);
	snprintf(ctx.url, sizeof(ctx.url), "%s", url);
}

/* Starts a test on driver `i`: its URL and unique table names. */
static void conf_start(int i)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.events.release_fd = -1;
	ctx.drv = conf_drivers[i];
	ck_assert_ptr_nonnull(ctx.drv);
	snprintf(ctx.base, sizeof(ctx.base), "strata_conf_%ld_%u",
	         (long)getpid(), ++conf_serial);
	snprintf(ctx.probe, sizeof(ctx.probe), "%s_p", ctx.base);
	snprintf(ctx.probe2, sizeof(ctx.probe2), "%s_p2", ctx.base);
	snprintf(ctx.hist, sizeof(ctx.hist), "%s_h", ctx.base);
	snprintf(ctx.hist_quoted, sizeof(ctx.hist_quoted), "%s_h\"q'b`x y",
	         ctx.base);
	if (conf_is_sqlite())
		conf_sqlite_url();
	else
		conf_server_url();
}

static void conf_on_event(void *data, const strata_event *ev)
{
	conf_events *e = data;
	if (ev->type != STRATA_EVENT_LOCK_WAIT)
		return;
	e->lock_waits++;
	snprintf(e->message, sizeof(e->message), "%s",
	         ev->message ? ev->message : "");
	if (e->release_fd >= 0) {
		ssize_t w = write(e->release_fd, "r", 1);
		(void)w;
	}
}

static void conf_on_log(void *data, strata_log_level level, const char *msg)
{
	(void)data;
	(void)level;
	ck_assert_ptr_nonnull(msg);
}

static void conf_config(strata_conn_config *cfg, const char *url)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->version = STRATA_CONN_CONFIG_VERSION;
	cfg->url = url;
	cfg->application_name = "strata-conformance";
	cfg->log = conf_on_log;
	cfg->on_event = conf_on_event;
	cfg->event_data = &ctx.events;
}

static strata_conn *conf_open_url(const char *url)
{
	strata_conn_config cfg;
	strata_error err = { 0 };
	strata_conn *c = NULL;
	conf_config(&cfg, url);
	int rc = ctx.drv->open(&c, &cfg, &err);
	conf_ok(rc, &err, "open");
	ck_assert_ptr_nonnull(c);
	return c;
}

static strata_conn *conf_open(void)
{
	return conf_open_url(ctx.url);
}

static void conf_children_reap(void)
{
	for (size_t i = 0; i < ctx.nchildren; i++) {
		conf_child *ch = &ctx.children[i];
		if (ch->pid > 0) {
			kill(ch->pid, SIGKILL);
			waitpid(ch->pid, NULL, 0);
		}
		if (ch->report_fd >= 0)
			close(ch->report_fd);
		if (ch->release_fd >= 0)
			close(ch->release_fd);
	}
	ctx.nchildren = 0;
}

static void conf_remove_sqlite(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal",
	                                        ".aux", ".aux-journal" };
	char path[PATH_MAX + 16];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", ctx.file, suffixes[i]);
		unlink(path);
	}
}

/* Drops the test's tables on a server (errors ignored). */
static void conf_drop_tables(void)
{
	strata_conn_config cfg;
	strata_error err = { 0 };
	strata_conn *c = NULL;
	conf_config(&cfg, ctx.url);
	cfg.on_event = NULL;
	if (ctx.drv->open(&c, &cfg, &err) != 0)
		return;
	const char *tables[] = { ctx.probe, ctx.probe2, ctx.hist,
	                         ctx.hist_quoted, ctx.hist_schema };
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char q[640], sql[700];
		if (!tables[i][0])
			continue;
		if (tables[i] == ctx.hist_schema)
			conf_quote_qualified(q, sizeof(q), tables[i]);
		else
			conf_quote(q, sizeof(q), tables[i]);
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", q);
		ctx.drv->exec(c, sql, strlen(sql), &err);
	}
	ctx.drv->close(c);
}

/* Checked teardown: runs after each test that did not fail. */
static void conf_teardown(void)
{
	conf_children_reap();
	if (!ctx.drv)
		return;
	if (ctx.file[0])
		conf_remove_sqlite();
	else if (ctx.url[0])
		conf_drop_tables();
	memset(&ctx, 0, sizeof(ctx));
}

/* ------------------------------------------------------------------ */
/* Reading the database back                                            */
/* ------------------------------------------------------------------ */

static int conf_exec(strata_conn *c, const char *sql, strata_error *err)
{
	strata_error_clear(err);
	return ctx.drv->exec(c, sql, strlen(sql), err);
}

static void conf_exec_ok(strata_conn *c, const char *sql)
{
	strata_error err;
	int rc = conf_exec(c, sql, &err);
	ck_assert_msg(rc == 0, "%s: exec \"%s\" failed with %d: %s",
	              ctx.drv->name, sql, rc, err.message);
}

/* Formats `fmt` with the quoted `table` (one %s) and executes it. */
static int conf_exec_on(strata_conn *c, const char *fmt, const char *table,
                        strata_error *err)
{
	char q[256], sql[1024];
	conf_quote(q, sizeof(q), table);
	snprintf(sql, sizeof(sql), fmt, q);
	return conf_exec(c, sql, err);
}

static void conf_exec_on_ok(strata_conn *c, const char *fmt, const char *table)
{
	strata_error err;
	int rc = conf_exec_on(c, fmt, table, &err);
	ck_assert_msg(rc == 0, "%s: exec \"%s\" on %s failed with %d: %s",
	              ctx.drv->name, fmt, table, rc, err.message);
}

static void conf_create_probe(strata_conn *c, const char *table)
{
	conf_exec_on_ok(c, "CREATE TABLE %s (id INT PRIMARY KEY)", table);
}

/* Whether `table` exists: SELECT from it fails when it does not. */
static int conf_table_exists(strata_conn *c, const char *table)
{
	strata_error err;
	int rc = conf_exec_on(c, "SELECT * FROM %s", table, &err);
	ck_assert_msg(rc == 0 || rc == STRATA_ESQL,
	              "%s: SELECT from %s failed with %d, expected 0 or STRATA_ESQL: %s",
	              ctx.drv->name, table, rc, err.message);
	return rc == 0;
}

/* Whether row `id` is in the probe table. ADDS the row when missing:
 * the insert fails on the primary key exactly when it is there. */
static int conf_has_row(strata_conn *c, const char *table, int id)
{
	char fmt[128];
	strata_error err;
	snprintf(fmt, sizeof(fmt), "INSERT INTO %%s (id) VALUES (%d)", id);
	int rc = conf_exec_on(c, fmt, table, &err);
	ck_assert_msg(rc == 0 || rc == STRATA_ESQL,
	              "%s: probing row %d failed with %d: %s", ctx.drv->name, id,
	              rc, err.message);
	return rc == STRATA_ESQL;
}

/* ------------------------------------------------------------------ */
/* History helpers                                                      */
/* ------------------------------------------------------------------ */

static strata_history_row conf_row(const char *version, const char *name,
                                   strata_state state)
{
	strata_history_row r;
	memset(&r, 0, sizeof(r));
	r.version = (char *)version;
	r.name = (char *)name;
	r.checksum = (char *)"sha256:0123abcd";
	r.state = state;
	r.statements_done = 1;
	r.statements_total = 1;
	r.duration = 0.5;
	r.applied_by = (char *)"conformance";
	return r;
}

static void conf_ensure(strata_conn *c, const char *table)
{
	strata_error err = { 0 };
	conf_ok(ctx.drv->history_ensure(c, table, &err), &err, "history_ensure");
}

static void conf_insert(strata_conn *c, const char *table,
                        const strata_history_row *row)
{
	strata_error err = { 0 };
	conf_ok(ctx.drv->history_insert(c, table, row, &err), &err,
	        "history_insert");
}

/* Lists an existing history table; free the rows with
 * strata_history_rows_free(rows, *n). */
static strata_history_row *conf_list(strata_conn *c, const char *table,
                                     size_t *n)
{
	strata_error err = { 0 };
	strata_history_row *rows = NULL;
	int exists = -1;
	int rc = ctx.drv->history_list(c, table, &rows, n, &exists, &err);
	conf_ok(rc, &err, "history_list");
	ck_assert_msg(exists == 1, "%s: history_list says %s does not exist",
	              ctx.drv->name, table);
	ck_assert_msg(*n == 0 || rows != NULL,
	              "%s: history_list gave %zu rows and no array", ctx.drv->name,
	              *n);
	return rows;
}

static void conf_list_missing(strata_conn *c, const char *table)
{
	strata_error err = { 0 };
	strata_history_row *rows = (strata_history_row *)&err;
	size_t n = 99;
	int exists = 99;
	int rc = ctx.drv->history_list(c, table, &rows, &n, &exists, &err);
	conf_ok(rc, &err, "history_list of a missing table");
	ck_assert_int_eq(exists, 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(rows);
}

static const strata_history_row *conf_find(const strata_history_row *rows,
                                           size_t n, const char *version)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].version && strcmp(rows[i].version, version) == 0)
			return &rows[i];
	return NULL;
}

static void conf_str_eq(const char *got, const char *want, const char *column,
                        const char *version)
{
	if (!want)
		ck_assert_msg(got == NULL, "%s: %s of %s: expected NULL, got \"%s\"",
		              ctx.drv->name, column, version, got);
	else
		ck_assert_msg(got && strcmp(got, want) == 0,
		              "%s: %s of %s: expected \"%s\", got %s%s%s", ctx.drv->name,
		              column, version, want, got ? "\"" : "",
		              got ? got : "NULL", got ? "\"" : "");
}

/* applied_at looks like YYYY-MM-DDTHH:MM:SS (UTC) and is about now. */
static void conf_check_applied_at(const char *s, const char *version)
{
	struct tm tm;
	ck_assert_msg(s && strlen(s) >= 19, "%s: applied_at of %s is \"%s\"",
	              ctx.drv->name, version, s ? s : "NULL");
	memset(&tm, 0, sizeof(tm));
	int ok = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
	                &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6 &&
	         s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
	         s[16] == ':';
	ck_assert_msg(ok, "%s: applied_at of %s is not ISO 8601: \"%s\"",
	              ctx.drv->name, version, s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	double skew = difftime(timegm(&tm), time(NULL));
	ck_assert_msg(conf_abs(skew) < 3600,
	              "%s: applied_at of %s is %s, %.0f s away from now (not UTC?)",
	              ctx.drv->name, version, s, skew);
}

/* Compares every column of `got` with what was written from `want`. */
static void conf_row_check(const strata_history_row *got,
                           const strata_history_row *want)
{
	const char *v = want->version;
	ck_assert_msg(got != NULL, "%s: history row %s is missing", ctx.drv->name, v);
	conf_str_eq(got->version, want->version, "version", v);
	conf_str_eq(got->name, want->name, "name", v);
	conf_str_eq(got->checksum, want->checksum, "checksum", v);
	ck_assert_msg(got->state == want->state, "%s: state of %s: %d, expected %d",
	              ctx.drv->name, v, (int)got->state, (int)want->state);
	ck_assert_int_eq(got->statements_done, want->statements_done);
	ck_assert_int_eq(got->statements_total, want->statements_total);
	conf_str_eq(got->down_sql, want->down_sql, "down_sql", v);
	ck_assert_msg(conf_abs(got->duration - want->duration) < 0.0015,
	              "%s: duration of %s: %g, expected %g", ctx.drv->name, v,
	              got->duration, want->duration);
	if (want->applied_by)
		conf_str_eq(got->applied_by, want->applied_by, "applied_by", v);
	conf_str_eq(got->last_error, want->last_error, "last_error", v);
	conf_check_applied_at(got->applied_at, v);
}

/* ------------------------------------------------------------------ */
/* Helper processes                                                     */
/* ------------------------------------------------------------------ */

/* What a helper does; returns the connection to close at the end. */
typedef strata_conn *(*conf_child_fn)(conf_report *r, double timeout);

/* Opens its own connection and takes the lock. */
static strata_conn *conf_child_lock(conf_report *r, double timeout)
{
	strata_conn_config cfg;
	strata_error err = { 0 };
	strata_conn *c = NULL;
	conf_config(&cfg, ctx.url);
	cfg.on_event = NULL;
	r->rc = ctx.drv->open(&c, &cfg, &err);
	if (!r->rc) {
		double t0 = conf_now();
		r->rc = ctx.drv->lock(c, ctx.hist, timeout, &err);
		r->elapsed = conf_now() - t0;
	}
	snprintf(r->message, sizeof(r->message), "%.500s", err.message);
	return c;
}

static void conf_child_main(conf_child_fn fn, double timeout, int hold,
                            int report_fd, int release_fd)
{
	conf_report r;
	memset(&r, 0, sizeof(r));
	strata_conn *c = fn(&r, timeout);
	if (write(report_fd, &r, sizeof(r)) == (ssize_t)sizeof(r) && hold &&
	    r.rc == 0) {
		char b;
		while (read(release_fd, &b, 1) < 0 && errno == EINTR)
			;
	}
	if (c)
		ctx.drv->close(c);
	_exit(0);
}

/* Forks a helper running `fn`; with `hold` it keeps its connection (and
 * lock) until released. */
static conf_child *conf_child_start(conf_child_fn fn, double timeout, int hold)
{
	int rep[2], rel[2];
	ck_assert_uint_lt(ctx.nchildren, CONF_MAX_CHILDREN);
	ck_assert_int_eq(pipe(rep), 0);
	ck_assert_int_eq(pipe(rel), 0);
	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(rep[0]);
		close(rel[1]);
		/* other holders must see EOF when the test goes away */
		for (size_t i = 0; i < ctx.nchildren; i++) {
			close(ctx.children[i].report_fd);
			close(ctx.children[i].release_fd);
		}
		conf_child_main(fn, timeout, hold, rep[1], rel[0]);
	}
	close(rep[1]);
	close(rel[0]);
	conf_child *ch = &ctx.children[ctx.nchildren++];
	ch->pid = pid;
	ch->report_fd = rep[0];
	ch->release_fd = rel[1];
	return ch;
}

static conf_report conf_child_report(conf_child *ch)
{
	conf_report r;
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = read(ch->report_fd, (char *)&r + got, sizeof(r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "%s: helper process %ld died before reporting",
		              ctx.drv->name, (long)ch->pid);
		got += (size_t)n;
	}
	return r;
}

static void conf_child_release(conf_child *ch)
{
	ck_assert_int_eq(write(ch->release_fd, "r", 1), 1);
}

/* Waits for the helper and returns its wait status. */
static int conf_child_wait(conf_child *ch)
{
	int status = 0;
	pid_t r;
	while ((r = waitpid(ch->pid, &status, 0)) < 0 && errno == EINTR)
		;
	ck_assert_int_eq(r, ch->pid);
	ch->pid = 0;
	return status;
}

static void conf_child_exited_ok(conf_child *ch)
{
	int status = conf_child_wait(ch);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "%s: helper process ended with status 0x%x", ctx.drv->name,
	              (unsigned)status);
}

/* ------------------------------------------------------------------ */
/* The driver and connections                                           */
/* ------------------------------------------------------------------ */

START_TEST(test_driver_struct)
{
	conf_start(_i);
	const strata_driver *d = ctx.drv;
	ck_assert_uint_ge(d->version, 1);
	ck_assert_uint_le(d->version, STRATA_DRIVER_VERSION);
	ck_assert_ptr_nonnull(d->name);
	ck_assert_ptr_nonnull(d->schemes);
	ck_assert_ptr_nonnull(d->schemes[0]);
	ck_assert_msg(d->open && d->close && d->exec && d->begin && d->commit &&
	              d->rollback && d->lock && d->unlock && d->history_ensure &&
	              d->history_list && d->history_insert && d->history_update &&
	              d->history_delete, "%s lacks a MUST slot", d->name);
}
END_TEST

START_TEST(test_open_close)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	ck_assert_ptr_eq(c->driver, ctx.drv);
	ctx.drv->close(c);
	ctx.drv->close(NULL);
	c = conf_open();
	ctx.drv->close(c);
}
END_TEST

/* A target that cannot be reached, by dialect; NULL when unknown. */
static const char *conf_unreachable_url(char *buf, size_t size)
{
	switch (ctx.drv->dialect) {
	case STRATA_DIALECT_SQLITE:
		snprintf(buf, size, "sqlite:%s/no/such/dir/x.db", conf_dir);
		return buf;
	case STRATA_DIALECT_POSTGRES:
		return "postgres://strata@127.0.0.1:1/strata?connect_timeout=5";
	case STRATA_DIALECT_MYSQL:
		return "mysql://strata@127.0.0.1:1/strata";
	case STRATA_DIALECT_GENERIC:
		break;
	}
	return NULL;
}

START_TEST(test_open_unreachable)
{
	conf_start(_i);
	char buf[PATH_MAX + 64];
	const char *url = conf_unreachable_url(buf, sizeof(buf));
	if (!url)
		return;
	strata_conn_config cfg;
	strata_error err = { 0 };
	strata_conn *c = NULL;
	conf_config(&cfg, url);
	int rc = ctx.drv->open(&c, &cfg, &err);
	conf_fails(rc, &err, STRATA_ECONNECT, "open of an unreachable target");
	if (conf_is_sqlite())
		ck_assert_msg(strstr(err.message, "/no/such/dir/x.db"),
		              "the message does not name the file: %s", err.message);
}
END_TEST

/* ------------------------------------------------------------------ */
/* exec                                                                 */
/* ------------------------------------------------------------------ */

START_TEST(test_exec)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err = { 0 };
	conf_create_probe(c, ctx.probe);
	ck_assert(conf_table_exists(c, ctx.probe));
	ck_assert(!conf_table_exists(c, ctx.probe2));
	if (ctx.drv->caps & STRATA_CAP_MULTI_STATEMENT) {
		conf_exec_on_ok(c, "INSERT INTO %1$s (id) VALUES (1);\n"
		                "INSERT INTO %1$s (id) VALUES (2);", ctx.probe);
	} else {
		conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (1)", ctx.probe);
		conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (2)", ctx.probe);
	}
	/* statements returning rows */
	conf_exec_on_ok(c, "SELECT id FROM %s ORDER BY id", ctx.probe);
	ck_assert(conf_has_row(c, ctx.probe, 1));
	ck_assert(conf_has_row(c, ctx.probe, 2));
	ck_assert(!conf_has_row(c, ctx.probe, 3));
	/* only `len` bytes run: the rest is not even SQL */
	char q[128], sql[256];
	conf_quote(q, sizeof(q), ctx.probe);
	int len = snprintf(sql, sizeof(sql), "INSERT INTO %s (id) VALUES (4)", q);
	snprintf(sql + len, sizeof(sql) - (size_t)len, "; this is not SQL");
	conf_ok(ctx.drv->exec(c, sql, (size_t)len, &err), &err,
	        "exec of a statement that is not NUL-terminated");
	ck_assert(conf_has_row(c, ctx.probe, 4));
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_exec_errors)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err;
	const char *bad = "SELECT * FROM " CONF_NO_TABLE;
	int rc = conf_exec(c, bad, &err);
	conf_fails(rc, &err, STRATA_ESQL, "exec of a missing table");
	ck_assert_int_ge(err.position, 0);
	ck_assert_int_le(err.position, (long)strlen(bad));
	/* the connection is still usable */
	conf_exec_ok(c, "SELECT 1");
	/* a syntax error in the second statement points into it */
	if (ctx.drv->caps & STRATA_CAP_MULTI_STATEMENT) {
		char q[128], sql[256];
		conf_quote(q, sizeof(q), ctx.probe2);
		int at = snprintf(sql, sizeof(sql), "CREATE TABLE %s (id INT);\n", q);
		snprintf(sql + at, sizeof(sql) - (size_t)at, "SELEC 1");
		rc = conf_exec(c, sql, &err);
		conf_fails(rc, &err, STRATA_ESQL, "exec of a syntax error");
		if (conf_is_sqlite())
			ck_assert_int_eq(err.position, at + 1);
		else if (err.position > 0)
			ck_assert_int_gt(err.position, at);
	} else {
		rc = conf_exec(c, "SELEC 1", &err);
		conf_fails(rc, &err, STRATA_ESQL, "exec of a syntax error");
	}
	/* a constraint violation */
	conf_create_probe(c, ctx.probe);
	conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (1)", ctx.probe);
	rc = conf_exec_on(c, "INSERT INTO %s (id) VALUES (1)", ctx.probe, &err);
	conf_fails(rc, &err, STRATA_ESQL, "exec of a duplicate key");
	conf_exec_ok(c, "SELECT 1");
	ctx.drv->close(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Transactions                                                         */
/* ------------------------------------------------------------------ */

static void conf_begin(strata_conn *c)
{
	strata_error err = { 0 };
	conf_ok(ctx.drv->begin(c, &err), &err, "begin");
}

static void conf_commit(strata_conn *c)
{
	strata_error err = { 0 };
	conf_ok(ctx.drv->commit(c, &err), &err, "commit");
}

static void conf_rollback(strata_conn *c)
{
	strata_error err = { 0 };
	conf_ok(ctx.drv->rollback(c, &err), &err, "rollback");
}

static int conf_transactional_ddl(void)
{
	return (ctx.drv->caps & STRATA_CAP_TRANSACTIONAL_DDL) != 0;
}

START_TEST(test_tx_commit)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	conf_create_probe(c, ctx.probe);
	conf_begin(c);
	conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (1)", ctx.probe);
	conf_commit(c);
	ck_assert(conf_has_row(c, ctx.probe, 1));
	if (conf_transactional_ddl()) {
		conf_begin(c);
		conf_create_probe(c, ctx.probe2);
		conf_commit(c);
		ck_assert(conf_table_exists(c, ctx.probe2));
	}
	ctx.drv->close(c);
	/* it is on disk / on the server, not just in this session */
	c = conf_open();
	ck_assert(conf_has_row(c, ctx.probe, 1));
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_tx_rollback)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	conf_create_probe(c, ctx.probe);
	conf_begin(c);
	conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (1)", ctx.probe);
	conf_rollback(c);
	ck_assert(!conf_has_row(c, ctx.probe, 1));
	if (conf_transactional_ddl()) {
		conf_begin(c);
		conf_create_probe(c, ctx.probe2);
		conf_rollback(c);
		ck_assert(!conf_table_exists(c, ctx.probe2));
	}
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_tx_failed_statement)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err;
	conf_create_probe(c, ctx.probe);
	conf_begin(c);
	conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (1)", ctx.probe);
	int rc = conf_exec(c, "INSERT INTO " CONF_NO_TABLE " (id) VALUES (1)", &err);
	conf_fails(rc, &err, STRATA_ESQL, "exec of a missing table in a transaction");
	ck_assert_msg(!err.not_in_tx, "%s: a missing table said not_in_tx", ctx.drv->name);
	conf_rollback(c);
	ck_assert(!conf_has_row(c, ctx.probe, 1));
	if (ctx.drv->dialect == STRATA_DIALECT_POSTGRES) {
		/* refused only because of the transaction: the driver says so,
		 * and the engine runs such a statement on its own */
		conf_begin(c);
		rc = conf_exec(c, "CREATE DATABASE strata_conf_never_made", &err);
		conf_fails(rc, &err, STRATA_ESQL, "CREATE DATABASE in a transaction");
		ck_assert_msg(err.not_in_tx, "%s: CREATE DATABASE in a transaction (%s) "
		              "did not say not_in_tx", ctx.drv->name, err.sqlstate);
		conf_rollback(c);
	}
	if (conf_transactional_ddl()) {
		conf_begin(c);
		conf_create_probe(c, ctx.probe2);
		rc = conf_exec(c, "SELEC 1", &err);
		conf_fails(rc, &err, STRATA_ESQL, "exec of a syntax error in a transaction");
		conf_rollback(c);
		ck_assert(!conf_table_exists(c, ctx.probe2));
	}
	if (conf_is_sqlite()) {
		/* SQLite ends this transaction itself; rollback must cope */
		conf_begin(c);
		conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (5)", ctx.probe);
		rc = conf_exec_on(c, "INSERT OR ROLLBACK INTO %s (id) VALUES (5)",
		                  ctx.probe, &err);
		conf_fails(rc, &err, STRATA_ESQL, "INSERT OR ROLLBACK of a duplicate");
		conf_rollback(c);
		ck_assert(!conf_has_row(c, ctx.probe, 5));
		conf_rollback(c); /* and outside any transaction */
	}
	ctx.drv->close(c);
}
END_TEST

/* tx_state: what the core asks after each statement of a migration. */
START_TEST(test_tx_state)
{
	conf_start(_i);
	const strata_driver *d = ctx.drv;
	ck_assert_msg(d->version >= 2 && d->tx_state, "%s has no tx_state", d->name);
	strata_conn *c = conf_open();
	strata_error err;
	conf_create_probe(c, ctx.probe);
	ck_assert_int_eq(d->tx_state(c), STRATA_TX_NONE);
	conf_begin(c);
	ck_assert_int_eq(d->tx_state(c), STRATA_TX_OPEN);
	conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (1)", ctx.probe);
	ck_assert_int_eq(d->tx_state(c), STRATA_TX_OPEN);
	conf_commit(c);
	ck_assert_int_eq(d->tx_state(c), STRATA_TX_NONE);
	/* a migration's own transaction control through exec */
	conf_exec_ok(c, "BEGIN");
	ck_assert_int_eq(d->tx_state(c), STRATA_TX_OPEN);
	conf_exec_ok(c, "COMMIT");
	ck_assert_int_eq(d->tx_state(c), STRATA_TX_NONE);
	/* a failed statement: PostgreSQL aborts the transaction */
	conf_begin(c);
	int rc = conf_exec(c, "INSERT INTO " CONF_NO_TABLE " (id) VALUES (1)", &err);
	conf_fails(rc, &err, STRATA_ESQL, "exec of a missing table in a transaction");
	int st = d->tx_state(c);
	if (d->dialect == STRATA_DIALECT_POSTGRES)
		ck_assert_int_eq(st, STRATA_TX_ABORTED);
	else
		ck_assert_int_ne(st, STRATA_TX_NONE);
	conf_rollback(c);
	ck_assert_int_eq(d->tx_state(c), STRATA_TX_NONE);
	if (d->dialect == STRATA_DIALECT_MYSQL) {
		/* DDL the splitter cannot see (a compound statement's) commits
		 * implicitly: the driver notices */
		char q[256], sql[512];
		conf_quote(q, sizeof(q), ctx.probe2);
		snprintf(sql, sizeof(sql), "BEGIN NOT ATOMIC CREATE TABLE %s (id INT); END", q);
		conf_begin(c);
		conf_exec_on_ok(c, "INSERT INTO %s (id) VALUES (2)", ctx.probe);
		conf_exec_ok(c, sql);
		ck_assert_int_eq(d->tx_state(c), STRATA_TX_NONE);
		conf_rollback(c);
		ck_assert(conf_has_row(c, ctx.probe, 2));  /* committed with it */
		/* and so does DDL run through EXECUTE */
		conf_begin(c);
		snprintf(sql, sizeof(sql), "PREPARE strata_p FROM 'DROP TABLE %s'", q);
		conf_exec_ok(c, sql);
		ck_assert_int_eq(d->tx_state(c), STRATA_TX_OPEN);
		conf_exec_ok(c, "EXECUTE strata_p");
		ck_assert_int_eq(d->tx_state(c), STRATA_TX_NONE);
		conf_rollback(c);
		ck_assert(!conf_table_exists(c, ctx.probe2));
	}
	if (conf_is_sqlite()) {
		/* SQLite ends the transaction itself on OR ROLLBACK */
		conf_begin(c);
		rc = conf_exec_on(c, "INSERT OR ROLLBACK INTO %s (id) VALUES (1)",
		                  ctx.probe, &err);
		conf_fails(rc, &err, STRATA_ESQL, "INSERT OR ROLLBACK of a duplicate");
		ck_assert_int_eq(d->tx_state(c), STRATA_TX_NONE);
		conf_rollback(c);
	}
	ctx.drv->close(c);
}
END_TEST

/* A migration's SET search_path / USE moves neither the history table
 * (named fully qualified) nor, after session_reset, the next
 * migration's unqualified names. */
START_TEST(test_session_moved)
{
	conf_start(_i);
	const strata_driver *d = ctx.drv;
	strata_conn *c = conf_open();
	strata_error err = { 0 };
	conf_ensure(c, ctx.hist);
	strata_history_row r = conf_row("1", "moved", STRATA_STATE_RUNNING);
	conf_insert(c, ctx.hist, &r);
	char other[96];
	snprintf(other, sizeof(other), "%s_db", ctx.base);
	char q[256], sql[512];
	conf_quote(q, sizeof(q), other);
	switch (d->dialect) {
	case STRATA_DIALECT_POSTGRES:
		/* pg_dump's header */
		conf_exec_ok(c, "SELECT pg_catalog.set_config('search_path', '', false)");
		break;
	case STRATA_DIALECT_MYSQL:
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", q);
		conf_exec_ok(c, sql);
		snprintf(sql, sizeof(sql), "USE %s", q);
		conf_exec_ok(c, sql);
		break;
	default:
		/* SQLite has nothing of the kind; the history still works */
		break;
	}
	/* the history is where it was */
	r.state = STRATA_STATE_APPLIED;
	conf_ok(d->history_update(c, ctx.hist, &r, &err), &err,
	        "history_update after the session moved");
	size_t n;
	strata_history_row *rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 1);
	conf_row_check(&rows[0], &r);
	strata_history_rows_free(rows, n);
	if (d->version >= 2 && d->session_reset) {
		conf_ok(d->session_reset(c, &err), &err, "session_reset");
		/* the next statement runs where the session started */
		conf_begin(c);
		conf_create_probe(c, ctx.probe);
		conf_commit(c);
		ck_assert(conf_table_exists(c, ctx.probe));
	} else {
		ck_assert_msg(d->dialect == STRATA_DIALECT_SQLITE,
		              "%s has no session_reset", d->name);
	}
	ctx.drv->close(c);
	/* a fresh session sees the probe in the default place */
	c = conf_open();
	if (d->version >= 2 && d->session_reset)
		ck_assert(conf_table_exists(c, ctx.probe));
	conf_ok(d->history_delete(c, ctx.hist, "1", &err), &err, "history_delete");
	if (d->dialect == STRATA_DIALECT_MYSQL) {
		snprintf(sql, sizeof(sql), "DROP DATABASE %s", q);
		conf_exec_ok(c, sql);
	}
	ctx.drv->close(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The history table                                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_history_missing)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	conf_list_missing(c, ctx.hist);
	/* listing did not create it */
	ck_assert(!conf_table_exists(c, ctx.hist));
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_history_ensure_twice)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	conf_ensure(c, ctx.hist);
	conf_ensure(c, ctx.hist);
	size_t n = 99;
	strata_history_row *rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 0);
	strata_history_rows_free(rows, n);
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_history_round_trip)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err = { 0 };
	conf_ensure(c, ctx.hist);

	strata_history_row a = conf_row("20240101000000", "create users",
	                                STRATA_STATE_APPLIED);
	a.checksum = (char *)"sha256:aaaa";
	a.statements_done = 3;
	a.statements_total = 3;
	a.down_sql = (char *)"DROP TABLE users;\n-- it's \"quoted\"";
	a.duration = 1.25;
	a.applied_by = (char *)"alice";
	strata_history_row b = conf_row("20231231000000", "b", STRATA_STATE_RUNNING);
	b.statements_done = 1;
	b.statements_total = 4;
	b.duration = 0;
	b.applied_by = (char *)"bob";
	b.last_error = (char *)"boom: it's \"bad\"\nsecond line";
	strata_history_row d = conf_row("20240102000000", "no user",
	                                STRATA_STATE_FAILED);
	d.applied_by = NULL;
	strata_history_row f = conf_row(STRATA_HISTORY_FORMAT_ROW, "1",
	                                STRATA_STATE_PENDING);
	f.checksum = (char *)"";
	conf_insert(c, ctx.hist, &a);
	conf_insert(c, ctx.hist, &b);
	conf_insert(c, ctx.hist, &d);
	conf_insert(c, ctx.hist, &f);

	size_t n;
	strata_history_row *rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 4);
	/* ordered by version as text: the format row last */
	ck_assert_str_eq(rows[0].version, b.version);
	ck_assert_str_eq(rows[1].version, a.version);
	ck_assert_str_eq(rows[2].version, d.version);
	ck_assert_str_eq(rows[3].version, f.version);
	conf_row_check(&rows[0], &b);
	conf_row_check(&rows[1], &a);
	conf_row_check(&rows[2], &d);
	conf_row_check(&rows[3], &f);
	/* the engine alone decides applied_by: a NULL one stays NULL */
	ck_assert_msg(!rows[2].applied_by, "%s: a NULL applied_by came back as \"%s\"",
	              ctx.drv->name, rows[2].applied_by);
	strata_history_rows_free(rows, n);

	/* update sets every column but version */
	a.name = (char *)"renamed";
	a.checksum = (char *)"sha256:bbbb";
	a.state = STRATA_STATE_REVERT_FAILED;
	a.statements_done = 2;
	a.statements_total = 5;
	a.down_sql = NULL;
	a.duration = 2.5;
	a.applied_by = (char *)"carol";
	a.last_error = (char *)"failed here";
	conf_ok(ctx.drv->history_update(c, ctx.hist, &a, &err), &err,
	        "history_update");
	rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 4);
	conf_row_check(conf_find(rows, n, a.version), &a);
	conf_row_check(conf_find(rows, n, b.version), &b);
	strata_history_rows_free(rows, n);

	conf_ok(ctx.drv->history_delete(c, ctx.hist, b.version, &err), &err,
	        "history_delete");
	rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_null(conf_find(rows, n, b.version));
	conf_row_check(conf_find(rows, n, a.version), &a);
	strata_history_rows_free(rows, n);
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_history_errors)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err = { 0 };
	conf_ensure(c, ctx.hist);
	strata_history_row a = conf_row("1", "one", STRATA_STATE_APPLIED);
	conf_insert(c, ctx.hist, &a);
	int rc = ctx.drv->history_insert(c, ctx.hist, &a, &err);
	conf_fails(rc, &err, STRATA_ESQL, "history_insert of a duplicate version");
	strata_history_row m = conf_row("2", "missing", STRATA_STATE_APPLIED);
	strata_error_clear(&err);
	rc = ctx.drv->history_update(c, ctx.hist, &m, &err);
	conf_fails(rc, &err, STRATA_ENOTFOUND, "history_update of a missing version");
	strata_error_clear(&err);
	rc = ctx.drv->history_delete(c, ctx.hist, "2", &err);
	conf_fails(rc, &err, STRATA_ENOTFOUND, "history_delete of a missing version");
	size_t n;
	strata_history_row *rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 1);
	conf_row_check(&rows[0], &a);
	strata_history_rows_free(rows, n);
	ctx.drv->close(c);
}
END_TEST

/* The schema that unqualified names land in; NULL when unknown. */
static const char *conf_default_schema(char *buf, size_t size)
{
	switch (ctx.drv->dialect) {
	case STRATA_DIALECT_SQLITE:
		return "main";
	case STRATA_DIALECT_POSTGRES:
		return "public";
	case STRATA_DIALECT_MYSQL: {
		/* the database named in the URL's path */
		const char *p = strstr(ctx.url, "://");
		const char *at = p ? strrchr(p, '@') : NULL;
		p = p ? strchr(at ? at : p + 3, '/') : NULL;
		ck_assert_msg(p && p[1] && p[1] != '?',
		              "cannot tell the database of the mysql test URL");
		snprintf(buf, size, "%.*s", (int)strcspn(p + 1, "?"), p + 1);
		return buf;
	}
	case STRATA_DIALECT_GENERIC:
		break;
	}
	return NULL;
}

/* SQLite: an attached database is a schema of its own. */
static void conf_sqlite_attached(strata_conn *c, const char *table)
{
	char sql[PATH_MAX + 64], aux[200];
	snprintf(sql, sizeof(sql), "ATTACH DATABASE '%s.aux' AS aux", ctx.file);
	conf_exec_ok(c, sql);
	snprintf(aux, sizeof(aux), "aux.%s", table);
	conf_list_missing(c, aux);
	conf_ensure(c, aux);
	strata_history_row r = conf_row("7", "in aux", STRATA_STATE_APPLIED);
	conf_insert(c, aux, &r);
	r.version = (char *)"8";
	conf_insert(c, aux, &r);
	size_t n;
	strata_history_row *rows = conf_list(c, aux, &n);
	ck_assert_uint_eq(n, 2);
	strata_history_rows_free(rows, n);
	snprintf(aux, sizeof(aux), "main.%s", table);
	rows = conf_list(c, aux, &n);
	ck_assert_uint_eq(n, 1);
	strata_history_rows_free(rows, n);
}

START_TEST(test_history_schema_qualified)
{
	conf_start(_i);
	char buf[128], table[96];
	const char *schema = conf_default_schema(buf, sizeof(buf));
	if (!schema)
		return;
	snprintf(table, sizeof(table), "%s_hs", ctx.base);
	snprintf(ctx.hist_schema, sizeof(ctx.hist_schema), "%s.%s", schema, table);
	strata_conn *c = conf_open();
	strata_error err = { 0 };
	conf_list_missing(c, ctx.hist_schema);
	conf_ensure(c, ctx.hist_schema);
	conf_ensure(c, ctx.hist_schema);
	strata_history_row r = conf_row("1", "qualified", STRATA_STATE_RUNNING);
	conf_insert(c, ctx.hist_schema, &r);
	r.state = STRATA_STATE_APPLIED;
	conf_ok(ctx.drv->history_update(c, ctx.hist_schema, &r, &err), &err,
	        "history_update of a schema-qualified table");
	size_t n;
	strata_history_row *rows = conf_list(c, ctx.hist_schema, &n);
	ck_assert_uint_eq(n, 1);
	conf_row_check(&rows[0], &r);
	strata_history_rows_free(rows, n);
	/* the same table as the unqualified name */
	rows = conf_list(c, table, &n);
	ck_assert_uint_eq(n, 1);
	strata_history_rows_free(rows, n);
	if (conf_is_sqlite())
		conf_sqlite_attached(c, table);
	conf_ok(ctx.drv->history_delete(c, ctx.hist_schema, "1", &err), &err,
	        "history_delete of a schema-qualified table");
	rows = conf_list(c, ctx.hist_schema, &n);
	ck_assert_uint_eq(n, 0);
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_history_quoted_name)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err = { 0 };
	const char *t = ctx.hist_quoted;
	conf_list_missing(c, t);
	conf_ensure(c, t);
	conf_ensure(c, t);
	ck_assert(conf_table_exists(c, t));
	strata_history_row r = conf_row("1", "quoted", STRATA_STATE_APPLIED);
	conf_insert(c, t, &r);
	r.statements_done = 7;
	conf_ok(ctx.drv->history_update(c, t, &r, &err), &err, "history_update");
	size_t n;
	strata_history_row *rows = conf_list(c, t, &n);
	ck_assert_uint_eq(n, 1);
	conf_row_check(&rows[0], &r);
	strata_history_rows_free(rows, n);
	conf_ok(ctx.drv->history_delete(c, t, "1", &err), &err, "history_delete");
	rows = conf_list(c, t, &n);
	ck_assert_uint_eq(n, 0);
	/* nothing was created under a truncated name */
	ck_assert(!conf_table_exists(c, ctx.hist));
	ctx.drv->close(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* apply_tx                                                             */
/* ------------------------------------------------------------------ */

/* Splits `text` at ';' into statements that point into it, without
 * terminators (so none is NUL-terminated but the last). */
static size_t conf_stmts(strata_stmt *out, size_t max, const char *text)
{
	size_t n = 0;
	const char *p = text;
	while (*p && n < max) {
		size_t len = strcspn(p, ";");
		memset(&out[n], 0, sizeof(out[n]));
		out[n].sql = p;
		out[n].len = len;
		out[n].line = 1;
		out[n].column = (int)(p - text) + 1;
		n++;
		p += len;
		if (*p == ';')
			p++;
	}
	return n;
}

/* Formats a statement list whose every %1$s is the quoted probe table. */
static void conf_probe_sql(char *out, size_t size, const char *fmt,
                           const char *table)
{
	char q[128];
	conf_quote(q, sizeof(q), table);
	snprintf(out, size, fmt, q);
}

static int conf_apply(strata_conn *c, const char *sql, strata_history_op op,
                      const strata_history_row *row, strata_error *err)
{
	strata_stmt stmts[8];
	size_t n = conf_stmts(stmts, 8, sql);
	strata_error_clear(err);
	return ctx.drv->apply_tx(c, ctx.hist, stmts, n, op, row, err);
}

START_TEST(test_apply_tx)
{
	conf_start(_i);
	if (!ctx.drv->apply_tx)
		return;
	strata_conn *c = conf_open();
	strata_error err;
	char sql[1024];
	conf_ensure(c, ctx.hist);
	conf_create_probe(c, ctx.probe);

	/* success: the statements and the row */
	strata_history_row v1 = conf_row("1", "one", STRATA_STATE_APPLIED);
	v1.statements_done = v1.statements_total = 2;
	conf_probe_sql(sql, sizeof(sql), "INSERT INTO %1$s (id) VALUES (1);"
	               "INSERT INTO %1$s (id) VALUES (2)", ctx.probe);
	conf_ok(conf_apply(c, sql, STRATA_HISTORY_INSERT, &v1, &err), &err,
	        "apply_tx");
	size_t n;
	strata_history_row *rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 1);
	conf_row_check(&rows[0], &v1);
	strata_history_rows_free(rows, n);
	ck_assert(conf_has_row(c, ctx.probe, 1));
	ck_assert(conf_has_row(c, ctx.probe, 2));

	/* failure at statement 2 of 3: nothing stays */
	strata_history_row v2 = conf_row("2", "two", STRATA_STATE_APPLIED);
	conf_probe_sql(sql, sizeof(sql), "INSERT INTO %1$s (id) VALUES (10);"
	               "INSERT INTO " CONF_NO_TABLE " (id) VALUES (1);"
	               "INSERT INTO %1$s (id) VALUES (11)", ctx.probe);
	int rc = conf_apply(c, sql, STRATA_HISTORY_INSERT, &v2, &err);
	conf_fails(rc, &err, STRATA_ESQL, "apply_tx with a failing statement");
	ck_assert_int_eq(err.statement, 2);
	rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_null(conf_find(rows, n, "2"));
	strata_history_rows_free(rows, n);
	ck_assert(!conf_has_row(c, ctx.probe, 10));
	ck_assert(!conf_has_row(c, ctx.probe, 11));

	if (conf_transactional_ddl()) {
		conf_probe_sql(sql, sizeof(sql), "CREATE TABLE %1$s (id INT);"
		               "SELEC 1;SELECT 1", ctx.probe2);
		rc = conf_apply(c, sql, STRATA_HISTORY_INSERT, &v2, &err);
		conf_fails(rc, &err, STRATA_ESQL, "apply_tx with a syntax error");
		ck_assert_int_eq(err.statement, 2);
		ck_assert(!conf_table_exists(c, ctx.probe2));
	}

	/* failure of the history change: statement 0, nothing stays */
	conf_probe_sql(sql, sizeof(sql), "INSERT INTO %1$s (id) VALUES (20)",
	               ctx.probe);
	rc = conf_apply(c, sql, STRATA_HISTORY_INSERT, &v1, &err);
	ck_assert_msg(rc < 0, "apply_tx inserting a duplicate version succeeded");
	ck_assert_int_eq(err.statement, 0);
	ck_assert(!conf_has_row(c, ctx.probe, 20));

	/* DELETE removes the row along with the statements' effects */
	conf_probe_sql(sql, sizeof(sql), "DELETE FROM %1$s WHERE id = 1", ctx.probe);
	conf_ok(conf_apply(c, sql, STRATA_HISTORY_DELETE, &v1, &err), &err,
	        "apply_tx DELETE");
	rows = conf_list(c, ctx.hist, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert(!conf_has_row(c, ctx.probe, 1));

	/* DELETE of a missing version rolls back */
	conf_probe_sql(sql, sizeof(sql), "DELETE FROM %1$s WHERE id = 2", ctx.probe);
	rc = conf_apply(c, sql, STRATA_HISTORY_DELETE, &v1, &err);
	conf_fails(rc, &err, STRATA_ENOTFOUND, "apply_tx DELETE of a missing version");
	ck_assert_int_eq(err.statement, 0);
	ck_assert(conf_has_row(c, ctx.probe, 2));
	ctx.drv->close(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The migration lock                                                   */
/* ------------------------------------------------------------------ */

static int conf_lock(strata_conn *c, double timeout, strata_error *err)
{
	strata_error_clear(err);
	return ctx.drv->lock(c, ctx.hist, timeout, err);
}

static void conf_unlock(strata_conn *c)
{
	strata_error err = { 0 };
	conf_ok(ctx.drv->unlock(c, ctx.hist, &err), &err, "unlock");
}

START_TEST(test_lock_two_processes)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err;
	conf_ok(conf_lock(c, 5, &err), &err, "lock");

	conf_child *ch = conf_child_start(conf_child_lock, 0.2, 0);
	conf_report r = conf_child_report(ch);
	ck_assert_msg(r.rc == STRATA_ELOCK,
	              "%s: a second process got %d, expected STRATA_ELOCK: %s",
	              ctx.drv->name, r.rc, r.message);
	ck_assert_msg(r.message[0], "lock timeout without a message");
	ck_assert_msg(r.elapsed >= 0.15 && r.elapsed < 3,
	              "a 0.2 s lock timeout took %.3f s", r.elapsed);
	conf_child_exited_ok(ch);

	conf_unlock(c);
	ch = conf_child_start(conf_child_lock, 0.2, 0);
	r = conf_child_report(ch);
	ck_assert_msg(r.rc == 0, "%s: the lock was not free after unlock: %d %s",
	              ctx.drv->name, r.rc, r.message);
	conf_child_exited_ok(ch);

	/* the child's lock died with its connection: locking again works */
	conf_ok(conf_lock(c, 0, &err), &err, "lock again");
	conf_unlock(c);
	ctx.drv->close(c);
}
END_TEST

/* lock is re-entrant for its key, the same in every driver: a second
 * lock returns 0 and changes nothing, and one unlock releases it. */
START_TEST(test_lock_again)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err;
	conf_ok(conf_lock(c, 5, &err), &err, "lock");
	conf_ok(conf_lock(c, 0, &err), &err, "lock again while holding it");
	conf_child *ch = conf_child_start(conf_child_lock, 0.1, 0);
	conf_report r = conf_child_report(ch);
	ck_assert_msg(r.rc == STRATA_ELOCK,
	              "%s: a second process got %d after a lock taken twice: %s",
	              ctx.drv->name, r.rc, r.message);
	conf_child_exited_ok(ch);
	conf_unlock(c);
	ch = conf_child_start(conf_child_lock, 0.2, 0);
	r = conf_child_report(ch);
	ck_assert_msg(r.rc == 0, "%s: one unlock did not release a lock taken twice: %d %s",
	              ctx.drv->name, r.rc, r.message);
	conf_child_exited_ok(ch);
	/* unlock of a lock not held is no error */
	conf_unlock(c);
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_lock_dies_with_process)
{
	conf_start(_i);
	conf_child *ch = conf_child_start(conf_child_lock, 5, 1);
	conf_report r = conf_child_report(ch);
	ck_assert_msg(r.rc == 0, "%s: the holder could not lock: %d %s",
	              ctx.drv->name, r.rc, r.message);
	strata_conn *c = conf_open();
	strata_error err;
	int rc = conf_lock(c, 0, &err);
	conf_fails(rc, &err, STRATA_ELOCK, "lock held by another process");
	kill(ch->pid, SIGKILL);
	int status = conf_child_wait(ch);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	double t0 = conf_now();
	conf_ok(conf_lock(c, 10, &err), &err, "lock after the holder was killed");
	ck_assert_msg(conf_now() - t0 < 10, "the dead holder's lock lingered");
	conf_unlock(c);
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_lock_two_connections)
{
	conf_start(_i);
	strata_conn *a = conf_open();
	strata_conn *b = conf_open();
	strata_error err;
	conf_ok(conf_lock(a, 5, &err), &err, "lock");
	int rc = conf_lock(b, 0, &err);
	conf_fails(rc, &err, STRATA_ELOCK, "lock held by another connection");
	conf_unlock(a);
	conf_ok(conf_lock(b, 0, &err), &err, "lock after unlock");
	ctx.drv->close(b); /* releases it */
	conf_ok(conf_lock(a, 5, &err), &err, "lock after close");
	conf_unlock(a);
	ctx.drv->close(a);
}
END_TEST

/* The holder's pid is in the message when the driver can find it. */
static void conf_check_holder(pid_t holder)
{
	char pid[32];
	if (!conf_is_sqlite() || access("/proc/locks", R_OK) != 0)
		return;
	snprintf(pid, sizeof(pid), "pid %ld", (long)holder);
	ck_assert_msg(strstr(ctx.events.message, pid),
	              "the wait message does not name the holder (%s): %s", pid,
	              ctx.events.message);
}

START_TEST(test_lock_wait_event)
{
	conf_start(_i);
	conf_child *ch = conf_child_start(conf_child_lock, 5, 1);
	conf_report r = conf_child_report(ch);
	ck_assert_msg(r.rc == 0, "%s: the holder could not lock: %d %s",
	              ctx.drv->name, r.rc, r.message);
	strata_conn *c = conf_open();
	strata_error err;

	/* held throughout: one event, then STRATA_ELOCK */
	int rc = conf_lock(c, 0.3, &err);
	conf_fails(rc, &err, STRATA_ELOCK, "lock held by another process");
	ck_assert_int_eq(ctx.events.lock_waits, 1);
	ck_assert_msg(ctx.events.message[0], "LOCK_WAIT event without a message");
	conf_check_holder(ch->pid);
	if (conf_is_sqlite())
		ck_assert_msg(strstr(err.message, "timed out after"),
		              "unexpected message: %s", err.message);

	/* released while we wait (the event handler releases it) */
	ctx.events.lock_waits = 0;
	ctx.events.release_fd = ch->release_fd;
	conf_ok(conf_lock(c, 30, &err), &err, "lock released while waiting");
	ck_assert_int_eq(ctx.events.lock_waits, 1);
	ctx.events.release_fd = -1;
	conf_child_exited_ok(ch);
	conf_unlock(c);
	ctx.drv->close(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Optional slots                                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_dump_and_version)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err = { 0 };
	char *out = NULL;
	if (ctx.drv->dump_schema) {
		conf_create_probe(c, ctx.probe);
		conf_ok(ctx.drv->dump_schema(c, &out, &err), &err, "dump_schema");
		ck_assert_ptr_nonnull(out);
		ck_assert_msg(strstr(out, ctx.probe), "%s: the dump lacks %s:\n%s",
		              ctx.drv->name, ctx.probe, out);
		free(out);
		out = NULL;
	}
	if (ctx.drv->server_version) {
		conf_ok(ctx.drv->server_version(c, &out, &err), &err,
		        "server_version");
		ck_assert_ptr_nonnull(out);
		ck_assert_msg(out[0], "empty server version");
		free(out);
	}
	ctx.drv->close(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* SQLite only: URLs, positions, files                                  */
/* ------------------------------------------------------------------ */

static void conf_open_url_fails(const char *url, int want)
{
	strata_conn_config cfg;
	strata_error err = { 0 };
	strata_conn *c = NULL;
	conf_config(&cfg, url);
	int rc = ctx.drv->open(&c, &cfg, &err);
	ck_assert_msg(rc == want, "open of \"%s\" returned %d, expected %d: %s",
	              url, rc, want, err.message);
	ck_assert_msg(err.message[0], "open of \"%s\" failed without a message", url);
}

/* Opens `url`, expects the file `path` (relative to conf_dir) to exist. */
static void conf_open_creates(const char *url, const char *path)
{
	char full[PATH_MAX + 64];
	strata_conn *c = conf_open_url(url);
	ctx.drv->close(c);
	snprintf(full, sizeof(full), "%s/%s", conf_dir, path);
	ck_assert_msg(access(full, F_OK) == 0, "%s did not create %s", url, full);
}

START_TEST(test_sqlite_urls)
{
	conf_start(_i);
	char cwd[PATH_MAX], url[PATH_MAX + 64], sub[PATH_MAX + 8];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(conf_dir), 0);
	snprintf(sub, sizeof(sub), "%s/sub", conf_dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);

	conf_open_creates("sqlite:rel.db", "rel.db");
	conf_open_creates("sqlite3:rel3.db", "rel3.db");
	conf_open_creates("sqlite://sub/rel.db", "sub/rel.db");
	snprintf(url, sizeof(url), "sqlite://%s/abs.db", conf_dir);
	conf_open_creates(url, "abs.db");
	snprintf(url, sizeof(url), "sqlite:%s/with%%20space%%3F.db", conf_dir);
	conf_open_creates(url, "with space?.db");
	conf_open_creates("sqlite:q.db?busy_timeout=100&mode=rwc", "q.db");
	conf_open_creates("sqlite:q2.db?_busy_timeout=0", "q2.db");

	conf_open_url_fails("sqlite:", STRATA_EURL);
	conf_open_url_fails("sqlite://", STRATA_EURL);
	conf_open_url_fails("sqlite:?busy_timeout=1", STRATA_EURL);
	conf_open_url_fails("sqlite:q.db?busy_timeout=soon", STRATA_EURL);
	conf_open_url_fails("sqlite:bad%zz.db", STRATA_EURL);
	conf_open_url_fails("sqlite:sub", STRATA_ECONNECT); /* a directory */

	/* not a database */
	FILE *f = fopen("junk.db", "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 64; i++)
		fputs("this is not an SQLite database at all\n", f);
	fclose(f);
	conf_open_url_fails("sqlite:junk.db", STRATA_ECONNECT);

	/* go-sqlite3's settings, as dbmate URLs carry them, become PRAGMAs;
	 * abs() of the smallest integer fails the statement when one is not
	 * what the URL asked for */
	strata_conn *p = conf_open_url("sqlite:prag.db?_journal=wal&_sync=OFF&_fk=1&_timeout=50");
	conf_exec_ok(p, "SELECT CASE WHEN (SELECT journal_mode FROM pragma_journal_mode) = 'wal' "
	                "AND (SELECT synchronous FROM pragma_synchronous) = 0 "
	                "AND (SELECT foreign_keys FROM pragma_foreign_keys) = 1 "
	                "THEN 1 ELSE abs(-9223372036854775808) END");
	conf_exec_ok(p, "CREATE TABLE p (id INTEGER PRIMARY KEY); "
	                "CREATE TABLE k (p INTEGER REFERENCES p (id))");
	strata_error perr = { 0 };
	ck_assert_int_eq(conf_exec(p, "INSERT INTO k VALUES (7)", &perr), STRATA_ESQL);
	ck_assert_msg(strstr(perr.message, "FOREIGN KEY") != NULL, "%s", perr.message);
	ctx.drv->close(p);
	/* without them SQLite's defaults hold (WAL stays: it is the file's) */
	p = conf_open_url("sqlite:prag.db?_journal_mode=WAL&_synchronous=normal&_foreign_keys=false");
	conf_exec_ok(p, "SELECT CASE WHEN (SELECT synchronous FROM pragma_synchronous) = 1 "
	                "AND (SELECT foreign_keys FROM pragma_foreign_keys) = 0 "
	                "THEN 1 ELSE abs(-9223372036854775808) END");
	ctx.drv->close(p);
	p = conf_open_url("sqlite:prag.db");
	conf_exec_ok(p, "SELECT CASE WHEN (SELECT synchronous FROM pragma_synchronous) = 2 "
	                "AND (SELECT foreign_keys FROM pragma_foreign_keys) = 0 "
	                "AND (SELECT journal_mode FROM pragma_journal_mode) = 'wal' "
	                "THEN 1 ELSE abs(-9223372036854775808) END");
	conf_exec_ok(p, "INSERT INTO k VALUES (7)");
	ctx.drv->close(p);
	conf_open_url_fails("sqlite:q.db?_journal=fast", STRATA_EURL);
	conf_open_url_fails("sqlite:q.db?_sync=7", STRATA_EURL);
	conf_open_url_fails("sqlite:q.db?_fk=maybe", STRATA_EURL);
	conf_open_url_fails("sqlite:q.db?_fk", STRATA_EURL);
	/* mode= of SQLite's URIs: rw never creates, ro never writes */
	conf_open_url_fails("sqlite:absent.db?mode=rw", STRATA_ECONNECT);
	conf_open_url_fails("sqlite:absent.db?mode=ro", STRATA_ECONNECT);
	ck_assert_int_ne(access("absent.db", F_OK), 0);
	conf_open_url_fails("sqlite:q.db?mode=memory", STRATA_EURL);
	p = conf_open_url("sqlite:prag.db?mode=ro");
	conf_exec_ok(p, "SELECT count(*) FROM k");
	ck_assert_int_eq(conf_exec(p, "INSERT INTO k VALUES (8)", &perr), STRATA_ESQL);
	ck_assert_msg(strstr(perr.message, "readonly") != NULL, "%s", perr.message);
	ctx.drv->close(p);
	p = conf_open_url("sqlite:prag.db?mode=rw");
	conf_exec_ok(p, "INSERT INTO k VALUES (8)");
	ctx.drv->close(p);

	/* in memory: works, locks trivially, leaves no file */
	strata_conn *c = conf_open_url("sqlite::memory:");
	strata_error err = { 0 };
	conf_ok(ctx.drv->lock(c, "x", 0, &err), &err, "lock of :memory:");
	conf_ok(ctx.drv->unlock(c, "x", &err), &err, "unlock of :memory:");
	conf_ensure(c, ctx.hist);
	strata_history_row r = conf_row("1", "mem", STRATA_STATE_APPLIED);
	conf_insert(c, ctx.hist, &r);
	ctx.drv->close(c);
	ck_assert_int_ne(access(":memory:", F_OK), 0);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_sqlite_exec_details)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	strata_error err;
	/* a runtime error points at its statement, after comments */
	const char *sql = "CREATE TABLE t (x INT PRIMARY KEY); INSERT INTO t VALUES (1);\n"
	                  "  -- again\n  INSERT INTO t VALUES (1); SELECT 1";
	int rc = conf_exec(c, sql, &err);
	conf_fails(rc, &err, STRATA_ESQL, "duplicate key");
	ck_assert_int_eq(err.position, strstr(sql, "  INSERT") - sql + 3);
	ck_assert_int_eq(err.native_code, 1555); /* SQLITE_CONSTRAINT_PRIMARYKEY */
	ck_assert_str_eq(err.sqlstate, "");
	ck_assert_msg(strstr(err.message, "UNIQUE"), "message: %s", err.message);
	/* PRAGMAs, rows, VACUUM, comments and nothing at all */
	conf_exec_ok(c, "PRAGMA journal_mode=WAL; SELECT * FROM t; "
	             "PRAGMA foreign_keys=ON; VACUUM; -- done");
	conf_exec_ok(c, "  /* only a comment */ ");
	conf_ok(ctx.drv->exec(c, "", 0, &err), &err, "exec of nothing");
	/* a syntax error at a precise token */
	sql = "SELECT 1;\nSELECT * FROM t WHERE x = = 1";
	rc = conf_exec(c, sql, &err);
	conf_fails(rc, &err, STRATA_ESQL, "syntax error");
	ck_assert_int_eq(err.position, strstr(sql, "= 1") - sql + 1);
	ctx.drv->close(c);
}
END_TEST

START_TEST(test_sqlite_create_drop)
{
	conf_start(_i);
	char url[PATH_MAX + 64], path[PATH_MAX + 16];
	strata_conn_config cfg;
	strata_error err = { 0 };
	snprintf(path, sizeof(path), "%s/created.db", conf_dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	conf_config(&cfg, url);
	conf_ok(ctx.drv->create_database(&cfg, &err), &err, "create_database");
	ck_assert_int_eq(access(path, F_OK), 0);
	conf_ok(ctx.drv->create_database(&cfg, &err), &err, "create_database again");
	strata_conn *c = conf_open_url(url);
	conf_exec_ok(c, "PRAGMA journal_mode=WAL; CREATE TABLE t (x INT)");
	ctx.drv->close(c);
	conf_ok(ctx.drv->drop_database(&cfg, &err), &err, "drop_database");
	ck_assert_int_ne(access(path, F_OK), 0);
	conf_ok(ctx.drv->drop_database(&cfg, &err), &err, "drop_database again");
	conf_config(&cfg, "sqlite::memory:");
	conf_ok(ctx.drv->create_database(&cfg, &err), &err, "create :memory:");
	conf_ok(ctx.drv->drop_database(&cfg, &err), &err, "drop :memory:");
	snprintf(url, sizeof(url), "sqlite:%s/no/such/dir/x.db", conf_dir);
	conf_config(&cfg, url);
	int rc = ctx.drv->create_database(&cfg, &err);
	conf_fails(rc, &err, STRATA_ECONNECT, "create_database in a missing directory");
}
END_TEST

/* STRATA_OPEN_EXISTING: a database that is not there is STRATA_ENOTFOUND
 * and no file is made; an options struct of version 1 (which ends before
 * `flags`) is still accepted, and nothing past its end is read. */
START_TEST(test_sqlite_open_existing)
{
	conf_start(_i);
	char url[PATH_MAX + 64], path[PATH_MAX + 16];
	strata_error err = { 0 };
	strata *db = NULL;
	snprintf(path, sizeof(path), "%s/existing.db", conf_dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	strata_options o = STRATA_OPTIONS_INIT;
	o.flags = STRATA_OPEN_EXISTING;
	ck_assert_int_eq(strata_open(&db, url, &o, &err), STRATA_ENOTFOUND);
	ck_assert_ptr_null(db);
	ck_assert_msg(strstr(err.message, "does not exist") != NULL, "%s", err.message);
	ck_assert_int_ne(access(path, F_OK), 0);
	o.flags = 0;
	conf_ok(strata_open(&db, url, &o, &err), &err, "open, creating");
	strata_close(db);
	db = NULL;
	ck_assert_int_eq(access(path, F_OK), 0);
	o.flags = STRATA_OPEN_EXISTING;
	conf_ok(strata_open(&db, url, &o, &err), &err, "open existing");
	strata_close(db);
	db = NULL;
	conf_ok(strata_open(&db, "sqlite::memory:", &o, &err), &err, "open :memory:");
	strata_close(db);
	db = NULL;

	size_t v1 = offsetof(strata_options, flags);
	unsigned char *old = malloc(v1);     /* exactly a version 1 struct */
	ck_assert_ptr_nonnull(old);
	unsigned version = 1;
	memcpy(old, &o, v1);
	memcpy(old + offsetof(strata_options, version), &version, sizeof(version));
	ck_assert_int_eq(unlink(path), 0);
	conf_ok(strata_open(&db, url, (const strata_options *)(void *)old, &err), &err,
	        "open with version 1 options");
	strata_close(db);
	free(old);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

/* A helper that takes the lock, starts a write transaction, then unlocks:
 * SQLite's own locks must survive the unlock. */
static strata_conn *conf_child_tx_unlock(conf_report *r, double timeout)
{
	strata_error err = { 0 };
	strata_conn *c = conf_child_lock(r, timeout);
	if (r->rc)
		return c;
	r->rc = ctx.drv->begin(c, &err);
	if (!r->rc)
		r->rc = conf_exec(c, "INSERT INTO t VALUES (1)", &err);
	if (!r->rc)
		r->rc = ctx.drv->unlock(c, ctx.hist, &err);
	snprintf(r->message, sizeof(r->message), "%.500s", err.message);
	return c;
}

START_TEST(test_sqlite_unlock_keeps_sqlite_locks)
{
	conf_start(_i);
	strata_conn *c = conf_open();
	conf_exec_ok(c, "CREATE TABLE t (x INT)");
	ctx.drv->close(c); /* no connection of ours crosses the fork */
	conf_child *ch = conf_child_start(conf_child_tx_unlock, 5, 1);
	conf_report r = conf_child_report(ch);
	ck_assert_msg(r.rc == 0, "helper failed: %d %s", r.rc, r.message);

	char url[sizeof(ctx.url) + 16];
	strata_error err = { 0 };
	snprintf(url, sizeof(url), "%s?busy_timeout=0", ctx.url);
	c = conf_open_url(url);
	int rc = ctx.drv->begin(c, &err);
	conf_fails(rc, &err, STRATA_ESQL, "BEGIN while another process writes");
	/* the migration lock itself is free */
	conf_ok(conf_lock(c, 0, &err), &err, "lock after the helper's unlock");
	conf_child_release(ch);
	conf_child_exited_ok(ch);
	conf_begin(c);
	conf_rollback(c);
	conf_unlock(c);
	ctx.drv->close(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Other tools' tables (version 3)                                      */
/* ------------------------------------------------------------------ */

/* read_table: text, NULL, booleans and timestamps as UTC ISO 8601; a
 * missing table is exists = 0, a missing column an error; and
 * history_insert keeps a row's applied_at. */
START_TEST(test_read_table)
{
	conf_start(_i);
	if (ctx.drv->version < 3 || !ctx.drv->read_table)
		return; /* MAY: baseline --from says the driver cannot */
	strata_conn *c = conf_open();
	strata_error err = { 0 };
	char **cells = NULL;
	size_t n = 99;
	int exists = 1;
	const char *cols[] = { "version", "dirty", "tstamp" };
	conf_ok(ctx.drv->read_table(c, CONF_NO_TABLE, cols, 3, 1u << 2, &cells, &n,
	                            &exists, &err), &err, "read_table of a missing table");
	ck_assert_int_eq(exists, 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(cells);

	conf_exec_on_ok(c, "CREATE TABLE %s (version VARCHAR(64) PRIMARY KEY, dirty BOOLEAN, "
	                "tstamp TIMESTAMP NULL)", ctx.probe);
	conf_exec_on_ok(c, "INSERT INTO %s VALUES ('20240101000000', TRUE, "
	                "'2023-05-06 07:08:09'), ('2', FALSE, NULL)", ctx.probe);
	conf_ok(ctx.drv->read_table(c, ctx.probe, cols, 3, 1u << 2, &cells, &n, &exists,
	                            &err), &err, "read_table");
	ck_assert_int_eq(exists, 1);
	ck_assert_uint_eq(n, 2);
	size_t first = strcmp(cells[0], "2") == 0 ? 1 : 0, second = 1 - first;
	ck_assert_str_eq(cells[first * 3], "20240101000000");
	ck_assert_msg(strcmp(cells[first * 3 + 1], "1") == 0 ||
	              strcmp(cells[first * 3 + 1], "true") == 0 ||
	              strcmp(cells[first * 3 + 1], "t") == 0,
	              "%s: TRUE read as \"%s\"", ctx.drv->name, cells[first * 3 + 1]);
	/* the servers of the tests run in UTC (scripts/servers.sh) */
	ck_assert_str_eq(cells[first * 3 + 2], "2023-05-06T07:08:09.000Z");
	ck_assert_ptr_null(cells[second * 3 + 2]);
	strata_cells_free(cells, n * 3);

	const char *nosuch[] = { "version", "no_such_column" };
	int rc = ctx.drv->read_table(c, ctx.probe, nosuch, 2, 0, &cells, &n, &exists, &err);
	conf_fails(rc, &err, STRATA_ESQL, "read_table of a missing column");

	conf_ensure(c, ctx.hist);
	strata_history_row a = conf_row("1", "kept", STRATA_STATE_APPLIED);
	a.applied_at = (char *)"2023-05-06T07:08:09.123Z";
	conf_insert(c, ctx.hist, &a);
	strata_history_row b = conf_row("2", "now", STRATA_STATE_APPLIED);
	conf_insert(c, ctx.hist, &b);
	strata_history_row *rows = conf_list(c, ctx.hist, &n);
	const strata_history_row *ra = conf_find(rows, n, "1"), *rb = conf_find(rows, n, "2");
	ck_assert_ptr_nonnull(ra);
	ck_assert_ptr_nonnull(rb);
	ck_assert_str_eq(ra->applied_at, "2023-05-06T07:08:09.123Z");
	conf_check_applied_at(rb->applied_at, "2");
	strata_history_rows_free(rows, n);
	ctx.drv->close(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The suite                                                            */
/* ------------------------------------------------------------------ */

static TCase *conf_tcase(int i)
{
	const TTest *common[] = {
		test_driver_struct, test_open_close, test_open_unreachable,
		test_exec, test_exec_errors,
		test_tx_commit, test_tx_rollback, test_tx_failed_statement,
		test_tx_state, test_session_moved,
		test_history_missing, test_history_ensure_twice,
		test_history_round_trip, test_history_errors,
		test_history_schema_qualified, test_history_quoted_name,
		test_apply_tx,
		test_lock_two_processes, test_lock_again, test_lock_dies_with_process,
		test_lock_two_connections, test_lock_wait_event,
		test_dump_and_version, test_read_table,
	};
	const TTest *sqlite_only[] = {
		test_sqlite_urls, test_sqlite_exec_details, test_sqlite_create_drop,
		test_sqlite_unlock_keeps_sqlite_locks, test_sqlite_open_existing,
	};
	int sqlite = conf_drivers[i]->dialect == STRATA_DIALECT_SQLITE;
	TCase *tc = tcase_create(conf_drivers[i]->name);
	tcase_set_timeout(tc, 60);
	if (sqlite)
		tcase_add_unchecked_fixture(tc, conf_dir_make, conf_dir_remove);
	tcase_add_checked_fixture(tc, NULL, conf_teardown);
	for (size_t k = 0; k < sizeof(common) / sizeof(common[0]); k++)
		tcase_add_loop_test(tc, common[k], i, i + 1);
	for (size_t k = 0; sqlite && k < sizeof(sqlite_only) / sizeof(sqlite_only[0]); k++)
		tcase_add_loop_test(tc, sqlite_only[k], i, i + 1);
	return tc;
}

Suite *conformance_suite(void)
{
	Suite *s = suite_create("conformance");
	size_t n = strata_registry_drivers(conf_drivers, CONF_MAX_DRIVERS);
	if (n > CONF_MAX_DRIVERS)
		n = CONF_MAX_DRIVERS;
	for (size_t i = 0; i < n; i++)
		suite_add_tcase(s, conf_tcase((int)i));
	return s;
}
