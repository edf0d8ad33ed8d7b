/*
 * fleetsim: many simulated SSH devices in one process, for fleetscan's scale, latency and fault
 * tests, its demo and its benchmarks. See docs/fleetsim.md.
 *
 * profile.c  device profiles (samples/profiles/<kind>.txt) and mix files
 * faults.c   the --faults SPEC and which host gets which fault
 * server.c   listeners, SSH sessions on libssh's server API, latency relay, fault behaviour
 * main.c     command line, output files, signals, lifetime
 */
#ifndef FLEETSIM_H
#define FLEETSIM_H

#include <stddef.h>
#include <stdint.h>

/* What a device sends back for one command: both streams and an exit status. */
struct sim_answer {
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
    int exit_status;
};

enum sim_shell { SIM_SHELL_POSIX, SIM_SHELL_CMD, SIM_SHELL_POWERSHELL };

/* One device kind: samples/profiles/<kind>.txt. */
struct sim_profile {
    char *kind;
    enum sim_shell shell;
    struct sim_answer linux_answer;   /* the answer to the Linux probe script */
    struct sim_answer windows_answer; /* Windows shells: the answer to the Windows command */
};

/* Loads every *.txt of dir, sorted by kind. Returns 0, or -1 after printing an error. */
int sim_profiles_load(const char *dir, struct sim_profile **out, size_t *n);
const struct sim_profile *sim_profile_find(const struct sim_profile *p, size_t n, const char *kind);

/*
 * Assigns a profile to each of hosts hosts: from the mix file (lines "KIND WEIGHT"), or every
 * profile with weight 1 when mix is NULL. Weights are spread over the hosts by largest
 * remainder, then shuffled with seed. kinds[i] indexes the profile array.
 */
int sim_mix_assign(const char *mix, const struct sim_profile *p, size_t n, size_t hosts,
                   uint64_t seed, size_t *kinds);

enum sim_fault {
    SIM_FAULT_NONE,
    SIM_FAULT_REFUSED,         /* nothing listens on the port */
    SIM_FAULT_TARPIT,          /* TCP accepted, no banner ever */
    SIM_FAULT_SLOW_BANNER,     /* banner after --slow-banner-ms */
    SIM_FAULT_AUTH_DENIED,     /* every key refused */
    SIM_FAULT_AUTH_DISCONNECT, /* connection dropped when the client offers a key */
    SIM_FAULT_HANG,            /* exec accepted, no answer ever */
    SIM_FAULT_ENDLESS,         /* exec answered with output that never ends */
    SIM_FAULT_RESET,           /* part of the answer, then a TCP reset */
    SIM_FAULT_CHANGED_KEY,     /* --known-hosts-out lists another key for the host */
    SIM_FAULT_COUNT
};

const char *sim_fault_name(enum sim_fault f);

/*
 * Parses SPEC ("refused=2%,tarpit=1%,hang=3", a count or a percentage of the hosts per fault)
 * and assigns faults to distinct hosts, shuffled with seed. Returns 0, or -1 after printing an
 * error.
 */
int sim_faults_assign(const char *spec, size_t hosts, uint64_t seed, enum sim_fault *faults);

/* A small deterministic generator (splitmix64), so a seed gives the same fleet every run. */
uint64_t sim_rand(uint64_t *state);

/* One simulated host. */
struct sim_host {
    int port;
    const struct sim_profile *profile;
    enum sim_fault fault;
    int listen_fd; /* -1 for a refused host */
};

struct sim_config {
    int rtt_ms;
    int jitter_ms;
    int slow_banner_ms;
    uint64_t seed;
    const char *linux_script;
    const char *windows_cmd;
    const char *windows_pwsh;
};

/* Runs the fleet until sim_server_stop(); hosts must stay valid. Returns 0 or -1. */
int sim_server_run(struct sim_host *hosts, size_t n, const struct sim_config *cfg, void *host_key,
                   double lifetime_s);

#endif
