/* src/engine.h - running plans against a driver. */
#ifndef STRATA_ENGINE_H
#define STRATA_ENGINE_H

#include "api.h"
#include "migration.h"
#include "plan.h"

/* The history rows as read under (or without) the lock. */
typedef struct strata_history {
	strata_history_row *rows;
	size_t n;
	int exists;
	strata_history_view view;
} strata_history;

/* Reads the history table (without creating it) into `h`. */
int strata_history_load(strata *db, strata_history *h, strata_error *err);
void strata_history_release(strata_history *h);

/* Builds checksums and SQL of C migrations for the database's dialect. */
int strata_source_prepare_c(strata *db, strata_source *src, strata_error *err);

#endif
