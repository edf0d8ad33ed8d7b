/*
 * ansible_resolve.c: turns the model of an Ansible inventory (INI or YAML) into targets.
 *
 * Once every line is read, the group graph is checked (every group named in :vars or
 * :children must have a section of its own, and :children must not loop), each group gets
 * Ansible's depth, and each host's variables are merged in Ansible's order: all:vars, then
 * its groups from the shallowest to the deepest (ties broken by ansible_group_priority, then
 * by name), then the host's own line variables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"

/* Colours of the depth-first search that finds :children cycles. */
enum { WHITE = 0, GREY = 1, BLACK = 2 };

struct resolver {
    const struct inv_source *src;
    struct inv_ans_model *m;
    struct fs_inventory_error *err;
    size_t *seen; /* per group: the stamp of the last walk that reached it */
    size_t stamp;
    size_t *queue;              /* scratch for the walk up to the ancestors */
    struct inv_ans_group **set; /* scratch: the groups of one host */
};

/* Fails on the first (lowest line) group that is named but never declared, as Ansible does. */
static int check_declared(struct resolver *rs)
{
    const struct inv_ans_model *m = rs->m;
    const struct inv_ans_group *bad = NULL;
    char section[300];
    const char **names;
    const char *hint;
    size_t n = 0;

    for (size_t i = 0; i < m->n_groups; i++) {
        if (!m->groups[i].declared && (bad == NULL || m->groups[i].ref_line < bad->ref_line)) {
            bad = &m->groups[i];
        }
    }
    if (bad == NULL) {
        return 0;
    }
    names = malloc(m->n_groups * sizeof(*names));
    if (names == NULL) {
        return inv_fail_nomem(rs->err, rs->src->path);
    }
    for (size_t i = 0; i < m->n_groups; i++) {
        if (m->groups[i].declared) {
            names[n++] = m->groups[i].name;
        }
    }
    hint = inv_suggest(bad->name, names, n);
    free(names);
    snprintf(section, sizeof(section), "[%s:%s]",
             bad->ref_is_vars ? bad->name : m->groups[bad->ref_parent].name,
             bad->ref_is_vars ? "vars" : "children");
    if (hint != NULL) {
        return inv_fail(rs->err, rs->src->path, bad->ref_line,
                        "%s names group '%s', which has no [%s] or [%s:children] section; did "
                        "you mean '%s'?",
                        section, bad->name, bad->name, bad->name, hint);
    }
    return inv_fail(rs->err, rs->src->path, bad->ref_line,
                    "%s names group '%s', which has no [%s] or [%s:children] section; add the "
                    "section or fix the name",
                    section, bad->name, bad->name, bad->name);
}

/* Reports the cycle closed by the edge from stack[top] to group c, which is on the stack. */
static int report_cycle(struct resolver *rs, const size_t *stack, size_t top, size_t c, int line,
                        int column)
{
    char path[512];
    size_t used = 0, from = top;

    while (stack[from] != c) {
        from--;
    }
    path[0] = '\0';
    for (size_t i = from; i <= top + 1 && used < sizeof(path); i++) {
        const char *name = rs->m->groups[i <= top ? stack[i] : c].name;
        int w = snprintf(path + used, sizeof(path) - used, "%s%s", i > from ? " -> " : "", name);
        used += w > 0 ? (size_t)w : 0;
    }
    /* Only the YAML reader knows columns; its key is "children:", INI's section ":children". */
    const char *key = column > 0 ? "children" : ":children";
    return inv_fail_at(rs->err, rs->src->path, line, column,
                       "group '%s' contains itself through %s (%s); remove one of these %s "
                       "entries",
                       rs->m->groups[c].name, key, path, key);
}

/* Depth-first search over :children edges. Fails on a cycle; otherwise stores the groups in
 * post-order (every group after all of its descendants) in order[]. */
static int check_cycles(struct resolver *rs, size_t *order)
{
    struct inv_ans_model *m = rs->m;
    /* The walk borrows the resolver's scratch arrays: the path fits in n_groups entries. */
    size_t *stack = rs->queue, *next = rs->seen, top, n_order = 0;

    for (size_t i = 0; i < m->n_groups; i++) {
        m->groups[i].mark = WHITE;
    }
    for (size_t root = 0; root < m->n_groups; root++) {
        if (m->groups[root].mark != WHITE) {
            continue;
        }
        top = 0;
        stack[0] = root;
        next[0] = 0;
        m->groups[root].mark = GREY;
        for (;;) {
            struct inv_ans_group *g = &m->groups[stack[top]];
            if (next[top] < g->n_children) {
                struct inv_ans_edge e = g->children[next[top]++];
                if (m->groups[e.group].mark == GREY) {
                    return report_cycle(rs, stack, top, e.group, e.line, e.column);
                }
                if (m->groups[e.group].mark == WHITE) {
                    m->groups[e.group].mark = GREY;
                    stack[++top] = e.group;
                    next[top] = 0;
                }
                continue;
            }
            g->mark = BLACK;
            order[n_order++] = stack[top];
            if (top == 0) {
                break;
            }
            top--;
        }
    }
    return 0;
}

