/*
 * filecrypt: encryption at rest of uploaded files.
 *
 * libsodium's crypto_secretstream_xchacha20poly1305 over 64 KiB chunks of
 * plaintext.  A sealed file is
 *
 *	"LFC1" | secretstream header (24 bytes) | chunk ... | final chunk
 *
 * where every chunk but the last holds exactly FILECRYPT_CHUNK bytes of
 * plaintext and is tagged MESSAGE, and the last holds 1..FILECRYPT_CHUNK
 * bytes (0 only for an empty file) and is tagged FINAL.  Each chunk carries FILECRYPT_ABYTES of
 * overhead.  Because the chunk sizes are fixed no length is stored, and a
 * file cut at a chunk boundary lacks its FINAL tag and is refused.
 *
 * The key is 32 bytes kept in a file outside the database (mode 0600 or
 * stricter), written as 64 hex digits or as 32 raw bytes.  Its id (16 hex
 * digits of SHA-256(key)) can be stored next to a sealed file so a key
 * rotation knows which key opens what; it reveals nothing of the key.
 *
 * sodium_init() must have succeeded before any of these is called.
 */

#ifndef LAUREL_CORE_FILECRYPT_H
#define LAUREL_CORE_FILECRYPT_H

#include <stddef.h>

#define FILECRYPT_KEYBYTES	32
#define FILECRYPT_KEYID_LEN	16	/* hex digits, without the NUL */
#define FILECRYPT_CHUNK		65536	/* plaintext bytes per chunk */
#define FILECRYPT_ABYTES	17	/* per chunk */
#define FILECRYPT_HEADERBYTES	28	/* magic + secretstream header */

/*
 * Reads the key file at path into key and its id (NUL-terminated) into
 * id.  0 on success; -1 with a message in err when the file is missing,
 * not a regular file, readable or writable by group or others, or does
 * not hold exactly 32 raw bytes or 64 hex digits (a trailing newline is
 * allowed).  The message names the path, never the key.
 */
int	filecrypt_key_load(const char *path,
	    unsigned char key[FILECRYPT_KEYBYTES],
	    char id[FILECRYPT_KEYID_LEN + 1], char *err, size_t errlen);

/*
 * Creates path (mode 0600, refusing to overwrite anything, symlinks
 * included) holding a new random key as 64 hex digits and a newline.
 * 0 on success; -1 with a message in err.
 */
int	filecrypt_key_write(const char *path, char *err, size_t errlen);

/*
 * Seals len bytes of plain.  Returns a malloc'd buffer the caller frees
 * and its length in *outlen, or NULL when out of memory or len is too
 * large to size the result.
 */
unsigned char	*filecrypt_seal(const unsigned char key[FILECRYPT_KEYBYTES],
		    const void *plain, size_t len, size_t *outlen);

/*
 * Opens what filecrypt_seal made.  Returns a malloc'd buffer (at least
 * one byte is allocated, so an empty file is not NULL) and its length in
 * *outlen, or NULL on a wrong key, any altered byte, truncation, extra
 * bytes at the end or out of memory.  Nothing of a file that fails is
 * returned.
 */
unsigned char	*filecrypt_open(const unsigned char key[FILECRYPT_KEYBYTES],
		    const void *sealed, size_t len, size_t *outlen);

/*
 * Bound sealing: the same stream with "LFC2" as magic and the text bound
 * (which row the file belongs to, filecrypt_bind()) as additional data on
 * every chunk, so that a sealed file moved to another row no longer opens
 * there. filecrypt_open_bound() also opens an "LFC1" file sealed before
 * binding existed (unbound: laurelctl key rotate re-seals those bound,
 * and once the old key is retired none that a rotation missed opens).
 * Same results and ownership as filecrypt_seal() and filecrypt_open().
 */
unsigned char	*filecrypt_seal_bound(const unsigned char key[FILECRYPT_KEYBYTES],
		    const char *bound, const void *plain, size_t len,
		    size_t *outlen);
unsigned char	*filecrypt_open_bound(const unsigned char key[FILECRYPT_KEYBYTES],
		    const char *bound, const void *sealed, size_t len,
		    size_t *outlen);

/*
 * The text a document is bound to: "laurel-file:OWNER:ID" (application
 * and file id) into buf; its length, or -1 when buf is too small.
 */
#define FILECRYPT_BIND_MAX	64
int	filecrypt_bind(char *buf, size_t buflen, long long owner, long long id);

/* Bytes filecrypt_seal produces for len bytes, or 0 on overflow. */
size_t	filecrypt_sealed_len(size_t len);

#endif /* !LAUREL_CORE_FILECRYPT_H */
