/*
 * src/sql.h - the SQL lexer/splitter: one lexer, dialect rules.
 */
#ifndef STRATA_SQL_H
#define STRATA_SQL_H

#include <stddef.h>
#include <strata/driver.h>

/*
 * Splits `text` (len bytes, need not be NUL-terminated) into statements.
 *
 * - *out receives a malloc'd array of *n statements (free it with free();
 *   the statements point into `text`, which must outlive them). With no
 *   statement, *out is NULL and *n is 0.
 * - Each statement excludes its terminator (";" or the DELIMITER in force)
 *   and leading whitespace and comments; trailing whitespace is trimmed.
 *   Statements made only of whitespace and comments are dropped.
 * - `first_line` is the line number of text[0] in its file; statement
 *   lines and columns are absolute in the file.
 * - Dialect rules: '...' strings with '' escapes everywhere; "..." quoted
 *   identifiers (strings in MySQL); -- and block comments, nested in
 *   PostgreSQL; PostgreSQL $tag$ dollar quotes, E'' strings with backslash
 *   escapes, COPY ... FROM stdin data blocks up to a "\." line; MySQL
 *   backticks, backslash escapes in strings, # comments, DELIMITER lines,
 *   versioned comments; BEGIN...END bodies of CREATE
 *   TRIGGER/PROCEDURE/FUNCTION/EVENT (MySQL, without DELIMITER too),
 *   SQLite CREATE TRIGGER bodies, PostgreSQL BEGIN ATOMIC bodies.
 * - Sets STRATA_STMT_NO_TX on statements that cannot run in a transaction
 *   (PostgreSQL: CREATE/DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY,
 *   ALTER TYPE ... ADD VALUE, VACUUM, CREATE/DROP DATABASE, ALTER SYSTEM,
 *   CREATE/DROP TABLESPACE; SQLite: VACUUM, and PRAGMA foreign_keys /
 *   journal_mode, which SQLite silently ignores inside a transaction).
 * - Sets STRATA_STMT_DDL on schema statements (first word CREATE, ALTER,
 *   DROP, RENAME, TRUNCATE, GRANT, REVOKE, LOCK, UNLOCK, ANALYZE, OPTIMIZE,
 *   REPAIR, FLUSH, INSTALL, UNINSTALL; not CREATE/DROP TEMPORARY), in every
 *   dialect: the engine uses it where DDL is not transactional.
 * Details: the generic dialect lexes like SQLite and sets no flag. In
 * PostgreSQL, as in psql, a ';' inside parentheses does not end the
 * statement (CREATE RULE ... DO (a; b)), and REINDEX SCHEMA / DATABASE /
 * SYSTEM are NO_TX too. COPY rows start on the line after the COPY's
 * terminator (only blanks or a -- comment may follow it there). A
 * MySQL DELIMITER line (only blanks before it on its line, between
 * statements) is not a statement; the rest of its line is ignored.
 * Columns count bytes; only '\n' ends a line ("\r\n" is one break).
 * Errors: STRATA_EPARSE with err->line/column at the start of an
 * unterminated quote, comment or dollar quote (or of the COPY whose
 * data has no "\." line, or of a DELIMITER line without a delimiter);
 * STRATA_ENOMEM; STRATA_EINVAL for NULL out/n, NULL text with len > 0 or
 * an unknown dialect.
 */
int strata_sql_split(strata_stmt **out, size_t *n, const char *text,
                     size_t len, strata_dialect dialect, int first_line,
                     strata_error *err);

/* Lower-case name of a dialect ("postgres"); "generic" for GENERIC. */
const char *strata_dialect_name(strata_dialect d);

#endif /* STRATA_SQL_H */
