/* tests/check_format.c - file names, the native file format and
 * directory discovery (native files and golang-migrate pairs). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "migration.h"
#include "repeatable.h"
#include "suites.h"

/* ------------------------------------------------------------ names */

static strata_file_name classify(const char *name, char *scratch)
{
	strata_file_name fn;
	strata_format_classify(&fn, name, scratch);
	return fn;
}

START_TEST(test_classify)
{
	char s[256];
	strata_file_name fn = classify("20240702105919_create_my_custom.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_NATIVE);
	ck_assert_str_eq(fn.version, "20240702105919");
	ck_assert_str_eq(fn.name, "create_my_custom");

	fn = classify("Migration20240702105919.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_NATIVE);
	ck_assert_str_eq(fn.version, "20240702105919");
	ck_assert_str_eq(fn.name, "");

	fn = classify("000001_init.up.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_UP);
	ck_assert_str_eq(fn.version, "000001");
	ck_assert_str_eq(fn.name, "init");

	fn = classify("000001_init.down.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_DOWN);

	fn = classify("1.2.10_feature.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_NATIVE);
	ck_assert_str_eq(fn.version, "1.2.10");

	fn = classify("42.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_NATIVE);
	ck_assert_str_eq(fn.name, "");

	ck_assert_int_eq(classify("README.md", s).kind, STRATA_FILE_IGNORED);
	ck_assert_int_eq(classify(".hidden.sql", s).kind, STRATA_FILE_IGNORED);
	ck_assert_int_eq(classify("notes.txt", s).kind, STRATA_FILE_IGNORED);
	ck_assert_int_eq(classify("abc.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("v1_x.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("1_.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("1-x.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("MigrationX.sql", s).kind, STRATA_FILE_BAD);
}
END_TEST

/* Flyway's V/U names and authelia's V0001.Name.up.sql pairs. */
START_TEST(test_classify_other_tools)
{
	char s[256];
	strata_file_name fn = classify("V1__Create_person_table.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_UP);
	ck_assert_str_eq(fn.version, "1");
	ck_assert_str_eq(fn.name, "Create_person_table");

	fn = classify("V2_1_10__add.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_UP);
	ck_assert_str_eq(fn.version, "2.1.10");
	ck_assert_str_eq(fn.name, "add");

	fn = classify("V1.2__x.sql", s);
	ck_assert_str_eq(fn.version, "1.2");

	fn = classify("U2_1_10__add.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_DOWN);
	ck_assert_str_eq(fn.version, "2.1.10");
	ck_assert_str_eq(fn.name, "add");

	fn = classify("V0001.Initial_Schema.up.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_UP);
	ck_assert_str_eq(fn.version, "0001");
	ck_assert_str_eq(fn.name, "Initial_Schema");

	fn = classify("V1.2.3.Name.down.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_DOWN);
	ck_assert_str_eq(fn.version, "1.2.3");
	ck_assert_str_eq(fn.name, "Name");

	ck_assert_int_eq(classify("V__x.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("V1__.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("V1_x.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("V1x__y.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("U1.x.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("V1__x.up.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("V1..x.up.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("V1.up.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("v1__x.sql", s).kind, STRATA_FILE_BAD);
}
END_TEST

/* pop's dialect and .autocommit parts, MikroORM's classes, diesel's
 * folders, and names that look like migrations but cannot be run. */
START_TEST(test_classify_layouts)
{
	char s[512];
	strata_file_name fn = classify("20190101000000_users.postgres.up.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_UP);
	ck_assert_str_eq(fn.version, "20190101000000");
	ck_assert_str_eq(fn.name, "users");
	ck_assert_str_eq(fn.dialect, "postgres");
	ck_assert_int_eq(fn.autocommit, 0);
	fn = classify("1_users.pg.autocommit.down.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_PAIR_DOWN);
	ck_assert_str_eq(fn.dialect, "postgres");
	ck_assert_int_eq(fn.autocommit, 1);
	ck_assert_str_eq(fn.name, "users");
	fn = classify("1_users.autocommit.up.sql", s);
	ck_assert_ptr_null(fn.dialect);
	ck_assert_int_eq(fn.autocommit, 1);
	ck_assert_str_eq(classify("1_x.sqlite3.up.sql", s).dialect, "sqlite");
	ck_assert_str_eq(classify("1_x.sqlite.up.sql", s).dialect, "sqlite");
	ck_assert_str_eq(classify("1_x.mysql.up.sql", s).dialect, "mysql");
	ck_assert_str_eq(classify("1_x.crdb.up.sql", s).dialect, "cockroach");
	/* a last part pop does not know stays in the name (golang-migrate) */
	fn = classify("1_init.schema.up.sql", s);
	ck_assert_ptr_null(fn.dialect);
	ck_assert_str_eq(fn.name, "init.schema");
	fn = classify("12345678901234567890_big.up.sql", s);
	ck_assert_str_eq(fn.version, "12345678901234567890");

	fn = classify("Migration20240702105919.ts", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_MIKRO);
	ck_assert_str_eq(fn.version, "20240702105919");
	ck_assert_str_eq(fn.name, "Migration20240702105919");
	fn = classify("Migration20240702105919_add_users.js", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_MIKRO);
	ck_assert_str_eq(fn.version, "20240702105919");
	ck_assert_str_eq(fn.name, "Migration20240702105919_add_users");
	ck_assert_int_eq(classify("Migration20240702105919.d.ts", s).kind, STRATA_FILE_IGNORED);
	ck_assert_int_eq(classify("Migration20240702105919.js.map", s).kind, STRATA_FILE_IGNORED);
	ck_assert_int_eq(classify("Migration20240702105919x.ts", s).kind, STRATA_FILE_BAD);
	/* Medusa names some classes after what they do: a timestamp after
	 * the letters makes them MikroORM's too */
	fn = classify("InitialSetup20240221144943.ts", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_MIKRO);
	ck_assert_str_eq(fn.version, "20240221144943");
	ck_assert_str_eq(fn.name, "InitialSetup20240221144943");
	ck_assert_int_eq(classify("Migration1.js", s).kind, STRATA_FILE_MIKRO);
	ck_assert_int_eq(classify("utils2.ts", s).kind, STRATA_FILE_IGNORED);
	ck_assert_int_eq(classify("Seed1234567.ts", s).kind, STRATA_FILE_IGNORED);
	ck_assert_int_eq(classify("Seed12345678x.ts", s).kind, STRATA_FILE_BAD);

	const char *bad_names[] = { "00002_seed.go", "1_x.up.fizz", "V4__x.txt", "R__x.yml",
	                            "20240101_x.ts", "4_x", "00001_X.SQL", "Migration1.py", NULL };
	for (int i = 0; bad_names[i]; i++) {
		fn = classify(bad_names[i], s);
		ck_assert_msg(fn.kind == STRATA_FILE_BAD && fn.why, "%s", bad_names[i]);
	}
	ck_assert(strstr(classify("00002_seed.go", s).why, "Go migration"));
	ck_assert(strstr(classify("1_x.up.fizz", s).why, "fizz"));
	const char *ignored[] = { "README.md", "embed.go", "schema.rb", "index.ts", ".keep",
	                          "Makefile", NULL };
	for (int i = 0; ignored[i]; i++)
		ck_assert_msg(classify(ignored[i], s).kind == STRATA_FILE_IGNORED, "%s", ignored[i]);

	strata_format_classify_dir(&fn, "2017-08-31-210424_create_posts", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_DIESEL);
	ck_assert_str_eq(fn.version, "20170831210424");
	ck_assert_str_eq(fn.name, "create_posts");
	strata_format_classify_dir(&fn, "00000000000000_diesel_initial_setup", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_DIESEL);
	ck_assert_str_eq(fn.version, "00000000000000");
	strata_format_classify_dir(&fn, "src", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_IGNORED);
	strata_format_classify_dir(&fn, "2024", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_IGNORED);
	strata_format_classify_dir(&fn, "2024_", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_IGNORED);
}
END_TEST

START_TEST(test_diesel_metadata)
{
	strata_error err = { 0 };
	int in_tx = -1;
	const char *t = "# x\nrun_in_transaction = false # no\n";
	ck_assert_int_eq(strata_format_diesel_metadata(&in_tx, t, strlen(t), "m.toml", &err), 0);
	ck_assert_int_eq(in_tx, 0);
	t = "run_in_transaction=true\n";
	ck_assert_int_eq(strata_format_diesel_metadata(&in_tx, t, strlen(t), "m.toml", &err), 0);
	ck_assert_int_eq(in_tx, 1);
	t = "\n\nrun_in_transaction = \"no\"\n";
	ck_assert_int_eq(strata_format_diesel_metadata(&in_tx, t, strlen(t), "m.toml", &err),
	                 STRATA_EPARSE);
	ck_assert_int_eq(err.line, 3);
	ck_assert_str_eq(err.file, "m.toml");
}
END_TEST

/* Flyway's repeatable migrations: the key is R__ and the description. */
START_TEST(test_classify_repeatable)
{
	char s[256];
	strata_file_name fn = classify("R__views.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_REPEATABLE);
	ck_assert_str_eq(fn.version, "R__views");
	ck_assert_str_eq(fn.name, "views");
	fn = classify("R__create_report_views.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_REPEATABLE);
	ck_assert_str_eq(fn.version, "R__create_report_views");
	ck_assert_str_eq(fn.name, "create_report_views");
	/* two underscores inside the description are its own */
	fn = classify("R__a__b.sql", s);
	ck_assert_int_eq(fn.kind, STRATA_FILE_REPEATABLE);
	ck_assert_str_eq(fn.name, "a__b");
	ck_assert_int_eq(classify("R__.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("R__x.up.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("R__x.down.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("R1__x.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("R_x.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("r__x.sql", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("R__x.SQL", s).kind, STRATA_FILE_BAD);
	ck_assert_int_eq(classify("R__a\nb.sql", s).kind, STRATA_FILE_BAD);
	ck_assert(strata_repeatable_key("R__views"));
	ck_assert(!strata_repeatable_key("20240101000000"));
	ck_assert(!strata_repeatable_key("~format"));
	ck_assert(!strata_repeatable_key(NULL));
}
END_TEST

/* Flyway's order: '_' read as a space, case-sensitive, by UTF-16 code
 * unit as Java compares strings. */
START_TEST(test_repeatable_order)
{
	/* "a b" < "a-b": the '_' is a space (0x20 < '-'), not 0x5F */
	ck_assert_int_lt(strata_repeatable_cmp("a_b", "a-b"), 0);
	ck_assert_int_lt(strata_repeatable_cmp("a-b", "ab"), 0);
	/* upper case first, no locale */
	ck_assert_int_lt(strata_repeatable_cmp("B", "a"), 0);
	ck_assert_int_lt(strata_repeatable_cmp("Z", "a"), 0);
	ck_assert_int_lt(strata_repeatable_cmp("view", "views"), 0);
	ck_assert_int_eq(strata_repeatable_cmp("views", "views"), 0);
	/* U+1F600 (a surrogate pair in UTF-16: D83D DE00) sorts before
	 * U+FF21, although its UTF-8 bytes (F0 ...) are greater (EF ...) */
	ck_assert_int_lt(strata_repeatable_cmp("\xF0\x9F\x98\x80", "\xEF\xBC\xA1"), 0);
	ck_assert_int_gt(strata_repeatable_cmp("\xEF\xBC\xA1", "\xF0\x9F\x98\x80"), 0);
	/* below U+D800 the order is the code points' */
	ck_assert_int_lt(strata_repeatable_cmp("\xC3\xA9", "\xF0\x9F\x98\x80"), 0);
	ck_assert_int_lt(strata_repeatable_cmp("z", "\xC3\xA9"), 0);
	/* equal for Flyway, still a total order */
	ck_assert_int_ne(strata_repeatable_cmp("a_b", "a b"), 0);
	ck_assert_int_eq(strata_repeatable_cmp("a_b", "a b"),
	                 -strata_repeatable_cmp("a b", "a_b"));
	/* the same history row somewhere */
	ck_assert(strata_repeatable_same("a_b", "a b"));
	ck_assert(strata_repeatable_same("Views", "views"));
	ck_assert(strata_repeatable_same("views ", "views"));
	ck_assert(!strata_repeatable_same("views", "view"));
	ck_assert(!strata_repeatable_same("a-b", "a b"));
}
END_TEST

/* ------------------------------------------------------------ parse */

static int parse(strata_migration *m, const char *text, strata_error *err)
{
	char *copy = strdup(text);
	ck_assert_ptr_nonnull(copy);
	return strata_format_parse_native(m, copy, strlen(text), "f.sql", err);
}

START_TEST(test_parse_sections)
{
	strata_migration *m = strata_migration_new();
	strata_error err = { 0 };
	ck_assert_int_eq(parse(m, "-- a comment\n\n-- migrate:up\ncreate table t (id int);\n"
	                          "-- migrate:down\ndrop table t;\n", &err), 0);
	ck_assert(m->has_up && m->has_down);
	ck_assert_str_eq(m->up.text, "create table t (id int);\n");
	ck_assert_int_eq(m->up.first_line, 4);
	ck_assert_str_eq(m->down.text, "drop table t;\n");
	ck_assert_int_eq(m->down.first_line, 6);
	ck_assert_int_eq(m->up.no_transaction, 0);
	strata_migration_free(m);
}
END_TEST

START_TEST(test_parse_options_crlf_bom)
{
	strata_migration *m = strata_migration_new();
	strata_error err = { 0 };
	ck_assert_int_eq(parse(m, "\xEF\xBB\xBF-- migrate:up transaction:false\r\n"
	                          "PRAGMA foreign_keys = off;\r\n", &err), 0);
	ck_assert_int_eq(m->up.no_transaction, 1);
	ck_assert(!m->has_down);
	ck_assert_int_eq(m->up.first_line, 2);
	strata_migration_free(m);

	m = strata_migration_new();
	ck_assert_int_eq(parse(m, "--migrate:up   transaction:true\nselect 1;\n", &err), 0);
	ck_assert_int_eq(m->up.no_transaction, 0);
	strata_migration_free(m);

	/* options belong to their section, as in dbmate */
	m = strata_migration_new();
	ck_assert_int_eq(parse(m, "-- migrate:up\nselect 1;\n-- migrate:down transaction:false\nselect 2;\n", &err), 0);
	ck_assert_int_eq(m->up.no_transaction, 0);
	ck_assert_int_eq(m->down.no_transaction, 1);
	strata_migration_free(m);
}
END_TEST

static void expect_error(const char *text, int line, const char *needle)
{
	strata_migration *m = strata_migration_new();
	strata_error err = { 0 };
	ck_assert_int_eq(parse(m, text, &err), STRATA_EPARSE);
	ck_assert_str_eq(err.file, "f.sql");
	ck_assert_int_eq(err.line, line);
	ck_assert_msg(strstr(err.message, needle), "message \"%s\" lacks \"%s\"",
	              err.message, needle);
	strata_migration_free(m);
}

START_TEST(test_parse_errors)
{
	expect_error("create table t (id int);\n", 1, "SQL before");
	expect_error("-- just a comment\n", 1, "no -- migrate:up");
	expect_error("", 1, "no -- migrate:up");
	expect_error("-- migrate:down\ndrop table t;\n", 1, "no -- migrate:up");
	expect_error("-- migrate:up\nselect 1;\n-- migrate:up\nselect 2;\n", 3, "second -- migrate:up");
	expect_error("-- migrate:up\n-- migrate:down\n\n-- migrate:down\n", 4, "second -- migrate:down");
	expect_error("-- migrate:up transaction:maybe\n", 1, "unknown option");
	expect_error("\n-- migrate:sideways\n", 2, "unknown marker");
}
END_TEST

/* goose's annotations: sections, NO TRANSACTION for the whole file,
 * StatementBegin/End as comments, ENVSUB and unknown ones refused. */
START_TEST(test_parse_goose)
{
	strata_migration *m = strata_migration_new();
	strata_error err = { 0 };
	ck_assert_int_eq(parse(m, "-- +goose Up\n-- +goose StatementBegin\n"
	                          "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
	                          "-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f();\n",
	                       &err), 0);
	ck_assert(m->has_up && m->has_down);
	ck_assert_int_eq(m->up.first_line, 2);
	ck_assert_ptr_nonnull(strstr(m->up.text, "CREATE FUNCTION"));
	ck_assert_ptr_null(strstr(m->up.text, "DROP"));
	ck_assert_str_eq(m->down.text, "DROP FUNCTION f();\n");
	ck_assert_int_eq(m->down.first_line, 7);
	ck_assert_int_eq(m->up.no_transaction, 0);
	ck_assert_int_eq(m->down.no_transaction, 0);
	strata_migration_free(m);

	/* case and blanks as goose takes them; NO TRANSACTION anywhere */
	m = strata_migration_new();
	ck_assert_int_eq(parse(m, "-- +goose NO TRANSACTION\n--  +GOOSE   up\r\n"
	                          "CREATE INDEX CONCURRENTLY i ON t (x);\n"
	                          "-- +goose down\nDROP INDEX CONCURRENTLY i;\n", &err), 0);
	ck_assert_int_eq(m->up.no_transaction, 1);
	ck_assert_int_eq(m->down.no_transaction, 1);
	strata_migration_free(m);

	m = strata_migration_new();
	ck_assert_int_eq(parse(m, "-- +goose Up\nselect 1;\n-- +goose no   transaction\n", &err), 0);
	ck_assert_int_eq(m->up.no_transaction, 1);
	strata_migration_free(m);

	/* a comment that only starts like an annotation is SQL's */
	m = strata_migration_new();
	ck_assert_int_eq(parse(m, "-- +gooseberry\n-- +goose Up\nselect 1;\n", &err), 0);
	strata_migration_free(m);

	expect_error("-- +goose Up\nselect '${X}';\n-- +goose ENVSUB ON\n", 3, "ENVSUB");
	expect_error("-- +goose Up\n-- +goose sideways\n", 2, "unknown goose annotation");
	expect_error("-- +goose Up transaction:false\n", 1, "unknown goose annotation");
	expect_error("-- +goose Up\nselect 1;\n-- migrate:down\nselect 2;\n", 3,
	             "file with -- +goose markers (line 1)");
	expect_error("-- migrate:up\nselect 1;\n-- +goose Down\nselect 2;\n", 3,
	             "file with -- migrate: markers (line 1)");
	expect_error("-- +goose Down\nselect 2;\n", 1, "no -- +goose Up");
	expect_error("-- +goose Up\nselect 1;\n-- +goose Up\n", 3, "second -- +goose Up");
}
END_TEST

START_TEST(test_parse_binary)
{
	strata_migration *m = strata_migration_new();
	strata_error err = { 0 };
	char text[] = "-- migrate:up\nselect 1;\nx\0y\n";
	char *copy = malloc(sizeof(text));
	memcpy(copy, text, sizeof(text));
	ck_assert_int_eq(strata_format_parse_native(m, copy, sizeof(text) - 1, "b.sql", &err),
	                 STRATA_EPARSE);
	ck_assert_int_eq(err.line, 3);
	ck_assert_ptr_nonnull(strstr(err.message, "binary"));
	strata_migration_free(m);
}
END_TEST

/* -------------------------------------------------------- directories */

static char dir[64];

static void make_dir(void)
{
	strcpy(dir, "/tmp/strata-format-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Empties the directory. */
static void unlink_all(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/*", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int load(strata_source **src, strata_error *err)
{
	ck_assert_int_eq(strata_source_new(src, err), 0);
	return strata_source_add_dir(*src, dir, err);
}

START_TEST(test_dir_mixed_formats_sorted)
{
	strata_source *src;
	strata_error err = { 0 };
	put("10_ten.sql", "-- migrate:up\nselect 10;\n");
	put("9_nine.up.sql", "select 9;\n");
	put("9_nine.down.sql", "select -9;\n");
	put("Migration11.sql", "-- migrate:up\nselect 11;\n");
	put("README.md", "not a migration");
	put("000002_two.up.sql", "select 2;\n");
	ck_assert_int_eq(load(&src, &err), 0);
	ck_assert_uint_eq(strata_source_count(src), 4);
	ck_assert_str_eq(src->items[0]->version, "000002");
	ck_assert(!src->items[0]->has_down);
	ck_assert_str_eq(src->items[1]->version, "9");
	ck_assert(src->items[1]->has_down);
	ck_assert_str_eq(src->items[1]->down.text, "select -9;\n");
	ck_assert_ptr_nonnull(strstr(src->items[1]->down_file, "9_nine.down.sql"));
	ck_assert_str_eq(src->items[2]->version, "10");
	ck_assert_str_eq(src->items[3]->version, "11");
	ck_assert_ptr_nonnull(strata_source_find(src, "0011"));
	ck_assert_ptr_null(strata_source_find(src, "12"));
	ck_assert(strncmp(src->items[0]->checksum, "sha256:", 7) == 0);
	strata_source_free(src);
}
END_TEST

static void expect_dir_error(int code, const char *needle)
{
	strata_source *src;
	strata_error err = { 0 };
	ck_assert_int_eq(load(&src, &err), code);
	ck_assert_msg(strstr(err.message, needle), "message \"%s\" lacks \"%s\"",
	              err.message, needle);
	strata_source_free(src);
}

/* A Flyway set: V files are the up SQL, U files their undo. */
START_TEST(test_dir_flyway)
{
	strata_source *src;
	strata_error err = { 0 };
	put("V1__init.sql", "create table t (x int);\n");
	put("U1__init.sql", "drop table t;\n");
	put("V1_1__more.sql", "alter table t add y int;\n");
	put("V2__last.sql", "select 2;\n");
	ck_assert_int_eq(load(&src, &err), 0);
	ck_assert_uint_eq(strata_source_count(src), 3);
	ck_assert_str_eq(src->items[0]->version, "1");
	ck_assert_str_eq(src->items[0]->name, "init");
	ck_assert_str_eq(src->items[0]->up.text, "create table t (x int);\n");
	ck_assert(src->items[0]->has_down);
	ck_assert_str_eq(src->items[0]->down.text, "drop table t;\n");
	ck_assert_str_eq(src->items[1]->version, "1.1");
	ck_assert(!src->items[1]->has_down);
	ck_assert_str_eq(src->items[2]->version, "2");
	strata_source_free(src);
}
END_TEST

/* R__ files are the source's repeatable migrations, apart from the
 * versioned ones and in Flyway's order. */
START_TEST(test_dir_repeatable)
{
	strata_source *src;
	strata_error err = { 0 };
	put("V1__init.sql", "create table t (x int);\n");
	put("R__views.sql", "create view v as select x from t;\n");
	put("R__a-b.sql", "select 1;\n");
	put("R__a_b.sql", "select 2;\n");
	put("R__B.sql", "-- refresh the functions\n-- strata:transaction:false\nselect 3;\n");
	put("V2__more.sql", "alter table t add y int;\n");
	ck_assert_int_eq(load(&src, &err), 0);
	ck_assert_uint_eq(strata_source_count(src), 6);
	ck_assert_uint_eq(src->n, 2);
	ck_assert_str_eq(src->items[0]->version, "1");
	ck_assert_str_eq(src->items[1]->version, "2");
	ck_assert_uint_eq(src->nrepeatable, 4);
	ck_assert_str_eq(src->repeatables[0]->version, "R__B");
	ck_assert_str_eq(src->repeatables[1]->version, "R__a_b");
	ck_assert_str_eq(src->repeatables[2]->version, "R__a-b");
	ck_assert_str_eq(src->repeatables[3]->version, "R__views");
	strata_migration *m = src->repeatables[3];
	ck_assert(m->repeatable);
	ck_assert(m->has_up && !m->has_down && m->plain);
	ck_assert_str_eq(m->name, "views");
	ck_assert_str_eq(m->up.text, "create view v as select x from t;\n");
	ck_assert_ptr_nonnull(strstr(m->file, "R__views.sql"));
	ck_assert(strncmp(m->checksum, "sha256:", 7) == 0);
	ck_assert(!m->up.no_transaction);
	ck_assert(src->repeatables[0]->up.no_transaction);
	ck_assert(!src->items[0]->repeatable);
	ck_assert_ptr_eq(strata_source_find(src, "R__views"), m);
	ck_assert_ptr_null(strata_source_find(src, "R__view"));
	ck_assert_ptr_eq(strata_source_find(src, "2"), src->items[1]);
	/* a repeatable migration alone is a directory too */
	strata_source_free(src);
	unlink_all();
	put("R__only.sql", "select 1;\n");
	ck_assert_int_eq(load(&src, &err), 0);
	ck_assert_uint_eq(src->n, 0);
	ck_assert_uint_eq(src->nrepeatable, 1);
	strata_source_free(src);
}
END_TEST

/* The checksum of an R__ file: CRLF and a BOM do not change it, an edit
 * does. */
START_TEST(test_dir_repeatable_checksum)
{
	strata_source *a, *b, *c;
	strata_error err = { 0 };
	put("R__views.sql", "create view v as select 1;\n");
	ck_assert_int_eq(load(&a, &err), 0);
	put("R__views.sql", "\xEF\xBB\xBF" "create view v as select 1;\r\n");
	ck_assert_int_eq(load(&b, &err), 0);
	put("R__views.sql", "create view v as select 2;\n");
	ck_assert_int_eq(load(&c, &err), 0);
	ck_assert_str_eq(a->repeatables[0]->checksum, b->repeatables[0]->checksum);
	ck_assert_str_ne(a->repeatables[0]->checksum, c->repeatables[0]->checksum);
	strata_source_free(a);
	strata_source_free(b);
	strata_source_free(c);
}
END_TEST

START_TEST(test_dir_repeatable_same_description)
{
	put("R__a_b.sql", "select 1;\n");
	put("R__a b.sql", "select 2;\n");
	expect_dir_error(STRATA_EPLAN, "two repeatable migrations have the description");
}
END_TEST

START_TEST(test_dir_repeatable_case_clash)
{
	put("R__Views.sql", "select 1;\n");
	put("R__views.sql", "select 2;\n");
	strata_source *src;
	strata_error err = { 0 };
	ck_assert_int_eq(load(&src, &err), STRATA_EPLAN);
	ck_assert_ptr_nonnull(strstr(err.message, "R__Views.sql"));
	ck_assert_ptr_nonnull(strstr(err.message, "R__views.sql"));
	ck_assert_ptr_nonnull(strstr(err.message, "in more than case"));
	strata_source_free(src);
}
END_TEST

START_TEST(test_dir_repeatable_too_long)
{
	char name[128];
	memset(name, 0, sizeof(name));
	memcpy(name, "R__", 3);
	memset(name + 3, 'x', STRATA_REPEATABLE_MAX);
	strcat(name, ".sql");
	put(name, "select 1;\n");
	strata_source *src;
	strata_error err = { 0 };
	ck_assert_int_eq(load(&src, &err), 0);
	ck_assert_uint_eq(src->nrepeatable, 1);
	ck_assert_uint_eq(strlen(src->repeatables[0]->version), 63);
	strata_source_free(src);
	unlink_all();
	memset(name + 3, 'x', STRATA_REPEATABLE_MAX + 1);
	strcpy(name + 3 + STRATA_REPEATABLE_MAX + 1, ".sql");
	put(name, "select 1;\n");
	ck_assert_int_eq(load(&src, &err), STRATA_EPARSE);
	ck_assert_ptr_nonnull(strstr(err.message, "at most 60 bytes (this one has 61)"));
	ck_assert_ptr_nonnull(strstr(err.file, name));
	strata_source_free(src);
}
END_TEST

START_TEST(test_dir_repeatable_bad_names)
{
	strata_source *src;
	strata_error err = { 0 };
	put("R__views.up.sql", "select 1;\n");
	ck_assert_int_eq(load(&src, &err), STRATA_EPARSE);
	ck_assert_ptr_nonnull(strstr(err.message, "R__description.sql"));
	ck_assert_ptr_nonnull(strstr(err.file, "R__views.up.sql"));
	strata_source_free(src);
	unlink_all();
	put("R__bin.sql", "select 1;\n\xff\n");
	ck_assert_int_eq(load(&src, &err), STRATA_EPARSE);
	ck_assert_ptr_nonnull(strstr(err.message, "not UTF-8"));
	ck_assert_int_eq(err.line, 2);
	strata_source_free(src);
}
END_TEST

START_TEST(test_dir_duplicate_versions)
{
	put("1_a.sql", "-- migrate:up\nselect 1;\n");
	put("0001_b.sql", "-- migrate:up\nselect 1;\n");
	expect_dir_error(STRATA_EPLAN, "two migrations have version");
}
END_TEST

START_TEST(test_dir_native_and_pair_clash)
{
	put("1_a.sql", "-- migrate:up\nselect 1;\n");
	put("1_a.up.sql", "select 1;\n");
	expect_dir_error(STRATA_EPLAN, "1_a.sql");
}
END_TEST

START_TEST(test_dir_down_without_up)
{
	put("1_a.down.sql", "select 1;\n");
	expect_dir_error(STRATA_EPARSE, "without its .up.sql");
}
END_TEST

START_TEST(test_dir_bad_name)
{
	put("create_users.sql", "-- migrate:up\nselect 1;\n");
	strata_source *src;
	strata_error err = { 0 };
	ck_assert_int_eq(load(&src, &err), STRATA_EPARSE);
	ck_assert_ptr_nonnull(strstr(err.file, "create_users.sql"));
	strata_source_free(src);
}
END_TEST

START_TEST(test_dir_parse_error_names_file)
{
	put("1_a.sql", "select 1;\n");
	strata_source *src;
	strata_error err = { 0 };
	ck_assert_int_eq(load(&src, &err), STRATA_EPARSE);
	ck_assert_ptr_nonnull(strstr(err.file, "1_a.sql"));
	ck_assert_int_eq(err.line, 1);
	strata_source_free(src);
}
END_TEST

START_TEST(test_dir_missing)
{
	strata_source *src;
	strata_error err = { 0 };
	ck_assert_int_eq(strata_source_new(&src, &err), 0);
	ck_assert_int_eq(strata_source_add_dir(src, "/nonexistent/strata", &err), STRATA_EIO);
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/strata"));
	strata_source_free(src);
}
END_TEST

START_TEST(test_dir_checksum_stable_across_crlf)
{
	strata_source *a, *b;
	strata_error err = { 0 };
	put("1_a.sql", "-- migrate:up\nselect 1;\n");
	ck_assert_int_eq(load(&a, &err), 0);
	put("1_a.sql", "\xEF\xBB\xBF-- migrate:up\r\nselect 1;\r\n");
	ck_assert_int_eq(load(&b, &err), 0);
	ck_assert_str_eq(a->items[0]->checksum, b->items[0]->checksum);
	strata_source_free(a);
	strata_source_free(b);
}
END_TEST

Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("files");
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_classify_other_tools);
	tcase_add_test(tc, test_classify_layouts);
	tcase_add_test(tc, test_diesel_metadata);
	tcase_add_test(tc, test_classify_repeatable);
	tcase_add_test(tc, test_repeatable_order);
	tcase_add_test(tc, test_parse_sections);
	tcase_add_test(tc, test_parse_options_crlf_bom);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_parse_goose);
	tcase_add_test(tc, test_parse_binary);
	suite_add_tcase(s, tc);
	tc = tcase_create("directories");
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, test_dir_mixed_formats_sorted);
	tcase_add_test(tc, test_dir_flyway);
	tcase_add_test(tc, test_dir_repeatable);
	tcase_add_test(tc, test_dir_repeatable_checksum);
	tcase_add_test(tc, test_dir_repeatable_same_description);
	tcase_add_test(tc, test_dir_repeatable_case_clash);
	tcase_add_test(tc, test_dir_repeatable_too_long);
	tcase_add_test(tc, test_dir_repeatable_bad_names);
	tcase_add_test(tc, test_dir_duplicate_versions);
	tcase_add_test(tc, test_dir_native_and_pair_clash);
	tcase_add_test(tc, test_dir_down_without_up);
	tcase_add_test(tc, test_dir_bad_name);
	tcase_add_test(tc, test_dir_parse_error_names_file);
	tcase_add_test(tc, test_dir_missing);
	tcase_add_test(tc, test_dir_checksum_stable_across_crlf);
	suite_add_tcase(s, tc);
	return s;
}
