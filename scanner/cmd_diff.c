/*
 * cmd_diff: `fleetscan diff OLD.json NEW.json`, what changed in the fleet between two scans.
 *
 * Hosts are matched by name (an inventory names each host once). A host only in NEW is added,
 * one only in OLD removed, and a host in both is changed when its status, tier, OS (family, id,
 * version) or container engine (engine, support) differs. Like diff(1), the exit status says
 * whether there was any difference, so a nightly job can mail only when the fleet moved.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/scan.h"
#include "scanner/tools.h"

/* The fields compared, in output order. */
struct field {
    const char *name;
    const char *(*get)(const struct fs_host_record *r);
};

static const char *f_status(const struct fs_host_record *r)
{
    return fs_status_name(r->status);
}
static const char *f_tier(const struct fs_host_record *r)
{
    return fs_tier_name(r->verdict.tier);
}
static const char *f_os_family(const struct fs_host_record *r)
{
    return fs_os_family_name(r->verdict.os_family);
}
static const char *f_os_id(const struct fs_host_record *r)
{
    return r->verdict.os_id;
}
static const char *f_os_version(const struct fs_host_record *r)
{
    return r->verdict.os_version;
}
static const char *f_engine(const struct fs_host_record *r)
{
    return r->verdict.container_engine;
}
static const char *f_engine_support(const struct fs_host_record *r)
{
    return fs_engine_support_name(r->verdict.engine_support);
}

static const struct field fields[] = {
    {"status", f_status},
    {"tier", f_tier},
    {"os_family", f_os_family},
    {"os_id", f_os_id},
    {"os_version", f_os_version},
    {"container_engine", f_engine},
    {"engine_support", f_engine_support},
    {NULL, NULL},
};

/* NULL and "" are both "not known". */
static bool same(const char *a, const char *b)
{
    if (a == NULL)
        a = "";
    if (b == NULL)
        b = "";
    return strcmp(a, b) == 0;
}

static const struct fs_host_record *sort_base;

static int by_name(const void *a, const void *b)
{
    return strcmp(sort_base[*(const size_t *)a].name, sort_base[*(const size_t *)b].name);
}

/* Indices of rep's hosts sorted by name (new array), for lookups; NULL on memory exhaustion. */
static size_t *name_index(const struct fs_report *rep)
{
    size_t *idx = calloc(rep->n_hosts + 1, sizeof *idx);

    if (idx == NULL)
        return NULL;
    for (size_t i = 0; i < rep->n_hosts; i++)
        idx[i] = i;
    sort_base = rep->hosts;
    qsort(idx, rep->n_hosts, sizeof *idx, by_name);
    sort_base = NULL;
    return idx;
}

static const struct fs_host_record *find(const struct fs_report *rep, const size_t *idx,
                                         const char *name)
{
    size_t lo = 0, hi = rep->n_hosts;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, rep->hosts[idx[mid]].name);
        if (c == 0)
            return &rep->hosts[idx[mid]];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int add(struct fs_diff *d, size_t *cap, struct fs_diff_entry e)
{
    if (d->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct fs_diff_entry *grown = realloc(d->entries, ncap * sizeof *grown);
        if (grown == NULL)
            return -1;
        d->entries = grown;
        *cap = ncap;
    }
    d->entries[d->n++] = e;
    return 0;
}

int fs_diff_reports(const struct fs_report *old_rep, const struct fs_report *new_rep,
                    struct fs_diff *d)
{
    size_t *old_idx = name_index(old_rep), *new_idx = name_index(new_rep);
    size_t cap = 0;
    int rc = -1;

    memset(d, 0, sizeof *d);
    if (old_idx == NULL || new_idx == NULL)
        goto out;
    for (size_t i = 0; i < new_rep->n_hosts; i++) {
        const struct fs_host_record *r = &new_rep->hosts[i];
        if (find(old_rep, old_idx, r->name) == NULL) {
            if (add(d, &cap, (struct fs_diff_entry){FS_DIFF_ADDED, r->name, NULL, NULL, NULL}) < 0)
                goto out;
            d->added++;
        }
    }
    for (size_t i = 0; i < old_rep->n_hosts; i++) {
        const struct fs_host_record *r = &old_rep->hosts[i];
        if (find(new_rep, new_idx, r->name) == NULL) {
            if (add(d, &cap, (struct fs_diff_entry){FS_DIFF_REMOVED, r->name, NULL, NULL, NULL}) <
                0)
                goto out;
            d->removed++;
        }
    }
    for (size_t i = 0; i < new_rep->n_hosts; i++) {
        const struct fs_host_record *r = &new_rep->hosts[i];
        const struct fs_host_record *o = find(old_rep, old_idx, r->name);
        bool changed = false;
        for (const struct field *f = fields; o != NULL && f->name != NULL; f++) {
            if (same(f->get(o), f->get(r)))
                continue;
            if (add(d, &cap,
                    (struct fs_diff_entry){FS_DIFF_CHANGED, r->name, f->name, f->get(o),
                                           f->get(r)}) < 0)
                goto out;
            changed = true;
        }
        d->changed += changed;
    }
    rc = 0;
out:
    if (rc != 0)
        fs_diff_free(d);
    free(old_idx);
    free(new_idx);
    return rc;
}

