/*
 * The gate looks at a request's head before Kore does, so that what Kore
 * would refuse with a bare text answer (a body over the limit, an unknown
 * method, a malformed request line) or not answer at all (a head larger
 * than its buffer) gets the site's own error page, and an oversized body
 * is refused before a byte of it is read.  The checks are core/httphead.c.
 */
#ifndef LAUREL_WEB_GATE_H
#define LAUREL_WEB_GATE_H

#include <kore/kore.h>

/* Listener callback: "bind 127.0.0.1 8888 gate_connect" in the config. */
void	gate_connect(struct connection *);

/* Kore re-arms its own header reader after each response; take it back. */
void	gate_rearm(struct connection *);

#endif
