/*
 * fuzz/fuzz_format.c - libFuzzer target for the migration file parser
 * (src/format.c) and what src/source.c does with a file's text.
 *
 * Input: one control byte, then the payload. Control bits 0-1 pick the
 * dialect the parts are split with (generic, sqlite, postgres, mysql);
 * bits 2-3 the mode:
 *   0     native file: the payload is a file's text, parsed by
 *         strata_format_parse_native() into up/down parts and options;
 *   1     MikroORM class: the payload is a Migration<v>.ts file's text,
 *         read by strata_format_parse_mikro() (src/mikro.c);
 *   2     golang-migrate pair: the payload is the .up.sql text, then,
 *         after the separator FUZZ_PAIR_SEP, the .down.sql text; both are
 *         written to a scratch directory and loaded by
 *         strata_source_add_dir() (BOM, NUL refusal, single-part form);
 *   3     file name: the payload (up to the first NUL or '/') is a file
 *         name given to strata_format_classify().
 * In modes 0-2 the parts that were read are then split with the dialect
 * (strata_migration_prepare) and the statements checked as in fuzz_sql.
 *
 * Invariants checked (abort() when broken): see check_native(),
 * check_mikro(), check_pair() and check_name().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <strata.h>
#include <strata/driver.h>

#include "format.h"
#include "fuzz.h"
#include "migration.h"
#include "split_check.h"
#include "version.h"

#define FUZZ_PAIR_SEP "\0\0down\0\0"
#define FUZZ_PAIR_SEP_LEN 8

static const strata_dialect dialects[4] = {
	STRATA_DIALECT_GENERIC, STRATA_DIALECT_SQLITE,
	STRATA_DIALECT_POSTGRES, STRATA_DIALECT_MYSQL
};

static char scratch_dir[4096];
static char up_path[4200], down_path[4200];

static void remove_scratch(void)
{
	unlink(up_path);
	unlink(down_path);
	rmdir(scratch_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	snprintf(scratch_dir, sizeof(scratch_dir), "%s/strata-fuzz-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch_dir)) {
		perror("fuzz_format: mkdtemp");
		exit(1);
	}
	snprintf(up_path, sizeof(up_path), "%s/000001_f.up.sql", scratch_dir);
	snprintf(down_path, sizeof(down_path), "%s/000001_f.down.sql", scratch_dir);
	atexit(remove_scratch);
	return 0;
}

/* Splits a part that was read and checks the statements against the
 * part's own text. */
static void check_prepared(const strata_part *p, strata_dialect d, int rc,
                           const strata_error *err)
{
	if (!p->text) {
		FUZZ_REQUIRE(p->stmts == NULL && p->nstmts == 0);
		return;
	}
	FUZZ_REQUIRE(p->text[p->len] == '\0');
	if (rc == 0)
		FUZZ_REQUIRE(p->prepared && p->dialect == d);
	if (p->prepared)
		fuzz_check_split(0, p->stmts, p->nstmts, err, p->text, p->len, d,
		                 p->first_line);
}

static void prepare_and_check(strata_migration *m, strata_dialect d)
{
	strata_error err;
	strata_error_clear(&err);
	int rc = strata_migration_prepare(m, d, &err);
	FUZZ_REQUIRE(rc == 0 || rc == STRATA_EPARSE || rc == STRATA_ENOMEM);
	if (rc == STRATA_EPARSE) {
		/* the error names the part's file and a line of it */
		FUZZ_REQUIRE(err.file[0] != '\0' && err.line >= 1);
		FUZZ_REQUIRE(strcmp(err.version, m->version) == 0);
	}
	check_prepared(&m->up, d, rc, &err);
	check_prepared(&m->down, d, rc, &err);
}

/* ------------------------------------------------------------ text */

/*
 * Offset of the first byte strata must refuse in a migration file (a NUL,
 * or a byte that starts no valid UTF-8 sequence: RFC 3629, no overlong
 * forms, no surrogates, nothing above U+10FFFF), or len when there is
 * none. Written from the RFC, not from src/format.c.
 */
