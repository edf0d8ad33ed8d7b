/*
 * known_hosts under accept-new, as a user of OpenSSH expects it: new keys are appended once,
 * even by two runs racing on the same file or by hosts listed twice; the user's own lines are
 * never rewritten; a known host offering a key of another type (OTHER) is rejected with the
 * offered fingerprint under every policy but off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

/* Device kinds scanned by the race test (the slow and broken ones are left out). */
static const char *const kinds[] = {
    "raspbian-stretch-armv7", "ubuntu-1804-amd64-moby", "centos-75-amd64-dockerce",
    "pi-zero-armv6",          "yocto-poky-amd64",       "rhel-75-amd64",
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* An ECDSA key nobody serves: the fleet's servers only have ed25519 host keys. */
static const char ecdsa_entry[] =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBJnH8TAXW1oZDOuTXQ9Q/"
    "Bvd+jf6IZ4FQIA6K4m6L9GrWd23HhilJ5dqCQ3GginE4fIhh18EfTan95BQC6Y063M=";

/* How many lines of text start with prefix. */
static size_t lines_starting(const char *text, const char *prefix)
{
    size_t n = 0, len = strlen(prefix);

    for (const char *p = text; *p != '\0';) {
        if (strncmp(p, prefix, len) == 0)
            n++;
        p += strcspn(p, "\n");
        if (*p == '\n')
            p++;
    }
    return n;
}

static void scan_args(const char *out, const char *kh, const char *inventory, const char *policy,
                      const char **args)
{
    size_t n = 0;

    args[n++] = "scan";
    args[n++] = "-o";
    args[n++] = out;
    args[n++] = "--known-hosts";
    args[n++] = kh;
    args[n++] = "-i";
    args[n++] = fleet_var("KEY");
    args[n++] = "-q";
    args[n++] = "--host-key-check";
    args[n++] = policy;
    args[n++] = inventory;
    args[n] = NULL;
}

/*
 * The user's file ends without a newline and holds a comment and a marker line: after the scan
 * it starts with exactly those bytes (then the newline it lacked), is the same file (not
 * replaced by a rewritten copy), and has one entry more.
 */
static void test_append_only(void **state)
{
    struct fleet_case *c = *state;
    static const char mine[] =
        "# my hosts\n@revoked * ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIOZ8KSu1lBPZ2ZRVfXdyOxl/Tck4xbS5pVIhtnKRhqce"
        "\ngw.example ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIGYe0d3Gl6F5O9cMwqpPbXm3eYV2LJqGx8dXfiBJ2fLm";
    char kh[600], inv[128], prefix[64], out[600], inv_path[600];
    const char *args[20];
    struct stat before, after;
    int port = fleet_port("ubuntu-1804-amd64-moby");

    snprintf(kh, sizeof kh, "%s", fleet_path(&c->work, "known_hosts"));
    fleet_write_file(kh, mine);
    assert_int_equal(stat(kh, &before), 0);
    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=ubuntu\n", port);
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), inv);
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    snprintf(inv_path, sizeof inv_path, "%s", fleet_path(&c->work, "inventory.txt"));
    scan_args(out, kh, inv_path, "accept-new", args);
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0);

    assert_int_equal(stat(kh, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    c->text[0] = fleet_read_file(kh, NULL);
    assert_non_null(c->text[0]);
    assert_memory_equal(c->text[0], mine, sizeof mine - 1);
    assert_int_equal(c->text[0][sizeof mine - 1], '\n');
    snprintf(prefix, sizeof prefix, "[127.0.0.1]:%d ", port);
    assert_int_equal(lines_starting(c->text[0] + sizeof mine, prefix), 1);
    assert_int_equal(lines_starting(c->text[0], "gw.example "), 1);
}

/*
 * Two runs start at the same moment with one empty known_hosts, each inventory naming every
 * host twice: every key ends up in the file exactly once.
 */
static void test_two_runs_race(void **state)
{
    struct fleet_case *c = *state;
    char kh[600], inv_path[600], inv[2048], out[2][600], prefix[64];
    size_t len = 0;
    pid_t child[2];

    snprintf(kh, sizeof kh, "%s", fleet_path(&c->work, "known_hosts"));
    fleet_write_file(kh, "");
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < NKINDS; i++)
            len += (size_t)snprintf(inv + len, sizeof inv - len, "root@127.0.0.1:%d name=%s-%d\n",
                                    fleet_port(kinds[i]), kinds[i], round);
    len += (size_t)snprintf(inv + len, sizeof inv - len, "root@127.0.0.1:%s name=dropbear\n",
                            fleet_var("DROPBEAR_PORT"));
    snprintf(inv_path, sizeof inv_path, "%s", fleet_path(&c->work, "inventory.txt"));
    fleet_write_file(inv_path, inv);
    for (int k = 0; k < 2; k++) {
        char name[16];
        snprintf(name, sizeof name, "out%d", k);
        snprintf(out[k], sizeof out[k], "%s", fleet_path(&c->work, name));
    }
    for (int k = 0; k < 2; k++) {
        child[k] = fork();
        assert_true(child[k] >= 0);
        if (child[k] == 0) {
            struct fleet_workdir w;
            struct fleet_run r = {0};
            const char *args[20];
            fleet_workdir_new(&w);
            scan_args(out[k], kh, inv_path, "accept-new", args);
            fleet_run(&w, args, FLEET_GUARD_SECONDS, &r);
            fleet_workdir_free(&w);
            _exit(r.status < 0 ? 99 : r.status);
        }
    }
    for (int k = 0; k < 2; k++) {
        int wstatus;
        assert_int_equal(waitpid(child[k], &wstatus, 0), child[k]);
        assert_true(WIFEXITED(wstatus));
        assert_int_equal(WEXITSTATUS(wstatus), 0);
    }
    c->text[0] = fleet_read_file(kh, NULL);
    assert_non_null(c->text[0]);
    for (size_t i = 0; i < NKINDS; i++) {
        snprintf(prefix, sizeof prefix, "[127.0.0.1]:%d ", fleet_port(kinds[i]));
        if (lines_starting(c->text[0], prefix) != 1)
            fail_msg("%s: %zu entries for %s in:\n%s", kinds[i], lines_starting(c->text[0], prefix),
                     prefix, c->text[0]);
    }
    snprintf(prefix, sizeof prefix, "[127.0.0.1]:%s ", fleet_var("DROPBEAR_PORT"));
    assert_int_equal(lines_starting(c->text[0], prefix), 1);
    assert_int_equal(lines_starting(c->text[0], "["), NKINDS + 1);
}

