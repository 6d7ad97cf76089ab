/*
 * Form bodies: application/x-www-form-urlencoded and multipart/form-data.
 *
 * The whole body is in memory (Kore has read it), so both parsers walk a
 * byte range and copy out what they keep.  Nothing here trusts a length
 * or a delimiter from the client: every scan is bounded by the body.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/form.h"
#include "core/valid.h"

/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. */
#define BOUNDARY_MAX		70

/* "\r\n--" followed by the boundary. */
#define DELIM_MAX		(4 + BOUNDARY_MAX)

/* A part's Content-Type is only ever a short media type. */
#define PART_CTYPE_MAX		255

/* Bytes of a field name that an error message may quote. */
#define MSG_NAME_MAX		64

/* Extensions up to this length (with the dot) survive name truncation. */
#define EXT_KEEP_MAX		16

#define MSG_UNSUPPORTED		"Unsupported form encoding."
#define MSG_PERCENT		"Invalid percent-encoding in the form data."
#define MSG_MP			"The upload is malformed: "
#define MSG_MP_FINAL		MSG_MP "the final boundary is missing."
#define MSG_MP_HEADER		MSG_MP "a part has an invalid header."
#define MSG_MP_DISP		\
    MSG_MP "a part has an invalid Content-Disposition."

struct span {
	const char	*p;
	size_t		 len;
};

/* What the headers of one multipart part said. */
struct part {
	int		 disposition;
	char		*name;
	char		*filename;
	char		*ctype;
};

struct multipart {
	struct form			*form;
	const struct form_limits	*lim;
	const unsigned char		*body;
	size_t				 len;
	size_t				 nfiles;
	size_t				 dlen;
	char				 delim[DELIM_MAX];
};

static const struct form_limits	form_defaults = {
	FORM_DEFAULT_MAX_FIELDS,
	FORM_DEFAULT_MAX_NAME_LEN,
	FORM_DEFAULT_MAX_VALUE_LEN,
	FORM_DEFAULT_MAX_FILE_LEN,
	FORM_DEFAULT_MAX_FILES
};

static void	*form_malloc(size_t);
static char	*form_memdup(const void *, size_t);
static void	 form_reset(struct form *);
static int	 form_fail(struct form *, const char *, ...)
		    __attribute__((format (printf, 2, 3)));
static const char	*form_msg_name(char *, const char *);
static void	 form_size_text(char *, size_t, size_t);
static void	 form_push(struct form *, char *, char *, size_t, char *,
		    char *);
static int	 form_full(struct form *, const struct form_limits *);
static int	 form_name_check(struct form *, const struct form_limits *,
		    const char *, size_t);
static int	 form_value_check(struct form *, const struct form_limits *,
		    const char *, char *, size_t *);
static int	 form_add_text(struct form *, const struct form_limits *,
		    char *, size_t, char *, size_t);
static const struct form_field	*form_find(const struct form *,
		    const char *, int, size_t);
static size_t	 form_tally(const struct form *, const char *, int);

static size_t	 utf8_decode(const unsigned char *, size_t, uint32_t *);
static size_t	 utf8_cut(const char *, size_t, size_t);
static int	 filename_drop(uint32_t);
static size_t	 filename_clean(char *, const unsigned char *, size_t,
		    size_t);
static size_t	 filename_fit(char *, size_t);
static size_t	 newline_fold(char *, size_t);
static int	 url_decode(char *, const char *, size_t, size_t *);
static int	 urlenc_pair(struct form *, const struct form_limits *,
		    const char *, size_t);

static int	 is_tchar(int);
static int	 is_ows(int);
static const char	*ows_skip(const char *, const char *);
static int	 span_is(const struct span *, const char *);
static int	 media_type(const char **, const char *, struct span *);
static int	 param_value(const char **, const char *, char **);
static int	 param_next(const char **, const char *, struct span *,
		    char **);
static int	 boundary_valid(const char *);

static const unsigned char	*mem_find(const unsigned char *, size_t,
		    const void *, size_t);
static int	 mp_init(struct multipart *, const char *);
static int	 mp_delim_line(const struct multipart *, size_t, size_t *,
		    int *);
static int	 mp_delim_find(const struct multipart *, size_t, size_t *,
		    size_t *, int *);
static int	 mp_headers(struct multipart *, size_t, struct part *,
		    size_t *);
