/*
 * A DNS server that does not answer: the host is reported `timeout` at --connect-timeout, and
 * the run ends then too, not when the resolver gives up. libuv cannot cancel a lookup already
 * running in its thread pool, and joins those threads at exit, so fleetscan must neither wait
 * for the lookup nor for the thread. The slow resolver is the LD_PRELOAD shim slow_resolver.c
 * (20 s for names ending in .slow.invalid).
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

static void test_unanswered_lookup_does_not_hold_the_run(void **state)
{
    struct fleet_case *c = *state;
    const char *extra[] = {"--connect-timeout", "1", "--timeout", "3", NULL};
    const char *asan = getenv("ASAN_OPTIONS");
    char asan_opts[512], inv[256];
    json_t *host;

    /* The shim comes before the sanitizer runtime in the preload order: tell ASan that is fine. */
    snprintf(asan_opts, sizeof asan_opts, "%s%sverify_asan_link_order=0", asan ? asan : "",
             asan && asan[0] ? ":" : "");
    setenv("ASAN_OPTIONS", asan_opts, 1);
    setenv("LD_PRELOAD", SLOW_RESOLVER_SO, 1);
    snprintf(inv, sizeof inv,
             "root@edge7.slow.invalid:22 name=slow\n"
             "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &c->run);
    unsetenv("LD_PRELOAD");
    if (asan != NULL)
        setenv("ASAN_OPTIONS", asan, 1);
    else
        unsetenv("ASAN_OPTIONS");

    /* Without the fix the run lasts the shim's 20 s; with it, about --connect-timeout. */
    if (c->run.seconds > 8)
        fail_msg("the run took %.1f s: it waited for the resolver", c->run.seconds);
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    host = fleet_host(&c->report, "slow");
    assert_string_equal(fleet_str(host, "status"), "timeout");
    if (strstr(fleet_str(host, "error"), "resolving") == NULL)
        fail_msg("the error does not say resolving took too long: %s", fleet_str(host, "error"));
    assert_string_equal(fleet_str(fleet_host(&c->report, "ubuntu"), "status"), "ok");
    assert_true(json_is_true(json_object_get(json_object_get(c->report.json, "scan"), "complete")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unanswered_lookup_does_not_hold_the_run,
                                        fleet_case_setup, fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
