/* tests/check_spawn.c - the driver kit: the child-process runner
 * (src/spawn.c, with /bin/sh as the tool) and the helpers of src/kit.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/driver.h>

#include "suites.h"

static int run(const char *const *programs, const char *script, const char *env_value,
               char **out, strata_error *err)
{
	const char *args[] = { "-c", script, NULL };
	strata_spawn spec = {
		.programs = programs,
		.args = args,
		.env_name = "STRATA_SPAWN_TEST",
		.env_value = env_value,
		.missing = "no such tool here",
		.fail_code = STRATA_ESQL,
	};
	memset(err, 0, sizeof(*err));
	return strata_spawn_run(&spec, out, err);
}

START_TEST(test_spawn_output_and_env)
{
	static const char *const sh[] = { "strata-no-such-tool", "sh", NULL };
	char *out = NULL;
	strata_error err;
	/* the first program is not there: the next one runs */
	ck_assert_int_eq(run(sh, "printf 'a\\nb'; printf 'noise' >&2; printf %s \"$STRATA_SPAWN_TEST\"",
	                     "s3cret", &out, &err), 0);
	ck_assert_str_eq(out, "a\nbs3cret");
	free(out);
	/* "" unsets the variable, NULL leaves the parent's */
	setenv("STRATA_SPAWN_TEST", "parent", 1);
	ck_assert_int_eq(run(sh, "printf %s \"${STRATA_SPAWN_TEST-unset}\"", "", &out, &err), 0);
	ck_assert_str_eq(out, "unset");
	free(out);
	ck_assert_int_eq(run(sh, "printf %s \"${STRATA_SPAWN_TEST-unset}\"", NULL, &out, &err), 0);
	ck_assert_str_eq(out, "parent");
	free(out);
	unsetenv("STRATA_SPAWN_TEST");
	/* nothing written is "" */
	ck_assert_int_eq(run(sh, "true", NULL, &out, &err), 0);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

/* Much on both streams at once: read together, nothing blocks, all of
 * stdout kept. */
START_TEST(test_spawn_large_output)
{
	static const char *const sh[] = { "sh", NULL };
	char *out = NULL;
	strata_error err;
	ck_assert_int_eq(run(sh, "i=0; while [ $i -lt 2000 ]; do "
	                         "echo 0123456789012345678901234567890123456789012345678901234567890123456789; "
	                         "echo eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee >&2; "
	                         "i=$((i+1)); done", NULL, &out, &err), 0);
	ck_assert_uint_eq(strlen(out), 2000 * 71);
	free(out);
}
END_TEST

START_TEST(test_spawn_failures)
{
	static const char *const sh[] = { "sh", NULL };
	static const char *const none[] = { "strata-no-such-tool", "strata-no-such-tool-2", NULL };
	char *out = (char *)"untouched";
	strata_error err;
	ck_assert_int_eq(run(sh, "echo half; echo 'first line' >&2; echo second >&2; exit 3",
	                     "s3cret", &out, &err), STRATA_ESQL);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err.message, "sh failed (exit status 3): first line");
	ck_assert_ptr_null(strstr(err.message, "s3cret"));
	ck_assert_int_eq(run(sh, "kill -9 $$", NULL, &out, &err), STRATA_ESQL);
	ck_assert_ptr_nonnull(strstr(err.message, "sh failed (signal 9): no message"));
	ck_assert_int_eq(run(none, "true", NULL, &out, &err), STRATA_EUNSUPPORTED);
	ck_assert_str_eq(err.message, "no such tool here");
	strata_spawn empty = { 0 };
	ck_assert_int_eq(strata_spawn_run(&empty, &out, &err), STRATA_EINVAL);
}
END_TEST

START_TEST(test_kit_url_decode)
{
	char *out;
	const char *why;
	ck_assert_int_eq(strata_url_decode(&out, "a%2Fb%41c%7e", 12, &why), 0);
	ck_assert_str_eq(out, "a/bAc~");
	free(out);
	/* only `len` bytes are read */
	ck_assert_int_eq(strata_url_decode(&out, "ab%41xyz", 5, &why), 0);
	ck_assert_str_eq(out, "abA");
	free(out);
	static const char *const bad[] = { "%", "%4", "%zz", "a%4g", NULL };
	for (int i = 0; bad[i]; i++) {
		out = (char *)"x";
		ck_assert_int_eq(strata_url_decode(&out, bad[i], strlen(bad[i]), &why), STRATA_EURL);
		ck_assert_ptr_null(out);
		ck_assert_str_eq(why, "a malformed percent escape");
	}
	ck_assert_int_eq(strata_url_decode(&out, "a%00b", 5, &why), STRATA_EURL);
	ck_assert_str_eq(why, "a NUL byte (%00)");
	ck_assert_int_eq(strata_url_decode(&out, "a%00b", 5, NULL), STRATA_EURL);
	double t0 = strata_clock_now();
	ck_assert(strata_clock_now() >= t0);
}
END_TEST

static int events;
static char event_message[256];

static void on_event(void *data, const strata_event *ev)
{
	(void)data;
	ck_assert_int_eq(ev->type, STRATA_EVENT_LOCK_WAIT);
	snprintf(event_message, sizeof(event_message), "%s", ev->message);
	events++;
}

START_TEST(test_kit_lock_wait_event)
{
	strata_conn c = { 0 };
	strata_conn_lock_wait(&c, "nobody listens %d", 1);
	strata_conn_lock_wait(NULL, "nor here");
	ck_assert_int_eq(events, 0);
	c.on_event = on_event;
	strata_conn_lock_wait(&c, "waiting for the migration lock held by %s", "pid 42");
	ck_assert_int_eq(events, 1);
	ck_assert_str_eq(event_message, "waiting for the migration lock held by pid 42");
}
END_TEST

Suite *spawn_suite(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc = tcase_create("spawn");
	tcase_add_test(tc, test_spawn_output_and_env);
	tcase_add_test(tc, test_spawn_large_output);
	tcase_add_test(tc, test_spawn_failures);
	tcase_add_test(tc, test_kit_url_decode);
	tcase_add_test(tc, test_kit_lock_wait_event);
	suite_add_tcase(s, tc);
	return s;
}
