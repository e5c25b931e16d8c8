/* src/plan.h - the planner: a pure function from (migrations on disk,
 * rows of the history table, request) to steps or a refusal. No I/O. */
#ifndef STRATA_PLAN_H
#define STRATA_PLAN_H

#include <stddef.h>

#include <strata/driver.h>

#include "migration.h"

typedef enum strata_step_kind {
	STRATA_STEP_UP = 1,     /* apply m */
	STRATA_STEP_DOWN = 2    /* revert: m's down part, or row->down_sql
	                           when m is NULL (file gone) */
} strata_step_kind;

typedef struct strata_step {
	strata_step_kind kind;
	strata_migration *m;           /* NULL for a down whose file is gone */
	const strata_history_row *row; /* the history row: of a down; of an up
	                                  of a repeatable migration applied
	                                  before, whose file changed since (the
	                                  row it updates); else NULL */
} strata_step;

typedef struct strata_plan_request {
	strata_direction direction;
	long count;                /* up: 0 = all; down: 0 = 1 */
	const char *target;        /* NULL = none; down: "0" = everything */
	int allow_out_of_order;
} strata_plan_request;

/* The history rows that matter, indexed for the planner and status. */
typedef struct strata_history_view {
	const strata_history_row **applied; /* state APPLIED, by version */
	size_t napplied;
	const strata_history_row *dirty;    /* first row not APPLIED, or NULL */
	size_t ndirty;
	int format;                         /* format row's number, 0 if none */
	const strata_history_row **repeatable; /* repeatable migrations' rows
	                                          in state APPLIED, in Flyway's
	                                          order of their keys */
	size_t nrepeatable;
} strata_history_view;

/* Indexes `rows` (which must outlive the view). Returns 0 or ENOMEM. */
int strata_history_view_build(strata_history_view *out,
                              const strata_history_row *rows, size_t n,
                              strata_error *err);
void strata_history_view_release(strata_history_view *v);

/* Sorts row pointers by version, numerically (cheap when already sorted). */
void strata_history_sort(const strata_history_row **rows, size_t n);

/* The applied row for `version`, or NULL. */
const strata_history_row *strata_history_view_find(const strata_history_view *v,
                                                   const char *version);

/* The applied row of the repeatable migration keyed `key`, or NULL. */
const strata_history_row *strata_history_view_find_repeatable(
	const strata_history_view *v, const char *key);

/*
 * Builds the steps for `req`. *out is malloc'd (free()); *n may be 0.
 * An up ends with the repeatable migrations never applied or changed
 * since they were (Flyway's order), whatever the count or the target:
 * those limit the versioned migrations only, as Flyway's target does.
 * A down never reverts a repeatable migration.
 * Refusals, before anything runs, each with a precise message:
 *   STRATA_EDIRTY  a migration is running/failed/reverting (names the
 *                  repair command)
 *   STRATA_EPLAN   an applied migration's file changed; pending
 *                  migrations older than the newest applied one (unless
 *                  allowed); a down without down SQL
 *   STRATA_ENOTFOUND  target version unknown
 */
int strata_plan_build(strata_step **out, size_t *n,
                      const strata_source *src,
                      const strata_history_view *hist,
                      const strata_plan_request *req, strata_error *err);

/* Fills err for a dirty row (shared by the planner and repair). */
int strata_plan_dirty_error(const strata_history_row *row, strata_error *err);

#endif
