/*
 * Unit tests for src/core/appview.c: content from a posted form, the
 * whole-form check, and the layout the template gets.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "core/appview.h"

static const char *const cats[] = { "IMPACT", "CULTURE", NULL };
static const char *const ctrs[] = { "AT", "BE", NULL };
static const struct appform_round rnd = { cats, ctrs };

static json_t *
parse(const char *body)
{
	struct form	 f;
	json_t		*content;

	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, NULL, body, strlen(body)),
	    0);
	content = appview_from_form(&f);
	form_free(&f);

	return (content);
}

static const char full[] =
    "title=Registry&category=IMPACT&organisation_name=Hospital"
    "&country=AT&organisation_type=hospital&contact_name=Ana"
    "&contact_email=ana%40example.org&summary=Short+summary"
    "&problem=p&approach=a&stage=routine&reach=100&data_sources=d"
    "&legal_basis=l&consent_transparency=c&minimisation=m"
    "&security_access=s&public_involvement=i&fairness_bias=f"
    "&fair_reuse=r&outcomes=o&transferability=t&declare_accurate=yes"
    "&declare_privacy=yes";

static void
test_from_form(void **state)
{
	json_t	*c, *p;

	(void)state;
	c = parse("title=A&summary=one%0D%0Atwo&partner_name=Uni"
	    "&partner_country=&partner_role=&partner_name=&partner_country="
	    "&partner_role=&partner_name=&partner_country=BE&partner_role=x"
	    "&unknown=ignored");
	assert_string_equal(appview_value(c, "title"), "A");
	/* CRLF from browsers becomes LF. */
	assert_string_equal(appview_value(c, "summary"), "one\ntwo");
	/* Every field is there, empty when not sent. */
	assert_string_equal(appview_value(c, "declare_publish"), "");
	assert_null(json_object_get(c, "unknown"));
	/* Blank rows go; half-filled rows stay (a draft). */
	p = json_object_get(c, "partners");
	assert_int_equal(json_array_size(p), 2);
	assert_string_equal(appview_value(json_array_get(p, 0), "name"),
	    "Uni");
	assert_string_equal(appview_value(json_array_get(p, 1), "country"),
	    "BE");
	json_decref(c);
}

static void
test_check(void **state)
{
	json_t	*c, *errors;

	(void)state;
	errors = json_array();
	c = parse(full);
	assert_int_equal(appview_check(c, APPFORM_SUBMIT, &rnd, errors), 0);
	json_decref(c);

	/* An empty draft saves; submitted, every required field is named. */
	c = parse("title=");
	assert_int_equal(appview_check(c, APPFORM_SAVE, &rnd, errors), 0);
	assert_int_equal(appview_check(c, APPFORM_SUBMIT, &rnd, errors), 24);
	assert_string_equal(appview_value(json_array_get(errors, 0), "field"),
	    "title");
	json_decref(c);
	json_array_clear(errors);

	/* A half-filled partner row passes a save, not a submit. */
	c = parse("partner_name=Uni&partner_country=&partner_role=");
	assert_int_equal(appview_check(c, APPFORM_SAVE, &rnd, errors), 0);
	json_decref(c);
	c = json_loads("{\"partners\":[{\"name\":\"Uni\",\"country\":\"\","
	    "\"role\":\"\"}]}", 0, NULL);
	assert_true(appview_check(c, APPFORM_SUBMIT, &rnd, errors) > 0);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_array_get(errors, json_array_size(errors) - 1), "message")),
	    "Partner 1"));
	json_decref(c);
	json_decref(errors);
}

static const json_t *
find_field(const json_t *sections, const char *name)
{
	const json_t	*s, *f;
	size_t		 i, j;

	json_array_foreach(sections, i, s) {
		json_array_foreach(json_object_get(s, "fields"), j, f) {
			if (strcmp(appview_value(f, "name"), name) == 0)
				return (f);
		}
	}
	return (NULL);
}

