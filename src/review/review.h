/*
 * The reviewer's pages: their assignments across rounds, the conflict
 * of interest check before an application opens, the application read
 * only, a declared conflict, and its documents (blind rounds: without
 * their metadata, under neutral names). Panel members only: what a
 * reviewer may do comes from assignment_rights(), anyone else gets 404.
 */
#ifndef LAUREL_REVIEW_H
#define LAUREL_REVIEW_H

#include <kore/kore.h>
#include <kore/http.h>

int	review_list_page(struct http_request *);
int	review_page(struct http_request *);
int	review_conflict(struct http_request *);
int	review_file(struct http_request *);

#endif
