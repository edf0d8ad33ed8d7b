/*
 * The commands that work on stored reports, through the real binary and the real fleet:
 * four --shard runs merged equal one run; classify judges stored facts again without the fleet;
 * --rescan-failed scans only the hosts that were not ok; diff says what changed and exits like
 * diff(1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/integration/fleet.h"

#define OLD_STAMP "2000-01-01T00:00:00Z"

/*
 * Every device kind that answers at once (not hang, whose probe never ends, nor endless, whose
 * discarded byte count differs from run to run), the dropbear server, and a closed port.
 */
static void write_inventory(const struct fleet_case *c, size_t *n_hosts)
{
    char *kinds = strdup(fleet_var("FLEET_KINDS")), *save = NULL;
    char text[4096] = "";
    size_t len = 0, n = 0;

    assert_non_null(kinds);
    for (char *k = strtok_r(kinds, " ", &save); k != NULL; k = strtok_r(NULL, " ", &save)) {
        if (strcmp(k, "hang") == 0 || strcmp(k, "endless") == 0)
            continue;
        len += (size_t)snprintf(text + len, sizeof text - len, "root@127.0.0.1:%d name=%s\n",
                                fleet_port(k), k);
        n++;
    }
    len += (size_t)snprintf(text + len, sizeof text - len,
                            "root@127.0.0.1:%s name=dropbear\nroot@127.0.0.1:%s name=closed\n",
                            fleet_var("DROPBEAR_PORT"), fleet_var("CLOSED_PORT"));
    assert_true(len < sizeof text);
    free(kinds);
    fleet_write_file(fleet_path(&c->work, "inventory.txt"), text);
    if (n_hosts != NULL)
        *n_hosts = n + 2;
}

/* fleetscan scan -o DIR [extra] inventory.txt, with the fleet's keys. */
static void scan_into(struct fleet_case *c, const char *dir, const char *extra1, const char *extra2)
{
    char out[600], inv[600];
    const char *args[16] = {
        "scan", "-o",        out, "--known-hosts", fleet_var("KNOWN_HOSTS"), "-i", fleet_var("KEY"),
        "-q",   "--timeout", "20"};
    size_t n = 10;

    snprintf(out, sizeof out, "%s", fleet_path(&c->work, dir));
    snprintf(inv, sizeof inv, "%s", fleet_path(&c->work, "inventory.txt"));
    if (extra1 != NULL)
        args[n++] = extra1;
    if (extra2 != NULL)
        args[n++] = extra2;
    args[n++] = inv;
    args[n] = NULL;
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
}

/* Runs fleetscan with up to 8 arguments, workdir-relative paths given as they are. */
static void run(struct fleet_case *c, const char *const *args)
{
    fleet_run(&c->work, args, FLEET_GUARD_SECONDS, &c->run);
}

/* An absolute path in the workdir, in one of four rotating buffers. */
static const char *at(const struct fleet_case *c, const char *name)
{
    static char bufs[4][600];
    static int next;
    char *b = bufs[next++ % 4];

    snprintf(b, sizeof bufs[0], "%s", fleet_path(&c->work, name));
    return b;
}

static json_t *load_json(const struct fleet_case *c, const char *name)
{
    json_error_t err;
    json_t *doc = json_load_file(at(c, name), 0, &err);

    if (doc == NULL)
        fail_msg("%s: %s", name, err.text);
    return doc;
}

