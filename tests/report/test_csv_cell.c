/*
 * fs_csv_cell: quoting, formula neutralisation and text cleaning of one CSV cell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"

#define FFFD "\xEF\xBF\xBD"

struct cell_case {
    const char *input;
    bool numeric;
    const char *expected;
};

static const struct cell_case cell_cases[] = {
    /* Absent and plain text. */
    {NULL, false, ""},
    {"", false, ""},
    {"plain", false, "plain"},
    {"Ubuntu 18.04.3 LTS", false, "Ubuntu 18.04.3 LTS"},
    {"a=b", false, "a=b"},
    {"a\tb", false, "a\tb"},
    /* RFC 4180 quoting. */
    {"a,b", false, "\"a,b\""},
    {"say \"hi\"", false, "\"say \"\"hi\"\"\""},
    {"\"", false, "\"\"\"\""},
    {"a\r\nb", false, "\"a\r\nb\""},
    {"line\nnext", false, "\"line\nnext\""},
    {"cr\r", false, "\"cr\r\""},
    /* Formula neutralisation: each prefix a spreadsheet would run. */
    {"=1+1", false, "'=1+1"},
    {"+1", false, "'+1"},
    {"-1", false, "'-1"},
    {"@SUM(A1:A9)", false, "'@SUM(A1:A9)"},
    {"\tx", false, "'\tx"},
    {"\rx", false, "\"'\rx\""},
    {"=HYPERLINK(\"http://x\",\"y\")", false, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
    {"'=already quoted", false, "'=already quoted"},
    /* Numeric columns are never prefixed, but still quoted when they must be. */
    {"22", true, "22"},
    {"-1", true, "-1"},
    {"+5", true, "+5"},
    {"=1", true, "=1"},
    {"1,5", true, "\"1,5\""},
    /* Invalid UTF-8 becomes U+FFFD; valid multi-byte text is kept. */
    {"win-\xff"
     "01",
     false, "win-" FFFD "01"},
    {"\xe2\x82", false, FFFD FFFD},
    {"\xc0\xaf", false, FFFD FFFD},
    {"\xed\xa0\x80", false, FFFD FFFD FFFD},
    {"M\xc3\xbcnchen \xe2\x80\x94 \xf0\x9f\x9a\x80", false,
     "M\xc3\xbcnchen \xe2\x80\x94 \xf0\x9f\x9a\x80"},
    /* C0 controls other than TAB, CR and LF become U+FFFD; DEL is kept. */
    {"a\x01"
     "b",
     false, "a" FFFD "b"},
    {"\x1b[31mred", false, FFFD "[31mred"},
    {"\x01=1", false, FFFD "=1"},
    {"a\x7f"
     "b",
     false,
     "a\x7f"
     "b"},
};

static void test_cells(void **state)
{
    for (size_t i = 0; i < sizeof(cell_cases) / sizeof(cell_cases[0]); i++) {
        const struct cell_case *c = &cell_cases[i];
        char *got = fs_csv_cell(c->input, c->numeric);
        assert_non_null(got);
        if (strcmp(got, c->expected) != 0)
            fail_msg("case %zu: got [%s], expected [%s]", i, got, c->expected);
        free(got);
    }
}

/*
 * A long hostile cell: every byte value except NUL. The result must be valid for a CSV parser
 * (quoted, quotes doubled) and hold no raw control character other than TAB, CR and LF.
 */
static void test_every_byte(void **state)
{
    char input[256];
    char *got;
    size_t quotes = 0;

    for (int i = 1; i < 256; i++)
        input[i - 1] = (char)i;
    input[255] = '\0';
    got = fs_csv_cell(input, false);
    assert_non_null(got);
    size_t len = strlen(got);
    assert_true(len > 2);
    assert_int_equal(got[0], '"');
    assert_int_equal(got[len - 1], '"');
    for (size_t i = 1; i + 1 < len; i++) {
        unsigned char ch = (unsigned char)got[i];
        assert_false(ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n');
        if (ch == '"')
            quotes++;
    }
    assert_int_equal(quotes, 2); /* the one '"' of the input, doubled */
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
