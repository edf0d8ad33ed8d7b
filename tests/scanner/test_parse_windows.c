/*
 * Parsing the Windows probe's answer: ver, reg query, sc query and docker output as cmd.exe
 * and PowerShell print them (fixtures/windows, CRLF line ends, see fixtures/README.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_test_util.h"
#include "scanner/probe.h"

struct fixture_case {
    const char *file;
    struct ptu_expect expect[20];
};

static const struct fixture_case fixtures[] = {
    {"fixtures/windows/iotcore-17763-amd64-cmd.txt",
     {{"kind", "\"windows\""},
      {"probe", "1"},
      {"windows.ver", "\"10.0.17763.557\""},
      {"windows.ver_build", "17763"},
      {"windows.ver_ubr", "557"},
      {"windows.ubr", "557"},
      {"windows.current_build", "17763"},
      {"windows.edition_id", "\"IoTUAP\""},
      {"windows.product_name", "\"IoTUAP\""},
      {"windows.installation_type", "\"IoTUAP\""},
      {"windows.release_id", "\"1809\""},
      {"windows.major", "10"},
      {"windows.minor", "0"},
      {"windows.processor_architecture", "\"AMD64\""},
      {"windows.system_manufacturer", "\"AAEON\""},
      {"engine.services", "{\"iotedge-moby\": \"RUNNING\", \"docker\": \"absent\"}"},
      {"engine.docker.cli_missing", "true"},
      {"engine.docker.server_version", NULL},
      {NULL, NULL}}},
    {"fixtures/windows/iot-enterprise-ltsc2019-cmd.txt",
     {{"windows.edition_id", "\"EnterpriseS\""},
      {"windows.product_name", "\"Windows 10 Enterprise LTSC 2019\""},
      {"windows.installation_type", "\"Client\""},
      {"windows.ubr", "615"},
      {"engine.services.iotedge-moby", "\"RUNNING\""},
      {NULL, NULL}}},
    {"fixtures/windows/server2019-core-dockeree-cmd.txt",
     {{"windows.edition_id", "\"ServerDatacenter\""},
      {"windows.installation_type", "\"Server Core\""},
      {"engine.services.docker", "\"RUNNING\""},
      {"engine.docker.server_platform", "\"Docker Engine - Enterprise\""},
      {"engine.docker.server_version", "\"18.09.6\""},
      {"engine.docker.api_version", "\"1.39\""},
      {"engine.docker.server_os", "\"windows\""},
      {"engine.docker.os_type", "\"windows\""},
      {"engine.docker.default_isolation", "\"process\""},
      {"engine.docker.architecture", "\"x86_64\""},
      /* docker info's many other "Key: value" lines are not mistaken for messages. */
      {"engine.docker.messages", NULL},
      {NULL, NULL}}},
    {"fixtures/windows/win10pro-1809-dockerdesktop-cmd.txt",
     {{"windows.edition_id", "\"Professional\""},
      {"windows.ver", "\"10.0.17763.379\""},
      {"engine.docker.server_platform", "\"Docker Engine - Community\""},
      {"engine.docker.default_isolation", "\"hyperv\""},
      {"engine.services.iotedge-moby", "\"absent\""},
      {NULL, NULL}}},
    {"fixtures/windows/win10-ltsb2016-14393-powershell.txt",
     {{"windows.current_build", "14393"},
      {"windows.ubr", "2248"},
      {"windows.release_id", "\"1607\""},
      {"windows.product_name", "\"Windows 10 Enterprise 2016 LTSB\""},
      {"engine.docker.server_version", "\"17.06.0-ce\""},
      {"engine.docker.server_os", "\"linux\""},
      {"engine.docker.client_os", "\"windows\""},
      {"engine.docker.os_type", "\"linux\""},
      {"engine.docker.operating_system", "\"Alpine Linux v3.5\""},
      {NULL, NULL}}},
    {"fixtures/windows/server2019-bare-ver-reg.txt",
     {{"probe", NULL},
      {"windows.ver", "\"10.0.17763.973\""},
      {"windows.ubr", "973"},
      {"windows.edition_id", "\"ServerStandard\""},
      {"windows.installation_type", "\"Server\""},
      {"engine", NULL},
      {NULL, NULL}}},
};

