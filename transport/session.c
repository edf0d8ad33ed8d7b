/*
 * session: the per-host state machine.
 *
 *   RESOLVE -> CONNECT -> HANDSHAKE -> AUTH -> OPEN -> EXEC -> READ -> (OPEN ... | done)
 *
 * Callbacks (name resolution, socket readiness, the timer) only feed events into step(),
 * which advances as far as it can without blocking and re-arms the poll for what libssh
 * waits for. One timer holds the deadline of the current state: the connect deadline
 * (--connect-timeout) until authentication succeeded, the whole-host deadline (--timeout)
 * always, and a short grace period after EOF while waiting for the exit status.
 *
 * File descriptors: the socket A is ours and is what uv_poll watches; libssh gets B = dup(A).
 * libssh 0.10 closes its descriptor on some error paths and in ssh_disconnect(); libuv would
 * abort if a polled descriptor vanished under it, so A stays open until the poll handle is
 * closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/callbacks.h>

#include "transport/known_index.h"
#include "transport/transport_internal.h"

/* How long to wait for the exit status after EOF before taking the command as finished. */
#define EXIT_STATUS_GRACE_MS 300
/* libssh keeps only the low 16 bits of a descriptor given with SSH_OPTIONS_FD. */
#define MAX_LIBSSH_FD 65535

enum state {
    ST_RESOLVE,
    ST_CONNECT,
    ST_HANDSHAKE,
    ST_AUTH,
    ST_OPEN,
    ST_EXEC,
    ST_READ,
    ST_TUNNEL, /* a bastion: authenticated, carrying jump.c's channels */
    ST_DONE
};

/* Authentication methods, in the order they are tried (OpenSSH's order, agent after files). */
enum auth_phase { AP_KEYS, AP_NONE, AP_AGENT, AP_PASSWORD, AP_KBDINT, AP_FAILED };

/* Keyboard-interactive rounds answered before giving up (a server may ask again and again). */
#define MAX_KBDINT_ROUNDS 4

struct buf {
    char *data;
    size_t len;
    size_t dropped;
};

struct fs_session {
    uv_loop_t *loop;
    const struct fs_transport_config *cfg;
    struct fs_transport_target t;
    fs_next_command_fn next;
    fs_session_done_fn done;
    void *arg;

    enum state state;
    uint64_t started_ms;
    uint64_t connect_deadline;
    uint64_t host_deadline;
    uint64_t started_hr;

    uv_getaddrinfo_t gai;
    bool gai_pending;
    struct addrinfo *addrs;
    struct addrinfo *next_addr;
    char addr_text[INET6_ADDRSTRLEN];
    char last_connect_error[256];

    int fd; /* A: ours, polled */
    uv_poll_t poll;
    bool poll_open;
    uv_timer_t timer;
    bool timer_open;

    ssh_session ssh;
    ssh_event event; /* pumps the session while reading (see step_read) */
    ssh_channel channel;
    struct ssh_channel_callbacks_struct channel_cb;
    size_t key_index;
    enum auth_phase auth_phase;
    int kbdint_rounds;
    char auth_tried[160]; /* what was offered, for the failure message */
    const char *command;
    struct buf out;
    struct buf err;
    int exit_status;
    bool got_exit_status;
    bool got_close;
    bool eof;
    bool overflow; /* stdout or stderr went past output_cap: stop reading */
    uint64_t eof_ms;

    const struct fs_tunnel_hooks *hooks; /* set for a bastion session */
    struct fs_bridge *bridge;            /* set for a target reached through a bastion */

    char known_name[300];
    struct hostkey_verdict hostkey;
    char error[1024];
    bool finished;
};

static void step(struct fs_session *s);
static void try_next_address(struct fs_session *s);

static void maybe_free(struct fs_session *s)
{
    if (!s->finished || s->poll_open || s->timer_open || s->gai_pending)
        return;
    if (s->addrs != NULL)
        uv_freeaddrinfo(s->addrs);
    free(s->out.data);
    free(s->err.data);
    free(s);
}

static void on_handle_closed(uv_handle_t *h)
{
    struct fs_session *s = h->data;

    if (h == (uv_handle_t *)&s->poll) {
        close(s->fd);
        s->fd = -1;
        s->poll_open = false;
    } else {
        s->timer_open = false;
    }
    maybe_free(s);
}

/*
 * Frees the channel. Its callbacks go first: libssh keeps a channel that is still open at the
 * far end until the server closes it, and its packets must not reach this session after that.
 */
static void release_channel(struct fs_session *s)
{
    if (s->channel == NULL)
        return;
    ssh_remove_channel_callbacks(s->channel, &s->channel_cb);
    ssh_channel_free(s->channel);
    s->channel = NULL;
}

