/*
 * fleetscan.json: the document read back with jansson, checked for shape, types and order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"
#include "tests/report/sample.h"

static const char *const host_keys[] = {"name",
                                        "address",
                                        "port",
                                        "user",
                                        "status",
                                        "error",
                                        "os_family",
                                        "os_id",
                                        "os_version",
                                        "os_name",
                                        "arch",
                                        "arch_class",
                                        "container_engine",
                                        "engine_version",
                                        "engine_support",
                                        "virtualization",
                                        "tier",
                                        "production_ready",
                                        "notes",
                                        "scanned_at",
                                        "duration_ms",
                                        "facts",
                                        "reasons",
                                        NULL};

/* The keys of obj, in document order, equal keys (NULL-terminated). */
static void assert_keys(const json_t *obj, const char *const *keys)
{
    size_t i = 0;

    assert_true(json_is_object(obj));
    for (void *it = json_object_iter((json_t *)obj); it != NULL;
         it = json_object_iter_next((json_t *)obj, it), i++) {
        if (keys[i] == NULL)
            fail_msg("unexpected extra key \"%s\"", json_object_iter_key(it));
        if (strcmp(json_object_iter_key(it), keys[i]) != 0)
            fail_msg("key %zu is \"%s\", expected \"%s\"", i, json_object_iter_key(it), keys[i]);
    }
    if (keys[i] != NULL)
        fail_msg("missing key \"%s\"", keys[i]);
}

/* Writes the sample with fs_report_write_json and parses the text back. */
static json_t *load_sample(struct sample *s, char **text)
{
    json_error_t error;
    size_t len;
    json_t *doc;

    *text = sample_capture(fs_report_write_json, &s->report, &len);
    doc = json_loadb(*text, len, JSON_REJECT_DUPLICATES, &error);
    if (doc == NULL)
        fail_msg("fleetscan.json does not parse: line %d: %s", error.line, error.text);
    return doc;
}

static void test_layout(void **state)
{
    static const char *const top[] = {"tool", "rules", "scan", "summary", "hosts", NULL};
    static const char *const scan_keys[] = {"started_at", "finished_at", "duration_ms", "inventory",
                                            "parallel",   "complete",    "shard",       NULL};
    struct sample s;
    char *text;

    sample_init(&s);
    json_t *doc = load_sample(&s, &text);
    assert_keys(doc, top);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "tool"), "name")),
                        "fleetscan");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "tool"), "version")),
                        "0.1.0");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "rules"), "id")),
                        "azure-iot-edge-2019-03");
    json_t *scan = json_object_get(doc, "scan");
    assert_keys(scan, scan_keys);
    assert_string_equal(json_string_value(json_object_get(scan, "started_at")),
                        "2019-03-30T12:00:00Z");
    assert_true(json_is_integer(json_object_get(scan, "duration_ms")));
    assert_int_equal(json_integer_value(json_object_get(scan, "duration_ms")), 12345);
    assert_int_equal(json_integer_value(json_object_get(scan, "parallel")), 256);
    assert_true(json_is_true(json_object_get(scan, "complete")));
    /* A scan of the whole inventory is no shard. */
    assert_true(json_is_null(json_object_get(scan, "shard")));
    /* Two-space indentation, and a final newline so that the file is a proper text file. */
    assert_memory_equal(text, "{\n  \"tool\": {\n    \"name\"", 23);
    assert_int_equal(text[strlen(text) - 1], '\n');
    assert_int_equal(text[strlen(text) - 2], '}');
    json_decref(doc);
    free(text);
    sample_clear(&s);
}

/* Each summary object lists its whole vocabulary in order, zero counts included. */
static void test_summary(void **state)
{
    static const char *const dims[] = {"hosts",      "status",         "tier", "os",
                                       "arch_class", "engine_support", NULL};
    static const char *const status[] = {
        "ok", "unreachable", "timeout", "auth_failed", "hostkey_rejected", "error", NULL};
    static const char *const tier[] = {"tier1",       "tier1-preview", "tier2",
                                       "unsupported", "unknown",       NULL};
    static const char *const os[] = {"linux", "windows", "other", "unknown", NULL};
    static const char *const arch[] = {"amd64", "arm32v7", "arm64",   "arm32v6",
                                       "x86",   "other",   "unknown", NULL};
    static const char *const engine[] = {"recommended", "best-effort", "unsupported",
                                         "missing",     "unknown",     NULL};
    struct sample s;
    char *text;

    sample_init(&s);
    json_t *doc = load_sample(&s, &text);
    json_t *sum = json_object_get(doc, "summary");
    assert_keys(sum, dims);
    assert_int_equal(json_integer_value(json_object_get(sum, "hosts")), 3);
    assert_keys(json_object_get(sum, "status"), status);
    assert_keys(json_object_get(sum, "tier"), tier);
    assert_keys(json_object_get(sum, "os"), os);
    assert_keys(json_object_get(sum, "arch_class"), arch);
    assert_keys(json_object_get(sum, "engine_support"), engine);
    json_t *st = json_object_get(sum, "status");
    assert_int_equal(json_integer_value(json_object_get(st, "ok")), 2);
    assert_int_equal(json_integer_value(json_object_get(st, "unreachable")), 1);
    assert_true(json_is_integer(json_object_get(st, "timeout")));
    assert_int_equal(json_integer_value(json_object_get(st, "timeout")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(sum, "tier"), "unknown")),
                     2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(sum, "arch_class"), "amd64")), 2);
    json_decref(doc);
    free(text);
    sample_clear(&s);
}

