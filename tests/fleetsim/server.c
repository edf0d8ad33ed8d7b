/*
 * The simulated fleet on one libuv loop: one listening socket per host, one libssh server
 * session per accepted connection, answers scheduled on timers, and a relay that delays every
 * byte the server writes when --rtt-ms or --jitter-ms is set.
 *
 * Per connection: uv_poll watches fd A (the accepted socket, or one end of a socketpair when
 * the relay is on) and libssh gets dup(A), because libssh 0.10 closes its descriptor on some
 * error paths and libuv must never see a polled descriptor vanish. libssh callbacks only record
 * what happened; everything that frees or writes runs from libuv callbacks.
 */
/* accept4() */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <uv.h>

#include "tests/fleetsim/fleetsim.h"

/* Bytes of endless output written per wake-up, and the relay's backlog limits. */
#define ENDLESS_CHUNK    16384
#define ENDLESS_PER_WAKE (8 * ENDLESS_CHUNK)
#define RELAY_HIGH       (1024 * 1024)
#define RELAY_LOW        (256 * 1024)

static uv_loop_t *loop;
static ssh_bind bind_;
static const struct sim_config *cfg;
static uint64_t jitter_state;

struct chunk {
    struct chunk *next;
    uint64_t due;
    size_t len;
    char data[];
};

struct conn;

/* Delays server-to-client bytes: tcp <-> pipe (the other end of libssh's socketpair). */
struct relay {
    struct conn *c;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_timer_t timer;
    struct chunk *head, *tail;
    uint64_t last_due;
    size_t backlog; /* queued plus being written to tcp */
    int reading_pipe, pipe_eof;
    int tcp_owned; /* uv_tcp_open took the accepted socket: libuv closes it */
};

struct write_req {
    uv_write_t req;
    struct relay *r;
    size_t len;
    char data[];
};

struct conn {
    struct sim_host *host;
    int tcp_fd;
    int fd; /* polled: tcp_fd, or the relay's socketpair end given to libssh */
    uv_poll_t poll;
    uv_timer_t timer;
    struct relay *relay;
    ssh_session session;
    ssh_event event;
    struct ssh_server_callbacks_struct scb;
    struct ssh_channel_callbacks_struct ccb;
    ssh_channel channel; /* the channel whose answer is pending or running */
    const struct sim_answer *answer;
    struct sim_answer not_found;
    char not_found_text[512];
    int kex_started, kex_done, drop, closing, endless, pending_handles, no_poll;
    size_t endless_sent;
};

static void conn_close(struct conn *c);
static void conn_step(struct conn *c);
static void relay_from_pipe(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static uint64_t now_ms(void)
{
    return uv_now(loop);
}

/* --- relay --------------------------------------------------------------------------------- */

static void relay_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    buf->base = malloc(65536);
    buf->len = buf->base ? 65536 : 0;
}

static void relay_write_done(uv_write_t *req, int status)
{
    struct write_req *w = (struct write_req *)req;
    struct relay *r = w->r;

    if (r != NULL && req->handle == (uv_stream_t *)&r->tcp) {
        r->backlog -= w->len;
        if (!r->reading_pipe && !r->pipe_eof && r->backlog < RELAY_LOW && !r->c->closing) {
            r->reading_pipe = 1;
            uv_read_start((uv_stream_t *)&r->pipe, relay_alloc, relay_from_pipe);
        }
    }
    free(w);
    (void)status;
}

static void relay_send(struct relay *r, uv_stream_t *to, const char *data, size_t len)
{
    struct write_req *w = malloc(sizeof *w + len);
    uv_buf_t b;

    if (w == NULL)
        return;
    w->r = r;
    w->len = len;
    memcpy(w->data, data, len);
    b = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, to, &b, 1, relay_write_done) != 0) {
        if (to == (uv_stream_t *)&r->tcp)
            r->backlog -= len;
        free(w);
    }
}

