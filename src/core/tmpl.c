/*
 * Mustache templates.
 *
 * A template is parsed once into a tree of nodes that point into a
 * private copy of its source.  Parsing takes three passes over the
 * source: lexing into tokens (set-delimiter tags change how the rest
 * is lexed), marking standalone lines, and building the tree.  The
 * standalone pass needs to see a whole line of tokens at once, which
 * is why it cannot be folded into the lexer.
 *
 * Rendering walks the tree.  Everything it changes lives on the stack
 * of tmpl_render(), so a const set can be shared between threads.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tmpl.h"

#define TMPL_MAX_SIZE		(1024 * 1024)
#define TMPL_MAX_NEST		100
#define TMPL_MAX_DEPTH		64	/* partials, parents, blocks */
#define TMPL_MAX_NESTING	256	/* all of those plus sections */
/* The fuzz build lowers these two so runaway inputs stay cheap to try. */
#ifndef TMPL_MAX_OUTPUT
#define TMPL_MAX_OUTPUT		(8 * 1024 * 1024)
#endif
#ifndef TMPL_MAX_WORK
#define TMPL_MAX_WORK		1000000
#endif
#define TMPL_MAX_INDENT		(64 * 1024)
#define TMPL_INCLUDE_WORK	16	/* an expansion costs more than a node */

#define T_TEXT			0
#define T_VAR			1
#define T_RAW			2
#define T_SECTION		3
#define T_INVERTED		4
#define T_PARTIAL		5
#define T_PARENT		6
#define T_BLOCK			7
#define T_CLOSE			8
#define T_COMMENT		9
#define T_DELIM			10

#define TOK_DROP		0x01	/* whitespace of a standalone line */
#define TOK_ALONE		0x02	/* tag on a standalone line */
#define TOK_LAST		0x04	/* last tag on a standalone line */
#define TOK_ENDS_PARENT		0x08	/* close tag of a parent */

#define MINIMUM(a, b)		(((a) < (b)) ? (a) : (b))

struct tok {
	int			 type;
	int			 flags;
	int			 line;
	const char		*start;		/* opening delimiter or text */
	const char		*str;		/* text or tag name */
	size_t			 len;
	const char		*ws;		/* indentation if TOK_ALONE */
	size_t			 wslen;
	const char		*next;		/* line after, if TOK_LAST */
};

struct node {
	int			 type;
	int			 alone;
	const char		*str;
	size_t			 len;
	const char		*ind;
	size_t			 indlen;
	struct node		*kids;
	size_t			 nkids;
};

struct nodes {
	struct node		*v;
	size_t			 n;
	size_t			 cap;
};

struct tmpl {
	char			*name;
	size_t			 namelen;
	char			*src;
	struct node		*nodes;
	size_t			 nnodes;
};

struct tmpl_set {
	struct tmpl		**v;
	size_t			 n;
	size_t			 cap;
};

struct parser {
	const char		*src;
	const char		*end;
	const char		*otag;
	size_t			 olen;
	const char		*ctag;
	size_t			 clen;
	int			 line;
	struct tok		*toks;
	size_t			 ntoks;
	size_t			 cap;
	size_t			 pos;
	char			*err;
	size_t			 errlen;
};

struct ctx {
	json_t			*v;
	const struct ctx	*up;
};

/* The parent tags being expanded, innermost first. */
struct scope {
	const struct node	*parent;
	const struct scope	*up;
};

struct render {
	const struct tmpl_set	*set;
	char			*buf;
	size_t			 len;
	size_t			 cap;
	char			*ind;		/* current indentation */
	size_t			 indlen;
	size_t			 indcap;
	size_t			 work;
	int			 depth;
	int			 nesting;
	int			 bol;
	int			 stop;
};

static void	*xrealloc(void *, size_t, size_t);
static void	 seterr(struct parser *, const char *, ...)
		    __attribute__((format (printf, 2, 3)));
static int	 is_ws(int);
static int	 is_blank(int);
static size_t	 common_prefix(const char *, size_t, const char *, size_t);
static const char *find(const char *, const char *, const char *, size_t);
static const char *find_close(const struct parser *, const char *, int);
static struct tok *tok_new(struct parser *, int, const char *);
static void	 lex_text(struct parser *, const char *, const char *);
static int	 sigil(int, int *);
static int	 set_delims(struct parser *, int, const char *, const char *);
static const char *lex_tag(struct parser *, const char *);
static int	 lex(struct parser *);
static void	 mark_closers(struct parser *);
static int	 blank_text(const struct tok *, int);
static int	 line_alone(const struct parser *, size_t, size_t);
static void	 line_mark(struct parser *, size_t, size_t);
static void	 standalone(struct parser *);
static struct node *node_add(struct nodes *, int, const char *, size_t);
static void	 nodes_free(struct node *, size_t);
static void	 add_text(struct parser *, struct nodes *, const struct tok *,
		    const char *, size_t);
