/*
 * Automatic conflicts of interest: organisation names and e-mail domains
 * compared the way people write them (core/conflict.h).
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/conflict.h"

/*
 * Legal forms, as they are once dots are gone and case folded: removed
 * from the end of a name, as many as there are ("Acme Holding B.V." keeps
 * "acme holding"). Several words stand as one entry ("sp z oo").
 */
static const char *const	legal_forms[] = {
	"ab", "ag", "aps", "as", "asa", "bv", "bvba", "cic", "co", "corp",
	"cv", "eg", "ehf", "ev", "gbr", "gmbh", "gmbh & co kg", "ggmbh",
	"inc", "kft", "kg", "lda", "limited", "llc", "llp", "ltd", "nv", "oy",
	"oyj", "ohg", "plc", "sa", "sal", "sarl", "sas", "sasu", "se", "sl",
	"slu", "sp z oo", "spa", "sprl", "srl", "sro", "ug", "vzw", "zrt",
	NULL
};

/*
 * Letters that are not a base letter with an accent, so that stripping
 * marks leaves them as they are: written as people type them without.
 * (Case folded already.)
 */
static const struct {
	const char	*letter;
	char		 plain[3];
} letters[] = {
	{ "\xc3\xb8", "o" },	/* ø */
	{ "\xc3\xa6", "ae" },	/* æ */
	{ "\xc5\x93", "oe" },	/* œ */
	{ "\xc5\x82", "l" },	/* ł */
	{ "\xc4\x91", "d" },	/* đ */
	{ "\xc3\xb0", "d" },	/* ð */
	{ "\xc3\xbe", "th" },	/* þ */
	{ "\xc4\xb1", "i" },	/* ı */
};

struct conflict_webmail {
	char	**domains;
	size_t	  n;
};

/* Case folded, accents dropped: a malloc'd string, or NULL. */
static char *
org_fold(const char *name)
{
	utf8proc_uint8_t	*out;
	utf8proc_ssize_t	 n;

	n = utf8proc_map((const utf8proc_uint8_t *)name, 0, &out,
	    UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
	    UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
	    UTF8PROC_IGNORE);
	if (n < 0)
		return (NULL);

	return ((char *)out);
}

/* Removes one legal form from the end of s (words, single spaces). */
static int
org_strip_form(char *s)
{
	size_t	len, flen, i;

	len = strlen(s);
	for (i = 0; legal_forms[i] != NULL; i++) {
		flen = strlen(legal_forms[i]);
		if (flen >= len || s[len - flen - 1] != ' ' ||
		    strcmp(s + len - flen, legal_forms[i]) != 0)
			continue;
		s[len - flen - 1] = '\0';
		return (1);
	}

	return (0);
}

int
conflict_org_normalise(const char *name, char *out, size_t outlen)
{
	char		*folded;
	const char	*p;
	size_t		 o, i, plain;
	int		 space;

	if (outlen == 0 || (folded = org_fold(name)) == NULL)
		return (-1);

	/*
	 * Letters, digits and '&' kept (non-ASCII bytes too: letters of
	 * other scripts); dots dropped; anything else a single space.
	 */
	o = 0;
	space = 0;
	for (p = folded; *p != '\0'; p++) {
		if (*p == '.')
			continue;
		for (i = 0; i < sizeof(letters) / sizeof(letters[0]); i++) {
			if (strncmp(p, letters[i].letter, 2) == 0)
				break;
		}
		if (i < sizeof(letters) / sizeof(letters[0])) {
			plain = strlen(letters[i].plain);
			if (space && o > 0) {
				if (o + 1 >= outlen)
					goto toolong;
				out[o++] = ' ';
			}
			space = 0;
			if (o + plain >= outlen)
				goto toolong;
			memcpy(out + o, letters[i].plain, plain);
			o += plain;
			p++;		/* both bytes */
			continue;
		}
		if ((unsigned char)*p >= 0x80 || isalnum((unsigned char)*p) ||
		    *p == '&') {
			if (space && o > 0) {
				if (o + 1 >= outlen)
					goto toolong;
				out[o++] = ' ';
			}
			space = 0;
			if (o + 1 >= outlen)
				goto toolong;
			out[o++] = *p;
		} else {
			space = 1;
		}
	}
	out[o] = '\0';
	free(folded);

	while (org_strip_form(out))
		;

	return (0);

toolong:
	free(folded);
	out[0] = '\0';
	return (-1);
}

int
conflict_org_same(const char *a, const char *b)
{
	char	na[CONFLICT_NAME_MAX], nb[CONFLICT_NAME_MAX];

	if (conflict_org_normalise(a, na, sizeof(na)) == -1 ||
	    conflict_org_normalise(b, nb, sizeof(nb)) == -1)
		return (0);

	return (na[0] != '\0' && strcmp(na, nb) == 0);
}

/*
 * The n bytes of src as a domain: lower-cased, without a trailing dot,
 * into out. 0, or -1 when empty or too long.
 */
