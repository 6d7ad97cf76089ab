/*
 * The admin exports of a round (SPEC §6, issue 14), admins only:
 *
 *	GET /admin/rounds/{slug}/export/applications.csv
 *		one row per application (drafts, submitted, withdrawn): its
 *		facts, every field of the application form, the submission
 *		time in the round's time zone, reviews done and due, the
 *		decision
 *	GET /admin/rounds/{slug}/export/scores.csv
 *		one row per submitted review and criterion, with the
 *		reviewer's name and the review's total (core/score.c)
 *	GET /admin/rounds/{slug}/applications/{id}/documents.zip
 *		the application's documents, opened in memory and zipped
 *		in memory: no plaintext ever touches the disk
 *
 * The CSVs are written by core/csv.c (RFC 4180, a BOM, formulas
 * neutralised). An admin conflicted with an application gets neither
 * its row nor its scores, and its ZIP is the 404 page. Each export is
 * audited (export_audit()) with how many rows it holds, before it is
 * sent. An application without documents gives an empty ZIP.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <openssl/sha.h>

#include <endian.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "core/appform.h"
#include "core/csv.h"
#include "core/filecrypt.h"
#include "core/form.h"
#include "core/score.h"
#include "core/scorejson.h"
#include "core/valid.h"
#include "panel/panel.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/handler.h"
#include "web/keys.h"
#include "web/page.h"
#include "web/work.h"

#define ROUNDS_PREFIX	"/admin/rounds/"

/* application_files.name: 255 characters, 4 bytes each at most. */
#define DOCS_NAME_MAX	1020

/* The documents a ZIP may hold, in all (plaintext bytes). */
#define DOCS_ZIP_MAX		(256LL * 1024 * 1024)
#define DOCS_ZIP_MAX_TEXT	"256 MiB"

/* The End of Central Directory record alone: a valid ZIP of no file. */
static const unsigned char docs_empty_zip[22] = { 'P', 'K', 5, 6 };

/* What an export keeps between its steps. */
struct export {
	struct csv	 csv;
	const char	*kind;		/* "applications.csv"... */
	char		 slug[PANEL_SLUG_MAX];
	char		 actor[32];
	char		 ip[CLIENT_ADDR_LEN];
	char		 app[32];	/* "" but for the ZIP */
	char		 rows[32];
	char		 filename[128];
};

static void
export_free(void *arg)
{
	struct export	*e = arg;

	csv_free(&e->csv);
	kore_free(e);
}

/* Who asks for which export, for the audit. */
static void
export_who(struct http_request *req, struct export *e, const char *kind)
{
	e->kind = kind;
	panel_round_slug(req, e->slug, sizeof(e->slug));
	(void)snprintf(e->actor, sizeof(e->actor), "%lld",
	    ctx_get(req)->user->id);
	client_addr(req, e->ip, sizeof(e->ip));
}

/* A CSV export's state in ctx. */
static struct export *
export_new(struct http_request *req, const char *kind)
{
	struct ctx	*ctx;
	struct export	*e;

	ctx = ctx_get(req);
	e = kore_calloc(1, sizeof(*e));
	ctx->arg = e;
	ctx->arg_free = export_free;
	export_who(req, e, kind);
	(void)snprintf(e->filename, sizeof(e->filename), "round-%s-%s",
	    e->slug, kind);

	return (e);
}

/* A step: the audit entry, once the rows are counted. */
static int
export_audit(struct http_request *req, struct export *e, size_t rows)
{
	const char	*params[6];

	(void)snprintf(e->rows, sizeof(e->rows), "%zu", rows);
	params[0] = e->slug;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = e->kind;
	params[4] = e->app[0] != '\0' ? e->app : NULL;
	params[5] = e->rows;

	return (step_query(req, "SELECT export_audit($1, $2, $3, $4, $5, $6)",
	    6, params));
}

/* Whether the audit was written: nothing leaves without it. */
static int
export_audited(struct http_request *req)
{
	return (db_rows(req) == 1 && strcmp(db_value(req, 0, 0),
	    "recorded") == 0);
}

