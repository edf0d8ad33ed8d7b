/*
 * A device whose command never ends (the fleet's hang device): with --timeout 3 it is reported
 * `timeout` and the whole scan, other hosts included, is over within the deadline plus a small
 * grace. This checks a deadline, not speed: the grace covers process start and report writing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

#define DEADLINE_S 3
#define GRACE_S    2

static void scan_with_deadline(struct fleet_case *c, const char *inventory)
{
    const char *extra[] = {"--timeout", "3", NULL};

    fleet_scan(&c->work, inventory, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &c->run);
    if (c->run.seconds >= DEADLINE_S + GRACE_S)
        fail_msg("the scan took %.2f s with --timeout %d; it must end within %d s", c->run.seconds,
                 DEADLINE_S, DEADLINE_S + GRACE_S);
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
}

static void test_hang_is_timeout(void **state)
{
    struct fleet_case *c = *state;
    char inv[128];
    json_t *host;
    json_int_t ms;

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=hang\n", fleet_port("hang"));
    scan_with_deadline(c, inv);
    host = fleet_host(&c->report, "hang");
    if (strcmp(fleet_str(host, "status"), "timeout") != 0)
        fail_msg("status '%s' (error '%s'), expected timeout", fleet_str(host, "status"),
                 fleet_str(host, "error"));
    assert_true(fleet_str(host, "error")[0] != '\0');
    /* The host was reached and ran for about the deadline, not for nothing. */
    ms = json_integer_value(json_object_get(host, "duration_ms"));
    assert_in_range(ms, (DEADLINE_S - 1) * 1000, (DEADLINE_S + GRACE_S) * 1000);
}

/* A hanging host does not hold up the others: they are scanned and ok in the same run. */
static void test_hang_does_not_block_others(void **state)
{
    struct fleet_case *c = *state;
    char inv[512];

    snprintf(inv, sizeof inv,
             "root@127.0.0.1:%d name=hang\n"
             "root@127.0.0.1:%d name=ubuntu\n"
             "root@127.0.0.1:%d name=windows\n",
             fleet_port("hang"), fleet_port("ubuntu-1804-amd64-moby"), fleet_port("windows-cmd"));
    scan_with_deadline(c, inv);
    assert_string_equal(fleet_str(fleet_host(&c->report, "hang"), "status"), "timeout");
    assert_string_equal(fleet_str(fleet_host(&c->report, "ubuntu"), "status"), "ok");
    assert_string_equal(fleet_str(fleet_host(&c->report, "windows"), "status"), "ok");
    assert_string_equal(c->report.csv.rows[1][0], "hang");
    assert_string_equal(c->report.csv.rows[1][4], "timeout");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hang_is_timeout, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_hang_does_not_block_others, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
