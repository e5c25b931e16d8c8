/*
 * src/spawn.c - runs an external tool for a driver (pg_dump,
 * mariadb-dump): the driver kit's child-process runner, declared in
 * strata/driver.h.
 *
 * The child gets the arguments, one environment variable (the password,
 * so that it never shows in `ps`), its standard output and standard
 * error on pipes. The parent reads both at once with poll(2), so that a
 * tool that writes much to one while the other fills cannot block, keeps
 * all of stdout and the first 4 KiB of stderr (for the message), and
 * waits for it. An exec failure reaches the parent through a third,
 * close-on-exec pipe, so "not installed" differs from "failed".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <strata/driver.h>


#define SPAWN_STDERR_KEEP 4096

/* In the child: the pipes on stdout and stderr, the variable, each
 * program in turn; what exec said goes back on `status_fd`. */
static void spawn_child(const strata_spawn *spec, char **argv, int out_fd,
                        int err_fd, int status_fd)
{
	if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(126);
	if (spec->env_name && spec->env_value) {
		if (*spec->env_value)
			setenv(spec->env_name, spec->env_value, 1);
		else
			unsetenv(spec->env_name);
	}
	int e = ENOENT;
	for (const char *const *p = spec->programs; *p; p++) {
		argv[0] = (char *)*p;
		execvp(*p, argv);
		/* the first reason other than "not there" is the one to tell */
		if (e == ENOENT)
			e = errno;
	}
	ssize_t w = write(status_fd, &e, sizeof(e));
	(void)w;
	_exit(127);
}

/* Reads the child's stdout into `out` and stderr into `errs` until both
 * close. -1 on a read error or when out of memory. */
static int spawn_read(int out_fd, int err_fd, strata_buf *out, strata_buf *errs)
{
	struct pollfd fds[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	strata_buf *bufs[2] = { out, errs };
	int open_fds = 2, rc = 0;
	char chunk[65536];
	while (open_fds) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 1 && bufs[i]->len >= SPAWN_STDERR_KEEP)
				continue; /* read on, so that the child never blocks */
			if (strata_buf_append(bufs[i], chunk, (size_t)n))
				rc = -1;
		}
	}
	return rc;
}

static void close_pipes(int p[3][2])
{
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 2; j++)
			if (p[i][j] >= 0) {
				close(p[i][j]);
				p[i][j] = -1;
			}
}

/* The first line of `s`, control characters made spaces, into `line`. */
static void first_line(char *line, size_t size, const char *s)
{
	size_t k = 0;
	while (*s == '\n' || *s == '\r' || *s == ' ')
		s++;
	for (; *s && *s != '\n' && k + 1 < size; s++)
		line[k++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	while (k && line[k - 1] == ' ')
		k--;
	line[k] = '\0';
}

int strata_spawn_run(const strata_spawn *spec, char **out, strata_error *err)
{
	*out = NULL;
	if (!spec || !spec->programs || !spec->programs[0])
		return strata_error_set(err, STRATA_EINVAL, "strata_spawn_run: no program");
	size_t nargs = 0;
	while (spec->args && spec->args[nargs])
		nargs++;
	char **argv = calloc(nargs + 2, sizeof(*argv));
	if (!argv)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = (char *)spec->args[i];
	int p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	for (int i = 0; i < 3; i++)
		if (pipe2(p[i], O_CLOEXEC) != 0) {
			int e = errno;
			close_pipes(p);
			free(argv);
			return strata_error_set(err, STRATA_EIO, "pipe: %s", strerror(e));
		}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close_pipes(p);
		free(argv);
		return strata_error_set(err, STRATA_EIO, "fork: %s", strerror(e));
	}
	if (pid == 0)
		spawn_child(spec, argv, p[0][1], p[1][1], p[2][1]);
	for (int i = 0; i < 3; i++) {
		close(p[i][1]);
		p[i][1] = -1;
	}
	strata_buf dump = { 0 }, errs = { 0 };
	int read_rc = spawn_read(p[0][0], p[1][0], &dump, &errs);
	int exec_errno = 0;
	ssize_t got = read(p[2][0], &exec_errno, sizeof(exec_errno));
	close_pipes(p);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	const char *name = spec->programs[0];
	int rc = 0;
	if (got == (ssize_t)sizeof(exec_errno) && exec_errno == ENOENT) {
		rc = strata_error_set(err, STRATA_EUNSUPPORTED, "%s",
		                      spec->missing ? spec->missing : "the tool is not installed");
	} else if (got == (ssize_t)sizeof(exec_errno)) {
		rc = strata_error_set(err, STRATA_EIO, "cannot run %s: %s", name,
		                      strerror(exec_errno));
	} else if (read_rc) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory reading %s's output", name);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char line[1024];
		first_line(line, sizeof(line), errs.buf ? errs.buf : "");
		rc = strata_error_set(err, spec->fail_code ? spec->fail_code : STRATA_EIO,
		                      "%s failed (%s %d): %s", name,
		                      WIFEXITED(status) ? "exit status" : "signal",
		                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		                      line[0] ? line : "no message");
	}
	strata_buf_release(&errs);
	free(argv);
	if (rc) {
		strata_buf_release(&dump);
		return rc;
	}
	*out = strata_buf_detach(&dump);
	if (!*out)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}
