#!/bin/sh
# tests/faults/faults_mysql.sh - the server faults on MySQL/MariaDB, as make check runs it:
# tests/faults/test_faults.sh (see there).
exec bash "$(dirname "$0")/test_faults.sh" mysql
