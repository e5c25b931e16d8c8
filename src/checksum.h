/* src/checksum.h - migration checksums (SHA-256 through Nettle or libcrypto). */
#ifndef STRATA_CHECKSUM_H
#define STRATA_CHECKSUM_H

#include <stddef.h>

#define STRATA_CHECKSUM_LEN 72 /* "sha256:" + 64 hex + NUL, rounded */

/* Checksum of one or more texts, each normalized first: a leading UTF-8
 * BOM is dropped and CRLF counts as LF. Parts are separated by a NUL so
 * that moving text from one part to the next changes the sum. Writes
 * "sha256:<64 hex>" into out. Returns 0, or -1 when the hash library fails. */
int strata_checksum(char out[STRATA_CHECKSUM_LEN], const char *const *texts,
                    const size_t *lens, size_t nparts);

#endif
