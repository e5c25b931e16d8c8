/* src/plan.c - the planner (pure: no I/O, no driver). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "repeatable.h"
#include "version.h"

static int row_cmp(const void *a, const void *b)
{
	const strata_history_row *const *x = a, *const *y = b;
	return strata_version_cmp((*x)->version, (*y)->version);
}

/* Flyway's order of repeatable migrations' rows, by their keys. */
static int repeatable_row_cmp(const void *a, const void *b)
{
	const strata_history_row *const *x = a, *const *y = b;
	const size_t k = sizeof(STRATA_REPEATABLE_PREFIX) - 1;
	return strata_repeatable_cmp((*x)->version + k, (*y)->version + k);
}

void strata_history_sort(const strata_history_row **rows, size_t n)
{
	/* drivers list rows ordered by version as text, which is already
	 * the numeric order when versions have one length (timestamps) */
	size_t i = 1;
	while (i < n && strata_version_cmp(rows[i - 1]->version, rows[i]->version) <= 0)
		i++;
	if (i < n)
		qsort(rows, n, sizeof(*rows), row_cmp);
}

int strata_history_view_build(strata_history_view *out,
                              const strata_history_row *rows, size_t n,
                              strata_error *err)
{
	memset(out, 0, sizeof(*out));
	if (n) {
		out->applied = malloc(n * sizeof(*out->applied));
		out->repeatable = malloc(n * sizeof(*out->repeatable));
		if (!out->applied || !out->repeatable) {
			strata_history_view_release(out);
			return strata_error_set(err, STRATA_ENOMEM, "out of memory");
		}
	}
	for (size_t i = 0; i < n; i++) {
		const strata_history_row *r = &rows[i];
		if (r->version && strcmp(r->version, STRATA_HISTORY_FORMAT_ROW) == 0) {
			out->format = r->name ? atoi(r->name) : 0;
			continue;
		}
		int repeatable = strata_repeatable_key(r->version);
		if (!r->version || (!repeatable &&
		                    !strata_version_valid(r->version, strlen(r->version))))
			continue; /* not ours: ignored, as a peer's extra row */
		if (r->state == STRATA_STATE_APPLIED && repeatable) {
			out->repeatable[out->nrepeatable++] = r;
		} else if (r->state == STRATA_STATE_APPLIED) {
			out->applied[out->napplied++] = r;
		} else {
			if (!out->dirty)
				out->dirty = r;
			out->ndirty++;
		}
	}
	strata_history_sort(out->applied, out->napplied);
	if (out->nrepeatable > 1)
		qsort(out->repeatable, out->nrepeatable, sizeof(*out->repeatable),
		      repeatable_row_cmp);
	return 0;
}

void strata_history_view_release(strata_history_view *v)
{
	free(v->applied);
	free(v->repeatable);
	memset(v, 0, sizeof(*v));
}

