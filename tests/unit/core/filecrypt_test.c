/*
 * Unit tests for src/core/filecrypt.c.
 */

#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/filecrypt.h"

#define MIB		(1024 * 1024)
#define SEALED_CHUNK	(FILECRYPT_CHUNK + FILECRYPT_ABYTES)

static char	tmpdir[] = "/tmp/filecrypt_test.XXXXXX";

static int	 setup(void **);
static int	 teardown(void **);
static void	 put_file(const char *, const void *, size_t, mode_t);
static char	*tpath(const char *);
static void	 roundtrip(size_t);
static void	 test_roundtrip_sizes(void **);
static void	 test_roundtrip_10mib_speed(void **);
static void	 test_sealed_len(void **);
static void	 test_tamper_header(void **);
static void	 test_tamper_each_chunk(void **);
static void	 test_truncation(void **);
static void	 test_appended(void **);
static void	 test_wrong_key(void **);
static void	 test_key_refusals(void **);
static void	 test_key_forms(void **);
static void	 test_key_write(void **);

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return (-1);
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

static char *
tpath(const char *name)
{
	static char	buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return (buf);
}

static void
put_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int	fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
roundtrip(size_t len)
{
	unsigned char	 key[FILECRYPT_KEYBYTES];
	unsigned char	*plain, *sealed, *opened;
	size_t		 slen, olen;

	crypto_secretstream_xchacha20poly1305_keygen(key);
	plain = malloc(len + 1);
	assert_non_null(plain);
	randombytes_buf(plain, len);

	sealed = filecrypt_seal(key, plain, len, &slen);
	assert_non_null(sealed);
	assert_int_equal(slen, filecrypt_sealed_len(len));
	opened = filecrypt_open(key, sealed, slen, &olen);
	assert_non_null(opened);
	assert_int_equal(olen, len);
	assert_memory_equal(opened, plain, len);

	free(opened);
	free(sealed);
	free(plain);
}

