/*
 * rules: loads and validates rule sets (docs/rules.md). Every member of the document is
 * checked, unknown members are refused (a misspelt key must not silently drop a rule), and an
 * error names the file, line and column of the offending value and its JSON path. jansson
 * gives the position of syntax errors; for the values themselves it keeps none, so the
 * position is found again by walking the (already valid) text along the path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scanner/rules.h"

#define FORMAT_NAME "fleetscan-rules/1"
#define MAX_DEPTH   12
#define MAX_FILE    (1024 * 1024)

#include "scanner/rules_embed.h"

const char *const fs_rules_probe_kernel_flags[] = {
    "NAMESPACES",
    "NET_NS",
    "PID_NS",
    "IPC_NS",
    "UTS_NS",
    "CGROUPS",
    "CGROUP_CPUACCT",
    "CGROUP_DEVICE",
    "CGROUP_FREEZER",
    "CGROUP_SCHED",
    "CPUSETS",
    "MEMCG",
    "KEYS",
    "VETH",
    "BRIDGE",
    "BRIDGE_NETFILTER",
    "IP_NF_FILTER",
    "IP_NF_TARGET_MASQUERADE",
    "NETFILTER_XT_MATCH_ADDRTYPE",
    "NETFILTER_XT_MATCH_CONNTRACK",
    "NETFILTER_XT_MATCH_IPVS",
    "NETFILTER_XT_MARK",
    "IP_NF_NAT",
    "NF_NAT",
    "POSIX_MQUEUE",
    "EXT4_FS_SECURITY",
    NULL,
};

static const char *const column_names[FS_COL_COUNT] = {"AMD64", "ARM32v7", "ARM64"};

int fs_rules_column_of(enum fs_arch_class a)
{
    switch (a) {
    case FS_ARCH_AMD64:
        return FS_COL_AMD64;
    case FS_ARCH_ARM32V7:
        return FS_COL_ARM32V7;
    case FS_ARCH_ARM64:
        return FS_COL_ARM64;
    default:
        return -1;
    }
}

const char *fs_rules_column_name(enum fs_rules_column c)
{
    return (unsigned)c < FS_COL_COUNT ? column_names[c] : "?";
}

/* ---- where a value is in the text ------------------------------------------------------- */

struct seg {
    const char *key; /* member name, or NULL for an array index */
    size_t index;
};

struct ctx {
    const char *text;
    size_t len;
    const char *origin;
    char *err;
    size_t size;
    bool failed;
    struct seg path[MAX_DEPTH];
    size_t depth;
};

static size_t skip_ws(const struct ctx *c, size_t i)
{
    while (i < c->len &&
           (c->text[i] == ' ' || c->text[i] == '\t' || c->text[i] == '\n' || c->text[i] == '\r'))
        i++;
    return i;
}

/* i is at an opening quote; returns the index after the closing one. */
static size_t skip_string(const struct ctx *c, size_t i)
{
    for (i++; i < c->len && c->text[i] != '"'; i++)
        if (c->text[i] == '\\')
            i++;
    return i < c->len ? i + 1 : c->len;
}

static size_t skip_value(const struct ctx *c, size_t i)
{
    int depth = 0;

    if (i >= c->len)
        return i;
    if (c->text[i] == '"')
        return skip_string(c, i);
    if (c->text[i] != '{' && c->text[i] != '[') {
        while (i < c->len && strchr(",]} \t\r\n", c->text[i]) == NULL)
            i++;
        return i;
    }
    while (i < c->len) {
        char ch = c->text[i];
        if (ch == '"') {
            i = skip_string(c, i);
            continue;
        }
        if (ch == '{' || ch == '[')
            depth++;
        else if ((ch == '}' || ch == ']') && --depth == 0)
            return i + 1;
        i++;
    }
    return i;
}

