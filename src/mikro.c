/*
 * src/mikro.c - MikroORM migration classes (Migration<version>.ts / .js).
 *
 * strata runs no JavaScript. It reads a class whose up() and down() hold
 * nothing but this.addSql(<string literal> [+ <string literal>]...) calls
 * (and `const NAME = <string literal> [+ ...]` declarations whose names
 * those calls use in place of a literal: Medusa's `const sql = ...;
 * this.addSql(sql)`), and whose isTransactional(), when present, returns
 * a boolean literal.
 * Anything else in one of those bodies makes the file a code migration,
 * refused with file:line: strata never guesses what code would do.
 *
 * The file is read as a stream of tokens (comments and whitespace
 * dropped; string and template literals decoded as JavaScript decodes
 * them). Methods are found at the class body's brace depth; what lies
 * outside the methods (imports, the class header, exports) is not
 * looked at beyond being balanced.
 *
 * Each addSql call is one or more statements: the part's text is the
 * decoded literals, each followed by ';' (unless it ends with one), each
 * starting on the line of the .ts file where its literal starts (padded
 * with newlines), so the dialect's splitter reports file:line in the
 * .ts file whenever a literal holds no escaped newlines.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include <strata/driver.h>

typedef enum mk_kind {
	MK_END = 0,
	MK_IDENT,     /* identifier or keyword */
	MK_STRING,    /* '...', "...", `...` without ${: decoded in `val` */
	MK_PUNCT,     /* one character */
	MK_OTHER      /* a number, a regular expression, ... */
} mk_kind;

typedef struct mk_tok {
	mk_kind kind;
	const char *start;  /* in the file */
	size_t len;
	int line;
	char ch;            /* MK_PUNCT */
} mk_tok;

typedef struct mk_lex {
	const char *p, *end;
	int line;
	const char *path;
	strata_error *err;
	strata_buf val;         /* the last string literal, decoded */
	int pushed;         /* `back` is the next token (never a string) */
	mk_tok back;
} mk_lex;

static int mk_error(mk_lex *lx, int line, const char *fmt, const char *arg)
{
	strata_error_set(lx->err, STRATA_EPARSE, fmt, arg);
	snprintf(lx->err->file, sizeof(lx->err->file), "%s", lx->path);
	lx->err->line = line;
	return STRATA_EPARSE;
}

static int mk_nomem(mk_lex *lx)
{
	return strata_error_set(lx->err, STRATA_ENOMEM, "out of memory");
}

static int mk_app(mk_lex *lx, const char *s, size_t n)
{
	return strata_buf_append(&lx->val, s, n) ? mk_nomem(lx) : 0;
}

static int mk_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int mk_put_utf8(strata_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return strata_buf_append(b, u, n);
}

/* Reads `n` hex digits at lx->p into *cp; -1 when they are not there. */
static int mk_hex_digits(mk_lex *lx, int n, unsigned long *cp)
{
	*cp = 0;
	for (int i = 0; i < n; i++) {
		if (lx->p >= lx->end || mk_hex((unsigned char)*lx->p) < 0)
			return -1;
		*cp = *cp * 16 + (unsigned long)mk_hex((unsigned char)*lx->p++);
	}
	return 0;
}

