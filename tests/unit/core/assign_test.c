#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <glpk.h>
#include <jansson.h>

#include "core/assign.h"

/*
 * Problems built by hand: reviewers are "cap/load/expertise bits", for
 * brevity; every list malloc'd so that assign_problem_free() frees it.
 */

struct rev {
	int			 cap, load;
	unsigned long long	 expertise;
};

static void
problem(struct assign_problem *p, size_t napps, const int *category,
    const int *need, size_t nrev, const struct rev *revs)
{
	size_t	i;

	memset(p, 0, sizeof(*p));
	p->ncategories = 4;
	p->k = 3;
	p->napps = napps;
	p->nreviewers = nrev;
	p->apps = calloc(napps + 1, sizeof(*p->apps));
	p->reviewers = calloc(nrev + 1, sizeof(*p->reviewers));
	p->blocked = calloc(2 * napps * nrev + 2, sizeof(*p->blocked));
	p->assigned = calloc(2 * napps * nrev + 2, sizeof(*p->assigned));
	assert_non_null(p->apps);
	assert_non_null(p->reviewers);
	assert_non_null(p->blocked);
	assert_non_null(p->assigned);
	for (i = 0; i < napps; i++) {
		p->apps[i].id = 100 + (long long)i;
		(void)snprintf(p->apps[i].ref, sizeof(p->apps[i].ref),
		    "BPR-2026-%04zu", i + 1);
		p->apps[i].category = category[i];
		p->apps[i].need = need[i];
	}
	for (i = 0; i < nrev; i++) {
		p->reviewers[i].id = 1 + (long long)i;
		p->reviewers[i].cap = revs[i].cap;
		p->reviewers[i].load = revs[i].load;
		p->reviewers[i].expertise = revs[i].expertise;
	}
}

static void
block(struct assign_problem *p, size_t app, size_t rev)
{
	p->blocked[2 * p->nblocked] = app;
	p->blocked[2 * p->nblocked + 1] = rev;
	p->nblocked++;
}

static void
assigned(struct assign_problem *p, size_t app, size_t rev)
{
	p->assigned[2 * p->nassigned] = app;
	p->assigned[2 * p->nassigned + 1] = rev;
	p->nassigned++;
}

static int
is_blocked(const struct assign_problem *p, size_t app, size_t rev, int which)
{
	const size_t	*v = which ? p->assigned : p->blocked;
	size_t		 n = which ? p->nassigned : p->nblocked, i;

	for (i = 0; i < n; i++)
		if (v[2 * i] == app && v[2 * i + 1] == rev)
			return (1);
	return (0);
}

static int
made(const struct assign_result *res, size_t app, size_t rev)
{
	size_t	i;

	for (i = 0; i < res->nmade; i++)
		if (res->made[i].app == app && res->made[i].reviewer == rev)
			return (1);
	return (0);
}

/* The final loads, into loads[]. */
static void
final_loads(const struct assign_problem *p, const struct assign_result *res,
    int *loads)
{
	size_t	i;

	for (i = 0; i < p->nreviewers; i++)
		loads[i] = p->reviewers[i].load;
	for (i = 0; i < res->nmade; i++)
		loads[res->made[i].reviewer]++;
}

static const struct assign_short *
short_of(const struct assign_result *res, size_t app)
{
	size_t	i;

	for (i = 0; i < res->nshorts; i++)
		if (res->shorts[i].app == app)
			return (&res->shorts[i]);
	return (NULL);
}

/*
 * Every promise of core/assign.h about a result: the pairs, their order
 * and fields, the needs, the caps, the shortfalls and their counts, the
 * cost, and balance: no reviewer A with two more than a reviewer B that
 * could have taken one of A's new applications.
 */
static void
check(const struct assign_problem *p, const struct assign_result *res)
{
	const struct assign_made	*mk;
	const struct assign_short	*sh;
	const struct assign_reviewer	*r;
	struct assign_model		 md;
	glp_graph			*g;
	int				*loads, *got, *seen, e, c, a, w;
	long long			 cost, over;
	size_t				 i, j;
	char				 err[128];

	loads = calloc(p->nreviewers + 1, sizeof(*loads));
	got = calloc(p->napps + 1, sizeof(*got));
	seen = calloc(p->nreviewers + 1, sizeof(*seen));
	assert_non_null(loads);
	assert_non_null(got);
	assert_non_null(seen);
	g = assign_graph(p, &md, err, sizeof(err));
	assert_non_null(g);
	glp_delete_graph(g);

	cost = 0;
	for (i = 0; i < res->nmade; i++) {
		mk = &res->made[i];
		assert_true(mk->app < p->napps && mk->reviewer < p->nreviewers);
		if (i > 0)
			assert_true(mk->app > res->made[i - 1].app ||
			    (mk->app == res->made[i - 1].app &&
			    mk->reviewer > res->made[i - 1].reviewer));
		assert_false(is_blocked(p, mk->app, mk->reviewer, 0));
		assert_false(is_blocked(p, mk->app, mk->reviewer, 1));
		got[mk->app]++;
		seen[mk->reviewer]++;
		assert_int_equal(mk->load, p->reviewers[mk->reviewer].load +
		    seen[mk->reviewer]);
		c = p->apps[mk->app].category;
		e = c >= 0 && (p->reviewers[mk->reviewer].expertise >> c) & 1;
		assert_int_equal(mk->expertise, e);
		assert_int_equal(mk->cost_expertise, e ? 0 : md.e);
		assert_int_equal(mk->cost_load, md.w * (2LL * (mk->load - 1) +
		    1));
		cost += mk->cost_expertise + mk->cost_load;
	}

	over = 0;
	for (i = 0; i < p->napps; i++) {
		sh = short_of(res, i);
		if (sh == NULL) {
			assert_int_equal(got[i], p->apps[i].need);
			continue;
		}
		assert_int_equal(sh->need, p->apps[i].need);
		assert_int_equal(sh->got, got[i]);
		assert_true(sh->got < sh->need);
		over += sh->need - sh->got;
		/* The counts, again. */
		e = c = a = w = 0;
		for (j = 0; j < p->nreviewers; j++) {
			r = &p->reviewers[j];
			if (is_blocked(p, i, j, 1))
				w++;
			else if (is_blocked(p, i, j, 0))
				c++;
			else if (r->cap >= 0 && r->cap <= r->load)
				a++;
			else
				e++;
		}
		assert_int_equal(sh->eligible, e);
		assert_int_equal(sh->conflicted, c);
		assert_int_equal(sh->at_cap, a);
		assert_int_equal(sh->already, w);
	}
	assert_int_equal(res->complete, res->nshorts == 0);
	if (res->complete)
		assert_string_equal(res->why, "");
	else
		assert_true(strlen(res->why) > 10);
	assert_int_equal(res->cost, cost + over * md.m);

	final_loads(p, res, loads);
	for (j = 0; j < p->nreviewers; j++) {
		r = &p->reviewers[j];
		if (r->cap >= 0)
			assert_true(seen[j] == 0 || loads[j] <= r->cap);
	}
	for (i = 0; i < res->nmade; i++) {
		mk = &res->made[i];
		for (j = 0; j < p->nreviewers; j++) {
			r = &p->reviewers[j];
			if (loads[mk->reviewer] < loads[j] + 2 ||
			    is_blocked(p, mk->app, j, 0) ||
			    is_blocked(p, mk->app, j, 1) ||
			    made(res, mk->app, j) ||
			    (r->cap >= 0 && loads[j] >= r->cap))
				continue;
			fail_msg("application %zu: reviewer %zu at %d, but %zu "
			    "at %d could take it", mk->app, mk->reviewer,
			    loads[mk->reviewer], j, loads[j]);
		}
	}
	free(loads);
	free(got);
	free(seen);
}

