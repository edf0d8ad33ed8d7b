/*
 * summary: host counts per dimension, as summary.csv and as the end-of-scan terminal table.
 */
#include <string.h>

#include "report/internal.h"
#include "report/report.h"

static int record_value(const struct fs_host_record *r, enum fs_dimension d)
{
    switch (d) {
    case FS_DIM_STATUS:
        return (int)r->status;
    case FS_DIM_TIER:
        return (int)r->verdict.tier;
    case FS_DIM_OS:
        return (int)r->verdict.os_family;
    case FS_DIM_ARCH:
        return (int)r->verdict.arch_class;
    case FS_DIM_ENGINE:
    case FS_DIM_COUNT:
        break;
    }
    return (int)r->verdict.engine_support;
}

/*
 * The vocabulary position that value v of dimension d is counted under. Going through the
 * printed name makes an out-of-range value count where the CSV shows it ("error"/"unknown"),
 * so the summary always adds up to the rows of fleetscan.csv.
 */
static size_t value_index(enum fs_dimension d, int v)
{
    const struct fs_dimension_info *info = &fs_dimensions[d];
    const char *name = fs_dimension_value_name(d, v);

    for (size_t i = 0; i < info->n_values; i++)
        if (strcmp(fs_dimension_value_name(d, info->values[i]), name) == 0)
            return i;
    return info->n_values - 1; /* unreachable: every name is in its vocabulary */
}

void fs_tally_count(const struct fs_report *rep, struct fs_tally *t)
{
    memset(t, 0, sizeof(*t));
    t->hosts = rep->n_hosts;
    for (size_t i = 0; i < rep->n_hosts; i++)
        for (int d = 0; d < FS_DIM_COUNT; d++)
            t->counts[d][value_index(d, record_value(&rep->hosts[i], d))]++;
}

/* Vocabulary words never need CSV quoting, so rows are printed directly. */
int fs_report_write_summary_csv(const struct fs_report *rep, FILE *f)
{
    struct fs_tally t;

    fs_tally_count(rep, &t);
    fputs("dimension,value,hosts\r\n", f);
    fprintf(f, "hosts,all,%zu\r\n", t.hosts);
    for (int d = 0; d < FS_DIM_COUNT; d++) {
        const struct fs_dimension_info *info = &fs_dimensions[d];
        for (size_t i = 0; i < info->n_values; i++)
            fprintf(f, "%s,%s,%zu\r\n", info->name, fs_dimension_value_name(d, info->values[i]),
                    t.counts[d][i]);
    }
    return fs_writer_finish(f);
}

/* Headings of the terminal table, indexed by dimension. */
static const char *const dimension_titles[FS_DIM_COUNT] = {
    [FS_DIM_STATUS] = "status", [FS_DIM_TIER] = "tier",     [FS_DIM_OS] = "os",
    [FS_DIM_ARCH] = "arch",     [FS_DIM_ENGINE] = "engine",
};

/*
 * Prints, for example:
 *
 *     status  ok                 12
 *             unreachable         3
 *     tier    tier1               5
 *     ...
 *     15 hosts in 12.3 s
 *
 * The dimension is named on its first row only, and values no host has are left out: the
 * table is read by a person at the end of a scan, and summary.csv has the complete counts.
 */
void fs_report_print_summary(const struct fs_report *rep, FILE *f)
{
    struct fs_tally t;

    fs_tally_count(rep, &t);
    for (int d = 0; d < FS_DIM_COUNT; d++) {
        const struct fs_dimension_info *info = &fs_dimensions[d];
        const char *title = dimension_titles[d];
        for (size_t i = 0; i < info->n_values; i++) {
            if (t.counts[d][i] == 0)
                continue;
            fprintf(f, "%-7s %-16s %6zu\n", title, fs_dimension_value_name(d, info->values[i]),
                    t.counts[d][i]);
            title = "";
        }
    }
    fprintf(f, "%zu host%s", t.hosts, t.hosts == 1 ? "" : "s");
    if (rep->scan != NULL && rep->scan->duration_ms >= 0)
        fprintf(f, " in %.1f s", (double)rep->scan->duration_ms / 1000.0);
    fputc('\n', f);
}
