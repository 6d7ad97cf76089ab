/*
 * Blind-review copies of PDFs with qpdf's C API.  qpdf reads and writes
 * the file; this file decides which entries give the maker away and
 * removes them before qpdf writes the copy.
 *
 * The C API has no way to list all objects (QPDF::getAllObjects is C++
 * only), so the object graph is walked from the trailer.  That is the
 * right set anyway: qpdf writes exactly the objects reachable from the
 * trailer, so whatever the walk does not reach is not written.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "core/pdfcheck.h"
#include "core/pdfstrip.h"

/* Handles still to visit: an explicit stack, as nesting is the input's. */
struct ohstack {
	qpdf_oh		*v;
	size_t		 n, cap;
};

/* Indirect objects seen (object number and generation), open addressing. */
struct idset {
	uint64_t	*v;
	size_t		 n, cap;
};

static int	push(struct ohstack *, qpdf_oh);
static uint64_t	mix(uint64_t);
static int	idset_grow(struct idset *);
static int	idset_add(struct idset *, uint64_t);
static int	scrub_dict(qpdf_data, qpdf_oh, struct ohstack *);
static int	visit(qpdf_data, qpdf_oh, struct ohstack *, struct idset *);
static int	walk(qpdf_data, qpdf_oh);
static void	qfail(qpdf_data, char *, size_t, const char *);

/*
 * Keys dropped from every dictionary and stream dictionary.  /Metadata is
 * the XMP packet (names, e-mail addresses, tool history); /PieceInfo is
 * private data of the application that made the file.
 */
static const char	*dropkeys[] = { "/Metadata", "/PieceInfo" };

static int
push(struct ohstack *st, qpdf_oh oh)
{
	qpdf_oh	*v;
	size_t	 cap;

	if (st->n == st->cap) {
		cap = st->cap == 0 ? 64 : st->cap * 2;
		if ((v = reallocarray(st->v, cap, sizeof(*v))) == NULL)
			return (-1);
		st->v = v;
		st->cap = cap;
	}
	st->v[st->n++] = oh;
	return (0);
}

/* splitmix64's finalizer: object numbers are dense, spread them out. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (x);
}

static int
idset_grow(struct idset *s)
{
	uint64_t	*old, *v;
	size_t		 oldcap, cap, i, j;

	oldcap = s->cap;
	cap = oldcap == 0 ? 256 : oldcap * 2;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return (-1);
	old = s->v;
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		j = mix(old[i]) & (cap - 1);
		while (v[j] != 0)
			j = (j + 1) & (cap - 1);
		v[j] = old[i];
	}
	free(old);
	s->v = v;
	s->cap = cap;
	return (0);
}

/* 1 if key is new, 0 if already there, -1 out of memory.  key != 0. */
static int
idset_add(struct idset *s, uint64_t key)
{
	size_t	j;

	if ((s->n + 1) * 2 > s->cap && idset_grow(s) == -1)
		return (-1);
	for (j = mix(key) & (s->cap - 1); s->v[j] != 0;
	    j = (j + 1) & (s->cap - 1))
		if (s->v[j] == key)
			return (0);
	s->v[j] = key;
	s->n++;
	return (1);
}

/*
 * Drop the identifying keys first, so that what they point to is neither
 * walked nor, being unreachable now, written.
 */
static int
scrub_dict(qpdf_data q, qpdf_oh dict, struct ohstack *st)
{
	const char	*key;
	size_t		 i;

	for (i = 0; i < sizeof(dropkeys) / sizeof(dropkeys[0]); i++)
		qpdf_oh_remove_key(q, dict, dropkeys[i]);

	/* The iterator holds a copy of the keys; lookups do not disturb it. */
	qpdf_oh_begin_dict_key_iter(q, dict);
	while (qpdf_oh_dict_more_keys(q)) {
		key = qpdf_oh_dict_next_key(q);
		if (push(st, qpdf_oh_get_key(q, dict, key)) == -1)
			return (-1);
	}
	return (0);
}

static int
visit(qpdf_data q, qpdf_oh oh, struct ohstack *st, struct idset *seen)
{
	qpdf_oh		dict;
	uint64_t	key;
	int		i, n, rc;

	/* Cycles only go through indirect references. */
	if (qpdf_oh_is_indirect(q, oh)) {
		key = (uint64_t)(uint32_t)qpdf_oh_get_object_id(q, oh) << 32 |
		    (uint32_t)qpdf_oh_get_generation(q, oh);
		/* 0 marks a free slot; there is no object 0 generation 0. */
		if (key == 0)
			return (0);
		if ((rc = idset_add(seen, key)) <= 0)
			return (rc);
	}

	switch (qpdf_oh_get_type_code(q, oh)) {
	case ot_dictionary:
		return (scrub_dict(q, oh, st));
	case ot_stream:
		dict = qpdf_oh_get_dict(q, oh);
		rc = scrub_dict(q, dict, st);
		qpdf_oh_release(q, dict);
		return (rc);
	case ot_array:
		n = qpdf_oh_get_array_n_items(q, oh);
		for (i = 0; i < n; i++)
			if (push(st, qpdf_oh_get_array_item(q, oh, i)) == -1)
				return (-1);
		return (0);
	default:
		return (0);
	}
}

