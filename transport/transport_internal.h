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
 * known_hosts name for messages ("[127.0.0.1]:2222"). idx (may be NULL) answers OK for keys it
 * holds for the host without reading the file; every other answer is libssh's.
 */
void fs_hostkey_check(ssh_session ssh, enum fs_hostkey_policy policy, const char *known_hosts,
                      const struct fs_known_index *idx, const char *name,
                      struct hostkey_verdict *v);

/* ---- jump hosts (jump.c) and the bastion mode of a session (session.c) ---- */

/*
 * A session started with hooks is a bastion: after authentication it runs no command but stays
 * open in the TUNNEL state, pumping its channels; ready() is called once authenticated, pump()
 * after every wake-up. It ends when fs_session_cancel() is called or the connection fails.
 */
struct fs_tunnel_hooks {
    void (*ready)(void *arg, ssh_session ssh);
    void (*pump)(void *arg);
};

int fs_session_start_tunnel(uv_loop_t *loop, const struct fs_transport_config *cfg,
                            const struct fs_transport_target *t,
                            const struct fs_tunnel_hooks *hooks, fs_session_done_fn done, void *arg,
                            struct fs_session **out);

/* Runs the session's state machine now (a channel has data to send). */
void fs_session_kick(struct fs_session *s);

/*
 * One target's connection through a bastion: a socketpair whose one end (*fd, owned by the
 * caller) the target session uses as its TCP socket, the other bridged by jump.c to a
 * direct-tcpip channel to host:port. Returns 0 and *b (fs_bridge_release when done), or a
 * negative errno.
 */
struct fs_bridge;
int fs_jump_connect(struct fs_jump *j, uv_loop_t *loop, const char *host, int port, int *fd,
                    struct fs_bridge **b);

/* Why the bridge failed (and the status to report), or NULL when it did not. */
const char *fs_bridge_error(const struct fs_bridge *b, enum fs_status *status);

/* "user@host:port" of the bridge's jump host. */
const char *fs_bridge_jump_label(const struct fs_bridge *b);

/* The target session is done with the bridge. */
void fs_bridge_release(struct fs_bridge *b);

#endif
