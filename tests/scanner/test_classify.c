/*
 * The classifier against the 2019-03 matrix: every cell of the seed's tables that says Yes
 * lands on its tier, the No cells and off-table versions are unsupported, hosts that cannot be
 * identified are unknown, and the engine and production-readiness rules hold. Real-world
 * fixtures run through parser and classifier together.
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

#define RULES FS_RULES_DEFAULT_ID

static json_t *facts_from(const char *text)
{
    json_error_t err;
    json_t *facts = json_loads(text, 0, &err);

    if (facts == NULL)
        fail_msg("bad test facts (%s): %s", err.text, text);
    return facts;
}

/* Classifies facts into a fresh verdict (caller clears it) and checks it can be reported. */
static void classify(const json_t *facts, struct fs_verdict *v, const char *what)
{
    fs_verdict_init(v);
    assert_int_equal(fs_classify(facts, v), 0);
    ptu_assert_verdict_sane(v, what);
}

static void expect_reason(const struct fs_verdict *v, const char *needle, const char *what)
{
    if (needle != NULL && !ptu_list_has(v->reasons, needle)) {
        char *got = json_dumps(v->reasons, JSON_INDENT(1));
        fail_msg("%s: no reason contains \"%s\"; reasons: %s", what, needle, got);
    }
}

static void expect_tier(const struct fs_verdict *v, enum fs_tier want, const char *what)
{
    if (v->tier != want) {
        char *got = json_dumps(v->reasons, JSON_INDENT(1));
        fail_msg("%s: tier %s, want %s; reasons: %s", what, fs_tier_name(v->tier),
                 fs_tier_name(want), got);
    }
}

/* ---- every cell of the Linux tables ----------------------------------------------------- */

#define AMD64 "x86_64", "amd64"
#define ARM32 "armv7l", "armhf"
#define ARM64 "aarch64", "arm64"
#define X86   "i686", "i386"
#define ARMV6 "armv6l", "armhf"

struct linux_case {
    const char *name;
    const char *id;
    const char *version_id;
    const char *release_file; /* a file of facts.release_files, or NULL */
    const char *release_text;
    const char *machine;
    const char *dpkg;
    enum fs_tier want;
    const char *reason;
};

static const struct linux_case linux_cases[] = {
    /* Tier 1, generally available. */
    {"Raspbian-stretch ARM32v7: Yes", "raspbian", "9", "debian_version", "9.8", ARM32, FS_TIER_1,
     "Raspbian-stretch on ARM32v7 is Tier 1 in " RULES ": generally available"},
    {"Raspbian-stretch AMD64: No", "raspbian", "9", "debian_version", "9.8", AMD64,
     FS_TIER_UNSUPPORTED, "Raspbian-stretch is listed for ARM32v7 only"},
    {"Ubuntu Server 16.04 AMD64: Yes", "ubuntu", "16.04", NULL, NULL, AMD64, FS_TIER_1,
     "Ubuntu Server 16.04 on AMD64 is Tier 1 in " RULES},
    {"Ubuntu Server 18.04 AMD64: Yes", "ubuntu", "18.04", NULL, NULL, AMD64, FS_TIER_1,
     "Ubuntu Server 18.04 on AMD64 is Tier 1 in " RULES},
    /* Tier 1 says No for ARM32v7, Tier 2 says Yes. */
    {"Ubuntu 16.04 ARM32v7: Tier 2", "ubuntu", "16.04", NULL, NULL, ARM32, FS_TIER_2,
     "Ubuntu 16.04 on ARM32v7 is Tier 2 in " RULES ": compatible, not officially supported"},
    {"Ubuntu 18.04 ARM32v7: Tier 2", "ubuntu", "18.04", NULL, NULL, ARM32, FS_TIER_2,
     "Ubuntu 18.04 on ARM32v7 is Tier 2 in " RULES ": compatible, not officially supported"},
    /* Tier 2. */
    {"CentOS 7.5 AMD64", "centos", "7", "centos-release", "CentOS Linux release 7.5.1804 (Core) ",
     AMD64, FS_TIER_2, "CentOS 7.5 on AMD64 is Tier 2"},
    {"CentOS 7.5 ARM32v7", "centos", "7", "centos-release",
     "CentOS Linux release 7.5.1804 (AltArch)", "armv7l", NULL, FS_TIER_2,
     "CentOS 7.5 on ARM32v7 is Tier 2"},
    {"Debian 8 AMD64", "debian", "8", "debian_version", "8.11", AMD64, FS_TIER_2,
     "Debian 8 on AMD64 is Tier 2"},
    {"Debian 8 ARM32v7", "debian", "8", "debian_version", "8.11", ARM32, FS_TIER_2,
     "Debian 8 on ARM32v7 is Tier 2"},
    {"Debian 9 AMD64", "debian", "9", "debian_version", "9.13", AMD64, FS_TIER_2,
     "Debian 9 on AMD64 is Tier 2"},
    {"Debian 9 ARM32v7", "debian", "9", "debian_version", "9.13", ARM32, FS_TIER_2,
     "Debian 9 on ARM32v7 is Tier 2"},
    {"RHEL 7.5 AMD64", "rhel", "7.5", "redhat-release",
     "Red Hat Enterprise Linux Server release 7.5 (Maipo)", AMD64, FS_TIER_2,
     "RHEL 7.5 on AMD64 is Tier 2"},
    {"RHEL 7.5 ARM32v7", "rhel", "7.5", NULL, NULL, "armv7l", NULL, FS_TIER_2,
     "RHEL 7.5 on ARM32v7 is Tier 2"},
    {"Wind River 8 AMD64", "wrlinux", "8.0.0.25", NULL, NULL, AMD64, FS_TIER_2,
     "Wind River 8 on AMD64 is Tier 2"},
    {"Wind River 8 variant ID", "wrlinux-graphics", "8.0.0.30", NULL, NULL, AMD64, FS_TIER_2,
     "Wind River 8 on AMD64 is Tier 2"},
    {"Wind River 8 ARM32v7: No", "wrlinux", "8.0.0.25", NULL, NULL, ARM32, FS_TIER_UNSUPPORTED,
     "Wind River 8 is listed for AMD64 only"},
    {"Yocto AMD64", "poky", "2.6.2", NULL, NULL, AMD64, FS_TIER_2, "Yocto on AMD64 is Tier 2"},
    {"Yocto snapshot AMD64", "poky", "2.5-snapshot-20180731", NULL, NULL, AMD64, FS_TIER_2,
     "Yocto on AMD64 is Tier 2"},
    {"Yocto ARM32v7: No", "poky", "3.0.1", NULL, NULL, ARM32, FS_TIER_UNSUPPORTED,
     "Yocto is listed for AMD64 only"},
    /* Versions the table does not list: a newer minor is not silently the listed one. */
    {"CentOS 7.6", "centos", "7", "centos-release", "CentOS Linux release 7.6.1810 (Core) ", AMD64,
     FS_TIER_UNSUPPORTED, "is not listed in " RULES},
    {"CentOS 7 without its minor", "centos", "7", NULL, NULL, AMD64, FS_TIER_UNKNOWN,
     "but its minor version could not be read"},
    {"RHEL 7.6", "rhel", "7.6", NULL, NULL, AMD64, FS_TIER_UNSUPPORTED, "is not listed in " RULES},
    {"RHEL 8.0", "rhel", "8.0", NULL, NULL, AMD64, FS_TIER_UNSUPPORTED, "is not listed"},
    {"Debian 10", "debian", "10", "debian_version", "10.13", AMD64, FS_TIER_UNSUPPORTED,
     "is not listed"},
    {"Debian 12", "debian", "12", "debian_version", "12.11", AMD64, FS_TIER_UNSUPPORTED,
     "is not listed"},
    {"Ubuntu 20.04", "ubuntu", "20.04", NULL, NULL, AMD64, FS_TIER_UNSUPPORTED, "is not listed"},
    {"Ubuntu 18.10", "ubuntu", "18.10", NULL, NULL, AMD64, FS_TIER_UNSUPPORTED, "is not listed"},
    {"Ubuntu 14.04", "ubuntu", "14.04", NULL, NULL, AMD64, FS_TIER_UNSUPPORTED, "is not listed"},
    {"Wind River 9", "wrlinux", "9.0.0.1", NULL, NULL, AMD64, FS_TIER_UNSUPPORTED, "is not listed"},
    {"Raspbian 10 (buster)", "raspbian", "10", "debian_version", "10.3", ARM32, FS_TIER_UNSUPPORTED,
     "is not listed"},
    {"CBL-Mariner", "mariner", "1.0", NULL, NULL, AMD64, FS_TIER_UNSUPPORTED, "is not listed"},
    {"Ubuntu without VERSION_ID", "ubuntu", NULL, NULL, NULL, AMD64, FS_TIER_UNKNOWN,
     "but its version could not be read"},
    /* Architectures without a column. */
    {"Ubuntu 18.04 ARM64", "ubuntu", "18.04", NULL, NULL, ARM64, FS_TIER_UNSUPPORTED,
     "the matrix has no ARM64 column"},
    {"Debian 9 x86", "debian", "9", NULL, NULL, X86, FS_TIER_UNSUPPORTED,
     "the matrix has no x86 (32-bit) column"},
    {"Raspbian 9 on ARMv6", "raspbian", "9", NULL, NULL, ARMV6, FS_TIER_UNSUPPORTED,
     "the matrix has no ARMv6 column"},
    {"Debian 9 with no architecture", "debian", "9", NULL, NULL, NULL, NULL, FS_TIER_UNKNOWN,
     "but its architecture could not be read"},
    {"Debian 12 with no architecture is still not listed", "debian", "12", NULL, NULL, NULL, NULL,
     FS_TIER_UNSUPPORTED, "is not listed"},
};