/* Ends the libssh side: channel, then session. Safe to call at any state. */
static void ssh_teardown(struct fs_session *s)
{
    release_channel(s);
    if (s->event != NULL) {
        ssh_event_remove_session(s->event, s->ssh);
        ssh_event_free(s->event);
        s->event = NULL;
    }
    if (s->ssh != NULL) {
        socket_t b = ssh_get_fd(s->ssh);
        struct stat before, after;
        bool have_b = b != SSH_INVALID_SOCKET && fstat(b, &before) == 0;

        if (b != SSH_INVALID_SOCKET)
            ssh_disconnect(s->ssh);
        ssh_free(s->ssh);
        s->ssh = NULL;
        /*
         * libssh 0.10.6 leaves a descriptor given with SSH_OPTIONS_FD open after
         * ssh_disconnect() and ssh_free(): every finished host would keep its connection until
         * fleetscan exits. B is closed here when it still names the same socket (A keeps that
         * socket alive, so an equal device and inode cannot be another file that reused the
         * number).
         */
        if (have_b && fstat(b, &after) == 0 && after.st_dev == before.st_dev &&
            after.st_ino == before.st_ino)
            close(b);
    }
}

/* Delivers the outcome once and starts closing every handle. */
__attribute__((format(printf, 3, 4))) static void
finish(struct fs_session *s, enum fs_status status, const char *fmt, ...)
{
    struct fs_transport_outcome o;

    if (s->finished)
        return;
    s->finished = true;
    s->state = ST_DONE;
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->error, sizeof s->error, fmt, ap);
        va_end(ap);
    }
    if (s->bridge != NULL) {
        /* Through a bastion, what went wrong there says more than the socket's EOF. */
        enum fs_status bst;
        const char *why = fs_bridge_error(s->bridge, &bst);
        if (status != FS_STATUS_OK && status != FS_STATUS_HOSTKEY_REJECTED && why != NULL) {
            status = bst;
            snprintf(s->error, sizeof s->error, "%s", why);
        } else if (status != FS_STATUS_OK) {
            size_t n = strlen(s->error);
            snprintf(s->error + n, sizeof s->error - n, " (through jump host %s)",
                     fs_bridge_jump_label(s->bridge));
        }
    }
    ssh_teardown(s);
    if (s->bridge != NULL) {
        fs_bridge_release(s->bridge);
        s->bridge = NULL;
    }
    if (s->gai_pending)
        uv_cancel((uv_req_t *)&s->gai);
    if (s->poll_open) {
        /* A failed connect attempt may already be closing it; its callback closes the fd. */
        if (!uv_is_closing((uv_handle_t *)&s->poll))
            uv_close((uv_handle_t *)&s->poll, on_handle_closed);
    } else if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    if (s->timer_open)
        uv_close((uv_handle_t *)&s->timer, on_handle_closed);

    memset(&o, 0, sizeof o);
    o.status = status;
    o.error = status == FS_STATUS_OK ? NULL : s->error;
    o.hostkey_sha256 = s->hostkey.fingerprint[0] ? s->hostkey.fingerprint : NULL;
    o.hostkey_note = s->hostkey.pass && s->hostkey.message[0] ? s->hostkey.message : NULL;
    o.duration_ms = (uv_hrtime() - s->started_hr) / 1000000u;
    s->done(s->arg, &o);
    maybe_free(s);
}

/* The host's ConnectTimeout from ssh_config when it has one, else --connect-timeout. */
static uint64_t connect_timeout_ms(const struct fs_session *s)
{
    return s->t.connect_timeout_ms > 0 ? s->t.connect_timeout_ms : s->cfg->connect_timeout_ms;
}

static double seconds(uint64_t ms)
{
    return (double)ms / 1000.0;
}

/* The deadline of the current state. */
static uint64_t current_deadline(const struct fs_session *s)
{
    uint64_t d = s->host_deadline;

    if (s->state <= ST_AUTH && s->connect_deadline < d)
        d = s->connect_deadline;
    if (s->state == ST_READ && s->eof && s->eof_ms + EXIT_STATUS_GRACE_MS < d)
        d = s->eof_ms + EXIT_STATUS_GRACE_MS;
    return d;
}

static void on_timer(uv_timer_t *h);

static void arm_timer(struct fs_session *s)
{
    uint64_t now = uv_now(s->loop);
    uint64_t d = current_deadline(s);

    if (s->state == ST_TUNNEL) {
        /* A bastion lives as long as targets use it. */
        uv_timer_stop(&s->timer);
        return;
    }
    uv_timer_start(&s->timer, on_timer, d > now ? d - now : 0, 0);
}

