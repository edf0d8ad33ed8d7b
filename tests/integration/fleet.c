/*
 * fleet: the integration tests' view of the SSH fleet and of the fleetscan binary.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

#ifndef FLEETSCAN_BIN
#error "FLEETSCAN_BIN must name the fleetscan binary (set by tests/integration/CMakeLists.txt)"
#endif
#ifndef FLEET_STATE_DIR
#error "FLEET_STATE_DIR must name the fleet's state directory"
#endif

extern char **environ;

const char *const fleet_csv_columns[] = {
    "name",
    "address",
    "port",
    "user",
    "status",
    "error",
    "os_family",
    "os_id",
    "os_version",
    "os_name",
    "arch",
    "arch_class",
    "container_engine",
    "engine_version",
    "engine_support",
    "virtualization",
    "tier",
    "production_ready",
    "notes",
    "scanned_at",
    "duration_ms",
};

/* ---- fleet.env ------------------------------------------------------------------------- */

#define MAX_VARS 128

static struct {
    int loaded;
    size_t n;
    char *names[MAX_VARS];
    char *values[MAX_VARS];
} env;

/* Stores one NAME=value line; values written by fleet.sh are bare or in single quotes. */
static void env_add(char *line)
{
    char *eq = strchr(line, '=');
    char *value;
    size_t len;

    if (line[0] == '#' || eq == NULL || env.n == MAX_VARS)
        return;
    *eq = '\0';
    value = eq + 1;
    len = strlen(value);
    while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == '\r'))
        value[--len] = '\0';
    if (len >= 2 && value[0] == '\'' && value[len - 1] == '\'') {
        value[len - 1] = '\0';
        value++;
    }
    env.names[env.n] = strdup(line);
    env.values[env.n] = strdup(value);
    assert_non_null(env.names[env.n]);
    assert_non_null(env.values[env.n]);
    env.n++;
}

static void env_load(void)
{
    char line[4096];
    FILE *f;

    if (env.loaded)
        return;
    f = fopen(FLEET_STATE_DIR "/fleet.env", "r");
    if (f == NULL)
        fail_msg("the fleet is not running: %s/fleet.env: %s (start it with "
                 "tests/fleet/fleet.sh start %s, or run the tests through ctest)",
                 FLEET_STATE_DIR, strerror(errno), FLEET_STATE_DIR);
    while (fgets(line, sizeof line, f) != NULL)
        env_add(line);
    fclose(f);
    env.loaded = 1;
}

const char *fleet_var(const char *name)
{
    env_load();
    for (size_t i = 0; i < env.n; i++)
        if (strcmp(env.names[i], name) == 0)
            return env.values[i];
    fail_msg("fleet.env has no %s", name);
    return NULL;
}

