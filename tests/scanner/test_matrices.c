/*
 * Every built-in rule set, row by row: a hand-written table of systems, each naming the rule
 * set, what the device says (os-release ID, version and NAME, or Windows EditionID and build)
 * and its architecture, and the tier and row it must land on. After the table has run, every
 * row of every built-in matrix must have been landed on by some case, so a row added to a rule
 * file without a case here fails the test. Then what the later matrices changed (precision
 * "CentOS-7", dropped rows, EFLOW), vendor Yocto builds and the prerequisite thresholds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_test_util.h"
#include "scanner/probe.h"
#include "scanner/rules.h"

#define R1903 "azure-iot-edge-2019-03"
#define R1908 "azure-iot-edge-2019-08"
#define R2006 "azure-iot-edge-2020-06"
#define R2102 "azure-iot-edge-2021-02"
#define R2305 "azure-iot-edge-2023-05"

enum arch { AMD64, ARM32, ARM64, X86 };

struct mcase {
    const char *rules;
    bool windows;
    const char *id;      /* os-release ID, or Windows EditionID */
    const char *version; /* os-release VERSION_ID, or Windows CurrentBuild */
    const char *name;    /* os-release NAME, or NULL */
    enum arch arch;
    enum fs_tier tier;
    const char *row; /* the row's label, or NULL for no row */
};

#define L(rules, id, ver, arch, tier, row)                                                         \
    {                                                                                              \
        rules, false, id, ver, NULL, arch, tier, row                                               \
    }
#define LN(rules, id, ver, name, arch, tier, row)                                                  \
    {                                                                                              \
        rules, false, id, ver, name, arch, tier, row                                               \
    }
#define W(rules, ed, build, arch, tier, row)                                                       \
    {                                                                                              \
        rules, true, ed, build, NULL, arch, tier, row                                              \
    }

#define T1 FS_TIER_1
#define TP FS_TIER_1_PREVIEW
#define T2 FS_TIER_2
#define NO FS_TIER_UNSUPPORTED

#define W17  "Windows 10 IoT Enterprise, build 17763"
#define S19  "Windows Server 2019 / Windows Server IoT 2019, build 17763"
#define EF1  "Windows 10 Pro, Enterprise, IoT Enterprise (IoT Edge for Linux on Windows)"
#define MELF "Mentor Embedded Linux Flex OS"
#define MELO "Mentor Embedded Linux Omni OS"

