/*
 * mailfmt: see mailfmt.h for what the message looks like and why.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/form.h"
#include "core/mailfmt.h"

#define LOCAL_MAX	64
#define LABEL_MAX	63
#define MSGID_MAX	64

/* "=?UTF-8?B?" and "?=" around each encoded-word. */
#define EW_HEAD		"=?UTF-8?B?"
#define EW_OVERHEAD	12
/* RFC 2047 §2: an encoded-word is at most 75 characters. */
#define EW_MAX		75

struct buf {
	char		*data;
	size_t		 len;
	size_t		 cap;
};

static void	 buf_add(struct buf *, const void *, size_t);
static void	 buf_str(struct buf *, const char *);
static void	 buf_fmt(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 is_atext(int);
static int	 is_wsp(int);
static int	 domain_valid(const char *, size_t);
static int	 local_valid(const char *, size_t);
static const char	*text_check(const char *);
static int	 is_ascii(const char *);
static void	 b64_put(struct buf *, const unsigned char *, size_t);
static size_t	 put_encoded(struct buf *, const char *, size_t, size_t);
static int	 put_folded(struct buf *, const char *, size_t);
static void	 put_subject(struct buf *, const char *);
static void	 put_from(struct buf *, const struct mailfmt_mailbox *);
static int	 put_date(struct buf *, time_t);
static void	 put_body(struct buf *, const char *);
static int	 msgid_valid(const char *);

static const char	b64_table[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
buf_add(struct buf *b, const void *data, size_t len)
{
	char		*p;
	size_t		 cap;

	if (b->len + len + 1 > b->cap) {
		cap = b->cap == 0 ? 1024 : b->cap;
		while (cap < b->len + len + 1) {
			if (cap > SIZE_MAX / 2)
				abort();
			cap *= 2;
		}
		if ((p = realloc(b->data, cap)) == NULL)
			abort();
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_fmt(struct buf *b, const char *fmt, ...)
{
	va_list		 ap;
	char		 tmp[256];
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		abort();
	buf_add(b, tmp, n);
}

/* RFC 5322 atext, ASCII only: locale-independent on purpose. */
static int
is_atext(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int
is_wsp(int c)
{
	return (c == ' ' || c == '\t');
}

static int
local_valid(const char *s, size_t len)
{
	size_t		 i;

	if (len == 0 || len > LOCAL_MAX || s[0] == '.' || s[len - 1] == '.')
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return (0);
		if (s[i] != '.' && !is_atext((unsigned char)s[i]))
			return (0);
	}

	return (1);
}

static int
domain_valid(const char *s, size_t len)
{
	size_t		 i, label;
	int		 c;

	if (len == 0 || s[len - 1] == '.')
		return (0);
	label = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return (0);
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return (0);
		if ((label == 0 && c == '-') || ++label > LABEL_MAX)
			return (0);
	}

	return (s[len - 1] != '-');
}

int
mailfmt_addr_valid(const char *s)
{
	const char	*at;
	size_t		 len;

	len = strlen(s);
	if (len < 3 || len > MAILFMT_ADDR_MAX)
		return (0);
	if ((at = strrchr(s, '@')) == NULL)
		return (0);

	return (local_valid(s, at - s) &&
	    domain_valid(at + 1, len - (at - s) - 1));
}

/*
 * NULL if s is valid UTF-8 without control characters (HTAB allowed),
 * else what is wrong with it, as a sentence about the subject.
 */
static const char *
text_check(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			return ("the subject contains a line break");
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return ("the subject contains a control character");
	}
	if (!form_utf8_valid(s, p - s))
		return ("the subject is not valid UTF-8");

	return (NULL);
}

int
mailfmt_mailbox_parse(const char *s, struct mailfmt_mailbox *mb)
{
	const char	*lt;
	size_t		 len, nlen, alen;

	memset(mb, 0, sizeof(*mb));
	if (text_check(s) != NULL)
		return (-1);

	len = strlen(s);
	if ((lt = strrchr(s, '<')) == NULL) {
		if (len > MAILFMT_ADDR_MAX || !mailfmt_addr_valid(s))
			return (-1);
		memcpy(mb->addr, s, len + 1);
		return (0);
	}

	if (len == 0 || s[len - 1] != '>')
		return (-1);
	alen = len - (lt - s) - 2;
	if (alen > MAILFMT_ADDR_MAX)
		return (-1);
	memcpy(mb->addr, lt + 1, alen);
	mb->addr[alen] = '\0';
	if (!mailfmt_addr_valid(mb->addr))
		return (-1);

	/* The display name: trimmed, its surrounding quotes dropped. */
	for (nlen = lt - s; nlen > 0 && is_wsp(s[nlen - 1]); nlen--)
		;
	while (nlen > 0 && is_wsp(*s)) {
		s++;
		nlen--;
	}
	if (nlen >= 2 && s[0] == '"' && s[nlen - 1] == '"') {
		s++;
		nlen -= 2;
	}
	if (nlen > MAILFMT_NAME_MAX || memchr(s, '<', nlen) != NULL ||
	    memchr(s, '>', nlen) != NULL || memchr(s, '"', nlen) != NULL ||
	    memchr(s, '\\', nlen) != NULL)
		return (-1);
	memcpy(mb->name, s, nlen);
	mb->name[nlen] = '\0';

	return (0);
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return (0);
	}

	return (1);
}

static void
b64_put(struct buf *b, const unsigned char *s, size_t len)
{
	char		 out[4];
	uint32_t	 v;
	size_t		 i;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		out[0] = b64_table[(v >> 18) & 0x3f];
		out[1] = b64_table[(v >> 12) & 0x3f];
		out[2] = i + 1 < len ? b64_table[(v >> 6) & 0x3f] : '=';
		out[3] = i + 2 < len ? b64_table[v & 0x3f] : '=';
		buf_add(b, out, 4);
	}
}

