/*
 * Ansible YAML inventories through the real binary: the fleet is reached with the user, port
 * and key the YAML names (group vars, children, host vars over group vars, legacy names), a
 * host in several groups is scanned once, and the reports are those of the equivalent INI
 * inventory. A broken YAML inventory exits 2 naming file, line and column, and scans nothing.
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
 * The inventory, once in YAML and once in INI. No -i is given: every key comes from the
 * inventory. 'edge' sets a user no device has, which each of its hosts overrides or inherits
 * from a deeper group; 'refused' offers a key no server accepts.
 */
static void write_inventories(const struct fleet_workdir *w)
{
    char yml[4096], ini[4096];
    const char *key = fleet_var("KEY"), *other = fleet_var("OTHER_KEY");
    int pi = fleet_port("raspbian-stretch-armv7"), zero = fleet_port("pi-zero-armv6");
    int ubuntu = fleet_port("ubuntu-1804-amd64-moby"), drop = atoi(fleet_var("DROPBEAR_PORT"));

    snprintf(yml, sizeof yml,
             "# fleetscan integration test\n"
             "all:\n"
             "  vars:\n"
             "    ansible_host: 127.0.0.1\n"
             "    ansible_ssh_private_key_file: %s\n"
             "  children:\n"
             "    edge:\n"
             "      vars:\n"
             "        ansible_user: nobody-here\n"
             "      hosts:\n"
             "        pi-zero:\n"
             "          ansible_port: %d\n"
             "          ansible_user: root\n"
             "      children:\n"
             "        pis:\n"
             "          vars: {ansible_user: root}\n"
             "          hosts:\n"
             "            raspbian:\n"
             "              ansible_port: %d\n"
             "    gateways:\n"
             "      vars:\n"
             "        ansible_user: root\n"
             "      hosts:\n"
             "        ubuntu:\n"
             "          ansible_port: %d\n"
             "        yocto-dropbear:\n"
             "          ansible_ssh_port: %d\n"
             "    audit:\n"
             "      hosts:\n"
             "        raspbian:\n"
             "    refused:\n"
             "      hosts:\n"
             "        ubuntu-refused:\n"
             "          ansible_port: %d\n"
             "          ansible_user: root\n"
             "      vars:\n"
             "        ansible_ssh_private_key_file: %s\n",
             key, zero, pi, ubuntu, drop, ubuntu, other);
    snprintf(ini, sizeof ini,
             "[all:vars]\nansible_host=127.0.0.1\nansible_ssh_private_key_file=%s\n"
             "[edge]\npi-zero ansible_port=%d ansible_user=root\n"
             "[edge:vars]\nansible_user=nobody-here\n"
             "[edge:children]\npis\n"
             "[pis]\nraspbian ansible_port=%d\n[pis:vars]\nansible_user=root\n"
             "[gateways]\nubuntu ansible_port=%d\nyocto-dropbear ansible_ssh_port=%d\n"
             "[gateways:vars]\nansible_user=root\n"
             "[audit]\nraspbian\n"
             "[refused]\nubuntu-refused ansible_port=%d ansible_user=root\n"
             "[refused:vars]\nansible_ssh_private_key_file=%s\n",
             key, zero, pi, ubuntu, drop, ubuntu, other);
    fleet_write_file(fleet_path(w, "hosts.yml"), yml);
    fleet_write_file(fleet_path(w, "hosts.ini"), ini);
}

/* Scans w/NAME into w/OUT without -i. */
static void scan(const struct fleet_workdir *w, const char *name, const char *out,
                 struct fleet_run *r)
{
    char inv[600], dir[600];
    const char *args[] = {"scan", "-o", dir, "--known-hosts", fleet_var("KNOWN_HOSTS"),
                          "-q",   inv,  NULL};

    snprintf(inv, sizeof inv, "%s", fleet_path(w, name));
    snprintf(dir, sizeof dir, "%s", fleet_path(w, out));
    fleet_run(w, args, FLEET_GUARD_SECONDS, r);
}

/* Reads w/OUT/fleetscan.csv (the column of every row up to notes, joined) into a new string. */
static char *csv_without_times(const struct fleet_workdir *w, const char *out)
{
    char path[700];
    char *text, *res, *line, *save = NULL;
    size_t len;

    snprintf(path, sizeof path, "%s/%s/fleetscan.csv", w->path, out);
    text = fleet_read_file(path, &len);
    assert_non_null(text);
    res = calloc(1, len + 1);
    assert_non_null(res);
    /* scanned_at and duration_ms, the last two columns, differ from run to run; no other
     * column of these hosts holds a comma inside quotes, so cutting at the 19th comma works. */
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *p = line;
        for (int commas = 0; *p && commas < 19; p++) {
            commas += *p == ',';
        }
        strncat(res, line, (size_t)(p - line));
        strcat(res, "\n");
    }
    free(text);
    return res;
}

