/*
 * fleetscan in a nightly job: --fail-on decides the exit status, -o takes a strftime pattern
 * and keeps a `latest` link, and nothing reads stdin, prompts or writes terminal escapes when
 * no terminal is there (the progress line appears on a terminal only).
 */
#define _GNU_SOURCE /* forkpty */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pty.h>
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

/* ubuntu: ok, tier1, recommended; centos: ok, tier2, best-effort; closed: unreachable. */
static void three_hosts(char *inv, size_t size)
{
    snprintf(inv, size,
             "root@127.0.0.1:%d name=ubuntu\n"
             "root@127.0.0.1:%d name=centos\n"
             "root@127.0.0.1:%s name=closed\n",
             fleet_port("ubuntu-1804-amd64-moby"), fleet_port("centos-75-amd64-dockerce"),
             fleet_var("CLOSED_PORT"));
}

struct fail_on_case {
    const char *args[5]; /* extra options, NULL-terminated */
    int exit;
    const char *stderr_has; /* NULL: nothing to look for */
};

static const struct fail_on_case fail_on_cases[] = {
    {{NULL}, 1, NULL}, /* the default: some host is not ok */
    {{"--fail-on", "not-ok", NULL}, 1, "1 of 3 host(s) match --fail-on"},
    {{"--fail-on", "unsupported", NULL}, 0, NULL},
    {{"--fail-on", "tier2", NULL}, 1, "1 of 3 host(s) match --fail-on"},
    {{"--fail-on", "unreachable,unsupported,tier2", NULL}, 1, "2 of 3 host(s)"},
    {{"--fail-on", "tier1", "--fail-on", "engine-best-effort", NULL}, 1, "2 of 3 host(s)"},
    {{"--fail-on", "engine-missing", NULL}, 0, NULL},
    {{"--fail-on", "none", NULL}, 0, NULL},
};

static void test_fail_on(void **state)
{
    struct fleet_case *c = *state;
    char inv[512];

    three_hosts(inv, sizeof inv);
    for (size_t i = 0; i < sizeof fail_on_cases / sizeof fail_on_cases[0]; i++) {
        const struct fail_on_case *fc = &fail_on_cases[i];
        fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), fc->args, &c->run);
        if (c->run.status != fc->exit)
            fail_msg("case %zu (%s %s %s %s): exit %d, expected %d; stderr:\n%s", i,
                     fc->args[0] ? fc->args[0] : "", fc->args[1] ? fc->args[1] : "",
                     fc->args[2] ? fc->args[2] : "", fc->args[3] ? fc->args[3] : "", c->run.status,
                     fc->exit, c->run.err);
        if (fc->stderr_has != NULL && strstr(c->run.err, fc->stderr_has) == NULL)
            fail_msg("case %zu: stderr lacks '%s':\n%s", i, fc->stderr_has, c->run.err);
        /* The reports are written whatever the exit status says. */
        fleet_report_load(&c->work, &c->report);
        assert_int_equal(json_array_size(c->report.hosts), 3);
    }
}

/* A word fleetscan does not know is a usage error: exit 2, nothing scanned or written. */
static void test_fail_on_unknown_word(void **state)
{
    struct fleet_case *c = *state;
    const char *const extra[] = {"--fail-on", "unreachable,tier3", NULL};
    char inv[512];
    struct stat st;

    three_hosts(inv, sizeof inv);
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &c->run);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "'tier3'"));
    assert_non_null(strstr(c->run.err, "tier2")); /* the valid words are listed */
    assert_int_equal(stat(fleet_path(&c->work, "out"), &st), -1);
}

/* Runs `fleetscan scan -o OUT ... inventory.txt` with the fleet's key and known_hosts. */
static void scan_to(struct fleet_case *c, const char *out, const char *extra)
{
    char inv_path[600];
    const char *args[16];
    size_t n = 0;

    snprintf(inv_path, sizeof inv_path, "%s", fleet_path(&c->work, "inventory.txt"));
    args[n++] = "scan";
    args[n++] = "-o";
    args[n++] = out;
    args[n++] = "--known-hosts";
    args[n++] = fleet_var("KNOWN_HOSTS");
    args[n++] = "-i";
    args[n++] = fleet_var("KEY");
    if (extra != NULL)
        args[n++] = extra;
    args[n++] = inv_path;
    args[n] = NULL;
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
}

static void expect_link(const char *link, const char *want)
{
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof target - 1);

    if (n < 0)
        fail_msg("%s: %s", link, strerror(errno));
    target[n] = '\0';
    assert_string_equal(target, want);
}

