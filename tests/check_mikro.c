/* tests/check_mikro.c - MikroORM migration classes (src/mikro.c): what
 * is read (addSql literals, decoded as JavaScript decodes them), where
 * each statement is said to be, and what is refused with file:line. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "migration.h"
#include "suites.h"

static strata_migration *mikro(const char *text, int *rc, strata_error *err)
{
	strata_migration *m = strata_migration_new();
	ck_assert_ptr_nonnull(m);
	m->file = strdup("Migration20240702105919.ts");
	char *copy = malloc(strlen(text) + 1);
	ck_assert(m->file && copy);
	memcpy(copy, text, strlen(text) + 1);
	*rc = strata_format_parse_mikro(m, copy, strlen(text), m->file, err);
	return m;
}

/* Parses `text`, which must succeed; the caller frees. */
static strata_migration *ok(const char *text)
{
	strata_error err = { 0 };
	int rc;
	strata_migration *m = mikro(text, &rc, &err);
	ck_assert_msg(rc == 0, "rc %d: %s (line %d)", rc, err.message, err.line);
	return m;
}

static void refused(const char *text, int line, const char *needle)
{
	strata_error err = { 0 };
	int rc;
	strata_migration *m = mikro(text, &rc, &err);
	ck_assert_int_eq(rc, STRATA_EPARSE);
	ck_assert_str_eq(err.file, "Migration20240702105919.ts");
	ck_assert_msg(err.line == line, "line %d, not %d: %s", err.line, line, err.message);
	ck_assert_msg(strstr(err.message, needle), "message \"%s\" lacks \"%s\"",
	              err.message, needle);
	strata_migration_free(m);
}

/* What MikroORM 6.3+ generates: backtick literals, async methods. */
static const char generated[] =
	"import { Migration } from '@mikro-orm/migrations';\n"               /* 1 */
	"\n"
	"export class Migration20240702105919 extends Migration {\n"
	"\n"
	"  override async up(): Promise<void> {\n"                             /* 5 */
	"    this.addSql(`create table if not exists \"my_custom\" (\"id\" text not null, "
	"constraint \"my_custom_pkey\" primary key (\"id\"));`);\n"
	"    this.addSql(`create index if not exists \"IDX_x\" on \"my_custom\" (\"id\");`);\n"
	"  }\n"
	"\n"
	"  override async down(): Promise<void> {\n"                           /* 10 */
	"    this.addSql(`drop table if exists \"my_custom\" cascade;`);\n"
	"  }\n"
	"\n"
	"}\n";

START_TEST(test_mikro_generated)
{
	strata_migration *m = ok(generated);
	ck_assert(m->mikro && m->has_up && m->has_down);
	ck_assert_int_eq(m->up.no_transaction, 0);
	ck_assert_int_eq(m->down.no_transaction, 0);
	strata_error err = { 0 };
	ck_assert_int_eq(strata_migration_prepare(m, STRATA_DIALECT_POSTGRES, &err), 0);
	ck_assert_uint_eq(m->up.nstmts, 2);
	ck_assert_int_eq(m->up.stmts[0].line, 6);
	ck_assert_int_eq(m->up.stmts[1].line, 7);
	ck_assert(strncmp(m->up.stmts[1].sql, "create index if not exists \"IDX_x\"", 34) == 0);
	ck_assert_uint_eq(m->down.nstmts, 1);
	ck_assert_int_eq(m->down.stmts[0].line, 11);
	ck_assert_str_eq(m->down.text, "drop table if exists \"my_custom\" cascade;");
	strata_migration_free(m);
}
END_TEST

/* Older files: single quotes, '+' across lines, a trailing comma,
 * comments anywhere, the compiled CommonJS form. */
START_TEST(test_mikro_older_and_compiled)
{
	strata_migration *m = ok(
		"'use strict';\n"
		"Object.defineProperty(exports, '__esModule', { value: true });\n"
		"const migrations_1 = require('@mikro-orm/migrations');\n"
		"class Migration20240702105919 extends migrations_1.Migration {\n"
		"    async up() {\n"
		"        // this.execute('not this'): a comment\n"
		"        this.addSql('alter table \"t\" ' +\n"
		"            \"add column \\\"c\\\" int\" + /* why */ ' null',);\n"
		"    }\n"
		"    async down() { this.addSql('alter table \"t\" drop column \"c\"') }\n"
		"}\n"
		"exports.Migration20240702105919 = Migration20240702105919;\n");
	ck_assert_str_eq(m->up.text, "alter table \"t\" add column \"c\" int null;");
	ck_assert_int_eq(m->up.first_line, 7);
	ck_assert_str_eq(m->down.text, "alter table \"t\" drop column \"c\";");
	ck_assert_int_eq(m->down.first_line, 10);
	strata_migration_free(m);
}
END_TEST