static void test_hosts(void **state)
{
    struct sample s;
    char *text;

    sample_init(&s);
    json_t *doc = load_sample(&s, &text);
    json_t *hosts = json_object_get(doc, "hosts");
    assert_int_equal(json_array_size(hosts), 3);
    for (size_t i = 0; i < 3; i++)
        assert_keys(json_array_get(hosts, i), host_keys);
    json_t *h0 = json_array_get(hosts, 0), *h1 = json_array_get(hosts, 1),
           *h2 = json_array_get(hosts, 2);
    /* Inventory order, and names as they are: formula neutralisation is for the CSV only. */
    assert_string_equal(json_string_value(json_object_get(h0, "name")), "edge01");
    assert_string_equal(json_string_value(json_object_get(h1, "name")), "=HYPERLINK(\"http://x\")");
    assert_string_equal(json_string_value(json_object_get(h2, "name")), "win-\xEF\xBF\xBD"
                                                                        "01");
    /* Numbers are numbers; absent values are null. */
    assert_true(json_is_integer(json_object_get(h0, "port")));
    assert_int_equal(json_integer_value(json_object_get(h1, "port")), 2222);
    assert_int_equal(json_integer_value(json_object_get(h0, "duration_ms")), 1234);
    assert_int_equal(json_integer_value(json_object_get(h2, "duration_ms")), 0);
    assert_true(json_is_null(json_object_get(h0, "error")));
    assert_true(json_is_null(json_object_get(h1, "user")));
    assert_true(json_is_null(json_object_get(h1, "os_id")));
    assert_true(json_is_null(json_object_get(h1, "scanned_at")));
    assert_true(json_is_null(json_object_get(h1, "duration_ms")));
    assert_true(json_is_null(json_object_get(h1, "facts")));
    assert_string_equal(json_string_value(json_object_get(h1, "status")), "unreachable");
    assert_string_equal(json_string_value(json_object_get(h1, "tier")), "unknown");
    /* Notes are an array of strings, not the joined CSV cell. */
    json_t *notes = json_object_get(h0, "notes");
    assert_int_equal(json_array_size(notes), 2);
    assert_string_equal(json_string_value(json_array_get(notes, 0)),
                        "Moby engine 3.0.10, as recommended");
    assert_true(json_is_array(json_object_get(h1, "notes")));
    assert_int_equal(json_array_size(json_object_get(h1, "notes")), 0);
    assert_int_equal(json_array_size(json_object_get(h0, "reasons")), 1);
    assert_true(json_is_array(json_object_get(h1, "reasons")));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(h0, "facts"), "os_release"), "ID")),
                        "ubuntu");
    /* Control characters survive in JSON (escaped); only invalid UTF-8 is replaced. */
    assert_string_equal(json_string_value(json_object_get(h2, "os_name")),
                        "Windows 10 IoT Enterprise\x01");
    json_decref(doc);
    free(text);
    sample_clear(&s);
}

