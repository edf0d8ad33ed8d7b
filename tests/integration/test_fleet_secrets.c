/*
 * Secrets never reach a report, a log or the process list: passwords an Ansible inventory
 * carries (fleetscan never uses them) and private keys (their contents, and the paths of the
 * keys) appear in no report and on neither stdout nor stderr; an encrypted key is refused by
 * path only; and no option takes a password or passphrase, so none can sit in argv.
 */
#define _GNU_SOURCE /* strcasestr */
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

static const char *const passwords[] = {"Hunter2-login", "Hunter3-ssh", "Hunter4-become",
                                        "Hunter5-group", "Hunter6-passphrase"};

/* Fails when any base64 line of the private key file at key (or its path) occurs in text. */
static void expect_no_key(const char *what, const char *text, const char *key)
{
    char *pem = fleet_read_file(key, NULL);
    char *save = NULL;

    assert_non_null(pem);
    if (strstr(text, key) != NULL)
        fail_msg("%s names the key file %s:\n%s", what, key, text);
    for (char *line = strtok_r(pem, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, "-----", 5) != 0 && strlen(line) >= 16 && strstr(text, line) != NULL)
            fail_msg("%s holds a line of the private key %s", what, key);
    free(pem);
}

static void expect_no_password(const char *what, const char *text)
{
    for (size_t i = 0; i < sizeof passwords / sizeof passwords[0]; i++)
        if (strstr(text, passwords[i]) != NULL)
            fail_msg("%s holds the secret '%s'", what, passwords[i]);
}

/* Every report file, stdout and stderr of the last run. */
static void expect_nothing_secret(struct fleet_case *c, const char *key)
{
    static const char *const files[] = {"fleetscan.json", "fleetscan.csv", "summary.csv"};

    for (size_t i = 0; i < 3; i++) {
        char path[700];
        char *text;
        snprintf(path, sizeof path, "%s/out/%s", c->work.path, files[i]);
        text = fleet_read_file(path, NULL);
        if (text == NULL)
            continue;
        expect_no_password(files[i], text);
        expect_no_key(files[i], text, key);
        free(text);
    }
    expect_no_password("stdout", c->run.out);
    expect_no_password("stderr", c->run.err);
    expect_no_key("stdout", c->run.out, key);
    expect_no_key("stderr", c->run.err, key);
}

/* An encrypted copy of nothing in particular: a fresh ed25519 key with a passphrase. */
static void make_encrypted_key(const char *path)
{
    char cmd[900];

    snprintf(cmd, sizeof cmd, "ssh-keygen -q -t ed25519 -N '%s' -C enc -f '%s'", passwords[4],
             path);
    if (system(cmd) != 0)
        fail_msg("ssh-keygen failed");
}

/* An Ansible inventory full of passwords, and its key named per host. */
static void test_inventory_passwords_and_key_stay_out(void **state)
{
    struct fleet_case *c = *state;
    char inv[2048], key[600];

    snprintf(key, sizeof key, "%s", fleet_path(&c->work, "fleet_key"));
    fleet_copy_file(fleet_var("KEY"), key);
    chmod(key, 0600);
    snprintf(inv, sizeof inv,
             "[edge]\n"
             "ubuntu ansible_host=127.0.0.1 ansible_port=%d ansible_user=root "
             "ansible_password=%s ansible_ssh_pass=%s ansible_become_pass=%s "
             "ansible_ssh_private_key_file=%s\n"
             "[edge:vars]\n"
             "ansible_ssh_pass=%s\n",
             fleet_port("ubuntu-1804-amd64-moby"), passwords[0], passwords[1], passwords[2], key,
             passwords[3]);
    fleet_write_file(fleet_path(&c->work, "inventory.ini"), inv);
    {
        char inv_path[600], out[600];
        const char *args[] = {"scan",   "-o", out, "--known-hosts", fleet_var("KNOWN_HOSTS"),
                              inv_path, NULL};
        snprintf(inv_path, sizeof inv_path, "%s", fleet_path(&c->work, "inventory.ini"));
        snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
        fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    }
    fleet_expect_exit(&c->run, 0); /* the key was used: the host is ok */
    expect_nothing_secret(c, key);
}

/* An encrypted key, given with -i or with identity=: refused by its path, nothing written. */
static void check_encrypted(struct fleet_case *c, int per_host)
{
    char key[600], inv[900], inv_path[600], out[600];
    const char *args[12];
    size_t n = 0;
    struct stat st;

    snprintf(key, sizeof key, "%s", fleet_path(&c->work, "enc_key"));
    make_encrypted_key(key);
    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=ubuntu%s%s\n",
             fleet_port("ubuntu-1804-amd64-moby"), per_host ? " identity=" : "",
             per_host ? key : "");
    snprintf(inv_path, sizeof inv_path, "%s", fleet_path(&c->work, "inventory.txt"));
    fleet_write_file(inv_path, inv);
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    args[n++] = "scan";
    args[n++] = "-o";
    args[n++] = out;
    if (!per_host) {
        args[n++] = "-i";
        args[n++] = key;
    }
    args[n++] = inv_path;
    args[n] = NULL;
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 2);
    /* The message names the file (that is how the user finds it), never its contents. */
    if (strstr(c->run.err, key) == NULL || strstr(c->run.err, "passphrase") == NULL)
        fail_msg("stderr should name the encrypted key and why:\n%s", c->run.err);
    expect_no_password("stderr", c->run.err);
    {
        char *pem = fleet_read_file(key, NULL);
        char *save = NULL;
        for (char *l = strtok_r(pem, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
            if (strncmp(l, "-----", 5) != 0 && strstr(c->run.err, l) != NULL)
                fail_msg("stderr holds a line of the key");
        free(pem);
    }
    assert_int_not_equal(stat(out, &st), 0);
}

static void test_encrypted_key_option(void **state)
{
    check_encrypted(*state, 0);
}

static void test_encrypted_key_in_inventory(void **state)
{
    check_encrypted(*state, 1);
}

/*
 * No option takes a secret: the documented ones take a FILE, and the usual names of options
 * that would take the secret itself are refused without repeating it.
 */
static void test_no_secret_on_argv(void **state)
{
    struct fleet_case *c = *state;
    static const char *const words[] = {"password", "passphrase", "secret"};
    static const char *const options[] = {"--password",       "--passphrase", "--ask-pass",
                                          "--key-passphrase", "--pass",       "--passw"};
    const char *help[] = {"scan", "--help", NULL};

    fleet_run(&c->work, help, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0);
    /* Every option whose name speaks of a secret is NAME-file FILE. */
    for (const char *p = c->run.out; (p = strstr(p, "--")) != NULL; p += 2) {
        size_t n = strcspn(p, " \t\n,=");
        char name[64];

        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p);
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            if (strcasestr(name, words[i]) != NULL &&
                (n < 5 || strcmp(name + strlen(name) - 5, "-file") != 0))
                fail_msg("option %s takes a secret on the command line:\n%s", name, c->run.out);
    }
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        const char *args[] = {"scan", options[i], passwords[0], "inventory.txt", NULL};
        fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
        fleet_expect_exit(&c->run, 2);
        /* Even the refusal does not repeat the value. */
        expect_no_password("stderr", c->run.err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inventory_passwords_and_key_stay_out, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_encrypted_key_option, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_encrypted_key_in_inventory, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_no_secret_on_argv, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
