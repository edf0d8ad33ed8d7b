/*
 * Whatever a device sends, the parsers and the classifier return facts and a verdict that go
 * into a report: empty answers, NULs, invalid UTF-8, answers cut at every byte, mutated
 * fixtures and megabytes of noise. Buffers are exact-size copies, so AddressSanitizer sees
 * any read past the answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_test_util.h"
#include "scanner/probe.h"

static const char *const linux_fixtures[] = {
    "fixtures/linux/raspbian9-pi3-moby.txt",      "fixtures/linux/raspbian9-pizero-w.txt",
    "fixtures/linux/centos75-amd64-dockerce.txt", "fixtures/linux/ubuntu1804-armhf-dockerio.txt",
    "fixtures/linux/wrlinux8-amd64.txt",
};
static const char *const windows_fixtures[] = {
    "fixtures/windows/server2019-core-dockeree-cmd.txt",
    "fixtures/windows/win10-ltsb2016-14393-powershell.txt",
};

/* Runs everything fleetscan does with one answer and checks the results can be reported. */
static void survive(const char *buf, size_t len, bool windows, const char *what)
{
    json_t *facts = windows ? fs_probe_parse_windows(buf, len) : fs_probe_parse_linux(buf, len);
    struct fs_verdict v;

    (void)fs_probe_identify(buf, len, buf, len, 0);
    if (facts == NULL)
        fail_msg("%s: the parser returned NULL", what);
    ptu_assert_serialises(facts, what);
    fs_verdict_init(&v);
    if (fs_classify(facts, &v) != 0)
        fail_msg("%s: classification failed", what);
    ptu_assert_verdict_sane(&v, what);
    fs_verdict_clear(&v);
    json_decref(facts);
}

/* Deterministic pseudo-random numbers (xorshift64), so a failure can be replayed. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t below)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return below == 0 ? 0 : (uint32_t)(rng_state % below);
}

static void test_empty_and_null(void **state)
{
    char *one = ptu_copy("\0", 1);
    json_t *facts = fs_probe_parse_linux(NULL, 0);
    struct fs_verdict v;

    assert_non_null(facts);
    assert_string_equal(json_string_value(json_object_get(facts, "kind")), "posix");
    fs_verdict_init(&v);
    assert_int_equal(fs_classify(facts, &v), 0);
    assert_int_equal(v.tier, FS_TIER_UNKNOWN);
    assert_int_equal(v.os_family, FS_OS_UNKNOWN);
    fs_verdict_clear(&v);
    json_decref(facts);
    survive(NULL, 0, true, "empty windows");
    survive(one, 1, false, "one NUL");
    survive(one, 1, true, "one NUL, windows");
    free(one);
}

static void test_cut_at_every_byte(void **state)
{
    for (size_t f = 0; f < 2; f++) {
        const char *const *list = f == 0 ? linux_fixtures : windows_fixtures;
        size_t n = f == 0 ? sizeof linux_fixtures / sizeof linux_fixtures[0]
                          : sizeof windows_fixtures / sizeof windows_fixtures[0];
        for (size_t i = 0; i < n; i++) {
            size_t len;
            char *whole = ptu_read_fixture(list[i], &len);
            for (size_t cut = 0; cut <= len; cut += (i == 0 ? 1 : 7)) {
                char *part = ptu_copy(whole, cut);
                survive(part, cut, f == 1, list[i]);
                free(part);
            }
            free(whole);
        }
    }
}

/* Flips, inserts and deletes bytes, favouring the ones the grammar cares about. */
static size_t mutate(const char *in, size_t len, char *out)
{
    static const char special[] = "\n\r\t\0\"'\\=:@{}[]% /\xff\xc3\xe2";
    size_t o = 0, edits = 1 + rnd(8);

    memcpy(out, in, len);
    o = len;
    for (size_t e = 0; e < edits && o > 0; e++) {
        size_t at = rnd((uint32_t)o);
        switch (rnd(3)) {
        case 0:
            out[at] = rnd(2) ? special[rnd(sizeof special - 1)] : (char)rnd(256);
            break;
        case 1: /* insert one byte (the buffer has room for 8) */
            memmove(out + at + 1, out + at, o - at);
            out[at] = special[rnd(sizeof special - 1)];
            o++;
            break;
        default: { /* delete a run */
            size_t run = 1 + rnd(40);
            if (run > o - at)
                run = o - at;
            memmove(out + at, out + at + run, o - at - run);
            o -= run;
        }
        }
    }
    return o;
}

