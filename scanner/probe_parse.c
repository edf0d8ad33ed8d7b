/*
 * probe_parse: reads what a device sent back. The input is untrusted bytes: never
 * NUL-terminated, any byte value, any length. Every string stored in the facts goes through
 * fs_utf8_clean() and is capped, and input that does not fit a known shape is skipped rather
 * than rejected, so a broken or hostile device yields facts that say less, never a crash.
 * docs/probe.md documents the facts schema built here.
 */
#include <stdlib.h>
#include <string.h>

#include "scanner/probe.h"

/* Caps on what one device can make fleetscan store. */
#define MAX_VALUE    1024 /* bytes of one stored string */
#define MAX_RAW      4096 /* bytes of one unknown section kept raw */
#define MAX_RAW_KEPT 16   /* unknown sections kept raw */
#define MAX_KEYS     64   /* os-release keys */
#define MAX_LIST     32   /* packages, commands, controllers, section names */
#define MAX_MESSAGES 4    /* docker error lines */
#define MAX_NAME     64   /* section names and other keys taken from the device */

/* A borrowed view of device bytes; p may be NULL when n is 0. */
struct span {
    const char *p;
    size_t n;
};

/* What one parse builds. failed means memory ran out: the facts are then thrown away. */
struct parse {
    json_t *facts;
    bool replaced; /* some device text was not valid UTF-8 */
    bool failed;
    int stray_lines;
    int raw_kept;
};

/* ---- spans ------------------------------------------------------------------------------ */

static struct span span_of(const char *p, size_t n)
{
    struct span s = {p, p == NULL ? 0 : n};
    return s;
}

/* s without its first from bytes; an empty span at the end keeps its position. */
static struct span span_cut(struct span s, size_t from)
{
    if (from >= s.n)
        return span_of(s.p == NULL ? NULL : s.p + s.n, 0);
    return span_of(s.p + from, s.n - from);
}

