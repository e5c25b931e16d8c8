/* tests/check_dotenv.c - the .env parser of the strata tool
 * (src/cli/dotenv.c): godotenv's format, precedence, errors with
 * FILE:LINE that never show a value. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/dotenv.h"
#include "cli/options.h"
#include "suites.h"

static cli_dotenv env;
static char msg[512];

static void setup(void)
{
	memset(&env, 0, sizeof(env));
	msg[0] = '\0';
	unsetenv("STRATA_T_REAL");
	unsetenv("STRATA_T_EMPTY");
}

static void teardown(void)
{
	cli_dotenv_free(&env);
	unsetenv("STRATA_T_REAL");
	unsetenv("STRATA_T_EMPTY");
}

static int parse(const char *text)
{
	return cli_dotenv_parse(&env, "t.env", text, strlen(text), msg, sizeof(msg));
}

/* the value of KEY, "<unset>" when the files do not set it */
static const char *get(const char *key)
{
	const char *v = cli_dotenv_get(&env, key);
	return v ? v : "<unset>";
}

START_TEST(test_plain)
{
	ck_assert_int_eq(parse("A=1\n"
	                       "export B=two words\n"
	                       "  C = spaced  \n"
	                       "D:yaml style\n"
	                       "E=\n"
	                       "F.G-H_9=dots\n"
	                       "export=is a key\n"
	                       "URL=postgres://u:p@h:5432/db?sslmode=require\n"
	                       "LAST=no newline"), 0);
	ck_assert_str_eq(get("A"), "1");
	ck_assert_str_eq(get("B"), "two words");
	ck_assert_str_eq(get("C"), "spaced");
	ck_assert_str_eq(get("D"), "yaml style");
	ck_assert_str_eq(get("E"), "");
	ck_assert_str_eq(get("F.G-H_9"), "dots");
	ck_assert_str_eq(get("export"), "is a key");
	ck_assert_str_eq(get("URL"), "postgres://u:p@h:5432/db?sslmode=require");
	ck_assert_str_eq(get("LAST"), "no newline");
	ck_assert_uint_eq(env.n, 9);
}
END_TEST

START_TEST(test_comments_and_blank_lines)
{
	ck_assert_int_eq(parse("# a comment\n"
	                       "\n"
	                       "   \t\n"
	                       "  # indented comment\n"
	                       "A=value # a comment\n"
	                       "B=pass#word\n"
	                       "C=x\t# tab before\n"
	                       "D= # only a comment\n"
	                       "E=#not a comment\n"
	                       "F='quoted' # comment\n"
	                       "G=\"a # b\"\n"), 0);
	ck_assert_str_eq(get("A"), "value");
	ck_assert_str_eq(get("B"), "pass#word");
	ck_assert_str_eq(get("C"), "x");
	ck_assert_str_eq(get("D"), "");
	ck_assert_str_eq(get("E"), "#not a comment");
	ck_assert_str_eq(get("F"), "quoted");
	ck_assert_str_eq(get("G"), "a # b");
	ck_assert_uint_eq(env.n, 7);
}
END_TEST

START_TEST(test_quotes)
{
	ck_assert_int_eq(parse("S='lit $A \\n \\\\ \"x\"'\n"
	                       "D=\"l1\\nl2\\r \\\"q\\\" back\\\\slash \\t\"\n"
	                       "M=\"two\nlines\"\n"
	                       "SM='it\\'s'\n"
	                       "E=''\n"
	                       "BS=\"ends in \\\\\"\n"), 0);
	ck_assert_str_eq(get("S"), "lit $A \\n \\\\ \"x\"");
	ck_assert_str_eq(get("D"), "l1\nl2\r \"q\" back\\slash t");
	ck_assert_str_eq(get("M"), "two\nlines");
	ck_assert_str_eq(get("SM"), "it\\'s");
	ck_assert_str_eq(get("E"), "");
	ck_assert_str_eq(get("BS"), "ends in \\");
}
END_TEST

START_TEST(test_crlf)
{
	ck_assert_int_eq(parse("A=1\r\nB=\"x\"\r\n# c\r\nC='y' # z\r\nD=\"l1\r\nl2\"\r\n"), 0);
	ck_assert_str_eq(get("A"), "1");
	ck_assert_str_eq(get("B"), "x");
	ck_assert_str_eq(get("C"), "y");
	ck_assert_str_eq(get("D"), "l1\nl2");
	/* the line of an error counts CRLF lines as one each */
	cli_dotenv_free(&env);
	ck_assert_int_eq(parse("A=1\r\n\r\nnot a line\r\n"), CLI_EXIT_USAGE);
	ck_assert_str_eq(msg, "t.env:3: expected '=' after the variable name");
}
END_TEST

