/* src/error.c - strata_error helpers and error names. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <strata.h>
#include <strata/driver.h>

void strata_error_clear(strata_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int strata_error_set(strata_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	/* one line: fold newlines into spaces */
	for (char *p = err->message; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return code;
}

const char *strata_strerror(int code)
{
	switch (code) {
	case STRATA_OK: return "success";
	case STRATA_EINVAL: return "invalid argument";
	case STRATA_ENOMEM: return "out of memory";
	case STRATA_EIO: return "input/output error";
	case STRATA_EPARSE: return "malformed migration";
	case STRATA_EURL: return "malformed database URL";
	case STRATA_ENODRIVER: return "unknown database driver";
	case STRATA_ENOTBUILT: return "driver not built in";
	case STRATA_ECONNECT: return "cannot connect";
	case STRATA_EPLAN: return "plan refused";
	case STRATA_EDIRTY: return "migration needs repair";
	case STRATA_ESQL: return "SQL error";
	case STRATA_ELOCK: return "lock timeout";
	case STRATA_ENOTFOUND: return "not found";
	case STRATA_EUNSUPPORTED: return "not supported";
	case STRATA_EINTERNAL: return "internal error";
	case STRATA_ECONNLOST: return "connection lost";
	default: return "unknown error";
	}
}
