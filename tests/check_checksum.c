/* tests/check_checksum.c - SHA-256 of normalized migration text. */
#include "config.h"

#include <string.h>

#include "checksum.h"
#include "suites.h"

static void sum1(char out[STRATA_CHECKSUM_LEN], const char *text)
{
	size_t len = strlen(text);
	ck_assert_int_eq(strata_checksum(out, &text, &len, 1), 0);
}

START_TEST(test_known_value)
{
	char out[STRATA_CHECKSUM_LEN];
	sum1(out, "abc");
	/* SHA-256("abc") from FIPS 180-2 */
	ck_assert_str_eq(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(test_crlf_and_bom_ignored)
{
	char a[STRATA_CHECKSUM_LEN], b[STRATA_CHECKSUM_LEN], c[STRATA_CHECKSUM_LEN];
	sum1(a, "-- migrate:up\ncreate table t (id int);\n");
	sum1(b, "-- migrate:up\r\ncreate table t (id int);\r\n");
	sum1(c, "\xEF\xBB\xBF-- migrate:up\r\ncreate table t (id int);\n");
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, c);
}
END_TEST

START_TEST(test_content_changes_sum)
{
	char a[STRATA_CHECKSUM_LEN], b[STRATA_CHECKSUM_LEN];
	sum1(a, "create table t (id int);");
	sum1(b, "create table t (id bigint);");
	ck_assert_str_ne(a, b);
	/* a lone CR is content, not a line ending */
	sum1(a, "a\rb");
	sum1(b, "ab");
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_parts_are_separated)
{
	char a[STRATA_CHECKSUM_LEN], b[STRATA_CHECKSUM_LEN];
	const char *p1[2] = { "ab", "c" }, *p2[2] = { "a", "bc" };
	size_t l1[2] = { 2, 1 }, l2[2] = { 1, 2 };
	ck_assert_int_eq(strata_checksum(a, p1, l1, 2), 0);
	ck_assert_int_eq(strata_checksum(b, p2, l2, 2), 0);
	ck_assert_str_ne(a, b);
}
END_TEST

Suite *checksum_suite(void)
{
	Suite *s = suite_create("checksum");
	TCase *tc = tcase_create("checksum");
	tcase_add_test(tc, test_known_value);
	tcase_add_test(tc, test_crlf_and_bom_ignored);
	tcase_add_test(tc, test_content_changes_sum);
	tcase_add_test(tc, test_parts_are_separated);
	suite_add_tcase(s, tc);
	return s;
}
