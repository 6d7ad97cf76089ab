/*
 * TOTP through liboath.  liboath's own validate functions compare codes
 * with strcmp and return the first match in the window, which would let
 * an old step shadow a fresh one; so each step's code is generated here
 * and compared in constant time, skipping steps already used.
 */

#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "core/totp.h"

static int	 secret_decode(const char *, char **, size_t *);
static void	 secret_free(char *, size_t);
static int	 code_digits(const char *, char [TOTP_DIGITS + 1]);
static int	 is_unreserved(int);
static size_t	 pct_len(const char *);
static char	*pct_put(char *, const char *);

/* The only mutable global: liboath's init is once per process. */
static int	 oath_ready;

int
totp_init(void)
{
	if (oath_ready)
		return (0);
	if (oath_init() != OATH_OK)
		return (-1);
	oath_ready = 1;

	return (0);
}

int
totp_secret_new(char *b32, size_t len)
{
	unsigned char	 raw[TOTP_SECRET_BYTES];
	char		*enc;
	size_t		 enclen;
	int		 rc;

	if (len < TOTP_SECRET_LEN + 1 || totp_init() == -1)
		return (-1);

	randombytes_buf(raw, sizeof(raw));
	rc = oath_base32_encode((const char *)raw, sizeof(raw), &enc,
	    &enclen);
	sodium_memzero(raw, sizeof(raw));
	if (rc != OATH_OK)
		return (-1);

	/* 160 bits are exactly 32 base32 digits: never any padding. */
	if (enclen != TOTP_SECRET_LEN) {
		secret_free(enc, enclen);
		return (-1);
	}
	memcpy(b32, enc, TOTP_SECRET_LEN + 1);
	secret_free(enc, enclen);

	return (0);
}

/* liboath's decoder allocates; the caller uses secret_free(). */
static int
secret_decode(const char *b32, char **key, size_t *keylen)
{
	if (b32 == NULL || totp_init() == -1)
		return (-1);
	if (oath_base32_decode(b32, strlen(b32), key, keylen) != OATH_OK)
		return (-1);
	if (*keylen < TOTP_SECRET_MIN_BYTES) {
		secret_free(*key, *keylen);
		return (-1);
	}

	return (0);
}

static void
secret_free(char *p, size_t len)
{
	if (p == NULL)
		return;

	sodium_memzero(p, len);
	free(p);
}

/* Apps show "123 456"; people type it so. */
static int
code_digits(const char *code, char out[TOTP_DIGITS + 1])
{
	size_t	n;

	if (code == NULL)
		return (-1);

	for (n = 0; *code != '\0'; code++) {
		if (*code == ' ')
			continue;
		if (*code < '0' || *code > '9' || n == TOTP_DIGITS)
			return (-1);
		out[n++] = *code;
	}
	out[n] = '\0';

	return (n == TOTP_DIGITS ? 0 : -1);
}

int
totp_check(const char *b32secret, const char *code, time_t now,
    int window, long long last_step, long long *matched_step)
{
	char		 given[TOTP_DIGITS + 1], want[TOTP_DIGITS + 1];
	char		*key;
	size_t		 keylen;
	long long	 now_step, s, found;

	if (now < 0 || window < 0 || window > TOTP_MAX_WINDOW)
		return (0);
	if (code_digits(code, given) == -1)
		return (0);
	if (secret_decode(b32secret, &key, &keylen) == -1)
		return (0);

	/* No early exit on a match: time must not tell which step hit. */
	found = -1;
	now_step = (long long)now / TOTP_PERIOD;
	for (s = now_step - window; s <= now_step + window; s++) {
		if (s < 0 || s <= last_step)
			continue;
		if (oath_totp_generate(key, keylen, (time_t)(s * TOTP_PERIOD),
		    TOTP_PERIOD, 0, TOTP_DIGITS, want) != OATH_OK)
			break;
		if (sodium_memcmp(want, given, TOTP_DIGITS) == 0 &&
		    found == -1)
			found = s;
	}
	secret_free(key, keylen);
	sodium_memzero(want, sizeof(want));

	if (found == -1)
		return (0);
	if (matched_step != NULL)
		*matched_step = found;

	return (1);
}

