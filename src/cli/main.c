/* src/cli/main.c - the strata command-line tool: parse, dispatch. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <strata.h>

#include "commands.h"
#include "options.h"
#include "output.h"

/* Options that only some commands take. */
enum {
	ALLOW_TO = 1u << 0,
	ALLOW_DRY_RUN = 1u << 1,
	ALLOW_SINGLE_TX = 1u << 2,
	ALLOW_OUT_OF_ORDER = 1u << 3,
	ALLOW_STATUS = 1u << 4,    /* --json, --exit-code */
	ALLOW_REPAIR = 1u << 5,    /* --resume, --mark-applied, --forget */
	ALLOW_TIMEOUTS = 1u << 6,  /* --statement-timeout, --ddl-lock-timeout,
	                              --ddl-lock-retries */
	ALLOW_WAIT = 1u << 7,      /* --wait-timeout */
	ALLOW_FILE = 1u << 8,      /* --file */
	ALLOW_ALL = 1u << 9,       /* --all */
	ALLOW_FROM = 1u << 10      /* --from, --from-table */
};

/* What a command opens before it runs (after its checks passed). */
typedef enum command_needs {
	NEEDS_NOTHING = 0,         /* nothing */
	NEEDS_URL,                 /* the URL: the command connects itself */
	NEEDS_DB,                  /* a connection */
	NEEDS_DB_DIR               /* the migrations directory, a connection */
} command_needs;

typedef struct command {
	const char *name;
	int (*check)(cli_ctx *ctx);
	int (*run)(cli_ctx *ctx);
	command_needs needs;
	unsigned allow;
	const char *usage;
	const char *summary;
	const char *help;
} command;

