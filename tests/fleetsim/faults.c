/* The --faults SPEC: which hosts misbehave, and how. Format in docs/fleetsim.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fleetsim/fleetsim.h"

static const char *const names[SIM_FAULT_COUNT] = {
    "none", "refused", "tarpit", "slow-banner", "auth-denied", "auth-disconnect",
    "hang", "endless", "reset",  "changed-key",
};

const char *sim_fault_name(enum sim_fault f)
{
    return (unsigned)f < SIM_FAULT_COUNT ? names[f] : "?";
}

int sim_faults_assign(const char *spec, size_t hosts, uint64_t seed, enum sim_fault *faults)
{
    size_t want[SIM_FAULT_COUNT] = {0}, total = 0, k = 0;
    size_t *order;
    uint64_t st = seed ^ 0x6661756c74ULL;
    char *copy, *tok, *save = NULL;

    for (size_t i = 0; i < hosts; i++)
        faults[i] = SIM_FAULT_NONE;
    if (spec == NULL || *spec == '\0')
        return 0;
    copy = strdup(spec);
    if (copy == NULL)
        return -1;
    for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end;
        int f = -1;
        double v;

        if (eq == NULL) {
            fprintf(stderr, "fleetsim: --faults: '%s' is not NAME=COUNT or NAME=PERCENT%%\n", tok);
            free(copy);
            return -1;
        }
        *eq = '\0';
        for (int i = 1; i < SIM_FAULT_COUNT; i++)
            if (strcmp(tok, names[i]) == 0)
                f = i;
        if (f < 0) {
            fprintf(stderr,
                    "fleetsim: --faults: unknown fault '%s'; the faults are refused, tarpit, "
                    "slow-banner, auth-denied, auth-disconnect, hang, endless, reset, "
                    "changed-key\n",
                    tok);
            free(copy);
            return -1;
        }
        v = strtod(eq + 1, &end);
        if (end == eq + 1 || v < 0 || (*end != '\0' && strcmp(end, "%") != 0)) {
            fprintf(stderr, "fleetsim: --faults: %s=%s: expected a count or a percentage\n", tok,
                    eq + 1);
            free(copy);
            return -1;
        }
        /* A percentage rounds up, so "1%" of a small fleet still gives one faulty host. */
        if (*end == '%') {
            double x = v / 100.0 * (double)hosts;
            want[f] = (size_t)x + ((double)(size_t)x < x ? 1 : 0);
        } else {
            want[f] = (size_t)v;
        }
        total += want[f];
    }
    free(copy);
    if (total > hosts) {
        fprintf(stderr, "fleetsim: --faults asks for %zu faulty hosts, but there are only %zu\n",
                total, hosts);
        return -1;
    }
    order = malloc((hosts ? hosts : 1) * sizeof *order);
    if (order == NULL)
        return -1;
    for (size_t i = 0; i < hosts; i++)
        order[i] = i;
    for (size_t i = hosts; i > 1; i--) {
        size_t j = (size_t)(sim_rand(&st) % i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (int f = 1; f < SIM_FAULT_COUNT; f++)
        for (size_t c = 0; c < want[f]; c++)
            faults[order[k++]] = (enum sim_fault)f;
    free(order);
    return 0;
}
