/*
 * Every device kind of the fleet, scanned in one run: what fleetscan reports for each must be
 * what that device is (samples/devices/<kind>/README.md says where its answers come from), and
 * both reports must list the hosts in inventory order.
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

/* What one host must report. NULL: not checked; "" must be empty. */
struct expect {
    const char *name; /* the host's name= in the inventory: its kind, or "dropbear" */
    const char *kind; /* the device kind whose port it uses; NULL: the dropbear server */
    const char *os_family;
    const char *os_id;
    const char *os_version; /* matches this version or a longer one ("7.5" ~ "7.5.1804") */
    const char *os_name;
    const char *arch_class;
    const char *tier;
    const char *container_engine;
    const char *engine_support;
    const char *production_ready;
};

static const struct expect expected[] = {
    {"raspbian-stretch-armv7", "raspbian-stretch-armv7", "linux", "raspbian", "9",
     "Raspbian GNU/Linux 9 (stretch)", "arm32v7", "tier1", "moby-engine", "recommended", "yes"},
    {"ubuntu-1804-amd64-moby", "ubuntu-1804-amd64-moby", "linux", "ubuntu", "18.04",
     "Ubuntu 18.04.2 LTS", "amd64", "tier1", "moby-engine", "recommended", "yes"},
    /* Its os_name is hostile text: test_fleet_hostile_text checks it. */
    {"hostile-text", "hostile-text", "linux", "ubuntu", "18.04", NULL, "amd64", "tier1",
     "moby-engine", "recommended", "yes"},
    {"centos-75-amd64-dockerce", "centos-75-amd64-dockerce", "linux", "centos", "7.5",
     "CentOS Linux 7 (Core)", "amd64", "tier2", "docker-ce", "best-effort", NULL},
    {"pi-zero-armv6", "pi-zero-armv6", "linux", "raspbian", "9", "Raspbian GNU/Linux 9 (stretch)",
     "arm32v6", "unsupported", "docker-ce", "best-effort", "no"},
    {"yocto-poky-amd64", "yocto-poky-amd64", "linux", "poky", "2.6.2",
     "Poky (Yocto Project Reference Distro) 2.6.2 (thud)", "amd64", "tier2", "", "missing", "no"},
    {"debian-9-armv7", "debian-9-armv7", "linux", "debian", "9", "Debian GNU/Linux 9 (stretch)",
     "arm32v7", "tier2", "docker-ce", "best-effort", NULL},
    {"rhel-75-amd64", "rhel-75-amd64", "linux", "rhel", "7.5",
     "Red Hat Enterprise Linux Server 7.5 (Maipo)", "amd64", "tier2", "docker-ee", "best-effort",
     NULL},
    {"wrlinux-8-amd64", "wrlinux-8-amd64", "linux", "wrlinux", "8", "Wind River Linux 8.0.0.25",
     "amd64", "tier2", "", "missing", "no"},
    /* A vendor Yocto build: its own os-release ID, recognised as Yocto from /etc/build. */
    {"yocto-vendor-amd64", "yocto-vendor-amd64", "linux", "acme-edge", "2022.03",
     "ACME Edge OS 2022.03", "amd64", "tier2", "", "missing", "no"},
    {"windows-cmd", "windows-cmd", "windows", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"windows-powershell", "windows-powershell", "windows", NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL},
    {"dropbear", NULL, "linux", "poky", "2.6.2",
     "Poky (Yocto Project Reference Distro) 2.6.2 (thud)", "amd64", "tier2", "", "missing", "no"},
};

#define N_EXPECTED (sizeof expected / sizeof expected[0])

/* The one scan all checks read: run by the group setup. */
static struct fleet_workdir work;
static struct fleet_run run;
static struct fleet_report report;
static char inventory[8192];

static int port_of(const struct expect *e)
{
    return e->kind != NULL ? fleet_port(e->kind) : atoi(fleet_var("DROPBEAR_PORT"));
}

static int scan_everything(void **state)
{
    size_t len = 0;

    len += (size_t)snprintf(inventory + len, sizeof inventory - len,
                            "# every device of the fleet but the hanging one\n");
    for (size_t i = 0; i < N_EXPECTED; i++)
        len +=
            (size_t)snprintf(inventory + len, sizeof inventory - len, "root@127.0.0.1:%d name=%s\n",
                             port_of(&expected[i]), expected[i].name);
    fleet_workdir_new(&work);
    fleet_scan(&work, inventory, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), NULL, &run);
    fleet_report_load(&work, &report);
    return 0;
}

static int clean_up(void **state)
{
    fleet_report_clear(&report);
    fleet_run_clear(&run);
    fleet_workdir_free(&work);
    return 0;
}

static void expect_field(const struct expect *e, const json_t *host, const char *key,
                         const char *want)
{
    const char *got = fleet_str(host, key);
    char reasons[2048];
    size_t n;

    if (want == NULL || strcmp(got, want) == 0)
        return;
    /* The verdict's reasons say why, which is what a person needs to fix a mismatch. */
    n = json_dumpb(json_object_get(host, "reasons"), reasons, sizeof reasons - 1, JSON_COMPACT);
    reasons[n < sizeof reasons ? n : 0] = '\0';
    fail_msg("%s: %s is '%s', expected '%s' (reasons: %s)", e->name, key, got, want, reasons);
}

