/*
 * lines.c: turns raw inventory bytes into checked lines, and lines into words.
 *
 * Every check on the text itself (encoding, binary content, line length) happens here, once,
 * before any format reader sees a line, so the readers can treat lines as plain UTF-8 text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"

/* Length of the UTF-8 sequence starting at s[0] (at most avail bytes), or 0 when it is not
 * valid UTF-8: overlong forms, UTF-16 surrogates and code points past U+10FFFF are refused. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;

    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        lo = s[0] == 0xE0 ? 0xA0 : 0x80;
        hi = s[0] == 0xED ? 0x9F : 0xBF;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        lo = s[0] == 0xF0 ? 0x90 : 0x80;
        hi = s[0] == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (avail < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

/* Checks the bytes of one line (terminator already removed, no NUL). Returns 0 or fills err. */
static int check_line(const char *path, const struct inv_line *ln, struct fs_inventory_error *err)
{
    const unsigned char *s = (const unsigned char *)ln->text;
    size_t i = 0;

    if (ln->len > FS_INVENTORY_MAX_LINE) {
        return inv_fail(err, path, ln->no,
                        "line is longer than %d bytes; split it, or check that this file is an "
                        "inventory",
                        FS_INVENTORY_MAX_LINE);
    }
    while (i < ln->len) {
        if (s[i] == '\r') {
            return inv_fail(err, path, ln->no,
                            "carriage return at column %zu inside the line; save the file with "
                            "LF or CR LF line endings",
                            i + 1);
        }
        if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7F) {
            return inv_fail(err, path, ln->no,
                            "control character 0x%02X at column %zu; remove it (an inventory is "
                            "plain text)",
                            s[i], i + 1);
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_sequence(s + i, ln->len - i);
        if (n == 0) {
            return inv_fail(err, path, ln->no,
                            "invalid UTF-8 (byte 0x%02X at column %zu); save the file as UTF-8",
                            s[i], i + 1);
        }
        i += n;
    }
    return 0;
}

/* Appends a line to src, growing the array. Returns 0 or -1 when memory runs out. */
static int push_line(struct inv_source *src, size_t *cap, const struct inv_line *ln)
{
    if (src->n_lines == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        struct inv_line *v = realloc(src->lines, ncap * sizeof(*v));
        if (v == NULL) {
            return -1;
        }
        src->lines = v;
        *cap = ncap;
    }
    src->lines[src->n_lines++] = *ln;
    return 0;
}

/* Binary files are told apart by their first NUL byte, looked for before anything else: a
 * binary usually has other control characters earlier, and "binary file" is the message that
 * tells the user what went wrong. */
static int check_binary(const char *path, const char *text, size_t len,
                        struct fs_inventory_error *err)
{
    const char *nul = memchr(text, '\0', len);
    const char *line_start = text;
    long no = 1;

    if (nul == NULL) {
        return 0;
    }
    for (const char *p = memchr(text, '\n', (size_t)(nul - text)); p != NULL;
         p = memchr(p + 1, '\n', (size_t)(nul - p - 1))) {
        no++;
        line_start = p + 1;
    }
    return inv_fail(err, path, no > INT32_MAX ? 0 : (int)no,
                    "NUL byte at column %zu: this looks like a binary file; name a text "
                    "inventory file",
                    (size_t)(nul - line_start) + 1);
}

int inv_source_split(const char *path, const char *text, size_t len, struct inv_source *src,
                     struct fs_inventory_error *err)
{
    size_t pos = 0, cap = 0;
    long no = 0;

    memset(src, 0, sizeof(*src));
    src->path = path;
    if (check_binary(path, text, len, err) < 0) {
        return -1;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3;
    }
    src->text = text + pos;
    src->len = len - pos;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        struct inv_line ln = {text + pos, end - pos, 0};

        if (++no > INT32_MAX) {
            inv_source_free(src);
            return inv_fail(err, path, 0, "too many lines; split the inventory");
        }
        ln.no = (int)no;
        if (ln.len > 0 && ln.text[ln.len - 1] == '\r') {
            ln.len--;
        }
        pos = end + 1;
        if (check_line(path, &ln, err) < 0) {
            inv_source_free(src);
            return -1;
        }
        /* Empty lines carry nothing for any format; leaving them out saves memory. */
        if (ln.len > 0 && push_line(src, &cap, &ln) < 0) {
            inv_source_free(src);
            return inv_fail_nomem(err, path);
        }
    }
    return 0;
}

void inv_source_free(struct inv_source *src)
{
    free(src->lines);
    src->lines = NULL;
    src->n_lines = 0;
}

size_t inv_line_trim(const struct inv_line *line, size_t *begin)
{
    const char *s = line->text;
    size_t b = 0, e = line->len;

    for (size_t i = 0; i < line->len; i++) {
        if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
            e = i;
            break;
        }
    }
    while (b < e && (s[b] == ' ' || s[b] == '\t')) {
        b++;
    }
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) {
        e--;
    }
    *begin = b;
    return e - b;
}

/* Makes room for the words of a line of len bytes. Unquoted text never grows and each word
 * adds one NUL after at least one separator, so len + 1 bytes always suffice. */
static int words_reserve(struct inv_words *w, size_t len)
{
    if (w->buf_cap < len + 1) {
        char *b = realloc(w->buf, len + 1);
        if (b == NULL) {
            return -1;
        }
        w->buf = b;
        w->buf_cap = len + 1;
    }
    return 0;
}

static int words_push(struct inv_words *w, size_t start)
{
    if (w->n == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 16;
        size_t *v = realloc(w->start, ncap * sizeof(*v));
        if (v == NULL) {
            return -1;
        }
        w->start = v;
        w->cap = ncap;
    }
    w->start[w->n++] = start;
    return 0;
}

/* Copies a quoted run starting at s[*i] (the opening quote) into out at *o. Returns 0, or -1
 * when the closing quote is missing. */
static int copy_quoted(const char *s, size_t len, size_t *i, char *out, size_t *o)
{
    char q = s[(*i)++];

    while (*i < len && s[*i] != q) {
        if (q == '"' && s[*i] == '\\' && *i + 1 < len && (s[*i + 1] == '"' || s[*i + 1] == '\\')) {
            (*i)++;
        }
        out[(*o)++] = s[(*i)++];
    }
    if (*i >= len) {
        return -1;
    }
    (*i)++;
    return 0;
}

int inv_words_split(const struct inv_line *line, enum inv_quoting quoting, struct inv_words *w,
                    const char **why)
{
    const char *s = line->text;
    size_t i = 0, o = 0, len = line->len;

    w->n = 0;
    if (words_reserve(w, len) < 0) {
        return -2;
    }
    for (;;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
        if (i >= len || s[i] == '#') {
            return 0;
        }
        if (words_push(w, o) < 0) {
            return -2;
        }
        while (i < len && s[i] != ' ' && s[i] != '\t') {
            int quote = s[i] == '"' || (s[i] == '\'' && quoting == INV_QUOTE_DOUBLE_SINGLE);
            if (!quote) {
                w->buf[o++] = s[i++];
            } else if (copy_quoted(s, len, &i, w->buf, &o) < 0) {
                *why = "unterminated quote";
                return -1;
            }
        }
        w->buf[o++] = '\0';
    }
}

void inv_words_free(struct inv_words *w)
{
    free(w->buf);
    free(w->start);
    memset(w, 0, sizeof(*w));
}
