/* tests/check_engine.c - the engine through the public API, on the
 * in-memory fake driver (tests/fake_driver.h), with migration files
 * written into a fresh temporary directory per test. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include <strata.h>

#include "fake_driver.h"
#include "suites.h"

/* --------------------------------------------------- events and logging */

typedef struct rec_event {
	strata_event_type type;
	strata_direction direction;
	char version[64];
	char sql[256];
	char message[256];
	long statement;
	long statements;
	double seconds;
	int transactional;
	int dry_run;
} rec_event;

static rec_event events[256];
static size_t nevents;
static char warnings[8192]; /* WARN and ERROR lines, one per line */

static void on_event(void *data, const strata_event *ev)
{
	ck_assert_ptr_eq(data, &events);
	if (nevents >= sizeof(events) / sizeof(events[0]))
		return;
	rec_event *r = &events[nevents++];
	memset(r, 0, sizeof(*r));
	r->type = ev->type;
	r->direction = ev->direction;
	snprintf(r->version, sizeof(r->version), "%s", ev->version ? ev->version : "");
	snprintf(r->sql, sizeof(r->sql), "%s", ev->sql ? ev->sql : "");
	snprintf(r->message, sizeof(r->message), "%s", ev->message ? ev->message : "");
	r->statement = ev->statement;
	r->statements = ev->statements;
	r->seconds = ev->seconds;
	r->transactional = ev->transactional;
	r->dry_run = ev->dry_run;
}

static void on_log(void *data, strata_log_level level, const char *msg)
{
	ck_assert_ptr_eq(data, warnings);
	ck_assert_ptr_null(strchr(msg, '\n'));
	if (level > STRATA_LOG_WARN)
		return;
	size_t len = strlen(warnings);
	snprintf(warnings + len, sizeof(warnings) - len, "%s\n", msg);
}

static size_t count_events(strata_event_type type)
{
	size_t k = 0;
	for (size_t i = 0; i < nevents; i++)
		k += events[i].type == type;
	return k;
}

/* ------------------------------------------------------------- fixture */

static char dir[256];
static strata *db;
static strata_source *src;
static strata_error err;

/* Removes the temporary directory (flat) if there is one. Also run at
 * exit: a failing test's child process skips the teardown. */
static void remove_dir(void)
{
	if (!dir[0])
		return;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		char path[1024];
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	dir[0] = '\0';
}

static void setup(void)
{
	static int registered;
	if (!registered++)
		atexit(remove_dir);
	fake_register();
	fake_reset();
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/strata-engine-XXXXXX",
	         tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	db = NULL;
	src = NULL;
	nevents = 0;
	warnings[0] = '\0';
	strata_error_clear(&err);
}

static void teardown(void)
{
	strata_close(db);
	db = NULL;
	strata_source_free(src);
	src = NULL;
	remove_dir();
	fake_reset();
}

static void open_url(const char *url)
{
	strata_options o = STRATA_OPTIONS_INIT;
	o.lock_timeout = 5;
	o.log = on_log;
	o.log_data = warnings;
	o.on_event = on_event;
	o.event_data = &events;
	strata_close(db);
	ck_assert_int_eq(strata_open(&db, url, &o, &err), 0);
	ck_assert_ptr_nonnull(db);
}

static const char *path_of(const char *fname)
{
	static char buf[2][1024];
	static int k;
	k = !k;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, fname);
	return buf[k];
}

static void write_file(const char *fname, const char *text)
{
	FILE *f = fopen(path_of(fname), "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* "<version>_<table>.sql": up creates and fills table, down drops it. */
static void write_simple(const char *version, const char *table)
{
	char fname[128], text[512];
	snprintf(fname, sizeof(fname), "%s_create_%s.sql", version, table);
	snprintf(text, sizeof(text),
	         "-- migrate:up\n"
	         "create table %s (id int);\n"
	         "insert into %s values (%s);\n"
	         "\n"
	         "-- migrate:down\n"
	         "drop table %s;\n",
	         table, table, version, table);
	write_file(fname, text);
}

/* (Re)reads the directory into `src`. */
static void load(void)
{
	strata_source_free(src);
	src = NULL;
	ck_assert_int_eq(strata_source_new(&src, &err), 0);
	int rc = strata_source_add_dir(src, dir, &err);
	ck_assert_msg(rc == 0, "add_dir: %d %s", rc, err.message);
}

/* After every run: the lock is released, no transaction is left open,
 * and the driver protocol was followed. */
static void assert_clean(void)
{
	ck_assert_msg(!fake.locked, "the lock was not released");
	ck_assert_msg(!fake.in_tx, "a transaction was left open");
	ck_assert_msg(fake.violations == 0, "driver protocol violated: %s (trace: %s)",
	              fake.violation, fake.trace);
}

static int up(long count, const char *target, size_t *applied)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.count = count;
	o.target = target;
	strata_error_clear(&err);
	int rc = strata_up(db, src, &o, applied, &err);
	ck_assert_int_eq(err.code, rc);
	assert_clean();
	return rc;
}

static int down(long count, const char *target, size_t *reverted)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.count = count;
	o.target = target;
	strata_error_clear(&err);
	int rc = strata_down(db, src, &o, reverted, &err);
	ck_assert_int_eq(err.code, rc);
	assert_clean();
	return rc;
}

static int run_with(const strata_run_options *o, strata_direction dir_,
                    size_t *done)
{
	strata_error_clear(&err);
	int rc = dir_ == STRATA_UP ? strata_up(db, src, o, done, &err)
	                           : strata_down(db, src, o, done, &err);
	ck_assert_int_eq(err.code, rc);
	assert_clean();
	return rc;
}

static int repair(strata_repair_mode mode, const char *version)
{
	strata_error_clear(&err);
	int rc = strata_repair(db, src, mode, version, &err);
	ck_assert_int_eq(err.code, rc);
	assert_clean();
	return rc;
}

static void assert_sha256(const char *sum)
{
	ck_assert_ptr_nonnull(sum);
	ck_assert_int_eq(strncmp(sum, "sha256:", 7), 0);
	ck_assert_uint_eq(strlen(sum), 7 + 64);
	ck_assert_uint_eq(strspn(sum + 7, "0123456789abcdef"), 64);
}

/* ---------------------------------------------------------------- up */

START_TEST(test_up_applies_in_version_order)
{
	write_simple("10", "c");
	write_simple("2", "b");
	write_simple("1", "a");
	open_url("fake:test");
	ck_assert_str_eq(strata_driver_name(db), "fake");
	load();
	size_t applied = 99;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 3);

	/* committed in version order, numerically */
	ck_assert_uint_eq(fake.ncommitted, 6);
	ck_assert_str_eq(fake.committed[0], "create table a (id int)");
	ck_assert_str_eq(fake.committed[1], "insert into a values (1)");
	ck_assert_str_eq(fake.committed[2], "create table b (id int)");
	ck_assert_str_eq(fake.committed[4], "create table c (id int)");
	ck_assert_ptr_nonnull(strstr(fake.trace,
	                             "apply_tx(1,insert) apply_tx(2,insert) apply_tx(10,insert)"));

	/* one row each */
	ck_assert_uint_eq(fake_migration_rows(), 3);
	static const char *const versions[] = { "1", "2", "10" };
	static const char *const names[] = { "create_a", "create_b", "create_c" };
	for (int i = 0; i < 3; i++) {
		const strata_history_row *r = fake_row(versions[i]);
		ck_assert_ptr_nonnull(r);
		ck_assert_str_eq(r->name, names[i]);
		ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
		assert_sha256(r->checksum);
		ck_assert_int_eq(r->statements_total, 2);
		ck_assert_int_eq(r->statements_done, 2);
		ck_assert_ptr_nonnull(r->down_sql);
		ck_assert_ptr_nonnull(strstr(r->down_sql, "drop table"));
		ck_assert_ptr_null(strstr(r->down_sql, "create table"));
		ck_assert_ptr_null(r->last_error);
		ck_assert_ptr_nonnull(r->applied_at);
		ck_assert(r->duration >= 0);
	}
	ck_assert_str_ne(fake_row("1")->checksum, fake_row("2")->checksum);
	ck_assert_ptr_nonnull(strstr(fake_row("2")->down_sql, "drop table b"));

	/* one transaction each, in one round trip */
	ck_assert_int_eq(fake.calls.apply_tx, 3);
	ck_assert_int_eq(fake.calls.exec, 0);
	ck_assert_int_eq(fake.calls.begin, 0);
	ck_assert_int_eq(fake.calls.lock, 1);
	ck_assert_int_eq(fake.calls.unlock, 1);
	ck_assert_int_eq(fake.calls.history_ensure, 1);

	/* again: nothing to do */
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 0);
	ck_assert_int_eq(fake.calls.apply_tx, 3);
	ck_assert_uint_eq(fake.ncommitted, 6);
}
END_TEST

START_TEST(test_up_without_apply_tx)
{
	write_simple("1", "a");
	write_simple("2", "b");
	open_url("fake-notx:test");
	ck_assert_str_eq(strata_driver_name(db), "fake-notx");
	load();
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_int_eq(fake.calls.apply_tx, 0);
	ck_assert_int_eq(fake.calls.begin, 2);
	ck_assert_int_eq(fake.calls.commit, 2);
	ck_assert_int_eq(fake.calls.rollback, 0);
	ck_assert_int_eq(fake.calls.exec, 4);
	ck_assert_int_eq(fake.calls.history_insert, 3); /* two + the format row */
	ck_assert_ptr_nonnull(strstr(fake.trace,
	                             "begin exec exec insert(1,applied) commit "
	                             "begin exec exec insert(2,applied) commit"));
	ck_assert_uint_eq(fake_migration_rows(), 2);
	ck_assert_int_eq(fake_row("2")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_row("2")->statements_total, 2);
	assert_sha256(fake_row("2")->checksum);
	ck_assert_uint_eq(fake.ncommitted, 4);
}
END_TEST

