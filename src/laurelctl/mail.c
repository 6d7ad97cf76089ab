/*
 * mail: delivers the outbox, which the app fills in the same transaction
 * as the change that causes a message.
 *
 * Each message is claimed with FOR UPDATE SKIP LOCKED in a transaction of
 * its own that stays open while it is sent: several mailers may run and
 * none sends what another is sending; a mailer that dies mid-way leaves
 * the row to be sent again.  So delivery is at least once, never lost.
 *
 * Modes (LAUREL_MAIL_MODE): "file" writes DIR/<id>.eml and prints the
 * first link of the body, for development; "smtp" hands the message to
 * an SMTP server with libcurl.  A failure is retried with backoff, 30 s
 * doubling up to an hour, and given up after 12 attempts; a message that
 * cannot be formatted (a bad address, say) is given up at once.
 *
 * Without --once it waits for work on LISTEN outbox (0003_laurelctl.sql)
 * with a 5 s timeout, which also picks up retries as they fall due, and
 * outlives database outages with one log line each.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/mailfmt.h"
#include "laurelctl/laurelctl.h"

#define MAIL_MAX_ATTEMPTS	"12"
#define MAIL_WAIT_SECONDS	5
#define MAIL_RETRY_MAX		10	/* seconds between reconnects */
#define MAIL_FROM_DEFAULT	"Laurel <noreply@localhost>"
#define MAIL_DIR_DEFAULT	"var/mail"
#define MAIL_ERR_MAX		(CURL_ERROR_SIZE + 64)

enum mail_mode {
	MAIL_FILE,
	MAIL_SMTP
};

struct mailer {
	enum mail_mode		 mode;
	const char		*dir;
	const char		*from;
	struct mailfmt_mailbox	 sender;
	const char		*url;
	const char		*user;
	const char		*password;
	int			 starttls;
	CURL			*curl;
	PGconn			*conn;
	int			 outage;	/* logged, not yet over */
	int			 delay;		/* before the next reconnect */
	sigset_t		 waitmask;	/* while waiting: stoppable */
};

