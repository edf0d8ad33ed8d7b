/*
 * transport: one target becomes one SSH session on the caller's libuv loop.
 *
 * A session resolves the address (uv_getaddrinfo), connects the TCP socket itself trying every
 * address, hands the socket to libssh (non-blocking), checks the host key against known_hosts
 * with the caller's policy, authenticates with the caller's keys, and runs commands one after
 * the other, each on its own channel. No thread or process per host: everything is driven by
 * a uv_poll on the socket and one uv_timer holding the current deadline.
 *
 * Host keys: a host the scan's known_hosts index (known_index.h) holds with the offered key is
 * accepted by lookup; every other check re-reads known_hosts through libssh, and an accepted new
 * key is appended in the same loop turn, so two inventory entries for one host never append the
 * key twice.
 *
 * Ownership: the caller owns struct fs_transport_config and everything it points to, and must
 * keep it alive until every session finished. A session owns itself: it frees itself after
 * delivering its outcome through done(), from libuv's close callbacks.
 */
#ifndef FS_TRANSPORT_H
#define FS_TRANSPORT_H

#include <libssh/libssh.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "report/report.h"

enum fs_hostkey_policy {
    FS_HOSTKEY_STRICT,     /* only a key already in known_hosts passes */
    FS_HOSTKEY_ACCEPT_NEW, /* unknown hosts are added; changed keys are rejected */
    FS_HOSTKEY_OFF         /* anything passes; a changed key is still reported in notes */
};

struct fs_known_index; /* transport/known_index.h */

/* Settings shared by every session of a scan. */
struct fs_transport_config {
    const char *known_hosts; /* file to check and, under accept-new, append to */
    /* known_hosts read once (fs_known_index_load), or NULL: every check reads the file. */
    const struct fs_known_index *known_index;
    enum fs_hostkey_policy policy;
    uint64_t connect_timeout_ms; /* TCP connect + SSH handshake + auth */
    uint64_t timeout_ms;         /* whole host, commands included */
    size_t output_cap;           /* bytes kept per stream per command; the rest is counted */
};

/* One target as the transport needs it. Strings are borrowed until done() is called. */
struct fs_transport_target {
    const char *address; /* host name or IP literal */
    int port;
    const char *user;
    ssh_key const *keys; /* private keys to offer, in order; borrowed */
    size_t n_keys;
    bool use_agent;              /* offer ssh-agent's keys (SSH_AUTH_SOCK) after keys */
    const char *password;        /* password / keyboard-interactive answer, or NULL; borrowed */
    uint64_t connect_timeout_ms; /* 0: the config's */
    struct fs_jump *jump;        /* reach the host through this bastion, or NULL */
};

/* What one command produced. Buffers belong to the session and live until the next callback. */
struct fs_exec_result {
    const char *out;
    size_t out_len;
    const char *err;
    size_t err_len;
    size_t out_dropped; /* bytes of stdout discarded past output_cap */
    size_t err_dropped;
    int exit_status; /* -1 when the device sent none */
};

/*
 * The session asks for its next command after authentication (prev == NULL) and after each
 * command (prev = that command's result). Return the command text (borrowed until the next
 * call), or NULL to finish.
 */
typedef const char *(*fs_next_command_fn)(void *arg, const struct fs_exec_result *prev);

/* How the session ended. Strings live until done() returns. */
struct fs_transport_outcome {
    enum fs_status status;
    const char *error;          /* NULL when status is ok */
    const char *hostkey_sha256; /* "SHA256:..." of the key the server offered, or NULL */
    const char *hostkey_note;   /* e.g. "host key added to known_hosts", or NULL */
    uint64_t duration_ms;
};

typedef void (*fs_session_done_fn)(void *arg, const struct fs_transport_outcome *o);

struct fs_session;

/*
 * Starts a session on loop. next and done are called from the loop; done exactly once.
 * Returns 0 and, when out is not NULL, the session in *out (valid until done() is called);
 * or a negative libuv error when nothing could be started (done is then never called).
 */
int fs_session_start(uv_loop_t *loop, const struct fs_transport_config *cfg,
                     const struct fs_transport_target *t, fs_next_command_fn next,
                     fs_session_done_fn done, void *arg, struct fs_session **out);

/*
 * Ends a session now, from the loop (never from inside next or done): done() is called at
 * once with FS_STATUS_ERROR and "interrupted while <stage>", and the connection is closed.
 */
void fs_session_cancel(struct fs_session *s);

/*
 * Name lookups still running in libuv's thread pool, over all sessions. A session that timed
 * out while resolving is finished at once, but its lookup cannot be cancelled and keeps its
 * loop busy until the resolver answers.
 */
size_t fs_session_lookups_pending(void);

/*
 * Loads a private key once, before the loop runs. passphrase may be NULL. Returns 0 and a key
 * (ssh_key_free), or -1 with a message in err and *encrypted telling whether the key is
 * encrypted (and the passphrase was missing or wrong). Never prompts on the terminal.
 */
int fs_key_load(const char *path, const char *passphrase, ssh_key *out, bool *encrypted, char *err,
                size_t errlen);

/*
 * A jump host (bastion) shared by the targets that name it: one SSH session to it, opened when
 * the first target needs it and closed when the last one is done, carrying one direct-tcpip
 * channel per target. bastion is copied; its strings and keys are borrowed and, like cfg, must
 * outlive the jump. label ("user@host:port") is copied. Returns NULL when out of memory.
 */
struct fs_jump;
struct fs_jump *fs_jump_new(const struct fs_transport_config *cfg,
                            const struct fs_transport_target *bastion, const char *label);

/* Frees a jump whose sessions are all over (after the loop ended). NULL does nothing. */
void fs_jump_free(struct fs_jump *j);

#endif
