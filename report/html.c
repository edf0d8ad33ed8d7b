/*
 * html: report.html, one self-contained page for people: totals, bar charts of hosts by tier,
 * by OS and by architecture (inline SVG drawn here, so they need no script), and the host
 * table, which a small inline script makes sortable and filterable.
 *
 * Every piece of device text is HTML-escaped (device text is untrusted: a device may name
 * itself `<script>...`), and the page declares a Content-Security-Policy that allows no
 * network fetch at all and only its own script. docs/reports.md describes the page.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "report/html_internal.h"
#include "report/internal.h"
#include "report/report.h"

/* ---- escaping ------------------------------------------------------------------------------ */

/*
 * Writes text (may be NULL) escaped for HTML text and for a double- or single-quoted attribute
 * value. Invalid UTF-8 and C0 controls other than TAB, CR and LF become U+FFFD: HTML forbids
 * the controls, and a browser would show them as nothing at all.
 */
static void put_text(FILE *f, const char *text)
{
    char *clean;

    if (text == NULL)
        return;
    clean = fs_utf8_clean(text, strlen(text), NULL);
    if (clean == NULL) {
        fputs("\xEF\xBF\xBD", f); /* out of memory: a visible gap rather than raw text */
        return;
    }
    for (const unsigned char *p = (const unsigned char *)clean; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n') || *p == 0x7F)
                fputs("\xEF\xBF\xBD", f);
            else
                fputc(*p, f);
        }
    }
    free(clean);
}

/* ---- counting for the charts --------------------------------------------------------------- */

/* The OS as a chart groups it: "ubuntu 18.04", else the family ("windows", "unknown"). */
static void os_label(const struct fs_host_record *r, char *buf, size_t len)
{
    const struct fs_verdict *v = &r->verdict;

    bool has_version = v->os_version != NULL && v->os_version[0] != '\0';

    if (v->os_id != NULL && v->os_id[0] != '\0')
        snprintf(buf, len, "%s%s%s", v->os_id, has_version ? " " : "",
                 has_version ? v->os_version : "");
    else
        snprintf(buf, len, "%s", fs_os_family_name(v->os_family));
}

struct bar {
    char label[128];
    const char *css; /* a vocabulary word for the bar's colour class, or NULL */
    size_t count;
};

/* At most this many OS bars; the rest are added up in one last bar. */
#define MAX_OS_BARS 15

static int by_count(const void *a, const void *b)
{
    const struct bar *x = a, *y = b;

    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->label, y->label);
}

/*
 * The OS bars of rep, most hosts first. Returns how many were filled (at most MAX_OS_BARS + 1),
 * or -1 on memory exhaustion.
 */
static int os_bars(const struct fs_report *rep, struct bar *out)
{
    struct bar *all = calloc(rep->n_hosts + 1, sizeof *all);
    size_t n = 0;

    if (all == NULL)
        return -1;
    for (size_t i = 0; i < rep->n_hosts; i++) {
        char label[128];
        size_t j;
        os_label(&rep->hosts[i], label, sizeof label);
        for (j = 0; j < n && strcmp(all[j].label, label) != 0; j++)
            ;
        if (j == n)
            snprintf(all[n++].label, sizeof all[0].label, "%s", label);
        all[j].count++;
    }
    qsort(all, n, sizeof *all, by_count);
    if (n > MAX_OS_BARS + 1) {
        size_t rest = 0;
        for (size_t j = MAX_OS_BARS; j < n; j++)
            rest += all[j].count;
        snprintf(all[MAX_OS_BARS].label, sizeof all[0].label, "%zu others", n - MAX_OS_BARS);
        all[MAX_OS_BARS].count = rest;
        all[MAX_OS_BARS].css = "unknown";
        n = MAX_OS_BARS + 1;
    }
    memcpy(out, all, n * sizeof *all);
    free(all);
    return (int)n;
}

/* The bars of a vocabulary dimension, in vocabulary order, leaving out words no host has. */
static int dimension_bars(const struct fs_tally *t, enum fs_dimension d, struct bar *out)
{
    const struct fs_dimension_info *info = &fs_dimensions[d];
    int n = 0;

    for (size_t i = 0; i < info->n_values; i++) {
        if (t->counts[d][i] == 0)
            continue;
        out[n].css = fs_dimension_value_name(d, info->values[i]);
        snprintf(out[n].label, sizeof out[n].label, "%s", out[n].css);
        out[n].count = t->counts[d][i];
        n++;
    }
    return n;
}

/* ---- the page ------------------------------------------------------------------------------ */

#define CHART_LABEL_W 150
#define CHART_BAR_W   200
#define CHART_ROW_H   22

/*
 * One horizontal bar chart as inline SVG. Every bar says what it counts in data- attributes
 * (the browser test reads them) and in a <title> (the tooltip); clicking it filters the table
 * by the column named col.
 */
