/*
 * Bad input of every kind: one clear message on stderr naming the file (and the line, where
 * there is one), exit 2, and nothing written: no output directory appears.
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

/* The inventory file a case writes (NULL data: none is written), and what stderr must say. */
struct bad {
    const char *what;
    const char *file; /* name of the inventory in the scratch directory */
    const char *data;
    size_t len;         /* 0: strlen(data) */
    const char *where;  /* stderr contains file + where, e.g. ":3:" */
    const char *reason; /* and this */
    const char *option; /* an extra option "NAME=VALUE" (VALUE: see expand()), or NULL */
    size_t long_line;   /* > 0: data is followed by a line of this many bytes */
};

#define BIN                                                                                        \
    "host1\n\x00\x01\x02\xff\xfe\x7f"                                                              \
    "ELF"

static const struct bad cases[] = {
    {"missing file", "nothing.txt", NULL, 0, ":", "No such file", NULL, 0},
    {"binary file", "inv.txt", BIN, sizeof BIN - 1, ":2:", "binary", NULL, 0},
    {"unterminated bracket (INI)", "inv.ini", "[edge\nhost1\n", 0, ":1:", "unterminated", NULL, 0},
    {"bracket in a plain list", "inv.txt", "host[1:3\n", 0, ":1:", "[", NULL, 0},
    {"port 70000", "inv.txt", "host1\nhost2:70000\n", 0, ":2:", "70000", NULL, 0},
    {"ansible_port 70000", "inv.ini", "[g]\nh1 ansible_port=70000\n", 0, ":2:", "70000", NULL, 0},
    {"range [9:1]", "inv.ini", "[g]\nedge[9:1]\n", 0, ":2:", "[9:1]", NULL, 0},
    {"10 MB line", "inv.txt", "host1\n", 0, ":2:", "longer than", NULL, 10 * 1024 * 1024},
    {"10 MB line (INI)", "inv.ini", "[g]\nhost1 x=", 0, ":2:", "longer than", NULL,
     10 * 1024 * 1024},
    {"duplicate names", "inv.txt", "a.example name=a\nb.example name=a\n", 0, ":2:", "'a'", NULL,
     0},
    {"duplicate hosts", "inv.txt", "gw1\n\ngw1\n", 0, ":3:", "gw1", NULL, 0},
    {"empty file", "inv.txt", "# nothing\n", 0, "", "no hosts", NULL, 0},
    {"encrypted identity= key", "inv.txt", "h1 identity=@enc\n", 0, ":1:", "encrypted", NULL, 0},
    {"encrypted -i key", "inv.txt", "h1\n", 0, "", "encrypted", "-i=@enc", 0},
    {"known_hosts is a directory", "inv.txt", "h1\n", 0, "", "not a regular file",
     "--known-hosts=@.", 0},
};

/* An ed25519 key with a passphrase, made once per run with ssh-keygen. */
static const char *encrypted_key(const struct fleet_workdir *w)
{
    static char path[600];
    char cmd[800];

    snprintf(path, sizeof path, "%s/enc", w->path);
    snprintf(cmd, sizeof cmd, "ssh-keygen -q -t ed25519 -N 'not-a-real-passphrase' -C t -f '%s'",
             path);
    if (system(cmd) != 0)
        fail_msg("ssh-keygen failed");
    return path;
}

/* "@enc" becomes the path of an encrypted key, "@." the scratch directory. */
static void expand(const struct fleet_workdir *w, const char *in, char *out, size_t len)
{
    const char *at = strstr(in, "@enc");
    const char *with = NULL;
    size_t skip = 4;

    if (at != NULL) {
        with = encrypted_key(w);
    } else if ((at = strstr(in, "@.")) != NULL) {
        with = w->path;
        skip = 2;
    }
    if (at == NULL)
        snprintf(out, len, "%s", in);
    else
        snprintf(out, len, "%.*s%s%s", (int)(at - in), in, with, at + skip);
}

static void check_bad(void **state)
{
    struct fleet_case *c = *state;
    const struct bad *b = c->param;
    char inv[600], out[600], want[700], data[1024], opt[700];
    const char *args[16];
    size_t n = 0, lines = 0;
    struct stat st;

    snprintf(inv, sizeof inv, "%s", fleet_path(&c->work, b->file));
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    if (b->data != NULL) {
        FILE *f = fopen(inv, "wb");
        assert_non_null(f);
        if (b->len > 0) {
            fwrite(b->data, 1, b->len, f);
        } else {
            expand(&c->work, b->data, data, sizeof data);
            fputs(data, f);
        }
        for (size_t i = 0; i < b->long_line; i++)
            putc('a', f);
        fclose(f);
    }
    args[n++] = "scan";
    args[n++] = "-o";
    args[n++] = out;
    args[n++] = "-q";
    if (b->option != NULL) {
        const char *eq = strchr(b->option, '=');
        static char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - b->option), b->option);
        expand(&c->work, eq + 1, opt, sizeof opt);
        args[n++] = name;
        args[n++] = opt;
    }
    args[n++] = inv;
    args[n] = NULL;
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
    fleet_expect_exit(&c->run, 2);
    snprintf(want, sizeof want, "%s%s", b->option != NULL ? "" : inv, b->where);
    if (strstr(c->run.err, want) == NULL || strstr(c->run.err, b->reason) == NULL)
        fail_msg("%s: stderr should name '%s' and say '%s':\n%s", b->what, want, b->reason,
                 c->run.err);
    for (const char *p = c->run.err; *p != '\0'; p++)
        lines += *p == '\n';
    if (lines != 1)
        fail_msg("%s: %zu lines on stderr, expected one message:\n%s", b->what, lines, c->run.err);
    if (stat(out, &st) == 0)
        fail_msg("%s: the output directory was created", b->what);
    assert_string_equal(c->run.out, "");
}

int main(void)
{
    struct CMUnitTest tests[sizeof cases / sizeof cases[0]];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate_setup_teardown(
            check_bad, fleet_case_setup, fleet_case_teardown, (void *)&cases[i]);
        tests[i].name = cases[i].what;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
