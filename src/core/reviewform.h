/*
 * The review form (SPEC §4, issue 12): what a reviewer posts, checked
 * against the round's rubric. Pure: the page hands the parsed body and
 * the rubric, and gets back what to store and what to say.
 *
 * Fields: score_{code} (0-5 in halves, core/score.h), comment_{code},
 * feedback (for the applicant), confidential (for the panel),
 * recommendation (award, finalist, not_recommended), abstain_reason.
 */
#ifndef LAUREL_CORE_REVIEWFORM_H
#define LAUREL_CORE_REVIEWFORM_H

#include <jansson.h>

#include "core/form.h"

#define REVIEWFORM_COMMENT_MAX	5000	/* characters of a criterion's comment */
#define REVIEWFORM_TEXT_MAX	10000	/* feedback, confidential comment */
#define REVIEWFORM_REASON_MAX	1000	/* a reason to abstain */

enum reviewform_kind {
	REVIEWFORM_SAVE,	/* a draft, or an edit of a submitted review */
	REVIEWFORM_SUBMIT,	/* complete: every score, a recommendation */
	REVIEWFORM_ABSTAIN,	/* a reason, nothing else required */
};

/*
 * Reads the form against rubric (an array of {code, name, ...}).
 * complete: the review must be complete (a submit, or an edit of a
 * submitted review). Returns a new object:
 *   { "scores": {code: halves or null}, "comments": {code: text},
 *     "feedback", "confidential", "recommendation" (string or null),
 *     "abstain_reason" (string or null),
 *     "values": {field: what was typed, for the form again},
 *     "errors": [{field, message}] }
 * NULL only when out of memory.
 */
json_t	*reviewform_read(const json_t *rubric, const struct form *,
	    enum reviewform_kind, int complete);

#endif
