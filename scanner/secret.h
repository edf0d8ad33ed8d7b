/*
 * secret: passwords and passphrases, read from a file, the environment or a terminal, and
 * wiped when no longer needed. They never come from argv and are never printed.
 */
#ifndef FS_SECRET_H
#define FS_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads the first line of path (without its line end) into a new string (fs_secret_free).
 * Returns NULL with "PATH: why" in err when it cannot be read or is empty.
 */
char *fs_secret_from_file(const char *path, const char *what, char *err, size_t errlen);

/* Whether a prompt can be shown: stdin and stderr are terminals and /dev/tty opens. */
bool fs_secret_can_prompt(void);

/* Asks on /dev/tty without echo; returns a new string (fs_secret_free) or NULL. */
char *fs_secret_prompt(const char *prompt);

/* Overwrites and frees s; NULL does nothing. */
void fs_secret_free(char *s);

#endif
