/*
 * known_index: which known_hosts lines may vouch for a host key without asking libssh, and the
 * host key algorithm list it hands to libssh's key exchange. Hashed names are produced by
 * OpenSSH's own `ssh-keygen -H`, so the HMAC check is tested against OpenSSH, not against itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "transport/known_index.h"

#define KA "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP/G2dvNe+o+Axk2NOYfmn1JtBGcPwmONQSNKBPPmBWq"
#define KB "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzC4z+RNICZvQEQb5r7FGt4ZfuI9J0c955nSoQ7CmwN"
#define KC                                                                                         \
    "ecdsa-sha2-nistp256 "                                                                         \
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBP/0iVOoQwtDVcKf/"                        \
    "WsTUgzjawlEJ9HxiAOLhnRCGa"                                                                    \
    "WrU6h13ug6GsxVjkyznaPVchEcrse5jZ85sfHgOIS5uu0="
#define KD                                                                                         \
    "ssh-rsa "                                                                                     \
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDR6uhmxeftnxG6zxa9G7MLfNwKjZau/"                                \
    "ZWZbWHES1cCme6vG43iRjdPYR3P2e4A5T"                                                            \
    "bJGJNM2iPyjinW6A9LC6NegLnnXkPYICwKvy/"                                                        \
    "9a5AzOFsWNnpoYBjru5TW4gVS4fwM6EbNXMba13NTmtyC3wSK58CzRx3d"                                    \
    "ZwedI9r8uQutHw=="

/* libssh 0.10.6's default host key algorithms, in its order. */
#define DEFAULT_TAIL_NO_ED "ecdsa-sha2-nistp521,ecdsa-sha2-nistp384,ecdsa-sha2-nistp256,"

struct fixture {
    char dir[64];
    char path[128];
    char global[128];
    ssh_key a, b, c, d;
    struct fs_known_index *idx;
};

static ssh_key key_of(const char *line)
{
    char type[64], b64[1024];
    ssh_key k = NULL;

    assert_int_equal(sscanf(line, "%63s %1023s", type, b64), 2);
    assert_int_equal(ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type), &k), SSH_OK);
    return k;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/fs-khidx-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/known_hosts", f->dir);
    snprintf(f->global, sizeof f->global, "%s/global", f->dir);
    f->a = key_of(KA);
    f->b = key_of(KB);
    f->c = key_of(KC);
    f->d = key_of(KD);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[200];

    fs_known_index_free(f->idx);
    ssh_key_free(f->a);
    ssh_key_free(f->b);
    ssh_key_free(f->c);
    ssh_key_free(f->d);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/* Loads text as the user's file (and global as the global one, when not NULL). */
static void load(struct fixture *f, const char *text, const char *global)
{
    fs_known_index_free(f->idx);
    write_file(f->path, text);
    if (global != NULL)
        write_file(f->global, global);
    f->idx = fs_known_index_load(f->path, global != NULL ? f->global : NULL);
    assert_non_null(f->idx);
}

static bool kex(struct fixture *f, const char *name, char *buf, size_t len)
{
    return fs_known_index_hostkeys(f->idx, name, buf, len);
}

static void test_plain_names(void **state)
{
    struct fixture *f = *state;
    char list[512];

    load(f, "# fleet\n\nhost1 " KA "\n  host2 " KB " a comment\n", NULL);
    assert_string_equal(fs_known_index_disabled(f->idx), "");
    assert_true(fs_known_index_has_key(f->idx, "host1", f->a));
    assert_true(fs_known_index_has_key(f->idx, "host2", f->b));
    /* Another key, another host, a prefix: not vouched for (libssh decides). */
    assert_false(fs_known_index_has_key(f->idx, "host1", f->b));
    assert_false(fs_known_index_has_key(f->idx, "host1", f->c));
    assert_false(fs_known_index_has_key(f->idx, "host3", f->a));
    assert_false(fs_known_index_has_key(f->idx, "host", f->a));
    assert_true(kex(f, "host1", list, sizeof list));
    assert_string_equal(list, "ssh-ed25519," DEFAULT_TAIL_NO_ED "sk-ssh-ed25519@openssh.com,"
                              "sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256");
    /* A host the index does not know: libssh chooses itself. */
    assert_false(kex(f, "host3", list, sizeof list));
}

static void test_ports_and_lists(void **state)
{
    struct fixture *f = *state;

    load(f, "[10.0.0.1]:2222 " KA "\n[gw.example]:22 " KB "\nweb1,,web2,[10.0.0.2]:2200 " KD "\n",
         NULL);
    assert_true(fs_known_index_has_key(f->idx, "[10.0.0.1]:2222", f->a));
    assert_false(fs_known_index_has_key(f->idx, "10.0.0.1", f->a));
    assert_false(fs_known_index_has_key(f->idx, "[10.0.0.1]:22", f->a));
    /* libssh matches "[host]:22" for host on port 22. */
    assert_true(fs_known_index_has_key(f->idx, "gw.example", f->b));
    assert_true(fs_known_index_has_key(f->idx, "web1", f->d));
    assert_true(fs_known_index_has_key(f->idx, "web2", f->d));
    assert_true(fs_known_index_has_key(f->idx, "[10.0.0.2]:2200", f->d));
    assert_false(fs_known_index_has_key(f->idx, "web3", f->d));
}

