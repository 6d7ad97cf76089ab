/*
 * The arithmetic of reviews (SPEC §4 and §5, RUBRIC.md): a score as a
 * reviewer types it, a review's weighted total, what an application's
 * reviews add up to (means, spreads, gates, the consensus) and the rule
 * that puts an application on the consensus agenda. Pure: the review
 * form, the ranking and the panel pages build on it.
 *
 * A score is kept as an integer number of half points, 0 to 10 (0 to 5
 * points in steps of 0.5), so sums, spreads and gate checks are exact;
 * only totals and means are doubles, and they are rounded in one place
 * each (score_total_tenths(), score_mean_format()).
 *
 * Criteria are given in the rubric's order, and every array of scores
 * below follows that order.
 */
#ifndef LAUREL_CORE_SCORE_H
#define LAUREL_CORE_SCORE_H

#include <stddef.h>

#define SCORE_HALVES_MAX	10	/* 5 points */
#define SCORE_NONE		(-1)	/* no score given; no gate set */
#define SCORE_CRITERIA_MAX	20	/* criteria of a rubric */
#define SCORE_REVIEWS_MAX	1000	/* reviews of one application */

#define SCORE_FORMAT_MAX	4	/* "3.5" */
#define SCORE_TOTAL_FORMAT_MAX	8	/* "100.0" */
#define SCORE_MEAN_FORMAT_MAX	8	/* "3.25" */

/* The agenda rule (SPEC §5): criteria 1.5 apart, totals 20 apart. */
#define SCORE_AGENDA_SPREAD	3	/* halves: two scores this far apart */
#define SCORE_AGENDA_GAP	20.0	/* points: totals further apart */

/*
 * A score as submitted: "0" to "5", or with one decimal of 0 or 5
 * ("3.5", "3.0"), or two decimals ending in 0 ("3.50", "3.00": what a
 * number field or a spreadsheet may send). The decimal separator is '.'
 * only: the review form's number field always sends '.', and a comma
 * would be a second spelling to support for nothing. Nothing else: no
 * sign, no space, no leading zero, no exponent, no ".5", no digit of
 * another script; at most 4 bytes.
 *
 * NULL with the number of halves (0 to 10) in *halves, or the message
 * to show next to the field ("" is refused too: a draft that leaves a
 * score empty stores SCORE_NONE without asking this).
 */
const char	*score_parse(const char *s, int *halves);

/* halves as points, "0" to "5" ("3.5", "4"); "" when out of range. */
void		 score_format(int halves, char *out, size_t len);

/*
 * One criterion of a rubric. The code is borrowed (it must outlive
 * what is computed from the rubric: reasons point at it). Weights are
 * relative: only their ratios count (the default rubric's sum to 100).
 */
struct score_criterion {
	const char	*code;		/* "C1" */
	double		 weight;	/* > 0 */
	int		 gate;		/* minimum in halves, or SCORE_NONE */
};

struct score_rubric {
	const struct score_criterion	*criteria;
	size_t				 n;
};

/*
 * Whether a rubric can be computed with: 1 to SCORE_CRITERIA_MAX
 * criteria, each with a code that is not empty, a finite weight above
 * 0 (at most 1e6) and a gate of SCORE_NONE or 0 to 10 halves. Every
 * function below refuses a rubric that is not.
 */
int		 score_rubric_valid(const struct score_rubric *);

/*
 * One review: a score per criterion (halves, SCORE_NONE when missing).
 * An abstention has no scores that count, whatever the array holds.
 */
struct score_review {
	int	halves[SCORE_CRITERIA_MAX];
	int	abstained;
};

/* Every score SCORE_NONE, not abstained. */
void		 score_review_init(struct score_review *);

/*
 * The weighted total of a review on 0 to 100:
 * Σ wᵢ·sᵢ / Σ wᵢ × 20 over all criteria, sᵢ in points. -1 when the
 * review has no total: a score missing (or out of range), the review
 * abstained, or the rubric not valid. Not rounded (score_total_tenths()).
 */
double		 score_review_total(const struct score_rubric *,
		    const struct score_review *);

/*
 * Whether a review passes every gate: each gated criterion scored at
 * or above its minimum (exactly the minimum passes). 0 when one fails,
 * a gated score is missing, the review abstained or the rubric is not
 * valid. (An application's eligibility is not this: it is the mean or
 * the consensus that must reach the gate; see score_summary.)
 */
int		 score_review_gates(const struct score_rubric *,
		    const struct score_review *);

/*
 * A total's rounding, the one the pages show and the agenda compares:
 * tenths of a point, half up ("62.25" is 623 tenths). A tolerance of
 * 1e-9 takes up binary error, so that a total meant as 45.05 (stored as
 * 45.04999...) still rounds up. -1 for a negative total (none) or NaN.
 */
long long	 score_total_tenths(double total);

/* A total with one decimal ("67.5", "100.0"); "" for none (-1). */
void		 score_total_format(double total, char *out, size_t len);

/*
 * A mean score in points with two decimals, half up, the same
 * tolerance ("3.25", "3.17", "3.00"); "" for none (-1). Two decimals,
 * not one: with fewer than 100 reviews a mean below a gate can never
 * show as the gate itself (2.95 would show as "3.0" with one).
 */
