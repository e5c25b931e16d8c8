/* src/url.c - URL helpers shared by all drivers: password redaction. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <strata.h>

/* Appends n bytes of s to buf (size `size`, used `*len`), truncating. */
static void put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/* 1 when the query parameter starting at p (up to '=') names a secret. */
static int secret_param(const char *p, size_t n)
{
	static const char *const names[] = { "password", "pass", "pwd",
	                                     "sslpassword", NULL };
	for (const char *const *s = names; *s; s++)
		if (strlen(*s) == n && strncasecmp(p, *s, n) == 0)
			return 1;
	return 0;
}

char *strata_url_redact(char *buf, size_t size, const char *url)
{
	size_t len = 0;
	if (!buf || size == 0)
		return buf;
	buf[0] = '\0';
	if (!url)
		return buf;
	const char *p = url;
	const char *auth = strstr(url, "://");
	if (auth) {
		auth += 3;
		const char *end = auth + strcspn(auth, "/?#");
		const char *at = NULL;
		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q; /* the last '@' ends the user info */
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon) {
				put(buf, size, &len, url, (size_t)(colon + 1 - url));
				put(buf, size, &len, "****", 4);
				p = at;
			}
		}
	}
	/* copy the rest, masking secret query parameters */
	const char *q = strchr(p, '?');
	if (!q) {
		put(buf, size, &len, p, strlen(p));
		return buf;
	}
	put(buf, size, &len, p, (size_t)(q + 1 - p));
	for (q++; *q;) {
		size_t n = strcspn(q, "&#");
		const char *eq = memchr(q, '=', n);
		if (eq && secret_param(q, (size_t)(eq - q))) {
			put(buf, size, &len, q, (size_t)(eq + 1 - q));
			put(buf, size, &len, "****", 4);
		} else {
			put(buf, size, &len, q, n);
		}
		q += n;
		if (*q == '#') {
			put(buf, size, &len, q, strlen(q));
			break;
		}
		if (*q == '&') {
			put(buf, size, &len, "&", 1);
			q++;
		}
	}
	return buf;
}
