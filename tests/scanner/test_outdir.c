/*
 * -o patterns: strftime expansion in local time, and the `latest` link that follows the newest
 * dated directory, replaced atomically.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scanner/outdir.h"

/* 2019-03-30 12:34:56 UTC */
#define T0 ((time_t)1553949296)

static int setup(void **state)
{
    static char dir[PATH_MAX];

    snprintf(dir, sizeof dir, "/tmp/fs-outdir-test.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    *state = dir;
    setenv("TZ", "UTC", 1);
    tzset();
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

static int teardown(void **state)
{
    nftw(*state, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void expect_expansion(const char *pattern, const char *want)
{
    char err[512] = "";
    char *got = fs_outdir_expand(pattern, T0, err, sizeof err);

    if (got == NULL)
        fail_msg("'%s': %s", pattern, err);
    assert_string_equal(got, want);
    free(got);
}

static void test_expand(void **state)
{
    (void)state;
    expect_expansion("reports/%Y-%m-%d", "reports/2019-03-30");
    expect_expansion("/var/lib/fleetscan/%F/%H%M", "/var/lib/fleetscan/2019-03-30/1234");
    expect_expansion("100%%-done", "100%-done");
    assert_true(fs_outdir_is_pattern("reports/%F"));
    assert_false(fs_outdir_is_pattern("reports/today"));
}

/* Local time, not UTC: a nightly job names its directory after the night it ran in. */
static void test_expand_local_time(void **state)
{
    (void)state;
    setenv("TZ", "Asia/Tokyo", 1); /* UTC+9, no daylight saving */
    tzset();
    if (access("/usr/share/zoneinfo/Asia/Tokyo", R_OK) != 0) {
        setenv("TZ", "JST-9", 1);
        tzset();
    }
    expect_expansion("%Y-%m-%d_%H", "2019-03-30_21");
    setenv("TZ", "UTC", 1);
    tzset();
}

static void test_expand_errors(void **state)
{
    char err[512] = "";
    char big[PATH_MAX + 16];

    (void)state;
    /* An expansion longer than PATH_MAX. */
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[0] = '%';
    big[1] = 'Y';
    assert_null(fs_outdir_expand(big, T0, err, sizeof err));
    assert_non_null(strstr(err, "--output"));
}

static char *path(void **state, const char *name)
{
    static char buf[PATH_MAX];

    snprintf(buf, sizeof buf, "%s/%s", (char *)*state, name);
    return buf;
}

static void expect_link(const char *link, const char *want)
{
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof target - 1);

    if (n < 0)
        fail_msg("%s: %s", link, strerror(errno));
    target[n] = '\0';
    assert_string_equal(target, want);
}

/* Entries of dir whose name starts with ".latest" (the link's temporary names). */
static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, ".latest", 7) == 0;
    closedir(d);
    return n;
}

static void test_latest_follows_newest(void **state)
{
    char pattern[PATH_MAX], dir[PATH_MAX], err[1024] = "";
    struct stat st;

    snprintf(pattern, sizeof pattern, "%s/reports/%%Y-%%m-%%d", (char *)*state);
    snprintf(dir, sizeof dir, "%s/reports/2019-03-30", (char *)*state);
    assert_int_equal(mkdir(path(state, "reports"), 0755), 0);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(fs_outdir_link_latest(pattern, dir, err, sizeof err), 0);
    expect_link(path(state, "reports/latest"), "2019-03-30");
    assert_int_equal(stat(path(state, "reports/latest"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));

    /* The next night: the link moves, and no temporary name is left behind. */
    snprintf(dir, sizeof dir, "%s/reports/2019-03-31/", (char *)*state);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(fs_outdir_link_latest(pattern, dir, err, sizeof err), 0);
    expect_link(path(state, "reports/latest"), "2019-03-31");
    assert_int_equal(count_temporaries(path(state, "reports")), 0);
}

/* With several dated levels, latest sits above the first one and reaches down. */
static void test_latest_nested(void **state)
{
    char pattern[PATH_MAX], dir[PATH_MAX], err[1024] = "";

    snprintf(pattern, sizeof pattern, "%s/r/%%Y/%%m-%%d", (char *)*state);
    snprintf(dir, sizeof dir, "%s/r/2019/03-30", (char *)*state);
    assert_int_equal(mkdir(path(state, "r"), 0755), 0);
    assert_int_equal(mkdir(path(state, "r/2019"), 0755), 0);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(fs_outdir_link_latest(pattern, dir, err, sizeof err), 0);
    expect_link(path(state, "r/latest"), "2019/03-30");
}

/* A real directory named latest is not replaced; the message names it. */
static void test_latest_is_a_directory(void **state)
{
    char pattern[PATH_MAX], dir[PATH_MAX], err[1024] = "";

    snprintf(pattern, sizeof pattern, "%s/%%F", (char *)*state);
    snprintf(dir, sizeof dir, "%s/2019-03-30", (char *)*state);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(mkdir(path(state, "latest"), 0755), 0);
    assert_int_equal(fs_outdir_link_latest(pattern, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "latest"));
    assert_non_null(strstr(err, "2019-03-30"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_expand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expand_local_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expand_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_follows_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_is_a_directory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
