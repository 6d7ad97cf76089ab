/*
 * Per-request state: everything a handler keeps between the steps of its
 * state machine lives here, bound to the request and freed with it.
 */
#ifndef LAUREL_WEB_CTX_H
#define LAUREL_WEB_CTX_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <jansson.h>

struct ctx {
	/* db.c */
	struct kore_pgsql	 sql;
	int			 db_state;
	PGresult		*res;

	/* Data for the page template; owned here. */
	json_t			*data;

	/* The handler's own state, released with arg_free. */
	void			*arg;
	void			(*arg_free)(void *);
};

/* The request's context, created on first use. Never NULL. */
struct ctx	*ctx_get(struct http_request *);

#endif