/* The offset of the value at the first depth segments of the path (valid JSON assumed). */
static size_t locate(const struct ctx *c, size_t depth)
{
    size_t i = skip_ws(c, 0);

    if (depth > MAX_DEPTH)
        depth = MAX_DEPTH;

    for (size_t d = 0; d < depth && i < c->len; d++) {
        size_t start = i;
        if (c->path[d].key == NULL && c->text[i] == '[') {
            i = skip_ws(c, i + 1);
            for (size_t k = 0; k < c->path[d].index && i < c->len; k++) {
                i = skip_ws(c, skip_value(c, i));
                if (i < c->len && c->text[i] == ',')
                    i = skip_ws(c, i + 1);
            }
        } else if (c->path[d].key != NULL && c->text[i] == '{') {
            size_t want = strlen(c->path[d].key);
            bool found = false;
            i = skip_ws(c, i + 1);
            while (!found && i < c->len && c->text[i] == '"') {
                size_t k = i + 1, end = skip_string(c, i);
                found = end - k - 1 == want && memcmp(c->text + k, c->path[d].key, want) == 0;
                i = skip_ws(c, end);
                if (i < c->len && c->text[i] == ':')
                    i = skip_ws(c, i + 1);
                if (!found) {
                    i = skip_ws(c, skip_value(c, i));
                    if (i < c->len && c->text[i] == ',')
                        i = skip_ws(c, i + 1);
                }
            }
            if (!found)
                return start;
        } else {
            return start;
        }
    }
    return i;
}

/* Line and column (1-based, in characters) of an offset. */
static void line_col(const struct ctx *c, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < c->len; i++) {
        if (c->text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)c->text[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/*
 * Reports an error about the value at the current path (or, with at_parent, about the object
 * that holds it, for a member that is missing). The first error wins.
 */
__attribute__((format(printf, 3, 4))) static void fail(struct ctx *c, bool at_parent,
                                                       const char *fmt, ...)
{
    char path[256] = "", msg[512];
    size_t n = 0;
    int line, col;
    va_list ap;

    if (c->failed)
        return;
    c->failed = true;
    for (size_t d = 0; d < c->depth && d < MAX_DEPTH && n < sizeof path; d++) {
        if (c->path[d].key != NULL)
            n += (size_t)snprintf(path + n, sizeof path - n, "%s%s", d > 0 ? "." : "",
                                  c->path[d].key);
        else
            n += (size_t)snprintf(path + n, sizeof path - n, "[%zu]", c->path[d].index);
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    line_col(c, locate(c, at_parent && c->depth > 0 ? c->depth - 1 : c->depth), &line, &col);
    snprintf(c->err, c->size, "%s:%d:%d: %s%s%s", c->origin, line, col, path,
             path[0] != '\0' ? ": " : "", msg);
}

static void push_key(struct ctx *c, const char *key)
{
    if (c->depth < MAX_DEPTH)
        c->path[c->depth] = (struct seg){key, 0};
    c->depth++;
}

static void push_index(struct ctx *c, size_t index)
{
    if (c->depth < MAX_DEPTH)
        c->path[c->depth] = (struct seg){NULL, index};
    c->depth++;
}

static void pop(struct ctx *c)
{
    c->depth--;
}

/* ---- typed members ---------------------------------------------------------------------- */

/* Refuses members not in allowed (NULL-ended): a misspelt key must not drop a rule. */
static void only_keys(struct ctx *c, const json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)obj, key, value)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL; i++)
            ok = ok || strcmp(key, allowed[i]) == 0;
        if (!ok) {
            push_key(c, key);
            fail(c, false, "unknown member (allowed: see docs/rules.md)");
            pop(c);
            return;
        }
    }
}

/* The member key of obj, checked for presence (when required) and type. */
static json_t *member(struct ctx *c, const json_t *obj, const char *key, json_type type,
                      bool required, const char *what)
{
    json_t *v = json_object_get(obj, key);

    push_key(c, key);
    if (v == NULL && required)
        fail(c, true, "missing (expected %s)", what);
    else if (v != NULL && json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v)))
        fail(c, false, "expected %s", what);
    pop(c);
    return c->failed || (v != NULL && json_typeof(v) != type &&
                         !(type == JSON_TRUE && json_is_boolean(v)))
               ? NULL
               : v;
}

static char *dup_or_fail(struct ctx *c, const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        fail(c, false, "out of memory");
    return d;
}

