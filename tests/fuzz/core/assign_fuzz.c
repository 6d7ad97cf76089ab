/*
 * libFuzzer driver for the automatic assignment (src/core/assign.c): any
 * bytes as the problem's JSON. A problem is refused with a message, or
 * solved; a solution never makes a blocked or existing pair, nor one
 * twice, gives no application more than its need (exactly its need when
 * complete), keeps every cap, says why when it is not complete, and
 * turns into JSON that parses.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/assign.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
listed(const size_t *v, size_t n, size_t app, size_t rev)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[2 * i] == app && v[2 * i + 1] == rev)
			return (1);
	return (0);
}

static void
check(const struct assign_problem *p, const struct assign_result *res)
{
	const struct assign_made	*mk;
	const struct assign_reviewer	*r;
	int				*got, *added;
	size_t				 i, s;

	if ((got = calloc(p->napps + 1, sizeof(*got))) == NULL ||
	    (added = calloc(p->nreviewers + 1, sizeof(*added))) == NULL)
		abort();
	for (i = 0; i < res->nmade; i++) {
		mk = &res->made[i];
		if (mk->app >= p->napps || mk->reviewer >= p->nreviewers ||
		    listed(p->blocked, p->nblocked, mk->app, mk->reviewer) ||
		    listed(p->assigned, p->nassigned, mk->app, mk->reviewer))
			abort();
		if (i > 0 && (mk->app < res->made[i - 1].app ||
		    (mk->app == res->made[i - 1].app &&
		    mk->reviewer <= res->made[i - 1].reviewer)))
			abort();
		got[mk->app]++;
		added[mk->reviewer]++;
	}
	for (i = 0; i < p->napps; i++) {
		if (got[i] > p->apps[i].need)
			abort();
		if (got[i] < p->apps[i].need) {
			for (s = 0; s < res->nshorts; s++)
				if (res->shorts[s].app == i)
					break;
			if (s == res->nshorts || res->shorts[s].got != got[i])
				abort();
		}
	}
	for (i = 0; i < p->nreviewers; i++) {
		r = &p->reviewers[i];
		if (added[i] > 0 && r->cap >= 0 && r->load + added[i] > r->cap)
			abort();
	}
	if (res->complete != (res->nshorts == 0) ||
	    res->complete != (res->why[0] == '\0'))
		abort();
	free(got);
	free(added);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct assign_problem	 p;
	struct assign_result	 res;
	json_t			*j;
	char			*s, *out, err[256];

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';

	err[0] = '\0';
	if (assign_problem_from_json(s, &p, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || p.apps != NULL || p.napps != 0)
			abort();
		free(s);
		return (0);
	}
	if (assign_solve(&p, &res, err, sizeof(err)) != 0)
		abort();
	check(&p, &res);
	if ((out = assign_result_to_json(&p, &res)) == NULL ||
	    (j = json_loads(out, 0, NULL)) == NULL)
		abort();
	json_decref(j);
	free(out);
	assign_result_free(&res);
	assign_problem_free(&p);
	free(s);
	return (0);
}
