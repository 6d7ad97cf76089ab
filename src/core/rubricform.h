/*
 * The fields of the rubric form (admin, SPEC §4): each check returns
 * NULL when the value is acceptable, or the message to show next to the
 * field.
 */
#ifndef LAUREL_CORE_RUBRICFORM_H
#define LAUREL_CORE_RUBRICFORM_H

#include <stddef.h>

#define RUBRICFORM_NAME_MAX	200	/* characters */
#define RUBRICFORM_TEXT_MAX	1000	/* a question, a descriptor */
#define RUBRICFORM_CODES_MAX	20	/* criteria in a tie-break order */
#define RUBRICFORM_CODE_MAX	16	/* bytes of a code, with its NUL */

/* Some text of at most max characters; what names it in the message. */
const char	*rubricform_text(const char *, size_t max, const char *what);

/*
 * A weight: a number above 0 and at most 1000, with at most two
 * decimals ("15", "12.5"); written canonically into out ("12.5").
 */
const char	*rubricform_weight(const char *, char *out, size_t outlen);

/*
 * A gate: "" (none) or a score from 0 to 5 in steps of 0.5; out is ""
 * or the canonical score ("3", "2.5").
 */
const char	*rubricform_gate(const char *, char *out, size_t outlen);

/*
 * A tie-break order: criterion codes separated by spaces, commas or
 * ">", upper-cased, each once, at least one. On success *n codes in
 * codes; whether each exists is the database's to say.
 */
const char	*rubricform_tie_break(const char *,
		    char codes[][RUBRICFORM_CODE_MAX], size_t *n);

#endif
