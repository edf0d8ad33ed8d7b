/*
 * json: fleetscan.json, the whole scan as one document, written one host at a time.
 *
 * jansson refuses strings that are not valid UTF-8, and device text often is not, so every
 * string from a record goes through fs_utf8_clean() before it becomes a JSON string.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"
#include "report/report.h"

/* Adds val under key and takes the reference; -1 if val is NULL or memory ran out. */
static int set(json_t *obj, const char *key, json_t *val)
{
    return val != NULL && json_object_set_new(obj, key, val) == 0 ? 0 : -1;
}

/* A JSON string of the cleaned text (len bytes); NULL on memory exhaustion. */
static json_t *string_json(const char *s, size_t len)
{
    char *clean = fs_utf8_clean(s, len, NULL);
    json_t *val;

    if (clean == NULL)
        return NULL;
    val = json_string(clean);
    free(clean);
    return val;
}

/* Record text: null for NULL or "" (the records' "empty"), else the cleaned string. */
static json_t *text_json(const char *s, size_t len)
{
    return s == NULL || len == 0 ? json_null() : string_json(s, len);
}

static json_t *cstr_json(const char *s)
{
    return text_json(s, s != NULL ? strlen(s) : 0);
}

/* The fixed arrays of struct fs_scan_info may have lost their terminator: never read past. */
static json_t *stamp_json(const char *stamp, size_t size)
{
    return text_json(stamp, strnlen(stamp, size));
}

/* A negative count or duration means "not known". */
static json_t *number_json(int64_t n)
{
    return n >= 0 ? json_integer(n) : json_null();
}

