#include <string.h>

#include "core/pwhash.h"

#define PWHASH_OPS	crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PWHASH_MEM	crypto_pwhash_MEMLIMIT_INTERACTIVE

int
pwhash_hash(const char *password, char out[PWHASH_LEN])
{
	if (crypto_pwhash_str(out, password, strlen(password), PWHASH_OPS,
	    PWHASH_MEM) != 0)
		return (-1);

	return (0);
}

int
pwhash_verify(const char *hash, const char *password, int *rehash,
    char out[PWHASH_LEN])
{
	*rehash = 0;

	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
		return (0);

	if (crypto_pwhash_str_needs_rehash(hash, PWHASH_OPS, PWHASH_MEM) != 0 &&
	    pwhash_hash(password, out) == 0)
		*rehash = 1;

	return (1);
}

void
pwhash_dummy(const char *password)
{
	char	 out[PWHASH_LEN];

	(void)pwhash_hash(password, out);
	sodium_memzero(out, sizeof(out));
}
