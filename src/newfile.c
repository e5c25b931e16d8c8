/* src/newfile.c - strata_new_migration(): the files of a new migration,
 * written in the form of the migrations already in the directory, so that
 * a golang-migrate, goose or Flyway directory stays one of its kind. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "version.h"

/* The forms a directory's migrations take. */
typedef enum new_form {
	FORM_NATIVE,   /* 20240702105919_name.sql, -- migrate:up / down */
	FORM_GOOSE,    /* 00001_name.sql, -- +goose Up / Down */
	FORM_PAIR,     /* 000001_name.up.sql + 000001_name.down.sql */
	FORM_DOTTED,   /* V0001.Name.up.sql + V0001.Name.down.sql */
	FORM_FLYWAY    /* V1__name.sql */
} new_form;

/* How versions are numbered. */
typedef enum new_numbering {
	NUM_TIMESTAMP, /* YYYYMMDDHHMMSS, UTC */
	NUM_UNIX,      /* seconds since 1970 (golang-migrate -format unix) */
	NUM_SEQUENCE   /* 1, 2, 3... or 000001, 000002... */
} new_numbering;

/* The newest migration of a directory. */
typedef struct survey {
	int found;
	char version[64];      /* as written in the file name */
	char file[512];        /* its file name */
	new_form form;
} survey;

static int eio(strata_error *err, const char *what, const char *path, int e)
{
	return strata_error_set(err, STRATA_EIO, "%s %s: %s", what, path, strerror(e));
}

/* mkdir -p `dir`. */
static int make_dirs(const char *dir, strata_error *err)
{
	char *p = strdup(dir);
	if (!p)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	int rc = 0;
	for (char *q = p + 1; !rc; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		char save = *q;
		*q = '\0';
		struct stat st;
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			rc = eio(err, "cannot create directory", p, errno);
		else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
			rc = strata_error_set(err, STRATA_EIO, "%s exists and is not a directory", p);
		*q = save;
		if (!save)
			break;
	}
	free(p);
	return rc;
}

/* Whether the native file `name` in `dir` is written with goose's
 * markers, as the file parser reads them; a file it cannot read or
 * parse counts as strata's own form. */
static int is_goose_file(const char *dir, const char *name)
{
	char path[4096];
	char *text;
	size_t len;
	strata_error ignored = { 0 };
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	strata_migration *m = strata_migration_new();
	if (!m || strata_read_file_at(&text, &len, AT_FDCWD, path, path, &ignored)) {
		strata_migration_free(m);
		return 0;
	}
	int goose = strata_format_parse_native(m, text, len, path, &ignored) == 0 &&
	            m->goose;
	strata_migration_free(m);
	return goose;
}

/* The form of the file `fname`, classified as `fn`. */
static new_form form_of(const char *fname, const strata_file_name *fn)
{
	if (fn->kind == STRATA_FILE_NATIVE)
		return FORM_NATIVE;
	if ((fname[0] == 'V' || fname[0] == 'U') && strstr(fname, "__"))
		return FORM_FLYWAY;   /* U: the undo of a V of the same version */
	if (fname[0] == 'V')
		return FORM_DOTTED;
	return FORM_PAIR;
}

/* Finds the newest migration of `dir` (none when it is empty or missing). */
static int survey_dir(survey *s, const char *dir, strata_error *err)
{
	memset(s, 0, sizeof(*s));
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : eio(err, "cannot read migrations directory", dir, errno);
	struct dirent *de;
	char scratch[2 * sizeof(de->d_name) + 2];
	while ((de = readdir(d)) != NULL) {
		strata_file_name fn;
		strata_format_classify(&fn, de->d_name, scratch);
		/* a repeatable migration has no version to follow */
		if (fn.kind == STRATA_FILE_IGNORED || fn.kind == STRATA_FILE_BAD ||
		    fn.kind == STRATA_FILE_MIKRO ||
		    fn.kind == STRATA_FILE_REPEATABLE ||
		    strlen(fn.version) >= sizeof(s->version) ||
		    strlen(de->d_name) >= sizeof(s->file))
			continue;
		if (s->found && strata_version_cmp(fn.version, s->version) <= 0)
			continue;
		s->found = 1;
		snprintf(s->version, sizeof(s->version), "%s", fn.version);
		snprintf(s->file, sizeof(s->file), "%s", de->d_name);
		s->form = form_of(de->d_name, &fn);
	}
	closedir(d);
	if (s->found && s->form == FORM_NATIVE && is_goose_file(dir, s->file))
		s->form = FORM_GOOSE;
	return 0;
}

/* Digits of the first component of `v` ("12" of "12.3"). */
static size_t lead_digits(const char *v)
{
	size_t n = 0;
	while (isdigit((unsigned char)v[n]))
		n++;
	return n;
}

