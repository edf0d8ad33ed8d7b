/*
 * write: the writer registry and the atomic write of a report directory.
 *
 * Every file is first written completely to a temporary file in the output directory and
 * flushed to disk; only when all files are complete are they renamed over the final names.
 * A nightly job reading the directory therefore sees either the previous reports or the new
 * ones, never a truncated file, and a failed run (full disk, I/O error) leaves the previous
 * reports as they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/internal.h"
#include "report/report.h"

const struct fs_report_writer fs_report_writers[] = {
    {"csv", "fleetscan.csv", fs_report_write_csv},
    {"json", "fleetscan.json", fs_report_write_json},
    {"summary", "summary.csv", fs_report_write_summary_csv},
    {"html", "report.html", fs_report_write_html},
    {NULL, NULL, NULL},
};

int fs_writer_finish(FILE *f)
{
    if (fflush(f) == 0 && !ferror(f))
        return 0;
    if (errno == 0)
        errno = EIO;
    return -1;
}

/* One file on its way: the temporary name it is written under and the name it will get. */
struct pending {
    char *tmp;
    char *final;
};

static void set_error(char *err, size_t errlen, const char *path, int e)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: %s", path, strerror(e));
}

/* dir + "/" + prefix + name + suffix, without doubling a trailing slash (new string). */
static char *join(const char *dir, const char *prefix, const char *name, const char *suffix)
{
    size_t len = strlen(dir);
    const char *sep = len > 0 && dir[len - 1] == '/' ? "" : "/";
    size_t size = len + strlen(sep) + strlen(prefix) + strlen(name) + strlen(suffix) + 1;
    char *out = malloc(size);

    if (out != NULL)
        snprintf(out, size, "%s%s%s%s%s", dir, sep, prefix, name, suffix);
    return out;
}

/* mkdir -p with mode 0755. Returns 0, or -1 with errno set and the failing path in err. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char *path = strdup(dir);
    struct stat st;
    int rc = -1;

    if (path == NULL) {
        set_error(err, errlen, dir, ENOMEM);
        return -1;
    }
    /* Each parent in turn; one that exists already is fine, one that is a file is not. */
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
            set_error(err, errlen, path, errno);
            goto out;
        }
        *p = '/';
    }
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        set_error(err, errlen, path, errno);
        goto out;
    }
    /* EEXIST above may have been a file of that name. */
    if (stat(path, &st) < 0) {
        set_error(err, errlen, path, errno);
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        set_error(err, errlen, path, ENOTDIR);
        goto out;
    }
    rc = 0;
out:
    free(path);
    return rc;
}

/*
 * mkstemp creates files readable by the owner only; reports are meant to be shared like any
 * file the user creates, so they get the mode the umask allows. Reading the umask means setting
 * it, which is safe here because reports are written after the event loop has stopped.
 */
static int set_file_mode(int fd)
{
    mode_t mask = umask(0);

    umask(mask);
    return fchmod(fd, 0666 & ~mask);
}

/*
 * Writes one file to p->tmp and makes it durable. Returns 0, or -1 with the message in err;
 * on failure the temporary file is gone.
 */
static int write_temp(const struct fs_report *rep, const struct fs_report_writer *w,
                      struct pending *p, char *err, size_t errlen)
{
    FILE *f = NULL;
    int fd = mkstemp(p->tmp);

    if (fd < 0) {
        set_error(err, errlen, p->final, errno);
        free(p->tmp);
        p->tmp = NULL; /* nothing to remove */
        return -1;
    }
    if (set_file_mode(fd) < 0 || (f = fdopen(fd, "w")) == NULL)
        goto fail;
    fd = -1; /* transferred to f */
    if (w->write(rep, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) < 0)
        goto fail;
    if (fclose(f) != 0) {
        f = NULL; /* fclose released the stream even though it failed */
        goto fail;
    }
    return 0;
fail:
    set_error(err, errlen, p->final, errno != 0 ? errno : EIO);
    if (f != NULL)
        fclose(f);
    if (fd >= 0)
        close(fd);
    unlink(p->tmp);
    return -1;
}

/*
 * rename() cannot replace a directory with a file. Checking every final name before the first
 * rename keeps that one foreseeable failure from leaving some files new and some old.
 */
static int check_targets(const struct pending *files, size_t n, char *err, size_t errlen)
{
    struct stat st;

    for (size_t i = 0; i < n; i++) {
        if (lstat(files[i].final, &st) == 0 && S_ISDIR(st.st_mode)) {
            set_error(err, errlen, files[i].final, EISDIR);
            return -1;
        }
    }
    return 0;
}

/*
 * Makes the renames durable. A failure is not reported: the new reports are already in place
 * and complete, and some file systems do not support syncing a directory at all.
 */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);

    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Renames every temporary file over its final name. Returns 0, or -1 with err set. */
static int commit(const struct pending *files, size_t n, char *err, size_t errlen)
{
    if (check_targets(files, n, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (rename(files[i].tmp, files[i].final) < 0) {
            set_error(err, errlen, files[i].final, errno);
            return -1;
        }
    }
    return 0;
}

int fs_report_write_files(const struct fs_report *rep, const struct fs_report_writer *writers,
                          const char *dir, char *err, size_t errlen)
{
    size_t n = 0, written = 0;
    struct pending *files;
    int rc = -1;

    if (dir[0] == '\0')
        dir = ".";
    while (writers[n].name != NULL)
        n++;
    if (make_dirs(dir, err, errlen) < 0)
        return -1;
    files = calloc(n + 1, sizeof(*files));
    if (files == NULL) {
        set_error(err, errlen, dir, ENOMEM);
        return -1;
    }
    for (; written < n; written++) {
        struct pending *p = &files[written];
        p->final = join(dir, "", writers[written].filename, "");
        p->tmp = join(dir, ".", writers[written].filename, ".XXXXXX");
        if (p->final == NULL || p->tmp == NULL) {
            set_error(err, errlen, dir, ENOMEM);
            goto out;
        }
        if (write_temp(rep, &writers[written], p, err, errlen) < 0)
            goto out;
    }
    rc = commit(files, n, err, errlen);
    sync_dir(dir);
out:
    /*
     * The first `written` files are complete temporary files; write_temp removed the one that
     * failed itself. After a partial commit the renamed ones are gone and unlink just fails.
     */
    for (size_t i = 0; i < n; i++) {
        if (rc < 0 && i < written)
            unlink(files[i].tmp);
        free(files[i].tmp);
        free(files[i].final);
    }
    free(files);
    return rc;
}

int fs_report_write_all(const struct fs_report *rep, const char *dir, char *err, size_t errlen)
{
    return fs_report_write_files(rep, fs_report_writers, dir, err, errlen);
}