static void test_lookup_names(void **state)
{
    char name[300];
    (void)state;

    assert_true(fs_known_index_name("GW.Example", 22, name, sizeof name));
    assert_string_equal(name, "gw.example");
    assert_true(fs_known_index_name("10.0.0.1", 2222, name, sizeof name));
    assert_string_equal(name, "[10.0.0.1]:2222");
    assert_true(fs_known_index_name("::1", 2222, name, sizeof name));
    assert_string_equal(name, "[::1]:2222");
}

static void test_key_types_order(void **state)
{
    struct fixture *f = *state;
    char list[512];

    load(f, "both " KD "\nboth " KA "\necdsa " KC "\nrsa " KD "\n", NULL);
    assert_true(kex(f, "both", list, sizeof list));
    assert_string_equal(list, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256," DEFAULT_TAIL_NO_ED
                              "sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com");
    assert_true(kex(f, "ecdsa", list, sizeof list));
    assert_string_equal(list, "ecdsa-sha2-nistp256,ssh-ed25519,ecdsa-sha2-nistp521,"
                              "ecdsa-sha2-nistp384,sk-ssh-ed25519@openssh.com,"
                              "sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256");
    /* ssh-rsa (SHA-1) is not in libssh 0.10.6's default list: an RSA key means the SHA-2 ones. */
    assert_true(kex(f, "rsa", list, sizeof list));
    assert_string_equal(list, "rsa-sha2-512,rsa-sha2-256,ssh-ed25519," DEFAULT_TAIL_NO_ED
                              "sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com");
    /* Both keys of "both" vouch for it. */
    assert_true(fs_known_index_has_key(f->idx, "both", f->a));
    assert_true(fs_known_index_has_key(f->idx, "both", f->d));
}

/* The global file adds types for the key exchange, never a positive answer. */
static void test_global_file(void **state)
{
    struct fixture *f = *state;
    char list[512];

    load(f, "host1 " KA "\n", "host1 " KC "\nhost2 " KB "\n");
    assert_true(kex(f, "host1", list, sizeof list));
    assert_true(strncmp(list, "ssh-ed25519,ecdsa-sha2-nistp256,", 32) == 0);
    assert_false(fs_known_index_has_key(f->idx, "host1", f->c));
    assert_false(fs_known_index_has_key(f->idx, "host2", f->b));
    /* A pattern in the global file may add types for any host: no shortcut then. */
    load(f, "host1 " KA "\n", "*.example " KC "\n");
    assert_false(kex(f, "host1", list, sizeof list));
    assert_true(fs_known_index_has_key(f->idx, "host1", f->a));
}

static void test_patterns_and_markers_ignored(void **state)
{
    struct fixture *f = *state;
    char list[512];

    load(f,
         "*.example " KA "\nweb? " KA "\n!bad,good " KA "\nHost6 " KA "\n"
         "@cert-authority ca.example " KA "\nhost1 " KB "\nt\tab " KA "\n",
         NULL);
    assert_string_equal(fs_known_index_disabled(f->idx), "");
    assert_false(fs_known_index_has_key(f->idx, "x.example", f->a));
    assert_false(fs_known_index_has_key(f->idx, "web1", f->a));
    assert_false(fs_known_index_has_key(f->idx, "good", f->a));
    assert_false(fs_known_index_has_key(f->idx, "host6", f->a));
    assert_false(fs_known_index_has_key(f->idx, "ca.example", f->a));
    assert_false(fs_known_index_has_key(f->idx, "ab", f->a));
    /* An exact line still answers; but patterns may add key types for it: no kex shortcut. */
    assert_true(fs_known_index_has_key(f->idx, "host1", f->b));
    assert_false(kex(f, "host1", list, sizeof list));
}

static void test_revoked_disables(void **state)
{
    struct fixture *f = *state;

    load(f, "host1 " KA "\n@revoked host9 " KB "\nhost2 " KB "\n", NULL);
    assert_false(fs_known_index_has_key(f->idx, "host1", f->a));
    assert_false(fs_known_index_has_key(f->idx, "host2", f->b));
    assert_non_null(strstr(fs_known_index_disabled(f->idx), ":2: an @revoked line"));
    /* "@revokedX" is not the marker; libssh skips it like any marker line. */
    load(f, "host1 " KA "\n@revokedX host9 " KB "\n", NULL);
    assert_true(fs_known_index_has_key(f->idx, "host1", f->a));
}

