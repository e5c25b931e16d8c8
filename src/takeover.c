/*
 * src/takeover.c - what another migration tool's history table says was
 * applied (see takeover.h). Facts about each table, from the tools'
 * documentation and sources:
 *
 *   dbmate          schema_migrations(version): one row per applied file.
 *   golang-migrate  schema_migrations(version, dirty): one row, the last
 *                   version applied; every file up to it is applied;
 *                   dirty means that one failed halfway.
 *   goose           goose_db_version(id, version_id, is_applied, tstamp):
 *                   a row per up and per down; the newest row (by id) of
 *                   a version decides; version 0 is goose's own first row.
 *   Flyway          flyway_schema_history(installed_rank, version,
 *                   description, type, script, success, installed_on):
 *                   rows in installed_rank order; type BASELINE stands for
 *                   every version up to its own, SCHEMA is Flyway's own,
 *                   UNDO_* and DELETE take a version back; a NULL version
 *                   is a repeatable migration; success false is a failure
 *                   that `flyway repair` has not resolved.
 *   MikroORM        mikro_orm_migrations(name, executed_at): one row per
 *                   applied class, by its name (Migration<version>, older
 *                   releases with the .ts / .js extension).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "takeover.h"
#include "version.h"

static const char *const dbmate_cols[] = { "version" };
static const char *const migrate_cols[] = { "version", "dirty" };
static const char *const goose_cols[] = { "id", "version_id", "is_applied", "tstamp" };
static const char *const flyway_cols[] = { "installed_rank", "version", "description",
                                           "type", "script", "success",
                                           "installed_on" };
static const char *const mikro_cols[] = { "name", "executed_at" };

static const strata_tool_info tools[STRATA_TOOL_COUNT] = {
	[STRATA_TOOL_DBMATE] = { "dbmate", "dbmate", "schema_migrations", dbmate_cols, 1, 0 },
	[STRATA_TOOL_GOLANG_MIGRATE] = { "golang-migrate", "golang-migrate",
	                                 "schema_migrations", migrate_cols, 2, 0 },
	[STRATA_TOOL_GOOSE] = { "goose", "goose", "goose_db_version", goose_cols, 4, 1u << 3 },
	[STRATA_TOOL_FLYWAY] = { "flyway", "Flyway", "flyway_schema_history", flyway_cols, 7,
	                         1u << 6 },
	[STRATA_TOOL_MIKRO_ORM] = { "mikro-orm", "MikroORM", "mikro_orm_migrations",
	                            mikro_cols, 2, 1u << 1 },
};

int strata_tool_find(const char *name)
{
	static const struct { const char *alias; strata_tool t; } aliases[] = {
		{ "golang_migrate", STRATA_TOOL_GOLANG_MIGRATE },
		{ "migrate", STRATA_TOOL_GOLANG_MIGRATE },
		{ "mikroorm", STRATA_TOOL_MIKRO_ORM },
		{ "mikro_orm", STRATA_TOOL_MIKRO_ORM },
		{ "mikro", STRATA_TOOL_MIKRO_ORM },
	};
	if (!name)
		return -1;
	for (int i = 0; i < STRATA_TOOL_COUNT; i++)
		if (strcasecmp(name, tools[i].name) == 0)
			return i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(name, aliases[i].alias) == 0)
			return (int)aliases[i].t;
	return -1;
}

const strata_tool_info *strata_tool_get(strata_tool t)
{
	return (unsigned)t < STRATA_TOOL_COUNT ? &tools[t] : NULL;
}

void strata_takeover_release(strata_takeover *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ helpers */

typedef struct plan_ctx {
	const strata_tool_info *tool;
	const char *table;
	const strata_source *src;
	strata_takeover *out;
	size_t cap;
	strata_error *err;
} plan_ctx;

/* A boolean as the three servers write one: PostgreSQL's true/false (or
 * t/f), MySQL's and SQLite's 1/0. -1 when it is none of them. */