static int	 mp_header_line(struct multipart *, const char *, size_t,
		    struct part *);
static int	 mp_disposition(struct multipart *, const char *,
		    const char *, struct part *);
static int	 mp_ctype(struct multipart *, const char *, size_t,
		    struct part *);
static int	 mp_store(struct multipart *, struct part *,
		    const unsigned char *, size_t);
static int	 mp_store_file(struct multipart *, struct part *,
		    const unsigned char *, size_t);
static void	 part_free(struct part *);

void
form_init(struct form *form)
{
	memset(form, 0, sizeof(*form));
}

void
form_free(struct form *form)
{
	form_reset(form);
}

int
form_parse(struct form *form, const struct form_limits *lim,
    const char *content_type, const void *body, size_t len)
{
	struct span	type;
	const char	*p, *end;

	form_reset(form);
	if (content_type == NULL)
		return (form_fail(form, MSG_UNSUPPORTED));

	p = content_type;
	end = p + strlen(p);
	if (media_type(&p, end, &type) == -1)
		return (form_fail(form, MSG_UNSUPPORTED));

	if (span_is(&type, "application/x-www-form-urlencoded"))
		return (form_parse_urlencoded(form, lim, body, len));
	if (span_is(&type, "multipart/form-data"))
		return (form_parse_multipart(form, lim, content_type,
		    body, len));

	return (form_fail(form, MSG_UNSUPPORTED));
}

int
form_parse_urlencoded(struct form *form, const struct form_limits *lim,
    const void *body, size_t len)
{
	const char	*p, *end, *amp;
	size_t		 n;

	form_reset(form);
	if (lim == NULL)
		lim = &form_defaults;
	if (len == 0)
		return (0);

	p = body;
	end = p + len;
	for (;;) {
		amp = memchr(p, '&', (size_t)(end - p));
		n = (amp == NULL) ? (size_t)(end - p) : (size_t)(amp - p);

		/* "a=1&&b=2": scripts build such bodies; nothing is lost. */
		if (n > 0 && urlenc_pair(form, lim, p, n) == -1)
			return (-1);
		if (amp == NULL)
			break;
		p = amp + 1;
	}

	return (0);
}

int
form_parse_multipart(struct form *form, const struct form_limits *lim,
    const char *content_type, const void *body, size_t len)
{
	struct multipart	mp;
	struct part		part;
	size_t			pos, data, end;
	int			last;

	form_reset(form);
	memset(&mp, 0, sizeof(mp));
	mp.form = form;
	mp.lim = (lim == NULL) ? &form_defaults : lim;
	mp.body = body;
	mp.len = len;

	if (mp_init(&mp, content_type) == -1)
		return (-1);

	/* The first delimiter may open the body, with no CRLF before it. */
	if (!mp_delim_line(&mp, 0, &pos, &last) &&
	    !mp_delim_find(&mp, 0, &end, &pos, &last))
		return (form_fail(form,
		    MSG_MP "the first boundary is missing."));

	while (!last) {
		memset(&part, 0, sizeof(part));
		data = 0;
		if (mp_headers(&mp, pos, &part, &data) == -1) {
			part_free(&part);
			return (-1);
		}
		if (!mp_delim_find(&mp, data, &end, &pos, &last)) {
			part_free(&part);
			return (form_fail(form, MSG_MP_FINAL));
		}
		if (mp_store(&mp, &part, mp.body + data, end - data) == -1) {
			part_free(&part);
			return (-1);
		}
		part_free(&part);
	}

	/* Whatever follows the close delimiter is epilogue, ignored. */
	return (0);
}

const char *
form_get(const struct form *form, const char *name)
{
	return (form_get_nth(form, name, 0));
}

size_t
form_count(const struct form *form, const char *name)
{
	return (form_tally(form, name, 0));
}

const char *
form_get_nth(const struct form *form, const char *name, size_t n)
{
	const struct form_field	*f;

	if ((f = form_find(form, name, 0, n)) == NULL)
		return (NULL);

	return (f->value);
}

const struct form_field *
form_file(const struct form *form, const char *name)
{
	return (form_find(form, name, 1, 0));
}

size_t
form_file_count(const struct form *form, const char *name)
{
	return (form_tally(form, name, 1));
}

const struct form_field *
form_file_nth(const struct form *form, const char *name, size_t n)
{
	return (form_find(form, name, 1, n));
}

