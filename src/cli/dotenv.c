/* src/cli/dotenv.c - reading .env files (see dotenv.h for the format). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dotenv.h"
#include "options.h"

/* A growing string. */
typedef struct dbuf {
	char *p;
	size_t n, cap;
} dbuf;

static int dbuf_add(dbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* Parsing state of one file. */
typedef struct parser {
	cli_dotenv *env;
	const char *name;
	const char *p, *end;
	unsigned line;
	char *msg;
	size_t msgsize;
} parser;

static int parse_error(parser *ps, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parse_error(parser *ps, unsigned line, const char *fmt, ...)
{
	int n = snprintf(ps->msg, ps->msgsize, "%s:%u: ", ps->name, line);
	if (n >= 0 && (size_t)n < ps->msgsize) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ps->msg + n, ps->msgsize - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return CLI_EXIT_USAGE;
}

static int oom(parser *ps)
{
	snprintf(ps->msg, ps->msgsize, "out of memory");
	return CLI_EXIT_INTERNAL;
}

/* Space within a line (godotenv's isSpace, less its two Unicode ones). */
static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static int is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* What $NAME and ${NAME} expand: godotenv's [A-Z0-9_]+, so "pa$word" in a
 * password stays as it is. */
static int is_expand_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void skip_blanks(parser *ps)
{
	while (ps->p < ps->end && is_blank(*ps->p))
		ps->p++;
}

static void skip_line(parser *ps)
{
	while (ps->p < ps->end && *ps->p != '\n')
		ps->p++;
}

static cli_dotenv_var *find(const cli_dotenv *env, const char *key, size_t keylen)
{
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->vars[i].key, key, keylen) == 0 &&
		    env->vars[i].key[keylen] == '\0')
			return &env->vars[i];
	return NULL;
}

/* What $NAME expands to: the environment's value, else the value the
 * files gave it so far, else "". */
static const char *expansion(const cli_dotenv *env, const char *name, size_t len)
{
	char key[256];
	if (len >= sizeof(key))
		return "";
	memcpy(key, name, len);
	key[len] = '\0';
	const char *v = getenv(key);
	if (v)
		return v;
	const cli_dotenv_var *var = find(env, name, len);
	return var ? var->value : "";
}

/*
 * Appends the raw value s[0..n) to `out`: $NAME and ${NAME} expanded, and
 * with `dq` (a double-quoted value) the escapes \n and \r made a line feed
 * and a carriage return and any other \X made X. "\$" is a literal '$' in
 * both kinds (godotenv's rule).
 */
static int append_value(parser *ps, dbuf *out, const char *s, size_t n, int dq)
{
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && s[run] != '$' && s[run] != '\\')
			run++;
		if (dbuf_add(out, s + i, run - i))
			return -1;
		i = run;
		if (i >= n)
			break;
		if (s[i] == '\\') {
			if (i + 1 < n && s[i + 1] == '$') {
				if (dbuf_add(out, "$", 1))
					return -1;
				i += 2;
			} else if (dq && i + 1 < n) {
				char c = s[i + 1];
				c = c == 'n' ? '\n' : c == 'r' ? '\r' : c;
				if (dbuf_add(out, &c, 1))
					return -1;
				i += 2;
			} else {
				if (dbuf_add(out, "\\", 1))
					return -1;
				i++;
			}
			continue;
		}
		/* '$' */
		size_t start = i + 1, len = 0;
		int braced = start < n && s[start] == '{';
		if (braced)
			start++;
		while (start + len < n && is_expand_char(s[start + len]))
			len++;
		if (len == 0 || (braced && (start + len >= n || s[start + len] != '}'))) {
			if (dbuf_add(out, "$", 1))
				return -1;
			i++;
			continue;
		}
		const char *v = expansion(ps->env, s + start, len);
		if (dbuf_add(out, v, strlen(v)))
			return -1;
		i = start + len + (braced ? 1 : 0);
	}
	return dbuf_add(out, "", 0);
}

/* Stores KEY=value: a variable of an earlier file keeps its value, one of
 * this file takes the new one. Takes `value`. */
