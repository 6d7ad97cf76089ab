/*
 * Unit tests for src/core/tmpl.c: the official Mustache spec files plus
 * Laurel's own cases.  The spec directory comes from MUSTACHE_SPEC_DIR,
 * or ../shared/testdata/mustache-spec relative to the repository root.
 */

#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/tmpl.h"

#define SPEC_DIR_DEFAULT	"../shared/testdata/mustache-spec"

static int	 spec_case(json_t *);
static void	 spec_file(const char *, size_t);
static char	*render_one(const char *, json_t *);
static void	 expect_render(const char *, const char *, const char *);
static void	 expect_error(const char *, const char *);

static void	 test_spec_comments(void **);
static void	 test_spec_delimiters(void **);
static void	 test_spec_inheritance(void **);
static void	 test_spec_interpolation(void **);
static void	 test_spec_inverted(void **);
static void	 test_spec_partials(void **);
static void	 test_spec_sections(void **);
static void	 test_escape(void **);
static void	 test_numbers(void **);
static void	 test_truthiness(void **);
static void	 test_parse_errors(void **);
static void	 test_limits(void **);
static void	 test_missing(void **);
static void	 test_recursion(void **);
static void	 test_delims_scoped(void **);
static void	 test_layout(void **);
static void	 test_replace(void **);

/* Returns 1 if the case passes, printing the difference if it does not. */
static int
spec_case(json_t *tc)
{
	struct tmpl_set	*set;
	json_t		*partials, *v, *got;
	const char	*name, *key, *expected;
	char		 err[256], *out;
	size_t		 len;
	int		 ok;

	len = 0;
	name = json_string_value(json_object_get(tc, "name"));
	expected = json_string_value(json_object_get(tc, "expected"));
	set = tmpl_set_new();

	partials = json_object_get(tc, "partials");
	json_object_foreach(partials, key, v) {
		if (tmpl_set_add(set, key, json_string_value(v),
		    json_string_length(v), err, sizeof(err)) == -1) {
			print_message("# case '%s': partial %s: %s\n",
			    name, key, err);
			tmpl_set_free(set);
			return (0);
		}
	}

	v = json_object_get(tc, "template");
	if (tmpl_set_add(set, "__main__", json_string_value(v),
	    json_string_length(v), err, sizeof(err)) == -1) {
		print_message("# case '%s': %s\n", name, err);
		tmpl_set_free(set);
		return (0);
	}

	out = tmpl_render(set, "__main__", json_object_get(tc, "data"), &len);
	ok = out != NULL && expected != NULL && len == strlen(expected) &&
	    memcmp(out, expected, len) == 0;
	if (!ok) {
		/* JSON-quoted, so that whitespace differences show. */
		got = json_stringn(out != NULL ? out : "", len);
		print_message("# mismatch in case '%s'\n# expected: ", name);
		(void)json_dumpf(json_object_get(tc, "expected"), stdout,
		    JSON_ENCODE_ANY);
		print_message("\n# got:      ");
		(void)json_dumpf(got, stdout, JSON_ENCODE_ANY);
		print_message("\n");
		json_decref(got);
	}

	free(out);
	tmpl_set_free(set);

	return (ok);
}

static void
spec_file(const char *file, size_t count)
{
	json_t		*root, *tests, *tc;
	json_error_t	 jerr;
	const char	*dir;
	char		 path[1024];
	size_t		 i, failed;

	if ((dir = getenv("MUSTACHE_SPEC_DIR")) == NULL)
		dir = SPEC_DIR_DEFAULT;
	(void)snprintf(path, sizeof(path), "%s/%s", dir, file);

	if ((root = json_load_file(path, 0, &jerr)) == NULL) {
		fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
		return;
	}

	tests = json_object_get(root, "tests");
	assert_true(json_is_array(tests));
	assert_int_equal(json_array_size(tests), count);

	failed = 0;
	json_array_foreach(tests, i, tc) {
		if (!spec_case(tc))
			failed++;
	}

	print_message("# %s: %zu of %zu cases pass\n", file, count - failed,
	    count);
	json_decref(root);
	assert_int_equal(failed, 0);
}

static void
test_spec_comments(void **state)
{
	(void)state;
	spec_file("comments.json", 12);
}

static void
test_spec_delimiters(void **state)
{
	(void)state;
	spec_file("delimiters.json", 14);
}

static void
test_spec_inheritance(void **state)
{
	(void)state;
	spec_file("inheritance.json", 27);
}

static void
test_spec_interpolation(void **state)
{
	(void)state;
	spec_file("interpolation.json", 42);
}

static void
test_spec_inverted(void **state)
{
	(void)state;
	spec_file("inverted.json", 22);
}