int
form_utf8_valid(const void *data, size_t len)
{
	const unsigned char	*s;
	size_t			 i, n;
	uint32_t		 cp;

	s = data;
	for (i = 0; i < len; i += n) {
		if (s[i] < 0x80) {
			n = 1;
			continue;
		}
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return (0);
	}

	return (1);
}

size_t
form_filename_sanitise(char *dst, const void *src, size_t len)
{
	const unsigned char	*s;
	char			*tmp;
	size_t			 base, n;

	/* Clients send full paths too (old IE: "C:\x\y.pdf"). */
	s = src;
	for (base = len; base > 0; base--) {
		if (s[base - 1] == '/' || s[base - 1] == '\\')
			break;
	}

	/* Each bad byte may grow to a 3-byte U+FFFD; or the placeholder. */
	if (len - base > (SIZE_MAX - sizeof(FORM_UNNAMED_FILE)) / 3)
		abort();
	tmp = form_malloc((len - base) * 3 + sizeof(FORM_UNNAMED_FILE));
	n = filename_clean(tmp, s, base, len);

	if (n == 0 || !strcmp(tmp, ".") || !strcmp(tmp, "..")) {
		n = strlen(FORM_UNNAMED_FILE);
		memcpy(tmp, FORM_UNNAMED_FILE, n + 1);
	}
	n = filename_fit(tmp, n);

	memcpy(dst, tmp, n + 1);
	free(tmp);

	return (n);
}

static void *
form_malloc(size_t len)
{
	void	*p;

	if ((p = malloc(len)) == NULL)
		abort();

	return (p);
}

static char *
form_memdup(const void *src, size_t len)
{
	char	*p;

	if (len == SIZE_MAX)
		abort();

	p = form_malloc(len + 1);
	if (len > 0)
		memcpy(p, src, len);
	p[len] = '\0';

	return (p);
}

static void
form_reset(struct form *form)
{
	struct form_field	*f;
	size_t			 i;

	for (i = 0; i < form->nfields; i++) {
		f = &form->fields[i];
		free(f->name);
		free(f->value);
		free(f->filename);
		free(f->content_type);
	}

	free(form->fields);
	form->fields = NULL;
	form->nfields = 0;
	form->fieldcap = 0;
	form->error[0] = '\0';
}

/*
 * Empties the form and sets its message.  The message is formatted first,
 * so an argument may point into the fields being freed.
 */
static int
form_fail(struct form *form, const char *fmt, ...)
{
	va_list		args;
	char		msg[sizeof(form->error)];

	va_start(args, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);

	form_reset(form);
	memcpy(form->error, msg, sizeof(msg));

	return (-1);
}

/*
 * A checked name, cut on a character boundary so the message stays UTF-8.
 * buf has MSG_NAME_MAX + 1 bytes.
 */
static const char *
form_msg_name(char *buf, const char *name)
{
	size_t	n;

	n = utf8_cut(name, strlen(name), MSG_NAME_MAX);
	memcpy(buf, name, n);
	buf[n] = '\0';

	return (buf);
}

static void
form_size_text(char *buf, size_t bufsz, size_t n)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		(void)snprintf(buf, bufsz, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		(void)snprintf(buf, bufsz, "%zu KiB", n / 1024);
	else
		(void)snprintf(buf, bufsz, "%zu byte%s", n, n == 1 ? "" : "s");
}

/* Takes ownership of every pointer given. */
static void
form_push(struct form *form, char *name, char *value, size_t len,
    char *filename, char *content_type)
{
	struct form_field	*f;
	size_t			 cap;

	if (form->nfields == form->fieldcap) {
		cap = (form->fieldcap == 0) ? 16 : form->fieldcap * 2;
		if (cap > SIZE_MAX / sizeof(*form->fields))
			abort();
		f = realloc(form->fields, cap * sizeof(*form->fields));
		if (f == NULL)
			abort();
		form->fields = f;
		form->fieldcap = cap;
	}

	f = &form->fields[form->nfields++];
	f->name = name;
	f->value = value;
	f->len = len;
	f->filename = filename;
	f->content_type = content_type;
}

static int
form_full(struct form *form, const struct form_limits *lim)
{
	if (form->nfields < lim->max_fields)
		return (0);

	(void)form_fail(form, "The form has too many fields (limit %zu).",
	    lim->max_fields);

	return (1);
}