START_TEST(test_up_count_and_target)
{
	write_simple("1", "a");
	write_simple("2", "b");
	write_simple("3", "c");
	write_simple("4", "d");
	open_url("fake:test");
	load();
	size_t applied = 0;
	ck_assert_int_eq(up(1, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 1);
	ck_assert_ptr_nonnull(fake_row("1"));
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_int_eq(up(0, "3", &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_ptr_nonnull(fake_row("3"));
	ck_assert_ptr_null(fake_row("4"));
	ck_assert_int_eq(up(0, "9", &applied), STRATA_ENOTFOUND);
	ck_assert_uint_eq(applied, 0);
	ck_assert_ptr_null(fake_row("4"));
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 1);
}
END_TEST

START_TEST(test_up_null_err_and_options)
{
	write_simple("1", "a");
	open_url("fake:test");
	load();
	ck_assert_int_eq(strata_up(db, src, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(fake_migration_rows(), 1);
	assert_clean();

	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.version = 0;
	ck_assert_int_eq(run_with(&o, STRATA_UP, NULL), STRATA_EINVAL);
	o.version = STRATA_RUN_OPTIONS_VERSION + 1;
	ck_assert_int_eq(run_with(&o, STRATA_UP, NULL), STRATA_EINVAL);
	o.version = STRATA_RUN_OPTIONS_VERSION;
	o.count = -1;
	ck_assert_int_eq(run_with(&o, STRATA_DOWN, NULL), STRATA_EINVAL);
	ck_assert_int_eq(strata_up(NULL, src, NULL, NULL, &err), STRATA_EINVAL);
	ck_assert_int_eq(strata_up(db, NULL, NULL, NULL, &err), STRATA_EINVAL);
	ck_assert_uint_eq(fake_migration_rows(), 1);
}
END_TEST

START_TEST(test_format_row_inserted_once)
{
	write_simple("1", "a");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	write_simple("2", "b");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(down(0, NULL, NULL), 0);
	const strata_history_row *f = fake_row(STRATA_HISTORY_FORMAT_ROW);
	ck_assert_ptr_nonnull(f);
	char num[16];
	snprintf(num, sizeof(num), "%d", STRATA_HISTORY_FORMAT);
	ck_assert_str_eq(f->name, num);
	ck_assert_int_eq(f->state, STRATA_STATE_PENDING);
	ck_assert_int_eq(fake_traced("insert(~format,meta)"), 1);
	ck_assert_int_eq(fake_traced("upgrade"), 0);
	ck_assert_uint_eq(fake.nrows, 2); /* the format row and 1 */
	ck_assert_int_eq(fake.calls.history_ensure, 3);
}
END_TEST

START_TEST(test_format_upgraded)
{
	/* a table of format 1 (whole milliseconds): the driver upgrades it
	 * under the lock, then the format row says so, once */
	strata_history_row f = { 0 };
	f.version = (char *)STRATA_HISTORY_FORMAT_ROW;
	f.name = (char *)"1";
	f.checksum = (char *)"";
	f.state = STRATA_STATE_PENDING;
	fake_put_row(&f);
	write_simple("1", "a");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_traced("lock ensure list upgrade(1) update(~format,meta,0)"), 1);
	char num[16];
	snprintf(num, sizeof(num), "%d", STRATA_HISTORY_FORMAT);
	ck_assert_str_eq(fake_row(STRATA_HISTORY_FORMAT_ROW)->name, num);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(down(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_traced("upgrade"), 1);
}
END_TEST

/* ------------------------------------------------------------ failures */

#define BAD_MIGRATION                                   \
	"-- migrate:up\n"                               \
	"create table b (id int);\n"                    \
	"create index b_id on b (id);\n"                \
	"insert into\n"                                 \
	"  nope values (1);\n"                          \
	"-- migrate:down\n"                             \
	"drop table b;\n"

static void failing_statement(const char *url, long position, int line,
                              int column)
{
	write_simple("1", "a");
	write_file("2_bad.sql", BAD_MIGRATION);
	write_simple("3", "c");
	open_url(url);
	load();
	fake_fail_exec("nope", "relation \"nope\" does not exist", position);
	size_t applied = 99;
	ck_assert_int_eq(up(0, NULL, &applied), STRATA_ESQL);
	ck_assert_uint_eq(applied, 1);
	ck_assert_int_eq(err.code, STRATA_ESQL);
	ck_assert_str_eq(err.file, path_of("2_bad.sql"));
	ck_assert_int_eq(err.line, line);
	ck_assert_int_eq(err.column, column);
	ck_assert_int_eq(err.statement, 3);
	ck_assert_int_eq(err.position, position);
	ck_assert_str_eq(err.version, "2");
	ck_assert_str_eq(err.sqlstate, "42000");
	ck_assert_ptr_nonnull(strstr(err.message, "relation \"nope\" does not exist"));
	ck_assert_ptr_nonnull(strstr(err.message, "2_bad"));
	ck_assert_ptr_nonnull(strstr(err.message, "statement 3 of 3"));

	/* the earlier migration stays; nothing of the failed one landed */
	ck_assert_ptr_nonnull(fake_row("1"));
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_ptr_null(fake_row("3"));
	ck_assert_uint_eq(fake_migration_rows(), 1);
	ck_assert_int_eq(fake_committed("create table a"), 1);
	ck_assert_int_eq(fake_committed("create table b"), 0);
	ck_assert_int_eq(fake_committed("create index b_id"), 0);
	ck_assert_int_eq(fake_committed("create table c"), 0);
	ck_assert_uint_eq(fake.ncommitted, 2);

	/* events: 1 started and done, 2 started and failed, 3 never */
	ck_assert_uint_eq(nevents, 4);
	ck_assert_int_eq(events[0].type, STRATA_EVENT_MIGRATION_START);
	ck_assert_int_eq(events[1].type, STRATA_EVENT_MIGRATION_DONE);
	ck_assert_int_eq(events[2].type, STRATA_EVENT_MIGRATION_START);
	ck_assert_str_eq(events[2].version, "2");
	ck_assert_int_eq(events[3].type, STRATA_EVENT_MIGRATION_FAILED);
	ck_assert_str_eq(events[3].version, "2");

	/* fixed: the rest goes through */
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_int_eq(fake_committed("create index b_id"), 1);
}

START_TEST(test_failing_statement_apply_tx)
{
	failing_statement("fake:test", 0, 4, 1);
	ck_assert_int_eq(fake.calls.apply_tx, 4);
}
END_TEST

START_TEST(test_failing_statement_begin_commit)
{
	failing_statement("fake-notx:test", 0, 4, 1);
	ck_assert_int_eq(fake.calls.rollback, 1);
	ck_assert_int_eq(fake.calls.apply_tx, 0);
	ck_assert_int_eq(fake.calls.begin, fake.calls.commit + 1);
}
END_TEST

START_TEST(test_failing_statement_position)
{
	/* "insert into\n  nope ...": byte 15 is the n of nope, at 5:3 */
	failing_statement("fake:test", 15, 5, 3);
}
END_TEST

START_TEST(test_failing_statement_position_notx)
{
	failing_statement("fake-notx:test", 15, 5, 3);
}
END_TEST

START_TEST(test_unterminated_quote_refused_before_running)
{
	write_simple("1", "a");
	write_file("2_quote.sql",
	           "-- migrate:up\n"
	           "create table x (id int);\n"
	           "insert into x values ('oops);\n");
	open_url("fake:test");
	load();
	size_t applied = 99;
	ck_assert_int_eq(up(0, NULL, &applied), STRATA_EPARSE);
	ck_assert_uint_eq(applied, 0);
	ck_assert_str_eq(err.file, path_of("2_quote.sql"));
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_eq(err.column, 23);
	ck_assert_str_eq(err.version, "2");
	ck_assert_int_eq(fake.calls.exec, 0);
	ck_assert_int_eq(fake.calls.apply_tx, 0);
	ck_assert_int_eq(fake.statements_run, 0);
	ck_assert_uint_eq(fake_migration_rows(), 0);
	ck_assert_uint_eq(count_events(STRATA_EVENT_MIGRATION_START), 0);
}
END_TEST

START_TEST(test_plan_refusal_runs_nothing)
{
	write_simple("1", "a");
	write_simple("3", "c");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	write_simple("2", "b");
	load();
	int before = fake.statements_run;
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EPLAN);
	ck_assert_str_eq(err.version, "2");
	ck_assert_int_eq(fake.statements_run, before);
	ck_assert_ptr_null(fake_row("2"));
	/* allowed */
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.allow_out_of_order = 1;
	size_t applied = 0;
	ck_assert_int_eq(run_with(&o, STRATA_UP, &applied), 0);
	ck_assert_uint_eq(applied, 1);
	ck_assert_ptr_nonnull(fake_row("2"));
}
END_TEST

/* ------------------------------------------------------ no transaction */

#define NONTX_MIGRATION                                 \
	"-- migrate:up transaction:false\n"             \
	"create table n1 (id int);\n"                   \
	"create table bogus (id int);\n"                \
	"create table n3 (id int);\n"                   \
	"-- migrate:down transaction:false\n"           \
	"drop table n3;\n"                              \
	"drop table n1;\n"

#define NONTX_FIXED                                     \
	"-- migrate:up transaction:false\n"             \
	"create table n1 (id int);\n"                   \
	"create table n2 (id int);\n"                   \
	"create table n3 (id int);\n"                   \
	"-- migrate:down transaction:false\n"           \
	"drop table n3;\n"                              \
	"drop table n2;\n"                              \
	"drop table n1;\n"

START_TEST(test_no_transaction_statement_by_statement)
{
	write_simple("1", "a");
	write_file("2_nontx.sql", NONTX_FIXED);
	open_url("fake:test");
	load();
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_int_eq(fake.calls.apply_tx, 1); /* only migration 1 */
	ck_assert_int_eq(fake.calls.exec, 3);
	/* each statement shares a transaction with its progress update */
	ck_assert_int_eq(fake.calls.begin, 3);
	ck_assert_ptr_nonnull(strstr(fake.trace,
	                             "insert(2,running) "
	                             "begin exec update(2,running,1) commit "
	                             "begin exec update(2,running,2) commit "
	                             "begin exec update(2,applied,3) commit"));
	const strata_history_row *r = fake_row("2");
	ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(r->statements_done, 3);
	ck_assert_int_eq(r->statements_total, 3);
	assert_sha256(r->checksum);
	ck_assert_ptr_nonnull(strstr(r->down_sql, "drop table n2"));
	ck_assert(r->duration >= 0);
	ck_assert_int_eq(fake_committed("create table n"), 3);
	/* the START event says it is not transactional */
	ck_assert_uint_eq(nevents, 4);
	ck_assert_int_eq(events[0].transactional, 1);
	ck_assert_int_eq(events[2].type, STRATA_EVENT_MIGRATION_START);
	ck_assert_int_eq(events[2].transactional, 0);
	ck_assert_int_eq(events[2].statements, 3);
}
END_TEST

/* Applies 1 and fails 2 (transaction:false) at its second statement. */
static void fail_nontx(const char *url)
{
	write_simple("1", "a");
	write_file("2_nontx.sql", NONTX_MIGRATION);
	write_simple("3", "c");
	open_url(url);
	load();
	fake_fail_exec("bogus", "syntax error at or near \"bogus\"", 0);
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), STRATA_ESQL);
	ck_assert_uint_eq(applied, 1);
	fake_fail_exec(NULL, NULL, 0);
}

START_TEST(test_no_transaction_failure_leaves_failed_row)
{
	fail_nontx("fake:test");
	ck_assert_int_eq(err.statement, 2);
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_eq(err.column, 1);
	ck_assert_str_eq(err.file, path_of("2_nontx.sql"));
	ck_assert_str_eq(err.version, "2");
	ck_assert_ptr_nonnull(strstr(err.message, "statement 2 of 3"));

	const strata_history_row *r = fake_row("2");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->state, STRATA_STATE_FAILED);
	ck_assert_int_eq(r->statements_done, 1);
	ck_assert_int_eq(r->statements_total, 3);
	ck_assert_ptr_nonnull(r->last_error);
	ck_assert_ptr_nonnull(strstr(r->last_error, "syntax error at or near"));
	ck_assert_ptr_nonnull(strstr(r->last_error, "2_nontx.sql"));
	ck_assert_ptr_nonnull(strstr(fake.trace, "update(2,failed,1)"));
	/* what ran before the failure stays */
	ck_assert_int_eq(fake_committed("create table n1"), 1);
	ck_assert_int_eq(fake_committed("create table n3"), 0);
	ck_assert_ptr_null(fake_row("3"));

	/* from now on: refused until repaired */
	int before = fake.statements_run;
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EDIRTY);
	ck_assert_ptr_nonnull(strstr(err.message, "strata repair"));
	ck_assert_str_eq(err.version, "2");
	ck_assert_int_eq(down(0, NULL, NULL), STRATA_EDIRTY);
	ck_assert_int_eq(fake.statements_run, before);
}
END_TEST

START_TEST(test_repair_resume)
{
	fail_nontx("fake:test");
	char old_sum[80];
	snprintf(old_sum, sizeof(old_sum), "%s", fake_row("2")->checksum);
	write_file("2_nontx.sql", NONTX_FIXED);
	load();
	nevents = 0;
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, NULL), 0);
	const strata_history_row *r = fake_row("2");
	ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(r->statements_done, 3);
	ck_assert_int_eq(r->statements_total, 3);
	ck_assert_ptr_null(r->last_error);
	assert_sha256(r->checksum);
	ck_assert_str_ne(r->checksum, old_sum);
	ck_assert_ptr_nonnull(strstr(r->down_sql, "drop table n2"));
	/* statement 1 is not run again */
	ck_assert_int_eq(fake_committed("create table n1"), 1);
	ck_assert_int_eq(fake_committed("create table n2"), 1);
	ck_assert_int_eq(fake_committed("create table n3"), 1);
	ck_assert_uint_eq(count_events(STRATA_EVENT_MIGRATION_DONE), 1);
	/* the recorded checksum is the fixed file's: nothing is "changed" */
	ck_assert_int_eq(strata_validate(db, src, &err), 0);
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 1);
	ck_assert_ptr_nonnull(fake_row("3"));
	/* the same checksum a clean run of the fixed file records */
	char resumed[80];
	snprintf(resumed, sizeof(resumed), "%s", fake_row("2")->checksum);
	ck_assert_int_eq(down(0, "1", NULL), 0);
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_str_eq(fake_row("2")->checksum, resumed);
}
END_TEST

