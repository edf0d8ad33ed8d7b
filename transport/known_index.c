/*
 * known_index: known_hosts read once per scan; see known_index.h for what it answers.
 *
 * The rules mirror libssh 0.10.6's reading of the file (docs/ssh.md, "known_hosts index"):
 * lines split on '\n', leading white space skipped only to find comments, empty and marker
 * lines; fields split on spaces only; a host field matches when one of its comma-separated
 * patterns does; a line that matches a host but whose key does not parse makes libssh's check
 * for that host fail as a whole. Keys are parsed with libssh's own functions
 * (ssh_key_type_from_name, ssh_pki_import_pubkey_base64), so what is a valid key is libssh's
 * decision, not this file's.
 */
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/known_index.h"

#define MAX_LINE       8190 /* libssh reads lines with fgets(8192): longer ones end its read */
#define MAX_NAME       255
#define SHA1_LEN       20
#define MAX_HASHED_KEX 256 /* hashed lines past this: no key exchange shortcut (HMAC per line) */

/* Key type bits, and libssh 0.10.6's default host key algorithms in its order. */
enum { T_ED25519 = 1, T_P521 = 2, T_P384 = 4, T_P256 = 8, T_RSA = 16 };
static const struct {
    const char *alg;
    unsigned type;
} default_hostkeys[] = {
    {"ssh-ed25519", T_ED25519},        {"ecdsa-sha2-nistp521", T_P521},
    {"ecdsa-sha2-nistp384", T_P384},   {"ecdsa-sha2-nistp256", T_P256},
    {"sk-ssh-ed25519@openssh.com", 0}, {"sk-ecdsa-sha2-nistp256@openssh.com", 0},
    {"rsa-sha2-512", T_RSA},           {"rsa-sha2-256", T_RSA},
};

struct kh_name {
    char *name;
    ssh_key *keys; /* borrowed from the file's pool */
    size_t nkeys;
    bool poisoned;  /* a line for this name has a key libssh cannot parse */
    bool odd_type;  /* a key type outside T_* (certificate, security key, DSA) */
    unsigned types; /* T_* of its keys */
    struct kh_name *next;
};

struct kh_hashed {
    unsigned char salt[SHA1_LEN];
    unsigned char hash[SHA1_LEN];
    ssh_key key;        /* NULL: the line's key does not parse */
    uint64_t blob_hash; /* of the key's blob, to skip most HMACs */
};

struct kh_file {
    bool usable;   /* false: never answer from this file */
    bool complete; /* false: some line may match names the index cannot tell */
    char why[200];
    struct kh_name **buckets;
    size_t nbuckets;
    struct kh_hashed *hashed;
    size_t nhashed, caphashed;
    ssh_key *pool; /* owns the keys of exact-name lines, which names borrow */
    size_t npool, cappool;
    ssh_key *revoked; /* keys of @revoked lines (owned), whatever their host patterns */
    size_t nrevoked, caprevoked;
};

struct fs_known_index {
    struct kh_file user, global;
    bool kex_ok; /* false in FIPS mode, where libssh uses another default list */
};

static uint64_t fnv(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static unsigned type_bit(ssh_key key, bool *odd)
{
    switch (ssh_key_type(key)) {
    case SSH_KEYTYPE_ED25519:
        return T_ED25519;
    case SSH_KEYTYPE_ECDSA_P521:
        return T_P521;
    case SSH_KEYTYPE_ECDSA_P384:
        return T_P384;
    case SSH_KEYTYPE_ECDSA_P256:
        return T_P256;
    case SSH_KEYTYPE_RSA:
        return T_RSA;
    default:
        *odd = true;
        return 0;
    }
}

static uint64_t key_blob_hash(ssh_key key)
{
    char *b64 = NULL;
    uint64_t h = 0;

    if (ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK && b64 != NULL) {
        h = fnv(b64, strlen(b64));
        ssh_string_free_char(b64);
    }
    return h;
}

/* Strict standard base64 of exactly SHA1_LEN bytes (28 characters, one '='). */
static bool b64_sha1(const char *s, size_t len, unsigned char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    size_t n = 0;

    if (len != 28 || s[27] != '=' || s[26] == '=')
        return false;
    for (size_t i = 0; i < 27; i++) {
        const char *p = memchr(alphabet, s[i], 64);
        if (p == NULL || s[i] == '\0')
            return false;
        acc = (acc << 6) | (uint32_t)(p - alphabet);
        if (i % 4 == 3) {
            out[n++] = (unsigned char)(acc >> 16);
            out[n++] = (unsigned char)(acc >> 8);
            out[n++] = (unsigned char)acc;
            acc = 0;
        }
    }
    /* 27 characters: 6 groups of 4 (18 bytes) and 3 left, carrying 2 bytes and 2 zero bits. */
    if ((acc & 3) != 0)
        return false;
    out[n++] = (unsigned char)(acc >> 10);
    out[n++] = (unsigned char)(acc >> 2);
    return n == SHA1_LEN;
}

static bool hashed_matches(const struct kh_hashed *h, const char *name)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    if (HMAC(EVP_sha1(), h->salt, SHA1_LEN, (const unsigned char *)name, strlen(name), mac,
             &maclen) == NULL)
        return false;
    return maclen == SHA1_LEN && memcmp(mac, h->hash, SHA1_LEN) == 0;
}

