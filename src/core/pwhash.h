/*
 * Password hashing with libsodium's crypto_pwhash_str (Argon2id). Slow on
 * purpose: the web module calls these on a task thread, never on the
 * event loop.
 */
#ifndef LAUREL_CORE_PWHASH_H
#define LAUREL_CORE_PWHASH_H

#include <sodium.h>

#define PWHASH_LEN	crypto_pwhash_STRBYTES

/* 0 and the encoded hash in out, or -1 (out of memory). */
int	pwhash_hash(const char *password, char out[PWHASH_LEN]);

/*
 * 1 if password matches hash; then, when the hash was made with other
 * parameters than today's, *rehash is 1 and out holds a new hash.
 * 0 when it does not match (or hash is malformed).
 */
int	pwhash_verify(const char *hash, const char *password, int *rehash,
	    char out[PWHASH_LEN]);

/*
 * Spends the time a verification takes, for an account that does not
 * exist, so that timing does not tell which addresses have accounts.
 */
void	pwhash_dummy(const char *password);

#endif
