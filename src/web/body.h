/*
 * The request body as a form (urlencoded or multipart), parsed once per
 * request with the core parser: no 19-field limit, repeated keys kept in
 * order. A malformed body gets the 400 page with the parser's message.
 */
#ifndef LAUREL_WEB_BODY_H
#define LAUREL_WEB_BODY_H

#include <kore/kore.h>
#include <kore/http.h>

#include "core/form.h"

/* The parsed form, or NULL after the 400 page was sent. */
struct form	*body_form(struct http_request *);

/*
 * A document upload (the driver's BODY_UPLOAD): body_upload_start() puts
 * the parsing on a task thread (0), or says there is none to do (-1);
 * then body_uploaded() gives the form, or NULL after the 400 page.
 */
int		 body_upload_start(struct http_request *);
struct form	*body_uploaded(struct http_request *);

/* The query string parsed the same way (never fails: bad is empty). */
struct form	*body_query(struct http_request *);

/* A text field of the parsed form, "" when absent. */
const char	*body_get(struct http_request *, const char *name);

#endif