START_TEST(test_repair_resume_by_version)
{
	fail_nontx("fake-notx:test");
	write_file("2_nontx.sql", NONTX_FIXED);
	load();
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, "0002"), 0);
	ck_assert_int_eq(fake_row("2")->state, STRATA_STATE_APPLIED);
}
END_TEST

START_TEST(test_repair_mark_applied)
{
	fail_nontx("fake:test");
	int before = fake.statements_run;
	ck_assert_int_eq(repair(STRATA_REPAIR_MARK_APPLIED, "2"), 0);
	ck_assert_int_eq(fake.statements_run, before);
	const strata_history_row *r = fake_row("2");
	ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(r->statements_done, r->statements_total);
	ck_assert_ptr_null(r->last_error);
	ck_assert_int_eq(strata_validate(db, src, &err), 0);
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 1);
	ck_assert_ptr_nonnull(fake_row("3"));
}
END_TEST

START_TEST(test_repair_forget)
{
	fail_nontx("fake:test");
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, NULL), 0);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_ptr_nonnull(fake_row("1"));
	write_file("2_nontx.sql", NONTX_FIXED);
	load();
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_int_eq(fake_row("2")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_committed("create table n1"), 2); /* ran again */
}
END_TEST

START_TEST(test_repair_refusals)
{
	write_simple("1", "a");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, NULL), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "nothing to repair"));
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, "1"), STRATA_ENOTFOUND);
	ck_assert_ptr_nonnull(fake_row("1"));
	ck_assert_int_eq(repair((strata_repair_mode)42, NULL), STRATA_EINVAL);

	/* two dirty rows: the version must be named */
	strata_history_row r = { 0 };
	r.version = (char *)"5";
	r.name = (char *)"x";
	r.checksum = (char *)"";
	r.state = STRATA_STATE_FAILED;
	fake_put_row(&r);
	r.version = (char *)"6";
	r.state = STRATA_STATE_RUNNING;
	fake_put_row(&r);
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, NULL), STRATA_EPLAN);
	ck_assert_ptr_nonnull(fake_row("5"));
	ck_assert_ptr_nonnull(fake_row("6"));
	/* resume needs the file */
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, "5"), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "file is gone"));
	ck_assert_int_eq(fake_row("5")->state, STRATA_STATE_FAILED);
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, "6"), 0);
	ck_assert_ptr_null(fake_row("6"));
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, NULL), 0);
	ck_assert_ptr_null(fake_row("5"));
}
END_TEST

/* --------------------------------------------------------------- down */

START_TEST(test_down_default_count_and_target)
{
	write_simple("1", "a");
	write_simple("2", "b");
	write_simple("3", "c");
	write_simple("4", "d");
	write_simple("5", "e");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	size_t reverted = 0;

	ck_assert_int_eq(down(0, NULL, &reverted), 0);
	ck_assert_uint_eq(reverted, 1);
	ck_assert_ptr_null(fake_row("5"));
	ck_assert_ptr_nonnull(fake_row("4"));
	ck_assert_int_eq(fake_committed("drop table e"), 1);
	ck_assert_ptr_nonnull(strstr(fake.trace, "apply_tx(5,delete)"));

	ck_assert_int_eq(down(2, NULL, &reverted), 0);
	ck_assert_uint_eq(reverted, 2);
	ck_assert_ptr_null(fake_row("4"));
	ck_assert_ptr_null(fake_row("3"));
	ck_assert_ptr_nonnull(fake_row("2"));
	ck_assert_ptr_nonnull(strstr(fake.trace, "apply_tx(4,delete) apply_tx(3,delete)"));

	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_uint_eq(fake_migration_rows(), 5);
	ck_assert_int_eq(down(0, "2", &reverted), 0);
	ck_assert_uint_eq(reverted, 3);
	ck_assert_ptr_nonnull(fake_row("2"));
	ck_assert_ptr_null(fake_row("3"));

	ck_assert_int_eq(down(0, "7", &reverted), STRATA_ENOTFOUND);
	ck_assert_uint_eq(reverted, 0);

	ck_assert_int_eq(down(0, "0", &reverted), 0);
	ck_assert_uint_eq(reverted, 2);
	ck_assert_uint_eq(fake_migration_rows(), 0);
	ck_assert_int_eq(fake_committed("drop table a"), 1);

	ck_assert_int_eq(down(0, NULL, &reverted), 0);
	ck_assert_uint_eq(reverted, 0);
}
END_TEST

START_TEST(test_down_without_apply_tx)
{
	write_simple("1", "a");
	write_simple("2", "b");
	open_url("fake-notx:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	fake.trace[0] = '\0';
	ck_assert_int_eq(down(0, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(fake.trace, "begin exec delete(2) commit"));
	ck_assert_ptr_null(fake_row("2"));
}
END_TEST

START_TEST(test_down_refuses_without_down_part)
{
	write_simple("1", "a");
	write_file("2_nodown.sql", "-- migrate:up\ncreate table b (id int);\n");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_ptr_null(fake_row("2")->down_sql);
	int before = fake.statements_run;
	ck_assert_int_eq(down(0, NULL, NULL), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "no down part"));
	ck_assert_int_eq(fake.statements_run, before);
	ck_assert_ptr_nonnull(fake_row("2"));
}
END_TEST

static void down_file_gone(const char *url)
{
	write_simple("1", "a");
	write_file("2_gone.sql",
	           "-- migrate:up\n"
	           "create table g (id int);\n"
	           "create table h (id int);\n"
	           "-- migrate:down\n"
	           "drop table h;\n"
	           "drop table g;\n");
	open_url(url);
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(unlink(path_of("2_gone.sql")), 0);
	load();
	ck_assert_uint_eq(strata_source_count(src), 1);
}

START_TEST(test_down_file_gone_uses_stored_sql)
{
	down_file_gone("fake:test");
	size_t reverted = 0;
	ck_assert_int_eq(down(0, NULL, &reverted), 0);
	ck_assert_uint_eq(reverted, 1);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_int_eq(fake_committed("drop table h"), 1);
	ck_assert_int_eq(fake_committed("drop table g"), 1);
	ck_assert_ptr_nonnull(fake_row("1"));
}
END_TEST

START_TEST(test_no_transactional_ddl_dml_failure)
{
	/* the DML statements after the DDL share one transaction with the
	 * progress update; one failing takes the whole group back, and the
	 * row records the DDL as done */
	write_file("1_mixed.sql",
	           "-- migrate:up\n"
	           "create table m (id int);\n"
	           "insert into m values (1);\n"
	           "insert into m values (2);\n");
	open_url("fake-nodl:test");
	load();
	fake_fail_exec("values (2)", "duplicate entry", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	ck_assert_int_eq(err.statement, 3);
	ck_assert_int_eq(err.line, 4);
	const strata_history_row *r = fake_row("1");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->state, STRATA_STATE_FAILED);
	ck_assert_int_eq(r->statements_done, 1);
	ck_assert_int_eq(fake_committed("create table m"), 1);
	ck_assert_int_eq(fake_committed("insert into m values (1)"), 0);
	ck_assert_int_eq(fake_committed("insert into m values (2)"), 0);
	ck_assert_int_eq(fake.calls.rollback, 1);
	/* resume runs statements 2 and 3 */
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, NULL), 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_committed("insert into m values (1)"), 1);
	ck_assert_int_eq(fake_committed("insert into m values (2)"), 1);
}
END_TEST

START_TEST(test_down_file_gone_notx)
{
	down_file_gone("fake-notx:test");
	ck_assert_int_eq(down(0, NULL, NULL), 0);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_int_eq(fake_committed("drop table h"), 1);
}
END_TEST

START_TEST(test_down_file_gone_statement_by_statement)
{
	/* no transactional DDL: the down runs statement by statement, and a
	 * failure must leave the stored down SQL in place for the resume */
	down_file_gone("fake-nodl:test");
	fake_fail_exec("drop table g", "cannot drop g", 0);
	ck_assert_int_eq(down(0, NULL, NULL), STRATA_ESQL);
	ck_assert_int_eq(err.statement, 2);
	const strata_history_row *r = fake_row("2");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->state, STRATA_STATE_REVERT_FAILED);
	ck_assert_int_eq(r->statements_done, 1);
	ck_assert_msg(r->down_sql && strstr(r->down_sql, "drop table g"),
	              "the stored down SQL was lost: %s",
	              r->down_sql ? r->down_sql : "(null)");
	ck_assert_msg(r->checksum && r->checksum[0], "the checksum was lost");
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, NULL), 0);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_int_eq(fake_committed("drop table g"), 1);
}
END_TEST

START_TEST(test_down_revert_failed_and_resume)
{
	write_simple("1", "a");
	write_file("2_nontx.sql", NONTX_FIXED);
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	fake_fail_exec("drop table n2", "n2 is in use", 0);
	ck_assert_int_eq(down(0, NULL, NULL), STRATA_ESQL);
	ck_assert_int_eq(err.statement, 2);
	ck_assert_int_eq(err.line, 7);
	const strata_history_row *r = fake_row("2");
	ck_assert_int_eq(r->state, STRATA_STATE_REVERT_FAILED);
	ck_assert_int_eq(r->statements_done, 1);
	ck_assert_ptr_nonnull(strstr(r->last_error, "n2 is in use"));
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EDIRTY);
	ck_assert_ptr_nonnull(strstr(err.message, "revert"));
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, NULL), 0);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_int_eq(fake_committed("drop table n3"), 1);
	ck_assert_int_eq(fake_committed("drop table n2"), 1);
	ck_assert_int_eq(fake_committed("drop table n1"), 1);
}
END_TEST

/* ---------------------------------------------------------------- redo */

START_TEST(test_redo)
{
	write_simple("1", "a");
	write_simple("2", "b");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	nevents = 0;
	fake.trace[0] = '\0';
	strata_error_clear(&err);
	ck_assert_int_eq(strata_redo(db, src, NULL, &err), 0);
	assert_clean();
	ck_assert_ptr_nonnull(strstr(fake.trace, "apply_tx(2,delete)"));
	ck_assert_ptr_nonnull(strstr(fake.trace, "apply_tx(2,insert)"));
	ck_assert_ptr_null(strstr(fake.trace, "apply_tx(1,"));
	ck_assert_int_eq(fake_committed("drop table b"), 1);
	ck_assert_int_eq(fake_committed("create table b"), 2);
	ck_assert_int_eq(fake_committed("create table a"), 1);
	ck_assert_int_eq(fake_row("2")->state, STRATA_STATE_APPLIED);
	ck_assert_uint_eq(nevents, 4);
	ck_assert_int_eq(events[0].direction, STRATA_DOWN);
	ck_assert_int_eq(events[2].direction, STRATA_UP);
	ck_assert_str_eq(events[2].version, "2");
}
END_TEST

START_TEST(test_redo_refusals)
{
	write_simple("1", "a");
	write_simple("2", "b");
	open_url("fake:test");
	load();
	ck_assert_int_eq(strata_redo(db, src, NULL, &err), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "nothing to redo"));
	assert_clean();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(unlink(path_of("2_create_b.sql")), 0);
	load();
	int before = fake.statements_run;
	ck_assert_int_eq(strata_redo(db, src, NULL, &err), STRATA_EPLAN);
	ck_assert_str_eq(err.version, "2");
	ck_assert_int_eq(fake.statements_run, before);
	ck_assert_ptr_nonnull(fake_row("2"));
	assert_clean();
}
END_TEST

