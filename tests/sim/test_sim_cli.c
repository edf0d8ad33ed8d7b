/*
 * fleetsim's command line as a benchmark or test script meets it: a mix file gives exact counts
 * per kind, faults land on distinct hosts, and a mistake is exit status 2 with a message naming
 * the file and line or the option.
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

#include "tests/sim/sim.h"

/* Runs fleetsim to completion (it must fail before listening); returns its exit status. */
static int run_failing(const struct fleet_workdir *w, const char *const *args, char *err,
                       size_t errlen)
{
    char errp[700];
    const char *argv[32];
    int n = 0, status;
    pid_t pid;
    FILE *f;
    size_t got;

    snprintf(errp, sizeof errp, "%s/fleetsim.err", w->path);
    argv[n++] = FLEETSIM_BIN;
    for (int i = 0; args[i] != NULL && n < 30; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen(errp, "w", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        alarm(20);
        execv(FLEETSIM_BIN, (char *const *)argv);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    f = fopen(errp, "r");
    assert_non_null(f);
    got = fread(err, 1, errlen - 1, f);
    err[got] = '\0';
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;

    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_mix_gives_exact_counts_and_faults_distinct_hosts(void **state)
{
    struct fleet_case *c = *state;
    struct sim s;
    char mix[700], *inv;
    const char *args[] = {"--mix", mix, "--faults", "hang=2,refused=10%", NULL};

    snprintf(mix, sizeof mix, "%s/mix.txt", c->work.path);
    /* 10 hosts at 3:1 is 7.5 and 2.5: largest remainder gives the tie to the first kind. */
    fleet_write_file(mix, "# weights, not counts\nraspbian-stretch-armv7 3   # Pis\n\n"
                          "windows-cmd 1\nubuntu-1804-amd64-moby 0\n");
    sim_start(&c->work, 10, args, &s);
    inv = fleet_read_file(s.inventory, NULL);
    sim_stop(&s);
    assert_non_null(inv);
    assert_int_equal(count_lines_with(inv, " name=sim"), 10);
    assert_int_equal(count_lines_with(inv, "_raspbian-stretch-armv7"), 8);
    assert_int_equal(count_lines_with(inv, "_windows-cmd"), 2);
    assert_int_equal(count_lines_with(inv, "ubuntu"), 0);
    assert_int_equal(count_lines_with(inv, "_hang "), 2);
    assert_int_equal(count_lines_with(inv, "_refused "), 1);
    free(inv);
    inv = fleet_read_file(s.known_hosts, NULL);
    assert_non_null(inv);
    assert_int_equal(count_lines_with(inv, " ssh-ed25519 "), 10);
    free(inv);
}

static void test_mistakes_exit_2_with_the_place(void **state)
{
    struct fleet_case *c = *state;
    char mix[700], inv[700], kh[700], err[4096];
    const char *base[] = {"--hosts",         "3", "--port-base",       "40000",
                          "--inventory-out", inv, "--known-hosts-out", kh};
    const char *bad_mix[12], *bad_fault[12], *too_many[12], *missing[] = {"--hosts", "3", NULL};

    snprintf(mix, sizeof mix, "%s/mix.txt", c->work.path);
    snprintf(inv, sizeof inv, "%s/inv.txt", c->work.path);
    snprintf(kh, sizeof kh, "%s/kh", c->work.path);
    fleet_write_file(mix, "windows-cmd 1\nno-such-device 2\n");
    memcpy(bad_mix, base, sizeof base);
    bad_mix[8] = "--mix";
    bad_mix[9] = mix;
    bad_mix[10] = NULL;
    assert_int_equal(run_failing(&c->work, bad_mix, err, sizeof err), 2);
    if (strstr(err, "mix.txt:2:") == NULL || strstr(err, "no-such-device") == NULL)
        fail_msg("the message does not name mix.txt:2 and the kind: %s", err);

    memcpy(bad_fault, base, sizeof base);
    bad_fault[8] = "--faults";
    bad_fault[9] = "hang=1,explode=2";
    bad_fault[10] = NULL;
    assert_int_equal(run_failing(&c->work, bad_fault, err, sizeof err), 2);
    assert_non_null(strstr(err, "unknown fault 'explode'"));

    memcpy(too_many, base, sizeof base);
    too_many[8] = "--faults";
    too_many[9] = "hang=2,tarpit=2";
    too_many[10] = NULL;
    assert_int_equal(run_failing(&c->work, too_many, err, sizeof err), 2);
    assert_non_null(strstr(err, "only 3"));

    assert_int_equal(run_failing(&c->work, missing, err, sizeof err), 2);
    assert_non_null(strstr(err, "required"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mix_gives_exact_counts_and_faults_distinct_hosts,
                                        fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_mistakes_exit_2_with_the_place, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests_name("sim_cli", tests, NULL, NULL);
}
