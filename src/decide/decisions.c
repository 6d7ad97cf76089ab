/*
 * Closing review and recording decisions (SPEC §5, issue 13), admins
 * only:
 *
 *	POST /admin/rounds/{slug}/close-review
 *		reviewing -> deciding: reviews no longer change
 *	POST /admin/rounds/{slug}/decisions
 *		decision_{id} (winner, finalist, honourable_mention,
 *		not_selected, or "" for undecided) and citation_{id} (the
 *		public citation of a recognised practice, at most 150
 *		words), for the applications of the ranking page's form;
 *		once the round is published only citation_{id}, to correct
 *		a published citation (audited, and public at once)
 *
 * The form is the ranking page's (decide/ranking.c): a refused value
 * shows that page again with the message beside its field and what was
 * typed kept. sql/90_decisions.sql checks the admin, the phase and the
 * conflicts itself.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decide.h"
#include "core/valid.h"
#include "decide/ranking.h"
#include "panel/panel.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/handler.h"

#define DECISION_PREFIX	"decision_"
#define CITATION_PREFIX	"citation_"
/* Two fields per application of a round of 2,000, and the token. */
#define DECISIONS_FIELDS	8192

struct decide_post {
	char	 slug[PANEL_SLUG_MAX];
	char	 actor[32];
	char	 ip[CLIENT_ADDR_LEN];
	char	*decisions;	/* {id: {decision, citation}} */
};

static void
decide_post_free(void *arg)
{
	struct decide_post	*p = arg;

	free(p->decisions);
	kore_free(p);
}

static struct decide_post *
decide_post_new(struct http_request *req)
{
	struct ctx		*ctx;
	struct decide_post	*p;

	ctx = ctx_get(req);
	p = kore_calloc(1, sizeof(*p));
	ctx->arg = p;
	ctx->arg_free = decide_post_free;
	panel_round_slug(req, p->slug, sizeof(p->slug));
	(void)snprintf(p->actor, sizeof(p->actor), "%lld", ctx->user->id);
	client_addr(req, p->ip, sizeof(p->ip));

	return (p);
}

/*
 * Closing review.
 */

static int
close_start(struct http_request *req)
{
	struct decide_post	*p;
	const char		*params[3];

	p = decide_post_new(req);
	params[0] = p->slug;
	params[1] = p->actor;
	params[2] = p->ip;

	return (step_query(req, "SELECT round_close_review($1, $2, $3) "
	    "AS outcome", 3, params));
}

static int
close_done(struct http_request *req)
{
	const char	*outcome;

	if ((outcome = db_text(req, "outcome")) == NULL)
		return (step_error(req, 404, NULL));
	if (strcmp(outcome, "closed") == 0)
		return (panel_done(req, "ranking", "closed"));

	return (step_error(req, 409, "Review can be closed only while the "
	    "round is in review: after its deadline, and before review was "
	    "closed."));
}

static const step_fn close_steps[] = { close_start, close_done, NULL };

HANDLER(decide_close_review,
	.methods = METHODS_POST,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.steps = close_steps,
)

/*
 * Decisions.
 */

/* The application id of a field named prefix{id}; 0 when it is not. */
static long long
field_id(const char *name, const char *prefix)
{
	char		*end;
	long long	 id;

	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return (0);
	name += strlen(prefix);
	if (*name < '1' || *name > '9' || strlen(name) > 18)
		return (0);
	id = strtoll(name, &end, 10);

	return (*end == '\0' ? id : 0);
}

/*
 * One application of the form: decision (NULL when the form had none,
 * the correction of a published citation) and citation, checked; the
 * entry goes into all, or the error beside the field. 0 or -1.
 */