/* ------------------------------------------------------------- dry run */

START_TEST(test_dry_run_up)
{
	write_simple("1", "a");
	write_file("2_three.sql",
	           "-- migrate:up\n"
	           "create table b (id int);\n"
	           "create table c (id int);\n"
	           "create table d (id int);\n");
	open_url("fake:test");
	load();
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.dry_run = 1;
	size_t applied = 0;
	ck_assert_int_eq(run_with(&o, STRATA_UP, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_int_eq(fake.calls.exec, 0);
	ck_assert_int_eq(fake.calls.apply_tx, 0);
	ck_assert_int_eq(fake.statements_run, 0);
	ck_assert_int_eq(fake.calls.lock, 0);
	ck_assert_int_eq(fake.calls.history_ensure, 0);
	ck_assert_int_eq(fake.calls.history_insert, 0);
	ck_assert_int_eq(fake.calls.history_update, 0);
	ck_assert_int_eq(fake.calls.begin, 0);
	ck_assert_int_eq(fake.table_exists, 0);
	ck_assert_uint_eq(count_events(STRATA_EVENT_STATEMENT), 5);
	static const char *const sql[] = {
		"create table a (id int)", "insert into a values (1)",
		"create table b (id int)", "create table c (id int)",
		"create table d (id int)"
	};
	static const long idx[] = { 1, 2, 1, 2, 3 };
	static const long total[] = { 2, 2, 3, 3, 3 };
	size_t k = 0;
	for (size_t i = 0; i < nevents; i++) {
		if (events[i].type != STRATA_EVENT_STATEMENT)
			continue;
		ck_assert_str_eq(events[i].sql, sql[k]);
		ck_assert_int_eq(events[i].statement, idx[k]);
		ck_assert_int_eq(events[i].statements, total[k]);
		ck_assert_int_eq(events[i].dry_run, 1);
		ck_assert_int_eq(events[i].direction, STRATA_UP);
		ck_assert_str_eq(events[i].version, k < 2 ? "1" : "2");
		k++;
	}
}
END_TEST

START_TEST(test_dry_run_down_and_notx)
{
	write_simple("1", "a");
	write_simple("2", "b");
	open_url("fake-notx:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	fake_calls before = fake.calls;
	int run_before = fake.statements_run;
	nevents = 0;
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.dry_run = 1;
	o.target = "0";
	size_t reverted = 0;
	ck_assert_int_eq(run_with(&o, STRATA_DOWN, &reverted), 0);
	ck_assert_uint_eq(reverted, 2);
	ck_assert_int_eq(fake.calls.exec, before.exec);
	ck_assert_int_eq(fake.calls.lock, before.lock);
	ck_assert_int_eq(fake.calls.begin, before.begin);
	ck_assert_int_eq(fake.calls.history_delete, 0);
	ck_assert_int_eq(fake.statements_run, run_before);
	ck_assert_uint_eq(fake_migration_rows(), 2);
	ck_assert_uint_eq(count_events(STRATA_EVENT_STATEMENT), 2);
	ck_assert_str_eq(events[0].sql, "drop table b");
	ck_assert_int_eq(events[0].direction, STRATA_DOWN);
	ck_assert_str_eq(events[1].sql, "drop table a");
}
END_TEST

/* --------------------------------------------------- single transaction */

START_TEST(test_single_transaction)
{
	write_simple("1", "a");
	write_simple("2", "b");
	write_simple("3", "c");
	open_url("fake:test");
	load();
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.single_transaction = 1;
	size_t applied = 0;
	ck_assert_int_eq(run_with(&o, STRATA_UP, &applied), 0);
	ck_assert_uint_eq(applied, 3);
	ck_assert_int_eq(fake.calls.begin, 1);
	ck_assert_int_eq(fake.calls.commit, 1);
	ck_assert_int_eq(fake.calls.apply_tx, 0);
	ck_assert_int_eq(fake.calls.exec, 6);
	ck_assert_uint_eq(fake_migration_rows(), 3);
	ck_assert_uint_eq(count_events(STRATA_EVENT_MIGRATION_DONE), 3);

	o.target = "0";
	size_t reverted = 0;
	ck_assert_int_eq(run_with(&o, STRATA_DOWN, &reverted), 0);
	ck_assert_uint_eq(reverted, 3);
	ck_assert_int_eq(fake.calls.begin, 2);
	ck_assert_int_eq(fake.calls.commit, 2);
	ck_assert_uint_eq(fake_migration_rows(), 0);
}
END_TEST

START_TEST(test_single_transaction_rolls_back_everything)
{
	write_simple("1", "a");
	write_simple("2", "b");
	write_simple("3", "c");
	open_url("fake:test");
	load();
	fake_fail_exec("insert into c", "c is full", 0);
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.single_transaction = 1;
	size_t applied = 99;
	ck_assert_int_eq(run_with(&o, STRATA_UP, &applied), STRATA_ESQL);
	ck_assert_uint_eq(applied, 0);
	ck_assert_str_eq(err.version, "3");
	ck_assert_int_eq(err.statement, 2);
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_eq(fake.calls.begin, 1);
	ck_assert_int_eq(fake.calls.rollback, 1);
	ck_assert_int_eq(fake.calls.commit, 0);
	ck_assert_uint_eq(fake_migration_rows(), 0);
	ck_assert_uint_eq(fake.ncommitted, 0);
	ck_assert_uint_eq(count_events(STRATA_EVENT_MIGRATION_FAILED), 1);
}
END_TEST

START_TEST(test_single_transaction_refusals)
{
	write_simple("1", "a");
	write_file("2_nontx.sql", NONTX_FIXED);
	open_url("fake:test");
	load();
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.single_transaction = 1;
	ck_assert_int_eq(run_with(&o, STRATA_UP, NULL), STRATA_EPLAN);
	ck_assert_str_eq(err.version, "2");
	ck_assert_int_eq(fake.statements_run, 0);
	ck_assert_uint_eq(fake_migration_rows(), 0);

	open_url("fake-nodl:test");
	ck_assert_int_eq(run_with(&o, STRATA_UP, NULL), STRATA_EUNSUPPORTED);
	ck_assert_int_eq(fake.statements_run, 0);
	ck_assert_uint_eq(fake_migration_rows(), 0);
}
END_TEST

/* ---------------------------------------------------------------- lock */

START_TEST(test_lock_timeout)
{
	write_simple("1", "a");
	open_url("fake:test");
	load();
	fake.fail_lock = 1;
	size_t applied = 99;
	ck_assert_int_eq(up(0, NULL, &applied), STRATA_ELOCK);
	ck_assert_uint_eq(applied, 0);
	ck_assert_ptr_nonnull(strstr(err.message, "timed out"));
	ck_assert(fake.lock_timeout == 5.0);
	ck_assert_int_eq(fake.calls.lock, 1);
	ck_assert_int_eq(fake.calls.unlock, 0);
	ck_assert_int_eq(fake.calls.history_ensure, 0);
	ck_assert_int_eq(fake.statements_run, 0);
	ck_assert_int_eq(fake.calls.history_insert, 0);
	ck_assert_uint_eq(count_events(STRATA_EVENT_LOCK_WAIT), 1);
	ck_assert_ptr_nonnull(strstr(events[0].message, "4242"));
	ck_assert_int_eq(down(0, NULL, NULL), STRATA_ELOCK);
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, NULL), STRATA_ELOCK);
	ck_assert_int_eq(strata_baseline(db, src, "1", NULL, &err), STRATA_ELOCK);
	ck_assert_int_eq(fake.calls.unlock, 0);
	ck_assert_int_eq(fake.statements_run, 0);
}
END_TEST

START_TEST(test_lock_released_on_every_path)
{
	write_simple("1", "a");
	write_file("2_bad.sql", BAD_MIGRATION);
	open_url("fake:test");
	load();
	fake_fail_exec("nope", "no", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	ck_assert_int_eq(fake.calls.lock, 1);
	ck_assert_int_eq(fake.calls.unlock, 1);
	ck_assert_int_eq(up(0, "77", NULL), STRATA_ENOTFOUND);
	ck_assert_int_eq(down(0, "77", NULL), STRATA_ENOTFOUND);
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, NULL), STRATA_EPLAN);
	ck_assert_int_eq(strata_baseline(db, src, "1", NULL, &err), STRATA_EPLAN);
	assert_clean();
	ck_assert_int_eq(fake.calls.lock, 5);
	ck_assert_int_eq(fake.calls.unlock, 5);
	/* a C migration refusing is caught before the lock */
}
END_TEST

/* -------------------------------------------------------------- status */

START_TEST(test_status_does_not_create_the_table)
{
	write_simple("1", "a");
	open_url("fake:test");
	load();
	strata_status *st = NULL;
	ck_assert_int_eq(strata_status_get(&st, db, src, &err), 0);
	ck_assert_uint_eq(strata_status_count(st), 1);
	ck_assert_uint_eq(strata_status_pending(st), 1);
	ck_assert_uint_eq(strata_status_problems(st), 0);
	const strata_status_entry *e = strata_status_entry_at(st, 0);
	ck_assert_str_eq(e->version, "1");
	ck_assert_int_eq(e->state, STRATA_STATE_PENDING);
	ck_assert_ptr_null(strata_status_entry_at(st, 1));
	strata_status_free(st);
	ck_assert_int_eq(fake.calls.history_ensure, 0);
	ck_assert_int_eq(fake.calls.lock, 0);
	ck_assert_int_eq(fake.table_exists, 0);
	strata_status_free(NULL);
}
END_TEST

START_TEST(test_status_entries)
{
	write_simple("1", "a");
	write_simple("3", "c");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	write_simple("2", "b");
	write_simple("4", "d");
	write_simple("6", "f");
	write_file("3_create_c.sql", "-- migrate:up\ncreate table c (id bigint);\n");
	load();
	strata_history_row r = { 0 };
	r.version = (char *)"1.5";
	r.name = (char *)"gone";
	r.checksum = (char *)"sha256:00";
	r.state = STRATA_STATE_APPLIED;
	fake_put_row(&r);
	r.version = (char *)"6";
	r.name = (char *)"create_f";
	r.state = STRATA_STATE_FAILED;
	r.statements_done = 1;
	r.statements_total = 2;
	r.last_error = (char *)"boom";
	fake_put_row(&r);

	strata_status *st = NULL;
	ck_assert_int_eq(strata_status_get(&st, db, src, &err), 0);
	static const struct {
		const char *version;
		strata_state state;
		int out_of_order;
		int has_file;
	} want[] = {
		{ "1", STRATA_STATE_APPLIED, 0, 1 },
		{ "1.5", STRATA_STATE_MISSING, 0, 0 },
		{ "2", STRATA_STATE_PENDING, 1, 1 },
		{ "3", STRATA_STATE_CHANGED, 0, 1 },
		{ "4", STRATA_STATE_PENDING, 0, 1 },
		{ "6", STRATA_STATE_FAILED, 0, 1 },
	};
	ck_assert_uint_eq(strata_status_count(st), 6);
	for (size_t i = 0; i < 6; i++) {
		const strata_status_entry *e = strata_status_entry_at(st, i);
		ck_assert_str_eq(e->version, want[i].version);
		ck_assert_msg(e->state == want[i].state, "%s: %s, want %s",
		              e->version, strata_state_name(e->state),
		              strata_state_name(want[i].state));
		ck_assert_int_eq(e->out_of_order, want[i].out_of_order);
		ck_assert_int_eq(e->file != NULL, want[i].has_file);
	}
	ck_assert_uint_eq(strata_status_pending(st), 2);
	ck_assert_uint_eq(strata_status_problems(st), 3);
	const strata_status_entry *e = strata_status_entry_at(st, 0);
	ck_assert_str_eq(e->name, "create_a");
	ck_assert_str_eq(e->file, path_of("1_create_a.sql"));
	ck_assert_ptr_nonnull(e->applied_at);
	ck_assert_int_eq(e->statements_total, 2);
	e = strata_status_entry_at(st, 2);
	ck_assert_ptr_null(e->applied_at);
	e = strata_status_entry_at(st, 5);
	ck_assert_str_eq(e->last_error, "boom");
	ck_assert_int_eq(e->statements_done, 1);
	ck_assert_int_eq(e->statements_total, 2);
	strata_status_free(st);
	ck_assert_str_eq(strata_state_name(STRATA_STATE_CHANGED), "changed");
	ck_assert_str_eq(strata_state_name(STRATA_STATE_MISSING), "missing");
}
END_TEST

