/*
 * ssh_config resolution and jump host forms, table-driven: what OpenSSH would decide for a host
 * is what fleetscan decides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scanner/jump_spec.h"
#include "scanner/ssh_config.h"

static char dir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

struct resolve_case {
    const char *config;
    const char *alias;
    const char *user; /* decided by inventory or -l */
    const char *hostname;
    int port;
    const char *cfg_user;
    const char *identity0; /* first IdentityFile, "~" replaced by HOME */
    size_t n_identities;
    int identities_only;
    unsigned timeout;
    const char *proxy_jump;
};

static const struct resolve_case cases[] = {
    /* First value obtained wins; IdentityFile accumulates. */
    {"Host web\n  Port 2201\nHost *\n  Port 22\n  User admin\n", "web", NULL, NULL, 2201, "admin",
     NULL, 0, -1, 0, NULL},
    {"Host *\n  Port 22\nHost web\n  Port 2201\n", "web", NULL, NULL, 22, NULL, NULL, 0, -1, 0,
     NULL},
    {"Host edge-*\n  HostName %h.lab.example\n  IdentityFile ~/.ssh/edge\n"
     "Host *\n  IdentityFile ~/.ssh/id_%r\n",
     "edge-7", "pi", "edge-7.lab.example", 0, NULL, "HOME/.ssh/edge", 2, -1, 0, NULL},
    /* Negation: a matching !pattern excludes the block. */
    {"Host edge-* !edge-old\n  User edge\n", "edge-old", NULL, NULL, 0, NULL, NULL, 0, -1, 0, NULL},
    {"Host edge-* !edge-old\n  User edge\n", "edge-new", NULL, NULL, 0, "edge", NULL, 0, -1, 0,
     NULL},
    /* '?' and case-insensitive host names; key=value and quotes. */
    {"Host GW?\n  HostName=\"10.0.0.5\"\n  IdentitiesOnly yes\n  ConnectTimeout=7\n", "gw1", NULL,
     "10.0.0.5", 0, NULL, NULL, 0, 1, 7, NULL},
    /* Match host sees the HostName obtained so far; Match user the decided user. */
    {"Host a\n  HostName 192.0.2.1\nMatch host 192.0.2.*\n  Port 2222\n", "a", NULL, "192.0.2.1",
     2222, NULL, NULL, 0, -1, 0, NULL},
    {"Match user pi\n  Port 2200\nMatch originalhost b,c\n  Port 2300\n", "b", "root", NULL, 2300,
     NULL, NULL, 0, -1, 0, NULL},
    {"Match !user pi all\n  ProxyJump jump.example:2022\n", "x", "root", NULL, 0, NULL, NULL, 0, -1,
     0, "jump.example:2022"},
    /* Match exec is never run: its block does not apply. */
    {"Match exec \"true\"\n  Port 1\n", "x", NULL, NULL, 0, NULL, NULL, 0, -1, 0, NULL},
    /* Include, relative to ~/.ssh, keeps the enclosing Host block around it. */
    {"Host inc\n  Include included.conf\n  User after\n", "inc", NULL, NULL, 2022, "inside", NULL,
     0, -1, 0, NULL},
    {"Host other\n  Include included.conf\n", "inc", NULL, NULL, 0, NULL, NULL, 0, -1, 0, NULL},
    /* ProxyCommand first: a later ProxyJump does not replace it. */
    {"Host p\n  ProxyCommand none\nHost *\n  ProxyJump gw\n", "p", NULL, NULL, 0, NULL, NULL, 0, -1,
     0, NULL},
    {"Host p\n  ProxyJump gw\nHost *\n  ProxyCommand none\n", "p", NULL, NULL, 0, NULL, NULL, 0, -1,
     0, "gw"},
};

static void test_resolve(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct resolve_case *k = &cases[i];
        struct fs_ssh_config *c = NULL;
        struct fs_ssh_host h;
        char path[512], err[1024], want[512];

        write_file("config", k->config);
        snprintf(path, sizeof path, "%s/config", dir);
        if (fs_ssh_config_load(path, &c, err, sizeof err) != 0)
            fail_msg("case %zu: %s", i, err);
        assert_int_equal(fs_ssh_config_resolve(c, k->alias, k->user, &h), 0);
        if (k->hostname == NULL)
            assert_null(h.hostname);
        else
            assert_string_equal(h.hostname, k->hostname);
        if (h.port != k->port)
            fail_msg("case %zu: port %d, expected %d", i, h.port, k->port);
        if (k->cfg_user == NULL)
            assert_null(h.user);
        else
            assert_string_equal(h.user, k->cfg_user);
        assert_int_equal(h.n_identities, k->n_identities);
        if (k->identity0 != NULL) {
            snprintf(want, sizeof want, "%s%s", dir, k->identity0 + 4);
            assert_string_equal(h.identities[0], want);
        }
        assert_int_equal(h.identities_only, k->identities_only);
        assert_int_equal(h.connect_timeout_s, k->timeout);
        if (k->proxy_jump == NULL)
            assert_null(h.proxy_jump);
        else
            assert_string_equal(h.proxy_jump, k->proxy_jump);
        fs_ssh_host_clear(&h);
        fs_ssh_config_free(c);
    }
}