/* The optimum by GLPK's out-of-kilter algorithm, on the same graph. */
static double
oracle(const struct assign_problem *p)
{
	glp_graph	*g;
	double		 sol;
	char		 err[128];

	g = assign_graph(p, NULL, err, sizeof(err));
	assert_non_null(g);
	assert_int_equal(glp_mincost_okalg(g, ASSIGN_V_RHS, ASSIGN_A_LOW,
	    ASSIGN_A_CAP, ASSIGN_A_COST, &sol, ASSIGN_A_X, -1), 0);
	glp_delete_graph(g);
	return (sol);
}

static void
solve(const struct assign_problem *p, struct assign_result *res)
{
	char	err[128];

	if (assign_solve(p, res, err, sizeof(err)) != 0)
		fail_msg("assign_solve: %s", err);
	check(p, res);
	assert_true((double)res->cost == oracle(p));
}

/*
 * The graph
 */

static void
test_graph(void **state)
{
	static const int	 cat[] = { 0, 1 }, need[] = { 2, 1 };
	static const struct rev	 revs[] = {
		{ -1, 0, 1 },		/* no cap, expertise 0 */
		{ 2, 1, 2 },		/* cap 2, load 1: one more */
		{ 1, 3, 3 },		/* over its cap: no room */
	};
	struct assign_problem	 p;
	struct assign_model	 md;
	struct assign_adata	*d;
	struct assign_vdata	*v;
	glp_graph		*g;
	glp_arc			*a;
	int			 i, kinds[4] = { 0, 0, 0, 0 }, units0 = 0;
	char			 err[128];

	(void)state;
	problem(&p, 2, cat, need, 3, revs);
	block(&p, 1, 0);		/* application 1, reviewer 0 */
	g = assign_graph(&p, &md, err, sizeof(err));
	assert_non_null(g);

	/* source, 2 applications, 3 reviewers, sink */
	assert_int_equal(g->nv, 7);
	assert_int_equal(md.sink, 7);
	assert_int_equal(ASSIGN_SINK(&p), 7);
	assert_int_equal(md.need, 3);
	v = g->v[ASSIGN_SOURCE]->data;
	assert_true(v->rhs == 3.0);
	v = g->v[md.sink]->data;
	assert_true(v->rhs == -3.0);
	assert_int_equal(md.e, 1);
	assert_int_equal(md.w, 2);	/* min(3 - 1, 2) * 1 / 2 + 1 */

	for (i = 1; i <= g->nv; i++) {
		for (a = g->v[i]->out; a != NULL; a = a->t_next) {
			d = a->data;
			assert_true(d->low == 0.0);
			kinds[d->kind]++;
			switch (d->kind) {
			case ASSIGN_ARC_SUPPLY:
				assert_int_equal(a->tail->i, ASSIGN_SOURCE);
				assert_int_equal(a->head->i,
				    ASSIGN_VAPP(d->app));
				assert_true(d->cap == need[d->app]);
				assert_true(d->cost == 0.0);
				break;
			case ASSIGN_ARC_OVERFLOW:
				assert_int_equal(a->head->i, md.sink);
				assert_true(d->cap == need[d->app]);
				assert_true(d->cost == (double)md.m);
				break;
			case ASSIGN_ARC_PAIR:
				/* Not blocked, not to the reviewer at cap. */
				assert_false(d->app == 1 && d->reviewer == 0);
				assert_int_not_equal(d->reviewer, 2);
				assert_int_equal(a->tail->i,
				    ASSIGN_VAPP(d->app));
				assert_int_equal(a->head->i,
				    ASSIGN_VREVIEWER(&p, d->reviewer));
				assert_true(d->cap == 1.0);
				assert_true(d->cost == ((revs[d->reviewer].
				    expertise >> cat[d->app]) & 1 ? 0.0 : 1.0));
				break;
			case ASSIGN_ARC_LOAD:
				assert_int_equal(a->head->i, md.sink);
				assert_true(d->cap == 1.0);
				assert_true(d->cost == (double)(md.w *
				    (2 * d->level + 1)));
				if (d->reviewer == 0)
					units0++;
				else
					/* One more unit, from load 1. */
					assert_int_equal(d->level, 1);
				break;
			default:
				fail();
			}
		}
	}
	assert_int_equal(kinds[ASSIGN_ARC_SUPPLY], 2);
	assert_int_equal(kinds[ASSIGN_ARC_OVERFLOW], 2);
	/* app 0: reviewers 0, 1; app 1: reviewer 1 */
	assert_int_equal(kinds[ASSIGN_ARC_PAIR], 3);
	/* reviewer 0: as many as it may read (1); reviewer 1: its cap */
	assert_int_equal(units0, 1);
	assert_int_equal(kinds[ASSIGN_ARC_LOAD], 2);
	/* M above the dearest unit (reviewer 1, 1 -> 2: 3W) and 2 E. */
	assert_int_equal(md.m, 3 * md.w + 2 * md.e + 1);
	glp_delete_graph(g);

	/* Out of range: refused. */
	block(&p, 2, 0);
	assert_null(assign_graph(&p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "blocked pair 1"));
	assign_problem_free(&p);
}

