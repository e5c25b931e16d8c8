/* tests/check_takeover.c - what other tools' history tables say was
 * applied (src/takeover.c), from cells as read_table gives them: no
 * server needed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migration.h"
#include "suites.h"
#include "takeover.h"

/* A source of migrations with these versions ("1", "2", ...); names
 * starting with "Migration" are MikroORM classes. */
static strata_source *source(const char *const *versions, size_t n)
{
	strata_source *src;
	strata_error err = { 0 };
	ck_assert_int_eq(strata_source_new(&src, &err), 0);
	for (size_t i = 0; i < n; i++) {
		strata_migration *m = strata_migration_new();
		ck_assert_ptr_nonnull(m);
		const char *v = versions[i];
		int mikro = strncmp(v, "Migration", 9) == 0;
		m->version = strdup(mikro ? v + 9 : v);
		m->name = strdup(mikro ? v : "x");
		m->mikro = mikro;
		ck_assert(m->version && m->name);
		ck_assert_int_eq(strata_source_insert(src, m, &err), 0);
	}
	return src;
}

/* Plans tool `t` over `cells`; returns the code, the versions taken in
 * `got` ("1,2"), the message in `msg`. */
static int plan(strata_tool t, const strata_source *src, char *const *cells,
                size_t nrows, char *got, size_t size, strata_error *err,
                strata_takeover *out)
{
	memset(err, 0, sizeof(*err));
	int rc = strata_takeover_plan(t, NULL, cells, nrows, src, out, err);
	got[0] = '\0';
	for (size_t i = 0; i < out->n; i++) {
		size_t k = strlen(got);
		snprintf(got + k, size - k, "%s%s", k ? "," : "", out->items[i].m->version);
	}
	return rc;
}

#define EXPECT_PLAN(tool, src, cells, nrows, want)                              \
	do {                                                                    \
		strata_error e_;                                                \
		strata_takeover o_;                                             \
		char got_[256];                                                 \
		int rc_ = plan(tool, src, cells, nrows, got_, sizeof(got_), &e_, &o_); \
		ck_assert_msg(rc_ == 0, "rc %d: %s", rc_, e_.message);          \
		ck_assert_str_eq(got_, want);                                   \
		strata_takeover_release(&o_);                                   \
	} while (0)

#define EXPECT_REFUSED(tool, src, cells, nrows, code, needle)                   \
	do {                                                                    \
		strata_error e_;                                                \
		strata_takeover o_;                                             \
		char got_[256];                                                 \
		int rc_ = plan(tool, src, cells, nrows, got_, sizeof(got_), &e_, &o_); \
		ck_assert_int_eq(rc_, code);                                    \
		ck_assert_msg(strstr(e_.message, needle), "message \"%s\" lacks \"%s\"", \
		              e_.message, needle);                              \
		strata_takeover_release(&o_);                                   \
	} while (0)

START_TEST(test_tool_names)
{
	ck_assert_int_eq(strata_tool_find("dbmate"), STRATA_TOOL_DBMATE);
	ck_assert_int_eq(strata_tool_find("golang-migrate"), STRATA_TOOL_GOLANG_MIGRATE);
	ck_assert_int_eq(strata_tool_find("migrate"), STRATA_TOOL_GOLANG_MIGRATE);
	ck_assert_int_eq(strata_tool_find("Flyway"), STRATA_TOOL_FLYWAY);
	ck_assert_int_eq(strata_tool_find("mikro-orm"), STRATA_TOOL_MIKRO_ORM);
	ck_assert_int_eq(strata_tool_find("liquibase"), -1);
	ck_assert_str_eq(strata_tool_get(STRATA_TOOL_GOOSE)->table, "goose_db_version");
}
END_TEST