static int
decisions_one(struct http_request *req, json_t *all, long long id,
    const char *decision, const char *citation)
{
	char		 msg[DECIDE_MESSAGE_MAX], key[24], *cit;
	const char	*field;
	int		 rc;

	cit = kore_strdup(citation != NULL ? citation : "");
	valid_trim(cit);
	ranking_field_value(req, id, "citation", cit);
	if (decision != NULL)
		ranking_field_value(req, id, "decision", decision);

	/* A correction is of a recognised practice's citation. */
	rc = decide_check(decision != NULL ? decision : "finalist", cit,
	    &field, msg, sizeof(msg));
	if (rc == -1) {
		ranking_field_error(req, id, field, msg);
	} else {
		(void)snprintf(key, sizeof(key), "%lld", id);
		json_object_set_new(all, key, json_pack("{s:s, s:s}",
		    "decision", decision != NULL ? decision : "",
		    "citation", decide_recognised(decision) || decision == NULL ?
		    cit : ""));
	}
	kore_free(cit);

	return (rc);
}

/*
 * The form's decision and citation fields by name, the first of each:
 * looking up each pair's other half along the 4,000 fields of a round of
 * 2,000 applications was 8 million comparisons (form_get() searches).
 */
static json_t *
decisions_index(const struct form *form)
{
	json_t		*index;
	const char	*name;
	size_t		 i;

	index = json_object();
	for (i = 0; form != NULL && i < form->nfields; i++) {
		name = form->fields[i].name;
		if (field_id(name, DECISION_PREFIX) == 0 &&
		    field_id(name, CITATION_PREFIX) == 0)
			continue;
		if (json_object_get(index, name) == NULL)
			json_object_set_new_nocheck(index, name,
			    json_integer((json_int_t)i));
	}

	return (index);
}

/* form_get() for a name decisions_index() holds. */
static const char *
decisions_get(const struct form *form, json_t *index, const char *name)
{
	json_t	*at;

	if ((at = json_object_get(index, name)) == NULL)
		return (NULL);

	return (form->fields[json_integer_value(at)].value);
}

static int
decisions_check(struct http_request *req)
{
	struct decide_post	*p;
	struct form		*form;
	json_t			*all, *index;
	const char		*params[4], *decision, *citation;
	char			 name[64];
	long long		 id;
	size_t			 i;
	int			 failed;

	p = decide_post_new(req);
	form = body_form(req);
	index = decisions_index(form);
	all = json_object();
	failed = 0;
	for (i = 0; form != NULL && i < form->nfields; i++) {
		decision = NULL;
		if ((id = field_id(form->fields[i].name,
		    DECISION_PREFIX)) > 0) {
			decision = form->fields[i].value;
		} else if ((id = field_id(form->fields[i].name,
		    CITATION_PREFIX)) > 0) {
			/* With its decision, it is taken there. */
			(void)snprintf(name, sizeof(name), DECISION_PREFIX
			    "%lld", id);
			if (decisions_get(form, index, name) != NULL)
				continue;
		} else {
			continue;
		}
		(void)snprintf(name, sizeof(name), CITATION_PREFIX "%lld", id);
		citation = decisions_get(form, index, name);
		if (decisions_one(req, all, id, decision, citation) == -1)
			failed = 1;
	}
	json_decref(index);
	if (failed) {
		json_decref(all);
		return (step_render(req, 422));
	}

	p->decisions = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	if (p->decisions == NULL)
		fatal("decisions: json_dumps");
	params[0] = p->slug;
	params[1] = p->actor;
	params[2] = p->ip;
	params[3] = p->decisions;

	return (step_query(req, "SELECT decisions_save($1, $2, $3, $4) "
	    "->> 'outcome' AS outcome", 4, params));
}

static int
decisions_saved(struct http_request *req)
{
	const char	*outcome;

	if ((outcome = db_text(req, "outcome")) == NULL)
		return (step_error(req, 404, NULL));
	if (strcmp(outcome, "saved") == 0)
		return (panel_done(req, "ranking", "decided"));

	return (step_error(req, 409, "Decisions are recorded once review is "
	    "closed, and cannot change once the round is published (only a "
	    "citation may be corrected)."));
}

static const step_fn decisions_steps[] = { ranking_show, decisions_check,
    decisions_saved, NULL };

HANDLER(decide_decisions,
	.methods = METHODS_POST,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.form_fields = DECISIONS_FIELDS,
	.load = ranking_load,
	.steps = decisions_steps,
	.template = "admin_ranking",
)
