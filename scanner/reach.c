/*
 * reach: the precedence of where a host's connection settings come from.
 *
 *   address  ssh_config HostName (matched on the inventory address) > the inventory address
 *   port     inventory > ssh_config Port > 22
 *   user     inventory > -l > ssh_config User > the local user
 *   keys     inventory identities > (-i keys, then ssh_config IdentityFile) > ~/.ssh/id_*
 *   agent    offered unless --no-agent, no SSH_AUTH_SOCK, or IdentitiesOnly yes
 *   timeout  --connect-timeout when given > ssh_config ConnectTimeout > 10 s
 *   jump     --jump > inventory (ansible_ssh_common_args) > ssh_config ProxyJump/ProxyCommand
 */
#include <errno.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "scanner/jump_spec.h"
#include "scanner/reach.h"
#include "scanner/scan_internal.h"
#include "scanner/secret.h"
#include "scanner/ssh_config.h"

/* One bastion, shared by every host that names it. */
struct bastion {
    char *label; /* user@host:port, as connected */
    char *address;
    char *user;
    struct fs_transport_target target;
    struct fs_jump *jump;
};

struct fs_reach {
    const struct fs_scan_options *o;
    const struct fs_transport_config *tcfg;
    struct fs_ssh_config *cfg;
    struct fs_keyring *keys;
    char *password;
    bool agent;
    char local_user[256];
    struct bastion *bastions;
    size_t n_bastions;
};

/*
 * Asks the agent at path, once before the scan, how many keys it holds (the agent protocol's
 * REQUEST_IDENTITIES). Returns the count, or -1 with the reason in why. Blocking, with a 2 s
 * limit: the loop does not run yet.
 */
static long agent_key_count(const char *path, char *why, size_t len)
{
    struct sockaddr_un a;
    struct timeval tv = {2, 0};
    static const unsigned char req[5] = {0, 0, 0, 1, 11}; /* length 1, REQUEST_IDENTITIES */
    unsigned char ans[9];
    size_t got = 0;
    long n = -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(why, len, "%s", "it sent no valid answer");
    if (fd < 0 || strlen(path) >= sizeof a.sun_path) {
        snprintf(why, len, "%s", fd < 0 ? strerror(errno) : "socket path too long");
        goto out;
    }
    memcpy(a.sun_path, path, strlen(path));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 || write(fd, req, 5) != 5) {
        snprintf(why, len, "%s", strerror(errno));
        goto out;
    }
    while (got < sizeof ans) {
        ssize_t r = read(fd, ans + got, sizeof ans - got);
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    if (ans[4] == 12) /* IDENTITIES_ANSWER, then the number of keys */
        n = (long)((unsigned long)ans[5] << 24 | (unsigned long)ans[6] << 16 |
                   (unsigned long)ans[7] << 8 | ans[8]);
out:
    if (fd >= 0)
        close(fd);
    return n;
}

/* Whether agent keys are worth offering: an agent answers and holds at least one key. */
static bool agent_usable(const struct fs_scan_options *o)
{
    const char *sock = getenv("SSH_AUTH_SOCK");
    char why[256];
    long n;

    if (o->no_agent || sock == NULL || sock[0] == '\0')
        return false;
    n = agent_key_count(sock, why, sizeof why);
    if (n < 0)
        fprintf(stderr,
                "fleetscan: warning: SSH_AUTH_SOCK=%s: no ssh-agent answers there (%s); its "
                "keys are not offered\n",
                sock, why);
    return n > 0;
}

static char *read_password(const struct fs_scan_options *o, char *err, size_t errlen, bool *bad)
{
    const char *env = getenv("FLEETSCAN_PASSWORD");
    char *p;

    *bad = false;
    if (o->password_file != NULL) {
        p = fs_secret_from_file(o->password_file, "password", err, errlen);
        *bad = p == NULL;
        return p;
    }
    if (env != NULL && env[0] != '\0') {
        p = strdup(env);
        *bad = p == NULL;
        if (p == NULL)
            snprintf(err, errlen, "out of memory");
        return p;
    }
    return NULL;
}

