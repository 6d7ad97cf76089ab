#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outcome.h"

static const struct {
	const char		*name;
	enum outcome_code	 code;
} outcome_names[] = {
	{ "ok",		OUTCOME_OK },
	{ "notfound",	OUTCOME_NOT_FOUND },
	{ "closed",	OUTCOME_CLOSED },
	{ "withdrawn",	OUTCOME_WITHDRAWN },
	{ "conflict",	OUTCOME_CONFLICT },
	{ "saved",	OUTCOME_SAVED },
	{ "submitted",	OUTCOME_SUBMITTED },
	{ "same",	OUTCOME_SAME },
	{ "throttled",	OUTCOME_THROTTLED },
	{ "too_many",	OUTCOME_TOO_MANY },
	{ "too_large",	OUTCOME_TOO_LARGE },
	{ "invalid",	OUTCOME_INVALID },
	{ "created",	OUTCOME_CREATED },
	{ "exists",	OUTCOME_EXISTS },
	{ "replay",	OUTCOME_REPLAY },
	{ "bad",	OUTCOME_BAD },
	{ "admin",	OUTCOME_ADMIN },
	{ "refused",	OUTCOME_REFUSED },
};

#define NNAMES	(sizeof(outcome_names) / sizeof(outcome_names[0]))

void
outcome_parse(struct outcome *o, const char *code, const char *number,
    const char *detail)
{
	size_t		 i;
	char		*end;

	memset(o, 0, sizeof(*o));
	o->code = OUTCOME_UNKNOWN;
	for (i = 0; code != NULL && i < NNAMES; i++) {
		if (strcmp(code, outcome_names[i].name) == 0) {
			o->code = outcome_names[i].code;
			break;
		}
	}

	if (number != NULL && *number != '\0') {
		o->number = strtoll(number, &end, 10);
		if (*end != '\0')
			o->number = 0;
	}
	if (detail != NULL)
		(void)snprintf(o->detail, sizeof(o->detail), "%s", detail);
}

void
outcome_data(struct outcome *o, const char *data)
{
	(void)snprintf(o->data, sizeof(o->data), "%s", data != NULL ? data :
	    "");
}

const char *
outcome_name(enum outcome_code code)
{
	size_t		 i;

	for (i = 0; i < NNAMES; i++) {
		if (outcome_names[i].code == code)
			return (outcome_names[i].name);
	}

	return ("unknown");
}