struct upload {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

static int	mail_usage(void);
static int	mail_settings(struct mailer *);
static int	mail_settings_smtp(struct mailer *);
static int	mail_settings_file(struct mailer *);
static void	mail_on_signal(int);
static void	mail_signals(struct mailer *);
static int	mail_stopping(void);
static void	mail_sleep(struct mailer *, int);
static int	mail_exec(PGconn *, const char *);
static int	mail_one(struct mailer *);
static int	mail_remind(struct mailer *);
static int	mail_drain(struct mailer *);
static int	mail_handle(struct mailer *, PGresult *);
static int	mail_sent(struct mailer *, const char *);
static const char	*mail_printable(const char *, char *, size_t, char);
static int	mail_failed(struct mailer *, const char *, const char *,
		    const char *, int);
static int	mail_file(struct mailer *, const char *, const char *, size_t,
		    char *, size_t);
static size_t	mail_read(char *, size_t, size_t, void *);
static int	mail_smtp(struct mailer *, const char *, const char *, size_t,
		    char *, size_t);
static void	mail_down(struct mailer *, const char *);
static void	mail_up(struct mailer *);
static int	mail_reconnect(struct mailer *);
static void	mail_wait(struct mailer *);
static int	mail_loop(struct mailer *);

static volatile sig_atomic_t	mail_stop;

/* Oldest due first; what another mailer holds is skipped, not waited on. */
static const char	sql_claim[] =
    "SELECT id, to_addr, subject, body FROM outbox "
    "WHERE sent_at IS NULL AND next_attempt <= now() "
    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";

/*
 * Once delivered (or given up), a message's body goes: it may carry a
 * link that signs somebody in or sets their password, and nothing that
 * works as a key may stay in the database and its backups.
 */
static const char	sql_sent[] =
    "UPDATE outbox SET sent_at = now(), last_error = NULL, body = '' "
    "WHERE id = $1";

/*
 * Backoff 30 s * 2^attempts, at most an hour (2^7 is past it already,
 * and keeps the power finite); 'infinity' gives up.
 */
static const char	sql_failed[] =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
    "next_attempt = CASE WHEN $3::boolean OR "
    "attempts + 1 >= " MAIL_MAX_ATTEMPTS " THEN 'infinity' "
    "ELSE clock_timestamp() + least(interval '30 seconds' * "
    "power(2, least(attempts, 7)), interval '1 hour') END, "
    "body = CASE WHEN $3::boolean OR attempts + 1 >= " MAIL_MAX_ATTEMPTS
    " THEN '' ELSE body END "
    "WHERE id = $1 RETURNING attempts, next_attempt = 'infinity', "
    "CASE WHEN next_attempt < 'infinity' THEN "
    "ceil(extract(epoch FROM next_attempt - clock_timestamp())) END";

static int
mail_usage(void)
{
	fprintf(stderr, "usage: laurelctl mail [--once]\n");
	return (2);
}

static int
mail_settings_file(struct mailer *m)
{
	struct stat	 st;

	m->dir = getenv("LAUREL_MAIL_DIR");
	if (m->dir == NULL || *m->dir == '\0')
		m->dir = MAIL_DIR_DEFAULT;
	if (stat(m->dir, &st) == -1 || access(m->dir, W_OK | X_OK) == -1) {
		fprintf(stderr, "laurelctl: LAUREL_MAIL_DIR %s: %s\n", m->dir,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "laurelctl: LAUREL_MAIL_DIR %s is not a "
		    "folder\n", m->dir);
		return (-1);
	}

	return (0);
}

static int
mail_settings_smtp(struct mailer *m)
{
	const char	*tls;

	m->url = getenv("LAUREL_SMTP_URL");
	if (m->url == NULL || *m->url == '\0') {
		fprintf(stderr, "laurelctl: LAUREL_SMTP_URL is not set (e.g. "
		    "smtp://127.0.0.1:25 or smtps://mail.example.org)\n");
		return (-1);
	}
	if (strncmp(m->url, "smtp://", 7) != 0 &&
	    strncmp(m->url, "smtps://", 8) != 0) {
		fprintf(stderr, "laurelctl: LAUREL_SMTP_URL must start with "
		    "smtp:// or smtps://\n");
		return (-1);
	}

	tls = getenv("LAUREL_SMTP_STARTTLS");
	if (tls == NULL || *tls == '\0' || strcmp(tls, "no") == 0) {
		m->starttls = 0;
	} else if (strcmp(tls, "yes") == 0) {
		m->starttls = 1;
	} else {
		fprintf(stderr, "laurelctl: LAUREL_SMTP_STARTTLS must be "
		    "'yes' or 'no'\n");
		return (-1);
	}

	m->user = getenv("LAUREL_SMTP_USER");
	m->password = getenv("LAUREL_SMTP_PASSWORD");
	if (m->user != NULL && *m->user == '\0')
		m->user = NULL;
	if (m->password != NULL && *m->password != '\0' && m->user == NULL) {
		fprintf(stderr, "laurelctl: LAUREL_SMTP_PASSWORD is set but "
		    "LAUREL_SMTP_USER is not\n");
		return (-1);
	}

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (m->curl = curl_easy_init()) == NULL) {
		fprintf(stderr, "laurelctl: libcurl failed to start\n");
		return (-1);
	}

	return (0);
}

/* 0, or -1 after one line naming the setting. */
static int
mail_settings(struct mailer *m)
{
	const char	*mode;

	mode = getenv("LAUREL_MAIL_MODE");
	if (mode == NULL || *mode == '\0') {
		fprintf(stderr, "laurelctl: LAUREL_MAIL_MODE is not set "
		    "('file' or 'smtp')\n");
		return (-1);
	}
	if (strcmp(mode, "file") == 0)
		m->mode = MAIL_FILE;
	else if (strcmp(mode, "smtp") == 0)
		m->mode = MAIL_SMTP;
	else {
		fprintf(stderr, "laurelctl: LAUREL_MAIL_MODE must be 'file' "
		    "or 'smtp'\n");
		return (-1);
	}

	m->from = getenv("LAUREL_MAIL_FROM");
	if (m->from == NULL || *m->from == '\0') {
		/* A real server would take localhost for spam. */
		if (m->mode == MAIL_SMTP) {
			fprintf(stderr, "laurelctl: LAUREL_MAIL_FROM is not set "
			    "(e.g. \"Laurel <noreply@example.org>\")\n");
			return (-1);
		}
		m->from = MAIL_FROM_DEFAULT;
	}
	if (mailfmt_mailbox_parse(m->from, &m->sender) == -1) {
		fprintf(stderr, "laurelctl: LAUREL_MAIL_FROM is not an address "
		    "like \"Laurel <noreply@example.org>\"\n");
		return (-1);
	}

	if (m->mode == MAIL_FILE)
		return (mail_settings_file(m));
	return (mail_settings_smtp(m));
}

