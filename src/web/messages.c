#include <stdio.h>

#include <kore/kore.h>

#include "web/messages.h"

static const char *const messages[MSG_COUNT] = {
	[MSG_APP_UNTITLED] = "Untitled application",
	[MSG_APP_CLOSED] = "The deadline has passed: nothing was changed. "
	    "Your text is still below; you can copy it, but it can no longer "
	    "be saved.",
	[MSG_APP_WITHDRAWN] = "This application has been withdrawn and can "
	    "no longer be changed.",
	[MSG_APP_CONFLICT] = "This application was saved elsewhere (another "
	    "tab or device) after you opened this page: the latest is version "
	    "%lld. Nothing was overwritten. Your text is below, not yet saved; "
	    "open the latest version in another tab to compare, then save "
	    "again here to replace it.",
	[MSG_DOC_CLOSED] = "The deadline has passed; documents can no longer "
	    "be added.",
	[MSG_DOC_WITHDRAWN] = "This application has been withdrawn; documents "
	    "can no longer be added.",
	[MSG_DOC_DELETE_CLOSED] = "The deadline has passed; documents can no "
	    "longer be deleted.",
	[MSG_DOC_DELETE_WITHDRAWN] = "This application has been withdrawn; "
	    "its documents can no longer be changed.",
	[MSG_DOC_TOO_MANY] = "This round accepts at most %lld documents; "
	    "delete one to add another.",
	[MSG_DOC_TOO_LARGE] = "each document may be at most %lld MiB.",
	[MSG_LOGIN_WRONG] = "The e-mail address or the password is not "
	    "right.",
	[MSG_PASSWORD_CURRENT] = "Enter your current password.",
};

const char *
messages_get(enum msg m)
{
	if (m >= MSG_COUNT || messages[m] == NULL)
		fatal("messages: no message %d", m);

	return (messages[m]);
}

void
messages_format(char *buf, size_t len, enum msg m, long long n)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	(void)snprintf(buf, len, messages_get(m), n);
#pragma GCC diagnostic pop
}
