/*
 * report.html in a real browser: fleetscan scans the whole fleet (every device kind, the
 * dropbear host, a closed port, and two hosts whose inventory names are HTML), then headless
 * Chromium (Debian's package) loads the page from disk and dumps the DOM after its script ran.
 * The page must load without a single console message (no script error, no blocked fetch),
 * show the counts fleetscan.json holds, filter and sort from the URL fragment, and show the
 * hostile names as text without running them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

/* Both names would run script if the page put them into its markup unescaped. */
#define HOSTILE_SCRIPT "<script>document.documentElement.setAttribute('data-pwned','1')</script>"
#define HOSTILE_IMG    "<img src=x onerror=document.documentElement.setAttribute('data-pwned','2')>"

/* The inventory of the whole fleet into inv. */
static void fleet_inventory(char *inv, size_t size)
{
    char kinds[1024];
    size_t n = 0;
    char *save = NULL;

    snprintf(kinds, sizeof kinds, "%s", fleet_var("FLEET_KINDS"));
    for (char *k = strtok_r(kinds, " ", &save); k != NULL; k = strtok_r(NULL, " ", &save))
        n += (size_t)snprintf(inv + n, size - n, "root@127.0.0.1:%d name=%s\n", fleet_port(k), k);
    n += (size_t)snprintf(inv + n, size - n,
                          "root@127.0.0.1:%s name=dropbear\n"
                          "root@127.0.0.1:%s name=closed\n"
                          "root@127.0.0.1:%d name=\"%s\"\n"
                          "root@127.0.0.1:%d name=\"%s\"\n",
                          fleet_var("DROPBEAR_PORT"), fleet_var("CLOSED_PORT"),
                          fleet_port("ubuntu-1804-amd64-moby"), HOSTILE_SCRIPT,
                          fleet_port("raspbian-stretch-armv7"), HOSTILE_IMG);
    assert_true(n < size);
}

/*
 * Loads out/report.html + fragment in headless Chromium; returns the DOM after the page's
 * script ran (owned) and leaves Chromium's log in *log (owned). --no-sandbox: the tests run as
 * root, where Chromium's sandbox refuses to start; the page is fleetscan's own output.
 */
static char *browse(struct fleet_case *c, const char *fragment, char **log)
{
    char cmd[4096], dom_path[600], log_path[600], profile[600], page[600];
    const char *chromium = getenv("CHROMIUM") != NULL ? getenv("CHROMIUM") : "chromium";
    char *dom;
    int rc;

    snprintf(dom_path, sizeof dom_path, "%s", fleet_path(&c->work, "dom.html"));
    snprintf(log_path, sizeof log_path, "%s", fleet_path(&c->work, "chromium.log"));
    snprintf(profile, sizeof profile, "%s", fleet_path(&c->work, "chromium-profile"));
    snprintf(page, sizeof page, "%s", fleet_path(&c->work, "out/report.html"));
    snprintf(cmd, sizeof cmd,
             "timeout 120 %s --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
             "--no-first-run --user-data-dir='%s' --enable-logging=stderr --v=0 "
             "--dump-dom 'file://%s%s' >'%s' 2>'%s' </dev/null",
             chromium, profile, page, fragment, dom_path, log_path);
    rc = system(cmd);
    *log = fleet_read_file(log_path, NULL);
    dom = fleet_read_file(dom_path, NULL);
    if (rc != 0 || dom == NULL || dom[0] == '\0')
        fail_msg("%s could not load the page (status %d; install Debian's chromium package, "
                 "which 'make deps' does):\n%s",
                 chromium, rc, *log != NULL ? *log : "");
    assert_non_null(*log);
    return dom;
}

/* Every console message the page caused (script errors, blocked fetches) fails the test. */
static void expect_quiet_console(const char *log)
{
    const char *p = strstr(log, ":CONSOLE");

    if (p != NULL) {
        while (p > log && p[-1] != '\n')
            p--;
        fail_msg("the page wrote to the browser console:\n%.2000s", p);
    }
}