/* Checks a string at the current path: non-empty, at most max bytes, no control characters. */
static char *check_text(struct ctx *c, const char *s, size_t max)
{
    if (s[0] == '\0' || strlen(s) > max)
        fail(c, false, "expected a non-empty string of at most %zu bytes", max);
    for (const char *p = s; !c->failed && *p != '\0'; p++)
        if ((unsigned char)*p < 0x20)
            fail(c, false, "control characters are not allowed");
    return c->failed ? NULL : dup_or_fail(c, s);
}

static char *text_member(struct ctx *c, const json_t *obj, const char *key, bool required,
                         size_t max)
{
    json_t *v = member(c, obj, key, JSON_STRING, required, "a string");
    char *out;

    if (v == NULL)
        return NULL;
    push_key(c, key);
    out = check_text(c, json_string_value(v), max);
    pop(c);
    return out;
}

static long long int_member(struct ctx *c, const json_t *obj, const char *key, bool required,
                            long long lo, long long hi)
{
    json_t *v = member(c, obj, key, JSON_INTEGER, required, "a whole number");
    long long n = v != NULL ? (long long)json_integer_value(v) : 0;

    push_key(c, key);
    if (v != NULL && (n < lo || n > hi))
        fail(c, false, "%lld is out of range %lld..%lld", n, lo, hi);
    pop(c);
    return n;
}

static bool bool_member(struct ctx *c, const json_t *obj, const char *key, bool required)
{
    json_t *v = member(c, obj, key, JSON_TRUE, required, "true or false");
    return v == json_true();
}

/* A non-empty array of strings (each validated like text_member), NULL-ended. */
static char **list_member(struct ctx *c, const json_t *obj, const char *key, bool required)
{
    json_t *arr = member(c, obj, key, JSON_ARRAY, required, "an array of strings");
    char **list;
    size_t n = json_array_size(arr);

    if (arr == NULL)
        return NULL;
    push_key(c, key);
    if (n == 0 || n > 256)
        fail(c, false, "expected 1 to 256 strings");
    list = c->failed ? NULL : calloc(n + 1, sizeof *list);
    if (list == NULL && !c->failed)
        fail(c, false, "out of memory");
    for (size_t i = 0; list != NULL && !c->failed && i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        push_index(c, i);
        if (s == NULL)
            fail(c, false, "expected a string");
        else
            list[i] = check_text(c, s, 256);
        pop(c);
    }
    pop(c);
    return list;
}

/* Maps a string member onto a fixed vocabulary; returns its index or -1. */
static int word_member(struct ctx *c, const json_t *obj, const char *key, bool required,
                       const char *const *words, const char *expected)
{
    json_t *v = member(c, obj, key, JSON_STRING, required, expected);
    const char *s = json_string_value(v);

    if (s == NULL)
        return -1;
    for (int i = 0; words[i] != NULL; i++)
        if (strcmp(words[i], s) == 0)
            return i;
    push_key(c, key);
    fail(c, false, "'%s': expected %s", s, expected);
    pop(c);
    return -1;
}

static bool dotted_number(const char *s)
{
    bool digit = false;

    for (; *s != '\0'; s++) {
        if (*s >= '0' && *s <= '9')
            digit = true;
        else if (*s == '.' && digit)
            digit = false;
        else
            return false;
    }
    return digit;
}

/* ---- the document ----------------------------------------------------------------------- */

static void free_list(char **list)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        free(list[i]);
    free(list);
}

void fs_rules_free(struct fs_rules *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_rows; i++) {
        struct fs_rules_row *row = &r->rows[i];
        free(row->label);
        free_list(row->ids);
        free(row->name);
        free(row->version);
        free_list(row->editions);
        free(row->builds);
        free(row->caveat);
        free(row->caveat_note);
    }
    free(r->rows);
    for (size_t i = 0; i < r->n_engines; i++) {
        free(r->engines[i].name);
        free(r->engines[i].reason);
        free(r->engines[i].note);
    }
    free(r->engines);
    for (size_t i = 0; i < FS_TIER_COUNT; i++)
        free(r->tier_meaning[i]);
    free_list(r->kernel_config);
    free_list(r->cgroup_v1);
    free_list(r->cgroup_v2);
    free_list(r->tables);
    free(r->prereq_source);
    free(r->engine_api_min);
    free(r->id);
    free(r->title);
    free(r->source_date);
    free(r->source);
    free(r->origin);
    free(r);
}

