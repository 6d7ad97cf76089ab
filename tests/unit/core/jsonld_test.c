#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/jsonld.h"

#define BASE	"https://awards.example.eu/"

/* A round page's data as sql/95_awards.sql writes it. */
static const char	round_page[] =
    "{\"round\": {\"slug\": \"r2026\", \"title\": \"2026 Recognition\","
    " \"url\": \"/awards/r2026\"},"
    " \"winners\": [{\"category\": \"IMPACT\", \"practices\": ["
    "  {\"reference\": \"BPR-2026-0001\","
    "   \"url\": \"/awards/r2026/BPR-2026-0001\","
    "   \"decision\": \"winner\", \"category\": \"IMPACT\","
    "   \"organisation\": \"Hospital <A> & Co\", \"country\": \"AT\","
    "   \"summary\": null}]}],"
    " \"finalists\": [{\"category\": \"CULTURE\", \"practices\": ["
    "  {\"reference\": \"BPR-2026-0002\","
    "   \"url\": \"/awards/r2026/BPR-2026-0002\","
    "   \"decision\": \"finalist\", \"category\": \"CULTURE\","
    "   \"organisation\": \"Clinic B\", \"country\": null}]}],"
    " \"honourable_mentions\": [{\"category\": \"IMPACT\","
    "  \"practices\": ["
    "  {\"reference\": \"BPR-2026-0003\","
    "   \"url\": \"/awards/r2026/BPR-2026-0003\","
    "   \"decision\": \"honourable_mention\", \"category\": \"IMPACT\","
    "   \"organisation\": \"Lab C\", \"country\": \"BE\"}]}]}";

static json_t *
load(const char *s)
{
	json_error_t	 err;
	json_t		*v;

	v = json_loads(s, 0, &err);
	assert_non_null(v);
	return (v);
}

static void
test_decision_words(void **state)
{
	(void)state;
	assert_string_equal(jsonld_decision_words("winner"), "Winner");
	assert_string_equal(jsonld_decision_words("finalist"), "Finalist");
	assert_string_equal(jsonld_decision_words("honourable_mention"),
	    "Honourable mention");
	assert_null(jsonld_decision_words("not_selected"));
	assert_null(jsonld_decision_words(NULL));
}

static void
test_award(void **state)
{
	char	*s;

	(void)state;
	s = jsonld_award("2026 Recognition", "winner", "IMPACT");
	assert_string_equal(s, "2026 Recognition \xe2\x80\x94 Winner, IMPACT");
	free(s);
	assert_null(jsonld_award("2026", "not_selected", "IMPACT"));
	assert_null(jsonld_award(NULL, "winner", "IMPACT"));
	assert_null(jsonld_award("2026", "winner", NULL));
}

static void
test_escape(void **state)
{
	char	*s;

	(void)state;
	s = jsonld_escape("{\"a\":\"</script><!-- & \xe2\x80\xa8\xe2\x80\xa9"
	    " \xc3\xa9\"}");
	assert_string_equal(s, "{\"a\":\"\\u003c/script\\u003e\\u003c!-- "
	    "\\u0026 \\u2028\\u2029 \xc3\xa9\"}");
	free(s);

	/* A lone lead byte at the end is copied, not read past. */
	s = jsonld_escape("x\xe2");
	assert_string_equal(s, "x\xe2");
	free(s);
	s = jsonld_escape("x\xe2\x80");
	assert_string_equal(s, "x\xe2\x80");
	free(s);
	s = jsonld_escape("");
	assert_string_equal(s, "");
	free(s);
}

/* What jsonld_script() writes reads back as the same value. */
static void
test_script_round_trip(void **state)
{
	json_t	*ld, *back;
	char	*s;

	(void)state;
	ld = json_pack("{s:s}", "name", "a</script>b & <c> \xe2\x80\xa8");
	s = jsonld_script(ld);
	assert_non_null(s);
	assert_null(strchr(s, '<'));
	assert_null(strchr(s, '>'));
	assert_null(strchr(s, '&'));
	assert_null(strstr(s, "\xe2\x80\xa8"));
	back = load(s);
	assert_true(json_equal(ld, back));
	json_decref(back);
	json_decref(ld);
	free(s);
	assert_null(jsonld_script(NULL));
}