static int store(parser *ps, const char *key, size_t keylen, char *value)
{
	cli_dotenv *env = ps->env;
	cli_dotenv_var *var = find(env, key, keylen);
	if (var) {
		if ((size_t)(var - env->vars) < env->file_start) {
			free(value);
		} else {
			free(var->value);
			var->value = value;
		}
		return 0;
	}
	if (env->n == env->cap) {
		size_t cap = env->cap ? env->cap * 2 : 16;
		cli_dotenv_var *v = realloc(env->vars, cap * sizeof(*v));
		if (!v)
			goto fail;
		env->vars = v;
		env->cap = cap;
	}
	char *k = malloc(keylen + 1);
	if (!k)
		goto fail;
	memcpy(k, key, keylen);
	k[keylen] = '\0';
	env->vars[env->n].key = k;
	env->vars[env->n].value = value;
	env->n++;
	return 0;
fail:
	free(value);
	return -1;
}

/* A quoted value from the opening quote at ps->p to its closing one (not
 * preceded by an odd number of backslashes); may span lines. */
static int quoted_value(parser *ps, dbuf *out, const char *key, size_t keylen)
{
	char quote = *ps->p;
	unsigned line = ps->line;
	const char *s = ++ps->p;
	const char *q = s;
	for (; q < ps->end; q++) {
		if (*q == '\n')
			ps->line++;
		if (*q != quote)
			continue;
		size_t bs = 0;
		while (q - bs > s && q[-1 - (ptrdiff_t)bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			break;
	}
	if (q >= ps->end)
		return parse_error(ps, line, "the %s-quoted value of %.*s has no closing quote",
		                   quote == '"' ? "double" : "single", (int)keylen, key);
	int rc = quote == '"' ? append_value(ps, out, s, (size_t)(q - s), 1)
	                      : dbuf_add(out, s, (size_t)(q - s));
	if (rc)
		return oom(ps);
	ps->p = q + 1;
	skip_blanks(ps);
	if (ps->p < ps->end && *ps->p == '#')
		skip_line(ps);
	if (ps->p < ps->end && *ps->p != '\n')
		return parse_error(ps, ps->line, "text after the closing quote of the value of %.*s",
		                   (int)keylen, key);
	return 0;
}

/* An unquoted value: the rest of the line, less a comment (a '#' after a
 * blank) and the blanks around it. `blank_before`: blanks came between
 * the '=' and ps->p. */
static int plain_value(parser *ps, dbuf *out, int blank_before)
{
	const char *s = ps->p;
	const char *eol = s;
	while (eol < ps->end && *eol != '\n')
		eol++;
	const char *e = s;
	while (e < eol && !(*e == '#' && (e > s ? is_blank(e[-1]) : blank_before)))
		e++;
	while (e > s && is_blank(e[-1]))
		e--;
	ps->p = eol;
	return append_value(ps, out, s, (size_t)(e - s), 0) ? oom(ps) : 0;
}

/* One KEY=value statement at ps->p (past leading blanks). */
static int statement(parser *ps)
{
	unsigned line = ps->line;
	if ((size_t)(ps->end - ps->p) > 6 && memcmp(ps->p, "export", 6) == 0 &&
	    is_blank(ps->p[6])) {
		ps->p += 6;
		skip_blanks(ps);
	}
	const char *key = ps->p;
	while (ps->p < ps->end && is_key_char(*ps->p))
		ps->p++;
	size_t keylen = (size_t)(ps->p - key);
	/* the file's text is never quoted in a message: a stray line may be
	 * half of a password */
	if (keylen == 0)
		return parse_error(ps, line, "expected a variable name (letters, digits, "
		                   "'_', '.', '-'), then '='");
	skip_blanks(ps);
	if (ps->p >= ps->end || (*ps->p != '=' && *ps->p != ':'))
		return parse_error(ps, line, "expected '=' after the variable name");
	ps->p++;
	const char *value = ps->p;
	skip_blanks(ps);
	dbuf out = { 0 };
	int rc;
	if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\''))
		rc = quoted_value(ps, &out, key, keylen);
	else
		rc = plain_value(ps, &out, ps->p > value);
	if (!rc && !out.p && dbuf_add(&out, "", 0))
		rc = oom(ps);
	if (rc) {
		free(out.p);
		return rc;
	}
	if (store(ps, key, keylen, out.p))
		return oom(ps);
	return 0;
}

