/*
 * audit verify: recomputes the audit log's hash chain here, in C, with
 * core/auditchain.c (which the /admin/audit page uses too), rather than
 * trusting the database's own audit_canonical() and trigger, which
 * whoever tampered with the rows could have changed too. Entries removed
 * from the end leave no trace in the chain: compare the printed head with
 * one recorded earlier.
 */

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/auditchain.h"
#include "laurelctl/laurelctl.h"

#define AUDIT_BATCH		"5000"
#define AUDIT_COL_HASH		AUDITCHAIN_FIELDS

static int	audit_usage(void);
static int	audit_batch(PGconn *, struct auditchain *);
static int	audit_entry(PGresult *, int, struct auditchain *);
static int	audit_exec(PGconn *, const char *);

/* Keyset pagination: each batch is an index range scan, at any depth. */
static const char	audit_sql[] =
    "SELECT id, (extract(epoch FROM at) * 1000000)::bigint, actor_id, "
    "action, subject, ip, before::text, after::text, prev_hash, hash "
    "FROM audit WHERE id > $1 ORDER BY id LIMIT " AUDIT_BATCH;

static int
audit_usage(void)
{
	fprintf(stderr, "usage: laurelctl audit verify\n");
	return (2);
}

static int
audit_exec(PGconn *conn, const char *sql)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(conn));
	PQclear(res);

	return (ok ? 0 : -1);
}

/* 0 if the entry continues the chain, else -1 after saying why. */
static int
audit_entry(PGresult *res, int row, struct auditchain *c)
{
	const char	*field[AUDITCHAIN_FIELDS], *id;
	size_t		 len[AUDITCHAIN_FIELDS];
	int		 i;

	/* NULL reads as "" from libpq, as the canonical text wants. */
	for (i = 0; i < AUDITCHAIN_FIELDS; i++) {
		field[i] = PQgetvalue(res, row, i);
		len[i] = PQgetlength(res, row, i);
	}
	id = field[0];

	switch (auditchain_next(c, field, len,
	    PQgetvalue(res, row, AUDIT_COL_HASH))) {
	case AUDITCHAIN_OK:
		return (0);
	case AUDITCHAIN_FIRST:
		printf("audit: broken at entry %s: the first entry's "
		    "prev_hash is not 64 zeros (earlier entries were "
		    "deleted, or it was changed)\n", id);
		break;
	case AUDITCHAIN_LINK:
		printf("audit: broken at entry %s: its prev_hash is not the "
		    "hash of entry %s (an entry between them was deleted, "
		    "or one of them was changed)\n", id, c->head_id);
		break;
	case AUDITCHAIN_HASH:
		printf("audit: broken at entry %s: its hash does not match "
		    "its content (the entry was changed)\n", id);
		break;
	}

	return (-1);
}

/* Rows read (0 at the end), or -1 on a database error or a break. */
static int
audit_batch(PGconn *conn, struct auditchain *w)
{
	PGresult	*res;
	const char	*params[1];
	int		 n, i;

	params[0] = w->entries == 0 ? "0" : w->head_id;
	res = PQexecParams(conn, audit_sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(conn));
		PQclear(res);
		return (-1);
	}

	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (audit_entry(res, i, w) == -1) {
			PQclear(res);
			return (-1);
		}
	}
	PQclear(res);

	return (n);
}

int
ctl_audit(int argc, char **argv)
{
	struct auditchain	 w;
	PGconn			*conn;
	int			 n;

	if (argc != 2 || strcmp(argv[1], "verify") != 0)
		return (audit_usage());
	if (sodium_init() < 0) {
		fprintf(stderr, "laurelctl: libsodium failed to start\n");
		return (1);
	}
	if ((conn = ctl_connect()) == NULL)
		return (1);

	auditchain_init(&w);

	/* One snapshot: the count and head are of one moment's log. */
	if (audit_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, "
	    "READ ONLY") == -1) {
		PQfinish(conn);
		return (1);
	}
	while ((n = audit_batch(conn, &w)) > 0)
		;
	PQfinish(conn);
	if (n == -1)
		return (1);

	printf("audit: OK, %lld entries, chain head %s\n", w.entries, w.head);
	return (0);
}
