/*
 * Ansible YAML inventories: each fixture gives the same targets as its INI twin next to it,
 * YAML's own forms (null hosts, single names, anchors and merge keys) mean what Ansible makes of
 * them, and every input error names file, line and column with what to do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "inv_test_util.h"

/* Describes a target without its line: the two files of a pair number their lines apart. */
static const char *describe_unplaced(const struct fs_target *t, char *buf, size_t size)
{
    char *bar;

    snprintf(buf, size, "%s", inv_test_describe(t));
    bar = strrchr(buf, '|');
    if (bar != NULL) {
        *bar = '\0';
    }
    return buf;
}

static struct fs_inventory *load(const char *path, const char *format)
{
    struct fs_inventory *inv = NULL;
    struct fs_inventory_error err;

    if (fs_inventory_load(path, &inv, &err) != 0) {
        fail_msg("%s: unexpected error %s", path, err.text);
    }
    assert_string_equal(inv->format, format);
    return inv;
}

/* Loads BASE.yml and BASE.ini and asserts they name the same hosts, in the same order, with
 * the same address, port, user, keys and tags; returns how many. */
static size_t expect_same_as_ini(const char *base)
{
    char yml[256], ini[256], a[4096], b[4096];
    struct fs_inventory *y, *i;
    size_t n;

    snprintf(yml, sizeof(yml), "%s.yml", base);
    snprintf(ini, sizeof(ini), "%s.ini", base);
    y = load(yml, "ansible-yaml");
    i = load(ini, "ansible-ini");
    for (size_t k = 0; k < y->n_targets && k < i->n_targets; k++) {
        describe_unplaced(&y->targets[k], a, sizeof(a));
        describe_unplaced(&i->targets[k], b, sizeof(b));
        if (strcmp(a, b) != 0) {
            fail_msg("%s: target %zu differs:\n  yaml %s\n  ini  %s", base, k + 1, a, b);
        }
        assert_true(y->targets[k].line > 0);
    }
    assert_int_equal(y->n_targets, i->n_targets);
    n = y->n_targets;
    fs_inventory_free(y);
    fs_inventory_free(i);
    return n;
}

static void test_same_targets_as_ini(void **state)
{
    /* Each pair and the number of hosts it names, so an empty pair cannot pass. */
    static const struct {
        const char *base;
        size_t n;
    } pairs[] = {
        {"fixtures/yaml/basic", 3},
        {"fixtures/yaml/factory", 20},
        {"fixtures/yaml/precedence", 5},
        {"fixtures/yaml/several_groups", 3},
        {"fixtures/yaml/ranges", 22},
        {"fixtures/yaml/anchors", 4},
        {"../../samples/inventory/hosts", 21},
    };

    (void)state;
    for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
        print_message("pair: %s\n", pairs[k].base);
        assert_int_equal(expect_same_as_ini(pairs[k].base), pairs[k].n);
    }
}

/* The precedence fixture resolved by hand, so that YAML and INI cannot agree on a mistake. */
static void test_precedence_values(void **state)
{
    const char *const expected[] = {
        "h1|h1|1002|c||child,parent|12", "h2|h2|1002|h||child,parent|13",
        "o1|o1|1001|a||other|22",        "x|x|1001|B||a,b|25",
        "y|y|1001|P1||p1,p2|35",         NULL,
    };
    struct fs_inventory *inv = load("fixtures/yaml/precedence.yml", "ansible-yaml");

    (void)state;
    inv_test_assert_targets(inv, expected);
    fs_inventory_free(inv);
}

struct good_case {
    const char *what;
    const char *text;
    const char *targets[INV_TEST_MAX_TARGETS];
};

