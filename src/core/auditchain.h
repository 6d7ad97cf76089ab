/*
 * The audit log's hash chain, recomputed from the rows' text rather than
 * trusted from the database's own audit_canonical() and trigger, which
 * whoever tampered with the rows could have changed too. One walk, used
 * by `laurelctl audit verify` and by the /admin/audit page.
 *
 * An entry's hash is the lowercase hex SHA-256 of its fields joined by
 * 0x1F: id, `at` in microseconds since the epoch, actor_id, action,
 * subject, ip, before, after (jsonb text; NULL as ""), prev_hash. Its
 * prev_hash is the hash of the entry before it, 64 zeros for the first.
 * A changed entry breaks its own hash; a deleted one breaks the link of
 * the entry after it. Entries removed from the end leave no trace in the
 * chain: compare the head with one recorded earlier.
 */
#ifndef LAUREL_CORE_AUDITCHAIN_H
#define LAUREL_CORE_AUDITCHAIN_H

#include <stddef.h>

#define AUDITCHAIN_HEX		64
#define AUDITCHAIN_FIELDS	9	/* hashed, in this order */
#define AUDITCHAIN_PREV		8	/* prev_hash, the last hashed field */
#define AUDITCHAIN_ID_MAX	24

enum auditchain_status {
	AUDITCHAIN_OK,
	AUDITCHAIN_FIRST,	/* the first entry's prev_hash is not zeros */
	AUDITCHAIN_LINK,	/* prev_hash is not the previous entry's hash */
	AUDITCHAIN_HASH,	/* the hash does not match the content */
};

struct auditchain {
	char		 head[AUDITCHAIN_HEX + 1];	/* last entry's hash */
	char		 head_id[AUDITCHAIN_ID_MAX];	/* and its id */
	long long	 entries;			/* verified so far */
};

/* An empty chain: no entry, the head 64 zeros. */
void	auditchain_init(struct auditchain *);

/*
 * The next entry in id order: its fields (field[0] is the id) with their
 * lengths, and its stored hash. On AUDITCHAIN_OK the entry becomes the
 * head; otherwise the chain is left as it was (the head is the last good
 * entry) and the entry is the first broken one.
 */
enum auditchain_status	auditchain_next(struct auditchain *,
			    const char *const field[AUDITCHAIN_FIELDS],
			    const size_t len[AUDITCHAIN_FIELDS],
			    const char *hash);

#endif
