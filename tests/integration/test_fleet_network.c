/*
 * Hostile networks: a tarpit that never sends a banner, a banner that drips forever, a banner
 * that comes late but within the deadline (scanned normally), a server
 * that is not SSH, a reset in the middle of the key exchange, a reset in the middle of the
 * probe's output (through a relay in front of the real sshd), and a real sshd that hangs up
 * during authentication (MaxAuthTries). Every host is bounded, reported with an error naming
 * its stage, and the scan ends within --timeout + 2 s of its last host starting.
 *
 * The misbehaving servers are tests/faultsrv/faultsrv, started by this test on 127.0.0.1 with
 * a lifetime of its own, and stopped by the test's teardown.
 */
#include <errno.h>
#include <fcntl.h>
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

extern char **environ;

#define DEADLINE_S "3"
#define CONNECT_S  "2"

struct faults {
    struct fleet_case c;
    pid_t pid;
    int port[8]; /* in the order of the modes given */
};

enum { TARPIT, DRIP, GARBAGE, RESET, CUT_KEX, CUT_PROBE, SLOW, NMODES };

static int setup(void **state)
{
    struct faults *f = calloc(1, sizeof *f);
    char portfile[600], lifetime[] = "120", m_kex[64], m_probe[64], m_slow[64];
    char *argv[16];
    char *text = NULL;
    size_t n = 0;

    assert_non_null(f);
    fleet_workdir_new(&f->c.work);
    snprintf(portfile, sizeof portfile, "%s", fleet_path(&f->c.work, "faultsrv.ports"));
    snprintf(m_kex, sizeof m_kex, "cut:%d:1200", fleet_port("ubuntu-1804-amd64-moby"));
    snprintf(m_probe, sizeof m_probe, "cut:%d:200000", fleet_port("endless"));
    snprintf(m_slow, sizeof m_slow, "slow:%d:1200", fleet_port("ubuntu-1804-amd64-moby"));
    argv[n++] = FAULTSRV_BIN;
    argv[n++] = lifetime;
    argv[n++] = portfile;
    argv[n++] = "tarpit";
    argv[n++] = "drip";
    argv[n++] = "garbage";
    argv[n++] = "reset";
    argv[n++] = m_kex;
    argv[n++] = m_probe;
    argv[n++] = m_slow;
    argv[n] = NULL;
    if (posix_spawn(&f->pid, FAULTSRV_BIN, NULL, NULL, argv, environ) != 0)
        fail_msg("cannot start %s", FAULTSRV_BIN);
    for (int i = 0; i < 500 && text == NULL; i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
        text = fleet_read_file(portfile, NULL);
    }
    if (text == NULL)
        fail_msg("faultsrv wrote no ports");
    n = 0;
    for (char *line = strtok(text, "\n"); line != NULL && n < NMODES; line = strtok(NULL, "\n"))
        f->port[n++] = atoi(strchr(line, ' ') + 1);
    free(text);
    assert_int_equal(n, NMODES);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct faults *f = *state;

    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
    }
    fleet_report_clear(&f->c.report);
    fleet_run_clear(&f->c.run);
    fleet_workdir_free(&f->c.work);
    free(f);
    return 0;
}

static void expect_host(const struct fleet_report *rep, const char *name, const char *status,
                        const char *error_start, const char *error_has)
{
    json_t *host = fleet_host(rep, name);
    const char *error = fleet_str(host, "error");

    if (strcmp(fleet_str(host, "status"), status) != 0 ||
        strncmp(error, error_start, strlen(error_start)) != 0 ||
        (error_has != NULL && strstr(error, error_has) == NULL))
        fail_msg("%s: status '%s' error '%s'; expected %s, '%s...' with '%s'", name,
                 fleet_str(host, "status"), error, status, error_start, error_has ? error_has : "");
}

