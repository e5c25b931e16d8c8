/*
 * src/sql.c - the SQL splitter: one hand-written lexer with dialect rules
 * (PostgreSQL, MySQL/MariaDB, SQLite, generic) that cuts migration text
 * into statements with absolute line and column numbers, keeps compound
 * bodies (BEGIN ... END) whole, reads PostgreSQL COPY data blocks and
 * flags statements that cannot run inside a transaction.
 *
 * The text is read once, left to right: the lexer hands out tokens (words,
 * quoted runs, comments, single punctuation bytes), and a per-statement
 * scanner looks at the word stream to classify the statement and to track
 * the nesting of compound bodies. Nothing is ever rescanned.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>
#include <strata/driver.h>

#include "sql.h"

#define NPOS ((size_t)-1)
#define BLOCK_BITS 64 /* nesting levels whose kind is remembered */

/* ------------------------------------------------------------------ */
/* Character classes (ASCII only: no locale)                           */
/* ------------------------------------------------------------------ */

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Bytes of an unquoted word after its first byte. */
static int is_word_char(unsigned char c)
{
	return is_ident_start(c) || is_digit(c) || c == '$';
}

/* Bytes of a dollar-quote tag (an identifier without '$'). */
static int is_tag_char(unsigned char c)
{
	return is_ident_start(c) || is_digit(c);
}

static unsigned char ascii_upper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Compares n bytes of `s` with the upper-case ASCII word `upper`. */
static int word_equals(const char *s, size_t n, const char *upper)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (upper[i] == '\0' ||
		    ascii_upper((unsigned char)s[i]) != (unsigned char)upper[i])
			return 0;
	return upper[i] == '\0';
}

/* ------------------------------------------------------------------ */
/* Keywords the statement scanner cares about                          */
/* ------------------------------------------------------------------ */

enum kw {
	KW_NONE = 0,
	KW_ADD, KW_AGGREGATE, KW_ALTER, KW_ATOMIC, KW_BEGIN, KW_CASE,
	KW_CONCURRENTLY, KW_COPY, KW_CREATE, KW_DATABASE, KW_DEFINER, KW_DO,
	KW_DROP, KW_ELSE, KW_END, KW_EVENT, KW_FOREIGN_KEYS, KW_FROM,
	KW_FUNCTION, KW_IF, KW_INDEX, KW_JOURNAL_MODE, KW_LOOP, KW_NOT, KW_OR,
	KW_PRAGMA, KW_PROCEDURE, KW_REINDEX,
	KW_RENAME, KW_TRUNCATE, KW_GRANT, KW_REVOKE, KW_LOCK, KW_UNLOCK,
	KW_ANALYZE, KW_OPTIMIZE, KW_REPAIR, KW_FLUSH, KW_INSTALL, KW_UNINSTALL,
	KW_REPEAT, KW_REPLACE, KW_SCHEMA, KW_STDIN, KW_SYSTEM, KW_TABLESPACE,
	KW_TEMP, KW_TEMPORARY, KW_THEN, KW_TRIGGER, KW_TYPE, KW_UNIQUE,
	KW_VACUUM, KW_VALUE, KW_WHILE,
	KW_ATTACH, KW_DETACH, KW_COMMIT, KW_ROLLBACK, KW_START, KW_SAVEPOINT,
	KW_RELEASE, KW_ABORT, KW_TO, KW_WORK, KW_TRANSACTION, KW_EXECUTE,
	KW_CALL, KW_PREPARE
};

#define KW(name, id) { name, sizeof(name) - 1, id }

static const struct {
	const char *name;
	size_t len;
	enum kw kw;
} keywords[] = {
	KW("ADD", KW_ADD), KW("AGGREGATE", KW_AGGREGATE),
	KW("ALTER", KW_ALTER), KW("ATOMIC", KW_ATOMIC),
	KW("BEGIN", KW_BEGIN), KW("CASE", KW_CASE),
	KW("CONCURRENTLY", KW_CONCURRENTLY), KW("COPY", KW_COPY),
	KW("CREATE", KW_CREATE), KW("DATABASE", KW_DATABASE),
	KW("DEFINER", KW_DEFINER), KW("DO", KW_DO), KW("DROP", KW_DROP),
	KW("ELSE", KW_ELSE), KW("END", KW_END), KW("EVENT", KW_EVENT),
	KW("FOREIGN_KEYS", KW_FOREIGN_KEYS),
	KW("FROM", KW_FROM), KW("FUNCTION", KW_FUNCTION), KW("IF", KW_IF),
	KW("INDEX", KW_INDEX), KW("JOURNAL_MODE", KW_JOURNAL_MODE),
	KW("LOOP", KW_LOOP), KW("NOT", KW_NOT),
	KW("OR", KW_OR), KW("PRAGMA", KW_PRAGMA), KW("PROCEDURE", KW_PROCEDURE),
	KW("REINDEX", KW_REINDEX), KW("REPEAT", KW_REPEAT),
	KW("REPLACE", KW_REPLACE), KW("SCHEMA", KW_SCHEMA),
	KW("STDIN", KW_STDIN), KW("SYSTEM", KW_SYSTEM),
	KW("TABLESPACE", KW_TABLESPACE), KW("TEMP", KW_TEMP),
	KW("TEMPORARY", KW_TEMPORARY), KW("THEN", KW_THEN),
	KW("TRIGGER", KW_TRIGGER), KW("TYPE", KW_TYPE),
	KW("UNIQUE", KW_UNIQUE), KW("VACUUM", KW_VACUUM),
	KW("RENAME", KW_RENAME), KW("TRUNCATE", KW_TRUNCATE),
	KW("GRANT", KW_GRANT), KW("REVOKE", KW_REVOKE), KW("LOCK", KW_LOCK),
	KW("UNLOCK", KW_UNLOCK), KW("ANALYZE", KW_ANALYZE),
	KW("OPTIMIZE", KW_OPTIMIZE), KW("REPAIR", KW_REPAIR),
	KW("FLUSH", KW_FLUSH), KW("INSTALL", KW_INSTALL),
	KW("UNINSTALL", KW_UNINSTALL),
	KW("VALUE", KW_VALUE), KW("WHILE", KW_WHILE),
	KW("ATTACH", KW_ATTACH), KW("DETACH", KW_DETACH),
	KW("COMMIT", KW_COMMIT), KW("ROLLBACK", KW_ROLLBACK),
	KW("START", KW_START), KW("SAVEPOINT", KW_SAVEPOINT),
	KW("RELEASE", KW_RELEASE), KW("ABORT", KW_ABORT),
	KW("TO", KW_TO), KW("WORK", KW_WORK),
	KW("TRANSACTION", KW_TRANSACTION), KW("EXECUTE", KW_EXECUTE),
	KW("CALL", KW_CALL), KW("PREPARE", KW_PREPARE),
};

