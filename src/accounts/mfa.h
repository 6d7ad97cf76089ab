/* Two-step sign-in (TOTP): enrolment and the second step of a sign-in. */
#ifndef LAUREL_MFA_H
#define LAUREL_MFA_H

#include <kore/kore.h>
#include <kore/http.h>

int	mfa_enrol(struct http_request *);
int	mfa_login(struct http_request *);

#endif
