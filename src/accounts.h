/* Accounts: registration, verification, sign-in and out, account page. */
#ifndef LAUREL_ACCOUNTS_H
#define LAUREL_ACCOUNTS_H

#include <kore/kore.h>
#include <kore/http.h>

struct pwlist;

/* Loads the common-password list; 0 or -1 (logged). */
int	accounts_init(void);

/* The common-password list (read-only after start). */
const struct pwlist	*accounts_passwords(void);

int	accounts_register(struct http_request *);
int	accounts_verify(struct http_request *);
int	accounts_login(struct http_request *);
int	accounts_logout(struct http_request *);

#endif
