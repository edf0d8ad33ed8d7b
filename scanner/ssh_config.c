/*
 * ssh_config: OpenSSH's client configuration, read once and resolved per host in memory.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "scanner/ssh_config.h"

/* OpenSSH's own limit on nested Include. */
#define MAX_INCLUDE_DEPTH 16

enum kw {
    KW_HOSTNAME,
    KW_USER,
    KW_PORT,
    KW_IDENTITYFILE,
    KW_IDENTITIESONLY,
    KW_PROXYJUMP,
    KW_PROXYCOMMAND,
    KW_CONNECTTIMEOUT,
    KW_COUNT
};

static const char *const kw_names[KW_COUNT] = {
    [KW_HOSTNAME] = "hostname",
    [KW_USER] = "user",
    [KW_PORT] = "port",
    [KW_IDENTITYFILE] = "identityfile",
    [KW_IDENTITIESONLY] = "identitiesonly",
    [KW_PROXYJUMP] = "proxyjump",
    [KW_PROXYCOMMAND] = "proxycommand",
    [KW_CONNECTTIMEOUT] = "connecttimeout",
};

/* A Host or Match line and what follows it; block 0 is what comes before the first one. */
struct block {
    int is_match;
    char *text; /* the patterns or criteria */
    int never;  /* a Match criterion fleetscan does not evaluate (exec, ...) */
};

struct entry {
    size_t block;
    enum kw kw;
    char *value;
    char *where; /* FILE:LINE */
};

struct fs_ssh_config {
    struct block *blocks;
    size_t n_blocks;
    struct entry *entries;
    size_t n_entries;
    char *home;
    char *local_user;
};

struct reader {
    struct fs_ssh_config *c;
    char *err;
    size_t errlen;
    int user_file; /* relative Include paths: ~/.ssh for the user's files, else /etc/ssh */
};

/* ---- patterns ------------------------------------------------------------------------------ */

/* OpenSSH's wildcard match: '*' any run, '?' one character; host names compare caseless. */
static int wild_match(const char *s, const char *p)
{
    for (; *p != '\0'; p++, s++) {
        if (*p == '*') {
            while (p[1] == '*')
                p++;
            if (p[1] == '\0')
                return 1;
            for (; *s != '\0'; s++)
                if (wild_match(s, p + 1))
                    return 1;
            return 0;
        }
        if (*s == '\0')
            return 0;
        if (*p != '?' && tolower((unsigned char)*p) != tolower((unsigned char)*s))
            return 0;
    }
    return *s == '\0';
}

/*
 * Matches name against patterns separated by commas or blanks: no when a negated pattern
 * matches, else yes when any plain pattern does.
 */
static int pattern_list_match(const char *name, const char *list, const char *seps)
{
    int found = 0;
    char pat[512];

    while (*list != '\0') {
        size_t n = strcspn(list, seps);
        if (n > 0 && n < sizeof pat) {
            int neg = list[0] == '!';
            memcpy(pat, list + neg, n - (size_t)neg);
            pat[n - (size_t)neg] = '\0';
            if (wild_match(name, pat)) {
                if (neg)
                    return 0;
                found = 1;
            }
        }
        list += n;
        list += strspn(list, seps);
    }
    return found;
}

int fs_ssh_pattern_list_match(const char *name, const char *list)
{
    return pattern_list_match(name, list, ",");
}

/* ---- reading ------------------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int fail(struct reader *r, const char *where,
                                                      const char *fmt, ...)
{
    va_list ap;
    char msg[600];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s: %s", where, msg);
    return -1;
}

/* Next blank-separated word of *p, double quotes grouping; NULL at the end. Edits the text. */
static char *next_word(char **p)
{
    char *s = *p, *w, *o;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return NULL;
    w = o = s;
    while (*s != '\0' && *s != ' ' && *s != '\t') {
        if (*s == '"') {
            for (s++; *s != '\0' && *s != '"'; s++)
                *o++ = *s;
            if (*s == '"')
                s++;
        } else {
            *o++ = *s++;
        }
    }
    if (*s != '\0')
        s++;
    *o = '\0';
    *p = s;
    return w;
}

