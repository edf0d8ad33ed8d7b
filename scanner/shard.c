/*
 * shard: `fleetscan scan --shard K/N`, a stable slice of the inventory.
 *
 * A host's shard depends on its name only, never on its place in the inventory: the same host
 * lands in the same shard when the inventory is reordered or grows, so each machine of a
 * Kubernetes Indexed Job or a Slurm array keeps scanning "its" hosts night after night.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/tools.h"

int fs_shard_parse(const char *text, int *index, int *count, char *err, size_t errlen)
{
    char *end;
    long k, n;

    errno = 0;
    k = strtol(text, &end, 10);
    if (errno == 0 && end != text && *end == '/' && end[1] >= '0' && end[1] <= '9') {
        const char *p = end + 1;
        n = strtol(p, &end, 10);
        if (errno == 0 && *end == '\0' && n >= 1 && n <= FS_SHARD_MAX && k >= 1 && k <= n) {
            *index = (int)k;
            *count = (int)n;
            return 0;
        }
    }
    snprintf(err, errlen,
             "--shard '%s': expected K/N with 1 <= K <= N <= %d (for example 2/4: the second "
             "of four shards)",
             text, FS_SHARD_MAX);
    return -1;
}

int fs_shard_of(const char *name, int count)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a offset basis */

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        h ^= *p;
        h *= 0x100000001b3u; /* FNV prime */
    }
    /* FNV's low bits follow the last bytes closely; the finaliser spreads every bit. */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return (int)(h % (uint64_t)count) + 1;
}

static void free_target(struct fs_target *t)
{
    free(t->name);
    free(t->address);
    free(t->user);
    for (size_t i = 0; i < t->n_identities; i++)
        free(t->identities[i]);
    free(t->identities);
    free(t->tags);
}

int fs_shard_select(struct fs_inventory *inv, int index, int count, size_t **positions,
                    size_t *total)
{
    size_t kept = 0;
    size_t *pos = calloc(inv->n_targets + 1, sizeof *pos);

    if (pos == NULL)
        return -1;
    for (size_t i = 0; i < inv->n_targets; i++) {
        if (fs_shard_of(inv->targets[i].name, count) != index) {
            free_target(&inv->targets[i]);
            continue;
        }
        pos[kept] = i;
        inv->targets[kept++] = inv->targets[i];
    }
    *total = inv->n_targets;
    inv->n_targets = kept;
    *positions = pos;
    return 0;
}
