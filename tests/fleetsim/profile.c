/*
 * Device profiles and mix files. A profile (samples/profiles/<kind>.txt, format in
 * docs/fleetsim.md) is a header of "key: value" lines, then sections opened by marker lines
 * "%% linux stdout", "%% linux stderr", "%% windows stdout", "%% windows stderr"; a section's
 * text is every byte up to the next marker line.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fleetsim/fleetsim.h"

#define MARKER "%% "

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, r;

    if (f == NULL)
        return NULL;
    do {
        if (n + 4096 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 16384;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, 4096, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d == NULL) {
        fprintf(stderr, "fleetsim: out of memory\n");
        exit(3);
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int parse_exit(const char *path, int line, const char *v, int *out)
{
    char *end;
    long x = strtol(v, &end, 10);

    if (end == v || *end != '\0' || x < 0 || x > 255) {
        fprintf(stderr, "fleetsim: %s:%d: exit status '%s' is not a number 0..255\n", path, line,
                v);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int parse_profile(const char *path, const char *stem, struct sim_profile *p)
{
    size_t len, i = 0;
    char *text = read_all(path, &len);
    int line = 0, in_header = 1;
    struct sim_answer *cur = NULL;
    int cur_err = 0;
    size_t start = 0;

    memset(p, 0, sizeof *p);
    if (text == NULL) {
        fprintf(stderr, "fleetsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (i <= len) {
        size_t eol = i;
        int is_marker;

        while (eol < len && text[eol] != '\n')
            eol++;
        line++;
        is_marker = eol - i >= 3 && strncmp(text + i, MARKER, 3) == 0;
        if (is_marker || i == len) {
            /* Closes the section that is open, if any. */
            if (cur != NULL) {
                char *s = dup_range(text + start, i - start);
                if (cur_err) {
                    cur->err = s;
                    cur->err_len = i - start;
                } else {
                    cur->out = s;
                    cur->out_len = i - start;
                }
            }
            if (i == len)
                break;
            in_header = 0;
            {
                char m[64];
                size_t ml = eol - i - 3;
                if (ml >= sizeof m)
                    ml = sizeof m - 1;
                memcpy(m, text + i + 3, ml);
                m[ml] = '\0';
                if (ml > 0 && m[ml - 1] == '\r')
                    m[ml - 1] = '\0';
                if (strcmp(m, "linux stdout") == 0 || strcmp(m, "linux stderr") == 0)
                    cur = &p->linux_answer;
                else if (strcmp(m, "windows stdout") == 0 || strcmp(m, "windows stderr") == 0)
                    cur = &p->windows_answer;
                else {
                    fprintf(stderr,
                            "fleetsim: %s:%d: unknown section '%s'; the sections are linux "
                            "stdout, linux stderr, windows stdout, windows stderr\n",
                            path, line, m);
                    free(text);
                    return -1;
                }
                cur_err = strstr(m, "stderr") != NULL;
            }
            start = eol < len ? eol + 1 : len;
        } else if (in_header) {
            char *l = dup_range(text + i, eol - i), *colon, *v;
            if (l[0] != '#' && l[0] != '\0') {
                colon = strchr(l, ':');
                if (colon == NULL) {
                    fprintf(stderr, "fleetsim: %s:%d: expected 'key: value' or a '%%%% ' line\n",
                            path, line);
                    free(l);
                    free(text);
                    return -1;
                }
                *colon = '\0';
                v = colon + 1;
                while (*v == ' ' || *v == '\t')
                    v++;
                if (strcmp(l, "kind") == 0) {
                    if (strcmp(v, stem) != 0) {
                        fprintf(stderr, "fleetsim: %s:%d: kind '%s' differs from the file name\n",
                                path, line, v);
                        free(l);
                        free(text);
                        return -1;
                    }
                } else if (strcmp(l, "shell") == 0) {
                    if (strcmp(v, "posix") == 0)
                        p->shell = SIM_SHELL_POSIX;
                    else if (strcmp(v, "cmd") == 0)
                        p->shell = SIM_SHELL_CMD;
                    else if (strcmp(v, "powershell") == 0)
                        p->shell = SIM_SHELL_POWERSHELL;
                    else {
                        fprintf(stderr,
                                "fleetsim: %s:%d: shell '%s': use posix, cmd or powershell\n", path,
                                line, v);
                        free(l);
                        free(text);
                        return -1;
                    }
                } else if (strcmp(l, "linux-exit") == 0) {
                    if (parse_exit(path, line, v, &p->linux_answer.exit_status) != 0) {
                        free(l);
                        free(text);
                        return -1;
                    }
                } else if (strcmp(l, "windows-exit") == 0) {
                    if (parse_exit(path, line, v, &p->windows_answer.exit_status) != 0) {
                        free(l);
                        free(text);
                        return -1;
                    }
                }
                /* Other keys (description, expect-*) are for people and tests. */
            }
            free(l);
        }
        i = eol < len ? eol + 1 : len;
        if (eol == len && i == len && !is_marker && cur == NULL)
            break;
    }
    free(text);
    p->kind = dup_range(stem, strlen(stem));
    if (p->linux_answer.out == NULL)
        p->linux_answer.out = dup_range("", 0);
    if (p->linux_answer.err == NULL)
        p->linux_answer.err = dup_range("", 0);
    if (p->windows_answer.out == NULL)
        p->windows_answer.out = dup_range("", 0);
    if (p->windows_answer.err == NULL)
        p->windows_answer.err = dup_range("", 0);
    return 0;
}

