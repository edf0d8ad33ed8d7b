/*
 * record: the report vocabulary and the life cycle of the neutral records.
 *
 * The names below are the contract of the report files (docs/reports.md): spreadsheets filter
 * on them and scripts compare them, so they never change spelling.
 */
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"
#include "report/report.h"

static const char *const status_names[FS_STATUS_COUNT] = {
    [FS_STATUS_OK] = "ok",
    [FS_STATUS_UNREACHABLE] = "unreachable",
    [FS_STATUS_TIMEOUT] = "timeout",
    [FS_STATUS_AUTH_FAILED] = "auth_failed",
    [FS_STATUS_HOSTKEY_REJECTED] = "hostkey_rejected",
    [FS_STATUS_ERROR] = "error",
};

static const char *const os_family_names[FS_OS_COUNT] = {
    [FS_OS_UNKNOWN] = "unknown",
    [FS_OS_LINUX] = "linux",
    [FS_OS_WINDOWS] = "windows",
    [FS_OS_OTHER] = "other",
};

static const char *const arch_class_names[FS_ARCH_COUNT] = {
    [FS_ARCH_UNKNOWN] = "unknown", [FS_ARCH_AMD64] = "amd64",     [FS_ARCH_ARM32V7] = "arm32v7",
    [FS_ARCH_ARM64] = "arm64",     [FS_ARCH_ARM32V6] = "arm32v6", [FS_ARCH_X86] = "x86",
    [FS_ARCH_OTHER] = "other",
};

static const char *const engine_support_names[FS_ENGINE_COUNT] = {
    [FS_ENGINE_UNKNOWN] = "unknown",         [FS_ENGINE_RECOMMENDED] = "recommended",
    [FS_ENGINE_BEST_EFFORT] = "best-effort", [FS_ENGINE_UNSUPPORTED] = "unsupported",
    [FS_ENGINE_MISSING] = "missing",
};

static const char *const tier_names[FS_TIER_COUNT] = {
    [FS_TIER_UNKNOWN] = "unknown",         [FS_TIER_1] = "tier1",
    [FS_TIER_1_PREVIEW] = "tier1-preview", [FS_TIER_2] = "tier2",
    [FS_TIER_UNSUPPORTED] = "unsupported",
};

static const char *const ready_names[FS_READY_COUNT] = {
    [FS_READY_UNKNOWN] = "unknown",
    [FS_READY_YES] = "yes",
    [FS_READY_NO] = "no",
};

/*
 * A value outside the enum is a bug elsewhere, but a report must still only contain words of
 * its vocabulary: such a status reads "error" and every other dimension reads "unknown".
 */
const char *fs_status_name(enum fs_status s)
{
    return (unsigned)s < FS_STATUS_COUNT ? status_names[s] : status_names[FS_STATUS_ERROR];
}

const char *fs_os_family_name(enum fs_os_family f)
{
    return (unsigned)f < FS_OS_COUNT ? os_family_names[f] : os_family_names[FS_OS_UNKNOWN];
}

const char *fs_arch_class_name(enum fs_arch_class a)
{
    return (unsigned)a < FS_ARCH_COUNT ? arch_class_names[a] : arch_class_names[FS_ARCH_UNKNOWN];
}

const char *fs_engine_support_name(enum fs_engine_support e)
{
    return (unsigned)e < FS_ENGINE_COUNT ? engine_support_names[e]
                                         : engine_support_names[FS_ENGINE_UNKNOWN];
}

const char *fs_tier_name(enum fs_tier t)
{
    return (unsigned)t < FS_TIER_COUNT ? tier_names[t] : tier_names[FS_TIER_UNKNOWN];
}

const char *fs_ready_name(enum fs_ready r)
{
    return (unsigned)r < FS_READY_COUNT ? ready_names[r] : ready_names[FS_READY_UNKNOWN];
}

/* The specification lists every vocabulary with "unknown" last; summaries keep that order. */
const struct fs_dimension_info fs_dimensions[FS_DIM_COUNT] = {
    [FS_DIM_STATUS] = {"status",
                       6,
                       {FS_STATUS_OK, FS_STATUS_UNREACHABLE, FS_STATUS_TIMEOUT,
                        FS_STATUS_AUTH_FAILED, FS_STATUS_HOSTKEY_REJECTED, FS_STATUS_ERROR}},
    [FS_DIM_TIER] = {"tier",
                     5,
                     {FS_TIER_1, FS_TIER_1_PREVIEW, FS_TIER_2, FS_TIER_UNSUPPORTED,
                      FS_TIER_UNKNOWN}},
    [FS_DIM_OS] = {"os", 4, {FS_OS_LINUX, FS_OS_WINDOWS, FS_OS_OTHER, FS_OS_UNKNOWN}},
    [FS_DIM_ARCH] = {"arch_class",
                     7,
                     {FS_ARCH_AMD64, FS_ARCH_ARM32V7, FS_ARCH_ARM64, FS_ARCH_ARM32V6, FS_ARCH_X86,
                      FS_ARCH_OTHER, FS_ARCH_UNKNOWN}},
    [FS_DIM_ENGINE] = {"engine_support",
                       5,
                       {FS_ENGINE_RECOMMENDED, FS_ENGINE_BEST_EFFORT, FS_ENGINE_UNSUPPORTED,
                        FS_ENGINE_MISSING, FS_ENGINE_UNKNOWN}},
};

