/*
 * strata/driver.h - the driver vtable. For driver authors only.
 *
 * A driver is one C file that fills one `struct strata_driver` with
 * designated initializers and exports it as one symbol:
 *
 *   const strata_driver strata_driver_sqlite = {
 *       .version = STRATA_DRIVER_VERSION,
 *       .name = "sqlite",
 *       .schemes = sqlite_schemes,
 *       .open = sq_open, ...
 *   };
 *
 * Versioning: `version` comes first. New slots are only ever appended, and
 * the core checks `version` before it calls a slot that a driver of an older
 * version does not have. strata_driver_register() refuses a driver whose
 * version is 0 or newer than the library.
 *
 * Slots marked MUST are required; MAY slots can be NULL, in which case the
 * core falls back (apply_tx) or reports STRATA_EUNSUPPORTED.
 *
 * Errors: every slot returns 0 or a negative STRATA_E* code and fills `err`
 * (never NULL when the core calls a driver) with the server's message,
 * SQLSTATE and native code. Native codes never leak as return values.
 */
#ifndef STRATA_DRIVER_H
#define STRATA_DRIVER_H

#include <strata.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_DRIVER_VERSION 3

/* The main session's transaction, as tx_state() reports it. */
typedef enum strata_tx_state {
	STRATA_TX_NONE = 0,    /* no transaction is open: everything that ran
	                          has landed (committed, or autocommitted) */
	STRATA_TX_OPEN = 1,    /* a transaction is open */
	STRATA_TX_ABORTED = 2  /* the transaction is lost and nothing of it
	                          will land: an error aborted it (PostgreSQL's
	                          failed transaction block), or the server
	                          rolled it back by itself after an error
	                          (MySQL's deadlock, SQLite's automatic
	                          rollback), or the session is gone */
} strata_tx_state;

/* SQL dialects the splitter knows. */
typedef enum strata_dialect {
	STRATA_DIALECT_GENERIC = 0,
	STRATA_DIALECT_SQLITE = 1,
	STRATA_DIALECT_POSTGRES = 2,
	STRATA_DIALECT_MYSQL = 3
} strata_dialect;

/* Capability flags. */
#define STRATA_CAP_TRANSACTIONAL_DDL 0x01u /* DDL can be rolled back */
#define STRATA_CAP_ADVISORY_LOCK     0x02u /* lock dies with the session */
#define STRATA_CAP_MULTI_STATEMENT   0x04u /* exec accepts many statements */
#define STRATA_CAP_SCHEMAS           0x08u /* --schema is meaningful */
#define STRATA_CAP_APPLY_IN_TX       0x10u /* apply_tx takes
                                              STRATA_HISTORY_IN_TX */

typedef struct strata_driver strata_driver;

/*
 * The base of every connection. A driver embeds it as the FIRST member of
 * its own connection struct and fills it in open().
 */
typedef struct strata_conn {
	const strata_driver *driver;
	strata_log_fn log;         /* may be NULL */
	void *log_data;
	strata_event_fn on_event;  /* may be NULL */
	void *event_data;
} strata_conn;

#define STRATA_CONN_CONFIG_VERSION 2

/* What open() gets. Valid only during the call: copy what you keep. */
typedef struct strata_conn_config {
	unsigned version;          /* STRATA_CONN_CONFIG_VERSION */
	const char *url;           /* the whole URL, scheme included */
	const char *schema;        /* NULL = default */
	const char *application_name;
	strata_log_fn log;
	void *log_data;
	strata_event_fn on_event;
	void *event_data;
	double statement_timeout;  /* seconds, 0 = none: apply to the session */
	double ddl_lock_timeout;   /* seconds, 0 = none: the session's wait for
	                              locks taken by migration statements (not
	                              the migration lock's own session); an
	                              expired wait is reported with
	                              err->retryable = 1 */
	/* version 2 */
	unsigned flags;            /* STRATA_OPEN_* of strata_options: with
	                              STRATA_OPEN_EXISTING, open must not
	                              create the database (return
	                              STRATA_ENOTFOUND instead) */
} strata_conn_config;

