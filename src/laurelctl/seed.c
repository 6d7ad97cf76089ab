/*
 * laurelctl seed bench: the data set of SPEC §8 that `make bench`
 * measures the panel's pages on. One round, slug "bench", in review; 2,000
 * submitted applications, each of its own applicant; 150 reviewers on its
 * panel; 20,000 users in all; and 2 % of the application-reviewer pairs
 * conflicted through the reviewers' organisations.
 *
 * Everything is one transaction of INSERT ... SELECT over generate_series:
 * seconds, not the minutes that 2,000 submits through the pages would
 * take. A second run is refused rather than piled on the first. Nobody
 * can sign in as a seeded user (the password hash is no hash at all): the
 * bench signs its users in by writing their sessions itself.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "laurelctl/laurelctl.h"

/* The sizes of SPEC §8, as SQL text. */
#define SEED_USERS		"20000"
#define SEED_APPS		"2000"
#define SEED_REVIEWERS		"150"
#define SEED_ORGS_EACH		"40"	/* conflicts per reviewer: 2 % */
#define SEED_PAIRS		(2000.0 * 150.0)

#define SEED_INT8OID		20

struct seed_step {
	const char	*what;
	const char	*sql;
};

static int	seed_usage(void);
static int	seed_exec(PGconn *, const char *, const char *,
		    const char *, PGresult **);
static int	seed_round(PGconn *, char *, size_t);
static int	seed_bench(PGconn *, char *, size_t);

/*
 * $1 is the new round. Users are applicant-N, reviewer-N and user-N at
 * bench.example, so that the bench finds them by address.
 */
