/*
 * Inventory files, as fleetscan reads them: the format is detected (FUZZ_INI set: an Ansible
 * INI section header is put first, so the INI reader always runs; FUZZ_YAML set: a YAML
 * document start, so the Ansible YAML reader always runs). A parse either gives
 * targets that a scan can use or one message naming the file and a line.
 */
#include "inventory/inventory.h"
#include "tests/fuzz/fuzz_check.h"

#define PATH "fuzz-inventory"

static void check_targets(const struct fs_inventory *inv)
{
    FUZZ_CHECK(inv->n_targets > 0 && inv->n_targets <= FS_INVENTORY_MAX_TARGETS);
    for (size_t i = 0; i < inv->n_targets; i++) {
        const struct fs_target *t = &inv->targets[i];
        FUZZ_CHECK(t->name != NULL && t->name[0] != '\0');
        FUZZ_CHECK(t->address != NULL && t->address[0] != '\0');
        FUZZ_CHECK(t->port >= 0 && t->port <= 65535);
        FUZZ_CHECK(t->line >= 1);
        FUZZ_CHECK(t->n_identities == 0 || t->identities != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if defined(FUZZ_INI)
    static const char header[] = "[fuzz]\n";
#elif defined(FUZZ_YAML)
    static const char header[] = "---\n";
#else
    static const char header[] = "";
#endif
    size_t hlen = sizeof header - 1;
    char *text = malloc(hlen + size + 1);
    struct fs_inventory *inv = NULL;
    struct fs_inventory_error err;
    int rc;

    if (text == NULL)
        return 0;
    memcpy(text, header, hlen);
    if (size > 0)
        memcpy(text + hlen, data, size);
    text[hlen + size] = '\0';
    memset(&err, 0, sizeof err);
    rc = fs_inventory_parse(PATH, text, hlen + size, &inv, &err);
    if (rc == 0) {
        FUZZ_CHECK(inv != NULL);
        check_targets(inv);
    } else {
        /* One message, naming the file. */
        FUZZ_CHECK(inv == NULL);
        FUZZ_CHECK(strncmp(err.text, PATH, strlen(PATH)) == 0);
        FUZZ_CHECK(strchr(err.text, '\n') == NULL);
    }
    fs_inventory_free(inv);
    free(text);
    return 0;
}
