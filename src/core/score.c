/*
 * The arithmetic of reviews: scores in half points, totals, what an
 * application's reviews add up to, and the consensus agenda
 * (core/score.h).
 */

#include <stdio.h>
#include <string.h>

#include "core/score.h"

static const char	score_message[] =
    "Scores go from 0 to 5 in steps of 0.5.";

/*
 * Added before rounding down: binary error in a total or a mean is far
 * below it (totals are at most 100), and it is far below the half a
 * tenth that rounding decides on.
 */
#define ROUND_TOLERANCE	1e-9

/* Beyond this, a number is no total, mean or weight: a cast stays defined. */
#define NUMBER_MAX	1e6

const char *
score_parse(const char *s, int *halves)
{
	size_t	len;

	if (s == NULL || (len = strnlen(s, 5)) == 0 || len > 4)
		return (score_message);
	if (s[0] < '0' || s[0] > '5')
		return (score_message);
	if (len == 1) {
		*halves = (s[0] - '0') * 2;
		return (NULL);
	}

	/* "D.0", "D.5", "D.00", "D.50"; 5 is the top of the scale. */
	if (len == 2 || s[1] != '.' || (s[2] != '0' && s[2] != '5') ||
	    (len == 4 && s[3] != '0') || (s[0] == '5' && s[2] == '5'))
		return (score_message);
	*halves = (s[0] - '0') * 2 + (s[2] == '5');

	return (NULL);
}

void
score_format(int halves, char *out, size_t len)
{
	if (len == 0)
		return;
	if (halves < 0 || halves > SCORE_HALVES_MAX) {
		out[0] = '\0';
		return;
	}
	(void)snprintf(out, len, halves % 2 ? "%d.5" : "%d", halves / 2);
}

int
score_rubric_valid(const struct score_rubric *r)
{
	const struct score_criterion	*c;
	size_t				 i;

	if (r == NULL || r->criteria == NULL || r->n == 0 ||
	    r->n > SCORE_CRITERIA_MAX)
		return (0);
	for (i = 0; i < r->n; i++) {
		c = &r->criteria[i];
		if (c->code == NULL || c->code[0] == '\0')
			return (0);
		/* Written so that NaN fails too. */
		if (!(c->weight > 0 && c->weight <= NUMBER_MAX))
			return (0);
		if (c->gate != SCORE_NONE &&
		    (c->gate < 0 || c->gate > SCORE_HALVES_MAX))
			return (0);
	}

	return (1);
}

void
score_review_init(struct score_review *rv)
{
	size_t	i;

	for (i = 0; i < SCORE_CRITERIA_MAX; i++)
		rv->halves[i] = SCORE_NONE;
	rv->abstained = 0;
}

static int
halves_valid(int h)
{
	return (h >= 0 && h <= SCORE_HALVES_MAX);
}

/*
 * The total of a full set of scores (a valid rubric), or -1 when one is
 * missing or out of range. Σ w·h × 10 / Σ w is Σ w·s / Σ w × 20 with s
 * in points; multiplying before dividing keeps the default rubric's
 * totals the nearest doubles to their one decimal.
 */
static double
total_of(const struct score_rubric *r, const int *h)
{
	double	sum, wsum, total;
	size_t	i;

	sum = wsum = 0;
	for (i = 0; i < r->n; i++) {
		if (!halves_valid(h[i]))
			return (-1);
		sum += r->criteria[i].weight * h[i];
		wsum += r->criteria[i].weight;
	}
	total = sum * 10 / wsum;

	/* Σ w·10 and 10·Σ w may round apart: never above the scale. */
	return (total > 100 ? 100 : total);
}

double
score_review_total(const struct score_rubric *r, const struct score_review *rv)
{
	if (!score_rubric_valid(r) || rv == NULL || rv->abstained)
		return (-1);

	return (total_of(r, rv->halves));
}

int
score_review_gates(const struct score_rubric *r, const struct score_review *rv)
{
	size_t	i;
	int	gate, h;

	if (!score_rubric_valid(r) || rv == NULL || rv->abstained)
		return (0);
	for (i = 0; i < r->n; i++) {
		gate = r->criteria[i].gate;
		h = rv->halves[i];
		/* A missing score (SCORE_NONE) is below any gate. */
		if (gate != SCORE_NONE && (!halves_valid(h) || h < gate))
			return (0);
	}

	return (1);
}

