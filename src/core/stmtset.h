/*
 * The statements one database connection has prepared, by their text:
 * a page's query is parsed and planned once per connection, not once
 * per request (issue 16). Each text gets the name "l<N>", N counted per
 * connection, so no two texts ever share a name. The set owns copies of
 * the texts; it holds at most STMTSET_MAX, and a text beyond that is
 * simply sent unprepared.
 */
#ifndef LAUREL_CORE_STMTSET_H
#define LAUREL_CORE_STMTSET_H

#include <stddef.h>
#include <stdint.h>

#define STMTSET_MAX		256
#define STMTSET_NAME_LEN	24

struct stmtset_entry {
	uint64_t	 hash;
	char		*text;
};

struct stmtset {
	struct stmtset_entry	e[STMTSET_MAX];
	size_t			n;
};

void	stmtset_init(struct stmtset *);

/* Forgets every statement (a new session has none); frees the copies. */
void	stmtset_clear(struct stmtset *);

/* The name text was prepared under into name: 1, or 0 when it was not. */
int	stmtset_find(const struct stmtset *, const char *text, char *name);

/*
 * Records text as prepared and writes the name to prepare it under: 1,
 * or 0 when the set is full or out of memory (send it unprepared).
 */
int	stmtset_add(struct stmtset *, const char *text, char *name);

/* Takes back the last stmtset_add() (its PREPARE failed). */
void	stmtset_pop(struct stmtset *);

#endif
