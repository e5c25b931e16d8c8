/*
 * tests/fake_driver.h - an in-memory driver for testing the engine without
 * a database (in the style of libgit2's fake backends).
 *
 * Three drivers share one "fake database", the global `fake`:
 *   "fake:..."       transactional DDL, provides apply_tx
 *   "fake-notx:..."  transactional DDL, no apply_tx (the core falls back to
 *                    begin / exec / history_* / commit)
 *   "fake-nodl:..."  no transactional DDL (every migration runs statement
 *                    by statement, as on MySQL)
 *
 * The fake database holds the history table (rows with the insert /
 * update / delete / list semantics of driver.h) and the "schema": the log
 * of statement texts that were committed. Statements of an open
 * transaction are pending and vanish on rollback, together with the
 * history changes made since begin. The statements BEGIN, COMMIT and
 * ROLLBACK (exactly those words) open, commit and roll back as the slots
 * do, and tx_state reports whether a transaction is open.
 *
 * Tests inspect `fake` directly (call counters, rows, committed
 * statements, the trace of slot calls) and script it (failing statements,
 * a lock that times out). Misuse of the driver protocol by the core (a
 * statement or history write without the lock, the lock taken inside a
 * transaction, unlocking what is not locked, updating or deleting a row
 * that does not exist) is counted in `violations`.
 */
#ifndef STRATA_FAKE_DRIVER_H
#define STRATA_FAKE_DRIVER_H

#include <stddef.h>

#include <strata.h>
#include <strata/driver.h>

#define FAKE_MAX_ROWS 64
#define FAKE_MAX_STMTS 256

/* How many times each slot was called. */
typedef struct fake_calls {
	int open, close, exec, begin, commit, rollback, lock, unlock;
	int history_ensure, history_list, history_insert, history_update,
	    history_delete;
	int apply_tx;
} fake_calls;

typedef struct fake_db {
	/* the history table */
	int table_exists;
	strata_history_row rows[FAKE_MAX_ROWS];  /* owned strings */
	size_t nrows;

	/* the "schema": statement texts (owned) */
	char *committed[FAKE_MAX_STMTS];
	size_t ncommitted;
	char *pending[FAKE_MAX_STMTS];           /* of the open transaction */
	size_t npending;
	int in_tx;
	int locked;

	fake_calls calls;
	int statements_run;      /* statements executed, by exec or apply_tx */
	double lock_timeout;     /* the timeout of the last lock call */
	char trace[8192];        /* "lock ensure list insert(~format,meta) ..." */
	int violations;
	char violation[256];     /* the first one */

	/* script */
	char fail_match[256];    /* exec fails when its text contains this */
	char fail_message[256];
	long fail_position;      /* reported as err->position */
	char fail_sqlstate[6];   /* reported as err->sqlstate ("42000" if "") */
	int fail_in_tx_only;     /* fail only inside a transaction */
	int fail_lock;           /* lock returns STRATA_ELOCK */
	char commit_match[256];  /* a statement containing this commits the
	                            open transaction implicitly, as MySQL's
	                            DDL does (after it ran, with it) */
	int session_resets;      /* session_reset calls */

	/* private: the history as it was at begin */
	strata_history_row snap[FAKE_MAX_ROWS];
	size_t nsnap;
	double tx_started;
} fake_db;

extern fake_db fake;

/* Registers the three drivers (once per process; later calls do nothing). */
void fake_register(void);

/* Frees and clears the whole fake database and its script. */
void fake_reset(void);

/* Every statement whose text contains `match` fails with `message` (and
 * err->position = position) until called again; NULL stops failing.
 * Resets fail_sqlstate and fail_in_tx_only (set those after). */
void fake_fail_exec(const char *match, const char *message, long position);

/* Puts a copy of `row` straight into the history table (creating it). */
void fake_put_row(const strata_history_row *row);

/* The row whose version is exactly `version`, or NULL. */
const strata_history_row *fake_row(const char *version);

/* Number of rows other than the format row. */
size_t fake_migration_rows(void);

/* Number of committed statements that contain `text`. */
int fake_committed(const char *text);

/* Number of times `token` occurs in the trace. */
int fake_traced(const char *token);

#endif
