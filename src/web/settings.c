/*
 * Settings come from the environment so that one EnvironmentFile (systemd)
 * or one sourced file (make run, tests) configures every instance alike.
 */

#include <kore/kore.h>

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "web/settings.h"

struct settings	settings;

static const char *
settings_get(const char *name, const char *fallback)
{
	const char	*v;

	if ((v = getenv(name)) == NULL || *v == '\0')
		return (fallback);

	return (v);
}

static int
settings_missing(const char *name, const char *what)
{
	kore_log(LOG_ERR, "config: %s is not set (%s); see README.md, "
	    "section Configuration", name, what);
	return (-1);
}

static int
settings_size(const char *name, size_t fallback, size_t *out)
{
	const char	*v;
	char		*end;
	unsigned long	 n;

	if ((v = settings_get(name, NULL)) == NULL) {
		*out = fallback;
		return (0);
	}

	n = strtoul(v, &end, 10);
	if (*end != '\0' || n < 1024 || n > 1024UL * 1024 * 1024) {
		kore_log(LOG_ERR, "config: %s must be a byte count between "
		    "1024 and 1073741824, not '%s'", name, v);
		return (-1);
	}

	*out = n;
	return (0);
}

/*
 * A connection string libpq can read: checked at start, since Kore
 * connects only when a page first asks, and a typo would then be found
 * by a visitor rather than by the operator.
 */
static int
settings_dsn(const char *name, const char *v)
{
	PQconninfoOption	*opts;
	char			*err;
	const char		*why;

	err = NULL;
	if ((opts = PQconninfoParse(v, &err)) != NULL) {
		PQconninfoFree(opts);
		return (0);
	}

	why = err != NULL ? err : "out of memory";
	kore_log(LOG_ERR, "config: %s is not a libpq connection string "
	    "(%.*s)", name, (int)strcspn(why, "\r\n"), why);
	PQfreemem(err);
	return (-1);
}

int
settings_load(void)
{
	const char	*mail;

	memset(&settings, 0, sizeof(settings));

	if ((settings.db = settings_get("LAUREL_DB", NULL)) == NULL)
		return (settings_missing("LAUREL_DB",
		    "the libpq connection string of the database"));

	/* A streaming replica (issue 15): only the public awards read it. */
	settings.db_public = settings_get("LAUREL_DB_PUBLIC", NULL);
	if (settings.db_public != NULL &&
	    settings_dsn("LAUREL_DB_PUBLIC", settings.db_public) == -1)
		return (-1);

	settings.base_url = settings_get("LAUREL_BASE_URL", NULL);
	if (settings.base_url == NULL)
		return (settings_missing("LAUREL_BASE_URL",
		    "the public address, e.g. https://awards.example.eu"));
	if (strncmp(settings.base_url, "https://", 8) == 0) {
		settings.secure = 1;
	} else if (strncmp(settings.base_url, "http://", 7) != 0) {
		kore_log(LOG_ERR, "config: LAUREL_BASE_URL must start with "
		    "http:// or https://, not '%s'", settings.base_url);
		return (-1);
	}

	mail = settings_get("LAUREL_MAIL_MODE", NULL);
	if (mail == NULL)
		return (settings_missing("LAUREL_MAIL_MODE", "file or smtp"));
	if (strcmp(mail, "file") == 0) {
		settings.mail_mode = SETTINGS_MAIL_FILE;
	} else if (strcmp(mail, "smtp") == 0) {
		settings.mail_mode = SETTINGS_MAIL_SMTP;
	} else {
		kore_log(LOG_ERR, "config: LAUREL_MAIL_MODE must be 'file' "
		    "or 'smtp', not '%s'", mail);
		return (-1);
	}
	settings.mail_dir = settings_get("LAUREL_MAIL_DIR", "var/mail");

	if (settings_size("LAUREL_BODY_MAX", 1024 * 1024,
	    &settings.body_max) == -1)
		return (-1);

	/* A round allows at most 100 MiB a file; the rest is multipart. */
	if (settings_size("LAUREL_UPLOAD_MAX", 101 * 1024 * 1024,
	    &settings.upload_max) == -1)
		return (-1);

	settings.key_file = settings_get("LAUREL_KEY_FILE", NULL);
	if (settings.key_file == NULL)
		return (settings_missing("LAUREL_KEY_FILE", "the path of the "
		    "file-encryption key (laurelctl key new PATH makes one)"));
	settings.key_files_old = settings_get("LAUREL_KEY_FILES_OLD", NULL);

	settings.dev = strcmp(settings_get("LAUREL_DEV", "0"), "1") == 0;
	settings.trusted_proxies = settings_get("LAUREL_TRUSTED_PROXIES", NULL);

	/* Only a development instance may let admins in without TOTP. */
	settings.totp_required = 1;
	if (strcmp(settings_get("LAUREL_ADMIN_TOTP", "required"), "off") == 0) {
		if (!settings.dev) {
			kore_log(LOG_ERR, "config: LAUREL_ADMIN_TOTP=off is "
			    "only allowed with LAUREL_DEV=1");
			return (-1);
		}
		settings.totp_required = 0;
	}

	return (0);
}
