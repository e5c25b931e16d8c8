/* fuzz/fuzz.h - shared by the fuzz targets (fuzz_*.c) and replay.c. */
#ifndef STRATA_FUZZ_H
#define STRATA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The libFuzzer entry points; replay.c calls them without libFuzzer. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant: when it does not hold, say which and abort() so that
 * libFuzzer (or replay) reports the input as a crash. */
#define FUZZ_REQUIRE(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
			        __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

#endif
