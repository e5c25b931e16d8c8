/* src/cli/commands.h - the commands of the strata tool. */
#ifndef STRATA_CLI_COMMANDS_H
#define STRATA_CLI_COMMANDS_H

#include <strata.h>

#include "options.h"
#include "output.h"

/* What a command works with. */
typedef struct cli_ctx {
	const cli_options *o;
	cli_out *out;
	strata *db;                /* needs_db commands: open */
	strata_source *src;        /* needs_db commands: the migrations */
	long count;                /* up/down N, 0 = default */
	const char *version;       /* repair VERSION, baseline V */
	strata_repair_mode repair_mode;
} cli_ctx;

/*
 * Checks a command's arguments before anything is opened: fills ctx
 * (count, version, mode) or prints a usage error. Return an exit code.
 */
int cli_check_none(cli_ctx *ctx);
int cli_check_count(cli_ctx *ctx);      /* [N] */
int cli_check_version(cli_ctx *ctx);    /* VERSION */
int cli_check_baseline(cli_ctx *ctx);
int cli_check_repair(cli_ctx *ctx);     /* --MODE [VERSION] */
int cli_check_new(cli_ctx *ctx);        /* NAME */

/* Opens the database into ctx->db and, when `with_dir` is set, first
 * reads the migrations directory into ctx->src. */
int cli_connect(cli_ctx *ctx, int with_dir);
void cli_disconnect(cli_ctx *ctx);

/* The commands. Return an exit code. */
int cmd_new(cli_ctx *ctx);
int cmd_up(cli_ctx *ctx);
int cmd_down(cli_ctx *ctx);
int cmd_redo(cli_ctx *ctx);
int cmd_status(cli_ctx *ctx);
int cmd_validate(cli_ctx *ctx);
int cmd_repair(cli_ctx *ctx);
int cmd_baseline(cli_ctx *ctx);
int cmd_version(cli_ctx *ctx);
int cmd_wait(cli_ctx *ctx);
int cmd_create(cli_ctx *ctx);
int cmd_drop(cli_ctx *ctx);
int cmd_dump(cli_ctx *ctx);

#endif /* STRATA_CLI_COMMANDS_H */
