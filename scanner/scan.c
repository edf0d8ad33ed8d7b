/*
 * scan: the run of `fleetscan scan`.
 *
 * Everything happens on one libuv loop: at most --parallel sessions are in flight, and each
 * finished host starts the next one. The probe's answer is parsed and classified as soon as
 * it arrives, so a host's output buffers are freed with its session.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inventory/inventory.h"
#include "report/report.h"
#include "scanner/outdir.h"
#include "scanner/probe.h"
#include "scanner/rules.h"
#include "scanner/reach.h"
#include "scanner/scan.h"
#include "scanner/scan_internal.h"
#include "scanner/tools.h"
#include "transport/known_index.h"

/* Per-host context handed to the transport. */
struct host {
    struct scan *scan;
    size_t index;
    int round; /* 1: Linux script sent; 2: Windows command sent */
    struct fs_transport_target target;
    struct fs_session *session; /* while in flight */
    bool carried;               /* --rescan-failed: ok last time, its old record kept */
};

struct scan {
    const struct fs_scan_options *o;
    struct fs_inventory *inv;
    struct fs_host_record *records;
    struct host *hosts;
    struct fs_reach *reach; /* ssh_config, keys, password, jump hosts */
    size_t next;
    size_t running;
    size_t finished;
    size_t not_ok;
    uv_loop_t loop;
    uv_timer_t progress;
    bool progress_on;
    uv_signal_t signals[2]; /* SIGINT, SIGTERM */
    bool signals_on;
    bool interrupted;
    struct fs_transport_config tcfg;
    int parallel;
    struct fs_rescan *rescan; /* --rescan-failed */
    size_t *positions;        /* --shard: each target's place in the whole inventory */
    size_t inventory_hosts;
    int outlock;                        /* descriptor holding the output directory's lock, or -1 */
    struct fs_known_index *known_index; /* known_hosts read once; NULL: libssh reads it */
};

