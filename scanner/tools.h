/*
 * tools: the commands that work on stored reports rather than on the fleet, and the selection
 * of hosts that `fleetscan scan` makes from a report or a shard.
 *
 *   fleetscan merge A.json B.json ... -o DIR     shard reports -> one report (cmd_merge.c)
 *   fleetscan classify REPORT.json -o DIR        stored facts judged again (cmd_classify.c)
 *   fleetscan diff OLD.json NEW.json             what changed between two reports (cmd_diff.c)
 *   fleetscan scan --shard K/N                   a stable slice of the inventory (shard.c)
 *   fleetscan scan --rescan-failed PREVIOUS.json only the hosts not ok last time (rescan.c)
 *
 * Each command function takes argv with argv[0] the command's name and returns the process
 * exit status (enum fs_exit); messages go to stderr.
 */
#ifndef FS_TOOLS_H
#define FS_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "inventory/inventory.h"
#include "report/report.h"

int fs_cmd_merge(int argc, char **argv);
int fs_cmd_classify(int argc, char **argv);
int fs_cmd_diff(int argc, char **argv);

/* ---- shards (shard.c) ------------------------------------------------------------------------ */

/* Most shards a scan may be cut into. */
#define FS_SHARD_MAX 1000000

/*
 * Parses "K/N" (1 <= K <= N <= FS_SHARD_MAX). Returns 0, or -1 with a message in err.
 */
int fs_shard_parse(const char *text, int *index, int *count, char *err, size_t errlen);

/*
 * The shard (1..count) a host name belongs to: FNV-1a (64 bit) over the name's bytes, mixed
 * with the splitmix64 finaliser, modulo count, plus one. It depends on the name alone, so
 * reruns and a reordered or grown inventory put a host in the same shard.
 */
int fs_shard_of(const char *name, int count);

/*
 * Keeps only the targets of shard index of count in inv (in inventory order) and frees the
 * others. *positions (new array, free()) gets each kept target's place in the whole inventory
 * and *total the whole inventory's size. Returns 0, or -1 on memory exhaustion.
 */
int fs_shard_select(struct fs_inventory *inv, int index, int count, size_t **positions,
                    size_t *total);

/* ---- merge (cmd_merge.c) --------------------------------------------------------------------- */

/*
 * Combines the shard reports in[0..n-1] into one report as a single run over the whole
 * inventory would have written it: hosts in inventory order, no shard, earliest start, latest
 * finish, complete only when every shard is and shards 1..N are all there. The records are
 * moved out of the inputs. Returns 0 and *out (free with fs_report_file_free), *missing set to
 * the number of absent shards; or -1 with a message in err (overlapping or mismatched shards,
 * a report that is not a shard).
 */
int fs_merge_reports(struct fs_report_file *const *in, size_t n, struct fs_report_file **out,
                     int *missing, char *err, size_t errlen);

/* ---- diff (cmd_diff.c) ----------------------------------------------------------------------- */

enum fs_diff_kind { FS_DIFF_ADDED, FS_DIFF_REMOVED, FS_DIFF_CHANGED };

/* One difference: a host added or removed, or one field of a host that changed. */
struct fs_diff_entry {
    enum fs_diff_kind kind;
    const char *name;      /* borrowed from the reports */
    const char *field;     /* for FS_DIFF_CHANGED: "status", "tier", "os_family", ...; else NULL */
    const char *old_value; /* NULL: not known */
    const char *new_value;
};

struct fs_diff {
    struct fs_diff_entry *entries; /* added (new order), removed (old order), changed (new order) */
    size_t n;
    size_t added, removed, changed; /* hosts, not fields */
};

/*
 * Compares two reports host by host, matched by name. The entries borrow strings from both
 * reports, which must outlive the diff. Returns 0, or -1 on memory exhaustion.
 */
int fs_diff_reports(const struct fs_report *old_rep, const struct fs_report *new_rep,
                    struct fs_diff *d);
void fs_diff_free(struct fs_diff *d);

enum fs_diff_format { FS_DIFF_TEXT, FS_DIFF_CSV, FS_DIFF_JSON };

/* Writes the diff in a format. Returns 0, or -1 with errno set on a write error. */
int fs_diff_write(const struct fs_diff *d, enum fs_diff_format fmt, const char *old_path,
                  const char *new_path, FILE *f);

/* ---- classify (cmd_classify.c) --------------------------------------------------------------- */

/*
 * How hosts are judged: the rules id the report will name, and the function that fills a
 * verdict from facts (ctx is handed to it, e.g. a loaded rule set). A rule set chosen with
 * --rules becomes one of these.
 */
struct fs_classifier {
    const char *rules_id;
    const void *ctx;
    int (*classify)(const void *ctx, const json_t *facts, struct fs_verdict *v);
};

/* The built-in matrix: fs_classify() under FS_RULES_DEFAULT_ID. */
extern const struct fs_classifier fs_builtin_classifier;

/*
 * Judges again every host of rep that has facts, with cl; hosts without facts (never reached)
 * and every status are kept. Notes the scanner itself added (about the probe's output, not the
 * matrix) are kept too. rules.id becomes cl->rules_id. Returns 0, or -1 on memory exhaustion.
 */
int fs_reclassify(struct fs_report_file *rep, const struct fs_classifier *cl);

/* ---- rescan (rescan.c) ----------------------------------------------------------------------- */

/* The previous report of --rescan-failed. */
struct fs_rescan;

/* Reads PREVIOUS.json. Returns 0 and *out, or -1 with a message in err. */
int fs_rescan_load(const char *path, struct fs_rescan **out, char *err, size_t errlen);

/*
 * Whether the inventory host name was ok in the previous report; if so, its previous record is
 * moved into rec (cleared first) and true returned, and the host is not scanned again. A host
 * missing from the previous report, or not ok there, gives false.
 */
bool fs_rescan_take(struct fs_rescan *rs, const char *name, struct fs_host_record *rec);

void fs_rescan_free(struct fs_rescan *rs);

#endif