static void	 set_indent(struct node *, const char *, size_t,
		    const char *, size_t);
static const char *block_setup(struct parser *, struct node *,
		    const struct tok *, const char *, size_t, size_t *);
static void	 keep_blocks(struct node *);
static int	 check_close(struct parser *, const struct tok *,
		    const struct tok *);
static int	 build_nested(struct parser *, struct nodes *,
		    const struct tok *, const char *, size_t, int);
static int	 build(struct parser *, struct nodes *, const struct tok *,
		    const char *, size_t, int);
static int	 parse(struct tmpl *, size_t, char *, size_t);
static void	 tmpl_free(struct tmpl *);
static size_t	 set_pos(const struct tmpl_set *, const char *, size_t,
		    int *);
static const struct tmpl *set_get(const struct tmpl_set *, const char *,
		    size_t);
static void	 out_append(struct render *, const char *, size_t);
static void	 out_bol(struct render *);
static void	 out_text(struct render *, const char *, size_t);
static void	 out_escaped(struct render *, const char *, size_t);
static size_t	 fmt_real(char *, size_t, double);
static void	 out_value(struct render *, const json_t *, int);
static json_t	*lookup(struct render *, const struct ctx *,
		    const char *, size_t);
static int	 truthy(const json_t *);
static size_t	 indent_push(struct render *, const struct node *);
static const struct node *block_find(struct render *, const struct scope *,
		    const struct node *, const struct scope **);
static void	 render_list(struct render *, const struct node *, size_t,
		    const struct ctx *, const struct scope *);
static void	 render_section(struct render *, const struct node *,
		    const struct ctx *, const struct scope *);
static void	 render_include(struct render *, const struct node *,
		    const struct ctx *, const struct scope *);
static void	 render_block(struct render *, const struct node *,
		    const struct ctx *, const struct scope *);
static void	 render_node(struct render *, const struct node *,
		    const struct ctx *, const struct scope *);

/* Like Kore's allocators: running out of memory is not recoverable. */
static void *
xrealloc(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		abort();
	if ((p = realloc(ptr, nmemb * size == 0 ? 1 : nmemb * size)) == NULL)
		abort();

	return (p);
}

static void
seterr(struct parser *p, const char *fmt, ...)
{
	va_list		args;

	if (p->err == NULL || p->errlen == 0)
		return;

	va_start(args, fmt);
	(void)vsnprintf(p->err, p->errlen, fmt, args);
	va_end(args);
}

static int
is_ws(int c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

static int
is_blank(int c)
{
	return (c == ' ' || c == '\t');
}

static size_t
common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		i;

	for (i = 0; i < alen && i < blen && a[i] == b[i]; i++)
		;

	return (i);
}

static const char *
find(const char *s, const char *end, const char *pat, size_t plen)
{
	const char	*p;

	while ((size_t)(end - s) >= plen) {
		p = memchr(s, pat[0], (size_t)(end - s) - plen + 1);
		if (p == NULL)
			return (NULL);
		if (memcmp(p, pat, plen) == 0)
			return (p);
		s = p + 1;
	}

	return (NULL);
}

/*
 * Find the closing delimiter of a tag whose content starts at s.  Triple
 * mustaches and set-delimiter tags close with an extra character (ch)
 * in front of the closing delimiter.
 */
static const char *
find_close(const struct parser *p, const char *s, int ch)
{
	const char	*e, *from;

	from = s;
	while ((e = find(from, p->end, p->ctag, p->clen)) != NULL) {
		if (ch == 0 || (e > s && e[-1] == ch))
			return (e);
		from = e + 1;
	}

	return (NULL);
}