/* Targets are "name|address|port|user|identities|tags|line". */
static const struct good_case good[] = {
    {"hosts with no value, ungrouped under all",
     "all:\n  hosts:\n    a:\n    b: ~\n    c: {}\n",
     {"a|a|0|-||-|3", "b|b|0|-||-|4", "c|c|0|-||-|5"}},
    {"a single name instead of a mapping, as Ansible allows",
     "all:\n  children:\n    web:\n      hosts: w1\n    prod:\n      children: web\n",
     {"w1|w1|0|-||prod,web|4"}},
    {"a top-level group other than all", "web:\n  hosts:\n    w1:\n", {"w1|w1|0|-||web|3"}},
    {"an empty top-level group is fine", "spare:\nweb:\n  hosts:\n    w1:\n", {"w1|w1|0|-||web|4"}},
    {"ungrouped as a child of all",
     "all:\n  children:\n    ungrouped:\n      hosts:\n        u:\n",
     {"u|u|0|-||-|5"}},
    {"a group defined after it is named as a child",
     "all:\n  children:\n    prod:\n      children:\n        web:\n    web:\n      hosts:\n"
     "        w:\n",
     {"w|w|0|-||prod,web|8"}},
    {"an empty group written {} on purpose",
     "all:\n  hosts:\n    h:\n  children:\n    prod:\n      children:\n        later: {}\n",
     {"h|h|0|-||-|3"}},
    {"document marker, comments and quoted values",
     "%YAML 1.1\n---\n# fleet\nall:\n  hosts:\n    'h1':\n      ansible_user: \"o ps\"\n"
     "      ansible_port: '2222'\n...\n",
     {"h1|h1|2222|o ps||-|6"}},
    {"flow style",
     "{all: {hosts: {a: {ansible_port: 22}, b: null}}}\n",
     {"a|a|22|-||-|1", "b|b|0|-||-|1"}},
    {"other variables are ignored, lists, mappings and !vault included",
     "all:\n  vars:\n    ntp: [a, b]\n    become: {x: 1}\n    ansible_become_password: !vault |\n"
     "      $ANSIBLE_VAULT;1.1;AES256\n      6162\n  hosts:\n    h:\n      http_port: 80\n",
     {"h|h|0|-||-|9"}},
    {"a variable written twice: the last wins, as in Ansible",
     "all:\n  hosts:\n    h:\n      ansible_port: 1\n      ansible_port: 2\n",
     {"h|h|2|-||-|3"}},
    {"standard tags and !unsafe keep the text",
     "all:\n  hosts:\n    h:\n      ansible_port: !!int 2200\n      ansible_user: !unsafe "
     "'{{x}}'\n",
     {"h|h|2200|{{x}}||-|3"}},
    {"host:port in the key; ansible_port beneath it wins, as in Ansible",
     "all:\n  hosts:\n    a:2200:\n    b:2200:\n      ansible_port: 22\n",
     {"a|a|2200|-||-|3", "b|b|22|-||-|4"}},
    {"CR LF line ends and a byte order mark",
     "\xEF\xBB\xBF"
     "all:\r\n  hosts:\r\n    h:\r\n",
     {"h|h|0|-||-|3"}},
};

static void test_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        print_message("case: %s\n", good[i].what);
        inv_test_expect_targets("hosts.yml", good[i].text, strlen(good[i].text), "ansible-yaml",
                                good[i].targets);
    }
}

struct bad_case {
    const char *text;
    int line, column; /* column 0: the message names the file (and line) only */
    const char *phrase;
};

