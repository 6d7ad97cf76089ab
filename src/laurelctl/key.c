/*
 * The file-encryption keys (README "Rotating the file-encryption key").
 *
 *	key new PATH		a new random key, mode 0600, never over
 *				anything that exists
 *	key rotate [--batch N]	re-seals every document not under the
 *				current key (LAUREL_KEY_FILE) with it, opening
 *				each with its key from LAUREL_KEY_FILES_OLD
 *
 * Rotation runs beside live instances: each document is replaced by its
 * own autocommit call of file_rekey(), which changes the row only if it
 * still has the key it was read with, so no lock is held for more than
 * one row and an upload or deletion meanwhile is never overwritten.  A
 * batch's sealed documents are all in memory at once (a round allows up
 * to 100 MiB a file): keep --batch small.
 */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/filecrypt.h"
#include "core/keyring.h"
#include "core/sealstr.h"
#include "laurelctl/laurelctl.h"

#define KEY_BATCH_DEFAULT	10
#define KEY_BATCH_MAX		1000

struct key_rotation {
	PGconn				*conn;
	struct keyring			 kr;
	const struct keyring_key	*cur;
	long long			 after;		/* last id read */
	long long			 rotated;
	long long			 secrets;	/* TOTP secrets sealed */
	int				 batch;
};

static int	key_usage(void);
static int	key_new(int, char **);
static int	key_rotate(int, char **);
static int	key_parse_batch(int, char **, int *);
static int	key_load(struct keyring *);
static long long	key_int8(PGresult *, int, int);
static int	key_batch(struct key_rotation *);
static int	key_document(struct key_rotation *, PGresult *, int);
static int	key_reseal(struct key_rotation *, long long,
		    const struct keyring_key *, PGresult *, int);
static int	key_store(struct key_rotation *, long long, const char *,
		    const unsigned char *, size_t);
static long long	key_left(struct key_rotation *);
static int	key_audit(struct key_rotation *, long long);

/*
 * Documents under another key, and those sealed before documents were
 * bound to their row ("LFC1"), which are re-sealed bound under the same
 * key.
 */
static const char	key_batch_sql[] =
    "SELECT id, key_id, sealed, application_id FROM application_files "
    "WHERE (key_id <> $1 OR substring(sealed FROM 1 FOR 4) = 'LFC1') "
    "AND id > $2 ORDER BY id LIMIT $3";

static int
key_usage(void)
{
	fprintf(stderr, "usage: laurelctl key new PATH\n"
	    "       laurelctl key rotate [--batch N]\n"
	    "rotate reads LAUREL_KEY_FILE (the current key) and "
	    "LAUREL_KEY_FILES_OLD\n(colon-separated older keys) and the "
	    "database from LAUREL_DB.\n");
	return (2);
}

static int
key_new(int argc, char **argv)
{
	struct stat	 st;
	unsigned char	 key[FILECRYPT_KEYBYTES];
	char		 id[FILECRYPT_KEYID_LEN + 1], err[512];
	const char	*path;

	if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-')
		return (key_usage());
	path = argv[1];

	/* O_EXCL in filecrypt_key_write is the guarantee; this says why. */
	if (lstat(path, &st) == 0) {
		fprintf(stderr, "laurelctl: %s already exists; a key file is "
		    "never overwritten (choose a new path, or move the old "
		    "file away if it is really unused)\n", path);
		return (1);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "laurelctl: libsodium failed to start\n");
		return (1);
	}
	if (filecrypt_key_write(path, err, sizeof(err)) == -1) {
		fprintf(stderr, "laurelctl: %s\n", err);
		return (1);
	}
	if (filecrypt_key_load(path, key, id, err, sizeof(err)) == -1) {
		fprintf(stderr, "laurelctl: %s\n", err);
		return (1);
	}
	sodium_memzero(key, sizeof(key));

	printf("key %s written to %s (mode 0600)\n", id, path);
	return (0);
}

/* 0, or the exit status after printing why. */
static int
key_parse_batch(int argc, char **argv, int *batch)
{
	static const struct option	 longopts[] = {
		{ "batch",	required_argument,	NULL,	'b' },
		{ NULL,		0,			NULL,	0 }
	};
	char				*end;
	long				 n;
	int				 ch;

	*batch = KEY_BATCH_DEFAULT;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch != 'b') {
			fprintf(stderr, "laurelctl: key rotate: bad or "
			    "incomplete option %s\n", argv[optind - 1]);
			return (key_usage());
		}
		errno = 0;
		n = strtol(optarg, &end, 10);
		if (errno != 0 || end == optarg || *end != '\0' || n < 1 ||
		    n > KEY_BATCH_MAX) {
			fprintf(stderr, "laurelctl: --batch: a number from 1 "
			    "to %d\n", KEY_BATCH_MAX);
			return (1);
		}
		*batch = (int)n;
	}
	if (optind != argc)
		return (key_usage());

	return (0);
}

