/*
 * The file-encryption keys of this instance (LAUREL_KEY_FILE and
 * LAUREL_KEY_FILES_OLD). The parent reads them before the workers are
 * forked (and chrooted, where the key file is out of reach); workers
 * inherit them.
 */
#ifndef LAUREL_WEB_KEYS_H
#define LAUREL_WEB_KEYS_H

#include "core/keyring.h"

int				 keys_init(void);
const struct keyring		*keys_ring(void);
const struct keyring_key	*keys_current(void);
const struct keyring_key	*keys_find(const char *id);

#endif
