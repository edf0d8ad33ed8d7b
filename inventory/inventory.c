/*
 * inventory.c: reads the inventory file, picks the format reader and hands back the targets.
 * Also holds what every reader shares: the error writer, the target list and small string
 * helpers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/inv_internal.h"

/* Larger files are refused before parsing: a million hosts on lines of a few hundred bytes
 * stays far below this, and reading a mistaken path (a disk image, /dev/zero) must end. */
#define MAX_FILE_BYTES (1024UL * 1024 * 1024)

/* Formats in detection order: the first whose detect() says yes reads the file. YAML comes
 * first because a YAML flow sequence ("[a, b]") would look like an INI section header; the
 * plain list accepts anything, so it comes last. */
static const struct inv_format *const formats[] = {
    &inv_format_ansible_yaml,
    &inv_format_ansible_ini,
    &inv_format_plain,
};

int inv_fail(struct fs_inventory_error *err, const char *path, int line, const char *fmt, ...)
{
    int used;
    va_list ap;

    if (err == NULL) {
        return -1;
    }
    if (path == NULL) {
        path = "<inventory>";
    }
    if (line > 0) {
        used = snprintf(err->text, sizeof(err->text), "%s:%d: ", path, line);
    } else {
        used = snprintf(err->text, sizeof(err->text), "%s: ", path);
    }
    if (used < 0 || (size_t)used >= sizeof(err->text)) {
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(err->text + used, sizeof(err->text) - (size_t)used, fmt, ap);
    va_end(ap);
    return -1;
}

int inv_fail_at(struct fs_inventory_error *err, const char *path, int line, int column,
                const char *fmt, ...)
{
    char msg[sizeof(err->text)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (column <= 0 || line <= 0) {
        return inv_fail(err, path, line, "%s", msg);
    }
    if (err != NULL) {
        snprintf(err->text, sizeof(err->text), "%s:%d:%d: %s", path ? path : "<inventory>", line,
                 column, msg);
    }
    return -1;
}

int inv_fail_nomem(struct fs_inventory_error *err, const char *path)
{
    return inv_fail(err, path, 0,
                    "out of memory while reading the inventory; free some memory "
                    "or split the inventory");
}

const char *inv_excerpt(const char *s, size_t len, char out[INV_EXCERPT_SIZE])
{
    const size_t keep = 60;
    size_t n = len;

    if (n > keep) {
        n = keep;
        /* Back off to the start of a UTF-8 character so the message stays valid text. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    /* A message is one line of text: control characters (a YAML scalar may span lines) and
     * NULs are shown as '?'. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (n < len) {
        memcpy(out + n, "...", 4);
    } else {
        out[n] = '\0';
    }
    return out;
}

struct fs_target *inv_list_add(struct inv_list *list)
{
    struct fs_target *t;

    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 64;
        struct fs_target *v = realloc(list->v, cap * sizeof(*v));
        if (v == NULL) {
            return NULL;
        }
        list->v = v;
        list->cap = cap;
    }
    t = &list->v[list->n++];
    memset(t, 0, sizeof(*t));
    return t;
}

static void target_clear(struct fs_target *t)
{
    free(t->name);
    free(t->address);
    free(t->user);
    for (size_t i = 0; i < t->n_identities; i++) {
        free(t->identities[i]);
    }
    free(t->identities);
    free(t->tags);
    free(t->ssh_args);
}

void inv_list_free(struct inv_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        target_clear(&list->v[i]);
    }
    free(list->v);
    list->v = NULL;
    list->n = list->cap = 0;
}

int inv_target_add_identity(struct fs_target *t, const char *path)
{
    char **v;
    char *copy = inv_expand_home(path);

    if (copy == NULL) {
        return -1;
    }
    v = realloc(t->identities, (t->n_identities + 1) * sizeof(*v));
    if (v == NULL) {
        free(copy);
        return -1;
    }
    t->identities = v;
    t->identities[t->n_identities++] = copy;
    return 0;
}

char *inv_strndup(const char *s, size_t len)
{
    char *p = malloc(len + 1);

    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *inv_expand_home(const char *path)
{
    const char *home = getenv("HOME");
    size_t hlen, plen;
    char *p;

    if (strncmp(path, "~/", 2) != 0 || home == NULL || home[0] == '\0') {
        return strdup(path);
    }
    hlen = strlen(home);
    /* "/home/x/" + ".ssh/id" must not become "/home/x//.ssh/id". */
    while (hlen > 1 && home[hlen - 1] == '/') {
        hlen--;
    }
    plen = strlen(path + 1);
    p = malloc(hlen + plen + 1);
    if (p != NULL) {
        memcpy(p, home, hlen);
        memcpy(p + hlen, path + 1, plen + 1);
    }
    return p;
}

int inv_parse_port(const char *s, size_t len, int *port)
{
    long v = 0;

    if (len == 0) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        /* Stop accumulating early: the exact value of an absurd number does not matter. */
        if (v <= 65535) {
            v = v * 10 + (s[i] - '0');
        }
    }
    if (v < 1 || v > 65535) {
        return -2;
    }
    *port = (int)v;
    return 0;
}

int inv_is_ipv6(const char *s, size_t len)
{
    char buf[INET6_ADDRSTRLEN + 1];
    unsigned char bin[16];
    const char *zone = memchr(s, '%', len);

    if (zone != NULL) {
        /* A zone ("fe80::1%eth0") is not understood by inet_pton; it needs a non-empty name. */
        if ((size_t)(zone - s) + 1 >= len) {
            return 0;
        }
        len = (size_t)(zone - s);
    }
    if (len == 0 || len >= sizeof(buf) || memchr(s, ':', len) == NULL) {
        return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET6, buf, bin) == 1;
}

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions), so that
 * "prot" is one edit from "port". Both words are short keys; longer input is cut off. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAXW = 48 };
    size_t d[MAXW + 1][MAXW + 1];
    size_t la = strlen(a), lb = strlen(b);

    if (la > MAXW || lb > MAXW) {
        return (size_t)-1;
    }
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (d[i - 1][j - 1] + cost < best) {
                best = d[i - 1][j - 1] + cost;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *inv_suggest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;

    for (size_t i = 0; i < n; i++) {
        size_t dist = edit_distance(word, candidates[i]);
        /* Short keys allow one slip, longer ones two; more would suggest unrelated words. */
        size_t limit = strlen(candidates[i]) <= 4 ? 1 : 2;
        if (dist <= limit && dist < best_d) {
            best = candidates[i];
            best_d = dist;
        }
    }
    return best;
}

