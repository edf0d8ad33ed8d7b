/*
 * Internal interface of the inventory module: shared by the file reader (inventory.c), the text
 * checks and tokenizer (lines.c), the name table (names.c) and the format readers: plain.c,
 * and the Ansible readers ansible_ini.c and ansible_yaml.c, which share ansible_model.c,
 * ansible_range.c and ansible_resolve.c. Nothing outside inventory/ includes this header.
 *
 * Module-internal symbols carry the inv_ prefix; file-local helpers are static without one.
 */
#ifndef FS_INV_INTERNAL_H
#define FS_INV_INTERNAL_H

#include <stddef.h>

#include "inventory/inventory.h"

/* One line of the inventory, already checked: valid UTF-8, no NUL or control characters, no
 * line terminator (CR LF and LF both removed), no byte order mark. text points into the
 * caller's buffer and is not NUL-terminated. */
struct inv_line {
    const char *text;
    size_t len;
    int no; /* 1-based line number */
};

/* The checked text of one inventory, split into lines. The lines point into the text given
 * to inv_source_split, which must outlive the source. */
struct inv_source {
    const char *path; /* for messages only */
    const char *text; /* the whole text after the byte order mark, for readers that parse it
                       * as one stream (YAML); not NUL-terminated */
    size_t len;
    struct inv_line *lines;
    size_t n_lines;
};

/* The growing list of targets a format reader fills. The list owns the targets and their
 * strings until fs_inventory_parse moves them into the inventory. */
struct inv_list {
    struct fs_target *v;
    size_t n;
    size_t cap;
};

/*
 * A format reader. detect() says whether the source is in this format (1) or not (0);
 * parse() appends the targets to list and returns 0, or fills err and returns -1 (the caller
 * then frees the list). Readers keep no state outside their arguments.
 */
struct inv_format {
    const char *name; /* the value of fs_inventory.format */
    int (*detect)(const struct inv_source *src);
    int (*parse)(const struct inv_source *src, struct inv_list *list,
                 struct fs_inventory_error *err);
};

extern const struct inv_format inv_format_plain;
extern const struct inv_format inv_format_ansible_ini;
extern const struct inv_format inv_format_ansible_yaml;

/* ---- errors (inventory.c) ---- */

/* Writes "PATH:LINE: message" into err (or "PATH: message" when line <= 0) and returns -1, so
 * callers can write "return inv_fail(...)". */