static int parse_bool(const char *s)
{
	if (!s)
		return -1;
	if (strcasecmp(s, "t") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		return 1;
	if (strcasecmp(s, "f") == 0 || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		return 0;
	return -1;
}

static int valid_version(const char *s)
{
	return s && *s && strata_version_valid(s, strlen(s));
}

static int odd_row(plan_ctx *c, const char *what, const char *value)
{
	return strata_error_set(c->err, STRATA_EPLAN,
	                        "%s's table %s holds %s \"%s\", which %s never writes: "
	                        "is it %s's table? (nothing was written)",
	                        c->tool->title, c->table, what, value ? value : "NULL",
	                        c->tool->title, c->tool->title);
}

static int no_file(plan_ctx *c, const char *entry)
{
	return strata_error_set(c->err, STRATA_EPLAN,
	                        "%s's table %s records %s as applied, but no migration file "
	                        "here is that one: restore the file (or -d the folder that "
	                        "has it) before taking over; nothing was written",
	                        c->tool->title, c->table, entry);
}

static int add(plan_ctx *c, strata_migration *m, const char *at)
{
	strata_takeover *o = c->out;
	for (size_t i = 0; i < o->n; i++)
		if (o->items[i].m == m) {
			o->items[i].applied_at = at;
			return 0;
		}
	if (o->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		strata_takeover_entry *grown = realloc(o->items, ncap * sizeof(*grown));
		if (!grown)
			return strata_error_set(c->err, STRATA_ENOMEM, "out of memory");
		o->items = grown;
		c->cap = ncap;
	}
	o->items[o->n].m = m;
	o->items[o->n].applied_at = at;
	o->n++;
	return 0;
}

/* Looks up version `v`, which the table records as applied. */
static int add_version(plan_ctx *c, const char *v, const char *at)
{
	if (!valid_version(v))
		return odd_row(c, "the version", v);
	strata_migration *m = strata_source_find(c->src, v);
	if (!m) {
		char entry[128];
		snprintf(entry, sizeof(entry), "version %s", v);
		return no_file(c, entry);
	}
	return add(c, m, at);
}

static int by_version(const void *a, const void *b)
{
	const strata_takeover_entry *x = a, *y = b;
	return strata_version_cmp(x->m->version, y->m->version);
}

/* A row, its rank (goose's id, Flyway's installed_rank) and its version:
 * sorted by version, then rank, each version's rows stand together with
 * the one that decides (the newest) last. */
typedef struct ranked {
	long long rank;
	size_t row;
	const char *version;
} ranked;

static int by_version_rank(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	int v = strata_version_cmp(x->version, y->version);
	if (v)
		return v;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Whether r[k] is the newest row of its version in a by_version_rank
 * array of n. */
static int newest_of_version(const ranked *r, size_t n, size_t k)
{
	return k + 1 == n || strata_version_cmp(r[k].version, r[k + 1].version) != 0;
}

/* Reads the rank of row `i` (column `col`) into *out. */
static int read_rank(plan_ctx *c, char *const *cells, size_t i, size_t col, long long *out)
{
	const char *s = cells[i * c->tool->ncols + col];
	char *end;
	*out = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end)
		return odd_row(c, c->tool->cols[col], s);
	return 0;
}

static ranked *ranked_new(plan_ctx *c, size_t n)
{
	ranked *r = malloc((n ? n : 1) * sizeof(*r));
	if (!r)
		strata_error_set(c->err, STRATA_ENOMEM, "out of memory");
	return r;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ------------------------------------------------------------ tools */

static int plan_dbmate(plan_ctx *c, char *const *cells, size_t nrows)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < nrows; i++)
		rc = add_version(c, cells[i], NULL);
	return rc;
}

static int plan_migrate(plan_ctx *c, char *const *cells, size_t nrows)
{
	if (nrows == 0)
		return 0;
	if (nrows > 1)
		return strata_error_set(c->err, STRATA_EPLAN,
		                        "golang-migrate's table %s has %zu rows; golang-migrate "
		                        "keeps one (the last version applied): is it dbmate's? "
		                        "(try --from dbmate; nothing was written)",
		                        c->table, nrows);
	const char *v = cells[0];
	int dirty = parse_bool(cells[1]);
	if (dirty < 0)
		return odd_row(c, "the dirty flag", cells[1]);
	if (v && v[0] == '-')
		return 0; /* golang-migrate's "no version" */
	if (dirty)
		return strata_error_set(c->err, STRATA_EDIRTY,
		                        "golang-migrate's table %s says version %s is dirty: it "
		                        "failed halfway. Make the schema match one version, "
		                        "record it with `migrate force V`, then take over; "
		                        "nothing was written", c->table, v ? v : "?");
	if (!valid_version(v))
		return odd_row(c, "the version", v);
	if (!strata_source_find(c->src, v)) {
		char entry[128];
		snprintf(entry, sizeof(entry), "version %s", v);
		return no_file(c, entry);
	}
	int rc = 0;
	for (size_t i = 0; !rc && i < c->src->n; i++)
		if (strata_version_cmp(c->src->items[i]->version, v) <= 0)
			rc = add(c, c->src->items[i], NULL);
	return rc;
}

static int plan_goose(plan_ctx *c, char *const *cells, size_t nrows)
{
	ranked *r = ranked_new(c, nrows);
	if (!r)
		return c->err->code;
	int rc = 0;
	for (size_t i = 0; !rc && i < nrows; i++) {
		r[i].row = i;
		r[i].version = cells[i * 4 + 1];
		rc = read_rank(c, cells, i, 0, &r[i].rank);
		if (!rc && !valid_version(r[i].version))
			rc = odd_row(c, "the version_id", r[i].version);
	}
	if (!rc)
		qsort(r, nrows, sizeof(*r), by_version_rank);
	/* the newest row of each version decides */
	for (size_t k = 0; !rc && k < nrows; k++) {
		if (!newest_of_version(r, nrows, k) || strata_version_cmp(r[k].version, "0") == 0)
			continue; /* an older row, or goose's own first row */
		char *const *row = cells + r[k].row * 4;
		int applied = parse_bool(row[2]);
		if (applied < 0)
			rc = odd_row(c, "is_applied", row[2]);
		else if (applied)
			rc = add_version(c, row[1], row[3]);
	}
	free(r);
	return rc;
}

static int plan_flyway(plan_ctx *c, char *const *cells, size_t nrows)
{
	enum { FW_RANK, FW_VERSION, FW_DESC, FW_TYPE, FW_SCRIPT, FW_SUCCESS, FW_AT };
	/* a failed row first, whatever else there is */
	for (size_t i = 0; i < nrows; i++) {
		char *const *row = cells + i * 7;
		int ok = parse_bool(row[FW_SUCCESS]);
		if (ok < 0)
			return odd_row(c, "success", row[FW_SUCCESS]);
		if (!ok)
			return strata_error_set(c->err, STRATA_EDIRTY,
			                        "Flyway's table %s has a failed row (rank %s, %s%s%s): "
			                        "run `flyway repair` (and fix the schema) before taking "
			                        "over; nothing was written",
			                        c->table, row[FW_RANK] ? row[FW_RANK] : "?",
			                        row[FW_VERSION] ? "version " : "",
			                        row[FW_VERSION] ? row[FW_VERSION] : "",
			                        row[FW_VERSION] ? "" : (row[FW_SCRIPT] ? row[FW_SCRIPT] : "?"));
	}
	/* the versioned rows, apart from Flyway's own and the baselines;
	 * the repeatable migrations' scripts, to count them */
	ranked *r = ranked_new(c, nrows);
	const char **scripts = calloc(nrows ? nrows : 1, sizeof(*scripts));
	if (!r || !scripts) {
		free(r);
		free(scripts);
		return strata_error_set(c->err, STRATA_ENOMEM, "out of memory");
	}
	size_t nv = 0, ns = 0;
	const char *baseline = NULL, *baseline_at = NULL;
	long long baseline_rank = 0;
	int rc = 0;
	for (size_t i = 0; !rc && i < nrows; i++) {
		char *const *row = cells + i * 7;
		const char *type = row[FW_TYPE] ? row[FW_TYPE] : "";
		long long rank;
		if ((rc = read_rank(c, cells, i, FW_RANK, &rank)))
			break;
		if (strcmp(type, "SCHEMA") == 0)
			continue; /* Flyway's own: the schemas it created */
		if (!row[FW_VERSION]) {
			scripts[ns++] = row[FW_SCRIPT] ? row[FW_SCRIPT] : "";
			continue;
		}
		if (!valid_version(row[FW_VERSION])) {
			rc = odd_row(c, "the version", row[FW_VERSION]);
			break;
		}
		if (strcmp(type, "BASELINE") == 0) {
			int v = baseline ? strata_version_cmp(row[FW_VERSION], baseline) : 1;
			if (v > 0 || (v == 0 && rank < baseline_rank)) {
				/* the highest; of equal ones the first, as in rank order */
				baseline = row[FW_VERSION];
				baseline_at = row[FW_AT];
				baseline_rank = rank;
			}
			continue;
		}
		r[nv].rank = rank;
		r[nv].row = i;
		r[nv].version = row[FW_VERSION];
		nv++;
	}
	if (!rc)
		qsort(r, nv, sizeof(*r), by_version_rank);
	/* each version's newest row decides: UNDO_* and DELETE take it back */
	size_t nuniq = 0;
	for (size_t k = 0; !rc && k < nv; k++) {
		if (!newest_of_version(r, nv, k))
			continue;
		r[nuniq++] = r[k];
		char *const *row = cells + r[k].row * 7;
		const char *type = row[FW_TYPE] ? row[FW_TYPE] : "";
		if (strncmp(type, "UNDO", 4) == 0 || strcmp(type, "DELETE") == 0)
			continue;
		strata_migration *m = strata_source_find(c->src, r[k].version);
		if (!m) {
			char entry[256];
			snprintf(entry, sizeof(entry), "version %s (%s %s)", r[k].version, type,
			         row[FW_SCRIPT] ? row[FW_SCRIPT] : "?");
			rc = no_file(c, entry);
		} else {
			rc = add(c, m, row[FW_AT]);
		}
	}
	/* a baseline stands for every version up to it that no later row
	 * took back; files under it may be gone, as Flyway allows. Both
	 * lists are in version order: walk them together. */
	for (size_t i = 0, j = 0; !rc && baseline && i < c->src->n; i++) {
		strata_migration *m = c->src->items[i];
		if (strata_version_cmp(m->version, baseline) > 0)
			break;
		while (j < nuniq && strata_version_cmp(r[j].version, m->version) < 0)
			j++;
		if (j == nuniq || strata_version_cmp(r[j].version, m->version) != 0)
			rc = add(c, m, baseline_at);
	}
	/* a repeatable migration is counted once, however often it ran */
	qsort(scripts, ns, sizeof(*scripts), by_string);
	size_t distinct = 0;
	for (size_t k = 0; k < ns; k++)
		distinct += k == 0 || strcmp(scripts[k], scripts[k - 1]) != 0;
	c->out->skipped_repeatable = distinct;
	free(r);
	free(scripts);
	return rc;
}

/* The file for MikroORM's entry `name`: the class of that name, else the
 * migration of that version (the digits after its letters). */
static strata_migration *mikro_find(const strata_source *src, const char *name)
{
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');
	if (dot && (strcmp(dot, ".ts") == 0 || strcmp(dot, ".js") == 0))
		n = (size_t)(dot - name);
	for (size_t i = 0; i < src->n; i++) {
		const strata_migration *m = src->items[i];
		if (m->mikro && strlen(m->name) == n && memcmp(m->name, name, n) == 0)
			return src->items[i];
	}
	/* <Letters><digits>[_<name>] */
	size_t p = 0;
	while (p < n && ((name[p] >= 'A' && name[p] <= 'Z') || (name[p] >= 'a' && name[p] <= 'z')))
		p++;
	size_t d = p;
	while (d < n && name[d] >= '0' && name[d] <= '9')
		d++;
	char v[80];
	if (p > 0 && d > p && d - p < sizeof(v) && (d == n || name[d] == '_')) {
		memcpy(v, name + p, d - p);
		v[d - p] = '\0';
		return strata_source_find(src, v);
	}
	return NULL;
}

static int plan_mikro(plan_ctx *c, char *const *cells, size_t nrows)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < nrows; i++) {
		const char *name = cells[i * 2];
		if (!name || !*name) {
			rc = odd_row(c, "the name", name);
			break;
		}
		strata_migration *m = mikro_find(c->src, name);
		if (!m) {
			char entry[256];
			snprintf(entry, sizeof(entry), "%s", name);
			rc = no_file(c, entry);
		} else {
			rc = add(c, m, cells[i * 2 + 1]);
		}
	}
	return rc;
}

