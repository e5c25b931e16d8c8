/* src/source.c - the set of migrations: directory scan, ordering,
 * duplicate detection, and splitting with the database's dialect. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "migration.h"
#include "repeatable.h"
#include "sql.h"
#include "version.h"

strata_migration *strata_migration_new(void)
{
	return calloc(1, sizeof(strata_migration));
}

void strata_part_release(strata_part *p)
{
	free(p->text);
	free(p->stmts);
	memset(p, 0, sizeof(*p));
}

void strata_migration_free(strata_migration *m)
{
	if (!m)
		return;
	free(m->version);
	free(m->name);
	free(m->file);
	free(m->down_file);
	strata_part_release(&m->up);
	strata_part_release(&m->down);
	free(m);
}

const char *strata_migration_label(char *buf, size_t size,
                                   const char *version, const char *name)
{
	if (name && *name)
		snprintf(buf, size, "%s_%s", version, name);
	else
		snprintf(buf, size, "%s", version);
	return buf;
}

int strata_source_new(strata_source **out, strata_error *err)
{
	strata_source *s = calloc(1, sizeof(*s));
	if (!s)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	*out = s;
	return 0;
}

void strata_source_free(strata_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->n; i++)
		strata_migration_free(src->items[i]);
	free(src->items);
	for (size_t i = 0; i < src->nignore; i++)
		free(src->ignore[i]);
	free(src->ignore);
	for (size_t i = 0; i < src->ndirs; i++)
		free(src->dirs[i]);
	free(src->dirs);
	free(src->database);
	for (size_t i = 0; i < src->nrepeatable; i++)
		strata_migration_free(src->repeatables[i]);
	free(src->repeatables);
	free(src);
}

int strata_source_set_database(strata_source *src, const char *driver,
                               strata_error *err)
{
	strata_error local = { 0 };
	if (!err)
		err = &local;
	if (!src || !driver || !*driver)
		return strata_error_set(err, STRATA_EINVAL, "no driver name given");
	char *d = strdup(driver);
	if (!d)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	free(src->database);
	src->database = d;
	return 0;
}

/* Appends a copy of `s` to the array *v of *n strings. */
static int push_string(char ***v, size_t *n, const char *s, strata_error *err)
{
	char *c = strdup(s);
	char **p = c ? realloc(*v, (*n + 1) * sizeof(*p)) : NULL;
	if (!p) {
		free(c);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	p[(*n)++] = c;
	*v = p;
	return 0;
}

int strata_source_ignore(strata_source *src, const char *pattern,
                         strata_error *err)
{
	strata_error local = { 0 };
	if (!err)
		err = &local;
	if (!src || !pattern || !*pattern)
		return strata_error_set(err, STRATA_EINVAL, "no pattern given");
	return push_string(&src->ignore, &src->nignore, pattern, err);
}

size_t strata_source_dir_count(const strata_source *src)
{
	return src ? src->ndirs : 0;
}

static int ignored(const strata_source *src, const char *name)
{
	for (size_t i = 0; i < src->nignore; i++)
		if (fnmatch(src->ignore[i], name, 0) == 0)
			return 1;
	return 0;
}

size_t strata_source_count(const strata_source *src)
{
	return src ? src->n + src->nrepeatable : 0;
}

/* Index of the first item not less than `version` (binary search). */
static size_t lower_bound(const strata_source *src, const char *version)
{
	size_t lo = 0, hi = src->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strata_version_cmp(src->items[mid]->version, version) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

strata_migration *strata_source_find(const strata_source *src,
                                     const char *version)
{
	if (!src || !version)
		return NULL;
	if (strata_repeatable_key(version))
		return strata_source_find_repeatable(src, version);
	size_t i = lower_bound(src, version);
	if (i < src->n && strata_version_cmp(src->items[i]->version, version) == 0)
		return src->items[i];
	return NULL;
}

static const char *origin(const strata_migration *m)
{
	if (m->file)
		return m->file;
	return m->c && m->c->file ? m->c->file : "(C migration)";
}

int strata_source_insert(strata_source *src, strata_migration *m,
                         strata_error *err)
{
	/* a directory's migrations come in version order: each one then
	 * goes after the last with one comparison, not a binary search */
	size_t i = src->n && strata_version_cmp(src->items[src->n - 1]->version,
	                                        m->version) < 0
	         ? src->n : lower_bound(src, m->version);
	if (i < src->n && strata_version_cmp(src->items[i]->version, m->version) == 0) {
		strata_error_set(err, STRATA_EPLAN,
		                 "two migrations have version %s: %s and %s",
		                 m->version, origin(src->items[i]), origin(m));
		snprintf(err->version, sizeof(err->version), "%s", m->version);
		snprintf(err->file, sizeof(err->file), "%s", origin(m));
		strata_migration_free(m);
		return STRATA_EPLAN;
	}
	if (src->n == src->cap) {
		size_t cap = src->cap ? src->cap * 2 : 64;
		strata_migration **p = realloc(src->items, cap * sizeof(*p));
		if (!p) {
			strata_migration_free(m);
			return strata_error_set(err, STRATA_ENOMEM, "out of memory");
		}
		src->items = p;
		src->cap = cap;
	}
	memmove(src->items + i + 1, src->items + i, (src->n - i) * sizeof(*src->items));
	src->items[i] = m;
	src->n++;
	return 0;
}

/* ---------------------------------------------------------- directory */

typedef struct dir_entry {
	char *fname;            /* one allocation: the name, then the scratch
	                           space its version and name point into */
	strata_file_name fn;
} dir_entry;

static int entry_cmp(const void *a, const void *b)
{
	const dir_entry *x = a, *y = b;
	int c = strata_version_cmp(x->fn.version, y->fn.version);
	if (c)
		return c;
	if (x->fn.kind != y->fn.kind)
		return (int)x->fn.kind - (int)y->fn.kind;
	return strcmp(x->fname, y->fname);
}

static void entries_free(dir_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].fname);
	free(e);
}

