/* laurelctl: the operator's tool. One file per subcommand group. */
#ifndef LAUREL_CTL_H
#define LAUREL_CTL_H

#include <stddef.h>

#include <libpq-fe.h>

/*
 * A small text file (at most max bytes) into *text, NUL-terminated, the
 * caller's to free, and its length: 0, or -1 with errno (EFBIG: bigger
 * than max) and nothing to free.
 */
int	ctl_read_small(const char *path, size_t max, char **text,
	    size_t *len);

/* Connects with LAUREL_DB; NULL after printing why. */
PGconn	*ctl_connect(void);

/* Connects with LAUREL_DB; NULL with why in errbuf, nothing printed. */
PGconn	*ctl_open(char *, size_t);

int	ctl_migrate(int, char **);
int	ctl_user(int, char **);
int	ctl_audit(int, char **);
int	ctl_mail(int, char **);
int	ctl_key(int, char **);
int	ctl_prune(int, char **);
int	ctl_seed(int, char **);
int	ctl_restore_check(int, char **);

/* Conflict keys of applications that have none (migrate): how many, or -1. */
long	ctl_keys_backfill(PGconn *);

#endif
