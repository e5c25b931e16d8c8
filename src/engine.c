/* src/engine.c - executes plans: the migration lock, one transaction per
 * migration with its history row, statement-by-statement runs with
 * progress, single-transaction runs, dry runs, redo, repair, baseline. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <pwd.h>
#include <unistd.h>

#include "engine.h"
#include "repeatable.h"
#include "sql.h"
#include <strata/driver.h>
#include "takeover.h"
#include "version.h"

/* ------------------------------------------------------------ helpers */

/* The OS user running strata, for the history's applied_by column. */
static const char *current_user(void)
{
	static char name[64];
	if (name[0])
		return name;
	const char *env = getenv("USER");
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_name)
		snprintf(name, sizeof(name), "%s", res->pw_name);
	else if (env && *env)
		snprintf(name, sizeof(name), "%s", env);
	else
		snprintf(name, sizeof(name), "uid %ld", (long)geteuid());
	return name;
}

/* Puts the text of `fmt` in front of err->message; returns err->code. */
static int error_prefix(strata_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int error_prefix(strata_error *err, const char *fmt, ...)
{
	char head[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	strata_buf sb = STRATA_BUF_INIT;
	strata_buf_puts(&sb, head);
	strata_buf_puts(&sb, err->message);
	if (!sb.oom) {
		size_t n = sb.len < sizeof(err->message) ? sb.len : sizeof(err->message) - 1;
		memcpy(err->message, sb.buf, n);
		err->message[n] = '\0';
	}
	strata_buf_release(&sb);
	return err->code;
}

/* The name to print after a version in "VERSION_name": none for a
 * repeatable migration, whose key holds its name. */
static const char *label_name(const char *version, const char *name)
{
	return strata_repeatable_key(version) || !name ? "" : name;
}

static strata_error *use_err(strata_error *err, strata_error *local)
{
	if (err) {
		strata_error_clear(err);
		return err;
	}
	strata_error_clear(local);
	return local;
}

int strata_history_load(strata *db, strata_history *h, strata_error *err)
{
	memset(h, 0, sizeof(*h));
	int rc = db->driver->history_list(db->conn, db->table, &h->rows, &h->n,
	                                  &h->exists, err);
	if (rc)
		return rc;
	return strata_history_view_build(&h->view, h->rows, h->n, err);
}

void strata_history_release(strata_history *h)
{
	strata_history_view_release(&h->view);
	strata_history_rows_free(h->rows, h->n);
	memset(h, 0, sizeof(*h));
}

int strata_source_prepare_c(strata *db, strata_source *src, strata_error *err)
{
	for (size_t i = 0; i < src->n; i++) {
		strata_migration *m = src->items[i];
		if (!m->c)
			continue;
		int rc = strata_cmigration_build(m, db->driver->dialect, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Takes the lock and makes sure the history table exists, with its
 * format row. Reads the history into `h`. */
static int begin_run(strata *db, strata_history *h, strata_error *err)
{
	const strata_driver *d = db->driver;
	int rc = d->lock(db->conn, db->table, db->lock_timeout, err);
	if (rc)
		return rc;
	db->locked = 1;
	rc = d->history_ensure(db->conn, db->table, err);
	if (!rc)
		rc = strata_history_load(db, h, err);
	if (!rc && h->view.format > STRATA_HISTORY_FORMAT)
		return strata_error_set(err, STRATA_EPLAN,
		                        "the history table has format %d, newer than this strata understands (%d); upgrade strata",
		                        h->view.format, STRATA_HISTORY_FORMAT);
	if (!rc && h->view.format < STRATA_HISTORY_FORMAT) {
		strata_history_row fmt = { 0 };
		char num[16];
		snprintf(num, sizeof(num), "%d", STRATA_HISTORY_FORMAT);
		fmt.version = (char *)STRATA_HISTORY_FORMAT_ROW;
		fmt.name = num;
		fmt.checksum = (char *)"";
		fmt.state = STRATA_STATE_PENDING;
		fmt.applied_by = (char *)"strata " STRATA_VERSION_STRING;
		if (h->view.format == 0) {
			rc = d->history_insert(db->conn, db->table, &fmt, err);
		} else if (d->version < 2 || !d->history_upgrade) {
			/* a driver that cannot upgrade keeps its own layout, and
			 * the format row keeps saying which one it is */
			return rc;
		} else {
			/* an older layout: brought up to date in place, under the
			 * lock, then the format row says so */
			int from = h->view.format;
			rc = d->history_upgrade(db->conn, db->table, from, err);
			if (rc)
				return error_prefix(err, "upgrading history table %s from format %d: ",
				                           db->table, from);
			rc = d->history_update(db->conn, db->table, &fmt, err);
			if (!rc)
				strata_log(db, STRATA_LOG_INFO,
				           "history table %s upgraded from format %d to %d",
				           db->table, from, STRATA_HISTORY_FORMAT);
		}
		if (!rc)
			h->view.format = STRATA_HISTORY_FORMAT;
	}
	return rc;
}

static void end_run(strata *db, strata_history *h)
{
	if (db->locked) {
		strata_error ignored = { 0 };
		db->driver->unlock(db->conn, db->table, &ignored);
		db->locked = 0;
	}
	strata_history_release(h);
}

/* Converts a server error position inside statement `s` to file line and
 * column, and names the migration. */
static void locate_error(strata_error *err, const strata_migration *m,
                         const char *version, const char *name,
                         const strata_part *part, const strata_stmt *s,
                         long index, long total)
{
	int line = s->line, col = s->column;
	if (err->position > 0 && (size_t)err->position <= s->len) {
		for (long i = 0; i < err->position - 1; i++) {
			if (s->sql[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
	}
	const char *file = part && part->file ? part->file
	                 : m && m->c && m->c->file ? m->c->file : "";
	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = m && m->c ? m->c->line : line;
	err->column = m && m->c ? 0 : col;
	snprintf(err->version, sizeof(err->version), "%s", version);
	err->statement = index;
	strata_buf sb = STRATA_BUF_INIT;
	name = label_name(version, name);
	strata_buf_printf(&sb, "%s (migration %s%s%s, statement %ld of %ld)",
	              err->message, version, *name ? "_" : "", name, index, total);
	if (!sb.oom) {
		size_t n = sb.len < sizeof(err->message) ? sb.len : sizeof(err->message) - 1;
		memcpy(err->message, sb.buf, n);
		err->message[n] = '\0';
	}
	strata_buf_release(&sb);
	/* out of memory and a lost connection keep their own exit codes */
	if (err->code != STRATA_ECONNLOST && err->code != STRATA_ENOMEM)
		err->code = STRATA_ESQL;
}

/* A one-line description for the history's last_error column. */
static char *describe_error(const strata_error *err)
{
	strata_buf sb = STRATA_BUF_INIT;
	if (err->file[0])
		strata_buf_printf(&sb, "%s:%d: %s", err->file, err->line, err->message);
	else
		strata_buf_puts(&sb, err->message);
	return strata_buf_detach(&sb);
}

static int any_no_tx(const strata_part *p, const strata_stmt **first)
{
	for (size_t i = 0; i < p->nstmts; i++)
		if (p->stmts[i].flags & STRATA_STMT_NO_TX) {
			*first = &p->stmts[i];
			return 1;
		}
	return 0;
}

/* Whether the part runs in one transaction, logging why not. */
static int runs_in_tx(strata *db, const strata_migration *m,
                      const strata_part *p)
{
	if (p->no_transaction)
		return 0;
	const strata_stmt *s;
	if (!(db->driver->caps & STRATA_CAP_TRANSACTIONAL_DDL)) {
		/* DDL commits implicitly (MySQL): only DML shares a transaction */
		for (size_t i = 0; i < p->nstmts; i++)
			if (p->stmts[i].flags & STRATA_STMT_DDL)
				return 0;
	}
	if (any_no_tx(p, &s)) {
		strata_log(db, STRATA_LOG_INFO,
		           "migration %s: the statement at line %d cannot run in a transaction; "
		           "running the migration statement by statement",
		           m ? m->version : "?", s->line);
		return 0;
	}
	return 1;
}

static void emit(strata *db, strata_event_type type, strata_direction dir,
                 const char *version, const char *name, size_t nstmts,
                 double seconds, int tx)
{
	strata_event ev = { 0 };
	ev.type = type;
	ev.direction = dir;
	ev.version = version;
	ev.name = name;
	ev.statements = (long)nstmts;
	ev.seconds = seconds;
	ev.transactional = tx;
	strata_emit(db, &ev);
}

/* The down SQL a history row keeps, for a `down` after the file is gone.
 * A down part marked transaction:false keeps its marker line in front of
 * its SQL, so that it still runs statement by statement then (DROP INDEX
 * CONCURRENTLY cannot run in a transaction); the line is an SQL comment.
 * Returns the part's own text, or a copy in *owned (free it); NULL with
 * *owned NULL when the part is absent, or out of memory. */
#define DOWN_NO_TX_MARKER "-- migrate:down transaction:false\n"

static const char *stored_down(const strata_migration *m, char **owned,
                               int *nomem)
{
	*owned = NULL;
	*nomem = 0;
	if (!m->down.text || !m->down.no_transaction)
		return m->down.text;
	size_t k = strlen(DOWN_NO_TX_MARKER);
	*owned = malloc(k + m->down.len + 1);
	if (!*owned) {
		*nomem = 1;
		return NULL;
	}
	memcpy(*owned, DOWN_NO_TX_MARKER, k);
	memcpy(*owned + k, m->down.text, m->down.len);
	(*owned)[k + m->down.len] = '\0';
	return *owned;
}

/* Whether stored down SQL starts with the transaction:false marker (and
 * only spaces after it on its line). */
static int stored_down_no_tx(const char *sql)
{
	size_t k = strlen(DOWN_NO_TX_MARKER) - 1;
	if (!sql || strncmp(sql, DOWN_NO_TX_MARKER, k) != 0)
		return 0;
	sql += k;
	while (*sql == ' ' || *sql == '\t' || *sql == '\r')
		sql++;
	return *sql == '\n' || *sql == '\0';
}

/* A part whose SQL comes from the history table (file gone). */
static int part_from_history(strata_part *p, const strata_history_row *row,
                             strata_dialect dialect, strata_error *err)
{
	memset(p, 0, sizeof(*p));
	p->text = strdup(row->down_sql ? row->down_sql : "");
	if (!p->text)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	p->len = strlen(p->text);
	p->no_transaction = stored_down_no_tx(p->text);
	p->first_line = 1;
	p->file = NULL;
	int rc = strata_sql_split(&p->stmts, &p->nstmts, p->text, p->len,
	                          dialect, 1, err);
	if (!rc)
		rc = strata_part_check_tx(p, NULL, 1, err);
	if (rc) {
		snprintf(err->version, sizeof(err->version), "%s", row->version);
		strata_part_release(p);
	}
	return rc;
}


/* ------------------------------------------------------ one migration */

typedef struct step_ctx {
	strata *db;
	const strata_migration *m;     /* NULL when the file is gone */
	const strata_history_row *row; /* its history row, NULL for a fresh up */
	const char *version;
	const char *name;
	const strata_part *part;       /* the SQL to run */
	strata_direction dir;
	strata_part history_part;      /* owned: down SQL from the history */
	const char *down_sql;          /* what the row keeps (stored_down) */
	char *down_stored;             /* owned: stored_down()'s copy */
	int user_tx;                   /* the part has BEGIN/COMMIT... itself */
	int reapply;                   /* an up whose row exists: a repeatable
	                                  migration applied again (or a resume),
	                                  which updates its row */
} step_ctx;

static void step_close(step_ctx *s)
{
	strata_part_release(&s->history_part);
	free(s->down_stored);
	s->down_stored = NULL;
}

/* Sets up running `m` in `dir`; `row` is its history row (NULL for a
 * fresh up). A down whose file is gone runs the row's stored down SQL.
 * Release with step_close(). */

static int step_open(step_ctx *s, strata *db, const strata_migration *m,
                     const strata_history_row *row, strata_direction dir,
                     strata_error *err)
{
	memset(s, 0, sizeof(*s));
	s->db = db;
	s->m = m;
	s->row = row;
	s->dir = dir;
	/* the row's version text is the one stored: match it exactly */
	s->version = row ? row->version : m->version;
	s->name = row ? row->name : m->name;
	s->reapply = dir == STRATA_UP && row != NULL;
	if (dir == STRATA_UP) {
		s->part = &m->up;
	} else if (m) {
		s->part = &m->down;
	} else {
		int rc = part_from_history(&s->history_part, row,
		                           db->driver->dialect, err);
		if (rc)
			return rc;
		s->part = &s->history_part;
	}
	for (size_t i = 0; i < s->part->nstmts; i++)
		if (s->part->stmts[i].flags & STRATA_STMT_TX_CONTROL)
			s->user_tx = 1;
	if (m) {
		int nomem;
		s->down_sql = stored_down(m, &s->down_stored, &nomem);
		if (nomem) {
			step_close(s);
			return strata_error_set(err, STRATA_ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* Reports the start of a step; returns its start time. */
static double step_started(const step_ctx *s, int tx)
{
	emit(s->db, STRATA_EVENT_MIGRATION_START, s->dir, s->version, s->name,
	     s->part->nstmts, 0, tx);
	return strata_clock_now();
}

/* Reports how a step ended; returns rc. */
static int step_ended(const step_ctx *s, int rc, double t0, int tx)
{
	emit(s->db, rc ? STRATA_EVENT_MIGRATION_FAILED : STRATA_EVENT_MIGRATION_DONE,
	     s->dir, s->version, s->name, s->part->nstmts, strata_clock_now() - t0, tx);
	return rc;
}

static void fill_row(strata_history_row *row, const step_ctx *s)
{
	memset(row, 0, sizeof(*row));
	row->version = (char *)s->version;
	row->name = (char *)s->name;
	if (s->m) {
		row->checksum = (char *)s->m->checksum;
		row->down_sql = (char *)s->down_sql;
	} else if (s->row) {
		/* a down with the file gone keeps what the row stored */
		row->checksum = s->row->checksum;
		row->down_sql = s->row->down_sql;
	}
	row->state = STRATA_STATE_APPLIED;
	row->statements_done = row->statements_total = (long)s->part->nstmts;
	row->applied_by = (char *)current_user();
}

/* Runs one split statement. */
static int exec_one(strata *db, const strata_stmt *st, strata_error *err)
{
	const strata_driver *d = db->driver;
	if (d->exec_stmt)
		return d->exec_stmt(db->conn, st, err);
	if (st->flags & STRATA_STMT_COPY_IN)
		return strata_error_set(err, STRATA_EUNSUPPORTED,
		                        "COPY ... FROM stdin is not supported by the %s driver",
		                        d->name);
	return d->exec(db->conn, st->sql, st->len, err);
}

/* The session's transaction state after the last statement (STRATA_TX_*),
 * or -1 when the driver cannot tell (then only strata's own COMMIT and
 * ROLLBACK end its transactions). */
static int session_tx(const strata *db)
{
	const strata_driver *d = db->driver;
	if (d->version < 2 || !d->tx_state)
		return -1;
	return d->tx_state(db->conn);
}

/* Whether a transaction of the migration's own is open or aborted now. */
static int own_tx_open(const strata *db)
{
	int st = session_tx(db);
	return st == STRATA_TX_OPEN || st == STRATA_TX_ABORTED;
}

/* Gives the session back what the last migration may have changed in it
 * (search_path, the current database) before the next one runs. */
static int reset_session(strata *db, strata_error *err)
{
	const strata_driver *d = db->driver;
	if (d->version < 2 || !d->session_reset)
		return 0;
	return d->session_reset(db->conn, err);
}

/* An error writing the step's history row: names the migration and the
 * table. Returns err->code. */
static int history_error(const step_ctx *s, strata_error *err)
{
	snprintf(err->version, sizeof(err->version), "%s", s->version);
	const char *name = label_name(s->version, s->name);
	return error_prefix(err, "could not record migration %s%s%s in history table %s: ",
	                    s->version, *name ? "_" : "", name, s->db->table);
}

/* After a lock wait expired (attempt 1, 2, ...): whether to try again;
 * if so, reports it and sleeps with exponential backoff. */
static int retry_after_lock_timeout(const step_ctx *s, int attempt,
                                    const strata_error *err)
{
	if (!err->retryable || attempt > s->db->ddl_lock_retries)
		return 0;
	double delay = 0.25;
	for (int i = 1; i < attempt && delay < 8.0; i++)
		delay *= 2;
	strata_log(s->db, STRATA_LOG_WARN,
	           "migration %s: a lock wait timed out (%s); retry %d of %d in %.2g s",
	           s->version, err->message, attempt, s->db->ddl_lock_retries, delay);
	strata_sleep(delay);
	return 1;
}

/* Whether statement `st` of a statement-by-statement run shares a
 * transaction with its progress update, so that both land or neither
 * does and a run killed at any moment leaves no doubt about it: every
 * statement that can run in a transaction where DDL is transactional
 * (PostgreSQL, SQLite), DML where DDL commits implicitly (MySQL). The
 * rest commits on its own and is "in doubt" when a run dies during it. */
static int shares_tx(const step_ctx *s, const strata_stmt *st)
{
	/* a migration that opens and commits transactions itself (with
	 * transaction:false) gets them as written */
	if ((st->flags & STRATA_STMT_NO_TX) || s->user_tx)
		return 0;
	return (s->db->driver->caps & STRATA_CAP_TRANSACTIONAL_DDL) ||
	       !(st->flags & STRATA_STMT_DDL);
}

/* last_error of a row whose statement in flight runs outside a
 * transaction although the lexer thought it could share one: a run that
 * dies then leaves it in doubt (see in_doubt()). */
#define IN_FLIGHT_NOTE "in flight outside a transaction: statement "

/* Whether the statement in flight of interrupted row `row` (statement
 * statements_done + 1 of part `s->part`) may have taken effect without
 * its progress update. */
static int in_doubt(const step_ctx *s, const strata_history_row *row)
{
	size_t i = row->statements_done > 0 ? (size_t)row->statements_done : 0;
	if (i >= s->part->nstmts)
		return 0;
	if (row->last_error &&
	    strncmp(row->last_error, IN_FLIGHT_NOTE, strlen(IN_FLIGHT_NOTE)) == 0)
		return 1;
	/* the migration's own BEGIN changes nothing that lasts */
	if (s->part->stmts[i].flags & STRATA_STMT_TX_OPENS)
		return 0;
	return !shares_tx(s, &s->part->stmts[i]);
}

/* Records that `done` statements ran: the progress, or after the last one
 * the end state (applied; a down removes the row). */
static int record_progress(const step_ctx *s, size_t done,
                           strata_history_row *row, double t0,
                           strata_error *err)
{
	const strata_driver *d = s->db->driver;
	row->statements_done = (long)done;
	if (done < s->part->nstmts)
		return d->history_update(s->db->conn, s->db->table, row, err);
	if (s->dir == STRATA_DOWN)
		return d->history_delete(s->db->conn, s->db->table, s->version, err);
	row->state = STRATA_STATE_APPLIED;
	row->duration = strata_clock_now() - t0;
	return d->history_update(s->db->conn, s->db->table, row, err);
}

/* Leaves the row failed at statement `i` (0-based) with the error. */
static void record_failure(const step_ctx *s, size_t i, strata_history_row *row,
                           const strata_error *err)
{
	char *desc = describe_error(err);
	row->state = s->dir == STRATA_UP ? STRATA_STATE_FAILED
	                                 : STRATA_STATE_REVERT_FAILED;
	row->statements_done = (long)i;
	row->last_error = desc;
	strata_error ignored = { 0 };
	if (s->db->driver->history_update(s->db->conn, s->db->table, row, &ignored))
		strata_log(s->db, STRATA_LOG_ERROR,
		           "could not record the failure of migration %s: %s",
		           s->version, ignored.message);
	row->last_error = NULL;
	free(desc);
}

/* Runs statements [i, end), in one transaction when `tx` (begun here and,
 * on error, rolled back), retrying after lock timeouts. On failure *at is
 * the statement that failed. When a statement ended the transaction
 * itself (it committed implicitly), *ended is set, *at is that statement
 * and the rest of the group is left: statements [i, *at] landed. */
static int exec_group(const step_ctx *s, size_t i, size_t end, int tx,
                      size_t *at, int *ended, strata_error *err)
{
	const strata_driver *d = s->db->driver;
	int rc, attempt = 0;
	*ended = 0;
	do {
		strata_error_clear(err);
		*at = i;
		rc = tx ? d->begin(s->db->conn, err) : 0;
		while (!rc && *at < end) {
			rc = exec_one(s->db, &s->part->stmts[*at], err);
			if (rc)
				break;
			if (tx && session_tx(s->db) == STRATA_TX_NONE) {
				*ended = 1;
				return 0;
			}
			(*at)++;
		}
		if (rc && tx) {
			strata_error ignored = { 0 };
			d->rollback(s->db->conn, &ignored);
		}
	} while (rc && retry_after_lock_timeout(s, ++attempt, err));
	if (*at >= end)
		*at = end - 1;
	return rc;
}

/* Runs statement `i` outside a transaction after the server refused it
 * inside one: first notes in the row that it is in flight on its own, so
 * that a run dying during it leaves it in doubt rather than re-run. */
static int exec_alone(const step_ctx *s, size_t i, strata_history_row *row,
                      strata_error *err)
{
	char note[sizeof(IN_FLIGHT_NOTE) + 24];
	snprintf(note, sizeof(note), IN_FLIGHT_NOTE "%zu", i + 1);
	strata_log(s->db, STRATA_LOG_INFO,
	           "migration %s: statement %zu cannot run in a transaction (%s); "
	           "running it on its own", s->version, i + 1, err->message);
	row->statements_done = (long)i;
	row->last_error = note;
	int rc = s->db->driver->history_update(s->db->conn, s->db->table, row, err);
	row->last_error = NULL;
	if (rc)
		return history_error(s, err);
	size_t at;
	int ended;
	return exec_group(s, i, i + 1, 0, &at, &ended, err);
}

/* Runs statements [from, n) with their progress in the history row.
 *
 * Each statement that can share a transaction with its progress update
 * does (shares_tx), so that a run killed at any moment leaves the row
 * exact: only a statement that commits on its own (MySQL DDL, CREATE
 * INDEX CONCURRENTLY) can be in doubt, and only while it is in flight.
 * When the part runs statement by statement only because some statements
 * cannot run in a transaction, not because it asked for transaction:false,
 * a run of statements that can shares one transaction and one update. A
 * part with transaction:false gets one transaction and one update per
 * statement, as the user asked.
 *
 * A part that opens and ends transactions itself (transaction:false) runs
 * them as written: its progress updates made inside one of them land
 * with it, and a failure inside one rolls it back and records the
 * progress from before its BEGIN (`durable`). When the driver says a
 * statement ended strata's transaction (it committed implicitly), what
 * ran so far is recorded and the rest goes on one statement at a time. */
static int exec_range(const step_ctx *s, size_t from, strata_history_row *row,
                      double t0, strata_error *err)
{
	const strata_driver *d = s->db->driver;
	const strata_part *p = s->part;
	int batch = !p->no_transaction;
	size_t i = from, durable = from;
	while (i < p->nstmts) {
		int tx = shares_tx(s, &p->stmts[i]), ended;
		size_t end = i + 1, at;
		if (tx && batch)
			while (end < p->nstmts && shares_tx(s, &p->stmts[end]))
				end++;
		int rc = exec_group(s, i, end, tx, &at, &ended, err);
		/* the server refused to run it inside a transaction block
		 * (the driver says so: err->not_in_tx): it runs again on its
		 * own */
		if (rc == STRATA_ESQL && tx && err->not_in_tx) {
			if (end - i > 1) {
				/* find which one, one at a time */
				batch = 0;
				continue;
			}
			tx = 0;
			at = i;
			rc = exec_alone(s, i, row, err);
		}
		if (!rc && ended) {
			strata_log(s->db, STRATA_LOG_WARN,
			           "migration %s: statement %zu (line %d) ended the transaction strata "
			           "ran it in (it commits implicitly); recording what ran and going on "
			           "statement by statement", s->version, at + 1, p->stmts[at].line);
			end = at + 1;
			tx = 0;
			batch = 0;
		}
		size_t done = i;
		if (!rc && !tx && end == p->nstmts && own_tx_open(s->db))
			rc = strata_error_set(err, STRATA_ESQL,
			                      "the migration ends with its own transaction still open "
			                      "(a BEGIN without COMMIT); it was rolled back");
		if (rc) {
			locate_error(err, s->m, s->version, s->name, p, &p->stmts[at],
			             (long)at + 1, (long)p->nstmts);
			if (!tx && own_tx_open(s->db)) {
				/* the migration's own transaction: rolled back here, as
				 * closing the session would; what it held did not land,
				 * its progress updates with it */
				strata_error ignored = { 0 };
				d->rollback(s->db->conn, &ignored);
				done = durable;
			}
			/* with the connection gone nothing can be recorded; the
			 * row still says which statement was in flight */
			if (err->code != STRATA_ECONNLOST)
				record_failure(s, done, row, err);
			return err->code;
		}
		/* outside a transaction of its own, what ran has landed */
		if (!tx && !own_tx_open(s->db))
			durable = end;
		rc = record_progress(s, end, row, t0, err);
		if (rc)
			history_error(s, err);
		if (!rc && tx)
			rc = d->commit(s->db->conn, err);
		if (rc) {
			/* with a shared transaction the statements are undone
			 * too, and the row still says so */
			if (tx) {
				strata_error ignored = { 0 };
				d->rollback(s->db->conn, &ignored);
			}
			return rc;
		}
		if (tx)
			durable = end;
		i = end;
	}
	return 0;
}

/* Statement by statement, progress in the history row. `resume_from` is
 * the first statement to run; `existing` the row when resuming. */
static int run_stepwise(const step_ctx *s, size_t resume_from,
                        const strata_history_row *existing, strata_error *err)
{
	const strata_driver *d = s->db->driver;
	strata_history_row row;
	fill_row(&row, s);
	double t0 = strata_clock_now();
	row.state = s->dir == STRATA_UP ? STRATA_STATE_RUNNING : STRATA_STATE_REVERTING;
	row.statements_done = (long)resume_from;
	/* nothing left to run (an empty part, a resume at its end, e.g.
	 * repair --skip-in-flight of the last statement): the end state in
	 * one write, so that a kill cannot leave the row "interrupted at
	 * statement n+1 of n" between two */
	if (resume_from >= s->part->nstmts && existing)
		return record_progress(s, s->part->nstmts, &row, t0, err)
		       ? history_error(s, err) : 0;
	if (resume_from >= s->part->nstmts && s->dir == STRATA_UP) {
		row.state = STRATA_STATE_APPLIED;
		row.duration = strata_clock_now() - t0;
		return d->history_insert(s->db->conn, s->db->table, &row, err)
		       ? history_error(s, err) : 0;
	}
	int rc;
	if (s->dir == STRATA_UP && !existing)
		rc = d->history_insert(s->db->conn, s->db->table, &row, err);
	else
		rc = d->history_update(s->db->conn, s->db->table, &row, err);
	if (rc)
		return history_error(s, err);
	return exec_range(s, resume_from, &row, t0, err);
}

/* Statement `i` of a migration run in one transaction ended that
 * transaction itself: statements 1 .. i+1 landed (MySQL commits
 * implicitly for DDL that the splitter cannot see, such as a compound
 * statement's). The row says so, and the rest runs statement by
 * statement with its progress, as for a migration without a transaction,
 * so that the history names exactly what landed. */
static int take_over(const step_ctx *s, size_t i, double t0, strata_error *err)
{
	const strata_driver *d = s->db->driver;
	strata_log(s->db, STRATA_LOG_WARN,
	           "migration %s: statement %zu (line %d) ended the transaction strata ran "
	           "the migration in (it commits implicitly); what ran so far stays, and the "
	           "rest runs statement by statement with its progress in the history",
	           s->version, i + 1, s->part->stmts[i].line);
	strata_history_row row;
	fill_row(&row, s);
	row.state = s->dir == STRATA_UP ? STRATA_STATE_RUNNING : STRATA_STATE_REVERTING;
	row.statements_done = (long)i + 1;
	int rc = s->dir == STRATA_UP && !s->reapply
	         ? d->history_insert(s->db->conn, s->db->table, &row, err)
	         : d->history_update(s->db->conn, s->db->table, &row, err);
	if (!rc && i + 1 >= s->part->nstmts)
		rc = record_progress(s, s->part->nstmts, &row, t0, err);
	if (rc)
		return history_error(s, err);
	return exec_range(s, i + 1, &row, t0, err);
}

/* The statements and the history change inside the current transaction.
 * When a statement ends that transaction, sets *ended and goes on with
 * take_over(): the caller neither commits nor rolls back then. */
static int exec_in_tx(const step_ctx *s, double t0, int *ended,
                      strata_error *err)
{
	const strata_driver *d = s->db->driver;
	const strata_part *p = s->part;
	*ended = 0;
	for (size_t i = 0; i < p->nstmts; i++) {
		int rc = exec_one(s->db, &p->stmts[i], err);
		if (rc) {
			locate_error(err, s->m, s->version, s->name, p, &p->stmts[i],
			             (long)i + 1, (long)p->nstmts);
			return err->code;
		}
		if (session_tx(s->db) == STRATA_TX_NONE) {
			*ended = 1;
			return take_over(s, i, t0, err);
		}
	}
	int rc;
	if (s->dir == STRATA_DOWN) {
		rc = d->history_delete(s->db->conn, s->db->table, s->version, err);
	} else {
		strata_history_row row;
		fill_row(&row, s);
		row.duration = strata_clock_now() - t0;
		/* a repeatable migration applied again updates its row */
		rc = s->reapply ? d->history_update(s->db->conn, s->db->table, &row, err)
		                : d->history_insert(s->db->conn, s->db->table, &row, err);
	}
	return rc ? history_error(s, err) : 0;
}

/* One migration in its own transaction together with its history row. */
/* The whole part and its history change through the driver's apply_tx
 * (`flags`: 0, or STRATA_HISTORY_IN_TX inside an open transaction), the
 * failing statement located in the migration's file. */
static int apply_whole(const step_ctx *s, int flags, strata_error *err)
{
	strata_history_row row;
	fill_row(&row, s);
	row.duration = -1;
	int op = (s->dir == STRATA_UP ? STRATA_HISTORY_INSERT
	                              : STRATA_HISTORY_DELETE) | flags;
	int rc = s->db->driver->apply_tx(s->db->conn, s->db->table, s->part->stmts,
	                                 s->part->nstmts, (strata_history_op)op,
	                                 &row, err);
	if (rc && err->statement > 0 && (size_t)err->statement <= s->part->nstmts)
		locate_error(err, s->m, s->version, s->name, s->part,
		             &s->part->stmts[err->statement - 1], err->statement,
		             (long)s->part->nstmts);
	else if (rc && err->statement == 0 && err->code != STRATA_ENOTFOUND &&
	         err->code != STRATA_ECONNLOST)
		history_error(s, err);  /* the history change (or the commit) */
	return rc;
}

static int run_tx_once(const step_ctx *s, int *ended, strata_error *err)
{
	const strata_driver *d = s->db->driver;
	double t0 = strata_clock_now();
	*ended = 0;
	/* apply_tx inserts or deletes the row; one applied again updates it */
	if (d->apply_tx && !s->reapply)
		return apply_whole(s, 0, err);
	int rc = d->begin(s->db->conn, err);
	if (rc)
		return rc;
	rc = exec_in_tx(s, t0, ended, err);
	if (*ended)
		return rc;
	if (rc) {
		strata_error ignored = { 0 };
		d->rollback(s->db->conn, &ignored);
		return rc;
	}
	return d->commit(s->db->conn, err);
}

/* run_tx_once, again after a lock wait expired (--ddl-lock-timeout): the
 * transaction was rolled back, so running it again is safe. */
static int run_tx(const step_ctx *s, strata_error *err)
{
	int rc, attempt = 0, ended;
	do {
		strata_error_clear(err);
		rc = run_tx_once(s, &ended, err);
		/* not again once part of it landed: the history has the rest */
	} while (rc && !ended && retry_after_lock_timeout(s, ++attempt, err));
	return rc;
}

static strata_direction step_direction(const strata_step *st)
{
	return st->kind == STRATA_STEP_UP ? STRATA_UP : STRATA_DOWN;
}

/* Says why a repeatable migration runs again (or would, `dry`). */
static void log_reapply(strata *db, const step_ctx *s, int dry)
{
	strata_log(db, STRATA_LOG_INFO,
	           "repeatable migration %s changed since it was applied%s%s%s; %s it again",
	           s->version, s->row->applied_at ? " (at " : "",
	           s->row->applied_at ? s->row->applied_at : "",
	           s->row->applied_at ? ")" : "", dry ? "up would apply" : "applying");
}

/* Runs one step (fresh, not a resume). */
static int run_step(strata *db, const strata_step *step, strata_error *err)
{
	step_ctx s;
	int rc = reset_session(db, err);
	if (!rc)
		rc = step_open(&s, db, step->m, step->row, step_direction(step), err);
	if (rc)
		return rc;
	if (s.reapply)
		log_reapply(db, &s, 0);
	int tx = runs_in_tx(db, s.m, s.part);
	if (tx && s.part->own_wrapper)
		strata_log(db, STRATA_LOG_DEBUG,
		           "migration %s: its own BEGIN and COMMIT around the whole %s part "
		           "are left out; strata's transaction takes their place",
		           s.version, s.dir == STRATA_UP ? "up" : "down");
	double t0 = step_started(&s, tx);
	/* a down keeps the row's stored fields (its down SQL above all) */
	rc = tx ? run_tx(&s, err) : run_stepwise(&s, 0, step->row, err);
	step_ended(&s, rc, t0, tx);
	step_close(&s);
	return rc;
}

/* ------------------------------------------- interrupted migrations */

/* Refuses to go on past interrupted row `row` whose statement in flight
 * is in doubt, naming both ways out. */
static int in_doubt_error(const step_ctx *s, const strata_history_row *row,
                          strata_error *err)
{
	size_t i = (size_t)row->statements_done;
	const strata_stmt *st = &s->part->stmts[i];
	const char *file = s->part->file ? s->part->file
	                 : s->m && s->m->c && s->m->c->file ? s->m->c->file : NULL;
	const char *name = label_name(s->version, s->name);
	strata_error_set(err, STRATA_EDIRTY,
	                 "migration %s%s%s was interrupted during statement %zu of %zu, "
	                 "which commits on its own and may or may not have taken effect; "
	                 "check, then run 'strata repair --resume %s' to run it again or "
	                 "'strata repair --resume --skip-in-flight %s' to count it as done",
	                 s->version, *name ? "_" : "", name, i + 1, s->part->nstmts,
	                 s->version, s->version);
	snprintf(err->version, sizeof(err->version), "%s", s->version);
	err->statement = (long)i + 1;
	if (file) {
		snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = s->m && s->m->c ? s->m->c->line : st->line;
	}
	return STRATA_EDIRTY;
}

/* Reports statements [from, n) of the step as a dry run shows them. */
static void emit_dry_statements(const step_ctx *s, size_t from)
{
	const strata_part *p = s->part;
	for (size_t i = from; i < p->nstmts; i++) {
		char *sql = strndup(p->stmts[i].sql, p->stmts[i].len);
		if (!sql)
			break;
		strata_event ev = { 0 };
		ev.type = STRATA_EVENT_STATEMENT;
		ev.direction = s->dir;
		ev.version = s->version;
		ev.name = s->name;
		ev.sql = sql;
		ev.statement = (long)i + 1;
		ev.statements = (long)p->nstmts;
		ev.dry_run = 1;
		strata_emit(s->db, &ev);
		free(sql);
	}
}

static void emit_dry_run(strata *db, const strata_step *st)
{
	step_ctx s;
	strata_error ignored = { 0 };
	if (step_open(&s, db, st->m, st->row, step_direction(st), &ignored))
		return;
	if (s.reapply)
		log_reapply(db, &s, 1);
	emit_dry_statements(&s, 0);
	step_close(&s);
}

/* Finishes a migration that a run killed or cut off (state running for
 * an up, reverting for a down) left behind, when its statement in flight
 * shared a transaction with its progress update: that statement was
 * rolled back with it, so running on from it is exactly what the
 * interrupted run would have done. One in doubt is refused. Rows of the
 * other direction, failed rows and changed files are left to the planner
 * (which refuses them) and to `repair`. A dry run shows the statements
 * a resume would run and plans the rest as if it had. */
static int resume_interrupted(strata *db, strata_source *src,
                              strata_history *h, strata_direction dir,
                              int dry_run, size_t *done, strata_error *err)
{
	strata_state want = dir == STRATA_UP ? STRATA_STATE_RUNNING
	                                     : STRATA_STATE_REVERTING;
	int resumed = 0;
	for (size_t i = 0; i < h->n; i++) {
		const strata_history_row *r = &h->rows[i];
		if (r->state != want || !r->version ||
		    strcmp(r->version, STRATA_HISTORY_FORMAT_ROW) == 0)
			continue;
		strata_migration *m = strata_source_find(src, r->version);
		if (dir == STRATA_UP && !m)
			continue;
		if (m && m->checksum[0] && r->checksum && r->checksum[0] &&
		    strcmp(m->checksum, r->checksum) != 0)
			continue;
		int rc = m ? strata_migration_prepare(m, db->driver->dialect, err) : 0;
		step_ctx s;
		if (!rc)
			rc = step_open(&s, db, m, r, dir, err);
		if (rc)
			return rc;
		if (in_doubt(&s, r)) {
			rc = in_doubt_error(&s, r, err);
			step_close(&s);
			return rc;
		}
		size_t from = r->statements_done > 0 ? (size_t)r->statements_done : 0;
		if (from > s.part->nstmts)
			from = s.part->nstmts;
		if (dry_run) {
			strata_log(db, STRATA_LOG_INFO,
			           "migration %s was interrupted at statement %zu of %zu; "
			           "up would resume it there", r->version, from + 1,
			           s.part->nstmts);
			emit_dry_statements(&s, from);
			step_close(&s);
			/* plan the rest as if it had resumed: an up is applied,
			 * a reverted down's row is gone (a NULL version is a row
			 * the planner ignores) */
			if (dir == STRATA_UP) {
				h->rows[i].state = STRATA_STATE_APPLIED;
			} else {
				free(h->rows[i].version);
				h->rows[i].version = NULL;
			}
			resumed = 1;
			if (done)
				(*done)++;
			continue;
		}
		if (from < s.part->nstmts)
			strata_log(db, STRATA_LOG_INFO,
			           "migration %s was interrupted at statement %zu of %zu, which was "
			           "rolled back with its progress update; resuming there",
			           r->version, from + 1, s.part->nstmts);
		else
			strata_log(db, STRATA_LOG_INFO,
			           "migration %s was interrupted after its last statement; recording it as %s",
			           r->version, dir == STRATA_UP ? "applied" : "reverted");
		double t0 = step_started(&s, 0);
		rc = reset_session(db, err);
		rc = step_ended(&s, rc ? rc : run_stepwise(&s, from, r, err), t0, 0);
		step_close(&s);
		if (rc)
			return rc;
		resumed = 1;
		if (done)
			(*done)++;
	}
	if (!resumed)
		return 0;
	if (dry_run) {
		strata_history_view_release(&h->view);
		return strata_history_view_build(&h->view, h->rows, h->n, err);
	}
	/* plan against the history as it is now */
	strata_history_release(h);
	return strata_history_load(db, h, err);
}

/* ------------------------------------------------------- whole plans */

/* Splits the SQL of every step before anything runs. */
static int prepare_steps(strata *db, strata_step *steps, size_t n,
                         strata_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!steps[i].m)
			continue;
		int rc = strata_migration_prepare(steps[i].m, db->driver->dialect, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* All steps in one transaction. */
/* One migration of a --single-transaction run: in one round trip with
 * its history change where the driver can do that inside the open
 * transaction (STRATA_CAP_APPLY_IN_TX), else statement by statement. */
static int apply_in_tx(const step_ctx *s, double t0, int *ended,
                       strata_error *err)
{
	const strata_driver *d = s->db->driver;
	int whole = d->apply_tx && (d->caps & STRATA_CAP_APPLY_IN_TX) && !s->reapply;
	*ended = 0;
	for (size_t i = 0; whole && i < s->part->nstmts; i++)
		if (s->part->stmts[i].flags & STRATA_STMT_COPY_IN)
			whole = 0;
	return whole ? apply_whole(s, STRATA_HISTORY_IN_TX, err)
	             : exec_in_tx(s, t0, ended, err);
}

static int run_single_tx(strata *db, strata_step *steps, size_t n,
                         strata_error *err)
{
	const strata_driver *d = db->driver;
	if (!(d->caps & STRATA_CAP_TRANSACTIONAL_DDL))
		return strata_error_set(err, STRATA_EUNSUPPORTED,
		                        "--single-transaction needs transactional DDL, which %s lacks",
		                        d->name);
	for (size_t i = 0; i < n; i++) {
		const strata_migration *m = steps[i].m;
		const strata_part *p = m ? (steps[i].kind == STRATA_STEP_UP ? &m->up : &m->down) : NULL;
		if (m && !runs_in_tx(db, m, p)) {
			strata_error_set(err, STRATA_EPLAN,
			                 "migration %s cannot run in a transaction, so --single-transaction cannot be used",
			                 m->version);
			snprintf(err->version, sizeof(err->version), "%s", m->version);
			return STRATA_EPLAN;
		}
	}
	int rc = d->begin(db->conn, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		step_ctx s;
		int ended = 0;
		rc = reset_session(db, err);
		if (!rc)
			rc = step_open(&s, db, steps[i].m, steps[i].row,
			               step_direction(&steps[i]), err);
		if (rc)
			break;
		double t0 = step_started(&s, 1);
		rc = step_ended(&s, apply_in_tx(&s, t0, &ended, err), t0, 1);
		step_close(&s);
		if (ended && !rc && i + 1 < n) {
			/* the migrations before it landed with it, rows and all */
			strata_log(db, STRATA_LOG_WARN,
			           "the single transaction ended inside migration %s; the "
			           "migrations after it run in a new one", steps[i].m ? steps[i].m->version : "?");
			rc = d->begin(db->conn, err);
		}
	}
	if (rc) {
		strata_error ignored = { 0 };
		d->rollback(db->conn, &ignored);
		return rc;
	}
	return d->commit(db->conn, err);
}

static int check_run_options(const strata_run_options *o, strata_error *err)
{
	if (o->version == 0 || o->version > STRATA_RUN_OPTIONS_VERSION)
		return strata_error_set(err, STRATA_EINVAL,
		                        "strata_run_options version %u not supported", o->version);
	if (o->count < 0)
		return strata_error_set(err, STRATA_EINVAL, "a negative count (%ld)", o->count);
	return 0;
}

/* Plans and runs one direction. */
static int run(strata *db, strata_source *src, const strata_run_options *opts,
               strata_direction dir, size_t *done, strata_error *err)
{
	strata_run_options defaults = STRATA_RUN_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (done)
		*done = 0;
	if (!db || !src)
		return strata_error_set(err, STRATA_EINVAL, "no database or no migrations");
	int rc = check_run_options(opts, err);
	if (!rc)
		rc = strata_source_prepare_c(db, src, err);
	if (rc)
		return rc;
	strata_history h = { 0 };
	rc = opts->dry_run ? strata_history_load(db, &h, err) : begin_run(db, &h, err);
	if (!rc)
		rc = resume_interrupted(db, src, &h, dir, opts->dry_run, done, err);
	strata_step *steps = NULL;
	size_t n = 0;
	if (!rc) {
		strata_plan_request req = { dir, opts->count, opts->target,
		                            opts->allow_out_of_order };
		rc = strata_plan_build(&steps, &n, src, &h.view, &req, err);
	}
	if (!rc)
		rc = prepare_steps(db, steps, n, err);
	if (!rc && opts->dry_run) {
		for (size_t i = 0; i < n; i++)
			emit_dry_run(db, &steps[i]);
		if (done)
			*done += n;
	} else if (!rc && opts->single_transaction && n) {
		rc = run_single_tx(db, steps, n, err);
		if (!rc && done)
			*done += n;
	} else if (!rc) {
		for (size_t i = 0; i < n && !rc; i++) {
			rc = run_step(db, &steps[i], err);
			if (!rc && done)
				(*done)++;
		}
	}
	free(steps);
	end_run(db, &h);
	return rc;
}

int strata_up(strata *db, strata_source *src, const strata_run_options *opts,
              size_t *applied, strata_error *err)
{
	strata_error local;
	return run(db, src, opts, STRATA_UP, applied, use_err(err, &local));
}

int strata_down(strata *db, strata_source *src,
                const strata_run_options *opts, size_t *reverted,
                strata_error *err)
{
	strata_error local;
	return run(db, src, opts, STRATA_DOWN, reverted, use_err(err, &local));
}

int strata_redo(strata *db, strata_source *src,
                const strata_run_options *opts, strata_error *err)
{
	strata_error local;
	err = use_err(err, &local);
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	if (opts)
		o = *opts;
	if (!db || !src)
		return strata_error_set(err, STRATA_EINVAL, "no database or no migrations");
	/* find the newest applied migration: it must have a file to re-apply */
	strata_history h;
	int rc = strata_history_load(db, &h, err);
	if (rc)
		return rc;
	if (h.view.napplied == 0) {
		strata_history_release(&h);
		return strata_error_set(err, STRATA_EPLAN, "nothing to redo: no migration is applied");
	}
	char version[64];
	snprintf(version, sizeof(version), "%s", h.view.applied[h.view.napplied - 1]->version);
	strata_history_release(&h);
	if (!strata_source_find(src, version)) {
		strata_error_set(err, STRATA_EPLAN,
		                 "cannot redo migration %s: its file is gone", version);
		snprintf(err->version, sizeof(err->version), "%s", version);
		return STRATA_EPLAN;
	}
	o.count = 1;
	o.target = NULL;
	rc = run(db, src, &o, STRATA_DOWN, NULL, err);
	if (rc)
		return rc;
	o.count = 0;
	o.target = version;
	return run(db, src, &o, STRATA_UP, NULL, err);
}

/* ------------------------------------------------------------- repair */

static const strata_history_row *find_dirty(const strata_history *h,
                                            const char *version)
{
	for (size_t i = 0; i < h->n; i++) {
		const strata_history_row *r = &h->rows[i];
		if (!r->version || strcmp(r->version, STRATA_HISTORY_FORMAT_ROW) == 0 ||
		    r->state == STRATA_STATE_APPLIED)
			continue;
		if (!version)
			return r;
		/* a repeatable migration's key is matched exactly */
		if (strata_repeatable_key(r->version) || strata_repeatable_key(version)
		    ? strcmp(r->version, version) == 0
		    : strata_version_cmp(r->version, version) == 0)
			return r;
	}
	return NULL;
}

static int repair_resume(strata *db, strata_source *src,
                         const strata_history_row *row, int skip,
                         strata_error *err)
{
	strata_migration *m = strata_source_find(src, row->version);
	int up = row->state == STRATA_STATE_RUNNING || row->state == STRATA_STATE_FAILED;
	if (up && !m) {
		strata_error_set(err, STRATA_EPLAN,
		                 "cannot resume migration %s: its file is gone; use --mark-applied or --forget",
		                 row->version);
		snprintf(err->version, sizeof(err->version), "%s", row->version);
		return STRATA_EPLAN;
	}
	int rc = m ? strata_migration_prepare(m, db->driver->dialect, err) : 0;
	if (rc)
		return rc;
	step_ctx s;
	rc = step_open(&s, db, m, row, up ? STRATA_UP : STRATA_DOWN, err);
	if (rc)
		return rc;
	size_t from = row->statements_done > 0 ? (size_t)row->statements_done : 0;
	if (from > s.part->nstmts)
		from = s.part->nstmts;
	if (skip && from < s.part->nstmts) {
		strata_log(db, STRATA_LOG_INFO,
		           "migration %s: counting statement %zu of %zu (line %d) as done",
		           row->version, from + 1, s.part->nstmts,
		           s.part->stmts[from].line);
		from++;
	}
	if (from < s.part->nstmts)
		strata_log(db, STRATA_LOG_INFO, "resuming migration %s at statement %zu of %zu",
		           row->version, from + 1, s.part->nstmts);
	else
		strata_log(db, STRATA_LOG_INFO, "migration %s: no statement left to run; recording it as %s",
		           row->version, up ? "applied" : "reverted");
	double t0 = step_started(&s, 0);
	rc = step_ended(&s, run_stepwise(&s, from, row, err), t0, 0);
	step_close(&s);
	return rc;
}

int strata_repair(strata *db, strata_source *src, strata_repair_mode mode,
                  const char *version, strata_error *err)
{
	strata_error local;
	err = use_err(err, &local);
	if (!db || !src)
		return strata_error_set(err, STRATA_EINVAL, "no database or no migrations");
	if (mode != STRATA_REPAIR_RESUME && mode != STRATA_REPAIR_MARK_APPLIED &&
	    mode != STRATA_REPAIR_FORGET && mode != STRATA_REPAIR_RESUME_SKIP)
		return strata_error_set(err, STRATA_EINVAL, "unknown repair mode %d", (int)mode);
	int rc = strata_source_prepare_c(db, src, err);
	if (rc)
		return rc;
	strata_history h = { 0 };
	rc = begin_run(db, &h, err);
	const strata_history_row *row = NULL;
	int applied = 0;
	if (!rc) {
		row = find_dirty(&h, version);
		/* an applied repeatable migration may be forgotten: its file
		 * is gone, or it is to run again */
		if (!row && mode == STRATA_REPAIR_FORGET &&
		    (row = strata_history_view_find_repeatable(&h.view, version)))
			applied = 1;
		if (!row && version && strata_repeatable_key(version))
			rc = strata_error_set(err, STRATA_ENOTFOUND,
			                      "repeatable migration %s is not failed or running%s; nothing to repair",
			                      version, mode == STRATA_REPAIR_FORGET ? " and has no row" : "");
		else if (!row && version)
			rc = strata_error_set(err, STRATA_ENOTFOUND,
			                      "migration %s is not failed or running; nothing to repair", version);
		else if (!row)
			rc = strata_error_set(err, STRATA_EPLAN,
			                      "nothing to repair: no migration is failed or running");
		else if (!version && h.view.ndirty > 1)
			rc = strata_error_set(err, STRATA_EPLAN,
			                      "%zu migrations need repair; name one: strata repair MODE VERSION",
			                      h.view.ndirty);
	}
	if (!rc) {
		const strata_driver *d = db->driver;
		strata_migration *m = strata_source_find(src, row->version);
		if (mode == STRATA_REPAIR_RESUME || mode == STRATA_REPAIR_RESUME_SKIP) {
			rc = repair_resume(db, src, row, mode == STRATA_REPAIR_RESUME_SKIP, err);
		} else if (mode == STRATA_REPAIR_FORGET) {
			rc = d->history_delete(db->conn, db->table, row->version, err);
			if (!rc && applied && m)
				strata_log(db, STRATA_LOG_INFO,
				           "forgot repeatable migration %s; the next up applies it again",
				           row->version);
			else if (!rc)
				strata_log(db, STRATA_LOG_INFO, "forgot migration %s", row->version);
		} else {
			strata_history_row fixed = *row;
			fixed.state = STRATA_STATE_APPLIED;
			fixed.statements_done = fixed.statements_total;
			fixed.last_error = NULL;
			char *owned = NULL;
			int nomem = 0;
			if (m) {
				fixed.checksum = m->checksum;
				fixed.down_sql = (char *)stored_down(m, &owned, &nomem);
			}
			rc = nomem ? strata_error_set(err, STRATA_ENOMEM, "out of memory")
			     : d->history_update(db->conn, db->table, &fixed, err);
			free(owned);
			if (!rc)
				strata_log(db, STRATA_LOG_INFO, "marked migration %s as applied", row->version);
		}
	}
	end_run(db, &h);
	return rc;
}

/* ----------------------------------------------------------- baseline */

/* Records the `n` migrations of `items` as applied without running them,
 * in one transaction, under the lock begin_run took (strata's history
 * must be empty). */
static int record_applied(strata *db, const strata_source *src,
                          const strata_history *h,
                          const strata_takeover_entry *items, size_t n,
                          const char *by, strata_error *err)
{
	if (h->view.napplied || h->view.ndirty || h->view.nrepeatable)
		return strata_error_set(err, STRATA_EPLAN,
		                        "baseline refused: the history table already records %zu migrations",
		                        h->view.napplied + h->view.ndirty + h->view.nrepeatable);
	const strata_driver *d = db->driver;
	int rc = d->begin(db->conn, err);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < n; i++) {
		strata_migration *m = items[i].m;
		strata_history_row row = { 0 };
		row.version = m->version;
		row.name = m->name;
		row.checksum = m->checksum;
		row.state = STRATA_STATE_APPLIED;
		/* the other tool's time, for a driver that keeps it */
		if (d->version >= 3)
			row.applied_at = (char *)items[i].applied_at;
		char *owned;
		int nomem;
		row.down_sql = (char *)stored_down(m, &owned, &nomem);
		row.applied_by = (char *)by;
		rc = nomem ? strata_error_set(err, STRATA_ENOMEM, "out of memory")
		     : d->history_insert(db->conn, db->table, &row, err);
		free(owned);
	}
	if (rc) {
		strata_error ignored = { 0 };
		d->rollback(db->conn, &ignored);
		return rc;
	}
	rc = d->commit(db->conn, err);
	/* as Flyway's baseline: they run at the next up, being meant to run
	 * again and again */
	if (!rc && src->nrepeatable)
		strata_log(db, STRATA_LOG_INFO,
		           "%zu repeatable migration%s not recorded; the next up applies %s",
		           src->nrepeatable, src->nrepeatable == 1 ? " is" : "s are",
		           src->nrepeatable == 1 ? "it" : "them");
	return rc;
}

int strata_baseline(strata *db, strata_source *src, const char *version,
                    size_t *recorded, strata_error *err)
{
	strata_error local;
	err = use_err(err, &local);
	if (recorded)
		*recorded = 0;
	if (!db || !src || !version)
		return strata_error_set(err, STRATA_EINVAL, "baseline needs a version");
	if (!strata_version_valid(version, strlen(version)))
		return strata_error_set(err, STRATA_ENOTFOUND,
		                        "\"%s\" is not a version (expected digits, e.g. 20240702105919)",
		                        version);
	if (!strata_source_find(src, version)) {
		strata_error_set(err, STRATA_ENOTFOUND,
		                 "no migration has version %s; baseline names the last migration already in the schema",
		                 version);
		snprintf(err->version, sizeof(err->version), "%s", version);
		return STRATA_ENOTFOUND;
	}
	int rc = strata_source_prepare_c(db, src, err);
	if (rc)
		return rc;
	strata_takeover_entry *items = calloc(src->n ? src->n : 1, sizeof(*items));
	if (!items)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	size_t k = 0;
	while (k < src->n && strata_version_cmp(src->items[k]->version, version) <= 0) {
		items[k].m = src->items[k];
		k++;
	}
	strata_history h = { 0 };
	rc = begin_run(db, &h, err);
	if (!rc)
		rc = record_applied(db, src, &h, items, k, "strata baseline", err);
	if (!rc && recorded)
		*recorded = k;
	end_run(db, &h);
	free(items);
	return rc;
}

/* The table part of "schema.table". */
static const char *bare_table(const char *t)
{
	const char *dot = strrchr(t, '.');
	return dot ? dot + 1 : t;
}

static int read_tool_table(strata *db, const strata_tool_info *tool,
                           const char *table, char ***cells, size_t *nrows,
                           int *exists, strata_error *err)
{
	const strata_driver *d = db->driver;
	if (d->version < 3 || !d->read_table)
		return strata_error_set(err, STRATA_EUNSUPPORTED,
		                        "the %s driver cannot read another tool's history table "
		                        "(it is a version-%u driver)", d->name, d->version);
	int rc = d->read_table(db->conn, table, tool->cols, tool->ncols, tool->time_mask,
	                       cells, nrows, exists, err);
	if (rc == STRATA_ESQL) {
		char msg[sizeof(err->message)];
		snprintf(msg, sizeof(msg), "%s", err->message);
		strata_error_set(err, STRATA_ESQL,
		                 "reading %s's table %s: %s (is it %s's table? nothing was written)",
		                 tool->title, table, msg, tool->title);
	}
	return rc;
}

int strata_baseline_from(strata *db, strata_source *src, const char *tool,
                         const char *table, size_t *recorded, strata_error *err)
{
	strata_error local;
	err = use_err(err, &local);
	if (recorded)
		*recorded = 0;
	if (!db || !src || !tool)
		return strata_error_set(err, STRATA_EINVAL, "baseline --from needs a tool");
	int t = strata_tool_find(tool);
	if (t < 0)
		return strata_error_set(err, STRATA_EINVAL,
		                        "unknown tool \"%s\" for baseline --from (known: dbmate, "
		                        "golang-migrate, goose, flyway, mikro-orm)", tool);
	const strata_tool_info *info = strata_tool_get((strata_tool)t);
	if (!table || !*table)
		table = info->table;
	if (strcasecmp(bare_table(table), bare_table(db->table)) == 0)
		return strata_error_set(err, STRATA_EINVAL,
		                        "strata's own history table is %s, the table baseline --from "
		                        "%s would read: strata never writes another tool's table, so "
		                        "keep its own apart (leave --table out)", db->table, info->name);
	int rc = strata_source_prepare_c(db, src, err);
	if (rc)
		return rc;
	strata_history h = { 0 };
	char **cells = NULL;
	size_t nrows = 0;
	int exists = 0;
	strata_takeover plan = { 0 };
	rc = begin_run(db, &h, err);
	if (!rc)
		rc = read_tool_table(db, info, table, &cells, &nrows, &exists, err);
	if (!rc && !exists)
		rc = strata_error_set(err, STRATA_ENOTFOUND,
		                      "no table %s in this database: nothing for baseline --from %s "
		                      "to read (name %s's table with --from-table)",
		                      table, info->name, info->title);
	if (!rc && t == STRATA_TOOL_DBMATE) {
		/* golang-migrate's table has the same name and one row, the
		 * last version: read as dbmate's it would take over one file */
		const strata_tool_info *gm = strata_tool_get(STRATA_TOOL_GOLANG_MIGRATE);
		char **gc = NULL;
		size_t gn = 0;
		int gexists = 0;
		strata_error ignored = { 0 };
		if (db->driver->read_table(db->conn, table, gm->cols, gm->ncols, gm->time_mask,
		                           &gc, &gn, &gexists, &ignored) == 0 && gexists)
			rc = strata_error_set(err, STRATA_EPLAN,
			                      "%s has golang-migrate's dirty column: it is "
			                      "golang-migrate's table, not dbmate's (use --from "
			                      "golang-migrate); nothing was written", table);
		strata_cells_free(gc, gn * gm->ncols);
	}
	if (!rc)
		rc = strata_takeover_plan((strata_tool)t, table, cells, nrows, src, &plan, err);
	if (!rc && plan.n == 0)
		rc = strata_error_set(err, STRATA_ENOTFOUND,
		                      "%s's table %s records no applied migration: nothing to take "
		                      "over (run strata up instead)", info->title, table);
	char by[64];
	snprintf(by, sizeof(by), "strata baseline --from %s", info->name);
	if (!rc)
		rc = record_applied(db, src, &h, plan.items, plan.n, by, err);
	if (!rc) {
		if (recorded)
			*recorded = plan.n;
		if (plan.older_pending)
			strata_log(db, STRATA_LOG_WARN,
			           "%zu migration%s older than %s (the first: %s) %s not in %s's "
			           "table: %s pending, and up refuses to apply %s out of order "
			           "without --allow-out-of-order",
			           plan.older_pending, plan.older_pending == 1 ? "" : "s",
			           plan.items[plan.n - 1].m->version, plan.first_older,
			           plan.older_pending == 1 ? "is" : "are", info->title,
			           plan.older_pending == 1 ? "it stays" : "they stay",
			           plan.older_pending == 1 ? "it" : "them");
		if (plan.skipped_repeatable)
			strata_log(db, STRATA_LOG_INFO,
			           "%zu repeatable migration%s in Flyway's table not taken over",
			           plan.skipped_repeatable, plan.skipped_repeatable == 1 ? "" : "s");
	}
	strata_takeover_release(&plan);
	strata_cells_free(cells, nrows * info->ncols);
	end_run(db, &h);
	return rc;
}

int strata_other_tool(strata *db, const char **tool, const char **table,
                      size_t *entries, strata_error *err)
{
	strata_error local;
	err = use_err(err, &local);
	*tool = *table = NULL;
	if (entries)
		*entries = 0;
	const strata_driver *d = db->driver;
	if (d->version < 3 || !d->read_table)
		return 0;
	/* golang-migrate before dbmate: the same table, and dirty says which */
	static const strata_tool order[] = { STRATA_TOOL_GOLANG_MIGRATE, STRATA_TOOL_DBMATE,
	                                     STRATA_TOOL_GOOSE, STRATA_TOOL_FLYWAY,
	                                     STRATA_TOOL_MIKRO_ORM };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const strata_tool_info *info = strata_tool_get(order[i]);
		if (strcasecmp(info->table, bare_table(db->table)) == 0)
			continue;
		char **cells = NULL;
		size_t n = 0;
		int exists = 0;
		strata_error e = { 0 };
		int rc = d->read_table(db->conn, info->table, info->cols, info->ncols,
		                       info->time_mask, &cells, &n, &exists, &e);
		strata_cells_free(cells, n * info->ncols);
		if (rc == STRATA_ESQL)
			continue; /* not that tool's columns */
		if (rc)
			return strata_error_set(err, rc, "%s", e.message);
		if (exists && n) {
			*tool = info->name;
			*table = info->table;
			if (entries)
				*entries = n;
			return 0;
		}
	}
	return 0;
}
