#!/bin/sh
# tests/faults/concurrency_postgres.sh - the concurrency test on PostgreSQL, as make check runs it:
# tests/faults/test_concurrency.sh (see there).
exec bash "$(dirname "$0")/test_concurrency.sh" postgres
