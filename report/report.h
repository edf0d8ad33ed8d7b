/*
 * report: turns scan results into files. The writers see only the neutral records below and
 * never the scanner's or the transport's types.
 *
 * Files written into the output directory (see docs/reports.md for the contract):
 *   fleetscan.csv   one row per inventory host, RFC 4180, UTF-8
 *   fleetscan.json  the whole scan: tool, rules, scan, summary, hosts
 *   summary.csv     dimension,value,hosts
 *   report.html     a self-contained page with charts and the host table, for people
 * Every file is written to a temporary file in the same directory, flushed, and renamed over
 * the final name, so a reader never sees half a report.
 */
#ifndef FS_REPORT_H
#define FS_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum fs_status {
    FS_STATUS_OK,
    FS_STATUS_UNREACHABLE,
    FS_STATUS_TIMEOUT,
    FS_STATUS_AUTH_FAILED,
    FS_STATUS_HOSTKEY_REJECTED,
    FS_STATUS_ERROR,
    FS_STATUS_COUNT
};

enum fs_os_family { FS_OS_UNKNOWN, FS_OS_LINUX, FS_OS_WINDOWS, FS_OS_OTHER, FS_OS_COUNT };

enum fs_arch_class {
    FS_ARCH_UNKNOWN,
    FS_ARCH_AMD64,
    FS_ARCH_ARM32V7,
    FS_ARCH_ARM64,
    FS_ARCH_ARM32V6,
    FS_ARCH_X86,
    FS_ARCH_OTHER,
    FS_ARCH_COUNT
};

enum fs_engine_support {
    FS_ENGINE_UNKNOWN,
    FS_ENGINE_RECOMMENDED,
    FS_ENGINE_BEST_EFFORT,
    FS_ENGINE_UNSUPPORTED,
    FS_ENGINE_MISSING,
    FS_ENGINE_COUNT
};

enum fs_tier {
    FS_TIER_UNKNOWN,
    FS_TIER_1,
    FS_TIER_1_PREVIEW,
    FS_TIER_2,
    FS_TIER_UNSUPPORTED,
    FS_TIER_COUNT
};

enum fs_ready { FS_READY_UNKNOWN, FS_READY_YES, FS_READY_NO, FS_READY_COUNT };

/* The report vocabulary of each enum ("ok", "tier1-preview", "arm32v7", ...). Static strings. */
const char *fs_status_name(enum fs_status s);
const char *fs_os_family_name(enum fs_os_family f);
const char *fs_arch_class_name(enum fs_arch_class a);
const char *fs_engine_support_name(enum fs_engine_support e);
const char *fs_tier_name(enum fs_tier t);
const char *fs_ready_name(enum fs_ready r);

/*
 * What the classifier concluded about one host. Every char * is owned (NULL means empty);
 * notes and reasons are JSON arrays of strings, owned, never NULL after fs_verdict_init.
 */
struct fs_verdict {
    enum fs_os_family os_family;
    char *os_id;
    char *os_version;
    char *os_name; /* the device's PRETTY_NAME or Windows ProductName, verbatim */
    char *arch;    /* what the device said, e.g. "armv7l" or "x86_64" */
    enum fs_arch_class arch_class;
    char
        *container_engine; /* "moby-engine", "docker-ce", "docker-ee", "docker.io", "podman", ... */
    char *engine_version;
    enum fs_engine_support engine_support;
    char *virtualization; /* "none", "kvm", ... */
    enum fs_tier tier;
    enum fs_ready production_ready;
    json_t *notes;   /* short lines for the CSV notes column, joined with "; " there */
    json_t *reasons; /* full sentences explaining the verdict */
};

void fs_verdict_init(struct fs_verdict *v);
/* Frees every member; notes and reasons become NULL. Call fs_verdict_init to reuse v. */
void fs_verdict_clear(struct fs_verdict *v);

/* One inventory host and what became of it. */
struct fs_host_record {
    /* Copied from the inventory; owned by the record. */
    char *name;
    char *address;
    int port; /* the port actually used */
    char *user;
    /* Outcome. */
    enum fs_status status;
    char *error; /* what failed, in words a person can act on; NULL when status is ok */
    struct fs_verdict verdict;
    /*
     * The probe facts, in one of two forms (both NULL: no facts). facts is the parsed object;
     * facts_json is the same object as compact JSON text, which is how the scanner keeps the
     * facts of a finished host (fs_host_record_pack): a few KiB of text instead of a tree of
     * many small allocations. When both are set, facts is the one that counts. Readers that
     * do not care which form a record holds use fs_host_record_facts().
     */
    json_t *facts;       /* owned, may be NULL */
    char *facts_json;    /* owned, may be NULL */
    char scanned_at[32]; /* RFC 3339 UTC start of this host's scan, "" if never started */
    int64_t duration_ms; /* -1 if never started */
};

void fs_host_record_init(struct fs_host_record *r);
void fs_host_record_clear(struct fs_host_record *r);

/*
 * Replaces r->facts by its compact JSON text in r->facts_json, freeing the tree. Nothing to do
 * without facts. Returns 0, or -1 on memory exhaustion (r is then unchanged).
 */
int fs_host_record_pack(struct fs_host_record *r);

/*
 * The record's facts as an object, whichever form it holds them in: *out is a new reference
 * (json_decref it; for a tree-form record it is the record's own object, so treat it as
 * read-only), or NULL when the record has no facts. Returns 0, or -1 on memory exhaustion or
 * when facts_json is not the text of a JSON object (*out is then NULL).
 */
int fs_host_record_facts(const struct fs_host_record *r, json_t **out);