static struct tok *
tok_new(struct parser *p, int type, const char *start)
{
	struct tok	*t;

	if (p->ntoks == p->cap) {
		p->cap = p->cap == 0 ? 64 : p->cap * 2;
		p->toks = xrealloc(p->toks, p->cap, sizeof(*p->toks));
	}

	t = &p->toks[p->ntoks++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->line = p->line;
	t->start = start;
	t->str = start;

	return (t);
}

/* Text is split after each newline so that a line is a run of tokens. */
static void
lex_text(struct parser *p, const char *s, const char *e)
{
	struct tok	*t;
	const char	*nl;
	size_t		 len;

	while (s < e) {
		nl = memchr(s, '\n', (size_t)(e - s));
		len = nl != NULL ? (size_t)(nl - s) + 1 : (size_t)(e - s);
		t = tok_new(p, T_TEXT, s);
		t->len = len;
		if (nl != NULL)
			p->line++;
		s += len;
	}
}

static int
sigil(int c, int *close)
{
	*close = 0;

	switch (c) {
	case '{':
		*close = '}';
		return (T_RAW);
	case '&':
		return (T_RAW);
	case '#':
		return (T_SECTION);
	case '^':
		return (T_INVERTED);
	case '/':
		return (T_CLOSE);
	case '!':
		return (T_COMMENT);
	case '=':
		*close = '=';
		return (T_DELIM);
	case '>':
		return (T_PARTIAL);
	case '<':
		return (T_PARENT);
	case '$':
		return (T_BLOCK);
	}

	return (T_VAR);
}

static int
set_delims(struct parser *p, int line, const char *s, const char *e)
{
	const char	*o, *c;
	size_t		 olen, clen;

	for (o = s; s < e && !is_ws(*s); s++)
		;
	olen = (size_t)(s - o);
	while (s < e && is_ws(*s))
		s++;
	for (c = s; s < e && !is_ws(*s); s++)
		;
	clen = (size_t)(s - c);

	if (olen == 0 || clen == 0 || s != e) {
		seterr(p, "line %d: invalid set delimiter tag", line);
		return (-1);
	}

	p->otag = o;
	p->olen = olen;
	p->ctag = c;
	p->clen = clen;

	return (0);
}

/* Lex the tag opening at o, returning where the text after it starts. */
static const char *
lex_tag(struct parser *p, const char *o)
{
	struct tok	*t;
	const char	*s, *e, *next, *q;
	int		 type, ch, line;

	s = o + p->olen;
	type = T_VAR;
	ch = 0;
	if (s < p->end && (type = sigil(*s, &ch)) != T_VAR)
		s++;

	if ((e = find_close(p, s, ch)) == NULL) {
		seterr(p, "line %d: unclosed tag", p->line);
		return (NULL);
	}
	next = e + p->clen;
	if (ch != 0)
		e--;

	while (s < e && is_ws(*s))
		s++;
	while (e > s && is_ws(e[-1]))
		e--;

	line = p->line;
	t = tok_new(p, type, o);
	t->str = s;
	t->len = (size_t)(e - s);

	for (q = o; q < next; q++) {
		if (*q == '\n')
			p->line++;
	}

	if (type == T_COMMENT)
		return (next);
	if (type == T_DELIM)
		return (set_delims(p, line, s, e) == -1 ? NULL : next);

	for (q = s; q < e && !is_ws(*q); q++)
		;
	if (s == e || q != e) {
		seterr(p, "line %d: invalid tag name '%.*s'", line,
		    (int)MINIMUM(t->len, 64), s);
		return (NULL);
	}

	return (next);
}

static int
lex(struct parser *p)
{
	const char	*s, *o;

	p->otag = "{{";
	p->olen = 2;
	p->ctag = "}}";
	p->clen = 2;
	p->line = 1;

	s = p->src;
	while (s < p->end) {
		if ((o = find(s, p->end, p->otag, p->olen)) == NULL)
			o = p->end;
		lex_text(p, s, o);
		if (o == p->end)
			break;
		if ((s = lex_tag(p, o)) == NULL)
			return (-1);
	}

	return (0);
}

/*
 * Remember which close tags end a parent: those may share a standalone
 * line with other tags.  Mismatched tags are reported by build() later.
 */
static void
mark_closers(struct parser *p)
{
	int		 stack[TMPL_MAX_NEST + 1];
	size_t		 i, depth;
	struct tok	*t;

	depth = 0;
	for (i = 0; i < p->ntoks; i++) {
		t = &p->toks[i];
		switch (t->type) {
		case T_SECTION:
		case T_INVERTED:
		case T_PARENT:
		case T_BLOCK:
			if (depth < TMPL_MAX_NEST + 1)
				stack[depth] = t->type;
			depth++;
			break;
		case T_CLOSE:
			if (depth == 0)
				break;
			depth--;
			if (depth < TMPL_MAX_NEST + 1 && stack[depth] == T_PARENT)
				t->flags |= TOK_ENDS_PARENT;
			break;
		}
	}
}

/* Only the last text token of a line may hold its (CR)LF. */
static int
blank_text(const struct tok *t, int last)
{
	size_t		len;

	len = t->len;
	if (last && len > 0 && t->str[len - 1] == '\n') {
		len--;
		if (len > 0 && t->str[len - 1] == '\r')
			len--;
	}
	while (len > 0 && is_blank(t->str[len - 1]))
		len--;

	return (len == 0);
}

/*
 * A line is standalone if it holds a single tag that produces no output,
 * plus whitespace.  Inheritance tags are allowed to share the line with
 * each other so that "{{<parent}}{{$block}}" and "{{/block}}{{/parent}}"
 * lines vanish, but a block opened and closed on one line without a
 * parent tag stays inline, as the spec's "Standalone block" case needs.
 */
static int
line_alone(const struct parser *p, size_t i, size_t j)
{
	const struct tok	*t;
	size_t			 k, ntags;
	int			 parent, simple;

	ntags = 0;
	parent = 0;
	simple = 1;
	for (k = i; k <= j; k++) {
		t = &p->toks[k];
		if (t->type == T_TEXT) {
			if (!blank_text(t, k == j))
				return (0);
			continue;
		}
		ntags++;
		switch (t->type) {
		case T_VAR:
		case T_RAW:
			return (0);
		case T_PARENT:
			parent = 1;
			break;
		case T_CLOSE:
			if (t->flags & TOK_ENDS_PARENT)
				parent = 1;
			break;
		case T_BLOCK:
		case T_COMMENT:
			break;
		default:
			simple = 0;
			break;
		}
	}

	return (ntags == 1 || (ntags > 1 && simple && parent));
}

static void
line_mark(struct parser *p, size_t i, size_t j)
{
	struct tok	*t, *first, *last;
	size_t		 k;

	first = last = NULL;
	for (k = i; k <= j; k++) {
		t = &p->toks[k];
		if (t->type == T_TEXT) {
			t->flags |= TOK_DROP;
			continue;
		}
		t->flags |= TOK_ALONE;
		if (first == NULL)
			first = t;
		last = t;
	}

	if (first != NULL && p->toks[i].type == T_TEXT) {
		first->ws = p->toks[i].str;
		first->wslen = p->toks[i].len;
	}

	if (last != NULL) {
		last->flags |= TOK_LAST;
		t = &p->toks[j];
		last->next = t->type == T_TEXT ? t->str + t->len : p->end;
	}
}

static void
standalone(struct parser *p)
{
	size_t		 i, j;
	struct tok	*t;

	mark_closers(p);

	for (i = 0; i < p->ntoks; i = j + 1) {
		for (j = i; j + 1 < p->ntoks; j++) {
			t = &p->toks[j];
			if (t->type == T_TEXT && t->str[t->len - 1] == '\n')
				break;
		}
		if (line_alone(p, i, j))
			line_mark(p, i, j);
	}
}

static struct node *
node_add(struct nodes *l, int type, const char *str, size_t len)
{
	struct node	*n;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xrealloc(l->v, l->cap, sizeof(*l->v));
	}

	n = &l->v[l->n++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->str = str;
	n->len = len;

	return (n);
}

static void
nodes_free(struct node *v, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		nodes_free(v[i].kids, v[i].nkids);
	free(v);
}

/*
 * Lines inside a block whose opening tag is standalone lose the block's
 * own indentation (ded), so that the content can be re-indented to the
 * place where it ends up.
 */
static void
add_text(struct parser *p, struct nodes *l, const struct tok *t,
    const char *ded, size_t dedlen)
{
	const char	*s;
	size_t		 len, cut;
	struct node	*prev;

	s = t->str;
	len = t->len;
	if (dedlen > 0 && (s == p->src || s[-1] == '\n')) {
		cut = common_prefix(s, len, ded, dedlen);
		s += cut;
		len -= cut;
	}
	if (len == 0)
		return;

	prev = l->n > 0 ? &l->v[l->n - 1] : NULL;
	if (prev != NULL && prev->type == T_TEXT && prev->str + prev->len == s) {
		prev->len += len;
		return;
	}

	(void)node_add(l, T_TEXT, s, len);
}

static void
set_indent(struct node *n, const char *ws, size_t wslen,
    const char *ded, size_t dedlen)
{
	size_t		cut;

	if (wslen == 0)
		return;

	cut = common_prefix(ws, wslen, ded, dedlen);
	n->ind = ws + cut;
	n->indlen = wslen - cut;
}

/*
 * Work out a block's indentation and return the indentation its own
 * lines lose (see add_text).  When the opening tag is standalone, the
 * indentation comes from the first line of the content, so the block
 * "{{$b}}\n  x\n{{/b}}" is indented by two spaces.  When only whitespace
 * precedes the tag, that whitespace indents any later lines.
 */
static const char *
block_setup(struct parser *p, struct node *n, const struct tok *t,
    const char *ded, size_t dedlen, size_t *newlen)
{
	const char	*s, *q;

	*newlen = dedlen;

	if ((t->flags & TOK_ALONE) && (t->flags & TOK_LAST)) {
		for (s = q = t->next; q < p->end && is_blank(*q); q++)
			;
		set_indent(n, s, (size_t)(q - s), ded, dedlen);
		n->alone = 1;
		*newlen = (size_t)(q - s);
		return (s);
	}

	if (t->flags & TOK_ALONE)
		return (ded);

	for (q = t->start; q > p->src && is_blank(q[-1]); q--)
		;
	if (q == p->src || q[-1] == '\n')
		set_indent(n, q, (size_t)(t->start - q), ded, dedlen);

	return (ded);
}

/* Only the blocks inside a parent tag matter; the rest is ignored. */
static void
keep_blocks(struct node *n)
{
	size_t		i, k;

	for (i = k = 0; i < n->nkids; i++) {
		if (n->kids[i].type != T_BLOCK) {
			nodes_free(n->kids[i].kids, n->kids[i].nkids);
			continue;
		}
		n->kids[k++] = n->kids[i];
	}
	n->nkids = k;
}

static int
check_close(struct parser *p, const struct tok *open, const struct tok *t)
{
	if (open == NULL) {
		seterr(p, "line %d: unexpected close tag '%.*s'", t->line,
		    (int)MINIMUM(t->len, 64), t->str);
		return (-1);
	}

	if (open->len != t->len || memcmp(open->str, t->str, t->len) != 0) {
		seterr(p, "line %d: close tag '%.*s' does not match '%.*s' "
		    "opened on line %d", t->line, (int)MINIMUM(t->len, 64),
		    t->str, (int)MINIMUM(open->len, 64), open->str, open->line);
		return (-1);
	}

	return (0);
}

/* A section, inverted section, parent or block, with what it encloses. */
static int
build_nested(struct parser *p, struct nodes *l, const struct tok *t,
    const char *ded, size_t dedlen, int depth)
{
	struct node	*n;
	struct nodes	 kids;
	const char	*kded;
	size_t		 kdedlen;

	if (depth >= TMPL_MAX_NEST) {
		seterr(p, "line %d: sections nested deeper than %d", t->line,
		    TMPL_MAX_NEST);
		return (-1);
	}

	n = node_add(l, t->type, t->str, t->len);
	kded = ded;
	kdedlen = dedlen;
	if (t->type == T_BLOCK) {
		kded = block_setup(p, n, t, ded, dedlen, &kdedlen);
	} else if (t->type == T_PARENT && (t->flags & TOK_ALONE)) {
		n->alone = 1;
		set_indent(n, t->ws, t->wslen, ded, dedlen);
	}

	memset(&kids, 0, sizeof(kids));
	if (build(p, &kids, t, kded, kdedlen, depth + 1) == -1) {
		nodes_free(kids.v, kids.n);
		return (-1);
	}

	n->kids = kids.v;
	n->nkids = kids.n;
	if (n->type == T_PARENT)
		keep_blocks(n);

	return (0);
}

/*
 * Build the node list that ends with the close tag of open (or with the
 * template, if open is NULL).  ded is the indentation to strip from the
 * start of each line, see add_text().
 */
static int
build(struct parser *p, struct nodes *l, const struct tok *open,
    const char *ded, size_t dedlen, int depth)
{
	const struct tok	*t;
	struct node		*n;

	while (p->pos < p->ntoks) {
		t = &p->toks[p->pos++];
		switch (t->type) {
		case T_TEXT:
			if (!(t->flags & TOK_DROP))
				add_text(p, l, t, ded, dedlen);
			break;
		case T_COMMENT:
		case T_DELIM:
			break;
		case T_VAR:
		case T_RAW:
			(void)node_add(l, t->type, t->str, t->len);
			break;
		case T_PARTIAL:
			n = node_add(l, t->type, t->str, t->len);
			if (t->flags & TOK_ALONE) {
				n->alone = 1;
				set_indent(n, t->ws, t->wslen, ded, dedlen);
			}
			break;
		case T_SECTION:
		case T_INVERTED:
		case T_PARENT:
		case T_BLOCK:
			if (build_nested(p, l, t, ded, dedlen, depth) == -1)
				return (-1);
			break;
		case T_CLOSE:
			return (check_close(p, open, t));
		}
	}

	if (open != NULL) {
		seterr(p, "line %d: unclosed %s '%.*s'", open->line,
		    open->type == T_PARENT ? "parent" :
		    open->type == T_BLOCK ? "block" : "section",
		    (int)MINIMUM(open->len, 64), open->str);
		return (-1);
	}

	return (0);
}

static int
parse(struct tmpl *t, size_t len, char *err, size_t errlen)
{
	struct parser	 p;
	struct nodes	 l;
	int		 rc;

	memset(&p, 0, sizeof(p));
	p.src = t->src;
	p.end = t->src + len;
	p.err = err;
	p.errlen = errlen;

	memset(&l, 0, sizeof(l));
	rc = lex(&p);
	if (rc == 0) {
		standalone(&p);
		rc = build(&p, &l, NULL, NULL, 0, 0);
	}
	free(p.toks);

	if (rc == -1) {
		nodes_free(l.v, l.n);
		return (-1);
	}

	t->nodes = l.v;
	t->nnodes = l.n;

	return (0);
}

static void
tmpl_free(struct tmpl *t)
{
	nodes_free(t->nodes, t->nnodes);
	free(t->name);
	free(t->src);
	free(t);
}

struct tmpl_set *
tmpl_set_new(void)
{
	struct tmpl_set		*set;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		abort();

	return (set);
}

void
tmpl_set_free(struct tmpl_set *set)
{
	size_t		i;

	if (set == NULL)
		return;

	for (i = 0; i < set->n; i++)
		tmpl_free(set->v[i]);
	free(set->v);
	free(set);
}

/* Binary search: where name is, or where it would go. */
static size_t
set_pos(const struct tmpl_set *set, const char *name, size_t len, int *found)
{
	size_t			 lo, hi, mid;
	const struct tmpl	*t;
	int			 r;

	*found = 0;
	lo = 0;
	hi = set->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		t = set->v[mid];
		r = memcmp(name, t->name, MINIMUM(len, t->namelen));
		if (r == 0)
			r = (len > t->namelen) - (len < t->namelen);
		if (r == 0) {
			*found = 1;
			return (mid);
		}
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}

	return (lo);
}

