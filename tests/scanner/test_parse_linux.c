/*
 * Parsing the Linux probe's answer: real-world outputs of each OS in the seed (fixtures/linux,
 * see fixtures/README.md), os-release in all its quoting forms, and the section framing.
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
    struct ptu_expect expect[24];
};

static const struct fixture_case fixtures[] = {
    {"fixtures/linux/raspbian9-pi3-moby.txt",
     {{"kind", "\"posix\""},
      {"probe", "1"},
      {"os_release.ID", "\"raspbian\""},
      {"os_release.VERSION_ID", "\"9\""},
      {"os_release.PRETTY_NAME", "\"Raspbian GNU/Linux 9 (stretch)\""},
      {"os_release.#", "9"},
      {"release_files.debian_version", "\"9.8\""},
      {"uname.machine", "\"armv7l\""},
      {"dpkg_arch", "\"armhf\""},
      {"long_bit", "32"},
      {"elf", "{\"class\": 32, \"machine\": 40, \"endian\": \"little\"}"},
      {"cpu.model_name", "\"ARMv7 Processor rev 4 (v7l)\""},
      {"cpu.neon", "true"},
      {"cpu.count", "4"},
      {"device_model", "\"Raspberry Pi 3 Model B Rev 1.2\""},
      {"engine.databases", "[\"dpkg\"]"},
      {"engine.packages.1",
       "{\"name\": \"moby-engine\", \"version\": \"3.0.4\", \"source\": \"dpkg\"}"},
      {"engine.commands.#", "4"},
      {"engine.docker.server_version", "\"3.0.4\""},
      {"engine.docker.server_arch", "\"arm\""},
      {"memory_kb", "{\"total\": 949448, \"available\": 726232}"},
      {"storage_kb./var/lib/docker.available", "10667424"},
      {"cgroup.controllers.#", "7"},
      {NULL, NULL}}},
    {"fixtures/linux/raspbian9-pizero-w.txt",
     {{"uname.machine", "\"armv6l\""},
      {"cpu.model_name", "\"ARMv6-compatible processor rev 7 (v6l)\""},
      {"cpu.part", "\"0xb76\""},
      {"cpu.neon", "false"},
      {"device_model", "\"Raspberry Pi Zero W Rev 1.1\""},
      {"engine.packages", "[]"},
      {"engine.docker", NULL},
      {"systemd", "true"},
      {NULL, NULL}}},
    {"fixtures/linux/raspbian9-pi3-arm64-kernel.txt",
     {{"uname.machine", "\"aarch64\""},
      {"dpkg_arch", "\"armhf\""},
      {"long_bit", "32"},
      {"cpu.architecture", "\"8\""},
      {"cpu.features", "\"fp asimd evtstrm crc32 cpuid\""},
      {"cpu.neon", "true"},
      {"cpu.model_name", NULL},
      {NULL, NULL}}},
    {"fixtures/linux/ubuntu1604-amd64-dockerce.txt",
     {{"os_release.VERSION", "\"16.04.5 LTS (Xenial Xerus)\""},
      {"release_files.debian_version", "\"stretch/sid\""},
      {"engine.packages.0.name", "\"docker-ce\""},
      {"engine.packages.0.version", "\"18.06.1~ce~3-0~ubuntu\""},
      {"engine.docker.server_version", "\"18.06.1-ce\""},
      {"engine.docker.server_platform", NULL},
      {"virtualization.product_name", "\"NUC7i5BNH\""},
      {NULL, NULL}}},
    {"fixtures/linux/ubuntu1804-amd64-moby-azure.txt",
     {{"os_release.UBUNTU_CODENAME", "\"bionic\""},
      {"virtualization", "{\"detect_virt\": \"microsoft\", \"product_name\": \"Virtual Machine\", "
                         "\"sys_vendor\": \"Microsoft Corporation\"}"},
      {"engine.docker.api_version", "\"1.40\""},
      {"engine.commands.2", "\"/usr/bin/iotedge\""},
      {NULL, NULL}}},
    {"fixtures/linux/ubuntu1804-armhf-dockerio.txt",
     {{"engine.packages.#", "1"},
      {"engine.packages.0.name", "\"docker.io\""},
      {"engine.docker.server_version", NULL},
      {"engine.docker.client_version", "\"18.09.7\""},
      {"engine.docker.messages.#", "1"},
      {"cpu.hardware", "\"SAMSUNG EXYNOS (Flattened Device Tree)\""},
      {NULL, NULL}}},
    {"fixtures/linux/ubuntu1804-amd64-podman.txt",
     {{"engine.packages.0",
       "{\"name\": \"podman\", \"version\": \"100:3.4.2-5\", \"source\": \"dpkg\"}"},
      {"engine.docker.podman", "true"},
      {"engine.docker.client_version", "\"3.4.2\""},
      {NULL, NULL}}},
    {"fixtures/linux/debian8-amd64-kvm.txt",
     {{"os_release.VERSION_ID", "\"8\""},
      {"os_release.VERSION_CODENAME", NULL},
      {"release_files.debian_version", "\"8.11\""},
      {"virtualization.detect_virt", "\"kvm\""},
      {"engine", "{\"packages\": [], \"databases\": [\"dpkg\"], \"commands\": []}"},
      {NULL, NULL}}},
    {"fixtures/linux/debian9-armhf-beaglebone.txt",
     {{"release_files.debian_version", "\"9.13\""},
      {"device_model", "\"TI AM335x BeagleBone Black\""},
      {"engine.packages.0.version", "\"5:18.09.1~3-0~debian-stretch\""},
      {"engine.docker.server_platform", "\"Docker Engine - Community\""},
      {"storage_kb./var/lib/docker.used", "3260704"},
      {NULL, NULL}}},
    {"fixtures/linux/centos75-amd64-dockerce.txt",
     {{"os_release.ID", "\"centos\""},
      {"os_release.VERSION_ID", "\"7\""},
      {"os_release.#", "14"},
      {"release_files.centos-release", "\"CentOS Linux release 7.5.1804 (Core)\""},
      {"release_files.redhat-release", "\"CentOS Linux release 7.5.1804 (Core)\""},
      {"dpkg_arch", NULL},
      {"engine.databases", "[\"rpm\"]"},
      {"engine.packages.0",
       "{\"name\": \"docker-ce\", \"version\": \"18.09.0-3.el7\", \"source\": \"rpm\"}"},
      {"virtualization.detect_virt", "\"vmware\""},
      {"storage_kb./var/lib/docker.mounted_on", "\"/\""},
      {NULL, NULL}}},
    {"fixtures/linux/rhel75-amd64-docker.txt",
     {{"os_release.ID", "\"rhel\""},
      {"os_release.VERSION_ID", "\"7.5\""},
      {"os_release.REDHAT_BUGZILLA_PRODUCT_VERSION", "\"7.5\""},
      {"release_files.redhat-release", "\"Red Hat Enterprise Linux Server release 7.5 (Maipo)\""},
      {"engine.packages.0.name", "\"docker\""},
      {"engine.docker.server_version", "\"1.13.1\""},
      {NULL, NULL}}},
    {"fixtures/linux/wrlinux8-amd64.txt",
     {{"os_release.NAME", "\"Wind River Linux\""},
      {"os_release.PRETTY_NAME", "\"Wind River Linux 8.0.0.25\""},
      {"os_release.ID", "\"wrlinux\""},
      {"systemd", "false"},
      {"pid1", "\"init\""},
      {"virtualization.detect_virt", NULL},
      {NULL, NULL}}},
    {"fixtures/linux/poky-thud-qemux86-64.txt",
     {{"os_release.ID", "\"poky\""},
      {"os_release.VERSION_ID", "\"2.6.2\""},
      {"os_release.NAME", "\"Poky (Yocto Project Reference Distro)\""},
      {"long_bit", NULL},
      {"elf.class", "64"},
      {"engine.databases", "[]"},
      {"engine.docker.server_version", "\"18.09.3\""},
      {NULL, NULL}}},
    {"fixtures/linux/freebsd13-amd64.txt",
     {{"uname.os", "\"FreeBSD\""},
      {"os_release.ID", "\"freebsd\""},
      {"cpu", NULL},
      {"memory_kb", "{}"},
      {"pid1", NULL},
      {NULL, NULL}}},
};

static void test_fixtures(void **state)
{
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        size_t len;
        char *out = ptu_read_fixture(fixtures[i].file, &len);
        json_t *facts = fs_probe_parse_linux(out, len);

        assert_non_null(facts);
        ptu_expect_facts(facts, fixtures[i].expect, fixtures[i].file);
        /* Every fixture is a complete answer of valid UTF-8 framed in sections. */
        assert_null(json_object_get(facts, "unterminated_sections"));
        assert_null(json_object_get(facts, "utf8_replaced"));
        assert_null(json_object_get(facts, "stray_lines"));
        assert_null(json_object_get(facts, "raw"));
        ptu_assert_serialises(facts, fixtures[i].file);
        json_decref(facts);
        free(out);
    }
}