/* The escape after a backslash (lx->p past it), appended decoded. */
static int mk_escape(mk_lex *lx, int line)
{
	if (lx->p >= lx->end)
		return mk_error(lx, line, "%sa string literal that does not end", "");
	char c = *lx->p++;
	unsigned long cp;
	switch (c) {
	case 'n': return mk_app(lx, "\n", 1);
	case 't': return mk_app(lx, "\t", 1);
	case 'r': return mk_app(lx, "\r", 1);
	case 'b': return mk_app(lx, "\b", 1);
	case 'f': return mk_app(lx, "\f", 1);
	case 'v': return mk_app(lx, "\v", 1);
	case '0':
		if (lx->p < lx->end && isdigit((unsigned char)*lx->p))
			return mk_error(lx, lx->line, "%san octal escape in a string literal "
			                "(not allowed in a module)", "");
		return mk_app(lx, "\0", 1);
	case '\r':
		/* a line continuation; lines are counted by LF, as everywhere
		 * else in strata */
		if (lx->p < lx->end && *lx->p == '\n') {
			lx->p++;
			lx->line++;
		}
		return 0;
	case '\n':
		lx->line++;
		return 0;
	case 'x':
		if (mk_hex_digits(lx, 2, &cp))
			return mk_error(lx, lx->line, "%sa bad \\x escape in a string literal", "");
		return mk_put_utf8(&lx->val, cp) ? mk_nomem(lx) : 0;
	case 'u':
		if (lx->p < lx->end && *lx->p == '{') {
			lx->p++;
			cp = 0;
			int k = 0;
			while (lx->p < lx->end && mk_hex((unsigned char)*lx->p) >= 0 && cp <= 0x10FFFF) {
				cp = cp * 16 + (unsigned long)mk_hex((unsigned char)*lx->p++);
				k++;
			}
			if (!k || lx->p >= lx->end || *lx->p != '}' || cp > 0x10FFFF)
				return mk_error(lx, lx->line, "%sa bad \\u{...} escape in a string literal", "");
			lx->p++;
		} else if (mk_hex_digits(lx, 4, &cp)) {
			return mk_error(lx, lx->line, "%sa bad \\u escape in a string literal", "");
		}
		if (cp >= 0xD800 && cp <= 0xDBFF && lx->end - lx->p >= 6 &&
		    lx->p[0] == '\\' && lx->p[1] == 'u') {
			/* a surrogate pair: one character */
			const char *save = lx->p;
			unsigned long lo;
			lx->p += 2;
			if (mk_hex_digits(lx, 4, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF)
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			else
				lx->p = save;
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return mk_error(lx, lx->line, "%s", "a lone surrogate (\\uD800-\\uDFFF) "
			                "in a string literal is not UTF-8");
		return mk_put_utf8(&lx->val, cp) ? mk_nomem(lx) : 0;
	default:
		/* \\ \' \" \` \$ and any other character: itself */
		if (c >= '1' && c <= '9')
			return mk_error(lx, lx->line, "%san octal escape in a string literal "
			                "(not allowed in a module)", "");
		return mk_app(lx, &c, 1);
	}
}

/* A string or template literal; lx->p at its opening quote. */
static int mk_string(mk_lex *lx)
{
	char q = *lx->p++;
	int line = lx->line;
	lx->val.len = 0;
	while (lx->p < lx->end) {
		char c = *lx->p++;
		if (c == q)
			return 0;
		if (c == '\\') {
			int rc = mk_escape(lx, line);
			if (rc)
				return rc;
			continue;
		}
		if (q == '`' && c == '$' && lx->p < lx->end && *lx->p == '{')
			return mk_error(lx, lx->line, "%sa template literal with ${...} in it: "
			                "strata runs no JavaScript, so it cannot tell the SQL", "");
		if (c == '\n' || c == '\r') {
			if (q != '`')
				return mk_error(lx, line, "%sa string literal that does not end "
				                "on its line", "");
			if (c == '\n' || (lx->p < lx->end && *lx->p == '\n'))
				lx->line++; /* lines are counted by LF */
			if (c == '\r' && lx->p < lx->end && *lx->p == '\n')
				lx->p++;
			c = '\n'; /* a template's CR LF (or lone CR) is LF */
		}
		if (strata_buf_append(&lx->val, &c, 1))
			return mk_nomem(lx);
	}
	return mk_error(lx, line, "%sa string literal that does not end", "");
}

/* The next token into *t. */
static int mk_next(mk_lex *lx, mk_tok *t)
{
	if (lx->pushed) {
		*t = lx->back;
		lx->pushed = 0;
		return 0;
	}
	for (;;) {
		while (lx->p < lx->end && isspace((unsigned char)*lx->p)) {
			if (*lx->p == '\n')
				lx->line++;
			lx->p++;
		}
		if (lx->end - lx->p >= 2 && lx->p[0] == '/' && lx->p[1] == '/') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		if (lx->end - lx->p >= 2 && lx->p[0] == '/' && lx->p[1] == '*') {
			int line = lx->line;
			lx->p += 2;
			while (lx->p < lx->end && !(lx->end - lx->p >= 2 && lx->p[0] == '*' && lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			if (lx->p >= lx->end)
				return mk_error(lx, line, "%sa /* comment that does not end", "");
			lx->p += 2;
			continue;
		}
		break;
	}
	t->start = lx->p;
	t->line = lx->line;
	t->len = 0;
	if (lx->p >= lx->end) {
		t->kind = MK_END;
		return 0;
	}
	unsigned char c = (unsigned char)*lx->p;
	if (c == '\'' || c == '"' || c == '`') {
		t->kind = MK_STRING;
		int rc = mk_string(lx);
		t->len = (size_t)(lx->p - t->start);
		return rc;
	}
	if (isalpha(c) || c == '_' || c == '$' || c >= 0x80) {
		while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_' ||
		                           *lx->p == '$' || (unsigned char)*lx->p >= 0x80))
			lx->p++;
		t->kind = MK_IDENT;
	} else if (isdigit(c)) {
		while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '.' ||
		                           *lx->p == '_'))
			lx->p++;
		t->kind = MK_OTHER;
	} else {
		lx->p++;
		t->kind = MK_PUNCT;
		t->ch = (char)c;
	}
	t->len = (size_t)(lx->p - t->start);
	return 0;
}

