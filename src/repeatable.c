/* src/repeatable.c - repeatable migrations: history keys, Flyway's order,
 * and the source's list of them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repeatable.h"

int strata_repeatable_key(const char *version)
{
	return version && strncmp(version, STRATA_REPEATABLE_PREFIX,
	                          sizeof(STRATA_REPEATABLE_PREFIX) - 1) == 0;
}

/* The code point at *p (advancing *p); a byte that does not start a
 * valid UTF-8 sequence stands for itself. */
static unsigned long next_code_point(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned long cp = s[0];
	size_t k = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
	         : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : 1;
	if (s[0] >= 0xF5)
		k = 1;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			k = 1;
	if (k > 1) {
		cp = s[0] & (0x7F >> k);
		for (size_t i = 1; i < k; i++)
			cp = (cp << 6) | (s[i] & 0x3F);
	}
	*p = s + k;
	return cp;
}

/* Where a code point sorts among UTF-16 code units, as Java compares
 * strings: below U+D800 as itself; a supplementary character by its
 * surrogate pair, after those and before U+E000..U+FFFF. */
static unsigned long utf16_rank(unsigned long cp)
{
	if (cp < 0xD800 || (cp >= 0xD800 && cp < 0xE000))
		return cp;
	if (cp >= 0x10000)
		return 0xD800 + (cp - 0x10000);
	return cp + 0x200000;
}

int strata_repeatable_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	while (*x && *y) {
		unsigned long cx = next_code_point(&x), cy = next_code_point(&y);
		/* Flyway's description: the file name's '_' is a space */
		if (cx == '_')
			cx = ' ';
		if (cy == '_')
			cy = ' ';
		cx = utf16_rank(cx);
		cy = utf16_rank(cy);
		if (cx != cy)
			return cx < cy ? -1 : 1;
	}
	if (*x || *y)
		return *x ? 1 : -1;
	int c = strcmp(a, b);
	return c < 0 ? -1 : c > 0;
}

/* Length of `s` without its trailing spaces and underscores. */
static size_t trimmed_len(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '_'))
		n--;
	return n;
}

static int fold(unsigned char c)
{
	if (c == '_')
		return ' ';
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int strata_repeatable_same(const char *a, const char *b)
{
	size_t na = trimmed_len(a), nb = trimmed_len(b);
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return 0;
	return 1;
}

static const char *origin(const strata_migration *m)
{
	return m->file ? m->file : m->version;
}

/* Index of the first repeatable whose description is not less than
 * `name` (binary search in Flyway's order). */
static size_t lower_bound(const strata_source *src, const char *name)
{
	size_t lo = 0, hi = src->nrepeatable;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strata_repeatable_cmp(src->repeatables[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int strata_source_insert_repeatable(strata_source *src, strata_migration *m,
                                    strata_error *err)
{
	for (size_t i = 0; i < src->nrepeatable; i++) {
		const strata_migration *o = src->repeatables[i];
		if (!strata_repeatable_same(o->name, m->name))
			continue;
		strata_error_set(err, STRATA_EPLAN,
		                 "two repeatable migrations have the description \"%s\": %s and %s "
		                 "(descriptions must differ in more than case, '_' against ' ' "
		                 "and trailing blanks, as Flyway and MySQL tell them apart)",
		                 m->name, origin(o), origin(m));
		snprintf(err->version, sizeof(err->version), "%s", m->version);
		snprintf(err->file, sizeof(err->file), "%s", origin(m));
		strata_migration_free(m);
		return STRATA_EPLAN;
	}
	if (src->nrepeatable == src->caprepeatable) {
		size_t cap = src->caprepeatable ? src->caprepeatable * 2 : 16;
		strata_migration **p = realloc(src->repeatables, cap * sizeof(*p));
		if (!p) {
			strata_migration_free(m);
			return strata_error_set(err, STRATA_ENOMEM, "out of memory");
		}
		src->repeatables = p;
		src->caprepeatable = cap;
	}
	size_t i = lower_bound(src, m->name);
	memmove(src->repeatables + i + 1, src->repeatables + i,
	        (src->nrepeatable - i) * sizeof(*src->repeatables));
	src->repeatables[i] = m;
	src->nrepeatable++;
	return 0;
}

strata_migration *strata_source_find_repeatable(const strata_source *src,
                                                const char *key)
{
	if (!src || !strata_repeatable_key(key))
		return NULL;
	const char *name = key + sizeof(STRATA_REPEATABLE_PREFIX) - 1;
	size_t i = lower_bound(src, name);
	if (i < src->nrepeatable && strcmp(src->repeatables[i]->version, key) == 0)
		return src->repeatables[i];
	return NULL;
}