const char *fs_rules_id(const struct fs_rules *r)
{
    return r->id;
}

static const char *const family_words[] = {"linux", "windows", NULL};
static const char *const cell_words[] = {"no", "yes", "preview", NULL};
static const char *const runtime_words[] = {"native", "eflow", NULL};
static const char *const tier_words[] = {"tier1", "tier1-preview", "tier2", NULL};
static const enum fs_tier tier_values[] = {FS_TIER_1, FS_TIER_1_PREVIEW, FS_TIER_2};
static const char *const support_words[] = {"recommended", "best-effort", "unsupported", NULL};
static const enum fs_engine_support support_values[] = {
    FS_ENGINE_RECOMMENDED, FS_ENGINE_BEST_EFFORT, FS_ENGINE_UNSUPPORTED};

static void parse_builds(struct ctx *c, const json_t *obj, struct fs_rules_row *row)
{
    json_t *arr = member(c, obj, "builds", JSON_ARRAY, false, "an array of build numbers");
    size_t n = json_array_size(arr);

    if (arr == NULL)
        return;
    push_key(c, "builds");
    if (n == 0 || n > 64)
        fail(c, false, "expected 1 to 64 build numbers");
    row->builds = c->failed ? NULL : calloc(n + 1, sizeof *row->builds);
    for (size_t i = 0; row->builds != NULL && !c->failed && i < n; i++) {
        json_t *b = json_array_get(arr, i);
        push_index(c, i);
        if (!json_is_integer(b) || json_integer_value(b) < 1 || json_integer_value(b) > 999999)
            fail(c, false, "expected a Windows build number from 1 to 999999");
        else
            row->builds[i] = (long long)json_integer_value(b);
        pop(c);
    }
    pop(c);
}

static void parse_cells(struct ctx *c, const struct fs_rules *r, const json_t *obj,
                        struct fs_rules_row *row)
{
    static const char *const allowed[] = {"AMD64", "ARM32v7", "ARM64", NULL};
    json_t *cells = member(c, obj, "cells", JSON_OBJECT, true, "an object of column: cell");

    if (cells == NULL)
        return;
    push_key(c, "cells");
    only_keys(c, cells, allowed);
    for (int col = 0; !c->failed && col < FS_COL_COUNT; col++) {
        bool present = json_object_get(cells, column_names[col]) != NULL;
        if (present && !r->columns[col]) {
            push_key(c, column_names[col]);
            fail(c, false, "this rule set has no %s column", column_names[col]);
            pop(c);
        } else if (r->columns[col]) {
            int w = word_member(c, cells, column_names[col], true, cell_words,
                                "\"yes\", \"no\" or \"preview\"");
            row->cells[col] = w < 0 ? FS_CELL_NO : (enum fs_rules_cell)w;
        }
    }
    pop(c);
}

static void parse_row(struct ctx *c, struct fs_rules *r, const json_t *obj, enum fs_tier tier,
                      const char *table)
{
    static const char *const allowed[] = {
        "os",     "family",    "id",      "name",  "version", "vendor_builds", "editions",
        "builds", "min_build", "runtime", "cells", "caveat",  "caveat_note",   NULL};
    struct fs_rules_row *row = &r->rows[r->n_rows++];
    int family, runtime;

    row->tier = tier;
    row->table = table;
    if (!json_is_object(obj)) {
        fail(c, false, "expected a row object");
        return;
    }
    only_keys(c, obj, allowed);
    row->label = text_member(c, obj, "os", true, 128);
    family = word_member(c, obj, "family", true, family_words, "\"linux\" or \"windows\"");
    row->family = family == 1 ? FS_OS_WINDOWS : FS_OS_LINUX;
    row->ids = list_member(c, obj, "id", family == 0);
    row->name = text_member(c, obj, "name", false, 128);
    row->version = text_member(c, obj, "version", false, 32);
    if (row->version != NULL && !dotted_number(row->version)) {
        push_key(c, "version");
        fail(c, false, "'%s': expected a dotted version such as \"7.5\" or \"18.04\"",
             row->version);
        pop(c);
    }
    row->vendor = bool_member(c, obj, "vendor_builds", false);
    row->editions = list_member(c, obj, "editions", false);
    parse_builds(c, obj, row);
    row->min_build = int_member(c, obj, "min_build", false, 1, 999999);
    runtime = word_member(c, obj, "runtime", false, runtime_words, "\"native\" or \"eflow\"");
    row->runtime = runtime == 1 ? FS_RUNTIME_EFLOW : FS_RUNTIME_NATIVE;
    if (!c->failed && family == 1 && (row->ids != NULL || row->version != NULL || row->vendor))
        fail(c, false, "a Windows row is matched by editions and builds, not id or version");
    if (!c->failed && family == 0 &&
        (row->editions != NULL || row->builds != NULL || row->min_build != 0 || runtime >= 0))
        fail(c, false, "editions, builds, min_build and runtime are for Windows rows");
    parse_cells(c, r, obj, row);
    row->caveat = text_member(c, obj, "caveat", false, 512);
    row->caveat_note = text_member(c, obj, "caveat_note", false, 128);
}

