/*
 * plain.c: the plain host list, one host per line:
 *
 *     [user@]address[:port] [key=value ...]      # comment
 *
 * with the keys name=, user=, port=, identity= (repeatable) and tags=. See docs/inventory.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"

enum plain_key { KEY_NAME, KEY_USER, KEY_PORT, KEY_IDENTITY, KEY_TAGS, KEY_COUNT };

static const char *const key_names[KEY_COUNT] = {"name", "user", "port", "identity", "tags"};

/* The host field of a line, split into parts. Pointers go into the word being read. */
struct host_field {
    const char *user; /* NULL when there is no "user@" */
    size_t user_len;
    const char *addr;
    size_t addr_len;
    const char *written; /* the field without "user@": the default display name */
    int port;            /* 0 when no ":port" */
};

/* State shared by the steps that read one file. */
struct plain_reader {
    const struct inv_source *src;
    struct inv_list *list;
    struct fs_inventory_error *err;
    struct inv_names names; /* display name -> index in list */
    int line;               /* line being read */
};

static int fail(struct plain_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct plain_reader *r, const char *fmt, ...)
{
    char msg[sizeof(r->err->text)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return inv_fail(r->err, r->src->path, r->line, "%s", msg);
}

/* Reads the ":PORT" that follows an address; p points at the ':'. */
static int read_port(struct plain_reader *r, const char *field, const char *p, int *port)
{
    char ex[INV_EXCERPT_SIZE];
    int rc = inv_parse_port(p + 1, strlen(p + 1), port);

    if (rc == 0) {
        return 0;
    }
    if (p[1] == '\0') {
        return fail(r,
                    "'%s' ends with ':' but no port follows; write host:PORT with a port from 1 "
                    "to 65535",
                    inv_excerpt(field, strlen(field), ex));
    }
    if (rc == -2) {
        return fail(r, "port %s is out of range; use a port from 1 to 65535",
                    inv_excerpt(p + 1, strlen(p + 1), ex));
    }
    return fail(r, "port '%s' is not a number; use a port from 1 to 65535",
                inv_excerpt(p + 1, strlen(p + 1), ex));
}

/* Splits "[v6]" or "[v6]:port"; s points at the '['. */
static int read_bracketed(struct plain_reader *r, const char *field, const char *s,
                          struct host_field *hf)
{
    char ex[INV_EXCERPT_SIZE];
    const char *close = strchr(s, ']');

    if (close == NULL) {
        return fail(r,
                    "unterminated '[' in '%s'; write an IPv6 address with a port as "
                    "[address]:port, or an Ansible section header as [group]",
                    inv_excerpt(field, strlen(field), ex));
    }
    hf->addr = s + 1;
    hf->addr_len = (size_t)(close - s - 1);
    if (hf->addr_len == 0) {
        return fail(r, "empty address in '%s'; write [address]:port",
                    inv_excerpt(field, strlen(field), ex));
    }
    if (!inv_is_ipv6(hf->addr, hf->addr_len)) {
        return fail(r,
                    "'%s' in brackets is not an IPv6 address; brackets are only for IPv6 "
                    "literals, as in [::1]:2222",
                    inv_excerpt(hf->addr, hf->addr_len, ex));
    }
    if (close[1] == '\0') {
        return 0;
    }
    if (close[1] != ':') {
        return fail(r, "unexpected text after ']' in '%s'; write [address]:port",
                    inv_excerpt(field, strlen(field), ex));
    }
    return read_port(r, field, close + 1, &hf->port);
}

/* Rejects address text that is clearly something else: a range, a network, a list. */
static int check_address(struct plain_reader *r, const struct host_field *hf)
{
    char ex[INV_EXCERPT_SIZE];
    const char *a = inv_excerpt(hf->addr, hf->addr_len, ex);

    if (memchr(hf->addr, '=', hf->addr_len)) {
        return fail(r, "'%s' is not a host; start the line with [user@]address[:port]", a);
    }
    if (memchr(hf->addr, '/', hf->addr_len)) {
        return fail(r,
                    "'%s' is not a host name or address; networks are not expanded, list "
                    "each host on its own line",
                    a);
    }
    if (memchr(hf->addr, ',', hf->addr_len) || memchr(hf->addr, ' ', hf->addr_len) ||
        memchr(hf->addr, '\t', hf->addr_len)) {
        return fail(r, "'%s' is not one host; put each host on its own line", a);
    }
    return 0;
}

/* Splits the first word of a line: [user@]address[:port]. The user ends at the last '@' so
 * that Windows domain logins ("admin@corp.example@host") keep their own '@'. */
static int read_host_field(struct plain_reader *r, const char *field, struct host_field *hf)
{
    char ex[INV_EXCERPT_SIZE];
    const char *at = strrchr(field, '@');
    const char *rest = at != NULL ? at + 1 : field;
    const char *colon;

    memset(hf, 0, sizeof(*hf));
    if (at != NULL) {
        hf->user = field;
        hf->user_len = (size_t)(at - field);
        if (hf->user_len == 0) {
            return fail(r, "empty user before '@' in '%s'; write user@host or leave the user out",
                        inv_excerpt(field, strlen(field), ex));
        }
    }
    hf->written = rest;
    if (*rest == '\0' || *rest == ':') {
        return fail(r, "empty address in '%s'; write [user@]address[:port]",
                    inv_excerpt(field, strlen(field), ex));
    }
    if (*rest == '[') {
        return read_bracketed(r, field, rest, hf);
    }
    if (strpbrk(rest, "[]") != NULL) {
        return fail(r,
                    "'%s' holds a '[' or ']'; host ranges such as edge[01:20] need an Ansible "
                    "INI inventory (put a [group] line above the hosts)",
                    inv_excerpt(rest, strlen(rest), ex));
    }
    colon = strchr(rest, ':');
    hf->addr = rest;
    hf->addr_len = strlen(rest);
    if (colon != NULL && strchr(colon + 1, ':') != NULL) {
        /* Two or more colons: a bare IPv6 literal, which cannot carry a port. */
        if (!inv_is_ipv6(rest, hf->addr_len)) {
            return fail(r,
                        "'%s' is not a valid IPv6 address; write an IPv6 address with a port as "
                        "[address]:port",
                        inv_excerpt(rest, hf->addr_len, ex));
        }
        return 0;
    }
    if (colon != NULL) {
        hf->addr_len = (size_t)(colon - rest);
        if (read_port(r, field, colon, &hf->port) < 0) {
            return -1;
        }
    }
    return check_address(r, hf);
}

/* Says which key a "key=value" word names, failing with a suggestion for unknown keys. */
static int lookup_key(struct plain_reader *r, const char *word, size_t klen, enum plain_key *key)
{
    char ex[INV_EXCERPT_SIZE], kbuf[INV_EXCERPT_SIZE];
    const char *hint;

    for (int k = 0; k < KEY_COUNT; k++) {
        if (strlen(key_names[k]) == klen && memcmp(word, key_names[k], klen) == 0) {
            *key = (enum plain_key)k;
            return 0;
        }
    }
    if (klen == 0) {
        return fail(r, "missing key before '=' in '%s'; write key=value",
                    inv_excerpt(word, strlen(word), ex));
    }
    inv_excerpt(word, klen, kbuf);
    hint = inv_suggest(kbuf, key_names, KEY_COUNT);
    if (hint != NULL) {
        return fail(r, "unknown key '%s'; did you mean '%s'?", kbuf, hint);
    }
    return fail(r, "unknown key '%s'; the keys are name, user, port, identity and tags", kbuf);
}

/* Reads the key=value words after the host field into values[] (identity= goes straight to
 * the target, as it may repeat). */
static int read_keys(struct plain_reader *r, const struct inv_words *w, struct fs_target *t,
                     const char *values[KEY_COUNT])
{
    char ex[INV_EXCERPT_SIZE];

    for (size_t i = 1; i < w->n; i++) {
        const char *word = inv_word(w, i);
        const char *eq = strchr(word, '=');
        enum plain_key key = KEY_COUNT;

        if (eq == NULL) {
            return fail(r,
                        "expected key=value after the host, got '%s'; the keys are name, user, "
                        "port, identity and tags",
                        inv_excerpt(word, strlen(word), ex));
        }
        if (lookup_key(r, word, (size_t)(eq - word), &key) < 0) {
            return -1;
        }
        if (eq[1] == '\0') {
            return fail(r, "empty value for '%s='; give a value or leave the key out",
                        key_names[key]);
        }
        if (key == KEY_IDENTITY) {
            if (inv_target_add_identity(t, eq + 1) < 0) {
                return inv_fail_nomem(r->err, r->src->path);
            }
            continue;
        }
        if (values[key] != NULL) {
            return fail(r, "key '%s' given twice; keep one", key_names[key]);
        }
        values[key] = eq + 1;
    }
    return 0;
}

/* Merges the host field with user= and port=: both forms may be used only when they agree. */
static int merge_user_port(struct plain_reader *r, const struct host_field *hf,
                           const char *values[KEY_COUNT], struct fs_target *t)
{
    char ex1[INV_EXCERPT_SIZE], ex2[INV_EXCERPT_SIZE];
    const char *user = values[KEY_USER];
    int port = hf->port;

    if (values[KEY_PORT] != NULL) {
        int rc = inv_parse_port(values[KEY_PORT], strlen(values[KEY_PORT]), &port);
        const char *v = inv_excerpt(values[KEY_PORT], strlen(values[KEY_PORT]), ex1);
        if (rc == -2) {
            return fail(r, "port %s is out of range; use a port from 1 to 65535", v);
        }
        if (rc < 0) {
            return fail(r, "port '%s' is not a number; use a port from 1 to 65535", v);
        }
        if (hf->port != 0 && hf->port != port) {
            return fail(r, "port given twice: %d after ':' and port=%d; keep one", hf->port, port);
        }
    }
    if (hf->user != NULL && user != NULL &&
        (strlen(user) != hf->user_len || memcmp(user, hf->user, hf->user_len) != 0)) {
        return fail(r, "user given twice: '%s' before '@' and user=%s; keep one",
                    inv_excerpt(hf->user, hf->user_len, ex1), inv_excerpt(user, strlen(user), ex2));
    }
    t->port = port;
    if (user != NULL) {
        t->user = strdup(user);
    } else if (hf->user != NULL) {
        t->user = inv_strndup(hf->user, hf->user_len);
    }
    if ((user != NULL || hf->user != NULL) && t->user == NULL) {
        return inv_fail_nomem(r->err, r->src->path);
    }
    return 0;
}

/* Fills in the strings of t and registers its name; fails on a name already used. */
static int finish_target(struct plain_reader *r, const struct host_field *hf,
                         const char *values[KEY_COUNT], struct fs_target *t)
{
    char ex[INV_EXCERPT_SIZE];
    size_t first;
    int rc;

    t->address = inv_strndup(hf->addr, hf->addr_len);
    t->name = values[KEY_NAME] ? strdup(values[KEY_NAME]) : strdup(hf->written);
    t->tags = values[KEY_TAGS] ? strdup(values[KEY_TAGS]) : NULL;
    if (t->address == NULL || t->name == NULL || (values[KEY_TAGS] && t->tags == NULL)) {
        return inv_fail_nomem(r->err, r->src->path);
    }
    rc = inv_names_put(&r->names, t->name, r->list->n - 1, &first);
    if (rc < 0) {
        return inv_fail_nomem(r->err, r->src->path);
    }
    if (rc == 1) {
        return fail(r,
                    "host name '%s' is already used on line %d; remove the duplicate line or "
                    "give one of them a different name=",
                    inv_excerpt(t->name, strlen(t->name), ex), r->list->v[first].line);
    }
    return 0;
}

/* Reads one non-empty line already split into words. */
static int read_host_line(struct plain_reader *r, const struct inv_words *w)
{
    const char *values[KEY_COUNT] = {0};
    struct host_field hf;
    struct fs_target *t;

    if (read_host_field(r, inv_word(w, 0), &hf) < 0) {
        return -1;
    }
    if (r->list->n >= FS_INVENTORY_MAX_TARGETS) {
        return fail(r, "more than %d hosts; split the inventory into several files",
                    FS_INVENTORY_MAX_TARGETS);
    }
    t = inv_list_add(r->list);
    if (t == NULL) {
        return inv_fail_nomem(r->err, r->src->path);
    }
    t->line = r->line;
    if (read_keys(r, w, t, values) < 0 || merge_user_port(r, &hf, values, t) < 0) {
        return -1;
    }
    return finish_target(r, &hf, values, t);
}

static int plain_parse(const struct inv_source *src, struct inv_list *list,
                       struct fs_inventory_error *err)
{
    struct plain_reader r = {src, list, err, {0}, 0};
    struct inv_words w = {0};
    int rc = 0;

    for (size_t i = 0; i < src->n_lines && rc == 0; i++) {
        const char *why = NULL;
        r.line = src->lines[i].no;
        rc = inv_words_split(&src->lines[i], INV_QUOTE_DOUBLE, &w, &why);
        if (rc == -2) {
            rc = inv_fail_nomem(err, src->path);
        } else if (rc < 0) {
            rc = fail(&r, "%s; close the value with a matching '\"'", why);
        } else if (w.n > 0) {
            rc = read_host_line(&r, &w);
        }
    }
    if (rc == 0 && list->n == 0) {
        rc = inv_fail(err, src->path, 0,
                      "no hosts found; list one host per line, e.g. admin@10.0.0.5:22");
    }
    inv_words_free(&w);
    inv_names_free(&r.names);
    return rc;
}

/* The plain list is the fallback format: it claims every file no other reader claims. */
static int plain_detect(const struct inv_source *src)
{
    (void)src;
    return 1;
}

const struct inv_format inv_format_plain = {
    .name = "plain",
    .detect = plain_detect,
    .parse = plain_parse,
};
