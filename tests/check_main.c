/* tests/check_main.c - runs every suite; `check_strata SUITE...` runs
 * only the named ones (e.g. `check_strata sql plan`). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

static const struct {
	const char *name;
	Suite *(*make)(void);
} suites[] = {
	{ "checksum", checksum_suite },
	{ "dynload", dynload_suite },
	{ "format", format_suite },
	{ "mikro", mikro_suite },
	{ "version", version_suite },
	{ "url", url_suite },
	{ "sql", sql_suite },
	{ "plan", plan_suite },
	{ "takeover", takeover_suite },
	{ "spawn", spawn_suite },
	{ "engine", engine_suite },
	{ "conformance", conformance_suite },
	{ "dotenv", dotenv_suite },
};

#define NSUITES (sizeof(suites) / sizeof(suites[0]))

static int wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	SRunner *sr = NULL;
	for (size_t i = 0; i < NSUITES; i++) {
		if (!wanted(suites[i].name, argc, argv))
			continue;
		if (!sr)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (!sr) {
		fprintf(stderr, "check_strata: no such suite\n");
		return 2;
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
