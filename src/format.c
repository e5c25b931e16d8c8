/* src/format.c - migration file names and the native file format
 * (-- migrate:up / -- migrate:down sections with options). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strata/driver.h>

#include "format.h"
#include "version.h"

/* Longest file strata reads as one migration. */
#define STRATA_MAX_FILE (64u * 1024u * 1024u)

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Splits "<version>[_<name>]" in `base` (modified in place). */
static int split_version_name(char *base, const char **version,
                              const char **name)
{
	size_t v = strspn(base, "0123456789.");
	if (!strata_version_valid(base, v))
		return -1;
	if (base[v] == '\0') {
		*name = base + v; /* "" */
	} else if (base[v] == '_' && base[v + 1] != '\0') {
		base[v] = '\0';
		*name = base + v + 1;
	} else {
		return -1;
	}
	*version = base;
	return 0;
}

/* Flyway's names: V<version>__<description>.sql (a versioned migration,
 * the whole file its up SQL) and U<version>__<description>.sql (its undo),
 * the version's parts separated by '.' or '_' (V1_2__x is version 1.2).
 * `b` is the name without ".sql" (modified in place). */
static int split_flyway(char *b, strata_file_kind *kind, const char **version,
                        const char **name)
{
	char *sep = strstr(b + 1, "__");
	if ((b[0] != 'V' && b[0] != 'U') || !sep || sep[2] == '\0')
		return -1;
	*sep = '\0';
	for (char *c = b + 1; *c; c++)
		if (*c == '_')
			*c = '.';
	if (!strata_version_valid(b + 1, (size_t)(sep - (b + 1))))
		return -1;
	*kind = b[0] == 'V' ? STRATA_FILE_PAIR_UP : STRATA_FILE_PAIR_DOWN;
	*version = b + 1;
	*name = sep + 2;
	return 0;
}

/* V<version>.<name> of a pair (V0001.Initial_Schema.up.sql, as authelia
 * names its migrations): the version ends at the first '.' that no digit
 * follows. */
static int split_dotted(char *b, const char **version, const char **name)
{
	if (b[0] != 'V')
		return -1;
	size_t v = 1;
	while (isdigit((unsigned char)b[v]) ||
	       (b[v] == '.' && isdigit((unsigned char)b[v + 1])))
		v++;
	if (b[v] != '.' || !(isalnum((unsigned char)b[v + 1]) || b[v + 1] == '_') ||
	    !strata_version_valid(b + 1, v - 1))
		return -1;
	b[v] = '\0';
	*version = b + 1;
	*name = b + v + 1;
	return 0;
}

/* pop's dialect parts, as its CanonicalDialect() spells them, and the
 * driver each stands for. */
static const struct pop_dialect {
	const char *tag;
	const char *driver;
} pop_dialects[] = {
	{ "postgres", "postgres" }, { "postgresql", "postgres" },
	{ "pg", "postgres" }, { "pgx", "postgres" },
	{ "mysql", "mysql" },
	{ "sqlite3", "sqlite" }, { "sqlite", "sqlite" },
	{ "cockroach", "cockroach" }, { "cockroachdb", "cockroach" },
	{ "crdb", "cockroach" },
	{ "mssql", "mssql" },
};

/* Strips pop's [.{dialect}][.autocommit] from the end of `b` (a pair's
 * name without .up.sql / .down.sql, modified in place). A last part that
 * is no dialect pop knows stays in the name, as golang-migrate reads it. */
static void strip_pop_parts(char *b, strata_file_name *out)
{
	size_t n = strlen(b);
	static const char ac[] = ".autocommit";
	if (n > sizeof(ac) - 1 && strcmp(b + n - (sizeof(ac) - 1), ac) == 0) {
		out->autocommit = 1;
		n -= sizeof(ac) - 1;
		b[n] = '\0';
	}
	char *dot = strrchr(b, '.');
	if (!dot || !strchr(b, '_') || dot < strchr(b, '_'))
		return;
	for (size_t i = 0; i < sizeof(pop_dialects) / sizeof(pop_dialects[0]); i++)
		if (strcmp(dot + 1, pop_dialects[i].tag) == 0) {
			out->dialect = pop_dialects[i].driver;
			*dot = '\0';
			return;
		}
}