void fs_diff_free(struct fs_diff *d)
{
    free(d->entries);
    memset(d, 0, sizeof *d);
}

static const char *const kind_names[] = {"added", "removed", "changed"};

/*
 * Host names and values come from devices and inventories: in the text format, control
 * characters are shown as '?' so that a name cannot move the cursor or fake a line.
 */
static void put_safe(const char *s, FILE *f)
{
    char *clean = fs_utf8_clean(s, strlen(s), NULL);

    for (const char *p = clean != NULL ? clean : ""; *p != '\0'; p++)
        fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    free(clean);
}

static void write_text(const struct fs_diff *d, FILE *f)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct fs_diff_entry *e = &d->entries[i];
        fprintf(f, "%-8s ", kind_names[e->kind]);
        put_safe(e->name, f);
        if (e->kind == FS_DIFF_CHANGED) {
            fprintf(f, ": %s ", e->field);
            put_safe(e->old_value != NULL && e->old_value[0] != '\0' ? e->old_value : "(none)", f);
            fputs(" -> ", f);
            put_safe(e->new_value != NULL && e->new_value[0] != '\0' ? e->new_value : "(none)", f);
        }
        fputc('\n', f);
    }
    if (d->n > 0)
        fprintf(f, "%zu added, %zu removed, %zu changed\n", d->added, d->removed, d->changed);
}

static int put_cell(const char *text, bool last, FILE *f)
{
    char *cell = fs_csv_cell(text != NULL ? text : "", false);

    if (cell == NULL) {
        errno = ENOMEM;
        return -1;
    }
    fputs(cell, f);
    fputs(last ? "\r\n" : ",", f);
    free(cell);
    return 0;
}

/* RFC 4180 like fleetscan.csv: change,name,field,old,new; one row per changed field. */
static int write_csv(const struct fs_diff *d, FILE *f)
{
    fputs("change,name,field,old,new\r\n", f);
    for (size_t i = 0; i < d->n; i++) {
        const struct fs_diff_entry *e = &d->entries[i];
        if (put_cell(kind_names[e->kind], false, f) < 0 || put_cell(e->name, false, f) < 0 ||
            put_cell(e->field, false, f) < 0 || put_cell(e->old_value, false, f) < 0 ||
            put_cell(e->new_value, true, f) < 0)
            return -1;
    }
    return 0;
}

static json_t *str_or_null(const char *s)
{
    char *clean;
    json_t *j;

    if (s == NULL || s[0] == '\0')
        return json_null();
    clean = fs_utf8_clean(s, strlen(s), NULL);
    j = clean != NULL ? json_string(clean) : NULL;
    free(clean);
    return j;
}

/* {"old", "new", "counts", "added": [names], "removed": [names], "changed": [{name, changes}]} */
static json_t *diff_json(const struct fs_diff *d, const char *old_path, const char *new_path)
{
    json_t *doc = json_pack("{s:o, s:o, s:{s:I, s:I, s:I}, s:[], s:[], s:[]}", "old",
                            str_or_null(old_path), "new", str_or_null(new_path), "counts", "added",
                            (json_int_t)d->added, "removed", (json_int_t)d->removed, "changed",
                            (json_int_t)d->changed, "added", "removed", "changed");
    json_t *host = NULL;

    if (doc == NULL)
        return NULL;
    for (size_t i = 0; i < d->n; i++) {
        const struct fs_diff_entry *e = &d->entries[i];
        if (e->kind != FS_DIFF_CHANGED) {
            if (json_array_append_new(json_object_get(doc, kind_names[e->kind]),
                                      str_or_null(e->name)) != 0)
                goto fail;
            continue;
        }
        if (i == 0 || d->entries[i - 1].kind != FS_DIFF_CHANGED ||
            strcmp(d->entries[i - 1].name, e->name) != 0) {
            host = json_pack("{s:o, s:[]}", "name", str_or_null(e->name), "changes");
            if (json_array_append_new(json_object_get(doc, "changed"), host) != 0)
                goto fail;
        }
        if (json_array_append_new(json_object_get(host, "changes"),
                                  json_pack("{s:s, s:o, s:o}", "field", e->field, "old",
                                            str_or_null(e->old_value), "new",
                                            str_or_null(e->new_value))) != 0)
            goto fail;
    }
    return doc;
fail:
    json_decref(doc);
    return NULL;
}