static void
test_roundtrip_sizes(void **state)
{
	(void)state;
	roundtrip(0);
	roundtrip(1);
	roundtrip(FILECRYPT_CHUNK - 1);
	roundtrip(FILECRYPT_CHUNK);
	roundtrip(FILECRYPT_CHUNK + 1);
	roundtrip(3 * FILECRYPT_CHUNK);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
test_roundtrip_10mib_speed(void **state)
{
	unsigned char	 key[FILECRYPT_KEYBYTES];
	unsigned char	*plain, *sealed, *opened;
	size_t		 len, slen, olen;
	double		 t0, seal, open;
	int		 i, reps;

	(void)state;
	len = 10 * MIB;
	reps = 5;
	crypto_secretstream_xchacha20poly1305_keygen(key);
	plain = malloc(len);
	assert_non_null(plain);
	randombytes_buf(plain, len);

	seal = open = 1e9;
	for (i = 0; i < reps; i++) {
		t0 = now();
		sealed = filecrypt_seal(key, plain, len, &slen);
		if (now() - t0 < seal)
			seal = now() - t0;
		assert_non_null(sealed);
		t0 = now();
		opened = filecrypt_open(key, sealed, slen, &olen);
		if (now() - t0 < open)
			open = now() - t0;
		assert_non_null(opened);
		assert_int_equal(olen, len);
		assert_memory_equal(opened, plain, len);
		free(opened);
		free(sealed);
	}
	/* Best of reps; this binary is built -O1 with ASan/UBSan. */
	printf("# filecrypt 10 MiB: seal %.0f MiB/s, open %.0f MiB/s "
	    "(best of %d, sanitizer build)\n", 10 / seal, 10 / open, reps);
	free(plain);
}

static void
test_sealed_len(void **state)
{
	(void)state;
	assert_int_equal(filecrypt_sealed_len(0),
	    FILECRYPT_HEADERBYTES + FILECRYPT_ABYTES);
	assert_int_equal(filecrypt_sealed_len(FILECRYPT_CHUNK),
	    FILECRYPT_HEADERBYTES + FILECRYPT_CHUNK + FILECRYPT_ABYTES);
	assert_int_equal(filecrypt_sealed_len(FILECRYPT_CHUNK + 1),
	    FILECRYPT_HEADERBYTES + FILECRYPT_CHUNK + 1 + 2 * FILECRYPT_ABYTES);
	assert_int_equal(filecrypt_sealed_len(SIZE_MAX), 0);
	assert_int_equal(filecrypt_sealed_len(SIZE_MAX - 10), 0);
}

/* Seals len random bytes with a fresh key into *sealed. */
static void
make_sealed(size_t len, unsigned char key[FILECRYPT_KEYBYTES],
    unsigned char **sealed, size_t *slen)
{
	unsigned char	*plain;

	crypto_secretstream_xchacha20poly1305_keygen(key);
	plain = malloc(len + 1);
	assert_non_null(plain);
	randombytes_buf(plain, len);
	*sealed = filecrypt_seal(key, plain, len, slen);
	assert_non_null(*sealed);
	free(plain);
}

static void
expect_refused(const unsigned char *key, const unsigned char *buf,
    size_t len)
{
	unsigned char	*out;
	size_t		 olen;

	olen = 12345;
	out = filecrypt_open(key, buf, len, &olen);
	assert_null(out);
	assert_int_equal(olen, 12345);
}

static void
test_tamper_header(void **state)
{
	unsigned char	 key[FILECRYPT_KEYBYTES];
	unsigned char	*s;
	size_t		 slen, i;

	(void)state;
	make_sealed(1000, key, &s, &slen);
	for (i = 0; i < FILECRYPT_HEADERBYTES; i++) {
		s[i] ^= 0x01;
		expect_refused(key, s, slen);
		s[i] ^= 0x01;
	}
	free(s);
}

static void
test_tamper_each_chunk(void **state)
{
	unsigned char	 key[FILECRYPT_KEYBYTES];
	unsigned char	*s, *out;
	size_t		 slen, olen, off, c, nchunks;
	size_t		 where[3];
	int		 w;

	(void)state;
	/* 3 full chunks and a short final one. */
	make_sealed(3 * FILECRYPT_CHUNK + 100, key, &s, &slen);
	nchunks = 4;
	for (c = 0; c < nchunks; c++) {
		off = FILECRYPT_HEADERBYTES + c * SEALED_CHUNK;
		/* First byte (tag), a middle byte, the last MAC byte. */
		where[0] = off;
		where[1] = off + 50;
		where[2] = (c == nchunks - 1) ? slen - 1 :
		    off + SEALED_CHUNK - 1;
		for (w = 0; w < 3; w++) {
			s[where[w]] ^= 0x80;
			expect_refused(key, s, slen);
			s[where[w]] ^= 0x80;
		}
	}
	out = filecrypt_open(key, s, slen, &olen);
	assert_non_null(out);
	free(out);
	free(s);
}

static void
test_truncation(void **state)
{
	unsigned char	 key[FILECRYPT_KEYBYTES];
	unsigned char	*s;
	size_t		 slen, c;

	(void)state;
	make_sealed(3 * FILECRYPT_CHUNK, key, &s, &slen);
	/* Cut after each chunk but the last: no FINAL tag. */
	for (c = 0; c < 3; c++)
		expect_refused(key, s, FILECRYPT_HEADERBYTES + c * SEALED_CHUNK);
	/* Cut inside the final chunk, the header, or to nothing. */
	expect_refused(key, s, slen - 1);
	expect_refused(key, s, FILECRYPT_HEADERBYTES - 1);
	expect_refused(key, s, 0);
	free(s);

	/* Not an exact multiple: the cut leaves full MESSAGE chunks. */
	make_sealed(2 * FILECRYPT_CHUNK + 1, key, &s, &slen);
	expect_refused(key, s, FILECRYPT_HEADERBYTES + SEALED_CHUNK);
	expect_refused(key, s, FILECRYPT_HEADERBYTES + 2 * SEALED_CHUNK);
	free(s);
}

static void
test_appended(void **state)
{
	unsigned char	 key[FILECRYPT_KEYBYTES];
	unsigned char	*s, *big;
	size_t		 slen, extra[] = { 1, 17, SEALED_CHUNK, SEALED_CHUNK + 1 };
	size_t		 i, len;

	(void)state;
	for (len = 0; len <= 2 * FILECRYPT_CHUNK; len += FILECRYPT_CHUNK) {
		make_sealed(len, key, &s, &slen);
		for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
			big = malloc(slen + extra[i]);
			assert_non_null(big);
			memcpy(big, s, slen);
			memset(big + slen, 0, extra[i]);
			expect_refused(key, big, slen + extra[i]);
			/* A copy of a whole valid chunk appended. */
			if (extra[i] == SEALED_CHUNK &&
			    slen - FILECRYPT_HEADERBYTES >= SEALED_CHUNK) {
				memcpy(big + slen, s + FILECRYPT_HEADERBYTES,
				    SEALED_CHUNK);
				expect_refused(key, big, slen + extra[i]);
			}
			free(big);
		}
		free(s);
	}
}

