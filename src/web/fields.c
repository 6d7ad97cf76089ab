#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/valid.h"
#include "web/ctx.h"
#include "web/fields.h"

void
fields_error(struct http_request *req, const char *field, const char *msg)
{
	json_t		*data, *list;
	char		 key[64];

	data = ctx_get(req)->data;
	if ((list = json_object_get(data, "errors")) == NULL) {
		list = json_array();
		json_object_set_new(data, "errors", list);
		json_object_set_new(data, "has_errors", json_true());
	}

	json_array_append_new(list, json_pack("{s:s, s:s}", "field", field,
	    "message", msg));

	(void)snprintf(key, sizeof(key), "error_%s", field);
	if (json_object_get(data, key) == NULL)
		json_object_set_new(data, key, json_string(msg));
}

int
fields_failed(struct http_request *req)
{
	return (json_object_get(ctx_get(req)->data, "errors") != NULL);
}

void
fields_keep(struct http_request *req, const char *field, const char *value)
{
	json_object_set_new(ctx_get(req)->data, field, json_string(value));
}

const char *
fields_local_path(const char *path)
{
	return (valid_local_path(path) ? path : "");
}

void
fields_secret_free(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	kore_free(s);
}