static int
domain_copy(const char *src, size_t n, char *out, size_t outlen)
{
	size_t	i;

	while (n > 0 && src[n - 1] == '.')
		n--;
	if (n == 0 || n >= outlen)
		return (-1);
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)src[i]);
	out[n] = '\0';

	return (0);
}

int
conflict_email_domain(const char *email, char *out, size_t outlen)
{
	const char	*at;

	if ((at = strrchr(email, '@')) == NULL)
		return (-1);

	return (domain_copy(at + 1, strlen(at + 1), out, outlen));
}

static int
webmail_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

struct conflict_webmail *
conflict_webmail_load(const char *text, size_t len)
{
	struct conflict_webmail	*w;
	const char		*p, *end, *nl;
	char			**grown, *d;
	size_t			 n;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);

	for (p = text, end = text + len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0 || p[0] == '#')
			continue;
		if (w->n % 64 == 0) {
			if ((grown = reallocarray(w->domains, w->n + 64,
			    sizeof(*w->domains))) == NULL)
				goto fail;
			w->domains = grown;
		}
		if ((d = malloc(n + 1)) == NULL)
			goto fail;
		if (domain_copy(p, n, d, n + 1) == -1) {
			free(d);
			continue;
		}
		w->domains[w->n++] = d;
	}
	if (w->n > 0)
		qsort(w->domains, w->n, sizeof(*w->domains), webmail_cmp);

	return (w);

fail:
	conflict_webmail_free(w);
	return (NULL);
}

void
conflict_webmail_free(struct conflict_webmail *w)
{
	size_t	i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		free(w->domains[i]);
	free(w->domains);
	free(w);
}

int
conflict_webmail_has(const struct conflict_webmail *w, const char *domain)
{
	return (w != NULL && w->n > 0 && bsearch(&domain, w->domains, w->n,
	    sizeof(*w->domains), webmail_cmp) != NULL);
}

int
conflict_domain_match(const struct conflict_webmail *w,
    const char *reviewer_domain, const char *contact_email)
{
	char	a[256], b[256];

	if (domain_copy(reviewer_domain, strlen(reviewer_domain), a,
	    sizeof(a)) == -1 ||
	    conflict_email_domain(contact_email, b, sizeof(b)) == -1)
		return (0);

	return (strcmp(a, b) == 0 && !conflict_webmail_has(w, a));
}

int
conflict_org_key(const char *name, char *out, size_t outlen)
{
	char	norm[CONFLICT_NAME_MAX];
	int	n;

	if (conflict_org_normalise(name, norm, sizeof(norm)) == -1 ||
	    norm[0] == '\0')
		return (-1);
	n = snprintf(out, outlen, "org:%s", norm);
	if (n < 0 || (size_t)n >= outlen)
		return (-1);

	return (0);
}

/* A host name: labels of letters, digits and hyphens, at least two. */
static int
domain_valid(const char *d)
{
	const char	*p;

	if (d[0] == '.' || d[0] == '-' || strchr(d, '.') == NULL ||
	    strstr(d, "..") != NULL)
		return (0);
	for (p = d; *p != '\0'; p++) {
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '-' && *p != '.')
			return (0);
	}
	return (1);
}

int
conflict_domain_key(const struct conflict_webmail *w, const char *domain,
    char *out, size_t outlen)
{
	char	d[256];
	int	n;

	if (domain_copy(domain, strlen(domain), d, sizeof(d)) == -1 ||
	    !domain_valid(d) || conflict_webmail_has(w, d))
		return (-1);
	n = snprintf(out, outlen, "dom:%s", d);
	if (n < 0 || (size_t)n >= outlen)
		return (-1);

	return (0);
}

static int
keys_add(json_t *keys, const char *kind, const char *name, const char *key)
{
	return (json_array_append_new(keys, json_pack("{s:s, s:s, s:s}",
	    "kind", kind, "name", name, "key", key)));
}

json_t *
conflict_application_keys(const json_t *content,
    const struct conflict_webmail *w)
{
	json_t		*keys, *p;
	const char	*v;
	char		 key[CONFLICT_KEY_MAX], d[256];
	size_t		 i;

	if ((keys = json_array()) == NULL)
		return (NULL);

	v = json_string_value(json_object_get(content, "organisation_name"));
	if (v != NULL && conflict_org_key(v, key, sizeof(key)) == 0)
		(void)keys_add(keys, "organisation", v, key);

	json_array_foreach(json_object_get(content, "partners"), i, p) {
		v = json_string_value(json_object_get(p, "name"));
		if (v != NULL && conflict_org_key(v, key, sizeof(key)) == 0)
			(void)keys_add(keys, "partner", v, key);
	}

	v = json_string_value(json_object_get(content, "contact_email"));
	if (v != NULL && conflict_email_domain(v, d, sizeof(d)) == 0 &&
	    conflict_domain_key(w, d, key, sizeof(key)) == 0)
		(void)keys_add(keys, "domain", d, key);

	return (keys);
}
