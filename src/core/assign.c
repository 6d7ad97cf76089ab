/*
 * The automatic reviewer assignment as a minimum-cost flow: the model
 * (a glp_graph), its solver, the explanation of a shortfall, and the JSON
 * on either side (core/assign.h).
 */

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>
#include <jansson.h>

#include "core/assign.h"

/* What stands between an application and a reviewer. */
#define MARK_FREE	0
#define MARK_BLOCKED	1
#define MARK_ASSIGNED	2

/* A reviewer without a cap: room beyond any need. */
#define ROOM_NONE	INT_MAX

/* assign_mincost(): the largest cost, so that no path cost overflows. */
#define MCF_COST_MAX	(1LL << 40)
#define MCF_INF		LLONG_MAX

/* The model's numbers, and what the graph and the explanation share. */
struct model {
	const struct assign_problem	*p;
	unsigned char	*mark;		/* napps * nreviewers, MARK_* */
	int		*room;		/* per reviewer; ROOM_NONE, or <= 0 */
	int		*full;		/* per reviewer: its LOAD arcs */
	int		*units;		/* those in the graph (model_limit()) */
	long long	 e, w, m, need;
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * The model
 */

static int
problem_check(const struct assign_problem *p, char *err, size_t errlen)
{
	const struct assign_reviewer	*r;
	size_t				 i;

	if (p->napps > ASSIGN_APPS_MAX ||
	    p->nreviewers > ASSIGN_REVIEWERS_MAX ||
	    p->napps * p->nreviewers > ASSIGN_PAIRS_MAX) {
		seterr(err, errlen, "too large: %zu applications and %zu "
		    "reviewers (at most %d, %d, and %d pairs)", p->napps,
		    p->nreviewers, ASSIGN_APPS_MAX, ASSIGN_REVIEWERS_MAX,
		    ASSIGN_PAIRS_MAX);
		return (-1);
	}
	if (p->ncategories < 0 || p->ncategories > ASSIGN_CATEGORIES_MAX) {
		seterr(err, errlen, "%d categories (at most %d)",
		    p->ncategories, ASSIGN_CATEGORIES_MAX);
		return (-1);
	}
	for (i = 0; i < p->napps; i++) {
		if (p->apps[i].need < 0 || p->apps[i].need > ASSIGN_K_MAX ||
		    p->apps[i].category < -1 ||
		    p->apps[i].category >= p->ncategories) {
			seterr(err, errlen, "application %zu: need %d, "
			    "category %d", i, p->apps[i].need,
			    p->apps[i].category);
			return (-1);
		}
	}
	for (i = 0; i < p->nreviewers; i++) {
		r = &p->reviewers[i];
		if (r->load < 0 || r->load > ASSIGN_LOAD_MAX || r->cap < -1 ||
		    r->cap > ASSIGN_LOAD_MAX) {
			seterr(err, errlen, "reviewer %zu: load %d, cap %d", i,
			    r->load, r->cap);
			return (-1);
		}
	}
	for (i = 0; i < 2 * p->nblocked; i += 2) {
		if (p->blocked[i] >= p->napps ||
		    p->blocked[i + 1] >= p->nreviewers) {
			seterr(err, errlen, "blocked pair %zu out of range",
			    i / 2);
			return (-1);
		}
	}
	for (i = 0; i < 2 * p->nassigned; i += 2) {
		if (p->assigned[i] >= p->napps ||
		    p->assigned[i + 1] >= p->nreviewers) {
			seterr(err, errlen, "assigned pair %zu out of range",
			    i / 2);
			return (-1);
		}
	}

	return (0);
}

static void
model_free(struct model *md)
{
	free(md->mark);
	free(md->room);
	free(md->full);
	free(md->units);
	memset(md, 0, sizeof(*md));
}

static int
model_pair(const struct model *md, size_t i, size_t j)
{
	return (md->p->apps[i].need > 0 &&
	    md->mark[i * md->p->nreviewers + j] == MARK_FREE &&
	    md->room[j] > 0);
}

static int
model_match(const struct assign_problem *p, size_t i, size_t j)
{
	int	c;

	c = p->apps[i].category;
	return (c >= 0 && (p->reviewers[j].expertise >> c) & 1);
}

/*
 * W and M (core/assign.h). A cheaper flow differs from another by
 * cycles; one that moves a unit of load from a reviewer to another passes
 * the sink once, so its load cost is a multiple of 2W, and visits each
 * reviewer once, so it changes at most min(reviewers - 1, applications)
 * PAIR arcs' E: 2W above that, balance always wins. A cycle that leaves
 * one more application short gains at most one LOAD arc and that many
 * E: M above both, filling the need always wins.
 */
static void
model_costs(struct model *md)
{
	const struct assign_problem	*p = md->p;
	long long			 chain, top, c;
	size_t				 j;

	md->e = ASSIGN_COST_E;
	chain = (long long)(p->nreviewers > 0 ? p->nreviewers - 1 : 0);
	if ((long long)p->napps < chain)
		chain = (long long)p->napps;
	md->w = chain * md->e / 2 + 1;

	top = 0;
	for (j = 0; j < p->nreviewers; j++) {
		if (md->full[j] == 0)
			continue;
		c = md->w * (2LL * (p->reviewers[j].load + md->full[j] - 1) +
		    1);
		if (c > top)
			top = c;
	}
	chain = (long long)(p->nreviewers < p->napps ? p->nreviewers :
	    p->napps);
	md->m = top + chain * md->e + 1;
}

static int
model_init(struct model *md, const struct assign_problem *p, char *err,
    size_t errlen)
{
	const struct assign_reviewer	*r;
	size_t				 i, j, n;
	int				*deg;

	memset(md, 0, sizeof(*md));
	md->p = p;
	if (problem_check(p, err, errlen) == -1)
		return (-1);

	n = p->napps * p->nreviewers;
	md->mark = calloc(n > 0 ? n : 1, 1);
	md->room = calloc(p->nreviewers + 1, sizeof(*md->room));
	md->full = calloc(p->nreviewers + 1, sizeof(*md->full));
	md->units = calloc(p->nreviewers + 1, sizeof(*md->units));
	deg = calloc(p->nreviewers + 1, sizeof(*deg));
	if (md->mark == NULL || md->room == NULL || md->full == NULL ||
	    md->units == NULL || deg == NULL) {
		free(deg);
		model_free(md);
		seterr(err, errlen, "out of memory");
		return (-1);
	}
	for (i = 0; i < 2 * p->nblocked; i += 2)
		md->mark[p->blocked[i] * p->nreviewers + p->blocked[i + 1]] =
		    MARK_BLOCKED;
	/* An existing pair is what the application has, even if blocked. */
	for (i = 0; i < 2 * p->nassigned; i += 2)
		md->mark[p->assigned[i] * p->nreviewers + p->assigned[i + 1]] =
		    MARK_ASSIGNED;
	for (j = 0; j < p->nreviewers; j++) {
		r = &p->reviewers[j];
		md->room[j] = r->cap < 0 ? ROOM_NONE : r->cap - r->load;
	}

	/*
	 * A reviewer never takes more than the applications it may read,
	 * so that many LOAD arcs are enough without a cap.
	 */
	for (i = 0; i < p->napps; i++) {
		for (j = 0; j < p->nreviewers; j++) {
			if (model_pair(md, i, j))
				deg[j]++;
		}
	}
	for (j = 0; j < p->nreviewers; j++) {
		md->full[j] = md->room[j] > 0 ?
		    (md->room[j] < deg[j] ? md->room[j] : deg[j]) : 0;
		md->units[j] = md->full[j];
	}
	free(deg);
	for (i = 0; i < p->napps; i++)
		md->need += p->apps[i].need;
	model_costs(md);

	return (0);
}

/* At most limit LOAD arcs for each reviewer in the graph. */
static void
model_limit(struct model *md, int limit)
{
	size_t	j;

	for (j = 0; j < md->p->nreviewers; j++)
		md->units[j] = md->full[j] < limit ? md->full[j] : limit;
}

/*
 * Twice the balanced final load and a few: a first limit that only a
 * reviewer the others' conflicts leave alone will reach.
 */
static int
model_first_limit(const struct model *md)
{
	const struct assign_problem	*p = md->p;
	long long			 all;
	size_t				 j;

	if (p->nreviewers == 0)
		return (1);
	all = md->need;
	for (j = 0; j < p->nreviewers; j++)
		all += p->reviewers[j].load;
	return ((int)(2 * (all / (long long)p->nreviewers + 1) + 8));
}

/* Whether a reviewer used all its LOAD arcs while it had more. */
static int
model_saturated(const struct model *md, glp_graph *g)
{
	const struct assign_problem	*p = md->p;
	glp_arc				*a;
	const struct assign_adata	*d;
	size_t				 j;
	int				 used;

	for (j = 0; j < p->nreviewers; j++) {
		if (md->units[j] == md->full[j])
			continue;
		used = 0;
		for (a = g->v[ASSIGN_VREVIEWER(p, j)]->out; a != NULL;
		    a = a->t_next) {
			d = a->data;
			if (d->kind == ASSIGN_ARC_LOAD && d->x > 0.5)
				used++;
		}
		if (used == md->units[j])
			return (1);
	}
	return (0);
}

static void
graph_arc(glp_graph *g, int tail, int head, int kind, double cap,
    long long cost, int app, int reviewer, int level)
{
	glp_arc			*a;
	struct assign_adata	*d;

	a = glp_add_arc(g, tail, head);
	d = a->data;
	d->low = 0.0;
	d->cap = cap;
	d->cost = (double)cost;
	d->x = 0.0;
	d->kind = kind;
	d->app = app;
	d->reviewer = reviewer;
	d->level = level;
}

/* The graph of core/assign.h, arcs in the problem's order. */
static glp_graph *
model_graph(const struct model *md)
{
	const struct assign_problem	*p = md->p;
	const struct assign_reviewer	*r;
	glp_graph			*g;
	struct assign_vdata		*v;
	size_t				 i, j;
	int				 u, sink;

	g = glp_create_graph(sizeof(struct assign_vdata),
	    sizeof(struct assign_adata));
	sink = ASSIGN_SINK(p);
	glp_add_vertices(g, sink);
	for (u = 1; u <= sink; u++) {
		v = g->v[u]->data;
		v->rhs = 0.0;
	}
	v = g->v[ASSIGN_SOURCE]->data;
	v->rhs = (double)md->need;
	v = g->v[sink]->data;
	v->rhs = -(double)md->need;

	for (i = 0; i < p->napps; i++) {
		if (p->apps[i].need == 0)
			continue;
		graph_arc(g, ASSIGN_SOURCE, ASSIGN_VAPP(i),
		    ASSIGN_ARC_SUPPLY, p->apps[i].need, 0, (int)i, -1, 0);
		graph_arc(g, ASSIGN_VAPP(i), sink, ASSIGN_ARC_OVERFLOW,
		    p->apps[i].need, md->m, (int)i, -1, 0);
	}
	for (i = 0; i < p->napps; i++) {
		for (j = 0; j < p->nreviewers; j++) {
			if (!model_pair(md, i, j))
				continue;
			graph_arc(g, ASSIGN_VAPP(i), ASSIGN_VREVIEWER(p, j),
			    ASSIGN_ARC_PAIR, 1, model_match(p, i, j) ? 0 :
			    md->e, (int)i, (int)j, 0);
		}
	}
	for (j = 0; j < p->nreviewers; j++) {
		r = &p->reviewers[j];
		for (u = 0; u < md->units[j]; u++) {
			graph_arc(g, ASSIGN_VREVIEWER(p, j), sink,
			    ASSIGN_ARC_LOAD, 1, md->w * (2LL * (r->load + u) +
			    1), -1, (int)j, r->load + u);
		}
	}

	return (g);
}

static void
model_out(const struct model *md, struct assign_model *out)
{
	if (out == NULL)
		return;
	out->e = md->e;
	out->w = md->w;
	out->m = md->m;
	out->need = md->need;
	out->sink = ASSIGN_SINK(md->p);
}

glp_graph *
assign_graph(const struct assign_problem *p, struct assign_model *out,
    char *err, size_t errlen)
{
	struct model	 md;
	glp_graph	*g;

	if (model_init(&md, p, err, errlen) == -1)
		return (NULL);
	g = model_graph(&md);
	model_out(&md, out);
	model_free(&md);

	return (g);
}

/*
 * assign_mincost(): primal-dual. Dijkstra on reduced costs finds how far
 * the sink is; the potentials move by that, so that every shortest path
 * is made of arcs of zero reduced cost; a blocking flow (Dinic) then
 * pushes all it can along those at once. Each round makes the sink
 * farther, so there are about as many rounds as distinct path costs:
 * about two per load level for the assignment, not one per unit.
 */

/* Together, as Dijkstra and the levels read them. */
struct edge {
	int		 head;
	int		 cap;		/* residual capacity */
	long long	 cost;
};

struct mcf {
	int		 n;		/* the graph's vertices, then s and t */
	int		 s, t;
	int		*first;		/* node v's edges: from first[v] */
	struct edge	*edge;
	int		*rev;		/* the opposite edge */
	long long	*pi;		/* potentials */
	long long	*dist;
	int		*heap, *pos;	/* Dijkstra's; pos -1 out, -2 done */
	int		 nheap;
	int		*level, *cur;	/* the blocking flow's */
	int		*path, *pnode;
};

static void
mcf_free(struct mcf *g)
{
	free(g->first);
	free(g->edge);
	free(g->rev);
	free(g->pi);
	free(g->dist);
	free(g->heap);
	free(g->pos);
	free(g->level);
	free(g->cur);
	free(g->path);
	free(g->pnode);
}

static int
mcf_alloc(struct mcf *g, int n, size_t m)
{
	size_t	un = (size_t)n + 1;

	g->n = n;
	g->first = calloc(un + 1, sizeof(int));
	g->edge = calloc(m + 1, sizeof(*g->edge));
	g->rev = calloc(m + 1, sizeof(int));
	g->pi = calloc(un, sizeof(long long));
	g->dist = calloc(un, sizeof(long long));
	g->heap = calloc(un, sizeof(int));
	g->pos = calloc(un, sizeof(int));
	g->level = calloc(un, sizeof(int));
	g->cur = calloc(un, sizeof(int));
	g->path = calloc(un, sizeof(int));
	g->pnode = calloc(un + 1, sizeof(int));

	return (g->first != NULL && g->edge != NULL && g->rev != NULL &&
	    g->pi != NULL &&
	    g->dist != NULL && g->heap != NULL && g->pos != NULL &&
	    g->level != NULL && g->cur != NULL && g->path != NULL &&
	    g->pnode != NULL ? 0 : -1);
}

/* Adds the edge u -> v and its opposite, at the fill pointers next[]. */
static void
mcf_edge(struct mcf *g, int *next, int u, int v, int cap, long long cost)
{
	int	e, r;

	e = next[u]++;
	r = next[v]++;
	g->edge[e].head = v;
	g->edge[e].cap = cap;
	g->edge[e].cost = cost;
	g->rev[e] = r;
	g->edge[r].head = u;
	g->edge[r].cap = 0;
	g->edge[r].cost = -cost;
	g->rev[r] = e;
}

static double
mcf_get(const void *data, int off, double dflt)
{
	double	d;

	if (off < 0)
		return (dflt);
	memcpy(&d, (const char *)data + off, sizeof(d));
	return (d);
}

/* 0 for an integer in [lo, hi]; GLP_ERANGE above hi; else GLP_EDATA. */
static int
mcf_value(double d, double lo, double hi)
{
	if (d != d || d < lo)
		return (GLP_EDATA);
	if (d > hi)
		return (GLP_ERANGE);
	return (d == (double)(long long)d ? 0 : GLP_EDATA);
}

/*
 * Checks the data as assign_mincost() wants them: GLP_EDATA, GLP_ERANGE,
 * or 0 with the largest cost in *top.
 */
static int
mcf_check(glp_graph *G, int v_rhs, int a_low, int a_cap, int a_cost,
    int a_x, long long *top)
{
	glp_arc		*a;
	double		 d, low, cap, cost;
	int		 i, ret;

	if (v_rhs > G->v_size - (int)sizeof(double) ||
	    a_low > G->a_size - (int)sizeof(double) ||
	    a_cap > G->a_size - (int)sizeof(double) ||
	    a_cost > G->a_size - (int)sizeof(double) ||
	    a_x > G->a_size - (int)sizeof(double))
		return (GLP_EDATA);
	*top = 0;
	for (i = 1; i <= G->nv; i++) {
		d = mcf_get(G->v[i]->data, v_rhs, 0.0);
		if ((ret = mcf_value(d < 0.0 ? -d : d, 0.0,
		    (double)INT_MAX)) != 0)
			return (ret);
		for (a = G->v[i]->out; a != NULL; a = a->t_next) {
			if (a->head == a->tail)
				return (GLP_EDATA);
			low = mcf_get(a->data, a_low, 0.0);
			cap = mcf_get(a->data, a_cap, 1.0);
			cost = mcf_get(a->data, a_cost, 0.0);
			if ((ret = mcf_value(low, 0.0, (double)INT_MAX)) != 0 ||
			    (ret = mcf_value(cap, low, (double)INT_MAX)) != 0 ||
			    (ret = mcf_value(cost, 0.0,
			    (double)MCF_COST_MAX)) != 0)
				return (ret);
			if ((long long)cost > *top)
				*top = (long long)cost;
		}
	}

	return (0);
}

/*
 * The residual graph: the arcs of G, lower bounds taken out; s feeding
 * every vertex with a supply, t drained by every vertex with a demand.
 * top: the largest cost; *need: what s must send. GLP_ERANGE, GLP_ENOPFS,
 * GLP_EFAIL or 0.
 */
static int
mcf_build(struct mcf *g, glp_graph *G, int v_rhs, int a_low, int a_cap,
    int a_cost, long long top, long long *need)
{
	glp_arc		*a;
	long long	*b, pos, neg;
	int		*next, i, s, t;
	size_t		 m;

	/* Edges are ints; no path cost may come near overflowing. */
	if ((long long)G->na + G->nv + 2 > INT_MAX / 2 ||
	    top > (LLONG_MAX / 8) / ((long long)G->nv + 2))
		return (GLP_ERANGE);
	s = G->nv;
	t = G->nv + 1;
	m = 2 * ((size_t)G->na + (size_t)G->nv);
	if (mcf_alloc(g, G->nv + 2, m) == -1 ||
	    (b = calloc((size_t)G->nv + 1, sizeof(*b))) == NULL)
		return (GLP_EFAIL);
	g->s = s;
	g->t = t;

	/* Supplies, lower bounds moved into them; then the edge counts. */
	for (i = 1; i <= G->nv; i++)
		b[i - 1] += (long long)mcf_get(G->v[i]->data, v_rhs, 0.0);
	for (i = 1; i <= G->nv; i++) {
		for (a = G->v[i]->out; a != NULL; a = a->t_next) {
			b[a->tail->i - 1] -= (long long)mcf_get(a->data,
			    a_low, 0.0);
			b[a->head->i - 1] += (long long)mcf_get(a->data,
			    a_low, 0.0);
			g->first[a->tail->i - 1 + 1]++;
			g->first[a->head->i - 1 + 1]++;
		}
	}
	pos = neg = 0;
	for (i = 0; i < G->nv; i++) {
		if (b[i] > 0)
			pos += b[i];
		else
			neg -= b[i];
		if (b[i] != 0) {
			g->first[i + 1]++;
			g->first[(b[i] > 0 ? s : t) + 1]++;
		}
	}
	if (pos > INT_MAX || neg > INT_MAX) {
		free(b);
		return (GLP_ERANGE);
	}
	if (pos != neg) {
		free(b);
		return (GLP_ENOPFS);
	}
	for (i = 0; i < g->n; i++)
		g->first[i + 1] += g->first[i];

	if ((next = calloc((size_t)g->n, sizeof(*next))) == NULL) {
		free(b);
		return (GLP_EFAIL);
	}
	memcpy(next, g->first, (size_t)g->n * sizeof(*next));
	for (i = 1; i <= G->nv; i++) {
		for (a = G->v[i]->out; a != NULL; a = a->t_next)
			mcf_edge(g, next, a->tail->i - 1, a->head->i - 1,
			    (int)(mcf_get(a->data, a_cap, 1.0) -
			    mcf_get(a->data, a_low, 0.0)),
			    (long long)mcf_get(a->data, a_cost, 0.0));
	}
	for (i = 0; i < G->nv; i++) {
		if (b[i] > 0)
			mcf_edge(g, next, s, i, (int)b[i], 0);
		else if (b[i] < 0)
			mcf_edge(g, next, i, t, (int)-b[i], 0);
	}
	free(next);
	free(b);
	*need = pos;

	return (0);
}

static long long
mcf_rc(const struct mcf *g, int u, int e)
{
	return (g->edge[e].cost + g->pi[u] - g->pi[g->edge[e].head]);
}

static void
heap_swap(struct mcf *g, int a, int b)
{
	int	v;

	v = g->heap[a];
	g->heap[a] = g->heap[b];
	g->heap[b] = v;
	g->pos[g->heap[a]] = a;
	g->pos[g->heap[b]] = b;
}

static void
heap_up(struct mcf *g, int k)
{
	while (k > 0 && g->dist[g->heap[(k - 1) / 2]] > g->dist[g->heap[k]]) {
		heap_swap(g, k, (k - 1) / 2);
		k = (k - 1) / 2;
	}
}

static int
heap_pop(struct mcf *g)
{
	int	v, k, c;

	v = g->heap[0];
	g->pos[v] = -2;
	if (--g->nheap == 0)
		return (v);
	g->heap[0] = g->heap[g->nheap];
	g->pos[g->heap[0]] = 0;
	for (k = 0; (c = 2 * k + 1) < g->nheap; k = c) {
		if (c + 1 < g->nheap && g->dist[g->heap[c + 1]] <
		    g->dist[g->heap[c]])
			c++;
		if (g->dist[g->heap[k]] <= g->dist[g->heap[c]])
			break;
		heap_swap(g, k, c);
	}

	return (v);
}

/*
 * Distances from s on reduced costs, then the potentials moved by them
 * (by t's distance for what lies beyond it, which keeps every reduced
 * cost non-negative). -1 when t cannot be reached.
 */
static int
mcf_dijkstra(struct mcf *g)
{
	long long	 d;
	int		 u, v, e;

	for (v = 0; v < g->n; v++) {
		g->dist[v] = MCF_INF;
		g->pos[v] = -1;
	}
	g->dist[g->s] = 0;
	g->heap[0] = g->s;
	g->pos[g->s] = 0;
	g->nheap = 1;
	while (g->nheap > 0) {
		u = heap_pop(g);
		if (u == g->t)
			break;
		for (e = g->first[u]; e < g->first[u + 1]; e++) {
			v = g->edge[e].head;
			if (g->edge[e].cap == 0 || g->pos[v] == -2)
				continue;
			d = g->dist[u] + mcf_rc(g, u, e);
			if (d >= g->dist[v])
				continue;
			g->dist[v] = d;
			if (g->pos[v] == -1) {
				g->pos[v] = g->nheap;
				g->heap[g->nheap++] = v;
			}
			heap_up(g, g->pos[v]);
		}
	}
	if (g->dist[g->t] == MCF_INF)
		return (-1);
	for (v = 0; v < g->n; v++)
		g->pi[v] += g->pos[v] == -2 ? g->dist[v] : g->dist[g->t];

	return (0);
}

static int
mcf_admissible(const struct mcf *g, int u, int e)
{
	return (g->edge[e].cap > 0 && mcf_rc(g, u, e) == 0);
}

/* Levels from s over the admissible edges; whether t has one. */
static int
mcf_levels(struct mcf *g)
{
	int	*q = g->path, qh, qt, u, v, e;

	for (v = 0; v < g->n; v++)
		g->level[v] = -1;
	g->level[g->s] = 0;
	q[0] = g->s;
	for (qh = 0, qt = 1; qh < qt; qh++) {
		u = q[qh];
		for (e = g->first[u]; e < g->first[u + 1]; e++) {
			v = g->edge[e].head;
			if (g->level[v] != -1 || !mcf_admissible(g, u, e))
				continue;
			g->level[v] = g->level[u] + 1;
			q[qt++] = v;
		}
	}

	return (g->level[g->t] != -1);
}

/* A blocking flow along the levels, without recursion: what it sent. */
static long long
mcf_block(struct mcf *g)
{
	long long	 sent = 0;
	int		 d, i, u, e, b;

	for (u = 0; u < g->n; u++)
		g->cur[u] = g->first[u];
	d = 0;
	g->pnode[0] = g->s;
	for (;;) {
		u = g->pnode[d];
		if (u == g->t) {
			b = INT_MAX;
			for (i = 0; i < d; i++)
				if (g->edge[g->path[i]].cap < b)
					b = g->edge[g->path[i]].cap;
			for (i = 0; i < d; i++) {
				g->edge[g->path[i]].cap -= b;
				g->edge[g->rev[g->path[i]]].cap += b;
			}
			sent += b;
			/* Back to the first edge it filled. */
			for (i = 0; i < d; i++)
				if (g->edge[g->path[i]].cap == 0)
					break;
			d = i;
			continue;
		}
		for (; g->cur[u] < g->first[u + 1]; g->cur[u]++) {
			e = g->cur[u];
			if (g->level[g->edge[e].head] == g->level[u] + 1 &&
			    mcf_admissible(g, u, e))
				break;
		}
		if (g->cur[u] < g->first[u + 1]) {
			g->path[d] = g->cur[u];
			g->pnode[++d] = g->edge[g->cur[u]].head;
			continue;
		}
		/* A dead end: nothing passes here any more this round. */
		g->level[u] = -1;
		if (d == 0)
			break;
		g->cur[g->pnode[--d]]++;
	}

	return (sent);
}

int
assign_mincost(glp_graph *G, int v_rhs, int a_low, int a_cap, int a_cost,
    double *sol, int a_x)
{
	struct mcf	 g;
	glp_arc		*a;
	long long	 top, need, sent;
	double		 x, total;
	int		 i, e, ret, *next;

	if ((ret = mcf_check(G, v_rhs, a_low, a_cap, a_cost, a_x,
	    &top)) != 0)
		return (ret);
	memset(&g, 0, sizeof(g));
	if ((ret = mcf_build(&g, G, v_rhs, a_low, a_cap, a_cost, top,
	    &need)) != 0) {
		mcf_free(&g);
		return (ret);
	}

	for (sent = 0; sent < need; ) {
		if (mcf_dijkstra(&g) == -1) {
			mcf_free(&g);
			return (GLP_ENOPFS);
		}
		/*
		 * One blocking flow, then Dijkstra again: when the sink is
		 * still as near, it says so as fast as a search of the
		 * levels that would find it, and one that would not costs
		 * as much as Dijkstra.
		 */
		if (mcf_levels(&g))
			sent += mcf_block(&g);
	}

	/* The flows, found where mcf_build() put each arc's edge. */
	if ((next = calloc((size_t)g.n, sizeof(*next))) == NULL) {
		mcf_free(&g);
		return (GLP_EFAIL);
	}
	memcpy(next, g.first, (size_t)g.n * sizeof(*next));
	total = 0.0;
	for (i = 1; i <= G->nv; i++) {
		for (a = G->v[i]->out; a != NULL; a = a->t_next) {
			e = next[a->tail->i - 1]++;
			next[a->head->i - 1]++;
			x = mcf_get(a->data, a_low, 0.0) +
			    (mcf_get(a->data, a_cap, 1.0) -
			    mcf_get(a->data, a_low, 0.0) - g.edge[e].cap);
			if (a_x >= 0)
				memcpy((char *)a->data + a_x, &x, sizeof(x));
			total += x * mcf_get(a->data, a_cost, 0.0);
		}
	}
	free(next);
	mcf_free(&g);
	if (sol != NULL)
		*sol = total;

	return (0);
}

/*
 * The answer
 */

static struct assign_adata *
arc_data(const glp_arc *a)
{
	return (a->data);
}

static double
arc_x(const glp_arc *a)
{
	return (arc_data(a)->x);
}

static int
made_cmp(const void *a, const void *b)
{
	const struct assign_made	*x = a, *y = b;

	if (x->app != y->app)
		return (x->app < y->app ? -1 : 1);
	if (x->reviewer != y->reviewer)
		return (x->reviewer < y->reviewer ? -1 : 1);
	return (0);
}

/* The PAIR arcs that carry flow, by application then reviewer. */
static int
result_made(const struct model *md, glp_graph *g, struct assign_result *res)
{
	const struct assign_problem	*p = md->p;
	struct assign_made		*mk;
	glp_arc				*a;
	size_t				 i, n;
	int				*added;

	n = 0;
	for (i = 0; i < p->napps; i++) {
		for (a = g->v[ASSIGN_VAPP(i)]->out; a != NULL;
		    a = a->t_next) {
			if (arc_data(a)->kind == ASSIGN_ARC_PAIR &&
			    arc_x(a) > 0.5)
				n++;
		}
	}
	res->made = calloc(n > 0 ? n : 1, sizeof(*res->made));
	added = calloc(p->nreviewers + 1, sizeof(*added));
	if (res->made == NULL || added == NULL) {
		free(added);
		return (-1);
	}
	for (i = 0; i < p->napps; i++) {
		for (a = g->v[ASSIGN_VAPP(i)]->out; a != NULL;
		    a = a->t_next) {
			if (arc_data(a)->kind != ASSIGN_ARC_PAIR ||
			    arc_x(a) < 0.5)
				continue;
			mk = &res->made[res->nmade++];
			mk->app = i;
			mk->reviewer = (size_t)arc_data(a)->reviewer;
			mk->expertise = arc_data(a)->cost == 0.0;
			mk->cost_expertise = (long long)arc_data(a)->cost;
		}
	}
	qsort(res->made, res->nmade, sizeof(*res->made), made_cmp);

	/* Each reviewer's units in the order of the applications. */
	for (i = 0; i < res->nmade; i++) {
		mk = &res->made[i];
		mk->load = p->reviewers[mk->reviewer].load +
		    ++added[mk->reviewer];
		mk->cost_load = md->w * (2LL * (mk->load - 1) + 1);
	}
	free(added);

	return (0);
}

static long long
app_overflow(glp_graph *g, size_t i)
{
	glp_arc	*a;

	for (a = g->v[ASSIGN_VAPP(i)]->out; a != NULL; a = a->t_next) {
		if (arc_data(a)->kind == ASSIGN_ARC_OVERFLOW)
			return ((long long)arc_x(a));
	}
	return (0);
}

/* What stands between application i and each reviewer. */
static void
short_count(const struct model *md, size_t i, struct assign_short *sh)
{
	const struct assign_problem	*p = md->p;
	size_t				 j;

	for (j = 0; j < p->nreviewers; j++) {
		switch (md->mark[i * p->nreviewers + j]) {
		case MARK_ASSIGNED:
			sh->already++;
			break;
		case MARK_BLOCKED:
			sh->conflicted++;
			break;
		default:
			if (md->room[j] <= 0)
				sh->at_cap++;
			else
				sh->eligible++;
			break;
		}
	}
}

static int
result_shorts(const struct model *md, glp_graph *g,
    struct assign_result *res)
{
	const struct assign_problem	*p = md->p;
	struct assign_short		*sh;
	long long			 over;
	size_t				 i, n;

