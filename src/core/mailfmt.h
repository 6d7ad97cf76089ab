/*
 * mailfmt: one outbox row as an RFC 5322 message, ready for SMTP or an
 * .eml file.  Pure: the caller supplies the time and the unique part of
 * the Message-ID, so the output is a function of the input alone.
 *
 * The message is text/plain in UTF-8, quoted-printable: 7-bit clean, so
 * any SMTP server takes it without 8BITMIME (which libcurl does not
 * announce), and every body line stays within 76 characters whatever the
 * application wrote (long links included).  A line-leading dot is
 * encoded as =2E, so no line of the message starts with a dot and
 * nothing depends on the transport's dot-stuffing (libcurl 7.88 does
 * stuff dots too: checked against aiosmtpd).
 *
 * Header values are refused, not cleaned, when they hold CR or LF (header
 * injection), another control character, or invalid UTF-8.  Addresses
 * are ASCII addr-specs (no SMTPUTF8).  Header lines stay within 78
 * characters (but for an address longer than that): Subject is folded at
 * spaces, or written as RFC 2047 encoded-words when it is not ASCII or
 * has a word too long to fold.
 */

#ifndef LAUREL_CORE_MAILFMT_H
#define LAUREL_CORE_MAILFMT_H

#include <stddef.h>
#include <time.h>

#define MAILFMT_ADDR_MAX	254
#define MAILFMT_NAME_MAX	200
#define MAILFMT_SUBJECT_MAX	998
#define MAILFMT_LINE_MAX	78	/* header lines, without CRLF */
#define MAILFMT_QP_MAX		76	/* body lines, without CRLF */

struct mailfmt {
	const char	*from;		/* "Name <addr>" or "addr" */
	const char	*to;		/* addr */
	const char	*subject;	/* UTF-8, one line */
	const char	*body;		/* UTF-8, LF, CRLF or CR line ends */
	time_t		 date;
	const char	*msgid;		/* [A-Za-z0-9._-]+, unique per message */
};

struct mailfmt_mailbox {
	char		name[MAILFMT_NAME_MAX + 1];	/* "" when none */
	char		addr[MAILFMT_ADDR_MAX + 1];
};

/* 1 if s is an addr-spec we send to: ASCII local@domain, no quoting. */
int		 mailfmt_addr_valid(const char *);

/* "Name <addr>" or "addr" into mb; 0, or -1 when malformed. */
int		 mailfmt_mailbox_parse(const char *, struct mailfmt_mailbox *);

/*
 * The whole message, CRLF line ends, NUL-terminated, its length in *len;
 * the caller frees it.  NULL when refused, with a sentence in *why.
 * Allocation failure aborts.
 */
char		*mailfmt_build(const struct mailfmt *, size_t *, const char **);

/* The first http:// or https:// link in text and its length, or NULL. */
const char	*mailfmt_first_url(const char *, size_t *);

#endif