static const struct seed_step	seed_steps[] = {
	/* 'x' is no Argon2id string: no password opens these accounts. */
	{ "users", "INSERT INTO users (email, display_name, password_hash, "
	    "verified_at) "
	    "SELECT u.kind || '-' || u.n || '@bench.example', "
	    "initcap(u.kind) || ' ' || u.n, 'x', now() FROM ("
	    "SELECT 'applicant' AS kind, n FROM generate_series(1, "
	    SEED_APPS ") n UNION ALL "
	    "SELECT 'reviewer', n FROM generate_series(1, " SEED_REVIEWERS
	    ") n UNION ALL "
	    "SELECT 'user', n FROM generate_series(1, " SEED_USERS " - "
	    SEED_APPS " - " SEED_REVIEWERS ") n) u" },

	/*
	 * Application N's content, all the form's fields filled in, kept
	 * aside to derive its version, receipt and keys from. Categories
	 * and countries are the round's own, in turn.
	 */
	{ "contents", "CREATE TEMP TABLE seed_apps (n integer PRIMARY KEY, "
	    "id bigint, content jsonb NOT NULL, at timestamptz NOT NULL) "
	    "ON COMMIT DROP" },
	{ "contents", "INSERT INTO seed_apps (n, content, at) "
	    "SELECT n, jsonb_build_object("
	    "'title', 'Bench practice ' || n, "
	    "'category', c.cats[n % cardinality(c.cats) + 1], "
	    "'organisation_name', 'Organisation ' || n, "
	    "'country', k.codes[n % cardinality(k.codes) + 1], "
	    "'organisation_type', 'hospital', "
	    "'contact_name', 'Contact ' || n, "
	    "'contact_email', 'contact@org' || n || '.example', "
	    "'summary', repeat('A federated registry that shortens the time "
	    "to treatment. ', 20), "
	    "'problem', 'Fragmented data.', "
	    "'approach', 'A federated registry.', "
	    "'stage', 'routine', "
	    "'reach', '12,000 patients a year', "
	    "'data_sources', 'EHR extracts.', "
	    "'legal_basis', 'GDPR Art. 6(1)(e) and 9(2)(j).', "
	    "'consent_transparency', 'Public register.', "
	    "'minimisation', 'Pseudonymised at source.', "
	    "'security_access', 'Secure processing environment.', "
	    "'public_involvement', 'Patient board.', "
	    "'fairness_bias', 'Subgroup analysis.', "
	    "'fair_reuse', 'OMOP and FHIR.', "
	    "'outcomes', 'Shorter time to treatment.', "
	    "'transferability', 'Two other regions.', "
	    "'declare_accurate', 'yes', 'declare_privacy', 'yes', "
	    "'declare_publish', 'yes', "
	    "'partners', jsonb_build_array(jsonb_build_object("
	    "'name', 'Partner ' || n, "
	    "'country', k.codes[(n + 1) % cardinality(k.codes) + 1], "
	    "'role', 'Data partner'))), "
	    "r.closes_at - make_interval(mins => n) "
	    "FROM generate_series(1, " SEED_APPS ") n, rounds r, "
	    "(SELECT array_agg(code ORDER BY position) AS cats "
	    "FROM round_categories WHERE round_id = $1) c, "
	    "(SELECT array_agg(code ORDER BY code) AS codes "
	    "FROM round_countries WHERE round_id = $1) k "
	    "WHERE r.id = $1" },

	/*
	 * Submitted, as application_receipt() leaves them: the fingerprint
	 * of the content (no documents). The references are the bench's
	 * own series, apart from the yearly counters of real submits.
	 */
	{ "applications", "WITH made AS (INSERT INTO applications (round_id, "
	    "owner_id, state, version, reference, fingerprint, submitted_at, "
	    "created_at, updated_at, title, category, country) "
	    "SELECT $1, u.id, 'submitted', 1, 'BPR-BENCH-' || "
	    "lpad(s.n::text, greatest(4, length(s.n::text)), '0'), "
	    "encode(sha256(convert_to(application_canonical(s.content, "
	    "'{}'), 'UTF8')), 'hex'), s.at, s.at - interval '1 day', s.at, "
	    "s.content ->> 'title', s.content ->> 'category', "
	    "s.content ->> 'country' "
	    "FROM seed_apps s JOIN users u "
	    "ON u.email = ('applicant-' || s.n || '@bench.example')::citext "
	    "ORDER BY s.n RETURNING id, owner_id) "
	    "UPDATE seed_apps s SET id = made.id FROM made JOIN users u "
	    "ON u.id = made.owner_id "
	    "WHERE u.email = ('applicant-' || s.n || "
	    "'@bench.example')::citext" },
	{ "versions", "INSERT INTO application_versions (application_id, "
	    "version, content, kind, created_at) "
	    "SELECT id, 1, content, 'submit', at FROM seed_apps ORDER BY n" },
	{ "receipts", "INSERT INTO application_receipts (application_id, at, "
	    "version, reference, fingerprint, files) "
	    "SELECT a.id, a.submitted_at, 1, a.reference, a.fingerprint, '[]' "
	    "FROM seed_apps s JOIN applications a ON a.id = s.id" },

	/*
	 * The keys application_save() would store. These names are ASCII
	 * letters and digits with single spaces, no dot and no legal form,
	 * so conflict_org_key() makes "org:" and the name in lower case of
	 * them; orgN.example is no webmail domain, and conflict_domain_key()
	 * makes "dom:orgN.example".
	 */
	{ "keys", "INSERT INTO application_keys (application_id, kind, name, "
	    "key) "
	    "SELECT s.id, k.kind, k.name, k.key FROM seed_apps s, LATERAL ("
	    "VALUES ('organisation', 'Organisation ' || s.n, "
	    "'org:organisation ' || s.n), "
	    "('partner', 'Partner ' || s.n, 'org:partner ' || s.n), "
	    "('domain', 'org' || s.n || '.example', "
	    "'dom:org' || s.n || '.example')) AS k(kind, name, key)" },

	/* Caps: none, or 60 for a third; one or two fields each. */
	{ "reviewers", "INSERT INTO panel_members (round_id, user_id, cap, "
	    "expertise) "
	    "SELECT $1, u.id, CASE WHEN n % 3 = 0 THEN 60 END, "
	    "CASE WHEN n % 2 = 0 THEN ARRAY[c.cats[n % cardinality(c.cats) "
	    "+ 1], c.cats[(n + 1) % cardinality(c.cats) + 1]] "
	    "ELSE ARRAY[c.cats[n % cardinality(c.cats) + 1]] END "
	    "FROM generate_series(1, " SEED_REVIEWERS ") n JOIN users u "
	    "ON u.email = ('reviewer-' || n || '@bench.example')::citext, "
	    "(SELECT array_agg(code ORDER BY position) AS cats "
	    "FROM round_categories WHERE round_id = $1) c" },

	/*
	 * Reviewer N works at the organisations of 40 applications spread
	 * over the round by a fixed formula: the same conflicts every run.
	 * 104729 is prime to 2000, so the 40 are distinct; the keys are
	 * copied from the applications', so they match by construction.
	 */
	{ "affiliations", "INSERT INTO affiliations (user_id, kind, name, "
	    "key) "
	    "SELECT u.id, 'organisation', k.name, k.key "
	    "FROM generate_series(1, " SEED_REVIEWERS ") r JOIN users u "
	    "ON u.email = ('reviewer-' || r || '@bench.example')::citext "
	    "CROSS JOIN generate_series(1, " SEED_ORGS_EACH ") i "
	    "JOIN seed_apps s ON s.n = (r * 7919 + i * 104729) % " SEED_APPS
	    " + 1 "
	    "JOIN application_keys k ON k.application_id = s.id "
	    "AND k.kind = 'organisation' ORDER BY u.id, i" },

	{ "audit", "SELECT audit_log(NULL, 'seed.bench', 'round:' || $1, '', "
	    "NULL, jsonb_build_object('users', " SEED_USERS ", "
	    "'applications', " SEED_APPS ", 'reviewers', " SEED_REVIEWERS
	    "))" },
	{ NULL, NULL }
};

