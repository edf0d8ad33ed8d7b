/*
 * probe: what fleetscan runs on a device, how it reads the answer, and how it judges the host
 * against the supported-systems matrix.
 *
 * Linux (and other POSIX) devices get one exec round trip: fs_probe_linux_script(), a POSIX sh
 * script (dash and busybox ash compatible, no root needed, every command optional) that prints
 * sectioned facts:
 *
 *     @@fleetscan-probe 1
 *     @@section NAME
 *     ...raw output of that section...
 *     @@end
 *
 * A Windows device answers that script from cmd.exe or PowerShell with an error; the scanner
 * then sends fs_probe_windows_command() (cmd built-ins, no PowerShell start-up) in a second
 * round trip.
 *
 * Facts are a JSON object (jansson) so that a stored report can be classified again later.
 */
#ifndef FS_PROBE_H
#define FS_PROBE_H

#include <jansson.h>
#include <stddef.h>

#include "report/report.h"

/* The exact Linux probe script (static string). */
const char *fs_probe_linux_script(void);

enum fs_windows_shell { FS_WINSHELL_CMD, FS_WINSHELL_POWERSHELL };

/* The Windows probe command line for the shell that answered (static string). */
const char *fs_probe_windows_command(enum fs_windows_shell shell);

enum fs_probe_answer {
    FS_ANSWER_POSIX,        /* the script ran: sectioned output found */
    FS_ANSWER_WINDOWS_CMD,  /* cmd.exe answered (e.g. "is not recognized as an internal...") */
    FS_ANSWER_WINDOWS_PWSH, /* PowerShell answered (e.g. "CommandNotFoundException") */
    FS_ANSWER_UNRECOGNISED  /* something else: not a shell fleetscan understands */
};

/*
 * Looks at what the device sent back for the Linux script (stdout and stderr, untrusted, not
 * NUL-terminated) and says which kind of shell answered.
 */
enum fs_probe_answer fs_probe_identify(const char *out, size_t out_len, const char *err,
                                       size_t err_len, int exit_status);

/*
 * Parses the Linux script's output into a new facts object (caller decrefs). Never fails on
 * bad input: unknown sections are kept raw, invalid UTF-8 is replaced with U+FFFD.
 * Returns NULL only on memory exhaustion.
 */
json_t *fs_probe_parse_linux(const char *out, size_t len);

/* Parses the Windows probe output (ver, reg query, ...) into a new facts object. */
json_t *fs_probe_parse_windows(const char *out, size_t len);

/*
 * Classifies a host from its facts against the default rule set (the 2019-03 supported-systems
 * page, rules id FS_RULES_DEFAULT_ID, built in). Fills v (initialised by the caller) and
 * returns 0; -1 on memory exhaustion. Hosts that cannot be identified are "unknown" with a
 * reason.
 */
#define FS_RULES_DEFAULT_ID "azure-iot-edge-2019-03"
int fs_classify(const json_t *facts, struct fs_verdict *v);

/*
 * The same against any rule set (scanner/rules.h: fs_rules_builtin, fs_rules_resolve);
 * -1 also when rules is NULL. The verdict's sentences name rules->id.
 */
struct fs_rules;
int fs_classify_with(const struct fs_rules *rules, const json_t *facts, struct fs_verdict *v);

#endif