static int add_block(struct fs_ssh_config *c, int is_match, const char *text)
{
    struct block *g = realloc(c->blocks, (c->n_blocks + 1) * sizeof *g);

    if (g == NULL)
        return -1;
    c->blocks = g;
    g[c->n_blocks].is_match = is_match;
    g[c->n_blocks].never = 0;
    g[c->n_blocks].text = strdup(text);
    if (g[c->n_blocks].text == NULL)
        return -1;
    c->n_blocks++;
    return 0;
}

static int add_entry(struct fs_ssh_config *c, size_t block, enum kw kw, const char *value,
                     const char *where)
{
    struct entry *g = realloc(c->entries, (c->n_entries + 1) * sizeof *g);

    if (g == NULL)
        return -1;
    c->entries = g;
    g[c->n_entries].block = block;
    g[c->n_entries].kw = kw;
    g[c->n_entries].value = strdup(value);
    g[c->n_entries].where = strdup(where);
    if (g[c->n_entries].value == NULL || g[c->n_entries].where == NULL) {
        free(g[c->n_entries].value);
        free(g[c->n_entries].where);
        return -1;
    }
    c->n_entries++;
    return 0;
}

/* Checks the criteria of a Match line; marks the block "never" for criteria not evaluated. */
static int check_match(struct reader *r, struct block *b, const char *where)
{
    char *copy = strdup(b->text), *p = copy, *w;
    int rc = 0;

    if (copy == NULL)
        return fail(r, where, "%s", "out of memory");
    while ((w = next_word(&p)) != NULL) {
        const char *name = w[0] == '!' ? w + 1 : w;
        if (strcasecmp(name, "all") == 0 || strcasecmp(name, "canonical") == 0 ||
            strcasecmp(name, "final") == 0)
            continue;
        if (strcasecmp(name, "host") != 0 && strcasecmp(name, "originalhost") != 0 &&
            strcasecmp(name, "user") != 0 && strcasecmp(name, "localuser") != 0 &&
            strcasecmp(name, "exec") != 0 && strcasecmp(name, "localnetwork") != 0 &&
            strcasecmp(name, "tagged") != 0) {
            rc = fail(r, where, "Match criterion '%s' is not known", name);
            break;
        }
        if (next_word(&p) == NULL) {
            rc = fail(r, where, "Match %s needs an argument", name);
            break;
        }
        if (strcasecmp(name, "exec") == 0 || strcasecmp(name, "localnetwork") == 0 ||
            strcasecmp(name, "tagged") == 0) {
            if (!b->never)
                fprintf(stderr,
                        "fleetscan: warning: %s: Match %s is never evaluated by fleetscan (no "
                        "command is run); the settings of this Match block do not apply\n",
                        where, name);
            b->never = 1;
        }
    }
    free(copy);
    return rc;
}

static int check_value(struct reader *r, enum kw kw, const char *v, const char *where)
{
    char *end;
    long n;

    switch (kw) {
    case KW_PORT:
        n = strtol(v, &end, 10);
        if (*end != '\0' || n < 1 || n > 65535)
            return fail(r, where, "Port '%s' is not a port number from 1 to 65535", v);
        return 0;
    case KW_CONNECTTIMEOUT:
        n = strtol(v, &end, 10);
        if (*end != '\0' || n < 0 || n > 86400)
            return fail(r, where, "ConnectTimeout '%s' is not a number of seconds", v);
        return 0;
    case KW_IDENTITIESONLY:
        if (strcasecmp(v, "yes") != 0 && strcasecmp(v, "no") != 0)
            return fail(r, where, "IdentitiesOnly '%s': expected yes or no", v);
        return 0;
    default:
        return 0;
    }
}

static int read_file(struct reader *r, const char *path, int depth, size_t *cur, int must_exist);

