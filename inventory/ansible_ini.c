/*
 * ansible_ini.c: reads an Ansible INI inventory into the model of inv_internal.h.
 *
 *     host1 ansible_host=10.0.0.1            # before any section: ungrouped
 *     [web]
 *     web[01:20].example ansible_port=2222   # ranges expand to web01..web20
 *     [web:vars]
 *     ansible_user = deploy
 *     [prod:children]
 *     web
 *
 * Reading only records what each line says; ansible_resolve.c checks the group graph and
 * applies the variable precedence once the whole file is known. See docs/inventory.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"

enum section { SECTION_HOSTS, SECTION_VARS, SECTION_CHILDREN };

struct ini_reader {
    const struct inv_source *src;
    struct fs_inventory_error *err;
    struct inv_ans_model *m;
    struct inv_words words;
    int line;
    size_t cur; /* group of the current section */
    enum section section;
    /* The host line being read: its variables (borrowed from words) and ":port". */
    const char *line_vars[INV_ANS_COUNT];
    const char *alias_port;
};

static int fail(struct ini_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct ini_reader *r, const char *fmt, ...)
{
    char msg[sizeof(r->err->text)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return inv_fail(r->err, r->src->path, r->line, "%s", msg);
}

static int nomem(struct ini_reader *r)
{
    return inv_fail_nomem(r->err, r->src->path);
}

/* Classifies key=value: returns the setting it sets, -1 for a variable fleetscan ignores, or
 * -2 after failing on a misspelling of a variable fleetscan reads or a bad value. */
static int classify_var(struct ini_reader *r, const char *key, const char *value)
{
    char why[sizeof(r->err->text)];
    int setting = inv_ans_classify_var(key, value, why, sizeof(why));

    if (setting == -2) {
        fail(r, "%s", why);
    }
    return setting;
}

/* Reads "[name]", "[name:vars]", "[name:children]" or "[name:hosts]" (s[0..len) is trimmed). */
static int read_section(struct ini_reader *r, const char *s, size_t len)
{
    char ex[INV_EXCERPT_SIZE], tx[INV_EXCERPT_SIZE];
    const char *in = s + 1, *colon = memchr(s + 1, ':', len - 2);
    size_t nlen = colon ? (size_t)(colon - in) : len - 2;
    const char *type = colon ? colon + 1 : "";
    size_t tlen = colon ? (size_t)(s + len - 1 - type) : 0;
    struct inv_ans_group *g;

    inv_excerpt(s, len, ex);
    if (nlen == 0) {
        return fail(r, "no group name in '%s'; write [group], [group:vars] or [group:children]",
                    ex);
    }
    for (size_t i = 0; i < nlen; i++) {
        if (strchr(" \t[]", in[i]) != NULL) {
            return fail(r,
                        "'%s' is not a valid section header; group names have no spaces or "
                        "brackets",
                        ex);
        }
    }
    if (inv_ans_group_get(r->m, in, nlen, &r->cur) < 0) {
        return nomem(r);
    }
    g = &r->m->groups[r->cur];
    if (tlen == 0 || (tlen == 5 && memcmp(type, "hosts", 5) == 0)) {
        r->section = SECTION_HOSTS;
    } else if (tlen == 8 && memcmp(type, "children", 8) == 0) {
        r->section = SECTION_CHILDREN;
    } else if (tlen == 4 && memcmp(type, "vars", 4) == 0) {
        r->section = SECTION_VARS;
        if (!g->declared && g->ref_line == 0) {
            g->ref_line = r->line;
            g->ref_is_vars = 1;
        }
        return 0;
    } else {
        return fail(r,
                    "unknown section type ':%s' in '%s'; use [group], [group:vars] or "
                    "[group:children]",
                    inv_excerpt(type, tlen, tx), ex);
    }
    g->declared = 1;
    return 0;
}

/* Reads the value of a [group:vars] line: quoted (quotes removed) or bare up to a comment. */
static int vars_value(struct ini_reader *r, const char *s, size_t len, char **out)
{
    size_t b = 0, e;

    while (b < len && (s[b] == ' ' || s[b] == '\t')) {
        b++;
    }
    if (b < len && (s[b] == '"' || s[b] == '\'')) {
        const char *close = memchr(s + b + 1, s[b], len - b - 1);
        struct inv_line rest;
        size_t rb;
        if (close == NULL) {
            return fail(r, "unterminated quote; close the value with a matching %c", s[b]);
        }
        rest.text = close + 1;
        rest.len = (size_t)(s + len - close - 1);
        if (inv_line_trim(&rest, &rb) != 0) {
            return fail(r, "unexpected text after the closing quote; put a '#' before a comment");
        }
        *out = inv_strndup(s + b + 1, (size_t)(close - s - b - 1));
    } else {
        struct inv_line rest = {s + b, len - b, 0};
        e = inv_line_trim(&rest, &b);
        *out = inv_strndup(rest.text + b, e);
    }
    return *out == NULL ? nomem(r) : 0;
}

/* Reads "key = value" in a [group:vars] section. */
static int read_vars_line(struct ini_reader *r, const struct inv_line *ln)
{
    char ex[INV_EXCERPT_SIZE];
    const char *eq = memchr(ln->text, '=', ln->len);
    size_t kb, klen;
    char *key, *value = NULL;
    int setting, rc = 0;

    if (eq == NULL) {
        size_t b, n = inv_line_trim(ln, &b);
        return fail(r,
                    "expected key=value in [%s:vars], got '%s'; write one variable per line as "
                    "key=value",
                    r->m->groups[r->cur].name, inv_excerpt(ln->text + b, n, ex));
    }
    struct inv_line k = {ln->text, (size_t)(eq - ln->text), ln->no};
    klen = inv_line_trim(&k, &kb);
    if (klen == 0 || memchr(ln->text + kb, ' ', klen) || memchr(ln->text + kb, '\t', klen)) {
        return fail(r, "expected one variable name before '=', got '%s'; write key=value",
                    inv_excerpt(ln->text, (size_t)(eq - ln->text), ex));
    }
    key = inv_strndup(ln->text + kb, klen);
    if (key == NULL || vars_value(r, eq + 1, ln->len - (size_t)(eq + 1 - ln->text), &value) < 0) {
        free(key);
        return key == NULL ? nomem(r) : -1;
    }
    setting = classify_var(r, key, value);
    if (setting == -2) {
        rc = -1;
    } else if (setting >= 0 &&
               inv_ans_set_value(&r->m->groups[r->cur].vars[setting], value, r->line) < 0) {
        rc = nomem(r);
    }
    free(key);
    free(value);
    return rc;
}

/* Reads one group name in a [group:children] section. */
static int read_child_line(struct ini_reader *r, const struct inv_line *ln)
{
    char ex[INV_EXCERPT_SIZE];
    size_t b, n = inv_line_trim(ln, &b), child;
    const char *s = ln->text + b;
    struct inv_ans_model *m = r->m;
    struct inv_ans_group *g;

    /* read_line passes no blank lines, so n > 0. */
    for (size_t i = 0; i < n; i++) {
        if (strchr(" \t:[]", s[i]) != NULL) {
            return fail(r,
                        "expected a group name in [%s:children], got '%s'; write one group name "
                        "per line",
                        m->groups[r->cur].name, inv_excerpt(s, n, ex));
        }
    }
    if (n == 3 && memcmp(s, "all", 3) == 0) {
        return fail(r, "'all' cannot be a child group; every group is already inside 'all'");
    }
    if (inv_ans_group_get(m, s, n, &child) < 0) {
        return nomem(r);
    }
    g = &m->groups[child];
    if (!g->declared && g->ref_line == 0) {
        g->ref_line = r->line;
        g->ref_is_vars = 0;
        g->ref_parent = r->cur;
    }
    if (inv_ans_add_child(m, r->cur, child, r->line, 0) < 0) {
        return nomem(r);
    }
    return 0;
}

/* Adds one expanded host name of the current line: the host joins the current group, then
 * gets ":port" and the line's variables (over what an earlier line set). */
static int add_host(void *ctx, const char *name)
{
    struct ini_reader *r = ctx;
    struct inv_ans_host *h;
    size_t idx;
    int rc = inv_ans_host_get(r->m, name, r->line, &idx);

    if (rc == -2) {
        return fail(r, "more than %d hosts; split the inventory into several files",
                    FS_INVENTORY_MAX_TARGETS);
    }
    if (rc < 0 || inv_ans_host_join(r->m, idx, r->cur) < 0) {
        return nomem(r);
    }
    h = &r->m->hosts[idx];
    if (r->alias_port && inv_ans_set_value(&h->vars[INV_ANS_PORT], r->alias_port, r->line) < 0) {
        return nomem(r);
    }
    for (int s = 0; s < INV_ANS_COUNT; s++) {
        if (r->line_vars[s] && inv_ans_set_value(&h->vars[s], r->line_vars[s], r->line) < 0) {
            return nomem(r);
        }
    }
    return 0;
}

/* Splits a host pattern into the name part (returned in *name, to free) and ":port" (kept in
 * r->alias_port, pointing into pattern). Handles "[v6]", "[v6]:port", bare IPv6 literals,
 * "name:port" and ranges. */
static int split_pattern(struct ini_reader *r, char *pattern, char **name)
{
    char why[sizeof(r->err->text)];
    char *start;

    if (inv_ans_split_pattern(pattern, &start, &r->alias_port, why, sizeof(why)) < 0) {
        return fail(r, "%s", why);
    }
    *name = strdup(start);
    return *name == NULL ? nomem(r) : 0;
}

/* Reads the key=value words after a host pattern into r->line_vars. */
static int read_line_vars(struct ini_reader *r)
{
    char ex[INV_EXCERPT_SIZE];

    for (size_t i = 1; i < r->words.n; i++) {
        char *word = r->words.buf + r->words.start[i];
        char *eq = strchr(word, '=');
        int setting;

        if (eq == NULL || eq == word) {
            return fail(r,
                        "expected key=value after the host, got '%s'; write variables as key=value",
                        inv_excerpt(word, strlen(word), ex));
        }
        *eq = '\0';
        setting = classify_var(r, word, eq + 1);
        if (setting == -2) {
            return -1;
        }
        if (setting >= 0) {
            r->line_vars[setting] = eq + 1;
        }
    }
    return 0;
}

/* Reads one host line of a [group] section (or before any section). */
static int read_host_line(struct ini_reader *r, const struct inv_line *ln)
{
    char why[sizeof(r->err->text)];
    char *pattern, *name = NULL;
    const char *msg = NULL;
    int rc;

    rc = inv_words_split(ln, INV_QUOTE_DOUBLE_SINGLE, &r->words, &msg);
    if (rc < 0) {
        return rc == -2 ? nomem(r) : fail(r, "%s; close the value with a matching quote", msg);
    }
    if (r->words.n == 0) {
        return 0;
    }
    memset(r->line_vars, 0, sizeof(r->line_vars));
    r->alias_port = NULL;
    pattern = r->words.buf + r->words.start[0];
    if (read_line_vars(r) < 0 || split_pattern(r, pattern, &name) < 0) {
        return -1;
    }
    rc = inv_range_expand(name, FS_INVENTORY_MAX_TARGETS - r->m->n_hosts, add_host, r, why,
                          sizeof(why));
    free(name);
    if (rc == -1) {
        return fail(r, "%s", why);
    }
    return rc == -3 ? nomem(r) : rc;
}

/* Says whether the trimmed line s[0..len) is a section header: "[...]" holding something
 * other than an IPv6 literal (a line "[fe80::1]" names a host). */
static int is_section(const char *s, size_t len)
{
    return len >= 2 && s[0] == '[' && s[len - 1] == ']' && !inv_is_ipv6(s + 1, len - 2);
}

static int read_line(struct ini_reader *r, const struct inv_line *ln)
{
    char ex[INV_EXCERPT_SIZE];
    size_t b, n = inv_line_trim(ln, &b);
    const char *s = ln->text + b;

    r->line = ln->no;
    if (n == 0 || s[0] == ';') {
        return 0;
    }
    if (is_section(s, n)) {
        return read_section(r, s, n);
    }
    if (s[0] == '[' && memchr(s, ']', n) == NULL) {
        return fail(r, "unterminated '[' in '%s'; write a section header as [group]",
                    inv_excerpt(s, n, ex));
    }
    switch (r->section) {
    case SECTION_VARS:
        return read_vars_line(r, ln);
    case SECTION_CHILDREN:
        return read_child_line(r, ln);
    case SECTION_HOSTS:
        break;
    }
    return read_host_line(r, ln);
}

static int ini_parse(const struct inv_source *src, struct inv_list *list,
                     struct fs_inventory_error *err)
{
    struct inv_ans_model m = {0};
    struct ini_reader r = {.src = src, .err = err, .m = &m, .section = SECTION_HOSTS};
    int rc = 0;

    /* Like Ansible, start as if the file began with "[ungrouped]". */
    r.cur = INV_ANS_UNGROUPED;
    if (inv_ans_model_init(&m) < 0) {
        rc = nomem(&r);
    }
    for (size_t i = 0; i < src->n_lines && rc == 0; i++) {
        rc = read_line(&r, &src->lines[i]);
    }
    if (rc == 0) {
        rc = inv_ans_resolve(src, &m, list, err);
    }
    inv_words_free(&r.words);
    inv_ans_model_free(&m);
    return rc;
}

/* An Ansible INI file has a section header, or sets an ansible_* variable on a host line. */
static int ini_detect(const struct inv_source *src)
{
    static const char prefix[] = "ansible_";

    for (size_t i = 0; i < src->n_lines; i++) {
        const struct inv_line *ln = &src->lines[i];
        size_t b, n = inv_line_trim(ln, &b);
        const char *s = ln->text + b;

        if (is_section(s, n)) {
            return 1;
        }
        for (size_t j = 0; j + sizeof(prefix) - 1 < n; j++) {
            if ((j == 0 || s[j - 1] == ' ' || s[j - 1] == '\t') &&
                memcmp(s + j, prefix, sizeof(prefix) - 1) == 0) {
                size_t k = j + sizeof(prefix) - 1;
                while (k < n && s[k] != '=' && strchr(" \t", s[k]) == NULL) {
                    k++;
                }
                if (k < n && s[k] == '=') {
                    return 1;
                }
            }
        }
    }
    return 0;
}

const struct inv_format inv_format_ansible_ini = {
    .name = "ansible-ini",
    .detect = ini_detect,
    .parse = ini_parse,
};