static const struct mcase cases[] = {
    /* 2019-03, the seed. */
    L(R1903, "raspbian", "9", ARM32, T1, "Raspbian-stretch"),
    L(R1903, "ubuntu", "16.04", AMD64, T1, "Ubuntu Server 16.04"),
    L(R1903, "ubuntu", "18.04", AMD64, T1, "Ubuntu Server 18.04"),
    W(R1903, "IoTUAP", "17763", AMD64, TP, "Windows 10 IoT Core, build 17763"),
    W(R1903, "IoTEnterprise", "17763", AMD64, TP, W17),
    W(R1903, "EnterpriseS", "17763", AMD64, TP, W17),
    W(R1903, "ServerStandard", "17763", AMD64, TP, "Windows Server 2019"),
    L(R1903, "centos", "7.5.1804", AMD64, T2, "CentOS 7.5"),
    L(R1903, "debian", "8.11", ARM32, T2, "Debian 8"),
    L(R1903, "debian", "9.13", AMD64, T2, "Debian 9"),
    L(R1903, "rhel", "7.5", ARM32, T2, "RHEL 7.5"),
    L(R1903, "ubuntu", "18.04.3", ARM32, T2, "Ubuntu 18.04"),
    L(R1903, "ubuntu", "16.04", ARM32, T2, "Ubuntu 16.04"),
    L(R1903, "wrlinux", "8.0.0.25", AMD64, T2, "Wind River 8"),
    L(R1903, "poky", "2.6.2", AMD64, T2, "Yocto"),
    L(R1903, "ubuntu", "18.04", ARM64, NO, NULL),
    L(R1903, "poky", "2.6.2", ARM32, NO, NULL),
    /* 2019-08: the ARM64 column, Windows GA, Tier 2 grows. */
    L(R1908, "raspbian", "9", ARM32, T1, "Raspbian-stretch"),
    L(R1908, "ubuntu", "16.04", ARM64, TP, "Ubuntu Server 16.04"),
    L(R1908, "ubuntu", "18.04", AMD64, T1, "Ubuntu Server 18.04"),
    W(R1908, "IoTUAP", "17763", AMD64, T1, "Windows 10 IoT Core, build 17763"),
    W(R1908, "IoTEnterpriseS", "17763", AMD64, T1, W17),
    W(R1908, "Enterprise", "17763", AMD64, T1, W17),
    W(R1908, "ServerDatacenter", "17763", AMD64, T1, S19),
    L(R1908, "centos", "7.5.1804", ARM32, T2, "CentOS 7.5"),
    L(R1908, "debian", "8", AMD64, T2, "Debian 8"),
    L(R1908, "debian", "9.8", ARM32, T2, "Debian 9"),
    L(R1908, "debian", "10", ARM64, T2, "Debian 10"),
    LN(R1908, "mel", "12.0", "Mentor Embedded Linux Flex OS", ARM32, T2, MELF),
    LN(R1908, "mel", "12.0", "Mentor Embedded Linux Omni OS", ARM64, T2, MELO),
    L(R1908, "raspbian", "10", ARM64, T2, "Raspbian-buster"),
    L(R1908, "rhel", "7.5", AMD64, T2, "RHEL 7.5"),
    L(R1908, "ubuntu", "18.04", ARM32, T2, "Ubuntu 18.04"),
    L(R1908, "ubuntu", "16.04.6", ARM32, T2, "Ubuntu 16.04"),
    L(R1908, "wrlinux-graphics", "8.0.0.30", AMD64, T2, "Wind River 8"),
    L(R1908, "poky", "3.0.1", ARM64, T2, "Yocto"),
    L(R1908, "ubuntu", "20.04", AMD64, NO, NULL),
    /* 2020-06: Ubuntu 20.04 joins Tier 2. */
    L(R2006, "raspbian", "9.13", ARM32, T1, "Raspbian-stretch"),
    L(R2006, "ubuntu", "16.04.7", AMD64, T1, "Ubuntu Server 16.04"),
    L(R2006, "ubuntu", "18.04", ARM64, TP, "Ubuntu Server 18.04"),
    W(R2006, "IoTUAP", "17763", AMD64, T1, "Windows 10 IoT Core, build 17763"),
    W(R2006, "IoTEnterprise", "17763", AMD64, T1, W17),
    W(R2006, "EnterpriseSN", "17763", AMD64, T1, W17),
    W(R2006, "ServerStandard", "17763", AMD64, T1, S19),
    L(R2006, "centos", "7.5.1804", AMD64, T2, "CentOS 7.5"),
    L(R2006, "debian", "8.11", ARM32, T2, "Debian 8"),
    L(R2006, "debian", "9", AMD64, T2, "Debian 9"),
    L(R2006, "debian", "10.4", AMD64, T2, "Debian 10"),
    LN(R2006, "mel", "12.0", "Mentor Embedded Linux Flex OS", AMD64, T2, MELF),
    LN(R2006, "mel", "12.0", "Mentor Embedded Linux Omni OS", AMD64, T2, MELO),
    L(R2006, "raspbian", "10", ARM32, T2, "Raspbian-buster"),
    L(R2006, "rhel", "7.5", ARM32, T2, "RHEL 7.5"),
    L(R2006, "ubuntu", "18.04.4", ARM32, T2, "Ubuntu 18.04"),
    L(R2006, "ubuntu", "16.04", ARM32, T2, "Ubuntu 16.04"),
    L(R2006, "ubuntu", "20.04", ARM64, T2, "Ubuntu 20.04"),
    L(R2006, "wrlinux", "8", AMD64, T2, "Wind River 8"),
    L(R2006, "poky", "3.1", ARM32, T2, "Yocto"),
    /* 2021-02: Debian 8 and Ubuntu 16.04 gone; IoT Edge for Linux on Windows. */
    L(R2102, "raspbian", "9", ARM32, T1, "Raspbian-stretch"),
    L(R2102, "ubuntu", "18.04.5", AMD64, T1, "Ubuntu Server 18.04"),
    W(R2102, "IoTUAP", "17763", AMD64, T1, "Windows 10 IoT Core, build 17763"),
    W(R2102, "IoTEnterprise", "17763", AMD64, T1, W17),
    W(R2102, "EnterpriseS", "17763", AMD64, T1, W17),
    W(R2102, "ServerStandard", "17763", AMD64, T1, S19),
    W(R2102, "Professional", "19042", AMD64, T1, EF1),
    L(R2102, "centos", "7.5.1804", AMD64, T2, "CentOS 7.5"),
    L(R2102, "debian", "9.13", ARM32, T2, "Debian 9"),
    L(R2102, "debian", "10.8", ARM64, T2, "Debian 10"),
    LN(R2102, "mel", "12.0", "Mentor Embedded Linux Flex OS", ARM64, T2, MELF),
    LN(R2102, "mel", "12.0", "Mentor Embedded Linux Omni OS", AMD64, T2, MELO),
    L(R2102, "raspbian", "10", ARM32, T2, "Raspbian-buster"),
    L(R2102, "rhel", "7.5", AMD64, T2, "RHEL 7.5"),
    L(R2102, "ubuntu", "18.04", ARM32, T2, "Ubuntu 18.04"),
    L(R2102, "ubuntu", "20.04", AMD64, T2, "Ubuntu 20.04"),
    L(R2102, "wrlinux", "8.0.0.25", AMD64, T2, "Wind River 8"),
    L(R2102, "poky", "3.2", AMD64, T2, "Yocto"),
    L(R2102, "debian", "8.11", AMD64, NO, NULL),
    L(R2102, "ubuntu", "16.04", AMD64, NO, NULL),
    /* 2023-05: new Tier 1, no Windows containers, Tier 2 best effort, "CentOS-7" any minor. */
    L(R2305, "debian", "11", ARM32, T1, "Debian 11"),
    L(R2305, "rhel", "8.7", AMD64, T1, "Red Hat Enterprise Linux 8"),
    L(R2305, "rhel", "9.2", AMD64, T1, "Red Hat Enterprise Linux 9"),
    L(R2305, "ubuntu", "20.04", ARM64, T1, "Ubuntu Server 20.04"),
    L(R2305, "ubuntu", "22.04", AMD64, T1, "Ubuntu Server 22.04"),
    W(R2305, "IoTEnterpriseS", "22000", ARM64, T1,
      "Windows 10/11 Pro, Enterprise, IoT Enterprise (IoT Edge for Linux on Windows)"),
    W(R2305, "ServerDatacenter", "20348", AMD64, T1,
      "Windows Server 2019/2022 (IoT Edge for Linux on Windows)"),
    L(R2305, "centos", "7.9.2009", ARM64, T2, "CentOS-7"),
    L(R2305, "debian", "10", ARM32, T2, "Debian 10"),
    L(R2305, "debian", "11.6", AMD64, T2, "Debian 11"),
    L(R2305, "raspbian", "10", ARM64, T2, "Raspberry Pi OS buster"),
    L(R2305, "rhel", "7.9", AMD64, T2, "RHEL 7"),
    L(R2305, "ubuntu", "18.04", AMD64, T2, "Ubuntu 18.04"),
    L(R2305, "ubuntu", "20.04", ARM32, T2, "Ubuntu 20.04"),
    L(R2305, "ubuntu", "22.04", ARM32, T2, "Ubuntu 22.04"),
    L(R2305, "wrlinux", "8", AMD64, T2, "Wind River 8"),
    L(R2305, "poky", "4.0.9", ARM64, T2, "Yocto"),
    W(R2305, "IoTUAP", "17763", AMD64, NO, NULL),
    L(R2305, "raspbian", "9", ARM32, NO, NULL),
    L(R2305, "debian", "11", X86, NO, NULL),
};

