# tests/faults/faults.mk - automake fragment included by Makefile.am
#
# Server faults (connection killed mid-migration, lock session killed,
# server restarted mid-run) and concurrency (16 runners x 10 rounds, a
# runner killed while holding the lock). The faults_* / concurrency_*
# scripts only pick the backend for test_faults.sh / test_concurrency.sh;
# test_restart.sh starts a server pair of its own (scripts/servers.sh) and
# covers each server driver built in.

if WITH_SQLITE
TESTS += tests/faults/concurrency_sqlite.sh
endif
if WITH_POSTGRES
TESTS += tests/faults/faults_postgres.sh tests/faults/concurrency_postgres.sh
FAULTS_RESTART = tests/faults/test_restart.sh
endif
if WITH_MYSQL
TESTS += tests/faults/faults_mysql.sh tests/faults/concurrency_mysql.sh
FAULTS_RESTART = tests/faults/test_restart.sh
endif
TESTS += $(FAULTS_RESTART)

EXTRA_DIST += \
	tests/faults/lib.sh \
	tests/faults/test_faults.sh \
	tests/faults/test_concurrency.sh \
	tests/faults/test_restart.sh \
	tests/faults/faults_postgres.sh \
	tests/faults/faults_mysql.sh \
	tests/faults/concurrency_sqlite.sh \
	tests/faults/concurrency_postgres.sh \
	tests/faults/concurrency_mysql.sh