START_TEST(test_dbmate)
{
	static const char *const vs[] = { "20240101000000", "20240102000000", "20240103000000" };
	strata_source *src = source(vs, 3);
	char *rows[] = { "20240103000000", "20240101000000" };
	EXPECT_PLAN(STRATA_TOOL_DBMATE, src, rows, 2, "20240101000000,20240103000000");
	/* 20240102000000 was never applied by dbmate: it stays pending */
	strata_error e;
	strata_takeover o;
	char got[256];
	ck_assert_int_eq(plan(STRATA_TOOL_DBMATE, src, rows, 2, got, sizeof(got), &e, &o), 0);
	ck_assert_uint_eq(o.older_pending, 1);
	ck_assert_str_eq(o.first_older, "20240102000000");
	ck_assert_ptr_null(o.items[0].applied_at);
	strata_takeover_release(&o);
	char *gone[] = { "20240101000000", "20231231000000" };
	EXPECT_REFUSED(STRATA_TOOL_DBMATE, src, gone, 2, STRATA_EPLAN,
	               "records version 20231231000000 as applied, but no migration file");
	char *odd[] = { "v1" };
	EXPECT_REFUSED(STRATA_TOOL_DBMATE, src, odd, 1, STRATA_EPLAN, "\"v1\", which dbmate never writes");
	EXPECT_PLAN(STRATA_TOOL_DBMATE, src, rows, 0, "");
	strata_source_free(src);
}
END_TEST

START_TEST(test_golang_migrate)
{
	static const char *const vs[] = { "1", "2", "3" };
	strata_source *src = source(vs, 3);
	char *clean[] = { "2", "false" };
	EXPECT_PLAN(STRATA_TOOL_GOLANG_MIGRATE, src, clean, 1, "1,2");
	char *clean_pg[] = { "2", "f" };
	EXPECT_PLAN(STRATA_TOOL_GOLANG_MIGRATE, src, clean_pg, 1, "1,2");
	char *dirty[] = { "2", "1" };
	EXPECT_REFUSED(STRATA_TOOL_GOLANG_MIGRATE, src, dirty, 1, STRATA_EDIRTY,
	               "says version 2 is dirty");
	char *none[] = { "-1", "false" };
	EXPECT_PLAN(STRATA_TOOL_GOLANG_MIGRATE, src, none, 1, "");
	char *gone[] = { "4", "false" };
	EXPECT_REFUSED(STRATA_TOOL_GOLANG_MIGRATE, src, gone, 1, STRATA_EPLAN,
	               "records version 4 as applied, but no migration file");
	char *two[] = { "1", "false", "2", "false" };
	EXPECT_REFUSED(STRATA_TOOL_GOLANG_MIGRATE, src, two, 2, STRATA_EPLAN, "keeps one");
	char *maybe[] = { "2", "maybe" };
	EXPECT_REFUSED(STRATA_TOOL_GOLANG_MIGRATE, src, maybe, 1, STRATA_EPLAN, "dirty flag");
	/* "0002" in the file name is version 2 */
	static const char *const padded[] = { "0001", "0002", "0003" };
	strata_source *p = source(padded, 3);
	EXPECT_PLAN(STRATA_TOOL_GOLANG_MIGRATE, p, clean, 1, "0001,0002");
	strata_source_free(p);
	strata_source_free(src);
}
END_TEST

START_TEST(test_goose)
{
	static const char *const vs[] = { "00001", "00002", "00003" };
	strata_source *src = source(vs, 3);
	/* id, version_id, is_applied, tstamp; rows out of id order */
	char *rows[] = {
		"3", "2", "true", "2024-01-03T00:00:00.000Z",
		"1", "0", "true", "2024-01-01T00:00:00.000Z",
		"2", "1", "true", "2024-01-02T00:00:00.000Z",
		"5", "3", "true", "2024-01-05T00:00:00.000Z",
		"4", "2", "false", "2024-01-04T00:00:00.000Z",
	};
	strata_error e;
	strata_takeover o;
	char got[256];
	ck_assert_int_eq(plan(STRATA_TOOL_GOOSE, src, rows, 5, got, sizeof(got), &e, &o), 0);
	ck_assert_str_eq(got, "00001,00003");
	ck_assert_str_eq(o.items[0].applied_at, "2024-01-02T00:00:00.000Z");
	ck_assert_str_eq(o.items[1].applied_at, "2024-01-05T00:00:00.000Z");
	ck_assert_uint_eq(o.older_pending, 1);
	strata_takeover_release(&o);
	char *gone[] = { "1", "0", "true", NULL, "2", "9", "1", NULL };
	EXPECT_REFUSED(STRATA_TOOL_GOOSE, src, gone, 2, STRATA_EPLAN, "version 9 as applied");
	char *bad_id[] = { "x", "1", "true", NULL };
	EXPECT_REFUSED(STRATA_TOOL_GOOSE, src, bad_id, 1, STRATA_EPLAN, "\"x\"");
	strata_source_free(src);
}
END_TEST

