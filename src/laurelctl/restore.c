/*
 * laurelctl restore-check DUMP [--key FILE]: proves that a backup
 * restores (README "Backups"). deploy/backup.sh runs it on every dump it
 * takes; an operator runs it on any dump, on any machine with PostgreSQL.
 *
 *  1. the dump's SHA-256 against its manifest (DUMP.manifest), so that a
 *     changed byte is named as such, not as some pg_restore error;
 *  2. a fresh throw-away cluster in a temporary folder (its socket there,
 *     no TCP; as root it runs as the system user laurel, as tools/pg.sh
 *     does), and pg_restore into it;
 *  3. every table's row count against the manifest, and the same tables;
 *  4. every stored document opened with the key files, as the app opens
 *     it (bound to its row), and its SHA-256 against the one recorded.
 *
 * The cluster is stopped and its folder removed on every way out, a
 * signal included. Children run from argv, never through a shell.
 */

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "core/backupmanifest.h"
#include "core/filecrypt.h"
#include "core/keyring.h"
#include "laurelctl/laurelctl.h"

#define RESTORE_PGBIN		"/usr/lib/postgresql/15/bin"
/* The owner of the throw-away cluster when run as root (tools/pg.sh). */
#define RESTORE_OS_USER		"laurel"
#define RESTORE_DB		"restored"
#define RESTORE_PORT		"5432"
/* The folder holds the socket: its path fits in a sockaddr_un. */
#define RESTORE_DIR_MAX		(sizeof(((struct sockaddr_un *)0)->sun_path) - \
				    sizeof("/.s.PGSQL." RESTORE_PORT))
#define RESTORE_MANIFEST_MAX	(4 * 1024 * 1024)
/* Failing documents named one by one; past this, only counted. */
#define RESTORE_NAMED_MAX	20
/* Tenths of a second to wait for PostgreSQL to start, and to stop. */
#define RESTORE_START_WAIT	600
#define RESTORE_STOP_WAIT	300

/* A child's environment: nothing of the operator's, no password. */
static char *const restore_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
};

/*
 * The same query as deploy/backup.sh's, so that the counts compare:
 * every ordinary table outside the system schemas, quote_ident'ed.
 */
static const char	restore_counts_sql[] =
    "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
    "(xpath('/row/c/text()', query_to_xml(format("
    "'SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), "
    "false, true, '')))[1]::text "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' "
    "AND n.nspname !~ '^pg_' ORDER BY 1";

struct restore {
	char			*dump;
	const char		*keyfile;
	const char		*pgbin;
	struct keyring		 kr;
	struct backupmanifest	 manifest;
	char			 dir[RESTORE_DIR_MAX];	/* "" until made */
	int			 drop;			/* run as the user */
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 postgres;		/* 0 when none */
	PGconn			*conn;
	long long		 documents;
	long long		 failed;
};

static volatile sig_atomic_t	restore_stop;

static void
restore_signal(int sig)
{
	restore_stop = sig;
}

static int
restore_usage(void)
{
	fprintf(stderr, "usage: laurelctl restore-check DUMP [--key FILE]\n"
	    "Checks DUMP against DUMP.manifest, restores it into a "
	    "throw-away cluster, compares\nevery table's row count and "
	    "opens every document with the key file (default\n"
	    "LAUREL_KEY_FILE; LAUREL_KEY_FILES_OLD are tried too). "
	    "PostgreSQL's programs are\ntaken from PGBIN (default "
	    RESTORE_PGBIN ").\n");
	return (2);
}

/* One line on stderr, always with the command's name. */
static void
restore_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
restore_say(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "laurelctl: restore-check: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
restore_args(struct restore *r, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "key",	required_argument,	NULL,	'k' },
		{ NULL,		0,			NULL,	0 }
	};
	int				 ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch != 'k') {
			restore_say("bad or incomplete option %s",
			    argv[optind - 1]);
			return (restore_usage());
		}
		r->keyfile = optarg;
	}
	if (optind != argc - 1 || argv[optind][0] == '\0')
		return (restore_usage());
	r->dump = argv[optind];
	return (0);
}

static int
restore_keys(struct restore *r)
{
	const char	*old;
	char		 err[512];

	old = getenv("LAUREL_KEY_FILES_OLD");
	if (r->keyfile == NULL)
		r->keyfile = getenv("LAUREL_KEY_FILE");
	if (r->keyfile == NULL || *r->keyfile == '\0') {
		restore_say("no key file: give --key FILE or set "
		    "LAUREL_KEY_FILE (the documents cannot be checked "
		    "without it)");
		return (-1);
	}
	if (keyring_load(&r->kr, r->keyfile, old, err, sizeof(err)) == -1) {
		restore_say("%s", err);
		return (-1);
	}
	return (0);
}