/* ------------------------------------------------------------ validate */

START_TEST(test_validate)
{
	write_simple("1", "a");
	write_simple("2", "b");
	write_simple("3", "c");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(strata_validate(db, src, &err), 0);
	ck_assert_str_eq(warnings, "");

	/* CRLF does not change a file */
	write_file("1_create_a.sql",
	           "-- migrate:up\r\n"
	           "create table a (id int);\r\n"
	           "insert into a values (1);\r\n"
	           "\r\n"
	           "-- migrate:down\r\n"
	           "drop table a;\r\n");
	write_file("2_create_b.sql", "-- migrate:up\ncreate table b (id bigint);\n");
	write_file("3_create_c.sql", "-- migrate:up\ncreate table c (id bigint);\n");
	load();
	strata_error_clear(&err);
	ck_assert_int_eq(strata_validate(db, src, &err), STRATA_EPLAN);
	ck_assert_int_eq(err.code, STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "2 migrations"));
	ck_assert_ptr_nonnull(strstr(warnings, "2_create_b"));
	ck_assert_ptr_nonnull(strstr(warnings, path_of("2_create_b.sql")));
	ck_assert_ptr_nonnull(strstr(warnings, path_of("3_create_c.sql")));
	ck_assert_ptr_nonnull(strstr(warnings, "changed"));
	ck_assert_ptr_null(strstr(warnings, "1_create_a"));
	ck_assert_int_eq(fake.calls.lock, 1); /* validate takes no lock */

	/* a failed migration makes it dirty */
	strata_history_row r = { 0 };
	r.version = (char *)"4";
	r.name = (char *)"x";
	r.state = STRATA_STATE_FAILED;
	fake_put_row(&r);
	warnings[0] = '\0';
	ck_assert_int_eq(strata_validate(db, src, NULL), STRATA_EDIRTY);
	ck_assert_ptr_nonnull(strstr(warnings, "4_x"));
	ck_assert_ptr_nonnull(strstr(warnings, "repair"));
}
END_TEST

/* ------------------------------------------------------------ baseline */

START_TEST(test_baseline)
{
	write_simple("1", "a");
	write_simple("2", "b");
	write_simple("3", "c");
	open_url("fake:test");
	load();
	size_t recorded = 99;
	strata_error_clear(&err);
	ck_assert_int_eq(strata_baseline(db, src, "02", &recorded, &err), 0);
	assert_clean();
	ck_assert_uint_eq(recorded, 2);
	ck_assert_int_eq(fake.statements_run, 0);
	ck_assert_int_eq(fake.calls.apply_tx, 0);
	ck_assert_uint_eq(fake_migration_rows(), 2);
	const strata_history_row *r = fake_row("1");
	ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
	assert_sha256(r->checksum);
	ck_assert_ptr_nonnull(strstr(r->down_sql, "drop table a"));
	ck_assert_ptr_nonnull(fake_row("2"));
	ck_assert_ptr_null(fake_row("3"));
	ck_assert_int_eq(strata_validate(db, src, &err), 0);

	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 1);
	ck_assert_int_eq(fake_committed("create table c"), 1);
	ck_assert_int_eq(fake_committed("create table a"), 0);

	/* a second time */
	ck_assert_int_eq(strata_baseline(db, src, "3", &recorded, &err), STRATA_EPLAN);
	ck_assert_uint_eq(recorded, 0);
	ck_assert_ptr_nonnull(strstr(err.message, "baseline refused"));
	assert_clean();
	ck_assert_uint_eq(fake_migration_rows(), 3);
}
END_TEST

START_TEST(test_baseline_refusals)
{
	write_simple("1", "a");
	open_url("fake:test");
	load();
	ck_assert_int_eq(strata_baseline(db, src, "5", NULL, &err), STRATA_ENOTFOUND);
	ck_assert_str_eq(err.version, "5");
	ck_assert_int_eq(strata_baseline(db, src, "x1", NULL, &err), STRATA_ENOTFOUND);
	ck_assert_int_eq(strata_baseline(db, src, NULL, NULL, &err), STRATA_EINVAL);
	ck_assert_int_eq(fake.calls.lock, 0);
	ck_assert_uint_eq(fake_migration_rows(), 0);
}
END_TEST

/* ----------------------------------------------------------- C migrations */

static char seen_dialect[32];

static int cx_up(strata_sql *q)
{
	snprintf(seen_dialect, sizeof(seen_dialect), "%s", strata_sql_dialect(q));
	int rc = strata_add_sql(q, "create table cx (id int);\ninsert into cx values (1)");
	return rc ? rc : strata_add_sql(q, "create index cx_id on cx (id)");
}

static int cx_down(strata_sql *q)
{
	return strata_add_sql(q, "drop table cx");
}

static int refuse(strata_sql *q)
{
	strata_add_sql(q, "create table never (id int)");
	return -7;
}

static int cy_up_nontx(strata_sql *q)
{
	strata_sql_no_transaction(q);
	int rc = strata_add_sql(q, "create table cy (id int)");
	return rc ? rc : strata_add_sql(q, "create table bogus (id int)");
}

static const strata_c_migration c_cx = {
	STRATA_C_MIGRATION_VERSION, "20240101000000", "create_cx", cx_up, cx_down,
	"migrations/create_cx.c", 11, NULL
};

static const strata_c_migration c_refuse = {
	STRATA_C_MIGRATION_VERSION, "20240102000000", "refuses", refuse, NULL,
	"migrations/refuses.c", 22, NULL
};

static const strata_c_migration c_cy = {
	STRATA_C_MIGRATION_VERSION, "20240103000000", "create_cy", cy_up_nontx, NULL,
	"migrations/create_cy.c", 33, NULL
};

START_TEST(test_c_migrations)
{
	write_simple("1", "a");
	open_url("fake:test");
	load();
	ck_assert_int_eq(strata_source_add_c(src, &c_cx, &err), 0);
	ck_assert_uint_eq(strata_source_count(src), 2);
	ck_assert_int_eq(strata_source_add_c(src, &c_cx, &err), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "migrations/create_cx.c"));
	ck_assert_uint_eq(strata_source_count(src), 2);
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_str_eq(seen_dialect, "generic");
	const strata_history_row *r = fake_row("20240101000000");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->name, "create_cx");
	ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
	assert_sha256(r->checksum);
	ck_assert_int_eq(r->statements_total, 3);
	ck_assert_ptr_nonnull(strstr(r->down_sql, "drop table cx"));
	ck_assert_int_eq(fake_committed("create table cx"), 1);
	ck_assert_int_eq(fake_committed("insert into cx"), 1);
	ck_assert_int_eq(fake_committed("create index cx_id"), 1);
	ck_assert_int_eq(strata_validate(db, src, &err), 0);

	strata_status *st;
	ck_assert_int_eq(strata_status_get(&st, db, src, &err), 0);
	ck_assert_uint_eq(strata_status_count(st), 2);
	ck_assert_int_eq(strata_status_entry_at(st, 1)->state, STRATA_STATE_APPLIED);
	ck_assert_ptr_null(strata_status_entry_at(st, 1)->file);
	strata_status_free(st);

	ck_assert_int_eq(down(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_committed("drop table cx"), 1);
	ck_assert_ptr_null(fake_row("20240101000000"));
}
END_TEST

START_TEST(test_c_migration_refusing_runs_nothing)
{
	write_simple("1", "a");
	open_url("fake:test");
	load();
	ck_assert_int_eq(strata_source_add_c(src, &c_cx, &err), 0);
	ck_assert_int_eq(strata_source_add_c(src, &c_refuse, &err), 0);
	size_t applied = 99;
	ck_assert_int_eq(up(0, NULL, &applied), STRATA_EPLAN);
	ck_assert_uint_eq(applied, 0);
	ck_assert_ptr_nonnull(strstr(err.message, "20240102000000"));
	ck_assert_ptr_nonnull(strstr(err.message, "-7"));
	ck_assert_str_eq(err.file, "migrations/refuses.c");
	ck_assert_int_eq(err.line, 22);
	ck_assert_int_eq(fake.statements_run, 0);
	ck_assert_int_eq(fake.calls.lock, 0);
	ck_assert_uint_eq(fake_migration_rows(), 0);
	ck_assert_int_eq(strata_status_get(&(strata_status *){ NULL }, db, src, &err),
	                 STRATA_EPLAN);
}
END_TEST

START_TEST(test_c_migration_failure_points_at_source)
{
	open_url("fake:test");
	ck_assert_int_eq(strata_source_new(&src, &err), 0);
	ck_assert_int_eq(strata_source_add_c(src, &c_cy, &err), 0);
	fake_fail_exec("bogus", "bad table", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	ck_assert_str_eq(err.file, "migrations/create_cy.c");
	ck_assert_int_eq(err.line, 33);
	ck_assert_int_eq(err.statement, 2);
	/* strata_sql_no_transaction(): statement by statement */
	const strata_history_row *r = fake_row("20240103000000");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->state, STRATA_STATE_FAILED);
	ck_assert_int_eq(r->statements_done, 1);
	ck_assert_int_eq(fake_committed("create table cy"), 1);
	ck_assert_int_eq(fake.calls.apply_tx, 0);
}
END_TEST

START_TEST(test_c_migration_bad_struct)
{
	ck_assert_int_eq(strata_source_new(&src, &err), 0);
	strata_c_migration bad = c_cx;
	bad.version = 0;
	ck_assert_int_eq(strata_source_add_c(src, &bad, &err), STRATA_EINVAL);
	bad = c_cx;
	bad.id = "v1";
	ck_assert_int_eq(strata_source_add_c(src, &bad, &err), STRATA_EINVAL);
	bad = c_cx;
	bad.up = NULL;
	ck_assert_int_eq(strata_source_add_c(src, &bad, &err), STRATA_EINVAL);
	ck_assert_uint_eq(strata_source_count(src), 0);
}
END_TEST

/* -------------------------------------------------------------- events */

START_TEST(test_events_in_order)
{
	write_simple("1", "a");
	write_simple("2", "b");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_uint_eq(nevents, 4);
	static const strata_event_type types[] = {
		STRATA_EVENT_MIGRATION_START, STRATA_EVENT_MIGRATION_DONE,
		STRATA_EVENT_MIGRATION_START, STRATA_EVENT_MIGRATION_DONE
	};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(events[i].type, types[i]);
		ck_assert_str_eq(events[i].version, i < 2 ? "1" : "2");
		ck_assert_int_eq(events[i].direction, STRATA_UP);
		ck_assert_int_eq(events[i].statements, 2);
		ck_assert_int_eq(events[i].transactional, 1);
		ck_assert_int_eq(events[i].dry_run, 0);
		ck_assert(events[i].seconds >= 0);
	}
	nevents = 0;
	ck_assert_int_eq(down(0, "0", NULL), 0);
	ck_assert_uint_eq(nevents, 4);
	ck_assert_str_eq(events[0].version, "2");
	ck_assert_int_eq(events[0].type, STRATA_EVENT_MIGRATION_START);
	ck_assert_int_eq(events[0].direction, STRATA_DOWN);
	ck_assert_int_eq(events[0].statements, 1);
	ck_assert_int_eq(events[1].type, STRATA_EVENT_MIGRATION_DONE);
	ck_assert(events[1].seconds >= 0);
	ck_assert_str_eq(events[3].version, "1");
}
END_TEST