	n = 0;
	for (i = 0; i < p->napps; i++)
		if (app_overflow(g, i) > 0)
			n++;
	if (n == 0)
		return (0);
	if ((res->shorts = calloc(n, sizeof(*res->shorts))) == NULL)
		return (-1);
	for (i = 0; i < p->napps; i++) {
		if ((over = app_overflow(g, i)) == 0)
			continue;
		sh = &res->shorts[res->nshorts++];
		sh->app = i;
		sh->need = p->apps[i].need;
		sh->got = sh->need - (int)over;
		short_count(md, i, sh);
	}

	return (0);
}

static void
why_add(struct assign_result *res, const char *fmt, ...)
{
	va_list	ap;
	size_t	len;

	len = strlen(res->why);
	if (len + 1 >= sizeof(res->why))
		return;
	if (len > 0)
		res->why[len++] = ' ';
	va_start(ap, fmt);
	(void)vsnprintf(res->why + len, sizeof(res->why) - len, fmt, ap);
	va_end(ap);
}

/* An application short because it has too few eligible reviewers. */
static long long
why_apps(const struct model *md, struct assign_result *res)
{
	const struct assign_short	*sh, *first = NULL;
	long long			 deficit = 0;
	size_t				 i, more = 0;

	for (i = 0; i < res->nshorts; i++) {
		sh = &res->shorts[i];
		if (sh->eligible >= sh->need)
			continue;
		deficit += sh->need - sh->eligible;
		if (first == NULL)
			first = sh;
		else
			more++;
	}
	if (first == NULL)
		return (0);
	why_add(res, "%s needs %d more reviewer%s but only %d %s eligible "
	    "(%d conflicted, %d at their cap).", md->p->apps[first->app].ref,
	    first->need, first->need == 1 ? "" : "s", first->eligible,
	    first->eligible == 1 ? "is" : "are", first->conflicted,
	    first->at_cap);
	if (more > 0)
		why_add(res, "%zu more application%s %s fewer eligible "
		    "reviewers than %s need%s.", more, more == 1 ? "" : "s",
		    more == 1 ? "has" : "have", more == 1 ? "it" : "they",
		    more == 1 ? "s" : "");

	return (deficit);
}

/* The whole panel's room, when every reviewer has a cap and it binds. */
static int
why_panel(const struct model *md, struct assign_result *res)
{
	const struct assign_problem	*p = md->p;
	long long			 room = 0;
	size_t				 j;

	for (j = 0; j < p->nreviewers; j++) {
		if (md->room[j] == ROOM_NONE)
			return (0);
		if (md->room[j] > 0)
			room += md->room[j];
	}
	if (room >= md->need)
		return (0);
	why_add(res, "The caps bind: the panel can take %lld more "
	    "assignment%s and %lld %s needed.", room, room == 1 ? "" : "s",
	    md->need, md->need == 1 ? "is" : "are");

	return (1);
}

/*
 * Applications that have enough eligible reviewers each, but not
 * together (Hall): from the short ones, follow what could still be
 * moved, an unused PAIR arc to a reviewer, a used one back to its
 * application. The flow is the cheapest, so no reviewer reached has
 * room left; the applications reached can get only what they got.
 */
static int
why_hall(const struct model *md, glp_graph *g, struct assign_result *res)
{
	const struct assign_problem	*p = md->p;
	glp_arc				*a;
	unsigned char			*seen;
	int				*q, qh, qt, v, w;
	long long			 need = 0, over = 0;
	size_t				 i, napps = 0, shown = 0;
	char				 refs[200];

	if ((seen = calloc((size_t)g->nv + 1, 1)) == NULL ||
	    (q = calloc((size_t)g->nv + 1, sizeof(*q))) == NULL) {
		free(seen);
		return (-1);
	}
	qt = 0;
	for (i = 0; i < res->nshorts; i++) {
		v = ASSIGN_VAPP(res->shorts[i].app);
		seen[v] = 1;
		q[qt++] = v;
		over += res->shorts[i].need - res->shorts[i].got;
	}
	for (qh = 0; qh < qt; qh++) {
		v = q[qh];
		if (v < ASSIGN_VREVIEWER(p, 0)) {
			for (a = g->v[v]->out; a != NULL; a = a->t_next) {
				w = a->head->i;
				if (arc_data(a)->kind != ASSIGN_ARC_PAIR ||
				    arc_x(a) > 0.5 || seen[w])
					continue;
				seen[w] = 1;
				q[qt++] = w;
			}
			continue;
		}
		for (a = g->v[v]->in; a != NULL; a = a->h_next) {
			w = a->tail->i;
			if (arc_data(a)->kind != ASSIGN_ARC_PAIR ||
			    arc_x(a) < 0.5 || seen[w])
				continue;
			seen[w] = 1;
			q[qt++] = w;
		}
	}

	refs[0] = '\0';
	for (i = 0; i < p->napps; i++) {
		if (!seen[ASSIGN_VAPP(i)])
			continue;
		napps++;
		need += p->apps[i].need;
		if (shown < 3) {
			(void)snprintf(refs + strlen(refs), sizeof(refs) -
			    strlen(refs), "%s%s", shown > 0 ? ", " : "",
			    p->apps[i].ref);
			shown++;
		}
	}
	free(q);
	free(seen);

	why_add(res, "The caps bind: the reviewers eligible for %s%zu "
	    "application%s (%s%s) can take only %lld more assignment%s for "
	    "them, and %lld %s needed.", napps == 1 ? "" : "these ", napps,
	    napps == 1 ? "" : "s", refs, napps > shown ? ", ..." : "",
	    need - over, need - over == 1 ? "" : "s", need,
	    need == 1 ? "is" : "are");

	return (0);
}

/* The binding constraints, most particular first. */
static int
result_why(const struct model *md, glp_graph *g, struct assign_result *res)
{
	long long	 over = 0, deficit;
	size_t		 i;

	for (i = 0; i < res->nshorts; i++)
		over += res->shorts[i].need - res->shorts[i].got;
	deficit = why_apps(md, res);
	if (why_panel(md, res))
		return (0);
	if (over > deficit)
		return (why_hall(md, g, res));

	return (0);
}

int
assign_solve(const struct assign_problem *p, struct assign_result *res,
    char *err, size_t errlen)
{
	struct model	 md;
	glp_graph	*g;
	double		 sol;
	int		 ret, limit;

	memset(res, 0, sizeof(*res));
	if (model_init(&md, p, err, errlen) == -1)
		return (-1);

	/*
	 * Without a cap a reviewer has a LOAD arc for every application it
	 * may read: 300,000 arcs for 2,000 applications and 150 reviewers,
	 * that no balanced flow comes near. So the graph first has a few
	 * more than the balanced load; if a reviewer uses all of its and
	 * could have had more, it is solved again with twice as many. A
	 * reviewer that leaves a LOAD arc unused would leave the dearer ones
	 * unused too: the flow is the cheapest of the whole graph (whose
	 * costs, M included, are the same).
	 */
	for (limit = model_first_limit(&md); ;
	    limit = limit > INT_MAX / 2 ? INT_MAX : 2 * limit) {
		model_limit(&md, limit);
		g = model_graph(&md);
		ret = assign_mincost(g, ASSIGN_V_RHS, ASSIGN_A_LOW,
		    ASSIGN_A_CAP, ASSIGN_A_COST, &sol, ASSIGN_A_X);
		if (ret != 0) {
			/* The OVERFLOW arcs make every problem feasible. */
			seterr(err, errlen, "the flow could not be solved "
			    "(%s)", ret == GLP_EFAIL ? "out of memory" :
			    "solver error");
			goto fail;
		}
		if (!model_saturated(&md, g))
			break;
		glp_delete_graph(g);
	}
	res->cost = (long long)sol;
	if (result_made(&md, g, res) == -1 ||
	    result_shorts(&md, g, res) == -1) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	res->complete = res->nshorts == 0;
	if (!res->complete && result_why(&md, g, res) == -1) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	glp_delete_graph(g);
	model_free(&md);

	return (0);

fail:
	glp_delete_graph(g);
	model_free(&md);
	assign_result_free(res);
	return (-1);
}

void
assign_result_free(struct assign_result *res)
{
	if (res == NULL)
		return;
	free(res->made);
	free(res->shorts);
	memset(res, 0, sizeof(*res));
}

/*
 * JSON in
 */

/* An id and where it stands in its list, sorted by id to look up. */
struct idx {
	long long	 id;
	size_t		 at;
};

struct parse {
	struct assign_problem	*p;
	struct idx		*apps, *reviewers;
	char			*err;
	size_t			 errlen;
};

static int
idx_cmp(const void *a, const void *b)
{
	const struct idx	*x = a, *y = b;

	if (x->id != y->id)
		return (x->id < y->id ? -1 : 1);
	return (0);
}

static int
idx_find(const struct idx *v, size_t n, long long id, size_t *at)
{
	const struct idx	*f, key = { id, 0 };

	if (n == 0 || (f = bsearch(&key, v, n, sizeof(*v), idx_cmp)) == NULL)
		return (-1);
	*at = f->at;
	return (0);
}

/* Sorts the ids of a list: -1 with err on a duplicate. */
static int
idx_sort(struct parse *ps, struct idx *v, size_t n, const char *what)
{
	size_t	i;

	if (n > 0)
		qsort(v, n, sizeof(*v), idx_cmp);
	for (i = 1; i < n; i++) {
		if (v[i].id == v[i - 1].id) {
			seterr(ps->err, ps->errlen, "%s: id %lld twice", what,
			    v[i].id);
			return (-1);
		}
	}
	return (0);
}

/* Exactly the keys named, no other. */
static int
json_keys(struct parse *ps, json_t *o, const char *const *keys,
    const char *what)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	if (!json_is_object(o)) {
		seterr(ps->err, ps->errlen, "%s: not an object", what);
		return (-1);
	}
	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			seterr(ps->err, ps->errlen, "%s: unknown key \"%.40s\"",
			    what, k);
			return (-1);
		}
	}
	for (i = 0; keys[i] != NULL; i++) {
		if (json_object_get(o, keys[i]) == NULL) {
			seterr(ps->err, ps->errlen, "%s: no \"%s\"", what,
			    keys[i]);
			return (-1);
		}
	}
	return (0);
}

