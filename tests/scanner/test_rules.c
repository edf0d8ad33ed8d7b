/*
 * The rule set loader: every built-in set loads and says what it is; a malformed document is
 * refused with "FILE:LINE:COLUMN: JSON path: what is wrong", pointing at the offending value
 * (jansson's position for syntax errors), and nothing half-loaded is returned.
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
#include "scanner/rules.h"

/* A small valid rule set; the error cases below change one piece of it. Lines are numbered. */
static const char valid[] =
    "{\n"                                             /* 1 */
    "  \"format\": \"fleetscan-rules/1\",\n"          /* 2 */
    "  \"id\": \"test-set\",\n"                       /* 3 */
    "  \"title\": \"A test set\",\n"                  /* 4 */
    "  \"source_date\": \"2024-02-29\",\n"            /* 5 */
    "  \"source\": \"tests/scanner/test_rules.c\",\n" /* 6 */
    "  \"columns\": [\"AMD64\", \"ARM32v7\"],\n"      /* 7 */
    "  \"tier_meanings\": {\"tier1\": \"a\", \"tier1-preview\": \"b\", \"tier2\": \"c\"},\n"
    "  \"tables\": [\n"                                           /* 9 */
    "    {\"tier\": \"tier1\", \"title\": \"One\", \"rows\": [\n" /* 10 */
    "      {\"os\": \"Debian 9\", \"family\": \"linux\", \"id\": [\"debian\"], \"version\": "
    "\"9\",\n"
    "       \"cells\": {\"AMD64\": \"yes\", \"ARM32v7\": \"no\"}},\n" /* 12 */
    "      {\"os\": \"Windows\", \"family\": \"windows\", \"editions\": [\"IoTUAP\"],\n"
    "       \"builds\": [17763], \"cells\": {\"AMD64\": \"yes\", \"ARM32v7\": \"no\"}}\n"
    "    ]}\n" /* 15 */
    "  ],\n"   /* 16 */
    "  \"engines\": [{\"name\": \"moby-engine\", \"support\": \"recommended\", \"reason\": \"r\",\n"
    "               \"note\": \"n\"}],\n" /* 18 */
    "  \"windows\": {\"windows_containers_build\": 17763, \"linux_containers_min_build\": 14393,\n"
    "              \"hyperv_isolation\": false},\n"            /* 20 */
    "  \"virtual_machines\": {\"family_must_match\": true},\n" /* 21 */
    "  \"prerequisites\": {\"source\": \"s\", \"memory_available_mb\": {\"amd64\": 279},\n"
    "    \"storage_free_mb\": {\"amd64\": 287}, \"kernel_config\": [\"VETH\"],\n"
    "    \"cgroup_controllers\": {\"v1\": [\"cpu\"], \"v2\": [\"cpu\"]}, \"systemd\": true,\n"
    "    \"engine_api_min\": \"1.34\"}\n" /* 25 */
    "}\n";

/* One change to the valid text (the first occurrence of from becomes to), and the message. */
struct bad {
    const char *what;
    const char *from;
    const char *to;
    const char *message; /* the whole message after "t.json:" */
};

static const struct bad bads[] = {
    {"syntax: missing comma", "\"id\": \"test-set\",", "\"id\": \"test-set\"",
     "4:9: '}' expected near '\"title\"'"},
    {"wrong format", "fleetscan-rules/1", "fleetscan-rules/9",
     "2:13: format: 'fleetscan-rules/9': this fleetscan reads \"fleetscan-rules/1\""},
    {"id with a space", "\"test-set\"", "\"test set\"",
     "3:9: id: 'test set': use lower-case letters, digits, '-' and '.'"},
    {"date", "2024-02-29", "29/02/2024", "5:18: source_date: '29/02/2024': expected YYYY-MM-DD"},
    {"unknown column", "\"ARM32v7\"]", "\"ARM32\"]",
     "7:24: columns[1]: expected \"AMD64\", \"ARM32v7\" or \"ARM64\""},
    {"missing tier meaning", ", \"tier2\": \"c\"", "",
     "8:20: tier_meanings.tier2: missing (expected a string)"},
    {"unknown tier", "\"tier\": \"tier1\"", "\"tier\": \"tier3\"",
     "10:14: tables[0].tier: 'tier3': expected \"tier1\", \"tier1-preview\" or \"tier2\""},
    {"misspelt row key", "\"version\": \"9\"", "\"verison\": \"9\"",
     "11:74: tables[0].rows[0].verison: unknown member (allowed: see docs/rules.md)"},
    {"version that is not a version", "\"version\": \"9\"", "\"version\": \"stretch\"",
     "11:74: tables[0].rows[0].version: 'stretch': expected a dotted version such as \"7.5\" or "
     "\"18.04\""},
    {"cell word", "\"AMD64\": \"yes\", \"ARM32v7\": \"no\"}},",
     "\"AMD64\": \"maybe\", \"ARM32v7\": \"no\"}},",
     "12:27: tables[0].rows[0].cells.AMD64: 'maybe': expected \"yes\", \"no\" or \"preview\""},
    {"cell for a column the set lacks", "\"ARM32v7\": \"no\"}},",
     "\"ARM32v7\": \"no\", \"ARM64\": \"no\"}},",
     "12:60: tables[0].rows[0].cells.ARM64: this rule set has no ARM64 column"},
    {"missing cell", ", \"ARM32v7\": \"no\"}},", "}},",
     "12:17: tables[0].rows[0].cells.ARM32v7: missing (expected \"yes\", \"no\" or \"preview\")"},
    {"Linux row without id", "\"id\": [\"debian\"], ", "",
     "11:7: tables[0].rows[0].id: missing (expected an array of strings)"},
    {"Windows row with an id", "\"editions\": [\"IoTUAP\"]", "\"id\": [\"windows\"]",
     "13:7: tables[0].rows[1]: a Windows row is matched by editions and builds, not id or "
     "version"},
    {"build that is a string", "[17763]", "[\"17763\"]",
     "14:19: tables[0].rows[1].builds[0]: expected a Windows build number from 1 to 999999"},
    {"engine support", "\"recommended\"", "\"preferred\"",
     "17:50: engines[0].support: 'preferred': expected \"recommended\", \"best-effort\" or "
     "\"unsupported\""},
    {"windows build as text", "\"windows_containers_build\": 17763",
     "\"windows_containers_build\": \"17763\"",
     "19:43: windows.windows_containers_build: expected a Windows build number, or null when "
     "there are no Windows containers"},
    {"negative threshold", "{\"amd64\": 279}", "{\"amd64\": -1}",
     "22:69: prerequisites.memory_available_mb.amd64: -1 is out of range 1..1048576"},
    {"kernel flag the probe does not read", "[\"VETH\"]", "[\"CONFIG_VETH\"]",
     "23:58: prerequisites.kernel_config[0]: 'CONFIG_VETH' is not a flag the probe reads "
     "(without the CONFIG_ prefix; see docs/rules.md)"},
    {"duplicate key", "\"systemd\": true,", "\"systemd\": true, \"systemd\": false,",
     "24:84: duplicate object key near '\"systemd\"'"},
    {"not an object", "{\n  \"format\"", "[\n  \"format\"", "2:11: ']' expected near ':'"},
};

