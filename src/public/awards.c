/*
 * The public awards pages (SPEC §5 and §10, issue 13):
 *
 *	GET /awards[.json]			the published rounds
 *	GET /awards/{slug}[.json]		a round: winners by category,
 *						then finalists, then honourable
 *						mentions
 *	GET /awards/{slug}/{ref}[.json]		one recognised practice
 *
 * The JSON is the page's data as sql/95_awards.sql gives it, asked for
 * with ".json" on the path or with Accept: application/json (and not
 * text/html, which every browser names). What is not public yet is the
 * site's 404 page, or {"error":"not found"} to a JSON request.
 *
 * Published pages do not change, so they are served from the worker's
 * cache (web/pubcache.h) without a query; a miss renders the page and
 * keeps it. The pages read no session and set no cookie: every visitor
 * gets the same bytes.
 *
 * Their one query, award_page() of sql/95_awards.sql, names DB_PUBLIC:
 * a streaming replica when LAUREL_DB_PUBLIC is set (issue 15), else the
 * primary. It is the page's first step rather than the driver's load,
 * which always asks the primary; it also says how far the replica had
 * replayed, for the cache.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gzip.h"
#include "core/jsonld.h"
#include "core/tmpl.h"
#include "public/awards.h"
#include "web/ctx.h"
#include "web/handler.h"
#include "web/page.h"
#include "web/pubcache.h"
#include "web/settings.h"

#define AWARDS_PREFIX	"/awards"
#define JSON_SUFFIX	".json"
#define SLUG_MAX	60	/* rounds.slug */
#define REF_MAX		64	/* a reference: BPR-2026-0042 */
#define KEY_MAX		(2 + sizeof(AWARDS_PREFIX) + SLUG_MAX + REF_MAX + 2)

#define TYPE_HTML	"text/html; charset=utf-8"
#define TYPE_JSON	"application/json"

/* The page's query: its data, when it changes by itself, its position. */
#define PAGE_SQL	"SELECT page, next_change_ms, wal_position " \
			"FROM award_page($1, $2)"

/* A request of these pages, between its query and its answer. */
struct award_req {
	int			 json;	/* answer in JSON */
	int			 valid;	/* the path can name something */
	const char		*slug;	/* in req->path */
	size_t			 slug_len;
	const char		*ref;
	size_t			 ref_len;
	char			 slug_text[SLUG_MAX + 1]; /* for the query */
	char			 ref_text[REF_MAX + 1];
	char			 key[KEY_MAX]; /* "" when not cacheable */
	uint64_t		 gen;	/* pubcache's, before the query */
	int64_t			 started; /* pubcache_clock(), the same */
	int			 hit;
	struct pubcache_hit	 cached;
};

static const struct {
	const char	*key;		/* in the round page's data */
	const char	*id;		/* the section's HTML id */
	const char	*heading;
} award_sections[] = {
	{ "winners",			"winners",	"Winners" },
	{ "finalists",			"finalists",	"Finalists" },
	{ "honourable_mentions",	"mentions",	"Honourable mentions" },
};

#define NSECTIONS	(sizeof(award_sections) / sizeof(award_sections[0]))

/*
 * JSON when the client says it wants JSON and not HTML: a browser's
 * Accept always names text/html, an API client's names JSON alone.
 */
static int
award_wants_json(struct http_request *req)
{
	const char	*accept;

	if (!http_request_header(req, "accept", &accept))
		return (0);

	return (strcasestr(accept, "application/json") != NULL &&
	    strcasestr(accept, "text/html") == NULL);
}

static int
award_segment_ok(const char *s, size_t len, size_t max, int upper)
{
	size_t	i;

	if (len == 0 || len > max)
		return (0);
	for (i = 0; i < len; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-' || (upper && s[i] >= 'A' &&
		    s[i] <= 'Z'))
			continue;
		return (0);
	}

	return (1);
}

/*
 * The request's path read: the format, the slug and reference (segments
 * that may name something: only then is there a query, and only such
 * text reaches the database), the cache key ("h" or "j", then the path
 * without ".json"), and the cached response if there is one.
 */
