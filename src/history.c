/* src/history.c - history rows: state names and freeing. */
#include "config.h"

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

void strata_history_rows_free(strata_history_row *rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++) {
		free(rows[i].version);
		free(rows[i].name);
		free(rows[i].checksum);
		free(rows[i].down_sql);
		free(rows[i].applied_at);
		free(rows[i].applied_by);
		free(rows[i].last_error);
	}
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