static const command commands[] = {
	{ "new", cli_check_new, cmd_new, NEEDS_NOTHING, 0,
	  "new NAME", "create a migration file",
	  "Creates DIR/<UTC timestamp>_NAME.sql (e.g. 20240702105919_create_users.sql)\n"
	  "with empty '-- migrate:up' and '-- migrate:down' sections, creating the\n"
	  "directory if needed, and prints its path. NAME: letters, digits, _ and -.\n"
	  "Among golang-migrate pairs, goose files or Flyway names the new migration\n"
	  "takes their form and the next number (000042_NAME.up.sql and .down.sql\n"
	  "after 000041_...).\n" },
	{ "up", cli_check_count, cmd_up, NEEDS_DB_DIR,
	  ALLOW_TO | ALLOW_DRY_RUN | ALLOW_SINGLE_TX | ALLOW_OUT_OF_ORDER | ALLOW_TIMEOUTS,
	  "up [N] | up --to VERSION", "apply pending migrations",
	  "Applies the pending migrations in version order: all of them, the next N,\n"
	  "or those up to and including VERSION. Each runs in its own transaction\n"
	  "unless it says '-- migrate:up transaction:false'.\n"
	  "Options: --to, --dry-run, --single-transaction, --allow-out-of-order,\n"
	  "--statement-timeout, --ddl-lock-timeout, --ddl-lock-retries.\n" },
	{ "down", cli_check_count, cmd_down, NEEDS_DB_DIR,
	  ALLOW_TO | ALLOW_ALL | ALLOW_DRY_RUN | ALLOW_SINGLE_TX | ALLOW_TIMEOUTS,
	  "down [N] | down --to VERSION | down --all", "revert applied migrations",
	  "Reverts the newest applied migration, the newest N, every migration newer\n"
	  "than VERSION (VERSION itself stays applied), or with --all every applied\n"
	  "migration. When a migration file is gone, the down SQL stored at apply\n"
	  "time is used.\n"
	  "Options: --to, --all, --dry-run, --single-transaction, --statement-timeout,\n"
	  "--ddl-lock-timeout, --ddl-lock-retries.\n" },
	{ "redo", cli_check_none, cmd_redo, NEEDS_DB_DIR, ALLOW_TIMEOUTS,
	  "redo", "revert the newest migration and apply it again",
	  "Reverts the newest applied migration and applies it again.\n"
	  "Options: --statement-timeout, --ddl-lock-timeout, --ddl-lock-retries.\n" },
	{ "status", cli_check_none, cmd_status, NEEDS_DB_DIR, ALLOW_STATUS,
	  "status [--json] [--exit-code]", "show applied and pending migrations",
	  "Prints every migration with its state (applied, pending, failed, running,\n"
	  "changed, missing) and when it was applied. --json prints a JSON array;\n"
	  "--exit-code exits with 10 while migrations are pending.\n" },
	{ "validate", cli_check_none, cmd_validate, NEEDS_DB_DIR, 0,
	  "validate", "check applied migrations against their files",
	  "Checks that every applied migration still matches its file and that none\n"
	  "is failed or running. Prints each problem; exits 6 (changed or missing\n"
	  "files) or 7 (needs repair) when there is any.\n" },
	{ "repair", cli_check_repair, cmd_repair, NEEDS_DB_DIR,
	  ALLOW_REPAIR | ALLOW_TIMEOUTS,
	  "repair --resume [--skip-in-flight] | --mark-applied | --forget [VERSION]",
	  "resolve a migration that failed part-way",
	  "Resolves a migration left failed or running by a run outside a\n"
	  "transaction (VERSION may be omitted when there is only one):\n"
	  "  --resume        run it again from the statement that failed or was\n"
	  "                  in flight when the run was interrupted\n"
	  "  --resume --skip-in-flight\n"
	  "                  count that statement as done (it took effect, or you\n"
	  "                  ran it by hand) and run the rest\n"
	  "  --mark-applied  record it as applied, run nothing\n"
	  "  --forget        delete its history row (you undo its effects)\n"
	  "Options: --statement-timeout, --ddl-lock-timeout, --ddl-lock-retries\n"
	  "(for --resume).\n" },
	{ "baseline", cli_check_baseline, cmd_baseline, NEEDS_DB_DIR, ALLOW_FROM,
	  "baseline VERSION | --from TOOL [--from-table NAME]",
	  "record migrations as applied: up to VERSION, or what another tool applied",
	  "Records every migration up to and including VERSION as applied without\n"
	  "running it, for a database that already has that schema. Refused when\n"
	  "the history table already has rows.\n"
	  "\n"
	  "With --from TOOL (dbmate, golang-migrate, goose, flyway, mikro-orm) it\n"
	  "reads that tool's history table in the same database instead\n"
	  "(schema_migrations, goose_db_version, flyway_schema_history,\n"
	  "mikro_orm_migrations; --from-table NAME for another name) and records\n"
	  "each migration it applied, with the checksum of today's file and the\n"
	  "tool's applied time where it keeps one. The other table is only read.\n"
	  "Refused, with nothing written, when golang-migrate's dirty flag is set\n"
	  "or Flyway has a failed row (7), or when an entry has no file here (6).\n" },
	{ "wait", cli_check_none, cmd_wait, NEEDS_URL, ALLOW_WAIT,
	  "wait [--wait-timeout SECS]", "wait until the database accepts connections",
	  "Connects to the database, retrying with backoff until it accepts the\n"
	  "connection or SECS (default 60, fractions allowed) have passed, and\n"
	  "prints 'database is up'; exits 5 when it did not come up in time. Bad\n"
	  "URLs and drivers not built in fail at once (4); a refused password is\n"
	  "tried again like a server that is down. Reads no migrations.\n"
	  "For SQLite, the database file is opened (and created when missing).\n" },
	{ "create", cli_check_none, cmd_create, NEEDS_URL, 0,
	  "create", "create the database named in the URL",
	  "Creates the database named in the URL, connecting to the server's\n"
	  "maintenance database with the URL's user, who needs the right to create\n"
	  "databases, and prints what happened. An existing database is left as it\n"
	  "is (exit 0). For SQLite, creates the file. Reads no migrations.\n" },
	{ "drop", cli_check_none, cmd_drop, NEEDS_URL, 0,
	  "drop", "drop the database named in the URL",
	  "Drops the database named in the URL, with everything in it; there is\n"
	  "no confirmation. A missing database is not an error. For SQLite,\n"
	  "removes the file and its -wal, -shm and -journal files. Reads no\n"
	  "migrations.\n" },
	{ "dump", cli_check_none, cmd_dump, NEEDS_DB, ALLOW_FILE,
	  "dump [--file PATH]", "print the schema as SQL",
	  "Prints the schema of the database as SQL, without data, or writes it to\n"
	  "PATH with --file. PostgreSQL runs pg_dump, MySQL mariadb-dump or\n"
	  "mysqldump, found on the PATH; without them it exits 11. Reads no\n"
	  "migrations.\n" },
	{ "version", cli_check_none, cmd_version, NEEDS_NOTHING, 0,
	  "version", "print the version and the drivers built in",
	  "Prints the version of strata and, for each database driver, whether it\n"
	  "is built in.\n" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void general_help(void)
{
	printf("Usage: strata [OPTIONS] COMMAND [ARGS]\n\n"
	       "Applies and tracks database schema migrations (PostgreSQL, MySQL/MariaDB,\n"
	       "SQLite) from a directory of SQL files.\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("  %-10s %s\n\n", "help", "help COMMAND: that command's help");
	cli_usage_options(stdout);
	printf("\nEnvironment:\n"
	       "  DATABASE_URL  the database URL when --url is not given\n"
	       "  NO_COLOR      when set and not empty, no colour\n"
	       "  PGHOST, PGPASSWORD, ~/.pgpass, ~/.my.cnf ...\n"
	       "                what a PostgreSQL / MySQL URL leaves out (keep\n"
	       "                passwords off the command line this way)\n"
	       "  ./.env        (or --env-file FILE) KEY=value lines setting these\n"
	       "                variables when the environment does not; a missing\n"
	       "                ./.env is fine, a missing --env-file exits 3\n\n");
	cli_usage_exit_codes(stdout);
	printf("\nSee strata(1) for more.\n");
}

static void command_help(const command *c)
{
	printf("Usage: strata [OPTIONS] %s\n\n%s", c->usage, c->help);
	if (c->needs == NEEDS_DB_DIR)
		printf("\nCommon options: -u/--url URL, -d/--dir DIR, --table NAME, --schema NAME,\n"
		       "--lock-timeout SECS, --env-file FILE, -q, -v, --no-color (see strata --help).\n");
	else if (c->needs != NEEDS_NOTHING)
		printf("\nCommon options: -u/--url URL, --schema NAME, --env-file FILE, -q, -v,\n"
		       "--no-color (see strata --help).\n");
}

/* Refuses options that the command does not take. */
static int check_allowed(cli_out *out, const command *c, const cli_options *o)
{
	const struct {
		int set;
		unsigned need;
		const char *name;
	} used[] = {
		{ o->to != NULL, ALLOW_TO, "--to" },
		{ o->all, ALLOW_ALL, "--all" },
		{ o->dry_run, ALLOW_DRY_RUN, "--dry-run" },
		{ o->single_transaction, ALLOW_SINGLE_TX, "--single-transaction" },
		{ o->allow_out_of_order, ALLOW_OUT_OF_ORDER, "--allow-out-of-order" },
		{ o->json, ALLOW_STATUS, "--json" },
		{ o->exit_code, ALLOW_STATUS, "--exit-code" },
		{ o->resume, ALLOW_REPAIR, "--resume" },
		{ o->mark_applied, ALLOW_REPAIR, "--mark-applied" },
		{ o->forget, ALLOW_REPAIR, "--forget" },
		{ o->skip_in_flight, ALLOW_REPAIR, "--skip-in-flight" },
		{ o->statement_timeout_set, ALLOW_TIMEOUTS, "--statement-timeout" },
		{ o->ddl_lock_timeout_set, ALLOW_TIMEOUTS, "--ddl-lock-timeout" },
		{ o->ddl_lock_retries_set, ALLOW_TIMEOUTS, "--ddl-lock-retries" },
		{ o->wait_timeout_set, ALLOW_WAIT, "--wait-timeout" },
		{ o->file != NULL, ALLOW_FILE, "--file" },
		{ o->from != NULL, ALLOW_FROM, "--from" },
		{ o->from_table != NULL, ALLOW_FROM, "--from-table" },
	};
	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		if (used[i].set && !(c->allow & used[i].need)) {
			cli_errorf(out, "option %s does not apply to %s (see strata help %s)",
			           used[i].name, c->name, c->name);
			return CLI_EXIT_USAGE;
		}
	return CLI_EXIT_OK;
}

static int dispatch(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	if (o->show_version)
		return cmd_version(ctx);
	if (!o->command) {
		if (o->help) {
			general_help();
			return CLI_EXIT_OK;
		}
		cli_errorf(ctx->out, "no command given (see strata --help)");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(o->command, "help") == 0) {
		if (o->nargs == 0) {
			general_help();
			return CLI_EXIT_OK;
		}
		const command *c = find_command(o->args[0]);
		if (!c) {
			cli_errorf(ctx->out, "unknown command '%s' (see strata --help)", o->args[0]);
			return CLI_EXIT_USAGE;
		}
		command_help(c);
		return CLI_EXIT_OK;
	}
	const command *c = find_command(o->command);
	if (!c) {
		cli_errorf(ctx->out, "unknown command '%s' (see strata --help)", o->command);
		return CLI_EXIT_USAGE;
	}
	if (o->help) {
		command_help(c);
		return CLI_EXIT_OK;
	}
	int code = check_allowed(ctx->out, c, o);
	if (!code)
		code = c->check(ctx);
	if (!code && (c->needs == NEEDS_DB || c->needs == NEEDS_DB_DIR))
		code = cli_connect(ctx, c->needs == NEEDS_DB_DIR);
	if (!code)
		code = c->run(ctx);
	cli_disconnect(ctx);
	return code;
}

int main(int argc, char **argv)
{
	/* stderr is unbuffered by default, so a message built from several
	 * fputs/fputc calls went out a byte at a time, and the lines of
	 * runners started together (a deploy's many `strata up`) interleaved
	 * mid-line on a shared log. Line-buffered, each message is one
	 * write(2); every line printed ends with '\n' (see output.c). */
	static char errbuf[8192];
	setvbuf(stderr, errbuf, _IOLBF, sizeof(errbuf));
	cli_options o;
	cli_out out;
	char msg[1024];
	int code = cli_options_parse(&o, argc, argv, msg, sizeof(msg));
	cli_out_init(&out, &o);
	if (code) {
		cli_errorf(&out, "%s", msg);
	} else {
		cli_ctx ctx = { 0 };
		ctx.o = &o;
		ctx.out = &out;
		code = dispatch(&ctx);
	}
	/* a full disk or a closed pipe must not pass for success */
	if ((fflush(stdout) != 0 || ferror(stdout)) && code == CLI_EXIT_OK) {
		cli_errorf(&out, "cannot write to standard output");
		code = CLI_EXIT_INTERNAL;
	}
	cli_options_free(&o);
	return code;
}