/* 1 when `name` starts the way a migration's name does: version digits,
 * Flyway's V<digits> / U<digits> / R__, MikroORM's Migration<digits>. */
static int looks_like_migration(const char *name)
{
	return isdigit((unsigned char)name[0]) ||
	       ((name[0] == 'V' || name[0] == 'U') && isdigit((unsigned char)name[1])) ||
	       strncmp(name, "R__", 3) == 0 ||
	       (strncmp(name, "Migration", 9) == 0 && isdigit((unsigned char)name[9]));
}

static int bad(strata_file_name *out, const char *why)
{
	out->kind = STRATA_FILE_BAD;
	out->version = out->name = NULL;
	out->why = why;
	return 0;
}

/* Whether `ext` (from its dot) is JavaScript's or TypeScript's. */
static int js_ext(const char *ext)
{
	return ext && (strcmp(ext, ".ts") == 0 || strcmp(ext, ".js") == 0 ||
	               strcmp(ext, ".mjs") == 0 || strcmp(ext, ".cjs") == 0 ||
	               strcmp(ext, ".mts") == 0 || strcmp(ext, ".cts") == 0);
}

/* The length of the letters before the version of a MikroORM class's
 * name: "Migration" and one digit or more (MikroORM's own naming), or
 * other ASCII letters and eight digits or more, a timestamp (Medusa's
 * InitialSetup20240221144943); 0 when `name` is neither. */
static size_t mikro_prefix(const char *name)
{
	size_t p = 0;
	while ((name[p] >= 'A' && name[p] <= 'Z') || (name[p] >= 'a' && name[p] <= 'z'))
		p++;
	size_t d = p;
	while (isdigit((unsigned char)name[d]))
		d++;
	if (p == 0 || d == p)
		return 0;
	if (p == 9 && strncmp(name, "Migration", 9) == 0)
		return p;
	return d - p >= 8 ? p : 0;
}

/* A MikroORM class: <Letters><digits>[_<name>].ts / .js (.mjs, .cjs, .mts,
 * .cts), the letters as mikro_prefix() takes them (`p` of them). The
 * version is the digits, the name the file's base name (what MikroORM
 * records). `ext` points at the extension's dot. */
static int classify_mikro(strata_file_name *out, const char *filename,
                          const char *ext, size_t p, char *scratch)
{
	size_t d = p;
	while (isdigit((unsigned char)filename[d]))
		d++;
	if (filename + d != ext && filename[d] != '_')
		return bad(out, "a MikroORM migration's name is <Class><version>[_<name>] "
		                "(Migration20240702105919) followed by .ts or .js");
	size_t base = (size_t)(ext - filename);
	memcpy(scratch, filename + p, d - p);
	scratch[d - p] = '\0';
	memcpy(scratch + d - p + 1, filename, base);
	scratch[d - p + 1 + base] = '\0';
	if (!strata_version_valid(scratch, d - p))
		return bad(out, "a MikroORM migration's version is too long (at most 63 digits)");
	out->kind = STRATA_FILE_MIKRO;
	out->version = scratch;
	out->name = scratch + d - p + 1;
	return 0;
}

/* Whether `filename` is named like a MikroORM class. */
static int mikro_like(const char *filename)
{
	return js_ext(strrchr(filename, '.')) && mikro_prefix(filename) > 0;
}

/* A file whose name looks like a migration but is not a .sql file:
 * MikroORM's classes, or refused with the reason. */
