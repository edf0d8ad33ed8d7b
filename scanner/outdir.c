/*
 * outdir: strftime patterns for -o and the `latest` link next to the dated directories.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/outdir.h"

bool fs_outdir_is_pattern(const char *dir)
{
    return strchr(dir, '%') != NULL;
}

char *fs_outdir_expand(const char *pattern, time_t t, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    struct tm tm;
    size_t n;
    char *out;

    if (localtime_r(&t, &tm) == NULL) {
        snprintf(err, errlen, "--output '%s': cannot read the local time", pattern);
        return NULL;
    }
    /*
     * The pattern is the user's own -o argument, and expanding it is the point; strftime
     * writes at most sizeof buf bytes whatever it holds. It returns 0 both for an empty result
     * and for one that does not fit.
     */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    n = strftime(buf, sizeof buf, pattern, &tm);
#pragma GCC diagnostic pop
    if (n == 0) {
        snprintf(err, errlen,
                 "--output '%s': the pattern expands to nothing or to more than %d bytes", pattern,
                 PATH_MAX - 1);
        return NULL;
    }
    out = strdup(buf);
    if (out == NULL)
        snprintf(err, errlen, "out of memory");
    return out;
}

/*
 * Length of the part of pattern that is the same in every expansion: everything before the
 * path component that holds the first '%', without the separating slash. Sets *cut to where
 * that component starts.
 */
static size_t fixed_prefix(const char *pattern, size_t *cut)
{
    const char *pct = strchr(pattern, '%');
    const char *slash = pct;
    size_t len;

    while (slash > pattern && slash[-1] != '/')
        slash--;
    *cut = (size_t)(slash - pattern);
    len = *cut;
    while (len > 1 && pattern[len - 1] == '/')
        len--;
    return len;
}

int fs_outdir_link_latest(const char *pattern, const char *dir, char *err, size_t errlen)
{
    char base[PATH_MAX], target[PATH_MAX], link_path[PATH_MAX + 8], tmp[PATH_MAX + 32];
    size_t cut, base_len = fixed_prefix(pattern, &cut);
    size_t tlen;

    if (base_len == 0)
        snprintf(base, sizeof base, ".");
    else
        snprintf(base, sizeof base, "%.*s", (int)base_len, pattern);
    /* The fixed prefix expands to itself, so dir holds it too, and the rest is the target. */
    snprintf(target, sizeof target, "%s", dir + cut);
    tlen = strlen(target);
    while (tlen > 0 && target[tlen - 1] == '/')
        target[--tlen] = '\0';
    if (tlen == 0 || strcmp(target, "latest") == 0) {
        snprintf(err, errlen, "%s: the output directory cannot be linked as %s/latest", dir, base);
        return -1;
    }
    snprintf(link_path, sizeof link_path, "%s/latest", base);
    for (int attempt = 0;; attempt++) {
        snprintf(tmp, sizeof tmp, "%s/.latest.%ld.%d", base, (long)getpid(), attempt);
        if (symlink(target, tmp) == 0)
            break;
        if (errno != EEXIST || attempt == 100) {
            snprintf(err, errlen, "%s: cannot create the link to %s: %s", link_path, target,
                     strerror(errno));
            return -1;
        }
    }
    if (rename(tmp, link_path) != 0) {
        int e = errno;
        unlink(tmp);
        snprintf(err, errlen,
                 "%s: cannot point it at %s: %s (the reports are in %s; remove or rename %s)",
                 link_path, target, strerror(e), dir, link_path);
        return -1;
    }
    return 0;
}
