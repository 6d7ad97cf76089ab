/* The public pages: the call, rules, privacy, and the health checks. */
#ifndef LAUREL_PUBLIC_H
#define LAUREL_PUBLIC_H

#include <kore/kore.h>
#include <kore/http.h>

int	public_home(struct http_request *);
int	public_rules(struct http_request *);
int	public_privacy(struct http_request *);
int	public_healthz(struct http_request *);
int	public_readyz(struct http_request *);

#endif