/*
 * s as RFC 2047 B encoded-words, starting at column col, folded between
 * words; each word holds whole UTF-8 characters (RFC 2047 §5).  Returns
 * the column where the last word ends.
 */
static size_t
put_encoded(struct buf *b, const char *s, size_t len, size_t col)
{
	size_t		 off, n, room;

	for (off = 0; off < len; off += n) {
		if (MAILFMT_LINE_MAX < col + EW_OVERHEAD + 8) {
			buf_str(b, "\r\n ");
			col = 1;
		}
		room = MAILFMT_LINE_MAX - col - EW_OVERHEAD;
		if (room > EW_MAX - EW_OVERHEAD)
			room = EW_MAX - EW_OVERHEAD;
		n = room / 4 * 3;
		if (n > len - off)
			n = len - off;
		while (off + n < len && ((unsigned char)s[off + n] & 0xc0) == 0x80)
			n--;

		buf_str(b, EW_HEAD);
		b64_put(b, (const unsigned char *)s + off, n);
		buf_str(b, "?=");
		col += EW_OVERHEAD + (n + 2) / 3 * 4;
		if (off + n < len)
			col = MAILFMT_LINE_MAX;		/* fold before the next */
	}

	return (col);
}

/*
 * ASCII s folded at whitespace from column col; -1 (nothing written)
 * when a word does not fit on a line, or a line would be blank.
 */
static int
put_folded(struct buf *b, const char *s, size_t col)
{
	size_t		 i, j, saved;
	int		 blank;

	saved = b->len;
	for (i = 0; s[i] != '\0'; i = j) {
		for (j = i; is_wsp(s[j]); j++)
			;
		blank = s[j] == '\0';
		for (; s[j] != '\0' && !is_wsp(s[j]); j++)
			;
		if (col + (j - i) > MAILFMT_LINE_MAX && is_wsp(s[i]) && !blank) {
			buf_str(b, "\r\n");
			col = 0;
		}
		if (col + (j - i) > MAILFMT_LINE_MAX) {
			b->len = saved;
			b->data[saved] = '\0';
			return (-1);
		}
		buf_add(b, s + i, j - i);
		col += j - i;
	}

	return (0);
}

static void
put_subject(struct buf *b, const char *subject)
{
	buf_str(b, "Subject: ");
	/* "=?" in plain text would be read as an encoded-word: encode it. */
	if (!is_ascii(subject) || strstr(subject, "=?") != NULL ||
	    put_folded(b, subject, strlen("Subject: ")) == -1)
		(void)put_encoded(b, subject, strlen(subject),
		    strlen("Subject: "));
	buf_str(b, "\r\n");
}

static void
put_from(struct buf *b, const struct mailfmt_mailbox *mb)
{
	const char	*p;
	size_t		 col;
	int		 atoms;

	buf_str(b, "From: ");
	if (mb->name[0] == '\0') {
		buf_str(b, mb->addr);
		buf_str(b, "\r\n");
		return;
	}

	atoms = 1;
	for (p = mb->name; *p != '\0'; p++) {
		if (!is_atext((unsigned char)*p) && *p != ' ')
			atoms = 0;
	}

	col = strlen("From: ");
	if (!is_ascii(mb->name)) {
		col = put_encoded(b, mb->name, strlen(mb->name), col);
	} else if (atoms) {
		buf_str(b, mb->name);
		col += strlen(mb->name);
	} else {
		/* The parser let no '"' or '\\' through: quoting is enough. */
		buf_fmt(b, "\"%s\"", mb->name);
		col += strlen(mb->name) + 2;
	}
	if (col + 2 + strlen(mb->addr) + 1 > MAILFMT_LINE_MAX)
		buf_str(b, "\r\n");
	buf_fmt(b, " <%s>\r\n", mb->addr);
}

