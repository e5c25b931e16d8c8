/* src/cli/output.h - everything the strata tool prints: errors, log lines,
 * progress from library events, the status table and its JSON. */
#ifndef STRATA_CLI_OUTPUT_H
#define STRATA_CLI_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <strata.h>

#include "options.h"

/* Printing state of one run (lives on main()'s stack). */
typedef struct cli_out {
	const cli_options *o;
	int color_out;             /* colour on stdout */
	int color_err;             /* colour on stderr */
	int line_open;             /* a progress line on stdout lacks its end */
	int lock_wait_shown;
	int warnings_to_stdout;    /* validate: problems are the output */
	char dry_version[256];     /* dry run: migration of the last statement */
	char last_label[256];      /* "VERSION_name" of the last migration done */
	size_t done;               /* migrations done (events) */
} cli_out;

void cli_out_init(cli_out *out, const cli_options *o);

/* strata_log_fn and strata_event_fn; `data` is a cli_out. */
void cli_log(void *data, strata_log_level level, const char *msg);
void cli_event(void *data, const strata_event *ev);

/* Prints a library error ("strata: error: file:line: message (SQLSTATE
 * x)") as one line; with --verbose also its detail and hint. Returns the
 * exit code for it. */
int cli_report(cli_out *out, const strata_error *err);

/* Prints "strata: error: <message>". */
void cli_errorf(cli_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints a progress or summary line on stdout unless --quiet. */
/* A one-line note on stderr ("strata: note: ..."), not with --quiet. */
void cli_hintf(cli_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_notef(cli_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The exit code for a STRATA_E* code. */
int cli_exit_for(int code);

/* "3.2 ms", "1.25 s" */
const char *cli_duration(char *buf, size_t size, double seconds);

/* Status as a table with a footer, or as a JSON array. Return an exit
 * code (0, or CLI_EXIT_INTERNAL when out of memory). */
/* show_dir: a DIRECTORY column (the migrations came from several). */
int cli_status_table(cli_out *out, const strata_status *st, int show_dir);
int cli_status_json(cli_out *out, const strata_status *st);

#endif /* STRATA_CLI_OUTPUT_H */
