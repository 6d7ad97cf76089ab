#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/conflict.h"

/* The same organisation, however it is written. */
static void
test_org_same(void **state)
{
	static const char *const	 same[][2] = {
		{ "Hospital Clínic", "Hospital Clinic S.A." },
		{ "HOSPITAL CLINIC, S.A.", "hospital clinic" },
		{ "Universität Wien", "Universitat  Wien" },
		{ "Acme Holding B.V.", "acme holding" },
		{ "Data-Health GmbH", "Data Health" },
		{ "Nordic Care Oy", "Nordic Care" },
		{ "Medi S.p.A.", "MEDI" },
		{ "Karolinska AB", "karolinska" },
		{ "Health Ltd.", "Health Limited" },
		{ "Øresund Biotech ApS", "oresund biotech" },
		{ "Polskie Dane sp. z o.o.", "polskie dane" },
		{ "Café Santé", "cafe sante" },
		{ "ＡＣＭＥ Labs", "acme labs" },
	};
	static const char *const	 other[][2] = {
		{ "Hospital Clinic", "Hospital Clinic Barcelona" },
		{ "S.A.", "GmbH" },
		{ "", "" },			/* nothing: matches nothing */
		{ ".,;", "" },
		{ "Acme", "Acme Health" },
		{ "AB Biotech", "Biotech" },	/* a prefix is no legal form */
	};
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		if (!conflict_org_same(same[i][0], same[i][1]))
			fail_msg("not the same: '%s' and '%s'", same[i][0],
			    same[i][1]);
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (conflict_org_same(other[i][0], other[i][1]))
			fail_msg("the same: '%s' and '%s'", other[i][0],
			    other[i][1]);
	}
}

