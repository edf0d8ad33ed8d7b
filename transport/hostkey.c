/*
 * hostkey: the known_hosts policy (strict, accept-new, off) on top of libssh's check.
 *
 * libssh's SSH_OPTIONS_STRICTHOSTKEYCHECK=0 would turn "unknown" into "ok" and lose the
 * information, so the policy is applied here from ssh_session_is_known_server()'s answer.
 */
#include <stdio.h>
#include <string.h>

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
             "host key check failed for %s: %s (server offered %s %s); no command was run", name,
             why, type, v->fingerprint);
    (void)known_hosts;
}

void fs_hostkey_check(ssh_session ssh, enum fs_hostkey_policy policy, const char *known_hosts,
                      const char *name, struct hostkey_verdict *v)
{
    const char *type = server_fingerprint(ssh, v);
    enum ssh_known_hosts_e k;
    char why[512];

    v->pass = true;
    v->status = FS_STATUS_OK;
    v->message[0] = '\0';
    if (type == NULL) {
        v->pass = false;
        v->status = FS_STATUS_ERROR;
        snprintf(v->message, sizeof v->message, "server sent no usable host key: %s",
                 ssh_get_error(ssh));
        return;
    }
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
        if (ssh_session_update_known_hosts(ssh) != SSH_OK) {
            v->pass = false;
            v->status = FS_STATUS_ERROR;
            snprintf(v->message, sizeof v->message, "cannot add the host key to %s: %s",
                     known_hosts, ssh_get_error(ssh));
            return;
        }
        snprintf(v->message, sizeof v->message, "new host key %s %s added to %s", type,
                 v->fingerprint, known_hosts);
        return;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        v->pass = false;
        v->status = FS_STATUS_ERROR;
        snprintf(v->message, sizeof v->message, "cannot check the host key against %s: %s",
                 known_hosts, ssh_get_error(ssh));
        return;
    }
}