START_TEST(test_expansion)
{
	setenv("STRATA_T_REAL", "real", 1);
	setenv("STRATA_T_EMPTY", "", 1);
	ck_assert_int_eq(parse("HOST=db.internal\n"
	                       "STRATA_T_REAL=from file\n"
	                       "A=postgres://$HOST/app\n"
	                       "B=\"${HOST}:5432\"\n"
	                       "C='$HOST'\n"
	                       "R=${STRATA_T_REAL}\n"
	                       "EMPTY=[$STRATA_T_EMPTY]\n"
	                       "U=[$STRATA_T_NOT_SET_ANYWHERE]\n"
	                       "LOWER=pa$word ${lower}\n"
	                       "ESC=\\$HOST \"\\$HOST\"\n"
	                       "DQESC=\"\\$HOST\"\n"
	                       "ODD=$ ${ $( ${HOST\n"
	                       "LATER=$NEXT\n"
	                       "NEXT=n\n"
	                       "HOST=changed\n"
	                       "SELF=$HOST-x\n"), 0);
	ck_assert_str_eq(get("A"), "postgres://db.internal/app");
	ck_assert_str_eq(get("B"), "db.internal:5432");
	ck_assert_str_eq(get("C"), "$HOST");
	/* the environment wins, also for what a value expands */
	ck_assert_str_eq(get("R"), "real");
	ck_assert_str_eq(get("EMPTY"), "[]");
	ck_assert_str_eq(get("U"), "[]");
	/* only [A-Z0-9_] names expand, so a '$' in a password stays */
	ck_assert_str_eq(get("LOWER"), "pa$word ${lower}");
	ck_assert_str_eq(get("ESC"), "$HOST \"$HOST\"");
	ck_assert_str_eq(get("DQESC"), "$HOST");
	ck_assert_str_eq(get("ODD"), "$ ${ $( ${HOST");
	/* a later line is not seen yet */
	ck_assert_str_eq(get("LATER"), "");
	ck_assert_str_eq(get("HOST"), "changed");
	ck_assert_str_eq(get("SELF"), "changed-x");
}
END_TEST

START_TEST(test_precedence)
{
	setenv("STRATA_T_REAL", "real", 1);
	setenv("STRATA_T_EMPTY", "", 1);
	const char *first = "A=1\nA=2\nB=b1\n";
	const char *second = "A=3\nC=$A\nSTRATA_T_REAL=f\nSTRATA_T_EMPTY=f\n";
	ck_assert_int_eq(cli_dotenv_parse(&env, "first.env", first, strlen(first),
	                                  msg, sizeof(msg)), 0);
	ck_assert_str_eq(get("A"), "2");
	ck_assert_int_eq(cli_dotenv_parse(&env, "second.env", second, strlen(second),
	                                  msg, sizeof(msg)), 0);
	/* the first file that sets a variable wins (dbmate never overwrites) */
	ck_assert_str_eq(get("A"), "2");
	ck_assert_str_eq(get("B"), "b1");
	ck_assert_str_eq(get("C"), "2");
	/* the environment wins over every file, also when it is empty */
	ck_assert_str_eq(cli_dotenv_lookup(&env, "STRATA_T_REAL"), "real");
	ck_assert_str_eq(cli_dotenv_lookup(&env, "STRATA_T_EMPTY"), "");
	ck_assert_str_eq(cli_dotenv_lookup(&env, "A"), "2");
	ck_assert_ptr_null(cli_dotenv_lookup(&env, "STRATA_T_NOT_SET_ANYWHERE"));
}
END_TEST