static const struct bad_case bad[] = {
    /* YAML itself */
    {"all:\n  hosts:\n    a: b: c\n", 3, 9, "YAML syntax error: mapping values are not allowed"},
    {"all:\n\thosts:\n", 2, 1, "indent with spaces"},
    {"all:\n  hosts:\n    h:\n      ansible_user: *nope\n", 4, 21, "undefined alias"},
    {"all:\n  hosts:\n    h:\n---\nall:\n", 4, 1, "a second YAML document starts here"},
    {"all:\n  hosts: [\n", 3, 1, "YAML syntax error"},
    /* structure */
    {"all:\n  hosts:\n    - web1\n    - web2\n", 3, 5,
     "the hosts of group 'all' are a list; write each host as a mapping key"},
    {"all:\n  children:\n    - web\n", 3, 5, "the children of group 'all' are a list"},
    {"- a\n- b\n", 1, 1, "the inventory is a YAML list, not a mapping of groups"},
    {"hosts:\n  web1:\n", 1, 1, "'hosts:' at the top level; the top level holds groups"},
    {"all:\n  host:\n    web1:\n", 2, 3,
     "unknown key 'host' in group 'all'; did you mean 'hosts'?"},
    {"all:\n  hosts:\n    h:\n  colour: red\n", 4, 3, "unknown key 'colour' in group 'all'"},
    {"all:\n  children:\n    web: [a]\n", 3, 10, "group 'web' holds a list"},
    {"all:\n  hosts:\n    web1: [a]\n", 3, 11, "the variables of host 'web1' are a list"},
    {"all:\n  hosts:\n    web1: x\n", 3, 11, "the variables of host 'web1' are a single value"},
    {"all:\n  vars: x\n  hosts:\n    h:\n", 2, 9,
     "the variables of group 'all' are a single value"},
    {"all:\n  hosts:\n    web1 ansible_host=1.2.3.4:\n", 3, 5, "contains a space"},
    {"all:\n  hosts:\n    ? [a]\n", 3, 7, "a list is used as a host name"},
    {"all:\n  hosts:\n    h:\n  children:\n    all:\n", 5, 5, "'all' cannot be a child group"},
    {"all:\n  children:\n    'we b':\n", 3, 5, "'we b' is not a valid group name"},
    {"all:\n  hosts:\n    a:\n    b:\n    a:\n      ansible_port: 22\n", 5, 5,
     "'a' is written twice in this mapping (first on line 3); YAML keeps only the last one"},
    {"all:\n  hosts:\n    a:\n  hosts:\n    b:\n", 4, 3, "'hosts' is written twice"},
    {"all:\n  children:\n    web: {hosts: a}\n    web: {hosts: b}\n", 4, 5,
     "'web' is written twice"},
    {"all:\n  hosts: a\nall:\n  hosts: b\n", 3, 1, "'all' is written twice"},
    /* groups */
    {"all:\n  hosts:\n    h:\n  children:\n    prod:\n      children:\n        wbe:\n    web:\n"
     "      hosts:\n        w:\n",
     7, 9,
     "children of 'prod' names group 'wbe', which is defined nowhere in the file; did you "
     "mean 'web'?"},
    {"all:\n  hosts:\n    h:\n  children:\n    prod:\n      children:\n        staging:\n", 7, 9,
     "write 'staging: {}' for a group that is empty on purpose"},
    {"all:\n  children:\n    a:\n      children:\n        b:\n          hosts:\n            h:\n"
     "          children:\n            a:\n",
     9, 13, "group 'a' contains itself through children (a -> b -> a)"},
    {"x: &a\n  children:\n    y: *a\n", 3, 5, "groups nest more than 64 deep"},
    /* values, as the INI reader checks them */
    {"all:\n  hosts:\n    h:\n      ansible_port: 70000\n", 4, 21,
     "ansible_port 70000 is out of range; use a port from 1 to 65535"},
    {"all:\n  hosts:\n    h:\n      ansible_port: ssh\n", 4, 21,
     "ansible_port 'ssh' is not a number"},
    {"all:\n  hosts:\n    h:\n      ansible_port: 022\n", 4, 21, "leading zero"},
    {"all:\n  hosts:\n    h:2200x:\n", 3, 5, "port '2200x' is not a number"},
    {"all:\n  hosts:\n    'h:':\n", 3, 5, "ends with ':' but no port follows"},
    {"all:\n  hosts:\n    h:\n      ansible_prot: 22\n", 4, 7,
     "unknown variable 'ansible_prot'; did you mean 'ansible_port'?"},
    {"all:\n  hosts:\n    h:\n      ansible_user:\n", 4, 7, "empty value for 'ansible_user'"},
    {"all:\n  hosts:\n    h:\n      ansible_host: [fe80::3]\n", 4, 21,
     "ansible_host holds a list; give it one value"},
    {"all:\n  hosts:\n    h:\n      ansible_host: a b\n", 4, 21, "contains a space"},
    {"all:\n  vars:\n    ansible_group_priority: high\n  hosts:\n    h:\n", 3, 29,
     "ansible_group_priority 'high' is not a number"},
    {"all:\n  hosts:\n    admin@h:\n", 3, 5, "an Ansible host name has no user part"},
    {"all:\n  hosts:\n    h[3:1]:\n", 3, 5, "range [3:1] counts down"},
    {"all:\n  hosts:\n    h[01:100]:\n", 3, 5, "pads its start to 2 digits but not its end"},
    {"all:\n  hosts:\n    h[0:999999][0:9]:\n", 3, 5, "more hosts than the limit of 1000000"},
    /* tags */
    {"all:\n  hosts:\n    h:\n      ansible_user: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n", 4,
     21, "encrypted values (!vault) are not supported"},
    {"all:\n  hosts: !hosts\n    h:\n", 2, 10, "YAML tag '!hosts' is not understood"},
    /* nothing to scan */
    {"", 0, 0, "no hosts found; list hosts under a group's hosts:"},
    {"---\n# nothing yet\n", 0, 0, "no hosts found"},
    {"all:\n  children:\n    web:\n      vars:\n        ansible_user: x\n", 0, 0, "no hosts found"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("case: %s\n", bad[i].phrase);
        inv_test_expect_error_at("hosts.yml", bad[i].text, strlen(bad[i].text), bad[i].line,
                                 bad[i].column, bad[i].phrase);
    }
}

/* A file named .yml is read as YAML whatever it holds, so an INI file misnamed .yml fails
 * with a message about YAML rather than being half understood. */
static void test_extension_decides(void **state)
{
    const char *ini = "[web]\nw1\n";

    (void)state;
    inv_test_expect_error_at("hosts.yml", ini, strlen(ini), 1, 1, "the inventory is a YAML list");
    inv_test_expect_error_at("HOSTS.YAML", ini, strlen(ini), 1, 1, "the inventory is a YAML list");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_targets_as_ini),
        cmocka_unit_test(test_precedence_values),
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_extension_decides),
    };
    return cmocka_run_group_tests(tests, inv_test_set_home, NULL);
}
