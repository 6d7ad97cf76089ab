#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "web/assets.h"
#include "web/embedded.h"
#include "web/handler.h"
#include "web/page.h"

#define ASSETS_MAX	16
#define ASSETS_URL_MAX	128
#define ASSETS_HASH_HEX	16

struct asset {
	const struct embedded_file	*file;
	const char			*type;
	char				 url[ASSETS_URL_MAX];
	char				 etag[ASSETS_HASH_HEX + 3];
};

static struct asset	assets[ASSETS_MAX];
static size_t		assets_count;

static const struct {
	const char	*ext;
	const char	*type;
} assets_types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".woff2", "font/woff2" },
	{ NULL, NULL }
};

static const char *
assets_type(const char *name)
{
	const char	*ext;
	int		 i;

	if ((ext = strrchr(name, '.')) == NULL)
		return (NULL);

	for (i = 0; assets_types[i].ext != NULL; i++) {
		if (strcmp(ext, assets_types[i].ext) == 0)
			return (assets_types[i].type);
	}

	return (NULL);
}

/* "css/app.css" with hash h becomes "/static/app.h.css". */
static int
assets_add(const struct embedded_file *f, const char *type)
{
	struct asset	*a;
	unsigned char	 digest[crypto_hash_sha256_BYTES];
	char		 hex[sizeof(digest) * 2 + 1];
	const char	*base, *ext;
	int		 n;

	if (assets_count == ASSETS_MAX) {
		kore_log(LOG_ERR, "assets: more than %d files", ASSETS_MAX);
		return (-1);
	}

	a = &assets[assets_count];
	crypto_hash_sha256(digest, f->data, f->len);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	hex[ASSETS_HASH_HEX] = '\0';

	base = strrchr(f->name, '/') + 1;
	ext = strrchr(base, '.');
	n = snprintf(a->url, sizeof(a->url), "/static/%.*s.%s%s",
	    (int)(ext - base), base, hex, ext);
	if (n < 0 || (size_t)n >= sizeof(a->url)) {
		kore_log(LOG_ERR, "assets: name too long: %s", f->name);
		return (-1);
	}
	a->etag[0] = '"';
	memcpy(a->etag + 1, hex, ASSETS_HASH_HEX);
	a->etag[ASSETS_HASH_HEX + 1] = '"';
	a->etag[ASSETS_HASH_HEX + 2] = '\0';

	a->file = f;
	a->type = type;
	assets_count++;

	return (0);
}

int
assets_init(void)
{
	const struct embedded_file	*f;
	const char			*type;

	if (assets_count > 0)
		return (0);

	for (f = embedded_files; f->name != NULL; f++) {
		if (strncmp(f->name, "templates/", 10) == 0)
			continue;
		if (strchr(f->name, '/') == NULL)
			continue;
		if ((type = assets_type(f->name)) == NULL)
			continue;
		if (assets_add(f, type) == -1)
			return (-1);
	}

	return (0);
}

const struct embedded_file *
assets_file(const char *name)
{
	const struct embedded_file	*f;

	for (f = embedded_files; f->name != NULL; f++) {
		if (strcmp(f->name, name) == 0)
			return (f);
	}

	return (NULL);
}

const char *
assets_url(const char *name)
{
	size_t		 i;

	for (i = 0; i < assets_count; i++) {
		if (strcmp(assets[i].file->name, name) == 0)
			return (assets[i].url);
	}

	return ("/static/missing");
}

static int
assets_send(struct http_request *req)
{
	struct asset	*a;
	const char	*inm;
	size_t		 i;

	for (i = 0; i < assets_count; i++) {
		if (strcmp(assets[i].url, req->path) == 0)
			break;
	}
	if (i == assets_count)
		return (step_error(req, 404, NULL));

	a = &assets[i];
	http_response_header(req, "etag", a->etag);
	http_response_header(req, "cache-control",
	    "public, max-age=31536000, immutable");

	if (http_request_header(req, "if-none-match", &inm) &&
	    strcmp(inm, a->etag) == 0) {
		page_send(req, 304, a->type, NULL, 0);
		return (STEP_DONE);
	}

	page_send(req, 200, a->type, a->file->data, a->file->len);
	return (STEP_DONE);
}

static const step_fn assets_steps[] = { assets_send, NULL };

HANDLER(assets_serve,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.steps = assets_steps,
)
