/*
 * db_start()/db_poll() drive a kore_pgsql through its states for the
 * driver (web/handler.c):
 *
 *	IDLE --setup+send--> WAIT --RESULT/DONE--> (next state)
 *	  \--pool full: queued--> SETUP --woken--> IDLE
 *
 * and turns every failure into one page: 503 when the database cannot be
 * reached (the connection is reset so the pool recovers by itself once
 * PostgreSQL is back, KORE.md #6), 500 for anything else.
 *
 * A query that names DB_PUBLIC goes to the read replica when one is set
 * (LAUREL_DB_PUBLIC), and to the primary when it fails there: whatever
 * the replica's trouble, the primary has the same data or newer, so a
 * visitor gets the page rather than a 503, and the instance stays ready
 * for everybody else (/readyz asks the primary alone). A replica found
 * unreachable is left alone for DB_REPLICA_REST_MS, then one query tries
 * it again: Kore connects synchronously, and a worker must not wait on
 * a dead host for every public page (connect_timeout bounds that one).
 *
 * Every statement is prepared once per connection and executed by name
 * from then on (issue 16): a page's query was otherwise parsed, analysed
 * and planned on every request, about 40 us of PostgreSQL's CPU for a
 * signed-in page, more than the session check itself costs prepared.
 * The first time a connection meets a text it sends PREPARE, then the
 * execution: one round trip more, once. What each connection has
 * prepared lives with it, in libpq's instance data (core/stmtset.h),
 * and goes with it when Kore closes it or libpq resets it.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libpq-events.h>

#include "core/outcome.h"
#include "core/stmtset.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/page.h"
#include "web/settings.h"

#define DB_PARAMS_MAX	64

#define DB_REPLICA_REST_MS	10000

/*
 * libpq keeps a connection's send and receive buffers at the size of
 * the largest message they ever held, for the connection's life: a
 * 10 MiB document leaves 16 MiB resident in the connection that carried
 * it. In one pool, every one of a worker's pgsql_conn_max connections
 * would end up that size (issue 16: a worker grew to 184 MiB over the
 * bench). So the queries that carry documents (binary parameters or a
 * binary result: an upload, a download, the ZIP export) have a pool of
 * their own, of DB_BULK_CONNS connections per worker; more of them at
 * once wait for one, as any query waits for a full pool.
 */
#define DB_BULK			"bulk"
#define DB_BULK_CONNS		2

/*
 * Any other query whose parameters or one row of its result exceed
 * this (a page's data is a few hundred KiB at most) closes its
 * connection once done, so that its buffers go too; the next query
 * that finds the pool short opens a connection, as Kore opens them all.
 */
#define DB_FAT_BYTES		(4 * 1024 * 1024)

/* A query's text and parameters, kept until it is done (db_start). */
struct db_keep {
	char		*sql;
	const char	*values[DB_PARAMS_MAX];
	size_t		 lengths[DB_PARAMS_MAX];
	int		 binary[DB_PARAMS_MAX];
};

#define DB_IDLE		0
#define DB_QUEUED	1
#define DB_WAIT		2

/* What the connection is doing for the query (ctx->db_step). */
#define DB_STEP_QUERY		0	/* sent as it is */
#define DB_STEP_PREPARE		1	/* PREPARE, the execution next */
#define DB_STEP_EXECUTE		2	/* executed by name */

/* What db.c keeps of a connection, as libpq's instance data. */
struct db_conn {
	struct stmtset	prepared;
};

/*
 * Whether this worker last found the database unreachable: an outage is
 * logged once when it starts and once when it ends, not per request.
 */
static int	db_down;

/* The same for the replica, and when it may be tried again. */
static int	db_replica_down;
static uint64_t	db_replica_retry;

/*
 * The requests of this worker waiting in Kore's queue for a connection.
 * Kore wakes one when a connection is released, but not when it drops a
 * broken one (pgsql_conn_cleanup): then the pool has room and nobody
 * would be told, and the queue would wait forever. A zeroed LIST_HEAD
 * is an empty list (a SIGHUP reload zeroes it).
 */
static LIST_HEAD(, ctx)	db_queue;

static int	db_send(struct http_request *, struct ctx *,
		    const struct db_params *);
static struct db_conn *db_conn_of(PGconn *);
static int	db_event(PGEventId, void *, void *);
static void	db_args(const struct db_params *, const char **, int *,
		    int *);