/* A new array holding the cleaned string entries of arr (NULL: empty); others are skipped. */
static json_t *strings_json(const json_t *arr)
{
    json_t *out = json_array();

    for (size_t i = 0; out != NULL && i < json_array_size(arr); i++) {
        const json_t *item = json_array_get(arr, i);
        if (!json_is_string(item))
            continue;
        json_t *copy = string_json(json_string_value(item), json_string_length(item));
        if (json_array_append_new(out, copy) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static json_t *column_json(const struct fs_column *c, const struct fs_host_record *r)
{
    switch (c->kind) {
    case FS_COLUMN_NUMBER:
        return number_json(c->number(r));
    case FS_COLUMN_NOTES:
        return strings_json(r->verdict.notes);
    case FS_COLUMN_TEXT:
        break;
    }
    return cstr_json(c->text(r));
}

/*
 * One host: every CSV column under its CSV name, then facts and reasons. With copy, the
 * object shares nothing with the record (a tree-form record's facts are deep-copied); without,
 * it may hold a reference to them, for a caller that dumps the object and drops it at once.
 */
static json_t *host_json(const struct fs_host_record *r, bool copy)
{
    json_t *h = json_object(), *facts = NULL;

    if (h == NULL)
        return NULL;
    for (const struct fs_column *c = fs_columns; c->name != NULL; c++)
        if (set(h, c->name, column_json(c, r)) < 0)
            goto fail;
    if (fs_host_record_facts(r, &facts) < 0)
        goto fail;
    if (copy && facts != NULL && facts == r->facts) {
        json_t *c = json_deep_copy(facts);
        json_decref(facts);
        if (c == NULL)
            goto fail;
        facts = c;
    }
    if (set(h, "facts", facts != NULL ? facts : json_null()) < 0 ||
        set(h, "reasons", strings_json(r->verdict.reasons)) < 0)
        goto fail;
    return h;
fail:
    json_decref(h);
    return NULL;
}

/* Every vocabulary value of every dimension, zero counts included, so the shape never varies. */
static json_t *summary_json(const struct fs_report *rep)
{
    struct fs_tally t;
    json_t *s = json_object();

    fs_tally_count(rep, &t);
    if (s == NULL || set(s, "hosts", json_integer((json_int_t)t.hosts)) < 0)
        goto fail;
    for (int d = 0; d < FS_DIM_COUNT; d++) {
        const struct fs_dimension_info *info = &fs_dimensions[d];
        json_t *counts = json_object();
        if (set(s, info->name, counts) < 0)
            goto fail;
        for (size_t i = 0; i < info->n_values; i++)
            if (set(counts, fs_dimension_value_name(d, info->values[i]),
                    json_integer((json_int_t)t.counts[d][i])) < 0)
                goto fail;
    }
    return s;
fail:
    json_decref(s);
    return NULL;
}

/* null for a whole-inventory scan, else {index, count, inventory_hosts, positions}. */
static json_t *shard_json(const struct fs_scan_info *scan)
{
    json_t *o, *positions;

    if (scan->shard_count <= 0)
        return json_null();
    o = json_object();
    positions = json_array();
    if (o == NULL || positions == NULL || set(o, "index", json_integer(scan->shard_index)) < 0 ||
        set(o, "count", json_integer(scan->shard_count)) < 0 ||
        set(o, "inventory_hosts", json_integer((json_int_t)scan->inventory_hosts)) < 0) {
        json_decref(positions);
        json_decref(o);
        return NULL;
    }
    if (set(o, "positions", positions) < 0) {
        json_decref(o);
        return NULL;
    }
    for (size_t i = 0; scan->positions != NULL && i < scan->n_positions; i++)
        if (json_array_append_new(positions, json_integer((json_int_t)scan->positions[i])) < 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static json_t *scan_json(const struct fs_scan_info *scan)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    if (set(o, "started_at", stamp_json(scan->started_at, sizeof(scan->started_at))) < 0 ||
        set(o, "finished_at", stamp_json(scan->finished_at, sizeof(scan->finished_at))) < 0 ||
        set(o, "duration_ms", number_json(scan->duration_ms)) < 0 ||
        set(o, "inventory", cstr_json(scan->inventory)) < 0 ||
        set(o, "parallel", json_integer(scan->parallel)) < 0 ||
        set(o, "complete", json_boolean(scan->complete)) < 0 ||
        set(o, "shard", shard_json(scan)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The four small leading objects: tool, rules, scan, summary. */
static int head_json(json_t *doc, const struct fs_report *rep, const struct fs_scan_info *scan)
{
    json_t *tool = json_object(), *rules = json_object();

    /* Both go into doc first, so that doc owns them whatever fails afterwards. */
    if (set(doc, "tool", tool) < 0) {
        json_decref(rules);
        return -1;
    }
    if (set(doc, "rules", rules) < 0)
        return -1;
    if (set(tool, "name", json_string("fleetscan")) < 0 ||
        set(tool, "version", cstr_json(scan->tool_version)) < 0 ||
        set(rules, "id", cstr_json(scan->rules_id)) < 0 || set(doc, "scan", scan_json(scan)) < 0 ||
        set(doc, "summary", summary_json(rep)) < 0)
        return -1;
    return 0;
}

/* Without scan information the fields are still there, as null / 0 / false. */
static const struct fs_scan_info *scan_or_default(const struct fs_report *rep)
{
    static const struct fs_scan_info no_scan = {.duration_ms = -1};

    return rep->scan != NULL ? rep->scan : &no_scan;
}

json_t *fs_report_to_json(const struct fs_report *rep)
{
    json_t *doc = json_object(), *hosts = json_array();

    if (doc == NULL || hosts == NULL || head_json(doc, rep, scan_or_default(rep)) < 0)
        goto fail;
    for (size_t i = 0; i < rep->n_hosts; i++)
        if (json_array_append_new(hosts, host_json(&rep->hosts[i], true)) < 0)
            goto fail;
    if (set(doc, "hosts", hosts) < 0) {
        hosts = NULL; /* set() took the reference even when it failed */
        goto fail;
    }
    return doc;
fail:
    json_decref(hosts);
    json_decref(doc);
    return NULL;
}

/*
 * ---- the streaming writer ------------------------------------------------------------------
 *
 * fleetscan.json is written piece by piece, so that its size in memory is one host's object
 * rather than the whole document: the head (tool, rules, scan, summary) is built and dumped,
 * then each host is built, dumped and freed in turn. Every piece is dumped with the options
 * the whole document was dumped with (two-space indentation, keys in insertion order) and
 * shifted to its depth in the document, so the file is byte for byte what dumping the tree of
 * fs_report_to_json() gives.
 */

/* Writes a whole string; -1 with errno set by stdio on a write error. */
static int put(FILE *f, const char *s)
{
    return fputs(s, f) < 0 ? -1 : 0;
}

/*
 * Writes JSON text dumped on its own as if it stood depth levels deep: every newline is
 * followed by two spaces per level. A newline inside a JSON string is always escaped, so each
 * newline in the text is one that the indentation put there.
 */
static int put_indented(FILE *f, const char *text, int depth)
{
    while (*text != '\0') {
        const char *nl = strchr(text, '\n');
        size_t n = nl != NULL ? (size_t)(nl - text) + 1 : strlen(text);

        if (fwrite(text, 1, n, f) != n)
            return -1;
        if (nl != NULL && fprintf(f, "%*s", 2 * depth, "") < 0)
            return -1;
        text += n;
    }
    return 0;
}

/* Dumps val depth levels deep and drops the reference; NULL val means memory ran out. */
static int put_value(FILE *f, json_t *val, int depth)
{
    char *text;
    int rc;

    if (val == NULL) {
        errno = ENOMEM;
        return -1;
    }
    /* Key order is insertion order (JSON_PRESERVE_ORDER), which is the documented order. */
    text = json_dumps(val, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(val);
    if (text == NULL) {
        errno = ENOMEM;
        return -1;
    }
    rc = put_indented(f, text, depth);
    free(text);
    return rc;
}

/* "{", then each head member as `  "key": value,` on its own lines. */
static int put_head(FILE *f, const struct fs_report *rep)
{
    json_t *head = json_object();
    const char *key;
    json_t *val;
    int rc = -1;

    if (head == NULL || head_json(head, rep, scan_or_default(rep)) < 0) {
        json_decref(head);
        errno = ENOMEM;
        return -1;
    }
    if (put(f, "{") < 0)
        goto out;
    /* The member names are fixed ASCII words that need no escaping. */
    json_object_foreach(head, key, val)
    {
        if (fprintf(f, "\n  \"%s\": ", key) < 0 || put_value(f, json_incref(val), 1) < 0 ||
            put(f, ",") < 0)
            goto out;
    }
    rc = 0;
out:
    json_decref(head);
    return rc;
}

int fs_report_write_json(const struct fs_report *rep, FILE *f)
{
    if (put_head(f, rep) < 0 || put(f, "\n  \"hosts\": [") < 0)
        return -1;
    for (size_t i = 0; i < rep->n_hosts; i++)
        if (put(f, i > 0 ? ",\n    " : "\n    ") < 0 ||
            put_value(f, host_json(&rep->hosts[i], false), 2) < 0)
            return -1;
    if ((rep->n_hosts > 0 && put(f, "\n  ") < 0) || put(f, "]\n}\n") < 0)
        return -1;
    return fs_writer_finish(f);
}
