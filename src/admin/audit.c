/*
 * /admin/audit: the audit trail for admins, newest first, 50 a page,
 * filtered by actor (e-mail or id), action (a prefix such as
 * "decision."), round (slug), application (id or reference) and dates
 * (from, to, in Europe/Brussels): audit_view(), which leaves out what a
 * conflicted admin may not see. Each entry shows its before/after and
 * their personal part while it exists.
 *
 * The page also says whether the hash chain verifies, with the check of
 * `laurelctl audit verify`: core/auditchain.c recomputes every hash in C
 * from the rows' text, on a task thread with a libpq connection of its
 * own (blocking is fine there), in one snapshot; with the number of
 * entries and the chain's head, for the admin to write down, or the first
 * broken entry.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/auditchain.h"
#include "core/form.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/handler.h"
#include "web/settings.h"
#include "web/work.h"

#define AUDIT_BATCH	"5000"
#define AUDIT_COL_HASH	AUDITCHAIN_FIELDS

static const char *const audit_filters[] = { "actor", "action", "round",
    "application", "from", "to", "page" };
#define AUDIT_NFILTERS	(sizeof(audit_filters) / sizeof(audit_filters[0]))

struct audit_check {
	char			 actor[32];
	struct auditchain	 chain;
	enum auditchain_status	 status;
	char			 broken[AUDITCHAIN_ID_MAX];
};

static const char	audit_rows_sql[] =
    "SELECT * FROM audit_chain_rows($1, $2, " AUDIT_BATCH ")";

/* The filters as typed, back into the form, and the page's query. */
static int
audit_query(struct http_request *req)
{
	struct ctx		*ctx;
	struct audit_check	*c;
	const char		*params[AUDIT_NFILTERS + 1], *v;
	json_t			*filter;
	size_t			 i;

	ctx = ctx_get(req);
	c = kore_calloc(1, sizeof(*c));
	ctx->arg = c;
	ctx->arg_free = kore_free;
	(void)snprintf(c->actor, sizeof(c->actor), "%lld", ctx->user->id);

	/*
	 * Under "filter": an entry without an actor must not show the
	 * filter's in the template.
	 */
	filter = json_object();
	params[0] = c->actor;
	for (i = 0; i < AUDIT_NFILTERS; i++) {
		if ((v = form_get(body_query(req), audit_filters[i])) == NULL)
			v = "";
		params[i + 1] = v;
		if (v[0] != '\0')
			json_object_set_new(filter, audit_filters[i],
			    json_string(v));
	}
	json_object_set_new(ctx->data, "filter", filter);

	return (step_query(req, "SELECT audit_view($1, $2, $3, $4, $5, $6, "
	    "$7, $8) AS audit", AUDIT_NFILTERS + 1, params));
}

/* On a task thread: 0 once walked (broken or not), -1 on an error. */
static int
audit_check_run(void *arg)
{
	static const char *const keys[] = { "dbname", "application_name",
	    NULL };
	struct audit_check	*c = arg;
	const char		*values[3], *params[2], *field[AUDITCHAIN_FIELDS];
	size_t			 len[AUDITCHAIN_FIELDS];
	PGconn			*conn;
	PGresult		*res;
	char			 after[AUDITCHAIN_ID_MAX];
	int			 n, row, i, rc;

	values[0] = settings.db;
	values[1] = "laurel-audit-verify";
	values[2] = NULL;
	conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		PQfinish(conn);
		return (-1);
	}

	/* One snapshot: the count and head are of one moment's log. */
	res = PQexec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(res);

	auditchain_init(&c->chain);
	c->status = AUDITCHAIN_OK;
	params[0] = c->actor;
	params[1] = after;
	for (n = 1; rc == 0 && n > 0 && c->status == AUDITCHAIN_OK;) {
		(void)snprintf(after, sizeof(after), "%s",
		    c->chain.entries == 0 ? "0" : c->chain.head_id);
		res = PQexecParams(conn, audit_rows_sql, 2, NULL, params,
		    NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			PQclear(res);
			rc = -1;
			break;
		}
		n = PQntuples(res);
		for (row = 0; row < n && c->status == AUDITCHAIN_OK; row++) {
			/* NULL reads as "" from libpq, as the hash wants. */
			for (i = 0; i < AUDITCHAIN_FIELDS; i++) {
				field[i] = PQgetvalue(res, row, i);
				len[i] = PQgetlength(res, row, i);
			}
			c->status = auditchain_next(&c->chain, field, len,
			    PQgetvalue(res, row, AUDIT_COL_HASH));
			if (c->status != AUDITCHAIN_OK)
				(void)snprintf(c->broken, sizeof(c->broken),
				    "%s", field[0]);
		}
		PQclear(res);
	}
	PQfinish(conn);

	return (rc);
}

static int
audit_shown(struct http_request *req)
{
	struct ctx	*ctx;
	json_t		*v;
	json_error_t	 err;
	const char	*s;

	ctx = ctx_get(req);
	if ((s = db_text(req, "audit")) == NULL ||
	    (v = json_loads(s, 0, &err)) == NULL)
		return (step_error(req, 404, NULL));
	json_object_update(ctx->data, v);
	json_decref(v);

	return (step_work(req, audit_check_run, ctx->arg));
}

static const char *
audit_break_reason(enum auditchain_status s)
{
	switch (s) {
	case AUDITCHAIN_FIRST:
		return ("the first entry does not start the chain: earlier "
		    "entries were deleted, or it was changed");
	case AUDITCHAIN_LINK:
		return ("it does not point to the entry before it: an entry "
		    "between them was deleted, or one of them was changed");
	case AUDITCHAIN_HASH:
		return ("its hash does not match its content: the entry was "
		    "changed");
	default:
		return ("");
	}
}

static int
audit_verified(struct http_request *req)
{
	struct ctx		*ctx;
	struct audit_check	*c;
	json_t			*chain;

	ctx = ctx_get(req);
	c = ctx->arg;
	if (work_result(req) != 0) {
		kore_log(LOG_ERR, "audit: the chain could not be read");
		chain = json_pack("{s:b}", "unavailable", 1);
	} else if (c->status != AUDITCHAIN_OK) {
		chain = json_pack("{s:b, s:s, s:s, s:I, s:s, s:s}", "broken", 1,
		    "broken_id", c->broken, "reason",
		    audit_break_reason(c->status), "entries",
		    (json_int_t)c->chain.entries, "head", c->chain.head,
		    "head_id", c->chain.head_id);
	} else {
		chain = json_pack("{s:b, s:I, s:s}", "ok", 1, "entries",
		    (json_int_t)c->chain.entries, "head", c->chain.head);
	}
	json_object_set_new(ctx->data, "chain", chain);

	return (STEP_NEXT);
}

static const step_fn audit_steps[] = { audit_query, audit_shown,
    audit_verified, NULL };

HANDLER(admin_audit,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.steps = audit_steps,
	.template = "admin_audit",
)