/* DUMP.manifest parsed into r->manifest. */
static int
restore_manifest(struct restore *r)
{
	char	 path[PATH_MAX], err[256], *text;
	size_t	 len;
	int	 rc;

	if ((size_t)snprintf(path, sizeof(path), "%s.manifest", r->dump) >=
	    sizeof(path)) {
		restore_say("%s: the path is too long", r->dump);
		return (-1);
	}
	if (ctl_read_small(path, RESTORE_MANIFEST_MAX, &text, &len) == -1) {
		if (errno == EFBIG)
			restore_say("%s: over %d bytes, not a manifest", path,
			    RESTORE_MANIFEST_MAX);
		else
			restore_say("cannot read the manifest %s: %s", path,
			    strerror(errno));
		return (-1);
	}
	rc = 0;
	if (backupmanifest_parse(&r->manifest, text, len, err,
	    sizeof(err)) == -1) {
		restore_say("%s: %s", path, err);
		rc = -1;
	}
	free(text);
	return (rc);
}

/* The dump's SHA-256 is the manifest's: nothing changed since. */
static int
restore_sha256(struct restore *r)
{
	crypto_hash_sha256_state	 st;
	unsigned char			 buf[1 << 16];
	unsigned char			 digest[crypto_hash_sha256_BYTES];
	char				 hex[BACKUPMANIFEST_HEX + 1];
	FILE				*f;
	size_t				 n;

	if ((f = fopen(r->dump, "r")) == NULL) {
		restore_say("cannot read %s: %s", r->dump, strerror(errno));
		return (-1);
	}
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_hash_sha256_update(&st, buf, n);
	if (ferror(f)) {
		restore_say("cannot read %s: %s", r->dump, strerror(errno));
		(void)fclose(f);
		return (-1);
	}
	(void)fclose(f);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));

	if (strcmp(hex, r->manifest.sha256) != 0) {
		restore_say("%s has changed since it was taken: its SHA-256 "
		    "is %s, the manifest says %s; this dump cannot be "
		    "trusted", r->dump, hex, r->manifest.sha256);
		return (-1);
	}
	return (0);
}

/* In a child, before exec: become the cluster's user. */
static void
restore_become(const struct restore *r)
{
	if (!r->drop)
		return;
	if (setgroups(0, NULL) == -1 || setgid(r->gid) == -1 ||
	    setuid(r->uid) == -1) {
		fprintf(stderr, "laurelctl: restore-check: cannot become "
		    "user " RESTORE_OS_USER ": %s\n", strerror(errno));
		_exit(127);
	}
}

/*
 * Starts argv[0]. as_user: as the cluster's user, with restore_env,
 * stdout and stderr to log (in the folder). Otherwise as we are, with
 * our environment and stderr (pg_restore reads the dump, which is ours).
 */
static pid_t
restore_spawn(const struct restore *r, char *const argv[], int as_user,
    const char *log)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) == -1) {
		restore_say("fork: %s", strerror(errno));
		return (-1);
	}
	if (pid != 0)
		return (pid);

	if ((fd = open("/dev/null", O_RDONLY)) != -1 && fd != STDIN_FILENO) {
		(void)dup2(fd, STDIN_FILENO);
		(void)close(fd);
	}
	if (!as_user) {
		(void)dup2(STDERR_FILENO, STDOUT_FILENO);
		execv(argv[0], argv);
	} else {
		restore_become(r);
		/* Our end, even by SIGKILL, is the cluster's fast shutdown. */
		(void)prctl(PR_SET_PDEATHSIG, SIGINT);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) ==
		    -1)
			_exit(127);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
		execve(argv[0], argv, restore_env);
	}
	fprintf(stderr, "laurelctl: restore-check: cannot run %s: %s\n",
	    argv[0], strerror(errno));
	_exit(127);
}

/*
 * Waits for a child; a signal to us is passed on to it once. Its exit
 * status, or -1 when it did not exit by itself (killed).
 */
static int
restore_wait(pid_t pid)
{
	int	 status, passed;

	passed = 0;
	for (;;) {
		if (waitpid(pid, &status, 0) == pid)
			break;
		if (errno != EINTR)
			return (-1);
		if (restore_stop && !passed) {
			(void)kill(pid, SIGTERM);
			passed = 1;
		}
	}
	if (!WIFEXITED(status))
		return (-1);
	return (WEXITSTATUS(status));
}

