/*
 * The application form between the browser, the rules of appform.c and
 * the database: content built from a posted form, checked as a whole,
 * and laid out in sections for the template. Content is a JSON object
 * with one string per field of appform_fields and "partners", an array
 * of {name, country, role}; it is what application_versions stores.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/appform.h"
#include "core/appview.h"
#include "core/form.h"

/* Browsers send textarea lines with CRLF; people count one break. */
static char *
appview_unix_lines(const char *s)
{
	char		*out, *q;

	if ((out = malloc(strlen(s) + 1)) == NULL)
		abort();
	for (q = out; *s != '\0'; s++) {
		if (s[0] == '\r' && s[1] == '\n')
			continue;
		*q++ = *s;
	}
	*q = '\0';

	return (out);
}

static void
appview_set(json_t *obj, const char *key, const char *value)
{
	char	*v;

	v = appview_unix_lines(value != NULL ? value : "");
	json_object_set_new(obj, key, json_string(v));
	free(v);
}

json_t *
appview_from_form(const struct form *f)
{
	const struct appform_field	*fld;
	json_t				*content, *partners, *row;
	const char			*v[3];
	size_t				 i, n;

	content = json_object();
	for (fld = appform_fields; fld->name != NULL; fld++) {
		if (!fld->repeat)
			appview_set(content, fld->name, form_get(f, fld->name));
	}

	partners = json_array();
	n = form_count(f, "partner_name");
	for (i = 0; i < n; i++) {
		v[0] = form_get_nth(f, "partner_name", i);
		v[1] = form_get_nth(f, "partner_country", i);
		v[2] = form_get_nth(f, "partner_role", i);
		if ((v[0] == NULL || *v[0] == '\0') &&
		    (v[1] == NULL || *v[1] == '\0') &&
		    (v[2] == NULL || *v[2] == '\0'))
			continue;
		row = json_object();
		appview_set(row, "name", v[0]);
		appview_set(row, "country", v[1]);
		appview_set(row, "role", v[2]);
		json_array_append_new(partners, row);
	}
	json_object_set_new(content, "partners", partners);

	return (content);
}

const char *
appview_value(const json_t *content, const char *name)
{
	const char	*v;

	v = json_string_value(json_object_get(content, name));
	return (v != NULL ? v : "");
}

static void
appview_error(json_t *errors, const char *field, const char *msg)
{
	json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field,
	    "message", msg));
}

/* The partner columns of content, for appform_partners(). */
static int
appview_check_partners(const json_t *content, int mode, json_t *errors)
{
	const char	**col[3];
	char		  msg[APPFORM_MSG_MAX];
	size_t		  i, n[3], rows;
	const json_t	 *partners, *p;
	int		  rc;

	partners = json_object_get(content, "partners");
	rows = json_array_size(partners);
	if (rows > APPFORM_PARTNERS_MAX) {
		(void)snprintf(msg, sizeof(msg), "Name at most %d partner "
		    "organisations.", APPFORM_PARTNERS_MAX);
		appview_error(errors, "partners", msg);
		return (-1);
	}

	for (i = 0; i < 3; i++) {
		if ((col[i] = calloc(rows + 1, sizeof(*col[i]))) == NULL)
			abort();
		n[i] = rows;
	}
	for (i = 0; i < rows; i++) {
		p = json_array_get(partners, i);
		col[0][i] = appview_value(p, "name");
		col[1][i] = appview_value(p, "country");
		col[2][i] = appview_value(p, "role");
	}

	rc = appform_partners(col[0], n[0], col[1], n[1], col[2], n[2], mode,
	    msg, sizeof(msg));
	if (rc == -1)
		appview_error(errors, "partners", msg);
	for (i = 0; i < 3; i++)
		free(col[i]);

	return (rc);
}

int
appview_check(const json_t *content, int mode,
    const struct appform_round *round, json_t *errors)
{
	const struct appform_field	*fld;
	char				 msg[APPFORM_MSG_MAX];
	size_t				 before;

	before = json_array_size(errors);
	for (fld = appform_fields; fld->name != NULL; fld++) {
		if (fld->repeat)
			continue;
		if (appform_check(fld, appview_value(content, fld->name), mode,
		    round, msg, sizeof(msg)) == -1)
			appview_error(errors, fld->name, msg);
	}
	(void)appview_check_partners(content, mode, errors);

	return ((int)(json_array_size(errors) - before));
}

/*
 * Layout for the template.
 */

static const char *
appview_error_for(const json_t *errors, const char *field)
{
	size_t		 i;
	const json_t	*e;

	json_array_foreach(errors, i, e) {
		if (strcmp(appview_value(e, "field"), field) == 0)
			return (appview_value(e, "message"));
	}

	return (NULL);
}

/* The string of key in c, shared (a new reference); "" without one. */
static json_t *
appview_shared(const json_t *c, const char *key)
{
	json_t	*v;

	v = json_object_get(c, key);
	return (json_is_string(v) ? json_incref(v) : json_string(""));
}

