/* drivers/postgres/pq_api.h - the libpq functions the PostgreSQL driver calls
 *
 * Included once, by postgres.c, after <libpq-fe.h>. With dlopen (the default,
 * see src/dynload.h) libpq is loaded by pq_load() when the driver is first
 * used, and each PQ* call below goes through the table; with
 * --disable-driver-dlopen they are plain calls and pq_load() does nothing. A new
 * libpq call needs its name in PQ_SYMBOLS and a #define line.
 */
#ifndef STRATA_PQ_API_H
#define STRATA_PQ_API_H

#include <strata.h>

#include "dynload.h"

#ifdef STRATA_DLOPEN

#define PQ_SYMBOLS(X) \
	X(PQclear) X(PQclientEncoding) X(PQcmdStatus) X(PQcmdTuples) \
	X(PQconndefaults) X(PQconnectdbParams) \
	X(PQconnectionNeedsPassword) X(PQconnectionUsedPassword) \
	X(PQconninfo) X(PQconninfoFree) X(PQconninfoParse) X(PQdb) \
	X(PQerrorMessage) X(PQescapeIdentifier) X(PQescapeLiteral) \
	X(PQexec) X(PQexecParams) X(PQfinish) X(PQfreemem) \
	X(PQgetCopyData) X(PQgetResult) X(PQgetisnull) X(PQgetvalue) \
	X(PQhost) X(PQmblen) X(PQntuples) X(PQparameterStatus) X(PQpass) \
	X(PQport) X(PQputCopyData) X(PQputCopyEnd) X(PQresultErrorField) \
	X(PQresultErrorMessage) X(PQresultStatus) X(PQsendQuery) \
	X(PQserverVersion) X(PQsetNoticeReceiver) X(PQstatus) \
	X(PQtransactionStatus) X(PQuser)

STRATA_DYNLIB(pq, pq_load, PQ_SYMBOLS, "libpq",
              STRATA_LIBPQ_SONAME)

/* From here on the driver's calls go through the table. */
#define PQclear                   (pq.PQclear)
#define PQclientEncoding          (pq.PQclientEncoding)
#define PQcmdStatus               (pq.PQcmdStatus)
#define PQcmdTuples               (pq.PQcmdTuples)
#define PQconndefaults            (pq.PQconndefaults)
#define PQconnectdbParams         (pq.PQconnectdbParams)
#define PQconnectionNeedsPassword (pq.PQconnectionNeedsPassword)
#define PQconnectionUsedPassword  (pq.PQconnectionUsedPassword)
#define PQconninfo                (pq.PQconninfo)
#define PQconninfoFree            (pq.PQconninfoFree)
#define PQconninfoParse           (pq.PQconninfoParse)
#define PQdb                      (pq.PQdb)
#define PQerrorMessage            (pq.PQerrorMessage)
#define PQescapeIdentifier        (pq.PQescapeIdentifier)
#define PQescapeLiteral           (pq.PQescapeLiteral)
#define PQexec                    (pq.PQexec)
#define PQexecParams              (pq.PQexecParams)
#define PQfinish                  (pq.PQfinish)
#define PQfreemem                 (pq.PQfreemem)
#define PQgetCopyData             (pq.PQgetCopyData)
#define PQgetResult               (pq.PQgetResult)
#define PQgetisnull               (pq.PQgetisnull)
#define PQgetvalue                (pq.PQgetvalue)
#define PQhost                    (pq.PQhost)
#define PQmblen                   (pq.PQmblen)
#define PQntuples                 (pq.PQntuples)
#define PQparameterStatus         (pq.PQparameterStatus)
#define PQpass                    (pq.PQpass)
#define PQport                    (pq.PQport)
#define PQputCopyData             (pq.PQputCopyData)
#define PQputCopyEnd              (pq.PQputCopyEnd)
#define PQresultErrorField        (pq.PQresultErrorField)
#define PQresultErrorMessage      (pq.PQresultErrorMessage)
#define PQresultStatus            (pq.PQresultStatus)
#define PQsendQuery               (pq.PQsendQuery)
#define PQserverVersion           (pq.PQserverVersion)
#define PQsetNoticeReceiver       (pq.PQsetNoticeReceiver)
#define PQstatus                  (pq.PQstatus)
#define PQtransactionStatus       (pq.PQtransactionStatus)
#define PQuser                    (pq.PQuser)

#else

STRATA_DYNLIB_LINKED(pq_load)

#endif

#endif