static int by_kind(const void *a, const void *b)
{
    return strcmp(((const struct sim_profile *)a)->kind, ((const struct sim_profile *)b)->kind);
}

int sim_profiles_load(const char *dir, struct sim_profile **out, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct sim_profile *p = NULL;
    size_t np = 0;

    if (d == NULL) {
        fprintf(stderr, "fleetsim: profiles directory %s: %s (use --profiles DIR)\n", dir,
                strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        char path[4096], stem[256];
        struct sim_profile *np2;

        if (l < 5 || l - 4 >= sizeof stem || strcmp(e->d_name + l - 4, ".txt") != 0 ||
            e->d_name[0] == '.')
            continue;
        memcpy(stem, e->d_name, l - 4);
        stem[l - 4] = '\0';
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        np2 = realloc(p, (np + 1) * sizeof *p);
        if (np2 == NULL) {
            closedir(d);
            fprintf(stderr, "fleetsim: out of memory\n");
            return -1;
        }
        p = np2;
        *out = p; /* reachable even on error: the process exits with it */
        *n = np;
        if (parse_profile(path, stem, &p[np]) != 0) {
            closedir(d);
            return -1;
        }
        np++;
    }
    closedir(d);
    if (np == 0) {
        fprintf(stderr, "fleetsim: no profiles (*.txt) in %s\n", dir);
        return -1;
    }
    qsort(p, np, sizeof *p, by_kind);
    *out = p;
    *n = np;
    return 0;
}

const struct sim_profile *sim_profile_find(const struct sim_profile *p, size_t n, const char *kind)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].kind, kind) == 0)
            return &p[i];
    return NULL;
}

uint64_t sim_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int sim_mix_assign(const char *mix, const struct sim_profile *p, size_t n, size_t hosts,
                   uint64_t seed, size_t *kinds)
{
    double *w = calloc(n, sizeof *w), total = 0;
    size_t *count = calloc(n, sizeof *count), given = 0, k = 0;
    uint64_t st = seed ^ 0x6d6978ULL;

    if (w == NULL || count == NULL) {
        free(w);
        free(count);
        fprintf(stderr, "fleetsim: out of memory\n");
        return -1;
    }
    if (mix == NULL) {
        for (size_t i = 0; i < n; i++)
            w[i] = 1;
    } else {
        FILE *f = fopen(mix, "r");
        char line[512];
        int ln = 0;

        if (f == NULL) {
            fprintf(stderr, "fleetsim: mix file %s: %s\n", mix, strerror(errno));
            free(w);
            free(count);
            return -1;
        }
        while (fgets(line, sizeof line, f) != NULL) {
            char kind[256];
            double weight;
            char extra;
            const struct sim_profile *q;
            char *hash = strchr(line, '#');

            ln++;
            if (hash != NULL)
                *hash = '\0';
            if (sscanf(line, " %255s", kind) != 1)
                continue;
            if (sscanf(line, " %255s %lf %c", kind, &weight, &extra) != 2 || weight < 0) {
                fprintf(stderr, "fleetsim: %s:%d: expected 'KIND WEIGHT' (WEIGHT >= 0)\n", mix, ln);
                fclose(f);
                free(w);
                free(count);
                return -1;
            }
            q = sim_profile_find(p, n, kind);
            if (q == NULL) {
                fprintf(stderr, "fleetsim: %s:%d: no profile '%s' (see samples/profiles/)\n", mix,
                        ln, kind);
                fclose(f);
                free(w);
                free(count);
                return -1;
            }
            w[q - p] += weight;
        }
        fclose(f);
    }
    for (size_t i = 0; i < n; i++)
        total += w[i];
    if (total <= 0) {
        fprintf(stderr, "fleetsim: %s: every weight is 0\n", mix ? mix : "mix");
        free(w);
        free(count);
        return -1;
    }
    /* Largest remainder: counts add up to hosts exactly. */
    for (size_t i = 0; i < n; i++) {
        count[i] = (size_t)(w[i] / total * (double)hosts);
        given += count[i];
    }
    while (given < hosts) {
        size_t best = 0;
        double best_r = -1;
        for (size_t i = 0; i < n; i++) {
            double r = w[i] / total * (double)hosts - (double)count[i];
            if (w[i] > 0 && r > best_r) {
                best_r = r;
                best = i;
            }
        }
        count[best]++;
        given++;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < count[i]; c++)
            kinds[k++] = i;
    for (size_t i = hosts; i > 1; i--) {
        size_t j = (size_t)(sim_rand(&st) % i), t = kinds[i - 1];
        kinds[i - 1] = kinds[j];
        kinds[j] = t;
    }
    free(w);
    free(count);
    return 0;
}
