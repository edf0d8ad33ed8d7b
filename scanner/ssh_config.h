/*
 * ssh_config: the part of OpenSSH's client configuration (~/.ssh/config, /etc/ssh/ssh_config,
 * or -F FILE) that decides how a host is reached.
 *
 * The files are read once, before the scan, into a list of blocks; each inventory host is then
 * resolved in memory with OpenSSH's rules (the first value obtained for a keyword wins,
 * IdentityFile accumulates). Honoured: Host (patterns, '*', '?', '!'), Match (all, host,
 * originalhost, user, localuser, canonical, final), Include, HostName, User, Port, IdentityFile,
 * IdentitiesOnly, ProxyJump, ProxyCommand (only the "ssh -W %h:%p bastion" form, read as a
 * jump host) and ConnectTimeout. Nothing is ever executed: a Match exec (or localnetwork,
 * tagged) block never applies, with a warning. Other keywords are ignored; docs/ssh.md lists
 * the ones a user may expect to matter.
 *
 * libssh's own ssh_options_parse_config is not used: in 0.10 it runs Match exec in a shell,
 * turns ProxyJump into a ProxyCommand that forks ssh, and cannot give back IdentitiesOnly,
 * ConnectTimeout or more than one IdentityFile.
 */
#ifndef FS_SSH_CONFIG_H
#define FS_SSH_CONFIG_H

#include <stddef.h>

struct fs_ssh_config;

/*
 * Reads the configuration. file: "-F FILE" (only that file is read; "none" reads nothing), or
 * NULL for ~/.ssh/config then /etc/ssh/ssh_config (either may be missing). Returns 0 and a new
 * configuration in *out (fs_ssh_config_free), or -1 with "FILE:LINE: what is wrong" in err.
 */
int fs_ssh_config_load(const char *file, struct fs_ssh_config **out, char *err, size_t errlen);

void fs_ssh_config_free(struct fs_ssh_config *c);

/* What the configuration says about one host. Every pointer is owned (fs_ssh_host_clear). */
struct fs_ssh_host {
    char *hostname;             /* HostName with %h expanded, or NULL */
    int port;                   /* 0 when not set */
    char *user;                 /* NULL when not set */
    char **identities;          /* IdentityFile, expanded (~, %d, %h, %r, %u, %p, %n, %%) */
    size_t n_identities;        /* in the order the files name them */
    int identities_only;        /* -1 not set, 0 no, 1 yes */
    unsigned connect_timeout_s; /* 0 when not set */
    char *proxy_jump;           /* ProxyJump as written ("none" included), or NULL */
    char *proxy_command;        /* ProxyCommand as written, or NULL */
    char where[300];            /* "FILE:LINE" of ProxyJump / ProxyCommand, for messages */
};

/*
 * Resolves alias (the host as the inventory names it). user is the login user when already
 * decided by the inventory or the command line (NULL otherwise); it is what Match user and %r
 * see. Returns 0, or -1 when out of memory. h must be zeroed or cleared before.
 */
int fs_ssh_config_resolve(const struct fs_ssh_config *c, const char *alias, const char *user,
                          struct fs_ssh_host *h);

void fs_ssh_host_clear(struct fs_ssh_host *h);

/* Whether name matches an OpenSSH pattern list ("a*,!ab?,c"); exposed for the tests. */
int fs_ssh_pattern_list_match(const char *name, const char *list);

#endif