int
totp_code(const char *b32secret, time_t t, char out[TOTP_DIGITS + 1])
{
	char	*key;
	size_t	 keylen;
	int	 rc;

	if (secret_decode(b32secret, &key, &keylen) == -1)
		return (-1);
	rc = oath_totp_generate(key, keylen, t, TOTP_PERIOD, 0, TOTP_DIGITS,
	    out);
	secret_free(key, keylen);

	return (rc == OATH_OK ? 0 : -1);
}

static int
is_unreserved(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~');
}

static size_t
pct_len(const char *s)
{
	size_t	n;

	for (n = 0; *s != '\0'; s++)
		n += is_unreserved((unsigned char)*s) ? 1 : 3;

	return (n);
}

/* Writes s percent-encoded at p; returns the end, not NUL-terminated. */
static char *
pct_put(char *p, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (is_unreserved(c)) {
			*p++ = (char)c;
			continue;
		}
		*p++ = '%';
		*p++ = hex[c >> 4];
		*p++ = hex[c & 0x0f];
	}

	return (p);
}

char *
totp_uri(const char *issuer, const char *account, const char *b32secret)
{
	static const char	pre[] = "otpauth://totp/";
	static const char	post[] = "&algorithm=SHA1&digits=6&period=30";
	char			*uri, *p;
	size_t			 ilen, len;

	if (issuer == NULL || account == NULL || b32secret == NULL)
		return (NULL);

	ilen = pct_len(issuer);
	len = sizeof(pre) - 1 + ilen + 1 + pct_len(account) +
	    strlen("?secret=") + pct_len(b32secret) + strlen("&issuer=") +
	    ilen + sizeof(post);
	if ((uri = malloc(len)) == NULL)
		abort();

	p = uri;
	memcpy(p, pre, sizeof(pre) - 1);
	p += sizeof(pre) - 1;
	p = pct_put(p, issuer);
	*p++ = ':';
	p = pct_put(p, account);
	memcpy(p, "?secret=", strlen("?secret="));
	p = pct_put(p + strlen("?secret="), b32secret);
	memcpy(p, "&issuer=", strlen("&issuer="));
	p = pct_put(p + strlen("&issuer="), issuer);
	memcpy(p, post, sizeof(post));

	return (uri);
}

void
totp_recovery_new(char out[][TOTP_RECOVERY_SIZE], int n)
{
	static const char	abc[] = TOTP_RECOVERY_ALPHABET;
	int			i, j, k;

	for (i = 0; i < n; i++) {
		for (j = 0, k = 0; j < TOTP_RECOVERY_CHARS; j++) {
			if (j == 4 || j == 8)
				out[i][k++] = '-';
			out[i][k++] = abc[randombytes_uniform(sizeof(abc) - 1)];
		}
		out[i][k] = '\0';
	}
}

int
totp_recovery_normalise(const char *in, char out[TOTP_RECOVERY_SIZE])
{
	size_t	n, k;
	int	c;

	out[0] = '\0';
	if (in == NULL)
		return (0);

	for (n = 0, k = 0; *in != '\0'; in++) {
		c = (unsigned char)*in;
		if (c == ' ' || c == '-')
			continue;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (strchr(TOTP_RECOVERY_ALPHABET, c) == NULL ||
		    n == TOTP_RECOVERY_CHARS) {
			out[0] = '\0';
			return (0);
		}
		if (n == 4 || n == 8)
			out[k++] = '-';
		out[k++] = (char)c;
		n++;
	}
	out[k] = '\0';

	if (n != TOTP_RECOVERY_CHARS) {
		out[0] = '\0';
		return (0);
	}

	return (1);
}
