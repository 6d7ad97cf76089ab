#include "web/ctx.h"

static void	ctx_free(struct http_request *);

struct ctx *
ctx_get(struct http_request *req)
{
	struct ctx	*ctx;

	if (http_state_exists(req))
		return (http_state_get(req));

	ctx = http_state_create(req, sizeof(*ctx), ctx_free);
	ctx->data = json_object();

	return (ctx);
}

/*
 * Kore may call this more than once for the same request (KORE.md), so
 * every release leaves its pointer NULL.
 */
static void
ctx_free(struct http_request *req)
{
	struct ctx	*ctx;

	if ((ctx = http_state_get(req)) == NULL)
		return;

	/* The pgsql lives inside ctx: detach it before ctx goes. */
	kore_pgsql_cleanup(&ctx->sql);

	if (ctx->res != NULL) {
		PQclear(ctx->res);
		ctx->res = NULL;
	}

	if (ctx->data != NULL) {
		json_decref(ctx->data);
		ctx->data = NULL;
	}

	if (ctx->arg != NULL && ctx->arg_free != NULL)
		ctx->arg_free(ctx->arg);
	ctx->arg = NULL;

	http_state_cleanup(req);
}
