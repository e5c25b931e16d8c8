/* src/cmigration.c - migrations written in C: the registry filled by
 * STRATA_MIGRATION(), the strata_sql collector, and turning a C migration
 * into the same in-memory object as a file migration. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migration.h"
#include "sql.h"
#include <strata/driver.h>
#include "version.h"

struct strata_sql {
	strata_buf text;
	strata_dialect dialect;
	int no_transaction;
	int failed;        /* strata_add_sql ran out of memory */
};

/* Filled before main() by the constructors STRATA_MIGRATION() emits. */
static strata_c_migration *registered_head;

void strata_c_migration_register(strata_c_migration *m)
{
	if (!m)
		return;
	m->next = registered_head;
	registered_head = m;
}

int strata_add_sql(strata_sql *q, const char *sql)
{
	if (!q || !sql)
		return STRATA_EINVAL;
	/* each call is at least one statement: end it whatever its text */
	if (strata_buf_puts(&q->text, sql) || strata_buf_puts(&q->text, "\n;\n")) {
		q->failed = 1;
		return STRATA_ENOMEM;
	}
	return 0;
}

const char *strata_sql_dialect(const strata_sql *q)
{
	return q ? strata_dialect_name(q->dialect) : "generic";
}

void strata_sql_no_transaction(strata_sql *q)
{
	if (q)
		q->no_transaction = 1;
}

static int check_c(const strata_c_migration *c, strata_error *err)
{
	if (!c || c->version == 0 || c->version > STRATA_C_MIGRATION_VERSION)
		return strata_error_set(err, STRATA_EINVAL,
		                        "C migration with unsupported struct version %u",
		                        c ? c->version : 0u);
	if (!c->id || !strata_version_valid(c->id, strlen(c->id)))
		return strata_error_set(err, STRATA_EINVAL,
		                        "C migration \"%s\" (%s:%d) has an invalid version",
		                        c->id ? c->id : "(null)",
		                        c->file ? c->file : "?", c->line);
	if (!c->up)
		return strata_error_set(err, STRATA_EINVAL,
		                        "C migration %s has no up function", c->id);
	return 0;
}

int strata_source_add_c(strata_source *src, const strata_c_migration *c,
                        strata_error *err)
{
	int rc = check_c(c, err);
	if (rc)
		return rc;
	strata_migration *m = strata_migration_new();
	if (!m || !(m->version = strdup(c->id)) ||
	    !(m->name = strdup(c->name ? c->name : ""))) {
		strata_migration_free(m);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	m->c = c;
	m->has_up = 1;
	m->has_down = c->down != NULL;
	/* the checksum and SQL need the dialect: built by _prepare */
	return strata_source_insert(src, m, err);
}

int strata_source_add_registered(strata_source *src, strata_error *err)
{
	for (strata_c_migration *c = registered_head; c; c = c->next) {
		int rc = strata_source_add_c(src, c, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Runs one C function into a fresh part. */
static int run_c(strata_part *part, strata_migration_fn fn,
                 strata_dialect dialect, const strata_migration *m,
                 const char *what, strata_error *err)
{
	strata_sql q = { STRATA_BUF_INIT, dialect, 0, 0 };
	int rc = fn(&q);
	if (q.failed) {
		strata_buf_release(&q.text);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (rc) {
		strata_buf_release(&q.text);
		strata_error_set(err, STRATA_EPLAN,
		                 "C migration %s %s() returned %d", m->version, what, rc);
		snprintf(err->file, sizeof(err->file), "%s", m->c->file ? m->c->file : "");
		err->line = m->c->line;
		return STRATA_EPLAN;
	}
	size_t len = q.text.len;
	char *text = strata_buf_detach(&q.text);
	if (!text)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	strata_part_release(part);
	part->text = text;
	part->len = len;
	part->first_line = 1;
	part->no_transaction = q.no_transaction;
	return 0;
}

int strata_cmigration_build(strata_migration *m, strata_dialect dialect,
                            strata_error *err)
{
	if (m->c_built == (int)dialect + 1)
		return 0;
	int rc = run_c(&m->up, m->c->up, dialect, m, "up", err);
	if (!rc && m->c->down)
		rc = run_c(&m->down, m->c->down, dialect, m, "down", err);
	if (rc)
		return rc;
	const char *parts[2] = { m->up.text, m->down.text ? m->down.text : "" };
	size_t lens[2] = { m->up.len, m->down.len };
	/* hashing a buffer fails only when OpenSSL cannot allocate */
	if (strata_checksum(m->checksum, parts, lens, 2))
		return strata_error_set(err, STRATA_ENOMEM,
		                        "out of memory computing the SHA-256 checksum of migration %s",
		                        m->version);
	m->c_built = (int)dialect + 1;
	return 0;
}
