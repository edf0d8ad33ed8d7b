/*
 * Which shell answered the Linux probe: POSIX sh, cmd.exe or PowerShell, from what each really
 * prints when handed a POSIX script, in English and in translation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scanner/probe.h"

struct identify_case {
    const char *name;
    const char *out;
    const char *err;
    int status;
    enum fs_probe_answer want;
};

static const struct identify_case cases[] = {
    {"the script ran", "@@fleetscan-probe 1\n@@section uname\nos=Linux\n@@end\n", "", 0,
     FS_ANSWER_POSIX},
    {"a login banner printed first", "Welcome to Ubuntu 18.04.2 LTS\r\n\n@@fleetscan-probe 1\n", "",
     0, FS_ANSWER_POSIX},
    {"the marker in the middle of a line is not the script",
     "'@@fleetscan-probe 1' is not what sh prints\n", "", 1, FS_ANSWER_UNRECOGNISED},
    {"cmd.exe, English", "",
     "'#!' is not recognized as an internal or external command,\r\noperable program or batch "
     "file.\r\n",
     9009, FS_ANSWER_WINDOWS_CMD},
    {"cmd.exe, French: only the exit status tells", "",
     "'#!' n'est pas reconnu en tant que commande interne\r\nou externe, un programme "
     "ex\xc3\xa9"
     "cutable ou un fichier de commandes.\r\n",
     9009, FS_ANSWER_WINDOWS_CMD},
    {"cmd.exe banner", "\r\nMicrosoft Windows [Version 10.0.17763.557]\r\n", "", 1,
     FS_ANSWER_WINDOWS_CMD},
    {"Windows PowerShell 5.1 parse error", "",
     "At line:18 char:4\r\n+ for f in /etc/os-release /usr/lib/os-release; do\r\n+    ~\r\n"
     "Missing opening '(' after keyword 'for'.\r\n    + CategoryInfo          : ParserError: "
     "(:) [], ParentContainsErrorRecordException\r\n    + FullyQualifiedErrorId : "
     "MissingOpenParenthesisInForStatement\r\n",
     1, FS_ANSWER_WINDOWS_PWSH},
    {"Windows PowerShell command not found", "",
     "exec : The term 'exec' is not recognized as the name of a cmdlet, function, script "
     "file, or operable program.\r\n    + CategoryInfo          : ObjectNotFound: "
     "(exec:String) [], CommandNotFoundException\r\n",
     1, FS_ANSWER_WINDOWS_PWSH},
    {"PowerShell 7 parse error", "", "ParserError: \r\nLine |\r\n  18 |  for f in x; do\r\n", 1,
     FS_ANSWER_WINDOWS_PWSH},
    {"PowerShell 7 wording", "",
     "exec: The term 'exec' is not recognized as a name of a cmdlet, "
     "function, script file, or executable program.\r\n",
     1, FS_ANSWER_WINDOWS_PWSH},
    {"PowerShell with a translated tail", "", "The term 'exec' is not recognized als Name ...\r\n",
     1, FS_ANSWER_WINDOWS_PWSH},
    {"PowerShell is checked before cmd: a 9009 from a nested cmd does not decide", "",
     "+ FullyQualifiedErrorId : CommandNotFoundException\r\n", 9009, FS_ANSWER_WINDOWS_PWSH},
    {"fish", "", "fish: Unsupported use of '='. In fish, please use 'set LC_ALL C'.\n", 127,
     FS_ANSWER_UNRECOGNISED},
    {"csh", "", "Illegal variable name.\n", 1, FS_ANSWER_UNRECOGNISED},
    {"nothing at all", "", "", 0, FS_ANSWER_UNRECOGNISED},
    {"a restricted shell that refuses", "", "rbash: /bin/sh: restricted\n", 126,
     FS_ANSWER_UNRECOGNISED},
};

static void test_identify_table(void **state)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct identify_case *c = &cases[i];
        size_t out_len = strlen(c->out), err_len = strlen(c->err);
        /* Exact-size copies: the device's answer is never NUL-terminated. */
        char *out = malloc(out_len > 0 ? out_len : 1), *err = malloc(err_len > 0 ? err_len : 1);
        enum fs_probe_answer got;

        assert_non_null(out);
        assert_non_null(err);
        memcpy(out, c->out, out_len);
        memcpy(err, c->err, err_len);
        got = fs_probe_identify(out, out_len, err, err_len, c->status);
        if (got != c->want)
            fail_msg("%s: got %d, want %d", c->name, (int)got, (int)c->want);
        free(out);
        free(err);
    }
}

/* Bytes past the given length are not the device's and must not count. */
static void test_identify_respects_lengths(void **state)
{
    static const char out[] = "XX\n@@fleetscan-probe 1\n";
    static const char err[] = "'#!' is not recognized as an internal or external command";

    assert_int_equal(fs_probe_identify(out, 3, "", 0, 0), FS_ANSWER_UNRECOGNISED);
    assert_int_equal(fs_probe_identify(out, sizeof out - 1, "", 0, 0), FS_ANSWER_POSIX);
    assert_int_equal(fs_probe_identify("", 0, err, sizeof err - 2, 1), FS_ANSWER_UNRECOGNISED);
    assert_int_equal(fs_probe_identify("", 0, err, sizeof err - 1, 1), FS_ANSWER_WINDOWS_CMD);
    assert_int_equal(fs_probe_identify(NULL, 0, NULL, 0, 0), FS_ANSWER_UNRECOGNISED);
}

static void test_identify_binary_noise(void **state)
{
    static const char out[] = "\0\xff\xfe\0garbage\r\n@@fleetscan-probe 1\n";

    assert_int_equal(fs_probe_identify(out, sizeof out - 1, "\0\0", 2, 0), FS_ANSWER_POSIX);
    assert_int_equal(fs_probe_identify(out, 8, "\0\0", 2, 0), FS_ANSWER_UNRECOGNISED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identify_table),
        cmocka_unit_test(test_identify_respects_lengths),
        cmocka_unit_test(test_identify_binary_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
