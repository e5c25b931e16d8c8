/* src/format.h - migration file names and file contents. */
#ifndef STRATA_FORMAT_H
#define STRATA_FORMAT_H

#include <stddef.h>
#include <strata.h>

#include "migration.h"

typedef enum strata_file_kind {
	STRATA_FILE_IGNORED = 0,  /* not a migration (README.md, .hidden) */
	STRATA_FILE_NATIVE,       /* 20240702105919_name.sql, MigrationV.sql */
	STRATA_FILE_PAIR_UP,      /* 000001_name.up.sql */
	STRATA_FILE_PAIR_DOWN,    /* 000001_name.down.sql */
	STRATA_FILE_MIKRO,        /* Migration20240702105919.ts / .js */
	STRATA_FILE_DIESEL,       /* a folder 2017-08-31-210424_name/ */
	STRATA_FILE_BAD,          /* looks like a migration, cannot be run */
	STRATA_FILE_REPEATABLE    /* Flyway's R__<description>.sql: `version`
	                             is its history key "R__<description>",
	                             `name` the description */
} strata_file_kind;

/* What a file name says. version/name point into a buffer of the caller's
 * (`scratch`, at least 2 * strlen(filename) + 2 bytes). */
typedef struct strata_file_name {
	strata_file_kind kind;
	const char *version;
	const char *name;
	/* pop's {version}_{name}[.{dialect}][.autocommit].{up,down}.sql:
	 * the driver name the dialect part stands for ("postgres", "mysql",
	 * "sqlite", "cockroach", ...), NULL without one */
	const char *dialect;
	int autocommit;           /* .autocommit: no transaction */
	const char *why;          /* STRATA_FILE_BAD: why (static text) */
} strata_file_name;

/* Classifies the file `filename` (no directory part). A name that looks
 * like a migration (leading version digits, Flyway's V/U/R prefixes,
 * Migration<digits>) but is not one strata runs is STRATA_FILE_BAD, with
 * the reason in `why`; other names (README.md, .hidden) are ignored. */
void strata_format_classify(strata_file_name *out, const char *filename,
                            char *scratch);

/* Classifies the folder `dirname` of a migrations directory: diesel's
 * <version>_<name>/ (its version the part before the first '_' with the
 * dashes dropped, as diesel derives it) or ignored. */
void strata_format_classify_dir(strata_file_name *out, const char *dirname,
                                char *scratch);

/* Reads diesel's metadata.toml text: *in_tx 0 for run_in_transaction =
 * false, else 1. STRATA_EPARSE (file:line) for a value that is not a
 * boolean. */
int strata_format_diesel_metadata(int *in_tx, const char *text, size_t len,
                                  const char *path, strata_error *err);

/*
 * Parses the text of a native file into m->up / m->down and the options
 * (takes ownership of `text`, which must be malloc'd, even on failure).
 * `path` is used in messages. Errors: STRATA_EPARSE with file and line:
 * no up section, two up or down sections, an unknown option, SQL before
 * the first marker, binary data.
 */
int strata_format_parse_native(strata_migration *m, char *text, size_t len,
                               const char *path, strata_error *err);

/*
 * Parses a MikroORM migration class (Migration<version>.ts / .js) into
 * m->up / m->down (takes ownership of `text`, malloc'd, even on failure):
 * up() and down() may hold only this.addSql(<string literal> [+ ...])
 * calls, each literal decoded as JavaScript does; isTransactional()
 * returning false means no transaction. Errors: STRATA_EPARSE with file
 * and line for anything else (a code migration), a template literal with
 * ${...}, no up().
 */
int strata_format_parse_mikro(strata_migration *m, char *text, size_t len,
                              const char *path, strata_error *err);

/* Refuses text with a NUL byte (STRATA_EPARSE naming its line). */
int strata_format_refuse_binary(const char *text, size_t len,
                                const char *path, strata_error *err);

/* Reads the whole file `name`, relative to the open directory `dirfd`
 * (AT_FDCWD: the working directory), into a malloc'd, NUL-terminated
 * buffer; `path` names it in messages. Relative to the directory, the
 * kernel does not walk the directory's path again for each file. */
int strata_read_file_at(char **out, size_t *len, int dirfd, const char *name,
                        const char *path, strata_error *err);

#endif
