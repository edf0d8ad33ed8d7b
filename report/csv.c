/*
 * csv: fleetscan.csv, one RFC 4180 row per inventory host.
 *
 * Cells are made safe for the two kinds of reader that open this file: parsers (quoting, CRLF,
 * valid UTF-8) and spreadsheets (control characters replaced, formulas neutralised). The rules
 * are spelled out in docs/reports.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"
#include "report/report.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD in UTF-8 */

/*
 * C0 controls other than TAB, CR and LF are replaced: they carry no meaning in a report, and
 * spreadsheet imports either drop them silently or reject the file. TAB, CR and LF are kept
 * (quoted where needed) because multi-line error messages are legitimate.
 */
static bool is_dropped_control(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\r' && c != '\n';
}

/* A spreadsheet runs a cell starting with one of these as a formula (CWE-1236). */
static bool starts_formula(const char *s)
{
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

static bool needs_quotes(const char *s)
{
    return strpbrk(s, ",\"\r\n") != NULL;
}

char *fs_csv_cell(const char *text, bool numeric)
{
    char *clean = fs_utf8_clean(text ? text : "", text ? strlen(text) : 0, NULL);
    char *out;
    size_t size = 4; /* "'" prefix, two quotes, NUL */
    size_t o = 0;

    if (clean == NULL)
        return NULL;
    for (const char *p = clean; *p != '\0'; p++)
        size += *p == '"' ? 2 : is_dropped_control((unsigned char)*p) ? 3 : 1;
    out = malloc(size);
    if (out == NULL)
        goto out;
    bool quote = needs_quotes(clean);
    if (quote)
        out[o++] = '"';
    if (!numeric && starts_formula(clean))
        out[o++] = '\'';
    for (const char *p = clean; *p != '\0'; p++) {
        if (*p == '"') {
            out[o++] = '"';
            out[o++] = '"';
        } else if (is_dropped_control((unsigned char)*p)) {
            memcpy(out + o, replacement, 3);
            o += 3;
        } else {
            out[o++] = *p;
        }
    }
    if (quote)
        out[o++] = '"';
    out[o] = '\0';
out:
    free(clean);
    return out;
}

char *fs_notes_join(const json_t *notes)
{
    size_t n_notes = json_array_size(notes), len = 0, o = 0;
    char *out;

    for (size_t i = 0; i < n_notes; i++)
        len += json_string_length(json_array_get(notes, i)) * 3 + 2;
    out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n_notes; i++) {
        const json_t *note = json_array_get(notes, i);
        if (!json_is_string(note))
            continue;
        char *clean = fs_utf8_clean(json_string_value(note), json_string_length(note), NULL);
        if (clean == NULL) {
            free(out);
            return NULL;
        }
        if (o > 0) {
            memcpy(out + o, "; ", 2);
            o += 2;
        }
        size_t n = strlen(clean);
        memcpy(out + o, clean, n);
        o += n;
        free(clean);
    }
    out[o] = '\0';
    return out;
}

/* Column accessors. Text is borrowed from the record or is a static vocabulary name. */

static const char *col_name(const struct fs_host_record *r)
{
    return r->name;
}

static const char *col_address(const struct fs_host_record *r)
{
    return r->address;
}

/* Port 0 (or less) means the scanner never settled on one: an empty cell, not "0". */
static int64_t col_port(const struct fs_host_record *r)
{
    return r->port > 0 ? r->port : -1;
}

static const char *col_user(const struct fs_host_record *r)
{
    return r->user;
}

static const char *col_status(const struct fs_host_record *r)
{
    return fs_status_name(r->status);
}

static const char *col_error(const struct fs_host_record *r)
{
    return r->error;
}

static const char *col_os_family(const struct fs_host_record *r)
{
    return fs_os_family_name(r->verdict.os_family);
}

static const char *col_os_id(const struct fs_host_record *r)
{
    return r->verdict.os_id;
}

static const char *col_os_version(const struct fs_host_record *r)
{
    return r->verdict.os_version;
}

static const char *col_os_name(const struct fs_host_record *r)
{
    return r->verdict.os_name;
}

static const char *col_arch(const struct fs_host_record *r)
{
    return r->verdict.arch;
}

static const char *col_arch_class(const struct fs_host_record *r)
{
    return fs_arch_class_name(r->verdict.arch_class);
}

static const char *col_container_engine(const struct fs_host_record *r)
{
    return r->verdict.container_engine;
}

