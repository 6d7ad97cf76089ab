/*
 * Two-step sign-in with TOTP: enrolment on /account/totp (QR code,
 * confirmation with a first code, ten recovery codes shown once) and the
 * second step of a sign-in on /login/totp.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/qrsvg.h"
#include "core/sealstr.h"
#include "core/token.h"
#include "core/totp.h"
#include "accounts/mfa.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/csrf.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/keys.h"
#include "web/page.h"
#include "web/session.h"

#define FORM_PAGE	(HTTP_METHOD_GET | HTTP_METHOD_HEAD | HTTP_METHOD_POST)
#define MFA_ISSUER	"PRECISEU Awards"
#define MFA_RECOVERY	10
/* One step either side: clocks of phones drift. */
#define MFA_WINDOW	1

struct mfa {
	char		 user_id[32];
	char		 secret[TOTP_SECRET_LEN + 1];
	char		 ip[CLIENT_ADDR_LEN];
	char		 step[32];
	char		 recovery_hash[CTX_HASH_LEN];
	char		 token[CTX_TOKEN_LEN];
	char		 token_hash[CTX_HASH_LEN];
	char		 codes[MFA_RECOVERY][TOTP_RECOVERY_SIZE];
	char		*code_array;
	char		*sealed;	/* the secret as stored (sealstr) */
};

static void
mfa_free(void *arg)
{
	struct mfa	*m = arg;

	kore_free(m->code_array);
	free(m->sealed);
	sodium_memzero(m, sizeof(*m));
	kore_free(m);
}

static struct mfa *
mfa_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct mfa	*m;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);

	m = kore_calloc(1, sizeof(*m));
	client_addr(req, m->ip, sizeof(m->ip));
	if (ctx->user != NULL)
		(void)snprintf(m->user_id, sizeof(m->user_id), "%lld",
		    ctx->user->id);
	ctx->arg = m;
	ctx->arg_free = mfa_free;

	return (m);
}

/* A new session token for a change of privilege. */
static void
mfa_new_token(struct mfa *m)
{
	if (token_new(m->token, sizeof(m->token)) == -1)
		fatal("mfa: no randomness");
	token_hash(m->token, m->token_hash);
}

/*
 * Enrolment: /account/totp.
 */

static int	enrol_session(struct http_request *);
static int	enrol_route(struct http_request *);
static int	enrol_show(struct http_request *);
static int	enrol_check(struct http_request *);
static int	enrol_done(struct http_request *);

enum { ENROL_SESSION, ENROL_ROUTE, ENROL_SHOW, ENROL_CHECK, ENROL_DONE };

static struct http_state enrol_states[] = {
	KORE_HTTP_STATE(enrol_session),
	KORE_HTTP_STATE(enrol_route),
	KORE_HTTP_STATE(enrol_show),
	KORE_HTTP_STATE(enrol_check),
	KORE_HTTP_STATE(enrol_done),
};

int
mfa_enrol(struct http_request *req)
{
	if (!page_allow(req, FORM_PAGE))
		return (KORE_RESULT_OK);

	return (http_state_run(enrol_states,
	    sizeof(enrol_states) / sizeof(enrol_states[0]), req));
}

static int
enrol_session(struct http_request *req)
{
	return (session_load(req, ENROL_ROUTE));
}

static int
enrol_route(struct http_request *req)
{
	struct user	*u;
	struct mfa	*m;
	const char	*params[2];

	if (req->method == HTTP_METHOD_POST &&
	    (body_form(req) == NULL || !csrf_check(req)))
		return (HTTP_STATE_COMPLETE);
	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	u = session_user(req);
	csrf_expose(req);
	if (u->has_totp) {
		page_render(req, 200, "totp_on");
		return (HTTP_STATE_COMPLETE);
	}

	m = mfa_arg(req);
	params[0] = m->user_id;

	if (req->method == HTTP_METHOD_POST) {
		return (db_query(req, ENROL_CHECK, "SELECT totp_pending FROM "
		    "users WHERE id = $1", 1, params));
	}

	if (m->secret[0] == '\0' &&
	    totp_secret_new(m->secret, sizeof(m->secret)) == -1)
		fatal("mfa: no randomness");
	/* Stored sealed with the file key, never in clear. */
	if (m->sealed == NULL &&
	    (m->sealed = sealstr_seal(keys_current(), m->secret)) == NULL)
		fatal("mfa: cannot seal a secret");
	params[1] = m->sealed;

	return (db_query(req, ENROL_SHOW, "SELECT totp_begin($1, $2)", 2,
	    params));
}

