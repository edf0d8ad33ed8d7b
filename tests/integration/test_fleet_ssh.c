/*
 * SSH the way users already have it, against real servers: ssh_config aliases and precedence,
 * a real ssh-agent, an encrypted key with --passphrase-file, password authentication on a
 * password-only dropbear, and jump hosts through a real OpenSSH bastion (120 targets on one
 * bastion connection, ProxyJump in ssh_config, Ansible's ProxyCommand -W, the bastion's own
 * host key). The bastion and the password device come from tests/fleet/extra.sh (EXTRA_DIR).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

#ifndef EXTRA_STATE_DIR
#error "EXTRA_STATE_DIR must name tests/fleet/extra.sh's state directory"
#endif

extern char **environ;

/* A variable of EXTRA_STATE_DIR/extra.env (static buffer per call site is not needed: the
 * values are copied into a small table on first use). */
static const char *extra_var(const char *name)
{
    static char names[16][64], values[16][600];
    static size_t n;
    char line[800];
    FILE *f;

    if (n == 0) {
        f = fopen(EXTRA_STATE_DIR "/extra.env", "r");
        if (f == NULL)
            fail_msg("%s/extra.env: %s (the ctest fixture 'extra' starts tests/fleet/extra.sh)",
                     EXTRA_STATE_DIR, strerror(errno));
        while (n < 16 && fgets(line, sizeof line, f) != NULL) {
            char *eq = strchr(line, '='), *v;
            size_t len;
            if (eq == NULL)
                continue;
            *eq = '\0';
            v = eq + 1;
            len = strcspn(v, "\n");
            v[len] = '\0';
            if (len >= 2 && v[0] == '\'' && v[len - 1] == '\'') {
                v[len - 1] = '\0';
                v++;
            }
            snprintf(names[n], sizeof names[n], "%s", line);
            snprintf(values[n], sizeof values[n], "%s", v);
            n++;
        }
        fclose(f);
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return values[i];
    fail_msg("extra.env has no %s", name);
    return NULL;
}

/* Runs `fleetscan scan -o W/out -q ARGS... W/inventory.txt` after writing the inventory. */
static void scan(struct fleet_case *c, const char *inv_name, const char *inventory,
                 const char *const *args)
{
    char inv[600], out[600];
    const char *argv[40] = {"scan", "-o", out, "-q"};
    size_t n = 4;

    snprintf(inv, sizeof inv, "%s", fleet_path(&c->work, inv_name));
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    fleet_write_file(inv, inventory);
    for (size_t i = 0; args[i] != NULL && n < 38; i++)
        argv[n++] = args[i];
    argv[n++] = inv;
    argv[n] = NULL;
    fleet_run(&c->work, argv, FLEET_GUARD_SECONDS, &c->run);
}

static void expect_host(struct fleet_case *c, const char *name, const char *status)
{
    json_t *h = fleet_host(&c->report, name);

    if (strcmp(fleet_str(h, "status"), status) != 0)
        fail_msg("host %s: status '%s' (error '%s'), expected %s", name, fleet_str(h, "status"),
                 fleet_str(h, "error"), status);
}

/* Fails when text appears in stdout, stderr or any report file of the run. */
static void expect_secret_absent(struct fleet_case *c, const char *secret)
{
    static const char *const files[] = {"out/fleetscan.json", "out/fleetscan.csv",
                                        "out/summary.csv"};

    assert_null(strstr(c->run.out, secret));
    assert_null(strstr(c->run.err, secret));
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *text = fleet_read_file(fleet_path(&c->work, files[i]), NULL);
        assert_non_null(text);
        if (strstr(text, secret) != NULL) {
            free(text);
            fail_msg("the secret appears in %s", files[i]);
        }
        free(text);
    }
}

/* ---- ssh_config ----------------------------------------------------------------------------- */

/*
 * Aliases of ~/.ssh/config style: HostName, Port, User and IdentityFile come from the file
 * (no -i: HOME is the scratch directory, so only the config names a key); the inventory's
 * port beats the config's; -l beats the config's User; a Match exec block never runs.
 */
