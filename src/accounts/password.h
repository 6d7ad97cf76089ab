/* Forgotten passwords: asking for a link and setting a new password. */
#ifndef LAUREL_PASSWORD_H
#define LAUREL_PASSWORD_H

#include <kore/kore.h>
#include <kore/http.h>

int	password_forgot(struct http_request *);
int	password_reset(struct http_request *);

#endif
