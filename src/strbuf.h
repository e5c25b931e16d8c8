/* src/strbuf.h - a growable, always NUL-terminated byte buffer. */
#ifndef STRATA_STRBUF_H
#define STRATA_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
	char *buf;      /* NULL until the first append; owned */
	size_t len;
	size_t cap;
	int oom;        /* sticky: an allocation failed */
} strbuf;

#define STRBUF_INIT { NULL, 0, 0, 0 }

/* Each returns 0, or -1 (and sets oom) when memory ran out. */
int strbuf_append(strbuf *sb, const char *s, size_t n);
int strbuf_puts(strbuf *sb, const char *s);
int strbuf_printf(strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the buffer to the caller ("" when empty); NULL when oom. */
char *strbuf_detach(strbuf *sb);
void strbuf_release(strbuf *sb);

#endif
