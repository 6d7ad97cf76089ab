/*
 * Scores between the database and the pages: a round's rubric and half
 * points as the SQL functions hand them over (JSON, and the ranking's
 * reviews as a list of numbers), turned into
 * core/score.c's structures, and its figures and reasons turned back
 * into what the templates show. Shared by the consensus pages and the
 * ranking, so that both read and show a score the same way. Pure.
 */
#ifndef LAUREL_CORE_SCOREJSON_H
#define LAUREL_CORE_SCOREJSON_H

#include <jansson.h>

#include "core/score.h"

/* A reason, a gate or a tie in words. */
#define SCOREJSON_WORDS_MAX	192

/* A rubric with room for its criteria; codes are borrowed from JSON. */
struct scorejson_rubric {
	struct score_criterion	crit[SCORE_CRITERIA_MAX];
	struct score_rubric	r;
};

/*
 * consensus_rubric()'s list ([{code, weight, gate (halves or null)}])
 * into *out, which borrows from list; -1 when core/score.c cannot
 * compute with it (no criterion, more than it takes, a weight that is
 * no number).
 */
int	 scorejson_rubric(json_t *list, struct scorejson_rubric *out);

/* A half-point score (an integer 0 to 10), else SCORE_NONE. */
int	 scorejson_halves(json_t *);

/* The largest number scorejson_numbers() reads: any user id. */
#define SCOREJSON_NUMBER_MAX	999999999999999LL

/*
 * A list of numbers as sql/85_ranking.sql sends a round's reviews, "7,3,,8":
 * comma-separated, empty where there is none. Each goes into out (at most
 * max of them) as a number from 0 to SCOREJSON_NUMBER_MAX, or SCORE_NONE
 * where the field is empty or anything else. Returns how many fields the
 * list has, more than max as it may be; "" and NULL have none. The page
 * reads 48,000 numbers so (SPEC §8), where JSON would allocate each.
 */
size_t	 scorejson_numbers(const char *s, long long *out, size_t max);

/* A number read so as half points: 0 to 10, else SCORE_NONE. */
int	 scorejson_halves_number(long long);

/*
 * A recorded consensus ({code: halves}) in rubric order into out; NULL
 * when there is none or it misses a criterion (the rubric changed after
 * it), else out.
 */
int	*scorejson_consensus(const struct scorejson_rubric *, json_t *scores,
	    int *out);

/* obj.key = the score ("3.5"), or null for none. */
void	 scorejson_set_score(json_t *obj, const char *key, int halves);

/* obj.key = the total with one decimal ("67.5"), or null for none (< 0). */
void	 scorejson_set_total(json_t *obj, const char *key, double total);

/*
 * Why the consensus agenda would list an application (score_agenda_make()
 * at SCORE_AGENDA_GAP), in words: a list of strings, empty when none.
 */
json_t	*scorejson_reasons(const struct score_rubric *,
	    const struct score_summary *);

/*
 * The sentences of reasons a page says many times, made once: the
 * ranking of SPEC §8's round says 17,000 spreads and gates in about 120
 * distinct sentences (issue 16). Zero it before use; each sentence is
 * kept by its criterion and half points, for one rubric.
 */
struct scorejson_words {
	json_t	*spread[SCORE_CRITERIA_MAX][SCORE_HALVES_MAX + 1]
		    [SCORE_HALVES_MAX + 1];
	json_t	*gate[SCORE_CRITERIA_MAX][SCORE_HALVES_MAX + 1];
};

/* scorejson_reasons(), its sentences shared through words. */
json_t	*scorejson_reasons_shared(const struct score_rubric *,
	    const struct score_summary *, struct scorejson_words *words);

/* Drops what words holds, and zeroes it. */
void	 scorejson_words_free(struct scorejson_words *);

#endif