static int	db_send_prepared(struct ctx *, struct db_conn *,
		    const struct db_params *);
static int	db_execute(struct ctx *);
static int	db_prepared(struct http_request *, struct ctx *);
static int	db_stale(struct http_request *, struct ctx *);
static void	db_schedule(struct kore_pgsql *);
static int	db_stale_plan(struct kore_pgsql *);
static int	db_use_replica(const struct db_params *);
static int	db_on_replica(struct ctx *);
static int	db_fallback(struct http_request *, struct ctx *, int,
		    const char *);
static void	db_released(const char *);
static const char *db_pool(const struct db_params *);
static int	db_fat(struct ctx *);
static void	db_retire(struct pgsql_conn *);
static void	db_reachable(int);
static void	db_keep(struct ctx *, const struct db_params *);
static void	db_forget(struct ctx *);
static void	db_unqueue(struct ctx *);
static void	db_wake_queue(void);
static int	db_collect(struct http_request *, struct ctx *);
static int	db_fail(struct http_request *, struct ctx *);
static int	db_unreachable(struct kore_pgsql *);
static int	db_published(struct kore_pgsql *);
static void	db_message(struct kore_pgsql *, char *, size_t);
static void	db_line(const char *, char *, size_t);
static void	db_notice(void *, const char *);

int
db_register(void)
{
	u_int16_t	conn_max;
	int		ok;

	if (!kore_pgsql_register(DB_NAME, settings.db)) {
		kore_log(LOG_ERR, "db: could not register the database");
		return (-1);
	}

	/* Kore gives each database the pgsql_conn_max of the moment. */
	conn_max = pgsql_conn_max;
	pgsql_conn_max = DB_BULK_CONNS;
	ok = kore_pgsql_register(DB_BULK, settings.db);
	pgsql_conn_max = conn_max;
	if (!ok) {
		kore_log(LOG_ERR, "db: could not register the database");
		return (-1);
	}
	if (settings.db_public != NULL &&
	    !kore_pgsql_register(DB_PUBLIC, settings.db_public)) {
		kore_log(LOG_ERR, "db: could not register the read replica");
		return (-1);
	}

	return (0);
}

static int
db_send(struct http_request *req, struct ctx *ctx, const struct db_params *p)
{
	struct db_conn	*dc;
	const char	*values[DB_PARAMS_MAX];
	int		 i, lengths[DB_PARAMS_MAX], formats[DB_PARAMS_MAX];

	if (p->nparams < 0 || p->nparams > DB_PARAMS_MAX)
		fatal("db_send: %d parameters", p->nparams);

	ctx->db_pool = db_pool(p);
	ctx->db_step = DB_STEP_QUERY;
	if (!kore_pgsql_setup(&ctx->sql, ctx->db_pool, KORE_PGSQL_ASYNC)) {
		/* Still INIT: every connection is busy, we sleep in the queue. */
		if (ctx->sql.state == KORE_PGSQL_STATE_INIT) {
			ctx->db_state = DB_QUEUED;
			ctx->db_req = req;
			LIST_INSERT_HEAD(&db_queue, ctx, db_queued);
			return (DB_POLL_WAIT);
		}
		return (db_fail(req, ctx));
	}

	if (ctx->res != NULL) {
		PQclear(ctx->res);
		ctx->res = NULL;
	}

	ctx->db_sent = strlen(p->sql);
	for (i = 0; i < p->nparams; i++) {
		if (p->binary != NULL && p->binary[i])
			ctx->db_sent += p->lengths[i];
		else if (p->values[i] != NULL)
			ctx->db_sent += strlen(p->values[i]);
	}

	dc = db_conn_of(ctx->sql.conn->db);
	if (dc != NULL && !ctx->db_resent && db_send_prepared(ctx, dc, p)) {
		ctx->db_state = DB_WAIT;
		return (DB_POLL_WAIT);
	}

	ctx->db_step = DB_STEP_QUERY;
	db_args(p, values, lengths, formats);
	if (!kore_pgsql_query_param_fields(&ctx->sql, p->sql, p->result_binary,
	    p->nparams, values, lengths, formats))
		return (db_fail(req, ctx));

	ctx->db_state = DB_WAIT;
	return (DB_POLL_WAIT);
}

