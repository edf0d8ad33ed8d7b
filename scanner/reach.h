/*
 * reach: how each inventory host is reached, from the command line, the inventory, ssh_config
 * and the defaults, in that order of precedence (docs/ssh.md). It owns what every session of
 * the scan borrows: the ssh_config, the private keys, the password, and one jump host object
 * per distinct bastion.
 */
#ifndef FS_REACH_H
#define FS_REACH_H

#include <stddef.h>

#include "inventory/inventory.h"
#include "report/report.h"
#include "scanner/scan.h"
#include "transport/transport.h"

struct fs_reach;

/*
 * Reads ssh_config, the -i keys, the passphrase and password files (or FLEETSCAN_PASSWORD).
 * tcfg is borrowed for the jump hosts and must outlive the reach. Returns 0 and *out
 * (fs_reach_free), or -1 with a message naming the file and line in err.
 */
int fs_reach_new(const struct fs_scan_options *o, const struct fs_transport_config *tcfg,
                 struct fs_reach **out, char *err, size_t errlen);

/*
 * Decides address, port, user, keys, agent, password, connect timeout and jump host of t;
 * fills rec's address, port and user (owned by rec) and tt (borrowing from rec and the reach).
 * Returns 0, or -1 with "FILE:LINE: ..." in err (an input error: nothing is scanned).
 */
int fs_reach_target(struct fs_reach *r, const char *inventory, const struct fs_target *t,
                    struct fs_host_record *rec, struct fs_transport_target *tt, char *err,
                    size_t errlen);

/* Frees everything; call after the loop ended. NULL does nothing. */
void fs_reach_free(struct fs_reach *r);

#endif
