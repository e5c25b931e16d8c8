/* fuzz/split_check.h - invariants of one strata_sql_split() result,
 * checked independently of src/sql.c (used by fuzz_sql.c and
 * fuzz_format.c). */
#ifndef STRATA_FUZZ_SPLIT_CHECK_H
#define STRATA_FUZZ_SPLIT_CHECK_H

#include <string.h>
#include <strings.h>

#include <strata.h>
#include <strata/driver.h>

#include "fuzz.h"

static inline int fuzz_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static const char *const fuzz_ddl_words[] = {
	"CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE", "GRANT", "REVOKE",
	"LOCK", "UNLOCK", "ANALYZE", "OPTIMIZE", "REPAIR", "FLUSH", "INSTALL",
	"UNINSTALL", "EXECUTE", "CALL", NULL
};
static const char *const fuzz_no_tx_words[] = {
	"CREATE", "DROP", "REINDEX", "ALTER", "VACUUM", "PRAGMA", NULL
};

/* 1 when one of `words` is a whole word (any case) of sql[0, len): the
 * splitter takes flags from the first word tokens, which punctuation,
 * numbers or stray bytes may precede. */
static inline int fuzz_has_word(const char *sql, size_t len,
                                const char *const *words)
{
	size_t i = 0;
	while (i < len) {
		size_t k = 0;
		while (i + k < len && ((sql[i + k] >= 'a' && sql[i + k] <= 'z') ||
		                       (sql[i + k] >= 'A' && sql[i + k] <= 'Z') ||
		                       sql[i + k] == '_'))
			k++;
		if (k == 0) {
			i++;
			continue;
		}
		for (const char *const *w = words; *w; w++)
			if (strlen(*w) == k && strncasecmp(sql + i, *w, k) == 0)
				return 1;
		i += k;
	}
	return 0;
}

/* Number of '\n' in text[0, len). */
static inline int fuzz_newlines(const char *text, size_t len)
{
	int k = 0;
	for (size_t i = 0; i < len; i++)
		k += text[i] == '\n';
	return k;
}

/*
 * What must hold of a split of text[0, len) starting at line first_line:
 * the return code is one the API documents; on success the statements lie
 * inside the text, in order, without overlapping, are non-empty and
 * trimmed, carry the line and column of their first byte, only flags the
 * dialect can set, and COPY data after the statement that owns it; on
 * failure the error names a position inside the text.
 */