int strata_takeover_plan(strata_tool t, const char *table, char *const *cells,
                         size_t nrows, const strata_source *src,
                         strata_takeover *out, strata_error *err)
{
	memset(out, 0, sizeof(*out));
	plan_ctx c = { strata_tool_get(t), table, src, out, 0, err };
	if (!c.tool)
		return strata_error_set(err, STRATA_EINVAL, "unknown tool");
	if (!c.table)
		c.table = c.tool->table;
	int rc;
	switch (t) {
	case STRATA_TOOL_DBMATE: rc = plan_dbmate(&c, cells, nrows); break;
	case STRATA_TOOL_GOLANG_MIGRATE: rc = plan_migrate(&c, cells, nrows); break;
	case STRATA_TOOL_GOOSE: rc = plan_goose(&c, cells, nrows); break;
	case STRATA_TOOL_FLYWAY: rc = plan_flyway(&c, cells, nrows); break;
	default: rc = plan_mikro(&c, cells, nrows); break;
	}
	if (rc)
		return rc;
	if (out->n)
		qsort(out->items, out->n, sizeof(*out->items), by_version);
	/* files older than the newest taken over that the tool never ran */
	for (size_t i = 0, k = 0; out->n && i < src->n; i++) {
		strata_migration *m = src->items[i];
		if (strata_version_cmp(m->version, out->items[out->n - 1].m->version) >= 0)
			break;
		while (k < out->n && strata_version_cmp(out->items[k].m->version, m->version) < 0)
			k++;
		if (k < out->n && out->items[k].m == m)
			continue;
		if (!out->older_pending)
			out->first_older = m->version;
		out->older_pending++;
	}
	return 0;
}
