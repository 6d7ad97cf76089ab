/*
 * schema.org structured data (JSON-LD) for the public awards pages
 * (SPEC §5: "award pages carry structured data"), built from the pages'
 * own JSON (sql/95_awards.sql), and written so that it is safe inside
 * <script type="application/ld+json">. No Kore dependency.
 *
 * A round is an ItemList of its recognised practices; a practice is an
 * Organization whose award reads "2026 Recognition — Winner, IMPACT".
 */
#ifndef LAUREL_CORE_JSONLD_H
#define LAUREL_CORE_JSONLD_H

#include <jansson.h>

/* "Winner", "Finalist", "Honourable mention"; NULL for any other code. */
const char	*jsonld_decision_words(const char *decision);

/*
 * "<round> — <Decision>, <category>" (malloc'd), or NULL when an
 * argument is missing or the decision unknown.
 */
char		*jsonld_award(const char *round, const char *decision,
		    const char *category);

/*
 * A practice (award_practice_json()) of the round (award_round_head())
 * as an Organization: name, address.addressCountry when known, award,
 * description (the summary) when published. NULL when the practice has
 * no organisation or no award can be named. New reference.
 */
json_t		*jsonld_practice(const json_t *round, const json_t *practice);

/*
 * A practice page's data ({round, practice}) as a document of its own:
 * the Organization with @context and the page's url. NULL as above.
 */
json_t		*jsonld_practice_page(const json_t *data, const char *base_url);

/*
 * A round page's data ({round, winners, finalists, honourable_mentions},
 * each [{category, practices}]) as an ItemList of Organizations in the
 * page's order, each item with its page's url (base_url + its path;
 * base_url may end in '/'). NULL without a round. New reference.
 */
json_t		*jsonld_round_page(const json_t *data, const char *base_url);

/*
 * The list of rounds' data ({rounds: [{title, url}]}) as an ItemList of
 * the rounds' pages, named name. New reference.
 */
json_t		*jsonld_index_page(const json_t *data, const char *name,
		    const char *base_url);

/*
 * JSON text that a <script> element cannot end early: <, >, & and the
 * line separators U+2028 and U+2029 written as \u escapes (JSON allows
 * them only inside strings, where the escape means the same). The
 * result is malloc'd; NULL if out of memory.
 */
char		*jsonld_escape(const char *json);

/* ld as compact JSON, escaped as above (malloc'd); NULL on failure. */
char		*jsonld_script(const json_t *ld);

#endif