/*
 * Hand-made instances
 */

static void
test_exact_k(void **state)
{
	static const int	 cat[] = { 0, 1, 2 }, need[] = { 2, 2, 2 };
	static const struct rev	 revs[] = {
		{ -1, 0, 0 }, { -1, 0, 0 }, { -1, 0, 0 }, { -1, 0, 0 },
	};
	struct assign_problem	 p;
	struct assign_result	 res;
	int			 loads[4];

	(void)state;
	problem(&p, 3, cat, need, 4, revs);
	solve(&p, &res);
	assert_true(res.complete);
	assert_int_equal(res.nmade, 6);
	assert_int_equal(res.nshorts, 0);
	final_loads(&p, &res, loads);
	/* 6 over 4: two of 2, two of 1 */
	assert_int_equal(loads[0] + loads[1] + loads[2] + loads[3], 6);
	assert_true(loads[0] >= 1 && loads[0] <= 2);
	assert_true(loads[1] >= 1 && loads[1] <= 2);
	assert_true(loads[2] >= 1 && loads[2] <= 2);
	assert_true(loads[3] >= 1 && loads[3] <= 2);
	assign_result_free(&res);
	assign_problem_free(&p);
}

static void
test_expertise(void **state)
{
	static const int	 cat[] = { 0, 1, 2, 3 };
	static const int	 need[] = { 1, 1, 1, 1 };
	static const struct rev	 revs[] = {
		{ -1, 0, 8 }, { -1, 0, 4 }, { -1, 0, 2 }, { -1, 0, 1 },
	};
	struct assign_problem	 p;
	struct assign_result	 res;
	size_t			 i;

	(void)state;
	/* Balance is the same however it goes: each to its expert. */
	problem(&p, 4, cat, need, 4, revs);
	solve(&p, &res);
	assert_true(res.complete);
	assert_int_equal(res.nmade, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(res.made[i].app, i);
		assert_int_equal(res.made[i].reviewer, 3 - i);
		assert_true(res.made[i].expertise);
		assert_int_equal(res.made[i].cost_expertise, 0);
	}
	assign_result_free(&res);
	assign_problem_free(&p);
}

static void
test_balance_first(void **state)
{
	static const int	 cat[] = { 0, 0 }, need[] = { 1, 1 };
	static const int	 one[] = { 0 }, one_need[] = { 1 };
	static const struct rev	 revs[] = { { -1, 0, 1 }, { -1, 0, 0 } };
	static const struct rev	 busy[] = { { -1, 2, 1 }, { -1, 0, 0 } };
	struct assign_problem	 p;
	struct assign_result	 res;

	(void)state;
	/* Two for the one expert would unbalance: one each. */
	problem(&p, 2, cat, need, 2, revs);
	solve(&p, &res);
	assert_int_equal(res.nmade, 2);
	assert_int_not_equal(res.made[0].reviewer, res.made[1].reviewer);
	assert_int_equal(res.made[0].expertise + res.made[1].expertise, 1);
	assign_result_free(&res);
	assign_problem_free(&p);

	/* The expert has 2 already: the other reviewer takes it. */
	problem(&p, 1, one, one_need, 2, busy);
	solve(&p, &res);
	assert_int_equal(res.nmade, 1);
	assert_int_equal(res.made[0].reviewer, 1);
	assert_false(res.made[0].expertise);
	assert_int_equal(res.made[0].load, 1);
	assign_result_free(&res);
	assign_problem_free(&p);

	/* Both with 1 already: as balanced either way, so the expert. */
	problem(&p, 1, one, one_need, 2, busy);
	p.reviewers[0].load = 1;
	p.reviewers[1].load = 1;
	solve(&p, &res);
	assert_int_equal(res.made[0].reviewer, 0);
	assert_true(res.made[0].expertise);
	assert_int_equal(res.made[0].load, 2);
	assign_result_free(&res);
	assign_problem_free(&p);
}

