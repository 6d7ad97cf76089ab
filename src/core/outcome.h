/*
 * What a SQL function that changes something answered: an outcome code
 * and its data. The database names the outcome ("closed", "saved", ...);
 * this is the one table that turns those names into an enum, so C never
 * compares the answer of a function as a string.
 */
#ifndef LAUREL_CORE_OUTCOME_H
#define LAUREL_CORE_OUTCOME_H

#define OUTCOME_DETAIL_MAX	512

enum outcome_code {
	OUTCOME_UNKNOWN,	/* an answer this table does not know */
	OUTCOME_OK,
	OUTCOME_NOT_FOUND,	/* not there, or not the caller's */
	OUTCOME_CLOSED,		/* the deadline has passed */
	OUTCOME_WITHDRAWN,
	OUTCOME_CONFLICT,	/* number: the latest version */
	OUTCOME_SAVED,		/* number: the new version */
	OUTCOME_SUBMITTED,	/* number: the new version */
	OUTCOME_SAME,		/* nothing changed; number: the version */
	OUTCOME_THROTTLED,	/* number: seconds until it may be tried */
	OUTCOME_TOO_MANY,	/* number: the limit that was reached */
	OUTCOME_TOO_LARGE,	/* number: the limit that was reached */
	OUTCOME_INVALID,	/* detail: the field; number unused */
	OUTCOME_CREATED,	/* number: the new thing's id */
	OUTCOME_EXISTS,		/* it was there already */
	OUTCOME_REPLAY,		/* a one-time code used a second time */
	OUTCOME_BAD,		/* a code or token that is not right */
	OUTCOME_ADMIN,		/* refused: the caller is an administrator */
	OUTCOME_REFUSED,	/* detail: why, a word the page turns into
				   its sentence ("cap", "started", ...) */
};

#define OUTCOME_LAST	OUTCOME_REFUSED

/*
 * number: a version, an id, a limit; detail: which field or reason, for
 * the page to say in its words; data: what the sentence needs besides
 * (the country codes a round cannot take, say).
 */
struct outcome {
	enum outcome_code	 code;
	long long		 number;
	char			 detail[OUTCOME_DETAIL_MAX];
	char			 data[OUTCOME_DETAIL_MAX];
};

/* From the columns outcome, number and detail (NULL: SQL NULL). */
void		outcome_parse(struct outcome *, const char *code,
		    const char *number, const char *detail);

/* The data column, when the function has one. */
void		outcome_data(struct outcome *, const char *data);

/* The name of a code, as the database writes it. */
const char	*outcome_name(enum outcome_code);

#endif