/* Gives every group Ansible's depth (the longest :children chain down from 'all', whose
 * depth is 0) and its priority. order[] is a post-order, so walking it backwards visits
 * parents before children. */
static void set_depths(struct inv_ans_model *m, const size_t *order)
{
    for (size_t i = 0; i < m->n_groups; i++) {
        struct inv_ans_group *g = &m->groups[i];
        g->depth = i == INV_ANS_ALL ? 0 : 1;
        if (g->vars[INV_ANS_PRIORITY].text != NULL) {
            g->priority = (int)strtol(g->vars[INV_ANS_PRIORITY].text, NULL, 10);
        }
    }
    for (size_t k = m->n_groups; k-- > 0;) {
        const struct inv_ans_group *p = &m->groups[order[k]];
        for (size_t j = 0; j < p->n_children; j++) {
            struct inv_ans_group *c = &m->groups[p->children[j].group];
            if (c->depth < p->depth + 1) {
                c->depth = p->depth + 1;
            }
        }
    }
}

/* Fills g->ancestors (g itself and every group above it through :children), once. */
static int ancestors(struct resolver *rs, size_t gi)
{
    struct inv_ans_group *g = &rs->m->groups[gi];
    size_t head = 0, tail = 1;

    if (g->ancestors_done) {
        return 0;
    }
    rs->stamp++;
    rs->queue[0] = gi;
    rs->seen[gi] = rs->stamp;
    while (head < tail) {
        const struct inv_ans_group *x = &rs->m->groups[rs->queue[head++]];
        for (size_t i = 0; i < x->n_parents; i++) {
            if (rs->seen[x->parents[i]] != rs->stamp) {
                rs->seen[x->parents[i]] = rs->stamp;
                rs->queue[tail++] = x->parents[i];
            }
        }
    }
    g->ancestors = malloc(tail * sizeof(size_t));
    if (g->ancestors == NULL) {
        return -1;
    }
    memcpy(g->ancestors, rs->queue, tail * sizeof(size_t));
    g->n_ancestors = tail;
    g->ancestors_done = 1;
    return 0;
}

/* Collects every group host h belongs to into rs->set and returns how many (or -1). Like
 * Ansible, 'ungrouped' only holds hosts that are in no other group, and 'all' holds every
 * host. */
static long collect_groups(struct resolver *rs, const struct inv_ans_host *h)
{
    int other = 0;
    size_t n = 0;

    for (size_t i = 0; i < h->n_groups; i++) {
        other |= h->groups[i] != INV_ANS_ALL && h->groups[i] != INV_ANS_UNGROUPED;
        if (ancestors(rs, h->groups[i]) < 0) {
            return -1;
        }
    }
    rs->stamp++;
    rs->seen[INV_ANS_ALL] = rs->stamp;
    rs->set[n++] = &rs->m->groups[INV_ANS_ALL];
    if (!other) {
        rs->seen[INV_ANS_UNGROUPED] = rs->stamp;
        rs->set[n++] = &rs->m->groups[INV_ANS_UNGROUPED];
    }
    for (size_t i = 0; i < h->n_groups; i++) {
        const struct inv_ans_group *d = &rs->m->groups[h->groups[i]];
        if (other && h->groups[i] == INV_ANS_UNGROUPED) {
            continue;
        }
        for (size_t j = 0; j < d->n_ancestors; j++) {
            if (rs->seen[d->ancestors[j]] != rs->stamp) {
                rs->seen[d->ancestors[j]] = rs->stamp;
                rs->set[n++] = &rs->m->groups[d->ancestors[j]];
            }
        }
    }
    return (long)n;
}