static void
test_caps(void **state)
{
	static const int	 cat[] = { 0, 0, 0, 0 };
	static const int	 need[] = { 1, 1, 1, 1 };
	static const struct rev	 revs[] = {
		{ 1, 0, 1 }, { -1, 5, 0 }, { 6, 5, 0 },
	};
	struct assign_problem	 p;
	struct assign_result	 res;
	int			 loads[3];

	(void)state;
	/* The expert may take one; reviewer 2 one more (cap 6). */
	problem(&p, 4, cat, need, 3, revs);
	solve(&p, &res);
	assert_true(res.complete);
	final_loads(&p, &res, loads);
	assert_int_equal(loads[0], 1);
	assert_int_equal(loads[1], 7);
	assert_int_equal(loads[2], 6);
	assign_result_free(&res);
	assign_problem_free(&p);
}

static void
test_existing(void **state)
{
	static const int	 cat[] = { 0 }, need[] = { 2 };
	static const struct rev	 revs[] = {
		{ -1, 1, 1 }, { -1, 0, 0 }, { -1, 0, 0 },
	};
	struct assign_problem	 p;
	struct assign_result	 res;

	(void)state;
	/* k = 3, reviewer 0 on it already: two more, never reviewer 0. */
	problem(&p, 1, cat, need, 3, revs);
	assigned(&p, 0, 0);
	solve(&p, &res);
	assert_true(res.complete);
	assert_int_equal(res.nmade, 2);
	assert_int_equal(res.made[0].reviewer, 1);
	assert_int_equal(res.made[1].reviewer, 2);
	assign_result_free(&res);
	assign_problem_free(&p);
}

static void
test_blocked(void **state)
{
	static const int	 cat[] = { 0, 0, 1 }, need[] = { 1, 2, 1 };
	static const struct rev	 revs[] = {
		{ -1, 0, 1 }, { -1, 0, 1 }, { -1, 0, 2 },
	};
	struct assign_problem	 p;
	struct assign_result	 res;

	(void)state;
	problem(&p, 3, cat, need, 3, revs);
	block(&p, 0, 0);
	block(&p, 0, 1);
	block(&p, 1, 2);
	block(&p, 2, 2);
	solve(&p, &res);
	assert_true(res.complete);
	assert_false(made(&res, 0, 0) || made(&res, 0, 1) ||
	    made(&res, 1, 2) || made(&res, 2, 2));
	assert_true(made(&res, 0, 2));
	assert_true(made(&res, 1, 0) && made(&res, 1, 1));
	assign_result_free(&res);
	assign_problem_free(&p);
}

static void
test_alone(void **state)
{
	struct assign_problem	 p;
	struct assign_result	 res;
	struct rev		 revs[10];
	int			 cat[40], need[40], loads[10];
	size_t			 i, j;

	(void)state;
	/*
	 * Reviewer 0, without a cap, is the only one 30 of 40 applications
	 * may have: far above the balanced load of 4, so assign_solve()
	 * goes past its first few LOAD arcs.
	 */
	for (i = 0; i < 40; i++) {
		cat[i] = 0;
		need[i] = 1;
	}
	for (j = 0; j < 10; j++) {
		revs[j].cap = -1;
		revs[j].load = 0;
		revs[j].expertise = 0;
	}
	problem(&p, 40, cat, need, 10, revs);
	for (i = 0; i < 30; i++)
		for (j = 1; j < 10; j++)
			block(&p, i, j);
	solve(&p, &res);
	assert_true(res.complete);
	final_loads(&p, &res, loads);
	assert_int_equal(loads[0], 30);
	for (j = 1; j < 10; j++)
		assert_true(loads[j] >= 1 && loads[j] <= 2);
	assign_result_free(&res);
	assign_problem_free(&p);
}

/*
 * Infeasible instances
 */

static void
test_short_app(void **state)
{
	static const int	 cat[] = { 0, 1 }, need[] = { 2, 2 };
	static const struct rev	 revs[] = {
		{ -1, 0, 0 }, { -1, 0, 0 }, { 0, 0, 0 },
	};
	struct assign_problem	 p;
	struct assign_result	 res;

	(void)state;
	/* Application 0: reviewers 0 and 1 conflicted, 2 without room. */
	problem(&p, 2, cat, need, 3, revs);
	block(&p, 0, 0);
	block(&p, 0, 1);
	solve(&p, &res);
	assert_false(res.complete);
	assert_int_equal(res.nshorts, 1);
	assert_int_equal(res.shorts[0].app, 0);
	assert_int_equal(res.shorts[0].need, 2);
	assert_int_equal(res.shorts[0].got, 0);
	assert_int_equal(res.shorts[0].eligible, 0);
	assert_int_equal(res.shorts[0].conflicted, 2);
	assert_int_equal(res.shorts[0].at_cap, 1);
	assert_string_equal(res.why, "BPR-2026-0001 needs 2 more reviewers "
	    "but only 0 are eligible (2 conflicted, 1 at their cap).");
	/* The rest is still proposed. */
	assert_int_equal(res.nmade, 2);
	assign_result_free(&res);
	assign_problem_free(&p);
}

static void
test_short_panel(void **state)
{
	static const int	 cat[] = { 0, 1 }, need[] = { 2, 2 };
	static const struct rev	 revs[] = {
		{ 1, 0, 0 }, { 3, 2, 0 }, { 2, 1, 0 },
	};
	struct assign_problem	 p;
	struct assign_result	 res;

	(void)state;
	/* Room for 3, 4 needed. */
	problem(&p, 2, cat, need, 3, revs);
	solve(&p, &res);
	assert_false(res.complete);
	assert_int_equal(res.nmade, 3);
	assert_int_equal(res.nshorts, 1);
	assert_int_equal(res.shorts[0].need - res.shorts[0].got, 1);
	assert_string_equal(res.why, "The caps bind: the panel can take 3 "
	    "more assignments and 4 are needed.");
	assign_result_free(&res);
	assign_problem_free(&p);
}

