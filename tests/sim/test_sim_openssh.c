/*
 * fleetsim talks to the real OpenSSH client as a device would: the Linux probe gets the
 * profile's answer byte for byte, a Windows device answers it with its shell's error and the
 * Windows command with its answer, anything else is "command not found" (127), and a host with
 * a changed key is refused by ssh's own host key check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "scanner/probe.h"
#include "tests/sim/sim.h"

struct ssh_result {
    int status;
    char *out;
    char *err;
};

static struct sim s;
static struct fleet_workdir work;

/* ssh -p PORT fleet@127.0.0.1 COMMAND with the test's key and fleetsim's known_hosts. */
static void run_ssh(int port, const char *command, struct ssh_result *r)
{
    char portbuf[16], kh[700], outp[600], errp[600];
    pid_t pid;
    int status;

    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(kh, sizeof kh, "UserKnownHostsFile=%s", s.known_hosts);
    snprintf(outp, sizeof outp, "%s/ssh.out", work.path);
    snprintf(errp, sizeof errp, "%s/ssh.err", work.path);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *argv[] = {"timeout",
                              "30",
                              "ssh",
                              "-F",
                              "/dev/null",
                              "-o",
                              "BatchMode=yes",
                              "-o",
                              "StrictHostKeyChecking=yes",
                              "-o",
                              kh,
                              "-o",
                              "GlobalKnownHostsFile=/dev/null",
                              "-o",
                              "IdentitiesOnly=yes",
                              "-i",
                              s.key,
                              "-p",
                              portbuf,
                              "fleet@127.0.0.1",
                              command,
                              NULL};
        if (freopen(outp, "w", stdout) == NULL || freopen(errp, "w", stderr) == NULL ||
            freopen("/dev/null", "r", stdin) == NULL)
            _exit(126);
        execvp("timeout", (char *const *)argv);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->out = fleet_read_file(outp, NULL);
    r->err = fleet_read_file(errp, NULL);
    assert_non_null(r->out);
    assert_non_null(r->err);
}

static void ssh_result_clear(struct ssh_result *r)
{
    free(r->out);
    free(r->err);
}

/* The port of the first inventory host whose name ends in part (the kind, or the fault). */
static int port_of(const char *part)
{
    char *inv = fleet_read_file(s.inventory, NULL), *line, *save = NULL, want[128];
    int port = -1;

    snprintf(want, sizeof want, "%s ", part);
    assert_non_null(inv);
    for (line = strtok_r(inv, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (line[0] != '#' && colon != NULL && strstr(line, want) != NULL) {
            port = atoi(colon + 1);
            break;
        }
    }
    free(inv);
    if (port < 0)
        fail_msg("no host named *%s* in %s", part, s.inventory);
    return port;
}

/* A section of a profile file, exactly as fleetsim sends it (new buffer). */
static char *profile_section(const char *kind, const char *section)
{
    char path[1024], marker[64], *text, *start, *end, *copy;

    snprintf(path, sizeof path, "%s/%s.txt", SIM_PROFILES_DIR, kind);
    snprintf(marker, sizeof marker, "\n%%%% %s\n", section);
    text = fleet_read_file(path, NULL);
    assert_non_null(text);
    start = strstr(text, marker);
    assert_non_null(start);
    start += strlen(marker);
    end = strstr(start, "\n%% ");
    end = end != NULL ? end + 1 : start + strlen(start);
    copy = strndup(start, (size_t)(end - start));
    free(text);
    return copy;
}

static int start_fleet(void **state)
{
    const char *args[] = {"--mix", NULL, "--faults", "changed-key=1", NULL};
    char mix[700];

    fleet_workdir_new(&work);
    snprintf(mix, sizeof mix, "%s/mix.txt", work.path);
    fleet_write_file(mix, "# one of each, then the changed key lands on one of them\n"
                          "raspbian-stretch-armv7 1\nwindows-cmd 1\nwindows-powershell 1\n"
                          "ubuntu-1804-amd64-moby 3\n");
    args[1] = mix;
    sim_start(&work, 6, args, &s);
    return 0;
}

static int stop_fleet(void **state)
{
    sim_stop(&s);
    fleet_workdir_free(&work);
    return 0;
}

static void test_linux_probe_gets_the_profile_answer(void **state)
{
    struct ssh_result r;
    char *want = profile_section("raspbian-stretch-armv7", "linux stdout");

    run_ssh(port_of("_raspbian-stretch-armv7"), fs_probe_linux_script(), &r);
    if (r.status != 0)
        fail_msg("ssh exited %d: %s", r.status, r.err);
    assert_string_equal(r.out, want);
    assert_string_equal(r.err, "");
    ssh_result_clear(&r);
    free(want);
}

/* ssh host "$(fleetscan probe --print linux)": the shell drops the script's last newline. */
static void test_linux_probe_without_its_last_newline(void **state)
{
    struct ssh_result r;
    char *want = profile_section("ubuntu-1804-amd64-moby", "linux stdout");
    char *script = strdup(fs_probe_linux_script());
    size_t n = strlen(script);

    while (n > 0 && script[n - 1] == '\n')
        script[--n] = '\0';
    run_ssh(port_of("_ubuntu-1804-amd64-moby"), script, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, want);
    ssh_result_clear(&r);
    free(script);
    free(want);
}

static void test_windows_answers_like_its_shell(void **state)
{
    struct ssh_result r;
    const char *kinds[] = {"windows-cmd", "windows-powershell"};
    enum fs_windows_shell shells[] = {FS_WINSHELL_CMD, FS_WINSHELL_POWERSHELL};

    for (int i = 0; i < 2; i++) {
        char *want_err = profile_section(kinds[i], "linux stderr");
        char *want_out = profile_section(kinds[i], "windows stdout");
        char name[64];

        snprintf(name, sizeof name, "_%s", kinds[i]);
        run_ssh(port_of(name), fs_probe_linux_script(), &r);
        assert_int_equal(r.status, 1);
        assert_string_equal(r.err, want_err);
        ssh_result_clear(&r);
        run_ssh(port_of(name), fs_probe_windows_command(shells[i]), &r);
        if (r.status != 0)
            fail_msg("%s: ssh exited %d: %s", kinds[i], r.status, r.err);
        assert_string_equal(r.out, want_out);
        ssh_result_clear(&r);
        free(want_err);
        free(want_out);
    }
}

static void test_any_other_command_is_not_found(void **state)
{
    struct ssh_result r;

    run_ssh(port_of("_raspbian-stretch-armv7"), "uname -a", &r);
    assert_int_equal(r.status, 127);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "uname: command not found"));
    ssh_result_clear(&r);
}

static void test_changed_key_is_refused_by_ssh(void **state)
{
    struct ssh_result r;

    run_ssh(port_of("_changed-key"), fs_probe_linux_script(), &r);
    assert_int_equal(r.status, 255);
    assert_string_equal(r.out, "");
    if (strstr(r.err, "HOST IDENTIFICATION HAS CHANGED") == NULL &&
        strstr(r.err, "Host key verification failed") == NULL)
        fail_msg("ssh did not report a changed host key: %s", r.err);
    ssh_result_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_probe_gets_the_profile_answer),
        cmocka_unit_test(test_linux_probe_without_its_last_newline),
        cmocka_unit_test(test_windows_answers_like_its_shell),
        cmocka_unit_test(test_any_other_command_is_not_found),
        cmocka_unit_test(test_changed_key_is_refused_by_ssh),
    };
    return cmocka_run_group_tests_name("sim_openssh", tests, start_fleet, stop_fleet);
}