static const char *const machines[] = {"x86_64", "armv7l", "aarch64", "i686"};
static const char *const dpkg[] = {"amd64", "armhf", "arm64", "i386"};
static const char *const win_arch[] = {"AMD64", "ARM", "ARM64", "x86"};
static const char *const columns[] = {"AMD64", "ARM32v7", "ARM64", "x86 (32-bit)"};

static json_t *case_facts(const struct mcase *c)
{
    if (c->windows)
        return json_pack("{s:s, s:{s:s, s:I, s:s, s:s}}", "kind", "windows", "windows",
                         "edition_id", c->id, "current_build", (json_int_t)atoll(c->version),
                         "processor_architecture", win_arch[c->arch], "product_name", "Windows");
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:s}", "kind", "posix", "os_release",
                     "ID", c->id, "VERSION_ID", c->version, "NAME", c->name ? c->name : c->id,
                     "uname", "os", "Linux", "machine", machines[c->arch], "dpkg_arch",
                     dpkg[c->arch]);
}

/* The row a verdict landed on: its label in the tier note, told apart by its caveat note. */
static const struct fs_rules_row *landed_row(const struct fs_rules *r, const struct fs_verdict *v,
                                             const char *label, const char *column)
{
    const struct fs_rules_row *plain = NULL;
    char note[300];

    for (size_t i = 0; i < r->n_rows; i++) {
        const struct fs_rules_row *row = &r->rows[i];
        snprintf(note, sizeof note, ": %s on %s", row->label, column);
        /* Two tables may list the same label (2023-05's Debian 11): the tier tells them apart. */
        bool same_tier = row->tier == v->tier || (v->tier == TP && row->tier == T1);
        if (strcmp(row->label, label) != 0 || !same_tier || !ptu_list_has(v->notes, note))
            continue;
        if (row->caveat_note != NULL && ptu_list_has(v->notes, row->caveat_note))
            return row;
        if (row->caveat_note == NULL && plain == NULL)
            plain = row;
    }
    return plain;
}