int fs_reach_new(const struct fs_scan_options *o, const struct fs_transport_config *tcfg,
                 struct fs_reach **out, char *err, size_t errlen)
{
    struct fs_reach *r = calloc(1, sizeof *r);
    struct fs_keyring_options ko;
    struct passwd *pw = getpwuid(getuid());
    char *passphrase = NULL;
    bool bad;

    *out = NULL;
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->o = o;
    r->tcfg = tcfg;
    snprintf(r->local_user, sizeof r->local_user, "%s", pw != NULL ? pw->pw_name : "root");
    r->agent = agent_usable(o);
    if (fs_ssh_config_load(o->ssh_config, &r->cfg, err, errlen) != 0)
        goto fail;
    if (o->passphrase_file != NULL &&
        (passphrase = fs_secret_from_file(o->passphrase_file, "passphrase", err, errlen)) == NULL)
        goto fail;
    r->password = read_password(o, err, errlen, &bad);
    if (bad)
        goto fail;
    memset(&ko, 0, sizeof ko);
    ko.identities = o->identities;
    ko.n_identities = o->n_identities;
    ko.passphrase = passphrase;
    ko.prompt = passphrase == NULL && fs_secret_can_prompt();
    r->keys = fs_keyring_new(&ko, err, errlen);
    fs_secret_free(passphrase);
    if (r->keys == NULL)
        goto fail;
    *out = r;
    return 0;
fail:
    fs_reach_free(r);
    return -1;
}

/* The jump host a target names, by precedence; j->host is "" when there is none. */
static int pick_jump(struct fs_reach *r, const char *inventory, const struct fs_target *t,
                     const struct fs_ssh_host *ch, struct fs_jump_spec *j, char *err, size_t errlen)
{
    char why[1024];
    bool found = false;

    memset(j, 0, sizeof *j);
    if (r->o->jump != NULL) {
        if (fs_jump_parse(r->o->jump, j, why, sizeof why) != 0)
            goto bad_cli;
        return 0;
    }
    if (t->ssh_args != NULL) {
        if (fs_jump_from_ssh_args(t->ssh_args, j, &found, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s:%d: host '%s': ansible_ssh_common_args: %s", inventory,
                     t->line, t->name, why);
            return -1;
        }
        if (found)
            return 0;
    }
    if (ch->proxy_jump != NULL && fs_jump_parse(ch->proxy_jump, j, why, sizeof why) != 0)
        goto bad_config;
    if (ch->proxy_command != NULL && strcasecmp(ch->proxy_command, "none") != 0 &&
        fs_jump_from_proxy_command(ch->proxy_command, j, why, sizeof why) != 0)
        goto bad_config;
    return 0;
bad_cli:
    snprintf(err, errlen, "--jump: %s", why);
    return -1;
bad_config:
    snprintf(err, errlen, "%s: %s (host '%s')", ch->where, why, t->name);
    return -1;
}

static void free_bastion(struct bastion *b)
{
    fs_jump_free(b->jump);
    free(b->label);
    free(b->address);
    free(b->user);
}

