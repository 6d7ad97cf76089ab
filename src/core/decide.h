/*
 * The panel's decisions (SPEC §5, issue 13): the four a round may give,
 * their words, and what a citation must be. Pure: the decisions form,
 * the preview, the decision e-mails and the applicant's page share it.
 */
#ifndef LAUREL_CORE_DECIDE_H
#define LAUREL_CORE_DECIDE_H

#include <stddef.h>

#include <jansson.h>

#define DECIDE_CITATION_WORDS	150
#define DECIDE_CITATION_MAX	4000	/* bytes: 150 long words */
#define DECIDE_MESSAGE_MAX	160

/* "Winner" for winner, ...; NULL for what is no decision. */
const char	*decide_words(const char *code);

/* 1 for a recognised practice (any decision but not_selected). */
int		 decide_recognised(const char *code);

/*
 * Checks what the form sent for one application: decision "" (undecided)
 * or one of the four, and the citation (trimmed by the caller) that a
 * recognised practice needs, of 1 to DECIDE_CITATION_WORDS words; a
 * practice not selected gets none (what was typed is dropped). 0, or -1
 * with a message for the field named in *field ("decision", "citation").
 */
int		 decide_check(const char *decision, const char *citation,
		    const char **field, char *message, size_t len);

/*
 * The applicant's result as the page and the e-mail show it: adds
 * decision_words, is_recognised and has_feedback to a result object
 * ({decision, citation, feedback: [{label, text}]}).
 */
void		 decide_shape(json_t *result);

#endif
