/*
 * keyring: private keys loaded once per scan, shared by every session that offers them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/scan_internal.h"
#include "transport/transport.h"

struct loaded_key {
    char *path;
    ssh_key key;
};

struct fs_keyring {
    struct loaded_key *loaded; /* every distinct file loaded */
    size_t n_loaded;
    ssh_key *defaults; /* what hosts without identities offer */
    size_t n_defaults;
    ssh_key **arrays; /* per-host arrays handed out, freed with the keyring */
    size_t n_arrays;
};

/* Loads path once; returns the key or NULL with err filled. */
static ssh_key keyring_load(struct fs_keyring *kr, const char *path, char *err, size_t errlen)
{
    struct loaded_key *grown;
    ssh_key key;

    for (size_t i = 0; i < kr->n_loaded; i++)
        if (strcmp(kr->loaded[i].path, path) == 0)
            return kr->loaded[i].key;
    if (fs_key_load(path, &key, err, errlen) != 0)
        return NULL;
    grown = realloc(kr->loaded, (kr->n_loaded + 1) * sizeof *grown);
    if (grown == NULL || (grown[kr->n_loaded].path = strdup(path)) == NULL) {
        if (grown != NULL)
            kr->loaded = grown;
        ssh_key_free(key);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    kr->loaded = grown;
    grown[kr->n_loaded].key = key;
    kr->n_loaded++;
    return key;
}

static int add_default(struct fs_keyring *kr, ssh_key key)
{
    ssh_key *grown = realloc(kr->defaults, (kr->n_defaults + 1) * sizeof *grown);

    if (grown == NULL)
        return -1;
    kr->defaults = grown;
    kr->defaults[kr->n_defaults++] = key;
    return 0;
}

/* The keys OpenSSH offers by default, in its order; missing files are not an error. */
static int load_default_keys(struct fs_keyring *kr)
{
    static const char *const names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
    const char *home = getenv("HOME");
    char path[4096];
    char err[1024];

    if (home == NULL)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ssh_key key;
        snprintf(path, sizeof path, "%s/.ssh/%s", home, names[i]);
        if (access(path, F_OK) != 0)
            continue;
        key = keyring_load(kr, path, err, sizeof err);
        if (key == NULL) {
            fprintf(stderr, "fleetscan: warning: %s; not offering it\n", err);
            continue;
        }
        if (add_default(kr, key) != 0)
            return -1;
    }
    return 0;
}

struct fs_keyring *fs_keyring_new(const char **identities, size_t n, char *err, size_t errlen)
{
    struct fs_keyring *kr = calloc(1, sizeof *kr);

    if (kr == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (n == 0) {
        if (load_default_keys(kr) != 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        return kr;
    }
    for (size_t i = 0; i < n; i++) {
        ssh_key key = keyring_load(kr, identities[i], err, errlen);
        if (key == NULL)
            goto fail;
        if (add_default(kr, key) != 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    return kr;
fail:
    fs_keyring_free(kr);
    return NULL;
}

int fs_keyring_for_target(struct fs_keyring *kr, const char *inventory, const struct fs_target *t,
                          ssh_key const **keys, size_t *n, char *err, size_t errlen)
{
    ssh_key *arr, **grown;
    char why[1024];

    if (t->n_identities == 0) {
        *keys = kr->defaults;
        *n = kr->n_defaults;
        return 0;
    }
    arr = calloc(t->n_identities, sizeof *arr);
    grown = realloc(kr->arrays, (kr->n_arrays + 1) * sizeof *grown);
    if (arr == NULL || grown == NULL) {
        free(arr);
        if (grown != NULL)
            kr->arrays = grown;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    kr->arrays = grown;
    kr->arrays[kr->n_arrays++] = arr;
    for (size_t i = 0; i < t->n_identities; i++) {
        arr[i] = keyring_load(kr, t->identities[i], why, sizeof why);
        if (arr[i] == NULL) {
            snprintf(err, errlen, "%s:%d: identity of host '%s': %s", inventory, t->line, t->name,
                     why);
            return -1;
        }
    }
    *keys = arr;
    *n = t->n_identities;
    return 0;
}

void fs_keyring_free(struct fs_keyring *kr)
{
    if (kr == NULL)
        return;
    for (size_t i = 0; i < kr->n_loaded; i++) {
        free(kr->loaded[i].path);
        ssh_key_free(kr->loaded[i].key);
    }
    for (size_t i = 0; i < kr->n_arrays; i++)
        free(kr->arrays[i]);
    free(kr->arrays);
    free(kr->loaded);
    free(kr->defaults);
    free(kr);
}