/* Every escape JavaScript has, each decoded to its bytes. */
START_TEST(test_mikro_escapes)
{
	strata_migration *m = ok(
		"class Migration1 extends Migration {\n"
		"  up() {\n"
		"    this.addSql('a\\nb\\tc\\rd\\\\e\\'f\\\"g\\`h\\$i\\0j\\x41\\u00e9\\u{1F600}"
		"\\uD83D\\uDE00\\b\\f\\vk\\\n"
		"l\\qm');\n"
		"  }\n"
		"}\n");
	static const char want[] = "a\nb\tc\rd\\e'f\"g`h$i\0jA\xC3\xA9\xF0\x9F\x98\x80"
	                           "\xF0\x9F\x98\x80\b\f\vklqm;";
	ck_assert_uint_eq(m->up.len, sizeof(want) - 1);
	ck_assert(memcmp(m->up.text, want, sizeof(want) - 1) == 0);
	ck_assert(!m->has_down);
	strata_migration_free(m);

	/* a template keeps its newlines (CR LF read as LF) and $ without { */
	m = ok("class M {\r\n up() {\r\n  this.addSql(`select\r\n  '$1'`);\r\n }\r\n}\r\n");
	ck_assert_str_eq(m->up.text, "select\n  '$1';");
	ck_assert_int_eq(m->up.first_line, 3);
	strata_migration_free(m);
}
END_TEST

START_TEST(test_mikro_statement_ends)
{
	/* a literal ending in a -- comment still ends its statement */
	strata_migration *m = ok("class M { up() { this.addSql('select 1 -- one'); "
	                         "this.addSql('select 2;'); } }");
	strata_error err = { 0 };
	ck_assert_int_eq(strata_migration_prepare(m, STRATA_DIALECT_SQLITE, &err), 0);
	ck_assert_uint_eq(m->up.nstmts, 2);
	strata_migration_free(m);

	/* two statements in one literal are two statements */
	m = ok("class M { up() { this.addSql(`create table a (x int);\n"
	       "create table b (y int)`); } }");
	ck_assert_int_eq(strata_migration_prepare(m, STRATA_DIALECT_SQLITE, &err), 0);
	ck_assert_uint_eq(m->up.nstmts, 2);
	ck_assert_int_eq(m->up.stmts[1].line, 2);
	strata_migration_free(m);
}
END_TEST

START_TEST(test_mikro_transactional)
{
	strata_migration *m = ok("class M {\n isTransactional(): boolean { return false; }\n"
	                         " up() { this.addSql('create index concurrently i on t (x)'); }\n"
	                         " down() { this.addSql('drop index concurrently i'); }\n}\n");
	ck_assert_int_eq(m->up.no_transaction, 1);
	ck_assert_int_eq(m->down.no_transaction, 1);
	strata_migration_free(m);
	m = ok("class M { isTransactional() { return true } up() { this.addSql('select 1') } }");
	ck_assert_int_eq(m->up.no_transaction, 0);
	strata_migration_free(m);
	refused("class M {\n isTransactional() {\n  return process.env.TX === '1';\n }\n"
	        " up() { this.addSql('select 1') }\n}\n", 3, "found \"process\"");
}
END_TEST

