#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include <sched.h>

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
	int			 launched;	/* kore_task_run() returned */
};

/*
 * Kore 4.1.0's task thread waits for work with "if (queue empty)
 * pthread_cond_wait()", and kore_task_run() signals only after it has
 * unlocked the queue. A short task can be taken, run and finished in
 * between; the thread then waits again, the late signal wakes it to an
 * empty queue, and it dereferences NULL: the worker dies (seen on the
 * first small upload after a start). Holding the entry until
 * kore_task_run() has returned, and so has signalled, closes that
 * window: the signal then finds the thread busy and is lost, harmlessly.
 */
static int
work_entry(struct kore_task *t)
{
	struct work	*w = (struct work *)t;

	while (!__atomic_load_n(&w->launched, __ATOMIC_ACQUIRE))
		sched_yield();

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
		__atomic_store_n(&w->launched, 0, __ATOMIC_RELAXED);
		kore_task_run(&w->task);
		__atomic_store_n(&w->launched, 1, __ATOMIC_RELEASE);
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

/* The driver's pair (web/handler.c): start once, then poll. */
void
work_start(struct http_request *req, int (*fn)(void *), void *arg)
{
	struct ctx	*ctx;

	ctx = ctx_get(req);
	if (ctx->work != NULL && ctx->work->state == WORK_RUNNING)
		fatal("work_start: a task is already running");

	(void)work_run(req, req->fsm_state, fn, arg);
}

int
work_poll(struct http_request *req)
{
	return (work_run(req, req->fsm_state, NULL, NULL) ==
	    HTTP_STATE_CONTINUE);
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
