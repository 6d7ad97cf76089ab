#include <kore/kore.h>

#include "core/pwpolicy.h"
#include "web/assets.h"
#include "web/passwords.h"

static struct pwlist	*common_passwords;

int
passwords_init(void)
{
	const struct embedded_file	*f;

	if (common_passwords != NULL)
		return (0);

	if ((f = assets_file("data/common-passwords.txt")) == NULL) {
		kore_log(LOG_ERR, "passwords: common-password list missing");
		return (-1);
	}
	common_passwords = pwlist_load((const char *)f->data, f->len);

	return (common_passwords != NULL ? 0 : -1);
}

const struct pwlist *
passwords_common(void)
{
	return (common_passwords);
}
