# tests/oom/oom.mk - automake fragment included by Makefile.am
#
# Out of memory: strata-oom is the strata tool (the same CLI sources and
# main, the same core objects) with every allocation of the core, the
# SQLite driver, the CLI, SQLite and OpenSSL counted by failalloc.c, which
# makes the K-th fail (STRATA_OOM_FAIL_AT; STRATA_OOM_SWEEP forks one run
# per K). test_oom.sh fails each allocation of a `status` and an `up` run
# in turn and checks that strata exits with a clean error and that the
# history table matches the schema. SQLite only: the allocations under
# test are the core's, the CLI's and the driver's with SQLite's own.
if WITH_SQLITE
check_PROGRAMS += tests/oom/strata-oom
tests_oom_strata_oom_SOURCES = $(strata_SOURCES) tests/oom/failalloc.c
tests_oom_strata_oom_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) $(HASH_CFLAGS)
# libtool links the convenience library's objects in statically, so the
# wrapped symbols cover the core and the drivers as well as the CLI
tests_oom_strata_oom_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup \
	-Wl,--wrap=strndup,--wrap=opendir,--wrap=fopen
tests_oom_strata_oom_LDADD = libstrata_core.la $(JSONC_LIBS) $(SQLITE_LIBS) $(HASH_LIBS)
TESTS += tests/oom/test_oom.sh
endif
EXTRA_DIST += tests/oom/test_oom.sh