static void test_mutated_fixtures(void **state)
{
    for (size_t f = 0; f < 2; f++) {
        const char *const *list = f == 0 ? linux_fixtures : windows_fixtures;
        size_t n = f == 0 ? sizeof linux_fixtures / sizeof linux_fixtures[0]
                          : sizeof windows_fixtures / sizeof windows_fixtures[0];
        for (size_t i = 0; i < n; i++) {
            size_t len;
            char *whole = ptu_read_fixture(list[i], &len);
            char *work = malloc(len + 8);
            assert_non_null(work);
            for (int round = 0; round < 400; round++) {
                size_t m = mutate(whole, len, work);
                char *exact = ptu_copy(work, m);
                survive(exact, m, f == 1, list[i]);
                survive(exact, m, f == 0, list[i]); /* the other parser too */
                free(exact);
            }
            free(work);
            free(whole);
        }
    }
}

static void test_random_noise(void **state)
{
    for (int round = 0; round < 60; round++) {
        size_t len = 1 + rnd(64 * 1024);
        char *buf = malloc(len);
        assert_non_null(buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = rnd(4) == 0 ? "\n@=:\0"[rnd(5)] : (char)rnd(256);
        survive(buf, len, round % 2 == 1, "random noise");
        free(buf);
    }
}

/* Builds a big answer by repeating unit (len bytes) until size bytes. */
static char *repeat(const char *unit, size_t unit_len, size_t size)
{
    char *buf = malloc(size);

    assert_non_null(buf);
    for (size_t o = 0; o < size; o += unit_len)
        memcpy(buf + o, unit, o + unit_len <= size ? unit_len : size - o);
    return buf;
}

/* Answers far beyond the scanner's 1 MiB cap still yield facts of bounded size. */
static void test_huge_answers(void **state)
{
    static const struct {
        const char *name;
        const char *unit;
        bool windows;
    } units[] = {
        {"one endless line", "A", false},
        {"endless sections", "@@section x\n", false},
        {"endless unknown sections", "@@section s\x01\n1\n@@end\n", false},
        {"endless os-release keys", "@@section os-release\nK_1=1\nK_2=\"2\"\n@@end\n", false},
        {"endless packages",
         "@@section engine\ndpkg\tmoby-engine\tinstall ok installed\t3.0.5\n"
         "rpm\tpodman\t1\ncmd=/usr/bin/docker\ndb=dpkg\n",
         false},
        {"endless json", "@@section docker-version\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", false},
        {"endless storage", "@@section storage\n/ a 1 2 3 4% /\n/x a 1 2 3 4% /\n", false},
        {"endless reg values", "    UBR    REG_DWORD    0xffffffffffffffffff\r\n", true},
        {"endless ver", "Microsoft Windows [Version 1.2.3.4.5.6.7.8.9]\r\n[", true},
        {"endless services", "@@section sc-x\r\nSTATE : 4 RUNNING\r\n", true},
    };
    const size_t size = 3 * 1024 * 1024;

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        char *buf = repeat(units[i].unit, strlen(units[i].unit), size);
        json_t *facts =
            units[i].windows ? fs_probe_parse_windows(buf, size) : fs_probe_parse_linux(buf, size);
        char *text = json_dumps(facts, JSON_COMPACT);

        assert_non_null(text);
        if (strlen(text) > 256 * 1024)
            fail_msg("%s: %zu bytes of facts from one device", units[i].name, strlen(text));
        free(text);
        json_decref(facts);
        survive(buf, size, units[i].windows, units[i].name);
        free(buf);
    }
}

static void test_invalid_utf8_everywhere(void **state)
{
    static const char out[] =
        "@@fleetscan-probe 1\n@@section os-release\nPRETTY_NAME=\"\xc0\xaf\xed\xa0\x80\"\n"
        "ID=\xf5\x80\x80\x80\nVERSION_ID=\"9\xff\"\n@@end\n@@section uname\nmachine=\xe2\x82\n"
        "os=Linux\n@@end\n@@section \xff\xfe\nraw\xfe\n@@end\n@@section device-model\nPi \xff"
        "\0\n@@end\n";
    char *buf = ptu_copy(out, sizeof out - 1);
    json_t *facts = fs_probe_parse_linux(buf, sizeof out - 1);
    struct fs_verdict v;

    assert_true(json_is_true(json_object_get(facts, "utf8_replaced")));
    assert_string_equal(json_string_value(ptu_at(facts, "os_release.VERSION_ID")), "9\xef\xbf\xbd");
    assert_non_null(json_object_get(json_object_get(facts, "raw"), "\xef\xbf\xbd\xef\xbf\xbd"));
    fs_verdict_init(&v);
    assert_int_equal(fs_classify(facts, &v), 0);
    /* A version that is not the table's is not Debian 9's or Raspbian 9's. */
    assert_int_not_equal(v.tier, FS_TIER_1);
    assert_true(ptu_list_has(v.reasons, "not valid UTF-8"));
    ptu_assert_verdict_sane(&v, "invalid UTF-8");
    fs_verdict_clear(&v);
    json_decref(facts);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_null),   cmocka_unit_test(test_cut_at_every_byte),
        cmocka_unit_test(test_mutated_fixtures), cmocka_unit_test(test_random_noise),
        cmocka_unit_test(test_huge_answers),     cmocka_unit_test(test_invalid_utf8_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