static size_t first_bad_byte(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		/* 110xxxxx, 1110xxxx, 11110xxx lead 2, 3, 4 bytes */
		size_t k = c >= 0xF8 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3
		         : c >= 0xC0 ? 2 : 0;
		if (k == 0 || i + k > len)
			return i;
		unsigned long cp = c & (0x7F >> k);
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		unsigned long min = k == 2 ? 0x80 : k == 3 ? 0x800 : 0x10000;
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += k;
	}
	return len;
}

/* ------------------------------------------------------------ native */

/* Offsets of the starts of the lines of text (line k at starts[k - 1]);
 * returns the number of lines (a text ending in '\n' has an empty last
 * line, as the parser counts). */
static size_t line_starts(size_t **out, const char *text, size_t len)
{
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	size_t *v = malloc(n * sizeof(*v));
	if (!v)
		abort();
	size_t k = 0;
	v[k++] = 0;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			v[k++] = i + 1;
	*out = v;
	return n;
}

/* Where a comment line's text starts: after blanks, "--" and blanks;
 * NULL when [p, end) is no such line. */
static const char *comment_text(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 2 || p[0] != '-' || p[1] != '-')
		return NULL;
	p += 2;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The words of a goose annotation line "-- +goose WORDS" (blanks,
 * and CRs at the end, dropped; lowercased; one space between words) into
 * out; 0 when the line is no annotation. */
static int goose_words(const char *p, const char *end, char *out, size_t cap)
{
	p = comment_text(p, end);
	if (!p || end - p < 6 || strncasecmp(p, "+goose", 6) != 0)
		return 0;
	p += 6;
	if (p < end && *p != ' ' && *p != '\t' && *p != '\r')
		return 0;
	size_t n = 0;
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		if (n && n + 1 < cap)
			out[n++] = ' ';
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r') {
			if (n + 1 < cap)
				out[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
			p++;
		}
	}
	out[n] = '\0';
	return 1;
}

/* Looks like a section marker: "-- migrate:..." (the parser takes every
 * such line as a marker or refuses it) or "-- +goose up|down". */
static int marker_like(const char *p, const char *end)
{
	char w[32];
	if (goose_words(p, end, w, sizeof(w)))
		return strcmp(w, "up") == 0 || strcmp(w, "down") == 0;
	p = comment_text(p, end);
	return p && end - p >= 8 && memcmp(p, "migrate:", 8) == 0;
}

/* 1 when a line of text is "-- +goose NO TRANSACTION". */
static int goose_no_tx(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char w[32];
		if (goose_words(p, eol ? eol : end, w, sizeof(w)) &&
		    strcmp(w, "no transaction") == 0)
			return 1;
		p = eol ? eol + 1 : end;
	}
	return 0;
}

/* Blank, or a -- comment (CRs count as blanks here). */
static int blank_or_comment(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p == end || (end - p >= 2 && p[0] == '-' && p[1] == '-');
}

/* 1 when [p, end) contains the token `tok`. */
static int has_token(const char *p, const char *end, const char *tok)
{
	size_t k = strlen(tok);
	for (; p + k <= end; p++)
		if (memcmp(p, tok, k) == 0)
			return 1;
	return 0;
}

/*
 * The part for the marker at line `ml` (1-based): the text from the next
 * line up to the next marker-like line or the end, first_line = ml + 1.
 */
static void check_part(const strata_part *p, const char *text, size_t len,
                       const size_t *starts, size_t nlines, size_t ml,
                       const size_t *markers, size_t nmarkers)
{
	size_t from = ml < nlines ? starts[ml] : len;
	size_t to = len;
	for (size_t i = 0; i < nmarkers; i++)
		if (markers[i] > ml) {
			to = starts[markers[i] - 1];
			break;
		}
	FUZZ_REQUIRE(p->text != NULL);
	FUZZ_REQUIRE(p->first_line == (int)ml + 1);
	FUZZ_REQUIRE(p->len == to - from);
	FUZZ_REQUIRE(memcmp(p->text, text + from, p->len) == 0);
	FUZZ_REQUIRE(p->text[p->len] == '\0');
	FUZZ_REQUIRE(p->no_transaction == 0 || p->no_transaction == 1);
	/* transaction:false is only ever set by its own marker line, or
	 * for the whole file by goose's NO TRANSACTION */
	if (p->no_transaction) {
		const char *eol = memchr(text + starts[ml - 1], '\n',
		                         len - starts[ml - 1]);
		FUZZ_REQUIRE(has_token(text + starts[ml - 1], eol ? eol : text + len,
		                       "transaction:false") ||
		             goose_no_tx(text, len));
	}
}