static struct award_req *
award_begin(struct http_request *req, int segments)
{
	struct ctx		*ctx;
	struct award_req	*ar;
	const char		*p, *slash;
	size_t			 len;

	ctx = ctx_get(req);
	ar = kore_calloc(1, sizeof(*ar));
	ctx->arg = ar;
	ctx->arg_free = kore_free;

	len = strlen(req->path);
	ar->json = award_wants_json(req);
	if (len > strlen(JSON_SUFFIX) && strcmp(req->path + len -
	    strlen(JSON_SUFFIX), JSON_SUFFIX) == 0) {
		ar->json = 1;
		len -= strlen(JSON_SUFFIX);
	}
	if (len < strlen(AWARDS_PREFIX) ||
	    strncmp(req->path, AWARDS_PREFIX, strlen(AWARDS_PREFIX)) != 0)
		return (ar);

	p = req->path + strlen(AWARDS_PREFIX);
	len -= strlen(AWARDS_PREFIX);
	if (segments == 0) {
		ar->valid = len == 0;
	} else if (len > 0 && *p == '/') {
		p++;
		len--;
		slash = memchr(p, '/', len);
		ar->slug = p;
		ar->slug_len = slash != NULL ? (size_t)(slash - p) : len;
		if (segments == 2 && slash != NULL) {
			ar->ref = slash + 1;
			ar->ref_len = len - ar->slug_len - 1;
		}
		ar->valid = award_segment_ok(ar->slug, ar->slug_len, SLUG_MAX,
		    0) && (segments == 1 ? slash == NULL :
		    award_segment_ok(ar->ref, ar->ref_len, REF_MAX, 1));
	}
	if (!ar->valid)
		return (ar);

	(void)snprintf(ar->key, sizeof(ar->key), "%c%.*s",
	    ar->json ? 'j' : 'h', (int)(p - req->path) + (int)len, req->path);
	ar->hit = pubcache_get(ar->key, &ar->cached);
	ar->gen = pubcache_generation();
	ar->started = pubcache_clock();

	return (ar);
}

static void
award_send(struct http_request *req, const char *type, const void *body,
    size_t len)
{
	/* Browsers ask again each time; one URL has two formats. */
	http_response_header(req, "cache-control", "no-cache");
	http_response_header(req, "vary", "accept, accept-encoding");
	page_send(req, 200, type, body, len);
}

/* A kept page: compressed when the client takes gzip and it was worth it. */
static void
award_send_kept(struct http_request *req, const struct pubcache_hit *hit)
{
	const char	*ae;

	if (hit->gz != NULL && http_request_header(req, "accept-encoding",
	    &ae) && gzip_accepted(ae)) {
		http_response_header(req, "content-encoding", "gzip");
		award_send(req, hit->type, hit->gz, hit->gzlen);
		return;
	}
	award_send(req, hit->type, hit->body, hit->len);
}

static int
award_missing(struct http_request *req, struct award_req *ar)
{
	if (ar->json)
		return (step_json(req, 404, json_pack("{s:s}", "error",
		    "not found")));

	return (step_error(req, 404, NULL));
}

/*
 * When the page's data changes by itself (wall-clock milliseconds), or
 * 0: counted from before the query started, so never late.
 */
static int64_t
award_expires(struct http_request *req, struct award_req *ar)
{
	const char	*v;
	int64_t		 ms;

	if ((v = db_text(req, "next_change_ms")) == NULL)
		return (0);
	if ((ms = strtoll(v, NULL, 10)) < 1)
		ms = 1;

	return (ar->started + ms);
}

/* How far the server that answered had replayed (sql/95_awards.sql). */
static uint64_t
award_position(struct http_request *req)
{
	const char	*v;

	if ((v = db_text(req, "wal_position")) == NULL)
		return (0);

	return (strtoull(v, NULL, 10));
}

/*
 * The page's answer from its loaded data: JSON as loaded, or the
 * template with the data shape() made of it; kept in the cache unless
 * the cache moved on since the query started.
 */
static int
award_answer(struct http_request *req, const char *tmpl,
    int (*shape)(json_t *, int))
{
	struct award_req	*ar;
	json_t			*data;
	const char		*page, *type;
	char			*body;
	size_t			 len;

	ar = ctx_get(req)->arg;
	if (ar->hit) {
		award_send_kept(req, &ar->cached);
		return (STEP_DONE);
	}
	if ((page = db_text(req, "page")) == NULL ||
	    (data = json_loads(page, 0, NULL)) == NULL)
		return (award_missing(req, ar));

	if (ar->json) {
		type = TYPE_JSON;
		body = json_dumps(data, JSON_COMPACT);
	} else {
		type = TYPE_HTML;
		if (shape(data, 0) == -1) {
			json_decref(data);
			return (award_missing(req, ar));
		}
		json_object_set_new(data, "is_awards", json_true());
		body = page_html(tmpl, data, &len);
	}
	json_decref(data);
	if (body == NULL)
		fatal("awards: out of memory");
	len = strlen(body);

	if (ar->key[0] != '\0')
		pubcache_put(ar->key, ar->gen, award_position(req), type, body,
		    len, award_expires(req, ar));
	award_send(req, type, body, len);
	free(body);

	return (STEP_DONE);
}

/* Sets key to a new string, or leaves it out when s is NULL. */
static void
award_set_text(json_t *obj, const char *key, const char *s)
{
	if (s != NULL)
		json_object_set_new(obj, key, json_string(s));
}


static void
award_practice_words(json_t *practice, int preview)
{
	award_set_text(practice, "decision_words", jsonld_decision_words(
	    json_string_value(json_object_get(practice, "decision"))));
	tmpl_null_if_empty(practice, "summary");
	tmpl_null_if_empty(practice, "country_name");
	if (preview)
		json_object_set_new(practice, "preview", json_true());
}

