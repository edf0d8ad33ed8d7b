/*
 * Ansible INI inventories: groups, variables and their precedence, children, and every input
 * error with the message a user sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "inv_test_util.h"

struct good_case {
    const char *what;
    const char *text;
    const char *targets[INV_TEST_MAX_TARGETS];
};

/* Targets are "name|address|port|user|identities|tags|line". */
static const struct good_case good[] = {
    {"host variables",
     "[web]\nweb1\nweb2 ansible_host=10.0.0.2 ansible_port=2222 ansible_user=deploy\n",
     {"web1|web1|0|-||web|2", "web2|10.0.0.2|2222|deploy||web|3"}},
    {"legacy variable names",
     "[g]\nh ansible_ssh_host=1.2.3.4 ansible_ssh_port=2200 ansible_ssh_user=old\n",
     {"h|1.2.3.4|2200|old||g|2"}},
    {"hosts before any section are ungrouped",
     "solo\n[g]\nh\n",
     {"solo|solo|0|-||-|1", "h|h|0|-||g|3"}},
    {"alias:port", "[g]\nh:2222\n", {"h|h|2222|-||g|2"}},
    {"ansible_port on the line wins over alias:port, as in Ansible",
     "[g]\nh:2222 ansible_port=22\n",
     {"h|h|22|-||g|2"}},
    {"IPv6 hosts",
     "[g]\n[::1]:2200\n[fe80::1]\nfe80::2 ansible_host=[fe80::3]\n",
     {"::1|::1|2200|-||g|2", "fe80::1|fe80::1|0|-||g|3", "fe80::2|fe80::3|0|-||g|4"}},
    {"key files, ~/ expanded",
     "[g]\nh ansible_ssh_private_key_file=~/.ssh/edge\ni ansible_private_key_file=/k/i\n",
     {"h|h|0|-|" TEST_HOME "/.ssh/edge|g|2", "i|i|0|-|/k/i|g|3"}},
    {"group vars, spaces around '='",
     "[g]\nh\n[g:vars]\nansible_user=ops\nansible_port = 2022\n",
     {"h|h|2022|ops||g|2"}},
    {":vars before the group's section",
     "[g:vars]\nansible_user=ops\n[g]\nh\n",
     {"h|h|0|ops||g|4"}},
    {"all:vars",
     "a\n[g]\nb\n[all:vars]\nansible_user=everyone\n",
     {"a|a|0|everyone||-|1", "b|b|0|everyone||g|3"}},
    {"host > child group > parent group > all",
     "[all:vars]\nansible_user=a\nansible_port=1001\n"
     "[parent:children]\nchild\n"
     "[parent:vars]\nansible_user=p\nansible_port=1002\n"
     "[child]\nh1\nh2 ansible_user=h\n"
     "[child:vars]\nansible_user=c\n"
     "[other]\no1\n",
     {"h1|h1|1002|c||child,parent|10", "h2|h2|1002|h||child,parent|11", "o1|o1|1001|a||other|15"}},
    {"depth, not file order, decides",
     "[leaf:vars]\nansible_user=leaf\n[top:vars]\nansible_user=top\nansible_port=7\n"
     "[leaf]\nh\n[mid:children]\nleaf\n[top:children]\nmid\n",
     {"h|h|7|leaf||leaf,mid,top|7"}},
    {"same depth: later name wins",
     "[b]\nh\n[a]\nh\n[a:vars]\nansible_user=A\n[b:vars]\n"
     "ansible_user=B\n",
     {"h|h|0|B||a,b|2"}},
    {"same depth: ansible_group_priority wins",
     "[b]\nh\n[a]\nh\n[a:vars]\nansible_user=A\nansible_group_priority=10\n[b:vars]\n"
     "ansible_user=B\n",
     {"h|h|0|A||a,b|2"}},
    {"a host in several groups appears once, at its first line, tags sorted",
     "[zeta]\nh\n[alpha]\ng\nh ansible_user=late\n",
     {"h|h|0|late||alpha,zeta|2", "g|g|0|-||alpha|4"}},
    {"a later host line overrides an earlier one",
     "[a]\nh ansible_port=1 ansible_user=x\n[b]\nh ansible_port=2\n",
     {"h|h|2|x||a,b|2"}},
    {"legacy and current names are the same setting; the later one wins",
     "[g]\nh ansible_user=new ansible_ssh_user=old ansible_ssh_port=1 ansible_port=2\n",
     {"h|h|2|old||g|2"}},
    {"other variables are ignored",
     "[g]\nh ansible_connection=ssh ansible_become=true http_port=80 ansible_ssh_pass=x "
     "ansible_psrp_port=5986 ansible_user_id=3\n[g:vars]\nntp_server=ntp.example.com\n",
     {"h|h|0|-||g|2"}},
    {"quoted values",
     "[g]\nh ansible_user='svc user' ansible_ssh_private_key_file=\"/k/a b\"\n"
     "[g:vars]\nansible_port = \"2200\" # quoted\n",
     {"h|h|2200|svc user|/k/a b|g|2"}},
    {"comments",
     "; semicolon comment\n# hash comment\n[g] # the group\nh # trailing\n"
     "[g:vars]\nansible_user=ops # trailing\n",
     {"h|h|0|ops||g|4"}},
    {"[group:hosts] is [group]", "[g:hosts]\nh\n", {"h|h|0|-||g|2"}},
    {"a child declared after its parent", "[p:children]\nc\n[c]\nh\n", {"h|h|0|-||c,p|4"}},
    {"ungrouped:vars reach only hosts in no group",
     "u1\n[g]\nh\n[ungrouped:vars]\nansible_user=lonely\n",
     {"u1|u1|0|lonely||-|1", "h|h|0|-||g|3"}},
    {"a diamond of groups",
     "[a:children]\nb\nc\n[b:children]\nd\n[c:children]\nd\n[d]\nh\n",
     {"h|h|0|-||a,b,c,d|9"}},
};