/* ------------------------------------------- interrupted runs (kills) */

/* Turns row `version` (left failed by a scripted failure) into what a
 * run killed at that statement leaves: state running. */
static void as_interrupted(const char *version, strata_state state,
                           const char *last_error)
{
	strata_history_row *r = (strata_history_row *)fake_row(version);
	ck_assert_ptr_nonnull(r);
	r->state = state;
	free(r->last_error);
	r->last_error = last_error ? strdup(last_error) : NULL;
}

START_TEST(test_interrupted_resumes_by_itself)
{
	write_simple("1", "a");
	write_file("2_nontx.sql", NONTX_FIXED);
	write_simple("3", "c");
	open_url("fake:test");
	load();
	fake_fail_exec("create table n2", "killed", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	fake_fail_exec(NULL, NULL, 0);
	/* killed during statement 2, which shared a transaction with its
	 * progress update: rolled back, no doubt */
	as_interrupted("2", STRATA_STATE_RUNNING, NULL);
	ck_assert_int_eq(fake_row("2")->statements_done, 1);
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2); /* the resumed one and 3 */
	ck_assert_int_eq(fake_row("2")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_row("3")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_committed("create table n1"), 1);
	ck_assert_int_eq(fake_committed("create table n2"), 1);
	ck_assert_int_eq(fake_committed("create table n3"), 1);
	ck_assert_int_eq(fake_traced("update(2,running,1) begin exec update(2,running,2) commit"), 1);
	ck_assert_int_eq(fake.violations, 0);
	/* a down does not finish an interrupted up: it refuses */
	write_file("4_nontx.sql", NONTX_FIXED);
	load();
	fake_fail_exec("create table n3", "killed", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	fake_fail_exec(NULL, NULL, 0);
	as_interrupted("4", STRATA_STATE_RUNNING, NULL);
	ck_assert_int_eq(down(1, NULL, NULL), STRATA_EDIRTY);
	ck_assert_int_eq(fake_row("4")->state, STRATA_STATE_RUNNING);
}
END_TEST

START_TEST(test_interrupted_in_doubt_refuses)
{
	/* DDL commits on its own without transactional DDL */
	write_file("1_mixed.sql",
	           "-- migrate:up\n"
	           "create table t1 (id int);\n"
	           "insert into t1 values (1);\n"
	           "create table t2 (id int);\n"
	           "insert into t2 values (2);\n"
	           "-- migrate:down\n"
	           "drop table t2;\n"
	           "drop table t1;\n");
	open_url("fake-nodl:test");
	load();
	fake_fail_exec("create table t2", "killed", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	fake_fail_exec(NULL, NULL, 0);
	as_interrupted("1", STRATA_STATE_RUNNING, NULL);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EDIRTY);
	ck_assert_int_eq(err.statement, 3);
	ck_assert_int_eq(err.line, 4);
	ck_assert_str_eq(err.version, "1");
	ck_assert_ptr_nonnull(strstr(err.message, "interrupted during statement 3 of 4"));
	ck_assert_ptr_nonnull(strstr(err.message, "'strata repair --resume 1'"));
	ck_assert_ptr_nonnull(strstr(err.message, "'strata repair --resume --skip-in-flight 1'"));
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_RUNNING);
	/* it did take effect: count it as done */
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME_SKIP, "1"), 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_row("1")->statements_done, 4);
	ck_assert_int_eq(fake_committed("create table t2"), 0);
	ck_assert_int_eq(fake_committed("insert into t2"), 1);
	ck_assert_int_eq(fake_committed("insert into t1"), 1);

	/* an interrupted DML statement shared its transaction: no doubt */
	ck_assert_int_eq(down(1, NULL, NULL), 0);
	fake_fail_exec("insert into t2", "killed", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	fake_fail_exec(NULL, NULL, 0);
	as_interrupted("1", STRATA_STATE_RUNNING, NULL);
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_committed("insert into t2"), 2); /* once per up */
	ck_assert_int_eq(fake.violations, 0);
}
END_TEST

START_TEST(test_refused_in_transaction_runs_alone)
{
	write_file("1_db.sql",
	           "-- migrate:up transaction:false\n"
	           "create table t1 (id int);\n"
	           "create database other;\n"
	           "create table t3 (id int);\n"
	           "-- migrate:down\n"
	           "drop table t1;\n");
	open_url("fake:test");
	load();
	/* the server refuses it in a transaction block (SQLSTATE 25001) */
	fake_fail_exec("create database", "cannot run inside a transaction block", 0);
	snprintf(fake.fail_sqlstate, sizeof(fake.fail_sqlstate), "25001");
	fake.fail_in_tx_only = 1;
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_committed("create database other"), 1);
	ck_assert_int_eq(fake_committed("create table t3"), 1);
	ck_assert_int_eq(fake_traced("update(1,running,1) commit begin exec rollback "
	                             "update(1,running,1) exec update(1,running,2) "
	                             "begin exec update(1,applied,3) commit"), 1);

	/* killed while it ran alone: the row's note leaves it in doubt */
	ck_assert_int_eq(down(1, NULL, NULL), 0);
	fake.fail_in_tx_only = 0;
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	ck_assert_int_eq(fake_row("1")->statements_done, 1);
	as_interrupted("1", STRATA_STATE_RUNNING,
	               "in flight outside a transaction: statement 2");
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EDIRTY);
	ck_assert_int_eq(err.statement, 2);
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, "1"), 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_ptr_null(fake_row("1")->last_error);
	ck_assert_int_eq(fake.violations, 0);
}
END_TEST

START_TEST(test_dml_groups_between_ddl)
{
	write_file("1_mixed.sql",
	           "-- migrate:up\n"
	           "create table a (id int);\n"
	           "create table b (id int);\n"
	           "insert into a values (1);\n"
	           "insert into b values (2);\n"
	           "create table c (id int);\n"
	           "insert into c values (3);\n"
	           "-- migrate:down\n"
	           "drop table c;\n");
	write_file("2_each.sql",
	           "-- migrate:up transaction:false\n"
	           "insert into a values (4);\n"
	           "insert into a values (5);\n");
	open_url("fake-nodl:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	/* each DDL gets its own update, before the next statement runs, so
	 * that a kill during the DML after it finds the DDL recorded; the DML
	 * group shares a transaction with its update */
	ck_assert_int_eq(fake_traced("insert(1,running) exec update(1,running,1) exec "
	                             "update(1,running,2) begin exec exec "
	                             "update(1,running,4) commit exec update(1,running,5) "
	                             "begin exec update(1,applied,6) commit"), 1);
	/* transaction:false: one transaction and one update per statement */
	ck_assert_int_eq(fake_traced("insert(2,running) begin exec update(2,running,1) commit "
	                             "begin exec update(2,applied,2) commit"), 1);
	ck_assert_int_eq(fake_committed("insert into"), 5);
	ck_assert_int_eq(fake.violations, 0);
}
END_TEST

START_TEST(test_user_transactions_kept)
{
	/* transaction:false with the migration's own BEGIN ... COMMIT: the
	 * statements run as written, none wrapped in a transaction of ours */
	write_file("1_own.sql",
	           "-- migrate:up transaction:false\n"
	           "BEGIN;\n"
	           "create table t1 (id int);\n"
	           "COMMIT;\n"
	           "create table t2 (id int);\n"
	           "-- migrate:down\n"
	           "drop table t2;\n"
	           "drop table t1;\n");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake.calls.begin, 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake.violations, 0);
	/* a statement that fails inside the migration's own transaction: that
	 * transaction is rolled back, and the row says nothing of it landed
	 * (its progress updates were in it too) */
	ck_assert_int_eq(down(1, NULL, NULL), 0);
	fake_fail_exec("create table t1", "killed", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(err.statement, 2);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_FAILED);
	ck_assert_int_eq(fake_row("1")->statements_done, 0);
	ck_assert_int_eq(fake.in_tx, 0);
	/* killed there instead: the BEGIN in flight changes nothing, so
	 * the run resumes by itself */
	as_interrupted("1", STRATA_STATE_RUNNING, NULL);
	int before = fake_committed("create table t1");
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_committed("create table t1"), before + 1);
	/* a statement after its COMMIT runs on its own: in doubt after a
	 * kill, the first three recorded */
	ck_assert_int_eq(down(1, NULL, NULL), 0);
	fake_fail_exec("create table t2", "killed", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(fake_row("1")->statements_done, 3);
	as_interrupted("1", STRATA_STATE_RUNNING, NULL);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EDIRTY);
	ck_assert_int_eq(err.statement, 4);
	ck_assert_int_eq(fake.violations, 0);
}
END_TEST

START_TEST(test_user_transaction_left_open)
{
	/* a BEGIN without its COMMIT: the end state would be written inside
	 * it and vanish with the session; refused, rolled back, recorded */
	write_file("1_open.sql",
	           "-- migrate:up transaction:false\n"
	           "create table t0 (id int);\n"
	           "BEGIN;\n"
	           "create table t1 (id int);\n");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	ck_assert_ptr_nonnull(strstr(err.message, "still open"));
	ck_assert_int_eq(fake.in_tx, 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_FAILED);
	ck_assert_int_eq(fake_row("1")->statements_done, 1);
	ck_assert_int_eq(fake_committed("create table t0"), 1);
	ck_assert_int_eq(fake_committed("create table t1"), 0);
	ck_assert_int_eq(fake.violations, 0);
}
END_TEST

START_TEST(test_transaction_control_refused)
{
	/* a transactional migration that commits by itself: refused before
	 * anything runs, with file:line and how to mark it */
	write_file("1_commit.sql",
	           "-- migrate:up\n"
	           "create table a (id int);\n"
	           "COMMIT;\n"
	           "select nosuch;\n");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EPARSE);
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_eq(err.statement, 2);
	ck_assert_ptr_nonnull(strstr(err.file, "1_commit.sql"));
	ck_assert_ptr_nonnull(strstr(err.message, "transaction:false"));
	ck_assert_int_eq(fake.statements_run, 0);
	ck_assert_int_eq(fake_migration_rows(), 0);
}
END_TEST

START_TEST(test_own_wrapper_dropped)
{
	/* BEGIN; ...; COMMIT; around the whole part: strata's transaction is
	 * that one; the wrapper is not sent */
	write_file("1_wrapped.sql",
	           "-- migrate:up\n"
	           "BEGIN;\n"
	           "create table a (id int);\n"
	           "create table b (id int);\n"
	           "COMMIT;\n"
	           "-- migrate:down\n"
	           "BEGIN;\n"
	           "drop table b;\n"
	           "ROLLBACK;\n");
	open_url("fake:test");
	load();
	/* the down ends with ROLLBACK, not COMMIT: no wrapper, refused */
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EPARSE);
	ck_assert_int_eq(err.line, 7);
	write_file("1_wrapped.sql",
	           "-- migrate:up\n"
	           "BEGIN;\n"
	           "create table a (id int);\n"
	           "create table b (id int);\n"
	           "COMMIT;\n"
	           "-- migrate:down\n"
	           "drop table b;\n");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_committed("BEGIN"), 0);
	ck_assert_int_eq(fake_committed("COMMIT"), 0);
	ck_assert_int_eq(fake_committed("create table"), 2);
	ck_assert_int_eq(fake_row("1")->statements_total, 2);
	ck_assert_int_eq(fake.calls.apply_tx, 1);
}
END_TEST

