/*
 * The known_hosts index (transport/known_index.c) against real servers: verdicts are the ones
 * libssh gives, whatever shape the user's known_hosts has (hashed by ssh-keygen -H, another key
 * type listed first, the host's key under @revoked), and the host key algorithm list the index
 * hands to libssh is, byte for byte, the one libssh 0.10.6 builds itself from the same file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "tests/integration/fleet.h"
#include "transport/known_index.h"

#define KIND "ubuntu-1804-amd64-moby"

/* Keys no fleet server has (the fleet's host keys are all ed25519, one per server). */
static const char ecdsa_key[] =
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBP/0iVOoQwtDVcKf/WsTUgzjawlEJ9HxiAOLhnRCGa"
    "WrU6h13ug6GsxVjkyznaPVchEcrse5jZ85sfHgOIS5uu0=";
static const char rsa_key[] =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDR6uhmxeftnxG6zxa9G7MLfNwKjZau/ZWZbWHES1cCme6vG43iRjdPYR3P2e4A5T"
    "bJGJNM2iPyjinW6A9LC6NegLnnXkPYICwKvy/9a5AzOFsWNnpoYBjru5TW4gVS4fwM6EbNXMba13NTmtyC3wSK58CzRx3d"
    "ZwedI9r8uQutHw==";
