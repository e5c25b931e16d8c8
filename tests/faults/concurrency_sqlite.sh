#!/bin/sh
# tests/faults/concurrency_sqlite.sh - the concurrency test on SQLite, as make check runs it:
# tests/faults/test_concurrency.sh (see there).
exec bash "$(dirname "$0")/test_concurrency.sh" sqlite