static void
test_wrong_key(void **state)
{
	unsigned char	 key[FILECRYPT_KEYBYTES], other[FILECRYPT_KEYBYTES];
	unsigned char	*s;
	size_t		 slen;

	(void)state;
	make_sealed(FILECRYPT_CHUNK + 5, key, &s, &slen);
	crypto_secretstream_xchacha20poly1305_keygen(other);
	expect_refused(other, s, slen);
	key[0] ^= 1;
	expect_refused(key, s, slen);
	free(s);
}

static void
expect_key_error(const char *path, const char *needle)
{
	unsigned char	key[FILECRYPT_KEYBYTES];
	char		id[FILECRYPT_KEYID_LEN + 1], err[512];

	err[0] = '\0';
	assert_int_equal(filecrypt_key_load(path, key, id, err, sizeof(err)),
	    -1);
	if (strstr(err, needle) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
	print_message("# refused: %s\n", err);
}

static void
test_key_refusals(void **state)
{
	unsigned char	raw[FILECRYPT_KEYBYTES];
	char		hex[FILECRYPT_KEYBYTES * 2 + 3];

	(void)state;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));

	expect_key_error(tpath("nope"), "cannot open: No such file");

	put_file(tpath("k644"), raw, sizeof(raw), 0644);
	expect_key_error(tpath("k644"), "mode 0644 lets group or others");
	put_file(tpath("k640"), raw, sizeof(raw), 0640);
	expect_key_error(tpath("k640"), "mode 0640");
	put_file(tpath("k602"), raw, sizeof(raw), 0602);
	expect_key_error(tpath("k602"), "mode 0602");

	put_file(tpath("short"), raw, 31, 0600);
	expect_key_error(tpath("short"), "holds 31 bytes");
	put_file(tpath("empty"), raw, 0, 0600);
	expect_key_error(tpath("empty"), "holds 0 bytes");
	put_file(tpath("hex63"), hex, 63, 0600);
	expect_key_error(tpath("hex63"), "holds 63 bytes");
	memcpy(hex + 64, "\n\n", 3);
	put_file(tpath("hex2nl"), hex, 66, 0600);
	expect_key_error(tpath("hex2nl"), "more than 65 bytes");
	memcpy(hex + 64, "\r\n", 3);
	put_file(tpath("hexcrlf"), hex, 66, 0600);
	expect_key_error(tpath("hexcrlf"), "more than 65 bytes");
	hex[64] = 'x';
	put_file(tpath("hex65"), hex, 65, 0600);
	expect_key_error(tpath("hex65"), "holds 65 bytes");
	memcpy(hex + 64, "\r", 2);
	put_file(tpath("hexcr"), hex, 65, 0600);
	expect_key_error(tpath("hexcr"), "holds 65 bytes");
	put_file(tpath("raw33"), raw, 32, 0600);
	put_file(tpath("raw33"), "0123456789abcdef0123456789abcdef\n", 33, 0600);
	expect_key_error(tpath("raw33"), "holds 33 bytes");
	hex[64] = '\0';

	put_file(tpath("long"), hex, 64, 0600);
	put_file(tpath("long"), "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789", 74, 0600);
	expect_key_error(tpath("long"), "more than 65 bytes");

	hex[10] = 'g';
	put_file(tpath("garbage"), hex, 64, 0600);
	expect_key_error(tpath("garbage"), "not all hex digits");
	hex[10] = ' ';
	put_file(tpath("space"), hex, 64, 0600);
	expect_key_error(tpath("space"), "not all hex digits");

	expect_key_error(tmpdir, "not a regular file");
}

