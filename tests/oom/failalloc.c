/*
 * tests/oom/failalloc.c - allocation-failure injection for strata-oom.
 *
 * strata-oom is the strata command-line tool (the production main and
 * CLI sources, the core library objects) linked with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,
 *   --wrap=strndup,--wrap=opendir,--wrap=fopen
 * so that every allocation the core, the SQLite driver and the CLI make
 * goes through the __wrap_ functions below. SQLite's own allocations are
 * routed here too (SQLITE_CONFIG_MALLOC), and so are OpenSSL's when the
 * checksums use libcrypto (Nettle allocates nothing), because a failure
 * inside either must also come out as a clean strata error. Allocations inside other shared libraries (json-c,
 * glibc's own stdio buffers) are not counted: only `status --json` uses
 * json-c, and stdio copes with a failed buffer allocation by itself.
 *
 * Environment:
 *   STRATA_OOM_FAIL_AT=K    the K-th counted allocation fails (returns
 *                           NULL, errno ENOMEM); 0 or unset: none fails
 *   STRATA_OOM_PERSIST=1    every allocation after the K-th fails too
 *   STRATA_OOM_COUNT_FILE=F at exit, write "COUNT FAILED" to F: how many
 *                           allocations the run made, and how many of
 *                           them were made to fail
 *
 * Sweep mode, for thousands of runs at the cost of a fork each instead
 * of a program start (dynamic linking, OpenSSL's start-up):
 *   STRATA_OOM_SWEEP=FIRST:LAST:STRIDE
 *                           the process does not run strata itself: it
 *                           forks one child per K = FIRST, FIRST+STRIDE,
 *                           ... and LAST, and each child returns from this
 *                           constructor into strata's main() with
 *                           allocation K failing (STRATA_OOM_PERSIST
 *                           applies), then the process exits 0
 *   STRATA_OOM_DIR=D        (sweep) child K writes its stdout, stderr and
 *                           count to D/K.out, D/K.err, D/K.cnt (K as 7
 *                           digits), the driver "K STATUS" lines to
 *                           D/results: the exit code, or 128 + signal
 *   STRATA_OOM_URL_PREFIX=P (sweep) child K gets DATABASE_URL=P followed
 *                           by K as 7 digits: a database of its own whose
 *                           name has the same length for every K
 *   STRATA_OOM_NOSYNC=1     fdatasync() and fsync() return at once: what
 *                           the runs leave is read back, never recovered
 *                           from a crash, and thousands of runs with a
 *                           few syncs each would spend minutes in them
 * A child that runs longer than 60 s is killed (SIGALRM). The OpenSSL
 * start-up happens before the first fork and is not counted (see
 * failalloc_init): what is counted starts with strata's own work.
 *
 * Each wrapper counts one allocation. opendir() and fopen() count as one
 * allocation each (their DIR / FILE is malloc'd inside glibc, where the
 * wrapper cannot see it) and fail with errno ENOMEM the way glibc does.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef STRATA_SHA256_NETTLE
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#endif
#ifdef HAVE_SQLITE
#include <sqlite3.h>
#endif

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
DIR *__real_opendir(const char *name);
FILE *__real_fopen(const char *path, const char *mode);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
DIR *__wrap_opendir(const char *name);
FILE *__wrap_fopen(const char *path, const char *mode);

static int armed;               /* 0 while the constructor runs */
static unsigned long fail_at;   /* 0: never */
static int persist;
static unsigned long count;     /* allocations so far */
static unsigned long failures;  /* of them made to fail */
static char count_file[4096];

/* Counts one allocation; nonzero when it is to fail. strata runs on one
 * thread, but atomics keep the count exact should a library start one. */
static int fail_now(void)
{
	if (!armed)
		return 0;
	unsigned long k = __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
	if (fail_at && (k == fail_at || (persist && k > fail_at))) {
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

/* realloc(p, 0) frees: nothing to fail there. */
void *__wrap_realloc(void *p, size_t n)
{
	if (p && n == 0)
		return __real_realloc(p, n);
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

DIR *__wrap_opendir(const char *name)
{
	return fail_now() ? NULL : __real_opendir(name);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
	return fail_now() ? NULL : __real_fopen(path, mode);
}

/* -------------------------------------------------------------- syncs */

static int nosync;

/* Defined here, these take the place of glibc's for SQLite too (the
 * executable's definition comes first in symbol lookup). */
int fdatasync(int fd)
{
	return nosync ? 0 : (int)syscall(SYS_fdatasync, fd);
}

int fsync(int fd)
{
	return nosync ? 0 : (int)syscall(SYS_fsync, fd);
}

/* ------------------------------------------------------------ OpenSSL */

#ifndef STRATA_SHA256_NETTLE

static void *crypto_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return fail_now() ? NULL : __real_malloc(n);
}

static void *crypto_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p && n == 0)
		return __real_realloc(p, n);
	return fail_now() ? NULL : __real_realloc(p, n);
}

static void crypto_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

#endif

/* ------------------------------------------------------------- SQLite */

#ifdef HAVE_SQLITE
static sqlite3_mem_methods sqlite_default;

static void *sqlite_malloc(int n)
{
	return fail_now() ? NULL : sqlite_default.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
	return fail_now() ? NULL : sqlite_default.xRealloc(p, n);
}
#endif

/* -------------------------------------------------------------- setup */