static void
export_attachment(struct http_request *req, struct export *e)
{
	char	disp[192];

	/* The slug and reference are [A-Za-z0-9-]: safe in a header. */
	(void)snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
	    e->filename);
	http_response_header(req, "content-disposition", disp);
	http_response_header(req, "cache-control", "no-store");
}

/* The last step of both CSVs. */
static int
export_csv_send(struct http_request *req)
{
	struct export	*e = ctx_get(req)->arg;

	if (!export_audited(req))
		return (step_error(req, 404, NULL));
	export_attachment(req, e);
	page_send(req, 200, "text/csv; charset=utf-8", e->csv.buf,
	    e->csv.len);

	return (STEP_DONE);
}

static const char *
export_applications_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("export_applications_data($2, s.user_id) AS export");
}

static const char *
export_scores_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("export_scores_data($2, s.user_id) AS export");
}

/* The page's data, parsed; NULL when the round is not there for them. */
static json_t *
export_data(struct http_request *req)
{
	const char	*v;

	if ((v = handler_loaded(req, "export")) == NULL)
		return (NULL);
	return (json_loads(v, 0, NULL));
}

/*
 * The applications CSV.
 */

/* Whether the form's field has a column of its own. */
static int
export_field_column(const struct appform_field *f)
{
	/* Partners are one cell; these four come first with the facts. */
	return (!f->repeat && strcmp(f->name, "title") != 0 &&
	    strcmp(f->name, "category") != 0 &&
	    strcmp(f->name, "country") != 0 &&
	    strcmp(f->name, "organisation_type") != 0);
}

static void
export_applications_header(struct csv *c, const char *tz)
{
	const struct appform_field	*f;
	char				 submitted[96];

	csv_cell(c, "reference");
	csv_cell(c, "state");
	csv_cell(c, "category");
	csv_cell(c, "country");
	csv_cell(c, "organisation_type");
	csv_cell(c, "title");
	for (f = appform_fields; f->name != NULL; f++) {
		if (export_field_column(f))
			csv_cell(c, f->name);
		else if (f->repeat && strcmp(f->name, "partner_name") == 0)
			csv_cell(c, "partners");
	}
	(void)snprintf(submitted, sizeof(submitted), "submitted_at (%s)",
	    tz != NULL ? tz : "");
	csv_cell(c, submitted);
	csv_cell(c, "reviews_done");
	csv_cell(c, "reviews_due");
	csv_cell(c, "decision");
	csv_row_end(c);
}

/* "Name (AT, role); Other (BE, role)": the partners in one cell. */
static void
export_partners(struct csv *c, json_t *partners)
{
	struct kore_buf	 buf;
	json_t		*p;
	size_t		 i;
	const char	*s;

	kore_buf_init(&buf, 256);
	json_array_foreach(partners, i, p) {
		if (i > 0)
			kore_buf_appendf(&buf, "; ");
		s = json_string_value(json_object_get(p, "name"));
		kore_buf_appendf(&buf, "%s (", s != NULL ? s : "");
		s = json_string_value(json_object_get(p, "country"));
		kore_buf_appendf(&buf, "%s, ", s != NULL ? s : "");
		s = json_string_value(json_object_get(p, "role"));
		kore_buf_appendf(&buf, "%s)", s != NULL ? s : "");
	}
	csv_cell(c, kore_buf_stringify(&buf, NULL));
	kore_buf_cleanup(&buf);
}

static void
export_count(struct csv *c, json_t *n)
{
	char	v[32];

	(void)snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(n));
	csv_cell(c, v);
}