static void
test_org_normalise(void **state)
{
	char	out[CONFLICT_NAME_MAX], small[8];

	(void)state;
	assert_int_equal(conflict_org_normalise("  Hospital   Clínic, S.A. ",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "hospital clinic");
	assert_int_equal(conflict_org_normalise("A & B Co. KG", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "a & b");
	/* Not UTF-8, or too long for the buffer: refused. */
	assert_int_equal(conflict_org_normalise("bad \xff byte", out,
	    sizeof(out)), -1);
	assert_int_equal(conflict_org_normalise("far too long a name", small,
	    sizeof(small)), -1);
	assert_string_equal(small, "");
	/* Other scripts are kept, folded. */
	assert_int_equal(conflict_org_normalise("Ελληνικό Νοσοκομείο", out,
	    sizeof(out)), 0);
	assert_true(conflict_org_same("ΕΛΛΗΝΙΚΌ ΝΟΣΟΚΟΜΕΊΟ",
	    "Ελληνικο Νοσοκομειο"));
}

static void
test_email_domain(void **state)
{
	char	d[64];

	(void)state;
	assert_int_equal(conflict_email_domain("Ana@Clinic.ES", d, sizeof(d)),
	    0);
	assert_string_equal(d, "clinic.es");
	assert_int_equal(conflict_email_domain("a@b@Example.org.", d,
	    sizeof(d)), 0);
	assert_string_equal(d, "example.org");
	assert_int_equal(conflict_email_domain("no-at-sign", d, sizeof(d)), -1);
	assert_int_equal(conflict_email_domain("trailing@", d, sizeof(d)), -1);
	assert_int_equal(conflict_email_domain("a@example.org", d, 5), -1);
}

static void
test_webmail(void **state)
{
	static const char	 list[] = "# comment\ngmail.com\n\nOutlook.COM \n"
	    "gmx.de.\nweb.de";
	struct conflict_webmail	*w;

	(void)state;
	w = conflict_webmail_load(list, sizeof(list) - 1);
	assert_non_null(w);
	assert_true(conflict_webmail_has(w, "gmail.com"));
	assert_true(conflict_webmail_has(w, "outlook.com"));
	assert_true(conflict_webmail_has(w, "gmx.de"));
	assert_true(conflict_webmail_has(w, "web.de"));
	assert_false(conflict_webmail_has(w, "# comment"));
	assert_false(conflict_webmail_has(w, "clinic.es"));

	/* Same domain: a conflict, unless it is webmail. */
	assert_true(conflict_domain_match(w, "Clinic.es", "ana@clinic.ES"));
	assert_false(conflict_domain_match(w, "gmail.com", "ana@gmail.com"));
	assert_false(conflict_domain_match(w, "clinic.es", "ana@other.es"));
	assert_false(conflict_domain_match(w, "clinic.es", "not an address"));
	/* A subdomain is another domain: the rule is equality. */
	assert_false(conflict_domain_match(w, "clinic.es", "ana@mail.clinic.es"));
	conflict_webmail_free(w);

	/* The shipped list loads, and names the usual suspects. */
	w = conflict_webmail_load("", 0);
	assert_non_null(w);
	assert_false(conflict_webmail_has(w, "gmail.com"));
	conflict_webmail_free(w);
	conflict_webmail_free(NULL);
}

static void
test_shipped_list(void **state)
{
	struct conflict_webmail	*w;
	FILE			*f;
	char			 buf[16384];
	size_t			 n;

	(void)state;
	f = fopen("assets/data/webmail-domains.txt", "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	assert_true(n > 0 && n < sizeof(buf));
	fclose(f);
	w = conflict_webmail_load(buf, n);
	assert_non_null(w);
	assert_true(conflict_webmail_has(w, "gmail.com"));
	assert_true(conflict_webmail_has(w, "outlook.com"));
	assert_true(conflict_webmail_has(w, "gmx.de"));
	assert_false(conflict_domain_match(w, "hotmail.com", "x@hotmail.com"));
	conflict_webmail_free(w);
}

/* Keys: what SQL compares; equal keys are a conflict, none for webmail. */
static void
test_keys(void **state)
{
	static const char	 list[] = "gmail.com\n";
	struct conflict_webmail	*w;
	char			 k[CONFLICT_KEY_MAX];
	json_t			*content, *keys;

	(void)state;
	w = conflict_webmail_load(list, sizeof(list) - 1);
	assert_int_equal(conflict_org_key("Hospital Clínic, S.A.", k,
	    sizeof(k)), 0);
	assert_string_equal(k, "org:hospital clinic");
	assert_int_equal(conflict_org_key(".,;", k, sizeof(k)), -1);
	assert_int_equal(conflict_org_key("", k, sizeof(k)), -1);
	assert_int_equal(conflict_domain_key(w, "Uni-X.EXAMPLE", k, sizeof(k)),
	    0);
	assert_string_equal(k, "dom:uni-x.example");
	assert_int_equal(conflict_domain_key(w, "GMail.com", k, sizeof(k)), -1);
	assert_int_equal(conflict_domain_key(w, "no domain", k, sizeof(k)), -1);
	assert_int_equal(conflict_org_key("Acme", k, 5), -1);

	content = json_pack("{s:s, s:s, s:[{s:s}, {s:s}, {s:i}]}",
	    "organisation_name", "Data-Health GmbH",
	    "contact_email", "ana@Uni-X.example",
	    "partners", "name", "Universität Wien", "name", "", "name", 3);
	keys = conflict_application_keys(content, w);
	assert_int_equal(json_array_size(keys), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(keys, 0), "key")), "org:data health");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(keys, 0), "name")), "Data-Health GmbH");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(keys, 1), "kind")), "partner");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(keys, 1), "key")), "org:universitat wien");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(keys, 2), "key")), "dom:uni-x.example");
	json_decref(keys);
	json_decref(content);

	/* A webmail contact and an empty form give no key. */
	content = json_pack("{s:s}", "contact_email", "ana@gmail.com");
	keys = conflict_application_keys(content, w);
	assert_int_equal(json_array_size(keys), 0);
	json_decref(keys);
	json_decref(content);
	conflict_webmail_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_org_same),
		cmocka_unit_test(test_org_normalise),
		cmocka_unit_test(test_email_domain),
		cmocka_unit_test(test_webmail),
		cmocka_unit_test(test_shipped_list),
		cmocka_unit_test(test_keys),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
