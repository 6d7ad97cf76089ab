#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/appform.h"
#include "core/valid.h"

static const char *const cats[] = { "IMPACT", "INNOVATION", NULL };
static const char *const ctrs[] = { "AT", "BE", "CY", NULL };
static const struct appform_round rnd = { cats, ctrs };

/* n copies of word separated by sep; caller frees. */
static char *
repeat(const char *word, const char *sep, size_t n)
{
	char	*s;
	size_t	 i, len;

	len = n * (strlen(word) + strlen(sep)) + 1;
	s = malloc(len);
	assert_non_null(s);
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		strcat(s, word);
		if (i + 1 < n)
			strcat(s, sep);
	}
	return (s);
}

static int
check(const char *name, const char *value, int mode, char *msg)
{
	const struct appform_field	*f;

	f = appform_find(name);
	assert_non_null(f);
	return (appform_check(f, value, mode, &rnd, msg, APPFORM_MSG_MAX));
}

static void
test_words(void **state)
{
	(void)state;
	assert_int_equal(appform_words(""), 0);
	assert_int_equal(appform_words("   \t\n "), 0);
	assert_int_equal(appform_words("one"), 1);
	assert_int_equal(appform_words("one two three"), 3);
	assert_int_equal(appform_words("  one   two\t\tthree\n\nfour \r\n"), 4);
	assert_int_equal(appform_words("e-mail, GDPR-compliant."), 2);
	assert_int_equal(appform_words("one\xc2\xa0two"), 2);	/* NBSP */
	assert_int_equal(appform_words("1\xe2\x80\x83two"), 2);	/* em sp. */
	assert_int_equal(appform_words("1\xe2\x80\xaftwo"), 2);	/* NNBSP */
	assert_int_equal(appform_words("a\xe3\x80\x80z"), 2);	/* U+3000 */
	assert_int_equal(appform_words("caf\xc3\xa9 na\xc3\xafve"), 2);
	/* CJK without spaces: one word per run (no segmentation). */
	assert_int_equal(appform_words("\xe5\x81\xa5\xe5\xba\xb7\xe6\x95\xb0"
	    "\xe6\x8d\xae"), 1);
	assert_int_equal(appform_words("\xe5\x81\xa5\xe5\xba\xb7\xe3\x80\x80"
	    "\xe6\x95\xb0\xe6\x8d\xae"), 2);
	/* Zero-width space is not white space: looks like one word. */
	assert_int_equal(appform_words("a\xe2\x80\x8b" "b"), 1);
	/* Bad bytes are word characters and never stop the count. */
	assert_int_equal(appform_words("a \xff\xfe b \xe2\x80"), 4);
}

static void
test_table(void **state)
{
	const struct appform_field	*f;
	static const char *const names[] = { "title", "category",
	    "organisation_name", "country", "organisation_type",
	    "contact_name", "contact_email", "partner_name",
	    "partner_country", "partner_role", "summary", "problem",
	    "approach", "stage", "reach", "data_sources", "legal_basis",
	    "consent_transparency", "minimisation", "security_access",
	    "public_involvement", "fairness_bias", "fair_reuse", "outcomes",
	    "transferability", "declare_accurate", "declare_privacy",
	    "declare_publish", NULL };
	size_t				 i;

	(void)state;
	for (i = 0; names[i] != NULL; i++) {
		f = appform_find(names[i]);
		assert_non_null(f);
		assert_string_equal(f->name, names[i]);
		assert_non_null(f->label);
		assert_non_null(f->help);
		assert_non_null(f->section);
	}
	for (i = 0; appform_fields[i].name != NULL; i++)
		;
	assert_int_equal(i, 28);
	assert_null(appform_find("nope"));
	assert_int_equal(appform_find("summary")->limit, 300);
	assert_int_equal(appform_find("summary")->limit_kind, APPFORM_WORDS);
	assert_int_equal(appform_find("title")->limit_kind, APPFORM_CHARS);
	assert_false(appform_find("declare_publish")->required);
	assert_true(appform_find("declare_privacy")->required);
	assert_true(appform_find("partner_role")->repeat);
}