/* 0, or -1 after one line saying which key file is wrong and how. */
static int
key_load(struct keyring *kr)
{
	const char	*cur, *old;
	char		 err[512];

	cur = getenv("LAUREL_KEY_FILE");
	old = getenv("LAUREL_KEY_FILES_OLD");
	if (cur == NULL || *cur == '\0') {
		fprintf(stderr, "laurelctl: LAUREL_KEY_FILE is not set (the "
		    "path of the current file-encryption key)\n");
		return (-1);
	}
	if (keyring_load(kr, cur, old, err, sizeof(err)) == -1) {
		fprintf(stderr, "laurelctl: LAUREL_KEY_FILE%s: %s\n",
		    old != NULL && *old != '\0' ? " or LAUREL_KEY_FILES_OLD" :
		    "", err);
		return (-1);
	}

	return (0);
}

/* A bigint column in binary format: 8 bytes, network order. */
static long long
key_int8(PGresult *res, int row, int col)
{
	const unsigned char	*v;
	uint64_t		 u;
	int			 i;

	if (PQgetlength(res, row, col) != 8)
		return (-1);
	v = (const unsigned char *)PQgetvalue(res, row, col);
	for (u = 0, i = 0; i < 8; i++)
		u = (u << 8) | v[i];

	return ((long long)u);
}

/* Whether the row was replaced (1), had changed meanwhile (0), or -1. */
static int
key_store(struct key_rotation *r, long long id, const char *old,
    const unsigned char *sealed, size_t len)
{
	PGresult	*res;
	const char	*params[4];
	char		 idbuf[24];
	int		 lengths[4], formats[4], rc;

	(void)snprintf(idbuf, sizeof(idbuf), "%lld", id);
	params[0] = idbuf;
	params[1] = old;
	params[2] = r->cur->id;
	params[3] = (const char *)sealed;
	memset(lengths, 0, sizeof(lengths));
	memset(formats, 0, sizeof(formats));
	lengths[3] = (int)len;
	formats[3] = 1;

	res = PQexecParams(r->conn, "SELECT file_rekey($1, $2, $3, $4)", 4,
	    NULL, params, lengths, formats, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: file %lld: %s", id,
		    PQerrorMessage(r->conn));
		rc = -1;
	} else
		rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);

	return (rc);
}

/* Opens row's document with k, seals it with the current key, stores it. */
static int
key_reseal(struct key_rotation *r, long long id, const struct keyring_key *k,
    PGresult *res, int row)
{
	unsigned char	*plain, *sealed;
	char		 bound[FILECRYPT_BIND_MAX];
	size_t		 plen, slen;
	long long	 app;
	int		 rc;

	if ((app = key_int8(res, row, 3)) < 0 ||
	    filecrypt_bind(bound, sizeof(bound), app, id) == -1) {
		fprintf(stderr, "laurelctl: file %lld: its application id is "
		    "not a bigint\n", id);
		return (-1);
	}
	plain = filecrypt_open_bound(k->key, bound, PQgetvalue(res, row, 2),
	    (size_t)PQgetlength(res, row, 2), &plen);
	if (plain == NULL) {
		fprintf(stderr, "laurelctl: file %lld: cannot be opened with "
		    "key %s (altered, damaged or out of memory); left as it "
		    "is\n", id, k->id);
		return (0);
	}

	sealed = filecrypt_seal_bound(r->cur->key, bound, plain, plen, &slen);
	sodium_memzero(plain, plen);
	free(plain);
	if (sealed == NULL) {
		fprintf(stderr, "laurelctl: file %lld: out of memory sealing "
		    "it\n", id);
		return (-1);
	}
	if (slen > INT_MAX) {
		fprintf(stderr, "laurelctl: file %lld: too large to store "
		    "through libpq; left as it is\n", id);
		free(sealed);
		return (0);
	}

	rc = key_store(r, id, k->id, sealed, slen);
	free(sealed);
	if (rc == 1)
		r->rotated++;

	return (rc == -1 ? -1 : 0);
}

