/*
 * classify: judges one host's facts against a rule set (scanner/rules.h): the default is the
 * supported-systems matrix of March 2019 (FS_RULES_DEFAULT_ID, the seed document), and any
 * other built-in set or rule file can be given. The tier tables, engines, Windows and VM rules
 * and prerequisite thresholds are the rule set's data; the tables here only say how devices
 * are recognised (architecture names, ELF machines, Pi models, release files, hypervisors,
 * Yocto code names). docs/classification.md explains every rule and the sentences written into
 * reasons.
 *
 * Facts are read defensively: any member may be missing or of the wrong type (a stored report
 * can be edited by hand), and then the verdict says less, never something invented.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/probe.h"
#include "scanner/rules.h"

/* The rule set's id, for sentences: every verdict names the rules it was judged by. */
#define RULES (j->r->id)

/* `docker version` platform names and the engine they mean. */
static const struct {
    const char *platform;
    const char *engine;
} docker_platforms[] = {
    {"Docker Engine - Community", "docker-ce"},
    {"Docker Engine - Enterprise", "docker-ee"},
    {"Mirantis Container Runtime", "docker-ee"},
    {"Docker Desktop", "docker-ce"},
    {"Podman", "podman"},
};

/* ---- recognition tables ----------------------------------------------------------------- */

/* Architecture names as uname, dpkg, rpm and Windows spell them. Anything else is "other". */
static const struct {
    const char *name;
    enum fs_arch_class cls;
} arch_names[] = {
    {"x86_64", FS_ARCH_AMD64},    {"amd64", FS_ARCH_AMD64},     {"x64", FS_ARCH_AMD64},
    {"i386", FS_ARCH_X86},        {"i486", FS_ARCH_X86},        {"i586", FS_ARCH_X86},
    {"i686", FS_ARCH_X86},        {"x86", FS_ARCH_X86},         {"aarch64", FS_ARCH_ARM64},
    {"arm64", FS_ARCH_ARM64},     {"armhf", FS_ARCH_ARM32V7},   {"armhfp", FS_ARCH_ARM32V7},
    {"armv7l", FS_ARCH_ARM32V7},  {"armv7hl", FS_ARCH_ARM32V7}, {"armv7", FS_ARCH_ARM32V7},
    {"armv8l", FS_ARCH_ARM32V7},  {"arm", FS_ARCH_ARM32V7},     {"armv6l", FS_ARCH_ARM32V6},
    {"armv6hl", FS_ARCH_ARM32V6},
};

/* ELF e_machine values of the userland, with the word size they need. */
static const struct {
    long long machine;
    long long bits;
    enum fs_arch_class cls;
} elf_machines[] = {
    {62, 64, FS_ARCH_AMD64},
    {3, 32, FS_ARCH_X86},
    {40, 32, FS_ARCH_ARM32V7},
    {183, 64, FS_ARCH_ARM64},
};

/* Raspberry Pi models with the ARMv6 BCM2835: Pi 1 (A, B, A+, B+), Zero, Zero W, CM1. */
static const char *const armv6_models[] = {
    "Raspberry Pi Model *",
    "Raspberry Pi Zero Rev*",
    "Raspberry Pi Zero W*",
    "Raspberry Pi Compute Module Rev*",
};

/* Release files that carry the minor version, per os-release ID. */
static const struct {
    const char *os_id;
    const char *file;   /* member of facts.release_files */
    const char *detect; /* identifies the OS from this file when os-release is missing */
} release_files[] = {
    {"centos", "centos-release", "CentOS*"},
    {"rhel", "redhat-release", "Red Hat Enterprise Linux*"},
    {"debian", "debian_version", NULL},
    {"raspbian", "debian_version", NULL},
};

/* DMI vendor and product names of hypervisors (substrings; NULL matches anything). */
static const struct {
    const char *vendor;
    const char *product;
    const char *name;
} dmi_hypervisors[] = {
    {"Microsoft Corporation", "Virtual Machine", "microsoft"},
    {"VMware", NULL, "vmware"},
    {NULL, "VMware", "vmware"},
    {"QEMU", NULL, "qemu"},
    {NULL, "KVM", "kvm"},
    {"innotek GmbH", NULL, "oracle"},
    {NULL, "VirtualBox", "oracle"},
    {"Xen", NULL, "xen"},
    {"Amazon EC2", NULL, "amazon"},
    {"Google", "Google Compute Engine", "google"},
    {"Parallels", NULL, "parallels"},
};

/* systemd-detect-virt names of containers (the rest are virtual machines). */
static const char *const container_kinds[] = {
    "docker", "podman", "lxc",   "lxc-libvirt", "systemd-nspawn",  "openvz",
    "rkt",    "wsl",    "proot", "pouch",       "container-other",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- verdict helpers -------------------------------------------------------------------- */

struct judge {
    struct fs_verdict *v;
    const struct fs_rules *r;
    bool failed;  /* memory ran out */
    bool blocked; /* a rule other than tier and engine rules out production */
    int prereq_failed;
};

/* What the classifier knows about the system while it judges it. */
struct device {
    enum fs_os_family family;
    const char *id;      /* borrowed from the verdict */
    const char *version; /* borrowed from the verdict */
    const char *edition; /* Windows EditionID, borrowed from the facts */
    long long build;     /* Windows build, 0 when unknown */
    const char *name;    /* os-release NAME and PRETTY_NAME, for rows matched by name */
    const char *pretty;
    const char *vendor_of; /* the reference distribution a vendor build derives from, or NULL */
    char vendor_why[160];  /* what showed it */
    const struct fs_rules_row *row; /* the row that decided the tier, or NULL */
    char label[256];                /* how sentences name the system */
};

/* Replaces an owned verdict string with a copy of value (NULL clears it). */
static void set(struct judge *j, char **field, const char *value)
{
    free(*field);
    *field = value != NULL ? strdup(value) : NULL;
    if (value != NULL && *field == NULL)
        j->failed = true;
}

/*
 * Drops a UTF-8 sequence that snprintf cut off at the end of s, so that text copied from the
 * facts into a fixed buffer stays valid UTF-8.
 */
static void trim_partial_utf8(char *s)
{
    size_t n = strlen(s), i = n, want;
    unsigned char lead;

    while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    lead = (unsigned char)s[i - 1];
    want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < want)
        s[i - 1] = '\0';
}