static void
test_spec_partials(void **state)
{
	(void)state;
	spec_file("partials.json", 12);
}

static void
test_spec_sections(void **state)
{
	(void)state;
	spec_file("sections.json", 34);
}

/* Render src as the only template of a fresh set. */
static char *
render_one(const char *src, json_t *data)
{
	struct tmpl_set	*set;
	char		 err[256], *out;
	size_t		 len;

	set = tmpl_set_new();
	if (tmpl_set_add(set, "t", src, strlen(src), err, sizeof(err)) == -1)
		fail_msg("parse of '%s' failed: %s", src, err);
	out = tmpl_render(set, "t", data, &len);
	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	tmpl_set_free(set);

	return (out);
}

static void
expect_render(const char *src, const char *json, const char *expected)
{
	json_t		*data;
	json_error_t	 jerr;
	char		*out;

	data = json_loads(json, JSON_DECODE_ANY, &jerr);
	assert_non_null(data);
	out = render_one(src, data);
	assert_string_equal(out, expected);
	free(out);
	json_decref(data);
}

static void
expect_error(const char *src, const char *msg)
{
	struct tmpl_set	*set;
	char		 err[256];

	set = tmpl_set_new();
	assert_int_equal(tmpl_set_add(set, "t", src, strlen(src), err,
	    sizeof(err)), -1);
	assert_string_equal(err, msg);
	assert_null(tmpl_render(set, "t", NULL, NULL));
	tmpl_set_free(set);
}

static void
test_escape(void **state)
{
	const char	*data;

	(void)state;
	data = "{\"x\": \"<a href='/?a=1&b=2'>\\\"hi\\\"</a>\"}";
	expect_render("{{x}}", data, "&lt;a href=&#39;/?a=1&amp;b=2&#39;&gt;"
	    "&quot;hi&quot;&lt;/a&gt;");
	expect_render("{{{x}}}|{{&x}}", data,
	    "<a href='/?a=1&b=2'>\"hi\"</a>|<a href='/?a=1&b=2'>\"hi\"</a>");
	expect_render("{{=<% %>=}}<%{x}%>", data,
	    "<a href='/?a=1&b=2'>\"hi\"</a>");
}

static void
test_numbers(void **state)
{
	(void)state;
	expect_render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
	    "{\"a\": 1.0, \"b\": 1.5, \"c\": 0.1, \"d\": -7, "
	    "\"e\": 9007199254740993, \"f\": 1e300}",
	    "1 1.5 0.1 -7 9007199254740993 1e+300");
	expect_render("{{t}} {{f}} [{{n}}] [{{o}}] [{{l}}]",
	    "{\"t\": true, \"f\": false, \"n\": null, \"o\": {}, \"l\": [1]}",
	    "true false [] [] []");
}

/* Only false, null, missing and the empty list are falsy. */
static void
test_truthiness(void **state)
{
	(void)state;
	expect_render("{{#z}}z{{/z}}{{#s}}s{{/s}}{{#o}}o{{/o}}"
	    "{{#f}}f{{/f}}{{#n}}n{{/n}}{{#l}}l{{/l}}{{#m}}m{{/m}}",
	    "{\"z\": 0, \"s\": \"\", \"o\": {}, \"f\": false, \"n\": null, "
	    "\"l\": []}", "zso");
	expect_render("{{^z}}z{{/z}}{{^f}}f{{/f}}{{^n}}n{{/n}}{{^l}}l{{/l}}"
	    "{{^m}}m{{/m}}", "{\"z\": 0, \"f\": false, \"n\": null, "
	    "\"l\": []}", "fnlm");
}

static void
test_parse_errors(void **state)
{
	(void)state;
	expect_error("<ul>\n{{#items}}\n<li>{{.}}</li>\n",
	    "line 2: unclosed section 'items'");
	expect_error("{{#a}}\n{{^b}}\n{{/a}}\n",
	    "line 3: close tag 'a' does not match 'b' opened on line 2");
	expect_error("a\n\nb {{name\n", "line 3: unclosed tag");
	expect_error("{{{name}}", "line 1: unclosed tag");
	expect_error("x\n{{/a}}", "line 2: unexpected close tag 'a'");
	expect_error("{{<layout}}{{$a}}\n", "line 1: unclosed block 'a'");
	expect_error("{{<layout}}\n", "line 1: unclosed parent 'layout'");
	expect_error("{{}}", "line 1: invalid tag name ''");
	expect_error("{{a b}}", "line 1: invalid tag name 'a b'");
	expect_error("{{=<%=}}", "line 1: invalid set delimiter tag");
	expect_error("{{!\n\n}}{{=<% %>=}}\n{{x}}<%x", "line 4: unclosed tag");
}

