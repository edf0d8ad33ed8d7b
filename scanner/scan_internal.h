/*
 * Declarations shared by the files of the scanner only.
 */
#ifndef FS_SCAN_INTERNAL_H
#define FS_SCAN_INTERNAL_H

#include <libssh/libssh.h>
#include <stddef.h>

#include "inventory/inventory.h"

/*
 * The private keys of a scan, each file loaded once. The keyring owns every key and every
 * per-host key array it hands out; fs_keyring_free releases them all.
 */
struct fs_keyring;

/*
 * Loads the -i files (all must load), or when there are none the default keys
 * ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exist (one that cannot be loaded is skipped with a
 * warning on stderr). Returns NULL with a message in err on failure.
 */
struct fs_keyring *fs_keyring_new(const char **identities, size_t n, char *err, size_t errlen);

/*
 * The keys to offer to target t: its inventory identities when it names any (loaded on first
 * use), else the keyring's default set. Returns 0, or -1 with "INVENTORY:LINE: ..." in err.
 */
int fs_keyring_for_target(struct fs_keyring *kr, const char *inventory, const struct fs_target *t,
                          ssh_key const **keys, size_t *n, char *err, size_t errlen);

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
