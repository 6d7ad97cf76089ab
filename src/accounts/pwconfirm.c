#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>
#include <stdio.h>

#include "accounts/pwconfirm.h"
#include "core/pwhash.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/work.h"

void
pwconfirm_init(struct pwconfirm *pc, long long uid, const char *typed,
    const char *fresh)
{
	(void)snprintf(pc->uid, sizeof(pc->uid), "%lld", uid);
	pc->typed = kore_strdup(typed);
	pc->fresh = fresh != NULL ? kore_strdup(fresh) : NULL;
}

int
pwconfirm_fetch(struct http_request *req, struct pwconfirm *pc)
{
	const char	*params[1];

	params[0] = pc->uid;
	return (step_query(req, "SELECT allowed, retry_after, password_hash "
	    "FROM reauth_attempt($1)", 1, params));
}

/* On a task thread: 1 right, 0 wrong, -1 when fresh could not be hashed. */
static int
pwconfirm_run(void *arg)
{
	struct pwconfirm	*pc = arg;
	char			 unused[PWHASH_LEN];
	int			 rehash;

	if (!pwhash_verify(pc->stored_hash, pc->typed, &rehash, unused))
		return (0);
	if (pc->fresh != NULL && pwhash_hash(pc->fresh, pc->new_hash) != 0)
		return (-1);

	return (1);
}

int
pwconfirm_verify(struct http_request *req, struct pwconfirm *pc)
{
	const char	*hash;

	if (step_over_limit(req, "password confirmations"))
		return (STEP_DONE);

	hash = db_text(req, "password_hash");
	pc->stored_hash = kore_strdup(hash != NULL ? hash : "");
	return (step_work(req, pwconfirm_run, pc));
}

int
pwconfirm_ok(struct http_request *req)
{
	return (work_result(req) == 1);
}

void
pwconfirm_clear(struct pwconfirm *pc)
{
	fields_secret_free(pc->typed);
	fields_secret_free(pc->fresh);
	kore_free(pc->stored_hash);
	sodium_memzero(pc, sizeof(*pc));
}
