/*
 * Declarations shared by the files of the scanner only.
 */
#ifndef FS_SCAN_INTERNAL_H
#define FS_SCAN_INTERNAL_H

#include <libssh/libssh.h>
#include <stddef.h>

#include <stdbool.h>

#include "inventory/inventory.h"
#include "scanner/ssh_config.h"

/*
 * The private keys of a scan, each file loaded once. The keyring owns every key and every
 * per-host key array it hands out; fs_keyring_free releases them all.
 */
struct fs_keyring;

/* What the keyring is given before the scan. Strings are borrowed. */
struct fs_keyring_options {
    const char **identities; /* -i files: every one must load */
    size_t n_identities;
    const char *passphrase; /* from --passphrase-file, or NULL */
    bool prompt;            /* may ask for passphrases on the terminal (before the scan) */
};

/* Loads the -i files. Returns NULL with a message in err when one cannot be loaded. */
struct fs_keyring *fs_keyring_new(const struct fs_keyring_options *ko, char *err, size_t errlen);

/*
 * The keys to offer to target t, loaded on first use: its inventory identities when it names
 * any (all must load); else the -i keys followed by the IdentityFile keys of its ssh_config
 * (ch, may be NULL; missing files are skipped, unusable ones warned about once); else the
 * default keys ~/.ssh/id_ed25519, id_ecdsa, id_rsa that load. Returns 0, or -1 with
 * "INVENTORY:LINE: ..." in err.
 */
int fs_keyring_for_target(struct fs_keyring *kr, const char *inventory, const struct fs_target *t,
                          const struct fs_ssh_host *ch, ssh_key const **keys, size_t *n, char *err,
                          size_t errlen);

void fs_keyring_free(struct fs_keyring *kr);

/*
 * Creates the output directory if needed and takes the exclusive lock DIR/.fleetscan.lock
 * (scanner/outlock.c), writing this process's id into it. Returns 0 and the descriptor that
 * holds the lock in *fd, or -1 with a message in err; when another run holds the lock the
 * message names its process id.
 */
int fs_outlock_take(const char *dir, int *fd, char *err, size_t errlen);

/* Drops the lock (the file stays). fd may be -1. */
void fs_outlock_release(int fd);

#endif
