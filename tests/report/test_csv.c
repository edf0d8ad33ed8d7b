/*
 * fleetscan.csv: the whole file, byte for byte, and read back by an RFC 4180 parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"
#include "tests/report/sample.h"

static const char header[] =
    "name,address,port,user,status,error,os_family,os_id,os_version,os_name,arch,arch_class,"
    "container_engine,engine_version,engine_support,virtualization,tier,production_ready,notes,"
    "scanned_at,duration_ms\r\n";

/* Reports the first differing byte, which is what a person needs to fix a mismatch. */
static void assert_same_bytes(const char *got, size_t got_len, const char *want, size_t want_len)
{
    size_t i = 0;

    while (i < got_len && i < want_len && got[i] == want[i])
        i++;
    if (i != got_len || i != want_len)
        fail_msg("output differs at byte %zu (lengths %zu, %zu): got [%.40s], expected [%.40s]", i,
                 got_len, want_len, got + i, want + i);
}

static void test_three_hosts(void **state)
{
    struct sample s;
    size_t len, want_len;
    char *want = sample_read_file("fixtures/fleetscan-3hosts.csv", &want_len);

    assert_non_null(want);
    sample_init(&s);
    char *got = sample_capture(fs_report_write_csv, &s.report, &len);
    assert_same_bytes(got, len, want, want_len);
    free(got);
    free(want);
    sample_clear(&s);
}

static void test_no_hosts(void **state)
{
    struct fs_report rep = {NULL, NULL, 0};
    size_t len;
    char *got = sample_capture(fs_report_write_csv, &rep, &len);

    assert_same_bytes(got, len, header, strlen(header));
    free(got);
}

/* A freshly initialised record: every absent value is an empty cell, never "0" or "(null)". */
static void test_blank_record(void **state)
{
    static const char row[] = "ks,,,,error,,unknown,,,,,unknown,,,unknown,,unknown,unknown,,,\r\n";
    struct fs_host_record r;
    struct fs_report rep = {NULL, &r, 1};
    size_t len;

    fs_host_record_init(&r);
    r.name = strdup("ks");
    char *got = sample_capture(fs_report_write_csv, &rep, &len);
    assert_true(len == strlen(header) + strlen(row));
    assert_memory_equal(got + strlen(header), row, strlen(row));
    free(got);
    fs_host_record_clear(&r);
}

/*
 * A minimal RFC 4180 reader: splits text into records of fields, stores the fields of record
 * `want_row` into cells, and returns the number of records. Fails the test on a stray quote.
 */
static size_t parse_csv(const char *p, size_t len, size_t want_row, char cells[][128],
                        size_t *n_cells)
{
    size_t row = 0, field = 0, o = 0;
    const char *end = p + len;

    while (p < end) {
        bool quoted = *p == '"';
        o = 0;
        p += quoted;
        while (p < end) {
            if (quoted && *p == '"' && p + 1 < end && p[1] == '"')
                p++;
            else if (quoted && *p == '"') {
                p++;
                break;
            } else if (!quoted && (*p == ',' || *p == '\r'))
                break;
            if (row == want_row && o < 127)
                cells[field][o++] = *p;
            p++;
        }
        if (row == want_row)
            cells[field][o] = '\0';
        if (p < end && *p == ',') {
            field++;
            p++;
            continue;
        }
        assert_true(end - p >= 2 && p[0] == '\r' && p[1] == '\n');
        p += 2;
        if (row == want_row)
            *n_cells = field + 1;
        row++;
        field = 0;
    }
    return row;
}

static void test_parse_back(void **state)
{
    struct sample s;
    size_t len, n_cells = 0;
    char cells[32][128];

    sample_init(&s);
    char *got = sample_capture(fs_report_write_csv, &s.report, &len);
    for (size_t row = 0; row < 4; row++) {
        assert_int_equal(parse_csv(got, len, row, cells, &n_cells), 4);
        assert_int_equal(n_cells, 21);
    }
    parse_csv(got, len, 2, cells, &n_cells);
    assert_string_equal(cells[0], "'=HYPERLINK(\"http://x\")");
    assert_string_equal(cells[5], "connect: Connection refused\nretried 2 addresses");
    parse_csv(got, len, 1, cells, &n_cells);
    assert_string_equal(cells[18], "Moby engine 3.0.10, as recommended; virtualization: none");
    free(got);
    sample_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_hosts),
        cmocka_unit_test(test_no_hosts),
        cmocka_unit_test(test_blank_record),
        cmocka_unit_test(test_parse_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
