/*
 * Format detection: which reader a file goes to, decided from its name (.yml, .yaml) or else
 * from its content.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "inv_test_util.h"

struct detect_case {
    const char *why;
    const char *text;
    const char *format;
};

static const struct detect_case cases[] = {
    {"a host per line", "h1\nh2:22\n", "plain"},
    {"a section header", "[web]\nh\n", "ansible-ini"},
    {"a header after hosts", "h\n[web]\ng\n", "ansible-ini"},
    {"a header with a comment and blanks", "h\n  [web]   # the web group\ng\n", "ansible-ini"},
    {"a :vars header", "h\n[all:vars]\nansible_user=x\n", "ansible-ini"},
    {"an ansible_ variable, no header", "h ansible_host=10.0.0.1\n", "ansible-ini"},
    {"an ansible_ variable after a tab", "h\tansible_port=22\n", "ansible-ini"},
    {"IPv6 in brackets is a host, not a header", "[::1]:22\n[fe80::1]\n[fe80::2%eth0]\n", "plain"},
    {"a commented header", "# [web]\nh\n", "plain"},
    {"a commented ansible_ variable", "h tags=x  # ansible_port=1\n", "plain"},
    {"ansible_ inside a value", "h name=ansible_x tags=ansible_port=1\n", "plain"},
    {"ansible_ without '='", "ansible_box\n", "plain"},
    {"a YAML mapping key", "all:\n  hosts:\n    h:\n", "ansible-yaml"},
    {"a YAML key after comments", "# fleet\n\nweb:   # the web group\n  hosts: h\n",
     "ansible-yaml"},
    {"a YAML document marker", "---\nall:\n  hosts: h\n", "ansible-yaml"},
    {"a YAML directive", "%YAML 1.1\n---\nall:\n  hosts: h\n", "ansible-yaml"},
    {"a YAML flow mapping", "{all: {hosts: h}}\n", "ansible-yaml"},
    {"host:port is not a YAML key", "h1:2222\nh2\n", "plain"},
    {"an IPv6 address ending in '::' is not a YAML key", "fe80::\n", "plain"},
    {"a key after a first host line does not count", "h1\nall:2\n", "plain"},
};

/* The name decides first: .yml and .yaml (any case) are YAML whatever the file holds. */
static const struct {
    const char *path;
    const char *text;
    const char *format;
} named[] = {
    {"hosts.yml", "  all:\n    hosts: h1\n", "ansible-yaml"},
    {"site/Hosts.YAML", "  all:\n    hosts: h1\n", "ansible-yaml"},
    {"inv.yml/hosts", "h1\n", "plain"},
    {"hosts.ini", "[web]\nh\n", "ansible-ini"},
};

static void test_detection_by_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        struct fs_inventory *inv = NULL;
        struct fs_inventory_error err;

        if (fs_inventory_parse(named[i].path, named[i].text, strlen(named[i].text), &inv, &err) !=
            0) {
            fail_msg("%s: unexpected error %s", named[i].path, err.text);
        }
        assert_string_equal(inv->format, named[i].format);
        fs_inventory_free(inv);
    }
}

static void test_detection(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fs_inventory *inv = NULL;
        struct fs_inventory_error err;
        const char *text = cases[i].text;

        print_message("case: %s\n", cases[i].why);
        if (fs_inventory_parse("inv", text, strlen(text), &inv, &err) != 0) {
            fail_msg("%s: unexpected error %s", cases[i].why, err.text);
        }
        assert_string_equal(inv->format, cases[i].format);
        fs_inventory_free(inv);
    }
}

/* The same host line means different things in each format: a plain list takes user@ and
 * key=value, an Ansible file refuses both. */
static void test_format_changes_meaning(void **state)
{
    const char *plain = "admin@h name=x\n";
    const char *ini = "[g]\nadmin@h\n";
    const char *const expected[] = {"x|h|0|admin||-|1", NULL};

    (void)state;
    inv_test_expect_targets("inv", plain, strlen(plain), "plain", expected);
    inv_test_expect_error("inv", ini, strlen(ini), 2, "has no user part");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detection),
        cmocka_unit_test(test_detection_by_name),
        cmocka_unit_test(test_format_changes_meaning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