/* Says, for a person, which stage ran out of time. */
static void fail_deadline(struct fs_session *s)
{
    bool connect_limit = s->state <= ST_AUTH && s->connect_deadline <= s->host_deadline;
    uint64_t limit = connect_limit ? connect_timeout_ms(s) : s->cfg->timeout_ms;
    const char *opt = connect_limit ? "--connect-timeout" : "--timeout";
    double sec = seconds(limit);

    switch (s->state) {
    case ST_RESOLVE:
        finish(s, FS_STATUS_TIMEOUT, "timeout: resolving '%s' took longer than %.3g s (%s)",
               s->t.address, sec, opt);
        break;
    case ST_CONNECT:
        finish(s, FS_STATUS_TIMEOUT,
               "timeout: TCP connect to %s port %d got no answer within %.3g s (%s); "
               "is the host up, and does a firewall drop the port?",
               s->addr_text, s->t.port, sec, opt);
        break;
    case ST_HANDSHAKE:
        if (s->ssh == NULL || ssh_get_serverbanner(s->ssh) == NULL)
            finish(s, FS_STATUS_TIMEOUT,
                   "timeout: connected to %s port %d but no SSH banner came within %.3g s (%s); "
                   "is an SSH server listening there, and is it overloaded (MaxStartups)?",
                   s->addr_text, s->t.port, sec, opt);
        else
            finish(s, FS_STATUS_TIMEOUT,
                   "timeout: SSH key exchange with %s port %d did not finish within %.3g s (%s)",
                   s->addr_text, s->t.port, sec, opt);
        break;
    case ST_AUTH:
        finish(s, FS_STATUS_TIMEOUT, "timeout: authentication did not finish within %.3g s (%s)",
               sec, opt);
        break;
    default:
        finish(s, FS_STATUS_TIMEOUT,
               "timeout: the probe did not finish within %.3g s (%s); %zu bytes of output received",
               sec, opt, s->out.len + s->out.dropped);
        break;
    }
}

static void on_timer(uv_timer_t *h)
{
    struct fs_session *s = h->data;

    if (s->finished)
        return;
    if (s->state == ST_READ && s->eof && uv_now(s->loop) < s->host_deadline) {
        /* EOF came but no exit status within the grace period: the command is over. */
        s->got_close = true;
        step(s);
        return;
    }
    fail_deadline(s);
}

/* Watches for what libssh waits for: always readable, writable only while it has output. */
static void on_poll(uv_poll_t *h, int status, int events);

static void rearm_poll(struct fs_session *s)
{
    int events = UV_READABLE;

    if (s->ssh != NULL && (ssh_get_status(s->ssh) & SSH_WRITE_PENDING))
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, on_poll);
}

/* ---- name resolution and TCP connect ------------------------------------------------------ */

/*
 * Name lookups started and not yet answered, over every session. libuv cannot cancel a lookup
 * that a thread-pool thread already runs, so one given up on (its host timed out) may outlive
 * its session: the scanner asks this before closing the loop (scanner/scan.c).
 */
static size_t lookups_pending;

size_t fs_session_lookups_pending(void)
{
    return lookups_pending;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct fs_session *s = req->data;

    lookups_pending--;
    s->gai_pending = false;
    s->addrs = res;
    if (s->finished) {
        maybe_free(s);
        return;
    }
    if (status != 0) {
        finish(s, FS_STATUS_UNREACHABLE,
               "resolve: cannot resolve '%s': %s; check the name and the DNS configuration",
               s->t.address, uv_strerror(status));
        return;
    }
    s->next_addr = res;
    s->state = ST_CONNECT;
    try_next_address(s);
}

