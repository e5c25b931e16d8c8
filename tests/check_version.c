/* tests/check_version.c - version validation and numeric ordering. */
#include "config.h"

#include <string.h>

#include "suites.h"
#include "version.h"

static int valid(const char *s)
{
	return strata_version_valid(s, strlen(s));
}

START_TEST(test_valid)
{
	ck_assert(valid("20240702105919"));
	ck_assert(valid("000001"));
	ck_assert(valid("1.2.10"));
	ck_assert(valid("0"));
	ck_assert(!valid(""));
	ck_assert(!valid("1."));
	ck_assert(!valid(".1"));
	ck_assert(!valid("1..2"));
	ck_assert(!valid("v1"));
	ck_assert(!valid("12a"));
	ck_assert(!valid("~format"));
	/* longer than the 63 characters a history row holds */
	ck_assert(!valid("1234567890123456789012345678901234567890123456789012345678901234"));
}
END_TEST

START_TEST(test_numeric_order)
{
	ck_assert_int_lt(strata_version_cmp("9", "10"), 0);
	ck_assert_int_gt(strata_version_cmp("10", "9"), 0);
	ck_assert_int_eq(strata_version_cmp("000042", "42"), 0);
	ck_assert_int_eq(strata_version_cmp("0", "000"), 0);
	ck_assert_int_lt(strata_version_cmp("1.2.9", "1.2.10"), 0);
	ck_assert_int_lt(strata_version_cmp("1.2", "1.2.0"), 0);
	ck_assert_int_gt(strata_version_cmp("1.10", "1.9.9"), 0);
	ck_assert_int_lt(strata_version_cmp("20240101000000", "20240101000001"), 0);
	/* beyond 64 bits: still numeric */
	ck_assert_int_lt(strata_version_cmp("99999999999999999999", "100000000000000000000"), 0);
}
END_TEST

Suite *version_suite(void)
{
	Suite *s = suite_create("version");
	TCase *tc = tcase_create("version");
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_numeric_order);
	suite_add_tcase(s, tc);
	return s;
}
