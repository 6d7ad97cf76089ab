/*
 * pdfstrip: a copy of an uploaded PDF that does not say who made it,
 * for blind review.
 *
 * Removed: the trailer's /Info dictionary (Author, Creator, Producer,
 * Title, Subject, Keywords, dates), the trailer's /ID (it links the copy
 * to the original file; qpdf writes a new one computed from the output),
 * and every /Metadata (XMP) and /PieceInfo (application private data)
 * entry, wherever it hangs: catalog, pages, images, fonts, forms.
 * Because qpdf rewrites the whole file, earlier revisions kept by
 * incremental updates, objects nothing refers to and bytes after the
 * last %%EOF go as well.  Pages, content streams, annotations and
 * attachments are kept as they are: stream data is copied without
 * recompressing, object streams stay as they were, nothing is encrypted
 * or linearized.  The same input always gives the same bytes.
 *
 * Meant for files pdfcheck() accepted; anything else qpdf cannot read is
 * refused cleanly.  Nothing is written to stderr.
 */

#ifndef LAUREL_CORE_PDFSTRIP_H
#define LAUREL_CORE_PDFSTRIP_H

#include <stddef.h>

/*
 * 0 and a malloc'd copy of the PDF in *out / *outlen with its document
 * information and XMP metadata removed; -1 with a message for the log in
 * msg, *out NULL and *outlen 0.
 */
int	pdfstrip(const void *buf, size_t len, unsigned char **out,
	    size_t *outlen, char *msg, size_t msglen);

#endif /* !LAUREL_CORE_PDFSTRIP_H */
