/*
 * libFuzzer driver for src/core/score.c. First, any bytes as a submitted
 * score: accepted exactly when they are one of the spellings score.h
 * lists (the oracle writes them out itself, not with score_format()),
 * and then with the number of halves they spell; refused with the
 * message and the number untouched otherwise.
 *
 * Then the same bytes as reviews of the default rubric, 8 bytes each
 * ('A' first: an abstention; then a score per criterion, missing or 0
 * to 10 halves): whatever they are, the figures hold together (each
 * mean between its lowest and highest score, the mean of the totals
 * the total of the means, totals on 0-100) and every agenda reason is
 * what it says and can be worded.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/score.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct score_criterion	criteria[] = {
	{ "C1", 15, 6 }, { "C2", 15, 6 }, { "C3", 15, SCORE_NONE },
	{ "C4", 15, SCORE_NONE }, { "C5", 10, SCORE_NONE },
	{ "C6", 10, SCORE_NONE }, { "C7", 20, SCORE_NONE },
};
static const struct score_rubric	rubric = { criteria, 7 };

#define NCRIT	7

/* The halves s spells, or -1: every accepted spelling, written out. */
static int
spelled(const char *s)
{
	char	w[8];
	int	h;

	for (h = 0; h <= 10; h++) {
		if (h % 2 == 1) {
			(void)snprintf(w, sizeof(w), "%d.5", h / 2);
			if (strcmp(s, w) == 0)
				return (h);
			(void)snprintf(w, sizeof(w), "%d.50", h / 2);
			if (strcmp(s, w) == 0)
				return (h);
			continue;
		}
		(void)snprintf(w, sizeof(w), "%d", h / 2);
		if (strcmp(s, w) == 0)
			return (h);
		(void)snprintf(w, sizeof(w), "%d.0", h / 2);
		if (strcmp(s, w) == 0)
			return (h);
		(void)snprintf(w, sizeof(w), "%d.00", h / 2);
		if (strcmp(s, w) == 0)
			return (h);
	}

	return (-1);
}

static void
check_parse(const uint8_t *data, size_t size)
{
	char		*s, back[SCORE_FORMAT_MAX];
	const char	*msg;
	int		 h, again, want;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';

	h = -99;
	msg = score_parse(s, &h);
	want = spelled(s);
	if (want == -1) {
		if (msg == NULL || h != -99 || strcmp(msg,
		    "Scores go from 0 to 5 in steps of 0.5.") != 0)
			abort();
	} else {
		if (msg != NULL || h != want)
			abort();
		score_format(h, back, sizeof(back));
		if (score_parse(back, &again) != NULL || again != h)
			abort();
	}

	free(s);
}

static int
near(double a, double b)
{
	return (a - b < 1e-9 && b - a < 1e-9);
}

static void
check_summary(const struct score_summary *s)
{
	const struct score_stat	*st;
	double			 sum;
	size_t			 i;

	sum = 0;
	for (i = 0; i < NCRIT; i++) {
		st = &s->crit[i];
		if (st->count != s->reviews)
			abort();
		if (st->count == 0)
			continue;
		if (st->mean * 2 < st->min - 1e-9 ||
		    st->mean * 2 > st->max + 1e-9 ||
		    st->spread != st->max - st->min)
			abort();
		sum += criteria[i].weight * st->mean;
	}
	if (s->reviews == 0)
		return;
	if (!near(sum / 100 * 20, s->total_mean))
		abort();
	if (s->total_min < 0 || s->total_max > 100 ||
	    s->total_mean < s->total_min - 1e-9 ||
	    s->total_mean > s->total_max + 1e-9)
		abort();
}

static void
check_agenda(const struct score_summary *s)
{
	struct score_agenda		 a;
	const struct score_reason	*rs;
	char				 words[128];
	size_t				 i;

	if (score_agenda_make(&rubric, s, SCORE_AGENDA_GAP, &a) != 0 ||
	    a.n > SCORE_REASONS_MAX)
		abort();
	for (i = 0; i < a.n; i++) {
		rs = &a.reason[i];
		if (score_reason_words(rs, words, sizeof(words)) != 0)
			abort();
		switch (rs->kind) {
		case SCORE_REASON_SPREAD:
			if (rs->high - rs->low < SCORE_AGENDA_SPREAD)
				abort();
			break;
		case SCORE_REASON_TOTALS:
			if (rs->total_high - rs->total_low <= 19.9)
				abort();
			break;
		case SCORE_REASON_GATE:
			if (!(rs->low < rs->gate && rs->gate <= rs->high))
				abort();
			break;
		default:
			abort();
		}
	}
}

static void
check_reviews(const uint8_t *data, size_t size)
{
	struct score_review	*rv;
	struct score_summary	 s;
	size_t			 n, i, c;

	if ((n = size / 8) > SCORE_REVIEWS_MAX)
		n = SCORE_REVIEWS_MAX;
	if ((rv = calloc(n + 1, sizeof(*rv))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		score_review_init(&rv[i]);
		rv[i].abstained = data[8 * i] == 'A';
		for (c = 0; c < NCRIT; c++)
			rv[i].halves[c] = data[8 * i + 1 + c] % 12 - 1;
	}

	if (score_summarise(&rubric, rv, n, NULL, &s) != 0 ||
	    s.reviews + s.abstained + s.incomplete != (int)n)
		abort();
	check_summary(&s);
	check_agenda(&s);

	free(rv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	check_reviews(data, size);

	return (0);
}
