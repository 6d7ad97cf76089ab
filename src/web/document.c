/*
 * A stored document leaving the portal (document.h): read from the
 * page's row, opened bound to its row on a task thread, checked against
 * the SHA-256 recorded at upload, stripped of its metadata when the page
 * asks (blind review), sent as an attachment.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <openssl/sha.h>

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/filecrypt.h"
#include "core/pdfstrip.h"
#include "web/db.h"
#include "web/document.h"
#include "web/handler.h"
#include "web/keys.h"
#include "web/page.h"
#include "web/work.h"

static void
document_plain_free(struct document *d)
{
	if (d->plain == NULL)
		return;
	page_release_wipe(d->plain, d->plain_len);
	d->plain = NULL;
	d->plain_len = 0;
}

void
document_free(struct document *d)
{
	document_plain_free(d);
}

/*
 * A column of the first row of the binary result by name: its bytes and
 * their length ("" when the query has no such column).
 */
static const char *
document_column(PGresult *res, const char *name, size_t *len)
{
	int	col;

	if ((col = PQfnumber(res, name)) < 0) {
		*len = 0;
		return ("");
	}
	*len = (size_t)PQgetlength(res, 0, col);

	return (PQgetvalue(res, 0, col));
}

/* A text column of the binary result, into buf. */
static void
document_text(PGresult *res, const char *name, char *buf, size_t buflen)
{
	const char	*v;
	size_t		 len;

	v = document_column(res, name, &len);
	(void)snprintf(buf, buflen, "%.*s", (int)len, v);
}

int
document_query(struct http_request *req, const char *sql, int nparams,
    const char *const *params)
{
	struct db_params	 p;

	memset(&p, 0, sizeof(p));
	p.sql = sql;
	p.nparams = nparams;
	p.values = params;
	p.result_binary = 1;

	return (step_query_params(req, &p));
}

/* On a task thread: open, check it is the one recorded, strip if asked. */
static int
document_open(void *arg)
{
	struct document	*d = arg;
	unsigned char	 digest[SHA256_DIGEST_LENGTH], *stripped;
	char		 hex[65];
	size_t		 stripped_len;

	d->plain = filecrypt_open_bound(d->key->key, d->bound, d->sealed,
	    d->sealed_len, &d->plain_len);
	if (d->plain == NULL) {
		d->plain_len = 0;
		d->failure = DOCUMENT_DAMAGED;
		return (-1);
	}

	/*
	 * A sealed document that opens with our key but is not the one
	 * recorded for this row (moved from another row by someone who can
	 * write the database) is refused like a damaged one.
	 */
	SHA256(d->plain, d->plain_len, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (sodium_memcmp(hex, d->sha256, sizeof(hex) - 1) != 0) {
		d->failure = DOCUMENT_MISMATCH;
		return (-1);
	}

	if (!d->strip)
		return (0);
	if (pdfstrip(d->plain, d->plain_len, &stripped, &stripped_len, d->msg,
	    sizeof(d->msg)) == -1) {
		d->failure = DOCUMENT_UNSTRIPPED;
		return (-1);
	}
	/* Only the stripped copy is kept. */
	document_plain_free(d);
	d->plain = stripped;
	d->plain_len = stripped_len;

	return (0);
}

int
document_fetched(struct http_request *req, struct document *d)
{
	PGresult	*res;
	char		 keyid[FILECRYPT_KEYID_LEN + 1];
	const char	*sealed;

	if (db_rows(req) != 1 || (res = db_result(req)) == NULL)
		return (step_error(req, 404, NULL));

	/* Binary results: text columns arrive as their bytes. */
	document_text(res, "name", d->name, sizeof(d->name));
	document_text(res, "key_id", keyid, sizeof(keyid));
	document_text(res, "sha256", d->sha256, sizeof(d->sha256));
	if ((d->key = keys_find(keyid)) == NULL) {
		kore_log(LOG_ERR, "%s: document %lld is sealed with key %s, "
		    "which this instance does not have (LAUREL_KEY_FILES_OLD)",
		    d->log, d->fid, keyid);
		return (step_error(req, 503, "This document cannot be opened "
		    "right now. The organisers have been told."));
	}

	/* The result stays in ctx until the request ends. */
	sealed = document_column(res, "sealed", &d->sealed_len);
	d->sealed = (const unsigned char *)sealed;
	if (filecrypt_bind(d->bound, sizeof(d->bound), d->app, d->fid) == -1)
		return (step_error(req, 500, NULL));

	return (step_work(req, document_open, d));
}

/*
 * An attachment name that is safe in a header on any browser: ASCII
 * letters, digits, dot, dash and underscore, the rest as underscores,
 * always ending in .pdf; the real name (UTF-8) as filename*.
 */
static void
document_disposition(const char *name, char *out, size_t outlen)
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

/* Why it does not leave: one log line for the operator, the 500 page. */
static int
document_refused(struct http_request *req, struct document *d)
{
	switch (d->failure) {
	case DOCUMENT_UNSTRIPPED:
		/* It passed pdfcheck() on upload: for the operator. */
		kore_log(LOG_ERR, "%s: document %lld could not be stripped "
		    "of its metadata for blind review: %s", d->log, d->fid,
		    d->msg);
		return (step_error(req, 500, "This document cannot be given "
		    "out for blind review: its author details could not be "
		    "removed. The organisers have been told."));
	case DOCUMENT_MISMATCH:
		kore_log(LOG_ERR, "%s: document %lld opened but is not the "
		    "one recorded (SHA-256 differs): its stored bytes were "
		    "replaced", d->log, d->fid);
		break;
	default:
		kore_log(LOG_ERR, "%s: document %lld failed to open: its "
		    "stored bytes were changed or damaged", d->log, d->fid);
		break;
	}

	return (step_error(req, 500, "This document is damaged and cannot be "
	    "opened. The organisers have been told."));
}

int
document_send(struct http_request *req, struct document *d)
{
	char	disp[1024];

	if (work_result(req) != 0)
		return (document_refused(req, d));

	document_disposition(d->name, disp, sizeof(disp));
	http_response_header(req, "content-disposition", disp);
	http_response_header(req, "cache-control", "private, no-store");
	/* Kore sends it from where it is, and gives it back to release. */
	page_send_owned(req, 200, "application/pdf", d->plain, d->plain_len,
	    page_release_wipe);
	d->plain = NULL;
	d->plain_len = 0;

	return (STEP_DONE);
}
