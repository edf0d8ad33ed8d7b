/*
 * tools: the logic behind --shard, merge, diff and classify, on reports built in memory.
 * The same commands run through the real binary against the real fleet in
 * tests/integration/test_fleet_tools.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scanner/probe.h"
#include "scanner/tools.h"
#include "tests/scanner/probe_test_util.h"

/* ---- --shard ----------------------------------------------------------------------------- */

static void test_shard_parse(void **state)
{
    static const struct {
        const char *text;
        int ok, k, n;
    } cases[] = {
        {"1/1", 1, 1, 1},       {"2/4", 1, 2, 4},  {"4/4", 1, 4, 4},  {"0/4", 0, 0, 0},
        {"5/4", 0, 0, 0},       {"1/0", 0, 0, 0},  {"1", 0, 0, 0},    {"1/", 0, 0, 0},
        {"/4", 0, 0, 0},        {"1/4x", 0, 0, 0}, {"-1/4", 0, 0, 0}, {"1/-4", 0, 0, 0},
        {"1/1000001", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int k = 0, n = 0;
        char err[256] = "";
        int rc = fs_shard_parse(cases[i].text, &k, &n, err, sizeof err);
        if (cases[i].ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(k, cases[i].k);
            assert_int_equal(n, cases[i].n);
        } else {
            if (rc == 0)
                fail_msg("--shard '%s' accepted", cases[i].text);
            assert_non_null(strstr(err, "expected K/N"));
        }
    }
}

/*
 * A host's shard depends on its name only, every shard gets a fair share of a fleet of
 * look-alike names, and one shard is all hosts.
 */
static void test_shard_of(void **state)
{
    size_t per_shard[5] = {0};
    char name[32];

    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "edge%04d.plant-a.example", i);
        int s = fs_shard_of(name, 4);
        assert_true(s >= 1 && s <= 4);
        assert_int_equal(fs_shard_of(name, 4), s);
        assert_int_equal(fs_shard_of(name, 1), 1);
        per_shard[s]++;
    }
    for (int s = 1; s <= 4; s++)
        if (per_shard[s] < 400 || per_shard[s] > 600)
            fail_msg("shard %d of 4 got %zu of 2000 hosts", s, per_shard[s]);
    /* The value is part of the contract (docs/sharding.md): it must not drift between builds. */
    assert_int_equal(fs_shard_of("", 1000), fs_shard_of("", 1000));
    assert_true(fs_shard_of("a", 2) != fs_shard_of("b", 2) ||
                fs_shard_of("a", 3) != fs_shard_of("b", 3) ||
                fs_shard_of("a", 5) != fs_shard_of("b", 5));
}

static void test_shard_select(void **state)
{
    static const char text[] = "h0\nh1\nh2\nh3\nh4\nh5\nh6\nh7\nh8\nh9\n";
    size_t seen[10] = {0};

    for (int k = 1; k <= 3; k++) {
        struct fs_inventory *inv = NULL;
        struct fs_inventory_error ierr;
        size_t *pos = NULL, total = 0;
        assert_int_equal(fs_inventory_parse("inv.txt", text, sizeof text - 1, &inv, &ierr), 0);
        assert_int_equal(fs_shard_select(inv, k, 3, &pos, &total), 0);
        assert_int_equal(total, 10);
        for (size_t i = 0; i < inv->n_targets; i++) {
            char want[8];
            snprintf(want, sizeof want, "h%zu", pos[i]);
            /* The kept target is the one at that position, in inventory order. */
            assert_string_equal(inv->targets[i].name, want);
            assert_int_equal(fs_shard_of(want, 3), k);
            assert_true(i == 0 || pos[i] > pos[i - 1]);
            seen[pos[i]]++;
        }
        free(pos);
        fs_inventory_free(inv);
    }
    for (int i = 0; i < 10; i++)
        assert_int_equal(seen[i], 1);
}

/* ---- building reports ---------------------------------------------------------------------- */

static const enum fs_status statuses[] = {FS_STATUS_OK, FS_STATUS_OK, FS_STATUS_UNREACHABLE,
                                          FS_STATUS_OK, FS_STATUS_TIMEOUT};

