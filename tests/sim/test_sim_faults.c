/*
 * Hosts that misbehave, served by fleetsim with latency: fleetscan must give each the status a
 * user expects and stay within its deadlines, while the healthy hosts of the same scan are ok.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/sim/sim.h"

#define CONNECT_TIMEOUT_S 2
#define TIMEOUT_S         4

struct want {
    const char *fault;
    const char *status;
    const char *error_has; /* a word the error must contain; NULL: not checked */
    int deadline_s;        /* the deadline that bounds this host's duration */
};

static const struct want wants[] = {
    {"", "ok", NULL, TIMEOUT_S},
    {"refused", "unreachable", "refused", CONNECT_TIMEOUT_S},
    {"tarpit", "timeout", "banner", CONNECT_TIMEOUT_S},
    {"slow-banner", "ok", NULL, TIMEOUT_S},
    {"auth-denied", "auth_failed", NULL, CONNECT_TIMEOUT_S},
    {"auth-disconnect", "error", NULL, CONNECT_TIMEOUT_S},
    {"hang", "timeout", "probe", TIMEOUT_S},
    {"endless", "ok", NULL, TIMEOUT_S},
    {"reset", "error", NULL, TIMEOUT_S},
    {"changed-key", "hostkey_rejected", NULL, CONNECT_TIMEOUT_S},
};

static const struct want *want_for(const char *fault)
{
    for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++)
        if (strcmp(wants[i].fault, fault) == 0)
            return &wants[i];
    fail_msg("no expectation for fault '%s'", fault);
    return NULL;
}

static void test_each_fault_gets_its_status_within_its_deadline(void **state)
{
    struct fleet_case *c = *state;
    struct sim s;
    const char *sim_args[] = {"--rtt-ms",
                              "30",
                              "--jitter-ms",
                              "10",
                              "--slow-banner-ms",
                              "800",
                              "--faults",
                              "refused=2,tarpit=2,slow-banner=2,auth-denied=2,auth-disconnect=2,"
                              "hang=2,endless=2,reset=2,changed-key=2",
                              NULL};
    const char *extra[] = {
        "--host-key-check", "strict", "--connect-timeout", "2", "--timeout", "4", NULL};
    char *inventory;
    int seen[sizeof wants / sizeof wants[0]] = {0}, failures = 0;

    sim_start(&c->work, 40, sim_args, &s);
    inventory = fleet_read_file(s.inventory, NULL);
    assert_non_null(inventory);
    fleet_scan(&c->work, inventory, s.known_hosts, s.key, extra, &c->run);
    free(inventory);
    sim_stop(&s);
    fleet_report_load(&c->work, &c->report);
    /* Every host runs at once (default --parallel), so the scan ends with the slowest one. */
    if (c->run.seconds > TIMEOUT_S + 3)
        fail_msg("the scan took %.1f s; no host may take longer than --timeout %d s",
                 c->run.seconds, TIMEOUT_S);
    fleet_expect_exit(&c->run, 1);
    for (size_t i = 0; i < json_array_size(c->report.hosts); i++) {
        const json_t *host = json_array_get(c->report.hosts, i);
        const struct want *w = want_for(sim_name_part(host, 2));
        json_int_t ms = json_integer_value(json_object_get(host, "duration_ms"));

        seen[w - wants]++;
        if (strcmp(fleet_str(host, "status"), w->status) != 0) {
            print_error("%s: status %s (%s), expected %s\n", fleet_str(host, "name"),
                        fleet_str(host, "status"), fleet_str(host, "error"), w->status);
            failures++;
        }
        if (w->error_has != NULL && strstr(fleet_str(host, "error"), w->error_has) == NULL) {
            print_error("%s: error '%s' does not say '%s'\n", fleet_str(host, "name"),
                        fleet_str(host, "error"), w->error_has);
            failures++;
        }
        if (ms > (json_int_t)w->deadline_s * 1000 + 1000) {
            print_error("%s: took %lld ms, past its %d s deadline\n", fleet_str(host, "name"),
                        (long long)ms, w->deadline_s);
            failures++;
        }
        if (strcmp(w->status, "ok") == 0 && w->fault[0] != '\0' &&
            strcmp(w->fault, "endless") != 0 && strcmp(fleet_str(host, "tier"), "unknown") == 0) {
            print_error("%s: ok but not classified\n", fleet_str(host, "name"));
            failures++;
        }
        if (strcmp(w->fault, "endless") == 0 &&
            json_integer_value(
                json_object_get(json_object_get(host, "facts"), "output_discarded_bytes")) <= 0) {
            print_error("%s: endless output, but no discarded bytes in the facts\n",
                        fleet_str(host, "name"));
            failures++;
        }
    }
    for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++)
        if (seen[i] == 0)
            fail_msg("no host with fault '%s' in the scan", wants[i].fault);
    if (failures > 0)
        fail_msg("%d hosts reported other than expected", failures);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_fault_gets_its_status_within_its_deadline,
                                        fleet_case_setup, fleet_case_teardown),
    };
    return cmocka_run_group_tests_name("sim_faults", tests, NULL, NULL);
}