static void
test_round_page(void **state)
{
	json_t		*data, *ld, *items, *item, *org;

	(void)state;
	data = load(round_page);
	ld = jsonld_round_page(data, BASE);
	assert_non_null(ld);
	assert_string_equal(json_string_value(json_object_get(ld, "@context")),
	    "https://schema.org");
	assert_string_equal(json_string_value(json_object_get(ld, "@type")),
	    "ItemList");
	assert_string_equal(json_string_value(json_object_get(ld, "name")),
	    "2026 Recognition");
	assert_string_equal(json_string_value(json_object_get(ld, "url")),
	    "https://awards.example.eu/awards/r2026");
	assert_int_equal(json_integer_value(json_object_get(ld,
	    "numberOfItems")), 3);

	items = json_object_get(ld, "itemListElement");
	assert_int_equal(json_array_size(items), 3);
	item = json_array_get(items, 0);
	assert_int_equal(json_integer_value(json_object_get(item, "position")),
	    1);
	assert_string_equal(json_string_value(json_object_get(item, "url")),
	    "https://awards.example.eu/awards/r2026/BPR-2026-0001");
	org = json_object_get(item, "item");
	assert_string_equal(json_string_value(json_object_get(org, "@type")),
	    "Organization");
	assert_string_equal(json_string_value(json_object_get(org, "name")),
	    "Hospital <A> & Co");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    org, "address"), "addressCountry")), "AT");
	assert_string_equal(json_string_value(json_object_get(org, "award")),
	    "2026 Recognition \xe2\x80\x94 Winner, IMPACT");
	assert_null(json_object_get(org, "description"));

	/* Winners, then finalists, then honourable mentions. */
	org = json_object_get(json_array_get(items, 1), "item");
	assert_string_equal(json_string_value(json_object_get(org, "award")),
	    "2026 Recognition \xe2\x80\x94 Finalist, CULTURE");
	assert_null(json_object_get(org, "address"));
	org = json_object_get(json_array_get(items, 2), "item");
	assert_string_equal(json_string_value(json_object_get(org, "award")),
	    "2026 Recognition \xe2\x80\x94 Honourable mention, IMPACT");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    items, 2), "position")), 3);

	json_decref(ld);
	json_decref(data);
}

static void
test_round_page_empty(void **state)
{
	json_t	*data, *ld;

	(void)state;
	data = load("{\"round\": {\"title\": \"R\", \"url\": \"/awards/r\"}}");
	ld = jsonld_round_page(data, "http://x");
	assert_non_null(ld);
	assert_int_equal(json_array_size(json_object_get(ld,
	    "itemListElement")), 0);
	assert_string_equal(json_string_value(json_object_get(ld, "url")),
	    "http://x/awards/r");
	json_decref(ld);
	json_decref(data);

	data = load("{\"winners\": []}");
	assert_null(jsonld_round_page(data, BASE));
	json_decref(data);
}

static void
test_practice_page(void **state)
{
	json_t	*data, *ld;

	(void)state;
	data = load("{\"round\": {\"title\": \"2026 Recognition\"},"
	    " \"practice\": {\"url\": \"/awards/r/BPR-1\","
	    " \"decision\": \"winner\","
	    " \"category\": \"EXCELLENCE\", \"organisation\": \"Org\","
	    " \"country\": \"NL\", \"summary\": \"What it does.\"}}");
	ld = jsonld_practice_page(data, BASE);
	assert_non_null(ld);
	assert_string_equal(json_string_value(json_object_get(ld, "@context")),
	    "https://schema.org");
	assert_string_equal(json_string_value(json_object_get(ld, "@type")),
	    "Organization");
	assert_string_equal(json_string_value(json_object_get(ld, "name")),
	    "Org");
	assert_string_equal(json_string_value(json_object_get(ld, "award")),
	    "2026 Recognition \xe2\x80\x94 Winner, EXCELLENCE");
	assert_string_equal(json_string_value(json_object_get(ld,
	    "description")), "What it does.");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ld, "subjectOf"), "url")),
	    "https://awards.example.eu/awards/r/BPR-1");
	json_decref(ld);
	json_decref(data);

	/* A decision that is no award names no award. */
	data = load("{\"round\": {\"title\": \"R\"}, \"practice\": {"
	    "\"decision\": \"not_selected\", \"category\": \"X\","
	    " \"organisation\": \"Org\"}}");
	assert_null(jsonld_practice_page(data, BASE));
	json_decref(data);
}

static void
test_index_page(void **state)
{
	json_t	*data, *ld, *item;

	(void)state;
	data = load("{\"rounds\": ["
	    "{\"title\": \"2026\", \"url\": \"/awards/r2026\"},"
	    " {\"url\": \"/awards/none\"},"
	    " {\"title\": \"2025\", \"url\": \"/awards/r2025\"}]}");
	ld = jsonld_index_page(data, "Awards", BASE);
	assert_string_equal(json_string_value(json_object_get(ld, "@type")),
	    "ItemList");
	assert_int_equal(json_integer_value(json_object_get(ld,
	    "numberOfItems")), 2);
	item = json_array_get(json_object_get(ld, "itemListElement"), 1);
	assert_int_equal(json_integer_value(json_object_get(item, "position")),
	    2);
	assert_string_equal(json_string_value(json_object_get(item, "name")),
	    "2025");
	assert_string_equal(json_string_value(json_object_get(item, "url")),
	    "https://awards.example.eu/awards/r2025");
	json_decref(ld);
	json_decref(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision_words),
		cmocka_unit_test(test_award),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_script_round_trip),
		cmocka_unit_test(test_round_page),
		cmocka_unit_test(test_round_page_empty),
		cmocka_unit_test(test_practice_page),
		cmocka_unit_test(test_index_page),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
