#include <kore/kore.h>
#include <kore/http.h>

#include <sys/socket.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/gate.h"
#include "web/page.h"
#include "web/settings.h"

static int	gate_header_recv(struct netbuf *);
static int	gate_discard(struct netbuf *);
static int	gate_check(const char *, size_t);
static int	gate_request_line(const char *, size_t, int *);
static int	gate_body(const char *, size_t, size_t);
static size_t	gate_body_limit(const char *, size_t);
static int	gate_headers_ok(const char *, size_t);
static const char	*gate_header(const char *, size_t, const char *, size_t *);

void
gate_connect(struct connection *c)
{
	c->proto = CONN_PROTO_HTTP;
	if (http_keepalive_time != 0)
		c->idle_timer.length = http_keepalive_time * 1000;

	net_recv_queue(c, http_header_max, NETBUF_CALL_CB_ALWAYS,
	    gate_header_recv);
}

void
gate_rearm(struct connection *c)
{
	if (c->rnb != NULL && c->rnb->cb == http_header_recv)
		c->rnb->cb = gate_header_recv;
}

static void
gate_refuse(struct connection *c, int status)
{
	char		*resp;
	size_t		 len;

	resp = page_error_raw(status, NULL, &len);
	net_send_queue(c, resp, len);
	kore_free(resp);

	/*
	 * Write now rather than wait for the next writable event, then close
	 * only our side and drain what the client still sends: closing with
	 * unread bytes would make the kernel reset the connection and the
	 * client could lose the answer (a lingering close, as nginx does).
	 * The idle timer or the client's EOF ends the connection.
	 */
	c->evt.flags |= KORE_EVENT_WRITE;
	c->rnb->cb = gate_discard;
	/* A full buffer would make Kore's next recv() ask for 0 bytes: EOF. */
	c->rnb->s_off = 0;
	if (!net_send_flush(c)) {
		kore_connection_disconnect(c);
		return;
	}

	if (TAILQ_EMPTY(&c->send_queue))
		(void)shutdown(c->fd, SHUT_WR);
	else
		c->flags |= CONN_CLOSE_EMPTY;
}

static int
gate_header_recv(struct netbuf *nb)
{
	int		 status;

	status = gate_check((const char *)nb->buf, nb->s_off);
	if (status != 0) {
		gate_refuse(nb->owner, status);
		return (KORE_RESULT_OK);
	}

	return (http_header_recv(nb));
}

/* Whatever arrives after a refusal is dropped until the close. */
static int
gate_discard(struct netbuf *nb)
{
	nb->s_off = 0;
	return (KORE_RESULT_OK);
}

/*
 * Returns 0 when Kore may go on (the head is fine or not complete yet),
 * or the status to refuse the request with.
 */
static int
gate_check(const char *buf, size_t len)
{
	const char	*end;
	size_t		 hlen, vlen;
	int		 status, has_body;

	end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL)
		end = memmem(buf, len, "\n\n", 2);
	if (end == NULL)
		return (0);
	hlen = end - buf;

	if ((status = gate_request_line(buf, hlen, &has_body)) != 0)
		return (status);
	if (!gate_headers_ok(buf, hlen))
		return (400);
	/* Kore needs a Host to pick the domain; without one it answers bare. */
	if (gate_header(buf, hlen, "host:", &vlen) == NULL)
		return (400);
	if (has_body)
		return (gate_body(buf, hlen, gate_body_limit(buf, hlen)));

	return (0);
}

static const struct {
	const char	*name;
	int		 body;
} gate_methods[] = {
	{ "GET", 0 }, { "HEAD", 0 }, { "DELETE", 0 }, { "OPTIONS", 0 },
	{ "POST", 1 }, { "PUT", 1 }, { "PATCH", 1 },
	{ NULL, 0 }
};

static int
gate_method(const char *m, size_t len, int *has_body)
{
	int		 i;

	for (i = 0; gate_methods[i].name != NULL; i++) {
		if (strlen(gate_methods[i].name) == len &&
		    memcmp(gate_methods[i].name, m, len) == 0) {
			*has_body = gate_methods[i].body;
			return (0);
		}
	}

	return (405);
}

