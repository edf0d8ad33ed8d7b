/*
 * Helpers shared by the probe tests: fixtures read into exact-size buffers (no NUL after the
 * last byte, so AddressSanitizer catches any read past the device's answer), checks of facts
 * by path, and a verdict that frees itself.
 */
#ifndef FS_PROBE_TEST_UTIL_H
#define FS_PROBE_TEST_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "report/report.h"

/* Reads path (relative to tests/scanner) into a new buffer of exactly *len bytes; fails the test
 * when unreadable. */
char *ptu_read_fixture(const char *path, size_t *len);

/* Copies len bytes of text into a new buffer of exactly len bytes (no terminator). */
char *ptu_copy(const char *text, size_t len);

/*
 * The member at a dotted path ("engine.packages.0.name"); numbers index arrays. NULL when
 * any step is missing.
 */
json_t *ptu_at(const json_t *root, const char *path);

/*
 * One expectation on facts: the member at path equals the JSON text want ("\"armhf\"", "32",
 * "true"); want NULL means the member must be absent; a path ending in ".#" compares the size
 * of an array or object with want.
 */
struct ptu_expect {
    const char *path;
    const char *want;
};

/* Checks every expectation (terminated by a NULL path), naming what in failures. */
void ptu_expect_facts(const json_t *facts, const struct ptu_expect *e, const char *what);

/* True when some string in the array contains needle. */
bool ptu_list_has(const json_t *list, const char *needle);

/* Fails the test unless j serialises (json_dumps succeeds) and the text parses back. */
void ptu_assert_serialises(const json_t *j, const char *what);

/* Fails the test unless every member of the verdict can go into a report. */
void ptu_assert_verdict_sane(const struct fs_verdict *v, const char *what);

#endif
