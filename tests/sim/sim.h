/*
 * Helpers of the "sim" tests: start fleetsim on 127.0.0.1 in a scratch directory, read the
 * profiles' expect-* lines. Scans run through tests/integration/fleet.h's fleet_run.
 */
#ifndef SIM_TEST_H
#define SIM_TEST_H

#include <sys/types.h>

#include "tests/integration/fleet.h"

struct sim {
    pid_t pid;
    int port_base;
    int hosts;
    char inventory[600];
    char known_hosts[600];
    char key[600]; /* a client key made for the test (ed25519, no passphrase) */
};

/*
 * Starts fleetsim with --hosts hosts, the given extra arguments (NULL-terminated, may be NULL)
 * and a lifetime of 300 s, writing its files into w, and waits for its "listening" line. Tries
 * other port bases while the ports are taken. Fails the test on error.
 */
void sim_start(const struct fleet_workdir *w, int hosts, const char *const *extra, struct sim *s);

/* SIGTERM, then waits; fails the test unless fleetsim exited 0 within 10 s. */
void sim_stop(struct sim *s);

/* The profile's "expect-KEY: value" (static buffer), or NULL when it has none. */
const char *sim_expect(const char *kind, const char *key);

/*
 * A part of a fleetsim host name simNNNNN_KIND[_FAULT] (static buffer): part 1 is the kind,
 * part 2 the fault ("" for a host without one).
 */
const char *sim_name_part(const json_t *host, int part);

#endif
