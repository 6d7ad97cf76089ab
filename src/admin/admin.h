/* Administration: the dashboard and the rounds. Admins only. */
#ifndef LAUREL_ADMIN_H
#define LAUREL_ADMIN_H

#include <kore/kore.h>
#include <kore/http.h>

int	admin_home(struct http_request *);
int	admin_round(struct http_request *);

#endif
