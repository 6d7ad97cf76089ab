/*
 * Random tokens, their hashes and constant-time comparison, all through
 * libsodium so no primitive is written here.
 */

#include <string.h>

#include <sodium.h>

#include "core/token.h"

int
token_new(char *out, size_t outlen)
{
	unsigned char	raw[TOKEN_BYTES];

	if (outlen < TOKEN_LEN + 1)
		return (-1);

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, outlen, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));

	return (0);
}

void
token_hash(const char *token, char out[TOKEN_HASH_LEN + 1])
{
	unsigned char	digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)token,
	    strlen(token));
	sodium_bin2hex(out, TOKEN_HASH_LEN + 1, digest, sizeof(digest));
}

int
token_equal(const char *a, const char *b)
{
	size_t	la, lb;
	int	same_len;

	if (a == NULL || b == NULL)
		return (0);

	la = strlen(a);
	lb = strlen(b);

	/* Still walk a whole string so the time depends on lengths only. */
	same_len = (la == lb);
	if (!same_len)
		b = a;

	if (sodium_memcmp(a, b, la) != 0)
		return (0);

	return (same_len);
}

int
token_valid(const char *s)
{
	size_t	i;
	char	c;

	if (s == NULL)
		return (0);

	for (i = 0; i < TOKEN_LEN; i++) {
		c = s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')
			continue;
		return (0);
	}

	return (s[TOKEN_LEN] == '\0');
}