static json_t *linux_facts(const char *id, const char *version_id, const char *file,
                           const char *text, const char *machine, const char *dpkg)
{
    json_t *f = json_pack("{s:s, s:{s:s}, s:{s:s}}", "kind", "posix", "os_release", "ID", id,
                          "uname", "os", "Linux");

    assert_non_null(f);
    if (version_id != NULL)
        json_object_set_new(json_object_get(f, "os_release"), "VERSION_ID",
                            json_string(version_id));
    if (file != NULL)
        json_object_set_new(f, "release_files", json_pack("{s:s}", file, text));
    if (machine != NULL)
        json_object_set_new(json_object_get(f, "uname"), "machine", json_string(machine));
    if (dpkg != NULL)
        json_object_set_new(f, "dpkg_arch", json_string(dpkg));
    return f;
}

static void test_linux_matrix(void **state)
{
    for (size_t i = 0; i < sizeof linux_cases / sizeof linux_cases[0]; i++) {
        const struct linux_case *c = &linux_cases[i];
        json_t *f = linux_facts(c->id, c->version_id, c->release_file, c->release_text, c->machine,
                                c->dpkg);
        struct fs_verdict v;

        classify(f, &v, c->name);
        assert_int_equal(v.os_family, FS_OS_LINUX);
        expect_tier(&v, c->want, c->name);
        expect_reason(&v, c->reason, c->name);
        /* Only Tier 1 can be production ready, and this host has no engine facts at all. */
        assert_int_equal(v.production_ready, c->want == FS_TIER_UNKNOWN || c->want == FS_TIER_1
                                                 ? FS_READY_UNKNOWN
                                                 : FS_READY_NO);
        fs_verdict_clear(&v);
        json_decref(f);
    }
}