/* libpq's arrays for p's parameters. */
static void
db_args(const struct db_params *p, const char **values, int *lengths,
    int *formats)
{
	int	i;

	for (i = 0; i < p->nparams; i++) {
		values[i] = p->values[i];
		formats[i] = p->binary != NULL && p->binary[i];
		if (formats[i])
			lengths[i] = (int)p->lengths[i];
		else if (values[i] != NULL)
			lengths[i] = (int)strlen(values[i]);
		else
			lengths[i] = 0;
	}
}

/*
 * Sends p by name, or its PREPARE first when this connection has not
 * met its text (the query is kept: its execution is sent from the
 * copy, once the PREPARE is done). 0 when it goes unprepared: the
 * connection's set is full, or libpq refused.
 */
static int
db_send_prepared(struct ctx *ctx, struct db_conn *dc,
    const struct db_params *p)
{
	if (ctx->kept == NULL)
		db_keep(ctx, p);

	if (stmtset_find(&dc->prepared, p->sql, ctx->db_stmt))
		return (db_execute(ctx));

	if (!stmtset_add(&dc->prepared, p->sql, ctx->db_stmt))
		return (0);
	if (!PQsendPrepare(ctx->sql.conn->db, ctx->db_stmt, p->sql,
	    p->nparams, NULL)) {
		stmtset_pop(&dc->prepared);
		return (0);
	}

	ctx->db_step = DB_STEP_PREPARE;
	db_schedule(&ctx->sql);

	return (1);
}

/* The kept query, by the name in ctx->db_stmt. */
static int
db_execute(struct ctx *ctx)
{
	const char	*values[DB_PARAMS_MAX];
	int		 lengths[DB_PARAMS_MAX], formats[DB_PARAMS_MAX];

	db_args(&ctx->pending, values, lengths, formats);
	if (!PQsendQueryPrepared(ctx->sql.conn->db, ctx->db_stmt,
	    ctx->pending.nparams, values, lengths, formats,
	    ctx->pending.result_binary))
		return (0);

	ctx->db_step = DB_STEP_EXECUTE;
	db_schedule(&ctx->sql);

	return (1);
}

/*
 * What Kore's own send does once a query is out (its pgsql_schedule()
 * is static): wait for the socket, and let the request sleep until
 * Kore's read of it wakes the request.
 */
static void
db_schedule(struct kore_pgsql *sql)
{
	int	fd;

	if ((fd = PQsocket(sql->conn->db)) < 0)
		fatal("db_schedule: the connection has no socket");

	kore_platform_schedule_read(fd, sql->conn);
	sql->state = KORE_PGSQL_STATE_WAIT;
	sql->flags |= KORE_PGSQL_SCHEDULED;
	if (sql->req != NULL)
		http_request_sleep(sql->req);
}

/*
 * The PREPARE is done (its COMMAND_OK was read, or the end of it): once
 * libpq has read the end of it too, send the execution. Kore has not
 * released the connection: a PREPARE is not the query's answer.
 */
static int
db_prepared(struct http_request *req, struct ctx *ctx)
{
	PGconn		*conn;
	PGresult	*r;

	if (ctx->sql.result != NULL) {
		PQclear(ctx->sql.result);
		ctx->sql.result = NULL;
	}

	conn = ctx->sql.conn->db;
	if (!PQconsumeInput(conn))
		return (db_fail(req, ctx));
	if (PQisBusy(conn)) {
		/* Its ReadyForQuery is still on the way: Kore wakes us. */
		ctx->sql.state = KORE_PGSQL_STATE_WAIT;
		http_request_sleep(req);
		return (DB_POLL_WAIT);
	}
	while ((r = PQgetResult(conn)) != NULL)
		PQclear(r);

	if (!db_execute(ctx)) {
		ctx->sql.error = kore_strdup(PQerrorMessage(conn));
		ctx->sql.state = KORE_PGSQL_STATE_ERROR;
		return (db_fail(req, ctx));
	}

	return (DB_POLL_WAIT);
}

/*
 * The connection's own state: what it has prepared. Registered the
 * first time db.c holds the connection (Kore opens them itself), with
 * the notice processor; NULL if libpq refuses, and the query goes
 * unprepared.
 */
