/*
 * jump: targets reached through a bastion, natively, on the caller's loop.
 *
 * One SSH session to the bastion (a session.c session in TUNNEL mode: the same connect,
 * host key policy and authentication as any host) carries one direct-tcpip channel per target.
 * Each target gets one end of a socketpair as if it were its TCP socket; the other end, Y, is
 * bridged here: bytes read from Y are written to the channel, channel data is written to Y.
 * Nothing forks and no thread is used.
 *
 * Lifetimes: a bridge lives until both its sides are over: the jump side (Y closed, channel
 * freed) and the target session (fs_bridge_release). The bastion session is started when the
 * first bridge appears and cancelled when the last one is gone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/callbacks.h>

#include "transport/transport_internal.h"

/* Bytes read from Y per wake-up, and how much may wait for the channel's window. */
#define READ_CHUNK    32768
#define UP_MAX        (256 * 1024)
#define DOWN_MAX      (8 * 1024 * 1024)
#define MAX_LIBSSH_FD 65535

enum jump_state { J_IDLE, J_CONNECTING, J_READY, J_FAILED };
enum bridge_state { B_WAITING, B_OPENING, B_OPEN, B_DONE };

struct bytes {
    char *data;
    size_t len;
};

struct fs_bridge {
    struct fs_jump *j;
    struct fs_bridge *next;
    char *host;
    int port;
    enum bridge_state state;
    int y;
    uv_poll_t poll;
    bool poll_open;
    ssh_channel ch;
    struct ssh_channel_callbacks_struct cb;
    struct bytes up;   /* from the target session, waiting for the channel's window */
    struct bytes down; /* from the channel, waiting for Y to take it */
    bool remote_eof;
    bool shut_down; /* Y's write side was shut after the remote EOF */
    bool released;  /* the target session is done with it */
    enum fs_status status;
    char error[700]; /* "" unless the bridge failed */
};

struct fs_jump {
    const struct fs_transport_config *cfg;
    struct fs_transport_target bastion;
    char *label;
    uv_loop_t *loop;
    enum jump_state state;
    struct fs_session *session;
    ssh_session ssh;
    bool closing; /* the bastion session is being ended on purpose */
    struct fs_bridge *bridges;
    size_t n_bridges;
    enum fs_status status;
    char error[900];
};

static void pump(void *arg);

static int bytes_add(struct bytes *b, const void *data, size_t n)
{
    char *p = realloc(b->data, b->len + n);

    if (p == NULL)
        return -1;
    memcpy(p + b->len, data, n);
    b->data = p;
    b->len += n;
    return 0;
}