static const char other_ed25519[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzC4z+RNICZvQEQb5r7FGt4ZfuI9J0c955nSoQ7CmwN";

/* "ssh-ed25519 AAAA..." of the fleet's servers (the CHANGED one aside). */
static const char *fleet_key(void)
{
    static char key[256];
    char *text = fleet_read_file(fleet_var("HOST_KEY_PUB"), NULL);
    char type[64], b64[200];

    assert_non_null(text);
    assert_int_equal(sscanf(text, "%63s %199s", type, b64), 2);
    free(text);
    snprintf(key, sizeof key, "%s %s", type, b64);
    return key;
}

static void run_ssh_keygen_hash(const char *path)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
            _exit(126);
        execlp("ssh-keygen", "ssh-keygen", "-H", "-f", path, (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Scans the one host with kh under policy; returns its JSON record. */
static json_t *scan_one(struct fleet_case *c, const char *kh, const char *policy, int want_exit)
{
    char inv[128];
    const char *extra[] = {"--host-key-check", policy, NULL};

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=dev\n", fleet_port(KIND));
    fleet_scan(&c->work, inv, kh, fleet_var("KEY"), extra, &c->run);
    fleet_expect_exit(&c->run, want_exit);
    fleet_report_load(&c->work, &c->report);
    return fleet_host(&c->report, "dev");
}

/* A known_hosts hashed by ssh-keygen -H: the host passes strict, the file is left as it was. */
static void test_hashed_known_hosts(void **state)
{
    struct fleet_case *c = *state;
    char kh[600], text[2048];
    json_t *host;

    snprintf(kh, sizeof kh, "%s", fleet_path(&c->work, "known_hosts"));
    snprintf(text, sizeof text,
             "gw.example %s\n[127.0.0.1]:%d %s\n[127.0.0.1]:%d %s\n[127.0.0.1]:%s %s\n",
             other_ed25519, fleet_port(KIND) + 1000, fleet_key(), fleet_port(KIND), fleet_key(),
             fleet_var("CHANGED_PORT"), fleet_key());
    fleet_write_file(kh, text);
    run_ssh_keygen_hash(kh);
    c->text[0] = fleet_read_file(kh, NULL);
    assert_non_null(c->text[0]);
    assert_null(strstr(c->text[0], "127.0.0.1")); /* really hashed */
    host = scan_one(c, kh, "strict", 0);
    assert_string_equal(fleet_str(host, "status"), "ok");
    c->text[1] = fleet_read_file(kh, NULL);
    assert_string_equal(c->text[1], c->text[0]);
}

/* Hashed, but the hashed entry for the host holds another ed25519 key: CHANGED, as libssh says. */
static void test_hashed_changed(void **state)
{
    struct fleet_case *c = *state;
    char kh[600], text[1024];
    json_t *host;

    snprintf(kh, sizeof kh, "%s", fleet_path(&c->work, "known_hosts"));
    snprintf(text, sizeof text, "[127.0.0.1]:%d %s\n", fleet_port(KIND), other_ed25519);
    fleet_write_file(kh, text);
    run_ssh_keygen_hash(kh);
    host = scan_one(c, kh, "accept-new", 1);
    assert_string_equal(fleet_str(host, "status"), "hostkey_rejected");
    assert_non_null(strstr(fleet_str(host, "error"), "does not match the one"));
}

/* Another key type listed first, then the right key: ok, and nothing appended. */
static void test_other_type_first(void **state)
{
    struct fleet_case *c = *state;
    char kh[600], text[2048];
    json_t *host;
    int port = fleet_port(KIND);

    snprintf(kh, sizeof kh, "%s", fleet_path(&c->work, "known_hosts"));
    snprintf(text, sizeof text, "[127.0.0.1]:%d %s\n[127.0.0.1]:%d %s\n[127.0.0.1]:%d %s\n", port,
             ecdsa_key, port, rsa_key, port, fleet_key());
    fleet_write_file(kh, text);
    host = scan_one(c, kh, "strict", 0);
    assert_string_equal(fleet_str(host, "status"), "ok");
    c->text[0] = fleet_read_file(kh, NULL);
    assert_string_equal(c->text[0], text);
}

/*
 * A revoked key is refused under every policy, whatever else the file says: libssh 0.10.6
 * skips marker lines (it would call the host unknown, and accept-new would record the revoked
 * key), so fleetscan checks @revoked itself. The file is never changed.
 */
static void check_revoked(struct fleet_case *c, const char *policy, int also_plain)
{
    char kh[600], text[2048];
    json_t *host;
    int port = fleet_port(KIND);
    size_t before;

    snprintf(kh, sizeof kh, "%s", fleet_path(&c->work, "known_hosts"));
    if (also_plain)
        snprintf(text, sizeof text, "[127.0.0.1]:%d %s\n@revoked * %s\nother.example %s\n", port,
                 fleet_key(), fleet_key(), other_ed25519);
    else
        snprintf(text, sizeof text, "@revoked [127.0.0.1]:%d %s\nother.example %s\n", port,
                 fleet_key(), other_ed25519);
    fleet_write_file(kh, text);
    before = strlen(text);
    host = scan_one(c, kh, policy, 1);
    if (strcmp(fleet_str(host, "status"), "hostkey_rejected") != 0 ||
        strstr(fleet_str(host, "error"), "@revoked") == NULL)
        fail_msg("--host-key-check %s: status %s, error '%s'; expected a refused revoked key",
                 policy, fleet_str(host, "status"), fleet_str(host, "error"));
    assert_null(json_object_get(json_object_get(host, "facts"), "os_release"));
    free(c->text[0]); /* the previous call's */
    c->text[0] = fleet_read_file(kh, NULL);
    assert_non_null(c->text[0]);
    assert_int_equal(strlen(c->text[0]), before);
}

static void test_revoked_entry(void **state)
{
    check_revoked(*state, "strict", 0);
    check_revoked(*state, "accept-new", 0);
}

static void test_revoked_beats_a_plain_entry(void **state)
{
    check_revoked(*state, "strict", 1);
    check_revoked(*state, "accept-new", 1);
    check_revoked(*state, "off", 1);
}

/* ---- the host key algorithms libssh sends, with and without the index ---- */

static char logged_list[512];

static void capture(int prio, const char *fn, const char *msg, void *u)
{
    const char *p = strstr(msg, "host key method to \"");
    (void)prio;
    (void)fn;
    (void)u;
    if (p != NULL) {
        p += strlen("host key method to \"");
        snprintf(logged_list, sizeof logged_list, "%.*s", (int)strcspn(p, "\""), p);
    }
}

/* Connects once (blocking) and returns the host key list libssh logged for its KEXINIT. */
static const char *libssh_list(const char *kh, const struct fs_known_index *idx, bool *applied)
{
    ssh_session s = ssh_new();
    unsigned int port = (unsigned int)fleet_port(KIND);
    int no = 0;

    assert_non_null(s);
    logged_list[0] = '\0';
    ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1");
    ssh_options_set(s, SSH_OPTIONS_PORT, &port);
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, kh);
    if (idx != NULL)
        *applied = fs_known_index_apply(idx, s, "127.0.0.1", (int)port, kh);
    ssh_set_log_callback(capture);
    ssh_set_log_level(SSH_LOG_DEBUG);
    (void)ssh_connect(s); /* the list is logged before the server answers */
    ssh_set_log_level(SSH_LOG_NOLOG);
    ssh_disconnect(s);
    ssh_free(s);
    return logged_list;
}

static void check_same_list(const char *kh)
{
    char mine[512], theirs[512];
    struct fs_known_index *idx = fs_known_index_load(kh, FS_GLOBAL_KNOWN_HOSTS);
    bool applied = false;

    assert_non_null(idx);
    snprintf(theirs, sizeof theirs, "%s", libssh_list(kh, NULL, NULL));
    assert_true(theirs[0] != '\0');
    snprintf(mine, sizeof mine, "%s", libssh_list(kh, idx, &applied));
    fs_known_index_free(idx);
    assert_true(applied);
    if (strcmp(mine, theirs) != 0)
        fail_msg("%s: index gave \"%s\", libssh alone \"%s\"", kh, mine, theirs);
}

static void test_kex_list_as_libssh(void **state)
{
    struct fleet_case *c = *state;
    static const char *const variants[][3] = {
        {"fleet", NULL, NULL},
        {"fleet", "ecdsa", NULL},
        {"rsa", NULL, NULL},
        {"ecdsa", "rsa", "fleet"},
    };
    char kh[600], text[2048];
    int port = fleet_port(KIND);

    if (access(FS_GLOBAL_KNOWN_HOSTS, F_OK) == 0)
        skip(); /* the machine's own global file would take part on both sides */
    snprintf(kh, sizeof kh, "%s", fleet_path(&c->work, "known_hosts"));
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        size_t len = 0;
        for (size_t k = 0; k < 3 && variants[v][k] != NULL; k++) {
            const char *key = strcmp(variants[v][k], "fleet") == 0 ? fleet_key()
                              : strcmp(variants[v][k], "rsa") == 0 ? rsa_key
                                                                   : ecdsa_key;
            len +=
                (size_t)snprintf(text + len, sizeof text - len, "[127.0.0.1]:%d %s\n", port, key);
        }
        fleet_write_file(kh, text);
        check_same_list(kh);
        if (v == 0) {
            run_ssh_keygen_hash(kh);
            check_same_list(kh);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hashed_known_hosts, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_hashed_changed, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_other_type_first, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_revoked_entry, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_revoked_beats_a_plain_entry, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_kex_list_as_libssh, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
