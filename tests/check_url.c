/* tests/check_url.c - URL scheme parsing, driver lookup and password
 * redaction. */
#include "config.h"

#include <string.h>

#include <strata.h>
#include <strata/driver.h>

#include "registry.h"
#include "suites.h"

static const char *redact(const char *url)
{
	static char buf[512];
	return strata_url_redact(buf, sizeof(buf), url);
}

START_TEST(test_redact_userinfo)
{
	ck_assert_str_eq(redact("postgres://app:s3cret@db:5432/prod"),
	                 "postgres://app:****@db:5432/prod");
	ck_assert_str_eq(redact("mysql://root:p%40ss@localhost/app?tls=true"),
	                 "mysql://root:****@localhost/app?tls=true");
	/* '@' inside the password: the last '@' ends the user info */
	ck_assert_str_eq(redact("postgres://u:a@b@host/db"), "postgres://u:****@host/db");
	ck_assert_str_eq(redact("postgres://u@host/db"), "postgres://u@host/db");
	ck_assert_str_eq(redact("sqlite:app.db"), "sqlite:app.db");
	ck_assert_str_eq(redact("sqlite:///tmp/a:b@c.db"), "sqlite:///tmp/a:b@c.db");
}
END_TEST

START_TEST(test_redact_query)
{
	ck_assert_str_eq(redact("postgres:///app?user=u&password=hunter2&sslmode=require"),
	                 "postgres:///app?user=u&password=****&sslmode=require");
	/* libpq reads no fragment: a '#' belongs to the value */
	ck_assert_str_eq(redact("mysql://h/db?PASS=x#frag"), "mysql://h/db?PASS=****");
	ck_assert_str_eq(redact("postgres:///db?pass%77ord=s3cret"), "postgres:///db?pass%77ord=****");
	ck_assert_str_eq(redact("mysql:///root:s3cret@localhost/app"), "mysql:///root:****@localhost/app");
}
END_TEST

START_TEST(test_redact_truncates_safely)
{
	char small[12];
	strata_url_redact(small, sizeof(small), "postgres://u:secret@host/db");
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_ptr_null(strstr(small, "secret"));
	ck_assert_str_eq(strata_url_redact(small, sizeof(small), NULL), "");
}
END_TEST

START_TEST(test_scheme)
{
	char buf[32];
	strata_error err = { 0 };
	ck_assert_int_eq(strata_url_scheme(buf, sizeof(buf), "sqlite::memory:", &err), 0);
	ck_assert_str_eq(buf, "sqlite");
	ck_assert_int_eq(strata_url_scheme(buf, sizeof(buf), "postgresql://x", &err), 0);
	ck_assert_str_eq(buf, "postgresql");
	ck_assert_int_eq(strata_url_scheme(buf, sizeof(buf), "app.db", &err), STRATA_EURL);
	ck_assert_int_eq(strata_url_scheme(buf, sizeof(buf), "", &err), STRATA_EURL);
	ck_assert_int_eq(strata_url_scheme(buf, sizeof(buf), "://x", &err), STRATA_EURL);
	ck_assert_int_eq(strata_url_scheme(buf, sizeof(buf), NULL, &err), STRATA_EURL);
	ck_assert_ptr_nonnull(strstr(err.message, "DATABASE_URL"));
}
END_TEST

START_TEST(test_lookup)
{
	const strata_driver *d = NULL;
	strata_error err = { 0 };
	ck_assert_int_eq(strata_driver_lookup(&d, "oracle://x", &err), STRATA_ENODRIVER);
	ck_assert_ptr_nonnull(strstr(err.message, "oracle"));
	size_t n;
	const strata_driver_entry *b = strata_registry_builtin(&n);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		char url[64];
		strcpy(url, b[i].schemes[0]);
		strcat(url, "://x");
		strata_error_clear(&err);
		int rc = strata_driver_lookup(&d, url, &err);
		if (b[i].driver) {
			ck_assert_int_eq(rc, 0);
			ck_assert_ptr_eq(d, b[i].driver);
		} else {
			ck_assert_int_eq(rc, STRATA_ENOTBUILT);
			ck_assert_ptr_nonnull(strstr(err.message, "not built in"));
		}
	}
#ifdef HAVE_SQLITE
	ck_assert_int_eq(strata_driver_lookup(&d, "SQLite3:x.db", &err), 0);
	ck_assert_str_eq(d->name, "sqlite");
#endif
}
END_TEST

START_TEST(test_register_checks)
{
	strata_error err = { 0 };
	static const char *const schemes[] = { "sqlite", NULL };
	strata_driver bad = { .version = STRATA_DRIVER_VERSION + 1, .name = "x" };
	ck_assert_int_eq(strata_driver_register(&bad, &err), STRATA_EINVAL);
	bad.version = 0;
	ck_assert_int_eq(strata_driver_register(&bad, &err), STRATA_EINVAL);
	bad.version = STRATA_DRIVER_VERSION;
	bad.schemes = schemes;
	ck_assert_int_eq(strata_driver_register(&bad, &err), STRATA_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "lacks"));
}
END_TEST

/* The public calls the CLI uses instead of driver.h: the drivers known,
 * and the driver of a URL without connecting. */
START_TEST(test_driver_list_and_url_driver)
{
	strata_driver_info d[8];
	size_t n = strata_driver_list(d, 8);
	ck_assert_uint_ge(n, 3);
	ck_assert_uint_eq(strata_driver_list(NULL, 0), n);
	ck_assert_str_eq(d[0].name, "sqlite");
	ck_assert_str_eq(d[1].name, "postgres");
	ck_assert_str_eq(d[2].name, "mysql");
	static const char *const urls[] = { "sqlite3:x.db", "postgresql://h/db", "mariadb://h/db" };
	for (size_t i = 0; i < 3; i++) {
		strata_error err = { 0 };
		const char *name = "unset";
		int rc = strata_url_driver(&name, urls[i], &err);
		if (d[i].built) {
			ck_assert_int_eq(rc, 0);
			ck_assert_str_eq(name, d[i].name);
		} else {
			ck_assert_int_eq(rc, STRATA_ENOTBUILT);
			ck_assert_ptr_null(name);
		}
		ck_assert(!d[i].registered);
	}
	strata_error err = { 0 };
	const char *name;
	ck_assert_int_eq(strata_url_driver(&name, "oracle://h/db", &err), STRATA_ENODRIVER);
	ck_assert_ptr_null(name);
	ck_assert_int_eq(strata_url_driver(&name, "no scheme here", &err), STRATA_EURL);
	ck_assert_int_eq(strata_url_driver(&name, "oracle://h/db", NULL), STRATA_ENODRIVER);
}
END_TEST

Suite *url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("url");
	tcase_add_test(tc, test_redact_userinfo);
	tcase_add_test(tc, test_redact_query);
	tcase_add_test(tc, test_redact_truncates_safely);
	tcase_add_test(tc, test_scheme);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_register_checks);
	tcase_add_test(tc, test_driver_list_and_url_driver);
	suite_add_tcase(s, tc);
	return s;
}
