/*
 * totp: the optional second factor (SPEC 7), RFC 6238 TOTP with SHA-1,
 * 6 digits and a 30-second step, which is what every authenticator app
 * understands.  The one-time codes come from liboath; random bytes and
 * constant-time comparison from libsodium, so sodium_init() must have
 * succeeded first.
 *
 * liboath keeps process-wide state set up by oath_init(), which is not
 * safe to run from two threads at once.  totp_init() runs it once per
 * process; call it at start-up before any thread exists.  The other
 * functions call it too, as a fallback, which is then a no-op.
 *
 * Replay: a code is worth one login.  The caller stores the step of the
 * last accepted code (per account) and passes it back to totp_check(),
 * which only accepts later steps.
 *
 * Recovery codes look like "k7m2-q9x4-p3r8": 12 characters from
 * TOTP_RECOVERY_ALPHABET (no 0/o, 1/l/i), about 59 bits, in three groups.
 */

#ifndef LAUREL_CORE_TOTP_H
#define LAUREL_CORE_TOTP_H

#include <stddef.h>
#include <time.h>

#define TOTP_SECRET_BYTES	20	/* RFC 4226's recommended 160 bits */
#define TOTP_SECRET_LEN		32	/* base32 digits, no padding */
#define TOTP_SECRET_MIN_BYTES	16	/* shortest key accepted */
#define TOTP_DIGITS		6
#define TOTP_PERIOD		30	/* seconds */
#define TOTP_MAX_WINDOW		10	/* steps either side of now */

#define TOTP_RECOVERY_ALPHABET	"23456789abcdefghjkmnpqrstuvwxyz"
#define TOTP_RECOVERY_CHARS	12	/* without the dashes */
#define TOTP_RECOVERY_LEN	14	/* with dashes, without the NUL */
#define TOTP_RECOVERY_SIZE	16	/* buffer size used below */

/* 0 once liboath is initialised, -1 if that failed. */
int	totp_init(void);

/*
 * Writes a new random secret as TOTP_SECRET_LEN upper-case base32
 * characters and a NUL.  -1 if len < TOTP_SECRET_LEN + 1.
 */
int	totp_secret_new(char *b32, size_t len);

/*
 * 1 if code is the TOTP of b32secret at a step s with
 * |s - now / TOTP_PERIOD| <= window and s > last_step; *matched_step
 * (may be NULL) is then set to s, the earliest such step.  Otherwise 0,
 * also when code is not exactly TOTP_DIGITS ASCII digits once spaces are
 * removed, when the secret is not base32 of at least
 * TOTP_SECRET_MIN_BYTES, when now < 0 or window is outside
 * 0..TOTP_MAX_WINDOW.  Pass last_step -1 when no code was ever accepted.
 */
int	totp_check(const char *b32secret, const char *code, time_t now,
	    int window, long long last_step, long long *matched_step);

/* The code at time t, for tests: 0, or -1 on a bad secret. */
int	totp_code(const char *b32secret, time_t t,
	    char out[TOTP_DIGITS + 1]);

/*
 * The otpauth:// URI authenticator apps read from the QR code:
 *   otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER
 *   &algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-encoded (everything but A-Z a-z 0-9
 * - . _ ~).  NULL if an argument is NULL.  The caller frees the string
 * with free().  Allocation failure aborts.
 */
char	*totp_uri(const char *issuer, const char *account,
	    const char *b32secret);

/* Fills out[0..n-1] with new recovery codes, NUL-terminated. */
void	totp_recovery_new(char out[][TOTP_RECOVERY_SIZE], int n);

/*
 * Brings a recovery code as typed into the form totp_recovery_new()
 * writes: ASCII upper case folded, spaces and dashes dropped wherever
 * they are, dashes put back after the 4th and 8th characters.  Returns 1,
 * or 0 (out then holds "") if what remains is not TOTP_RECOVERY_CHARS
 * characters of TOTP_RECOVERY_ALPHABET.
 */
int	totp_recovery_normalise(const char *in,
	    char out[TOTP_RECOVERY_SIZE]);

#endif /* !LAUREL_CORE_TOTP_H */