/* Host i of a synthetic fleet. */
static void fill_host(struct fs_host_record *r, size_t i)
{
    char buf[64];

    snprintf(buf, sizeof buf, "gw-%02zu", i);
    r->name = strdup(buf);
    snprintf(buf, sizeof buf, "10.0.0.%zu", i + 1);
    r->address = strdup(buf);
    r->port = 22;
    r->user = strdup("root");
    r->status = statuses[i % 5];
    if (r->status == FS_STATUS_OK) {
        r->verdict.os_family = FS_OS_LINUX;
        r->verdict.os_id = strdup(i % 2 ? "ubuntu" : "raspbian");
        r->verdict.os_version = strdup(i % 2 ? "18.04" : "9");
        r->verdict.tier = i % 3 ? FS_TIER_1 : FS_TIER_2;
        r->verdict.engine_support = FS_ENGINE_RECOMMENDED;
        r->verdict.container_engine = strdup("moby-engine");
        json_array_append_new(r->verdict.notes, json_string("a note"));
        r->facts = json_pack("{s:i}", "host", (int)i);
    } else {
        r->error = strdup("connect: Connection refused");
    }
    snprintf(r->scanned_at, sizeof r->scanned_at, "2019-03-30T12:00:%02zuZ", i % 60);
    r->duration_ms = (int64_t)i * 10;
}

static struct fs_report_file *fleet(size_t n)
{
    struct fs_report_file *f = fs_report_file_new(n);

    assert_non_null(f);
    f->path = strdup("whole.json");
    f->tool_version = strdup("0.1.0");
    f->rules_id = strdup(FS_RULES_DEFAULT_ID);
    f->inventory = strdup("hosts.txt");
    f->scan.tool_version = f->tool_version;
    f->scan.rules_id = f->rules_id;
    f->scan.inventory = f->inventory;
    f->scan.parallel = 256;
    f->scan.complete = true;
    strcpy(f->scan.started_at, "2019-03-30T12:00:00Z");
    strcpy(f->scan.finished_at, "2019-03-30T12:01:40Z");
    f->scan.duration_ms = 100000;
    for (size_t i = 0; i < n; i++)
        fill_host(&f->hosts[i], i);
    return f;
}

/* Shard k of count of the fleet, as `scan --shard k/count` would have written it. */
static struct fs_report_file *shard_of_fleet(const struct fs_report_file *all, int k, int count)
{
    size_t n = 0;

    for (size_t i = 0; i < all->n_hosts; i++)
        n += fs_shard_of(all->hosts[i].name, count) == k;
    struct fs_report_file *f = fs_report_file_new(n);
    char path[32];
    assert_non_null(f);
    snprintf(path, sizeof path, "shard%d.json", k);
    f->path = strdup(path);
    f->tool_version = strdup(all->tool_version);
    f->rules_id = strdup(all->rules_id);
    f->inventory = strdup(all->inventory);
    f->positions = calloc(n + 1, sizeof *f->positions);
    f->scan = all->scan;
    f->scan.tool_version = f->tool_version;
    f->scan.rules_id = f->rules_id;
    f->scan.inventory = f->inventory;
    f->scan.shard_index = k;
    f->scan.shard_count = count;
    f->scan.inventory_hosts = all->n_hosts;
    f->scan.positions = f->positions;
    f->scan.n_positions = n;
    /* Each shard ran on its own: its times are its own, inside the whole run's. */
    snprintf(f->scan.started_at, sizeof f->scan.started_at, "2019-03-30T12:00:%02dZ", k);
    snprintf(f->scan.finished_at, sizeof f->scan.finished_at, "2019-03-30T12:01:%02dZ", 30 + k);
    f->scan.duration_ms = 1000 * (90 - k) + 500;
    for (size_t i = 0, j = 0; i < all->n_hosts; i++) {
        if (fs_shard_of(all->hosts[i].name, count) != k)
            continue;
        assert_int_equal(fs_host_record_copy(&f->hosts[j], &all->hosts[i]), 0);
        f->positions[j++] = i;
    }
    return f;
}

static char *to_json(const struct fs_report *rep)
{
    json_t *doc = fs_report_to_json(rep);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    json_decref(doc);
    assert_non_null(text);
    return text;
}

/* ---- merge ------------------------------------------------------------------------------- */

