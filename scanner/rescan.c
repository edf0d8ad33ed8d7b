/*
 * rescan: `fleetscan scan --rescan-failed PREVIOUS.json`.
 *
 * An inventory host that was ok in PREVIOUS is not scanned again: its record from PREVIOUS goes
 * into the new report as it was (its scanned_at still says when it was scanned). Every other
 * inventory host is scanned: those not ok in PREVIOUS, and those PREVIOUS does not list (added
 * to the inventory since, or outside the shard PREVIOUS covered). The new report therefore
 * still has one row per inventory host, and hosts of PREVIOUS that left the inventory are gone.
 */
#include <stdlib.h>
#include <string.h>

#include "scanner/tools.h"

struct fs_rescan {
    struct fs_report_file *prev;
    size_t *order; /* indices of prev->hosts sorted by name, for lookups */
};

static const struct fs_host_record *sort_base;

static int by_name(const void *a, const void *b)
{
    return strcmp(sort_base[*(const size_t *)a].name, sort_base[*(const size_t *)b].name);
}

int fs_rescan_load(const char *path, struct fs_rescan **out, char *err, size_t errlen)
{
    struct fs_rescan *rs = calloc(1, sizeof *rs);

    *out = NULL;
    if (rs == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (fs_report_read(path, &rs->prev, err, errlen) != 0) {
        free(rs);
        return -1;
    }
    rs->order = calloc(rs->prev->n_hosts + 1, sizeof *rs->order);
    if (rs->order == NULL) {
        snprintf(err, errlen, "out of memory");
        fs_rescan_free(rs);
        return -1;
    }
    for (size_t i = 0; i < rs->prev->n_hosts; i++)
        rs->order[i] = i;
    /* qsort has no context argument; the loader runs once, before the event loop starts. */
    sort_base = rs->prev->hosts;
    qsort(rs->order, rs->prev->n_hosts, sizeof *rs->order, by_name);
    sort_base = NULL;
    *out = rs;
    return 0;
}

bool fs_rescan_take(struct fs_rescan *rs, const char *name, struct fs_host_record *rec)
{
    size_t lo = 0, hi = rs->prev->n_hosts;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct fs_host_record *p = &rs->prev->hosts[rs->order[mid]];
        int c = strcmp(name, p->name);
        if (c == 0) {
            if (p->status != FS_STATUS_OK)
                return false;
            /* A copy, because the name must stay for the lookups that follow. */
            if (fs_host_record_copy(rec, p) != 0)
                return false; /* out of memory: scanning the host again is the safe answer */
            /* A report lists a name once; should an edited one list it twice, take it once. */
            p->status = FS_STATUS_ERROR;
            return true;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

void fs_rescan_free(struct fs_rescan *rs)
{
    if (rs == NULL)
        return;
    fs_report_file_free(rs->prev);
    free(rs->order);
    free(rs);
}