static struct db_conn *
db_conn_of(PGconn *conn)
{
	struct db_conn	*dc;

	if ((dc = PQinstanceData(conn, db_event)) != NULL)
		return (dc);

	PQsetNoticeProcessor(conn, db_notice, NULL);
	if (!PQregisterEventProc(conn, db_event, "laurel", NULL))
		return (NULL);
	if ((dc = calloc(1, sizeof(*dc))) == NULL)
		return (NULL);
	stmtset_init(&dc->prepared);
	if (!PQsetInstanceData(conn, db_event, dc)) {
		free(dc);
		return (NULL);
	}

	return (dc);
}

/*
 * libpq's events: a reset connection is a new session, with nothing
 * prepared; a finished one takes its state with it.
 */
static int
db_event(PGEventId id, void *info, void *pass)
{
	struct db_conn	*dc;
	PGconn		*conn;

	(void)pass;
	switch (id) {
	case PGEVT_CONNRESET:
		conn = ((PGEventConnReset *)info)->conn;
		if ((dc = PQinstanceData(conn, db_event)) != NULL)
			stmtset_clear(&dc->prepared);
		break;
	case PGEVT_CONNDESTROY:
		conn = ((PGEventConnDestroy *)info)->conn;
		if ((dc = PQinstanceData(conn, db_event)) != NULL) {
			stmtset_clear(&dc->prepared);
			free(dc);
		}
		break;
	default:
		break;
	}

	return (1);
}

static int
db_collect(struct http_request *req, struct ctx *ctx)
{
	struct pgsql_conn	*conn;

	for (;;) {
		switch (ctx->sql.state) {
		case KORE_PGSQL_STATE_WAIT:
			/*
			 * An error or hang-up on the socket makes Kore free the
			 * connection and wake us with the state left at WAIT
			 * (pgsql_conn_cleanup): without a connection no answer
			 * will come, and waiting would hang the request.
			 */
			if (ctx->sql.conn == NULL) {
				db_wake_queue();
				return (db_fail(req, ctx));
			}
			return (DB_POLL_WAIT);
		case KORE_PGSQL_STATE_RESULT:
			/* Keep the rows; Kore would clear them on continue. */
			if (ctx->res != NULL)
				PQclear(ctx->res);
			ctx->res = ctx->sql.result;
			ctx->sql.result = NULL;
			kore_pgsql_continue(&ctx->sql);
			break;
		case KORE_PGSQL_STATE_DONE:
			if (ctx->db_step == DB_STEP_PREPARE)
				return (db_prepared(req, ctx));
			if (ctx->res == NULL) {
				ctx->res = ctx->sql.result;
				ctx->sql.result = NULL;
			}
			conn = ctx->sql.conn;
			kore_pgsql_continue(&ctx->sql);
			kore_pgsql_cleanup(&ctx->sql);
			if (db_fat(ctx))
				db_retire(conn);
			ctx->db_state = DB_IDLE;
			db_released(ctx->db_pool);
			db_reachable(db_on_replica(ctx));
			return (DB_POLL_DONE);
		case KORE_PGSQL_STATE_ERROR:
			return (db_fail(req, ctx));
		default:
			/* NOTIFY and COMPLETE cannot happen for a plain query. */
			kore_log(LOG_ERR, "db: unexpected pgsql state %d",
			    ctx->sql.state);
			return (db_fail(req, ctx));
		}
	}
}

/* The pool a query goes to: the replica's, the documents', or the main. */
static const char *
db_pool(const struct db_params *p)
{
	int	i;

	if (p->db != NULL)
		return (p->db);
	if (p->result_binary)
		return (DB_BULK);
	/* A kept query has a binary array of its own, all 0 for text. */
	for (i = 0; p->binary != NULL && i < p->nparams; i++) {
		if (p->binary[i])
			return (DB_BULK);
	}

	return (DB_NAME);
}

/*
 * Whether the query just done, outside the documents' pool, sent or
 * received a message over DB_FAT_BYTES: its parameters, or one row of
 * its result (libpq reads a result a message, that is a row, at a time).
 */
static int
db_fat(struct ctx *ctx)
{
	size_t	row;
	int	r, c, rows, cols;

	if (strcmp(ctx->db_pool, DB_BULK) == 0)
		return (0);
	if (ctx->db_sent > DB_FAT_BYTES)
		return (1);
	if (ctx->res == NULL)
		return (0);

	rows = PQntuples(ctx->res);
	cols = PQnfields(ctx->res);
	for (r = 0; r < rows; r++) {
		row = 0;
		for (c = 0; c < cols; c++)
			row += (size_t)PQgetlength(ctx->res, r, c);
		if (row > DB_FAT_BYTES)
			return (1);
	}

	return (0);
}

