/*
 * cmd_merge: `fleetscan merge A.json B.json ... -o DIR`, shard reports into one report.
 *
 * The merged report is what one scan of the whole inventory would have written: the hosts go
 * back to inventory order through the positions each shard recorded (scan.shard.positions), the
 * summary is recounted by the writers, and the scan information covers all shards. Shards that
 * do not belong together are refused rather than merged into a report that looks right.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scanner/scan.h"
#include "scanner/tools.h"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Checks that every input is a shard of the same scan. */
static int check_shards(struct fs_report_file *const *in, size_t n, char *err, size_t errlen)
{
    const struct fs_report_file *first = in[0];

    for (size_t i = 0; i < n; i++) {
        const struct fs_report_file *f = in[i];
        if (f->scan.shard_count == 0)
            return fail(err, errlen,
                        "%s: not a shard report (scan.shard is null); merge combines the reports "
                        "of 'fleetscan scan --shard K/N'",
                        f->path);
        if (f->scan.shard_count != first->scan.shard_count ||
            f->scan.inventory_hosts != first->scan.inventory_hosts)
            return fail(err, errlen,
                        "%s is shard %d/%d of %zu inventory hosts but %s is shard %d/%d of %zu: "
                        "they are not shards of the same scan",
                        f->path, f->scan.shard_index, f->scan.shard_count, f->scan.inventory_hosts,
                        first->path, first->scan.shard_index, first->scan.shard_count,
                        first->scan.inventory_hosts);
        if (!same_text(f->inventory, first->inventory))
            return fail(err, errlen,
                        "%s scanned inventory '%s' but %s scanned '%s': run every shard with the "
                        "same inventory path",
                        f->path, f->inventory ? f->inventory : "", first->path,
                        first->inventory ? first->inventory : "");
        if (!same_text(f->rules_id, first->rules_id) ||
            !same_text(f->tool_version, first->tool_version))
            return fail(err, errlen,
                        "%s was written by fleetscan %s with rules %s but %s by fleetscan %s with "
                        "rules %s: run every shard with the same fleetscan and rules",
                        f->path, f->tool_version ? f->tool_version : "?",
                        f->rules_id ? f->rules_id : "?", first->path,
                        first->tool_version ? first->tool_version : "?",
                        first->rules_id ? first->rules_id : "?");
        for (size_t j = 0; j < i; j++)
            if (in[j]->scan.shard_index == f->scan.shard_index)
                return fail(err, errlen, "%s and %s are both shard %d/%d: give each shard once",
                            in[j]->path, f->path, f->scan.shard_index, f->scan.shard_count);
    }
    return 0;
}

/* Seconds since the epoch of an RFC 3339 UTC stamp as fleetscan writes it; -1 if not one. */
static int64_t stamp_seconds(const char *s)
{
    struct tm tm;
    int n = 0;

    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        n == 0 || s[n] != '\0')
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* The scan information of the merged report: earliest start, latest finish, all complete. */
static void merge_scan(struct fs_report_file *const *in, size_t n, bool all_present,
                       struct fs_report_file *out)
{
    struct fs_scan_info *s = &out->scan;
    int64_t longest = -1;

    s->complete = all_present;
    for (size_t i = 0; i < n; i++) {
        const struct fs_scan_info *t = &in[i]->scan;
        /* RFC 3339 UTC stamps of one format sort as text. */
        if (t->started_at[0] != '\0' &&
            (s->started_at[0] == '\0' || strcmp(t->started_at, s->started_at) < 0))
            memcpy(s->started_at, t->started_at, sizeof s->started_at);
        if (strcmp(t->finished_at, s->finished_at) > 0)
            memcpy(s->finished_at, t->finished_at, sizeof s->finished_at);
        if (t->duration_ms > longest)
            longest = t->duration_ms;
        if (t->parallel > s->parallel)
            s->parallel = t->parallel;
        s->complete = s->complete && t->complete;
    }
    /* The wall-clock time from the first start to the last finish, at least the longest shard. */
    int64_t a = stamp_seconds(s->started_at), b = stamp_seconds(s->finished_at);
    s->duration_ms = longest;
    if (a >= 0 && b >= a && (b - a) * 1000 > longest)
        s->duration_ms = (b - a) * 1000;
}

/* Where each host of each shard goes: the owner of every inventory position. */
struct slot {
    struct fs_report_file *file;
    size_t host;
};

