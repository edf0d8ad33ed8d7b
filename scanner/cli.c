/*
 * cli: the command line of fleetscan. Only this file and main.c know about argv.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scanner/outdir.h"
#include "scanner/probe.h"
#include "scanner/rules.h"
#include "scanner/scan.h"
#include "scanner/tools.h"

static const char usage_text[] =
    "Usage:\n"
    "  fleetscan scan [options] INVENTORY   scan every host of an inventory over SSH\n"
    "  fleetscan rules [show ID|FILE.json]   list the built-in rule sets, or print one\n"
    "  fleetscan probe --print linux|windows-cmd|windows-powershell\n"
    "                                       print the exact probe fleetscan runs on a device\n"
    "  fleetscan merge SHARD.json... [-o DIR]\n"
    "                                       combine --shard reports into one report\n"
    "  fleetscan classify REPORT.json [--rules ID|FILE] [-o DIR]\n"
    "                                       judge a report's stored facts again, offline\n"
    "  fleetscan diff OLD.json NEW.json [--format text|csv|json] [-o FILE]\n"
    "                                       hosts added, removed and changed between reports\n"
    "  fleetscan --help | --version\n"
    "\n"
    "Scan options:\n"
    "  -o, --output DIR           reports go here (created if missing; default "
    "./" FS_DEFAULT_OUTPUT_DIR ");\n"
    "                             strftime patterns such as reports/%Y-%m-%d are expanded\n"
    "                             once, and reports/latest then links to the newest\n"
    "  -l, --user USER            login user where the inventory names none\n"
    "  -i, --identity FILE        private key to offer (repeatable); without it:\n"
    "                             ~/.ssh/id_ed25519, id_ecdsa, id_rsa\n"
    "      --known-hosts FILE     known_hosts to check and update (default "
    "~/.ssh/known_hosts)\n"
    "      --host-key-check MODE  strict | accept-new (default) | off\n"
    "  -p, --parallel N           hosts in flight at once (default 256)\n"
    "      --connect-timeout SEC  TCP connect + SSH handshake + auth deadline per host "
    "(default 10)\n"
    "      --timeout SEC          whole-host deadline, probe included (default 60)\n"
    "      --max-output SIZE      probe output kept per host and stream (default 1M; K and M\n"
    "                             suffixes); past it, reading stops and the host is noted\n"
    "      --rules ID|FILE.json   the supported-systems matrix to judge by (default\n"
    "                             " FS_RULES_DEFAULT_ID "; see 'fleetscan rules')\n"
    "  -q, --quiet                no progress line\n"
    "      --fail-on LIST         findings that make the exit status 1 (default not-ok);\n"
    "                             e.g. unreachable,unsupported,tier2 (see fleetscan(1))\n"
    "      --shard K/N            scan only shard K of N (hosts chosen by a hash of the name)\n"
    "      --rescan-failed FILE   scan only the hosts not ok in the report FILE; keep the rest\n"
    "  -F FILE                    ssh_config to read instead of ~/.ssh/config and\n"
    "                             /etc/ssh/ssh_config ('none': no file)\n"
    "      --jump [USER@]HOST[:PORT]  reach every host through this bastion\n"
    "      --no-agent             do not offer ssh-agent keys (SSH_AUTH_SOCK)\n"
    "      --passphrase-file FILE passphrase of encrypted private keys (first line)\n"
    "      --password-file FILE   password for hosts that only accept passwords (first\n"
    "                             line; or the FLEETSCAN_PASSWORD environment variable)\n"
    "\n"
    "Reports: DIR/fleetscan.csv, DIR/fleetscan.json, DIR/summary.csv, DIR/report.html.\n"
    "Exit status: 0 every host ok; 1 some host not ok (what counts: --fail-on); 2 usage or\n"
    "input error (nothing scanned, no report written); 3 internal or output failure.\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "fleetscan: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'fleetscan --help'.\n");
    return FS_EXIT_USAGE;
}

/* Seconds as given on the command line ("10", "2.5") to milliseconds. */
static int parse_seconds(const char *opt, const char *text, uint64_t *ms)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(v) || v <= 0 || v > 86400) {
        fprintf(stderr,
                "fleetscan: %s '%s': expected a number of seconds above 0 and at most 86400\n", opt,
                text);
        return -1;
    }
    *ms = (uint64_t)(v * 1000.0 + 0.5);
    if (*ms == 0)
        *ms = 1;
    return 0;
}

