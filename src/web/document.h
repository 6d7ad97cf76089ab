/*
 * A stored document leaving the portal: the one way to open one and send
 * it, for every page that gives documents out (the applicant's and the
 * admin's download, the reviewer's). A page keeps its own query and its
 * rights; its steps hand the document to these, in this order:
 *
 *	document_query(): the page's own SQL, as a binary result with
 *	the columns name, key_id, sealed, sha256 (in any order, among its
 *	own: text columns arrive as their bytes)
 *	  -> document_fetched(): 404 without a row, 503 without the key,
 *	     else opens it on a task thread (bound to its row, checked
 *	     against the SHA-256 recorded, stripped of its metadata when
 *	     asked)
 *	  -> document_send(): the PDF as an attachment, or 500
 *
 * The page sets app, fid, log and strip before document_fetched(), and
 * calls document_free() from its ctx arg_free: the plaintext is wiped
 * there, whatever happened.
 */
#ifndef LAUREL_WEB_DOCUMENT_H
#define LAUREL_WEB_DOCUMENT_H

#include <kore/kore.h>
#include <kore/http.h>

#include "core/filecrypt.h"
#include "core/form.h"
#include "core/keyring.h"

enum document_failure {
	DOCUMENT_OK,
	DOCUMENT_DAMAGED,	/* does not open: changed or damaged */
	DOCUMENT_MISMATCH,	/* opens, but is not the one recorded */
	DOCUMENT_UNSTRIPPED,	/* pdfstrip() refused it */
};

struct document {
	/* Set by the page. */
	long long	 app;		/* the application it belongs to */
	long long	 fid;
	const char	*log;		/* its log lines' prefix: "files" */
	int		 strip;		/* remove its metadata (blind review) */

	/* From the query's row (document_fetched()). */
	char		 name[FORM_MAX_FILENAME + 1];
	char		 sha256[65];
	char		 bound[FILECRYPT_BIND_MAX];
	const struct keyring_key *key;
	/* The sealed bytes belong to the query's result, kept in ctx. */
	const unsigned char *sealed;
	size_t		 sealed_len;

	/* From the task: what leaves, the plaintext or its stripped copy. */
	unsigned char	*plain;
	size_t		 plain_len;
	enum document_failure failure;
	char		 msg[256];	/* pdfstrip()'s, for the log */
};

/*
 * A step: starts the page's query (its text parameters), with the binary
 * result document_fetched() reads.
 */
int	document_query(struct http_request *, const char *sql, int nparams,
	    const char *const *params);

/* The next: reads the row the page's query answered and opens it. */
int	document_fetched(struct http_request *, struct document *);

/* The step after: the document, or the 500 page; STEP_DONE. */
int	document_send(struct http_request *, struct document *);

/* Wipes and frees what d holds (not d, which lives in the page's arg). */
void	document_free(struct document *);

#endif
