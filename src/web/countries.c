/*
 * The forms' country list, kept once per worker (web/countries.h).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "core/appview.h"
#include "web/countries.h"
#include "web/ctx.h"
#include "web/handler.h"

/*
 * Shared by every page of this worker, read only: the selects are built
 * from it into new objects (core/appview.c appview_options).
 */
static json_t	*countries;
static json_t	*options;

int
countries_kept(void)
{
	return (countries != NULL);
}

int
countries_merge(struct http_request *req, const char *key)
{
	json_t		*data;

	data = ctx_get(req)->data;
	if (countries != NULL)
		return (json_object_set(data, key, countries) == 0);

	if (!handler_merge(req, "countries", key))
		return (0);
	countries = json_incref(json_object_get(data, key));

	return (countries != NULL);
}

const json_t *
countries_options(void)
{
	if (options == NULL && countries != NULL)
		options = appview_unselected(countries);

	return (options);
}