static void test_every_row(void **state)
{
    size_t n_sets = fs_rules_builtin_count();
    bool hit[8][64] = {{false}};

    assert_int_equal(n_sets, 5);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mcase *c = &cases[i];
        const struct fs_rules *r = fs_rules_builtin(c->rules);
        json_t *facts = case_facts(c);
        struct fs_verdict v;
        char what[200];

        snprintf(what, sizeof what, "case %zu (%s, %s %s on %s)", i, c->rules, c->id, c->version,
                 columns[c->arch]);
        assert_non_null(r);
        fs_verdict_init(&v);
        assert_int_equal(fs_classify_with(r, facts, &v), 0);
        ptu_assert_verdict_sane(&v, what);
        if (v.tier != c->tier)
            fail_msg("%s: tier %s, want %s; reasons: %s", what, fs_tier_name(v.tier),
                     fs_tier_name(c->tier), json_dumps(v.reasons, 0));
        if (c->row != NULL) {
            const struct fs_rules_row *row = landed_row(r, &v, c->row, columns[c->arch]);
            char sentence[300];
            if (row == NULL)
                fail_msg("%s: did not land on \"%s\"; notes: %s", what, c->row,
                         json_dumps(v.notes, 0));
            /* The sentence names the row, the column and the rule set. */
            snprintf(sentence, sizeof sentence, "%s on %s is Tier %s in %s", c->row,
                     columns[c->arch],
                     c->tier == T2   ? "2"
                     : c->tier == TP ? "1 public preview"
                                     : "1",
                     c->rules);
            if (!ptu_list_has(v.reasons, sentence))
                fail_msg("%s: no reason \"%s\": %s", what, sentence, json_dumps(v.reasons, 0));
            for (size_t s = 0; s < n_sets; s++)
                if (fs_rules_builtin_at(s) == r)
                    hit[s][row - r->rows] = true;
        } else if (ptu_list_has(v.reasons, " is Tier ")) {
            fail_msg("%s: should land on no row: %s", what, json_dumps(v.reasons, 0));
        }
        fs_verdict_clear(&v);
        json_decref(facts);
    }
    for (size_t s = 0; s < n_sets; s++) {
        const struct fs_rules *r = fs_rules_builtin_at(s);
        assert_true(r->n_rows <= 64);
        for (size_t i = 0; i < r->n_rows; i++)
            if (!hit[s][i])
                fail_msg("%s: row %zu \"%s\" has no case in this table", r->id, i,
                         r->rows[i].label);
    }
}

/* ---- what a verdict says beyond the row -------------------------------------------------- */

static void classify_by(const char *rules, const char *json, struct fs_verdict *v)
{
    json_error_t err;
    json_t *facts = json_loads(json, 0, &err);

    if (facts == NULL)
        fail_msg("bad test facts: %s: %s", err.text, json);
    fs_verdict_init(v);
    assert_int_equal(fs_classify_with(fs_rules_builtin(rules), facts, v), 0);
    ptu_assert_verdict_sane(v, json);
    json_decref(facts);
}

static void expect(const struct fs_verdict *v, enum fs_tier tier, const char *reason)
{
    if (v->tier != tier)
        fail_msg("tier %s, want %s; reasons: %s", fs_tier_name(v->tier), fs_tier_name(tier),
                 json_dumps(v->reasons, 0));
    if (reason != NULL && !ptu_list_has(v->reasons, reason))
        fail_msg("no reason contains \"%s\": %s", reason, json_dumps(v->reasons, 0));
}

