/*
 * fuzz/fuzz_url.c - libFuzzer target for the URL helpers: password
 * redaction (src/url.c: strata_url_redact) and the scheme parser and
 * driver lookup (src/registry.c: strata_url_scheme, strata_driver_lookup).
 *
 * Input: the URL (up to its first NUL). Invariants (abort() when broken):
 * - redaction always NUL-terminates within the buffer; a small buffer
 *   gets a prefix of what a large one gets; a URL without '@' and '='
 *   comes back unchanged;
 * - no password reaches the redacted text, whichever way the password is
 *   read: by RFC 3986 (user info ends at the last '@' before '/', '?' or
 *   '#'), as libpq reads postgres:// URLs (the first '@' before '/'; and
 *   password= / sslpassword= query parameters, percent-decoded, taken
 *   from PQconninfoParse itself when the PostgreSQL driver is built), and
 *   as the MySQL driver reads mysql:// URLs (the last '@' before '?').
 *   A candidate counts only when it occurs exactly once in the URL and
 *   holds no '*' (otherwise the same bytes may rightly appear elsewhere).
 *   The libpq and MySQL readings are checked unless
 *   FUZZ_URL_DRIVER_RULES=0 is in the environment;
 * - the scheme is the URL's prefix up to its first ':', made of scheme
 *   characters; lookup fails with EURL exactly when the scheme does, and
 *   its error message depends on the scheme alone (no password in it).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <strata.h>
#include <strata/driver.h>

#ifdef HAVE_POSTGRES
#include <libpq-fe.h>
#endif

#include "fuzz.h"
#include "registry.h"

#define MAX_URL 4096

/* Occurrences of s[0, n) in hay (overlapping ones counted). */
static size_t occurrences(const char *hay, const char *s, size_t n)
{
	size_t k = 0;
	if (n == 0)
		return 0;
	for (const char *p = hay; *p; p++)
		if (strncmp(p, s, n) == 0)
			k++;
	return k;
}

/* Checks that the candidate password s[0, n) is not in `out`. */
static void not_leaked(const char *url, const char *out, const char *s,
                       size_t n, const char *why)
{
	if (n == 0 || memchr(s, '*', n) || memchr(s, '\0', n))
		return;
	/* a decoded password made of URL syntax alone ("%40" is "@") may
	 * rightly show as that syntax */
	size_t syntax = 0;
	while (syntax < n && strchr(":/?#[]@&=+,;%!$'()", s[syntax]))
		syntax++;
	if (syntax == n)
		return;

	if (occurrences(url, s, n) != 1)
		return;
	for (const char *p = out; *p; p++)
		if (strncmp(p, s, n) == 0) {
			fprintf(stderr, "password (%s) \"%.*s\" in \"%s\"\n", why,
			        (int)n, s, out);
			abort();
		}
}

/* The password of the user info in [auth, end) whose '@' is `at`. */
static void userinfo_password(const char *url, const char *out,
                              const char *auth, const char *at,
                              const char *why)
{
	if (!at)
		return;
	const char *colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon)
		not_leaked(url, out, colon + 1, (size_t)(at - colon - 1), why);
}

static int driver_rules(void)
{
	static int on = -1;
	if (on < 0) {
		const char *v = getenv("FUZZ_URL_DRIVER_RULES");
		on = !v || strcmp(v, "0") != 0;
	}
	return on;
}

/* Whether `val` stands in the URL as written after an '=' (a query
 * value, whatever the spelling of its key): libpq's values are decoded,
 * and a decoded value ("%40d" is "@d") can match the URL's syntax by
 * chance; the user info's password is checked as written above. */
/* Whether the query key ending at `eq` (after the last '?' or '&')
 * percent-decodes to a libpq secret: password or sslpassword. */
static int secret_key(const char *url, const char *eq)
{
	const char *k = eq;
	while (k > url && k[-1] != '?' && k[-1] != '&')
		k--;
	char key[32];
	size_t n = 0;
	while (k < eq && n + 1 < sizeof(key)) {
		if (*k == '%' && eq - k >= 3 && isxdigit((unsigned char)k[1]) &&
		    isxdigit((unsigned char)k[2])) {
			char hex[3] = { k[1], k[2], '\0' };
			key[n++] = (char)strtol(hex, NULL, 16);
			k += 3;
		} else {
			key[n++] = *k++;
		}
	}
	key[n] = '\0';
	return k == eq && (strcmp(key, "password") == 0 ||
	                   strcmp(key, "sslpassword") == 0);
}

static int query_value(const char *url, const char *val)
{
	/* one to three bytes ("-" from %2D) match the URL's text by chance
	 * too easily to say anything */
	if (strlen(val) < 4)
		return 0;
	/* only as the value of a secret's own key: the same text as another
	 * key's value (host='k@x', sslpassword='k%40x') is not a leak */
	for (const char *p = strchr(url, '='); p; p = strchr(p + 1, '='))
		if (strncmp(p + 1, val, strlen(val)) == 0 && secret_key(url, p))
			return 1;
	return 0;
}

