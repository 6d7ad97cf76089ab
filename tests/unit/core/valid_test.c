#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/valid.h"

static void
test_chars(void **state)
{
	(void)state;
	assert_int_equal(valid_chars(""), 0);
	assert_int_equal(valid_chars("abc"), 3);
	assert_int_equal(valid_chars("Zoë Ångström"), 12);
	assert_int_equal(valid_chars("日本"), 2);
	assert_int_equal(valid_chars("\xf0\x9f\x8c\xbf"), 1);
}

static void
test_email_ok(void **state)
{
	(void)state;
	assert_null(valid_email("ana@example.org"));
	assert_null(valid_email("a.b+tag@sub.example.eu"));
}

static void
test_email_undeliverable(void **state)
{
	(void)state;
	/* The mailer sends only to ASCII addresses (no SMTPUTF8). */
	assert_non_null(valid_email("zoë@exämple.de"));
	assert_non_null(valid_email("a.@example.org"));
	assert_non_null(valid_email("a@-example.org"));
}

static void
test_email_bad(void **state)
{
	char	 big[300];

	(void)state;
	assert_non_null(valid_email(""));
	assert_non_null(valid_email("plain"));
	assert_non_null(valid_email("@example.org"));
	assert_non_null(valid_email("a@b@example.org"));
	assert_non_null(valid_email("a@example"));
	assert_non_null(valid_email("a@.org"));
	assert_non_null(valid_email("a@example."));
	assert_non_null(valid_email("a@example..org"));
	assert_non_null(valid_email("a b@example.org"));
	assert_non_null(valid_email("a@example.org\r\nBcc: x@y.z"));
	assert_non_null(valid_email("<a@example.org>"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = '@';
	big[20] = '.';
	assert_string_equal(valid_email(big),
	    "An e-mail address has at most 254 characters.");
}

static void
test_display_name(void **state)
{
	char	 big[402];

	(void)state;
	assert_null(valid_display_name("Ana Ortiz"));
	assert_null(valid_display_name("Łukasz Żółć"));
	assert_string_equal(valid_display_name(""), "Enter your name.");
	assert_non_null(valid_display_name("a\tb"));
	assert_non_null(valid_display_name("a\x7f"));
	memset(big, 'x', 201);
	big[201] = '\0';
	assert_non_null(valid_display_name(big));
	/* 200 two-byte characters are 200 characters, not 400. */
	for (int i = 0; i < 200; i++)
		memcpy(big + i * 2, "\xc3\xa9", 2);
	big[400] = '\0';
	assert_null(valid_display_name(big));
}

static void
test_trim(void **state)
{
	char	 a[] = "  hello \t\r\n";
	char	 b[] = "";
	char	 c[] = "   ";

	(void)state;
	assert_string_equal(valid_trim(a), "hello");
	assert_string_equal(valid_trim(b), "");
	assert_string_equal(valid_trim(c), "");
}

static void
test_path_id(void **state)
{
	const char	*rest;

	(void)state;
	assert_int_equal(valid_path_id("/applications/12", "/applications/",
	    &rest), 12);
	assert_string_equal(rest, "");
	assert_int_equal(valid_path_id("/applications/7/files/3",
	    "/applications/", &rest), 7);
	assert_string_equal(rest, "/files/3");
	assert_int_equal(valid_path_id("/applications/", "/applications/",
	    NULL), 0);
	assert_int_equal(valid_path_id("/rounds/7", "/applications/", NULL),
	    0);
	assert_int_equal(valid_path_id("/applications/99999999999999999999",
	    "/applications/", NULL), 0);
	assert_int_equal(valid_path_id("/applications/1000000000000000",
	    "/applications/", NULL), 1000000000000000LL);
}

/* Redirect targets: only what a browser still reads as a path here. */
static void
test_local_path(void **state)
{
	static const char *const	 ok[] = {
		"/", "/account", "/applications/12?version=3#receipt",
		"/admin/rounds/x?a=%2F&b=%25", "/a%20b", "/a/%2F",
		"/%20/x%C3%A9", NULL
	};
	static const char *const	 bad[] = {
		"", "account", "http://evil.example/", "//evil.example",
		"/\\evil.example", "/\t/evil.example", "/%09/evil.example",
		"\t//evil.example", "/\n/evil.example", "/%0a/evil.example",
		"/%0D/evil.example", "/%5c/evil.example", "/%5Cevil.example",
		"/%2F/evil.example", "/%2fevil.example", "/ /evil.example",
		"/\x7f/evil", "/caf\xc3\xa9", "/%", "/%4",
		"/%zz", "/%00", "/a\rb", NULL
	};
	char				 longpath[VALID_PATH_MAX + 2];
	size_t				 i;

	(void)state;
	for (i = 0; ok[i] != NULL; i++)
		assert_true(valid_local_path(ok[i]));
	for (i = 0; bad[i] != NULL; i++) {
		if (valid_local_path(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	}
	assert_false(valid_local_path(NULL));

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_false(valid_local_path(longpath));
	longpath[VALID_PATH_MAX] = '\0';
	assert_true(valid_local_path(longpath));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chars),
		cmocka_unit_test(test_email_ok),
		cmocka_unit_test(test_email_bad),
		cmocka_unit_test(test_email_undeliverable),
		cmocka_unit_test(test_display_name),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_path_id),
		cmocka_unit_test(test_local_path),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
