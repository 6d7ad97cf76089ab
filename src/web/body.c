#include <kore/kore.h>
#include <kore/http.h>

#include <string.h>

#include "core/form.h"
#include "web/body.h"
#include "web/ctx.h"
#include "web/page.h"
#include "web/settings.h"

static struct form	*body_parse(struct http_request *, size_t);

static int
body_read(struct http_request *req, struct kore_buf *buf, size_t max)
{
	char		 chunk[8192];
	ssize_t		 n;

	if (!http_body_rewind(req))
		return (-1);

	for (;;) {
		n = http_body_read(req, chunk, sizeof(chunk));
		if (n == -1)
			return (-1);
		if (n == 0)
			return (0);
		if (buf->offset + (size_t)n > max)
			return (-1);
		kore_buf_append(buf, chunk, (size_t)n);
	}
}

struct form *
body_form(struct http_request *req)
{
	return (body_parse(req, settings.body_max));
}

/* A document upload: one file part, as large as LAUREL_UPLOAD_MAX. */
struct form *
body_upload(struct http_request *req)
{
	return (body_parse(req, settings.upload_max));
}

static struct form *
body_parse(struct http_request *req, size_t max)
{
	struct ctx		*ctx;
	struct kore_buf		 buf;
	struct form_limits	 limits;
	const char		*type;
	int			 rc;

	ctx = ctx_get(req);
	if (ctx->form_parsed)
		return (&ctx->form);

	if (!http_request_header(req, "content-type", &type))
		type = NULL;

	limits.max_fields = FORM_DEFAULT_MAX_FIELDS;
	limits.max_name_len = FORM_DEFAULT_MAX_NAME_LEN;
	limits.max_value_len = FORM_DEFAULT_MAX_VALUE_LEN;
	limits.max_file_len = max;
	limits.max_files = FORM_DEFAULT_MAX_FILES;

	kore_buf_init(&buf, req->content_length > 0 &&
	    req->content_length <= max ? req->content_length + 1 : 1024);
	if (body_read(req, &buf, max) == -1) {
		kore_buf_cleanup(&buf);
		page_error(req, 400, "The form data could not be read.");
		return (NULL);
	}

	rc = form_parse(&ctx->form, &limits, type, buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	if (rc == -1) {
		page_error(req, 400, ctx->form.error);
		return (NULL);
	}

	ctx->form_parsed = 1;
	return (&ctx->form);
}

const char *
body_get(struct http_request *req, const char *name)
{
	const char	*v;

	v = form_get(&ctx_get(req)->form, name);
	return (v != NULL ? v : "");
}

struct form *
body_query(struct http_request *req)
{
	struct ctx	*ctx;
	const char	*qs;

	ctx = ctx_get(req);
	if (!ctx->query_parsed) {
		ctx->query_parsed = 1;
		qs = req->query_string != NULL ? req->query_string : "";
		/* A malformed query string reads as an empty one. */
		(void)form_parse_urlencoded(&ctx->query, NULL, qs, strlen(qs));
	}

	return (&ctx->query);
}