static int
gate_request_line(const char *buf, size_t hlen, int *has_body)
{
	const char	*eol, *sp1, *sp2, *ver;
	size_t		 llen, plen;

	eol = memchr(buf, '\n', hlen);
	llen = eol != NULL ? (size_t)(eol - buf) : hlen;
	if (llen > 0 && buf[llen - 1] == '\r')
		llen--;

	if ((sp1 = memchr(buf, ' ', llen)) == NULL)
		return (400);
	if (gate_method(buf, sp1 - buf, has_body) != 0)
		return (405);

	sp2 = memchr(sp1 + 1, ' ', llen - (sp1 + 1 - buf));
	if (sp2 == NULL)
		return (400);
	plen = sp2 - (sp1 + 1);
	if (plen == 0 || sp1[1] != '/')
		return (400);
	if (plen >= HTTP_URI_LEN - 1)
		return (414);

	ver = sp2 + 1;
	if ((size_t)(buf + llen - ver) != 8 ||
	    (strncasecmp(ver, "HTTP/1.1", 8) && strncasecmp(ver, "HTTP/1.0", 8)))
		return (400);

	return (0);
}

/*
 * Every header line is "Name: value" with a value (Kore answers an empty
 * one, or a line without a colon, with a bare 400 of its own).
 */
static int
gate_headers_ok(const char *buf, size_t hlen)
{
	const char	*p, *end, *eol, *colon, *v;

	end = buf + hlen;
	if ((p = memchr(buf, '\n', hlen)) == NULL)
		return (1);

	for (p++; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		colon = memchr(p, ':', eol - p);
		if (colon == NULL || colon == p)
			return (0);
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t' ||
		    *v == '\r'); v++)
			;
		if (v == eol)
			return (0);
	}

	return (1);
}

/* The value of header name (with its colon) in the head, or NULL. */
static const char *
gate_header(const char *buf, size_t hlen, const char *name, size_t *vlen)
{
	const char	*p, *end, *eol;
	size_t		 nlen;

	nlen = strlen(name);
	end = buf + hlen;
	for (p = memchr(buf, '\n', hlen); p != NULL && p < end; p = eol) {
		p++;
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		if ((size_t)(eol - p) <= nlen || strncasecmp(p, name, nlen))
			continue;
		p += nlen;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		*vlen = eol - p;
		if (*vlen > 0 && p[*vlen - 1] == '\r')
			(*vlen)--;
		return (p);
	}

	return (NULL);
}

/*
 * Document uploads (POST /applications/{id}/files) may be as large as the
 * largest file a round can allow; every other body is a form.
 */
static size_t
gate_body_limit(const char *buf, size_t hlen)
{
	static const char	 prefix[] = "/applications/";
	static const char	 suffix[] = "/files";
	const char		*p, *end;

	end = buf + hlen;
	if ((p = memchr(buf, ' ', hlen)) == NULL)
		return (settings.body_max);
	p++;
	if ((size_t)(end - p) < sizeof(prefix) - 1 ||
	    memcmp(p, prefix, sizeof(prefix) - 1) != 0)
		return (settings.body_max);
	p += sizeof(prefix) - 1;
	if (p >= end || !isdigit((unsigned char)*p))
		return (settings.body_max);
	while (p < end && isdigit((unsigned char)*p))
		p++;
	if ((size_t)(end - p) < sizeof(suffix) ||
	    memcmp(p, suffix, sizeof(suffix) - 1) != 0 ||
	    p[sizeof(suffix) - 1] != ' ')
		return (settings.body_max);

	return (settings.upload_max);
}

static int
gate_body(const char *buf, size_t hlen, size_t limit)
{
	const char	*v;
	size_t		 vlen, i, n;

	if (gate_header(buf, hlen, "transfer-encoding:", &vlen) != NULL)
		return (411);
	if ((v = gate_header(buf, hlen, "content-length:", &vlen)) == NULL)
		return (411);
	if (vlen == 0 || vlen > 19)
		return (vlen == 0 ? 400 : 413);

	n = 0;
	for (i = 0; i < vlen; i++) {
		if (!isdigit((unsigned char)v[i]))
			return (400);
		n = n * 10 + (size_t)(v[i] - '0');
	}

	if (n > limit)
		return (413);

	return (0);
}
