/* Accounts: registration, verification, sign-in and out, account page. */
#ifndef LAUREL_ACCOUNTS_H
#define LAUREL_ACCOUNTS_H

#include <kore/kore.h>
#include <kore/http.h>

int	accounts_register(struct http_request *);
int	accounts_verify(struct http_request *);
int	accounts_login(struct http_request *);
int	accounts_logout(struct http_request *);

#endif
