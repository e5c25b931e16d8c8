/* tests/check_plan.c - the planner as a pure function: hand-built
 * migrations and history rows in, steps or a refusal out. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "migration.h"
#include "plan.h"
#include "repeatable.h"
#include "suites.h"

#define SUM_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SUM_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* --------------------------------------------------------------- fixture */

static strata_source *src;
static strata_history_row rows[32];
static size_t nrows;
static strata_history_view view;
static strata_step *steps;
static size_t nsteps;
static strata_error err;

static void setup(void)
{
	ck_assert_int_eq(strata_source_new(&src, NULL), 0);
	nrows = 0;
	memset(rows, 0, sizeof(rows));
	memset(&view, 0, sizeof(view));
	steps = NULL;
	nsteps = 0;
	strata_error_clear(&err);
}

static void teardown(void)
{
	free(steps);
	strata_history_view_release(&view);
	strata_source_free(src);
	src = NULL;
}

/* A migration as the source would hold it: SUM_A unless `sum` is given. */
static strata_migration *new_mig(const char *version, const char *sum,
                                 int has_down)
{
	strata_migration *m = strata_migration_new();
	ck_assert_ptr_nonnull(m);
	m->version = strdup(version);
	m->name = strdup("mig");
	snprintf(m->checksum, sizeof(m->checksum), "%s", sum ? sum : SUM_A);
	m->has_up = 1;
	m->up.text = strdup("create table t (id int);\n");
	m->up.len = strlen(m->up.text);
	m->has_down = has_down;
	if (has_down) {
		m->down.text = strdup("drop table t;\n");
		m->down.len = strlen(m->down.text);
	}
	return m;
}

static void add(const char *version)
{
	ck_assert_int_eq(strata_source_insert(src, new_mig(version, NULL, 1), &err), 0);
}

static strata_history_row *add_row(const char *version, strata_state state)
{
	ck_assert_uint_lt(nrows, sizeof(rows) / sizeof(rows[0]));
	strata_history_row *r = &rows[nrows++];
	r->version = (char *)version;
	r->name = (char *)"mig";
	r->checksum = (char *)SUM_A;
	r->state = state;
	r->statements_done = r->statements_total = 1;
	r->down_sql = (char *)"drop table t;\n";
	return r;
}

static void add_format_row(const char *number)
{
	strata_history_row *r = &rows[nrows++];
	r->version = (char *)STRATA_HISTORY_FORMAT_ROW;
	r->name = (char *)number;
	r->checksum = (char *)"";
	r->state = STRATA_STATE_PENDING;
}

static int plan(strata_direction dir, long count, const char *target, int ooo)
{
	strata_history_view_release(&view);
	ck_assert_int_eq(strata_history_view_build(&view, rows, nrows, &err), 0);
	free(steps);
	strata_plan_request req = { dir, count, target, ooo };
	strata_error_clear(&err);
	int rc = strata_plan_build(&steps, &nsteps, src, &view, &req, &err);
	if (rc) {
		ck_assert_int_eq(err.code, rc);
		ck_assert_ptr_null(steps);
		ck_assert_uint_eq(nsteps, 0);
	}
	return rc;
}

/* The versions of the steps, space separated, e.g. "1 2 10". */
static const char *step_versions(void)
{
	static char buf[512];
	buf[0] = '\0';
	for (size_t i = 0; i < nsteps; i++) {
		const char *v = steps[i].kind == STRATA_STEP_UP ? steps[i].m->version
		                                              : steps[i].row->version;
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		         i ? " " : "", v);
	}
	return buf;
}

static void assert_kinds(strata_step_kind kind)
{
	for (size_t i = 0; i < nsteps; i++) {
		ck_assert_int_eq(steps[i].kind, kind);
		if (kind == STRATA_STEP_UP) {
			ck_assert_ptr_nonnull(steps[i].m);
			ck_assert_ptr_null(steps[i].row);
		} else {
			ck_assert_ptr_nonnull(steps[i].row);
		}
	}
}

/* ------------------------------------------------------------ the source */