/* The last line of a log in the folder, for one line of why. */
static void
restore_tail(const char *path, char *buf, size_t buflen)
{
	FILE	*f;
	char	 line[512];

	(void)snprintf(buf, buflen, "(no log)");
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			(void)snprintf(buf, buflen, "%s", line);
	}
	(void)fclose(f);
}

static int
restore_program(const struct restore *r, const char *name, char *buf,
    size_t buflen)
{
	if ((size_t)snprintf(buf, buflen, "%s/%s", r->pgbin, name) >=
	    buflen) {
		restore_say("PGBIN is too long");
		return (-1);
	}
	return (0);
}

/* The temporary folder, the cluster's user's when we are root. */
static int
restore_folder(struct restore *r)
{
	struct passwd		*pw;
	const char		*tmp;

	if (geteuid() == 0) {
		if ((pw = getpwnam(RESTORE_OS_USER)) == NULL) {
			restore_say("PostgreSQL refuses to run as root and "
			    "the system user " RESTORE_OS_USER " does not "
			    "exist (tools/pg.sh creates it)");
			return (-1);
		}
		r->drop = 1;
		r->uid = pw->pw_uid;
		r->gid = pw->pw_gid;
	}
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(r->dir, sizeof(r->dir), "%s/laurel-restore-"
	    "XXXXXX", tmp) >= sizeof(r->dir)) {
		restore_say("TMPDIR %s is too long a path for a socket", tmp);
		r->dir[0] = '\0';
		return (-1);
	}
	if (mkdtemp(r->dir) == NULL) {
		restore_say("cannot make a folder in %s: %s", tmp,
		    strerror(errno));
		r->dir[0] = '\0';
		return (-1);
	}
	if (r->drop && chown(r->dir, r->uid, r->gid) == -1) {
		restore_say("chown %s: %s", r->dir, strerror(errno));
		return (-1);
	}
	return (0);
}

static int
restore_initdb(struct restore *r)
{
	char	 prog[PATH_MAX], data[PATH_MAX], log[PATH_MAX], why[512];
	char	*argv[] = { prog, "-D", data, "-U", "postgres", "-A", "trust",
		    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
		    "--no-instructions", NULL };
	pid_t	 pid;

	if (restore_program(r, "initdb", prog, sizeof(prog)) == -1)
		return (-1);
	(void)snprintf(data, sizeof(data), "%s/data", r->dir);
	(void)snprintf(log, sizeof(log), "%s/initdb.log", r->dir);
	if ((pid = restore_spawn(r, argv, 1, log)) == -1)
		return (-1);
	if (restore_wait(pid) != 0) {
		restore_tail(log, why, sizeof(why));
		restore_say("initdb of the throw-away cluster failed: %s",
		    why);
		return (-1);
	}
	return (0);
}

static PGconn *
restore_connect(const struct restore *r, const char *db)
{
	const char	*keys[] = { "host", "port", "dbname", "user",
			    "client_encoding", NULL };
	const char	*values[] = { r->dir, RESTORE_PORT, db, "postgres",
			    "UTF8", NULL };

	return (PQconnectdbParams(keys, values, 0));
}

/* postgres itself, our child: no pg_ctl, whose -o goes through a shell. */
static int
restore_start(struct restore *r)
{
	char	 prog[PATH_MAX], data[PATH_MAX], log[PATH_MAX], why[512];
	char	*argv[] = { prog, "-D", data, "-k", r->dir, "-p", RESTORE_PORT,
		    "-c", "listen_addresses=", "-c", "fsync=off",
		    "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
		    "-c", "max_wal_size=1GB", "-c", "jit=off", NULL };
	const char	*keys[] = { "host", "port", "dbname", "user", NULL };
	const char	*values[] = { r->dir, RESTORE_PORT, "postgres",
			    "postgres", NULL };
	int		 i, status;

	if (restore_program(r, "postgres", prog, sizeof(prog)) == -1)
		return (-1);
	(void)snprintf(data, sizeof(data), "%s/data", r->dir);
	(void)snprintf(log, sizeof(log), "%s/postgres.log", r->dir);
	if ((r->postgres = restore_spawn(r, argv, 1, log)) == -1) {
		r->postgres = 0;
		return (-1);
	}
	for (i = 0; i < RESTORE_START_WAIT && !restore_stop; i++) {
		if (PQpingParams(keys, values, 0) == PQPING_OK)
			return (0);
		if (waitpid(r->postgres, &status, WNOHANG) == r->postgres) {
			r->postgres = 0;
			break;
		}
		(void)usleep(100000);
	}
	if (restore_stop) {
		restore_say("stopped by signal %d", (int)restore_stop);
		return (-1);
	}
	restore_tail(log, why, sizeof(why));
	restore_say("the throw-away PostgreSQL did not start: %s", why);
	return (-1);
}

