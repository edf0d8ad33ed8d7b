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

/* The variables fleetscan reads, under every name Ansible accepts for them. */
static const char *const var_names[] = {
    "ansible_host",
    "ansible_ssh_host",
    "ansible_port",
    "ansible_ssh_port",
    "ansible_user",
    "ansible_ssh_user",
    "ansible_ssh_private_key_file",
    "ansible_private_key_file",
    "ansible_group_priority",
    "ansible_ssh_common_args",
};
static const enum inv_ans_setting var_settings[] = {
    INV_ANS_HOST, INV_ANS_HOST, INV_ANS_PORT, INV_ANS_PORT,     INV_ANS_USER,
    INV_ANS_USER, INV_ANS_KEY,  INV_ANS_KEY,  INV_ANS_PRIORITY, INV_ANS_SSH_ARGS,
};
#define N_VARS (sizeof(var_names) / sizeof(var_names[0]))

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

/* Makes room for one more element in array v (n used, *cap allocated, sz bytes each). Returns
 * the array, moved or not, or NULL when memory runs out (v is then left as it was). */
static void *grow(void *v, size_t *cap, size_t n, size_t sz)
{
    void *p;
    size_t ncap;

    if (n < *cap) {
        return v;
    }
    ncap = *cap ? *cap * 2 : 8;
    p = realloc(v, ncap * sz);
    if (p != NULL) {
        *cap = ncap;
    }
    return p;
}

/* Finds the group called name[0..len), creating it when new. Returns 0 or -1 (memory). */
static int group_get(struct inv_ans_model *m, const char *name, size_t len, size_t *idx)
{
    struct inv_ans_group *g;
    char *copy = inv_strndup(name, len);
    int rc;

    g = copy ? grow(m->groups, &m->cap_groups, m->n_groups, sizeof(*g)) : NULL;
    if (g == NULL) {
        free(copy);
        return -1;
    }
    m->groups = g;
    rc = inv_names_put(&m->group_names, copy, m->n_groups, idx);
    if (rc != 0) {
        free(copy);
        return rc < 0 ? -1 : 0;
    }
    g = &m->groups[m->n_groups];
    memset(g, 0, sizeof(*g));
    g->name = copy;
    g->priority = 1;
    *idx = m->n_groups++;
    return 0;
}

/* Looks a variable name up: its setting, or -1 when fleetscan does not read it. */
static int var_setting(const char *key)
{
    for (size_t i = 0; i < N_VARS; i++) {
        if (strcmp(key, var_names[i]) == 0) {
            return (int)var_settings[i];
        }
    }
    return -1;
}

/* Checks one value of a variable fleetscan reads. */
static int check_value(struct ini_reader *r, const char *key, int setting, const char *v)
{
    char ex[INV_EXCERPT_SIZE];
    int port;

    if (v[0] == '\0') {
        return fail(r, "empty value for '%s'; give a value or remove the variable", key);
    }
    inv_excerpt(v, strlen(v), ex);
    if (setting == INV_ANS_PORT) {
        int rc = inv_parse_port(v, strlen(v), &port);
        if (rc == -2) {
            return fail(r, "%s %s is out of range; use a port from 1 to 65535", key, ex);
        }
        if (rc < 0) {
            return fail(r, "%s '%s' is not a number; use a port from 1 to 65535", key, ex);
        }
    }
    if (setting == INV_ANS_PRIORITY) {
        size_t i = v[0] == '-' ? 1 : 0;
        size_t n = strspn(v + i, "0123456789");
        if (n == 0 || n > 9 || v[i + n] != '\0') {
            return fail(r, "%s '%s' is not a number; write a whole number such as 10", key, ex);
        }
    }
    if (setting == INV_ANS_HOST && strpbrk(v, " \t") != NULL) {
        return fail(r, "%s '%s' contains a space; give one host name or address", key, ex);
    }
    return 0;
}

