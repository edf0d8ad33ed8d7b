/*
 * Declarations shared by the files of the transport module only.
 */
#ifndef FS_TRANSPORT_INTERNAL_H
#define FS_TRANSPORT_INTERNAL_H

#include <libssh/libssh.h>
#include <stddef.h>

#include "transport/transport.h"

/* What the host key check decided. */
struct hostkey_verdict {
    bool pass;
    enum fs_status status; /* when !pass: FS_STATUS_HOSTKEY_REJECTED or FS_STATUS_ERROR */
    char fingerprint[128]; /* "SHA256:..." or "" */
    char message[768];     /* why it failed, or a note when it passed with something to say */
};

/*
 * Checks the server's key of a session whose key exchange has finished, against known_hosts,
 * applying policy. Under accept-new an unknown key is appended to known_hosts. name is the
 * known_hosts name for messages ("[127.0.0.1]:2222").
 */
void fs_hostkey_check(ssh_session ssh, enum fs_hostkey_policy policy, const char *known_hosts,
                      const char *name, struct hostkey_verdict *v);

#endif
