/*
 * keys: private keys are read once, before the loop runs, and never with a terminal prompt.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "transport/transport.h"

/*
 * libssh asks this for a passphrase. Refusing keeps OpenSSL from prompting on the terminal
 * in the middle of a scan; encrypted keys are reported instead.
 */
static int refuse_passphrase(const char *prompt, char *buf, size_t len, int echo, int verify,
                             void *userdata)
{
    (void)prompt;
    (void)echo;
    (void)verify;
    (void)userdata;
    if (len > 0)
        buf[0] = '\0';
    return -1;
}

int fs_key_load(const char *path, ssh_key *out, char *err, size_t errlen)
{
    ssh_key key = NULL;
    int rc;

    *out = NULL;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot read private key: %s", path, strerror(errno));
        return -1;
    }
    rc = ssh_pki_import_privkey_file(path, NULL, refuse_passphrase, NULL, &key);
    if (rc != SSH_OK) {
        snprintf(err, errlen,
                 "%s: cannot load private key (not a private key, or encrypted with a "
                 "passphrase, which fleetscan cannot use: load it into a key without one)",
                 path);
        return -1;
    }
    *out = key;
    return 0;
}