/* Each malformed file: the message, and none of its variables kept. */
START_TEST(test_errors)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "INVALID ENV FILE\n", "t.env:1: expected '=' after the variable name" },
		{ "A=1\n\nNOEQUALS\n", "t.env:3: expected '=' after the variable name" },
		{ "A=1\nexport s3cret\n", "t.env:2: expected '=' after the variable name" },
		{ "A=1\n=s3cret\n", "t.env:2: expected a variable name (letters, digits, '_', '.', '-'), then '='" },
		{ "A=1\n\"s3cret\"=x\n", "t.env:2: expected a variable name (letters, digits, '_', '.', '-'), then '='" },
		{ "K\xc3\xa9=1\n", "t.env:1: expected '=' after the variable name" },
		{ "A=1\nPW='s3cret\nB=2\n", "t.env:2: the single-quoted value of PW has no closing quote" },
		{ "PW=\"s3cret\\\"\n", "t.env:1: the double-quoted value of PW has no closing quote" },
		{ "M=\"a\nb\" junk\n", "t.env:2: text after the closing quote of the value of M" },
		{ "PW='s3cret' x\n", "t.env:1: text after the closing quote of the value of PW" },
		{ "A=1\nB=2 # ok\nC=\"x\"y\n", "t.env:3: text after the closing quote of the value of C" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cli_dotenv_free(&env);
		ck_assert_int_eq(parse(bad[i].text), CLI_EXIT_USAGE);
		ck_assert_msg(strcmp(msg, bad[i].msg) == 0, "row %zu: got '%s'", i, msg);
		ck_assert_ptr_null(strstr(msg, "s3cret"));
		ck_assert_uint_eq(env.n, 0);
	}
	/* a NUL byte: its line */
	ck_assert_int_eq(cli_dotenv_parse(&env, "t.env", "A=1\nB=x\0y\n", 10, msg, sizeof(msg)),
	                 CLI_EXIT_USAGE);
	ck_assert_str_eq(msg, "t.env:2: NUL byte");
	/* a bad second file keeps the first file's variables */
	cli_dotenv_free(&env);
	ck_assert_int_eq(parse("A=1\n"), 0);
	ck_assert_int_eq(parse("B=2\nbad line\n"), CLI_EXIT_USAGE);
	ck_assert_str_eq(get("A"), "1");
	ck_assert_str_eq(get("B"), "<unset>");
	ck_assert_uint_eq(env.n, 1);
}
END_TEST

START_TEST(test_load)
{
	char dir[] = "/tmp/check_dotenv.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/missing.env", dir);
	/* a missing file: fine unless required */
	ck_assert_int_eq(cli_dotenv_load(&env, path, 0, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(env.n, 0);
	ck_assert_int_eq(cli_dotenv_load(&env, path, 1, msg, sizeof(msg)), CLI_EXIT_FILES);
	ck_assert_ptr_nonnull(strstr(msg, "missing.env: cannot open it: No such file"));
	/* a directory */
	ck_assert_int_eq(cli_dotenv_load(&env, dir, 0, msg, sizeof(msg)), CLI_EXIT_FILES);
	ck_assert_ptr_nonnull(strstr(msg, ": not a regular file"));
	/* a file: parsed, errors name it */
	snprintf(path, sizeof(path), "%s/a.env", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("DATABASE_URL=sqlite:x.db\n# c\nbad\n", f);
	fclose(f);
	ck_assert_int_eq(cli_dotenv_load(&env, path, 1, msg, sizeof(msg)), CLI_EXIT_USAGE);
	char want[300];
	snprintf(want, sizeof(want), "%s:3: expected '=' after the variable name", path);
	ck_assert_str_eq(msg, want);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("DATABASE_URL=sqlite:x.db\n", f);
	fclose(f);
	ck_assert_int_eq(cli_dotenv_load(&env, path, 1, msg, sizeof(msg)), 0);
	ck_assert_str_eq(get("DATABASE_URL"), "sqlite:x.db");
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_export)
{
	unsetenv("PGAPPNAME_STRATA_T");
	unsetenv("STRATA_T_OTHER");
	setenv("MYSQL_STRATA_T", "env", 1);
	ck_assert_int_eq(parse("PGAPPNAME_STRATA_T=file\nSTRATA_T_OTHER=file\n"
	                       "MYSQL_STRATA_T=file\n"), 0);
	ck_assert_int_eq(cli_dotenv_export(&env), 0);
	/* the client libraries' variables go to the environment, the
	 * environment's own stay, nothing else is exported */
	ck_assert_str_eq(getenv("PGAPPNAME_STRATA_T"), "file");
	ck_assert_str_eq(getenv("MYSQL_STRATA_T"), "env");
	ck_assert_ptr_null(getenv("STRATA_T_OTHER"));
	unsetenv("PGAPPNAME_STRATA_T");
	unsetenv("MYSQL_STRATA_T");
}
END_TEST

Suite *dotenv_suite(void)
{
	Suite *s = suite_create("dotenv");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_comments_and_blank_lines);
	tcase_add_test(tc, test_quotes);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_expansion);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_export);
	suite_add_tcase(s, tc);
	return s;
}