static int
restore_exec(PGconn *conn, const char *sql)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		restore_say("%s", PQresultErrorMessage(res));
	PQclear(res);
	return (ok ? 0 : -1);
}

static int
restore_pg_restore(struct restore *r)
{
	PGconn	*conn;
	char	 prog[PATH_MAX];
	char	*argv[] = { prog, "--no-owner", "--no-privileges",
		    "--exit-on-error", "--single-transaction", "-h", r->dir,
		    "-p", RESTORE_PORT, "-U", "postgres", "-d", RESTORE_DB,
		    r->dump, NULL };
	pid_t	 pid;
	int	 rc;

	conn = restore_connect(r, "postgres");
	if (PQstatus(conn) != CONNECTION_OK) {
		restore_say("cannot connect to the throw-away cluster: %s",
		    PQerrorMessage(conn));
		PQfinish(conn);
		return (-1);
	}
	rc = restore_exec(conn, "CREATE DATABASE " RESTORE_DB);
	PQfinish(conn);
	if (rc == -1 || restore_program(r, "pg_restore", prog,
	    sizeof(prog)) == -1)
		return (-1);

	if ((pid = restore_spawn(r, argv, 0, NULL)) == -1)
		return (-1);
	if ((rc = restore_wait(pid)) != 0) {
		if (restore_stop)
			restore_say("stopped by signal %d", (int)restore_stop);
		else
			restore_say("pg_restore of %s failed (%s); the lines "
			    "above say why", r->dump, rc == -1 ? "killed" :
			    "exit status not 0");
		return (-1);
	}

	r->conn = restore_connect(r, RESTORE_DB);
	if (PQstatus(r->conn) != CONNECTION_OK) {
		restore_say("cannot connect to the restored database: %s",
		    PQerrorMessage(r->conn));
		return (-1);
	}
	return (0);
}

static void
restore_report(void *arg, const char *line)
{
	(void)arg;
	restore_say("%s", line);
}