static void
export_application(struct csv *c, json_t *a)
{
	const struct appform_field	*f;
	json_t				*content;

	content = json_object_get(a, "content");
	csv_cell(c, json_string_value(json_object_get(a, "reference")));
	csv_cell(c, json_string_value(json_object_get(a, "state")));
	csv_cell(c, json_string_value(json_object_get(a, "category")));
	csv_cell(c, json_string_value(json_object_get(content, "country")));
	csv_cell(c, json_string_value(json_object_get(content,
	    "organisation_type")));
	csv_cell(c, json_string_value(json_object_get(a, "title")));
	for (f = appform_fields; f->name != NULL; f++) {
		if (export_field_column(f))
			csv_cell(c, json_string_value(json_object_get(content,
			    f->name)));
		else if (f->repeat && strcmp(f->name, "partner_name") == 0)
			export_partners(c, json_object_get(content,
			    "partners"));
	}
	csv_cell(c, json_string_value(json_object_get(a, "submitted")));
	export_count(c, json_object_get(a, "done"));
	export_count(c, json_object_get(a, "due"));
	csv_cell(c, json_string_value(json_object_get(a, "decision")));
	csv_row_end(c);
}

static int
export_applications_make(struct http_request *req)
{
	struct export	*e;
	json_t		*data, *apps, *a;
	size_t		 i;

	if ((data = export_data(req)) == NULL)
		return (step_error(req, 404, NULL));
	e = export_new(req, "applications.csv");
	csv_init(&e->csv);
	export_applications_header(&e->csv, json_string_value(json_object_get(
	    json_object_get(data, "round"), "timezone")));
	apps = json_object_get(data, "applications");
	json_array_foreach(apps, i, a)
		export_application(&e->csv, a);
	json_decref(data);

	/* The rows but the header. */
	return (export_audit(req, e, e->csv.rows - 1));
}

static const step_fn export_applications_steps[] = {
    export_applications_make, export_csv_send, NULL };

HANDLER(export_applications,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.load = export_applications_load,
	.steps = export_applications_steps,
)

/*
 * The scores CSV.
 */

/* A review's rows, one per criterion of the rubric. */
static void
export_review(struct csv *c, const struct scorejson_rubric *sr,
    json_t *rubric, json_t *rv)
{
	struct score_review	 sc;
	json_t			*halves, *crit;
	char			 total[16], score[16], weight[32];
	size_t			 i;

	halves = json_object_get(rv, "halves");
	score_review_init(&sc);
	for (i = 0; i < sr->r.n; i++)
		sc.halves[i] = scorejson_halves(json_object_get(halves,
		    sr->crit[i].code));
	/* core/score.c's total, the one every page shows. */
	score_total_format(score_review_total(&sr->r, &sc), total,
	    sizeof(total));

	json_array_foreach(rubric, i, crit) {
		if (i >= sr->r.n)
			break;
		score[0] = '\0';
		if (sc.halves[i] != SCORE_NONE)
			(void)snprintf(score, sizeof(score), "%d%s",
			    sc.halves[i] / 2, sc.halves[i] % 2 ? ".5" : "");
		(void)snprintf(weight, sizeof(weight), "%g",
		    json_number_value(json_object_get(crit, "weight")));
		csv_cell(c, json_string_value(json_object_get(rv,
		    "reference")));
		csv_cell(c, json_string_value(json_object_get(rv,
		    "reviewer")));
		csv_cell(c, sr->crit[i].code);
		csv_cell(c, score);
		csv_cell(c, weight);
		csv_cell(c, total);
		csv_row_end(c);
	}
}

static int
export_scores_make(struct http_request *req)
{
	struct export		*e;
	struct scorejson_rubric	 sr;
	json_t			*data, *rubric, *rv;
	size_t			 i;

	if ((data = export_data(req)) == NULL)
		return (step_error(req, 404, NULL));
	e = export_new(req, "scores.csv");
	csv_init(&e->csv);
	csv_cell(&e->csv, "reference");
	csv_cell(&e->csv, "reviewer");
	csv_cell(&e->csv, "criterion");
	csv_cell(&e->csv, "score");
	csv_cell(&e->csv, "weight");
	csv_cell(&e->csv, "review_total");
	csv_row_end(&e->csv);

	rubric = json_object_get(data, "rubric");
	if (scorejson_rubric(rubric, &sr) == -1) {
		/* Without a rubric to compute with, there are no rows. */
		json_decref(data);
		return (export_audit(req, e, 0));
	}
	json_array_foreach(json_object_get(data, "reviews"), i, rv)
		export_review(&e->csv, &sr, rubric, rv);
	json_decref(data);

	return (export_audit(req, e, e->csv.rows - 1));
}