static void
test_short_hall(void **state)
{
	static const int	 cat[] = { 0, 1, 1 }, need[] = { 1, 1, 1 };
	static const struct rev	 revs[] = {
		{ 1, 0, 0 }, { -1, 0, 0 },
	};
	struct assign_problem	 p;
	struct assign_result	 res;

	(void)state;
	/*
	 * Applications 0 and 1 each have reviewer 0 (cap 1) and nobody
	 * else; application 2 has reviewer 1. Alone each is fine, the
	 * panel has room, together they are not.
	 */
	problem(&p, 3, cat, need, 2, revs);
	block(&p, 0, 1);
	block(&p, 1, 1);
	solve(&p, &res);
	assert_false(res.complete);
	assert_int_equal(res.nmade, 2);
	assert_int_equal(res.nshorts, 1);
	assert_true(res.shorts[0].app <= 1);
	assert_int_equal(res.shorts[0].eligible, 1);
	assert_string_equal(res.why, "The caps bind: the reviewers eligible "
	    "for these 2 applications (BPR-2026-0001, BPR-2026-0002) can "
	    "take only 1 more assignment for them, and 2 are needed.");
	assign_result_free(&res);
	assign_problem_free(&p);
}

/*
 * Random instances
 */

static uint64_t
rnd(uint64_t *s)
{
	uint64_t	z;

	z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static int
below(uint64_t *s, int n)
{
	return ((int)(rnd(s) % (uint64_t)n));
}

/*
 * A random problem; plain: no blocks, loads, caps or existing pairs,
 * and enough reviewers for k.
 */
static void
random_problem(struct assign_problem *p, uint64_t *s, int plain)
{
	struct rev	*revs;
	int		*cat, *need, k, density, capmode;
	size_t		 napps, nrev, i, j;

	napps = 1 + (size_t)below(s, 24);
	nrev = 1 + (size_t)below(s, 12);
	k = 1 + below(s, 3);
	if (plain && nrev < (size_t)k)
		nrev = (size_t)k;
	density = plain ? 0 : below(s, 31);
	capmode = plain ? 0 : below(s, 3);
	cat = calloc(napps, sizeof(*cat));
	need = calloc(napps, sizeof(*need));
	revs = calloc(nrev, sizeof(*revs));
	assert_non_null(cat);
	assert_non_null(need);
	assert_non_null(revs);
	for (i = 0; i < napps; i++) {
		cat[i] = below(s, 5) - 1;
		need[i] = k;
	}
	for (j = 0; j < nrev; j++) {
		revs[j].load = plain || below(s, 2) ? 0 : below(s, 5);
		revs[j].expertise = rnd(s) & 15;
		switch (capmode) {
		case 0:
			revs[j].cap = -1;
			break;
		case 1:			/* tight */
			revs[j].cap = revs[j].load + below(s, 4);
			break;
		default:
			revs[j].cap = below(s, 3) ? -1 : below(s, 12);
			break;
		}
	}
	problem(p, napps, cat, need, nrev, revs);
	p->k = k;
	for (i = 0; i < napps; i++) {
		for (j = 0; j < nrev; j++) {
			if (plain || below(s, 100) >= density)
				continue;
			block(p, i, j);
		}
		/* Some applications have reviewers already. */
		if (plain || below(s, 4) != 0)
			continue;
		for (j = 0; j < nrev && p->apps[i].need > 0; j++) {
			if (below(s, 3) == 0) {
				assigned(p, i, j);
				p->apps[i].need--;
			}
		}
	}
	free(cat);
	free(need);
	free(revs);
}

static void
test_random(void **state)
{
	struct assign_problem	 p;
	struct assign_result	 res, again;
	uint64_t		 seed = 20260101;
	int			 n, loads[16], lo, hi, incomplete = 0;
	int			 why_app = 0, why_panel = 0, why_hall = 0;
	size_t			 j;
	char			 err[128];

	(void)state;
	for (n = 0; n < 400; n++) {
		random_problem(&p, &seed, n % 4 == 0);
		solve(&p, &res);
		if (!res.complete)
			incomplete++;
		if (strstr(res.why, " needs ") != NULL)
			why_app++;
		if (strstr(res.why, "the panel can take") != NULL)
			why_panel++;
		if (strstr(res.why, "the reviewers eligible for") != NULL)
			why_hall++;

		/* The same answer twice. */
		assert_int_equal(assign_solve(&p, &again, err, sizeof(err)),
		    0);
		assert_int_equal(again.nmade, res.nmade);
		assert_int_equal(again.nshorts, res.nshorts);
		assert_memory_equal(again.made, res.made,
		    res.nmade * sizeof(*res.made));
		assert_string_equal(again.why, res.why);
		assign_result_free(&again);

		if (n % 4 == 0) {
			assert_true(res.complete);
			final_loads(&p, &res, loads);
			lo = hi = loads[0];
			for (j = 1; j < p.nreviewers; j++) {
				if (loads[j] < lo)
					lo = loads[j];
				if (loads[j] > hi)
					hi = loads[j];
			}
			assert_true(hi - lo <= 1);
		}
		assign_result_free(&res);
		assign_problem_free(&p);
	}
	/* The mix has all kinds. */
	printf("# %d of 400 incomplete: %d for want of eligible reviewers, "
	    "%d the panel's caps, %d some reviewers' caps\n", incomplete,
	    why_app, why_panel, why_hall);
	assert_true(incomplete > 20 && incomplete < 300);
	assert_true(why_app > 0 && why_panel > 0 && why_hall > 0);
}

/*
 * assign_mincost() against glp_mincost_okalg() on random networks.
 */

struct arcdata {
	double	 low, cap, cost, x;
};

static void
test_mincost(void **state)
{
	glp_graph	*g;
	glp_arc		*a;
	struct arcdata	*d;
	uint64_t	 seed = 7;
	double		 mine, theirs, *rhs, *bal;
	int		 n, nv, na, i, t, h, r1, r2, feasible = 0;

	(void)state;
	for (n = 0; n < 300; n++) {
		nv = 2 + below(&seed, 10);
		na = below(&seed, 30);
		g = glp_create_graph(sizeof(double), sizeof(struct arcdata));
		glp_add_vertices(g, nv);
		for (i = 0; i < na; i++) {
			t = 1 + below(&seed, nv);
			h = 1 + below(&seed, nv);
			if (t == h)
				continue;
			a = glp_add_arc(g, t, h);
			d = a->data;
			d->cap = below(&seed, 6);
			d->low = below(&seed, 4) == 0 ? below(&seed,
			    (int)d->cap + 1) : 0;
			d->cost = below(&seed, 20);
		}
		for (i = 0; i < 3; i++) {
			t = 1 + below(&seed, nv);
			h = 1 + below(&seed, nv);
			r1 = below(&seed, 5);
			rhs = g->v[t]->data;
			*rhs += r1;
			rhs = g->v[h]->data;
			*rhs -= r1;
		}
		r1 = assign_mincost(g, 0, 0, 8, 16, &mine, 24);
		/* Conservation and bounds of what it wrote. */
		if (r1 == 0) {
			bal = calloc((size_t)nv + 1, sizeof(*bal));
			assert_non_null(bal);
			for (i = 1; i <= nv; i++) {
				for (a = g->v[i]->out; a != NULL;
				    a = a->t_next) {
					d = a->data;
					assert_true(d->x >= d->low &&
					    d->x <= d->cap);
					bal[a->tail->i] += d->x;
					bal[a->head->i] -= d->x;
				}
			}
			for (i = 1; i <= nv; i++) {
				rhs = g->v[i]->data;
				assert_true(bal[i] == *rhs);
			}
			free(bal);
		}
		r2 = glp_mincost_okalg(g, 0, 0, 8, 16, &theirs, 24, -1);
		assert_int_equal(r1, r2);
		if (r1 == 0) {
			assert_true(mine == theirs);
			feasible++;
		}
		glp_delete_graph(g);
	}
	assert_true(feasible > 50 && feasible < 300);

	/* What it refuses. */
	g = glp_create_graph(sizeof(double), sizeof(struct arcdata));
	glp_add_vertices(g, 2);
	a = glp_add_arc(g, 1, 2);
	d = a->data;
	d->cap = 1;
	d->cost = -1;
	assert_int_equal(assign_mincost(g, 0, 0, 8, 16, NULL, 24), GLP_EDATA);
	d->cost = 0.5;
	assert_int_equal(assign_mincost(g, 0, 0, 8, 16, NULL, 24), GLP_EDATA);
	d->cost = 1e15;
	assert_int_equal(assign_mincost(g, 0, 0, 8, 16, NULL, 24),
	    GLP_ERANGE);
	d->cost = 1;
	d->cap = 1e12;
	assert_int_equal(assign_mincost(g, 0, 0, 8, 16, NULL, 24),
	    GLP_ERANGE);
	d->cap = 1;
	rhs = g->v[1]->data;
	*rhs = 2;
	rhs = g->v[2]->data;
	*rhs = -2;
	assert_int_equal(assign_mincost(g, 0, 0, 8, 16, NULL, 24),
	    GLP_ENOPFS);
	*rhs = -1;
	assert_int_equal(assign_mincost(g, 0, 0, 8, 16, NULL, 24),
	    GLP_ENOPFS);
	assert_int_equal(assign_mincost(g, 0, 0, 8, 40, NULL, 24), GLP_EDATA);
	glp_delete_graph(g);
}

/*
 * JSON
 */

static const char	good[] =
    "{\"k\": 3,"
    " \"categories\": [\"IMPACT\", \"INNOVATION\", \"EXCELLENCE\","
    "  \"CULTURE\"],"
    " \"applications\": ["
    "  {\"id\": 12, \"ref\": \"BPR-2026-0001\", \"category\": \"IMPACT\","
    "   \"assigned\": [5, 7]},"
    "  {\"id\": 13, \"ref\": \"BPR-2026-0002\", \"category\": null,"
    "   \"assigned\": []}],"
    " \"reviewers\": ["
    "  {\"id\": 5, \"cap\": 10, \"load\": 2, \"expertise\": [\"IMPACT\"]},"
    "  {\"id\": 7, \"cap\": null, \"load\": 1,"
    "   \"expertise\": [\"CULTURE\", \"IMPACT\"]},"
    "  {\"id\": 9, \"cap\": null, \"load\": 0, \"expertise\": []},"
    "  {\"id\": 11, \"cap\": 0, \"load\": 0, \"expertise\": []}],"
    " \"blocked\": [[12, 9], [13, 5]]}";

static void
test_json_good(void **state)
{
	struct assign_problem	 p;
	struct assign_result	 res;
	json_t			*j, *a;
	char			 err[128], *s;

	(void)state;
	assert_int_equal(assign_problem_from_json(good, &p, err, sizeof(err)),
	    0);
	assert_int_equal(p.k, 3);
	assert_int_equal(p.ncategories, 4);
	assert_string_equal(p.categories[3], "CULTURE");
	assert_int_equal(p.napps, 2);
	assert_int_equal(p.apps[0].id, 12);
	assert_string_equal(p.apps[0].ref, "BPR-2026-0001");
	assert_int_equal(p.apps[0].category, 0);
	assert_int_equal(p.apps[0].need, 1);
	assert_int_equal(p.apps[1].category, -1);
	assert_int_equal(p.apps[1].need, 3);
	assert_int_equal(p.nreviewers, 4);
	assert_int_equal(p.reviewers[0].cap, 10);
	assert_int_equal(p.reviewers[0].load, 2);
	assert_int_equal(p.reviewers[0].expertise, 1);
	assert_int_equal(p.reviewers[1].cap, -1);
	assert_int_equal(p.reviewers[1].expertise, 9);
	assert_int_equal(p.nassigned, 2);
	assert_int_equal(p.assigned[0], 0);
	assert_int_equal(p.assigned[1], 0);
	assert_int_equal(p.assigned[3], 1);
	assert_int_equal(p.nblocked, 2);
	assert_int_equal(p.blocked[0], 0);
	assert_int_equal(p.blocked[1], 2);
	assert_int_equal(p.blocked[2], 1);
	assert_int_equal(p.blocked[3], 0);

	/*
	 * 12 needs one: 5 and 7 have it, 9 is conflicted, 11 has no
	 * room. 13 needs three of 7 and 9 (5 conflicted): short by one.
	 */
	solve(&p, &res);
	assert_false(res.complete);
	s = assign_result_to_json(&p, &res);
	assert_non_null(s);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_true(json_is_false(json_object_get(j, "complete")));
	assert_int_equal(json_array_size(json_object_get(j, "assignments")),
	    2);
	a = json_array_get(json_object_get(j, "assignments"), 0);
	assert_int_equal(json_integer_value(json_object_get(a, "application")),
	    13);
	assert_string_equal(json_string_value(json_object_get(a, "ref")),
	    "BPR-2026-0002");
	assert_true(json_is_false(json_object_get(a, "expertise")));
	assert_true(json_is_integer(json_object_get(json_object_get(a,
	    "cost"), "load")));
	a = json_array_get(json_object_get(j, "short"), 0);
	assert_int_equal(json_integer_value(json_object_get(a, "application")),
	    12);
	a = json_array_get(json_object_get(j, "short"), 1);
	assert_int_equal(json_integer_value(json_object_get(a, "application")),
	    13);
	assert_int_equal(json_integer_value(json_object_get(a, "need")), 3);
	assert_int_equal(json_integer_value(json_object_get(a, "got")), 2);
	assert_int_equal(json_integer_value(json_object_get(a, "eligible")),
	    2);
	assert_int_equal(json_integer_value(json_object_get(a, "conflicted")),
	    1);
	assert_int_equal(json_integer_value(json_object_get(a, "at_cap")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "why")),
	    res.why);
	assert_non_null(strstr(res.why, "BPR-2026-0001 needs 1 more reviewer "
	    "but only 0 are eligible (1 conflicted, 1 at their cap)."));
	json_decref(j);
	free(s);
	assign_result_free(&res);

	/* Complete: why is null. */
	p.apps[0].need = 0;
	p.apps[1].need = 1;
	solve(&p, &res);
	assert_true(res.complete);
	s = assign_result_to_json(&p, &res);
	assert_non_null(s);
	assert_non_null(strstr(s, "{\"complete\":true,\"assignments\":"
	    "[{\"application\":13,\"reviewer\":"));
	assert_non_null(strstr(s, "\"short\":[],\"why\":null}"));
	free(s);
	assign_result_free(&res);
	assign_problem_free(&p);
}

