/* src/registry.h - the table of built-in and registered drivers. */
#ifndef STRATA_REGISTRY_H
#define STRATA_REGISTRY_H

#include <stddef.h>
#include <strata/driver.h>

/* A driver known to strata, built in or not. */
typedef struct strata_driver_entry {
	const char *name;               /* "postgres" */
	const char *const *schemes;     /* NULL-terminated */
	const strata_driver *driver;    /* NULL when compiled out */
} strata_driver_entry;

/* The built-in table (drivers compiled out have driver == NULL). */
const strata_driver_entry *strata_registry_builtin(size_t *n);

/* Every usable driver (built in, then registered), for the conformance
 * suite and `strata version`. Writes at most `max` into `out`; returns
 * how many there are. */
size_t strata_registry_drivers(const strata_driver **out, size_t max);

/* The scheme of `url` ("postgres" for "postgres://..."), copied into buf.
 * Returns STRATA_EURL when `url` has no "scheme:" prefix. */
int strata_url_scheme(char *buf, size_t size, const char *url,
                      strata_error *err);

#endif