static void check_native(const char *text, size_t len, strata_dialect d)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return;
	memcpy(copy, text, len);
	copy[len] = '\0';
	strata_migration *m = strata_migration_new();
	if (!m)
		abort();
	m->version = strdup("1");
	m->name = strdup("f");
	m->file = strdup("f.sql");
	if (!m->version || !m->name || !m->file)
		abort();
	strata_error err;
	strata_error_clear(&err);
	int rc = strata_format_parse_native(m, copy, len, "f.sql", &err);

	size_t *starts;
	size_t nlines = line_starts(&starts, text, len);
	size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	size_t *markers = malloc(nlines * sizeof(*markers));
	if (!markers)
		abort();
	size_t nmarkers = 0;
	for (size_t l = 0; l < nlines; l++) {
		size_t s = l == 0 ? bom : starts[l];
		const char *eol = memchr(text + s, '\n', len - s);
		if (marker_like(text + s, eol ? eol : text + len))
			markers[nmarkers++] = l + 1;
	}
	size_t bad = first_bad_byte(text, len);

	FUZZ_REQUIRE(rc == 0 || rc == STRATA_EPARSE || rc == STRATA_ENOMEM);
	if (rc == STRATA_EPARSE) {
		FUZZ_REQUIRE(err.code == rc && err.message[0] != '\0');
		FUZZ_REQUIRE(strcmp(err.file, "f.sql") == 0);
		FUZZ_REQUIRE(err.line >= 1 && (size_t)err.line <= nlines);
		/* binary data is refused first, at its own line */
		if (bad < len)
			FUZZ_REQUIRE(err.line == 1 + fuzz_newlines(text, bad));
	}
	if (bad < len || nmarkers == 0)
		FUZZ_REQUIRE(rc != 0);
	if (rc == 0) {
		/* up first, at most one down after it, nothing but blanks and
		 * comments before it */
		FUZZ_REQUIRE(m->has_up && m->up.text != NULL);
		FUZZ_REQUIRE(nmarkers == 1 + (size_t)m->has_down);
		FUZZ_REQUIRE(!!m->has_down == (m->down.text != NULL));
		for (size_t l = 1; l < markers[0]; l++) {
			size_t s = l == 1 ? bom : starts[l - 1];
			const char *eol = memchr(text + s, '\n', len - s);
			FUZZ_REQUIRE(blank_or_comment(text + s, eol ? eol : text + len));
		}
		size_t up_line = markers[0], down_line = 0;
		if (m->has_down) {
			/* the down section may come first ("down, up" is fine
			 * as long as an up exists): find which marker is which */
			if (m->down.first_line == (int)markers[0] + 1) {
				down_line = markers[0];
				up_line = markers[1];
			} else {
				down_line = markers[1];
			}
		}
		check_part(&m->up, text, len, starts, nlines, up_line, markers, nmarkers);
		if (m->has_down)
			check_part(&m->down, text, len, starts, nlines, down_line,
			           markers, nmarkers);
		prepare_and_check(m, d);
	}
	free(markers);
	free(starts);
	strata_migration_free(m);
}

/* ------------------------------------------------------------ mikro */

