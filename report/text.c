/*
 * text: making untrusted device text safe for reports.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

/*
 * Length of the valid UTF-8 sequence at p (at most n bytes available), or 0 when the bytes
 * there do not start a valid sequence. Follows RFC 3629: no overlongs, no surrogates, nothing
 * above U+10FFFF.
 */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (n < len)
        return 0;
    /* The second byte carries the range limits that rule out overlongs and surrogates. */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

char *fs_utf8_clean(const char *text, size_t len, bool *replaced)
{
    static const char fffd[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)text;
    /* Worst case every byte becomes a three-byte U+FFFD. */
    char *out = malloc(len * 3 + 1);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    if (replaced != NULL)
        *replaced = false;
    for (size_t i = 0; i < len;) {
        size_t n = p[i] == 0 ? 0 : utf8_seq_len(p + i, len - i);
        if (n == 0) {
            memcpy(out + o, fffd, 3);
            o += 3;
            i++;
            if (replaced != NULL)
                *replaced = true;
            continue;
        }
        memcpy(out + o, p + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return out;
}
