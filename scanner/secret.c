/*
 * secret: reading and wiping passwords and passphrases.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "scanner/secret.h"

#define MAX_SECRET 1024

static void strip_line_end(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
}

char *fs_secret_from_file(const char *path, const char *what, char *err, size_t errlen)
{
    char buf[MAX_SECRET];
    FILE *f = fopen(path, "r");
    char *s;

    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot read the %s: %s", path, what, strerror(errno));
        return NULL;
    }
    if (fgets(buf, sizeof buf, f) == NULL)
        buf[0] = '\0';
    fclose(f);
    strip_line_end(buf);
    if (buf[0] == '\0') {
        snprintf(err, errlen, "%s: the %s file is empty (the first line is the %s)", path, what,
                 what);
        return NULL;
    }
    s = strdup(buf);
    explicit_bzero(buf, sizeof buf);
    if (s == NULL)
        snprintf(err, errlen, "out of memory");
    return s;
}

bool fs_secret_can_prompt(void)
{
    int fd;

    if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
        return false;
    fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

char *fs_secret_prompt(const char *prompt)
{
    char buf[MAX_SECRET];
    struct termios old, quiet;
    FILE *tty = fopen("/dev/tty", "r+");
    bool restore = false;
    char *s = NULL;

    if (tty == NULL)
        return NULL;
    /* Echo goes off before the prompt shows, so nothing typed after it can appear. */
    if (tcgetattr(fileno(tty), &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        restore = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
    }
    fputs(prompt, tty);
    fflush(tty);
    if (fgets(buf, sizeof buf, tty) != NULL) {
        strip_line_end(buf);
        s = strdup(buf);
    }
    if (restore)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    explicit_bzero(buf, sizeof buf);
    return s;
}

void fs_secret_free(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}
