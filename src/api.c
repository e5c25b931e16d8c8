/* src/api.c - opening and closing a database, logging and events. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "registry.h"

const char *strata_version(void)
{
	return STRATA_VERSION_STRING;
}

void strata_log(strata *db, strata_log_level level, const char *fmt, ...)
{
	if (!db)
		return;
	va_list ap;
	va_start(ap, fmt);
	strata_logv(db->log, db->log_data, level, fmt, ap);
	va_end(ap);
}

void strata_emit(strata *db, const strata_event *ev)
{
	if (db && db->on_event)
		db->on_event(db->event_data, ev);
}

/* Scrubs a password the driver may have echoed from the URL. */
static void scrub_password(strata_error *err, const char *url)
{
	strata_url_scrub(err->message, url);
	strata_url_scrub(err->detail, url);
	strata_url_scrub(err->hint, url);
}

/* Checks `opts` (NULL: the defaults, in *defaults) and finds the driver. */
static int resolve(const strata_options **opts, strata_options *defaults,
                   const strata_driver **drv, const char *url,
                   strata_error *err)
{
	if (!*opts)
		*opts = defaults;
	if ((*opts)->version == 0 || (*opts)->version > STRATA_OPTIONS_VERSION)
		return strata_error_set(err, STRATA_EINVAL,
		                        "strata_options version %u not supported",
		                        (*opts)->version);
	if ((*opts)->version < 2) {
		/* a version 1 struct ends before `flags`: read no further */
		memcpy(defaults, *opts, offsetof(strata_options, flags));
		defaults->flags = 0;
		*opts = defaults;
	}
	if ((*opts)->schema && *(*opts)->schema) {
		int rc = strata_driver_lookup(drv, url, err);
		if (!rc && !((*drv)->caps & STRATA_CAP_SCHEMAS))
			return strata_error_set(err, STRATA_EUNSUPPORTED,
			                        "the %s driver has no schemas (--schema)",
			                        (*drv)->name);
		return rc;
	}
	return strata_driver_lookup(drv, url, err);
}

static strata_conn_config conn_config(const char *url, const strata_options *opts)
{
	strata_conn_config cfg = {
		.version = STRATA_CONN_CONFIG_VERSION,
		.url = url,
		.schema = opts->schema,
		.application_name = opts->application_name ? opts->application_name : "strata",
		.log = opts->log,
		.log_data = opts->log_data,
		.on_event = opts->on_event,
		.event_data = opts->event_data,
		.statement_timeout = opts->statement_timeout,
		.ddl_lock_timeout = opts->ddl_lock_timeout,
		.flags = opts->flags,
	};
	return cfg;
}

int strata_open(strata **out, const char *url, const strata_options *opts,
                strata_error *err)
{
	strata_options defaults = STRATA_OPTIONS_INIT;
	const strata_driver *drv;
	if (!out)
		return strata_error_set(err, STRATA_EINVAL, "strata_open: out is NULL");
	*out = NULL;
	int rc = resolve(&opts, &defaults, &drv, url, err);
	if (rc)
		return rc;
	strata *db = calloc(1, sizeof(*db));
	if (!db)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	db->driver = drv;
	db->table = strdup(opts->table && *opts->table ? opts->table : "strata_migrations");
	db->lock_timeout = opts->lock_timeout;
	db->ddl_lock_retries = opts->ddl_lock_retries > 0 ? opts->ddl_lock_retries : 0;
	db->log = opts->log;
	db->log_data = opts->log_data;
	db->on_event = opts->on_event;
	db->event_data = opts->event_data;
	if (!db->table) {
		free(db);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	strata_conn_config cfg = conn_config(url, opts);
	strata_error local = { 0 };
	strata_error *e = err ? err : &local;
	rc = drv->open(&db->conn, &cfg, e);
	if (rc) {
		scrub_password(e, url);
		strata_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

/* The server is up but refused us (bad password, no such database): no
 * point in waiting longer. */
static int server_refused(const strata_error *err)
{
	static const char *const classes[] = { "28", "3D", "42" };
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strncmp(err->sqlstate, classes[i], 2) == 0)
			return 1;
	return 0;
}

int strata_wait(const char *url, const strata_options *opts, double timeout,
                strata_error *err)
{
	strata_error local = { 0 };
	if (!err)
		err = &local;
	double deadline = strata_clock_now() + (timeout > 0 ? timeout : 0);
	double delay = 0.05;
	for (int attempt = 1;; attempt++) {
		strata *db = NULL;
		strata_error_clear(err);
		int rc = strata_open(&db, url, opts, err);
		strata_close(db);
		if (rc != STRATA_ECONNECT || server_refused(err))
			return rc;
		double left = deadline - strata_clock_now();
		if (left <= 0)
			return rc;
		if (opts && opts->log)
			strata_logv_args(opts->log, opts->log_data, STRATA_LOG_INFO,
			                 "waiting for the database (attempt %d): %s",
			                 attempt, err->message);
		strata_sleep(delay < left ? delay : left);
		if (delay < 1.0)
			delay *= 2;
	}
}

/* Runs a driver's create/drop slot for `url`. */
static int database_op(const char *url, const strata_options *opts, int create,
                       strata_error *err)
{
	strata_options defaults = STRATA_OPTIONS_INIT;
	const strata_driver *drv;
	strata_error local = { 0 };
	if (!err)
		err = &local;
	int rc = resolve(&opts, &defaults, &drv, url, err);
	if (rc)
		return rc;
	int (*op)(const strata_conn_config *, strata_error *) =
		create ? drv->create_database : drv->drop_database;
	if (!op)
		return strata_error_set(err, STRATA_EUNSUPPORTED,
		                        "the %s driver cannot %s databases", drv->name,
		                        create ? "create" : "drop");
	strata_conn_config cfg = conn_config(url, opts);
	rc = op(&cfg, err);
	if (rc)
		scrub_password(err, url);
	return rc;
}

int strata_create_database(const char *url, const strata_options *opts,
                           strata_error *err)
{
	return database_op(url, opts, 1, err);
}

int strata_drop_database(const char *url, const strata_options *opts,
                         strata_error *err)
{
	return database_op(url, opts, 0, err);
}

int strata_dump_schema(char **out, strata *db, strata_error *err)
{
	if (!out || !db)
		return strata_error_set(err, STRATA_EINVAL, "strata_dump_schema: no output or database");
	*out = NULL;
	if (!db->driver->dump_schema)
		return strata_error_set(err, STRATA_EUNSUPPORTED,
		                        "the %s driver cannot dump the schema", db->driver->name);
	strata_error local = { 0 };
	return db->driver->dump_schema(db->conn, out, err ? err : &local);
}

void strata_free(void *p)
{
	free(p);
}

void strata_close(strata *db)
{
	if (!db)
		return;
	if (db->conn)
		db->driver->close(db->conn);
	free(db->table);
	free(db);
}

const char *strata_driver_name(const strata *db)
{
	return db ? db->driver->name : NULL;
}
