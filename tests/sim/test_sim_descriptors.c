/*
 * A long scan must give back each finished host's connection: 300 simulated hosts scanned with
 * a descriptor limit of 128, ten at a time. A host that kept its socket until fleetscan exits
 * would run the scan out of descriptors after about a hundred hosts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "tests/sim/sim.h"

#define HOSTS 300

static void test_finished_hosts_give_their_descriptors_back(void **state)
{
    struct fleet_case *c = *state;
    struct sim s;
    const char *extra[] = {"--host-key-check", "strict", "-p", "10", NULL};
    struct rlimit old, low = {128, 128};
    char *inventory;
    int ok = 0;

    sim_start(&c->work, HOSTS, NULL, &s);
    inventory = fleet_read_file(s.inventory, NULL);
    assert_non_null(inventory);
    /* fleetscan inherits the limit and cannot raise it past the hard limit. */
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    fleet_scan(&c->work, inventory, s.known_hosts, s.key, extra, &c->run);
    free(inventory);
    sim_stop(&s);
    fleet_report_load(&c->work, &c->report);
    for (size_t i = 0; i < json_array_size(c->report.hosts); i++)
        if (strcmp(fleet_str(json_array_get(c->report.hosts, i), "status"), "ok") == 0)
            ok++;
    if (ok != HOSTS)
        fail_msg("%d of %d hosts ok with 128 descriptors; stderr: %.500s", ok, HOSTS, c->run.err);
    fleet_expect_exit(&c->run, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_finished_hosts_give_their_descriptors_back,
                                        fleet_case_setup, fleet_case_teardown),
    };
    return cmocka_run_group_tests_name("sim_descriptors", tests, NULL, NULL);
}