static void bytes_drop(struct bytes *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

/* ---- bridges ------------------------------------------------------------------------------- */

static void maybe_free_bridge(struct fs_bridge *b);

static void unlink_bridge(struct fs_bridge *b)
{
    struct fs_jump *j = b->j;

    for (struct fs_bridge **p = &j->bridges; *p != NULL; p = &(*p)->next) {
        if (*p == b) {
            *p = b->next;
            j->n_bridges--;
            break;
        }
    }
    /* The last target is gone: the bastion is closed until another one needs it. */
    if (j->n_bridges == 0 && j->session != NULL && !j->closing) {
        j->closing = true;
        fs_session_cancel(j->session);
    }
}

static void on_y_closed(uv_handle_t *h)
{
    struct fs_bridge *b = h->data;

    close(b->y);
    b->y = -1;
    b->poll_open = false;
    maybe_free_bridge(b);
}

static void drop_channel(struct fs_bridge *b)
{
    if (b->ch == NULL)
        return;
    ssh_remove_channel_callbacks(b->ch, &b->cb);
    if (b->j->ssh != NULL)
        ssh_channel_free(b->ch); /* sends CLOSE; libssh frees it when the bastion answers */
    b->ch = NULL;
}

/* Ends the jump side of a bridge: the channel goes, Y is closed, so the target sees EOF. */
static void bridge_end(struct fs_bridge *b)
{
    if (b->state == B_DONE)
        return;
    b->state = B_DONE;
    drop_channel(b);
    if (b->poll_open && !uv_is_closing((uv_handle_t *)&b->poll))
        uv_close((uv_handle_t *)&b->poll, on_y_closed);
}

static void bridge_fail(struct fs_bridge *b, enum fs_status status, const char *msg)
{
    if (b->error[0] == '\0') {
        b->status = status;
        /* Every error of a host behind a bastion names the stage "jump" (docs/errors.md). */
        snprintf(b->error, sizeof b->error, "%s%s",
                 strncmp(msg, "jump: ", 6) == 0 ? "" : "jump: ", msg);
    }
    bridge_end(b);
}

static void maybe_free_bridge(struct fs_bridge *b)
{
    if (b->state != B_DONE || b->poll_open || !b->released)
        return;
    unlink_bridge(b);
    free(b->host);
    free(b->up.data);
    free(b->down.data);
    free(b);
}

/* Writes what waits for Y; returns -1 when Y is gone. */
static int flush_down(struct fs_bridge *b)
{
    while (b->down.len > 0) {
        ssize_t n = write(b->y, b->down.data, b->down.len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        if (n <= 0)
            return -1;
        bytes_drop(&b->down, (size_t)n);
    }
    if (b->remote_eof && !b->shut_down) {
        shutdown(b->y, SHUT_WR);
        b->shut_down = true;
    }
    return 0;
}

/* Writes what waits for the channel, as far as its window allows. */
static int flush_up(struct fs_bridge *b)
{
    while (b->up.len > 0) {
        int n = ssh_channel_write(b->ch, b->up.data, (uint32_t)b->up.len);
        if (n == SSH_ERROR)
            return -1;
        if (n == 0)
            return 0;
        bytes_drop(&b->up, (size_t)n);
    }
    return 0;
}

static void on_y(uv_poll_t *h, int status, int events);

/* Reads Y while the channel keeps up; watches writability while data waits for Y. */
static void rearm_y(struct fs_bridge *b)
{
    int ev = 0;

    if (b->state != B_OPEN || !b->poll_open)
        return;
    if (b->up.len < UP_MAX)
        ev |= UV_READABLE;
    if (b->down.len > 0)
        ev |= UV_WRITABLE;
    if (ev == 0)
        uv_poll_stop(&b->poll);
    else
        uv_poll_start(&b->poll, ev, on_y);
}

static void on_y(uv_poll_t *h, int status, int events)
{
    struct fs_bridge *b = h->data;
    char buf[READ_CHUNK];

    if (b->state != B_OPEN)
        return;
    if (status < 0 || (events & UV_WRITABLE)) {
        if (flush_down(b) != 0) {
            bridge_end(b);
            return;
        }
    }
    if (status < 0 || (events & UV_READABLE)) {
        ssize_t n = read(b->y, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            /* The target session closed its end: the connection is over. */
            bridge_end(b);
            return;
        }
        if (n > 0 && (bytes_add(&b->up, buf, (size_t)n) != 0 || flush_up(b) != 0)) {
            bridge_fail(b, FS_STATUS_ERROR, "the jump host's channel failed");
            return;
        }
    }
    rearm_y(b);
    /* libssh may now hold output for the bastion: let its session flush and re-arm. */
    if (b->j->session != NULL)
        fs_session_kick(b->j->session);
}

static int on_channel_data(ssh_session ssh, ssh_channel ch, void *data, uint32_t len, int is_stderr,
                           void *userdata)
{
    struct fs_bridge *b = userdata;
    (void)ssh;
    (void)ch;
    (void)is_stderr;

    /* Data may come in the same read as the open confirmation, before bridge_step saw it. */
    if (b->state != B_OPEN && b->state != B_OPENING)
        return (int)len;
    if (b->down.len + len > DOWN_MAX || bytes_add(&b->down, data, len) != 0) {
        b->remote_eof = true; /* handled in pump(): too much is waiting */
        return (int)len;
    }
    if (flush_down(b) != 0)
        b->remote_eof = true;
    return (int)len;
}

static void on_channel_eof(ssh_session ssh, ssh_channel ch, void *userdata)
{
    struct fs_bridge *b = userdata;
    (void)ssh;
    (void)ch;
    b->remote_eof = true;
}

/* Starts opening the direct-tcpip channel of a bridge (the bastion is authenticated). */
static void bridge_open(struct fs_bridge *b)
{
    b->ch = ssh_channel_new(b->j->ssh);
    if (b->ch == NULL) {
        bridge_fail(b, FS_STATUS_ERROR, "cannot create a channel on the jump host");
        return;
    }
    memset(&b->cb, 0, sizeof b->cb);
    b->cb.userdata = b;
    b->cb.channel_data_function = on_channel_data;
    b->cb.channel_eof_function = on_channel_eof;
    b->cb.channel_close_function = on_channel_eof;
    ssh_callbacks_init(&b->cb);
    ssh_set_channel_callbacks(b->ch, &b->cb);
    b->state = B_OPENING;
}

/* One step of a bridge, after the bastion's session was pumped. */
static void bridge_step(struct fs_bridge *b)
{
    char msg[700];
    int rc;

    if (b->state == B_OPENING) {
        /* The originator address is informative; OpenSSH's ssh -W sends 127.0.0.1:0 too. */
        rc = ssh_channel_open_forward(b->ch, b->host, b->port, "127.0.0.1", 0);
        if (rc == SSH_AGAIN)
            return;
        if (rc != SSH_OK) {
            snprintf(msg, sizeof msg, "jump host %s could not open a connection to %s port %d: %s",
                     b->j->label, b->host, b->port, ssh_get_error(b->j->ssh));
            bridge_fail(b, FS_STATUS_UNREACHABLE, msg);
            return;
        }
        b->state = B_OPEN;
    }
    if (b->state != B_OPEN)
        return;
    if (flush_up(b) != 0) {
        bridge_fail(b, FS_STATUS_ERROR, "the jump host's channel failed");
        return;
    }
    if (b->down.len > DOWN_MAX) {
        bridge_fail(b, FS_STATUS_ERROR, "the target sent more than the bridge can hold");
        return;
    }
    if (b->remote_eof && b->down.len == 0 && flush_down(b) != 0) {
        bridge_end(b);
        return;
    }
    rearm_y(b);
}

/* ---- the bastion session ------------------------------------------------------------------- */

static void on_ready(void *arg, ssh_session ssh)
{
    struct fs_jump *j = arg;

    j->ssh = ssh;
    j->state = J_READY;
    for (struct fs_bridge *b = j->bridges; b != NULL; b = b->next)
        if (b->state == B_WAITING)
            bridge_open(b);
}

static void pump(void *arg)
{
    struct fs_jump *j = arg;
    struct fs_bridge *b = j->bridges;

    while (b != NULL) {
        struct fs_bridge *next = b->next; /* b may be unlinked only from a close callback */
        bridge_step(b);
        b = next;
    }
}

static void on_bastion_done(void *arg, const struct fs_transport_outcome *o)
{
    struct fs_jump *j = arg;
    char msg[700];

    /* ssh_disconnect() freed every channel with the session. */
    j->ssh = NULL;
    j->session = NULL;
    for (struct fs_bridge *b = j->bridges; b != NULL; b = b->next)
        b->ch = NULL;
    if (j->closing) {
        j->closing = false;
        j->state = J_IDLE;
    } else {
        j->state = J_FAILED;
        j->status = o->status == FS_STATUS_OK ? FS_STATUS_ERROR : o->status;
        snprintf(j->error, sizeof j->error, "jump host %s: %s", j->label,
                 o->error != NULL ? o->error : "the connection ended");
    }
    snprintf(msg, sizeof msg, "%s", j->error[0] ? j->error : "the jump host's connection ended");
    for (struct fs_bridge *b = j->bridges; b != NULL; b = b->next)
        bridge_fail(b, j->status != FS_STATUS_OK ? j->status : FS_STATUS_ERROR, msg);
}

static const struct fs_tunnel_hooks hooks = {on_ready, pump};

static int start_bastion(struct fs_jump *j)
{
    int rc = fs_session_start_tunnel(j->loop, j->cfg, &j->bastion, &hooks, on_bastion_done, j,
                                     &j->session);
    if (rc != 0)
        return rc;
    j->state = J_CONNECTING;
    return 0;
}

/* ---- the public side ----------------------------------------------------------------------- */

int fs_jump_connect(struct fs_jump *j, uv_loop_t *loop, const char *host, int port, int *fd,
                    struct fs_bridge **out)
{
    struct fs_bridge *b = calloc(1, sizeof *b);
    int sv[2];
    int rc;

    if (b == NULL)
        return -ENOMEM;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
        rc = -errno;
        free(b);
        return rc;
    }
    if (sv[0] > MAX_LIBSSH_FD || sv[1] > MAX_LIBSSH_FD || (b->host = strdup(host)) == NULL) {
        close(sv[0]);
        close(sv[1]);
        free(b);
        return -EMFILE;
    }
    b->j = j;
    b->port = port;
    b->y = sv[1];
    b->status = FS_STATUS_OK;
    uv_poll_init(loop, &b->poll, b->y);
    b->poll.data = b;
    b->poll_open = true;
    b->next = j->bridges;
    j->bridges = b;
    j->n_bridges++;
    j->loop = loop;
    if (j->state == J_FAILED) {
        bridge_fail(b, j->status, j->error);
    } else if (j->state == J_READY) {
        bridge_open(b);
        fs_session_kick(j->session);
    } else if (j->state == J_IDLE && (rc = start_bastion(j)) != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "jump host %s: cannot start: %s", j->label, uv_strerror(rc));
        bridge_fail(b, FS_STATUS_ERROR, msg);
    }
    *fd = sv[0];
    *out = b;
    return 0;
}

const char *fs_bridge_error(const struct fs_bridge *b, enum fs_status *status)
{
    if (b->error[0] == '\0')
        return NULL;
    *status = b->status;
    return b->error;
}

const char *fs_bridge_jump_label(const struct fs_bridge *b)
{
    return b->j->label;
}

void fs_bridge_release(struct fs_bridge *b)
{
    b->released = true;
    /* The target's end is closed or about to be: the bridge ends now rather than at EOF. */
    bridge_end(b);
    maybe_free_bridge(b);
}

struct fs_jump *fs_jump_new(const struct fs_transport_config *cfg,
                            const struct fs_transport_target *bastion, const char *label)
{
    struct fs_jump *j = calloc(1, sizeof *j);

    if (j == NULL || (j->label = strdup(label)) == NULL) {
        free(j);
        return NULL;
    }
    j->cfg = cfg;
    j->bastion = *bastion;
    j->bastion.jump = NULL; /* one hop */
    j->state = J_IDLE;
    return j;
}

void fs_jump_free(struct fs_jump *j)
{
    if (j == NULL)
        return;
    free(j->label);
    free(j);
}