START_TEST(test_source_orders_numerically)
{
	add("10");
	add("9");
	add("100");
	add("1");
	ck_assert_uint_eq(strata_source_count(src), 4);
	ck_assert_str_eq(src->items[0]->version, "1");
	ck_assert_str_eq(src->items[1]->version, "9");
	ck_assert_str_eq(src->items[2]->version, "10");
	ck_assert_str_eq(src->items[3]->version, "100");
	ck_assert_ptr_eq(strata_source_find(src, "0009"), src->items[1]);
	ck_assert_ptr_null(strata_source_find(src, "11"));
}
END_TEST

START_TEST(test_source_duplicate_names_both)
{
	strata_migration *a = new_mig("42", NULL, 1);
	a->file = strdup("db/one/42_first.sql");
	ck_assert_int_eq(strata_source_insert(src, a, &err), 0);
	strata_migration *b = new_mig("000042", NULL, 1);
	b->file = strdup("db/two/000042_second.sql");
	/* takes ownership of b even though it refuses it */
	ck_assert_int_eq(strata_source_insert(src, b, &err), STRATA_EPLAN);
	ck_assert_int_eq(err.code, STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "db/one/42_first.sql"));
	ck_assert_ptr_nonnull(strstr(err.message, "db/two/000042_second.sql"));
	ck_assert_ptr_nonnull(strstr(err.message, "000042"));
	ck_assert_str_eq(err.version, "000042");
	ck_assert_uint_eq(strata_source_count(src), 1);
	ck_assert_str_eq(src->items[0]->file, "db/one/42_first.sql");
}
END_TEST

/* ------------------------------------------------------ the history view */

START_TEST(test_view_ignores_foreign_rows)
{
	add_row("3", STRATA_STATE_APPLIED);
	add_format_row("1");
	add_row("not-a-version", STRATA_STATE_FAILED);
	add_row("1", STRATA_STATE_APPLIED);
	add_row("v2", STRATA_STATE_RUNNING);
	add_row("", STRATA_STATE_FAILED);
	ck_assert_int_eq(strata_history_view_build(&view, rows, nrows, &err), 0);
	ck_assert_int_eq(view.format, 1);
	ck_assert_uint_eq(view.napplied, 2);
	ck_assert_str_eq(view.applied[0]->version, "1");
	ck_assert_str_eq(view.applied[1]->version, "3");
	ck_assert_ptr_null(view.dirty);
	ck_assert_uint_eq(view.ndirty, 0);
	ck_assert_ptr_eq(strata_history_view_find(&view, "0003"), &rows[0]);
	ck_assert_ptr_null(strata_history_view_find(&view, "2"));
	/* and the planner does not see them as dirty */
	add("1");
	add("3");
	add("4");
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "4");
}
END_TEST

START_TEST(test_view_empty)
{
	ck_assert_int_eq(strata_history_view_build(&view, NULL, 0, &err), 0);
	ck_assert_uint_eq(view.napplied, 0);
	ck_assert_int_eq(view.format, 0);
	ck_assert_ptr_null(strata_history_view_find(&view, "1"));
}
END_TEST

/* ------------------------------------------------------------------- up */

START_TEST(test_up_all)
{
	add("3");
	add("1");
	add("2");
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1 2 3");
	assert_kinds(STRATA_STEP_UP);
	ck_assert_ptr_eq(steps[0].m, src->items[0]);
}
END_TEST

START_TEST(test_up_only_pending)
{
	add("1");
	add("2");
	add("3");
	add_format_row("1");
	add_row("1", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "2 3");
}
END_TEST