/* Code, not SQL: refused at the line of what is not an addSql call. */
START_TEST(test_mikro_code_refused)
{
	refused("class M {\n  async up() {\n    this.addSql('select 1');\n"
	        "    await this.execute('select 2');\n  }\n}\n", 4, "found \"await\"");
	refused("class M {\n  up() {\n    this.execute('select 2');\n  }\n}\n", 3,
	        "found \"execute\"");
	refused("class M {\n  up() {\n    if (this.ctx) this.addSql('select 1');\n  }\n}\n", 3,
	        "found \"if\"");
	refused("class M {\n  up() {\n    this.addSql(sql);\n  }\n}\n", 3, "found \"sql\"");
	refused("class M {\n  up() {\n    this.addSql('a' + name);\n  }\n}\n", 3,
	        "found \"name\"");
	refused("class M {\n  up() { this.addSql('select 1'); }\n  down() {\n"
	        "    let q = 'drop';\n  }\n}\n", 4, "down() of a MikroORM migration does more");
	refused("class M {\n  up() {\n    const rows = await this.execute('select 1')\n"
	        "  }\n}\n", 3, "found \"await\"");
	refused("class M {\n  up() {\n    const a = 'x'\n    this.addSql(b)\n  }\n}\n", 4,
	        "found \"b\"");
	refused("class M {\n  up() {\n    this.addSql(`insert into t values (${id})`);\n"
	        "  }\n}\n", 3, "${...}");
	refused("class M {\n  up() {\n    this.addSql('a\\01');\n  }\n}\n", 3, "octal");
	refused("class M {\n  up() {\n    this.addSql('a\\uD800');\n  }\n}\n", 3,
	        "lone surrogate");
	refused("class M {\n  up() {\n    this.addSql('a\\x4');\n  }\n}\n", 3, "\\x escape");
	refused("class M {\n  up() {\n    this.addSql('a\n');\n  }\n}\n", 3,
	        "does not end on its line");
	refused("class M {\n  up() {\n    this.addSql('a');\n", 4, "ends inside a method");
	refused("class M {\n  down() { this.addSql('select 1'); }\n}\n", 1, "no up()");
	refused("class M {\n up() { }\n up() { }\n}\n", 3, "up() twice");
	refused("class M {\n /* no end\n up() { }\n}\n", 2, "comment that does not end");
}
END_TEST

/* Medusa's form: a string constant, then addSql of it (no semicolons);
 * a constant belongs to its method. */
START_TEST(test_mikro_consts)
{
	strata_migration *m = ok(
		"export class Migration20240604100512 extends Migration {\n"
		"  async up(): Promise<void> {\n"
		"    const sql = `\n"
		"    ALTER TABLE \"order\" ADD COLUMN if NOT exists \"x\" TEXT NULL;\n"
		"    `\n"
		"    const more: string = 'create index \"i\" on \"order\" (x)' + ' where x is not null'\n"
		"    this.addSql(sql)\n"
		"    this.addSql(more + ';');\n"
		"  }\n"
		"  async down() {\n"
		"    this.addSql(`alter table \"order\" drop column if exists \"x\";`)\n"
		"  }\n"
		"}\n");
	ck_assert_str_eq(m->up.text, "\n    ALTER TABLE \"order\" ADD COLUMN if NOT exists \"x\" TEXT NULL;\n"
	                 "    \ncreate index \"i\" on \"order\" (x) where x is not null;");
	ck_assert_int_eq(m->up.first_line, 3);
	strata_migration_free(m);
	refused("class M {\n  up() {\n    const sql = 'select 1'\n    this.addSql(sql)\n  }\n"
	        "  down() {\n    this.addSql(sql)\n  }\n}\n", 7, "found \"sql\"");
	m = ok("class M {\n  up() {\n    const sql = `\n    select 1;\n    select 2;\n    `\n"
	       "    const t = 'x'\n    this.addSql(sql)\n    this.addSql('select ' + t + ';')\n"
	       "  }\n}\n");
	ck_assert_str_eq(m->up.text, "\n    select 1;\n    select 2;\n    \n\n\nselect x;");
	strata_error err = { 0 };
	ck_assert_int_eq(strata_migration_prepare(m, STRATA_DIALECT_POSTGRES, &err), 0);
	ck_assert_uint_eq(m->up.nstmts, 3);
	ck_assert_int_eq(m->up.stmts[0].line, 4);
	ck_assert_int_eq(m->up.stmts[1].line, 5);
	ck_assert_int_eq(m->up.stmts[2].line, 9);
	strata_migration_free(m);
}
END_TEST

/* `up` as a property or someone else's method is not the migration's. */
START_TEST(test_mikro_other_ups)
{
	strata_migration *m = ok("const helper = { up() { return 1; } };\n"
	                         "class M extends Migration {\n"
	                         "  private up2 = this.up;\n"
	                         "  up() { this.addSql('select 1'); }\n"
	                         "}\n");
	ck_assert_str_eq(m->up.text, "select 1;");
	strata_migration_free(m);
}
END_TEST

Suite *mikro_suite(void)
{
	Suite *s = suite_create("mikro");
	TCase *tc = tcase_create("mikro");
	tcase_add_test(tc, test_mikro_generated);
	tcase_add_test(tc, test_mikro_older_and_compiled);
	tcase_add_test(tc, test_mikro_escapes);
	tcase_add_test(tc, test_mikro_statement_ends);
	tcase_add_test(tc, test_mikro_transactional);
	tcase_add_test(tc, test_mikro_code_refused);
	tcase_add_test(tc, test_mikro_consts);
	tcase_add_test(tc, test_mikro_other_ups);
	suite_add_tcase(s, tc);
	return s;
}
