/*
 * The published pages' cache and its listener (web/pubcache.h).
 *
 * The listener is a libpq connection of its own, not one of Kore's pool:
 * the pool hands a connection to any query and takes it back, and a
 * LISTEN lives as long as its session. It connects with
 * PQconnectStartParams()/PQconnectPoll(), so the worker never waits on
 * it, and its socket sits on Kore's event loop (struct kore_event, level
 * triggered for the direction libpq waits on):
 *
 *	OFF --timer, every second--> CONNECTING --PQconnectPoll ok-->
 *	SUBSCRIBING (LISTEN sent) --its answer--> ON
 *
 * and any failure, a connection closed, or 5 seconds without getting
 * there, goes back to OFF: the cache empties and stays off until ON.
 *
 * With a read replica the same connection asks the primary for its WAL
 * position (web/pubcache.h): after the LISTEN, then after each
 * notification, one query at a time. A notification heard while a
 * query runs asks again once it is done: that answer may have been
 * measured before the commit that notified.
 */

#include <sys/epoll.h>
#include <sys/queue.h>

#include <kore/kore.h>

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gzip.h"
#include "web/pubcache.h"
#include "web/settings.h"

#define PUBCACHE_BUCKETS	512		/* a power of two */
#define PUBCACHE_RETRY_MS	1000
#define PUBCACHE_CONNECT_MS	5000

/*
 * A backstop: no response is kept longer than this, whatever happens
 * (the footer's year turns too).
 */
#define PUBCACHE_AGE_MAX_MS	(3600 * 1000)

#define LISTEN_OFF		0
#define LISTEN_CONNECTING	1
#define LISTEN_SUBSCRIBING	2
#define LISTEN_ON		3

/* Kore dispatches on the first member; its type is ours alone. */
#define PUBCACHE_EVENT_TYPE	0x70630001

/* One block: the entry, then its key, type, body and gzip body. */
struct pubcache_entry {
	LIST_ENTRY(pubcache_entry)	 bucket;
	TAILQ_ENTRY(pubcache_entry)	 lru;	/* latest used first */
	uint32_t			 hash;
	int64_t				 expires; /* wall-clock ms */
	size_t				 size;	/* the block, for the bound */
	char				*key;
	char				*type;
	size_t				 len;
	char				*body;
	size_t				 gzlen;	/* 0: not worth it */
	char				*gz;
};

struct pubcache_listener {
	struct kore_event	 evt;	/* first: Kore's event pointer */
	PGconn			*conn;
	int			 state;
	int			 flushing; /* a query not all sent yet */
	int			 querying; /* its results not all read */
	int			 pending; /* a notification not asked about */
	int			 asking;  /* the primary's position asked */
	uint64_t		 since;	/* this attempt's start */
	int			 failed; /* logged once per outage */
	struct kore_timer	*timer;
};

/* A SIGHUP reload zeroes all of these (KORE.md #7): pubcache_start(). */
static LIST_HEAD(, pubcache_entry)	 buckets[PUBCACHE_BUCKETS];
static TAILQ_HEAD(pubcache_lru, pubcache_entry) lru;
static size_t				 count;
static size_t				 bytes;
static uint64_t				 generation;
static struct pubcache_listener		 listener;

/* The primary's WAL position a replica's page must have been read at. */
static uint64_t				 wal_needed;

static void	pubcache_tick(void *, uint64_t);
static void	pubcache_event(void *, int);
static void	pubcache_connect(void);
static void	pubcache_poll_connect(void);
static void	pubcache_subscribe(void);
static void	pubcache_input(void);
static int	pubcache_results(void);
static void	pubcache_subscribed(void);
static int	pubcache_position(PGresult *);
static void	pubcache_ask(void);
static void	pubcache_watch(int);
static void	pubcache_drop(const char *);
static void	pubcache_line(const char *, char *, size_t);
static void	pubcache_notice(void *, const char *);
static void	pubcache_remove(struct pubcache_entry *);

