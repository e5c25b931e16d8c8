/*
 * tests/check_sql.c - tests of the SQL splitter (src/sql.c): statement
 * boundaries with their line and column for every dialect, quoting and
 * comment rules, compound bodies, DELIMITER lines, COPY data blocks,
 * NO_TX detection, errors, and large and random inputs.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>
#include <strata/driver.h>

#include "sql.h"
#include "suites.h"

#define PG STRATA_DIALECT_POSTGRES
#define MY STRATA_DIALECT_MYSQL
#define LITE STRATA_DIALECT_SQLITE
#define GEN STRATA_DIALECT_GENERIC
#define NO_TX STRATA_STMT_NO_TX
#define COPY_IN STRATA_STMT_COPY_IN

static const strata_dialect all_dialects[] = { GEN, LITE, PG, MY };
#define N_DIALECTS (sizeof(all_dialects) / sizeof(all_dialects[0]))

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

typedef struct split {
	const char *text;
	size_t len;
	int first_line;
	strata_stmt *st;
	size_t n;
} split;

/* Counts lines up to text[off] (off never goes back), independently of
 * the splitter. */
typedef struct position {
	size_t off, bol;
	int line;
} position;

static void position_to(position *p, const char *text, size_t off)
{
	for (; p->off < off; p->off++)
		if (text[p->off] == '\n') {
			p->line++;
			p->bol = p->off + 1;
		}
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* Asserting only on failure: a passing ck_assert costs a message to the
 * runner, too much for 100k statements. */
#define REQUIRE(cond, i) \
	do { \
		if (!(cond)) \
			ck_abort_msg("statement %zu: %s", (size_t)(i), #cond); \
	} while (0)

/* Checks what holds for every split: statements lie inside the text in
 * order, are trimmed and non-empty, and their positions are right. */
static void check_invariants(const split *sp)
{
	size_t prev_end = 0;
	position pos = { 0, 0, sp->first_line };

	ck_assert(sp->n == 0 ? sp->st == NULL : sp->st != NULL);
	for (size_t i = 0; i < sp->n; i++) {
		const strata_stmt *s = &sp->st[i];
		REQUIRE(s->sql != NULL && s->sql >= sp->text, i);
		size_t off = (size_t)(s->sql - sp->text);
		REQUIRE(off >= prev_end, i);
		REQUIRE(s->len > 0 && off + s->len <= sp->len, i);
		REQUIRE(!is_ws(s->sql[0]) && !is_ws(s->sql[s->len - 1]), i);
		position_to(&pos, sp->text, off);
		REQUIRE(s->line == pos.line, i);
		REQUIRE(s->column == (int)(off - pos.bol) + 1, i);
		prev_end = off + s->len;
		if (s->flags & COPY_IN) {
			REQUIRE(s->data != NULL && s->data >= s->sql + s->len, i);
			size_t data_off = (size_t)(s->data - sp->text);
			REQUIRE(data_off + s->data_len <= sp->len, i);
			prev_end = data_off + s->data_len;
		} else {
			REQUIRE(s->data == NULL && s->data_len == 0, i);
		}
	}
}

static void split_at(split *sp, const char *text, strata_dialect d,
                     int first_line)
{
	strata_error err = { 0 };

	sp->text = text;
	sp->len = strlen(text);
	sp->first_line = first_line;
	int rc = strata_sql_split(&sp->st, &sp->n, text, sp->len, d,
	                          first_line, &err);
	ck_assert_msg(rc == 0, "%s split failed (%d): %s",
	              strata_dialect_name(d), rc, err.message);
	check_invariants(sp);
}

static void split_ok(split *sp, const char *text, strata_dialect d)
{
	split_at(sp, text, d, 1);
}

static void split_free(split *sp)
{
	free(sp->st);
	sp->st = NULL;
	sp->n = 0;
}

#define STMT(sp, i, sql, ln, col, fl) \
	check_stmt(&(sp), (i), (sql), (ln), (col), (fl), __LINE__)

static void check_stmt(const split *sp, size_t i, const char *sql, int line,
                       int col, unsigned flags, int at)
{
	ck_assert_msg(i < sp->n, "line %d: no statement %zu (%zu in all)", at,
	              i, sp->n);
	const strata_stmt *s = &sp->st[i];
	ck_assert_msg(s->len == strlen(sql) && memcmp(s->sql, sql, s->len) == 0,
	              "line %d: statement %zu is <%.*s>, want <%s>", at, i,
	              (int)s->len, s->sql, sql);
	ck_assert_msg(s->line == line && s->column == col,
	              "line %d: statement %zu at %d:%d, want %d:%d", at, i,
	              s->line, s->column, line, col);
	/* NO_TX and COPY_IN; DDL and TX_CONTROL have their own tests */
	unsigned own = STRATA_STMT_DDL | STRATA_STMT_TX_CONTROL |
	               STRATA_STMT_TX_OPENS | STRATA_STMT_TX_ENDS;
	ck_assert_msg((s->flags & ~own) == flags,
	              "line %d: statement %zu flags %u, want %u", at, i,
	              s->flags & ~own, flags);
}

#define COUNT(sp, want) \
	ck_assert_msg((sp).n == (want), "line %d: %zu statements, want %d", \
	              __LINE__, (sp).n, (want))

/* All flags of the only statement of `text`. */
static unsigned all_flags_of(const char *text, strata_dialect d)
{
	split sp;

	split_ok(&sp, text, d);
	ck_assert_msg(sp.n == 1, "<%s>: %zu statements", text, sp.n);
	unsigned f = sp.st[0].flags;
	split_free(&sp);
	return f;
}

/* Its transaction flags (NO_TX, COPY_IN). */
static unsigned flags_of(const char *text, strata_dialect d)
{
	return all_flags_of(text, d) & ~(STRATA_STMT_DDL | STRATA_STMT_TX_CONTROL |
	                                 STRATA_STMT_TX_OPENS | STRATA_STMT_TX_ENDS);
}

#define TX_CONTROL_IS(text, d, want) \
	ck_assert_msg(!!(all_flags_of((text), (d)) & STRATA_STMT_TX_CONTROL) == (want), \
	              "%s: <%s> is%s transaction control", strata_dialect_name(d), \
	              (text), (want) ? " not" : "")

#define DDL_IS(text, d, want) \
	ck_assert_msg(!!(all_flags_of((text), (d)) & STRATA_STMT_DDL) == (want), \
	              "%s: <%s> is%s DDL", strata_dialect_name(d), (text), \
	              (want) ? " not" : "")

#define NO_TX_IS(text, d, want) \
	ck_assert_msg(flags_of((text), (d)) == (want), \
	              "%s: <%s> flags != %u", strata_dialect_name(d), (text), \
	              (unsigned)(want))

/* Number of statements of `text`. */
static size_t count_of(const char *text, strata_dialect d)
{
	split sp;

	split_ok(&sp, text, d);
	size_t n = sp.n;
	split_free(&sp);
	return n;
}

#define ERROR_IS(text, d, ln, col, msg) \
	check_error((text), (d), (ln), (col), (msg), __LINE__)

static void check_error(const char *text, strata_dialect d, int line,
                        int col, const char *msg, int at)
{
	static strata_stmt dummy;
	strata_error err = { 0 };
	strata_stmt *st = &dummy; /* must be reset to NULL */
	size_t n = 99;

	int rc = strata_sql_split(&st, &n, text, strlen(text), d, 1, &err);
	ck_assert_msg(rc == STRATA_EPARSE, "line %d: rc %d, want EPARSE", at,
	              rc);
	ck_assert_int_eq(err.code, STRATA_EPARSE);
	ck_assert_ptr_null(st);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(err.line == line && err.column == col,
	              "line %d: error at %d:%d, want %d:%d (%s)", at, err.line,
	              err.column, line, col, err.message);
	ck_assert_msg(strstr(err.message, msg) != NULL,
	              "line %d: message <%s> lacks <%s>", at, err.message, msg);
}

/* ------------------------------------------------------------------ */
/* Core: arguments, empty input, positions, trimming, CRLF              */
/* ------------------------------------------------------------------ */

START_TEST(test_dialect_name)
{
	ck_assert_str_eq(strata_dialect_name(GEN), "generic");
	ck_assert_str_eq(strata_dialect_name(LITE), "sqlite");
	ck_assert_str_eq(strata_dialect_name(PG), "postgres");
	ck_assert_str_eq(strata_dialect_name(MY), "mysql");
	ck_assert_str_eq(strata_dialect_name((strata_dialect)42), "unknown");
}
END_TEST

START_TEST(test_bad_arguments)
{
	strata_error err = { 0 };
	strata_stmt *st = NULL;
	size_t n = 0;

	ck_assert_int_eq(strata_sql_split(NULL, &n, "x", 1, PG, 1, &err),
	                 STRATA_EINVAL);
	ck_assert_int_eq(strata_sql_split(&st, NULL, "x", 1, PG, 1, NULL),
	                 STRATA_EINVAL);
	ck_assert_int_eq(strata_sql_split(&st, &n, NULL, 3, PG, 1, &err),
	                 STRATA_EINVAL);
	ck_assert_int_eq(strata_sql_split(&st, &n, "x", 1,
	                                  (strata_dialect)9, 1, &err),
	                 STRATA_EINVAL);
	ck_assert_int_eq(err.code, STRATA_EINVAL);
	ck_assert_ptr_null(st);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_empty_input)
{
	for (size_t i = 0; i < N_DIALECTS; i++) {
		static strata_stmt dummy;
		strata_stmt *st = &dummy;
		size_t n = 7;
		ck_assert_int_eq(strata_sql_split(&st, &n, "", 0,
		                                  all_dialects[i], 1, NULL), 0);
		ck_assert_ptr_null(st);
		ck_assert_uint_eq(n, 0);
		n = 7;
		ck_assert_int_eq(strata_sql_split(&st, &n, NULL, 0,
		                                  all_dialects[i], 1, NULL), 0);
		ck_assert_ptr_null(st);
		ck_assert_uint_eq(n, 0);
		/* len is honoured: the text need not be NUL-terminated */
		ck_assert_int_eq(strata_sql_split(&st, &n, "SELECT 1", 0,
		                                  all_dialects[i], 1, NULL), 0);
		ck_assert_uint_eq(n, 0);
	}
}
END_TEST

START_TEST(test_only_whitespace_and_comments)
{
	static const char *common[] = {
		" \t\r\n\n  \f\v ",
		";",
		" ; ;;\n;\r\n",
		"-- just a comment",
		"-- one;\n-- two; three\n",
		"/* block; */",
		"/* multi\nline; */ -- and; more\n ; /* x */ ;",
	};
	for (size_t d = 0; d < N_DIALECTS; d++)
		for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
			ck_assert_msg(count_of(common[i], all_dialects[d]) == 0,
			              "%s: <%s>", strata_dialect_name(all_dialects[d]),
			              common[i]);
	ck_assert_uint_eq(count_of("/* a /* nested; */ b; */ ;", PG), 0);
	ck_assert_uint_eq(count_of("# hash; comment\n-- \n--\t\n#", MY), 0);
}
END_TEST

START_TEST(test_positions)
{
	split sp;

	split_ok(&sp, "SELECT 1;\n  SELECT 2 ;  SELECT 3\n\n\tSELECT\n4;", PG);
	COUNT(sp, 3);
	STMT(sp, 0, "SELECT 1", 1, 1, 0);
	STMT(sp, 1, "SELECT 2", 2, 3, 0);
	STMT(sp, 2, "SELECT 3\n\n\tSELECT\n4", 2, 15, 0);
	split_free(&sp);

	/* first_line: text[0] is on that line; columns are unchanged */
	split_at(&sp, "\n  SELECT 1; SELECT 2", LITE, 41);
	COUNT(sp, 2);
	STMT(sp, 0, "SELECT 1", 42, 3, 0);
	STMT(sp, 1, "SELECT 2", 42, 13, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_last_statement_without_terminator)
{
	for (size_t d = 0; d < N_DIALECTS; d++) {
		split sp;
		split_ok(&sp, "SELECT 1;\nSELECT 2  \n\t\n", all_dialects[d]);
		COUNT(sp, 2);
		STMT(sp, 1, "SELECT 2", 2, 1, 0);
		split_free(&sp);
	}
}
END_TEST

START_TEST(test_leading_comments_dropped_inner_kept)
{
	for (size_t d = 0; d < N_DIALECTS; d++) {
		split sp;
		split_ok(&sp, "-- head;\n/* c; */ SELECT 1 /* in; */ -- tail;\n"
		         ";\n", all_dialects[d]);
		COUNT(sp, 1);
		STMT(sp, 0, "SELECT 1 /* in; */ -- tail;", 2, 10, 0);
		split_free(&sp);
	}
}
END_TEST

START_TEST(test_crlf)
{
	for (size_t d = 0; d < N_DIALECTS; d++) {
		split sp;
		split_ok(&sp, "SELECT 1;\r\nSELECT\r\n  2;\r\n-- c;\r\n"
		         "  SELECT 3 -- x\r\n;\r\nSELECT 'a\r\nb';\r\n",
		         all_dialects[d]);
		COUNT(sp, 4);
		STMT(sp, 0, "SELECT 1", 1, 1, 0);
		STMT(sp, 1, "SELECT\r\n  2", 2, 1, 0);
		STMT(sp, 2, "SELECT 3 -- x", 5, 3, 0);
		STMT(sp, 3, "SELECT 'a\r\nb'", 7, 1, 0);
		split_free(&sp);
	}
}
END_TEST

START_TEST(test_single_quotes_everywhere)
{
	for (size_t d = 0; d < N_DIALECTS; d++) {
		split sp;
		split_ok(&sp, "SELECT 'a;b''c;', '-- no', '/* no';\n"
		         "SELECT ''';'''", all_dialects[d]);
		COUNT(sp, 2);
		STMT(sp, 0, "SELECT 'a;b''c;', '-- no', '/* no'", 1, 1, 0);
		STMT(sp, 1, "SELECT ''';'''", 2, 1, 0);
		split_free(&sp);
	}
}
END_TEST

START_TEST(test_non_ascii_text)
{
	for (size_t d = 0; d < N_DIALECTS; d++) {
		split sp;
		/* columns count bytes */
		split_ok(&sp, "SELECT 'héllo;'; SELECT naïve FROM t;",
		         all_dialects[d]);
		COUNT(sp, 2);
		STMT(sp, 1, "SELECT naïve FROM t", 1, 19, 0);
		split_free(&sp);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* PostgreSQL                                                           */
/* ------------------------------------------------------------------ */

START_TEST(test_pg_nested_comments)
{
	split sp;

	split_ok(&sp, "/* outer /* inner; */ still; */ SELECT 1;\n"
	         "SELECT /* a /* b; */ c; */ 2; /**/ SELECT 3", PG);
	COUNT(sp, 3);
	STMT(sp, 0, "SELECT 1", 1, 33, 0);
	STMT(sp, 1, "SELECT /* a /* b; */ c; */ 2", 2, 1, 0);
	STMT(sp, 2, "SELECT 3", 2, 36, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_pg_dollar_quotes)
{
	split sp;

	split_ok(&sp,
	         "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
	         "DO $do$\nBEGIN\n  PERFORM 1; -- ;\nEND\n$do$;\n"
	         "SELECT $fn$ a $$ ; $f$ ; b $fn$, $_x1$;$_x1$;\n"
	         "SELECT $outer$ x $inner$ ; $inner$ ; $outer$", PG);
	COUNT(sp, 4);
	STMT(sp, 0, "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ "
	     "LANGUAGE sql", 1, 1, 0);
	STMT(sp, 1, "DO $do$\nBEGIN\n  PERFORM 1; -- ;\nEND\n$do$", 2, 1, 0);
	STMT(sp, 2, "SELECT $fn$ a $$ ; $f$ ; b $fn$, $_x1$;$_x1$", 7, 1, 0);
	STMT(sp, 3, "SELECT $outer$ x $inner$ ; $inner$ ; $outer$", 8, 1, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_pg_dollar_parameters_and_words)
{
	split sp;

	/* $1 is a parameter, a$b$ is one identifier, $1$ is no quote */
	split_ok(&sp, "PREPARE q AS SELECT $1, $2; EXECUTE q(1, 2);\n"
	         "SELECT a$b$c, x$ FROM t; SELECT $1$;\nSELECT 4", PG);
	COUNT(sp, 5);
	STMT(sp, 0, "PREPARE q AS SELECT $1, $2", 1, 1, 0);
	STMT(sp, 1, "EXECUTE q(1, 2)", 1, 29, 0);
	STMT(sp, 2, "SELECT a$b$c, x$ FROM t", 2, 1, 0);
	STMT(sp, 3, "SELECT $1$", 2, 26, 0);
	STMT(sp, 4, "SELECT 4", 3, 1, 0);
	split_free(&sp);

	/* a tag is an identifier: "$a;b$" opens nothing */
	split_ok(&sp, "SELECT $a;b$", PG);
	COUNT(sp, 2);
	STMT(sp, 0, "SELECT $a", 1, 1, 0);
	STMT(sp, 1, "b$", 1, 11, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_pg_escape_strings)
{
	split sp;

	split_ok(&sp, "SELECT E'it\\'s; ok';\nSELECT e'\\\\';\n"
	         "SELECT 'a\\'; SELECT U&'d\\0061t;''';\nSELECT E'\\\\\\';'",
	         PG);
	COUNT(sp, 5);
	STMT(sp, 0, "SELECT E'it\\'s; ok'", 1, 1, 0);
	STMT(sp, 1, "SELECT e'\\\\'", 2, 1, 0);
	/* standard strings: the backslash is an ordinary character */
	STMT(sp, 2, "SELECT 'a\\'", 3, 1, 0);
	STMT(sp, 3, "SELECT U&'d\\0061t;'''", 3, 14, 0);
	STMT(sp, 4, "SELECT E'\\\\\\';'", 4, 1, 0);
	split_free(&sp);

	/* "E" inside a longer word does not start an escape string */
	split_ok(&sp, "SELECT 1 AS DATE'x\\'; SELECT 2", PG);
	COUNT(sp, 2);
	split_free(&sp);
}
END_TEST

START_TEST(test_pg_quoted_identifiers)
{
	split sp;

	split_ok(&sp, "SELECT \"a;\"\"b\", U&\"c;\" FROM t;\n"
	         "SELECT `x; SELECT 1 # 2; SELECT 3", PG);
	COUNT(sp, 4);
	STMT(sp, 0, "SELECT \"a;\"\"b\", U&\"c;\" FROM t", 1, 1, 0);
	/* no backticks nor # comments in PostgreSQL */
	STMT(sp, 1, "SELECT `x", 2, 1, 0);
	STMT(sp, 2, "SELECT 1 # 2", 2, 12, 0);
	STMT(sp, 3, "SELECT 3", 2, 26, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_pg_copy_from_stdin)
{
	split sp;

	split_ok(&sp, "CREATE TABLE t (a int, b text);\n"
	         "COPY t (a, b) FROM stdin;\n"
	         "1\tone; /* not a comment\n"
	         "2\t'unterminated\n"
	         "\\.\n"
	         "SELECT 1;\n", PG);
	COUNT(sp, 3);
	STMT(sp, 1, "COPY t (a, b) FROM stdin", 2, 1, COPY_IN);
	ck_assert_uint_eq(sp.st[1].data_len,
	                  strlen("1\tone; /* not a comment\n2\t'unterminated\n"));
	ck_assert(memcmp(sp.st[1].data, "1\tone; /* not a comment\n"
	                 "2\t'unterminated\n", sp.st[1].data_len) == 0);
	STMT(sp, 2, "SELECT 1", 6, 1, 0);
	ck_assert_ptr_null(sp.st[0].data);
	split_free(&sp);
}
END_TEST

START_TEST(test_pg_copy_variants)
{
	split sp;

	/* options after STDIN, any case, comments between the words */
	split_ok(&sp, "copy s.t from /* c */ STDIN with (format csv, header);"
	         "  -- rest of line\n"
	         "a,b\n\"x;y\",2\n"
	         "\\.x\n \\.\n"
	         "\\.\n"
	         "Copy t FROM StdIn;\n\\.\n"
	         "COPY t FROM stdin;\r\n1\r\n\\.\r\n"
	         "SELECT 2;\n"
	         "COPY t FROM STDIN;\n3\n\\.", PG);
	COUNT(sp, 5);
	STMT(sp, 0, "copy s.t from /* c */ STDIN with (format csv, header)",
	     1, 1, COPY_IN);
	ck_assert_uint_eq(sp.st[0].data_len,
	                  strlen("a,b\n\"x;y\",2\n\\.x\n \\.\n"));
	STMT(sp, 1, "Copy t FROM StdIn", 7, 1, COPY_IN);
	ck_assert_ptr_nonnull(sp.st[1].data);
	ck_assert_uint_eq(sp.st[1].data_len, 0);
	STMT(sp, 2, "COPY t FROM stdin", 9, 1, COPY_IN);
	ck_assert_uint_eq(sp.st[2].data_len, 3);
	ck_assert(memcmp(sp.st[2].data, "1\r\n", 3) == 0);
	STMT(sp, 3, "SELECT 2", 12, 1, 0);
	STMT(sp, 4, "COPY t FROM STDIN", 13, 1, COPY_IN);
	ck_assert_uint_eq(sp.st[4].data_len, 2);
	split_free(&sp);
}
END_TEST

START_TEST(test_pg_copy_not_from_stdin)
{
	NO_TX_IS("COPY t TO stdout", PG, 0);
	NO_TX_IS("COPY t FROM '/tmp/file'", PG, 0);
	NO_TX_IS("COPY (SELECT a FROM stdin_log) TO STDOUT", PG, 0);
	NO_TX_IS("COPY t FROM \"stdin\"", PG, 0);
	NO_TX_IS("SELECT 1 FROM stdin", PG, 0);
	/* only PostgreSQL has COPY data blocks */
	for (size_t d = 0; d < N_DIALECTS; d++)
		if (all_dialects[d] != PG)
			ck_assert_uint_eq(count_of("COPY t FROM stdin;\n1\n",
			                           all_dialects[d]), 2);
}
END_TEST

START_TEST(test_pg_no_tx)
{
	static const char *yes[] = {
		"CREATE INDEX CONCURRENTLY i ON t (x)",
		"create unique index concurrently if not exists i on t (x)",
		"CREATE INDEX /* c */ -- d\n CONCURRENTLY ON t (x)",
		"DROP INDEX CONCURRENTLY IF EXISTS i",
		"REINDEX (VERBOSE) TABLE CONCURRENTLY t",
		"REINDEX INDEX CONCURRENTLY i",
		"reindex schema concurrently s",
		"REINDEX DATABASE d",
		"REINDEX (VERBOSE) SYSTEM",
		"REINDEX SCHEMA s",
		"ALTER TYPE mood ADD VALUE 'meh'",
		"alter type s.mood add value if not exists 'x' after 'y'",
		"ALTER TYPE mood ADD /* c */ VALUE 'z'",
		"VACUUM",
		"vacuum (analyze) t",
		"/* lead */ -- more\nVACUUM FULL",
		"CREATE DATABASE app",
		"DROP DATABASE IF EXISTS app",
		"ALTER SYSTEM SET work_mem = '64MB'",
		"CREATE TABLESPACE ts LOCATION '/data'",
		"DROP TABLESPACE ts",
	};
	static const char *no[] = {
		"CREATE INDEX concurrently_idx ON t(x)",
		"CREATE INDEX \"concurrently\" ON t(x)",
		"CREATE INDEX i ON t(concurrently)",
		"CREATE TABLE concurrently (x int)",
		"DROP INDEX i",
		"REINDEX TABLE t",
		"REINDEX (TABLESPACE ts) INDEX i",
		"SELECT 'VACUUM'",
		"-- VACUUM\nSELECT 1",
		"SELECT * FROM vacuum_log",
		"ANALYZE t",
		"ALTER TYPE mood RENAME VALUE 'a' TO 'b'",
		"ALTER TYPE t ADD ATTRIBUTE value int",
		"ALTER TABLE t ADD value int",
		"ALTER DATABASE app SET x = 1",
		"CREATE TABLE database (system int)",
		"CREATE SCHEMA s",
		"SELECT \"VACUUM\"",
		"SELECT $$VACUUM$$",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		NO_TX_IS(yes[i], PG, NO_TX);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		NO_TX_IS(no[i], PG, 0);

	split sp;
	split_ok(&sp, "SELECT 1;\n  vacuum; CREATE INDEX CONCURRENTLY i ON t(x);"
	         "CREATE INDEX j ON t(y)", PG);
	COUNT(sp, 4);
	STMT(sp, 1, "vacuum", 2, 3, NO_TX);
	STMT(sp, 2, "CREATE INDEX CONCURRENTLY i ON t(x)", 2, 11, NO_TX);
	STMT(sp, 3, "CREATE INDEX j ON t(y)", 2, 47, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_pg_begin_atomic)
{
	split sp;

	split_ok(&sp, "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\n"
	         "BEGIN ATOMIC\n"
	         "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
	         "  SELECT CASE a WHEN 1 THEN CASE WHEN true THEN 2 END END;\n"
	         "END;\n"
	         "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC "
	         "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END;\n"
	         "BEGIN; SELECT 1; COMMIT;\n", PG);
	COUNT(sp, 5);
	STMT(sp, 0, "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\n"
	     "BEGIN ATOMIC\n"
	     "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
	     "  SELECT CASE a WHEN 1 THEN CASE WHEN true THEN 2 END END;\n"
	     "END", 1, 1, 0);
	STMT(sp, 1, "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC "
	     "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END", 6, 1, 0);
	STMT(sp, 2, "BEGIN", 7, 1, 0);
	STMT(sp, 3, "SELECT 1", 7, 8, 0);
	STMT(sp, 4, "COMMIT", 7, 18, 0);
	split_free(&sp);

	/* a PL/pgSQL body is a dollar quote: BEGIN inside it is opaque */
	ck_assert_uint_eq(count_of("CREATE FUNCTION g() RETURNS void AS $$\n"
	                           "BEGIN\n  PERFORM 1;\nEND\n$$ LANGUAGE "
	                           "plpgsql; SELECT g();", PG), 2);
	/* a trigger is no function: it ends at its ';' */
	ck_assert_uint_eq(count_of("CREATE TRIGGER tr AFTER INSERT ON t FOR "
	                           "EACH ROW EXECUTE FUNCTION f(); BEGIN; "
	                           "END;", PG), 3);
}
END_TEST

START_TEST(test_pg_semicolon_in_parentheses)
{
	split sp;

	/* like psql: a rule with several actions stays whole */
	split_ok(&sp, "CREATE RULE r AS ON INSERT TO t DO ALSO (\n"
	         "  INSERT INTO a VALUES (1);\n  INSERT INTO b VALUES (2)\n);\n"
	         "SELECT 1", PG);
	COUNT(sp, 2);
	STMT(sp, 1, "SELECT 1", 5, 1, 0);
	split_free(&sp);
}
END_TEST

/* ------------------------------------------------------------------ */
/* MySQL / MariaDB                                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_mysql_strings)
{
	split sp;

	split_ok(&sp, "INSERT INTO t VALUES ('it\\'s; fine', \"say \\\"hi\\\"; "
	         "ok\", 'a''b;', \"c\"\"d;\", '\\\\');\n"
	         "SELECT \"a;b\", 'x\\\\'; SELECT 3", MY);
	COUNT(sp, 3);
	STMT(sp, 0, "INSERT INTO t VALUES ('it\\'s; fine', \"say \\\"hi\\\"; "
	     "ok\", 'a''b;', \"c\"\"d;\", '\\\\')", 1, 1, 0);
	STMT(sp, 1, "SELECT \"a;b\", 'x\\\\'", 2, 1, 0);
	STMT(sp, 2, "SELECT 3", 2, 22, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_mysql_backticks)
{
	split sp;

	split_ok(&sp, "SELECT `we``ird;col`, `#x`, `--y` FROM `t;`;\nSELECT 2",
	         MY);
	COUNT(sp, 2);
	STMT(sp, 0, "SELECT `we``ird;col`, `#x`, `--y` FROM `t;`", 1, 1, 0);
	STMT(sp, 1, "SELECT 2", 2, 1, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_mysql_hash_comments)
{
	split sp;

	split_ok(&sp, "# head; comment\nSELECT 1; # tail; x\n"
	         "SELECT 2 # c;\n;\n  #only\nSELECT '#'; SELECT `#`", MY);
	COUNT(sp, 4);
	STMT(sp, 0, "SELECT 1", 2, 1, 0);
	STMT(sp, 1, "SELECT 2 # c;", 3, 1, 0);
	STMT(sp, 2, "SELECT '#'", 6, 1, 0);
	STMT(sp, 3, "SELECT `#`", 6, 13, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_mysql_double_dash)
{
	split sp;

	/* "--" is a comment only when whitespace or the end follows */
	split_ok(&sp, "SELECT 1--1;\nSELECT 2 --x;\nSELECT 3 -- c;\n;\n"
	         "SELECT 4 --\t;\n;SELECT 5;--\nSELECT 6 --", MY);
	COUNT(sp, 6);
	STMT(sp, 0, "SELECT 1--1", 1, 1, 0);
	STMT(sp, 1, "SELECT 2 --x", 2, 1, 0);
	STMT(sp, 2, "SELECT 3 -- c;", 3, 1, 0);
	STMT(sp, 3, "SELECT 4 --\t;", 5, 1, 0);
	STMT(sp, 4, "SELECT 5", 6, 2, 0);
	STMT(sp, 5, "SELECT 6 --", 7, 1, 0);
	split_free(&sp);

	/* elsewhere "--x" is a comment */
	split_ok(&sp, "SELECT 2 --x;\n;", LITE);
	COUNT(sp, 1);
	STMT(sp, 0, "SELECT 2 --x;", 1, 1, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_mysql_versioned_comments)
{
	split sp;

	split_ok(&sp, "/*!40101 SET NAMES utf8; */;\n"
	         "SELECT /*!50003 1; */ 2;\n"
	         "/* plain; */ SELECT 3;\n"
	         "/*M!100100 SET x = 1; */;\n"
	         "/*+ hint */ SELECT 4", MY);
	COUNT(sp, 5);
	STMT(sp, 0, "/*!40101 SET NAMES utf8; */", 1, 1, 0);
	STMT(sp, 1, "SELECT /*!50003 1; */ 2", 2, 1, 0);
	STMT(sp, 2, "SELECT 3", 3, 14, 0);
	STMT(sp, 3, "/*M!100100 SET x = 1; */", 4, 1, 0);
	STMT(sp, 4, "SELECT 4", 5, 13, 0);
	split_free(&sp);

	/* elsewhere a versioned comment is an ordinary comment */
	ck_assert_uint_eq(count_of("/*! x; */ ;", LITE), 0);
}
END_TEST

START_TEST(test_mysql_delimiter_dollars)
{
	split sp;

	split_ok(&sp, "DELIMITER $$\n"
	         "CREATE PROCEDURE p()\n"
	         "BEGIN\n"
	         "  SELECT 1;\n"
	         "  SELECT 2;\n"
	         "END$$\n"
	         "SELECT 3 $$ SELECT ';$$' $$\n"
	         "DELIMITER ;\n"
	         "CALL p();\n", MY);
	COUNT(sp, 4);
	STMT(sp, 0, "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND",
	     2, 1, 0);
	STMT(sp, 1, "SELECT 3", 7, 1, 0);
	STMT(sp, 2, "SELECT ';$$'", 7, 13, 0);
	STMT(sp, 3, "CALL p()", 9, 1, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_mysql_delimiter_slashes)
{
	split sp;

	split_ok(&sp, "SELECT 0;\n"
	         "  delimiter //  \n"
	         "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\n"
	         "BEGIN\n"
	         "  IF NEW.a < 0 THEN SET NEW.a = 0; END IF;\n"
	         "END //\n"
	         "SELECT 1; SELECT 2//\n"
	         "Delimiter ;;\n"
	         "SELECT 3;; SELECT 4 ;;\n"
	         "DELIMITER ;\r\n"
	         "SELECT 5; SELECT delimiter FROM t;", MY);
	COUNT(sp, 7);
	STMT(sp, 0, "SELECT 0", 1, 1, 0);
	STMT(sp, 1, "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\n"
	     "BEGIN\n  IF NEW.a < 0 THEN SET NEW.a = 0; END IF;\nEND", 3, 1, 0);
	STMT(sp, 2, "SELECT 1; SELECT 2", 7, 1, 0);
	STMT(sp, 3, "SELECT 3", 9, 1, 0);
	STMT(sp, 4, "SELECT 4", 9, 12, 0);
	STMT(sp, 5, "SELECT 5", 11, 1, 0);
	STMT(sp, 6, "SELECT delimiter FROM t", 11, 11, 0);
	split_free(&sp);

	split_ok(&sp, "DELIMITER //\nCREATE PROCEDURE q()\nBEGIN\n  SELECT 1;\n"
	         "END//\nDELIMITER ;\nCALL q();", MY);
	COUNT(sp, 2);
	STMT(sp, 0, "CREATE PROCEDURE q()\nBEGIN\n  SELECT 1;\nEND", 2, 1, 0);
	STMT(sp, 1, "CALL q()", 7, 1, 0);
	split_free(&sp);

	/* a DELIMITER line is only a command in MySQL */
	ck_assert_uint_eq(count_of("DELIMITER $$\nSELECT 1$$", LITE), 1);
}
END_TEST

static const char *const mysql_procedure =
	"CREATE PROCEDURE p(IN n INT)\n"
	"BEGIN\n"
	"  DECLARE x INT DEFAULT 0;\n"
	"  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;\n"
	"  lbl: LOOP\n"
	"    SET x = x + 1;\n"
	"    IF x > n THEN LEAVE lbl; ELSEIF x = 2 THEN ITERATE lbl;\n"
	"    ELSE IF x = 3 THEN SELECT 3; END IF; END IF;\n"
	"    SET @y = IF(x > 1, REPEAT('a', 2), 'b');\n"
	"    CASE x WHEN 1 THEN SELECT 1;\n"
	"      ELSE SELECT CASE WHEN x THEN IF(x, 1, 2) END; END CASE;\n"
	"  END LOOP lbl;\n"
	"  WHILE x > 0 DO SET x = x - 1; END WHILE;\n"
	"  `my lbl`: REPEAT SET x = x + 1; UNTIL x > 5 END REPEAT `my lbl`;\n"
	"  inner_blk: BEGIN SELECT 'END;'; END inner_blk;\n"
	"END";

START_TEST(test_mysql_procedure_without_delimiter)
{
	split sp;
	size_t plen = strlen(mysql_procedure);
	char *text = malloc(plen + 64);

	ck_assert_ptr_nonnull(text);
	snprintf(text, plen + 64, "SELECT 0;\n%s;\nCALL p(3);\n",
	         mysql_procedure);
	split_ok(&sp, text, MY);
	COUNT(sp, 3);
	STMT(sp, 0, "SELECT 0", 1, 1, 0);
	STMT(sp, 1, mysql_procedure, 2, 1, 0);
	STMT(sp, 2, "CALL p(3)", 18, 1, 0);
	split_free(&sp);
	free(text);
}
END_TEST

START_TEST(test_mysql_routine_headers)
{
	static const char *one[] = {
		"CREATE DEFINER=`root`@`localhost` PROCEDURE p() "
		"BEGIN SELECT 1; SELECT 2; END",
		"CREATE DEFINER = 'a'@'%' FUNCTION f() RETURNS INT DETERMINISTIC "
		"BEGIN DECLARE x INT; SET x = 1; RETURN x; END",
		"create definer=current_user() trigger tr before insert on t "
		"for each row begin set new.a = 1; set new.b = 2; end",
		"CREATE DEFINER=CURRENT_USER EVENT e ON SCHEDULE EVERY 1 DAY DO "
		"BEGIN DELETE FROM t; DELETE FROM u; END",
		"CREATE DEFINER=admin@localhost PROCEDURE p() lbl: BEGIN "
		"SELECT 1; END lbl",
		"CREATE DEFINER='u'@'10.0.0.1' PROCEDURE p() BEGIN SELECT 1; END",
		"CREATE OR REPLACE DEFINER=u@h AGGREGATE FUNCTION f(x INT) "
		"RETURNS INT BEGIN DECLARE CONTINUE HANDLER FOR NOT FOUND "
		"RETURN 0; LOOP FETCH GROUP NEXT ROW; END LOOP; END",
		"CREATE PROCEDURE p() /* c */ BEGIN -- x;\n SELECT 1; # y;\n END",
		"BEGIN NOT ATOMIC\n  DECLARE x INT;\n  IF x THEN SELECT 1; "
		"END IF;\nEND",
	};
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		char buf[512];
		snprintf(buf, sizeof(buf), "%s;\nSELECT 9;", one[i]);
		split sp;
		split_ok(&sp, buf, MY);
		ck_assert_msg(sp.n == 2, "<%s>: %zu statements", one[i], sp.n);
		STMT(sp, 0, one[i], 1, 1, 0);
		split_free(&sp);
	}
}
END_TEST

START_TEST(test_mysql_single_statement_bodies)
{
	split sp;

	split_ok(&sp, "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW "
	         "SET NEW.a = 1;\n"
	         "CREATE FUNCTION f() RETURNS INT RETURN IF(1, 2, 3);\n"
	         "CREATE FUNCTION g(x INT) RETURNS INT RETURN CASE WHEN x THEN 1 "
	         "ELSE 0 END;\n"
	         "CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM t;\n"
	         "SELECT 1;", MY);
	COUNT(sp, 5);
	STMT(sp, 0, "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW "
	     "SET NEW.a = 1", 1, 1, 0);
	STMT(sp, 1, "CREATE FUNCTION f() RETURNS INT RETURN IF(1, 2, 3)",
	     2, 1, 0);
	STMT(sp, 3, "CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM t",
	     4, 1, 0);
	STMT(sp, 4, "SELECT 1", 5, 1, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_mysql_begin_is_a_statement)
{
	split sp;

	split_ok(&sp, "BEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\n"
	         "BEGIN WORK;\nSELECT 1;\nCOMMIT;\n"
	         "CREATE TABLE event (id INT, `begin` INT, end INT);\n"
	         "CREATE TABLE procedure_log (x INT); SELECT 2;", MY);
	COUNT(sp, 9);
	STMT(sp, 0, "BEGIN", 1, 1, 0);
	STMT(sp, 3, "BEGIN WORK", 4, 1, 0);
	STMT(sp, 6, "CREATE TABLE event (id INT, `begin` INT, end INT)",
	     7, 1, 0);
	STMT(sp, 8, "SELECT 2", 8, 37, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_ddl_flag)
{
	static const char *const ddl[] = {
		"CREATE TABLE t (id int)", "create index i on t (x)",
		"ALTER TABLE t ADD COLUMN y int", "DROP TABLE t", "RENAME TABLE a TO b",
		"TRUNCATE t", "GRANT SELECT ON t TO u", "REVOKE ALL ON t FROM u",
		"LOCK TABLES t WRITE", "UNLOCK TABLES", "ANALYZE TABLE t",
		"OPTIMIZE TABLE t", "/* c */ CREATE VIEW v AS SELECT 1",
	};
	static const char *const dml[] = {
		"INSERT INTO t VALUES (1)", "UPDATE t SET x = 1", "DELETE FROM t",
		"SELECT 'CREATE TABLE x'", "CREATE TEMPORARY TABLE tmp (x int)",
		"DROP TEMPORARY TABLE tmp", "REPLACE INTO t VALUES (1)",
		"SET @x = 1",
	};
	const strata_dialect all[] = { MY, PG, LITE, GEN };
	for (size_t d = 0; d < sizeof(all) / sizeof(all[0]); d++) {
		for (size_t i = 0; i < sizeof(ddl) / sizeof(ddl[0]); i++)
			DDL_IS(ddl[i], all[d], 1);
		for (size_t i = 0; i < sizeof(dml) / sizeof(dml[0]); i++)
			DDL_IS(dml[i], all[d], 0);
	}
	/* MySQL: what a prepared statement or a procedure runs is not seen
	 * here and may be DDL, which commits implicitly */
	DDL_IS("CALL p()", MY, 1);
	DDL_IS("EXECUTE stmt", MY, 1);
	DDL_IS("execute stmt USING @a", MY, 1);
	DDL_IS("CALL p()", PG, 0);
	DDL_IS("EXECUTE stmt", PG, 0);
	DDL_IS("SELECT 1 FROM execute", MY, 0);
	/* a routine is DDL, whatever its body holds */
	DDL_IS("CREATE PROCEDURE p() BEGIN INSERT INTO t VALUES (1); END", MY, 1);
}
END_TEST

START_TEST(test_tx_control_flags)
{
	static const strata_dialect all[] = { PG, MY, LITE, GEN };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		strata_dialect d = all[i];
		TX_CONTROL_IS("BEGIN", d, 1);
		TX_CONTROL_IS("begin transaction", d, 1);
		TX_CONTROL_IS("/* c */ START TRANSACTION", d, 1);
		TX_CONTROL_IS("COMMIT", d, 1);
		TX_CONTROL_IS("rollback to savepoint a", d, 1);
		TX_CONTROL_IS("SAVEPOINT a", d, 1);
		TX_CONTROL_IS("RELEASE SAVEPOINT a", d, 1);
		TX_CONTROL_IS("SELECT commit FROM t", d, 0);
		TX_CONTROL_IS("INSERT INTO begin VALUES (1)", d, 0);
		TX_CONTROL_IS("CREATE TABLE t (id int)", d, 0);
	}
	TX_CONTROL_IS("END", PG, 1);
	TX_CONTROL_IS("ABORT", PG, 1);
	/* which ones open and end a transaction (strata refuses those in a
	 * transactional migration) and which only mark one */
	const unsigned op = STRATA_STMT_TX_OPENS, en = STRATA_STMT_TX_ENDS;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		strata_dialect d = all[i];
		ck_assert_uint_eq(all_flags_of("BEGIN", d) & (op | en), op);
		ck_assert_uint_eq(all_flags_of("START TRANSACTION", d) & (op | en), op);
		ck_assert_uint_eq(all_flags_of("commit", d) & (op | en), en);
		ck_assert_uint_eq(all_flags_of("COMMIT WORK", d) & (op | en), en);
		ck_assert_uint_eq(all_flags_of("ROLLBACK", d) & (op | en), en);
		ck_assert_uint_eq(all_flags_of("ROLLBACK WORK", d) & (op | en), en);
		ck_assert_uint_eq(all_flags_of("ROLLBACK TO SAVEPOINT a", d) & (op | en), 0);
		ck_assert_uint_eq(all_flags_of("rollback to a", d) & (op | en), 0);
		ck_assert_uint_eq(all_flags_of("ROLLBACK WORK TO SAVEPOINT a", d) & (op | en), 0);
		ck_assert_uint_eq(all_flags_of("SAVEPOINT a", d) & (op | en), 0);
		ck_assert_uint_eq(all_flags_of("RELEASE SAVEPOINT a", d) & (op | en), 0);
	}
	ck_assert_uint_eq(all_flags_of("END", PG) & (op | en), en);
	ck_assert_uint_eq(all_flags_of("END TRANSACTION", LITE) & (op | en), en);
	ck_assert_uint_eq(all_flags_of("ABORT", PG) & (op | en), en);
	ck_assert_uint_eq(all_flags_of("PREPARE TRANSACTION 'x'", PG) & (op | en), en);
	ck_assert_uint_eq(all_flags_of("ROLLBACK TRANSACTION TO SAVEPOINT a", PG) & (op | en), 0);
	/* MySQL's START SLAVE / START REPLICA is not a transaction */
	ck_assert_uint_eq(all_flags_of("START SLAVE", MY) & (op | en), 0);
	/* a trigger body's BEGIN is not one */
	TX_CONTROL_IS("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END", LITE, 0);
	/* SQLite refuses ATTACH and DETACH in a transaction */
	NO_TX_IS("ATTACH DATABASE 'x.db' AS x", LITE, NO_TX);
	NO_TX_IS("detach x", LITE, NO_TX);
	NO_TX_IS("ATTACH DATABASE 'x.db' AS x", PG, 0);
}
END_TEST

START_TEST(test_mysql_no_tx_flags)
{
	/* MySQL DDL commits implicitly: nothing is flagged */
	NO_TX_IS("VACUUM", MY, 0);
	NO_TX_IS("CREATE DATABASE d", MY, 0);
	NO_TX_IS("CREATE INDEX CONCURRENTLY i ON t (x)", MY, 0);
	/* no dollar quotes, no nested comments */
	ck_assert_uint_eq(count_of("SELECT $$a; b$$", MY), 2);
	ck_assert_uint_eq(count_of("/* a /* b */ SELECT 1; */", MY), 2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* SQLite and generic                                                   */
/* ------------------------------------------------------------------ */

START_TEST(test_sqlite_identifiers)
{
	for (int g = 0; g < 2; g++) {
		strata_dialect d = g ? GEN : LITE;
		split sp;
		split_ok(&sp, "SELECT \"a;\"\"b\", [c;d], `e;``f` FROM t;\n"
		         "SELECT 'x\\'; SELECT $a, E'\\'; SELECT 4 # 5;", d);
		COUNT(sp, 4);
		STMT(sp, 0, "SELECT \"a;\"\"b\", [c;d], `e;``f` FROM t", 1, 1, 0);
		STMT(sp, 1, "SELECT 'x\\'", 2, 1, 0);
		STMT(sp, 2, "SELECT $a, E'\\'", 2, 14, 0);
		STMT(sp, 3, "SELECT 4 # 5", 2, 31, 0);
		split_free(&sp);
	}
}
END_TEST

START_TEST(test_sqlite_trigger)
{
	static const char *trigger =
		"CREATE TRIGGER tr AFTER UPDATE ON t\n"
		"BEGIN\n"
		"  UPDATE u SET x = CASE WHEN new.a > 0 THEN 1 ELSE 0 END;\n"
		"  UPDATE u SET y = CASE new.b WHEN 1 THEN CASE WHEN 1 THEN 2 END "
		"END;\n"
		"  INSERT INTO log VALUES (new.a, 'END;');\n"
		"END";
	for (int g = 0; g < 2; g++) {
		strata_dialect d = g ? GEN : LITE;
		char buf[1024];
		split sp;
		snprintf(buf, sizeof(buf), "%s;\nSELECT 1;", trigger);
		split_ok(&sp, buf, d);
		COUNT(sp, 2);
		STMT(sp, 0, trigger, 1, 1, 0);
		STMT(sp, 1, "SELECT 1", 7, 1, 0);
		split_free(&sp);

		split_ok(&sp, "create temp trigger if not exists tr before "
		         "insert on t when case when new.a then 1 end begin "
		         "select raise(abort, 'no; way'); end; SELECT 2;\n"
		         "CREATE TEMPORARY TRIGGER t2 AFTER DELETE ON t BEGIN "
		         "DELETE FROM u; END", d);
		COUNT(sp, 3);
		STMT(sp, 1, "SELECT 2", 1, 132, 0);
		STMT(sp, 2, "CREATE TEMPORARY TRIGGER t2 AFTER DELETE ON t "
		     "BEGIN DELETE FROM u; END", 2, 1, 0);
		split_free(&sp);
	}
}
END_TEST

START_TEST(test_sqlite_begin_is_a_statement)
{
	split sp;

	split_ok(&sp, "BEGIN;\nCREATE TABLE t (a, b);\nCOMMIT;\n"
	         "BEGIN TRANSACTION; SELECT CASE WHEN 1 THEN 2 END; "
	         "END TRANSACTION;\nCREATE VIEW v AS SELECT CASE a WHEN 1 THEN 2 "
	         "END FROM t; SELECT 1", LITE);
	COUNT(sp, 8);
	STMT(sp, 3, "BEGIN TRANSACTION", 4, 1, 0);
	STMT(sp, 5, "END TRANSACTION", 4, 51, 0);
	STMT(sp, 7, "SELECT 1", 5, 58, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_sqlite_comments_not_nested)
{
	split sp;

	split_ok(&sp, "/* a /* b */ SELECT 1; */", LITE);
	COUNT(sp, 2);
	STMT(sp, 0, "SELECT 1", 1, 14, 0);
	STMT(sp, 1, "*/", 1, 24, 0);
	split_free(&sp);
}
END_TEST

START_TEST(test_sqlite_vacuum)
{
	NO_TX_IS("VACUUM", LITE, NO_TX);
	NO_TX_IS("vacuum main", LITE, NO_TX);
	NO_TX_IS("-- c\n/* d */ VACUUM INTO 'backup.db'", LITE, NO_TX);
	NO_TX_IS("SELECT 'VACUUM'", LITE, 0);
	NO_TX_IS("CREATE INDEX CONCURRENTLY i ON t (x)", LITE, 0);
	NO_TX_IS("CREATE TABLE vacuum_log (x)", LITE, 0);
	NO_TX_IS("CREATE DATABASE d", LITE, 0);
	/* PRAGMAs SQLite silently ignores inside a transaction */
	NO_TX_IS("PRAGMA foreign_keys = OFF", LITE, NO_TX);
	NO_TX_IS("pragma main.journal_mode=WAL", LITE, NO_TX);
	NO_TX_IS("PRAGMA user_version = 3", LITE, 0);
	NO_TX_IS("SELECT foreign_keys FROM pragma_list", LITE, 0);
	NO_TX_IS("PRAGMA foreign_keys = OFF", PG, 0);
	/* generic: SQLite rules, no flags */
	NO_TX_IS("VACUUM", GEN, 0);
	NO_TX_IS("CREATE INDEX CONCURRENTLY i ON t (x)", GEN, 0);
	NO_TX_IS("DROP DATABASE d", GEN, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

START_TEST(test_error_unterminated_strings)
{
	for (size_t d = 0; d < N_DIALECTS; d++)
		ERROR_IS("SELECT 1;\n  SELECT 'abc;\nSELECT 2;\n",
		         all_dialects[d], 2, 10,
		         "unterminated quoted string starting at line 2, "
		         "column 10");
	ERROR_IS("SELECT E'abc\\';", PG, 1, 8, "unterminated quoted string");
	ERROR_IS("SELECT U&'abc", PG, 1, 8, "unterminated quoted string");
	ERROR_IS("\n\nSELECT 'it\\';", MY, 3, 8, "unterminated quoted string");
	ERROR_IS("SELECT \"a\\\";", MY, 1, 8, "unterminated quoted string");
}
END_TEST

START_TEST(test_error_unterminated_identifiers)
{
	ERROR_IS("SELECT 1;\nSELECT \"a;", PG, 2, 8,
	         "unterminated quoted identifier starting at line 2, column 8");
	ERROR_IS("SELECT \"a\"\";", LITE, 1, 8, "unterminated quoted identifier");
	ERROR_IS("SELECT \"a", GEN, 1, 8, "unterminated quoted identifier");
	ERROR_IS("SELECT 1;\n\n   SELECT `a``;", MY, 3, 11,
	         "unterminated backtick-quoted identifier starting at line 3, "
	         "column 11");
	ERROR_IS("SELECT `a", LITE, 1, 8, "unterminated backtick");
	ERROR_IS("SELECT [a;\nb", LITE, 1, 8,
	         "unterminated bracket-quoted identifier");
	ERROR_IS("SELECT [a", GEN, 1, 8, "unterminated bracket-quoted");
}
END_TEST

START_TEST(test_error_unterminated_comments)
{
	for (size_t d = 0; d < N_DIALECTS; d++)
		ERROR_IS("SELECT 1;\n /* never closed; SELECT 2;", all_dialects[d],
		         2, 2, "unterminated block comment starting at line 2, "
		         "column 2");
	/* nested: the inner close does not end the outer comment */
	ERROR_IS("/* a /* b */ SELECT 1;", PG, 1, 1, "unterminated block "
	         "comment");
	ERROR_IS("SELECT /*!50003 1;", MY, 1, 8, "unterminated versioned "
	         "comment starting at line 1, column 8");
	ERROR_IS("SELECT 1 /*/", LITE, 1, 10, "unterminated block comment");
}
END_TEST

START_TEST(test_error_unterminated_dollar_quote)
{
	ERROR_IS("SELECT 1;\n\n-- x\nCREATE FUNCTION f() AS $fn$ SELECT 1; $$;"
	         "\n$fn;\n", PG, 4, 24, "unterminated dollar-quoted string $fn$ "
	         "starting at line 4, column 24");
	ERROR_IS("DO $$ BEGIN", PG, 1, 4,
	         "unterminated dollar-quoted string $$ starting at line 1, "
	         "column 4");
}
END_TEST

START_TEST(test_error_copy_without_end)
{
	ERROR_IS("SELECT 1;\n  COPY t FROM stdin;\n1\n2\n\\.3\n", PG, 2, 3,
	         "unterminated COPY FROM stdin data");
	ERROR_IS("COPY t FROM stdin;", PG, 1, 1, "COPY");
	ERROR_IS("SELECT 1;\nCOPY t FROM stdin; SELECT 2;\n1\n\\.\n", PG, 2, 20,
	         "unexpected text after COPY FROM stdin at line 2, column 20");
	ERROR_IS("COPY t FROM stdin", PG, 1, 1, "COPY");
}
END_TEST

START_TEST(test_error_delimiter_without_argument)
{
	ERROR_IS("SELECT 1;\nDELIMITER   \nSELECT 2;", MY, 2, 1,
	         "DELIMITER without a delimiter at line 2, column 1");
}
END_TEST

START_TEST(test_error_first_line_and_null_err)
{
	strata_error err = { 0 };
	strata_stmt *st = NULL;
	size_t n = 0;
	const char *text = "\n  SELECT 'x";

	ck_assert_int_eq(strata_sql_split(&st, &n, text, strlen(text), PG, 100,
	                                  &err), STRATA_EPARSE);
	ck_assert_int_eq(err.line, 101);
	ck_assert_int_eq(err.column, 10);
	ck_assert_ptr_nonnull(strstr(err.message, "line 101, column 10"));
	/* err may be NULL */
	ck_assert_int_eq(strata_sql_split(&st, &n, text, strlen(text), PG, 1,
	                                  NULL), STRATA_EPARSE);
	ck_assert_ptr_null(st);
	/* the text need not be NUL-terminated: len bounds every scan */
	ck_assert_int_eq(strata_sql_split(&st, &n, "'ab'", 3, LITE, 1, &err),
	                 STRATA_EPARSE);
	ck_assert_int_eq(strata_sql_split(&st, &n, "$a$ $a$", 6, PG, 1, &err),
	                 STRATA_EPARSE);
	ck_assert_int_eq(strata_sql_split(&st, &n, "/* */", 4, PG, 1, &err),
	                 STRATA_EPARSE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Large and random inputs                                              */
/* ------------------------------------------------------------------ */

/* Appends to a growing buffer. */
typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static void buf_add(buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

#define BIG 100000

START_TEST(test_large_input)
{
	static const struct {
		strata_dialect d;
		const char *stmt;
	} cases[] = {
		{ PG, "INSERT INTO t VALUES (1, 'a;b', $$c;$$); -- x;\n" },
		{ MY, "INSERT INTO t VALUES (1, 'a\\';b', `c;`); # x;\n" },
		{ LITE, "INSERT INTO t VALUES (1, 'a;b', [c;]); /* x; */\n" },
		{ GEN, "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END;\n" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		buf b = { 0 };
		for (int i = 0; i < BIG; i++)
			buf_add(&b, cases[c].stmt);
		split sp;
		split_ok(&sp, b.p, cases[c].d);
		ck_assert_uint_eq(sp.n, BIG);
		ck_assert_int_eq(sp.st[BIG - 1].line, BIG);
		ck_assert_int_eq(sp.st[BIG - 1].column, 1);
		split_free(&sp);
		free(b.p);
	}
}
END_TEST

START_TEST(test_large_single_tokens)
{
	buf b = { 0 };
	split sp;

	/* one long dollar quote with many '$' inside, a long comment, a long
	 * COPY block and a deeply nested trigger body */
	buf_add(&b, "SELECT $tag$");
	for (int i = 0; i < BIG; i++)
		buf_add(&b, "$ta$ $$; ");
	buf_add(&b, "$tag$;\n/*");
	for (int i = 0; i < BIG; i++)
		buf_add(&b, "/* ; */");
	buf_add(&b, "*/ COPY t FROM stdin;\n");
	for (int i = 0; i < BIG; i++)
		buf_add(&b, "1\t;\n");
	buf_add(&b, "\\.\nSELECT 2");
	split_ok(&sp, b.p, PG);
	COUNT(sp, 3);
	STMT(sp, 2, "SELECT 2", BIG + 4, 1, 0);
	ck_assert_uint_eq(sp.st[1].data_len, (size_t)BIG * 4);
	split_free(&sp);

	b.len = 0;
	buf_add(&b, "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT ");
	for (int i = 0; i < 1000; i++)
		buf_add(&b, "CASE WHEN 1 THEN ");
	for (int i = 0; i < 1000; i++)
		buf_add(&b, "2 END; ");
	buf_add(&b, "END; SELECT 3");
	split_ok(&sp, b.p, LITE);
	COUNT(sp, 2);
	split_free(&sp);
	free(b.p);
}
END_TEST

static unsigned long rnd_state = 12345;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((rnd_state >> 33) % n);
}

START_TEST(test_random_input)
{
	static const char *frags[] = {
		";", " ", "\n", "\r\n", "\t", "'", "''", "\"", "`", "[", "]",
		"$", "$$", "$t$", "$1", "--", "-- ", "#", "/*", "*/", "/*!",
		"\\", "\\.\n", "E'", "U&'", "(", ")", ":", "@", "=", "x",
		"SELECT", "BEGIN", "END", "CASE", "IF", "LOOP", "CREATE",
		"PROCEDURE", "TRIGGER", "FUNCTION", "ATOMIC", "DEFINER", "COPY",
		"FROM", "STDIN", "VACUUM", "CONCURRENTLY", "INDEX", "DELIMITER",
		"\nDELIMITER $$\n", "\nDELIMITER ;\n", "é", "\x01", "1",
	};
	size_t nfrag = sizeof(frags) / sizeof(frags[0]);
	buf b = { 0 };

	for (int iter = 0; iter < 3000; iter++) {
		b.len = 0;
		buf_add(&b, "");
		unsigned len = rnd(40);
		for (unsigned i = 0; i < len; i++)
			buf_add(&b, frags[rnd((unsigned)nfrag)]);
		for (size_t d = 0; d < N_DIALECTS; d++) {
			strata_error err = { 0 };
			split sp = { .text = b.p, .len = b.len, .first_line = 7 };
			int rc = strata_sql_split(&sp.st, &sp.n, b.p, b.len,
			                          all_dialects[d], 7, &err);
			ck_assert_msg(rc == 0 || rc == STRATA_EPARSE,
			              "rc %d on <%s>", rc, b.p);
			if (rc == 0) {
				check_invariants(&sp);
			} else {
				ck_assert_ptr_null(sp.st);
				ck_assert_int_ge(err.line, 7);
				ck_assert_int_ge(err.column, 1);
			}
			split_free(&sp);
		}
	}
	free(b.p);
}
END_TEST

/* ------------------------------------------------------------------ */

Suite *sql_suite(void)
{
	Suite *s = suite_create("sql");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_dialect_name);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_empty_input);
	tcase_add_test(tc, test_only_whitespace_and_comments);
	tcase_add_test(tc, test_positions);
	tcase_add_test(tc, test_last_statement_without_terminator);
	tcase_add_test(tc, test_leading_comments_dropped_inner_kept);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_single_quotes_everywhere);
	tcase_add_test(tc, test_non_ascii_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("postgres");
	tcase_add_test(tc, test_pg_nested_comments);
	tcase_add_test(tc, test_pg_dollar_quotes);
	tcase_add_test(tc, test_pg_dollar_parameters_and_words);
	tcase_add_test(tc, test_pg_escape_strings);
	tcase_add_test(tc, test_pg_quoted_identifiers);
	tcase_add_test(tc, test_pg_copy_from_stdin);
	tcase_add_test(tc, test_pg_copy_variants);
	tcase_add_test(tc, test_pg_copy_not_from_stdin);
	tcase_add_test(tc, test_pg_no_tx);
	tcase_add_test(tc, test_pg_begin_atomic);
	tcase_add_test(tc, test_pg_semicolon_in_parentheses);
	suite_add_tcase(s, tc);

	tc = tcase_create("mysql");
	tcase_add_test(tc, test_mysql_strings);
	tcase_add_test(tc, test_mysql_backticks);
	tcase_add_test(tc, test_mysql_hash_comments);
	tcase_add_test(tc, test_mysql_double_dash);
	tcase_add_test(tc, test_mysql_versioned_comments);
	tcase_add_test(tc, test_mysql_delimiter_dollars);
	tcase_add_test(tc, test_mysql_delimiter_slashes);
	tcase_add_test(tc, test_mysql_procedure_without_delimiter);
	tcase_add_test(tc, test_mysql_routine_headers);
	tcase_add_test(tc, test_mysql_single_statement_bodies);
	tcase_add_test(tc, test_mysql_begin_is_a_statement);
	tcase_add_test(tc, test_mysql_no_tx_flags);
	tcase_add_test(tc, test_tx_control_flags);
	suite_add_tcase(s, tc);

	tc = tcase_create("sqlite");
	tcase_add_test(tc, test_sqlite_identifiers);
	tcase_add_test(tc, test_sqlite_trigger);
	tcase_add_test(tc, test_sqlite_begin_is_a_statement);
	tcase_add_test(tc, test_sqlite_comments_not_nested);
	tcase_add_test(tc, test_sqlite_vacuum);
	tcase_add_test(tc, test_ddl_flag);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_error_unterminated_strings);
	tcase_add_test(tc, test_error_unterminated_identifiers);
	tcase_add_test(tc, test_error_unterminated_comments);
	tcase_add_test(tc, test_error_unterminated_dollar_quote);
	tcase_add_test(tc, test_error_copy_without_end);
	tcase_add_test(tc, test_error_delimiter_without_argument);
	tcase_add_test(tc, test_error_first_line_and_null_err);
	suite_add_tcase(s, tc);

	tc = tcase_create("stress");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_large_input);
	tcase_add_test(tc, test_large_single_tokens);
	tcase_add_test(tc, test_random_input);
	suite_add_tcase(s, tc);

	return s;
}
