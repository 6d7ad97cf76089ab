/*
 * The ranking of a round (SPEC §5, issue 13), admins only:
 *
 *	GET /admin/rounds/{slug}/ranking[?category=CODE][&order=raw|normalised]
 *	GET /admin/rounds/{slug}/calibration
 *
 * and what the decisions form (POST /admin/rounds/{slug}/decisions, in
 * decisions.c) re-renders the ranking page with: it loads the page's
 * query, runs ranking_show() and then puts its errors and the values
 * submitted on the rows before rendering "admin_ranking".
 *
 * Each row of the page data's "applications" (the rows shown, in the
 * order asked for) carries, beside its figures: id, reference (the
 * template names the fields "decision_{id}" and "citation_{id}"),
 * decision (winner, finalist,
 * honourable_mention, not_selected, or null), citation (null when
 * empty), decision_error and citation_error (null unless set),
 * selected_none, selected_winner, selected_finalist,
 * selected_honourable_mention, selected_not_selected (which option of
 * the form is selected), decision_words (the decision's label, or null)
 * and recognised (a decision other than not_selected: it has a public
 * citation).
 */
#ifndef LAUREL_DECIDE_RANKING_H
#define LAUREL_DECIDE_RANKING_H

#include <kore/kore.h>
#include <kore/http.h>

struct load_params;

/* The page's query: the same for the ranking, calibration and decisions. */
const char	*ranking_load(struct http_request *, struct load_params *);

/*
 * A step: the loaded data into the ranking page's data (STEP_NEXT), or
 * the 404 page (no such round, not an admin) or the 500 page (a rubric
 * that cannot be summed up), STEP_DONE.
 */
int		 ranking_show(struct http_request *);

/*
 * After ranking_show(): message next to the field ("decision" or
 * "citation") of application app_id's row, and in the page's error
 * summary as "{reference}: {message}", linking to the field. Nothing
 * when the page has no such row (it is not shown: another category, or
 * the admin is conflicted with it).
 */
void		 ranking_field_error(struct http_request *, long long app_id,
		    const char *field, const char *message);

/*
 * After ranking_show(): the value submitted for the field, shown in
 * place of the one recorded ("" or NULL: none, undecided).
 */
void		 ranking_field_value(struct http_request *, long long app_id,
		    const char *field, const char *value);

#endif