static void test_merge_equals_whole(void **state)
{
    struct fs_report_file *all = fleet(37), *shards[4], *merged = NULL;
    int missing = -1;
    char err[512];

    /* Given out of order: the order of the arguments must not matter. */
    for (int k = 0; k < 4; k++)
        shards[k] = shard_of_fleet(all, 4 - k, 4);
    assert_int_equal(fs_merge_reports(shards, 4, &merged, &missing, err, sizeof err), 0);
    assert_int_equal(missing, 0);
    assert_true(merged->scan.complete);
    assert_int_equal(merged->scan.shard_count, 0);
    assert_string_equal(merged->scan.started_at, "2019-03-30T12:00:01Z");
    assert_string_equal(merged->scan.finished_at, "2019-03-30T12:01:34Z");
    assert_int_equal(merged->scan.duration_ms, 93000);
    /* Everything else, hosts in inventory order and the recounted summary: as the whole run. */
    strcpy(all->scan.started_at, merged->scan.started_at);
    strcpy(all->scan.finished_at, merged->scan.finished_at);
    all->scan.duration_ms = merged->scan.duration_ms;
    char *want = to_json(&all->report), *got = to_json(&merged->report);
    assert_string_equal(got, want);
    free(want);
    free(got);
    fs_report_file_free(merged);
    for (int k = 0; k < 4; k++)
        fs_report_file_free(shards[k]);
    fs_report_file_free(all);
}

/* A shard missing: the hosts present, in order, and the report says it is not complete. */
static void test_merge_missing_shard(void **state)
{
    struct fs_report_file *all = fleet(20), *shards[2], *merged = NULL;
    int missing = 0;
    char err[512];

    shards[0] = shard_of_fleet(all, 1, 3);
    shards[1] = shard_of_fleet(all, 3, 3);
    size_t want = shards[0]->n_hosts + shards[1]->n_hosts;
    assert_int_equal(fs_merge_reports(shards, 2, &merged, &missing, err, sizeof err), 0);
    assert_int_equal(missing, 1);
    assert_false(merged->scan.complete);
    assert_int_equal(merged->n_hosts, want);
    for (size_t i = 1; i < merged->n_hosts; i++)
        assert_true(strcmp(merged->hosts[i - 1].name, merged->hosts[i].name) < 0);
    fs_report_file_free(merged);
    for (int k = 0; k < 2; k++)
        fs_report_file_free(shards[k]);
    fs_report_file_free(all);
}

/* Shards that do not belong together are refused, and the message says why. */
static void test_merge_refuses(void **state)
{
    struct fs_report_file *all = fleet(20), *in[2], *merged = NULL;
    int missing;
    char err[512];

    /* The same shard twice. */
    in[0] = shard_of_fleet(all, 2, 4);
    in[1] = shard_of_fleet(all, 2, 4);
    assert_int_equal(fs_merge_reports(in, 2, &merged, &missing, err, sizeof err), -1);
    assert_non_null(strstr(err, "shard2.json and shard2.json are both shard 2/4"));
    fs_report_file_free(in[1]);
    /* Shards of different counts. */
    in[1] = shard_of_fleet(all, 1, 3);
    assert_int_equal(fs_merge_reports(in, 2, &merged, &missing, err, sizeof err), -1);
    assert_non_null(strstr(err, "not shards of the same scan"));
    fs_report_file_free(in[1]);
    /* Overlapping hosts: a shard whose positions collide with another's. */
    in[1] = shard_of_fleet(all, 3, 4);
    assert_true(in[0]->n_hosts > 0 && in[1]->n_hosts > 0);
    in[1]->positions[0] = in[0]->positions[0];
    assert_int_equal(fs_merge_reports(in, 2, &merged, &missing, err, sizeof err), -1);
    assert_non_null(strstr(err, "the shards overlap"));
    fs_report_file_free(in[1]);
    /* Different inventories. */
    in[1] = shard_of_fleet(all, 3, 4);
    free(in[1]->inventory);
    in[1]->inventory = strdup("other.txt");
    in[1]->scan.inventory = in[1]->inventory;
    assert_int_equal(fs_merge_reports(in, 2, &merged, &missing, err, sizeof err), -1);
    assert_non_null(strstr(err, "scanned inventory 'other.txt' but shard2.json scanned"));
    fs_report_file_free(in[1]);
    /* A whole scan is no shard. */
    assert_int_equal(fs_merge_reports(&all, 1, &merged, &missing, err, sizeof err), -1);
    assert_non_null(strstr(err, "whole.json: not a shard report"));
    assert_null(merged);
    fs_report_file_free(in[0]);
    fs_report_file_free(all);
}