static void check_passwords(const char *url, const char *out)
{
	const char *auth = strstr(url, "://");
	if (!auth)
		return;
	auth += 3;
	char scheme[64];
	strata_error err;
	strata_error_clear(&err);
	if (strata_url_scheme(scheme, sizeof(scheme), url, &err) != 0)
		scheme[0] = '\0';

	/* RFC 3986 */
	const char *end = auth + strcspn(auth, "/?#");
	const char *at = NULL;
	for (const char *q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	userinfo_password(url, out, auth, at, "RFC 3986");
	if (!driver_rules())
		return;

	if (strcasecmp(scheme, "postgres") == 0 ||
	    strcasecmp(scheme, "postgresql") == 0) {
		/* libpq: the first '@' before any '/' */
		end = auth + strcspn(auth, "@/");
		userinfo_password(url, out, auth, *end == '@' ? end : NULL, "libpq");
#ifdef HAVE_POSTGRES
		char *msg = NULL;
		PQconninfoOption *opts = PQconninfoParse(url, &msg);
		if (opts) {
			for (PQconninfoOption *o = opts; o->keyword; o++)
				if (o->val && (strcmp(o->keyword, "password") == 0 ||
				               strcmp(o->keyword, "sslpassword") == 0) &&
				    query_value(url, o->val))
					not_leaked(url, out, o->val, strlen(o->val),
					           "PQconninfoParse");
			PQconninfoFree(opts);
		}
		PQfreemem(msg);
#endif
	}
	if (strcasecmp(scheme, "mysql") == 0 ||
	    strcasecmp(scheme, "mariadb") == 0) {
		/* the MySQL driver: the last '@' before any '?' */
		end = auth + strcspn(auth, "?");
		at = NULL;
		for (const char *q = auth; q < end; q++)
			if (*q == '@')
				at = q;
		userinfo_password(url, out, auth, at, "MySQL driver");
	}
}

static int scheme_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

static void check_scheme(const char *url, const char *redacted)
{
	char buf[64];
	strata_error err;
	strata_error_clear(&err);
	int rc = strata_url_scheme(buf, sizeof(buf), url, &err);
	FUZZ_REQUIRE(rc == 0 || rc == STRATA_EURL);
	size_t i = 0;
	while (scheme_char(url[i]))
		i++;
	int valid = isalpha((unsigned char)url[0]) && url[i] == ':' &&
	            i < sizeof(buf);
	FUZZ_REQUIRE((rc == 0) == valid);
	if (rc == 0) {
		FUZZ_REQUIRE(strlen(buf) == i && strncmp(buf, url, i) == 0);
	} else {
		FUZZ_REQUIRE(err.code == rc && err.message[0] != '\0');
	}

	const strata_driver *drv = NULL;
	strata_error lerr;
	strata_error_clear(&lerr);
	int lrc = strata_driver_lookup(&drv, url, &lerr);
	FUZZ_REQUIRE(lrc == 0 || lrc == STRATA_EURL || lrc == STRATA_ENODRIVER ||
	             lrc == STRATA_ENOTBUILT);
	FUZZ_REQUIRE((lrc == STRATA_EURL) == (rc != 0));
	if (lrc == 0) {
		FUZZ_REQUIRE(drv != NULL);
		int known = 0;
		for (const char *const *s = drv->schemes; s && *s; s++)
			known |= strcasecmp(*s, buf) == 0;
		FUZZ_REQUIRE(known);
	} else {
		/* the message depends on the scheme alone, so no password
		 * can reach it: the same as for the bare scheme (or for a
		 * URL that has none) */
		FUZZ_REQUIRE(lerr.code == lrc);
		char bare[80];
		if (lrc == STRATA_EURL)
			snprintf(bare, sizeof(bare), "%s", url[0] ? "1" : "");
		else
			snprintf(bare, sizeof(bare), "%s:", buf);
		strata_error berr;
		strata_error_clear(&berr);
		FUZZ_REQUIRE(strata_driver_lookup(&drv, bare, &berr) == lrc);
		FUZZ_REQUIRE(strcmp(berr.message, lerr.message) == 0);
	}
	(void)redacted;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size < MAX_URL ? size : MAX_URL);
	/* an exact-size copy: ASan sees any read past its NUL */
	char *url = malloc(n + 1);
	if (!url)
		return 0;
	memcpy(url, data, n);
	url[n] = '\0';

	size_t big_size = 4 * n + 64;
	char *big = malloc(big_size);
	if (!big)
		abort();
	memset(big, 'X', big_size);
	FUZZ_REQUIRE(strata_url_redact(big, big_size, url) == big);
	size_t big_len = strnlen(big, big_size);
	FUZZ_REQUIRE(big_len < big_size);
	if (!strchr(url, '@') && !strchr(url, '='))
		FUZZ_REQUIRE(strcmp(big, url) == 0);
	check_passwords(url, big);

	/* a buffer too small: the same text, cut */
	size_t small_size = 1 + (n ? (unsigned char)url[n - 1] % 48 : 0);
	char *small = malloc(small_size);
	if (!small)
		abort();
	memset(small, 'X', small_size);
	strata_url_redact(small, small_size, url);
	size_t small_len = strnlen(small, small_size);
	FUZZ_REQUIRE(small_len < small_size);
	FUZZ_REQUIRE(small_len == (big_len < small_size - 1 ? big_len : small_size - 1));
	FUZZ_REQUIRE(strncmp(small, big, small_len) == 0);

	check_scheme(url, big);
	free(small);
	free(big);
	free(url);
	return 0;
}
