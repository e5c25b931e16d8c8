/* src/cli/output.c - everything the strata tool prints. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "output.h"

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD "\033[1m"
#define C_RESET "\033[0m"

void cli_out_init(cli_out *out, const cli_options *o)
{
	memset(out, 0, sizeof(*out));
	out->o = o;
	out->color_out = cli_use_color(o, stdout);
	out->color_err = cli_use_color(o, stderr);
}

/* Ends a half-written progress line before anything else is printed. */
static void close_line(cli_out *out)
{
	if (out->line_open) {
		fputc('\n', stdout);
		fflush(stdout);
		out->line_open = 0;
	}
}

static const char *paint(int on, const char *color)
{
	return on ? color : "";
}

/* Writes `s` on one line: newlines and other control characters become
 * spaces so that every message stays a single line. */
static void put_one_line(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\r' && s[1] == '\n')
			continue;
		fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
}

static void prefix(cli_out *out, const char *what, const char *color)
{
	close_line(out);
	fflush(stdout);
	fputs("strata: ", stderr);
	if (what) {
		fprintf(stderr, "%s%s%s: ", paint(out->color_err, color), what,
		        paint(out->color_err, C_RESET));
	}
}

void cli_errorf(cli_out *out, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	prefix(out, "error", C_RED C_BOLD);
	put_one_line(stderr, buf);
	fputc('\n', stderr);
}

void cli_hintf(cli_out *out, const char *fmt, ...)
{
	if (out->o->quiet)
		return;
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	prefix(out, "note", C_BOLD);
	put_one_line(stderr, buf);
	fputc('\n', stderr);
}

void cli_notef(cli_out *out, const char *fmt, ...)
{
	if (out->o->quiet)
		return;
	close_line(out);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

int cli_exit_for(int code)
{
	switch (code) {
	case STRATA_OK: return CLI_EXIT_OK;
	case STRATA_EINVAL: return CLI_EXIT_USAGE;
	case STRATA_EIO:
	case STRATA_EPARSE: return CLI_EXIT_FILES;
	case STRATA_EURL:
	case STRATA_ENODRIVER:
	case STRATA_ENOTBUILT: return CLI_EXIT_URL;
	case STRATA_ECONNECT: return CLI_EXIT_CONNECT;
	case STRATA_EPLAN:
	case STRATA_ENOTFOUND: return CLI_EXIT_PLAN;
	case STRATA_EDIRTY: return CLI_EXIT_DIRTY;
	case STRATA_ESQL: return CLI_EXIT_SQL;
	case STRATA_ELOCK: return CLI_EXIT_LOCK;
	case STRATA_EUNSUPPORTED: return CLI_EXIT_UNSUPPORTED;
	case STRATA_ECONNLOST: return CLI_EXIT_CONNLOST;
	case STRATA_ENOMEM:
	case STRATA_EINTERNAL:
	default: return CLI_EXIT_INTERNAL;
	}
}

int cli_report(cli_out *out, const strata_error *err)
{
	prefix(out, "error", C_RED C_BOLD);
	if (err->file[0]) {
		put_one_line(stderr, err->file);
		if (err->line > 0) {
			fprintf(stderr, ":%d", err->line);
			if (err->column > 0)
				fprintf(stderr, ":%d", err->column);
		}
		fputs(": ", stderr);
	}
	if (err->message[0])
		put_one_line(stderr, err->message);
	else
		fputs(strata_strerror(err->code), stderr);
	if (err->sqlstate[0])
		fprintf(stderr, " (SQLSTATE %s)", err->sqlstate);
	/* the server's DETAIL and HINT stay on the one line */
	if (err->detail[0]) {
		fputs(" DETAIL: ", stderr);
		put_one_line(stderr, err->detail);
	}
	if (err->hint[0]) {
		fputs(" HINT: ", stderr);
		put_one_line(stderr, err->hint);
	}
	fputc('\n', stderr);
	if (out->o->verbose) {
		if (err->native_code)
			fprintf(stderr, "strata: debug: %s, native code %ld\n",
			        strata_strerror(err->code), err->native_code);
	}
	return cli_exit_for(err->code);
}

void cli_log(void *data, strata_log_level level, const char *msg)
{
	cli_out *out = data;
	const cli_options *o = out->o;
	switch (level) {
	case STRATA_LOG_ERROR:
		prefix(out, "error", C_RED C_BOLD);
		break;
	case STRATA_LOG_WARN:
		if (out->warnings_to_stdout) {
			close_line(out);
			put_one_line(stdout, msg);
			fputc('\n', stdout);
			fflush(stdout);
			return;
		}
		if (o->quiet)
			return;
		prefix(out, "warning", C_YELLOW);
		break;
	case STRATA_LOG_INFO:
		if (o->quiet)
			return;
		prefix(out, NULL, NULL);
		break;
	case STRATA_LOG_DEBUG:
	default:
		if (!o->verbose)
			return;
		prefix(out, "debug", "");
		break;
	}
	put_one_line(stderr, msg);
	fputc('\n', stderr);
}

const char *cli_duration(char *buf, size_t size, double seconds)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 1.0)
		snprintf(buf, size, "%.1f ms", seconds * 1000.0);
	else
		snprintf(buf, size, "%.2f s", seconds);
	return buf;
}

