/*
 * The automatic source of conflicts of interest (SPEC §4): a reviewer is
 * conflicted with an application when one of their organisations matches
 * the applicant's organisation or a partner's, or one of their e-mail
 * domains is the contact's domain. Pure: the panel pages and the SQL
 * that records conflicts build on these.
 *
 * Organisation names are compared normalised: Unicode compatibility
 * decomposition, case folded, accents dropped (utf8proc); dots removed
 * ("S.A." is "sa"), other punctuation and white space as one space; and
 * legal-form suffixes at the end removed ("gmbh", "sa", "bv", "ltd",
 * "oy", "ab", "spa", ...). "Hospital Clínic, S.A." and "hospital clinic"
 * are the same organisation.
 *
 * E-mail domains are compared lower-cased; a public webmail domain
 * (gmail.com, outlook.com, gmx.de, ...: conflict_webmail_load()) never
 * counts, since sharing one says nothing about an affiliation.
 */
#ifndef LAUREL_CORE_CONFLICT_H
#define LAUREL_CORE_CONFLICT_H

#include <stddef.h>

#include <jansson.h>

#define CONFLICT_NAME_MAX	512	/* bytes of a normalised name */

/*
 * name normalised into out (NUL-terminated, at most outlen - 1 bytes).
 * 0, or -1 when name is not valid UTF-8 or the result does not fit. An
 * empty result (a name of punctuation and suffixes only) matches nothing.
 */
int	conflict_org_normalise(const char *name, char *out, size_t outlen);

/* Whether two organisation names are the same once normalised. */
int	conflict_org_same(const char *a, const char *b);

/* The domain of an address, lower-cased, into out; -1 without one. */
int	conflict_email_domain(const char *email, char *out, size_t outlen);

/* The list of public webmail domains, one per line ('#' comments). */
struct conflict_webmail;
struct conflict_webmail	*conflict_webmail_load(const char *text, size_t len);
void			 conflict_webmail_free(struct conflict_webmail *);
int			 conflict_webmail_has(const struct conflict_webmail *,
			    const char *domain);

/*
 * Whether a reviewer's domain and the contact's address are of the same
 * organisation: the same domain, not a webmail one.
 */
int	conflict_domain_match(const struct conflict_webmail *,
	    const char *reviewer_domain, const char *contact_email);

/*
 * Keys: what the database compares, so that SQL needs no normaliser.
 * "org:<normalised name>" and "dom:<domain>"; equal keys are a conflict.
 * -1 when there is no key: an empty name, a name of punctuation only,
 * an address without a domain, a domain that is not a host name (ASCII
 * labels; an internationalised one in its xn-- form), or a webmail one.
 */
#define CONFLICT_KEY_MAX	(CONFLICT_NAME_MAX + 8)

int	conflict_org_key(const char *name, char *out, size_t outlen);
int	conflict_domain_key(const struct conflict_webmail *,
	    const char *domain, char *out, size_t outlen);

/*
 * The keys of an application's content (the form's fields by name):
 * [{kind, name, key}] for its organisation ("organisation"), each
 * partner's ("partner") and its contact's e-mail domain ("domain").
 * A new reference; NULL only when out of memory.
 */
json_t	*conflict_application_keys(const json_t *content,
	    const struct conflict_webmail *);

#endif
