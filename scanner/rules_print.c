/*
 * rules_print: `fleetscan rules` and `fleetscan rules show`: a rule set as a person reads the
 * support page, one table per tier, then the engines, the Windows and VM rules and the
 * prerequisite thresholds.
 */
#include <stdio.h>
#include <string.h>

#include "scanner/probe.h"
#include "scanner/rules.h"

void fs_rules_print_list(FILE *out)
{
    fprintf(out, "%-26s %-10s %s\n", "ID", "DATE", "TITLE");
    for (size_t i = 0; i < fs_rules_builtin_count(); i++) {
        const struct fs_rules *r = fs_rules_builtin_at(i);
        if (r != NULL)
            fprintf(out, "%-26s %-10s %s%s\n", r->id, r->source_date, r->title,
                    i == 0 ? " (default)" : "");
    }
}

static const char *cell_text(enum fs_rules_cell c)
{
    return c == FS_CELL_YES ? "Yes" : c == FS_CELL_PREVIEW ? "Preview" : "No";
}

static void print_list(FILE *out, char *const *list, const char *sep)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        fprintf(out, "%s%s", i > 0 ? sep : "", list[i]);
}

/* How a row is recognised on a device, in one line. */
static void print_match(FILE *out, const struct fs_rules_row *row)
{
    if (row->family == FS_OS_LINUX) {
        fprintf(out, "ID ");
        print_list(out, row->ids, "|");
        if (row->name != NULL)
            fprintf(out, ", NAME has \"%s\"", row->name);
        if (row->version != NULL)
            fprintf(out, ", version %s or %s.x", row->version, row->version);
        else
            fprintf(out, ", any version");
        if (row->vendor)
            fprintf(out, ", vendor builds too");
        return;
    }
    fprintf(out, "EditionID ");
    print_list(out, row->editions, "|");
    for (size_t i = 0; row->builds != NULL && row->builds[i] != 0; i++)
        fprintf(out, "%s%lld", i == 0 ? ", build " : " or ", row->builds[i]);
    if (row->min_build != 0)
        fprintf(out, ", build %lld or later", row->min_build);
    if (row->runtime == FS_RUNTIME_EFLOW)
        fprintf(out, ", EFLOW");
}

static int label_width(const struct fs_rules *r)
{
    int w = (int)strlen("Operating System");

    for (size_t i = 0; i < r->n_rows; i++)
        if ((int)strlen(r->rows[i].label) > w)
            w = (int)strlen(r->rows[i].label);
    return w;
}

static void print_tables(FILE *out, const struct fs_rules *r)
{
    int w = label_width(r);
    const char *table = NULL;

    for (size_t i = 0; i < r->n_rows; i++) {
        const struct fs_rules_row *row = &r->rows[i];
        if (table != row->table) {
            table = row->table;
            fprintf(out, "\n%s (%s)\n  %-*s", table, fs_tier_name(row->tier), w,
                    "Operating System");
            for (int c = 0; c < FS_COL_COUNT; c++)
                if (r->columns[c])
                    fprintf(out, "  %-7s", fs_rules_column_name((enum fs_rules_column)c));
            fprintf(out, "  matched by\n");
        }
        fprintf(out, "  %-*s", w, row->label);
        for (int c = 0; c < FS_COL_COUNT; c++)
            if (r->columns[c])
                fprintf(out, "  %-7s", cell_text(row->cells[c]));
        fprintf(out, "  ");
        print_match(out, row);
        fprintf(out, "\n");
    }
}

static void print_thresholds(FILE *out, const char *what, const long long *mb)
{
    bool first = true;

    fprintf(out, "  %s:", what);
    for (int a = 0; a < FS_ARCH_COUNT; a++)
        if (mb[a] > 0) {
            fprintf(out, "%s more than %lld MB on %s", first ? "" : ",", mb[a],
                    fs_arch_class_name((enum fs_arch_class)a));
            first = false;
        }
    fprintf(out, "%s\n", first ? " not checked" : "");
}

void fs_rules_print(FILE *out, const struct fs_rules *r)
{
    fprintf(out, "%s: %s\nsource (%s): %s\n", r->id, r->title, r->source_date, r->source);
    print_tables(out, r);
    fprintf(out, "\nContainer engines (first installed one wins)\n");
    for (size_t i = 0; i < r->n_engines; i++)
        fprintf(out, "  %-12s %-12s %s\n", r->engines[i].name,
                fs_engine_support_name(r->engines[i].support), r->engines[i].reason);
    fprintf(out, "\nWindows\n");
    if (r->windows_container_build != 0)
        fprintf(out, "  Windows containers need build %lld exactly\n", r->windows_container_build);
    else
        fprintf(out, "  no Windows containers: listed Windows systems run IoT Edge for Linux on "
                     "Windows\n");
    fprintf(out,
            "  Linux containers on a Windows engine: development and testing only (build %lld "
            "or later)\n",
            r->linux_containers_min_build);
    fprintf(out, "  isolation: %s\n",
            r->hyperv_isolation ? "process or Hyper-V" : "process only (Hyper-V not supported)");
    fprintf(out, "\nVirtual machines\n  %s\n",
            r->vm_family_match ? "supported when the VM's OS family matches the containers'"
                               : "supported");
    fprintf(out, "\nPrerequisites (%s)\n", r->prereq_source);
    print_thresholds(out, "memory available", r->memory_available_mb);
    print_thresholds(out, "free storage", r->storage_free_mb);
    fprintf(out, "  kernel config: ");
    print_list(out, r->kernel_config, " ");
    fprintf(out, "\n  cgroup v1 controllers: ");
    print_list(out, r->cgroup_v1, " ");
    fprintf(out, "\n  cgroup v2 controllers: ");
    print_list(out, r->cgroup_v2, " ");
    fprintf(out, "\n  systemd: %s\n  engine API: %s or later\n", r->systemd ? "required" : "any",
            r->engine_api_min);
}