static int
form_name_check(struct form *form, const struct form_limits *lim,
    const char *name, size_t len)
{
	const unsigned char	*s;
	size_t			 i, n;
	uint32_t		 cp;

	if (len == 0)
		return (form_fail(form,
		    "A field in the form data has no name."));
	if (len > lim->max_name_len)
		return (form_fail(form, "A field name in the form data is too "
		    "long (limit %zu bytes).", lim->max_name_len));

	s = (const unsigned char *)name;
	for (i = 0; i < len; i += n) {
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return (form_fail(form, "A field name in the form data "
			    "is not valid UTF-8."));
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return (form_fail(form, "A field name in the form data "
			    "contains a control character."));
	}

	return (0);
}

/*
 * Checks a text value of the (already checked) field name, folds its
 * newlines in place and updates *len.  The limit applies to what is stored.
 */
static int
form_value_check(struct form *form, const struct form_limits *lim,
    const char *name, char *value, size_t *len)
{
	const unsigned char	*s;
	size_t			 i, n;
	uint32_t		 cp;
	char			 nbuf[MSG_NAME_MAX + 1], size[32];

	s = (const unsigned char *)value;
	for (i = 0; i < *len; i += n) {
		if (s[i] >= 0x80) {
			if ((n = utf8_decode(s + i, *len - i, &cp)) == 0)
				return (form_fail(form, "The form data is not "
				    "valid UTF-8 (field '%s').",
				    form_msg_name(nbuf, name)));
			continue;
		}
		n = 1;
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			return (form_fail(form, "The form data contains a "
			    "control character (field '%s').",
			    form_msg_name(nbuf, name)));
	}

	*len = newline_fold(value, *len);
	if (*len > lim->max_value_len) {
		form_size_text(size, sizeof(size), lim->max_value_len);
		return (form_fail(form, "The field '%s' is too long "
		    "(limit %s).", form_msg_name(nbuf, name),
		    size));
	}

	return (0);
}

/*
 * Takes ownership of name and value: heap strings with a NUL after their
 * lengths.  They are freed when the field is refused.
 */
static int
form_add_text(struct form *form, const struct form_limits *lim,
    char *name, size_t nlen, char *value, size_t vlen)
{
	if (form_name_check(form, lim, name, nlen) == -1 ||
	    form_value_check(form, lim, name, value, &vlen) == -1) {
		free(name);
		free(value);
		return (-1);
	}

	form_push(form, name, value, vlen, NULL, NULL);

	return (0);
}

static const struct form_field *
form_find(const struct form *form, const char *name, int file, size_t n)
{
	size_t	i;

	if (form == NULL || name == NULL)
		return (NULL);

	for (i = 0; i < form->nfields; i++) {
		if ((form->fields[i].filename != NULL) != file)
			continue;
		if (strcmp(form->fields[i].name, name))
			continue;
		if (n-- == 0)
			return (&form->fields[i]);
	}

	return (NULL);
}

static size_t
form_tally(const struct form *form, const char *name, int file)
{
	size_t	i, n;

	if (form == NULL || name == NULL)
		return (0);

	for (i = 0, n = 0; i < form->nfields; i++) {
		if ((form->fields[i].filename != NULL) == file &&
		    !strcmp(form->fields[i].name, name))
			n++;
	}

	return (n);
}

/*
 * Returns the length of the well-formed sequence at s, or 0: overlong
 * forms, surrogates and code points past U+10FFFF are not well-formed.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	c, min;
	size_t		i, n;

	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return (1);
	}

	if (c < 0xc2)
		return (0);
	if (c < 0xe0) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c < 0xf0) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c < 0xf5) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return (0);
	}

	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}

	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);

	*cp = c;
	return (n);
}

/* The longest prefix of the UTF-8 string s that fits in max bytes. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return (len);

	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;

	return (max);
}

/* Controls, and the bidi marks that let "gpj.exe" pose as "exe.jpg". */
static int
filename_drop(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return (1);
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f)
		return (1);
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return (1);

	return (0);
}

/*
 * Copies s[from..len) to dst as valid UTF-8 without the characters
 * filename_drop() refuses and without outer spaces; NUL-terminates.
 */
