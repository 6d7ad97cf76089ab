/*
 * Supporting documents of an application:
 *
 *	POST /applications/{id}/files			upload (field "file")
 *	GET  /applications/{id}/files/{fid}		download
 *	POST /applications/{id}/files/{fid}/delete	delete
 *
 * A document is checked (libqpdf), hashed and sealed with the current
 * key on a task thread, then stored in one call of
 * application_file_add(), which checks the round's limits again under
 * the application's row lock. Plaintext exists only in memory and in
 * Kore's temporary upload directory. A download is opened and sent by
 * web/document.c, as the reviewer's is.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <openssl/sha.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applications/applications.h"
#include "core/filecrypt.h"
#include "core/outcome.h"
#include "core/pdfcheck.h"
#include "applications/files.h"
#include "web/authz.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/document.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/messages.h"
#include "web/keys.h"
#include "web/work.h"

#define MIB		(1024 * 1024)
#define FILE_FIELD	"file"

struct doc {
	long long	 app;
	long long	 fid;
	char		 app_s[32];
	char		 fid_s[32];
	char		 uid[32];
	char		 ip[CLIENT_ADDR_LEN];

	/* Upload: the plaintext belongs to the form; these to us. */
	const unsigned char	*plain;
	size_t		 plain_len;
	char		 name[FORM_MAX_FILENAME + 1];
	char		 sha256[65];
	char		 size_s[32];
	const struct keyring_key *key;
	unsigned char	*sealed;
	size_t		 sealed_len;
	char		 msg[256];
	char		*mail_subject;
	char		*mail_body;

	/* The application as loaded with the session (upload, delete). */
	struct app_model model;

	/* What the ciphertext is bound to (filecrypt_bind). */
	char		 bound[FILECRYPT_BIND_MAX];

	/* Download. */
	struct document	 doc;
};

static void
doc_free(void *arg)
{
	struct doc	*d = arg;

	free(d->sealed);
	document_free(&d->doc);
	free(d->mail_subject);
	free(d->mail_body);
	kore_free(d);
}

/* Both ids from /applications/{id}/files[/{fid}[/delete]]. */
static struct doc *
doc_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct doc	*d;
	const char	*rest;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);

	d = kore_calloc(1, sizeof(*d));
	d->app = applications_path_id(req->path, &rest);
	if (strncmp(rest, "/files/", 7) == 0)
		d->fid = strtoll(rest + 7, NULL, 10);
	(void)snprintf(d->app_s, sizeof(d->app_s), "%lld", d->app);
	(void)snprintf(d->fid_s, sizeof(d->fid_s), "%lld", d->fid);
	(void)snprintf(d->uid, sizeof(d->uid), "%lld", ctx->user->id);
	client_addr(req, d->ip, sizeof(d->ip));
	ctx->arg = d;
	ctx->arg_free = doc_free;

	return (d);
}

/* The receipt mail, in case the change to a submitted one needs it. */
static void
doc_mail(struct http_request *req, struct doc *d)
{
	const char	*title;

	title = json_string_value(json_object_get(json_object_get(
	    ctx_get(req)->data, "content"), "title"));
	applications_receipt_mail(req, d->app_s, title != NULL ? title : "",
	    &d->mail_subject, &d->mail_body);
}

/* The application page again, with a message at the upload field. */
static int
doc_refuse(struct http_request *req, int status, const char *msg)
{
	fields_error(req, FILE_FIELD, msg);

	return (applications_render(req, status, &doc_arg(req)->model, NULL));
}

static int
doc_refuse_msg(struct http_request *req, int status, enum msg m)
{
	return (doc_refuse(req, status, messages_get(m)));
}

/*
 * Upload.
 */

/* Runs on a task thread: check, hash, seal. 0, or -1 with d->msg. */
static int
up_work(void *arg)
{
	struct doc	*d = arg;
	unsigned char	 digest[SHA256_DIGEST_LENGTH];

	if (pdfcheck(d->plain, d->plain_len, d->msg, sizeof(d->msg)) == -1)
		return (-1);

	SHA256(d->plain, d->plain_len, digest);
	sodium_bin2hex(d->sha256, sizeof(d->sha256), digest, sizeof(digest));

	d->sealed = filecrypt_seal_bound(d->key->key, d->bound, d->plain,
	    d->plain_len, &d->sealed_len);
	if (d->sealed == NULL) {
		(void)snprintf(d->msg, sizeof(d->msg), "The document could "
		    "not be stored; please try again.");
		return (-1);
	}

	return (0);
}