/* An integer from lo to hi; key, when not NULL, names it in err. */
static int
json_int(struct parse *ps, json_t *v, long long lo, long long hi,
    const char *what, const char *key, long long *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		seterr(ps->err, ps->errlen, "%s: %s%s%snot an integer from "
		    "%lld to %lld", what, key != NULL ? "\"" : "",
		    key != NULL ? key : "", key != NULL ? "\" " : "", lo, hi);
		return (-1);
	}
	*out = json_integer_value(v);
	return (0);
}

static int
json_list(struct parse *ps, json_t *v, size_t max, const char *what)
{
	if (!json_is_array(v)) {
		seterr(ps->err, ps->errlen, "%s: not an array", what);
		return (-1);
	}
	if (json_array_size(v) > max) {
		seterr(ps->err, ps->errlen, "%s: more than %zu", what, max);
		return (-1);
	}
	return (0);
}

/* A category's index; -1 with err when it is not one of the list. */
static int
parse_category(struct parse *ps, json_t *v, const char *what)
{
	int	c;

	if (!json_is_string(v)) {
		seterr(ps->err, ps->errlen, "%s: category not a string", what);
		return (-1);
	}
	for (c = 0; c < ps->p->ncategories; c++) {
		if (strcmp(ps->p->categories[c], json_string_value(v)) == 0)
			return (c);
	}
	seterr(ps->err, ps->errlen, "%s: unknown category \"%.40s\"", what,
	    json_string_value(v));
	return (-1);
}

