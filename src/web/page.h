/*
 * Every response leaves through here: the security headers, the one
 * layout, the error pages, redirects. Handlers fill ctx->data and call
 * page_render(); nothing else writes a response body.
 */
#ifndef LAUREL_WEB_PAGE_H
#define LAUREL_WEB_PAGE_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

/* Parses the embedded templates; 0, or -1 after a log line naming it. */
int	page_init(void);

/* Renders template name with the request's ctx->data, in the layout. */
int	page_render(struct http_request *, int status, const char *name);

/* The error page for status, with message (NULL: the status's own). */
int	page_error(struct http_request *, int status, const char *message);

/*
 * The 429 page: "Too many WHAT. Please try again in N minutes.", with a
 * Retry-After of seconds (as the throttle in the database said).
 */
int	page_throttled(struct http_request *, const char *what,
	    const char *seconds);

/* A plain text answer (health checks). */
int	page_text(struct http_request *, int status, const char *text);

/* 303 See Other to a local path. */
int	page_redirect(struct http_request *, const char *path);

/* 1 if the request's method is in methods, else sends the 405 page. */
int	page_allow(struct http_request *, int methods);

/* Sends body as is, with the headers every response carries. */
void	page_send(struct http_request *, int status, const char *type,
	    const void *body, size_t len);
/*
 * The same, for a body the caller hands over (malloc'd): release() gets
 * it back once Kore has sent it, or at once. A large one is sent from
 * where it is, not copied into Kore's buffer.
 */
void	page_send_owned(struct http_request *, int status, const char *type,
	    void *body, size_t len, void (*release)(void *, size_t));
/* For a body that must not stay in freed memory (documents): zeroed. */
void	page_release_wipe(void *, size_t);

/*
 * A complete HTTP/1.1 response (status line, headers, error page body)
 * for answering before a request exists (web/gate.c). Caller frees.
 */
char	*page_error_raw(int status, const char *message, size_t *len);

/*
 * A page's HTML (a template that extends the layout), for an answer that
 * does not go through page_render(): a cached public page. NULL when
 * there is no such template; free().
 */
char	*page_html(const char *name, json_t *data, size_t *len);

/* A plain-text template (e-mails) rendered without the layout; free(). */
char	*page_plain(const char *name, json_t *data);

/* The absolute URL of a local path, for links in e-mails. Caller frees. */
char	*page_url(const char *path);

/* Handler for every path no route claims: the 404 page. */
int	page_not_found(struct http_request *);

#endif
