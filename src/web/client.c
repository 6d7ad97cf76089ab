#include <kore/kore.h>
#include <kore/http.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "web/client.h"
#include "web/settings.h"

static void
client_peer(struct connection *c, char *out, size_t len)
{
	const void	*a;

	switch (c->family) {
	case AF_INET:
		a = &c->addr.ipv4.sin_addr;
		break;
	case AF_INET6:
		a = &c->addr.ipv6.sin6_addr;
		break;
	default:
		(void)snprintf(out, len, "local");
		return;
	}

	if (inet_ntop(c->family, a, out, len) == NULL)
		(void)snprintf(out, len, "unknown");
}

/* Is addr one of the comma-separated trusted proxies? */
static int
client_trusted(const char *addr)
{
	const char	*p, *end;
	size_t		 n;

	if (settings.trusted_proxies == NULL)
		return (0);

	n = strlen(addr);
	for (p = settings.trusted_proxies; *p != '\0'; p = end) {
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) == n && strncmp(p, addr, n) == 0)
			return (1);
		if (*end == ',')
			end++;
	}

	return (0);
}

/* The right-most X-Forwarded-For entry: the one our proxy added. */
static int
client_forwarded(struct http_request *req, char *out, size_t len)
{
	const char	*xff, *last;
	char		 tmp[CLIENT_ADDR_LEN];
	unsigned char	 bin[sizeof(struct in6_addr)];

	if (!http_request_header(req, "x-forwarded-for", &xff))
		return (0);

	last = strrchr(xff, ',');
	last = last != NULL ? last + 1 : xff;
	while (*last == ' ')
		last++;

	if (strlen(last) >= sizeof(tmp))
		return (0);
	(void)snprintf(tmp, sizeof(tmp), "%s", last);

	if (inet_pton(AF_INET, tmp, bin) != 1 &&
	    inet_pton(AF_INET6, tmp, bin) != 1)
		return (0);

	(void)snprintf(out, len, "%s", tmp);
	return (1);
}

void
client_addr(struct http_request *req, char *out, size_t len)
{
	client_peer(req->owner, out, len);

	if (client_trusted(out))
		(void)client_forwarded(req, out, len);
}

void
client_agent(struct http_request *req, char *out, size_t len)
{
	const char	*ua;

	if (!http_request_header(req, "user-agent", &ua))
		ua = "";
	(void)snprintf(out, len, "%s", ua);
}