#define KEYWORD_MAX_LEN 12 /* strlen("CONCURRENTLY") */

static enum kw keyword_of(const char *s, size_t n)
{
	if (n < 2 || n > KEYWORD_MAX_LEN)
		return KW_NONE;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].len == n && word_equals(s, n, keywords[i].name))
			return keywords[i].kw;
	return KW_NONE;
}

/* ------------------------------------------------------------------ */
/* Lexer                                                                */
/* ------------------------------------------------------------------ */

typedef enum tok_kind {
	TK_COMMENT,  /* -- / # / block comment: not statement content */
	TK_WORD,     /* keyword, unquoted identifier or number */
	TK_STRING,   /* '...', E'...', MySQL "...", $tag$...$tag$ */
	TK_IDENT,    /* quoted identifier: "...", `...`, [...] */
	TK_PUNCT,    /* any other single byte */
	TK_EXEC      /* MySQL versioned comment: executable content */
} tok_kind;

typedef struct token {
	tok_kind kind;
	size_t start, end;         /* [start, end) in the text */
	int line, column;
} token;

typedef struct lexer {
	const char *s;
	size_t len;
	size_t pos;                /* next byte to read */
	strata_dialect dialect;
	int line;                  /* line of s[pos] */
	size_t bol;                /* offset of the first byte of that line */
	int blank_line;            /* only whitespace before pos on its line */
	const char *delim;         /* statement terminator in force */
	size_t delim_len;
	strata_error *err;
} lexer;

static int lx_column(const lexer *lx, size_t pos)
{
	return (int)(pos - lx->bol) + 1;
}

/* Moves to `to`, counting the line breaks passed. */
static void lx_advance(lexer *lx, size_t to)
{
	size_t i = lx->pos;

	while (i < to) {
		const char *nl = memchr(lx->s + i, '\n', to - i);
		if (!nl)
			break;
		i = (size_t)(nl - lx->s) + 1;
		lx->line++;
		lx->bol = i;
	}
	lx->pos = to;
}

static void lx_skip_space(lexer *lx)
{
	while (lx->pos < lx->len && is_space((unsigned char)lx->s[lx->pos])) {
		if (lx->s[lx->pos] == '\n') {
			lx->line++;
			lx->bol = lx->pos + 1;
			lx->blank_line = 1;
		}
		lx->pos++;
	}
}

static unsigned char lx_peek(const lexer *lx, size_t at)
{
	return at < lx->len ? (unsigned char)lx->s[at] : '\0';
}

/* Reports an unterminated construct that starts at `t`. */
static int lx_unterminated(lexer *lx, const token *t, const char *what,
                           const char *tag, size_t tag_len)
{
	int shown = tag_len > 200 ? 200 : (int)tag_len;

	strata_error_set(lx->err, STRATA_EPARSE,
	                 "unterminated %s%s%.*s starting at line %d, column %d",
	                 what, tag_len ? " " : "", shown, tag ? tag : "",
	                 t->line, t->column);
	if (lx->err) {
		lx->err->line = t->line;
		lx->err->column = t->column;
	}
	return STRATA_EPARSE;
}

/* End of a run quoted by `q` opened at s[pos]: just after the closing
 * quote. A doubled quote is an escape, and so is a backslash when `bs`.
 * NPOS when unterminated. */
static size_t scan_quoted(const char *s, size_t len, size_t pos, char q,
                          int bs)
{
	for (size_t i = pos + 1; i < len; i++) {
		if (bs && s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] != q)
			continue;
		if (i + 1 < len && s[i + 1] == q) {
			i++;
			continue;
		}
		return i + 1;
	}
	return NPOS;
}

