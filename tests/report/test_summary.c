/*
 * summary.csv and the end-of-scan table printed to the terminal.
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

static void test_summary_csv(void **state)
{
    struct sample s;
    size_t len, want_len;
    char *want = sample_read_file("fixtures/summary-3hosts.csv", &want_len);

    assert_non_null(want);
    sample_init(&s);
    char *got = sample_capture(fs_report_write_summary_csv, &s.report, &len);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, want_len);
    free(got);
    free(want);
    sample_clear(&s);
}

/* A value outside its enum is counted under the word the CSV shows, so totals add up. */
static void test_summary_csv_out_of_range(void **state)
{
    struct fs_host_record r;
    struct fs_report rep = {NULL, &r, 1};
    size_t len;

    fs_host_record_init(&r);
    r.status = (enum fs_status)42;
    r.verdict.tier = (enum fs_tier)42;
    char *got = sample_capture(fs_report_write_summary_csv, &rep, &len);
    assert_non_null(strstr(got, "\r\nhosts,all,1\r\n"));
    assert_non_null(strstr(got, "\r\nstatus,error,1\r\n"));
    assert_non_null(strstr(got, "\r\nstatus,ok,0\r\n"));
    assert_non_null(strstr(got, "\r\ntier,unknown,1\r\n"));
    free(got);
    fs_host_record_clear(&r);
}

static char *print(const struct fs_report *rep)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    fs_report_print_summary(rep, f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_print(void **state)
{
    static const char want[] = "status  ok                    2\n"
                               "        unreachable           1\n"
                               "tier    tier1                 1\n"
                               "        unknown               2\n"
                               "os      linux                 1\n"
                               "        windows               1\n"
                               "        unknown               1\n"
                               "arch    amd64                 2\n"
                               "        unknown               1\n"
                               "engine  recommended           1\n"
                               "        missing               1\n"
                               "        unknown               1\n"
                               "3 hosts in 12.3 s\n";
    struct sample s;

    sample_init(&s);
    char *got = print(&s.report);
    assert_string_equal(got, want);
    free(got);
    sample_clear(&s);
}

/* The last line alone, for the small cases: no hosts, one host, no scan information. */
static void test_print_totals(void **state)
{
    struct fs_scan_info scan = {.duration_ms = 500};
    struct fs_host_record r;
    struct fs_report none = {&scan, NULL, 0}, one = {&scan, &r, 1}, bare = {NULL, &r, 1};
    char *got;

    fs_host_record_init(&r);
    got = print(&none);
    assert_string_equal(got, "0 hosts in 0.5 s\n");
    free(got);
    got = print(&one);
    assert_non_null(strstr(got, "status  error                 1\n"));
    assert_non_null(strstr(got, "\n1 host in 0.5 s\n"));
    free(got);
    got = print(&bare);
    assert_non_null(strstr(got, "\n1 host\n"));
    free(got);
    fs_host_record_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_csv),
        cmocka_unit_test(test_summary_csv_out_of_range),
        cmocka_unit_test(test_print),
        cmocka_unit_test(test_print_totals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
