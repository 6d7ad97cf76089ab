#ifndef LAUREL_APPLICATIONS_H
#define LAUREL_APPLICATIONS_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

int		 applications_list(struct http_request *);
int		 applications_apply(struct http_request *);
int		 applications_page(struct http_request *);
int		 applications_withdraw(struct http_request *);

/*
 * What the C side decides from (the page data is for the template):
 * read from application_view() and the rights by applications_loaded().
 */
struct app_model {
	long long	 version;	/* the latest */
	long long	 shown;		/* the one on the page */
	int		 submitted;
	int		 withdrawn;
	int		 editable;	/* may change now, and shows the latest */
	size_t		 files;
	long long	 max_files;
	long long	 max_file_mb;
};

struct load_params;

/* Shared with files.c: the page query, its result, the page. */
const char	*applications_load(struct http_request *,
		    struct load_params *);
int		 applications_loaded(struct http_request *,
		    struct app_model *);
long long	 applications_path_id(const char *path, const char **rest);
int		 applications_render(struct http_request *, int status,
		    const struct app_model *, const json_t *content);
void		 applications_receipt_mail(struct http_request *,
		    const char *id_s, const char *title, char **subject,
		    char **body);

#endif