/* End of a block comment opened at s[pos] ("/" "*"), or NPOS. */
static size_t scan_block_comment(const char *s, size_t len, size_t pos,
                                 int nested)
{
	size_t depth = 1;
	size_t i = pos + 2;

	while (i + 1 < len) {
		if (s[i] == '*' && s[i + 1] == '/') {
			i += 2;
			if (--depth == 0)
				return i;
		} else if (nested && s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i += 2;
		} else {
			i++;
		}
	}
	return NPOS;
}

/* Length of a $tag$ opener at s[pos] == '$', or 0 when it is not one
 * ($1 parameters, a lone $). */
static size_t dollar_tag_len(const char *s, size_t len, size_t pos)
{
	size_t i = pos + 1;

	if (i < len && is_ident_start((unsigned char)s[i]))
		while (i < len && is_tag_char((unsigned char)s[i]))
			i++;
	if (i < len && s[i] == '$')
		return i + 1 - pos;
	return 0;
}

/* End of the dollar quote whose opener s[pos .. pos+tag_len) it is. */
static size_t scan_dollar(const char *s, size_t len, size_t pos,
                          size_t tag_len)
{
	size_t i = pos + tag_len;

	while (i < len) {
		const char *p = memchr(s + i, '$', len - i);
		if (!p)
			break;
		size_t at = (size_t)(p - s);
		if (len - at >= tag_len && memcmp(p, s + pos, tag_len) == 0)
			return at + tag_len;
		i = at + 1;
	}
	return NPOS;
}

/* End of the word at lx->pos. A delimiter made of word bytes (MySQL
 * "DELIMITER $$") ends it, as in "END$$". */
static size_t scan_word(const lexer *lx)
{
	const char *s = lx->s;
	size_t i = lx->pos + 1;
	int glued = is_word_char((unsigned char)lx->delim[0]);

	while (i < lx->len && is_word_char((unsigned char)s[i])) {
		if (glued && s[i] == lx->delim[0] &&
		    lx->len - i >= lx->delim_len &&
		    memcmp(s + i, lx->delim, lx->delim_len) == 0)
			break;
		i++;
	}
	return i;
}

/* Is s[pos] the start of a line comment in this dialect? */
static int lx_line_comment(const lexer *lx, size_t pos)
{
	unsigned char c = lx_peek(lx, pos);

	if (lx->dialect == STRATA_DIALECT_MYSQL) {
		if (c == '#')
			return 1;
		/* MySQL: "--" must be followed by whitespace, a control
		 * character or the end of the text */
		return c == '-' && lx_peek(lx, pos + 1) == '-' &&
		       lx_peek(lx, pos + 2) <= ' ';
	}
	return c == '-' && lx_peek(lx, pos + 1) == '-';
}

static size_t line_end(const char *s, size_t len, size_t pos)
{
	const char *nl = memchr(s + pos, '\n', len - pos);

	return nl ? (size_t)(nl - s) : len;
}

/* Block comments, and MySQL versioned comments which are content. */
static int lex_block_comment(lexer *lx, token *t)
{
	int mysql = lx->dialect == STRATA_DIALECT_MYSQL;
	unsigned char c2 = lx_peek(lx, t->start + 2);
	int exec = mysql && (c2 == '!' ||
	           (c2 == 'M' && lx_peek(lx, t->start + 3) == '!'));

	t->kind = exec ? TK_EXEC : TK_COMMENT;
	t->end = scan_block_comment(lx->s, lx->len, t->start,
	                            lx->dialect == STRATA_DIALECT_POSTGRES);
	if (t->end == NPOS)
		return lx_unterminated(lx, t, exec ? "versioned comment" :
		                       "block comment", NULL, 0);
	return 0;
}

/* Strings and quoted identifiers opened by s[open]: ' " ` or [. */
static int lex_quoted(lexer *lx, token *t, size_t open)
{
	int mysql = lx->dialect == STRATA_DIALECT_MYSQL;
	char q = lx->s[open];
	const char *what;

	if (q == '[') {
		const char *e = memchr(lx->s + open, ']', lx->len - open);
		t->kind = TK_IDENT;
		t->end = e ? (size_t)(e - lx->s) + 1 : NPOS;
		what = "bracket-quoted identifier";
	} else {
		int string = q == '\'' || (q == '"' && mysql);
		t->kind = string ? TK_STRING : TK_IDENT;
		t->end = scan_quoted(lx->s, lx->len, open, q, mysql && q != '`');
		what = string ? "quoted string" : q == '"' ?
		       "quoted identifier" : "backtick-quoted identifier";
	}
	if (t->end == NPOS)
		return lx_unterminated(lx, t, what, NULL, 0);
	return 0;
}

static int lex_dollar(lexer *lx, token *t)
{
	size_t tag_len = dollar_tag_len(lx->s, lx->len, t->start);

	if (tag_len == 0) {
		t->kind = TK_PUNCT;
		t->end = t->start + 1;
		return 0;
	}
	t->kind = TK_STRING;
	t->end = scan_dollar(lx->s, lx->len, t->start, tag_len);
	if (t->end == NPOS)
		return lx_unterminated(lx, t, "dollar-quoted string",
		                       lx->s + t->start, tag_len);
	return 0;
}