static void save_json(const struct fleet_case *c, const char *name, const json_t *doc)
{
    assert_int_equal(json_dump_file(doc, at(c, name), JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
}

static json_t *host_named(const json_t *doc, const char *name)
{
    size_t i;
    json_t *h;

    json_array_foreach(json_object_get(doc, "hosts"), i, h)
    {
        if (strcmp(json_string_value(json_object_get(h, "name")), name) == 0)
            return h;
    }
    fail_msg("no host '%s' in the report", name);
    return NULL;
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? s : "";
}

/* Removes what differs between two runs of the same scan: when, and how long. */
static void drop_times(json_t *doc)
{
    json_t *scan = json_object_get(doc, "scan"), *h;
    size_t i;

    json_object_del(scan, "started_at");
    json_object_del(scan, "finished_at");
    json_object_del(scan, "duration_ms");
    json_array_foreach(json_object_get(doc, "hosts"), i, h)
    {
        json_object_del(h, "scanned_at");
        json_object_del(h, "duration_ms");
    }
}

/* fleetscan.csv without each row's last two cells (scanned_at, duration_ms). */
static char *csv_without_times(const struct fleet_case *c, const char *name)
{
    size_t len;
    char *text = fleet_read_file(at(c, name), &len);
    char *out = malloc(len + 1), *o = out;

    assert_non_null(text);
    assert_non_null(out);
    for (char *line = text, *end; *line != '\0'; line = end + 2) {
        end = strstr(line, "\r\n");
        assert_non_null(end);
        /* A row ends in ",STAMP,MS" where both are set; cut at the second comma from the end. */
        char *cut = end, *p = end;
        for (int commas = 0; p > line && commas < 2; p--)
            if (p[-1] == ',' && ++commas == 2)
                cut = p - 1;
        memcpy(o, line, (size_t)(cut - line));
        o += cut - line;
        *o++ = '\n';
    }
    *o = '\0';
    free(text);
    return out;
}

/* ---- --shard and merge ------------------------------------------------------------------ */

static void test_shards_merged_equal_one_run(void **state)
{
    struct fleet_case *c = *state;
    size_t n_hosts, total = 0;
    char dir[32], seen[64] = "";

    write_inventory(c, &n_hosts);
    scan_into(c, "whole", NULL, NULL);
    fleet_expect_exit(&c->run, 1); /* the closed port */
    for (int k = 1; k <= 4; k++) {
        char shard[8];
        snprintf(shard, sizeof shard, "%d/4", k);
        snprintf(dir, sizeof dir, "s%d", k);
        scan_into(c, dir, "--shard", shard);
        if (c->run.status != 0 && c->run.status != 1)
            fail_msg("shard %d: exit %d: %s", k, c->run.status, c->run.err);
        snprintf(dir, sizeof dir, "s%d/fleetscan.json", k);
        json_t *doc = load_json(c, dir), *h;
        json_t *shard_obj = json_object_get(json_object_get(doc, "scan"), "shard");
        assert_int_equal(json_integer_value(json_object_get(shard_obj, "index")), k);
        assert_int_equal(json_integer_value(json_object_get(shard_obj, "count")), 4);
        assert_int_equal(json_integer_value(json_object_get(shard_obj, "inventory_hosts")),
                         n_hosts);
        size_t i;
        json_array_foreach(json_object_get(doc, "hosts"), i, h)
        {
            /* No host in two shards: each shard marks its hosts' positions. */
            size_t pos = (size_t)json_integer_value(
                json_array_get(json_object_get(shard_obj, "positions"), i));
            assert_true(pos < n_hosts && pos < sizeof seen);
            assert_int_equal(seen[pos], 0);
            seen[pos] = 1;
            total++;
        }
        json_decref(doc);
    }
    assert_int_equal(total, n_hosts);

    /* Given in any order, the shards merge into what the single run wrote. */
    char s1[600], s2[600], s3[600], s4[600];
    snprintf(s1, sizeof s1, "%s", at(c, "s1/fleetscan.json"));
    snprintf(s2, sizeof s2, "%s", at(c, "s2/fleetscan.json"));
    snprintf(s3, sizeof s3, "%s", at(c, "s3/fleetscan.json"));
    snprintf(s4, sizeof s4, "%s", at(c, "s4/fleetscan.json"));
    const char *all[] = {"merge", s3, s1, s4, s2, "-o", at(c, "merged"), NULL};
    run(c, all);
    fleet_expect_exit(&c->run, 1);
    json_t *whole = load_json(c, "whole/fleetscan.json");
    json_t *merged = load_json(c, "merged/fleetscan.json");
    assert_true(json_is_true(json_object_get(json_object_get(merged, "scan"), "complete")));
    assert_true(json_is_null(json_object_get(json_object_get(merged, "scan"), "shard")));
    /* The shards ran after the single run, and the merged times are the shards' own. */
    assert_true(strcmp(str(json_object_get(merged, "scan"), "started_at"),
                       str(json_object_get(whole, "scan"), "finished_at")) >= 0);
    drop_times(whole);
    drop_times(merged);
    if (!json_equal(whole, merged)) {
        char *a = json_dumps(whole, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        char *b = json_dumps(merged, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        fail_msg("merged report differs from the single run:\n%s\n---\n%s", a, b);
    }
    json_decref(whole);
    json_decref(merged);
    c->text[0] = fleet_read_file(at(c, "whole/summary.csv"), NULL);
    c->text[1] = fleet_read_file(at(c, "merged/summary.csv"), NULL);
    assert_non_null(c->text[0]);
    assert_non_null(c->text[1]);
    assert_string_equal(c->text[1], c->text[0]);
    free(c->text[0]);
    free(c->text[1]);
    c->text[0] = csv_without_times(c, "whole/fleetscan.csv");
    c->text[1] = csv_without_times(c, "merged/fleetscan.csv");
    assert_string_equal(c->text[1], c->text[0]);

    /* Three of four shards: merged, but marked incomplete, and said so. */
    const char *three[] = {"merge", s3, s1, s4, "-o", at(c, "partial"), NULL};
    run(c, three);
    fleet_expect_exit(&c->run, 1);
    assert_non_null(strstr(c->run.err, "1 of 4 shards missing"));
    json_t *partial = load_json(c, "partial/fleetscan.json");
    assert_true(json_is_false(json_object_get(json_object_get(partial, "scan"), "complete")));
    json_decref(partial);

    /* The same shard twice, or a whole run: refused, nothing written. */
    const char *twice[] = {"merge", s3, s3, "-o", at(c, "bad"), NULL};
    run(c, twice);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "are both shard"));
    const char *whole_run[] = {"merge", at(c, "whole/fleetscan.json"), "-o", at(c, "bad"), NULL};
    run(c, whole_run);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "not a shard report"));
    struct stat st;
    assert_int_equal(stat(at(c, "bad"), &st), -1);
}