static int
parse_categories(struct parse *ps, json_t *list)
{
	struct assign_problem	*p = ps->p;
	json_t			*v;
	size_t			 i, n;
	int			 c;

	if (json_list(ps, list, ASSIGN_CATEGORIES_MAX, "categories") == -1)
		return (-1);
	n = json_array_size(list);
	if ((p->categories = calloc(n + 1, sizeof(*p->categories))) == NULL) {
		seterr(ps->err, ps->errlen, "out of memory");
		return (-1);
	}
	json_array_foreach(list, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0) {
			seterr(ps->err, ps->errlen, "categories[%zu]: not a "
			    "code", i);
			return (-1);
		}
		for (c = 0; c < p->ncategories; c++) {
			if (strcmp(p->categories[c], json_string_value(v)) ==
			    0) {
				seterr(ps->err, ps->errlen, "categories[%zu]: "
				    "\"%.40s\" twice", i, json_string_value(v));
				return (-1);
			}
		}
		if ((p->categories[i] = strdup(json_string_value(v))) == NULL) {
			seterr(ps->err, ps->errlen, "out of memory");
			return (-1);
		}
		p->ncategories++;
	}
	return (0);
}

static int
parse_reviewer(struct parse *ps, json_t *o, size_t i)
{
	static const char *const	 keys[] = { "id", "cap", "load",
					    "expertise", NULL };
	struct assign_reviewer		*r = &ps->p->reviewers[i];
	json_t				*v;
	long long			 n;
	size_t				 k;
	char				 what[64];
	int				 c;

	(void)snprintf(what, sizeof(what), "reviewers[%zu]", i);
	if (json_keys(ps, o, keys, what) == -1 ||
	    json_int(ps, json_object_get(o, "id"), 1, LLONG_MAX, what,
	    "id", &r->id) == -1)
		return (-1);
	(void)snprintf(what, sizeof(what), "reviewer %lld", r->id);
	r->cap = -1;
	if (!json_is_null(json_object_get(o, "cap"))) {
		if (json_int(ps, json_object_get(o, "cap"), 0, ASSIGN_LOAD_MAX,
		    what, "cap", &n) == -1)
			return (-1);
		r->cap = (int)n;
	}
	if (json_int(ps, json_object_get(o, "load"), 0, ASSIGN_LOAD_MAX,
	    what, "load", &n) == -1)
		return (-1);
	r->load = (int)n;
	if (json_list(ps, json_object_get(o, "expertise"),
	    ASSIGN_CATEGORIES_MAX, what) == -1)
		return (-1);
	json_array_foreach(json_object_get(o, "expertise"), k, v) {
		if ((c = parse_category(ps, v, what)) == -1)
			return (-1);
		r->expertise |= 1ULL << c;
	}
	ps->reviewers[i].id = r->id;
	ps->reviewers[i].at = i;
	return (0);
}