/* One option: c's strings, shared, and whether it is the one selected. */
static json_t *
appview_option(const json_t *c, int selected)
{
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "value", appview_shared(c, "value"));
	json_object_set_new(o, "label", appview_shared(c, "label"));
	json_object_set_new(o, "selected", json_boolean(selected));

	return (o);
}

json_t *
appview_unselected(const json_t *list)
{
	json_t		*out;
	const json_t	*c;
	size_t		 i;

	out = json_array();
	json_array_foreach(list, i, c)
		json_array_append_new(out, appview_option(c, 0));

	return (out);
}

/*
 * [{value, label, selected}] for a select. The options not selected
 * are unselected's own objects, shared (a new reference each), and the
 * selected one a new object with the same strings: a form shows the 250
 * countries in several selects (issue 16), and building and freeing an
 * object per option and select was a fifth of the form page's time in
 * Kore. unselected NULL: built from list for this select alone.
 */
static json_t *
appview_options(const json_t *list, const json_t *unselected,
    const char *selected)
{
	json_t		*own, *out;
	const json_t	*c;
	size_t		 i;

	own = NULL;
	if (unselected == NULL)
		unselected = own = appview_unselected(list);

	out = json_array();
	json_array_foreach(unselected, i, c) {
		if (strcmp(appview_value(c, "value"), selected) != 0) {
			json_array_append(out, (json_t *)(uintptr_t)c);
			continue;
		}
		json_array_append_new(out, appview_option(c, 1));
	}
	json_decref(own);

	return (out);
}

static json_t *
appview_choices(const struct appform_choice *c)
{
	json_t	*list;

	list = json_array();
	for (; c != NULL && c->value != NULL; c++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "value",
		    c->value, "label", c->label));

	return (list);
}

/* The label people read for a stored value: a choice, a country, yes. */
static const char *
appview_display(const struct appform_field *fld, const char *v,
    const struct appview_lists *lists)
{
	const json_t	*list, *c;
	size_t		 i;

	if (*v == '\0')
		return ("");
	switch (fld->kind) {
	case APPFORM_CHECKBOX:
		return (strcmp(v, "yes") == 0 ? "Yes" : "");
	case APPFORM_CHOICE:
		return (appform_choice_label(fld, v) != NULL ?
		    appform_choice_label(fld, v) : v);
	case APPFORM_COUNTRY:
	case APPFORM_CATEGORY:
		list = fld->kind == APPFORM_COUNTRY ? lists->countries :
		    lists->categories;
		json_array_foreach(list, i, c) {
			if (strcmp(appview_value(c, "value"), v) == 0)
				return (appview_value(c, "label"));
		}
		return (v);
	default:
		return (v);
	}
}

static json_t *
appview_field(const struct appform_field *fld, const char *value,
    const json_t *errors, const struct appview_lists *lists)
{
	json_t		*o, *choices;
	const char	*err;
	char		 limit[64];

	o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "name", fld->name,
	    "label", fld->label, "help", fld->help, "value", value,
	    "required", fld->required,
	    "display", appview_display(fld, value, lists));
	if ((err = appview_error_for(errors, fld->name)) != NULL)
		json_object_set_new(o, "error", json_string(err));

	if (fld->limit > 0 && fld->kind != APPFORM_COUNTRY &&
	    fld->kind != APPFORM_CATEGORY) {
		(void)snprintf(limit, sizeof(limit), "Up to %d %s.",
		    fld->limit, fld->limit_kind == APPFORM_WORDS ? "words" :
		    "characters");
		json_object_set_new(o, "limit", json_integer(fld->limit));
		json_object_set_new(o, "limit_kind", json_string(
		    fld->limit_kind == APPFORM_WORDS ? "words" : "chars"));
		json_object_set_new(o, "limit_text", json_string(limit));
	}

	switch (fld->kind) {
	case APPFORM_TEXTAREA:
		json_object_set_new(o, "is_textarea", json_true());
		json_object_set_new(o, "rows", json_integer(
		    fld->limit_kind == APPFORM_WORDS && fld->limit >= 500 ?
		    10 : 6));
		break;
	case APPFORM_EMAIL:
		json_object_set_new(o, "is_email", json_true());
		break;
	case APPFORM_CHECKBOX:
		json_object_set_new(o, "is_checkbox", json_true());
		json_object_set_new(o, "checked",
		    json_boolean(strcmp(value, "yes") == 0));
		break;
	case APPFORM_CHOICE:
		choices = appview_choices(fld->choices);
		json_object_set_new(o, "is_select", json_true());
		json_object_set_new(o, "options",
		    appview_options(choices, NULL, value));
		json_decref(choices);
		break;
	case APPFORM_CATEGORY:
		json_object_set_new(o, "is_select", json_true());
		json_object_set_new(o, "options",
		    appview_options(lists->categories, NULL, value));
		break;
	case APPFORM_COUNTRY:
		json_object_set_new(o, "is_select", json_true());
		json_object_set_new(o, "options",
		    appview_options(lists->countries, lists->country_options,
		    value));
		break;
	default:
		json_object_set_new(o, "is_text", json_true());
		break;
	}

	return (o);
}