#define POSIX(osr, extra)                                                                          \
    "{\"kind\":\"posix\",\"os_release\":{" osr "},\"uname\":{\"os\":\"Linux\",\"machine\":"        \
    "\"x86_64\"},\"dpkg_arch\":\"amd64\"" extra "}"

/* A newer or unknown minor is never silently the listed one; "CentOS-7" takes any minor. */
static void test_precision_across_sets(void **state)
{
    struct fs_verdict v;
    const char *c76 = POSIX("\"ID\":\"centos\",\"VERSION_ID\":\"7\"",
                            ",\"release_files\":{\"centos-release\":"
                            "\"CentOS Linux release 7.6.1810 (Core)\"}");
    const char *c7 = POSIX("\"ID\":\"centos\",\"VERSION_ID\":\"7\",\"PRETTY_NAME\":\"CentOS "
                           "Linux 7 (Core)\"",
                           "");

    classify_by(R1908, c76, &v);
    expect(&v, NO, "is not listed in " R1908);
    fs_verdict_clear(&v);
    classify_by(R2102, c7, &v);
    expect(&v, FS_TIER_UNKNOWN, "may match CentOS 7.5 in " R2102 ", but its minor version");
    fs_verdict_clear(&v);
    classify_by(R2305, c76, &v);
    expect(&v, T2, "CentOS-7 on AMD64 is Tier 2 in " R2305 ": best effort");
    fs_verdict_clear(&v);
    classify_by(R2305, c7, &v);
    expect(&v, T2, "CentOS-7 on AMD64 is Tier 2");
    fs_verdict_clear(&v);
    /* "Debian 1" is not Debian 10, nor 10 Debian 1. */
    classify_by(R1908, POSIX("\"ID\":\"debian\",\"VERSION_ID\":\"1\"", ""), &v);
    expect(&v, NO, "is not listed");
    fs_verdict_clear(&v);
}

/* Windows in the later sets: EFLOW rows, and Windows containers gone in 2023-05. */
static void test_windows_later(void **state)
{
    struct fs_verdict v;
    static const char win2019_moby[] =
        "{\"kind\":\"windows\",\"windows\":{\"edition_id\":\"ServerStandard\","
        "\"current_build\":17763,\"processor_architecture\":\"AMD64\",\"product_name\":"
        "\"Windows Server 2019 Standard\"},\"engine\":{\"services\":{\"iotedge-moby\":"
        "\"running\",\"docker\":\"absent\"},\"docker\":{\"os_type\":\"windows\","
        "\"default_isolation\":\"process\"}}}";
    static const char iotcore[] =
        "{\"kind\":\"windows\",\"windows\":{\"edition_id\":\"IoTUAP\",\"current_build\":17763,"
        "\"processor_architecture\":\"AMD64\",\"product_name\":\"IoTUAP\"}}";
    static const char linux_on_win[] =
        "{\"kind\":\"windows\",\"windows\":{\"edition_id\":\"IoTEnterprise\","
        "\"current_build\":17763,\"processor_architecture\":\"AMD64\"},\"engine\":{"
        "\"services\":{\"iotedge-moby\":\"running\",\"docker\":\"absent\"},\"docker\":{"
        "\"os_type\":\"linux\"}}}";

    /* 2019-08: Windows is GA, Windows containers with moby-engine are production systems. */
    classify_by(R1908, win2019_moby, &v);
    expect(&v, T1, "is Tier 1 in " R1908 ": generally available");
    assert_int_equal(v.production_ready, FS_READY_YES);
    fs_verdict_clear(&v);
    /* ... but not with Linux containers on the Windows engine. */
    classify_by(R1908, linux_on_win, &v);
    expect(&v, T1, "for development and testing only in " R1908);
    assert_int_equal(v.production_ready, FS_READY_NO);
    fs_verdict_clear(&v);
    /* 2023-05: the same Server 2019 is listed through EFLOW; readiness is the VM's. */
    classify_by(R2305, win2019_moby, &v);
    expect(&v, T1, "IoT Edge for Linux on Windows (EFLOW)");
    assert_int_equal(v.production_ready, FS_READY_UNKNOWN);
    fs_verdict_clear(&v);
    classify_by(R2305, iotcore, &v);
    expect(&v, NO, "production needs a listed Windows system with IoT Edge for Linux on Windows");
    fs_verdict_clear(&v);
}