static int
up_check(struct http_request *req)
{
	struct doc		*d;
	const struct app_model	*m;
	const struct form_field	*f;
	char			 msg[160], limit[96];

	d = doc_arg(req);
	if (!applications_loaded(req, &d->model))
		return (step_error(req, 404, NULL));
	m = &d->model;

	if (!m->editable)
		return (doc_refuse_msg(req, 409, m->withdrawn ?
		    MSG_DOC_WITHDRAWN : MSG_DOC_CLOSED));

	f = form_file(&ctx_get(req)->form, FILE_FIELD);
	if (f == NULL || f->len == 0)
		return (doc_refuse(req, 422, "Choose a PDF file to upload."));
	if (f->len > (size_t)m->max_file_mb * MIB) {
		messages_format(limit, sizeof(limit), MSG_DOC_TOO_LARGE,
		    m->max_file_mb);
		(void)snprintf(msg, sizeof(msg), "This file is %.1f MiB; %s",
		    (double)f->len / MIB, limit);
		return (doc_refuse(req, 413, msg));
	}
	if ((long long)m->files >= m->max_files) {
		messages_format(msg, sizeof(msg), MSG_DOC_TOO_MANY,
		    m->max_files);
		return (doc_refuse(req, 422, msg));
	}

	d->plain = (const unsigned char *)f->value;
	d->plain_len = f->len;
	(void)snprintf(d->name, sizeof(d->name), "%s", f->filename != NULL ?
	    f->filename : FORM_UNNAMED_FILE);
	(void)snprintf(d->size_s, sizeof(d->size_s), "%zu", f->len);
	d->key = keys_current();

	return (step_query(req, "SELECT application_file_id()", 0, NULL));
}

/* The id is the document's: sealed bound to it, on a task thread. */
static int
up_seal(struct http_request *req)
{
	struct doc	*d;

	d = doc_arg(req);
	if (db_rows(req) != 1 || (d->fid = strtoll(db_value(req, 0, 0), NULL,
	    10)) <= 0)
		return (step_error(req, 500, NULL));
	(void)snprintf(d->fid_s, sizeof(d->fid_s), "%lld", d->fid);
	if (filecrypt_bind(d->bound, sizeof(d->bound), d->app, d->fid) == -1)
		return (step_error(req, 500, NULL));

	return (step_work(req, up_work, d));
}

static const char	sql_file_add[] =
    "SELECT outcome, number, detail FROM application_file_add($1, $2, $3, "
    "$4, $5, $6, $7, $8, $9, $10, $11)";

static int
up_sealed(struct http_request *req)
{
	struct doc		*d;
	struct db_params	 p;
	const char		*values[11];
	size_t			 lengths[11];
	int			 binary[11];

	d = doc_arg(req);
	if (work_result(req) != 0)
		return (doc_refuse(req, 422, d->msg));

	doc_mail(req, d);
	memset(binary, 0, sizeof(binary));
	memset(lengths, 0, sizeof(lengths));
	values[0] = d->app_s;
	values[1] = d->uid;
	values[2] = d->name;
	values[3] = d->size_s;
	values[4] = d->sha256;
	values[5] = d->key->id;
	values[6] = (const char *)d->sealed;
	lengths[6] = d->sealed_len;
	binary[6] = 1;
	values[7] = d->ip;
	values[8] = d->mail_subject;
	values[9] = d->mail_body;
	values[10] = d->fid_s;

	memset(&p, 0, sizeof(p));
	p.sql = sql_file_add;
	p.nparams = 11;
	p.values = values;
	p.lengths = lengths;
	p.binary = binary;

	return (step_query_params(req, &p));
}

/*
 * What both document changes answer: back to the page with notice, or the
 * page again with the refusal (closed, withdrawn), or 404.
 */