int64_t
pubcache_clock(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* FNV-1a: keys are short paths. */
static uint32_t
pubcache_hash(const char *key)
{
	uint32_t	h;

	for (h = 2166136261u; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;

	return (h);
}

void
pubcache_start(void)
{
	size_t	i;

	for (i = 0; i < PUBCACHE_BUCKETS; i++)
		LIST_INIT(&buckets[i]);
	TAILQ_INIT(&lru);
	count = 0;
	bytes = 0;
	generation = 0;
	wal_needed = 0;

	memset(&listener, 0, sizeof(listener));
	listener.evt.type = PUBCACHE_EVENT_TYPE;
	listener.evt.handle = pubcache_event;
	listener.state = LISTEN_OFF;
	listener.timer = kore_timer_add(pubcache_tick, PUBCACHE_RETRY_MS,
	    NULL, 0);
	pubcache_connect();
}

void
pubcache_stop(void)
{
	if (listener.timer != NULL) {
		kore_timer_remove(listener.timer);
		listener.timer = NULL;
	}
	listener.failed = 1;	/* quiet: this is no outage */
	pubcache_drop(NULL);
}

uint64_t
pubcache_generation(void)
{
	return (listener.state == LISTEN_ON ? generation : 0);
}

void
pubcache_flush(void)
{
	struct pubcache_entry	*e;

	while ((e = TAILQ_FIRST(&lru)) != NULL)
		pubcache_remove(e);
	generation++;
}

static void
pubcache_remove(struct pubcache_entry *e)
{
	LIST_REMOVE(e, bucket);
	TAILQ_REMOVE(&lru, e, lru);
	count--;
	bytes -= e->size;
	kore_free(e);
}

int
pubcache_get(const char *key, struct pubcache_hit *hit)
{
	struct pubcache_entry	*e;
	uint32_t		 h;

	if (pubcache_generation() == 0)
		return (0);

	h = pubcache_hash(key);
	LIST_FOREACH(e, &buckets[h & (PUBCACHE_BUCKETS - 1)], bucket) {
		if (e->hash == h && strcmp(e->key, key) == 0)
			break;
	}
	if (e == NULL)
		return (0);
	if (e->expires <= pubcache_clock()) {
		pubcache_remove(e);
		return (0);
	}

	TAILQ_REMOVE(&lru, e, lru);
	TAILQ_INSERT_HEAD(&lru, e, lru);
	hit->type = e->type;
	hit->body = e->body;
	hit->len = e->len;
	hit->gz = e->gzlen > 0 ? e->gz : NULL;
	hit->gzlen = e->gzlen;

	return (1);
}

/*
 * With a replica: whether a page read at position wal shows every
 * change notified so far. Without one, every page does.
 */
static int
pubcache_recent(uint64_t wal)
{
	if (settings.db_public == NULL)
		return (1);

	return (!listener.pending && !listener.asking && wal >= wal_needed);
}

void
pubcache_put(const char *key, uint64_t gen, uint64_t wal, const char *type,
    const void *body, size_t len, int64_t expires_ms)
{
	struct pubcache_entry	*e;
	void			*gz;
	size_t			 klen, tlen, size, gzlen;
	uint32_t		 h;
	int64_t			 now, cap;

	if (gen == 0 || gen != pubcache_generation() || !pubcache_recent(wal))
		return;
	now = pubcache_clock();
	cap = now + PUBCACHE_AGE_MAX_MS;
	if (expires_ms == 0 || expires_ms > cap)
		expires_ms = cap;
	if (expires_ms <= now)
		return;

	/* One response may take at most an eighth of the cache. */
	if (len > PUBCACHE_BYTES_MAX / 8)
		return;
	/* Compressed once here, sent so to every client that takes it. */
	if (gzip_compress(body, len, &gz, &gzlen) == -1)
		gzlen = 0;
	klen = strlen(key) + 1;
	tlen = strlen(type) + 1;
	size = sizeof(*e) + klen + tlen + len + gzlen;

	h = pubcache_hash(key);
	LIST_FOREACH(e, &buckets[h & (PUBCACHE_BUCKETS - 1)], bucket) {
		if (e->hash == h && strcmp(e->key, key) == 0) {
			pubcache_remove(e);
			break;
		}
	}
	while (count >= PUBCACHE_ENTRIES_MAX ||
	    bytes + size > PUBCACHE_BYTES_MAX) {
		if ((e = TAILQ_LAST(&lru, pubcache_lru)) == NULL)
			break;
		pubcache_remove(e);
	}

	e = kore_malloc(size);
	e->hash = h;
	e->expires = expires_ms;
	e->size = size;
	e->key = (char *)(e + 1);
	memcpy(e->key, key, klen);
	e->type = e->key + klen;
	memcpy(e->type, type, tlen);
	e->body = e->type + tlen;
	memcpy(e->body, body, len);
	e->len = len;
	e->gz = e->body + len;
	e->gzlen = gzlen;
	if (gzlen > 0)
		memcpy(e->gz, gz, gzlen);
	free(gz);
	LIST_INSERT_HEAD(&buckets[h & (PUBCACHE_BUCKETS - 1)], e, bucket);
	TAILQ_INSERT_HEAD(&lru, e, lru);
	count++;
	bytes += size;
}

/*
 * The listener.
 */

static void
pubcache_tick(void *arg, uint64_t now)
{
	(void)arg;

	switch (listener.state) {
	case LISTEN_OFF:
		pubcache_connect();
		break;
	case LISTEN_CONNECTING:
	case LISTEN_SUBSCRIBING:
		if (now - listener.since > PUBCACHE_CONNECT_MS)
			pubcache_drop("no answer within 5 seconds");
		break;
	}
}

/*
 * Kore's pool connects with the same string; the keepalives find a
 * database that vanished without closing the connection (a host down)
 * within about a minute rather than the system's two hours. A host
 * name in the string is resolved here, blocking, as Kore's own
 * connections do; an address or a socket folder is not.
 */
static void
pubcache_connect(void)
{
	static const char *const keys[] = { "dbname", "application_name",
	    "keepalives", "keepalives_idle", "keepalives_interval",
	    "keepalives_count", NULL };
	const char	*values[7];

	if (settings.db == NULL)
		return;
	values[0] = settings.db;
	values[1] = "laurel-pubcache";
	values[2] = "1";
	values[3] = "30";
	values[4] = "10";
	values[5] = "3";
	values[6] = NULL;

	listener.since = kore_time_ms();
	listener.flushing = 0;
	listener.conn = PQconnectStartParams(keys, values, 1);
	if (listener.conn == NULL) {
		pubcache_drop("out of memory");
		return;
	}
	if (PQstatus(listener.conn) == CONNECTION_BAD) {
		pubcache_drop(PQerrorMessage(listener.conn));
		return;
	}
	PQsetNoticeProcessor(listener.conn, pubcache_notice, NULL);
	listener.state = LISTEN_CONNECTING;
	/* libpq: at first, wait as if PQconnectPoll said WRITING. */
	pubcache_watch(EPOLLOUT);
}

/* Waits on the listener's socket for what (EPOLLIN, EPOLLOUT). */
static void
pubcache_watch(int what)
{
	int	fd;

	if ((fd = PQsocket(listener.conn)) < 0) {
		pubcache_drop("no socket");
		return;
	}
	kore_platform_event_schedule(fd, what | EPOLLRDHUP, 0, &listener.evt);
}

static void
pubcache_event(void *arg, int err)
{
	(void)arg;

	/* An event of a connection already closed, from the same batch. */
	if (listener.conn == NULL)
		return;

	switch (listener.state) {
	case LISTEN_CONNECTING:
		/* libpq tells a refused or reset connection itself. */
		pubcache_poll_connect();
		return;
	case LISTEN_SUBSCRIBING:
	case LISTEN_ON:
		pubcache_input();
		if (err && listener.conn != NULL)
			pubcache_drop("the connection was closed");
		return;
	}
}

static void
pubcache_poll_connect(void)
{
	switch (PQconnectPoll(listener.conn)) {
	case PGRES_POLLING_READING:
		pubcache_watch(EPOLLIN);
		break;
	case PGRES_POLLING_WRITING:
		pubcache_watch(EPOLLOUT);
		break;
	case PGRES_POLLING_OK:
		pubcache_subscribe();
		break;
	default:
		pubcache_drop(PQerrorMessage(listener.conn));
		break;
	}
}

/*
 * With a replica, the position is asked once the LISTEN is in force
 * (its transaction committed: a change committed before then notifies
 * nobody here), and is behind what nobody heard.
 */
static void
pubcache_subscribe(void)
{
	if (PQsetnonblocking(listener.conn, 1) == -1 ||
	    !PQsendQuery(listener.conn, "LISTEN " PUBCACHE_CHANNEL)) {
		pubcache_drop(PQerrorMessage(listener.conn));
		return;
	}
	listener.state = LISTEN_SUBSCRIBING;
	listener.flushing = 1;
	listener.querying = 1;
	listener.pending = settings.db_public != NULL;
	listener.asking = 0;
	pubcache_input();
}

/* After a notification: the primary's position, on the same connection. */
static void
pubcache_ask(void)
{
	if (!PQsendQuery(listener.conn, "SELECT awards_wal_position()")) {
		pubcache_drop(PQerrorMessage(listener.conn));
		return;
	}
	listener.flushing = 1;
	listener.querying = 1;
	listener.pending = 0;
	listener.asking = 1;
}

static void
pubcache_subscribed(void)
{
	if (listener.state != LISTEN_SUBSCRIBING)
		return;

	/* What was cached before may have missed a change. */
	listener.state = LISTEN_ON;
	pubcache_flush();
	kore_log(LOG_NOTICE, "pubcache: listening on %s%s", PUBCACHE_CHANNEL,
	    listener.failed ? " again, caching published pages" : "");
	listener.failed = 0;
}

/* The primary's position: 0, or -1 once the listener was dropped. */
static int
pubcache_position(PGresult *res)
{
	uint64_t	pos;

	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		pubcache_drop("the primary told no WAL position");
		return (-1);
	}
	pos = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	if (pos > wal_needed)
		wal_needed = pos;
	listener.asking = 0;

	return (0);
}

/*
 * The answers that came, in order: the LISTEN's, the positions'. 0, or
 * -1 once the listener was dropped.
 */
static int
pubcache_results(void)
{
	PGresult	*res;
	int		 r;

	while (!PQisBusy(listener.conn)) {
		if ((res = PQgetResult(listener.conn)) == NULL) {
			listener.querying = 0;
			break;
		}
		r = 0;
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
			pubcache_subscribed();
			break;
		case PGRES_TUPLES_OK:
			r = pubcache_position(res);
			break;
		default:
			pubcache_drop(PQerrorMessage(listener.conn));
			r = -1;
			break;
		}
		PQclear(res);
		if (r == -1)
			return (-1);
	}

	return (0);
}

