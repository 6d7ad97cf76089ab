#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/md.h"

/* Renders a C string and checks the result against want exactly. */
static void
render_is(const char *src, const char *want)
{
	char	*out;

	out = md_render(src, strlen(src));
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

/* Renders a C string; the caller checks and frees the result. */
static char *
render(const char *src)
{
	char	*out;

	out = md_render(src, strlen(src));
	assert_non_null(out);
	return (out);
}

static int
has_ci(const char *hay, const char *needle)
{
	return (strcasestr(hay, needle) != NULL);
}

static int
in_list(const char *s, size_t len, const char *const *list)
{
	for (; *list != NULL; list++) {
		if (strlen(*list) == len && strncmp(s, *list, len) == 0)
			return (1);
	}
	return (0);
}

/* A URL cmark let through must not run script or load local files. */
static int
url_ok(const char *v, size_t len)
{
	static const char *const bad[] = {
		"javascript:", "vbscript:", "file:", "data:", NULL
	};
	const char *const	*b;
	size_t			 i, n;

	for (i = 0; i < len; i++) {
		/* Browsers drop tabs and new lines inside URLs. */
		if ((unsigned char)v[i] <= 0x20 || v[i] == '<' ||
		    v[i] == '>' || v[i] == '"' || v[i] == '`')
			return (0);
	}
	for (b = bad; *b != NULL; b++) {
		n = strlen(*b);
		if (len >= n && strncasecmp(v, *b, n) == 0) {
			if (strncasecmp(v, "data:image/", 11) == 0)
				continue;
			return (0);
		}
	}
	return (1);
}

/*
 * The whole output is what cmark's HTML renderer may write and nothing
 * else: known tags, the known attributes with quoted values (so no on*
 * handler and no target), and no raw HTML but the placeholder comment.
 * Text may say "onerror=" harmlessly; only tags are inspected.  A failure
 * names the offending spot.
 */
static void
assert_safe_html(const char *html)
{
	static const char *const tags[] = {
		"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
		"blockquote", "pre", "code", "em", "strong", "a", "img", "hr",
		"br", NULL
	};
	static const char *const attrs[] = {
		"href", "src", "alt", "title", "start", "class", NULL
	};
	static const char	 omitted[] = "<!-- raw HTML omitted -->";
	const char		*p, *name, *val, *q;
	size_t			 n;

	/* Text escapes '<', so these could only be real tags. */
	assert_false(has_ci(html, "<script"));
	assert_false(has_ci(html, "<iframe"));

	for (p = html; (p = strchr(p, '<')) != NULL; ) {
		if (strncmp(p, "<!--", 4) == 0) {
			if (strncmp(p, omitted, sizeof(omitted) - 1) != 0)
				fail_msg("bad comment at: %.40s", p);
			p += sizeof(omitted) - 1;
			continue;
		}
		p++;
		if (*p == '/')
			p++;
		for (name = p; isalnum((unsigned char)*p); p++)
			;
		if (!in_list(name, p - name, tags))
			fail_msg("unexpected tag at: %.40s", name - 1);
		while (*p == ' ') {
			p++;
			if (*p == '/' || *p == '>')
				break;
			for (name = p; islower((unsigned char)*p); p++)
				;
			n = p - name;
			if (!in_list(name, n, attrs) || p[0] != '=' ||
			    p[1] != '"')
				fail_msg("bad attribute at: %.40s", name);
			val = p + 2;
			if ((q = strchr(val, '"')) == NULL)
				fail_msg("unterminated value at: %.40s", name);
			if ((n == 4 && strncmp(name, "href", 4) == 0) ||
			    (n == 3 && strncmp(name, "src", 3) == 0)) {
				if (!url_ok(val, q - val))
					fail_msg("unsafe URL at: %.60s", name);
			}
			if (memchr(val, '<', q - val) != NULL)
				fail_msg("'<' in value at: %.40s", name);
			p = q + 1;
		}
		if (*p == '/')
			p++;
		if (*p != '>')
			fail_msg("malformed tag at: %.40s", p);
	}
}

static void
test_empty(void **state)
{
	char	*out;

	(void)state;
	render_is("", "");
	render_is("  \n\n\t\n", "");
	out = md_render(NULL, 0);
	assert_non_null(out);
	assert_string_equal(out, "");
	free(out);
}

static void
test_headings(void **state)
{
	(void)state;
	render_is("# A", "<h3>A</h3>\n");
	render_is("## B", "<h4>B</h4>\n");
	render_is("### C", "<h5>C</h5>\n");
	render_is("#### D", "<h6>D</h6>\n");
	render_is("##### E", "<h6>E</h6>\n");
	render_is("###### F", "<h6>F</h6>\n");
	/* Setext headings are levels 1 and 2 as well. */
	render_is("Title\n=====", "<h3>Title</h3>\n");
	render_is("Sub\n---", "<h4>Sub</h4>\n");
	render_is("> # Quoted",
	    "<blockquote>\n<h3>Quoted</h3>\n</blockquote>\n");
	/* Seven '#' is no heading at all. */
	render_is("####### G", "<p>####### G</p>\n");
}

static void
test_blocks(void **state)
{
	(void)state;
	render_is("Hello *world*, **bold** and `code`.",
	    "<p>Hello <em>world</em>, <strong>bold</strong> and "
	    "<code>code</code>.</p>\n");
	render_is("One.\n\nTwo.", "<p>One.</p>\n<p>Two.</p>\n");
	render_is("- a\n- b\n",
	    "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
	render_is("3. c\n4. d\n",
	    "<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>\n");
	render_is("[Rules](https://example.org/rules \"The rules\")",
	    "<p><a href=\"https://example.org/rules\" title=\"The rules\">"
	    "Rules</a></p>\n");
	render_is("[rel](/rounds/3)", "<p><a href=\"/rounds/3\">rel</a></p>\n");
	render_is("```\n<b>x</b>\n```",
	    "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n");
	render_is("a & b < c", "<p>a &amp; b &lt; c</p>\n");
}

static void
test_no_smart_no_hardbreaks(void **state)
{
	(void)state;
	render_is("\"Quoted\" -- and --- 'so'...",
	    "<p>&quot;Quoted&quot; -- and --- 'so'...</p>\n");
	render_is("line one\nline two", "<p>line one\nline two</p>\n");
}

static void
test_autolinks(void **state)
{
	(void)state;
	render_is("<https://example.org/a?b=1&c=2>",
	    "<p><a href=\"https://example.org/a?b=1&amp;c=2\">"
	    "https://example.org/a?b=1&amp;c=2</a></p>\n");
	render_is("<http://example.org>",
	    "<p><a href=\"http://example.org\">http://example.org</a></p>\n");
	render_is("<mailto:prize@example.org>",
	    "<p><a href=\"mailto:prize@example.org\">"
	    "mailto:prize@example.org</a></p>\n");
}

static void
test_raw_html(void **state)
{
	static const char *const srcs[] = {
		"<script>alert(1)</script>",
		"Hi <script>alert(1)</script> there",
		"<img src=x onerror=alert(1)>",
		"Text <img src=x onerror=alert(1)> inline",
		"<iframe src=\"https://evil.example\"></iframe>",
		"<a href=\"https://x\" target=\"_blank\">x</a>",
		"<div onclick=\"alert(1)\">\n\n*md*\n\n</div>",
		"<svg onload=alert(1)>",
		"<!-- comment --><style>p{}</style>",
		"a <b onmouseover=alert(1)>b</b>",
		NULL
	};
	const char *const	*s;
	char			*out;

	(void)state;
	for (s = srcs; *s != NULL; s++) {
		out = render(*s);
		assert_non_null(strstr(out, "<!-- raw HTML omitted -->"));
		assert_safe_html(out);
		assert_false(has_ci(out, "onerror"));
		assert_false(has_ci(out, "onclick"));
		assert_false(has_ci(out, "onload"));
		assert_false(has_ci(out, "onmouseover"));
		assert_false(has_ci(out, "<style"));
		assert_false(has_ci(out, "<div"));
		assert_false(has_ci(out, "target"));
		free(out);
	}
	render_is("<script>alert(1)</script>", "<!-- raw HTML omitted -->\n");
}

static void
test_bad_links(void **state)
{
	static const char *const srcs[] = {
		"[x](javascript:alert(1))",
		"[x](JavaScript:alert(1))",
		"[x](vbscript:msgbox(1))",
		"[x](VBSCRIPT:msgbox(1))",
		"[x](file:///etc/passwd)",
		"[x](data:text/html;base64,PHNjcmlwdD4=)",
		"[x](&#106;avascript:alert(1))",
		"[x](<javascript:alert(1)>)",
		"[x]( javascript:alert(1) )",
		"[x]\n\n[x]: javascript:alert(1)",
		"<javascript:alert(1)>",
		"<vbscript:msgbox(1)>",
		NULL
	};
	const char *const	*s;
	char			*out;

	(void)state;
	for (s = srcs; *s != NULL; s++) {
		out = render(*s);
		assert_non_null(strstr(out, "href=\"\""));
		assert_safe_html(out);
		free(out);
	}
	render_is("[x](javascript:alert(1))", "<p><a href=\"\">x</a></p>\n");
	render_is("![i](javascript:alert(1))",
	    "<p><img src=\"\" alt=\"i\" /></p>\n");
	/* Tabs and new lines a browser would drop are percent-encoded. */
	out = render("[x](<java\tscript:alert(1)>)");
	assert_non_null(strstr(out, "href=\"java%09script:alert(1)\""));
	assert_safe_html(out);
	free(out);
	out = render("[x](java&#10;script:alert(1))");
	assert_non_null(strstr(out, "href=\"java%0Ascript:alert(1)\""));
	assert_safe_html(out);
	free(out);
	/* Quotes cannot leave the attribute. */
	out = render("[x](https://e.org/\"onmouseover=\"alert(1) \"t\"o\")");
	assert_safe_html(out);
	free(out);
	/* Inline images in data: URLs are harmless and stay. */
	render_is("![dot](data:image/png;base64,AAAA)",
	    "<p><img src=\"data:image/png;base64,AAAA\" alt=\"dot\" /></p>\n");
}

static void
test_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff",
		"abc\x80",
		"\xc3",			/* truncated */
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong '/' */
		"\xed\xa0\x80",		/* surrogate U+D800 */
		"\xf4\x90\x80\x80",	/* U+110000 */
		"\xf8\x88\x80\x80\x80",
		"# Ok\n\nthen \xfe",
		NULL
	};
	const char *const	*s;
	char			*out;

	(void)state;
	for (s = bad; *s != NULL; s++)
		assert_null(md_render(*s, strlen(*s)));

	render_is("Zoë, 日本, \xf0\x9f\x8c\xbf",
	    "<p>Zoë, 日本, \xf0\x9f\x8c\xbf</p>\n");
	/* The highest code points of 3 and 4 bytes are fine. */
	render_is("\xef\xbf\xbf \xf4\x8f\xbf\xbf",
	    "<p>\xef\xbf\xbf \xf4\x8f\xbf\xbf</p>\n");

	/* Only len bytes count: the source need not end in NUL. */
	out = md_render("# Titlegarbage\xff", 7);
	assert_non_null(out);
	assert_string_equal(out, "<h3>Title</h3>\n");
	free(out);

	/* A NUL byte is valid UTF-8; cmark shows it as U+FFFD. */
	out = md_render("a\0b", 3);
	assert_non_null(out);
	assert_string_equal(out, "<p>a\xef\xbf\xbd" "b</p>\n");
	free(out);
}

