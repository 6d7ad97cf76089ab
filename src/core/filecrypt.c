/*
 * Chunked authenticated encryption of uploads and the key file that
 * goes with it.  All cryptography is libsodium's secretstream; this file
 * only frames the chunks and polices the key file.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/filecrypt.h"

#define MAGIC		"LFC1"	/* no additional data */
#define MAGIC_BOUND	"LFC2"	/* bound: additional data on every chunk */
#define MAGIC_LEN	4
#define SS_HEADER	crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SEALED_CHUNK	(FILECRYPT_CHUNK + FILECRYPT_ABYTES)
#define HEX_LEN		(FILECRYPT_KEYBYTES * 2)

/* A file longer than this cannot be a key in any accepted form. */
#define KEYFILE_MAX	(HEX_LEN + 1)

_Static_assert(FILECRYPT_ABYTES == crypto_secretstream_xchacha20poly1305_ABYTES,
    "FILECRYPT_ABYTES");
_Static_assert(FILECRYPT_HEADERBYTES == MAGIC_LEN + SS_HEADER,
    "FILECRYPT_HEADERBYTES");
_Static_assert(FILECRYPT_KEYBYTES == crypto_secretstream_xchacha20poly1305_KEYBYTES,
    "FILECRYPT_KEYBYTES");

static void	key_id(const unsigned char *, char *);
static ssize_t	read_all(int, unsigned char *, size_t);

static void
key_id(const unsigned char *key, char *id)
{
	unsigned char	digest[crypto_hash_sha256_BYTES];
	char		hex[crypto_hash_sha256_BYTES * 2 + 1];

	crypto_hash_sha256(digest, key, FILECRYPT_KEYBYTES);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	memcpy(id, hex, FILECRYPT_KEYID_LEN);
	id[FILECRYPT_KEYID_LEN] = '\0';
}

/* Reads until EOF or max bytes; one more byte than a key tells "too long". */
static ssize_t
read_all(int fd, unsigned char *buf, size_t max)
{
	size_t	got;
	ssize_t	n;

	got = 0;
	while (got < max) {
		n = read(fd, buf + got, max - got);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}

	return ((ssize_t)got);
}

int
filecrypt_key_load(const char *path, unsigned char key[FILECRYPT_KEYBYTES],
    char id[FILECRYPT_KEYID_LEN + 1], char *err, size_t errlen)
{
	unsigned char	buf[KEYFILE_MAX + 1];
	struct stat	st;
	ssize_t		n;
	size_t		hexlen, binlen;
	const char	*end;
	int		fd, rc;

	rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "key file %s: cannot open: %s", path,
		    strerror(errno));
		return (-1);
	}

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "key file %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "key file %s: mode %04o lets group or "
		    "others access it; run chmod 600 %s", path,
		    (unsigned int)(st.st_mode & 07777), path);
		goto out;
	}

	if ((n = read_all(fd, buf, sizeof(buf))) == -1) {
		snprintf(err, errlen, "key file %s: read: %s", path,
		    strerror(errno));
		goto out;
	}

	if (n == FILECRYPT_KEYBYTES) {
		memcpy(key, buf, FILECRYPT_KEYBYTES);
	} else if (n == HEX_LEN || (n == HEX_LEN + 1 && buf[HEX_LEN] == '\n')) {
		hexlen = HEX_LEN;
		if (sodium_hex2bin(key, FILECRYPT_KEYBYTES, (const char *)buf,
		    hexlen, NULL, &binlen, &end) != 0 ||
		    binlen != FILECRYPT_KEYBYTES ||
		    end != (const char *)buf + HEX_LEN) {
			sodium_memzero(key, FILECRYPT_KEYBYTES);
			snprintf(err, errlen, "key file %s: 64 characters but "
			    "not all hex digits", path);
			goto out;
		}
	} else {
		snprintf(err, errlen, "key file %s: holds %s%zd bytes; a key "
		    "is 32 raw bytes or 64 hex digits", path,
		    (size_t)n == sizeof(buf) ? "more than " : "",
		    (size_t)n == sizeof(buf) ? (ssize_t)KEYFILE_MAX : n);
		goto out;
	}

	key_id(key, id);
	rc = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return (rc);
}

