#!/bin/sh
# tests/faults/faults_postgres.sh - the server faults on PostgreSQL, as make check runs it:
# tests/faults/test_faults.sh (see there).
exec bash "$(dirname "$0")/test_faults.sh" postgres
