/* tests/check_dynload.c - loading a client library on first use
 * (src/dynload.c), with libm standing in for a driver's library. */
#include "config.h"

#include "suites.h"

#ifdef STRATA_DLOPEN

#include <stddef.h>
#include <string.h>

#include "dynload.h"

#define LIBM "libm.so.6"

struct m_api {
	double (*cos)(double);
	double (*sqrt)(double);
};

static const strata_dynsym m_syms[] = {
	{ "cos", offsetof(struct m_api, cos) },
	{ "sqrt", offsetof(struct m_api, sqrt) },
};

START_TEST(test_load_fills_table)
{
	struct m_api api = { 0 };
	strata_dynlib lib = { "libm", LIBM, m_syms, 2, &api, 0 };
	strata_error err = { 0 };
	ck_assert_int_eq(strata_dynlib_load(&lib, &err), 0);
	ck_assert_int_eq(lib.loaded, 1);
	ck_assert_ptr_nonnull(api.cos);
	ck_assert(api.cos(0.0) == 1.0);
	ck_assert(api.sqrt(16.0) == 4.0);
	/* loaded once: a second call changes nothing */
	api.cos = NULL;
	ck_assert_int_eq(strata_dynlib_load(&lib, &err), 0);
	ck_assert_ptr_null(api.cos);
	strata_error_clear(&err);
}
END_TEST

START_TEST(test_missing_library)
{
	struct m_api api = { 0 };
	strata_dynlib lib = { "the test library", "libstrata-no-such-lib.so.0",
	                      m_syms, 2, &api, 0 };
	strata_error err = { 0 };
	ck_assert_int_eq(strata_dynlib_load(&lib, &err), STRATA_ENOTBUILT);
	ck_assert_ptr_nonnull(strstr(err.message, "cannot load the test library "
	                                          "(libstrata-no-such-lib.so.0)"));
	ck_assert_int_eq(lib.loaded, 0);
	strata_error_clear(&err);
	/* tried again on the next use, not remembered as failed */
	ck_assert_int_eq(strata_dynlib_load(&lib, &err), STRATA_ENOTBUILT);
	strata_error_clear(&err);
}
END_TEST

START_TEST(test_missing_symbol)
{
	static const strata_dynsym syms[] = {
		{ "cos", offsetof(struct m_api, cos) },
		{ "strata_no_such_function", offsetof(struct m_api, sqrt) },
	};
	struct m_api api = { 0 };
	strata_dynlib lib = { "libm", LIBM, syms, 2, &api, 0 };
	strata_error err = { 0 };
	ck_assert_int_eq(strata_dynlib_load(&lib, &err), STRATA_ENOTBUILT);
	ck_assert_ptr_nonnull(strstr(err.message, "has no function "
	                                          "strata_no_such_function"));
	ck_assert_int_eq(lib.loaded, 0);
	strata_error_clear(&err);
}
END_TEST

Suite *dynload_suite(void)
{
	Suite *s = suite_create("dynload");
	TCase *tc = tcase_create("dynload");
	tcase_add_test(tc, test_load_fills_table);
	tcase_add_test(tc, test_missing_library);
	tcase_add_test(tc, test_missing_symbol);
	suite_add_tcase(s, tc);
	return s;
}

#else

/* Built with --disable-driver-dlopen: nothing is loaded at run time. */
Suite *dynload_suite(void)
{
	return suite_create("dynload");
}

#endif