static void iso_time(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- probe round trips ---------------------------------------------------------------------- */

/* Adds a note to the verdict; notes are short lines for the CSV. */
static void add_note(struct fs_verdict *v, const char *text)
{
    if (v->notes == NULL)
        v->notes = json_array();
    json_array_append_new(v->notes, json_string(text));
}

/* Keeps what an unrecognised shell said, cleaned, so a person can see why. */
static json_t *unrecognised_facts(const struct fs_exec_result *r)
{
    size_t n = r->out_len > 2048 ? 2048 : r->out_len;
    size_t m = r->err_len > 2048 ? 2048 : r->err_len;
    char *out = fs_utf8_clean(r->out, n, NULL);
    char *err = fs_utf8_clean(r->err, m, NULL);
    json_t *facts = json_pack("{s:s, s:s?, s:s?, s:i}", "answer", "unrecognised", "stdout", out,
                              "stderr", err, "exit_status", r->exit_status);

    free(out);
    free(err);
    return facts;
}

static void record_probe(struct host *h, json_t *facts, const struct fs_exec_result *r)
{
    struct fs_host_record *rec = &h->scan->records[h->index];
    char note[160];

    if (facts == NULL)
        facts = json_object();
    if (r->out_dropped + r->err_dropped > 0)
        json_object_set_new(facts, "output_discarded_bytes",
                            json_integer((json_int_t)(r->out_dropped + r->err_dropped)));
    json_decref(rec->facts);
    rec->facts = facts;
    fs_verdict_clear(&rec->verdict);
    fs_verdict_init(&rec->verdict);
    if (h->scan->o->rules != NULL)
        fs_classify_with(h->scan->o->rules, facts, &rec->verdict);
    else
        fs_classify(facts, &rec->verdict);
    if (r->out_dropped + r->err_dropped > 0) {
        snprintf(note, sizeof note,
                 "probe output went past --max-output (%zu bytes): reading stopped, %zu bytes "
                 "discarded",
                 h->scan->o->output_cap, r->out_dropped + r->err_dropped);
        add_note(&rec->verdict, note);
    }
}

static const char *host_next_command(void *arg, const struct fs_exec_result *prev)
{
    struct host *h = arg;

    if (prev == NULL) {
        h->round = 1;
        return fs_probe_linux_script();
    }
    if (h->round == 2) {
        record_probe(h, fs_probe_parse_windows(prev->out, prev->out_len), prev);
        return NULL;
    }
    switch (
        fs_probe_identify(prev->out, prev->out_len, prev->err, prev->err_len, prev->exit_status)) {
    case FS_ANSWER_POSIX:
        record_probe(h, fs_probe_parse_linux(prev->out, prev->out_len), prev);
        return NULL;
    case FS_ANSWER_WINDOWS_CMD:
        h->round = 2;
        return fs_probe_windows_command(FS_WINSHELL_CMD);
    case FS_ANSWER_WINDOWS_PWSH:
        h->round = 2;
        return fs_probe_windows_command(FS_WINSHELL_POWERSHELL);
    case FS_ANSWER_UNRECOGNISED:
    default:
        record_probe(h, unrecognised_facts(prev), prev);
        add_note(&h->scan->records[h->index].verdict,
                 "the device's shell did not run the probe (see facts.stdout)");
        return NULL;
    }
}

/* ---- scheduling ----------------------------------------------------------------------------- */

static void launch_more(struct scan *sc);

static void host_done(void *arg, const struct fs_transport_outcome *o)
{
    struct host *h = arg;
    struct scan *sc = h->scan;
    struct fs_host_record *rec = &sc->records[h->index];

    rec->status = o->status;
    rec->duration_ms = (int64_t)o->duration_ms;
    free(rec->error);
    rec->error = o->error != NULL ? strdup(o->error) : NULL;
    if (o->hostkey_note != NULL && rec->facts != NULL)
        json_object_set_new(
            rec->facts, "hostkey",
            json_pack("{s:s?, s:s}", "sha256", o->hostkey_sha256, "note", o->hostkey_note));
    /* The host is finished: keep its facts as compact text (docs/architecture.md, Reports). */
    (void)fs_host_record_pack(rec);
    if (o->status != FS_STATUS_OK)
        sc->not_ok++;
    h->session = NULL;
    sc->running--;
    sc->finished++;
    launch_more(sc);
}

static void launch_one(struct scan *sc, size_t i)
{
    struct host *h = &sc->hosts[i];
    struct fs_host_record *rec = &sc->records[i];
    int rc;

    h->scan = sc;
    h->index = i;
    iso_time(rec->scanned_at, sizeof rec->scanned_at);
    rc = fs_session_start(&sc->loop, &sc->tcfg, &h->target, host_next_command, host_done, h,
                          &h->session);
    if (rc != 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "setup: could not start the scan of this host: %s",
                 uv_strerror(rc));
        rec->status = FS_STATUS_ERROR;
        rec->error = strdup(msg);
        rec->duration_ms = 0;
        sc->not_ok++;
        sc->finished++;
        return;
    }
    sc->running++;
}

/* Closes the loop's own handles once no host is in flight and none will start. */
static void close_run_handles(struct scan *sc)
{
    if (sc->progress_on) {
        uv_close((uv_handle_t *)&sc->progress, NULL);
        sc->progress_on = false;
        fprintf(stderr, "\r\033[K");
    }
    if (sc->signals_on) {
        uv_close((uv_handle_t *)&sc->signals[0], NULL);
        uv_close((uv_handle_t *)&sc->signals[1], NULL);
        sc->signals_on = false;
    }
    /* A lookup of a host that timed out may still run in the thread pool (a slow resolver):
     * every host is done, so do not wait for it. */
    if (fs_session_lookups_pending() > 0)
        uv_stop(&sc->loop);
}

static void launch_more(struct scan *sc)
{
    while (!sc->interrupted && sc->running < (size_t)sc->parallel &&
           sc->next < sc->inv->n_targets) {
        size_t i = sc->next++;
        if (sc->hosts[i].carried)
            sc->finished++;
        else
            launch_one(sc, i);
    }
    if (sc->running == 0 && (sc->interrupted || sc->next == sc->inv->n_targets))
        close_run_handles(sc);
}

