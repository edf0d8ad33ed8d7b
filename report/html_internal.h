/*
 * html internals: what report/html.c and report/html_assets.c share.
 */
#ifndef FS_REPORT_HTML_INTERNAL_H
#define FS_REPORT_HTML_INTERNAL_H

/* The inline style sheet and script of report.html (static strings). */
extern const char fs_html_style[];
extern const char fs_html_script[];

#endif
