/*
 * fuzz/stub_drivers.c - the driver symbols src/registry.c refers to, for
 * fuzz_url, which is built from the core sources alone (without the
 * drivers and their client libraries). Lookup only compares pointers and
 * reads the schemes; no slot is ever called.
 */
#include "config.h"

#include <strata/driver.h>

#ifdef HAVE_SQLITE
static const char *const sqlite_schemes[] = { "sqlite", "sqlite3", NULL };
const strata_driver strata_driver_sqlite = {
	.version = STRATA_DRIVER_VERSION, .name = "sqlite",
	.schemes = sqlite_schemes,
};
#endif
#ifdef HAVE_POSTGRES
static const char *const postgres_schemes[] = { "postgres", "postgresql", NULL };
const strata_driver strata_driver_postgres = {
	.version = STRATA_DRIVER_VERSION, .name = "postgres",
	.schemes = postgres_schemes,
};
#endif
#ifdef HAVE_MYSQL
static const char *const mysql_schemes[] = { "mysql", "mariadb", NULL };
const strata_driver strata_driver_mysql = {
	.version = STRATA_DRIVER_VERSION, .name = "mysql",
	.schemes = mysql_schemes,
};
#endif