START_TEST(test_up_count)
{
	add("1");
	add("2");
	add("3");
	ck_assert_int_eq(plan(STRATA_UP, 2, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1 2");
	ck_assert_int_eq(plan(STRATA_UP, 1, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1");
	ck_assert_int_eq(plan(STRATA_UP, 10, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1 2 3");
}
END_TEST

START_TEST(test_up_to_target_inclusive)
{
	add("1");
	add("2");
	add("3");
	add("10");
	ck_assert_int_eq(plan(STRATA_UP, 0, "2", 0), 0);
	ck_assert_str_eq(step_versions(), "1 2");
	ck_assert_int_eq(plan(STRATA_UP, 0, "0003", 0), 0);
	ck_assert_str_eq(step_versions(), "1 2 3");
	/* count and target together: whichever stops first */
	ck_assert_int_eq(plan(STRATA_UP, 1, "3", 0), 0);
	ck_assert_str_eq(step_versions(), "1");
}
END_TEST

START_TEST(test_up_target_already_applied)
{
	add("1");
	add("2");
	add_row("1", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, "1", 0), 0);
	ck_assert_uint_eq(nsteps, 0);
	/* applied, its file gone: nothing to do, not an unknown version */
	add_row("7", STRATA_STATE_APPLIED);
	add("8");
	ck_assert_int_eq(plan(STRATA_UP, 0, "7", 0), 0);
	ck_assert_uint_eq(nsteps, 0);
}
END_TEST

START_TEST(test_up_nothing_pending)
{
	add("1");
	add("2");
	add_row("1", STRATA_STATE_APPLIED);
	add_row("2", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
	ck_assert_ptr_null(steps);
}
END_TEST

START_TEST(test_up_nothing_at_all)
{
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
}
END_TEST

START_TEST(test_versions_numeric_order)
{
	add("10");
	add("9");
	add("1.2.10");
	add("1.2.9");
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1.2.9 1.2.10 9 10");
}
END_TEST

START_TEST(test_versions_leading_zeros_match_history)
{
	add("42");
	add("000043");
	add_row("000042", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "000043");
	add_row("43", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
	/* and down finds the file of "43" under "000043" */
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "43");
	ck_assert_ptr_eq(steps[0].m, strata_source_find(src, "43"));
	ck_assert_str_eq(steps[0].m->version, "000043");
}
END_TEST

START_TEST(test_up_history_order_is_numeric)
{
	/* rows come back ordered as text: "10" before "9" */
	add("9");
	add("10");
	add("11");
	add_row("10", STRATA_STATE_APPLIED);
	add_row("9", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "11");
}
END_TEST

/* ------------------------------------------------------------- refusals */

START_TEST(test_refuses_dirty_rows)
{
	static const strata_state dirty[] = {
		STRATA_STATE_RUNNING, STRATA_STATE_FAILED,
		STRATA_STATE_REVERTING, STRATA_STATE_REVERT_FAILED
	};
	add("1");
	add("2");
	add("3");
	add_row("1", STRATA_STATE_APPLIED);
	strata_history_row *r = add_row("2", STRATA_STATE_APPLIED);
	r->statements_done = 1;
	r->statements_total = 4;
	r->last_error = (char *)"syntax error near FOO";
	for (size_t i = 0; i < sizeof(dirty) / sizeof(dirty[0]); i++) {
		r->state = dirty[i];
		for (int dir = 0; dir < 2; dir++) {
			int rc = plan(dir ? STRATA_DOWN : STRATA_UP, 0, NULL, 0);
			ck_assert_msg(rc == STRATA_EDIRTY, "state %s: rc %d",
			              strata_state_name(dirty[i]), rc);
			ck_assert_ptr_nonnull(strstr(err.message, "strata repair"));
			ck_assert_ptr_nonnull(strstr(err.message, "2_mig"));
			ck_assert_ptr_nonnull(strstr(err.message, "statement 2 of 4"));
			ck_assert_ptr_nonnull(strstr(err.message, "syntax error near FOO"));
			ck_assert_str_eq(err.version, "2");
			ck_assert_int_eq(err.statement, 2);
		}
	}
	/* a target, even one that is fine, does not get around it */
	r->state = STRATA_STATE_FAILED;
	ck_assert_int_eq(plan(STRATA_UP, 0, "3", 0), STRATA_EDIRTY);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 1), STRATA_EDIRTY);
}
END_TEST

START_TEST(test_dirty_messages_differ_by_state)
{
	strata_history_row r = { 0 };
	r.version = (char *)"5";
	r.name = (char *)"";
	r.statements_done = 0;
	r.statements_total = 2;
	char seen[4][sizeof(err.message)];
	static const strata_state dirty[] = {
		STRATA_STATE_RUNNING, STRATA_STATE_FAILED,
		STRATA_STATE_REVERTING, STRATA_STATE_REVERT_FAILED
	};
	for (int i = 0; i < 4; i++) {
		r.state = dirty[i];
		strata_error_clear(&err);
		ck_assert_int_eq(strata_plan_dirty_error(&r, &err), STRATA_EDIRTY);
		ck_assert_int_eq(err.code, STRATA_EDIRTY);
		ck_assert_ptr_nonnull(strstr(err.message, "migration 5 "));
		ck_assert_ptr_nonnull(strstr(err.message, "statement 1 of 2"));
		ck_assert_ptr_nonnull(strstr(err.message, "--resume"));
		ck_assert_ptr_nonnull(strstr(err.message, "--mark-applied"));
		ck_assert_ptr_nonnull(strstr(err.message, "--forget"));
		memcpy(seen[i], err.message, sizeof(err.message));
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(seen[i], seen[j]);
	}
}
END_TEST

START_TEST(test_refuses_changed_checksum)
{
	ck_assert_int_eq(strata_source_insert(src, new_mig("1", NULL, 1), &err), 0);
	strata_migration *m = new_mig("20240702105919", SUM_B, 1);
	m->file = strdup("db/20240702105919_x.sql");
	ck_assert_int_eq(strata_source_insert(src, m, &err), 0);
	add("20240702105920");
	add_row("1", STRATA_STATE_APPLIED);
	add_row("20240702105919", STRATA_STATE_APPLIED); /* SUM_A */
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "20240702105919"));
	ck_assert_ptr_nonnull(strstr(err.message, "changed"));
	ck_assert_str_eq(err.version, "20240702105919");
	ck_assert_str_eq(err.file, "db/20240702105919_x.sql");
	/* down too */
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), STRATA_EPLAN);
	ck_assert_str_eq(err.version, "20240702105919");
}
END_TEST

