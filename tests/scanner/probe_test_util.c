/*
 * Helpers shared by the probe tests (see probe_test_util.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_test_util.h"

char *ptu_read_fixture(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    if (f == NULL)
        fail_msg("cannot open fixture %s (tests run from tests/scanner)", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    buf = malloc((size_t)size);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return buf;
}

char *ptu_copy(const char *text, size_t len)
{
    char *buf = malloc(len > 0 ? len : 1);

    assert_non_null(buf);
    if (len > 0)
        memcpy(buf, text, len);
    return buf;
}

json_t *ptu_at(const json_t *root, const char *path)
{
    char step[256];
    const char *p = path;
    json_t *node = (json_t *)root;

    while (node != NULL && *p != '\0') {
        size_t n = strcspn(p, ".");
        char *end;
        long index;

        assert_true(n < sizeof step);
        memcpy(step, p, n);
        step[n] = '\0';
        p += n + (p[n] == '.' ? 1 : 0);
        index = strtol(step, &end, 10);
        if (json_is_array(node) && *end == '\0' && end != step)
            node = json_array_get(node, (size_t)index);
        else
            node = json_object_get(node, step);
    }
    return node;
}

static void expect_one(const json_t *facts, const struct ptu_expect *e, const char *what)
{
    size_t n = strlen(e->path);
    json_t *want, *got;
    char *got_text;

    if (n > 2 && strcmp(e->path + n - 2, ".#") == 0) {
        char parent[256];
        json_t *node;
        size_t size;

        assert_true(n - 2 < sizeof parent);
        memcpy(parent, e->path, n - 2);
        parent[n - 2] = '\0';
        node = ptu_at(facts, parent);
        size = json_is_array(node) ? json_array_size(node) : json_object_size(node);
        if (node == NULL || size != (size_t)atol(e->want))
            fail_msg("%s: %s is %zu, want %s", what, e->path, size, e->want);
        return;
    }
    got = ptu_at(facts, e->path);
    if (e->want == NULL) {
        if (got != NULL)
            fail_msg("%s: %s should be absent", what, e->path);
        return;
    }
    want = json_loads(e->want, JSON_DECODE_ANY, NULL);
    if (want == NULL)
        fail_msg("%s: bad expectation %s for %s", what, e->want, e->path);
    if (!json_equal(want, got)) {
        got_text = got != NULL ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
        fail_msg("%s: %s is %s, want %s", what, e->path, got_text ? got_text : "(absent)", e->want);
    }
    json_decref(want);
}

void ptu_expect_facts(const json_t *facts, const struct ptu_expect *e, const char *what)
{
    for (; e->path != NULL; e++)
        expect_one(facts, e, what);
}

bool ptu_list_has(const json_t *list, const char *needle)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *s = json_string_value(json_array_get(list, i));
        if (s != NULL && strstr(s, needle) != NULL)
            return true;
    }
    return false;
}

void ptu_assert_serialises(const json_t *j, const char *what)
{
    char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    json_t *back;

    if (text == NULL)
        fail_msg("%s: json_dumps failed", what);
    back = json_loads(text, JSON_DECODE_ANY, NULL);
    if (back == NULL || !json_equal(back, j))
        fail_msg("%s: facts do not survive a JSON round trip", what);
    json_decref(back);
    free(text);
}

void ptu_assert_verdict_sane(const struct fs_verdict *v, const char *what)
{
    const char *fields[] = {v->os_id,         v->os_version,       v->os_name,
                            v->arch,          v->container_engine, v->engine_version,
                            v->virtualization};
    json_t *all;

    if (!json_is_array(v->notes) || !json_is_array(v->reasons) || json_array_size(v->reasons) == 0)
        fail_msg("%s: a verdict always explains itself in reasons", what);
    all = json_pack("{s:O, s:O}", "notes", v->notes, "reasons", v->reasons);
    assert_non_null(all);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i] != NULL && json_object_set_new(all, "f", json_string(fields[i])) != 0)
            fail_msg("%s: verdict field %zu is not valid UTF-8", what, i);
    ptu_assert_serialises(all, what);
    json_decref(all);
    assert_non_null(fs_tier_name(v->tier));
    assert_non_null(fs_arch_class_name(v->arch_class));
}
