/*
 * scan: schedules every inventory host on one libuv loop, runs the probe, classifies, and
 * writes the reports. This is what `fleetscan scan` does.
 */
#ifndef FS_SCAN_H
#define FS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/failon.h"
#include "transport/transport.h"

struct fs_rules;

/* Exit statuses of fleetscan (documented in README). */
enum fs_exit {
    FS_EXIT_OK = 0,      /* every host scanned ok */
    FS_EXIT_NOT_OK = 1,  /* the scan finished but some host is not ok */
    FS_EXIT_USAGE = 2,   /* usage or input error: nothing scanned, no report written */
    FS_EXIT_INTERNAL = 3 /* internal or output failure */
};

#define FS_DEFAULT_PARALLEL           256
#define FS_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define FS_DEFAULT_TIMEOUT_MS         60000
#define FS_DEFAULT_OUTPUT_CAP         (1024 * 1024)
#define FS_DEFAULT_OUTPUT_DIR         "fleetscan-report"

/* What the command line asked for. Strings are borrowed from argv for the run. */
struct fs_scan_options {
    const char *inventory;
    const char *output_dir;
    const char *user;        /* -l, or NULL */
    const char **identities; /* -i files, in order */
    size_t n_identities;
    const char *known_hosts; /* NULL: ~/.ssh/known_hosts */
    enum fs_hostkey_policy policy;
    int parallel;
    uint64_t connect_timeout_ms;
    uint64_t timeout_ms;
    size_t output_cap;
    bool quiet;
    uint32_t fail_on;             /* which hosts make the exit status 1 (scanner/failon.h) */
    bool fail_on_given;           /* --fail-on was given */
    const char *output_pattern;   /* -o as given when it is a strftime pattern, else NULL */
    char *output_expanded;        /* owned: output_dir when it was expanded from the pattern */
    int shard_index;              /* --shard K/N: K (1..N); 0 when not sharded */
    int shard_count;              /* N; 0 when not sharded */
    const char *rescan_failed;    /* --rescan-failed PREVIOUS.json, or NULL */
    const struct fs_rules *rules; /* --rules; NULL: the default set (FS_RULES_DEFAULT_ID) */
    bool rules_owned;             /* rules was loaded from a file: fs_rules_free it */
    bool connect_timeout_set;     /* --connect-timeout given: it wins over ssh_config */
    const char *ssh_config;       /* -F FILE ("none": no file), or NULL: the usual files */
    bool no_agent;                /* --no-agent */
    const char *passphrase_file;  /* --passphrase-file, or NULL */
    const char *password_file;    /* --password-file, or NULL (then FLEETSCAN_PASSWORD) */
    const char *jump;             /* --jump [user@]host[:port], or NULL */
};

void fs_scan_options_init(struct fs_scan_options *o);

/*
 * True when the last scan ended while a name lookup it gave up on (its host timed out) still
 * runs in libuv's thread pool. Exiting normally would wait for it, since libuv joins its
 * threads at exit; the caller should flush its output and _exit() instead.
 */
bool fs_scan_resolver_busy(void);

/* Runs the whole scan. Returns the process exit status (enum fs_exit); messages go to stderr. */
int fs_scan_run(const struct fs_scan_options *o);

/* Parses `fleetscan scan` arguments (argv[0] is "scan"). Returns 0, or FS_EXIT_USAGE after
 * printing a message; identities are allocated into o->identities (free()). */
int fs_cli_parse_scan(int argc, char **argv, struct fs_scan_options *o);

/* `fleetscan rules [show ID|FILE]` (argv[0] is "rules"); returns the exit status. */
int fs_cli_rules(int argc, char **argv);

/* The whole command line: dispatches to the subcommands and returns the exit status. */
int fs_cli_main(int argc, char **argv);

#endif