static void
mail_on_signal(int sig)
{
	(void)sig;
	mail_stop = 1;
}

/*
 * SIGTERM and SIGINT stay blocked except while waiting, so a stop never
 * cuts a delivery in half, and one that comes between the last check and
 * the wait still ends the wait (ppoll unblocks them atomically).
 */
static void
mail_signals(struct mailer *m)
{
	struct sigaction	 sa;
	sigset_t		 block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mail_on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	(void)sigprocmask(SIG_BLOCK, &block, &m->waitmask);
	sigdelset(&m->waitmask, SIGTERM);
	sigdelset(&m->waitmask, SIGINT);
}

static int
mail_stopping(void)
{
	sigset_t	 pending;

	if (!mail_stop && sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGTERM) == 1 ||
	    sigismember(&pending, SIGINT) == 1))
		mail_stop = 1;

	return (mail_stop);
}

static void
mail_sleep(struct mailer *m, int seconds)
{
	struct timespec	 ts;

	ts.tv_sec = seconds;
	ts.tv_nsec = 0;
	(void)ppoll(NULL, 0, &ts, &m->waitmask);
}

static int
mail_exec(PGconn *conn, const char *sql)
{
	PGresult	*res;
	int		 ok;

	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);

	return (ok ? 0 : -1);
}

static int
mail_file(struct mailer *m, const char *id, const char *msg, size_t len,
    char *err, size_t errlen)
{
	char		 tmp[PATH_MAX], path[PATH_MAX];
	size_t		 off;
	ssize_t		 n;
	int		 fd;

	(void)snprintf(path, sizeof(path), "%s/%s.eml", m->dir, id);
	(void)snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", m->dir, id,
	    (long)getpid());

	/* Written aside and renamed: a reader never sees half a message. */
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd == -1) {
		(void)snprintf(err, errlen, "%s/%s.eml: %s", m->dir, id,
		    strerror(errno));
		return (-1);
	}
	for (off = 0; off < len; off += n) {
		if ((n = write(fd, msg + off, len - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			break;
		}
	}
	/* 0640 whatever the umask: the group (a developer) may read it. */
	if (off < len || fchmod(fd, 0640) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, path) == -1) {
		(void)snprintf(err, errlen, "%s/%s.eml: %s", m->dir, id,
		    strerror(errno));
		(void)unlink(tmp);
		return (-1);
	}

	return (0);
}

static size_t
mail_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload	*up;
	size_t		 n;

	up = arg;
	n = size * nitems;
	if (n > up->len - up->off)
		n = up->len - up->off;
	memcpy(buf, up->data + up->off, n);
	up->off += n;

	return (n);
}