static void
test_key_forms(void **state)
{
	unsigned char	raw[FILECRYPT_KEYBYTES], key[FILECRYPT_KEYBYTES];
	unsigned char	digest[crypto_hash_sha256_BYTES];
	char		hex[FILECRYPT_KEYBYTES * 2 + 2], want[65];
	char		id[FILECRYPT_KEYID_LEN + 1], err[256];
	size_t		i;

	(void)state;
	randombytes_buf(raw, sizeof(raw));
	crypto_hash_sha256(digest, raw, sizeof(raw));
	sodium_bin2hex(want, sizeof(want), digest, sizeof(digest));
	want[FILECRYPT_KEYID_LEN] = '\0';

	put_file(tpath("raw"), raw, sizeof(raw), 0600);
	assert_int_equal(filecrypt_key_load(tpath("raw"), key, id, err,
	    sizeof(err)), 0);
	assert_memory_equal(key, raw, sizeof(raw));
	assert_string_equal(id, want);

	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	memset(key, 0, sizeof(key));
	put_file(tpath("hex"), hex, 64, 0400);
	assert_int_equal(filecrypt_key_load(tpath("hex"), key, id, err,
	    sizeof(err)), 0);
	assert_memory_equal(key, raw, sizeof(raw));
	assert_string_equal(id, want);

	/* Upper case, newline-terminated. */
	for (i = 0; i < 64; i++)
		if (hex[i] >= 'a' && hex[i] <= 'f')
			hex[i] -= 'a' - 'A';
	hex[64] = '\n';
	memset(key, 0, sizeof(key));
	put_file(tpath("hexnl"), hex, 65, 0600);
	assert_int_equal(filecrypt_key_load(tpath("hexnl"), key, id, err,
	    sizeof(err)), 0);
	assert_memory_equal(key, raw, sizeof(raw));
	assert_string_equal(id, want);
}

