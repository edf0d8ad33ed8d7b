/*
 * read: a fleetscan.json read back into the records the writers take.
 *
 * The commands that work on stored reports (merge, classify, diff, --rescan-failed) all start
 * here. A report is input like an inventory: it may have been edited by hand, cut short, or
 * written by another tool, so every member is checked and the first problem is reported with
 * the place it is in ("fleetscan.json: host 3 (edge01): tier 'tier9' is not one of ...").
 * Reading a file that fleetscan wrote and writing it again gives the same bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"
#include "report/report.h"

/* Where a problem is: the file, and the host (1-based) when inside "hosts". */
struct ctx {
    const char *path;
    size_t host; /* 0: not inside a host */
    const char *name;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int bad(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    size_t n = 0;

    if (c->err == NULL || c->errlen == 0)
        return -1;
    if (c->host > 0 && c->name != NULL)
        n = (size_t)snprintf(c->err, c->errlen, "%s: host %zu (%s): ", c->path, c->host, c->name);
    else if (c->host > 0)
        n = (size_t)snprintf(c->err, c->errlen, "%s: host %zu: ", c->path, c->host);
    else
        n = (size_t)snprintf(c->err, c->errlen, "%s: ", c->path);
    if (n < c->errlen) {
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - n, fmt, ap);
        va_end(ap);
    }
    /* Names and values quoted from the file reach a terminal: no escape sequences. */
    for (char *p = c->err; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return -1;
}

static int no_memory(struct ctx *c)
{
    return bad(c, "out of memory");
}

/* The member key of obj; an error when it is absent. */
static int member(struct ctx *c, const json_t *obj, const char *key, const char *where,
                  json_t **out)
{
    *out = json_object_get(obj, key);
    if (*out == NULL)
        return bad(c, "'%s%s' is missing", where, key);
    return 0;
}

/* A text member: a string (copied) or null (NULL). */
static int text(struct ctx *c, const json_t *obj, const char *key, const char *where, char **out)
{
    json_t *v;

    *out = NULL;
    if (member(c, obj, key, where, &v) < 0)
        return -1;
    if (json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return bad(c, "'%s%s' must be a string or null", where, key);
    if (json_string_length(v) == 0)
        return 0; /* the writers' "not known", which they write as null */
    if (strlen(json_string_value(v)) != json_string_length(v))
        return bad(c, "'%s%s' contains a NUL character", where, key);
    *out = strdup(json_string_value(v));
    return *out != NULL ? 0 : no_memory(c);
}

/* A time stamp member into a fixed buffer: RFC 3339 text or null (""). */
static int stamp(struct ctx *c, const json_t *obj, const char *key, const char *where, char *buf,
                 size_t size)
{
    char *s;

    buf[0] = '\0';
    if (text(c, obj, key, where, &s) < 0)
        return -1;
    if (s != NULL && strlen(s) >= size) {
        free(s);
        return bad(c, "'%s%s' is not a time stamp (expected e.g. 2019-03-30T12:00:00Z)", where,
                   key);
    }
    if (s != NULL)
        memcpy(buf, s, strlen(s) + 1);
    free(s);
    return 0;
}

/* An integer member from lo to hi; null gives null_value. */
static int integer(struct ctx *c, const json_t *obj, const char *key, const char *where, int64_t lo,
                   int64_t hi, int64_t null_value, int64_t *out)
{
    json_t *v;

    if (member(c, obj, key, where, &v) < 0)
        return -1;
    if (json_is_null(v)) {
        *out = null_value;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return bad(c, "'%s%s' must be a whole number from %lld to %lld", where, key, (long long)lo,
                   (long long)hi);
    *out = json_integer_value(v);
    return 0;
}

/* A vocabulary member of dimension d: one of its words, into the enum value. */
static int word(struct ctx *c, const json_t *obj, const char *key, enum fs_dimension d, int *out)
{
    const struct fs_dimension_info *info = &fs_dimensions[d];
    char list[256] = "";
    json_t *v;

    if (member(c, obj, key, "", &v) < 0)
        return -1;
    for (size_t i = 0; i < info->n_values; i++) {
        const char *w = fs_dimension_value_name(d, info->values[i]);
        if (json_is_string(v) && strcmp(json_string_value(v), w) == 0) {
            *out = info->values[i];
            return 0;
        }
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s%s", i > 0 ? ", " : "", w);
    }
    if (!json_is_string(v))
        return bad(c, "'%s' must be one of: %s", key, list);
    return bad(c, "%s '%.64s' is not one of: %s", key, json_string_value(v), list);
}

static int ready(struct ctx *c, const json_t *obj, enum fs_ready *out)
{
    json_t *v;

    if (member(c, obj, "production_ready", "", &v) < 0)
        return -1;
    for (int r = 0; r < FS_READY_COUNT; r++) {
        if (json_is_string(v) && strcmp(json_string_value(v), fs_ready_name(r)) == 0) {
            *out = (enum fs_ready)r;
            return 0;
        }
    }
    return bad(c, "'production_ready' must be one of: yes, no, unknown");
}

/* An array of strings (notes, reasons), deep-copied into *out. */
static int strings(struct ctx *c, const json_t *obj, const char *key, json_t **out)
{
    json_t *v;

    if (member(c, obj, key, "", &v) < 0)
        return -1;
    if (!json_is_array(v))
        return bad(c, "'%s' must be an array of strings", key);
    for (size_t i = 0; i < json_array_size(v); i++)
        if (!json_is_string(json_array_get(v, i)))
            return bad(c, "'%s' item %zu must be a string", key, i + 1);
    json_decref(*out);
    *out = json_deep_copy(v);
    return *out != NULL ? 0 : no_memory(c);
}

static int read_verdict(struct ctx *c, const json_t *h, struct fs_verdict *v)
{
    int os = 0, arch = 0, engine = 0, tier = 0;

    if (word(c, h, "os_family", FS_DIM_OS, &os) < 0 || text(c, h, "os_id", "", &v->os_id) < 0 ||
        text(c, h, "os_version", "", &v->os_version) < 0 ||
        text(c, h, "os_name", "", &v->os_name) < 0 || text(c, h, "arch", "", &v->arch) < 0 ||
        word(c, h, "arch_class", FS_DIM_ARCH, &arch) < 0 ||
        text(c, h, "container_engine", "", &v->container_engine) < 0 ||
        text(c, h, "engine_version", "", &v->engine_version) < 0 ||
        word(c, h, "engine_support", FS_DIM_ENGINE, &engine) < 0 ||
        text(c, h, "virtualization", "", &v->virtualization) < 0 ||
        word(c, h, "tier", FS_DIM_TIER, &tier) < 0 || ready(c, h, &v->production_ready) < 0 ||
        strings(c, h, "notes", &v->notes) < 0 || strings(c, h, "reasons", &v->reasons) < 0)
        return -1;
    v->os_family = (enum fs_os_family)os;
    v->arch_class = (enum fs_arch_class)arch;
    v->engine_support = (enum fs_engine_support)engine;
    v->tier = (enum fs_tier)tier;
    return 0;
}

static int read_host(struct ctx *c, const json_t *h, struct fs_host_record *r)
{
    json_t *name, *facts;
    int64_t port, duration;
    int status = 0;

    if (!json_is_object(h))
        return bad(c, "must be an object");
    name = json_object_get(h, "name");
    if (!json_is_string(name) || json_string_length(name) == 0)
        return bad(c, "'name' must be a non-empty string");
    c->name = json_string_value(name);
    if (text(c, h, "name", "", &r->name) < 0 || text(c, h, "address", "", &r->address) < 0 ||
        integer(c, h, "port", "", 1, 65535, 0, &port) < 0 || text(c, h, "user", "", &r->user) < 0 ||
        word(c, h, "status", FS_DIM_STATUS, &status) < 0 ||
        text(c, h, "error", "", &r->error) < 0 || read_verdict(c, h, &r->verdict) < 0 ||
        stamp(c, h, "scanned_at", "", r->scanned_at, sizeof r->scanned_at) < 0 ||
        integer(c, h, "duration_ms", "", 0, INT64_MAX, -1, &duration) < 0 ||
        member(c, h, "facts", "", &facts) < 0)
        return -1;
    if (!json_is_object(facts) && !json_is_null(facts))
        return bad(c, "'facts' must be an object or null");
    /*
     * The facts are the bulk of a report and are only ever read after this point, so the record
     * takes a reference to the document's object rather than a copy: reading 10,000 hosts then
     * costs a parse, not a parse and a copy.
     */
    r->facts = json_is_object(facts) ? json_incref((json_t *)facts) : NULL;
    r->port = (int)port;
    r->status = (enum fs_status)status;
    r->duration_ms = duration;
    return 0;
}

/* scan.shard: null (or absent, in reports written before sharding existed) or an object. */
static int read_shard(struct ctx *c, const json_t *scan, size_t n_hosts, struct fs_report_file *f)
{
    const json_t *shard = json_object_get(scan, "shard");
    json_t *positions;
    int64_t index, count, total;

    if (shard == NULL || json_is_null(shard))
        return 0;
    if (!json_is_object(shard))
        return bad(c, "scan.shard must be an object or null");
    if (integer(c, shard, "count", "scan.shard.", 1, 1000000, 0, &count) < 0 ||
        integer(c, shard, "index", "scan.shard.", 1, count, 0, &index) < 0 ||
        integer(c, shard, "inventory_hosts", "scan.shard.", (int64_t)n_hosts, FS_REPORT_MAX_HOSTS,
                0, &total) < 0 ||
        member(c, shard, "positions", "scan.shard.", &positions) < 0)
        return -1;
    if (count == 0 || index == 0)
        return bad(c, "scan.shard: 'index' and 'count' must not be null");
    if (!json_is_array(positions) || json_array_size(positions) != n_hosts)
        return bad(c, "scan.shard.positions must be an array with one number per host (%zu)",
                   n_hosts);
    f->positions = calloc(n_hosts + 1, sizeof *f->positions);
    if (f->positions == NULL)
        return no_memory(c);
    for (size_t i = 0; i < n_hosts; i++) {
        json_t *p = json_array_get(positions, i);
        if (!json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) >= total ||
            (i > 0 && (size_t)json_integer_value(p) <= f->positions[i - 1]))
            return bad(c,
                       "scan.shard.positions item %zu must be a whole number below %lld and "
                       "above the one before it",
                       i + 1, (long long)total);
        f->positions[i] = (size_t)json_integer_value(p);
    }
    f->scan.shard_index = (int)index;
    f->scan.shard_count = (int)count;
    f->scan.inventory_hosts = (size_t)total;
    f->scan.positions = f->positions;
    f->scan.n_positions = n_hosts;
    return 0;
}

static int read_scan(struct ctx *c, const json_t *doc, size_t n_hosts, struct fs_report_file *f)
{
    json_t *tool, *rules, *scan, *complete, *tname;
    int64_t duration, parallel;

    if (member(c, doc, "tool", "", &tool) < 0 || member(c, doc, "rules", "", &rules) < 0 ||
        member(c, doc, "scan", "", &scan) < 0)
        return -1;
    tname = json_object_get(tool, "name");
    if (!json_is_object(tool) || !json_is_string(tname) ||
        strcmp(json_string_value(tname), "fleetscan") != 0)
        return bad(c, "not a fleetscan report (tool.name is not \"fleetscan\")");
    if (!json_is_object(rules) || !json_is_object(scan))
        return bad(c, "'rules' and 'scan' must be objects");
    if (text(c, tool, "version", "tool.", &f->tool_version) < 0 ||
        text(c, rules, "id", "rules.", &f->rules_id) < 0 ||
        stamp(c, scan, "started_at", "scan.", f->scan.started_at, sizeof f->scan.started_at) < 0 ||
        stamp(c, scan, "finished_at", "scan.", f->scan.finished_at, sizeof f->scan.finished_at) <
            0 ||
        integer(c, scan, "duration_ms", "scan.", 0, INT64_MAX, -1, &duration) < 0 ||
        text(c, scan, "inventory", "scan.", &f->inventory) < 0 ||
        integer(c, scan, "parallel", "scan.", 0, INT32_MAX, 0, &parallel) < 0 ||
        member(c, scan, "complete", "scan.", &complete) < 0)
        return -1;
    if (!json_is_boolean(complete))
        return bad(c, "scan.complete must be true or false");
    f->scan.tool_version = f->tool_version;
    f->scan.rules_id = f->rules_id;
    f->scan.inventory = f->inventory;
    f->scan.duration_ms = duration;
    f->scan.parallel = (int)parallel;
    f->scan.complete = json_is_true(complete);
    return read_shard(c, scan, n_hosts, f);
}

/* The summary is recounted when the report is written again; it must agree on the host count. */
static int check_summary(struct ctx *c, const json_t *doc, size_t n_hosts)
{
    const json_t *summary = json_object_get(doc, "summary");
    const json_t *hosts = json_object_get(summary, "hosts");

    if (!json_is_object(summary) || !json_is_integer(hosts))
        return bad(c, "summary.hosts is missing");
    if (json_integer_value(hosts) != (json_int_t)n_hosts)
        return bad(c, "summary.hosts says %lld but 'hosts' lists %zu; the file was cut or edited",
                   (long long)json_integer_value(hosts), n_hosts);
    return 0;
}

struct fs_report_file *fs_report_file_new(size_t n_hosts)
{
    struct fs_report_file *f = calloc(1, sizeof *f);

    if (f == NULL)
        return NULL;
    f->hosts = calloc(n_hosts + 1, sizeof *f->hosts);
    if (f->hosts == NULL) {
        free(f);
        return NULL;
    }
    for (size_t i = 0; i < n_hosts; i++)
        fs_host_record_init(&f->hosts[i]);
    f->n_hosts = n_hosts;
    f->scan.duration_ms = -1;
    f->report.scan = &f->scan;
    f->report.hosts = f->hosts;
    f->report.n_hosts = n_hosts;
    return f;
}

void fs_report_file_free(struct fs_report_file *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n_hosts; i++)
        fs_host_record_clear(&f->hosts[i]);
    free(f->hosts);
    free(f->path);
    free(f->tool_version);
    free(f->rules_id);
    free(f->inventory);
    free(f->positions);
    free(f);
}

int fs_report_from_json(const char *path, const json_t *doc, struct fs_report_file **out, char *err,
                        size_t errlen)
{
    struct ctx c = {path, 0, NULL, err, errlen};
    const json_t *hosts = json_object_get(doc, "hosts");
    struct fs_report_file *f;

    *out = NULL;
    if (!json_is_object(doc))
        return bad(&c, "not a fleetscan report (the document is not a JSON object)");
    if (!json_is_array(hosts))
        return bad(&c, "'hosts' must be an array");
    if (json_array_size(hosts) > FS_REPORT_MAX_HOSTS)
        return bad(&c, "more than %d hosts", FS_REPORT_MAX_HOSTS);
    f = fs_report_file_new(json_array_size(hosts));
    if (f == NULL || (f->path = strdup(path)) == NULL) {
        fs_report_file_free(f);
        return no_memory(&c);
    }
    if (read_scan(&c, doc, f->n_hosts, f) < 0 || check_summary(&c, doc, f->n_hosts) < 0)
        goto fail;
    for (size_t i = 0; i < f->n_hosts; i++) {
        c.host = i + 1;
        c.name = NULL;
        if (read_host(&c, json_array_get(hosts, i), &f->hosts[i]) < 0)
            goto fail;
    }
    *out = f;
    return 0;
fail:
    fs_report_file_free(f);
    return -1;
}

/*
 * The whole stream in one buffer (free()), or NULL with errno set. jansson parses a buffer
 * several times faster than a stream, which it reads a character at a time.
 */
static char *slurp(FILE *fp, size_t *len)
{
    size_t size = 1 << 16, n = 0;
    char *buf = malloc(size);

    while (buf != NULL) {
        n += fread(buf + n, 1, size - n, fp);
        if (ferror(fp)) {
            free(buf);
            errno = errno != 0 ? errno : EIO;
            return NULL;
        }
        if (n < size) {
            *len = n;
            return buf;
        }
        char *grown = size <= SIZE_MAX / 2 ? realloc(buf, size * 2) : NULL;
        if (grown == NULL) {
            free(buf);
            errno = ENOMEM;
            return NULL;
        }
        buf = grown;
        size *= 2;
    }
    errno = ENOMEM;
    return NULL;
}

int fs_report_read(const char *path, struct fs_report_file **out, char *err, size_t errlen)
{
    struct ctx c = {path, 0, NULL, err, errlen};
    json_error_t jerr;
    json_t *doc;
    FILE *fp;
    char *text;
    size_t len;
    int rc;

    *out = NULL;
    fp = fopen(path, "r");
    if (fp == NULL)
        return bad(&c, "cannot read the report: %s", strerror(errno));
    text = slurp(fp, &len);
    if (text == NULL) {
        int e = errno;
        fclose(fp);
        return bad(&c, "cannot read the report: %s", strerror(e));
    }
    fclose(fp);
    /* Duplicate keys would make "which value counts" a guess: refuse them like any error. */
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (doc == NULL) {
        if (jerr.line > 0)
            snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        else
            snprintf(err, errlen, "%s: %s", path, jerr.text);
        return -1;
    }
    rc = fs_report_from_json(path, doc, out, err, errlen);
    json_decref(doc);
    return rc;
}