static int
doc_done(struct http_request *req, const struct outcome *o, enum msg closed,
    enum msg withdrawn, const char *notice)
{
	char	loc[96];

	switch (o->code) {
	case OUTCOME_OK:
		(void)snprintf(loc, sizeof(loc), "/applications/%s?%s=1#files",
		    doc_arg(req)->app_s, notice);
		return (step_redirect(req, loc));
	case OUTCOME_CLOSED:
		return (doc_refuse_msg(req, 409, closed));
	case OUTCOME_WITHDRAWN:
		return (doc_refuse_msg(req, 409, withdrawn));
	default:
		return (step_error(req, 404, NULL));
	}
}

/* The round's limits, checked again under the application's lock. */
static int
up_stored(struct http_request *req)
{
	struct outcome	 o;
	char		 msg[160], limit[96];

	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_TOO_MANY:
		messages_format(msg, sizeof(msg), MSG_DOC_TOO_MANY, o.number);
		return (doc_refuse(req, 422, msg));
	case OUTCOME_TOO_LARGE:
		messages_format(limit, sizeof(limit), MSG_DOC_TOO_LARGE,
		    o.number);
		(void)snprintf(msg, sizeof(msg), "This file is too large; %s",
		    limit);
		return (doc_refuse(req, 422, msg));
	default:
		return (doc_done(req, &o, MSG_DOC_CLOSED, MSG_DOC_WITHDRAWN,
		    "uploaded"));
	}
}

static const step_fn up_steps[] = { up_check, up_seal, up_sealed, up_stored,
    NULL };

HANDLER(files_upload,
	.methods = METHODS_POST,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_UPLOAD,
	.load = applications_load,
	.resource = RESOURCE_APPLICATION,
	.rights = RIGHT_CHANGE,
	.steps = up_steps,
)

/*
 * Download.
 */

static int
down_query(struct http_request *req)
{
	struct doc	*d;
	const char	*params[3];

	d = doc_arg(req);
	d->doc.app = d->app;
	d->doc.fid = d->fid;
	d->doc.log = "files";

	params[0] = d->app_s;
	params[1] = d->uid;
	params[2] = d->fid_s;

	return (document_query(req, "SELECT name, key_id, sealed, sha256 "
	    "FROM application_file_get($1, $2, $3)", 3, params));
}

static int
down_fetched(struct http_request *req)
{
	return (document_fetched(req, &doc_arg(req)->doc));
}

static int
down_opened(struct http_request *req)
{
	return (document_send(req, &doc_arg(req)->doc));
}

static const step_fn down_steps[] = { down_query, down_fetched, down_opened,
    NULL };

HANDLER(files_download,
	.methods = METHODS_GET,
	.enter = ENTER_SIGNED_IN,
	.resource = RESOURCE_APPLICATION,
	.rights = RIGHT_FILES,
	.steps = down_steps,
)

/*
 * Delete.
 */

static const char	sql_file_delete[] =
    "SELECT outcome, number, detail FROM application_file_delete($1, $2, "
    "$3, $4, $5, $6)";

static int
del_run(struct http_request *req)
{
	struct doc		*d;
	const char		*params[6];

	d = doc_arg(req);
	if (!applications_loaded(req, &d->model))
		return (step_error(req, 404, NULL));
	doc_mail(req, d);

	params[0] = d->app_s;
	params[1] = d->uid;
	params[2] = d->fid_s;
	params[3] = d->ip;
	params[4] = d->mail_subject;
	params[5] = d->mail_body;

	return (step_query(req, sql_file_delete, 6, params));
}

static int
del_done(struct http_request *req)
{
	struct outcome	o;

	db_outcome(req, &o);
	return (doc_done(req, &o, MSG_DOC_DELETE_CLOSED,
	    MSG_DOC_DELETE_WITHDRAWN, "deleted"));
}

static const step_fn del_steps[] = { del_run, del_done, NULL };

HANDLER(files_delete,
	.methods = METHODS_POST,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.load = applications_load,
	.resource = RESOURCE_APPLICATION,
	.rights = RIGHT_CHANGE,
	.steps = del_steps,
)
