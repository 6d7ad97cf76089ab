/*
 * The application form as content (what a version stores), its checks
 * and its layout for the template; see appview.c. No I/O.
 */
#ifndef LAUREL_CORE_APPVIEW_H
#define LAUREL_CORE_APPVIEW_H

#include <jansson.h>

#include "core/appform.h"
#include "core/form.h"

/*
 * Choices for the selects: arrays of {value, label}. country_options is
 * the countries as appview_unselected() gives them, kept by a worker
 * (web/countries.c) so that a page's selects share its objects; NULL:
 * each select builds its own.
 */
struct appview_lists {
	const json_t	*countries;
	const json_t	*country_options;
	const json_t	*categories;
};

/*
 * A list [{value, label}] as a select's options, none selected:
 * [{value, label, selected: false}], sharing the list's strings. What it
 * returns is shared by the pages built from it: nothing may change it.
 */
json_t		*appview_unselected(const json_t *list);

json_t		*appview_from_form(const struct form *);

const char	*appview_value(const json_t *, const char *name);

/* Appends {field, message} to errors; returns how many it added. */
int		 appview_check(const json_t *content, int mode,
		    const struct appform_round *, json_t *errors);

json_t		*appview_sections(const json_t *content, const json_t *errors,
		    const struct appview_lists *, int editable);

/*
 * Shapes the data application_view() returns for the page: what the
 * template shows of its state, versions and documents, from the typed
 * fields (state, version, shown_version, files[].size, versions[].kind).
 * editable: the rights allow a change now.
 */
void		 appview_shape(json_t *view, int editable);

/* A document's size as people read it: "812 KiB", "4.2 MiB". */
void		 appview_size_text(long long bytes, char *, size_t);

#endif /* !LAUREL_CORE_APPVIEW_H */