static const struct tmpl *
set_get(const struct tmpl_set *set, const char *name, size_t len)
{
	size_t		pos;
	int		found;

	pos = set_pos(set, name, len, &found);

	return (found ? set->v[pos] : NULL);
}

int
tmpl_set_add(struct tmpl_set *set, const char *name, const char *src,
    size_t len, char *err, size_t errlen)
{
	struct tmpl	*t;
	size_t		 pos;
	int		 found;

	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if (len > TMPL_MAX_SIZE) {
		if (err != NULL && errlen > 0) {
			(void)snprintf(err, errlen, "template too large "
			    "(%zu bytes, limit %d)", len, TMPL_MAX_SIZE);
		}
		return (-1);
	}

	if ((t = calloc(1, sizeof(*t))) == NULL)
		abort();
	t->src = xrealloc(NULL, len + 1, 1);
	if (len > 0)
		memcpy(t->src, src, len);
	t->src[len] = '\0';

	if (parse(t, len, err, errlen) == -1) {
		tmpl_free(t);
		return (-1);
	}

	t->namelen = strlen(name);
	t->name = xrealloc(NULL, t->namelen + 1, 1);
	memcpy(t->name, name, t->namelen + 1);

	pos = set_pos(set, t->name, t->namelen, &found);
	if (found) {
		tmpl_free(set->v[pos]);
		set->v[pos] = t;
		return (0);
	}

	if (set->n == set->cap) {
		set->cap = set->cap == 0 ? 16 : set->cap * 2;
		set->v = xrealloc(set->v, set->cap, sizeof(*set->v));
	}
	memmove(&set->v[pos + 1], &set->v[pos],
	    (set->n - pos) * sizeof(*set->v));
	set->v[pos] = t;
	set->n++;

	return (0);
}

