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

#include "core/form.h"
#include "core/stmtset.h"
#include "web/db.h"

#define CTX_TOKEN_LEN	44	/* 43 base64url characters and a NUL */
#define CTX_HASH_LEN	65	/* hex SHA-256 and a NUL */

/* The signed-in user, filled by session_parse(). */
struct user {
	long long	 id;
	char		 email[256];
	char		 name[256];
	int		 is_admin;
	int		 has_totp;
	int		 mfa_ok;	/* passed the second factor, if any */
	char		 csrf[CTX_TOKEN_LEN];
	char		 session_hash[CTX_HASH_LEN];
};

/* A request body past this size: its memory is given back (ctx.c). */
#define CTX_TRIM_BODY	(1024 * 1024)
/* So is a page's loaded data past this size, and what was built of it. */
#define CTX_TRIM_LOADED	(256 * 1024)

struct work;
struct upload_job;
struct handler;
struct rights;
struct db_keep;

struct ctx {
	/* db.c */
	struct kore_pgsql	 sql;
	int			 db_state;
	PGresult		*res;
	struct db_params	 pending;	/* db_start(): kept for a resend */
	struct db_keep		*kept;
	struct http_request	*db_req;	/* while queued for a connection */
	const char		*db_pool;	/* the query's pool (db.c) */
	size_t			 db_sent;	/* and its bytes sent */
	int			 db_step;	/* prepare, or execute */
	int			 db_resent;	/* sent again, unprepared */
	char			 db_stmt[STMTSET_NAME_LEN];
	LIST_ENTRY(ctx)		 db_queued;

	/* handler.c: where the driver stands, and the page's own row. */
	const struct handler	*handler;
	int			 phase;
	size_t			 step;
	int			 wait;
	PGresult		*loaded;
	struct rights		*rights;

	/* body.c: the parsed request body, once. */
	struct form		 form;
	int			 form_parsed;
	struct form		 query;
	int			 query_parsed;

	/* session.c: NULL when nobody is signed in. */
	struct user		*user;

	/* work.c: CPU-heavy work on a task thread. */
	struct work		*work;

	/* body.c: a document upload being parsed on a task thread. */
	struct upload_job	*upload;

	/* Data for the page template; owned here. */
	json_t			*data;

	/* The handler's own state, released with arg_free. */
	void			*arg;
	void			(*arg_free)(void *);
};

/* The request's context, created on first use. Never NULL. */
struct ctx	*ctx_get(struct http_request *);

#endif
