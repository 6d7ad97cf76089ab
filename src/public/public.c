/*
 * The public pages: the call (home), rules, privacy, and the health
 * checks. None reads the session.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/md.h"
#include "public/public.h"
#include "web/ctx.h"
#include "web/handler.h"
#include "web/page.h"

/* The navigation marks the page it is on. */
static void
public_mark(struct http_request *req, const char *name)
{
	char		 key[32];

	(void)snprintf(key, sizeof(key), "is_%s", name);
	json_object_set_new(ctx_get(req)->data, key, json_true());
}

/*
 * The home page: the open rounds, their call text in safe Markdown.
 */

static void
home_markdown(json_t *round)
{
	const char	*src;
	char		*html;

	src = json_string_value(json_object_get(round, "description"));
	if (src == NULL || (html = md_render(src, strlen(src))) == NULL)
		return;
	json_object_set_new(round, "description_html", json_string(html));
	free(html);
}

static int
home_show(struct http_request *req)
{
	json_t		*rounds, *r;
	size_t		 i;

	if (!handler_merge(req, "rounds", "rounds"))
		json_object_set_new(ctx_get(req)->data, "rounds", json_array());
	rounds = json_object_get(ctx_get(req)->data, "rounds");
	json_array_foreach(rounds, i, r)
		home_markdown(r);
	public_mark(req, "home");

	return (STEP_NEXT);
}

static const step_fn home_steps[] = { home_show, NULL };

HANDLER(public_home,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.columns = "rounds_public_open() AS rounds",
	.steps = home_steps,
	.template = "home",
)

/*
 * Pages that are only their template.
 */

static int
rules_mark(struct http_request *req)
{
	public_mark(req, "rules");
	return (STEP_NEXT);
}

static int
privacy_mark(struct http_request *req)
{
	public_mark(req, "privacy");
	return (STEP_NEXT);
}

static const step_fn rules_steps[] = { rules_mark, NULL };
static const step_fn privacy_steps[] = { privacy_mark, NULL };

HANDLER(public_rules,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.steps = rules_steps,
	.template = "rules",
)

HANDLER(public_privacy,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.steps = privacy_steps,
	.template = "privacy",
)

/*
 * Health checks: /healthz answers while the process lives, /readyz
 * once the database answers too (503 otherwise, from the driver).
 */

static int
healthz_reply(struct http_request *req)
{
	page_text(req, 200, "ok");
	return (STEP_DONE);
}

static const step_fn healthz_steps[] = { healthz_reply, NULL };

HANDLER(public_healthz,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.steps = healthz_steps,
)

static int
readyz_reply(struct http_request *req)
{
	if (handler_loaded(req, "ready") == NULL)
		return (step_error(req, 503, NULL));

	page_text(req, 200, "ok");
	return (STEP_DONE);
}

static const step_fn readyz_steps[] = { readyz_reply, NULL };

HANDLER(public_readyz,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.columns = "1 AS ready",
	.steps = readyz_steps,
)