static int mk_is(const mk_tok *t, const char *word)
{
	return t->kind == MK_IDENT && t->len == strlen(word) &&
	       memcmp(t->start, word, t->len) == 0;
}

static int mk_punct(const mk_tok *t, char ch)
{
	return t->kind == MK_PUNCT && t->ch == ch;
}

/* The part being built for up() or down(). */
typedef struct mk_part {
	strata_buf text;
	int line;           /* lines in `text` so far, from 1 */
	int first;          /* line of the first literal, 0 before it */
} mk_part;

/* Appends the decoded literal (starting on `line` of the file). */
static int mk_part_add(mk_part *mp, const strata_buf *sql, int line)
{
	if (!mp->first)
		mp->first = line;
	while (mp->line < line - mp->first + 1) {
		if (strata_buf_append(&mp->text, "\n", 1))
			return STRATA_ENOMEM;
		mp->line++;
	}
	if (strata_buf_append(&mp->text, sql->buf ? sql->buf : "", sql->len))
		return STRATA_ENOMEM;
	for (size_t i = 0; i < sql->len; i++)
		if (sql->buf[i] == '\n')
			mp->line++;
	/* the statement ends here, whatever the literal ends with */
	size_t n = sql->len;
	while (n && isspace((unsigned char)sql->buf[n - 1]))
		n--;
	if (n && sql->buf[n - 1] == ';')
		return 0;
	size_t ls = n;
	while (ls && sql->buf[ls - 1] != '\n')
		ls--;
	int comment = 0;
	for (size_t i = ls; i + 1 < n; i++)
		if (sql->buf[i] == '-' && sql->buf[i + 1] == '-')
			comment = 1;
	if (comment) {
		if (strata_buf_append(&mp->text, "\n", 1))
			return STRATA_ENOMEM;
		mp->line++;
	}
	return strata_buf_append(&mp->text, ";", 1) ? STRATA_ENOMEM : 0;
}

static int mk_code(mk_lex *lx, const mk_tok *t, const char *method)
{
	char what[200];
	snprintf(what, sizeof(what), "%s() of a MikroORM migration does more than "
	         "this.addSql('...') (found \"%.*s\"): a code migration, which strata "
	         "cannot run (it runs no JavaScript)",
	         method, (int)(t->len > 40 ? 40 : t->len), t->start);
	return mk_error(lx, t->line, "%s", what);
}

/* The string constants a method's body declares (const NAME = ...),
 * for the addSql calls after them: data, not code. */
#define MK_MAX_CONSTS 64

typedef struct mk_const {
	const char *name;   /* in the file */
	size_t len;
	int line;           /* of its first literal */
	strata_buf val;
} mk_const;

typedef struct mk_consts {
	mk_const c[MK_MAX_CONSTS];
	size_t n;
} mk_consts;

static void mk_consts_release(mk_consts *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		strata_buf_release(&cs->c[i].val);
	cs->n = 0;
}

static const mk_const *mk_const_find(const mk_consts *cs, const mk_tok *t)
{
	for (size_t i = cs->n; t->kind == MK_IDENT && i-- > 0;)
		if (cs->c[i].len == t->len && memcmp(cs->c[i].name, t->start, t->len) == 0)
			return &cs->c[i];
	return NULL;
}

/* A string expression: literals and constants joined with '+', from the
 * token in *t (already read), appended to `out`; *line gets the line of
 * its first literal. Leaves in *t the token after it. */
