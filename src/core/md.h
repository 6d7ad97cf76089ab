/*
 * md: Markdown (CommonMark, via cmark) to HTML that a page may insert
 * unescaped, for text admins write and the public reads (the call text
 * of an award round).  No Kore dependency.
 *
 * Raw HTML is never passed through: cmark's safe mode writes
 * "<!-- raw HTML omitted -->" in its place, and javascript:, vbscript:,
 * file: and data: URLs (except data:image/png, gif, jpeg and webp) become
 * empty hrefs and srcs.  Quotes and dashes are left as typed and a line
 * break in a paragraph stays a soft break.  Headings move two levels down
 * ('#' is <h3>, capped at <h6>) because the page owns <h1> and <h2>.
 * cmark adds no target or rel attributes to links.
 *
 * Allocation failure aborts (cmark's own allocator does the same).
 */

#ifndef LAUREL_CORE_MD_H
#define LAUREL_CORE_MD_H

#include <stddef.h>

/* The longest source md_render() accepts, in bytes. */
#define MD_MAX		(64 * 1024)

/*
 * Renders src (len bytes, need not be NUL-terminated) to HTML.  Returns a
 * malloc'd NUL-terminated string the caller free()s ("" for empty input),
 * or NULL when src is not valid UTF-8 or longer than MD_MAX.
 */
char		*md_render(const char *src, size_t len);

#endif