START_TEST(test_flyway)
{
	static const char *const vs[] = { "1", "1.1", "2", "3" };
	strata_source *src = source(vs, 4);
	/* installed_rank, version, description, type, script, success, installed_on */
	char *rows[] = {
		"1", NULL, "<< Flyway Schema Creation >>", "SCHEMA", "\"public\"", "true", "t0",
		"2", "1", "init", "SQL", "V1__init.sql", "true", "t1",
		"3", NULL, "views", "SQL", "R__views.sql", "true", "t2",
		"5", NULL, "views", "SQL", "R__views.sql", "true", "t4",
		"4", "1.1", "more", "SQL", "V1_1__more.sql", "true", "t3",
	};
	strata_error e;
	strata_takeover o;
	char got[256];
	ck_assert_int_eq(plan(STRATA_TOOL_FLYWAY, src, rows, 5, got, sizeof(got), &e, &o), 0);
	ck_assert_str_eq(got, "1,1.1");
	ck_assert_uint_eq(o.skipped_repeatable, 1);
	ck_assert_str_eq(o.items[1].applied_at, "t3");
	strata_takeover_release(&o);

	char *failed[] = {
		"1", "1", "init", "SQL", "V1__init.sql", "true", "t1",
		"2", "2", "next", "SQL", "V2__next.sql", "0", "t2",
	};
	EXPECT_REFUSED(STRATA_TOOL_FLYWAY, src, failed, 2, STRATA_EDIRTY,
	               "has a failed row (rank 2, version 2)");

	/* a baseline at 2 stands for 1, 1.1 and 2; 3 applied, then undone */
	char *based[] = {
		"1", "2", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", "true", "tb",
		"2", "3", "x", "SQL", "V3__x.sql", "true", "t3",
		"3", "3", "x", "UNDO_SQL", "U3__x.sql", "true", "t4",
	};
	ck_assert_int_eq(plan(STRATA_TOOL_FLYWAY, src, based, 3, got, sizeof(got), &e, &o), 0);
	ck_assert_str_eq(got, "1,1.1,2");
	ck_assert_str_eq(o.items[0].applied_at, "tb");
	strata_takeover_release(&o);

	char *java[] = { "1", "4", "java", "JDBC", "db.migration.V4__java", "true", "t1" };
	EXPECT_REFUSED(STRATA_TOOL_FLYWAY, src, java, 1, STRATA_EPLAN,
	               "version 4 (JDBC db.migration.V4__java) as applied, but no migration file");
	/* a deleted (repaired away) version is not applied */
	char *deleted[] = {
		"1", "4", "java", "JDBC", "db.migration.V4__java", "true", "t1",
		"2", "4", "java", "DELETE", "db.migration.V4__java", "true", "t2",
	};
	EXPECT_PLAN(STRATA_TOOL_FLYWAY, src, deleted, 2, "");
	strata_source_free(src);
}
END_TEST

START_TEST(test_mikro_orm)
{
	static const char *const vs[] = { "Migration20240101000000", "Migration20240102000000",
	                                  "20240103000000" };
	strata_source *src = source(vs, 3);
	char *rows[] = {
		"Migration20240102000000", "2024-07-02T10:59:19.000Z",
		"Migration20240101000000.ts", NULL,
		/* a class turned into an SQL file: found by its version */
		"Migration20240103000000", "x",
	};
	EXPECT_PLAN(STRATA_TOOL_MIKRO_ORM, src, rows, 3,
	            "20240101000000,20240102000000,20240103000000");
	char *gone[] = { "Migration20991231000000_late.js", NULL };
	EXPECT_REFUSED(STRATA_TOOL_MIKRO_ORM, src, gone, 1, STRATA_EPLAN,
	               "records Migration20991231000000_late.js as applied");
	char *empty[] = { "", NULL };
	EXPECT_REFUSED(STRATA_TOOL_MIKRO_ORM, src, empty, 1, STRATA_EPLAN, "the name");
	strata_source_free(src);
}
END_TEST

Suite *takeover_suite(void)
{
	Suite *s = suite_create("takeover");
	TCase *tc = tcase_create("takeover");
	tcase_add_test(tc, test_tool_names);
	tcase_add_test(tc, test_dbmate);
	tcase_add_test(tc, test_golang_migrate);
	tcase_add_test(tc, test_goose);
	tcase_add_test(tc, test_flyway);
	tcase_add_test(tc, test_mikro_orm);
	suite_add_tcase(s, tc);
	return s;
}