/* One os-release line and the value it must give (NULL: the key must be absent). */
struct os_release_case {
    const char *line;
    const char *key;
    const char *want;
};

static const struct os_release_case os_release_cases[] = {
    {"NAME=\"Wind River Linux\"", "NAME", "Wind River Linux"},
    {"NAME=Wind River Linux", "NAME", "Wind River Linux"},
    {"NAME='single quoted'", "NAME", "single quoted"},
    {"ID=\"poky\"", "ID", "poky"},
    {"ID=poky", "ID", "poky"},
    {"X=\"a \\\"quoted\\\" word\"", "X", "a \"quoted\" word"},
    {"X=\"back\\\\slash\"", "X", "back\\slash"},
    {"X=\"dollar \\$HOME and \\`tick\\`\"", "X", "dollar $HOME and `tick`"},
    {"X=\"keeps \\n as is\"", "X", "keeps \\n as is"},
    {"X='no \\\" escapes'", "X", "no \\\" escapes"},
    {"X=bare\\ escaped", "X", "bare escaped"},
    {"X=\"unterminated value", "X", "unterminated value"},
    {"X=\"a\"'b'c", "X", "abc"},
    {"X=\"v\"  # a comment after the value", "X", "v"},
    {"X=", "X", ""},
    {"   ID=indented   ", "ID", "indented"},
    {"ID=debian\r", "ID", "debian"},
    {"# ID=commented", "ID", NULL},
    {"export ID=shell", "ID", NULL},
    {"1ID=bad", "1ID", NULL},
    {"ID = spaced", "ID", NULL},
    {"PRETTY_NAME=\"Caf\xc3\xa9 OS\"", "PRETTY_NAME", "Caf\xc3\xa9 OS"},
};