static int
parse_reviewers(struct parse *ps, json_t *list)
{
	struct assign_problem	*p = ps->p;
	json_t			*o;
	size_t			 i, n;

	if (json_list(ps, list, ASSIGN_REVIEWERS_MAX, "reviewers") == -1)
		return (-1);
	n = json_array_size(list);
	p->reviewers = calloc(n + 1, sizeof(*p->reviewers));
	ps->reviewers = calloc(n + 1, sizeof(*ps->reviewers));
	if (p->reviewers == NULL || ps->reviewers == NULL) {
		seterr(ps->err, ps->errlen, "out of memory");
		return (-1);
	}
	json_array_foreach(list, i, o) {
		if (parse_reviewer(ps, o, i) == -1)
			return (-1);
		p->nreviewers++;
	}
	return (idx_sort(ps, ps->reviewers, n, "reviewers"));
}

/* An application's reviewers already: pairs, and its need. */
static int
parse_assigned(struct parse *ps, json_t *list, size_t i, int k,
    const char *what)
{
	struct assign_problem	*p = ps->p;
	json_t			*v;
	size_t			 n, at, a, start;
	long long		 id;

	if (json_list(ps, list, ASSIGN_REVIEWERS_MAX, what) == -1)
		return (-1);
	start = p->nassigned;
	json_array_foreach(list, n, v) {
		if (json_int(ps, v, 1, LLONG_MAX, what, "assigned", &id) ==
		    -1)
			return (-1);
		if (idx_find(ps->reviewers, p->nreviewers, id, &at) == -1) {
			seterr(ps->err, ps->errlen, "%s: assigned reviewer "
			    "%lld is not a reviewer", what, id);
			return (-1);
		}
		for (a = 2 * start; a < 2 * p->nassigned; a += 2) {
			if (p->assigned[a + 1] == at) {
				seterr(ps->err, ps->errlen, "%s: reviewer "
				    "%lld assigned twice", what, id);
				return (-1);
			}
		}
		p->assigned[2 * p->nassigned] = i;
		p->assigned[2 * p->nassigned + 1] = at;
		p->nassigned++;
	}
	n = json_array_size(list);
	p->apps[i].need = n >= (size_t)k ? 0 : k - (int)n;
	return (0);
}