/* ---- diff -------------------------------------------------------------------------------- */

static char *diff_text(const struct fs_diff *d, enum fs_diff_format fmt)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    assert_int_equal(fs_diff_write(d, fmt, "old.json", "new.json", f), 0);
    fclose(f);
    return buf;
}

static void set_text(char **field, const char *value)
{
    free(*field);
    *field = value != NULL ? strdup(value) : NULL;
}

static void test_diff(void **state)
{
    struct fs_report_file *a = fleet(6), *b = fleet(7);
    struct fs_diff d;

    /* Same fleet, other times and notes: no difference. */
    strcpy(b->hosts[0].scanned_at, "2019-04-01T00:00:00Z");
    json_array_append_new(b->hosts[0].verdict.notes, json_string("another note"));
    b->n_hosts = b->report.n_hosts = 6; /* gw-06 comes back below */
    assert_int_equal(fs_diff_reports(&a->report, &b->report, &d), 0);
    assert_int_equal(d.n, 0);
    char *text = diff_text(&d, FS_DIFF_TEXT);
    assert_string_equal(text, "");
    free(text);
    fs_diff_free(&d);

    /* gw-06 added, gw-00 removed (renamed), gw-01 upgraded, gw-02 now reached. */
    b->n_hosts = b->report.n_hosts = 7;
    set_text(&b->hosts[0].name, "gw-new");
    set_text(&b->hosts[1].verdict.os_version, "20.04");
    b->hosts[1].verdict.tier = FS_TIER_UNSUPPORTED;
    b->hosts[2].status = FS_STATUS_OK;
    set_text(&b->hosts[2].verdict.container_engine, "docker-ce");
    assert_int_equal(fs_diff_reports(&a->report, &b->report, &d), 0);
    assert_int_equal(d.added, 2);
    assert_int_equal(d.removed, 1);
    assert_int_equal(d.changed, 2);
    text = diff_text(&d, FS_DIFF_TEXT);
    assert_string_equal(text, "added    gw-new\n"
                              "added    gw-06\n"
                              "removed  gw-00\n"
                              "changed  gw-01: tier tier1 -> unsupported\n"
                              "changed  gw-01: os_version 18.04 -> 20.04\n"
                              "changed  gw-02: status unreachable -> ok\n"
                              "changed  gw-02: container_engine (none) -> docker-ce\n"
                              "2 added, 1 removed, 2 changed\n");
    free(text);
    text = diff_text(&d, FS_DIFF_CSV);
    assert_string_equal(text, "change,name,field,old,new\r\n"
                              "added,gw-new,,,\r\n"
                              "added,gw-06,,,\r\n"
                              "removed,gw-00,,,\r\n"
                              "changed,gw-01,tier,tier1,unsupported\r\n"
                              "changed,gw-01,os_version,18.04,20.04\r\n"
                              "changed,gw-02,status,unreachable,ok\r\n"
                              "changed,gw-02,container_engine,,docker-ce\r\n");
    free(text);
    text = diff_text(&d, FS_DIFF_JSON);
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counts"), "added")),
                     2);
    json_t *changed = json_object_get(doc, "changed");
    assert_int_equal(json_array_size(changed), 2);
    json_t *first = json_array_get(json_object_get(json_array_get(changed, 1), "changes"), 1);
    assert_string_equal(json_string_value(json_object_get(first, "field")), "container_engine");
    assert_true(json_is_null(json_object_get(first, "old")));
    assert_string_equal(json_string_value(json_object_get(first, "new")), "docker-ce");
    json_decref(doc);
    free(text);
    fs_diff_free(&d);
    fs_report_file_free(a);
    fs_report_file_free(b);
}

/* A host name is device text: a formula or a control character stays harmless. */
static void test_diff_hostile_names(void **state)
{
    struct fs_report_file *a = fleet(1), *b = fleet(1);
    struct fs_diff d;

    set_text(&b->hosts[0].name, "=cmd|'/c calc'!A1\x1b[2J");
    assert_int_equal(fs_diff_reports(&a->report, &b->report, &d), 0);
    char *text = diff_text(&d, FS_DIFF_TEXT);
    assert_null(strchr(text, '\x1b'));
    free(text);
    text = diff_text(&d, FS_DIFF_CSV);
    assert_non_null(strstr(text, "added,'=cmd"));
    free(text);
    fs_diff_free(&d);
    fs_report_file_free(a);
    fs_report_file_free(b);
}