/* ---- classify --------------------------------------------------------------------------- */

static void test_classify(void **state)
{
    struct fleet_case *c = *state;

    write_inventory(c, NULL);
    scan_into(c, "whole", NULL, NULL);
    fleet_expect_exit(&c->run, 1);

    /* Same facts, same matrix: the same report, byte for byte. */
    const char *same[] = {"classify", at(c, "whole/fleetscan.json"), "-o", at(c, "same"), NULL};
    run(c, same);
    fleet_expect_exit(&c->run, 1);
    c->text[0] = fleet_read_file(at(c, "whole/fleetscan.json"), NULL);
    c->text[1] = fleet_read_file(at(c, "same/fleetscan.json"), NULL);
    assert_non_null(c->text[1]);
    assert_string_equal(c->text[1], c->text[0]);

    /*
     * The verdict follows the stored facts, not the stored verdict: the Ubuntu host's facts now
     * say Ubuntu 14.04, which the matrix does not list, and the Pi Zero's verdict was tampered
     * with. No host is contacted: the fleet's keys are not even given.
     */
    json_t *doc = load_json(c, "whole/fleetscan.json");
    json_t *ubuntu = host_named(doc, "ubuntu-1804-amd64-moby");
    json_t *osr = json_object_get(json_object_get(ubuntu, "facts"), "os_release");
    json_object_set_new(osr, "VERSION_ID", json_string("14.04"));
    json_object_set_new(osr, "PRETTY_NAME", json_string("Ubuntu 14.04.6 LTS"));
    json_object_set_new(host_named(doc, "pi-zero-armv6"), "tier", json_string("tier1"));
    save_json(c, "edited.json", doc);
    json_decref(doc);
    const char *edited[] = {"classify", at(c, "edited.json"), "-o", at(c, "cl"), NULL};
    run(c, edited);
    fleet_expect_exit(&c->run, 1);
    doc = load_json(c, "cl/fleetscan.json");
    ubuntu = host_named(doc, "ubuntu-1804-amd64-moby");
    assert_string_equal(str(ubuntu, "status"), "ok");
    assert_string_equal(str(ubuntu, "os_version"), "14.04");
    assert_string_equal(str(ubuntu, "os_name"), "Ubuntu 14.04.6 LTS");
    assert_string_not_equal(str(ubuntu, "tier"), "tier1");
    assert_string_equal(str(ubuntu, "production_ready"), "no");
    assert_string_equal(str(host_named(doc, "pi-zero-armv6"), "tier"), "unsupported");
    /* A host never reached keeps its status, error and unknown verdict. */
    json_t *closed = host_named(doc, "closed");
    assert_string_equal(str(closed, "status"), "unreachable");
    assert_true(str(closed, "error")[0] != '\0');
    assert_string_equal(str(closed, "tier"), "unknown");
    json_decref(doc);

    /* A report that is not JSON: exit 2, FILE:LINE:COLUMN, nothing written. */
    fleet_write_file(at(c, "broken.json"), "{\n  \"tool\": [\n}\n");
    const char *broken[] = {"classify", at(c, "broken.json"), "-o", at(c, "nothing"), NULL};
    run(c, broken);
    fleet_expect_exit(&c->run, 2);
    char want[700];
    snprintf(want, sizeof want, "%s:3:", at(c, "broken.json"));
    if (strstr(c->run.err, want) == NULL)
        fail_msg("expected '%s' in: %s", want, c->run.err);
    struct stat st;
    assert_int_equal(stat(at(c, "nothing"), &st), -1);
}