int
filecrypt_key_write(const char *path, char *err, size_t errlen)
{
	unsigned char	key[FILECRYPT_KEYBYTES];
	char		hex[HEX_LEN + 2];
	size_t		off;
	ssize_t		n;
	int		fd, saved;

	/* O_EXCL also refuses a dangling symlink planted at path. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		snprintf(err, errlen, "key file %s: cannot create: %s", path,
		    strerror(errno));
		return (-1);
	}

	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	hex[HEX_LEN] = '\n';
	sodium_memzero(key, sizeof(key));

	/* The umask may only take bits away, but be explicit about 0600. */
	if (fchmod(fd, 0600) == -1)
		goto fail;

	for (off = 0; off < HEX_LEN + 1; off += (size_t)n) {
		n = write(fd, hex + off, HEX_LEN + 1 - off);
		if (n == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			goto fail;
		}
	}
	if (fsync(fd) == -1)
		goto fail;

	sodium_memzero(hex, sizeof(hex));
	if (close(fd) == -1) {
		saved = errno;
		(void)unlink(path);
		snprintf(err, errlen, "key file %s: %s", path,
		    strerror(saved));
		return (-1);
	}
	return (0);

fail:
	saved = errno;
	sodium_memzero(hex, sizeof(hex));
	close(fd);
	(void)unlink(path);
	snprintf(err, errlen, "key file %s: cannot write: %s", path,
	    strerror(saved));
	return (-1);
}

size_t
filecrypt_sealed_len(size_t len)
{
	size_t	chunks;

	/* The last chunk, FINAL, is partial or full; empty only if len is 0. */
	if (len > SIZE_MAX - FILECRYPT_HEADERBYTES)
		return (0);
	chunks = len == 0 ? 1 : (len - 1) / FILECRYPT_CHUNK + 1;
	if (chunks > (SIZE_MAX - FILECRYPT_HEADERBYTES - len) /
	    FILECRYPT_ABYTES)
		return (0);

	return (FILECRYPT_HEADERBYTES + len + chunks * FILECRYPT_ABYTES);
}

static unsigned char *
filecrypt_seal_ad(const unsigned char key[FILECRYPT_KEYBYTES],
    const char *magic, const unsigned char *ad, size_t adlen,
    const void *plain, size_t len, size_t *outlen)
{
	crypto_secretstream_xchacha20poly1305_state	st;
	const unsigned char				*in;
	unsigned char					*out, *p;
	size_t						total, left, n;
	unsigned char					tag;

	if ((total = filecrypt_sealed_len(len)) == 0)
		return (NULL);
	if ((out = malloc(total)) == NULL)
		return (NULL);

	memcpy(out, magic, MAGIC_LEN);
	crypto_secretstream_xchacha20poly1305_init_push(&st, out + MAGIC_LEN,
	    key);
	p = out + FILECRYPT_HEADERBYTES;

	in = plain;
	left = len;
	do {
		if (left > FILECRYPT_CHUNK) {
			n = FILECRYPT_CHUNK;
			tag = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
		} else {
			/* The last chunk, maybe empty, ends the stream. */
			n = left;
			tag = crypto_secretstream_xchacha20poly1305_TAG_FINAL;
		}
		crypto_secretstream_xchacha20poly1305_push(&st, p, NULL, in, n,
		    ad, adlen, tag);
		p += n + FILECRYPT_ABYTES;
		in += n;
		left -= n;
	} while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL);

	sodium_memzero(&st, sizeof(st));
	*outlen = total;
	return (out);
}

