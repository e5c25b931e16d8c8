/* src/version.h - migration versions: validation and numeric ordering. */
#ifndef STRATA_VERSION_H
#define STRATA_VERSION_H

#include <stddef.h>

/* 1 when `s` (n bytes) is a version: digits, optionally in dot-separated
 * components ("20240702105919", "000042", "1.2.10"). */
int strata_version_valid(const char *s, size_t n);

/* Compares two valid versions component by component, numerically and
 * without overflow ("000042" == "42", "1.2.10" > "1.2.9", "1.2" < "1.2.0").
 * Returns <0, 0, >0. */
int strata_version_cmp(const char *a, const char *b);

#endif