START_TEST(test_unknown_checksum_is_not_a_change)
{
	add("1");
	add("2");
	strata_history_row *r = add_row("1", STRATA_STATE_APPLIED);
	r->checksum = (char *)"";
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "2");
	r->checksum = NULL;
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "2");
}
END_TEST

START_TEST(test_refuses_out_of_order)
{
	add("1");
	strata_migration *m = new_mig("2", NULL, 1);
	m->file = strdup("db/2_late.sql");
	ck_assert_int_eq(strata_source_insert(src, m, &err), 0);
	add("3");
	add("4");
	add_row("1", STRATA_STATE_APPLIED);
	add_row("3", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "2"));
	ck_assert_ptr_nonnull(strstr(err.message, "older than 3"));
	ck_assert_ptr_nonnull(strstr(err.message, "--allow-out-of-order"));
	ck_assert_str_eq(err.version, "2");
	ck_assert_str_eq(err.file, "db/2_late.sql");
	/* allowed: it goes first, then the newer ones */
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 1), 0);
	ck_assert_str_eq(step_versions(), "2 4");
	/* a target below the old pending one does not reach it */
	ck_assert_int_eq(plan(STRATA_UP, 0, "1", 0), 0);
	ck_assert_uint_eq(nsteps, 0);
}
END_TEST

START_TEST(test_refuses_unknown_target)
{
	add("1");
	add("2");
	add_row("1", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, "5", 0), STRATA_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.message, "5"));
	ck_assert_str_eq(err.version, "5");
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "5", 0), STRATA_ENOTFOUND);
	ck_assert_str_eq(err.version, "5");
}
END_TEST

START_TEST(test_refuses_invalid_target)
{
	static const char *const bad[] = { "abc", "1..2", "", "1.", ".1", "12a", "-1" };
	add("1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(plan(STRATA_UP, 0, bad[i], 0), STRATA_ENOTFOUND);
		ck_assert_ptr_nonnull(strstr(err.message, "not a version"));
		ck_assert_int_eq(plan(STRATA_DOWN, 0, bad[i], 0), STRATA_ENOTFOUND);
	}
}
END_TEST