/* Every table's rows as the manifest says, and the same tables. */
static int
restore_counts(struct restore *r)
{
	struct backupmanifest	 got;
	PGresult		*res;
	size_t			 differ;
	int			 i;

	res = PQexec(r->conn, restore_counts_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		restore_say("counting the rows: %s",
		    PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	backupmanifest_init(&got);
	for (i = 0; i < PQntuples(res); i++)
		(void)backupmanifest_add(&got, PQgetvalue(res, i, 0),
		    strtoll(PQgetvalue(res, i, 1), NULL, 10));
	PQclear(res);

	differ = backupmanifest_compare(&r->manifest, &got, restore_report,
	    NULL);
	backupmanifest_free(&got);
	if (differ > 0) {
		restore_say("%s: %zu table(s) differ from the manifest",
		    r->dump, differ);
		return (-1);
	}
	return (0);
}

/* One document failed: named while there are few, counted always. */
static void
restore_bad(struct restore *r, const char *id, const char *app,
    const char *why)
{
	if (++r->failed <= RESTORE_NAMED_MAX)
		restore_say("document %s (application %s): %s", id, app, why);
}

/* Opens document row i of list (its sealed bytes fetched alone). */
static int
restore_document(struct restore *r, PGresult *list, int i)
{
	const struct keyring_key	*k;
	PGresult			*res;
	unsigned char			*plain, digest[crypto_hash_sha256_BYTES];
	const char			*id, *app, *kid, *sha;
	char				 hex[BACKUPMANIFEST_HEX + 1];
	char				 bound[FILECRYPT_BIND_MAX], why[128];
	size_t				 plen;

	id = PQgetvalue(list, i, 0);
	app = PQgetvalue(list, i, 1);
	kid = PQgetvalue(list, i, 2);
	sha = PQgetvalue(list, i, 3);
	r->documents++;

	if ((k = keyring_find(&r->kr, kid)) == NULL) {
		(void)snprintf(why, sizeof(why), "sealed with key %.16s, "
		    "which is not among the key files given", kid);
		restore_bad(r, id, app, why);
		return (0);
	}
	if (filecrypt_bind(bound, sizeof(bound), strtoll(app, NULL, 10),
	    strtoll(id, NULL, 10)) == -1)
		abort();

	res = PQexecParams(r->conn, "SELECT sealed FROM application_files "
	    "WHERE id = $1", 1, NULL, &id, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		restore_say("reading document %s: %s", id,
		    PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	plain = filecrypt_open_bound(k->key, bound, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0), &plen);
	PQclear(res);
	if (plain == NULL) {
		(void)snprintf(why, sizeof(why), "does not open with key %s "
		    "(altered, or out of memory)", k->id);
		restore_bad(r, id, app, why);
		return (0);
	}
	crypto_hash_sha256(digest, plain, plen);
	sodium_memzero(plain, plen);
	free(plain);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (strcmp(hex, sha) != 0)
		restore_bad(r, id, app, "opens, but is not the document "
		    "recorded (its SHA-256 differs)");
	return (0);
}

static int
restore_documents(struct restore *r)
{
	PGresult	*list;
	int		 i, rc;

	list = PQexec(r->conn, "SELECT id::text, application_id::text, "
	    "key_id, sha256 FROM application_files ORDER BY id");
	if (PQresultStatus(list) != PGRES_TUPLES_OK) {
		restore_say("listing the documents: %s",
		    PQresultErrorMessage(list));
		PQclear(list);
		return (-1);
	}
	rc = 0;
	for (i = 0; i < PQntuples(list) && rc == 0 && !restore_stop; i++)
		rc = restore_document(r, list, i);
	PQclear(list);
	if (rc == -1)
		return (-1);
	if (r->failed > 0) {
		restore_say("%s: %lld of %lld document(s) cannot be opened "
		    "with the key files given or are not the ones recorded",
		    r->dump, r->failed, r->documents);
		return (-1);
	}
	return (0);
}

/* Removes one entry of the folder, deepest first. */
static int
restore_unlink(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) == -1)
		restore_say("cannot remove %s: %s", path, strerror(errno));
	return (0);
}

/* Stops the cluster (fast shutdown) and removes its folder. */
static void
restore_cleanup(struct restore *r)
{
	int	 i, status;

	if (r->conn != NULL)
		PQfinish(r->conn);
	r->conn = NULL;
	if (r->postgres > 0) {
		(void)kill(r->postgres, SIGINT);
		for (i = 0; i < RESTORE_STOP_WAIT; i++) {
			if (waitpid(r->postgres, &status, WNOHANG) != 0)
				break;
			(void)usleep(100000);
		}
		if (i == RESTORE_STOP_WAIT) {
			(void)kill(r->postgres, SIGKILL);
			(void)waitpid(r->postgres, &status, 0);
		}
		r->postgres = 0;
	}
	if (r->dir[0] != '\0')
		(void)nftw(r->dir, restore_unlink, 16, FTW_DEPTH | FTW_PHYS);
	r->dir[0] = '\0';
	backupmanifest_free(&r->manifest);
	keyring_wipe(&r->kr);
}

/* The cluster's steps, each only if all before it passed. */
static int
restore_cluster(struct restore *r)
{
	if (restore_folder(r) == -1 || restore_initdb(r) == -1 ||
	    restore_start(r) == -1 || restore_pg_restore(r) == -1 ||
	    restore_counts(r) == -1 || restore_documents(r) == -1)
		return (-1);
	if (restore_stop) {
		restore_say("stopped by signal %d", (int)restore_stop);
		return (-1);
	}
	return (0);
}

static double
restore_now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int
ctl_restore_check(int argc, char **argv)
{
	struct restore		 r;
	struct sigaction	 sa;
	double			 start;
	int			 rc;

	memset(&r, 0, sizeof(r));
	if ((rc = restore_args(&r, argc, argv)) != 0)
		return (rc);
	if ((r.pgbin = getenv("PGBIN")) == NULL || *r.pgbin == '\0')
		r.pgbin = RESTORE_PGBIN;
	if (sodium_init() < 0) {
		restore_say("libsodium failed to start");
		return (1);
	}
	start = restore_now();

	/* No SA_RESTART: a wait is interrupted, and the cleanup runs. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);

	rc = 1;
	if (restore_keys(&r) == 0 && restore_manifest(&r) == 0 &&
	    restore_sha256(&r) == 0 && restore_cluster(&r) == 0) {
		printf("restore-check: %s: OK: %zu tables and %lld rows as "
		    "in the manifest; %lld document(s) open with the key "
		    "files and match their SHA-256; %.1f s\n", r.dump,
		    r.manifest.ntables, backupmanifest_rows(&r.manifest),
		    r.documents, restore_now() - start);
		rc = 0;
	}
	restore_cleanup(&r);
	return (rc);
}
