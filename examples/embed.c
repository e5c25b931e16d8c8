/*
 * examples/embed.c - a program that carries its migrations in C and
 * applies them with libstrata. Build against the installed library:
 *
 *   cc embed.c $(pkg-config --cflags --libs strata) -o embed
 *   ./embed sqlite:app.db
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

static int create_notes(strata_sql *q)
{
	return strata_add_sql(q, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
}

static int drop_notes(strata_sql *q)
{
	return strata_add_sql(q, "DROP TABLE notes");
}

static int seed_notes(strata_sql *q)
{
	/* a migration can adapt its SQL to the database it runs on */
	if (strcmp(strata_sql_dialect(q), "postgres") == 0)
		return strata_add_sql(q, "INSERT INTO notes (id, body) VALUES (1, E'hello\\nworld')");
	return strata_add_sql(q, "INSERT INTO notes (id, body) VALUES (1, 'hello world');"
	                         "INSERT INTO notes (id, body) VALUES (2, 'two statements in one call')");
}

static int unseed_notes(strata_sql *q)
{
	return strata_add_sql(q, "DELETE FROM notes WHERE id IN (1, 2)");
}

STRATA_MIGRATION(20240702105919, "create_notes", create_notes, drop_notes)
STRATA_MIGRATION(20240702105920, "seed_notes", seed_notes, unseed_notes)

static void on_event(void *data, const strata_event *ev)
{
	(void)data;
	if (ev->type == STRATA_EVENT_MIGRATION_DONE)
		printf("%s %s_%s (%.1f ms)\n", ev->direction == STRATA_UP ? "applied" : "reverted",
		       ev->version, ev->name, ev->seconds * 1000.0);
}

int main(int argc, char **argv)
{
	const char *url = argc > 1 ? argv[1] : "sqlite::memory:";
	strata_options opts = STRATA_OPTIONS_INIT;
	opts.on_event = on_event;
	strata_error err = { 0 };
	strata *db = NULL;
	strata_source *src = NULL;
	size_t applied = 0;

	if (strata_open(&db, url, &opts, &err) ||
	    strata_source_new(&src, &err) ||
	    strata_source_add_registered(src, &err) ||
	    strata_up(db, src, NULL, &applied, &err)) {
		fprintf(stderr, "embed: %s\n", err.message);
		strata_source_free(src);
		strata_close(db);
		return 1;
	}
	printf("%zu migration(s) applied, %zu known\n", applied, strata_source_count(src));
	strata_source_free(src);
	strata_close(db);
	return 0;
}