static void parse_tables(struct ctx *c, struct fs_rules *r, const json_t *doc)
{
    static const char *const allowed[] = {"tier", "title", "rows", NULL};
    json_t *tables = member(c, doc, "tables", JSON_ARRAY, true, "an array of tier tables");
    size_t total = 0;

    for (size_t t = 0; t < json_array_size(tables); t++)
        total += json_array_size(json_object_get(json_array_get(tables, t), "rows"));
    push_key(c, "tables");
    if (tables != NULL && (total == 0 || total > 512))
        fail(c, false, "expected 1 to 512 rows in all");
    r->rows = c->failed ? NULL : calloc(total, sizeof *r->rows);
    r->tables = r->rows == NULL ? NULL : calloc(json_array_size(tables) + 1, sizeof *r->tables);
    if (!c->failed && (r->rows == NULL || r->tables == NULL))
        fail(c, false, "out of memory");
    for (size_t t = 0; r->rows != NULL && !c->failed && t < json_array_size(tables); t++) {
        json_t *table = json_array_get(tables, t), *rows;
        int tier;
        push_index(c, t);
        if (!json_is_object(table)) {
            fail(c, false, "expected a table object");
            pop(c);
            break;
        }
        only_keys(c, table, allowed);
        tier = word_member(c, table, "tier", true, tier_words,
                           "\"tier1\", \"tier1-preview\" or \"tier2\"");
        r->tables[t] = text_member(c, table, "title", true, 128);
        rows = member(c, table, "rows", JSON_ARRAY, true, "an array of rows");
        push_key(c, "rows");
        for (size_t i = 0; rows != NULL && !c->failed && i < json_array_size(rows); i++) {
            push_index(c, i);
            parse_row(c, r, json_array_get(rows, i), tier >= 0 ? tier_values[tier] : FS_TIER_2,
                      r->tables[t]);
            pop(c);
        }
        pop(c);
        pop(c);
    }
    pop(c);
}

static void parse_engines(struct ctx *c, struct fs_rules *r, const json_t *doc)
{
    static const char *const allowed[] = {"name", "support", "reason", "note", NULL};
    json_t *engines = member(c, doc, "engines", JSON_ARRAY, true, "an array of engines");
    size_t n = json_array_size(engines);

    push_key(c, "engines");
    if (engines != NULL && (n == 0 || n > 32))
        fail(c, false, "expected 1 to 32 engines");
    r->engines = c->failed ? NULL : calloc(n, sizeof *r->engines);
    for (size_t i = 0; r->engines != NULL && !c->failed && i < n; i++) {
        json_t *e = json_array_get(engines, i);
        struct fs_rules_engine *en = &r->engines[r->n_engines++];
        int support;
        push_index(c, i);
        if (!json_is_object(e))
            fail(c, false, "expected an engine object");
        only_keys(c, e, allowed);
        en->name = text_member(c, e, "name", true, 64);
        support = word_member(c, e, "support", true, support_words,
                              "\"recommended\", \"best-effort\" or \"unsupported\"");
        en->support = support >= 0 ? support_values[support] : FS_ENGINE_UNKNOWN;
        en->reason = text_member(c, e, "reason", true, 512);
        en->note = text_member(c, e, "note", true, 128);
        for (size_t k = 0; !c->failed && k + 1 < r->n_engines; k++)
            if (strcmp(r->engines[k].name, en->name) == 0) {
                push_key(c, "name");
                fail(c, false, "engine '%s' is listed twice", en->name);
                pop(c);
            }
        pop(c);
    }
    pop(c);
}