/* The shared bastion for spec j, resolved through ssh_config like any host; NULL on error. */
static struct fs_jump *bastion_for(struct fs_reach *r, const char *inventory,
                                   const struct fs_target *t, const struct fs_jump_spec *j,
                                   char *err, size_t errlen)
{
    struct fs_ssh_host ch;
    struct bastion b, *grown;
    struct fs_target fake;
    char *ident = (char *)j->identity;
    char label[700];
    int port;

    memset(&b, 0, sizeof b);
    memset(&fake, 0, sizeof fake);
    if (fs_ssh_config_resolve(r->cfg, j->host, j->user[0] ? j->user : NULL, &ch) != 0)
        goto oom;
    port = j->port > 0 ? j->port : ch.port > 0 ? ch.port : 22;
    b.address = strdup(ch.hostname != NULL ? ch.hostname : j->host);
    b.user = strdup(j->user[0] ? j->user : ch.user != NULL ? ch.user : r->local_user);
    if (b.address == NULL || b.user == NULL)
        goto oom_ch;
    snprintf(label, sizeof label, "%s@%s:%d", b.user, b.address, port);
    for (size_t i = 0; i < r->n_bastions; i++) {
        if (strcmp(r->bastions[i].label, label) == 0) {
            fs_ssh_host_clear(&ch);
            free_bastion(&b);
            return r->bastions[i].jump;
        }
    }
    fake.name = t->name;
    fake.line = t->line;
    fake.identities = j->identity[0] ? &ident : NULL;
    fake.n_identities = j->identity[0] ? 1 : 0;
    b.target.address = b.address;
    b.target.port = port;
    b.target.user = b.user;
    if (fs_keyring_for_target(r->keys, inventory, &fake, &ch, &b.target.keys, &b.target.n_keys, err,
                              errlen) != 0) {
        fs_ssh_host_clear(&ch);
        free_bastion(&b);
        return NULL;
    }
    b.target.use_agent = r->agent && ch.identities_only != 1;
    b.target.password = r->password;
    if (!r->o->connect_timeout_set && ch.connect_timeout_s > 0)
        b.target.connect_timeout_ms = (uint64_t)ch.connect_timeout_s * 1000u;
    fs_ssh_host_clear(&ch);
    b.label = strdup(label);
    grown = realloc(r->bastions, (r->n_bastions + 1) * sizeof *grown);
    if (b.label == NULL || grown == NULL)
        goto oom_b;
    r->bastions = grown;
    b.jump = fs_jump_new(r->tcfg, &b.target, b.label);
    if (b.jump == NULL)
        goto oom_b;
    grown[r->n_bastions++] = b;
    return b.jump;
oom_ch:
    fs_ssh_host_clear(&ch);
oom_b:
    free_bastion(&b);
oom:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

int fs_reach_target(struct fs_reach *r, const char *inventory, const struct fs_target *t,
                    struct fs_host_record *rec, struct fs_transport_target *tt, char *err,
                    size_t errlen)
{
    const char *decided_user = t->user != NULL ? t->user : r->o->user;
    struct fs_ssh_host ch;
    struct fs_jump_spec j;
    int rc = -1;

    if (fs_ssh_config_resolve(r->cfg, t->address, decided_user, &ch) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rec->address = strdup(ch.hostname != NULL ? ch.hostname : t->address);
    rec->port = t->port > 0 ? t->port : ch.port > 0 ? ch.port : 22;
    rec->user = strdup(decided_user != NULL ? decided_user
                       : ch.user != NULL    ? ch.user
                                            : r->local_user);
    if (rec->address == NULL || rec->user == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    memset(tt, 0, sizeof *tt);
    tt->address = rec->address;
    tt->port = rec->port;
    tt->user = rec->user;
    if (fs_keyring_for_target(r->keys, inventory, t, &ch, &tt->keys, &tt->n_keys, err, errlen) != 0)
        goto out;
    tt->use_agent = r->agent && ch.identities_only != 1;
    tt->password = r->password;
    if (!r->o->connect_timeout_set && ch.connect_timeout_s > 0)
        tt->connect_timeout_ms = (uint64_t)ch.connect_timeout_s * 1000u;
    if (pick_jump(r, inventory, t, &ch, &j, err, errlen) != 0)
        goto out;
    if (j.host[0] != '\0' && (tt->jump = bastion_for(r, inventory, t, &j, err, errlen)) == NULL)
        goto out;
    rc = 0;
out:
    fs_ssh_host_clear(&ch);
    return rc;
}

void fs_reach_free(struct fs_reach *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_bastions; i++)
        free_bastion(&r->bastions[i]);
    free(r->bastions);
    fs_ssh_config_free(r->cfg);
    fs_keyring_free(r->keys);
    fs_secret_free(r->password);
    free(r);
}
