/*
 * Output a host sends: the fleet's endless device prints the same line forever. fleetscan must
 * keep at most --max-output bytes, stop reading, and report the host `ok` but unidentified,
 * with a note and the discarded byte count, long before --timeout. The windows-powershell
 * device sends its answer in many small packets; it is covered by test_fleet_devices.
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

/* Far above what reading a few MiB over loopback takes: reaching it means reading never stopped. */
#define TIMEOUT_S "30"

static int notes_contain(const json_t *host, const char *needle)
{
    const json_t *notes = json_object_get(host, "notes");
    size_t i;
    json_t *n;

    json_array_foreach(notes, i, n)
    {
        if (json_is_string(n) && strstr(json_string_value(n), needle) != NULL)
            return 1;
    }
    return 0;
}

static void scan_endless(struct fleet_case *c, const char *max_output, const char *cap_text)
{
    char inv[256];
    const char *extra_cap[] = {"--timeout", TIMEOUT_S, "--max-output", max_output, NULL};
    const char *extra_default[] = {"--timeout", TIMEOUT_S, NULL};
    json_t *host;
    json_t *facts;
    json_int_t discarded;

    snprintf(inv, sizeof inv,
             "root@127.0.0.1:%d name=endless\n"
             "root@127.0.0.1:%d name=ubuntu\n",
             fleet_port("endless"), fleet_port("ubuntu-1804-amd64-moby"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"),
               max_output != NULL ? extra_cap : extra_default, &c->run);
    if (c->run.seconds >= atof(TIMEOUT_S))
        fail_msg("the scan took %.2f s: reading the endless output never stopped", c->run.seconds);
    fleet_report_load(&c->work, &c->report);

    host = fleet_host(&c->report, "endless");
    if (strcmp(fleet_str(host, "status"), "ok") != 0)
        fail_msg("endless: status '%s' (error '%s'), expected ok", fleet_str(host, "status"),
                 fleet_str(host, "error"));
    assert_string_equal(fleet_str(host, "os_family"), "unknown");
    assert_string_equal(fleet_str(host, "tier"), "unknown");
    if (!notes_contain(host, cap_text))
        fail_msg("endless: no note names the --max-output cap of %s bytes", cap_text);
    facts = json_object_get(host, "facts");
    discarded = json_integer_value(json_object_get(facts, "output_discarded_bytes"));
    assert_true(discarded > 0);

    /* The other host of the same scan is untouched by the cap. */
    host = fleet_host(&c->report, "ubuntu");
    assert_string_equal(fleet_str(host, "status"), "ok");
    assert_string_equal(fleet_str(host, "os_id"), "ubuntu");
    assert_false(notes_contain(host, "--max-output"));
    assert_null(json_object_get(json_object_get(host, "facts"), "output_discarded_bytes"));
    /* Both hosts answered: status ok everywhere, so the exit status is 0 (README). */
    fleet_expect_exit(&c->run, 0);
}

static void test_endless_output_default_cap(void **state)
{
    scan_endless(*state, NULL, "1048576 bytes");
}

static void test_endless_output_small_cap(void **state)
{
    scan_endless(*state, "64K", "65536 bytes");
}

static void test_max_output_rejects_bad_sizes(void **state)
{
    struct fleet_case *c = *state;
    static const char *const bad[] = {"0", "12", "1G", "-5M", "5X", "", "99999999999999999999"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *args[] = {"scan", "--max-output", bad[i], "inventory.txt", NULL};

        fleet_write_file(fleet_path(&c->work, "inventory.txt"), "127.0.0.1\n");
        fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
        if (c->run.status != 2 || strstr(c->run.err, "--max-output") == NULL)
            fail_msg("--max-output '%s': exit %d, stderr '%s'; expected 2 and a message", bad[i],
                     c->run.status, c->run.err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_endless_output_default_cap, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_endless_output_small_cap, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_max_output_rejects_bad_sizes, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
