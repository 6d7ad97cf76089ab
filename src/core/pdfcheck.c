/*
 * Structural check of uploaded PDFs with qpdf's C API.  qpdf does the
 * parsing; this file only decides what counts as acceptable and words
 * the refusal for the uploader.
 */

#include <stdio.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "core/pdfcheck.h"

/* qpdf accepts the header anywhere in the first 1024 bytes, as Acrobat. */
#define MAGIC_WINDOW	1024

static void	damaged(qpdf_data, qpdf_error, char *, size_t, const char *);

/*
 * qpdf's message detail names no file (its full text would prefix the
 * description given to qpdf_read_memory and an offset).
 */
static void
damaged(qpdf_data q, qpdf_error e, char *msg, size_t msglen, const char *why)
{
	const char	*detail;

	detail = why;
	if (detail == NULL && e != NULL)
		detail = qpdf_get_error_message_detail(q, e);
	if (detail == NULL || *detail == '\0')
		detail = "its structure is broken";

	snprintf(msg, msglen, "%s: %s.", PDFCHECK_MSG_DAMAGED, detail);
}

int
pdfcheck(const void *buf, size_t len, char *msg, size_t msglen)
{
	qpdf_data	q;
	qpdf_error	e;
	QPDF_ERROR_CODE	rc;
	int		pages, ret;

	if (len == 0 || memmem(buf, len < MAGIC_WINDOW ? len : MAGIC_WINDOW,
	    "%PDF-", 5) == NULL) {
		snprintf(msg, msglen, "%s", PDFCHECK_MSG_NOTPDF);
		return (-1);
	}

	ret = -1;
	q = qpdf_init();
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);

	/* The empty password opens files that only have an owner password. */
	rc = qpdf_read_memory(q, "upload", buf, len, "");
	if (rc & QPDF_ERRORS) {
		/* qpdf_get_error hands the error out once, then clears it. */
		e = qpdf_get_error(q);
		if (e != NULL && qpdf_get_error_code(q, e) == qpdf_e_password)
			snprintf(msg, msglen, "%s", PDFCHECK_MSG_PASSWORD);
		else
			damaged(q, e, msg, msglen, NULL);
		goto out;
	}

	/*
	 * Even without a user password an encrypted file is refused: the
	 * server would have to keep the owner's restrictions and a viewer
	 * may still ask for a password.
	 */
	if (qpdf_is_encrypted(q)) {
		snprintf(msg, msglen, "%s", PDFCHECK_MSG_PASSWORD);
		goto out;
	}

	/* Walking the page tree resolves the objects a viewer needs first. */
	pages = qpdf_get_num_pages(q);
	if (qpdf_has_error(q) || pages < 0) {
		damaged(q, qpdf_get_error(q), msg, msglen, NULL);
		goto out;
	}
	if (pages == 0) {
		damaged(q, NULL, msg, msglen, "it has no pages");
		goto out;
	}

	ret = 0;
out:
	qpdf_cleanup(&q);
	return (ret);
}