static void
out_append(struct render *r, const char *s, size_t len)
{
	size_t		cap;

	if (r->stop)
		return;

	/* Many small appends cost as much as a big one: count both. */
	r->work += 1 + len / 64;
	if (len > TMPL_MAX_OUTPUT - r->len || r->work > TMPL_MAX_WORK) {
		r->stop = 1;
		return;
	}

	if (r->len + len + 1 > r->cap) {
		cap = r->cap == 0 ? 1024 : r->cap;
		while (cap < r->len + len + 1)
			cap *= 2;
		r->buf = xrealloc(r->buf, cap, 1);
		r->cap = cap;
	}

	if (len > 0)
		memcpy(r->buf + r->len, s, len);
	r->len += len;
}

static void
out_bol(struct render *r)
{
	if (!r->bol)
		return;

	r->bol = 0;
	if (r->indlen > 0)
		out_append(r, r->ind, r->indlen);
}

/*
 * Template text is indented at the start of every line; values are not,
 * because the spec indents the partial's source, not its output.
 */
static void
out_text(struct render *r, const char *s, size_t len)
{
	const char	*nl;
	size_t		 n;

	while (len > 0 && !r->stop) {
		out_bol(r);
		nl = memchr(s, '\n', len);
		n = nl != NULL ? (size_t)(nl - s) + 1 : len;
		out_append(r, s, n);
		if (nl != NULL)
			r->bol = 1;
		s += n;
		len -= n;
	}
}

