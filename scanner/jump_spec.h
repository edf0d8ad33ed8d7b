/*
 * jump_spec: where a jump host is named, in the forms OpenSSH and Ansible users write:
 *   --jump / ProxyJump        [ssh://][user@]host[:port]   ("none": no jump host)
 *   ProxyCommand              ssh [-q] [-p PORT] [-l USER] [-i KEY] -W %h:%p [user@]host
 *   ansible_ssh_common_args   -o ProxyJump=...  |  -o ProxyCommand="ssh -W %h:%p ..."  |  -J ...
 * Only one hop is supported; a chain (a,b) is refused with a message.
 */
#ifndef FS_JUMP_SPEC_H
#define FS_JUMP_SPEC_H

#include <stdbool.h>
#include <stddef.h>

struct fs_jump_spec {
    char user[256];      /* "" when not named */
    char host[256];      /* "" means no jump host */
    int port;            /* 0 when not named */
    char identity[1024]; /* -i of a ProxyCommand, or "" */
};

/* Parses ProxyJump / --jump text. Returns 0 (host "" for "none") or -1 with a message. */
int fs_jump_parse(const char *text, struct fs_jump_spec *j, char *err, size_t errlen);

/* Reads a ProxyCommand of the "ssh -W %h:%p bastion" form. Returns 0 or -1 with a message. */
int fs_jump_from_proxy_command(const char *cmd, struct fs_jump_spec *j, char *err, size_t errlen);

/*
 * Finds a jump host in ansible_ssh_common_args. Returns 0 with *found telling whether one was
 * named, or -1 with a message (a ProxyCommand fleetscan cannot read, a chain).
 */
int fs_jump_from_ssh_args(const char *args, struct fs_jump_spec *j, bool *found, char *err,
                          size_t errlen);

#endif