/* Statement flags, set by the splitter. */
#define STRATA_STMT_NO_TX 0x01u  /* cannot run inside a transaction */
#define STRATA_STMT_DDL 0x04u    /* a schema statement (CREATE, ALTER, DROP,
                                    RENAME, TRUNCATE, GRANT...), which
                                    MySQL commits implicitly; in the MySQL
                                    dialect also EXECUTE and CALL, which
                                    may run one */
#define STRATA_STMT_COPY_IN 0x02u /* COPY ... FROM stdin: `data` holds rows */
#define STRATA_STMT_TX_CONTROL 0x08u /* BEGIN, START TRANSACTION, COMMIT,
                                       ROLLBACK, END, SAVEPOINT, RELEASE:
                                       the migration manages transactions */
#define STRATA_STMT_TX_OPENS 0x10u /* with TX_CONTROL: BEGIN, START
                                     TRANSACTION */
#define STRATA_STMT_TX_ENDS 0x20u  /* with TX_CONTROL: COMMIT, END, ABORT,
                                     ROLLBACK (not ROLLBACK TO a savepoint),
                                     PREPARE TRANSACTION */

/* One statement of a migration, as split by src/sql. */
typedef struct strata_stmt {
	const char *sql;           /* not NUL-terminated: use len */
	size_t len;
	int line;                  /* 1-based line of its first character */
	int column;                /* 1-based column of its first character */
	unsigned flags;            /* STRATA_STMT_* */
	const char *data;          /* COPY FROM stdin rows (without the
	                              terminating \\. line), else NULL */
	size_t data_len;
} strata_stmt;

/* One row of the history table. Strings are owned by whoever built the row:
 * rows returned by history_list are freed with strata_history_rows_free(). */
typedef struct strata_history_row {
	char *version;
	char *name;
	char *checksum;            /* "sha256:<hex>" */
	strata_state state;        /* APPLIED, RUNNING, FAILED, REVERTING,
	                              REVERT_FAILED */
	long statements_done;
	long statements_total;
	char *down_sql;            /* the down part as applied; may be NULL */
	char *applied_at;          /* ISO 8601 UTC; set by the driver on write
	                              (history_insert of a version-3 driver
	                              keeps a non-NULL one: a row taken over
	                              from another tool) */
	double duration;           /* seconds; < 0 on a write: the driver
	                              stores the time since the current
	                              transaction began (apply_tx) */
	char *applied_by;          /* may be NULL; decided by the engine and
	                              written as given (NULL stays NULL) */
	char *last_error;          /* may be NULL */
} strata_history_row;

/* Frees `n` rows and the array. NULL is a no-op. */
void strata_history_rows_free(strata_history_row *rows, size_t n);

/*
 * Fills `row` from the 11 columns of a history row read as text, in the
 * order of the table's definition below (version, name, checksum, state,
 * statements_done, statements_total, down_sql, applied_at, duration_ms,
 * applied_by, last_error); NULL for SQL NULL. Copies every string (free
 * them with the rows, strata_history_rows_free), reads the numbers and the
 * state (the format row's is STRATA_STATE_PENDING). STRATA_EINTERNAL for
 * an unknown state (naming `table`), STRATA_ENOMEM; `row` is then empty.
 */
int strata_history_row_decode(strata_history_row *row, const char *const *cells,
                              const char *table, strata_error *err);

/* The text to store in the state column for `row`: "meta" for the format
 * row, else its state's name. STRATA_EINVAL for a row without a version or
 * with a state that is never recorded (PENDING). */
int strata_history_state_text(const strata_history_row *row, const char **out,
                              strata_error *err);

/* Frees `n` cells (read_table's nrows * ncols) and the array. */
void strata_cells_free(char **cells, size_t n);

/* Name of a history state as stored in the table ("applied", "running",
 * "failed", "reverting", "revert_failed", and "meta" for the format row,
 * whose state is STRATA_STATE_PENDING); parse it back with the second. */
const char *strata_history_state_name(strata_state s);
int strata_history_state_parse(const char *name, strata_state *out);

