/*
 * The report vocabulary and the record life cycle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"

/* One vocabulary word: which function, which value, what the files must say. */
struct vocab_case {
    const char *(*name)(int v);
    int value;
    const char *expected;
};

static const char *status(int v)
{
    return fs_status_name((enum fs_status)v);
}

static const char *os_family(int v)
{
    return fs_os_family_name((enum fs_os_family)v);
}

static const char *arch_class(int v)
{
    return fs_arch_class_name((enum fs_arch_class)v);
}

static const char *engine(int v)
{
    return fs_engine_support_name((enum fs_engine_support)v);
}

static const char *tier(int v)
{
    return fs_tier_name((enum fs_tier)v);
}

static const char *ready(int v)
{
    return fs_ready_name((enum fs_ready)v);
}

static const struct vocab_case vocab_cases[] = {
    {status, FS_STATUS_OK, "ok"},
    {status, FS_STATUS_UNREACHABLE, "unreachable"},
    {status, FS_STATUS_TIMEOUT, "timeout"},
    {status, FS_STATUS_AUTH_FAILED, "auth_failed"},
    {status, FS_STATUS_HOSTKEY_REJECTED, "hostkey_rejected"},
    {status, FS_STATUS_ERROR, "error"},
    {os_family, FS_OS_LINUX, "linux"},
    {os_family, FS_OS_WINDOWS, "windows"},
    {os_family, FS_OS_OTHER, "other"},
    {os_family, FS_OS_UNKNOWN, "unknown"},
    {arch_class, FS_ARCH_AMD64, "amd64"},
    {arch_class, FS_ARCH_ARM32V7, "arm32v7"},
    {arch_class, FS_ARCH_ARM64, "arm64"},
    {arch_class, FS_ARCH_ARM32V6, "arm32v6"},
    {arch_class, FS_ARCH_X86, "x86"},
    {arch_class, FS_ARCH_OTHER, "other"},
    {arch_class, FS_ARCH_UNKNOWN, "unknown"},
    {engine, FS_ENGINE_RECOMMENDED, "recommended"},
    {engine, FS_ENGINE_BEST_EFFORT, "best-effort"},
    {engine, FS_ENGINE_UNSUPPORTED, "unsupported"},
    {engine, FS_ENGINE_MISSING, "missing"},
    {engine, FS_ENGINE_UNKNOWN, "unknown"},
    {tier, FS_TIER_1, "tier1"},
    {tier, FS_TIER_1_PREVIEW, "tier1-preview"},
    {tier, FS_TIER_2, "tier2"},
    {tier, FS_TIER_UNSUPPORTED, "unsupported"},
    {tier, FS_TIER_UNKNOWN, "unknown"},
    {ready, FS_READY_YES, "yes"},
    {ready, FS_READY_NO, "no"},
    {ready, FS_READY_UNKNOWN, "unknown"},
    /* A value outside an enum still prints as a word of its vocabulary. */
    {status, FS_STATUS_COUNT, "error"},
    {status, -1, "error"},
    {os_family, FS_OS_COUNT, "unknown"},
    {arch_class, 99, "unknown"},
    {engine, FS_ENGINE_COUNT, "unknown"},
    {tier, FS_TIER_COUNT, "unknown"},
    {ready, -5, "unknown"},
};

static void test_vocabulary(void **state)
{
    for (size_t i = 0; i < sizeof(vocab_cases) / sizeof(vocab_cases[0]); i++) {
        const struct vocab_case *c = &vocab_cases[i];
        const char *got = c->name(c->value);
        if (got == NULL || strcmp(got, c->expected) != 0)
            fail_msg("case %zu: value %d gave \"%s\", expected \"%s\"", i, c->value,
                     got ? got : "(null)", c->expected);
    }
}