/*
 * Closes a connection that is back in the pool (its buffers go with it).
 * Kore's own way to drop a connection, as after a socket error: out of
 * the free list, PQfinish(), one fewer counted for its database.
 */
static void
db_retire(struct pgsql_conn *conn)
{
	/* Released just now: nothing can have taken it since. */
	if (conn == NULL || conn->job != NULL)
		return;
	kore_pgsql_handle(conn, 1);
	db_wake_queue();
}

/* A query came back: the outage of its database, if any, is over. */
static void
db_reachable(int replica)
{
	if (replica && db_replica_down) {
		db_replica_down = 0;
		kore_log(LOG_NOTICE, "db: the read replica is reachable "
		    "again; the public pages read it");
	} else if (!replica && db_down) {
		db_down = 0;
		kore_log(LOG_NOTICE, "db: database reachable again");
	}
}

/*
 * A query failed. If its connection is dead (PostgreSQL restarted, or
 * went away), reset it so that the pool heals by itself: Kore would keep
 * handing out the broken connection forever otherwise.
 */
static int
db_fail(struct http_request *req, struct ctx *ctx)
{
	struct pgsql_conn	*conn;
	struct db_conn		*dc;
	char			 msg[256];
	int			 unreachable, published;

	conn = ctx->sql.conn;
	if (conn != NULL && ctx->db_step == DB_STEP_PREPARE &&
	    (dc = PQinstanceData(conn->db, db_event)) != NULL)
		stmtset_pop(&dc->prepared);
	if (conn != NULL && ctx->db_step == DB_STEP_EXECUTE &&
	    !ctx->db_resent && db_stale_plan(&ctx->sql))
		return (db_stale(req, ctx));

	unreachable = db_unreachable(&ctx->sql);
	published = db_published(&ctx->sql);
	db_message(&ctx->sql, msg, sizeof(msg));

	/*
	 * libpq closes the socket of a dead connection; Kore would then ask
	 * epoll to forget fd -1 and kill the worker. The kernel already
	 * forgot the closed socket, so skip that step (and the pointless
	 * cancel request to a server that is gone).
	 */
	if (conn != NULL && PQstatus(conn->db) == CONNECTION_BAD)
		ctx->sql.flags &= ~KORE_PGSQL_SCHEDULED;

	/*
	 * An error the server answered with: its query is over. Kore would
	 * still send a cancel request for it, as for a query that runs on
	 * (a new connection to the server, made while the worker waits,
	 * and a process the server starts to read it: one per failing
	 * query, a refused change to a published round included). Released
	 * as done, its connection is drained of the rest of the answer.
	 */
	if (conn != NULL && ctx->sql.result != NULL &&
	    PQstatus(conn->db) == CONNECTION_OK)
		ctx->sql.state = KORE_PGSQL_STATE_DONE;
	kore_pgsql_cleanup(&ctx->sql);
	ctx->db_state = DB_IDLE;
	if (conn != NULL)
		db_released(ctx->db_pool);

	/* After release the connection is back in Kore's free list. */
	if (conn != NULL && PQstatus(conn->db) == CONNECTION_BAD) {
		unreachable = 1;
		PQreset(conn->db);
	}

	if (db_on_replica(ctx))
		return (db_fallback(req, ctx, unreachable, msg));

	if (published) {
		return (page_error(req, 409, "This round has been published: "
		    "nothing in it can change any more."), DB_POLL_FAILED);
	}
	if (!unreachable) {
		kore_log(LOG_ERR, "db: query failed on %s: %s", req->path, msg);
		return (page_error(req, 500, NULL), DB_POLL_FAILED);
	}

	if (!db_down) {
		db_down = 1;
		kore_log(LOG_ERR, "db: database unreachable, answering 503 "
		    "until it is back: %s", msg);
	}

	return (page_error(req, 503, NULL), DB_POLL_FAILED);
}

/*
 * A query failed on the replica: ask the primary (a second failure
 * there is an ordinary one). Unreachable, the replica rests; any other
 * error is logged, as it would be on the primary, and this request
 * alone goes there: a query cancelled by the replay (a conflict with
 * recovery), or a function the replica has not replayed yet after a
 * migrate, is not worth a 500.
 */
