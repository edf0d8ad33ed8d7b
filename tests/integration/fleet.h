/*
 * fleet: what the integration tests share. The fleet of SSH servers is started by the ctest
 * fixture (tests/fleet/fleet.sh start FLEET_STATE_DIR) and described by FLEET_STATE_DIR/fleet.env;
 * these helpers read that file, run the real fleetscan binary (FLEETSCAN_BIN) in a scratch
 * directory under a guard timer, and read back the reports it wrote.
 *
 * Every helper fails the running cmocka test on a setup problem (no fleet, a file that cannot
 * be written), so a test body only states what it expects of fleetscan.
 */
#ifndef FS_TEST_INTEGRATION_FLEET_H
#define FS_TEST_INTEGRATION_FLEET_H

#include <jansson.h>
#include <stddef.h>

/* Longest a single fleetscan run may take before the guard kills it. */
#define FLEET_GUARD_SECONDS 120

/* The value of a fleet.env variable (static storage); fails the test when it is missing. */
const char *fleet_var(const char *name);

/* The port of a device kind ("raspbian-stretch-armv7" -> PORT_RASPBIAN_STRETCH_ARMV7). */
int fleet_port(const char *kind);

/* A scratch directory for one test; fleet_workdir_free removes it with everything inside. */
struct fleet_workdir {
    char path[512];
};

void fleet_workdir_new(struct fleet_workdir *w);
void fleet_workdir_free(struct fleet_workdir *w);

/* w->path + "/" + name in a static buffer that the next call reuses. */
const char *fleet_path(const struct fleet_workdir *w, const char *name);

/* Writes text to path (replacing it); fails the test on error. */
void fleet_write_file(const char *path, const char *text);

/* The whole file (new buffer, free(), NUL-terminated), or NULL if it cannot be read. */
char *fleet_read_file(const char *path, size_t *len);

/* Copies src to dst byte for byte; fails the test on error. */
void fleet_copy_file(const char *src, const char *dst);

/* One finished run of fleetscan. */
struct fleet_run {
    int status;     /* exit status; -1 when a signal (or the guard) ended it */
    int signal;     /* the signal that ended it, 0 if none */
    double seconds; /* wall time from spawn to exit */
    char *out;      /* what it printed on stdout (owned, NUL-terminated) */
    char *err;      /* what it printed on stderr (owned, NUL-terminated) */
};

/*
 * Runs FLEETSCAN_BIN with args (NULL-terminated, argv[0] excluded) in w, with HOME set to w so
 * that nothing of the invoking user's ~/.ssh is used. Kills it after guard_s seconds. r must be
 * zeroed or hold an earlier run, which is cleared first.
 */
void fleet_run(const struct fleet_workdir *w, const char *const *args, int guard_s,
               struct fleet_run *r);
void fleet_run_clear(struct fleet_run *r);

/* As fleet_run, and sends sig to fleetscan after_s seconds after it started (if still running). */
void fleet_run_signal(const struct fleet_workdir *w, const char *const *args, double after_s,
                      int sig, int guard_s, struct fleet_run *r);

/* Fails the test with fleetscan's stderr unless it exited with want. */
void fleet_expect_exit(const struct fleet_run *r, int want);

/*
 * Fills args (room for at least 16 + the extras) with
 *     scan -o out --known-hosts KNOWN_HOSTS -i KEY -q [extra...] inventory
 * for fleet_run or fleet_run_signal; extra may be NULL.
 */
void fleet_scan_args(const char *out, const char *inventory, const char *const *extra,
                     const char **args, size_t room);

/*
 * Writes inventory to w/inventory.txt and runs
 *     fleetscan scan -o w/out --known-hosts KNOWN_HOSTS -i KEY -q [extra...] w/inventory.txt
 * extra may be NULL.
 */
void fleet_scan(const struct fleet_workdir *w, const char *inventory, const char *known_hosts,
                const char *key, const char *const *extra, struct fleet_run *r);

/* A CSV file read back with an RFC 4180 parser. */
struct fleet_csv {
    char ***rows;  /* rows[i][j]: owned strings */
    size_t *ncols; /* cells in each row */
    size_t nrows;  /* the header included */
};

/* Both reports of w/out: fleetscan.json and fleetscan.csv. */
struct fleet_report {
    json_t *json;  /* owned */
    json_t *hosts; /* borrowed from json: the "hosts" array */
    struct fleet_csv csv;
};

/*
 * Reads and parses both reports; fails the test if either is missing or malformed. rep must be
 * zeroed or hold earlier reports, which are cleared first.
 */
void fleet_report_load(const struct fleet_workdir *w, struct fleet_report *rep);
void fleet_report_clear(struct fleet_report *rep);

/*
 * Everything one test owns, released by its teardown even when the test fails half-way:
 * use fleet_case_setup / fleet_case_teardown as the test's fixtures. param is the test's
 * initial state (a table row), kept because the fixture takes over *state.
 */
struct fleet_case {
    const void *param;
    struct fleet_workdir work;
    struct fleet_run run;
    struct fleet_report report;
    char *text[2]; /* files a test reads and compares; freed by the teardown */
};

int fleet_case_setup(void **state);
int fleet_case_teardown(void **state);

/* The host object whose "name" is name; fails the test when there is none. */
json_t *fleet_host(const struct fleet_report *rep, const char *name);

/* A string member of a host ("" when it is null or absent, so it can be compared directly). */
const char *fleet_str(const json_t *host, const char *key);

/*
 * Whether version is want or starts with want followed by '.': "7.5.1804" satisfies "7.5", "7"
 * does not, "18.04" satisfies "18.04".
 */
int fleet_version_matches(const char *version, const char *want);

/* The CSV header fleetscan.csv must start with, as the SPEC lists the columns. */
extern const char *const fleet_csv_columns[];
#define FLEET_CSV_NCOLUMNS 21

#endif