static void
test_choices(void **state)
{
	const struct appform_field	*t, *s;
	char				 msg[APPFORM_MSG_MAX];

	(void)state;
	t = appform_find("organisation_type");
	s = appform_find("stage");
	assert_string_equal(appform_choice_label(t, "sme"), "SME");
	assert_string_equal(appform_choice_label(t, "patient_organisation"),
	    "Patient organisation");
	assert_string_equal(appform_choice_label(s, "routine"),
	    "In routine use");
	assert_null(appform_choice_label(t, "Hospital"));
	assert_null(appform_choice_label(s, "hospital"));
	assert_null(appform_choice_label(appform_find("title"), "x"));

	assert_int_equal(check("organisation_type", "hospital",
	    APPFORM_SUBMIT, msg), 0);
	assert_int_equal(check("organisation_type", "other", APPFORM_SAVE,
	    msg), 0);
	assert_int_equal(check("organisation_type", "startup", APPFORM_SAVE,
	    msg), -1);
	assert_string_equal(msg, "Choose one of: Hospital, University, SME, "
	    "Large company, Public authority, Patient organisation, Other.");
	assert_int_equal(check("stage", "scaled", APPFORM_SUBMIT, msg), 0);
	assert_int_equal(check("stage", "done", APPFORM_SUBMIT, msg), -1);
	assert_string_equal(msg, "Choose one of: Pilot, In routine use, "
	    "Scaled.");
	assert_int_equal(check("stage", "", APPFORM_SUBMIT, msg), -1);
	assert_int_equal(check("stage", "", APPFORM_SAVE, msg), 0);
}

/* Every limited field: at the limit ok, one over refused, both modes. */
static void
test_limits(void **state)
{
	const struct appform_field	*f;
	char				 msg[APPFORM_MSG_MAX], want[128];
	char				*ok, *over;
	int				 nw, nc;

	(void)state;
	nw = nc = 0;
	for (f = appform_fields; f->name != NULL; f++) {
		if (f->limit == 0 || f->repeat || (f->kind != APPFORM_TEXT &&
		    f->kind != APPFORM_TEXTAREA))
			continue;
		if (f->limit_kind == APPFORM_WORDS) {
			ok = repeat("w\xc3\xb6rd", " \n", (size_t)f->limit);
			over = repeat("w\xc3\xb6rd", " \n",
			    (size_t)f->limit + 1);
			snprintf(want, sizeof(want), "Use at most %d words "
			    "(you have %d).", f->limit, f->limit + 1);
			nw++;
		} else {
			/* Multibyte: counted as characters, not bytes. */
			ok = repeat("\xc3\xa9", "", (size_t)f->limit);
			over = repeat("\xc3\xa9", "", (size_t)f->limit + 1);
			assert_int_equal(valid_chars(ok), f->limit);
			snprintf(want, sizeof(want), "Use at most %d "
			    "characters (you have %d).", f->limit,
			    f->limit + 1);
			nc++;
		}
		assert_int_equal(appform_check(f, ok, APPFORM_SUBMIT, &rnd,
		    msg, sizeof(msg)), 0);
		assert_int_equal(appform_check(f, ok, APPFORM_SAVE, NULL,
		    msg, sizeof(msg)), 0);
		assert_int_equal(appform_check(f, over, APPFORM_SAVE, NULL,
		    msg, sizeof(msg)), -1);
		assert_string_equal(msg, want);
		assert_int_equal(appform_check(f, over, APPFORM_SUBMIT,
		    &rnd, msg, sizeof(msg)), -1);
		assert_string_equal(msg, want);
		free(ok);
		free(over);
	}
	assert_int_equal(nw, 13);	/* summary, 2 practice, 8 data, 2 */
	assert_int_equal(nc, 4);	/* title, org, contact, reach */

	/* The example of the brief. */
	over = repeat("word", " ", 312);
	assert_int_equal(check("summary", over, APPFORM_SAVE, msg), -1);
	assert_string_equal(msg, "Use at most 300 words (you have 312).");
	free(over);
}

static void
test_required(void **state)
{
	const struct appform_field	*f;
	char				 msg[APPFORM_MSG_MAX];

	(void)state;
	for (f = appform_fields; f->name != NULL; f++) {
		if (f->repeat)
			continue;
		/* A draft may leave anything empty. */
		assert_int_equal(appform_check(f, "", APPFORM_SAVE, NULL,
		    msg, sizeof(msg)), 0);
		assert_int_equal(appform_check(f, NULL, APPFORM_SAVE, NULL,
		    msg, sizeof(msg)), 0);
		assert_int_equal(appform_check(f, " \xc2\xa0 ", APPFORM_SUBMIT,
		    &rnd, msg, sizeof(msg)), f->required ? -1 : 0);
		if (f->required)
			assert_true(strlen(msg) > 10);
	}
	assert_int_equal(check("title", "", APPFORM_SUBMIT, msg), -1);
	assert_string_equal(msg, "Fill in \"Practice title\" to submit the "
	    "application.");
	assert_int_equal(check("country", "", APPFORM_SUBMIT, msg), -1);
	assert_string_equal(msg, "Choose the country to submit the "
	    "application.");
	assert_int_equal(check("declare_accurate", "", APPFORM_SUBMIT, msg),
	    -1);
	assert_string_equal(msg, "Tick this declaration to submit the "
	    "application.");
}

