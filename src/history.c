/* src/history.c - history rows: state names, decoding a row read as
 * text (the driver kit's), freeing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/driver.h>

static const struct {
	strata_state state;
	const char *name;
} history_states[] = {
	{ STRATA_STATE_APPLIED, "applied" },
	{ STRATA_STATE_RUNNING, "running" },
	{ STRATA_STATE_FAILED, "failed" },
	{ STRATA_STATE_REVERTING, "reverting" },
	{ STRATA_STATE_REVERT_FAILED, "revert_failed" },
	{ STRATA_STATE_PENDING, "meta" }, /* the format row */
};

const char *strata_history_state_name(strata_state s)
{
	for (size_t i = 0; i < sizeof(history_states) / sizeof(history_states[0]); i++)
		if (history_states[i].state == s)
			return history_states[i].name;
	return "unknown";
}

int strata_history_state_parse(const char *name, strata_state *out)
{
	for (size_t i = 0; i < sizeof(history_states) / sizeof(history_states[0]); i++)
		if (name && strcmp(history_states[i].name, name) == 0) {
			*out = history_states[i].state;
			return 0;
		}
	return STRATA_EINVAL;
}

/* Frees the strings of one row and clears them. */
static void row_release(strata_history_row *r)
{
	free(r->version);
	free(r->name);
	free(r->checksum);
	free(r->down_sql);
	free(r->applied_at);
	free(r->applied_by);
	free(r->last_error);
	memset(r, 0, sizeof(*r));
}

void strata_history_rows_free(strata_history_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		row_release(&rows[i]);
	free(rows);
}

void strata_cells_free(char **cells, size_t n)
{
	if (!cells)
		return;
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

/* A copy of `s` into *out (NULL stays NULL); -1 when out of memory. */
static int dup_cell(char **out, const char *s)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

int strata_history_row_decode(strata_history_row *row, const char *const *cells,
                              const char *table, strata_error *err)
{
	memset(row, 0, sizeof(*row));
	enum { H_VERSION, H_NAME, H_CHECKSUM, H_STATE, H_DONE, H_TOTAL, H_DOWN, H_AT, H_MS,
	       H_BY, H_LAST };
	if (dup_cell(&row->version, cells[H_VERSION]) || dup_cell(&row->name, cells[H_NAME]) ||
	    dup_cell(&row->checksum, cells[H_CHECKSUM]) || dup_cell(&row->down_sql, cells[H_DOWN]) ||
	    dup_cell(&row->applied_at, cells[H_AT]) || dup_cell(&row->applied_by, cells[H_BY]) ||
	    dup_cell(&row->last_error, cells[H_LAST])) {
		row_release(row);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	row->statements_done = cells[H_DONE] ? strtol(cells[H_DONE], NULL, 10) : 0;
	row->statements_total = cells[H_TOTAL] ? strtol(cells[H_TOTAL], NULL, 10) : 0;
	row->duration = cells[H_MS] ? strtod(cells[H_MS], NULL) / 1000.0 : 0;
	if (row->version && strcmp(row->version, STRATA_HISTORY_FORMAT_ROW) == 0) {
		row->state = STRATA_STATE_PENDING;
		return 0;
	}
	if (strata_history_state_parse(cells[H_STATE], &row->state) == 0)
		return 0;
	int rc = strata_error_set(err, STRATA_EINTERNAL,
	                          "history table %s: row %s has unknown state \"%s\"",
	                          table ? table : "?", row->version ? row->version : "(null)",
	                          cells[H_STATE] ? cells[H_STATE] : "(null)");
	row_release(row);
	return rc;
}

int strata_history_state_text(const strata_history_row *row, const char **out,
                              strata_error *err)
{
	*out = NULL;
	if (!row || !row->version)
		return strata_error_set(err, STRATA_EINVAL, "history row without a version");
	if (strcmp(row->version, STRATA_HISTORY_FORMAT_ROW) == 0) {
		*out = "meta";
		return 0;
	}
	const char *name = strata_history_state_name(row->state);
	strata_state check;
	if (row->state == STRATA_STATE_PENDING || strata_history_state_parse(name, &check) != 0)
		return strata_error_set(err, STRATA_EINVAL,
		                        "state %d cannot be recorded in the history table",
		                        (int)row->state);
	*out = name;
	return 0;
}