/* Frames n bytes of os-release text as the probe prints it and parses the whole answer. */
static json_t *parse_os_release_n(const char *text, size_t n)
{
    static const char head[] = "@@fleetscan-probe 1\n@@section os-release\n";
    static const char tail[] = "\n@@end\n";
    size_t len = sizeof head - 1 + n + sizeof tail - 1;
    char *buf = malloc(len);
    json_t *facts;

    assert_non_null(buf);
    memcpy(buf, head, sizeof head - 1);
    memcpy(buf + sizeof head - 1, text, n);
    memcpy(buf + sizeof head - 1 + n, tail, sizeof tail - 1);
    facts = fs_probe_parse_linux(buf, len);
    free(buf);
    assert_non_null(facts);
    return facts;
}

static json_t *parse_os_release_text(const char *text)
{
    return parse_os_release_n(text, strlen(text));
}

static void test_os_release_quoting(void **state)
{
    for (size_t i = 0; i < sizeof os_release_cases / sizeof os_release_cases[0]; i++) {
        const struct os_release_case *c = &os_release_cases[i];
        json_t *facts = parse_os_release_text(c->line);
        const char *got =
            json_string_value(json_object_get(json_object_get(facts, "os_release"), c->key));

        if (c->want == NULL && got != NULL)
            fail_msg("%s: %s should be absent, got \"%s\"", c->line, c->key, got);
        if (c->want != NULL && (got == NULL || strcmp(got, c->want) != 0))
            fail_msg("%s: %s is \"%s\", want \"%s\"", c->line, c->key, got ? got : "(absent)",
                     c->want);
        json_decref(facts);
    }
}

