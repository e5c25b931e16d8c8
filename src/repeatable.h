/* src/repeatable.h - repeatable migrations (Flyway's R__<description>.sql):
 * their history key, their order, and the source's list of them.
 *
 * A repeatable migration has no version. Its history row is keyed by
 * "R__<description>" as the file name writes it (R__views.sql: key
 * "R__views", name "views"): no version starts with a letter and the
 * format row starts with '~', so a key never collides with either. The
 * row is inserted the first time the file is applied and updated (its
 * checksum, state and applied_at) each time it is applied again. */
#ifndef STRATA_REPEATABLE_H
#define STRATA_REPEATABLE_H

#include <stddef.h>

#include "migration.h"

#define STRATA_REPEATABLE_PREFIX "R__"

/* The longest description: its key (prefix included) must fit the
 * history's version column on every backend (MySQL: VARCHAR(64)) and
 * strata_error.version. */
#define STRATA_REPEATABLE_MAX 60

/* 1 when a history version is a repeatable migration's key. */
int strata_repeatable_key(const char *version);

/*
 * Flyway's order of two repeatable migrations, given their descriptions
 * as the file names write them (the part after R__): Flyway reads '_' as
 * a space and compares the descriptions as Java's String.compareTo does,
 * by UTF-16 code unit, case-sensitive, without a locale ("B" < "a").
 * Descriptions Flyway finds equal are ordered by their bytes, so that
 * the order is total. Returns <0, 0 (only for equal strings), >0.
 */
int strata_repeatable_cmp(const char *a, const char *b);

/* 1 when two descriptions name the same history row somewhere: equal
 * for Flyway ('_' read as a space), or for MySQL's default collations,
 * which ignore case and trailing spaces. */
int strata_repeatable_same(const char *a, const char *b);

/* Adds a repeatable migration `m` to `src` (taking ownership even on
 * failure), in Flyway's order; refuses (STRATA_EPLAN naming both files)
 * one whose description is the same (strata_repeatable_same) as one
 * already there. */
int strata_source_insert_repeatable(strata_source *src, strata_migration *m,
                                    strata_error *err);

/* The repeatable migration whose key is `key` exactly, or NULL. */
strata_migration *strata_source_find_repeatable(const strata_source *src,
                                                const char *key);

#endif