static void test_valid_loads(void **state)
{
    char err[512] = "";
    struct fs_rules *r = fs_rules_parse(valid, sizeof valid - 1, "t.json", err, sizeof err);

    if (r == NULL)
        fail_msg("the valid set does not load: %s", err);
    assert_string_equal(r->id, "test-set");
    assert_int_equal(r->n_rows, 2);
    assert_true(r->columns[FS_COL_AMD64] && r->columns[FS_COL_ARM32V7]);
    assert_false(r->columns[FS_COL_ARM64]);
    assert_int_equal(r->rows[1].builds[0], 17763);
    assert_int_equal(r->memory_available_mb[FS_ARCH_AMD64], 279);
    assert_int_equal(r->memory_available_mb[FS_ARCH_ARM32V7], 0);
    fs_rules_free(r);
    fs_rules_free(NULL);
}

static void test_errors(void **state)
{
    size_t wrong = 0;

    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        const struct bad *b = &bads[i];
        const char *at = strstr(valid, b->from);
        char text[sizeof valid + 256], err[512] = "", want[512];
        struct fs_rules *r;

        if (at == NULL)
            fail_msg("%s: '%s' is not in the valid text", b->what, b->from);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - valid), valid, b->to,
                 at + strlen(b->from));
        r = fs_rules_parse(text, strlen(text), "t.json", err, sizeof err);
        if (r != NULL)
            fail_msg("%s: loaded although it is malformed", b->what);
        snprintf(want, sizeof want, "t.json:%s", b->message);
        if (strcmp(err, want) != 0) {
            print_error("%s:\n got: %s\nwant: %s\n", b->what, err, want);
            wrong++;
        }
    }
    if (wrong > 0)
        fail_msg("%zu of %zu messages differ", wrong, sizeof bads / sizeof bads[0]);
}

static void test_files(void **state)
{
    char err[512] = "";

    assert_null(fs_rules_load_file("no/such/rules.json", err, sizeof err));
    assert_string_equal(err, "no/such/rules.json: No such file or directory");
    assert_null(fs_rules_load_file("fixtures/README.md", err, sizeof err));
    assert_non_null(strstr(err, "fixtures/README.md:1:1: "));
}

/* The built-in sets load, in date order, with unique ids; the default is the seed's. */
static void test_builtins(void **state)
{
    bool owned = true;
    char err[512];
    const struct fs_rules *prev = NULL;

    assert_int_equal(fs_rules_builtin_count(), 5);
    for (size_t i = 0; i < fs_rules_builtin_count(); i++) {
        const struct fs_rules *r = fs_rules_builtin_at(i);
        assert_non_null(r);
        assert_true(strncmp(r->origin, "scanner/rules/", 14) == 0);
        assert_non_null(strstr(r->origin, r->id));
        if (prev != NULL)
            assert_true(strcmp(prev->source_date, r->source_date) < 0);
        prev = r;
    }
    assert_string_equal(fs_rules_builtin_at(0)->id, FS_RULES_DEFAULT_ID);
    assert_ptr_equal(fs_rules_resolve(FS_RULES_DEFAULT_ID, &owned, err, sizeof err),
                     fs_rules_builtin_at(0));
    assert_false(owned);
    assert_null(fs_rules_resolve("azure-iot-edge-2019", &owned, err, sizeof err));
    assert_non_null(strstr(err, "unknown rule set 'azure-iot-edge-2019'; built-in: "
                                "azure-iot-edge-2019-03 azure-iot-edge-2019-08"));
    assert_null(fs_rules_builtin("nope"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_loads),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_builtins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
