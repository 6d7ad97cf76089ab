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

/*
 * Puts fn(arg) on a task thread; the request sleeps until it is done
 * (the task is bound to it) and work_poll() says so.
 */
void
work_start(struct http_request *req, int (*fn)(void *), void *arg)
{
	struct ctx	*ctx;
	struct work	*w;

	ctx = ctx_get(req);
	if (ctx->work == NULL)
		ctx->work = kore_calloc(1, sizeof(*ctx->work));
	w = ctx->work;
	if (w->state == WORK_RUNNING)
		fatal("work_start: a task is already running");

	w->fn = fn;
	w->arg = arg;
	w->state = WORK_RUNNING;
	kore_task_create(&w->task, work_entry);
	kore_task_bind_request(&w->task, req);
	__atomic_store_n(&w->launched, 0, __ATOMIC_RELAXED);
	kore_task_run(&w->task);
	__atomic_store_n(&w->launched, 1, __ATOMIC_RELEASE);
}

int
work_poll(struct http_request *req)
{
	struct work	*w;

	w = ctx_get(req)->work;
	if (w == NULL || w->state != WORK_RUNNING)
		fatal("work_poll: no task is running");
	if (!kore_task_finished(&w->task))
		return (0);

	w->result = kore_task_result(&w->task);
	kore_task_destroy(&w->task);
	w->state = WORK_IDLE;

	return (1);
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
