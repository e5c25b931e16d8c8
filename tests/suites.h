/* tests/suites.h - every Check suite of tests/check_strata. */
#ifndef STRATA_TEST_SUITES_H
#define STRATA_TEST_SUITES_H

#include <check.h>

Suite *checksum_suite(void);
Suite *conformance_suite(void);
Suite *dotenv_suite(void);
Suite *dynload_suite(void);
Suite *engine_suite(void);
Suite *format_suite(void);
Suite *mikro_suite(void);
Suite *plan_suite(void);
Suite *spawn_suite(void);
Suite *sql_suite(void);
Suite *takeover_suite(void);
Suite *url_suite(void);
Suite *version_suite(void);

#endif