/* One device: status ok, no error, and the verdict its README promises. */
static void check_device(void **state)
{
    const struct expect *e = *state;
    json_t *host = fleet_host(&report, e->name);
    char port[16];

    snprintf(port, sizeof port, "%d", port_of(e));
    expect_field(e, host, "status", "ok");
    expect_field(e, host, "error", "");
    expect_field(e, host, "address", "127.0.0.1");
    expect_field(e, host, "user", "root");
    assert_int_equal(json_integer_value(json_object_get(host, "port")), port_of(e));
    expect_field(e, host, "os_family", e->os_family);
    expect_field(e, host, "os_id", e->os_id);
    expect_field(e, host, "os_name", e->os_name);
    expect_field(e, host, "arch_class", e->arch_class);
    expect_field(e, host, "tier", e->tier);
    expect_field(e, host, "container_engine", e->container_engine);
    expect_field(e, host, "engine_support", e->engine_support);
    expect_field(e, host, "production_ready", e->production_ready);
    if (e->os_version != NULL &&
        !fleet_version_matches(fleet_str(host, "os_version"), e->os_version))
        fail_msg("%s: os_version is '%s', expected %s", e->name, fleet_str(host, "os_version"),
                 e->os_version);
    assert_true(json_is_array(json_object_get(host, "notes")));
    assert_true(json_is_integer(json_object_get(host, "duration_ms")));
    assert_true(json_integer_value(json_object_get(host, "duration_ms")) >= 0);
    assert_true(strlen(fleet_str(host, "scanned_at")) >= 20);
}

/* Every host ok: exit status 0; the JSON's scan and summary and summary.csv agree. */
static void test_exit_status_and_summary(void **state)
{
    json_t *summary = json_object_get(report.json, "summary");
    json_t *scan = json_object_get(report.json, "scan");
    json_t *tool = json_object_get(report.json, "tool");
    char *summary_csv;
    int header_ok;

    fleet_expect_exit(&run, 0);
    assert_string_equal(fleet_str(tool, "name"), "fleetscan");
    assert_non_null(json_object_get(report.json, "rules"));
    assert_int_equal(json_array_size(report.hosts), N_EXPECTED);
    assert_int_equal(json_integer_value(json_object_get(summary, "hosts")), N_EXPECTED);
    assert_true(json_is_true(json_object_get(scan, "complete")));
    assert_string_equal(fleet_str(scan, "inventory"), fleet_path(&work, "inventory.txt"));
    summary_csv = fleet_read_file(fleet_path(&work, "out/summary.csv"), NULL);
    assert_non_null(summary_csv);
    header_ok = strncmp(summary_csv, "dimension,value,hosts\r\n", 23) == 0 ||
                strncmp(summary_csv, "dimension,value,hosts\n", 22) == 0;
    free(summary_csv);
    assert_true(header_ok);
}

/* fleetscan.csv: the SPEC's header, then one row per inventory host in inventory order. */
static void test_csv_rows_in_inventory_order(void **state)
{
    const struct fleet_csv *c = &report.csv;

    assert_int_equal(c->nrows, N_EXPECTED + 1);
    assert_int_equal(c->ncols[0], FLEET_CSV_NCOLUMNS);
    for (size_t k = 0; k < FLEET_CSV_NCOLUMNS; k++)
        assert_string_equal(c->rows[0][k], fleet_csv_columns[k]);
    for (size_t i = 0; i < N_EXPECTED; i++) {
        json_t *host = json_array_get(report.hosts, i);

        assert_int_equal(c->ncols[i + 1], FLEET_CSV_NCOLUMNS);
        assert_string_equal(c->rows[i + 1][0], expected[i].name);
        assert_string_equal(fleet_str(host, "name"), expected[i].name);
        /* The CSV and the JSON tell the same story. */
        assert_string_equal(c->rows[i + 1][4], fleet_str(host, "status"));
        assert_string_equal(c->rows[i + 1][6], fleet_str(host, "os_family"));
        assert_string_equal(c->rows[i + 1][16], fleet_str(host, "tier"));
    }
}

int main(void)
{
    struct CMUnitTest tests[N_EXPECTED + 2];

    for (size_t i = 0; i < N_EXPECTED; i++)
        tests[i] =
            (struct CMUnitTest){expected[i].name, check_device, NULL, NULL, (void *)&expected[i]};
    tests[N_EXPECTED] = (struct CMUnitTest)cmocka_unit_test(test_exit_status_and_summary);
    tests[N_EXPECTED + 1] = (struct CMUnitTest)cmocka_unit_test(test_csv_rows_in_inventory_order);
    return _cmocka_run_group_tests("fleet_devices", tests, N_EXPECTED + 2, scan_everything,
                                   clean_up);
}