/* Every fault in one scan, next to a good host and the hang device. */
static void test_every_fault_bounded(void **state)
{
    struct faults *f = *state;
    const char *extra[] = {
        "--timeout", DEADLINE_S, "--connect-timeout", CONNECT_S, "--host-key-check", "off", NULL};
    char inv[2048];

    snprintf(inv, sizeof inv,
             "root@127.0.0.1:%d name=tarpit\n"
             "root@127.0.0.1:%d name=drip\n"
             "root@127.0.0.1:%d name=garbage\n"
             "root@127.0.0.1:%d name=reset\n"
             "root@127.0.0.1:%d name=cut-kex\n"
             "root@127.0.0.1:%d name=cut-probe\n"
             "root@127.0.0.1:%d name=hang\n"
             "root@127.0.0.1:%d name=ubuntu\n"
             "root@127.0.0.1:%d name=slow-banner\n",
             f->port[TARPIT], f->port[DRIP], f->port[GARBAGE], f->port[RESET], f->port[CUT_KEX],
             f->port[CUT_PROBE], fleet_port("hang"), fleet_port("ubuntu-1804-amd64-moby"),
             f->port[SLOW]);
    fleet_scan(&f->c.work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &f->c.run);
    fleet_expect_exit(&f->c.run, 1);
    /* Every host starts at once: the whole run ends within --timeout + 2 s. */
    if (f->c.run.seconds > atof(DEADLINE_S) + 2)
        fail_msg("the scan took %.1f s", f->c.run.seconds);
    fleet_report_load(&f->c.work, &f->c.report);
    assert_int_equal(json_array_size(f->c.report.hosts), 9);
    assert_int_equal(f->c.report.csv.nrows, 10);
    expect_host(&f->c.report, "tarpit", "timeout", "timeout:", "no SSH banner");
    expect_host(&f->c.report, "drip", "timeout", "timeout:", "no SSH banner");
    expect_host(&f->c.report, "garbage", "error", "banner:", "without sending an SSH banner");
    expect_host(&f->c.report, "reset", "error", "kex:", "reset");
    expect_host(&f->c.report, "cut-kex", "error", "kex:", "reset");
    expect_host(&f->c.report, "cut-probe", "error", "probe:", "reset");
    expect_host(&f->c.report, "hang", "timeout", "timeout:", "the probe did not finish");
    expect_host(&f->c.report, "ubuntu", "ok", "", NULL);
    /* A banner 1.2 s late is slow, not broken: within --connect-timeout it is scanned. */
    expect_host(&f->c.report, "slow-banner", "ok", "", NULL);
    assert_true(json_integer_value(json_object_get(fleet_host(&f->c.report, "slow-banner"),
                                                   "duration_ms")) >= 1200);
}

/*
 * With -p 1 the hosts run one after the other: each is still bounded by its own deadlines, so
 * the run ends within --timeout + 2 s of the last one starting (at most three deadlines).
 */
static void test_one_at_a_time_bounded(void **state)
{
    struct faults *f = *state;
    const char *extra[] = {"--timeout",        DEADLINE_S, "--connect-timeout",
                           CONNECT_S,          "-p",       "1",
                           "--host-key-check", "off",      NULL};
    char inv[512];

    snprintf(inv, sizeof inv,
             "root@127.0.0.1:%d name=tarpit\n"
             "root@127.0.0.1:%d name=drip\n"
             "root@127.0.0.1:%d name=hang\n",
             f->port[TARPIT], f->port[DRIP], fleet_port("hang"));
    fleet_scan(&f->c.work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &f->c.run);
    fleet_expect_exit(&f->c.run, 1);
    if (f->c.run.seconds > 2 * atof(CONNECT_S) + atof(DEADLINE_S) + 2)
        fail_msg("the scan took %.1f s", f->c.run.seconds);
    fleet_report_load(&f->c.work, &f->c.report);
    expect_host(&f->c.report, "tarpit", "timeout", "timeout:", "--connect-timeout");
    expect_host(&f->c.report, "drip", "timeout", "timeout:", "--connect-timeout");
    expect_host(&f->c.report, "hang", "timeout", "timeout:", "--timeout");
}

/*
 * A real sshd (MaxAuthTries 10) hangs up after too many refused keys: libssh 0.10 would answer
 * "again" forever; fleetscan reports the server's reason at once.
 */
static void test_disconnect_during_auth(void **state)
{
    struct faults *f = *state;
    const char *extra[32];
    char inv[128], keys[12][600];
    size_t n = 0;

    for (int i = 0; i < 12; i++) {
        char name[16];
        snprintf(name, sizeof name, "key%d", i);
        snprintf(keys[i], sizeof keys[i], "%s", fleet_path(&f->c.work, name));
        fleet_copy_file(fleet_var("OTHER_KEY"), keys[i]);
        chmod(keys[i], 0600);
        extra[n++] = "-i";
        extra[n++] = keys[i];
    }
    extra[n++] = "--timeout";
    extra[n++] = DEADLINE_S;
    extra[n] = NULL;
    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_scan(&f->c.work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("OTHER_KEY"), extra, &f->c.run);
    fleet_expect_exit(&f->c.run, 1);
    fleet_report_load(&f->c.work, &f->c.report);
    expect_host(&f->c.report, "ubuntu", "error", "auth:", "Too many authentication failures");
    assert_true(json_integer_value(
                    json_object_get(fleet_host(&f->c.report, "ubuntu"), "duration_ms")) < 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_fault_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_at_a_time_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disconnect_during_auth, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