static inline void fuzz_check_split(int rc, const strata_stmt *st, size_t n,
                             const strata_error *err, const char *text,
                             size_t len, strata_dialect d, int first_line)
{
	FUZZ_REQUIRE(rc == 0 || rc == STRATA_EPARSE || rc == STRATA_ENOMEM);
	if (rc) {
		int lines = fuzz_newlines(text, len);
		FUZZ_REQUIRE(st == NULL && n == 0);
		FUZZ_REQUIRE(err->code == rc && err->message[0] != '\0');
		if (rc == STRATA_EPARSE) {
			FUZZ_REQUIRE(err->line >= first_line &&
			             err->line <= first_line + lines);
			FUZZ_REQUIRE(err->column >= 1);
			/* the column lies on its line (or just past its end) */
			size_t off = 0;
			for (int l = first_line; l < err->line; l++)
				off = (size_t)((const char *)memchr(text + off, '\n',
				                                    len - off) - text) + 1;
			const char *eol = memchr(text + off, '\n', len - off);
			size_t line_len = (eol ? (size_t)(eol - text) : len) - off;
			FUZZ_REQUIRE((size_t)err->column <= line_len + 1);
		}
		return;
	}
	FUZZ_REQUIRE(n == 0 ? st == NULL : st != NULL);
	unsigned known = STRATA_STMT_NO_TX | STRATA_STMT_DDL | STRATA_STMT_COPY_IN;
#ifdef STRATA_STMT_TX_CONTROL
	known |= STRATA_STMT_TX_CONTROL | STRATA_STMT_TX_OPENS | STRATA_STMT_TX_ENDS;
#endif
	size_t prev_end = 0, pos = 0, bol = 0;
	int line = first_line;
	for (size_t i = 0; i < n; i++) {
		const strata_stmt *s = &st[i];
		FUZZ_REQUIRE(s->sql != NULL && s->sql >= text);
		size_t off = (size_t)(s->sql - text);
		FUZZ_REQUIRE(off >= prev_end);
		FUZZ_REQUIRE(s->len > 0 && s->len <= len && off <= len - s->len);
		FUZZ_REQUIRE(!fuzz_is_ws(s->sql[0]) && !fuzz_is_ws(s->sql[s->len - 1]));
		for (; pos < off; pos++)
			if (text[pos] == '\n') {
				line++;
				bol = pos + 1;
			}
		FUZZ_REQUIRE(s->line == line);
		FUZZ_REQUIRE(s->column == (int)(off - bol) + 1);
		FUZZ_REQUIRE((s->flags & ~known) == 0);
		/* opening or ending one is transaction control, never both */
		if (s->flags & (STRATA_STMT_TX_OPENS | STRATA_STMT_TX_ENDS))
			FUZZ_REQUIRE((s->flags & STRATA_STMT_TX_CONTROL) &&
			             (s->flags & (STRATA_STMT_TX_OPENS | STRATA_STMT_TX_ENDS)) !=
			             (STRATA_STMT_TX_OPENS | STRATA_STMT_TX_ENDS));
		if (d == STRATA_DIALECT_GENERIC)
			FUZZ_REQUIRE((s->flags & (STRATA_STMT_NO_TX |
			                          STRATA_STMT_COPY_IN)) == 0);
		/* flags come from keywords of the statement */
		if (s->flags & STRATA_STMT_DDL)
			FUZZ_REQUIRE(fuzz_has_word(s->sql, s->len, fuzz_ddl_words));
		if (s->flags & STRATA_STMT_NO_TX)
			FUZZ_REQUIRE(fuzz_has_word(s->sql, s->len, fuzz_no_tx_words));
		if (d != STRATA_DIALECT_POSTGRES)
			FUZZ_REQUIRE(!(s->flags & STRATA_STMT_COPY_IN));
		if (d == STRATA_DIALECT_MYSQL)
			FUZZ_REQUIRE(!(s->flags & STRATA_STMT_NO_TX));
		/* leading comments are not part of a statement (MySQL's
		 * versioned comments are code, so only the other dialects) */
		if (d != STRATA_DIALECT_MYSQL && s->len >= 2)
			FUZZ_REQUIRE(memcmp(s->sql, "--", 2) != 0 &&
			             memcmp(s->sql, "/*", 2) != 0);
		prev_end = off + s->len;
		if (s->flags & STRATA_STMT_COPY_IN) {
			FUZZ_REQUIRE(s->data != NULL && s->data >= s->sql + s->len);
			size_t data_off = (size_t)(s->data - text);
			FUZZ_REQUIRE(s->data_len <= len && data_off <= len - s->data_len);
			prev_end = data_off + s->data_len;
		} else {
			FUZZ_REQUIRE(s->data == NULL && s->data_len == 0);
		}
	}
}

/* Two splits of the same text agree statement by statement, lines
 * shifted by `shift`. */
static inline void fuzz_same_split(const strata_stmt *a, size_t na,
                            const strata_stmt *b, size_t nb, int shift)
{
	FUZZ_REQUIRE(na == nb);
	for (size_t i = 0; i < na; i++) {
		FUZZ_REQUIRE(a[i].sql == b[i].sql && a[i].len == b[i].len);
		FUZZ_REQUIRE(a[i].line + shift == b[i].line);
		FUZZ_REQUIRE(a[i].column == b[i].column);
		FUZZ_REQUIRE(a[i].flags == b[i].flags);
		FUZZ_REQUIRE(a[i].data == b[i].data && a[i].data_len == b[i].data_len);
	}
}

#endif
