/* src/log.c - logging through the caller's callback. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include <strata/driver.h>

#include "api.h"

void strata_logv(strata_log_fn fn, void *data, strata_log_level level,
                 const char *fmt, va_list ap)
{
	if (!fn)
		return;
	char buf[2048];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* one line per message */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fn(data, level, buf);
}

void strata_conn_init(strata_conn *c, const strata_driver *drv,
                      const strata_conn_config *cfg)
{
	c->driver = drv;
	c->log = cfg->log;
	c->log_data = cfg->log_data;
	c->on_event = cfg->on_event;
	c->event_data = cfg->event_data;
}

void strata_conn_log(strata_conn *c, strata_log_level level, const char *fmt, ...)
{
	if (!c)
		return;
	va_list ap;
	va_start(ap, fmt);
	strata_logv(c->log, c->log_data, level, fmt, ap);
	va_end(ap);
}

void strata_logv_args(strata_log_fn fn, void *data, strata_log_level level,
                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strata_logv(fn, data, level, fmt, ap);
	va_end(ap);
}
