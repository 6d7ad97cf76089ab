/*
 * The current password, asked again before a change that needs it (a
 * new password or e-mail address on /account, /account/delete). Two
 * steps of the page's own: pwconfirm_fetch() counts the attempt (10 in
 * 15 minutes per account) and reads the stored hash, pwconfirm_verify()
 * answers the 429 page past the limit, or checks the typed password against it with
 * Argon2id on a task thread, hashing a new password on the same task
 * when there is one. In the step after, pwconfirm_ok() tells.
 */
#ifndef LAUREL_PWCONFIRM_H
#define LAUREL_PWCONFIRM_H

#include <kore/kore.h>
#include <kore/http.h>

#include "core/pwhash.h"

struct pwconfirm {
	char	 uid[32];
	char	*typed;		/* the current password, as typed */
	char	*fresh;		/* a new password to hash, or NULL */
	char	*stored_hash;
	char	 new_hash[PWHASH_LEN];	/* fresh's, once confirmed */
};

/* Copies what was typed (fresh may be NULL). */
void	pwconfirm_init(struct pwconfirm *, long long uid, const char *typed,
	    const char *fresh);

/* Steps: what step_query() and step_work() return. */
int	pwconfirm_fetch(struct http_request *, struct pwconfirm *);
int	pwconfirm_verify(struct http_request *, struct pwconfirm *);

/* After pwconfirm_verify(): 1 when the password was right (and hashed). */
int	pwconfirm_ok(struct http_request *);

/* Wipes the passwords and frees what init and the steps kept. */
void	pwconfirm_clear(struct pwconfirm *);

#endif
