/*
 * Rule sets through the real binary: `fleetscan rules` lists the built-in sets, `rules show`
 * prints a matrix, a malformed rule file is refused with file:line:column and exit 2 before
 * anything is scanned, and `scan --rules` judges a real device by the chosen set and names it
 * in the report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

/*
 * A lab's own rule set: Ubuntu 18.04 on AMD64 only in Tier 2, so that a device the default set
 * calls Tier 1 must come out Tier 2 when this file is used.
 */
static const char lab_rules[] =
    "{\n"
    "  \"format\": \"fleetscan-rules/1\",\n"
    "  \"id\": \"lab-2024\",\n"
    "  \"title\": \"Plant A's own list\",\n"
    "  \"source_date\": \"2024-01-15\",\n"
    "  \"source\": \"plant A operations\",\n"
    "  \"columns\": [\"AMD64\"],\n"
    "  \"tier_meanings\": {\"tier1\": \"approved\", \"tier1-preview\": \"on trial\",\n"
    "                    \"tier2\": \"tolerated\"},\n"
    "  \"tables\": [{\"tier\": \"tier2\", \"title\": \"Tolerated\", \"rows\": [\n"
    "    {\"os\": \"Ubuntu 18.04\", \"family\": \"linux\", \"id\": [\"ubuntu\"],\n"
    "     \"version\": \"18.04\", \"cells\": {\"AMD64\": \"yes\"}}]}],\n"
    "  \"engines\": [{\"name\": \"moby-engine\", \"support\": \"recommended\",\n"
    "               \"reason\": \"moby-engine: approved\", \"note\": \"moby\"}],\n"
    "  \"windows\": {\"windows_containers_build\": null, \"linux_containers_min_build\": 17763,\n"
    "              \"hyperv_isolation\": false},\n"
    "  \"virtual_machines\": {\"family_must_match\": true},\n"
    "  \"prerequisites\": {\"source\": \"plant A\", \"memory_available_mb\": {\"amd64\": 1},\n"
    "    \"storage_free_mb\": {\"amd64\": 1}, \"kernel_config\": [\"NAMESPACES\"],\n"
    "    \"cgroup_controllers\": {\"v1\": [\"cpu\"], \"v2\": [\"cpu\"]}, \"systemd\": false,\n"
    "    \"engine_api_min\": \"1.0\"}\n"
    "}\n";

static int exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

static void test_rules_list(void **state)
{
    struct fleet_case *c = *state;
    const char *args[] = {"rules", NULL};
    static const char *const ids[] = {"azure-iot-edge-2019-03", "azure-iot-edge-2019-08",
                                      "azure-iot-edge-2020-06", "azure-iot-edge-2021-02",
                                      "azure-iot-edge-2023-05"};
    const char *prev;

    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0);
    prev = c->run.out;
    /* Every built-in set, in date order, with its date. */
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *at = strstr(prev, ids[i]);
        if (at == NULL)
            fail_msg("'fleetscan rules' does not list %s after the previous one:\n%s", ids[i],
                     c->run.out);
        prev = at + strlen(ids[i]);
    }
    assert_non_null(strstr(c->run.out, "2019-03-18"));
    assert_non_null(strstr(c->run.out, "(default)"));
}

static void test_rules_show(void **state)
{
    struct fleet_case *c = *state;
    const char *seed[] = {"rules", "show", "azure-iot-edge-2019-03", NULL};
    const char *file[] = {"rules", "show", NULL, NULL};
    char path[512];

    fleet_run(&c->work, seed, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0);
    /* The seed's rows with their Yes/No cells, in the seed's order. */
    assert_non_null(strstr(c->run.out, "Raspbian-stretch"));
    assert_non_null(strstr(c->run.out, "Wind River 8"));
    assert_non_null(strstr(c->run.out, "AMD64    ARM32v7"));
    assert_null(strstr(c->run.out, "ARM64    "));
    assert_true(strstr(c->run.out, "Raspbian-stretch") < strstr(c->run.out, "Yocto"));
    assert_non_null(strstr(c->run.out, "more than 251 MB on arm32v7"));
    snprintf(path, sizeof path, "%s", fleet_path(&c->work, "lab.json"));
    fleet_write_file(path, lab_rules);
    file[2] = path;
    fleet_run(&c->work, file, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0);
    assert_non_null(strstr(c->run.out, "lab-2024: Plant A's own list"));
    assert_non_null(strstr(c->run.out, "Tolerated (tier2)"));
}

