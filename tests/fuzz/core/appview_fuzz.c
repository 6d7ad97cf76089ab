/*
 * libFuzzer driver for src/core/appview.c with appform.c: the input is
 * a urlencoded application form as a browser (or an attacker) posts it.
 * It becomes content, is checked in both modes against a small round,
 * and is laid out read-write and read-only. Every message must be valid
 * UTF-8 and every layout must name each field once.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/appview.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const cats[] = { "IMPACT", "CULTURE", NULL };
static const char *const ctrs[] = { "AT", "BE", "XK", NULL };
static const struct appform_round rnd = { cats, ctrs };

static void
check_errors(const json_t *errors)
{
	const json_t	*e;
	const char	*m;
	size_t		 i;

	json_array_foreach(errors, i, e) {
		m = appview_value(e, "message");
		if (*m == '\0' || !form_utf8_valid(m, strlen(m)))
			abort();
	}
}

static void
check_layout(const json_t *content, const json_t *errors,
    const struct appview_lists *lists, int editable)
{
	json_t		*sections;
	const json_t	*s, *f;
	size_t		 i, j, n;
	char		*dump;

	sections = appview_sections(content, errors, lists, editable);
	n = 0;
	json_array_foreach(sections, i, s) {
		json_array_foreach(json_object_get(s, "fields"), j, f) {
			if (appform_find(appview_value(f, "name")) == NULL)
				abort();
			n++;
		}
	}
	/* 28 fields, three of them in the partner rows. */
	if (n != 25)
		abort();
	/* jansson refuses to dump strings that are not UTF-8. */
	if ((dump = json_dumps(sections, 0)) == NULL)
		abort();
	free(dump);
	json_decref(sections);
}

/* The shared options are as they were built: none selected, unshared. */
static void
check_shared(const json_t *options)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(options, i, o) {
		if (!json_is_false(json_object_get(o, "selected")) ||
		    o->refcount != 1)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t		*countries, *categories, *options;
	struct appview_lists	 lists;
	struct form		 f;
	json_t			*content, *errors;
	char			*dump;

	if (countries == NULL) {
		countries = json_loads("[{\"value\":\"AT\",\"label\":"
		    "\"Austria\"},{\"value\":\"BE\",\"label\":\"Belgium\"}]", 0,
		    NULL);
		categories = json_loads("[{\"value\":\"IMPACT\",\"label\":"
		    "\"IMPACT\"}]", 0, NULL);
		options = appview_unselected(countries);
	}
	memset(&lists, 0, sizeof(lists));
	lists.countries = countries;
	lists.categories = categories;

	form_init(&f);
	if (form_parse_urlencoded(&f, NULL, data, size) != 0) {
		form_free(&f);
		return (0);
	}
	content = appview_from_form(&f);
	form_free(&f);

	/* What a version stores must round-trip through JSON text. */
	if ((dump = json_dumps(content, JSON_COMPACT)) == NULL)
		abort();
	free(dump);

	errors = json_array();
	(void)appview_check(content, APPFORM_SAVE, &rnd, errors);
	(void)appview_check(content, APPFORM_SUBMIT, &rnd, errors);
	check_errors(errors);
	check_layout(content, errors, &lists, 1);
	check_layout(content, errors, &lists, 0);
	/* The same with the options a worker shares between pages. */
	lists.country_options = options;
	check_layout(content, errors, &lists, 1);
	check_layout(content, errors, &lists, 0);
	check_shared(options);

	json_decref(errors);
	json_decref(content);

	return (0);
}
