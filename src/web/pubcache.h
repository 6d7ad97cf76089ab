/*
 * The published pages' cache (SPEC §8: the public awards pages at half
 * the speed of /healthz or better): each worker keeps the responses it
 * rendered, by path and format, and serves them again without asking
 * the database.
 *
 * Correct across instances: each worker LISTENs on laurel_awards on a
 * connection of its own (raw libpq, non-blocking, its socket on Kore's
 * event loop), and any notification empties its cache. Publication and
 * a corrected citation notify (sql/90_decisions.sql). While the
 * listener is not connected, nothing is cached or served from the cache
 * (it tries again every second): a notification that nobody hears
 * cannot leave a page stale.
 *
 * Races: every emptying starts a new generation. A page takes the
 * generation before its query starts (pubcache_generation()) and hands
 * it back with what it rendered: a response of an older generation may
 * predate the change it was flushed for, and is not kept.
 *
 * Expiry: a page tells when what it shows changes by itself (the end of
 * the next embargo, sql/95_awards.sql awards_next_change_ms(), counted
 * from pubcache_clock() before its query); its entry is gone at that
 * millisecond. Only 200 responses are put here.
 *
 * A read replica (LAUREL_DB_PUBLIC, issue 15): the notification comes
 * from the primary, and may come before the replica has replayed the
 * change; a page read there at once would be the old one, and kept
 * until the next notification. So with a replica set, every
 * notification (and every new subscription, which may have missed some)
 * makes the listener ask the primary for its WAL position
 * (awards_wal_position()): the commit that notified is behind it. Each
 * page says how far the server it was read on had replayed before it
 * was read (award_page()), and is kept only when that is at least the
 * latest position asked for, and no notification is waiting for its
 * answer. Otherwise it is served and not kept: the next request reads
 * again, until the replica has caught up. A page read on the primary
 * (no replica, or the replica unreachable, web/db.c) is always far
 * enough.
 */
#ifndef LAUREL_WEB_PUBCACHE_H
#define LAUREL_WEB_PUBCACHE_H

#include <stddef.h>
#include <stdint.h>

#define PUBCACHE_CHANNEL	"laurel_awards"

/* At most this many responses, and this many bytes of them, per worker. */
#define PUBCACHE_ENTRIES_MAX	256
#define PUBCACHE_BYTES_MAX	(8 * 1024 * 1024)

/* A response found in the cache; valid until the worker's next event. */
struct pubcache_hit {
	const char	*type;		/* content-type */
	const void	*body;
	size_t		 len;
	const void	*gz;		/* body gzip-compressed; NULL: none */
	size_t		 gzlen;
};

/* In each worker at start: begins listening (in the background). */
void		pubcache_start(void);

/* Before the module goes (a reload): closes the listener, empties all. */
void		pubcache_stop(void);

/* The wall clock in milliseconds since 1970, as expiries are given. */
int64_t		pubcache_clock(void);

/* The current generation; 0 while caching is off (nothing is kept). */
uint64_t	pubcache_generation(void);

/* 1 and *hit when key's response is cached and fresh, else 0. */
int		pubcache_get(const char *key, struct pubcache_hit *hit);

/*
 * Keeps a response under key, unless gen is no longer the generation
 * (or 0), or it is too large, or (with a replica) it was read at a WAL
 * position wal behind the primary's last notified one. expires_ms:
 * wall-clock milliseconds since 1970 when it must be gone, or 0 for no
 * end of its own.
 */
void		pubcache_put(const char *key, uint64_t gen, uint64_t wal,
		    const char *type, const void *body, size_t len,
		    int64_t expires_ms);

/* Empties the cache and starts a new generation. */
void		pubcache_flush(void);

#endif