static void
out_escaped(struct render *r, const char *s, size_t len)
{
	size_t		 i, from;
	const char	*rep;

	for (i = from = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		out_append(r, s + from, i - from);
		out_append(r, rep, strlen(rep));
		from = i + 1;
	}
	out_append(r, s + from, len - from);
}

/* Shortest form that reads back as the same double: 1.21, not 1.2100..01. */
static size_t
fmt_real(char *buf, size_t size, double d)
{
	int		prec, n;

	/* Whole numbers as integers: 10, not 1e+01 (which reads back too). */
	if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
		return ((size_t)snprintf(buf, size, "%lld", (long long)d));

	n = 0;
	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}

	return (n > 0 ? (size_t)n : 0);
}

static void
out_value(struct render *r, const json_t *v, int escape)
{
	char		 num[64];
	const char	*s;
	size_t		 len;
	int		 n;

	if (v == NULL)
		return;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		len = json_string_length(v);
		break;
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		s = num;
		len = n > 0 ? (size_t)n : 0;
		break;
	case JSON_REAL:
		len = fmt_real(num, sizeof(num), json_real_value(v));
		s = num;
		break;
	case JSON_TRUE:
		s = "true";
		len = 4;
		break;
	case JSON_FALSE:
		s = "false";
		len = 5;
		break;
	default:
		return;
	}

	if (len == 0)
		return;

	out_bol(r);
	if (escape)
		out_escaped(r, s, len);
	else
		out_append(r, s, len);
}