static void test_os_release_garbage_and_limits(void **state)
{
    json_t *facts;
    char *text = malloc(200 * 16 + 1);
    size_t o = 0;

    facts = parse_os_release_text("ID=a\nID=b\ngarbage line\n<html>\n\n# comment\n");
    /* The last assignment wins, as in the shell; garbage is counted, comments are not. */
    assert_string_equal(json_string_value(ptu_at(facts, "os_release.ID")), "b");
    assert_int_equal(json_integer_value(ptu_at(facts, "os_release_ignored_lines")), 2);
    json_decref(facts);

    assert_non_null(text);
    for (int i = 0; i < 200; i++)
        o += (size_t)sprintf(text + o, "KEY_%03d=v%d\n", i, i);
    facts = parse_os_release_text(text);
    assert_int_equal(json_object_size(ptu_at(facts, "os_release")), 64);
    assert_int_equal(json_integer_value(ptu_at(facts, "os_release_ignored_lines")), 136);
    json_decref(facts);
    free(text);
}

static void test_invalid_utf8_is_replaced_and_recorded(void **state)
{
    static const char text[] = "PRETTY_NAME=\"bad \xff\xfe byte\"\nNAME=\"nul\0in\"";
    json_t *facts = parse_os_release_n(text, sizeof text - 1);

    assert_string_equal(json_string_value(ptu_at(facts, "os_release.PRETTY_NAME")),
                        "bad \xef\xbf\xbd\xef\xbf\xbd byte");
    assert_string_equal(json_string_value(ptu_at(facts, "os_release.NAME")), "nul\xef\xbf\xbdin");
    assert_true(json_is_true(ptu_at(facts, "utf8_replaced")));
    json_decref(facts);
}

/* The answer arrives cut off, or a login script printed around it. */
static void test_framing(void **state)
{
    static const char cut[] = "motd line one\nmotd line two\n@@fleetscan-probe 1\n"
                              "@@section uname\nmachine=x86_64\nos=Linux\n@@end\n"
                              "@@section os-release\nID=debian\nVERSION_ID=\"9\"\n@@section cpu\n"
                              "model name\t: Intel(R) Atom(TM)";
    char *buf = ptu_copy(cut, sizeof cut - 1);
    json_t *facts = fs_probe_parse_linux(buf, sizeof cut - 1);
    const struct ptu_expect e[] = {
        {"stray_lines", "2"},
        {"probe", "1"},
        {"uname.machine", "\"x86_64\""},
        {"os_release.VERSION_ID", "\"9\""},
        {"cpu.model_name", "\"Intel(R) Atom(TM)\""},
        {"unterminated_sections", "[\"os-release\", \"cpu\"]"},
        {NULL, NULL},
    };

    ptu_expect_facts(facts, e, "cut-off answer");
    json_decref(facts);
    free(buf);
}

static void test_unknown_sections_kept_raw(void **state)
{
    static const char out[] = "@@fleetscan-probe 2\n@@section lsmod\nveth 16384 0\n"
                              "bridge 126976 0\n@@end\n@@end\n@@section\nnameless\n@@end\n";
    char *buf = ptu_copy(out, sizeof out - 1);
    json_t *facts = fs_probe_parse_linux(buf, sizeof out - 1);
    const struct ptu_expect e[] = {
        {"probe", "2"},
        {"raw.lsmod", "\"veth 16384 0\\nbridge 126976 0\\n\""},
        {NULL, NULL},
    };

    ptu_expect_facts(facts, e, "unknown sections");
    assert_string_equal(json_string_value(json_object_get(ptu_at(facts, "raw"), "")), "nameless\n");
    json_decref(facts);
    free(buf);
}

/*
 * The kernel config section (grep of /proc/config.gz or /boot/config-*) and a vendor Yocto
 * build's /etc/build, as Yocto's image-buildinfo class writes it (Toradex BSP 5 layout).
 */
