/*
 * Ansible host ranges: what each pattern expands to, in order, and the errors for bad ones.
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

struct range_case {
    const char *pattern;  /* one host line under [g] */
    const char *expected; /* the target names, comma separated */
};

static const struct range_case good[] = {
    {"edge[01:03].example", "edge01.example,edge02.example,edge03.example"},
    {"n[8:11]", "n8,n9,n10,n11"},
    {"n[08:11]", "n08,n09,n10,n11"},
    {"n[001:003]", "n001,n002,n003"},
    {"[a:c]-node", "a-node,b-node,c-node"},
    {"w[0:20:5]", "w0,w5,w10,w15,w20"},
    {"w[1:10:4]", "w1,w5,w9"},
    {"r[1:2]-[a:b]", "r1-a,r1-b,r2-a,r2-b"},
    {"x[:2]", "x0,x1,x2"},
    {"v[y:B]", "vy,vz,vA,vB"},
    {"l[a:e:2]", "la,lc,le"},
    {"[01:02].example", "01.example,02.example"},
    {"one[5:5]", "one5"},
    {"plain", "plain"},
};

static void expect_names(const char *pattern, const char *expected)
{
    char text[256], names[1024] = "";
    struct fs_inventory *inv = NULL;
    struct fs_inventory_error err;
    size_t used = 0;

    snprintf(text, sizeof(text), "[g]\n%s\n", pattern);
    if (fs_inventory_parse("hosts.ini", text, strlen(text), &inv, &err) != 0) {
        fail_msg("%s: unexpected error %s", pattern, err.text);
    }
    for (size_t i = 0; i < inv->n_targets; i++) {
        used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? "," : "",
                                 inv->targets[i].name);
        assert_string_equal(inv->targets[i].address, inv->targets[i].name);
        assert_int_equal(inv->targets[i].line, 2);
    }
    assert_string_equal(names, expected);
    fs_inventory_free(inv);
}

static void test_expansions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        expect_names(good[i].pattern, good[i].expected);
    }
}

/* The port and the variables of the line apply to every host of the range. */
static void test_range_with_port_and_vars(void **state)
{
    const char *text = "[g]\nh[1:2]:2222 ansible_user=ops\n";
    const char *const expected[] = {"h1|h1|2222|ops||g|2", "h2|h2|2222|ops||g|2", NULL};

    (void)state;
    inv_test_expect_targets("hosts.ini", text, strlen(text), "ansible-ini", expected);
}

/* A range that repeats a host of an earlier line adds no second target. */
static void test_range_overlap(void **state)
{
    const char *text = "[a]\nh2\n[b]\nh[1:3]\n";
    const char *const expected[] = {"h2|h2|0|-||a,b|2", "h1|h1|0|-||b|4", "h3|h3|0|-||b|4", NULL};

    (void)state;
    inv_test_expect_targets("hosts.ini", text, strlen(text), "ansible-ini", expected);
}

struct bad_case {
    const char *pattern;
    const char *phrase;
};

static const struct bad_case bad[] = {
    {"edge[9:1]", "range [9:1] counts down"},
    {"edge[c:a]", "range [c:a] counts down"},
    {"edge[01:x]", "range [01:x] needs two numbers"},
    {"edge[ab:cd]", "needs two numbers"},
    {"edge[01:100]", "range [01:100] pads its start to 2 digits but not its end"},
    {"edge[1:5:0]", "range [1:5:0] has a bad step"},
    {"edge[1:5:x]", "has a bad step"},
    {"edge[1-5]", "range [1-5] is not valid"},
    {"edge[1:2:3:4]", "is not valid"},
    {"edge[1:]", "range [1:] has no end"},
    {"edge[1:9999999999]", "up to 9 digits"},
    {"edge[01:20.example", "unterminated '[' in 'edge[01:20.example'"},
    {"edge[1:[2:3]]", "unterminated '['"},
    {"edge]1", "unexpected ']'"},
    {"h[0:999999][0:9]", "expands to more hosts than the limit of 1000000"},
    {"h[0:999999999]", "expands to more hosts than the limit"},
};

static void test_errors(void **state)
{
    char text[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "# ranges\n[g]\n%s\n", bad[i].pattern);
        inv_test_expect_error("hosts.ini", text, strlen(text), 3, bad[i].phrase);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expansions),
        cmocka_unit_test(test_range_with_port_and_vars),
        cmocka_unit_test(test_range_overlap),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
