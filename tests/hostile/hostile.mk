# tests/hostile/hostile.mk - automake fragment included by Makefile.am
#
# Hostile and malformed input against the real strata binary: one table
# row per case (files, URLs, options, environment), each checked for its
# exit code and message, no crash, no sanitizer report, nothing applied
# and no password in the output. HOSTILE_VALGRIND=1 runs every case under
# valgrind --leak-check=full (see the script's header).
# most cases use a SQLite database (and the sqlite3 client to look into it)
if WITH_SQLITE
TESTS += tests/hostile/test_hostile.sh
endif
EXTRA_DIST += tests/hostile/test_hostile.sh
