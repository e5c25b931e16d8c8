#!/bin/bash
# tests/crash/test_crash_postgres.sh - the SIGKILL test (test_crash.sh) on postgres,
# CRASH_TRIALS trials (default 30).
exec bash "$(dirname "$0")/test_crash.sh" postgres
