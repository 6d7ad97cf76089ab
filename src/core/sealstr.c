#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/sealstr.h"

#define SEALSTR_CONTEXT		"lrlsecrt"	/* crypto_kdf: 8 bytes */
#define SEALSTR_SUBKEY_ID	1
#define SEALSTR_PLAIN_MAX	256
#define SEALSTR_HEAD		(sizeof(SEALSTR_PREFIX) - 1 + \
				    FILECRYPT_KEYID_LEN + 1)

static void
sealstr_subkey(const struct keyring_key *k,
    unsigned char sub[crypto_secretbox_KEYBYTES])
{
	(void)crypto_kdf_derive_from_key(sub, crypto_secretbox_KEYBYTES,
	    SEALSTR_SUBKEY_ID, SEALSTR_CONTEXT, k->key);
}

char *
sealstr_seal(const struct keyring_key *k, const char *plain)
{
	unsigned char	 sub[crypto_secretbox_KEYBYTES];
	unsigned char	 box[crypto_secretbox_NONCEBYTES +
			    crypto_secretbox_MACBYTES + SEALSTR_PLAIN_MAX];
	size_t		 plen, blen, b64len;
	char		*out;

	plen = strlen(plain);
	if (plen > SEALSTR_PLAIN_MAX)
		return (NULL);

	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	sealstr_subkey(k, sub);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)plain, plen, box, sub);
	sodium_memzero(sub, sizeof(sub));
	blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plen;

	b64len = sodium_base64_ENCODED_LEN(blen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((out = malloc(SEALSTR_HEAD + b64len)) == NULL)
		return (NULL);
	memcpy(out, SEALSTR_PREFIX, sizeof(SEALSTR_PREFIX) - 1);
	memcpy(out + sizeof(SEALSTR_PREFIX) - 1, k->id, FILECRYPT_KEYID_LEN);
	out[SEALSTR_HEAD - 1] = '.';
	sodium_bin2base64(out + SEALSTR_HEAD, b64len, box, blen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	return (out);
}

int
sealstr_key_id(const char *sealed, char id[FILECRYPT_KEYID_LEN + 1])
{
	if (strncmp(sealed, SEALSTR_PREFIX, sizeof(SEALSTR_PREFIX) - 1) != 0)
		return (0);
	if (strlen(sealed) < SEALSTR_HEAD ||
	    sealed[SEALSTR_HEAD - 1] != '.') {
		id[0] = '\0';
		return (1);
	}
	memcpy(id, sealed + sizeof(SEALSTR_PREFIX) - 1, FILECRYPT_KEYID_LEN);
	id[FILECRYPT_KEYID_LEN] = '\0';

	return (1);
}

int
sealstr_open(const struct keyring *kr, const char *sealed, char *out,
    size_t outlen)
{
	const struct keyring_key	*k;
	unsigned char			 sub[crypto_secretbox_KEYBYTES];
	unsigned char			 box[crypto_secretbox_NONCEBYTES +
					    crypto_secretbox_MACBYTES +
					    SEALSTR_PLAIN_MAX];
	char				 id[FILECRYPT_KEYID_LEN + 1];
	size_t				 blen, plen;
	int				 rc;

	if (!sealstr_key_id(sealed, id)) {
		if (strlen(sealed) >= outlen)
			return (-1);
		memcpy(out, sealed, strlen(sealed) + 1);
		return (0);
	}
	if (id[0] == '\0' || (k = keyring_find(kr, id)) == NULL)
		return (-1);

	if (sodium_base642bin(box, sizeof(box), sealed + SEALSTR_HEAD,
	    strlen(sealed + SEALSTR_HEAD), NULL, &blen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return (-1);
	plen = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	if (plen + 1 > outlen)
		return (-1);

	sealstr_subkey(k, sub);
	rc = crypto_secretbox_open_easy((unsigned char *)out,
	    box + crypto_secretbox_NONCEBYTES,
	    blen - crypto_secretbox_NONCEBYTES, box, sub);
	sodium_memzero(sub, sizeof(sub));
	if (rc != 0) {
		sodium_memzero(out, outlen);
		return (-1);
	}
	out[plen] = '\0';

	return (0);
}