static const step_fn export_scores_steps[] = { export_scores_make,
    export_csv_send, NULL };

HANDLER(export_scores,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.load = export_scores_load,
	.steps = export_scores_steps,
)

/*
 * The documents ZIP.
 */

/* A document of the ZIP, from its row to its plaintext. */
struct docs_file {
	long long		 fid;
	char			 name[DOCS_NAME_MAX + 16];
	char			 sha256[65];
	char			 bound[FILECRYPT_BIND_MAX];
	const struct keyring_key *key;
	const unsigned char	*sealed;	/* the query's result's */
	size_t			 sealed_len;
	unsigned char		*plain;
	size_t			 plain_len;
};

struct docs_export {
	struct export		 e;	/* who, for the audit */
	long long		 app;
	struct docs_file	*docs;
	size_t			 ndocs;
	unsigned char		*zip;
	size_t			 zip_len;
	long long		 bad;	/* which did not open */
	struct db_params	 q;
	const char		*params[3];
};

static void
docs_plain_free(struct docs_file *d)
{
	if (d->plain == NULL)
		return;
	sodium_memzero(d->plain, d->plain_len);
	free(d->plain);
	d->plain = NULL;
}

static void
docs_export_free(void *arg)
{
	struct docs_export	*z = arg;
	size_t			 i;

	for (i = 0; i < z->ndocs; i++)
		docs_plain_free(&z->docs[i]);
	kore_free(z->docs);
	if (z->zip != NULL) {
		sodium_memzero(z->zip, z->zip_len);
		free(z->zip);
	}
	csv_free(&z->e.csv);
	kore_free(z);
}

static long long
docs_app_id(struct http_request *req)
{
	const char	*p;

	if (strncmp(req->path, ROUNDS_PREFIX, strlen(ROUNDS_PREFIX)) != 0)
		return (0);
	p = req->path + strlen(ROUNDS_PREFIX);
	p += strcspn(p, "/");

	return (valid_path_id(p, "/applications/", NULL));
}

static const char *
docs_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	load_param_id(lp, docs_app_id(req));

	return ("export_documents_app($2, $3, s.user_id) AS export");
}

static int
docs_list(struct http_request *req)
{
	struct ctx		*ctx;
	struct docs_export	*z;
	json_t			*data;
	const char		*ref;

	if ((data = export_data(req)) == NULL)
		return (step_error(req, 404, NULL));
	/*
	 * Sealed, opened and zipped, the documents are in memory three
	 * times over while the ZIP is made: a worker is not to hold more.
	 */
	if (json_integer_value(json_object_get(data, "bytes")) >
	    DOCS_ZIP_MAX) {
		json_decref(data);
		return (step_error(req, 413, "These documents are too large "
		    "to be zipped together (more than " DOCS_ZIP_MAX_TEXT "): "
		    "download them one by one from the application's page."));
	}
	ctx = ctx_get(req);
	z = kore_calloc(1, sizeof(*z));
	ctx->arg = z;
	ctx->arg_free = docs_export_free;
	export_who(req, &z->e, "documents.zip");
	z->app = json_integer_value(json_object_get(data, "id"));
	(void)snprintf(z->e.app, sizeof(z->e.app), "%lld", z->app);
	ref = json_string_value(json_object_get(data, "reference"));
	/* A reference is BPR-YYYY-NNNN; a draft has none: its id. */
	(void)snprintf(z->e.filename, sizeof(z->e.filename),
	    "application-%s-documents.zip", ref != NULL ? ref : z->e.app);
	json_decref(data);

	memset(&z->q, 0, sizeof(z->q));
	z->q.sql = "SELECT id, name, key_id, sha256, sealed FROM "
	    "export_documents($1, $2, $3)";
	z->q.nparams = 3;
	z->params[0] = z->e.slug;
	z->params[1] = z->e.app;
	z->params[2] = z->e.actor;
	z->q.values = z->params;
	/* Binary: the sealed bytes as they are, text as its bytes. */
	z->q.result_binary = 1;

	return (step_query_params(req, &z->q));
}

