/*
 * Previewing and publishing a round (SPEC §5, issue 13), admins only:
 *
 *	GET  /admin/rounds/{slug}/preview
 *		exactly what will go public, rendered with the public
 *		templates, and a sample of each decision e-mail as its
 *		applicant will read it
 *	POST /admin/rounds/{slug}/publish
 *		one action, one transaction (round_publish()): the public
 *		record, every applicant's e-mail, the round read-only
 *
 * The e-mails are rendered here from publish_data(), with the stamp of
 * the round as it was read: round_publish() refuses them when anything
 * changed since. An admin conflicted with an application of the round
 * neither previews nor publishes it: they could not see all of it.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decide.h"
#include "panel/panel.h"
#include "public/awards.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/page.h"

static const char *
publish_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("publish_data($2, s.user_id) AS publish");
}

/* The same, and the public pages as they would be. */
static const char *
preview_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("publish_data($2, s.user_id) AS publish, "
	    "awards_preview_data($2, s.user_id) AS awards");
}

/*
 * One applicant's e-mail, from an application of publish_data(): subject
 * and body, the caller frees both (free()).
 */
static void
publish_mail(json_t *round, json_t *app, char **subject, char **body)
{
	json_t		*data;
	const char	*slug, *ref, *words;
	char		 path[256], *link, *award;

	slug = json_string_value(json_object_get(round, "slug"));
	ref = json_string_value(json_object_get(app, "reference"));
	(void)snprintf(path, sizeof(path), "/applications/%lld",
	    (long long)json_integer_value(json_object_get(app, "id")));
	link = page_url(path);
	(void)snprintf(path, sizeof(path), "/awards/%s/%s",
	    slug != NULL ? slug : "", ref != NULL ? ref : "");
	award = page_url(path);

	data = json_deep_copy(app);
	decide_shape(data);
	json_object_set(data, "round", json_object_get(round, "title"));
	json_object_set_new(data, "link", json_string(link));
	json_object_set_new(data, "award_link", json_string(award));
	if (json_string_value(json_object_get(data, "name")) == NULL)
		json_object_set_new(data, "name", json_string("applicant"));
	*body = page_plain("mail/decision", data);

	words = decide_words(json_string_value(json_object_get(app,
	    "decision")));
	if (asprintf(subject, "%s: the panel's decision on %s (%s)",
	    json_string_value(json_object_get(round, "title")),
	    ref != NULL ? ref : "your application",
	    words != NULL ? words : "") == -1)
		fatal("asprintf");
	json_decref(data);
	kore_free(link);
	kore_free(award);
}

/*
 * The page's facts: whether it may be published and, when not, why; the
 * round and its notices. 0 when the round is not there for this admin.
 */
static int
publish_merge(struct http_request *req)
{
	json_t	*data, *pub;

	if (!handler_merge(req, "publish", NULL))
		return (0);
	data = ctx_get(req)->data;
	pub = json_object_get(data, "round");
	json_object_set_new(data, "is_deciding", json_boolean(strcmp(
	    json_string_value(json_object_get(pub, "phase")), "deciding") ==
	    0));
	json_object_set_new(data, "is_published", json_boolean(strcmp(
	    json_string_value(json_object_get(pub, "phase")), "published") ==
	    0));
	if (json_integer_value(json_object_get(data, "undecided")) == 0)
		(void)json_object_del(data, "undecided");
	if (json_integer_value(json_object_get(data, "conflicts")) == 0)
		(void)json_object_del(data, "conflicts");

	return (1);
}

/*
 * The preview.
 */

static const struct panel_notice publish_notices[] = {
	{ "published", "The round is published. The e-mails are on their "
	    "way (at the embargo, if one is set)." },
	{ NULL, NULL },
};

/* One sample e-mail per decision given, as its applicant reads it. */
static void
preview_mails(json_t *data)
{
	json_t		*apps, *app, *samples, *seen;
	const char	*decision;
	char		*subject, *body;
	size_t		 i;

	apps = json_object_get(data, "applications");
	samples = json_array();
	seen = json_object();
	json_array_foreach(apps, i, app) {
		decision = json_string_value(json_object_get(app, "decision"));
		if (decision == NULL || json_object_get(seen, decision) != NULL)
			continue;
		json_object_set_new(seen, decision, json_true());
		publish_mail(json_object_get(data, "round"), app, &subject,
		    &body);
		json_array_append_new(samples, json_pack("{s:s, s:s, s:s}",
		    "decision_words", decide_words(decision), "subject",
		    subject, "body", body));
		free(subject);
		free(body);
	}
	json_decref(seen);
	json_object_set_new(data, "mails", samples);
	(void)json_object_del(data, "applications");
}