/* The page with the QR code of m->secret and the form for a first code. */
static int
enrol_form(struct http_request *req, struct mfa *m, int status)
{
	json_t		*data;
	char		*uri, *svg, grouped[64];
	size_t		 len, i, o;

	uri = totp_uri(MFA_ISSUER, session_user(req)->email, m->secret);
	svg = qrsvg_render(uri, &len);
	free(uri);
	if (svg == NULL) {
		page_error(req, 500, NULL);
		return (HTTP_STATE_COMPLETE);
	}

	/* Groups of four, easier to type into an app by hand. */
	for (i = 0, o = 0; m->secret[i] != '\0' && o + 2 < sizeof(grouped);
	    i++) {
		if (i > 0 && i % 4 == 0)
			grouped[o++] = ' ';
		grouped[o++] = m->secret[i];
	}
	grouped[o] = '\0';

	data = ctx_get(req)->data;
	/* The SVG comes from our own encoder, never from user input. */
	json_object_set_new(data, "qr_svg", json_string(svg));
	json_object_set_new(data, "secret", json_string(grouped));
	free(svg);

	page_render(req, status, "totp_enrol");
	return (HTTP_STATE_COMPLETE);
}

static int
enrol_show(struct http_request *req)
{
	return (enrol_form(req, mfa_arg(req), 200));
}

static void
enrol_codes(struct mfa *m)
{
	struct kore_buf	 buf;
	char		 hash[CTX_HASH_LEN];
	int		 i;

	totp_recovery_new(m->codes, MFA_RECOVERY);
	kore_buf_init(&buf, 1024);
	kore_buf_append(&buf, "{", 1);
	for (i = 0; i < MFA_RECOVERY; i++) {
		token_hash(m->codes[i], hash);
		kore_buf_appendf(&buf, "%s%s", i > 0 ? "," : "", hash);
	}
	kore_buf_append(&buf, "}", 1);
	m->code_array = kore_strdup(kore_buf_stringify(&buf, NULL));
	kore_buf_cleanup(&buf);
}

static const char	sql_totp_confirm[] =
    "SELECT totp_confirm($1, $2, $3, $4::text[], $5, $6, $7)";

static int
enrol_check(struct http_request *req)
{
	struct mfa	*m;
	struct user	*u;
	long long	 step;
	const char	*params[7];

	m = mfa_arg(req);
	u = session_user(req);

	if (m->code_array == NULL) {
		/* Nothing pending, or sealed with a key gone: start again. */
		if (db_value(req, 0, 0)[0] == '\0' ||
		    sealstr_open(keys_ring(), db_value(req, 0, 0), m->secret,
		    sizeof(m->secret)) == -1) {
			page_redirect(req, "/account/totp");
			return (HTTP_STATE_COMPLETE);
		}
		free(m->sealed);
		if ((m->sealed = strdup(db_value(req, 0, 0))) == NULL)
			fatal("mfa: strdup");
		if (!totp_check(m->secret, body_get(req, "totp_code"),
		    time(NULL), MFA_WINDOW, -1, &step)) {
			fields_error(req, "totp_code", "That code is not right. Enter the "
			    "6-digit code your app shows now.");
			return (enrol_form(req, m, 422));
		}
		(void)snprintf(m->step, sizeof(m->step), "%lld", step);
		enrol_codes(m);
		mfa_new_token(m);
	}

	params[0] = m->user_id;
	params[1] = m->sealed;	/* compared with what is pending */
	params[2] = m->step;
	params[3] = m->code_array;
	params[4] = u->session_hash;
	params[5] = m->token_hash;
	params[6] = m->ip;

	return (db_query(req, ENROL_DONE, sql_totp_confirm, 7, params));
}

static int
enrol_done(struct http_request *req)
{
	struct mfa	*m;
	json_t		*codes;
	int		 i;

	m = mfa_arg(req);
	if (db_value(req, 0, 0)[0] != 't') {
		page_redirect(req, "/account/totp");
		return (HTTP_STATE_COMPLETE);
	}

	session_cookie_set(req, SESSION_COOKIE, m->token, SESSION_MAX_AGE);
	codes = json_array();
	for (i = 0; i < MFA_RECOVERY; i++)
		json_array_append_new(codes, json_string(m->codes[i]));
	json_object_set_new(ctx_get(req)->data, "codes", codes);

	page_render(req, 200, "totp_codes");
	return (HTTP_STATE_COMPLETE);
}

