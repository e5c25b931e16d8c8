/* src/version.c - version validation and numeric ordering. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "version.h"

int strata_version_valid(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return 0;
	int need_digit = 1;
	for (size_t i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i]))
			need_digit = 0;
		else if (s[i] == '.' && !need_digit)
			need_digit = 1;
		else
			return 0;
	}
	return !need_digit;
}

/* Length of the component at `s` (up to '.' or NUL). */
static size_t component_len(const char *s)
{
	size_t n = 0;
	while (s[n] && s[n] != '.')
		n++;
	return n;
}

static int component_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	while (na > 1 && *a == '0') {
		a++;
		na--;
	}
	while (nb > 1 && *b == '0') {
		b++;
		nb--;
	}
	if (na != nb)
		return na < nb ? -1 : 1;
	int c = memcmp(a, b, na);
	return c < 0 ? -1 : c > 0;
}

int strata_version_cmp(const char *a, const char *b)
{
	for (;;) {
		size_t na = component_len(a), nb = component_len(b);
		int c = component_cmp(a, na, b, nb);
		if (c)
			return c;
		a += na;
		b += nb;
		if (!*a || !*b)
			return (*a != 0) - (*b != 0);
		a++;
		b++;
	}
}
