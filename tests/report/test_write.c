/*
 * fs_report_write_all: files appear complete or not at all, and failures name the path.
 */
/* nftw() (removing the scratch directory) is an XSI extension. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/internal.h"
#include "report/report.h"
#include "tests/report/sample.h"

/* Per-test state: a scratch directory and the sample report. */
struct fixture {
    char root[64];
    struct sample s;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    strcpy(fx->root, "/tmp/fs-report-test-XXXXXX");
    assert_non_null(mkdtemp(fx->root));
    sample_init(&fx->s);
    umask(022);
    *state = fx;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    nftw(fx->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    sample_clear(&fx->s);
    free(fx);
    return 0;
}

static char *path_of(const struct fixture *fx, const char *rel)
{
    static char buf[4][256];
    static int next;
    char *p = buf[next++ % 4];

    snprintf(p, sizeof(buf[0]), "%s/%s", fx->root, rel);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void assert_file_is(const char *path, const char *text)
{
    size_t len;
    char *got = sample_read_file(path, &len);

    if (got == NULL)
        fail_msg("%s cannot be read", path);
    if (len != strlen(text) || memcmp(got, text, len) != 0)
        fail_msg("%s changed: now [%.60s]", path, got);
    free(got);
}

/* The directory holds exactly the names given (NULL-terminated), so no temporary file. */
static void assert_dir_holds(const char *dir, const char *const *names)
{
    size_t want = 0, seen = 0;
    DIR *d = opendir(dir);
    struct dirent *e;

    assert_non_null(d);
    while (names[want] != NULL)
        want++;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], e->d_name) != 0)
            i++;
        if (names[i] == NULL)
            fail_msg("unexpected file %s/%s", dir, e->d_name);
        seen++;
    }
    closedir(d);
    assert_int_equal(seen, want);
}

/* What the previous run of test_writer_fails left: its writers do not include report.html. */
static const char *const old_files[] = {"fleetscan.csv", "fleetscan.json", "summary.csv", NULL};

static const char *const report_files[] = {"fleetscan.csv", "fleetscan.json", "summary.csv",
                                           "report.html", NULL};

