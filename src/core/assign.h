/*
 * The automatic reviewer assignment (SPEC: every submitted application
 * is read by exactly k reviewers), as a minimum-cost flow. Pure: the
 * panel's page builds the problem in SQL, hands its JSON to
 * assign_problem_from_json(), solves it on a task thread and writes
 * assign_result_to_json()'s proposal only when it is complete.
 *
 * The model, a glp_graph (assign_graph()), vertices numbered as GLPK
 * does, from 1:
 *
 *	1				the source; supply: the total need
 *	2 + i				application i (0 <= i < napps)
 *	2 + napps + j			reviewer j (0 <= j < nreviewers)
 *	2 + napps + nreviewers		the sink; supply: minus the total need
 *
 * and its arcs, added in this order (each cost per unit of flow):
 *
 *	source -> application i		SUPPLY: capacity need, cost 0
 *	application i -> sink		OVERFLOW: capacity need, cost M
 *	application i -> reviewer j	PAIR: capacity 1; cost 0 when j has
 *					the expertise of i's category, else E.
 *					Never for a blocked pair, nor to a
 *					reviewer without room.
 *	reviewer j -> sink		LOAD: one arc of capacity 1 for each
 *					further assignment j may take (to
 *					its cap, and never more than the
 *					applications it may read); the one
 *					that brings the load from L to L + 1
 *					costs W (2L + 1).
 *
 * The load costs are convex, so the cheapest flow is the most balanced
 * one: its final loads minimise the sum of their squares, which also
 * makes the largest load as small and the smallest as large as the caps
 * and conflicts allow. W is so large that no change of expertise can pay
 * for a less balanced panel (2W > E min(reviewers - 1, applications)),
 * and M so large that an application is left short only when no flow
 * gives it its reviewers (M > the dearest LOAD arc + E min(reviewers,
 * applications)): what flows through an OVERFLOW arc is exactly what
 * that application lacks. E = 1, so W is about half the panel's size.
 *
 * assign_solve() first gives each reviewer only a few more LOAD arcs
 * than the balanced load, and more only when one uses them all: the
 * same cheapest flow, from a graph a fraction of the size when reviewers
 * have no cap.
 *
 * GLPK's own solvers are not used to solve it: glp_mincost_relax4() is
 * disabled in GLPK 5.0 (it prints an error and aborts the process) and
 * glp_mincost_okalg() takes about 15 s on 2,000 applications and 150
 * reviewers. assign_mincost() solves a glp_graph with the same data
 * layout (primal-dual: Dijkstra, then a blocking flow on the arcs of
 * zero reduced cost), in well under a second; the tests check its costs
 * against glp_mincost_okalg() on small graphs.
 */
#ifndef LAUREL_CORE_ASSIGN_H
#define LAUREL_CORE_ASSIGN_H

#include <stddef.h>

#include <glpk.h>

#define ASSIGN_K_MAX		10	/* reviewers per application */
#define ASSIGN_CATEGORIES_MAX	64	/* bits of an expertise set */
#define ASSIGN_REF_MAX		32	/* bytes of a reference, and NUL */
#define ASSIGN_APPS_MAX		20000
#define ASSIGN_REVIEWERS_MAX	2000
#define ASSIGN_PAIRS_MAX	1000000	/* applications x reviewers */
#define ASSIGN_LOAD_MAX		100000	/* a load, or a cap */
#define ASSIGN_COST_E		1	/* E: without the expertise */

struct assign_app {
	long long	 id;
	char		 ref[ASSIGN_REF_MAX];	/* "BPR-2026-0042" */
	int		 category;	/* into the categories; -1 none */
	int		 need;		/* reviewers still to find, >= 0 */
};

struct assign_reviewer {
	long long	 id;		/* the user's */
	int		 cap;		/* most assignments in all; -1 none */
	int		 load;		/* assignments now, all kept */
	unsigned long long expertise;	/* bit i: category i */
};

/*
 * blocked and assigned are pairs of indices: [2i] an application,
 * [2i + 1] a reviewer. Neither kind of pair is ever made; the explanation
 * counts a blocked pair as a conflict and an assigned one as a reviewer
 * the application already has (its need already counts it). Everything
 * is owned by the problem when assign_problem_from_json() made it.
 */
struct assign_problem {
	struct assign_app	*apps;
	size_t			 napps;
	struct assign_reviewer	*reviewers;
	size_t			 nreviewers;
	size_t			*blocked;	/* conflicts of interest */
	size_t			 nblocked;
	size_t			*assigned;	/* pairs there already */
	size_t			 nassigned;
	int			 ncategories;	/* at most 64 */
	char			**categories;	/* their codes, or NULL */
	int			 k;		/* reviewers each */
};

/* One new pair. */
struct assign_made {
	size_t		 app;		/* index */
	size_t		 reviewer;	/* index */
	int		 expertise;	/* 1: has the category */
	int		 load;		/* the reviewer's, this one added */
	long long	 cost_expertise;	/* its PAIR arc's: 0 or E */
	long long	 cost_load;	/* its LOAD arc's: W (2 load - 1) */
};

/* An application that cannot get its need, and why. */
struct assign_short {
	size_t		 app;		/* index */
	int		 need;		/* reviewers it needed */
	int		 got;		/* those the proposal gives it */
	int		 eligible;	/* not blocked, with room */
	int		 conflicted;	/* blocked */
	int		 at_cap;	/* not blocked, without room */
	int		 already;	/* reviewers it has already */
};