static size_t
filename_clean(char *dst, const unsigned char *s, size_t from, size_t len)
{
	size_t		i, k, n, start;
	uint32_t	cp;

	for (i = from, n = 0; i < len; i += k) {
		if ((k = utf8_decode(s + i, len - i, &cp)) == 0) {
			memcpy(dst + n, "\xef\xbf\xbd", 3);
			n += 3;
			k = 1;
			continue;
		}
		if (!filename_drop(cp)) {
			memcpy(dst + n, s + i, k);
			n += k;
		}
	}

	for (start = 0; start < n && dst[start] == ' '; start++)
		;
	while (n > start && dst[n - 1] == ' ')
		n--;
	n -= start;
	memmove(dst, dst + start, n);
	dst[n] = '\0';

	return (n);
}

/*
 * Cuts the UTF-8 name s to FORM_MAX_FILENAME bytes.  The stem gives way
 * rather than a short extension, so "report.pdf" stays a pdf.
 */
static size_t
filename_fit(char *s, size_t len)
{
	size_t	dot, ext, n;

	if (len <= FORM_MAX_FILENAME)
		return (len);

	for (dot = len; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	ext = (dot > 1) ? len - (dot - 1) : 0;
	if (ext == 0 || ext > EXT_KEEP_MAX) {
		n = utf8_cut(s, len, FORM_MAX_FILENAME);
	} else {
		n = utf8_cut(s, dot - 1, FORM_MAX_FILENAME - ext);
		memmove(s + n, s + dot - 1, ext);
		n += ext;
	}
	s[n] = '\0';

	return (n);
}

/*
 * Browsers send textarea newlines as CRLF; lengths and word counts want
 * one byte per newline.  A lone CR becomes LF too, as in the HTML
 * "normalize newlines" step, so a stored value never holds a CR.
 */
static size_t
newline_fold(char *s, size_t len)
{
	size_t	i, n;

	for (i = 0, n = 0; i < len; i++) {
		if (s[i] != '\r') {
			s[n++] = s[i];
			continue;
		}
		s[n++] = '\n';
		if (i + 1 < len && s[i + 1] == '\n')
			i++;
	}
	s[n] = '\0';

	return (n);
}

/* dst has room for len + 1 bytes; decoding never grows. */
static int
url_decode(char *dst, const char *src, size_t len, size_t *out)
{
	size_t	i, n;
	int	hi, lo;

	for (i = 0, n = 0; i < len; i++) {
		if (src[i] == '+') {
			dst[n++] = ' ';
		} else if (src[i] == '%') {
			if (len - i < 3 ||
			    (hi = valid_hexdigit((unsigned char)src[i + 1])) == -1 ||
			    (lo = valid_hexdigit((unsigned char)src[i + 2])) == -1)
				return (-1);
			dst[n++] = (char)((hi << 4) | lo);
			i += 2;
		} else {
			dst[n++] = src[i];
		}
	}

	dst[n] = '\0';
	*out = n;

	return (0);
}

static int
urlenc_pair(struct form *form, const struct form_limits *lim,
    const char *pair, size_t len)
{
	const char	*eq;
	char		*name, *value;
	size_t		 klen, vlen, nlen;

	if (form_full(form, lim))
		return (-1);

	/* A key without '=' is a field with an empty value. */
	eq = memchr(pair, '=', len);
	klen = (eq == NULL) ? len : (size_t)(eq - pair);
	vlen = (eq == NULL) ? 0 : len - klen - 1;

	name = form_malloc(klen + 1);
	value = form_malloc(vlen + 1);
	if (url_decode(name, pair, klen, &nlen) == -1 ||
	    url_decode(value, pair + len - vlen, vlen, &vlen) == -1) {
		free(name);
		free(value);
		return (form_fail(form, MSG_PERCENT));
	}

	return (form_add_text(form, lim, name, nlen, value, vlen));
}

/* RFC 7230 tchar. */
static int
is_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);

	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_ows(int c)
{
	return (c == ' ' || c == '\t');
}

static const char *
ows_skip(const char *p, const char *end)
{
	while (p < end && is_ows((unsigned char)*p))
		p++;

	return (p);
}

static int
span_is(const struct span *s, const char *str)
{
	return (s->len == strlen(str) && !strncasecmp(s->p, str, s->len));
}