/* Sends what is left, reads what came: answers, notifications. */
static void
pubcache_input(void)
{
	PGnotify	*n;
	int		 heard;

	if (listener.flushing) {
		switch (PQflush(listener.conn)) {
		case 0:
			listener.flushing = 0;
			break;
		case 1:
			break;
		default:
			pubcache_drop(PQerrorMessage(listener.conn));
			return;
		}
	}

	if (!PQconsumeInput(listener.conn)) {
		pubcache_drop(PQerrorMessage(listener.conn));
		return;
	}
	if (pubcache_results() == -1)
		return;

	heard = 0;
	while ((n = PQnotifies(listener.conn)) != NULL) {
		heard = 1;
		PQfreemem(n);
	}
	if (heard) {
		pubcache_flush();
		listener.pending = settings.db_public != NULL;
	}
	if (listener.pending && !listener.querying) {
		pubcache_ask();
		if (listener.conn == NULL)
			return;
	}

	pubcache_watch(listener.flushing ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/*
 * Closes the listener (why: NULL for no log line) and empties the cache,
 * which stays off until the timer has connected again. Closing the
 * socket takes it off the event loop: it is libpq's alone.
 */
static void
pubcache_drop(const char *why)
{
	char	line[256];

	if (why != NULL && !listener.failed) {
		pubcache_line(why, line, sizeof(line));
		kore_log(LOG_WARNING, "pubcache: not listening on %s (%s); "
		    "published pages are not cached until it is back",
		    PUBCACHE_CHANNEL, line);
		listener.failed = 1;
	}

	if (listener.conn != NULL) {
		PQfinish(listener.conn);
		listener.conn = NULL;
	}
	listener.state = LISTEN_OFF;
	listener.flushing = 0;
	listener.querying = 0;
	listener.pending = 0;
	listener.asking = 0;
	pubcache_flush();
}

/*
 * libpq's message as one line of ours: its first line, from after the
 * last severity it names ("... failed: FATAL:  the database system is
 * shutting down"): the log is read for words like that one.
 */
static void
pubcache_line(const char *src, char *buf, size_t len)
{
	static const char *const	 severities[] = {
		"FATAL:", "PANIC:", "ERROR:", "WARNING:", "NOTICE:", NULL
	};
	const char			*p;
	size_t				 n, i;

	(void)snprintf(buf, len, "%s", src != NULL ? src : "");
	buf[strcspn(buf, "\r\n")] = '\0';
	for (i = 0; severities[i] != NULL; i++) {
		while ((p = strstr(buf, severities[i])) != NULL) {
			p += strlen(severities[i]);
			p += strspn(p, " ");
			memmove(buf, p, strlen(p) + 1);
		}
	}
	if (buf[0] == '\0')
		(void)snprintf(buf, len, "connection lost");
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

/*
 * What the server says outside a query (the end of a session it
 * terminated): libpq would print it bare to stderr, which is Kore's log.
 */
static void
pubcache_notice(void *arg, const char *message)
{
	char	line[256];

	(void)arg;
	pubcache_line(message, line, sizeof(line));
	kore_log(LOG_NOTICE, "pubcache: the server says: %s", line);
}
