/*
 * ansible_yaml.c: reads an Ansible YAML inventory into the model of inv_internal.h.
 *
 *     all:
 *       vars:
 *         ansible_user: ops
 *       children:
 *         web:
 *           hosts:
 *             web[01:20].example:        # ranges expand to web01..web20
 *             db1:
 *               ansible_host: 10.0.0.5
 *
 * libyaml parses the text into one document, aliases already resolved. The walk below follows
 * Ansible's yaml inventory plugin: every top-level key is a group, a group holds hosts:, vars:
 * and children:, a child is a group of its own. It only records what each node says, with the
 * node's line and column for messages; ansible_resolve.c then checks the group graph and
 * applies the variable precedence, exactly as for an INI file, so both formats of the same
 * inventory give the same targets. See docs/inventory.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "inventory/inv_internal.h"

/* Children nested deeper than this are refused: no real inventory comes close, and an alias
 * that contains itself would otherwise recurse forever. */
#define MAX_NESTING 64
/* Node visits allowed in one walk. Aliases let a small file name one large mapping many
 * times (the "billion laughs"); this bounds the work whatever the file does. */
#define MAX_VISITS (16UL * FS_INVENTORY_MAX_TARGETS)

#define NO_GROUP ((size_t)-1)

struct yaml_reader {
    const struct inv_source *src;
    struct fs_inventory_error *err;
    struct inv_ans_model *m;
    yaml_document_t *doc;
    unsigned long visits;
    /* The host entry being expanded: its group, ":port", its variables and position. */
    size_t group;
    const char *alias_port;
    struct inv_ans_value *host_vars;
    int line, column;
};

static int fail_at(struct yaml_reader *r, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fails with a message placed at node n ("FILE:LINE:COLUMN: ..."). */
static int fail_at(struct yaml_reader *r, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[sizeof(r->err->text)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return inv_fail_at(r->err, r->src->path, (int)n->start_mark.line + 1,
                       (int)n->start_mark.column + 1, "%s", msg);
}

static int nomem(struct yaml_reader *r)
{
    return inv_fail_nomem(r->err, r->src->path);
}

static yaml_node_t *node(struct yaml_reader *r, int id)
{
    return yaml_document_get_node(r->doc, id);
}

/* What a node is, for messages. */
static const char *kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "single value";
    case YAML_SEQUENCE_NODE:
        return "list";
    case YAML_MAPPING_NODE:
        return "mapping";
    default:
        return "empty node";
    }
}

/* Says whether n is YAML's null: no node, a plain ~ / null / nothing, or a !!null. A quoted
 * '' is an empty string, not null. */
