/*
 * laurelctl migrate [MIGRATIONS [SQL]]: the schema, in one transaction.
 *
 *	MIGRATIONS	NNNN_name.sql (default migrations/): tables, types,
 *			indexes, grants on tables, data. Each is applied
 *			once, in order, and recorded in schema_migrations.
 *	SQL		*.sql (default: the folder sql beside MIGRATIONS):
 *			every function and trigger, each once, in its
 *			current text. All are applied again on every run,
 *			after the migrations, in the byte order of their
 *			names (10_foundation.sql, 20_accounts.sql, ...).
 *
 * The pending migrations and the SQL files are one transaction: a failure
 * anywhere rolls all of it back and is told in one line (file:line:
 * message). An advisory lock keeps two instances starting at once from
 * racing. On a fresh database the migrations run before any function or
 * trigger exists, so their data steps are plain SQL (no function of sql/,
 * no INSERT INTO audit, whose hash chain is a trigger of sql/).
 *
 * CREATE OR REPLACE alone would leave behind what the files no longer
 * define, and cannot change a function's result or parameters. So, in
 * public (the schema of the tables and functions):
 *
 *  1. Probe. In a savepoint the files run into an empty schema,
 *     laurel_probe, first in search_path (tables still resolve in public).
 *     What they make there is exactly what they define: each function's
 *     name, argument types, parameters, result and privileges, and the
 *     triggers that call their functions (a trigger of sql/ calls a
 *     function of sql/; one that called a built-in would be dropped and
 *     made again on every run). A file that fails stops everything
 *     here. The savepoint is rolled back: the probe leaves nothing
 *     behind.
 *  2. Drops, each one named and none with CASCADE: the triggers on tables
 *     of public that the files do not define; the functions of public
 *     (not an extension's, such as citext's) whose name and argument
 *     types no file defines; and those whose parameters, result or kind
 *     changed, which step 3 creates again (with their triggers, dropped
 *     first). A column default, constraint, index or view that uses a
 *     function makes its DROP fail: migrate then stops and changes
 *     nothing, rather than drop what uses it.
 *  3. The files run in public. CREATE OR REPLACE FUNCTION keeps each
 *     function (its oid, its privileges) and replaces its text; CREATE
 *     OR REPLACE TRIGGER does the same for triggers.
 *  4. Privileges. A function whose privileges differ from the probe's,
 *     i.e. from what the files give a new function (PUBLIC may execute
 *     it unless a file REVOKEs that), is given exactly those. laurel_app
 *     thus has the rights the files say, no more, old database or new.
 *  5. Check. public has exactly the functions of the probe (a file that
 *     names a schema would make others).
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
#define MIGRATE_UNCHANGED	"; nothing was changed"

/* A file of sql/, read once for both of its runs. */
struct sql_file {
	char	*path;
	char	*text;
};

/* What the run did, printed once it has committed. */
struct migrate_report {
	char	**lines;
	size_t	  count;
};

/*
 * The schema's own routines in public (not an extension's) or in the
 * probe: name, argument types, what CREATE OR REPLACE cannot change
 * (kind, parameters with names and defaults, result), and the
 * privileges other than the owner's, as a sorted JSON array (a NULL
 * ACL is the default: PUBLIC may execute).
 */
#define SQL_ROUTINES(schema)						\
    "SELECT p.oid, p.proname::text AS name, "				\
    "oidvectortypes(p.proargtypes) AS types, "				\
    "concat_ws(' ', p.prokind, pg_get_function_arguments(p.oid), "	\
    "'->', pg_get_function_result(p.oid)) AS header, "			\
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('to', a.grantee, "	\
    "'privilege', a.privilege_type, 'grantable', a.is_grantable) "	\
    "ORDER BY a.grantee, a.privilege_type), '[]') "			\
    "FROM (SELECT CASE x.grantee WHEN 0 THEN 'PUBLIC' "			\
    "ELSE x.grantee::regrole::text END AS grantee, x.privilege_type, "	\
    "x.is_grantable FROM aclexplode(coalesce(p.proacl, "		\
    "acldefault('f', p.proowner))) x "					\
    "WHERE x.grantee <> p.proowner) a) AS acl "				\
    "FROM pg_proc p WHERE p.pronamespace = '" schema "'::regnamespace "	\
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d "			\
    "WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid "	\
    "AND d.deptype = 'e')"