static int parse_parallel(const char *text, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 1 || v > 100000) {
        fprintf(stderr, "fleetscan: --parallel '%s': expected a whole number from 1 to 100000\n",
                text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* A byte count with an optional K or M suffix (powers of 1024), from 1K to 64M. */
static int parse_size(const char *opt, const char *text, size_t *out)
{
    char *end;
    unsigned long long v;
    unsigned long long mult = 1;

    errno = 0;
    v = strtoull(text, &end, 10);
    if (end != text && (*end == 'K' || *end == 'k')) {
        mult = 1024;
        end++;
    } else if (end != text && (*end == 'M' || *end == 'm')) {
        mult = 1024 * 1024;
        end++;
    }
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v > (64ULL << 20) ||
        v * mult < 1024 || v * mult > (64ULL << 20)) {
        fprintf(stderr, "fleetscan: %s '%s': expected a size from 1K to 64M (for example 512K)\n",
                opt, text);
        return -1;
    }
    *out = (size_t)(v * mult);
    return 0;
}

static int parse_policy(const char *text, enum fs_hostkey_policy *p)
{
    if (strcmp(text, "strict") == 0)
        *p = FS_HOSTKEY_STRICT;
    else if (strcmp(text, "accept-new") == 0)
        *p = FS_HOSTKEY_ACCEPT_NEW;
    else if (strcmp(text, "off") == 0)
        *p = FS_HOSTKEY_OFF;
    else {
        fprintf(stderr, "fleetscan: --host-key-check '%s': expected strict, accept-new or off\n",
                text);
        return -1;
    }
    return 0;
}

enum {
    OPT_KNOWN_HOSTS = 256,
    OPT_HOSTKEY,
    OPT_CONNECT_TIMEOUT,
    OPT_TIMEOUT,
    OPT_MAX_OUTPUT,
    OPT_FAIL_ON,
    OPT_SHARD,
    OPT_RESCAN_FAILED,
    OPT_RULES,
    OPT_JUMP,
    OPT_NO_AGENT,
    OPT_PASSPHRASE_FILE,
    OPT_PASSWORD_FILE,
    OPT_SECRET_ON_ARGV
};

static const struct option scan_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"user", required_argument, NULL, 'l'},
    {"identity", required_argument, NULL, 'i'},
    {"known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS},
    {"host-key-check", required_argument, NULL, OPT_HOSTKEY},
    {"parallel", required_argument, NULL, 'p'},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
    {"rules", required_argument, NULL, OPT_RULES},
    {"quiet", no_argument, NULL, 'q'},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"rescan-failed", required_argument, NULL, OPT_RESCAN_FAILED},
    {"jump", required_argument, NULL, OPT_JUMP},
    {"no-agent", no_argument, NULL, OPT_NO_AGENT},
    {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
    /*
     * Exact names win over getopt's abbreviations: without these, "--password SECRET" would be
     * taken as "--password-file SECRET" and the secret would be echoed as a file name.
     */
    {"password", required_argument, NULL, OPT_SECRET_ON_ARGV},
    {"passphrase", required_argument, NULL, OPT_SECRET_ON_ARGV},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The first --fail-on replaces the default; later ones add their words. */
static int parse_fail_on(struct fs_scan_options *o, const char *arg)
{
    char err[1024];

    if (!o->fail_on_given)
        o->fail_on = 0;
    o->fail_on_given = true;
    if (fs_fail_on_parse(arg, &o->fail_on, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        return -1;
    }
    return 0;
}

/* -o reports/%Y-%m-%d: expanded once, now, so every report of this run lands in one place. */
static int expand_output(struct fs_scan_options *o)
{
    char err[PATH_MAX + 128];

    if (!fs_outdir_is_pattern(o->output_dir))
        return 0;
    o->output_expanded = fs_outdir_expand(o->output_dir, time(NULL), err, sizeof err);
    if (o->output_expanded == NULL)
        return usage_error("%s", err);
    o->output_pattern = o->output_dir;
    o->output_dir = o->output_expanded;
    return 0;
}

static int add_identity(struct fs_scan_options *o, const char *path)
{
    const char **grown = realloc(o->identities, (o->n_identities + 1) * sizeof *grown);

    if (grown == NULL)
        return -1;
    o->identities = grown;
    o->identities[o->n_identities++] = path;
    return 0;
}

static int parse_shard(const char *text, struct fs_scan_options *o)
{
    char err[256];

    if (fs_shard_parse(text, &o->shard_index, &o->shard_count, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "fleetscan: %s\n", err);
    return -1;
}

/* --rules: a built-in id or a rule file, loaded now so that a bad file stops the scan. */
static int set_rules(struct fs_scan_options *o, const char *arg)
{
    char err[1024];
    bool owned;
    const struct fs_rules *r = fs_rules_resolve(arg, &owned, err, sizeof err);

    if (r == NULL) {
        fprintf(stderr, "fleetscan: --rules: %s\n", err);
        return -1;
    }
    if (o->rules_owned)
        fs_rules_free((struct fs_rules *)o->rules);
    o->rules = r;
    o->rules_owned = owned;
    return 0;
}

/* Applies one parsed option; returns 0, 1 when help was printed, or -1 on a bad value. */
static int apply_option(struct fs_scan_options *o, int c, const char *arg)
{
    switch (c) {
    case 'o':
        o->output_dir = arg;
        return 0;
    case 'l':
        o->user = arg;
        return 0;
    case 'i':
        return add_identity(o, arg);
    case OPT_KNOWN_HOSTS:
        o->known_hosts = arg;
        return 0;
    case OPT_HOSTKEY:
        return parse_policy(arg, &o->policy);
    case 'p':
        return parse_parallel(arg, &o->parallel);
    case OPT_CONNECT_TIMEOUT:
        o->connect_timeout_set = true;
        return parse_seconds("--connect-timeout", arg, &o->connect_timeout_ms);
    case OPT_TIMEOUT:
        return parse_seconds("--timeout", arg, &o->timeout_ms);
    case OPT_MAX_OUTPUT:
        return parse_size("--max-output", arg, &o->output_cap);
    case OPT_RULES:
        return set_rules(o, arg);
    case 'q':
        o->quiet = true;
        return 0;
    case OPT_FAIL_ON:
        return parse_fail_on(o, arg);
    case OPT_SHARD:
        return parse_shard(arg, o);
    case OPT_RESCAN_FAILED:
        o->rescan_failed = arg;
        return 0;
    case 'F':
        o->ssh_config = arg;
        return 0;
    case OPT_JUMP:
        o->jump = arg;
        return 0;
    case OPT_NO_AGENT:
        o->no_agent = true;
        return 0;
    case OPT_PASSPHRASE_FILE:
        o->passphrase_file = arg;
        return 0;
    case OPT_SECRET_ON_ARGV:
        fprintf(stderr, "fleetscan: secrets are never taken on the command line, where every user "
                        "can read them (ps); use --password-file FILE or FLEETSCAN_PASSWORD for a "
                        "password, --passphrase-file FILE for a key passphrase\n");
        return -1;
    case OPT_PASSWORD_FILE:
        o->password_file = arg;
        return 0;
    case 'h':
        fputs(usage_text, stdout);
        return 1;
    default:
        return -1;
    }
}

int fs_cli_parse_scan(int argc, char **argv, struct fs_scan_options *o)
{
    int c;

    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "o:l:i:p:qhF:", scan_options, NULL)) != -1) {
        int rc = apply_option(o, c, optarg);
        if (rc == 1)
            return 1;
        if (rc != 0) {
            fprintf(stderr, "Try 'fleetscan --help'.\n");
            return FS_EXIT_USAGE;
        }
    }
    if (optind == argc)
        return usage_error("scan: no inventory file given");
    if (optind + 1 < argc)
        return usage_error("scan: one inventory file expected, got also '%s'", argv[optind + 1]);
    o->inventory = argv[optind];
    if (o->output_dir[0] == '\0')
        return usage_error("--output: empty directory name");
    if (o->connect_timeout_ms > o->timeout_ms)
        o->connect_timeout_ms = o->timeout_ms;
    return expand_output(o);
}

