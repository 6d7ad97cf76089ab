/*
 * The panel (SPEC §4): an admin invites reviewers to a round
 * (/admin/rounds/{slug}/panel), the invitee joins through the link
 * (/invite?token=), reviewers record their affiliations
 * (/account/affiliations); admins set conflicts
 * (/admin/rounds/{slug}/conflicts), assign reviewers by hand or
 * automatically (/admin/rounds/{slug}/assignments) and list the round's
 * applications (/admin/rounds/{slug}/applications). The rules live in
 * sql/60_panel.sql; the automatic assignment is solved by core/assign.c.
 */
#ifndef LAUREL_PANEL_PANEL_H
#define LAUREL_PANEL_PANEL_H

#include <kore/kore.h>
#include <kore/http.h>

#define PANEL_SLUG_MAX	64

/* The round's slug from /admin/rounds/{slug}/...; "" when absent. */
void	panel_round_slug(struct http_request *, char *, size_t);

struct load_params;

/* The slug as the page query's next parameter. */
void	panel_load_slug(struct http_request *, struct load_params *);

/* 303 to /admin/rounds/{slug}/{page}?done={what}; STEP_DONE. */
int	panel_done(struct http_request *, const char *page, const char *what);

/*
 * The sentence of an admin page's notice for ?done=, from a table of
 * {what, sentence} ended by {NULL, NULL}.
 */
struct panel_notice {
	const char	*what;
	const char	*sentence;
};

void	panel_notice(struct http_request *, const struct panel_notice *);

/* A positive id from a form field; 0 when it is not one. */
long long	panel_form_id(struct http_request *, const char *field);

/* The intro and outro of the e-mail listing new assignments. */
char	*panel_assigned_intro(void);
char	*panel_assigned_outro(void);

#endif
