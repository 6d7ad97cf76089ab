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
 * Kore's temporary upload directory.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <openssl/sha.h>

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "applications/applications.h"
#include "core/filecrypt.h"
#include "core/pdfcheck.h"
#include "applications/files.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/csrf.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/keys.h"
#include "web/page.h"
#include "web/session.h"
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

	/* Download. */
	unsigned char	*opened;
	size_t		 opened_len;
};

static void
doc_free(void *arg)
{
	struct doc	*d = arg;

	free(d->sealed);
	if (d->opened != NULL) {
		sodium_memzero(d->opened, d->opened_len);
		free(d->opened);
	}
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

	return (applications_render(req, status, NULL));
}

/*
 * Upload.
 */

static int	up_session(struct http_request *);
static int	up_body(struct http_request *);
static int	up_route(struct http_request *);
static int	up_loaded(struct http_request *);
static int	up_sealed(struct http_request *);
static int	up_stored(struct http_request *);

enum { UP_SESSION, UP_BODY, UP_ROUTE, UP_LOADED, UP_SEALED, UP_STORED };

static struct http_state up_states[] = {
	KORE_HTTP_STATE(up_session),
	KORE_HTTP_STATE(up_body),
	KORE_HTTP_STATE(up_route),
	KORE_HTTP_STATE(up_loaded),
	KORE_HTTP_STATE(up_sealed),
	KORE_HTTP_STATE(up_stored),
};

int
files_upload(struct http_request *req)
{
	if (!page_allow(req, HTTP_METHOD_POST))
		return (KORE_RESULT_OK);

	return (http_state_run(up_states,
	    sizeof(up_states) / sizeof(up_states[0]), req));
}

static int
up_session(struct http_request *req)
{
	return (applications_session(req, UP_BODY, NULL));
}

static int
up_body(struct http_request *req)
{
	return (body_upload(req, UP_ROUTE));
}

static int
up_route(struct http_request *req)
{
	if (body_uploaded(req) == NULL || !csrf_check(req))
		return (HTTP_STATE_COMPLETE);
	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	req->fsm_state = UP_LOADED;
	return (HTTP_STATE_CONTINUE);
}

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

	d->sealed = filecrypt_seal(d->key->key, d->plain, d->plain_len,
	    &d->sealed_len);
	if (d->sealed == NULL) {
		(void)snprintf(d->msg, sizeof(d->msg), "The document could "
		    "not be stored; please try again.");
		return (-1);
	}

	return (0);
}

static int
up_loaded(struct http_request *req)
{
	struct doc		*d;
	json_t			*data, *round;
	const struct form_field	*f;
	char			 msg[160];
	json_int_t		 max_mb, max_files;

	d = doc_arg(req);
	if (d->key != NULL)	/* checked; the task is running */
		return (work_run(req, UP_SEALED, up_work, d));

	data = ctx_get(req)->data;
	if (!applications_loaded(req)) {
		page_error(req, 404, NULL);
		return (HTTP_STATE_COMPLETE);
	}

	if (!json_is_true(json_object_get(data, "editable")))
		return (doc_refuse(req, 409, json_is_true(json_object_get(
		    data, "is_withdrawn")) ? "This application has been "
		    "withdrawn; documents can no longer be added." :
		    "The deadline has passed; documents can no longer be "
		    "added."));

	round = json_object_get(data, "round");
	max_mb = json_integer_value(json_object_get(round, "max_file_mb"));
	max_files = json_integer_value(json_object_get(round, "max_files"));
	f = form_file(&ctx_get(req)->form, FILE_FIELD);
	if (f == NULL || f->len == 0)
		return (doc_refuse(req, 422, "Choose a PDF file to upload."));
	if (f->len > (size_t)max_mb * MIB) {
		(void)snprintf(msg, sizeof(msg), "This file is %.1f MiB; each "
		    "document may be at most %lld MiB.", (double)f->len / MIB,
		    (long long)max_mb);
		return (doc_refuse(req, 413, msg));
	}
	if ((json_int_t)json_array_size(json_object_get(data, "files")) >=
	    max_files) {
		(void)snprintf(msg, sizeof(msg), "This round accepts at most "
		    "%lld documents; delete one to add another.",
		    (long long)max_files);
		return (doc_refuse(req, 422, msg));
	}

	d->plain = (const unsigned char *)f->value;
	d->plain_len = f->len;
	(void)snprintf(d->name, sizeof(d->name), "%s", f->filename != NULL ?
	    f->filename : FORM_UNNAMED_FILE);
	(void)snprintf(d->size_s, sizeof(d->size_s), "%zu", f->len);
	d->key = keys_current();

	return (work_run(req, UP_SEALED, up_work, d));
}

static const char	sql_file_add[] =
    "SELECT application_file_add($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