static void
test_limits(void **state)
{
	struct tmpl_set	*set;
	char		*src, err[256];
	size_t		 len, i;

	(void)state;
	set = tmpl_set_new();

	len = 1024 * 1024 + 1;
	src = malloc(len);
	assert_non_null(src);
	memset(src, 'x', len);
	assert_int_equal(tmpl_set_add(set, "big", src, len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too large"));
	assert_int_equal(tmpl_set_add(set, "big", src, len - 1, err,
	    sizeof(err)), 0);
	free(src);

	/* 100 nested sections are fine, 101 are not. */
	src = malloc(101 * 12 + 1);
	assert_non_null(src);
	for (len = 0, i = 0; i < 101; i++)
		len += (size_t)sprintf(src + len, "{{#a}}");
	for (i = 0; i < 101; i++)
		len += (size_t)sprintf(src + len, "{{/a}}");
	assert_int_equal(tmpl_set_add(set, "deep", src, len, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 1: sections nested deeper than 100");
	assert_int_equal(tmpl_set_add(set, "deep", src + 6, len - 12, err,
	    sizeof(err)), 0);
	free(src);

	tmpl_set_free(set);
}

static void
test_missing(void **state)
{
	struct tmpl_set	*set;
	size_t		 len;
	char		*out;

	(void)state;
	set = tmpl_set_new();
	assert_null(tmpl_render(set, "nope", NULL, &len));
	assert_int_equal(tmpl_set_add(set, "a", "[{{>nope}}{{<nope}}{{/nope}}]",
	    29, NULL, 0), 0);
	assert_null(tmpl_render(set, "ab", NULL, &len));
	assert_null(tmpl_render(set, "", NULL, &len));
	out = tmpl_render(set, "a", NULL, &len);
	assert_string_equal(out, "[]");
	assert_int_equal(len, 2);
	free(out);
	tmpl_set_free(set);
}

static void
test_recursion(void **state)
{
	struct tmpl_set	*set;
	json_t		*data;
	char		*out, *deep;
	size_t		 len, i;

	(void)state;
	set = tmpl_set_new();
	assert_int_equal(tmpl_set_add(set, "p", "x{{>p}}", 7, NULL, 0), 0);
	assert_int_equal(tmpl_set_add(set, "two", "{{>two}}{{>two}}.", 17,
	    NULL, 0), 0);
	assert_int_equal(tmpl_set_add(set, "q", "{{<q}}{{$a}}y{{/a}}{{/q}}",
	    25, NULL, 0), 0);
	assert_int_equal(tmpl_set_add(set, "bp", "{{$a}}d{{/a}}", 13,
	    NULL, 0), 0);
	assert_int_equal(tmpl_set_add(set, "b",
	    "{{<bp}}{{$a}}[{{$a}}z{{/a}}]{{/a}}{{/bp}}", 41, NULL, 0), 0);

	/* The depth cap stops self-inclusion after 64 levels. */
	out = tmpl_render(set, "p", NULL, &len);
	assert_non_null(out);
	assert_int_equal(len, 65);
	for (i = 0; i < len; i++)
		assert_int_equal(out[i], 'x');
	free(out);

	/* 100 nested sections in each of 64 partials stay within the stack. */
	deep = malloc(100 * 12 + 16);
	assert_non_null(deep);
	for (len = 0, i = 0; i < 100; i++)
		len += (size_t)sprintf(deep + len, "{{#a}}");
	len += (size_t)sprintf(deep + len, "x{{>deep}}");
	for (i = 0; i < 100; i++)
		len += (size_t)sprintf(deep + len, "{{/a}}");
	assert_int_equal(tmpl_set_add(set, "deep", deep, len, NULL, 0), 0);
	free(deep);
	data = json_pack("{s:[i]}", "a", 1);
	out = tmpl_render(set, "deep", data, &len);
	assert_string_equal(out, "xx");
	free(out);
	json_decref(data);

	/* Exponential expansion is cut short by the work limit. */
	out = tmpl_render(set, "two", NULL, &len);
	assert_non_null(out);
	assert_true(len > 0);
	free(out);

	out = tmpl_render(set, "q", NULL, &len);
	assert_string_equal(out, "");
	free(out);

	/* A block cannot override itself. */
	out = tmpl_render(set, "b", NULL, &len);
	assert_string_equal(out, "[z]");
	free(out);

	tmpl_set_free(set);
}

/* A partial's set-delimiter tag must not change its caller's delimiters. */
static void
test_delims_scoped(void **state)
{
	struct tmpl_set	*set;
	json_t		*data;
	char		*out;

	(void)state;
	set = tmpl_set_new();
	assert_int_equal(tmpl_set_add(set, "p", "{{=<% %>=}}<%x%>", 16,
	    NULL, 0), 0);
	assert_int_equal(tmpl_set_add(set, "t", "{{>p}}{{x}}<%x%>", 16,
	    NULL, 0), 0);
	data = json_pack("{s:s}", "x", "1");
	out = tmpl_render(set, "t", data, NULL);
	assert_string_equal(out, "11<%x%>");
	free(out);
	json_decref(data);
	tmpl_set_free(set);
}

static void
test_layout(void **state)
{
	struct tmpl_set	*set;
	json_t		*data;
	const char	*layout, *page;
	char		*out, err[256];
	size_t		 len;

	(void)state;
	layout = "<!DOCTYPE html>\n"
	    "<html>\n"
	    "<head><title>{{$title}}Laurel{{/title}}</title></head>\n"
	    "<body>\n"
	    "  {{$content}}{{/content}}\n"
	    "</body>\n"
	    "</html>\n";
	page = "{{<layout}}{{$content}}<p>{{x}}</p>{{/content}}{{/layout}}";

	set = tmpl_set_new();
	assert_int_equal(tmpl_set_add(set, "layout", layout, strlen(layout),
	    err, sizeof(err)), 0);
	assert_int_equal(tmpl_set_add(set, "page", page, strlen(page),
	    err, sizeof(err)), 0);
	data = json_pack("{s:s}", "x", "a < b");

	out = tmpl_render(set, "page", data, &len);
	assert_string_equal(out, "<!DOCTYPE html>\n"
	    "<html>\n"
	    "<head><title>Laurel</title></head>\n"
	    "<body>\n"
	    "  <p>a &lt; b</p>\n"
	    "</body>\n"
	    "</html>\n");
	free(out);

	/*
	 * The layout's "  {{$content}}{{/content}}\n" line keeps its newline
	 * (spec: "Standalone block"), so the content must not end in one.
	 */
	page = "{{<layout}}\n"
	    "{{$title}}Home{{/title}}\n"
	    "{{$content}}\n"
	    "<ul>\n"
	    "{{#items}}\n"
	    "  <li>{{.}}</li>\n"
	    "{{/items}}\n"
	    "</ul>{{/content}}\n"
	    "{{/layout}}\n";
	assert_int_equal(tmpl_set_add(set, "home", page, strlen(page),
	    err, sizeof(err)), 0);
	json_decref(data);
	data = json_pack("{s:[s,s]}", "items", "a", "b");
	out = tmpl_render(set, "home", data, &len);
	assert_string_equal(out, "<!DOCTYPE html>\n"
	    "<html>\n"
	    "<head><title>Home</title></head>\n"
	    "<body>\n"
	    "  <ul>\n"
	    "    <li>a</li>\n"
	    "    <li>b</li>\n"
	    "  </ul>\n"
	    "</body>\n"
	    "</html>\n");
	free(out);

	json_decref(data);
	tmpl_set_free(set);
}

static void
test_replace(void **state)
{
	struct tmpl_set	*set;
	char		*out;

	(void)state;
	set = tmpl_set_new();
	assert_int_equal(tmpl_set_add(set, "t", "old", 3, NULL, 0), 0);
	assert_int_equal(tmpl_set_add(set, "t", "{{#x}", 5, NULL, 0), -1);
	out = tmpl_render(set, "t", NULL, NULL);
	assert_string_equal(out, "old");
	free(out);
	assert_int_equal(tmpl_set_add(set, "t", "new", 3, NULL, 0), 0);
	out = tmpl_render(set, "t", NULL, NULL);
	assert_string_equal(out, "new");
	free(out);
	tmpl_set_free(set);
}

/* Whole reals print as integers (a rubric weight of 10, not 1e+01). */
static void
test_real_format(void **state)
{
	json_t	*data;
	char	*out;

	(void)state;
	/* 6e21 is beyond long long: the fuzzer found the cast. */
	data = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "a", 10.0, "b", 20.0,
	    "c", 1.21, "d", -3.0, "e", 1e20, "f", 6e21);
	out = render_one("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}", data);
	assert_string_equal(out, "10 20 1.21 -3 1e+20 6e+21");
	free(out);
	json_decref(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_comments),
		cmocka_unit_test(test_spec_delimiters),
		cmocka_unit_test(test_spec_inheritance),
		cmocka_unit_test(test_spec_interpolation),
		cmocka_unit_test(test_spec_inverted),
		cmocka_unit_test(test_spec_partials),
		cmocka_unit_test(test_spec_sections),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_truthiness),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_recursion),
		cmocka_unit_test(test_delims_scoped),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_real_format),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
