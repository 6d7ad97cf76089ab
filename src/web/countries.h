/*
 * The list of countries for the forms' selects, [{value, label}] by name,
 * kept once per worker: asking country_list() in every form page's query
 * cost about half a millisecond of PostgreSQL's time a page (issue 16).
 * The table is reference data that only a migration changes, after which
 * every instance restarts; it holds nothing of any user.
 *
 * A page's load asks country_list() AS countries in its query until
 * countries_kept(), and its step calls countries_merge(), which puts the
 * list into the page's data under key, keeping it from the first answer.
 */
#ifndef LAUREL_WEB_COUNTRIES_H
#define LAUREL_WEB_COUNTRIES_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

/* Whether the list is kept (the page's query then need not ask it). */
int		 countries_kept(void);

/* The list into the page's data under key: 1, or 0 when there is none. */
int		 countries_merge(struct http_request *, const char *key);

/*
 * The list as a select's options, none selected (appview_unselected()),
 * built once per worker after countries_merge() found the list; NULL
 * before. Shared by every page: nothing may change it.
 */
const json_t	*countries_options(void);

#endif
