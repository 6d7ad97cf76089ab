/*
 * /account/affiliations: a reviewer's organisations (name, country),
 * e-mail domains, and organisations they declare a conflict with in
 * advance. Each is stored with its key (core/conflict.c), which is what
 * the automatic conflicts compare; nothing here is visible to others
 * but admins, through the conflicts' reasons.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/conflict.h"
#include "core/outcome.h"
#include "core/valid.h"
#include "panel/panel.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/countries.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/webmail.h"

#define AFFILIATION_NAME_MAX	300

struct affiliation {
	char	 uid[32];
	char	 ip[CLIENT_ADDR_LEN];
	char	 id[32];
	char	 name[AFFILIATION_NAME_MAX * 4 + 1];
	char	 country[3];
	char	 key[CONFLICT_KEY_MAX];
	char	 field[32];
};

static struct affiliation *
affiliation_arg(struct http_request *req)
{
	struct ctx		*ctx;
	struct affiliation	*a;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);
	a = kore_calloc(1, sizeof(*a));
	(void)snprintf(a->uid, sizeof(a->uid), "%lld", ctx->user->id);
	client_addr(req, a->ip, sizeof(a->ip));
	ctx->arg = a;
	ctx->arg_free = kore_free;

	return (a);
}

static const struct panel_notice affiliation_notices[] = {
	{ "joined", "Welcome to the panel. Record your organisations and "
	    "e-mail domains below: applications from them will never be "
	    "assigned to you." },
	{ "added", "Saved." },
	{ "removed", "Removed." },
	{ NULL, NULL },
};

static int
affiliation_form(struct http_request *req, int status)
{
	panel_notice(req, affiliation_notices);
	return (step_render(req, status));
}

/* The name field of each kind, as the form names it. */
static const struct {
	const char	*kind;
	const char	*field;
} affiliation_fields[] = {
	{ "organisation", "organisation" },
	{ "domain", "domain" },
	{ "conflict", "conflict_organisation" },
};

static int
affiliation_check(struct http_request *req, struct affiliation *a,
    const char *kind)
{
	const char	*v, *c;
	size_t		 i;
	char		*p;

	for (i = 0; i < sizeof(affiliation_fields) /
	    sizeof(affiliation_fields[0]); i++) {
		if (strcmp(kind, affiliation_fields[i].kind) == 0)
			(void)snprintf(a->field, sizeof(a->field), "%s",
			    affiliation_fields[i].field);
	}
	if (a->field[0] == '\0')
		return (-1);

	v = body_get(req, a->field);
	(void)snprintf(a->name, sizeof(a->name), "%s", v);
	valid_trim(a->name);
	fields_keep(req, a->field, a->name);
	if (valid_chars(a->name) > AFFILIATION_NAME_MAX ||
	    strlen(v) >= sizeof(a->name)) {
		fields_error(req, a->field, "At most 300 characters.");
		return (0);
	}

	if (strcmp(kind, "domain") == 0) {
		/* "@hospital.example" or "hospital.example" alike. */
		p = a->name[0] == '@' ? a->name + 1 : a->name;
		if (strchr(p, '.') == NULL || conflict_domain_key(
		    webmail_list(), p, a->key, sizeof(a->key)) == -1) {
			fields_error(req, a->field, conflict_webmail_has(
			    webmail_list(), p) ? "This is a public webmail "
			    "domain: sharing it says nothing about an "
			    "affiliation, so it is not recorded." :
			    "Enter a domain such as hospital.example.");
			return (0);
		}
		memmove(a->name, p, strlen(p) + 1);
		for (p = a->name; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		return (1);
	}

	if (conflict_org_key(a->name, a->key, sizeof(a->key)) == -1) {
		fields_error(req, a->field, "Enter the organisation's name.");
		return (0);
	}
	if (strcmp(kind, "organisation") == 0) {
		c = body_get(req, "country");
		fields_keep(req, "country", c);
		if (c[0] != '\0' && (strlen(c) != 2 || !isupper((unsigned
		    char)c[0]) || !isupper((unsigned char)c[1]))) {
			fields_error(req, "country", "Choose a country from "
			    "the list.");
			return (0);
		}
		(void)snprintf(a->country, sizeof(a->country), "%s", c);
	}

	return (1);
}

static const char	sql_add[] =
    "SELECT outcome, number, detail FROM affiliation_add($1, $2, $3, $4, "
    "$5, $6)";

static int
affiliation_show(struct http_request *req)
{
	struct affiliation	*a;
	const char		*action, *kind, *params[6];
	long long		 id;
	int			 ok;

	if (!handler_merge(req, "affiliations", NULL))
		return (step_error(req, 404, NULL));
	(void)countries_merge(req, "countries");
	if (req->method != HTTP_METHOD_POST)
		return (affiliation_form(req, 200));

	a = affiliation_arg(req);
	action = body_get(req, "action");
	if (strcmp(action, "remove") == 0) {
		if ((id = panel_form_id(req, "id")) == 0)
			return (step_error(req, 400, "The form is incomplete; "
			    "reload the page."));
		(void)snprintf(a->id, sizeof(a->id), "%lld", id);
		params[0] = a->uid;
		params[1] = a->ip;
		params[2] = a->id;
		return (step_query(req, "SELECT outcome, number, detail FROM "
		    "affiliation_remove($1, $2, $3)", 3, params));
	}
	if (strcmp(action, "add") != 0)
		return (step_error(req, 400, "Unknown action: choose add or "
		    "remove."));

	kind = body_get(req, "kind");
	if ((ok = affiliation_check(req, a, kind)) == -1)
		return (step_error(req, 400, "Unknown kind: organisation, "
		    "domain or conflict."));
	if (!ok)
		return (affiliation_form(req, 422));

	params[0] = a->uid;
	params[1] = a->ip;
	params[2] = kind;
	params[3] = a->name;
	params[4] = a->country[0] != '\0' ? a->country : NULL;
	params[5] = a->key;

	return (step_query(req, sql_add, 6, params));
}

static int
affiliation_saved(struct http_request *req)
{
	struct affiliation	*a;
	struct outcome		 o;

	a = affiliation_arg(req);
	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_CREATED:
	case OUTCOME_EXISTS:
		return (step_redirect(req, "/account/affiliations?done=added"));
	case OUTCOME_OK:
		return (step_redirect(req,
		    "/account/affiliations?done=removed"));
	case OUTCOME_TOO_MANY:
		fields_error(req, a->field, "You have recorded 50 entries, "
		    "the most there can be; remove one first.");
		return (affiliation_form(req, 422));
	case OUTCOME_INVALID:
		fields_error(req, "country", "Choose a country from the list.");
		return (affiliation_form(req, 422));
	default:
		return (step_error(req, 404, "This entry is no longer there; "
		    "reload the page."));
	}
}

/* The country list is kept by the worker once it has it. */
static const char *
affiliation_load(struct http_request *req, struct load_params *lp)
{
	(void)req;
	(void)lp;

	if (countries_kept())
		return ("affiliations_view(s.user_id) AS affiliations");
	return ("affiliations_view(s.user_id) AS affiliations, "
	    "country_list() AS countries");
}

static const step_fn affiliation_steps[] = { affiliation_show,
    affiliation_saved, NULL };

HANDLER(affiliations_page,
	.methods = METHODS_FORM,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.load = affiliation_load,
	.steps = affiliation_steps,
	.template = "affiliations",
)
