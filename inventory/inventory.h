/*
 * inventory: turns an inventory file into a list of scan targets.
 *
 * Three formats are understood and told apart automatically:
 *   - the plain list: one host per line, "[user@]address[:port] [key=value ...]";
 *   - an Ansible INI inventory: [group], [group:vars], [group:children], host ranges;
 *   - an Ansible YAML inventory: all: / hosts: / vars: / children:, the same ranges.
 * See docs/inventory.md for the full grammar.
 *
 * The inventory owns every target and every string inside it; fs_inventory_free() releases
 * them all. Targets keep inventory order (first appearance of each host).
 */
#ifndef FS_INVENTORY_H
#define FS_INVENTORY_H

#include <stddef.h>

/* Longest inventory line accepted; longer lines are an input error. */
#define FS_INVENTORY_MAX_LINE 65536
/* Most targets one inventory may name (ranges included). */
#define FS_INVENTORY_MAX_TARGETS 1000000

struct fs_target {
    char *name;        /* display name: name=/inventory alias, else the address as written */
    char *address;     /* host name or IP literal, IPv6 without brackets */
    int port;          /* 1..65535, or 0 when the inventory names none */
    char *user;        /* login user, or NULL when the inventory names none */
    char **identities; /* private key paths named for this host (may be empty) */
    size_t n_identities;
    char *tags;     /* free text from tags= or the Ansible groups, comma separated; may be NULL */
    int line;       /* line of the inventory file that named the host */
    char *ssh_args; /* Ansible's ansible_ssh_common_args as written, or NULL */
};

struct fs_inventory {
    char *path;         /* the file as given on the command line */
    const char *format; /* "plain", "ansible-ini" or "ansible-yaml" (static) */
    struct fs_target *targets;
    size_t n_targets;
};

/*
 * A user-facing error: "FILE:LINE: what is wrong; what to do". text is always NUL-terminated.
 */
struct fs_inventory_error {
    char text[1024];
};

/*
 * Reads and parses the inventory at path. On success returns 0 and stores a new inventory in
 * *out (free with fs_inventory_free). On failure returns -1, leaves *out NULL and fills err
 * with one message naming the file and line. No partial inventory is ever returned.
 */
int fs_inventory_load(const char *path, struct fs_inventory **out, struct fs_inventory_error *err);

/*
 * Same as fs_inventory_load, but parses len bytes of text already in memory; path is only used
 * in messages. Used by tests and fuzzers.
 */
int fs_inventory_parse(const char *path, const char *text, size_t len, struct fs_inventory **out,
                       struct fs_inventory_error *err);

/* Frees the inventory and every target in it. fs_inventory_free(NULL) does nothing. */
void fs_inventory_free(struct fs_inventory *inv);

#endif
