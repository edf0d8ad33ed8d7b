/*
 * rules: versioned rule sets, each one supported-systems matrix of Azure IoT Edge with its
 * engine list, Windows rules and prerequisite thresholds. A rule set is a JSON document
 * (docs/rules.md); the built-in ones are files of scanner/rules/ embedded into the binary at
 * build time, and `--rules FILE.json` loads another. The classifier only walks these tables.
 */
#ifndef FS_RULES_H
#define FS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report/report.h"

/* The matrix columns a rule set may have, in the order tables print them. */
enum fs_rules_column { FS_COL_AMD64, FS_COL_ARM32V7, FS_COL_ARM64, FS_COL_COUNT };

/* One cell of a row: the system is not listed there, listed at the table's tier, or preview. */
enum fs_rules_cell { FS_CELL_NO, FS_CELL_YES, FS_CELL_PREVIEW };

/* How IoT Edge runs on a listed Windows system. */
enum fs_rules_runtime { FS_RUNTIME_NATIVE, FS_RUNTIME_EFLOW };

/* One row of a tier table. String lists end with NULL. */
struct fs_rules_row {
    enum fs_tier tier; /* the table's tier (FS_TIER_1, FS_TIER_1_PREVIEW or FS_TIER_2) */
    const char *table; /* the table's title (owned by the rule set's tables list) */
    char *label;       /* the matrix's "Operating System" cell */
    enum fs_os_family family;
    char **ids;          /* os-release ID patterns ('*' at the end: prefix); NULL: any */
    char *name;          /* substring of NAME / PRETTY_NAME that must appear; NULL: any */
    char *version;       /* this version or a dotted extension of it; NULL: any */
    bool vendor;         /* also matches vendor builds derived from ids (Yocto) */
    char **editions;     /* Windows EditionID patterns; NULL: any */
    long long *builds;   /* Windows builds that must match exactly, ending with 0; NULL: any */
    long long min_build; /* Windows build at least this; 0: any */
    enum fs_rules_runtime runtime;
    enum fs_rules_cell cells[FS_COL_COUNT];
    char *caveat;      /* a sentence added to reasons when this row matches, or NULL */
    char *caveat_note; /* and its short note, or NULL */
};

/* A container engine: the package name (and container_engine value) and its support. */
struct fs_rules_engine {
    char *name;
    enum fs_engine_support support;
    char *reason; /* a full sentence, without the rule set id */
    char *note;
};

/*
 * A loaded rule set. Its members are public because the classifier, `rules show` and the tests
 * walk the tables; nothing changes it after fs_rules_parse, and every string is owned by it.
 */
struct fs_rules {
    char *id;
    char *title;
    char *source_date; /* YYYY-MM-DD of the page the tables were taken from */
    char *source;      /* where the tables come from (free text) */
    char *origin;      /* the file it was loaded from ("built-in" for embedded sets) */
    bool columns[FS_COL_COUNT];
    char *tier_meaning[FS_TIER_COUNT]; /* "generally available, officially supported", ... */
    struct fs_rules_row *rows;         /* in the matrix's order: the first match wins */
    size_t n_rows;
    struct fs_rules_engine *engines; /* in the order one is chosen when several are installed */
    size_t n_engines;
    /* Windows. */
    long long windows_container_build;    /* the build Windows containers need; 0: none */
    long long linux_containers_min_build; /* Linux containers (development only) from here */
    bool hyperv_isolation;                /* false: process isolation only */
    /* Virtual machines: the OS family of the VM must match the containers'. */
    bool vm_family_match;
    /* Prerequisites (Microsoft's withdrawn compatibility script); 0 or NULL: not checked. */
    long long memory_available_mb[FS_ARCH_COUNT];
    long long storage_free_mb[FS_ARCH_COUNT];
    char **kernel_config; /* CONFIG_ names without the prefix */
    char **cgroup_v1;     /* controllers needed on cgroup v1 */
    char **cgroup_v2;     /* controllers needed on cgroup v2 */
    bool systemd;         /* systemd must be the init */
    char *engine_api_min; /* "1.34" */
    char *prereq_source;  /* where the thresholds come from */
    char **tables;        /* the tables' titles, NULL-ended */
};

/* The kernel config flags the probe reports; a rule set may only ask for these. NULL-ended. */
extern const char *const fs_rules_probe_kernel_flags[];

/*
 * Parses a rule set from JSON text (not necessarily NUL-terminated). origin names it in
 * messages ("rules/x.json"). Returns a new rule set (fs_rules_free), or NULL with a message
 * "ORIGIN:LINE:COLUMN: what is wrong" in err (size bytes).
 */
struct fs_rules *fs_rules_parse(const char *text, size_t len, const char *origin, char *err,
                                size_t size);

/* Reads and parses a file; NULL with "FILE: why" or "FILE:LINE:COLUMN: why" in err. */
struct fs_rules *fs_rules_load_file(const char *path, char *err, size_t size);

/*
 * A built-in rule set by id, parsed once and kept for the life of the process (do not free).
 * NULL when there is no such id.
 */
const struct fs_rules *fs_rules_builtin(const char *id);

/* The built-in rule sets, in date order: count, and the i-th (parsed, kept; do not free). */
size_t fs_rules_builtin_count(void);
const struct fs_rules *fs_rules_builtin_at(size_t i);

/*
 * What `--rules ARG` means: a built-in id, else a file when ARG names one (ends in .json or
 * holds a '/'). Returns the rule set and sets *owned when the caller must fs_rules_free it;
 * NULL with a message in err.
 */
const struct fs_rules *fs_rules_resolve(const char *arg, bool *owned, char *err, size_t size);

void fs_rules_free(struct fs_rules *r);

/* The rule set's id (borrowed), for code that only holds the pointer. */
const char *fs_rules_id(const struct fs_rules *r);

/* Prints the built-in rule sets, one a line: id, source date, title. */
void fs_rules_print_list(FILE *out);

/* Prints a rule set as readable tables: the matrix, engines, Windows, VM and prerequisites. */
void fs_rules_print(FILE *out, const struct fs_rules *r);

/* The column an architecture class falls in, or -1 when no rule set has such a column. */
int fs_rules_column_of(enum fs_arch_class a);
const char *fs_rules_column_name(enum fs_rules_column c);

#endif
