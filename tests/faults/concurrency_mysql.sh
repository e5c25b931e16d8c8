#!/bin/sh
# tests/faults/concurrency_mysql.sh - the concurrency test on MySQL/MariaDB, as make check runs it:
# tests/faults/test_concurrency.sh (see there).
exec bash "$(dirname "$0")/test_concurrency.sh" mysql
