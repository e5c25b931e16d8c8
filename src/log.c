/* src/log.c - logging through the caller's callback. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include <strata/driver.h>

void strata_conn_log(strata_conn *c, strata_log_level level, const char *fmt, ...)
{
	if (!c || !c->log)
		return;
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	c->log(c->log_data, level, buf);
}