/* A text column of a binary result, NUL-terminated into buf. */
static char *
docs_column(PGresult *res, int row, int col, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%.*s", PQgetlength(res, row, col),
	    PQgetvalue(res, row, col));
	return (buf);
}

/*
 * Its name in the ZIP (name, which the caller may change): as uploaded,
 * "name (2).pdf" for a second one of the same name.
 */
static void
docs_name(struct docs_export *z, size_t n, char *name)
{
	struct docs_file	*d = &z->docs[n];
	const char		*dot;
	size_t			 i, k, stem;
	int			 taken;

	/* Never a path: an entry is a file at the archive's top. */
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] == '/' || name[i] == '\\')
			name[i] = '_';
	(void)snprintf(d->name, sizeof(d->name), "%s", name);
	if ((dot = strrchr(name, '.')) == NULL || dot == name)
		dot = name + strlen(name);
	stem = (size_t)(dot - name);
	for (k = 2;; k++) {
		for (taken = 0, i = 0; i < n && !taken; i++)
			taken = strcmp(z->docs[i].name, d->name) == 0;
		if (!taken)
			return;
		(void)snprintf(d->name, sizeof(d->name), "%.*s (%zu)%s",
		    (int)stem, name, k, dot);
	}
}

/*
 * The ZIP of the opened documents, built in memory (libzip's buffer
 * source: no temporary file) into z->zip; -1 when libzip fails.
 */
static int
docs_write(struct docs_export *z)
{
	zip_error_t	 err;
	zip_source_t	*src, *doc;
	zip_t		*za;
	zip_stat_t	 st;
	zip_int64_t	 idx;
	size_t		 i;

	if (z->ndocs == 0) {
		/* libzip writes nothing for an archive without a file. */
		if ((z->zip = malloc(sizeof(docs_empty_zip))) == NULL)
			abort();
		memcpy(z->zip, docs_empty_zip, sizeof(docs_empty_zip));
		z->zip_len = sizeof(docs_empty_zip);
		return (0);
	}
	zip_error_init(&err);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &err)) == NULL)
		return (-1);
	if ((za = zip_open_from_source(src, ZIP_TRUNCATE, &err)) == NULL) {
		zip_source_free(src);
		return (-1);
	}
	/* Kept after zip_close(), to read the archive back. */
	zip_source_keep(src);
	for (i = 0; i < z->ndocs; i++) {
		if ((doc = zip_source_buffer(za, z->docs[i].plain,
		    z->docs[i].plain_len, 0)) == NULL)
			goto fail;
		if ((idx = zip_file_add(za, z->docs[i].name, doc,
		    ZIP_FL_ENC_UTF_8)) < 0) {
			zip_source_free(doc);
			goto fail;
		}
		/* PDFs are compressed already: stored, not deflated. */
		(void)zip_set_file_compression(za, (zip_uint64_t)idx,
		    ZIP_CM_STORE, 0);
	}
	if (zip_close(za) == -1)
		goto fail;
	za = NULL;

	if (zip_source_stat(src, &st) == -1 || zip_source_open(src) == -1)
		goto fail;
	if ((z->zip = malloc(st.size == 0 ? 1 : st.size)) == NULL)
		abort();
	z->zip_len = st.size;
	if (zip_source_read(src, z->zip, st.size) != (zip_int64_t)st.size) {
		(void)zip_source_close(src);
		goto fail;
	}
	(void)zip_source_close(src);
	zip_source_free(src);

	return (0);

fail:
	if (za != NULL)
		zip_discard(za);
	zip_source_free(src);
	return (-1);
}

