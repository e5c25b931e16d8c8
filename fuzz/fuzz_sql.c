/*
 * fuzz/fuzz_sql.c - libFuzzer target for the SQL splitter (src/sql.c).
 * Built once per dialect with -DFUZZ_DIALECT=STRATA_DIALECT_POSTGRES,
 * _MYSQL or _SQLITE (fuzz_sql_postgres, fuzz_sql_mysql, fuzz_sql_sqlite).
 *
 * The input is the SQL text itself. Besides "no crash, no sanitizer
 * report", each run checks:
 * - the invariants of fuzz_check_split() (split_check.h): byte ranges in
 *   the text and in order, lines and columns counted independently,
 *   flags the dialect can set, error positions inside the text;
 * - starting at another line shifts every line (statement or error) by
 *   the same amount and changes nothing else;
 * - a text that splits also splits with a newline appended, into the
 *   same statements (nothing at the end of a text waits for a newline
 *   that is not there).
 * The generic dialect lexes like SQLite: the sqlite target splits with
 * both.
 */
#include "config.h"

#include <string.h>

#include <strata.h>
#include <strata/driver.h>

#include "fuzz.h"
#include "split_check.h"
#include "sql.h"

#ifndef FUZZ_DIALECT
#error "compile with -DFUZZ_DIALECT=STRATA_DIALECT_..."
#endif

#define SHIFT 1000

static void one_dialect(const char *text, size_t len, strata_dialect d)
{
	strata_stmt *st = NULL, *st2 = NULL;
	size_t n = 0, n2 = 0;
	strata_error err, err2;

	strata_error_clear(&err);
	int rc = strata_sql_split(&st, &n, text, len, d, 1, &err);
	fuzz_check_split(rc, st, n, &err, text, len, d, 1);

	strata_error_clear(&err2);
	int rc2 = strata_sql_split(&st2, &n2, text, len, d, 1 + SHIFT, &err2);
	fuzz_check_split(rc2, st2, n2, &err2, text, len, d, 1 + SHIFT);
	FUZZ_REQUIRE(rc == rc2);
	if (rc == STRATA_EPARSE) {
		FUZZ_REQUIRE(err.line + SHIFT == err2.line);
		FUZZ_REQUIRE(err.column == err2.column);
	}
	fuzz_same_split(st, n, st2, n2, SHIFT);
	free(st2);

	if (rc == 0) {
		char *more = malloc(len + 1);
		if (more) {
			memcpy(more, text, len);
			more[len] = '\n';
			strata_error_clear(&err2);
			st2 = NULL;
			rc2 = strata_sql_split(&st2, &n2, more, len + 1, d, 1, &err2);
			fuzz_check_split(rc2, st2, n2, &err2, more, len + 1, d, 1);
			FUZZ_REQUIRE(rc2 == 0 || rc2 == STRATA_ENOMEM);
			if (rc2 == 0) {
				FUZZ_REQUIRE(n2 == n);
				for (size_t i = 0; i < n; i++) {
					FUZZ_REQUIRE(st2[i].sql - more == st[i].sql - text);
					FUZZ_REQUIRE(st2[i].len == st[i].len);
					FUZZ_REQUIRE(st2[i].line == st[i].line);
					FUZZ_REQUIRE(st2[i].column == st[i].column);
					FUZZ_REQUIRE(st2[i].flags == st[i].flags);
					FUZZ_REQUIRE(st2[i].data_len == st[i].data_len);
				}
			}
			free(st2);
			free(more);
		}
	}
	free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the splitter takes any bytes: NULs and invalid UTF-8 included */
	one_dialect((const char *)data, size, FUZZ_DIALECT);
	if (FUZZ_DIALECT == STRATA_DIALECT_SQLITE)
		one_dialect((const char *)data, size, STRATA_DIALECT_GENERIC);
	return 0;
}