static void classify_other(strata_file_name *out, const char *filename,
                           char *scratch)
{
	const char *ext = strrchr(filename, '.');
	if (ext && (strcmp(ext, ".map") == 0 ||
	            (strcmp(ext, ".ts") == 0 && ext - filename > 2 &&
	             strncmp(ext - 2, ".d", 2) == 0)))
		return; /* a compiler's source map or declarations, not code */
	if (ext && strcmp(ext, ".sql") != 0 && strcasecmp(ext, ".sql") == 0) {
		/* "x.SQL": SQL all the same, whatever the rest of the name */
		bad(out, "a migration file name must end in .sql, in lowercase");
		return;
	}
	if (!looks_like_migration(filename) && !mikro_like(filename))
		return;
	int js = js_ext(ext);
	size_t p = js ? mikro_prefix(filename) : 0;
	if (p) {
		classify_mikro(out, filename, ext, p, scratch);
		return;
	}
	if (!ext)
		bad(out, "named like a migration but has no extension; strata reads .sql "
		         "files and MikroORM's Migration<version>.ts/.js");
	else if (strcmp(ext, ".go") == 0)
		bad(out, "a Go migration (goose's): strata runs SQL migrations, not Go code; "
		         "rewrite it in SQL, or leave it out on purpose with --ignore");
	else if (strcmp(ext, ".fizz") == 0)
		bad(out, "a pop fizz migration: strata does not translate fizz; write it as "
		         "{version}_{name}.up.sql / .down.sql");
	else if (js)
		bad(out, "a JavaScript/TypeScript migration that is not a MikroORM "
		         "Migration<version> class: strata runs no JavaScript");
	else
		bad(out, "named like a migration but strata reads only .sql files and "
		         "MikroORM's Migration<version>.ts/.js");
}

void strata_format_classify(strata_file_name *out, const char *filename,
                            char *scratch)
{
	size_t n = strlen(filename);
	memset(out, 0, sizeof(*out));
	out->kind = STRATA_FILE_IGNORED;
	if (filename[0] == '.')
		return;
	int sql = ends_with(filename, n, ".sql");
	if (!sql && !looks_like_migration(filename) && !mikro_like(filename) &&
	    !(n >= 4 && strcasecmp(filename + n - 4, ".sql") == 0))
		return;
	/* a control character (newline, ESC) in a name would reach the
	 * terminal through status and the history table */
	for (const char *c = filename; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			bad(out, "a control character in a migration file name");
			return;
		}
	if (!sql) {
		classify_other(out, filename, scratch);
		return;
	}
	strata_file_kind kind = STRATA_FILE_NATIVE;
	size_t base = n - 4;
	if (ends_with(filename, n, ".up.sql")) {
		kind = STRATA_FILE_PAIR_UP;
		base = n - 7;
	} else if (ends_with(filename, n, ".down.sql")) {
		kind = STRATA_FILE_PAIR_DOWN;
		base = n - 9;
	}
	memcpy(scratch, filename, base);
	scratch[base] = '\0';
	char *b = scratch;
	if (kind == STRATA_FILE_NATIVE && strncmp(b, "Migration", 9) == 0 &&
	    strata_version_valid(b + 9, strlen(b + 9))) {
		out->kind = kind;
		out->version = b + 9;
		out->name = b + base; /* "" */
		return;
	}
	if (kind == STRATA_FILE_NATIVE && isdigit((unsigned char)b[1]) &&
	    split_flyway(b, &out->kind, &out->version, &out->name) == 0)
		return;
	/* Flyway's repeatable migration: no version, keyed by its name */
	if (kind == STRATA_FILE_NATIVE && strncmp(b, "R__", 3) == 0 && b[3]) {
		out->kind = STRATA_FILE_REPEATABLE;
		out->version = b;
		out->name = b + 3;
		return;
	}
	if (kind != STRATA_FILE_NATIVE &&
	    split_dotted(b, &out->version, &out->name) == 0) {
		out->kind = kind;
		return;
	}
	if (kind != STRATA_FILE_NATIVE && isdigit((unsigned char)b[0]))
		strip_pop_parts(b, out);
	if (split_version_name(b, &out->version, &out->name)) {
		bad(out, NULL);
		return;
	}
	out->kind = kind;
}

void strata_format_classify_dir(strata_file_name *out, const char *dirname,
                                char *scratch)
{
	memset(out, 0, sizeof(*out));
	out->kind = STRATA_FILE_IGNORED;
	if (!isdigit((unsigned char)dirname[0]))
		return;
	const char *us = strchr(dirname, '_');
	size_t v = strspn(dirname, "0123456789-");
	if (!us || dirname + v != us || us[1] == '\0')
		return; /* not <version>_<name>: a folder of something else */
	for (const char *c = dirname; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			bad(out, "a control character in a migration folder name");
			return;
		}
	size_t k = 0;
	for (const char *c = dirname; c < us; c++)
		if (*c != '-')
			scratch[k++] = *c;
	scratch[k] = '\0';
	if (!strata_version_valid(scratch, k)) {
		bad(out, "a migration folder's version is too long (at most 63 digits)");
		return;
	}
	strcpy(scratch + k + 1, us + 1);
	out->kind = STRATA_FILE_DIESEL;
	out->version = scratch;
	out->name = scratch + k + 1;
}

