#include <malloc.h>

#include "web/ctx.h"
#include "web/db.h"
#include "web/work.h"

static void	ctx_free(struct http_request *);

struct ctx *
ctx_get(struct http_request *req)
{
	struct ctx	*ctx;

	if (http_state_exists(req))
		return (http_state_get(req));

	ctx = http_state_create(req, sizeof(*ctx), ctx_free);
	ctx->data = json_object();
	form_init(&ctx->form);
	form_init(&ctx->query);

	return (ctx);
}

/*
 * Kore calls this again while a task of the request is still running
 * (and once more when it ends), so every release leaves its pointer NULL,
 * and nothing is released while a task thread may still use it.
 */
static void
ctx_free(struct http_request *req)
{
	struct ctx	*ctx;

	if ((ctx = http_state_get(req)) == NULL)
		return;

	if (work_busy(ctx))
		return;
	work_release(ctx);

	/* The pgsql lives inside ctx: detach it before ctx goes. */
	kore_pgsql_cleanup(&ctx->sql);

	db_release(ctx);
	if (ctx->res != NULL) {
		PQclear(ctx->res);
		ctx->res = NULL;
	}
	if (ctx->loaded != NULL) {
		PQclear(ctx->loaded);
		ctx->loaded = NULL;
	}
	kore_free(ctx->rights);
	ctx->rights = NULL;

	kore_free(ctx->upload);
	ctx->upload = NULL;
	form_free(&ctx->form);
	form_free(&ctx->query);
	kore_free(ctx->user);
	ctx->user = NULL;

	if (ctx->data != NULL) {
		json_decref(ctx->data);
		ctx->data = NULL;
	}

	if (ctx->arg != NULL && ctx->arg_free != NULL)
		ctx->arg_free(ctx->arg);
	ctx->arg = NULL;

	http_state_cleanup(req);

	/*
	 * A document's copies (its part, the sealed bytes) were allocated
	 * on a task thread, in that thread's malloc arena, which keeps the
	 * freed pages resident: without this, each worker would hold about
	 * 60 MiB after a few concurrent uploads (issue 16).
	 */
	if (req->http_body_length > CTX_TRIM_BODY)
		(void)malloc_trim(0);
}
