/*
 * outlock: one run at a time per output directory.
 *
 * Two overlapping runs writing the same -o directory (a nightly cron job that has not finished
 * when the next one starts) would race to rename their reports over each other. Before any
 * host is contacted, the run takes an exclusive flock() on DIR/.fleetscan.lock and writes its
 * process id there; a second run finds the lock taken, names the holder and stops without
 * touching anything. The kernel drops the lock when the holder exits in any way (even
 * SIGKILL), so a lock file left behind by a dead run never blocks the next one: the file
 * itself is kept on purpose, because removing it would let a third run lock a new file while
 * a second still holds the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/scan_internal.h"

#define LOCK_NAME ".fleetscan.lock"

/* mkdir -p with mode 0755 (umask applies). Returns 0 or -1 with errno set. */
static int make_dirs(const char *dir)
{
    char path[4096];

    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* The holder's process id as it wrote it ("12345"), or "unknown". */
static void read_holder(int fd, char *buf, size_t len)
{
    ssize_t n = pread(fd, buf, len - 1, 0);
    size_t i = 0;

    if (n <= 0) {
        snprintf(buf, len, "unknown");
        return;
    }
    buf[n] = '\0';
    while (buf[i] >= '0' && buf[i] <= '9')
        i++;
    buf[i] = '\0';
    if (i == 0)
        snprintf(buf, len, "unknown");
}

int fs_outlock_take(const char *dir, int *fd_out, char *err, size_t errlen)
{
    char path[4200];
    char pid[32];
    int fd;

    *fd_out = -1;
    if (make_dirs(dir) != 0) {
        snprintf(err, errlen, "%s: cannot create the output directory: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open the lock file: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            read_holder(fd, pid, sizeof pid);
            snprintf(err, errlen,
                     "%s: another fleetscan run (pid %s) is writing reports there (it holds %s); "
                     "its files were left alone. Wait for it to finish, or use another -o "
                     "directory",
                     dir, pid, path);
        } else {
            snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(e));
        }
        close(fd);
        return -1;
    }
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
        snprintf(err, errlen, "%s: cannot write the lock file: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    *fd_out = fd;
    return 0;
}

void fs_outlock_release(int fd)
{
    if (fd >= 0)
        close(fd); /* closing the last descriptor drops the flock */
}
