/*
 * What a Linux device answers to the probe (FUZZ_OS_RELEASE set: the input is the body of the
 * os-release section of an otherwise normal answer). The answer is told apart from a Windows
 * shell's, parsed into facts that serialise to strict JSON, and classified.
 */
#include "scanner/probe.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef FUZZ_OS_RELEASE
    static const char head[] = "@@fleetscan-probe 1\n@@section os-release\n";
    static const char tail[] = "\n@@end\n@@section uname\nLinux x86_64\n@@end\n";
#else
    static const char head[] = "";
    static const char tail[] = "";
#endif
    size_t len = sizeof head - 1 + size + sizeof tail - 1;
    char *out = malloc(len + 1);
    struct fs_verdict v;
    json_t *facts;

    if (out == NULL)
        return 0;
    memcpy(out, head, sizeof head - 1);
    if (size > 0)
        memcpy(out + sizeof head - 1, data, size);
    memcpy(out + sizeof head - 1 + size, tail, sizeof tail - 1);
    out[len] = '\0';

    (void)fs_probe_identify(out, len, out, len / 2, 0);
    facts = fs_probe_parse_linux(out, len);
    fuzz_check_facts(facts);
    fs_verdict_init(&v);
    fs_classify(facts, &v);
    fs_verdict_clear(&v);
    json_decref(facts);
    free(out);
    return 0;
}