static int cmd_scan(int argc, char **argv)
{
    struct fs_scan_options o;
    int rc;

    fs_scan_options_init(&o);
    rc = fs_cli_parse_scan(argc, argv, &o);
    if (rc == 0)
        rc = fs_scan_run(&o);
    else if (rc == 1)
        rc = FS_EXIT_OK;
    free(o.identities);
    free(o.output_expanded);
    if (o.rules_owned)
        fs_rules_free((struct fs_rules *)o.rules);
    return rc;
}

static int cmd_probe(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--print") == 0) {
        if (strcmp(argv[2], "linux") == 0) {
            fputs(fs_probe_linux_script(), stdout);
            return FS_EXIT_OK;
        }
        if (strcmp(argv[2], "windows-cmd") == 0) {
            printf("%s\n", fs_probe_windows_command(FS_WINSHELL_CMD));
            return FS_EXIT_OK;
        }
        if (strcmp(argv[2], "windows-powershell") == 0) {
            printf("%s\n", fs_probe_windows_command(FS_WINSHELL_POWERSHELL));
            return FS_EXIT_OK;
        }
    }
    return usage_error("probe: expected --print linux|windows-cmd|windows-powershell");
}

int fs_cli_main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("no command given");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, stdout);
        return FS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("fleetscan %s (rules %s)\n", FS_VERSION, FS_RULES_DEFAULT_ID);
        return FS_EXIT_OK;
    }
    if (strcmp(argv[1], "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(argv[1], "rules") == 0)
        return fs_cli_rules(argc - 1, argv + 1);
    if (strcmp(argv[1], "probe") == 0)
        return cmd_probe(argc - 1, argv + 1);
    if (strcmp(argv[1], "merge") == 0)
        return fs_cmd_merge(argc - 1, argv + 1);
    if (strcmp(argv[1], "classify") == 0)
        return fs_cmd_classify(argc - 1, argv + 1);
    if (strcmp(argv[1], "diff") == 0)
        return fs_cmd_diff(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", argv[1]);
}
