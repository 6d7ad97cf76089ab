/*
 * The list of common passwords (assets/data/common-passwords.txt), loaded
 * once at start and read-only after: part of the floor, so that start-up
 * never calls up into a domain.
 */
#ifndef LAUREL_WEB_PASSWORDS_H
#define LAUREL_WEB_PASSWORDS_H

struct pwlist;

/* Loads the list; 0 or -1 (logged). */
int			 passwords_init(void);

/* The list, for pwpolicy_check(). */
const struct pwlist	*passwords_common(void);

#endif
