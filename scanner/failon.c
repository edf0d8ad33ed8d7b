/*
 * failon: the --fail-on vocabulary and the test of a host against it.
 */
#include <stdio.h>
#include <string.h>

#include "scanner/failon.h"

enum field { F_NOT_OK, F_STATUS, F_TIER, F_ENGINE, F_READY };

struct word {
    const char *name;
    enum field field;
    int value; /* the enum value the field must have (unused for F_NOT_OK) */
};

/* Order matters only for fs_fail_on_words() and the bit each word gets. */
static const struct word words[] = {
    {"not-ok", F_NOT_OK, 0},
    {"unreachable", F_STATUS, FS_STATUS_UNREACHABLE},
    {"timeout", F_STATUS, FS_STATUS_TIMEOUT},
    {"auth_failed", F_STATUS, FS_STATUS_AUTH_FAILED},
    {"hostkey_rejected", F_STATUS, FS_STATUS_HOSTKEY_REJECTED},
    {"error", F_STATUS, FS_STATUS_ERROR},
    {"tier1", F_TIER, FS_TIER_1},
    {"tier1-preview", F_TIER, FS_TIER_1_PREVIEW},
    {"tier2", F_TIER, FS_TIER_2},
    {"unsupported", F_TIER, FS_TIER_UNSUPPORTED},
    {"tier-unknown", F_TIER, FS_TIER_UNKNOWN},
    {"engine-recommended", F_ENGINE, FS_ENGINE_RECOMMENDED},
    {"engine-best-effort", F_ENGINE, FS_ENGINE_BEST_EFFORT},
    {"engine-unsupported", F_ENGINE, FS_ENGINE_UNSUPPORTED},
    {"engine-missing", F_ENGINE, FS_ENGINE_MISSING},
    {"engine-unknown", F_ENGINE, FS_ENGINE_UNKNOWN},
    {"not-ready", F_READY, FS_READY_NO},
    {"ready-unknown", F_READY, FS_READY_UNKNOWN},
};

#define N_WORDS (sizeof words / sizeof words[0])

const char *fs_fail_on_words(void)
{
    return "not-ok, unreachable, timeout, auth_failed, hostkey_rejected, error, tier1, "
           "tier1-preview, tier2, unsupported, tier-unknown, engine-recommended, "
           "engine-best-effort, engine-unsupported, engine-missing, engine-unknown, not-ready, "
           "ready-unknown, none";
}

/* The bit of the word of length len at s, or -1 when it is not a word (-2 for "none"). */
static int word_bit(const char *s, size_t len)
{
    if (len == 4 && strncmp(s, "none", 4) == 0)
        return -2;
    for (size_t i = 0; i < N_WORDS; i++)
        if (strlen(words[i].name) == len && strncmp(words[i].name, s, len) == 0)
            return (int)i;
    return -1;
}

int fs_fail_on_parse(const char *list, uint32_t *mask, char *err, size_t errlen)
{
    uint32_t got = 0;
    int saw_none = 0, saw_word = 0;
    const char *p = list;

    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        int bit = word_bit(p, len);

        if (len == 0) {
            snprintf(err, errlen,
                     "--fail-on '%s': empty word; expected a comma-separated list of: %s", list,
                     fs_fail_on_words());
            return -1;
        }
        if (bit == -1) {
            snprintf(err, errlen,
                     "--fail-on: unknown word '%.*s'; expected a comma-separated list of: %s",
                     (int)len, p, fs_fail_on_words());
            return -1;
        }
        if (bit == -2) {
            saw_none = 1;
        } else {
            saw_word = 1;
            got |= (uint32_t)1 << bit;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    if (saw_none && (saw_word || *mask != 0)) {
        snprintf(err, errlen, "--fail-on: 'none' cannot be combined with other words");
        return -1;
    }
    *mask |= got;
    return 0;
}

static int word_matches(const struct word *w, const struct fs_host_record *r)
{
    switch (w->field) {
    case F_NOT_OK:
        return r->status != FS_STATUS_OK;
    case F_STATUS:
        return (int)r->status == w->value;
    case F_TIER:
        return (int)r->verdict.tier == w->value;
    case F_ENGINE:
        return (int)r->verdict.engine_support == w->value;
    case F_READY:
        return (int)r->verdict.production_ready == w->value;
    }
    return 0;
}

int fs_fail_on_host(uint32_t mask, const struct fs_host_record *r)
{
    for (size_t i = 0; i < N_WORDS; i++)
        if ((mask & ((uint32_t)1 << i)) != 0 && word_matches(&words[i], r))
            return 1;
    return 0;
}

size_t fs_fail_on_count(uint32_t mask, const struct fs_host_record *hosts, size_t n)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++)
        count += fs_fail_on_host(mask, &hosts[i]) ? 1 : 0;
    return count;
}

int fs_fail_on_exit(uint32_t mask, bool given, bool complete, const struct fs_host_record *hosts,
                    size_t n)
{
    size_t failing = fs_fail_on_count(mask, hosts, n);

    if (given && failing > 0)
        fprintf(stderr, "fleetscan: %zu of %zu host(s) match --fail-on\n", failing, n);
    if (!complete)
        return 1;
    return failing > 0 ? 1 : 0;
}