/* How apply_tx records the migration in the history table. */
typedef enum strata_history_op {
	STRATA_HISTORY_INSERT = 1, /* up: insert `row` */
	STRATA_HISTORY_DELETE = 2  /* down: delete the row of `row->version` */
} strata_history_op;

/* Added to the op, for a driver with STRATA_CAP_APPLY_IN_TX only: the
 * caller's transaction is open (--single-transaction); apply_tx sends no
 * BEGIN or COMMIT of its own, and a failure leaves that transaction for
 * the caller to roll back. */
#define STRATA_HISTORY_IN_TX 0x100

/*
 * The history table's columns (the driver chooses the types):
 *   version        text, primary key
 *   name           text
 *   checksum       text
 *   state          text  (strata_history_state_name)
 *   statements_done, statements_total   integer
 *   down_sql       text, nullable
 *   applied_at     text or timestamp, UTC
 *   duration_ms    floating point: milliseconds, fractions kept
 *                  (format 1: integer)
 *   applied_by     text, nullable
 *   last_error     text, nullable
 * plus a format row: version "~format", state "meta", name = format number.
 * `table` may be "schema.table": quote each part, never paste it.
 */
#define STRATA_HISTORY_FORMAT 2
#define STRATA_HISTORY_FORMAT_ROW "~format"

struct strata_driver {
	unsigned version;          /* STRATA_DRIVER_VERSION of the driver */
	const char *name;          /* "sqlite" */
	const char *const *schemes; /* NULL-terminated: "sqlite", "sqlite3" */
	strata_dialect dialect;
	unsigned caps;             /* STRATA_CAP_* */

	/* MUST: connect. Allocates the driver's struct (whose first member is
	 * strata_conn), fills the base, and sets *out. Errors: STRATA_EURL,
	 * STRATA_ECONNECT. Never put a password in err. */
	int (*open)(strata_conn **out, const strata_conn_config *cfg,
	            strata_error *err);
	/* MUST: disconnect and free. NULL is a no-op. Releases a held lock. */
	void (*close)(strata_conn *c);

	/* MUST: run `sql` (len bytes, one statement, or several when the
	 * driver has STRATA_CAP_MULTI_STATEMENT). On failure set err->position
	 * (1-based byte offset in `sql`) when the server reports one. */
	int (*exec)(strata_conn *c, const char *sql, size_t len,
	            strata_error *err);

	/* MUST: transactions. */
	int (*begin)(strata_conn *c, strata_error *err);
	int (*commit)(strata_conn *c, strata_error *err);
	int (*rollback)(strata_conn *c, strata_error *err);

	/* MUST: the migration lock, session-scoped (released when the process
	 * dies), never taken inside a transaction. `key` names the history
	 * table. Waits up to `timeout` seconds (< 0: forever); while waiting
	 * it may report STRATA_EVENT_LOCK_WAIT once with the holder.
	 * Returns STRATA_ELOCK on timeout. Re-entrant for its key: lock while
	 * this connection holds the lock of `key` returns 0 and changes
	 * nothing (not counted: one unlock releases it); a driver may refuse
	 * a second, different key with STRATA_EINVAL. unlock of a lock not
	 * held returns 0. The conformance suite checks both. */
	int (*lock)(strata_conn *c, const char *key, double timeout,
	            strata_error *err);
	int (*unlock)(strata_conn *c, const char *key, strata_error *err);

	/* MUST: the history table. ensure creates it when missing (outside a
	 * transaction, under the lock). list returns every row (the format row
	 * included) ordered by version as text; a missing table gives 0 rows
	 * and *exists = 0. insert/update write one row; update matches on
	 * version and sets every column but version; the driver sets
	 * applied_at to the current UTC time on insert and update. */
	int (*history_ensure)(strata_conn *c, const char *table,
	                      strata_error *err);
	int (*history_list)(strata_conn *c, const char *table,
	                    strata_history_row **out, size_t *n, int *exists,
	                    strata_error *err);
	int (*history_insert)(strata_conn *c, const char *table,
	                      const strata_history_row *row, strata_error *err);
	int (*history_update)(strata_conn *c, const char *table,
	                      const strata_history_row *row, strata_error *err);
	int (*history_delete)(strata_conn *c, const char *table,
	                      const char *version, strata_error *err);

