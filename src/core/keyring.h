/*
 * The file-encryption keys an instance knows: the current one, which
 * seals every new document, and older ones that may still be opened
 * while `laurelctl key rotate` moves documents to the current key.
 * Keys are looked up by the id filecrypt derives from each key.
 */
#ifndef LAUREL_CORE_KEYRING_H
#define LAUREL_CORE_KEYRING_H

#include <stddef.h>

#include "core/filecrypt.h"

#define KEYRING_MAX	8

struct keyring_key {
	char		 id[FILECRYPT_KEYID_LEN + 1];
	unsigned char	 key[FILECRYPT_KEYBYTES];
};

struct keyring {
	struct keyring_key	 keys[KEYRING_MAX];	/* [0]: the current */
	size_t			 n;
};

/* old: colon-separated paths, or NULL. 0, or -1 with err set. */
int	keyring_load(struct keyring *, const char *current, const char *old,
	    char *err, size_t errlen);

const struct keyring_key	*keyring_current(const struct keyring *);
const struct keyring_key	*keyring_find(const struct keyring *,
				    const char *id);

void	keyring_wipe(struct keyring *);

#endif /* !LAUREL_CORE_KEYRING_H */
