/*
 * ansible_range.c: expands Ansible host ranges such as "edge[01:20].example", "[a:f]-node",
 * "web[0:20:5]" and several ranges in one name ("r[1:2]-[a:b]").
 *
 * The rules follow Ansible's: bounds are [start:end] or [start:end:step], both ends included;
 * an empty start means 0; a start written with a leading zero fixes the width of every number
 * (and the end must be written with the same width); letter ranges run over a..z then A..Z.
 * Names come out with the first range varying slowest, as Ansible lists them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"

/* A pattern with more ranges than this is a mistake rather than an inventory. */
#define MAX_RANGES 16

static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

struct range {
    size_t open;  /* offset of '[' in the pattern */
    size_t close; /* offset of ']' */
    long beg;     /* first value (a letter's index in letters[] for letter ranges) */
    long step;
    size_t count; /* values in the range */
    int is_letter;
    int width; /* zero-padded width, or 0 */
};

static int all_digits(const char *s, size_t len)
{
    if (len == 0) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* Converts up to 9 digits; longer numbers are refused by the caller first. */
static long to_long(const char *s, size_t len)
{
    long v = 0;

    for (size_t i = 0; i < len; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Reads the bounds "beg:end" of a range into r (beg, count, is_letter, width). */
static int parse_bounds(const char *b, size_t blen, const char *e, size_t elen, long step,
                        struct range *r, const char *text, char *why, size_t whysz)
{
    long beg, end;

    if (blen == 0) {
        b = "0"; /* Ansible reads "[:5]" as "[0:5]". */
        blen = 1;
    }
    if (blen == 1 && elen == 1 && strchr(letters, b[0]) && strchr(letters, e[0])) {
        r->is_letter = 1;
        beg = strchr(letters, b[0]) - letters;
        end = strchr(letters, e[0]) - letters;
    } else if (all_digits(b, blen) && all_digits(e, elen) && blen <= 9 && elen <= 9) {
        if (b[0] == '0' && blen > 1) {
            if (elen != blen) {
                snprintf(why, whysz,
                         "range %s pads its start to %zu digits but not its end; write both "
                         "bounds with the same width, e.g. [01:20]",
                         text, blen);
                return -1;
            }
            r->width = (int)blen;
        }
        beg = to_long(b, blen);
        end = to_long(e, elen);
    } else {
        snprintf(why, whysz,
                 "range %s needs two numbers (up to 9 digits) or two single letters as bounds; "
                 "write e.g. [01:20] or [a:f]",
                 text);
        return -1;
    }
    if (beg > end) {
        snprintf(why, whysz, "range %s counts down; write the smaller bound first", text);
        return -1;
    }
    r->beg = beg;
    r->step = step;
    r->count = (size_t)((end - beg) / step + 1);
    return 0;
}

/* Parses the text between '[' and ']' of one range. */
static int parse_range(const char *pattern, struct range *r, char *why, size_t whysz)
{
    char text[INV_EXCERPT_SIZE];
    const char *in = pattern + r->open + 1;
    size_t len = r->close - r->open - 1;
    const char *c1 = memchr(in, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - in)) : NULL;
    const char *end = c2 ? c2 : in + len;
    long step = 1;

    inv_excerpt(pattern + r->open, len + 2, text);
    if (c1 == NULL || (c2 && memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - in)))) {
        snprintf(why, whysz, "range %s is not valid; write [start:end] or [start:end:step]", text);
        return -1;
    }
    if (end == c1 + 1) {
        snprintf(why, whysz, "range %s has no end; write [start:end]", text);
        return -1;
    }
    if (c2 != NULL) {
        size_t slen = len - (size_t)(c2 + 1 - in);
        if (!all_digits(c2 + 1, slen) || slen > 9 || (step = to_long(c2 + 1, slen)) == 0) {
            snprintf(why, whysz, "range %s has a bad step; the step is a number from 1 up", text);
            return -1;
        }
    }
    return parse_bounds(in, (size_t)(c1 - in), c1 + 1, (size_t)(end - c1 - 1), step, r, text, why,
                        whysz);
}

/* Finds and parses every range of pattern. Returns the number of ranges or -1. */
static int find_ranges(const char *pattern, struct range *ranges, char *why, size_t whysz)
{
    char ex[INV_EXCERPT_SIZE];
    int n = 0;

    for (size_t i = 0; pattern[i] != '\0'; i++) {
        const char *close;
        if (pattern[i] == ']') {
            snprintf(why, whysz, "unexpected ']' in '%s'; a range is written [start:end]",
                     inv_excerpt(pattern, strlen(pattern), ex));
            return -1;
        }
        if (pattern[i] != '[') {
            continue;
        }
        close = strpbrk(pattern + i + 1, "[]");
        if (close == NULL || *close == '[') {
            snprintf(why, whysz, "unterminated '[' in '%s'; close the range with ']'",
                     inv_excerpt(pattern, strlen(pattern), ex));
            return -1;
        }
        if (n == MAX_RANGES) {
            snprintf(why, whysz, "'%s' has more than %d ranges; split it",
                     inv_excerpt(pattern, strlen(pattern), ex), MAX_RANGES);
            return -1;
        }
        memset(&ranges[n], 0, sizeof(ranges[n]));
        ranges[n].open = i;
        ranges[n].close = (size_t)(close - pattern);
        if (parse_range(pattern, &ranges[n], why, whysz) < 0) {
            return -1;
        }
        i = ranges[n++].close;
    }
    return n;
}

/* Writes the name for the current odometer position idx[] into out. */
static void build_name(const char *pattern, const struct range *ranges, int n, const size_t *idx,
                       char *out)
{
    size_t from = 0, o = 0;

    for (int k = 0; k < n; k++) {
        long v = ranges[k].beg + (long)idx[k] * ranges[k].step;
        memcpy(out + o, pattern + from, ranges[k].open - from);
        o += ranges[k].open - from;
        if (ranges[k].is_letter) {
            out[o++] = letters[v];
        } else {
            o += (size_t)sprintf(out + o, "%0*ld", ranges[k].width, v);
        }
        from = ranges[k].close + 1;
    }
    strcpy(out + o, pattern + from);
}

int inv_range_expand(const char *pattern, size_t max_hosts, inv_range_fn fn, void *ctx, char *why,
                     size_t whysz)
{
    char ex[INV_EXCERPT_SIZE];
    struct range ranges[MAX_RANGES];
    size_t idx[MAX_RANGES] = {0};
    size_t total = 1;
    char *name;
    int n = find_ranges(pattern, ranges, why, whysz);
    int rc = 0;

    if (n < 0) {
        return -1;
    }
    for (int k = 0; k < n; k++) {
        if (ranges[k].count > max_hosts / total) {
            snprintf(why, whysz,
                     "'%s' expands to more hosts than the limit of %d per inventory; split it",
                     inv_excerpt(pattern, strlen(pattern), ex), FS_INVENTORY_MAX_TARGETS);
            return -1;
        }
        total *= ranges[k].count;
    }
    /* A range never expands to more characters than it is written with: its numbers have at
     * most as many digits as its end, or the width of its start. */
    name = malloc(strlen(pattern) + 1);
    if (name == NULL) {
        return -3;
    }
    for (size_t h = 0; h < total && rc == 0; h++) {
        build_name(pattern, ranges, n, idx, name);
        rc = fn(ctx, name) < 0 ? -2 : 0;
        for (int k = n - 1; k >= 0; k--) {
            if (++idx[k] < ranges[k].count) {
                break;
            }
            idx[k] = 0;
        }
    }
    free(name);
    return rc;
}
