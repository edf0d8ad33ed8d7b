/*
 * faultsrv: a tiny misbehaving TCP server on 127.0.0.1 for the network-fault tests.
 *
 *     faultsrv LIFETIME_S PORTFILE MODE[:ARG[:ARG]]...
 *
 * Each MODE gets a listening socket on an ephemeral loopback port; when all listen, the lines
 * "MODE PORT" are written to PORTFILE (through a temporary file and rename, so a reader never
 * sees half of it). The server then runs for LIFETIME_S seconds and exits by itself (alarm),
 * so a test that dies never leaves it behind.
 *
 * Modes:
 *   tarpit            accepts and never sends a byte
 *   drip              sends "SSH-2.0-" and then one more banner byte every 500 ms, never a
 *                     line end: a banner that never completes
 *   garbage           answers with an HTTP response instead of an SSH banner, then closes
 *   reset             sends a real-looking banner, reads what the client sends, then resets
 *                     the connection (RST) in the middle of the key exchange
 *   cut:PORT:BYTES    relays to 127.0.0.1:PORT (a real sshd) and, once BYTES bytes went from
 *                     the server to the client, resets the client's connection: a connection
 *                     reset mid-stream
 *   slow:PORT:MS      relays to 127.0.0.1:PORT but holds back everything the server says for
 *                     the first MS milliseconds: a slow banner that does arrive
 *
 * One thread, one poll() loop; at most MAX_CONN connections at a time.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_MODES 16
#define MAX_CONN  128

enum kind { TARPIT, DRIP, GARBAGE, RESET, CUT, SLOW };

struct mode {
    enum kind kind;
    char spec[64];
    int listen_fd;
    int port;
    int target_port; /* cut, slow */
    long cut_bytes;  /* cut */
    long hold_ms;    /* slow */
};

struct conn {
    int fd;       /* client, -1 when free */
    int upstream; /* cut: the real server, else -1 */
    struct mode *mode;
    long relayed; /* bytes server -> client */
    long dripped;
    double next_drip;
    double hold_until; /* slow: the server's bytes wait until then */
};

static struct mode modes[MAX_MODES];
static size_t n_modes;
static struct conn conns[MAX_CONN];

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "faultsrv: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int listen_loopback(int *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0)
        die("bind/listen");
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        die("getsockname");
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_loopback(int port)
{
    struct sockaddr_in a;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Closes with an RST instead of a FIN. */
static void reset_fd(int fd)
{
    struct linger l = {1, 0};

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

static void drop(struct conn *c, int rst)
{
    if (rst)
        reset_fd(c->fd);
    else
        close(c->fd);
    if (c->upstream >= 0)
        close(c->upstream);
    c->fd = c->upstream = -1;
}

static void parse_mode(const char *spec, struct mode *m)
{
    snprintf(m->spec, sizeof m->spec, "%s", spec);
    if (strcmp(spec, "tarpit") == 0)
        m->kind = TARPIT;
    else if (strcmp(spec, "drip") == 0)
        m->kind = DRIP;
    else if (strcmp(spec, "garbage") == 0)
        m->kind = GARBAGE;
    else if (strcmp(spec, "reset") == 0)
        m->kind = RESET;
    else if (sscanf(spec, "cut:%d:%ld", &m->target_port, &m->cut_bytes) == 2)
        m->kind = CUT;
    else if (sscanf(spec, "slow:%d:%ld", &m->target_port, &m->hold_ms) == 2)
        m->kind = SLOW;
    else {
        fprintf(stderr, "faultsrv: unknown mode '%s'\n", spec);
        exit(2);
    }
    /* The name written to the port file is the mode without its arguments. */
    m->spec[strcspn(m->spec, ":")] = '\0';
}

static void on_accept(struct mode *m)
{
    static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    static const char banner[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
    int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    struct conn *c = NULL;

    if (fd < 0)
        return;
    for (size_t i = 0; i < MAX_CONN && c == NULL; i++)
        if (conns[i].fd < 0)
            c = &conns[i];
    if (c == NULL) {
        close(fd);
        return;
    }
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->upstream = -1;
    c->mode = m;
    switch (m->kind) {
    case GARBAGE:
        (void)!write(fd, http, sizeof http - 1);
        drop(c, 0);
        break;
    case RESET:
        (void)!write(fd, banner, sizeof banner - 1);
        break;
    case DRIP:
        (void)!write(fd, "SSH-2.0-", 8);
        c->next_drip = now() + 0.5;
        break;
    case CUT:
    case SLOW:
        c->upstream = connect_loopback(m->target_port);
        c->hold_until = now() + (double)m->hold_ms / 1000.0;
        if (c->upstream < 0)
            drop(c, 1);
        break;
    case TARPIT:
        break;
    }
}

/* Moves what is readable on from to to; returns bytes moved, 0 at EOF, -1 on error. */
static long relay(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);

    if (n <= 0)
        return n == 0 ? 0 : (errno == EINTR || errno == EAGAIN ? 1 : -1);
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w <= 0)
            return -1;
        off += w;
    }
    return n;
}

