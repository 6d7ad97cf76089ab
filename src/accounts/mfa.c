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

#include "core/outcome.h"
#include "core/qrsvg.h"
#include "core/sealstr.h"
#include "core/token.h"
#include "core/totp.h"
#include "accounts/mfa.h"
#include "accounts/pwconfirm.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/keys.h"
#include "web/page.h"
#include "web/session.h"

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
	struct pwconfirm pw;		/* enrolment: the current password */
	int		 confirming;	/* enrolment: a first code was sent */
};

static void
mfa_free(void *arg)
{
	struct mfa	*m = arg;

	kore_free(m->code_array);
	free(m->sealed);
	pwconfirm_clear(&m->pw);
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
 * Enrolment: /account/totp. A GET only asks for the current password; a
 * POST of it (counted like every confirmation, pwconfirm) starts over
 * with a new secret and shows it; a POST of a first code confirms the
 * pending secret, which comes with the session check.
 */

static const char *
enrol_load(struct http_request *req, struct load_params *lp)
{
	(void)lp;
	if (req->method != HTTP_METHOD_POST)
		return (NULL);

	return ("totp_pending_of(s.user_id) AS totp_pending");
}

static int
enrol_ask(struct http_request *req, int status, const char *error)
{
	if (error != NULL)
		fields_error(req, "password", error);
	return (step_render_as(req, status, "totp_password"));
}

/* Which of the three: the password form, the password, or a code. */
static int
enrol_route(struct http_request *req)
{
	struct mfa	*m;
	struct user	*u;

	u = session_user(req);
	if (u->has_totp)
		return (step_render_as(req, 200, "totp_on"));
	if (req->method != HTTP_METHOD_POST)
		return (enrol_ask(req, 200, NULL));

	/* The code form sends totp_code, even empty; the other, password. */
	m = mfa_arg(req);
	if (form_get(body_form(req), "totp_code") != NULL) {
		m->confirming = 1;
		return (STEP_NEXT);
	}
	if (body_get(req, "password")[0] == '\0')
		return (enrol_ask(req, 422, "Enter your current password."));

	pwconfirm_init(&m->pw, u->id, body_get(req, "password"), NULL);
	return (STEP_NEXT);
}

static int
enrol_fetch(struct http_request *req)
{
	struct mfa	*m;

	m = mfa_arg(req);
	return (m->confirming ? STEP_NEXT : pwconfirm_fetch(req, &m->pw));
}

static int
enrol_verify(struct http_request *req)
{
	struct mfa	*m;

	m = mfa_arg(req);
	return (m->confirming ? STEP_NEXT : pwconfirm_verify(req, &m->pw));
}

/* The password was right: a new secret, pending until its first code. */
static int
enrol_begin(struct http_request *req)
{
	struct mfa	*m;
	const char	*params[2];

	m = mfa_arg(req);
	if (m->confirming)
		return (STEP_NEXT);
	if (!pwconfirm_ok(req))
		return (enrol_ask(req, 422, "That is not your current "
		    "password."));

	if (totp_secret_new(m->secret, sizeof(m->secret)) == -1)
		fatal("mfa: no randomness");
	/* Stored sealed with the file key, never in clear. */
	if ((m->sealed = sealstr_seal(keys_current(), m->secret)) == NULL)
		fatal("mfa: cannot seal a secret");
	params[0] = m->user_id;
	params[1] = m->sealed;

	return (step_query(req, "SELECT totp_begin($1, $2)", 2, params));
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
	if (svg == NULL)
		return (step_error(req, 500, NULL));

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

	return (step_render(req, status));
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

/* The form for the secret just begun, or the first code for it. */
static int
enrol_check(struct http_request *req)
{
	struct mfa	*m;
	const char	*pending, *params[7];
	long long	 step;

	m = mfa_arg(req);
	if (!m->confirming)
		return (enrol_form(req, m, 200));

	/* Nothing pending, or sealed with a key gone: start again. */
	if ((pending = handler_loaded(req, "totp_pending")) == NULL ||
	    pending[0] == '\0' || sealstr_open(keys_ring(), pending,
	    m->secret, sizeof(m->secret)) == -1)
		return (step_redirect(req, "/account/totp"));
	if ((m->sealed = strdup(pending)) == NULL)
		fatal("mfa: strdup");
	if (!totp_check(m->secret, body_get(req, "totp_code"), time(NULL),
	    MFA_WINDOW, -1, &step)) {
		fields_error(req, "totp_code", "That code is not right. Enter "
		    "the 6-digit code your app shows now.");
		return (enrol_form(req, m, 422));
	}
	(void)snprintf(m->step, sizeof(m->step), "%lld", step);
	enrol_codes(m);
	mfa_new_token(m);

	params[0] = m->user_id;
	params[1] = m->sealed;	/* compared with what is pending */
	params[2] = m->step;
	params[3] = m->code_array;
	params[4] = session_user(req)->session_hash;
	params[5] = m->token_hash;
	params[6] = m->ip;

	return (step_query(req, sql_totp_confirm, 7, params));
}

static int
enrol_done(struct http_request *req)
{
	struct mfa	*m;
	json_t		*codes;
	int		 i;

	m = mfa_arg(req);
	if (db_value(req, 0, 0)[0] != 't')
		return (step_redirect(req, "/account/totp"));

	session_cookie_set(req, SESSION_COOKIE, m->token, SESSION_MAX_AGE);
	codes = json_array();
	for (i = 0; i < MFA_RECOVERY; i++)
		json_array_append_new(codes, json_string(m->codes[i]));
	json_object_set_new(ctx_get(req)->data, "codes", codes);

	return (step_page(req, 200, "totp_codes"));
}

static const step_fn enrol_steps[] = { enrol_route, enrol_fetch,
    enrol_verify, enrol_begin, enrol_check, enrol_done, NULL };

/* Signed in, not only as an administrator: they come here to enrol. */
HANDLER(mfa_enrol,
	.methods = METHODS_FORM,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.load = enrol_load,
	.steps = enrol_steps,
	.template = "totp_enrol",
)

/*
 * Second step of a sign-in: /login/totp. A POST first counts the attempt
 * and reads the secret and the last step used (totp_state(), after the
 * CSRF check: nothing is written for a forged POST), then tries the code.
 */

static const char	sql_totp_state[] =
    "SELECT allowed, retry_after, secret, last_step FROM totp_state($1)";

static const char	sql_totp_login[] =
    "SELECT outcome, number, detail FROM totp_login($1, $2, $3, $4, $5, "
    "$6)";

/*
 * The code as a TOTP step or a recovery code's hash, from totp_state()'s
 * row; 0 once the page has answered (throttled, or the secret's key is
 * gone).
 */
static int
login_code(struct http_request *req, struct mfa *m)
{
	const char	*sealed, *code, *last;
	char		 norm[TOTP_RECOVERY_SIZE];
	long long	 step;

	if (step_over_limit(req, "wrong codes"))
		return (0);

	if ((sealed = db_text(req, "secret")) == NULL)
		sealed = "";
	if (sealstr_open(keys_ring(), sealed, m->secret,
	    sizeof(m->secret)) == -1) {
		kore_log(LOG_ERR, "mfa: the TOTP secret of user %s "
		    "cannot be opened: sealed with a key this "
		    "instance does not have (LAUREL_KEY_FILES_OLD)",
		    m->user_id);
		page_error(req, 503, NULL);
		return (0);
	}

	last = db_text(req, "last_step");
	code = body_get(req, "totp_code");
	if (totp_check(m->secret, code, time(NULL), MFA_WINDOW,
	    last != NULL ? strtoll(last, NULL, 10) : 0, &step))
		(void)snprintf(m->step, sizeof(m->step), "%lld", step);
	else if (totp_recovery_normalise(code, norm))
		token_hash(norm, m->recovery_hash);

	return (1);
}

/* GET: the form. POST: the attempt counted, the state read. */
static int
login_attempt(struct http_request *req)
{
	const char	*params[1];

	if (req->method != HTTP_METHOD_POST)
		return (step_render(req, 200));

	params[0] = mfa_arg(req)->user_id;
	return (step_query(req, sql_totp_state, 1, params));
}

/* The code, tried by totp_login(). */
static int
login_check(struct http_request *req)
{
	struct mfa	*m;
	const char	*params[6];

	m = mfa_arg(req);
	if (!login_code(req, m))
		return (STEP_DONE);
	mfa_new_token(m);

	params[0] = m->user_id;
	params[1] = m->step[0] ? m->step : NULL;
	params[2] = m->recovery_hash[0] ? m->recovery_hash : NULL;
	params[3] = session_partial(req)->session_hash;
	params[4] = m->token_hash;
	params[5] = m->ip;

	return (step_query(req, sql_totp_login, 6, params));
}

static int
login_done(struct http_request *req)
{
	struct outcome	o;

	db_outcome(req, &o);
	if (o.code != OUTCOME_OK) {
		fields_error(req, "totp_code", "That code is not right, or it "
		    "was used already. Enter the code your app shows now, or "
		    "one of your recovery codes.");
		return (step_render(req, 422));
	}

	session_cookie_set(req, SESSION_COOKIE, mfa_arg(req)->token,
	    SESSION_MAX_AGE);
	return (step_redirect(req, "/account"));
}

static const step_fn login_steps[] = { login_attempt, login_check,
    login_done, NULL };

HANDLER(mfa_login,
	.methods = METHODS_FORM,
	.enter = ENTER_SECOND_FACTOR,
	.body = BODY_FORM,
	.steps = login_steps,
	.template = "totp_login",
)
