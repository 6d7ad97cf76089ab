/*
 * laurelctl: operator commands (migrate now; users, mail, audit, keys
 * and seeding as the features arrive). Synchronous libpq is fine here:
 * this is a command-line tool, not a Kore worker.
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
	{ "migrate", ctl_migrate, "apply the migrations not yet applied" },
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
	fprintf(stderr, "\nThe database is taken from LAUREL_DB "
	    "(a libpq connection string).\n");
	exit(2);
}

PGconn *
ctl_connect(void)
{
	PGconn		*conn;
	const char	*dsn;

	if ((dsn = getenv("LAUREL_DB")) == NULL || *dsn == '\0') {
		fprintf(stderr, "laurelctl: LAUREL_DB is not set (the libpq "
		    "connection string of the database)\n");
		return (NULL);
	}

	conn = PQconnectdb(dsn);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "laurelctl: cannot connect to the database: "
		    "%s", PQerrorMessage(conn));
		PQfinish(conn);
		return (NULL);
	}

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