static void relay_flush(uv_timer_t *t)
{
    struct relay *r = t->data;
    uint64_t now = now_ms();

    while (r->head != NULL && r->head->due <= now) {
        struct chunk *k = r->head;
        r->head = k->next;
        if (r->head == NULL)
            r->tail = NULL;
        relay_send(r, (uv_stream_t *)&r->tcp, k->data, k->len);
        free(k);
    }
    if (r->head != NULL)
        uv_timer_start(&r->timer, relay_flush, r->head->due - now, 0);
    else if (r->pipe_eof)
        conn_close(r->c);
}

static uint64_t one_way_delay(void)
{
    uint64_t d = (uint64_t)cfg->rtt_ms;

    if (cfg->jitter_ms > 0)
        d += sim_rand(&jitter_state) % (uint64_t)(cfg->jitter_ms + 1);
    return d;
}

/* What libssh wrote: held back one round trip, in order. */
static void relay_from_pipe(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct relay *r = s->data;

    if (n > 0) {
        struct chunk *k = malloc(sizeof *k + (size_t)n);
        uint64_t due = now_ms() + one_way_delay();

        if (k != NULL) {
            if (due < r->last_due)
                due = r->last_due;
            r->last_due = due;
            k->next = NULL;
            k->due = due;
            k->len = (size_t)n;
            memcpy(k->data, buf->base, (size_t)n);
            if (r->tail != NULL)
                r->tail->next = k;
            else
                r->head = k;
            r->tail = k;
            r->backlog += (size_t)n;
            if (r->head == k)
                uv_timer_start(&r->timer, relay_flush, due - now_ms(), 0);
            if (r->backlog > RELAY_HIGH) {
                uv_read_stop(s);
                r->reading_pipe = 0;
            }
        }
    } else if (n < 0) {
        /* libssh's side is gone: let what is queued go out, then close. */
        uv_read_stop(s);
        r->reading_pipe = 0;
        r->pipe_eof = 1;
        if (r->head == NULL)
            conn_close(r->c);
    }
    free(buf->base);
}

/* What the client wrote goes to libssh at once: the delay is on the way back. */
static void relay_from_tcp(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct relay *r = s->data;

    if (n > 0)
        relay_send(r, (uv_stream_t *)&r->pipe, buf->base, (size_t)n);
    else if (n < 0)
        conn_close(r->c);
    free(buf->base);
}

static void handle_closed(uv_handle_t *h);

