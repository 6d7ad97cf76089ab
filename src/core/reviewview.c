/*
 * The review form's page data (core/reviewview.h). Scores are kept in
 * half points; a select offers 0 to 5 in steps of 0.5.
 */

#include <stdio.h>
#include <string.h>

#include "core/reviewview.h"
#include "core/score.h"

static const struct {
	const char	*value;
	const char	*label;
} recommendations[] = {
	{ "award", "Award" },
	{ "finalist", "Finalist" },
	{ "not_recommended", "Not recommended" },
};

#define NRECOMMENDATIONS (sizeof(recommendations) / sizeof(recommendations[0]))

const char *
reviewview_recommendation(const char *v)
{
	size_t	i;

	for (i = 0; v != NULL && i < NRECOMMENDATIONS; i++) {
		if (strcmp(v, recommendations[i].value) == 0)
			return (recommendations[i].label);
	}
	return (NULL);
}

/* A stored score (halves) as the form writes it; "" when none. */
static void
stored_score(const json_t *review, const char *code, char *out, size_t len)
{
	json_t	*h;

	out[0] = '\0';
	h = json_object_get(json_object_get(review, "scores"), code);
	if (json_is_integer(h))
		score_format((int)json_integer_value(h), out, len);
}

static json_t *
score_options(const char *current)
{
	json_t	*opts;
	char	 v[8];
	int	 h;

	opts = json_array();
	(void)json_array_append_new(opts, json_pack("{s:s, s:s, s:b}",
	    "value", "", "label", "Not scored yet", "selected",
	    current[0] == '\0'));
	for (h = 0; h <= 10; h++) {
		score_format(h, v, sizeof(v));
		(void)json_array_append_new(opts, json_pack("{s:s, s:s, s:b}",
		    "value", v, "label", v, "selected", strcmp(v, current) == 0));
	}
	return (opts);
}

static const char *
typed_or(const json_t *typed, const char *field, const char *stored)
{
	const char	*v;

	if (typed != NULL &&
	    (v = json_string_value(json_object_get(typed, field))) != NULL)
		return (v);
	return (stored != NULL ? stored : "");
}

static void
shape_criteria(json_t *data, const json_t *mine, const json_t *typed)
{
	json_t		*c, *crit;
	const char	*code, *comment;
	char		 field[64], cfield[64], stored[8];
	size_t		 i;

	crit = json_array();
	json_array_foreach(json_object_get(data, "rubric"), i, c) {
		if ((code = json_string_value(json_object_get(c, "code"))) ==
		    NULL)
			continue;
		(void)snprintf(field, sizeof(field), "score_%s", code);
		(void)snprintf(cfield, sizeof(cfield), "comment_%s", code);
		stored_score(mine, code, stored, sizeof(stored));
		comment = json_string_value(json_object_get(json_object_get(
		    mine, "comments"), code));
		c = json_deep_copy(c);
		(void)json_object_set_new(c, "field", json_string(field));
		(void)json_object_set_new(c, "comment_field",
		    json_string(cfield));
		(void)json_object_set_new(c, "comment", json_string(
		    typed_or(typed, cfield, comment)));
		(void)json_object_set_new(c, "options", score_options(
		    typed_or(typed, field, stored)));
		(void)json_array_append_new(crit, c);
	}
	(void)json_object_set_new(data, "criteria", crit);
}

static void
shape_form(json_t *data, const json_t *mine, const json_t *typed)
{
	json_t		*recs;
	const char	*state, *rec;
	size_t		 i;

	rec = typed_or(typed, "recommendation", json_string_value(
	    json_object_get(mine, "recommendation")));
	recs = json_array();
	for (i = 0; i < NRECOMMENDATIONS; i++)
		(void)json_array_append_new(recs, json_pack("{s:s, s:s, s:b}",
		    "value", recommendations[i].value, "label",
		    recommendations[i].label, "checked",
		    strcmp(rec, recommendations[i].value) == 0));
	(void)json_object_set_new(data, "recommendations", recs);

	(void)json_object_set_new(data, "feedback", json_string(typed_or(typed,
	    "feedback", json_string_value(json_object_get(mine,
	    "feedback")))));
	(void)json_object_set_new(data, "confidential", json_string(typed_or(
	    typed, "confidential", json_string_value(json_object_get(mine,
	    "confidential")))));
	(void)json_object_set_new(data, "abstain_reason", json_string(
	    typed_or(typed, "abstain_reason", json_string_value(
	    json_object_get(mine, "abstain_reason")))));

	state = json_string_value(json_object_get(mine, "state"));
	if (state == NULL)
		state = "draft";
	(void)json_object_set_new(data, "state_draft",
	    json_boolean(strcmp(state, "draft") == 0));
	(void)json_object_set_new(data, "state_submitted",
	    json_boolean(strcmp(state, "submitted") == 0));
	(void)json_object_set_new(data, "state_abstained",
	    json_boolean(strcmp(state, "abstained") == 0));
	(void)json_object_set_new(data, "version", json_integer(
	    json_integer_value(json_object_get(mine, "version"))));
}

static json_t *
shape_other(const json_t *rubric, const json_t *other)
{
	json_t		*review, *rows, *c, *v;
	const char	*code, *rec;
	char		 score[8];
	size_t		 i;

	review = json_object_get(other, "review");
	rows = json_array();
	json_array_foreach(rubric, i, c) {
		code = json_string_value(json_object_get(c, "code"));
		if (code == NULL)
			continue;
		stored_score(review, code, score, sizeof(score));
		(void)json_array_append_new(rows, json_pack("{s:s, s:O, s:s, "
		    "s:s}", "code", code, "name", json_object_get(c, "name"),
		    "score", score[0] != '\0' ? score : "—", "comment",
		    typed_or(NULL, "", json_string_value(json_object_get(
		    json_object_get(review, "comments"), code)))));
	}
	rec = reviewview_recommendation(json_string_value(json_object_get(
	    review, "recommendation")));
	v = json_pack("{s:O, s:b, s:o}", "label", json_object_get(other,
	    "label"), "abstained", strcmp(json_string_value(json_object_get(
	    review, "state")) != NULL ? json_string_value(json_object_get(
	    review, "state")) : "", "abstained") == 0, "rows", rows);
	(void)json_object_set(v, "abstain_reason", json_object_get(review,
	    "abstain_reason"));
	(void)json_object_set(v, "feedback", json_object_get(review,
	    "feedback"));
	(void)json_object_set(v, "confidential", json_object_get(review,
	    "confidential"));
	if (rec != NULL)
		(void)json_object_set_new(v, "recommendation",
		    json_string(rec));

	return (v);
}

void
reviewview_shape(json_t *data, const json_t *typed)
{
	json_t	*mine, *others, *o, *list;
	size_t	 i;

	mine = json_object_get(data, "mine");
	shape_criteria(data, mine, typed);
	shape_form(data, mine, typed);

	others = json_object_get(data, "others");
	if (!json_is_array(others))
		return;
	list = json_array();
	json_array_foreach(others, i, o)
		(void)json_array_append_new(list, shape_other(json_object_get(
		    data, "rubric"), o));
	(void)json_object_set_new(data, "others_view", list);
	(void)json_object_set_new(data, "others_shown", json_true());
}