/* A fresh record must not claim a good outcome and must have empty, usable arrays. */
static void test_record_init(void **state)
{
    struct fs_host_record r;

    fs_host_record_init(&r);
    assert_int_equal(r.status, FS_STATUS_ERROR);
    assert_int_equal(r.duration_ms, -1);
    assert_string_equal(r.scanned_at, "");
    assert_null(r.name);
    assert_null(r.facts);
    assert_int_equal(r.verdict.tier, FS_TIER_UNKNOWN);
    assert_int_equal(r.verdict.os_family, FS_OS_UNKNOWN);
    assert_true(json_is_array(r.verdict.notes));
    assert_true(json_is_array(r.verdict.reasons));
    assert_int_equal(json_array_size(r.verdict.notes), 0);
    assert_int_equal(json_array_append_new(r.verdict.notes, json_string("n")), 0);
    fs_host_record_clear(&r);
}

/* Clearing frees everything (the leak sanitizer checks) and can be repeated. */
static void test_record_clear(void **state)
{
    struct fs_host_record r;

    fs_host_record_init(&r);
    r.name = strdup("a");
    r.address = strdup("b");
    r.user = strdup("c");
    r.error = strdup("d");
    r.verdict.os_name = strdup("e");
    r.verdict.container_engine = strdup("f");
    r.facts = json_object();
    r.duration_ms = 5;
    r.status = FS_STATUS_OK;
    fs_host_record_clear(&r);
    assert_null(r.name);
    assert_null(r.verdict.os_name);
    assert_null(r.facts);
    assert_int_equal(r.duration_ms, -1);
    assert_int_equal(r.status, FS_STATUS_ERROR);
    fs_host_record_clear(&r);
}

/* Packed facts: compact text in place of the tree, read back as an equal object, copied. */
static void test_record_pack(void **state)
{
    struct fs_host_record r, c;
    json_t *facts = json_pack("{s:{s:s},s:i,s:[s,s]}", "os_release", "ID", "debian", "probe", 3,
                              "notes", "x", "y");
    json_t *got = NULL;

    fs_host_record_init(&r);
    fs_host_record_init(&c);
    assert_int_equal(fs_host_record_facts(&r, &got), 0);
    assert_null(got);
    assert_int_equal(fs_host_record_pack(&r), 0); /* nothing to pack */
    assert_null(r.facts_json);
    r.facts = json_deep_copy(facts);
    assert_int_equal(fs_host_record_pack(&r), 0);
    assert_null(r.facts);
    assert_string_equal(r.facts_json,
                        "{\"os_release\":{\"ID\":\"debian\"},\"probe\":3,\"notes\":[\"x\",\"y\"]}");
    assert_int_equal(fs_host_record_facts(&r, &got), 0);
    assert_true(json_equal(got, facts));
    json_decref(got);
    assert_int_equal(fs_host_record_copy(&c, &r), 0);
    assert_string_equal(c.facts_json, r.facts_json);
    assert_ptr_not_equal(c.facts_json, r.facts_json);
    /* Text that is not an object is refused rather than taken for facts. */
    free(c.facts_json);
    c.facts_json = strdup("[1]");
    assert_int_equal(fs_host_record_facts(&c, &got), -1);
    assert_null(got);
    fs_host_record_clear(&c);
    fs_host_record_clear(&r);
    assert_null(r.facts_json);
    json_decref(facts);
}

static void test_verdict_reinit(void **state)
{
    struct fs_verdict v;

    fs_verdict_init(&v);
    v.os_id = strdup("debian");
    v.tier = FS_TIER_2;
    fs_verdict_clear(&v);
    assert_null(v.os_id);
    assert_int_equal(v.tier, FS_TIER_UNKNOWN);
    fs_verdict_clear(&v);
    fs_verdict_init(&v);
    assert_true(json_is_array(v.notes));
    fs_verdict_clear(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocabulary),     cmocka_unit_test(test_record_init),
        cmocka_unit_test(test_record_clear),   cmocka_unit_test(test_record_pack),
        cmocka_unit_test(test_verdict_reinit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