/* The "type/subtype" or "form-data" before the first ';'. */
static int
media_type(const char **pp, const char *end, struct span *out)
{
	const char	*p;

	p = ows_skip(*pp, end);
	out->p = p;
	while (p < end && (is_tchar((unsigned char)*p) || *p == '/'))
		p++;
	out->len = (size_t)(p - out->p);
	*pp = p;

	return (out->len == 0 ? -1 : 0);
}

/*
 * A quoted-string or a bare value.  Browsers do not escape the backslash
 * (a Windows path arrives as "C:\x\y.pdf"), so only \" and \\ are taken
 * as escapes.
 */
static int
param_value(const char **pp, const char *end, char **out)
{
	const char	*p;
	char		*v;
	size_t		 n;
	int		 c;

	p = *pp;
	v = form_malloc((size_t)(end - p) + 1);
	n = 0;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			c = (unsigned char)*p;
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				break;
			if (c == '\\' && end - p > 1 &&
			    (p[1] == '"' || p[1] == '\\'))
				c = (unsigned char)*++p;
			v[n++] = (char)c;
		}
		if (p == end || *p != '"') {
			free(v);
			return (-1);
		}
		p++;
	} else {
		for (; p < end; p++) {
			c = (unsigned char)*p;
			if (c <= 0x20 || c == 0x7f || c == ';' || c == '"')
				break;
			v[n++] = (char)c;
		}
		if (n == 0) {
			free(v);
			return (-1);
		}
	}

	v[n] = '\0';
	*out = v;
	*pp = p;

	return (0);
}

/*
 * Reads one "; key=value" from *pp.  Returns 1 with the key in *key and a
 * heap copy of the unquoted value in *value, 0 at the end, -1 on bad
 * syntax.
 */
static int
param_next(const char **pp, const char *end, struct span *key, char **value)
{
	const char	*p;

	p = ows_skip(*pp, end);
	if (p == end)
		return (0);
	if (*p++ != ';')
		return (-1);

	p = ows_skip(p, end);
	if (p == end)
		return (0);

	key->p = p;
	while (p < end && is_tchar((unsigned char)*p))
		p++;
	key->len = (size_t)(p - key->p);
	if (key->len == 0)
		return (-1);

	p = ows_skip(p, end);
	if (p == end || *p++ != '=')
		return (-1);
	p = ows_skip(p, end);

	if (param_value(&p, end, value) == -1)
		return (-1);

	*pp = p;
	return (1);
}

/* RFC 2046 5.1.1 bchars, and no trailing space. */
static int
boundary_valid(const char *b)
{
	size_t	i, len;
	int	c;

	len = strlen(b);
	if (len == 0 || len > BOUNDARY_MAX || b[len - 1] == ' ')
		return (0);

	for (i = 0; i < len; i++) {
		c = (unsigned char)b[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (strchr("'()+_,-./:=? ", c) == NULL)
			return (0);
	}

	return (1);
}

static const unsigned char *
mem_find(const unsigned char *hay, size_t len, const void *needle,
    size_t nlen)
{
	const unsigned char	*p, *end, *n;

	n = needle;
	if (nlen == 0 || len < nlen)
		return (NULL);

	end = hay + (len - nlen) + 1;
	for (p = hay; p < end; p++) {
		p = memchr(p, n[0], (size_t)(end - p));
		if (p == NULL)
			return (NULL);
		if (!memcmp(p, n, nlen))
			return (p);
	}

	return (NULL);
}

static int
mp_init(struct multipart *mp, const char *content_type)
{
	struct span	type, key;
	const char	*p, *end;
	char		*value, *boundary;
	int		 r;

	if (content_type == NULL)
		return (form_fail(mp->form, MSG_UNSUPPORTED));

	p = content_type;
	end = p + strlen(p);
	if (media_type(&p, end, &type) == -1 ||
	    !span_is(&type, "multipart/form-data"))
		return (form_fail(mp->form, MSG_UNSUPPORTED));

	boundary = NULL;
	while ((r = param_next(&p, end, &key, &value)) == 1) {
		if (!span_is(&key, "boundary")) {
			free(value);
			continue;
		}
		/* Two boundaries: a proxy may have picked the other one. */
		if (boundary != NULL) {
			free(value);
			free(boundary);
			return (form_fail(mp->form,
			    MSG_MP "the boundary is given twice."));
		}
		boundary = value;
	}

	if (r == -1) {
		free(boundary);
		return (form_fail(mp->form,
		    MSG_MP "the Content-Type header is invalid."));
	}
	if (boundary == NULL)
		return (form_fail(mp->form, MSG_MP "no boundary was given."));
	if (!boundary_valid(boundary)) {
		free(boundary);
		return (form_fail(mp->form, MSG_MP "the boundary is invalid."));
	}

	mp->dlen = 4 + strlen(boundary);
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary, mp->dlen - 4);
	free(boundary);

	return (0);
}