/* The stored rows plus blank ones to fill in, without JavaScript. */
static json_t *
appview_partner_rows(const json_t *content, const struct appview_lists *lists,
    int editable)
{
	json_t		*rows;
	const json_t	*partners, *p;
	const char	*country;
	size_t		 i, n, blank;

	rows = json_array();
	partners = json_object_get(content, "partners");
	n = json_array_size(partners);
	blank = editable ? 2 : 0;
	if (n + blank > APPFORM_PARTNERS_MAX)
		blank = n < APPFORM_PARTNERS_MAX ? APPFORM_PARTNERS_MAX - n : 0;

	for (i = 0; i < n + blank; i++) {
		p = i < n ? json_array_get(partners, i) : NULL;
		country = appview_value(p, "country");
		json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s, "
		    "s:s, s:o}", "n", (json_int_t)(i + 1),
		    "name", appview_value(p, "name"),
		    "role", appview_value(p, "role"),
		    "country", country,
		    "country_name", *country != '\0' ? appview_display(
		    appform_find("partner_country"), country, lists) : "",
		    "options", appview_options(lists->countries,
		    lists->country_options, country)));
	}

	return (rows);
}

json_t *
appview_sections(const json_t *content, const json_t *errors,
    const struct appview_lists *lists, int editable)
{
	const struct appform_field	*fld;
	json_t				*sections, *section, *fields;
	const char			*title, *err;
	int				 n;

	sections = json_array();
	section = NULL;
	fields = NULL;
	title = "";
	n = 0;

	for (fld = appform_fields; fld->name != NULL; fld++) {
		if (section == NULL || strcmp(title, fld->section) != 0) {
			title = fld->section;
			fields = json_array();
			section = json_pack("{s:s, s:I, s:o}", "title", title,
			    "n", (json_int_t)++n, "fields", fields);
			json_array_append_new(sections, section);
		}
		if (fld->repeat) {
			if (json_object_get(section, "is_partners") != NULL)
				continue;
			json_object_set_new(section, "is_partners",
			    json_true());
			json_object_set_new(section, "partners",
			    appview_partner_rows(content, lists, editable));
			if ((err = appview_error_for(errors, "partners")) !=
			    NULL)
				json_object_set_new(section, "error",
				    json_string(err));
			continue;
		}
		json_array_append_new(fields, appview_field(fld,
		    appview_value(content, fld->name), errors, lists));
	}

	return (sections);
}

void
appview_size_text(long long bytes, char *buf, size_t len)
{
	if (bytes >= 1048576)
		(void)snprintf(buf, len, "%.1f MiB", (double)bytes / 1048576.0);
	else
		(void)snprintf(buf, len, "%lld KiB", (bytes + 1023) / 1024);
}

static const char *
appview_kind_label(const char *kind)
{
	if (strcmp(kind, "submit") == 0)
		return ("submitted");
	if (strcmp(kind, "autosave") == 0)
		return ("saved automatically");

	return ("saved");
}

void
appview_shape(json_t *view, int editable)
{
	const char	*state;
	json_t		*files, *f, *versions, *v;
	json_int_t	 latest, shown;
	size_t		 i;
	char		 size[32];

	state = appview_value(view, "state");
	latest = json_integer_value(json_object_get(view, "version"));
	shown = json_integer_value(json_object_get(view, "shown_version"));

	json_object_set(view, "app_id", json_object_get(view, "id"));
	json_object_set_new(view, "is_latest", json_boolean(latest == shown));
	json_object_set_new(view, "is_draft",
	    json_boolean(strcmp(state, "draft") == 0));
	json_object_set_new(view, "is_submitted",
	    json_boolean(strcmp(state, "submitted") == 0));
	json_object_set_new(view, "is_withdrawn",
	    json_boolean(strcmp(state, "withdrawn") == 0));
	json_object_set_new(view, "editable", json_boolean(editable));

	files = json_object_get(view, "files");
	json_object_set_new(view, "has_files",
	    json_boolean(json_array_size(files) > 0));
	json_array_foreach(files, i, f) {
		appview_size_text(json_integer_value(json_object_get(f, "size")),
		    size, sizeof(size));
		json_object_set_new(f, "size_text", json_string(size));
	}

	versions = json_object_get(view, "versions");
	json_array_foreach(versions, i, v) {
		json_object_set_new(v, "kind_label", json_string(
		    appview_kind_label(appview_value(v, "kind"))));
		json_object_set_new(v, "is_shown", json_boolean(
		    json_integer_value(json_object_get(v, "version")) == shown));
	}
}