int fs_diff_write(const struct fs_diff *d, enum fs_diff_format fmt, const char *old_path,
                  const char *new_path, FILE *f)
{
    json_t *doc;
    int rc = 0;

    switch (fmt) {
    case FS_DIFF_TEXT:
        write_text(d, f);
        break;
    case FS_DIFF_CSV:
        rc = write_csv(d, f);
        break;
    case FS_DIFF_JSON:
        doc = diff_json(d, old_path, new_path);
        if (doc == NULL) {
            errno = ENOMEM;
            return -1;
        }
        rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', f);
        json_decref(doc);
        break;
    }
    if (rc != 0 || fflush(f) != 0 || ferror(f)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}

/* Writes the diff to path through a temporary file and a rename, as the reports are written. */
static int write_file(const struct fs_diff *d, enum fs_diff_format fmt, const char *old_path,
                      const char *new_path, const char *path)
{
    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    FILE *f = NULL;
    int fd, e;

    if (tmp == NULL)
        return -1;
    snprintf(tmp, len, "%s.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0)
        goto fail;
    /* mkstemp makes the file private; a diff is shared like any file the user writes. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || (f = fdopen(fd, "w")) == NULL) {
        close(fd);
        goto fail_unlink;
    }
    if (fs_diff_write(d, fmt, old_path, new_path, f) != 0 || fsync(fileno(f)) != 0) {
        e = errno;
        fclose(f);
        errno = e;
        goto fail_unlink;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        goto fail_unlink;
    free(tmp);
    return 0;
fail_unlink:
    e = errno;
    unlink(tmp);
    errno = e;
fail:
    free(tmp);
    return -1;
}

static const char diff_usage[] =
    "Usage: fleetscan diff OLD.json NEW.json [--format text|csv|json] [-o FILE]\n"
    "Hosts added, removed, and changed in status, tier, OS or container engine, matched by\n"
    "name. Written to standard output, or to FILE.\n"
    "Exit status: 0 no differences; 1 differences; 2 bad input; 3 output failure.\n";

static int parse_format(const char *text, enum fs_diff_format *fmt)
{
    if (strcmp(text, "text") == 0)
        *fmt = FS_DIFF_TEXT;
    else if (strcmp(text, "csv") == 0)
        *fmt = FS_DIFF_CSV;
    else if (strcmp(text, "json") == 0)
        *fmt = FS_DIFF_JSON;
    else {
        fprintf(stderr, "fleetscan: diff: --format '%s': expected text, csv or json\n", text);
        return -1;
    }
    return 0;
}

int fs_cmd_diff(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum fs_diff_format fmt = FS_DIFF_TEXT;
    const char *out_path = NULL;
    struct fs_report_file *old_rep = NULL, *new_rep = NULL;
    struct fs_diff d = {0};
    int c, status = FS_EXIT_USAGE;
    char err[1024];

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
        if (c == 'f' && parse_format(optarg, &fmt) == 0)
            continue;
        if (c == 'o') {
            out_path = optarg;
            continue;
        }
        if (c == 'h') {
            fputs(diff_usage, stdout);
            return FS_EXIT_OK;
        }
        fputs(diff_usage, stderr);
        return FS_EXIT_USAGE;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "fleetscan: diff: two reports expected, OLD.json and NEW.json\n%s",
                diff_usage);
        return FS_EXIT_USAGE;
    }
    if (fs_report_read(argv[optind], &old_rep, err, sizeof err) != 0 ||
        fs_report_read(argv[optind + 1], &new_rep, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        goto out;
    }
    if (fs_diff_reports(&old_rep->report, &new_rep->report, &d) != 0) {
        fprintf(stderr, "fleetscan: diff: out of memory\n");
        status = FS_EXIT_INTERNAL;
        goto out;
    }
    errno = 0;
    if (out_path != NULL ? write_file(&d, fmt, argv[optind], argv[optind + 1], out_path) != 0
                         : fs_diff_write(&d, fmt, argv[optind], argv[optind + 1], stdout) != 0) {
        fprintf(stderr, "fleetscan: %s: %s\n", out_path != NULL ? out_path : "standard output",
                strerror(errno));
        status = FS_EXIT_INTERNAL;
        goto out;
    }
    status = d.n > 0 ? FS_EXIT_NOT_OK : FS_EXIT_OK;
out:
    fs_diff_free(&d);
    fs_report_file_free(old_rep);
    fs_report_file_free(new_rep);
    return status;
}
