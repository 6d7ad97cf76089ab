/*
 * GDPR for the signed-in person: GET /account/export (all their data
 * as JSON) and POST /account/delete (with their password).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pwhash.h"
#include "accounts/privacy.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/csrf.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/page.h"
#include "web/session.h"
#include "web/work.h"

/*
 * Export.
 */

static int	export_session(struct http_request *);
static int	export_query(struct http_request *);
static int	export_send(struct http_request *);

enum { EXPORT_SESSION, EXPORT_QUERY, EXPORT_SEND };

static struct http_state export_states[] = {
	KORE_HTTP_STATE(export_session),
	KORE_HTTP_STATE(export_query),
	KORE_HTTP_STATE(export_send),
};

int
privacy_export(struct http_request *req)
{
	if (!page_allow(req, HTTP_METHOD_GET | HTTP_METHOD_HEAD))
		return (KORE_RESULT_OK);

	return (http_state_run(export_states,
	    sizeof(export_states) / sizeof(export_states[0]), req));
}

static int
export_session(struct http_request *req)
{
	return (session_load(req, EXPORT_QUERY));
}

static int
export_query(struct http_request *req)
{
	const char	*params[1];
	char		 uid[32];

	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	(void)snprintf(uid, sizeof(uid), "%lld", session_user(req)->id);
	params[0] = uid;

	return (db_query(req, EXPORT_SEND, "SELECT account_export($1)", 1,
	    params));
}

/* Indented and with its keys in a stable order, for people and diff. */
static int
export_send(struct http_request *req)
{
	json_t		*doc;
	json_error_t	 err;
	char		*s;

	if ((doc = json_loads(db_value(req, 0, 0), 0, &err)) == NULL) {
		kore_log(LOG_ERR, "export: invalid JSON from the database: %s",
		    err.text);
		page_error(req, 500, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);

	http_response_header(req, "content-disposition",
	    "attachment; filename=\"laurel-export.json\"");
	http_response_header(req, "cache-control", "private, no-store");
	page_send(req, 200, "application/json; charset=utf-8", s, strlen(s));
	free(s);

	return (HTTP_STATE_COMPLETE);
}

/*
 * Deletion.
 */

struct erase {
	char	 uid[32];
	char	 ip[CLIENT_ADDR_LEN];
	char	*password;
	char	*stored_hash;
	int	 verified;
};

static void
erase_free(void *arg)
{
	struct erase	*e = arg;

	if (e->password != NULL) {
		sodium_memzero(e->password, strlen(e->password));
		kore_free(e->password);
	}
	kore_free(e->stored_hash);
	kore_free(e);
}

static int	erase_session(struct http_request *);
static int	erase_route(struct http_request *);
static int	erase_verify(struct http_request *);
static int	erase_run(struct http_request *);
static int	erase_done(struct http_request *);

enum { ERASE_SESSION, ERASE_ROUTE, ERASE_VERIFY, ERASE_RUN, ERASE_DONE };

static struct http_state erase_states[] = {
	KORE_HTTP_STATE(erase_session),
	KORE_HTTP_STATE(erase_route),
	KORE_HTTP_STATE(erase_verify),
	KORE_HTTP_STATE(erase_run),
	KORE_HTTP_STATE(erase_done),
};

int
privacy_delete(struct http_request *req)
{
	if (!page_allow(req, HTTP_METHOD_POST))
		return (KORE_RESULT_OK);

	return (http_state_run(erase_states,
	    sizeof(erase_states) / sizeof(erase_states[0]), req));
}

static int
erase_session(struct http_request *req)
{
	return (session_load(req, ERASE_ROUTE));
}

static struct erase *
erase_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct erase	*e;

	ctx = ctx_get(req);
	if (ctx->arg == NULL) {
		e = kore_calloc(1, sizeof(*e));
		(void)snprintf(e->uid, sizeof(e->uid), "%lld", ctx->user->id);
		client_addr(req, e->ip, sizeof(e->ip));
		e->password = kore_strdup(body_get(req, "password"));
		ctx->arg = e;
		ctx->arg_free = erase_free;
	}

	return (ctx->arg);
}

static int
erase_route(struct http_request *req)
{
	struct erase	*e;
	const char	*params[1];

	if (body_form(req) == NULL || !csrf_check(req))
		return (HTTP_STATE_COMPLETE);
	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	e = erase_arg(req);
	if (e->password[0] == '\0') {
		page_redirect(req, "/account?delete=password#delete");
		return (HTTP_STATE_COMPLETE);
	}

	params[0] = e->uid;
	return (db_query(req, ERASE_VERIFY, "SELECT password_hash FROM users "
	    "WHERE id = $1", 1, params));
}

/* On a task thread: Argon2id. */
static int
erase_check(void *arg)
{
	struct erase	*e = arg;
	char		 unused[PWHASH_LEN];
	int		 rehash;

	return (pwhash_verify(e->stored_hash, e->password, &rehash, unused));
}

static int
erase_verify(struct http_request *req)
{
	struct erase	*e;

	e = erase_arg(req);
	if (e->stored_hash == NULL)
		e->stored_hash = kore_strdup(db_value(req, 0, 0));

	return (work_run(req, ERASE_RUN, erase_check, e));
}

static int
erase_run(struct http_request *req)
{
	struct erase	*e;
	const char	*params[2];

	e = erase_arg(req);
	if (!e->verified) {
		if (work_result(req) != 1) {
			page_redirect(req, "/account?delete=wrong#delete");
			return (HTTP_STATE_COMPLETE);
		}
		e->verified = 1;
	}

	params[0] = e->uid;
	params[1] = e->ip;
	return (db_query(req, ERASE_DONE, "SELECT account_delete($1, $2)", 2,
	    params));
}

static int
erase_done(struct http_request *req)
{
	const char	*r;

	r = db_value(req, 0, 0);
	if (strcmp(r, "admin") == 0) {
		page_redirect(req, "/account?delete=admin#delete");
		return (HTTP_STATE_COMPLETE);
	}
	if (strncmp(r, "ok", 2) != 0) {
		page_error(req, 404, NULL);
		return (HTTP_STATE_COMPLETE);
	}

	session_forget(req);
	page_render(req, 200, "account_deleted");

	return (HTTP_STATE_COMPLETE);
}