/* The probe's functions and triggers: what the files define. */
static const char	sql_target[] =
    "SELECT jsonb_build_object("
    "'functions', (SELECT coalesce(jsonb_agg(jsonb_build_object("
    "'name', r.name, 'types', r.types, 'header', r.header, "
    "'acl', r.acl)), '[]') FROM (" SQL_ROUTINES("laurel_probe") ") r), "
    "'triggers', (SELECT coalesce(jsonb_agg(jsonb_build_object("
    "'table', c.relname, 'name', t.tgname)), '[]') "
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal "
    "AND c.relnamespace = 'public'::regnamespace "
    "AND p.pronamespace = 'laurel_probe'::regnamespace))";

/* Anything a file made in the probe that is not a function. */
static const char	sql_others[] =
    "SELECT string_agg(name, ', ' ORDER BY name) FROM ("
    "SELECT c.relname::text AS name FROM pg_class c "
    "WHERE c.relnamespace = 'laurel_probe'::regnamespace UNION ALL "
    "SELECT t.typname::text FROM pg_type t "
    "WHERE t.typnamespace = 'laurel_probe'::regnamespace "
    "AND t.typrelid = 0 AND t.typcategory <> 'A') s";

#define SQL_WANTED							\
    "WITH want AS (SELECT f->>'name' AS name, "				\
    "f->>'types' AS types, f->>'header' AS header, f->'acl' AS acl "	\
    "FROM jsonb_array_elements($1::jsonb->'functions') f), "		\
    "want_tg AS (SELECT t->>'table' AS tbl, t->>'name' AS name "	\
    "FROM jsonb_array_elements($1::jsonb->'triggers') t), "		\
    "own AS (" SQL_ROUTINES("public") ") "

/*
 * Step 2: (statement, what it did). Triggers first, so that the
 * functions they call can go; no CASCADE anywhere.
 */
static const char	sql_drops[] =
    SQL_WANTED
    ", gone AS (SELECT o.oid, o.name, o.types, EXISTS (SELECT 1 "
    "FROM want w WHERE w.name = o.name AND w.types = o.types) "
    "AS changed FROM own o WHERE NOT EXISTS (SELECT 1 FROM want w "
    "WHERE w.name = o.name AND w.types = o.types "
    "AND w.header = o.header)) "
    "SELECT stmt, what FROM ("
    "SELECT 1 AS step, c.relname::text AS k1, t.tgname::text AS k2, "
    "format('DROP TRIGGER %I ON %I', t.tgname, c.relname) AS stmt, "
    "CASE WHEN EXISTS (SELECT 1 FROM want_tg w WHERE w.tbl = c.relname "
    "AND w.name = t.tgname) "
    "THEN format('re-created trigger %s on %s (its function changed)', "
    "t.tgname, c.relname) "
    "ELSE format('dropped trigger %s on %s (in no file of sql/)', "
    "t.tgname, c.relname) END AS what "
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace "
    "AND (NOT EXISTS (SELECT 1 FROM want_tg w WHERE w.tbl = c.relname "
    "AND w.name = t.tgname) OR t.tgfoid IN (SELECT oid FROM gone)) "
    "UNION ALL "
    "SELECT 2, g.name, g.types, "
    "format('DROP ROUTINE %I(%s)', g.name, g.types), "
    "CASE WHEN g.changed THEN format('re-created function %s(%s) "
    "(its parameters or result changed)', g.name, g.types) "
    "ELSE format('dropped function %s(%s) (in no file of sql/)', "
    "g.name, g.types) END FROM gone g) s ORDER BY step, k1, k2";