long long
score_total_tenths(double total)
{
	if (!(total >= 0 && total <= NUMBER_MAX))
		return (-1);

	/* Non-negative: the cast rounds down. */
	return ((long long)(total * 10 + 0.5 + ROUND_TOLERANCE));
}

void
score_total_format(double total, char *out, size_t len)
{
	long long	t;

	if (len == 0)
		return;
	if ((t = score_total_tenths(total)) == -1) {
		out[0] = '\0';
		return;
	}
	(void)snprintf(out, len, "%lld.%lld", t / 10, t % 10);
}

void
score_mean_format(double points, char *out, size_t len)
{
	long long	h;

	if (len == 0)
		return;
	if (!(points >= 0 && points <= NUMBER_MAX)) {
		out[0] = '\0';
		return;
	}
	h = (long long)(points * 100 + 0.5 + ROUND_TOLERANCE);
	(void)snprintf(out, len, "%lld.%02lld", h / 100, h % 100);
}

/* 1 when every score is given, 0 when one is missing, -1 out of range. */
static int
review_complete(const struct score_rubric *r, const struct score_review *rv)
{
	size_t	i;
	int	complete;

	complete = 1;
	for (i = 0; i < r->n; i++) {
		if (rv->halves[i] == SCORE_NONE)
			complete = 0;
		else if (!halves_valid(rv->halves[i]))
			return (-1);
	}

	return (complete);
}

static void
summary_add(struct score_summary *s, const int *h, double total)
{
	struct score_stat	*st;
	size_t			 i;

	for (i = 0; i < s->n; i++) {
		st = &s->crit[i];
		if (st->count == 0 || h[i] < st->min)
			st->min = h[i];
		if (st->count == 0 || h[i] > st->max)
			st->max = h[i];
		st->sum += h[i];
		st->count++;
	}
	if (s->reviews == 0 || total < s->total_min)
		s->total_min = total;
	if (s->reviews == 0 || total > s->total_max)
		s->total_max = total;
	s->total_mean += total;		/* a sum until summary_finish() */
	s->reviews++;
}

/* Whether criterion i of the summary meets its gate (if any). */
static int
gate_met(const struct score_rubric *r, const struct score_summary *s,
    size_t i)
{
	const struct score_stat	*st = &s->crit[i];
	int			 gate = r->criteria[i].gate;

	if (gate == SCORE_NONE)
		return (1);
	if (s->has_consensus)
		return (s->consensus[i] >= gate);

	/* The mean against the gate, in integers: mean ≥ gate exactly. */
	return (st->count > 0 && st->sum >= (long)gate * st->count);
}

static void
summary_finish(const struct score_rubric *r, struct score_summary *s)
{
	struct score_stat	*st;
	size_t			 i;

	s->eligible = 1;
	for (i = 0; i < s->n; i++) {
		st = &s->crit[i];
		if (st->count > 0) {
			st->mean = st->sum / (2.0 * st->count);
			st->spread = st->max - st->min;
		} else {
			st->mean = -1;
			st->min = st->max = SCORE_NONE;
		}
		st->result = s->has_consensus ? s->consensus[i] / 2.0 :
		    st->mean;
		st->gate_met = gate_met(r, s, i);
		if (!st->gate_met)
			s->eligible = 0;
	}

	if (s->reviews > 0) {
		s->total_mean /= s->reviews;
		s->total_spread = s->total_max - s->total_min;
	} else
		s->total_mean = s->total_min = s->total_max = -1;
	s->result_total = s->has_consensus ? total_of(r, s->consensus) :
	    s->total_mean;
}

int
score_summarise(const struct score_rubric *r,
    const struct score_review *reviews, size_t nreviews,
    const int *consensus, struct score_summary *out)
{
	size_t	i;

	memset(out, 0, sizeof(*out));
	if (!score_rubric_valid(r) || nreviews > SCORE_REVIEWS_MAX ||
	    (nreviews > 0 && reviews == NULL))
		return (-1);
	out->n = r->n;
	for (i = 0; i < SCORE_CRITERIA_MAX; i++)
		out->consensus[i] = SCORE_NONE;

	for (i = 0; i < nreviews; i++) {
		if (reviews[i].abstained) {
			out->abstained++;
			continue;
		}
		switch (review_complete(r, &reviews[i])) {
		case -1:
			goto fail;
		case 0:
			out->incomplete++;
			continue;
		}
		summary_add(out, reviews[i].halves,
		    total_of(r, reviews[i].halves));
	}

	if (consensus != NULL) {
		for (i = 0; i < r->n; i++) {
			if (!halves_valid(consensus[i]))
				goto fail;
			out->consensus[i] = consensus[i];
		}
		out->has_consensus = 1;
	}
	summary_finish(r, out);

	return (0);

fail:
	memset(out, 0, sizeof(*out));
	return (-1);
}

