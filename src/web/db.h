/*
 * The one way pages talk to PostgreSQL: one statement with bound
 * parameters on Kore's asynchronous pgsql, started by a step of the
 * driver and collected when the request wakes (web/handler.c). The
 * worker never blocks on a query. A step writes
 *
 *	const char	*params[] = { id };
 *	return (step_query(req, SQL_THING, 1, params));
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
 * The database of the public awards pages (issue 15): a streaming read
 * replica when LAUREL_DB_PUBLIC is set, registered under this name. A
 * query that names it reads the primary when none is set, or when the
 * replica cannot answer (db.c). A replica may be behind the primary:
 * only a query that reads published data, writes nothing, and tells how
 * far the replica had replayed (web/pubcache.h) may name it.
 */
#define DB_PUBLIC	"public"

/* A query with binary parameters or a binary result (bytea). */
struct db_params {
	const char		*db;		/* DB_PUBLIC; NULL: DB_NAME */
	const char		*sql;
	int			 nparams;
	const char *const	*values;
	const size_t		*lengths;	/* of binary values */
	const int		*binary;	/* NULL: all text */
	int			 result_binary;
};

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

/* The result of the last query of this request (owned by the request). */
PGresult	*db_result(struct http_request *);

/* Row count, and a value (never NULL: "" for SQL NULL) of the last result. */
int		 db_rows(struct http_request *);
int		 db_length(struct http_request *, int row, int col);
const char	*db_value(struct http_request *, int row, int col);
int		 db_isnull(struct http_request *, int row, int col);

/*
 * A column of the last result's first row by name: its text, or NULL for
 * SQL NULL or no such column; a boolean column as 1 or 0.
 */
const char	*db_text(struct http_request *, const char *col);
int		 db_bool(struct http_request *, const char *col);

/* The outcome of the function the last query called (core/outcome.h). */
struct outcome;
void		 db_outcome(struct http_request *, struct outcome *);

/* Registers the database from the settings; 0 or -1 (logged). */
int		 db_register(void);

#endif
