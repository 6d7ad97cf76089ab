#include <kore/kore.h>
#include <kore/http.h>

#include <sys/socket.h>

#include "core/httphead.h"
#include "web/gate.h"
#include "web/page.h"
#include "web/settings.h"

/*
 * Kore answers a path of HTTP_URI_LEN - 1 bytes or more with a bare 414
 * of its own; the query string counts, so the gate holds the whole target
 * to it.
 */
#define GATE_TARGET_MAX		(HTTP_URI_LEN - 2)

static int	gate_header_recv(struct netbuf *);
static int	gate_discard(struct netbuf *);

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
	struct httphead		 head;
	struct httphead_limits	 lim;
	int			 status;

	/*
	 * Kore reads a head into b_len bytes and, once they are full, asks
	 * recv() for none: the 0 it gets reads as EOF, and closing with the
	 * client's bytes unread resets the connection, unanswered.  So the
	 * core refuses a head that has not ended by then.
	 */
	lim.head_max = nb->b_len;
	lim.target_max = GATE_TARGET_MAX;
	lim.body_max = settings.body_max;
	lim.upload_max = settings.upload_max;

	status = httphead_check(&head, &lim, nb->buf, nb->s_off);
	if (status != HTTPHEAD_MORE && status != HTTPHEAD_OK) {
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
