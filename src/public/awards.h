/*
 * The public awards pages (SPEC §5 and §10, issue 13), public/awards.c:
 *
 *	GET /awards			the published rounds
 *	GET /awards/{slug}		a round's recognised practices
 *	GET /awards/{slug}/{ref}	one of them
 *
 * each also as JSON (".json" on the path, or Accept: application/json).
 *
 * The preview of a round before publication renders the same template
 * with the same data: its query calls award_round_json_of(round, true)
 * (sql/95_awards.sql; revoked from PUBLIC, so from a SECURITY DEFINER
 * function that checks the admin), merges that JSON into the page data,
 * calls awards_round_shape(data, 1) and renders the template
 * "award_round" (its partial: "award_card"). A practice of the preview:
 * award_practice_json_of(round, ref, true), awards_practice_shape(data,
 * 1), template "award_practice".
 */
#ifndef LAUREL_PUBLIC_AWARDS_H
#define LAUREL_PUBLIC_AWARDS_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

int	awards_page(struct http_request *);
int	award_round_page(struct http_request *);
int	award_practice_page(struct http_request *);

/*
 * A round page's data ({round, winners, finalists, honourable_mentions})
 * made ready for the template award_round: the sections that have
 * practices, with their headings, each decision in words, the JSON-LD
 * (jsonld, safe inside <script>). preview: the page says it is a
 * preview, links no practice page (none exists yet) and carries no
 * JSON-LD. 0, or -1 when data is no round page.
 */
int	awards_round_shape(json_t *data, int preview);

/* The same for a practice page ({round, practice}), template award_practice. */
int	awards_practice_shape(json_t *data, int preview);

#endif