static int
parse_app(struct parse *ps, json_t *o, size_t i, int k)
{
	static const char *const	 keys[] = { "id", "ref", "category",
					    "assigned", NULL };
	struct assign_app		*ap = &ps->p->apps[i];
	json_t				*v;
	char				 what[64];

	(void)snprintf(what, sizeof(what), "applications[%zu]", i);
	if (json_keys(ps, o, keys, what) == -1 ||
	    json_int(ps, json_object_get(o, "id"), 1, LLONG_MAX, what,
	    "id", &ap->id) == -1)
		return (-1);
	(void)snprintf(what, sizeof(what), "application %lld", ap->id);
	v = json_object_get(o, "ref");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(ap->ref) ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		seterr(ps->err, ps->errlen, "%s: ref not a reference of 1 to "
		    "%zu bytes", what, sizeof(ap->ref) - 1);
		return (-1);
	}
	memcpy(ap->ref, json_string_value(v), json_string_length(v) + 1);
	ap->category = -1;
	v = json_object_get(o, "category");
	if (!json_is_null(v) &&
	    (ap->category = parse_category(ps, v, what)) == -1)
		return (-1);
	if (parse_assigned(ps, json_object_get(o, "assigned"), i, k,
	    what) == -1)
		return (-1);
	ps->apps[i].id = ap->id;
	ps->apps[i].at = i;
	return (0);
}

