/*
 * hostkey: the known_hosts policy (strict, accept-new, off) on top of libssh's check.
 *
 * libssh's SSH_OPTIONS_STRICTHOSTKEYCHECK=0 would turn "unknown" into "ok" and lose the
 * information, so the policy is applied here from ssh_session_is_known_server()'s answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport/known_index.h"
#include "transport/transport_internal.h"

/* Fills v->fingerprint with "SHA256:..." and returns the key type name, or NULL. */
static const char *server_fingerprint(ssh_session ssh, struct hostkey_verdict *v)
{
    ssh_key key = NULL;
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp;
    const char *type = NULL;

    v->fingerprint[0] = '\0';
    if (ssh_get_server_publickey(ssh, &key) != SSH_OK)
        return NULL;
    type = ssh_key_type_to_char(ssh_key_type(key));
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0) {
        fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
        if (fp != NULL) {
            snprintf(v->fingerprint, sizeof v->fingerprint, "%s", fp);
            ssh_string_free_char(fp);
        }
        ssh_clean_pubkey_hash(&hash);
    }
    ssh_key_free(key);
    return type != NULL ? type : "unknown";
}

static void reject(struct hostkey_verdict *v, const char *name, const char *type,
                   const char *known_hosts, const char *why)
{
    v->pass = false;
    v->status = FS_STATUS_HOSTKEY_REJECTED;
    snprintf(v->message, sizeof v->message,
             "hostkey: host key check failed for %s: %s (server offered %s %s); no command was run",
             name, why, type, v->fingerprint);
    (void)known_hosts;
}

/* Writes all of buf to fd. Returns 0 or -1 with errno set. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Adds the server's key to known_hosts, once. The file is only ever appended to (O_APPEND),
 * never rewritten, so the user's own lines, comments and order stay as they were. The append
 * happens under an exclusive flock() of the file, after checking again under the lock whether
 * the key is there now: another fleetscan run appending at the same moment, or an earlier
 * session of this run, may have added it since the first check. A last line without a
 * newline gets one first, so the new entry never glues onto it.
 * Returns 0, or -1 with a message in err.
 */
static int append_known_host(ssh_session ssh, const char *known_hosts, char *err, size_t errlen)
{
    char *entry = NULL;
    char last;
    struct stat st;
    int fd;
    int rc = -1;

    fd = open(known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {
        /* A first run on an account without ~/.ssh: create it as ssh would (mode 0700). */
        char dir[1024];
        char *slash;
        snprintf(dir, sizeof dir, "%s", known_hosts);
        slash = strrchr(dir, '/');
        if (slash != NULL && slash != dir) {
            *slash = '\0';
            if (mkdir(dir, 0700) == 0)
                fd = open(known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
            else
                errno = ENOENT;
        }
    }
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    /* Other fleetscan runs hold this lock only for one append, so waiting here is short. */
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "cannot lock it: %s", strerror(errno));
            goto out;
        }
    }
    switch (ssh_session_is_known_server(ssh)) {
    case SSH_KNOWN_HOSTS_OK:
        rc = 0; /* added meanwhile, by another run or an earlier session of this one */
        goto out;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        break;
    default:
        /* Another key for this host arrived meanwhile: never add a second one beside it. */
        snprintf(err, errlen, "another key for this host was added to it meanwhile");
        goto out;
    }
    if (ssh_session_export_known_hosts_entry(ssh, &entry) != SSH_OK || entry == NULL) {
        snprintf(err, errlen, "cannot format the entry: %s", ssh_get_error(ssh));
        goto out;
    }
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        int rfd = open(known_hosts, O_RDONLY | O_CLOEXEC);
        if (rfd >= 0 && pread(rfd, &last, 1, st.st_size - 1) == 1 && last != '\n' &&
            write_all(fd, "\n", 1) != 0) {
            close(rfd);
            snprintf(err, errlen, "%s", strerror(errno));
            goto out;
        }
        if (rfd >= 0)
            close(rfd);
    }
    if (write_all(fd, entry, strlen(entry)) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    ssh_string_free_char(entry);
    close(fd); /* drops the lock */
    return rc;
}

