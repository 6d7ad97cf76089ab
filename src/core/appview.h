/*
 * The application form as content (what a version stores), its checks
 * and its layout for the template; see appview.c. No I/O.
 */
#ifndef LAUREL_CORE_APPVIEW_H
#define LAUREL_CORE_APPVIEW_H

#include <jansson.h>

#include "core/appform.h"
#include "core/form.h"

/* Choices for the selects: arrays of {value, label}. */
struct appview_lists {
	const json_t	*countries;
	const json_t	*categories;
};

json_t		*appview_from_form(const struct form *);

const char	*appview_value(const json_t *, const char *name);

/* Appends {field, message} to errors; returns how many it added. */
int		 appview_check(const json_t *content, int mode,
		    const struct appform_round *, json_t *errors);

json_t		*appview_sections(const json_t *content, const json_t *errors,
		    const struct appview_lists *, int editable);

#endif /* !LAUREL_CORE_APPVIEW_H */
