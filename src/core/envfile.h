/*
 * An environment file (KEY=VALUE lines) read from its text: laurelctl's
 * settings when none are in its environment. The rules are those of
 * systemd's EnvironmentFile=, which reads the production files; what
 * systemd would read some other way (a value over several lines, text
 * after a closing quote) is refused, never guessed.
 */
#ifndef LAUREL_CORE_ENVFILE_H
#define LAUREL_CORE_ENVFILE_H

#include <stddef.h>

struct envfile_var {
	char	*name;
	char	*value;
};

/* The variables in the file's order; a name given twice, the last value. */
struct envfile {
	struct envfile_var	*vars;
	size_t			 nvars;
};

/*
 * 0, or -1 with "line N: why" in err and nothing in the envfile. Lines:
 * blank, a comment (# or ; first), or NAME=VALUE with blanks allowed
 * around the '='; the value bare (a backslash keeps the next character,
 * trailing blanks dropped), in '...' (literal) or in "..." (a backslash
 * escapes only " \ ` and $).
 */
int	envfile_parse(struct envfile *, const char *, size_t, char *, size_t);

/* The value of a name, or NULL. */
const char	*envfile_get(const struct envfile *, const char *);

void	envfile_free(struct envfile *);

#endif
