/*
 * The one place that answers "may this user do this to this resource".
 * Who may enter a page is decided here from the session; what a user
 * may do with an application is decided by one SQL function,
 * application_rights(), whose answer the page's own query brings along
 * and which every SQL function that reads or changes an application asks
 * too (two locks). Each check returns 1 when the handler may go on;
 * otherwise it has already answered: anonymous users go to /login (and
 * come back after), and what a user may not see is the 404 page, so its
 * existence does not leak.
 */
#ifndef LAUREL_WEB_AUTHZ_H
#define LAUREL_WEB_AUTHZ_H

#include <kore/kore.h>
#include <kore/http.h>

#include <stddef.h>

/* Who may enter a page. */
enum enter {
	ENTER_PUBLIC,		/* anyone; the session is not read */
	ENTER_ANYONE,		/* anyone; the session is read */
	ENTER_ANONYMOUS,	/* signed-in people are sent elsewhere */
	ENTER_SECOND_FACTOR,	/* password done, second factor pending */
	ENTER_SIGNED_IN,
	ENTER_ADMIN,
};

/* The resources whose rights the database decides. */
enum resource {
	RESOURCE_NONE,
	RESOURCE_APPLICATION,	/* /applications/{id}[/...] */
	RESOURCE_ASSIGNMENT,	/* /review/{assignment}[/...]: its application's
				   rights, for the reviewer it is assigned to */
};

/* The caller's relation to the resource (SQL: relation). */
enum relation {
	RELATION_NONE,
	RELATION_OWNER,
	RELATION_REVIEWER,	/* on the panel, assigned to it */
	RELATION_CONFLICTED,	/* for them it does not exist */
	RELATION_ADMIN,
};

/* What it allows (SQL: allows[]). */
#define RIGHT_VIEW	0x01	/* see it, its versions */
#define RIGHT_EDIT	0x02	/* change it now (open round, not withdrawn) */
#define RIGHT_FILES	0x04	/* see its documents */
#define RIGHT_WITHDRAW	0x08	/* withdraw it */
#define RIGHT_CONFIRM	0x10	/* answer the conflict check (reviewer) */
#define RIGHT_READ	0x20	/* read it and its documents (reviewer) */
#define RIGHT_DECLARE	0x40	/* declare a conflict with it (reviewer) */
#define RIGHT_CHANGE	0x80	/* send a change: its owner (derived from the
				   relation; SQL may still refuse it) */

struct rights {
	enum relation	 relation;
	unsigned int	 allows;
};

struct load_params;

/*
 * The page's gate for enter; signed_in_to for ENTER_ANONYMOUS pages.
 * Signed-in pages want the second factor done when the account has one;
 * administrators must have TOTP (unless a dev instance says not).
 */
int	authz_enter(struct http_request *, enum enter, const char *);

/*
 * The rights column of the page's query: adds the resource's id from
 * the path to lp and writes "application_rights($N, s.user_id) AS
 * rights" (or assignment_rights) into buf.
 */
void	authz_rights_sql(struct http_request *, enum resource,
	    struct load_params *, char *buf, size_t len);

/* Reads that column's answer (NULL: no rights at all). */
void	authz_rights_read(struct http_request *, const char *);

/* Whether they include every right in needed. */
int	authz_can(struct http_request *, unsigned int needed);

/* The caller's relation to the resource. */
enum relation	authz_relation(struct http_request *);

#endif