static unsigned long env_count(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end) {
		static const char msg[] = "failalloc: bad number in the environment\n";
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(99);
		_exit(99);
	}
	return n;
}

static void setup_fail(const char *why)
{
	/* a harness that silently counts nothing would pass every run */
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "failalloc: cannot %s\n", why);
	if (write(2, msg, (size_t)n) < 0)
		_exit(99);
	_exit(99);
}

/* "FIRST:LAST:STRIDE" */
static void sweep_spec(const char *spec, unsigned long *first,
                       unsigned long *last, unsigned long *stride)
{
	char *end;
	errno = 0;
	*first = strtoul(spec, &end, 10);
	if (!errno && *end == ':')
		*last = strtoul(end + 1, &end, 10);
	if (!errno && *end == ':')
		*stride = strtoul(end + 1, &end, 10);
	if (errno || *end || *first == 0 || *last < *first || *stride == 0)
		setup_fail("parse STRATA_OOM_SWEEP (FIRST:LAST:STRIDE, 1 <= FIRST <= LAST)");
}

/* Opens `path` as descriptor `target` of this process. */
static void redirect(int target, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || dup2(fd, target) < 0)
		setup_fail("redirect a child's output");
	close(fd);
}

/* Runs the children of a sweep; returns only in a child. */
static void sweep(const char *spec)
{
	unsigned long first = 0, last = 0, stride = 0;
	sweep_spec(spec, &first, &last, &stride);
	const char *dir = getenv("STRATA_OOM_DIR");
	const char *prefix = getenv("STRATA_OOM_URL_PREFIX");
	char path[4096];
	if (!dir || !*dir || strlen(dir) > sizeof(path) - 32)
		setup_fail("sweep without STRATA_OOM_DIR");
	snprintf(path, sizeof(path), "%s/results", dir);
	int res = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0666);
	if (res < 0)
		setup_fail("create the sweep's results file");
	for (unsigned long k = first; k <= last;
	     k = k < last && last - k < stride ? last : k + stride) {
		pid_t pid = fork();
		if (pid < 0)
			setup_fail("fork");
		if (pid == 0) {
			close(res);
			if (prefix) {
				char url[4096];
				snprintf(url, sizeof(url), "%s%07lu", prefix, k);
				if (setenv("DATABASE_URL", url, 1) != 0)
					setup_fail("set DATABASE_URL");
			}
			snprintf(path, sizeof(path), "%s/%07lu.out", dir, k);
			redirect(1, path);
			snprintf(path, sizeof(path), "%s/%07lu.err", dir, k);
			redirect(2, path);
			snprintf(count_file, sizeof(count_file), "%s/%07lu.cnt", dir, k);
			alarm(60);
			fail_at = k;
			return;
		}
		int st;
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				setup_fail("wait for a child");
		int code = WIFEXITED(st) ? WEXITSTATUS(st)
		         : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
		char line[64];
		int n = snprintf(line, sizeof(line), "%lu %d\n", k, code);
		if (write(res, line, (size_t)n) != n)
			setup_fail("write the sweep's results");
		if (k == last)
			break;
	}
	close(res);
	/* nothing of strata ran here: no destructors, no leak check */
	_exit(0);
}

/* Before main() and before SQLite or OpenSSL allocate anything: both
 * accept new allocators only then. */
__attribute__((constructor)) static void failalloc_init(void)
{
	const char *f = getenv("STRATA_OOM_COUNT_FILE");
	if (f && strlen(f) < sizeof(count_file))
		memcpy(count_file, f, strlen(f) + 1);
	persist = env_count("STRATA_OOM_PERSIST") != 0;
	nosync = env_count("STRATA_OOM_NOSYNC") != 0;
#ifndef STRATA_SHA256_NETTLE
	if (!CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free))
		setup_fail("route OpenSSL's allocations (CRYPTO_set_mem_functions)");
#endif
#ifdef HAVE_SQLITE
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default) != SQLITE_OK)
		setup_fail("read SQLite's allocator (SQLITE_CONFIG_GETMALLOC)");
	sqlite3_mem_methods m = sqlite_default;
	m.xMalloc = sqlite_malloc;
	m.xRealloc = sqlite_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
		setup_fail("route SQLite's allocations (SQLITE_CONFIG_MALLOC)");
#endif
	/* OpenSSL's one-time start-up (the library context, loading the
	 * default provider) makes some 4,700 allocations, the same in every
	 * program: done here, uncounted, so that the test spends its runs on
	 * what strata does (its fetch of SHA-256, a digest context per file)
	 * rather than on OpenSSL's own start-up. */
#ifndef STRATA_SHA256_NETTLE
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!md)
		setup_fail("fetch SHA-256 from OpenSSL");
	EVP_MD_free(md);
#else
	OPENSSL_init_crypto(0, NULL);
#endif
#endif
	fail_at = env_count("STRATA_OOM_FAIL_AT");
	const char *spec = getenv("STRATA_OOM_SWEEP");
	if (spec && *spec)
		sweep(spec);
	armed = 1;
}

/* Written with write(2): stdio could allocate, and may be gone. */
__attribute__((destructor)) static void failalloc_report(void)
{
	if (!count_file[0])
		return;
	int fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%lu %lu\n",
	                 __atomic_load_n(&count, __ATOMIC_RELAXED),
	                 __atomic_load_n(&failures, __ATOMIC_RELAXED));
	if (n > 0 && write(fd, buf, (size_t)n) < 0)
		n = -1;
	close(fd);
}
