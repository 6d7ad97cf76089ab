/*
 * libFuzzer target for src/core/tmpl.c.
 *
 * Input: a template, optionally followed by a NUL byte and JSON data.
 * The template is also added as partial "p" and parent "parent", so that
 * "{{>p}}" and "{{<parent}}" recurse into the fuzzed bytes themselves.
 * Without valid JSON the data is a fixed object with a few common keys.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/tmpl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl_set	*set;
	json_t		*ctx;
	json_error_t	 jerr;
	const char	*src, *nul;
	char		 err[128], *out;
	size_t		 len, outlen;

	src = (const char *)data;
	len = size;
	ctx = NULL;
	if ((nul = memchr(src, '\0', size)) != NULL) {
		len = (size_t)(nul - src);
		ctx = json_loadb(nul + 1, size - len - 1,
		    JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	}
	if (ctx == NULL) {
		ctx = json_pack("{s:s, s:i, s:f, s:b, s:n, s:[s,i,{s:s}], "
		    "s:{s:{s:s}}, s:[]}", "a", "<&'\">", "b", 42, "c", 1.5,
		    "t", 1, "x", "list", "one", 2, "a", "nested", "o", "p",
		    "q", "deep", "e", "");
		if (ctx == NULL)
			abort();
	}

	set = tmpl_set_new();
	if (tmpl_set_add(set, "main", src, len, err, sizeof(err)) == 0) {
		(void)tmpl_set_add(set, "p", src, len, NULL, 0);
		(void)tmpl_set_add(set, "parent", src, len, NULL, 0);
		out = tmpl_render(set, "main", ctx, &outlen);
		if (out == NULL || out[outlen] != '\0')
			abort();
		free(out);
	} else if (err[0] == '\0') {
		abort();
	}

	tmpl_set_free(set);
	json_decref(ctx);

	return (0);
}
