/*
 * The panel page of a round: invitations (send, resend, revoke) and the
 * members (load, cap, expertise, conflicts; remove). Admins only; each
 * change is one SQL call that checks user_is_admin() and writes its
 * audit entry in the same transaction (sql/60_panel.sql).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outcome.h"
#include "core/roundform.h"
#include "core/token.h"
#include "core/valid.h"
#include "panel/panel.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/page.h"

#define ROUNDS_PREFIX	"/admin/rounds/"

void
panel_round_slug(struct http_request *req, char *out, size_t len)
{
	const char	*p;
	size_t		 n;

	out[0] = '\0';
	if (strncmp(req->path, ROUNDS_PREFIX, strlen(ROUNDS_PREFIX)) != 0)
		return;
	p = req->path + strlen(ROUNDS_PREFIX);
	n = strcspn(p, "/");
	if (n >= len)
		return;
	memcpy(out, p, n);
	out[n] = '\0';
}

void
panel_load_slug(struct http_request *req, struct load_params *lp)
{
	const char	*p;

	if (strncmp(req->path, ROUNDS_PREFIX, strlen(ROUNDS_PREFIX)) != 0) {
		load_param_copy(lp, "", 0);
		return;
	}
	p = req->path + strlen(ROUNDS_PREFIX);
	load_param_copy(lp, p, strcspn(p, "/"));
}

int
panel_done(struct http_request *req, const char *page, const char *what)
{
	char	slug[PANEL_SLUG_MAX], loc[256];

	panel_round_slug(req, slug, sizeof(slug));
	(void)snprintf(loc, sizeof(loc), ROUNDS_PREFIX "%s/%s?done=%s", slug,
	    page, what);

	return (step_redirect(req, loc));
}

void
panel_notice(struct http_request *req, const struct panel_notice *table)
{
	const char	*done;

	if ((done = form_get(body_query(req), "done")) == NULL)
		return;
	for (; table->what != NULL; table++) {
		if (strcmp(done, table->what) == 0) {
			fields_keep(req, "notice", table->sentence);
			return;
		}
	}
}

long long
panel_form_id(struct http_request *req, const char *field)
{
	const char	*v;
	long long	 id;
	char		*end;

	v = body_get(req, field);
	if (v[0] == '\0' || strlen(v) > 18 || strspn(v, "0123456789") !=
	    strlen(v))
		return (0);
	id = strtoll(v, &end, 10);

	return (id > 0 ? id : 0);
}

char *
panel_assigned_intro(void)
{
	return (kore_strdup("Hello,\n\nYou have new applications to review "
	    "for the PRECISEU Best Practice Recognition:"));
}

char *
panel_assigned_outro(void)
{
	char	*link, *text;
	size_t	 len;

	link = page_url("/review");
	len = strlen(link) + 512;
	text = kore_malloc(len);
	(void)snprintf(text, len, "Before you read each one you will be asked "
	    "to confirm that you have no conflict of interest with it.\n\n"
	    "Your assignments: %s\n\nPRECISEU Best Practice Recognition",
	    link);
	kore_free(link);

	return (text);
}

/*
 * The panel page.
 */

struct panel_edit {
	char		 slug[PANEL_SLUG_MAX];
	char		 actor[32];
	char		 ip[CLIENT_ADDR_LEN];
	char		 id[32];
	char		 cap[16];
	char		 email[VALID_EMAIL_MAX + 1];
	char		 name[VALID_NAME_MAX * 4 + 1];
	char		 token[CTX_TOKEN_LEN];
	char		 token_hash[CTX_HASH_LEN];
	char		*expertise;
	char		*mail;
	const char	*action;
};

static void
panel_edit_free(void *arg)
{
	struct panel_edit	*e = arg;

	free(e->expertise);
	free(e->mail);
	kore_free(e);
}

static struct panel_edit *
panel_arg(struct http_request *req)
{
	struct ctx		*ctx;
	struct panel_edit	*e;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);
	e = kore_calloc(1, sizeof(*e));
	panel_round_slug(req, e->slug, sizeof(e->slug));
	(void)snprintf(e->actor, sizeof(e->actor), "%lld", ctx->user->id);
	client_addr(req, e->ip, sizeof(e->ip));
	ctx->arg = e;
	ctx->arg_free = panel_edit_free;

	return (e);
}

static const char *
panel_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("panel_view($2, s.user_id) AS panel");
}

static const struct panel_notice panel_notices[] = {
	{ "invited", "The invitation has been sent." },
	{ "resent", "The invitation has been sent again with a new link." },
	{ "revoked", "The invitation has been revoked; its link no longer "
	    "works." },
	{ "member", "The member's cap and expertise have been saved." },
	{ "removed", "The member has left the panel. Their assignments without "
	    "a started review were released; run the automatic assignment to "
	    "fill the free places." },
	{ NULL, NULL },
};

