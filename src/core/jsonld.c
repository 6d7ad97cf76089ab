#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonld.h"

#define SCHEMA_ORG	"https://schema.org"

static const struct {
	const char	*code;
	const char	*words;
} jsonld_decisions[] = {
	{ "winner",		"Winner" },
	{ "finalist",		"Finalist" },
	{ "honourable_mention",	"Honourable mention" },
};

#define NDECISIONS	(sizeof(jsonld_decisions) / sizeof(jsonld_decisions[0]))

/* The page sections, in the order the round page shows them. */
static const char *const jsonld_sections[] = {
	"winners", "finalists", "honourable_mentions",
};

#define NSECTIONS	(sizeof(jsonld_sections) / sizeof(jsonld_sections[0]))

const char *
jsonld_decision_words(const char *decision)
{
	size_t	i;

	if (decision == NULL)
		return (NULL);
	for (i = 0; i < NDECISIONS; i++) {
		if (strcmp(jsonld_decisions[i].code, decision) == 0)
			return (jsonld_decisions[i].words);
	}

	return (NULL);
}

char *
jsonld_award(const char *round, const char *decision, const char *category)
{
	const char	*words;
	char		*s;

	if (round == NULL || category == NULL ||
	    (words = jsonld_decision_words(decision)) == NULL)
		return (NULL);
	/* U+2014, the em dash, in UTF-8. */
	if (asprintf(&s, "%s \xe2\x80\x94 %s, %s", round, words,
	    category) == -1)
		return (NULL);

	return (s);
}

static const char *
jsonld_text(const json_t *obj, const char *key)
{
	return (json_string_value(json_object_get(obj, key)));
}

/* base_url and a local path as one absolute URL; NULL without either. */
static json_t *
jsonld_url(const char *base_url, const char *path)
{
	size_t	blen;
	char	*s;
	json_t	*v;

	if (base_url == NULL || path == NULL)
		return (NULL);
	blen = strlen(base_url);
	while (blen > 0 && base_url[blen - 1] == '/')
		blen--;
	if (asprintf(&s, "%.*s%s", (int)blen, base_url, path) == -1)
		return (NULL);
	v = json_string(s);
	free(s);

	return (v);
}

json_t *
jsonld_practice(const json_t *round, const json_t *practice)
{
	const char	*name, *country, *summary;
	char		*award;
	json_t		*org;

	if ((name = jsonld_text(practice, "organisation")) == NULL ||
	    (award = jsonld_award(jsonld_text(round, "title"),
	    jsonld_text(practice, "decision"),
	    jsonld_text(practice, "category"))) == NULL)
		return (NULL);

	org = json_object();
	json_object_set_new(org, "@type", json_string("Organization"));
	json_object_set_new(org, "name", json_string(name));
	if ((country = jsonld_text(practice, "country")) != NULL &&
	    *country != '\0')
		json_object_set_new(org, "address", json_pack("{s:s, s:s}",
		    "@type", "PostalAddress", "addressCountry", country));
	json_object_set_new(org, "award", json_string(award));
	if ((summary = jsonld_text(practice, "summary")) != NULL &&
	    *summary != '\0')
		json_object_set_new(org, "description", json_string(summary));
	free(award);

	return (org);
}

json_t *
jsonld_practice_page(const json_t *data, const char *base_url)
{
	const json_t	*practice;
	json_t		*org, *ld, *url;

	practice = json_object_get(data, "practice");
	if ((org = jsonld_practice(json_object_get(data, "round"),
	    practice)) == NULL)
		return (NULL);

	/* @context first: the order people and validators read it in. */
	ld = json_pack("{s:s}", "@context", SCHEMA_ORG);
	json_object_update(ld, org);
	json_decref(org);
	if ((url = jsonld_url(base_url, jsonld_text(practice, "url"))) != NULL)
		json_object_set_new(ld, "subjectOf", json_pack("{s:s, s:o}",
		    "@type", "WebPage", "url", url));

	return (ld);
}

