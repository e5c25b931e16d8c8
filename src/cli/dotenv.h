/* src/cli/dotenv.h - variables from .env files for the strata tool.
 *
 * The format is the one dbmate reads with joho/godotenv: KEY=value lines
 * ("export KEY=value" and "KEY: value" too), '#' comments, blank lines,
 * 'single-quoted' literal values, "double-quoted" values with \n, \r, \"
 * and \\ escapes, a " # comment" after an unquoted value, CRLF line ends,
 * and $VAR / ${VAR} expanded in double-quoted and unquoted values.
 *
 * The real environment wins over the files: a variable it sets (even to
 * "") is never replaced, and $VAR expands to its value there first. Among
 * the files the first that sets a variable wins (as in dbmate, which loads
 * them in order and never overwrites); within one file the last line does.
 */
#ifndef STRATA_CLI_DOTENV_H
#define STRATA_CLI_DOTENV_H

#include <stddef.h>

typedef struct cli_dotenv_var {
	char *key;
	char *value;
} cli_dotenv_var;

/* The variables of the files read so far. Owns its strings. */
typedef struct cli_dotenv {
	cli_dotenv_var *vars;
	size_t n, cap;
	size_t file_start;         /* index of the first variable of the file
	                              being parsed */
} cli_dotenv;

/* Largest .env file read, in bytes. */
#define CLI_DOTENV_MAX_SIZE (1024 * 1024)

/*
 * Parses `len` bytes of `text`, the contents of the file `name` (used in
 * messages only), adding its variables to *env. Returns 0; CLI_EXIT_USAGE
 * with "NAME:LINE: what is wrong" in `msg` for a malformed line (the
 * message never quotes a value: values hold passwords); CLI_EXIT_INTERNAL
 * when out of memory. On an error *env keeps what earlier files set and
 * none of this file's variables.
 */
int cli_dotenv_parse(cli_dotenv *env, const char *name, const char *text,
                     size_t len, char *msg, size_t msgsize);

/*
 * Reads the file at `path` and parses it. A file that does not exist is
 * not an error (returns 0, nothing added) unless `required`, when it is
 * CLI_EXIT_FILES, as is a file that cannot be read, is not a regular file
 * or is larger than CLI_DOTENV_MAX_SIZE; otherwise as cli_dotenv_parse.
 */
int cli_dotenv_load(cli_dotenv *env, const char *path, int required,
                    char *msg, size_t msgsize);

/* The value the files give `key`, or NULL. Points into *env. */
const char *cli_dotenv_get(const cli_dotenv *env, const char *key);

/* The value of `key`: the environment's when it sets the variable, else
 * the files', else NULL. */
const char *cli_dotenv_lookup(const cli_dotenv *env, const char *key);

/*
 * Puts into the environment the variables of the files that the database
 * client libraries and their tools read (PG*: libpq, pg_dump; MYSQL_* and
 * MARIADB_*: Connector/C, mariadb-dump) and that the environment does not
 * set. Other variables stay out of it: strata looks up its own with
 * cli_dotenv_lookup. Returns 0, or -1 when out of memory.
 */
int cli_dotenv_export(const cli_dotenv *env);

/* Frees the variables; *env is empty afterwards. NULL is a no-op. */
void cli_dotenv_free(cli_dotenv *env);

#endif /* STRATA_CLI_DOTENV_H */
