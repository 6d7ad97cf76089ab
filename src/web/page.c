#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/tmpl.h"
#include "web/assets.h"
#include "web/ctx.h"
#include "web/embedded.h"
#include "web/gate.h"
#include "web/handler.h"
#include "web/page.h"
#include "web/settings.h"

#define TMPL_DIR	"templates/"
#define TMPL_EXT	".mustache"

/* Parsed once per process; read-only afterwards. */
static struct tmpl_set	*templates;

static const struct {
	const char	*name;
	const char	*value;
} page_security_headers[] = {
	{ "content-security-policy", "default-src 'self'; script-src 'self'; "
	    "style-src 'self'; img-src 'self' data:; object-src 'none'; "
	    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'" },
	{ "x-frame-options", "DENY" },
	{ "x-content-type-options", "nosniff" },
	{ "referrer-policy", "same-origin" },
	{ "permissions-policy", "camera=(), microphone=(), geolocation=(), "
	    "payment=(), usb=(), interest-cohort=()" },
	{ "cross-origin-opener-policy", "same-origin" },
	{ NULL, NULL }
};

static const struct {
	int		 status;
	const char	*title;
	const char	*message;
} page_errors[] = {
	{ 400, "Bad request", "The request could not be understood. "
	    "Please go back, check what you entered and try again." },
	{ 403, "Forbidden", "This action was refused. If you were filling "
	    "in a form, reload the page and try again." },
	{ 404, "Page not found", "There is no page at this address. "
	    "It may have moved, or the link may be mistyped." },
	{ 405, "Method not allowed", "This page cannot be used that way." },
	{ 408, "Request timeout", "The request took too long to arrive." },
	{ 409, "Not possible now", "This cannot be done in the current "
	    "state of things." },
	{ 411, "Length required", "The request did not say how long its "
	    "body is." },
	{ 413, "Too large", "What you sent is larger than this site "
	    "accepts. Please send less, or a smaller file." },
	{ 414, "Address too long", "The address of this page is longer "
	    "than this site accepts. Please check the link, or start again "
	    "from the home page." },
	{ 429, "Too many requests", "Too many attempts in a short time. "
	    "Please wait a few minutes and try again." },
	{ 431, "Request too large", "Your browser sent more information "
	    "with this request than this site accepts, often too many or too "
	    "large cookies. Please clear this site's cookies and try again." },
	{ 500, "Something went wrong", "An unexpected error happened on our "
	    "side. It has been logged; please try again in a moment." },
	{ 503, "Temporarily unavailable", "The service cannot answer right "
	    "now. Please try again in a minute." },
	{ 0, NULL, NULL }
};

static int
page_load(const struct embedded_file *f)
{
	char		 name[128], err[256];
	size_t		 len;

	len = strlen(f->name) - strlen(TMPL_DIR) - strlen(TMPL_EXT);
	if (len >= sizeof(name)) {
		kore_log(LOG_ERR, "template %s: name too long", f->name);
		return (-1);
	}
	memcpy(name, f->name + strlen(TMPL_DIR), len);
	name[len] = '\0';

	if (tmpl_set_add(templates, name, (const char *)f->data, f->len,
	    err, sizeof(err)) == -1) {
		kore_log(LOG_ERR, "template assets/%s: %s", f->name, err);
		return (-1);
	}

	return (0);
}

static int
page_is_template(const char *name)
{
	size_t		 len;

	len = strlen(name);
	return (strncmp(name, TMPL_DIR, strlen(TMPL_DIR)) == 0 &&
	    len > strlen(TMPL_DIR) + strlen(TMPL_EXT) &&
	    strcmp(name + len - strlen(TMPL_EXT), TMPL_EXT) == 0);
}

int
page_init(void)
{
	const struct embedded_file	*f;

	if (templates != NULL)
		return (0);

	templates = tmpl_set_new();
	for (f = embedded_files; f->name != NULL; f++) {
		if (!page_is_template(f->name))
			continue;
		if (page_load(f) == -1) {
			tmpl_set_free(templates);
			templates = NULL;
			return (-1);
		}
	}

	return (0);
}

static void
page_headers(struct http_request *req, const char *type)
{
	int		 i;

	for (i = 0; page_security_headers[i].name != NULL; i++) {
		http_response_header(req, page_security_headers[i].name,
		    page_security_headers[i].value);
	}

	http_response_header(req, "content-type", type);
}

void
page_send(struct http_request *req, int status, const char *type,
    const void *body, size_t len)
{
	page_headers(req, type);
	http_response(req, status, body, len);
	gate_rearm(req->owner);
}

/*
 * From this size a body goes to Kore as it is (http_response_stream()):
 * copying a 3.4 MiB ranking page or a 10 MiB document into Kore's send
 * buffer cost a copy and the page faults of a fresh buffer each time
 * (issue 16). A smaller one is copied, so that headers and body leave in
 * one write.
 */
#define PAGE_STREAM_MIN		(64 * 1024)

struct page_owned {
	void	*body;
	size_t	 len;
	void	(*release)(void *, size_t);
};

/* Kore is done with the body: sent, or the connection is gone. */
static int
page_owned_done(struct netbuf *nb)
{
	struct page_owned	*o = nb->extra;

	o->release(o->body, o->len);
	kore_free(o);

	return (KORE_RESULT_OK);
}

void
page_send_owned(struct http_request *req, int status, const char *type,
    void *body, size_t len, void (*release)(void *, size_t))
{
	struct page_owned	*o;

	/*
	 * Without a connection or for HEAD, Kore keeps no body to send. An
	 * error status is copied too: for one, Kore's http_response_stream()
	 * writes its own error page (http_pretty_error) with that page's
	 * length, and then the stream after it, which the client would read
	 * as the start of the next answer.
	 */
	if (len < PAGE_STREAM_MIN || req->owner == NULL ||
	    req->method == HTTP_METHOD_HEAD || status >= 400) {
		page_send(req, status, type, body, len);
		release(body, len);
		return;
	}

	o = kore_malloc(sizeof(*o));
	o->body = body;
	o->len = len;
	o->release = release;

	page_headers(req, type);
	http_response_stream(req, status, body, len, page_owned_done, o);
	gate_rearm(req->owner);
}

static void
page_release_free(void *body, size_t len)
{
	(void)len;
	free(body);
}

void
page_release_wipe(void *body, size_t len)
{
	sodium_memzero(body, len);
	free(body);
}

/* What every page's layout needs, whatever the handler put in data. */
static void
page_common(json_t *data)
{
	time_t		 now;
	struct tm	 tm;

	now = time(NULL);
	gmtime_r(&now, &tm);

	json_object_set_new(data, "year", json_integer(tm.tm_year + 1900));
	json_object_set_new(data, "asset_css",
	    json_string(assets_url("css/app.css")));
	json_object_set_new(data, "asset_js",
	    json_string(assets_url("js/app.js")));
	json_object_set_new(data, "asset_icon",
	    json_string(assets_url("img/laurel.svg")));
	if (settings.dev)
		json_object_set_new(data, "dev", json_true());
}

char *
page_html(const char *name, json_t *data, size_t *len)
{
	page_common(data);
	return (tmpl_render(templates, name, data, len));
}

int
page_render(struct http_request *req, int status, const char *name)
{
	struct ctx	*ctx;
	char		*html;
	size_t		 len;

	ctx = ctx_get(req);
	if (ctx->user != NULL && ctx->user->mfa_ok)
		json_object_set_new(ctx->data, "signed_in", json_true());
	if ((html = page_html(name, ctx->data, &len)) == NULL) {
		kore_log(LOG_ERR, "page: no template '%s'", name);
		return (page_error(req, 500, NULL));
	}

	http_response_header(req, "cache-control", "no-cache");
	page_send_owned(req, status, "text/html; charset=utf-8", html, len,
	    page_release_free);

	return (KORE_RESULT_OK);
}

static void
page_error_data(json_t *data, int status, const char *message)
{
	int		 i;

	for (i = 0; page_errors[i].status != 0; i++) {
		if (page_errors[i].status == status)
			break;
	}

	json_object_set_new(data, "status", json_integer(status));
	json_object_set_new(data, "title", json_string(
	    page_errors[i].title != NULL ? page_errors[i].title : "Error"));
	json_object_set_new(data, "message", json_string(message != NULL ?
	    message : (page_errors[i].message != NULL ?
	    page_errors[i].message : "The request failed.")));
}

static char *
page_error_html(int status, const char *message, size_t *len)
{
	json_t		*data;
	char		*html;

	data = json_object();
	page_error_data(data, status, message);
	html = page_html("error", data, len);
	json_decref(data);

	if (html == NULL)
		fatal("page: the error template is missing");

	return (html);
}

int
page_error(struct http_request *req, int status, const char *message)
{
	char		*html;
	size_t		 len;

	html = page_error_html(status, message, &len);
	http_response_header(req, "cache-control", "no-store");
	page_send(req, status, "text/html; charset=utf-8", html, len);
	free(html);

	return (KORE_RESULT_OK);
}

/* Kore 4.1.0 knows no reason phrase for 431; the status line needs one. */
static const char *
page_reason(int status)
{
	if (status == 431)
		return ("Request Header Fields Too Large");

	return (http_status_text(status));
}

char *
page_error_raw(int status, const char *message, size_t *len)
{
	struct kore_buf	 buf;
	char		*html, *out;
	size_t		 hlen;
	int		 i;

	html = page_error_html(status, message, &hlen);

	kore_buf_init(&buf, hlen + 1024);
	kore_buf_appendf(&buf, "HTTP/1.1 %d %s\r\n", status,
	    page_reason(status));
	for (i = 0; page_security_headers[i].name != NULL; i++) {
		kore_buf_appendf(&buf, "%s: %s\r\n",
		    page_security_headers[i].name,
		    page_security_headers[i].value);
	}
	if (status == 405)
		kore_buf_appendf(&buf, "allow: GET, HEAD, POST\r\n");
	kore_buf_appendf(&buf, "content-type: text/html; charset=utf-8\r\n"
	    "cache-control: no-store\r\nconnection: close\r\n"
	    "content-length: %zu\r\n\r\n", hlen);
	kore_buf_append(&buf, html, hlen);
	free(html);

	*len = buf.offset;
	out = kore_malloc(buf.offset);
	memcpy(out, buf.data, buf.offset);
	kore_buf_cleanup(&buf);

	return (out);
}

int
page_throttled(struct http_request *req, const char *what,
    const char *seconds)
{
	char		 msg[256], secs[16];
	int		 wait, mins;

	wait = seconds != NULL ? atoi(seconds) : 1;
	if (wait < 1)
		wait = 1;
	mins = (wait + 59) / 60;

	(void)snprintf(secs, sizeof(secs), "%d", wait);
	(void)snprintf(msg, sizeof(msg), "Too many %s. Please try again in "
	    "%d minute%s.", what, mins, mins == 1 ? "" : "s");
	http_response_header(req, "retry-after", secs);

	return (page_error(req, 429, msg));
}

int
page_text(struct http_request *req, int status, const char *text)
{
	http_response_header(req, "cache-control", "no-store");
	page_send(req, status, "text/plain; charset=utf-8", text,
	    strlen(text));

	return (KORE_RESULT_OK);
}

int
page_redirect(struct http_request *req, const char *path)
{
	/* Only local paths: "//host" would leave the site. */
	if (path[0] != '/' || path[1] == '/' || path[1] == '\\' ||
	    strpbrk(path, "\r\n") != NULL)
		path = "/";

	http_response_header(req, "location", path);
	page_send(req, 303, "text/plain; charset=utf-8", NULL, 0);

	return (KORE_RESULT_OK);
}

int
page_allow(struct http_request *req, int methods)
{
	if (req->method & methods)
		return (1);

	if (methods & HTTP_METHOD_POST) {
		http_response_header(req, "allow", (methods & HTTP_METHOD_GET) ?
		    "GET, HEAD, POST" : "POST");
	} else {
		http_response_header(req, "allow", "GET, HEAD");
	}
	page_error(req, 405, NULL);

	return (0);
}

char *
page_plain(const char *name, json_t *data)
{
	char		*text;
	size_t		 len;

	if ((text = tmpl_render(templates, name, data, &len)) == NULL)
		fatal("page: no template '%s'", name);

	return (text);
}

char *
page_url(const char *path)
{
	char		*url;
	size_t		 blen, len;

	blen = strlen(settings.base_url);
	while (blen > 0 && settings.base_url[blen - 1] == '/')
		blen--;

	len = blen + strlen(path) + 1;
	url = kore_malloc(len);
	(void)snprintf(url, len, "%.*s%s", (int)blen, settings.base_url, path);

	return (url);
}

static int
page_missing(struct http_request *req)
{
	return (step_error(req, 404, NULL));
}

static const step_fn missing_steps[] = { page_missing, NULL };

/* Every path no other route claims, whatever the method. */
HANDLER(page_not_found,
	.methods = HTTP_METHOD_ALL,
	.enter = ENTER_PUBLIC,
	.steps = missing_steps,
)