/* Ansible's order of group variables: shallow groups first, so deeper ones override them. */
static int by_precedence(const void *a, const void *b)
{
    const struct inv_ans_group *x = *(struct inv_ans_group *const *)a;
    const struct inv_ans_group *y = *(struct inv_ans_group *const *)b;

    if (x->depth != y->depth) {
        return x->depth < y->depth ? -1 : 1;
    }
    if (x->priority != y->priority) {
        return x->priority < y->priority ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
    const struct inv_ans_group *x = *(struct inv_ans_group *const *)a;
    const struct inv_ans_group *y = *(struct inv_ans_group *const *)b;

    return strcmp(x->name, y->name);
}

/* Joins the names of the host's groups (sorted, without 'all' and 'ungrouped'), like
 * Ansible's group_names. Returns 0 with *tags NULL when there are none, or -1. */
static int join_tags(struct inv_ans_group **set, size_t n, const struct inv_ans_group *all,
                     const struct inv_ans_group *ungrouped, char **tags)
{
    size_t len = 0, o = 0;

    char *s;

    *tags = NULL;
    qsort(set, n, sizeof(*set), by_name);
    for (size_t i = 0; i < n; i++) {
        len += strlen(set[i]->name) + 1;
    }
    s = malloc(len + 1);
    if (s == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (set[i] == all || set[i] == ungrouped) {
            continue;
        }
        o += (size_t)sprintf(s + o, "%s%s", o ? "," : "", set[i]->name);
    }
    if (o == 0) {
        free(s);
        return 0;
    }
    *tags = s;
    return 0;
}

/* Copies a resolved host into a new target. eff[] holds the winning value of each setting. */
static int make_target(struct resolver *rs, const struct inv_ans_host *h, const char **eff,
                       struct fs_target *t)
{
    const char *addr = eff[INV_ANS_HOST] ? eff[INV_ANS_HOST] : h->name;
    size_t alen = strlen(addr);

    /* ansible_host=[fe80::1] is the same address as ansible_host=fe80::1. */
    if (alen > 2 && addr[0] == '[' && addr[alen - 1] == ']' && inv_is_ipv6(addr + 1, alen - 2)) {
        addr++;
        alen -= 2;
    }
    t->line = h->line;
    t->name = strdup(h->name);
    t->address = inv_strndup(addr, alen);
    if (eff[INV_ANS_PORT] != NULL) {
        inv_parse_port(eff[INV_ANS_PORT], strlen(eff[INV_ANS_PORT]), &t->port);
    }
    if (eff[INV_ANS_USER] != NULL && (t->user = strdup(eff[INV_ANS_USER])) == NULL) {
        return -1;
    }
    if (eff[INV_ANS_KEY] != NULL && inv_target_add_identity(t, eff[INV_ANS_KEY]) < 0) {
        return -1;
    }
    if (eff[INV_ANS_SSH_ARGS] != NULL && (t->ssh_args = strdup(eff[INV_ANS_SSH_ARGS])) == NULL) {
        return -1;
    }
    return t->name == NULL || t->address == NULL ? -1 : 0;
}

/* Resolves host h and appends its target to list. */
static int resolve_host(struct resolver *rs, const struct inv_ans_host *h, struct inv_list *list)
{
    const char *eff[INV_ANS_COUNT] = {0};
    struct fs_target *t;
    long n = collect_groups(rs, h);

    if (n < 0 || (t = inv_list_add(list)) == NULL) {
        return -1;
    }
    qsort(rs->set, (size_t)n, sizeof(*rs->set), by_precedence);
    for (long i = 0; i < n; i++) {
        for (int s = 0; s < INV_ANS_COUNT; s++) {
            if (rs->set[i]->vars[s].text != NULL) {
                eff[s] = rs->set[i]->vars[s].text;
            }
        }
    }
    for (int s = 0; s < INV_ANS_COUNT; s++) {
        if (h->vars[s].text != NULL) {
            eff[s] = h->vars[s].text;
        }
    }
    if (make_target(rs, h, eff, t) < 0) {
        return -1;
    }
    return join_tags(rs->set, (size_t)n, &rs->m->groups[INV_ANS_ALL],
                     &rs->m->groups[INV_ANS_UNGROUPED], &t->tags);
}

int inv_ans_resolve(const struct inv_source *src, struct inv_ans_model *m, struct inv_list *list,
                    struct fs_inventory_error *err)
{
    struct resolver rs = {src, m, err, NULL, 0, NULL, NULL};
    size_t *order = malloc(m->n_groups * sizeof(*order));
    int rc = -1;

    rs.seen = calloc(m->n_groups, sizeof(*rs.seen));
    rs.queue = malloc(m->n_groups * sizeof(*rs.queue));
    rs.set = malloc(m->n_groups * sizeof(*rs.set));
    if (order == NULL || rs.seen == NULL || rs.queue == NULL || rs.set == NULL) {
        inv_fail_nomem(err, src->path);
        goto out;
    }
    if (check_declared(&rs) < 0 || check_cycles(&rs, order) < 0) {
        goto out;
    }
    set_depths(m, order);
    memset(rs.seen, 0, m->n_groups * sizeof(*rs.seen));
    if (m->n_hosts == 0) {
        inv_fail(err, src->path, 0,
                 "no hosts found; list hosts under a [group] header, one per line");
        goto out;
    }
    for (size_t i = 0; i < m->n_hosts; i++) {
        if (resolve_host(&rs, &m->hosts[i], list) < 0) {
            inv_fail_nomem(err, src->path);
            goto out;
        }
    }
    rc = 0;
out:
    free(order);
    free(rs.seen);
    free(rs.queue);
    free(rs.set);
    return rc;
}

static void free_values(struct inv_ans_value *v)
{
    for (int s = 0; s < INV_ANS_COUNT; s++) {
        free(v[s].text);
    }
}

void inv_ans_model_free(struct inv_ans_model *m)
{
    for (size_t i = 0; i < m->n_groups; i++) {
        struct inv_ans_group *g = &m->groups[i];
        free(g->name);
        free_values(g->vars);
        free(g->children);
        free(g->parents);
        free(g->ancestors);
    }
    for (size_t i = 0; i < m->n_hosts; i++) {
        free(m->hosts[i].name);
        free_values(m->hosts[i].vars);
        free(m->hosts[i].groups);
    }
    free(m->groups);
    free(m->hosts);
    inv_names_free(&m->group_names);
    inv_names_free(&m->host_names);
    memset(m, 0, sizeof(*m));
}