/*
 * Is there a delimiter line ("--boundary", then "--" or optional blanks
 * and CRLF) at off?  Anything else that starts like one is part data.
 */
static int
mp_delim_line(const struct multipart *mp, size_t off, size_t *next,
    int *last)
{
	size_t	p, blen;

	blen = mp->dlen - 2;
	if (mp->len - off < blen || memcmp(mp->body + off, mp->delim + 2, blen))
		return (0);

	p = off + blen;
	if (mp->len - p >= 2 && mp->body[p] == '-' && mp->body[p + 1] == '-') {
		*last = 1;
		*next = p + 2;
		return (1);
	}

	while (p < mp->len && is_ows(mp->body[p]))
		p++;
	if (mp->len - p >= 2 && mp->body[p] == '\r' &&
	    mp->body[p + 1] == '\n') {
		*last = 0;
		*next = p + 2;
		return (1);
	}

	return (0);
}

/*
 * Finds the next CRLF delimiter line from off: *at is where the part data
 * before it ends, *next where the following part starts.
 */
static int
mp_delim_find(const struct multipart *mp, size_t off, size_t *at,
    size_t *next, int *last)
{
	const unsigned char	*p;

	while (off < mp->len) {
		p = mem_find(mp->body + off, mp->len - off, mp->delim,
		    mp->dlen);
		if (p == NULL)
			return (0);
		off = (size_t)(p - mp->body);
		if (mp_delim_line(mp, off + 2, next, last)) {
			*at = off;
			return (1);
		}
		off++;
	}

	return (0);
}

/* Parses the header block at pos; *data is where the part body starts. */
static int
mp_headers(struct multipart *mp, size_t pos, struct part *part,
    size_t *data)
{
	const unsigned char	*hend, *eol;
	const char		*line;
	size_t			 rest, window, blen, n;

	if (pos == mp->len)
		return (form_fail(mp->form, MSG_MP_FINAL));

	rest = mp->len - pos;
	if (rest >= 2 && mp->body[pos] == '\r' && mp->body[pos + 1] == '\n')
		return (form_fail(mp->form, MSG_MP "a part has no headers."));

	window = rest < FORM_MAX_PART_HEADER + 4 ?
	    rest : FORM_MAX_PART_HEADER + 4;
	hend = mem_find(mp->body + pos, window, "\r\n\r\n", 4);
	if (hend == NULL) {
		if (rest > window)
			return (form_fail(mp->form,
			    MSG_MP "a part's headers are too long."));
		return (form_fail(mp->form,
		    MSG_MP "a part's headers are not terminated."));
	}

	line = (const char *)mp->body + pos;
	blen = (size_t)(hend - (mp->body + pos));
	while (blen > 0) {
		eol = mem_find((const unsigned char *)line, blen, "\r\n", 2);
		n = (eol == NULL) ? blen :
		    (size_t)(eol - (const unsigned char *)line);
		if (mp_header_line(mp, line, n, part) == -1)
			return (-1);
		if (eol == NULL)
			break;
		line += n + 2;
		blen -= n + 2;
	}

	*data = (size_t)(hend - mp->body) + 4;
	return (0);
}

static int
mp_header_line(struct multipart *mp, const char *line, size_t len,
    struct part *part)
{
	const char	*colon, *v, *end;
	struct span	 name;
	size_t		 i;
	int		 c;

	/* Bare CR or LF, NUL, and folded lines: no browser sends them. */
	for (i = 0; i < len; i++) {
		c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (form_fail(mp->form, MSG_MP_HEADER));
	}
	if (len == 0 || is_ows((unsigned char)line[0]))
		return (form_fail(mp->form, MSG_MP_HEADER));

	if ((colon = memchr(line, ':', len)) == NULL || colon == line)
		return (form_fail(mp->form, MSG_MP_HEADER));
	name.p = line;
	name.len = (size_t)(colon - line);
	for (i = 0; i < name.len; i++) {
		if (!is_tchar((unsigned char)line[i]))
			return (form_fail(mp->form, MSG_MP_HEADER));
	}

