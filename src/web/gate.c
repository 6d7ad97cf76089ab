#include <kore/kore.h>
#include <kore/http.h>

#include <sys/socket.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>

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

#define GATE_NO_ROOM	"The server could not store your upload just now, " \
	"so nothing was saved. Please try again later."

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
gate_refuse(struct connection *c, int status, const char *message)
{
	char		*resp;
	size_t		 len;

	resp = page_error_raw(status, message, &len);
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

static void
gate_no_room(struct connection *c, size_t len)
{
	kore_log(LOG_ERR, "gate: no room in %s for an upload of %zu bytes; "
	    "answered 503", http_body_disk_path, len);
	gate_refuse(c, 503, GATE_NO_ROOM);
}

/*
 * Kore writes the body's first bytes, those read with the head, to its
 * temporary file before the gate can reserve room (gate_reserve); where
 * even they cannot go, it would answer its bare 500.
 */
static int
gate_room(size_t content_length, size_t first)
{
	struct statvfs	st;

	if (http_body_disk_offload == 0 ||
	    content_length <= http_body_disk_offload || first == 0)
		return (1);
	/* Kore's own mkstemp(3) then says what is wrong. */
	if (statvfs(http_body_disk_path, &st) == -1 || st.f_frsize == 0)
		return (1);

	return (st.f_bavail > first / st.f_frsize);
}

/*
 * A body that goes to a temporary file gets the room for all of it at
 * once: a disk filling meanwhile (another upload, another program) would
 * fail one of Kore's writes half-way, and Kore answers that with its
 * bare 500 and a reset.  Without room the request is dropped, which
 * unlinks its file, and the site's 503 page answers.  A file system
 * without fallocate(2) is left to Kore's writes.
 */
static void
gate_reserve(struct connection *c)
{
	struct http_request	*req;

	TAILQ_FOREACH(req, &c->http_requests, olist) {
		if (req->http_body_fd != -1 &&
		    (req->flags & HTTP_REQUEST_EXPECT_BODY) &&
		    !(req->flags & HTTP_REQUEST_DELETE))
			break;
	}
	if (req == NULL)
		return;

	if (fallocate(req->http_body_fd, 0, 0,
	    (off_t)req->http_body_length) == 0)
		return;
	if (errno != ENOSPC && errno != EDQUOT)
		return;

	req->flags |= HTTP_REQUEST_DELETE;
	http_request_wakeup(req);
	c->rnb->extra = NULL;
	gate_no_room(c, req->http_body_length);
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
		gate_refuse(nb->owner, status, NULL);
		return (KORE_RESULT_OK);
	}
	if (status == HTTPHEAD_OK &&
	    !gate_room(head.content_length, nb->s_off - head.len)) {
		gate_no_room(nb->owner, head.content_length);
		return (KORE_RESULT_OK);
	}

	if (http_header_recv(nb) != KORE_RESULT_OK)
		return (KORE_RESULT_ERROR);
	gate_reserve(nb->owner);

	return (KORE_RESULT_OK);
}

/* Whatever arrives after a refusal is dropped until the close. */
static int
gate_discard(struct netbuf *nb)
{
	nb->s_off = 0;
	return (KORE_RESULT_OK);
}
