/*
 * cli_rules: `fleetscan rules` lists the built-in rule sets; `fleetscan rules show ID|FILE`
 * prints one as tables. A rule file that does not load says where (file:line:column), exit 2.
 */
#include <stdio.h>
#include <string.h>

#include "scanner/rules.h"
#include "scanner/scan.h"

int fs_cli_rules(int argc, char **argv)
{
    char err[1024];
    bool owned;
    const struct fs_rules *r;

    if (argc == 1 || (argc == 2 && strcmp(argv[1], "list") == 0)) {
        fs_rules_print_list(stdout);
        return fflush(stdout) == 0 ? FS_EXIT_OK : FS_EXIT_INTERNAL;
    }
    if (argc != 3 || strcmp(argv[1], "show") != 0) {
        fprintf(stderr, "fleetscan: rules: expected 'fleetscan rules' or 'fleetscan rules show "
                        "ID|FILE.json'\nTry 'fleetscan --help'.\n");
        return FS_EXIT_USAGE;
    }
    r = fs_rules_resolve(argv[2], &owned, err, sizeof err);
    if (r == NULL) {
        fprintf(stderr, "fleetscan: %s\n", err);
        return FS_EXIT_USAGE;
    }
    fs_rules_print(stdout, r);
    if (owned)
        fs_rules_free((struct fs_rules *)r);
    return fflush(stdout) == 0 ? FS_EXIT_OK : FS_EXIT_INTERNAL;
}