/*
 * Second step of a sign-in: /login/totp.
 */

static int	step_session(struct http_request *);
static int	step_route(struct http_request *);
static int	step_check(struct http_request *);
static int	step_done(struct http_request *);

enum { STEP_SESSION, STEP_ROUTE, STEP_CHECK, STEP_DONE };

static struct http_state step_states[] = {
	KORE_HTTP_STATE(step_session),
	KORE_HTTP_STATE(step_route),
	KORE_HTTP_STATE(step_check),
	KORE_HTTP_STATE(step_done),
};

int
mfa_login(struct http_request *req)
{
	if (!page_allow(req, FORM_PAGE))
		return (KORE_RESULT_OK);

	return (http_state_run(step_states,
	    sizeof(step_states) / sizeof(step_states[0]), req));
}

static int
step_session(struct http_request *req)
{
	return (session_load(req, STEP_ROUTE));
}

static int
step_form(struct http_request *req, int status)
{
	csrf_expose(req);
	page_render(req, status, "totp_login");
	return (HTTP_STATE_COMPLETE);
}

static int
step_route(struct http_request *req)
{
	struct user	*u;
	const char	*params[1];

	if (req->method == HTTP_METHOD_POST &&
	    (body_form(req) == NULL || !csrf_check(req)))
		return (HTTP_STATE_COMPLETE);
	if ((u = session_partial(req)) == NULL) {
		page_redirect(req, "/login");
		return (HTTP_STATE_COMPLETE);
	}
	if (u->mfa_ok) {
		page_redirect(req, "/account");
		return (HTTP_STATE_COMPLETE);
	}

	if (req->method != HTTP_METHOD_POST)
		return (step_form(req, 200));

	params[0] = mfa_arg(req)->user_id;
	return (db_query(req, STEP_CHECK, "SELECT secret, last_step, allowed, "
	    "retry_after FROM totp_state($1)", 1, params));
}

static const char	sql_totp_login[] =
    "SELECT totp_login($1, $2, $3, $4, $5, $6)";

static int
step_check(struct http_request *req)
{
	struct mfa	*m;
	const char	*code, *params[6];
	char		 norm[TOTP_RECOVERY_SIZE];
	long long	 step;

	m = mfa_arg(req);
	if (m->token[0] == '\0') {
		if (db_value(req, 0, 2)[0] != 't') {
			page_throttled(req, "wrong codes", db_value(req, 0, 3));
			return (HTTP_STATE_COMPLETE);
		}

		if (sealstr_open(keys_ring(), db_value(req, 0, 0), m->secret,
		    sizeof(m->secret)) == -1) {
			kore_log(LOG_ERR, "mfa: the TOTP secret of user %s "
			    "cannot be opened: sealed with a key this "
			    "instance does not have (LAUREL_KEY_FILES_OLD)",
			    m->user_id);
			page_error(req, 503, NULL);
			return (HTTP_STATE_COMPLETE);
		}
		code = body_get(req, "totp_code");
		if (totp_check(m->secret, code, time(NULL),
		    MFA_WINDOW, strtoll(db_value(req, 0, 1), NULL, 10),
		    &step)) {
			(void)snprintf(m->step, sizeof(m->step), "%lld", step);
		} else if (totp_recovery_normalise(code, norm)) {
			token_hash(norm, m->recovery_hash);
		}
		mfa_new_token(m);
	}

	params[0] = m->user_id;
	params[1] = m->step[0] ? m->step : NULL;
	params[2] = m->recovery_hash[0] ? m->recovery_hash : NULL;
	params[3] = session_partial(req)->session_hash;
	params[4] = m->token_hash;
	params[5] = m->ip;

	return (db_query(req, STEP_DONE, sql_totp_login, 6, params));
}

static int
step_done(struct http_request *req)
{
	struct mfa	*m;

	m = mfa_arg(req);
	if (strcmp(db_value(req, 0, 0), "ok") != 0) {
		fields_error(req, "totp_code", "That code is not right, or it was used "
		    "already. Enter the code your app shows now, or one of "
		    "your recovery codes.");
		return (step_form(req, 422));
	}

	session_cookie_set(req, SESSION_COOKIE, m->token, SESSION_MAX_AGE);
	page_redirect(req, "/account");
	return (HTTP_STATE_COMPLETE);
}
