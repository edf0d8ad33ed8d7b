/*
 * strict_utf8: the tests' own UTF-8 check, written apart from fleetscan's fs_utf8_clean so that
 * a report is judged by a second opinion. RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF; a NUL byte only where allow_nul is set.
 */
#ifndef FS_TEST_STRICT_UTF8_H
#define FS_TEST_STRICT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..n) is strict UTF-8; otherwise false, and *bad_at (if not NULL) is the offset
 * of the first byte of the bad sequence. */
static inline bool strict_utf8(const char *s, size_t n, bool allow_nul, size_t *bad_at)
{
    const unsigned char *p = (const unsigned char *)s;

    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len = c == 0 && !allow_nul ? 0
                     : c < 0x80           ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        bool ok = len != 0 && i + len <= n;

        for (size_t k = 1; ok && k < len; k++) {
            ok = (p[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                   (len == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF))
            ok = false;
        if (!ok) {
            if (bad_at != NULL)
                *bad_at = i;
            return false;
        }
        i += len;
    }
    return true;
}

#endif
