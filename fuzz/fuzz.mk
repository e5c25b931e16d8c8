# fuzz/fuzz.mk - automake fragment included by Makefile.am: libFuzzer
# targets (`make fuzz`, needs clang; see fuzz/README.md) and the replay
# tests of `make check` (no clang: the same target code linked with the
# normal build, fed fuzz/regressions/<target>/ and fuzz/corpus/<target>/).

# ------------------------------------------------------------ make fuzz
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_INCLUDES = -I$(top_builddir) -I$(top_srcdir)/include \
	-I$(top_srcdir)/src -I$(top_srcdir)/fuzz
FUZZ_HDRS = $(top_srcdir)/fuzz/fuzz.h $(top_srcdir)/fuzz/split_check.h \
	$(top_srcdir)/src/sql.h $(top_builddir)/config.h
FUZZ_SQL_SRC = $(top_srcdir)/src/sql.c $(top_srcdir)/src/error.c
FUZZ_FORMAT_SRC = $(top_srcdir)/src/format.c $(top_srcdir)/src/mikro.c $(top_srcdir)/src/source.c \
	$(top_srcdir)/src/sql.c $(top_srcdir)/src/version.c \
	$(top_srcdir)/src/error.c $(top_srcdir)/src/checksum.c \
	$(top_srcdir)/src/cmigration.c $(top_srcdir)/src/buf.c \
	$(top_srcdir)/src/repeatable.c
FUZZ_URL_SRC = $(top_srcdir)/src/url.c $(top_srcdir)/src/registry.c \
	$(top_srcdir)/src/error.c $(top_srcdir)/fuzz/stub_drivers.c
FUZZ_BINS = fuzz/fuzz_sql_postgres fuzz/fuzz_sql_mysql fuzz/fuzz_sql_sqlite \
	fuzz/fuzz_format fuzz/fuzz_url
FUZZ_BUILD = $(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_INCLUDES)

fuzz: $(FUZZ_BINS)
.PHONY: fuzz

fuzz/fuzz_sql_postgres: $(top_srcdir)/fuzz/fuzz_sql.c $(FUZZ_SQL_SRC) $(FUZZ_HDRS)
	@$(MKDIR_P) fuzz
	$(FUZZ_BUILD) -DFUZZ_DIALECT=STRATA_DIALECT_POSTGRES \
		$(top_srcdir)/fuzz/fuzz_sql.c $(FUZZ_SQL_SRC) -o $@
fuzz/fuzz_sql_mysql: $(top_srcdir)/fuzz/fuzz_sql.c $(FUZZ_SQL_SRC) $(FUZZ_HDRS)
	@$(MKDIR_P) fuzz
	$(FUZZ_BUILD) -DFUZZ_DIALECT=STRATA_DIALECT_MYSQL \
		$(top_srcdir)/fuzz/fuzz_sql.c $(FUZZ_SQL_SRC) -o $@
fuzz/fuzz_sql_sqlite: $(top_srcdir)/fuzz/fuzz_sql.c $(FUZZ_SQL_SRC) $(FUZZ_HDRS)
	@$(MKDIR_P) fuzz
	$(FUZZ_BUILD) -DFUZZ_DIALECT=STRATA_DIALECT_SQLITE \
		$(top_srcdir)/fuzz/fuzz_sql.c $(FUZZ_SQL_SRC) -o $@
fuzz/fuzz_format: $(top_srcdir)/fuzz/fuzz_format.c $(FUZZ_FORMAT_SRC) $(FUZZ_HDRS)
	@$(MKDIR_P) fuzz
	$(FUZZ_BUILD) $(HASH_CFLAGS) $(top_srcdir)/fuzz/fuzz_format.c \
		$(FUZZ_FORMAT_SRC) $(HASH_LIBS) -lpthread -o $@
fuzz/fuzz_url: $(top_srcdir)/fuzz/fuzz_url.c $(FUZZ_URL_SRC) $(FUZZ_HDRS)
	@$(MKDIR_P) fuzz
	$(FUZZ_BUILD) $(PQ_CFLAGS) $(top_srcdir)/fuzz/fuzz_url.c \
		$(FUZZ_URL_SRC) $(PQ_LIBS) -o $@

# (a clean-local hook: Makefile.am has no CLEANFILES for fragments to add to)
clean-local: clean-fuzz
clean-fuzz:
	-rm -f $(FUZZ_BINS)
.PHONY: clean-fuzz

# ------------------------------------------------------------ make check
FUZZ_REPLAY = fuzz/replay_sql_postgres fuzz/replay_sql_mysql \
	fuzz/replay_sql_sqlite fuzz/replay_format fuzz/replay_url
check_PROGRAMS += $(FUZZ_REPLAY)
TESTS += $(FUZZ_REPLAY)

FUZZ_REPLAY_COMMON = fuzz/replay.c fuzz/fuzz.h fuzz/split_check.h
fuzz_replay_sql_postgres_SOURCES = $(FUZZ_REPLAY_COMMON) fuzz/fuzz_sql.c
fuzz_replay_sql_postgres_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_DIALECT=STRATA_DIALECT_POSTGRES -DFUZZ_TARGET_NAME='"sql_postgres"'
fuzz_replay_sql_postgres_LDADD = libstrata_core.la
fuzz_replay_sql_mysql_SOURCES = $(FUZZ_REPLAY_COMMON) fuzz/fuzz_sql.c
fuzz_replay_sql_mysql_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_DIALECT=STRATA_DIALECT_MYSQL -DFUZZ_TARGET_NAME='"sql_mysql"'
fuzz_replay_sql_mysql_LDADD = libstrata_core.la
fuzz_replay_sql_sqlite_SOURCES = $(FUZZ_REPLAY_COMMON) fuzz/fuzz_sql.c
fuzz_replay_sql_sqlite_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_DIALECT=STRATA_DIALECT_SQLITE -DFUZZ_TARGET_NAME='"sql_sqlite"'
fuzz_replay_sql_sqlite_LDADD = libstrata_core.la
fuzz_replay_format_SOURCES = $(FUZZ_REPLAY_COMMON) fuzz/fuzz_format.c
fuzz_replay_format_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET_NAME='"format"'
fuzz_replay_format_LDADD = libstrata_core.la
fuzz_replay_url_SOURCES = $(FUZZ_REPLAY_COMMON) fuzz/fuzz_url.c
fuzz_replay_url_CPPFLAGS = $(AM_CPPFLAGS) $(PQ_CFLAGS) -DFUZZ_TARGET_NAME='"url"'
fuzz_replay_url_LDADD = libstrata_core.la $(PQ_LIBS)

EXTRA_DIST += fuzz/README.md fuzz/stub_drivers.c fuzz/corpus fuzz/regressions \
	fuzz/sql.dict fuzz/format.dict fuzz/url.dict
