/*
 * report.html without a browser: every tag in the page is one fleetscan wrote (device text
 * cannot open a tag, an attribute or a script), nothing is fetched, the charts count right and
 * the table has a row per host. tests/integration/test_fleet_html.c opens the page in Chromium.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "tests/report/sample.h"

/* The sample's three hosts and a fourth whose every text tries to break out of the page. */
struct fixture {
    struct sample s;
    struct fs_host_record hosts[4];
    struct fs_report report;
    char *html;
    size_t len;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct fs_host_record *h;

    if (fx == NULL)
        return -1;
    sample_init(&fx->s);
    memcpy(fx->hosts, fx->s.hosts, sizeof fx->s.hosts); /* borrowed: sample_clear frees them */
    h = &fx->hosts[3];
    fs_host_record_init(h);
    h->name = strdup("<script>alert(1)</script>");
    h->address = strdup("\"><img src=x onerror=alert(2)>");
    h->port = 22;
    h->user = strdup("'onmouseover='alert(3)");
    h->status = FS_STATUS_OK;
    h->verdict.os_family = FS_OS_LINUX;
    h->verdict.os_id = strdup("x\" onclick=\"alert(4)");
    h->verdict.os_version = strdup("</text><script>alert(5)</script>");
    h->verdict.os_name = strdup("<style>@import url(https://evil.example/x.css)</style>");
    h->verdict.arch_class = FS_ARCH_ARM32V7;
    h->verdict.tier = FS_TIER_2;
    h->verdict.production_ready = FS_READY_NO;
    h->verdict.container_engine = strdup("<iframe src=\"http://evil.example/\">");
    json_array_append_new(h->verdict.notes, json_string("</td></tr></table><a href=//x>"));
    fx->report = fx->s.report;
    fx->report.hosts = fx->hosts;
    fx->report.n_hosts = 4;
    fx->html = sample_capture(fs_report_write_html, &fx->report, &fx->len);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    fs_host_record_clear(&fx->hosts[3]);
    sample_clear(&fx->s);
    free(fx->html);
    free(fx);
    return 0;
}

/* The elements fleetscan itself writes; device text must not add any other. */
static const char *const allowed_tags[] = {
    "html",  "head",  "meta",    "title",  "style",      "body", "header", "h1",   "h2",     "p",
    "code",  "span",  "section", "figure", "figcaption", "svg",  "g",      "text", "rect",   "div",
    "label", "input", "table",   "thead",  "tbody",      "tr",   "th",     "td",   "script", NULL,
};

/* Attributes that make a browser fetch something or run code. */
static int dangerous_attribute(const char *name, size_t len)
{
    static const char *const fetching[] = {"src",    "href",       "xlink:href", "action",
                                           "srcset", "srcdoc",     "formaction", "poster",
                                           "data",   "background", NULL};

    if (len >= 2 && strncasecmp(name, "on", 2) == 0)
        return 1;
    for (size_t i = 0; fetching[i] != NULL; i++)
        if (strlen(fetching[i]) == len && strncasecmp(fetching[i], name, len) == 0)
            return 1;
    return 0;
}

/*
 * Walks every tag of html: its name must be allowed and no attribute may fetch or run code.
 * Attribute values are skipped by their quotes, so a quote that device text smuggled in would
 * show up here as an unexpected attribute. Returns how many <script> tags were opened.
 */
static int check_tags(const char *html)
{
    int scripts = 0;

    for (const char *p = strchr(html, '<'); p != NULL; p = strchr(p, '<')) {
        const char *name = ++p;
        size_t n;

        if (*p == '!') { /* <!DOCTYPE html> */
            p = strchr(p, '>');
            assert_non_null(p);
            continue;
        }
        if (*p == '/')
            name = ++p;
        n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789");
        size_t i;
        for (i = 0; allowed_tags[i] != NULL; i++)
            if (strlen(allowed_tags[i]) == n && strncmp(allowed_tags[i], name, n) == 0)
                break;
        if (allowed_tags[i] == NULL)
            fail_msg("unexpected tag <%.*s> at: %.60s", (int)(n ? n : 10), name, name);
        if (name[-1] != '/' && n == 6 && strncmp(name, "script", 6) == 0)
            scripts++;
        p = name + n;
        /* Attributes up to '>'. */
        for (;;) {
            p += strspn(p, " \t\n");
            if (*p == '>' || *p == '\0')
                break;
            if (*p == '/') {
                p++;
                continue;
            }
            size_t an = strcspn(p, " \t\n=>");
            if (dangerous_attribute(p, an))
                fail_msg("a tag has the attribute '%.*s'", (int)an, p);
            p += an;
            if (*p == '=') {
                char q = *++p;
                if (q == '"' || q == '\'') {
                    p = strchr(p + 1, q);
                    assert_non_null(p);
                    p++;
                } else {
                    p += strcspn(p, " \t\n>");
                }
            }
        }
        if (*p == '\0')
            fail_msg("a tag never ends");
        /* Inside <script> and <style> only fleetscan's own code: skip to the closing tag. */
        if (n == 6 && name[-1] != '/' && strncmp(name, "script", 6) == 0)
            p = strstr(p, "</script>");
        else if (n == 5 && name[-1] != '/' && strncmp(name, "style", 5) == 0)
            p = strstr(p, "</style>");
        assert_non_null(p);
    }
    return scripts;
}

static size_t occurrences(const char *text, const char *what)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