static int
panel_form(struct http_request *req, int status)
{
	panel_notice(req, panel_notices);
	return (step_render(req, status));
}

/* The invitation e-mail, with the link that stands for the token. */
static void
panel_mail(struct http_request *req, struct panel_edit *e, const char *name)
{
	json_t	*data, *round;
	char	 path[128];
	char	*link;

	if (token_new(e->token, sizeof(e->token)) == -1)
		fatal("panel: no randomness");
	token_hash(e->token, e->token_hash);

	(void)snprintf(path, sizeof(path), "/invite?token=%s", e->token);
	link = page_url(path);
	round = json_object_get(ctx_get(req)->data, "round");
	data = json_pack("{s:s, s:s, s:s}", "name", name, "link", link,
	    "round", json_string_value(json_object_get(round, "title")));
	e->mail = page_plain("mail/invite", data);
	json_decref(data);
	kore_free(link);
}

/* Expertise: categories of the round, repeatable; as a JSON array. */
static int
panel_expertise(struct http_request *req, struct panel_edit *e)
{
	struct form	*f;
	json_t		*a, *cats, *c;
	const char	*v;
	size_t		 i, k, n;
	int		 known;

	f = body_form(req);
	cats = json_object_get(json_object_get(ctx_get(req)->data, "round"),
	    "categories");
	a = json_array();
	n = form_count(f, "expertise");
	for (i = 0; i < n; i++) {
		v = form_get_nth(f, "expertise", i);
		known = 0;
		json_array_foreach(cats, k, c) {
			if (strcmp(json_string_value(c), v) == 0)
				known = 1;
		}
		if (!known) {
			json_decref(a);
			return (-1);
		}
		json_array_append_new(a, json_string(v));
	}
	e->expertise = json_dumps(a, JSON_COMPACT);
	json_decref(a);

	return (0);
}

static int
panel_invite_check(struct http_request *req, struct panel_edit *e)
{
	const char	*msg;
	int		 cap;

	(void)snprintf(e->email, sizeof(e->email), "%s",
	    body_get(req, "email"));
	(void)snprintf(e->name, sizeof(e->name), "%s", body_get(req, "name"));
	valid_trim(e->email);
	valid_trim(e->name);
	fields_keep(req, "email", e->email);
	fields_keep(req, "name", e->name);
	fields_keep(req, "cap", body_get(req, "cap"));

	if (strlen(body_get(req, "email")) > VALID_EMAIL_MAX)
		fields_error(req, "email", "An e-mail address has at most 254 "
		    "characters.");
	else if ((msg = valid_email(e->email)) != NULL)
		fields_error(req, "email", msg);
	if ((msg = valid_display_name(e->name)) != NULL)
		fields_error(req, "name", msg);
	if (body_get(req, "cap")[0] != '\0') {
		if ((msg = roundform_int(body_get(req, "cap"), 0, 10000,
		    &cap)) != NULL)
			fields_error(req, "cap", msg);
		else
			(void)snprintf(e->cap, sizeof(e->cap), "%d", cap);
	}
	if (panel_expertise(req, e) == -1)
		fields_error(req, "expertise", "Choose expertise among the "
		    "round's categories.");

	return (!fields_failed(req));
}

static const char	sql_invite[] =
    "SELECT outcome, number, detail FROM panel_invite($1, $2, $3, $4, $5, "
    "$6::integer, ARRAY(SELECT jsonb_array_elements_text($7::jsonb)), $8, "
    "$9, $10)";

static int
panel_invite(struct http_request *req, struct panel_edit *e)
{
	const char	*params[10];

	if (!panel_invite_check(req, e))
		return (panel_form(req, 422));
	panel_mail(req, e, e->name);

	params[0] = e->slug;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = e->email;
	params[4] = e->name;
	params[5] = e->cap[0] != '\0' ? e->cap : NULL;
	params[6] = e->expertise;
	params[7] = e->token_hash;
	params[8] = "Invitation to the review panel · PRECISEU Best Practice "
	    "Recognition";
	params[9] = e->mail;

	return (step_query(req, sql_invite, 10, params));
}

/* The invitation's row in the page's list, by id; NULL when not there. */
static json_t *
panel_invitation(struct http_request *req, long long id)
{
	json_t	*list, *i;
	size_t	 n;

	list = json_object_get(ctx_get(req)->data, "invitations");
	json_array_foreach(list, n, i) {
		if (json_integer_value(json_object_get(i, "id")) == id)
			return (i);
	}
	return (NULL);
}

static const char	sql_invitation_change[] =
    "SELECT outcome, number, detail FROM panel_invitation_change($1, $2, "
    "$3, $4, $5, $6, $7, $8)";

