/*
 * The text layer under both formats: line endings, byte order mark, encoding, binary content
 * and line length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inv_test_util.h"

static void test_crlf_and_bom(void **state)
{
    const char *plain = "\xEF\xBB\xBF# fleet\r\na\r\n\r\nb:22 name=x\r\n";
    const char *ini = "\xEF\xBB\xBF[web]\r\nh ansible_port=22\r\n[web:vars]\r\nansible_user=u\r\n";
    const char *const plain_targets[] = {"a|a|0|-||-|2", "x|b|22|-||-|4", NULL};
    const char *const ini_targets[] = {"h|h|22|u||web|2", NULL};

    (void)state;
    inv_test_expect_targets("hosts.txt", plain, strlen(plain), "plain", plain_targets);
    inv_test_expect_targets("hosts.ini", ini, strlen(ini), "ansible-ini", ini_targets);
}

static void test_no_final_newline(void **state)
{
    const char *text = "a\nb";
    const char *const expected[] = {"a|a|0|-||-|1", "b|b|0|-||-|2", NULL};

    (void)state;
    inv_test_expect_targets("hosts.txt", text, strlen(text), "plain", expected);
}

/* Only the length given counts: the text needs no terminating NUL. */
static void test_length_bounds_text(void **state)
{
    const char text[] = {'a', '\n', 'b', 'c'};
    const char *const expected[] = {"a|a|0|-||-|1", "b|b|0|-||-|2", NULL};

    (void)state;
    inv_test_expect_targets("hosts.txt", text, 3, "plain", expected);
}

struct bad_case {
    const char *text;
    size_t len; /* 0: strlen(text) */
    int line;
    const char *phrase;
};

static const struct bad_case bad[] = {
    {"a\nb\0c\n", 6, 2, "NUL byte at column 2"},
    {"\0\0\0\0", 4, 1, "binary file"},
    {"a\n\xC3(\n", 0, 2, "invalid UTF-8 (byte 0xC3 at column 1)"},
    {"h name=\xC0\xAF\n", 0, 1, "invalid UTF-8"},         /* overlong '/' */
    {"h name=\xED\xA0\x80\n", 0, 1, "invalid UTF-8"},     /* UTF-16 surrogate */
    {"h name=\xF4\x90\x80\x80\n", 0, 1, "invalid UTF-8"}, /* past U+10FFFF */
    {"h name=\xE2\x82", 0, 1, "invalid UTF-8"},           /* cut short at the end */
    {"h name=\xFF\n", 0, 1, "invalid UTF-8 (byte 0xFF at column 8)"},
    {"[g]\nh ansible_user=\x80\n", 0, 2, "invalid UTF-8"},
    {"a\x1b[31m\n", 0, 1, "control character 0x1B at column 2"},
    {"a\x7f\n", 0, 1, "control character 0x7F"},
    {"a\rb\n", 0, 1, "carriage return at column 2"},
};

static void test_bad_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
        inv_test_expect_error("hosts.txt", bad[i].text, len, bad[i].line, bad[i].phrase);
    }
}

/* A line of exactly FS_INVENTORY_MAX_LINE bytes is read; one byte more is refused. */
static void test_line_length_limit(void **state)
{
    size_t n = FS_INVENTORY_MAX_LINE;
    char *text = malloc(n + 16);
    const char *const expected[] = {"a|a|0|-||-|1", "h|h|0|-||-|2", NULL};

    (void)state;
    assert_non_null(text);
    memcpy(text, "a\nh", 3);
    memset(text + 3, ' ', n - 1);
    memcpy(text + 2 + n, "\n", 1);
    inv_test_expect_targets("hosts.txt", text, n + 3, "plain", expected);
    memset(text + 2 + n, ' ', 1);
    memcpy(text + 3 + n, "\n", 1);
    inv_test_expect_error("hosts.txt", text, n + 4, 2, "line is longer than 65536 bytes");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crlf_and_bom),       cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_length_bounds_text), cmocka_unit_test(test_bad_text),
        cmocka_unit_test(test_line_length_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