static void parse_windows(struct ctx *c, struct fs_rules *r, const json_t *doc)
{
    static const char *const allowed[] = {"windows_containers_build", "linux_containers_min_build",
                                          "hyperv_isolation", NULL};
    json_t *w = member(c, doc, "windows", JSON_OBJECT, true, "an object");
    json_t *build = json_object_get(w, "windows_containers_build");

    if (w == NULL)
        return;
    push_key(c, "windows");
    only_keys(c, w, allowed);
    if (json_is_null(build)) {
        r->windows_container_build = 0;
    } else if (build != NULL && !json_is_integer(build)) {
        push_key(c, "windows_containers_build");
        fail(c, false,
             "expected a Windows build number, or null when there are no Windows "
             "containers");
        pop(c);
    } else {
        r->windows_container_build = int_member(c, w, "windows_containers_build", true, 1, 999999);
    }
    r->linux_containers_min_build = int_member(c, w, "linux_containers_min_build", true, 1, 999999);
    r->hyperv_isolation = bool_member(c, w, "hyperv_isolation", true);
    pop(c);
}

static void parse_per_arch(struct ctx *c, const json_t *obj, const char *key, long long *out)
{
    static const char *const allowed[] = {"amd64", "arm32v7", "arm64", "arm32v6", "x86", NULL};
    static const enum fs_arch_class classes[] = {FS_ARCH_AMD64, FS_ARCH_ARM32V7, FS_ARCH_ARM64,
                                                 FS_ARCH_ARM32V6, FS_ARCH_X86};
    json_t *m = member(c, obj, key, JSON_OBJECT, true, "an object of architecture: megabytes");

    if (m == NULL)
        return;
    push_key(c, key);
    only_keys(c, m, allowed);
    for (size_t i = 0; !c->failed && allowed[i] != NULL; i++)
        out[classes[i]] = int_member(c, m, allowed[i], false, 1, 1024 * 1024);
    pop(c);
}

static void parse_prerequisites(struct ctx *c, struct fs_rules *r, const json_t *doc)
{
    static const char *const allowed[] = {"source",
                                          "memory_available_mb",
                                          "storage_free_mb",
                                          "kernel_config",
                                          "cgroup_controllers",
                                          "systemd",
                                          "engine_api_min",
                                          NULL};
    static const char *const cg_allowed[] = {"v1", "v2", NULL};
    json_t *p = member(c, doc, "prerequisites", JSON_OBJECT, true, "an object");
    json_t *cg;

    if (p == NULL)
        return;
    push_key(c, "prerequisites");
    only_keys(c, p, allowed);
    r->prereq_source = text_member(c, p, "source", true, 512);
    parse_per_arch(c, p, "memory_available_mb", r->memory_available_mb);
    parse_per_arch(c, p, "storage_free_mb", r->storage_free_mb);
    r->kernel_config = list_member(c, p, "kernel_config", true);
    for (size_t i = 0; !c->failed && r->kernel_config != NULL && r->kernel_config[i] != NULL; i++) {
        bool known = false;
        for (size_t k = 0; fs_rules_probe_kernel_flags[k] != NULL; k++)
            known = known || strcmp(fs_rules_probe_kernel_flags[k], r->kernel_config[i]) == 0;
        if (!known) {
            push_key(c, "kernel_config");
            push_index(c, i);
            fail(c, false,
                 "'%s' is not a flag the probe reads (without the CONFIG_ prefix; see "
                 "docs/rules.md)",
                 r->kernel_config[i]);
            pop(c);
            pop(c);
        }
    }
    cg = member(c, p, "cgroup_controllers", JSON_OBJECT, true, "an object with v1 and v2");
    if (cg != NULL) {
        push_key(c, "cgroup_controllers");
        only_keys(c, cg, cg_allowed);
        r->cgroup_v1 = list_member(c, cg, "v1", true);
        r->cgroup_v2 = list_member(c, cg, "v2", true);
        pop(c);
    }
    r->systemd = bool_member(c, p, "systemd", true);
    r->engine_api_min = text_member(c, p, "engine_api_min", true, 16);
    if (r->engine_api_min != NULL && !dotted_number(r->engine_api_min)) {
        push_key(c, "engine_api_min");
        fail(c, false, "'%s': expected a version such as \"1.34\"", r->engine_api_min);
        pop(c);
    }
    pop(c);
}

