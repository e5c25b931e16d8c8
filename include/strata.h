/*
 * strata.h - public API of libstrata, a database schema-migration engine.
 *
 * Conventions (see README "Library use"):
 *  - Every function returns 0 on success or a negative STRATA_E* code, and
 *    fills the caller-owned strata_error when one is given (it may be NULL).
 *  - Output parameters come first and are named `out`.
 *  - Handles are opaque. Whatever a strata_*_new / strata_open / strata_status
 *    call hands out is freed by the matching *_free / strata_close, and every
 *    *_free(NULL) is a no-op.
 *  - Strings passed in are copied; the library keeps no pointer to them after
 *    the call returns, except where noted (log callbacks' user data).
 *  - The library never prints. It reports through the log and event
 *    callbacks set in strata_options.
 *  - A handle is used by one thread at a time. Different handles are
 *    independent: a strata_source may be filled on one thread while a
 *    strata handle opens on another.
 */
#ifndef STRATA_H
#define STRATA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_VERSION_MAJOR 0
#define STRATA_VERSION_MINOR 1
#define STRATA_VERSION_PATCH 0
#define STRATA_VERSION_STRING "0.1.0"

/* Returns the version of the library actually linked ("0.1.0"). Static. */
const char *strata_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

enum strata_errcode {
	STRATA_OK = 0,
	STRATA_EINVAL = -1,      /* bad argument or option value */
	STRATA_ENOMEM = -2,      /* out of memory */
	STRATA_EIO = -3,         /* reading or writing a file or directory */
	STRATA_EPARSE = -4,      /* malformed migration (file and line set) */
	STRATA_EURL = -5,        /* malformed database URL */
	STRATA_ENODRIVER = -6,   /* no driver knows the URL scheme */
	STRATA_ENOTBUILT = -7,   /* the driver exists but was compiled out */
	STRATA_ECONNECT = -8,    /* cannot connect or authenticate */
	STRATA_EPLAN = -9,       /* plan refused: duplicate, changed, out of order */
	STRATA_EDIRTY = -10,     /* a migration is failed/running: needs repair */
	STRATA_ESQL = -11,       /* a statement failed on the server */
	STRATA_ELOCK = -12,      /* timed out waiting for the migration lock */
	STRATA_ENOTFOUND = -13,  /* unknown version (e.g. --to V) */
	STRATA_EUNSUPPORTED = -14, /* the driver cannot do this */
	STRATA_EINTERNAL = -15,  /* a bug in strata */
	STRATA_ECONNLOST = -16   /* the connection to the server was lost
	                            while a command ran */
};

/*
 * A caller-owned error. All strings are NUL-terminated and truncated to fit.
 * Clear it with strata_error_clear() or `strata_error e = {0};`.
 */
typedef struct strata_error {
	int code;               /* STRATA_E* (0 when no error) */
	char sqlstate[8];       /* SQLSTATE when the server gave one, else "" */
	long native_code;       /* server/library native code, 0 when none */
	char message[2048];     /* one line, no trailing newline */
	char detail[512];       /* server DETAIL, "" when none */
	char hint[512];         /* server HINT, "" when none */
	char file[1024];        /* migration file concerned, "" when none */
	int line;               /* 1-based line in `file`, 0 when unknown */
	int column;             /* 1-based column in `file`, 0 when unknown */
	char version[64];       /* migration version concerned, "" when none */
	long statement;         /* 1-based failing statement of a migration, 0 */
	long position;          /* 1-based byte offset of the error inside the
	                           failing statement (server error position), 0 */
	int retryable;          /* 1 when a lock wait expired (lock_timeout):
	                           running the same SQL again may succeed */
	int not_in_tx;          /* 1 when the server refused the statement
	                           only because a transaction was open: it may
	                           run on its own (set by the driver) */
} strata_error;

/* Resets every field. `err` may be NULL. */
void strata_error_clear(strata_error *err);

/* Formats into err->message (truncating, newlines made spaces) and sets
 * err->code; the file, line and other fields are left as they are. NULL
 * `err` is fine. Returns `code`. For drivers, and for programs that
 * report their own errors the same way. */