static void put_chart(FILE *f, const char *id, const char *title, const char *col,
                      const struct bar *bars, int n)
{
    size_t max = 1;
    int width = CHART_LABEL_W + CHART_BAR_W + 50, height = (n > 0 ? n : 1) * CHART_ROW_H + 4;

    for (int i = 0; i < n; i++)
        if (bars[i].count > max)
            max = bars[i].count;
    fprintf(f, "<figure id=\"chart-%s\"><figcaption>%s</figcaption>\n", id, title);
    fprintf(f,
            "<svg role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\">\n",
            title, width, height, width, height);
    for (int i = 0; i < n; i++) {
        int y = i * CHART_ROW_H + 2;
        int w = (int)((double)bars[i].count * CHART_BAR_W / (double)max + 0.5);
        fputs("<g class=\"bar\" data-dim=\"", f);
        fputs(id, f);
        fputs("\" data-value=\"", f);
        put_text(f, bars[i].label);
        fprintf(f, "\" data-count=\"%zu\" data-filter=\"%s:&quot;", bars[i].count, col);
        put_text(f, bars[i].label);
        fputs("&quot;\"><title>", f);
        put_text(f, bars[i].label);
        fprintf(f, ": %zu host%s</title>", bars[i].count, bars[i].count == 1 ? "" : "s");
        fprintf(f, "<text x=\"0\" y=\"%d\">", y + 15);
        put_text(f, bars[i].label);
        fprintf(f, "</text><rect class=\"v-");
        put_text(f, bars[i].css != NULL ? bars[i].css : "other");
        fprintf(f, "\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"></rect>", CHART_LABEL_W, y + 2,
                w > 0 ? w : 1, CHART_ROW_H - 6);
        fprintf(f, "<text x=\"%d\" y=\"%d\">%zu</text></g>\n", CHART_LABEL_W + w + 6, y + 15,
                bars[i].count);
    }
    fputs("</svg></figure>\n", f);
}

static int put_charts(const struct fs_report *rep, const struct fs_tally *t, FILE *f)
{
    struct bar *bars = calloc(
        MAX_OS_BARS + 1 > FS_DIM_MAX_VALUES ? MAX_OS_BARS + 1 : FS_DIM_MAX_VALUES, sizeof *bars);
    int n;

    if (bars == NULL)
        return -1;
    fputs("<section id=\"charts\">\n", f);
    n = dimension_bars(t, FS_DIM_TIER, bars);
    put_chart(f, "tier", "Hosts by tier", "tier", bars, n);
    n = os_bars(rep, bars);
    if (n < 0) {
        free(bars);
        return -1;
    }
    put_chart(f, "os", "Hosts by OS", "os", bars, n);
    n = dimension_bars(t, FS_DIM_ARCH, bars);
    put_chart(f, "arch", "Hosts by architecture", "arch", bars, n);
    fputs("</section>\n", f);
    free(bars);
    return 0;
}

/* A table cell: data-col names the column for the filter, data-key is the sort key if any. */
static void put_cell(FILE *f, const char *col, const char *cls, const char *text)
{
    fprintf(f, "<td data-col=\"%s\"", col);
    if (cls != NULL) {
        fputs(" class=\"", f);
        put_text(f, cls);
        fputc('"', f);
    }
    fputc('>', f);
    put_text(f, text);
    fputs("</td>", f);
}

/* The vocabulary words of tier in the matrix's order, so sorting by tier puts tier1 first. */
static int tier_rank(enum fs_tier t)
{
    switch (t) {
    case FS_TIER_1:
        return 1;
    case FS_TIER_1_PREVIEW:
        return 2;
    case FS_TIER_2:
        return 3;
    case FS_TIER_UNSUPPORTED:
        return 4;
    default:
        return 5;
    }
}

static const char *const table_columns[][2] = {
    {"name", "Name"},
    {"address", "Address"},
    {"port", "Port"},
    {"user", "User"},
    {"status", "Status"},
    {"os", "OS"},
    {"os_name", "OS name"},
    {"arch", "Arch"},
    {"engine", "Engine"},
    {"engine_support", "Engine support"},
    {"tier", "Tier"},
    {"ready", "Production ready"},
    {"notes", "Notes and errors"},
};

static int put_row(const struct fs_host_record *r, FILE *f)
{
    const struct fs_verdict *v = &r->verdict;
    char os[128], engine[256], port[16];
    char *notes = fs_notes_join(v->notes);

    if (notes == NULL)
        return -1;
    os_label(r, os, sizeof os);
    snprintf(engine, sizeof engine, "%s%s%s", v->container_engine ? v->container_engine : "",
             v->container_engine && v->engine_version ? " " : "",
             v->engine_version ? v->engine_version : "");
    snprintf(port, sizeof port, "%d", r->port);
    fprintf(f, "<tr class=\"%s\">", r->status == FS_STATUS_OK ? "st-ok" : "st-bad");
    put_cell(f, "name", NULL, r->name);
    put_cell(f, "address", NULL, r->address);
    fprintf(f, "<td data-col=\"port\" class=\"num\">%s</td>", r->port > 0 ? port : "");
    put_cell(f, "user", NULL, r->user);
    put_cell(f, "status", NULL, fs_status_name(r->status));
    put_cell(f, "os", NULL, os);
    put_cell(f, "os_name", NULL, v->os_name);
    put_cell(f, "arch", NULL, fs_arch_class_name(v->arch_class));
    put_cell(f, "engine", NULL, engine);
    put_cell(f, "engine_support", NULL, fs_engine_support_name(v->engine_support));
    fprintf(f, "<td data-col=\"tier\" data-key=\"%d\" class=\"v-%s\">%s</td>", tier_rank(v->tier),
            fs_tier_name(v->tier), fs_tier_name(v->tier));
    fprintf(f, "<td data-col=\"ready\" class=\"v-%s\">%s</td>", fs_ready_name(v->production_ready),
            fs_ready_name(v->production_ready));
    fputs("<td data-col=\"notes\" class=\"notes\">", f);
    put_text(f, r->error);
    if (r->error != NULL && r->error[0] != '\0' && notes[0] != '\0')
        fputs("; ", f);
    put_text(f, notes);
    fputs("</td></tr>\n", f);
    free(notes);
    return 0;
}