START_TEST(test_wrapper_must_be_bare)
{
	/* only a bare BEGIN is a wrapper strata may drop: a BEGIN that runs
	 * into another statement (a missing ';') or sets an isolation level
	 * is refused, never dropped with what follows it */
	write_file("1_wrapped.sql",
	           "-- migrate:up\n"
	           "BEGIN\n"
	           "  create table a (id int);\n"
	           "create table b (id int);\n"
	           "COMMIT;\n");
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EPARSE);
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(fake.statements_run, 0);
	write_file("1_wrapped.sql",
	           "-- migrate:up\n"
	           "BEGIN ISOLATION LEVEL SERIALIZABLE;\n"
	           "create table b (id int);\n"
	           "COMMIT;\n");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EPARSE);
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(fake.statements_run, 0);
	/* BEGIN WORK; and END TRANSACTION; around nothing: an empty part */
	write_file("1_wrapped.sql",
	           "-- migrate:up\n"
	           "begin  work ;\n"
	           "END\tTRANSACTION;\n");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_row("1")->statements_total, 0);
	ck_assert_int_eq(fake_committed("END"), 0);
}
END_TEST

START_TEST(test_implicit_commit_taken_over)
{
	/* a statement that commits the transaction strata opened (MySQL: DDL
	 * through a compound statement): what ran is recorded, the rest runs
	 * statement by statement, and a failure names the right statement */
	write_file("1_sneaky.sql",
	           "-- migrate:up\n"
	           "insert into a values (1);\n"
	           "sneaky commit;\n"
	           "insert into a values (2);\n"
	           "insert into a values (3);\n"
	           "-- migrate:down\n"
	           "delete from a;\n");
	open_url("fake-notx:test");
	load();
	snprintf(fake.commit_match, sizeof(fake.commit_match), "sneaky");
	fake_fail_exec("values (3)", "boom", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(err.statement, 4);
	const strata_history_row *r = fake_row("1");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->state, STRATA_STATE_FAILED);
	/* 1 and 2 landed with the implicit commit; 3 and 4 shared a
	 * transaction with their progress and were rolled back together */
	ck_assert_int_eq(r->statements_done, 2);
	ck_assert_int_eq(fake_committed("values (1)"), 1);
	ck_assert_int_eq(fake_committed("values (2)"), 0);
	ck_assert_int_eq(fake.in_tx, 0);
	ck_assert_int_eq(fake.violations, 0);
	/* repair --resume goes on from statement 3 */
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, "1"), 0);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_committed("values (1)"), 1);
	ck_assert_int_eq(fake_committed("values (2)"), 1);
	ck_assert_int_eq(fake_committed("values (3)"), 1);
	/* the same in a down, its row updated, not inserted */
	write_file("2_sneaky.sql",
	           "-- migrate:up\n"
	           "insert into b values (1);\n"
	           "-- migrate:down\n"
	           "delete from b;\n"
	           "sneaky commit;\n");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(down(1, NULL, NULL), 0);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_int_eq(fake_committed("delete from b"), 1);
	ck_assert_int_eq(fake.violations, 0);
	/* a session reset before each migration */
	ck_assert_int_ge(fake.session_resets, 3);
}
END_TEST

/* ------------------------------------- no transactional DDL (MySQL-like) */

START_TEST(test_no_transactional_ddl)
{
	write_simple("1", "a");
	write_simple("2", "b");
	open_url("fake-nodl:test");
	load();
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_int_eq(fake.calls.apply_tx, 0);
	/* the DDL runs on its own with its own progress update, the DML
	 * shares a transaction with the final one */
	ck_assert_int_eq(fake.calls.begin, 2);
	ck_assert_int_eq(fake.calls.commit, 2);
	ck_assert_int_eq(fake_traced("insert(1,running) exec update(1,running,1) "
	                             "begin exec update(1,applied,2) commit"), 1);
	ck_assert_int_eq(fake_traced("update(2,applied,2)"), 1);
	ck_assert_int_eq(fake_row("1")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(events[0].transactional, 0);
	ck_assert_int_eq(down(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_traced("update(2,reverting,0)"), 1);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_int_eq(fake_committed("drop table b"), 1);
}
END_TEST

/* ------------------------------------------------ repeatable migrations */

/* A Flyway set: V1, V2 and two repeatable migrations. */
static void write_flyway_set(void)
{
	write_file("V1__init.sql", "create table t (x int);\n");
	write_file("U1__init.sql", "drop table t;\n");
	write_file("V2__more.sql", "alter table t add y int;\n");
	write_file("U2__more.sql", "alter table t drop y;\n");
	write_file("R__views.sql", "create or replace view v as select x from t;\n");
	write_file("R__funcs.sql", "create or replace function f() 1;\n");
}

/* The trace written since `mark` (a length of fake.trace). */
static const char *trace_since(size_t mark)
{
	return fake.trace + mark;
}

/* Applied after the versioned migrations, in Flyway's order; again only
 * when changed, updating their row; never when unchanged. */
START_TEST(test_repeatable_up_and_again)
{
	write_flyway_set();
	open_url("fake:test");
	load();
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 4);
	ck_assert_ptr_nonnull(strstr(fake.trace,
	                             "apply_tx(1,insert) apply_tx(2,insert) "
	                             "apply_tx(R__funcs,insert) apply_tx(R__views,insert)"));
	const strata_history_row *r = fake_row("R__views");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->name, "views");
	ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(r->statements_total, 1);
	ck_assert_ptr_null(r->down_sql);
	assert_sha256(r->checksum);
	char before[80];
	snprintf(before, sizeof(before), "%s", r->checksum);
	char funcs_at[64];
	snprintf(funcs_at, sizeof(funcs_at), "%s", fake_row("R__funcs")->applied_at);
	ck_assert_int_eq(events[nevents - 2].type, STRATA_EVENT_MIGRATION_START);
	ck_assert_str_eq(events[nevents - 2].version, "R__views");

	/* unchanged: nothing */
	size_t mark = strlen(fake.trace);
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 0);
	ck_assert_ptr_null(strstr(trace_since(mark), "apply_tx"));
	ck_assert_ptr_null(strstr(trace_since(mark), "exec"));

	/* changed: only it, its row updated in its transaction */
	write_file("R__views.sql", "create or replace view v as select x, y from t;\n");
	load();
	mark = strlen(fake.trace);
	int inserts = fake.calls.history_insert;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 1);
	ck_assert_ptr_nonnull(strstr(trace_since(mark),
	                             "begin exec update(R__views,applied,1) commit"));
	ck_assert_ptr_null(strstr(trace_since(mark), "R__funcs"));
	ck_assert_int_eq(fake.calls.history_insert, inserts);
	r = fake_row("R__views");
	ck_assert_str_ne(r->checksum, before);
	assert_sha256(r->checksum);
	ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
	ck_assert_str_eq(fake_row("R__funcs")->applied_at, funcs_at);
	ck_assert_int_eq(fake_committed("select x, y from t"), 1);
	ck_assert_uint_eq(fake_migration_rows(), 4);
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 0);
}
END_TEST

/* A repeatable migration that fails in its transaction leaves the
 * history as it was: no row the first time, the old checksum after. */
START_TEST(test_repeatable_failure_keeps_history)
{
	static const char *const urls[] = { "fake:test", "fake-notx:test" };
	for (int u = 0; u < 2; u++) {
		fake_reset();
		write_flyway_set();
		open_url(urls[u]);
		load();
		fake_fail_exec("function f", "syntax error", 0);
		ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
		ck_assert_str_eq(err.version, "R__funcs");
		ck_assert_ptr_nonnull(strstr(err.file, "R__funcs.sql"));
		ck_assert_int_eq(err.line, 1);
		ck_assert_ptr_nonnull(strstr(err.message, "(migration R__funcs, statement 1 of 1)"));
		/* the versioned ones landed, the repeatable one not */
		ck_assert_ptr_nonnull(fake_row("2"));
		ck_assert_ptr_null(fake_row("R__funcs"));
		ck_assert_ptr_null(fake_row("R__views"));
		fake_fail_exec(NULL, NULL, 0);
		ck_assert_int_eq(up(0, NULL, NULL), 0);
		char sum[80];
		snprintf(sum, sizeof(sum), "%s", fake_row("R__funcs")->checksum);

		write_file("R__funcs.sql", "create or replace function f() 2;\n");
		load();
		fake_fail_exec("function f", "syntax error", 0);
		ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
		const strata_history_row *r = fake_row("R__funcs");
		ck_assert_str_eq(r->checksum, sum);
		ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
		ck_assert_int_eq(fake_committed("function f() 2"), 0);
		fake_fail_exec(NULL, NULL, 0);
		ck_assert_int_eq(up(0, NULL, NULL), 0);
		ck_assert_str_ne(fake_row("R__funcs")->checksum, sum);
		ck_assert_int_eq(fake_committed("function f() 2"), 1);
		strata_close(db);
		db = NULL;
	}
}
END_TEST

/* Without transactional DDL (MySQL) a repeatable migration runs
 * statement by statement with its row: a failure leaves it failed, up
 * refuses, and repair resumes it or forgets it. */
START_TEST(test_repeatable_statement_by_statement)
{
	write_flyway_set();
	write_file("R__views.sql", "create or replace view v as select x from t;\n"
	                           "create or replace view w as select y from t;\n");
	open_url("fake-nodl:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(fake.trace, "insert(R__views,running)"));
	ck_assert_int_eq(fake_row("R__views")->state, STRATA_STATE_APPLIED);
	char sum[80];
	snprintf(sum, sizeof(sum), "%s", fake_row("R__views")->checksum);

	write_file("R__views.sql", "create or replace view v as select x, y from t;\n"
	                           "create or replace view w as select z from t;\n");
	load();
	fake_fail_exec("select z", "unknown column z", 0);
	size_t mark = strlen(fake.trace);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	ck_assert_ptr_nonnull(strstr(trace_since(mark), "update(R__views,running,0)"));
	ck_assert_ptr_null(strstr(trace_since(mark), "insert("));
	const strata_history_row *r = fake_row("R__views");
	ck_assert_int_eq(r->state, STRATA_STATE_FAILED);
	ck_assert_int_eq(r->statements_done, 1);
	ck_assert_str_ne(r->checksum, sum);
	ck_assert_ptr_nonnull(strstr(r->last_error, "unknown column z"));
	ck_assert_int_eq(fake_committed("select x, y from t"), 1);

	/* refused until repaired */
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_EDIRTY);
	ck_assert_ptr_nonnull(strstr(err.message, "migration R__views failed at statement 2 of 2"));
	ck_assert_ptr_nonnull(strstr(err.message, "repair --resume R__views"));
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, "R__views"), 0);
	r = fake_row("R__views");
	ck_assert_int_eq(r->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(r->statements_done, 2);
	ck_assert_int_eq(fake_committed("select z from t"), 1);
	ck_assert_int_eq(fake_committed("select x, y from t"), 1);
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_committed("select x, y from t"), 1);

	/* failed again; forgotten: the next up runs it whole */
	write_file("R__views.sql", "create or replace view v as select 1;\n"
	                           "create or replace view w as select q from t;\n");
	load();
	fake_fail_exec("select q", "unknown column q", 0);
	ck_assert_int_eq(up(0, NULL, NULL), STRATA_ESQL);
	fake_fail_exec(NULL, NULL, 0);
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, "R__views"), 0);
	ck_assert_ptr_null(fake_row("R__views"));
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_int_eq(fake_row("R__views")->state, STRATA_STATE_APPLIED);
	ck_assert_int_eq(fake_committed("view v as select 1"), 2);
}
END_TEST

/* down reverts versioned migrations only; the repeatable rows stay. */
START_TEST(test_repeatable_down_leaves_them)
{
	write_flyway_set();
	open_url("fake:test");
	load();
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	size_t reverted = 0;
	ck_assert_int_eq(down(0, NULL, &reverted), 0);
	ck_assert_uint_eq(reverted, 1);
	ck_assert_ptr_null(fake_row("2"));
	ck_assert_ptr_nonnull(fake_row("R__views"));
	ck_assert_ptr_nonnull(fake_row("R__funcs"));
	ck_assert_int_eq(down(0, "0", &reverted), 0);
	ck_assert_uint_eq(reverted, 1);
	ck_assert_uint_eq(fake_migration_rows(), 2);
	ck_assert_int_eq(down(0, NULL, &reverted), 0);
	ck_assert_uint_eq(reverted, 0);
	/* and up applies the versioned ones again, not the unchanged R */
	size_t applied = 0;
	size_t mark = strlen(fake.trace);
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_ptr_null(strstr(trace_since(mark), "R__"));
}
END_TEST