int cli_dotenv_parse(cli_dotenv *env, const char *name, const char *text,
                     size_t len, char *msg, size_t msgsize)
{
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		unsigned line = 1;
		for (const char *c = text; c < nul; c++)
			line += *c == '\n';
		snprintf(msg, msgsize, "%s:%u: NUL byte", name, line);
		return CLI_EXIT_USAGE;
	}
	/* CRLF line ends become LF, also inside quoted values (godotenv) */
	char *copy = malloc(len + 1);
	if (!copy) {
		snprintf(msg, msgsize, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
			copy[n++] = text[i];
	copy[n] = '\0';

	parser ps = { env, name, copy, copy + n, 1, msg, msgsize };
	env->file_start = env->n;
	int rc = 0;
	while (!rc) {
		while (ps.p < ps.end && (is_blank(*ps.p) || *ps.p == '\n'))
			ps.line += *ps.p++ == '\n';
		if (ps.p >= ps.end)
			break;
		if (*ps.p == '#')
			skip_line(&ps);
		else
			rc = statement(&ps);
	}
	if (rc) {
		/* none of this file's variables */
		for (size_t i = env->file_start; i < env->n; i++) {
			free(env->vars[i].key);
			free(env->vars[i].value);
		}
		env->n = env->file_start;
	}
	env->file_start = env->n;
	free(copy);
	return rc;
}

int cli_dotenv_load(cli_dotenv *env, const char *path, int required,
                    char *msg, size_t msgsize)
{
	/* O_NONBLOCK: a FIFO must not hang the open; refused below */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(msg, msgsize, "%s: cannot open it: %s", path, strerror(errno));
		return CLI_EXIT_FILES;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msgsize, "%s: not a regular file", path);
		close(fd);
		return CLI_EXIT_FILES;
	}
	if (st.st_size > CLI_DOTENV_MAX_SIZE) {
		snprintf(msg, msgsize, "%s: too large (%lld bytes; the limit is %d MiB)",
		         path, (long long)st.st_size, CLI_DOTENV_MAX_SIZE / (1024 * 1024));
		close(fd);
		return CLI_EXIT_FILES;
	}
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *text = malloc(cap);
	if (!text) {
		close(fd);
		snprintf(msg, msgsize, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	/* read to the end, at most one byte past the size fstat gave: a
	 * file that grew meanwhile is read as far as that */
	for (;;) {
		ssize_t r = read(fd, text + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(msg, msgsize, "%s: cannot read it: %s", path, strerror(errno));
			free(text);
			close(fd);
			return CLI_EXIT_FILES;
		}
		if (r == 0 || (len += (size_t)r) == cap)
			break;
	}
	close(fd);
	int rc = cli_dotenv_parse(env, path, text, len, msg, msgsize);
	free(text);
	return rc;
}

const char *cli_dotenv_get(const cli_dotenv *env, const char *key)
{
	const cli_dotenv_var *var = find(env, key, strlen(key));
	return var ? var->value : NULL;
}

const char *cli_dotenv_lookup(const cli_dotenv *env, const char *key)
{
	const char *v = getenv(key);
	return v ? v : cli_dotenv_get(env, key);
}

int cli_dotenv_export(const cli_dotenv *env)
{
	for (size_t i = 0; i < env->n; i++) {
		const char *k = env->vars[i].key;
		if (strncmp(k, "PG", 2) != 0 && strncmp(k, "MYSQL_", 6) != 0 &&
		    strncmp(k, "MARIADB_", 8) != 0)
			continue;
		if (!getenv(k) && setenv(k, env->vars[i].value, 0) != 0)
			return -1;
	}
	return 0;
}

void cli_dotenv_free(cli_dotenv *env)
{
	if (!env)
		return;
	for (size_t i = 0; i < env->n; i++) {
		free(env->vars[i].key);
		free(env->vars[i].value);
	}
	free(env->vars);
	memset(env, 0, sizeof(*env));
}