static void parse_header(struct ctx *c, struct fs_rules *r, const json_t *doc)
{
    static const char *const tier_keys[] = {"tier1", "tier1-preview", "tier2", NULL};
    json_t *columns, *meanings;
    const char *format = json_string_value(json_object_get(doc, "format"));

    if (member(c, doc, "format", JSON_STRING, true, "\"" FORMAT_NAME "\"") != NULL &&
        strcmp(format, FORMAT_NAME) != 0) {
        push_key(c, "format");
        fail(c, false, "'%s': this fleetscan reads \"" FORMAT_NAME "\"", format);
        pop(c);
    }
    r->id = text_member(c, doc, "id", true, 64);
    for (const char *p = r->id; !c->failed && p != NULL && *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.')) {
            push_key(c, "id");
            fail(c, false, "'%s': use lower-case letters, digits, '-' and '.'", r->id);
            pop(c);
        }
    r->title = text_member(c, doc, "title", true, 200);
    r->source_date = text_member(c, doc, "source_date", true, 10);
    if (r->source_date != NULL &&
        (strlen(r->source_date) != 10 || r->source_date[4] != '-' || r->source_date[7] != '-')) {
        push_key(c, "source_date");
        fail(c, false, "'%s': expected YYYY-MM-DD", r->source_date);
        pop(c);
    }
    r->source = text_member(c, doc, "source", true, 512);
    columns = member(c, doc, "columns", JSON_ARRAY, true, "an array of column names");
    push_key(c, "columns");
    if (columns != NULL && json_array_size(columns) == 0)
        fail(c, false, "expected at least one of \"AMD64\", \"ARM32v7\", \"ARM64\"");
    for (size_t i = 0; columns != NULL && !c->failed && i < json_array_size(columns); i++) {
        const char *name = json_string_value(json_array_get(columns, i));
        bool known = false;
        push_index(c, i);
        for (int col = 0; name != NULL && col < FS_COL_COUNT; col++)
            if (strcmp(name, column_names[col]) == 0) {
                known = true;
                if (r->columns[col])
                    fail(c, false, "'%s' is listed twice", name);
                r->columns[col] = true;
            }
        if (!known)
            fail(c, false, "expected \"AMD64\", \"ARM32v7\" or \"ARM64\"");
        pop(c);
    }
    pop(c);
    meanings = member(c, doc, "tier_meanings", JSON_OBJECT, true, "an object");
    if (meanings != NULL) {
        push_key(c, "tier_meanings");
        only_keys(c, meanings, tier_keys);
        for (size_t i = 0; tier_keys[i] != NULL; i++)
            r->tier_meaning[tier_values[i]] = text_member(c, meanings, tier_keys[i], true, 200);
        pop(c);
    }
}

static void parse_vms(struct ctx *c, struct fs_rules *r, const json_t *doc)
{
    static const char *const allowed[] = {"family_must_match", NULL};
    json_t *vm = member(c, doc, "virtual_machines", JSON_OBJECT, true, "an object");

    if (vm == NULL)
        return;
    push_key(c, "virtual_machines");
    only_keys(c, vm, allowed);
    r->vm_family_match = bool_member(c, vm, "family_must_match", true);
    pop(c);
}