static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	size_t k = a;
	if (a && dir[a - 1] != '/')
		p[k++] = '/';
	memcpy(p + k, name, b + 1);
	return p;
}

/* Why strata_format_classify() found `name` bad, for the message. */
static const char *bad_name_reason(const char *name)
{
	if (strncmp(name, "R__", 3) == 0)
		return "a repeatable migration is one file named R__description.sql "
		       "(a description, no .up.sql/.down.sql)";
	return "cannot tell the version from the file name (expected VERSION_name.sql, "
	       "VERSION_name.up.sql/.down.sql, MigrationVERSION.sql or Flyway's "
	       "VVERSION__name.sql/UVERSION__name.sql)";
}

/* Opens the migrations directory `dir`. */
static int open_dir(DIR **out, const char *dir, strata_error *err)
{
	*out = opendir(dir);
	if (*out)
		return 0;
	int e = errno;
	if (e == ENOMEM)
		return strata_error_set(err, STRATA_ENOMEM,
		                        "out of memory reading migrations directory %s",
		                        dir);
	return strata_error_set(err, STRATA_EIO,
	                        "cannot read migrations directory %s: %s",
	                        dir, strerror(e));
}

/* The error for the entry `name` of `dir`: `msg`, and its path. */
static int entry_error(strata_error *err, int code, const char *dir,
                       const char *name, const char *msg)
{
	char *p = path_join(dir, name);
	strata_error_set(err, code, "%s", msg);
	if (p)
		snprintf(err->file, sizeof(err->file), "%s", p);
	free(p);
	return code;
}

