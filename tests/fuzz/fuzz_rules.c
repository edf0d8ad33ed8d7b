/*
 * Rule files (--rules FILE.json): a parse either gives a rule set that can judge hosts, or one
 * message naming the file, a line and a column. A rule set that loads judges a few real probe
 * answers (a Raspberry Pi with Ubuntu and moby-engine, a Windows Server 2019) without crashing,
 * and every verdict it gives has its notes and reasons.
 */
#include "scanner/probe.h"
#include "scanner/rules.h"
#include "tests/fuzz/fuzz_check.h"

#define ORIGIN "fuzz-rules.json"

/* Facts of a Linux and a Windows host, as the probe parsers make them. */
static json_t *sample_facts[2];

static void load_samples(void)
{
    static const char linux_answer[] =
        "@@fleetscan-probe 1\n@@section os-release\nNAME=\"Ubuntu\"\nID=ubuntu\n"
        "VERSION_ID=\"18.04\"\nPRETTY_NAME=\"Ubuntu 18.04.2 LTS\"\n@@end\n"
        "@@section uname\nmachine=armv7l\nkernel=4.14.98-v7+\nos=Linux\n@@end\n"
        "@@section arch\ndpkg_arch=armhf\nlong_bit=32\n@@end\n"
        "@@section engine\ndb=dpkg\ndpkg\tmoby-engine\tinstall ok installed\t3.0.4\n@@end\n"
        "@@section memory\nMemTotal: 948304 kB\nMemAvailable: 512000 kB\n@@end\n";
    static const char windows_answer[] =
        "@@fleetscan-windows 1\r\n@@section ver\r\n\r\nMicrosoft Windows [Version "
        "10.0.17763.557]\r\n@@section reg\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows "
        "NT\\CurrentVersion\r\n    EditionID    REG_SZ    ServerDatacenter\r\n"
        "    InstallationType    REG_SZ    Server\r\n    CurrentBuild    REG_SZ    17763\r\n"
        "    UBR    REG_DWORD    0x22d\r\n@@end\r\n";

    if (sample_facts[0] != NULL)
        return;
    sample_facts[0] = fs_probe_parse_linux(linux_answer, sizeof linux_answer - 1);
    sample_facts[1] = fs_probe_parse_windows(windows_answer, sizeof windows_answer - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    struct fs_rules *rules;

    load_samples();
    err[0] = '\0';
    rules = fs_rules_parse((const char *)data, size, ORIGIN, err, sizeof err);
    if (rules == NULL) {
        FUZZ_CHECK(strncmp(err, ORIGIN, strlen(ORIGIN)) == 0);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
        return 0;
    }
    FUZZ_CHECK(fs_rules_id(rules) != NULL && fs_rules_id(rules)[0] != '\0');
    for (size_t i = 0; i < 2; i++) {
        struct fs_verdict v;

        if (sample_facts[i] == NULL)
            continue;
        fs_verdict_init(&v);
        FUZZ_CHECK(fs_classify_with(rules, sample_facts[i], &v) == 0);
        FUZZ_CHECK(json_is_array(v.notes) && json_is_array(v.reasons));
        fs_verdict_clear(&v);
    }
    fs_rules_free(rules);
    return 0;
}