	/* MAY: apply one transactional migration and its history change in one
	 * round trip: BEGIN, the statements, the insert (or delete), COMMIT.
	 * On failure everything is rolled back and err->statement is the
	 * 1-based index of the failing statement (0 for the history change).
	 * NULL: the core uses begin, exec, the history slots and commit. */
	int (*apply_tx)(strata_conn *c, const char *table,
	                const strata_stmt *stmts, size_t n,
	                strata_history_op op, const strata_history_row *row,
	                strata_error *err);

	/* MAY: the schema as SQL text, malloc'd into *out. */
	int (*dump_schema)(strata_conn *c, char **out, strata_error *err);
	/* MAY: create / drop the database named in cfg->url. */
	int (*create_database)(const strata_conn_config *cfg, strata_error *err);
	int (*drop_database)(const strata_conn_config *cfg, strata_error *err);
	/* MAY: server version string, malloc'd into *out. */
	int (*server_version)(strata_conn *c, char **out, strata_error *err);

	/* MAY: run one split statement, with its COPY rows when it has
	 * STRATA_STMT_COPY_IN. NULL: the core calls exec(sql, len) and
	 * refuses COPY statements. */
	int (*exec_stmt)(strata_conn *c, const strata_stmt *stmt,
	                 strata_error *err);

	/* ---- version 2 ---- */

	/* MAY: the main session's transaction state now (STRATA_TX_*),
	 * without a round trip: libpq's PQtransactionStatus, the server
	 * status flag of MySQL's last reply, sqlite3_get_autocommit. The
	 * core asks after each statement of a migration, so that it notices
	 * a statement that ended the transaction strata opened (MySQL DDL
	 * run through EXECUTE or CALL commits implicitly) and records what
	 * landed from there statement by statement. NULL: the core assumes
	 * that only its own COMMIT ends its transactions. */
	int (*tx_state)(strata_conn *c);

	/* MAY: gives the main session back what a migration may have changed
	 * in it: the search_path (PostgreSQL) or the current database (MySQL)
	 * that open() found or set. The core calls it before each migration,
	 * outside any transaction; the driver may defer the work to its next
	 * round trip, or skip it when nothing changed. apply_tx runs from the
	 * session as reset. NULL: nothing to give back. Independently of it,
	 * every history slot names the table fully qualified (the schema or
	 * database resolved at open), so that nothing a migration does to the
	 * session moves the history. */
	int (*session_reset)(strata_conn *c, strata_error *err);

	/* MAY: brings the history table `table`, written by format `from`
	 * (1 ..  STRATA_HISTORY_FORMAT - 1), to STRATA_HISTORY_FORMAT in
	 * place, under the lock, outside a transaction. The core then rewrites
	 * the format row. NULL: the driver's tables need no change between
	 * formats. */
	int (*history_upgrade)(strata_conn *c, const char *table, int from,
	                       strata_error *err);

	/* ---- version 3 ---- */

	/* MAY: reads another tool's history table (`strata baseline --from`,
	 * and status noticing one): every row of `table` ("schema.table", or
	 * a bare name resolved as the history table's is), the `ncols`
	 * columns named in `cols` (plain identifiers; the driver quotes
	 * them), in no particular order. *cells gets nrows * ncols malloc'd
	 * texts, row by row (NULL for SQL NULL), freed by the caller with
	 * strata_cells_free. A column whose bit (1u << i) is set in
	 * `time_mask` is a timestamp and comes as ISO 8601 UTC
	 * "YYYY-MM-DDTHH:MM:SS.mmmZ" (a value without a time zone taken as
	 * the session's local time), or NULL when it cannot be read as one.
	 * A missing table gives *exists = 0 and no rows; a missing column is
	 * STRATA_ESQL. Called outside a transaction or inside one of the
	 * core's; it writes nothing. history_insert of a version-3 driver
	 * also keeps row->applied_at when it is not NULL (that format). */
	int (*read_table)(strata_conn *c, const char *table,
	                  const char *const *cols, size_t ncols,
	                  unsigned time_mask, char ***cells, size_t *nrows,
	                  int *exists, strata_error *err);
};

