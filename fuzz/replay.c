/*
 * fuzz/replay.c - runs a fuzz target's LLVMFuzzerTestOneInput on files,
 * without libFuzzer and without clang: linked with the normal build, it
 * is the `make check` test that replays fuzz/regressions/<target>/ (the
 * inputs of every crash found so far) and fuzz/corpus/<target>/ (the
 * seeds) in every build, plain and sanitized.
 *
 * Usage: replay_<target> [FILE|DIR]...
 * Without arguments it replays $top_srcdir/fuzz/regressions/<target> and
 * $top_srcdir/fuzz/corpus/<target> (FUZZ_TARGET_NAME, set by fuzz.mk).
 * A broken invariant abort()s, which fails the test; the file being
 * replayed is printed first so that the log names it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET_NAME
#error "compile with -DFUZZ_TARGET_NAME=\"target\""
#endif

/* LLVMFuzzerInitialize is optional in a target: a weak default. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	unsigned char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			unsigned char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f) || !buf;
	fclose(f);
	if (bad) {
		free(buf);
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	/* the exact size, as libFuzzer passes it: ASan sees overreads */
	unsigned char *data = malloc(len ? len : 1);
	if (!data) {
		free(buf);
		return -1;
	}
	memcpy(data, buf, len);
	free(buf);
	printf("replay %s (%zu bytes)\n", path, len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every file of a directory (not dot files), in name order;
 * returns how many, or -1. */
static long replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "replay: cannot read %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn)
				abort();
			names = nn;
		}
		size_t k = strlen(dir) + strlen(de->d_name) + 2;
		names[n] = malloc(k);
		if (!names[n])
			abort();
		snprintf(names[n], k, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	long done = 0;
	for (size_t i = 0; i < n; i++) {
		if (replay_file(names[i]) != 0)
			done = -1;
		else if (done >= 0)
			done++;
		free(names[i]);
	}
	free(names);
	return done;
}

static long replay_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path);
	return replay_file(path) == 0 ? 1 : -1;
}

int main(int argc, char **argv)
{
	LLVMFuzzerInitialize(&argc, &argv);
	long total = 0;
	int failed = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			long k = replay_path(argv[i]);
			if (k < 0)
				failed = 1;
			else
				total += k;
		}
	} else {
		const char *top = getenv("top_srcdir");
		if (!top || !*top)
			top = ".";
		static const char *const kinds[] = { "regressions", "corpus" };
		for (size_t i = 0; i < 2; i++) {
			char dir[4096];
			snprintf(dir, sizeof(dir), "%s/fuzz/%s/%s", top, kinds[i],
			         FUZZ_TARGET_NAME);
			struct stat st;
			/* a target without regressions has no directory */
			if (i == 0 && stat(dir, &st) != 0 && errno == ENOENT)
				continue;
			long k = replay_path(dir);
			if (k < 0 || (i == 1 && k == 0)) /* seeds must be there */
				failed = 1;
			else
				total += k;
		}
	}
	printf("%s: replayed %ld inputs%s\n", FUZZ_TARGET_NAME, total,
	       failed ? ", some could not be read" : "");
	return failed ? 1 : 0;
}
