/*
 * fleetsim: serves N simulated SSH devices on 127.0.0.1 ports P..P+N-1 from one process, for
 * fleetscan's demo, benchmarks and scale/latency/fault tests. docs/fleetsim.md describes the
 * options, the profile and mix formats and the faults.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libssh/libssh.h>

#include "scanner/probe.h"
#include "tests/fleetsim/fleetsim.h"

#ifndef FLEETSIM_PROFILES_DIR
#define FLEETSIM_PROFILES_DIR "samples/profiles"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fleetsim --hosts N --port-base P [--mix FILE] [--rtt-ms MS] [--jitter-ms MS]\n"
            "                [--faults SPEC] --inventory-out FILE --known-hosts-out FILE\n"
            "                [--profiles DIR] [--seed N] [--slow-banner-ms MS] [--lifetime SEC]\n"
            "                [--user NAME]\n"
            "  Serves N simulated devices on 127.0.0.1 ports P..P+N-1 until SIGINT/SIGTERM or\n"
            "  the lifetime (default 1800 s) ends. SPEC: NAME=COUNT or NAME=PERCENT%%, comma\n"
            "  separated; NAME is refused, tarpit, slow-banner, auth-denied, auth-disconnect,\n"
            "  hang, endless, reset or changed-key. See docs/fleetsim.md.\n");
}

static int parse_num(const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    long x;

    errno = 0;
    x = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi) {
        fprintf(stderr, "fleetsim: %s '%s': expected a whole number %ld..%ld\n", opt, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

/* One descriptor per host and up to four per connection: as many as allowed, and past the hard
 * limit where the process may raise it (root). */
