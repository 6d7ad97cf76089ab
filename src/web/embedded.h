/*
 * Files compiled into the module by tools/embed.c: templates and static
 * assets, so workers need no file access after they are sandboxed.
 */
#ifndef LAUREL_WEB_EMBEDDED_H
#define LAUREL_WEB_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char		*name;	/* path under assets/, e.g. "css/app.css" */
	const unsigned char	*data;	/* NUL-terminated for convenience */
	size_t			 len;	/* without that NUL */
};

/* Terminated by an entry whose name is NULL. */
extern const struct embedded_file	embedded_files[];

#endif
