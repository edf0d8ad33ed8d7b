/*
 * Hosts that misbehave, served by fleetsim with latency: fleetscan must give each the status a
 * user expects and stay within its deadlines, while the healthy hosts of the same scan are ok.
 * Two fleets: 40 hosts with two of each fault, and 500 hosts of which a third misbehave, where
 * every host must also be in both reports, in inventory order.
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

enum deadline { CONNECT, WHOLE }; /* --connect-timeout or --timeout */

struct want {
    const char *fault;
    const char *status;
    const char *error_has;  /* a word the error must contain; NULL: not checked */
    enum deadline deadline; /* the deadline that bounds this host's duration */
};

static const struct want wants[] = {
    {"", "ok", NULL, WHOLE},
    {"refused", "unreachable", "refused", CONNECT},
    {"tarpit", "timeout", "banner", CONNECT},
    {"slow-banner", "ok", NULL, WHOLE},
    {"auth-denied", "auth_failed", NULL, CONNECT},
    {"auth-disconnect", "error", NULL, CONNECT},
    {"hang", "timeout", "probe", WHOLE},
    {"endless", "ok", NULL, WHOLE},
    {"reset", "error", NULL, WHOLE},
    {"changed-key", "hostkey_rejected", NULL, CONNECT},
};

/* One fleet to scan: its size, its faults, and the scan's deadlines. */
struct fleet_plan {
    int hosts;
    const char *faults;
    int connect_timeout_s;
    int timeout_s;
};

static const struct want *want_for(const char *fault)
{
    for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++)
        if (strcmp(wants[i].fault, fault) == 0)
            return &wants[i];
    fail_msg("no expectation for fault '%s'", fault);
    return NULL;
}

static void scan_faulty_fleet(struct fleet_case *c, const struct fleet_plan *plan)
{
    struct sim s;
    char ct[16], to[16], parallel[16];
    const char *sim_args[] = {"--rtt-ms", "30",       "--jitter-ms", "10", "--slow-banner-ms",
                              "800",      "--faults", plan->faults,  NULL};
    /* Every host at once, so the scan ends with the slowest host. */
    const char *extra[] = {
        "--host-key-check", "strict", "--connect-timeout", ct, "--timeout", to, "-p",
        parallel,           NULL};
    char *inventory;
    int seen[sizeof wants / sizeof wants[0]] = {0}, failures = 0;
    size_t n;

    snprintf(ct, sizeof ct, "%d", plan->connect_timeout_s);
    snprintf(to, sizeof to, "%d", plan->timeout_s);
    snprintf(parallel, sizeof parallel, "%d", plan->hosts);
    sim_start(&c->work, plan->hosts, sim_args, &s);
    inventory = fleet_read_file(s.inventory, NULL);
    assert_non_null(inventory);
    fleet_scan(&c->work, inventory, s.known_hosts, s.key, extra, &c->run);
    free(inventory);
    sim_stop(&s);
    fleet_report_load(&c->work, &c->report);
    if (c->run.seconds > plan->timeout_s + 3)
        fail_msg("the scan took %.1f s; no host may take longer than --timeout %d s",
                 c->run.seconds, plan->timeout_s);
    fleet_expect_exit(&c->run, 1);

    /* Every host is in both reports, in inventory order (fleetsim numbers them simNNNNN). */
    n = json_array_size(c->report.hosts);
    assert_int_equal(n, (size_t)plan->hosts);
    assert_int_equal(c->report.csv.nrows, (size_t)plan->hosts + 1);
    for (size_t i = 0; i < n; i++) {
        const json_t *host = json_array_get(c->report.hosts, i);
        char prefix[16];

        snprintf(prefix, sizeof prefix, "sim%05zu_", i);
        if (strncmp(fleet_str(host, "name"), prefix, strlen(prefix)) != 0 ||
            strcmp(c->report.csv.rows[i + 1][0], fleet_str(host, "name")) != 0)
            fail_msg("host %zu is '%s' in the JSON and '%s' in the CSV, expected %s...", i,
                     fleet_str(host, "name"), c->report.csv.rows[i + 1][0], prefix);
    }

    for (size_t i = 0; i < n; i++) {
        const json_t *host = json_array_get(c->report.hosts, i);
        const struct want *w = want_for(sim_name_part(host, 2));
        json_int_t ms = json_integer_value(json_object_get(host, "duration_ms"));
        int deadline_s = w->deadline == CONNECT ? plan->connect_timeout_s : plan->timeout_s;

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
        if (ms > (json_int_t)deadline_s * 1000 + 1000) {
            print_error("%s: took %lld ms, past its %d s deadline\n", fleet_str(host, "name"),
                        (long long)ms, deadline_s);
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

static void test_each_fault_gets_its_status_within_its_deadline(void **state)
{
    static const struct fleet_plan plan = {
        40,
        "refused=2,tarpit=2,slow-banner=2,auth-denied=2,auth-disconnect=2,hang=2,endless=2,"
        "reset=2,changed-key=2",
        2, 4};

    scan_faulty_fleet(*state, &plan);
}

/*
 * 500 hosts, 171 of them misbehaving (19 of each fault), all in flight at once. The deadlines
 * are wider than above because 500 key exchanges at once share the machine's cores with
 * fleetsim (and the sanitizers of the test build); they still bound every host.
 */
static void test_500_hosts_a_third_misbehaving(void **state)
{
    static const struct fleet_plan plan = {
        500,
        "refused=19,tarpit=19,slow-banner=19,auth-denied=19,auth-disconnect=19,hang=19,"
        "endless=19,reset=19,changed-key=19",
        10, 15};

    scan_faulty_fleet(*state, &plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_fault_gets_its_status_within_its_deadline,
                                        fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_500_hosts_a_third_misbehaving, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests_name("sim_faults", tests, NULL, NULL);
}