static void check_mikro(const char *text, size_t len, strata_dialect d)
{
	char *copy = malloc(len + 1);
	strata_migration *m = strata_migration_new();
	if (!copy || !m)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	m->version = strdup("1");
	m->name = strdup("Migration1");
	m->file = strdup("Migration1.ts");
	if (!m->version || !m->name || !m->file)
		abort();
	strata_error err;
	strata_error_clear(&err);
	int rc = strata_format_parse_mikro(m, copy, len, "Migration1.ts", &err);
	size_t nlines = 1 + fuzz_newlines(text, len);
	size_t bad = first_bad_byte(text, len);
	FUZZ_REQUIRE(rc == 0 || rc == STRATA_EPARSE || rc == STRATA_ENOMEM);
	if (rc == STRATA_EPARSE) {
		FUZZ_REQUIRE(err.code == rc && err.message[0] != '\0');
		FUZZ_REQUIRE(strcmp(err.file, "Migration1.ts") == 0);
		FUZZ_REQUIRE(err.line >= 1 && (size_t)err.line <= nlines);
		if (bad < len)
			FUZZ_REQUIRE(err.line == 1 + fuzz_newlines(text, bad));
	}
	if (bad < len)
		FUZZ_REQUIRE(rc != 0);
	if (rc == 0) {
		FUZZ_REQUIRE(m->mikro && m->has_up && m->up.text != NULL);
		FUZZ_REQUIRE(!!m->has_down == (m->down.text != NULL));
		FUZZ_REQUIRE(m->up.no_transaction == m->down.no_transaction);
		FUZZ_REQUIRE(m->up.first_line >= 1 && (size_t)m->up.first_line <= nlines);
		/* no SQL without an addSql call; every call ends a statement */
		int calls = 0;
		for (size_t i = 0; i + 6 <= len && !calls; i++)
			calls = memcmp(text + i, "addSql", 6) == 0;
		if (!calls)
			FUZZ_REQUIRE(m->up.len == 0 && (!m->has_down || m->down.len == 0));
		const strata_part *parts[2] = { &m->up, &m->down };
		for (int i = 0; i < 1 + m->has_down; i++) {
			const strata_part *p = parts[i];
			FUZZ_REQUIRE(p->text[p->len] == '\0');
			FUZZ_REQUIRE(p->len == 0 || p->text[p->len - 1] == ';');
		}
		prepare_and_check(m, d);
	}
	strata_migration_free(m);
}

/* ------------------------------------------------------------ pair */

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return close(fd);
}

static const char *find_sep(const char *p, size_t len)
{
	for (size_t i = 0; i + FUZZ_PAIR_SEP_LEN <= len; i++)
		if (memcmp(p + i, FUZZ_PAIR_SEP, FUZZ_PAIR_SEP_LEN) == 0)
			return p + i;
	return NULL;
}

/* Expects `part` to hold text minus a leading BOM, from line 1. */
static void check_pair_part(const strata_part *p, const char *text, size_t len)
{
	size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	FUZZ_REQUIRE(p->text != NULL && p->len == len - bom);
	FUZZ_REQUIRE(memcmp(p->text, text + bom, p->len) == 0);
	FUZZ_REQUIRE(p->text[p->len] == '\0');
	FUZZ_REQUIRE(p->first_line == 1 && p->no_transaction == 0);
}

/* Line (1-based) of the first byte to refuse in text, 0 when none. */
static int bad_line(const char *text, size_t len)
{
	size_t bad = first_bad_byte(text, len);
	if (bad == len)
		return 0;
	return 1 + fuzz_newlines(text, bad);
}

static void check_pair(const char *text, size_t len, strata_dialect d)
{
	if (!scratch_dir[0])
		LLVMFuzzerInitialize(NULL, NULL);
	const char *sep = find_sep(text, len);
	const char *up = text, *down = NULL;
	size_t up_len = len, down_len = 0;
	if (sep) {
		up_len = (size_t)(sep - text);
		down = sep + FUZZ_PAIR_SEP_LEN;
		down_len = len - up_len - FUZZ_PAIR_SEP_LEN;
	}
	if (write_file(up_path, up, up_len) != 0)
		abort();
	if (down) {
		if (write_file(down_path, down, down_len) != 0)
			abort();
	} else if (unlink(down_path) != 0 && errno != ENOENT) {
		abort();
	}

	strata_source *src = NULL;
	strata_error err;
	strata_error_clear(&err);
	if (strata_source_new(&src, &err) != 0)
		return;
	int rc = strata_source_add_dir(src, scratch_dir, &err);
	FUZZ_REQUIRE(rc == 0 || rc == STRATA_EPARSE || rc == STRATA_ENOMEM);
	int up_nul = bad_line(up, up_len);
	int down_nul = down ? bad_line(down, down_len) : 0;
	if (up_nul) {
		FUZZ_REQUIRE(rc == STRATA_EPARSE && err.line == up_nul);
		FUZZ_REQUIRE(strcmp(err.file, up_path) == 0);
	} else if (down_nul) {
		FUZZ_REQUIRE(rc == STRATA_EPARSE && err.line == down_nul);
		FUZZ_REQUIRE(strcmp(err.file, down_path) == 0);
	} else {
		FUZZ_REQUIRE(rc == 0 || rc == STRATA_ENOMEM);
	}
	if (rc == 0) {
		FUZZ_REQUIRE(strata_source_count(src) == 1);
		strata_migration *m = src->items[0];
		FUZZ_REQUIRE(strcmp(m->version, "000001") == 0);
		FUZZ_REQUIRE(strcmp(m->name, "f") == 0);
		FUZZ_REQUIRE(m->has_up && m->has_down == (down != NULL));
		check_pair_part(&m->up, up, up_len);
		if (down)
			check_pair_part(&m->down, down, down_len);
		else
			FUZZ_REQUIRE(m->down.text == NULL);
		prepare_and_check(m, d);
	}
	strata_source_free(src);
}