/* A word; in PostgreSQL E'...' (backslash escapes) and U&'...'. */
static int lex_word(lexer *lx, token *t)
{
	const char *s = lx->s;
	size_t end = scan_word(lx);
	unsigned char c = (unsigned char)s[t->start];

	t->kind = TK_WORD;
	t->end = end;
	if (lx->dialect != STRATA_DIALECT_POSTGRES || end != t->start + 1)
		return 0;
	if ((c == 'E' || c == 'e') && lx_peek(lx, end) == '\'') {
		t->kind = TK_STRING;
		t->end = scan_quoted(s, lx->len, end, '\'', 1);
	} else if ((c == 'U' || c == 'u') && lx_peek(lx, end) == '&' &&
	           lx_peek(lx, end + 1) == '\'') {
		t->kind = TK_STRING;
		t->end = scan_quoted(s, lx->len, end + 1, '\'', 0);
	}
	if (t->end == NPOS)
		return lx_unterminated(lx, t, "quoted string", NULL, 0);
	return 0;
}

/* Reads the token at lx->pos (not whitespace) and moves past it. */
static int lex_token(lexer *lx, token *t)
{
	size_t pos = lx->pos;
	unsigned char c = (unsigned char)lx->s[pos];
	strata_dialect d = lx->dialect;
	int rc = 0;

	t->start = pos;
	t->line = lx->line;
	t->column = lx_column(lx, pos);
	if (lx_line_comment(lx, pos)) {
		t->kind = TK_COMMENT;
		t->end = line_end(lx->s, lx->len, pos);
	} else if (c == '/' && lx_peek(lx, pos + 1) == '*') {
		rc = lex_block_comment(lx, t);
	} else if (c == '\'' || c == '"' ||
	           (c == '`' && d != STRATA_DIALECT_POSTGRES) ||
	           (c == '[' && (d == STRATA_DIALECT_SQLITE ||
	                         d == STRATA_DIALECT_GENERIC))) {
		rc = lex_quoted(lx, t, pos);
	} else if (c == '$' && d == STRATA_DIALECT_POSTGRES) {
		rc = lex_dollar(lx, t);
	} else if (is_ident_start(c) || is_digit(c)) {
		rc = lex_word(lx, t);
	} else {
		t->kind = TK_PUNCT;
		t->end = pos + 1;
	}
	if (rc)
		return rc;
	lx_advance(lx, t->end);
	lx->blank_line = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Statement scanner: classification and compound-body nesting          */
/* ------------------------------------------------------------------ */

/* Where the scanner is in "CREATE [OR REPLACE] [DEFINER = u@h] ..." */
typedef enum header_state {
	H_IDLE,        /* no token yet */
	H_CREATE,      /* after CREATE and its modifiers */
	H_BEGIN,       /* MySQL: statement starts with BEGIN */
	H_DEF_EQ,      /* after DEFINER */
	H_DEF_USER,    /* after DEFINER = */
	H_DEF_AFTER,   /* after the user (or a host part) */
	H_DEF_HOST,    /* after '@' or '.' */
	H_DONE
} header_state;

typedef struct stmt_scan {
	int active;                /* a content token was seen */
	size_t start, end;         /* content so far */
	int line, column;
	unsigned flags;

	size_t nwords;
	enum kw first[4];          /* first words, as keywords */
	enum kw prev_kw;           /* previous token if a word, else NONE */
	size_t paren;              /* open parentheses */
	int reindex_kind_seen;     /* PG: the object kind after REINDEX */
	int copy_in;               /* PG: COPY ... FROM STDIN */

	header_state hdr;
	int routine;               /* its ';' may be inside a body */
	size_t depth;              /* open compound blocks */
	uint64_t expr_bits;        /* bit i: level i+1 is a CASE expression */
	int at_start;              /* MySQL: at the start of a body statement */
	int label;                 /* MySQL: a word that may be a label */
	int after_end;             /* MySQL: previous token was END */
} stmt_scan;

static void block_push(stmt_scan *st, int expr)
{
	if (st->depth < BLOCK_BITS) {
		uint64_t bit = (uint64_t)1 << st->depth;
		st->expr_bits = expr ? (st->expr_bits | bit) :
		                       (st->expr_bits & ~bit);
	}
	st->depth++;
}

static void block_pop(stmt_scan *st)
{
	if (st->depth > 0)
		st->depth--;
}

static int block_top_is_expr(const stmt_scan *st)
{
	if (st->depth == 0 || st->depth > BLOCK_BITS)
		return 0;
	return (int)((st->expr_bits >> (st->depth - 1)) & 1u);
}

static int is_routine_kw(strata_dialect d, enum kw kw)
{
	switch (d) {
	case STRATA_DIALECT_POSTGRES:
		return kw == KW_FUNCTION || kw == KW_PROCEDURE;
	case STRATA_DIALECT_MYSQL:
		return kw == KW_PROCEDURE || kw == KW_FUNCTION ||
		       kw == KW_TRIGGER || kw == KW_EVENT;
	default:
		return kw == KW_TRIGGER;
	}
}

static void header_create_word(stmt_scan *st, strata_dialect d, enum kw kw)
{
	switch (kw) {
	case KW_OR: case KW_REPLACE: case KW_TEMP: case KW_TEMPORARY:
	case KW_AGGREGATE:
		return;
	case KW_DEFINER:
		st->hdr = H_DEF_EQ;
		return;
	default:
		st->routine = is_routine_kw(d, kw);
		st->hdr = H_DONE;
	}
}

static void header_word(stmt_scan *st, strata_dialect d, enum kw kw)
{
	switch (st->hdr) {
	case H_IDLE:
		if (kw == KW_CREATE)
			st->hdr = H_CREATE;
		else if (kw == KW_BEGIN && d == STRATA_DIALECT_MYSQL)
			st->hdr = H_BEGIN;
		else
			st->hdr = H_DONE;
		return;
	case H_BEGIN:
		/* MariaDB: BEGIN NOT ATOMIC ... END */
		if (kw == KW_NOT) {
			st->routine = 1;
			block_push(st, 0);
		}
		st->hdr = H_DONE;
		return;
	case H_DEF_USER:
	case H_DEF_HOST:
		st->hdr = H_DEF_AFTER;
		return;
	case H_DEF_AFTER:
	case H_CREATE:
		header_create_word(st, d, kw);
		return;
	default:
		st->hdr = H_DONE;
	}
}

static void header_other(stmt_scan *st, tok_kind kind, char ch)
{
	int quoted = kind == TK_STRING || kind == TK_IDENT;

	switch (st->hdr) {
	case H_DEF_EQ:
		st->hdr = ch == '=' ? H_DEF_USER : H_DONE;
		return;
	case H_DEF_USER:
	case H_DEF_HOST:
		st->hdr = quoted ? H_DEF_AFTER : H_DONE;
		return;
	case H_DEF_AFTER:
		if (ch == '@' || ch == '.')
			st->hdr = H_DEF_HOST;
		else if (ch != '(' && ch != ')')
			st->hdr = H_DONE;
		return;
	default:
		st->hdr = H_DONE;
	}
}

static int is_block_kw(enum kw kw)
{
	return kw == KW_IF || kw == KW_CASE || kw == KW_LOOP ||
	       kw == KW_WHILE || kw == KW_REPEAT;
}

/* MySQL compound statements: BEGIN/IF/CASE/LOOP/WHILE/REPEAT ... END. */
static void mysql_block_word(stmt_scan *st, enum kw kw)
{
	int at_start = st->at_start;

	st->at_start = 0;
	st->label = 0;
	if (st->after_end) {
		st->after_end = 0;
		if (is_block_kw(kw))
			return; /* END IF, END CASE, END LOOP, ... */
	}
	switch (kw) {
	case KW_BEGIN:
		block_push(st, 0);
		st->at_start = 1;
		return;
	case KW_END:
		block_pop(st);
		st->after_end = 1;
		return;
	case KW_CASE:
		block_push(st, !at_start);
		return;
	case KW_IF: case KW_WHILE: case KW_LOOP: case KW_REPEAT:
		/* IF() and REPEAT() are functions outside statement position */
		if (at_start && st->depth > 0) {
			block_push(st, 0);
			st->at_start = kw == KW_LOOP || kw == KW_REPEAT;
		}
		return;
	case KW_THEN: case KW_ELSE: case KW_DO:
		st->at_start = !block_top_is_expr(st);
		return;
	case KW_ATOMIC:
		st->at_start = st->prev_kw == KW_NOT;
		return;
	default:
		st->label = at_start;
	}
}

static void mysql_block_other(stmt_scan *st, tok_kind kind, char ch)
{
	int label = st->label, at_start = st->at_start;

	st->label = 0;
	st->after_end = 0;
	st->at_start = 0;
	if (ch == ';')
		st->at_start = st->depth > 0;
	else if (ch == ':')
		st->at_start = label;
	else if (kind == TK_IDENT)
		st->label = at_start; /* `quoted label`: */
}

static void block_word(stmt_scan *st, strata_dialect d, enum kw kw)
{
	switch (d) {
	case STRATA_DIALECT_MYSQL:
		mysql_block_word(st, kw);
		return;
	case STRATA_DIALECT_POSTGRES:
		/* BEGIN ATOMIC ... END with CASE ... END inside */
		if (kw == KW_ATOMIC && st->prev_kw == KW_BEGIN)
			block_push(st, 0);
		else if (kw == KW_CASE)
			block_push(st, 1);
		else if (kw == KW_END)
			block_pop(st);
		return;
	default:
		/* SQLite triggers: BEGIN ... END with CASE ... END inside */
		if (kw == KW_BEGIN || kw == KW_CASE)
			block_push(st, kw == KW_CASE);
		else if (kw == KW_END)
			block_pop(st);
	}
}

static int first_is(const stmt_scan *st, enum kw a, enum kw b)
{
	return st->first[0] == a && (b == KW_NONE || st->first[1] == b);
}

/* PostgreSQL statements that refuse to run in a transaction block. */
static int pg_no_tx_word(stmt_scan *st, size_t idx, enum kw kw)
{
	enum kw w0 = st->first[0];

	if (idx == 0)
		return kw == KW_VACUUM;
	if (idx == 1 && (w0 == KW_CREATE || w0 == KW_DROP))
		return kw == KW_DATABASE || kw == KW_TABLESPACE;
	if (idx == 1 && w0 == KW_ALTER)
		return kw == KW_SYSTEM;
	if (w0 == KW_REINDEX) {
		if (kw == KW_CONCURRENTLY)
			return 1;
		if (st->paren > 0 || st->reindex_kind_seen)
			return 0;
		/* REINDEX SCHEMA / DATABASE / SYSTEM */
		st->reindex_kind_seen = 1;
		return kw == KW_SCHEMA || kw == KW_DATABASE || kw == KW_SYSTEM;
	}
	if (kw == KW_CONCURRENTLY)
		return (idx == 2 && (w0 == KW_CREATE || w0 == KW_DROP) &&
		        st->first[1] == KW_INDEX) ||
		       (idx == 3 && w0 == KW_CREATE &&
		        st->first[1] == KW_UNIQUE && st->first[2] == KW_INDEX);
	if (kw == KW_VALUE && st->prev_kw == KW_ADD)
		return first_is(st, KW_ALTER, KW_TYPE);
	return 0;
}

/* SQLite statements that fail, or silently do nothing, in a transaction:
 * VACUUM, ATTACH, DETACH, and PRAGMA [schema.]foreign_keys /
 * journal_mode. */
static int sqlite_no_tx_word(const stmt_scan *st, size_t idx, enum kw kw)
{
	if (idx == 0)
		return kw == KW_VACUUM || kw == KW_ATTACH || kw == KW_DETACH;
	return idx <= 2 && st->first[0] == KW_PRAGMA &&
	       (kw == KW_FOREIGN_KEYS || kw == KW_JOURNAL_MODE);
}

/* Schema statements (which MySQL commits implicitly): set on the first
 * word, taken back for CREATE/DROP TEMPORARY (MySQL does not commit
 * those). */
static void ddl_word(stmt_scan *st, size_t idx, enum kw kw)
{
	if (idx == 0) {
		switch (kw) {
		case KW_CREATE: case KW_ALTER: case KW_DROP: case KW_RENAME:
		case KW_TRUNCATE: case KW_GRANT: case KW_REVOKE: case KW_LOCK:
		case KW_UNLOCK: case KW_ANALYZE: case KW_OPTIMIZE: case KW_REPAIR:
		case KW_FLUSH: case KW_INSTALL: case KW_UNINSTALL:
			st->flags |= STRATA_STMT_DDL;
			break;
		default:
			break;
		}
	} else if (idx == 1 && kw == KW_TEMPORARY &&
	           (st->first[0] == KW_CREATE || st->first[0] == KW_DROP)) {
		st->flags &= ~STRATA_STMT_DDL;
	}
}

/* The transaction control a statement is, as STRATA_STMT_TX_* flags
 * (0 for none): BEGIN, START TRANSACTION open one; COMMIT, END, ABORT,
 * ROLLBACK (and PostgreSQL's PREPARE TRANSACTION) end it; SAVEPOINT,
 * RELEASE and ROLLBACK [WORK | TRANSACTION] TO mark one. Not a compound
 * statement or a routine body (BEGIN ... END, BEGIN ATOMIC). */
static unsigned tx_control(const stmt_scan *st, strata_dialect d)
{
	const unsigned open = STRATA_STMT_TX_CONTROL | STRATA_STMT_TX_OPENS,
	               ends = STRATA_STMT_TX_CONTROL | STRATA_STMT_TX_ENDS;
	if (st->routine || st->nwords == 0)
		return 0;
	switch (st->first[0]) {
	case KW_BEGIN:
		return open;
	case KW_START:  /* not MySQL's START SLAVE / REPLICA */
		return st->nwords > 1 && st->first[1] == KW_TRANSACTION ? open : 0;
	case KW_COMMIT: case KW_END: case KW_ABORT:
		return ends;
	case KW_ROLLBACK: {
		size_t k = st->first[1] == KW_WORK ||
		           st->first[1] == KW_TRANSACTION ? 2 : 1;
		return k < st->nwords && st->first[k] == KW_TO
		       ? STRATA_STMT_TX_CONTROL : ends;
	}
	case KW_SAVEPOINT: case KW_RELEASE:
		return STRATA_STMT_TX_CONTROL;
	case KW_PREPARE:
		return d == STRATA_DIALECT_POSTGRES && st->nwords > 1 &&
		       st->first[1] == KW_TRANSACTION ? ends : 0;
	default:
		return 0;
	}
}

static void scan_word_token(stmt_scan *st, strata_dialect d, enum kw kw)
{
	size_t idx = st->nwords++;

	if (idx < sizeof(st->first) / sizeof(st->first[0]))
		st->first[idx] = kw;
	if (idx < 2)
		ddl_word(st, idx, kw);
	/* MySQL: a prepared statement or a procedure may run DDL, which
	 * commits implicitly; what it runs cannot be seen here */
	if (idx == 0 && d == STRATA_DIALECT_MYSQL &&
	    (kw == KW_EXECUTE || kw == KW_CALL))
		st->flags |= STRATA_STMT_DDL;
	if (d == STRATA_DIALECT_POSTGRES) {
		if (pg_no_tx_word(st, idx, kw))
			st->flags |= STRATA_STMT_NO_TX;
		if (kw == KW_STDIN && st->prev_kw == KW_FROM &&
		    st->first[0] == KW_COPY)
			st->copy_in = 1;
	} else if (d == STRATA_DIALECT_SQLITE && sqlite_no_tx_word(st, idx, kw)) {
		st->flags |= STRATA_STMT_NO_TX;
	}
	if (st->hdr != H_DONE)
		header_word(st, d, kw);
	if (st->routine)
		block_word(st, d, kw);
	st->prev_kw = kw;
}

static void scan_other_token(stmt_scan *st, strata_dialect d, tok_kind kind,
                             char ch)
{
	if (st->hdr != H_DONE)
		header_other(st, kind, ch);
	if (ch == '(')
		st->paren++;
	else if (ch == ')' && st->paren > 0)
		st->paren--;
	if (st->routine && d == STRATA_DIALECT_MYSQL)
		mysql_block_other(st, kind, ch);
	st->prev_kw = KW_NONE;
}

static void scan_token(stmt_scan *st, strata_dialect d, const char *s,
                       const token *t)
{
	if (t->kind == TK_COMMENT) {
		if (st->active)
			st->end = t->end;
		return;
	}
	if (!st->active) {
		st->active = 1;
		st->start = t->start;
		st->line = t->line;
		st->column = t->column;
	}
	st->end = t->end;
	if (t->kind == TK_WORD)
		scan_word_token(st, d, keyword_of(s + t->start,
		                                  t->end - t->start));
	else
		scan_other_token(st, d, t->kind,
		                 t->kind == TK_PUNCT ? s[t->start] : '\0');
}

/* ------------------------------------------------------------------ */
/* Splitter: terminators, DELIMITER lines, COPY data, the output list   */
/* ------------------------------------------------------------------ */

typedef struct splitter {
	lexer lx;
	stmt_scan st;
	strata_stmt *items;
	size_t count, cap;
} splitter;

static int push_stmt(splitter *sp, const strata_stmt *stmt)
{
	if (sp->count == sp->cap) {
		size_t cap = sp->cap ? sp->cap * 2 : 4;
		strata_stmt *items;
		if (cap > SIZE_MAX / sizeof(*items))
			goto nomem;
		items = realloc(sp->items, cap * sizeof(*items));
		if (!items)
			goto nomem;
		sp->items = items;
		sp->cap = cap;
	}
	sp->items[sp->count++] = *stmt;
	return 0;
nomem:
	return strata_error_set(sp->lx.err, STRATA_ENOMEM,
	                        "out of memory splitting SQL");
}

/* Adds the statement scanned so far (if it has content) and resets. */
static int emit_stmt(splitter *sp, const char *data, size_t data_len)
{
	stmt_scan *st = &sp->st;
	int rc = 0;

	if (st->active) {
		const char *s = sp->lx.s;
		size_t end = st->end;
		while (end > st->start && is_space((unsigned char)s[end - 1]))
			end--;
		strata_stmt stmt = {
			.sql = s + st->start,
			.len = end - st->start,
			.line = st->line,
			.column = st->column,
			.flags = st->flags | (data ? STRATA_STMT_COPY_IN : 0u) |
			         tx_control(st, sp->lx.dialect),
			.data = data,
			.data_len = data_len,
		};
		rc = push_stmt(sp, &stmt);
	}
	memset(st, 0, sizeof(*st));
	return rc;
}

static int copy_error(splitter *sp)
{
	strata_error *err = sp->lx.err;

	strata_error_set(err, STRATA_EPARSE,
	                 "unterminated COPY FROM stdin data (no \\. line) for "
	                 "the COPY starting at line %d, column %d",
	                 sp->st.line, sp->st.column);
	if (err) {
		err->line = sp->st.line;
		err->column = sp->st.column;
	}
	return STRATA_EPARSE;
}

/* Is s[i .. eol) exactly "\." (a trailing CR allowed)? */
static int is_copy_end(const char *s, size_t i, size_t eol)
{
	size_t n = eol - i;

	return (n == 2 || (n == 3 && s[i + 2] == '\r')) && s[i] == '\\' &&
	       s[i + 1] == '.';
}

/* Only blanks or a -- comment may follow the COPY on its line: the rows
 * start on the next one. */
static int copy_line_rest(lexer *lx)
{
	size_t i = lx->pos;

	while (i < lx->len && (lx->s[i] == ' ' || lx->s[i] == '\t' ||
	                       lx->s[i] == '\r'))
		i++;
	if (i == lx->len || lx->s[i] == '\n' ||
	    (lx->s[i] == '-' && lx_peek(lx, i + 1) == '-'))
		return 0;
	int col = lx_column(lx, i);
	strata_error_set(lx->err, STRATA_EPARSE,
	                 "unexpected text after COPY FROM stdin at line %d, "
	                 "column %d: its data starts on the next line",
	                 lx->line, col);
	if (lx->err) {
		lx->err->line = lx->line;
		lx->err->column = col;
	}
	return STRATA_EPARSE;
}

/* After the terminator of COPY ... FROM STDIN: the rows start on the next
 * line and run up to a line that is exactly "\.". */
static int read_copy_data(splitter *sp)
{
	lexer *lx = &sp->lx;
	const char *s = lx->s;
	size_t data = line_end(s, lx->len, lx->pos);
	size_t i;
	int rc = copy_line_rest(lx);

	if (rc)
		return rc;
	if (data == lx->len)
		return copy_error(sp);
	data++;
	for (i = data; i < lx->len;) {
		size_t eol = line_end(s, lx->len, i);
		if (is_copy_end(s, i, eol)) {
			lx_advance(lx, eol < lx->len ? eol + 1 : eol);
			lx->blank_line = 1;
			return emit_stmt(sp, s + data, i - data);
		}
		i = eol + 1;
	}
	return copy_error(sp);
}

/* Does the current delimiter start at lx->pos, ending the statement? */
static int at_terminator(const splitter *sp)
{
	const lexer *lx = &sp->lx;

	if (lx->len - lx->pos < lx->delim_len ||
	    memcmp(lx->s + lx->pos, lx->delim, lx->delim_len) != 0)
		return 0;
	if (lx->delim_len == 1 && lx->delim[0] == ';') {
		/* inside a compound body, or (PostgreSQL, like psql) inside
		 * parentheses, ';' does not end the statement */
		if (sp->st.routine && sp->st.depth > 0)
			return 0;
		if (lx->dialect == STRATA_DIALECT_POSTGRES && sp->st.paren > 0)
			return 0;
	}
	return 1;
}

static int end_statement(splitter *sp)
{
	lexer *lx = &sp->lx;

	lx->pos += lx->delim_len; /* a delimiter holds no line break */
	lx->blank_line = 0;
	if (sp->st.active && sp->st.copy_in)
		return read_copy_data(sp);
	return emit_stmt(sp, NULL, 0);
}

#define DELIMITER_WORD "DELIMITER"
#define DELIMITER_WORD_LEN 9

/* MySQL: a DELIMITER line, at the start of a line, between statements. */
static int at_delimiter_command(const splitter *sp)
{
	const lexer *lx = &sp->lx;

	if (lx->dialect != STRATA_DIALECT_MYSQL || sp->st.active ||
	    !lx->blank_line || lx->len - lx->pos < DELIMITER_WORD_LEN)
		return 0;
	return word_equals(lx->s + lx->pos, DELIMITER_WORD_LEN,
	                   DELIMITER_WORD) &&
	       !is_word_char(lx_peek(lx, lx->pos + DELIMITER_WORD_LEN));
}

static int delimiter_command(splitter *sp)
{
	lexer *lx = &sp->lx;
	const char *s = lx->s;
	size_t i = lx->pos + DELIMITER_WORD_LEN;
	size_t arg;

	while (i < lx->len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	arg = i;
	while (i < lx->len && !is_space((unsigned char)s[i]))
		i++;
	if (i == arg) {
		int line = lx->line, col = lx_column(lx, lx->pos);
		strata_error_set(lx->err, STRATA_EPARSE,
		                 "DELIMITER without a delimiter at line %d, "
		                 "column %d", line, col);
		if (lx->err) {
			lx->err->line = line;
			lx->err->column = col;
		}
		return STRATA_EPARSE;
	}
	lx->delim = s + arg;
	lx->delim_len = i - arg;
	/* the rest of the line belongs to the command */
	i = line_end(s, lx->len, i);
	lx_advance(lx, i < lx->len ? i + 1 : i);
	lx->blank_line = 1;
	return 0;
}

static int split_all(splitter *sp)
{
	lexer *lx = &sp->lx;
	int rc;

	for (;;) {
		lx_skip_space(lx);
		if (lx->pos >= lx->len)
			break;
		if (at_delimiter_command(sp))
			rc = delimiter_command(sp);
		else if (at_terminator(sp))
			rc = end_statement(sp);
		else {
			token t;
			rc = lex_token(lx, &t);
			if (rc == 0)
				scan_token(&sp->st, lx->dialect, lx->s, &t);
		}
		if (rc)
			return rc;
	}
	if (sp->st.active && sp->st.copy_in)
		return copy_error(sp);
	return emit_stmt(sp, NULL, 0);
}

static int valid_dialect(strata_dialect d)
{
	return d == STRATA_DIALECT_GENERIC || d == STRATA_DIALECT_SQLITE ||
	       d == STRATA_DIALECT_POSTGRES || d == STRATA_DIALECT_MYSQL;
}

int strata_sql_split(strata_stmt **out, size_t *n, const char *text,
                     size_t len, strata_dialect dialect, int first_line,
                     strata_error *err)
{
	if (!out || !n)
		return strata_error_set(err, STRATA_EINVAL,
		                        "strata_sql_split: NULL output");
	*out = NULL;
	*n = 0;
	if (!text && len > 0)
		return strata_error_set(err, STRATA_EINVAL,
		                        "strata_sql_split: NULL text");
	if (!valid_dialect(dialect))
		return strata_error_set(err, STRATA_EINVAL,
		                        "strata_sql_split: unknown dialect %d",
		                        (int)dialect);
	if (len == 0)
		return 0;

	splitter sp;
	memset(&sp, 0, sizeof(sp));
	sp.lx.s = text;
	sp.lx.len = len;
	sp.lx.dialect = dialect;
	sp.lx.line = first_line;
	sp.lx.blank_line = 1;
	sp.lx.delim = ";";
	sp.lx.delim_len = 1;
	sp.lx.err = err;

	int rc = split_all(&sp);
	if (rc) {
		free(sp.items);
		return rc;
	}
	if (sp.count == 0) {
		free(sp.items);
		return 0;
	}
	/* parts stay split for the whole run: keep only what they use */
	if (sp.count < sp.cap) {
		strata_stmt *fit = realloc(sp.items, sp.count * sizeof(*fit));
		if (fit)
			sp.items = fit;
	}
	*out = sp.items;
	*n = sp.count;
	return 0;
}

const char *strata_dialect_name(strata_dialect d)
{
	switch (d) {
	case STRATA_DIALECT_GENERIC: return "generic";
	case STRATA_DIALECT_SQLITE: return "sqlite";
	case STRATA_DIALECT_POSTGRES: return "postgres";
	case STRATA_DIALECT_MYSQL: return "mysql";
	}
	return "unknown";
}
