/*
 * report internals shared by the writers of this folder only. Nothing outside report/ includes
 * this header: other modules see report.h.
 */
#ifndef FS_REPORT_INTERNAL_H
#define FS_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"

/*
 * The per-host columns of fleetscan.csv, in file order. fleetscan.json uses the same names in
 * the same order for its host objects, so one table keeps the two formats from drifting apart.
 */
enum fs_column_kind {
    FS_COLUMN_TEXT,   /* text(): NULL or "" is an empty cell / JSON null */
    FS_COLUMN_NUMBER, /* number(): a negative value is an empty cell / JSON null */
    FS_COLUMN_NOTES   /* the verdict's notes: joined with "; " in CSV, an array in JSON */
};

struct fs_column {
    const char *name;
    enum fs_column_kind kind;
    /* Borrowed from the record or a static string; may be NULL. */
    const char *(*text)(const struct fs_host_record *r);
    int64_t (*number)(const struct fs_host_record *r);
};

/* Terminated by a NULL name. */
extern const struct fs_column fs_columns[];

/*
 * Joins the string entries of a notes array with "; " after replacing invalid UTF-8. Entries
 * that are not strings are skipped; a NULL array gives "". Returns a new string (free()) or
 * NULL on memory exhaustion.
 */
char *fs_notes_join(const json_t *notes);

/*
 * The dimensions that the summaries count, in report order: status, tier, os, arch_class,
 * engine_support. Each lists its vocabulary in the order the specification gives it (so
 * "unknown" comes last), which is the order of summary.csv rows and of JSON summary keys.
 */
enum fs_dimension {
    FS_DIM_STATUS,
    FS_DIM_TIER,
    FS_DIM_OS,
    FS_DIM_ARCH,
    FS_DIM_ENGINE,
    FS_DIM_COUNT
};

#define FS_DIM_MAX_VALUES 8

struct fs_dimension_info {
    const char *name; /* "status", "tier", "os", "arch_class", "engine_support" */
    size_t n_values;
    /* Enum values in vocabulary order; fs_dimension_value_name() gives their names. */
    int values[FS_DIM_MAX_VALUES];
};

extern const struct fs_dimension_info fs_dimensions[FS_DIM_COUNT];

/* The vocabulary name of enum value v of dimension d (a static string). */
const char *fs_dimension_value_name(enum fs_dimension d, int v);

/* Host counts per dimension, indexed like fs_dimension_info.values (vocabulary order). */
struct fs_tally {
    size_t hosts;
    size_t counts[FS_DIM_COUNT][FS_DIM_MAX_VALUES];
};

/* Counts rep's hosts. Out-of-range enum values count as the name they print under. */
void fs_tally_count(const struct fs_report *rep, struct fs_tally *t);

/*
 * Ends a writer: flushes f and reports whether anything written to it failed. Returns 0, or
 * -1 with errno set (EIO when the stream gave no better reason).
 */
int fs_writer_finish(FILE *f);

/*
 * fs_report_write_all with an explicit writer list (terminated by a NULL name). It exists so
 * that tests can inject a writer that fails half-way, as a full disk would.
 */
int fs_report_write_files(const struct fs_report *rep, const struct fs_report_writer *writers,
                          const char *dir, char *err, size_t errlen);

#endif