/* On a task thread: each document opened and checked, then the ZIP. */
static int
docs_build(void *arg)
{
	struct docs_export	*z = arg;
	struct docs_file	*d;
	unsigned char		 digest[SHA256_DIGEST_LENGTH];
	char			 hex[65];
	size_t			 i;

	for (i = 0; i < z->ndocs; i++) {
		d = &z->docs[i];
		d->plain = filecrypt_open_bound(d->key->key, d->bound,
		    d->sealed, d->sealed_len, &d->plain_len);
		if (d->plain == NULL) {
			z->bad = d->fid;
			return (-1);
		}
		/* The one recorded for its row, as web/document.c checks. */
		SHA256(d->plain, d->plain_len, digest);
		sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
		if (sodium_memcmp(hex, d->sha256, sizeof(hex) - 1) != 0) {
			z->bad = d->fid;
			return (-1);
		}
	}

	return (docs_write(z));
}

/* The documents' rows, for the task to open. */
static int
docs_open(struct http_request *req)
{
	struct docs_export	*z = ctx_get(req)->arg;
	struct docs_file		*d;
	PGresult		*res;
	char			 keyid[FILECRYPT_KEYID_LEN + 1];
	char			 name[DOCS_NAME_MAX + 1];
	uint64_t		 id;
	int			 row;

	if ((res = db_result(req)) == NULL)
		return (step_error(req, 500, NULL));
	z->ndocs = (size_t)PQntuples(res);
	z->docs = kore_calloc(z->ndocs == 0 ? 1 : z->ndocs, sizeof(*z->docs));
	for (row = 0; row < PQntuples(res); row++) {
		d = &z->docs[row];
		/* Binary results: the id is 8 bytes, big-endian. */
		memcpy(&id, PQgetvalue(res, row, 0), sizeof(id));
		d->fid = (long long)be64toh(id);
		docs_name(z, (size_t)row, docs_column(res, row, 1, name,
		    sizeof(name)));
		(void)docs_column(res, row, 2, keyid, sizeof(keyid));
		(void)docs_column(res, row, 3, d->sha256, sizeof(d->sha256));
		d->sealed = (const unsigned char *)PQgetvalue(res, row, 4);
		d->sealed_len = (size_t)PQgetlength(res, row, 4);
		if ((d->key = keys_find(keyid)) == NULL) {
			kore_log(LOG_ERR, "exports: document %lld is sealed "
			    "with key %s, which this instance does not have "
			    "(LAUREL_KEY_FILES_OLD)", d->fid, keyid);
			return (step_error(req, 503, "These documents cannot "
			    "be opened right now. The organisers have been "
			    "told."));
		}
		if (filecrypt_bind(d->bound, sizeof(d->bound), z->app,
		    d->fid) == -1)
			return (step_error(req, 500, NULL));
	}

	return (step_work(req, docs_build, z));
}

static int
docs_built(struct http_request *req)
{
	struct docs_export	*z = ctx_get(req)->arg;
	size_t			 i;

	if (work_result(req) != 0) {
		if (z->bad != 0)
			kore_log(LOG_ERR, "exports: document %lld failed to "
			    "open or is not the one recorded: its stored "
			    "bytes were changed or damaged", z->bad);
		else
			kore_log(LOG_ERR, "exports: the ZIP of application "
			    "%lld could not be built", z->app);
		return (step_error(req, 500, "These documents cannot be "
		    "given out: one of them is damaged. The organisers have "
		    "been told."));
	}
	/* The ZIP holds them now: their plaintext goes at once. */
	for (i = 0; i < z->ndocs; i++)
		docs_plain_free(&z->docs[i]);

	return (export_audit(req, &z->e, z->ndocs));
}

static int
docs_send(struct http_request *req)
{
	struct docs_export	*z = ctx_get(req)->arg;

	if (!export_audited(req))
		return (step_error(req, 404, NULL));
	export_attachment(req, &z->e);
	page_send_owned(req, 200, "application/zip", z->zip, z->zip_len,
	    page_release_wipe);
	z->zip = NULL;
	z->zip_len = 0;

	return (STEP_DONE);
}

static const step_fn docs_steps[] = { docs_list, docs_open, docs_built,
    docs_send, NULL };

HANDLER(export_documents,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.load = docs_load,
	.steps = docs_steps,
)
