/*
 * jump_spec: jump hosts as OpenSSH's ProxyJump, ProxyCommand and Ansible's ssh arguments name
 * them. Nothing here runs a command: a ProxyCommand is only read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scanner/jump_spec.h"

#define MAX_WORDS 64

/* Splits text like a POSIX shell would into words (quotes and backslashes); no expansion. */
static int shell_split(const char *text, char *buf, size_t buflen, char **words, int max)
{
    int n = 0;
    size_t o = 0;
    const char *p = text;

    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (*p == '\0')
            return n;
        if (n == max || o + 1 >= buflen)
            return -1;
        words[n] = buf + o;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') {
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                while (*p != '\0' && *p != q) {
                    if (q == '"' && *p == '\\' && p[1] != '\0')
                        p++;
                    if (o + 1 >= buflen)
                        return -1;
                    buf[o++] = *p++;
                }
                if (*p != q)
                    return -1; /* an unterminated quote */
                p++;
            } else {
                if (*p == '\\' && p[1] != '\0')
                    p++;
                if (o + 1 >= buflen)
                    return -1;
                buf[o++] = *p++;
            }
        }
        buf[o++] = '\0';
        n++;
    }
}

int fs_jump_parse(const char *text, struct fs_jump_spec *j, char *err, size_t errlen)
{
    const char *p = text, *at, *hostend;
    char *end;
    long port;
    size_t n;

    memset(j, 0, sizeof *j);
    if (strcasecmp(text, "none") == 0)
        return 0;
    if (strchr(text, ',') != NULL) {
        snprintf(err, errlen,
                 "jump host '%s': a chain of jump hosts is not supported; name one bastion", text);
        return -1;
    }
    if (strncmp(p, "ssh://", 6) == 0)
        p += 6;
    at = strrchr(p, '@');
    if (at != NULL) {
        n = (size_t)(at - p);
        if (n == 0 || n >= sizeof j->user)
            goto bad;
        memcpy(j->user, p, n);
        p = at + 1;
    }
    if (*p == '[') {
        hostend = strchr(p, ']');
        if (hostend == NULL)
            goto bad;
        p++;
        n = (size_t)(hostend - p);
        hostend++;
    } else {
        hostend = strchr(p, ':');
        if (hostend == NULL)
            hostend = p + strlen(p);
        n = (size_t)(hostend - p);
    }
    if (n == 0 || n >= sizeof j->host)
        goto bad;
    memcpy(j->host, p, n);
    if (*hostend == ':') {
        port = strtol(hostend + 1, &end, 10);
        if (*end != '\0' || port < 1 || port > 65535)
            goto bad;
        j->port = (int)port;
    } else if (*hostend != '\0') {
        goto bad;
    }
    return 0;
bad:
    snprintf(err, errlen, "jump host '%s': expected [user@]host[:port]", text);
    memset(j, 0, sizeof *j);
    return -1;
}

/* ssh options that take an argument (OpenSSH 9's usage line). */
static int takes_argument(char c)
{
    return c != '\0' && strchr("BbcDEeFIiJLlmOoPpQRSWw", c) != NULL;
}