/* Classifies key=value: returns the setting it sets, -1 for a variable fleetscan ignores, or
 * -2 after failing on a misspelling of a variable fleetscan reads or a bad value. */
static int classify_var(struct ini_reader *r, const char *key, const char *value)
{
    char ex[INV_EXCERPT_SIZE];
    int setting = var_setting(key);
    const char *hint;

    if (setting >= 0) {
        return check_value(r, key, setting, value) < 0 ? -2 : setting;
    }
    /* Inventories carry many variables for other tools; only near-misses of the ones read
     * here are worth stopping for, since they would silently change what gets scanned. */
    hint = inv_suggest(key, var_names, N_VARS);
    if (hint != NULL) {
        fail(r, "unknown variable '%s'; did you mean '%s'?", inv_excerpt(key, strlen(key), ex),
             hint);
        return -2;
    }
    return -1;
}

/* Stores a copy of text in *v, replacing what an earlier line of the same scope set. */
static int set_value(struct inv_ans_value *v, const char *text, int line)
{
    char *copy = strdup(text);

    if (copy == NULL) {
        return -1;
    }
    free(v->text);
    v->text = copy;
    v->line = line;
    return 0;
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
    if (group_get(r->m, in, nlen, &r->cur) < 0) {
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
    } else if (setting >= 0 && set_value(&r->m->groups[r->cur].vars[setting], value, r->line) < 0) {
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
    struct inv_ans_group *g, *parent;
    struct inv_ans_edge *edges;
    size_t *parents;

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
    if (group_get(m, s, n, &child) < 0) {
        return nomem(r);
    }
    g = &m->groups[child];
    if (!g->declared && g->ref_line == 0) {
        g->ref_line = r->line;
        g->ref_is_vars = 0;
        g->ref_parent = r->cur;
    }
    parent = &m->groups[r->cur];
    edges = grow(parent->children, &parent->cap_children, parent->n_children, sizeof(*edges));
    if (edges == NULL) {
        return nomem(r);
    }
    parent->children = edges;
    parents = grow(g->parents, &g->cap_parents, g->n_parents, sizeof(*parents));
    if (parents == NULL) {
        return nomem(r);
    }
    g->parents = parents;
    g->parents[g->n_parents++] = r->cur;
    parent->children[parent->n_children++] = (struct inv_ans_edge){child, r->line};
    return 0;
}

/* Finds the host called name, creating it (first seen on the current line) when new. Returns
 * 0 or fails. */
static int host_get(struct ini_reader *r, const char *name, size_t *idx)
{
    struct inv_ans_model *m = r->m;
    struct inv_ans_host *hosts;
    char *copy;

    if (inv_names_get(&m->host_names, name, idx)) {
        return 0;
    }
    if (m->n_hosts >= FS_INVENTORY_MAX_TARGETS) {
        return fail(r, "more than %d hosts; split the inventory into several files",
                    FS_INVENTORY_MAX_TARGETS);
    }
    hosts = grow(m->hosts, &m->cap_hosts, m->n_hosts, sizeof(*hosts));
    if (hosts == NULL) {
        return nomem(r);
    }
    m->hosts = hosts;
    copy = strdup(name);
    if (copy == NULL || inv_names_put(&m->host_names, copy, m->n_hosts, idx) < 0) {
        free(copy);
        return nomem(r);
    }
    memset(&hosts[m->n_hosts], 0, sizeof(hosts[0]));
    hosts[m->n_hosts].name = copy;
    hosts[m->n_hosts].line = r->line;
    *idx = m->n_hosts++;
    return 0;
}

/* Adds one expanded host name of the current line: the host joins the current group, then
 * gets ":port" and the line's variables (over what an earlier line set). */
static int add_host(void *ctx, const char *name)
{
    struct ini_reader *r = ctx;
    struct inv_ans_host *h;
    size_t idx, i = 0;

    if (host_get(r, name, &idx) < 0) {
        return -1;
    }
    h = &r->m->hosts[idx];
    while (i < h->n_groups && h->groups[i] != r->cur) {
        i++;
    }
    if (i == h->n_groups) {
        size_t *groups = grow(h->groups, &h->cap_groups, h->n_groups, sizeof(*groups));
        if (groups == NULL) {
            return nomem(r);
        }
        h->groups = groups;
        h->groups[h->n_groups++] = r->cur;
    }
    if (r->alias_port && set_value(&h->vars[INV_ANS_PORT], r->alias_port, r->line) < 0) {
        return nomem(r);
    }
    for (int s = 0; s < INV_ANS_COUNT; s++) {
        if (r->line_vars[s] && set_value(&h->vars[s], r->line_vars[s], r->line) < 0) {
            return nomem(r);
        }
    }
    return 0;
}

/* Finds the ':' that starts the port of pattern, or NULL when there is none. Colons inside
 * ranges do not count, and a pattern with two or more colons is a bare IPv6 literal, which
 * cannot carry a port. *start receives where the name begins (after a '[' of "[v6]"). Returns
 * 0 or fails. */
static int find_port_colon(struct ini_reader *r, char *pattern, const char *ex, char **start,
                           char **colon)
{
    char *close = pattern[0] == '[' ? strchr(pattern, ']') : NULL;
    int colons = 0, depth = 0;

    *start = pattern;
    *colon = NULL;
    if (close != NULL && inv_is_ipv6(pattern + 1, (size_t)(close - pattern - 1))) {
        *close = '\0';
        *start = pattern + 1;
        if (close[1] == ':') {
            *colon = close + 1;
        } else if (close[1] != '\0') {
            return fail(r, "unexpected text after ']' in '%s'; write [address]:port", ex);
        }
        return 0;
    }
    for (char *p = pattern; *p; p++) {
        depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
        if (*p == ':' && depth == 0) {
            colons++;
            *colon = p;
        }
    }
    if (colons >= 2) {
        *colon = NULL;
        if (!inv_is_ipv6(pattern, strlen(pattern))) {
            return fail(r,
                        "'%s' is not a valid IPv6 address; write an IPv6 address with a port "
                        "as [address]:port",
                        ex);
        }
    }
    return 0;
}

/* Splits a host pattern into the name part (returned in *name, to free) and ":port" (kept in
 * r->alias_port, pointing into pattern). Handles "[v6]", "[v6]:port", bare IPv6 literals,
 * "name:port" and ranges. */
static int split_pattern(struct ini_reader *r, char *pattern, char **name)
{
    char ex[INV_EXCERPT_SIZE];
    char *colon, *start;

    inv_excerpt(pattern, strlen(pattern), ex);
    if (strchr(pattern, '@') != NULL) {
        return fail(r,
                    "'%s': an Ansible host name has no user part; write the user as "
                    "ansible_user=",
                    ex);
    }
    if (find_port_colon(r, pattern, ex, &start, &colon) < 0) {
        return -1;
    }
    if (colon != NULL) {
        *colon = '\0';
        r->alias_port = colon + 1;
        if (*r->alias_port == '\0') {
            return fail(r,
                        "'%s' ends with ':' but no port follows; write host:PORT with a port "
                        "from 1 to 65535",
                        ex);
        }
        if (check_value(r, "port", INV_ANS_PORT, r->alias_port) < 0) {
            return -1;
        }
    }
    if (*start == '\0') {
        return fail(r, "empty host name in '%s'; write the host name first", ex);
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
    size_t idx;
    int rc = 0;

    /* Like Ansible, start as if the file began with "[ungrouped]". */
    if (group_get(&m, "all", 3, &idx) < 0 || group_get(&m, "ungrouped", 9, &r.cur) < 0) {
        rc = nomem(&r);
    } else {
        m.groups[INV_ANS_ALL].declared = m.groups[INV_ANS_UNGROUPED].declared = 1;
        m.groups[INV_ANS_ALL].depth = 0;
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
