#!/bin/bash
# tests/crash/test_crash_mysql.sh - the SIGKILL test (test_crash.sh) on mysql,
# CRASH_TRIALS trials (default 30).
exec bash "$(dirname "$0")/test_crash.sh" mysql
