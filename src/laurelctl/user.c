/*
 * Accounts from the command line: the first administrator, and the
 * operator's way in when the web interface cannot help.  Each change and
 * its audit entry are one SQL function call (0003_laurelctl.sql), so they
 * commit together or not at all.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/mailfmt.h"
#include "core/pwhash.h"
#include "core/valid.h"
#include "laurelctl/laurelctl.h"

#define USER_PW_LEN	20

struct user_args {
	const char	*email;
	const char	*name;
	int		 admin;
};

/* What promote, demote and disable call and say. */
struct user_change {
	const char	*verb;
	const char	*sql;
	const char	*done;
	const char	*already;
};

static int	user_usage(void);
static int	user_parse(int, char **, struct user_args *, int);
static void	user_password(char *);
static int	user_create(int, char **);
static int	user_alter(const struct user_change *, int, char **);

/* status and a count, whichever function answers. */
static const struct user_change	user_changes[] = {
	{ "promote", "SELECT ctl_user_set_admin($1, true), 0",
	    "is now an administrator", "is already an administrator" },
	{ "demote", "SELECT ctl_user_set_admin($1, false), 0",
	    "is no longer an administrator",
	    "is already not an administrator" },
	{ "disable", "SELECT status, sessions FROM ctl_user_disable($1)",
	    "is disabled and signed out", "is already disabled" },
	{ NULL, NULL, NULL, NULL }
};

/*
 * No 0/O/o or 1/l/I: the password is read off a terminal and typed.
 * 55 symbols, 20 of them: 115 bits.
 */
static const char	user_alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

static int
user_usage(void)
{
	fprintf(stderr, "usage: laurelctl user create --email E --name N "
	    "[--admin]\n"
	    "       laurelctl user promote|demote|disable --email E\n");
	return (2);
}

/* 0, or the exit status after printing why. */
static int
user_parse(int argc, char **argv, struct user_args *ua, int create)
{
	static const struct option	 longopts[] = {
		{ "email",	required_argument,	NULL,	'e' },
		{ "name",	required_argument,	NULL,	'n' },
		{ "admin",	no_argument,		NULL,	'a' },
		{ NULL,		0,			NULL,	0 }
	};
	int				 ch;

	memset(ua, 0, sizeof(*ua));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			ua->email = optarg;
			break;
		case 'n':
			ua->name = optarg;
			break;
		case 'a':
			ua->admin = 1;
			break;
		default:
			fprintf(stderr, "laurelctl: user %s: bad or incomplete "
			    "option %s\n", argv[0], argv[optind - 1]);
			return (user_usage());
		}
	}

	if (optind != argc || ua->email == NULL ||
	    (create && ua->name == NULL) ||
	    (!create && (ua->name != NULL || ua->admin)))
		return (user_usage());

	return (0);
}

static void
user_password(char *out)
{
	size_t		 i;

	for (i = 0; i < USER_PW_LEN; i++)
		out[i] = user_alphabet[randombytes_uniform(
		    sizeof(user_alphabet) - 1)];
	out[USER_PW_LEN] = '\0';
}

static int
user_create(int argc, char **argv)
{
	struct user_args	 ua;
	PGconn			*conn;
	PGresult		*res;
	const char		*params[4], *why;
	char			 password[USER_PW_LEN + 1], hash[PWHASH_LEN];
	int			 rc;

	if ((rc = user_parse(argc, argv, &ua, 1)) != 0)
		return (rc);

	/* The rules of the registration form, and an address we can mail. */
	why = valid_email(ua.email);
	if (why == NULL && !mailfmt_addr_valid(ua.email))
		why = "laurelctl mail can only send to plain ASCII addresses.";
	if (why != NULL) {
		fprintf(stderr, "laurelctl: --email %s: %s\n", ua.email, why);
		return (1);
	}
	if ((why = valid_display_name(ua.name)) != NULL) {
		fprintf(stderr, "laurelctl: --name: %s\n", why);
		return (1);
	}

	if (sodium_init() < 0) {
		fprintf(stderr, "laurelctl: libsodium failed to start\n");
		return (1);
	}
	user_password(password);
	if (pwhash_hash(password, hash) == -1) {
		sodium_memzero(password, sizeof(password));
		fprintf(stderr, "laurelctl: not enough memory to hash the "
		    "password\n");
		return (1);
	}

	if ((conn = ctl_connect()) == NULL) {
		sodium_memzero(password, sizeof(password));
		return (1);
	}

	params[0] = ua.email;
	params[1] = ua.name;
	params[2] = hash;
	params[3] = ua.admin ? "true" : "false";
	res = PQexecParams(conn, "SELECT ctl_user_create($1, $2, $3, $4)",
	    4, NULL, params, NULL, NULL, 0);
	rc = 1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(conn));
	} else if (PQgetisnull(res, 0, 0)) {
		fprintf(stderr, "laurelctl: an account with the e-mail %s "
		    "already exists\n", ua.email);
	} else {
		printf("created user %s <%s>, verified%s\n"
		    "password: %s\n"
		    "(shown once: only its Argon2id hash is stored)\n",
		    PQgetvalue(res, 0, 0), ua.email,
		    ua.admin ? ", administrator" : "", password);
		rc = 0;
	}

	sodium_memzero(password, sizeof(password));
	PQclear(res);
	PQfinish(conn);
	return (rc);
}

static int
user_alter(const struct user_change *uc, int argc, char **argv)
{
	struct user_args	 ua;
	PGconn			*conn;
	PGresult		*res;
	const char		*params[1], *status;
	int			 rc;

	if ((rc = user_parse(argc, argv, &ua, 0)) != 0)
		return (rc);
	if ((conn = ctl_connect()) == NULL)
		return (1);

	params[0] = ua.email;
	res = PQexecParams(conn, uc->sql, 1, NULL, params, NULL, NULL, 0);
	rc = 1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: %s", PQerrorMessage(conn));
		goto out;
	}

	status = PQgetvalue(res, 0, 0);
	if (strcmp(status, "unknown") == 0) {
		fprintf(stderr, "laurelctl: no account has the e-mail %s\n",
		    ua.email);
		goto out;
	}
	if (strcmp(status, "already") == 0) {
		printf("%s %s\n", ua.email, uc->already);
	} else if (strcmp(uc->verb, "disable") == 0) {
		printf("%s %s (%s sessions ended)\n", ua.email, uc->done,
		    PQgetvalue(res, 0, 1));
	} else {
		printf("%s %s\n", ua.email, uc->done);
	}
	rc = 0;

out:
	PQclear(res);
	PQfinish(conn);
	return (rc);
}

int
ctl_user(int argc, char **argv)
{
	int		 i;

	if (argc < 2)
		return (user_usage());
	if (strcmp(argv[1], "create") == 0)
		return (user_create(argc - 1, argv + 1));
	for (i = 0; user_changes[i].verb != NULL; i++) {
		if (strcmp(argv[1], user_changes[i].verb) == 0)
			return (user_alter(&user_changes[i], argc - 1,
			    argv + 1));
	}

	fprintf(stderr, "laurelctl: user: unknown action '%s'\n", argv[1]);
	return (user_usage());
}