/* Include: every argument is a glob, relative to ~/.ssh (user files) or /etc/ssh. */
static int do_include(struct reader *r, char *args, int depth, size_t *cur, const char *where)
{
    char *w;
    char pattern[4096];

    if (depth >= MAX_INCLUDE_DEPTH)
        return fail(r, where, "Include nested more than %d levels deep", MAX_INCLUDE_DEPTH);
    while ((w = next_word(&args)) != NULL) {
        glob_t g;
        int rc;

        if (w[0] == '~' && w[1] == '/')
            snprintf(pattern, sizeof pattern, "%s/%s", r->c->home, w + 2);
        else if (w[0] == '/')
            snprintf(pattern, sizeof pattern, "%s", w);
        else if (r->user_file)
            snprintf(pattern, sizeof pattern, "%s/.ssh/%s", r->c->home, w);
        else
            snprintf(pattern, sizeof pattern, "/etc/ssh/%s", w);
        rc = glob(pattern, 0, NULL, &g);
        if (rc == GLOB_NOMATCH)
            continue;
        if (rc != 0)
            return fail(r, where, "Include '%s' cannot be expanded", w);
        for (size_t i = 0; i < g.gl_pathc; i++) {
            size_t saved = *cur;
            if (read_file(r, g.gl_pathv[i], depth + 1, cur, 0) != 0) {
                globfree(&g);
                return -1;
            }
            /* After the included file, the enclosing Host or Match block goes on. */
            *cur = saved;
        }
        globfree(&g);
    }
    return 0;
}

/* One line of a file; cur is the block the line belongs to. */
static int read_line(struct reader *r, char *line, int depth, size_t *cur, const char *where)
{
    char *p = line, *key, *val;
    size_t klen;

    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#')
        return 0;
    klen = strcspn(p, " \t=");
    key = p;
    p += klen;
    if (*p != '\0')
        *p++ = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '=')
        p++;
    while (*p == ' ' || *p == '\t')
        p++;
    val = p;
    if (strcasecmp(key, "host") == 0 || strcasecmp(key, "match") == 0) {
        int is_match = tolower((unsigned char)key[0]) == 'm';
        if (*val == '\0')
            return fail(r, where, "%s needs an argument", key);
        if (add_block(r->c, is_match, val) != 0)
            return fail(r, where, "%s", "out of memory");
        *cur = r->c->n_blocks - 1;
        return is_match ? check_match(r, &r->c->blocks[*cur], where) : 0;
    }
    if (strcasecmp(key, "include") == 0)
        return do_include(r, val, depth, cur, where);
    for (int k = 0; k < KW_COUNT; k++) {
        char *v;
        if (strcasecmp(key, kw_names[k]) != 0)
            continue;
        if (k == KW_PROXYCOMMAND) {
            size_t n = strlen(val);
            while (n > 0 && (val[n - 1] == ' ' || val[n - 1] == '\t'))
                val[--n] = '\0';
            v = val;
        } else {
            v = next_word(&val);
        }
        if (v == NULL || *v == '\0')
            return fail(r, where, "%s needs a value", key);
        if (check_value(r, (enum kw)k, v, where) != 0)
            return -1;
        if (add_entry(r->c, *cur, (enum kw)k, v, where) != 0)
            return fail(r, where, "%s", "out of memory");
        return 0;
    }
    return 0; /* a keyword that does not change how fleetscan reaches a host */
}

static int read_file(struct reader *r, const char *path, int depth, size_t *cur, int must_exist)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    char where[4200];

    if (f == NULL) {
        if (errno == ENOENT && !must_exist)
            return 0;
        snprintf(r->err, r->errlen, "%s: cannot read ssh_config: %s", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        rc = read_line(r, line, depth, cur, where);
    }
    free(line);
    fclose(f);
    return rc;
}

static char *home_dir(void)
{
    const char *home = getenv("HOME");
    struct passwd *pw = getpwuid(getuid());

    if (home == NULL || home[0] == '\0')
        home = pw != NULL ? pw->pw_dir : "/";
    return strdup(home);
}

int fs_ssh_config_load(const char *file, struct fs_ssh_config **out, char *err, size_t errlen)
{
    struct fs_ssh_config *c = calloc(1, sizeof *c);
    struct passwd *pw = getpwuid(getuid());
    struct reader r = {c, err, errlen, 1};
    size_t cur = 0;
    char path[4096];

    *out = NULL;
    if (c == NULL || (c->home = home_dir()) == NULL ||
        (c->local_user = strdup(pw != NULL ? pw->pw_name : "root")) == NULL ||
        add_block(c, 0, "*") != 0) {
        snprintf(err, errlen, "out of memory");
        fs_ssh_config_free(c);
        return -1;
    }
    if (file != NULL) {
        if (strcmp(file, "none") != 0 && read_file(&r, file, 0, &cur, 1) != 0)
            goto fail;
    } else {
        snprintf(path, sizeof path, "%s/.ssh/config", c->home);
        if (read_file(&r, path, 0, &cur, 0) != 0)
            goto fail;
        r.user_file = 0;
        cur = 0;
        if (read_file(&r, "/etc/ssh/ssh_config", 0, &cur, 0) != 0)
            goto fail;
    }
    *out = c;
    return 0;
fail:
    fs_ssh_config_free(c);
    return -1;
}

