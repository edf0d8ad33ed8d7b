/*
 * keyring: private keys loaded once per scan, before the loop, shared by every session that
 * offers them. An encrypted key is opened with the --passphrase-file passphrase, or with one
 * asked on the terminal (at most once per key, never once the scan runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/scan_internal.h"
#include "scanner/secret.h"
#include "transport/transport.h"

/* Terminal attempts per encrypted key, as OpenSSH allows. */
#define PROMPT_ATTEMPTS 3

struct loaded_key {
    char *path;
    ssh_key key; /* NULL when it could not be loaded */
    char *error; /* why, when key is NULL */
};

struct fs_keyring {
    struct loaded_key *loaded; /* every distinct file tried */
    size_t n_loaded;
    ssh_key *cli; /* the -i keys */
    size_t n_cli;
    ssh_key *defaults; /* ~/.ssh/id_* that loaded */
    size_t n_defaults;
    bool defaults_loaded;
    ssh_key **arrays; /* per-host arrays handed out, freed with the keyring */
    size_t n_arrays;
    char *passphrase; /* the last one that opened a key; wiped at the end */
    bool prompt;
};

static ssh_key try_passphrases(struct fs_keyring *kr, const char *path, char *err, size_t errlen)
{
    char prompt[4200];
    ssh_key key = NULL;
    bool enc = false;

    if (kr->passphrase != NULL && fs_key_load(path, kr->passphrase, &key, &enc, err, errlen) == 0)
        return key;
    if (!kr->prompt)
        return NULL;
    snprintf(prompt, sizeof prompt, "Enter passphrase for key '%s': ", path);
    for (int i = 0; i < PROMPT_ATTEMPTS; i++) {
        char *p = fs_secret_prompt(prompt);
        if (p == NULL || p[0] == '\0') {
            fs_secret_free(p);
            return NULL;
        }
        if (fs_key_load(path, p, &key, &enc, err, errlen) == 0) {
            fs_secret_free(kr->passphrase);
            kr->passphrase = p; /* transferred: tried first on the next encrypted key */
            return key;
        }
        fs_secret_free(p);
    }
    return NULL;
}