static void test_dated_output_and_latest(void **state)
{
    struct fleet_case *c = *state;
    char inv[256], pattern[700], before[64], after[64], dir[800], file[900];
    time_t t;
    struct stat st;

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), inv);

    /* reports/%Y-%m-%d-a: the local date, taken once; latest points at it, relatively. */
    snprintf(pattern, sizeof pattern, "%s/reports/%%Y-%%m-%%d-a", c->work.path);
    t = time(NULL);
    strftime(before, sizeof before, "%Y-%m-%d-a", localtime(&t));
    scan_to(c, pattern, "-q");
    t = time(NULL);
    strftime(after, sizeof after, "%Y-%m-%d-a", localtime(&t));
    fleet_expect_exit(&c->run, 0);
    snprintf(dir, sizeof dir, "%s/reports/%s", c->work.path, before);
    if (stat(dir, &st) != 0) /* midnight passed during the scan */
        snprintf(dir, sizeof dir, "%s/reports/%s", c->work.path, after);
    snprintf(file, sizeof file, "%s/report.html", dir);
    assert_int_equal(stat(file, &st), 0);
    assert_non_null(strstr(c->run.out, dir));
    expect_link(fleet_path(&c->work, "reports/latest"), strrchr(dir, '/') + 1);
    snprintf(file, sizeof file, "%s/reports/latest/fleetscan.json", c->work.path);
    assert_int_equal(stat(file, &st), 0);

    /* The next run moves the link. */
    snprintf(pattern, sizeof pattern, "%s/reports/%%Y-b", c->work.path);
    scan_to(c, pattern, "-q");
    fleet_expect_exit(&c->run, 0);
    t = time(NULL);
    strftime(after, sizeof after, "%Y-b", localtime(&t));
    expect_link(fleet_path(&c->work, "reports/latest"), after);

    /* A plain -o makes no link. */
    snprintf(dir, sizeof dir, "%s", fleet_path(&c->work, "plain"));
    scan_to(c, dir, "-q");
    fleet_expect_exit(&c->run, 0);
    assert_int_equal(lstat(fleet_path(&c->work, "latest"), &st), -1);
    assert_int_equal(lstat(fleet_path(&c->work, "plain/latest"), &st), -1);
}

/* A directory named latest is left alone: exit 3, saying where the reports went. */
static void test_latest_is_a_directory(void **state)
{
    struct fleet_case *c = *state;
    char inv[256], pattern[700];

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), inv);
    assert_int_equal(mkdir(fleet_path(&c->work, "r"), 0755), 0);
    assert_int_equal(mkdir(fleet_path(&c->work, "r/latest"), 0755), 0);
    snprintf(pattern, sizeof pattern, "%s/r/%%Y", c->work.path);
    scan_to(c, pattern, "-q");
    fleet_expect_exit(&c->run, 3);
    assert_non_null(strstr(c->run.err, "r/latest"));
}

/*
 * Runs fleetscan with stdin on a pipe the test keeps open and has written to: a fleetscan that
 * read stdin would either take those bytes or wait forever. Returns the exit status; stderr
 * goes to *err (owned). Fails when it runs past guard_s or when the bytes were taken.
 */