/* A broken rule file: nothing is scanned, the message says where, exit 2. */
static void test_bad_rule_file(void **state)
{
    struct fleet_case *c = *state;
    char path[512], text[sizeof lab_rules + 16], inv[128];
    const char *show[] = {"rules", "show", NULL, NULL};
    const char *extra[] = {"--rules", NULL, NULL};
    char *at;

    snprintf(path, sizeof path, "%s", fleet_path(&c->work, "lab.json"));
    snprintf(text, sizeof text, "%s", lab_rules);
    /* Line 12, column 45 holds the cell value "yes": make it something no matrix says. */
    at = strstr(text, "\"AMD64\": \"yes\"");
    assert_non_null(at);
    memcpy(at + 10, "yez", 3);
    fleet_write_file(path, text);
    show[2] = path;
    fleet_run(&c->work, show, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 2);
    if (strstr(c->run.err, "lab.json:12:45: tables[0].rows[0].cells.AMD64") == NULL)
        fail_msg("stderr should name lab.json:12:45 and the JSON path:\n%s", c->run.err);
    extra[1] = path;
    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=u\n", fleet_port("ubuntu-1804-amd64-moby"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &c->run);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "lab.json:12:45"));
    assert_false(exists(fleet_path(&c->work, "out")));
    /* A syntax error gets jansson's line and column. */
    fleet_write_file(path, "{\n  \"format\": \"fleetscan-rules/1\",\n  \"id\": \"x\" \"y\"\n}\n");
    fleet_run(&c->work, show, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "lab.json:3:"));
    extra[1] = "azure-iot-edge-1999-01";
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &c->run);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "unknown rule set 'azure-iot-edge-1999-01'"));
}

/*
 * A vendor Yocto build through the real probe (busybox, gzip-compressed /proc/config.gz,
 * image-buildinfo's /etc/build): Yocto's row, and the kernel prerequisite that fails.
 */
static void test_vendor_yocto_device(void **state)
{
    struct fleet_case *c = *state;
    char inv[128];
    char *reasons;

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=v\n", fleet_port("yocto-vendor-amd64"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), NULL, &c->run);
    fleet_report_load(&c->work, &c->report);
    reasons = json_dumps(json_object_get(fleet_host(&c->report, "v"), "reasons"), 0);
    c->text[0] = reasons; /* freed by the teardown */
    assert_non_null(reasons);
    if (strstr(reasons, "ACME Edge OS 2022.03 is a vendor build of poky (/etc/build from "
                        "Yocto's image-buildinfo, DISTRO = acme-edge): matched as Yocto") == NULL ||
        strstr(reasons, "Yocto on AMD64 is Tier 2 in azure-iot-edge-2019-03") == NULL ||
        strstr(reasons, "the kernel (config read from /proc/config.gz) lacks CONFIG_VETH, "
                        "CONFIG_NETFILTER_XT_MATCH_IPVS") == NULL ||
        strstr(reasons, "Prerequisites met (azure-iot-edge-2019-03): memory; storage; cgroups; "
                        "systemd") == NULL)
        fail_msg("unexpected reasons for the vendor Yocto device: %s", reasons);
}

