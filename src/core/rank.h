/*
 * The ranking of a round (issue 13, "Ranking"): what each reviewer's
 * totals look like beside the round's (the calibration view), the
 * z-score normalised totals, what each application's reviews add up
 * to, and the order of the applications with the reason of every
 * broken tie. Pure: the ranking page builds the input in SQL from
 * score_review_total() and score_summarise() (core/score.h).
 *
 * Normalisation: a review total t of reviewer r becomes
 *
 *	t' = m + (t - m_r) / s_r × s
 *
 * with m_r, s_r the mean and (population) standard deviation of all of
 * r's totals in the round, and m, s those of every included total of
 * the round. A reviewer with fewer than RANK_NORM_MIN totals, or whose
 * totals are all equal, is not normalised: t' = t, and the reviewer is
 * flagged so that the page can say so. t' is kept on the scale (0 to
 * 100): a total outside it would read as none everywhere else.
 *
 * Ranks are positions, from 1, with no two alike: ties are broken. Two
 * applications tie when their keys show alike, rounded to tenths as the
 * page shows them (score_total_tenths(), its 1e-9 tolerance included):
 * a tie the reader cannot see is still broken by the rubric's order,
 * never by a difference of a hundredth that the page hides. A tie goes
 * to the higher result on each criterion of the round's tie-break order
 * in turn (equal within 1e-9; a missing result below any score), and
 * when still tied to the lower application id.
 *
 * Needs libm (sqrt): LIBS_rank.
 */
#ifndef LAUREL_CORE_RANK_H
#define LAUREL_CORE_RANK_H

#include <stddef.h>

#define RANK_NORM_MIN		3	/* totals a reviewer needs */
#define RANK_REVIEWS_MAX	1000000	/* reviews of a round */
#define RANK_APPS_MAX		1000000	/* applications of a round */

/*
 * One review of the round: its reviewer, its application (an index into
 * rank_input.apps) and its total, score_review_total(): 0 to 100, or
 * below 0 (-1) when it has none (abstained, incomplete), which leaves
 * it out of every figure.
 */
struct rank_review {
	long	reviewer;
	size_t	app;
	double	total;
};

/*
 * One application. crit holds its result per criterion in halves
 * (score_stat.result × 2: the consensus, else the mean; below 0 when
 * it has none), ncrit of them in rubric order; NULL when it has none.
 * Borrowed: it must outlive rank_make().
 */
struct rank_app {
	long		 id;
	double		 consensus;	/* its total, 0 to 100, or -1 */
	const double	*crit;
};

struct rank_input {
	const struct rank_review	*reviews;
	size_t				 nreviews;
	const struct rank_app		*apps;
	size_t				 napps;
	size_t				 ncrit;
	const size_t			*tiebreak;	/* criterion indices */
	size_t				 ntiebreak;
};

struct rank_reviewer {
	long	id;
	int	reviews;	/* included totals */
	double	mean;
	double	sd;		/* population */
	double	leniency;	/* mean - the round's mean */
	int	normalised;	/* 0: totals used as they are */
};

/* The keys an order may follow. */
enum rank_key {
	RANK_RAW,		/* the mean of the totals */
	RANK_NORM,		/* the mean of the normalised totals */
	RANK_RESULT,		/* the consensus, else RANK_NORM */
};
#define RANK_KEYS	3

/*
 * What decided the place of an application below the one above it:
 * NONE when their keys do not tie (or it has no key), CRITERION (the
 * tie-break's criterion, an index into the rubric) or ID.
 */
enum rank_tie {
	RANK_TIE_NONE,
	RANK_TIE_CRITERION,
	RANK_TIE_ID,
};

/* One place of an order, best first. */
struct rank_place {
	size_t		app;		/* index into the applications */
	size_t		rank;		/* from 1; 0 without a key: last, by id */
	double		key;		/* -1 without */
	enum rank_tie	tie;
	size_t		criterion;	/* CRITERION: its index */
};

/* One application, in the input's order. */
struct rank_app_stat {
	int	reviews;	/* included totals */
	double	raw_mean;	/* -1 without a review */
	double	min, max;	/* totals; -1 without a review */
	double	spread;		/* max - min; 0 with under two */
	double	norm_mean;	/* -1 without a review */
	int	has_consensus;
	double	result;		/* consensus, else norm_mean; -1 */
	size_t	rank[RANK_KEYS];	/* as its place; 0 without a key */
};

/* An application that the normalisation moves. */
struct rank_move {
	size_t	app;
	size_t	rank_raw;
	size_t	rank_norm;
};

struct rank_round {
	int			 reviews;	/* included totals */
	double			 mean;		/* -1 without a review */
	double			 sd;		/* population; 0 without */
	size_t			 nreviewers;	/* by id, ascending */
	struct rank_reviewer	*reviewer;
	size_t			 nreviews;	/* as the input */
	double			*adjusted;	/* t' per review; -1: none */
	size_t			 napps;		/* as the input */
	struct rank_app_stat	*app;
	struct rank_place	*order[RANK_KEYS];	/* napps each */
	size_t			 nmoves;	/* in normalised order */
	struct rank_move	*move;
};

/*
 * Computes a round into *out (free it with rank_free()). 0, or -1 when
 * the input is not valid (a total neither below 0 nor a number up to
 * 100, a consensus neither -1 nor 0 to 100, an application index out of
 * range, a tie-break criterion not below ncrit, two applications with
 * one id, too many reviews or applications) or memory ran out; *out is
 * then all zero. An empty round (no review, no application) is valid.
 */
int		 rank_make(const struct rank_input *, struct rank_round *out);

/* Frees what rank_make() allocated; *r is then all zero. */
void		 rank_free(struct rank_round *r);

/*
 * The rule that puts application a above b (indices into in->apps) when
 * their keys tie, as an order words it: RANK_TIE_CRITERION with the
 * criterion's index in *criterion, or RANK_TIE_ID (also when a or b is
 * out of range, or is b). For a page that shows part of an order (one
 * category): two of its neighbours need not be neighbours in the order,
 * and the rule between them is not the place's.
 */
enum rank_tie	 rank_tie_between(const struct rank_input *in, size_t a,
		    size_t b, size_t *criterion);

#endif