static int
put_date(struct buf *b, time_t t)
{
	static const char	*days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char	*months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm		 tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1900 ||
	    tm.tm_year + 1900 > 9999)
		return (-1);

	/* Day and month names by hand: strftime's depend on the locale. */
	buf_fmt(b, "Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return (0);
}

/*
 * Quoted-printable (RFC 2045 §6.7) with every line end as CRLF.  Trailing
 * whitespace is encoded (transports strip it), and so is a dot that would
 * start a line (see mailfmt.h).
 */
static void
put_body(struct buf *b, const char *s)
{
	size_t		 i, col, tok;
	unsigned char	 c;
	int		 enc, last;
	char		 hex[4];

	col = 0;
	for (i = 0; s[i] != '\0'; i++) {
		c = s[i];
		if (c == '\r' || c == '\n') {
			if (c == '\r' && s[i + 1] == '\n')
				i++;
			buf_str(b, "\r\n");
			col = 0;
			continue;
		}

		last = s[i + 1] == '\0' || s[i + 1] == '\r' || s[i + 1] == '\n';
		enc = (c < 33 || c > 126 || c == '=') && !(is_wsp(c) && !last);
		tok = enc ? 3 : 1;
		/* Room for the soft break's '=' unless this ends the line. */
		if (col + tok > (last ? MAILFMT_QP_MAX : MAILFMT_QP_MAX - 1)) {
			buf_str(b, "=\r\n");
			col = 0;
		}
		if (c == '.' && col == 0)
			enc = 1;

		if (enc) {
			(void)snprintf(hex, sizeof(hex), "=%02X", c);
			buf_add(b, hex, 3);
			col += 3;
		} else {
			buf_add(b, &c, 1);
			col++;
		}
	}
	if (col > 0)
		buf_str(b, "\r\n");
}

static int
msgid_valid(const char *s)
{
	size_t		 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= MSGID_MAX || !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return (0);
	}

	return (i > 0 && s[0] != '.' && s[i - 1] != '.');
}

char *
mailfmt_build(const struct mailfmt *m, size_t *len, const char **why)
{
	struct mailfmt_mailbox	 from;
	struct buf		 b;

	if (mailfmt_mailbox_parse(m->from, &from) == -1) {
		*why = "the sender is not a valid mailbox";
		return (NULL);
	}
	if (!mailfmt_addr_valid(m->to)) {
		*why = "the recipient address is malformed";
		return (NULL);
	}
	if ((*why = text_check(m->subject)) != NULL)
		return (NULL);
	if (strlen(m->subject) > MAILFMT_SUBJECT_MAX) {
		*why = "the subject is too long";
		return (NULL);
	}
	if (!form_utf8_valid(m->body, strlen(m->body))) {
		*why = "the body is not valid UTF-8";
		return (NULL);
	}
	if (!msgid_valid(m->msgid)) {
		*why = "the Message-ID is malformed";
		return (NULL);
	}

	memset(&b, 0, sizeof(b));
	if (put_date(&b, m->date) == -1) {
		free(b.data);
		*why = "the date is out of range";
		return (NULL);
	}
	buf_fmt(&b, "Message-ID: <%s@%s>\r\n", m->msgid,
	    strrchr(from.addr, '@') + 1);
	put_from(&b, &from);
	buf_fmt(&b, "To: %s\r\n", m->to);
	put_subject(&b, m->subject);
	buf_str(&b, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n");
	put_body(&b, m->body);

	*len = b.len;
	return (b.data);
}

const char *
mailfmt_first_url(const char *s, size_t *len)
{
	const char	*p, *end;
	size_t		 scheme;

	for (p = s; *p != '\0'; p++) {
		if (strncasecmp(p, "http://", 7) == 0)
			scheme = 7;
		else if (strncasecmp(p, "https://", 8) == 0)
			scheme = 8;
		else
			continue;
		if (p > s && is_atext((unsigned char)p[-1]))
			continue;

		for (end = p + scheme; (unsigned char)*end > 0x20 &&
		    *end != 0x7f && strchr("<>\"", *end) == NULL; end++)
			;
		/* Sentence punctuation after a link is not part of it. */
		while (end > p + scheme && strchr(".,;:!?)'", end[-1]) != NULL)
			end--;
		if (end > p + scheme) {
			*len = end - p;
			return (p);
		}
	}

	return (NULL);
}
