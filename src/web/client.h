/*
 * The client's address: the peer, or X-Forwarded-For when the peer is a
 * trusted proxy (LAUREL_TRUSTED_PROXIES), never a header anyone can set.
 */
#ifndef LAUREL_WEB_CLIENT_H
#define LAUREL_WEB_CLIENT_H

#include <kore/kore.h>
#include <kore/http.h>

#define CLIENT_ADDR_LEN	64

/* Writes the address as text (INET6_ADDRSTRLEN fits). */
void	client_addr(struct http_request *, char *, size_t);

/* The User-Agent, cut to a sane length, "" when absent. */
void	client_agent(struct http_request *, char *, size_t);

#endif