const char *fs_dimension_value_name(enum fs_dimension d, int v)
{
    switch (d) {
    case FS_DIM_STATUS:
        return fs_status_name((enum fs_status)v);
    case FS_DIM_TIER:
        return fs_tier_name((enum fs_tier)v);
    case FS_DIM_OS:
        return fs_os_family_name((enum fs_os_family)v);
    case FS_DIM_ARCH:
        return fs_arch_class_name((enum fs_arch_class)v);
    case FS_DIM_ENGINE:
    case FS_DIM_COUNT:
        break;
    }
    return fs_engine_support_name((enum fs_engine_support)v);
}

/*
 * Every enum starts at its "unknown" value (0), so zeroing is most of the work. The arrays may
 * be NULL if memory ran out; every reader treats a NULL array as an empty one.
 */
void fs_verdict_init(struct fs_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->notes = json_array();
    v->reasons = json_array();
}

/*
 * Frees every member and leaves v in its initialised state, except that notes and reasons are
 * NULL rather than new empty arrays: clearing is how a verdict is disposed of, and allocating
 * there would leak whenever the struct is then dropped. Readers treat NULL as empty; call
 * fs_verdict_init again before adding notes to a cleared verdict.
 */
void fs_verdict_clear(struct fs_verdict *v)
{
    free(v->os_id);
    free(v->os_version);
    free(v->os_name);
    free(v->arch);
    free(v->container_engine);
    free(v->engine_version);
    free(v->virtualization);
    json_decref(v->notes);
    json_decref(v->reasons);
    memset(v, 0, sizeof(*v));
}

/*
 * A fresh record says "error" rather than "ok" (the zero status): a record that the scanner
 * never finished must not claim that the host is fine.
 */
void fs_host_record_init(struct fs_host_record *r)
{
    memset(r, 0, sizeof(*r));
    r->status = FS_STATUS_ERROR;
    r->duration_ms = -1;
    fs_verdict_init(&r->verdict);
}

/* Frees every member; like fs_verdict_clear it allocates nothing, so it can end a record. */
void fs_host_record_clear(struct fs_host_record *r)
{
    free(r->name);
    free(r->address);
    free(r->user);
    free(r->error);
    fs_verdict_clear(&r->verdict);
    json_decref(r->facts);
    free(r->facts_json);
    memset(r, 0, sizeof(*r));
    r->status = FS_STATUS_ERROR;
    r->duration_ms = -1;
}

/*
 * Compact text, key order kept. jansson writes every string it holds as valid UTF-8 and
 * escapes NUL, and JSON_ALLOW_NUL reads "\u0000" back, so text and tree hold the same facts.
 */
int fs_host_record_pack(struct fs_host_record *r)
{
    char *text;

    if (r->facts == NULL)
        return 0;
    text = json_dumps(r->facts, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return -1;
    free(r->facts_json);
    r->facts_json = text;
    json_decref(r->facts);
    r->facts = NULL;
    return 0;
}

int fs_host_record_facts(const struct fs_host_record *r, json_t **out)
{
    json_t *doc;

    *out = NULL;
    if (r->facts != NULL) {
        *out = json_incref(r->facts);
        return 0;
    }
    if (r->facts_json == NULL)
        return 0;
    doc = json_loads(r->facts_json, JSON_ALLOW_NUL, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return -1;
    }
    *out = doc;
    return 0;
}

void fs_host_record_move(struct fs_host_record *dst, struct fs_host_record *src)
{
    *dst = *src;
    memset(src, 0, sizeof(*src));
    fs_host_record_init(src);
}

/* A copy of s, or NULL for NULL; *ok becomes false when memory ran out. */
static char *dup_or_null(const char *s, bool *ok)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

static json_t *copy_json(const json_t *j, bool *ok)
{
    json_t *c;

    if (j == NULL)
        return NULL;
    c = json_deep_copy(j);
    if (c == NULL)
        *ok = false;
    return c;
}

int fs_host_record_copy(struct fs_host_record *dst, const struct fs_host_record *src)
{
    const struct fs_verdict *sv = &src->verdict;
    struct fs_verdict *dv = &dst->verdict;
    bool ok = true;

    fs_host_record_clear(dst);
    *dst = *src;
    dst->name = dup_or_null(src->name, &ok);
    dst->address = dup_or_null(src->address, &ok);
    dst->user = dup_or_null(src->user, &ok);
    dst->error = dup_or_null(src->error, &ok);
    dst->facts = copy_json(src->facts, &ok);
    dst->facts_json = dup_or_null(src->facts_json, &ok);
    dv->os_id = dup_or_null(sv->os_id, &ok);
    dv->os_version = dup_or_null(sv->os_version, &ok);
    dv->os_name = dup_or_null(sv->os_name, &ok);
    dv->arch = dup_or_null(sv->arch, &ok);
    dv->container_engine = dup_or_null(sv->container_engine, &ok);
    dv->engine_version = dup_or_null(sv->engine_version, &ok);
    dv->virtualization = dup_or_null(sv->virtualization, &ok);
    dv->notes = copy_json(sv->notes, &ok);
    dv->reasons = copy_json(sv->reasons, &ok);
    if (!ok) {
        fs_host_record_clear(dst);
        return -1;
    }
    return 0;
}