struct fs_rules *fs_rules_parse(const char *text, size_t len, const char *origin, char *err,
                                size_t size)
{
    static const char *const allowed[] = {"format",
                                          "id",
                                          "title",
                                          "source_date",
                                          "source",
                                          "columns",
                                          "tier_meanings",
                                          "tables",
                                          "engines",
                                          "windows",
                                          "virtual_machines",
                                          "prerequisites",
                                          NULL};
    struct ctx c = {text, len, origin, err, size, false, {{0}}, 0};
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    struct fs_rules *r;

    if (doc == NULL) {
        /* jansson quotes the text near the error, which may hold a newline or other control
         * characters: the message stays one line. */
        for (char *t = jerr.text; *t != '\0'; t++)
            if ((unsigned char)*t < 0x20 || *t == 0x7f)
                *t = '?';
        snprintf(err, size, "%s:%d:%d: %s", origin, jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        json_decref(doc);
        snprintf(err, size, "%s: out of memory", origin);
        return NULL;
    }
    if (!json_is_object(doc))
        fail(&c, false, "a rule set is a JSON object");
    else
        only_keys(&c, doc, allowed);
    if (!c.failed) {
        parse_header(&c, r, doc);
        parse_tables(&c, r, doc);
        parse_engines(&c, r, doc);
        parse_windows(&c, r, doc);
        parse_vms(&c, r, doc);
        parse_prerequisites(&c, r, doc);
    }
    json_decref(doc);
    r->origin = c.failed ? NULL : strdup(origin);
    if (c.failed || r->origin == NULL) {
        if (!c.failed)
            snprintf(err, size, "%s: out of memory", origin);
        fs_rules_free(r);
        return NULL;
    }
    return r;
}

struct fs_rules *fs_rules_load_file(const char *path, char *err, size_t size)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    struct fs_rules *r;

    if (f == NULL) {
        snprintf(err, size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    buf = malloc(MAX_FILE + 1);
    n = buf != NULL ? fread(buf, 1, MAX_FILE + 1, f) : 0;
    if (buf == NULL || ferror(f)) {
        snprintf(err, size, "%s: %s", path, buf == NULL ? "out of memory" : strerror(errno));
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    if (n > MAX_FILE) {
        snprintf(err, size, "%s: larger than 1 MiB: not a rule set", path);
        free(buf);
        return NULL;
    }
    r = fs_rules_parse(buf, n, path, err, size);
    free(buf);
    return r;
}

/* ---- the built-in sets ------------------------------------------------------------------ */

static struct fs_rules *builtin_cache[32];

size_t fs_rules_builtin_count(void)
{
    return fs_rules_n_blobs < 32 ? fs_rules_n_blobs : 32;
}

const struct fs_rules *fs_rules_builtin_at(size_t i)
{
    char err[512];

    if (i >= fs_rules_builtin_count())
        return NULL;
    if (builtin_cache[i] == NULL) {
        builtin_cache[i] =
            fs_rules_parse((const char *)fs_rules_blobs[i].data, fs_rules_blobs[i].len,
                           fs_rules_blobs[i].name, err, sizeof err);
        /* The build's own files are tested; if one is broken anyway, say where. */
        if (builtin_cache[i] == NULL)
            fprintf(stderr, "fleetscan: built-in rule set: %s\n", err);
    }
    return builtin_cache[i];
}

const struct fs_rules *fs_rules_builtin(const char *id)
{
    for (size_t i = 0; id != NULL && i < fs_rules_builtin_count(); i++) {
        const struct fs_rules *r = fs_rules_builtin_at(i);
        if (r != NULL && strcmp(r->id, id) == 0)
            return r;
    }
    return NULL;
}

const struct fs_rules *fs_rules_resolve(const char *arg, bool *owned, char *err, size_t size)
{
    const struct fs_rules *r = fs_rules_builtin(arg);
    size_t n = strlen(arg), used = 0;

    *owned = false;
    if (r != NULL)
        return r;
    if (strchr(arg, '/') != NULL || (n > 5 && strcmp(arg + n - 5, ".json") == 0)) {
        *owned = true;
        return fs_rules_load_file(arg, err, size);
    }
    used = (size_t)snprintf(err, size, "unknown rule set '%s'; built-in:", arg);
    for (size_t i = 0; used < size && i < fs_rules_builtin_count(); i++)
        if (fs_rules_builtin_at(i) != NULL)
            used += (size_t)snprintf(err + used, size - used, " %s", fs_rules_builtin_at(i)->id);
    if (used < size)
        snprintf(err + used, size - used, " (or a FILE.json)");
    return NULL;
}