static int
key_document(struct key_rotation *r, PGresult *res, int row)
{
	const struct keyring_key	*k;
	const char			*v;
	char				 kid[FILECRYPT_KEYID_LEN * 4 + 1];
	long long			 id;
	int				 len, i;

	if ((id = key_int8(res, row, 0)) < 0) {
		fprintf(stderr, "laurelctl: application_files.id is not a "
		    "bigint\n");
		return (-1);
	}
	r->after = id;

	/* Only printable ASCII reaches the terminal; no key has more. */
	v = PQgetvalue(res, row, 1);
	len = PQgetlength(res, row, 1);
	for (i = 0; i < len && i < (int)sizeof(kid) - 1; i++)
		kid[i] = v[i] > ' ' && v[i] < 0x7f ? v[i] : '?';
	kid[i] = '\0';

	k = len == FILECRYPT_KEYID_LEN ? keyring_find(&r->kr, kid) : NULL;
	if (k == NULL) {
		fprintf(stderr, "laurelctl: file %lld: key %s%s is unknown; "
		    "add its key file to LAUREL_KEY_FILES_OLD\n", id, kid,
		    len > i ? "..." : "");
		return (0);
	}

	return (key_reseal(r, id, k, res, row));
}

/* Rows read (0 at the end), or -1 on an error. */
static int
key_batch(struct key_rotation *r)
{
	PGresult	*res;
	const char	*params[3];
	char		 after[24], limit[12];
	int		 n, i;

	(void)snprintf(after, sizeof(after), "%lld", r->after);
	(void)snprintf(limit, sizeof(limit), "%d", r->batch);
	params[0] = r->cur->id;
	params[1] = after;
	params[2] = limit;
	res = PQexecParams(r->conn, key_batch_sql, 3, NULL, params, NULL,
	    NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(r->conn));
		PQclear(res);
		return (-1);
	}

	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (key_document(r, res, i) == -1) {
			PQclear(res);
			return (-1);
		}
	}
	PQclear(res);

	return (n);
}

/* The count a one-parameter query gives, or -1 after saying why. */
static long long
key_count(struct key_rotation *r, const char *sql, const char *param)
{
	PGresult	*res;
	long long	 n;

	res = PQexecParams(r->conn, sql, 1, NULL, &param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(r->conn));
		PQclear(res);
		return (-1);
	}
	n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);

	return (n);
}

/* Documents still under another key (skipped, or uploaded meanwhile). */
static long long
key_left(struct key_rotation *r)
{
	return (key_count(r, "SELECT count(*) FROM application_files "
	    "WHERE key_id <> $1", r->cur->id));
}

/*
 * Two-step sign-in secrets (users.totp_secret, totp_pending) are sealed
 * with the same key (core/sealstr.c): re-seal those under another key,
 * and seal any still stored in clear from before sealing existed. Each
 * is replaced only if it is still the value that was read.
 */
static const char	key_secrets_sql[] =
    "SELECT id::text, coalesce(totp_secret, ''), coalesce(totp_pending, '') "
    "FROM users WHERE (totp_secret IS NOT NULL AND totp_secret NOT LIKE $1) "
    "OR (totp_pending IS NOT NULL AND totp_pending NOT LIKE $1)";

static int
key_secret(struct key_rotation *r, const char *id, const char *column,
    const char *old)
{
	PGresult	*res;
	const char	*params[3];
	char		 plain[128], sql[160], kid[FILECRYPT_KEYID_LEN + 1];
	char		*sealed;

	if (sealstr_key_id(old, kid) && strcmp(kid, r->cur->id) == 0)
		return (0);
	if (sealstr_open(&r->kr, old, plain, sizeof(plain)) == -1) {
		fprintf(stderr, "laurelctl: user %s: the two-step secret (%s) "
		    "cannot be opened with the key files given; add its key "
		    "file to LAUREL_KEY_FILES_OLD\n", id, column);
		return (0);
	}
	sealed = sealstr_seal(r->cur, plain);
	sodium_memzero(plain, sizeof(plain));
	if (sealed == NULL) {
		fprintf(stderr, "laurelctl: out of memory\n");
		return (-1);
	}

	(void)snprintf(sql, sizeof(sql), "UPDATE users SET %s = $1 "
	    "WHERE id = $2 AND %s = $3", column, column);
	params[0] = sealed;
	params[1] = id;
	params[2] = old;
	res = PQexecParams(r->conn, sql, 3, NULL, params, NULL, NULL, 0);
	free(sealed);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(r->conn));
		PQclear(res);
		return (-1);
	}
	if (strcmp(PQcmdTuples(res), "1") == 0)
		r->secrets++;
	PQclear(res);

	return (0);
}