static void test_precise_versions(void **state)
{
    static const struct {
        const char *id, *version_id, *version, *file, *text, *want;
    } cases[] = {
        {"centos", "7", "7 (Core)", "centos-release", "CentOS Linux release 7.5.1804 (Core) ",
         "7.5.1804"},
        {"debian", "9", "9 (stretch)", "debian_version", "9.13", "9.13"},
        {"raspbian", "9", "9 (stretch)", "debian_version", "9.4", "9.4"},
        /* Ubuntu's debian_version names a Debian codename, not a version. */
        {"ubuntu", "18.04", "18.04.1 LTS (Bionic Beaver)", "debian_version", "buster/sid",
         "18.04.1"},
        {"ubuntu", "16.04", "16.04 LTS (Xenial Xerus)", "debian_version", "stretch/sid", "16.04"},
        {"rhel", "7.5", "7.5 (Maipo)", "redhat-release",
         "Red Hat Enterprise Linux Server release 7.5 (Maipo)", "7.5"},
        /* A release file that contradicts os-release is not believed. */
        {"debian", "9", "9 (stretch)", "debian_version", "10.1", "9"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *f =
            linux_facts(cases[i].id, cases[i].version_id, cases[i].file, cases[i].text, AMD64);
        struct fs_verdict v;

        json_object_set_new(json_object_get(f, "os_release"), "VERSION",
                            json_string(cases[i].version));
        classify(f, &v, cases[i].id);
        assert_string_equal(v.os_version, cases[i].want);
        fs_verdict_clear(&v);
        json_decref(f);
    }
}

/* Without os-release, the release files still name CentOS and RHEL. */
static void test_release_file_without_os_release(void **state)
{
    json_t *f =
        facts_from("{\"kind\":\"posix\",\"uname\":{\"os\":\"Linux\",\"machine\":\"x86_64\"},"
                   "\"release_files\":{\"centos-release\":\"CentOS release 6.10 (Final)\"}}");
    struct fs_verdict v;

    classify(f, &v, "CentOS 6");
    assert_string_equal(v.os_id, "centos");
    assert_string_equal(v.os_version, "6.10");
    assert_string_equal(v.os_name, "CentOS release 6.10 (Final)");
    expect_tier(&v, FS_TIER_UNSUPPORTED, "CentOS 6");
    fs_verdict_clear(&v);
    json_decref(f);
}

/* ---- every cell of the Windows table ---------------------------------------------------- */

struct windows_case {
    const char *name;
    const char *edition;
    long long build;
    const char *arch;
    enum fs_tier want;
    const char *reason;
};

static const struct windows_case windows_cases[] = {
    {"IoT Core 17763 AMD64: Yes", "IoTUAP", 17763, "AMD64", FS_TIER_1_PREVIEW,
     "Windows 10 IoT Core, build 17763 on AMD64 is Tier 1 public preview in " RULES},
    {"IoT Core 17763 ARM32v7: No", "IoTUAP", 17763, "ARM", FS_TIER_UNSUPPORTED,
     "Windows 10 IoT Core, build 17763 is listed for AMD64 only"},
    {"IoT Enterprise 17763 AMD64: Yes", "IoTEnterprise", 17763, "AMD64", FS_TIER_1_PREVIEW,
     "Windows 10 IoT Enterprise, build 17763 on AMD64 is Tier 1 public preview"},
    {"IoT Enterprise LTSC (EnterpriseS) 17763 AMD64", "EnterpriseS", 17763, "AMD64",
     FS_TIER_1_PREVIEW, "the registry alone cannot tell them apart"},
    {"IoT Enterprise 17763 ARM32v7: No", "EnterpriseS", 17763, "ARM", FS_TIER_UNSUPPORTED,
     "is listed for AMD64 only"},
    {"Server 2019 Standard AMD64: Yes", "ServerStandard", 17763, "AMD64", FS_TIER_1_PREVIEW,
     "Windows Server 2019 on AMD64 is Tier 1 public preview"},
    {"Server 2019 Datacenter AMD64: Yes", "ServerDatacenter", 17763, "AMD64", FS_TIER_1_PREVIEW,
     "Windows Server 2019 on AMD64 is Tier 1 public preview"},
    {"Server 2019 ARM32v7: No", "ServerStandard", 17763, "ARM", FS_TIER_UNSUPPORTED,
     "Windows Server 2019 is listed for AMD64 only"},
    {"Server 2019 on ARM64: no column", "ServerStandard", 17763, "ARM64", FS_TIER_UNSUPPORTED,
     "the matrix has no ARM64 column"},
    {"IoT Core x86: no column", "IoTUAP", 17763, "x86", FS_TIER_UNSUPPORTED,
     "the matrix has no x86 (32-bit) column"},
    {"Server 2016 (14393): development only", "ServerStandard", 14393, "AMD64", FS_TIER_UNSUPPORTED,
     "can run Linux containers for development and testing only"},
    {"IoT Core 1803 (17134)", "IoTUAP", 17134, "AMD64", FS_TIER_UNSUPPORTED, "is not listed"},
    {"Windows 10 Pro 1809", "Professional", 17763, "AMD64", FS_TIER_UNSUPPORTED, "is not listed"},
    {"edition unreadable", NULL, 17763, "AMD64", FS_TIER_UNKNOWN,
     "but its edition could not be read"},
    {"build unreadable", "IoTUAP", 0, "AMD64", FS_TIER_UNKNOWN, "but its build could not be read"},
    {"nothing readable", NULL, 0, NULL, FS_TIER_UNKNOWN, "neither ver nor reg query"},
};

static json_t *windows_facts(const char *edition, long long build, const char *arch)
{
    json_t *f = json_pack("{s:s, s:{s:s}}", "kind", "windows", "windows", "product_name",
                          "Windows test host");
    json_t *win = json_object_get(f, "windows");

    if (edition != NULL)
        json_object_set_new(win, "edition_id", json_string(edition));
    if (build != 0)
        json_object_set_new(win, "current_build", json_integer(build));
    if (arch != NULL)
        json_object_set_new(win, "processor_architecture", json_string(arch));
    return f;
}

static void test_windows_matrix(void **state)
{
    for (size_t i = 0; i < sizeof windows_cases / sizeof windows_cases[0]; i++) {
        const struct windows_case *c = &windows_cases[i];
        json_t *f = windows_facts(c->edition, c->build, c->arch);
        struct fs_verdict v;

        classify(f, &v, c->name);
        assert_int_equal(v.os_family, FS_OS_WINDOWS);
        assert_string_equal(v.os_id, "windows");
        expect_tier(&v, c->want, c->name);
        expect_reason(&v, c->reason, c->name);
        /* Nothing on Windows is production ready in 2019-03: Tier 1 there is a preview. */
        assert_int_not_equal(v.production_ready, FS_READY_YES);
        fs_verdict_clear(&v);
        json_decref(f);
    }
}

/* ---- architecture of the userland ------------------------------------------------------- */

struct arch_case {
    const char *name;
    const char *facts; /* added to a Raspbian 9 host */
    enum fs_arch_class want;
    const char *reason;
};

static const struct arch_case arch_cases[] = {
    {"64-bit kernel, dpkg armhf",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"aarch64\"},"
     "\"dpkg_arch\":\"armhf\"",
     FS_ARCH_ARM32V7, "The kernel is 64-bit (aarch64) but the userland is 32-bit (armhf)"},
    {"64-bit kernel, LONG_BIT 32",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"aarch64\"},"
     "\"long_bit\":32",
     FS_ARCH_ARM32V7, "containers run ARM32v7 images"},
    {"64-bit kernel, 32-bit ELF",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"aarch64\"},"
     "\"elf\":{\"class\":32,\"machine\":40}",
     FS_ARCH_ARM32V7, "userland is 32-bit"},
    {"arm64 all the way",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"aarch64\"},"
     "\"dpkg_arch\":\"arm64\"",
     FS_ARCH_ARM64, NULL},
    {"x86 userland on x86_64",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"x86_64\"},"
     "\"dpkg_arch\":\"i386\"",
     FS_ARCH_X86, "userland is 32-bit (i386)"},
    {"i686", "\"uname\":{\"os\":\"Linux\",\"machine\":\"i686\"}", FS_ARCH_X86, NULL},
    {"Pi 1 Model B+ says armv7l in a chroot",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"armv7l\"},"
     "\"dpkg_arch\":\"armhf\",\"device_model\":"
     "\"Raspberry Pi Model B Plus Rev 1.2\"",
     FS_ARCH_ARM32V6, "Raspberry Pi Model B Plus is ARMv6: no ARM32v7 build"},
    {"Pi Zero W",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"armv6l\"},\"dpkg_arch\":\"armhf\","
     "\"device_model\":\"Raspberry Pi Zero W Rev 1.1\"",
     FS_ARCH_ARM32V6, "Raspberry Pi Zero W is ARMv6: no ARM32v7 build"},
    {"Pi Zero 2 W is ARMv8",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"armv7l\"},"
     "\"dpkg_arch\":\"armhf\",\"device_model\":\"Raspberry Pi Zero 2 W "
     "Rev 1.0\"",
     FS_ARCH_ARM32V7, NULL},
    {"cpuinfo ARMv6 without a model",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"armv7l\"},"
     "\"dpkg_arch\":\"armhf\",\"cpu\":{\"model_name\":"
     "\"ARMv6-compatible processor rev 7 (v6l)\"}",
     FS_ARCH_ARM32V6, "The CPU (ARMv6-compatible processor rev 7 (v6l)) is ARMv6"},
    {"ARM1176 part number",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"armv7l\"},"
     "\"dpkg_arch\":\"armhf\",\"cpu\":{\"part\":\"0xb76\"}",
     FS_ARCH_ARM32V6, "is ARMv6"},
    {"ARMv7 without NEON",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"armv7l\"},"
     "\"dpkg_arch\":\"armhf\",\"cpu\":{\"neon\":false}",
     FS_ARCH_ARM32V7, "reports no NEON"},
    {"armel userland",
     "\"uname\":{\"os\":\"Linux\",\"machine\":\"armv7l\"},\"dpkg_arch\":\"armel\"", FS_ARCH_OTHER,
     NULL},
    {"riscv64", "\"uname\":{\"os\":\"Linux\",\"machine\":\"riscv64\"}", FS_ARCH_OTHER, NULL},
    {"nothing", "\"uname\":{\"os\":\"Linux\"}", FS_ARCH_UNKNOWN, NULL},
};

static void test_arch(void **state)
{
    for (size_t i = 0; i < sizeof arch_cases / sizeof arch_cases[0]; i++) {
        char text[1024];
        json_t *f;
        struct fs_verdict v;

        snprintf(
            text, sizeof text,
            "{\"kind\":\"posix\",\"os_release\":{\"ID\":\"raspbian\",\"VERSION_ID\":\"9\"},%s}",
            arch_cases[i].facts);
        f = facts_from(text);
        classify(f, &v, arch_cases[i].name);
        if (v.arch_class != arch_cases[i].want)
            fail_msg("%s: arch_class %s, want %s", arch_cases[i].name,
                     fs_arch_class_name(v.arch_class), fs_arch_class_name(arch_cases[i].want));
        expect_reason(&v, arch_cases[i].reason, arch_cases[i].name);
        fs_verdict_clear(&v);
        json_decref(f);
    }
}

/* ---- container engines and production readiness ---------------------------------------- */

struct engine_case {
    const char *name;
    const char *engine; /* facts.engine as JSON, or NULL for none */
    const char *want_engine;
    const char *want_version;
    enum fs_engine_support want_support;
    enum fs_ready want_ready; /* on a Tier 1 host (Ubuntu 18.04, AMD64) */
    const char *reason;
};

#define PKG(n, v)  "{\"name\":\"" n "\",\"version\":\"" v "\",\"source\":\"dpkg\"}"
#define DPKG(list) "{\"databases\":[\"dpkg\"],\"commands\":[],\"packages\":[" list "]}"
#define DOCKER(d)                                                                                  \
    "{\"databases\":[],\"packages\":[],\"commands\":[\"/usr/bin/docker\"],\"docker\":" d "}"

static const struct engine_case engine_cases[] = {
    {"moby-engine package", DPKG(PKG("moby-cli", "3.0.5") "," PKG("moby-engine", "3.0.5")),
     "moby-engine", "3.0.5", FS_ENGINE_RECOMMENDED, FS_READY_YES,
     "Production ready in " RULES ": Tier 1 (generally available) with moby-engine"},
    {"moby-engine wins over docker-ce",
     DPKG(PKG("docker-ce", "18.09.1") "," PKG("moby-engine", "3.0.5")), "moby-engine", "3.0.5",
     FS_ENGINE_RECOMMENDED, FS_READY_YES, NULL},
    {"docker-ce package", DPKG(PKG("docker-ce", "5:18.09.1~3-0~ubuntu-bionic")), "docker-ce",
     "5:18.09.1~3-0~ubuntu-bionic", FS_ENGINE_BEST_EFFORT, FS_READY_NO,
     "Docker CE: best-effort support, moby-engine is recommended for production"},
    {"docker-ee package", DPKG(PKG("docker-ee", "3:18.09.2~3-0~ubuntu-bionic")), "docker-ee", NULL,
     FS_ENGINE_BEST_EFFORT, FS_READY_NO, "Docker EE: best-effort support"},
    {"docker.io package", DPKG(PKG("docker.io", "18.09.7-0ubuntu1~18.04.4")), "docker.io", NULL,
     FS_ENGINE_BEST_EFFORT, FS_READY_NO,
     "Tier 1 needs moby-engine in " RULES ", and this host has docker.io"},
    {"podman package", DPKG(PKG("podman", "100:3.4.2-5")), "podman", NULL, FS_ENGINE_UNSUPPORTED,
     FS_READY_NO, "Podman: not a supported container engine"},
    {"only the CLI and containerd",
     DPKG(PKG("moby-cli", "3.0.5") "," PKG("containerd.io", "1.2.6")), NULL, NULL,
     FS_ENGINE_MISSING, FS_READY_NO, "No container engine found"},
    {"nothing installed", DPKG(""), NULL, NULL, FS_ENGINE_MISSING, FS_READY_NO,
     "No container engine found"},
    {"moby by its version", DOCKER("{\"server_version\":\"3.0.5\"}"), "moby-engine", "3.0.5",
     FS_ENGINE_RECOMMENDED, FS_READY_YES, NULL},
    {"moby by +azure", DOCKER("{\"server_version\":\"19.03.12+azure\"}"), "moby-engine", NULL,
     FS_ENGINE_RECOMMENDED, FS_READY_YES, NULL},
    {"moby 20.10 by +azure", DOCKER("{\"server_version\":\"20.10.25+azure-1\"}"), "moby-engine",
     NULL, FS_ENGINE_RECOMMENDED, FS_READY_YES, NULL},
    {"Docker CE by platform",
     DOCKER("{\"server_version\":\"18.09.2\",\"server_platform\":\"Docker "
            "Engine - Community\"}"),
     "docker-ce", "18.09.2", FS_ENGINE_BEST_EFFORT, FS_READY_NO, NULL},
    {"Docker CE by -ce", DOCKER("{\"server_version\":\"17.03.1-ce\"}"), "docker-ce", NULL,
     FS_ENGINE_BEST_EFFORT, FS_READY_NO, NULL},
    {"Docker EE by -ee", DOCKER("{\"server_version\":\"17.03.2-ee-5\"}"), "docker-ee", NULL,
     FS_ENGINE_BEST_EFFORT, FS_READY_NO, NULL},
    {"Docker 1.x is not moby", DOCKER("{\"server_version\":\"1.13.1\"}"), "docker", "1.13.1",
     FS_ENGINE_BEST_EFFORT, FS_READY_NO, NULL},
    {"unnamed Docker", DOCKER("{\"server_version\":\"20.10.7\"}"), "docker", NULL,
     FS_ENGINE_BEST_EFFORT, FS_READY_NO, "Docker (not moby-engine): best-effort support"},
    {"podman behind the docker command", DOCKER("{\"client_version\":\"3.4.2\",\"podman\":true}"),
     "podman", NULL, FS_ENGINE_UNSUPPORTED, FS_READY_NO, NULL},
    {"daemon refused the probing user",
     DOCKER("{\"client_version\":\"18.09.7\",\"messages\":[\"Got permission denied while trying to "
            "connect to the Docker daemon socket\"]}"),
     NULL, NULL, FS_ENGINE_UNKNOWN, FS_READY_UNKNOWN,
     "The container engine could not be read: Got permission denied"},
    {"podman command only", "{\"databases\":[],\"packages\":[],\"commands\":[\"/usr/bin/podman\"]}",
     "podman", NULL, FS_ENGINE_UNSUPPORTED, FS_READY_NO, NULL},
    {"no engine section", NULL, NULL, NULL, FS_ENGINE_UNKNOWN, FS_READY_UNKNOWN,
     "the probe output has no engine section"},
};

static void test_engines(void **state)
{
    for (size_t i = 0; i < sizeof engine_cases / sizeof engine_cases[0]; i++) {
        const struct engine_case *c = &engine_cases[i];
        json_t *f = linux_facts("ubuntu", "18.04", NULL, NULL, AMD64);
        struct fs_verdict v;

        if (c->engine != NULL)
            json_object_set_new(f, "engine", facts_from(c->engine));
        classify(f, &v, c->name);
        expect_tier(&v, FS_TIER_1, c->name);
        if (c->want_engine == NULL
                ? v.container_engine != NULL
                : v.container_engine == NULL || strcmp(v.container_engine, c->want_engine) != 0)
            fail_msg("%s: engine %s, want %s", c->name, v.container_engine,
                     c->want_engine ? c->want_engine : "none");
        if (c->want_version != NULL)
            assert_string_equal(v.engine_version, c->want_version);
        if (v.engine_support != c->want_support || v.production_ready != c->want_ready)
            fail_msg("%s: %s / %s, want %s / %s", c->name, fs_engine_support_name(v.engine_support),
                     fs_ready_name(v.production_ready), fs_engine_support_name(c->want_support),
                     fs_ready_name(c->want_ready));
        expect_reason(&v, c->reason, c->name);
        fs_verdict_clear(&v);
        json_decref(f);
    }
}

static void test_windows_engines(void **state)
{
    static const struct {
        const char *engine;
        enum fs_engine_support want;
        const char *reason;
    } cases[] = {
        {"{\"services\":{\"iotedge-moby\":\"RUNNING\",\"docker\":\"absent\"}}",
         FS_ENGINE_RECOMMENDED, "moby-engine: the container engine Microsoft recommends"},
        {"{\"services\":{\"iotedge-moby\":\"absent\",\"docker\":\"absent\"}}", FS_ENGINE_MISSING,
         "No container engine found"},
        {"{\"services\":{\"iotedge-moby\":\"absent\",\"docker\":\"RUNNING\"},\"docker\":{"
         "\"server_platform\":\"Docker Engine - Enterprise\",\"server_version\":\"18.09.6\"}}",
         FS_ENGINE_BEST_EFFORT, "Docker EE: best-effort support"},
        {"{\"services\":{\"iotedge-moby\":\"absent\"}}", FS_ENGINE_UNKNOWN,
         "services could not be queried"},
        {"{\"services\":{}}", FS_ENGINE_UNKNOWN, "services could not be queried"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *f = windows_facts("IoTUAP", 17763, "AMD64");
        struct fs_verdict v;

        json_object_set_new(f, "engine", facts_from(cases[i].engine));
        classify(f, &v, cases[i].engine);
        expect_tier(&v, FS_TIER_1_PREVIEW, cases[i].engine);
        if (v.engine_support != cases[i].want)
            fail_msg("%s: %s", cases[i].engine, fs_engine_support_name(v.engine_support));
        expect_reason(&v, cases[i].reason, cases[i].engine);
        assert_int_equal(v.production_ready, FS_READY_NO);
        fs_verdict_clear(&v);
        json_decref(f);
    }
}

static void test_production_ready(void **state)
{
    static const struct {
        const char *name, *id, *version, *file, *text, *machine, *dpkg;
        enum fs_ready want;
        const char *reason;
    } cases[] = {
        {"Tier 1 + moby", "raspbian", "9", NULL, NULL, ARM32, FS_READY_YES, "Production ready"},
        {"Tier 2 + moby", "debian", "9", NULL, NULL, AMD64, FS_READY_NO,
         "only Tier 1 (generally available) systems are production systems"},
        {"unsupported + moby", "debian", "12", NULL, NULL, AMD64, FS_READY_NO,
         "Not production ready"},
        {"unknown tier + moby", "centos", "7", NULL, NULL, AMD64, FS_READY_UNKNOWN,
         "Production readiness is unknown because the tier is unknown"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *f = linux_facts(cases[i].id, cases[i].version, cases[i].file, cases[i].text,
                                cases[i].machine, cases[i].dpkg);
        struct fs_verdict v;

        json_object_set_new(f, "engine", facts_from(DPKG(PKG("moby-engine", "3.0.5"))));
        classify(f, &v, cases[i].name);
        assert_int_equal(v.engine_support, FS_ENGINE_RECOMMENDED);
        if (v.production_ready != cases[i].want)
            fail_msg("%s: production_ready %s", cases[i].name, fs_ready_name(v.production_ready));
        expect_reason(&v, cases[i].reason, cases[i].name);
        fs_verdict_clear(&v);
        json_decref(f);
    }
}

/* ---- hosts that cannot be identified ---------------------------------------------------- */

static void test_unknown_hosts(void **state)
{
    static const struct {
        const char *facts;
        enum fs_os_family family;
        const char *reason;
    } cases[] = {
        {"[]", FS_OS_UNKNOWN, "No probe facts"},
        {"{}", FS_OS_UNKNOWN, "neither uname nor os-release identified"},
        {"{\"kind\":\"posix\",\"probe\":1}", FS_OS_UNKNOWN, "neither uname nor os-release"},
        {"{\"kind\":\"posix\",\"uname\":{\"os\":\"Linux\",\"machine\":\"x86_64\"}}", FS_OS_LINUX,
         "the distribution cannot be identified"},
        {"{\"kind\":\"windows\",\"windows\":{}}", FS_OS_WINDOWS, "neither ver nor reg query"},
        {"{\"kind\":5,\"os_release\":\"x\",\"uname\":[1],\"engine\":\"y\",\"cpu\":7,"
         "\"windows\":3,\"release_files\":null,\"elf\":{\"class\":\"64\"}}",
         FS_OS_UNKNOWN, "neither uname nor os-release"},
    };
    struct fs_verdict v;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *f = facts_from(cases[i].facts);
        classify(f, &v, cases[i].facts);
        assert_int_equal(v.os_family, cases[i].family);
        expect_tier(&v, FS_TIER_UNKNOWN, cases[i].facts);
        assert_int_equal(v.production_ready, FS_READY_UNKNOWN);
        expect_reason(&v, cases[i].reason, cases[i].facts);
        fs_verdict_clear(&v);
        json_decref(f);
    }
    classify(NULL, &v, "NULL facts");
    assert_int_equal(v.os_family, FS_OS_UNKNOWN);
    expect_tier(&v, FS_TIER_UNKNOWN, "NULL facts");
    fs_verdict_clear(&v);
}

static void test_other_family(void **state)
{
    json_t *f = facts_from("{\"kind\":\"posix\",\"uname\":{\"os\":\"Darwin\",\"machine\":\"arm64\","
                           "\"kernel\":\"23.1.0\"}}");
    struct fs_verdict v;

    classify(f, &v, "macOS");
    assert_int_equal(v.os_family, FS_OS_OTHER);
    assert_string_equal(v.os_id, "Darwin");
    expect_tier(&v, FS_TIER_UNSUPPORTED, "macOS");
    expect_reason(&v, "is neither Linux nor Windows", "macOS");
    fs_verdict_clear(&v);
    json_decref(f);
}

/* ---- virtualization --------------------------------------------------------------------- */

static void test_virtualization(void **state)
{
    static const struct {
        const char *virt;
        const char *want;
        const char *note;
    } cases[] = {
        {"{\"detect_virt\":\"kvm\"}", "kvm", "virtual machine (kvm)"},
        {"{\"product_name\":\"Virtual Machine\",\"sys_vendor\":\"Microsoft Corporation\"}",
         "microsoft", "virtual machine (microsoft)"},
        {"{\"product_name\":\"VMware Virtual Platform\",\"sys_vendor\":\"VMware, Inc.\"}", "vmware",
         "virtual machine (vmware)"},
        {"{\"product_name\":\"Surface Pro\",\"sys_vendor\":\"Microsoft Corporation\"}", "none",
         NULL},
        {"{\"product_name\":\"Default string\",\"sys_vendor\":\"Default string\"}", "none", NULL},
        {"{\"detect_virt\":\"none\",\"sys_vendor\":\"QEMU\"}", "none", NULL},
        {"{\"detect_virt\":\"docker\"}", "docker", "inside a container (docker)"},
        {"{}", NULL, NULL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *f = linux_facts("debian", "9", NULL, NULL, AMD64);
        struct fs_verdict v;

        json_object_set_new(f, "virtualization", facts_from(cases[i].virt));
        classify(f, &v, cases[i].virt);
        if (cases[i].want == NULL)
            assert_null(v.virtualization);
        else
            assert_string_equal(v.virtualization, cases[i].want);
        if (cases[i].note != NULL && !ptu_list_has(v.notes, cases[i].note))
            fail_msg("%s: no note \"%s\"", cases[i].virt, cases[i].note);
        /* The seed accepts VMs of the matching family: the tier does not change. */
        expect_tier(&v, FS_TIER_2, cases[i].virt);
        fs_verdict_clear(&v);
        json_decref(f);
    }
}

/* ---- real-world answers, parsed and classified ------------------------------------------ */

struct device_case {
    const char *file;
    bool windows;
    enum fs_os_family family;
    const char *os_id, *os_version, *os_name;
    enum fs_arch_class arch;
    enum fs_tier tier;
    const char *engine;
    enum fs_engine_support support;
    enum fs_ready ready;
    const char *reasons[3];
};

static const struct device_case devices[] = {
    {"fixtures/linux/raspbian9-pi3-moby.txt",
     false,
     FS_OS_LINUX,
     "raspbian",
     "9.8",
     "Raspbian GNU/Linux 9 (stretch)",
     FS_ARCH_ARM32V7,
     FS_TIER_1,
     "moby-engine",
     FS_ENGINE_RECOMMENDED,
     /* Raspbian disables the memory cgroup unless cmdline.txt enables it: Microsoft's check
        failed such boards, so Tier 1 with moby-engine is still not production ready. */
     FS_READY_NO,
     {"Raspbian-stretch on ARM32v7 is Tier 1",
      "Prerequisite failed: cgroup v1 controller memory not enabled",
      "Not production ready: 1 prerequisite failed"}},
    {"fixtures/linux/raspbian9-pizero-w.txt",
     false,
     FS_OS_LINUX,
     "raspbian",
     "9.8",
     "Raspbian GNU/Linux 9 (stretch)",
     FS_ARCH_ARM32V6,
     FS_TIER_UNSUPPORTED,
     NULL,
     FS_ENGINE_MISSING,
     FS_READY_NO,
     {"Raspberry Pi Zero W is ARMv6: no ARM32v7 build", NULL}},
    {"fixtures/linux/raspbian9-pi3-arm64-kernel.txt",
     false,
     FS_OS_LINUX,
     "raspbian",
     "9.11",
     "Raspbian GNU/Linux 9 (stretch)",
     FS_ARCH_ARM32V7,
     FS_TIER_1,
     "moby-engine",
     FS_ENGINE_RECOMMENDED,
     FS_READY_NO, /* the memory cgroup is disabled, as Raspbian ships it */
     {"The kernel is 64-bit (aarch64) but the userland is 32-bit (armhf)",
      "Prerequisite failed: cgroup v1 controller memory not enabled", NULL}},
    {"fixtures/linux/ubuntu1604-amd64-dockerce.txt",
     false,
     FS_OS_LINUX,
     "ubuntu",
     "16.04.5",
     "Ubuntu 16.04.5 LTS",
     FS_ARCH_AMD64,
     FS_TIER_1,
     "docker-ce",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"Docker CE: best-effort support, moby-engine is recommended for production",
      "Ubuntu Server 16.04 on AMD64 is Tier 1", "does not tell Ubuntu Server from Ubuntu Desktop"}},
    {"fixtures/linux/ubuntu1804-amd64-moby-azure.txt",
     false,
     FS_OS_LINUX,
     "ubuntu",
     "18.04.2",
     "Ubuntu 18.04.2 LTS",
     FS_ARCH_AMD64,
     FS_TIER_1,
     "moby-engine",
     FS_ENGINE_RECOMMENDED,
     FS_READY_YES,
     {"Virtual machine (microsoft)", "Production ready", NULL}},
    {"fixtures/linux/ubuntu1804-armhf-dockerio.txt",
     false,
     FS_OS_LINUX,
     "ubuntu",
     "18.04.2",
     "Ubuntu 18.04.2 LTS",
     FS_ARCH_ARM32V7,
     FS_TIER_2,
     "docker.io",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"Ubuntu 18.04 on ARM32v7 is Tier 2 in " RULES ": compatible, not officially supported",
      NULL}},
    {"fixtures/linux/ubuntu1804-amd64-podman.txt",
     false,
     FS_OS_LINUX,
     "ubuntu",
     "18.04.2",
     "Ubuntu 18.04.2 LTS",
     FS_ARCH_AMD64,
     FS_TIER_1,
     "podman",
     FS_ENGINE_UNSUPPORTED,
     FS_READY_NO,
     {"Podman", NULL}},
    {"fixtures/linux/debian8-amd64-kvm.txt",
     false,
     FS_OS_LINUX,
     "debian",
     "8.11",
     "Debian GNU/Linux 8 (jessie)",
     FS_ARCH_AMD64,
     FS_TIER_2,
     NULL,
     FS_ENGINE_MISSING,
     FS_READY_NO,
     {"Debian 8 on AMD64 is Tier 2", "Virtual machine (kvm)", NULL}},
    {"fixtures/linux/debian9-armhf-beaglebone.txt",
     false,
     FS_OS_LINUX,
     "debian",
     "9.13",
     "Debian GNU/Linux 9 (stretch)",
     FS_ARCH_ARM32V7,
     FS_TIER_2,
     "docker-ce",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"Debian 9 on ARM32v7 is Tier 2", NULL}},
    {"fixtures/linux/centos75-amd64-dockerce.txt",
     false,
     FS_OS_LINUX,
     "centos",
     "7.5.1804",
     "CentOS Linux 7 (Core)",
     FS_ARCH_AMD64,
     FS_TIER_2,
     "docker-ce",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"CentOS 7.5 on AMD64 is Tier 2", NULL}},
    {"fixtures/linux/rhel75-amd64-docker.txt",
     false,
     FS_OS_LINUX,
     "rhel",
     "7.5",
     "Red Hat Enterprise Linux Server 7.5 (Maipo)",
     FS_ARCH_AMD64,
     FS_TIER_2,
     "docker",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"RHEL 7.5 on AMD64 is Tier 2", NULL}},
    {"fixtures/linux/wrlinux8-amd64.txt",
     false,
     FS_OS_LINUX,
     "wrlinux",
     "8.0.0.25",
     "Wind River Linux 8.0.0.25",
     FS_ARCH_AMD64,
     FS_TIER_2,
     NULL,
     FS_ENGINE_MISSING,
     FS_READY_NO,
     {"Wind River 8 on AMD64 is Tier 2", NULL}},
    {"fixtures/linux/poky-thud-qemux86-64.txt",
     false,
     FS_OS_LINUX,
     "poky",
     "2.6.2",
     "Poky (Yocto Project Reference Distro) 2.6.2 (thud)",
     FS_ARCH_AMD64,
     FS_TIER_2,
     "docker",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"Yocto on AMD64 is Tier 2", "Virtual machine (qemu)"}},
    {"fixtures/linux/freebsd13-amd64.txt",
     false,
     FS_OS_OTHER,
     "freebsd",
     "13.2",
     "FreeBSD 13.2-RELEASE",
     FS_ARCH_AMD64,
     FS_TIER_UNSUPPORTED,
     NULL,
     FS_ENGINE_MISSING,
     FS_READY_NO,
     {"is neither Linux nor Windows", NULL}},
    {"fixtures/windows/iotcore-17763-amd64-cmd.txt",
     true,
     FS_OS_WINDOWS,
     "windows",
     "10.0.17763.557",
     "IoTUAP",
     FS_ARCH_AMD64,
     FS_TIER_1_PREVIEW,
     "moby-engine",
     FS_ENGINE_RECOMMENDED,
     FS_READY_NO,
     {"Windows 10 IoT Core, build 17763 on AMD64 is Tier 1 public preview", NULL}},
    {"fixtures/windows/iot-enterprise-ltsc2019-cmd.txt",
     true,
     FS_OS_WINDOWS,
     "windows",
     "10.0.17763.615",
     "Windows 10 Enterprise LTSC 2019",
     FS_ARCH_AMD64,
     FS_TIER_1_PREVIEW,
     "moby-engine",
     FS_ENGINE_RECOMMENDED,
     FS_READY_NO,
     {"the registry alone cannot tell them apart", NULL}},
    {"fixtures/windows/server2019-core-dockeree-cmd.txt",
     true,
     FS_OS_WINDOWS,
     "windows",
     "10.0.17763.557",
     "Windows Server 2019 Datacenter",
     FS_ARCH_AMD64,
     FS_TIER_1_PREVIEW,
     "docker-ee",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"Windows Server 2019 on AMD64 is Tier 1 public preview", "Docker EE: best-effort", NULL}},
    {"fixtures/windows/win10pro-1809-dockerdesktop-cmd.txt",
     true,
     FS_OS_WINDOWS,
     "windows",
     "10.0.17763.379",
     "Windows 10 Pro",
     FS_ARCH_AMD64,
     FS_TIER_UNSUPPORTED,
     "docker-ce",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"supports only process-isolated Windows containers", "is not listed", NULL}},
    {"fixtures/windows/win10-ltsb2016-14393-powershell.txt",
     true,
     FS_OS_WINDOWS,
     "windows",
     "10.0.14393.2248",
     "Windows 10 Enterprise 2016 LTSB",
     FS_ARCH_AMD64,
     FS_TIER_UNSUPPORTED,
     "docker-ce",
     FS_ENGINE_BEST_EFFORT,
     FS_READY_NO,
     {"on Windows that is for development and testing only", NULL}},
    {"fixtures/windows/server2019-bare-ver-reg.txt",
     true,
     FS_OS_WINDOWS,
     "windows",
     "10.0.17763.973",
     "Windows Server 2019 Standard",
     FS_ARCH_UNKNOWN,
     FS_TIER_UNKNOWN,
     NULL,
     FS_ENGINE_UNKNOWN,
     FS_READY_UNKNOWN,
     {"but its architecture could not be read", NULL}},
};