/* The good problem with one substring replaced. */
static void
bad(const char *from, const char *to, const char *want)
{
	struct assign_problem	 p;
	const char		*at;
	char			 buf[4096], err[256];

	at = strstr(good, from);
	if (at == NULL)
		fail_msg("not in the good problem: %s", from);
	(void)snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good,
	    to, at + strlen(from));
	err[0] = '\0';
	if (assign_problem_from_json(buf, &p, err, sizeof(err)) != -1)
		fail_msg("accepted: %s -> %s", from, to);
	if (strstr(err, want) == NULL)
		fail_msg("%s -> %s: \"%s\", not \"%s\"", from, to, err, want);
	assert_null(p.apps);
	assert_null(p.categories);
}

/* A problem without applications or reviewers, and n categories. */
static void
categories(char *buf, size_t len, size_t n)
{
	size_t	i, at;

	at = (size_t)snprintf(buf, len, "{\"k\": 1, \"categories\": [");
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s\"C%zu\"",
		    i > 0 ? ", " : "", i);
	(void)snprintf(buf + at, len - at, "], \"applications\": [], "
	    "\"reviewers\": [], \"blocked\": []}");
}

static void
test_json_bad(void **state)
{
	struct assign_problem	 p;
	char			 buf[4096], err[256];

	(void)state;
	assert_int_equal(assign_problem_from_json("{", &p, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(assign_problem_from_json("[]", &p, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "not an object"));

	bad("\"k\": 3", "\"k\": 0", "\"k\" not an integer from 1 to 10");
	bad("\"k\": 3", "\"k\": 11", "\"k\" not an integer from 1 to 10");
	bad("\"k\": 3", "\"k\": \"3\"", "\"k\" not an integer");
	bad("\"k\": 3", "\"k\": 3.0", "\"k\" not an integer");
	bad("\"k\": 3,", "", "problem: no \"k\"");
	bad("\"k\": 3", "\"k\": 3, \"k\": 3", "not JSON");
	bad("\"k\": 3", "\"k\": 3, \"extra\": 1", "unknown key \"extra\"");
	bad(", \"blocked\": [[12, 9], [13, 5]]", "", "no \"blocked\"");
	bad("[\"IMPACT\", \"INNOVATION\"", "[\"IMPACT\", \"IMPACT\"",
	    "categories[1]: \"IMPACT\" twice");
	bad("[\"IMPACT\", \"INNOVATION\"", "[\"IMPACT\", \"\"",
	    "categories[1]: not a code");
	bad("[\"IMPACT\", \"INNOVATION\"", "[\"IMPACT\", 2",
	    "categories[1]: not a code");
	bad("\"categories\": [", "\"categories\": {", "not JSON");
	bad("\"categories\": [\"IMPACT\",", "\"categories\": \"IMPACT\", "
	    "\"x\": [", "unknown key");
	bad("\"id\": 13", "\"id\": 12", "applications: id 12 twice");
	bad("\"id\": 9,", "\"id\": 7,", "reviewers: id 7 twice");
	bad("\"id\": 13", "\"id\": 0", "applications[1]: \"id\" not an "
	    "integer");
	bad("\"category\": null", "\"category\": \"OTHER\"",
	    "application 13: unknown category \"OTHER\"");
	bad("\"category\": null", "\"category\": 1",
	    "application 13: category not a string");
	bad("\"expertise\": [\"CULTURE\"", "\"expertise\": [\"NONE\"",
	    "reviewer 7: unknown category \"NONE\"");
	bad("\"assigned\": [5, 7]", "\"assigned\": [5, 8]",
	    "assigned reviewer 8 is not a reviewer");
	bad("\"assigned\": [5, 7]", "\"assigned\": [5, 5]",
	    "reviewer 5 assigned twice");
	bad("\"assigned\": [5, 7]", "\"assigned\": 5", "not an array");
	bad("\"assigned\": [5, 7]}", "\"assigned\": [5, 7], \"title\": 1}",
	    "applications[0]: unknown key \"title\"");
	bad(",   \"assigned\": []", "", "applications[1]: no \"assigned\"");
	bad("[[12, 9]", "[[12, 10]", "blocked[0]: [12, 10] names no");
	bad("[[12, 9]", "[[14, 9]", "blocked[0]: [14, 9] names no");
	bad("[[12, 9]", "[[12]", "blocked[0]: not a pair");
	bad("[[12, 9]", "[[12, 9, 1]", "blocked[0]: not a pair");
	bad("[[12, 9]", "[[12, \"9\"]", "blocked[0]: not an integer");
	bad("\"BPR-2026-0001\"", "\"BPR-2026-0001-0123456789-0123456\"",
	    "application 12: ref not a reference of 1 to 31 bytes");
	bad("\"BPR-2026-0001\"", "\"\"", "ref not a reference");
	bad("\"BPR-2026-0001\"", "null", "ref not a reference");
	bad("\"cap\": 10", "\"cap\": -1", "reviewer 5: \"cap\" not an integer");
	bad("\"cap\": 10", "\"cap\": \"10\"", "reviewer 5: \"cap\" not");
	bad("\"load\": 2", "\"load\": -2", "reviewer 5: \"load\" not an "
	    "integer from 0 to 100000");
	bad("\"load\": 2", "\"load\": 100001", "\"load\" not");
	bad("{\"id\": 9, \"cap\": null, \"load\": 0, \"expertise\": []}",
	    "7", "reviewers[2]: not an object");

	/* 65 categories; 64 are fine, and so is an empty round. */
	categories(buf, sizeof(buf), 65);
	assert_int_equal(assign_problem_from_json(buf, &p, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "categories: more than 64");
	categories(buf, sizeof(buf), 64);
	if (assign_problem_from_json(buf, &p, err, sizeof(err)) != 0)
		fail_msg("%s: %s", buf, err);
	assert_int_equal(p.ncategories, 64);
	assert_int_equal(p.napps, 0);
	assign_problem_free(&p);
}

/*
 * 2,000 applications, 150 reviewers, k = 3, 2 % of the pairs blocked,
 * caps about 50: the time is printed, not judged (sanitizers slow it).
 */
static void
test_timing(void **state)
{
	struct assign_problem	 p;
	struct assign_result	 res;
	struct timespec		 t0, t1;
	uint64_t		 seed = 42;
	int			*cat, *need, loads[150], lo, hi;
	struct rev		 revs[150];
	size_t			 i, j;
	char			 err[128];

	(void)state;
	cat = calloc(2000, sizeof(*cat));
	need = calloc(2000, sizeof(*need));
	assert_non_null(cat);
	assert_non_null(need);
	for (i = 0; i < 2000; i++) {
		cat[i] = below(&seed, 4);
		need[i] = 3;
	}
	for (j = 0; j < 150; j++) {
		revs[j].cap = 45 + below(&seed, 11);
		revs[j].load = 0;
		revs[j].expertise = 1ULL << below(&seed, 4);
	}
	problem(&p, 2000, cat, need, 150, revs);
	for (i = 0; i < 2000; i++)
		for (j = 0; j < 150; j++)
			if (below(&seed, 100) < 2)
				block(&p, i, j);

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (assign_solve(&p, &res, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# assign: 2000 applications x 150 reviewers, k = 3: %.3f s\n",
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_true(res.complete);
	assert_int_equal(res.nmade, 6000);
	final_loads(&p, &res, loads);
	lo = hi = loads[0];
	for (j = 1; j < 150; j++) {
		if (loads[j] < lo)
			lo = loads[j];
		if (loads[j] > hi)
			hi = loads[j];
	}
	assert_true(hi - lo <= 1);
	assign_result_free(&res);
	assign_problem_free(&p);
	free(cat);
	free(need);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graph),
		cmocka_unit_test(test_exact_k),
		cmocka_unit_test(test_expertise),
		cmocka_unit_test(test_balance_first),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_existing),
		cmocka_unit_test(test_blocked),
		cmocka_unit_test(test_alone),
		cmocka_unit_test(test_short_app),
		cmocka_unit_test(test_short_panel),
		cmocka_unit_test(test_short_hall),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_mincost),
		cmocka_unit_test(test_json_good),
		cmocka_unit_test(test_json_bad),
		cmocka_unit_test(test_timing),
	};
	int	rc;

	glp_term_out(GLP_OFF);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	/* GLPK's environment, so that the leak checker sees nothing. */
	glp_free_env();
	return (rc);
}
