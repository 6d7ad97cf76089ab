/* The round dashboard above a round's form (issue 14). Admins only. */
#ifndef LAUREL_ADMIN_DASHBOARD_H
#define LAUREL_ADMIN_DASHBOARD_H

#include <kore/kore.h>
#include <kore/http.h>

/* The loaded column, as the page's load selects it ($2: the slug). */
#define DASHBOARD_COLUMN	"round_dashboard($2, s.user_id) AS dashboard"

/* Merges the loaded dashboard under "dashboard", with its chart. */
void	dashboard_merge(struct http_request *);

#endif
