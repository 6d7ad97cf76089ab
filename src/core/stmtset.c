#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stmtset.h"

/* FNV-1a: only a filter before the comparison of the whole text. */
static uint64_t
stmtset_hash(const char *text)
{
	uint64_t	h;

	h = 0xcbf29ce484222325ULL;
	for (; *text != '\0'; text++) {
		h ^= (unsigned char)*text;
		h *= 0x100000001b3ULL;
	}

	return (h);
}

static void
stmtset_name(size_t i, char *name)
{
	(void)snprintf(name, STMTSET_NAME_LEN, "l%zu", i);
}

void
stmtset_init(struct stmtset *s)
{
	memset(s, 0, sizeof(*s));
}

void
stmtset_clear(struct stmtset *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->e[i].text);
	stmtset_init(s);
}

int
stmtset_find(const struct stmtset *s, const char *text, char *name)
{
	uint64_t	h;
	size_t		i;

	h = stmtset_hash(text);
	for (i = 0; i < s->n; i++) {
		if (s->e[i].hash == h && strcmp(s->e[i].text, text) == 0) {
			stmtset_name(i, name);
			return (1);
		}
	}

	return (0);
}

int
stmtset_add(struct stmtset *s, const char *text, char *name)
{
	char	*copy;

	if (s->n >= STMTSET_MAX || (copy = strdup(text)) == NULL)
		return (0);

	s->e[s->n].hash = stmtset_hash(text);
	s->e[s->n].text = copy;
	stmtset_name(s->n, name);
	s->n++;

	return (1);
}

void
stmtset_pop(struct stmtset *s)
{
	if (s->n == 0)
		return;
	s->n--;
	free(s->e[s->n].text);
	s->e[s->n].text = NULL;
}
