/*
 * --fail-on: which words a LIST may hold, and which hosts each word makes fail. A scan's exit
 * status is 1 exactly when some host matches (or the scan was interrupted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scanner/failon.h"

/* A host as the classifier would leave it. */
static struct fs_host_record host(enum fs_status s, enum fs_tier t, enum fs_engine_support e,
                                  enum fs_ready r)
{
    struct fs_host_record rec;

    memset(&rec, 0, sizeof rec);
    rec.status = s;
    rec.verdict.tier = t;
    rec.verdict.engine_support = e;
    rec.verdict.production_ready = r;
    return rec;
}

static uint32_t parse_ok(const char *list)
{
    uint32_t m = 0;
    char err[2048] = "";

    if (fs_fail_on_parse(list, &m, err, sizeof err) != 0)
        fail_msg("'%s' was refused: %s", list, err);
    return m;
}

struct match_case {
    const char *list;
    int tier1_ok, tier2_ok, unsupported_ok, unreachable, missing_engine_ok;
};

/* Columns: the hosts of fleet() below; 1 means that host makes the scan fail. */
static const struct match_case match_cases[] = {
    {"not-ok", 0, 0, 0, 1, 0},         {"unreachable", 0, 0, 0, 1, 0},
    {"timeout", 0, 0, 0, 0, 0},        {"tier2", 0, 1, 0, 0, 0},
    {"unsupported", 0, 0, 1, 0, 0},    {"unreachable,unsupported,tier2", 0, 1, 1, 1, 0},
    {"tier-unknown", 0, 0, 0, 1, 0},   {"tier1", 1, 0, 0, 0, 1},
    {"engine-missing", 0, 0, 0, 0, 1}, {"engine-best-effort", 0, 1, 0, 0, 0},
    {"not-ready", 0, 1, 1, 0, 1},      {"ready-unknown", 0, 0, 0, 1, 0},
    {"none", 0, 0, 0, 0, 0},
};

static void fleet(struct fs_host_record *h)
{
    h[0] = host(FS_STATUS_OK, FS_TIER_1, FS_ENGINE_RECOMMENDED, FS_READY_YES);
    h[1] = host(FS_STATUS_OK, FS_TIER_2, FS_ENGINE_BEST_EFFORT, FS_READY_NO);
    h[2] = host(FS_STATUS_OK, FS_TIER_UNSUPPORTED, FS_ENGINE_RECOMMENDED, FS_READY_NO);
    h[3] = host(FS_STATUS_UNREACHABLE, FS_TIER_UNKNOWN, FS_ENGINE_UNKNOWN, FS_READY_UNKNOWN);
    h[4] = host(FS_STATUS_OK, FS_TIER_1, FS_ENGINE_MISSING, FS_READY_NO);
}

static void test_words_match_hosts(void **state)
{
    struct fs_host_record h[5];

    (void)state;
    fleet(h);
    for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
        const struct match_case *c = &match_cases[i];
        uint32_t m = parse_ok(c->list);
        int want[5] = {c->tier1_ok, c->tier2_ok, c->unsupported_ok, c->unreachable,
                       c->missing_engine_ok};
        size_t n = 0;
        for (size_t j = 0; j < 5; j++) {
            if (fs_fail_on_host(m, &h[j]) != want[j])
                fail_msg("--fail-on %s: host %zu should %s", c->list, j, want[j] ? "fail" : "pass");
            n += (size_t)want[j];
        }
        assert_int_equal(fs_fail_on_count(m, h, 5), n);
        assert_int_equal(fs_fail_on_exit(m, false, true, h, 5), n > 0 ? 1 : 0);
    }
}

/* Without --fail-on, exit 1 means "some host is not ok", as before the option existed. */
static void test_default_is_not_ok(void **state)
{
    struct fs_host_record h[5];
    uint32_t m = 0;

    (void)state;
    fleet(h);
    assert_int_equal(fs_fail_on_parse(FS_FAIL_ON_DEFAULT, &m, NULL, 0), 0);
    assert_int_equal(fs_fail_on_exit(m, false, true, h, 3), 0); /* all three are ok */
    assert_int_equal(fs_fail_on_exit(m, false, true, h, 4), 1); /* the fourth is unreachable */
}

/* An interrupted scan may miss findings: it exits 1 whatever the list says. */
static void test_incomplete_scan_fails(void **state)
{
    struct fs_host_record h[5];

    (void)state;
    fleet(h);
    assert_int_equal(fs_fail_on_exit(parse_ok("none"), false, false, h, 1), 1);
    assert_int_equal(fs_fail_on_exit(parse_ok("tier2"), false, true, h, 1), 0);
}

static void test_words_accumulate(void **state)
{
    uint32_t m = 0;
    char err[2048];
    struct fs_host_record h[5];

    (void)state;
    fleet(h);
    assert_int_equal(fs_fail_on_parse("tier2", &m, err, sizeof err), 0);
    assert_int_equal(fs_fail_on_parse("unreachable", &m, err, sizeof err), 0);
    assert_int_equal(fs_fail_on_count(m, h, 5), 2);
}

static const char *const bad_lists[] = {
    "",       "tier3",      "tier2,",      ",tier2", "tier2,,unsupported",
    "Tier2",  "none,tier2", "auth-failed", " tier2", "unknown",
    "not_ok", "engine",     "ready",       "tier1-", "unsupported ",
};

static void test_unknown_words_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_lists / sizeof bad_lists[0]; i++) {
        uint32_t m = 0;
        char err[2048] = "";
        if (fs_fail_on_parse(bad_lists[i], &m, err, sizeof err) == 0)
            fail_msg("'%s' was accepted", bad_lists[i]);
        assert_non_null(strstr(err, "--fail-on"));
    }
    /* The message lists what is allowed. */
    {
        uint32_t m = 0;
        char err[2048] = "";
        assert_int_equal(fs_fail_on_parse("tier3", &m, err, sizeof err), -1);
        assert_non_null(strstr(err, "'tier3'"));
        assert_non_null(strstr(err, "tier2"));
        assert_non_null(strstr(err, "not-ready"));
    }
}

/* Every word fs_fail_on_words() advertises is accepted. */
static void test_advertised_words_parse(void **state)
{
    char words[2048];
    char *save = NULL;

    (void)state;
    snprintf(words, sizeof words, "%s", fs_fail_on_words());
    for (char *w = strtok_r(words, ", ", &save); w != NULL; w = strtok_r(NULL, ", ", &save))
        parse_ok(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_match_hosts),     cmocka_unit_test(test_default_is_not_ok),
        cmocka_unit_test(test_incomplete_scan_fails), cmocka_unit_test(test_words_accumulate),
        cmocka_unit_test(test_unknown_words_refused), cmocka_unit_test(test_advertised_words_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