/* The run as a whole. Strings are borrowed from the caller for the writer's duration. */
struct fs_scan_info {
    const char *tool_version;
    const char *rules_id;
    const char *inventory; /* path as given */
    int parallel;
    char started_at[32];
    char finished_at[32];
    int64_t duration_ms;
    bool complete; /* false when the scan was interrupted */
    /*
     * --shard K/N: shard_index K (1..N) of shard_count N; shard_count 0 when the report covers
     * the whole inventory. A shard also says how many hosts the whole inventory has and where
     * each of its own hosts sits in it (0-based, ascending, one per report host), so that
     * `fleetscan merge` can put the hosts of all shards back in inventory order.
     */
    int shard_index;
    int shard_count;
    size_t inventory_hosts;
    const size_t *positions;
    size_t n_positions;
};

/* The report as the writers see it: borrowed arrays, no ownership. */
struct fs_report {
    const struct fs_scan_info *scan;
    const struct fs_host_record *hosts;
    size_t n_hosts;
};

/* A report writer: one file format. Writers keep no state between calls. */
struct fs_report_writer {
    const char *name;     /* "csv", "json", "summary" */
    const char *filename; /* final file name inside the output directory */
    /* Writes the whole report to f. Returns 0, or -1 with errno set on a write error. */
    int (*write)(const struct fs_report *rep, FILE *f);
};

/* The writers, in the order they are written; terminated by a NULL name. */
extern const struct fs_report_writer fs_report_writers[];

/* Individual writers, also used by tests. Each returns 0 or -1 with errno set. */
int fs_report_write_csv(const struct fs_report *rep, FILE *f);
int fs_report_write_json(const struct fs_report *rep, FILE *f);
int fs_report_write_summary_csv(const struct fs_report *rep, FILE *f);
/* report.html: charts and a sortable, filterable host table in one file (report/html.c). */
int fs_report_write_html(const struct fs_report *rep, FILE *f);

/*
 * Builds the JSON document of fleetscan.json as one tree (new reference; caller decrefs), sharing
 * nothing with the records. NULL on memory exhaustion. fs_report_write_json does not use it: it
 * writes the same document one host at a time, so that only one host's object is in memory.
 */
json_t *fs_report_to_json(const struct fs_report *rep);

/*
 * Creates dir if missing (with parents, mode 0755), then writes every file of
 * fs_report_writers into it atomically (temporary file, fsync, rename). Returns 0, or -1 with
 * a message in err ("reports/fleetscan.csv: No space left on device"); on failure no final
 * file is replaced by a partial one and temporary files are removed.
 */
int fs_report_write_all(const struct fs_report *rep, const char *dir, char *err, size_t errlen);

/* Most hosts a report read back may hold (as many as an inventory may name). */
#define FS_REPORT_MAX_HOSTS 1000000

/*
 * A report read back from a fleetscan.json: the same records the scanner wrote, owned. The
 * scan information's strings and positions point into this object; report points at scan and
 * hosts, so it can be handed to the writers as it is. Each record's facts is a reference to the
 * parsed document's object (not a copy): treat it as read-only, or copy it before changing it.
 */
struct fs_report_file {
    char *path; /* the file it was read from */
    struct fs_scan_info scan;
    struct fs_host_record *hosts;
    size_t n_hosts;
    struct fs_report report;
    /* Owned storage behind scan's borrowed pointers. */
    char *tool_version;
    char *rules_id;
    char *inventory;
    size_t *positions;
};

/*
 * Reads and validates the fleetscan.json at path. Returns 0 and a new report in *out (free with
 * fs_report_file_free); or -1 with one message in err: "FILE:LINE:COLUMN: ..." for text that
 * is not JSON, "FILE: host N: ..." or "FILE: scan.FIELD: ..." for JSON that is not a report.
 */
int fs_report_read(const char *path, struct fs_report_file **out, char *err, size_t errlen);

/* fs_report_read on a document already parsed (path only names it in messages). */
int fs_report_from_json(const char *path, const json_t *doc, struct fs_report_file **out, char *err,
                        size_t errlen);

/* A new, empty report file with n_hosts initialised records, or NULL on memory exhaustion. */
struct fs_report_file *fs_report_file_new(size_t n_hosts);

/* Frees the report and every record in it; NULL does nothing. */
void fs_report_file_free(struct fs_report_file *f);

/* Moves every member of src into dst (which must be cleared) and leaves src initialised. */
void fs_host_record_move(struct fs_host_record *dst, struct fs_host_record *src);

/*
 * Copies src into dst (initialised by the caller, then overwritten). Returns 0, or -1 on
 * memory exhaustion (dst is then cleared).
 */
int fs_host_record_copy(struct fs_host_record *dst, const struct fs_host_record *src);

/* Prints the end-of-scan summary table (counts by status, tier, OS, arch, engine) to f. */
void fs_report_print_summary(const struct fs_report *rep, FILE *f);

/*
 * Makes len bytes of untrusted device text safe to store: invalid UTF-8 sequences (overlongs,
 * surrogates, truncated sequences) become U+FFFD, NUL becomes U+FFFD, and other bytes are kept.
 * Returns a new NUL-terminated string (free()) or NULL on memory exhaustion; *replaced (may be
 * NULL) is set to true when anything was replaced.
 */
char *fs_utf8_clean(const char *text, size_t len, bool *replaced);

/*
 * Escapes one cell for CSV: quotes when needed (comma, quote, CR, LF), doubles quotes, and
 * neutralises spreadsheet formulas (a leading '=', '+', '-', '@', tab or CR gets a leading "'")
 * unless numeric is true. Invalid UTF-8 is replaced with U+FFFD. Returns a new string (free()),
 * or NULL on memory exhaustion.
 */
char *fs_csv_cell(const char *text, bool numeric);

#endif
