#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "web/ctx.h"
#include "web/work.h"

#define WORK_IDLE	0
#define WORK_RUNNING	1

struct work {
	struct kore_task	 task;	/* first: the entry point casts back */
	int			(*fn)(void *);
	void			*arg;
	int			 result;
	int			 state;
};

static int
work_entry(struct kore_task *t)
{
	struct work	*w = (struct work *)t;

	/* Kore stores what the entry returns as the task's result. */
	return (w->fn(w->arg));
}

int
work_run(struct http_request *req, u_int8_t next, int (*fn)(void *),
    void *arg)
{
	struct ctx	*ctx;
	struct work	*w;

	ctx = ctx_get(req);
	if (ctx->work == NULL)
		ctx->work = kore_calloc(1, sizeof(*ctx->work));
	w = ctx->work;

	if (w->state == WORK_IDLE) {
		w->fn = fn;
		w->arg = arg;
		w->state = WORK_RUNNING;
		kore_task_create(&w->task, work_entry);
		kore_task_bind_request(&w->task, req);
		kore_task_run(&w->task);
		return (HTTP_STATE_RETRY);
	}

	if (!kore_task_finished(&w->task))
		return (HTTP_STATE_RETRY);

	w->result = kore_task_result(&w->task);
	kore_task_destroy(&w->task);
	w->state = WORK_IDLE;
	req->fsm_state = next;

	return (HTTP_STATE_CONTINUE);
}

int
work_result(struct http_request *req)
{
	struct ctx	*ctx;

	ctx = ctx_get(req);
	return (ctx->work != NULL ? ctx->work->result : -1);
}

int
work_busy(struct ctx *ctx)
{
	return (ctx->work != NULL && ctx->work->state == WORK_RUNNING &&
	    !kore_task_finished(&ctx->work->task));
}

void
work_release(struct ctx *ctx)
{
	if (ctx->work == NULL)
		return;

	if (ctx->work->state == WORK_RUNNING)
		kore_task_destroy(&ctx->work->task);
	kore_free(ctx->work);
	ctx->work = NULL;
}