static int
mail_smtp(struct mailer *m, const char *to, const char *msg, size_t len,
    char *err, size_t errlen)
{
	struct curl_slist	*rcpt;
	struct upload		 up;
	char			 errbuf[CURL_ERROR_SIZE];
	CURLcode		 cc;

	if ((rcpt = curl_slist_append(NULL, to)) == NULL)
		abort();
	up.data = msg;
	up.len = len;
	up.off = 0;
	errbuf[0] = '\0';

	/* Reset keeps the connection: a batch goes over one session. */
	curl_easy_reset(m->curl);
	curl_easy_setopt(m->curl, CURLOPT_URL, m->url);
	curl_easy_setopt(m->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(m->curl, CURLOPT_MAIL_FROM, m->sender.addr);
	curl_easy_setopt(m->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(m->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(m->curl, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(m->curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(m->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(m->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(m->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(m->curl, CURLOPT_TIMEOUT, 60L);
	if (m->starttls)
		curl_easy_setopt(m->curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (m->user != NULL) {
		curl_easy_setopt(m->curl, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(m->curl, CURLOPT_PASSWORD,
		    m->password != NULL ? m->password : "");
	}

	cc = curl_easy_perform(m->curl);
	curl_slist_free_all(rcpt);
	if (cc != CURLE_OK) {
		(void)snprintf(err, errlen, "%s", errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(cc));
		return (-1);
	}

	return (0);
}

static int
mail_sent(struct mailer *m, const char *id)
{
	PGresult	*res;
	const char	*params[1];
	int		 ok;

	params[0] = id;
	res = PQexecParams(m->conn, sql_sent, 1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);

	return (ok ? 0 : -1);
}

/*
 * s fit for one log line, cut to the buffer: control characters (a CR LF
 * in a bad address would forge a line of its own) become c, and trailing
 * ones go.
 */
static const char *
mail_printable(const char *s, char *buf, size_t len, char c)
{
	size_t		 i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? c : s[i];
	while (i > 0 && buf[i - 1] == c)
		i--;
	buf[i] = '\0';

	return (buf);
}

/* Records a failed attempt (permanent: give up now); -1 on a DB error. */
static int
mail_failed(struct mailer *m, const char *id, const char *to,
    const char *why, int permanent)
{
	PGresult	*res;
	const char	*params[3];
	char		 addr[MAILFMT_ADDR_MAX + 1], reason[MAIL_ERR_MAX];

	params[0] = id;
	params[1] = why;
	params[2] = permanent ? "true" : "false";
	res = PQexecParams(m->conn, sql_failed, 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return (-1);
	}

	mail_printable(to, addr, sizeof(addr), '?');
	mail_printable(why, reason, sizeof(reason), ' ');
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		fprintf(stderr, "laurelctl: mail %s to %s: giving up after "
		    "%s attempts: %s\n", id, addr, PQgetvalue(res, 0, 0),
		    reason);
	else
		fprintf(stderr, "laurelctl: mail %s to %s: attempt %s failed, "
		    "next in %s s: %s\n", id, addr, PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 2), reason);
	PQclear(res);

	return (0);
}

/* The claimed row in res: formatted, sent, and its outcome recorded. */
static int
mail_handle(struct mailer *m, PGresult *res)
{
	struct mailfmt	 mf;
	unsigned char	 rnd[16];
	char		 msgid[sizeof(rnd) * 2 + 1], err[MAIL_ERR_MAX];
	const char	*id, *why, *url;
	char		*msg;
	size_t		 len, ulen;
	int		 rc;

	id = PQgetvalue(res, 0, 0);
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(msgid, sizeof(msgid), rnd, sizeof(rnd));

	mf.from = m->from;
	mf.to = PQgetvalue(res, 0, 1);
	mf.subject = PQgetvalue(res, 0, 2);
	mf.body = PQgetvalue(res, 0, 3);
	mf.date = time(NULL);
	mf.msgid = msgid;
	if ((msg = mailfmt_build(&mf, &len, &why)) == NULL)
		return (mail_failed(m, id, mf.to, why, 1));

	if (m->mode == MAIL_FILE)
		rc = mail_file(m, id, msg, len, err, sizeof(err));
	else
		rc = mail_smtp(m, mf.to, msg, len, err, sizeof(err));
	free(msg);
	if (rc == -1)
		return (mail_failed(m, id, mf.to, err, 0));
	if (mail_sent(m, id) == -1)
		return (-1);

	if (m->mode == MAIL_SMTP) {
		printf("mail %s to %s: sent\n", id, mf.to);
	} else if ((url = mailfmt_first_url(mf.body, &ulen)) != NULL) {
		printf("mail %s to %s: %s \xe2\x80\x94 %.*s\n", id, mf.to,
		    mf.subject, (int)ulen, url);
	} else {
		printf("mail %s to %s: %s\n", id, mf.to, mf.subject);
	}

	return (0);
}

/* 1: a message was dealt with, 0: none is due, -1: database trouble. */
static int
mail_one(struct mailer *m)
{
	PGresult	*res;
	int		 rc;

	if (mail_exec(m->conn, "BEGIN") == -1)
		return (-1);
	res = PQexec(m->conn, sql_claim);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return (-1);
	}

	rc = 0;
	if (PQntuples(res) == 1)
		rc = mail_handle(m, res) == -1 ? -1 : 1;
	PQclear(res);
	if (rc == -1 || mail_exec(m->conn, "COMMIT") == -1)
		return (-1);

	return (rc);
}

/*
 * The automatic reminders that are due, queued in one transaction by
 * reminders_auto() (sql/98_dashboard.sql, which holds their wording).
 */
static int
mail_remind(struct mailer *m)
{
	PGresult	*res;
	const char	*params[1];
	int		 ok;

	params[0] = getenv("LAUREL_BASE_URL");
	if (params[0] == NULL)
		params[0] = "";
	res = PQexecParams(m->conn, "SELECT reminders_auto($1)", 1, NULL,
	    params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	if (ok)
		return (0);
	/* A lost connection is the loop's to mend; else mail still goes. */
	if (PQstatus(m->conn) != CONNECTION_OK)
		return (-1);
	fprintf(stderr, "laurelctl: mail: the automatic reminders could not "
	    "be queued: %s", PQerrorMessage(m->conn));

	return (0);
}

/* Everything due; a failed message is due later, so this ends. */
static int
mail_drain(struct mailer *m)
{
	int		 rc;

	if (mail_remind(m) == -1)
		return (-1);
	while (!mail_stopping()) {
		if ((rc = mail_one(m)) != 1)
			return (rc);
	}

	return (0);
}

/* One line per outage, however long it lasts; then a growing pause. */
static void
mail_down(struct mailer *m, const char *why)
{
	char		 line[512];

	if (!m->outage) {
		fprintf(stderr, "laurelctl: mail: database trouble, retrying "
		    "until it is over: %s\n",
		    mail_printable(why, line, sizeof(line), ' '));
		m->outage = 1;
	}
	if (m->conn != NULL) {
		PQfinish(m->conn);
		m->conn = NULL;
	}

	mail_sleep(m, m->delay);
	m->delay = m->delay * 2 > MAIL_RETRY_MAX ? MAIL_RETRY_MAX :
	    m->delay * 2;
}

static void
mail_up(struct mailer *m)
{
	if (m->outage)
		fprintf(stderr, "laurelctl: mail: database back, delivering "
		    "again\n");
	m->outage = 0;
	m->delay = 1;
}

static int
mail_reconnect(struct mailer *m)
{
	char		 why[512];

	if ((m->conn = ctl_open(why, sizeof(why))) == NULL) {
		mail_down(m, why);
		return (-1);
	}
	/* Before the first drain: no insert falls between the two. */
	if (mail_exec(m->conn, "LISTEN outbox") == -1) {
		mail_down(m, PQerrorMessage(m->conn));
		return (-1);
	}

	return (0);
}

/* Until a notification, 5 s, or a stop; a lost connection is dropped. */
static void
mail_wait(struct mailer *m)
{
	struct pollfd	 pfd;
	struct timespec	 ts;
	PGnotify	*note;
	int		 woken;

	woken = 0;
	for (;;) {
		if (PQconsumeInput(m->conn) == 0) {
			mail_down(m, PQerrorMessage(m->conn));
			return;
		}
		while ((note = PQnotifies(m->conn)) != NULL) {
			PQfreemem(note);
			woken = 1;
		}
		if (woken || mail_stopping())
			return;

		pfd.fd = PQsocket(m->conn);
		pfd.events = POLLIN;
		ts.tv_sec = MAIL_WAIT_SECONDS;
		ts.tv_nsec = 0;
		if (ppoll(&pfd, 1, &ts, &m->waitmask) <= 0)
			return;		/* timeout, or a signal */
	}
}

static int
mail_loop(struct mailer *m)
{
	fprintf(stderr, "laurelctl: mail: delivering the outbox (%s)\n",
	    m->mode == MAIL_FILE ? m->dir : "smtp");
	m->delay = 1;

	while (!mail_stopping()) {
		if (m->conn == NULL && mail_reconnect(m) == -1)
			continue;
		if (mail_drain(m) == -1) {
			mail_down(m, PQerrorMessage(m->conn));
			continue;
		}
		mail_up(m);
		mail_wait(m);
	}

	fprintf(stderr, "laurelctl: mail: stopped\n");
	return (0);
}

int
ctl_mail(int argc, char **argv)
{
	struct mailer	 m;
	int		 once, rc;

	once = argc == 2 && strcmp(argv[1], "--once") == 0;
	if (argc > 2 || (argc == 2 && !once))
		return (mail_usage());

	memset(&m, 0, sizeof(m));
	if (mail_settings(&m) == -1)
		return (1);
	if (sodium_init() < 0) {
		fprintf(stderr, "laurelctl: libsodium failed to start\n");
		return (1);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mail_signals(&m);

	rc = 0;
	if (!once) {
		rc = mail_loop(&m);
	} else if ((m.conn = ctl_connect()) == NULL) {
		rc = 1;
	} else if (mail_drain(&m) == -1) {
		fprintf(stderr, "laurelctl: mail: %s", PQerrorMessage(m.conn));
		rc = 1;
	}

	if (m.conn != NULL)
		PQfinish(m.conn);
	if (m.curl != NULL) {
		curl_easy_cleanup(m.curl);
		curl_global_cleanup();
	}
	return (rc);
}