/* ---- classify ---------------------------------------------------------------------------- */

static void test_reclassify(void **state)
{
    struct fs_report_file *f = fleet(3);
    size_t len;
    char *out = ptu_read_fixture("fixtures/linux/ubuntu1604-amd64-dockerce.txt", &len);

    /* Host 0: real facts under a verdict that does not follow from them. */
    json_decref(f->hosts[0].facts);
    f->hosts[0].facts = fs_probe_parse_linux(out, len);
    free(out);
    json_array_append_new(f->hosts[0].verdict.notes,
                          json_string("probe output went past --max-output (1048576 bytes): "
                                      "reading stopped, 5 bytes discarded"));
    f->hosts[0].verdict.tier = FS_TIER_UNSUPPORTED;
    set_text(&f->hosts[0].verdict.os_id, "bogus");
    set_text(&f->rules_id, "some-older-rules");
    f->scan.rules_id = f->rules_id;
    /* Host 2 was never reached: no facts, its verdict stays. */
    assert_null(f->hosts[2].facts);

    assert_int_equal(fs_reclassify(f, &fs_builtin_classifier), 0);
    const struct fs_verdict *v = &f->hosts[0].verdict;
    assert_string_equal(v->os_id, "ubuntu");
    assert_string_equal(v->os_version, "16.04.5");
    assert_int_equal(v->tier, FS_TIER_1);
    assert_string_equal(v->container_engine, "docker-ce");
    assert_int_equal(v->engine_support, FS_ENGINE_BEST_EFFORT);
    assert_int_equal(v->production_ready, FS_READY_NO);
    /* The classifier's notes replace the old ones; the scanner's own note stays, last. */
    assert_false(ptu_list_has(v->notes, "a note"));
    json_t *last = json_array_get(v->notes, json_array_size(v->notes) - 1);
    assert_non_null(strstr(json_string_value(last), "went past --max-output"));
    assert_true(json_array_size(v->reasons) > 0);
    assert_int_equal(f->hosts[0].status, FS_STATUS_OK);
    assert_string_equal(f->scan.rules_id, FS_RULES_DEFAULT_ID);
    assert_int_equal(f->hosts[2].status, FS_STATUS_UNREACHABLE);
    assert_string_equal(f->hosts[2].error, "connect: Connection refused");
    assert_int_equal(f->hosts[2].verdict.tier, FS_TIER_UNKNOWN);
    fs_report_file_free(f);
}

/* Another rule set (as --rules will give): its verdicts and its id reach the report. */
static int count_calls(const void *ctx, const json_t *facts, struct fs_verdict *v)
{
    (*(int *)ctx)++;
    v->tier = FS_TIER_2;
    return json_array_append_new(v->reasons, json_string("judged by the test rules"));
}

static void test_reclassify_other_rules(void **state)
{
    struct fs_report_file *f = fleet(5);
    int calls = 0;
    const struct fs_classifier cl = {"test-rules-2023-05", &calls, count_calls};

    assert_int_equal(fs_reclassify(f, &cl), 0);
    /* Hosts 0, 1 and 3 have facts; 2 and 4 were never reached. */
    assert_int_equal(calls, 3);
    assert_int_equal(f->hosts[1].verdict.tier, FS_TIER_2);
    assert_true(ptu_list_has(f->hosts[1].verdict.reasons, "judged by the test rules"));
    assert_int_equal(f->hosts[2].verdict.tier, FS_TIER_UNKNOWN);
    assert_string_equal(f->scan.rules_id, "test-rules-2023-05");
    fs_report_file_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_parse),
        cmocka_unit_test(test_shard_of),
        cmocka_unit_test(test_shard_select),
        cmocka_unit_test(test_merge_equals_whole),
        cmocka_unit_test(test_merge_missing_shard),
        cmocka_unit_test(test_merge_refuses),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_diff_hostile_names),
        cmocka_unit_test(test_reclassify),
        cmocka_unit_test(test_reclassify_other_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