static int relay_start(struct conn *c)
{
    int sv[2];
    struct relay *r;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    r->c = c;
    uv_tcp_init(loop, &r->tcp);
    uv_pipe_init(loop, &r->pipe, 0);
    uv_timer_init(loop, &r->timer);
    r->tcp.data = r->pipe.data = r->timer.data = r;
    c->pending_handles += 3;
    c->relay = r;
    if (uv_tcp_open(&r->tcp, c->tcp_fd) != 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    r->tcp_owned = 1;
    if (uv_pipe_open(&r->pipe, sv[1]) != 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    c->fd = sv[0];
    r->reading_pipe = 1;
    uv_read_start((uv_stream_t *)&r->tcp, relay_alloc, relay_from_tcp);
    uv_read_start((uv_stream_t *)&r->pipe, relay_alloc, relay_from_pipe);
    return 0;
}

/* --- answers ------------------------------------------------------------------------------- */

/* Writes up to ENDLESS_PER_WAKE bytes while the window and the socket allow. */
static void endless_pump(struct conn *c)
{
    static char block[ENDLESS_CHUNK];
    size_t done = 0;

    if (block[0] == '\0')
        for (size_t i = 0; i < sizeof block; i++)
            block[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    while (done < ENDLESS_PER_WAKE && c->channel != NULL && ssh_channel_is_open(c->channel) &&
           ssh_channel_window_size(c->channel) > 0 &&
           !(ssh_get_status(c->session) & SSH_WRITE_PENDING)) {
        int n = ssh_channel_write(c->channel, block, sizeof block);
        if (n <= 0)
            break;
        done += (size_t)n;
        c->endless_sent += (size_t)n;
    }
}

static void reset_now(uv_timer_t *t)
{
    struct conn *c = t->data;
    struct linger l = {1, 0};

    /* SO_LINGER 0: close() sends RST instead of FIN. */
    setsockopt(c->tcp_fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    conn_close(c);
}

static void endless_tick(uv_timer_t *t)
{
    struct conn *c = t->data;

    endless_pump(c);
    conn_step(c);
}

static void answer_now(uv_timer_t *t)
{
    struct conn *c = t->data;
    const struct sim_answer *a = c->answer;
    ssh_channel ch = c->channel;

    if (ch == NULL || a == NULL)
        return;
    switch (c->host->fault) {
    case SIM_FAULT_ENDLESS:
        c->endless = 1;
        endless_pump(c);
        uv_timer_start(&c->timer, endless_tick, 10, 10);
        conn_step(c);
        return;
    case SIM_FAULT_RESET:
        if (a->out_len > 1)
            ssh_channel_write(ch, a->out, (uint32_t)(a->out_len / 2));
        uv_timer_start(&c->timer, reset_now, 100 + 2 * (uint64_t)(cfg->rtt_ms + cfg->jitter_ms), 0);
        conn_step(c);
        return;
    default:
        break;
    }
    if (a->out_len > 0)
        ssh_channel_write(ch, a->out, (uint32_t)a->out_len);
    if (a->err_len > 0)
        ssh_channel_write_stderr(ch, a->err, (uint32_t)a->err_len);
    ssh_channel_request_send_exit_status(ch, a->exit_status);
    ssh_channel_send_eof(ch);
    ssh_channel_close(ch);
    c->channel = NULL;
    c->answer = NULL;
    conn_step(c);
}

/* The answer to anything that is not a probe, as the device's shell words it. */
static const struct sim_answer *not_found(struct conn *c, const char *command)
{
    char word[64];
    size_t i = 0;

    while (command[i] != '\0' && command[i] != ' ' && command[i] != '\t' && command[i] != '\n' &&
           i < sizeof word - 1) {
        unsigned char ch = (unsigned char)command[i];
        word[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
        i++;
    }
    word[i] = '\0';
    switch (c->host->profile->shell) {
    case SIM_SHELL_CMD:
        snprintf(c->not_found_text, sizeof c->not_found_text,
                 "'%s' is not recognized as an internal or external command,\r\n"
                 "operable program or batch file.\r\n",
                 word);
        c->not_found.exit_status = 1;
        break;
    case SIM_SHELL_POWERSHELL:
        snprintf(c->not_found_text, sizeof c->not_found_text,
                 "%s : The term '%s' is not recognized as the name of a cmdlet, function, "
                 "script file, or operable program.\r\n"
                 "    + CategoryInfo          : ObjectNotFound: (%s:String) [], "
                 "CommandNotFoundException\r\n"
                 "    + FullyQualifiedErrorId : CommandNotFoundException\r\n",
                 word, word, word);
        c->not_found.exit_status = 1;
        break;
    default:
        snprintf(c->not_found_text, sizeof c->not_found_text, "sh: %s: command not found\n", word);
        c->not_found.exit_status = 127;
        break;
    }
    c->not_found.out = "";
    c->not_found.out_len = 0;
    c->not_found.err = c->not_found_text;
    c->not_found.err_len = strlen(c->not_found_text);
    return &c->not_found;
}

/* --- libssh callbacks: record, never free or block ------------------------------------------ */

static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    return n;
}

/* The same command, but for trailing newlines: `ssh host "$(fleetscan probe --print linux)"`
 * loses the script's last newline to the shell's command substitution. */
static int same_command(const char *a, const char *b)
{
    size_t n = trimmed_len(a);

    return n == trimmed_len(b) && memcmp(a, b, n) == 0;
}

static int on_exec(ssh_session s, ssh_channel ch, const char *command, void *ud)
{
    struct conn *c = ud;
    const struct sim_profile *p = c->host->profile;

    if (same_command(command, cfg->linux_script))
        c->answer = &p->linux_answer;
    else if (p->shell == SIM_SHELL_CMD && same_command(command, cfg->windows_cmd))
        c->answer = &p->windows_answer;
    else if (p->shell == SIM_SHELL_POWERSHELL && same_command(command, cfg->windows_pwsh))
        c->answer = &p->windows_answer;
    else
        c->answer = not_found(c, command);
    c->channel = ch;
    if (c->host->fault != SIM_FAULT_HANG)
        uv_timer_start(&c->timer, answer_now, 0, 0);
    return 0;
}

static int on_env(ssh_session s, ssh_channel ch, const char *name, const char *value, void *ud)
{
    return 0; /* accepted and ignored, as sshd's AcceptEnv would for LANG */
}

static int on_pty(ssh_session s, ssh_channel ch, const char *term, int w, int h, int pw, int ph,
                  void *ud)
{
    return -1;
}

static int on_shell(ssh_session s, ssh_channel ch, void *ud)
{
    return -1;
}

static ssh_channel on_channel_open(ssh_session s, void *ud)
{
    struct conn *c = ud;
    ssh_channel ch = ssh_channel_new(s);

    if (ch == NULL)
        return NULL;
    ssh_set_channel_callbacks(ch, &c->ccb);
    return ch;
}

static int on_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key, char state,
                          void *ud)
{
    struct conn *c = ud;

    if (c->host->fault == SIM_FAULT_AUTH_DENIED)
        return SSH_AUTH_DENIED;
    if (c->host->fault == SIM_FAULT_AUTH_DISCONNECT) {
        c->drop = 1;
        return SSH_AUTH_DENIED;
    }
    if (state == SSH_PUBLICKEY_STATE_NONE || state == SSH_PUBLICKEY_STATE_VALID)
        return SSH_AUTH_SUCCESS;
    return SSH_AUTH_DENIED;
}

static int on_auth_none(ssh_session s, const char *user, void *ud)
{
    return SSH_AUTH_DENIED;
}

static int on_auth_password(ssh_session s, const char *user, const char *pw, void *ud)
{
    return SSH_AUTH_DENIED;
}

/* --- connection life ----------------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h)
{
    struct conn *c = h->data;

    if (--c->pending_handles == 0) {
        if (c->relay != NULL) {
            while (c->relay->head != NULL) {
                struct chunk *k = c->relay->head;
                c->relay->head = k->next;
                free(k);
            }
        }
        if (c->fd >= 0 && (c->fd != c->tcp_fd || c->relay == NULL || !c->relay->tcp_owned))
            close(c->fd);
        if ((c->relay == NULL || !c->relay->tcp_owned) && c->tcp_fd >= 0 && c->tcp_fd != c->fd)
            close(c->tcp_fd);
        free(c->relay);
        free(c);
    }
}

static void relay_handle_closed(uv_handle_t *h)
{
    struct relay *r = h->data;

    h->data = r->c;
    handle_closed(h);
}

static void conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->event != NULL) {
        ssh_event_remove_session(c->event, c->session);
        ssh_event_free(c->event);
        c->event = NULL;
    }
    if (c->session != NULL) {
        ssh_free(c->session); /* closes libssh's dup of fd */
        c->session = NULL;
    }
    if (!c->no_poll)
        uv_close((uv_handle_t *)&c->poll, handle_closed);
    uv_close((uv_handle_t *)&c->timer, handle_closed);
    if (c->relay != NULL) {
        uv_close((uv_handle_t *)&c->relay->tcp, relay_handle_closed);
        uv_close((uv_handle_t *)&c->relay->pipe, relay_handle_closed);
        uv_close((uv_handle_t *)&c->relay->timer, relay_handle_closed);
    }
}

/* Re-arms the poll: readable always, writable while libssh has output queued. */
static void conn_rearm(struct conn *c);

static void conn_step(struct conn *c)
{
    int rc;

    if (c->closing)
        return;
    if (c->session == NULL)
        return;
    if (!c->kex_done) {
        rc = ssh_handle_key_exchange(c->session);
        if (rc == SSH_AGAIN) {
            conn_rearm(c);
            return;
        }
        if (rc != SSH_OK) {
            conn_close(c);
            return;
        }
        c->kex_done = 1;
        c->event = ssh_event_new();
        if (c->event == NULL || ssh_event_add_session(c->event, c->session) != SSH_OK) {
            conn_close(c);
            return;
        }
    }
    rc = ssh_event_dopoll(c->event, 0);
    if (rc == SSH_ERROR || c->drop || ssh_get_fd(c->session) == SSH_INVALID_SOCKET ||
        (ssh_get_status(c->session) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
        conn_close(c);
        return;
    }
    if (c->endless)
        endless_pump(c);
    conn_rearm(c);
}

static void on_poll(uv_poll_t *p, int status, int events);

static void conn_rearm(struct conn *c)
{
    int ev = UV_READABLE;

    if (c->session != NULL && (ssh_get_status(c->session) & SSH_WRITE_PENDING))
        ev |= UV_WRITABLE;
    uv_poll_start(&c->poll, ev, on_poll);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct conn *c = p->data;

    if (c->session == NULL) {
        /* Tarpit: never a banner; drop the socket once the client gives up. */
        char buf[512];
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            conn_close(c);
        return;
    }
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (!c->kex_started)
        return;
    conn_step(c);
}

static void start_kex(uv_timer_t *t)
{
    struct conn *c = t->data;

    c->kex_started = 1;
    conn_step(c);
}

static void conn_new(struct sim_host *h, int fd)
{
    struct conn *c = calloc(1, sizeof *c);
    int one = 1, sfd;

    if (c == NULL) {
        close(fd);
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->host = h;
    c->tcp_fd = fd;
    c->fd = fd;
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->pending_handles = 2; /* poll and timer */
    if (h->fault != SIM_FAULT_TARPIT && (cfg->rtt_ms > 0 || cfg->jitter_ms > 0) &&
        relay_start(c) != 0) {
        fprintf(stderr, "fleetsim: port %d: cannot start the latency relay: %s\n", h->port,
                strerror(errno));
        c->pending_handles--; /* the poll handle is never made */
        c->no_poll = 1;
        conn_close(c);
        return;
    }
    uv_poll_init(loop, &c->poll, c->fd);
    c->poll.data = c;
    if (h->fault == SIM_FAULT_TARPIT) {
        uv_poll_start(&c->poll, UV_READABLE, on_poll);
        return;
    }
    c->session = ssh_new();
    sfd = dup(c->fd);
    if (c->session == NULL || sfd < 0 || ssh_bind_accept_fd(bind_, c->session, sfd) != SSH_OK) {
        if (sfd >= 0)
            close(sfd);
        if (c->session != NULL) {
            ssh_free(c->session);
            c->session = NULL;
        }
        conn_close(c);
        return;
    }
    ssh_set_blocking(c->session, 0);
    c->scb.userdata = c;
    c->scb.auth_pubkey_function = on_auth_pubkey;
    c->scb.auth_none_function = on_auth_none;
    c->scb.auth_password_function = on_auth_password;
    c->scb.channel_open_request_session_function = on_channel_open;
    ssh_callbacks_init(&c->scb);
    ssh_set_server_callbacks(c->session, &c->scb);
    c->ccb.userdata = c;
    c->ccb.channel_exec_request_function = on_exec;
    c->ccb.channel_env_request_function = on_env;
    c->ccb.channel_pty_request_function = on_pty;
    c->ccb.channel_shell_request_function = on_shell;
    ssh_callbacks_init(&c->ccb);
    ssh_set_auth_methods(c->session, SSH_AUTH_METHOD_PUBLICKEY);
    uv_poll_start(&c->poll, UV_READABLE, on_poll);
    if (h->fault == SIM_FAULT_SLOW_BANNER)
        uv_timer_start(&c->timer, start_kex, (uint64_t)cfg->slow_banner_ms, 0);
    else
        start_kex(&c->timer);
}

static void on_listen(uv_poll_t *p, int status, int events);

static void listen_again(uv_timer_t *t)
{
    uv_poll_t *p = t->data;

    uv_poll_start(p, UV_READABLE, on_listen);
    uv_close((uv_handle_t *)t, (uv_close_cb)free);
}

static void on_listen(uv_poll_t *p, int status, int events)
{
    static uint64_t last_warning;
    struct sim_host *h = p->data;

    for (int i = 0; i < 64; i++) {
        int fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            uv_timer_t *t;

            if (errno != EMFILE && errno != ENFILE)
                return;
            /* Out of descriptors: the connection waits in the backlog; this port rests for
             * 100 ms instead of waking the loop again at once, and the warning is rate-limited. */
            if (now_ms() - last_warning >= 1000) {
                fprintf(stderr,
                        "fleetsim: out of file descriptors (port %d): connections wait in the "
                        "backlog; raise ulimit -n or lower the scan's --parallel\n",
                        h->port);
                last_warning = now_ms();
            }
            t = malloc(sizeof *t);
            if (t == NULL)
                return;
            uv_poll_stop(p);
            uv_timer_init(loop, t);
            t->data = p;
            uv_timer_start(t, listen_again, 100, 0);
            return;
        }
        conn_new(h, fd);
    }
}

static void on_signal(uv_signal_t *s, int signum)
{
    fprintf(stderr, "fleetsim: signal %d, stopping\n", signum);
    uv_stop(loop);
}

static void on_lifetime(uv_timer_t *t)
{
    fprintf(stderr, "fleetsim: lifetime over, stopping\n");
    uv_stop(loop);
}

int sim_server_run(struct sim_host *hosts, size_t n, const struct sim_config *config,
                   void *host_key, double lifetime_s)
{
    uv_signal_t sig_int, sig_term;
    uv_timer_t life;
    uv_poll_t *polls = calloc(n ? n : 1, sizeof *polls);

    if (polls == NULL)
        return -1;
    cfg = config;
    jitter_state = config->seed ^ 0x6a6974ULL;
    loop = uv_default_loop();
    bind_ = ssh_bind_new();
    if (bind_ == NULL || ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_IMPORT_KEY, host_key) != 0) {
        fprintf(stderr, "fleetsim: cannot set up the SSH server: %s\n",
                bind_ ? ssh_get_error(bind_) : "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (hosts[i].listen_fd < 0)
            continue;
        uv_poll_init(loop, &polls[i], hosts[i].listen_fd);
        polls[i].data = &hosts[i];
        uv_poll_start(&polls[i], UV_READABLE, on_listen);
    }
    uv_signal_init(loop, &sig_int);
    uv_signal_init(loop, &sig_term);
    uv_signal_start(&sig_int, on_signal, SIGINT);
    uv_signal_start(&sig_term, on_signal, SIGTERM);
    {
        /* main() blocked them before announcing the fleet; a signal that came since is
         * delivered now, to the handlers above. */
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        sigprocmask(SIG_UNBLOCK, &stop, NULL);
    }
    uv_timer_init(loop, &life);
    uv_timer_start(&life, on_lifetime, (uint64_t)(lifetime_s * 1000.0), 0);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