static int run_with_open_stdin(struct fleet_case *c, const char *const *args, int guard_s,
                               char **err)
{
    static const char typed[] = "secret\ny\n";
    const char *argv[32];
    char err_path[600], left[64], home[600];
    char *envp[] = {home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    int pipefd[2], wstatus = 0;
    size_t n = 0;
    posix_spawn_file_actions_t fa;
    pid_t pid;
    time_t start = time(NULL);
    ssize_t got;

    argv[n++] = "fleetscan";
    for (size_t i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    snprintf(err_path, sizeof err_path, "%s", fleet_path(&c->work, "stdin.stderr"));
    assert_int_equal(pipe(pipefd), 0);
    assert_int_equal(write(pipefd[1], typed, sizeof typed - 1), (ssize_t)sizeof typed - 1);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[0], 0);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    snprintf(home, sizeof home, "HOME=%s", c->work.path);
    assert_int_equal(posix_spawn(&pid, FLEETSCAN_BIN_PATH, &fa, NULL, (char *const *)argv, envp),
                     0);
    posix_spawn_file_actions_destroy(&fa);
    while (waitpid(pid, &wstatus, WNOHANG) == 0) {
        if (time(NULL) - start > guard_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &wstatus, 0);
            close(pipefd[0]);
            close(pipefd[1]);
            fail_msg("fleetscan waited on stdin for more than %d s", guard_s);
        }
        usleep(20000);
    }
    /* Whatever was typed is still in the pipe. */
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    got = read(pipefd[0], left, sizeof left);
    close(pipefd[0]);
    close(pipefd[1]);
    if (got != (ssize_t)sizeof typed - 1)
        fail_msg("fleetscan read %zd bytes of its stdin", (ssize_t)sizeof typed - 1 - got);
    *err = fleet_read_file(err_path, NULL);
    assert_non_null(*err);
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

/*
 * An encrypted key and a terminal-less run: fleetscan says why it cannot use the key and exits
 * 2 at once, without prompting or reading stdin. A whole scan does not read it either.
 */
static void test_no_stdin_no_prompt(void **state)
{
    struct fleet_case *c = *state;
    char cmd[1400], key[600], inv[600], out[600], *err;
    char hosts[256];
    const char *args[16];
    int status;

    snprintf(key, sizeof key, "%s", fleet_path(&c->work, "encrypted_ed25519"));
    snprintf(cmd, sizeof cmd, "ssh-keygen -q -t ed25519 -N 'a passphrase' -C test -f '%s'", key);
    assert_int_equal(system(cmd), 0);
    snprintf(hosts, sizeof hosts, "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    snprintf(inv, sizeof inv, "%s", fleet_path(&c->work, "inventory.txt"));
    fleet_write_file(inv, hosts);
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));

    const char *enc_args[] = {"scan", "-o", out, "--known-hosts", fleet_var("KNOWN_HOSTS"), "-i",
                              key,    inv,  NULL};
    status = run_with_open_stdin(c, enc_args, 20, &err);
    c->text[0] = err;
    if (status != 2 || strstr(err, "passphrase") == NULL)
        fail_msg("exit %d, expected 2 and a word about the passphrase; stderr:\n%s", status, err);

    size_t n = 0;
    args[n++] = "scan";
    args[n++] = "-o";
    args[n++] = out;
    args[n++] = "--known-hosts";
    args[n++] = fleet_var("KNOWN_HOSTS");
    args[n++] = "-i";
    args[n++] = fleet_var("KEY");
    args[n++] = inv;
    args[n] = NULL;
    free(c->text[0]);
    status = run_with_open_stdin(c, args, 60, &err);
    c->text[0] = err;
    if (status != 0)
        fail_msg("exit %d; stderr:\n%s", status, err);
}

/*
 * Output to files or pipes holds no terminal escape (no progress line, no colour), even while
 * a host hangs long enough for the progress line to tick; on a terminal the progress line is
 * there, which shows this test would see it.
 */
static void test_no_escapes_without_tty(void **state)
{
    struct fleet_case *c = *state;
    char inv[256], out[600], buf[65536];
    const char *args[16];
    size_t n = 0, len = 0;
    pid_t pid;
    int master, wstatus;

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=hang\nroot@127.0.0.1:%d name=ubuntu\n",
             fleet_port("hang"), fleet_port("ubuntu-1804-amd64-moby"));
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), inv);
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    scan_to(c, out, "--timeout=2");
    fleet_expect_exit(&c->run, 1);
    assert_null(strchr(c->run.out, '\033'));
    assert_null(strchr(c->run.err, '\033'));
    assert_non_null(strstr(c->run.out, "Reports written to"));

    /* The same scan on a pseudo-terminal. */
    args[n++] = "fleetscan";
    args[n++] = "scan";
    args[n++] = "-o";
    args[n++] = out;
    args[n++] = "--known-hosts";
    args[n++] = fleet_var("KNOWN_HOSTS");
    args[n++] = "-i";
    args[n++] = fleet_var("KEY");
    args[n++] = "--timeout=2";
    args[n++] = fleet_path(&c->work, "inventory.txt");
    args[n] = NULL;
    pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("HOME", c->work.path, 1);
        execv(FLEETSCAN_BIN_PATH, (char *const *)args);
        _exit(127);
    }
    for (;;) {
        ssize_t got = read(master, buf + len, sizeof buf - 1 - len);
        if (got <= 0) /* EIO once the child has exited and closed the terminal */
            break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(master);
    waitpid(pid, &wstatus, 0);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 1);
    if (strstr(buf, "hosts done") == NULL || strchr(buf, '\033') == NULL)
        fail_msg("no progress line on a terminal:\n%s", buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fail_on, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_fail_on_unknown_word, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_dated_output_and_latest, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_latest_is_a_directory, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_no_stdin_no_prompt, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_no_escapes_without_tty, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