/* Vendor Yocto builds land on the Yocto row, with what showed it; look-alikes do not. */
static void test_vendor_yocto(void **state)
{
    struct fs_verdict v;

    classify_by(R1903,
                POSIX("\"ID\":\"fsl-imx-xwayland\",\"VERSION_ID\":\"5.4-zeus\",\"VERSION\":"
                      "\"5.4-zeus (zeus)\",\"PRETTY_NAME\":\"NXP i.MX Release Distro 5.4-zeus\"",
                      ""),
                &v);
    expect(&v, T2, "os-release VERSION names the Yocto release 'zeus'): matched as Yocto");
    expect(&v, T2, "Yocto on AMD64 is Tier 2 in " R1903);
    fs_verdict_clear(&v);
    classify_by(R2305,
                POSIX("\"ID\":\"tdx-xwayland\",\"VERSION_ID\":\"5.7.0\"",
                      ",\"yocto_build\":{\"DISTRO\":\"tdx-xwayland\",\"layers\":true}"),
                &v);
    expect(&v, T2, "/etc/build from Yocto's image-buildinfo, DISTRO = tdx-xwayland");
    fs_verdict_clear(&v);
    classify_by(R1903, POSIX("\"ID\":\"acme-os\",\"ID_LIKE\":\"poky\",\"VERSION_ID\":\"3\"", ""),
                &v);
    expect(&v, T2, "os-release ID_LIKE=poky");
    fs_verdict_clear(&v);
    /* Not Yocto: a codename inside another word, and a distribution with none of the signs. */
    classify_by(R1903,
                POSIX("\"ID\":\"acme-os\",\"VERSION_ID\":\"3\",\"VERSION\":\"3 (thudson)\"", ""),
                &v);
    expect(&v, NO, "is not listed in " R1903);
    fs_verdict_clear(&v);
    classify_by(R1903,
                POSIX("\"ID\":\"debian\",\"VERSION_ID\":\"10\",\"VERSION\":\"10 (buster)\"", ""),
                &v);
    expect(&v, NO, "is not listed in " R1903);
    assert_false(ptu_list_has(v.reasons, "vendor build"));
    fs_verdict_clear(&v);
}

/* ---- prerequisites ---------------------------------------------------------------------- */

#define READY_HOST(extra)                                                                          \
    POSIX("\"ID\":\"ubuntu\",\"VERSION_ID\":\"18.04\"",                                            \
          ",\"engine\":{\"packages\":[{\"name\":\"moby-engine\",\"version\":\"3.0.5\"}],"          \
          "\"docker\":{\"server_version\":\"3.0.5\",\"api_version\":" API "}}" extra)

struct prereq_case {
    const char *what;
    const char *facts;
    enum fs_ready ready;
    const char *reason;
};

#define API      "\"1.40\""
#define MEM(kb)  ",\"memory_kb\":{\"total\":2000000,\"available\":" #kb "}"
#define DISK(kb) ",\"storage_kb\":{\"/\":{\"total\":9000000,\"used\":1,\"available\":" #kb "}}"
#define ALL_FLAGS                                                                                  \
    "\"NAMESPACES\":\"y\",\"NET_NS\":\"y\",\"PID_NS\":\"y\",\"IPC_NS\":\"y\",\"UTS_NS\":\"y\","    \
    "\"CGROUPS\":\"y\",\"CGROUP_CPUACCT\":\"y\",\"CGROUP_DEVICE\":\"y\",\"CGROUP_FREEZER\":\"y\"," \
    "\"CGROUP_SCHED\":\"y\",\"CPUSETS\":\"y\",\"MEMCG\":\"y\",\"KEYS\":\"y\",\"BRIDGE\":\"m\","    \
    "\"BRIDGE_NETFILTER\":\"m\",\"IP_NF_FILTER\":\"m\",\"IP_NF_TARGET_MASQUERADE\":\"m\","         \
    "\"NETFILTER_XT_MATCH_ADDRTYPE\":\"m\",\"NETFILTER_XT_MATCH_CONNTRACK\":\"m\","                \
    "\"NETFILTER_XT_MATCH_IPVS\":\"m\",\"NETFILTER_XT_MARK\":\"m\",\"IP_NF_NAT\":\"m\","           \
    "\"NF_NAT\":\"m\",\"POSIX_MQUEUE\":\"y\",\"EXT4_FS_SECURITY\":\"y\""