static struct score_reason *
agenda_add(struct score_agenda *a, enum score_reason_kind kind)
{
	struct score_reason	*rs;

	/* Never full: a spread and a gate per criterion, and the totals. */
	rs = &a->reason[a->n++];
	memset(rs, 0, sizeof(*rs));
	rs->kind = kind;

	return (rs);
}

static void
agenda_criterion(struct score_agenda *a, enum score_reason_kind kind,
    const struct score_rubric *r, const struct score_summary *s, size_t i)
{
	struct score_reason	*rs;

	rs = agenda_add(a, kind);
	rs->criterion = i;
	rs->code = r->criteria[i].code;
	rs->low = s->crit[i].min;
	rs->high = s->crit[i].max;
	rs->gate = kind == SCORE_REASON_GATE ? r->criteria[i].gate : SCORE_NONE;
}

int
score_agenda_make(const struct score_rubric *r, const struct score_summary *s,
    double gap, struct score_agenda *out)
{
	const struct score_stat	*st;
	struct score_reason	*rs;
	size_t			 i;
	int			 gate;

	out->n = 0;
	if (!score_rubric_valid(r) || s == NULL || s->n != r->n ||
	    !(gap >= 0 && gap <= 100))
		return (-1);

	for (i = 0; i < r->n; i++) {
		if (s->crit[i].count >= 2 &&
		    s->crit[i].spread >= SCORE_AGENDA_SPREAD)
			agenda_criterion(out, SCORE_REASON_SPREAD, r, s, i);
	}

	/*
	 * Compared as shown, so that the words never contradict the rule:
	 * totals shown as 45.0 and 65.0 are not more than 20 apart.
	 */
	if (s->reviews >= 2 && score_total_tenths(s->total_max) -
	    score_total_tenths(s->total_min) > score_total_tenths(gap)) {
		rs = agenda_add(out, SCORE_REASON_TOTALS);
		rs->low = rs->high = rs->gate = SCORE_NONE;
		rs->total_low = s->total_min;
		rs->total_high = s->total_max;
		rs->gap = gap;
	}

	for (i = 0; i < r->n; i++) {
		st = &s->crit[i];
		gate = r->criteria[i].gate;
		if (gate != SCORE_NONE && st->count >= 2 && st->min < gate &&
		    st->max >= gate)
			agenda_criterion(out, SCORE_REASON_GATE, r, s, i);
	}

	return (0);
}

/* The threshold as people write it: "20", "12.5". */
static void
gap_format(double gap, char *out, size_t len)
{
	long long	t;

	if ((t = score_total_tenths(gap)) == -1)
		out[0] = '\0';
	else if (t % 10 == 0)
		(void)snprintf(out, len, "%lld", t / 10);
	else
		(void)snprintf(out, len, "%lld.%lld", t / 10, t % 10);
}

int
score_reason_words(const struct score_reason *rs, char *out, size_t len)
{
	/* Room for any long long: the compiler cannot know totals are small. */
	char	a[24], b[24], c[24];
	int	n;

	if (len == 0)
		return (-1);
	out[0] = '\0';

	switch (rs->kind) {
	case SCORE_REASON_SPREAD:
		if (rs->code == NULL)
			return (-1);
		score_format(rs->low, a, sizeof(a));
		score_format(rs->high, b, sizeof(b));
		score_format(rs->high - rs->low, c, sizeof(c));
		n = snprintf(out, len, "%s: scores %s and %s are %s apart",
		    rs->code, a, b, c);
		break;
	case SCORE_REASON_TOTALS:
		score_total_format(rs->total_low, a, sizeof(a));
		score_total_format(rs->total_high, b, sizeof(b));
		gap_format(rs->gap, c, sizeof(c));
		n = snprintf(out, len,
		    "totals %s and %s are more than %s points apart", a, b, c);
		break;
	case SCORE_REASON_GATE:
		if (rs->code == NULL)
			return (-1);
		score_format(rs->gate, a, sizeof(a));
		n = snprintf(out, len,
		    "gate %s (minimum %s): scores on both sides", rs->code, a);
		break;
	default:
		return (-1);
	}

	if (n < 0 || (size_t)n >= len) {
		out[0] = '\0';
		return (-1);
	}

	return (0);
}