static int is_null(const yaml_node_t *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

    if (n == NULL) {
        return 1;
    }
    if (n->type != YAML_SCALAR_NODE) {
        return 0;
    }
    if (n->tag != NULL && strcmp((const char *)n->tag, YAML_NULL_TAG) == 0) {
        return 1;
    }
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
        if (strcmp((const char *)n->data.scalar.value, nulls[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * Refuses tags fleetscan cannot honour. libyaml gives untagged nodes the standard str, seq and
 * map tags; the other standard scalar tags (!!int, !!bool, ...) and Ansible's !unsafe (a string
 * that is never templated) leave the text as written. !vault holds encrypted text that only
 * ansible-vault can open.
 */
static int check_tag(struct yaml_reader *r, const yaml_node_t *n)
{
    static const char *const fine[] = {YAML_STR_TAG,   YAML_INT_TAG, YAML_NULL_TAG, YAML_BOOL_TAG,
                                       YAML_FLOAT_TAG, YAML_SEQ_TAG, YAML_MAP_TAG,  "!unsafe"};
    char ex[INV_EXCERPT_SIZE];
    const char *tag = (const char *)n->tag;

    if (tag == NULL) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        if (strcmp(tag, fine[i]) == 0) {
            return 0;
        }
    }
    if (strcmp(tag, "!vault") == 0 || strcmp(tag, "!encrypted/pkcs1-oaep") == 0) {
        return fail_at(r, n,
                       "encrypted values (%s) are not supported; write this value in clear text, "
                       "or leave it out and give it on the command line (-l USER, -i KEY)",
                       tag);
    }
    return fail_at(r, n, "YAML tag '%s' is not understood in an inventory; remove the tag",
                   inv_excerpt(tag, strlen(tag), ex));
}

/* Counts one node visit; fails once the walk has visited MAX_VISITS nodes. */
static int visit(struct yaml_reader *r, const yaml_node_t *n)
{
    if (++r->visits > MAX_VISITS) {
        return fail_at(r, n,
                       "the inventory names more than %lu YAML nodes once aliases are expanded; "
                       "use fewer aliases or split the inventory",
                       MAX_VISITS);
    }
    return check_tag(r, n);
}

/* Returns the text of scalar key n (what), or fails when n is not a usable name. */
static const char *key_text(struct yaml_reader *r, const yaml_node_t *n, const char *what)
{
    if (visit(r, n) < 0) {
        return NULL;
    }
    if (n->type != YAML_SCALAR_NODE) {
        fail_at(r, n, "a %s is used as a %s; write the %s as plain text", kind(n), what, what);
        return NULL;
    }
    if (is_null(n)) {
        fail_at(r, n, "empty %s; write the %s before the ':'", what, what);
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

static int read_group(struct yaml_reader *r, const yaml_node_t *key, const yaml_node_t *value,
                      size_t parent, int depth);

/* Reads one variable of a vars: mapping (or of a host's mapping) into vars[]. */
static int read_var(struct yaml_reader *r, const yaml_node_t *k, const yaml_node_t *v,
                    struct inv_ans_value *vars)
{
    char why[sizeof(r->err->text)], ex[INV_EXCERPT_SIZE];
    const char *key = key_text(r, k, "variable name"), *text;
    int setting;

    if (key == NULL) {
        return -1;
    }
    setting = inv_ans_var_setting(key);
    if (setting < 0) {
        /* Other tools' variables may hold anything (lists, !vault secrets): only a near-miss
         * of a name fleetscan reads matters, since it would silently change the scan. */
        if (inv_ans_classify_var(key, "", why, sizeof(why)) == -2) {
            return fail_at(r, k, "%s", why);
        }
        return 0;
    }
    if (visit(r, v) < 0) {
        return -1;
    }
    if (v->type != YAML_SCALAR_NODE) {
        static const char *const example[INV_ANS_COUNT] = {
            [INV_ANS_HOST] = "10.0.0.5",         [INV_ANS_PORT] = "2222",   [INV_ANS_USER] = "ops",
            [INV_ANS_KEY] = "~/.ssh/id_ed25519", [INV_ANS_PRIORITY] = "10",
        };
        return fail_at(r, v, "%s holds a %s; give it one value, e.g. %s: %s", key, kind(v), key,
                       example[setting]);
    }
    text = is_null(v) ? "" : (const char *)v->data.scalar.value;
    /* YAML 1.1, which Ansible reads, takes 022 for the octal number 18. */
    if (setting == INV_ANS_PORT && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        text[0] == '0' && text[1] != '\0') {
        return fail_at(r, v,
                       "%s %s has a leading zero, which YAML reads as an octal number; write the "
                       "port without leading zeros",
                       key, inv_excerpt(text, strlen(text), ex));
    }
    if (inv_ans_check_value(key, setting, text, why, sizeof(why)) < 0) {
        return fail_at(r, is_null(v) ? k : v, "%s", why);
    }
    if (inv_ans_set_value(&vars[setting], text, (int)k->start_mark.line + 1) < 0) {
        return nomem(r);
    }
    return 0;
}

/*
 * Reads a mapping of variables (a group's vars:, or a host's value) into vars[]. Merge keys
 * ("<<: *defaults") are read first, so that the mapping's own keys win, as in YAML; in a list
 * of merged mappings the first one wins.
 */
static int read_vars(struct yaml_reader *r, const yaml_node_t *n, struct inv_ans_value *vars,
                     const char *owner, int depth)
{
    yaml_node_pair_t *p;

    if (visit(r, n) < 0) {
        return -1;
    }
    if (n->type != YAML_MAPPING_NODE) {
        return fail_at(r, n,
                       "the variables of %s are a %s; write them as a mapping, one 'name: value' "
                       "per line",
                       owner, kind(n));
    }
    if (depth > MAX_NESTING) {
        return fail_at(r, n,
                       "merge keys ('<<') nest more than %d deep; check for an alias that "
                       "contains itself",
                       MAX_NESTING);
    }
    for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
        if (k->type != YAML_SCALAR_NODE || k->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
            strcmp((const char *)k->data.scalar.value, "<<") != 0) {
            continue;
        }
        if (v->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *i = v->data.sequence.items.top;
                 i-- > v->data.sequence.items.start;) {
                if (read_vars(r, node(r, *i), vars, owner, depth + 1) < 0) {
                    return -1;
                }
            }
        } else if (read_vars(r, v, vars, owner, depth + 1) < 0) {
            return -1;
        }
    }
    for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
        if (k->type == YAML_SCALAR_NODE && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            strcmp((const char *)k->data.scalar.value, "<<") == 0) {
            continue;
        }
        if (read_var(r, k, v, vars) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Adds one expanded host name of the host entry being read: the host joins the group, then
 * gets ":port" and the entry's variables (over what an earlier entry set). */
static int add_host(void *ctx, const char *name)
{
    struct yaml_reader *r = ctx;
    struct inv_ans_host *h;
    size_t idx;
    int rc = inv_ans_host_get(r->m, name, r->line, &idx);

    if (rc == -2) {
        return inv_fail_at(r->err, r->src->path, r->line, r->column,
                           "more than %d hosts; split the inventory into several files",
                           FS_INVENTORY_MAX_TARGETS);
    }
    if (rc < 0 || inv_ans_host_join(r->m, idx, r->group) < 0) {
        return nomem(r);
    }
    h = &r->m->hosts[idx];
    if (r->alias_port && inv_ans_set_value(&h->vars[INV_ANS_PORT], r->alias_port, r->line) < 0) {
        return nomem(r);
    }
    for (int s = 0; s < INV_ANS_COUNT; s++) {
        if (r->host_vars[s].text != NULL &&
            inv_ans_set_value(&h->vars[s], r->host_vars[s].text, r->host_vars[s].line) < 0) {
            return nomem(r);
        }
    }
    return 0;
}

/* Reads one entry of a hosts: mapping: the host pattern k and its variables v (may be null). */
static int read_host(struct yaml_reader *r, size_t group, const yaml_node_t *k,
                     const yaml_node_t *v)
{
    char why[sizeof(r->err->text)], ex[INV_EXCERPT_SIZE], owner[INV_EXCERPT_SIZE + 8];
    struct inv_ans_value vars[INV_ANS_COUNT] = {{0}};
    const char *text = key_text(r, k, "host name");
    char *pattern = NULL, *name;
    int rc = -1;

    if (text == NULL || (pattern = strdup(text)) == NULL) {
        return text == NULL ? -1 : nomem(r);
    }
    snprintf(owner, sizeof(owner), "host '%s'", inv_excerpt(text, strlen(text), ex));
    /* Usually an INI line pasted into YAML: "web1 ansible_host=10.0.0.1:". */
    if (strpbrk(text, " \t") != NULL) {
        fail_at(r, k,
                "host name '%s' contains a space; write one host per key and its variables "
                "beneath it as 'name: value'",
                ex);
        goto out;
    }
    if (inv_ans_split_pattern(pattern, &name, &r->alias_port, why, sizeof(why)) < 0) {
        fail_at(r, k, "%s", why);
        goto out;
    }
    if (!is_null(v) && read_vars(r, v, vars, owner, 0) < 0) {
        goto out;
    }
    r->group = group;
    r->host_vars = vars;
    r->line = (int)k->start_mark.line + 1;
    r->column = (int)k->start_mark.column + 1;
    rc = inv_range_expand(name, FS_INVENTORY_MAX_TARGETS - r->m->n_hosts, add_host, r, why,
                          sizeof(why));
    if (rc == -1) {
        fail_at(r, k, "%s", why);
    } else if (rc == -3) {
        nomem(r);
    }
    rc = rc == 0 ? 0 : -1;
out:
    for (int s = 0; s < INV_ANS_COUNT; s++) {
        free(vars[s].text);
    }
    free(pattern);
    return rc;
}

/*
 * Refuses a mapping that names the same key twice. YAML keeps only the last of them, so
 * Ansible would silently forget the hosts or groups of the first; reading both would scan
 * what Ansible does not. Called on every mapping of the structure (not on variables, where
 * the last value wins in both).
 */
static int check_unique_keys(struct yaml_reader *r, const yaml_node_t *n)
{
    struct inv_names seen = {0};
    char ex[INV_EXCERPT_SIZE];
    int rc = 0;

    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top && rc == 0; p++) {
        const yaml_node_t *k = node(r, p->key);
        const char *text;
        size_t first;
        int put;

        if (k->type != YAML_SCALAR_NODE) {
            continue;
        }
        text = (const char *)k->data.scalar.value;
        put = inv_names_put(&seen, text, (size_t)(p - n->data.mapping.pairs.start), &first);
        if (put < 0) {
            rc = nomem(r);
        } else if (put == 1) {
            const yaml_node_t *k1 = node(r, n->data.mapping.pairs.start[first].key);
            rc = fail_at(r, k,
                         "'%s' is written twice in this mapping (first on line %d); YAML keeps "
                         "only the last one, so merge the two into one",
                         inv_excerpt(text, strlen(text), ex), (int)k1->start_mark.line + 1);
        }
    }
    inv_names_free(&seen);
    return rc;
}

/* Reads the hosts: of group g. Like Ansible, a single name stands for a mapping of one host. */
static int read_hosts(struct yaml_reader *r, size_t g, const yaml_node_t *n)
{
    if (visit(r, n) < 0) {
        return -1;
    }
    if (n->type == YAML_SCALAR_NODE) {
        return read_host(r, g, n, NULL);
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        return fail_at(r, n,
                       "the hosts of group '%s' are a list; write each host as a mapping key "
                       "ending in ':' ('web1:', not '- web1')",
                       r->m->groups[g].name);
    }
    if (check_unique_keys(r, n) < 0) {
        return -1;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        if (read_host(r, g, node(r, p->key), node(r, p->value)) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Reads the children: of group g: each key is a group of its own. */
static int read_children(struct yaml_reader *r, size_t g, const yaml_node_t *n, int depth)
{
    if (visit(r, n) < 0) {
        return -1;
    }
    if (n->type == YAML_SCALAR_NODE) {
        return read_group(r, n, NULL, g, depth + 1);
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        return fail_at(r, n,
                       "the children of group '%s' are a list; write each child group as a "
                       "mapping key ending in ':' ('web:', not '- web')",
                       r->m->groups[g].name);
    }
    if (check_unique_keys(r, n) < 0) {
        return -1;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        if (read_group(r, node(r, p->key), node(r, p->value), g, depth + 1) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Reads a group's name from key and checks it as the INI reader does. Returns its index in
 * *g, or fails. */
static int group_name(struct yaml_reader *r, const yaml_node_t *key, size_t parent, size_t *g)
{
    char ex[INV_EXCERPT_SIZE];
    const char *name = key_text(r, key, "group name");

    if (name == NULL) {
        return -1;
    }
    if (strpbrk(name, " \t[]:") != NULL) {
        return fail_at(r, key,
                       "'%s' is not a valid group name; group names have no spaces, ':' or "
                       "brackets",
                       inv_excerpt(name, strlen(name), ex));
    }
    if (parent != NO_GROUP && strcmp(name, "all") == 0) {
        return fail_at(r, key,
                       "'all' cannot be a child group; every group is already inside 'all'");
    }
    if (parent == NO_GROUP && (strcmp(name, "hosts") == 0 || strcmp(name, "vars") == 0 ||
                               strcmp(name, "children") == 0)) {
        return fail_at(r, key,
                       "'%s:' at the top level; the top level holds groups: indent it under "
                       "'all:'",
                       name);
    }
    if (inv_ans_group_get(r->m, name, strlen(name), g) < 0) {
        return nomem(r);
    }
    return 0;
}

/* Reads the sections (hosts, vars, children) of the mapping n that defines group g, in the
 * file's order, as Ansible does; an empty section is skipped. */
static int read_sections(struct yaml_reader *r, size_t g, const yaml_node_t *n, int depth)
{
    static const char *const sections[] = {"hosts", "vars", "children"};
    char ex[INV_EXCERPT_SIZE], owner[INV_EXCERPT_SIZE + 8];
    const char *hint;

    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
        const char *s = key_text(r, k, "key");
        int rc = 0;

        if (s == NULL) {
            return -1;
        }
        if (strcmp(s, "hosts") == 0) {
            rc = is_null(v) ? 0 : read_hosts(r, g, v);
        } else if (strcmp(s, "vars") == 0) {
            snprintf(owner, sizeof(owner), "group '%s'", r->m->groups[g].name);
            rc = is_null(v) ? 0 : read_vars(r, v, r->m->groups[g].vars, owner, 0);
        } else if (strcmp(s, "children") == 0) {
            rc = is_null(v) ? 0 : read_children(r, g, v, depth);
        } else if ((hint = inv_suggest(s, sections, 3)) != NULL) {
            return fail_at(r, k, "unknown key '%s' in group '%s'; did you mean '%s'?",
                           inv_excerpt(s, strlen(s), ex), r->m->groups[g].name, hint);
        } else {
            return fail_at(r, k,
                           "unknown key '%s' in group '%s'; a group holds only hosts:, vars: and "
                           "children: (a host goes under hosts:, a variable under vars:)",
                           inv_excerpt(s, strlen(s), ex), r->m->groups[g].name);
        }
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

/*
 * Reads group key: value. parent is the group whose children: hold it (NO_GROUP at the top).
 * A child written with no value ("web:") only names the group; it must be defined somewhere in
 * the file, as INI requires a [web] section (checked at the end).
 */
static int read_group(struct yaml_reader *r, const yaml_node_t *key, const yaml_node_t *value,
                      size_t parent, int depth)
{
    struct inv_ans_group *grp;
    size_t g;

    if (depth > MAX_NESTING) {
        return fail_at(r, key,
                       "groups nest more than %d deep through children; check for an alias "
                       "that contains itself",
                       MAX_NESTING);
    }
    if (group_name(r, key, parent, &g) < 0) {
        return -1;
    }
    if (parent != NO_GROUP && inv_ans_add_child(r->m, parent, g, (int)key->start_mark.line + 1,
                                                (int)key->start_mark.column + 1) < 0) {
        return nomem(r);
    }
    grp = &r->m->groups[g];
    if (is_null(value)) {
        if (parent == NO_GROUP) {
            grp->declared = 1;
        } else if (!grp->declared && grp->ref_line == 0) {
            grp->ref_line = (int)key->start_mark.line + 1;
            grp->ref_column = (int)key->start_mark.column + 1;
            grp->ref_parent = parent;
        }
        return 0;
    }
    if (visit(r, value) < 0) {
        return -1;
    }
    if (value->type != YAML_MAPPING_NODE) {
        return fail_at(r, value,
                       "group '%s' holds a %s; write a mapping with hosts:, vars: and children: "
                       "(or nothing for an empty group)",
                       grp->name, kind(value));
    }
    grp->declared = 1;
    return check_unique_keys(r, value) < 0 ? -1 : read_sections(r, g, value, depth);
}

/* Fails on the first (lowest line) group named only as an empty child entry and defined
 * nowhere: most likely a typo, which would otherwise silently drop hosts from the scan. */
static int check_defined(struct yaml_reader *r)
{
    const struct inv_ans_model *m = r->m;
    const struct inv_ans_group *bad = NULL;
    const char **names, *hint;
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
        return nomem(r);
    }
    for (size_t i = 0; i < m->n_groups; i++) {
        if (m->groups[i].declared) {
            names[n++] = m->groups[i].name;
        }
    }
    hint = inv_suggest(bad->name, names, n);
    free(names);
    if (hint != NULL) {
        return inv_fail_at(r->err, r->src->path, bad->ref_line, bad->ref_column,
                           "children of '%s' names group '%s', which is defined nowhere in the "
                           "file; did you mean '%s'?",
                           m->groups[bad->ref_parent].name, bad->name, hint);
    }
    return inv_fail_at(r->err, r->src->path, bad->ref_line, bad->ref_column,
                       "children of '%s' names group '%s', which is defined nowhere in the file; "
                       "give it hosts:, vars: or children:, fix the name, or write '%s: {}' for "
                       "a group that is empty on purpose",
                       m->groups[bad->ref_parent].name, bad->name, bad->name);
}

/* Says whether the line holding a libyaml error indents with a tab, the most common cause of
 * "found character that cannot start any token". */
static int line_has_tab_indent(const struct inv_source *src, size_t line0)
{
    for (size_t i = 0; i < src->n_lines; i++) {
        const struct inv_line *ln = &src->lines[i];
        if ((size_t)ln->no == line0 + 1) {
            for (size_t j = 0; j < ln->len && (ln->text[j] == ' ' || ln->text[j] == '\t'); j++) {
                if (ln->text[j] == '\t') {
                    return 1;
                }
            }
            return 0;
        }
    }
    return 0;
}

/* Turns a libyaml failure into one message with the place it names. */
static int syntax_error(struct yaml_reader *r, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    const char *hint = "fix the YAML at this place (indent with spaces, put a space after ':')";
    char ctx[200] = "";

    if (p->error == YAML_MEMORY_ERROR) {
        return nomem(r);
    }
    if (p->context != NULL) {
        snprintf(ctx, sizeof(ctx), " (%s at line %d)", p->context, (int)p->context_mark.line + 1);
    }
    if (p->error == YAML_COMPOSER_ERROR && strstr(problem, "undefined alias") != NULL) {
        hint = "define the anchor (&name) before the alias (*name) that uses it";
    } else if (line_has_tab_indent(r->src, p->problem_mark.line)) {
        hint = "YAML cannot be indented with tabs; indent with spaces";
    }
    return inv_fail_at(r->err, r->src->path, (int)p->problem_mark.line + 1,
                       (int)p->problem_mark.column + 1, "YAML syntax error: %s%s; %s", problem, ctx,
                       hint);
}

/* Reads the one document of the file: a mapping whose keys are groups. */
static int read_document(struct yaml_reader *r)
{
    yaml_node_t *root = yaml_document_get_root_node(r->doc);

    if (root == NULL || is_null(root)) {
        return 0;
    }
    if (visit(r, root) < 0) {
        return -1;
    }
    if (root->type != YAML_MAPPING_NODE) {
        return fail_at(r, root,
                       "the inventory is a YAML %s, not a mapping of groups; start it with "
                       "'all:' and list hosts under 'all:' 'hosts:'",
                       kind(root));
    }
    if (check_unique_keys(r, root) < 0) {
        return -1;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        if (read_group(r, node(r, p->key), node(r, p->value), NO_GROUP, 0) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Parses the text with libyaml and walks the first document; refuses a second one. */
static int load(struct yaml_reader *r)
{
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    int rc = -1;

    if (!yaml_parser_initialize(&parser)) {
        return nomem(r);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)r->src->text, r->src->len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = syntax_error(r, &parser);
        yaml_parser_delete(&parser);
        return rc;
    }
    r->doc = &doc;
    rc = read_document(r);
    if (rc == 0) {
        if (!yaml_parser_load(&parser, &extra)) {
            rc = syntax_error(r, &parser);
        } else {
            yaml_node_t *more = yaml_document_get_root_node(&extra);
            if (more != NULL) {
                rc = inv_fail_at(r->err, r->src->path, (int)extra.start_mark.line + 1,
                                 (int)extra.start_mark.column + 1,
                                 "a second YAML document starts here; an inventory is one "
                                 "document: merge them or put each in a file of its own");
            }
            yaml_document_delete(&extra);
        }
    }
    r->doc = NULL;
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

static int yaml_parse(const struct inv_source *src, struct inv_list *list,
                      struct fs_inventory_error *err)
{
    struct inv_ans_model m;
    struct yaml_reader r = {.src = src, .err = err, .m = &m};
    int rc = -1;

    if (inv_ans_model_init(&m) < 0) {
        inv_ans_model_free(&m);
        return nomem(&r);
    }
    if (load(&r) < 0 || check_defined(&r) < 0) {
        goto out;
    }
    if (m.n_hosts == 0) {
        inv_fail(err, src->path, 0,
                 "no hosts found; list hosts under a group's hosts:, e.g. all: hosts: web1:");
        goto out;
    }
    rc = inv_ans_resolve(src, &m, list, err);
out:
    inv_ans_model_free(&m);
    return rc;
}

/* Says whether path ends in .yml or .yaml (any case). */
static int yaml_extension(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

    if (dot == NULL || (slash != NULL && dot < slash)) {
        return 0;
    }
    return strcasecmp(dot, ".yml") == 0 || strcasecmp(dot, ".yaml") == 0;
}

/*
 * A YAML inventory is named *.yml or *.yaml, or its first line that is not blank or a comment
 * starts a YAML document: "---", "%YAML", a flow mapping "{", or an unindented mapping key
 * ("all:", "web: {...}"). A key holds no spaces, '=', '@', ':' or brackets, so plain-list and
 * INI lines ("web1:2222", "[web]", "fe80::") never look like one.
 */
static int yaml_detect(const struct inv_source *src)
{
    if (yaml_extension(src->path)) {
        return 1;
    }
    for (size_t i = 0; i < src->n_lines; i++) {
        size_t b, n = inv_line_trim(&src->lines[i], &b), k = 0;
        const char *s = src->lines[i].text + b;

        if (n == 0) {
            continue;
        }
        if ((n >= 3 && memcmp(s, "---", 3) == 0 && (n == 3 || s[3] == ' ' || s[3] == '\t')) ||
            (n >= 5 && memcmp(s, "%YAML", 5) == 0) || s[0] == '{') {
            return 1;
        }
        if (b != 0 || strchr("[-;", s[0]) != NULL) {
            return 0;
        }
        while (k < n && strchr(" \t=@:[]", s[k]) == NULL) {
            k++;
        }
        return k > 0 && k < n && s[k] == ':' && (k + 1 == n || s[k + 1] == ' ' || s[k + 1] == '\t');
    }
    return 0;
}

const struct inv_format inv_format_ansible_yaml = {
    .name = "ansible-yaml",
    .detect = yaml_detect,
    .parse = yaml_parse,
};