/*
 * The first part of a dotted name is searched for up the context stack;
 * the rest must then resolve from there, without falling back.
 */
static json_t *
lookup(struct render *r, const struct ctx *c, const char *name, size_t len)
{
	const char	*dot, *end;
	json_t		*v;
	size_t		 n;

	if (c == NULL)
		return (NULL);
	if (len == 1 && name[0] == '.')
		return (c->v);

	end = name + len;
	dot = memchr(name, '.', len);
	n = dot != NULL ? (size_t)(dot - name) : len;
	r->work += 1 + n / 32;

	for (v = NULL; c != NULL && v == NULL; c = c->up) {
		r->work++;
		if (json_is_object(c->v))
			v = json_object_getn(c->v, name, n);
	}

	while (v != NULL && dot != NULL) {
		name = dot + 1;
		dot = memchr(name, '.', (size_t)(end - name));
		n = dot != NULL ? (size_t)(dot - name) : (size_t)(end - name);
		r->work += 1 + n / 32;
		v = json_is_object(v) ? json_object_getn(v, name, n) : NULL;
	}

	return (v);
}

static int
truthy(const json_t *v)
{
	if (v == NULL || json_is_false(v) || json_is_null(v))
		return (0);
	if (json_is_array(v) && json_array_size(v) == 0)
		return (0);

	return (1);
}

/*
 * Add a standalone tag's indentation to the current one, returning the
 * length to restore afterwards.  Absurd indentation is cut off rather
 * than allowed to grow with every level of recursion.
 */
static size_t
indent_push(struct render *r, const struct node *n)
{
	size_t		old, len;

	old = r->indlen;
	len = MINIMUM(n->indlen, TMPL_MAX_INDENT - old);
	if (len == 0)
		return (old);

	if (old + len > r->indcap) {
		r->indcap = MINIMUM(TMPL_MAX_INDENT, (old + len) * 2);
		r->ind = xrealloc(r->ind, r->indcap, 1);
	}
	memcpy(r->ind + old, n->ind, len);
	r->indlen += len;

	return (old);
}

/*
 * The outermost parent tag that overrides a block wins, so search from
 * the far end of the scope chain.
 */
static const struct node *
block_find(struct render *r, const struct scope *s, const struct node *n,
    const struct scope **where)
{
	const struct node	*b, *k;
	size_t			 i;

	if (s == NULL)
		return (NULL);
	if ((b = block_find(r, s->up, n, where)) != NULL)
		return (b);

	for (i = 0; i < s->parent->nkids; i++) {
		k = &s->parent->kids[i];
		r->work++;
		if (k->len == n->len && memcmp(k->str, n->str, n->len) == 0) {
			*where = s;
			return (k);
		}
	}

	return (NULL);
}

