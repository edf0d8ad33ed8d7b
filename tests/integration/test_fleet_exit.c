/*
 * How a run ends when it cannot finish normally: an output directory that cannot be used
 * (exit 3 before any host is contacted), a report that cannot replace the previous one (exit 3,
 * the previous reports untouched), and SIGINT / SIGTERM (reports still written, marked
 * incomplete, every host present; a second signal ends the run at once).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

/* -o names a path beneath a regular file: nothing can be written there. */
static void test_output_dir_unusable(void **state)
{
    struct fleet_case *c = *state;
    char inv[128], out[600];
    const char *args[16];

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), inv);
    fleet_write_file(fleet_path(&c->work, "afile"), "not a directory\n");
    snprintf(out, sizeof out, "%s/reports", fleet_path(&c->work, "afile"));
    fleet_scan_args(out, fleet_path(&c->work, "inventory.txt"), NULL, args, 16);
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 3);
    if (strstr(c->run.err, "afile") == NULL)
        fail_msg("stderr does not name the output path:\n%s", c->run.err);
}

/*
 * The previous run's reports stay as they were when the new ones cannot be put in place:
 * here fleetscan.json is a directory, so the new JSON report cannot replace it.
 */
static void test_previous_reports_untouched(void **state)
{
    struct fleet_case *c = *state;
    char inv[128], out[600], path[700];
    const char *args[16];
    char *csv;

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), inv);
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    assert_int_equal(mkdir(out, 0755), 0);
    snprintf(path, sizeof path, "%s/fleetscan.csv", out);
    fleet_write_file(path, "last night's report\n");
    snprintf(path, sizeof path, "%s/fleetscan.json", out);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/fleetscan.json/keep", out);
    fleet_write_file(path, "x\n");

    fleet_scan_args(out, fleet_path(&c->work, "inventory.txt"), NULL, args, 16);
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 3);
    if (strstr(c->run.err, "fleetscan.json") == NULL)
        fail_msg("stderr does not name the report that could not be written:\n%s", c->run.err);
    snprintf(path, sizeof path, "%s/fleetscan.csv", out);
    csv = fleet_read_file(path, NULL);
    assert_non_null(csv);
    c->text[0] = csv;
    assert_string_equal(csv, "last night's report\n");
}

/*
 * SIGINT or SIGTERM while a host hangs and others wait (-p 1): the run stops, the reports are
 * written with scan.complete=false, the hanging host is there with an error, the waiting hosts
 * say "not scanned: interrupted", and the exit status is 1.
 */
static void check_interrupt(void **state, int sig)
{
    struct fleet_case *c = *state;
    char inv[512], out[600];
    const char *args[16];
    json_t *scan;

    snprintf(inv, sizeof inv,
             "root@127.0.0.1:%d name=hang\n"
             "root@127.0.0.1:%d name=ubuntu\n"
             "root@127.0.0.1:%d name=centos\n",
             fleet_port("hang"), fleet_port("ubuntu-1804-amd64-moby"),
             fleet_port("centos-75-amd64-dockerce"));
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), inv);
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    {
        const char *one[] = {"-p", "1", NULL};
        fleet_scan_args(out, fleet_path(&c->work, "inventory.txt"), one, args, 16);
    }
    fleet_run_signal(&c->work, args, 1.5, sig, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 1);
    /* The default --timeout is 60 s: ending near the signal proves the run was stopped. */
    if (c->run.seconds > 10)
        fail_msg("the run went on for %.1f s after the signal", c->run.seconds);
    fleet_report_load(&c->work, &c->report);
    scan = json_object_get(c->report.json, "scan");
    assert_true(json_is_false(json_object_get(scan, "complete")));
    assert_int_equal(c->report.csv.nrows, 4); /* the header and every host */
    assert_string_not_equal(fleet_str(fleet_host(&c->report, "hang"), "status"), "ok");
    assert_true(fleet_str(fleet_host(&c->report, "hang"), "error")[0] != '\0');
    assert_string_equal(fleet_str(fleet_host(&c->report, "ubuntu"), "status"), "error");
    assert_string_equal(fleet_str(fleet_host(&c->report, "ubuntu"), "error"),
                        "not scanned: interrupted");
    assert_string_equal(fleet_str(fleet_host(&c->report, "centos"), "error"),
                        "not scanned: interrupted");
}

static void test_sigint_writes_incomplete_reports(void **state)
{
    check_interrupt(state, SIGINT);
}

static void test_sigterm_writes_incomplete_reports(void **state)
{
    check_interrupt(state, SIGTERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_output_dir_unusable, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_previous_reports_untouched, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_sigint_writes_incomplete_reports, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_writes_incomplete_reports, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