static new_numbering numbering_of(const survey *s)
{
	if (!s->found)
		return NUM_TIMESTAMP;
	size_t n = lead_digits(s->version);
	if (n == 14 && s->version[n] == '\0' &&
	    (strncmp(s->version, "19", 2) == 0 || strncmp(s->version, "2", 1) == 0))
		return NUM_TIMESTAMP;
	if (n == 10 && s->version[n] == '\0' && s->version[0] >= '1' && s->version[0] <= '3')
		return NUM_UNIX;
	return NUM_SEQUENCE;
}

/* The next version: after the newest (also when the clock is behind it)
 * and, for a timestamp, not before now. */
static int next_version(char *out, size_t size, const survey *s,
                        strata_error *err)
{
	time_t now = time(NULL);
	new_numbering num = numbering_of(s);
	if (num == NUM_SEQUENCE) {
		/* the first component, plus one; its zero padding kept */
		size_t n = lead_digits(s->version);
		if (n > 18)
			return strata_error_set(err, STRATA_EPARSE,
			                        "cannot continue the versions after %s", s->version);
		char digits[24];
		memcpy(digits, s->version, n);
		digits[n] = '\0';
		unsigned long long v = strtoull(digits, NULL, 10) + 1;
		int width = s->version[0] == '0' && n > 1 ? (int)n : 1;
		snprintf(out, size, "%0*llu", width, v);
		return 0;
	}
	if (num == NUM_UNIX) {
		long long newest = strtoll(s->version, NULL, 10);
		long long v = (long long)now > newest ? (long long)now : newest + 1;
		snprintf(out, size, "%lld", v);
		return 0;
	}
	if (s->found) {
		struct tm tm = { 0 };
		if (sscanf(s->version, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon,
		           &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
			tm.tm_year -= 1900;
			tm.tm_mon -= 1;
			time_t newest = timegm(&tm);
			if (newest != (time_t)-1 && newest >= now)
				now = newest + 1;
		}
	}
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, size, "%Y%m%d%H%M%S", &tm);
	/* a newest version that is no valid time: count on from it */
	if (s->found && strata_version_cmp(out, s->version) <= 0)
		return strata_error_set(err, STRATA_EPARSE,
		                        "cannot continue the versions after %s", s->version);
	return 0;
}

/* Writes `text` to the new file `path` (which must not exist). */
static int write_new(const char *path, const char *text, strata_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return errno == EEXIST
		       ? strata_error_set(err, STRATA_EIO, "cannot create %s: the file already exists", path)
		       : eio(err, "cannot create", path, errno);
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			close(fd);
			unlink(path);
			return eio(err, "cannot write", path, e);
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		int e = errno;
		unlink(path);
		return eio(err, "cannot write", path, e);
	}
	return 0;
}

int strata_new_migration(char **out, const char *dir, const char *name,
                         strata_error *err)
{
	strata_error local = { 0 };
	if (!err)
		err = &local;
	if (!out || !dir || !*dir || !name || !*name || strchr(name, '/'))
		return strata_error_set(err, STRATA_EINVAL,
		                        "strata_new_migration: no directory or a bad name");
	*out = NULL;
	int rc = make_dirs(dir, err);
	survey s;
	if (!rc)
		rc = survey_dir(&s, dir, err);
	char ver[64];
	if (!rc)
		rc = next_version(ver, sizeof(ver), &s, err);
	if (rc)
		return rc;

	const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
	size_t size = strlen(dir) + strlen(name) + sizeof(ver) + 32;
	char *up = malloc(size), *down = malloc(size);
	if (!up || !down) {
		free(up);
		free(down);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	const char *text = "";
	int pair = 0;
	switch (s.form) {
	case FORM_NATIVE:
		snprintf(up, size, "%s%s%s_%s.sql", dir, sep, ver, name);
		text = "-- migrate:up\n\n\n-- migrate:down\n\n";
		break;
	case FORM_GOOSE:
		snprintf(up, size, "%s%s%s_%s.sql", dir, sep, ver, name);
		text = "-- +goose Up\n\n\n-- +goose Down\n\n";
		break;
	case FORM_FLYWAY:
		snprintf(up, size, "%s%sV%s__%s.sql", dir, sep, ver, name);
		break;
	case FORM_PAIR:
		snprintf(up, size, "%s%s%s_%s.up.sql", dir, sep, ver, name);
		snprintf(down, size, "%s%s%s_%s.down.sql", dir, sep, ver, name);
		pair = 1;
		break;
	case FORM_DOTTED:
		snprintf(up, size, "%s%sV%s.%s.up.sql", dir, sep, ver, name);
		snprintf(down, size, "%s%sV%s.%s.down.sql", dir, sep, ver, name);
		pair = 1;
		break;
	}
	rc = write_new(up, text, err);
	if (!rc && pair) {
		rc = write_new(down, "", err);
		if (rc)
			unlink(up);
	}
	if (!rc) {
		size_t n = strlen(up) + (pair ? strlen(down) + 1 : 0) + 1;
		*out = malloc(n);
		if (!*out) {
			unlink(up);
			if (pair)
				unlink(down);
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		} else {
			snprintf(*out, n, pair ? "%s\n%s" : "%s", up, down);
		}
	}
	free(up);
	free(down);
	return rc;
}
