/*
 * The list of public webmail domains (assets/data/webmail-domains.txt),
 * loaded once at start and read-only after, for the conflict keys of
 * applications and reviewers (core/conflict.h).
 */
#ifndef LAUREL_WEB_WEBMAIL_H
#define LAUREL_WEB_WEBMAIL_H

struct conflict_webmail;

/* Loads the list; 0 or -1 (logged). */
int				 webmail_init(void);

const struct conflict_webmail	*webmail_list(void);

#endif