/*
 * Step 4: for each function whose privileges are not the probe's, one
 * statement list that revokes what it has (CASCADE: with what grantees
 * passed on) and grants what the files give.
 */
static const char	sql_grants[] =
    SQL_WANTED
    "SELECT format('REVOKE ALL ON ROUTINE %I(%s) FROM %s CASCADE', "
    "o.name, o.types, (SELECT string_agg(DISTINCT g, ', ') FROM "
    "(SELECT 'PUBLIC' UNION SELECT a->>'to' "
    "FROM jsonb_array_elements(o.acl) a) s(g))) || "
    "coalesce((SELECT string_agg(format('; GRANT %s ON ROUTINE %I(%s) "
    "TO %s%s', a->>'privilege', o.name, o.types, a->>'to', "
    "CASE WHEN (a->>'grantable')::boolean THEN ' WITH GRANT OPTION' "
    "ELSE '' END), '') FROM jsonb_array_elements(w.acl) a), ''), "
    "format('set the privileges of function %s(%s) to those of sql/', "
    "o.name, o.types) "
    "FROM own o JOIN want w ON w.name = o.name AND w.types = o.types "
    "WHERE o.acl <> w.acl ORDER BY o.name, o.types";

/* Step 5: functions of public that are not the probe's, or missing. */
static const char	sql_check[] =
    SQL_WANTED
    "SELECT string_agg(f, ', ' ORDER BY f) FROM ("
    "SELECT format('%s(%s) is not from the check run', o.name, "
    "o.types) FROM own o WHERE NOT EXISTS (SELECT 1 FROM want w "
    "WHERE w.name = o.name AND w.types = o.types) UNION ALL "
    "SELECT format('%s(%s) is missing', w.name, w.types) FROM want w "
    "WHERE NOT EXISTS (SELECT 1 FROM own o WHERE o.name = w.name "
    "AND o.types = w.types)) s(f)";

/* Prints s on the current line, line breaks as spaces. */
static void
migrate_put(const char *s)
{
	size_t		 len;

	len = strlen(s);
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	for (; len > 0; s++, len--)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, stderr);
}

/* The line of the pos-th character (1-based, as the server counts). */
static long
migrate_line(const char *text, long pos)
{
	const unsigned char	*p;
	long			 line, chars;

	line = 1;
	chars = 0;
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		if (++chars >= pos)
			break;
		if (*p == '\n')
			line++;
	}

	return (line);
}

/*
 * One line for what failed: where (a file, with the line when the
 * server gave a position in text), the server's message and detail.
 */
static void
migrate_fail(PGconn *conn, PGresult *res, const char *where,
    const char *text)
{
	const char	*msg, *detail, *pos, *state;

	msg = detail = pos = state = NULL;
	if (res != NULL) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	}
	if (msg == NULL)
		msg = PQerrorMessage(conn);

	fprintf(stderr, "laurelctl: %s", where);
	if (pos != NULL && text != NULL)
		fprintf(stderr, ":%ld", migrate_line(text, atol(pos)));
	fprintf(stderr, ": ");
	migrate_put(msg);
	if (detail != NULL) {
		fprintf(stderr, " (");
		migrate_put(detail);
		fprintf(stderr, ")");
	}
	/* dependent_objects_still_exist: a DROP of step 2. */
	if (state != NULL && strcmp(state, "2BP01") == 0)
		fprintf(stderr, ": keep the function in a file of sql/, or "
		    "change what uses it in a migration");
	fprintf(stderr, MIGRATE_UNCHANGED "\n");
}

/* Runs text (one statement or many); -1 after migrate_fail(). */
static int
migrate_run(PGconn *conn, const char *where, const char *text)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(conn, text);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK ||
	    PQresultStatus(res) == PGRES_EMPTY_QUERY;
	if (!ok)
		migrate_fail(conn, res, where, text);
	PQclear(res);

	return (ok ? 0 : -1);
}