/*
 * Sections nest up to 100 deep in each template and templates up to 64
 * deep, which would be too much for a small thread stack: stop earlier.
 */
static void
render_list(struct render *r, const struct node *v, size_t n,
    const struct ctx *c, const struct scope *s)
{
	size_t		i;

	if (r->nesting >= TMPL_MAX_NESTING)
		return;

	r->nesting++;
	for (i = 0; i < n && !r->stop; i++)
		render_node(r, &v[i], c, s);
	r->nesting--;
}

static void
render_section(struct render *r, const struct node *n, const struct ctx *c,
    const struct scope *s)
{
	struct ctx	 top;
	json_t		*v, *e;
	size_t		 i;

	v = lookup(r, c, n->str, n->len);
	if (!truthy(v))
		return;

	top.up = c;
	if (!json_is_array(v)) {
		top.v = v;
		render_list(r, n->kids, n->nkids, &top, s);
		return;
	}

	json_array_foreach(v, i, e) {
		if (r->stop || ++r->work > TMPL_MAX_WORK) {
			r->stop = 1;
			break;
		}
		top.v = e;
		render_list(r, n->kids, n->nkids, &top, s);
	}
}

static void
render_include(struct render *r, const struct node *n, const struct ctx *c,
    const struct scope *s)
{
	const struct tmpl	*t;
	struct scope		 sc;
	size_t			 old;

	r->work += TMPL_INCLUDE_WORK;
	if (r->depth >= TMPL_MAX_DEPTH)
		return;
	if ((t = set_get(r->set, n->str, n->len)) == NULL)
		return;

	if (n->type == T_PARENT) {
		sc.parent = n;
		sc.up = s;
		s = &sc;
	}
	if (n->alone)
		r->bol = 1;

	old = indent_push(r, n);
	r->depth++;
	render_list(r, t->nodes, t->nnodes, c, s);
	r->depth--;
	r->indlen = old;
}

/*
 * An overriding block renders with the scope of the parent tag it was
 * given to, so that it cannot override itself.
 */
static void
render_block(struct render *r, const struct node *n, const struct ctx *c,
    const struct scope *s)
{
	const struct node	*b;
	const struct scope	*where;
	size_t			 old;

	r->work += TMPL_INCLUDE_WORK;
	if (r->depth >= TMPL_MAX_DEPTH)
		return;

	where = NULL;
	if ((b = block_find(r, s, n, &where)) != NULL)
		s = where->up;
	else
		b = n;
	if (n->alone)
		r->bol = 1;

	old = indent_push(r, n);
	r->depth++;
	render_list(r, b->kids, b->nkids, c, s);
	r->depth--;
	r->indlen = old;
}

static void
render_node(struct render *r, const struct node *n, const struct ctx *c,
    const struct scope *s)
{
	if (++r->work > TMPL_MAX_WORK) {
		r->stop = 1;
		return;
	}

	switch (n->type) {
	case T_TEXT:
		out_text(r, n->str, n->len);
		break;
	case T_VAR:
	case T_RAW:
		out_value(r, lookup(r, c, n->str, n->len), n->type == T_VAR);
		break;
	case T_SECTION:
		render_section(r, n, c, s);
		break;
	case T_INVERTED:
		if (!truthy(lookup(r, c, n->str, n->len)))
			render_list(r, n->kids, n->nkids, c, s);
		break;
	case T_PARTIAL:
	case T_PARENT:
		render_include(r, n, c, s);
		break;
	case T_BLOCK:
		render_block(r, n, c, s);
		break;
	}
}

char *
tmpl_render(const struct tmpl_set *set, const char *name, json_t *data,
    size_t *outlen)
{
	const struct tmpl	*t;
	struct render		 r;
	struct ctx		 top;

	if ((t = set_get(set, name, strlen(name))) == NULL)
		return (NULL);

	memset(&r, 0, sizeof(r));
	r.set = set;
	r.bol = 1;
	top.v = data;
	top.up = NULL;

	render_list(&r, t->nodes, t->nnodes, &top, NULL);
	free(r.ind);

	if (r.buf == NULL) {
		r.buf = xrealloc(NULL, 1, 1);
		r.cap = 1;
	}
	r.buf[r.len] = '\0';
	if (outlen != NULL)
		*outlen = r.len;

	return (r.buf);
}

void
tmpl_null_if_empty(json_t *obj, const char *key)
{
	const char	*v;

	if ((v = json_string_value(json_object_get(obj, key))) != NULL &&
	    *v == '\0')
		json_object_set_new(obj, key, json_null());
}
