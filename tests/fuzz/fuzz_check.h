/*
 * What every fuzz target checks beyond "no crash, no sanitizer report": properties a report
 * relies on. FUZZ_CHECK aborts (libFuzzer saves the input as a crash) when one does not hold.
 */
#ifndef FS_FUZZ_CHECK_H
#define FS_FUZZ_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/common/strict_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Strict UTF-8 without NUL bytes (tests/common/strict_utf8.h). */
static inline bool fuzz_valid_utf8(const char *s, size_t n)
{
    return strict_utf8(s, n, false, NULL);
}

/*
 * Facts from a parser must serialise to JSON that a strict parser reads back (jansson refuses
 * invalid UTF-8, and a NUL inside a string without JSON_ALLOW_NUL).
 */
static inline void fuzz_check_facts(json_t *facts)
{
    char *text;
    json_t *back;
    json_error_t err;

    FUZZ_CHECK(facts != NULL);
    FUZZ_CHECK(json_is_object(facts));
    text = json_dumps(facts, JSON_COMPACT);
    FUZZ_CHECK(text != NULL);
    FUZZ_CHECK(fuzz_valid_utf8(text, strlen(text)));
    back = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    FUZZ_CHECK(back != NULL);
    FUZZ_CHECK(json_equal(back, facts));
    json_decref(back);
    free(text);
}

#endif
