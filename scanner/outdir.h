/*
 * outdir: dated output directories. `-o reports/%Y-%m-%d` is expanded once, when the scan
 * starts, with strftime(3) in local time; after the reports are written, a symbolic link
 * `latest` in the pattern's fixed part (here `reports/latest`) is pointed at the new directory.
 */
#ifndef FS_OUTDIR_H
#define FS_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Whether dir holds a strftime conversion (any '%'), and so is a pattern. */
bool fs_outdir_is_pattern(const char *dir);

/*
 * pattern with every strftime conversion expanded for time t in local time. Returns a new
 * string (free()), or NULL with a message in err when the expansion is empty or too long.
 */
char *fs_outdir_expand(const char *pattern, time_t t, char *err, size_t errlen);

/*
 * Points BASE/latest at dir, where BASE is the part of pattern before the first path component
 * holding a '%' ("." when the first component has one) and dir is pattern expanded. The link
 * is relative ("2026-11-26", or "2026/11-26" for reports/%Y/%m-%d) and replaces the previous
 * one atomically (a new link under a temporary name, then rename(2)). Returns 0, or -1 with a
 * message in err ("reports/latest: Is a directory") when the link could not be made.
 */
int fs_outdir_link_latest(const char *pattern, const char *dir, char *err, size_t errlen);

#endif