void		 score_mean_format(double points, char *out, size_t len);

/* One criterion across an application's reviews. */
struct score_stat {
	int	count;		/* scores counted */
	long	sum;		/* their sum, in halves */
	int	min, max;	/* halves; SCORE_NONE without a score */
	int	spread;		/* max - min in halves; 0 with under two */
	double	mean;		/* points; -1 without a score */
	double	result;		/* points: the consensus, else the mean; -1 */
	int	gate_met;	/* 1 without a gate, or when result meets it */
};

/*
 * What an application's reviews add up to. Only complete reviews count:
 * an abstention, or a review with a score missing, is left out of every
 * figure (and counted apart), so that the mean of the totals is the
 * total of the means. The caller passes submitted reviews only.
 *
 * With a consensus (SPEC §4: recorded by the chair, a score for every
 * criterion), the result is the consensus: per criterion, its total,
 * and the gates; the reviewers' means and spreads stay beside it.
 * Without one, the result is the means. An application is eligible when
 * every gate is met by its result; a gated criterion with neither a
 * score nor a consensus is not met.
 */
struct score_summary {
	size_t			n;		/* criteria, as the rubric */
	int			reviews;	/* complete ones, counted */
	int			abstained;
	int			incomplete;	/* a score missing: left out */
	struct score_stat	crit[SCORE_CRITERIA_MAX];
	double			total_mean;	/* -1 without a review */
	double			total_min;	/* -1 without a review */
	double			total_max;	/* -1 without a review */
	double			total_spread;	/* 0 with under two */
	int			has_consensus;
	int			consensus[SCORE_CRITERIA_MAX];	/* halves */
	double			result_total;	/* consensus or mean; -1 */
	int			eligible;
};

/*
 * Sums up nreviews reviews, and the consensus when there is one (NULL
 * when not: else rubric->n scores in halves, all of them given). 0, or
 * -1 when the rubric is not valid, a score is out of range (neither
 * SCORE_NONE nor 0 to 10), the consensus misses a score, or there are
 * more than SCORE_REVIEWS_MAX reviews; *out is then all zero.
 */
int		 score_summarise(const struct score_rubric *,
		    const struct score_review *reviews, size_t nreviews,
		    const int *consensus, struct score_summary *out);

/*
 * Why an application needs discussion (SPEC §5): each reason that
 * applies, with the numbers a page words it with.
 *
 * SPREAD: two reviewers SCORE_AGENDA_SPREAD halves (1.5 points) or more
 *	apart on criterion: low and high are the lowest and highest score.
 * TOTALS: the lowest and highest totals more than gap points apart,
 *	compared as shown (rounded to tenths: score_total_tenths()).
 * GATE: on a gated criterion, some reviewers below its minimum and some
 *	at or above it: low and high as for SPREAD, gate the minimum.
 *
 * Reasons come kind by kind in that order, criteria in rubric order.
 * They describe the reviews only: a recorded consensus does not remove
 * them (whether it settles the discussion is the page's to say).
 *
 * With the default gap of 20, TOTALS never comes alone: totals more
 * than 20 apart need a criterion more than 1 point apart, that is
 * 1.5 or more (Σ wᵢ·dᵢ / Σ wᵢ × 20 ≤ 20 when every dᵢ ≤ 1).
 */
enum score_reason_kind {
	SCORE_REASON_SPREAD,
	SCORE_REASON_TOTALS,
	SCORE_REASON_GATE,
};

struct score_reason {
	enum score_reason_kind	 kind;
	size_t			 criterion;	/* SPREAD, GATE: its index */
	const char		*code;		/* SPREAD, GATE: the rubric's */
	int			 low, high;	/* SPREAD, GATE: halves */
	int			 gate;		/* GATE: the minimum, halves */
	double			 total_low;	/* TOTALS */
	double			 total_high;	/* TOTALS */
	double			 gap;		/* TOTALS: the threshold */
};

#define SCORE_REASONS_MAX	(2 * SCORE_CRITERIA_MAX + 1)

struct score_agenda {
	size_t			n;
	struct score_reason	reason[SCORE_REASONS_MAX];
};

/*
 * The reasons of a summary, into *out (none: out->n is 0). gap is the
 * totals threshold in points (SCORE_AGENDA_GAP, SPEC §5's "threshold").
 * 0, or -1 when the rubric is not valid, is not the summary's, or gap
 * is not a number from 0 to 100; out->n is then 0.
 */
int		 score_agenda_make(const struct score_rubric *,
		    const struct score_summary *, double gap,
		    struct score_agenda *out);

/*
 * A reason in English, plain text (escape it for HTML; the code is
 * whatever the admin named the criterion):
 *	"C2: scores 1 and 4 are 3 apart"
 *	"totals 45.0 and 78.5 are more than 20 points apart"
 *	"gate C1 (minimum 3): scores on both sides"
 * Kept apart from the reasons so that the web layer may word them its
 * own way. 0, or -1 when it does not fit in len bytes (out is then "").
 */
int		 score_reason_words(const struct score_reason *, char *out,
		    size_t len);

#endif
