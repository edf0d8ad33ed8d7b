/*
 * Device text on its way into a report: fs_utf8_clean gives valid UTF-8, and a CSV cell never
 * holds a C0 control other than TAB, CR and LF, never starts a formula, and is quoted whenever
 * it holds a comma, a quote or a line break.
 */
#include "report/report.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *clean, *cell;
    bool replaced = false;

    if (text == NULL)
        return 0;
    if (size > 0)
        memcpy(text, data, size);
    text[size] = '\0';
    clean = fs_utf8_clean(text, size, &replaced);
    FUZZ_CHECK(clean != NULL);
    FUZZ_CHECK(fuzz_valid_utf8(clean, strlen(clean)));
    FUZZ_CHECK(strlen(clean) >= size || replaced);

    cell = fs_csv_cell(text, false);
    FUZZ_CHECK(cell != NULL);
    FUZZ_CHECK(fuzz_valid_utf8(cell, strlen(cell)));
    for (const char *p = cell; *p != '\0'; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\t' || *p == '\r' || *p == '\n');
    {
        const char *c = cell[0] == '"' ? cell + 1 : cell;
        FUZZ_CHECK(c[0] == '\0' || strchr("=+-@\t\r", c[0]) == NULL);
    }
    if (strpbrk(cell, ",\r\n") != NULL)
        FUZZ_CHECK(cell[0] == '"');
    free(cell);
    free(clean);
    free(text);
    return 0;
}
