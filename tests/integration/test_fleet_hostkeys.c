/*
 * Host keys against known_hosts: a changed key is never accepted (whatever the policy) and the
 * file is left alone; accept-new records an unknown key once; strict refuses an unknown key.
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

/* The base64 blob of a public key file ("ssh-ed25519 AAAA... comment"), in a static buffer. */
static const char *key_blob(const char *pub_path)
{
    static char blob[512];
    char *text = fleet_read_file(pub_path, NULL);
    const char *sp;
    size_t n;

    assert_non_null(text);
    sp = strchr(text, ' ');
    assert_non_null(sp);
    n = strcspn(sp + 1, " \r\n");
    assert_true(n > 0 && n < sizeof blob);
    memcpy(blob, sp + 1, n);
    blob[n] = '\0';
    free(text);
    return blob;
}

/* Lines of text that are neither empty nor comments. */
static size_t entries(const char *text)
{
    size_t n = 0;

    for (const char *p = text; *p != '\0';) {
        size_t len = strcspn(p, "\n");
        if (len > 0 && p[0] != '#')
            n++;
        p += len;
        if (*p == '\n')
            p++;
    }
    return n;
}

/* Scans one host with the given known_hosts and policy (NULL: the default). */
static void scan_one(struct fleet_case *c, int port, const char *known_hosts, const char *policy)
{
    const char *extra[] = {"--host-key-check", policy, NULL};
    char inv[128];

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=target\n", port);
    fleet_scan(&c->work, inv, known_hosts, fleet_var("KEY"), policy != NULL ? extra : NULL,
               &c->run);
    fleet_report_load(&c->work, &c->report);
    assert_int_equal(json_array_size(c->report.hosts), 1);
}

/* The known_hosts file of this test, in its scratch directory (static buffer). */
static const char *test_known_hosts(const struct fleet_case *c)
{
    static char path[600];

    snprintf(path, sizeof path, "%s", fleet_path(&c->work, "known_hosts"));
    return path;
}

/*
 * The server on CHANGED_PORT shows a key other than the one known_hosts.changed lists for it:
 * hostkey_rejected with the fingerprint it showed, and known_hosts not touched.
 */
static void check_changed_key(void **state)
{
    struct fleet_case *c = *state;
    const char *policy = c->param;
    const char *kh = test_known_hosts(c);
    json_t *host;

    fleet_copy_file(fleet_var("KNOWN_HOSTS_CHANGED"), kh);
    c->text[0] = fleet_read_file(kh, NULL);
    scan_one(c, atoi(fleet_var("CHANGED_PORT")), kh, policy);
    fleet_expect_exit(&c->run, 1);
    host = json_array_get(c->report.hosts, 0);
    if (strcmp(fleet_str(host, "status"), "hostkey_rejected") != 0)
        fail_msg("policy %s: status '%s' (error '%s'), expected hostkey_rejected",
                 policy ? policy : "default", fleet_str(host, "status"), fleet_str(host, "error"));
    if (strstr(fleet_str(host, "error"), "SHA256:") == NULL)
        fail_msg("the error should show the key's SHA256 fingerprint: '%s'",
                 fleet_str(host, "error"));
    c->text[1] = fleet_read_file(kh, NULL);
    assert_non_null(c->text[1]);
    assert_string_equal(c->text[1], c->text[0]);
}

/*
 * accept-new with an empty known_hosts: the scan succeeds and records the key once; a second
 * scan finds it there and adds nothing.
 */
static void test_accept_new_records_once(void **state)
{
    struct fleet_case *c = *state;
    const char *kh = test_known_hosts(c);
    char host_pattern[64];
    int port = fleet_port("ubuntu-1804-amd64-moby");

    fleet_write_file(kh, "");
    scan_one(c, port, kh, "accept-new");
    fleet_expect_exit(&c->run, 0);
    assert_string_equal(fleet_str(json_array_get(c->report.hosts, 0), "status"), "ok");
    c->text[0] = fleet_read_file(kh, NULL);
    assert_non_null(c->text[0]);
    assert_int_equal(entries(c->text[0]), 1);
    assert_non_null(strstr(c->text[0], key_blob(fleet_var("HOST_KEY_PUB"))));
    /* Written the way OpenSSH writes it for a port other than 22, unless hashed. */
    snprintf(host_pattern, sizeof host_pattern, "[127.0.0.1]:%d ", port);
    assert_true(strncmp(c->text[0], host_pattern, strlen(host_pattern)) == 0 ||
                strncmp(c->text[0], "|1|", 3) == 0);

    scan_one(c, port, kh, NULL);
    fleet_expect_exit(&c->run, 0);
    assert_string_equal(fleet_str(json_array_get(c->report.hosts, 0), "status"), "ok");
    c->text[1] = fleet_read_file(kh, NULL);
    assert_string_equal(c->text[1], c->text[0]);
}

/* Two inventory lines for the same server: its key is recorded once, not twice. */
static void test_accept_new_same_host_twice(void **state)
{
    struct fleet_case *c = *state;
    const char *kh = test_known_hosts(c);
    char inv[256];
    int port = fleet_port("centos-75-amd64-dockerce");

    fleet_write_file(kh, "");
    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=first\n127.0.0.1:%d user=root name=second\n",
             port, port);
    fleet_scan(&c->work, inv, kh, fleet_var("KEY"), NULL, &c->run);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    assert_int_equal(json_array_size(c->report.hosts), 2);
    c->text[0] = fleet_read_file(kh, NULL);
    assert_int_equal(entries(c->text[0]), 1);
}

/* strict with an empty known_hosts: the unknown key is refused and nothing is written. */
static void test_strict_refuses_unknown_key(void **state)
{
    struct fleet_case *c = *state;
    const char *kh = test_known_hosts(c);
    size_t len;

    fleet_write_file(kh, "");
    scan_one(c, fleet_port("ubuntu-1804-amd64-moby"), kh, "strict");
    fleet_expect_exit(&c->run, 1);
    assert_string_equal(fleet_str(json_array_get(c->report.hosts, 0), "status"),
                        "hostkey_rejected");
    c->text[0] = fleet_read_file(kh, &len);
    assert_int_equal(len, 0);
}

/* strict with the right keys known: the scan goes through, dropbear's key included. */
static void test_strict_accepts_known_key(void **state)
{
    struct fleet_case *c = *state;
    const char *extra[] = {"--host-key-check", "strict", NULL};
    char inv[256];

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=sshd\nroot@127.0.0.1:%s name=dropbear\n",
             fleet_port("raspbian-stretch-armv7"), fleet_var("DROPBEAR_PORT"));
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &c->run);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    assert_string_equal(fleet_str(fleet_host(&c->report, "sshd"), "status"), "ok");
    assert_string_equal(fleet_str(fleet_host(&c->report, "dropbear"), "status"), "ok");
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, fleet_case_setup, fleet_case_teardown)
#define CHANGED(name, policy)                                                                      \
    {                                                                                              \
        name, check_changed_key, fleet_case_setup, fleet_case_teardown, (void *)policy             \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        CHANGED("changed key, default policy", NULL),
        CHANGED("changed key, accept-new", "accept-new"),
        CHANGED("changed key, strict", "strict"),
        CASE(test_accept_new_records_once),
        CASE(test_accept_new_same_host_twice),
        CASE(test_strict_refuses_unknown_key),
        CASE(test_strict_accepts_known_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
