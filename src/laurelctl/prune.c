/*
 * laurelctl prune: deletes what nobody needs any more and would only be
 * personal data at rest (expired sessions with their address and browser,
 * used or expired links, old throttle counters, delivered or abandoned
 * mail). One SQL function, prune(), does it in one transaction; deploy/
 * runs this every hour (laurel-prune.timer).
 */

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "laurelctl/laurelctl.h"

int
ctl_prune(int argc, char **argv)
{
	PGconn		*conn;
	PGresult	*res;
	int		 rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: laurelctl prune\n");
		return (2);
	}
	if ((conn = ctl_connect()) == NULL)
		return (1);

	res = PQexec(conn, "SELECT sessions, tokens, throttles, mails "
	    "FROM prune()");
	rc = 1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "laurelctl: prune: %s",
		    PQresultErrorMessage(res));
	} else {
		printf("pruned %s session(s), %s link(s), %s throttle "
		    "counter(s), %s message(s)\n", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		    PQgetvalue(res, 0, 3));
		rc = 0;
	}
	PQclear(res);
	PQfinish(conn);

	return (rc);
}
