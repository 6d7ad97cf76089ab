#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "core/valid.h"
#include "web/authz.h"
#include "web/ctx.h"
#include "web/handler.h"
#include "web/page.h"
#include "web/session.h"
#include "web/settings.h"

/* To /login, remembering where to come back to (a local path only). */
static int
authz_to_login(struct http_request *req)
{
	char		 loc[HTTP_URI_LEN + 32];
	const char	*p;
	size_t		 o;

	o = (size_t)snprintf(loc, sizeof(loc), "/login?next=");
	for (p = req->path; *p != '\0' && o + 4 < sizeof(loc); p++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789/-_.~", *p) != NULL) {
			loc[o++] = *p;
		} else {
			o += (size_t)snprintf(loc + o, sizeof(loc) - o, "%%%02X",
			    (unsigned char)*p);
		}
	}
	loc[o] = '\0';

	page_redirect(req, loc);
	return (0);
}

static int
authz_signed_in(struct http_request *req)
{
	struct user	*u;

	if ((u = session_partial(req)) != NULL && !u->mfa_ok) {
		page_redirect(req, "/login/totp");
		return (0);
	}
	if (session_user(req) == NULL)
		return (authz_to_login(req));

	return (1);
}

static int
authz_admin(struct http_request *req)
{
	struct user	*u;

	if (!authz_signed_in(req))
		return (0);

	u = session_user(req);
	if (!u->is_admin) {
		page_error(req, 404, NULL);
		return (0);
	}

	if (settings.totp_required && !u->has_totp) {
		page_redirect(req, "/account/totp");
		return (0);
	}

	if (!settings.totp_required && !u->has_totp)
		json_object_set_new(ctx_get(req)->data, "totp_off", json_true());

	return (1);
}

int
authz_enter(struct http_request *req, enum enter enter, const char *away)
{
	switch (enter) {
	case ENTER_PUBLIC:
	case ENTER_ANYONE:
		return (1);
	case ENTER_ANONYMOUS:
		if (session_user(req) == NULL)
			return (1);
		page_redirect(req, away != NULL ? away : "/account");
		return (0);
	case ENTER_SECOND_FACTOR:
		if (session_partial(req) != NULL && !session_partial(req)->mfa_ok)
			return (1);
		page_redirect(req, session_user(req) != NULL ? "/account" :
		    "/login");
		return (0);
	case ENTER_SIGNED_IN:
		return (authz_signed_in(req));
	case ENTER_ADMIN:
		return (authz_admin(req));
	}

	fatal("authz_enter: %d", enter);
	/* NOTREACHED */
	return (0);
}

/*
 * The C mirror of application_rights(): the names it answers with, and
 * the bits they stand for here. A name this table does not know grants
 * nothing.
 */
static const struct {
	const char	*name;
	unsigned int	 bit;
} rights_names[] = {
	{ "view",	RIGHT_VIEW },
	{ "edit",	RIGHT_EDIT },
	{ "files",	RIGHT_FILES },
	{ "withdraw",	RIGHT_WITHDRAW },
	{ "confirm",	RIGHT_CONFIRM },
	{ "read",	RIGHT_READ },
	{ "declare",	RIGHT_DECLARE },
};

static const struct {
	const char	*name;
	enum relation	 relation;
} relation_names[] = {
	{ "owner",	RELATION_OWNER },
	{ "reviewer",	RELATION_REVIEWER },
	{ "conflicted",	RELATION_CONFLICTED },
	{ "admin",	RELATION_ADMIN },
};

void
authz_rights_sql(struct http_request *req, enum resource res,
    struct load_params *lp, char *buf, size_t len)
{
	switch (res) {
	case RESOURCE_APPLICATION:
		load_param_id(lp, valid_path_id(req->path, "/applications/",
		    NULL));
		/* $1 is the session; the page's parameters follow it. */
		(void)snprintf(buf, len, "application_rights($%d, s.user_id) "
		    "AS rights", lp->n + 1);
		return;
	case RESOURCE_ASSIGNMENT:
		load_param_id(lp, valid_path_id(req->path, "/review/", NULL));
		(void)snprintf(buf, len, "assignment_rights($%d, s.user_id) "
		    "AS rights", lp->n + 1);
		return;
	case RESOURCE_NONE:
		break;
	}

	fatal("authz_rights_sql: resource %d", res);
}

void
authz_rights_read(struct http_request *req, const char *text)
{
	struct ctx	*ctx;
	struct rights	*r;
	json_t		*v, *a;
	json_error_t	 err;
	const char	*rel;
	size_t		 i, k;

	ctx = ctx_get(req);
	if (ctx->rights == NULL)
		ctx->rights = kore_calloc(1, sizeof(*ctx->rights));
	r = ctx->rights;
	r->relation = RELATION_NONE;
	r->allows = 0;

	if (text == NULL || (v = json_loads(text, 0, &err)) == NULL)
		return;

	rel = json_string_value(json_object_get(v, "relation"));
	for (k = 0; rel != NULL && k < sizeof(relation_names) /
	    sizeof(relation_names[0]); k++) {
		if (strcmp(rel, relation_names[k].name) == 0)
			r->relation = relation_names[k].relation;
	}
	/*
	 * Its owner may always send a change; whether it may happen now
	 * (the deadline, a withdrawal) is application_lock()'s answer, which
	 * the page words. Nobody else may: an admin's 'view' is read-only.
	 */
	if (r->relation == RELATION_OWNER)
		r->allows |= RIGHT_CHANGE;
	json_array_foreach(json_object_get(v, "allows"), i, a) {
		for (k = 0; k < sizeof(rights_names) / sizeof(rights_names[0]);
		    k++) {
			if (json_is_string(a) && strcmp(json_string_value(a),
			    rights_names[k].name) == 0)
				r->allows |= rights_names[k].bit;
		}
	}
	json_decref(v);
}

static const struct rights *
authz_get(struct http_request *req)
{
	static const struct rights	none;
	struct ctx			*ctx;

	ctx = ctx_get(req);
	return (ctx->rights != NULL ? ctx->rights : &none);
}

int
authz_can(struct http_request *req, unsigned int needed)
{
	return ((authz_get(req)->allows & needed) == needed);
}

enum relation
authz_relation(struct http_request *req)
{
	return (authz_get(req)->relation);
}
