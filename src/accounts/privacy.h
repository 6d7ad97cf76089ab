#ifndef LAUREL_PRIVACY_H
#define LAUREL_PRIVACY_H

#include <kore/kore.h>
#include <kore/http.h>

int	privacy_export(struct http_request *);
int	privacy_delete(struct http_request *);

#endif
