/*
 * The one way handlers talk to PostgreSQL: a step of a request's state
 * machine (http_state_run) that runs one statement with bound parameters
 * on Kore's asynchronous pgsql and moves the machine to the next step
 * once the result is in. The worker never blocks on a query.
 *
 *	static int
 *	thing_load(struct http_request *req)
 *	{
 *		const char	*params[] = { id };
 *		return (db_query(req, THING_SHOW, SQL_THING, 1, params));
 *	}
 *
 * Each transactional unit is one statement (a CTE or a function of sql/),
 * because Kore hands a connection to the next query as soon as a statement
 * ends (KORE.md #4).
 */
#ifndef LAUREL_WEB_DB_H
#define LAUREL_WEB_DB_H

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

/* The name under which the database is registered with Kore. */
#define DB_NAME		"db"

/*
 * Runs sql with nparams text parameters (a NULL pointer is SQL NULL) and
 * returns an HTTP_STATE_* for the state function to return. When the
 * result is in, the machine moves to state next, where db_result()
 * holds it. On failure the 503 (database unreachable) or 500 page is sent
 * and HTTP_STATE_COMPLETE returned. Call it again with the same arguments
 * each time the state runs: it knows where the query stands.
 */
int		 db_query(struct http_request *, u_int8_t next, const char *sql,
		    int nparams, const char *const *params);

/* As db_query, and fn (if not NULL) sees the result before next runs. */
int		 db_query_then(struct http_request *, u_int8_t next,
		    const char *sql, int nparams, const char *const *params,
		    void (*fn)(struct http_request *));

/* The result of the last query of this request (owned by the request). */
/* A query with binary parameters or a binary result (bytea). */
struct db_params {
	const char		*sql;
	int			 nparams;
	const char *const	*values;
	const size_t		*lengths;	/* of binary values */
	const int		*binary;	/* NULL: all text */
	int			 result_binary;
};

int		 db_query_params(struct http_request *, u_int8_t next,
		    const struct db_params *, void (*fn)(struct http_request *));

/*
 * The driver's pair (web/handler.c): db_start() sends once (0, or -1
 * after the error page was sent); db_poll() answers DB_POLL_WAIT until
 * the result is in (DB_POLL_DONE), or DB_POLL_FAILED after the 503/500
 * page. Text parameters are copied; binary ones must outlive the query.
 */
#define DB_POLL_WAIT	0
#define DB_POLL_DONE	1
#define DB_POLL_FAILED	2

struct ctx;

int		 db_start(struct http_request *, const struct db_params *);
int		 db_poll(struct http_request *);
void		 db_release(struct ctx *);

PGresult	*db_result(struct http_request *);

/* Row count, and a value (never NULL: "" for SQL NULL) of the last result. */
int		 db_rows(struct http_request *);
int		 db_length(struct http_request *, int row, int col);
int		 db_merge(struct http_request *, int col, const char *key);
const char	*db_value(struct http_request *, int row, int col);
int		 db_isnull(struct http_request *, int row, int col);

/* The outcome of the function the last query called (core/outcome.h). */
struct outcome;
void		 db_outcome(struct http_request *, struct outcome *);

/* Registers the database from the settings; 0 or -1 (logged). */
int		 db_register(void);

#endif