/* The JSON-LD as the template writes it, unescaped ({{{jsonld}}}). */
static void
award_jsonld(json_t *data, json_t *ld)
{
	char	*s;

	if (ld == NULL)
		return;
	if ((s = jsonld_script(ld)) != NULL)
		json_object_set_new(data, "jsonld", json_string(s));
	free(s);
	json_decref(ld);
}

int
awards_round_shape(json_t *data, int preview)
{
	json_t		*sections, *groups, *group, *practice;
	size_t		 s, i, j, n;

	if (!json_is_object(json_object_get(data, "round")))
		return (-1);

	sections = json_array();
	for (s = 0; s < NSECTIONS; s++) {
		groups = json_object_get(data, award_sections[s].key);
		n = 0;
		json_array_foreach(groups, i, group) {
			json_array_foreach(json_object_get(group, "practices"),
			    j, practice) {
				award_practice_words(practice, preview);
				n++;
			}
		}
		if (n == 0)
			continue;
		json_array_append_new(sections, json_pack("{s:s, s:s, s:O}",
		    "id", award_sections[s].id,
		    "heading", award_sections[s].heading, "groups", groups));
	}
	json_object_set_new(data, "sections", sections);

	if (preview)
		json_object_set_new(data, "preview", json_true());
	else
		award_jsonld(data, jsonld_round_page(data, settings.base_url));

	return (0);
}

int
awards_practice_shape(json_t *data, int preview)
{
	json_t	*practice;

	practice = json_object_get(data, "practice");
	if (!json_is_object(practice) ||
	    !json_is_object(json_object_get(data, "round")))
		return (-1);
	award_practice_words(practice, preview);

	if (preview)
		json_object_set_new(data, "preview", json_true());
	else
		award_jsonld(data, jsonld_practice_page(data,
		    settings.base_url));

	return (0);
}

/* "3 winners among 9 recognised practices". */
static int
awards_index_shape(json_t *data, int preview)
{
	json_t		*rounds, *r;
	json_int_t	 w, p;
	size_t		 i;
	char		 words[96];

	(void)preview;
	rounds = json_object_get(data, "rounds");
	if (!json_is_array(rounds))
		return (-1);
	json_array_foreach(rounds, i, r) {
		w = json_integer_value(json_object_get(r, "winners"));
		p = json_integer_value(json_object_get(r, "practices"));
		(void)snprintf(words, sizeof(words), "%lld winner%s among %lld "
		    "recognised practice%s", (long long)w, w == 1 ? "" : "s",
		    (long long)p, p == 1 ? "" : "s");
		json_object_set_new(r, "counts", json_string(words));
	}
	json_object_set_new(data, "has_rounds",
	    json_boolean(json_array_size(rounds) > 0));
	award_jsonld(data, jsonld_index_page(data, "Awards of the PRECISEU "
	    "Best Practice Recognition", settings.base_url));

	return (0);
}

/*
 * The pages.
 */

/*
 * The page's query, on the public pages' database (web/db.h), unless
 * the cache had it or the path names nothing.
 */
static int
award_read(struct http_request *req, int segments)
{
	struct award_req	*ar;
	struct db_params	 p;
	const char		*values[2];

	ar = award_begin(req, segments);
	if (ar->hit || !ar->valid)
		return (STEP_NEXT);

	values[0] = NULL;
	values[1] = NULL;
	if (ar->slug != NULL) {
		(void)snprintf(ar->slug_text, sizeof(ar->slug_text), "%.*s",
		    (int)ar->slug_len, ar->slug);
		values[0] = ar->slug_text;
	}
	if (ar->ref != NULL) {
		(void)snprintf(ar->ref_text, sizeof(ar->ref_text), "%.*s",
		    (int)ar->ref_len, ar->ref);
		values[1] = ar->ref_text;
	}

	memset(&p, 0, sizeof(p));
	p.db = DB_PUBLIC;
	p.sql = PAGE_SQL;
	p.nparams = 2;
	p.values = values;

	return (step_query_params(req, &p));
}

static int
awards_read(struct http_request *req)
{
	return (award_read(req, 0));
}

static int
round_read(struct http_request *req)
{
	return (award_read(req, 1));
}

static int
practice_read(struct http_request *req)
{
	return (award_read(req, 2));
}

static int
awards_show(struct http_request *req)
{
	return (award_answer(req, "awards", awards_index_shape));
}

static int
round_show(struct http_request *req)
{
	return (award_answer(req, "award_round", awards_round_shape));
}

static int
practice_show(struct http_request *req)
{
	return (award_answer(req, "award_practice", awards_practice_shape));
}

static const step_fn awards_steps[] = { awards_read, awards_show, NULL };
static const step_fn round_steps[] = { round_read, round_show, NULL };
static const step_fn practice_steps[] = { practice_read, practice_show,
    NULL };

HANDLER(awards_page,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.steps = awards_steps,
)

HANDLER(award_round_page,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.steps = round_steps,
)

HANDLER(award_practice_page,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.steps = practice_steps,
)