/*
 * Adds a third-party driver. `drv` must stay valid for the life of the
 * process. Refuses (STRATA_EINVAL) a version of 0 or newer than
 * STRATA_DRIVER_VERSION, a driver without a MUST slot, or a scheme already
 * taken.
 */
int strata_driver_register(const strata_driver *drv, strata_error *err);

/* Finds the driver for `url`'s scheme. STRATA_ENODRIVER, STRATA_ENOTBUILT. */
int strata_driver_lookup(const strata_driver **out, const char *url,
                         strata_error *err);

/* Helpers for drivers. */

/* strata_error_set() is declared in strata.h. */

/* A growable, always NUL-terminated byte buffer (src/buf.c). Start it
 * as STRATA_BUF_INIT (all zero); free it with strata_buf_release. */
typedef struct strata_buf {
	char *buf;      /* NULL until the first append; owned */
	size_t len;
	size_t cap;
	int oom;        /* sticky: an allocation failed */
} strata_buf;

#define STRATA_BUF_INIT { NULL, 0, 0, 0 }

/* Each returns 0, or -1 (and sets oom) when memory ran out; once oom,
 * every later call fails too, so a run of appends is checked once. */
int strata_buf_append(strata_buf *sb, const char *s, size_t n);
int strata_buf_puts(strata_buf *sb, const char *s);
int strata_buf_printf(strata_buf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the buffer to the caller ("" when empty); NULL when oom (the
 * buffer is then released). */
char *strata_buf_detach(strata_buf *sb);
void strata_buf_release(strata_buf *sb);

/* Seconds on the monotonic clock (for timeouts and durations). */
double strata_clock_now(void);

/* Sleeps `seconds` (fractions allowed), on through signals. */
void strata_sleep(double seconds);

/*
 * Percent-decodes `len` bytes of `s` (a part of a URL) into a new string
 * in *out (the caller frees it). STRATA_EURL with *why ("a malformed
 * percent escape", "a NUL byte (%00)") for the driver's message, which
 * must not quote the part: it may be a password. STRATA_ENOMEM.
 */
int strata_url_decode(char **out, const char *s, size_t len, const char **why);

/* Reports STRATA_EVENT_LOCK_WAIT with the formatted message (who holds
 * the lock) to the connection's event callback; nothing without one
 * (a driver that must query for the holder checks c->on_event first). */
void strata_conn_lock_wait(strata_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An external tool a driver runs (pg_dump, mariadb-dump). */
typedef struct strata_spawn {
	const char *const *programs; /* NULL-terminated: each is tried in
	                                turn (through PATH) until one exists */
	const char *const *args;     /* NULL-terminated arguments after the
	                                program's name; may be NULL */
	const char *env_name;        /* a variable set in the child only (the
	                                password: never on the command line),
	                                or NULL */
	const char *env_value;       /* its value; "": unset there; NULL:
	                                left as the parent has it */
	const char *missing;         /* the message when no program exists */
	int fail_code;               /* returned when it exits non-zero or
	                                dies: 0 for STRATA_EIO */
} strata_spawn;

/*
 * Runs the tool and waits for it. *out gets all of its standard output
 * (malloc'd, NUL-terminated, "" when it wrote nothing; the caller frees
 * it); its standard error makes the message of a failure. Returns 0, or:
 * STRATA_EUNSUPPORTED (`missing`) when none of `programs` is installed;
 * `fail_code` with "<program> failed (exit status N): <first line of its
 * stderr>" when it fails; STRATA_EIO when it cannot be run; STRATA_ENOMEM.
 * The message never holds `env_value`.
 */
int strata_spawn_run(const strata_spawn *spec, char **out, strata_error *err);

/* Fills the base of a new connection: its driver and the callbacks of
 * `cfg` (what every open() does first). */
void strata_conn_init(strata_conn *c, const strata_driver *drv,
                      const strata_conn_config *cfg);

/* Logs through the connection's callback (no-op without one). */
void strata_conn_log(strata_conn *c, strata_log_level level,
                     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif /* STRATA_DRIVER_H */