static void on_client(struct conn *c)
{
    char buf[4096];
    long n;

    switch (c->mode->kind) {
    case RESET:
        if (read(c->fd, buf, sizeof buf) >= 0)
            drop(c, 1);
        break;
    case CUT:
    case SLOW:
        if (relay(c->fd, c->upstream) <= 0)
            drop(c, 0);
        break;
    default:
        /* tarpit and drip read and ignore; EOF ends the connection */
        n = read(c->fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR))
            drop(c, 0);
        break;
    }
}

static void on_upstream(struct conn *c)
{
    long n = relay(c->upstream, c->fd);

    if (n <= 0) {
        drop(c, 0);
        return;
    }
    c->relayed += n;
    if (c->mode->kind == CUT && c->relayed >= c->mode->cut_bytes)
        drop(c, 1);
}

int main(int argc, char **argv)
{
    char tmp[4096];
    FILE *f;

    if (argc < 4) {
        fprintf(stderr, "usage: faultsrv LIFETIME_S PORTFILE MODE[:ARGS]...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    alarm((unsigned)atoi(argv[1]));
    for (size_t i = 0; i < MAX_CONN; i++)
        conns[i].fd = conns[i].upstream = -1;
    for (int i = 3; i < argc && n_modes < MAX_MODES; i++) {
        parse_mode(argv[i], &modes[n_modes]);
        modes[n_modes].listen_fd = listen_loopback(&modes[n_modes].port);
        n_modes++;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    f = fopen(tmp, "w");
    if (f == NULL)
        die(tmp);
    for (size_t i = 0; i < n_modes; i++)
        fprintf(f, "%s %d\n", modes[i].spec, modes[i].port);
    if (fclose(f) != 0 || rename(tmp, argv[2]) != 0)
        die(argv[2]);

    for (;;) {
        struct pollfd p[MAX_MODES + 2 * MAX_CONN];
        struct conn *owner[MAX_MODES + 2 * MAX_CONN];
        int up[MAX_MODES + 2 * MAX_CONN];
        nfds_t n = 0;
        double t = now();

        for (size_t i = 0; i < n_modes; i++) {
            p[n] = (struct pollfd){modes[i].listen_fd, POLLIN, 0};
            owner[n] = NULL;
            up[n++] = (int)i;
        }
        for (size_t i = 0; i < MAX_CONN; i++) {
            struct conn *c = &conns[i];
            if (c->fd < 0)
                continue;
            if (c->mode->kind == DRIP && t >= c->next_drip) {
                (void)!write(c->fd, "x", 1);
                c->next_drip = t + 0.5;
            }
            p[n] = (struct pollfd){c->fd, POLLIN, 0};
            owner[n] = c;
            up[n++] = 0;
            if (c->upstream >= 0 && t >= c->hold_until) {
                p[n] = (struct pollfd){c->upstream, POLLIN, 0};
                owner[n] = c;
                up[n++] = 1;
            }
        }
        if (poll(p, n, 100) < 0 && errno != EINTR)
            die("poll");
        for (nfds_t i = 0; i < n; i++) {
            if (p[i].revents == 0)
                continue;
            if (owner[i] == NULL)
                on_accept(&modes[up[i]]);
            else if (owner[i]->fd < 0)
                continue; /* dropped earlier in this round */
            else if (up[i])
                on_upstream(owner[i]);
            else
                on_client(owner[i]);
        }
    }
}