static void test_kernel_config_and_build(void **state)
{
    static const char out[] =
        "@@fleetscan-probe 1\n"
        "@@section kernel-config\nsource=/proc/config.gz\nCONFIG_NAMESPACES=y\n"
        "CONFIG_VETH=m\nCONFIG_MEMCG=y\nnot a line\n@@end\n"
        "@@section etc-build\n-----------------------\nBuild Configuration:  |\n"
        "-----------------------\nDISTRO = tdx-xwayland\nDISTRO_VERSION = 5.7.0\n"
        "MACHINE = verdin-imx8mm\n-----------------------\nLayer Revisions:      |\n"
        "-----------------------\nmeta = HEAD:4ebd3d8fc5dc4a5a94ae1d4e9de8be5e9d5ea7bf\n"
        "@@end\n";
    char *buf = ptu_copy(out, sizeof out - 1);
    json_t *facts = fs_probe_parse_linux(buf, sizeof out - 1);
    const struct ptu_expect e[] = {
        {"kernel_config.source", "\"/proc/config.gz\""},
        {"kernel_config.flags.NAMESPACES", "\"y\""},
        {"kernel_config.flags.VETH", "\"m\""},
        {"kernel_config.flags.MEMCG", "\"y\""},
        {"yocto_build.DISTRO", "\"tdx-xwayland\""},
        {"yocto_build.DISTRO_VERSION", "\"5.7.0\""},
        {"yocto_build.MACHINE", "\"verdin-imx8mm\""},
        {"yocto_build.layers", "true"},
        {NULL, NULL},
    };

    ptu_expect_facts(facts, e, "kernel config and /etc/build");
    assert_int_equal(json_object_size(ptu_at(facts, "kernel_config.flags")), 3);
    json_decref(facts);
    free(buf);
}

/* Sections as other tools print them: busybox df, cgroup v2, plain `docker version`, podman 1. */
static void test_section_variants(void **state)
{
    static const char out[] =
        "@@section storage\n/ /dev/root             264212084  16612768  83724420  17% /\n"
        "/var /dev/disk/by-label/my data 1000 10 990 1% /media/my data\n/bad line\n@@end\n"
        "@@section cgroup\nv2_controllers=cpuset cpu io memory pids\n@@end\n"
        "@@section device-model\nRaspberry Pi Zero W Rev 1.1\0\n@@end\n"
        "@@section docker-version\nClient:\n Version:           18.09.7\n API version:       1.39\n"
        "\nServer:\n Engine:\n  Version:          18.09.7\n  API version:      1.39 (minimum "
        "version 1.12)\n  OS/Arch:          linux/arm\n containerd:\n  Version:          1.2.6\n"
        "@@end\n";
    char *buf = ptu_copy(out, sizeof out - 1);
    json_t *facts = fs_probe_parse_linux(buf, sizeof out - 1);
    const struct ptu_expect e[] = {
        {"storage_kb./.available", "83724420"},
        {"storage_kb./var", "{\"total\": 1000, \"used\": 10, \"available\": 990, "
                            "\"mounted_on\": \"/media/my data\"}"},
        {"storage_kb.#", "2"},
        {"cgroup", "{\"version\": 2, \"controllers\": [\"cpuset\", \"cpu\", \"io\", \"memory\", "
                   "\"pids\"]}"},
        {"device_model", "\"Raspberry Pi Zero W Rev 1.1\""},
        {"utf8_replaced", NULL},
        {"engine.docker.server_version", "\"18.09.7\""},
        {"engine.docker.api_version", "\"1.39\""},
        {"engine.docker.server_os", "\"linux\""},
        {"engine.docker.server_arch", "\"arm\""},
        {"engine.docker.messages", NULL},
        {NULL, NULL},
    };
    static const char podman1[] = "@@section docker-version\n{\"Version\":\"1.6.2\",\"GoVersion\":"
                                  "\"go1.10.4\",\"OsArch\":\"linux/amd64\"}\n@@end\n";
    char *buf2 = ptu_copy(podman1, sizeof podman1 - 1);
    json_t *facts2 = fs_probe_parse_linux(buf2, sizeof podman1 - 1);

    ptu_expect_facts(facts, e, "section variants");
    assert_true(json_is_true(ptu_at(facts2, "engine.docker.podman")));
    json_decref(facts);
    json_decref(facts2);
    free(buf);
    free(buf2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_os_release_quoting),
        cmocka_unit_test(test_os_release_garbage_and_limits),
        cmocka_unit_test(test_invalid_utf8_is_replaced_and_recorded),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_unknown_sections_kept_raw),
        cmocka_unit_test(test_section_variants),
        cmocka_unit_test(test_kernel_config_and_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