/* ---- --rescan-failed -------------------------------------------------------------------- */

static void test_rescan_failed(void **state)
{
    struct fleet_case *c = *state;
    size_t n_hosts, i;
    json_t *h;

    write_inventory(c, &n_hosts);
    scan_into(c, "whole", NULL, NULL);
    fleet_expect_exit(&c->run, 1);
    /*
     * PREVIOUS: every host scanned long ago; the Ubuntu host timed out then, and the Raspbian
     * host was not in the inventory yet.
     */
    json_t *prev = load_json(c, "whole/fleetscan.json");
    json_array_foreach(json_object_get(prev, "hosts"), i, h)
    {
        json_object_set_new(h, "scanned_at", json_string(OLD_STAMP));
    }
    json_object_set_new(host_named(prev, "ubuntu-1804-amd64-moby"), "status",
                        json_string("timeout"));
    json_t *hosts = json_object_get(prev, "hosts");
    json_array_foreach(hosts, i, h)
    {
        if (strcmp(str(h, "name"), "raspbian-stretch-armv7") == 0)
            break;
    }
    json_array_remove(hosts, i);
    json_object_set_new(json_object_get(prev, "summary"), "hosts",
                        json_integer((json_int_t)json_array_size(hosts)));
    save_json(c, "previous.json", prev);
    json_decref(prev);

    scan_into(c, "re", "--rescan-failed", at(c, "previous.json"));
    fleet_expect_exit(&c->run, 1); /* the closed port is still closed */
    json_t *re = load_json(c, "re/fleetscan.json");
    json_t *whole = load_json(c, "whole/fleetscan.json");
    /* One row per inventory host, in inventory order. */
    assert_int_equal(json_array_size(json_object_get(re, "hosts")), n_hosts);
    json_array_foreach(json_object_get(re, "hosts"), i, h)
    {
        const char *name = str(h, "name");
        json_t *w = json_array_get(json_object_get(whole, "hosts"), i);
        assert_string_equal(name, str(w, "name"));
        bool again = strcmp(name, "ubuntu-1804-amd64-moby") == 0 ||
                     strcmp(name, "raspbian-stretch-armv7") == 0 || strcmp(name, "closed") == 0;
        if (again && strcmp(str(h, "scanned_at"), OLD_STAMP) == 0)
            fail_msg("%s was not ok last time but was not scanned again", name);
        if (!again && strcmp(str(h, "scanned_at"), OLD_STAMP) != 0)
            fail_msg("%s was ok last time but was scanned again", name);
        /* Scanned again or kept, every host says what the single run said. */
        assert_string_equal(str(h, "status"), str(w, "status"));
        assert_string_equal(str(h, "tier"), str(w, "tier"));
    }
    json_decref(re);
    json_decref(whole);

    /* A PREVIOUS that is not a report: exit 2, the file named, nothing scanned. */
    fleet_write_file(at(c, "bad.json"), "{\"tool\": {\"name\": \"fleetscan\"}}\n");
    scan_into(c, "none", "--rescan-failed", at(c, "bad.json"));
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "bad.json: 'hosts' must be an array"));
}

