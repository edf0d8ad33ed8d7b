/*
 * failon: which findings make `fleetscan scan` exit with status 1 (--fail-on LIST).
 *
 * A LIST is comma-separated words; a host that matches any word is a failing host. The words
 * are the report vocabularies (docs/reports.md), with prefixes where a word would be ambiguous:
 *   not-ok                      status is anything but ok (the default)
 *   unreachable timeout auth_failed hostkey_rejected error      that status
 *   tier1 tier1-preview tier2 unsupported tier-unknown          that tier
 *   engine-recommended engine-best-effort engine-unsupported engine-missing engine-unknown
 *   not-ready ready-unknown     production_ready is no / unknown
 *   none                        no host ever fails (only alone)
 */
#ifndef FS_FAILON_H
#define FS_FAILON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report.h"

/* What exits 1 when --fail-on is not given: a host that is not ok. */
#define FS_FAIL_ON_DEFAULT "not-ok"

/*
 * A mask (uint32_t) has one bit per word of the vocabulary above; 0 means "none".
 *
 * Parses a LIST and ORs its words into *mask. Returns 0, or -1 with a message naming the bad
 * word and listing the valid ones in err.
 */
int fs_fail_on_parse(const char *list, uint32_t *mask, char *err, size_t errlen);

/* Whether host r matches any word of mask. */
int fs_fail_on_host(uint32_t mask, const struct fs_host_record *r);

/* How many of the n hosts match mask. */
size_t fs_fail_on_count(uint32_t mask, const struct fs_host_record *hosts, size_t n);

/*
 * The exit status of a finished scan: 1 (FS_EXIT_NOT_OK) when some host matches mask or the
 * scan is incomplete (interrupted: findings may be missing), else 0. When given is true and
 * hosts match, says how many on stderr, so a cron mail tells why the job failed.
 */
int fs_fail_on_exit(uint32_t mask, bool given, bool complete, const struct fs_host_record *hosts,
                    size_t n);

/* Every word, comma-separated, in the order of the list above (a static string). */
const char *fs_fail_on_words(void);

#endif
