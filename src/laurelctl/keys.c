/*
 * The conflict keys of applications saved before the panel existed
 * (migration 0015): computed by the same core as the app's (the
 * organisation, partners and contact domain of the latest version,
 * core/conflict.c), inside migrate's transaction, so that no application
 * escapes the automatic conflicts after an upgrade.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "core/conflict.h"
#include "laurelctl/laurelctl.h"
#include "web/embedded.h"

static struct conflict_webmail *
keys_webmail(void)
{
	const struct embedded_file	*f;

	for (f = embedded_files; f->name != NULL; f++) {
		if (strcmp(f->name, "data/webmail-domains.txt") == 0)
			return (conflict_webmail_load((const char *)f->data,
			    f->len));
	}
	return (NULL);
}

static int
keys_one(PGconn *conn, const char *id, const char *content,
    const struct conflict_webmail *w)
{
	PGresult	*res;
	json_t		*c, *keys;
	const char	*params[2];
	char		*text;
	int		 ok;

	if ((c = json_loads(content, 0, NULL)) == NULL)
		return (-1);
	keys = conflict_application_keys(c, w);
	json_decref(c);
	if (keys == NULL || (text = json_dumps(keys, JSON_COMPACT)) == NULL) {
		json_decref(keys);
		return (-1);
	}
	json_decref(keys);

	params[0] = id;
	params[1] = text;
	res = PQexecParams(conn, "SELECT application_keys_set($1, $2::jsonb)",
	    2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "laurelctl: migrate: keys of application %s: "
		    "%s", id, PQresultErrorMessage(res));
	PQclear(res);
	free(text);

	return (ok ? 0 : -1);
}

/* A schema without the panel (another tree's migrations): nothing to do. */
static int
keys_schema(PGconn *conn)
{
	PGresult	*res;
	int		 has;

	res = PQexec(conn, "SELECT to_regprocedure("
	    "'application_keys_missing()') IS NOT NULL");
	has = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);

	return (has);
}

long
ctl_keys_backfill(PGconn *conn)
{
	struct conflict_webmail	*w;
	PGresult		*res;
	long			 n;
	int			 i;

	if (!keys_schema(conn))
		return (0);
	if ((w = keys_webmail()) == NULL) {
		fprintf(stderr, "laurelctl: migrate: the webmail list is "
		    "missing from this build\n");
		return (-1);
	}
	res = PQexec(conn, "SELECT application_id, content "
	    "FROM application_keys_missing()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: migrate: %s",
		    PQresultErrorMessage(res));
		PQclear(res);
		conflict_webmail_free(w);
		return (-1);
	}
	n = 0;
	for (i = 0; i < PQntuples(res); i++) {
		if (keys_one(conn, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    w) == -1) {
			n = -1;
			break;
		}
		n++;
	}
	PQclear(res);
	conflict_webmail_free(w);

	return (n);
}