START_TEST(test_refuses_newer_format)
{
	add("1");
	char newer[16], want[32];
	snprintf(newer, sizeof(newer), "%d", STRATA_HISTORY_FORMAT + 1);
	snprintf(want, sizeof(want), "format %d", STRATA_HISTORY_FORMAT + 1);
	add_format_row(newer);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, want));
	ck_assert_ptr_nonnull(strstr(err.message, "upgrade strata"));
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), STRATA_EPLAN);
	/* the current format is fine */
	rows[0].name = (char *)"1";
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1");
}
END_TEST

/* ----------------------------------------------------------------- down */

static void three_applied(void)
{
	add("1");
	add("2");
	add("3");
	add("4"); /* pending */
	add_format_row("1");
	add_row("3", STRATA_STATE_APPLIED);
	add_row("1", STRATA_STATE_APPLIED);
	add_row("2", STRATA_STATE_APPLIED);
}

START_TEST(test_down_default_one)
{
	three_applied();
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "3");
	assert_kinds(STRATA_STEP_DOWN);
	ck_assert_ptr_eq(steps[0].row, &rows[1]);
	ck_assert_ptr_eq(steps[0].m, strata_source_find(src, "3"));
}
END_TEST

START_TEST(test_down_count)
{
	three_applied();
	ck_assert_int_eq(plan(STRATA_DOWN, 2, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "3 2");
	assert_kinds(STRATA_STEP_DOWN);
	ck_assert_int_eq(plan(STRATA_DOWN, 99, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "3 2 1");
}
END_TEST

START_TEST(test_down_to_target_exclusive)
{
	three_applied();
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "1", 0), 0);
	ck_assert_str_eq(step_versions(), "3 2");
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "3", 0), 0);
	ck_assert_uint_eq(nsteps, 0);
	/* a pending version is a fine target too: nothing above it stays */
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "4", 0), 0);
	ck_assert_uint_eq(nsteps, 0);
	/* the target wins over the count */
	ck_assert_int_eq(plan(STRATA_DOWN, 1, "1", 0), 0);
	ck_assert_str_eq(step_versions(), "3 2");
}
END_TEST

START_TEST(test_down_to_zero_is_all)
{
	three_applied();
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "0", 0), 0);
	ck_assert_str_eq(step_versions(), "3 2 1");
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "000", 0), 0);
	ck_assert_str_eq(step_versions(), "3 2 1");
}
END_TEST

START_TEST(test_down_numeric_order)
{
	add("9");
	add("10");
	add("1.2.9");
	add("1.2.10");
	add_row("10", STRATA_STATE_APPLIED);
	add_row("1.2.10", STRATA_STATE_APPLIED);
	add_row("9", STRATA_STATE_APPLIED);
	add_row("1.2.9", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "0", 0), 0);
	ck_assert_str_eq(step_versions(), "10 9 1.2.10 1.2.9");
}
END_TEST

START_TEST(test_down_refuses_without_down_part)
{
	add("1");
	strata_migration *m = new_mig("2", NULL, 0);
	m->file = strdup("db/2_nodown.sql");
	ck_assert_int_eq(strata_source_insert(src, m, &err), 0);
	add_row("1", STRATA_STATE_APPLIED);
	add_row("2", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "2"));
	ck_assert_ptr_nonnull(strstr(err.message, "no down part"));
	ck_assert_str_eq(err.version, "2");
	ck_assert_str_eq(err.file, "db/2_nodown.sql");
	/* even if the history has down SQL: the file is what counts */
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "0", 0), STRATA_EPLAN);
}
END_TEST

START_TEST(test_down_file_gone_uses_stored_sql)
{
	add("1");
	add_row("1", STRATA_STATE_APPLIED);
	strata_history_row *r = add_row("2", STRATA_STATE_APPLIED);
	r->down_sql = (char *)"drop table gone;";
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 1);
	ck_assert_int_eq(steps[0].kind, STRATA_STEP_DOWN);
	ck_assert_ptr_null(steps[0].m);
	ck_assert_ptr_eq(steps[0].row, r);
	ck_assert_str_eq(steps[0].row->down_sql, "drop table gone;");
	/* and a file that is gone is not "changed" */
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
}
END_TEST

