/*
 * CPU-heavy work (Argon2id, later PDF checks and encryption) runs on a
 * Kore task thread so the worker keeps serving while it runs.
 */
#ifndef LAUREL_WEB_WORK_H
#define LAUREL_WEB_WORK_H

#include <kore/kore.h>
#include <kore/http.h>

#include "web/ctx.h"

/*
 * The driver's pair (web/handler.c, step_work()): work_start() puts
 * fn(arg) on a task thread; work_poll() is 1 once it has finished, and
 * work_result() then holds what fn returned. fn must not call Kore or
 * touch the request; arg must live in the request's ctx (it outlives the
 * task).
 */
void	work_start(struct http_request *, int (*)(void *), void *);
int	work_poll(struct http_request *);
int	work_result(struct http_request *);

/* For ctx.c: whether a task still runs, and releasing a finished one. */
int	work_busy(struct ctx *);
void	work_release(struct ctx *);

#endif