static void test_ssh_config_aliases(void **state)
{
    struct fleet_case *c = *state;
    char cfg[2048], cfgpath[600], marker[600], inv[256];
    int ubuntu = fleet_port("ubuntu-1804-amd64-moby"),
        centos = fleet_port("centos-75-amd64-dockerce"), rhel = fleet_port("rhel-75-amd64");
    json_t *h;

    snprintf(marker, sizeof marker, "%s", fleet_path(&c->work, "match-exec-ran"));
    snprintf(cfg, sizeof cfg,
             "# an operator's config\n"
             "Match exec \"touch %s\"\n"
             "    Port 1\n"
             "Host edge-ubuntu\n"
             "    Port %d\n"
             "Host edge-rhel\n"
             "    User nobody\n"
             "Host edge-* !edge-nothing\n"
             "    HostName 127.0.0.1\n"
             "    Port %d\n"
             "    IdentityFile %s\n"
             "    IdentitiesOnly yes\n"
             "Host *\n"
             "    User root\n"
             "    ConnectTimeout 5\n",
             marker, ubuntu, centos, fleet_var("KEY"));
    snprintf(cfgpath, sizeof cfgpath, "%s", fleet_path(&c->work, "ssh_config"));
    fleet_write_file(cfgpath, cfg);
    snprintf(inv, sizeof inv, "edge-ubuntu\nedge-centos\nedge-rhel:%d name=edge-rhel\n", rhel);
    const char *args[] = {"-F", cfgpath, "-l", "root", "--known-hosts", fleet_var("KNOWN_HOSTS"),
                          NULL};
    scan(c, "inventory.txt", inv, args);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    assert_int_equal(json_array_size(c->report.hosts), 3);
    h = fleet_host(&c->report, "edge-ubuntu");
    assert_string_equal(fleet_str(h, "address"), "127.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(h, "port")), ubuntu);
    assert_string_equal(fleet_str(h, "user"), "root");
    assert_string_equal(fleet_str(h, "os_id"), "ubuntu");
    h = fleet_host(&c->report, "edge-centos");
    assert_int_equal(json_integer_value(json_object_get(h, "port")), centos);
    assert_string_equal(fleet_str(h, "os_id"), "centos");
    /* The inventory's port wins over the config's; -l wins over the config's User. */
    h = fleet_host(&c->report, "edge-rhel");
    assert_int_equal(json_integer_value(json_object_get(h, "port")), rhel);
    assert_string_equal(fleet_str(h, "os_id"), "rhel");
    assert_string_equal(fleet_str(h, "user"), "root");
    assert_int_equal(access(marker, F_OK), -1);
    assert_non_null(strstr(c->run.err, "Match exec is never evaluated"));
}

/* A listening socket that never answers: connect succeeds, no SSH banner ever comes. */
static int silent_listener(int *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* ConnectTimeout of the config applies, and --connect-timeout given on the command line wins. */
static void test_ssh_config_connect_timeout(void **state)
{
    struct fleet_case *c = *state;
    char cfg[256], cfgpath[600];
    int port, fd = silent_listener(&port);
    json_t *h;

    snprintf(cfg, sizeof cfg, "Host silent\n  HostName 127.0.0.1\n  Port %d\n  ConnectTimeout 1\n",
             port);
    snprintf(cfgpath, sizeof cfgpath, "%s", fleet_path(&c->work, "ssh_config"));
    fleet_write_file(cfgpath, cfg);
    const char *args[] = {"-F", cfgpath, "--known-hosts", fleet_var("KNOWN_HOSTS"), NULL};
    scan(c, "inventory.txt", "silent\n", args);
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    h = fleet_host(&c->report, "silent");
    assert_string_equal(fleet_str(h, "status"), "timeout");
    assert_non_null(strstr(fleet_str(h, "error"), "within 1 s"));

    const char *args2[] = {
        "-F", cfgpath, "--connect-timeout", "2", "--known-hosts", fleet_var("KNOWN_HOSTS"), NULL};
    scan(c, "inventory.txt", "silent\n", args2);
    fleet_report_load(&c->work, &c->report);
    h = fleet_host(&c->report, "silent");
    assert_non_null(strstr(fleet_str(h, "error"), "within 2 s"));
    close(fd);
}

/* ---- ssh-agent --------------------------------------------------------------------------------
 */

static pid_t agent_pid;

static int agent_teardown(void **state)
{
    if (agent_pid > 0) {
        kill(agent_pid, SIGTERM);
        waitpid(agent_pid, NULL, 0);
        agent_pid = 0;
    }
    unsetenv("SSH_AUTH_SOCK");
    return fleet_case_teardown(state);
}

/* The authorized key only in a real ssh-agent: offered from there, and not with --no-agent. */
static void test_agent(void **state)
{
    struct fleet_case *c = *state;
    char sock[600], cmd[1400], inv[128];
    const char *argv[] = {"timeout", "120", "ssh-agent", "-D", "-a", sock, NULL};
    posix_spawn_file_actions_t fa;

    snprintf(sock, sizeof sock, "%s", fleet_path(&c->work, "agent.sock"));
    /* Started by the test, stopped by its teardown, and by timeout(1) in any case. */
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    assert_int_equal(posix_spawnp(&agent_pid, "timeout", &fa, NULL, (char *const *)argv, environ),
                     0);
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 100 && access(sock, F_OK) != 0; i++)
        usleep(20000);
    setenv("SSH_AUTH_SOCK", sock, 1);
    snprintf(cmd, sizeof cmd, "ssh-add -q '%s' 2>/dev/null", fleet_var("KEY"));
    assert_int_equal(system(cmd), 0);

    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=u\n", fleet_port("ubuntu-1804-amd64-moby"));
    const char *args[] = {"--known-hosts", fleet_var("KNOWN_HOSTS"), NULL};
    scan(c, "inventory.txt", inv, args);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    expect_host(c, "u", "ok");

    const char *args2[] = {"--no-agent", "--known-hosts", fleet_var("KNOWN_HOSTS"), NULL};
    scan(c, "inventory.txt", inv, args2);
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    expect_host(c, "u", "auth_failed");
}

/* ---- encrypted key ----------------------------------------------------------------------------
 */

/*
 * A copy of the authorized key encrypted with a passphrase: --passphrase-file opens it and the
 * passphrase shows nowhere; a wrong one, or none without a terminal, is an input error (2).
 */
static void test_passphrase_file(void **state)
{
    struct fleet_case *c = *state;
    static const char pass[] = "correct horse 7 battery";
    char key[600], pf[600], bad[600], cmd[2000], inv[128];

    snprintf(key, sizeof key, "%s", fleet_path(&c->work, "id_encrypted"));
    snprintf(pf, sizeof pf, "%s", fleet_path(&c->work, "passphrase"));
    snprintf(bad, sizeof bad, "%s", fleet_path(&c->work, "wrong"));
    fleet_copy_file(fleet_var("KEY"), key);
    chmod(key, 0600);
    snprintf(cmd, sizeof cmd, "ssh-keygen -q -p -P '' -N '%s' -f '%s' >/dev/null", pass, key);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s\n", pass);
    fleet_write_file(pf, cmd);
    fleet_write_file(bad, "not it\n");
    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=u\n", fleet_port("ubuntu-1804-amd64-moby"));

    const char *args[] = {
        "-i", key, "--passphrase-file", pf, "--known-hosts", fleet_var("KNOWN_HOSTS"), NULL};
    scan(c, "inventory.txt", inv, args);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    expect_host(c, "u", "ok");
    expect_secret_absent(c, pass);

    const char *wrong[] = {
        "-i", key, "--passphrase-file", bad, "--known-hosts", fleet_var("KNOWN_HOSTS"), NULL};
    scan(c, "inventory.txt", inv, wrong);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "passphrase does not open"));

    const char *none[] = {"-i", key, "--known-hosts", fleet_var("KNOWN_HOSTS"), NULL};
    scan(c, "inventory.txt", inv, none);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "needs a passphrase"));
}