static int
preview_show(struct http_request *req)
{
	json_t	*data, *awards, *page, *pages;
	size_t	 i;

	if (!publish_merge(req))
		return (step_error(req, 404, NULL));
	data = ctx_get(req)->data;
	panel_notice(req, publish_notices);
	if (json_object_get(data, "conflicts") != NULL) {
		(void)json_object_del(data, "applications");
		return (STEP_NEXT);
	}

	preview_mails(data);
	/*
	 * The public pages' own data and shape: the round's under "public",
	 * each practice's in "practice_pages". Once published, the page
	 * links to them instead.
	 */
	if (json_is_true(json_object_get(data, "is_published")))
		return (STEP_NEXT);
	(void)handler_merge(req, "awards", "awards");
	awards = json_object_get(data, "awards");
	page = json_object_get(awards, "round");
	if (json_is_object(page) && awards_round_shape(page, 1) == 0)
		json_object_set(data, "public", page);
	pages = json_array();
	json_array_foreach(json_object_get(awards, "practices"), i, page) {
		if (awards_practice_shape(page, 1) == 0)
			json_array_append(pages, page);
	}
	json_object_set_new(data, "practice_pages", pages);
	(void)json_object_del(data, "awards");

	return (STEP_NEXT);
}

static const step_fn preview_steps[] = { preview_show, NULL };

HANDLER(decide_preview,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.load = preview_load,
	.steps = preview_steps,
	.template = "admin_preview",
)

/*
 * Publishing.
 */

struct publish_post {
	char	 slug[PANEL_SLUG_MAX];
	char	 actor[32];
	char	 ip[CLIENT_ADDR_LEN];
	char	*stamp;
	char	*mails;
};

static void
publish_post_free(void *arg)
{
	struct publish_post	*p = arg;

	kore_free(p->stamp);
	free(p->mails);
	kore_free(p);
}

static int
publish_refused(struct http_request *req, const char *why)
{
	return (step_error(req, 409, why));
}

static int
publish_start(struct http_request *req)
{
	struct ctx		*ctx;
	struct publish_post	*p;
	json_t			*data, *mails, *app;
	const char		*params[5];
	char			*subject, *body, msg[200];
	size_t			 i;

	if (!publish_merge(req))
		return (step_error(req, 404, NULL));
	data = ctx_get(req)->data;
	if (json_object_get(data, "conflicts") != NULL)
		return (publish_refused(req, "You have a conflict of interest "
		    "with an application of this round: another "
		    "administrator must preview and publish it."));
	if (!json_is_true(json_object_get(data, "is_deciding")))
		return (publish_refused(req, "Only a round whose review is "
		    "closed, and that is not yet published, can be "
		    "published."));
	if (json_object_get(data, "undecided") != NULL) {
		(void)snprintf(msg, sizeof(msg), "%lld application(s) have no "
		    "decision yet: record one for each on the ranking page "
		    "first.", (long long)json_integer_value(json_object_get(
		    data, "undecided")));
		return (publish_refused(req, msg));
	}

	mails = json_array();
	json_array_foreach(json_object_get(data, "applications"), i, app) {
		if (json_string_value(json_object_get(app, "email")) == NULL)
			continue;
		publish_mail(json_object_get(data, "round"), app, &subject,
		    &body);
		json_array_append_new(mails, json_pack("{s:O, s:s, s:s}",
		    "application_id", json_object_get(app, "id"),
		    "subject", subject, "body", body));
		free(subject);
		free(body);
	}

	ctx = ctx_get(req);
	p = kore_calloc(1, sizeof(*p));
	ctx->arg = p;
	ctx->arg_free = publish_post_free;
	panel_round_slug(req, p->slug, sizeof(p->slug));
	(void)snprintf(p->actor, sizeof(p->actor), "%lld", ctx->user->id);
	client_addr(req, p->ip, sizeof(p->ip));
	p->stamp = kore_strdup(json_string_value(json_object_get(data,
	    "stamp")));
	if ((p->mails = json_dumps(mails, JSON_COMPACT)) == NULL)
		fatal("publish: json_dumps");
	json_decref(mails);

	params[0] = p->slug;
	params[1] = p->actor;
	params[2] = p->ip;
	params[3] = p->stamp;
	params[4] = p->mails;

	return (step_query(req, "SELECT round_publish($1, $2, $3, $4, $5) "
	    "->> 'outcome' AS outcome", 5, params));
}

static int
publish_done(struct http_request *req)
{
	const char	*o;

	if ((o = db_text(req, "outcome")) == NULL)
		return (step_error(req, 404, NULL));
	if (strcmp(o, "published") == 0)
		return (panel_done(req, "preview", "published"));
	if (strcmp(o, "changed") == 0 || strcmp(o, "mails") == 0)
		return (publish_refused(req, "The round changed while it was "
		    "being published (a decision or a review): nothing was "
		    "published. Look at the preview again, then publish."));
	if (strcmp(o, "undecided") == 0)
		return (publish_refused(req, "An application has no decision "
		    "yet: record one for each on the ranking page first."));
	if (strcmp(o, "conflicted") == 0)
		return (publish_refused(req, "You have a conflict of interest "
		    "with an application of this round: another "
		    "administrator must preview and publish it."));

	return (publish_refused(req, "Only a round whose review is closed, "
	    "and that is not yet published, can be published."));
}

static const step_fn publish_steps[] = { publish_start, publish_done, NULL };

HANDLER(decide_publish,
	.methods = METHODS_POST,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.load = publish_load,
	.steps = publish_steps,
)
