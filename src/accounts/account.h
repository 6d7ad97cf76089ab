/* /account: the signed-in person's own account and sessions. */
#ifndef LAUREL_ACCOUNT_H
#define LAUREL_ACCOUNT_H

#include <kore/kore.h>
#include <kore/http.h>

int	account_page(struct http_request *);

#endif
