/*
 * Migrations: migrations/NNNN_name.sql, applied once each, in order, each
 * in its own transaction together with its row in schema_migrations. An
 * advisory lock keeps two instances starting at once from racing.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "laurelctl/laurelctl.h"

#define MIGRATE_MAX		1000
#define MIGRATE_LOCK		"7349211"
#define MIGRATE_FILE_MAX	(4 * 1024 * 1024)

static int
migrate_exec(PGconn *conn, const char *sql)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(conn));
	PQclear(res);

	return (ok ? 0 : -1);
}

/* Caller frees. NULL after printing why. */
static char *
migrate_read(const char *path)
{
	FILE		*f;
	struct stat	 st;
	char		*buf;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "laurelctl: %s: %s\n", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fileno(f), &st) == -1 || st.st_size > MIGRATE_FILE_MAX) {
		fprintf(stderr, "laurelctl: %s: unreadable or too large\n",
		    path);
		fclose(f);
		return (NULL);
	}

	if ((buf = calloc(1, st.st_size + 1)) == NULL)
		abort();
	if (fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "laurelctl: %s: short read\n", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);

	return (buf);
}

static int
migrate_name_ok(const char *name)
{
	size_t		 len, i;

	len = strlen(name);
	if (len < 10 || strcmp(name + len - 4, ".sql") != 0)
		return (0);
	for (i = 0; i < 4; i++) {
		if (name[i] < '0' || name[i] > '9')
			return (0);
	}

	return (name[4] == '_');
}

static int
migrate_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Sorted names of the migration files; caller frees each and the array. */
static char **
migrate_list(const char *dir, size_t *count)
{
	DIR		*d;
	struct dirent	*de;
	char		**names;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "laurelctl: %s: %s\n", dir, strerror(errno));
		return (NULL);
	}

	if ((names = calloc(MIGRATE_MAX, sizeof(*names))) == NULL)
		abort();
	*count = 0;
	while ((de = readdir(d)) != NULL && *count < MIGRATE_MAX) {
		if (!migrate_name_ok(de->d_name))
			continue;
		if ((names[(*count)++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(d);

	qsort(names, *count, sizeof(*names), migrate_cmp);
	return (names);
}

/*
 * 1 when this migration is recorded, 0 when not, -1 on an error. A
 * version recorded under another file name means the database was made
 * from another history of migrations/: applying on top of it would skip
 * the new file silently, so stop and say so.
 */
static int
migrate_applied(PGconn *conn, const char *version, const char *name)
{
	PGresult	*res;
	const char	*params[1];
	int		 n;

	params[0] = version;
	res = PQexecParams(conn,
	    "SELECT name FROM schema_migrations WHERE version = $1",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(conn));
		PQclear(res);
		return (-1);
	}
	n = PQntuples(res);
	if (n > 0 && strcmp(PQgetvalue(res, 0, 0), name) != 0) {
		fprintf(stderr, "laurelctl: migration %s was applied as %s, "
		    "but the file is now %s: this database comes from another "
		    "history of migrations/ (recreate a development database; "
		    "never renumber migrations that have been deployed)\n",
		    version, PQgetvalue(res, 0, 0), name);
		PQclear(res);
		return (-1);
	}
	PQclear(res);

	return (n > 0);
}

static int
migrate_record(PGconn *conn, const char *version, const char *name)
{
	PGresult	*res;
	const char	*params[2];
	int		 ok;

	params[0] = version;
	params[1] = name;
	res = PQexecParams(conn, "INSERT INTO schema_migrations "
	    "(version, name) VALUES ($1, $2)", 2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(conn));
	PQclear(res);

	return (ok ? 0 : -1);
}

static int
migrate_one(PGconn *conn, const char *dir, const char *name)
{
	char		 path[4096], version[5];
	char		*sql;
	int		 done;

	memcpy(version, name, 4);
	version[4] = '\0';

	if ((done = migrate_applied(conn, version, name)) != 0)
		return (done == 1 ? 0 : -1);

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((sql = migrate_read(path)) == NULL)
		return (-1);

	if (migrate_exec(conn, "BEGIN") == -1) {
		free(sql);
		return (-1);
	}
	if (migrate_exec(conn, sql) == -1 ||
	    migrate_record(conn, version, name) == -1) {
		fprintf(stderr, "laurelctl: migration %s failed and was "
		    "rolled back\n", name);
		(void)migrate_exec(conn, "ROLLBACK");
		free(sql);
		return (-1);
	}
	free(sql);

	if (migrate_exec(conn, "COMMIT") == -1)
		return (-1);

	printf("applied %s\n", name);
	return (0);
}

int
ctl_migrate(int argc, char **argv)
{
	PGconn		*conn;
	char		**names;
	const char	*dir;
	size_t		 count, i;
	int		 rc;

	dir = argc > 1 ? argv[1] : "migrations";
	if ((conn = ctl_connect()) == NULL)
		return (1);

	rc = 1;
	names = NULL;
	count = 0;
	if (migrate_exec(conn, "SET client_min_messages = warning") == -1 ||
	    migrate_exec(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")") ||
	    migrate_exec(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())") == -1)
		goto out;

	if ((names = migrate_list(dir, &count)) == NULL)
		goto out;

	for (i = 0; i < count; i++) {
		if (migrate_one(conn, dir, names[i]) == -1)
			goto out;
	}
	rc = 0;

out:
	for (i = 0; names != NULL && i < count; i++)
		free(names[i]);
	free(names);
	PQfinish(conn);

	return (rc);
}
