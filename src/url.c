/* src/url.c - URL helpers shared by all drivers: password redaction. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <strata.h>

#include "api.h"

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

static int hex_value(int c)
{
	return c >= '0' && c <= '9' ? c - '0'
	     : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* 1 when the query parameter starting at p (up to '=') names a secret,
 * also percent-encoded (libpq decodes the name: pass%77ord is password). */
static int secret_param(const char *p, size_t n)
{
	static const char *const names[] = { "password", "pass", "pwd",
	                                     "sslpassword", NULL };
	char name[16];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)p[i];
		if (c == '%' && i + 2 < n &&
		    hex_value(p[i + 1]) >= 0 && hex_value(p[i + 2]) >= 0) {
			c = hex_value(p[i + 1]) * 16 + hex_value(p[i + 2]);
			i += 2;
		}
		if (k == sizeof(name))
			return 0;  /* longer than any secret's name */
		name[k++] = (char)c;
	}
	for (const char *const *s = names; *s; s++)
		if (strlen(*s) == k && strncasecmp(name, *s, k) == 0)
			return 1;
	return 0;
}

/* A secret in the URL: bytes [start, end). */
typedef struct span {
	size_t start, end;
} span;

#define MAX_SPANS 32

/*
 * Finds the secrets of `url`: the password of the user info and the value
 * of every password-like query parameter. Masking too much only makes a
 * message less precise, masking too little leaks, so the spans err on the
 * large side: the user info ends at the LAST '@' of the URL, because a
 * password holding an unencoded '/', '?', '#' or '@' is read differently
 * by libpq (which stops at the first '/' and then may quote the password
 * as a port) and the MySQL driver; and a "?name=" or "&name=" anywhere
 * counts as a query parameter. Returns the number of spans, in order of
 * their start.
 */
static size_t find_secrets(const char *url, span *sp, size_t max)
{
	size_t n = 0;
	const char *auth = strstr(url, "://");
	/* "scheme:///path" has no user info (sqlite:///tmp/a:b@c.db); the
	 * MySQL driver refuses mysql:///user:password@host, but it is masked
	 * all the same */
	int mysql = strncasecmp(url, "mysql:", 6) == 0 ||
	            strncasecmp(url, "mariadb:", 8) == 0;
	if (auth && (auth[3] != '/' || mysql)) {
		auth += 3;
		const char *at = strrchr(auth, '@');
		const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon) {
			sp[n].start = (size_t)(colon + 1 - url);
			sp[n].end = (size_t)(at - url);
			n++;
		}
	}
	for (const char *q = url; (q = strpbrk(q, "?&")) != NULL;) {
		q++;
		size_t k = strcspn(q, "=&#?");
		if (q[k] == '=' && secret_param(q, k)) {
			const char *v = q + k + 1;
			sp[n].start = (size_t)(v - url);
			/* libpq reads no fragment: a '#' is part of the value */
			sp[n].end = sp[n].start + strcspn(v, "&");
			/* no room for more: the last span takes the rest */
			if (++n == max) {
				sp[n - 1].end = strlen(url);
				break;
			}
		}
	}
	/* by start (insertion sort: a handful of spans) */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && sp[j - 1].start > sp[j].start; j--) {
			span t = sp[j];
			sp[j] = sp[j - 1];
			sp[j - 1] = t;
		}
	return n;
}

char *strata_url_redact(char *buf, size_t size, const char *url)
{
	size_t len = 0;
	if (!buf || size == 0)
		return buf;
	buf[0] = '\0';
	if (!url)
		return buf;
	span sp[MAX_SPANS];
	size_t n = find_secrets(url, sp, MAX_SPANS);
	size_t pos = 0;
	for (size_t k = 0; k < n;) {
		/* overlapping secrets become one "****" (an empty one too) */
		size_t start = sp[k].start, end = sp[k].end;
		for (k++; k < n && sp[k].start <= end; k++)
			if (sp[k].end > end)
				end = sp[k].end;
		if (start < pos)
			start = pos;
		if (end < start)
			end = start;
		put(buf, size, &len, url + pos, start - pos);
		put(buf, size, &len, "****", 4);
		pos = end;
	}
	put(buf, size, &len, url + pos, strlen(url + pos));
	return buf;
}

/* Overwrites with '*' every occurrence of `s` (n bytes) in `text`. */
static void mask_all(char *text, const char *s, size_t n)
{
	if (n == 0)
		return;
	char *hit = text;
	while ((hit = memmem(hit, strlen(hit), s, n)) != NULL) {
		memset(hit, '*', n);
		hit += n;
	}
}

/*
 * Masks in `text`, in place, every secret of `url` that a driver may have
 * quoted in a message: each span strata_url_redact() hides, and each
 * piece of it between '/', '?', '#', '@' and ':' of 4 bytes or more (libpq
 * reads "u:pass/word@host" as host "u", port "pass" and quotes that).
 */
void strata_url_scrub(char *text, const char *url)
{
	if (!text || !url)
		return;
	span sp[MAX_SPANS];
	size_t n = find_secrets(url, sp, MAX_SPANS);
	for (size_t k = 0; k < n; k++) {
		const char *s = url + sp[k].start;
		size_t len = sp[k].end - sp[k].start;
		mask_all(text, s, len);
		for (size_t i = 0; i < len;) {
			size_t piece = 0;
			while (i + piece < len && !strchr("/?#@:", s[i + piece]))
				piece++;
			if (piece >= 4 && piece < len)
				mask_all(text, s + i, piece);
			i += piece + 1;
		}
	}
}