static int
db_fallback(struct http_request *req, struct ctx *ctx, int unreachable,
    const char *msg)
{
	if (!unreachable) {
		kore_log(LOG_WARNING, "db: query failed on the read replica "
		    "for %s, asking the primary: %s", req->path, msg);
	} else {
		db_replica_retry = kore_time_ms() + DB_REPLICA_REST_MS;
		if (!db_replica_down) {
			db_replica_down = 1;
			kore_log(LOG_WARNING, "db: the read replica is "
			    "unreachable, the public pages read the primary "
			    "until it is back: %s", msg);
		}
	}

	ctx->pending.db = DB_NAME;
	kore_pgsql_init(&ctx->sql);
	kore_pgsql_bind_request(&ctx->sql, req);

	return (db_send(req, ctx, &ctx->pending));
}

/*
 * Whether a query naming DB_PUBLIC goes to the replica: there is one,
 * and it is not resting after an outage. Once the rest is over this
 * query tries it, and the others of the worker wait for its answer.
 */
static int
db_use_replica(const struct db_params *p)
{
	uint64_t	now;

	if (p->db == NULL || strcmp(p->db, DB_PUBLIC) != 0 ||
	    settings.db_public == NULL)
		return (0);
	if (!db_replica_down)
		return (1);

	now = kore_time_ms();
	if (now < db_replica_retry)
		return (0);
	db_replica_retry = now + DB_REPLICA_REST_MS;

	return (1);
}

/* The request's query runs (or waits) on the replica. */
static int
db_on_replica(struct ctx *ctx)
{
	return (ctx->kept != NULL && ctx->pending.db != NULL &&
	    strcmp(ctx->pending.db, DB_PUBLIC) == 0);
}

/*
 * A connection of pool went back. Kore wakes the first request of its
 * queue, whichever pool that one waits for (the main, the documents'
 * or the replica's): the one woken may find its own pool still full and
 * queue again, while a request that could use the free connection
 * sleeps on. When requests of another pool wait too, wake the oldest
 * that waits for this one as well (a request woken twice just tries
 * once more). When all wait for this pool, Kore's choice is the oldest
 * of them: a second wake would only send one to the back of the queue.
 */
static void
db_released(const char *pool)
{
	struct ctx	*ctx, *oldest;
	int		 others;

	oldest = NULL;
	others = 0;
	LIST_FOREACH(ctx, &db_queue, db_queued) {
		if (strcmp(ctx->db_pool, pool) == 0)
			oldest = ctx;
		else
			others = 1;
	}
	if (oldest != NULL && others)
		http_request_wakeup(oldest->db_req);
}

/*
 * The first line of a libpq text, for a log line that stays one line,
 * without its severity: a terminated backend's "FATAL:" is PostgreSQL's
 * word for its own session, and read in our log it would look like the
 * app's own end. "connection lost" when nothing is left.
 */
