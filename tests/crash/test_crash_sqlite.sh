#!/bin/bash
# tests/crash/test_crash_sqlite.sh - the SIGKILL test (test_crash.sh) on sqlite,
# CRASH_TRIALS trials (default 30).
exec bash "$(dirname "$0")/test_crash.sh" sqlite
