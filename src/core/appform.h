/*
 * The application form (SPEC §3): one table describes every field (name,
 * label, help, kind, limit, section), and the checks read the table, so
 * the page, the server and the tests agree on the same limits.
 *
 * Two modes: APPFORM_SAVE (a draft) checks limits and the shape of a
 * value, never that it is present nor anything that depends on the round,
 * so a draft can always be saved; APPFORM_SUBMIT checks everything.
 *
 * Messages are whole sentences for the person filling in the form; they
 * say the limit and the current count.  They hold no raw input except
 * the round's own category and country codes.
 */
#ifndef LAUREL_CORE_APPFORM_H
#define LAUREL_CORE_APPFORM_H

#include <stddef.h>

#define APPFORM_SAVE		0
#define APPFORM_SUBMIT		1

#define APPFORM_PARTNERS_MAX	20
#define APPFORM_MSG_MAX		1024	/* enough for any message */

enum appform_kind {
	APPFORM_TEXT,		/* one line */
	APPFORM_TEXTAREA,	/* several lines */
	APPFORM_CHOICE,		/* one of field->choices */
	APPFORM_CATEGORY,	/* one of the round's category codes */
	APPFORM_COUNTRY,	/* ISO 3166-1 alpha-2, e.g. AT */
	APPFORM_EMAIL,
	APPFORM_CHECKBOX	/* "yes" or empty */
};

enum appform_limit { APPFORM_CHARS, APPFORM_WORDS };

struct appform_choice {
	const char	*value;		/* stored and sent */
	const char	*label;		/* shown to people */
};

struct appform_field {
	const char	*name;		/* form field name (a contract) */
	const char	*label;		/* shown to people */
	const char	*help;		/* one sentence of help */
	enum appform_kind kind;
	enum appform_limit limit_kind;
	int		 limit;		/* 0: none */
	int		 required;	/* to submit */
	int		 repeat;	/* partner rows: appform_partners() */
	const char	*section;	/* heading the field sits under */
	const struct appform_choice *choices;	/* APPFORM_CHOICE only */
};

/* What a round allows: NULL-terminated lists of codes. */
struct appform_round {
	const char *const *categories;	/* e.g. "IMPACT" */
	const char *const *countries;	/* e.g. "AT" */
};

/* In form order; the last entry has a NULL name. */
extern const struct appform_field	appform_fields[];

/* NULL-terminated by value. */
extern const struct appform_choice	appform_org_types[];
extern const struct appform_choice	appform_stages[];

/*
 * Words as a person counts them: runs of characters that are not white
 * space, where white space is ASCII space, \t, \n, \v, \f, \r and the
 * Unicode spaces U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
 * U+202F, U+205F and U+3000.  Text without spaces (e.g. Chinese or
 * Japanese) is one word per run: we do not segment scripts.  Invalid
 * UTF-8 bytes count as characters of a word.
 */
size_t		 appform_words(const char *);

/* The field called name, or NULL. */
const struct appform_field *appform_find(const char *name);

/* The label of a choice's value, or NULL when it is not one of them. */
const char	*appform_choice_label(const struct appform_field *,
		    const char *value);

/*
 * Checks one value of a field that is not repeated.  round may be NULL in
 * APPFORM_SAVE mode.  Returns 0, or -1 with the message in msg.
 */
int		 appform_check(const struct appform_field *, const char *value,
		    int mode, const struct appform_round *, char *msg,
		    size_t msglen);

/*
 * Checks the partner rows: the three lists as sent, in order.  Equal
 * counts are required; a row with all three values empty (or blank) is
 * ignored; at most 20 rows remain; each value has at most 200 characters
 * and the country is a two-letter code.  A partly filled row is refused
 * on submit only (a draft may be half done).  Every problem is listed in
 * msg, each sentence naming the row ("Partner 2: ...").  Partners may
 * come from any country.  Returns 0, or -1.
 */
int		 appform_partners(const char *const *names, size_t nnames,
		    const char *const *countries, size_t ncountries,
		    const char *const *roles, size_t nroles, int mode,
		    char *msg, size_t msglen);

#endif
