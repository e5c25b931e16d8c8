/* src/registry.c - built-in driver table, lookup by URL scheme, and
 * registration of third-party drivers. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "registry.h"

#ifdef HAVE_SQLITE
extern const strata_driver strata_driver_sqlite;
#endif
#ifdef HAVE_POSTGRES
extern const strata_driver strata_driver_postgres;
#endif
#ifdef HAVE_MYSQL
extern const strata_driver strata_driver_mysql;
#endif

static const char *const sqlite_schemes[] = { "sqlite", "sqlite3", NULL };
static const char *const postgres_schemes[] = { "postgres", "postgresql", NULL };
static const char *const mysql_schemes[] = { "mysql", "mariadb", NULL };

static const strata_driver_entry builtin[] = {
	{ "sqlite", sqlite_schemes,
#ifdef HAVE_SQLITE
	  &strata_driver_sqlite
#else
	  NULL
#endif
	},
	{ "postgres", postgres_schemes,
#ifdef HAVE_POSTGRES
	  &strata_driver_postgres
#else
	  NULL
#endif
	},
	{ "mysql", mysql_schemes,
#ifdef HAVE_MYSQL
	  &strata_driver_mysql
#else
	  NULL
#endif
	},
};

#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))
#define MAX_REGISTERED 16

static const strata_driver *registered[MAX_REGISTERED];
static size_t nregistered;

const strata_driver_entry *strata_registry_builtin(size_t *n)
{
	*n = NBUILTIN;
	return builtin;
}

size_t strata_registry_drivers(const strata_driver **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < NBUILTIN; i++)
		if (builtin[i].driver) {
			if (k < max)
				out[k] = builtin[i].driver;
			k++;
		}
	for (size_t i = 0; i < nregistered; i++) {
		if (k < max)
			out[k] = registered[i];
		k++;
	}
	return k;
}

int strata_url_scheme(char *buf, size_t size, const char *url,
                      strata_error *err)
{
	if (!url || !*url)
		return strata_error_set(err, STRATA_EURL,
		                        "no database URL given (use --url or DATABASE_URL)");
	size_t i = 0;
	if (!isalpha((unsigned char)url[0]))
		goto bad;
	while (isalnum((unsigned char)url[i]) || url[i] == '+' ||
	       url[i] == '-' || url[i] == '.')
		i++;
	if (url[i] != ':' || i >= size)
		goto bad;
	memcpy(buf, url, i);
	buf[i] = '\0';
	return 0;
bad:
	return strata_error_set(err, STRATA_EURL,
	                        "malformed database URL: expected scheme:... such as "
	                        "sqlite:app.db or postgres://host/db");
}

static int scheme_in(const char *const *schemes, const char *scheme)
{
	for (; schemes && *schemes; schemes++)
		if (strcasecmp(*schemes, scheme) == 0)
			return 1;
	return 0;
}

int strata_driver_lookup(const strata_driver **out, const char *url,
                         strata_error *err)
{
	char scheme[64];
	int rc = strata_url_scheme(scheme, sizeof(scheme), url, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < nregistered; i++)
		if (scheme_in(registered[i]->schemes, scheme)) {
			*out = registered[i];
			return 0;
		}
	for (size_t i = 0; i < NBUILTIN; i++)
		if (scheme_in(builtin[i].schemes, scheme)) {
			if (!builtin[i].driver)
				return strata_error_set(err, STRATA_ENOTBUILT,
				                        "the %s driver is not built in (reconfigure with --with-%s)",
				                        builtin[i].name, builtin[i].name);
			*out = builtin[i].driver;
			return 0;
		}
	return strata_error_set(err, STRATA_ENODRIVER,
	                        "unknown database scheme \"%s:\" (known: sqlite:, postgres:, mysql:)",
	                        scheme);
}

int strata_driver_register(const strata_driver *drv, strata_error *err)
{
	if (!drv || drv->version == 0 || drv->version > STRATA_DRIVER_VERSION)
		return strata_error_set(err, STRATA_EINVAL,
		                        "driver version %u not supported (this library has %d)",
		                        drv ? drv->version : 0u, STRATA_DRIVER_VERSION);
	if (!drv->name || !drv->schemes || !drv->schemes[0] || !drv->open ||
	    !drv->close || !drv->exec || !drv->begin || !drv->commit ||
	    !drv->rollback || !drv->lock || !drv->unlock ||
	    !drv->history_ensure || !drv->history_list ||
	    !drv->history_insert || !drv->history_update ||
	    !drv->history_delete)
		return strata_error_set(err, STRATA_EINVAL,
		                        "driver \"%s\" lacks a required operation",
		                        drv->name ? drv->name : "?");
	for (const char *const *s = drv->schemes; *s; s++) {
		for (size_t i = 0; i < NBUILTIN; i++)
			if (scheme_in(builtin[i].schemes, *s))
				return strata_error_set(err, STRATA_EINVAL,
				                        "scheme \"%s\" already belongs to the %s driver",
				                        *s, builtin[i].name);
		for (size_t i = 0; i < nregistered; i++)
			if (scheme_in(registered[i]->schemes, *s))
				return strata_error_set(err, STRATA_EINVAL,
				                        "scheme \"%s\" already belongs to the %s driver",
				                        *s, registered[i]->name);
	}
	if (nregistered >= MAX_REGISTERED)
		return strata_error_set(err, STRATA_EINVAL, "too many drivers registered");
	registered[nregistered++] = drv;
	return 0;
}

size_t strata_driver_list(strata_driver_info *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < NBUILTIN; i++, k++)
		if (k < max) {
			out[k].name = builtin[i].name;
			out[k].built = builtin[i].driver != NULL;
			out[k].registered = 0;
		}
	for (size_t i = 0; i < nregistered; i++, k++)
		if (k < max) {
			out[k].name = registered[i]->name;
			out[k].built = 1;
			out[k].registered = 1;
		}
	return k;
}

int strata_url_driver(const char **out, const char *url, strata_error *err)
{
	strata_error local = { 0 };
	const strata_driver *d;
	*out = NULL;
	int rc = strata_driver_lookup(&d, url, err ? err : &local);
	if (!rc)
		*out = d->name;
	return rc;
}