/* Rows of a query with at most one parameter; NULL after migrate_fail(). */
static PGresult *
migrate_rows(PGconn *conn, const char *where, const char *query,
    const char *param)
{
	PGresult	*res;

	res = PQexecParams(conn, query, param != NULL ? 1 : 0, NULL,
	    &param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		migrate_fail(conn, res, where, NULL);
		PQclear(res);
		return (NULL);
	}

	return (res);
}

static void
migrate_note(struct migrate_report *report, const char *what,
    const char *name)
{
	size_t		 len;
	char		*line;

	len = strlen(what) + strlen(name) + 2;
	if ((line = malloc(len)) == NULL)
		abort();
	(void)snprintf(line, len, "%s%s%s", what, *what != '\0' ? " " : "",
	    name);
	report->lines = reallocarray(report->lines, report->count + 1,
	    sizeof(*report->lines));
	if (report->lines == NULL)
		abort();
	report->lines[report->count++] = line;
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
sql_name_ok(const char *name)
{
	size_t		 len;

	len = strlen(name);
	return (len > 4 && name[0] != '.' &&
	    strcmp(name + len - 4, ".sql") == 0);
}

static int
migrate_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Sorted names of the files ok() accepts; caller frees each and the array. */
static char **
migrate_list(const char *dir, int (*ok)(const char *), size_t *count)
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
		if (!ok(de->d_name))
			continue;
		if ((names[(*count)++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(d);

	qsort(names, *count, sizeof(*names), migrate_cmp);
	return (names);
}

/* The folder name beside dir: migrations -> sql, /a/migrations/ -> /a/sql. */
static char *
migrate_beside(const char *dir, const char *name)
{
	char		*path, *slash;
	size_t		 len, size;

	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	size = len + strlen(name) + 2;
	if ((path = malloc(size)) == NULL)
		abort();
	memcpy(path, dir, len);
	path[len] = '\0';

	if ((slash = strrchr(path, '/')) == NULL)
		(void)snprintf(path, size, "%s", name);
	else
		(void)snprintf(slash + 1, size - (slash + 1 - path), "%s",
		    name);

	return (path);
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
		migrate_fail(conn, res, "schema_migrations", NULL);
		PQclear(res);
		return (-1);
	}
	n = PQntuples(res);
	if (n > 0 && strcmp(PQgetvalue(res, 0, 0), name) != 0) {
		fprintf(stderr, "laurelctl: migration %s was applied as %s, "
		    "but the file is now %s: this database comes from another "
		    "history of migrations/ (recreate a development database; "
		    "never renumber migrations that have been deployed)"
		    MIGRATE_UNCHANGED "\n", version, PQgetvalue(res, 0, 0),
		    name);
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
		migrate_fail(conn, res, "schema_migrations", NULL);
	PQclear(res);

	return (ok ? 0 : -1);
}

/* Applies one migration unless it is recorded; in the run's transaction. */
static int
migrate_one(PGconn *conn, const char *dir, const char *name,
    struct migrate_report *report)
{
	char		 path[4096], version[5];
	char		*text;
	int		 done, rc;

	memcpy(version, name, 4);
	version[4] = '\0';

	if ((done = migrate_applied(conn, version, name)) != 0)
		return (done == 1 ? 0 : -1);

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((text = migrate_read(path)) == NULL)
		return (-1);

	rc = migrate_run(conn, path, text);
	free(text);
	if (rc == -1 || migrate_record(conn, version, name) == -1)
		return (-1);

	migrate_note(report, "applied", name);
	return (0);
}

/* Step 1: what the files define, as JSON; caller frees. NULL on failure. */
static char *
sql_probe(PGconn *conn, const char *dir, struct sql_file *files, size_t n)
{
	PGresult	*res;
	char		*target;
	size_t		 i;

	/*
	 * Bodies are not checked here: a function's own search_path (public)
	 * would look there for what the probe made in laurel_probe. The run
	 * for real, in step 3, checks every body.
	 */
	if (migrate_run(conn, dir, "SAVEPOINT laurel_probe; "
	    "CREATE SCHEMA laurel_probe; "
	    "SET LOCAL search_path = laurel_probe, public; "
	    "SET LOCAL check_function_bodies = off") == -1)
		return (NULL);

	for (i = 0; i < n; i++) {
		if (migrate_run(conn, files[i].path, files[i].text) == -1)
			return (NULL);
		if ((res = migrate_rows(conn, files[i].path, sql_others,
		    NULL)) == NULL)
			return (NULL);
		if (!PQgetisnull(res, 0, 0)) {
			fprintf(stderr, "laurelctl: %s: makes %s, which is "
			    "not a function (sql/ holds functions and "
			    "triggers; tables, types and data belong in "
			    "migrations/)" MIGRATE_UNCHANGED "\n",
			    files[i].path, PQgetvalue(res, 0, 0));
			PQclear(res);
			return (NULL);
		}
		PQclear(res);
	}

	if ((res = migrate_rows(conn, dir, sql_target, NULL)) == NULL)
		return (NULL);
	if ((target = strdup(PQgetvalue(res, 0, 0))) == NULL)
		abort();
	PQclear(res);

	if (migrate_run(conn, dir, "ROLLBACK TO SAVEPOINT laurel_probe; "
	    "RELEASE SAVEPOINT laurel_probe") == -1) {
		free(target);
		return (NULL);
	}

	return (target);
}

/* Steps 2 and 4: runs each (statement, what) row of query. */
static int
sql_steps(PGconn *conn, const char *dir, const char *query,
    const char *target, struct migrate_report *report)
{
	PGresult	*res;
	int		 i, rc;

	if ((res = migrate_rows(conn, dir, query, target)) == NULL)
		return (-1);

	rc = 0;
	for (i = 0; i < PQntuples(res) && rc == 0; i++) {
		if ((rc = migrate_run(conn, dir, PQgetvalue(res, i, 0))) == 0)
			migrate_note(report, "", PQgetvalue(res, i, 1));
	}
	PQclear(res);

	return (rc);
}

/* Applies sql/ in the run's transaction: steps 1 to 5 above. */
static int
sql_apply(PGconn *conn, const char *dir, struct sql_file *files, size_t n,
    struct migrate_report *report)
{
	PGresult	*res;
	char		*target;
	size_t		 i;
	int		 rc;

	if (migrate_run(conn, dir, "SET LOCAL search_path = public") == -1 ||
	    (target = sql_probe(conn, dir, files, n)) == NULL)
		return (-1);

	rc = -1;
	if (sql_steps(conn, dir, sql_drops, target, report) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (migrate_run(conn, files[i].path, files[i].text) == -1)
			goto out;
	}
	if (sql_steps(conn, dir, sql_grants, target, report) == -1)
		goto out;

	if ((res = migrate_rows(conn, dir, sql_check, target)) == NULL)
		goto out;
	if (!PQgetisnull(res, 0, 0)) {
		fprintf(stderr, "laurelctl: %s: public differs from the check "
		    "run of sql/: %s (write function names without a schema)"
		    MIGRATE_UNCHANGED "\n", dir, PQgetvalue(res, 0, 0));
		PQclear(res);
		goto out;
	}
	PQclear(res);
	rc = 0;

out:
	free(target);
	return (rc);
}

/* Reads every file of sql/; refuses a folder without one. */
static struct sql_file *
sql_read(const char *dir, size_t *n)
{
	struct sql_file	*files;
	char		**names;
	size_t		 count, i, len;
	int		 ok;

	if ((names = migrate_list(dir, sql_name_ok, &count)) == NULL)
		return (NULL);
	if (count == 0) {
		fprintf(stderr, "laurelctl: %s: no .sql file here (the "
		    "functions of the schema are in sql/ beside migrations/, "
		    "or give their folder: laurelctl migrate MIGRATIONS "
		    "SQL)\n", dir);
		free(names);
		return (NULL);
	}

	if ((files = calloc(count, sizeof(*files))) == NULL)
		abort();
	ok = 1;
	for (i = 0; i < count; i++) {
		len = strlen(dir) + strlen(names[i]) + 2;
		if ((files[i].path = malloc(len)) == NULL)
			abort();
		(void)snprintf(files[i].path, len, "%s/%s", dir, names[i]);
		if (ok && (files[i].text = migrate_read(files[i].path)) == NULL)
			ok = 0;
		free(names[i]);
	}
	free(names);
	*n = count;

	if (!ok) {
		for (i = 0; i < count; i++) {
			free(files[i].path);
			free(files[i].text);
		}
		free(files);
		return (NULL);
	}

	return (files);
}

/*
 * The app's role owns nothing: migrations run as it would either fail
 * half-way or, once an operator made it the owner, let the app drop the
 * audit log's triggers. Refused with the setting to use. 1 if refused.
 */
static int
migrate_as_app(PGconn *conn)
{
	PGresult	*res;
	int		 app;

	res = PQexec(conn, "SELECT current_user = 'laurel_app'");
	app = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (app)
		fprintf(stderr, "laurelctl: migrate runs as the schema's owner, "
		    "not as laurel_app: set LAUREL_OWNER_DB to the owner's "
		    "connection string\n");

	return (app);
}

int
ctl_migrate(int argc, char **argv)
{
	PGconn			*conn;
	struct sql_file		*files;
	struct migrate_report	 report;
	char			**names, *sqldir;
	const char		*dir;
	size_t			 count, nfiles, i;
	long			 keys;
	int			 rc;

	if (argc > 3) {
		fprintf(stderr, "usage: laurelctl migrate "
		    "[MIGRATIONS [SQL]]\n");
		return (2);
	}
	dir = argc > 1 ? argv[1] : "migrations";
	if (argc > 2) {
		if ((sqldir = strdup(argv[2])) == NULL)
			abort();
	} else
		sqldir = migrate_beside(dir, "sql");

	if ((conn = ctl_connect()) == NULL) {
		free(sqldir);
		return (1);
	}
	if (migrate_as_app(conn)) {
		PQfinish(conn);
		free(sqldir);
		return (1);
	}

	rc = 1;
	names = NULL;
	files = NULL;
	count = nfiles = 0;
	memset(&report, 0, sizeof(report));
	if ((names = migrate_list(dir, migrate_name_ok, &count)) == NULL ||
	    (files = sql_read(sqldir, &nfiles)) == NULL)
		goto out;

	if (migrate_run(conn, "migrate", "SET client_min_messages = warning; "
	    "SELECT pg_advisory_lock(" MIGRATE_LOCK ")") == -1 ||
	    migrate_run(conn, "migrate", "BEGIN; "
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())") == -1)
		goto out;

	for (i = 0; i < count; i++) {
		if (migrate_one(conn, dir, names[i], &report) == -1)
			goto out;
	}
	if (sql_apply(conn, sqldir, files, nfiles, &report) == -1 ||
	    (keys = ctl_keys_backfill(conn)) == -1 ||
	    migrate_run(conn, "migrate", "COMMIT") == -1)
		goto out;
	if (keys > 0)
		printf("computed the conflict keys of %ld application(s)\n",
		    keys);

	for (i = 0; i < report.count; i++)
		printf("%s\n", report.lines[i]);
	rc = 0;

out:
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	for (i = 0; i < report.count; i++)
		free(report.lines[i]);
	free(report.lines);
	for (i = 0; names != NULL && i < count; i++)
		free(names[i]);
	free(names);
	for (i = 0; files != NULL && i < nfiles; i++) {
		free(files[i].path);
		free(files[i].text);
	}
	free(files);
	free(sqldir);
	PQfinish(conn);

	return (rc);
}