/* Whether `version` is a repeatable migration's key ("R__views"), which
 * holds its name. */
static int repeatable_key(const char *version)
{
	return version && strncmp(version, "R__", 3) == 0;
}

static void label(char *buf, size_t size, const char *version, const char *name)
{
	if (name && *name && !repeatable_key(version))
		snprintf(buf, size, "%s_%s", version ? version : "?", name);
	else
		snprintf(buf, size, "%s", version ? version : "?");
}

static void dry_statement(cli_out *out, const strata_event *ev)
{
	if (out->o->quiet)
		return;
	close_line(out);
	char lb[256];
	label(lb, sizeof(lb), ev->version, ev->name);
	if (strcmp(out->dry_version, lb) != 0) {
		snprintf(out->dry_version, sizeof(out->dry_version), "%s", lb);
		printf("-- %s %s (dry run)\n",
		       ev->direction == STRATA_DOWN ? "would revert" : "would apply", lb);
	}
	fputs(ev->sql ? ev->sql : "", stdout);
	fputs(";\n", stdout);
	fflush(stdout);
}

void cli_event(void *data, const strata_event *ev)
{
	cli_out *out = data;
	int quiet = out->o->quiet;
	int down = ev->direction == STRATA_DOWN;
	char lb[256], dur[32];
	label(lb, sizeof(lb), ev->version, ev->name);
	switch (ev->type) {
	case STRATA_EVENT_MIGRATION_START:
		if (quiet)
			return;
		close_line(out);
		printf("%s %s ...", down ? "reverting" : "applying", lb);
		fflush(stdout);
		out->line_open = 1;
		break;
	case STRATA_EVENT_MIGRATION_DONE:
		out->done++;
		snprintf(out->last_label, sizeof(out->last_label), "%s", lb);
		if (quiet)
			return;
		cli_duration(dur, sizeof(dur), ev->seconds);
		if (out->line_open)
			printf(" %sdone%s in %s\n", paint(out->color_out, C_GREEN),
			       paint(out->color_out, C_RESET), dur);
		else
			printf("%s %s%s%s in %s\n", lb, paint(out->color_out, C_GREEN),
			       down ? "reverted" : "applied",
			       paint(out->color_out, C_RESET), dur);
		fflush(stdout);
		out->line_open = 0;
		break;
	case STRATA_EVENT_MIGRATION_FAILED:
		if (quiet)
			return;
		if (out->line_open)
			printf(" %sfailed%s\n", paint(out->color_out, C_RED),
			       paint(out->color_out, C_RESET));
		else
			printf("%s %sfailed%s\n", lb, paint(out->color_out, C_RED),
			       paint(out->color_out, C_RESET));
		fflush(stdout);
		out->line_open = 0;
		break;
	case STRATA_EVENT_STATEMENT:
		dry_statement(out, ev);
		break;
	case STRATA_EVENT_LOCK_WAIT:
		if (quiet || out->lock_wait_shown)
			return;
		out->lock_wait_shown = 1;
		prefix(out, NULL, NULL);
		put_one_line(stderr, ev->message && *ev->message ? ev->message
		                                                 : "waiting for the migration lock");
		fputc('\n', stderr);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------- status */

static const char *state_color(strata_state s)
{
	switch (s) {
	case STRATA_STATE_APPLIED: return C_GREEN;
	case STRATA_STATE_PENDING: return C_YELLOW;
	default: return C_RED;
	}
}

static const char *state_text(const strata_status_entry *e)
{
	if (e->out_of_order && e->state == STRATA_STATE_PENDING)
		return "pending (out of order)";
	if (e->changed && e->state == STRATA_STATE_PENDING)
		return "pending (changed)";
	return strata_state_name(e->state);
}

static int width_of(const char *s)
{
	return s ? (int)strlen(s) : 1;
}

/* Writes `s` left-aligned in a column `width` bytes wide, as printf's
 * "%-*s" does, without printf's cost for each cell of 1,000 rows. */
static void put_cell(const char *s, int width)
{
	static const char blanks[] = "                                ";
	size_t n = strlen(s);
	fwrite(s, 1, n, stdout);
	for (size_t pad = width > (int)n ? (size_t)width - n : 0; pad > 0;) {
		size_t k = pad < sizeof(blanks) - 1 ? pad : sizeof(blanks) - 1;
		fwrite(blanks, 1, k, stdout);
		pad -= k;
	}
}

int cli_status_table(cli_out *out, const strata_status *st, int show_dir)
{
	size_t n = strata_status_count(st);
	int wv = (int)strlen("VERSION"), wn = (int)strlen("NAME"), ws = (int)strlen("STATE");
	int wd = (int)strlen("DIRECTORY");
	for (size_t i = 0; i < n; i++) {
		const strata_status_entry *e = strata_status_entry_at(st, i);
		if (show_dir && width_of(e->dir) > wd)
			wd = width_of(e->dir);
		if (width_of(e->version) > wv)
			wv = width_of(e->version);
		if (width_of(e->name) > wn)
			wn = width_of(e->name);
		if ((int)strlen(state_text(e)) > ws)
			ws = (int)strlen(state_text(e));
	}
	int co = out->color_out;
	if (show_dir)
		printf("%-*s  ", wd, "DIRECTORY");
	printf("%-*s  %-*s  %-*s  %s\n", wv, "VERSION", wn, "NAME", ws, "STATE", "APPLIED AT");
	size_t applied = 0, problems = 0, repeatable = 0;
	for (size_t i = 0; i < n; i++) {
		const strata_status_entry *e = strata_status_entry_at(st, i);
		repeatable += e->repeatable != 0;
		if (e->state == STRATA_STATE_APPLIED)
			applied++;
		else if (e->state != STRATA_STATE_PENDING)
			problems++;
		/* [DIRECTORY]  VERSION  NAME  STATE  APPLIED AT, the state in colour */
		if (show_dir) {
			put_cell(e->dir ? e->dir : "-", wd);
			fputs("  ", stdout);
		}
		put_cell(e->version ? e->version : "-", wv);
		fputs("  ", stdout);
		put_cell(e->name && *e->name ? e->name : "-", wn);
		fputs("  ", stdout);
		fputs(paint(co, state_color(e->state)), stdout);
		put_cell(state_text(e), ws);
		fputs(paint(co, C_RESET), stdout);
		fputs("  ", stdout);
		fputs(e->applied_at ? e->applied_at : "-", stdout);
		fputc('\n', stdout);
		if (e->last_error && *e->last_error && e->state != STRATA_STATE_APPLIED) {
			fputs("    last error: ", stdout);
			put_one_line(stdout, e->last_error);
			fputc('\n', stdout);
		}
	}
	printf("%zu applied, %zu pending", applied, strata_status_pending(st));
	if (problems)
		printf(", %s%zu need%s attention%s", paint(co, C_RED), problems,
		       problems == 1 ? "s" : "", paint(co, C_RESET));
	if (repeatable)
		printf("; %zu repeatable (R__), which down never reverts", repeatable);
	fputc('\n', stdout);
	fflush(stdout);
	return CLI_EXIT_OK;
}

/* Adds key: string or null. Returns 0 or -1 (out of memory). */
static int add_str(json_object *obj, const char *key, const char *val)
{
	json_object *v = NULL;
	if (val && !(v = json_object_new_string(val)))
		return -1;
	return json_object_object_add(obj, key, v) ? -1 : 0;
}

static int add_obj(json_object *obj, const char *key, json_object *v)
{
	if (!v)
		return -1;
	return json_object_object_add(obj, key, v) ? -1 : 0;
}

static json_object *entry_json(const strata_status_entry *e)
{
	json_object *obj = json_object_new_object();
	if (!obj)
		return NULL;
	int has_row = e->state != STRATA_STATE_PENDING || e->changed;
	int bad = add_str(obj, "version", e->version) ||
	          add_str(obj, "name", e->name) ||
	          add_str(obj, "state", strata_state_name(e->state)) ||
	          add_str(obj, "applied_at", e->applied_at);
	if (!bad) {
		if (has_row && e->applied_at) {
			char ds[64];
			snprintf(ds, sizeof(ds), "%.3f", e->duration * 1000.0);
			bad = add_obj(obj, "duration_ms",
			              json_object_new_double_s(e->duration * 1000.0, ds));
		} else {
			bad = json_object_object_add(obj, "duration_ms", NULL) != 0;
		}
	}
	if (!bad)
		bad = add_str(obj, "file", e->file) || add_str(obj, "dir", e->dir);
	if (!bad && has_row) {
		bad = add_obj(obj, "statements_done", json_object_new_int64(e->statements_done)) ||
		      (e->statements_total > 0
		       ? add_obj(obj, "statements_total", json_object_new_int64(e->statements_total))
		       : json_object_object_add(obj, "statements_total", NULL) != 0);
	} else if (!bad) {
		bad = json_object_object_add(obj, "statements_done", NULL) != 0 ||
		      json_object_object_add(obj, "statements_total", NULL) != 0;
	}
	if (!bad)
		bad = add_str(obj, "last_error", e->last_error && *e->last_error ? e->last_error : NULL) ||
		      add_obj(obj, "out_of_order", json_object_new_boolean(e->out_of_order != 0)) ||
		      add_obj(obj, "repeatable", json_object_new_boolean(e->repeatable != 0)) ||
		      add_obj(obj, "changed", json_object_new_boolean(
		                  e->changed || e->state == STRATA_STATE_CHANGED));
	if (bad) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int cli_status_json(cli_out *out, const strata_status *st)
{
	json_object *arr = json_object_new_array();
	if (!arr)
		goto oom;
	for (size_t i = 0; i < strata_status_count(st); i++) {
		json_object *e = entry_json(strata_status_entry_at(st, i));
		if (!e || json_object_array_add(arr, e)) {
			json_object_put(e);
			json_object_put(arr);
			goto oom;
		}
	}
	const char *text = json_object_to_json_string_ext(
		arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		json_object_put(arr);
		goto oom;
	}
	puts(text);
	fflush(stdout);
	json_object_put(arr);
	return CLI_EXIT_OK;
oom:
	cli_errorf(out, "out of memory");
	return CLI_EXIT_INTERNAL;
}