json_t *
jsonld_round_page(const json_t *data, const char *base_url)
{
	const json_t	*round;
	json_t		*ld, *items, *group, *practice, *org, *item, *url;
	size_t		 s, i, j;

	round = json_object_get(data, "round");
	if (!json_is_object(round) || jsonld_text(round, "title") == NULL)
		return (NULL);

	items = json_array();
	for (s = 0; s < NSECTIONS; s++) {
		json_array_foreach(json_object_get(data, jsonld_sections[s]), i,
		    group) {
			json_array_foreach(json_object_get(group, "practices"),
			    j, practice) {
				if ((org = jsonld_practice(round, practice)) ==
				    NULL)
					continue;
				item = json_pack("{s:s, s:I}", "@type",
				    "ListItem", "position",
				    (json_int_t)json_array_size(items) + 1);
				url = jsonld_url(base_url, jsonld_text(practice,
				    "url"));
				if (url != NULL)
					json_object_set_new(item, "url", url);
				json_object_set_new(item, "item", org);
				json_array_append_new(items, item);
			}
		}
	}

	ld = json_pack("{s:s, s:s, s:s}", "@context", SCHEMA_ORG,
	    "@type", "ItemList", "name", jsonld_text(round, "title"));
	if ((url = jsonld_url(base_url, jsonld_text(round, "url"))) != NULL)
		json_object_set_new(ld, "url", url);
	json_object_set_new(ld, "numberOfItems",
	    json_integer((json_int_t)json_array_size(items)));
	json_object_set_new(ld, "itemListElement", items);

	return (ld);
}

json_t *
jsonld_index_page(const json_t *data, const char *name, const char *base_url)
{
	json_t		*ld, *items, *round, *item, *url;
	const char	*title;
	size_t		 i;

	items = json_array();
	json_array_foreach(json_object_get(data, "rounds"), i, round) {
		if ((title = jsonld_text(round, "title")) == NULL)
			continue;
		item = json_pack("{s:s, s:I, s:s}", "@type", "ListItem",
		    "position", (json_int_t)json_array_size(items) + 1,
		    "name", title);
		if ((url = jsonld_url(base_url, jsonld_text(round, "url"))) !=
		    NULL)
			json_object_set_new(item, "url", url);
		json_array_append_new(items, item);
	}

	ld = json_pack("{s:s, s:s, s:s}", "@context", SCHEMA_ORG,
	    "@type", "ItemList", "name", name != NULL ? name : "");
	json_object_set_new(ld, "numberOfItems",
	    json_integer((json_int_t)json_array_size(items)));
	json_object_set_new(ld, "itemListElement", items);

	return (ld);
}

char *
jsonld_escape(const char *json)
{
	const unsigned char	*p;
	char			*out, *o;
	size_t			 n;

	/* At most six bytes for each byte of the input ("<" -> \u003c). */
	n = strlen(json);
	if (n > (((size_t)-1) - 1) / 6 || (out = malloc(n * 6 + 1)) == NULL)
		return (NULL);

	for (p = (const unsigned char *)json, o = out; *p != '\0'; p++) {
		switch (*p) {
		case '<':
			memcpy(o, "\\u003c", 6);
			o += 6;
			continue;
		case '>':
			memcpy(o, "\\u003e", 6);
			o += 6;
			continue;
		case '&':
			memcpy(o, "\\u0026", 6);
			o += 6;
			continue;
		}
		/* U+2028 and U+2029 end a line in older JavaScript. */
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 ||
		    p[2] == 0xa9)) {
			memcpy(o, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			o += 6;
			p += 2;
			continue;
		}
		*o++ = (char)*p;
	}
	*o = '\0';

	return (out);
}

char *
jsonld_script(const json_t *ld)
{
	char	*json, *out;

	if (ld == NULL || (json = json_dumps(ld, JSON_COMPACT)) == NULL)
		return (NULL);
	out = jsonld_escape(json);
	free(json);

	return (out);
}