#define KCONF(flags)                           ",\"kernel_config\":{\"source\":\"/proc/config.gz\",\"flags\":{" flags "}}"
#define CG2(list)                              ",\"cgroup\":{\"version\":2,\"controllers\":[" list "]}"
#define GOOD_CG                                CG2("\"cpuset\",\"cpu\",\"io\",\"memory\",\"pids\"")
#define SYSTEMD                                ",\"systemd\":true"
#define EVERYTHING(mem, disk, kconf, cg, init) READY_HOST(MEM(mem) DISK(disk) KCONF(kconf) cg init)

static const struct prereq_case prereq_cases[] = {
    {"all met", EVERYTHING(900000, 5000000, ALL_FLAGS ",\"VETH\":\"m\"", GOOD_CG, SYSTEMD),
     FS_READY_YES,
     "Prerequisites met (" R1903 "): memory; storage; kernel config; cgroups; systemd; engine "
     "API"},
    {"nothing read", READY_HOST(""), FS_READY_YES,
     "Prerequisites not checked: memory (MemAvailable not read); storage (df not read); kernel "
     "config"},
    {"memory at the threshold",
     EVERYTHING(285696, 5000000, ALL_FLAGS ",\"VETH\":\"m\"", GOOD_CG, SYSTEMD), FS_READY_NO,
     "Prerequisite failed: 279 MB of memory available, more than 279 MB needed on AMD64"},
    {"storage", EVERYTHING(900000, 102400, ALL_FLAGS ",\"VETH\":\"m\"", GOOD_CG, SYSTEMD),
     FS_READY_NO, "100 MB free on /, more than 287 MB needed on AMD64"},
    {"kernel without VETH", EVERYTHING(900000, 5000000, ALL_FLAGS, GOOD_CG, SYSTEMD), FS_READY_NO,
     "the kernel (config read from /proc/config.gz) lacks CONFIG_VETH"},
    {"kernel VETH=n", EVERYTHING(900000, 5000000, ALL_FLAGS ",\"VETH\":\"n\"", GOOD_CG, SYSTEMD),
     FS_READY_NO, "lacks CONFIG_VETH"},
    {"cgroup v2 without memory",
     EVERYTHING(900000, 5000000, ALL_FLAGS ",\"VETH\":\"m\"", CG2("\"cpuset\",\"cpu\""), SYSTEMD),
     FS_READY_NO, "cgroup v2 controller memory not enabled"},
    {"no systemd",
     EVERYTHING(900000, 5000000, ALL_FLAGS ",\"VETH\":\"m\"", GOOD_CG,
                ",\"systemd\":false,\"pid1\":\"init\""),
     FS_READY_NO, "systemd is not running (pid 1 is init)"},
};

#undef API
#define API "\"1.4\""
static const struct prereq_case old_api = {
    "API 1.4 is older than 1.34", READY_HOST(""), FS_READY_NO,
    "the container engine speaks API 1.4, 1.34 or later needed"};

static void check_prereq(const struct prereq_case *c)
{
    struct fs_verdict v;

    classify_by(R1903, c->facts, &v);
    expect(&v, T1, "Ubuntu Server 18.04 on AMD64 is Tier 1");
    if (v.production_ready != c->ready)
        fail_msg("%s: production_ready %s, want %s: %s", c->what, fs_ready_name(v.production_ready),
                 fs_ready_name(c->ready), json_dumps(v.reasons, 0));
    if (!ptu_list_has(v.reasons, c->reason))
        fail_msg("%s: no reason \"%s\": %s", c->what, c->reason, json_dumps(v.reasons, 0));
    if (c->ready == FS_READY_NO && !ptu_list_has(v.notes, "prerequisite failed: "))
        fail_msg("%s: no note says which prerequisite failed", c->what);
    fs_verdict_clear(&v);
}

static void test_prerequisites(void **state)
{
    for (size_t i = 0; i < sizeof prereq_cases / sizeof prereq_cases[0]; i++)
        check_prereq(&prereq_cases[i]);
    check_prereq(&old_api);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row),     cmocka_unit_test(test_precision_across_sets),
        cmocka_unit_test(test_windows_later), cmocka_unit_test(test_vendor_yocto),
        cmocka_unit_test(test_prerequisites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
