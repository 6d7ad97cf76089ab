/*
 * The review form as its template shows it (pure): from review_view()'s
 * data (rubric, mine, others, open) and, after a refused post, what the
 * reviewer typed (reviewform_read()'s "values"), the page's keys:
 *   criteria: [{code, name, question, weight, gate, level0..5, field,
 *     comment_field, comment, options: [{value, label, selected}]}]
 *   recommendations: [{value, label, checked}]
 *   feedback, confidential, abstain_reason: the texts
 *   state_draft / state_submitted / state_abstained, version
 *   others_view: [{label, abstained, abstain_reason, recommendation,
 *     rows: [{code, name, score, comment}], feedback, confidential}]
 */
#ifndef LAUREL_CORE_REVIEWVIEW_H
#define LAUREL_CORE_REVIEWVIEW_H

#include <jansson.h>

void	reviewview_shape(json_t *data, const json_t *typed);

/* "award" -> "Award"; NULL for a value that is none of the three. */
const char	*reviewview_recommendation(const char *);

#endif