START_TEST(test_down_file_gone_without_sql)
{
	add("1");
	add_row("1", STRATA_STATE_APPLIED);
	strata_history_row *r = add_row("2", STRATA_STATE_APPLIED);
	r->down_sql = NULL;
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "file is gone"));
	ck_assert_str_eq(err.version, "2");
	ck_assert_str_eq(err.file, "");
	/* nothing is planned when any step is refused */
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "0", 0), STRATA_EPLAN);
}
END_TEST

/* ------------------------------------------------ repeatable migrations */

/* A repeatable migration R__<name>.sql with checksum `sum`. */
static strata_migration *add_rep(const char *name, const char *sum)
{
	strata_migration *m = strata_migration_new();
	ck_assert_ptr_nonnull(m);
	char key[64];
	snprintf(key, sizeof(key), "R__%s", name);
	m->version = strdup(key);
	m->name = strdup(name);
	snprintf(m->checksum, sizeof(m->checksum), "%s", sum);
	m->has_up = 1;
	m->plain = 1;
	m->repeatable = 1;
	m->up.text = strdup("create or replace view v as select 1;\n");
	m->up.len = strlen(m->up.text);
	ck_assert_int_eq(strata_source_insert_repeatable(src, m, &err), 0);
	return m;
}

/* Its row, applied with checksum `sum`. */
static strata_history_row *add_rep_row(const char *key, const char *sum,
                                       strata_state state)
{
	strata_history_row *r = add_row(key, state);
	r->name = (char *)key + 3;
	r->checksum = (char *)sum;
	r->down_sql = NULL;
	return r;
}

/* Whether every step from `from` on is a repeatable migration's up. */
static void assert_repeatable_from(size_t from)
{
	for (size_t i = 0; i < nsteps; i++) {
		ck_assert_int_eq(steps[i].kind == STRATA_STEP_UP ? steps[i].m->repeatable : 0,
		                 i >= from);
	}
}

/* All versioned migrations first, then the repeatable ones in Flyway's
 * order (by description, '_' a space, upper case first). */
START_TEST(test_rep_after_versioned)
{
	add_rep("views", SUM_A);
	add("2");
	add_rep("Funcs", SUM_A);
	add("1");
	add_rep("a_b", SUM_A);
	add_rep("a-b", SUM_A);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1 2 R__Funcs R__a_b R__a-b R__views");
	assert_repeatable_from(2);
	for (size_t i = 0; i < nsteps; i++)
		ck_assert_ptr_null(steps[i].row); /* none applied yet: inserts */
}
END_TEST

START_TEST(test_rep_unchanged_nothing_to_do)
{
	add("1");
	add("2");
	add_rep("views", SUM_A);
	add_rep("funcs", SUM_B);
	add_row("1", STRATA_STATE_APPLIED);
	add_row("2", STRATA_STATE_APPLIED);
	add_rep_row("R__views", SUM_A, STRATA_STATE_APPLIED);
	add_rep_row("R__funcs", SUM_B, STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
	/* a row without a checksum (mark-applied, file gone) is no change */
	rows[3].checksum = (char *)"";
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
}
END_TEST

/* A changed repeatable migration is planned again, carrying the row it
 * updates; the planner does not refuse it as a changed file. */
START_TEST(test_rep_changed_applied_again)
{
	add("1");
	add_rep("views", SUM_B);
	add_rep("funcs", SUM_A);
	add_row("1", STRATA_STATE_APPLIED);
	strata_history_row *views = add_rep_row("R__views", SUM_A, STRATA_STATE_APPLIED);
	add_rep_row("R__funcs", SUM_A, STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "R__views");
	ck_assert_int_eq(steps[0].kind, STRATA_STEP_UP);
	ck_assert_ptr_eq(steps[0].row, views);
	ck_assert_str_eq(steps[0].m->checksum, SUM_B);
	/* with a pending versioned migration: that one first */
	add("2");
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "2 R__views");
	ck_assert_ptr_null(steps[0].row);
	ck_assert_ptr_eq(steps[1].row, views);
}
END_TEST

/* A count or a target limits the versioned migrations; the repeatable
 * ones still end the run, as with Flyway's target. */
