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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF, no NUL). */
static inline bool fuzz_valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;

    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len = c == 0               ? 0
                     : c < 0x80           ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;

        if (len == 0 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += len;
    }
    return true;
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
