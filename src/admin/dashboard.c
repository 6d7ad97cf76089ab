/*
 * The round dashboard: round_dashboard() counts, this shapes them for
 * the page: the submissions per day drawn as an SVG chart (core/chart.c)
 * beside its table, and what the next phase needs in words.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/dashboard.h"
#include "core/chart.h"
#include "core/form.h"
#include "web/body.h"
#include "web/ctx.h"
#include "web/handler.h"

static const char *const ordinals[] = {
	"first", "second", "third", "fourth", "fifth", "sixth", "seventh",
	"eighth", "ninth", "tenth"
};

/* The chart's bars are the table's rows: one array feeds both. */
static void
dashboard_chart(json_t *dash)
{
	struct chart_bar	*bars;
	json_t			*days, *day;
	size_t			 i, n;
	char			*svg;

	days = json_object_get(dash, "days");
	if ((n = json_array_size(days)) == 0 || n > CHART_BARS_MAX)
		return;
	bars = kore_calloc(n, sizeof(*bars));
	json_array_foreach(days, i, day) {
		bars[i].label = json_string_value(json_object_get(day, "day"));
		bars[i].value = json_integer_value(json_object_get(day,
		    "count"));
	}
	svg = chart_bars_svg(bars, n, "submissions-chart",
	    "Submissions per day", "One bar per day of the open period, in "
	    "the round's time zone; the table below gives the same numbers.");
	kore_free(bars);
	if (svg == NULL)
		return;
	json_object_set_new(dash, "chart_svg", json_string(svg));
	free(svg);
}

static void
dashboard_need(json_t *needs, long long n, const char *one,
    const char *many, const char *word)
{
	char	line[160];

	if (n <= 0)
		return;
	if (n == 1)
		(void)snprintf(line, sizeof(line), one, word);
	else
		(void)snprintf(line, sizeof(line), many, n, word);
	json_array_append_new(needs, json_string(line));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
dashboard_needs(json_t *dash)
{
	json_t		*needs;
	long long	 k;
	const char	*nth;

	needs = json_array();
	k = json_integer_value(json_object_get(dash, "k"));
	nth = k >= 1 && k <= 10 ? ordinals[k - 1] : "last";
	dashboard_need(needs, json_integer_value(json_object_get(dash,
	    "lacking")), "1 application still lacks a %s review",
	    "%lld applications still lack a %s review", nth);
	dashboard_need(needs, json_integer_value(json_object_get(dash,
	    "pending")), "1 review is not submitted%s",
	    "%lld reviews are not submitted%s", "");
	dashboard_need(needs, json_integer_value(json_object_get(dash,
	    "undecided")), "1 application has no decision yet%s",
	    "%lld applications have no decision yet%s", "");
	json_object_set_new(dash, "needs", needs);
}

/* The kinds of reminder (migration 0019) in words. */
static void
dashboard_reminders(json_t *dash)
{
	json_t		*r;
	const char	*kind, *words;
	size_t		 i;

	json_array_foreach(json_object_get(dash, "reminders"), i, r) {
		kind = json_string_value(json_object_get(r, "kind"));
		if (kind != NULL && strcmp(kind, "auto7") == 0)
			words = "Automatic, 7 days before reviews are due";
		else if (kind != NULL && strcmp(kind, "auto2") == 0)
			words = "Automatic, 2 days before reviews are due";
		else
			words = "Sent from this page";
		json_object_set_new(r, "kind_text", json_string(words));
	}
}

/* The consensus agenda's link text: the applications it can take up. */
static void
dashboard_ready(json_t *dash)
{
	char		line[96];
	long long	n;

	n = json_integer_value(json_object_get(dash, "ready"));
	if (n == 1)
		(void)snprintf(line, sizeof(line), "1 application has all its "
		    "reviews in");
	else
		(void)snprintf(line, sizeof(line), "%lld applications have all "
		    "their reviews in", n);
	json_object_set_new(dash, "ready_text", json_string(line));
}
#pragma GCC diagnostic pop

/* A count of the query string (digits only, at most 6); -1 when absent. */
static long
dashboard_count(struct form *q, const char *name)
{
	const char	*v;

	if ((v = form_get(q, name)) == NULL || *v == '\0' || strlen(v) > 6 ||
	    strspn(v, "0123456789") != strlen(v))
		return (-1);

	return (strtol(v, NULL, 10));
}

/*
 * After "Send reminders" (admin/remind.c's 303): how many were reminded
 * and skipped; the table of the latest reminders says who and when.
 */
static void
dashboard_reminded(struct http_request *req, json_t *dash)
{
	struct form	*q;
	long		 sent, skipped;
	char		 s[200];

	q = body_query(req);
	if ((sent = dashboard_count(q, "reminded")) == -1 ||
	    (skipped = dashboard_count(q, "skipped")) == -1)
		return;
	(void)snprintf(s, sizeof(s), "Reminders sent to %ld reviewer%s; %ld "
	    "skipped, reminded within the day. The latest reminders are "
	    "listed below.", sent, sent == 1 ? "" : "s", skipped);
	json_object_set_new(dash, "reminded_notice", json_string(s));
}

/*
 * The kept counts (round_dashboard()'s "counts") beside the rest; a
 * reviewer is overdue once reviews are past due with some not done,
 * which the clock decides, not the counts.
 */
static void
dashboard_counts(json_t *dash)
{
	json_t		*r;
	size_t		 i;
	int		 past_due;

	(void)handler_lift(dash, "counts");
	past_due = json_is_true(json_object_get(dash, "past_due"));
	json_array_foreach(json_object_get(dash, "reviewers"), i, r) {
		json_object_set_new(r, "overdue", json_boolean(past_due &&
		    json_integer_value(json_object_get(r, "done")) <
		    json_integer_value(json_object_get(r, "assigned"))));
	}
}

void
dashboard_merge(struct http_request *req)
{
	json_t	*dash;

	if (!handler_merge(req, "dashboard", "dashboard"))
		return;
	dash = json_object_get(ctx_get(req)->data, "dashboard");
	dashboard_counts(dash);
	dashboard_chart(dash);
	dashboard_needs(dash);
	dashboard_ready(dash);
	dashboard_reminders(dash);
	dashboard_reminded(req, dash);
}