/* --single-transaction includes them, a changed one by an update. */
START_TEST(test_repeatable_single_transaction)
{
	write_flyway_set();
	open_url("fake:test");
	load();
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.single_transaction = 1;
	size_t done = 0;
	ck_assert_int_eq(run_with(&o, STRATA_UP, &done), 0);
	ck_assert_uint_eq(done, 4);
	ck_assert_int_eq(fake.calls.commit, 1);
	ck_assert_ptr_nonnull(fake_row("R__views"));

	write_file("R__views.sql", "create or replace view v as select 2;\n");
	write_file("V3__last.sql", "create table z (x int);\n");
	load();
	size_t mark = strlen(fake.trace);
	ck_assert_int_eq(run_with(&o, STRATA_UP, &done), 0);
	ck_assert_uint_eq(done, 2);
	ck_assert_ptr_nonnull(strstr(trace_since(mark), "update(R__views,applied,1) commit"));
	ck_assert_int_eq(fake.calls.commit, 2);

	/* one failing repeatable rolls back the whole run */
	write_file("R__views.sql", "create or replace view v as select 3;\n");
	write_file("V4__next.sql", "create table y (x int);\n");
	load();
	fake_fail_exec("select 3", "boom", 0);
	ck_assert_int_eq(run_with(&o, STRATA_UP, &done), STRATA_ESQL);
	ck_assert_ptr_null(fake_row("4"));
	ck_assert_int_eq(fake_committed("create table y"), 0);
	ck_assert_int_eq(fake_committed("view v as select 2"), 1);
}
END_TEST

/* A dry run shows them; a count or target limits only the versioned. */
START_TEST(test_repeatable_dry_run_and_target)
{
	write_flyway_set();
	open_url("fake:test");
	load();
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	o.dry_run = 1;
	size_t done = 0;
	ck_assert_int_eq(run_with(&o, STRATA_UP, &done), 0);
	ck_assert_uint_eq(done, 4);
	ck_assert_uint_eq(fake_migration_rows(), 0);
	ck_assert_int_eq(count_events(STRATA_EVENT_STATEMENT), 4);
	ck_assert_str_eq(events[nevents - 1].version, "R__views");
	ck_assert_ptr_nonnull(strstr(events[nevents - 1].sql, "create or replace view v"));

	size_t applied = 0;
	ck_assert_int_eq(up(0, "1", &applied), 0);
	ck_assert_uint_eq(applied, 3);
	ck_assert_ptr_nonnull(fake_row("R__views"));
	ck_assert_ptr_null(fake_row("2"));
	write_file("R__funcs.sql", "create or replace function f() 2;\n");
	load();
	ck_assert_int_eq(up(1, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_ptr_nonnull(fake_row("2"));
	ck_assert_int_eq(fake_committed("function f() 2"), 1);
}
END_TEST

/* status lists them after the versioned ones: pending, applied, pending
 * again when changed, missing when the file is gone; validate takes a
 * change for pending, a missing or failed one for a problem. */
START_TEST(test_repeatable_status_and_validate)
{
	write_flyway_set();
	open_url("fake:test");
	load();
	strata_status *st;
	ck_assert_int_eq(strata_status_get(&st, db, src, &err), 0);
	ck_assert_uint_eq(strata_status_count(st), 4);
	ck_assert_uint_eq(strata_status_pending(st), 4);
	const strata_status_entry *e = strata_status_entry_at(st, 2);
	ck_assert_str_eq(e->version, "R__funcs");
	ck_assert(e->repeatable && !e->changed);
	ck_assert_int_eq(e->state, STRATA_STATE_PENDING);
	ck_assert(!strata_status_entry_at(st, 1)->repeatable);
	strata_status_free(st);

	ck_assert_int_eq(up(0, NULL, NULL), 0);
	write_file("R__views.sql", "create or replace view v as select 9;\n");
	load();
	ck_assert_int_eq(strata_status_get(&st, db, src, &err), 0);
	ck_assert_uint_eq(strata_status_pending(st), 1);
	ck_assert_uint_eq(strata_status_problems(st), 0);
	e = strata_status_entry_at(st, 3);
	ck_assert_str_eq(e->version, "R__views");
	ck_assert_str_eq(e->name, "views");
	ck_assert_int_eq(e->state, STRATA_STATE_PENDING);
	ck_assert(e->repeatable && e->changed);
	ck_assert_ptr_nonnull(e->applied_at);
	ck_assert_ptr_nonnull(strstr(e->file, "R__views.sql"));
	ck_assert_int_eq(strata_status_entry_at(st, 2)->state, STRATA_STATE_APPLIED);
	strata_status_free(st);
	ck_assert_int_eq(strata_validate(db, src, &err), 0);

	/* the file gone: missing, a problem; repair --forget forgets it */
	ck_assert_int_eq(unlink(path_of("R__funcs.sql")), 0);
	load();
	ck_assert_int_eq(strata_status_get(&st, db, src, &err), 0);
	e = strata_status_entry_at(st, 2);
	ck_assert_str_eq(e->version, "R__funcs");
	ck_assert_int_eq(e->state, STRATA_STATE_MISSING);
	ck_assert(e->repeatable);
	ck_assert_ptr_null(e->file);
	ck_assert_uint_eq(strata_status_problems(st), 1);
	strata_status_free(st);
	warnings[0] = '\0';
	ck_assert_int_eq(strata_validate(db, src, &err), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(warnings, "R__funcs: applied, but no file is this repeatable "
	                                       "migration any more; 'strata repair --forget R__funcs'"));
	/* up goes on (the change of R__views), leaving the missing row */
	ck_assert_int_eq(up(0, NULL, NULL), 0);
	ck_assert_ptr_nonnull(fake_row("R__funcs"));
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, "R__funcs"), 0);
	ck_assert_ptr_null(fake_row("R__funcs"));
	ck_assert_int_eq(strata_validate(db, src, &err), 0);
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, "R__funcs"), STRATA_ENOTFOUND);
	ck_assert_int_eq(repair(STRATA_REPAIR_RESUME, "R__views"), STRATA_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.message, "R__views is not failed or running"));
	/* forgetting one that has its file: up applies it again */
	ck_assert_int_eq(repair(STRATA_REPAIR_FORGET, "R__views"), 0);
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 1);
	ck_assert_int_eq(fake_committed("view v as select 9"), 2);
}
END_TEST

/* baseline records versioned migrations only, as Flyway's: the
 * repeatable ones run at the next up. A history with only repeatable
 * rows is not empty for baseline. */
START_TEST(test_repeatable_baseline)
{
	write_flyway_set();
	open_url("fake:test");
	load();
	size_t recorded = 0;
	ck_assert_int_eq(strata_baseline(db, src, "2", &recorded, &err), 0);
	assert_clean();
	ck_assert_uint_eq(recorded, 2);
	ck_assert_ptr_null(fake_row("R__views"));
	size_t applied = 0;
	ck_assert_int_eq(up(0, NULL, &applied), 0);
	ck_assert_uint_eq(applied, 2);
	ck_assert_ptr_nonnull(fake_row("R__views"));
	ck_assert_int_eq(fake_committed("create table t"), 0);

	fake_reset();
	open_url("fake:test");
	strata_history_row r = { 0 };
	r.version = (char *)"R__views";
	r.name = (char *)"views";
	r.checksum = (char *)"";
	r.state = STRATA_STATE_APPLIED;
	fake_put_row(&r);
	ck_assert_int_eq(strata_baseline(db, src, "1", NULL, &err), STRATA_EPLAN);
	assert_clean();
	ck_assert_ptr_nonnull(strstr(err.message, "already records 1 migrations"));
}
END_TEST

Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("up");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_up_applies_in_version_order);
	tcase_add_test(tc, test_up_without_apply_tx);
	tcase_add_test(tc, test_up_count_and_target);
	tcase_add_test(tc, test_up_null_err_and_options);
	tcase_add_test(tc, test_format_row_inserted_once);
	tcase_add_test(tc, test_format_upgraded);
	tcase_add_test(tc, test_events_in_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_failing_statement_apply_tx);
	tcase_add_test(tc, test_failing_statement_begin_commit);
	tcase_add_test(tc, test_failing_statement_position);
	tcase_add_test(tc, test_failing_statement_position_notx);
	tcase_add_test(tc, test_unterminated_quote_refused_before_running);
	tcase_add_test(tc, test_plan_refusal_runs_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("no_transaction");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_transaction_statement_by_statement);
	tcase_add_test(tc, test_no_transaction_failure_leaves_failed_row);
	tcase_add_test(tc, test_repair_resume);
	tcase_add_test(tc, test_repair_resume_by_version);
	tcase_add_test(tc, test_repair_mark_applied);
	tcase_add_test(tc, test_repair_forget);
	tcase_add_test(tc, test_repair_refusals);
	tcase_add_test(tc, test_no_transactional_ddl);
	tcase_add_test(tc, test_interrupted_resumes_by_itself);
	tcase_add_test(tc, test_interrupted_in_doubt_refuses);
	tcase_add_test(tc, test_refused_in_transaction_runs_alone);
	tcase_add_test(tc, test_user_transactions_kept);
	tcase_add_test(tc, test_user_transaction_left_open);
	tcase_add_test(tc, test_transaction_control_refused);
	tcase_add_test(tc, test_own_wrapper_dropped);
	tcase_add_test(tc, test_wrapper_must_be_bare);
	tcase_add_test(tc, test_implicit_commit_taken_over);
	tcase_add_test(tc, test_dml_groups_between_ddl);
	tcase_add_test(tc, test_no_transactional_ddl_dml_failure);
	suite_add_tcase(s, tc);

	tc = tcase_create("down");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_down_default_count_and_target);
	tcase_add_test(tc, test_down_without_apply_tx);
	tcase_add_test(tc, test_down_refuses_without_down_part);
	tcase_add_test(tc, test_down_file_gone_uses_stored_sql);
	tcase_add_test(tc, test_down_file_gone_notx);
	tcase_add_test(tc, test_down_file_gone_statement_by_statement);
	tcase_add_test(tc, test_down_revert_failed_and_resume);
	tcase_add_test(tc, test_redo);
	tcase_add_test(tc, test_redo_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("modes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dry_run_up);
	tcase_add_test(tc, test_dry_run_down_and_notx);
	tcase_add_test(tc, test_single_transaction);
	tcase_add_test(tc, test_single_transaction_rolls_back_everything);
	tcase_add_test(tc, test_single_transaction_refusals);
	tcase_add_test(tc, test_lock_timeout);
	tcase_add_test(tc, test_lock_released_on_every_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("inspect");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_status_does_not_create_the_table);
	tcase_add_test(tc, test_status_entries);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_baseline);
	tcase_add_test(tc, test_baseline_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("repeatable");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_repeatable_up_and_again);
	tcase_add_test(tc, test_repeatable_failure_keeps_history);
	tcase_add_test(tc, test_repeatable_statement_by_statement);
	tcase_add_test(tc, test_repeatable_down_leaves_them);
	tcase_add_test(tc, test_repeatable_single_transaction);
	tcase_add_test(tc, test_repeatable_dry_run_and_target);
	tcase_add_test(tc, test_repeatable_status_and_validate);
	tcase_add_test(tc, test_repeatable_baseline);
	suite_add_tcase(s, tc);

	tc = tcase_create("c_migrations");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_c_migrations);
	tcase_add_test(tc, test_c_migration_refusing_runs_nothing);
	tcase_add_test(tc, test_c_migration_failure_points_at_source);
	tcase_add_test(tc, test_c_migration_bad_struct);
	suite_add_tcase(s, tc);
	return s;
}