static int put_table(const struct fs_report *rep, FILE *f)
{
    fputs("<section>\n<h2>Hosts</h2>\n"
          "<div id=\"controls\" hidden><label>Filter <input id=\"filter\" type=\"search\" "
          "placeholder=\"words, or column:text such as tier:tier2\"></label>"
          "<span id=\"shown\"></span></div>\n"
          "<div class=\"scroll\"><table id=\"hosts\">\n<thead><tr>",
          f);
    for (size_t i = 0; i < sizeof table_columns / sizeof table_columns[0]; i++)
        fprintf(f, "<th data-col=\"%s\">%s</th>", table_columns[i][0], table_columns[i][1]);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < rep->n_hosts; i++)
        if (put_row(&rep->hosts[i], f) < 0)
            return -1;
    fputs("</tbody></table></div>\n</section>\n", f);
    return 0;
}

/*
 * A fresh nonce for the Content-Security-Policy of each page: a script injected through device
 * text cannot know it, so it could not run even if escaping failed.
 */
static void make_nonce(char *out, size_t len)
{
    unsigned char raw[16];
    size_t n = sizeof raw;

    if (getrandom(raw, sizeof raw, GRND_NONBLOCK) != (ssize_t)sizeof raw) {
        uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)out;
        for (size_t i = 0; i < sizeof raw; i++, x = x * 6364136223846793005u + 1442695040888963407u)
            raw[i] = (unsigned char)(x >> 56);
    }
    if (len < 2 * n + 1)
        n = (len - 1) / 2;
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static void put_head(const struct fs_report *rep, const struct fs_tally *t, const char *nonce,
                     FILE *f)
{
    const struct fs_scan_info *s = rep->scan;

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
    fprintf(f,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'nonce-%s'; base-uri 'none'; "
            "form-action 'none'\">\n",
            nonce);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
    fprintf(f, "<title>fleetscan report: %zu host%s</title>\n", t->hosts, t->hosts == 1 ? "" : "s");
    fprintf(f, "<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>fleetscan report</h1>\n",
            fs_html_style);
    if (s != NULL) {
        fputs("<p class=\"meta\">Inventory <code>", f);
        put_text(f, s->inventory);
        fputs("</code>, scanned ", f);
        put_text(f, s->started_at);
        fputs(" to ", f);
        put_text(f, s->finished_at);
        fputs(" by fleetscan ", f);
        put_text(f, s->tool_version);
        fputs(" against the rules ", f);
        put_text(f, s->rules_id);
        fputs(".</p>\n", f);
        if (!s->complete)
            fputs("<p class=\"incomplete\" id=\"incomplete\">The scan was interrupted: some "
                  "hosts were not scanned.</p>\n",
                  f);
    }
}

static void put_totals(const struct fs_tally *t, size_t ready, FILE *f)
{
    fprintf(f,
            "<p id=\"totals\"><span data-total=\"hosts\">%zu</span> host%s: "
            "<span data-total=\"ok\">%zu</span> scanned ok, "
            "<span data-total=\"ready\">%zu</span> production ready.</p>\n</header>\n",
            t->hosts, t->hosts == 1 ? "" : "s", t->counts[FS_DIM_STATUS][0], ready);
}

int fs_report_write_html(const struct fs_report *rep, FILE *f)
{
    struct fs_tally t;
    char nonce[33] = "";
    size_t ready = 0;

    fs_tally_count(rep, &t);
    for (size_t i = 0; i < rep->n_hosts; i++)
        ready += rep->hosts[i].verdict.production_ready == FS_READY_YES ? 1 : 0;
    make_nonce(nonce, sizeof nonce);
    put_head(rep, &t, nonce, f);
    put_totals(&t, ready, f);
    if (put_charts(rep, &t, f) < 0 || put_table(rep, f) < 0) {
        errno = ENOMEM;
        return -1;
    }
    fprintf(f, "<script nonce=\"%s\">\n%s</script>\n</body>\n</html>\n", nonce, fs_html_script);
    return fs_writer_finish(f);
}
