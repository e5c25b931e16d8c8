/* src/migration.h - the in-memory migration (from a file or from C) and
 * the source that holds them. File and C migrations become the same
 * object; the engine never knows where SQL came from. */
#ifndef STRATA_MIGRATION_H
#define STRATA_MIGRATION_H

#include <stddef.h>

#include <strata.h>
#include <strata/driver.h>

#include "checksum.h"

/* One part (up or down) of a migration. */
typedef struct strata_part {
	char *text;            /* owned; NULL when the part is absent */
	size_t len;
	int first_line;        /* line of text[0] in `file` */
	int no_transaction;    /* transaction:false on its marker */
	const char *file;      /* file the text came from (points into the
	                          migration), NULL for C migrations */
	strata_stmt *stmts;    /* split with the dialect by _prepare */
	size_t nstmts;
	int prepared;          /* split for `dialect` */
	int own_wrapper;       /* its BEGIN ... COMMIT around every statement
	                          was dropped: strata's transaction is that
	                          one (strata_part_check_tx) */
	strata_dialect dialect;
} strata_part;

typedef struct strata_migration {
	char *version;         /* as written in the file name */
	char *name;            /* "" when the file name has none */
	char *file;            /* main file (native, or .up.sql); NULL for C */
	char *down_file;       /* .down.sql of a pair, else NULL */
	char checksum[STRATA_CHECKSUM_LEN];
	strata_part up;
	strata_part down;
	int has_up;            /* a -- migrate:up section exists */
	int has_down;
	int goose;             /* its markers are goose's (-- +goose Up) */
	int plain;             /* files without markers (pairs, Flyway) */
	int diesel;            /* a diesel folder (metadata.toml) */
	int mikro;             /* a MikroORM class (Migration<v>.ts / .js) */
	const char *dir;       /* the directory it was read from (owned by
	                          the source), NULL for C migrations */
	int repeatable;        /* Flyway's R__<name>.sql: version is its
	                          history key "R__<name>" (src/repeatable.h),
	                          applied after the versioned ones and again
	                          whenever its checksum changes; no down */
	const strata_c_migration *c; /* the C migration, else NULL */
	int c_built;           /* 1 + the dialect the C parts were built for */
} strata_migration;

struct strata_source {
	strata_migration **items; /* sorted by version after every add */
	size_t n;
	size_t cap;
	strata_dialect prepared_for; /* dialect the C parts were built for */
	char *database;           /* strata_source_set_database, or NULL */
	char **ignore;            /* strata_source_ignore patterns */
	size_t nignore;
	char **dirs;              /* the directories read, in order */
	size_t ndirs;
	strata_migration **repeatables; /* R__ files, in Flyway's order
	                                   (src/repeatable.h); not in items */
	size_t nrepeatable;
	size_t caprepeatable;
};

/* Frees a part's text and statements and clears it. */
void strata_part_release(strata_part *p);

/* Allocates an empty migration; NULL when out of memory. */
strata_migration *strata_migration_new(void);
void strata_migration_free(strata_migration *m);

/*
 * Splits both parts with `dialect` (once; again if the dialect changes
 * for C migrations, whose SQL is generated here). Errors: STRATA_EPARSE
 * with file and line; STRATA_EPLAN when a C migration's function fails.
 */
int strata_migration_prepare(strata_migration *m, strata_dialect dialect,
                             strata_error *err);

/*
 * Refuses transaction control that would end or open a transaction
 * inside the one strata runs transactional part `p` of `m` (NULL when
 * its SQL comes from the history) in: BEGIN, START TRANSACTION, COMMIT,
 * END, ROLLBACK other than ROLLBACK TO a savepoint. STRATA_EPARSE with
 * file:line of the statement and how the file's format marks a part
 * without a transaction. A part that is one BEGIN ... COMMIT block as a
 * whole is taken as it is meant: its first and last statements are
 * dropped and own_wrapper set. Parts without a transaction are left as
 * written.
 */
int strata_part_check_tx(strata_part *p, const strata_migration *m, int down,
                         strata_error *err);

/* Adds `m` to `src` (taking ownership even on failure), keeping version
 * order; refuses a second migration with the same version (STRATA_EPLAN
 * naming both). */
int strata_source_insert(strata_source *src, strata_migration *m,
                         strata_error *err);

/* Finds the migration with version equal (numerically) to `version`, or
 * the repeatable one whose history key is `version`. */
strata_migration *strata_source_find(const strata_source *src,
                                     const char *version);

/* Builds C migration parts for `dialect` (see cmigration.c). */
int strata_cmigration_build(strata_migration *m, strata_dialect dialect,
                            strata_error *err);

/* Human label "20240101000000_create_users" into buf. */
const char *strata_migration_label(char *buf, size_t size,
                                   const char *version, const char *name);

#endif