static const char *col_engine_version(const struct fs_host_record *r)
{
    return r->verdict.engine_version;
}

static const char *col_engine_support(const struct fs_host_record *r)
{
    return fs_engine_support_name(r->verdict.engine_support);
}

static const char *col_virtualization(const struct fs_host_record *r)
{
    return r->verdict.virtualization;
}

static const char *col_tier(const struct fs_host_record *r)
{
    return fs_tier_name(r->verdict.tier);
}

static const char *col_production_ready(const struct fs_host_record *r)
{
    return fs_ready_name(r->verdict.production_ready);
}

/* The array is fixed-size: one that lost its terminator is treated as absent, not over-read. */
static const char *col_scanned_at(const struct fs_host_record *r)
{
    return memchr(r->scanned_at, '\0', sizeof(r->scanned_at)) ? r->scanned_at : NULL;
}

static int64_t col_duration_ms(const struct fs_host_record *r)
{
    return r->duration_ms;
}

const struct fs_column fs_columns[] = {
    {"name", FS_COLUMN_TEXT, col_name, NULL},
    {"address", FS_COLUMN_TEXT, col_address, NULL},
    {"port", FS_COLUMN_NUMBER, NULL, col_port},
    {"user", FS_COLUMN_TEXT, col_user, NULL},
    {"status", FS_COLUMN_TEXT, col_status, NULL},
    {"error", FS_COLUMN_TEXT, col_error, NULL},
    {"os_family", FS_COLUMN_TEXT, col_os_family, NULL},
    {"os_id", FS_COLUMN_TEXT, col_os_id, NULL},
    {"os_version", FS_COLUMN_TEXT, col_os_version, NULL},
    {"os_name", FS_COLUMN_TEXT, col_os_name, NULL},
    {"arch", FS_COLUMN_TEXT, col_arch, NULL},
    {"arch_class", FS_COLUMN_TEXT, col_arch_class, NULL},
    {"container_engine", FS_COLUMN_TEXT, col_container_engine, NULL},
    {"engine_version", FS_COLUMN_TEXT, col_engine_version, NULL},
    {"engine_support", FS_COLUMN_TEXT, col_engine_support, NULL},
    {"virtualization", FS_COLUMN_TEXT, col_virtualization, NULL},
    {"tier", FS_COLUMN_TEXT, col_tier, NULL},
    {"production_ready", FS_COLUMN_TEXT, col_production_ready, NULL},
    {"notes", FS_COLUMN_NOTES, NULL, NULL},
    {"scanned_at", FS_COLUMN_TEXT, col_scanned_at, NULL},
    {"duration_ms", FS_COLUMN_NUMBER, NULL, col_duration_ms},
    {NULL, FS_COLUMN_TEXT, NULL, NULL},
};

/* The escaped cell of column c for record r (new string, free()), or NULL without memory. */
static char *column_cell(const struct fs_column *c, const struct fs_host_record *r)
{
    char num[24] = "";
    char *notes, *cell;

    switch (c->kind) {
    case FS_COLUMN_NUMBER:
        if (c->number(r) >= 0)
            snprintf(num, sizeof(num), "%" PRId64, c->number(r));
        return fs_csv_cell(num, true);
    case FS_COLUMN_NOTES:
        notes = fs_notes_join(r->verdict.notes);
        if (notes == NULL)
            return NULL;
        cell = fs_csv_cell(notes, false);
        free(notes);
        return cell;
    case FS_COLUMN_TEXT:
        break;
    }
    return fs_csv_cell(c->text(r), false);
}

static int write_row(FILE *f, const struct fs_host_record *r)
{
    for (const struct fs_column *c = fs_columns; c->name != NULL; c++) {
        char *cell = column_cell(c, r);
        if (cell == NULL) {
            errno = ENOMEM;
            return -1;
        }
        if (c != fs_columns)
            fputc(',', f);
        fputs(cell, f);
        free(cell);
    }
    fputs("\r\n", f);
    return 0;
}

int fs_report_write_csv(const struct fs_report *rep, FILE *f)
{
    for (const struct fs_column *c = fs_columns; c->name != NULL; c++)
        fprintf(f, "%s%s", c == fs_columns ? "" : ",", c->name);
    fputs("\r\n", f);
    /* Stop at the first failed write: a full disk does not get better for the next host. */
    for (size_t i = 0; i < rep->n_hosts && !ferror(f); i++)
        if (write_row(f, &rep->hosts[i]) < 0)
            return -1;
    return fs_writer_finish(f);
}