static void
test_max(void **state)
{
	char	*src, *out;

	(void)state;
	assert_null(md_render("x", (size_t)MD_MAX + 1));

	if ((src = malloc(MD_MAX + 1)) == NULL)
		fail();
	memset(src, 'a', MD_MAX + 1);
	assert_null(md_render(src, MD_MAX + 1));
	out = md_render(src, MD_MAX);
	assert_non_null(out);
	assert_int_equal(strlen(out), MD_MAX + strlen("<p></p>\n"));
	free(out);
	free(src);
}

/* xorshift32: the same "random" inputs on every run. */
static uint32_t
next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return (*s);
}

static void
test_fuzzish(void **state)
{
	static const char *const frag[] = {
		"#", "###### ", "\n", "\n\n", " ", "  ", "\t", "*", "**", "_",
		"`", "```", "~~~", "[", "]", "(", ")", "<", ">", "!", "\"",
		"'", "&", "&#106;", "&quot;", ";", ":", "=", "\\", "-", "1. ",
		"> ", "    ", "---", "===", "|", "x", "text", "é", "日",
		"\xf0\x9f\x8c\xbf",
		"javascript:", "JaVaScRiPt:alert(1)", "vbscript:", "file:///",
		"data:text/html,", "data:image/png;base64,AA", "http://",
		"https://e.org/", "<https://e.org>", "<javascript:x>",
		"<script>", "</script>", "<img src=x onerror=alert(1)>",
		"<iframe src=//x>", " onerror=", " onload=alert(1)",
		"<a href=\"x\" target=_blank>", "<!--", "-->", "<![CDATA[",
		"[x](", "](javascript:alert(1))", "![i](", "[r]: ", "\"t\"",
	};
	const size_t	 nfrag = sizeof(frag) / sizeof(frag[0]);
	char		 buf[512], *out;
	size_t		 len, f, flen;
	uint32_t	 seed = 0x4c617572;	/* "Laur" */
	int		 i, j, nparts, raw;

	(void)state;
	for (i = 0; i < 600; i++) {
		len = 0;
		/* One input in eight is raw bytes, mostly not UTF-8. */
		raw = (next(&seed) % 8) == 0;
		if (raw) {
			len = next(&seed) % sizeof(buf);
			for (j = 0; j < (int)len; j++)
				buf[j] = (char)(next(&seed) & 0xff);
		} else {
			nparts = 1 + next(&seed) % 40;
			for (j = 0; j < nparts; j++) {
				f = next(&seed) % nfrag;
				flen = strlen(frag[f]);
				if (len + flen > sizeof(buf))
					break;
				memcpy(buf + len, frag[f], flen);
				len += flen;
			}
		}

		out = md_render(buf, len);
		if (out == NULL) {
			/* Fragments are all valid UTF-8. */
			assert_true(raw);
			continue;
		}
		/* Also rules out on* attributes and <script. */
		assert_safe_html(out);
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_no_smart_no_hardbreaks),
		cmocka_unit_test(test_autolinks),
		cmocka_unit_test(test_raw_html),
		cmocka_unit_test(test_bad_links),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_fuzzish),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
