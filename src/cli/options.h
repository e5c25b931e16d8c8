/* src/cli/options.h - command-line options of the strata tool and its
 * exit codes. */
#ifndef STRATA_CLI_OPTIONS_H
#define STRATA_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "dotenv.h"

/*
 * Exit codes of `strata`. Documented in `strata --help` (cli_usage_exit_codes)
 * and in man/strata.1; keep the three in step.
 */
enum cli_exit {
	CLI_EXIT_OK = 0,          /* success */
	CLI_EXIT_INTERNAL = 1,    /* internal error, out of memory */
	CLI_EXIT_USAGE = 2,       /* bad option, command or argument */
	CLI_EXIT_FILES = 3,       /* bad migration files, I/O error */
	CLI_EXIT_URL = 4,         /* bad URL, unknown or not-built driver */
	CLI_EXIT_CONNECT = 5,     /* cannot connect */
	CLI_EXIT_PLAN = 6,        /* plan refused, unknown version */
	CLI_EXIT_DIRTY = 7,       /* a migration needs `strata repair` */
	CLI_EXIT_SQL = 8,         /* a statement failed */
	CLI_EXIT_LOCK = 9,        /* timed out waiting for the lock */
	CLI_EXIT_PENDING = 10,    /* status --exit-code: migrations pending */
	CLI_EXIT_UNSUPPORTED = 11, /* not supported by this driver */
	CLI_EXIT_CONNLOST = 12    /* the connection was lost mid-command */
};

/* Everything parsed from the command line, the environment and the .env
 * files. The strings point into argv, the environment or `env`. */
typedef struct cli_options {
	const char *url;           /* --url, else $DATABASE_URL; may be NULL */
	char **env_files;          /* --env-file FILE..., NULL = ./.env */
	int nenv_files;
	cli_dotenv env;            /* the variables of the .env files */
	const char *dir;           /* the first --dir, default "migrations" */
	char **dirs;               /* every --dir as given (globs unexpanded),
	                              NULL when none was */
	int ndirs;
	char **ignores;            /* --ignore PATTERN, each */
	int nignores;
	const char *table;         /* --table, NULL = library default */
	const char *schema;        /* --schema */
	double lock_timeout;       /* --lock-timeout seconds */
	int lock_timeout_set;
	double wait_timeout;       /* wait --wait-timeout seconds (default 60) */
	int wait_timeout_set;
	double statement_timeout;  /* --statement-timeout seconds, 0 = none */
	int statement_timeout_set;
	double ddl_lock_timeout;   /* --ddl-lock-timeout seconds, 0 = none */
	int ddl_lock_timeout_set;
	long ddl_lock_retries;     /* --ddl-lock-retries N (>= 0) */
	int ddl_lock_retries_set;
	const char *file;          /* dump --file PATH, NULL = stdout */
	const char *from;          /* baseline --from TOOL */
	const char *from_table;    /* baseline --from-table NAME */
	const char *to;            /* --to VERSION */
	int all;                   /* down --all */
	int dry_run;
	int json;
	int single_transaction;
	int allow_out_of_order;
	int resume, mark_applied, forget; /* repair modes */
	int skip_in_flight;               /* repair --resume: skip that statement */
	int exit_code;             /* status --exit-code */
	int quiet;
	int verbose;
	int no_color;              /* --no-color or $NO_COLOR */
	int help;                  /* -h/--help */
	int show_version;          /* -V/--version */
	const char *command;       /* first non-option, NULL when none */
	char **args;               /* the non-options after the command */
	int nargs;
} cli_options;

/*
 * Parses argv (options anywhere, in the GNU manner; "--" ends them), the
 * .env files (./.env when it exists, or each --env-file in turn; not for
 * help and version) and the environment into *o. Returns 0, or an exit
 * code with a one-line message in `msg`: CLI_EXIT_USAGE (also for a
 * malformed .env line: "FILE:LINE: ..."), CLI_EXIT_FILES (an --env-file
 * that is missing, a .env file that cannot be read). Free *o with
 * cli_options_free(), also after an error.
 */
int cli_options_parse(cli_options *o, int argc, char **argv,
                      char *msg, size_t msgsize);
void cli_options_free(cli_options *o);

/* Parses a positive count ("3"). Returns 0 or -1. */
int cli_parse_count(const char *s, long *out);

/* Default of wait --wait-timeout, in seconds. */
#define CLI_DEFAULT_WAIT_TIMEOUT 60.0

/* Whether colour may be written to `f` (a terminal, colour not disabled). */
int cli_use_color(const cli_options *o, FILE *f);

/* The options and exit-code parts of `strata --help`. */
void cli_usage_options(FILE *f);
void cli_usage_exit_codes(FILE *f);

#endif /* STRATA_CLI_OPTIONS_H */
