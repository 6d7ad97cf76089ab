/*
 * The audit log's hash chain, one entry at a time (see auditchain.h).
 */

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/auditchain.h"

void
auditchain_init(struct auditchain *c)
{
	memset(c, 0, sizeof(*c));
	memset(c->head, '0', AUDITCHAIN_HEX);
}

enum auditchain_status
auditchain_next(struct auditchain *c,
    const char *const field[AUDITCHAIN_FIELDS],
    const size_t len[AUDITCHAIN_FIELDS], const char *hash)
{
	crypto_hash_sha256_state	 st;
	unsigned char			 digest[crypto_hash_sha256_BYTES];
	char				 hex[AUDITCHAIN_HEX + 1];
	int				 i;

	if (len[AUDITCHAIN_PREV] != AUDITCHAIN_HEX ||
	    memcmp(field[AUDITCHAIN_PREV], c->head, AUDITCHAIN_HEX) != 0)
		return (c->entries == 0 ? AUDITCHAIN_FIRST : AUDITCHAIN_LINK);

	crypto_hash_sha256_init(&st);
	for (i = 0; i < AUDITCHAIN_FIELDS; i++) {
		if (i > 0)
			crypto_hash_sha256_update(&st,
			    (const unsigned char *)"\x1f", 1);
		crypto_hash_sha256_update(&st,
		    (const unsigned char *)field[i], len[i]);
	}
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (strcmp(hex, hash) != 0)
		return (AUDITCHAIN_HASH);

	memcpy(c->head, hex, sizeof(c->head));
	(void)snprintf(c->head_id, sizeof(c->head_id), "%.*s",
	    (int)len[0], field[0]);
	c->entries++;
	return (AUDITCHAIN_OK);
}
