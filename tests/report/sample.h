/*
 * sample: a small scan result shared by the report tests, and helpers to capture output.
 *
 * The three hosts cover what the writers must get right: an ordinary Linux host, a host that
 * was never reached (absent values, a name that is a formula with quotes, a multi-line error),
 * and a Windows host with invalid UTF-8, a control character and formula prefixes.
 */
#ifndef FS_TEST_REPORT_SAMPLE_H
#define FS_TEST_REPORT_SAMPLE_H

#include <stddef.h>

#include "report/report.h"

struct sample {
    struct fs_scan_info scan;
    struct fs_host_record hosts[3];
    struct fs_report report;
};

/* Fills s (the report points into s itself, so s must not move). */
void sample_init(struct sample *s);
void sample_clear(struct sample *s);

/* The bytes a writer produces for rep (new buffer, free()); fails the test on error. */
char *sample_capture(int (*write)(const struct fs_report *, FILE *), const struct fs_report *rep,
                     size_t *len);

/* The whole file at path (new buffer, free(), NUL-terminated); NULL if it cannot be read. */
char *sample_read_file(const char *path, size_t *len);

#endif
