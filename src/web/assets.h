/*
 * Static assets (stylesheet, script, icon) compiled into the module and
 * served under a name that carries their content hash, so browsers may
 * keep them for a year and still never see a stale one.
 */
#ifndef LAUREL_WEB_ASSETS_H
#define LAUREL_WEB_ASSETS_H

#include <kore/kore.h>
#include <kore/http.h>

#include "web/embedded.h"

/* Hashes the embedded assets; 0 or -1 (logged). */
int		 assets_init(void);

/* The public URL of an asset by its path under assets/ ("css/app.css"). */
const char	*assets_url(const char *name);

/* An embedded file by its path under assets/, or NULL. */
const struct embedded_file	*assets_file(const char *name);

/* Route handler for ^/static/. */
int		 assets_serve(struct http_request *);

#endif
