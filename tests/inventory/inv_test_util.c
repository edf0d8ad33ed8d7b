#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inv_test_util.h"

int inv_test_set_home(void **state)
{
    (void)state;
    return setenv("HOME", TEST_HOME, 1);
}

const char *inv_test_describe(const struct fs_target *t)
{
    static char buf[4096];
    char ids[2048] = "";
    size_t used = 0;

    for (size_t i = 0; i < t->n_identities; i++) {
        int w = snprintf(ids + used, sizeof(ids) - used, "%s%s", i ? ";" : "", t->identities[i]);
        used += w > 0 ? (size_t)w : 0;
        if (used >= sizeof(ids)) {
            break;
        }
    }
    snprintf(buf, sizeof(buf), "%s|%s|%d|%s|%s|%s|%d", t->name, t->address, t->port,
             t->user ? t->user : "-", ids, t->tags ? t->tags : "-", t->line);
    return buf;
}

void inv_test_assert_targets(const struct fs_inventory *inv, const char *const *expected)
{
    size_t n = 0;

    while (expected[n] != NULL) {
        n++;
    }
    for (size_t i = 0; i < inv->n_targets && i < n; i++) {
        assert_string_equal(inv_test_describe(&inv->targets[i]), expected[i]);
    }
    assert_int_equal(inv->n_targets, n);
}

void inv_test_expect_targets(const char *path, const char *text, size_t len, const char *format,
                             const char *const *expected)
{
    struct fs_inventory *inv = NULL;
    struct fs_inventory_error err = {{0}};
    int rc = fs_inventory_parse(path, text, len, &inv, &err);

    if (rc != 0) {
        fail_msg("unexpected error for\n%s\n-> %s", text, err.text);
    }
    assert_non_null(inv);
    assert_string_equal(inv->format, format);
    assert_string_equal(inv->path, path);
    inv_test_assert_targets(inv, expected);
    fs_inventory_free(inv);
}

/* Checks message against "PATH:LINE:COLUMN: " (column > 0), "PATH:LINE: " or "PATH: ". */
static void assert_message_at(const char *message, const char *path, int line, int column,
                              const char *phrase)
{
    char prefix[512];

    if (line > 0 && column > 0) {
        snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, column);
    } else if (line > 0) {
        snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
    } else {
        snprintf(prefix, sizeof(prefix), "%s: ", path);
    }
    if (strncmp(message, prefix, strlen(prefix)) != 0 || strstr(message, phrase) == NULL) {
        fail_msg("message \"%s\"\n  expected prefix \"%s\" and phrase \"%s\"", message, prefix,
                 phrase);
    }
    /* One message: no line breaks, and a "what to do" part after the problem. */
    if (strchr(message, '\n') != NULL || strchr(message + strlen(prefix), ';') == NULL) {
        fail_msg("message \"%s\" must be one line: \"what is wrong; what to do\"", message);
    }
}

void inv_test_assert_message(const char *message, const char *path, int line, const char *phrase)
{
    assert_message_at(message, path, line, 0, phrase);
}

void inv_test_expect_error(const char *path, const char *text, size_t len, int line,
                           const char *phrase)
{
    inv_test_expect_error_at(path, text, len, line, 0, phrase);
}

void inv_test_expect_error_at(const char *path, const char *text, size_t len, int line, int column,
                              const char *phrase)
{
    struct fs_inventory *inv = (struct fs_inventory *)&inv; /* must be reset to NULL */
    struct fs_inventory_error err;
    int rc;

    memset(&err, 'x', sizeof(err));
    rc = fs_inventory_parse(path, text, len, &inv, &err);
    if (rc != -1) {
        fail_msg("expected an error (\"%s\") for\n%s", phrase, text);
    }
    assert_null(inv);
    assert_non_null(memchr(err.text, '\0', sizeof(err.text)));
    assert_message_at(err.text, path, line, column, phrase);
}
