/* src/api.c - opening and closing a database, logging and events. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char red[1024];
	strata_url_redact(red, sizeof(red), url);
	if (strcmp(red, url) == 0)
		return;
	/* the password is what the redaction replaced: find it in url */
	const char *auth = strstr(url, "://");
	if (!auth)
		return;
	auth += 3;
	const char *at = NULL;
	for (const char *q = auth; *q && *q != '/' && *q != '?'; q++)
		if (*q == '@')
			at = q;
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon || at - colon <= 1)
		return;
	size_t plen = (size_t)(at - colon - 1);
	char *hit;
	char *fields[] = { err->message, err->detail, err->hint };
	for (size_t f = 0; f < 3; f++)
		while ((hit = memmem(fields[f], strlen(fields[f]), colon + 1, plen)))
			memset(hit, '*', plen);
}

int strata_open(strata **out, const char *url, const strata_options *opts,
                strata_error *err)
{
	strata_options defaults = STRATA_OPTIONS_INIT;
	if (!opts)
		opts = &defaults;
	if (!out)
		return strata_error_set(err, STRATA_EINVAL, "strata_open: out is NULL");
	*out = NULL;
	if (opts->version == 0 || opts->version > STRATA_OPTIONS_VERSION)
		return strata_error_set(err, STRATA_EINVAL,
		                        "strata_options version %u not supported", opts->version);
	const strata_driver *drv;
	int rc = strata_driver_lookup(&drv, url, err);
	if (rc)
		return rc;
	strata *db = calloc(1, sizeof(*db));
	if (!db)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	db->driver = drv;
	db->table = strdup(opts->table && *opts->table ? opts->table : "strata_migrations");
	db->lock_timeout = opts->lock_timeout;
	db->log = opts->log;
	db->log_data = opts->log_data;
	db->on_event = opts->on_event;
	db->event_data = opts->event_data;
	if (!db->table) {
		free(db);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (opts->schema && *opts->schema && !(drv->caps & STRATA_CAP_SCHEMAS)) {
		strata_close(db);
		return strata_error_set(err, STRATA_EUNSUPPORTED,
		                        "the %s driver has no schemas (--schema)", drv->name);
	}
	strata_conn_config cfg = {
		.version = STRATA_CONN_CONFIG_VERSION,
		.url = url,
		.schema = opts->schema,
		.application_name = opts->application_name ? opts->application_name : "strata",
		.log = opts->log,
		.log_data = opts->log_data,
		.on_event = opts->on_event,
		.event_data = opts->event_data,
	};
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