/* known_hosts has only an ECDSA key for the host, which offers ed25519. */
static void check_other_type(struct fleet_case *c, const char *policy, const char *want_status)
{
    char kh[600], line[512], inv[128], out[600], inv_path[600];
    const char *args[20];
    int port = fleet_port("ubuntu-1804-amd64-moby");
    json_t *host;

    snprintf(kh, sizeof kh, "%s", fleet_path(&c->work, "known_hosts"));
    snprintf(line, sizeof line, "[127.0.0.1]:%d %s\n", port, ecdsa_entry);
    fleet_write_file(kh, line);
    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=ubuntu\n", port);
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), inv);
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    snprintf(inv_path, sizeof inv_path, "%s", fleet_path(&c->work, "inventory.txt"));
    scan_args(out, kh, inv_path, policy, args);
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, strcmp(want_status, "ok") == 0 ? 0 : 1);
    fleet_report_load(&c->work, &c->report);
    host = fleet_host(&c->report, "ubuntu");
    assert_string_equal(fleet_str(host, "status"), want_status);
    c->text[0] = fleet_read_file(kh, NULL);
    assert_string_equal(c->text[0], line); /* never changed, whatever the policy */
    if (strcmp(want_status, "ok") == 0)
        return;
    if (strstr(fleet_str(host, "error"), "SHA256:") == NULL ||
        strstr(fleet_str(host, "error"), "another type") == NULL)
        fail_msg("error does not show the offered key and the reason: %s",
                 fleet_str(host, "error"));
    /* No command ran: there are no probe facts. */
    assert_string_equal(fleet_str(host, "os_id"), "");
}

static void test_other_type_accept_new(void **state)
{
    check_other_type(*state, "accept-new", "hostkey_rejected");
}

static void test_other_type_strict(void **state)
{
    check_other_type(*state, "strict", "hostkey_rejected");
}

static void test_other_type_off(void **state)
{
    check_other_type(*state, "off", "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_only, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_two_runs_race, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_other_type_accept_new, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_other_type_strict, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_other_type_off, fleet_case_setup, fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