/* A line libssh cannot parse makes its whole check fail for the names on it. */
static void test_malformed_lines(void **state)
{
    struct fixture *f = *state;

    load(f,
         "host1 " KA "\nhost1 ssh-ed25519 AAAA!!notbase64\nhost2 " KB
         "\nhost3\nhost4 ssh-ed25519\nhost5 ssh-foo AAAAC3Nz\nhost6 " KA "\n",
         NULL);
    assert_string_equal(fs_known_index_disabled(f->idx), "");
    assert_false(fs_known_index_has_key(f->idx, "host1", f->a));
    assert_true(fs_known_index_has_key(f->idx, "host2", f->b));
    assert_false(fs_known_index_has_key(f->idx, "host3", f->a));
    assert_false(fs_known_index_has_key(f->idx, "host4", f->a));
    assert_false(fs_known_index_has_key(f->idx, "host5", f->a));
    assert_true(fs_known_index_has_key(f->idx, "host6", f->a));
    /* A malformed line with a pattern could match any host: the index is off. */
    load(f, "host1 " KA "\n*.example ssh-ed25519 broken\n", NULL);
    assert_false(fs_known_index_has_key(f->idx, "host1", f->a));
    assert_non_null(strstr(fs_known_index_disabled(f->idx), ":2: a line with a host pattern"));
}

static void test_long_line_and_nul(void **state)
{
    struct fixture *f = *state;
    size_t n = 9000;
    char *text = malloc(n + 200);

    assert_non_null(text);
    snprintf(text, n + 200, "host1 %s ", KA);
    memset(text + strlen(text), 'x', n);
    snprintf(text + strlen("host1 " KA " ") + n, 200, "\nhost2 %s\n", KB);
    load(f, text, NULL);
    free(text);
    assert_false(fs_known_index_has_key(f->idx, "host2", f->b));
    assert_non_null(strstr(fs_known_index_disabled(f->idx), "longer than libssh reads"));
}

/* Runs ssh-keygen -H on the user's file (as a user would) and returns the hashed text. */
static void hash_file(struct fixture *f)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", 1);
        dup2(null, 1);
        dup2(null, 2);
        execlp("ssh-keygen", "ssh-keygen", "-H", "-f", f->path, (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_hashed_names(void **state)
{
    struct fixture *f = *state;
    char list[512];
    char *text;
    size_t len;
    FILE *fp;

    write_file(f->path, "[127.0.0.1]:2222 " KA "\ngw.example,10.1.1.1 " KB "\nrsa.example " KD
                        "\nrsa.example " KA "\n");
    hash_file(f);
    fp = fopen(f->path, "r");
    assert_non_null(fp);
    text = calloc(1, 8192);
    assert_non_null(text);
    len = fread(text, 1, 8191, fp);
    fclose(fp);
    assert_true(len > 0);
    /* OpenSSH wrote one hashed name per line, and no name in clear. */
    assert_null(strstr(text, "example"));
    assert_non_null(strstr(text, "|1|"));
    fs_known_index_free(f->idx);
    f->idx = fs_known_index_load(f->path, NULL);
    free(text);
    assert_non_null(f->idx);
    assert_string_equal(fs_known_index_disabled(f->idx), "");
    assert_true(fs_known_index_has_key(f->idx, "[127.0.0.1]:2222", f->a));
    assert_true(fs_known_index_has_key(f->idx, "gw.example", f->b));
    assert_true(fs_known_index_has_key(f->idx, "10.1.1.1", f->b));
    assert_false(fs_known_index_has_key(f->idx, "gw.example", f->a));
    assert_false(fs_known_index_has_key(f->idx, "[127.0.0.1]:2223", f->a));
    assert_false(fs_known_index_has_key(f->idx, "127.0.0.1", f->a));
    assert_true(kex(f, "rsa.example", list, sizeof list));
    assert_true(strncmp(list, "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa", 43) == 0);
    assert_false(kex(f, "other.example", list, sizeof list));
}

/* A hashed line whose key does not parse stops answers for its host only. */
static void test_hashed_malformed(void **state)
{
    struct fixture *f = *state;
    char *text, *bar;
    size_t len;
    FILE *fp;

    write_file(f->path, "host1 " KA "\nhost2 " KB "\n");
    hash_file(f);
    fp = fopen(f->path, "r");
    assert_non_null(fp);
    text = calloc(1, 8192);
    assert_non_null(text);
    len = fread(text, 1, 8000, fp);
    fclose(fp);
    /* Break the key of the first line (host1's): cut it after its type. */
    bar = strstr(text, " ssh-ed25519 ");
    assert_non_null(bar);
    memcpy(bar + 13, "!!!!", 4);
    (void)len;
    load(f, text, NULL);
    free(text);
    assert_false(fs_known_index_has_key(f->idx, "host1", f->a));
    assert_true(fs_known_index_has_key(f->idx, "host2", f->b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ports_and_lists, setup, teardown),
        cmocka_unit_test(test_lookup_names),
        cmocka_unit_test_setup_teardown(test_key_types_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patterns_and_markers_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_disables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line_and_nul, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashed_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashed_malformed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