static void expect_host(const struct fleet_report *rep, const char *name, const char *status,
                        const char *os_id, int port)
{
    json_t *h = fleet_host(rep, name);
    json_t *p = json_object_get(h, "port");

    if (strcmp(fleet_str(h, "status"), status) != 0)
        fail_msg("%s: status '%s' (error '%s'), expected '%s'", name, fleet_str(h, "status"),
                 fleet_str(h, "error"), status);
    assert_string_equal(fleet_str(h, "address"), "127.0.0.1");
    assert_string_equal(fleet_str(h, "user"), "root");
    assert_true(json_is_integer(p));
    assert_int_equal(json_integer_value(p), port);
    if (os_id != NULL)
        assert_string_equal(fleet_str(h, "os_id"), os_id);
}

static void test_yaml_inventory_scan(void **state)
{
    struct fleet_case *c = *state;
    static const char *const order[] = {"pi-zero", "raspbian", "ubuntu", "yocto-dropbear",
                                        "ubuntu-refused"};
    int ubuntu = fleet_port("ubuntu-1804-amd64-moby");

    write_inventories(&c->work);
    scan(&c->work, "hosts.yml", "out", &c->run);
    /* ubuntu-refused is offered a key no server takes, so the scan ends with exit 1. */
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    /* raspbian is listed under pis and audit: one host, at its first place. */
    assert_int_equal(json_array_size(c->report.hosts), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(fleet_str(json_array_get(c->report.hosts, i), "name"), order[i]);
    expect_host(&c->report, "pi-zero", "ok", "raspbian", fleet_port("pi-zero-armv6"));
    expect_host(&c->report, "raspbian", "ok", "raspbian", fleet_port("raspbian-stretch-armv7"));
    expect_host(&c->report, "ubuntu", "ok", "ubuntu", ubuntu);
    expect_host(&c->report, "yocto-dropbear", "ok", "poky", atoi(fleet_var("DROPBEAR_PORT")));
    expect_host(&c->report, "ubuntu-refused", "auth_failed", NULL, ubuntu);
}

/* The same inventory written as INI gives the same report, host for host and column for
 * column (times aside). */
static void test_yaml_report_equals_ini(void **state)
{
    struct fleet_case *c = *state;
    int rows = 0;

    write_inventories(&c->work);
    scan(&c->work, "hosts.yml", "out-yaml", &c->run);
    fleet_expect_exit(&c->run, 1);
    scan(&c->work, "hosts.ini", "out-ini", &c->run);
    fleet_expect_exit(&c->run, 1);
    c->text[0] = csv_without_times(&c->work, "out-yaml");
    c->text[1] = csv_without_times(&c->work, "out-ini");
    /* Header plus five hosts: the comparison cannot pass on two empty reports. */
    for (const char *p = c->text[0]; *p; p++)
        rows += *p == '\n';
    assert_int_equal(rows, 6);
    assert_string_equal(c->text[0], c->text[1]);
}

/* A hosts: written as a list: exit 2, the message names hosts.yml:LINE:COLUMN, nothing is
 * scanned and no output directory appears. */
static void test_broken_yaml_inventory(void **state)
{
    struct fleet_case *c = *state;
    struct stat st;
    char text[256];

    snprintf(text, sizeof text, "all:\n  hosts:\n    - 127.0.0.1:%d\n",
             fleet_port("ubuntu-1804-amd64-moby"));
    fleet_write_file(fleet_path(&c->work, "hosts.yml"), text);
    scan(&c->work, "hosts.yml", "out", &c->run);
    fleet_expect_exit(&c->run, 2);
    if (strstr(c->run.err, "hosts.yml:3:5: ") == NULL || strstr(c->run.err, "are a list") == NULL)
        fail_msg("stderr should name hosts.yml:3:5 and the list:\n%s", c->run.err);
    assert_int_not_equal(stat(fleet_path(&c->work, "out"), &st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_yaml_inventory_scan, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_yaml_report_equals_ini, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_broken_yaml_inventory, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests_name("fleet_yaml", tests, NULL, NULL);
}
