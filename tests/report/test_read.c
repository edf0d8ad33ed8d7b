/*
 * read: a fleetscan.json read back gives the records that wrote it (write -> read -> write is
 * byte-identical), and a file that is not a report is refused with a message that says where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/report.h"
#include "tests/report/sample.h"

/* Writes text to a new temporary file; returns its path (static buffer). */
static const char *temp_file(const char *text, size_t len)
{
    static char path[64];
    int fd;

    strcpy(path, "/tmp/fs-read-test-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

/* Reads the JSON text through a file, as the commands do. */
static struct fs_report_file *read_text(const char *text, size_t len, char *err, size_t errlen)
{
    const char *path = temp_file(text, len);
    struct fs_report_file *f = NULL;
    int rc = fs_report_read(path, &f, err, errlen);

    unlink(path);
    assert_true(rc == 0 ? f != NULL : f == NULL);
    return f;
}

static void round_trip(const struct fs_report *rep)
{
    char err[512] = "";
    size_t len, len2;
    char *first = sample_capture(fs_report_write_json, rep, &len);
    struct fs_report_file *f = read_text(first, len, err, sizeof err);

    if (f == NULL)
        fail_msg("the writer's own output was refused: %s", err);
    char *second = sample_capture(fs_report_write_json, &f->report, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(second, first, len);
    /* CSV and summary follow from the same records, so they must agree as well. */
    char *csv1 = sample_capture(fs_report_write_csv, rep, &len);
    char *csv2 = sample_capture(fs_report_write_csv, &f->report, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(csv2, csv1, len);
    free(csv1);
    free(csv2);
    free(first);
    free(second);
    fs_report_file_free(f);
}

static void test_round_trip(void **state)
{
    struct sample s;

    sample_init(&s);
    round_trip(&s.report);
    sample_clear(&s);
}

/* Records whose facts are compact text, as a finished scan holds them, read back the same. */
static void test_round_trip_packed(void **state)
{
    struct sample s;

    sample_init(&s);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(fs_host_record_pack(&s.hosts[i]), 0);
    round_trip(&s.report);
    sample_clear(&s);
}

/* A shard report keeps its shard and positions; an interrupted one its complete=false. */
static void test_round_trip_shard(void **state)
{
    static const size_t positions[] = {1, 4, 9};
    struct sample s;
    char err[512];
    size_t len;

    sample_init(&s);
    s.scan.shard_index = 2;
    s.scan.shard_count = 4;
    s.scan.inventory_hosts = 10;
    s.scan.positions = positions;
    s.scan.n_positions = 3;
    s.scan.complete = false;
    round_trip(&s.report);

    char *text = sample_capture(fs_report_write_json, &s.report, &len);
    struct fs_report_file *f = read_text(text, len, err, sizeof err);
    assert_non_null(f);
    assert_int_equal(f->scan.shard_index, 2);
    assert_int_equal(f->scan.shard_count, 4);
    assert_int_equal(f->scan.inventory_hosts, 10);
    assert_int_equal(f->scan.positions[2], 9);
    assert_false(f->scan.complete);
    assert_int_equal(f->hosts[1].status, FS_STATUS_UNREACHABLE);
    assert_null(f->hosts[1].user);
    assert_int_equal(f->hosts[1].duration_ms, -1);
    assert_string_equal(f->hosts[0].verdict.os_id, "ubuntu");
    assert_int_equal(f->hosts[0].verdict.tier, FS_TIER_1);
    fs_report_file_free(f);
    free(text);
    sample_clear(&s);
}

/* Text that is not JSON: FILE:LINE:COLUMN and jansson's reason. */
static void test_syntax_error(void **state)
{
    static const char text[] = "{\n  \"tool\": {\n    \"name\": \"fleetscan\",,\n";
    char err[512], want[128];
    const char *path = temp_file(text, sizeof text - 1);
    struct fs_report_file *f = NULL;

    assert_int_equal(fs_report_read(path, &f, err, sizeof err), -1);
    assert_null(f);
    snprintf(want, sizeof want, "%s:3:", path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("expected '%s...', got '%s'", want, err);
    /* LINE:COLUMN: a column number follows the line. */
    assert_true(err[strlen(want)] >= '1' && err[strlen(want)] <= '9');
    unlink(path);

    assert_int_equal(fs_report_read("/nonexistent/fleetscan.json", &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/fleetscan.json: cannot read the report: No such"));
}

/* One change to a valid document and the message it must produce. */
struct bad_case {
    const char *what;
    int host;          /* index into hosts, or -1 for the top level */
    const char *key;   /* member of that host, or a dotted top-level path */
    const char *value; /* JSON text; NULL removes the member */
    const char *want;  /* a part of the message */
};

static const struct bad_case bad_cases[] = {
    {"unknown tier", 0, "tier", "\"tier9\"", "host 1 (edge01): tier 'tier9' is not one of: tier1"},
    {"escape in a value", 0, "tier", "\"\\u001b[2Jx\"", "tier '?[2Jx' is not one of"},
    {"status missing", 1, "status", NULL, "host 2 (=HYPERLINK(\"http://x\")): 'status' is missing"},
    {"port out of range", 0, "port", "70000", "host 1 (edge01): 'port' must be a whole number"},
    {"port as text", 0, "port", "\"22\"", "'port' must be a whole number from 1 to 65535"},
    {"name empty", 0, "name", "\"\"", "host 1: 'name' must be a non-empty string"},
    {"facts an array", 0, "facts", "[]", "host 1 (edge01): 'facts' must be an object or null"},
    {"notes not strings", 0, "notes", "[1]", "'notes' item 1 must be a string"},
    {"os_id a number", 0, "os_id", "7", "'os_id' must be a string or null"},
    {"production_ready", 0, "production_ready", "\"maybe\"", "'production_ready' must be one of"},
    {"negative duration", 0, "duration_ms", "-5", "'duration_ms' must be a whole number"},
    {"not fleetscan", -1, "tool.name", "\"other\"", "not a fleetscan report"},
    {"complete text", -1, "scan.complete", "\"yes\"", "scan.complete must be true or false"},
    {"summary count", -1, "summary.hosts", "4", "summary.hosts says 4 but 'hosts' lists 3"},
    {"hosts missing", -1, "hosts", NULL, "'hosts' must be an array"},
    {"shard index above count", -1, "scan.shard", "{\"index\": 5, \"count\": 4}",
     "'scan.shard.index' must be a whole number from 1 to 4"},
    {"shard positions short", -1, "scan.shard",
     "{\"index\": 1, \"count\": 4, \"inventory_hosts\": 9, \"positions\": [0, 1]}",
     "scan.shard.positions must be an array with one number per host (3)"},
    {"shard positions unordered", -1, "scan.shard",
     "{\"index\": 1, \"count\": 4, \"inventory_hosts\": 9, \"positions\": [0, 5, 2]}",
     "scan.shard.positions item 3 must be a whole number below 9"},
};

/* Sets (or removes) obj's member at a dotted path. */
static void set_path(json_t *obj, const char *path, json_t *value)
{
    char buf[128];
    char *dot;

    snprintf(buf, sizeof buf, "%s", path);
    while ((dot = strchr(buf, '.')) != NULL) {
        *dot = '\0';
        obj = json_object_get(obj, buf);
        memmove(buf, dot + 1, strlen(dot + 1) + 1);
    }
    if (value == NULL)
        json_object_del(obj, buf);
    else
        json_object_set_new(obj, buf, value);
}

static void test_bad_content(void **state)
{
    struct sample s;
    size_t len;

    sample_init(&s);
    char *text = sample_capture(fs_report_write_json, &s.report, &len);
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        json_t *doc = json_loadb(text, len, 0, NULL);
        json_t *value = c->value != NULL ? json_loads(c->value, JSON_DECODE_ANY, NULL) : NULL;
        struct fs_report_file *f = NULL;
        char err[512] = "";

        assert_non_null(doc);
        if (c->host >= 0)
            set_path(json_array_get(json_object_get(doc, "hosts"), (size_t)c->host), c->key, value);
        else
            set_path(doc, c->key, value);
        if (fs_report_from_json("r.json", doc, &f, err, sizeof err) == 0)
            fail_msg("%s: accepted", c->what);
        assert_null(f);
        if (strncmp(err, "r.json: ", 8) != 0 || strstr(err, c->want) == NULL)
            fail_msg("%s: expected 'r.json: ...%s...', got '%s'", c->what, c->want, err);
        json_decref(doc);
    }
    free(text);
    sample_clear(&s);
}

/* Reports written before shards existed have no scan.shard: they read as whole scans. */
static void test_no_shard_member(void **state)
{
    struct sample s;
    struct fs_report_file *f = NULL;
    char err[512];
    size_t len;

    sample_init(&s);
    char *text = sample_capture(fs_report_write_json, &s.report, &len);
    json_t *doc = json_loadb(text, len, 0, NULL);
    json_object_del(json_object_get(doc, "scan"), "shard");
    assert_int_equal(fs_report_from_json("old.json", doc, &f, err, sizeof err), 0);
    assert_int_equal(f->scan.shard_count, 0);
    assert_int_equal(f->n_hosts, 3);
    fs_report_file_free(f);
    json_decref(doc);
    free(text);
    sample_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_round_trip_packed),
        cmocka_unit_test(test_round_trip_shard), cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_bad_content),      cmocka_unit_test(test_no_shard_member),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
