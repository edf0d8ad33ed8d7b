/*
 * Hosts that cannot be scanned: a closed port, a name that does not resolve, a key the server
 * refuses. Each is a row of the report with the right status and an error a person can act
 * on; the scan still finishes, exits 1 and keeps inventory order.
 */
#define _GNU_SOURCE /* strcasestr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

/* One failing host: where it is, the key offered, and what the report must say. */
struct failure {
    const char *what;
    const char *address;
    const char *port_var; /* fleet.env variable holding the port; NULL: port 22 */
    const char *key_var;  /* fleet.env variable of the private key to offer */
    const char *status;
    const char *error_has; /* the error must contain this (case-insensitive), or NULL */
    int error_names_port;  /* the error must contain the port number */
};

static const struct failure failures[] = {
    {"closed port", "127.0.0.1", "CLOSED_PORT", "KEY", "unreachable", NULL, 1},
    {"unresolvable name", "host.invalid", NULL, "KEY", "unreachable", "resolv", 0},
    {"refused key", "127.0.0.1", "PORT_UBUNTU_1804_AMD64_MOBY", "OTHER_KEY", "auth_failed", NULL,
     0},
    {"refused key on dropbear", "127.0.0.1", "DROPBEAR_PORT", "OTHER_KEY", "auth_failed", NULL, 0},
};

static int port_of(const struct failure *f)
{
    return f->port_var != NULL ? atoi(fleet_var(f->port_var)) : 22;
}

static void expect_error_has(const struct failure *f, const json_t *host, const char *want)
{
    const char *error = fleet_str(host, "error");

    if (error[0] == '\0' || strcasestr(error, want) == NULL)
        fail_msg("%s: error '%s' should contain '%s'", f->what, error, want);
}

static void check_failure(void **state)
{
    struct fleet_case *c = *state;
    const struct failure *f = c->param;
    char inv[300], port[16];
    json_t *host;

    snprintf(inv, sizeof inv, "root@%s:%d name=failing\n", f->address, port_of(f));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var(f->key_var), NULL, &c->run);
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    assert_int_equal(json_array_size(c->report.hosts), 1);
    host = json_array_get(c->report.hosts, 0);
    if (strcmp(fleet_str(host, "status"), f->status) != 0)
        fail_msg("%s: status '%s' (error '%s'), expected '%s'", f->what, fleet_str(host, "status"),
                 fleet_str(host, "error"), f->status);
    /* A host that was never probed has no verdict: its OS is unknown, not guessed. */
    assert_string_equal(fleet_str(host, "os_family"), "unknown");
    expect_error_has(f, host, f->error_has != NULL ? f->error_has : "");
    if (f->error_names_port) {
        snprintf(port, sizeof port, "%d", port_of(f));
        expect_error_has(f, host, port);
    }
    assert_int_equal(c->report.csv.nrows, 2);
    assert_string_equal(c->report.csv.rows[1][4], f->status);
}

/*
 * Failures mixed with good hosts in an order that is neither sorted nor grouped by status:
 * both reports keep the inventory order, and the exit status is 1.
 */
static void test_mixed_inventory_order(void **state)
{
    static const char *const names[] = {"zeta-ubuntu", "closed", "alpha-raspbian", "nowhere",
                                        "middle-centos"};
    struct fleet_case *c = *state;
    const struct fleet_report *rep = &c->report;
    char inv[1024];

    snprintf(inv, sizeof inv,
             "# a mixed fleet\n"
             "root@127.0.0.1:%d name=zeta-ubuntu\n"
             "\n"
             "root@127.0.0.1:%s name=closed\n"
             "root@127.0.0.1:%d name=alpha-raspbian tags=pi,lab\n"
             "root@host.invalid name=nowhere\n"
             "127.0.0.1 port=%d user=root name=middle-centos\n",
             fleet_port("ubuntu-1804-amd64-moby"), fleet_var("CLOSED_PORT"),
             fleet_port("raspbian-stretch-armv7"), fleet_port("centos-75-amd64-dockerce"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), NULL, &c->run);
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    assert_int_equal(json_array_size(rep->hosts), 5);
    assert_int_equal(rep->csv.nrows, 6);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(fleet_str(json_array_get(rep->hosts, i), "name"), names[i]);
        assert_string_equal(rep->csv.rows[i + 1][0], names[i]);
    }
    assert_string_equal(fleet_str(fleet_host(rep, "zeta-ubuntu"), "status"), "ok");
    assert_string_equal(fleet_str(fleet_host(rep, "alpha-raspbian"), "status"), "ok");
    assert_string_equal(fleet_str(fleet_host(rep, "middle-centos"), "status"), "ok");
    assert_string_equal(fleet_str(fleet_host(rep, "closed"), "status"), "unreachable");
    assert_string_equal(fleet_str(fleet_host(rep, "nowhere"), "status"), "unreachable");
}

int main(void)
{
    const size_t n = sizeof failures / sizeof failures[0];
    struct CMUnitTest tests[sizeof failures / sizeof failures[0] + 1];

    for (size_t i = 0; i < n; i++)
        tests[i] = (struct CMUnitTest){failures[i].what, check_failure, fleet_case_setup,
                                       fleet_case_teardown, (void *)&failures[i]};
    tests[n] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_mixed_inventory_order, fleet_case_setup, fleet_case_teardown);
    return _cmocka_run_group_tests("fleet_failures", tests, n + 1, NULL, NULL);
}
