/* src/status.c - status (migrations on disk against the history table)
 * and validate. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "repeatable.h"
#include "version.h"

struct strata_status {
	strata_status_entry *entries;
	size_t n;
	size_t pending;
	size_t problems;
	strata_history hist;     /* owns the strings entries point at */
};

const char *strata_state_name(strata_state s)
{
	switch (s) {
	case STRATA_STATE_PENDING: return "pending";
	case STRATA_STATE_APPLIED: return "applied";
	case STRATA_STATE_RUNNING: return "running";
	case STRATA_STATE_FAILED: return "failed";
	case STRATA_STATE_REVERTING: return "reverting";
	case STRATA_STATE_REVERT_FAILED: return "revert_failed";
	case STRATA_STATE_CHANGED: return "changed";
	case STRATA_STATE_MISSING: return "missing";
	}
	return "unknown";
}

/* The history rows strata owns (valid versions), sorted by version. */
static const strata_history_row **sorted_rows(const strata_history *h,
                                              size_t *n)
{
	const strata_history_row **v = malloc((h->n ? h->n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < h->n; i++) {
		const char *ver = h->rows[i].version;
		if (ver && strata_version_valid(ver, strlen(ver)))
			v[k++] = &h->rows[i];
	}
	strata_history_sort(v, k);
	*n = k;
	return v;
}

static void fill_from_row(strata_status_entry *e, const strata_history_row *r)
{
	e->applied_at = r->applied_at;
	e->duration = r->duration;
	e->statements_done = r->statements_done;
	e->statements_total = r->statements_total;
	e->last_error = r->last_error;
	e->state = r->state;
}

static int is_problem(strata_state s)
{
	return s != STRATA_STATE_PENDING && s != STRATA_STATE_APPLIED;
}

/* Merges the sorted migrations and rows into entries. */
static void merge(strata_status *st, const strata_source *src,
                  const strata_history_row **rows, size_t nrows)
{
	const char *newest = st->hist.view.napplied
	    ? st->hist.view.applied[st->hist.view.napplied - 1]->version : NULL;
	size_t i = 0, j = 0;
	while (i < src->n || j < nrows) {
		strata_status_entry *e = &st->entries[st->n++];
		memset(e, 0, sizeof(*e));
		int c = i >= src->n ? 1 : j >= nrows ? -1
		      : strata_version_cmp(src->items[i]->version, rows[j]->version);
		if (c < 0) {
			const strata_migration *m = src->items[i++];
			e->version = m->version;
			e->name = m->name;
			e->file = m->file;
			e->dir = m->dir;
			e->state = STRATA_STATE_PENDING;
			e->out_of_order = newest && strata_version_cmp(m->version, newest) < 0;
			st->pending++;
			continue;
		}
		const strata_history_row *r = rows[j++];
		fill_from_row(e, r);
		if (c > 0) {
			e->version = r->version;
			e->name = r->name;
			if (e->state == STRATA_STATE_APPLIED)
				e->state = STRATA_STATE_MISSING;
		} else {
			const strata_migration *m = src->items[i++];
			e->version = m->version;
			e->name = m->name;
			e->file = m->file;
			e->dir = m->dir;
			if (e->state == STRATA_STATE_APPLIED && r->checksum &&
			    r->checksum[0] && m->checksum[0] &&
			    strcmp(r->checksum, m->checksum) != 0)
				e->state = STRATA_STATE_CHANGED;
		}
		if (is_problem(e->state))
			st->problems++;
	}
}

/* Flyway's order of repeatable migrations' rows, by their keys. */
static int repeatable_row_cmp(const void *a, const void *b)
{
	const strata_history_row *const *x = a, *const *y = b;
	const size_t k = sizeof(STRATA_REPEATABLE_PREFIX) - 1;
	return strata_repeatable_cmp((*x)->version + k, (*y)->version + k);
}

/* Appends the repeatable migrations, files and rows merged in the order
 * up applies them: pending (never applied, or changed since), applied,
 * missing (applied, file gone), or the state of a row left failed or
 * running. `rows` has room for every row. */
static void merge_repeatable(strata_status *st, const strata_source *src,
                             const strata_history_row **rows)
{
	const size_t k = sizeof(STRATA_REPEATABLE_PREFIX) - 1;
	size_t nrows = 0;
	for (size_t i = 0; i < st->hist.n; i++)
		if (strata_repeatable_key(st->hist.rows[i].version))
			rows[nrows++] = &st->hist.rows[i];
	if (nrows > 1)
		qsort(rows, nrows, sizeof(*rows), repeatable_row_cmp);
	size_t i = 0, j = 0;
	while (i < src->nrepeatable || j < nrows) {
		strata_status_entry *e = &st->entries[st->n++];
		memset(e, 0, sizeof(*e));
		e->repeatable = 1;
		int c = i >= src->nrepeatable ? 1 : j >= nrows ? -1
		      : strata_repeatable_cmp(src->repeatables[i]->name, rows[j]->version + k);
		const strata_migration *m = c <= 0 ? src->repeatables[i++] : NULL;
		const strata_history_row *r = c >= 0 ? rows[j++] : NULL;
		if (r) {
			fill_from_row(e, r);
			e->version = r->version;
			e->name = r->name;
		}
		if (m) {
			e->version = m->version;
			e->name = m->name;
			e->file = m->file;
		}
		if (!r) {
			e->state = STRATA_STATE_PENDING;
		} else if (e->state == STRATA_STATE_APPLIED && !m) {
			e->state = STRATA_STATE_MISSING;
		} else if (e->state == STRATA_STATE_APPLIED && r->checksum &&
		           r->checksum[0] && m->checksum[0] &&
		           strcmp(r->checksum, m->checksum) != 0) {
			e->state = STRATA_STATE_PENDING;
			e->changed = 1;
		}
		if (e->state == STRATA_STATE_PENDING)
			st->pending++;
		else if (is_problem(e->state))
			st->problems++;
	}
}

int strata_status_get(strata_status **out, strata *db, strata_source *src,
                      strata_error *err)
{
	strata_error local = { 0 };
	if (!err)
		err = &local;
	strata_error_clear(err);
	if (!out || !db || !src)
		return strata_error_set(err, STRATA_EINVAL, "no database or no migrations");
	*out = NULL;
	int rc = strata_source_prepare_c(db, src, err);
	if (rc)
		return rc;
	strata_status *st = calloc(1, sizeof(*st));
	if (!st)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	rc = strata_history_load(db, &st->hist, err);
	if (rc) {
		strata_status_free(st);
		return rc;
	}
	size_t nrows = 0;
	const strata_history_row **rows = sorted_rows(&st->hist, &nrows);
	st->entries = malloc((src->n + src->nrepeatable + st->hist.n + 1) *
	                     sizeof(*st->entries));
	if (!rows || !st->entries) {
		free(rows);
		strata_status_free(st);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	merge(st, src, rows, nrows);
	/* sorted_rows() made room for every row */
	merge_repeatable(st, src, rows);
	free(rows);
	*out = st;
	return 0;
}

size_t strata_status_count(const strata_status *st)
{
	return st ? st->n : 0;
}

const strata_status_entry *strata_status_entry_at(const strata_status *st,
                                                  size_t i)
{
	return st && i < st->n ? &st->entries[i] : NULL;
}

size_t strata_status_pending(const strata_status *st)
{
	return st ? st->pending : 0;
}

size_t strata_status_problems(const strata_status *st)
{
	return st ? st->problems : 0;
}

void strata_status_free(strata_status *st)
{
	if (!st)
		return;
	free(st->entries);
	strata_history_release(&st->hist);
	free(st);
}

static const char *problem_text(strata_state s)
{
	switch (s) {
	case STRATA_STATE_CHANGED: return "the file changed after the migration was applied";
	case STRATA_STATE_MISSING: return "applied, but no migration file has this version";
	case STRATA_STATE_RUNNING: return "interrupted while running; see 'strata repair'";
	case STRATA_STATE_FAILED: return "failed; see 'strata repair'";
	case STRATA_STATE_REVERTING: return "interrupted while reverting; see 'strata repair'";
	case STRATA_STATE_REVERT_FAILED: return "failed while reverting; see 'strata repair'";
	default: return "ok";
	}
}

int strata_validate(strata *db, strata_source *src, strata_error *err)
{
	strata_error local = { 0 };
	if (!err)
		err = &local;
	strata_status *st;
	int rc = strata_status_get(&st, db, src, err);
	if (rc)
		return rc;
	int dirty = 0;
	for (size_t i = 0; i < st->n; i++) {
		const strata_status_entry *e = &st->entries[i];
		if (!is_problem(e->state))
			continue;
		if (e->state != STRATA_STATE_CHANGED && e->state != STRATA_STATE_MISSING)
			dirty = 1;
		if (e->repeatable && e->state == STRATA_STATE_MISSING) {
			strata_log(db, STRATA_LOG_WARN,
			           "%s: applied, but no file is this repeatable migration any more; "
			           "'strata repair --forget %s' forgets it", e->version, e->version);
			continue;
		}
		const char *name = e->repeatable || !e->name ? "" : e->name;
		strata_log(db, STRATA_LOG_WARN, "%s%s%s: %s%s%s%s", e->version,
		           *name ? "_" : "", name,
		           problem_text(e->state), e->file ? " (" : "",
		           e->file ? e->file : "", e->file ? ")" : "");
	}
	size_t problems = st->problems;
	strata_status_free(st);
	if (problems)
		return strata_error_set(err, dirty ? STRATA_EDIRTY : STRATA_EPLAN,
		                        "%zu migration%s failed validation", problems,
		                        problems == 1 ? "" : "s");
	return 0;
}