static int mk_strexpr(mk_lex *lx, const mk_consts *cs, mk_tok *t, strata_buf *out,
                      int *line, const char *method)
{
	int rc;
	for (;;) {
		const mk_const *c = NULL;
		if (t->kind == MK_STRING) {
			if (!*line)
				*line = t->line;
			if (strata_buf_append(out, lx->val.buf ? lx->val.buf : "", lx->val.len))
				return mk_nomem(lx);
		} else if ((c = mk_const_find(cs, t))) {
			if (!*line)
				*line = c->line;
			if (strata_buf_append(out, c->val.buf ? c->val.buf : "", c->val.len))
				return mk_nomem(lx);
		} else {
			return mk_code(lx, t, method);
		}
		if ((rc = mk_next(lx, t)))
			return rc;
		if (!mk_punct(t, '+'))
			return 0;
		if ((rc = mk_next(lx, t)))
			return rc;
	}
}

/* const NAME [: string] = <string expression> [;], after "const". */
static int mk_const_decl(mk_lex *lx, mk_consts *cs, const char *method)
{
	mk_tok t, name;
	int rc;
	if ((rc = mk_next(lx, &name)))
		return rc;
	if (name.kind != MK_IDENT)
		return mk_code(lx, &name, method);
	if ((rc = mk_next(lx, &t)))
		return rc;
	if (mk_punct(&t, ':')) {
		if ((rc = mk_next(lx, &t)))
			return rc;
		if (!mk_is(&t, "string"))
			return mk_code(lx, &t, method);
		if ((rc = mk_next(lx, &t)))
			return rc;
	}
	if (!mk_punct(&t, '='))
		return mk_code(lx, &t, method);
	if (cs->n == MK_MAX_CONSTS)
		return mk_error(lx, name.line, "%smore than 64 string constants in one method", "");
	if ((rc = mk_next(lx, &t)))
		return rc;
	mk_const c = { name.start, name.len, 0, { 0 } };
	rc = mk_strexpr(lx, cs, &t, &c.val, &c.line, method);
	if (rc) {
		strata_buf_release(&c.val);
		return rc;
	}
	cs->c[cs->n++] = c;
	if (mk_punct(&t, ';'))
		return 0;
	if (t.kind == MK_STRING)
		return mk_code(lx, &t, method);
	/* no semicolon: what follows is the next statement */
	lx->back = t;
	lx->pushed = 1;
	return 0;
}

/* One this.addSql(<string expression> [,]) [;], after "this". */
static int mk_add_sql(mk_lex *lx, const mk_consts *cs, mk_part *mp, const char *method)
{
	mk_tok t;
	int rc;
	if ((rc = mk_next(lx, &t)))
		return rc;
	if (!mk_punct(&t, '.'))
		return mk_code(lx, &t, method);
	if ((rc = mk_next(lx, &t)))
		return rc;
	if (!mk_is(&t, "addSql"))
		return mk_code(lx, &t, method);
	if ((rc = mk_next(lx, &t)))
		return rc;
	if (!mk_punct(&t, '('))
		return mk_code(lx, &t, method);
	if ((rc = mk_next(lx, &t)))
		return rc;
	strata_buf sql = { 0 };
	int line = 0;
	rc = mk_strexpr(lx, cs, &t, &sql, &line, method);
	if (!rc && mk_punct(&t, ','))
		rc = mk_next(lx, &t);
	if (!rc && !mk_punct(&t, ')'))
		rc = mk_code(lx, &t, method);
	if (!rc && mk_part_add(mp, &sql, line))
		rc = mk_nomem(lx);
	strata_buf_release(&sql);
	return rc;
}

/* The body of up() or down(), lx->p past its '{': addSql calls and the
 * string constants they use. */
static int mk_body_sql(mk_lex *lx, mk_part *mp, const char *method)
{
	mk_consts cs;
	cs.n = 0;
	mk_tok t;
	int rc = 0;
	while (!rc) {
		if ((rc = mk_next(lx, &t)))
			break;
		if (mk_punct(&t, '}'))
			break;
		if (mk_punct(&t, ';'))
			continue;
		if (t.kind == MK_END)
			rc = mk_error(lx, t.line, "%sthe file ends inside a method", "");
		else if (mk_is(&t, "const"))
			rc = mk_const_decl(lx, &cs, method);
		else if (mk_is(&t, "this"))
			rc = mk_add_sql(lx, &cs, mp, method);
		else
			rc = mk_code(lx, &t, method);
	}
	mk_consts_release(&cs);
	return rc;
}

