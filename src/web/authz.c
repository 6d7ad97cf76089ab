#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "web/authz.h"
#include "web/ctx.h"
#include "web/page.h"
#include "web/session.h"
#include "web/settings.h"

/* To /login, remembering where to come back to (a local path only). */
static int
authz_to_login(struct http_request *req)
{
	char		 loc[HTTP_URI_LEN + 32];
	const char	*p;
	size_t		 o;

	o = (size_t)snprintf(loc, sizeof(loc), "/login?next=");
	for (p = req->path; *p != '\0' && o + 4 < sizeof(loc); p++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789/-_.~", *p) != NULL) {
			loc[o++] = *p;
		} else {
			o += (size_t)snprintf(loc + o, sizeof(loc) - o, "%%%02X",
			    (unsigned char)*p);
		}
	}
	loc[o] = '\0';

	page_redirect(req, loc);
	return (0);
}

int
authz_signed_in(struct http_request *req)
{
	struct user	*u;

	if ((u = session_partial(req)) != NULL && !u->mfa_ok) {
		page_redirect(req, "/login/totp");
		return (0);
	}
	if (session_user(req) == NULL)
		return (authz_to_login(req));

	return (1);
}

int
authz_admin(struct http_request *req)
{
	struct user	*u;

	if (!authz_signed_in(req))
		return (0);

	u = session_user(req);
	if (!u->is_admin) {
		page_error(req, 404, NULL);
		return (0);
	}

	if (settings.totp_required && !u->has_totp) {
		page_redirect(req, "/account/totp");
		return (0);
	}

	if (!settings.totp_required && !u->has_totp)
		json_object_set_new(ctx_get(req)->data, "totp_off", json_true());

	return (1);
}
