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
 * calls. A driver's header (drivers/postgres/pq_api.h, say) then reads:
 *
 *   #ifdef STRATA_DLOPEN
 *   #define PQ_SYMBOLS(X) X(PQexec) X(PQclear) ...
 *   STRATA_DYNLIB(pq, pq_load, PQ_SYMBOLS, "libpq", STRATA_LIBPQ_SONAME)
 *   #define PQexec (pq.PQexec)             (one line per function)
 *   ...
 *   #else
 *   STRATA_DYNLIB_LINKED(pq_load)
 *   #endif
 *
 * and the driver calls pq_load() before its first libpq call.
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

/* An entry of the symbol list of the table declared by STRATA_DYNLIB. */
#define STRATA_DYN_SYM(f) { #f, offsetof(struct strata_dyn_api, f) },

/* In the one translation unit of a driver: the table `tbl` with a
 * pointer for each function SYMBOLS lists, the library `what_` (for
 * messages) in file `file_`, and `static int load(strata_error *)`,
 * which loads it. */
#define STRATA_DYNLIB(tbl, load, SYMBOLS, what_, file_)                    \
	static struct strata_dyn_api {                                       \
		SYMBOLS(STRATA_DYN_FIELD)                                    \
	} tbl;                                                               \
	static const strata_dynsym strata_dyn_syms[] = {                     \
		SYMBOLS(STRATA_DYN_SYM)                                      \
	};                                                                   \
	static strata_dynlib strata_dyn_lib = {                              \
		.what = what_,                                               \
		.file = file_,                                               \
		.syms = strata_dyn_syms,                                     \
		.nsyms = sizeof(strata_dyn_syms) / sizeof(strata_dyn_syms[0]), \
		.table = &tbl,                                               \
	};                                                                   \
	static int load(strata_error *err)                                   \
	{                                                                    \
		return strata_dynlib_load(&strata_dyn_lib, err);             \
	}

/* With --disable-driver-dlopen: the library is linked, `load` does
 * nothing. */
#define STRATA_DYNLIB_LINKED(load)                                         \
	static int load(strata_error *err)                                   \
	{                                                                    \
		(void)err;                                                   \
		return 0;                                                    \
	}

#endif
