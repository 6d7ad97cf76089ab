/*
 * Short secrets kept in the database sealed with the file-encryption key
 * (TOTP secrets): "s1.<key id>.<base64url of nonce, tag and text>", with
 * XChaCha20-Poly1305 (crypto_secretbox) under a subkey derived from the
 * file key for this use only. A value without the "s1." prefix is a
 * secret stored before sealing existed, read as it is until `laurelctl
 * key rotate` seals it.
 */
#ifndef LAUREL_CORE_SEALSTR_H
#define LAUREL_CORE_SEALSTR_H

#include <stddef.h>

#include "core/keyring.h"

#define SEALSTR_PREFIX	"s1."

/* A new string (free() it), or NULL when out of memory. */
char	*sealstr_seal(const struct keyring_key *, const char *plain);

/*
 * Writes the plaintext to out: 0, or -1 when the value is damaged, too
 * long for out, or sealed under a key the ring does not have.
 */
int	 sealstr_open(const struct keyring *, const char *sealed, char *out,
	    size_t outlen);

/* The key id of a sealed value into id: 1, or 0 for a plain value. */
int	 sealstr_key_id(const char *sealed, char id[FILECRYPT_KEYID_LEN + 1]);

#endif /* !LAUREL_CORE_SEALSTR_H */
