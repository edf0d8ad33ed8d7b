/*
 * The plain host list: good inputs with the exact targets they give, and every input error
 * with the message a user sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "inv_test_util.h"

struct good_case {
    const char *text;
    const char *targets[INV_TEST_MAX_TARGETS];
};

/* Targets are "name|address|port|user|identities|tags|line". */
static const struct good_case good[] = {
    {"10.0.0.5\n", {"10.0.0.5|10.0.0.5|0|-||-|1"}},
    {"admin@10.0.0.5:2222\n", {"10.0.0.5:2222|10.0.0.5|2222|admin||-|1"}},
    /* Comments, blank lines and a trailing comment; line numbers count every line. */
    {"# fleet\n\n   \n\tweb1   # the first one\nweb2#x\n",
     {"web1|web1|0|-||-|4", "web2#x|web2#x|0|-||-|5"}},
    {"[::1]:2222\n", {"[::1]:2222|::1|2222|-||-|1"}},
    {"root@[2001:db8::7]:22\n", {"[2001:db8::7]:22|2001:db8::7|22|root||-|1"}},
    {"[fe80::1]\nfe80::2\nfe80::3%eth0\n",
     {"[fe80::1]|fe80::1|0|-||-|1", "fe80::2|fe80::2|0|-||-|2",
      "fe80::3%eth0|fe80::3%eth0|0|-||-|3"}},
    {"h name=gw user=ops port=2200 tags=edge,lab identity=~/.ssh/a identity=/keys/b\n",
     {"gw|h|2200|ops|" TEST_HOME "/.ssh/a;/keys/b|edge,lab|1"}},
    /* Only a leading "~/" is expanded. */
    {"h identity=~other/k identity=keys/~/x identity=~\n", {"h|h|0|-|~other/k;keys/~/x;~|-|1"}},
    {"h name=\"front door\" tags=\"a b\" user=\"say \\\"hi\\\"\"\n",
     {"front door|h|0|say \"hi\"||a b|1"}},
    {"h name=O'Brien\n", {"O'Brien|h|0|-||-|1"}},
    {"h tags=\"# not a comment\"\n", {"h|h|0|-||# not a comment|1"}},
    /* Both forms may be used when they agree. */
    {"u@h:22 user=u port=22\n", {"h:22|h|22|u||-|1"}},
    /* The user ends at the last '@': Windows domain logins keep theirs. */
    {"CORP\\admin@corp.example@win1\n", {"win1|win1|0|CORP\\admin@corp.example||-|1"}},
    /* One address on several ports is several hosts. */
    {"127.0.0.1:2201\n127.0.0.1:2202\n",
     {"127.0.0.1:2201|127.0.0.1|2201|-||-|1", "127.0.0.1:2202|127.0.0.1|2202|-||-|2"}},
    {"b\na\nc name=z\n", {"b|b|0|-||-|1", "a|a|0|-||-|2", "z|c|0|-||-|3"}},
    {"h port=65535\ng:1\n", {"h|h|65535|-||-|1", "g:1|g|1|-||-|2"}},
    {"h name=café\n", {"café|h|0|-||-|1"}},
};

static void test_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        inv_test_expect_targets("hosts.txt", good[i].text, strlen(good[i].text), "plain",
                                good[i].targets);
    }
}

struct bad_case {
    const char *text;
    int line;
    const char *phrase;
};

static const struct bad_case bad[] = {
    {"a\nh prot=22\n", 2, "unknown key 'prot'; did you mean 'port'?"},
    {"h nmae=x\n", 1, "did you mean 'name'?"},
    {"h idenity=k\n", 1, "did you mean 'identity'?"},
    {"h colour=red\n", 1, "unknown key 'colour'; the keys are name, user, port, identity"},
    {"h port=70000\n", 1, "port 70000 is out of range"},
    {"h:70000\n", 1, "port 70000 is out of range"},
    {"h:0\n", 1, "port 0 is out of range"},
    {"h:99999999999999999999\n", 1, "out of range"},
    {"h:ssh\n", 1, "port 'ssh' is not a number"},
    {"h port=-1\n", 1, "port '-1' is not a number"},
    {"a\nb\nh:\n", 3, "'h:' ends with ':' but no port follows"},
    {"u@h:22 port=23\n", 1, "port given twice: 22 after ':' and port=23"},
    {"alice@h user=bob\n", 1, "user given twice: 'alice' before '@' and user=bob"},
    {"a\nb\na\n", 3, "host name 'a' is already used on line 1"},
    {"h name=x\n# gap\ng name=x\n", 3, "host name 'x' is already used on line 1"},
    {"h:22\nh:22\n", 2, "already used on line 1"},
    {"[::1\n", 1, "unterminated '['"},
    {"[::1]x\n", 1, "unexpected text after ']'"},
    {"[::1]:\n", 1, "ends with ':' but no port follows"},
    {"[web]:22\n", 1, "'web' in brackets is not an IPv6 address"},
    {"[]:22\n", 1, "empty address"},
    {"a:b:c\n", 1, "'a:b:c' is not a valid IPv6 address"},
    {"@h\n", 1, "empty user before '@'"},
    {"u@\n", 1, "empty address in 'u@'"},
    {":22\n", 1, "empty address"},
    {"h name=\n", 1, "empty value for 'name='"},
    {"h bare\n", 1, "expected key=value after the host, got 'bare'"},
    {"h =x\n", 1, "missing key before '='"},
    {"h name=\"open\n", 1, "unterminated quote"},
    {"h name=a name=b\n", 1, "key 'name' given twice"},
    {"edge[01:20].example\n", 1, "need an Ansible INI inventory"},
    {"10.0.0.0/24\n", 1, "networks are not expanded"},
    {"a,b\n", 1, "put each host on its own line"},
    {"name=x\n", 1, "'name=x' is not a host"},
    {"", 0, "no hosts found"},
    {"# only a comment\n\n  \n", 0, "no hosts found"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        inv_test_expect_error("hosts.txt", bad[i].text, strlen(bad[i].text), bad[i].line,
                              bad[i].phrase);
    }
}

/* The message quotes user text, but a huge token must not crowd out the advice. */
static void test_long_token_is_cut(void **state)
{
    char text[6000];

    (void)state;
    memcpy(text, "h ", 2);
    memset(text + 2, 'k', 5000);
    memcpy(text + 5002, "=1\n", 4);
    inv_test_expect_error("hosts.txt", text, strlen(text), 1, "...'; the keys are");
}

/* A parse error leaves no inventory behind, whatever was read before it. */
static void test_error_returns_nothing(void **state)
{
    const char *text = "a\nb\nc port=x\n";
    struct fs_inventory *inv = NULL;
    struct fs_inventory_error err;

    (void)state;
    assert_int_equal(fs_inventory_parse("hosts.txt", text, strlen(text), &inv, &err), -1);
    assert_null(inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_token_is_cut),
        cmocka_unit_test(test_error_returns_nothing),
    };
    return cmocka_run_group_tests(tests, inv_test_set_home, NULL);
}