static void
test_sections(void **state)
{
	json_t		*c, *errors, *countries, *categories, *sections;
	const json_t	*f, *opt, *partners;
	struct appview_lists lists;
	size_t		 i, selected;

	(void)state;
	countries = json_loads("[{\"value\":\"AT\",\"label\":\"Austria\"},"
	    "{\"value\":\"BE\",\"label\":\"Belgium\"}]", 0, NULL);
	categories = json_loads("[{\"value\":\"IMPACT\",\"label\":\"IMPACT — "
	    "Partnerships\"}]", 0, NULL);
	lists.countries = countries;
	lists.country_options = NULL;
	lists.categories = categories;
	c = parse("title=T&country=BE&declare_accurate=yes&stage=pilot"
	    "&partner_name=Uni&partner_country=AT&partner_role=R");
	errors = json_pack("[{s:s, s:s}]", "field", "title", "message", "Bad.");

	sections = appview_sections(c, errors, &lists, 1);
	assert_int_equal(json_array_size(sections), 8);
	assert_string_equal(appview_value(json_array_get(sections, 0),
	    "title"), "About the practice");

	f = find_field(sections, "title");
	assert_string_equal(appview_value(f, "error"), "Bad.");
	assert_string_equal(appview_value(f, "limit_text"),
	    "Up to 200 characters.");
	f = find_field(sections, "summary");
	assert_string_equal(appview_value(f, "limit_kind"), "words");
	f = find_field(sections, "country");
	assert_string_equal(appview_value(f, "display"), "Belgium");
	selected = 0;
	json_array_foreach(json_object_get(f, "options"), i, opt) {
		if (json_is_true(json_object_get(opt, "selected"))) {
			selected++;
			assert_string_equal(appview_value(opt, "value"), "BE");
		}
	}
	assert_int_equal(selected, 1);
	f = find_field(sections, "declare_accurate");
	assert_true(json_is_true(json_object_get(f, "checked")));
	assert_string_equal(appview_value(f, "display"), "Yes");
	f = find_field(sections, "stage");
	assert_string_equal(appview_value(f, "display"), "Pilot");

	/* One stored row and two blank ones to fill in. */
	partners = json_object_get(json_array_get(sections, 2), "partners");
	assert_int_equal(json_array_size(partners), 3);
	assert_string_equal(appview_value(json_array_get(partners, 0),
	    "country_name"), "Austria");
	json_decref(sections);

	/* Read-only: no blank rows. */
	sections = appview_sections(c, errors, &lists, 0);
	partners = json_object_get(json_array_get(sections, 2), "partners");
	assert_int_equal(json_array_size(partners), 1);
	json_decref(sections);

	json_decref(c);
	json_decref(errors);
	json_decref(countries);
	json_decref(categories);
}