static void
test_country(void **state)
{
	const struct appform_field	*f;
	static const char *const none[] = { NULL };
	struct appform_round		 empty = { cats, none };
	char				 msg[APPFORM_MSG_MAX], small[40];

	(void)state;
	f = appform_find("country");
	assert_int_equal(check("country", "BE", APPFORM_SUBMIT, msg), 0);
	assert_int_equal(check("country", "FR", APPFORM_SUBMIT, msg), -1);
	assert_string_equal(msg, "Organisations in this country cannot apply "
	    "to this round. Eligible: AT, BE, CY.");
	/* A draft keeps the choice; submitting says why it cannot go. */
	assert_int_equal(check("country", "FR", APPFORM_SAVE, msg), 0);
	assert_int_equal(check("country", "be", APPFORM_SAVE, msg), -1);
	assert_string_equal(msg, "Choose a country from the list.");
	assert_int_equal(check("country", "BEL", APPFORM_SUBMIT, msg), -1);
	assert_int_equal(appform_check(f, "AT", APPFORM_SUBMIT, &empty, msg,
	    sizeof(msg)), -1);
	assert_non_null(strstr(msg, "No country is eligible"));
	assert_int_equal(appform_check(f, "AT", APPFORM_SUBMIT, NULL, msg,
	    sizeof(msg)), -1);
	/* A small buffer truncates, never overflows. */
	assert_int_equal(appform_check(f, "FR", APPFORM_SUBMIT, &rnd,
	    small, sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(appform_check(f, "FR", APPFORM_SUBMIT, &rnd, NULL,
	    0), -1);
}

static void
test_category(void **state)
{
	char	 msg[APPFORM_MSG_MAX];

	(void)state;
	assert_int_equal(check("category", "IMPACT", APPFORM_SUBMIT, msg), 0);
	assert_int_equal(check("category", "CULTURE", APPFORM_SUBMIT, msg),
	    -1);
	assert_string_equal(msg, "Choose one of this round's categories: "
	    "IMPACT, INNOVATION.");
	assert_int_equal(check("category", "CULTURE", APPFORM_SAVE, msg), 0);
}

static void
test_email(void **state)
{
	char	*big;
	char	 msg[APPFORM_MSG_MAX];

	(void)state;
	assert_int_equal(check("contact_email", "ana@example.org",
	    APPFORM_SUBMIT, msg), 0);
	assert_int_equal(check("contact_email", "ana@", APPFORM_SAVE, msg), 0);
	assert_int_equal(check("contact_email", "ana@", APPFORM_SUBMIT, msg),
	    -1);
	assert_string_equal(msg, "The part after @ must be a domain like "
	    "example.org.");
	big = repeat("a", "", 255);
	assert_int_equal(check("contact_email", big, APPFORM_SAVE, msg), -1);
	assert_string_equal(msg, "Use at most 254 characters (you have 255).");
	free(big);
}

static void
test_checkbox(void **state)
{
	char	 msg[APPFORM_MSG_MAX];

	(void)state;
	assert_int_equal(check("declare_accurate", "yes", APPFORM_SUBMIT, msg),
	    0);
	assert_int_equal(check("declare_privacy", "yes", APPFORM_SUBMIT, msg),
	    0);
	assert_int_equal(check("declare_publish", "", APPFORM_SUBMIT, msg), 0);
	assert_int_equal(check("declare_publish", "yes", APPFORM_SUBMIT, msg),
	    0);
	assert_int_equal(check("declare_accurate", "on", APPFORM_SUBMIT, msg),
	    -1);
	assert_string_equal(msg, "Tick the box or leave it empty.");
	assert_int_equal(check("declare_publish", "YES", APPFORM_SAVE, msg),
	    -1);
	assert_int_equal(check("declare_privacy", "", APPFORM_SUBMIT, msg), -1);
}

static void
test_characters(void **state)
{
	char	 msg[APPFORM_MSG_MAX];

	(void)state;
	assert_int_equal(check("summary", "line one\n\tline two",
	    APPFORM_SUBMIT, msg), 0);
	assert_int_equal(check("title", "two\nlines", APPFORM_SAVE, msg), -1);
	assert_int_equal(check("summary", "bell\a", APPFORM_SAVE, msg), -1);
	assert_int_equal(check("summary", "bad \xff", APPFORM_SAVE, msg), -1);
	assert_non_null(strstr(msg, "not valid"));
}

#define P(a)	(a), sizeof(a) / sizeof((a)[0])

static void
test_partners(void **state)
{
	const char	*n[APPFORM_PARTNERS_MAX + 1];
	const char	*c[APPFORM_PARTNERS_MAX + 1];
	const char	*r[APPFORM_PARTNERS_MAX + 1];
	char		 msg[APPFORM_MSG_MAX], *big;
	size_t		 i;

	(void)state;
	{
		const char *names[] = { "Uni A", "", "Clinic C" };
		const char *ctr[] = { "AT", "", "FR" };
		const char *roles[] = { "Data", " ", "Pilot site" };

		/* Blank rows are ignored; partners may be from anywhere. */
		assert_int_equal(appform_partners(P(names), P(ctr), P(roles),
		    APPFORM_SUBMIT, msg, sizeof(msg)), 0);
		assert_string_equal(msg, "");
		/* Unequal counts. */
		assert_int_equal(appform_partners(names, 3, ctr, 2, roles, 3,
		    APPFORM_SAVE, msg, sizeof(msg)), -1);
		assert_non_null(strstr(msg, "send the form again"));
	}
	assert_int_equal(appform_partners(NULL, 0, NULL, 0, NULL, 0,
	    APPFORM_SUBMIT, msg, sizeof(msg)), 0);
	{
		const char *names[] = { "Uni A", "", "Clinic C", "" };
		const char *ctr[] = { "AT", "", "", "BE" };
		const char *roles[] = { "Data", "", "", "" };

		/* Partial: refused on submit, with the page's row number. */
		assert_int_equal(appform_partners(P(names), P(ctr), P(roles),
		    APPFORM_SUBMIT, msg, sizeof(msg)), -1);
		assert_string_equal(msg, "Partner 3: fill in the country and "
		    "role too, or clear the row. Partner 4: fill in the name "
		    "and role too, or clear the row.");
		assert_int_equal(appform_partners(P(names), P(ctr), P(roles),
		    APPFORM_SAVE, msg, sizeof(msg)), 0);
	}
	{
		const char *names[] = { "Uni A" };
		const char *ctr[] = { "AT" };
		const char *roles[] = { "" };

		assert_int_equal(appform_partners(P(names), P(ctr), P(roles),
		    APPFORM_SUBMIT, msg, sizeof(msg)), -1);
		assert_string_equal(msg, "Partner 1: fill in the role too, or "
		    "clear the row.");
	}
	{
		const char *names[] = { "Uni A", "Uni B" };
		const char *ctr[] = { "Austria", "BE" };
		const char *roles[] = { "Data", "x" };

		big = repeat("r", "", 201);
		roles[1] = big;
		assert_int_equal(appform_partners(P(names), P(ctr), P(roles),
		    APPFORM_SAVE, msg, sizeof(msg)), -1);
		assert_string_equal(msg, "Partner 1: choose a country from the "
		    "list. Partner 2: use at most 200 characters for the role "
		    "(you have 201).");
		big[200] = '\0';
		ctr[0] = "AT";
		assert_int_equal(appform_partners(P(names), P(ctr), P(roles),
		    APPFORM_SUBMIT, msg, sizeof(msg)), 0);
		free(big);
	}

	/* 20 partners fit; 21 do not, blank rows aside. */
	for (i = 0; i < APPFORM_PARTNERS_MAX; i++) {
		n[i] = "Org";
		c[i] = "BE";
		r[i] = "Role";
	}
	n[i] = c[i] = r[i] = "";
	assert_int_equal(appform_partners(P(n), P(c), P(r), APPFORM_SUBMIT,
	    msg, sizeof(msg)), 0);
	n[i] = "Org";
	c[i] = "BE";
	r[i] = "Role";
	assert_int_equal(appform_partners(P(n), P(c), P(r), APPFORM_SAVE,
	    msg, sizeof(msg)), -1);
	assert_string_equal(msg, "Add at most 20 partner organisations (you "
	    "have 21).");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_country),
		cmocka_unit_test(test_category),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_checkbox),
		cmocka_unit_test(test_characters),
		cmocka_unit_test(test_partners),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
