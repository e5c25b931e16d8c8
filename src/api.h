/* src/api.h - the connection handle behind the public `strata` type. */
#ifndef STRATA_API_H
#define STRATA_API_H

#include <stdarg.h>

#include <strata.h>
#include <strata/driver.h>

struct strata {
	const strata_driver *driver;
	strata_conn *conn;
	char *table;              /* history table name (maybe schema.table) */
	double lock_timeout;
	int ddl_lock_retries;     /* retries after an expired lock wait */
	int locked;               /* we hold the migration lock */
	strata_log_fn log;
	void *log_data;
	strata_event_fn on_event;
	void *event_data;
};

/* Formats one log line (newlines folded) and hands it to `fn`, if any. */
void strata_logv(strata_log_fn fn, void *data, strata_log_level level,
                 const char *fmt, va_list ap);

/* strata_logv with arguments. */
void strata_logv_args(strata_log_fn fn, void *data, strata_log_level level,
                      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The monotonic clock and sleeping are the driver kit's:
 * strata_clock_now() and strata_sleep() in strata/driver.h. */

/* Logs through the handle's callback. */
void strata_log(strata *db, strata_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reports an event through the handle's callback. */
void strata_emit(strata *db, const strata_event *ev);

/* Masks in `text`, in place, every secret of `url` that a driver may have
 * quoted in a message (src/url.c). */
void strata_url_scrub(char *text, const char *url);

#endif
