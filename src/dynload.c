/* src/dynload.c - loading a driver's client library on first use
 * (see dynload.h) */
#include "config.h"

#ifdef STRATA_DLOPEN

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include <strata/driver.h>

#include "dynload.h"

/* One lock for all libraries: loading happens once per process. */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static int fill(strata_dynlib *lib, void *handle, strata_error *err)
{
	for (size_t i = 0; i < lib->nsyms; i++) {
		dlerror();
		void *p = dlsym(handle, lib->syms[i].name);
		if (!p) {
			const char *why = dlerror();
			return strata_error_set(err, STRATA_ENOTBUILT,
			                        "%s (%s) has no function %s: %s; strata "
			                        "was built against another version of it",
			                        lib->what, lib->file, lib->syms[i].name,
			                        why ? why : "not found");
		}
		/* POSIX: a data pointer from dlsym() converts to the function
		 * pointer it stands for; memcpy keeps the compiler quiet. */
		memcpy((char *)lib->table + lib->syms[i].offset, &p, sizeof(p));
	}
	return 0;
}

int strata_dynlib_load(strata_dynlib *lib, strata_error *err)
{
	if (__atomic_load_n(&lib->loaded, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&load_lock);
	int rc = 0;
	if (!lib->loaded) {
		/* RTLD_LOCAL: the library's symbols stay out of the global
		 * scope, as they would not be there for a program that does
		 * not use this driver. */
		void *handle = dlopen(lib->file, RTLD_NOW | RTLD_LOCAL);
		if (!handle) {
			const char *why = dlerror();
			rc = strata_error_set(err, STRATA_ENOTBUILT,
			                      "cannot load %s (%s), which this driver "
			                      "needs: %s", lib->what, lib->file,
			                      why ? why : "not found");
		} else if ((rc = fill(lib, handle, err)) != 0) {
			dlclose(handle);
		} else {
			__atomic_store_n(&lib->loaded, 1, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&load_lock);
	return rc;
}

#else

/* Built with --disable-driver-dlopen: the drivers call their libraries directly. */
typedef int strata_dynload_unused;

#endif
