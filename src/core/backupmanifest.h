/*
 * A backup's manifest (deploy/backup.sh writes it beside the dump as
 * DUMP.manifest; laurelctl restore-check reads it): the dump's SHA-256
 * and the row count of every table, taken in the dump's own snapshot.
 *
 *	laurel-backup 1
 *	sha256 HEX				(64 lowercase hex digits)
 *	table SCHEMA.NAME ROWS			(one per table, any order)
 *
 * NAME is as quote_ident() gives it, so it may hold spaces inside its
 * quotes; ROWS is the last field. Blank lines and lines starting with
 * '#' are ignored. Pure: the caller reads the file.
 */
#ifndef LAUREL_CORE_BACKUPMANIFEST_H
#define LAUREL_CORE_BACKUPMANIFEST_H

#include <stddef.h>

#define BACKUPMANIFEST_MAGIC	"laurel-backup 1"
#define BACKUPMANIFEST_HEX	64

struct backupmanifest_table {
	char		*name;
	long long	 rows;
};

struct backupmanifest {
	char				 sha256[BACKUPMANIFEST_HEX + 1];
	struct backupmanifest_table	*tables;
	size_t				 ntables;
};

/*
 * 0, or -1 with "line N: why" in err and nothing in the manifest. The
 * magic line comes first, the sha256 line exactly once, a table at most
 * once.
 */
int	backupmanifest_parse(struct backupmanifest *, const char *, size_t,
	    char *, size_t);

/* An empty manifest (no SHA-256, no table), to add counts to. */
void	backupmanifest_init(struct backupmanifest *);

/* Adds a table; -1 when the name is empty or already there. */
int	backupmanifest_add(struct backupmanifest *, const char *, long long);

const struct backupmanifest_table	*backupmanifest_find(
					    const struct backupmanifest *,
					    const char *);

/*
 * Every difference between the tables of want (the manifest) and got
 * (what was restored), one sentence each, in want's order and then got's
 * tables that want lacks: how many.
 */
typedef void	(*backupmanifest_report)(void *, const char *);
size_t	backupmanifest_compare(const struct backupmanifest *want,
	    const struct backupmanifest *got, backupmanifest_report, void *);

/* Total rows of all tables. */
long long	backupmanifest_rows(const struct backupmanifest *);

void	backupmanifest_free(struct backupmanifest *);

#endif /* !LAUREL_CORE_BACKUPMANIFEST_H */
