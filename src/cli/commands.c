/* src/cli/commands.c - the commands of the strata tool. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <strata.h>

#include "commands.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ------------------------------------------------------------ checks */

int cli_check_none(cli_ctx *ctx)
{
	if (ctx->o->nargs > 0) {
		cli_errorf(ctx->out, "unexpected argument '%s' for %s (see strata help %s)",
		           ctx->o->args[0], ctx->o->command, ctx->o->command);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cli_check_count(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	if (o->nargs > 1) {
		cli_errorf(ctx->out, "unexpected argument '%s' for %s (see strata help %s)",
		           o->args[1], o->command, o->command);
		return CLI_EXIT_USAGE;
	}
	if (o->nargs == 1) {
		if (cli_parse_count(o->args[0], &ctx->count)) {
			cli_errorf(ctx->out, "'%s' is not a count: %s N wants a positive whole number",
			           o->args[0], o->command);
			return CLI_EXIT_USAGE;
		}
	}
	if ((o->nargs == 1) + (o->to != NULL) + (o->all != 0) > 1) {
		cli_errorf(ctx->out, "give one of a count, --to VERSION and --all");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cli_check_version(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	if (o->nargs != 1 || !*o->args[0]) {
		if (o->nargs > 1)
			cli_errorf(ctx->out, "unexpected argument '%s' for %s", o->args[1], o->command);
		else
			cli_errorf(ctx->out, "%s needs a VERSION (see strata help %s)",
			           o->command, o->command);
		return CLI_EXIT_USAGE;
	}
	ctx->version = o->args[0];
	return CLI_EXIT_OK;
}

int cli_check_baseline(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	if (o->from_table && !o->from) {
		cli_errorf(ctx->out, "--from-table goes with baseline --from TOOL");
		return CLI_EXIT_USAGE;
	}
	if (!o->from)
		return cli_check_version(ctx);
	if (o->nargs) {
		cli_errorf(ctx->out, "baseline --from takes no VERSION (it reads what %s applied), "
		           "not '%s'", o->from, o->args[0]);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

int cli_check_repair(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	int modes = (o->resume != 0) + (o->mark_applied != 0) + (o->forget != 0);
	if (modes != 1) {
		cli_errorf(ctx->out, "repair needs exactly one of --resume, --mark-applied, --forget%s",
		           modes ? " (several given)" : "");
		return CLI_EXIT_USAGE;
	}
	if (o->skip_in_flight && !o->resume) {
		cli_errorf(ctx->out, "--skip-in-flight goes with repair --resume");
		return CLI_EXIT_USAGE;
	}
	if (o->nargs > 1) {
		cli_errorf(ctx->out, "unexpected argument '%s' for repair", o->args[1]);
		return CLI_EXIT_USAGE;
	}
	ctx->repair_mode = o->resume && o->skip_in_flight ? STRATA_REPAIR_RESUME_SKIP
	                 : o->resume ? STRATA_REPAIR_RESUME
	                 : o->mark_applied ? STRATA_REPAIR_MARK_APPLIED
	                 : STRATA_REPAIR_FORGET;
	ctx->version = o->nargs ? o->args[0] : NULL;
	return CLI_EXIT_OK;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* The longest NAME `strata new` takes. */
#define CLI_NEW_NAME_MAX 200

int cli_check_new(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	if (o->nargs != 1) {
		if (o->nargs > 1)
			cli_errorf(ctx->out, "unexpected argument '%s' for new (one NAME, use _ between words)",
			           o->args[1]);
		else
			cli_errorf(ctx->out, "new needs a NAME, e.g. strata new create_users");
		return CLI_EXIT_USAGE;
	}
	size_t len = strlen(o->args[0]);
	if (len > CLI_NEW_NAME_MAX) {
		/* the file name (version, '_', name, ".down.sql") must stay
		 * under the 255 bytes most file systems allow */
		cli_errorf(ctx->out, "bad migration name: too long (%zu characters, at most %d)",
		           len, CLI_NEW_NAME_MAX);
		return CLI_EXIT_USAGE;
	}
	if (!valid_name(o->args[0])) {
		cli_errorf(ctx->out, "bad migration name '%s': use letters, digits, _ and - only",
		           o->args[0]);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* ------------------------------------------------------ connecting */

/* The library options for the command line: table, schema, timeouts,
 * and the CLI's log and event callbacks. */
static void strata_options_for(const cli_ctx *ctx, strata_options *so)
{
	const cli_options *o = ctx->o;
	strata_options init = STRATA_OPTIONS_INIT;
	*so = init;
	so->table = o->table;
	so->schema = o->schema;
	if (o->lock_timeout_set)
		so->lock_timeout = o->lock_timeout;
	if (o->statement_timeout_set)
		so->statement_timeout = o->statement_timeout;
	if (o->ddl_lock_timeout_set)
		so->ddl_lock_timeout = o->ddl_lock_timeout;
	if (o->ddl_lock_retries_set)
		so->ddl_lock_retries = (int)o->ddl_lock_retries;
	so->log = cli_log;
	so->log_data = ctx->out;
	so->on_event = cli_event;
	so->event_data = ctx->out;
}

/* The migrations directories, read on a thread of their own. */
typedef struct dir_job {
	const cli_options *o;
	const char *driver;     /* the URL's driver: chooses pop's files */
	strata_source *src;
	strata_error err;
	int rc;
} dir_job;

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Adds the directories `pattern` names: itself, or each directory its
 * glob matches (in order), at least one. */
static int add_dirs(strata_source *src, const char *pattern, strata_error *err)
{
	if (!has_glob(pattern))
		return strata_source_add_dir(src, pattern, err);
	glob_t g;
	int grc = glob(pattern, GLOB_MARK, NULL, &g);
	if (grc == GLOB_NOSPACE)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	size_t found = 0;
	int rc = 0;
	for (size_t i = 0; grc == 0 && !rc && i < g.gl_pathc; i++) {
		size_t n = strlen(g.gl_pathv[i]);
		if (n < 2 || g.gl_pathv[i][n - 1] != '/')
			continue; /* GLOB_MARK: a directory's match ends in '/' */
		g.gl_pathv[i][n - 1] = '\0';
		found++;
		rc = strata_source_add_dir(src, g.gl_pathv[i], err);
	}
	if (grc == 0)
		globfree(&g);
	if (!rc && !found)
		rc = strata_error_set(err, STRATA_EIO,
		                      "no migrations directory matches '%s'", pattern);
	return rc;
}

static void *dir_read(void *arg)
{
	dir_job *j = arg;
	const cli_options *o = j->o;
	j->rc = strata_source_new(&j->src, &j->err);
	if (!j->rc && j->driver)
		j->rc = strata_source_set_database(j->src, j->driver, &j->err);
	for (int i = 0; !j->rc && i < o->nignores; i++)
		j->rc = strata_source_ignore(j->src, o->ignores[i], &j->err);
	if (!j->rc && !o->ndirs)
		j->rc = strata_source_add_dir(j->src, o->dir, &j->err);
	for (int i = 0; !j->rc && i < o->ndirs; i++) {
		/* the same directory twice would be two copies of each migration */
		int seen = 0;
		for (int k = 0; k < i; k++)
			seen |= strcmp(o->dirs[k], o->dirs[i]) == 0;
		if (!seen)
			j->rc = add_dirs(j->src, o->dirs[i], &j->err);
	}
#ifdef __GLIBC__
	/* the thread's own malloc arena keeps the pages of the buffers the
	 * scan freed, where the main thread cannot reuse them: give them
	 * back (peak RSS of `up` 100-200 KiB lower) */
	malloc_trim(0);
#endif
	return NULL;
}

/* Reads the directory and opens the database at the same time: at 1,000
 * migrations each takes about as long as the other (a file to open and
 * hash per migration; SQLite parsing a schema of 2,000 objects, or a
 * server's connection and login). The errors keep their order: a bad
 * URL first, then the directory, then the database; and nothing is
 * created for a bad directory, so the database is opened only if it
 * exists, and created (a new SQLite file) once the directory is good. */
static int open_with_dir(cli_ctx *ctx, const strata_options *so,
                         const char *driver, strata_error *err)
{
	const cli_options *o = ctx->o;
	dir_job job = { .o = o, .driver = driver };
	pthread_t t;
	int orc = STRATA_ENOTFOUND;
	strata_error oerr = { 0 };
	if (pthread_create(&t, NULL, dir_read, &job) == 0) {
		strata_options existing = *so;
		existing.flags |= STRATA_OPEN_EXISTING;
		orc = strata_open(&ctx->db, o->url, &existing, &oerr);
		pthread_join(t, NULL);
	} else {
		dir_read(&job);
	}
	ctx->src = job.src;
	if (job.rc) {
		*err = job.err;
		return job.rc;
	}
	if (orc == STRATA_ENOTFOUND)
		return strata_open(&ctx->db, o->url, so, err);
	if (orc)
		*err = oerr;
	return orc;
}

int cli_connect(cli_ctx *ctx, int with_dir)
{
	const cli_options *o = ctx->o;
	strata_error err = { 0 };
	const char *driver;
	int rc = strata_url_driver(&driver, o->url, &err);
	if (!rc) {
		strata_options so;
		strata_options_for(ctx, &so);
		if (with_dir)
			rc = open_with_dir(ctx, &so, driver, &err);
		else
			rc = strata_open(&ctx->db, o->url, &so, &err);
	}
	if (rc) {
		int code = cli_report(ctx->out, &err);
		cli_disconnect(ctx);
		return code;
	}
	if (o->verbose) {
		char red[1024], msg[2048];
		strata_url_redact(red, sizeof(red), o->url);
		if (with_dir)
			snprintf(msg, sizeof(msg), "connected to %s (%s driver); %zu migration%s in %s%s",
			         red, strata_driver_name(ctx->db), strata_source_count(ctx->src),
			         plural(strata_source_count(ctx->src)), o->dir,
			         strata_source_dir_count(ctx->src) > 1 ? " and other directories" : "");
		else
			snprintf(msg, sizeof(msg), "connected to %s (%s driver)",
			         red, strata_driver_name(ctx->db));
		cli_log(ctx->out, STRATA_LOG_DEBUG, msg);
	}
	return CLI_EXIT_OK;
}

void cli_disconnect(cli_ctx *ctx)
{
	strata_close(ctx->db);
	ctx->db = NULL;
	strata_source_free(ctx->src);
	ctx->src = NULL;
}

/* --------------------------------------------------------------- new */

/* The new migration's files, in the form of the directory's migrations
 * (strata_new_migration), one path per line. */
int cmd_new(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	strata_error err = { 0 };
	char *paths = NULL;
	if (o->ndirs > 1 || has_glob(o->dir)) {
		cli_errorf(ctx->out, "new writes into one directory: give one --dir, not a glob");
		return CLI_EXIT_USAGE;
	}
	int rc = strata_new_migration(&paths, o->dir, o->args[0], &err);
	if (rc)
		return cli_report(ctx->out, &err);
	printf("%s\n", paths);
	strata_free(paths);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------- up, down */

static void run_options(const cli_ctx *ctx, strata_run_options *ro)
{
	const cli_options *o = ctx->o;
	ro->count = ctx->count;
	/* every version is newer than 0: the planner's "down to nothing" */
	ro->target = o->all ? "0" : o->to;
	ro->dry_run = o->dry_run;
	ro->single_transaction = o->single_transaction;
	ro->allow_out_of_order = o->allow_out_of_order;
}

static int run_direction(cli_ctx *ctx, strata_direction dir)
{
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	run_options(ctx, &ro);
	strata_error err = { 0 };
	size_t n = 0;
	double t0 = now_seconds();
	int rc = dir == STRATA_UP ? strata_up(ctx->db, ctx->src, &ro, &n, &err)
	                          : strata_down(ctx->db, ctx->src, &ro, &n, &err);
	double dt = now_seconds() - t0;
	if (rc)
		return cli_report(ctx->out, &err);
	const char *verb = dir == STRATA_UP ? "apply" : "revert";
	char dur[32];
	if (ro.dry_run)
		cli_notef(ctx->out, "dry run: %zu migration%s would be %s, nothing changed",
		          n, plural(n), dir == STRATA_UP ? "applied" : "reverted");
	else if (n == 0)
		cli_notef(ctx->out, "nothing to %s", verb);
	else
		cli_notef(ctx->out, "%s %zu migration%s in %s",
		          dir == STRATA_UP ? "applied" : "reverted", n, plural(n),
		          cli_duration(dur, sizeof(dur), dt));
	return CLI_EXIT_OK;
}

int cmd_up(cli_ctx *ctx)
{
	return run_direction(ctx, STRATA_UP);
}

int cmd_down(cli_ctx *ctx)
{
	return run_direction(ctx, STRATA_DOWN);
}

int cmd_redo(cli_ctx *ctx)
{
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	run_options(ctx, &ro);
	strata_error err = { 0 };
	double t0 = now_seconds();
	int rc = strata_redo(ctx->db, ctx->src, &ro, &err);
	if (rc)
		return cli_report(ctx->out, &err);
	char dur[32];
	cli_notef(ctx->out, "redid %s in %s",
	          ctx->out->last_label[0] ? ctx->out->last_label : "the newest migration",
	          cli_duration(dur, sizeof(dur), now_seconds() - t0));
	return CLI_EXIT_OK;
}

/* ------------------------------------------------- status, validate */

int cmd_status(cli_ctx *ctx)
{
	strata_error err = { 0 };
	strata_status *st;
	int rc = strata_status_get(&st, ctx->db, ctx->src, &err);
	if (rc)
		return cli_report(ctx->out, &err);
	int code = ctx->o->json ? cli_status_json(ctx->out, st)
	                        : cli_status_table(ctx->out, st,
	                                           strata_source_dir_count(ctx->src) > 1);
	if (code == CLI_EXIT_OK && ctx->o->exit_code && strata_status_pending(st) > 0)
		code = CLI_EXIT_PENDING;
	/* nothing applied by strata: another tool may have migrated it */
	size_t n = strata_status_count(st), applied = 0;
	for (size_t i = 0; i < n; i++)
		applied += strata_status_entry_at(st, i)->state != STRATA_STATE_PENDING;
	if (code != CLI_EXIT_INTERNAL && applied == 0) {
		const char *tool, *table;
		size_t rows = 0;
		strata_error e = { 0 };
		if (strata_other_tool(ctx->db, &tool, &table, &rows, &e) == 0 && tool)
			cli_hintf(ctx->out, "this database has %s's history table %s (%zu row%s) and no "
			          "strata history: take it over with 'strata baseline --from %s'",
			          tool, table, rows, plural(rows), tool);
	}
	strata_status_free(st);
	return code;
}

int cmd_validate(cli_ctx *ctx)
{
	strata_error err = { 0 };
	/* the library reports each problem as a warning: they are the output */
	ctx->out->warnings_to_stdout = 1;
	int rc = strata_validate(ctx->db, ctx->src, &err);
	ctx->out->warnings_to_stdout = 0;
	if (rc)
		return cli_report(ctx->out, &err);
	size_t n = strata_source_count(ctx->src);
	cli_notef(ctx->out, "ok: %zu migration%s validated", n, plural(n));
	return CLI_EXIT_OK;
}

/* ------------------------------------------------- repair, baseline */

int cmd_repair(cli_ctx *ctx)
{
	strata_error err = { 0 };
	int rc = strata_repair(ctx->db, ctx->src, ctx->repair_mode, ctx->version, &err);
	if (rc)
		return cli_report(ctx->out, &err);
	if (ctx->repair_mode == STRATA_REPAIR_RESUME ||
	    ctx->repair_mode == STRATA_REPAIR_RESUME_SKIP)
		cli_notef(ctx->out, "repaired: %s resumed and finished",
		          ctx->out->last_label[0] ? ctx->out->last_label : "the migration");
	return CLI_EXIT_OK;
}

int cmd_baseline(cli_ctx *ctx)
{
	strata_error err = { 0 };
	size_t n = 0;
	const cli_options *o = ctx->o;
	if (o->from) {
		int rc = strata_baseline_from(ctx->db, ctx->src, o->from, o->from_table, &n, &err);
		if (rc)
			return cli_report(ctx->out, &err);
		cli_notef(ctx->out, "baseline: recorded %zu migration%s that %s applied as applied",
		          n, plural(n), o->from);
		return CLI_EXIT_OK;
	}
	int rc = strata_baseline(ctx->db, ctx->src, ctx->version, &n, &err);
	if (rc)
		return cli_report(ctx->out, &err);
	cli_notef(ctx->out, "baseline: recorded %zu migration%s up to %s as applied",
	          n, plural(n), ctx->version);
	return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ version */

int cmd_version(cli_ctx *ctx)
{
	(void)ctx;
	printf("strata %s\n", PACKAGE_VERSION);
	if (strcmp(strata_version(), PACKAGE_VERSION) != 0)
		printf("libstrata %s\n", strata_version());
	printf("drivers:\n");
	strata_driver_info d[32];
	size_t n = strata_driver_list(d, sizeof(d) / sizeof(d[0]));
	for (size_t i = 0; i < n && i < sizeof(d) / sizeof(d[0]); i++)
		printf("  %-9s %s\n", d[i].name,
		       d[i].registered ? "registered" : d[i].built ? "built in" : "not built in");
	return CLI_EXIT_OK;
}

/* --------------------------------------------------------------- wait */

/* Log filter of `wait`: the first "waiting for the database" line is
 * shown, the following attempts only with --verbose. */
typedef struct wait_log_state {
	cli_out *out;
	int attempts;              /* waiting lines seen */
} wait_log_state;

static void wait_log(void *data, strata_log_level level, const char *msg)
{
	wait_log_state *w = data;
	if (level == STRATA_LOG_INFO &&
	    strncmp(msg, "waiting for the database", 24) == 0 && w->attempts++ > 0)
		level = STRATA_LOG_DEBUG;
	cli_log(w->out, level, msg);
}

/* Puts `prefix` before err->message (which stays one line). */
static void prefix_message(strata_error *err, const char *prefix)
{
	size_t size = sizeof(err->message), pl = strlen(prefix);
	if (pl >= size)
		return;
	size_t ml = strnlen(err->message, size - 1);
	if (ml > size - 1 - pl)
		ml = size - 1 - pl;
	memmove(err->message + pl, err->message, ml);
	memcpy(err->message, prefix, pl);
	err->message[pl + ml] = '\0';
}

int cmd_wait(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	wait_log_state w = { ctx->out, 0 };
	strata_options so;
	strata_options_for(ctx, &so);
	so.log = wait_log;
	so.log_data = &w;
	strata_error err = { 0 };
	double t0 = now_seconds();
	int rc = strata_wait(o->url, &so, o->wait_timeout, &err);
	char dur[32], pre[96];
	cli_duration(dur, sizeof(dur), now_seconds() - t0);
	if (rc) {
		if (rc == STRATA_ECONNECT) {
			snprintf(pre, sizeof(pre), "no connection to the database within %s: ", dur);
			prefix_message(&err, pre);
		}
		return cli_report(ctx->out, &err);
	}
	if (w.attempts)
		cli_notef(ctx->out, "database is up (after %s)", dur);
	else
		cli_notef(ctx->out, "database is up");
	return CLI_EXIT_OK;
}

/* -------------------------------------------------------- create, drop */

/* Value of a hex digit, or -1. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Copies s[0..n) into buf (size > 0), decoding %XX escapes. */
static void copy_decoded(char *buf, size_t size, const char *s, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n && len + 1 < size; i++) {
		int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
		int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
		if (s[i] == '%' && hi >= 0 && lo >= 0) {
			buf[len++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			buf[len++] = s[i];
		}
	}
	buf[len] = '\0';
}

/* The database a URL names, for messages: the path of "scheme://host/db"
 * or of "sqlite:path"; the URL without its password when there is none. */
static const char *database_name(char *buf, size_t size, const char *url)
{
	char red[1024];
	strata_url_redact(red, sizeof(red), url);
	const char *p = strstr(red, "://"), *name = NULL;
	if (p && strncmp(red, "sqlite", 6) != 0) {
		name = strchr(p + 3, '/');
		if (name)
			name++;
	} else if ((p = strchr(red, ':'))) {
		name = p + 1;
		if (strncmp(name, "//", 2) == 0)
			name += 2;
	}
	size_t n = name ? strcspn(name, "?#") : 0;
	if (n)
		copy_decoded(buf, size, name, n);
	else
		snprintf(buf, size, "%s", red);
	return buf;
}

/* Log filter of `create` and `drop`: a driver that says what it did at
 * INFO level ("database app already exists") gives the result line. */
typedef struct database_log_state {
	cli_out *out;
	char said[512];            /* the last INFO line, "" when none */
} database_log_state;

static void database_log(void *data, strata_log_level level, const char *msg)
{
	database_log_state *d = data;
	if (level == STRATA_LOG_INFO) {
		snprintf(d->said, sizeof(d->said), "%s", msg);
		level = STRATA_LOG_DEBUG;
	}
	cli_log(d->out, level, msg);
}

static int database_command(cli_ctx *ctx, int create)
{
	const cli_options *o = ctx->o;
	database_log_state d = { ctx->out, "" };
	strata_options so;
	strata_options_for(ctx, &so);
	so.log = database_log;
	so.log_data = &d;
	strata_error err = { 0 };
	int rc = create ? strata_create_database(o->url, &so, &err)
	                : strata_drop_database(o->url, &so, &err);
	if (rc)
		return cli_report(ctx->out, &err);
	/* Without word from the driver: creating an existing database and
	 * dropping a missing one succeed (every driver): say so. */
	char name[1024];
	database_name(name, sizeof(name), o->url);
	if (d.said[0])
		cli_notef(ctx->out, "%s", d.said);
	else if (create)
		cli_notef(ctx->out, "created database %s (unless it existed)", name);
	else
		cli_notef(ctx->out, "dropped database %s (if it existed)", name);
	return CLI_EXIT_OK;
}

int cmd_create(cli_ctx *ctx)
{
	return database_command(ctx, 1);
}

int cmd_drop(cli_ctx *ctx)
{
	return database_command(ctx, 0);
}

/* --------------------------------------------------------------- dump */

/* Writes `text` to `path` (created or truncated). Returns an exit code. */
static int write_file(cli_out *out, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		cli_errorf(out, "cannot create %s: %s", path, strerror(errno));
		return CLI_EXIT_FILES;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			cli_errorf(out, "cannot write %s: %s", path,
			           w < 0 ? strerror(errno) : "nothing written");
			close(fd);
			return CLI_EXIT_FILES;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		cli_errorf(out, "cannot write %s: %s", path, strerror(errno));
		return CLI_EXIT_FILES;
	}
	return CLI_EXIT_OK;
}

int cmd_dump(cli_ctx *ctx)
{
	const cli_options *o = ctx->o;
	strata_error err = { 0 };
	char *text = NULL;
	int rc = strata_dump_schema(&text, ctx->db, &err);
	if (rc) {
		/* the hint says what to install: worth the one line */
		if (err.hint[0] && !o->verbose) {
			size_t n = strlen(err.message);
			snprintf(err.message + n, sizeof(err.message) - n, " (hint: %s)", err.hint);
		}
		strata_free(text);
		return cli_report(ctx->out, &err);
	}
	size_t len = strlen(text);
	int code = CLI_EXIT_OK;
	if (o->file) {
		code = write_file(ctx->out, o->file, text);
		if (!code)
			cli_notef(ctx->out, "wrote the schema (%zu byte%s) to %s", len,
			          plural(len), o->file);
	} else {
		fputs(text, stdout);
		if (len && text[len - 1] != '\n')
			fputc('\n', stdout);
	}
	strata_free(text);
	return code;
}