void fs_ssh_config_free(struct fs_ssh_config *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_blocks; i++)
        free(c->blocks[i].text);
    for (size_t i = 0; i < c->n_entries; i++) {
        free(c->entries[i].value);
        free(c->entries[i].where);
    }
    free(c->blocks);
    free(c->entries);
    free(c->home);
    free(c->local_user);
    free(c);
}

/* ---- resolving ----------------------------------------------------------------------------- */

struct resolution {
    const struct fs_ssh_config *c;
    const char *alias;
    const char *user; /* decided by the caller, or NULL */
    const char *value[KW_COUNT];
    const char *where[KW_COUNT];
};

/* The host name so far: HostName (with %h) when one was obtained, else the alias. */
static void current_host(const struct resolution *s, char *buf, size_t len);

static const char *current_user(const struct resolution *s)
{
    if (s->user != NULL)
        return s->user;
    return s->value[KW_USER] != NULL ? s->value[KW_USER] : s->c->local_user;
}

static int match_applies(const struct resolution *s, const struct block *b)
{
    char *copy = strdup(b->text), *p = copy, *w;
    char host[1024];
    int ok = 1;

    if (copy == NULL)
        return 0;
    while (ok && (w = next_word(&p)) != NULL) {
        int neg = w[0] == '!';
        const char *name = w + neg;
        int r = 1;
        if (strcasecmp(name, "host") == 0) {
            current_host(s, host, sizeof host);
            r = pattern_list_match(host, next_word(&p), ",");
        } else if (strcasecmp(name, "originalhost") == 0) {
            r = pattern_list_match(s->alias, next_word(&p), ",");
        } else if (strcasecmp(name, "user") == 0) {
            r = pattern_list_match(current_user(s), next_word(&p), ",");
        } else if (strcasecmp(name, "localuser") == 0) {
            r = pattern_list_match(s->c->local_user, next_word(&p), ",");
        }
        ok = neg ? !r : r;
    }
    free(copy);
    return ok;
}

static int block_applies(const struct resolution *s, const struct block *b)
{
    if (b->never)
        return 0;
    if (b->is_match)
        return match_applies(s, b);
    return pattern_list_match(s->alias, b->text, ", \t");
}

/* Expands OpenSSH's tokens; unknown ones stay as written. */
static void expand(const struct resolution *s, const char *in, const char *host, int port,
                   char *out, size_t len)
{
    size_t o = 0;

    if (in[0] == '~' && (in[1] == '/' || in[1] == '\0')) {
        o = (size_t)snprintf(out, len, "%s", s->c->home);
        in++;
    }
    for (; *in != '\0' && o + 1 < len; in++) {
        const char *sub = NULL;
        char num[16];
        if (*in == '%' && in[1] != '\0') {
            switch (in[1]) {
            case '%':
                sub = "%";
                break;
            case 'd':
                sub = s->c->home;
                break;
            case 'h':
                sub = host;
                break;
            case 'n':
                sub = s->alias;
                break;
            case 'r':
                sub = current_user(s);
                break;
            case 'u':
                sub = s->c->local_user;
                break;
            case 'p':
                snprintf(num, sizeof num, "%d", port);
                sub = num;
                break;
            default:
                break;
            }
        }
        if (sub != NULL) {
            o += (size_t)snprintf(out + o, len - o, "%s", sub);
            in++;
        } else {
            out[o++] = *in;
        }
        if (o >= len)
            o = len - 1;
    }
    out[o] = '\0';
}

