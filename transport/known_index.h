/*
 * known_index: the known_hosts file read once per scan, so that hosts it lists with their
 * current key are checked by lookup instead of libssh re-reading the whole file twice per host.
 *
 * It only ever answers "yes, libssh would accept this key too" or "don't know"; every other case
 * goes to libssh's own check unchanged. Indexed are lines whose host field is a comma list of
 * exact names ("host", "[host]:port") or one OpenSSH hashed name ("|1|salt|hash"). Lines with
 * wildcards or negation, marker lines (@cert-authority, @revoked) and anything unusual are never
 * used for a positive answer; a file with an @revoked line, a NUL byte, a line too long for
 * libssh, or a malformed line the index cannot attribute to names disables the index for that
 * file. docs/ssh.md ("known_hosts index") lists what libssh 0.10.6 does with each case.
 *
 * Names are looked up as libssh builds them: the lowercased host, "[host]:port" unless the port
 * is 22. The index is a snapshot: keys fleetscan appends during the scan are not in it, so those
 * hosts keep going through libssh.
 */
#ifndef FS_KNOWN_INDEX_H
#define FS_KNOWN_INDEX_H

#include <libssh/libssh.h>
#include <stdbool.h>
#include <stddef.h>

/* The system-wide file libssh 0.10 reads after the user's (its default, set explicitly). */
#define FS_GLOBAL_KNOWN_HOSTS "/etc/ssh/ssh_known_hosts"

struct fs_known_index;

/*
 * Reads path (the user's known_hosts, --known-hosts) and global_path (NULL: none). A missing or
 * unreadable file is an empty one, as for libssh. Returns the index, or NULL when out of memory.
 */
struct fs_known_index *fs_known_index_load(const char *path, const char *global_path);

void fs_known_index_free(struct fs_known_index *idx);

/*
 * True when the user's file holds, for name, an entry whose public key equals key and libssh's
 * check would therefore answer OK. False means "ask libssh".
 */
bool fs_known_index_has_key(const struct fs_known_index *idx, const char *name, ssh_key key);

/*
 * When the index knows every key type both files list for name (and it lists at least one),
 * writes to buf the host key algorithm list libssh 0.10.6 would send for it - the known types'
 * algorithms first, then the rest of its default list, in its default order - and returns true.
 * Otherwise returns false and libssh must choose itself.
 */
bool fs_known_index_hostkeys(const struct fs_known_index *idx, const char *name, char *buf,
                             size_t len);

/*
 * True when key stands on an @revoked line of either file, whatever that line's host patterns
 * (as read when the index was loaded). libssh 0.10.6 skips marker lines, so it would accept
 * such a key, or under accept-new even record it; fleetscan refuses it (transport/hostkey.c).
 */
bool fs_known_index_revoked(const struct fs_known_index *idx, ssh_key key);

/* Why the fast path is off for the user's file ("" when it is on), for logs and tests. */
const char *fs_known_index_disabled(const struct fs_known_index *idx);

/*
 * For a session about to connect to host:port: when fs_known_index_hostkeys() knows the list,
 * sets SSH_OPTIONS_HOSTKEYS to it and points both known_hosts options at /dev/null so that
 * libssh's key exchange reads no file, and returns true (idx NULL: does nothing).
 * fs_known_index_restore() must then run before any known_hosts check of the session.
 */
bool fs_known_index_apply(const struct fs_known_index *idx, ssh_session ssh, const char *host,
                          int port, const char *known_hosts);

/* Points the session's known_hosts options back at the real files after _apply(). */
void fs_known_index_restore(ssh_session ssh, const char *known_hosts);

/* name as libssh looks it up ("host" or "[host]:port", lowercased) into buf; false if too long. */
bool fs_known_index_name(const char *host, int port, char *buf, size_t len);

#endif