static void
test_shape(void **state)
{
	json_t		*v, *f, *x;
	json_error_t	 err;
	char		 buf[32];

	(void)state;
	v = json_loads("{\"id\": 7, \"state\": \"submitted\", "
	    "\"version\": 3, \"shown_version\": 2, "
	    "\"files\": [{\"id\": 1, \"size\": 1000}, "
	    "{\"id\": 2, \"size\": 4404019}], "
	    "\"versions\": [{\"version\": 3, \"kind\": \"autosave\"}, "
	    "{\"version\": 2, \"kind\": \"submit\"}, "
	    "{\"version\": 1, \"kind\": \"save\"}]}", 0, &err);
	assert_non_null(v);
	appview_shape(v, 1);

	assert_int_equal(json_integer_value(json_object_get(v, "app_id")), 7);
	assert_true(json_is_false(json_object_get(v, "is_latest")));
	assert_true(json_is_true(json_object_get(v, "is_submitted")));
	assert_true(json_is_false(json_object_get(v, "is_draft")));
	assert_true(json_is_false(json_object_get(v, "is_withdrawn")));
	assert_true(json_is_true(json_object_get(v, "editable")));
	assert_true(json_is_true(json_object_get(v, "has_files")));

	f = json_object_get(v, "files");
	assert_string_equal(appview_value(json_array_get(f, 0), "size_text"),
	    "1 KiB");
	assert_string_equal(appview_value(json_array_get(f, 1), "size_text"),
	    "4.2 MiB");

	x = json_object_get(v, "versions");
	assert_string_equal(appview_value(json_array_get(x, 0), "kind_label"),
	    "saved automatically");
	assert_string_equal(appview_value(json_array_get(x, 1), "kind_label"),
	    "submitted");
	assert_string_equal(appview_value(json_array_get(x, 2), "kind_label"),
	    "saved");
	assert_true(json_is_false(json_object_get(json_array_get(x, 0),
	    "is_shown")));
	assert_true(json_is_true(json_object_get(json_array_get(x, 1),
	    "is_shown")));
	json_decref(v);

	/* Nothing shown of an empty view but what it is. */
	v = json_pack("{s:s, s:i, s:i}", "state", "draft", "version", 0,
	    "shown_version", 0);
	appview_shape(v, 0);
	assert_true(json_is_true(json_object_get(v, "is_latest")));
	assert_true(json_is_true(json_object_get(v, "is_draft")));
	assert_true(json_is_false(json_object_get(v, "editable")));
	assert_true(json_is_false(json_object_get(v, "has_files")));
	json_decref(v);

	appview_size_text(0, buf, sizeof(buf));
	assert_string_equal(buf, "0 KiB");
	appview_size_text(1048576, buf, sizeof(buf));
	assert_string_equal(buf, "1.0 MiB");
	appview_size_text(1048575, buf, sizeof(buf));
	assert_string_equal(buf, "1024 KiB");
}

/*
 * The countries' options shared by a worker: each select marks its own
 * choice on an object of its own, and the shared ones stay as they were
 * (none selected, no reference left behind by a page).
 */
static void
test_shared_options(void **state)
{
	json_t		*c, *errors, *countries, *shared, *sections, *own;
	const json_t	*f, *opt;
	struct appview_lists lists;
	size_t		 i;
	char		*a, *b;

	(void)state;
	countries = json_loads("[{\"value\":\"AT\",\"label\":\"Austria\"},"
	    "{\"value\":\"BE\",\"label\":\"Belgium\"},"
	    "{\"value\":\"NL\",\"label\":\"Netherlands\"}]", 0, NULL);
	shared = appview_unselected(countries);
	json_array_foreach(shared, i, opt)
		assert_true(json_is_false(json_object_get(opt, "selected")));
	errors = json_array();
	c = parse("title=T&country=BE&partner_name=Uni&partner_country=NL"
	    "&partner_role=R");

	/* The same page, whether the options are shared or not. */
	lists.countries = countries;
	lists.categories = errors;
	lists.country_options = NULL;
	own = appview_sections(c, errors, &lists, 1);
	lists.country_options = shared;
	sections = appview_sections(c, errors, &lists, 1);
	a = json_dumps(own, JSON_SORT_KEYS);
	b = json_dumps(sections, JSON_SORT_KEYS);
	assert_string_equal(a, b);
	free(a);
	free(b);

	f = find_field(sections, "country");
	json_array_foreach(json_object_get(f, "options"), i, opt) {
		if (strcmp(appview_value(opt, "value"), "BE") == 0) {
			assert_true(json_is_true(json_object_get(opt,
			    "selected")));
			assert_ptr_not_equal(opt, json_array_get(shared, i));
		} else
			assert_ptr_equal(opt, json_array_get(shared, i));
	}

	json_decref(own);
	json_decref(sections);
	json_array_foreach(shared, i, opt) {
		assert_true(json_is_false(json_object_get(opt, "selected")));
		assert_int_equal(opt->refcount, 1);
	}
	json_decref(shared);
	json_decref(c);
	json_decref(errors);
	json_decref(countries);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_form),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_shared_options),
		cmocka_unit_test(test_shape),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
