#!/usr/bin/env python3
"""Run a command and report its wall time, CPU time and peak RSS as JSON.

Usage:
    measure.py [--repeat K] [--warmup W] [--stdin FILE] [--log FILE]
               [--tag KEY=VALUE ...] -- COMMAND [ARG ...]

Prints one JSON object per measured run on stdout:

    {"rc": 0, "wall_ms": ..., "user_ms": ..., "sys_ms": ..., "cpu_ms": ...,
     "rss_kib": ..., "ru_maxrss_kib": ..., <tags>}

- wall_ms: time.perf_counter() from just before posix_spawn() to the child
  being reaped: what a user waiting for the command sees (plus ~0.2 ms of
  this script's own overhead; run.sh reports it as the `true` baseline).
- user_ms / sys_ms / cpu_ms: the child's own CPU time, all of its threads
  and any children it waited for, from os.wait4()'s rusage.
- rss_kib: the child's peak resident set (KiB), read from VmHWM in
  /proc/PID/status while the child is stopped at its exit (ptrace
  PTRACE_SEIZE with PTRACE_O_TRACEEXIT, via ctypes). Why not just
  ru_maxrss: Linux folds the high-water mark of the address space a process
  had *before* execve() into its ru_maxrss, and the child of this script
  starts out sharing a Python interpreter's (~10-15 MB), so ru_maxrss never
  reports less than that. VmHWM belongs to the address space the command
  got from execve(), so it is the command's own peak. ru_maxrss is reported
  too (ru_maxrss_kib, an upper bound). rss_kib is null when the exit could
  not be observed: ptrace is not allowed here, or the command finished
  before this script could attach (happens now and then for commands that
  take a few milliseconds).

The command's stdout and stderr go to --log (appended; default /dev/null),
its stdin comes from --stdin (default /dev/null). The exit status of
measure.py is 0 when every run exited 0, else the last non-zero status
(1 when the command could not be started at all).

Standard library only; Linux only.
"""

import argparse
import ctypes
import json
import os
import shutil
import signal
import sys
import time

PTRACE_CONT = 7
PTRACE_SEIZE = 0x4206
PTRACE_O_TRACEEXIT = 0x40
PTRACE_EVENT_EXIT = 6
PTRACE_EVENT_STOP = 128

_libc = ctypes.CDLL(None, use_errno=True)
_ptrace = _libc.ptrace
_ptrace.restype = ctypes.c_long
_ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                    ctypes.c_void_p]


def vm_hwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run_once(path, argv, env, stdin_path, log_path, trace):
    """Runs argv once; returns a dict of measurements."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, log_path,
         os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    t0 = time.perf_counter()
    # posix_spawn() (vfork-style, no copy of this interpreter's memory) is
    # far cheaper than fork()+exec() from Python: ~1 ms instead of ~4 ms of
    # wall and child CPU for /bin/true on the reference machine.
    pid = os.posix_spawn(path, argv, env, file_actions=actions)
    # The child has exec'd by now. Attach to it to be stopped at its exit.
    # A child that is done within a millisecond or two may already be gone
    # (the scheduler need not run us first): then its rss_kib is null.
    if trace:
        trace = _ptrace(PTRACE_SEIZE, pid, None,
                        ctypes.c_void_p(PTRACE_O_TRACEEXIT)) == 0
    hwm = None
    while True:
        _, status, ru = os.wait4(pid, 0)
        if not os.WIFSTOPPED(status):
            break
        sig = os.WSTOPSIG(status)
        if sig == signal.SIGTRAP and (status >> 16) == PTRACE_EVENT_EXIT:
            hwm = vm_hwm(pid)
            sig = 0
        elif (status >> 16) == PTRACE_EVENT_STOP:
            sig = 0
        # Any other stop is a signal for the child: deliver it.
        _ptrace(PTRACE_CONT, pid, None, ctypes.c_void_p(sig))
    wall = time.perf_counter() - t0

    rc = os.waitstatus_to_exitcode(status)
    maxrss = ru.ru_maxrss
    return {
        "rc": rc,
        "wall_ms": round(wall * 1000.0, 3),
        "user_ms": round(ru.ru_utime * 1000.0, 3),
        "sys_ms": round(ru.ru_stime * 1000.0, 3),
        "cpu_ms": round((ru.ru_utime + ru.ru_stime) * 1000.0, 3),
        "rss_kib": hwm,
        "ru_maxrss_kib": maxrss,
    }


def main(argv):
    ap = argparse.ArgumentParser(
        usage="%(prog)s [options] -- COMMAND [ARG ...]",
        description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=1,
                    help="measured runs (default 1)")
    ap.add_argument("--warmup", type=int, default=0,
                    help="unreported runs before the measured ones")
    ap.add_argument("--stdin", default=os.devnull)
    ap.add_argument("--log", default=os.devnull,
                    help="file the command's stdout+stderr are appended to")
    ap.add_argument("--tag", action="append", default=[],
                    help="KEY=VALUE added to every JSON line "
                         "(VALUE is a number when it looks like one)")
    ap.add_argument("--no-ptrace", action="store_true",
                    help="do not trace; rss_kib is then null")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no command given")

    path = cmd[0] if "/" in cmd[0] else shutil.which(cmd[0])
    if not path or not os.access(path, os.X_OK):
        print("measure.py: %s: command not found" % cmd[0], file=sys.stderr)
        return 1

    tags = {}
    for t in args.tag:
        k, sep, v = t.partition("=")
        if not sep:
            ap.error("--tag wants KEY=VALUE: %r" % t)
        try:
            tags[k] = int(v)
        except ValueError:
            try:
                tags[k] = float(v)
            except ValueError:
                tags[k] = v

    env = dict(os.environ)
    last_bad = 0
    for i in range(args.warmup + args.repeat):
        r = run_once(path, cmd, env, args.stdin, args.log,
                     trace=not args.no_ptrace)
        if r["rc"] != 0:
            last_bad = r["rc"] if r["rc"] > 0 else 128 - r["rc"]
        if i < args.warmup:
            continue
        r.update(tags)
        print(json.dumps(r), flush=True)
    return last_bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
