/*
 * ansible_model.c: what the Ansible readers (INI and YAML) share: building the model of
 * inv_internal.h (groups, children, hosts), the variables fleetscan reads under every name
 * Ansible accepts with the checks on their values, and the split of a host pattern into name
 * and ":port". Nothing here knows about lines or nodes: problems come back as a message (or a
 * code) for the reader to place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"

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

int inv_ans_check_value(const char *key, int setting, const char *v, char *why, size_t why_size)
{
    char ex[INV_EXCERPT_SIZE];
    int port;

    if (v[0] == '\0') {
        snprintf(why, why_size, "empty value for '%s'; give a value or remove the variable", key);
        return -1;
    }
    inv_excerpt(v, strlen(v), ex);
    if (setting == INV_ANS_PORT) {
        int rc = inv_parse_port(v, strlen(v), &port);
        if (rc == -2) {
            snprintf(why, why_size, "%s %s is out of range; use a port from 1 to 65535", key, ex);
            return -1;
        }
        if (rc < 0) {
            snprintf(why, why_size, "%s '%s' is not a number; use a port from 1 to 65535", key, ex);
            return -1;
        }
    }
    if (setting == INV_ANS_PRIORITY) {
        size_t i = v[0] == '-' ? 1 : 0;
        size_t n = strspn(v + i, "0123456789");
        if (n == 0 || n > 9 || v[i + n] != '\0') {
            snprintf(why, why_size, "%s '%s' is not a number; write a whole number such as 10", key,
                     ex);
            return -1;
        }
    }
    if (setting == INV_ANS_HOST && strpbrk(v, " \t") != NULL) {
        snprintf(why, why_size, "%s '%s' contains a space; give one host name or address", key, ex);
        return -1;
    }
    return 0;
}

int inv_ans_var_setting(const char *key)
{
    for (size_t i = 0; i < N_VARS; i++) {
        if (strcmp(key, var_names[i]) == 0) {
            return (int)var_settings[i];
        }
    }
    return -1;
}

int inv_ans_classify_var(const char *key, const char *value, char *why, size_t why_size)
{
    char ex[INV_EXCERPT_SIZE];
    const char *hint;

    for (size_t i = 0; i < N_VARS; i++) {
        if (strcmp(key, var_names[i]) == 0) {
            int setting = (int)var_settings[i];
            return inv_ans_check_value(key, setting, value, why, why_size) < 0 ? -2 : setting;
        }
    }
    /* Inventories carry many variables for other tools; only near-misses of the ones read
     * here are worth stopping for, since they would silently change what gets scanned. */
    hint = inv_suggest(key, var_names, N_VARS);
    if (hint != NULL) {
        snprintf(why, why_size, "unknown variable '%s'; did you mean '%s'?",
                 inv_excerpt(key, strlen(key), ex), hint);
        return -2;
    }
    return -1;
}

/* Finds the ':' that starts the port of pattern, or NULL when there is none. Colons inside
 * ranges do not count, and a pattern with two or more colons is a bare IPv6 literal, which
 * cannot carry a port. *start receives where the name begins (after a '[' of "[v6]"). */
static int find_port_colon(char *pattern, const char *ex, char **start, char **colon, char *why,
                           size_t why_size)
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
            snprintf(why, why_size, "unexpected text after ']' in '%s'; write [address]:port", ex);
            return -1;
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
            snprintf(why, why_size,
                     "'%s' is not a valid IPv6 address; write an IPv6 address with a port as "
                     "[address]:port",
                     ex);
            return -1;
        }
    }
    return 0;
}