/* Reads fd to the end into a new buffer (*text, *len; the caller frees *text). Returns 0 or
 * an errno value: EFBIG past MAX_FILE_BYTES, ENOMEM, or what read() reported. Reading stops
 * early at a NUL byte: the parser then reports the binary file with its line number. */
static int read_all(int fd, char **text, size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);

    if (buf == NULL) {
        return ENOMEM;
    }
    for (;;) {
        ssize_t got;
        if (n == cap) {
            char *grown = n >= MAX_FILE_BYTES ? NULL : realloc(buf, cap * 2);
            if (grown == NULL) {
                free(buf);
                return n >= MAX_FILE_BYTES ? EFBIG : ENOMEM;
            }
            buf = grown;
            cap *= 2;
        }
        got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            int e = errno;
            free(buf);
            return e;
        }
        n += (size_t)got;
        if (got == 0 || memchr(buf + n - (size_t)got, '\0', (size_t)got) != NULL) {
            break;
        }
    }
    *text = buf;
    *len = n;
    return 0;
}

/* Reads the whole file at path (see read_all) or fills err with a message naming it. */
static int read_file(const char *path, char **text, size_t *len, struct fs_inventory_error *err)
{
    struct stat st;
    int e, fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return inv_fail(err, path, 0, "cannot read: %s; check the inventory path", strerror(errno));
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return inv_fail(err, path, 0, "cannot read: %s; name an inventory file", strerror(EISDIR));
    }
    e = read_all(fd, text, len);
    close(fd);
    if (e == EFBIG) {
        return inv_fail(err, path, 0,
                        "file is larger than 1 GiB; is this an inventory? split it if so");
    }
    if (e == ENOMEM) {
        return inv_fail_nomem(err, path);
    }
    if (e != 0) {
        return inv_fail(err, path, 0, "cannot read: %s; check the inventory file", strerror(e));
    }
    return 0;
}

int fs_inventory_load(const char *path, struct fs_inventory **out, struct fs_inventory_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if (read_file(path, &text, &len, err) < 0) {
        return -1;
    }
    rc = fs_inventory_parse(path, text, len, out, err);
    free(text);
    return rc;
}

/* Picks the reader for src. The plain list is the fallback, so this always finds one. */
static const struct inv_format *detect_format(const struct inv_source *src)
{
    size_t n = sizeof(formats) / sizeof(formats[0]);

    for (size_t i = 0; i + 1 < n; i++) {
        if (formats[i]->detect(src)) {
            return formats[i];
        }
    }
    return formats[n - 1];
}

int fs_inventory_parse(const char *path, const char *text, size_t len, struct fs_inventory **out,
                       struct fs_inventory_error *err)
{
    struct inv_source src = {0};
    struct inv_list list = {0};
    const struct inv_format *format;
    struct fs_inventory *inv = NULL;
    int rc = -1;

    *out = NULL;
    if (path == NULL) {
        path = "<inventory>";
    }
    if (text == NULL) {
        text = "";
        len = 0;
    }
    if (inv_source_split(path, text, len, &src, err) < 0) {
        goto out;
    }
    format = detect_format(&src);
    if (format->parse(&src, &list, err) < 0) {
        goto out;
    }
    inv = calloc(1, sizeof(*inv));
    if (inv == NULL || (inv->path = strdup(path)) == NULL) {
        free(inv);
        inv = NULL;
        inv_fail_nomem(err, path);
        goto out;
    }
    inv->format = format->name;
    inv->targets = list.v;
    inv->n_targets = list.n;
    list.v = NULL; /* transferred */
    list.n = list.cap = 0;
    *out = inv;
    rc = 0;
out:
    inv_list_free(&list);
    inv_source_free(&src);
    return rc;
}

void fs_inventory_free(struct fs_inventory *inv)
{
    if (inv == NULL) {
        return;
    }
    for (size_t i = 0; i < inv->n_targets; i++) {
        target_clear(&inv->targets[i]);
    }
    free(inv->targets);
    free(inv->path);
    free(inv);
}