static void check_device(const struct device_case *c)
{
    size_t len;
    char *out = ptu_read_fixture(c->file, &len);
    json_t *facts = c->windows ? fs_probe_parse_windows(out, len) : fs_probe_parse_linux(out, len);
    struct fs_verdict v;

    classify(facts, &v, c->file);
    assert_int_equal(v.os_family, c->family);
    assert_string_equal(v.os_id, c->os_id);
    assert_string_equal(v.os_version, c->os_version);
    assert_string_equal(v.os_name, c->os_name);
    if (v.arch_class != c->arch)
        fail_msg("%s: arch_class %s", c->file, fs_arch_class_name(v.arch_class));
    expect_tier(&v, c->tier, c->file);
    if (c->engine == NULL ? v.container_engine != NULL
                          : v.container_engine == NULL || strcmp(v.container_engine, c->engine))
        fail_msg("%s: engine %s", c->file, v.container_engine);
    if (v.engine_support != c->support || v.production_ready != c->ready)
        fail_msg("%s: %s / %s", c->file, fs_engine_support_name(v.engine_support),
                 fs_ready_name(v.production_ready));
    for (size_t i = 0; i < 3 && c->reasons[i] != NULL; i++)
        expect_reason(&v, c->reasons[i], c->file);
    assert_true(json_array_size(v.notes) > 0);
    fs_verdict_clear(&v);
    json_decref(facts);
    free(out);
}

