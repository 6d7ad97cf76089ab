/*
 * pdfcheck: is an upload a PDF we can store and others can open?
 *
 * The bytes must carry the PDF magic ("%PDF-" within the first 1024
 * bytes, where qpdf also looks for it), then qpdf must read the file from
 * memory, it must not be encrypted, and its page tree must resolve to at
 * least one page.  qpdf repairs a damaged cross-reference table the way
 * viewers do, so a file with a slightly wrong xref is accepted; one whose
 * objects cannot be found or parsed is refused.
 *
 * Nothing is written to stderr and the buffer is not copied.  The
 * message is for the person who uploaded the file: it never holds a path.
 */

#ifndef LAUREL_CORE_PDFCHECK_H
#define LAUREL_CORE_PDFCHECK_H

#include <stddef.h>

#define PDFCHECK_MSG_NOTPDF \
	"This file is not a PDF: PDF files start with %PDF-."
#define PDFCHECK_MSG_PASSWORD \
	"This PDF is protected with a password; upload a version without one."
#define PDFCHECK_MSG_DAMAGED \
	"This PDF is damaged and cannot be read"

/*
 * 0 if buf holds an acceptable PDF.  Otherwise -1 and a message in msg:
 * PDFCHECK_MSG_NOTPDF, PDFCHECK_MSG_PASSWORD, or PDFCHECK_MSG_DAMAGED
 * followed by ": " and qpdf's reason.
 */
int	pdfcheck(const void *buf, size_t len, char *msg, size_t msglen);

#endif /* !LAUREL_CORE_PDFCHECK_H */