static void test_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        print_message("case: %s\n", good[i].what);
        inv_test_expect_targets("hosts.ini", good[i].text, strlen(good[i].text), "ansible-ini",
                                good[i].targets);
    }
}

struct bad_case {
    const char *text;
    int line;
    const char *phrase;
};

static const struct bad_case bad[] = {
    {"[web]\na ansible_prot=22\n", 2,
     "unknown variable 'ansible_prot'; did you mean 'ansible_port'?"},
    {"[web]\na\n[web:vars]\nansibel_user=x\n", 4, "did you mean 'ansible_user'?"},
    {"[web]\na ansible_hots=x\n", 2, "did you mean 'ansible_host'?"},
    {"[web]\na ansible_ssh_private_key_fil=x\n", 2, "did you mean 'ansible_ssh_private_key_file'?"},
    {"[web]\na ansible_port=70000\n", 2, "ansible_port 70000 is out of range"},
    {"[web]\na:70000\n", 2, "port 70000 is out of range"},
    {"[web]\na ansible_port=ssh\n", 2, "ansible_port 'ssh' is not a number"},
    {"[web]\na\n[web:vars]\nansible_ssh_port=0\n", 4, "ansible_ssh_port 0 is out of range"},
    {"[web]\na:\n", 2, "'a:' ends with ':' but no port follows"},
    {"[web:foo]\na\n", 1, "unknown section type ':foo' in '[web:foo]'"},
    {"[we b]\nh\n", 1, "'[we b]' is not a valid section header"},
    {"[]\nh\n", 1, "no group name in '[]'"},
    {"[:vars]\nh\n", 1, "no group name"},
    {"[g]\nh\n[web\n", 3, "unterminated '[' in '[web'"},
    {"[web]\nh\n[prod:vars]\nansible_user=x\n", 3,
     "[prod:vars] names group 'prod', which has no [prod] or [prod:children] section"},
    {"[web]\nh\n[prod:children]\nwbe\n", 4,
     "[prod:children] names group 'wbe', which has no [wbe] or [wbe:children] section; did "
     "you mean 'web'?"},
    {"[a]\nh\n[a:children]\nb\n[b:children]\nc\n[c:children]\na\n", 8,
     "group 'a' contains itself through :children (a -> b -> c -> a)"},
    {"[a:children]\na\n[a]\nh\n", 2, "group 'a' contains itself through :children (a -> a)"},
    {"[web]\n", 0, "no hosts found"},
    {"[web:vars]\nansible_user=x\n[web]\n", 0, "no hosts found"},
    {"[web]\nadmin@h\n", 2, "an Ansible host name has no user part"},
    {"[web]\nh ansible_user=\n", 2, "empty value for 'ansible_user'"},
    {"[web]\nh junk\n", 2, "expected key=value after the host, got 'junk'"},
    {"[web]\nh =x\n", 2, "expected key=value after the host"},
    {"[web]\nh ansible_user=\"x\n", 2, "unterminated quote"},
    {"[web:vars]\nnovalue\n[web]\nh\n", 2, "expected key=value in [web:vars], got 'novalue'"},
    {"[web]\nh\n[web:vars]\nmy var = 1\n", 4, "expected one variable name before '='"},
    {"[web]\nh\n[web:vars]\nansible_user = \"x\" extra\n", 4,
     "unexpected text after the closing quote"},
    {"[web]\nh\n[web:vars]\nansible_user = 'x\n", 4, "unterminated quote"},
    {"[web]\nh\n[p:children]\nweb:vars\n", 4,
     "expected a group name in [p:children], got 'web:vars'; write one"},
    {"[web]\nh\n[p:children]\nall\n", 4, "'all' cannot be a child group"},
    {"[web]\nh ansible_group_priority=high\n", 2, "ansible_group_priority 'high' is not a number"},
    {"[web]\nh ansible_host=\"a b\"\n", 2, "contains a space"},
    {"[g]\n1:2:3\n", 2, "'1:2:3' is not a valid IPv6 address"},
    {"[g]\n[::1]x\n", 2, "unexpected text after ']'"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        inv_test_expect_error("hosts.ini", bad[i].text, strlen(bad[i].text), bad[i].line,
                              bad[i].phrase);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, inv_test_set_home, NULL);
}