static void raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 65536) {
        struct rlimit more = {65536, 65536};
        if (setrlimit(RLIMIT_NOFILE, &more) == 0)
            return;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* A socket on 127.0.0.1:port; listening unless the host is to refuse connections, in which
 * case it stays bound (nobody else takes the port) and every connect is refused. */
static int open_port(int port, int listening)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || (listening && listen(fd, 4096) != 0)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int write_outputs(const char *inv, const char *kh, const struct sim_host *h, size_t n,
                         const char *user, const char *key_b64, const char *other_b64,
                         uint64_t seed)
{
    char tmp_inv[4096], tmp_kh[4096];
    FILE *fi, *fk;

    snprintf(tmp_inv, sizeof tmp_inv, "%s.tmp", inv);
    snprintf(tmp_kh, sizeof tmp_kh, "%s.tmp", kh);
    fi = fopen(tmp_inv, "w");
    fk = fopen(tmp_kh, "w");
    if (fi == NULL || fk == NULL) {
        fprintf(stderr, "fleetsim: cannot write %s: %s\n", fi == NULL ? inv : kh, strerror(errno));
        if (fi)
            fclose(fi);
        if (fk)
            fclose(fk);
        return -1;
    }
    fprintf(fi,
            "# fleetsim: %zu simulated hosts, seed %llu. Names are simNNNNN_KIND or "
            "simNNNNN_KIND_FAULT (KIND: samples/profiles/KIND.txt; FAULT: docs/fleetsim.md).\n",
            n, (unsigned long long)seed);
    for (size_t i = 0; i < n; i++) {
        int faulty = h[i].fault != SIM_FAULT_NONE;

        fprintf(fi, "%s@127.0.0.1:%d name=sim%05zu_%s%s%s tags=kind:%s%s%s\n", user, h[i].port, i,
                h[i].profile->kind, faulty ? "_" : "", faulty ? sim_fault_name(h[i].fault) : "",
                h[i].profile->kind, faulty ? ",fault:" : "",
                faulty ? sim_fault_name(h[i].fault) : "");
        fprintf(fk, "[127.0.0.1]:%d ssh-ed25519 %s\n", h[i].port,
                h[i].fault == SIM_FAULT_CHANGED_KEY ? other_b64 : key_b64);
    }
    if (fclose(fi) != 0 || fclose(fk) != 0 || rename(tmp_inv, inv) != 0 ||
        rename(tmp_kh, kh) != 0) {
        fprintf(stderr, "fleetsim: cannot write %s or %s: %s\n", inv, kh, strerror(errno));
        return -1;
    }
    return 0;
}

/* What the fleet is made of lives as long as the process: kept here, so it stays reachable. */
static struct sim_profile *profiles;
static size_t nprofiles, *kinds;
static enum sim_fault *faults;
static struct sim_host *h;
static ssh_key key, other;
static char *key_b64, *other_b64;

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"hosts", required_argument, NULL, 'n'},
        {"port-base", required_argument, NULL, 'p'},
        {"mix", required_argument, NULL, 'm'},
        {"rtt-ms", required_argument, NULL, 'r'},
        {"jitter-ms", required_argument, NULL, 'j'},
        {"faults", required_argument, NULL, 'f'},
        {"inventory-out", required_argument, NULL, 'I'},
        {"known-hosts-out", required_argument, NULL, 'K'},
        {"profiles", required_argument, NULL, 'P'},
        {"seed", required_argument, NULL, 's'},
        {"slow-banner-ms", required_argument, NULL, 'b'},
        {"lifetime", required_argument, NULL, 'L'},
        {"user", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long hosts = -1, port_base = -1, rtt = 0, jitter = 0, seed = 1, slow = 3000, lifetime = 1800;
    const char *mix = NULL, *faults_spec = NULL, *inv = NULL, *kh = NULL,
               *profiles_dir = FLEETSIM_PROFILES_DIR, *user = "fleet";
    size_t nfaulty = 0;
    struct sim_config cfg;
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'n':
            bad = parse_num("--hosts", optarg, 1, 60000, &hosts);
            break;
        case 'p':
            bad = parse_num("--port-base", optarg, 1024, 65535, &port_base);
            break;
        case 'r':
            bad = parse_num("--rtt-ms", optarg, 0, 60000, &rtt);
            break;
        case 'j':
            bad = parse_num("--jitter-ms", optarg, 0, 60000, &jitter);
            break;
        case 's':
            bad = parse_num("--seed", optarg, 0, 2147483647L, &seed);
            break;
        case 'b':
            bad = parse_num("--slow-banner-ms", optarg, 0, 600000, &slow);
            break;
        case 'L':
            bad = parse_num("--lifetime", optarg, 1, 86400, &lifetime);
            break;
        case 'm':
            mix = optarg;
            break;
        case 'f':
            faults_spec = optarg;
            break;
        case 'I':
            inv = optarg;
            break;
        case 'K':
            kh = optarg;
            break;
        case 'P':
            profiles_dir = optarg;
            break;
        case 'u':
            user = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (optind < argc || hosts < 0 || port_base < 0 || inv == NULL || kh == NULL) {
        fprintf(stderr, "fleetsim: --hosts, --port-base, --inventory-out and --known-hosts-out "
                        "are required\n");
        usage(stderr);
        return 2;
    }
    if (port_base + hosts - 1 > 65535) {
        fprintf(stderr, "fleetsim: ports %ld..%ld go past 65535\n", port_base,
                port_base + hosts - 1);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    if (sim_profiles_load(profiles_dir, &profiles, &nprofiles) != 0)
        return 2;
    kinds = calloc((size_t)hosts, sizeof *kinds);
    faults = calloc((size_t)hosts, sizeof *faults);
    h = calloc((size_t)hosts, sizeof *h);
    if (kinds == NULL || faults == NULL || h == NULL) {
        fprintf(stderr, "fleetsim: out of memory\n");
        return 3;
    }
    if (sim_mix_assign(mix, profiles, nprofiles, (size_t)hosts, (uint64_t)seed, kinds) != 0 ||
        sim_faults_assign(faults_spec, (size_t)hosts, (uint64_t)seed, faults) != 0)
        return 2;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
        ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &other) != SSH_OK ||
        ssh_pki_export_pubkey_base64(key, &key_b64) != SSH_OK ||
        ssh_pki_export_pubkey_base64(other, &other_b64) != SSH_OK) {
        fprintf(stderr, "fleetsim: cannot generate host keys\n");
        return 3;
    }
    for (long i = 0; i < hosts; i++) {
        h[i].port = (int)(port_base + i);
        h[i].profile = &profiles[kinds[i]];
        h[i].fault = faults[i];
        h[i].listen_fd = open_port(h[i].port, faults[i] != SIM_FAULT_REFUSED);
        if (h[i].listen_fd < 0) {
            fprintf(stderr, "fleetsim: 127.0.0.1:%d: %s (choose another --port-base)\n", h[i].port,
                    strerror(errno));
            return 2;
        }
        if (faults[i] == SIM_FAULT_REFUSED)
            h[i].listen_fd = -h[i].listen_fd - 2; /* keep it bound, never poll it */
        if (faults[i] != SIM_FAULT_NONE)
            nfaulty++;
    }
    if (write_outputs(inv, kh, h, (size_t)hosts, user, key_b64, other_b64, (uint64_t)seed) != 0)
        return 3;
    cfg.rtt_ms = (int)rtt;
    cfg.jitter_ms = (int)jitter;
    cfg.slow_banner_ms = (int)slow;
    cfg.seed = (uint64_t)seed;
    cfg.linux_script = fs_probe_linux_script();
    cfg.windows_cmd = fs_probe_windows_command(FS_WINSHELL_CMD);
    cfg.windows_pwsh = fs_probe_windows_command(FS_WINSHELL_POWERSHELL);
    /* Held back until sim_server_run watches for them: a test may send SIGTERM as soon as it
     * reads the "listening" line, and must get a clean exit, not the default action. */
    {
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        sigprocmask(SIG_BLOCK, &stop, NULL);
    }
    printf("fleetsim: listening on 127.0.0.1 ports %ld-%ld: %ld hosts, %zu kinds, %zu with "
           "faults, rtt %ld ms, jitter %ld ms, pid %d\n",
           port_base, port_base + hosts - 1, hosts, nprofiles, nfaulty, rtt, jitter, (int)getpid());
    fflush(stdout);
    if (sim_server_run(h, (size_t)hosts, &cfg, key, (double)lifetime) != 0)
        return 3;
    /* Open sessions, the bind (which owns key) and the profiles go with the process: a
     * simulator that is told to stop exits at once. */
    fflush(stdout);
    _exit(0);
}