/* What the seed made, in one query: the line it ends with. */
static const char	seed_counts[] =
    "SELECT (SELECT count(*) FROM users WHERE email LIKE '%@bench.example'), "
    "(SELECT count(*) FROM applications WHERE round_id = $1 "
    "AND state = 'submitted'), "
    "(SELECT count(*) FROM panel_members WHERE round_id = $1 "
    "AND removed_at IS NULL), "
    "(SELECT count(*) FROM (SELECT DISTINCT application_id, user_id "
    "FROM round_conflicts($1)) c)";

/*
 * Through round_save() as the operator (no actor), as `make run` makes
 * its demo round: the default rubric, the default countries and the
 * audit entry come with it. Opened 60 days ago, closed yesterday: in
 * review, with reviews due in 30 days.
 */
static const char	seed_round_sql[] =
    "SELECT outcome, coalesce(detail, '') FROM round_save(NULL, NULL, '', "
    "'Bench round', 'bench', "
    "'The data set of make bench (laurelctl seed bench).', "
    "'[{\"code\": \"IMPACT\"}, {\"code\": \"INNOVATION\"}, "
    "{\"code\": \"EXCELLENCE\"}, {\"code\": \"CULTURE\"}]', "
    "ARRAY(SELECT code FROM countries WHERE default_eligible "
    "ORDER BY code), 'Europe/Brussels', "
    "to_char((now() - interval '60 days') AT TIME ZONE 'Europe/Brussels', "
    "'YYYY-MM-DD\"T\"HH24:MI'), "
    "to_char((now() - interval '1 day') AT TIME ZONE 'Europe/Brussels', "
    "'YYYY-MM-DD\"T\"HH24:MI'), "
    "to_char((now() + interval '30 days') AT TIME ZONE 'Europe/Brussels', "
    "'YYYY-MM-DD\"T\"HH24:MI'), '', false, 3, 5, 20)";

static int
seed_usage(void)
{
	fprintf(stderr, "usage: laurelctl seed bench\n");
	return (2);
}

/*
 * One statement with the round as $1; 0 (its result into resp, if not
 * NULL), or -1 after saying why.
 */