static void test_creates_directory_and_files(void **state)
{
    struct fixture *fx = *state;
    const char *dir = path_of(fx, "nightly/2019-03-30/reports");
    char err[256] = "";
    struct stat st;
    size_t len, want_len;

    assert_int_equal(fs_report_write_all(&fx->s.report, dir, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_dir_holds(dir, report_files);
    char *csv = sample_read_file(path_of(fx, "nightly/2019-03-30/reports/fleetscan.csv"), &len);
    char *want = sample_read_file("fixtures/fleetscan-3hosts.csv", &want_len);
    assert_non_null(csv);
    assert_non_null(want);
    assert_int_equal(len, want_len);
    assert_memory_equal(csv, want, len);
    free(csv);
    free(want);
    json_t *doc = json_load_file(path_of(fx, "nightly/2019-03-30/reports/fleetscan.json"), 0, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "hosts")), 3);
    json_decref(doc);
    /* Readable like any file the user creates (umask 022), not mkstemp's 0600. */
    assert_int_equal(stat(path_of(fx, "nightly/2019-03-30/reports/summary.csv"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
}

static void test_replaces_previous(void **state)
{
    struct fixture *fx = *state;
    char err[256];
    size_t len;

    assert_int_equal(mkdir(path_of(fx, "out"), 0755), 0);
    write_text(path_of(fx, "out/fleetscan.csv"), "old report\r\n");
    write_text(path_of(fx, "out/notes.txt"), "kept\n");
    /* A trailing slash, as shells complete directory names. */
    assert_int_equal(fs_report_write_all(&fx->s.report, path_of(fx, "out/"), err, sizeof(err)), 0);
    char *csv = sample_read_file(path_of(fx, "out/fleetscan.csv"), &len);
    assert_non_null(csv);
    assert_memory_equal(csv, "name,address,", 13);
    free(csv);
    assert_file_is(path_of(fx, "out/notes.txt"), "kept\n");
}

/* A path below a regular file cannot be created, not even by root. */
static void test_path_under_file(void **state)
{
    struct fixture *fx = *state;
    char err[256], want[300];

    write_text(path_of(fx, "somefile"), "not a directory\n");
    const char *dir = path_of(fx, "somefile/sub");
    assert_int_equal(fs_report_write_all(&fx->s.report, dir, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: %s", dir, strerror(ENOTDIR));
    assert_string_equal(err, want);
    assert_int_equal(fs_report_write_all(&fx->s.report, path_of(fx, "somefile"), err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "somefile: "));
    /* No room for a message is allowed too. */
    assert_int_equal(fs_report_write_all(&fx->s.report, dir, NULL, 0), -1);
    assert_file_is(path_of(fx, "somefile"), "not a directory\n");
}

/* One final name is a directory: nothing is replaced, not even the files before it. */
static void test_target_is_directory(void **state)
{
    static const char *const left[] = {"fleetscan.csv", "fleetscan.json", NULL};
    struct fixture *fx = *state;
    char err[256], want[300];

    assert_int_equal(mkdir(path_of(fx, "out"), 0755), 0);
    write_text(path_of(fx, "out/fleetscan.csv"), "previous\r\n");
    assert_int_equal(mkdir(path_of(fx, "out/fleetscan.json"), 0755), 0);
    assert_int_equal(fs_report_write_all(&fx->s.report, path_of(fx, "out"), err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: %s", path_of(fx, "out/fleetscan.json"), strerror(EISDIR));
    assert_string_equal(err, want);
    assert_file_is(path_of(fx, "out/fleetscan.csv"), "previous\r\n");
    assert_dir_holds(path_of(fx, "out"), left);
}

/* Writes half a file and fails as a full disk does. */
static int write_then_fail(const struct fs_report *rep, FILE *f)
{
    fputs("{\n  \"tool\": ", f);
    fflush(f);
    errno = ENOSPC;
    return -1;
}

/* A writer fails half-way: the previous reports stay byte-identical, no temporary is left. */
static void test_writer_fails(void **state)
{
    static const struct fs_report_writer writers[] = {
        {"csv", "fleetscan.csv", fs_report_write_csv},
        {"json", "fleetscan.json", write_then_fail},
        {"summary", "summary.csv", fs_report_write_summary_csv},
        {NULL, NULL, NULL},
    };
    struct fixture *fx = *state;
    char err[256], want[300];

    assert_int_equal(mkdir(path_of(fx, "out"), 0755), 0);
    write_text(path_of(fx, "out/fleetscan.csv"), "old csv\r\n");
    write_text(path_of(fx, "out/fleetscan.json"), "{\"old\": true}\n");
    write_text(path_of(fx, "out/summary.csv"), "old summary\r\n");
    assert_int_equal(
        fs_report_write_files(&fx->s.report, writers, path_of(fx, "out"), err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: %s", path_of(fx, "out/fleetscan.json"), strerror(ENOSPC));
    assert_string_equal(err, want);
    assert_file_is(path_of(fx, "out/fleetscan.csv"), "old csv\r\n");
    assert_file_is(path_of(fx, "out/fleetscan.json"), "{\"old\": true}\n");
    assert_file_is(path_of(fx, "out/summary.csv"), "old summary\r\n");
    assert_dir_holds(path_of(fx, "out"), old_files);
}

/* Every writer notices a write error, even one that only shows when the buffer is flushed. */
static void test_dev_full(void **state)
{
    struct fixture *fx = *state;

    if (access("/dev/full", W_OK) != 0)
        skip();
    for (const struct fs_report_writer *w = fs_report_writers; w->name != NULL; w++) {
        FILE *f = fopen("/dev/full", "w");
        assert_non_null(f);
        errno = 0;
        if (w->write(&fx->s.report, f) != -1)
            fail_msg("writer %s did not report the write error", w->name);
        assert_int_equal(errno, ENOSPC);
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_creates_directory_and_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaces_previous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_under_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_is_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dev_full, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
