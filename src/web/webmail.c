#include <kore/kore.h>

#include "core/conflict.h"
#include "web/assets.h"
#include "web/webmail.h"

static struct conflict_webmail	*webmail;

int
webmail_init(void)
{
	const struct embedded_file	*f;

	if (webmail != NULL)
		return (0);

	if ((f = assets_file("data/webmail-domains.txt")) == NULL) {
		kore_log(LOG_ERR, "webmail: the list of webmail domains is "
		    "missing");
		return (-1);
	}
	webmail = conflict_webmail_load((const char *)f->data, f->len);

	return (webmail != NULL ? 0 : -1);
}

const struct conflict_webmail *
webmail_list(void)
{
	return (webmail);
}