	end = line + len;
	v = ows_skip(colon + 1, end);
	while (end > v && is_ows((unsigned char)end[-1]))
		end--;

	if (span_is(&name, "content-disposition"))
		return (mp_disposition(mp, v, end, part));
	if (span_is(&name, "content-type"))
		return (mp_ctype(mp, v, (size_t)(end - v), part));

	/* Content-Transfer-Encoding and friends: RFC 7578 4.7, ignored. */
	return (0);
}

static int
mp_disposition(struct multipart *mp, const char *p, const char *end,
    struct part *part)
{
	struct span	 type, key;
	char		*value, **slot;
	int		 r;

	if (part->disposition)
		return (form_fail(mp->form, MSG_MP_DISP));
	part->disposition = 1;

	if (media_type(&p, end, &type) == -1)
		return (form_fail(mp->form, MSG_MP_DISP));
	if (!span_is(&type, "form-data"))
		return (form_fail(mp->form, MSG_MP "a part is not form data."));

	while ((r = param_next(&p, end, &key, &value)) == 1) {
		if (span_is(&key, "name"))
			slot = &part->name;
		else if (span_is(&key, "filename"))
			slot = &part->filename;
		else
			slot = NULL;

		/* filename* is forbidden by RFC 7578 4.2; others are noise. */
		if (slot == NULL) {
			free(value);
			continue;
		}
		if (*slot != NULL) {
			free(value);
			return (form_fail(mp->form, MSG_MP_DISP));
		}
		*slot = value;
	}

	if (r == -1)
		return (form_fail(mp->form, MSG_MP_DISP));

	return (0);
}

static int
mp_ctype(struct multipart *mp, const char *v, size_t len, struct part *part)
{
	size_t	i;

	if (part->ctype != NULL || len == 0 || len > PART_CTYPE_MAX)
		return (form_fail(mp->form,
		    MSG_MP "a part has an invalid Content-Type."));

	for (i = 0; i < len; i++) {
		if (v[i] < 0x20 || v[i] > 0x7e)
			return (form_fail(mp->form,
			    MSG_MP "a part has an invalid Content-Type."));
	}

	part->ctype = form_memdup(v, len);
	return (0);
}

static int
mp_store(struct multipart *mp, struct part *part, const unsigned char *data,
    size_t len)
{
	char	*name, *value;

	if (part->name == NULL)
		return (form_fail(mp->form, MSG_MP "a part has no name."));

	/* A file input left empty: there is no file to keep. */
	if (part->filename != NULL && part->filename[0] == '\0' && len == 0)
		return (0);

	if (form_full(mp->form, mp->lim))
		return (-1);

	if (part->filename != NULL)
		return (mp_store_file(mp, part, data, len));

	name = part->name;
	part->name = NULL;
	value = form_memdup(data, len);

	return (form_add_text(mp->form, mp->lim, name, strlen(name),
	    value, len));
}

static int
mp_store_file(struct multipart *mp, struct part *part,
    const unsigned char *data, size_t len)
{
	char	 nbuf[MSG_NAME_MAX + 1], size[32];
	char	 fname[FORM_MAX_FILENAME + 1];

	if (form_name_check(mp->form, mp->lim, part->name,
	    strlen(part->name)) == -1)
		return (-1);

	if (mp->nfiles >= mp->lim->max_files)
		return (form_fail(mp->form, "The form has too many files "
		    "(limit %zu).", mp->lim->max_files));

	if (len > mp->lim->max_file_len) {
		form_size_text(size, sizeof(size), mp->lim->max_file_len);
		return (form_fail(mp->form, "The file for '%s' is too large "
		    "(limit %s).", form_msg_name(nbuf, part->name),
		    size));
	}

	(void)form_filename_sanitise(fname, part->filename,
	    strlen(part->filename));

	form_push(mp->form, part->name, form_memdup(data, len), len,
	    form_memdup(fname, strlen(fname)), part->ctype);
	part->name = NULL;
	part->ctype = NULL;
	mp->nfiles++;

	return (0);
}

static void
part_free(struct part *part)
{
	free(part->name);
	free(part->filename);
	free(part->ctype);
	memset(part, 0, sizeof(*part));
}
