/*
 * src/takeover.h - reading another migration tool's history table, for
 * `strata baseline --from TOOL` and for status noticing one.
 *
 * Each tool's table is read as text cells through the driver's
 * read_table slot (columns below); what the rows mean is decided here,
 * without a server: strata_takeover_plan() turns the cells into the
 * migrations of a source that the other tool applied, with its applied
 * time where it keeps one, or refuses with the reason.
 */
#ifndef STRATA_TAKEOVER_H
#define STRATA_TAKEOVER_H

#include <stddef.h>

#include <strata.h>

#include "migration.h"

typedef enum strata_tool {
	STRATA_TOOL_DBMATE = 0,
	STRATA_TOOL_GOLANG_MIGRATE,
	STRATA_TOOL_GOOSE,
	STRATA_TOOL_FLYWAY,
	STRATA_TOOL_MIKRO_ORM,
	STRATA_TOOL_COUNT
} strata_tool;

typedef struct strata_tool_info {
	const char *name;           /* as --from takes it: "golang-migrate" */
	const char *title;          /* for messages: "golang-migrate" */
	const char *table;          /* its default history table */
	const char *const *cols;    /* the columns read, in this order */
	size_t ncols;
	unsigned time_mask;         /* read_table's: which are timestamps */
} strata_tool_info;

/* The tool named `name` (also "golang_migrate", "migrate", "mikroorm",
 * "mikro_orm"); -1 when there is none. */
int strata_tool_find(const char *name);
const strata_tool_info *strata_tool_get(strata_tool t);

/* One migration the other tool applied. */
typedef struct strata_takeover_entry {
	strata_migration *m;
	const char *applied_at;     /* points into the cells; NULL: unknown */
} strata_takeover_entry;

typedef struct strata_takeover {
	strata_takeover_entry *items; /* by version */
	size_t n;
	size_t skipped_repeatable;  /* Flyway rows of R__ files, not taken */
	size_t older_pending;       /* files older than the newest entry that
	                               the other tool did not apply */
	const char *first_older;    /* the first of them */
} strata_takeover;

/*
 * What the rows of tool `t`'s table `table` (cells as read_table gives
 * them for the tool's columns: nrows * ncols) say was applied, matched to
 * `src`. Refusals, nothing taken: STRATA_EDIRTY when golang-migrate's
 * dirty flag is set or Flyway has a failed row; STRATA_EPLAN when an
 * applied entry has no file in `src` (naming it), or the table holds
 * what the tool never writes (a version that is not one, two
 * golang-migrate rows, a boolean that is not). `out` is released with
 * strata_takeover_release (also after a failure).
 */
int strata_takeover_plan(strata_tool t, const char *table, char *const *cells,
                         size_t nrows, const strata_source *src,
                         strata_takeover *out, strata_error *err);
void strata_takeover_release(strata_takeover *t);

#endif
