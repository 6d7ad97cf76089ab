/*
 * Sentences a person reads that more than one page says: each lives
 * here once. A page's own sentences stay beside the page; none lives in
 * SQL (the database answers with outcome codes, core/outcome.h).
 */
#ifndef LAUREL_WEB_MESSAGES_H
#define LAUREL_WEB_MESSAGES_H

#include <stddef.h>

enum msg {
	MSG_APP_UNTITLED,	/* an application without a title yet */
	MSG_APP_CLOSED,		/* saving after the deadline */
	MSG_APP_WITHDRAWN,	/* saving a withdrawn application */
	MSG_APP_CONFLICT,	/* %lld: the latest version */
	MSG_DOC_CLOSED,		/* adding a document after the deadline */
	MSG_DOC_WITHDRAWN,	/* adding one to a withdrawn application */
	MSG_DOC_DELETE_CLOSED,
	MSG_DOC_DELETE_WITHDRAWN,
	MSG_DOC_TOO_MANY,	/* %lld: the round's limit */
	MSG_DOC_TOO_LARGE,	/* %lld: the limit in MiB; ends a sentence */
	MSG_LOGIN_WRONG,	/* a failed sign-in: which part, it does not say */
	MSG_PASSWORD_CURRENT,	/* a change that needs it, none typed */
	MSG_COUNT
};

const char	*messages_get(enum msg);

/* The message with its one number filled in. */
void		 messages_format(char *, size_t, enum msg, long long);

#endif