const strata_history_row *strata_history_view_find(const strata_history_view *v,
                                                   const char *version)
{
	size_t lo = 0, hi = v->napplied;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strata_version_cmp(v->applied[mid]->version, version);
		if (c == 0)
			return v->applied[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const strata_history_row *strata_history_view_find_repeatable(
	const strata_history_view *v, const char *key)
{
	if (!strata_repeatable_key(key))
		return NULL;
	const size_t k = sizeof(STRATA_REPEATABLE_PREFIX) - 1;
	size_t lo = 0, hi = v->nrepeatable;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strata_repeatable_cmp(v->repeatable[mid]->version + k, key + k);
		if (c == 0)
			return v->repeatable[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int strata_plan_dirty_error(const strata_history_row *row, strata_error *err)
{
	const char *what;
	switch (row->state) {
	case STRATA_STATE_RUNNING: what = "was interrupted while running"; break;
	case STRATA_STATE_FAILED: what = "failed"; break;
	case STRATA_STATE_REVERTING: what = "was interrupted while reverting"; break;
	default: what = "failed while reverting"; break;
	}
	int interrupted = row->state == STRATA_STATE_RUNNING ||
	                  row->state == STRATA_STATE_REVERTING;
	/* a repeatable migration's key holds its name */
	const char *name = strata_repeatable_key(row->version) ? NULL : row->name;
	strata_error_set(err, STRATA_EDIRTY,
	                 "migration %s%s%s %s at statement %ld of %ld%s%s; resolve it with "
	                 "'strata repair --resume %s' (run the rest from that statement)%s%s%s, "
	                 "'--mark-applied' or '--forget'",
	                 row->version, name && *name ? "_" : "",
	                 name ? name : "", what,
	                 row->statements_done + 1, row->statements_total,
	                 row->last_error ? ": " : "",
	                 row->last_error ? row->last_error : "", row->version,
	                 interrupted ? ", 'strata repair --resume --skip-in-flight " : "",
	                 interrupted ? row->version : "",
	                 interrupted ? "' (count that statement as done: it took effect)" : "");
	snprintf(err->version, sizeof(err->version), "%s", row->version);
	err->statement = row->statements_done + 1;
	return STRATA_EDIRTY;
}

/* Refuses when an applied migration's file changed since. */
static int check_unchanged(const strata_source *src,
                           const strata_history_view *hist, strata_error *err)
{
	for (size_t i = 0; i < hist->napplied; i++) {
		const strata_history_row *r = hist->applied[i];
		const strata_migration *m = strata_source_find(src, r->version);
		if (!m || !m->checksum[0] || !r->checksum || !r->checksum[0])
			continue;
		if (strcmp(m->checksum, r->checksum) != 0) {
			strata_error_set(err, STRATA_EPLAN,
			                 "migration %s was changed after it was applied "
			                 "(checksum %.19s... now %.19s...); restore the file, "
			                 "or add a new migration for the change ('strata validate' lists all)",
			                 r->version, r->checksum, m->checksum);
			snprintf(err->version, sizeof(err->version), "%s", r->version);
			if (m->file)
				snprintf(err->file, sizeof(err->file), "%s", m->file);
			return STRATA_EPLAN;
		}
	}
	return 0;
}

static int push(strata_step **v, size_t *n, size_t *cap, strata_step s,
                strata_error *err)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		strata_step *p = realloc(*v, c * sizeof(*p));
		if (!p)
			return strata_error_set(err, STRATA_ENOMEM, "out of memory");
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = s;
	return 0;
}

static int unknown_target(const char *target, strata_error *err)
{
	strata_error_set(err, STRATA_ENOTFOUND,
	                 "unknown version %s: no migration file and no history row has it",
	                 target);
	snprintf(err->version, sizeof(err->version), "%s", target);
	return STRATA_ENOTFOUND;
}

static int plan_versioned_up(strata_step **v, size_t *n, size_t *cap,
                             const strata_source *src,
                             const strata_history_view *hist,
                             const strata_plan_request *req, strata_error *err)
{
	if (req->target && !strata_source_find(src, req->target)) {
		if (strata_history_view_find(hist, req->target))
			return 0; /* already applied and its file gone: nothing */
		return unknown_target(req->target, err);
	}
	const char *newest = hist->napplied ? hist->applied[hist->napplied - 1]->version : NULL;
	for (size_t i = 0; i < src->n; i++) {
		strata_migration *m = src->items[i];
		if (strata_history_view_find(hist, m->version))
			continue;
		if (req->target && strata_version_cmp(m->version, req->target) > 0)
			break;
		if (newest && strata_version_cmp(m->version, newest) < 0 &&
		    !req->allow_out_of_order) {
			strata_error_set(err, STRATA_EPLAN,
			                 "migration %s is pending but older than %s, which is already applied; "
			                 "rename it to a newer version, or apply it with --allow-out-of-order",
			                 m->version, newest);
			snprintf(err->version, sizeof(err->version), "%s", m->version);
			if (m->file)
				snprintf(err->file, sizeof(err->file), "%s", m->file);
			return STRATA_EPLAN;
		}
		if (req->count > 0 && (long)*n >= req->count)
			break;
		int rc = push(v, n, cap, (strata_step){ STRATA_STEP_UP, m, NULL }, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The repeatable migrations to apply: those without a row, and those
 * whose file changed since their row was written (the step carries the
 * row, which it updates). A row without a checksum (written by repair
 * --mark-applied with the file gone) does not count as a change. */
static int plan_repeatables(strata_step **v, size_t *n, size_t *cap,
                            const strata_source *src,
                            const strata_history_view *hist, strata_error *err)
{
	for (size_t i = 0; i < src->nrepeatable; i++) {
		strata_migration *m = src->repeatables[i];
		const strata_history_row *r =
			strata_history_view_find_repeatable(hist, m->version);
		if (r && (!r->checksum || !r->checksum[0] || !m->checksum[0] ||
		          strcmp(r->checksum, m->checksum) == 0))
			continue;
		int rc = push(v, n, cap, (strata_step){ STRATA_STEP_UP, m, r }, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The versioned migrations, then the repeatable ones (Flyway applies
 * them after all versioned migrations of a run, with a target too). */
static int plan_up(strata_step **v, size_t *n, size_t *cap,
                   const strata_source *src, const strata_history_view *hist,
                   const strata_plan_request *req, strata_error *err)
{
	int rc = plan_versioned_up(v, n, cap, src, hist, req, err);
	return rc ? rc : plan_repeatables(v, n, cap, src, hist, err);
}

static int plan_down(strata_step **v, size_t *n, size_t *cap,
                     const strata_source *src, const strata_history_view *hist,
                     const strata_plan_request *req, strata_error *err)
{
	int all = 0;
	if (req->target) {
		all = strata_version_cmp(req->target, "0") == 0;
		if (!all && !strata_history_view_find(hist, req->target) &&
		    !strata_source_find(src, req->target))
			return unknown_target(req->target, err);
	}
	long count = req->count > 0 ? req->count : 1;
	for (size_t i = hist->napplied; i-- > 0;) {
		const strata_history_row *r = hist->applied[i];
		if (req->target) {
			if (!all && strata_version_cmp(r->version, req->target) <= 0)
				break;
		} else if ((long)*n >= count) {
			break;
		}
		strata_migration *m = strata_source_find(src, r->version);
		if (m ? !m->has_down : !r->down_sql) {
			strata_error_set(err, STRATA_EPLAN,
			                 "migration %s has no down part, so it cannot be rolled back%s",
			                 r->version, m ? "" : " (its file is gone and no down SQL was stored)");
			snprintf(err->version, sizeof(err->version), "%s", r->version);
			if (m && m->file)
				snprintf(err->file, sizeof(err->file), "%s", m->file);
			return STRATA_EPLAN;
		}
		int rc = push(v, n, cap, (strata_step){ STRATA_STEP_DOWN, m, r }, err);
		if (rc)
			return rc;
	}
	return 0;
}

int strata_plan_build(strata_step **out, size_t *n,
                      const strata_source *src,
                      const strata_history_view *hist,
                      const strata_plan_request *req, strata_error *err)
{
	*out = NULL;
	*n = 0;
	if (req->target && !strata_version_valid(req->target, strlen(req->target))) {
		strata_error_set(err, STRATA_ENOTFOUND,
		                 "\"%s\" is not a version (expected digits, e.g. 20240702105919)",
		                 req->target);
		return STRATA_ENOTFOUND;
	}
	if (hist->format > STRATA_HISTORY_FORMAT)
		return strata_error_set(err, STRATA_EPLAN,
		                        "the history table has format %d, newer than this strata understands (%d); upgrade strata",
		                        hist->format, STRATA_HISTORY_FORMAT);
	if (hist->dirty)
		return strata_plan_dirty_error(hist->dirty, err);
	int rc = check_unchanged(src, hist, err);
	if (rc)
		return rc;
	strata_step *v = NULL;
	size_t cap = 0;
	rc = req->direction == STRATA_DOWN ? plan_down(&v, n, &cap, src, hist, req, err)
	                                   : plan_up(&v, n, &cap, src, hist, req, err);
	if (rc) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}