/*
 * The first SIGINT or SIGTERM stops the scan: no new host starts, hosts in flight are ended
 * now, and the reports are still written, marked incomplete. A second signal exits at once.
 */
static void on_signal(uv_signal_t *sig, int signum)
{
    struct scan *sc = sig->data;

    if (sc->interrupted) {
        static const char msg[] = "\nfleetscan: second signal: exiting without reports\n";
        (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
        _exit(128 + signum);
    }
    sc->interrupted = true;
    fprintf(stderr,
            "\nfleetscan: interrupted: stopping %zu host(s) in flight and writing the "
            "reports (signal again to exit at once)\n",
            sc->running);
    for (size_t i = 0; i < sc->next; i++)
        if (sc->hosts[i].session != NULL)
            fs_session_cancel(sc->hosts[i].session);
    launch_more(sc);
}

/* Hosts the interruption kept from starting are in the report too, saying so. */
static void mark_unscanned(struct scan *sc)
{
    for (size_t i = sc->next; i < sc->inv->n_targets; i++) {
        struct fs_host_record *rec = &sc->records[i];
        if (sc->hosts[i].carried)
            continue;
        rec->status = FS_STATUS_ERROR;
        free(rec->error);
        rec->error = strdup("not scanned: interrupted");
        sc->not_ok++;
    }
}

static void on_progress(uv_timer_t *t)
{
    struct scan *sc = t->data;

    fprintf(stderr, "\r\033[Kfleetscan: %zu/%zu hosts done, %zu in flight, %zu not ok",
            sc->finished, sc->inv->n_targets, sc->running, sc->not_ok);
    fflush(stderr);
}

/* ---- setup ------------------------------------------------------------------------------------
 */

/* Fills each record and transport target from the inventory and the command line. */
static int prepare_hosts(struct scan *sc, char *err, size_t errlen)
{
    for (size_t i = 0; i < sc->inv->n_targets; i++) {
        const struct fs_target *t = &sc->inv->targets[i];
        struct fs_host_record *rec = &sc->records[i];
        struct host *h = &sc->hosts[i];

        fs_host_record_init(rec);
        rec->name = strdup(t->name);
        if (rec->name == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (sc->rescan != NULL && fs_rescan_take(sc->rescan, t->name, rec)) {
            h->carried = true;
            (void)fs_host_record_pack(rec);
            continue;
        }
        /* Address, port, user, keys and jump host: command line, inventory, ssh_config. */
        if (fs_reach_target(sc->reach, sc->inv->path, t, rec, &h->target, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/*
 * Lets a scan of thousands of hosts have the descriptors it needs: two per session, one more
 * for an ssh-agent connection, two more through a jump host.
 */
static int raise_fd_limit(int parallel)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return parallel;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)parallel * 5 + 64 > rl.rlim_cur) {
        int fit = rl.rlim_cur > 144 ? (int)((rl.rlim_cur - 64) / 5) : 16;
        fprintf(stderr,
                "fleetscan: --parallel %d needs %d file descriptors but the limit is %llu; "
                "scanning %d at a time\n",
                parallel, parallel * 5 + 64, (unsigned long long)rl.rlim_cur, fit);
        return fit;
    }
    return parallel;
}

static void default_known_hosts(char *buf, size_t len)
{
    const char *home = getenv("HOME");
    struct passwd *pw;

    if (home == NULL || home[0] == '\0') {
        pw = getpwuid(getuid());
        home = pw != NULL ? pw->pw_dir : "/";
    }
    snprintf(buf, len, "%s/.ssh/known_hosts", home);
}

/*
 * A known_hosts path that names a directory or an unreadable file would fail every host one by
 * one; it is an input error, said once before the scan. A file that does not exist yet is fine
 * (accept-new creates it).
 */
static int check_known_hosts(const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return 0;
    /* /dev/null is a known_hosts some users choose on purpose. */
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
        snprintf(err, errlen, "--known-hosts %s: not a regular file; name a known_hosts file",
                 path);
        return -1;
    }
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "--known-hosts %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * Refuses an output directory that cannot be written before any host is scanned: the nearest
 * existing ancestor must be a writable directory.
 */
static int check_output_dir(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    struct stat st;

    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: output directory path too long", dir);
        return -1;
    }
    for (;;) {
        if (stat(path, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                snprintf(err, errlen,
                         "%s: cannot create the output directory: %s is not a "
                         "directory",
                         dir, path);
                return -1;
            }
            if (access(path, W_OK | X_OK) != 0) {
                snprintf(err, errlen, "%s: cannot write reports: %s: %s", dir, path,
                         strerror(errno));
                return -1;
            }
            return 0;
        }
        char *slash = strrchr(path, '/');
        if (slash == NULL) {
            snprintf(path, sizeof path, ".");
        } else if (slash == path) {
            path[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
}

/* ---- the run -----------------------------------------------------------------------------------
 */

static int write_reports(struct scan *sc, struct fs_scan_info *info, uint64_t t0)
{
    struct fs_report rep = {info, sc->records, sc->inv->n_targets};
    char err[1024];

    iso_time(info->finished_at, sizeof info->finished_at);
    info->duration_ms = (int64_t)((uv_hrtime() - t0) / 1000000u);
    if (fs_report_write_all(&rep, sc->o->output_dir, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        return FS_EXIT_INTERNAL;
    }
    if (sc->o->output_pattern != NULL &&
        fs_outdir_link_latest(sc->o->output_pattern, sc->o->output_dir, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        return FS_EXIT_INTERNAL;
    }
    fs_report_print_summary(&rep, stdout);
    printf("Reports written to %s/\n", sc->o->output_dir);
    return fs_fail_on_exit(sc->o->fail_on, sc->o->fail_on_given, info->complete, sc->records,
                           sc->inv->n_targets);
}

/* Set when the scan ended with a name lookup still running (fs_scan_resolver_busy()). */
static bool resolver_busy;

bool fs_scan_resolver_busy(void)
{
    return resolver_busy;
}

static int run_loop(struct scan *sc)
{
    if (uv_loop_init(&sc->loop) != 0) {
        fprintf(stderr, "fleetscan: cannot start the event loop\n");
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        uv_signal_init(&sc->loop, &sc->signals[i]);
        sc->signals[i].data = sc;
        uv_signal_start(&sc->signals[i], on_signal, i == 0 ? SIGINT : SIGTERM);
    }
    sc->signals_on = true;
    if (!sc->o->quiet && isatty(STDERR_FILENO)) {
        uv_timer_init(&sc->loop, &sc->progress);
        sc->progress.data = sc;
        uv_timer_start(&sc->progress, on_progress, 250, 250);
        sc->progress_on = true;
    }
    launch_more(sc);
    uv_run(&sc->loop, UV_RUN_DEFAULT);
    if (fs_session_lookups_pending() > 0) {
        /* Stopped with lookups still running: let the handles closed last finish closing, and
         * leave the loop open (and the scan in static storage) for the resolver thread that
         * will still report to it. main() exits without waiting for that thread. */
        uv_run(&sc->loop, UV_RUN_NOWAIT);
        resolver_busy = fs_session_lookups_pending() > 0;
        if (resolver_busy)
            return 0;
    }
    if (uv_loop_close(&sc->loop) != 0) {
        fprintf(stderr, "fleetscan: internal error: event loop still busy at exit\n");
        return -1;
    }
    return 0;
}

static void scan_free(struct scan *sc)
{
    if (sc->records != NULL)
        for (size_t i = 0; i < sc->inv->n_targets; i++)
            fs_host_record_clear(&sc->records[i]);
    free(sc->records);
    free(sc->hosts);
    fs_reach_free(sc->reach);
    fs_inventory_free(sc->inv);
    fs_rescan_free(sc->rescan);
    free(sc->positions);
    fs_outlock_release(sc->outlock);
    fs_known_index_free(sc->known_index);
}

int fs_scan_run(const struct fs_scan_options *o)
{
    /* Static: when a lookup still runs at the end, the loop inside must outlive this call. */
    static struct scan sc;
    struct fs_inventory_error ierr;
    struct fs_scan_info info;
    char known_hosts[PATH_MAX];
    char err[1024];
    uint64_t t0 = uv_hrtime();
    int status = FS_EXIT_USAGE;

    memset(&sc, 0, sizeof sc);
    memset(&info, 0, sizeof info);
    sc.o = o;
    sc.outlock = -1;
    iso_time(info.started_at, sizeof info.started_at);
    if (fs_inventory_load(o->inventory, &sc.inv, &ierr) != 0) {
        fprintf(stderr, "fleetscan: %s\n", ierr.text);
        return FS_EXIT_USAGE;
    }
    if (o->shard_count > 0 && fs_shard_select(sc.inv, o->shard_index, o->shard_count, &sc.positions,
                                              &sc.inventory_hosts) != 0) {
        fprintf(stderr, "fleetscan: out of memory\n");
        status = FS_EXIT_INTERNAL;
        goto out;
    }
    if (o->rescan_failed != NULL &&
        fs_rescan_load(o->rescan_failed, &sc.rescan, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: --rescan-failed: %s\n", err);
        goto out;
    }
    if (check_output_dir(o->output_dir, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        status = FS_EXIT_INTERNAL;
        goto out;
    }
    if (o->known_hosts == NULL)
        default_known_hosts(known_hosts, sizeof known_hosts);
    else
        snprintf(known_hosts, sizeof known_hosts, "%s", o->known_hosts);
    if (check_known_hosts(known_hosts, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        goto out;
    }
    sc.tcfg.known_hosts = known_hosts;
    sc.known_index = fs_known_index_load(known_hosts, FS_GLOBAL_KNOWN_HOSTS);
    sc.tcfg.known_index = sc.known_index;
    sc.tcfg.policy = o->policy;
    sc.tcfg.connect_timeout_ms = o->connect_timeout_ms;
    sc.tcfg.timeout_ms = o->timeout_ms;
    sc.tcfg.output_cap = o->output_cap;
    if (fs_reach_new(o, &sc.tcfg, &sc.reach, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        goto out;
    }
    sc.records = calloc(sc.inv->n_targets, sizeof *sc.records);
    sc.hosts = calloc(sc.inv->n_targets, sizeof *sc.hosts);
    if (sc.records == NULL || sc.hosts == NULL) {
        fprintf(stderr, "fleetscan: out of memory\n");
        goto out;
    }
    if (prepare_hosts(&sc, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        goto out;
    }
    sc.parallel = raise_fd_limit(o->parallel);
    /* Taken only now, so that an input error leaves no directory behind. */
    if (fs_outlock_take(o->output_dir, &sc.outlock, err, sizeof err) != 0) {
        fprintf(stderr, "fleetscan: %s\n", err);
        status = FS_EXIT_INTERNAL;
        goto out;
    }

    info.tool_version = FS_VERSION;
    info.rules_id = o->rules != NULL ? fs_rules_id(o->rules) : FS_RULES_DEFAULT_ID;
    info.inventory = o->inventory;
    info.parallel = sc.parallel;
    info.complete = true;
    info.shard_index = o->shard_index;
    info.shard_count = o->shard_count;
    info.inventory_hosts = sc.inventory_hosts;
    info.positions = sc.positions;
    info.n_positions = sc.inv->n_targets;
    if (run_loop(&sc) != 0) {
        status = FS_EXIT_INTERNAL;
        goto out;
    }
    if (sc.interrupted) {
        mark_unscanned(&sc);
        info.complete = false;
    }
    status = write_reports(&sc, &info, t0);
out:
    scan_free(&sc);
    return status;
}

void fs_scan_options_init(struct fs_scan_options *o)
{
    memset(o, 0, sizeof *o);
    o->output_dir = FS_DEFAULT_OUTPUT_DIR;
    o->policy = FS_HOSTKEY_ACCEPT_NEW;
    o->parallel = FS_DEFAULT_PARALLEL;
    o->connect_timeout_ms = FS_DEFAULT_CONNECT_TIMEOUT_MS;
    o->timeout_ms = FS_DEFAULT_TIMEOUT_MS;
    o->output_cap = FS_DEFAULT_OUTPUT_CAP;
    (void)fs_fail_on_parse(FS_FAIL_ON_DEFAULT, &o->fail_on, NULL, 0);
}
