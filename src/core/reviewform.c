/*
 * The review form's checks (core/reviewform.h). A draft may lack
 * anything but may not hold what cannot be stored (a score that is not
 * one); a complete review lacks nothing.
 */

#include <stdio.h>
#include <string.h>

#include "core/reviewform.h"
#include "core/score.h"
#include "core/valid.h"

static const char *const recommendations[] = {
	"award", "finalist", "not_recommended", NULL
};

static const char *
field_value(const struct form *f, const char *name)
{
	const char	*v;

	return ((v = form_get(f, name)) != NULL ? v : "");
}

static void
error_add(json_t *errors, const char *field, const char *message)
{
	(void)json_array_append_new(errors, json_pack("{s:s, s:s}",
	    "field", field, "message", message));
}

/* A text field: kept; an error when over max characters. */
static const char *
text_read(json_t *out, const struct form *f, const char *name, size_t max,
    const char *what)
{
	static char	 msg[128];
	const char	*v;

	v = field_value(f, name);
	(void)json_object_set_new(json_object_get(out, "values"), name,
	    json_string(v));
	if (valid_chars(v) > max) {
		(void)snprintf(msg, sizeof(msg), "%s has at most %zu "
		    "characters.", what, max);
		error_add(json_object_get(out, "errors"), name, msg);
	}
	return (v);
}

static void
criterion_read(json_t *out, const struct form *f, const char *code,
    const char *label, int complete)
{
	char		 field[64], msg[256];
	const char	*v, *err;
	int		 halves;

	(void)snprintf(field, sizeof(field), "score_%s", code);
	v = field_value(f, field);
	(void)json_object_set_new(json_object_get(out, "values"), field,
	    json_string(v));
	if (v[0] == '\0') {
		(void)json_object_set_new(json_object_get(out, "scores"), code,
		    json_null());
		if (complete) {
			(void)snprintf(msg, sizeof(msg), "Give a score for "
			    "%s: %s.", code, label);
			error_add(json_object_get(out, "errors"), field, msg);
		}
	} else if ((err = score_parse(v, &halves)) != NULL) {
		(void)snprintf(msg, sizeof(msg), "%s: %s", code, err);
		error_add(json_object_get(out, "errors"), field, msg);
	} else {
		(void)json_object_set_new(json_object_get(out, "scores"), code,
		    json_integer(halves));
	}

	(void)snprintf(field, sizeof(field), "comment_%s", code);
	v = text_read(out, f, field, REVIEWFORM_COMMENT_MAX, "A comment");
	if (v[0] != '\0')
		(void)json_object_set_new(json_object_get(out, "comments"),
		    code, json_string(v));
}

static void
recommendation_read(json_t *out, const struct form *f, int complete)
{
	const char	*v;
	size_t		 i;

	v = field_value(f, "recommendation");
	(void)json_object_set_new(json_object_get(out, "values"),
	    "recommendation", json_string(v));
	for (i = 0; recommendations[i] != NULL; i++) {
		if (strcmp(v, recommendations[i]) == 0) {
			(void)json_object_set_new(out, "recommendation",
			    json_string(v));
			return;
		}
	}
	(void)json_object_set_new(out, "recommendation", json_null());
	if (v[0] != '\0')
		error_add(json_object_get(out, "errors"), "recommendation",
		    "Choose award, finalist or not recommended.");
	else if (complete)
		error_add(json_object_get(out, "errors"), "recommendation",
		    "Choose your overall recommendation.");
}

json_t *
reviewform_read(const json_t *rubric, const struct form *f,
    enum reviewform_kind kind, int complete)
{
	json_t		*out, *c;
	const char	*code, *name, *v;
	size_t		 i;

	out = json_pack("{s:{}, s:{}, s:{}, s:[]}", "scores", "comments",
	    "values", "errors");
	if (out == NULL)
		return (NULL);
	if (kind == REVIEWFORM_SUBMIT)
		complete = 1;
	if (kind == REVIEWFORM_ABSTAIN)
		complete = 0;

	json_array_foreach(rubric, i, c) {
		code = json_string_value(json_object_get(c, "code"));
		name = json_string_value(json_object_get(c, "name"));
		if (code != NULL)
			criterion_read(out, f, code, name != NULL ? name : "",
			    complete);
	}
	recommendation_read(out, f, complete);
	(void)json_object_set_new(out, "feedback", json_string(text_read(out,
	    f, "feedback", REVIEWFORM_TEXT_MAX, "The feedback")));
	(void)json_object_set_new(out, "confidential", json_string(text_read(
	    out, f, "confidential", REVIEWFORM_TEXT_MAX,
	    "The confidential comment")));

	v = text_read(out, f, "abstain_reason", REVIEWFORM_REASON_MAX,
	    "A reason");
	(void)json_object_set_new(out, "abstain_reason", v[0] != '\0' ?
	    json_string(v) : json_null());
	if (kind == REVIEWFORM_ABSTAIN && v[0] == '\0')
		error_add(json_object_get(out, "errors"), "abstain_reason",
		    "Say why you abstain: the organisers read it.");

	return (out);
}
