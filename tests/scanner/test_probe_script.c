/*
 * The probe script as a device runs it: this machine's dash, busybox ash and bash execute the
 * exact text fleetscan sends, and the answer must parse and classify as this machine (Debian
 * 12 on x86_64). The Windows command lines are checked for the properties their shells need.
 */
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe_test_util.h"
#include "scanner/probe.h"

extern char **environ;

/* What a child printed and how it ended. */
struct run {
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
    int status; /* exit status, or -1 when killed */
    double seconds;
};

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

static void grow_read(int fd, char **buf, size_t *len, bool *open)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);

    if (n <= 0) {
        *open = false;
        return;
    }
    *buf = realloc(*buf, *len + (size_t)n);
    assert_non_null(*buf);
    memcpy(*buf + *len, chunk, (size_t)n);
    *len += (size_t)n;
}

/* Runs argv (looked up in PATH) with stdout and stderr captured; both are drained together. */
static void run_argv(char *const argv[], struct run *r)
{
    int out[2], err[2], wstatus;
    bool out_open = true, err_open = true;
    posix_spawn_file_actions_t fa;
    struct timespec t0, t1;
    pid_t pid;

    memset(r, 0, sizeof *r);
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(err), 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, err[0]);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        fail_msg("cannot start %s", argv[0]);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(err[1]);
    while (out_open || err_open) {
        struct pollfd p[2] = {{out_open ? out[0] : -1, POLLIN, 0},
                              {err_open ? err[0] : -1, POLLIN, 0}};
        if (poll(p, 2, 30000) <= 0)
            fail_msg("%s printed nothing for 30 s", argv[0]);
        if (p[0].revents != 0)
            grow_read(out[0], &r->out, &r->out_len, &out_open);
        if (p[1].revents != 0)
            grow_read(err[0], &r->err, &r->err_len, &err_open);
    }
    close(out[0]);
    close(err[0]);
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

/* Writes the script to a temporary file for `sh -n` (returns the path, caller unlinks). */
static char *script_file(void)
{
    char *path = strdup("/tmp/fleetscan-probe-XXXXXX");
    const char *script = fs_probe_linux_script();
    int fd;

    assert_non_null(path);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, script, strlen(script)), (ssize_t)strlen(script));
    close(fd);
    return path;
}

static void assert_syntax_ok(char *const argv[])
{
    struct run r;

    run_argv(argv, &r);
    if (r.status != 0)
        fail_msg("%s %s rejects the script: %.*s", argv[0], argv[1], (int)r.err_len,
                 r.err != NULL ? r.err : "");
    run_free(&r);
}

static void test_syntax_dash_busybox_bash(void **state)
{
    char *path = script_file();
    char *dash[] = {"dash", "-n", path, NULL};
    char *busybox[] = {"busybox", "sh", "-n", path, NULL};
    char *bash[] = {"bash", "--posix", "-n", path, NULL};

    assert_syntax_ok(dash);
    assert_syntax_ok(busybox);
    assert_syntax_ok(bash);
    unlink(path);
    free(path);
}

/* Bash-only syntax that dash would reject at run time rather than while parsing. */
static void test_script_has_no_bashisms(void **state)
{
    static const char *const bashisms[] = {"[[ ", " == ",   "<<<", "function ", "source ",
                                           "$'",  "local ", "&>",  "pipefail"};
    const char *script = fs_probe_linux_script();

    for (size_t i = 0; i < sizeof bashisms / sizeof bashisms[0]; i++)
        if (strstr(script, bashisms[i]) != NULL)
            fail_msg("the script uses the bashism \"%s\"", bashisms[i]);
    /* Every file read is bounded: no plain cat of device files. */
    assert_null(strstr(script, "cat "));
    assert_non_null(strstr(script, "exit 0\n"));
}

/* Runs the script with one shell and checks that this machine is recognised. */
static void check_this_machine(char *const argv[])
{
    struct fs_verdict v;
    struct run r;
    json_t *facts;
    char *copy;

    run_argv(argv, &r);
    if (r.status != 0)
        fail_msg("%s: the script exited %d", argv[0], r.status);
    /* Every command is silent when missing or failing: nothing reaches stderr. */
    if (r.err_len != 0)
        fail_msg("%s: the script wrote to stderr: %.*s", argv[0], (int)r.err_len, r.err);
    assert_true(r.out_len > 20 && r.out_len < 256 * 1024);
    assert_memory_equal(r.out, "@@fleetscan-probe 1\n", 20);
    assert_true(r.seconds < 15.0);
    assert_int_equal(fs_probe_identify(r.out, r.out_len, r.err, r.err_len, r.status),
                     FS_ANSWER_POSIX);

    copy = ptu_copy(r.out, r.out_len);
    facts = fs_probe_parse_linux(copy, r.out_len);
    assert_non_null(facts);
    assert_null(json_object_get(facts, "unterminated_sections"));
    assert_null(json_object_get(facts, "stray_lines"));
    assert_string_equal(json_string_value(ptu_at(facts, "os_release.ID")), "debian");
    assert_string_equal(json_string_value(ptu_at(facts, "uname.os")), "Linux");
    assert_int_equal(json_integer_value(ptu_at(facts, "long_bit")), 64);
    assert_int_equal(json_integer_value(ptu_at(facts, "elf.machine")), 62);
    assert_true(json_integer_value(ptu_at(facts, "memory_kb.total")) > 0);
    assert_true(json_integer_value(ptu_at(facts, "storage_kb./.available")) > 0);
    assert_true(json_is_array(ptu_at(facts, "engine.packages")));

    fs_verdict_init(&v);
    assert_int_equal(fs_classify(facts, &v), 0);
    assert_int_equal(v.os_family, FS_OS_LINUX);
    assert_string_equal(v.os_id, "debian");
    assert_non_null(v.os_version);
    if (strncmp(v.os_version, "12.", 3) != 0)
        fail_msg("%s: os_version %s is not Debian's point release 12.x", argv[0], v.os_version);
    assert_string_equal(v.os_name, "Debian GNU/Linux 12 (bookworm)");
    assert_int_equal(v.arch_class, FS_ARCH_AMD64);
    assert_int_equal(v.tier, FS_TIER_UNSUPPORTED);
    assert_int_equal(v.production_ready, FS_READY_NO);
    assert_true(ptu_list_has(v.reasons, "is not listed in " FS_RULES_DEFAULT_ID));
    ptu_assert_verdict_sane(&v, argv[0]);
    fs_verdict_clear(&v);
    json_decref(facts);
    free(copy);
    run_free(&r);
}