/* ---- diff ------------------------------------------------------------------------------- */

static void test_diff(void **state)
{
    struct fleet_case *c = *state;

    write_inventory(c, NULL);
    scan_into(c, "a", NULL, NULL);
    fleet_expect_exit(&c->run, 1);
    scan_into(c, "b", NULL, NULL);
    fleet_expect_exit(&c->run, 1);

    /* Two scans of an unchanged fleet: no output, exit 0, whatever the times say. */
    char a[600], b[600];
    snprintf(a, sizeof a, "%s", at(c, "a/fleetscan.json"));
    snprintf(b, sizeof b, "%s", at(c, "b/fleetscan.json"));
    const char *same[] = {"diff", a, b, NULL};
    run(c, same);
    fleet_expect_exit(&c->run, 0);
    assert_string_equal(c->run.out, "");

    /* The closed host is gone from the new inventory and a host of a new name came. */
    json_t *doc = load_json(c, "b/fleetscan.json");
    json_object_set_new(host_named(doc, "closed"), "name", json_string("gw-new"));
    json_object_set_new(host_named(doc, "centos-75-amd64-dockerce"), "container_engine",
                        json_string("moby-engine"));
    save_json(c, "b2.json", doc);
    json_decref(doc);
    const char *text[] = {"diff", a, at(c, "b2.json"), NULL};
    run(c, text);
    fleet_expect_exit(&c->run, 1);
    assert_string_equal(c->run.out,
                        "added    gw-new\n"
                        "removed  closed\n"
                        "changed  centos-75-amd64-dockerce: container_engine docker-ce -> "
                        "moby-engine\n"
                        "1 added, 1 removed, 1 changed\n");
    const char *csv[] = {"diff", "--format",        "csv", a, at(c, "b2.json"),
                         "-o",   at(c, "diff.csv"), NULL};
    run(c, csv);
    fleet_expect_exit(&c->run, 1);
    c->text[0] = fleet_read_file(at(c, "diff.csv"), NULL);
    assert_non_null(c->text[0]);
    assert_string_equal(c->text[0], "change,name,field,old,new\r\n"
                                    "added,gw-new,,,\r\n"
                                    "removed,closed,,,\r\n"
                                    "changed,centos-75-amd64-dockerce,container_engine,docker-ce,"
                                    "moby-engine\r\n");
    const char *bad_format[] = {"diff", "--format", "xml", a, b, NULL};
    run(c, bad_format);
    fleet_expect_exit(&c->run, 2);
    fleet_write_file(at(c, "cut.json"), "{\"tool\": {\"name\": \"fleetscan\", \"version\"");
    const char *cut[] = {"diff", a, at(c, "cut.json"), NULL};
    run(c, cut);
    fleet_expect_exit(&c->run, 2);
    assert_non_null(strstr(c->run.err, "cut.json:1:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shards_merged_equal_one_run, fleet_case_setup,
                                        fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_classify, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_rescan_failed, fleet_case_setup, fleet_case_teardown),
        cmocka_unit_test_setup_teardown(test_diff, fleet_case_setup, fleet_case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