int strata_format_diesel_metadata(int *in_tx, const char *text, size_t len,
                                  const char *path, strata_error *err)
{
	*in_tx = 1;
	const char *p = text, *end = text + len;
	int line = 1;
	for (; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end;
		const char *q = p;
		while (q < lend && (*q == ' ' || *q == '\t'))
			q++;
		static const char key[] = "run_in_transaction";
		if ((size_t)(lend - q) >= sizeof(key) - 1 &&
		    memcmp(q, key, sizeof(key) - 1) == 0) {
			q += sizeof(key) - 1;
			while (q < lend && (*q == ' ' || *q == '\t'))
				q++;
			if (q < lend && *q == '=') {
				q++;
				while (q < lend && (*q == ' ' || *q == '\t'))
					q++;
				const char *e = q;
				while (e < lend && *e != ' ' && *e != '\t' && *e != '\r' && *e != '#')
					e++;
				if (e - q == 5 && memcmp(q, "false", 5) == 0)
					*in_tx = 0;
				else if (e - q == 4 && memcmp(q, "true", 4) == 0)
					*in_tx = 1;
				else {
					strata_error_set(err, STRATA_EPARSE,
					                 "run_in_transaction wants true or false");
					snprintf(err->file, sizeof(err->file), "%s", path);
					err->line = line;
					return STRATA_EPARSE;
				}
			}
		}
		p = eol ? eol + 1 : end;
	}
	return 0;
}

/* A failure reading the file at `path`: the message says what, err->file
 * says which (printed once, in front). Returns `code`. */
