/*
 * Input and usage errors end the run before anything is scanned: exit status 2, a message on
 * stderr that names the file and line (for inventory errors), and no output directory.
 */
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

/* A broken inventory: its text ("%d" is a live port) and the line the error must name. */
struct bad_inventory {
    const char *what;
    const char *text;
    int line;
};

static const struct bad_inventory bad_inventories[] = {
    {"port that is not a number",
     "# lab\nroot@127.0.0.1:%d name=fine\nroot@127.0.0.1:notaport name=bad\n", 3},
    {"port out of range", "root@127.0.0.1:%d name=fine\n127.0.0.1 port=70000 name=bad\n", 2},
    {"unknown key", "root@127.0.0.1:%d name=fine colour=red\n", 1},
};

static int exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

static void check_bad_inventory(void **state)
{
    struct fleet_case *c = *state;
    const struct bad_inventory *b = c->param;
    char text[512], where[32], out[600];
    /* The table's "%d" becomes a live port, so that every other line is valid. */
    const char *p = strstr(b->text, "%d");

    assert_non_null(p);
    snprintf(text, sizeof text, "%.*s%d%s", (int)(p - b->text), b->text,
             fleet_port("ubuntu-1804-amd64-moby"), p + 2);
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    fleet_scan(&c->work, text, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), NULL, &c->run);
    fleet_expect_exit(&c->run, 2);
    snprintf(where, sizeof where, "inventory.txt:%d", b->line);
    if (strstr(c->run.err, where) == NULL)
        fail_msg("%s: stderr should name %s:\n%s", b->what, where, c->run.err);
    if (exists(out))
        fail_msg("%s: %s was created although nothing was scanned", b->what, out);
}

/* Command lines that are wrong as a whole: exit 2, a message, no output directory. */
static void test_usage_errors(void **state)
{
    struct fleet_case *c = *state;
    char out[600], inv[600], missing[600];

    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    snprintf(inv, sizeof inv, "%s", fleet_path(&c->work, "hosts.txt"));
    snprintf(missing, sizeof missing, "%s", fleet_path(&c->work, "no-such-inventory.txt"));
    fleet_write_file(inv, "root@127.0.0.1:22 name=x\n");
    const char *const cases[][8] = {
        {"scan", "-o", out, "-q", missing, NULL},
        {"scan", "-o", out, "-q", NULL},
        {"scan", "-o", out, "--frobnicate", inv, NULL},
        {"scan", "-o", out, "--host-key-check", "sometimes", inv, NULL},
        {"scan", "-o", out, "--timeout", "soon", inv, NULL},
        {"scan", "-o", out, "--parallel", "0", inv, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fleet_run(&c->work, cases[i], FLEET_GUARD_SECONDS, &c->run);
        if (c->run.status != 2 || c->run.err[0] == '\0')
            fail_msg("case %zu: exit %d, stderr '%s'; expected exit 2 and a message", i,
                     c->run.status, c->run.err);
        if (exists(out))
            fail_msg("case %zu: %s was created", i, out);
    }
}

/* --help and --version answer on stdout and exit 0. */
static void test_help_and_version(void **state)
{
    struct fleet_case *c = *state;
    const char *help[] = {"--help", NULL};
    const char *version[] = {"--version", NULL};

    fleet_run(&c->work, help, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0);
    assert_non_null(strstr(c->run.out, "--known-hosts"));
    assert_non_null(strstr(c->run.out, "--host-key-check"));
    fleet_run(&c->work, version, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 0);
    assert_non_null(strstr(c->run.out, "fleetscan"));
}

int main(void)
{
    const size_t n = sizeof bad_inventories / sizeof bad_inventories[0];
    struct CMUnitTest tests[sizeof bad_inventories / sizeof bad_inventories[0] + 2];

    for (size_t i = 0; i < n; i++)
        tests[i] =
            (struct CMUnitTest){bad_inventories[i].what, check_bad_inventory, fleet_case_setup,
                                fleet_case_teardown, (void *)&bad_inventories[i]};
    tests[n] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_usage_errors, fleet_case_setup, fleet_case_teardown);
    tests[n + 1] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(
        test_help_and_version, fleet_case_setup, fleet_case_teardown);
    return _cmocka_run_group_tests("fleet_cli", tests, n + 2, NULL, NULL);
}