static void
test_key_write(void **state)
{
	unsigned char	 key[FILECRYPT_KEYBYTES], key2[FILECRYPT_KEYBYTES];
	unsigned char	*s, *o;
	char		 id[FILECRYPT_KEYID_LEN + 1], id2[FILECRYPT_KEYID_LEN + 1];
	char		 err[256], path2[256], buf[100];
	struct stat	 st;
	size_t		 slen, olen;
	mode_t		 old;
	int		 fd;

	(void)state;
	/* Even a permissive umask must yield 0600. */
	old = umask(0);
	assert_int_equal(filecrypt_key_write(tpath("new.key"), err,
	    sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(tpath("new.key"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 65);
	fd = open(tpath("new.key"), O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 65);
	close(fd);
	assert_int_equal(buf[64], '\n');

	assert_int_equal(filecrypt_key_load(tpath("new.key"), key, id, err,
	    sizeof(err)), 0);
	assert_int_equal(strlen(id), FILECRYPT_KEYID_LEN);

	s = filecrypt_seal(key, "hello", 5, &slen);
	assert_non_null(s);
	o = filecrypt_open(key, s, slen, &olen);
	assert_non_null(o);
	assert_int_equal(olen, 5);
	assert_memory_equal(o, "hello", 5);
	free(o);
	free(s);

	/* Refuses to overwrite, and the existing key stays. */
	assert_int_equal(filecrypt_key_write(tpath("new.key"), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "File exists"));
	assert_int_equal(filecrypt_key_load(tpath("new.key"), key2, id2, err,
	    sizeof(err)), 0);
	assert_memory_equal(key, key2, sizeof(key));
	assert_string_equal(id, id2);

	/* Refuses a symlink, even a dangling one. */
	snprintf(path2, sizeof(path2), "%s", tpath("link.key"));
	assert_int_equal(symlink(tpath("target"), path2), 0);
	assert_int_equal(filecrypt_key_write(path2, err, sizeof(err)), -1);
	assert_int_equal(access(tpath("target"), F_OK), -1);

	/* Two new keys differ. */
	assert_int_equal(filecrypt_key_write(tpath("other.key"), err,
	    sizeof(err)), 0);
	assert_int_equal(filecrypt_key_load(tpath("other.key"), key2, id2,
	    err, sizeof(err)), 0);
	assert_memory_not_equal(key, key2, sizeof(key));
}

/*
 * Bound documents open only as the row they were sealed for; a document
 * sealed before binding still opens; neither kind passes for the other.
 */
static void
test_bound(void **state)
{
	unsigned char	 key[FILECRYPT_KEYBYTES], *plain, *s, *o, *old;
	char		 mine[FILECRYPT_BIND_MAX], other[FILECRYPT_BIND_MAX];
	size_t		 len, slen, olen, oldlen;

	(void)state;
	randombytes_buf(key, sizeof(key));
	len = FILECRYPT_CHUNK * 2 + 123;
	plain = malloc(len);
	assert_non_null(plain);
	randombytes_buf(plain, len);
	assert_int_equal(filecrypt_bind(mine, sizeof(mine), 12, 345),
	    (int)strlen("laurel-file:12:345"));
	assert_string_equal(mine, "laurel-file:12:345");
	assert_int_equal(filecrypt_bind(other, sizeof(other), 13, 345), 18);
	assert_int_equal(filecrypt_bind(other, 8, 13, 345), -1);
	assert_int_equal(filecrypt_bind(other, sizeof(other), 12, 346), 18);

	s = filecrypt_seal_bound(key, mine, plain, len, &slen);
	assert_non_null(s);
	assert_int_equal(slen, filecrypt_sealed_len(len));
	assert_memory_equal(s, "LFC2", 4);
	o = filecrypt_open_bound(key, mine, s, slen, &olen);
	assert_non_null(o);
	assert_int_equal(olen, len);
	assert_memory_equal(o, plain, len);
	free(o);

	/* Another row, no binding at all, or a downgraded magic: refused. */
	assert_null(filecrypt_open_bound(key, other, s, slen, &olen));
	assert_null(filecrypt_open_bound(key, "", s, slen, &olen));
	assert_null(filecrypt_open(key, s, slen, &olen));
	memcpy(s, "LFC1", 4);
	assert_null(filecrypt_open_bound(key, mine, s, slen, &olen));
	free(s);

	/* Sealed before binding: still opens, whatever the row says. */
	old = filecrypt_seal(key, plain, len, &oldlen);
	assert_non_null(old);
	o = filecrypt_open_bound(key, mine, old, oldlen, &olen);
	assert_non_null(o);
	assert_int_equal(olen, len);
	assert_memory_equal(o, plain, len);
	free(o);
	free(old);
	free(plain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_sizes),
		cmocka_unit_test(test_roundtrip_10mib_speed),
		cmocka_unit_test(test_sealed_len),
		cmocka_unit_test(test_tamper_header),
		cmocka_unit_test(test_tamper_each_chunk),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_appended),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_key_refusals),
		cmocka_unit_test(test_key_forms),
		cmocka_unit_test(test_key_write),
		cmocka_unit_test(test_bound),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
