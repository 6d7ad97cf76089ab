/*
 * The app's own settings (everything that is not Kore's): read once from
 * the environment, which an operator sets in one file (see
 * conf/laurel.env.example and deploy/).
 */
#ifndef LAUREL_WEB_SETTINGS_H
#define LAUREL_WEB_SETTINGS_H

#include <stddef.h>

#define SETTINGS_MAIL_FILE	1
#define SETTINGS_MAIL_SMTP	2

struct settings {
	const char	*db;		/* libpq connection string */
	const char	*db_public;	/* a read replica for the public
					   pages; NULL: they read db */
	const char	*base_url;	/* e.g. https://awards.example.eu */
	int		 secure;	/* base_url is https */
	int		 mail_mode;	/* SETTINGS_MAIL_* */
	const char	*mail_dir;	/* where file mode writes .eml */
	size_t		 body_max;	/* largest form body, bytes */
	int		 dev;		/* development mode (make run) */
	int		 totp_required;	/* admins must use TOTP */
	const char	*trusted_proxies; /* comma-separated peer addresses */
	size_t		 upload_max;	/* largest upload body, bytes */
	const char	*key_file;	/* the file-encryption key in use */
	const char	*key_files_old;	/* colon-separated, still readable */
};

extern struct settings	settings;

/* Returns 0, or -1 after logging one line that says what to fix. */
int	settings_load(void);

#endif
