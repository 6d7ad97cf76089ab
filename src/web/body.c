#include <kore/kore.h>
#include <kore/http.h>

#include <sys/mman.h>
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "core/form.h"
#include "web/body.h"
#include "web/ctx.h"
#include "web/handler.h"
#include "web/page.h"
#include "web/settings.h"
#include "web/work.h"

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

/*
 * A document upload (up to LAUREL_UPLOAD_MAX) is parsed from Kore's
 * temporary file on a task thread: tens of MiB of scanning and copying
 * would hold every other request of the worker. The request sleeps
 * meanwhile, so nothing else touches its body; the task uses only
 * mmap(2), malloc and the pure parser (no Kore pools).
 */
struct upload_job {
	int		 fd;		/* Kore's temporary file, or -1 */
	const void	*mem;		/* or the body in memory */
	size_t		 len;
	const char	*type;
	struct form	*form;
	int		 rc;
};

/*
 * The file is mapped, not read: the parser copies the file part out of
 * it, and a read(2) into a buffer first was one more copy of the whole
 * body (and as many fresh pages). A file shorter than the body it should
 * hold would fault past its end: it is refused first.
 */
static void *
body_upload_map(int fd, size_t len)
{
	struct stat	 st;
	void		*p;

	if (fstat(fd, &st) == -1 || st.st_size < 0 ||
	    (unsigned long long)st.st_size < len)
		return (NULL);
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);

	return (p != MAP_FAILED ? p : NULL);
}

static int
body_upload_work(void *arg)
{
	struct upload_job	*j = arg;
	struct form_limits	 limits;
	const void		*buf;
	void			*map;

	map = NULL;
	buf = j->mem != NULL ? j->mem : "";
	if (j->fd != -1 && j->len > 0) {
		if ((map = body_upload_map(j->fd, j->len)) == NULL)
			return (-1);
		buf = map;
	}

	limits.max_fields = FORM_DEFAULT_MAX_FIELDS;
	limits.max_name_len = FORM_DEFAULT_MAX_NAME_LEN;
	limits.max_value_len = FORM_DEFAULT_MAX_VALUE_LEN;
	limits.max_file_len = settings.upload_max;
	limits.max_files = FORM_DEFAULT_MAX_FILES;
	j->rc = form_parse(j->form, &limits, j->type, buf, j->len);
	if (map != NULL)
		(void)munmap(map, j->len);

	return (0);
}

/* The driver's way: -1 when there is nothing to parse on a thread. */
int
body_upload_start(struct http_request *req)
{
	struct ctx		*ctx;
	struct upload_job	*j;

	ctx = ctx_get(req);
	if (ctx->form_parsed || ctx->upload != NULL ||
	    req->content_length > settings.upload_max)
		return (-1);

	j = kore_calloc(1, sizeof(*j));
	j->fd = req->http_body_fd;
	j->mem = req->http_body != NULL ? req->http_body->data : NULL;
	j->len = req->content_length;
	if (j->fd == -1 && (j->mem == NULL || req->http_body->length < j->len))
		j->len = 0;
	if (!http_request_header(req, "content-type", &j->type))
		j->type = NULL;
	j->form = &ctx->form;
	ctx->upload = j;
	work_start(req, body_upload_work, j);

	return (0);
}

struct form *
body_uploaded(struct http_request *req)
{
	struct ctx	*ctx;

	ctx = ctx_get(req);
	if (ctx->form_parsed)
		return (&ctx->form);
	if (ctx->upload == NULL || work_result(req) != 0) {
		page_error(req, 400, "The form data could not be read.");
		return (NULL);
	}
	if (ctx->upload->rc == -1) {
		page_error(req, 400, ctx->form.error);
		return (NULL);
	}

	ctx->form_parsed = 1;
	return (&ctx->form);
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

	limits.max_fields = ctx->handler != NULL &&
	    ctx->handler->form_fields > 0 ? ctx->handler->form_fields :
	    FORM_DEFAULT_MAX_FIELDS;
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