static void test_devices(void **state)
{
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
        check_device(&devices[i]);
}

/*
 * Classifying into a verdict that already holds an answer replaces its fields and adds to its
 * notes and reasons (the scanner may have noted something of its own); after
 * fs_verdict_clear, whose arrays are NULL, classification starts afresh.
 */
static void test_verdict_reuse(void **state)
{
    json_t *a = linux_facts("ubuntu", "18.04", NULL, NULL, AMD64);
    json_t *b = linux_facts("debian", "12", NULL, NULL, ARM64);
    struct fs_verdict v;

    json_object_set_new(a, "engine", facts_from(DPKG(PKG("moby-engine", "3.0.5"))));
    json_object_set_new(a, "virtualization", facts_from("{\"detect_virt\":\"kvm\"}"));
    classify(a, &v, "first");
    assert_string_equal(v.container_engine, "moby-engine");
    assert_int_equal(fs_classify(b, &v), 0);
    /* Nothing of the first answer survives in the fields. */
    assert_null(v.container_engine);
    assert_null(v.engine_version);
    assert_null(v.virtualization);
    assert_int_equal(v.engine_support, FS_ENGINE_UNKNOWN);
    assert_string_equal(v.os_id, "debian");
    assert_string_equal(v.arch, "aarch64");
    assert_int_equal(v.arch_class, FS_ARCH_ARM64);
    expect_tier(&v, FS_TIER_UNSUPPORTED, "second");
    expect_reason(&v, "Ubuntu Server 18.04 on AMD64 is Tier 1", "second");
    expect_reason(&v, "is not listed", "second");
    fs_verdict_clear(&v);
    assert_null(v.notes);
    assert_int_equal(fs_classify(a, &v), 0);
    expect_tier(&v, FS_TIER_1, "after clear");
    assert_false(ptu_list_has(v.reasons, "is not listed"));
    fs_verdict_clear(&v);
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_matrix),
        cmocka_unit_test(test_precise_versions),
        cmocka_unit_test(test_release_file_without_os_release),
        cmocka_unit_test(test_windows_matrix),
        cmocka_unit_test(test_arch),
        cmocka_unit_test(test_engines),
        cmocka_unit_test(test_windows_engines),
        cmocka_unit_test(test_production_ready),
        cmocka_unit_test(test_unknown_hosts),
        cmocka_unit_test(test_other_family),
        cmocka_unit_test(test_virtualization),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_verdict_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