/*
 * made: by application, then reviewer; shorts: by application. why:
 * when not complete, the binding constraint, for an administrator.
 */
struct assign_result {
	int			 complete;	/* every need met */
	struct assign_made	*made;
	size_t			 nmade;
	struct assign_short	*shorts;
	size_t			 nshorts;
	char			 why[512];
	long long		 cost;		/* the flow's */
};

/* What the model's numbers came to (assign_graph()). */
struct assign_model {
	long long	 e;		/* E */
	long long	 w;		/* W */
	long long	 m;		/* M */
	long long	 need;		/* the total: the source's supply */
	int		 sink;		/* the sink's vertex number */
};

/* The data of each vertex and arc of the model's graph. */
struct assign_vdata {
	double		 rhs;		/* supply (v_rhs) */
};

enum assign_arc_kind {
	ASSIGN_ARC_SUPPLY,
	ASSIGN_ARC_OVERFLOW,
	ASSIGN_ARC_PAIR,
	ASSIGN_ARC_LOAD,
};

struct assign_adata {
	double		 low;		/* a_low: always 0 */
	double		 cap;		/* a_cap */
	double		 cost;		/* a_cost */
	double		 x;		/* a_x: the flow, once solved */
	int		 kind;		/* enum assign_arc_kind */
	int		 app;		/* not LOAD; else -1 */
	int		 reviewer;	/* PAIR, LOAD; else -1 */
	int		 level;		/* LOAD: the load before it */
};

#define ASSIGN_V_RHS	((int)offsetof(struct assign_vdata, rhs))
#define ASSIGN_A_LOW	((int)offsetof(struct assign_adata, low))
#define ASSIGN_A_CAP	((int)offsetof(struct assign_adata, cap))
#define ASSIGN_A_COST	((int)offsetof(struct assign_adata, cost))
#define ASSIGN_A_X	((int)offsetof(struct assign_adata, x))

/* Vertex numbers of the model. */
#define ASSIGN_SOURCE		1
#define ASSIGN_VAPP(i)		(2 + (int)(i))
#define ASSIGN_VREVIEWER(p, j)	(2 + (int)(p)->napps + (int)(j))
#define ASSIGN_SINK(p)		(2 + (int)(p)->napps + (int)(p)->nreviewers)

/*
 * The problem's graph, as above, and its numbers into model (may be
 * NULL); glp_delete_graph() frees it. NULL with err when the problem is
 * not valid (an index out of range, a limit passed).
 */
glp_graph	*assign_graph(const struct assign_problem *,
		    struct assign_model *, char *err, size_t errlen);

/*
 * A minimum-cost flow of G, with glp_mincost_relax4()'s data layout:
 * supplies at v_rhs, bounds at a_low and a_cap, costs at a_cost (all
 * integers; costs non-negative), and the flow written at a_x, its cost in
 * sol (either may be -1 / NULL). 0; GLP_EDATA when the data are not as
 * said, GLP_ERANGE when they are too large (costs above 2^40, supplies
 * or capacities above INT_MAX), GLP_ENOPFS when no flow meets the
 * supplies, GLP_EFAIL when out of memory.
 */
int		 assign_mincost(glp_graph *G, int v_rhs, int a_low, int a_cap,
		    int a_cost, double *sol, int a_x);

/*
 * The proposal. 0, with res filled (free it with assign_result_free());
 * -1 with err on a problem that is not valid, or when out of memory. A
 * problem without a complete answer is no error: res->complete is 0,
 * res->made the best partial proposal, res->shorts and res->why say what
 * is lacking and why.
 */
int		 assign_solve(const struct assign_problem *,
		    struct assign_result *, char *err, size_t errlen);
void		 assign_result_free(struct assign_result *);

/*
 * The problem from the JSON the database builds:
 *
 *	{"k": 3, "categories": ["IMPACT", ...],
 *	 "applications": [{"id": 12, "ref": "BPR-2026-0001",
 *	     "category": "IMPACT" or null, "assigned": [5, 7]}, ...],
 *	 "reviewers": [{"id": 5, "cap": 10 or null, "load": 2,
 *	     "expertise": ["IMPACT"]}, ...],
 *	 "blocked": [[12, 9], ...]}
 *
 * need is k less the reviewers assigned, never below 0; assigned and
 * blocked name ids of the lists. 0, or -1 with err on anything else
 * (unknown or missing keys, duplicate ids, unknown categories, k not in
 * 1..10, more than 64 categories, a limit passed); p is then empty.
 */
int		 assign_problem_from_json(const char *json,
		    struct assign_problem *p, char *err, size_t errlen);
void		 assign_problem_free(struct assign_problem *);

/*
 * The result as JSON, malloc'd (NULL when out of memory):
 *
 *	{"complete": true, "assignments": [{"application": 12,
 *	     "reviewer": 5, "ref": "BPR-2026-0001", "expertise": true,
 *	     "load": 3, "cost": {"expertise": 0, "load": 375}}, ...],
 *	 "short": [{"application": 12, "ref": "...", "need": 3, "got": 1,
 *	     "eligible": 1, "conflicted": 4, "at_cap": 2, "already": 0}],
 *	 "why": null or "..."}
 */
char		*assign_result_to_json(const struct assign_problem *,
		    const struct assign_result *);

#endif