static void current_host(const struct resolution *s, char *buf, size_t len)
{
    if (s->value[KW_HOSTNAME] == NULL) {
        snprintf(buf, len, "%s", s->alias);
        return;
    }
    /* HostName knows %h (the alias) and %%. */
    size_t o = 0;
    for (const char *p = s->value[KW_HOSTNAME]; *p != '\0' && o + 1 < len; p++) {
        if (p[0] == '%' && (p[1] == 'h' || p[1] == '%')) {
            o += (size_t)snprintf(buf + o, len - o, "%s", p[1] == 'h' ? s->alias : "%");
            p++;
            if (o >= len)
                o = len - 1;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
}

static int add_identity(struct fs_ssh_host *h, const char *path)
{
    char **g = realloc(h->identities, (h->n_identities + 1) * sizeof *g);

    if (g == NULL)
        return -1;
    h->identities = g;
    if ((g[h->n_identities] = strdup(path)) == NULL)
        return -1;
    h->n_identities++;
    return 0;
}

int fs_ssh_config_resolve(const struct fs_ssh_config *c, const char *alias, const char *user,
                          struct fs_ssh_host *h)
{
    struct resolution s;
    signed char *applies = calloc(c->n_blocks, 1); /* 0 not yet seen, 1 yes, 2 no */
    char host[1024], buf[4096];
    int port;

    memset(&s, 0, sizeof s);
    memset(h, 0, sizeof *h);
    h->identities_only = -1;
    if (applies == NULL)
        return -1;
    s.c = c;
    s.alias = alias;
    s.user = user;
    for (size_t i = 0; i < c->n_entries; i++) {
        const struct entry *e = &c->entries[i];
        /* A block is judged when its first setting is reached, as OpenSSH reads it. */
        if (applies[e->block] == 0)
            applies[e->block] = block_applies(&s, &c->blocks[e->block]) ? 1 : 2;
        if (applies[e->block] != 1)
            continue;
        if (e->kw == KW_IDENTITYFILE) {
            /* Expanded at the end, when host, user and port are known. */
            if (add_identity(h, e->value) != 0)
                goto oom;
            continue;
        }
        /* ProxyJump and ProxyCommand exclude each other: the first one obtained wins. */
        if ((e->kw == KW_PROXYJUMP && s.value[KW_PROXYCOMMAND] != NULL) ||
            (e->kw == KW_PROXYCOMMAND && s.value[KW_PROXYJUMP] != NULL))
            continue;
        if (s.value[e->kw] == NULL) {
            s.value[e->kw] = e->value;
            s.where[e->kw] = e->where;
        }
    }
    current_host(&s, host, sizeof host);
    port = s.value[KW_PORT] != NULL ? atoi(s.value[KW_PORT]) : 0;
    if (s.value[KW_HOSTNAME] != NULL && (h->hostname = strdup(host)) == NULL)
        goto oom;
    h->port = port;
    if (s.value[KW_USER] != NULL && (h->user = strdup(s.value[KW_USER])) == NULL)
        goto oom;
    if (s.value[KW_IDENTITIESONLY] != NULL)
        h->identities_only = strcasecmp(s.value[KW_IDENTITIESONLY], "yes") == 0;
    if (s.value[KW_CONNECTTIMEOUT] != NULL)
        h->connect_timeout_s = (unsigned)atoi(s.value[KW_CONNECTTIMEOUT]);
    if (s.value[KW_PROXYJUMP] != NULL) {
        if ((h->proxy_jump = strdup(s.value[KW_PROXYJUMP])) == NULL)
            goto oom;
        snprintf(h->where, sizeof h->where, "%s", s.where[KW_PROXYJUMP]);
    } else if (s.value[KW_PROXYCOMMAND] != NULL) {
        if ((h->proxy_command = strdup(s.value[KW_PROXYCOMMAND])) == NULL)
            goto oom;
        snprintf(h->where, sizeof h->where, "%s", s.where[KW_PROXYCOMMAND]);
    }
    for (size_t i = 0; i < h->n_identities; i++) {
        char *x;
        expand(&s, h->identities[i], host, port > 0 ? port : 22, buf, sizeof buf);
        if ((x = strdup(buf)) == NULL)
            goto oom;
        free(h->identities[i]);
        h->identities[i] = x;
    }
    free(applies);
    return 0;
oom:
    free(applies);
    fs_ssh_host_clear(h);
    return -1;
}

void fs_ssh_host_clear(struct fs_ssh_host *h)
{
    free(h->hostname);
    free(h->user);
    for (size_t i = 0; i < h->n_identities; i++)
        free(h->identities[i]);
    free(h->identities);
    free(h->proxy_jump);
    free(h->proxy_command);
    memset(h, 0, sizeof *h);
    h->identities_only = -1;
}
