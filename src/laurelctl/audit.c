/*
 * audit verify: recomputes the audit log's hash chain here, in C, rather
 * than trusting the database's own audit_canonical() and trigger, which
 * whoever tampered with the rows could have changed too.
 *
 * An entry's hash is the lowercase hex SHA-256 of its fields joined by
 * 0x1F: id, `at` in microseconds since the epoch, actor_id, action,
 * subject, ip, before, after (jsonb text; NULL as ""), prev_hash.  Its
 * prev_hash is the hash of the entry before it, 64 zeros for the first.
 * A changed entry breaks its own hash; a deleted one breaks the link of
 * the entry after it.  Entries removed from the end leave no trace in
 * the chain: compare the printed head with one recorded earlier.
 */

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "laurelctl/laurelctl.h"

#define AUDIT_BATCH		"5000"
#define AUDIT_HASH_HEX		64
#define AUDIT_FIELDS		9	/* hashed: columns 0 to 8 */
#define AUDIT_COL_PREV		8
#define AUDIT_COL_HASH		9

struct audit_walk {
	char		 head[AUDIT_HASH_HEX + 1];	/* last entry's hash */
	char		 head_id[24];
	long long	 entries;
};

static int	audit_usage(void);
static int	audit_batch(PGconn *, struct audit_walk *);
static int	audit_entry(PGresult *, int, struct audit_walk *);
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
audit_entry(PGresult *res, int row, struct audit_walk *w)
{
	crypto_hash_sha256_state	 st;
	unsigned char			 digest[crypto_hash_sha256_BYTES];
	char				 hex[AUDIT_HASH_HEX + 1];
	const char			*id;
	int				 i;

	id = PQgetvalue(res, row, 0);
	if (strcmp(PQgetvalue(res, row, AUDIT_COL_PREV), w->head) != 0) {
		if (w->entries == 0)
			printf("audit: broken at entry %s: the first entry's "
			    "prev_hash is not 64 zeros (earlier entries were "
			    "deleted, or it was changed)\n", id);
		else
			printf("audit: broken at entry %s: its prev_hash is "
			    "not the hash of entry %s (an entry between them "
			    "was deleted, or one of them was changed)\n", id,
			    w->head_id);
		return (-1);
	}

	/* NULL reads as "" from libpq, as the canonical text wants. */
	crypto_hash_sha256_init(&st);
	for (i = 0; i < AUDIT_FIELDS; i++) {
		if (i > 0)
			crypto_hash_sha256_update(&st,
			    (const unsigned char *)"\x1f", 1);
		crypto_hash_sha256_update(&st,
		    (const unsigned char *)PQgetvalue(res, row, i),
		    PQgetlength(res, row, i));
	}
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));

	if (strcmp(hex, PQgetvalue(res, row, AUDIT_COL_HASH)) != 0) {
		printf("audit: broken at entry %s: its hash does not match "
		    "its content (the entry was changed)\n", id);
		return (-1);
	}

	memcpy(w->head, hex, sizeof(w->head));
	(void)snprintf(w->head_id, sizeof(w->head_id), "%s", id);
	w->entries++;
	return (0);
}

/* Rows read (0 at the end), or -1 on a database error or a break. */
static int
audit_batch(PGconn *conn, struct audit_walk *w)
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
	struct audit_walk	 w;
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

	memset(&w, 0, sizeof(w));
	memset(w.head, '0', AUDIT_HASH_HEX);

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
