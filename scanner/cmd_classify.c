/*
 * cmd_classify: `fleetscan classify REPORT.json -o DIR`, stored facts judged again.
 *
 * The probe's facts are kept in fleetscan.json so that last night's scan can be judged against
 * another matrix without touching the fleet. Only the verdict changes: status, error, address,
 * time stamps and facts stay as scanned, and a host the probe never reached (no facts) keeps
 * its verdict, which says "unknown" everywhere.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/probe.h"
#include "scanner/rules.h"
#include "scanner/scan.h"
#include "scanner/tools.h"

/*
 * Notes that the scanner adds itself, about the probe's output rather than about the matrix
 * (scanner/scan.c): the classifier cannot write them again from the facts, so they are kept.
 */
static const char *const scanner_note_prefixes[] = {
    "probe output went past --max-output",
    "the device's shell did not run the probe",
    NULL,
};

static bool scanner_note(const char *note)
{
    for (const char *const *p = scanner_note_prefixes; *p != NULL; p++)
        if (strncmp(note, *p, strlen(*p)) == 0)
            return true;
    return false;
}

static int builtin(const void *ctx, const json_t *facts, struct fs_verdict *v)
{
    return fs_classify(facts, v);
}

const struct fs_classifier fs_builtin_classifier = {FS_RULES_DEFAULT_ID, NULL, builtin};

/* A rule set chosen with --rules: ctx is the loaded struct fs_rules. */
static int with_rules(const void *ctx, const json_t *facts, struct fs_verdict *v)
{
    return fs_classify_with(ctx, facts, v);
}

static int reclassify_host(struct fs_host_record *r, const struct fs_classifier *cl)
{
    struct fs_verdict v;
    json_t *old_notes = r->verdict.notes;

    fs_verdict_init(&v);
    if (v.notes == NULL || v.reasons == NULL || cl->classify(cl->ctx, r->facts, &v) != 0) {
        fs_verdict_clear(&v);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(old_notes); i++) {
        json_t *note = json_array_get(old_notes, i);
        if (json_is_string(note) && scanner_note(json_string_value(note)) &&
            json_array_append(v.notes, note) != 0) {
            fs_verdict_clear(&v);
            return -1;
        }
    }
    fs_verdict_clear(&r->verdict);
    r->verdict = v;
    return 0;
}

int fs_reclassify(struct fs_report_file *rep, const struct fs_classifier *cl)
{
    char *rules = strdup(cl->rules_id);

    if (rules == NULL)
        return -1;
    for (size_t i = 0; i < rep->n_hosts; i++)
        if (rep->hosts[i].facts != NULL && reclassify_host(&rep->hosts[i], cl) != 0) {
            free(rules);
            return -1;
        }
    free(rep->rules_id);
    rep->rules_id = rules;
    rep->scan.rules_id = rules;
    return 0;
}

static const char classify_usage[] =
    "Usage: fleetscan classify REPORT.json [--rules ID|FILE.json] [-o DIR]\n"
    "Judges the facts stored in REPORT.json again, without connecting to any host, and writes a\n"
    "new report set into DIR (default ./" FS_DEFAULT_OUTPUT_DIR
    "). Hosts keep their status; hosts\n"
    "that were never reached keep their verdict. --rules picks the rule set (default\n"
    "" FS_RULES_DEFAULT_ID "; 'fleetscan rules' lists them).\n"
    "Exit status: 0 every host ok; 1 some host not ok; 2 bad input; 3 output failure.\n";

int fs_cmd_classify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"rules", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = FS_DEFAULT_OUTPUT_DIR;
    const struct fs_classifier *cl = &fs_builtin_classifier;
    struct fs_classifier chosen;
    const struct fs_rules *rules = NULL;
    bool rules_owned = false;
    struct fs_report_file *rep = NULL;
    int c, status = FS_EXIT_USAGE;
    char err[1024];

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == 'o') {
            dir = optarg;
        } else if (c == 'R') {
            if (rules_owned)
                fs_rules_free((struct fs_rules *)rules);
            rules = fs_rules_resolve(optarg, &rules_owned, err, sizeof err);
            if (rules == NULL) {
                fprintf(stderr, "fleetscan: --rules: %s\n", err);
                return FS_EXIT_USAGE;
            }
        } else if (c == 'h') {
            fputs(classify_usage, stdout);
            status = FS_EXIT_OK;
            goto out;
        } else {
            fputs(classify_usage, stderr);
            goto out;
        }
    }
    if (rules != NULL) {
        chosen.rules_id = fs_rules_id(rules);
        chosen.ctx = rules;
        chosen.classify = with_rules;
        cl = &chosen;
    }
    if (optind + 1 != argc || dir[0] == '\0') {
        fprintf(stderr, "fleetscan: classify: %s\n%s",
                dir[0] == '\0'   ? "--output: empty directory name"
                : optind == argc ? "no report given"
                                 : "one report expected",
                classify_usage);
        goto out;
    }
    if (fs_report_read(argv[optind], &rep, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        goto out;
    }
    if (fs_reclassify(rep, cl) != 0) {
        fprintf(stderr, "fleetscan: classify: out of memory\n");
        status = FS_EXIT_INTERNAL;
        goto out;
    }
    if (fs_report_write_all(&rep->report, dir, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        status = FS_EXIT_INTERNAL;
        goto out;
    }
    fs_report_print_summary(&rep->report, stdout);
    printf("Reports written to %s/\n", dir);
    status = FS_EXIT_OK;
    for (size_t i = 0; i < rep->n_hosts; i++)
        if (rep->hosts[i].status != FS_STATUS_OK)
            status = FS_EXIT_NOT_OK;
out:
    fs_report_file_free(rep);
    if (rules_owned)
        fs_rules_free((struct fs_rules *)rules);
    return status;
}