int inv_ans_split_pattern(char *pattern, char **name, const char **port, char *why, size_t why_size)
{
    char ex[INV_EXCERPT_SIZE];
    char *colon, *start;

    *name = NULL;
    *port = NULL;
    inv_excerpt(pattern, strlen(pattern), ex);
    if (strchr(pattern, '@') != NULL) {
        snprintf(why, why_size,
                 "'%s': an Ansible host name has no user part; set the user with ansible_user", ex);
        return -1;
    }
    if (find_port_colon(pattern, ex, &start, &colon, why, why_size) < 0) {
        return -1;
    }
    if (colon != NULL) {
        *colon = '\0';
        *port = colon + 1;
        if (**port == '\0') {
            snprintf(why, why_size,
                     "'%s' ends with ':' but no port follows; write host:PORT with a port from 1 "
                     "to 65535",
                     ex);
            return -1;
        }
        if (inv_ans_check_value("port", INV_ANS_PORT, *port, why, why_size) < 0) {
            return -1;
        }
    }
    if (*start == '\0') {
        snprintf(why, why_size, "empty host name in '%s'; write the host name first", ex);
        return -1;
    }
    *name = start;
    return 0;
}

void *inv_grow(void *v, size_t *cap, size_t n, size_t sz)
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

int inv_ans_group_get(struct inv_ans_model *m, const char *name, size_t len, size_t *idx)
{
    struct inv_ans_group *g;
    char *copy = inv_strndup(name, len);
    int rc;

    g = copy ? inv_grow(m->groups, &m->cap_groups, m->n_groups, sizeof(*g)) : NULL;
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

int inv_ans_model_init(struct inv_ans_model *m)
{
    size_t all, ungrouped;

    memset(m, 0, sizeof(*m));
    if (inv_ans_group_get(m, "all", 3, &all) < 0 ||
        inv_ans_group_get(m, "ungrouped", 9, &ungrouped) < 0) {
        return -1;
    }
    m->groups[INV_ANS_ALL].declared = m->groups[INV_ANS_UNGROUPED].declared = 1;
    return 0;
}

int inv_ans_add_child(struct inv_ans_model *m, size_t parent, size_t child, int line, int column)
{
    struct inv_ans_group *p = &m->groups[parent], *c = &m->groups[child];
    struct inv_ans_edge *edges;
    size_t *parents;

    edges = inv_grow(p->children, &p->cap_children, p->n_children, sizeof(*edges));
    if (edges == NULL) {
        return -1;
    }
    p->children = edges;
    parents = inv_grow(c->parents, &c->cap_parents, c->n_parents, sizeof(*parents));
    if (parents == NULL) {
        return -1;
    }
    c->parents = parents;
    c->parents[c->n_parents++] = parent;
    p->children[p->n_children++] = (struct inv_ans_edge){child, line, column};
    return 0;
}

int inv_ans_host_get(struct inv_ans_model *m, const char *name, int line, size_t *idx)
{
    struct inv_ans_host *hosts;
    char *copy;

    if (inv_names_get(&m->host_names, name, idx)) {
        return 0;
    }
    if (m->n_hosts >= FS_INVENTORY_MAX_TARGETS) {
        return -2;
    }
    hosts = inv_grow(m->hosts, &m->cap_hosts, m->n_hosts, sizeof(*hosts));
    if (hosts == NULL) {
        return -1;
    }
    m->hosts = hosts;
    copy = strdup(name);
    if (copy == NULL || inv_names_put(&m->host_names, copy, m->n_hosts, idx) < 0) {
        free(copy);
        return -1;
    }
    memset(&hosts[m->n_hosts], 0, sizeof(hosts[0]));
    hosts[m->n_hosts].name = copy;
    hosts[m->n_hosts].line = line;
    *idx = m->n_hosts++;
    return 0;
}

int inv_ans_host_join(struct inv_ans_model *m, size_t host, size_t group)
{
    struct inv_ans_host *h = &m->hosts[host];
    size_t *groups;

    for (size_t i = 0; i < h->n_groups; i++) {
        if (h->groups[i] == group) {
            return 0;
        }
    }
    groups = inv_grow(h->groups, &h->cap_groups, h->n_groups, sizeof(*groups));
    if (groups == NULL) {
        return -1;
    }
    h->groups = groups;
    h->groups[h->n_groups++] = group;
    return 0;
}

int inv_ans_set_value(struct inv_ans_value *v, const char *text, int line)
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
