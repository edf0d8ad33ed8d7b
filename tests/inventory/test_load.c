/*
 * fs_inventory_load on real files (tests/inventory/fixtures and the bundled samples), file
 * errors, and the speed of large inventories.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inv_test_util.h"

/* Loads path, which must succeed in the given format with exactly the expected targets. */
static void expect_file(const char *path, const char *format, const char *const *expected)
{
    struct fs_inventory *inv = NULL;
    struct fs_inventory_error err;

    if (fs_inventory_load(path, &inv, &err) != 0) {
        fail_msg("%s: unexpected error %s", path, err.text);
    }
    assert_string_equal(inv->path, path);
    assert_string_equal(inv->format, format);
    inv_test_assert_targets(inv, expected);
    fs_inventory_free(inv);
}

/* Loads path, which must fail with a message naming it and the line. */
static void expect_file_error(const char *path, int line, const char *phrase)
{
    struct fs_inventory *inv = (struct fs_inventory *)&inv;
    struct fs_inventory_error err;

    assert_int_equal(fs_inventory_load(path, &inv, &err), -1);
    assert_null(inv);
    inv_test_assert_message(err.text, path, line, phrase);
}

static void test_fixture_plain(void **state)
{
    const char *const expected[] = {
        "gw|10.1.0.1|0|admin||gateway|2",
        "10.1.0.2:2222|10.1.0.2|2222|edge|" TEST_HOME "/.ssh/edge|-|3",
        "v6|2001:db8::5|22|-||-|5",
        NULL,
    };

    (void)state;
    expect_file("fixtures/hosts.txt", "plain", expected);
}

static void test_fixture_ansible(void **state)
{
    const char *const expected[] = {
        "gw|10.1.0.1|0|admin||gateways,site|2",
        "edge1|edge1|2222|edge||edge,site|5",
        "edge2|edge2|2222|edge||edge,site|5",
        "edge3|edge3|2222|edge||edge,site|5",
        NULL,
    };

    (void)state;
    expect_file("fixtures/hosts.ini", "ansible-ini", expected);
}

static void test_fixture_crlf_bom(void **state)
{
    const char *const expected[] = {"10.2.0.1|10.2.0.1|0|admin||-|2", "two|10.2.0.2|0|-||-|3",
                                    NULL};

    (void)state;
    expect_file("fixtures/crlf_bom.txt", "plain", expected);
}

static void test_file_errors(void **state)
{
    (void)state;
    expect_file_error("fixtures/no-such-file.txt", 0, "cannot read: No such file or directory");
    expect_file_error("fixtures", 0, "cannot read: Is a directory");
    expect_file_error("fixtures/binary.bin", 1, "NUL byte at column 8");
    expect_file_error("fixtures/bad_port.ini", 3, "ansible_port 70000 is out of range");
    expect_file_error("fixtures/dup_names.txt", 4, "host name 'b' is already used on line 2");
}

/* The examples shipped in samples/ must stay valid. */
static void test_samples(void **state)
{
    static const struct {
        const char *path;
        const char *format;
        size_t n;
    } samples[] = {
        {"../../samples/inventory/hosts.txt", "plain", 7},
        {"../../samples/inventory/hosts.ini", "ansible-ini", 21},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        struct fs_inventory *inv = NULL;
        struct fs_inventory_error err;
        if (fs_inventory_load(samples[i].path, &inv, &err) != 0) {
            fail_msg("%s", err.text);
        }
        assert_string_equal(inv->format, samples[i].format);
        assert_int_equal(inv->n_targets, samples[i].n);
        fs_inventory_free(inv);
    }
}

static void test_free_null(void **state)
{
    (void)state;
    fs_inventory_free(NULL);
}

/* Builds an inventory of n host lines; ansible adds group sections and variables. */
static char *big_inventory(size_t n, int ansible, size_t *len)
{
    size_t cap = n * 96 + 4096, used = 0;
    char *text = malloc(cap);

    assert_non_null(text);
    for (size_t i = 0; i < n; i++) {
        if (ansible && i % 1000 == 0) {
            used += (size_t)snprintf(text + used, cap - used,
                                     "[g%zu]\n[g%zu:vars]\nansible_port=22\n[g%zu]\n", i / 1000,
                                     i / 1000, i / 1000);
        }
        if (ansible) {
            used += (size_t)snprintf(text + used, cap - used,
                                     "host%06zu ansible_host=10.%zu.%zu.%zu ansible_user=u\n", i,
                                     i >> 16, (i >> 8) & 255, i & 255);
        } else {
            used += (size_t)snprintf(text + used, cap - used,
                                     "admin@10.%zu.%zu.%zu:22 name=host%06zu tags=a,b\n", i >> 16,
                                     (i >> 8) & 255, i & 255, i);
        }
    }
    *len = used;
    return text;
}

/* 100,000 hosts, plain and Ansible INI, load completely and in order. (How fast is a
 * benchmark's question, not a unit test's.) */
static void test_large_inventories(void **state)
{
    (void)state;
    for (int ansible = 0; ansible <= 1; ansible++) {
        size_t len;
        char *text = big_inventory(100000, ansible, &len);
        struct fs_inventory *inv = NULL;
        struct fs_inventory_error err;
        int rc = fs_inventory_parse("big", text, len, &inv, &err);

        if (rc != 0) {
            fail_msg("%s", err.text);
        }
        assert_int_equal(inv->n_targets, 100000);
        assert_string_equal(inv->targets[0].name, "host000000");
        assert_string_equal(inv->targets[54321].name, "host054321");
        assert_string_equal(inv->targets[99999].name, "host099999");
        fs_inventory_free(inv);
        free(text);
    }
}

/* A duplicate at the end of a large plain list is found with both line numbers. */
static void test_large_duplicate(void **state)
{
    size_t len;
    char *text = big_inventory(100000, 0, &len);
    const char *dup = "10.9.9.9 name=host000007\n";

    (void)state;
    text = realloc(text, len + strlen(dup) + 1);
    assert_non_null(text);
    memcpy(text + len, dup, strlen(dup) + 1);
    inv_test_expect_error("big", text, strlen(text), 100001,
                          "host name 'host000007' is already used on line 8");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_plain),     cmocka_unit_test(test_fixture_ansible),
        cmocka_unit_test(test_fixture_crlf_bom),  cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_samples),           cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_large_inventories), cmocka_unit_test(test_large_duplicate),
    };
    return cmocka_run_group_tests(tests, inv_test_set_home, NULL);
}
