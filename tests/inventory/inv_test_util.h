/*
 * Helpers shared by the inventory tests: parse text and compare the targets with one-line
 * descriptions, or check that parsing fails with a message naming the file and line.
 */
#ifndef FS_INV_TEST_UTIL_H
#define FS_INV_TEST_UTIL_H

#include <stddef.h>

#include "inventory/inventory.h"

/* The home directory the tests set, so that "~/" expansion has a known result. */
#define TEST_HOME "/home/op"

/* Sets HOME to TEST_HOME; use as a cmocka group setup. */
int inv_test_set_home(void **state);

/*
 * Describes a target as "name|address|port|user|identities|tags|line": a NULL user or tags is
 * "-", identities are joined with ';'. Returns a static buffer.
 */
const char *inv_test_describe(const struct fs_target *t);

/*
 * Parses text (as if read from path) and asserts that it succeeds in the given format with
 * exactly the targets described in expected[] (NULL-terminated), in order.
 */
void inv_test_expect_targets(const char *path, const char *text, size_t len, const char *format,
                             const char *const *expected);

/* Asserts that inv holds exactly the targets described in expected[] (NULL-terminated). */
void inv_test_assert_targets(const struct fs_inventory *inv, const char *const *expected);

/*
 * Parses text and asserts that it fails with one message that starts with "PATH:LINE: " (or
 * "PATH: " when line is 0) and contains phrase.
 */
void inv_test_expect_error(const char *path, const char *text, size_t len, int line,
                           const char *phrase);

/* Asserts that message starts with "PATH:LINE: " (or "PATH: " for line 0) and holds phrase. */
void inv_test_assert_message(const char *message, const char *path, int line, const char *phrase);

/*
 * Same as inv_test_expect_error for messages that also name a column: the message must start
 * with "PATH:LINE:COLUMN: " and contain phrase.
 */
void inv_test_expect_error_at(const char *path, const char *text, size_t len, int line, int column,
                              const char *phrase);

/* Upper bound for the expected-target arrays of the tables. */
#define INV_TEST_MAX_TARGETS 16

#endif
