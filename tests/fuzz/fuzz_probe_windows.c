/*
 * What a Windows device (cmd.exe or PowerShell) answers to the Windows command: parsed into
 * facts that serialise to strict JSON, and classified.
 */
#include "scanner/probe.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *out = malloc(size + 1);
    struct fs_verdict v;
    json_t *facts;

    if (out == NULL)
        return 0;
    if (size > 0)
        memcpy(out, data, size);
    out[size] = '\0';
    (void)fs_probe_identify("", 0, out, size, 9009);
    facts = fs_probe_parse_windows(out, size);
    fuzz_check_facts(facts);
    fs_verdict_init(&v);
    fs_classify(facts, &v);
    fs_verdict_clear(&v);
    json_decref(facts);
    free(out);
    return 0;
}
