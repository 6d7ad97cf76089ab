/*
 * libFuzzer driver for src/core/form.c.
 *
 * The first byte picks the parser: urlencoded, multipart with the fixed
 * boundary "XyZ", multipart with a boundary taken from the input (up to
 * the first newline), or form_parse() with a whole Content-Type from the
 * input.  The rest is the body.  After a parse the result is checked
 * against what the header promises.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check(const struct form *, const struct form_limits *, int);
static size_t	take_line(const uint8_t **, size_t *, char *, size_t);

static const struct form_limits	limits = { 8, 16, 64, 128, 2 };

static void
check(const struct form *f, const struct form_limits *lim, int rc)
{
	const struct form_field	*ff;
	size_t			 i, nfiles;

	if (rc == -1) {
		if (f->fields != NULL || f->nfields != 0 || f->error[0] == '\0')
			abort();
		if (!form_utf8_valid(f->error, strlen(f->error)))
			abort();
		return;
	}
	if (rc != 0 || f->error[0] != '\0' || f->nfields > lim->max_fields)
		abort();

	for (i = 0, nfiles = 0; i < f->nfields; i++) {
		ff = &f->fields[i];
		if (ff->name[0] == '\0' ||
		    strlen(ff->name) > lim->max_name_len ||
		    !form_utf8_valid(ff->name, strlen(ff->name)))
			abort();
		if (ff->value[ff->len] != '\0')
			abort();
		if (ff->filename != NULL) {
			nfiles++;
			if (ff->len > lim->max_file_len ||
			    ff->filename[0] == '\0' ||
			    strlen(ff->filename) > FORM_MAX_FILENAME ||
			    strchr(ff->filename, '/') != NULL ||
			    strchr(ff->filename, '\\') != NULL ||
			    !form_utf8_valid(ff->filename,
			    strlen(ff->filename)))
				abort();
			continue;
		}
		if (ff->content_type != NULL || ff->len > lim->max_value_len ||
		    strlen(ff->value) != ff->len || strchr(ff->value, '\r') ||
		    !form_utf8_valid(ff->value, ff->len))
			abort();
	}
	if (nfiles > lim->max_files)
		abort();
}

/* Copies bytes up to a '\n' (not kept) into a NUL-terminated buf. */
static size_t
take_line(const uint8_t **data, size_t *len, char *buf, size_t bufsz)
{
	size_t	n;

	for (n = 0; n < *len && (*data)[n] != '\n'; n++)
		;
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, *data, n);
	buf[n] = '\0';

	if (n < *len && (*data)[n] == '\n')
		n++;
	*data += n;
	*len -= n;

	return (n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct form	f;
	char		ct[160], line[128];
	int		mode, rc;

	if (len == 0)
		return (0);
	mode = data[0] % 4;
	data++;
	len--;

	form_init(&f);
	switch (mode) {
	case 0:
		rc = form_parse_urlencoded(&f, &limits, data, len);
		break;
	case 1:
		rc = form_parse_multipart(&f, &limits,
		    "multipart/form-data; boundary=XyZ", data, len);
		break;
	case 2:
		(void)take_line(&data, &len, line, 80);
		(void)snprintf(ct, sizeof(ct),
		    "multipart/form-data; boundary=\"%s\"", line);
		rc = form_parse_multipart(&f, &limits, ct, data, len);
		break;
	default:
		(void)take_line(&data, &len, ct, sizeof(ct));
		rc = form_parse(&f, &limits, ct, data, len);
		break;
	}

	check(&f, &limits, rc);
	(void)form_get(&f, "a");
	(void)form_count(&f, "a");
	(void)form_get_nth(&f, "partner_name", 1);
	(void)form_file(&f, "file");

	form_free(&f);
	form_free(&f);

	return (0);
}