int fleet_port(const char *kind)
{
    char name[128] = "PORT_";
    size_t len = strlen(name);
    long port;

    for (const char *p = kind; *p != '\0' && len + 1 < sizeof name; p++)
        name[len++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    name[len] = '\0';
    port = strtol(fleet_var(name), NULL, 10);
    assert_in_range(port, 1, 65535);
    return (int)port;
}

/* ---- files ----------------------------------------------------------------------------- */

void fleet_workdir_new(struct fleet_workdir *w)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(w->path, sizeof w->path, "%s/fleetscan-it.XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(w->path) == NULL)
        fail_msg("mkdtemp %s: %s", w->path, strerror(errno));
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

void fleet_workdir_free(struct fleet_workdir *w)
{
    if (w->path[0] != '\0')
        nftw(w->path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    w->path[0] = '\0';
}

const char *fleet_path(const struct fleet_workdir *w, const char *name)
{
    static char buf[1024];

    snprintf(buf, sizeof buf, "%s/%s", w->path, name);
    return buf;
}

void fleet_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        fail_msg("%s: %s", path, strerror(errno));
    if (fputs(text, f) == EOF || fclose(f) != 0)
        fail_msg("%s: write failed", path);
}

char *fleet_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;

    if (f == NULL)
        return NULL;
    do {
        if (cap - n < 4096) {
            cap = cap * 2 + 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

void fleet_copy_file(const char *src, const char *dst)
{
    size_t len;
    char *text = fleet_read_file(src, &len);
    FILE *f;

    if (text == NULL)
        fail_msg("%s: %s", src, strerror(errno));
    f = fopen(dst, "wb");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        fail_msg("%s: cannot write a copy of %s", dst, src);
    free(text);
}

/* ---- running fleetscan ----------------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The environment of the child: ours, with HOME pointing at the scratch directory. The array
 * (free()) borrows our strings except *home_var, which the caller frees too.
 */
static char **child_environ(const char *home, char **home_var)
{
    size_t n = 0, k = 0;
    char **envp;

    while (environ[n] != NULL)
        n++;
    envp = calloc(n + 2, sizeof *envp);
    assert_non_null(envp);
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "HOME=", 5) != 0)
            envp[k++] = environ[i];
    *home_var = malloc(strlen(home) + 6);
    assert_non_null(*home_var);
    sprintf(*home_var, "HOME=%s", home);
    envp[k] = *home_var;
    return envp;
}

/*
 * Waits for pid; sends sig after sig_after_s seconds when sig is not 0; after guard_s seconds
 * kills it. Returns the wait status.
 */
static int wait_guarded(pid_t pid, double sig_after_s, int sig, int guard_s, int *killed)
{
    double start = now_seconds();
    double deadline = start + guard_s;
    struct timespec pause = {0, 5 * 1000 * 1000};
    int wstatus;
    int signalled = sig == 0;

    *killed = 0;
    for (;;) {
        pid_t got = waitpid(pid, &wstatus, WNOHANG);
        if (got == pid)
            return wstatus;
        if (got < 0 && errno != EINTR)
            fail_msg("waitpid: %s", strerror(errno));
        if (!signalled && now_seconds() >= start + sig_after_s) {
            kill(pid, sig);
            signalled = 1;
        }
        if (!*killed && now_seconds() > deadline) {
            kill(pid, SIGKILL);
            *killed = 1;
        }
        nanosleep(&pause, NULL);
    }
}

void fleet_run(const struct fleet_workdir *w, const char *const *args, int guard_s,
               struct fleet_run *r)
{
    fleet_run_signal(w, args, 0, 0, guard_s, r);
}

void fleet_run_signal(const struct fleet_workdir *w, const char *const *args, double after_s,
                      int sig, int guard_s, struct fleet_run *r)
{
    static unsigned serial;
    char out_path[600], err_path[600];
    const char *argv[64];
    size_t argc = 0;
    posix_spawn_file_actions_t fa;
    char *home_var;
    char **envp = child_environ(w->path, &home_var);
    pid_t pid;
    int wstatus, killed, rc;
    double start;

    fleet_run_clear(r);
    serial++;
    snprintf(out_path, sizeof out_path, "%s/run%u.stdout", w->path, serial);
    snprintf(err_path, sizeof err_path, "%s/run%u.stderr", w->path, serial);
    argv[argc++] = FLEETSCAN_BIN;
    for (size_t i = 0; args[i] != NULL && argc < 63; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    start = now_seconds();
    rc = posix_spawn(&pid, FLEETSCAN_BIN, &fa, NULL, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(home_var);
    free(envp);
    if (rc != 0)
        fail_msg("cannot start %s: %s", FLEETSCAN_BIN, strerror(rc));
    wstatus = wait_guarded(pid, after_s, sig, guard_s, &killed);
    r->seconds = now_seconds() - start;
    r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    r->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    r->out = fleet_read_file(out_path, NULL);
    r->err = fleet_read_file(err_path, NULL);
    assert_non_null(r->out);
    assert_non_null(r->err);
    if (killed)
        fail_msg("fleetscan still ran after %d s and was killed; stderr:\n%s", guard_s, r->err);
}

void fleet_run_clear(struct fleet_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

void fleet_expect_exit(const struct fleet_run *r, int want)
{
    if (r->status != want)
        fail_msg("fleetscan exited with %d (signal %d), expected %d; stderr:\n%s", r->status,
                 r->signal, want, r->err);
}

/* scan -o out --known-hosts known_hosts -i key -q [extra...] inventory, into args. */
static void build_scan_args(const char *out, const char *inventory, const char *known_hosts,
                            const char *key, const char *const *extra, const char **args,
                            size_t room)
{
    const char *head[] = {"scan", "-o", out, "--known-hosts", known_hosts, "-i", key, "-q"};
    size_t n = 0;

    for (size_t i = 0; i < sizeof head / sizeof head[0] && n + 2 < room; i++)
        args[n++] = head[i];
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n + 2 < room; i++)
        args[n++] = extra[i];
    args[n++] = inventory;
    args[n] = NULL;
}

void fleet_scan_args(const char *out, const char *inventory, const char *const *extra,
                     const char **args, size_t room)
{
    build_scan_args(out, inventory, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, args, room);
}

void fleet_scan(const struct fleet_workdir *w, const char *inventory, const char *known_hosts,
                const char *key, const char *const *extra, struct fleet_run *r)
{
    char inv[600], out[600];
    const char *args[48];

    snprintf(inv, sizeof inv, "%s/inventory.txt", w->path);
    snprintf(out, sizeof out, "%s/out", w->path);
    fleet_write_file(inv, inventory);
    build_scan_args(out, inv, known_hosts, key, extra, args, sizeof args / sizeof args[0]);
    fleet_run(w, args, FLEET_GUARD_SECONDS, r);
}

/* ---- reports --------------------------------------------------------------------------- */

/* Appends one cell to the row being built. */
static void csv_push_cell(struct fleet_csv *c, char *cell)
{
    size_t r = c->nrows - 1;

    c->rows[r] = realloc(c->rows[r], (c->ncols[r] + 1) * sizeof *c->rows[r]);
    assert_non_null(c->rows[r]);
    c->rows[r][c->ncols[r]++] = cell;
}

static void csv_new_row(struct fleet_csv *c)
{
    c->rows = realloc(c->rows, (c->nrows + 1) * sizeof *c->rows);
    c->ncols = realloc(c->ncols, (c->nrows + 1) * sizeof *c->ncols);
    assert_non_null(c->rows);
    assert_non_null(c->ncols);
    c->rows[c->nrows] = NULL;
    c->ncols[c->nrows] = 0;
    c->nrows++;
}

/*
 * RFC 4180: cells separated by commas, records by CRLF (a bare LF is accepted too), quoted
 * cells may hold commas, line breaks and "" for a quote. Fails the test on a malformed quote.
 */
static void csv_parse(const char *text, size_t len, struct fleet_csv *c)
{
    size_t i = 0;

    memset(c, 0, sizeof *c);
    while (i < len) {
        csv_new_row(c);
        for (;;) {
            char *cell = malloc(len - i + 1);
            size_t n = 0;

            assert_non_null(cell);
            if (i < len && text[i] == '"') {
                for (i++;; i++) {
                    if (i >= len)
                        fail_msg("fleetscan.csv: a quoted cell of row %zu never ends", c->nrows);
                    if (text[i] == '"' && i + 1 < len && text[i + 1] == '"')
                        cell[n++] = text[i++];
                    else if (text[i] == '"')
                        break;
                    else
                        cell[n++] = text[i];
                }
                i++;
            } else {
                while (i < len && text[i] != ',' && text[i] != '\r' && text[i] != '\n')
                    cell[n++] = text[i++];
            }
            cell[n] = '\0';
            csv_push_cell(c, cell);
            if (i < len && text[i] == ',') {
                i++;
                continue;
            }
            if (i < len && text[i] != '\r' && text[i] != '\n')
                fail_msg("fleetscan.csv: text after a quoted cell in row %zu", c->nrows);
            break;
        }
        if (i < len && text[i] == '\r')
            i++;
        if (i < len && text[i] == '\n')
            i++;
    }
}

static void csv_clear(struct fleet_csv *c)
{
    for (size_t r = 0; r < c->nrows; r++) {
        for (size_t k = 0; k < c->ncols[r]; k++)
            free(c->rows[r][k]);
        free(c->rows[r]);
    }
    free(c->rows);
    free(c->ncols);
    memset(c, 0, sizeof *c);
}

void fleet_report_load(const struct fleet_workdir *w, struct fleet_report *rep)
{
    char path[600];
    json_error_t jerr;
    size_t len;
    char *text;

    fleet_report_clear(rep);
    snprintf(path, sizeof path, "%s/out/fleetscan.json", w->path);
    rep->json = json_load_file(path, 0, &jerr);
    if (rep->json == NULL)
        fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
    rep->hosts = json_object_get(rep->json, "hosts");
    if (!json_is_array(rep->hosts))
        fail_msg("%s: no \"hosts\" array", path);
    snprintf(path, sizeof path, "%s/out/fleetscan.csv", w->path);
    text = fleet_read_file(path, &len);
    if (text == NULL)
        fail_msg("%s: %s", path, strerror(errno));
    csv_parse(text, len, &rep->csv);
    free(text);
}

void fleet_report_clear(struct fleet_report *rep)
{
    json_decref(rep->json);
    csv_clear(&rep->csv);
    memset(rep, 0, sizeof *rep);
}

json_t *fleet_host(const struct fleet_report *rep, const char *name)
{
    size_t i;
    json_t *h;

    json_array_foreach(rep->hosts, i, h)
    {
        if (strcmp(fleet_str(h, "name"), name) == 0)
            return h;
    }
    fail_msg("fleetscan.json has no host named '%s'", name);
    return NULL;
}

const char *fleet_str(const json_t *host, const char *key)
{
    const char *s = json_string_value(json_object_get(host, key));

    return s != NULL ? s : "";
}

int fleet_version_matches(const char *version, const char *want)
{
    size_t n = strlen(want);

    return strncmp(version, want, n) == 0 && (version[n] == '\0' || version[n] == '.');
}

/* ---- fixtures -------------------------------------------------------------------------- */

int fleet_case_setup(void **state)
{
    struct fleet_case *c = calloc(1, sizeof *c);

    assert_non_null(c);
    c->param = *state;
    fleet_workdir_new(&c->work);
    *state = c;
    return 0;
}

int fleet_case_teardown(void **state)
{
    struct fleet_case *c = *state;

    fleet_report_clear(&c->report);
    fleet_run_clear(&c->run);
    fleet_workdir_free(&c->work);
    free(c->text[0]);
    free(c->text[1]);
    free(c);
    return 0;
}
