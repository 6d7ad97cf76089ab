/*
 * laurelctl: operator commands (migrate, users, audit, mail, keys, prune,
 * seed, restore-check). Synchronous libpq is fine here: this is a
 * command-line tool, not a Kore worker.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/envfile.h"
#include "laurelctl/laurelctl.h"

/* The files deploy/ installs: the instances', then the owner's. */
#define CTL_ENV_PROD	"/etc/laurel/laurel.env"
#define CTL_ENV_OWNER	"/etc/laurel/owner.env"
/* What `make run` writes in the project's root (tools/run.sh). */
#define CTL_ENV_DEV	"var/laurelctl.env"
/* A settings file is a few lines; anything bigger is not one. */
#define CTL_ENV_MAX	(64 * 1024)

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
	{ "restore-check", ctl_restore_check, "DUMP [--key FILE]: restore a "
	    "backup, check rows and documents" },
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
	    "owner). When neither is set, the settings come from\n"
	    "$LAUREL_ENV_FILE, else " CTL_ENV_PROD " and " CTL_ENV_OWNER
	    ",\nelse " CTL_ENV_DEV " (written by `make run`); the "
	    "environment wins.\n");
	exit(2);
}

int
ctl_read_small(const char *path, size_t max, char **text, size_t *len)
{
	FILE	*f;
	int	 saved;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	if ((*text = malloc(max + 1)) == NULL)
		abort();
	*len = fread(*text, 1, max + 1, f);
	saved = ferror(f) ? EIO : *len > max ? EFBIG : 0;
	(void)fclose(f);
	if (saved != 0) {
		free(*text);
		*text = NULL;
		errno = saved;
		return (-1);
	}
	(*text)[*len] = '\0';
	return (0);
}

/*
 * Reads one file into ef: 1, 0 when it does not exist (and may not),
 * -1 after printing why.
 */
static int
env_read(const char *path, int must, struct envfile *ef)
{
	char		*text, err[256];
	size_t		 len;
	int		 rc;

	if (ctl_read_small(path, CTL_ENV_MAX, &text, &len) == -1) {
		if (errno == ENOENT && !must)
			return (0);
		if (errno == EFBIG)
			fprintf(stderr, "laurelctl: %s: over %d bytes, not a "
			    "settings file\n", path, CTL_ENV_MAX);
		else
			fprintf(stderr, "laurelctl: cannot read %s: %s\n",
			    path, strerror(errno));
		return (-1);
	}
	rc = 1;
	if (envfile_parse(ef, text, len, err, sizeof(err)) == -1) {
		fprintf(stderr, "laurelctl: %s %s\n", path, err);
		rc = -1;
	}
	free(text);
	return (rc);
}

/*
 * Puts a file's settings into the environment, except those the
 * environment has already (even empty: a caller that emptied one meant
 * it). present says which were there before any file was read, so a
 * later file may still replace an earlier one (the owner's file after
 * the instances').
 */
static void
env_apply(const struct envfile *ef, const char *const *present)
{
	size_t	 i, j;

	for (i = 0; i < ef->nvars; i++) {
		for (j = 0; present[j] != NULL; j++) {
			if (strcmp(present[j], ef->vars[i].name) == 0)
				break;
		}
		if (present[j] != NULL)
			continue;
		if (setenv(ef->vars[i].name, ef->vars[i].value, 1) == -1) {
			fprintf(stderr, "laurelctl: setenv %s: %s\n",
			    ef->vars[i].name, strerror(errno));
			exit(1);
		}
	}
}

/*
 * The operator's commands find their settings where the operator is:
 * an explicit $LAUREL_ENV_FILE (empty: none at all), else production's
 * files, else the development instance's. Without a database setting
 * in the environment only: a caller that gave one (the tests, systemd
 * units) gets exactly its environment. A file that is there but cannot
 * be read or parsed stops the command: going on would act on some
 * other database than the one the operator set up.
 */
static void
env_load(void)
{
	const char	*paths[3], *explicit;
	const char	**present;
	struct envfile	 ef[2];
	size_t		 n, i, j, k, total;
	int		 rc;

	n = 0;
	if ((explicit = getenv("LAUREL_ENV_FILE")) != NULL) {
		if (*explicit == '\0')
			return;
		paths[n++] = explicit;
	} else if (getenv("LAUREL_DB") != NULL ||
	    getenv("LAUREL_OWNER_DB") != NULL)
		return;

	memset(ef, 0, sizeof(ef));
	if (n == 1) {
		if (env_read(paths[0], 1, &ef[0]) == -1)
			exit(1);
	} else {
		paths[0] = CTL_ENV_PROD;
		paths[1] = CTL_ENV_OWNER;
		for (i = 0; i < 2; i++) {
			if ((rc = env_read(paths[i], 0, &ef[n])) == -1)
				exit(1);
			n += rc;
		}
		if (n == 0) {
			paths[0] = CTL_ENV_DEV;
			if ((rc = env_read(paths[0], 0, &ef[0])) == -1)
				exit(1);
			n = rc;
		}
	}

	total = 0;
	for (i = 0; i < n; i++)
		total += ef[i].nvars;
	if ((present = calloc(total + 1, sizeof(*present))) == NULL)
		abort();
	k = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < ef[i].nvars; j++) {
			if (getenv(ef[i].vars[j].name) != NULL)
				present[k++] = ef[i].vars[j].name;
		}
	}
	for (i = 0; i < n; i++)
		env_apply(&ef[i], present);
	free(present);
	for (i = 0; i < n; i++)
		envfile_free(&ef[i]);
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
		(void)snprintf(errbuf, errlen, "no database: LAUREL_DB is "
		    "not set; set it, or run `make run` in this directory, "
		    "or install " CTL_ENV_PROD);
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

	env_load();
	for (i = 0; commands[i].name != NULL; i++) {
		if (strcmp(commands[i].name, argv[1]) == 0)
			return (commands[i].run(argc - 1, argv + 1));
	}

	fprintf(stderr, "laurelctl: unknown command '%s'\n", argv[1]);
	usage();
	return (2);
}