/* 1 when the entry `de` of the directory open as `dfd` is a folder. */
static int is_folder(int dfd, const struct dirent *de)
{
	if (de->d_type == DT_DIR)
		return 1;
	if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return 0;
	struct stat st;
	return fstatat(dfd, de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/* Reads the directory's migration files and folders (sorted; names that
 * look like migrations but cannot be run refused; pop files of other
 * dialects left out). */
static int scan_dir(dir_entry **out, size_t *n, const strata_source *src,
                    DIR *d, const char *dir, strata_error *err)
{
	dir_entry *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || ignored(src, de->d_name))
			continue;
		size_t len = strlen(de->d_name);
		/* the name, then scratch space for strata_format_classify() */
		char *fname = malloc(3 * len + 3);
		if (!fname) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			break;
		}
		memcpy(fname, de->d_name, len + 1);
		strata_file_name fn;
		strata_format_classify(&fn, fname, fname + len + 1);
		if (is_folder(dirfd(d), de)) {
			if (fn.kind != STRATA_FILE_IGNORED && fn.kind != STRATA_FILE_BAD) {
				/* a folder named like a migration file, not diesel's */
				rc = entry_error(err, STRATA_EIO, dir, fname,
				                 "not a regular file");
				free(fname);
				break;
			}
			strata_format_classify_dir(&fn, fname, fname + len + 1);
		}
		if (fn.kind == STRATA_FILE_IGNORED) {
			free(fname);
			continue;
		}
		if (fn.kind == STRATA_FILE_BAD) {
			rc = entry_error(err, STRATA_EPARSE, dir, fname,
			                 fn.why ? fn.why : bad_name_reason(fname));
			free(fname);
			break;
		}
		if (fn.dialect && !src->database) {
			rc = entry_error(err, STRATA_EPARSE, dir, fname,
			                 "a pop migration for one dialect, but the database is "
			                 "not known (strata_source_set_database)");
			free(fname);
			break;
		}
		if (fn.dialect && strcmp(fn.dialect, src->database) != 0) {
			/* pop: another database's file, not a migration for this one */
			free(fname);
			continue;
		}
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 64;
			dir_entry *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				free(fname);
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = nc;
		}
		v[cnt].fname = fname;
		v[cnt].fn = fn;
		cnt++;
	}
	if (rc) {
		entries_free(v, cnt);
		return rc;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), entry_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

/* Reads the file `name` of the directory open as `dirfd`; `path` is its
 * path for messages. */
static int load_text(char **text, size_t *len, int dirfd, const char *name,
                     const char *path, strata_error *err)
{
	int rc = strata_read_file_at(text, len, dirfd, name, path, err);
	if (rc && !err->file[0])
		snprintf(err->file, sizeof(err->file), "%s", path);
	return rc;
}

/* Builds a native migration from one file. */
static int load_native(strata_migration *m, int dirfd, const char *name,
                       const char *path, int mikro, strata_error *err)
{
	char *text;
	size_t len;
	int rc = load_text(&text, &len, dirfd, name, path, err);
	if (rc)
		return rc;
	const char *parts[1] = { text };
	if (strata_checksum(m->checksum, parts, &len, 1)) {
		free(text);
		/* hashing a buffer fails only when OpenSSL cannot allocate */
		return strata_error_set(err, STRATA_ENOMEM,
		                        "out of memory computing the SHA-256 checksum of %s",
		                        path);
	}
	if (mikro)
		return strata_format_parse_mikro(m, text, len, path, err);
	return strata_format_parse_native(m, text, len, path, err);
}

/* Takes ownership of `text` into `part`. */
static void own_part(strata_part *part, char *text, size_t len,
                     const char *file)
{
	size_t skip = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	if (skip)
		memmove(text, text + skip, len - skip + 1);
	part->text = text;
	part->len = len - skip;
	part->first_line = 1;
	part->file = file;
}

/* Whether a file without markers (a pair's, Flyway's) asks for no
 * transaction: a line "-- strata:transaction:false" among the blank and
 * comment lines before its first statement. */
static int plain_no_tx(const char *text, size_t len)
{
	static const char opt[] = "strata:transaction:false";
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *q = p;
		while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < eol) {
			if (eol - q < 2 || q[0] != '-' || q[1] != '-')
				return 0;
			q += 2;
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			const char *e = eol;
			while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
				e--;
			if ((size_t)(e - q) == sizeof(opt) - 1 && memcmp(q, opt, sizeof(opt) - 1) == 0)
				return 1;
		}
		p = eol + 1;
	}
	return 0;
}

/* Builds a golang-migrate pair from the files `up_name` and `down_name`
 * (may be NULL) of the directory open as `dirfd`; their paths are
 * m->file and m->down_file. */