/* 0, or -1 on an error; the secrets left are counted by key_secrets_left. */
static int
key_secrets(struct key_rotation *r)
{
	PGresult	*res;
	const char	*params[1];
	char		 like[32];
	int		 i, rc;

	(void)snprintf(like, sizeof(like), SEALSTR_PREFIX "%s.%%", r->cur->id);
	params[0] = like;
	res = PQexecParams(r->conn, key_secrets_sql, 1, NULL, params, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(r->conn));
		PQclear(res);
		return (-1);
	}

	rc = 0;
	for (i = 0; i < PQntuples(res) && rc == 0; i++) {
		if (PQgetvalue(res, i, 1)[0] != '\0')
			rc = key_secret(r, PQgetvalue(res, i, 0),
			    "totp_secret", PQgetvalue(res, i, 1));
		if (rc == 0 && PQgetvalue(res, i, 2)[0] != '\0')
			rc = key_secret(r, PQgetvalue(res, i, 0),
			    "totp_pending", PQgetvalue(res, i, 2));
	}
	PQclear(res);

	return (rc);
}

static long long
key_secrets_left(struct key_rotation *r)
{
	char	like[32];

	(void)snprintf(like, sizeof(like), SEALSTR_PREFIX "%s.%%", r->cur->id);
	return (key_count(r, "SELECT count(*) FILTER (WHERE totp_secret NOT "
	    "LIKE $1) + count(*) FILTER (WHERE totp_pending NOT LIKE $1) "
	    "FROM users", like));
}

static int
key_audit(struct key_rotation *r, long long left)
{
	PGresult	*res;
	const char	*params[4];
	char		 rotated[24], nleft[24], secrets[24];
	int		 ok;

	(void)snprintf(rotated, sizeof(rotated), "%lld", r->rotated);
	(void)snprintf(secrets, sizeof(secrets), "%lld", r->secrets);
	params[3] = secrets;
	(void)snprintf(nleft, sizeof(nleft), "%lld", left);
	params[0] = r->cur->id;
	params[1] = rotated;
	params[2] = nleft;
	res = PQexecParams(r->conn, "SELECT audit_log(NULL, 'key.rotate', "
	    "'key:' || $1, '', NULL, jsonb_build_object('rotated', "
	    "$2::bigint, 'secrets', $4::bigint, 'left', $3::bigint))", 4, NULL,
	    params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(r->conn));
	PQclear(res);

	return (ok ? 0 : -1);
}

static int
key_rotate(int argc, char **argv)
{
	struct key_rotation	 r;
	long long		 left, secrets_left;
	int			 rc, n;

	memset(&r, 0, sizeof(r));
	if ((rc = key_parse_batch(argc, argv, &r.batch)) != 0)
		return (rc);
	if (sodium_init() < 0) {
		fprintf(stderr, "laurelctl: libsodium failed to start\n");
		return (1);
	}
	if (key_load(&r.kr) == -1)
		return (1);
	r.cur = keyring_current(&r.kr);
	if ((r.conn = ctl_connect()) == NULL) {
		keyring_wipe(&r.kr);
		return (1);
	}

	while ((n = key_batch(&r)) > 0)
		;
	rc = 1;
	if (n == 0 && key_secrets(&r) == 0 &&
	    (left = key_left(&r)) >= 0 &&
	    (secrets_left = key_secrets_left(&r)) >= 0 &&
	    key_audit(&r, left + secrets_left) == 0) {
		printf("rotated %lld document(s) to key %s; %lld left under "
		    "other keys\n", r.rotated, r.cur->id, left);
		printf("sealed %lld two-step secret(s) with key %s; %lld left "
		    "under other keys\n", r.secrets, r.cur->id, secrets_left);
		if (left + secrets_left > 0)
			fprintf(stderr, "laurelctl: %lld document(s) and %lld "
			    "secret(s) are not under the current key yet; see "
			    "the lines above, then run laurelctl key rotate "
			    "again\n", left, secrets_left);
		rc = left + secrets_left == 0 ? 0 : 1;
	}

	PQfinish(r.conn);
	keyring_wipe(&r.kr);
	return (rc);
}

int
ctl_key(int argc, char **argv)
{
	if (argc < 2)
		return (key_usage());
	if (strcmp(argv[1], "new") == 0)
		return (key_new(argc - 1, argv + 1));
	if (strcmp(argv[1], "rotate") == 0)
		return (key_rotate(argc - 1, argv + 1));

	fprintf(stderr, "laurelctl: key: unknown action '%s'\n", argv[1]);
	return (key_usage());
}
