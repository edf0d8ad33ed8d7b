/*
 * Every device profile of samples/profiles/, served by fleetsim behind 20 ms of round-trip
 * latency and scanned in one run: each host must be reported as what its profile's expect-*
 * lines say the device is.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/sim/sim.h"

static const char *const fields[] = {"os_family", "os_id",          "arch_class",
                                     "tier",      "engine_support", "production_ready"};

static int count_profiles(void)
{
    DIR *d = opendir(SIM_PROFILES_DIR);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".txt") == 0 && e->d_name[0] != '.')
            n++;
    }
    closedir(d);
    return n;
}

static void test_every_profile_is_reported_as_its_device(void **state)
{
    struct fleet_case *c = *state;
    struct sim s;
    const char *sim_args[] = {"--rtt-ms", "20", "--jitter-ms", "5", NULL};
    int kinds = count_profiles(), failures = 0;
    char *inventory;

    /* Twice as many hosts as kinds: every kind twice, so order effects would show. */
    sim_start(&c->work, 2 * kinds, sim_args, &s);
    inventory = fleet_read_file(s.inventory, NULL);
    assert_non_null(inventory);
    {
        const char *extra[] = {"--host-key-check", "strict", "--timeout", "20", NULL};
        fleet_scan(&c->work, inventory, s.known_hosts, s.key, extra, &c->run);
    }
    free(inventory);
    sim_stop(&s);
    fleet_report_load(&c->work, &c->report);
    assert_int_equal(json_array_size(c->report.hosts), (size_t)(2 * kinds));
    for (size_t i = 0; i < json_array_size(c->report.hosts); i++) {
        const json_t *host = json_array_get(c->report.hosts, i);
        char kind[256];

        snprintf(kind, sizeof kind, "%s", sim_name_part(host, 1));
        if (strcmp(fleet_str(host, "status"), "ok") != 0) {
            print_error("%s: status %s (%s), expected ok\n", fleet_str(host, "name"),
                        fleet_str(host, "status"), fleet_str(host, "error"));
            failures++;
            continue;
        }
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            const char *want = sim_expect(kind, fields[f]);
            if (want == NULL)
                fail_msg("profile %s has no expect-%s line", kind, fields[f]);
            if (strcmp(fleet_str(host, fields[f]), want) != 0) {
                print_error("%s: %s is '%s', its profile expects '%s'\n", fleet_str(host, "name"),
                            fields[f], fleet_str(host, fields[f]), want);
                failures++;
            }
        }
    }
    if (failures > 0)
        fail_msg("%d mismatches between fleetscan's report and the profiles", failures);
    fleet_expect_exit(&c->run, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_profile_is_reported_as_its_device,
                                        fleet_case_setup, fleet_case_teardown),
    };
    return cmocka_run_group_tests_name("sim_profiles", tests, NULL, NULL);
}
