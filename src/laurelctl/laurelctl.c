/*
 * laurelctl: operator commands (migrate, users, audit, mail, keys, prune,
 * seed; more as the features arrive). Synchronous libpq is fine here: this
 * is a command-line tool, not a Kore worker.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "laurelctl/laurelctl.h"

static const struct {
	const char	*name;
	int		(*run)(int, char **);
	const char	*help;
} commands[] = {
	{ "migrate", ctl_migrate, "[MIGRATIONS [SQL]]: pending migrations, "
	    "then sql/" },
	{ "user", ctl_user, "create|promote|demote|disable an account" },
	{ "audit", ctl_audit, "verify: check the audit log's hash chain" },
	{ "mail", ctl_mail, "deliver the e-mail outbox (--once: then exit)" },
	{ "key", ctl_key, "new PATH | rotate: the file-encryption keys" },
	{ "prune", ctl_prune, "delete expired sessions, links, counters and "
	    "old mail" },
	{ "seed", ctl_seed, "bench: the data set of make bench (SPEC §8)" },
	{ NULL, NULL, NULL }
};

static void
usage(void)
{
	int		 i;

	fprintf(stderr, "usage: laurelctl COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; commands[i].name != NULL; i++)
		fprintf(stderr, "  %-10s %s\n", commands[i].name,
		    commands[i].help);
	fprintf(stderr, "\nThe database is taken from LAUREL_OWNER_DB, or "
	    "else LAUREL_DB (a libpq connection\nstring of the schema's "
	    "owner).\n");
	exit(2);
}

PGconn *
ctl_open(char *errbuf, size_t errlen)
{
	PGconn		*conn;
	const char	*dsn;
	size_t		 len;

	/*
	 * The operator's tool acts as the schema's owner; the instances'
	 * LAUREL_DB is the app's role, which owns nothing. Where both are
	 * set (production), the owner's string wins.
	 */
	if ((dsn = getenv("LAUREL_OWNER_DB")) == NULL || *dsn == '\0')
		dsn = getenv("LAUREL_DB");
	if (dsn == NULL || *dsn == '\0') {
		(void)snprintf(errbuf, errlen, "LAUREL_DB is not set, nor "
		    "LAUREL_OWNER_DB (the libpq connection string of the "
		    "schema's owner)");
		return (NULL);
	}

	conn = PQconnectdb(dsn);
	/* Hashes and mail are computed over UTF-8, whatever the locale. */
	if (PQstatus(conn) != CONNECTION_OK ||
	    PQsetClientEncoding(conn, "UTF8") != 0) {
		(void)snprintf(errbuf, errlen, "cannot connect to the "
		    "database: %s", PQerrorMessage(conn));
		len = strlen(errbuf);
		while (len > 0 && errbuf[len - 1] == '\n')
			errbuf[--len] = '\0';
		PQfinish(conn);
		return (NULL);
	}

	return (conn);
}

PGconn *
ctl_connect(void)
{
	PGconn		*conn;
	char		 why[512];

	if ((conn = ctl_open(why, sizeof(why))) == NULL)
		fprintf(stderr, "laurelctl: %s\n", why);

	return (conn);
}

int
main(int argc, char **argv)
{
	int		 i;

	if (argc < 2)
		usage();

	for (i = 0; commands[i].name != NULL; i++) {
		if (strcmp(commands[i].name, argv[1]) == 0)
			return (commands[i].run(argc - 1, argv + 1));
	}

	fprintf(stderr, "laurelctl: unknown command '%s'\n", argv[1]);
	usage();
	return (2);
}