/* Tries path once per scan; returns the key, or NULL with the reason in err. */
static ssh_key keyring_load(struct fs_keyring *kr, const char *path, char *err, size_t errlen)
{
    struct loaded_key *grown, *k;
    ssh_key key = NULL;
    bool enc = false;

    for (size_t i = 0; i < kr->n_loaded; i++) {
        if (strcmp(kr->loaded[i].path, path) == 0) {
            if (kr->loaded[i].key == NULL)
                snprintf(err, errlen, "%s", kr->loaded[i].error);
            return kr->loaded[i].key;
        }
    }
    if (fs_key_load(path, NULL, &key, &enc, err, errlen) != 0 && enc)
        key = try_passphrases(kr, path, err, errlen);
    grown = realloc(kr->loaded, (kr->n_loaded + 1) * sizeof *grown);
    if (grown == NULL) {
        ssh_key_free(key);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    kr->loaded = grown;
    k = &grown[kr->n_loaded];
    k->path = strdup(path);
    k->key = key;
    k->error = key == NULL ? strdup(err) : NULL;
    if (k->path == NULL || (key == NULL && k->error == NULL)) {
        free(k->path);
        free(k->error);
        ssh_key_free(key);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    kr->n_loaded++;
    return key;
}

static int push(ssh_key **arr, size_t *n, ssh_key key)
{
    ssh_key *grown = realloc(*arr, (*n + 1) * sizeof *grown);

    if (grown == NULL)
        return -1;
    *arr = grown;
    grown[(*n)++] = key;
    return 0;
}

/* The keys OpenSSH offers by default, in its order; missing files are not an error. */
static int load_default_keys(struct fs_keyring *kr)
{
    static const char *const names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
    const char *home = getenv("HOME");
    char path[4096];
    char err[1024];

    kr->defaults_loaded = true;
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
        if (push(&kr->defaults, &kr->n_defaults, key) != 0)
            return -1;
    }
    return 0;
}

struct fs_keyring *fs_keyring_new(const struct fs_keyring_options *ko, char *err, size_t errlen)
{
    struct fs_keyring *kr = calloc(1, sizeof *kr);

    if (kr == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    kr->prompt = ko->prompt;
    if (ko->passphrase != NULL && (kr->passphrase = strdup(ko->passphrase)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < ko->n_identities; i++) {
        ssh_key key = keyring_load(kr, ko->identities[i], err, errlen);
        if (key == NULL)
            goto fail;
        if (push(&kr->cli, &kr->n_cli, key) != 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    return kr;
fail:
    fs_keyring_free(kr);
    return NULL;
}

/* A per-host array the keyring owns. */
static ssh_key *new_array(struct fs_keyring *kr, size_t n)
{
    ssh_key *arr = calloc(n > 0 ? n : 1, sizeof *arr);
    ssh_key **grown = realloc(kr->arrays, (kr->n_arrays + 1) * sizeof *grown);

    if (grown != NULL)
        kr->arrays = grown;
    if (arr == NULL || grown == NULL) {
        free(arr);
        return NULL;
    }
    grown[kr->n_arrays++] = arr;
    return arr;
}

/* -i keys, then the ssh_config IdentityFile keys that load (missing ones are skipped). */
static int cli_and_config(struct fs_keyring *kr, const struct fs_ssh_host *ch, ssh_key const **keys,
                          size_t *n)
{
    size_t n_cfg = ch != NULL ? ch->n_identities : 0;
    ssh_key *arr;
    char why[1024];

    if (n_cfg == 0) {
        *keys = kr->cli;
        *n = kr->n_cli;
        return 0;
    }
    if ((arr = new_array(kr, kr->n_cli + n_cfg)) == NULL)
        return -1;
    if (kr->n_cli > 0)
        memcpy(arr, kr->cli, kr->n_cli * sizeof *arr);
    *n = kr->n_cli;
    for (size_t i = 0; i < n_cfg; i++) {
        const char *path = ch->identities[i];
        bool seen = false;
        ssh_key key;
        /* OpenSSH skips an IdentityFile that does not exist without a word. */
        if (access(path, F_OK) != 0)
            continue;
        for (size_t k = 0; k < kr->n_loaded; k++)
            seen = seen || strcmp(kr->loaded[k].path, path) == 0;
        key = keyring_load(kr, path, why, sizeof why);
        if (key == NULL) {
            if (!seen)
                fprintf(stderr, "fleetscan: warning: IdentityFile %s; not offering it\n", why);
            continue;
        }
        arr[(*n)++] = key;
    }
    *keys = arr;
    return 0;
}

int fs_keyring_for_target(struct fs_keyring *kr, const char *inventory, const struct fs_target *t,
                          const struct fs_ssh_host *ch, ssh_key const **keys, size_t *n, char *err,
                          size_t errlen)
{
    ssh_key *arr;
    char why[1024];

    if (t->n_identities == 0) {
        if (cli_and_config(kr, ch, keys, n) != 0)
            goto oom;
        if (*n > 0)
            return 0;
        if (!kr->defaults_loaded && load_default_keys(kr) != 0)
            goto oom;
        *keys = kr->defaults;
        *n = kr->n_defaults;
        return 0;
    }
    if ((arr = new_array(kr, t->n_identities)) == NULL)
        goto oom;
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
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

void fs_keyring_free(struct fs_keyring *kr)
{
    if (kr == NULL)
        return;
    for (size_t i = 0; i < kr->n_loaded; i++) {
        free(kr->loaded[i].path);
        free(kr->loaded[i].error);
        ssh_key_free(kr->loaded[i].key);
    }
    for (size_t i = 0; i < kr->n_arrays; i++)
        free(kr->arrays[i]);
    free(kr->arrays);
    free(kr->loaded);
    free(kr->cli);
    free(kr->defaults);
    fs_secret_free(kr->passphrase);
    free(kr);
}
