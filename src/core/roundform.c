#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/roundform.h"
#include "core/valid.h"

const char roundform_default_categories[] =
    "IMPACT — Academia–business partnerships that significantly improve "
    "healthcare.\n"
    "INNOVATION — SMEs and start-ups transforming patient care with "
    "advanced therapies.\n"
    "EXCELLENCE — Organisations leading in accessibility, safety and "
    "inclusion of health data.\n"
    "CULTURE — Patient engagement and community involvement.";

const char *
roundform_slug(const char *s)
{
	size_t		 i, len;

	len = strlen(s);
	if (len == 0)
		return ("Enter the address of the round, e.g. 2026.");
	if (len > ROUNDFORM_SLUG_MAX)
		return ("Use at most 60 characters.");

	for (i = 0; i < len; i++) {
		if (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]))
			continue;
		if (s[i] == '-' && i > 0 && i + 1 < len && s[i + 1] != '-')
			continue;
		return ("Use lowercase letters a-z, digits and single hyphens "
		    "between them, e.g. 2026-recognition.");
	}

	/* These words are taken by pages of their own. */
	if (strcmp(s, "new") == 0)
		return ("This address is reserved; choose another one.");

	return (NULL);
}

const char *
roundform_title(const char *s)
{
	size_t		 n;

	n = valid_chars(s);
	if (n == 0)
		return ("Enter the title of the round.");
	if (n > 200)
		return ("Use at most 200 characters.");

	return (NULL);
}

static int
roundform_digits(const char *s, size_t n)
{
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (0);
	}

	return (1);
}

const char *
roundform_datetime(const char *s, int required)
{
	int		 y, mo, d, h, mi, days;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (*s == '\0')
		return (required ? "Enter a date and time." : NULL);

	if (strlen(s) != 16 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || !roundform_digits(s, 4) ||
	    !roundform_digits(s + 5, 2) || !roundform_digits(s + 8, 2) ||
	    !roundform_digits(s + 11, 2) || !roundform_digits(s + 14, 2))
		return ("Enter a date and time like 2026-06-30T17:00.");

	y = atoi(s);
	mo = atoi(s + 5);
	d = atoi(s + 8);
	h = atoi(s + 11);
	mi = atoi(s + 14);
	if (y < 2000 || y > 2100 || mo < 1 || mo > 12 || h > 23 || mi > 59)
		return ("This is not a real date and time.");

	days = mdays[mo - 1];
	if (mo == 2 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		days = 28;
	if (d < 1 || d > days)
		return ("This is not a real date and time.");

	return (NULL);
}

const char *
roundform_int(const char *s, int min, int max, int *out)
{
	char		*end;
	long		 v;

	if (*s == '\0' || !roundform_digits(s, strlen(s)) || strlen(s) > 6)
		return ("Enter a whole number.");

	v = strtol(s, &end, 10);
	if (v < min || v > max)
		return ("The number is outside the allowed range.");

	*out = (int)v;
	return (NULL);
}

/* Splits "CODE — description" (em dash, colon or spaced hyphen). */
static const char *
roundform_category_line(char *line, json_t *list)
{
	char		*sep, *desc, *p;
	size_t		 skip;

	desc = "";
	skip = 0;
	if ((sep = strstr(line, "—")) != NULL)
		skip = strlen("—");
	else if ((sep = strchr(line, ':')) != NULL)
		skip = 1;
	else if ((sep = strstr(line, " - ")) != NULL)
		skip = 3;
	if (sep != NULL) {
		*sep = '\0';
		desc = sep + skip;
	}

	valid_trim(line);
	valid_trim(desc);
	if (*line == '\0' || strlen(line) > 40)
		return ("Start each line with the category's name in capitals, "
		    "e.g. IMPACT — what it recognises.");
	for (p = line; *p != '\0'; p++) {
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != ' ' && *p != '_' && *p != '-')
			return ("Write category names in capitals A-Z (digits, "
			    "spaces and hyphens allowed), e.g. IMPACT.");
	}
	if (valid_chars(desc) > 500)
		return ("A category's description has at most 500 characters.");

	json_array_append_new(list, json_pack("{s:s, s:s}", "code", line,
	    "description", desc));
	return (NULL);
}

const char *
roundform_categories(const char *text, json_t **out)
{
	json_t		*list;
	char		*copy, *line, *next;
	const char	*msg;
	size_t		 i, j;

	list = json_array();
	copy = strdup(text);
	if (copy == NULL)
		abort();

	msg = NULL;
	for (line = copy; line != NULL && msg == NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		valid_trim(line);
		if (*line != '\0')
			msg = roundform_category_line(line, list);
	}
	free(copy);

	if (msg == NULL && json_array_size(list) == 0)
		msg = "Enter at least one category.";
	if (msg == NULL && json_array_size(list) > ROUNDFORM_CATEGORIES_MAX)
		msg = "A round has at most 12 categories.";
	for (i = 0; msg == NULL && i < json_array_size(list); i++) {
		for (j = i + 1; j < json_array_size(list); j++) {
			if (strcmp(json_string_value(json_object_get(
			    json_array_get(list, i), "code")),
			    json_string_value(json_object_get(
			    json_array_get(list, j), "code"))) == 0)
				msg = "Each category name may appear once.";
		}
	}

	if (msg != NULL) {
		json_decref(list);
		return (msg);
	}

	*out = list;
	return (NULL);
}

const char *
roundform_countries(const char *text, char **out)
{
	char		*buf;
	size_t		 o, n, len;
	const char	*p;

	len = strlen(text);
	if ((buf = malloc(len + 3)) == NULL)
		abort();

	o = 0;
	n = 0;
	buf[o++] = '{';
	for (p = text; *p != '\0';) {
		if (strchr(" ,;\t\r\n", *p) != NULL) {
			p++;
			continue;
		}
		if (!isalpha((unsigned char)p[0]) ||
		    !isalpha((unsigned char)p[1]) ||
		    (p[2] != '\0' && strchr(" ,;\t\r\n", p[2]) == NULL)) {
			free(buf);
			return ("Enter two-letter country codes (ISO 3166), "
			    "separated by spaces or commas, e.g. AT BE BG.");
		}
		if (n++ > 0)
			buf[o++] = ',';
		buf[o++] = (char)toupper((unsigned char)p[0]);
		buf[o++] = (char)toupper((unsigned char)p[1]);
		p += 2;
	}
	buf[o++] = '}';
	buf[o] = '\0';

	if (n == 0) {
		free(buf);
		return ("Enter at least one eligible country.");
	}

	*out = buf;
	return (NULL);
}
