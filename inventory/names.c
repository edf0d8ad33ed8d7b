/*
 * names.c: an open-addressing hash table from host or group names to indices.
 *
 * Inventories with a hundred thousand hosts must parse in a fraction of a second, so finding a
 * duplicate name cannot be a scan of the names seen so far.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"

struct inv_name_slot {
    const char *key; /* NULL marks an empty slot */
    uint64_t hash;
    size_t value;
};

/* FNV-1a: short, fast on short keys, and good enough for names chosen by people. */
static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    while (*s != '\0') {
        h ^= (unsigned char)*s++;
        h *= 1099511628211ULL;
    }
    return h;
}

/* Finds the slot holding key, or the empty slot where it would go. cap is a power of two. */
static struct inv_name_slot *probe(struct inv_name_slot *slots, size_t cap, const char *key,
                                   uint64_t hash)
{
    size_t i = (size_t)hash & (cap - 1);

    while (slots[i].key != NULL && (slots[i].hash != hash || strcmp(slots[i].key, key) != 0)) {
        i = (i + 1) & (cap - 1);
    }
    return &slots[i];
}

/* Doubles the table (or creates it) and moves every entry. Returns 0 or -1. */
static int grow(struct inv_names *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct inv_name_slot *slots = calloc(cap, sizeof(*slots));

    if (slots == NULL) {
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].key != NULL) {
            *probe(slots, cap, t->slots[i].key, t->slots[i].hash) = t->slots[i];
        }
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

int inv_names_put(struct inv_names *t, const char *name, size_t value, size_t *found)
{
    uint64_t h = hash_name(name);
    struct inv_name_slot *slot;

    /* Keep the load at most one half so probe sequences stay short. */
    if ((t->n + 1) * 2 > t->cap && grow(t) < 0) {
        return -1;
    }
    slot = probe(t->slots, t->cap, name, h);
    if (slot->key != NULL) {
        *found = slot->value;
        return 1;
    }
    slot->key = name;
    slot->hash = h;
    slot->value = value;
    t->n++;
    return 0;
}

int inv_names_get(const struct inv_names *t, const char *name, size_t *found)
{
    struct inv_name_slot *slot;

    if (t->cap == 0) {
        return 0;
    }
    slot = probe(t->slots, t->cap, name, hash_name(name));
    if (slot->key == NULL) {
        return 0;
    }
    *found = slot->value;
    return 1;
}

void inv_names_free(struct inv_names *t)
{
    free(t->slots);
    memset(t, 0, sizeof(*t));
}
