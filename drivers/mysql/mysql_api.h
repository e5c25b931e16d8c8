/* drivers/mysql/mysql_api.h - the client-library functions the MySQL driver calls
 *
 * Included once, by mysql.c, after <mysql.h>. With dlopen (the default, see
 * src/dynload.h) MariaDB Connector/C (or libmysqlclient) is loaded by
 * my_load() when the driver is first used, and each mysql_* call below goes
 * through the table; with --disable-driver-dlopen they are plain calls and
 * my_load() does nothing. A new call needs its name in MYSQL_SYMBOLS and a
 * #define line.
 */
#ifndef STRATA_MYSQL_API_H
#define STRATA_MYSQL_API_H

#include <strata.h>

#include "dynload.h"

#ifdef STRATA_DLOPEN

#define MYSQL_SYMBOLS(X) \
	X(mysql_autocommit) X(mysql_close) X(mysql_errno) X(mysql_error) \
	X(mysql_fetch_lengths) X(mysql_fetch_row) X(mysql_field_count) \
	X(mysql_free_result) X(mysql_get_server_info) \
	X(mysql_get_ssl_cipher) X(mysql_init) X(mysql_next_result) \
	X(mysql_num_fields) X(mysql_num_rows) X(mysql_optionsv) \
	X(mysql_real_connect) X(mysql_real_query) X(mysql_select_db) \
	X(mysql_sqlstate) \
	X(mysql_ssl_set) X(mysql_stmt_affected_rows) \
	X(mysql_stmt_bind_param) X(mysql_stmt_bind_result) \
	X(mysql_stmt_close) X(mysql_stmt_errno) X(mysql_stmt_error) \
	X(mysql_stmt_execute) X(mysql_stmt_fetch) X(mysql_stmt_init) \
	X(mysql_stmt_prepare) X(mysql_stmt_sqlstate) X(mysql_store_result) \
	X(mysql_warning_count)

STRATA_DYNLIB(my, my_load, MYSQL_SYMBOLS, "the MySQL client library",
              STRATA_MYSQL_SONAME)

/* From here on the driver's calls go through the table. */
#define mysql_autocommit         (my.mysql_autocommit)
#define mysql_close              (my.mysql_close)
#define mysql_errno              (my.mysql_errno)
#define mysql_error              (my.mysql_error)
#define mysql_fetch_lengths      (my.mysql_fetch_lengths)
#define mysql_fetch_row          (my.mysql_fetch_row)
#define mysql_field_count        (my.mysql_field_count)
#define mysql_free_result        (my.mysql_free_result)
#define mysql_get_server_info    (my.mysql_get_server_info)
#define mysql_get_ssl_cipher     (my.mysql_get_ssl_cipher)
#define mysql_init               (my.mysql_init)
#define mysql_next_result        (my.mysql_next_result)
#define mysql_num_fields         (my.mysql_num_fields)
#define mysql_num_rows           (my.mysql_num_rows)
#define mysql_optionsv           (my.mysql_optionsv)
#define mysql_real_connect       (my.mysql_real_connect)
#define mysql_real_query         (my.mysql_real_query)
#define mysql_select_db          (my.mysql_select_db)
#define mysql_sqlstate           (my.mysql_sqlstate)
#define mysql_ssl_set            (my.mysql_ssl_set)
#define mysql_stmt_affected_rows (my.mysql_stmt_affected_rows)
#define mysql_stmt_bind_param    (my.mysql_stmt_bind_param)
#define mysql_stmt_bind_result   (my.mysql_stmt_bind_result)
#define mysql_stmt_close         (my.mysql_stmt_close)
#define mysql_stmt_errno         (my.mysql_stmt_errno)
#define mysql_stmt_error         (my.mysql_stmt_error)
#define mysql_stmt_execute       (my.mysql_stmt_execute)
#define mysql_stmt_fetch         (my.mysql_stmt_fetch)
#define mysql_stmt_init          (my.mysql_stmt_init)
#define mysql_stmt_prepare       (my.mysql_stmt_prepare)
#define mysql_stmt_sqlstate      (my.mysql_stmt_sqlstate)
#define mysql_store_result       (my.mysql_store_result)
#define mysql_warning_count      (my.mysql_warning_count)

#else

STRATA_DYNLIB_LINKED(my_load)

#endif

#endif