/* Text that identifies a person or a licence: reg query prints it, fleetscan never keeps it. */
static const char *const private_values[] = {"line-operator", "Contoso", "00429-00000",
                                             "A40000000300000030"};

static void check_fixture(const struct fixture_case *c, const char *out, size_t len,
                          const char *what)
{
    json_t *facts = fs_probe_parse_windows(out, len);
    char *text;

    assert_non_null(facts);
    ptu_expect_facts(facts, c->expect, what);
    assert_null(json_object_get(facts, "utf8_replaced"));
    text = json_dumps(facts, 0);
    assert_non_null(text);
    for (size_t i = 0; i < sizeof private_values / sizeof private_values[0]; i++)
        if (strstr(text, private_values[i]) != NULL)
            fail_msg("%s: facts keep the private value %s", what, private_values[i]);
    free(text);
    json_decref(facts);
}

static void test_fixtures(void **state)
{
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        size_t len, lf_len = 0;
        char *out = ptu_read_fixture(fixtures[i].file, &len), *lf;

        assert_non_null(memchr(out, '\r', len));
        check_fixture(&fixtures[i], out, len, fixtures[i].file);
        /* The same answer with bare LF line ends gives the same facts. */
        lf = malloc(len);
        assert_non_null(lf);
        for (size_t k = 0; k < len; k++)
            if (out[k] != '\r')
                lf[lf_len++] = out[k];
        check_fixture(&fixtures[i], lf, lf_len, fixtures[i].file);
        free(lf);
        free(out);
    }
}

struct line_case {
    const char *name;
    const char *text;
    struct ptu_expect expect[4];
};

static const struct line_case lines[] = {
    {"Spanish ver",
     "\r\nMicrosoft Windows [Versi\xc3\xb3n 10.0.17763.557]\r\n",
     {{"windows.ver", "\"10.0.17763.557\""}, {"windows.ver_build", "17763"}, {NULL, NULL}}},
    {"Windows 7 ver has no update revision",
     "Microsoft Windows [Version 6.1.7601]\r\n",
     {{"windows.ver_build", "7601"}, {"windows.ver_ubr", NULL}, {NULL, NULL}}},
    {"an empty REG_SZ",
     "    DisplayVersion    REG_SZ    \r\n    ReleaseId    REG_SZ    1809\r\n",
     {{"windows.display_version", "\"\""}, {"windows.release_id", "\"1809\""}, {NULL, NULL}}},
    {"REG_DWORD in hex",
     "    UBR    REG_DWORD    0x22d\r\n",
     {{"windows.ubr", "557"}, {NULL, NULL}}},
    {"Windows 11 still says Windows 10 in ProductName: the build is what counts",
     "    ProductName    REG_SZ    Windows 10 Pro\r\n    CurrentBuild    REG_SZ    22631\r\n"
     "    DisplayVersion    REG_SZ    23H2\r\n",
     {{"windows.current_build", "22631"}, {"windows.display_version", "\"23H2\""}, {NULL, NULL}}},
    {"a value name that is not kept",
     "    RegisteredOwner    REG_SZ    someone\r\n",
     {{"windows.#", "0"}, {NULL, NULL}}},
    {"reg's error for a missing key",
     "ERROR: The system was unable to find the specified registry key or value.\r\n",
     {{"windows.#", "0"}, {NULL, NULL}}},
    {"a stopped service",
     "@@section sc-iotedge-moby\r\nSERVICE_NAME: iotedge-moby\r\n"
     "        STATE              : 1  STOPPED\r\n",
     {{"engine.services.iotedge-moby", "\"STOPPED\""}, {NULL, NULL}}},
    {"docker CLI present, daemon not running",
     "@@section docker-version\r\nClient: Docker Engine - Community\r\n Version:           18.09.2"
     "\r\nerror during connect: Get http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.39/version: open "
     "//./pipe/docker_engine: The system cannot find the file specified.\r\n",
     {{"engine.docker.client_version", "\"18.09.2\""},
      {"engine.docker.server_version", NULL},
      {"engine.docker.messages.#", "1"},
      {NULL, NULL}}},
};

static void test_lines(void **state)
{
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        size_t len = strlen(lines[i].text);
        char *buf = ptu_copy(lines[i].text, len);
        json_t *facts = fs_probe_parse_windows(buf, len);

        assert_non_null(facts);
        ptu_expect_facts(facts, lines[i].expect, lines[i].name);
        json_decref(facts);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