/* Odd inputs a record can hold: no scan info, odd array entries, NUL and bad UTF-8 in them. */
static void test_odd_inputs(void **state)
{
    struct fs_host_record r;
    struct fs_report rep = {NULL, &r, 1};

    fs_host_record_init(&r);
    json_array_append_new(r.verdict.notes, json_integer(5));
    json_array_append_new(r.verdict.notes, json_string(""));
    json_array_append_new(r.verdict.reasons, json_stringn("a\0b", 3));
    memset(r.scanned_at, 'x', sizeof(r.scanned_at)); /* lost its terminator */
    json_t *doc = fs_report_to_json(&rep);
    assert_non_null(doc);
    json_t *scan = json_object_get(doc, "scan");
    assert_true(json_is_null(json_object_get(scan, "started_at")));
    assert_true(json_is_null(json_object_get(scan, "duration_ms")));
    assert_true(json_is_false(json_object_get(scan, "complete")));
    assert_true(json_is_null(json_object_get(json_object_get(doc, "tool"), "version")));
    json_t *h = json_array_get(json_object_get(doc, "hosts"), 0);
    assert_true(json_is_null(json_object_get(h, "port")));
    assert_true(json_is_null(json_object_get(h, "scanned_at")));
    json_t *notes = json_object_get(h, "notes");
    assert_int_equal(json_array_size(notes), 1);
    assert_string_equal(json_string_value(json_array_get(notes, 0)), "");
    json_t *reason = json_array_get(json_object_get(h, "reasons"), 0);
    assert_int_equal(json_string_length(reason), 5);
    assert_memory_equal(json_string_value(reason),
                        "a\xEF\xBF\xBD"
                        "b",
                        5);
    json_decref(doc);
    fs_host_record_clear(&r);
}

/* The document shares nothing with the records: changing it leaves the facts alone. */
static void test_independent_copy(void **state)
{
    struct sample s;

    sample_init(&s);
    json_t *doc = fs_report_to_json(&s.report);
    json_t *facts = json_object_get(json_array_get(json_object_get(doc, "hosts"), 0), "facts");
    json_object_clear(facts);
    json_decref(doc);
    assert_non_null(json_object_get(s.hosts[0].facts, "os_release"));
    sample_clear(&s);
}

/* What fleetscan.json was before it was streamed: the whole tree dumped at once. */
static char *tree_text(const struct fs_report *rep)
{
    json_t *doc = fs_report_to_json(rep);
    char *text, *out;

    assert_non_null(doc);
    text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    assert_non_null(text);
    out = malloc(strlen(text) + 2);
    assert_non_null(out);
    strcpy(out, text);
    strcat(out, "\n");
    free(text);
    return out;
}

/* The streamed file is the tree writer's document, byte for byte and parsed. */
static void expect_same_as_tree(const struct fs_report *rep)
{
    json_error_t error;
    size_t len;
    char *streamed = sample_capture(fs_report_write_json, rep, &len);
    char *tree = tree_text(rep);
    json_t *a = json_loadb(streamed, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &error);
    json_t *b = json_loads(tree, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &error);

    assert_non_null(a);
    assert_non_null(b);
    assert_true(json_equal(a, b));
    assert_string_equal(streamed, tree);
    assert_int_equal(len, strlen(tree));
    json_decref(a);
    json_decref(b);
    free(streamed);
    free(tree);
}

static void test_streamed_equals_tree(void **state)
{
    struct sample s;
    struct fs_report none = {NULL, NULL, 0};

    sample_init(&s);
    expect_same_as_tree(&s.report);
    /* One host, the last one, and no host at all: the separators and the empty array. */
    s.report.n_hosts = 1;
    expect_same_as_tree(&s.report);
    s.report.hosts = &s.hosts[2];
    expect_same_as_tree(&s.report);
    s.report.n_hosts = 0;
    expect_same_as_tree(&s.report);
    expect_same_as_tree(&none);
    sample_clear(&s);
}

/* Facts kept as compact text (how the scanner keeps finished hosts) write the same file. */
static void test_packed_facts_same_file(void **state)
{
    struct sample s;
    size_t len, len2;

    sample_init(&s);
    /* Text that only survives exactly if NUL, escapes, numbers and key order are kept. */
    json_object_set_new(s.hosts[0].facts, "odd", json_stringn("a\0\"\\\n\xc3\xa9", 7));
    json_object_set_new(s.hosts[0].facts, "big", json_integer(INT64_MAX));
    json_object_set_new(s.hosts[0].facts, "ratio", json_real(0.1));
    json_object_set_new(s.hosts[0].facts, "empty", json_object());
    json_object_set_new(s.hosts[0].facts, "a", json_array());
    char *before = sample_capture(fs_report_write_json, &s.report, &len);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(fs_host_record_pack(&s.hosts[i]), 0);
    assert_null(s.hosts[0].facts);
    assert_non_null(s.hosts[0].facts_json);
    assert_null(s.hosts[1].facts_json); /* no facts, nothing to pack */
    char *after = sample_capture(fs_report_write_json, &s.report, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(after, before, len);
    expect_same_as_tree(&s.report);
    free(before);
    free(after);
    sample_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_odd_inputs),
        cmocka_unit_test(test_independent_copy),
        cmocka_unit_test(test_streamed_equals_tree),
        cmocka_unit_test(test_packed_facts_same_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
