#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/keyring.h"

static int
keyring_add(struct keyring *kr, const char *path, char *err, size_t errlen)
{
	struct keyring_key	*k;

	if (kr->n == KEYRING_MAX) {
		snprintf(err, errlen, "key files: at most %d may be given",
		    KEYRING_MAX);
		return (-1);
	}

	k = &kr->keys[kr->n];
	if (filecrypt_key_load(path, k->key, k->id, err, errlen) == -1)
		return (-1);
	/* The same key twice is harmless; keep one (find looks below n). */
	if (keyring_find(kr, k->id) != NULL) {
		sodium_memzero(k, sizeof(*k));
		return (0);
	}
	kr->n++;

	return (0);
}

int
keyring_load(struct keyring *kr, const char *current, const char *old,
    char *err, size_t errlen)
{
	char		 path[4096];
	const char	*p, *colon;
	size_t		 len;

	keyring_wipe(kr);
	if (current == NULL || *current == '\0') {
		snprintf(err, errlen, "key file: no path given");
		return (-1);
	}
	if (keyring_add(kr, current, err, errlen) == -1)
		goto fail;

	for (p = old; p != NULL && *p != '\0'; p = colon + 1) {
		colon = strchr(p, ':');
		len = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if (len >= sizeof(path)) {
			snprintf(err, errlen, "key file: a path is too long");
			goto fail;
		}
		if (len > 0) {
			memcpy(path, p, len);
			path[len] = '\0';
			if (keyring_add(kr, path, err, errlen) == -1)
				goto fail;
		}
		if (colon == NULL)
			break;
	}

	return (0);
fail:
	keyring_wipe(kr);
	return (-1);
}

const struct keyring_key *
keyring_current(const struct keyring *kr)
{
	return (kr->n > 0 ? &kr->keys[0] : NULL);
}

const struct keyring_key *
keyring_find(const struct keyring *kr, const char *id)
{
	size_t		 i;

	for (i = 0; i < kr->n; i++) {
		if (strcmp(kr->keys[i].id, id) == 0)
			return (&kr->keys[i]);
	}

	return (NULL);
}

void
keyring_wipe(struct keyring *kr)
{
	sodium_memzero(kr, sizeof(*kr));
}
