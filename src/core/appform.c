#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/appform.h"
#include "core/form.h"
#include "core/valid.h"

#define W	APPFORM_WORDS
#define C	APPFORM_CHARS

#define S_PRACTICE	"About the practice"
#define S_ORG		"Your organisation"
#define S_PARTNERS	"Partner organisations"
#define S_SUMMARY	"Summary"
#define S_WORK		"The practice"
#define S_DATA		"Responsible use of health data"
#define S_IMPACT	"Outcomes and transferability"
#define S_DECLARE	"Declarations"

const struct appform_choice appform_org_types[] = {
	{ "hospital",			"Hospital" },
	{ "university",			"University" },
	{ "sme",			"SME" },
	{ "large_company",		"Large company" },
	{ "public_authority",		"Public authority" },
	{ "patient_organisation",	"Patient organisation" },
	{ "other",			"Other" },
	{ NULL,				NULL }
};

const struct appform_choice appform_stages[] = {
	{ "pilot",	"Pilot" },
	{ "routine",	"In routine use" },
	{ "scaled",	"Scaled" },
	{ NULL,		NULL }
};

const struct appform_field appform_fields[] = {
	{ "title", "Practice title",
	  "A short name for the practice, as it would appear on an award.",
	  APPFORM_TEXT, C, 200, 1, 0, S_PRACTICE, NULL },
	{ "category", "Category",
	  "The award category of this round that fits the practice best.",
	  APPFORM_CATEGORY, C, 40, 1, 0, S_PRACTICE, NULL },
	{ "organisation_name", "Organisation name",
	  "The organisation that applies and leads the practice.",
	  APPFORM_TEXT, C, 200, 1, 0, S_ORG, NULL },
	{ "country", "Country",
	  "The country where your organisation is established.",
	  APPFORM_COUNTRY, C, 2, 1, 0, S_ORG, NULL },
	{ "organisation_type", "Type of organisation",
	  "Choose the type that describes your organisation best.",
	  APPFORM_CHOICE, C, 0, 1, 0, S_ORG, appform_org_types },
	{ "contact_name", "Contact person",
	  "The person we write to about this application.",
	  APPFORM_TEXT, C, 200, 1, 0, S_ORG, NULL },
	{ "contact_email", "Contact e-mail",
	  "We send the receipt and all news about the application here.",
	  APPFORM_EMAIL, C, VALID_EMAIL_MAX, 1, 0, S_ORG, NULL },
	{ "partner_name", "Partner organisation",
	  "The name of a co-applicant or partner organisation.",
	  APPFORM_TEXT, C, 200, 0, 1, S_PARTNERS, NULL },
	{ "partner_country", "Partner country",
	  "The country where the partner is established.",
	  APPFORM_COUNTRY, C, 2, 0, 1, S_PARTNERS, NULL },
	{ "partner_role", "Partner role",
	  "What the partner contributed to the practice.",
	  APPFORM_TEXT, C, 200, 0, 1, S_PARTNERS, NULL },
	{ "summary", "Summary",
	  "The practice in brief: what it does, for whom, and with what "
	  "result; we may publish it if you win.",
	  APPFORM_TEXTAREA, W, 300, 1, 0, S_SUMMARY, NULL },
	{ "problem", "Problem addressed",
	  "The health or care problem the practice set out to solve.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_WORK, NULL },
	{ "approach", "What was done",
	  "How the practice works and how it was put in place.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_WORK, NULL },
	{ "stage", "Stage",
	  "How far the practice has come.",
	  APPFORM_CHOICE, C, 0, 1, 0, S_WORK, appform_stages },
	{ "reach", "Patients or citizens reached",
	  "How many people the practice reaches, e.g. 12,000 patients a "
	  "year.",
	  APPFORM_TEXT, C, 200, 1, 0, S_WORK, NULL },
	{ "data_sources", "Data sources and types",
	  "Which health data the practice uses and where they come from.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_DATA, NULL },
	{ "legal_basis", "Legal basis and ethics approval",
	  "The legal basis under GDPR Art. 6 and 9 and any ethics approval.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_DATA, NULL },
	{ "consent_transparency", "Consent and transparency",
	  "How patients are informed and, where needed, asked for consent.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_DATA, NULL },
	{ "minimisation", "Data minimisation and pseudonymisation",
	  "How you limit the data used and pseudonymise or anonymise it.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_DATA, NULL },
	{ "security_access", "Security and access control",
	  "How the data are protected, e.g. a secure processing "
	  "environment.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_DATA, NULL },
	{ "public_involvement", "Patient and public involvement",
	  "How patients and the public took part in shaping the practice.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_DATA, NULL },
	{ "fairness_bias", "Fairness and bias assessment",
	  "How you checked that the practice treats all groups fairly.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_DATA, NULL },
	{ "fair_reuse", "Reuse, FAIR data and interoperability",
	  "The standards used so that data and results can be reused.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_DATA, NULL },
	{ "outcomes", "Outcomes and evidence of impact",
	  "The results so far and how you measured them.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_IMPACT, NULL },
	{ "transferability", "Scalability and transferability",
	  "How the practice could work in other regions or countries.",
	  APPFORM_TEXTAREA, W, 500, 1, 0, S_IMPACT, NULL },
	{ "declare_accurate", "The information given is accurate.",
	  "Tick to confirm that the application is true and complete.",
	  APPFORM_CHECKBOX, C, 0, 1, 0, S_DECLARE, NULL },
	{ "declare_privacy",
	  "I consent to the processing of this application under the "
	  "privacy notice.",
	  "Needed so that the jury can assess the application.",
	  APPFORM_CHECKBOX, C, 0, 1, 0, S_DECLARE, NULL },
	{ "declare_publish",
	  "The summary may be published if the practice is awarded.",
	  "Optional; without it we publish only the title and organisation.",
	  APPFORM_CHECKBOX, C, 0, 0, 0, S_DECLARE, NULL },
	{ NULL, NULL, NULL, APPFORM_TEXT, C, 0, 0, 0, NULL, NULL }
};

/*
 * Decodes one UTF-8 sequence of s (not at its end) into *cp; returns the
 * bytes used.  A bad byte is taken alone, as U+FFFD, so that counting
 * always moves on.
 */
static size_t
appform_decode(const unsigned char *s, uint32_t *cp)
{
	size_t		 n, i;
	uint32_t	 c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		*cp = 0xfffd;
		return (1);
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return (1);
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;

	return (n);
}

static int
appform_is_space(uint32_t c)
{
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return (1);
	if (c < 0x80)
		return (0);
	return (c == 0x85 || c == 0xa0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000);
}

size_t
appform_words(const char *s)
{
	const unsigned char	*p;
	uint32_t		 c;
	size_t			 n;
	int			 inword;

	n = 0;
	inword = 0;
	for (p = (const unsigned char *)s; *p != '\0'; ) {
		p += appform_decode(p, &c);
		if (appform_is_space(c))
			inword = 0;
		else if (!inword) {
			inword = 1;
			n++;
		}
	}

	return (n);
}

/* Only spaces: a field someone cleared is empty, not filled. */
static int
appform_blank(const char *s)
{
	return (s == NULL || appform_words(s) == 0);
}

const struct appform_field *
appform_find(const char *name)
{
	const struct appform_field	*f;

	for (f = appform_fields; f->name != NULL; f++) {
		if (strcmp(f->name, name) == 0)
			return (f);
	}

	return (NULL);
}

const char *
appform_choice_label(const struct appform_field *f, const char *value)
{
	const struct appform_choice	*c;

	if (f->choices == NULL)
		return (NULL);
	for (c = f->choices; c->value != NULL; c++) {
		if (strcmp(c->value, value) == 0)
			return (c->label);
	}

	return (NULL);
}

static int
appform_msg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
appform_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list		 ap;

	if (msglen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}

	return (-1);
}

/* Appends ", "-separated items of a list to msg; for the messages only. */
static void
appform_join(char *msg, size_t msglen, const char *const *list)
{
	size_t		 i, len;

	for (i = 0; list != NULL && list[i] != NULL; i++) {
		len = strlen(msg);
		if (len >= msglen)
			return;
		(void)snprintf(msg + len, msglen - len, "%s%s",
		    i > 0 ? ", " : "", list[i]);
	}
}

static int
appform_in(const char *const *list, const char *s)
{
	size_t		 i;

	for (i = 0; list != NULL && list[i] != NULL; i++) {
		if (strcmp(list[i], s) == 0)
			return (1);
	}

	return (0);
}

static int
appform_is_code(const char *s)
{
	return (s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
	    s[2] == '\0');
}

static int
appform_check_country(const char *value, int mode,
    const struct appform_round *round, char *msg, size_t msglen)
{
	if (!appform_is_code(value))
		return (appform_msg(msg, msglen,
		    "Choose a country from the list."));
	if (mode != APPFORM_SUBMIT)
		return (0);

	if (round == NULL || round->countries == NULL ||
	    round->countries[0] == NULL)
		return (appform_msg(msg, msglen, "No country is eligible for "
		    "this round yet; please contact the organisers."));
	if (appform_in(round->countries, value))
		return (0);

	appform_msg(msg, msglen, "Organisations in this country cannot apply "
	    "to this round. Eligible: ");
	appform_join(msg, msglen, round->countries);
	if (strlen(msg) + 1 < msglen)
		strcat(msg, ".");

	return (-1);
}

static int
appform_check_category(const char *value, int mode,
    const struct appform_round *round, char *msg, size_t msglen)
{
	if (mode != APPFORM_SUBMIT)
		return (0);
	if (round != NULL && appform_in(round->categories, value))
		return (0);

	appform_msg(msg, msglen, "Choose one of this round's categories: ");
	appform_join(msg, msglen, round != NULL ? round->categories : NULL);
	if (strlen(msg) + 1 < msglen)
		strcat(msg, ".");

	return (-1);
}

static int
appform_check_choice(const struct appform_field *f, const char *value,
    char *msg, size_t msglen)
{
	const struct appform_choice	*c;
	size_t				 len;

	if (appform_choice_label(f, value) != NULL)
		return (0);

	appform_msg(msg, msglen, "Choose one of: ");
	for (c = f->choices; c != NULL && c->value != NULL; c++) {
		len = strlen(msg);
		if (len >= msglen)
			break;
		(void)snprintf(msg + len, msglen - len, "%s%s",
		    c == f->choices ? "" : ", ", c->label);
	}
	if (strlen(msg) + 1 < msglen)
		strcat(msg, ".");

	return (-1);
}

static int
appform_check_limit(const struct appform_field *f, const char *value,
    char *msg, size_t msglen)
{
	size_t		 n;

	if (f->limit <= 0)
		return (0);
	if (f->limit_kind == APPFORM_WORDS) {
		n = appform_words(value);
		if (n > (size_t)f->limit)
			return (appform_msg(msg, msglen, "Use at most %d words "
			    "(you have %zu).", f->limit, n));
	} else {
		n = valid_chars(value);
		if (n > (size_t)f->limit)
			return (appform_msg(msg, msglen, "Use at most %d "
			    "characters (you have %zu).", f->limit, n));
	}

	return (0);
}

int
appform_check(const struct appform_field *f, const char *value, int mode,
    const struct appform_round *round, char *msg, size_t msglen)
{
	const char	*p, *err;
	char		 scratch[1];

	/* The message helpers may then always read msg as a string. */
	if (msglen == 0) {
		msg = scratch;
		msglen = sizeof(scratch);
	}
	msg[0] = '\0';
	if (value == NULL)
		value = "";

	/* form.c already refuses these; a second look costs little. */
	if (!form_utf8_valid(value, strlen(value)))
		return (appform_msg(msg, msglen, "The text contains "
		    "characters that are not valid; paste it again as plain "
		    "text."));
	for (p = value; *p != '\0'; p++) {
		if ((unsigned char)*p == 0x7f || ((unsigned char)*p < 0x20 &&
		    (f->kind != APPFORM_TEXTAREA ||
		    (*p != '\n' && *p != '\t' && *p != '\r'))))
			return (appform_msg(msg, msglen, f->kind ==
			    APPFORM_TEXTAREA ? "The text contains control "
			    "characters that are not allowed." : "Keep this "
			    "on one line, without tabs or control "
			    "characters."));
	}

	if (appform_blank(value)) {
		if (mode != APPFORM_SUBMIT || !f->required)
			return (0);
		switch (f->kind) {
		case APPFORM_CHECKBOX:
			return (appform_msg(msg, msglen, "Tick this "
			    "declaration to submit the application."));
		case APPFORM_CHOICE:
		case APPFORM_CATEGORY:
		case APPFORM_COUNTRY:
			return (appform_msg(msg, msglen, "Choose the %s to "
			    "submit the application.",
			    f->kind == APPFORM_COUNTRY ? "country" :
			    f->kind == APPFORM_CATEGORY ? "category" :
			    "option that fits"));
		default:
			return (appform_msg(msg, msglen, "Fill in \"%s\" to "
			    "submit the application.", f->label));
		}
	}

	if (appform_check_limit(f, value, msg, msglen) == -1)
		return (-1);

	switch (f->kind) {
	case APPFORM_CHECKBOX:
		/* Only a changed page sends anything else. */
		if (strcmp(value, "yes") != 0)
			return (appform_msg(msg, msglen, "Tick the box or "
			    "leave it empty."));
		break;
	case APPFORM_CHOICE:
		return (appform_check_choice(f, value, msg, msglen));
	case APPFORM_CATEGORY:
		return (appform_check_category(value, mode, round, msg,
		    msglen));
	case APPFORM_COUNTRY:
		return (appform_check_country(value, mode, round, msg,
		    msglen));
	case APPFORM_EMAIL:
		/* A draft may hold an address that is still being typed. */
		if (mode == APPFORM_SUBMIT &&
		    (err = valid_email(value)) != NULL)
			return (appform_msg(msg, msglen, "%s", err));
		break;
	default:
		break;
	}

	return (0);
}

/* Appends one sentence about partner row `row` (from 1) to msg. */
static void
appform_partner_msg(char *msg, size_t msglen, size_t row, const char *what)
{
	size_t		 len;

	len = strlen(msg);
	if (len < msglen)
		(void)snprintf(msg + len, msglen - len, "%sPartner %zu: %s",
		    len > 0 ? " " : "", row, what);
}

int
appform_partners(const char *const *names, size_t nnames,
    const char *const *countries, size_t ncountries,
    const char *const *roles, size_t nroles, int mode, char *msg,
    size_t msglen)
{
	const char	*v[3], *gap[2];
	static const char *const what[3] = { "name", "country", "role" };
	char		 buf[160];
	size_t		 i, j, k, rows, missing, nfilled;
	int		 bad;
	char		 scratch[1];

	if (msglen == 0) {
		msg = scratch;
		msglen = sizeof(scratch);
	}
	msg[0] = '\0';

	/* The page always sends the three together; only tampering differs. */
	if (nnames != ncountries || nnames != nroles)
		return (appform_msg(msg, msglen, "The partner rows arrived "
		    "incomplete; please send the form again."));

	rows = 0;
	bad = 0;
	for (i = 0; i < nnames; i++) {
		v[0] = names[i];
		v[1] = countries[i];
		v[2] = roles[i];

		nfilled = 0;
		missing = 0;
		for (j = 0; j < 3; j++) {
			if (appform_blank(v[j]))
				missing |= 1U << j;
			else
				nfilled++;
		}
		if (nfilled == 0)
			continue;
		rows++;

		for (j = 0; j < 3; j++) {
			if (missing & (1U << j))
				continue;
			if (!form_utf8_valid(v[j], strlen(v[j])) ||
			    strpbrk(v[j], "\t\r\n") != NULL) {
				(void)snprintf(buf, sizeof(buf), "the %s "
				    "contains characters that are not "
				    "allowed.", what[j]);
				appform_partner_msg(msg, msglen, i + 1, buf);
				bad = 1;
			} else if (j == 1 && !appform_is_code(v[j])) {
				appform_partner_msg(msg, msglen, i + 1,
				    "choose a country from the list.");
				bad = 1;
			} else if (valid_chars(v[j]) > VALID_NAME_MAX) {
				(void)snprintf(buf, sizeof(buf), "use at most "
				    "%d characters for the %s (you have %zu).",
				    VALID_NAME_MAX, what[j],
				    valid_chars(v[j]));
				appform_partner_msg(msg, msglen, i + 1, buf);
				bad = 1;
			}
		}

		if (mode == APPFORM_SUBMIT && nfilled < 3) {
			for (k = 0, j = 0; j < 3; j++) {
				if (missing & (1U << j))
					gap[k++] = what[j];
			}
			(void)snprintf(buf, sizeof(buf), "fill in the %s%s%s "
			    "too, or clear the row.", gap[0],
			    k == 2 ? " and " : "", k == 2 ? gap[1] : "");
			appform_partner_msg(msg, msglen, i + 1, buf);
			bad = 1;
		}
	}

	if (rows > APPFORM_PARTNERS_MAX)
		return (appform_msg(msg, msglen, "Add at most %d partner "
		    "organisations (you have %zu).", APPFORM_PARTNERS_MAX,
		    rows));

	return (bad ? -1 : 0);
}