/* The count of a chart bar in the DOM, or -1 when the chart has no bar for value. */
static long bar_count(const char *dom, const char *dim, const char *value)
{
    char key[512];
    const char *p;

    snprintf(key, sizeof key, "data-dim=\"%s\" data-value=\"%s\" data-count=\"", dim, value);
    p = strstr(dom, key);
    return p != NULL ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* Each word of a vocabulary chart shows the count fleetscan.json's summary has. */
static void expect_vocabulary_chart(const char *dom, const json_t *doc, const char *summary_key,
                                    const char *dim)
{
    const json_t *counts = json_object_get(json_object_get(doc, "summary"), summary_key);
    const char *word;
    json_t *n;

    assert_true(json_object_size(counts) > 0);
    json_object_foreach((json_t *)counts, word, n)
    {
        long want = json_integer_value(n) > 0 ? (long)json_integer_value(n) : -1;
        if (bar_count(dom, dim, word) != want)
            fail_msg("chart %s, bar %s: the page shows %ld, fleetscan.json says %ld", dim, word,
                     bar_count(dom, dim, word), want);
    }
}

/* The OS chart groups hosts by os_id and os_version, else by os_family. */
static void expect_os_chart(const char *dom, const json_t *hosts)
{
    size_t i, j, total = 0;
    json_t *h, *other;

    json_array_foreach(hosts, i, h)
    {
        char label[256];
        long want = 0;
        const char *id = fleet_str(h, "os_id"), *ver = fleet_str(h, "os_version");
        if (id[0] != '\0')
            snprintf(label, sizeof label, "%s%s%s", id, ver[0] ? " " : "", ver);
        else
            snprintf(label, sizeof label, "%s", fleet_str(h, "os_family"));
        json_array_foreach(hosts, j, other)
        {
            const char *id2 = fleet_str(other, "os_id");
            const char *ver2 = fleet_str(other, "os_version");
            if (id[0] != '\0' ? strcmp(id, id2) == 0 && strcmp(ver, ver2) == 0
                              : id2[0] == '\0' && strcmp(fleet_str(h, "os_family"),
                                                         fleet_str(other, "os_family")) == 0)
                want++;
        }
        if (bar_count(dom, "os", label) != want)
            fail_msg("chart os, bar '%s': the page shows %ld, the hosts say %ld", label,
                     bar_count(dom, "os", label), want);
    }
    for (const char *p = dom; (p = strstr(p, "data-dim=\"os\"")) != NULL; p++) {
        const char *cnt = strstr(p, "data-count=\"");
        total += (size_t)strtol(cnt + 12, NULL, 10);
    }
    assert_int_equal(total, json_array_size(hosts));
}

/* How many host rows the DOM has, and how many of them are not hidden by the filter. */
static void count_rows(const char *dom, size_t *all, size_t *visible)
{
    *all = *visible = 0;
    for (const char *p = strstr(dom, "<tbody>"); (p = strstr(p, "<tr ")) != NULL; p++) {
        const char *end = strchr(p, '>');
        (*all)++;
        if (strstr(p, " hidden") == NULL || strstr(p, " hidden") > end)
            (*visible)++;
    }
}

static long shown_attr(const char *dom)
{
    const char *p = strstr(dom, "data-shown=\"");

    if (p == NULL)
        fail_msg("the page's script did not count the rows it shows");
    return strtol(p + 12, NULL, 10);
}

/* The text of a serialized cell with the five escapes undone (new string). */
static char *unescape(const char *s, size_t len)
{
    static const char *const ent[][2] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
    char *out = malloc(len + 1);
    size_t o = 0;

    assert_non_null(out);
    for (size_t i = 0; i < len;) {
        size_t k;
        for (k = 0; k < 5; k++)
            if (strncmp(s + i, ent[k][0], strlen(ent[k][0])) == 0)
                break;
        if (k < 5) {
            out[o++] = ent[k][1][0];
            i += strlen(ent[k][0]);
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

static void test_page_in_chromium(void **state)
{
    struct fleet_case *c = *state;
    const char *const extra[] = {"--timeout", "4", NULL};
    char *dom, *log, *html;

    size_t all, visible;
    long tier2;
    char *prev = NULL;

    char inv[8192];

    fleet_inventory(inv, sizeof inv);
    fleet_scan(&c->work, inv, fleet_var("KNOWN_HOSTS"), fleet_var("KEY"), extra, &c->run);
    fleet_expect_exit(&c->run, 1); /* the closed port and the hang device are not ok */
    fleet_report_load(&c->work, &c->report);

    /*
     * The file itself fetches nothing: no markup that loads a resource. A URL may still stand
     * in the page as a device's text (the hostile-text device's PRETTY_NAME holds one), escaped,
     * where it is only words; the Chromium check below proves it does not turn into a link.
     */
    html = fleet_read_file(fleet_path(&c->work, "out/report.html"), NULL);
    assert_non_null(html);
    c->text[0] = html;
    {
        static const char *const loaders[] = {
            "src=\"http", "href=\"http",    "src='http", "href='http", "url(http",
            "url(\"http", "url('http",      "@import",   "<link",      "<iframe",
            "fetch(",     "XMLHttpRequest", "<base",     "refresh",
        };
        for (size_t i = 0; i < sizeof loaders / sizeof loaders[0]; i++)
            if (strstr(html, loaders[i]) != NULL)
                fail_msg("report.html contains '%s': it must load nothing", loaders[i]);
    }
    assert_non_null(strstr(html, "default-src 'none'"));
    c->text[0] = NULL;
    free(html);

    /* As it opens: every host shown, the counts of fleetscan.json. */
    dom = browse(c, "", &log);
    c->text[0] = log; /* the teardown frees both if a check fails */
    c->text[1] = dom;
    expect_quiet_console(log);
    assert_non_null(strstr(dom, "data-js=\"ready\""));
    assert_null(strstr(dom, "data-pwned=\""));
    /* A URL in a device's text stays text once the script ran. */
    assert_null(strstr(dom, "href=\"http"));
    assert_null(strstr(dom, "src=\"http"));
    expect_vocabulary_chart(dom, c->report.json, "tier", "tier");
    expect_vocabulary_chart(dom, c->report.json, "arch_class", "arch");
    expect_os_chart(dom, c->report.hosts);
    count_rows(dom, &all, &visible);
    assert_int_equal(all, json_array_size(c->report.hosts));
    assert_int_equal(visible, all);
    assert_int_equal(shown_attr(dom), (long)all);
    {
        char want[128];
        const json_t *status =
            json_object_get(json_object_get(c->report.json, "summary"), "status");
        snprintf(want, sizeof want, "<span data-total=\"ok\">%lld</span>",
                 (long long)json_integer_value(json_object_get(status, "ok")));
        assert_non_null(strstr(dom, want));
        snprintf(want, sizeof want, "<span data-total=\"hosts\">%zu</span>", all);
        assert_non_null(strstr(dom, want));
    }
    /* The hostile names are there, as text. */
    assert_non_null(strstr(dom, "&lt;script&gt;document.documentElement.setAttribute"));
    assert_non_null(strstr(dom, "&lt;img src=x onerror="));
    c->text[1] = NULL;
    free(dom);

    /* Filtered to tier 2 and sorted by name, from the URL fragment. */
    tier2 = (long)json_integer_value(json_object_get(
        json_object_get(json_object_get(c->report.json, "summary"), "tier"), "tier2"));
    assert_true(tier2 > 0);
    free(c->text[0]);
    dom = browse(c, "#filter=tier:tier2&sort=name", &log);
    c->text[0] = log;
    c->text[1] = dom;
    expect_quiet_console(log);
    count_rows(dom, &all, &visible);
    assert_int_equal(all, json_array_size(c->report.hosts));
    assert_int_equal((long)visible, tier2);
    assert_int_equal(shown_attr(dom), tier2);
    for (const char *p = dom; (p = strstr(p, "<td data-col=\"name\">")) != NULL; p++) {
        const char *text = p + strlen("<td data-col=\"name\">");
        char *name = unescape(text, (size_t)(strstr(text, "</td>") - text));
        for (char *q = name; *q != '\0'; q++)
            *q = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
        if (prev != NULL && strcmp(prev, name) > 0)
            fail_msg("rows are not sorted by name: '%s' before '%s'", prev, name);
        free(prev);
        prev = name;
    }
    free(prev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_page_in_chromium, fleet_case_setup,
                                        fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