/* Cuts the next line off *rest, without "\n" and a trailing "\r"; false when rest is empty. */
static bool next_line(struct span *rest, struct span *line)
{
    const char *nl;
    size_t len;

    if (rest->n == 0)
        return false;
    nl = memchr(rest->p, '\n', rest->n);
    len = nl != NULL ? (size_t)(nl - rest->p) : rest->n;
    *line = span_of(rest->p, len);
    if (len > 0 && line->p[len - 1] == '\r')
        line->n--;
    *rest = span_cut(*rest, nl != NULL ? len + 1 : len);
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' || c == '\0';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s without surrounding whitespace and NULs (the device tree model ends in one). */
static struct span trim(struct span s)
{
    while (s.n > 0 && is_blank(s.p[0]))
        s = span_cut(s, 1);
    while (s.n > 0 && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

static bool span_eq(struct span s, const char *lit)
{
    size_t m = strlen(lit);
    return s.n == m && (m == 0 || memcmp(s.p, lit, m) == 0);
}

static bool span_eq_nocase(struct span s, const char *lit)
{
    size_t m = strlen(lit);

    if (s.n != m)
        return false;
    for (size_t i = 0; i < m; i++)
        if (lower(s.p[i]) != lower(lit[i]))
            return false;
    return true;
}

static bool span_starts(struct span s, const char *lit)
{
    size_t m = strlen(lit);
    return s.n >= m && (m == 0 || memcmp(s.p, lit, m) == 0);
}

/* Finds needle in s; *at (may be NULL) gets its offset. */
static bool span_find(struct span s, const char *needle, size_t *at)
{
    size_t m = strlen(needle);

    if (m == 0 || m > s.n)
        return false;
    for (size_t i = 0; i + m <= s.n;) {
        const char *c = memchr(s.p + i, needle[0], s.n - m + 1 - i);
        if (c == NULL)
            return false;
        i = (size_t)(c - s.p);
        if (memcmp(c, needle, m) == 0) {
            if (at != NULL)
                *at = i;
            return true;
        }
        i++;
    }
    return false;
}

/* A non-negative decimal filling all of s; at most 18 digits, so it cannot overflow. */
static bool span_to_ll(struct span s, long long *out)
{
    long long v = 0;

    if (s.n == 0 || s.n > 18)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        if (!is_digit(s.p[i]))
            return false;
        v = v * 10 + (s.p[i] - '0');
    }
    *out = v;
    return true;
}

/* A hexadecimal "0x..." value as reg query prints REG_DWORD and REG_QWORD values. */
static bool span_hex_to_ll(struct span s, long long *out)
{
    long long v = 0;

    if (s.n < 3 || s.n > 17 || s.p[0] != '0' || lower(s.p[1]) != 'x')
        return false;
    for (size_t i = 2; i < s.n; i++) {
        char c = lower(s.p[i]);
        int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v * 16 + d;
    }
    if (v < 0)
        return false;
    *out = v;
    return true;
}

/* Splits s at the first sep into trimmed halves; false when sep is absent. */
static bool split_at(struct span s, char sep, struct span *left, struct span *right)
{
    const char *c = s.n > 0 ? memchr(s.p, sep, s.n) : NULL;

    if (c == NULL)
        return false;
    *left = trim(span_of(s.p, (size_t)(c - s.p)));
    *right = trim(span_cut(s, (size_t)(c - s.p) + 1));
    return true;
}

/* Splits s into at most max whitespace-separated words; returns how many. */
static size_t split_words(struct span s, struct span *words, size_t max)
{
    size_t count = 0;

    s = trim(s);
    while (s.n > 0 && count < max) {
        size_t i = 0;
        while (i < s.n && !is_blank(s.p[i]))
            i++;
        words[count++] = span_of(s.p, i);
        s = trim(span_cut(s, i));
    }
    return count;
}

/* ---- facts ------------------------------------------------------------------------------ */

/*
 * A new JSON string from device bytes, cleaned to valid UTF-8 and capped at cap bytes (cut
 * on a character boundary). NULL, with ps->failed set, only when memory ran out.
 */
static json_t *text(struct parse *ps, struct span s, size_t cap)
{
    bool replaced = false;
    char *clean;
    json_t *j;

    if (s.n > cap) {
        s.n = cap;
        /* Step back over at most three continuation bytes to the start of a character. */
        for (int i = 0; i < 3 && s.n > 0 && ((unsigned char)s.p[s.n] & 0xC0) == 0x80; i++)
            s.n--;
    }
    clean = fs_utf8_clean(s.p, s.n, &replaced);
    if (clean == NULL) {
        ps->failed = true;
        return NULL;
    }
    ps->replaced = ps->replaced || replaced;
    j = json_string(clean);
    free(clean);
    if (j == NULL)
        ps->failed = true;
    return j;
}

/* Stores val (reference stolen) under key; a NULL val or a failed store marks failure. */
static void put(struct parse *ps, json_t *obj, const char *key, json_t *val)
{
    if (val == NULL || json_object_set_new(obj, key, val) != 0)
        ps->failed = true;
}

static void put_text(struct parse *ps, json_t *obj, const char *key, struct span s, size_t cap)
{
    put(ps, obj, key, text(ps, s, cap));
}

/* Stores val under a key that came from the device (cleaned and capped like any text). */
static void put_keyed(struct parse *ps, json_t *obj, struct span key, json_t *val)
{
    json_t *k = text(ps, key, MAX_NAME);

    if (k == NULL) {
        json_decref(val);
        return;
    }
    put(ps, obj, json_string_value(k), val);
    json_decref(k);
}

/* Appends val (stolen) to arr unless the list is full. */
static void append(struct parse *ps, json_t *arr, json_t *val)
{
    if (val == NULL) {
        ps->failed = true;
        return;
    }
    if (json_array_size(arr) >= MAX_LIST) {
        json_decref(val);
        return;
    }
    if (json_array_append_new(arr, val) != 0)
        ps->failed = true;
}

/* The member key of parent, created as a new object or array when missing (borrowed). */
static json_t *child(struct parse *ps, json_t *parent, const char *key, bool array)
{
    json_t *c = json_object_get(parent, key);

    if (c != NULL)
        return c;
    c = array ? json_array() : json_object();
    put(ps, parent, key, c);
    return ps->failed ? NULL : c;
}

/* ---- sections --------------------------------------------------------------------------- */

/*
 * Walks "@@section NAME" ... "@@end" blocks and hands each body to section(). A block also
 * ends at the next "@@section" line or at the end of the input (terminated is then false), so
 * a truncated answer still yields what arrived. Lines outside blocks go to outside().
 */
static void split_sections(struct parse *ps, struct span all,
                           void (*section)(struct parse *, struct span, struct span, bool),
                           void (*outside)(struct parse *, struct span))
{
    struct span rest = all, line, name = {NULL, 0}, body = {NULL, 0};
    bool open = false;

    while (!ps->failed) {
        const char *line_start = rest.p;
        struct span t;
        bool is_start, is_end;

        if (!next_line(&rest, &line))
            break;
        t = trim(line);
        is_start = span_starts(t, "@@section ") || span_eq(t, "@@section");
        is_end = span_eq(t, "@@end");
        if (open && (is_start || is_end)) {
            body.n = (size_t)(line_start - body.p);
            section(ps, name, body, is_end);
            open = false;
        }
        if (is_start) {
            name = trim(span_cut(t, strlen("@@section")));
            body = span_of(rest.p, 0);
            open = true;
        } else if (!open && !is_end) {
            outside(ps, line);
        }
    }
    if (open && !ps->failed) {
        body.n = (size_t)((all.p + all.n) - body.p);
        section(ps, name, body, false);
    }
}

/* Keeps an unknown section verbatim (capped), so that later fleetscan versions can use it. */
static void keep_raw(struct parse *ps, struct span name, struct span body)
{
    json_t *raw = child(ps, ps->facts, "raw", false);

    if (raw == NULL)
        return;
    if (ps->raw_kept >= MAX_RAW_KEPT) {
        put(ps, ps->facts, "raw_dropped", json_true());
        return;
    }
    ps->raw_kept++;
    put_keyed(ps, raw, name, text(ps, body, MAX_RAW));
}

/* Finishes a parse: the replacement flag, or nothing at all when memory ran out. */
static json_t *finish(struct parse *ps)
{
    if (ps->replaced && !ps->failed)
        put(ps, ps->facts, "utf8_replaced", json_true());
    if (ps->stray_lines > 0 && !ps->failed)
        put(ps, ps->facts, "stray_lines", json_integer(ps->stray_lines));
    if (ps->failed) {
        json_decref(ps->facts);
        return NULL;
    }
    return ps->facts;
}

/* ---- which shell answered --------------------------------------------------------------- */

static bool has_line_starting(struct span s, const char *prefix)
{
    struct span line;

    while (next_line(&s, &line))
        if (span_starts(line, prefix))
            return true;
    return false;
}

/* Error texts of PowerShell; the exception and category names are never translated. */
static const char *const pwsh_signs[] = {
    "CommandNotFoundException",
    "is not recognized as the name of a cmdlet",
    "is not recognized as a name of a cmdlet",
    "ParserError",
    "FullyQualifiedErrorId",
};

/* Texts only cmd.exe prints (English); exit status 9009 covers translated systems. */
static const char *const cmd_signs[] = {
    "is not recognized as an internal or external command",
    "Microsoft Windows [Version",
};

static bool either_has(struct span a, struct span b, const char *needle)
{
    return span_find(a, needle, NULL) || span_find(b, needle, NULL);
}

enum fs_probe_answer fs_probe_identify(const char *out, size_t out_len, const char *err,
                                       size_t err_len, int exit_status)
{
    struct span o = span_of(out, out_len), e = span_of(err, err_len);

    if (has_line_starting(o, "@@fleetscan-probe "))
        return FS_ANSWER_POSIX;
    for (size_t i = 0; i < sizeof pwsh_signs / sizeof pwsh_signs[0]; i++)
        if (either_has(o, e, pwsh_signs[i]))
            return FS_ANSWER_WINDOWS_PWSH;
    if (either_has(o, e, "The term '") && either_has(o, e, "' is not recognized"))
        return FS_ANSWER_WINDOWS_PWSH;
    for (size_t i = 0; i < sizeof cmd_signs / sizeof cmd_signs[0]; i++)
        if (either_has(o, e, cmd_signs[i]))
            return FS_ANSWER_WINDOWS_CMD;
    if (exit_status == 9009)
        return FS_ANSWER_WINDOWS_CMD;
    return FS_ANSWER_UNRECOGNISED;
}

/* ---- Linux: os-release ------------------------------------------------------------------ */

/* Splits "KEY=value" where KEY is a shell variable name; false for anything else. */
static bool split_assignment(struct span line, struct span *key, struct span *val)
{
    size_t i = 0;

    while (i < line.n && i <= MAX_NAME) {
        char c = line.p[i];
        bool ok =
            c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && is_digit(c));
        if (!ok)
            break;
        i++;
    }
    if (i == 0 || i > MAX_NAME || i >= line.n || line.p[i] != '=')
        return false;
    *key = span_of(line.p, i);
    *val = span_cut(line, i + 1);
    return true;
}

/*
 * Undoes shell quoting the way os-release(5) writes it: double quotes with backslash escapes
 * of " \ $ `, single quotes taken literally, pieces concatenated. A value that starts bare
 * runs to the end of the line, spaces included, because some vendors (Wind River) write
 * `NAME=Wind River Linux` without quotes; a quoted value ends at unquoted whitespace. An
 * unterminated quote runs to the end of the line. out must hold v.n bytes; returns the length.
 */
static size_t unquote(struct span v, char *out)
{
    bool quoted = v.n > 0 && (v.p[0] == '"' || v.p[0] == '\'');
    size_t o = 0, i = 0;

    while (i < v.n) {
        char c = v.p[i];
        if (c == '"' || c == '\'') {
            for (i++; i < v.n && v.p[i] != c; i++) {
                char next = i + 1 < v.n ? v.p[i + 1] : '\0';
                bool escape = c == '"' && v.p[i] == '\\' &&
                              (next == '"' || next == '\\' || next == '$' || next == '`');
                if (escape)
                    i++;
                out[o++] = v.p[i];
            }
            i++; /* the closing quote */
        } else if (quoted && (c == ' ' || c == '\t')) {
            break;
        } else {
            if (c == '\\' && i + 1 < v.n)
                i++;
            out[o++] = v.p[i++];
        }
    }
    return o;
}

static void parse_os_release(struct parse *ps, struct span name, struct span body)
{
    json_t *osr = json_object();
    struct span line, key, val;
    long long ignored = 0;
    size_t keys = 0;

    put(ps, ps->facts, "os_release", osr);
    while (!ps->failed && next_line(&body, &line)) {
        char *buf;
        struct span t = trim(line);
        if (t.n == 0 || t.p[0] == '#')
            continue;
        if (!split_assignment(t, &key, &val) || keys >= MAX_KEYS) {
            ignored++;
            continue;
        }
        if (val.n > 4 * MAX_VALUE)
            val.n = 4 * MAX_VALUE;
        buf = malloc(val.n + 1);
        if (buf == NULL) {
            ps->failed = true;
            break;
        }
        put_keyed(ps, osr, key, text(ps, span_of(buf, unquote(val, buf)), MAX_VALUE));
        free(buf);
        keys++;
    }
    if (ignored > 0)
        put(ps, ps->facts, "os_release_ignored_lines", json_integer(ignored));
}

/* /etc/centos-release and friends: their first non-empty line. */
static void parse_release_file(struct parse *ps, struct span name, struct span body)
{
    json_t *files = child(ps, ps->facts, "release_files", false);
    struct span line;

    while (files != NULL && next_line(&body, &line)) {
        struct span t = trim(line);
        if (t.n > 0) {
            put_keyed(ps, files, name, text(ps, t, MAX_VALUE));
            return;
        }
    }
}

/* ---- Linux: key=value sections ---------------------------------------------------------- */

/* Copies the listed keys of "key=value" lines into obj; empty values are left out. */
static void parse_kv_into(struct parse *ps, json_t *obj, struct span body, const char *const *keys)
{
    struct span line, k, v;

    while (obj != NULL && !ps->failed && next_line(&body, &line)) {
        if (!split_at(line, '=', &k, &v) || v.n == 0)
            continue;
        for (size_t i = 0; keys[i] != NULL; i++)
            if (span_eq(k, keys[i]))
                put_text(ps, obj, keys[i], v, MAX_VALUE);
    }
}

static void parse_uname(struct parse *ps, struct span name, struct span body)
{
    static const char *const keys[] = {"machine", "kernel", "os", NULL};
    parse_kv_into(ps, child(ps, ps->facts, "uname", false), body, keys);
}

static void parse_virt(struct parse *ps, struct span name, struct span body)
{
    static const char *const keys[] = {"detect_virt", "product_name", "sys_vendor", NULL};
    parse_kv_into(ps, child(ps, ps->facts, "virtualization", false), body, keys);
}

/*
 * The first 20 bytes of /bin/sh as decimal numbers: the ELF class (byte 4), byte order
 * (byte 5) and machine (bytes 18-19) say what the userland was built for.
 */
static void parse_elf(struct parse *ps, struct span v)
{
    struct span words[21];
    long long b[20];
    size_t n = split_words(v, words, 21);
    json_t *elf;
    long long machine;

    if (n != 20)
        return;
    for (size_t i = 0; i < 20; i++)
        if (!span_to_ll(words[i], &b[i]) || b[i] > 255)
            return;
    if (b[0] != 127 || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || (b[4] != 1 && b[4] != 2))
        return;
    machine = b[5] == 2 ? b[18] * 256 + b[19] : b[19] * 256 + b[18];
    elf = json_pack("{s:i, s:I, s:s}", "class", b[4] == 2 ? 64 : 32, "machine", (json_int_t)machine,
                    "endian", b[5] == 2 ? "big" : "little");
    put(ps, ps->facts, "elf", elf);
}

static void parse_arch(struct parse *ps, struct span name, struct span body)
{
    struct span line, k, v;
    long long bits;

    while (!ps->failed && next_line(&body, &line)) {
        if (!split_at(line, '=', &k, &v) || v.n == 0)
            continue;
        if (span_eq(k, "dpkg_arch"))
            put_text(ps, ps->facts, "dpkg_arch", v, MAX_NAME);
        else if (span_eq(k, "long_bit") && span_to_ll(v, &bits))
            put(ps, ps->facts, "long_bit", json_integer(bits));
        else if (span_eq(k, "elf"))
            parse_elf(ps, v);
    }
}

static void parse_init(struct parse *ps, struct span name, struct span body)
{
    struct span line, k, v;

    while (!ps->failed && next_line(&body, &line)) {
        if (!split_at(line, '=', &k, &v))
            continue;
        if (span_eq(k, "systemd") && (span_eq(v, "yes") || span_eq(v, "no")))
            put(ps, ps->facts, "systemd", json_boolean(span_eq(v, "yes")));
        else if (span_eq(k, "pid1") && v.n > 0)
            put_text(ps, ps->facts, "pid1", v, MAX_NAME);
    }
}

/* ---- Linux: cpu and device tree --------------------------------------------------------- */

/* /proc/cpuinfo labels (case matters: x86's "model" is not ARM's "Model") and their facts. */
static const struct {
    const char *label;
    const char *fact;
} cpu_labels[] = {
    {"model name", "model_name"}, {"Processor", "processor"}, {"CPU architecture", "architecture"},
    {"CPU part", "part"},         {"Hardware", "hardware"},   {"Model", "model"},
    {"Features", "features"},
};

static bool has_word(struct span s, const char *word)
{
    struct span words[64];
    size_t n = split_words(s, words, 64);

    for (size_t i = 0; i < n; i++)
        if (span_eq(words[i], word))
            return true;
    return false;
}

static void parse_cpu(struct parse *ps, struct span name, struct span body)
{
    json_t *cpu = child(ps, ps->facts, "cpu", false);
    struct span line, k, v, features = {NULL, 0};
    long long count;

    while (cpu != NULL && !ps->failed && next_line(&body, &line)) {
        if (split_at(line, '=', &k, &v) && span_eq(k, "cpus") && span_to_ll(v, &count)) {
            put(ps, cpu, "count", json_integer(count));
            continue;
        }
        if (!split_at(line, ':', &k, &v) || v.n == 0)
            continue;
        for (size_t i = 0; i < sizeof cpu_labels / sizeof cpu_labels[0]; i++) {
            if (!span_eq(k, cpu_labels[i].label) || json_object_get(cpu, cpu_labels[i].fact))
                continue;
            put_text(ps, cpu, cpu_labels[i].fact, v, MAX_VALUE);
            if (strcmp(cpu_labels[i].fact, "features") == 0)
                features = v;
        }
    }
    /* NEON is "neon" on 32-bit kernels and part of "asimd" on 64-bit ones. */
    if (cpu != NULL && features.n > 0)
        put(ps, cpu, "neon",
            json_boolean(has_word(features, "neon") || has_word(features, "asimd")));
}

static void parse_device_model(struct parse *ps, struct span name, struct span body)
{
    struct span line;

    while (next_line(&body, &line)) {
        struct span t = trim(line);
        if (t.n > 0) {
            put_text(ps, ps->facts, "device_model", t, MAX_VALUE);
            return;
        }
    }
}

/* ---- docker version / docker info ------------------------------------------------------- */

/* Facts taken from `docker version --format '{{json .}}'`. */
static const struct {
    const char *path[3];
    const char *fact;
} docker_json_fields[] = {
    {{"Server", "Version", NULL}, "server_version"},
    {{"Server", "Platform", "Name"}, "server_platform"},
    {{"Server", "Os", NULL}, "server_os"},
    {{"Server", "Arch", NULL}, "server_arch"},
    {{"Server", "ApiVersion", NULL}, "api_version"},
    {{"Client", "Version", NULL}, "client_version"},
    {{"Client", "Platform", "Name"}, "client_platform"},
};

/* Keys of `docker info` text (Windows hosts). */
static const struct {
    const char *key;
    const char *fact;
} docker_info_keys[] = {
    {"Server Version", "server_version"},       {"OSType", "os_type"},
    {"Default Isolation", "default_isolation"}, {"Operating System", "operating_system"},
    {"Architecture", "architecture"},           {"Kernel Version", "kernel_version"},
};

static void set_once(struct parse *ps, json_t *obj, const char *key, struct span v)
{
    if (v.n > 0 && json_object_get(obj, key) == NULL)
        put_text(ps, obj, key, v, MAX_VALUE);
}

static void parse_docker_json(struct parse *ps, json_t *docker, struct span line)
{
    json_t *root = json_loadb(line.p, line.n, 0, NULL), *client;

    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    for (size_t i = 0; i < sizeof docker_json_fields / sizeof docker_json_fields[0]; i++) {
        json_t *node = root;
        for (size_t d = 0; d < 3 && docker_json_fields[i].path[d] != NULL; d++)
            node = json_object_get(node, docker_json_fields[i].path[d]);
        if (json_is_string(node))
            set_once(ps, docker, docker_json_fields[i].fact,
                     span_of(json_string_value(node), json_string_length(node)));
    }
    /*
     * Podman reports "OsArch" and "APIVersion" where docker has "Os" and "ApiVersion" (podman 1
     * at the top level, later versions under "Client").
     */
    client = json_object_get(root, "Client");
    if (json_object_get(client, "OsArch") != NULL ||
        json_object_get(client, "APIVersion") != NULL || json_object_get(root, "OsArch") != NULL)
        put(ps, docker, "podman", json_true());
    json_decref(root);
}

/*
 * One "Key: value" line of plain `docker version` text, in the Client (block 1) or Server
 * (block 2) part; true when it was a known key. The first value of a block wins: under
 * "Server:", the engine's version comes before containerd's and runc's.
 */
static bool docker_version_key(struct parse *ps, json_t *docker, struct span k, struct span v,
                               int block)
{
    struct span w[1], os, arch;
    bool client = block == 1;

    if (block == 0)
        return false;
    if (span_eq_nocase(k, "Version")) {
        set_once(ps, docker, client ? "client_version" : "server_version", v);
    } else if (span_eq_nocase(k, "API version") && split_words(v, w, 1) == 1) {
        /* "1.39 (minimum version 1.24)" */
        set_once(ps, docker, client ? "client_api_version" : "api_version", w[0]);
    } else if (span_eq_nocase(k, "OS/Arch") && split_at(v, '/', &os, &arch)) {
        set_once(ps, docker, client ? "client_os" : "server_os", os);
        set_once(ps, docker, client ? "client_arch" : "server_arch", arch);
    } else {
        return false;
    }
    return true;
}

static bool docker_info_key(struct parse *ps, json_t *docker, struct span k, struct span v)
{
    for (size_t i = 0; i < sizeof docker_info_keys / sizeof docker_info_keys[0]; i++)
        if (span_eq_nocase(k, docker_info_keys[i].key)) {
            set_once(ps, docker, docker_info_keys[i].fact, v);
            return true;
        }
    return false;
}

/*
 * Whether an unindented line is docker explaining itself ("Cannot connect to the Docker
 * daemon at unix:///...", "error during connect: ...", "WARNING: ...") rather than one of the
 * many "Key: value" lines of docker info that fleetscan does not keep.
 */
static bool is_docker_message(bool has_key, struct span k)
{
    /* Without a key, k was never set: look at it only when there is one. */
    if (!has_key)
        return true;
    return k.n > 24 || span_eq_nocase(span_of(k.p, k.n < 5 ? k.n : 5), "error") ||
           span_eq_nocase(span_of(k.p, k.n < 7 ? k.n : 7), "warning");
}

/* A line docker printed instead of facts: why the daemon did not answer, or podman's notice. */
static void docker_message(struct parse *ps, json_t *docker, struct span t)
{
    json_t *messages = child(ps, docker, "messages", true);

    if (messages != NULL && json_array_size(messages) < MAX_MESSAGES)
        append(ps, messages, text(ps, t, MAX_VALUE));
    if (span_find(t, "podman", NULL) || span_find(t, "Podman", NULL))
        put(ps, docker, "podman", json_true());
    if (span_find(t, "is not recognized", NULL) || span_find(t, "command not found", NULL))
        put(ps, docker, "cli_missing", json_true());
}

/*
 * Reads `docker version` (JSON or plain text, docker or podman) or, with info, `docker info`
 * into facts.engine.docker.
 */
static void parse_docker(struct parse *ps, struct span body, bool info)
{
    json_t *engine = child(ps, ps->facts, "engine", false);
    json_t *docker = engine != NULL ? child(ps, engine, "docker", false) : NULL;
    struct span line, k, v;
    int block = 0; /* 1 in "Client:", 2 in "Server:" */

    while (docker != NULL && !ps->failed && next_line(&body, &line)) {
        struct span t = trim(line);
        bool indented = line.n > 0 && (line.p[0] == ' ' || line.p[0] == '\t'), has_key;
        if (t.n == 0)
            continue;
        if (t.p[0] == '{') {
            parse_docker_json(ps, docker, t);
            continue;
        }
        has_key = split_at(t, ':', &k, &v);
        if (has_key && !indented && (span_eq_nocase(k, "Client") || span_eq_nocase(k, "Server"))) {
            block = span_eq_nocase(k, "Client") ? 1 : 2;
            if (span_find(v, "Podman", NULL))
                put(ps, docker, "podman", json_true());
            if (!info)
                set_once(ps, docker, block == 1 ? "client_platform" : "server_platform", v);
            continue;
        }
        if (has_key && (info ? docker_info_key(ps, docker, k, v)
                             : docker_version_key(ps, docker, k, v, block)))
            continue;
        if (!indented && is_docker_message(has_key, k))
            docker_message(ps, docker, t);
    }
}

static void parse_docker_version(struct parse *ps, struct span name, struct span body)
{
    parse_docker(ps, body, false);
}

/* ---- Linux: packages and engine commands ------------------------------------------------ */

/* Splits s at tabs into at most max fields; returns how many. */
static size_t split_tabs(struct span s, struct span *fields, size_t max)
{
    size_t count = 0;

    while (count < max) {
        const char *tab = s.n > 0 ? memchr(s.p, '\t', s.n) : NULL;
        size_t len = tab != NULL ? (size_t)(tab - s.p) : s.n;
        fields[count++] = trim(span_of(s.p, len));
        if (tab == NULL)
            break;
        s = span_cut(s, len + 1);
    }
    return count;
}

static void add_package(struct parse *ps, json_t *packages, const char *source, struct span name,
                        struct span version)
{
    json_t *pkg;

    if (json_array_size(packages) >= MAX_LIST)
        return;
    pkg = json_object();
    append(ps, packages, pkg); /* pkg is now borrowed from the array */
    if (ps->failed)
        return;
    put_text(ps, pkg, "name", name, MAX_NAME);
    put_text(ps, pkg, "version", version, MAX_NAME);
    put(ps, pkg, "source", json_string(source));
}

/* The last word of a dpkg status ("install ok installed") says whether it is installed. */
static bool dpkg_installed(struct span status)
{
    struct span words[3];
    size_t n = split_words(status, words, 3);
    return n == 3 && span_eq(words[2], "installed");
}

static void parse_engine(struct parse *ps, struct span name, struct span body)
{
    json_t *engine = child(ps, ps->facts, "engine", false);
    json_t *packages = engine ? child(ps, engine, "packages", true) : NULL;
    json_t *dbs = engine ? child(ps, engine, "databases", true) : NULL;
    json_t *cmds = engine ? child(ps, engine, "commands", true) : NULL;
    struct span line, k, v, f[5];

    while (cmds != NULL && !ps->failed && next_line(&body, &line)) {
        size_t n = split_tabs(line, f, 5);
        if (n == 4 && span_eq(f[0], "dpkg") && f[1].n > 0 && dpkg_installed(f[2]))
            add_package(ps, packages, "dpkg", f[1], f[3]);
        else if (n == 3 && span_eq(f[0], "rpm") && f[1].n > 0)
            add_package(ps, packages, "rpm", f[1], f[2]);
        else if (split_at(line, '=', &k, &v) && v.n > 0 && span_eq(k, "db"))
            append(ps, dbs, text(ps, v, MAX_NAME));
        else if (split_at(line, '=', &k, &v) && v.n > 0 && span_eq(k, "cmd"))
            append(ps, cmds, text(ps, v, MAX_VALUE));
    }
}

/* ---- Linux: memory, storage, cgroups ---------------------------------------------------- */

static void parse_memory(struct parse *ps, struct span name, struct span body)
{
    json_t *mem = child(ps, ps->facts, "memory_kb", false);
    struct span line, k, v, words[2];
    long long kb;

    while (mem != NULL && !ps->failed && next_line(&body, &line)) {
        if (!split_at(line, ':', &k, &v) || split_words(v, words, 2) < 1 ||
            !span_to_ll(words[0], &kb))
            continue;
        if (span_eq(k, "MemTotal"))
            put(ps, mem, "total", json_integer(kb));
        else if (span_eq(k, "MemAvailable"))
            put(ps, mem, "available", json_integer(kb));
    }
}

static bool is_percent(struct span s)
{
    long long pct;
    return s.n >= 2 && s.p[s.n - 1] == '%' && span_to_ll(span_of(s.p, s.n - 1), &pct);
}

/*
 * "PATH <df -Pk line>": the probed path, then filesystem, 1024-blocks, used, available,
 * capacity and mount point. The filesystem name may hold spaces, so the numbers are found as
 * three numbers followed by a percentage.
 */
static void parse_storage_line(struct parse *ps, json_t *storage, struct span line)
{
    struct span w[16];
    size_t n = split_words(line, w, 16);
    long long total, used, avail;

    for (size_t i = 2; i + 4 <= n; i++) {
        json_t *entry;
        if (!span_to_ll(w[i], &total) || !span_to_ll(w[i + 1], &used) ||
            !span_to_ll(w[i + 2], &avail) || !is_percent(w[i + 3]))
            continue;
        if (json_object_size(storage) >= 8)
            return;
        entry = json_pack("{s:I, s:I, s:I}", "total", (json_int_t)total, "used", (json_int_t)used,
                          "available", (json_int_t)avail);
        if (i + 4 < n && entry != NULL)
            put_text(ps, entry, "mounted_on",
                     span_of(w[i + 4].p, (size_t)((w[n - 1].p + w[n - 1].n) - w[i + 4].p)),
                     MAX_VALUE);
        put_keyed(ps, storage, w[0], entry);
        return;
    }
}

static void parse_storage(struct parse *ps, struct span name, struct span body)
{
    json_t *storage = child(ps, ps->facts, "storage_kb", false);
    struct span line;

    while (storage != NULL && !ps->failed && next_line(&body, &line))
        parse_storage_line(ps, storage, line);
}

/*
 * cgroup v2 lists its controllers in one line; otherwise /proc/cgroups says which v1
 * controllers are enabled and mounted (hierarchy 0 means not mounted).
 */
static void parse_cgroup(struct parse *ps, struct span name, struct span body)
{
    json_t *v1 = json_array(), *v2 = NULL;
    struct span line, k, v, w[MAX_LIST];
    long long hier;

    if (v1 == NULL) {
        ps->failed = true;
        return;
    }
    while (!ps->failed && next_line(&body, &line)) {
        size_t n;
        if (split_at(line, '=', &k, &v) && span_eq(k, "v2_controllers")) {
            json_decref(v2);
            v2 = json_array();
            n = split_words(v, w, MAX_LIST);
            for (size_t i = 0; i < n && v2 != NULL; i++)
                append(ps, v2, text(ps, w[i], MAX_NAME));
            if (v2 == NULL)
                ps->failed = true;
        } else if (split_words(line, w, 5) == 4 && span_to_ll(w[1], &hier) && hier != 0 &&
                   span_eq(w[3], "1")) {
            append(ps, v1, text(ps, w[0], MAX_NAME));
        }
    }
    if (v2 != NULL || json_array_size(v1) > 0)
        put(ps, ps->facts, "cgroup",
            json_pack("{s:i, s:O}", "version", v2 != NULL ? 2 : 1, "controllers",
                      v2 != NULL ? v2 : v1));
    json_decref(v1);
    json_decref(v2);
}

/* ---- Linux: kernel config and Yocto build record --------------------------------------- */

/* "source=PATH", then CONFIG_NAME=value lines: facts.kernel_config {source, flags{NAME: v}}. */
static void parse_kernel_config(struct parse *ps, struct span name, struct span body)
{
    json_t *kc = child(ps, ps->facts, "kernel_config", false);
    json_t *flags = kc != NULL ? child(ps, kc, "flags", false) : NULL;
    struct span line, k, v;

    while (flags != NULL && !ps->failed && next_line(&body, &line)) {
        if (!split_at(trim(line), '=', &k, &v) || v.n == 0)
            continue;
        if (span_eq(k, "source"))
            put_text(ps, kc, "source", v, MAX_VALUE);
        else if (span_starts(k, "CONFIG_") && k.n > strlen("CONFIG_") &&
                 json_object_size(flags) < 64)
            put_keyed(ps, flags, span_cut(k, strlen("CONFIG_")), text(ps, v, MAX_NAME));
    }
}

/*
 * /etc/build as Yocto's image-buildinfo class writes it: "KEY = value" lines (DISTRO,
 * DISTRO_VERSION, MACHINE) and "layer = branch:revision" lines under "Layer Revisions:".
 */
static void parse_etc_build(struct parse *ps, struct span name, struct span body)
{
    json_t *b = child(ps, ps->facts, "yocto_build", false);
    struct span line, k, v;
    static const char *const keys[] = {"DISTRO", "DISTRO_VERSION", "MACHINE"};

    while (b != NULL && !ps->failed && next_line(&body, &line)) {
        struct span t = trim(line);
        if (span_starts(t, "Layer Revisions"))
            put(ps, b, "layers", json_true());
        if (!split_at(t, '=', &k, &v))
            continue;
        k = trim(k);
        v = trim(v);
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (span_eq(k, keys[i]) && v.n > 0)
                put_text(ps, b, keys[i], v, MAX_NAME);
    }
}

/* ---- Linux: the whole answer ------------------------------------------------------------ */

static const struct {
    const char *name;
    void (*parse)(struct parse *ps, struct span name, struct span body);
} linux_sections[] = {
    {"os-release", parse_os_release},
    {"centos-release", parse_release_file},
    {"redhat-release", parse_release_file},
    {"debian_version", parse_release_file},
    {"system-release", parse_release_file},
    {"uname", parse_uname},
    {"arch", parse_arch},
    {"cpu", parse_cpu},
    {"device-model", parse_device_model},
    {"engine", parse_engine},
    {"docker-version", parse_docker_version},
    {"virt", parse_virt},
    {"memory", parse_memory},
    {"storage", parse_storage},
    {"init", parse_init},
    {"cgroup", parse_cgroup},
    {"kernel-config", parse_kernel_config},
    {"etc-build", parse_etc_build},
};

static void linux_section(struct parse *ps, struct span name, struct span body, bool terminated)
{
    if (!terminated) {
        json_t *list = child(ps, ps->facts, "unterminated_sections", true);
        if (list != NULL)
            append(ps, list, text(ps, name, MAX_NAME));
    }
    for (size_t i = 0; i < sizeof linux_sections / sizeof linux_sections[0]; i++)
        if (span_eq(name, linux_sections[i].name)) {
            linux_sections[i].parse(ps, name, body);
            return;
        }
    keep_raw(ps, name, body);
}

/* Outside sections: the marker, or lines a login script printed (counted, not kept). */
static void linux_outside(struct parse *ps, struct span line)
{
    struct span t = trim(line);
    long long version;

    if (span_starts(t, "@@fleetscan-probe ") &&
        span_to_ll(trim(span_cut(t, strlen("@@fleetscan-probe "))), &version)) {
        if (json_object_get(ps->facts, "probe") == NULL)
            put(ps, ps->facts, "probe", json_integer(version));
    } else if (t.n > 0) {
        ps->stray_lines++;
    }
}

json_t *fs_probe_parse_linux(const char *out, size_t len)
{
    struct parse ps = {0};

    ps.facts = json_object();
    if (ps.facts == NULL)
        return NULL;
    put(&ps, ps.facts, "kind", json_string("posix"));
    split_sections(&ps, span_of(out, len), linux_section, linux_outside);
    return finish(&ps);
}

/* ---- Windows ---------------------------------------------------------------------------- */

/* Registry values kept, by name. Owner names, product IDs and keys are never stored. */
static const struct {
    const char *name;
    const char *fact;
    bool number;
} reg_values[] = {
    {"ProductName", "product_name", false},
    {"EditionID", "edition_id", false},
    {"CompositionEditionID", "composition_edition_id", false},
    {"InstallationType", "installation_type", false},
    {"CurrentBuild", "current_build", true},
    {"CurrentBuildNumber", "current_build_number", true},
    {"UBR", "ubr", true},
    {"DisplayVersion", "display_version", false},
    {"ReleaseId", "release_id", false},
    {"CurrentVersion", "current_version", false},
    {"CurrentMajorVersionNumber", "major", true},
    {"CurrentMinorVersionNumber", "minor", true},
    {"BuildLabEx", "build_lab_ex", false},
    {"PROCESSOR_ARCHITECTURE", "processor_architecture", false},
    {"SystemManufacturer", "system_manufacturer", false},
    {"SystemProductName", "system_product_name", false},
};

/* "    Name    REG_TYPE    value": reg query separates its columns with four spaces. */
static void parse_reg_line(struct parse *ps, json_t *win, struct span line)
{
    struct span t = trim(line), name, rest, value;
    size_t at, type_len = 0;
    long long num;

    if (!span_find(t, "    REG_", &at))
        return;
    name = trim(span_of(t.p, at));
    rest = span_cut(t, at + 4);
    while (type_len < rest.n && !is_blank(rest.p[type_len]))
        type_len++;
    value = span_cut(rest, type_len);
    for (int i = 0; i < 4 && value.n > 0 && value.p[0] == ' '; i++)
        value = span_cut(value, 1);
    value = trim(value);
    for (size_t i = 0; i < sizeof reg_values / sizeof reg_values[0]; i++) {
        if (!span_eq(name, reg_values[i].name))
            continue;
        if (reg_values[i].number && (span_hex_to_ll(value, &num) || span_to_ll(value, &num)))
            put(ps, win, reg_values[i].fact, json_integer(num));
        else
            put_text(ps, win, reg_values[i].fact, value, MAX_VALUE);
        return;
    }
}

/*
 * "Microsoft Windows [Version 10.0.17763.557]": the last word inside the brackets, which is
 * the version in every language ("[Versión 10.0...]").
 */
static void parse_ver_line(struct parse *ps, json_t *win, struct span t)
{
    size_t open, close;
    struct span inner, w[8], parts = {NULL, 0};
    size_t n, field = 0;
    long long num;

    if (!span_find(t, "[", &open) || !span_find(t, "]", &close) || close < open)
        return;
    inner = span_of(t.p + open + 1, close - open - 1);
    n = split_words(inner, w, 8);
    if (n == 0)
        return;
    put_text(ps, win, "ver", w[n - 1], MAX_NAME);
    /* The third and fourth dotted numbers are the build and the update revision (UBR). */
    for (struct span s = w[n - 1]; s.n > 0 && field < 4; field++) {
        const char *dot = memchr(s.p, '.', s.n);
        size_t len = dot != NULL ? (size_t)(dot - s.p) : s.n;
        parts = span_of(s.p, len);
        if (field >= 2 && span_to_ll(parts, &num))
            put(ps, win, field == 2 ? "ver_build" : "ver_ubr", json_integer(num));
        s = dot != NULL ? span_cut(s, len + 1) : span_of(NULL, 0);
    }
}

static void windows_line(struct parse *ps, struct span line)
{
    json_t *win = child(ps, ps->facts, "windows", false);
    struct span t = trim(line);
    long long version;

    if (win == NULL || t.n == 0)
        return;
    if (span_starts(t, "@@fleetscan-windows ")) {
        if (span_to_ll(trim(span_cut(t, strlen("@@fleetscan-windows "))), &version))
            put(ps, ps->facts, "probe", json_integer(version));
    } else if (span_starts(t, "Microsoft Windows [")) {
        parse_ver_line(ps, win, t);
    } else if (line.p[0] == ' ' || line.p[0] == '\t') {
        parse_reg_line(ps, win, line);
    }
}

/* `sc.exe query NAME`: "STATE : 4  RUNNING", or error 1060 when no such service exists. */
static void parse_service(struct parse *ps, struct span service, struct span body)
{
    json_t *engine = child(ps, ps->facts, "engine", false);
    json_t *services = engine != NULL ? child(ps, engine, "services", false) : NULL;
    struct span line, k, v, w[4];

    while (services != NULL && !ps->failed && next_line(&body, &line)) {
        if (span_find(line, "FAILED 1060", NULL)) {
            put_keyed(ps, services, service, json_string("absent"));
            return;
        }
        if (split_at(line, ':', &k, &v) && span_eq(k, "STATE") && split_words(v, w, 4) >= 2) {
            put_keyed(ps, services, service, text(ps, w[1], MAX_NAME));
            return;
        }
    }
}

static void windows_section(struct parse *ps, struct span name, struct span body, bool terminated)
{
    struct span line;

    if (span_eq(name, "docker-version"))
        parse_docker(ps, body, false);
    else if (span_eq(name, "docker-info"))
        parse_docker(ps, body, true);
    else if (span_starts(name, "sc-") && name.n > 3)
        parse_service(ps, span_cut(name, 3), body);
    else
        while (!ps->failed && next_line(&body, &line))
            windows_line(ps, line);
}

json_t *fs_probe_parse_windows(const char *out, size_t len)
{
    struct parse ps = {0};

    ps.facts = json_object();
    if (ps.facts == NULL)
        return NULL;
    put(&ps, ps.facts, "kind", json_string("windows"));
    child(&ps, ps.facts, "windows", false);
    split_sections(&ps, span_of(out, len), windows_section, windows_line);
    return finish(&ps);
}