static int read_error(strata_error *err, int code, const char *path,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int read_error(strata_error *err, int code, const char *path,
                      const char *fmt, ...)
{
	char msg[sizeof(err->message)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strata_error_set(err, code, "%s", msg);
	snprintf(err->file, sizeof(err->file), "%s", path);
	return code;
}

int strata_read_file_at(char **out, size_t *len, int dirfd, const char *name,
                        const char *path, strata_error *err)
{
	/* O_NONBLOCK: opening a FIFO named like a migration must not wait
	 * for a writer forever; it is refused below as not a regular file */
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return read_error(err, STRATA_EIO, path, "cannot open it: %s",
		                  strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return read_error(err, STRATA_EIO, path, "not a regular file");
	}
	/* O_NONBLOCK stays: it changes nothing for a regular file's reads,
	 * and clearing it cost two system calls per migration file */
	if ((unsigned long long)st.st_size > STRATA_MAX_FILE) {
		close(fd);
		return read_error(err, STRATA_EIO, path,
		                  "too large (%lld bytes; the limit is %u MiB)",
		                  (long long)st.st_size, STRATA_MAX_FILE / (1024u * 1024u));
	}
	size_t cap = (size_t)st.st_size + 1, used = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return read_error(err, STRATA_ENOMEM, path, "out of memory reading it");
	}
	for (;;) {
		if (used + 1 >= cap) {
			if (cap > STRATA_MAX_FILE) {
				free(buf);
				close(fd);
				return read_error(err, STRATA_EIO, path,
				                  "too large (over %u MiB)",
				                  STRATA_MAX_FILE / (1024u * 1024u));
			}
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				close(fd);
				return read_error(err, STRATA_ENOMEM, path,
				                  "out of memory reading it");
			}
			buf = p;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + used, cap - 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			return read_error(err, STRATA_EIO, path, "cannot read it: %s",
			                  strerror(e));
		}
		if (r == 0)
			break;
		used += (size_t)r;
		/* the whole file as fstat saw it: skip the read that finds EOF */
		if (used == (size_t)st.st_size && st.st_size > 0)
			break;
	}
	close(fd);
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

/* ---------------------------------------------------------------- parse */

typedef struct marker {
	int is_marker;   /* the line is a -- migrate:... or -- +goose up/down line */
	int up;          /* 1 up, 0 down */
	int no_tx;       /* -1 unset, 0/1 */
	int goose;       /* a -- +goose annotation (of any kind) */
	int goose_no_tx; /* -- +goose NO TRANSACTION */
} marker;

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Parses one option token "key:value" of a marker line. */
static int parse_option(marker *mk, const char *tok, size_t n,
                        const char *path, int line, strata_error *err)
{
	if (n == 17 && strncmp(tok, "transaction:false", n) == 0) {
		mk->no_tx = 1;
		return 0;
	}
	if (n == 16 && strncmp(tok, "transaction:true", n) == 0) {
		mk->no_tx = 0;
		return 0;
	}
	strata_error_set(err, STRATA_EPARSE,
	                 "unknown option \"%.*s\" on the migrate marker (known: transaction:false, transaction:true)",
	                 (int)(n > 60 ? 60 : n), tok);
	snprintf(err->file, sizeof(err->file), "%s", path);
	err->line = line;
	return STRATA_EPARSE;
}

/* 1 when the words of [p, end) (blanks between them folded, a CR at the
 * end ignored) are `words`, in any case. */
static int words_are(const char *p, const char *end, const char *words)
{
	while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (;;) {
		p = skip_blanks(p, end);
		while (*words == ' ')
			words++;
		if (!*words)
			return p == end;
		while (*words && *words != ' ') {
			if (p == end || tolower((unsigned char)*p) != *words)
				return 0;
			p++;
			words++;
		}
		if (p < end && *p != ' ' && *p != '\t')
			return 0;
	}
}

/* A goose annotation, "-- +goose WORDS" (case-insensitive, as goose reads
 * them), from the "+goose" on: up and down open sections; NO TRANSACTION
 * makes the whole file run statement by statement; StatementBegin and
 * StatementEnd only comment the SQL between them, which strata's lexer
 * splits by itself (function and trigger bodies, dollar quotes, BEGIN ...
 * END) as goose would send it. ENVSUB is refused: its SQL means something
 * else once substituted, and strata does not substitute. */
static int parse_goose(marker *mk, const char *p, const char *end,
                       const char *path, int line, strata_error *err)
{
	mk->goose = 1;
	p += 6;
	if (words_are(p, end, "up") || words_are(p, end, "down")) {
		mk->is_marker = 1;
		mk->up = words_are(p, end, "up");
		return 0;
	}
	if (words_are(p, end, "no transaction")) {
		mk->goose_no_tx = 1;
		return 0;
	}
	if (words_are(p, end, "statementbegin") || words_are(p, end, "statementend"))
		return 0;
	const char *what = words_are(p, end, "envsub on") || words_are(p, end, "envsub off")
	                   ? "goose's ENVSUB (environment variable substitution) is not supported; "
	                     "write the values into the SQL"
	                   : "unknown goose annotation (known: Up, Down, StatementBegin, "
	                     "StatementEnd, NO TRANSACTION)";
	strata_error_set(err, STRATA_EPARSE, "%s", what);
	snprintf(err->file, sizeof(err->file), "%s", path);
	err->line = line;
	return STRATA_EPARSE;
}

/* Recognises "-- migrate:up [options]" and goose's "-- +goose ..." on the
 * line [p, end). */
static int parse_marker(marker *mk, const char *p, const char *end,
                        const char *path, int line, strata_error *err)
{
	mk->is_marker = 0;
	mk->up = 0;
	mk->no_tx = -1;
	mk->goose = 0;
	mk->goose_no_tx = 0;
	p = skip_blanks(p, end);
	if (end - p < 2 || p[0] != '-' || p[1] != '-')
		return 0;
	p = skip_blanks(p + 2, end);
	if (end - p >= 6 && strncasecmp(p, "+goose", 6) == 0 &&
	    (end - p == 6 || p[6] == ' ' || p[6] == '\t' || p[6] == '\r'))
		return parse_goose(mk, p, end, path, line, err);
	if (end - p < 8 || strncmp(p, "migrate:", 8) != 0)
		return 0;
	p += 8;
	size_t word = 0;
	while (p + word < end && isalpha((unsigned char)p[word]))
		word++;
	if (word == 2 && strncmp(p, "up", 2) == 0)
		mk->up = 1;
	else if (word == 4 && strncmp(p, "down", 4) == 0)
		mk->up = 0;
	else {
		strata_error_set(err, STRATA_EPARSE,
		                 "unknown marker \"-- migrate:%.*s\" (expected -- migrate:up or -- migrate:down)",
		                 (int)(word > 40 ? 40 : word), p);
		snprintf(err->file, sizeof(err->file), "%s", path);
		err->line = line;
		return STRATA_EPARSE;
	}
	mk->is_marker = 1;
	p += word;
	while ((p = skip_blanks(p, end)) < end) {
		const char *tok = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (p == tok) { /* a stray CR at the end of the line */
			p++;
			continue;
		}
		int rc = parse_option(mk, tok, (size_t)(p - tok), path, line, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* 1 when [p, end) holds only blanks or a -- comment. */
static int blank_or_comment(const char *p, const char *end)
{
	p = skip_blanks(p, end);
	while (p < end && (*p == '\r'))
		p++;
	return p == end || (end - p >= 2 && p[0] == '-' && p[1] == '-');
}

static int set_part(strata_part *part, const char *text, size_t len,
                    int first_line, const char *file, strata_error *err)
{
	part->text = malloc(len + 1);
	if (!part->text)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	memcpy(part->text, text, len);
	part->text[len] = '\0';
	part->len = len;
	part->first_line = first_line;
	part->file = file;
	return 0;
}

static int parse_error(strata_error *err, const char *path, int line,
                       const char *msg)
{
	strata_error_set(err, STRATA_EPARSE, "%s", msg);
	snprintf(err->file, sizeof(err->file), "%s", path);
	err->line = line;
	return STRATA_EPARSE;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when it
 * is not one: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t k;
	unsigned lo = 0x80, hi = 0xBF;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		k = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		k = 3;
		if (p[0] == 0xE0)
			lo = 0xA0;
		else if (p[0] == 0xED)
			hi = 0x9F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		k = 4;
		if (p[0] == 0xF0)
			lo = 0x90;
		else if (p[0] == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < k || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return k;
}

/* Length of the run of ASCII bytes other than NUL that [p, end) starts
 * with: nearly all of a migration, and valid UTF-8 as it is. Eight bytes
 * at a time; the byte loop for all of them cost as much as hashing. */
static size_t ascii_run(const unsigned char *p, const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	const unsigned char *s = p;
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		/* a byte >= 0x80, or (w - ones) & ~w: a zero byte */
		if ((w | ((w - ones) & ~w)) & highs)
			break;
		p += 8;
	}
	while (p < end && *p != 0 && *p < 0x80)
		p++;
	return (size_t)(p - s);
}

/* Line (1-based) and column (1-based, in bytes) of `at` in `text`. */
static void locate(const char *text, const char *at, int *line, int *column)
{
	const char *bol = text;
	*line = 1;
	for (const char *p = text; p < at; p++)
		if (*p == '\n') {
			(*line)++;
			bol = p + 1;
		}
	*column = (int)(at - bol) + 1;
}

/* Refuses a NUL byte, and text that is not UTF-8: servers reject such
 * SQL (PostgreSQL as a whole, MySQL only at the statement that carries
 * it, after the DDL before it committed), and it could not be shown or
 * stored as the history's down SQL. Refused here, it stops the run
 * before anything is applied, naming the line and column. */
int strata_format_refuse_binary(const char *text, size_t len,
                                const char *path, strata_error *err)
{
	const unsigned char *p = (const unsigned char *)text;
	const unsigned char *end = p + len;
	/* the line of a bad byte is counted only once there is one */
	while ((p += ascii_run(p, end)) < end) {
		size_t k = *p ? utf8_seq(p, (size_t)(end - p)) : 0;
		if (k) {
			p += k;
			continue;
		}
		int line, column;
		locate(text, (const char *)p, &line, &column);
		if (*p == '\0')
			return parse_error(err, path, line,
			                   "binary data (a NUL byte) in a migration file");
		char msg[160];
		snprintf(msg, sizeof(msg),
		         "not UTF-8 text (byte 0x%02X); migration files must be UTF-8 "
		         "(convert it, e.g. with iconv)", *p);
		int rc = parse_error(err, path, line, msg);
		err->column = column;
		return rc;
	}
	return 0;
}

int strata_format_parse_native(strata_migration *m, char *text, size_t len,
                               const char *path, strata_error *err)
{
	const char *p = text, *end = text + len;
	int line = 1;
	int rc = strata_format_refuse_binary(text, len, path, err);
	if (rc)
		goto out;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	/* current section: 1 up, 0 down, -1 none yet */
	int section = -1, section_line = 0;
	const char *section_start = NULL;
	int up_line = 0, down_line = 0;
	int up_no_tx = 0, down_no_tx = 0;
	/* the line of the first marker of each style: one file, one style */
	int native_line = 0, goose_line = 0, goose_no_tx = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;
		const char *lend = eol ? eol : end;
		marker mk;
		rc = parse_marker(&mk, p, lend, path, line, err);
		if (rc)
			goto out;
		if (mk.goose || mk.is_marker) {
			int *mine = mk.goose ? &goose_line : &native_line;
			int other = mk.goose ? native_line : goose_line;
			if (other) {
				char msg[160];
				snprintf(msg, sizeof(msg),
				         "%s marker in a file with %s markers (line %d); use one style",
				         mk.goose ? "a -- +goose" : "a -- migrate:",
				         mk.goose ? "-- migrate:" : "-- +goose", other);
				rc = parse_error(err, path, line, msg);
				goto out;
			}
			if (!*mine)
				*mine = line;
			goose_no_tx |= mk.goose_no_tx;
		}
		if (mk.is_marker) {
			if (section >= 0) {
				strata_part *part = section ? &m->up : &m->down;
				rc = set_part(part, section_start,
				              (size_t)(p - section_start),
				              section_line, m->file, err);
				if (rc)
					goto out;
			}
			const char *mup = goose_line ? "-- +goose Up" : "-- migrate:up";
			const char *mdown = goose_line ? "-- +goose Down" : "-- migrate:down";
			if (mk.up && up_line) {
				char msg[128];
				snprintf(msg, sizeof(msg),
				         "a second %s section (the first is at line %d)", mup, up_line);
				rc = parse_error(err, path, line, msg);
				goto out;
			}
			if (!mk.up && down_line) {
				char msg[128];
				snprintf(msg, sizeof(msg),
				         "a second %s section (the first is at line %d)", mdown, down_line);
				rc = parse_error(err, path, line, msg);
				goto out;
			}
			/* the up section first, as dbmate requires: a file
			 * strata accepts stays valid for dbmate */
			if (mk.up && down_line) {
				char msg[160];
				snprintf(msg, sizeof(msg),
				         "%s after %s (line %d); the up section comes first",
				         mup, mdown, down_line);
				rc = parse_error(err, path, line, msg);
				goto out;
			}
			if (mk.up) {
				up_line = line;
				m->has_up = 1;
				up_no_tx = mk.no_tx == 1;
			} else {
				down_line = line;
				m->has_down = 1;
				down_no_tx = mk.no_tx == 1;
			}
			section = mk.up;
			section_start = next;
			section_line = line + 1;
		} else if (section < 0 && !blank_or_comment(p, lend)) {
			rc = parse_error(err, path, line,
			                 goose_line ? "SQL before the first -- +goose Up annotation"
			                            : "SQL before the first -- migrate:up marker");
			goto out;
		}
		p = next;
		line++;
	}
	if (section >= 0) {
		strata_part *part = section ? &m->up : &m->down;
		rc = set_part(part, section_start, (size_t)(end - section_start),
		              section_line, m->file, err);
		if (rc)
			goto out;
	}
	if (!m->has_up)
		rc = parse_error(err, path, 1,
		                 goose_line ? "no -- +goose Up annotation (a migration file needs one)"
		                            : "no -- migrate:up section (a migration file needs one)");
	/* goose: NO TRANSACTION, wherever it stands, is for the whole file */
	m->up.no_transaction = up_no_tx || goose_no_tx;
	m->down.no_transaction = down_no_tx || goose_no_tx;
	m->goose = goose_line != 0;
out:
	free(text);
	return rc;
}
