/*
 * Scores between the database and the pages (core/scorejson.h).
 */

#include <string.h>

#include "core/scorejson.h"

int
scorejson_rubric(json_t *list, struct scorejson_rubric *out)
{
	json_t	*k, *gate;
	size_t	 i;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(list) || json_array_size(list) > SCORE_CRITERIA_MAX)
		return (-1);
	json_array_foreach(list, i, k) {
		out->crit[i].code = json_string_value(json_object_get(k,
		    "code"));
		out->crit[i].weight = json_number_value(json_object_get(k,
		    "weight"));
		gate = json_object_get(k, "gate");
		out->crit[i].gate = json_is_integer(gate) ?
		    (int)json_integer_value(gate) : SCORE_NONE;
	}
	out->r.criteria = out->crit;
	out->r.n = json_array_size(list);

	return (score_rubric_valid(&out->r) ? 0 : -1);
}

int
scorejson_halves(json_t *v)
{
	if (!json_is_integer(v))
		return (SCORE_NONE);

	return (scorejson_halves_number(json_integer_value(v)));
}

int
scorejson_halves_number(long long h)
{
	return (h >= 0 && h <= SCORE_HALVES_MAX ? (int)h : SCORE_NONE);
}

size_t
scorejson_numbers(const char *s, long long *out, size_t max)
{
	long long	v;
	size_t		n;
	int		ok;

	if (s == NULL || *s == '\0')
		return (0);
	for (n = 0;; n++) {
		v = 0;
		ok = *s != ',' && *s != '\0';
		for (; *s != ',' && *s != '\0'; s++) {
			/* Checked before it grows: it cannot overflow. */
			if (*s < '0' || *s > '9' ||
			    v > SCOREJSON_NUMBER_MAX / 10)
				ok = 0;
			else
				v = v * 10 + (*s - '0');
		}
		if (n < max)
			out[n] = ok && v <= SCOREJSON_NUMBER_MAX ? v :
			    SCORE_NONE;
		if (*s++ == '\0')
			return (n + 1);
	}
}

int *
scorejson_consensus(const struct scorejson_rubric *cr, json_t *scores,
    int *out)
{
	size_t	i;

	if (!json_is_object(scores))
		return (NULL);
	for (i = 0; i < cr->r.n; i++) {
		if ((out[i] = scorejson_halves(json_object_get(scores,
		    cr->crit[i].code))) == SCORE_NONE)
			return (NULL);
	}

	return (out);
}

void
scorejson_set_score(json_t *obj, const char *key, int halves)
{
	char	s[SCORE_FORMAT_MAX];

	score_format(halves, s, sizeof(s));
	json_object_set_new(obj, key, s[0] != '\0' ? json_string(s) :
	    json_null());
}

void
scorejson_set_total(json_t *obj, const char *key, double total)
{
	char	s[SCORE_TOTAL_FORMAT_MAX];

	score_total_format(total, s, sizeof(s));
	json_object_set_new(obj, key, s[0] != '\0' ? json_string(s) :
	    json_null());
}

json_t *
scorejson_reasons(const struct score_rubric *r, const struct score_summary *s)
{
	return (scorejson_reasons_shared(r, s, NULL));
}

/* Where words keeps this reason's sentence; NULL for one it does not. */
static json_t **
words_slot(struct scorejson_words *words, const struct score_reason *rs)
{
	if (words == NULL || rs->criterion >= SCORE_CRITERIA_MAX)
		return (NULL);

	switch (rs->kind) {
	case SCORE_REASON_SPREAD:
		if (rs->low < 0 || rs->low > SCORE_HALVES_MAX ||
		    rs->high < 0 || rs->high > SCORE_HALVES_MAX)
			return (NULL);
		return (&words->spread[rs->criterion][rs->low][rs->high]);
	case SCORE_REASON_GATE:
		if (rs->gate < 0 || rs->gate > SCORE_HALVES_MAX)
			return (NULL);
		return (&words->gate[rs->criterion][rs->gate]);
	default:
		return (NULL);
	}
}

json_t *
scorejson_reasons_shared(const struct score_rubric *r,
    const struct score_summary *s, struct scorejson_words *words)
{
	struct score_agenda	 ag;
	json_t			*list, **slot, *said;
	size_t			 i;
	char			 w[SCOREJSON_WORDS_MAX];

	list = json_array();
	if (score_agenda_make(r, s, SCORE_AGENDA_GAP, &ag) == -1)
		return (list);
	for (i = 0; i < ag.n; i++) {
		slot = words_slot(words, &ag.reason[i]);
		if (slot == NULL || (said = *slot) == NULL) {
			if (score_reason_words(&ag.reason[i], w, sizeof(w)) != 0)
				continue;
			said = json_string(w);
			if (slot != NULL)
				*slot = said;
		}
		/* The list's own reference; words keeps the first one. */
		json_array_append_new(list, slot != NULL ? json_incref(said) :
		    said);
	}

	return (list);
}

void
scorejson_words_free(struct scorejson_words *words)
{
	size_t	c, a, b;

	for (c = 0; c < SCORE_CRITERIA_MAX; c++) {
		for (a = 0; a <= SCORE_HALVES_MAX; a++) {
			json_decref(words->gate[c][a]);
			for (b = 0; b <= SCORE_HALVES_MAX; b++)
				json_decref(words->spread[c][a][b]);
		}
	}
	memset(words, 0, sizeof(*words));
}
