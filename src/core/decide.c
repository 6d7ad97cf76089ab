/*
 * The panel's decisions: codes, words, citations.
 */

#include <stdio.h>
#include <string.h>

#include "core/appform.h"
#include "core/decide.h"

static const struct {
	const char	*code;
	const char	*words;
} decisions[] = {
	{ "winner",		"Winner" },
	{ "finalist",		"Finalist" },
	{ "honourable_mention",	"Honourable mention" },
	{ "not_selected",	"Not selected" },
};

const char *
decide_words(const char *code)
{
	size_t	i;

	if (code == NULL)
		return (NULL);
	for (i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++) {
		if (strcmp(decisions[i].code, code) == 0)
			return (decisions[i].words);
	}

	return (NULL);
}

int
decide_recognised(const char *code)
{
	return (decide_words(code) != NULL &&
	    strcmp(code, "not_selected") != 0);
}

int
decide_check(const char *decision, const char *citation, const char **field,
    char *message, size_t len)
{
	size_t	words;

	*field = "decision";
	if (*decision != '\0' && decide_words(decision) == NULL) {
		(void)snprintf(message, len, "Choose one of the decisions "
		    "offered.");
		return (-1);
	}
	if (!decide_recognised(decision))
		return (0);

	*field = "citation";
	words = appform_words(citation);
	if (words == 0) {
		(void)snprintf(message, len, "A %s needs a public citation: "
		    "say in a few sentences why it is recognised.",
		    strcmp(decision, "winner") == 0 ? "winner" :
		    "recognised practice");
		return (-1);
	}
	if (words > DECIDE_CITATION_WORDS ||
	    strlen(citation) > DECIDE_CITATION_MAX) {
		(void)snprintf(message, len, "The citation has %zu words: "
		    "it may have at most %d.", words, DECIDE_CITATION_WORDS);
		return (-1);
	}

	return (0);
}

void
decide_shape(json_t *result)
{
	const char	*code;

	if (!json_is_object(result))
		return;
	code = json_string_value(json_object_get(result, "decision"));
	json_object_set_new(result, "decision_words",
	    json_string(decide_words(code) != NULL ? decide_words(code) : ""));
	json_object_set_new(result, "is_recognised",
	    json_boolean(decide_recognised(code)));
	json_object_set_new(result, "has_feedback", json_boolean(
	    json_array_size(json_object_get(result, "feedback")) > 0));
}