/* isTransactional()'s body: return true|false [;] }. */
static int mk_body_tx(mk_lex *lx, int *no_tx)
{
	mk_tok t;
	int rc;
	if ((rc = mk_next(lx, &t)))
		return rc;
	if (!mk_is(&t, "return"))
		return mk_code(lx, &t, "isTransactional");
	if ((rc = mk_next(lx, &t)))
		return rc;
	if (mk_is(&t, "false"))
		*no_tx = 1;
	else if (mk_is(&t, "true"))
		*no_tx = 0;
	else
		return mk_code(lx, &t, "isTransactional");
	if ((rc = mk_next(lx, &t)))
		return rc;
	if (mk_punct(&t, ';') && (rc = mk_next(lx, &t)))
		return rc;
	if (!mk_punct(&t, '}'))
		return mk_code(lx, &t, "isTransactional");
	return 0;
}

/* Skips a method's parameter list and return type up to its body's '{'
 * (lx->p past the '(' after the name). */
static int mk_to_body(mk_lex *lx, int line)
{
	mk_tok t;
	int depth = 1, rc;
	for (;;) {
		if ((rc = mk_next(lx, &t)))
			return rc;
		if (t.kind == MK_END)
			return mk_error(lx, line, "%sa method without a body", "");
		if (mk_punct(&t, '('))
			depth++;
		else if (mk_punct(&t, ')'))
			depth--;
		else if (depth == 0 && mk_punct(&t, '{'))
			return 0;
		else if (depth == 0 && mk_punct(&t, ';'))
			return mk_error(lx, line, "%sa method without a body", "");
	}
}

static int mk_set(strata_part *part, mk_part *mp, const char *file,
                  strata_error *err)
{
	size_t len = mp->text.len;
	part->text = malloc(len + 1);
	if (!part->text)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	if (len)
		memcpy(part->text, mp->text.buf, len);
	part->text[len] = '\0';
	part->len = len;
	part->first_line = mp->first ? mp->first : 1;
	part->file = file;
	return 0;
}

int strata_format_parse_mikro(strata_migration *m, char *text, size_t len,
                              const char *path, strata_error *err)
{
	int rc = strata_format_refuse_binary(text, len, path, err);
	mk_lex lx = { text, text + len, 1, path, err, { 0 }, 0, { 0 } };
	mk_part up = { { 0 }, 1, 0 }, down = { { 0 }, 1, 0 };
	int no_tx = 0, seen_up = 0, seen_down = 0, seen_tx = 0;
	int depth = 0, class_depth = -1;
	mk_tok t, prev = { 0 };
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		lx.p += 3;
	while (!rc) {
		if ((rc = mk_next(&lx, &t)))
			break;
		if (t.kind == MK_END)
			break;
		if (mk_is(&t, "class") && class_depth < 0)
			class_depth = depth + 1; /* its body, at the next '{' */
		if (mk_punct(&t, '{')) {
			depth++;
		} else if (mk_punct(&t, '}')) {
			depth--;
		} else if (depth == class_depth && t.kind == MK_IDENT &&
		           (mk_is(&t, "up") || mk_is(&t, "down") ||
		            mk_is(&t, "isTransactional")) && !mk_punct(&prev, '.')) {
			mk_tok name = t;
			if ((rc = mk_next(&lx, &t)))
				break;
			if (!mk_punct(&t, '(')) {
				prev = t;
				continue; /* a property, not the method */
			}
			const char *which = mk_is(&name, "up") ? "up"
			                  : mk_is(&name, "down") ? "down" : "isTransactional";
			int *seen = which[0] == 'u' ? &seen_up : which[0] == 'd' ? &seen_down : &seen_tx;
			if (*seen) {
				rc = mk_error(&lx, name.line, "%s() twice in a MikroORM migration", which);
				break;
			}
			*seen = 1;
			if ((rc = mk_to_body(&lx, name.line)))
				break;
			if (which[0] == 'i')
				rc = mk_body_tx(&lx, &no_tx);
			else
				rc = mk_body_sql(&lx, which[0] == 'u' ? &up : &down, which);
			prev = t;
			continue;
		}
		prev = t;
	}
	if (!rc && !seen_up)
		rc = mk_error(&lx, 1, "%sno up() method in a MikroORM migration", "");
	if (!rc)
		rc = mk_set(&m->up, &up, m->file, err);
	if (!rc && seen_down)
		rc = mk_set(&m->down, &down, m->file, err);
	if (!rc) {
		m->has_up = 1;
		m->has_down = seen_down;
		m->mikro = 1;
		m->up.no_transaction = no_tx;
		m->down.no_transaction = no_tx;
	}
	strata_buf_release(&up.text);
	strata_buf_release(&down.text);
	strata_buf_release(&lx.val);
	free(text);
	return rc;
}
