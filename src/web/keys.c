#include <kore/kore.h>

#include "core/keyring.h"
#include "web/keys.h"
#include "web/settings.h"

static struct keyring	keys;

/*
 * Loads the keys once. A worker after a SIGHUP reload finds them zeroed
 * (KORE.md #7) and tries again; inside a chroot that fails, and the
 * worker stops with the reason rather than serve documents it cannot
 * open: restart instead of reloading.
 */
int
keys_init(void)
{
	char	err[512];

	if (keys.n > 0)
		return (0);

	if (keyring_load(&keys, settings.key_file, settings.key_files_old,
	    err, sizeof(err)) == -1) {
		kore_log(LOG_ERR, "config: LAUREL_KEY_FILE%s: %s",
		    settings.key_files_old != NULL &&
		    settings.key_files_old[0] != '\0' ?
		    " or LAUREL_KEY_FILES_OLD" : "", err);
		return (-1);
	}

	return (0);
}

const struct keyring *
keys_ring(void)
{
	return (&keys);
}

const struct keyring_key *
keys_current(void)
{
	return (keyring_current(&keys));
}

const struct keyring_key *
keys_find(const char *id)
{
	return (keyring_find(&keys, id));
}