int inv_fail(struct fs_inventory_error *err, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies at most ~60 bytes of s[0..len) into out for quoting in a message, cut on a UTF-8
 * character boundary and marked with "..." when shortened. Returns out. */
#define INV_EXCERPT_SIZE 80
const char *inv_excerpt(const char *s, size_t len, char out[INV_EXCERPT_SIZE]);

/* Same as inv_fail with a column: "PATH:LINE:COLUMN: message" (column 1-based); a column
 * <= 0 leaves it out. */
int inv_fail_at(struct fs_inventory_error *err, const char *path, int line, int column,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Fails with the "out of memory" message; returns -1. */
int inv_fail_nomem(struct fs_inventory_error *err, const char *path);

/* ---- target list (inventory.c) ---- */

/* Appends a zeroed target and returns it, or NULL when memory runs out. */
struct fs_target *inv_list_add(struct inv_list *list);
/* Frees every target in the list and the array itself. */
void inv_list_free(struct inv_list *list);
/* Adds path to t->identities (copies it, expanding a leading "~/" with $HOME). Returns 0, or
 * -1 when memory runs out. */
int inv_target_add_identity(struct fs_target *t, const char *path);

/* ---- strings (inventory.c) ---- */

/* Returns a new NUL-terminated copy of s[0..len), or NULL when memory runs out. */
char *inv_strndup(const char *s, size_t len);
/* Returns a new copy of path with a leading "~/" replaced by $HOME (kept as written when HOME
 * is unset or empty), or NULL when memory runs out. */
char *inv_expand_home(const char *path);
/* Parses a decimal port. Returns 0 and stores it in *port, -1 when s is not a number, -2 when
 * the number is outside 1..65535. */
int inv_parse_port(const char *s, size_t len, int *port);
/* Says whether s[0..len) is an IPv6 literal (an optional "%zone" suffix allowed). */
int inv_is_ipv6(const char *s, size_t len);
/* Returns the candidate closest to word by edit distance when it is close enough to be a
 * likely typo, else NULL. */
const char *inv_suggest(const char *word, const char *const *candidates, size_t n);

/* ---- lines and tokens (lines.c) ---- */

/*
 * Splits text into checked lines: skips a UTF-8 byte order mark, accepts LF and CR LF endings,
 * and rejects NUL bytes, control characters, invalid UTF-8 and lines longer than
 * FS_INVENTORY_MAX_LINE. Returns 0 and fills src (free its lines with inv_source_free), or
 * fills err and returns -1.
 */
int inv_source_split(const char *path, const char *text, size_t len, struct inv_source *src,
                     struct fs_inventory_error *err);
void inv_source_free(struct inv_source *src);

/* Words of one line, unquoted. Every word is NUL-terminated inside buf. */
struct inv_words {
    char *buf;
    size_t buf_cap;
    size_t *start; /* offset of each word in buf */
    size_t n;
    size_t cap;
};

/* Quoting rules for inv_words_split. */
enum inv_quoting {
    INV_QUOTE_DOUBLE,       /* plain list: "..." quotes; ' is an ordinary character */
    INV_QUOTE_DOUBLE_SINGLE /* Ansible INI: "..." and '...' both quote */
};

/*
 * Splits a line into whitespace-separated words. Quotes group text with spaces and are removed;
 * inside double quotes \" and \\ stand for " and \. A '#' at the start of a word, outside
 * quotes, starts a comment that runs to the end of the line. Returns 0, or -1 with *why set to
 * a static message (unterminated quote) or -2 when memory runs out. Reuses words' storage.
 */
int inv_words_split(const struct inv_line *line, enum inv_quoting quoting, struct inv_words *words,
                    const char **why);
void inv_words_free(struct inv_words *words);

static inline const char *inv_word(const struct inv_words *w, size_t i)
{
    return w->buf + w->start[i];
}

/* Returns the length of line with a trailing comment ("#" at the line start or after
 * whitespace) and surrounding whitespace removed; *begin receives the offset of the first
 * non-blank byte. Quotes are not considered. */
size_t inv_line_trim(const struct inv_line *line, size_t *begin);

/* ---- name table (names.c) ---- */

/* A hash table from NUL-terminated names to indices, for finding duplicates in linear time.
 * The keys are borrowed: they must stay valid and unchanged while the table is used. */
struct inv_names {
    struct inv_name_slot *slots;
    size_t cap;
    size_t n;
};

/* Looks name up; when absent inserts it with value. Returns 1 and stores the existing value in
 * *found when present, 0 when inserted, -1 when memory runs out. */
int inv_names_put(struct inv_names *t, const char *name, size_t value, size_t *found);
/* Returns 1 and stores the value in *found when name is present, else 0. */
int inv_names_get(const struct inv_names *t, const char *name, size_t *found);
void inv_names_free(struct inv_names *t);

/* ---- Ansible host ranges (ansible_range.c) ---- */

/* Called once for every host name a pattern expands to, in Ansible's order. Returns 0 to go on,
 * or -1 to stop (the callback has then filled the error). */
typedef int (*inv_range_fn)(void *ctx, const char *name);

/*
 * Expands the ranges in pattern ("edge[01:20].example", "r[a:c]-[1:9:2]") and calls fn for each
 * name; a pattern without '[' gives itself. At most max_hosts names may result. Returns 0, -1
 * when the pattern is invalid (why_buf then holds the message), -2 when fn stopped, or -3 when
 * memory runs out.
 */
int inv_range_expand(const char *pattern, size_t max_hosts, inv_range_fn fn, void *ctx,
                     char *why_buf, size_t why_size);

/* ---- Ansible model (ansible_ini.c and ansible_yaml.c fill it, ansible_resolve.c turns it into
 * targets) ---- */

/* The variables fleetscan reads, whatever spelling set them (ansible_ssh_host and ansible_host
 * both set INV_ANS_HOST). */
enum inv_ans_setting {
    INV_ANS_HOST,
    INV_ANS_PORT,
    INV_ANS_USER,
    INV_ANS_KEY,
    INV_ANS_PRIORITY, /* ansible_group_priority: orders groups of the same depth */
    INV_ANS_SSH_ARGS, /* ansible_ssh_common_args: read for a jump host */
    INV_ANS_COUNT
};

/* One variable as set in one scope; text is NULL while unset. Owned by its scope. */
struct inv_ans_value {
    char *text;
    int line;
};

/* A [parent:children] entry: the child group and the line naming it (and, for YAML, the
 * column; 0 when the reader has none). */
struct inv_ans_edge {
    size_t group;
    int line;
    int column;
};

struct inv_ans_group {
    char *name;
    struct inv_ans_value vars[INV_ANS_COUNT];
    struct inv_ans_edge *children;
    size_t n_children, cap_children;
    size_t *parents; /* indices of the groups listing this one under :children */
    size_t n_parents, cap_parents;
    int declared;    /* a [g] or [g:children] section exists (all and ungrouped always do) */
    int ref_line;    /* first line that named g before any declaration, for the error */
    int ref_is_vars; /* ref_line is a [g:vars] header (else a :children entry) */
    size_t ref_parent;
    int ref_column;    /* YAML: column of ref_line's entry (0 for INI) */
    int depth;         /* longest chain of :children from 'all' (all is 0) */
    int priority;      /* ansible_group_priority, 1 by default */
    size_t *ancestors; /* the group and every group above it, filled on demand */
    size_t n_ancestors;
    int ancestors_done;
    size_t mark; /* scratch for graph walks */
};

struct inv_ans_host {
    char *name; /* the inventory hostname (alias), ranges expanded */
    struct inv_ans_value vars[INV_ANS_COUNT];
    size_t *groups; /* groups whose sections list the host, in order */
    size_t n_groups, cap_groups;
    int line; /* first line naming the host */
};

/* Everything an Ansible inventory (INI or YAML) says. Group 0 is 'all', group 1 'ungrouped'. */
struct inv_ans_model {
    struct inv_ans_group *groups;
    size_t n_groups, cap_groups;
    struct inv_ans_host *hosts;
    size_t n_hosts, cap_hosts;
    struct inv_names group_names;
    struct inv_names host_names;
};

#define INV_ANS_ALL       0
#define INV_ANS_UNGROUPED 1

/* ---- building the model, Ansible variables and host patterns (ansible_model.c) ---- */

/* Makes room for one more element in array v (n used, *cap allocated, sz bytes each). Returns
 * the array, moved or not, or NULL when memory runs out (v is then left as it was). */
void *inv_grow(void *v, size_t *cap, size_t n, size_t sz);
/* Clears m and creates the groups 'all' and 'ungrouped'. Returns 0 or -1 (memory). */
int inv_ans_model_init(struct inv_ans_model *m);
/* Finds the group called name[0..len), creating it (undeclared) when new. Returns 0 or -1
 * (memory). */
int inv_ans_group_get(struct inv_ans_model *m, const char *name, size_t len, size_t *idx);
/* Records that group parent lists group child under children, at line (and column, 0 when
 * unknown). Returns 0 or -1 (memory). */
int inv_ans_add_child(struct inv_ans_model *m, size_t parent, size_t child, int line, int column);
/* Finds the host called name, creating it (first named at line) when new. Returns 0, -1 when
 * memory runs out, or -2 when the inventory already holds FS_INVENTORY_MAX_TARGETS hosts. */
int inv_ans_host_get(struct inv_ans_model *m, const char *name, int line, size_t *idx);
/* Adds group to the groups that list host (once). Returns 0 or -1 (memory). */
int inv_ans_host_join(struct inv_ans_model *m, size_t host, size_t group);
/* Stores a copy of text in *v (replacing what an earlier setting of the same scope stored).
 * Returns 0 or -1 (memory). */
int inv_ans_set_value(struct inv_ans_value *v, const char *text, int line);

/* Checks the value v of a variable that sets setting (key is its name, for the message).
 * Returns 0, or -1 with a "what is wrong; what to do" message in why. */
int inv_ans_check_value(const char *key, int setting, const char *v, char *why, size_t why_size);
/* Returns the setting (enum inv_ans_setting) the variable called key sets, or -1 when fleetscan
 * does not read it. */
int inv_ans_var_setting(const char *key);
/* Classifies key=value: returns the setting it sets (enum inv_ans_setting), -1 for a variable
 * fleetscan ignores, or -2 with a message in why for a misspelling of a variable fleetscan
 * reads (one or two edits away) or a bad value. */
int inv_ans_classify_var(const char *key, const char *value, char *why, size_t why_size);
/* Splits a host pattern in place into its name (*name points into pattern) and ":port"
 * (*port points into pattern, NULL when absent, already checked). Handles "[v6]",
 * "[v6]:port", bare IPv6 literals, "name:port" and names with ranges. Returns 0, or -1 with a
 * message in why. */
int inv_ans_split_pattern(char *pattern, char **name, const char **port, char *why,
                          size_t why_size);

/*
 * Checks the group graph (undeclared groups, cycles), applies Ansible's variable precedence
 * and appends one target per host to list in first-appearance order. Returns 0 or fills err
 * and returns -1.
 */
int inv_ans_resolve(const struct inv_source *src, struct inv_ans_model *m, struct inv_list *list,
                    struct fs_inventory_error *err);
/* Frees everything the model holds (not the model struct itself). */
void inv_ans_model_free(struct inv_ans_model *m);

#endif