int strata_error_set(strata_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* A static, human-readable name for a STRATA_E* code ("lock timeout"). */
const char *strata_strerror(int code);

/* ------------------------------------------------------------------ */
/* Logging and events                                                   */
/* ------------------------------------------------------------------ */

typedef enum strata_log_level {
	STRATA_LOG_ERROR = 0,
	STRATA_LOG_WARN = 1,
	STRATA_LOG_INFO = 2,
	STRATA_LOG_DEBUG = 3     /* server NOTICEs, every statement sent */
} strata_log_level;

/* `msg` is one line, valid only during the call. */
typedef void (*strata_log_fn)(void *data, strata_log_level level,
                              const char *msg);

typedef enum strata_event_type {
	STRATA_EVENT_MIGRATION_START = 1, /* before a migration runs */
	STRATA_EVENT_MIGRATION_DONE,      /* after it landed; `seconds` set */
	STRATA_EVENT_MIGRATION_FAILED,    /* it failed; see the error */
	STRATA_EVENT_STATEMENT,           /* dry run: `sql` would be sent */
	STRATA_EVENT_LOCK_WAIT            /* waiting for the lock; `message` */
} strata_event_type;

typedef enum strata_direction {
	STRATA_UP = 1,
	STRATA_DOWN = -1
} strata_direction;

/* Every pointer is valid only during the callback. */
typedef struct strata_event {
	strata_event_type type;
	strata_direction direction;
	const char *version;
	const char *name;
	const char *sql;         /* STATEMENT only */
	const char *message;     /* LOCK_WAIT only */
	long statement;          /* 1-based statement index (STATEMENT) */
	long statements;         /* statements in the migration */
	double seconds;          /* DONE: wall time of the migration */
	int transactional;       /* the migration runs in one transaction */
	int dry_run;
} strata_event;

typedef void (*strata_event_fn)(void *data, const strata_event *ev);

/* ------------------------------------------------------------------ */
/* Connections                                                          */
/* ------------------------------------------------------------------ */

typedef struct strata strata;

#define STRATA_OPTIONS_VERSION 2

/* strata_options.flags */
#define STRATA_OPEN_EXISTING 0x1u /* open only a database that exists:
                                     where opening would create one (a new
                                     SQLite file), fail with
                                     STRATA_ENOTFOUND and create nothing */

/*
 * Options for strata_open(). Initialise with STRATA_OPTIONS_INIT, then set
 * what you need. Strings are copied by strata_open().
 */
typedef struct strata_options {
	unsigned version;          /* STRATA_OPTIONS_VERSION */
	const char *table;         /* history table, "strata_migrations" if NULL;
	                              "schema.table" allowed */
	const char *schema;        /* schema for the history table and
	                              unqualified objects (drivers that have
	                              schemas); NULL = the default */
	double lock_timeout;       /* seconds to wait for the lock; < 0 forever */
	const char *application_name; /* shown to DBAs; NULL = "strata" */
	strata_log_fn log;
	void *log_data;
	strata_event_fn on_event;
	void *event_data;
	double statement_timeout;  /* seconds a statement may run; 0 = no limit */
	double ddl_lock_timeout;   /* seconds a statement may wait for a table
	                              lock; 0 = no limit. When it expires the
	                              migration is retried (see below) */
	int ddl_lock_retries;      /* retries after a lock wait expired, with
	                              backoff, each reported as a warning */
	/* version 2 (a version 1 struct ends above and is still accepted) */
	unsigned flags;            /* STRATA_OPEN_* */
} strata_options;

#define STRATA_OPTIONS_INIT \
	{ STRATA_OPTIONS_VERSION, NULL, NULL, 60.0, NULL, NULL, NULL, NULL, NULL, \
	  0, 0, 3, 0 }

/*
 * Connects to the database named by `url` ("sqlite:app.db",
 * "postgres://...", "mysql://..."). `opts` may be NULL for the defaults.
 * On success *out owns the connection; free it with strata_close().
 * Errors: STRATA_EURL, STRATA_ENODRIVER, STRATA_ENOTBUILT, STRATA_ECONNECT,
 * STRATA_ENOTFOUND (no such database, with STRATA_OPEN_EXISTING).
 * Passwords in `url` never appear in `err` or any log line.
 */
int strata_open(strata **out, const char *url, const strata_options *opts,
                strata_error *err);

/* Closes the connection and frees `db`. NULL is a no-op. */
void strata_close(strata *db);

/*
 * Waits until the server named by `url` accepts connections, retrying
 * with backoff for at most `timeout` seconds. Returns 0, or the last
 * connection error (STRATA_ECONNECT) when time ran out; URL and driver
 * errors return at once, and so does a server that is up but refuses the
 * login or does not have the database (SQLSTATE class 28, 3D, 42).
 */
int strata_wait(const char *url, const strata_options *opts, double timeout,
                strata_error *err);

/* Creates / drops the database named in `url` (connecting to the server's
 * maintenance database). STRATA_EUNSUPPORTED when the driver cannot. */
int strata_create_database(const char *url, const strata_options *opts,
                           strata_error *err);
int strata_drop_database(const char *url, const strata_options *opts,
                         strata_error *err);

/* The schema as SQL text (e.g. through pg_dump); *out is malloc'd, free it
 * with strata_free(). STRATA_EUNSUPPORTED when the driver cannot. */
int strata_dump_schema(char **out, strata *db, strata_error *err);

/* Frees memory strata handed out as a plain buffer. NULL is a no-op. */
void strata_free(void *p);

/* Name of the driver in use ("sqlite", "postgres", "mysql"). Static. */
const char *strata_driver_name(const strata *db);

/* A database driver strata knows of. */
typedef struct strata_driver_info {
	const char *name;        /* "postgres"; static */
	int built;               /* 1: usable; 0: known, but compiled out */
	int registered;          /* 1: added by strata_driver_register() */
} strata_driver_info;

/*
 * The drivers strata knows of: the built-in ones (those compiled out
 * too), then the registered ones. Writes at most `max` into `out` (which
 * may be NULL when `max` is 0); returns how many there are.
 */
size_t strata_driver_list(strata_driver_info *out, size_t max);

/*
 * Sets *out to the name of the driver for `url` ("postgres" for
 * "postgresql://..."), without connecting. STRATA_EURL when `url` has no
 * scheme, STRATA_ENODRIVER when no driver knows it, STRATA_ENOTBUILT when
 * its driver is compiled out.
 */
int strata_url_driver(const char **out, const char *url, strata_error *err);

/*
 * Copies `url` into `buf` (size `size`) with any password replaced by
 * "****". Always NUL-terminates when size > 0. Returns `buf`.
 */
char *strata_url_redact(char *buf, size_t size, const char *url);

/* ------------------------------------------------------------------ */
/* Migrations                                                           */
/* ------------------------------------------------------------------ */

/* A set of migrations from directories and C code. */
typedef struct strata_source strata_source;

/* Creates an empty source. Free with strata_source_free(). */
int strata_source_new(strata_source **out, strata_error *err);
void strata_source_free(strata_source *src);

/*
 * Reads every migration in directory `dir` (call it once per directory to
 * merge several: migrations merge by version). Formats, told apart by
 * their names:
 *   - native files 20240702105919_name.sql with -- migrate:up / -- migrate:down
 *     (dbmate; also Migration20240702105919.sql), goose's -- +goose Up files;
 *   - pairs 000001_name.up.sql + 000001_name.down.sql (golang-migrate), with
 *     pop's [.{dialect}][.autocommit] parts (a file for the database's
 *     dialect wins over an untagged one; other dialects' files are left out;
 *     see strata_source_set_database);
 *   - Flyway's V1_2__name.sql / U1_2__name.sql, and V0001.Name.up.sql;
 *     Flyway's repeatable migrations R__name.sql (applied after the
 *     versioned ones, again when changed, never reverted; history key
 *     "R__name");
 *   - MikroORM classes Migration20240702105919.ts / .js whose up() and down()
 *     only call this.addSql() with string literals;
 *   - diesel's folders 2017-08-31-210424_name/ with up.sql, down.sql and
 *     metadata.toml.
 * A file or folder that looks like a migration (leading version digits,
 * Flyway's V/U/R prefixes, Migration<digits>, <version>_<name>/) but cannot
 * be run is an error naming it, unless strata_source_ignore() leaves it out.
 * Files are read whole here; statements are split later, with the dialect
 * of the database.
 * Errors: STRATA_EIO (missing dir, unreadable file), STRATA_EPARSE (bad file;
 * file and line set), STRATA_EPLAN (two migrations with one version, also
 * across directories).
 */
int strata_source_add_dir(strata_source *src, const char *dir,
                          strata_error *err);

/*
 * Names the driver ("postgres", "mysql", "sqlite") whose database the
 * migrations are for, before strata_source_add_dir(): it chooses pop's
 * dialect-tagged files. Without it a directory with such files is refused.
 */
int strata_source_set_database(strata_source *src, const char *driver,
                               strata_error *err);

/*
 * Leaves out of later strata_source_add_dir() calls the files and folders
 * whose name matches `pattern` (fnmatch(3): "*.go", "0003_seed.sql"), so
 * that a directory with a file strata would refuse can still be used.
 */
int strata_source_ignore(strata_source *src, const char *pattern,
                         strata_error *err);

/* How many directories strata_source_add_dir() read into `src`. */
size_t strata_source_dir_count(const strata_source *src);

/* SQL collector handed to a C migration's up() and down(). */
typedef struct strata_sql strata_sql;

/* A C migration function: add SQL with strata_add_sql(); return 0, or a
 * negative value to refuse (the plan is then refused). */
typedef int (*strata_migration_fn)(strata_sql *q);

/*
 * Adds SQL to the migration being built. `sql` may hold several statements;
 * they are split with the database's dialect. The text is copied.
 */
int strata_add_sql(strata_sql *q, const char *sql);

/* The dialect of the target database: "sqlite", "postgres" or "mysql". */
const char *strata_sql_dialect(const strata_sql *q);

/* Runs the migration outside a transaction (like transaction:false). */
void strata_sql_no_transaction(strata_sql *q);

#define STRATA_C_MIGRATION_VERSION 1

/* A migration written in C. Usually declared with STRATA_MIGRATION(). */
typedef struct strata_c_migration {
	unsigned version;          /* STRATA_C_MIGRATION_VERSION */
	const char *id;            /* migration version, e.g. "20240702105919" */
	const char *name;
	strata_migration_fn up;
	strata_migration_fn down;  /* may be NULL */
	const char *file;          /* source file, for messages */
	int line;
	struct strata_c_migration *next; /* used by the registry; set NULL */
} strata_c_migration;

/*
 * Adds one C migration to `src`. `m` must stay valid as long as `src`.
 */
int strata_source_add_c(strata_source *src, const strata_c_migration *m,
                        strata_error *err);

/* Adds every migration declared with STRATA_MIGRATION() in the program. */
int strata_source_add_registered(strata_source *src, strata_error *err);

/* Called by STRATA_MIGRATION() before main(); `m` must be static. */
void strata_c_migration_register(strata_c_migration *m);

/*
 * Declares a C migration and registers it before main() runs:
 *
 *   static int up(strata_sql *q)   { return strata_add_sql(q, "create table t (id int)"); }
 *   static int down(strata_sql *q) { return strata_add_sql(q, "drop table t"); }
 *   STRATA_MIGRATION(20240702105919, "create_t", up, down)
 *
 * `ver` is an integer literal; it becomes the migration version.
 */
#define STRATA_MIGRATION(ver, nm, upfn, downfn)                              \
	static strata_c_migration strata_cmig_##ver = {                      \
		STRATA_C_MIGRATION_VERSION, #ver, nm, upfn, downfn,          \
		__FILE__, __LINE__, NULL };                                   \
	__attribute__((constructor)) static void strata_cmig_reg_##ver(void) \
	{ strata_c_migration_register(&strata_cmig_##ver); }

/* Number of migrations in `src`. */
size_t strata_source_count(const strata_source *src);

/*
 * Writes the files of a new, empty migration `name` in `dir` (created if
 * missing), in the form of the migrations already there: strata's own
 * file (-- migrate:up / -- migrate:down) in an empty directory or among
 * its own, golang-migrate pairs (NNN_name.up.sql and .down.sql), goose
 * files (-- +goose Up / Down), Flyway names (V<n>__name.sql) or
 * V<n>.Name.up.sql pairs, following the newest migration. Its version
 * comes after the newest: the next number of a sequence (zero padding
 * kept: 000042 after 000041), or the current UTC time as YYYYMMDDHHMMSS
 * (seconds since 1970 when the newest is written so), one second after
 * the newest if the clock is behind it. On success *out is the path
 * written, or the two paths of a pair separated by '\n'; free it with
 * strata_free(). Errors: STRATA_EINVAL (no directory, a name with '/'),
 * STRATA_EIO (a file exists already, cannot create or write).
 */
int strata_new_migration(char **out, const char *dir, const char *name,
                         strata_error *err);

/* ------------------------------------------------------------------ */
/* Running                                                              */
/* ------------------------------------------------------------------ */

#define STRATA_RUN_OPTIONS_VERSION 1

typedef struct strata_run_options {
	unsigned version;          /* STRATA_RUN_OPTIONS_VERSION */
	long count;                /* up: at most this many (0 = all);
	                              down: this many (0 = 1) */
	const char *target;        /* up/down to this version (inclusive for up,
	                              exclusive for down: down --to V leaves V
	                              applied); NULL = none */
	int dry_run;               /* report what would run, change nothing */
	int single_transaction;    /* all steps in one transaction */
	int allow_out_of_order;    /* apply pending migrations older than the
	                              newest applied one */
} strata_run_options;

#define STRATA_RUN_OPTIONS_INIT { STRATA_RUN_OPTIONS_VERSION, 0, NULL, 0, 0, 0 }

/*
 * Applies pending migrations in version order under the migration lock.
 * Each migration runs in one transaction together with its history row
 * unless it is marked transaction:false. Refuses (STRATA_EPLAN /
 * STRATA_EDIRTY) before anything runs when the plan is not safe.
 * `opts` may be NULL. *applied (may be NULL) receives the number of
 * migrations applied (or that would be, in a dry run).
 */
int strata_up(strata *db, strata_source *src, const strata_run_options *opts,
              size_t *applied, strata_error *err);

/* Rolls back applied migrations, newest first (default: one). An applied
 * migration whose file is gone is rolled back with the down SQL stored in
 * the history table. */
int strata_down(strata *db, strata_source *src,
                const strata_run_options *opts, size_t *reverted,
                strata_error *err);

/* Rolls back the newest applied migration and applies it again. */
int strata_redo(strata *db, strata_source *src,
                const strata_run_options *opts, strata_error *err);

typedef enum strata_repair_mode {
	STRATA_REPAIR_RESUME = 1,       /* continue at the failed statement */
	STRATA_REPAIR_MARK_APPLIED = 2, /* record it as applied, run nothing */
	STRATA_REPAIR_FORGET = 3,       /* delete its history row */
	STRATA_REPAIR_RESUME_SKIP = 4   /* count the statement in flight (or the
	                                   failed one) as done, continue after it */
} strata_repair_mode;

/*
 * Resolves a migration left `failed` or `running` by a non-transactional
 * run. `version` NULL picks the only one there is.
 *
 * A run interrupted inside a statement that commits on its own (PostgreSQL
 * CREATE INDEX CONCURRENTLY, MySQL DDL) leaves that statement in doubt:
 * RESUME runs it again, RESUME_SKIP counts it as done. An interrupted
 * statement that shared a transaction with its progress update is never in
 * doubt; strata_up() (strata_down() for a revert) resumes such a migration
 * by itself.
 *
 * FORGET with the key of an applied repeatable migration ("R__views")
 * deletes its row: its file is gone, or the next strata_up() is to apply
 * it again.
 */
int strata_repair(strata *db, strata_source *src, strata_repair_mode mode,
                  const char *version, strata_error *err);

/*
 * Records every migration up to and including `version` as applied without
 * running it (for a database that already has that schema). Refuses when
 * the history table already has rows.
 */
int strata_baseline(strata *db, strata_source *src, const char *version,
                    size_t *recorded, strata_error *err);

/*
 * Takes over from another migration tool: reads the history table of
 * `tool` ("dbmate", "golang-migrate", "goose", "flyway", "mikro-orm") in
 * the same database (`table`, NULL for that tool's default) and records
 * each migration it applied as applied in strata's history, without
 * running it: the checksum of today's file, the other tool's applied
 * time where it keeps one. The other table is only read. Refuses, with
 * nothing written: STRATA_EDIRTY when golang-migrate's dirty flag is set
 * or Flyway has a failed row; STRATA_EPLAN when an entry has no file in
 * `src` or strata's history already has rows; STRATA_ENOTFOUND when the
 * table is missing or records nothing; STRATA_EUNSUPPORTED for a driver
 * that cannot read it. Files older than the newest entry that the tool
 * did not apply stay pending (logged as a warning).
 */
int strata_baseline_from(strata *db, strata_source *src, const char *tool,
                         const char *table, size_t *recorded,
                         strata_error *err);

/*
 * Whether another tool's history table, with rows, is in the database
 * (checked in the order golang-migrate, dbmate, goose, Flyway, MikroORM):
 * sets *tool to the name strata_baseline_from takes, *table to its table
 * and *entries to its row count, or both to NULL when there is none (or
 * the driver cannot tell). For status on a database strata has not
 * migrated yet.
 */
int strata_other_tool(strata *db, const char **tool, const char **table,
                      size_t *entries, strata_error *err);

/* ------------------------------------------------------------------ */
/* Status                                                               */
/* ------------------------------------------------------------------ */

typedef enum strata_state {
	STRATA_STATE_PENDING = 0,   /* on disk, not applied */
	STRATA_STATE_APPLIED,       /* applied and unchanged */
	STRATA_STATE_RUNNING,       /* non-transactional run in progress/killed */
	STRATA_STATE_FAILED,        /* non-transactional run failed */
	STRATA_STATE_REVERTING,     /* non-transactional down in progress */
	STRATA_STATE_REVERT_FAILED, /* non-transactional down failed */
	STRATA_STATE_CHANGED,       /* applied, but the file changed since */
	STRATA_STATE_MISSING        /* applied, but no file has that version */
} strata_state;

/* "pending", "applied", ... Static. */
const char *strata_state_name(strata_state s);

typedef struct strata_status_entry {
	const char *version;
	const char *name;
	const char *file;          /* NULL when missing or a C migration */
	strata_state state;
	int out_of_order;          /* pending and older than the newest applied */
	const char *applied_at;    /* ISO 8601 UTC, NULL when not applied */
	double duration;           /* seconds, when applied */
	long statements_done;
	long statements_total;     /* 0 when unknown */
	const char *last_error;    /* NULL when none */
	const char *dir;           /* the directory it was read from, as given
	                              to strata_source_add_dir; NULL when
	                              missing or a C migration */
	int repeatable;            /* a repeatable migration (Flyway's
	                              R__name.sql), listed after the versioned
	                              ones: `version` is its key "R__name" */
	int changed;               /* repeatable and pending because its file
	                              changed since it was applied (at
	                              applied_at): up applies it again */
} strata_status_entry;

typedef struct strata_status strata_status;

/*
 * Compares the migrations in `src` with the history table (which it does
 * not create). *out is freed with strata_status_free().
 */
int strata_status_get(strata_status **out, strata *db, strata_source *src,
                      strata_error *err);
size_t strata_status_count(const strata_status *st);
/* Entry i (0-based, ordered by version, then the repeatable migrations in
 * the order up applies them); valid until strata_status_free. */
const strata_status_entry *strata_status_entry_at(const strata_status *st,
                                                  size_t i);
/* Pending entries: repeatable migrations that changed since they were
 * applied count too. */
size_t strata_status_pending(const strata_status *st);
/* Entries that are changed, missing, failed or running. */
size_t strata_status_problems(const strata_status *st);
void strata_status_free(strata_status *st);

/*
 * Checks that every applied migration still matches its file, and that no
 * migration is failed or running. Each problem is logged at WARN level;
 * returns STRATA_EPLAN (or STRATA_EDIRTY) naming the count when any.
 */
int strata_validate(strata *db, strata_source *src, strata_error *err);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_H */