static void address_text(const struct addrinfo *ai, char *buf, size_t len)
{
    const void *a = ai->ai_family == AF_INET6
                        ? (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                        : (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
    if (inet_ntop(ai->ai_family, a, buf, (socklen_t)len) == NULL)
        snprintf(buf, len, "?");
}

static void on_attempt_closed(uv_handle_t *h)
{
    struct fs_session *s = h->data;

    close(s->fd);
    s->fd = -1;
    s->poll_open = false;
    if (s->finished) {
        maybe_free(s);
        return;
    }
    try_next_address(s);
}

/* Gives up on the current address and moves to the next once the poll handle is closed. */
static void attempt_failed(struct fs_session *s, int err)
{
    snprintf(s->last_connect_error, sizeof s->last_connect_error, "%s port %d: %s", s->addr_text,
             s->t.port, strerror(err));
    if (s->poll_open) {
        uv_close((uv_handle_t *)&s->poll, on_attempt_closed);
    } else {
        close(s->fd);
        s->fd = -1;
        try_next_address(s);
    }
}

static void start_ssh(struct fs_session *s);

static void on_connect_ready(struct fs_session *s)
{
    int err = 0;
    socklen_t len = sizeof err;

    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err != 0) {
        attempt_failed(s, err);
        return;
    }
    start_ssh(s);
}

static void try_next_address(struct fs_session *s)
{
    while (s->next_addr != NULL) {
        struct addrinfo *ai = s->next_addr;
        int one = 1;
        int fd;

        s->next_addr = ai->ai_next;
        address_text(ai, s->addr_text, sizeof s->addr_text);
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || fd > MAX_LIBSSH_FD) {
            int e = fd < 0 ? errno : EMFILE;
            if (fd >= 0)
                close(fd);
            snprintf(s->last_connect_error, sizeof s->last_connect_error, "%s port %d: %s",
                     s->addr_text, s->t.port, strerror(e));
            continue;
        }
        /* libssh sets TCP_NODELAY only on sockets it creates; without it a loopback
         * handshake waits on delayed ACKs. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        s->fd = fd;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            attempt_failed(s, errno);
            return;
        }
        uv_poll_init(s->loop, &s->poll, fd);
        s->poll.data = s;
        s->poll_open = true;
        uv_poll_start(&s->poll, UV_WRITABLE, on_poll);
        return;
    }
    finish(s, FS_STATUS_UNREACHABLE, "connect: cannot connect to %s",
           s->last_connect_error[0] ? s->last_connect_error : "any address");
}

/* ---- SSH ----------------------------------------------------------------------------------- */

static void on_exit_status(ssh_session ssh, ssh_channel ch, int status, void *userdata)
{
    struct fs_session *s = userdata;
    (void)ssh;
    (void)ch;
    s->exit_status = status;
    s->got_exit_status = true;
}

/* Keeps up to cap bytes; counts the rest so the report can say how much was discarded. */
static int buf_append(struct buf *b, const char *data, size_t n, size_t cap)
{
    size_t room = b->len < cap ? cap - b->len : 0;
    size_t keep = n < room ? n : room;

    if (keep > 0) {
        char *p = realloc(b->data, b->len + keep + 1);
        if (p == NULL)
            return -1;
        b->data = p;
        memcpy(b->data + b->len, data, keep);
        b->len += keep;
        b->data[b->len] = '\0';
    }
    b->dropped += n - keep;
    return 0;
}

/* Keeps up to output_cap bytes per stream; past it, counts what arrives and stops reading. */
static int on_data(ssh_session ssh, ssh_channel ch, void *data, uint32_t len, int is_stderr,
                   void *userdata)
{
    struct fs_session *s = userdata;
    struct buf *b = is_stderr ? &s->err : &s->out;
    (void)ssh;
    (void)ch;

    if (buf_append(b, data, len, s->cfg->output_cap) != 0) {
        /* Out of memory: keep what is there and end the command as if over the cap. */
        b->dropped += len;
    }
    if (b->dropped > 0)
        s->overflow = true;
    return (int)len;
}

static void on_eof(ssh_session ssh, ssh_channel ch, void *userdata)
{
    struct fs_session *s = userdata;
    (void)ssh;
    (void)ch;
    if (!s->eof) {
        s->eof = true;
        s->eof_ms = uv_now(s->loop);
    }
}

static void on_channel_close(ssh_session ssh, ssh_channel ch, void *userdata)
{
    struct fs_session *s = userdata;
    (void)ssh;
    (void)ch;
    s->got_close = true;
}

static void start_ssh(struct fs_session *s)
{
    int b = dup(s->fd);
    long verbosity = SSH_LOG_NOLOG;
    bool no = false;
    unsigned int port = (unsigned int)s->t.port;

    s->ssh = ssh_new();
    if (b < 0 || s->ssh == NULL) {
        if (b >= 0)
            close(b);
        finish(s, FS_STATUS_ERROR, "setup: cannot start an SSH session: %s", strerror(errno));
        return;
    }
    ssh_options_set(s->ssh, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
    /* libssh does not read ssh_config: its ProxyCommand and Match exec would fork per host.
     * fleetscan reads it itself, once (scanner/ssh_config.c), and passes what it decided. */
    ssh_options_set(s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no);
    /* HOST and PORT name the known_hosts entry ("[host]:port" when port != 22). */
    ssh_options_set(s->ssh, SSH_OPTIONS_HOST, s->t.address);
    ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &port);
    if (s->t.user != NULL && ssh_options_set(s->ssh, SSH_OPTIONS_USER, s->t.user) != SSH_OK) {
        close(b);
        finish(s, FS_STATUS_ERROR, "setup: user name '%s' refused by libssh: %s", s->t.user,
               ssh_get_error(s->ssh));
        return;
    }
    ssh_options_set(s->ssh, SSH_OPTIONS_KNOWNHOSTS, s->cfg->known_hosts);
    fs_known_index_apply(s->cfg->known_index, s->ssh, s->t.address, s->t.port, s->cfg->known_hosts);
    ssh_options_set(s->ssh, SSH_OPTIONS_FD, &b);
    ssh_set_blocking(s->ssh, 0);
    if (s->t.port == 22)
        snprintf(s->known_name, sizeof s->known_name, "%s", s->t.address);
    else
        snprintf(s->known_name, sizeof s->known_name, "[%s]:%d", s->t.address, s->t.port);
    s->state = ST_HANDSHAKE;
    arm_timer(s);
    step(s);
}

/* libssh 0.10 may answer AGAIN forever after the server hung up; detect that. */
static bool connection_lost(struct fs_session *s)
{
    return !ssh_is_connected(s->ssh) || (ssh_get_status(s->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR));
}

/* Returns true when the state advanced and step() should go on. */
static bool step_handshake(struct fs_session *s)
{
    int rc = ssh_connect(s->ssh);

    if (rc == SSH_AGAIN)
        return false;
    if (rc != SSH_OK) {
        /* No banner at all: something other than an SSH server, or one that hung up at once. */
        if (ssh_get_serverbanner(s->ssh) == NULL)
            finish(s, FS_STATUS_ERROR,
                   "banner: %s port %d closed the connection without sending an SSH banner "
                   "(%s); is an SSH server listening there?",
                   s->addr_text, s->t.port, ssh_get_error(s->ssh));
        else
            finish(s, FS_STATUS_ERROR, "kex: SSH handshake with %s port %d failed: %s",
                   s->addr_text, s->t.port, ssh_get_error(s->ssh));
        return false;
    }
    fs_hostkey_check(s->ssh, s->cfg->policy, s->cfg->known_hosts, s->cfg->known_index,
                     s->known_name, &s->hostkey);
    if (!s->hostkey.pass) {
        finish(s, s->hostkey.status, "%s", s->hostkey.message);
        return false;
    }
    s->state = ST_AUTH;
    s->auth_phase = s->t.n_keys > 0 ? AP_KEYS : AP_NONE;
    return true;
}

static void note_tried(struct fs_session *s, const char *what)
{
    size_t len = strlen(s->auth_tried);

    snprintf(s->auth_tried + len, sizeof s->auth_tried - len, "%s%s", len > 0 ? ", " : "", what);
}

static void fail_auth(struct fs_session *s)
{
    int methods = ssh_userauth_list(s->ssh, NULL);
    char list[128] = "";

    if (methods & SSH_AUTH_METHOD_PUBLICKEY)
        strcat(list, " publickey");
    if (methods & SSH_AUTH_METHOD_PASSWORD)
        strcat(list, " password");
    if (methods & SSH_AUTH_METHOD_INTERACTIVE)
        strcat(list, " keyboard-interactive");
    if (methods & SSH_AUTH_METHOD_GSSAPI_MIC)
        strcat(list, " gssapi-with-mic");
    if (s->auth_tried[0] == '\0')
        finish(
            s, FS_STATUS_AUTH_FAILED,
            "auth: authentication failed for user '%s': nothing to offer (no private key: give one "
            "with -i FILE; no ssh-agent; no password); server accepts:%s",
            s->t.user ? s->t.user : "", list[0] ? list : " nothing");
    else
        finish(
            s, FS_STATUS_AUTH_FAILED,
            "auth: authentication failed for user '%s': the server refused %s; server accepts:%s",
            s->t.user ? s->t.user : "", s->auth_tried, list[0] ? list : " nothing");
}

/* Answers every keyboard-interactive prompt with the password. */
static void answer_prompts(struct fs_session *s)
{
    int n = ssh_userauth_kbdint_getnprompts(s->ssh);

    for (int i = 0; i < n; i++)
        ssh_userauth_kbdint_setanswer(s->ssh, (unsigned)i, s->t.password);
}

/* One call of the current method. Returns its libssh answer. */
static int auth_call(struct fs_session *s)
{
    int methods;

    switch (s->auth_phase) {
    case AP_KEYS:
        return ssh_userauth_publickey(s->ssh, NULL, s->t.keys[s->key_index]);
    case AP_NONE:
        return ssh_userauth_none(s->ssh, NULL);
    case AP_AGENT:
        /* Talks to the agent synchronously (listing and one signature): docs/ssh.md. */
        return ssh_userauth_agent(s->ssh, NULL);
    case AP_PASSWORD:
        return ssh_userauth_password(s->ssh, NULL, s->t.password);
    case AP_KBDINT:
        methods = ssh_userauth_kbdint(s->ssh, NULL, NULL);
        if (methods == SSH_AUTH_INFO) {
            if (++s->kbdint_rounds > MAX_KBDINT_ROUNDS)
                return SSH_AUTH_DENIED;
            answer_prompts(s);
        }
        return methods;
    default:
        return SSH_AUTH_DENIED;
    }
}

/* After a method was denied (or skipped): the next one worth trying. */
static void next_auth_phase(struct fs_session *s)
{
    int methods;

    switch (s->auth_phase) {
    case AP_KEYS:
        if (++s->key_index < s->t.n_keys)
            return;
        s->auth_phase = AP_AGENT;
        break;
    case AP_NONE:
        s->auth_phase = AP_AGENT;
        break;
    case AP_AGENT:
        s->auth_phase = AP_PASSWORD;
        break;
    case AP_PASSWORD:
        s->auth_phase = AP_KBDINT;
        break;
    default:
        s->auth_phase = AP_FAILED;
        return;
    }
    /* Skip what cannot be tried: the server's list is known after the first denial. */
    methods = ssh_userauth_list(s->ssh, NULL);
    if (s->auth_phase == AP_AGENT && !(s->t.use_agent && (methods & SSH_AUTH_METHOD_PUBLICKEY)))
        s->auth_phase = AP_PASSWORD;
    if (s->auth_phase == AP_PASSWORD &&
        !(s->t.password != NULL && (methods & SSH_AUTH_METHOD_PASSWORD)))
        s->auth_phase = AP_KBDINT;
    /* A server offering both is asked once: a wrong password is not tried twice. */
    if (s->auth_phase == AP_KBDINT &&
        !(s->t.password != NULL && (methods & SSH_AUTH_METHOD_INTERACTIVE) &&
          !(methods & SSH_AUTH_METHOD_PASSWORD)))
        s->auth_phase = AP_FAILED;
}

static void note_phase(struct fs_session *s)
{
    char what[64];

    switch (s->auth_phase) {
    case AP_KEYS:
        if (s->key_index + 1 == s->t.n_keys) {
            snprintf(what, sizeof what, "%zu key(s)", s->t.n_keys);
            note_tried(s, what);
        }
        break;
    case AP_AGENT:
        note_tried(s, "the ssh-agent's keys");
        break;
    case AP_PASSWORD:
        note_tried(s, "the password");
        break;
    case AP_KBDINT:
        note_tried(s, "the password (keyboard-interactive)");
        break;
    default:
        break;
    }
}

static bool step_auth(struct fs_session *s)
{
    for (;;) {
        int rc;

        if (s->auth_phase == AP_FAILED) {
            fail_auth(s);
            return false;
        }
        rc = auth_call(s);
        if (rc == SSH_AUTH_AGAIN) {
            if (connection_lost(s)) {
                const char *why = ssh_get_error(s->ssh);
                finish(s, FS_STATUS_ERROR,
                       "auth: the server closed the connection during authentication, after "
                       "refusing %zu of %zu key(s): %s%s",
                       s->key_index, s->t.n_keys, why,
                       strstr(why, "Too many authentication failures") != NULL
                           ? " (the server's MaxAuthTries: offer fewer keys, e.g. an "
                             "identity= per host)"
                           : "");
            }
            return false;
        }
        if (rc == SSH_AUTH_SUCCESS) {
            s->state = s->hooks != NULL ? ST_TUNNEL : ST_OPEN;
            arm_timer(s); /* the connect deadline no longer applies */
            if (s->hooks != NULL)
                s->hooks->ready(s->arg, s->ssh);
            return true;
        }
        if (rc == SSH_AUTH_INFO)
            continue; /* keyboard-interactive answers are sent by the next call */
        if (rc == SSH_AUTH_ERROR && (s->auth_phase != AP_AGENT || connection_lost(s))) {
            finish(s, FS_STATUS_ERROR, "auth: authentication error: %s", ssh_get_error(s->ssh));
            return false;
        }
        /* Denied, partial, or the agent could not be used: go on with the next method. */
        note_phase(s);
        next_auth_phase(s);
    }
}

static void reset_command_state(struct fs_session *s)
{
    s->out.len = s->out.dropped = 0;
    s->err.len = s->err.dropped = 0;
    s->exit_status = -1;
    s->got_exit_status = s->got_close = s->eof = s->overflow = false;
}

/* Asks the caller for the next command; false when there is none (the session is done). */
static bool next_command(struct fs_session *s, const struct fs_exec_result *prev)
{
    s->command = s->next(s->arg, prev);
    if (s->command == NULL) {
        finish(s, FS_STATUS_OK, NULL);
        return false;
    }
    reset_command_state(s);
    s->state = ST_OPEN;
    return true;
}

static bool step_open(struct fs_session *s)
{
    int rc;

    if (s->channel == NULL) {
        s->channel = ssh_channel_new(s->ssh);
        if (s->channel == NULL) {
            finish(s, FS_STATUS_ERROR, "exec: cannot create a channel: %s", ssh_get_error(s->ssh));
            return false;
        }
        memset(&s->channel_cb, 0, sizeof s->channel_cb);
        s->channel_cb.userdata = s;
        s->channel_cb.channel_exit_status_function = on_exit_status;
        s->channel_cb.channel_close_function = on_channel_close;
        s->channel_cb.channel_data_function = on_data;
        s->channel_cb.channel_eof_function = on_eof;
        ssh_callbacks_init(&s->channel_cb);
        ssh_set_channel_callbacks(s->channel, &s->channel_cb);
    }
    rc = ssh_channel_open_session(s->channel);
    if (rc == SSH_AGAIN)
        return false;
    if (rc != SSH_OK) {
        finish(s, FS_STATUS_ERROR, "exec: the server refused a session channel: %s",
               ssh_get_error(s->ssh));
        return false;
    }
    s->state = ST_EXEC;
    return true;
}

static bool step_exec(struct fs_session *s)
{
    int rc = ssh_channel_request_exec(s->channel, s->command);

    if (rc == SSH_AGAIN)
        return false;
    if (rc != SSH_OK) {
        finish(s, FS_STATUS_ERROR, "exec: the server refused to run the probe: %s",
               ssh_get_error(s->ssh));
        return false;
    }
    s->state = ST_READ;
    return true;
}

/*
 * Output reaches on_data() while libssh decodes packets, for stdout and stderr alike, so
 * nothing waits in libssh's channel buffers where a readable socket would no longer announce
 * it (reading one stream with ssh_channel_read_nonblocking() can pull the other stream's
 * packets off the socket). The session is pumped with a zero-timeout ssh_event_dopoll(),
 * which also goes on after EOF so that an exit status sent later is still seen.
 */
static bool step_read(struct fs_session *s)
{
    struct fs_exec_result r;
    int rc;
    int rounds = 0;

    if (s->event == NULL) {
        s->event = ssh_event_new();
        if (s->event == NULL || ssh_event_add_session(s->event, s->ssh) != SSH_OK) {
            finish(s, FS_STATUS_ERROR, "probe: cannot watch the SSH session: %s",
                   ssh_get_error(s->ssh));
            return false;
        }
    }
    /* Bounded so that one talkative host cannot hold the loop; the poll comes back. */
    do {
        rc = ssh_event_dopoll(s->event, 0);
    } while (rc == SSH_OK && !s->overflow && !s->got_close && ++rounds < 64);

    if (!s->overflow && !s->eof && !s->got_close) {
        if (rc == SSH_ERROR || connection_lost(s))
            finish(s, FS_STATUS_ERROR,
                   "probe: the connection failed while reading the probe output: %s",
                   ssh_get_error(s->ssh));
        return false;
    }
    if (!s->overflow && !s->got_exit_status && !s->got_close) {
        arm_timer(s); /* a short grace period for the exit status */
        return false;
    }
    memset(&r, 0, sizeof r);
    r.out = s->out.data ? s->out.data : "";
    r.out_len = s->out.len;
    r.err = s->err.data ? s->err.data : "";
    r.err_len = s->err.len;
    r.out_dropped = s->out.dropped;
    r.err_dropped = s->err.dropped;
    r.exit_status = s->got_exit_status ? s->exit_status : -1;
    release_channel(s);
    if (!next_command(s, &r))
        return false;
    arm_timer(s);
    return true;
}

/* A bastion: pump its channels, then let jump.c move the bridges' bytes. */
static bool step_tunnel(struct fs_session *s)
{
    int rc = SSH_OK;

    if (s->event == NULL) {
        s->event = ssh_event_new();
        if (s->event == NULL || ssh_event_add_session(s->event, s->ssh) != SSH_OK) {
            finish(s, FS_STATUS_ERROR, "cannot watch the SSH session: %s", ssh_get_error(s->ssh));
            return false;
        }
    }
    for (int rounds = 0; rc == SSH_OK && rounds < 64; rounds++)
        rc = ssh_event_dopoll(s->event, 0);
    if (rc == SSH_ERROR || connection_lost(s)) {
        finish(s, FS_STATUS_ERROR, "the connection to the jump host failed: %s",
               ssh_get_error(s->ssh));
        return false;
    }
    s->hooks->pump(s->arg);
    return false;
}

static void step(struct fs_session *s)
{
    bool more = true;

    while (more && !s->finished) {
        switch (s->state) {
        case ST_HANDSHAKE:
            more = step_handshake(s);
            break;
        case ST_AUTH:
            more = step_auth(s);
            if (more && s->hooks == NULL && s->command == NULL)
                more = next_command(s, NULL);
            break;
        case ST_TUNNEL:
            more = step_tunnel(s);
            break;
        case ST_OPEN:
            more = step_open(s);
            break;
        case ST_EXEC:
            more = step_exec(s);
            break;
        case ST_READ:
            more = step_read(s);
            break;
        default:
            more = false;
            break;
        }
    }
    if (!s->finished && s->ssh != NULL)
        rearm_poll(s);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct fs_session *s = h->data;

    (void)status;
    (void)events;
    if (s->finished)
        return;
    if (s->state == ST_CONNECT) {
        /* libuv reports POLLERR as UV_EBADF; SO_ERROR says what really happened. */
        on_connect_ready(s);
        return;
    }
    step(s);
}

static const char *const stage_names[] = {
    [ST_RESOLVE] = "resolving the name",
    [ST_CONNECT] = "connecting",
    [ST_HANDSHAKE] = "in the SSH handshake",
    [ST_AUTH] = "authenticating",
    [ST_OPEN] = "opening a channel",
    [ST_EXEC] = "starting the probe",
    [ST_READ] = "running the probe",
    [ST_TUNNEL] = "carrying jump connections",
    [ST_DONE] = "finishing",
};

void fs_session_cancel(struct fs_session *s)
{
    finish(s, FS_STATUS_ERROR, "interrupted: stopped while %s", stage_names[s->state]);
}

void fs_session_kick(struct fs_session *s)
{
    if (!s->finished && s->ssh != NULL && s->state >= ST_HANDSHAKE)
        step(s);
}

/* Through a bastion: the socketpair end stands in for the TCP socket, "connected" at once. */
static int start_through_jump(struct fs_session *s)
{
    int rc = fs_jump_connect(s->t.jump, s->loop, s->t.address, s->t.port, &s->fd, &s->bridge);

    if (rc != 0)
        return uv_translate_sys_error(-rc);
    snprintf(s->addr_text, sizeof s->addr_text, "%s", s->t.address);
    s->state = ST_CONNECT;
    uv_poll_init(s->loop, &s->poll, s->fd);
    s->poll.data = s;
    s->poll_open = true;
    uv_poll_start(&s->poll, UV_WRITABLE, on_poll);
    return 0;
}

static int session_start(uv_loop_t *loop, const struct fs_transport_config *cfg,
                         const struct fs_transport_target *t, const struct fs_tunnel_hooks *hooks,
                         fs_next_command_fn next, fs_session_done_fn done, void *arg,
                         struct fs_session **out)
{
    struct fs_session *s = calloc(1, sizeof *s);
    struct addrinfo hints;
    char service[16];
    int rc;

    if (s == NULL)
        return UV_ENOMEM;
    s->loop = loop;
    s->cfg = cfg;
    s->t = *t;
    s->hooks = hooks;
    s->next = next;
    s->done = done;
    s->arg = arg;
    s->fd = -1;
    s->exit_status = -1;
    s->started_hr = uv_hrtime();
    s->started_ms = uv_now(loop);
    s->connect_deadline = s->started_ms + connect_timeout_ms(s);
    s->host_deadline = s->started_ms + cfg->timeout_ms;
    s->state = ST_RESOLVE;
    snprintf(s->addr_text, sizeof s->addr_text, "%s", t->address);

    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    s->timer_open = true;

    if (t->jump != NULL) {
        rc = start_through_jump(s);
    } else {
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        snprintf(service, sizeof service, "%d", t->port);
        s->gai.data = s;
        rc = uv_getaddrinfo(loop, &s->gai, on_resolved, t->address, service, &hints);
        s->gai_pending = rc == 0;
        if (rc == 0)
            lookups_pending++;
    }
    if (rc != 0) {
        /* Nothing started: close the timer quietly and report the failure to the caller. */
        s->finished = true;
        uv_close((uv_handle_t *)&s->timer, on_handle_closed);
        return rc;
    }
    arm_timer(s);
    if (out != NULL)
        *out = s;
    return 0;
}

int fs_session_start(uv_loop_t *loop, const struct fs_transport_config *cfg,
                     const struct fs_transport_target *t, fs_next_command_fn next,
                     fs_session_done_fn done, void *arg, struct fs_session **out)
{
    return session_start(loop, cfg, t, NULL, next, done, arg, out);
}

int fs_session_start_tunnel(uv_loop_t *loop, const struct fs_transport_config *cfg,
                            const struct fs_transport_target *t,
                            const struct fs_tunnel_hooks *hooks, fs_session_done_fn done, void *arg,
                            struct fs_session **out)
{
    return session_start(loop, cfg, t, hooks, NULL, done, arg, out);
}