/* ------------------------------------------------------------ names */

/* 1 when name == a + b + c (any may be ""). */
static int is_concat(const char *name, const char *a, const char *b,
                     const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	return strlen(name) == la + lb + lc && memcmp(name, a, la) == 0 &&
	       memcmp(name + la, b, lb) == 0 && strcmp(name + la + lb, c) == 0;
}

/* `name` is P<version>__<fname>.sql, P one letter, the version's dots
 * possibly written as underscores (Flyway). */
static int is_flyway(const char *name, char prefix, const char *version,
                     const char *fname)
{
	size_t lv = strlen(version);
	if (name[0] != prefix || strlen(name) < 1 + lv + 2)
		return 0;
	for (size_t i = 0; i < lv; i++)
		if (name[1 + i] != version[i] &&
		    !(version[i] == '.' && name[1 + i] == '_'))
			return 0;
	return is_concat(name + 1 + lv, "__", fname, ".sql");
}

static void check_name(const char *data, size_t len)
{
	size_t n = 0;
	while (n < len && n < 300 && data[n] != '\0' && data[n] != '/')
		n++;
	char *name = malloc(n + 1);
	/* exactly what strata_format_classify() documents, so that ASan
	 * sees any write past it */
	char *scratch = malloc(2 * n + 2);
	if (!name || !scratch)
		abort();
	memcpy(name, data, n);
	name[n] = '\0';
	strata_file_name fn;
	strata_format_classify(&fn, name, scratch);
	int sql = n >= 4 && strcmp(name + n - 4, ".sql") == 0;
	int sql_any_case = n >= 4 && strcasecmp(name + n - 4, ".sql") == 0;
	if (name[0] == '.')
		FUZZ_REQUIRE(fn.kind == STRATA_FILE_IGNORED);
	else if (!sql_any_case)
		/* named like a migration: refused, or MikroORM's class */
		FUZZ_REQUIRE(fn.kind == STRATA_FILE_IGNORED || fn.kind == STRATA_FILE_BAD ||
		             fn.kind == STRATA_FILE_MIKRO);
	else if (!sql)
		FUZZ_REQUIRE(fn.kind == STRATA_FILE_BAD); /* "x.SQL" */
	else
		FUZZ_REQUIRE(fn.kind != STRATA_FILE_IGNORED);
	/* a control character never reaches a version or a name */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			FUZZ_REQUIRE(fn.kind == STRATA_FILE_IGNORED ||
			             fn.kind == STRATA_FILE_BAD);
	if (fn.kind == STRATA_FILE_BAD)
		FUZZ_REQUIRE(fn.why || sql);
	if (fn.kind == STRATA_FILE_IGNORED || fn.kind == STRATA_FILE_BAD) {
		FUZZ_REQUIRE(fn.version == NULL && fn.name == NULL);
	} else if (fn.kind == STRATA_FILE_MIKRO) {
		/* <Letters><version>[_x].ext, named by its base name: the
		 * letters "Migration", or others before 8 digits or more */
		size_t nn = strlen(fn.name), lv = strlen(fn.version), p = 0;
		FUZZ_REQUIRE(strata_version_valid(fn.version, lv));
		FUZZ_REQUIRE(nn < n && memcmp(name, fn.name, nn) == 0 && name[nn] == '.' &&
		             !strchr(name + nn + 1, '.'));
		while ((fn.name[p] >= 'A' && fn.name[p] <= 'Z') ||
		       (fn.name[p] >= 'a' && fn.name[p] <= 'z'))
			p++;
		FUZZ_REQUIRE(p > 0 && strncmp(fn.name + p, fn.version, lv) == 0 &&
		             (fn.name[p + lv] == '\0' || fn.name[p + lv] == '_'));
		FUZZ_REQUIRE((p == 9 && strncmp(fn.name, "Migration", 9) == 0) || lv >= 8);
	} else if (fn.dialect || fn.autocommit) {
		/* pop: <version>_<name>[.<dialect>][.autocommit].up/down.sql */
		const char *suffix = fn.kind == STRATA_FILE_PAIR_UP ? ".up.sql" : ".down.sql";
		FUZZ_REQUIRE(fn.kind == STRATA_FILE_PAIR_UP || fn.kind == STRATA_FILE_PAIR_DOWN);
		size_t lv = strlen(fn.version), ln = strlen(fn.name), ls = strlen(suffix);
		FUZZ_REQUIRE(n > lv + 1 + ln + ls && memcmp(name, fn.version, lv) == 0 &&
		             name[lv] == '_' && memcmp(name + lv + 1, fn.name, ln) == 0 &&
		             name[lv + 1 + ln] == '.' && strcmp(name + n - ls, suffix) == 0);
	} else if (fn.kind == STRATA_FILE_REPEATABLE) {
		/* R__<name>.sql: the key is R__<name>, never a version */
		FUZZ_REQUIRE(fn.version && fn.name && fn.name[0]);
		FUZZ_REQUIRE(!strata_version_valid(fn.version, strlen(fn.version)));
		FUZZ_REQUIRE(is_concat(fn.version, "R__", fn.name, ""));
		FUZZ_REQUIRE(is_concat(name, "R__", fn.name, ".sql"));
	} else {
		FUZZ_REQUIRE(fn.version && fn.name);
		FUZZ_REQUIRE(strata_version_valid(fn.version, strlen(fn.version)));
		const char *suffix = fn.kind == STRATA_FILE_PAIR_UP ? ".up.sql"
		                   : fn.kind == STRATA_FILE_PAIR_DOWN ? ".down.sql"
		                   : ".sql";
		/* the name is rebuilt from its parts, one way or another */
		char *tail = malloc(strlen(fn.name) + 16);
		if (!tail)
			abort();
		snprintf(tail, strlen(fn.name) + 16, "%s%s%s",
		         fn.name[0] ? "_" : "", fn.name, suffix);
		/* or V<version>.<name>.up.sql, or Flyway's V/U names */
		char *dotted = malloc(strlen(fn.name) + 16);
		if (!dotted)
			abort();
		snprintf(dotted, strlen(fn.name) + 16, ".%s%s", fn.name, suffix);
		FUZZ_REQUIRE(is_concat(name, "", fn.version, tail) ||
		             (fn.kind == STRATA_FILE_NATIVE && !fn.name[0] &&
		              is_concat(name, "Migration", fn.version, ".sql")) ||
		             (fn.kind != STRATA_FILE_NATIVE && fn.name[0] &&
		              is_concat(name, "V", fn.version, dotted)) ||
		             (fn.kind != STRATA_FILE_NATIVE && fn.name[0] &&
		              is_flyway(name, fn.kind == STRATA_FILE_PAIR_UP ? 'V' : 'U',
		                        fn.version, fn.name)));
		free(dotted);
		free(tail);
	}
	free(scratch);
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	strata_dialect d = dialects[data[0] & 3];
	int mode = (data[0] >> 2) & 3;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	if (mode == 0)
		check_native(text, len, d);
	else if (mode == 1)
		check_mikro(text, len, d);
	else if (mode == 2)
		check_pair(text, len, d);
	else
		check_name(text, len);
	return 0;
}
