/*
 * pwpolicy: whether a new password is acceptable (SPEC 7).
 *
 * The rules, checked in this order, the first failure giving the message:
 *   1. the password is valid UTF-8 (PWPOLICY_MSG_UTF8);
 *   2. it has at least PWPOLICY_MIN_CHARS and at most PWPOLICY_MAX_CHARS
 *      characters, counted as Unicode code points (PWPOLICY_MSG_SHORT,
 *      PWPOLICY_MSG_LONG);
 *   3. it is not the e-mail address, the part of the e-mail address
 *      before the last '@', or the display name (PWPOLICY_MSG_PERSONAL);
 *   4. it is not on the list of common passwords (PWPOLICY_MSG_COMMON).
 *
 * Rules 3 and 4 compare ASCII-lowercased strings (bytes above 0x7f are
 * compared as they are), and each looks at two forms of the password:
 * the whole of it, and its "stem", which is the password with every
 * trailing ASCII digit, ASCII punctuation character and space removed.
 * The stem is only looked at when at least one character remains and
 * something was removed.  So with "password" on the list, both
 * "Password123456" and "password2024!!" are refused, while
 * "123456789012" is checked as a whole only and "passw0rdpassw0rd" is not
 * refused unless it is itself on the list.  Leading characters are
 * never removed.
 *
 * The list is assets/data/common-passwords.txt: one password a line,
 * lines starting with '#' and empty lines skipped.
 *
 * Allocation failure aborts.
 */

#ifndef LAUREL_CORE_PWPOLICY_H
#define LAUREL_CORE_PWPOLICY_H

#include <stddef.h>

#define PWPOLICY_MIN_CHARS	12
#define PWPOLICY_MAX_CHARS	1024

#define PWPOLICY_MSG_UTF8	\
    "The password contains characters that cannot be read. Type it again."
#define PWPOLICY_MSG_SHORT	"Use at least 12 characters."
#define PWPOLICY_MSG_LONG	"Use at most 1024 characters."
#define PWPOLICY_MSG_PERSONAL	\
    "Do not use your e-mail address or name as the password."
#define PWPOLICY_MSG_COMMON	"This password is on a list of commonly " \
    "used passwords. Choose another one."

struct pwlist;

/*
 * Parses the list file's bytes (buf need not be NUL-terminated; CRLF is
 * fine).  Entries are lowercased, sorted and deduplicated.  Never returns
 * NULL; the caller frees the list with pwlist_free().
 */
struct pwlist	*pwlist_load(const char *buf, size_t len);
void		 pwlist_free(struct pwlist *);	/* NULL is fine */

/* Number of distinct entries. */
size_t		 pwlist_count(const struct pwlist *);

/* 1 if s, lowercased, is on the list. */
int		 pwlist_contains(const struct pwlist *, const char *s);

/*
 * NULL if password is acceptable, else one of the PWPOLICY_MSG_ strings
 * (static, for the user).  email and display_name may be NULL or "".
 * A NULL list skips rule 4: the module must refuse to start without it.
 */
const char	*pwpolicy_check(const struct pwlist *, const char *password,
		    const char *email, const char *display_name);

#endif /* !LAUREL_CORE_PWPOLICY_H */
