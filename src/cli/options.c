/* src/cli/options.c - parsing the command line of the strata tool. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

/* Values of the long-only options. */
enum {
	OPT_TABLE = 256,
	OPT_SCHEMA,
	OPT_LOCK_TIMEOUT,
	OPT_DRY_RUN,
	OPT_JSON,
	OPT_SINGLE_TX,
	OPT_OUT_OF_ORDER,
	OPT_TO,
	OPT_ALL,
	OPT_RESUME,
	OPT_MARK_APPLIED,
	OPT_FORGET,
	OPT_SKIP_IN_FLIGHT,
	OPT_EXIT_CODE,
	OPT_NO_COLOR,
	OPT_WAIT_TIMEOUT,
	OPT_STATEMENT_TIMEOUT,
	OPT_DDL_LOCK_TIMEOUT,
	OPT_DDL_LOCK_RETRIES,
	OPT_FILE,
	OPT_IGNORE,
	OPT_ENV_FILE,
	OPT_FROM,
	OPT_FROM_TABLE
};

static const struct option long_options[] = {
	{ "url", required_argument, NULL, 'u' },
	{ "dir", required_argument, NULL, 'd' },
	{ "table", required_argument, NULL, OPT_TABLE },
	{ "schema", required_argument, NULL, OPT_SCHEMA },
	{ "lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "single-transaction", no_argument, NULL, OPT_SINGLE_TX },
	{ "allow-out-of-order", no_argument, NULL, OPT_OUT_OF_ORDER },
	{ "to", required_argument, NULL, OPT_TO },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "mark-applied", no_argument, NULL, OPT_MARK_APPLIED },
	{ "forget", no_argument, NULL, OPT_FORGET },
	{ "skip-in-flight", no_argument, NULL, OPT_SKIP_IN_FLIGHT },
	{ "exit-code", no_argument, NULL, OPT_EXIT_CODE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT },
	{ "statement-timeout", required_argument, NULL, OPT_STATEMENT_TIMEOUT },
	{ "ddl-lock-timeout", required_argument, NULL, OPT_DDL_LOCK_TIMEOUT },
	{ "ddl-lock-retries", required_argument, NULL, OPT_DDL_LOCK_RETRIES },
	{ "file", required_argument, NULL, OPT_FILE },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "env-file", required_argument, NULL, OPT_ENV_FILE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "from-table", required_argument, NULL, OPT_FROM_TABLE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* "-": non-options come back in order as option 1 (so options may follow
 * the command whatever POSIXLY_CORRECT says); ":": report a missing
 * argument as ':' rather than '?'. */
static const char short_options[] = "-:u:d:qvhV";

/* "-u" for a short option, for messages. */
static void option_name(char *buf, size_t size, int val)
{
	snprintf(buf, size, "-%c", val ? val : '?');
}

int cli_parse_count(const char *s, long *out)
{
	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* Longest timeout accepted: INT_MAX milliseconds (24.8 days), the most
 * PostgreSQL's statement_timeout and lock_timeout take; drivers turn the
 * seconds into integers, so a larger value could not be passed on. */
#define MAX_SECONDS 2147483.0

/* Parses seconds written as decimal digits with an optional fraction
 * ("5", "0.3", ".5"): strtod alone would also take " 5", "0x10", "1e3"
 * and "infinity". -1 when it is not such a number, -2 when too large. */
static int parse_seconds(const char *s, double *out)
{
	if (!s || !*s)
		return -1;
	size_t digits = strspn(s, "0123456789");
	const char *p = s + digits;
	if (*p == '.') {
		size_t frac = strspn(p + 1, "0123456789");
		digits += frac;
		p += 1 + frac;
	}
	if (*p || digits == 0)
		return -1;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return v > MAX_SECONDS ? -2 : -1;
	if (v > MAX_SECONDS)
		return -2;
	*out = v;
	return 0;
}

/* Parses a whole number >= 0 that fits an int ("0", "3"). */
static int parse_retries(const char *s, long *out)
{
	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > INT_MAX)
		return -1;
	*out = v;
	return 0;
}

/* --NAME SECONDS: stores the value and sets *set, or writes the usage
 * message and returns CLI_EXIT_USAGE. */
static int seconds_option(const char *name, const char *arg, double *val,
                          int *set, char *msg, size_t msgsize)
{
	int rc = parse_seconds(arg, val);
	if (rc == -2) {
		snprintf(msg, msgsize, "--%s wants at most %.0f seconds (24 days), not '%.40s'",
		         name, MAX_SECONDS, arg);
		return CLI_EXIT_USAGE;
	}
	if (rc) {
		snprintf(msg, msgsize, "--%s wants a number of seconds >= 0, not '%.40s'",
		         name, arg);
		return CLI_EXIT_USAGE;
	}
	*set = 1;
	return 0;
}

/* Appends `s` to the array *v of *n strings. Returns 0 or -1. */
static int add_to(char ***v, int *n, char *s)
{
	char **p = realloc(*v, (size_t)(*n + 1) * sizeof(*p));
	if (!p)
		return -1;
	*v = p;
	p[(*n)++] = s;
	return 0;
}

static int add_arg(cli_options *o, char *arg)
{
	return add_to(&o->args, &o->nargs, arg);
}

static int add_env_file(cli_options *o, char *path)
{
	return add_to(&o->env_files, &o->nenv_files, path);
}

/* Reads ./.env when it exists, or every --env-file (each must exist), then
 * takes DATABASE_URL and NO_COLOR from the environment or the files. */
static int read_env_files(cli_options *o, int url_given, char *msg, size_t msgsize)
{
	int rc = 0;
	if (o->nenv_files == 0)
		rc = cli_dotenv_load(&o->env, ".env", 0, msg, msgsize);
	for (int i = 0; !rc && i < o->nenv_files; i++)
		rc = cli_dotenv_load(&o->env, o->env_files[i], 1, msg, msgsize);
	if (rc)
		return rc;
	if (cli_dotenv_export(&o->env)) {
		snprintf(msg, msgsize, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	const char *v = cli_dotenv_lookup(&o->env, "DATABASE_URL");
	if (!url_given && v && *v)
		o->url = v;
	v = cli_dotenv_lookup(&o->env, "NO_COLOR");
	if (v && *v)
		o->no_color = 1;
	return 0;
}

int cli_options_parse(cli_options *o, int argc, char **argv,
                      char *msg, size_t msgsize)
{
	memset(o, 0, sizeof(*o));
	o->dir = "migrations";
	o->wait_timeout = CLI_DEFAULT_WAIT_TIMEOUT;
	/* the environment's NO_COLOR already for errors before the .env
	 * files are read */
	const char *env = getenv("NO_COLOR");
	if (env && *env)
		o->no_color = 1;
	int url_given = 0;

	opterr = 0;
	optind = 1;
	int c, before = optind;
	char name[64];
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		/* the argument getopt just finished, when it finished one */
		const char *word = optind > before ? argv[optind - 1] : NULL;
		before = optind;
		switch (c) {
		case 1:
			if (!o->command)
				o->command = optarg;
			else if (add_arg(o, optarg)) {
				snprintf(msg, msgsize, "out of memory");
				return CLI_EXIT_INTERNAL;
			}
			break;
		case 'u': o->url = optarg; url_given = 1; break;
		/* an empty value is most likely an unset shell variable
		 * ("-d $DIR"): refused rather than read as the default */
		case 'd':
			if (!*optarg) {
				snprintf(msg, msgsize, "--dir wants a directory, not ''");
				return CLI_EXIT_USAGE;
			}
			if (!o->ndirs)
				o->dir = optarg;
			if (add_to(&o->dirs, &o->ndirs, optarg)) {
				snprintf(msg, msgsize, "out of memory");
				return CLI_EXIT_INTERNAL;
			}
			break;
		case OPT_IGNORE:
			if (!*optarg) {
				snprintf(msg, msgsize, "--ignore wants a file name or pattern, not ''");
				return CLI_EXIT_USAGE;
			}
			if (add_to(&o->ignores, &o->nignores, optarg)) {
				snprintf(msg, msgsize, "out of memory");
				return CLI_EXIT_INTERNAL;
			}
			break;
		case OPT_TABLE:
			if (!*optarg) {
				snprintf(msg, msgsize, "--table wants a table name, not ''");
				return CLI_EXIT_USAGE;
			}
			o->table = optarg;
			break;
		case OPT_SCHEMA:
			if (!*optarg) {
				snprintf(msg, msgsize, "--schema wants a schema name, not ''");
				return CLI_EXIT_USAGE;
			}
			o->schema = optarg;
			break;
		case OPT_LOCK_TIMEOUT:
			if (seconds_option("lock-timeout", optarg, &o->lock_timeout,
			                   &o->lock_timeout_set, msg, msgsize))
				return CLI_EXIT_USAGE;
			break;
		case OPT_WAIT_TIMEOUT:
			if (seconds_option("wait-timeout", optarg, &o->wait_timeout,
			                   &o->wait_timeout_set, msg, msgsize))
				return CLI_EXIT_USAGE;
			break;
		case OPT_STATEMENT_TIMEOUT:
			if (seconds_option("statement-timeout", optarg, &o->statement_timeout,
			                   &o->statement_timeout_set, msg, msgsize))
				return CLI_EXIT_USAGE;
			break;
		case OPT_DDL_LOCK_TIMEOUT:
			if (seconds_option("ddl-lock-timeout", optarg, &o->ddl_lock_timeout,
			                   &o->ddl_lock_timeout_set, msg, msgsize))
				return CLI_EXIT_USAGE;
			break;
		case OPT_DDL_LOCK_RETRIES:
			if (parse_retries(optarg, &o->ddl_lock_retries)) {
				snprintf(msg, msgsize,
				         "--ddl-lock-retries wants a whole number >= 0, not '%s'",
				         optarg);
				return CLI_EXIT_USAGE;
			}
			o->ddl_lock_retries_set = 1;
			break;
		case OPT_FILE:
			if (!*optarg) {
				snprintf(msg, msgsize, "--file wants a path");
				return CLI_EXIT_USAGE;
			}
			o->file = optarg;
			break;
		case OPT_FROM:
			if (!*optarg) {
				snprintf(msg, msgsize, "--from wants a tool (dbmate, golang-migrate, goose, flyway, mikro-orm)");
				return CLI_EXIT_USAGE;
			}
			o->from = optarg;
			break;
		case OPT_FROM_TABLE:
			if (!*optarg) {
				snprintf(msg, msgsize, "--from-table wants a table name, not ''");
				return CLI_EXIT_USAGE;
			}
			o->from_table = optarg;
			break;
		case OPT_ENV_FILE:
			if (!*optarg) {
				snprintf(msg, msgsize, "--env-file wants a path");
				return CLI_EXIT_USAGE;
			}
			if (add_env_file(o, optarg)) {
				snprintf(msg, msgsize, "out of memory");
				return CLI_EXIT_INTERNAL;
			}
			break;
		case OPT_DRY_RUN: o->dry_run = 1; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_SINGLE_TX: o->single_transaction = 1; break;
		case OPT_OUT_OF_ORDER: o->allow_out_of_order = 1; break;
		case OPT_ALL: o->all = 1; break;
		case OPT_TO:
			if (!*optarg) {
				snprintf(msg, msgsize, "--to wants a version");
				return CLI_EXIT_USAGE;
			}
			o->to = optarg;
			break;
		case OPT_RESUME: o->resume = 1; break;
		case OPT_MARK_APPLIED: o->mark_applied = 1; break;
		case OPT_FORGET: o->forget = 1; break;
		case OPT_SKIP_IN_FLIGHT: o->skip_in_flight = 1; break;
		case OPT_EXIT_CODE: o->exit_code = 1; break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case OPT_NO_COLOR: o->no_color = 1; break;
		case 'h': o->help = 1; break;
		case 'V': o->show_version = 1; break;
		case ':':
			/* name the option as it was written: "-d", "--dir" */
			if (word && strncmp(word, "--", 2) == 0)
				snprintf(name, sizeof(name), "%.*s",
				         (int)strcspn(word, "="), word);
			else
				option_name(name, sizeof(name), optopt < 256 ? optopt : 0);
			snprintf(msg, msgsize, "option '%s' needs an argument", name);
			return CLI_EXIT_USAGE;
		case '?':
		default:
			if (word && strncmp(word, "--", 2) == 0) {
				int eq = (int)strcspn(word, "=");
				if (word[eq] && optopt)
					snprintf(msg, msgsize, "option '%.*s' takes no argument",
					         eq, word);
				else
					snprintf(msg, msgsize,
					         "unknown option '%s' (see strata --help)", word);
			} else if (optopt >= '0' && optopt <= '9') {
				/* "down -1": a negative count, not an option */
				const char *w = word ? word : optind < argc ? argv[optind] : "";
				snprintf(msg, msgsize,
				         "'%s': counts must be positive whole numbers", w);
			} else {
				option_name(name, sizeof(name), optopt < 256 ? optopt : 0);
				snprintf(msg, msgsize, "unknown option '%s' (see strata --help)",
				         name);
			}
			return CLI_EXIT_USAGE;
		}
	}
	/* whatever follows "--" is left in argv[optind..] */
	for (int i = optind; i < argc; i++) {
		if (!o->command)
			o->command = argv[i];
		else if (add_arg(o, argv[i])) {
			snprintf(msg, msgsize, "out of memory");
			return CLI_EXIT_INTERNAL;
		}
	}
	if (o->quiet && o->verbose) {
		snprintf(msg, msgsize, "--quiet and --verbose cannot be combined");
		return CLI_EXIT_USAGE;
	}
	/* help and version print the same whatever the .env files say */
	if (o->help || o->show_version || (o->command &&
	    (strcmp(o->command, "help") == 0 || strcmp(o->command, "version") == 0))) {
		if (!url_given && (env = getenv("DATABASE_URL")) && *env)
			o->url = env;
		return 0;
	}
	return read_env_files(o, url_given, msg, msgsize);
}

void cli_options_free(cli_options *o)
{
	free(o->args);
	o->args = NULL;
	o->nargs = 0;
	free(o->dirs);
	o->dirs = NULL;
	o->ndirs = 0;
	free(o->ignores);
	o->ignores = NULL;
	o->nignores = 0;
	free(o->env_files);
	o->env_files = NULL;
	o->nenv_files = 0;
	cli_dotenv_free(&o->env);
}

int cli_use_color(const cli_options *o, FILE *f)
{
	if (o->no_color)
		return 0;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(f));
}

void cli_usage_options(FILE *f)
{
	fputs("Options (before or after the command):\n"
	      "  -u, --url URL            database URL (default: $DATABASE_URL), e.g.\n"
	      "                           sqlite:app.db, postgres://user@host/db,\n"
	      "                           mysql://user@host/db\n"
	      "      --env-file FILE      read variables (DATABASE_URL...) from FILE\n"
	      "                           instead of ./.env; may be repeated, the first\n"
	      "                           file that sets a variable wins, the real\n"
	      "                           environment wins over all\n"
		      "  -d, --dir DIR            migrations directory (default: ./migrations);\n"
	      "                           repeat it, or give a glob in quotes\n"
	      "                           ('src/modules/*/migrations'), to merge several\n"
	      "      --ignore PATTERN     leave out of the directories the files and\n"
	      "                           folders whose name matches PATTERN (\"*.go\")\n"
	      "      --table NAME         history table (default: strata_migrations;\n"
	      "                           schema.table allowed)\n"
	      "      --schema NAME        schema for the history table and unqualified\n"
	      "                           names (PostgreSQL)\n"
	      "      --lock-timeout SECS  wait at most SECS for the migration lock\n"
	      "                           (default 60; fractions allowed; 0 = do not wait)\n"
	      "      --statement-timeout SECS\n"
	      "                           up, down, redo, repair: cancel a statement\n"
	      "                           that runs longer (0 = no limit; no effect on\n"
	      "                           SQLite)\n"
	      "      --ddl-lock-timeout SECS\n"
	      "                           up, down, redo, repair: give up waiting for a\n"
	      "                           table lock after SECS and retry the migration\n"
	      "                           (0 = no limit; no effect on SQLite)\n"
	      "      --ddl-lock-retries N up, down, redo, repair: retries after a lock\n"
	      "                           wait expired (default 3, 0 = none)\n"
	      "      --wait-timeout SECS  wait: give up after SECS (default 60)\n"
	      "      --file PATH          dump: write the schema to PATH, not stdout\n"
	      "      --from TOOL          baseline: take over what dbmate, golang-migrate,\n"
	      "                           goose, flyway or mikro-orm applied, from its\n"
	      "                           history table (read only)\n"
	      "      --from-table NAME    baseline --from: that tool's table, when it is\n"
	      "                           not the tool's default\n"
	      "      --to VERSION         up: apply up to and including VERSION;\n"
	      "                           down: revert down to VERSION, which stays applied\n"
	      "      --all                down: revert every applied migration\n"
	      "      --dry-run            print the SQL that would run; change nothing\n"
	      "      --single-transaction run all pending migrations in one transaction\n"
	      "      --allow-out-of-order apply pending migrations older than the newest\n"
	      "                           applied one\n"
	      "      --resume [--skip-in-flight], --mark-applied, --forget\n"
	      "                           repair modes (see strata help repair)\n"
	      "      --json               status: print JSON\n"
	      "      --exit-code          status: exit 10 while migrations are pending\n"
	      "  -q, --quiet              print errors only\n"
	      "  -v, --verbose            print debug lines too (statements, notices)\n"
	      "      --no-color           no colour (also when $NO_COLOR is set)\n"
	      "  -h, --help               this help; strata COMMAND --help for a command\n"
	      "  -V, --version            print the version and the drivers built in\n",
	      f);
}

void cli_usage_exit_codes(FILE *f)
{
	fputs("Exit codes:\n"
	      "   0  success\n"
	      "   1  internal error, out of memory\n"
	      "   2  usage error: bad option, command or argument\n"
	      "   3  bad migration file, or an I/O error\n"
	      "   4  bad database URL, unknown or not built-in driver\n"
	      "   5  cannot connect to the database (wait: it did not come up in time)\n"
	      "   6  plan refused (changed or missing file, out of order, unknown version)\n"
	      "   7  a migration failed part-way and needs `strata repair`\n"
	      "   8  an SQL statement failed\n"
	      "   9  timed out waiting for the migration lock\n"
	      "  10  status --exit-code: migrations are pending\n"
	      "  11  not supported by this database driver (e.g. dump without pg_dump)\n"
	      "  12  the connection to the server was lost while the command ran\n",
	      f);
}
