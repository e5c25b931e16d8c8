# tests/crash/crash.mk - automake fragment included by Makefile.am.
#
# Crash safety: tests/crash/test_crash.sh SIGKILLs `strata up`, then
# `strata down --all` (and in some trials `strata repair --resume`) at
# random moments over a mix of transactional and statement-by-statement
# migrations and checks the history table against the schema after every
# kill, and the recovery (automatic resume, or repair of a statement in
# doubt). 30 trials per backend here (CRASH_TRIALS overrides); the soak
# version, tests/soak/crash.sh, runs 300 (see tests/soak/README.md).
if WITH_SQLITE
TESTS += tests/crash/test_crash_sqlite.sh
endif
if WITH_POSTGRES
TESTS += tests/crash/test_crash_postgres.sh
endif
if WITH_MYSQL
TESTS += tests/crash/test_crash_mysql.sh
endif
EXTRA_DIST += \
	tests/crash/test_crash.sh \
	tests/crash/test_crash_sqlite.sh \
	tests/crash/test_crash_postgres.sh \
	tests/crash/test_crash_mysql.sh \
	tests/soak/README.md \
	tests/soak/crash.sh
