/*
 * sample: the shared test scan. See sample.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/report/sample.h"

static void add_strings(json_t *arr, const char *const *items)
{
    for (; *items != NULL; items++)
        json_array_append_new(arr, json_string(*items));
}

static void fill_linux(struct fs_host_record *r)
{
    static const char *const notes[] = {"Moby engine 3.0.10, as recommended",
                                        "virtualization: none", NULL};
    static const char *const reasons[] = {"Ubuntu 18.04 on AMD64 is a Tier 1 system.", NULL};

    r->name = strdup("edge01");
    r->address = strdup("10.0.0.1");
    r->port = 22;
    r->user = strdup("admin");
    r->status = FS_STATUS_OK;
    r->verdict.os_family = FS_OS_LINUX;
    r->verdict.os_id = strdup("ubuntu");
    r->verdict.os_version = strdup("18.04");
    r->verdict.os_name = strdup("Ubuntu 18.04.3 LTS");
    r->verdict.arch = strdup("x86_64");
    r->verdict.arch_class = FS_ARCH_AMD64;
    r->verdict.container_engine = strdup("moby-engine");
    r->verdict.engine_version = strdup("3.0.10+azure");
    r->verdict.engine_support = FS_ENGINE_RECOMMENDED;
    r->verdict.virtualization = strdup("none");
    r->verdict.tier = FS_TIER_1;
    r->verdict.production_ready = FS_READY_YES;
    add_strings(r->verdict.notes, notes);
    add_strings(r->verdict.reasons, reasons);
    r->facts = json_pack("{s:{s:s,s:s}}", "os_release", "ID", "ubuntu", "VERSION_ID", "18.04");
    strcpy(r->scanned_at, "2019-03-30T12:00:00Z");
    r->duration_ms = 1234;
}

/* Never reached: everything the verdict would say stays unknown or absent. */
static void fill_unreachable(struct fs_host_record *r)
{
    r->name = strdup("=HYPERLINK(\"http://x\")");
    r->address = strdup("pi-zero.lan");
    r->port = 2222;
    r->status = FS_STATUS_UNREACHABLE;
    r->error = strdup("connect: Connection refused\nretried 2 addresses");
}

static void fill_windows(struct fs_host_record *r)
{
    static const char *const notes[] = {"@windows classification pending", NULL};

    r->name = strdup("win-\xff"
                     "01");
    r->address = strdup("fe80::1");
    r->port = 22;
    r->user = strdup("-admin");
    r->status = FS_STATUS_OK;
    r->verdict.os_family = FS_OS_WINDOWS;
    r->verdict.os_id = strdup("windows");
    r->verdict.os_version = strdup("10.0.17763");
    r->verdict.os_name = strdup("Windows 10 IoT Enterprise\x01");
    r->verdict.arch = strdup("AMD64");
    r->verdict.arch_class = FS_ARCH_AMD64;
    r->verdict.engine_support = FS_ENGINE_MISSING;
    r->verdict.virtualization = strdup("microsoft");
    add_strings(r->verdict.notes, notes);
    r->facts = json_pack("{s:s}", "shell", "cmd");
    strcpy(r->scanned_at, "2019-03-30T12:00:02Z");
    r->duration_ms = 0;
}

void sample_init(struct sample *s)
{
    memset(s, 0, sizeof(*s));
    s->scan.tool_version = "0.1.0";
    s->scan.rules_id = "azure-iot-edge-2019-03";
    s->scan.inventory = "hosts.txt";
    s->scan.parallel = 256;
    strcpy(s->scan.started_at, "2019-03-30T12:00:00Z");
    strcpy(s->scan.finished_at, "2019-03-30T12:00:12Z");
    s->scan.duration_ms = 12345;
    s->scan.complete = true;
    for (size_t i = 0; i < 3; i++)
        fs_host_record_init(&s->hosts[i]);
    fill_linux(&s->hosts[0]);
    fill_unreachable(&s->hosts[1]);
    fill_windows(&s->hosts[2]);
    s->report.scan = &s->scan;
    s->report.hosts = s->hosts;
    s->report.n_hosts = 3;
}

void sample_clear(struct sample *s)
{
    for (size_t i = 0; i < 3; i++)
        fs_host_record_clear(&s->hosts[i]);
}

char *sample_capture(int (*write)(const struct fs_report *, FILE *), const struct fs_report *rep,
                     size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    assert_int_equal(write(rep, f), 0);
    assert_int_equal(fclose(f), 0);
    *len = size;
    return buf;
}

char *sample_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size + 1);
        if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    return buf;
}