int fs_jump_from_proxy_command(const char *cmd, struct fs_jump_spec *j, char *err, size_t errlen)
{
    char buf[4096];
    char *w[MAX_WORDS];
    int n = shell_split(cmd, buf, sizeof buf, w, MAX_WORDS);
    const char *base, *user = NULL, *ident = NULL, *dest = NULL;
    long port = 0;
    int forward = 0;

    memset(j, 0, sizeof *j);
    if (n < 1)
        goto unsupported;
    base = strrchr(w[0], '/');
    base = base != NULL ? base + 1 : w[0];
    if (strcmp(base, "ssh") != 0)
        goto unsupported;
    for (int i = 1; i < n; i++) {
        if (w[i][0] == '-' && w[i][1] != '\0') {
            /* Flags may be grouped (-qT); the last may take an argument, glued or next. */
            for (const char *f = w[i] + 1; *f != '\0'; f++) {
                const char *arg;
                if (!takes_argument(*f))
                    continue;
                arg = f[1] != '\0' ? f + 1 : (i + 1 < n ? w[++i] : NULL);
                if (arg == NULL)
                    goto unsupported;
                if (*f == 'W')
                    forward = strcmp(arg, "%h:%p") == 0 || strcmp(arg, "[%h]:%p") == 0;
                else if (*f == 'p')
                    port = strtol(arg, NULL, 10);
                else if (*f == 'l')
                    user = arg;
                else if (*f == 'i')
                    ident = arg;
                else if (*f == 'J')
                    goto unsupported;
                break;
            }
            continue;
        }
        if (dest != NULL)
            goto unsupported; /* a remote command: not a plain forward */
        dest = w[i];
    }
    if (!forward || dest == NULL)
        goto unsupported;
    if (fs_jump_parse(dest, j, err, errlen) != 0)
        return -1;
    if (j->host[0] == '\0')
        goto unsupported;
    if (user != NULL && j->user[0] == '\0')
        snprintf(j->user, sizeof j->user, "%s", user);
    if (port > 0 && port <= 65535 && j->port == 0)
        j->port = (int)port;
    if (ident != NULL)
        snprintf(j->identity, sizeof j->identity, "%s", ident);
    return 0;
unsupported:
    memset(j, 0, sizeof *j);
    snprintf(err, errlen,
             "ProxyCommand '%s' is not run by fleetscan: only 'ssh -W %%h:%%p [user@]bastion' "
             "is understood, as a jump host (or use ProxyJump / --jump)",
             cmd);
    return -1;
}

/* One -o value: "ProxyJump=x", "ProxyJump x", "ProxyCommand=...". */
static int from_option(const char *opt, struct fs_jump_spec *j, bool *found, char *err,
                       size_t errlen)
{
    size_t k = strcspn(opt, "= \t");
    const char *v = opt + k;

    v += strspn(v, " \t");
    if (*v == '=')
        v++;
    v += strspn(v, " \t");
    if (k == 9 && strncasecmp(opt, "ProxyJump", 9) == 0) {
        if (fs_jump_parse(v, j, err, errlen) != 0)
            return -1;
        *found = true;
    } else if (k == 12 && strncasecmp(opt, "ProxyCommand", 12) == 0) {
        if (strcasecmp(v, "none") == 0) {
            memset(j, 0, sizeof *j);
        } else if (fs_jump_from_proxy_command(v, j, err, errlen) != 0) {
            return -1;
        }
        *found = true;
    }
    return 0;
}

int fs_jump_from_ssh_args(const char *args, struct fs_jump_spec *j, bool *found, char *err,
                          size_t errlen)
{
    char buf[4096];
    char *w[MAX_WORDS];
    int n = shell_split(args, buf, sizeof buf, w, MAX_WORDS);

    memset(j, 0, sizeof *j);
    *found = false;
    if (n < 0) {
        snprintf(err, errlen, "ssh arguments '%s': unbalanced quotes", args);
        return -1;
    }
    /* As with ssh, the first setting given wins. */
    for (int i = 0; i < n && !*found; i++) {
        const char *opt = NULL;
        if (strcmp(w[i], "-o") == 0 && i + 1 < n)
            opt = w[++i];
        else if (strncmp(w[i], "-o", 2) == 0 && w[i][2] != '\0')
            opt = w[i] + 2;
        else if (strcmp(w[i], "-J") == 0 && i + 1 < n) {
            if (fs_jump_parse(w[++i], j, err, errlen) != 0)
                return -1;
            *found = true;
            continue;
        }
        if (opt != NULL && from_option(opt, j, found, err, errlen) != 0)
            return -1;
    }
    return 0;
}