static int load_pair(strata_migration *m, int dirfd, const char *up_name,
                     const char *down_name, int up_autocommit,
                     int down_autocommit, strata_error *err)
{
	const char *up_path = m->file, *down_path = m->down_file;
	char *up = NULL, *down = NULL;
	size_t up_len = 0, down_len = 0;
	int rc = load_text(&up, &up_len, dirfd, up_name, up_path, err);
	if (!rc)
		rc = strata_format_refuse_binary(up, up_len, up_path, err);
	if (!rc && down_name) {
		rc = load_text(&down, &down_len, dirfd, down_name, down_path, err);
		if (!rc)
			rc = strata_format_refuse_binary(down, down_len, down_path, err);
	}
	if (!rc) {
		const char *parts[2] = { up, down ? down : "" };
		size_t lens[2] = { up_len, down_len };
		if (strata_checksum(m->checksum, parts, lens, down ? 2 : 1))
			rc = strata_error_set(err, STRATA_ENOMEM,
			                      "out of memory computing the SHA-256 checksum of %s",
			                      up_path);
	}
	if (rc) {
		free(up);
		free(down);
		return rc;
	}
	own_part(&m->up, up, up_len, m->file);
	m->up.no_transaction = up_autocommit || plain_no_tx(m->up.text, m->up.len);
	m->has_up = 1;
	m->plain = 1;
	if (down) {
		own_part(&m->down, down, down_len, m->down_file);
		m->down.no_transaction = down_autocommit ||
		                         plain_no_tx(m->down.text, m->down.len);
		m->has_down = 1;
	}
	return 0;
}

/* Builds a repeatable migration (Flyway's R__<description>.sql, the
 * whole file its SQL) from the entry `e` of the directory `dir`, open as
 * `dirfd`, and adds it to `src`. */