/* True when the scan's known_hosts index holds the server's key for the host (libssh: OK). */
static bool indexed_ok(ssh_session ssh, const struct fs_known_index *idx)
{
    char *host = NULL;
    unsigned int port = 22;
    char lname[300];
    ssh_key key = NULL;
    bool ok = false;

    if (idx == NULL || ssh_options_get(ssh, SSH_OPTIONS_HOST, &host) != SSH_OK)
        return false;
    ssh_options_get_port(ssh, &port);
    if (fs_known_index_name(host, (int)port, lname, sizeof lname) &&
        ssh_get_server_publickey(ssh, &key) == SSH_OK)
        ok = fs_known_index_has_key(idx, lname, key);
    ssh_key_free(key);
    ssh_string_free_char(host);
    return ok;
}

/* True when the server's key stands on an @revoked line of the known_hosts files. */
static bool is_revoked(ssh_session ssh, const struct fs_known_index *idx)
{
    ssh_key key = NULL;
    bool revoked = false;

    if (idx != NULL && ssh_get_server_publickey(ssh, &key) == SSH_OK)
        revoked = fs_known_index_revoked(idx, key);
    ssh_key_free(key);
    return revoked;
}

void fs_hostkey_check(ssh_session ssh, enum fs_hostkey_policy policy, const char *known_hosts,
                      const struct fs_known_index *idx, const char *name, struct hostkey_verdict *v)
{
    const char *type = server_fingerprint(ssh, v);
    enum ssh_known_hosts_e k;
    char why[512];
    char err[256];

    v->pass = true;
    v->status = FS_STATUS_OK;
    v->message[0] = '\0';
    if (type == NULL) {
        v->pass = false;
        v->status = FS_STATUS_ERROR;
        snprintf(v->message, sizeof v->message, "hostkey: the server sent no usable host key: %s",
                 ssh_get_error(ssh));
        return;
    }
    /* Key exchange may have run with the files pointed away (fs_known_index_prepare). */
    fs_known_index_restore(ssh, known_hosts);
    if (is_revoked(ssh, idx)) {
        /* OpenSSH refuses a revoked key whatever StrictHostKeyChecking says; so does fleetscan,
         * under every --host-key-check policy. */
        snprintf(why, sizeof why,
                 "the key is marked @revoked in %s (ask the device's owner for its new key)",
                 known_hosts);
        reject(v, name, type, known_hosts, why);
        return;
    }
    if (indexed_ok(ssh, idx))
        return;
    k = ssh_session_is_known_server(ssh);
    switch (k) {
    case SSH_KNOWN_HOSTS_OK:
        return;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        snprintf(why, sizeof why,
                 "the key %s in %s (possible man-in-the-middle attack; if the device was "
                 "re-installed, remove the old key with: ssh-keygen -R '%s' -f %s)",
                 k == SSH_KNOWN_HOSTS_CHANGED ? "does not match the one"
                                              : "is of another type than the one",
                 known_hosts, name, known_hosts);
        if (policy == FS_HOSTKEY_OFF) {
            snprintf(v->message, sizeof v->message,
                     "host key CHANGED (%s %s) and accepted because --host-key-check is off", type,
                     v->fingerprint);
            return;
        }
        reject(v, name, type, known_hosts, why);
        return;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        if (policy == FS_HOSTKEY_STRICT) {
            snprintf(why, sizeof why,
                     "the host is not in %s and --host-key-check is strict (add its key, or "
                     "use --host-key-check accept-new)",
                     known_hosts);
            reject(v, name, type, known_hosts, why);
            return;
        }
        if (policy == FS_HOSTKEY_OFF)
            return;
        if (append_known_host(ssh, known_hosts, err, sizeof err) != 0) {
            v->pass = false;
            v->status = FS_STATUS_ERROR;
            snprintf(v->message, sizeof v->message,
                     "hostkey: cannot add the host key to %s: %s; no command was run", known_hosts,
                     err);
            return;
        }
        snprintf(v->message, sizeof v->message, "new host key %s %s added to %s", type,
                 v->fingerprint, known_hosts);
        return;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        v->pass = false;
        v->status = FS_STATUS_ERROR;
        snprintf(v->message, sizeof v->message, "hostkey: cannot check the host key against %s: %s",
                 known_hosts, ssh_get_error(ssh));
        return;
    }
}
