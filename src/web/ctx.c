#include <malloc.h>

#include "web/ctx.h"
#include "web/db.h"
#include "web/work.h"

static void	ctx_free(struct http_request *);
static size_t	ctx_loaded_bytes(const PGresult *);

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
	int		 worked, large;

	if ((ctx = http_state_get(req)) == NULL)
		return;

	if (work_busy(ctx))
		return;
	worked = ctx->work != NULL;
	work_release(ctx);
	large = ctx_loaded_bytes(ctx->loaded) > CTX_TRIM_LOADED;

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
	 * What a task did (parse and seal a document, solve an assignment,
	 * hash a password) it allocated on its thread, in that thread's
	 * malloc arena, which keeps freed pages resident; so does a large
	 * body's way through. Without this, each worker held about 60 MiB
	 * after a few uploads at once (issue 16). A large page (the ranking:
	 * 320 KiB of data, 2,000 rows of objects, 3.4 MiB of HTML) leaves
	 * its many small blocks free in the heap: a worker that had served
	 * it stayed at 40 MiB.
	 */
	if (worked || large || req->http_body_length > CTX_TRIM_BODY)
		(void)malloc_trim(0);
}

/* The bytes of a page's loaded row, its columns' text. */
static size_t
ctx_loaded_bytes(const PGresult *res)
{
	size_t	n;
	int	i;

	if (res == NULL || PQntuples(res) < 1)
		return (0);
	n = 0;
	for (i = 0; i < PQnfields(res); i++)
		n += (size_t)PQgetlength(res, 0, i);
	return (n);
}
