/*
 * Transport failures that need no SSH server: refused ports, names that do not resolve, a
 * tarpit that accepts and never sends a banner, and a server that speaks something else.
 * Each test drives a real loop with a guard timer and ends by proving every handle closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "transport/transport.h"

struct result {
    bool done;
    enum fs_status status;
    char error[1024];
    uint64_t elapsed_ms;
    int commands_asked;
};

static const char *no_command(void *arg, const struct fs_exec_result *prev)
{
    struct result *r = arg;
    (void)prev;
    r->commands_asked++;
    return NULL;
}

static void on_done(void *arg, const struct fs_transport_outcome *o)
{
    struct result *r = arg;

    r->done = true;
    r->status = o->status;
    snprintf(r->error, sizeof r->error, "%s", o->error ? o->error : "");
    r->elapsed_ms = o->duration_ms;
}

static void on_guard(uv_timer_t *t)
{
    /* The session should have ended long before: stop the loop so the test fails cleanly. */
    uv_stop(t->loop);
}

/* Runs one session to its end against address:port with a short connect deadline. */
static void run_session(const char *address, int port, uint64_t connect_ms, struct result *r)
{
    uv_loop_t loop;
    uv_timer_t guard;
    struct fs_transport_config cfg = {
        .known_hosts = "/dev/null",
        .policy = FS_HOSTKEY_STRICT,
        .connect_timeout_ms = connect_ms,
        .timeout_ms = connect_ms * 2,
        .output_cap = 1024,
    };
    struct fs_transport_target t = {.address = address, .port = port, .user = "nobody"};

    memset(r, 0, sizeof *r);
    assert_int_equal(uv_loop_init(&loop), 0);
    uv_timer_init(&loop, &guard);
    uv_timer_start(&guard, on_guard, connect_ms * 4 + 5000, 0);
    uv_unref((uv_handle_t *)&guard);
    assert_int_equal(fs_session_start(&loop, &cfg, &t, no_command, on_done, r, NULL), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(r->done);
    assert_int_equal(r->commands_asked, 0);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* A port on 127.0.0.1 that nothing listens on. */
static int closed_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void test_refused_port_is_unreachable(void **state)
{
    struct result r;
    int port = closed_port();
    char want[64];

    (void)state;
    run_session("127.0.0.1", port, 2000, &r);
    assert_int_equal(r.status, FS_STATUS_UNREACHABLE);
    snprintf(want, sizeof want, "127.0.0.1 port %d", port);
    print_message("error: %s\n", r.error);
    assert_non_null(strstr(r.error, want));
    assert_non_null(strstr(r.error, "Connection refused"));
}

static void test_unresolvable_name_is_unreachable(void **state)
{
    struct result r;

    (void)state;
    run_session("no-such-host.invalid", 22, 5000, &r);
    assert_int_equal(r.status, FS_STATUS_UNREACHABLE);
    assert_non_null(strstr(r.error, "cannot resolve 'no-such-host.invalid'"));
}

/*
 * A listening socket whose connections are accepted by the kernel (backlog) and never
 * answered: the classic tarpit. The session must give up at the connect deadline.
 */
static int listen_silent(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void test_tarpit_times_out_at_connect_deadline(void **state)
{
    struct result r;
    int port;
    int fd = listen_silent(&port);

    (void)state;
    run_session("127.0.0.1", port, 400, &r);
    close(fd);
    assert_int_equal(r.status, FS_STATUS_TIMEOUT);
    assert_non_null(strstr(r.error, "no SSH banner"));
    assert_non_null(strstr(r.error, "--connect-timeout"));
    /* Not a benchmark: only that the deadline, not something longer, ended it. */
    assert_true(r.elapsed_ms >= 350);
    assert_true(r.elapsed_ms < 3000);
}

/* A server that answers with something other than SSH and hangs up. */
struct talker {
    uv_tcp_t server;
    uv_tcp_t client;
    uv_write_t write;
};

static void on_talker_closed(uv_handle_t *h)
{
    (void)h;
}

static void on_talker_written(uv_write_t *w, int status)
{
    struct talker *tk = w->data;
    (void)status;
    uv_close((uv_handle_t *)&tk->client, on_talker_closed);
    uv_close((uv_handle_t *)&tk->server, on_talker_closed);
}

static void on_talker_connection(uv_stream_t *server, int status)
{
    struct talker *tk = server->data;
    static char reply[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    uv_buf_t buf = uv_buf_init(reply, sizeof reply - 1);

    assert_int_equal(status, 0);
    uv_tcp_init(server->loop, &tk->client);
    assert_int_equal(uv_accept(server, (uv_stream_t *)&tk->client), 0);
    tk->write.data = tk;
    uv_write(&tk->write, (uv_stream_t *)&tk->client, &buf, 1, on_talker_written);
}

static void test_non_ssh_server_is_an_error(void **state)
{
    uv_loop_t loop;
    struct talker tk;
    struct sockaddr_in sa;
    struct sockaddr_storage bound;
    int len = sizeof bound;
    struct result r;
    struct fs_transport_config cfg = {.known_hosts = "/dev/null",
                                      .policy = FS_HOSTKEY_STRICT,
                                      .connect_timeout_ms = 3000,
                                      .timeout_ms = 3000,
                                      .output_cap = 1024};
    struct fs_transport_target t = {.address = "127.0.0.1", .user = "nobody"};

    (void)state;
    memset(&r, 0, sizeof r);
    assert_int_equal(uv_loop_init(&loop), 0);
    uv_tcp_init(&loop, &tk.server);
    tk.server.data = &tk;
    uv_ip4_addr("127.0.0.1", 0, &sa);
    assert_int_equal(uv_tcp_bind(&tk.server, (struct sockaddr *)&sa, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&tk.server, 8, on_talker_connection), 0);
    uv_tcp_getsockname(&tk.server, (struct sockaddr *)&bound, &len);
    t.port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    assert_int_equal(fs_session_start(&loop, &cfg, &t, no_command, on_done, &r, NULL), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(r.done);
    assert_int_equal(r.status, FS_STATUS_ERROR);
    /* It sent text, but never an SSH banner. */
    assert_non_null(strstr(r.error, "banner: "));
    assert_non_null(strstr(r.error, "without sending an SSH banner"));
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_port_is_unreachable),
        cmocka_unit_test(test_unresolvable_name_is_unreachable),
        cmocka_unit_test(test_tarpit_times_out_at_connect_deadline),
        cmocka_unit_test(test_non_ssh_server_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