/*
 * Reads the terminal's output until want appears (or it closes, or 60 s pass); appends it to
 * buf. Returns whether want was seen.
 */
static int read_until(int fd, char *buf, size_t cap, size_t *len, const char *want)
{
    for (int waited = 0; waited < 60000;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        if (want != NULL && strstr(buf, want) != NULL)
            return 1;
        if (poll(&p, 1, 100) <= 0) {
            waited += 100;
            continue;
        }
        n = read(fd, buf + *len, cap - *len - 1);
        if (n <= 0)
            return 0;
        *len += (size_t)n;
        buf[*len] = '\0';
    }
    return 0;
}

/*
 * On a terminal, without --passphrase-file: one prompt before the scan, typed without echo,
 * opens two keys encrypted with the same passphrase; the scan then succeeds.
 */
static void test_passphrase_prompt(void **state)
{
    struct fleet_case *c = *state;
    static const char pass[] = "typed on a tty 42";
    char key1[600], key2[600], inv[600], out[600], home[700], cmd[2000], text[256];
    static char screen[65536];
    size_t len = 0;
    int master, wstatus;
    pid_t pid;
    const char *prompt = "Enter passphrase for key";

    snprintf(key1, sizeof key1, "%s", fleet_path(&c->work, "enc1"));
    snprintf(key2, sizeof key2, "%s", fleet_path(&c->work, "enc2"));
    snprintf(inv, sizeof inv, "%s", fleet_path(&c->work, "inventory.txt"));
    snprintf(out, sizeof out, "%s", fleet_path(&c->work, "out"));
    snprintf(home, sizeof home, "HOME=%s", c->work.path);
    fleet_copy_file(fleet_var("KEY"), key1);
    fleet_copy_file(fleet_var("OTHER_KEY"), key2);
    snprintf(cmd, sizeof cmd,
             "chmod 600 '%s' '%s' && ssh-keygen -q -p -P '' -N '%s' -f '%s' >/dev/null && "
             "ssh-keygen -q -p -P '' -N '%s' -f '%s' >/dev/null",
             key1, key2, pass, key1, pass, key2);
    assert_int_equal(system(cmd), 0);
    snprintf(text, sizeof text, "root@127.0.0.1:%d name=u\nroot@127.0.0.1:%d name=r\n",
             fleet_port("ubuntu-1804-amd64-moby"), fleet_port("rhel-75-amd64"));
    fleet_write_file(inv, text);
    screen[0] = '\0';
    pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The child: fleetscan with the pty as its terminal. */
        const char *argv[] = {FLEETSCAN_BIN_PATH,
                              "scan",
                              "-q",
                              "--no-agent",
                              "-o",
                              out,
                              "-i",
                              key2,
                              "-i",
                              key1,
                              "--known-hosts",
                              fleet_var("KNOWN_HOSTS"),
                              inv,
                              NULL};
        putenv(home);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (!read_until(master, screen, sizeof screen, &len, prompt)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(master);
        fail_msg("no passphrase prompt on the terminal; it showed:\n%s", screen);
    }
    snprintf(cmd, sizeof cmd, "%s\n", pass);
    assert_int_equal(write(master, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
    read_until(master, screen, sizeof screen, &len, NULL);
    close(master);
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        fail_msg("fleetscan on a terminal ended with status %d; it showed:\n%s", wstatus, screen);
    /* Asked once for both keys, and what was typed never echoed. */
    assert_non_null(strstr(screen, prompt));
    assert_null(strstr(strstr(screen, prompt) + 1, prompt));
    assert_null(strstr(screen, pass));
    fleet_report_load(&c->work, &c->report);
    expect_host(c, "u", "ok");
    expect_host(c, "r", "ok");
}

/* ---- passwords ------------------------------------------------------------------------------- */

/*
 * A device that only takes passwords (dropbear, no authorized key): a refused key first, then
 * the password from --password-file or FLEETSCAN_PASSWORD; a wrong password is auth_failed.
 */
static void test_password(void **state)
{
    struct fleet_case *c = *state;
    char pf[600], inv[128];
    const char *pw = extra_var("PASSWORD");
    json_t *h;

    snprintf(pf, sizeof pf, "%s", fleet_path(&c->work, "password"));
    fleet_write_file(pf, pw);
    snprintf(inv, sizeof inv, "root@127.0.0.1:%s name=pw\n", extra_var("PASSWORD_PORT"));

    const char *args[] = {"--no-agent",
                          "-i",
                          fleet_var("OTHER_KEY"),
                          "--password-file",
                          pf,
                          "--known-hosts",
                          extra_var("KNOWN_HOSTS_EXTRA"),
                          NULL};
    scan(c, "inventory.txt", inv, args);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    expect_host(c, "pw", "ok");
    assert_string_equal(fleet_str(fleet_host(&c->report, "pw"), "os_id"), "poky");
    expect_secret_absent(c, pw);

    const char *env_args[] = {"--no-agent", "--known-hosts", extra_var("KNOWN_HOSTS_EXTRA"), NULL};
    setenv("FLEETSCAN_PASSWORD", pw, 1);
    scan(c, "inventory.txt", inv, env_args);
    setenv("FLEETSCAN_PASSWORD", "definitely-wrong", 1);
    fleet_expect_exit(&c->run, 0);

    scan(c, "inventory.txt", inv, env_args);
    unsetenv("FLEETSCAN_PASSWORD");
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    h = fleet_host(&c->report, "pw");
    assert_string_equal(fleet_str(h, "status"), "auth_failed");
    assert_non_null(strstr(fleet_str(h, "error"), "the password"));
    expect_secret_absent(c, "definitely-wrong");
}

/* ---- jump hosts ------------------------------------------------------------------------------ */

/* How many sessions the bastion accepted so far. */
static int bastion_logins(void)
{
    char *log = fleet_read_file(extra_var("BASTION_LOG"), NULL);
    int n = 0;

    assert_non_null(log);
    for (const char *p = log; (p = strstr(p, "Accepted publickey")) != NULL; p++)
        n++;
    free(log);
    return n;
}

/* The device kinds behind the bastion, with the os_id each must report. */
static const struct {
    const char *kind;
    const char *os_id;
} behind[] = {
    {"raspbian-stretch-armv7", "raspbian"}, {"ubuntu-1804-amd64-moby", "ubuntu"},
    {"centos-75-amd64-dockerce", "centos"}, {"rhel-75-amd64", "rhel"},
    {"pi-zero-armv6", "raspbian"},          {"yocto-poky-amd64", "poky"},
    {"wrlinux-8-amd64", "wrlinux"},         {"debian-9-armv7", "debian"},
};
#define N_BEHIND  (sizeof behind / sizeof behind[0])
#define N_THROUGH 120

/*
 * 120 inventory hosts (the fleet's devices under many names) through one OpenSSH bastion:
 * every one is ok and reports its own device (no crossed channels), and the bastion saw one
 * login for the whole scan.
 */
static void test_jump_many_targets(void **state)
{
    struct fleet_case *c = *state;
    char *inv = malloc(N_THROUGH * 80), jump[64], name[32];
    size_t o = 0;
    int before = bastion_logins();

    assert_non_null(inv);
    for (int i = 0; i < N_THROUGH; i++)
        o += (size_t)snprintf(inv + o, 80, "root@127.0.0.1:%d name=dev%03d\n",
                              fleet_port(behind[i % N_BEHIND].kind), i);
    snprintf(jump, sizeof jump, "root@127.0.0.1:%s", extra_var("BASTION_PORT"));
    /* The fleet's sshd starts refusing past 100 unauthenticated connections (MaxStartups). */
    const char *args[] = {"--jump",
                          jump,
                          "-i",
                          fleet_var("KEY"),
                          "-p",
                          "60",
                          "--known-hosts",
                          extra_var("KNOWN_HOSTS_EXTRA"),
                          NULL};
    scan(c, "inventory.txt", inv, args);
    free(inv);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    assert_int_equal(json_array_size(c->report.hosts), N_THROUGH);
    for (int i = 0; i < N_THROUGH; i++) {
        snprintf(name, sizeof name, "dev%03d", i);
        expect_host(c, name, "ok");
        assert_string_equal(fleet_str(fleet_host(&c->report, name), "os_id"),
                            behind[i % N_BEHIND].os_id);
    }
    assert_int_equal(bastion_logins(), before + 1);
}

/*
 * ProxyJump from ssh_config (the bastion itself an alias of the config), and Ansible's
 * ansible_ssh_common_args with ProxyCommand "ssh -W %h:%p"; the dropbear device is behind.
 */
static void test_jump_from_config_and_ansible(void **state)
{
    struct fleet_case *c = *state;
    char cfg[512], cfgpath[600], inv[1024];

    snprintf(cfg, sizeof cfg,
             "Host bastion\n  HostName 127.0.0.1\n  Port %s\n  User root\n"
             "Host behind-*\n  HostName 127.0.0.1\n  ProxyJump bastion\n",
             extra_var("BASTION_PORT"));
    snprintf(cfgpath, sizeof cfgpath, "%s", fleet_path(&c->work, "ssh_config"));
    fleet_write_file(cfgpath, cfg);
    snprintf(inv, sizeof inv, "root@behind-a:%d name=a\nroot@behind-b:%s name=b\n",
             fleet_port("centos-75-amd64-dockerce"), fleet_var("DROPBEAR_PORT"));
    const char *args[] = {
        "-F", cfgpath, "-i", fleet_var("KEY"), "--known-hosts", extra_var("KNOWN_HOSTS_EXTRA"),
        NULL};
    scan(c, "inventory.txt", inv, args);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    expect_host(c, "a", "ok");
    expect_host(c, "b", "ok");

    snprintf(
        inv, sizeof inv,
        "[edge]\nu1 ansible_host=127.0.0.1 ansible_port=%d\n"
        "db ansible_host=127.0.0.1 ansible_port=%s\n\n"
        "[edge:vars]\nansible_user=root\n"
        "ansible_ssh_common_args='-o ProxyCommand=\"ssh -W %%h:%%p -q -p %s root@127.0.0.1\"'\n",
        fleet_port("ubuntu-1804-amd64-moby"), fleet_var("DROPBEAR_PORT"),
        extra_var("BASTION_PORT"));
    const char *args2[] = {
        "-F", "none", "-i", fleet_var("KEY"), "--known-hosts", extra_var("KNOWN_HOSTS_EXTRA"),
        NULL};
    int before = bastion_logins();
    scan(c, "hosts.ini", inv, args2);
    fleet_expect_exit(&c->run, 0);
    fleet_report_load(&c->work, &c->report);
    expect_host(c, "u1", "ok");
    expect_host(c, "db", "ok");
    assert_int_equal(bastion_logins(), before + 1);
}

/* The bastion's own key is checked: unknown under strict, so no target behind it is tried. */
static void test_jump_bastion_host_key(void **state)
{
    struct fleet_case *c = *state;
    char jump[64], inv[256];
    json_t *h;

    snprintf(jump, sizeof jump, "root@127.0.0.1:%s", extra_var("BASTION_PORT"));
    snprintf(inv, sizeof inv, "root@127.0.0.1:%d name=a\nroot@127.0.0.1:%d name=b\n",
             fleet_port("ubuntu-1804-amd64-moby"), fleet_port("rhel-75-amd64"));
    /* The fleet's known_hosts knows every device but not the bastion. */
    const char *args[] = {"--jump",
                          jump,
                          "-i",
                          fleet_var("KEY"),
                          "--host-key-check",
                          "strict",
                          "--known-hosts",
                          fleet_var("KNOWN_HOSTS"),
                          NULL};
    scan(c, "inventory.txt", inv, args);
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    h = fleet_host(&c->report, "a");
    assert_string_equal(fleet_str(h, "status"), "hostkey_rejected");
    assert_non_null(strstr(fleet_str(h, "error"), "jump host"));
    assert_non_null(strstr(fleet_str(h, "error"), extra_var("BASTION_PORT")));
    assert_string_equal(fleet_str(fleet_host(&c->report, "b"), "status"), "hostkey_rejected");
}

/* A target the bastion cannot reach is unreachable, in the bastion's words; others go on. */
static void test_jump_target_refused(void **state)
{
    struct fleet_case *c = *state;
    char jump[64], inv[256];
    json_t *h;

    snprintf(jump, sizeof jump, "root@127.0.0.1:%s", extra_var("BASTION_PORT"));
    snprintf(inv, sizeof inv, "root@127.0.0.1:%s name=closed\nroot@127.0.0.1:%d name=ok\n",
             fleet_var("CLOSED_PORT"), fleet_port("ubuntu-1804-amd64-moby"));
    const char *args[] = {
        "--jump", jump, "-i", fleet_var("KEY"), "--known-hosts", extra_var("KNOWN_HOSTS_EXTRA"),
        NULL};
    scan(c, "inventory.txt", inv, args);
    fleet_expect_exit(&c->run, 1);
    fleet_report_load(&c->work, &c->report);
    h = fleet_host(&c->report, "closed");
    assert_string_equal(fleet_str(h, "status"), "unreachable");
    assert_non_null(strstr(fleet_str(h, "error"), "could not open a connection"));
    assert_non_null(strstr(fleet_str(h, "error"), fleet_var("CLOSED_PORT")));
    expect_host(c, "ok", "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ssh_config_aliases, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_ssh_config_connect_timeout, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_agent, fleet_case_setup, agent_teardown),
        cmocka_unit_test_setup_teardown(test_passphrase_file, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_passphrase_prompt, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_password, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_jump_many_targets, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_jump_from_config_and_ansible, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_jump_bastion_host_key, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_jump_target_refused, fleet_case_setup,
                                        fleet_case_teardown),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