/* %r in IdentityFile is the decided remote user. */
static void test_identity_tokens(void **state)
{
    struct fs_ssh_config *c = NULL;
    struct fs_ssh_host h;
    char path[512], err[1024], want[600];
    (void)state;

    write_file("config", "Host *\n  IdentityFile %d/keys/%r@%h:%p\n  Port 2022\n");
    snprintf(path, sizeof path, "%s/config", dir);
    assert_int_equal(fs_ssh_config_load(path, &c, err, sizeof err), 0);
    assert_int_equal(fs_ssh_config_resolve(c, "box", "pi", &h), 0);
    snprintf(want, sizeof want, "%s/keys/pi@box:2022", dir);
    assert_string_equal(h.identities[0], want);
    fs_ssh_host_clear(&h);
    fs_ssh_config_free(c);
}

static void test_errors_name_file_and_line(void **state)
{
    static const char *const bad[] = {"Host a\n  Port 70000\n", "Host a\n  IdentitiesOnly maybe\n",
                                      "Host a\n\nMatch frobnicate x\n", "Host\n"};
    static const int lines[] = {2, 2, 3, 1};
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fs_ssh_config *c = NULL;
        char path[512], err[1024], where[600];
        write_file("config", bad[i]);
        snprintf(path, sizeof path, "%s/config", dir);
        assert_int_equal(fs_ssh_config_load(path, &c, err, sizeof err), -1);
        snprintf(where, sizeof where, "%s:%d: ", path, lines[i]);
        if (strncmp(err, where, strlen(where)) != 0)
            fail_msg("'%s' should start with '%s'", err, where);
    }
}

struct jump_case {
    int kind; /* 0 ProxyJump text, 1 ProxyCommand, 2 ansible ssh args */
    const char *text;
    int ok;
    const char *user, *host;
    int port;
};

static const struct jump_case jumps[] = {
    {0, "bastion", 1, "", "bastion", 0},
    {0, "ops@bastion.example:2022", 1, "ops", "bastion.example", 2022},
    {0, "ssh://ops@[2001:db8::1]:22", 1, "ops", "2001:db8::1", 22},
    {0, "none", 1, "", "", 0},
    {0, "a,b", 0, NULL, NULL, 0},
    {0, "host:notaport", 0, NULL, NULL, 0},
    {1, "ssh -W %h:%p -q ops@bastion", 1, "ops", "bastion", 0},
    {1, "/usr/bin/ssh -q -p 2022 -l ops -W [%h]:%p bastion", 1, "ops", "bastion", 2022},
    {1, "nc -X connect -x proxy:3128 %h %p", 0, NULL, NULL, 0},
    {1, "ssh bastion nc %h %p", 0, NULL, NULL, 0},
    {2, "-o StrictHostKeyChecking=no -o ProxyJump=ops@jump:2200", 1, "ops", "jump", 2200},
    {2, "-o 'ProxyCommand=ssh -W %h:%p -q admin@10.0.0.1'", 1, "admin", "10.0.0.1", 0},
    {2, "-oProxyCommand=\"ssh -W %h:%p jump\"", 1, "", "jump", 0},
    {2, "-J gate.example", 1, "", "gate.example", 0},
    {2, "-o ProxyCommand='socat - PROXY:p:%h:%p'", 0, NULL, NULL, 0},
};

static void test_jump_forms(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof jumps / sizeof jumps[0]; i++) {
        const struct jump_case *k = &jumps[i];
        struct fs_jump_spec j;
        char err[1024];
        bool found = true;
        int rc = k->kind == 0   ? fs_jump_parse(k->text, &j, err, sizeof err)
                 : k->kind == 1 ? fs_jump_from_proxy_command(k->text, &j, err, sizeof err)
                                : fs_jump_from_ssh_args(k->text, &j, &found, err, sizeof err);
        if ((rc == 0) != k->ok)
            fail_msg("'%s': rc %d, expected %s", k->text, rc, k->ok ? "success" : "an error");
        if (!k->ok) {
            assert_true(err[0] != '\0');
            continue;
        }
        assert_true(found);
        assert_string_equal(j.user, k->user);
        assert_string_equal(j.host, k->host);
        assert_int_equal(j.port, k->port);
    }
}

static void test_pattern_lists(void **state)
{
    (void)state;
    assert_true(fs_ssh_pattern_list_match("edge-01", "edge-*"));
    assert_true(fs_ssh_pattern_list_match("EDGE-01", "edge-0?"));
    assert_false(fs_ssh_pattern_list_match("edge-01", "edge-*,!edge-01"));
    assert_false(fs_ssh_pattern_list_match("gw", "edge-*,core"));
    assert_true(fs_ssh_pattern_list_match("10.1.2.3", "10.*"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_identity_tokens),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_jump_forms),
        cmocka_unit_test(test_pattern_lists),
    };
    int rc;

    snprintf(dir, sizeof dir, "/tmp/fleetscan-sshcfg.XXXXXX");
    assert_non_null(mkdtemp(dir));
    setenv("HOME", dir, 1);
    {
        char sshdir[300];
        snprintf(sshdir, sizeof sshdir, "%s/.ssh", dir);
        mkdir(sshdir, 0700);
        write_file(".ssh/included.conf", "Port 2022\nUser inside\n");
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            rc = rc == 0 ? 1 : rc;
    }
    return rc;
}