static void test_runs_under_dash(void **state)
{
    char *argv[] = {"dash", "-c", (char *)fs_probe_linux_script(), NULL};
    check_this_machine(argv);
}

static void test_runs_under_busybox_ash(void **state)
{
    char *argv[] = {"busybox", "sh", "-c", (char *)fs_probe_linux_script(), NULL};
    check_this_machine(argv);
}

static void test_runs_under_bash(void **state)
{
    char *argv[] = {"bash", "-c", (char *)fs_probe_linux_script(), NULL};
    check_this_machine(argv);
}

/* The same answer whether the shell is dash or bash: the script relies on nothing shell-specific.
 */
static void test_dash_and_bash_agree_on_identity(void **state)
{
    char *dash[] = {"dash", "-c", (char *)fs_probe_linux_script(), NULL};
    char *bash[] = {"bash", "-c", (char *)fs_probe_linux_script(), NULL};
    static const char *const same[] = {"os_release", "release_files", "uname",  "dpkg_arch",
                                       "long_bit",   "elf",           "systemd"};
    struct run a, b;
    json_t *fa, *fb;

    run_argv(dash, &a);
    run_argv(bash, &b);
    fa = fs_probe_parse_linux(a.out, a.out_len);
    fb = fs_probe_parse_linux(b.out, b.out_len);
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        if (!json_equal(json_object_get(fa, same[i]), json_object_get(fb, same[i])))
            fail_msg("dash and bash disagree on %s", same[i]);
    json_decref(fa);
    json_decref(fb);
    run_free(&a);
    run_free(&b);
}

/* Section names the Windows parser understands; both command lines must print each marker. */
static const char *const windows_sections[] = {"@@section ver",
                                               "@@section reg",
                                               "@@section sc-iotedge-moby",
                                               "@@section sc-docker",
                                               "@@section docker-version",
                                               "@@section docker-info"};

static void test_windows_cmd_line(void **state)
{
    const char *cmd = fs_probe_windows_command(FS_WINSHELL_CMD);

    /* cmd /c strips quotes only when the line starts with one. */
    assert_memory_equal(cmd, "echo ", 5);
    assert_non_null(strstr(cmd, " & ver"));
    assert_non_null(
        strstr(cmd, "reg query \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\""));
    assert_null(strchr(cmd, '\n'));
    assert_null(strchr(cmd, ';'));
    assert_null(strstr(cmd, "powershell"));
    for (size_t i = 0; i < sizeof windows_sections / sizeof windows_sections[0]; i++)
        assert_non_null(strstr(cmd, windows_sections[i]));
}

static void test_windows_powershell_line(void **state)
{
    const char *ps = fs_probe_windows_command(FS_WINSHELL_POWERSHELL);
    const char *amp;

    assert_non_null(strstr(ps, "cmd /c ver"));
    assert_non_null(
        strstr(ps, "reg query 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'"));
    assert_null(strchr(ps, '"'));
    assert_null(strchr(ps, '\n'));
    /* `sc` is Set-Content in PowerShell; only sc.exe queries services. */
    assert_null(strstr(ps, " sc query"));
    assert_non_null(strstr(ps, "sc.exe query iotedge-moby"));
    /* `&` is not a separator in PowerShell: the only ones are inside cmd's quoted 2>&1. */
    for (amp = strchr(ps, '&'); amp != NULL; amp = strchr(amp + 1, '&'))
        assert_memory_equal(amp - 2, "2>&1'", 5);
    for (size_t i = 0; i < sizeof windows_sections / sizeof windows_sections[0]; i++)
        assert_non_null(strstr(ps, windows_sections[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_dash_busybox_bash),
        cmocka_unit_test(test_script_has_no_bashisms),
        cmocka_unit_test(test_runs_under_dash),
        cmocka_unit_test(test_runs_under_busybox_ash),
        cmocka_unit_test(test_runs_under_bash),
        cmocka_unit_test(test_dash_and_bash_agree_on_identity),
        cmocka_unit_test(test_windows_cmd_line),
        cmocka_unit_test(test_windows_powershell_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
