/* src/dynload.h - a driver's client library, loaded on first use
 *
 * Linking libpq into every strata process costs ~7 ms of dynamic linking
 * and ~6 MiB of resident memory on Debian 12 (libpq brings Kerberos, LDAP
 * and GnuTLS with it), even for a run on SQLite; libmariadb costs ~2 ms.
 * So, unless configured with --disable-driver-dlopen, libstrata does not link
 * the drivers' client libraries: each driver keeps a table of pointers to
 * the functions it calls, filled by dlopen()/dlsym() when the driver is
 * first used (open, create or drop a database), and a few macros make the
 * driver's calls go through the table while reading as plain library
 * calls. A driver then works like this:
 *
 *   #define PQ_SYMBOLS(X) X(PQexec) X(PQclear) ...
 *   static struct pq_api { PQ_SYMBOLS(STRATA_DYN_FIELD) } pq;
 *   #define PQexec (pq.PQexec)             (one line per function)
 *   ...
 *   static int pq_load(strata_error *err) -- strata_dynlib_load() on it
 *
 * A function called through such a macro but missing from the list does
 * not compile (no such member); one used without a macro fails the link,
 * since the library is not linked. A missing library or symbol is a
 * STRATA_ENOTBUILT error naming the file, and loading is tried again on
 * the next use. Libraries are never unloaded.
 */
#ifndef STRATA_DYNLOAD_H
#define STRATA_DYNLOAD_H

#include <stddef.h>

#include <strata.h>

/* One function of the library: its name and where its pointer goes. */
typedef struct strata_dynsym {
	const char *name;
	size_t offset;
} strata_dynsym;

/* A pointer member of the driver's table, of the function's own type. */
#define STRATA_DYN_FIELD(f) __typeof__(f) *f;

typedef struct strata_dynlib {
	const char *what;            /* for messages: "libpq" */
	const char *file;            /* what dlopen() loads: "libpq.so.5" */
	const strata_dynsym *syms;
	size_t nsyms;
	void *table;                 /* the driver's struct of pointers */
	int loaded;                  /* set once every pointer is filled */
} strata_dynlib;

/* Loads lib (once; thread-safe) and fills its table. 0, or
 * STRATA_ENOTBUILT with a message naming the library and dlerror(). */
int strata_dynlib_load(strata_dynlib *lib, strata_error *err);

#endif