static unsigned char *
filecrypt_open_ad(const unsigned char key[FILECRYPT_KEYBYTES],
    const unsigned char *ad, size_t adlen, const void *sealed, size_t len,
    size_t *outlen)
{
	crypto_secretstream_xchacha20poly1305_state	st;
	const unsigned char				*in;
	unsigned char					*out, *p;
	size_t						left, n, plainmax;
	unsigned char					tag;
	int						final;

	in = sealed;
	if (len < FILECRYPT_HEADERBYTES + FILECRYPT_ABYTES)
		return (NULL);

	if (crypto_secretstream_xchacha20poly1305_init_pull(&st,
	    in + MAGIC_LEN, key) != 0)
		return (NULL);
	in += FILECRYPT_HEADERBYTES;
	left = len - FILECRYPT_HEADERBYTES;

	/* Never more plaintext than ciphertext; +1 so malloc(0) is moot. */
	plainmax = left + 1;
	if ((out = malloc(plainmax)) == NULL)
		return (NULL);
	p = out;

	/*
	 * A full sealed chunk with bytes after it must be a MESSAGE chunk;
	 * whatever remains at the end is the one FINAL chunk.  So both a
	 * cut at a chunk boundary (no FINAL) and bytes appended after the
	 * FINAL chunk (its length, hence its tag check, is off) fail.
	 */
	final = 0;
	while (!final) {
		if (left < FILECRYPT_ABYTES)
			goto fail;
		n = left > SEALED_CHUNK ? SEALED_CHUNK : left;
		if (crypto_secretstream_xchacha20poly1305_pull(&st, p, NULL,
		    &tag, in, n, ad, adlen) != 0)
			goto fail;
		if (left > SEALED_CHUNK) {
			if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
				goto fail;
		} else {
			if (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
				goto fail;
			final = 1;
		}
		p += n - FILECRYPT_ABYTES;
		in += n;
		left -= n;
	}

	sodium_memzero(&st, sizeof(st));
	*outlen = (size_t)(p - out);
	return (out);

fail:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(out, plainmax);
	free(out);
	return (NULL);
}

unsigned char *
filecrypt_seal(const unsigned char key[FILECRYPT_KEYBYTES], const void *plain,
    size_t len, size_t *outlen)
{
	return (filecrypt_seal_ad(key, MAGIC, NULL, 0, plain, len, outlen));
}

unsigned char *
filecrypt_open(const unsigned char key[FILECRYPT_KEYBYTES], const void *sealed,
    size_t len, size_t *outlen)
{
	if (len < MAGIC_LEN || memcmp(sealed, MAGIC, MAGIC_LEN) != 0)
		return (NULL);
	return (filecrypt_open_ad(key, NULL, 0, sealed, len, outlen));
}

int
filecrypt_bind(char *buf, size_t buflen, long long owner, long long id)
{
	int	n;

	n = snprintf(buf, buflen, "laurel-file:%lld:%lld", owner, id);
	if (n < 0 || (size_t)n >= buflen)
		return (-1);
	return (n);
}

unsigned char *
filecrypt_seal_bound(const unsigned char key[FILECRYPT_KEYBYTES],
    const char *bound, const void *plain, size_t len, size_t *outlen)
{
	return (filecrypt_seal_ad(key, MAGIC_BOUND,
	    (const unsigned char *)bound, strlen(bound), plain, len, outlen));
}

unsigned char *
filecrypt_open_bound(const unsigned char key[FILECRYPT_KEYBYTES],
    const char *bound, const void *sealed, size_t len, size_t *outlen)
{
	if (len >= MAGIC_LEN && memcmp(sealed, MAGIC_BOUND, MAGIC_LEN) == 0)
		return (filecrypt_open_ad(key, (const unsigned char *)bound,
		    strlen(bound), sealed, len, outlen));

	/* Sealed before binding existed: opened as it is (see the header). */
	return (filecrypt_open(key, sealed, len, outlen));
}