START_TEST(test_rep_count_and_target)
{
	add("1");
	add("2");
	add("3");
	add_rep("views", SUM_A);
	ck_assert_int_eq(plan(STRATA_UP, 1, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1 R__views");
	ck_assert_int_eq(plan(STRATA_UP, 2, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "1 2 R__views");
	ck_assert_int_eq(plan(STRATA_UP, 0, "2", 0), 0);
	ck_assert_str_eq(step_versions(), "1 2 R__views");
	/* a target already applied, its file gone: only the repeatable */
	add_row("7", STRATA_STATE_APPLIED);
	add_row("1", STRATA_STATE_APPLIED);
	add_row("2", STRATA_STATE_APPLIED);
	add_row("3", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, "7", 0), 0);
	ck_assert_str_eq(step_versions(), "R__views");
	/* an unknown target plans nothing at all */
	ck_assert_int_eq(plan(STRATA_UP, 0, "8", 0), STRATA_ENOTFOUND);
	/* a repeatable migration's key is no target */
	ck_assert_int_eq(plan(STRATA_UP, 0, "R__views", 0), STRATA_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.message, "is not a version"));
}
END_TEST

/* Out of order: the refusal plans nothing; allowed, the repeatable
 * migrations come after the old versioned one. */
START_TEST(test_rep_out_of_order)
{
	add("1");
	add("2");
	add("3");
	add_rep("views", SUM_B);
	add_row("1", STRATA_STATE_APPLIED);
	add_row("3", STRATA_STATE_APPLIED);
	add_rep_row("R__views", SUM_A, STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), STRATA_EPLAN);
	ck_assert_str_eq(err.version, "2");
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 1), 0);
	ck_assert_str_eq(step_versions(), "2 R__views");
	/* the newest applied version is 3, not the repeatable's key */
	ck_assert_uint_eq(view.napplied, 2);
	ck_assert_str_eq(view.applied[1]->version, "3");
}
END_TEST

/* A down reverts versioned migrations only and leaves the repeatable
 * rows (Flyway has no undo for them). */
START_TEST(test_rep_down_leaves_them)
{
	add("1");
	add("2");
	add_rep("views", SUM_A);
	add_row("1", STRATA_STATE_APPLIED);
	add_rep_row("R__views", SUM_A, STRATA_STATE_APPLIED);
	add_row("2", STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "2");
	ck_assert_int_eq(plan(STRATA_DOWN, 5, NULL, 0), 0);
	ck_assert_str_eq(step_versions(), "2 1");
	ck_assert_int_eq(plan(STRATA_DOWN, 0, "0", 0), 0);
	ck_assert_str_eq(step_versions(), "2 1");
	assert_kinds(STRATA_STEP_DOWN);
	/* with only the repeatable row left, there is nothing to revert */
	nrows = 0;
	add_rep_row("R__views", SUM_A, STRATA_STATE_APPLIED);
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
}
END_TEST

/* A repeatable migration left failed or running blocks every plan, like
 * a versioned one, and the message names it by its key. */
START_TEST(test_rep_dirty_refuses)
{
	add("1");
	add_rep("views", SUM_B);
	add_row("1", STRATA_STATE_APPLIED);
	strata_history_row *r = add_rep_row("R__views", SUM_B, STRATA_STATE_FAILED);
	r->statements_done = 0;
	r->last_error = (char *)"no such table";
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), STRATA_EDIRTY);
	ck_assert_ptr_nonnull(strstr(err.message, "migration R__views failed at statement 1"));
	ck_assert_ptr_null(strstr(err.message, "R__views_views"));
	ck_assert_ptr_nonnull(strstr(err.message, "'strata repair --resume R__views'"));
	ck_assert_str_eq(err.version, "R__views");
	ck_assert_int_eq(plan(STRATA_DOWN, 0, NULL, 0), STRATA_EDIRTY);
	ck_assert_uint_eq(view.ndirty, 1);
	ck_assert_uint_eq(view.nrepeatable, 0);
}
END_TEST

/* The view keeps applied repeatable rows apart, in Flyway's order, found
 * by their exact key. */