/* A name libssh matches only by equal strings: lowercase host characters, no pattern. */
static bool safe_host(const char *s, size_t len)
{
    if (len == 0 || len > MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_' || c == ':'))
            return false;
    }
    return true;
}

/*
 * One element of a host field as the name libssh would look up, into out: "host", or
 * "[host]:port" - except "[host]:22", which libssh also matches for host on port 22.
 */
static bool exact_name(const char *s, size_t len, char *out, size_t outlen)
{
    if (len >= outlen)
        return false;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        size_t hlen, plen;
        if (close == NULL)
            return false;
        hlen = (size_t)(close - s - 1);
        plen = len - hlen - 3;
        if (!safe_host(s + 1, hlen) || close + 1 >= s + len || close[1] != ':' || plen == 0 ||
            plen > 5)
            return false;
        for (size_t i = 0; i < plen; i++)
            if (!isdigit((unsigned char)close[2 + i]))
                return false;
        if (plen == 2 && memcmp(close + 2, "22", 2) == 0) {
            memcpy(out, s + 1, hlen);
            out[hlen] = '\0';
            return true;
        }
    } else if (!safe_host(s, len)) {
        return false;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/* A name as libssh builds it for a host this index can answer for. */
static bool lookup_name(const char *name)
{
    char tmp[MAX_NAME + 10];

    return exact_name(name, strlen(name), tmp, sizeof tmp) && strcmp(tmp, name) == 0;
}

static struct kh_name *find(const struct kh_file *f, const char *name)
{
    struct kh_name *n;

    if (f->nbuckets == 0)
        return NULL;
    for (n = f->buckets[fnv(name, strlen(name)) & (f->nbuckets - 1)]; n != NULL; n = n->next)
        if (strcmp(n->name, name) == 0)
            return n;
    return NULL;
}

static struct kh_name *find_or_add(struct kh_file *f, const char *name)
{
    struct kh_name *n = find(f, name);
    size_t b;

    if (n != NULL)
        return n;
    n = calloc(1, sizeof *n);
    if (n == NULL || (n->name = strdup(name)) == NULL) {
        free(n);
        return NULL;
    }
    b = fnv(name, strlen(name)) & (f->nbuckets - 1);
    n->next = f->buckets[b];
    f->buckets[b] = n;
    return n;
}

static void disable(struct kh_file *f, const char *path, size_t lineno, const char *what)
{
    if (!f->usable)
        return;
    f->usable = false;
    f->complete = false;
    snprintf(f->why, sizeof f->why, "%s:%zu: %s", path, lineno, what);
}

/* Adds key (NULL: a line whose key does not parse) for every exact name of field. */
static bool add_names(struct kh_file *f, const char *field, size_t flen, ssh_key key)
{
    char name[MAX_NAME + 10];
    size_t i = 0;
    bool odd = false;
    unsigned bit = key != NULL ? type_bit(key, &odd) : 0;

    while (i < flen) {
        size_t e = i;
        struct kh_name *n;
        while (e < flen && field[e] != ',')
            e++;
        if (e > i) {
            if (!exact_name(field + i, e - i, name, sizeof name) ||
                (n = find_or_add(f, name)) == NULL)
                return false;
            if (key == NULL) {
                n->poisoned = true;
            } else {
                ssh_key *k = realloc(n->keys, (n->nkeys + 1) * sizeof *k);
                if (k == NULL)
                    return false;
                n->keys = k;
                n->keys[n->nkeys++] = key;
                n->types |= bit;
                n->odd_type |= odd;
            }
        }
        i = e + 1;
    }
    return true;
}

/* Host field kinds. */
enum field_kind { F_NAMES, F_HASHED, F_OTHER };

static enum field_kind classify(const char *field, size_t flen, struct kh_hashed *h)
{
    char name[MAX_NAME + 10];
    size_t i = 0;

    if (field[0] == '|') {
        const char *salt = field + 3, *bar;
        if (flen < 3 || memcmp(field, "|1|", 3) != 0 || memchr(field, ',', flen) != NULL)
            return F_OTHER;
        bar = memchr(salt, '|', flen - 3);
        if (bar == NULL || !b64_sha1(salt, (size_t)(bar - salt), h->salt) ||
            !b64_sha1(bar + 1, flen - (size_t)(bar + 1 - field), h->hash))
            return F_OTHER;
        return F_HASHED;
    }
    while (i < flen) {
        size_t e = i;
        while (e < flen && field[e] != ',')
            e++;
        if (e > i && !exact_name(field + i, e - i, name, sizeof name))
            return F_OTHER;
        i = e + 1;
    }
    return F_NAMES;
}

/* The next field of line (split on spaces only, as libssh's strtok(" ") does). */
static bool next_field(const char **p, const char *end, const char **start, size_t *len)
{
    while (*p < end && **p == ' ')
        (*p)++;
    if (*p >= end)
        return false;
    *start = *p;
    while (*p < end && **p != ' ')
        (*p)++;
    *len = (size_t)(*p - *start);
    return true;
}

/* Parses the key fields the way libssh does: NULL when they do not make a key. */
static ssh_key parse_key(const char **p, const char *end)
{
    const char *t, *k;
    size_t tlen, klen;
    char type[64], *b64;
    ssh_key key = NULL;
    enum ssh_keytypes_e kt;

    if (!next_field(p, end, &t, &tlen) || !next_field(p, end, &k, &klen) || tlen >= sizeof type)
        return NULL;
    memcpy(type, t, tlen);
    type[tlen] = '\0';
    kt = ssh_key_type_from_name(type);
    if (kt == SSH_KEYTYPE_UNKNOWN)
        return NULL;
    b64 = strndup(k, klen);
    if (b64 == NULL)
        return NULL;
    if (ssh_pki_import_pubkey_base64(b64, kt, &key) != SSH_OK)
        key = NULL;
    free(b64);
    return key;
}

static bool add_hashed(struct kh_file *f, const struct kh_hashed *h)
{
    if (f->nhashed == f->caphashed) {
        size_t cap = f->caphashed ? f->caphashed * 2 : 16;
        struct kh_hashed *n = realloc(f->hashed, cap * sizeof *n);
        if (n == NULL)
            return false;
        f->hashed = n;
        f->caphashed = cap;
    }
    f->hashed[f->nhashed++] = *h;
    return true;
}

/* One line (without its '\n'). Returns false when out of memory. */
static bool index_line(struct kh_file *f, const char *path, size_t lineno, const char *line,
                       size_t len)
{
    const char *p = line, *end = line + len, *field;
    size_t flen;
    const char *s = line;
    struct kh_hashed h;
    enum field_kind kind;
    ssh_key key;
    bool ok = true;

    while (s < end && isspace((unsigned char)*s))
        s++;
    if (s == end || *s == '#')
        return true;
    if (*s == '@') {
        /* libssh skips marker lines; an @revoked one would be ignored by it too, so never
         * vouch for any key of a file that revokes some. */
        if ((size_t)(end - s) >= 8 && memcmp(s, "@revoked", 8) == 0 &&
            (end - s == 8 || isspace((unsigned char)s[8]))) {
            disable(f, path, lineno, "an @revoked line");
            /* The revoked key itself, for fs_known_index_revoked(): libssh 0.10 ignores it. */
            p = s + 8;
            if (next_field(&p, end, &field, &flen) && (key = parse_key(&p, end)) != NULL) {
                if (f->nrevoked == f->caprevoked) {
                    size_t cap = f->caprevoked ? f->caprevoked * 2 : 4;
                    ssh_key *nr = realloc(f->revoked, cap * sizeof *nr);
                    if (nr == NULL) {
                        ssh_key_free(key);
                        return false;
                    }
                    f->revoked = nr;
                    f->caprevoked = cap;
                }
                f->revoked[f->nrevoked++] = key;
            }
        }
        return true;
    }
    if (!next_field(&p, end, &field, &flen))
        return true; /* only tabs and the like: no host field libssh could match */
    memset(&h, 0, sizeof h);
    kind = classify(field, flen, &h);
    key = parse_key(&p, end);
    switch (kind) {
    case F_NAMES:
        if (key != NULL) {
            if (f->npool == f->cappool) {
                size_t cap = f->cappool ? f->cappool * 2 : 64;
                ssh_key *np = realloc(f->pool, cap * sizeof *np);
                if (np == NULL) {
                    ssh_key_free(key);
                    return false;
                }
                f->pool = np;
                f->cappool = cap;
            }
            f->pool[f->npool++] = key; /* the pool owns it from here */
        }
        return add_names(f, field, flen, key);
    case F_HASHED:
        h.key = key;
        h.blob_hash = key != NULL ? key_blob_hash(key) : 0;
        ok = add_hashed(f, &h);
        if (ok)
            return true; /* the entry owns key */
        break;
    case F_OTHER:
        f->complete = false;
        if (key == NULL)
            disable(f, path, lineno, "a line with a host pattern whose key does not parse");
        break;
    }
    ssh_key_free(key);
    return ok;
}

static bool load_file(struct kh_file *f, const char *path)
{
    FILE *fp;
    char *buf = NULL;
    size_t len = 0, cap = 0, lines = 1, lineno = 0;
    bool ok = true;

    f->usable = true;
    f->complete = true;
    f->why[0] = '\0';
    if (path == NULL)
        return true;
    fp = fopen(path, "re");
    if (fp == NULL)
        return true; /* libssh treats a file it cannot open as an empty one */
    for (;;) {
        size_t n;
        if (cap - len < 65536) {
            char *nb = realloc(buf, cap + 65536 + 1);
            if (nb == NULL) {
                fclose(fp);
                free(buf);
                return false;
            }
            buf = nb;
            cap += 65536;
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(fp)) {
        f->usable = false;
        f->complete = false;
        snprintf(f->why, sizeof f->why, "%s: read error", path);
    }
    fclose(fp);
    if (f->usable && memchr(buf, '\0', len) != NULL)
        disable(f, path, 0, "a NUL byte");
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    for (f->nbuckets = 16; f->nbuckets < 2 * lines; f->nbuckets *= 2)
        ;
    f->buckets = calloc(f->nbuckets, sizeof *f->buckets);
    if (f->buckets == NULL) {
        free(buf);
        return false;
    }
    for (size_t i = 0; ok && f->usable && i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t llen = nl != NULL ? (size_t)(nl - (buf + i)) : len - i;
        lineno++;
        if (llen > MAX_LINE) {
            disable(f, path, lineno, "a line longer than libssh reads");
            break;
        }
        ok = index_line(f, path, lineno, buf + i, llen);
        i += llen + 1;
    }
    free(buf);
    return ok;
}

static void free_file(struct kh_file *f)
{
    for (size_t b = 0; b < f->nbuckets; b++) {
        struct kh_name *n = f->buckets[b];
        while (n != NULL) {
            struct kh_name *next = n->next;
            free(n->keys);
            free(n->name);
            free(n);
            n = next;
        }
    }
    free(f->buckets);
    for (size_t i = 0; i < f->nhashed; i++)
        ssh_key_free(f->hashed[i].key);
    free(f->hashed);
    for (size_t i = 0; i < f->npool; i++)
        ssh_key_free(f->pool[i]);
    free(f->pool);
    for (size_t i = 0; i < f->nrevoked; i++)
        ssh_key_free(f->revoked[i]);
    free(f->revoked);
}

static bool fips_enabled(void)
{
    FILE *fp = fopen("/proc/sys/crypto/fips_enabled", "re");
    int c = EOF;

    if (fp != NULL) {
        c = fgetc(fp);
        fclose(fp);
    }
    return c == '1';
}

struct fs_known_index *fs_known_index_load(const char *path, const char *global_path)
{
    struct fs_known_index *idx = calloc(1, sizeof *idx);

    if (idx == NULL)
        return NULL;
    if (!load_file(&idx->user, path) || !load_file(&idx->global, global_path)) {
        fs_known_index_free(idx);
        return NULL;
    }
    idx->kex_ok = !fips_enabled();
    return idx;
}

void fs_known_index_free(struct fs_known_index *idx)
{
    if (idx == NULL)
        return;
    free_file(&idx->user);
    free_file(&idx->global);
    free(idx);
}

bool fs_known_index_revoked(const struct fs_known_index *idx, ssh_key key)
{
    const struct kh_file *files[] = {&idx->user, &idx->global};

    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < files[k]->nrevoked; i++)
            if (ssh_key_cmp(files[k]->revoked[i], key, SSH_KEY_CMP_PUBLIC) == 0)
                return true;
    return false;
}

const char *fs_known_index_disabled(const struct fs_known_index *idx)
{
    return idx->user.usable ? "" : idx->user.why;
}

bool fs_known_index_has_key(const struct fs_known_index *idx, const char *name, ssh_key key)
{
    const struct kh_file *f = &idx->user;
    const struct kh_name *n;
    uint64_t bh;

    if (!f->usable || key == NULL || !lookup_name(name))
        return false;
    n = find(f, name);
    if (n != NULL && n->poisoned)
        return false;
    /* A hashed line for this name whose key does not parse makes libssh fail: ask it. */
    for (size_t i = 0; i < f->nhashed; i++)
        if (f->hashed[i].key == NULL && hashed_matches(&f->hashed[i], name))
            return false;
    for (size_t k = 0; n != NULL && k < n->nkeys; k++)
        if (ssh_key_cmp(key, n->keys[k], SSH_KEY_CMP_PUBLIC) == 0)
            return true;
    if (f->nhashed == 0)
        return false;
    bh = key_blob_hash(key);
    for (size_t i = 0; i < f->nhashed; i++) {
        const struct kh_hashed *h = &f->hashed[i];
        if (h->key != NULL && h->blob_hash == bh &&
            ssh_key_cmp(key, h->key, SSH_KEY_CMP_PUBLIC) == 0 && hashed_matches(h, name))
            return true;
    }
    return false;
}

/* The T_* types file f lists for name; false when it cannot tell. */
static bool file_types(const struct kh_file *f, const char *name, unsigned *types)
{
    const struct kh_name *n;

    if (!f->usable || !f->complete || f->nhashed > MAX_HASHED_KEX)
        return false;
    n = find(f, name);
    if (n != NULL) {
        if (n->poisoned || n->odd_type)
            return false;
        *types |= n->types;
    }
    for (size_t i = 0; i < f->nhashed; i++) {
        bool odd = false;
        if (!hashed_matches(&f->hashed[i], name))
            continue;
        if (f->hashed[i].key == NULL)
            return false;
        *types |= type_bit(f->hashed[i].key, &odd);
        if (odd)
            return false;
    }
    return true;
}

bool fs_known_index_hostkeys(const struct fs_known_index *idx, const char *name, char *buf,
                             size_t len)
{
    unsigned types = 0;
    size_t used = 0;
    const size_t n = sizeof default_hostkeys / sizeof default_hostkeys[0];

    if (!idx->kex_ok || !lookup_name(name) || !file_types(&idx->user, name, &types) ||
        !file_types(&idx->global, name, &types) || types == 0)
        return false;
    /* Known types first, then the rest, each part in libssh's default order. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            bool known = (default_hostkeys[i].type & types) != 0;
            int w;
            if (known != (pass == 0))
                continue;
            w = snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "",
                         default_hostkeys[i].alg);
            if (w < 0 || (size_t)w >= len - used)
                return false;
            used += (size_t)w;
        }
    return true;
}

bool fs_known_index_apply(const struct fs_known_index *idx, ssh_session ssh, const char *host,
                          int port, const char *known_hosts)
{
    char name[MAX_NAME + 10];
    char list[512];

    /* libssh expands '%' and a leading '~' in the path when it connects; keep those to it. */
    if (idx == NULL || known_hosts == NULL || strchr(known_hosts, '%') != NULL ||
        known_hosts[0] == '~' || strcmp(known_hosts, "/dev/null") == 0 ||
        !fs_known_index_name(host, port, name, sizeof name) ||
        !fs_known_index_hostkeys(idx, name, list, sizeof list))
        return false;
    if (ssh_options_set(ssh, SSH_OPTIONS_HOSTKEYS, list) != SSH_OK)
        return false;
    ssh_options_set(ssh, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
    ssh_options_set(ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
    return true;
}

void fs_known_index_restore(ssh_session ssh, const char *known_hosts)
{
    char *cur = NULL;

    if (ssh_options_get(ssh, SSH_OPTIONS_KNOWNHOSTS, &cur) != SSH_OK || cur == NULL)
        return;
    if (strcmp(cur, "/dev/null") == 0 && strcmp(known_hosts, "/dev/null") != 0) {
        ssh_options_set(ssh, SSH_OPTIONS_KNOWNHOSTS, known_hosts);
        ssh_options_set(ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, FS_GLOBAL_KNOWN_HOSTS);
    }
    ssh_string_free_char(cur);
}

bool fs_known_index_name(const char *host, int port, char *buf, size_t len)
{
    int w = port == 22 || port == 0 ? snprintf(buf, len, "%s", host)
                                    : snprintf(buf, len, "[%s]:%d", host, port);

    if (w < 0 || (size_t)w >= len)
        return false;
    for (char *p = buf; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return true;
}