int fs_merge_reports(struct fs_report_file *const *in, size_t n, struct fs_report_file **out,
                     int *missing, char *err, size_t errlen)
{
    struct slot *slots = NULL;
    struct fs_report_file *m = NULL;
    size_t total, hosts = 0;
    int rc = -1;

    *out = NULL;
    if (n == 0)
        return fail(err, errlen, "no reports to merge");
    if (check_shards(in, n, err, errlen) < 0)
        return -1;
    total = in[0]->scan.inventory_hosts;
    slots = calloc(total + 1, sizeof *slots);
    if (slots == NULL)
        return fail(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++) {
        for (size_t h = 0; h < in[i]->n_hosts; h++) {
            struct slot *s = &slots[in[i]->positions[h]];
            if (s->file != NULL) {
                fail(err, errlen,
                     "%s and %s both hold inventory host %zu (%s): the shards overlap; were they "
                     "cut from different inventories?",
                     s->file->path, in[i]->path, in[i]->positions[h] + 1, in[i]->hosts[h].name);
                goto out;
            }
            s->file = in[i];
            s->host = h;
            hosts++;
        }
    }
    *missing = in[0]->scan.shard_count - (int)n;
    if (*missing == 0 && hosts != total) {
        fail(err, errlen,
             "all %d shards are here but they hold %zu of the %zu inventory hosts: a shard report "
             "was edited or cut",
             (int)n, hosts, total);
        goto out;
    }
    m = fs_report_file_new(hosts);
    if (m == NULL || (m->path = strdup("merged")) == NULL ||
        (in[0]->tool_version != NULL && (m->tool_version = strdup(in[0]->tool_version)) == NULL) ||
        (in[0]->rules_id != NULL && (m->rules_id = strdup(in[0]->rules_id)) == NULL) ||
        (in[0]->inventory != NULL && (m->inventory = strdup(in[0]->inventory)) == NULL)) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    m->scan.tool_version = m->tool_version;
    m->scan.rules_id = m->rules_id;
    m->scan.inventory = m->inventory;
    for (size_t p = 0, k = 0; p < total; p++) {
        if (slots[p].file == NULL)
            continue;
        fs_host_record_clear(&m->hosts[k]);
        fs_host_record_move(&m->hosts[k++], &slots[p].file->hosts[slots[p].host]);
    }
    merge_scan(in, n, *missing == 0, m);
    *out = m;
    m = NULL;
    rc = 0;
out:
    fs_report_file_free(m);
    free(slots);
    return rc;
}

static const char merge_usage[] =
    "Usage: fleetscan merge SHARD.json... [-o DIR]\n"
    "Combines the fleetscan.json of every 'fleetscan scan --shard K/N' into one report set in DIR\n"
    "(default ./" FS_DEFAULT_OUTPUT_DIR "), as one scan of the whole inventory would have written "
    "it.\n"
    "Exit status: 0 every host ok and every shard there; 1 some host not ok or a shard missing;\n"
    "2 bad input (unreadable, overlapping or mismatched shards); 3 output failure.\n";

int fs_cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = FS_DEFAULT_OUTPUT_DIR;
    struct fs_report_file **in = NULL, *merged = NULL;
    size_t n = 0;
    int c, missing = 0, status = FS_EXIT_USAGE;
    char err[1024];

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == 'o') {
            dir = optarg;
        } else if (c == 'h') {
            fputs(merge_usage, stdout);
            return FS_EXIT_OK;
        } else {
            fputs(merge_usage, stderr);
            return FS_EXIT_USAGE;
        }
    }
    if (optind == argc || dir[0] == '\0') {
        fprintf(stderr, "fleetscan: merge: %s\n%s",
                optind == argc ? "no shard reports given" : "--output: empty directory name",
                merge_usage);
        return FS_EXIT_USAGE;
    }
    in = calloc((size_t)(argc - optind), sizeof *in);
    if (in == NULL)
        return FS_EXIT_INTERNAL;
    for (; optind < argc; optind++) {
        if (fs_report_read(argv[optind], &in[n], err, sizeof err) != 0) {
            fprintf(stderr, "fleetscan: %s\n", err);
            goto out;
        }
        n++;
    }
    if (fs_merge_reports(in, n, &merged, &missing, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: merge: %s\n", err);
        goto out;
    }
    if (missing > 0)
        fprintf(stderr,
                "fleetscan: merge: %d of %d shards missing: the merged report is marked "
                "incomplete (scan.complete false)\n",
                missing, in[0]->scan.shard_count);
    if (fs_report_write_all(&merged->report, dir, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        status = FS_EXIT_INTERNAL;
        goto out;
    }
    fs_report_print_summary(&merged->report, stdout);
    printf("Reports written to %s/\n", dir);
    status = merged->scan.complete ? FS_EXIT_OK : FS_EXIT_NOT_OK;
    for (size_t i = 0; i < merged->n_hosts && status == FS_EXIT_OK; i++)
        if (merged->hosts[i].status != FS_STATUS_OK)
            status = FS_EXIT_NOT_OK;
out:
    for (size_t i = 0; i < n; i++)
        fs_report_file_free(in[i]);
    free(in);
    fs_report_file_free(merged);
    return status;
}
