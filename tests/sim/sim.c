#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/sim/sim.h"

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs fleetsim once; returns 0 when it said "listening", 2 when the ports were taken. */
static int try_start(const struct fleet_workdir *w, int hosts, const char *const *extra,
                     struct sim *s)
{
    const char *argv[64];
    char nbuf[16], pbuf[16], line[4096];
    int pfd[2], n = 0, status;
    size_t got = 0;
    double deadline = now_s() + 20;

    snprintf(nbuf, sizeof nbuf, "%d", hosts);
    snprintf(pbuf, sizeof pbuf, "%d", s->port_base);
    argv[n++] = FLEETSIM_BIN;
    argv[n++] = "--hosts";
    argv[n++] = nbuf;
    argv[n++] = "--port-base";
    argv[n++] = pbuf;
    argv[n++] = "--inventory-out";
    argv[n++] = s->inventory;
    argv[n++] = "--known-hosts-out";
    argv[n++] = s->known_hosts;
    argv[n++] = "--lifetime";
    argv[n++] = "300";
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 62; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    assert_int_equal(pipe(pfd), 0);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(FLEETSIM_BIN, (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    while (now_s() < deadline && got < sizeof line - 1) {
        struct pollfd p = {pfd[0], POLLIN, 0};
        ssize_t r;

        if (poll(&p, 1, 500) <= 0)
            continue;
        r = read(pfd[0], line + got, sizeof line - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        line[got] = '\0';
        if (strstr(line, "listening") != NULL) {
            close(pfd[0]);
            s->hosts = hosts;
            return 0;
        }
    }
    close(pfd[0]);
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
        return 2;
    fail_msg("fleetsim did not say 'listening' within 20 s (status %d)", status);
    return -1;
}

void sim_start(const struct fleet_workdir *w, int hosts, const char *const *extra, struct sim *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->inventory, sizeof s->inventory, "%s/sim-inventory.txt", w->path);
    snprintf(s->known_hosts, sizeof s->known_hosts, "%s/sim-known_hosts", w->path);
    snprintf(s->key, sizeof s->key, "%s/id_ed25519", w->path);
    if (access(s->key, R_OK) != 0) {
        char cmd[1400];
        snprintf(cmd, sizeof cmd, "ssh-keygen -q -t ed25519 -N '' -C sim-test -f '%s' </dev/null",
                 s->key);
        assert_int_equal(system(cmd), 0);
    }
    /* Ports spread by process id, so tests running side by side rarely collide, and below the
     * ephemeral range (32768 and up), where outgoing connections take their ports. */
    for (int attempt = 0; attempt < 20; attempt++) {
        s->port_base = 10000 + (int)(((unsigned)getpid() * 7919u + (unsigned)attempt * 1543u) %
                                     (unsigned)(22000 - hosts));
        if (try_start(w, hosts, extra, s) == 0)
            return;
    }
    fail_msg("fleetsim found no free ports in 20 attempts");
}

void sim_stop(struct sim *s)
{
    int status = 0;
    double deadline = now_s() + 10;

    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    while (waitpid(s->pid, &status, WNOHANG) == 0) {
        if (now_s() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            s->pid = 0;
            fail_msg("fleetsim did not stop within 10 s of SIGTERM");
        }
        usleep(20000);
    }
    s->pid = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("fleetsim ended with status %d after SIGTERM, expected exit 0", status);
}

const char *sim_expect(const char *kind, const char *key)
{
    static char value[256];
    char path[1024], line[1024], want[128];
    FILE *f;
    const char *found = NULL;

    snprintf(path, sizeof path, "%s/%s.txt", SIM_PROFILES_DIR, kind);
    snprintf(want, sizeof want, "expect-%s: ", key);
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("%s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f) != NULL && strncmp(line, "%% ", 3) != 0) {
        if (strncmp(line, want, strlen(want)) == 0) {
            snprintf(value, sizeof value, "%s", line + strlen(want));
            value[strcspn(value, "\r\n")] = '\0';
            found = value;
        }
    }
    fclose(f);
    return found;
}

const char *sim_name_part(const json_t *host, int part)
{
    static char value[256];
    const char *p = fleet_str(host, "name");

    value[0] = '\0';
    for (int i = 0; i < part && p != NULL; i++) {
        p = strchr(p, '_');
        if (p != NULL)
            p++;
    }
    if (p != NULL)
        snprintf(value, sizeof value, "%.*s", (int)strcspn(p, "_"), p);
    return value;
}