/* Appends one formatted line to a verdict's notes or reasons. */
__attribute__((format(printf, 3, 0))) static void vadd(struct judge *j, json_t *list,
                                                       const char *fmt, va_list ap)
{
    va_list copy;
    int n;
    char *buf;
    json_t *line;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf == NULL) {
        j->failed = true;
        return;
    }
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    line = json_string(buf);
    if (line == NULL) {
        /* Text jansson refuses (a character cut by a fixed buffer) is stored cleaned. */
        char *clean = fs_utf8_clean(buf, (size_t)n, NULL);
        line = clean != NULL ? json_string(clean) : NULL;
        free(clean);
    }
    if (json_array_append_new(list, line) != 0)
        j->failed = true;
    free(buf);
}

__attribute__((format(printf, 2, 3))) static void note(struct judge *j, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vadd(j, j->v->notes, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void reason(struct judge *j, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vadd(j, j->v->reasons, fmt, ap);
    va_end(ap);
}

/* ---- reading facts ---------------------------------------------------------------------- */

static const json_t *get(const json_t *obj, const char *key)
{
    return json_object_get(obj, key);
}

/* A non-empty string member, or NULL. */
static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(get(obj, key));
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* An integer member, or dflt. */
static long long num(const json_t *obj, const char *key, long long dflt)
{
    const json_t *n = get(obj, key);
    return json_is_integer(n) ? (long long)json_integer_value(n) : dflt;
}

static bool has_text(const char *s, const char *needle)
{
    return s != NULL && strstr(s, needle) != NULL;
}

static bool ieq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* pattern is exact, or a prefix when it ends in '*'. */
static bool pattern_match(const char *pattern, const char *s)
{
    size_t n = strlen(pattern);

    if (s == NULL)
        return false;
    if (n > 0 && pattern[n - 1] == '*')
        return strncmp(s, pattern, n - 1) == 0;
    return strcmp(s, pattern) == 0;
}

/* True when longer is shorter or a dotted extension of it ("7.5.1804" extends "7.5"). */
static bool extends(const char *longer, const char *shorter)
{
    size_t n = strlen(shorter);
    return strncmp(longer, shorter, n) == 0 && (longer[n] == '\0' || longer[n] == '.');
}

/* ---- the operating system --------------------------------------------------------------- */

/*
 * The version number in a release file: the file itself when it starts with a digit
 * (debian_version "9.13"), else the word after "release " ("CentOS Linux release 7.5.1804").
 * "stretch/sid" on Ubuntu gives nothing. Writes into buf; false when there is none.
 */
static bool release_file_version(const char *text, char *buf, size_t size)
{
    const char *p = text;
    size_t n = 0;

    if (text == NULL)
        return false;
    if (!(p[0] >= '0' && p[0] <= '9')) {
        p = strstr(text, "release ");
        if (p == NULL)
            return false;
        p += strlen("release ");
    }
    while ((p[n] >= '0' && p[n] <= '9') || (p[n] == '.' && n > 0))
        n++;
    while (n > 0 && p[n - 1] == '.')
        n--;
    if (n == 0 || n >= size)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

/* The os-release ID, or one derived from a release file when os-release is missing. */
static const char *posix_os_id(const json_t *facts)
{
    const json_t *files = get(facts, "release_files");
    const char *id = str(get(facts, "os_release"), "ID");

    for (size_t i = 0; id == NULL && i < COUNT(release_files); i++)
        if (release_files[i].detect != NULL &&
            pattern_match(release_files[i].detect, str(files, release_files[i].file)))
            id = release_files[i].os_id;
    return id;
}

/*
 * The most precise version the device states: VERSION_ID, extended by the first word of
 * VERSION (Ubuntu's "18.04.1 LTS"), extended by the distribution's release file (CentOS
 * "7.5.1804", Debian "9.13"). A release file that does not extend VERSION_ID is ignored.
 */
static void posix_os_version(const json_t *facts, const char *id, char *buf, size_t size)
{
    const json_t *osr = get(facts, "os_release");
    const char *version_id = str(osr, "VERSION_ID"), *version = str(osr, "VERSION");
    char candidate[64];

    snprintf(buf, size, "%s", version_id != NULL ? version_id : "");
    trim_partial_utf8(buf);
    if (release_file_version(version, candidate, sizeof candidate) &&
        (buf[0] == '\0' || extends(candidate, buf)))
        snprintf(buf, size, "%s", candidate);
    for (size_t i = 0; id != NULL && i < COUNT(release_files); i++) {
        const char *text = str(get(facts, "release_files"), release_files[i].file);
        if (strcmp(id, release_files[i].os_id) == 0 &&
            release_file_version(text, candidate, sizeof candidate) &&
            (buf[0] == '\0' || extends(candidate, buf)))
            snprintf(buf, size, "%s", candidate);
    }
}

/* Yocto release code names, as vendor builds keep them in os-release's VERSION. */
static const char *const yocto_codenames[] = {
    "dizzy",      "fido",      "jethro",   "krogoth",   "morty",    "pyro",
    "rocko",      "sumo",      "thud",     "warrior",   "zeus",     "dunfell",
    "gatesgarth", "hardknott", "honister", "kirkstone", "langdale", "mickledore",
    "nanbield",   "scarthgap", "styhead",  "walnascar",
};

/* True when word appears in s as a whole word (letters around it do not count). */
static bool has_word(const char *s, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = s; p != NULL && (p = strstr(p, word)) != NULL; p++) {
        bool left = p == s || !((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z'));
        bool right = !((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z'));
        if (left && right)
            return true;
    }
    return false;
}

/*
 * A vendor's Yocto build replaces ID=poky with its own (fsl-imx-xwayland, tdx-xwayland,
 * ...). It is recognised, in this order, by os-release's ID_LIKE naming poky or yocto, by a
 * Yocto release code name in VERSION or VERSION_CODENAME or DISTRO_CODENAME, or by
 * /etc/build as Yocto's image-buildinfo class writes it (DISTRO = ..., layer revisions).
 */
static void find_vendor_build(const json_t *facts, struct device *d)
{
    const json_t *osr = get(facts, "os_release"), *build = get(facts, "yocto_build");
    const char *like = str(osr, "ID_LIKE");
    static const char *const version_keys[] = {"VERSION", "VERSION_CODENAME", "DISTRO_CODENAME"};

    if (d->id == NULL || strcmp(d->id, "poky") == 0)
        return;
    if (has_word(like, "poky") || has_word(like, "yocto")) {
        snprintf(d->vendor_why, sizeof d->vendor_why, "os-release ID_LIKE=%s", like);
    } else if (json_is_object(build) && (str(build, "DISTRO") != NULL || get(build, "layers"))) {
        snprintf(d->vendor_why, sizeof d->vendor_why, "/etc/build from Yocto's image-buildinfo%s%s",
                 str(build, "DISTRO") ? ", DISTRO = " : "",
                 str(build, "DISTRO") ? str(build, "DISTRO") : "");
    } else {
        for (size_t k = 0; d->vendor_why[0] == '\0' && k < COUNT(version_keys); k++)
            for (size_t i = 0; i < COUNT(yocto_codenames); i++)
                if (has_word(str(osr, version_keys[k]), yocto_codenames[i])) {
                    snprintf(d->vendor_why, sizeof d->vendor_why,
                             "os-release %s names the Yocto release '%s'", version_keys[k],
                             yocto_codenames[i]);
                    break;
                }
    }
    trim_partial_utf8(d->vendor_why);
    if (d->vendor_why[0] != '\0')
        d->vendor_of = "poky";
}

static void identify_posix(struct judge *j, const json_t *facts, struct device *d)
{
    const json_t *osr = get(facts, "os_release");
    const char *uname_os = str(get(facts, "uname"), "os");
    const char *id = posix_os_id(facts), *name = str(osr, "PRETTY_NAME");
    char version[128];

    if (uname_os != NULL && strcmp(uname_os, "Linux") != 0)
        d->family = FS_OS_OTHER;
    else if (uname_os != NULL || id != NULL)
        d->family = FS_OS_LINUX;
    if (d->family == FS_OS_OTHER && id == NULL)
        id = uname_os;
    posix_os_version(facts, id, version, sizeof version);
    if (version[0] == '\0' && d->family == FS_OS_OTHER && str(get(facts, "uname"), "kernel"))
        snprintf(version, sizeof version, "%s", str(get(facts, "uname"), "kernel"));
    trim_partial_utf8(version);
    for (size_t i = 0; name == NULL && id != NULL && i < COUNT(release_files); i++)
        if (strcmp(id, release_files[i].os_id) == 0)
            name = str(get(facts, "release_files"), release_files[i].file);
    set(j, &j->v->os_id, id);
    set(j, &j->v->os_version, version[0] != '\0' ? version : NULL);
    set(j, &j->v->os_name, name != NULL ? name : str(osr, "NAME"));
    d->id = j->v->os_id;
    d->version = j->v->os_version;
    d->name = str(osr, "NAME");
    d->pretty = str(osr, "PRETTY_NAME");
    if (d->family == FS_OS_LINUX)
        find_vendor_build(facts, d);
    if (j->v->os_name != NULL)
        snprintf(d->label, sizeof d->label, "%s", j->v->os_name);
    else if (version[0] != '\0')
        snprintf(d->label, sizeof d->label, "%s %s", id != NULL ? id : "this system", version);
    else
        snprintf(d->label, sizeof d->label, "%s", id != NULL ? id : "this system");
    trim_partial_utf8(d->label);
    if (d->family == FS_OS_UNKNOWN)
        reason(j, "The host answered, but neither uname nor os-release identified its "
                  "operating system");
}

/* ---- the architecture ------------------------------------------------------------------- */

static enum fs_arch_class class_of_name(const char *name)
{
    if (name == NULL)
        return FS_ARCH_UNKNOWN;
    for (size_t i = 0; i < COUNT(arch_names); i++)
        if (ieq(name, arch_names[i].name))
            return arch_names[i].cls;
    return FS_ARCH_OTHER;
}

static enum fs_arch_class class_of_elf(const json_t *elf)
{
    long long bits = num(elf, "class", 0), machine = num(elf, "machine", -1);

    if (!json_is_object(elf))
        return FS_ARCH_UNKNOWN;
    for (size_t i = 0; i < COUNT(elf_machines); i++)
        if (elf_machines[i].machine == machine && elf_machines[i].bits == bits)
            return elf_machines[i].cls;
    return FS_ARCH_OTHER;
}

static const char *column_name(enum fs_arch_class a)
{
    switch (a) {
    case FS_ARCH_AMD64:
        return "AMD64";
    case FS_ARCH_ARM32V7:
        return "ARM32v7";
    case FS_ARCH_ARM64:
        return "ARM64";
    case FS_ARCH_ARM32V6:
        return "ARMv6";
    case FS_ARCH_X86:
        return "x86 (32-bit)";
    default:
        return "this architecture";
    }
}

/*
 * True when a 32-bit ARM device is ARMv6 (Pi Zero, Pi 1): containers then need ARMv6 images,
 * whatever dpkg says (Raspbian calls its ARMv6-compatible userland armhf). Adds the reason.
 */
static bool is_armv6(struct judge *j, const json_t *facts)
{
    const json_t *cpu = get(facts, "cpu");
    const char *model = str(facts, "device_model"), *machine = str(get(facts, "uname"), "machine");
    const char *cpu_name = str(cpu, "model_name") ? str(cpu, "model_name") : str(cpu, "processor");
    bool model_v6 = false;
    size_t len;

    if (model == NULL)
        model = str(cpu, "model");
    for (size_t i = 0; model != NULL && i < COUNT(armv6_models); i++)
        model_v6 = model_v6 || pattern_match(armv6_models[i], model);
    if (model_v6) {
        /* "Raspberry Pi Zero W Rev 1.1" is named without its board revision. */
        len = strstr(model, " Rev ") != NULL ? (size_t)(strstr(model, " Rev ") - model)
                                             : strlen(model);
        reason(j, "%.*s is ARMv6: no ARM32v7 build", (int)len, model);
    } else if (has_text(cpu_name, "ARMv6")) {
        reason(j, "The CPU (%s) is ARMv6: no ARM32v7 build", cpu_name);
    } else if (pattern_match("armv6*", machine) || pattern_match("0xb76", str(cpu, "part"))) {
        reason(j, "The CPU (%s) is ARMv6: no ARM32v7 build",
               pattern_match("armv6*", machine) ? machine : "ARM1176");
    } else {
        return false;
    }
    note(j, "ARMv6: no ARM32v7 build");
    return true;
}

/*
 * Classifies by the userland, which decides what container images run: dpkg's architecture,
 * else the ELF header of /bin/sh, else uname corrected by getconf LONG_BIT.
 */
static void judge_arch_posix(struct judge *j, const json_t *facts)
{
    const char *machine = str(get(facts, "uname"), "machine"), *dpkg = str(facts, "dpkg_arch");
    enum fs_arch_class kernel = class_of_name(machine), user;
    long long bits = num(facts, "long_bit", 0);

    set(j, &j->v->arch, machine != NULL ? machine : dpkg);
    if (dpkg != NULL)
        user = class_of_name(dpkg);
    else if (json_is_object(get(facts, "elf")))
        user = class_of_elf(get(facts, "elf"));
    else if (bits == 32 && kernel == FS_ARCH_ARM64)
        user = FS_ARCH_ARM32V7;
    else if (bits == 32 && kernel == FS_ARCH_AMD64)
        user = FS_ARCH_X86;
    else
        user = kernel;
    if ((user == FS_ARCH_ARM32V7 || user == FS_ARCH_ARM32V6) && is_armv6(j, facts))
        user = FS_ARCH_ARM32V6;
    else if (user == FS_ARCH_ARM32V7 && get(get(facts, "cpu"), "neon") == json_false()) {
        note(j, "ARMv7 without NEON");
        reason(j, "The ARMv7 CPU reports no NEON: IoT Edge's ARM32v7 images expect it");
    }
    if ((kernel == FS_ARCH_ARM64 || kernel == FS_ARCH_AMD64) &&
        (user == FS_ARCH_ARM32V7 || user == FS_ARCH_ARM32V6 || user == FS_ARCH_X86)) {
        note(j, "64-bit kernel, 32-bit userland");
        reason(j,
               "The kernel is 64-bit (%s) but the userland is 32-bit%s%s%s: containers run %s "
               "images",
               machine, dpkg != NULL ? " (" : "", dpkg != NULL ? dpkg : "", dpkg != NULL ? ")" : "",
               column_name(user));
    }
    j->v->arch_class = user;
}

/* ---- the tier --------------------------------------------------------------------------- */

enum match { NO_MATCH, MATCH, MAYBE };

/* The rule set's column for this architecture, or -1 when it has none. */
static int column_of(const struct fs_rules *r, enum fs_arch_class a)
{
    int col = fs_rules_column_of(a);
    return col >= 0 && r->columns[col] ? col : -1;
}

static bool any_match(char *const *patterns, const char *s)
{
    for (size_t i = 0; patterns != NULL && patterns[i] != NULL; i++)
        if (pattern_match(patterns[i], s))
            return true;
    return false;
}

static bool build_listed(const long long *builds, long long build)
{
    for (size_t i = 0; builds[i] != 0; i++)
        if (builds[i] == build)
            return true;
    return false;
}

/* Whether the OS is the row's, by os-release ID, by a vendor build's origin, and by NAME. */
static bool row_os(const struct fs_rules_row *row, const struct device *d)
{
    if (row->family != d->family)
        return false;
    if (row->ids != NULL && !any_match(row->ids, d->id) &&
        !(row->vendor && d->vendor_of != NULL && any_match(row->ids, d->vendor_of)))
        return false;
    return row->name == NULL || has_text(d->name, row->name) || has_text(d->pretty, row->name);
}

/* Whether d is the OS of row; MAYBE (with *missing naming what) when a needed fact is absent. */
static enum match row_match(const struct fs_rules_row *row, const struct device *d,
                            const char **missing)
{
    bool edition_ok = row->editions == NULL || any_match(row->editions, d->edition);
    bool build_known = d->build != 0;

    if (!row_os(row, d))
        return NO_MATCH;
    if (build_known && row->builds != NULL && !build_listed(row->builds, d->build))
        return NO_MATCH;
    if (build_known && row->min_build != 0 && d->build < row->min_build)
        return NO_MATCH;
    if (!edition_ok && d->edition != NULL)
        return NO_MATCH;
    if (row->version != NULL && d->version != NULL && !extends(d->version, row->version)) {
        /* "7" could be 7.5 or 7.6: a less precise version is not a match, nor a mismatch. */
        if (!extends(row->version, d->version))
            return NO_MATCH;
        *missing = "minor version";
    } else if (row->version != NULL && d->version == NULL)
        *missing = "version";
    else if ((row->builds != NULL || row->min_build != 0) && !build_known)
        *missing = "build";
    else if (!edition_ok)
        *missing = "edition";
    else
        return MATCH;
    return MAYBE;
}

static void tier_hit(struct judge *j, struct device *d, const struct fs_rules_row *row, int col)
{
    const char *name = column_name(j->v->arch_class);
    enum fs_tier tier = row->cells[col] == FS_CELL_PREVIEW ? FS_TIER_1_PREVIEW : row->tier;
    const char *meaning = j->r->tier_meaning[tier];

    d->row = row;
    j->v->tier = tier;
    note(j, "%s: %s on %s", fs_tier_name(tier), row->label, name);
    if (d->vendor_of != NULL && row->vendor)
        reason(j, "%s is a vendor build of %s (%s): matched as %s", d->label, d->vendor_of,
               d->vendor_why, row->label);
    if (tier == FS_TIER_1)
        reason(j, "%s on %s is Tier 1 in %s: %s", row->label, name, RULES, meaning);
    else if (tier == FS_TIER_1_PREVIEW)
        reason(j, "%s on %s is Tier 1 public preview in %s: %s", row->label, name, RULES, meaning);
    else
        reason(j, "%s on %s is Tier 2 in %s: %s", row->label, name, RULES, meaning);
    if (row->caveat != NULL)
        reason(j, "%s", row->caveat);
    if (row->caveat_note != NULL)
        note(j, "%s", row->caveat_note);
    if (row->runtime == FS_RUNTIME_EFLOW) {
        note(j, "through IoT Edge for Linux on Windows");
        reason(j,
               "%s lists this system for IoT Edge for Linux on Windows (EFLOW): IoT Edge runs in "
               "EFLOW's Linux virtual machine, not on the Windows host's own container engine",
               RULES);
    }
}

/* The OS is listed, but not for this architecture. listed: the columns that say Yes. */
static void tier_wrong_column(struct judge *j, const struct device *d,
                              const struct fs_rules_row *row, const bool *listed)
{
    const char *col = column_name(j->v->arch_class);
    char cols[64] = "";

    j->v->tier = FS_TIER_UNSUPPORTED;
    if (column_of(j->r, j->v->arch_class) < 0) {
        note(j, "unsupported: no %s column", col);
        reason(j, "%s on %s is not supported in %s: the matrix has no %s column", d->label, col,
               RULES, col);
        return;
    }
    for (int c = 0; c < FS_COL_COUNT; c++)
        if (listed[c])
            snprintf(cols + strlen(cols), sizeof cols - strlen(cols), "%s%s",
                     cols[0] != '\0' ? " and " : "", fs_rules_column_name((enum fs_rules_column)c));
    note(j, "unsupported: %s not on %s", row->label, col);
    reason(j, "%s on %s is not supported in %s: %s is listed for %s only", d->label, col, RULES,
           row->label, cols);
}

/* Says why a Linux or Windows system cannot be judged at all; false when it can. */
static bool tier_unjudgeable(struct judge *j, const struct device *d)
{
    if (d->family == FS_OS_UNKNOWN)
        return true;
    if (d->family == FS_OS_OTHER) {
        j->v->tier = FS_TIER_UNSUPPORTED;
        note(j, "unsupported: not Linux or Windows");
        reason(j, "%s is neither Linux nor Windows: %s lists only Linux and Windows systems",
               d->label, RULES);
        return true;
    }
    if (d->family == FS_OS_WINDOWS && d->build == 0 && d->edition == NULL) {
        note(j, "Windows version unknown");
        reason(j, "Windows answered, but neither ver nor reg query gave its build or edition");
        return true;
    }
    if (d->id == NULL && d->family == FS_OS_LINUX) {
        note(j, "distribution unknown");
        reason(j, "Linux without /etc/os-release or a known release file: the distribution "
                  "cannot be identified");
        return true;
    }
    return false;
}

static void judge_tier(struct judge *j, struct device *d)
{
    const struct fs_rules_row *listed = NULL, *maybe = NULL;
    const char *missing = NULL, *why = NULL;
    int col = column_of(j->r, j->v->arch_class);
    bool listed_cols[FS_COL_COUNT] = {false};

    j->v->tier = FS_TIER_UNKNOWN;
    if (tier_unjudgeable(j, d))
        return;
    for (size_t i = 0; i < j->r->n_rows; i++) {
        const struct fs_rules_row *row = &j->r->rows[i];
        enum match m = row_match(row, d, &missing);
        if (m == MAYBE && maybe == NULL) {
            maybe = row;
            why = missing;
        }
        if (m != MATCH)
            continue;
        listed = listed != NULL ? listed : row;
        for (int c = 0; c < FS_COL_COUNT; c++)
            listed_cols[c] = listed_cols[c] || row->cells[c] != FS_CELL_NO;
        if (col >= 0 && row->cells[col] != FS_CELL_NO) {
            tier_hit(j, d, row, col);
            return;
        }
    }
    if (listed != NULL && j->v->arch_class == FS_ARCH_UNKNOWN) {
        note(j, "architecture unknown");
        reason(j, "%s is listed as %s in %s, but its architecture could not be read", d->label,
               listed->label, RULES);
    } else if (listed != NULL) {
        tier_wrong_column(j, d, listed, listed_cols);
    } else if (maybe != NULL) {
        note(j, "%s unknown", why);
        reason(j, "%s may match %s in %s, but its %s could not be read", d->label, maybe->label,
               RULES, why);
    } else {
        j->v->tier = FS_TIER_UNSUPPORTED;
        note(j, "unsupported: not in the matrix");
        reason(j, "%s is not listed in %s", d->label, RULES);
    }
}

/* ---- the container engine --------------------------------------------------------------- */

static const struct fs_rules_engine *engine_rule(const struct fs_rules *r, const char *name)
{
    for (size_t i = 0; name != NULL && i < r->n_engines; i++)
        if (strcmp(r->engines[i].name, name) == 0)
            return &r->engines[i];
    return NULL;
}

/* Engine packages fleetscan recognises, in the order one is chosen when several are installed. */
static const char *const engine_packages[] = {"moby-engine", "docker-ee", "docker-ce",
                                              "docker.io",   "docker",    "podman"};

/* The installed package of the highest-ranked engine, or NULL. */
static const char *engine_from_packages(const json_t *packages, const char **version)
{
    for (size_t r = 0; r < COUNT(engine_packages); r++)
        for (size_t i = 0; i < json_array_size(packages); i++) {
            const json_t *pkg = json_array_get(packages, i);
            const char *name = str(pkg, "name");
            if (name != NULL && strcmp(name, engine_packages[r]) == 0) {
                *version = str(pkg, "version");
                return engine_packages[r];
            }
        }
    return NULL;
}

/*
 * The engine a docker daemon's answer names: its platform, else Microsoft's own rule (moby
 * versions are below 10, 3.0.x in 2019, or end in "+azure"), else the "-ce"/"-ee" suffixes of
 * 2017-2018.
 */
static const char *engine_from_docker(const json_t *docker)
{
    const char *platform = str(docker, "server_platform"), *version = str(docker, "server_version");
    const char *p;

    if (platform == NULL)
        platform = str(docker, "client_platform");
    for (size_t i = 0; platform != NULL && i < COUNT(docker_platforms); i++)
        if (has_text(platform, docker_platforms[i].platform))
            return docker_platforms[i].engine;
    if (get(docker, "podman") == json_true())
        return "podman";
    if (version == NULL)
        return NULL;
    p = strchr(version, ':') != NULL ? strchr(version, ':') + 1 : version; /* a package epoch */
    /* Docker's own 1.x releases (2014-2017) predate moby-engine and are not it. */
    if (has_text(version, "+azure") || (p[0] >= '2' && p[0] <= '9' && atoi(p) < 10))
        return "moby-engine";
    if (has_text(version, "-ce"))
        return "docker-ce";
    if (has_text(version, "-ee"))
        return "docker-ee";
    return "docker";
}

/* Windows services: IoT Edge's own moby runs as iotedge-moby, Docker EE as docker. */
static const char *engine_from_services(const json_t *services, const json_t *docker)
{
    const char *moby = str(services, "iotedge-moby"), *dockerd = str(services, "docker");

    if (moby != NULL && strcmp(moby, "absent") != 0)
        return "moby-engine";
    if (dockerd != NULL && strcmp(dockerd, "absent") != 0) {
        const char *name = engine_from_docker(docker);
        return name != NULL ? name : "docker";
    }
    return NULL;
}

/* True when the probe found the command name (a path ending in "/name") on PATH. */
static bool has_command(const json_t *cmds, const char *name)
{
    for (size_t i = 0; i < json_array_size(cmds); i++) {
        const char *path = json_string_value(json_array_get(cmds, i));
        const char *slash = path != NULL ? strrchr(path, '/') : NULL;
        if (path != NULL && strcmp(slash != NULL ? slash + 1 : path, name) == 0)
            return true;
    }
    return false;
}

/* Why no engine was found: a sentence, and whether the probe saw enough to call it missing. */
static bool engine_missing(const json_t *engine, const char **why)
{
    const json_t *docker = get(engine, "docker"), *services = get(engine, "services");
    const json_t *cmds = get(engine, "commands");
    const char *msg = json_string_value(json_array_get(get(docker, "messages"), 0));

    if (!json_is_object(engine)) {
        *why = "the probe output has no engine section";
        return false;
    }
    if (json_is_object(services)) {
        *why = "the iotedge-moby and docker services could not be queried";
        return pattern_match("absent", str(services, "iotedge-moby")) &&
               pattern_match("absent", str(services, "docker"));
    }
    if (has_command(cmds, "docker") || has_command(cmds, "dockerd")) {
        *why = msg != NULL ? msg : "a docker command is installed, but the daemon did not answer";
        return false;
    }
    *why = NULL;
    return true;
}

static void judge_engine(struct judge *j, const json_t *facts)
{
    const json_t *engine = get(facts, "engine"), *docker = get(engine, "docker");
    const char *version = NULL, *why = NULL;
    const char *name = engine_from_packages(get(engine, "packages"), &version);
    const struct fs_rules_engine *rule;

    if (name == NULL)
        name = engine_from_services(get(engine, "services"), docker);
    if (name == NULL)
        name = engine_from_docker(docker);
    if (name == NULL && has_command(get(engine, "commands"), "podman"))
        name = "podman";
    if (str(docker, "server_version") != NULL)
        version = str(docker, "server_version");
    rule = engine_rule(j->r, name);
    if (rule == NULL && name != NULL) {
        set(j, &j->v->container_engine, name);
        set(j, &j->v->engine_version, version);
        j->v->engine_support = FS_ENGINE_UNSUPPORTED;
        note(j, "%s: not listed", name);
        reason(j, "%s is not a container engine %s lists", name, RULES);
    } else if (rule != NULL) {
        set(j, &j->v->container_engine, rule->name);
        set(j, &j->v->engine_version, version);
        j->v->engine_support = rule->support;
        note(j, "%s", rule->note);
        reason(j, "%s (%s)", rule->reason, RULES);
    } else if (engine_missing(engine, &why)) {
        j->v->engine_support = FS_ENGINE_MISSING;
        note(j, "no container engine");
        reason(j,
               "No container engine found: no moby-engine, Docker or Podman; %s recommends "
               "moby-engine",
               RULES);
    } else {
        j->v->engine_support = FS_ENGINE_UNKNOWN;
        note(j, "engine unknown");
        reason(j, "The container engine could not be read: %s", why);
    }
}

/* ---- Windows ---------------------------------------------------------------------------- */

static void identify_windows(struct judge *j, const json_t *facts, struct device *d)
{
    const json_t *win = get(facts, "windows");
    long long build =
        num(win, "current_build", num(win, "current_build_number", num(win, "ver_build", 0)));
    long long ubr = num(win, "ubr", num(win, "ver_ubr", -1));
    const char *arch = str(win, "processor_architecture");
    char version[96] = "";

    d->family = FS_OS_WINDOWS;
    d->build = build > 0 ? build : 0;
    d->edition =
        str(win, "edition_id") ? str(win, "edition_id") : str(win, "composition_edition_id");
    if (str(win, "ver") != NULL)
        snprintf(version, sizeof version, "%s", str(win, "ver"));
    else if (build > 0 && ubr >= 0)
        snprintf(version, sizeof version, "%lld.%lld.%lld.%lld", num(win, "major", 10),
                 num(win, "minor", 0), build, ubr);
    else if (build > 0)
        snprintf(version, sizeof version, "%lld.%lld.%lld", num(win, "major", 10),
                 num(win, "minor", 0), build);
    trim_partial_utf8(version);
    set(j, &j->v->os_id, "windows");
    set(j, &j->v->os_version, version[0] != '\0' ? version : NULL);
    set(j, &j->v->os_name, str(win, "product_name"));
    d->id = j->v->os_id;
    d->version = j->v->os_version;
    if (d->build > 0)
        snprintf(d->label, sizeof d->label, "%s (build %lld)",
                 j->v->os_name != NULL ? j->v->os_name : "Windows", d->build);
    else
        snprintf(d->label, sizeof d->label, "%s",
                 j->v->os_name != NULL ? j->v->os_name : "Windows");
    trim_partial_utf8(d->label);
    if (arch == NULL)
        arch = str(get(get(facts, "engine"), "docker"), "architecture");
    set(j, &j->v->arch, arch);
    j->v->arch_class = class_of_name(arch);
}

/* The rule set's rules for containers on Windows, checked after the tier. */
static void judge_windows_containers(struct judge *j, const json_t *facts, const struct device *d)
{
    const json_t *docker = get(get(facts, "engine"), "docker");
    bool linux_containers = pattern_match("linux", str(docker, "os_type"));
    bool eflow = d->row != NULL && d->row->runtime == FS_RUNTIME_EFLOW;

    if (j->v->tier == FS_TIER_UNSUPPORTED && d->build >= j->r->linux_containers_min_build &&
        !linux_containers) {
        note(j, "Linux containers only for development");
        if (j->r->windows_container_build != 0)
            reason(j,
                   "Windows build %lld can run Linux containers for development and testing only "
                   "(%s): production needs Windows containers on a listed build %lld system",
                   d->build, RULES, j->r->windows_container_build);
        else
            reason(j,
                   "Windows build %lld can run Linux containers for development and testing only "
                   "(%s): production needs a listed Windows system with IoT Edge for Linux on "
                   "Windows",
                   d->build, RULES);
    }
    if (linux_containers && !eflow) {
        j->blocked = true;
        note(j, "Linux containers on Windows: development only");
        reason(j,
               "The engine runs Linux containers: on Windows that is for development and "
               "testing only in %s, not for production",
               RULES);
    }
    if (pattern_match("hyperv", str(docker, "default_isolation")) && !j->r->hyperv_isolation) {
        j->blocked = true;
        note(j, "Hyper-V isolation: not supported");
        reason(j,
               "The engine isolates containers with Hyper-V by default: %s supports only "
               "process-isolated Windows containers",
               RULES);
    }
}

/* ---- virtualization, readiness, probe quality ------------------------------------------- */

static const char *virt_from_dmi(const char *vendor, const char *product)
{
    for (size_t i = 0; (vendor != NULL || product != NULL) && i < COUNT(dmi_hypervisors); i++) {
        bool v_ok =
            dmi_hypervisors[i].vendor == NULL || has_text(vendor, dmi_hypervisors[i].vendor);
        bool p_ok =
            dmi_hypervisors[i].product == NULL || has_text(product, dmi_hypervisors[i].product);
        if (v_ok && p_ok)
            return dmi_hypervisors[i].name;
    }
    return vendor != NULL || product != NULL ? "none" : NULL;
}

static void judge_virt(struct judge *j, const json_t *facts, enum fs_os_family family)
{
    const json_t *virt = get(facts, "virtualization"), *win = get(facts, "windows");
    const char *name = str(virt, "detect_virt");

    if (name == NULL && family == FS_OS_WINDOWS)
        name = virt_from_dmi(str(win, "system_manufacturer"), str(win, "system_product_name"));
    else if (name == NULL)
        name = virt_from_dmi(str(virt, "sys_vendor"), str(virt, "product_name"));
    set(j, &j->v->virtualization, name);
    if (name == NULL || strcmp(name, "none") == 0)
        return;
    for (size_t i = 0; i < COUNT(container_kinds); i++)
        if (strcmp(name, container_kinds[i]) == 0) {
            note(j, "inside a container (%s)", name);
            reason(j,
                   "The probe ran inside a container (%s): the facts describe the container, "
                   "not the host that would run IoT Edge",
                   name);
            return;
        }
    note(j, "virtual machine (%s)", name);
    if (!j->r->vm_family_match) {
        reason(j, "Virtual machine (%s): %s supports IoT Edge in virtual machines", name, RULES);
        return;
    }
    reason(j,
           "Virtual machine (%s): %s supports IoT Edge in virtual machines whose OS family "
           "matches the containers' (%s containers on a %s VM)",
           name, RULES, family == FS_OS_WINDOWS ? "Windows" : "Linux",
           family == FS_OS_WINDOWS ? "Windows" : "Linux");
}

static void judge_ready(struct judge *j, const struct device *d)
{
    struct fs_verdict *v = j->v;
    const char *engine = v->container_engine != NULL ? v->container_engine : "no container engine";

    if (v->tier == FS_TIER_UNKNOWN) {
        v->production_ready = FS_READY_UNKNOWN;
        reason(j, "Production readiness is unknown because the tier is unknown");
    } else if (v->tier != FS_TIER_1) {
        v->production_ready = FS_READY_NO;
        reason(j,
               "Not production ready: only Tier 1 (generally available) systems are "
               "production systems in %s",
               RULES);
    } else if (j->blocked) {
        v->production_ready = FS_READY_NO;
        reason(j, "Not production ready: the container configuration is not supported for "
                  "production (see above)");
    } else if (d->row != NULL && d->row->runtime == FS_RUNTIME_EFLOW) {
        v->production_ready = FS_READY_UNKNOWN;
        reason(j, "Tier 1 through IoT Edge for Linux on Windows: production readiness depends on "
                  "the EFLOW virtual machine, which is a host of its own to scan");
    } else if (v->engine_support == FS_ENGINE_RECOMMENDED && j->prereq_failed > 0) {
        v->production_ready = FS_READY_NO;
        reason(j, "Not production ready: %d prerequisite%s failed (see above)", j->prereq_failed,
               j->prereq_failed == 1 ? "" : "s");
    } else if (v->engine_support == FS_ENGINE_RECOMMENDED) {
        v->production_ready = FS_READY_YES;
        reason(j, "Production ready in %s: Tier 1 (generally available) with moby-engine", RULES);
    } else if (v->engine_support == FS_ENGINE_UNKNOWN) {
        v->production_ready = FS_READY_UNKNOWN;
        reason(j, "Tier 1, but production readiness is unknown until the container engine is "
                  "known");
    } else {
        v->production_ready = FS_READY_NO;
        reason(j, "Not production ready: Tier 1 needs moby-engine in %s, and this host has %s",
               RULES, engine);
    }
}

/* Says when the facts themselves are incomplete or were altered to be stored. */
static void judge_probe_quality(struct judge *j, const json_t *facts)
{
    size_t cut = json_array_size(get(facts, "unterminated_sections"));

    if (cut > 0)
        reason(j, "The probe output ended early (%zu section%s cut off): facts may be incomplete",
               cut, cut == 1 ? "" : "s");
    if (get(facts, "utf8_replaced") == json_true())
        reason(j, "Some device text was not valid UTF-8; the invalid bytes were replaced with "
                  "U+FFFD");
}

/* ---- prerequisites -------------------------------------------------------------------- */

/* Compares dotted versions numerically ("1.39" > "1.4"): <0, 0, >0. */
static int version_cmp(const char *a, const char *b)
{
    while (*a != '\0' || *b != '\0') {
        char *ea, *eb;
        long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (ea == a && eb == b)
            break;
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
    }
    return 0;
}

/* What was checked, for the summary sentence. */
struct checks {
    char passed[160];
    char unchecked[400];
};

static void add_word(char *buf, size_t size, const char *word)
{
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s%s", n > 0 ? "; " : "", word);
}

__attribute__((format(printf, 3, 4))) static void prereq_failed(struct judge *j, const char *what,
                                                                const char *fmt, ...)
{
    char buf[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    trim_partial_utf8(buf);
    j->prereq_failed++;
    note(j, "prerequisite failed: %s", what);
    reason(j, "Prerequisite failed: %s (%s, after Microsoft's compatibility check)", buf, RULES);
}

/* MemAvailable and free storage against the thresholds for this architecture. */
static void check_space(struct judge *j, const json_t *facts, struct checks *ck)
{
    enum fs_arch_class a = j->v->arch_class;
    long long mem_mb = j->r->memory_available_mb[a], disk_mb = j->r->storage_free_mb[a];
    long long avail = num(get(facts, "memory_kb"), "available", -1);
    const json_t *storage = get(facts, "storage_kb"), *where = NULL;
    const char *path = NULL;
    static const char *const paths[] = {"/var/lib/docker", "/var", "/"};

    if (mem_mb == 0 || disk_mb == 0) {
        add_word(ck->unchecked, sizeof ck->unchecked,
                 "memory and storage (no threshold for this "
                 "architecture)");
        return;
    }
    if (avail < 0)
        add_word(ck->unchecked, sizeof ck->unchecked, "memory (MemAvailable not read)");
    else if (avail / 1024 <= mem_mb)
        prereq_failed(j, "memory", "%lld MB of memory available, more than %lld MB needed on %s",
                      avail / 1024, mem_mb, column_name(a));
    else
        add_word(ck->passed, sizeof ck->passed, "memory");
    for (size_t i = 0; where == NULL && i < COUNT(paths); i++) {
        where = get(storage, paths[i]);
        path = paths[i];
    }
    if (num(where, "available", -1) < 0)
        add_word(ck->unchecked, sizeof ck->unchecked, "storage (df not read)");
    else if (num(where, "available", -1) / 1024 <= disk_mb)
        prereq_failed(j, "storage", "%lld MB free on %s, more than %lld MB needed on %s",
                      num(where, "available", -1) / 1024, path, disk_mb, column_name(a));
    else
        add_word(ck->passed, sizeof ck->passed, "storage");
}

static void check_kernel(struct judge *j, const json_t *facts, struct checks *ck)
{
    const json_t *kc = get(facts, "kernel_config"), *flags = get(kc, "flags");
    char missing[400] = "";
    size_t n = 0;

    if (!json_is_object(flags)) {
        add_word(ck->unchecked, sizeof ck->unchecked,
                 "kernel config (no /proc/config.gz or /boot/config-* readable)");
        return;
    }
    for (size_t i = 0; j->r->kernel_config[i] != NULL; i++) {
        const char *val = str(flags, j->r->kernel_config[i]);
        if (val == NULL || (strcmp(val, "y") != 0 && strcmp(val, "m") != 0)) {
            size_t len = strlen(missing);
            snprintf(missing + len, sizeof missing - len, "%sCONFIG_%s", n++ > 0 ? ", " : "",
                     j->r->kernel_config[i]);
        }
    }
    if (n > 0)
        prereq_failed(j, "kernel config", "the kernel (config read from %s) lacks %s",
                      str(kc, "source") ? str(kc, "source") : "the device", missing);
    else
        add_word(ck->passed, sizeof ck->passed, "kernel config");
}

static void check_cgroups(struct judge *j, const json_t *facts, struct checks *ck)
{
    const json_t *cg = get(facts, "cgroup"), *have = get(cg, "controllers");
    long long version = num(cg, "version", 0);
    char *const *need = version == 2 ? j->r->cgroup_v2 : j->r->cgroup_v1;
    char missing[200] = "";
    size_t n = 0;

    if (!json_is_array(have) || (version != 1 && version != 2)) {
        add_word(ck->unchecked, sizeof ck->unchecked, "cgroup controllers (not read)");
        return;
    }
    for (size_t i = 0; need[i] != NULL; i++) {
        bool found = false;
        for (size_t k = 0; k < json_array_size(have); k++)
            found = found || pattern_match(need[i], json_string_value(json_array_get(have, k)));
        if (!found) {
            size_t len = strlen(missing);
            snprintf(missing + len, sizeof missing - len, "%s%s", n++ > 0 ? ", " : "", need[i]);
        }
    }
    if (n > 0)
        prereq_failed(j, "cgroups", "cgroup v%lld controller%s %s not enabled", version,
                      n == 1 ? "" : "s", missing);
    else
        add_word(ck->passed, sizeof ck->passed, "cgroups");
}

static void check_init_and_api(struct judge *j, const json_t *facts, struct checks *ck)
{
    const json_t *systemd = get(facts, "systemd");
    const char *api = str(get(get(facts, "engine"), "docker"), "api_version");

    if (j->r->systemd && systemd == json_false())
        prereq_failed(j, "systemd", "systemd is not running (pid 1 is %s)",
                      str(facts, "pid1") ? str(facts, "pid1") : "unknown");
    else if (j->r->systemd && systemd == json_true())
        add_word(ck->passed, sizeof ck->passed, "systemd");
    else if (j->r->systemd)
        add_word(ck->unchecked, sizeof ck->unchecked, "systemd (init not read)");
    if (j->v->container_engine == NULL)
        return;
    if (api == NULL)
        add_word(ck->unchecked, sizeof ck->unchecked,
                 "engine API version (the daemon did not answer)");
    else if (version_cmp(api, j->r->engine_api_min) < 0)
        prereq_failed(j, "engine API", "the container engine speaks API %s, %s or later needed",
                      api, j->r->engine_api_min);
    else
        add_word(ck->passed, sizeof ck->passed, "engine API");
}

/* The prerequisites Microsoft's compatibility script checked, with the rule set's thresholds. */
static void judge_prerequisites(struct judge *j, const json_t *facts)
{
    struct checks ck = {"", ""};

    check_space(j, facts, &ck);
    check_kernel(j, facts, &ck);
    check_cgroups(j, facts, &ck);
    check_init_and_api(j, facts, &ck);
    if (ck.passed[0] != '\0')
        reason(j, "Prerequisites met (%s): %s", RULES, ck.passed);
    if (ck.unchecked[0] != '\0')
        reason(j, "Prerequisites not checked: %s", ck.unchecked);
}

/*
 * Every member of v is set; notes and reasons are appended to, so that lines the scanner added
 * before classification stay (a cleared verdict's NULL arrays are created here).
 */
int fs_classify_with(const struct fs_rules *rules, const json_t *facts, struct fs_verdict *v)
{
    struct judge j = {v, rules, false, false, 0};
    struct device d;
    const char *kind = str(facts, "kind");
    char **fields[] = {&v->os_id,         &v->os_version,       &v->os_name,
                       &v->arch,          &v->container_engine, &v->engine_version,
                       &v->virtualization};

    if (rules == NULL)
        return -1;
    memset(&d, 0, sizeof d);
    if (v->notes == NULL)
        v->notes = json_array();
    if (v->reasons == NULL)
        v->reasons = json_array();
    if (v->notes == NULL || v->reasons == NULL)
        return -1;
    /* A verdict may hold an earlier answer: nothing of it may survive into this one. */
    for (size_t i = 0; i < COUNT(fields); i++)
        set(&j, fields[i], NULL);
    v->os_family = FS_OS_UNKNOWN;
    v->arch_class = FS_ARCH_UNKNOWN;
    v->engine_support = FS_ENGINE_UNKNOWN;
    if (!json_is_object(facts)) {
        v->tier = FS_TIER_UNKNOWN;
        note(&j, "not identified");
        reason(&j, "No probe facts: the host could not be identified");
        judge_ready(&j, &d);
        return j.failed ? -1 : 0;
    }
    if (kind != NULL && strcmp(kind, "windows") == 0) {
        identify_windows(&j, facts, &d);
    } else {
        identify_posix(&j, facts, &d);
        judge_arch_posix(&j, facts);
    }
    v->os_family = d.family;
    judge_tier(&j, &d);
    if (d.family == FS_OS_WINDOWS)
        judge_windows_containers(&j, facts, &d);
    judge_engine(&j, facts);
    judge_virt(&j, facts, d.family);
    if (d.family == FS_OS_LINUX)
        judge_prerequisites(&j, facts);
    judge_ready(&j, &d);
    judge_probe_quality(&j, facts);
    return j.failed ? -1 : 0;
}

int fs_classify(const json_t *facts, struct fs_verdict *v)
{
    return fs_classify_with(fs_rules_builtin(FS_RULES_DEFAULT_ID), facts, v);
}
