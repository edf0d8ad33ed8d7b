/*
 * keys: private keys are read once, before the loop runs, and never with a terminal prompt.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "transport/transport.h"

/*
 * libssh asks this for a passphrase when a key is encrypted and none was given. Refusing keeps
 * OpenSSL from prompting on the terminal in the middle of a scan; being asked tells the caller
 * the key is encrypted.
 */
static int refuse_passphrase(const char *prompt, char *buf, size_t len, int echo, int verify,
                             void *userdata)
{
    bool *asked = userdata;
    (void)prompt;
    (void)echo;
    (void)verify;
    *asked = true;
    if (len > 0)
        buf[0] = '\0';
    return -1;
}

int fs_key_load(const char *path, const char *passphrase, ssh_key *out, bool *encrypted, char *err,
                size_t errlen)
{
    ssh_key key = NULL;
    bool asked = false;
    int rc;

    *out = NULL;
    *encrypted = false;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot read private key: %s", path, strerror(errno));
        return -1;
    }
    rc = ssh_pki_import_privkey_file(path, NULL, refuse_passphrase, &asked, &key);
    if (rc != SSH_OK && asked && passphrase != NULL) {
        *encrypted = true;
        rc = ssh_pki_import_privkey_file(path, passphrase, NULL, NULL, &key);
        if (rc != SSH_OK) {
            snprintf(err, errlen, "%s: the passphrase does not open this key", path);
            return -1;
        }
    }
    if (rc != SSH_OK) {
        *encrypted = asked;
        if (asked)
            snprintf(err, errlen,
                     "%s: key is encrypted and needs a passphrase (give it with "
                     "--passphrase-file FILE, or run fleetscan on a terminal to be asked once)",
                     path);
        else
            snprintf(err, errlen, "%s: cannot load private key (not a private key?)", path);
        return -1;
    }
    *out = key;
    return 0;
}