static int
parse_apps(struct parse *ps, json_t *list, int k)
{
	struct assign_problem	*p = ps->p;
	json_t			*o;
	size_t			 i, n, total;

	if (json_list(ps, list, ASSIGN_APPS_MAX, "applications") == -1)
		return (-1);
	n = json_array_size(list);
	if (n * p->nreviewers > ASSIGN_PAIRS_MAX) {
		seterr(ps->err, ps->errlen, "too large: %zu applications and "
		    "%zu reviewers (at most %d pairs)", n, p->nreviewers,
		    ASSIGN_PAIRS_MAX);
		return (-1);
	}
	total = 0;
	json_array_foreach(list, i, o) {
		if (json_is_object(o) &&
		    json_is_array(json_object_get(o, "assigned")))
			total += json_array_size(json_object_get(o,
			    "assigned"));
	}
	p->apps = calloc(n + 1, sizeof(*p->apps));
	ps->apps = calloc(n + 1, sizeof(*ps->apps));
	p->assigned = calloc(2 * total + 2, sizeof(*p->assigned));
	if (p->apps == NULL || ps->apps == NULL || p->assigned == NULL) {
		seterr(ps->err, ps->errlen, "out of memory");
		return (-1);
	}
	json_array_foreach(list, i, o) {
		if (parse_app(ps, o, i, k) == -1)
			return (-1);
		p->napps++;
	}
	return (idx_sort(ps, ps->apps, n, "applications"));
}