static int load_repeatable(strata_source *src, const char *dir, int dirfd,
                           const dir_entry *e, strata_error *err)
{
	strata_migration *m = strata_migration_new();
	if (!m || !(m->version = strdup(e->fn.version)) ||
	    !(m->name = strdup(e->fn.name)) ||
	    !(m->file = path_join(dir, e->fname))) {
		strata_migration_free(m);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (strlen(m->name) > STRATA_REPEATABLE_MAX) {
		strata_error_set(err, STRATA_EPARSE,
		                 "the description of a repeatable migration is at most %d bytes "
		                 "(this one has %zu): R__ and it are its key in the history table",
		                 STRATA_REPEATABLE_MAX, strlen(m->name));
		snprintf(err->file, sizeof(err->file), "%s", m->file);
		strata_migration_free(m);
		return STRATA_EPARSE;
	}
	char *text = NULL;
	size_t len = 0;
	int rc = load_text(&text, &len, dirfd, e->fname, m->file, err);
	if (!rc)
		rc = strata_format_refuse_binary(text, len, m->file, err);
	if (!rc) {
		const char *parts[1] = { text };
		if (strata_checksum(m->checksum, parts, &len, 1))
			rc = strata_error_set(err, STRATA_ENOMEM,
			                      "out of memory computing the SHA-256 checksum of %s",
			                      m->file);
	}
	if (rc) {
		free(text);
		strata_migration_free(m);
		return rc;
	}
	own_part(&m->up, text, len, m->file);
	m->up.no_transaction = plain_no_tx(m->up.text, m->up.len);
	m->has_up = 1;
	m->plain = 1;
	m->repeatable = 1;
	return strata_source_insert_repeatable(src, m, err);
}

static int new_migration(strata_migration **out, const dir_entry *e,
                         strata_error *err)
{
	strata_migration *m = strata_migration_new();
	if (!m || !(m->version = strdup(e->fn.version)) ||
	    !(m->name = strdup(e->fn.name))) {
		strata_migration_free(m);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	*out = m;
	return 0;
}

static int duplicate(strata_error *err, const char *dir, const dir_entry *a,
                     const dir_entry *b)
{
	strata_error_set(err, STRATA_EPLAN,
	                 "two migrations have version %s: %s and %s (in %s)",
	                 b->fn.version, a->fname, b->fname, dir);
	snprintf(err->version, sizeof(err->version), "%s", b->fn.version);
	char *p = path_join(dir, b->fname);
	if (p)
		snprintf(err->file, sizeof(err->file), "%s", p);
	free(p);
	return STRATA_EPLAN;
}

/* Builds a diesel migration from the folder `folder` (its path `fpath`)
 * of the directory open as `dirfd`: up.sql, down.sql when there is one,
 * and metadata.toml's run_in_transaction. */
static int load_diesel(strata_migration *m, int dirfd, const char *folder,
                       const char *fpath, strata_error *err)
{
	int fd = openat(dirfd, folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		strata_error_set(err, STRATA_EIO, "cannot open the migration folder: %s",
		                 strerror(e));
		snprintf(err->file, sizeof(err->file), "%s", fpath);
		return STRATA_EIO;
	}
	struct stat st;
	int has_down = fstatat(fd, "down.sql", &st, 0) == 0;
	int rc = 0;
	if (fstatat(fd, "up.sql", &st, 0) != 0) {
		rc = strata_error_set(err, STRATA_EPARSE,
		                      "a folder named like a migration (diesel's <version>_<name>/) "
		                      "without an up.sql");
		snprintf(err->file, sizeof(err->file), "%s", fpath);
	}
	if (!rc) {
		m->file = path_join(fpath, "up.sql");
		m->down_file = has_down ? path_join(fpath, "down.sql") : NULL;
		if (!m->file || (has_down && !m->down_file))
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (!rc)
		rc = load_pair(m, fd, "up.sql", has_down ? "down.sql" : NULL, 0, 0, err);
	if (!rc && fstatat(fd, "metadata.toml", &st, 0) == 0) {
		char *meta = path_join(fpath, "metadata.toml");
		char *text = NULL;
		size_t len = 0;
		int in_tx = 1;
		rc = meta ? load_text(&text, &len, fd, "metadata.toml", meta, err)
		          : strata_error_set(err, STRATA_ENOMEM, "out of memory");
		if (!rc)
			rc = strata_format_diesel_metadata(&in_tx, text, len, meta, err);
		if (!rc && !in_tx)
			m->up.no_transaction = m->down.no_transaction = 1;
		free(text);
		free(meta);
	}
	m->diesel = 1;
	close(fd);
	return rc;
}

/* Turns the sorted entries of the directory `dir`, open as `dirfd`,
 * into migrations. */
static int build_migrations(strata_source *src, const char *dir, int dirfd,
                            dir_entry *v, size_t n, strata_error *err)
{
	for (size_t i = 0; i < n;) {
		if (v[i].fn.kind == STRATA_FILE_REPEATABLE) {
			int rc = load_repeatable(src, dir, dirfd, &v[i], err);
			if (rc)
				return rc;
			i++;
			continue;
		}
		/* the group of entries with one version: [i, j) */
		size_t j = i + 1;
		while (j < n && strata_version_cmp(v[i].fn.version, v[j].fn.version) == 0)
			j++;
		/* `one`: the entry that is a whole migration (a native file, a
		 * MikroORM class, a diesel folder); else a pair's up and down */
		const dir_entry *up = NULL, *down = NULL, *one = NULL;
		for (size_t k = i; k < j; k++) {
			const dir_entry *e = &v[k];
			const dir_entry **slot = e->fn.kind == STRATA_FILE_PAIR_UP ? &up
			                       : e->fn.kind == STRATA_FILE_PAIR_DOWN ? &down : &one;
			if (*slot && (*slot)->fn.dialect && !e->fn.dialect)
				continue; /* pop: the file for this database wins */
			if (*slot && !(!(*slot)->fn.dialect && e->fn.dialect))
				return duplicate(err, dir, *slot, e);
			*slot = e;
		}
		if (one && (up || down))
			return duplicate(err, dir, one, up ? up : down);
		if (down && !up) {
			char *p = path_join(dir, down->fname);
			strata_error_set(err, STRATA_EPARSE,
			                 "a .down.sql file without its .up.sql file");
			if (p)
				snprintf(err->file, sizeof(err->file), "%s", p);
			free(p);
			return STRATA_EPARSE;
		}
		if (up && down && strcmp(up->fn.name, down->fn.name) != 0)
			return duplicate(err, dir, up, down);
		strata_migration *m = NULL;
		int rc = new_migration(&m, one ? one : up, err);
		if (rc)
			return rc;
		m->dir = src->dirs[src->ndirs - 1];
		int diesel = one && one->fn.kind == STRATA_FILE_DIESEL;
		char *fpath = diesel ? path_join(dir, one->fname) : NULL;
		if (diesel) {
			rc = fpath ? load_diesel(m, dirfd, one->fname, fpath, err)
			           : strata_error_set(err, STRATA_ENOMEM, "out of memory");
			free(fpath);
		} else {
			m->file = path_join(dir, one ? one->fname : up->fname);
			if (down)
				m->down_file = path_join(dir, down->fname);
			if (!m->file || (down && !m->down_file))
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			else if (one)
				rc = load_native(m, dirfd, one->fname, m->file,
				                 one->fn.kind == STRATA_FILE_MIKRO, err);
			else
				rc = load_pair(m, dirfd, up->fname, down ? down->fname : NULL,
				               up->fn.autocommit, down && down->fn.autocommit, err);
		}
		if (!rc)
			rc = strata_source_insert(src, m, err);
		else
			strata_migration_free(m);
		if (rc)
			return rc;
		i = j;
	}
	return 0;
}

int strata_source_add_dir(strata_source *src, const char *dir,
                          strata_error *err)
{
	strata_error local = { 0 };
	if (!err)
		err = &local;
	if (!src || !dir)
		return strata_error_set(err, STRATA_EINVAL, "no migrations directory given");
	struct stat st;
	if (stat(dir, &st) != 0)
		return strata_error_set(err, STRATA_EIO,
		                        "cannot read migrations directory %s: %s",
		                        dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return strata_error_set(err, STRATA_EIO,
		                        "%s is not a directory", dir);
	int rc = push_string(&src->dirs, &src->ndirs, dir, err);
	if (rc)
		return rc;
	DIR *d;
	rc = open_dir(&d, dir, err);
	if (rc)
		return rc;
	dir_entry *v = NULL;
	size_t n = 0;
	rc = scan_dir(&v, &n, src, d, dir, err);
	/* the files are opened relative to the directory, still open */
	if (!rc)
		rc = build_migrations(src, dir, dirfd(d), v, n, err);
	entries_free(v, n);
	closedir(d);
	return rc;
}

/* ------------------------------------------------------------ splitting */

/* 1 when the statement is exactly one of forms (each a space-separated
 * word list, any case), with nothing but white space between the words:
 * the bare BEGIN and COMMIT of a whole-part wrapper, which strata may
 * replace by its own. */
static int stmt_is_bare(const strata_stmt *st, const char *const *forms)
{
	for (; *forms; forms++) {
		const char *f = *forms;
		size_t i = 0;
		int ok = 1;
		while (ok && *f) {
			while (i < st->len && isspace((unsigned char)st->sql[i]))
				i++;
			size_t k = strcspn(f, " ");
			if (st->len - i < k || strncasecmp(st->sql + i, f, k) != 0)
				ok = 0;
			i += k;
			f += k;
			while (*f == ' ')
				f++;
			if (ok && i < st->len && !isspace((unsigned char)st->sql[i]) &&
			    st->sql[i] != ';')
				ok = 0;
		}
		while (ok && i < st->len &&
		       (isspace((unsigned char)st->sql[i]) || st->sql[i] == ';'))
			i++;
		if (ok && i == st->len)
			return 1;
	}
	return 0;
}

static const char *const bare_begin[] = {
	"BEGIN", "BEGIN WORK", "BEGIN TRANSACTION", "START TRANSACTION", NULL
};
static const char *const bare_commit[] = {
	"COMMIT", "COMMIT WORK", "COMMIT TRANSACTION", "END", "END WORK",
	"END TRANSACTION", NULL
};

/* How a migration of this kind says "no transaction", for the hint of a
 * refusal. */
static const char *no_tx_words(const strata_migration *m, int down)
{
	if (!m)
		return "its file is gone, so it cannot be marked; restore the file, "
		       "marked as a migration without a transaction";
	if (m->c)
		return down ? "call strata_sql_no_transaction(q) in its down function"
		            : "call strata_sql_no_transaction(q) in its up function";
	if (m->goose)
		return "add the annotation -- +goose NO TRANSACTION";
	if (m->diesel)
		return "write run_in_transaction = false in the folder's metadata.toml";
	if (m->mikro)
		return "add isTransactional(): boolean { return false; } to the class";
	if (m->plain)
		return "add the line -- strata:transaction:false before its first statement";
	return down ? "write -- migrate:down transaction:false"
	            : "write -- migrate:up transaction:false";
}

int strata_part_check_tx(strata_part *p, const strata_migration *m, int down,
                         strata_error *err)
{
	if (p->no_transaction || p->nstmts == 0)
		return 0;
	const unsigned opens = STRATA_STMT_TX_OPENS, ends = STRATA_STMT_TX_ENDS;
	size_t n = p->nstmts, from = 0, to = n;
	/* BEGIN; ...; COMMIT; around the whole part, as golang-migrate's
	 * documentation advises: strata's own transaction is that one */
	if (n >= 2 && (p->stmts[0].flags & opens) && (p->stmts[n - 1].flags & ends) &&
	    stmt_is_bare(&p->stmts[0], bare_begin) &&
	    stmt_is_bare(&p->stmts[n - 1], bare_commit)) {
		from = 1;
		to = n - 1;
	}
	for (size_t i = from; i < to; i++) {
		const strata_stmt *st = &p->stmts[i];
		if (!(st->flags & (opens | ends)))
			continue;
		size_t w = 0;
		while (w < st->len && w < 24 && (isalpha((unsigned char)st->sql[w]) ||
		                                 st->sql[w] == ' '))
			w++;
		while (w > 0 && st->sql[w - 1] == ' ')
			w--;
		strata_error_set(err, STRATA_EPARSE,
		                 "%.*s %s the transaction that strata runs the %s part of migration %s in, "
		                 "together with its history row; to run it as written, mark the part as "
		                 "one without a transaction: %s",
		                 (int)w, st->sql, (st->flags & opens) ? "would open a transaction inside"
		                                                      : "would end",
		                 down ? "down" : "up", m ? m->version : "?",
		                 no_tx_words(m, down));
		if (p->file)
			snprintf(err->file, sizeof(err->file), "%s", p->file);
		else if (m && m->c && m->c->file)
			snprintf(err->file, sizeof(err->file), "%s", m->c->file);
		err->line = m && m->c ? m->c->line : st->line;
		err->column = m && m->c ? 0 : st->column;
		if (m)
			snprintf(err->version, sizeof(err->version), "%s", m->version);
		err->statement = (long)i + 1;
		return STRATA_EPARSE;
	}
	if (from) {
		/* the wrapper is not sent: strata's BEGIN and COMMIT take its place */
		memmove(p->stmts, p->stmts + 1, (n - 2) * sizeof(*p->stmts));
		p->nstmts = n - 2;
		if (p->nstmts == 0) {
			/* BEGIN; COMMIT; and nothing else: an empty part */
			free(p->stmts);
			p->stmts = NULL;
		}
		p->own_wrapper = 1;
	}
	return 0;
}

static int prepare_part(strata_migration *m, strata_part *p, int down,
                        strata_dialect dialect, strata_error *err)
{
	if (!p->text || (p->prepared && p->dialect == dialect))
		return 0;
	free(p->stmts);
	p->stmts = NULL;
	p->nstmts = 0;
	p->prepared = 0;
	p->own_wrapper = 0;
	int rc = strata_sql_split(&p->stmts, &p->nstmts, p->text, p->len,
	                          dialect, p->first_line, err);
	if (!rc)
		rc = strata_part_check_tx(p, m, down, err);
	if (rc) {
		if (p->file && !err->file[0])
			snprintf(err->file, sizeof(err->file), "%s", p->file);
		return rc;
	}
	p->prepared = 1;
	p->dialect = dialect;
	return 0;
}

int strata_migration_prepare(strata_migration *m, strata_dialect dialect,
                             strata_error *err)
{
	int rc;
	if (m->c) {
		rc = strata_cmigration_build(m, dialect, err);
		if (rc)
			return rc;
	}
	rc = prepare_part(m, &m->up, 0, dialect, err);
	if (!rc)
		rc = prepare_part(m, &m->down, 1, dialect, err);
	if (rc)
		snprintf(err->version, sizeof(err->version), "%s", m->version);
	return rc;
}