/* The same device judged by three rule sets: the default, a later built-in, a lab's file. */
static void test_scan_with_rules(void **state)
{
    struct fleet_case *c = *state;
    char inv[128], path[512];
    const char *later[] = {"--rules", "azure-iot-edge-2023-05", NULL};
    const char *lab[] = {"--rules", NULL, NULL};
    json_t *host;
    char *reasons;

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=u\n", fleet_port("ubuntu-1804-amd64-moby"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), NULL, &c->run);
    fleet_report_load(&c->work, &c->report);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(c->report.json, "rules"), "id")),
        "azure-iot-edge-2019-03");
    assert_string_equal(fleet_str(fleet_host(&c->report, "u"), "tier"), "tier1");
    /* The probe read the device's /boot/config-$(uname -r) and every prerequisite passed. */
    reasons = json_dumps(json_object_get(fleet_host(&c->report, "u"), "reasons"), 0);
    c->text[1] = reasons; /* freed by the teardown */
    if (reasons == NULL ||
        strstr(reasons, "Prerequisites met (azure-iot-edge-2019-03): memory; storage; kernel "
                        "config; cgroups; systemd; engine API") == NULL)
        fail_msg("the device's prerequisites were not all checked: %s", reasons);
    assert_string_equal(fleet_str(fleet_host(&c->report, "u"), "production_ready"), "yes");

    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), later, &c->run);
    fleet_report_load(&c->work, &c->report);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(c->report.json, "rules"), "id")),
        "azure-iot-edge-2023-05");
    host = fleet_host(&c->report, "u");
    assert_string_equal(fleet_str(host, "tier"), "tier2");
    assert_string_equal(fleet_str(host, "production_ready"), "no");

    snprintf(path, sizeof path, "%s", fleet_path(&c->work, "lab.json"));
    fleet_write_file(path, lab_rules);
    lab[1] = path;
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), lab, &c->run);
    fleet_report_load(&c->work, &c->report);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(c->report.json, "rules"), "id")),
        "lab-2024");
    host = fleet_host(&c->report, "u");
    assert_string_equal(fleet_str(host, "tier"), "tier2");
    reasons = json_dumps(json_object_get(host, "reasons"), 0);
    c->text[0] = reasons; /* freed by the teardown */
    if (reasons == NULL ||
        strstr(reasons, "Ubuntu 18.04 on AMD64 is Tier 2 in lab-2024: tolerated") == NULL)
        fail_msg("reasons do not name lab-2024: %s", reasons);
}

/* Last night's facts judged again under a later rule set, without touching the device. */
static void test_classify_with_rules(void **state)
{
    struct fleet_case *c = *state;
    char inv[128], prev[512], out[512];
    const char *reclassify[] = {"classify", prev, "--rules", "azure-iot-edge-2023-05",
                                "-o",       out,  NULL};
    const char *unknown[] = {"classify", prev, "--rules", "azure-iot-edge-1999-01",
                             "-o",       out,  NULL};
    json_t *host;

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=u\n", fleet_port("ubuntu-1804-amd64-moby"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), NULL, &c->run);
    fleet_expect_exit(&c->run, 0);
    snprintf(prev, sizeof prev, "%s", fleet_path(&c->work, "prev.json"));
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    fleet_copy_file(fleet_path(&c->work, "out/fleetscan.json"), prev);

    fleet_run(&c->work, reclassify, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0); /* the host's status stays ok */
    fleet_report_load(&c->work, &c->report);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(c->report.json, "rules"), "id")),
        "azure-iot-edge-2023-05");
    host = fleet_host(&c->report, "u");
    assert_string_equal(fleet_str(host, "status"), "ok");
    assert_string_equal(fleet_str(host, "tier"), "tier2");
    assert_string_equal(fleet_str(host, "production_ready"), "no");

    fleet_run(&c->work, unknown, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 2);
    if (strstr(c->run.err, "azure-iot-edge-1999-01") == NULL)
        fail_msg("the error does not name the unknown rule set:\n%s", c->run.err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules_list, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_rules_show, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_bad_rule_file, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_scan_with_rules, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_vendor_yocto_device, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_classify_with_rules, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests_name("fleet_rules", tests, NULL, NULL);
}