START_TEST(test_rep_view)
{
	add_rep_row("R__views", SUM_A, STRATA_STATE_APPLIED);
	add_row("2", STRATA_STATE_APPLIED);
	add_rep_row("R__a-b", SUM_A, STRATA_STATE_APPLIED);
	add_format_row("2");
	add_rep_row("R__a_b", SUM_A, STRATA_STATE_APPLIED);
	add_rep_row("R__B", SUM_A, STRATA_STATE_APPLIED);
	ck_assert_int_eq(strata_history_view_build(&view, rows, nrows, &err), 0);
	ck_assert_uint_eq(view.napplied, 1);
	ck_assert_str_eq(view.applied[0]->version, "2");
	ck_assert_uint_eq(view.nrepeatable, 4);
	ck_assert_str_eq(view.repeatable[0]->version, "R__B");
	ck_assert_str_eq(view.repeatable[1]->version, "R__a_b");
	ck_assert_str_eq(view.repeatable[2]->version, "R__a-b");
	ck_assert_str_eq(view.repeatable[3]->version, "R__views");
	ck_assert_ptr_eq(strata_history_view_find_repeatable(&view, "R__a-b"), &rows[2]);
	ck_assert_ptr_eq(strata_history_view_find_repeatable(&view, "R__views"), &rows[0]);
	ck_assert_ptr_null(strata_history_view_find_repeatable(&view, "R__a b"));
	ck_assert_ptr_null(strata_history_view_find_repeatable(&view, "R__b"));
	ck_assert_ptr_null(strata_history_view_find_repeatable(&view, "2"));
	ck_assert_ptr_null(strata_history_view_find(&view, "R__views"));
	ck_assert_int_eq(view.format, 2);
	ck_assert_uint_eq(view.ndirty, 0);
	/* a row whose file is gone is neither planned nor refused */
	add("2");
	ck_assert_int_eq(plan(STRATA_UP, 0, NULL, 0), 0);
	ck_assert_uint_eq(nsteps, 0);
}
END_TEST

Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("source");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_source_orders_numerically);
	tcase_add_test(tc, test_source_duplicate_names_both);
	tcase_add_test(tc, test_view_ignores_foreign_rows);
	tcase_add_test(tc, test_view_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("up");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_up_all);
	tcase_add_test(tc, test_up_only_pending);
	tcase_add_test(tc, test_up_count);
	tcase_add_test(tc, test_up_to_target_inclusive);
	tcase_add_test(tc, test_up_target_already_applied);
	tcase_add_test(tc, test_up_nothing_pending);
	tcase_add_test(tc, test_up_nothing_at_all);
	tcase_add_test(tc, test_versions_numeric_order);
	tcase_add_test(tc, test_versions_leading_zeros_match_history);
	tcase_add_test(tc, test_up_history_order_is_numeric);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_refuses_dirty_rows);
	tcase_add_test(tc, test_dirty_messages_differ_by_state);
	tcase_add_test(tc, test_refuses_changed_checksum);
	tcase_add_test(tc, test_unknown_checksum_is_not_a_change);
	tcase_add_test(tc, test_refuses_out_of_order);
	tcase_add_test(tc, test_refuses_unknown_target);
	tcase_add_test(tc, test_refuses_invalid_target);
	tcase_add_test(tc, test_refuses_newer_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("down");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_down_default_one);
	tcase_add_test(tc, test_down_count);
	tcase_add_test(tc, test_down_to_target_exclusive);
	tcase_add_test(tc, test_down_to_zero_is_all);
	tcase_add_test(tc, test_down_numeric_order);
	tcase_add_test(tc, test_down_refuses_without_down_part);
	tcase_add_test(tc, test_down_file_gone_uses_stored_sql);
	tcase_add_test(tc, test_down_file_gone_without_sql);
	suite_add_tcase(s, tc);

	tc = tcase_create("repeatable");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rep_after_versioned);
	tcase_add_test(tc, test_rep_unchanged_nothing_to_do);
	tcase_add_test(tc, test_rep_changed_applied_again);
	tcase_add_test(tc, test_rep_count_and_target);
	tcase_add_test(tc, test_rep_out_of_order);
	tcase_add_test(tc, test_rep_down_leaves_them);
	tcase_add_test(tc, test_rep_dirty_refuses);
	tcase_add_test(tc, test_rep_view);
	suite_add_tcase(s, tc);
	return s;
}
