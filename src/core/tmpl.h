/*
 * tmpl: Mustache templates (spec 1.3: interpolation, sections, inverted
 * sections, comments, partials, set delimiters and inheritance; no
 * lambdas), rendered against jansson values.  No Kore dependency.
 *
 * {{name}} escapes & < > " ' as &amp; &lt; &gt; &quot; &#39;, while
 * {{{name}}} and {{&name}} do not.  Strings print as they are, integers
 * in decimal, reals in the shortest form that reads back the same (1.21,
 * 1.0 as "1"), true and false as words; null, objects and arrays print
 * nothing.  Sections skip false, null, missing names and empty arrays;
 * everything else, 0 and "" included, is truthy.
 *
 * Templates are parsed once by tmpl_set_add() and never again; the set
 * owns copies of everything it is given.  Allocation failure aborts.
 */

#ifndef LAUREL_CORE_TMPL_H
#define LAUREL_CORE_TMPL_H

#include <stddef.h>

#include <jansson.h>

/* A set of named, pre-parsed templates (pages, partials, parents). */
struct tmpl_set;

struct tmpl_set	*tmpl_set_new(void);
void		 tmpl_set_free(struct tmpl_set *);

/*
 * Parse src (len bytes, need not be NUL-terminated) and store it under
 * name (copied), replacing any template of that name.  Returns 0, or -1
 * with a message such as "line 12: unclosed section 'items'" in err.
 * Templates over 1 MiB or nesting sections deeper than 100 are refused.
 * On failure the set is left as it was.
 */
int		 tmpl_set_add(struct tmpl_set *, const char *name,
		    const char *src, size_t len, char *err, size_t errlen);

/*
 * Render template name with ctx.  Partials and parents are looked up by
 * name in the same set at render time; a missing one renders as empty.
 * Returns a malloc'd NUL-terminated string (caller frees) and its length
 * in *outlen, or NULL if name is not in the set.  Rendering a const set
 * from several threads at once is safe.  Runaway templates are cut short
 * rather than failed: partials, parents and blocks expand at most 64 deep
 * (256 counting sections), and output stops at 8 MiB or after about a
 * million rendering steps (a node, a value looked up, an append).
 */
char		*tmpl_render(const struct tmpl_set *, const char *name,
		    json_t *ctx, size_t *outlen);

/*
 * A section takes "" as true (Mustache's rule): obj.key becomes null when
 * it is an empty text, so that {{#key}} reads it as absent.
 */
void		 tmpl_null_if_empty(json_t *obj, const char *key);

#endif