static void
db_line(const char *src, char *buf, size_t len)
{
	static const char *const	 severities[] = {
		"FATAL:", "PANIC:", "ERROR:", "WARNING:", "NOTICE:", NULL
	};
	size_t				 n, i;

	if (src == NULL)
		src = "";
	for (i = 0; severities[i] != NULL; i++) {
		n = strlen(severities[i]);
		if (strncmp(src, severities[i], n) == 0) {
			src += n + strspn(src + n, " ");
			break;
		}
	}
	if (*src == '\0' || *src == '\n')
		src = "connection lost";

	n = strcspn(src, "\r\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, src, n);
	buf[n] = '\0';
}

static void
db_message(struct kore_pgsql *sql, char *buf, size_t len)
{
	db_line(sql->error, buf, len);
}

/*
 * What PostgreSQL says outside a query's result, such as the end of an
 * idle session it terminated: libpq would print it bare to stderr, which
 * is Kore's log. One line of ours instead.
 */
static void
db_notice(void *arg, const char *message)
{
	char	line[256];

	(void)arg;
	db_line(message, line, sizeof(line));
	kore_log(LOG_NOTICE, "db: the server says: %s", line);
}

/*
 * An execution by name that failed as only a prepared statement can:
 * gone from the session (26000), or planned for a result that a
 * migration has since changed (0A000, "cached plan must not change
 * result type").
 */
static int
db_stale_plan(struct kore_pgsql *sql)
{
	const char	*state;

	if (sql->result == NULL)
		return (0);
	state = PQresultErrorField(sql->result, PG_DIAG_SQLSTATE);

	return (state != NULL && (strcmp(state, "26000") == 0 ||
	    strcmp(state, "0A000") == 0));
}

/*
 * Such a connection is closed, with all it prepared, and the query is
 * sent again as it is, once, on another.
 */
static int
db_stale(struct http_request *req, struct ctx *ctx)
{
	struct pgsql_conn	*conn;

	conn = ctx->sql.conn;
	/* Answered, not running: nothing to cancel. */
	ctx->sql.flags &= ~KORE_PGSQL_SCHEDULED;
	kore_pgsql_cleanup(&ctx->sql);
	db_retire(conn);
	db_released(ctx->db_pool);

	kore_log(LOG_NOTICE, "db: a prepared statement no longer fits the "
	    "schema (after a migration?); its connection was closed and %s "
	    "asked again", req->path);

	ctx->db_resent = 1;
	ctx->db_state = DB_IDLE;
	kore_pgsql_init(&ctx->sql);
	kore_pgsql_bind_request(&ctx->sql, req);

	return (db_send(req, ctx, &ctx->pending));
}

/* Errors that mean "the database is not there right now". */
static int
db_unreachable(struct kore_pgsql *sql)
{
	const char	*state;

	if (sql->conn == NULL)
		return (1);
	if (sql->result == NULL)
		return (PQstatus(sql->conn->db) != CONNECTION_OK);

	state = PQresultErrorField(sql->result, PG_DIAG_SQLSTATE);
	if (state == NULL)
		return (1);

	/* 08: connection exception; 57P0x: shutdown; 53: out of resources. */
	return (strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P0", 4) == 0 || strncmp(state, "53", 2) == 0);
}

/*
 * A change refused because its round is published (the round_frozen
 * trigger of sql/90_decisions.sql): the user's doing, not a fault, so
 * the 409 page says why and the log stays quiet. Whatever page tried it,
 * a page that checks the phase itself included.
 */
static int
db_published(struct kore_pgsql *sql)
{
	const char	*state;

	if (sql->conn == NULL || sql->result == NULL)
		return (0);
	state = PQresultErrorField(sql->result, PG_DIAG_SQLSTATE);

	return (state != NULL && strcmp(state, "LRPUB") == 0);
}

/*
 * The driver's way (web/handler.c): a step starts its query once and
 * returns; db_poll() is called each time the request wakes up. Most
 * queries are sent at once. While the pool is full a query waits in
 * Kore's queue and is sent when woken, after the step has returned: only
 * then are its text and parameters copied (binary values, such as a
 * sealed document, are referenced: the step keeps them in its own state
 * until the query is done).
 */
int
db_start(struct http_request *req, const struct db_params *p)
{
	struct ctx		*ctx;
	struct db_params	 primary;

	ctx = ctx_get(req);
	if (ctx->db_state != DB_IDLE)
		fatal("db_start: a query is already running");

	/* A query of the replica is kept, to be asked of the primary. */
	if (db_use_replica(p)) {
		db_keep(ctx, p);
		p = &ctx->pending;
	} else if (p->db != NULL) {
		primary = *p;
		primary.db = NULL;
		p = &primary;
	}

	ctx->db_resent = 0;
	kore_pgsql_init(&ctx->sql);
	kore_pgsql_bind_request(&ctx->sql, req);
	if (db_send(req, ctx, p) == DB_POLL_FAILED) {
		db_forget(ctx);
		return (-1);
	}
	if (ctx->db_state == DB_QUEUED && ctx->kept == NULL)
		db_keep(ctx, p);

	return (0);
}

int
db_poll(struct http_request *req)
{
	struct ctx	*ctx;
	int		 r;

	ctx = ctx_get(req);
	switch (ctx->db_state) {
	case DB_QUEUED:
		/*
		 * Woken by Kore's queue or by db_wake_queue(): start afresh,
		 * so that this query is never in Kore's queue twice.
		 */
		db_unqueue(ctx);
		kore_pgsql_cleanup(&ctx->sql);
		kore_pgsql_init(&ctx->sql);
		kore_pgsql_bind_request(&ctx->sql, req);
		r = db_send(req, ctx, &ctx->pending);
		break;
	case DB_WAIT:
		r = db_collect(req, ctx);
		break;
	default:
		fatal("db_poll: no query is running");
	}

	if (r != DB_POLL_WAIT)
		db_forget(ctx);

	return (r);
}

static void
db_keep(struct ctx *ctx, const struct db_params *p)
{
	struct db_keep	*k;
	int		 i, bin;

	if (p->nparams < 0 || p->nparams > DB_PARAMS_MAX)
		fatal("db_start: %d parameters", p->nparams);

	k = kore_calloc(1, sizeof(*k));
	k->sql = kore_strdup(p->sql);
	for (i = 0; i < p->nparams; i++) {
		bin = p->binary != NULL && p->binary[i];
		k->binary[i] = bin;
		k->lengths[i] = bin ? p->lengths[i] : 0;
		if (p->values[i] == NULL || bin)
			k->values[i] = p->values[i];
		else
			k->values[i] = kore_strdup(p->values[i]);
	}

	ctx->pending = *p;
	ctx->pending.sql = k->sql;
	ctx->pending.values = k->values;
	ctx->pending.lengths = k->lengths;
	ctx->pending.binary = k->binary;
	ctx->kept = k;
}

static void
db_forget(struct ctx *ctx)
{
	struct db_keep	*k;
	int		 i;

	if ((k = ctx->kept) == NULL)
		return;

	for (i = 0; i < ctx->pending.nparams; i++) {
		if (k->values[i] != NULL && !k->binary[i])
			kore_free((void *)(uintptr_t)k->values[i]);
	}
	kore_free(k->sql);
	kore_free(k);
	ctx->kept = NULL;
	memset(&ctx->pending, 0, sizeof(ctx->pending));
}

/* For ctx.c: a request that ends while its query waits. */
void
db_release(struct ctx *ctx)
{
	db_unqueue(ctx);
	db_forget(ctx);
}

static void
db_unqueue(struct ctx *ctx)
{
	if (ctx->db_req == NULL)
		return;
	LIST_REMOVE(ctx, db_queued);
	ctx->db_req = NULL;
}

/* A connection was dropped: every queued request tries again. */
static void
db_wake_queue(void)
{
	struct ctx	*ctx;

	LIST_FOREACH(ctx, &db_queue, db_queued)
		http_request_wakeup(ctx->db_req);
}

PGresult *
db_result(struct http_request *req)
{
	return (ctx_get(req)->res);
}

int
db_rows(struct http_request *req)
{
	PGresult	*res;

	if ((res = db_result(req)) == NULL)
		return (0);

	return (PQntuples(res));
}

int
db_length(struct http_request *req, int row, int col)
{
	PGresult	*res;

	if ((res = db_result(req)) == NULL)
		return (0);
	if (row >= PQntuples(res) || col >= PQnfields(res))
		return (0);

	return (PQgetlength(res, row, col));
}

const char *
db_value(struct http_request *req, int row, int col)
{
	PGresult	*res;

	if ((res = db_result(req)) == NULL)
		return ("");
	if (row >= PQntuples(res) || col >= PQnfields(res))
		return ("");

	return (PQgetvalue(res, row, col));
}

int
db_isnull(struct http_request *req, int row, int col)
{
	PGresult	*res;

	if ((res = db_result(req)) == NULL)
		return (1);
	if (row >= PQntuples(res) || col >= PQnfields(res))
		return (1);

	return (PQgetisnull(res, row, col));
}

static const char *
db_column(PGresult *res, const char *name)
{
	int	c;

	if ((c = PQfnumber(res, name)) < 0 || PQgetisnull(res, 0, c))
		return (NULL);

	return (PQgetvalue(res, 0, c));
}

const char *
db_text(struct http_request *req, const char *col)
{
	PGresult	*res;

	res = db_result(req);
	if (res == NULL || PQntuples(res) < 1)
		return (NULL);

	return (db_column(res, col));
}

int
db_bool(struct http_request *req, const char *col)
{
	const char	*v;

	return ((v = db_text(req, col)) != NULL && strcmp(v, "t") == 0);
}

/*
 * The outcome of the function the last query called: its columns
 * outcome, number, detail and (when it has one) data.
 */
void
db_outcome(struct http_request *req, struct outcome *o)
{
	PGresult	*res;

	res = db_result(req);
	if (res == NULL || PQntuples(res) != 1 ||
	    PQfnumber(res, "outcome") < 0) {
		outcome_parse(o, NULL, NULL, NULL);
		return;
	}

	outcome_parse(o, db_column(res, "outcome"), db_column(res, "number"),
	    db_column(res, "detail"));
	outcome_data(o, db_column(res, "data"));
}