static int
seed_exec(PGconn *conn, const char *what, const char *sql,
    const char *round, PGresult **resp)
{
	PGresult	*res;
	const Oid	 types[1] = { SEED_INT8OID };
	const char	*params[1];

	params[0] = round;
	res = PQexecParams(conn, sql, 1, types, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "laurelctl: seed bench: %s: %s", what,
		    PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	if (resp != NULL)
		*resp = res;
	else
		PQclear(res);

	return (0);
}

/*
 * The round, through round_save(), whose unique slug is the one check
 * that a second run cannot slip past: its id into id; 0, 1 when the slug
 * is taken, -1 after saying why.
 */
static int
seed_round(PGconn *conn, char *id, size_t idlen)
{
	PGresult	*res;
	int		 rc;

	res = PQexec(conn, seed_round_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "laurelctl: seed bench: round: %s",
		    PQresultErrorMessage(res));
		rc = -1;
	} else if (strcmp(PQgetvalue(res, 0, 0), "invalid") == 0 &&
	    strcmp(PQgetvalue(res, 0, 1), "slug") == 0) {
		rc = 1;
	} else if (strcmp(PQgetvalue(res, 0, 0), "saved") != 0) {
		fprintf(stderr, "laurelctl: seed bench: round_save answered "
		    "%s %s\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		rc = -1;
	} else
		rc = 0;
	PQclear(res);
	if (rc != 0)
		return (rc);

	/* Apart: round_save()'s own statement cannot see what it made. */
	res = PQexec(conn, "SELECT id FROM rounds WHERE slug = 'bench'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "laurelctl: seed bench: round: %s",
		    PQresultErrorMessage(res));
		rc = -1;
	} else
		(void)snprintf(id, idlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);

	return (rc);
}

/*
 * The whole seed, inside the caller's transaction, and what it made as
 * one line into line: 0, 1 when refused, -1 after saying why.
 */
static int
seed_bench(PGconn *conn, char *line, size_t linelen)
{
	PGresult	*res;
	char		 round[32];
	int		 i, rc;

	if ((rc = seed_round(conn, round, sizeof(round))) != 0)
		return (rc);
	for (i = 0; seed_steps[i].what != NULL; i++) {
		if (seed_exec(conn, seed_steps[i].what, seed_steps[i].sql,
		    round, NULL) == -1)
			return (-1);
	}

	if (seed_exec(conn, "counts", seed_counts, round, &res) == -1)
		return (-1);
	(void)snprintf(line, linelen, "seeded round bench: %s users, %s "
	    "submitted applications, %s reviewers, %s conflicted pairs "
	    "(%.1f %%)", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
	    strtod(PQgetvalue(res, 0, 3), NULL) * 100.0 / SEED_PAIRS);
	PQclear(res);

	return (0);
}

int
ctl_seed(int argc, char **argv)
{
	PGconn		*conn;
	PGresult	*res;
	struct timespec	 t0, t1;
	char		 line[256];
	int		 rc;

	if (argc != 2 || strcmp(argv[1], "bench") != 0)
		return (seed_usage());
	if ((conn = ctl_connect()) == NULL)
		return (1);

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	PQclear(PQexec(conn, "BEGIN"));
	rc = seed_bench(conn, line, sizeof(line));
	res = PQexec(conn, rc == 0 ? "COMMIT" : "ROLLBACK");
	if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "laurelctl: seed bench: %s",
		    PQresultErrorMessage(res));
		rc = -1;
	}
	PQclear(res);

	if (rc == 0) {
		/*
		 * The bench measures at once: give the planner the sizes
		 * autovacuum would give it a minute later.
		 */
		PQclear(PQexec(conn, "ANALYZE users, applications, "
		    "application_versions, application_keys, panel_members, "
		    "affiliations"));
		(void)clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%s, in %.1f s\n", line, (double)(t1.tv_sec -
		    t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	} else if (rc == 1)
		fprintf(stderr, "laurelctl: seed bench: a round with the slug "
		    "'bench' exists already; nothing was changed\n");
	else
		fprintf(stderr, "laurelctl: seed bench: nothing was changed\n");
	PQfinish(conn);

	return (rc == 0 ? 0 : 1);
}