/* Handles are released as they are done with: big files have many. */
static int
walk(qpdf_data q, qpdf_oh from)
{
	struct ohstack	st;
	struct idset	seen;
	qpdf_oh		oh;
	int		ret;

	memset(&st, 0, sizeof(st));
	memset(&seen, 0, sizeof(seen));
	ret = -1;
	if (push(&st, from) == -1)
		goto out;
	while (st.n > 0) {
		oh = st.v[--st.n];
		if (visit(q, oh, &st, &seen) == -1)
			goto out;
		qpdf_oh_release(q, oh);
	}
	ret = 0;
out:
	free(st.v);
	free(seen.v);
	return (ret);
}

/* The full text: for the log, and it only names our description. */
static void
qfail(qpdf_data q, char *msg, size_t msglen, const char *what)
{
	qpdf_error	 e;
	const char	*text;

	text = NULL;
	if ((e = qpdf_get_error(q)) != NULL)
		text = qpdf_get_error_full_text(q, e);
	if (text == NULL || *text == '\0')
		text = "unknown qpdf error";
	snprintf(msg, msglen, "pdfstrip: %s: %s", what, text);
}

/* The pages of the copy as a fresh read of it finds them; -1 if none. */
static int
pages_of(const void *buf, size_t len)
{
	qpdf_data	q;
	int		n;

	q = qpdf_init();
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	n = -1;
	if (!(qpdf_read_memory(q, "copy", buf, len, "") & QPDF_ERRORS))
		n = qpdf_get_num_pages(q);
	qpdf_cleanup(&q);
	return (n);
}

/*
 * A damaged file that qpdf repaired while reading may be written in a
 * form that a fresh read repairs otherwise (the fuzzer found one whose
 * copy had other pages): a copy is given only when it passes pdfcheck()
 * and has the original's pages.
 */
static int
copy_whole(const unsigned char *copy, size_t n, int pages, char *msg,
    size_t msglen)
{
	if (pdfcheck(copy, n, msg, msglen) != 0 ||
	    pages_of(copy, n) != pages) {
		snprintf(msg, msglen, "pdfstrip: the cleaned copy does not "
		    "read as the original does");
		return (-1);
	}
	return (0);
}

int
pdfstrip(const void *buf, size_t len, unsigned char **out, size_t *outlen,
    char *msg, size_t msglen)
{
	qpdf_data	 q;
	qpdf_oh		 trailer;
	unsigned char	*copy;
	size_t		 n;
	int		 ret, pages;

	*out = NULL;
	*outlen = 0;
	if (len == 0) {
		snprintf(msg, msglen, "pdfstrip: empty input");
		return (-1);
	}

	ret = -1;
	q = qpdf_init();
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);

	if (qpdf_read_memory(q, "upload", buf, len, "") & QPDF_ERRORS) {
		qfail(q, msg, msglen, "cannot read");
		goto out;
	}
	/* As read, before anything is removed: what the copy must keep. */
	pages = qpdf_get_num_pages(q);

	/*
	 * The writer keeps the first half of an existing /ID, so it has to
	 * go from the trailer for the copy to get a new one.
	 */
	trailer = qpdf_get_trailer(q);
	qpdf_oh_remove_key(q, trailer, "/Info");
	qpdf_oh_remove_key(q, trailer, "/ID");
	if (walk(q, trailer) == -1) {
		snprintf(msg, msglen, "pdfstrip: out of memory");
		goto out;
	}
	/* Object handle calls report failure only through the error. */
	if (qpdf_has_error(q)) {
		qfail(q, msg, msglen, "cannot walk objects");
		goto out;
	}

	if (qpdf_init_write_memory(q) & QPDF_ERRORS) {
		qfail(q, msg, msglen, "cannot write");
		goto out;
	}
	qpdf_set_preserve_encryption(q, QPDF_FALSE);
	qpdf_set_linearization(q, QPDF_FALSE);
	qpdf_set_object_stream_mode(q, qpdf_o_preserve);
	qpdf_set_stream_data_mode(q, qpdf_s_preserve);
	qpdf_set_preserve_unreferenced_objects(q, QPDF_FALSE);
	/* A random /ID would differ per copy and tell when it was made. */
	qpdf_set_deterministic_ID(q, QPDF_TRUE);
	if (qpdf_write(q) & QPDF_ERRORS) {
		qfail(q, msg, msglen, "cannot write");
		goto out;
	}

	n = qpdf_get_buffer_length(q);
	if (n == 0 || (copy = malloc(n)) == NULL) {
		snprintf(msg, msglen, "pdfstrip: %s",
		    n == 0 ? "qpdf wrote nothing" : "out of memory");
		goto out;
	}
	memcpy(copy, qpdf_get_buffer(q), n);
	if (copy_whole(copy, n, pages, msg, msglen) == -1) {
		free(copy);
		goto out;
	}
	*out = copy;
	*outlen = n;
	ret = 0;
out:
	qpdf_cleanup(&q);
	return (ret);
}