static int
panel_invitation_change(struct http_request *req, struct panel_edit *e)
{
	const char	*params[8];
	json_t		*inv;
	long long	 id;

	if ((id = panel_form_id(req, "invitation")) == 0 ||
	    (inv = panel_invitation(req, id)) == NULL)
		return (step_error(req, 404, "This invitation is not on the "
		    "panel's list; reload the page."));
	(void)snprintf(e->id, sizeof(e->id), "%lld", id);
	if (strcmp(e->action, "resend") == 0)
		panel_mail(req, e, json_string_value(json_object_get(inv,
		    "name")));

	params[0] = e->slug;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = e->id;
	params[4] = e->action;
	params[5] = e->token_hash[0] != '\0' ? e->token_hash : NULL;
	params[6] = "Invitation to the review panel · PRECISEU Best Practice "
	    "Recognition";
	params[7] = e->mail;

	return (step_query(req, sql_invitation_change, 8, params));
}

static int
panel_remove(struct http_request *req, struct panel_edit *e)
{
	const char	*params[4];
	long long	 id;

	if ((id = panel_form_id(req, "user")) == 0)
		return (step_error(req, 400, "The form is incomplete; reload "
		    "the page."));
	(void)snprintf(e->id, sizeof(e->id), "%lld", id);
	params[0] = e->slug;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = e->id;

	return (step_query(req, "SELECT outcome, number, detail FROM "
	    "panel_remove($1, $2, $3, $4)", 4, params));
}

static const char	sql_member[] =
    "SELECT outcome, number, detail FROM panel_member_set($1, $2, $3, $4, "
    "$5::integer, ARRAY(SELECT jsonb_array_elements_text($6::jsonb)))";

/* A member's cap and expertise. */
static int
panel_member(struct http_request *req, struct panel_edit *e)
{
	const char	*params[6], *msg;
	long long	 id;
	int		 cap;

	if ((id = panel_form_id(req, "user")) == 0)
		return (step_error(req, 400, "The form is incomplete; reload "
		    "the page."));
	(void)snprintf(e->id, sizeof(e->id), "%lld", id);
	if (body_get(req, "cap")[0] != '\0') {
		if ((msg = roundform_int(body_get(req, "cap"), 0, 10000,
		    &cap)) != NULL) {
			fields_error(req, "member_cap", msg);
			return (panel_form(req, 422));
		}
		(void)snprintf(e->cap, sizeof(e->cap), "%d", cap);
	}
	if (panel_expertise(req, e) == -1) {
		fields_error(req, "member_cap", "Choose expertise among the "
		    "round's categories.");
		return (panel_form(req, 422));
	}
	params[0] = e->slug;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = e->id;
	params[4] = e->cap[0] != '\0' ? e->cap : NULL;
	params[5] = e->expertise;

	return (step_query(req, sql_member, 6, params));
}

static int
panel_show(struct http_request *req)
{
	struct panel_edit	*e;

	if (!handler_merge(req, "panel", NULL))
		return (step_error(req, 404, NULL));
	if (req->method != HTTP_METHOD_POST)
		return (panel_form(req, 200));

	e = panel_arg(req);
	e->action = body_get(req, "action");
	if (strcmp(e->action, "invite") == 0)
		return (panel_invite(req, e));
	if (strcmp(e->action, "resend") == 0 ||
	    strcmp(e->action, "revoke") == 0)
		return (panel_invitation_change(req, e));
	if (strcmp(e->action, "remove") == 0)
		return (panel_remove(req, e));
	if (strcmp(e->action, "member") == 0)
		return (panel_member(req, e));

	return (step_error(req, 400, "Unknown action: choose invite, resend, "
	    "revoke, member or remove."));
}

static int
panel_saved(struct http_request *req)
{
	struct panel_edit	*e;
	struct outcome		 o;

	e = panel_arg(req);
	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_CREATED:
		return (panel_done(req, "panel", "invited"));
	case OUTCOME_OK:
		return (panel_done(req, "panel", strcmp(e->action, "resend") ==
		    0 ? "resent" : strcmp(e->action, "revoke") == 0 ?
		    "revoked" : strcmp(e->action, "member") == 0 ? "member" :
		    "removed"));
	case OUTCOME_REFUSED:
		if (strcmp(o.detail, "member") == 0)
			fields_error(req, "email", "This person is already on "
			    "the panel.");
		else
			fields_error(req, "email", "An invitation to this "
			    "address is pending: resend it from the list "
			    "below.");
		return (panel_form(req, 422));
	case OUTCOME_INVALID:
		fields_error(req, "expertise", "Choose expertise among the "
		    "round's categories.");
		return (panel_form(req, 422));
	default:
		return (step_error(req, 404, "This invitation or member is "
		    "not on the panel any more; reload the page."));
	}
}

static const step_fn panel_steps[] = { panel_show, panel_saved, NULL };

HANDLER(panel_admin,
	.methods = METHODS_FORM,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.load = panel_load,
	.steps = panel_steps,
	.template = "admin_panel",
)