static int
up_sealed(struct http_request *req)
{
	struct doc		*d;
	struct db_params	 p;
	const char		*values[10];
	size_t			 lengths[10];
	int			 binary[10];

	d = doc_arg(req);
	if (work_result(req) != 0)
		return (doc_refuse(req, 422, d->msg));

	if (d->mail_body == NULL)
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

	memset(&p, 0, sizeof(p));
	p.sql = sql_file_add;
	p.nparams = 10;
	p.values = values;
	p.lengths = lengths;
	p.binary = binary;

	return (db_query_params(req, UP_STORED, &p, NULL));
}

static int
up_stored(struct http_request *req)
{
	struct doc	*d;
	const char	*r;
	char		 loc[96];

	d = doc_arg(req);

	r = db_value(req, 0, 0);
	if (strcmp(r, "notfound") == 0) {
		page_error(req, 404, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	if (strcmp(r, "closed") == 0)
		return (doc_refuse(req, 409, "The deadline has passed; "
		    "documents can no longer be added."));
	if (strcmp(r, "withdrawn") == 0)
		return (doc_refuse(req, 409, "This application has been "
		    "withdrawn; documents can no longer be added."));
	if (strncmp(r, "error:", 6) == 0)
		return (doc_refuse(req, 422, r + 6));

	(void)snprintf(loc, sizeof(loc), "/applications/%s?uploaded=1#files",
	    d->app_s);
	page_redirect(req, loc);

	return (HTTP_STATE_COMPLETE);
}

/*
 * Download.
 */

static int	down_session(struct http_request *);
static int	down_query(struct http_request *);
static int	down_fetched(struct http_request *);
static int	down_opened(struct http_request *);

enum { DOWN_SESSION, DOWN_QUERY, DOWN_FETCHED, DOWN_OPENED };

static struct http_state down_states[] = {
	KORE_HTTP_STATE(down_session),
	KORE_HTTP_STATE(down_query),
	KORE_HTTP_STATE(down_fetched),
	KORE_HTTP_STATE(down_opened),
};

int
files_download(struct http_request *req)
{
	if (!page_allow(req, HTTP_METHOD_GET | HTTP_METHOD_HEAD))
		return (KORE_RESULT_OK);

	return (http_state_run(down_states,
	    sizeof(down_states) / sizeof(down_states[0]), req));
}

static int
down_session(struct http_request *req)
{
	return (session_load(req, DOWN_QUERY));
}

static int
down_query(struct http_request *req)
{
	struct doc		*d;
	struct db_params	 p;
	const char		*values[3];

	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	d = doc_arg(req);
	values[0] = d->app_s;
	values[1] = d->uid;
	values[2] = d->fid_s;
	memset(&p, 0, sizeof(p));
	p.sql = "SELECT name, key_id, sealed FROM "
	    "application_file_get($1, $2, $3)";
	p.nparams = 3;
	p.values = values;
	p.result_binary = 1;

	return (db_query_params(req, DOWN_FETCHED, &p, NULL));
}

/* On a task thread. */
static int
down_work(void *arg)
{
	struct doc	*d = arg;

	d->opened = filecrypt_open(d->key->key, d->plain, d->plain_len,
	    &d->opened_len);

	return (d->opened != NULL ? 0 : -1);
}

static int
down_fetched(struct http_request *req)
{
	struct doc	*d;
	char		 keyid[FILECRYPT_KEYID_LEN + 1];
	int		 len;

	d = doc_arg(req);
	if (db_rows(req) != 1) {
		page_error(req, 404, NULL);
		return (HTTP_STATE_COMPLETE);
	}

	/* Binary results: text columns arrive as their bytes. */
	(void)snprintf(d->name, sizeof(d->name), "%.*s",
	    db_length(req, 0, 0), db_value(req, 0, 0));
	len = db_length(req, 0, 1);
	(void)snprintf(keyid, sizeof(keyid), "%.*s", len, db_value(req, 0, 1));
	if ((d->key = keys_find(keyid)) == NULL) {
		kore_log(LOG_ERR, "files: document %s is sealed with key %s, "
		    "which this instance does not have (LAUREL_KEY_FILES_OLD)",
		    d->fid_s, keyid);
		page_error(req, 503, "This document cannot be opened right "
		    "now. The organisers have been told.");
		return (HTTP_STATE_COMPLETE);
	}

	/* The result stays in ctx until the request ends. */
	d->plain = (const unsigned char *)db_value(req, 0, 2);
	d->plain_len = (size_t)db_length(req, 0, 2);

	return (work_run(req, DOWN_OPENED, down_work, d));
}

/*
 * An attachment name that is safe in a header on any browser: ASCII
 * letters, digits, dot, dash and underscore, the rest as underscores,
 * always ending in .pdf; the real name (UTF-8) as filename*.
 */
static void
down_disposition(const char *name, char *out, size_t outlen)
{
	char		 ascii[96], enc[FORM_MAX_FILENAME * 3 + 1];
	size_t		 i, a, e;
	unsigned char	 c;

	for (i = 0, a = 0; name[i] != '\0' && a + 5 < sizeof(ascii); i++) {
		c = (unsigned char)name[i];
		ascii[a++] = (isalnum(c) && c < 0x80) || c == '.' ||
		    c == '-' || c == '_' ? (char)c : '_';
	}
	ascii[a] = '\0';
	if (a < 4 || strcasecmp(ascii + a - 4, ".pdf") != 0)
		memcpy(ascii + a, ".pdf", 5);	/* the loop left room */

	for (i = 0, e = 0; name[i] != '\0' && e + 4 < sizeof(enc); i++) {
		c = (unsigned char)name[i];
		if ((isalnum(c) && c < 0x80) || c == '.' || c == '-' ||
		    c == '_')
			enc[e++] = (char)c;
		else
			e += (size_t)snprintf(enc + e, sizeof(enc) - e,
			    "%%%02X", c);
	}
	enc[e] = '\0';

	(void)snprintf(out, outlen, "attachment; filename=\"%s\"; "
	    "filename*=UTF-8''%s", ascii, enc);
}

static int
down_opened(struct http_request *req)
{
	struct doc	*d;
	char		 disp[1024];

	d = doc_arg(req);
	if (work_result(req) != 0) {
		kore_log(LOG_ERR, "files: document %s failed to open: its "
		    "stored bytes were changed or damaged", d->fid_s);
		page_error(req, 500, "This document is damaged and cannot be "
		    "opened. The organisers have been told.");
		return (HTTP_STATE_COMPLETE);
	}

	down_disposition(d->name, disp, sizeof(disp));
	http_response_header(req, "content-disposition", disp);
	http_response_header(req, "cache-control", "private, no-store");
	page_send(req, 200, "application/pdf", d->opened, d->opened_len);

	return (HTTP_STATE_COMPLETE);
}

/*
 * Delete.
 */

static int	del_session(struct http_request *);
static int	del_route(struct http_request *);
static int	del_loaded(struct http_request *);
static int	del_done(struct http_request *);

enum { DEL_SESSION, DEL_ROUTE, DEL_LOADED, DEL_DONE };

static struct http_state del_states[] = {
	KORE_HTTP_STATE(del_session),
	KORE_HTTP_STATE(del_route),
	KORE_HTTP_STATE(del_loaded),
	KORE_HTTP_STATE(del_done),
};

int
files_delete(struct http_request *req)
{
	if (!page_allow(req, HTTP_METHOD_POST))
		return (KORE_RESULT_OK);

	return (http_state_run(del_states,
	    sizeof(del_states) / sizeof(del_states[0]), req));
}

static int
del_session(struct http_request *req)
{
	return (applications_session(req, DEL_ROUTE, NULL));
}

static int
del_route(struct http_request *req)
{
	if (body_form(req) == NULL || !csrf_check(req))
		return (HTTP_STATE_COMPLETE);
	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	req->fsm_state = DEL_LOADED;
	return (HTTP_STATE_CONTINUE);
}

static const char	sql_file_delete[] =
    "SELECT application_file_delete($1, $2, $3, $4, $5, $6)";

static int
del_loaded(struct http_request *req)
{
	struct doc	*d;
	const char	*params[6];

	d = doc_arg(req);
	/* Once: this state runs again while its query is in flight. */
	if (d->mail_body == NULL) {
		if (!applications_loaded(req)) {
			page_error(req, 404, NULL);
			return (HTTP_STATE_COMPLETE);
		}
		doc_mail(req, d);
	}

	params[0] = d->app_s;
	params[1] = d->uid;
	params[2] = d->fid_s;
	params[3] = d->ip;
	params[4] = d->mail_subject;
	params[5] = d->mail_body;

	return (db_query(req, DEL_DONE, sql_file_delete, 6, params));
}

static int
del_done(struct http_request *req)
{
	struct doc	*d;
	const char	*r;
	char		 loc[96];

	d = doc_arg(req);

	r = db_value(req, 0, 0);
	if (strcmp(r, "notfound") == 0) {
		page_error(req, 404, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	if (strcmp(r, "closed") == 0 || strcmp(r, "withdrawn") == 0)
		return (doc_refuse(req, 409, strcmp(r, "closed") == 0 ?
		    "The deadline has passed; documents can no longer be "
		    "deleted." : "This application has been withdrawn; its "
		    "documents can no longer be changed."));

	(void)snprintf(loc, sizeof(loc), "/applications/%s?deleted=1#files",
	    d->app_s);
	page_redirect(req, loc);

	return (HTTP_STATE_COMPLETE);
}
