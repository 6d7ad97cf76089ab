/*
 * Password rules.  The common-password list is small (tens of thousands
 * of short lines), so it is kept as one copy of the file with an array of
 * sorted pointers into it and looked up by binary search.
 */

#include <stdlib.h>
#include <string.h>

#include "core/form.h"
#include "core/pwpolicy.h"

struct pwlist {
	char	 *buf;		/* the file, lines NUL-terminated */
	char	**ent;		/* sorted, distinct, lowercase */
	size_t	  n;
};

/* A length-delimited string, for looking up a password's stem. */
struct key {
	const char	*s;
	size_t		 len;
};

static void	*pw_malloc(size_t);
static int	 fold(int);
static int	 is_tail(int);
static int	 ent_cmp(const void *, const void *);
static int	 key_cmp(const void *, const void *);
static int	 list_has(const struct pwlist *, const char *, size_t);
static int	 equal_fold(const char *, size_t, const char *, size_t);
static int	 is_personal(const char *, size_t, const char *,
		    const char *);
static size_t	 stem_len(const char *, size_t);
static size_t	 count_chars(const char *, size_t);

static void *
pw_malloc(size_t len)
{
	void	*p;

	if ((p = malloc(len == 0 ? 1 : len)) == NULL)
		abort();

	return (p);
}

/* ASCII only, so the result never depends on the process locale. */
static int
fold(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A' + 'a');

	return (c);
}

/* What the stem drops: ASCII digits, punctuation and the space. */
static int
is_tail(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return (0);

	return (c >= ' ' && c <= '~');
}

static int
ent_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/* Entries are already lowercase; only the key needs folding. */
static int
key_cmp(const void *k, const void *e)
{
	const struct key	*key;
	const unsigned char	*ent;
	size_t			 i;
	int			 c;

	key = k;
	ent = *(const unsigned char * const *)e;
	for (i = 0; i < key->len; i++) {
		c = fold((unsigned char)key->s[i]);
		if (c != ent[i])
			return (c - ent[i]);
	}

	return (ent[i] == '\0' ? 0 : -1);
}

static int
list_has(const struct pwlist *list, const char *s, size_t len)
{
	struct key	key;

	if (list == NULL || list->n == 0)
		return (0);

	key.s = s;
	key.len = len;

	return (bsearch(&key, list->ent, list->n, sizeof(*list->ent),
	    key_cmp) != NULL);
}

struct pwlist *
pwlist_load(const char *buf, size_t len)
{
	struct pwlist	*list;
	char		*line, *nl, *end;
	size_t		 cap, i, n;

	list = pw_malloc(sizeof(*list));
	list->buf = pw_malloc(len + 1);
	memcpy(list->buf, buf, len);
	list->buf[len] = '\0';
	end = list->buf + len;

	/* Each entry needs a newline but the last: at most that many + 1. */
	cap = 1;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n')
			cap++;
	}
	list->ent = pw_malloc(cap * sizeof(*list->ent));
	list->n = 0;

	for (line = list->buf; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			nl = end;
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		for (i = 0; line[i] != '\0'; i++)
			line[i] = (char)fold((unsigned char)line[i]);
		list->ent[list->n++] = line;
	}

	if (list->n == 0)
		return (list);

	qsort(list->ent, list->n, sizeof(*list->ent), ent_cmp);
	for (i = 1, n = 1; i < list->n; i++) {
		if (strcmp(list->ent[i], list->ent[n - 1]) != 0)
			list->ent[n++] = list->ent[i];
	}
	list->n = n;

	return (list);
}

void
pwlist_free(struct pwlist *list)
{
	if (list == NULL)
		return;

	free(list->ent);
	free(list->buf);
	free(list);
}

size_t
pwlist_count(const struct pwlist *list)
{
	return (list == NULL ? 0 : list->n);
}

int
pwlist_contains(const struct pwlist *list, const char *s)
{
	if (s == NULL)
		return (0);

	return (list_has(list, s, strlen(s)));
}

static int
equal_fold(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	i;

	if (alen != blen)
		return (0);

	for (i = 0; i < alen; i++) {
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return (0);
	}

	return (1);
}

static int
is_personal(const char *pw, size_t len, const char *email,
    const char *name)
{
	const char	*at;

	if (name != NULL && name[0] != '\0' &&
	    equal_fold(pw, len, name, strlen(name)))
		return (1);

	if (email == NULL || email[0] == '\0')
		return (0);
	if (equal_fold(pw, len, email, strlen(email)))
		return (1);
	if ((at = strrchr(email, '@')) == NULL || at == email)
		return (0);

	return (equal_fold(pw, len, email, at - email));
}

/* Length of the stem, or 0 if there is none worth looking at. */
static size_t
stem_len(const char *pw, size_t len)
{
	size_t	n;

	for (n = len; n > 0 && is_tail((unsigned char)pw[n - 1]); n--)
		;

	return (n == len ? 0 : n);
}

/* Code points of valid UTF-8: every byte but continuation bytes. */
static size_t
count_chars(const char *s, size_t len)
{
	size_t	i, n;

	for (i = 0, n = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}

	return (n);
}

const char *
pwpolicy_check(const struct pwlist *list, const char *password,
    const char *email, const char *display_name)
{
	size_t	len, chars, stem;

	if (password == NULL)
		return (PWPOLICY_MSG_SHORT);

	len = strlen(password);
	if (!form_utf8_valid(password, len))
		return (PWPOLICY_MSG_UTF8);

	chars = count_chars(password, len);
	if (chars < PWPOLICY_MIN_CHARS)
		return (PWPOLICY_MSG_SHORT);
	if (chars > PWPOLICY_MAX_CHARS)
		return (PWPOLICY_MSG_LONG);

	stem = stem_len(password, len);

	if (is_personal(password, len, email, display_name))
		return (PWPOLICY_MSG_PERSONAL);
	if (stem > 0 && is_personal(password, stem, email, display_name))
		return (PWPOLICY_MSG_PERSONAL);

	if (list_has(list, password, len))
		return (PWPOLICY_MSG_COMMON);
	if (stem > 0 && list_has(list, password, stem))
		return (PWPOLICY_MSG_COMMON);

	return (NULL);
}
