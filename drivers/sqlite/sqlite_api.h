/* drivers/sqlite/sqlite_api.h - the SQLite functions the SQLite driver calls
 *
 * Included once, by sqlite.c, after <sqlite3.h>. With dlopen (the default,
 * see src/dynload.h) libsqlite3 is loaded by sq_load() when the driver is
 * first used, and each sqlite3_* call below goes through the table; with
 * --disable-driver-dlopen they are plain calls and sq_load() does nothing. A new
 * call needs its name in SQLITE_SYMBOLS and a #define line.
 */
#ifndef STRATA_SQLITE_API_H
#define STRATA_SQLITE_API_H

#include <strata.h>

#include "dynload.h"

#ifdef STRATA_DLOPEN

#define SQLITE_SYMBOLS(X) \
	X(sqlite3_bind_double) X(sqlite3_bind_int64) X(sqlite3_bind_text) \
	X(sqlite3_busy_timeout) X(sqlite3_column_double) \
	X(sqlite3_changes) X(sqlite3_close) X(sqlite3_close_v2) \
	X(sqlite3_column_int) X(sqlite3_column_int64) \
	X(sqlite3_column_text) X(sqlite3_column_type) \
	X(sqlite3_db_filename) X(sqlite3_db_handle) \
	X(sqlite3_db_release_memory) X(sqlite3_db_status) X(sqlite3_errcode) \
	X(sqlite3_errmsg) X(sqlite3_error_offset) X(sqlite3_errstr) \
	X(sqlite3_extended_errcode) X(sqlite3_extended_result_codes) \
	X(sqlite3_finalize) X(sqlite3_free) X(sqlite3_get_autocommit) \
	X(sqlite3_libversion) X(sqlite3_mprintf) X(sqlite3_open_v2) \
	X(sqlite3_prepare_v2) X(sqlite3_step)

STRATA_DYNLIB(sq, sq_load, SQLITE_SYMBOLS, "the SQLite library",
              STRATA_SQLITE_SONAME)

/* From here on the driver's calls go through the table. */
#define sqlite3_bind_double           (sq.sqlite3_bind_double)
#define sqlite3_bind_int64            (sq.sqlite3_bind_int64)
#define sqlite3_bind_text             (sq.sqlite3_bind_text)
#define sqlite3_busy_timeout          (sq.sqlite3_busy_timeout)
#define sqlite3_changes               (sq.sqlite3_changes)
#define sqlite3_close                 (sq.sqlite3_close)
#define sqlite3_close_v2              (sq.sqlite3_close_v2)
#define sqlite3_column_int            (sq.sqlite3_column_int)
#define sqlite3_column_double         (sq.sqlite3_column_double)
#define sqlite3_column_int64          (sq.sqlite3_column_int64)
#define sqlite3_column_text           (sq.sqlite3_column_text)
#define sqlite3_column_type           (sq.sqlite3_column_type)
#define sqlite3_db_filename           (sq.sqlite3_db_filename)
#define sqlite3_db_handle             (sq.sqlite3_db_handle)
#define sqlite3_db_release_memory     (sq.sqlite3_db_release_memory)
#define sqlite3_db_status             (sq.sqlite3_db_status)
#define sqlite3_errcode               (sq.sqlite3_errcode)
#define sqlite3_errmsg                (sq.sqlite3_errmsg)
#define sqlite3_error_offset          (sq.sqlite3_error_offset)
#define sqlite3_errstr                (sq.sqlite3_errstr)
#define sqlite3_extended_errcode      (sq.sqlite3_extended_errcode)
#define sqlite3_extended_result_codes (sq.sqlite3_extended_result_codes)
#define sqlite3_finalize              (sq.sqlite3_finalize)
#define sqlite3_free                  (sq.sqlite3_free)
#define sqlite3_get_autocommit        (sq.sqlite3_get_autocommit)
#define sqlite3_libversion            (sq.sqlite3_libversion)
#define sqlite3_mprintf               (sq.sqlite3_mprintf)
#define sqlite3_open_v2               (sq.sqlite3_open_v2)
#define sqlite3_prepare_v2            (sq.sqlite3_prepare_v2)
#define sqlite3_step                  (sq.sqlite3_step)

#else

STRATA_DYNLIB_LINKED(sq_load)

#endif

#endif
