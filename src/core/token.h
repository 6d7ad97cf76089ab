/*
 * token: random bearer tokens (session cookies, CSRF, e-mail links).
 *
 * A token is 32 bytes from libsodium's CSPRNG written as unpadded
 * base64url: 43 characters of [A-Za-z0-9_-].  No '=' because Kore cuts a
 * cookie value at the first '='.  Only token_hash() of a token is ever
 * stored, so a database dump does not hand out live sessions.
 *
 * sodium_init() must have succeeded before token_new() is called (the
 * module does it at start).  Nothing here allocates.
 */

#ifndef LAUREL_CORE_TOKEN_H
#define LAUREL_CORE_TOKEN_H

#include <stddef.h>

#define TOKEN_BYTES	32
#define TOKEN_LEN	43		/* characters, without the NUL */
#define TOKEN_HASH_LEN	64		/* hex digits, no NUL */

/* Writes a new token and its NUL to out; -1 if outlen < TOKEN_LEN + 1. */
int	token_new(char *out, size_t outlen);

/* Lowercase hex SHA-256 of the token's characters, NUL-terminated. */
void	token_hash(const char *token, char out[TOKEN_HASH_LEN + 1]);

/*
 * 1 if the strings are equal, else 0 (also when either is NULL).  The
 * content is compared in constant time; only the lengths may leak.
 */
int	token_equal(const char *a, const char *b);

/* 1 if s has the shape of a token: TOKEN_LEN base64url characters. */
int	token_valid(const char *s);

#endif /* !LAUREL_CORE_TOKEN_H */
