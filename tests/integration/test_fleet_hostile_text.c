/*
 * Device text that is not UTF-8, holds a NUL and control characters, and starts with a
 * spreadsheet formula (samples/devices/hostile-text) never makes an invalid report: both files
 * are valid UTF-8 and parse with strict parsers, the JSON keeps the device's text with the bad
 * bytes replaced by U+FFFD and says so (facts.utf8_replaced), and the CSV cell is neutralised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/common/strict_utf8.h"
#include "tests/integration/fleet.h"

#define FFFD "\xEF\xBF\xBD"

/* A report file: valid UTF-8, and no C0 control byte but the ones allowed. */
static void check_file(const struct fleet_workdir *w, const char *name, const char *allowed)
{
    char path[700];
    size_t len, bad;
    char *text;

    snprintf(path, sizeof path, "%s/out/%s", w->path, name);
    text = fleet_read_file(path, &len);
    assert_non_null(text);
    if (!strict_utf8(text, len, true, &bad))
        fail_msg("%s: invalid UTF-8 at byte %zu", name, bad);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 && strchr(allowed, text[i]) == NULL)
            fail_msg("%s: control byte 0x%02x at %zu", name, (unsigned char)text[i], i);
    free(text);
}

static void test_hostile_text_reports(void **state)
{
    struct fleet_case *c = *state;
    char inv[128];
    json_t *host, *facts, *strict;
    json_error_t jerr;
    const char *os_name;
    char path[700];
    size_t col = 0;

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=hostile\n", fleet_port("hostile-text"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), NULL, &c->run);
    fleet_expect_exit(&c->run, 0);

    check_file(&c->work, "fleetscan.json", "\n");
    check_file(&c->work, "fleetscan.csv", "\r\n\t");
    check_file(&c->work, "summary.csv", "\r\n");
    /* jansson rejects invalid UTF-8 and, without JSON_ALLOW_NUL, a \u0000 in a string. */
    snprintf(path, sizeof path, "%s/out/fleetscan.json", c->work.path);
    strict = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (strict == NULL)
        fail_msg("fleetscan.json: %s at line %d", jerr.text, jerr.line);
    json_decref(strict);

    fleet_report_load(&c->work, &c->report);
    host = fleet_host(&c->report, "hostile");
    assert_string_equal(fleet_str(host, "status"), "ok");
    /* The hostile text does not disturb the verdict. */
    assert_string_equal(fleet_str(host, "os_id"), "ubuntu");
    assert_string_equal(fleet_str(host, "tier"), "tier1");
    /* The JSON keeps the device's text: the formula as is, bad bytes and the NUL replaced. */
    os_name = fleet_str(host, "os_name");
    if (strncmp(os_name, "=HYPERLINK(\"http://x.invalid/\"", 30) != 0 ||
        strstr(os_name, FFFD "NUL") == NULL || strstr(os_name, "\x1b[31mred") == NULL)
        fail_msg("os_name does not keep the device's text: '%s'", os_name);
    facts = json_object_get(host, "facts");
    assert_true(json_is_true(json_object_get(facts, "utf8_replaced")));
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(facts, "os_release"), "NAME")),
               "Ubuntu" FFFD FFFD));

    /* The CSV: one row of 21 cells, the formula neutralised, the escapes gone. */
    assert_int_equal(c->report.csv.nrows, 2);
    assert_int_equal(c->report.csv.ncols[1], FLEET_CSV_NCOLUMNS);
    while (col < FLEET_CSV_NCOLUMNS && strcmp(c->report.csv.rows[0][col], "os_name") != 0)
        col++;
    assert_true(col < FLEET_CSV_NCOLUMNS);
    if (strncmp(c->report.csv.rows[1][col], "'=HYPERLINK(", 12) != 0 ||
        strchr(c->report.csv.rows[1][col], '\x1b') != NULL)
        fail_msg("CSV os_name not neutralised: '%s'", c->report.csv.rows[1][col]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile_text_reports, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