static int
parse_blocked(struct parse *ps, json_t *list)
{
	struct assign_problem	*p = ps->p;
	json_t			*pair;
	size_t			 i, n, a, r;
	long long		 aid, rid;
	char			 what[64];

	if (json_list(ps, list, ASSIGN_PAIRS_MAX, "blocked") == -1)
		return (-1);
	n = json_array_size(list);
	if ((p->blocked = calloc(2 * n + 2, sizeof(*p->blocked))) == NULL) {
		seterr(ps->err, ps->errlen, "out of memory");
		return (-1);
	}
	json_array_foreach(list, i, pair) {
		(void)snprintf(what, sizeof(what), "blocked[%zu]", i);
		if (!json_is_array(pair) || json_array_size(pair) != 2) {
			seterr(ps->err, ps->errlen, "%s: not a pair", what);
			return (-1);
		}
		if (json_int(ps, json_array_get(pair, 0), 1, LLONG_MAX, what,
		    NULL, &aid) == -1 ||
		    json_int(ps, json_array_get(pair, 1), 1, LLONG_MAX, what,
		    NULL, &rid) == -1)
			return (-1);
		if (idx_find(ps->apps, p->napps, aid, &a) == -1 ||
		    idx_find(ps->reviewers, p->nreviewers, rid, &r) == -1) {
			seterr(ps->err, ps->errlen, "%s: [%lld, %lld] names "
			    "no application and reviewer of the lists", what,
			    aid, rid);
			return (-1);
		}
		p->blocked[2 * i] = a;
		p->blocked[2 * i + 1] = r;
		p->nblocked++;
	}
	return (0);
}

int
assign_problem_from_json(const char *json, struct assign_problem *p,
    char *err, size_t errlen)
{
	static const char *const	 keys[] = { "k", "categories",
					    "applications", "reviewers",
					    "blocked", NULL };
	struct parse			 ps;
	json_error_t			 jerr;
	json_t				*root;
	long long			 k;
	int				 rc = -1;

	memset(p, 0, sizeof(*p));
	memset(&ps, 0, sizeof(ps));
	ps.p = p;
	ps.err = err;
	ps.errlen = errlen;
	if ((root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		seterr(err, errlen, "not JSON: %s (line %d)", jerr.text,
		    jerr.line);
		return (-1);
	}
	if (json_keys(&ps, root, keys, "problem") == -1 ||
	    json_int(&ps, json_object_get(root, "k"), 1, ASSIGN_K_MAX,
	    "problem", "k", &k) == -1)
		goto done;
	p->k = (int)k;
	if (parse_categories(&ps, json_object_get(root, "categories")) == -1 ||
	    parse_reviewers(&ps, json_object_get(root, "reviewers")) == -1 ||
	    parse_apps(&ps, json_object_get(root, "applications"), p->k) ==
	    -1 || parse_blocked(&ps, json_object_get(root, "blocked")) == -1)
		goto done;
	rc = 0;

done:
	json_decref(root);
	free(ps.apps);
	free(ps.reviewers);
	if (rc == -1)
		assign_problem_free(p);
	return (rc);
}

void
assign_problem_free(struct assign_problem *p)
{
	int	c;

	if (p == NULL)
		return;
	if (p->categories != NULL) {
		for (c = 0; c < p->ncategories; c++)
			free(p->categories[c]);
	}
	free(p->categories);
	free(p->apps);
	free(p->reviewers);
	free(p->blocked);
	free(p->assigned);
	memset(p, 0, sizeof(*p));
}

/*
 * JSON out
 */

static json_t *
json_made(const struct assign_problem *p, const struct assign_made *mk)
{
	return (json_pack("{s:I, s:I, s:s, s:b, s:i, s:{s:I, s:I}}",
	    "application", (json_int_t)p->apps[mk->app].id,
	    "reviewer", (json_int_t)p->reviewers[mk->reviewer].id,
	    "ref", p->apps[mk->app].ref,
	    "expertise", mk->expertise,
	    "load", mk->load,
	    "cost", "expertise", (json_int_t)mk->cost_expertise,
	    "load", (json_int_t)mk->cost_load));
}

static json_t *
json_short(const struct assign_problem *p, const struct assign_short *sh)
{
	return (json_pack("{s:I, s:s, s:i, s:i, s:i, s:i, s:i, s:i}",
	    "application", (json_int_t)p->apps[sh->app].id,
	    "ref", p->apps[sh->app].ref,
	    "need", sh->need, "got", sh->got, "eligible", sh->eligible,
	    "conflicted", sh->conflicted, "at_cap", sh->at_cap,
	    "already", sh->already));
}

char *
assign_result_to_json(const struct assign_problem *p,
    const struct assign_result *res)
{
	json_t	*root, *made, *shorts;
	char	*s = NULL;
	size_t	 i;

	root = json_object();
	made = json_array();
	shorts = json_array();
	if (root == NULL || made == NULL || shorts == NULL)
		goto done;
	for (i = 0; i < res->nmade; i++) {
		if (json_array_append_new(made, json_made(p,
		    &res->made[i])) == -1)
			goto done;
	}
	for (i = 0; i < res->nshorts; i++) {
		if (json_array_append_new(shorts, json_short(p,
		    &res->shorts[i])) == -1)
			goto done;
	}
	if (json_object_set_new(root, "complete",
	    json_boolean(res->complete)) == -1 ||
	    json_object_set(root, "assignments", made) == -1 ||
	    json_object_set(root, "short", shorts) == -1 ||
	    json_object_set_new(root, "why", res->complete ? json_null() :
	    json_string(res->why)) == -1)
		goto done;
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);

done:
	json_decref(made);
	json_decref(shorts);
	json_decref(root);
	return (s);
}
