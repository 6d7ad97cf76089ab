#ifndef LAUREL_FILES_H
#define LAUREL_FILES_H

#include <kore/kore.h>
#include <kore/http.h>

int	files_upload(struct http_request *);
int	files_download(struct http_request *);
int	files_delete(struct http_request *);

#endif
