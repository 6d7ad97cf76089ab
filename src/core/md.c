#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "core/md.h"

/* The page's own headings are <h1> and <h2>: '#' in the text is <h3>. */
#define MD_HEADING_SHIFT	2
#define MD_HEADING_MAX		6

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF.  Checked here because CMARK_OPT_VALIDATE_UTF8 would quietly
 * turn bad bytes into U+FFFD, and the editor should hear about them.
 */
static int
md_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		 i, n, k;
	uint32_t	 cp, min;

	for (i = 0; i < len; i += n) {
		if (s[i] < 0x80) {
			n = 1;
			continue;
		} else if ((s[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return (0);

		if (len - i < n)
			return (0);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}

	return (1);
}

/* Moves every heading down on the tree, so text can never fake one. */
static void
md_shift_headings(cmark_node *doc)
{
	cmark_iter		*it;
	cmark_node		*node;
	cmark_event_type	 ev;
	int			 level;

	if ((it = cmark_iter_new(doc)) == NULL)
		abort();
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER ||
		    cmark_node_get_type(node) != CMARK_NODE_HEADING)
			continue;
		level = cmark_node_get_heading_level(node) + MD_HEADING_SHIFT;
		if (level > MD_HEADING_MAX)
			level = MD_HEADING_MAX;
		if (!cmark_node_set_heading_level(node, level))
			abort();
	}
	cmark_iter_free(it);
}

char *
md_render(const char *src, size_t len)
{
	cmark_node	*doc;
	char		*html, *out;
	size_t		 n;
	int		 opts;

	if (len > MD_MAX || (src == NULL && len > 0))
		return (NULL);
	if (len > 0 && !md_utf8_valid((const unsigned char *)src, len))
		return (NULL);

	/*
	 * Safe mode is cmark's default since 0.29 (CMARK_OPT_SAFE is kept as
	 * a no-op); what matters is never passing CMARK_OPT_UNSAFE.  No
	 * CMARK_OPT_SMART and no CMARK_OPT_HARDBREAKS: the text is shown as
	 * written.  VALIDATE_UTF8 is redundant after the check above, but
	 * keeps cmark safe should that check ever change.
	 */
	opts = CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8;

	if ((doc = cmark_parse_document(len > 0 ? src : "", len, opts)) == NULL)
		abort();
	md_shift_headings(doc);
	html = cmark_render_html(doc, opts);
	cmark_node_free(doc);
	if (html == NULL)
		abort();

	/*
	 * The buffer comes from the tree's allocator (cmark's default one);
	 * a copy lets callers free() without knowing which that was.
	 */
	n = strlen(html);
	if ((out = malloc(n + 1)) == NULL)
		abort();
	memcpy(out, html, n + 1);
	cmark_get_default_mem_allocator()->free(html);

	return (out);
}
