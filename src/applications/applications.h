#ifndef LAUREL_APPLICATIONS_H
#define LAUREL_APPLICATIONS_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

int		 applications_list(struct http_request *);
int		 applications_apply(struct http_request *);
int		 applications_page(struct http_request *);
int		 applications_withdraw(struct http_request *);

/* Shared with files.c. */
int		 applications_session(struct http_request *, u_int8_t next,
		    const char *version);
int		 applications_loaded(struct http_request *);
long long	 applications_path_id(const char *path, const char **rest);
int		 applications_render(struct http_request *, int status,
		    const json_t *content);
void		 applications_receipt_mail(struct http_request *,
		    const char *id_s, const char *title, char **subject,
		    char **body);

#endif
