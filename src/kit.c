/*
 * src/kit.c - small helpers every driver needs, declared in
 * strata/driver.h (the driver kit): the monotonic clock and sleeping,
 * URL percent-decoding, the lock-wait event. The child-process runner is
 * src/spawn.c; the history row's state names are src/history.c.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <strata/driver.h>

double strata_clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void strata_sleep(double seconds)
{
	if (!(seconds > 0))
		return;
	struct timespec ts;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int strata_url_decode(char **out, const char *s, size_t len, const char **why)
{
	*out = NULL;
	if (why)
		*why = NULL;
	char *d = malloc(len + 1);
	if (!d)
		return STRATA_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			d[k++] = s[i];
			continue;
		}
		int hi = i + 2 < len ? hex_digit((unsigned char)s[i + 1]) : -1;
		int lo = hi >= 0 ? hex_digit((unsigned char)s[i + 2]) : -1;
		const char *bad = hi < 0 || lo < 0 ? "a malformed percent escape"
		                  : hi == 0 && lo == 0 ? "a NUL byte (%00)" : NULL;
		if (bad) {
			free(d);
			if (why)
				*why = bad;
			return STRATA_EURL;
		}
		d[k++] = (char)(hi * 16 + lo);
		i += 2;
	}
	d[k] = '\0';
	*out = d;
	return 0;
}

void strata_conn_lock_wait(strata_conn *c, const char *fmt, ...)
{
	if (!c || !c->on_event)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strata_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = STRATA_EVENT_LOCK_WAIT;
	ev.message = msg;
	c->on_event(c->event_data, &ev);
}
