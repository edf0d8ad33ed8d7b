/*
 * Two runs writing the same output directory (overlapping cron jobs): the second names the
 * process that holds DIR/.fleetscan.lock and exits 3 without touching the first's files; a lock
 * left behind by a run that was killed does not block the next run.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
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

/* The scans of this file: quiet, with a 5 s deadline, so a held lock shows quickly. */
static void scan_args(const char *out, const char *inventory, const char **args)
{
    const char *const deadline[] = {"--timeout", "5", NULL};

    fleet_scan_args(out, inventory, deadline, args, 16);
}

/* The process id written into the lock file, or 0 when there is none yet. */
static long lock_holder(const char *out)
{
    char path[700];
    char *text;
    long pid;

    snprintf(path, sizeof path, "%s/.fleetscan.lock", out);
    text = fleet_read_file(path, NULL);
    if (text == NULL)
        return 0;
    pid = strtol(text, NULL, 10);
    free(text);
    return pid;
}

static void test_second_run_refused(void **state)
{
    struct fleet_case *c = *state;
    struct fleet_workdir first_work;
    char inv_hang[700], inv_ok[700], out[600], path[700], text[256], pidtext[32];
    const char *args[20];
    long holder = 0;
    pid_t child;
    int wstatus;
    char *csv;

    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    assert_int_equal(mkdir(out, 0755), 0);
    snprintf(path, sizeof path, "%s/fleetscan.csv", out);
    fleet_write_file(path, "last night's report\n");
    snprintf(inv_hang, sizeof inv_hang, "%s", fleet_path(&c->work, "hang.txt"));
    snprintf(text, sizeof text, "root@127.0.0.1:%d name=hang\n", fleet_port("hang"));
    fleet_write_file(inv_hang, text);
    snprintf(inv_ok, sizeof inv_ok, "%s", fleet_path(&c->work, "ubuntu.txt"));
    snprintf(text, sizeof text, "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_write_file(inv_ok, text);

    /* The first run scans the hang device for --timeout 5 s, in a child of this test. */
    fleet_workdir_new(&first_work);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct fleet_run r = {0};
        scan_args(out, inv_hang, args);
        fleet_run(&first_work, args, FLEET_GUARD_SECONDS, &r);
        _exit(r.status < 0 ? 99 : r.status);
    }
    for (int i = 0; i < 400 && holder == 0; i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
        holder = lock_holder(out);
    }
    if (holder == 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        fail_msg("the first run never took the lock in %s", out);
    }

    scan_args(out, inv_ok, args);
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    csv = fleet_read_file(path, NULL);
    c->text[0] = csv;
    waitpid(child, &wstatus, 0);
    fleet_workdir_free(&first_work);

    fleet_expect_exit(&c->run, 3);
    snprintf(pidtext, sizeof pidtext, "pid %ld", holder);
    if (strstr(c->run.err, pidtext) == NULL || strstr(c->run.err, out) == NULL)
        fail_msg("stderr does not name the directory and the holder (%s):\n%s", pidtext,
                 c->run.err);
    if (c->run.seconds > 3)
        fail_msg("the second run waited %.1f s instead of stopping at once", c->run.seconds);
    /* While the first run was still going, nothing of the directory changed. */
    assert_non_null(csv);
    assert_string_equal(csv, "last night's report\n");

    /* The first run then finished normally and wrote its own reports. */
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 1); /* the hang device timed out */
    fleet_report_load(&c->work, &c->report);
    assert_int_equal(json_array_size(c->report.hosts), 1);
    assert_string_equal(fleet_str(fleet_host(&c->report, "hang"), "status"), "timeout");
}

static void test_killed_run_does_not_block(void **state)
{
    struct fleet_case *c = *state;
    char inv[700], out[600], text[256];
    const char *args[20];
    long holder;

    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    snprintf(inv, sizeof inv, "%s", fleet_path(&c->work, "hang.txt"));
    snprintf(text, sizeof text, "root@127.0.0.1:%d name=hang\n", fleet_port("hang"));
    fleet_write_file(inv, text);
    scan_args(out, inv, args);
    fleet_run_signal(&c->work, args, 1.0, SIGKILL, FLEET_GUARD_SECONDS, &c->run);
    assert_int_equal(c->run.signal, SIGKILL);
    holder = lock_holder(out);
    assert_true(holder > 0);
    assert_int_equal(kill((pid_t)holder, 0), -1); /* the holder is gone, its file stays */

    snprintf(inv, sizeof inv, "%s", fleet_path(&c->work, "ubuntu.txt"));
    snprintf(text, sizeof text, "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_write_file(inv, text);
    scan_args(out, inv, args);
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    assert_string_equal(fleet_str(fleet_host(&c->report, "ubuntu"), "status"), "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_second_run_refused, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_killed_run_does_not_block, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