static void test_device_text_cannot_add_markup(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(check_tags(fx->html), 1);
    /* check_tags skips the inside of <script>: the one there is must be fleetscan's own. */
    assert_int_equal(occurrences(fx->html, "<script"), 1);
    assert_int_equal(occurrences(fx->html, "<style"), 1);
    assert_int_equal(occurrences(fx->html, "</script"), 1);
    /* What the devices said is shown as text. */
    assert_non_null(strstr(fx->html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(fx->html, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert_non_null(strstr(fx->html, "&#39;onmouseover=&#39;alert(3)"));
    assert_null(strstr(fx->html, "alert(4)\""));
}

/* Nothing in the page fetches: a policy forbids it, and no style or script asks for it. */
static void test_no_fetch(void **state)
{
    struct fixture *fx = *state;
    const char *csp = strstr(fx->html, "Content-Security-Policy");
    const char *style = strstr(fx->html, "<style>");
    const char *style_end = strstr(fx->html, "</style>");
    const char *script = strstr(fx->html, "<script");

    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'none'"));
    assert_non_null(style);
    assert_non_null(style_end);
    assert_non_null(script);
    /* fleetscan's own style sheet and script: no URL of any kind. */
    for (const char *p = style; p < style_end; p++)
        assert_false(strncmp(p, "url(", 4) == 0 || strncmp(p, "@import", 7) == 0 ||
                     strncmp(p, "http", 4) == 0);
    assert_null(strstr(script, "http"));
    assert_null(strstr(script, "fetch("));
    assert_null(strstr(script, "XMLHttpRequest"));
}

/* The script may run only with the nonce the policy names. */
static void test_script_nonce_matches_policy(void **state)
{
    struct fixture *fx = *state;
    const char *n1 = strstr(fx->html, "'nonce-");
    const char *n2 = strstr(fx->html, "<script nonce=\"");
    char other[8192];
    size_t other_len;
    char *html2;

    assert_non_null(n1);
    assert_non_null(n2);
    n1 += 7;
    n2 += 15;
    assert_int_equal(strcspn(n1, "'"), 32);
    assert_memory_equal(n1, n2, 32);
    /* A new page gets a new nonce. */
    html2 = sample_capture(fs_report_write_html, &fx->report, &other_len);
    snprintf(other, sizeof other, "%.*s", 32, strstr(html2, "'nonce-") + 7);
    assert_memory_not_equal(other, n1, 32);
    free(html2);
}

/* The count a bar of a chart shows, or -1 when the chart has no such bar. */
static long bar_count(const char *html, const char *dim, const char *value)
{
    char key[256];
    const char *p;

    snprintf(key, sizeof key, "data-dim=\"%s\" data-value=\"%s\" data-count=\"", dim, value);
    p = strstr(html, key);
    return p != NULL ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void test_chart_counts(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(bar_count(fx->html, "tier", "tier1"), 1);
    assert_int_equal(bar_count(fx->html, "tier", "tier2"), 1);
    assert_int_equal(bar_count(fx->html, "tier", "unknown"), 2);
    assert_int_equal(bar_count(fx->html, "tier", "unsupported"), -1); /* no host: no bar */
    assert_int_equal(bar_count(fx->html, "arch", "amd64"), 2);
    assert_int_equal(bar_count(fx->html, "arch", "arm32v7"), 1);
    assert_int_equal(bar_count(fx->html, "arch", "unknown"), 1);
    assert_int_equal(bar_count(fx->html, "os", "ubuntu 18.04"), 1);
    assert_int_equal(bar_count(fx->html, "os", "windows 10.0.17763"), 1);
    assert_int_equal(bar_count(fx->html, "os", "unknown"), 1);
    assert_non_null(strstr(fx->html, "<span data-total=\"hosts\">4</span>"));
    assert_non_null(strstr(fx->html, "<span data-total=\"ok\">3</span>"));
    assert_non_null(strstr(fx->html, "<span data-total=\"ready\">1</span>"));
}

/* One row per host, in inventory order, with the text a person should read. */
static void test_table_rows(void **state)
{
    struct fixture *fx = *state;
    size_t rows = 0;
    const char *edge, *hyper, *win;

    for (const char *p = strstr(fx->html, "<tbody>"); (p = strstr(p, "<tr ")) != NULL; p++)
        rows++;
    assert_int_equal(rows, 4);
    edge = strstr(fx->html, "<td data-col=\"name\">edge01</td>");
    hyper = strstr(fx->html, "<td data-col=\"name\">=HYPERLINK(&quot;http://x&quot;)</td>");
    win = strstr(fx->html, "<td data-col=\"name\">win-\xEF\xBF\xBD"
                           "01</td>");
    assert_non_null(edge);
    assert_non_null(hyper);
    assert_non_null(win);
    assert_true(edge < hyper && hyper < win);
    /* The multi-line error of the unreachable host, and a control character replaced. */
    assert_non_null(strstr(fx->html, "connect: Connection refused\nretried 2 addresses"));
    assert_non_null(strstr(fx->html, "Windows 10 IoT Enterprise\xEF\xBF\xBD</td>"));
}

/* The page is valid UTF-8 even though the devices' text was not. */
static void test_valid_utf8(void **state)
{
    struct fixture *fx = *state;
    bool replaced = false;
    char *clean = fs_utf8_clean(fx->html, fx->len, &replaced);

    assert_non_null(clean);
    assert_false(replaced);
    free(clean);
}

/* An interrupted scan says so at the top of the page. */
static void test_incomplete_banner(void **state)
{
    struct fixture *fx = *state;
    size_t len;
    char *html;

    assert_null(strstr(fx->html, "id=\"incomplete\""));
    fx->s.scan.complete = false;
    html = sample_capture(fs_report_write_html, &fx->report, &len);
    assert_non_null(strstr(html, "id=\"incomplete\""));
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_device_text_cannot_add_markup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_fetch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_nonce_matches_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chart_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_valid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incomplete_banner, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
