// make bench: wrk on loopback against a real instance (its own cluster
// and Kore, or BENCH_URL). For each scenario: requests/s, p50, p99 and
// the ratio to /healthz measured in the same run. Targets live in
// SPEC.md §8; nothing here passes or fails on timing.
//
// With its own instance it also seeds applicants (users and sessions
// straight in SQL, as tests/http/applications/surge.test.mjs does) and measures the
// signed-in pages and the upload of a 10 MiB PDF; then the panel at the
// size of SPEC §8 (`laurelctl seed bench`): the automatic assignment and
// the reviewer's list. With BENCH_URL those are skipped: they need the
// database.
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { Cluster, ROOT, startApp, tempDir } from '../lib/harness.mjs';
import { openRound, fullForm, pdf, seedApplicants, seedToken } from '../lib/apply.mjs';

const DURATION = process.env.BENCH_SECONDS || '8';
const CONNECTIONS = process.env.BENCH_CONNECTIONS || '64';
const THREADS = process.env.BENCH_THREADS || '2';
// Uploads: how many one after another, and how many streams at once
// (each of UPLOADS_EACH uploads, on its own applicant and application).
const UPLOADS_SEQ = Number(process.env.BENCH_UPLOADS || 30);
const UPLOAD_STREAMS = Number(process.env.BENCH_UPLOAD_STREAMS || 4);
const UPLOADS_EACH = Number(process.env.BENCH_UPLOADS_EACH || 10);
const RANKING_RUNS = Number(process.env.BENCH_RANKING_RUNS || 25);
const UPLOAD_BYTES = 10 * 1024 * 1024;

// Applicants with a session each: one per wrk connection, so no two
// requests in flight touch the same sessions row (session_touch updates
// it on every request, as a real user's clicks do).
const APPLICANTS = Number(CONNECTIONS);
const APPS_EACH = 3;

const SCENARIOS = [
  { name: '/healthz (ceiling, no database)', path: '/healthz' },
  { name: '/rules (template, no database)', path: '/rules' },
  { name: '/ (home: one query + template)', path: '/' },
  { name: '/readyz (one query)', path: '/readyz' },
];

function toMs(v) {
  const m = v.match(/^([\d.]+)(us|ms|s)$/);
  if (!m)
    return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

function wrk(url, { headers = [], script = null } = {}) {
  const args = ['-t', THREADS, '-c', CONNECTIONS, '-d', `${DURATION}s`, '--latency'];
  for (const h of headers)
    args.push('-H', h);
  if (script)
    args.push('-s', script);
  const out = execFileSync('wrk', [...args, url], { encoding: 'utf8' });
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const p50 = toMs(out.match(/^\s+50%\s+(\S+)/m)[1]);
  const p99 = toMs(out.match(/^\s+99%\s+(\S+)/m)[1]);
  const errors = out.match(/Non-2xx or 3xx responses: (\d+)/);
  const sock = out.match(/Socket errors: (.*)/);
  return { rps, p50, p99, non2xx: errors ? Number(errors[1]) : 0, sock: sock ? sock[1] : '' };
}

// A wrk script that sends each request as the next of several
// applicants (cookie and path together), each wrk thread starting at
// its own offset so the threads do not walk in step.
function rotationScript(dir, name, pairs) {
  const path = join(dir, `${name}.lua`);
  const list = pairs.map(([cookie, p]) => `  { "${cookie}", "${p}" },`).join('\n');
  writeFileSync(path, `local pairs = {
${list}
}
local n = 0
function setup(thread)
  thread:set("offset", n)
  n = n + 1
end
local i = 0
function request()
  i = i + 1
  local k = ((offset or 0) * ${Math.max(1, Math.floor(pairs.length / Number(THREADS)))} + i) % #pairs + 1
  return wrk.format("GET", pairs[k][2], { ["Cookie"] = "laurel_session=" .. pairs[k][1] })
end
`);
  return path;
}

const col = 42;
function row(name, r, ceiling) {
  const ratio = `${((r.rps / ceiling) * 100).toFixed(1)}%`;
  return `${name.padEnd(col)} ${r.rps.toFixed(0).padStart(10)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${ratio.padStart(7)}` +
    (r.non2xx ? `  (${r.non2xx} non-2xx!)` : '') + (r.sock ? `  (socket errors: ${r.sock})` : '');
}

const token = seedToken;

// Applicants, sessions and applications for the signed-in pages and the
// uploads; returns what the scenarios need.
function seed(app) {
  const sql = (q) => app.cluster.psql(q, app.db);
  // Not 'bench': that slug is laurelctl seed bench's, later.
  openRound(app, 'bench-apply');
  openRound(app, 'bench-files', { maxMb: 20, maxFiles: 20 });
  const content = JSON.stringify(fullForm()).replace(/'/g, "''");
  const users = APPLICANTS + UPLOAD_STREAMS;
  seedApplicants(app, 'bench', users);
  sql(`
    SELECT count(application_create(u.id, 'bench-apply', ''))
    FROM users u, generate_series(1, ${APPS_EACH}) k
    WHERE u.email ~ '^bench\\d+@' AND substring(u.email from '\\d+')::int <= ${APPLICANTS};
    SELECT count(application_create(u.id, 'bench-files', ''))
    FROM users u
    WHERE u.email ~ '^bench\\d+@' AND substring(u.email from '\\d+')::int > ${APPLICANTS};
    SELECT count(application_save(a.id, a.owner_id, 0, '${content}'::jsonb, 'save', '', '', '', NULL))
    FROM applications a;`);
  // applicant i (1-based) -> its first application in each round
  const rows = sql(`SELECT substring(u.email from '\\d+') || ':' || r.slug || ':' || min(a.id)
    FROM applications a JOIN users u ON u.id = a.owner_id JOIN rounds r ON r.id = a.round_id
    GROUP BY u.email, r.slug`).split('\n');
  const apps = new Map();
  for (const line of rows) {
    const [i, slug, id] = line.split(':');
    apps.set(`${i}:${slug}`, Number(id));
  }
  return {
    applicants: Array.from({ length: APPLICANTS }, (_, k) => ({
      token: token('s', k + 1), app: apps.get(`${k + 1}:bench-apply`),
    })),
    uploaders: Array.from({ length: UPLOAD_STREAMS }, (_, k) => ({
      token: token('s', APPLICANTS + k + 1), csrf: token('c', APPLICANTS + k + 1),
      app: apps.get(`${APPLICANTS + k + 1}:bench-files`),
    })),
  };
}

// GET with a cookie: status and body, for the checks before measuring.
async function getAs(app, path, tok) {
  const res = await app.get(path, { headers: { cookie: `laurel_session=${tok}` } });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

// wrk counts a 3xx as success: a lost session (303 to /login) would
// pass unseen, so every applicant's pages are checked first.
async function checkSignedIn(app, s) {
  const sizes = {};
  for (const a of s.applicants) {
    const list = await getAs(app, '/applications', a.token);
    const titles = (list.html.match(/Federated oncology registry/g) || []).length;
    if (list.status !== 200 || titles !== APPS_EACH)
      throw new Error(`/applications as an applicant: ${list.status} ${list.location ?? ''}, ${titles} of ${APPS_EACH} applications listed`);
    const page = await getAs(app, `/applications/${a.app}`, a.token);
    if (page.status !== 200 || !page.html.includes('value="Federated oncology registry"'))
      throw new Error(`/applications/${a.app} as its owner: ${page.status} ${page.location ?? ''}`);
    sizes.list = Buffer.byteLength(list.html);
    sizes.page = Buffer.byteLength(page.html);
  }
  return sizes;
}

// Uploads through node's http module, one keep-alive agent.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function multipart(csrf, bytes, name) {
  const boundary = `----laurelbench${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${csrf}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
    'Content-Type: application/pdf\r\n\r\n');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, bytes, tail]), type: `multipart/form-data; boundary=${boundary}` };
}

// One upload: ms from the first byte written to the end of the answer.
function uploadOnce(app, u, mp, want = 303) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(app.url(`/applications/${u.app}/files`), {
      method: 'POST', agent,
      headers: { cookie: `laurel_session=${u.token}`, 'content-type': mp.type, 'content-length': mp.body.length },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.statusCode !== want)
          reject(new Error(`upload to ${u.app}: ${res.statusCode} ${text.match(/class="[^"]*error[^"]*"[^>]*>([^<]*)/)?.[1] ?? text.slice(0, 200)}`));
        else
          resolve(ms);
      });
    });
    req.on('error', reject);
    req.end(mp.body);
  });
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// Several streams at once, each { u, mp } doing `each` uploads in a
// row; returns every upload's ms and the wall time in s.
async function uploads(app, streams, each, want = 303) {
  const times = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(streams.map(async ({ u, mp }) => {
    for (let k = 0; k < each; k++)
      times.push(await uploadOnce(app, u, mp, want));
  }));
  return { times, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function summary(runs) {
  const times = runs.flatMap((r) => r.times).sort((a, b) => a - b);
  const wall = runs.reduce((a, r) => a + r.wall, 0);
  const mib = (times.length * UPLOAD_BYTES) / (1024 * 1024);
  return { n: times.length, mibs: mib / wall, p50: pct(times, 50), p99: pct(times, 99) };
}

// --- The panel at the size of SPEC §8 -------------------------------------

const CTL = join(ROOT, 'build/laurelctl');
const SEED_SLUG = 'bench';
// Reviewers signed in for the /review list: one per wrk connection, as
// the applicants are (the seed has 150).
const REVIEWERS = Math.min(Number(CONNECTIONS), 150);

// laurelctl seed bench, as the schema's owner (laurelctl's own rule:
// LAUREL_OWNER_DB, else LAUREL_DB); its one line.
function seedPanel(app) {
  return execFileSync(CTL, ['seed', 'bench'], {
    env: { ...process.env, LAUREL_OWNER_DB: '', LAUREL_DB: app.dsn }, encoding: 'utf8',
  }).trim();
}

// Sessions straight in SQL, as seedApplicants does, for the seeded users
// KIND-i@bench.example, i = 1..n: cookie token(tok, i), CSRF token
// token(csrf, i) (letters of their own, apart from the applicants').
function seedSessions(app, kind, n, tok, csrf) {
  app.cluster.psql(`
    INSERT INTO sessions (token_hash, user_id, csrf, expires_at)
    SELECT encode(sha256(convert_to('${tok}' || lpad(i::text, 42, '0'), 'UTF8')), 'hex'),
        u.id, '${csrf}' || lpad(i::text, 42, '0'), now() + interval '12 hours'
    FROM generate_series(1, ${n}) i
    JOIN users u ON u.email = ('${kind}-' || i || '@bench.example')::citext`, app.db);
}

// The bench's administrator: a seeded user, promoted, with a TOTP secret
// on record so that the admin pages let it in (the instance keeps
// LAUREL_ADMIN_TOTP required); its session is past the second factor.
// Made once, for every scenario that needs it.
let benchAdmin = null;
function seedAdmin(app) {
  if (benchAdmin)
    return benchAdmin;
  app.cluster.psql(`UPDATE users SET is_admin = true, totp_secret = 'JBSWY3DPEHPK3PXP'
    WHERE email = 'user-1@bench.example'`, app.db);
  seedSessions(app, 'user', 1, 'a', 'b');
  benchAdmin = { token: token('a', 1), csrf: token('b', 1) };
  return benchAdmin;
}

// One request through node's http, on a connection of its own (one
// kept from before may be idle past Kore's keep-alive, closing as the
// request goes): its status, body and wall ms from the first byte sent
// to the end of the answer (a loopback connect is well under a ms).
function timed(app, method, path, tok, body = null) {
  return new Promise((resolve, reject) => {
    const headers = { cookie: `laurel_session=${tok}` };
    if (body !== null) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const t0 = process.hrtime.bigint();
    const req = http.request(app.url(path), { method, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({
        status: res.statusCode, location: res.headers.location, text,
        ms: Number(process.hrtime.bigint() - t0) / 1e6,
      }));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

// The first error a page shows: its summary's, a field's, or the error
// page's message.
function firstError(r) {
  const m = r.text.match(/<li><a href="#[^"]*">([^<]*)</) || r.text.match(/class="field__error"[^>]*>([^<]*)</) ||
    r.text.match(/class="lead">([^<]*)</);
  return `${r.status}${r.location ? ` to ${r.location}` : ''}: ${m ? m[1] : r.text.slice(0, 200)}`;
}

// "automatic assignment": the page, a preview, then the real run, each
// timed; false when no assignment was written.
async function benchAssignment(app, sql) {
  const admin = seedAdmin(app);
  const path = `/admin/rounds/${SEED_SLUG}/assignments`;
  const form = (action) => new URLSearchParams({ csrf_token: admin.csrf, action }).toString();
  console.log('');
  console.log('automatic assignment, 2,000 × 150, k = 3, with conflicts (/admin/rounds/bench/assignments; node http,');
  console.log('  one request at a time): wall ms from the first byte sent to the end of the answer. Every answer loads');
  console.log('  assignments_view() and renders the page; preview adds assignment_problem() and the solver on a task');
  console.log('  thread (its own ms: "solver"), auto adds the problem built again and 6,000 rows and 150 e-mails written');
  console.log(`${'scenario'.padEnd(col)} ${'ms'.padStart(10)} ${'solver'.padStart(8)} ${'answer'.padStart(8)}`);
  const arow = (name, r, solver = '') => console.log(`${name.padEnd(col)} ${r.ms.toFixed(1).padStart(10)} ` +
    `${String(solver).padStart(8)} ${String(r.status).padStart(8)}`);
  const page = await timed(app, 'GET', path, admin.token);
  arow('GET (the page alone, nothing solved)', page);
  if (page.status !== 200)
    console.log(`  GET answered ${firstError(page)}`);
  const preview = await timed(app, 'POST', path, admin.token, form('preview'));
  const solver = preview.text.match(/Computed in (\d+) ms/)?.[1] ?? '?';
  const proposed = preview.text.match(/Proposal: (\d+) new assignments/)?.[1] ?? '?';
  arow('POST action=preview -> 200', preview, solver);
  if (preview.status !== 200)
    console.log(`  preview answered ${firstError(preview)}`);
  const auto = await timed(app, 'POST', path, admin.token, form('auto'));
  arow('POST action=auto -> 303', auto);
  if (auto.status !== 303)
    console.log(`  auto answered ${firstError(auto)}`);
  // Where the 303 leads: the same page, now with 6,000 assignments.
  const after = await timed(app, 'GET', path, admin.token);
  arow('GET after auto (where its 303 leads)', after);
  if (after.status !== 200)
    console.log(`  GET answered ${firstError(after)}`);
  const written = Number(sql(`SELECT count(*) FROM assignments s JOIN rounds r ON r.id = s.round_id
    WHERE r.slug = '${SEED_SLUG}'`));
  console.log(`  (preview proposed ${proposed} assignments; auto wrote ${written}; SPEC: ≤ 1 s)`);
  return written > 0;
}

// "signed-in /review": each reviewer's list, checked, then wrk over them.
async function benchReview(app, base, ceiling) {
  seedSessions(app, 'reviewer', REVIEWERS, 'r', 'q');
  const reviewers = Array.from({ length: REVIEWERS }, (_, k) => token('r', k + 1));
  // wrk counts a 3xx as success: every session is checked first.
  let listed = 0;
  let size = 0;
  for (const t of reviewers) {
    const res = await getAs(app, '/review', t);
    const n = (res.html.match(/<a href="\/review\/\d+">/g) || []).length;
    if (res.status !== 200 || n === 0)
      throw new Error(`/review as a reviewer: ${res.status} ${res.location ?? ''}, ${n} assignments listed`);
    listed += n;
    size = Math.max(size, Buffer.byteLength(res.html));
  }
  // The review form: each reviewer's first assignment, past the conflict
  // check, with the application, the rubric and its descriptors (checked
  // here, before wrk, so that a broken page is told, not measured).
  const forms = reviewers.map((t, k) => [t, `/review/${app.cluster.psql(`
    UPDATE assignments SET confirmed_at = now() WHERE id = (SELECT s.id FROM assignments s JOIN users u ON u.id = s.user_id
      WHERE u.email = 'reviewer-${k + 1}@bench.example' AND s.ended_at IS NULL ORDER BY s.id LIMIT 1) RETURNING id`, app.db)}`]);
  for (const [t, p] of forms) {
    const res = await getAs(app, p, t);
    if (res.status !== 200 || !/name="score_C1"/.test(res.html))
      throw new Error(`${p} as its reviewer: ${res.status}, no review form`);
  }
  console.log('');
  console.log(`${'scenario'.padEnd(col)} ${'req/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'ratio'.padStart(7)}`);
  // The one-query page again, beside it: same database, same moment.
  const one = wrk(`${base}/readyz`);
  console.log(row('/readyz (one query), again', one, ceiling));
  // SPEC's reference: the bare one-round-trip signed-in page, the session
  // check included: the same page for users on no panel (an empty list).
  seedSessions(app, 'user', REVIEWERS, 'u', 'v');
  const bare = rotationScript(dir, 'bare', Array.from({ length: REVIEWERS }, (_, k) => [token('u', k + 1), '/review']));
  const b = wrk(`${base}/review`, { script: bare });
  console.log(row('/review, no assignments (bare signed-in page)', b, ceiling));
  const script = rotationScript(dir, 'review', reviewers.map((t) => [t, '/review']));
  const r = wrk(`${base}/review`, { script });
  console.log(row('/review (signed in: assignment list)', r, ceiling));
  console.log(`  (${REVIEWERS} reviewers, ${(listed / REVIEWERS).toFixed(1)} assignments each on average, one session each, ` +
    `requests rotate over them; page up to ${(size / 1024).toFixed(1)} KiB)`);
  console.log(`  /review: ${((r.rps / b.rps) * 100).toFixed(1)} % of the bare signed-in page's requests/s ` +
    `(${((r.rps / one.rps) * 100).toFixed(1)} % of /readyz's), p99 ${r.p99.toFixed(2)} ms (SPEC: ≥ 90 %, p99 ≤ 25 ms)`);

  const f = wrk(`${base}${forms[0][1]}`, { script: rotationScript(dir, 'form', forms) });
  console.log(row('/review/{id} (signed in: the review form)', f, ceiling));
  console.log(`  /review/{id}: ${((f.rps / b.rps) * 100).toFixed(1)} % of the bare signed-in page's requests/s, ` +
    `p99 ${f.p99.toFixed(2)} ms (SPEC: ≥ 90 %, p99 ≤ 25 ms)`);
}

// The round's end at the size of SPEC §8: every assignment's review in
// (7 criteria, scores spread by reviewer and application so that the
// normalisation has work), the ranking timed, then decisions, the one
// publish action (2,000 e-mails rendered), and the public awards page
// under wrk beside the ceiling.
async function benchDecide(app, base, ceiling, sql) {
  const admin = seedAdmin(app);
  const path = `/admin/rounds/${SEED_SLUG}`;
  sql(`INSERT INTO reviews (assignment_id, state, version, recommendation, feedback, confidential, submitted_at)
    SELECT s.id, 'submitted', 1, 'finalist', 'Feedback ' || s.id, 'Confidential ' || s.id, now()
    FROM assignments s JOIN rounds r ON r.id = s.round_id WHERE r.slug = '${SEED_SLUG}' AND s.ended_at IS NULL
    ON CONFLICT (assignment_id) DO UPDATE SET state = 'submitted', submitted_at = now()`);
  sql(`INSERT INTO review_scores (assignment_id, criterion, halves)
    SELECT s.id, k.code, least(10, greatest(0, (s.application_id * 7 + s.user_id * 3 + k.position * 5) % 9 + s.user_id % 3))
    FROM assignments s JOIN rounds r ON r.id = s.round_id JOIN rubric_criteria k ON k.round_id = r.id
    WHERE r.slug = '${SEED_SLUG}' AND s.ended_at IS NULL
    ON CONFLICT (assignment_id, criterion) DO UPDATE SET halves = excluded.halves`);
  sql(`UPDATE rounds SET closes_at = least(closes_at, now() - interval '1 minute'),
    opens_at = least(opens_at, now() - interval '2 minutes'), reviews_due = NULL WHERE slug = '${SEED_SLUG}'`);
  const form = (fields = {}) => new URLSearchParams({ csrf_token: admin.csrf, ...fields }).toString();
  const close = await timed(app, 'POST', `${path}/close-review`, admin.token, form());
  if (close.status !== 303)
    throw new Error(`close-review: ${firstError(close)}`);
  const reviews = sql(`SELECT count(*) FROM reviews w JOIN assignments s ON s.id = w.assignment_id
    JOIN rounds r ON r.id = s.round_id WHERE r.slug = '${SEED_SLUG}' AND w.state = 'submitted'`);

  console.log('');
  console.log(`ranking of the round (${reviews} submitted reviews × 7 criteria; GET ${path}/ranking, node http, one request`);
  console.log('  at a time): wall ms from the first byte sent to the end of the answer (query, normalisation, ranks, page)');
  // The first view after the round changed computes the ranking's data
  // and keeps it (migration 0023); the views after it read what was kept.
  // Each is told apart: the first is what a view costs after every change.
  const times = [];
  const firsts = [];
  let size = 0;
  for (let i = 0; i < RANKING_RUNS; i++) {
    if (i % 5 === 0)
      sql(`UPDATE rounds SET title = title WHERE slug = '${SEED_SLUG}'`);
    const r = await timed(app, 'GET', `${path}/ranking`, admin.token);
    if (r.status !== 200)
      throw new Error(`ranking: ${firstError(r)}`);
    (i % 5 === 0 ? firsts : times).push(r.ms);
    size = Buffer.byteLength(r.text);
  }
  times.sort((a, b) => a - b);
  firsts.sort((a, b) => a - b);
  console.log(`${'scenario'.padEnd(col)} ${'p50 ms'.padStart(10)} ${'p99 ms'.padStart(8)} ${'runs'.padStart(8)}`);
  console.log(`${'GET ranking, first view after a change'.padEnd(col)} ${pct(firsts, 50).toFixed(1).padStart(10)} ` +
    `${pct(firsts, 99).toFixed(1).padStart(8)} ${String(firsts.length).padStart(8)}`);
  console.log(`${'GET ranking, its data kept'.padEnd(col)} ${pct(times, 50).toFixed(1).padStart(10)} ` +
    `${pct(times, 99).toFixed(1).padStart(8)} ${String(times.length).padStart(8)}`);
  console.log(`  (2,000 applications; page ${(size / 1024).toFixed(0)} KiB; a change (here the round saved) makes the next view`);
  console.log('  compute the data again; SPEC: ≤ 150 ms server time, p99)');

  // Decisions by SQL (the form's own tests check it), then publication
  // through its page: 2,000 decision e-mails rendered and queued.
  sql(`INSERT INTO decisions (application_id, round_id, decision, citation)
    SELECT a.id, a.round_id, CASE WHEN row_number() OVER (ORDER BY a.id) <= 4 THEN 'winner'
      WHEN row_number() OVER (ORDER BY a.id) <= 20 THEN 'finalist' ELSE 'not_selected' END,
      CASE WHEN row_number() OVER (ORDER BY a.id) <= 20 THEN 'A practice others can follow.' ELSE '' END
    FROM applications a JOIN rounds r ON r.id = a.round_id
    WHERE r.slug = '${SEED_SLUG}' AND a.state = 'submitted'`);
  const pub = await timed(app, 'POST', `${path}/publish`, admin.token, form());
  if (pub.status !== 303)
    throw new Error(`publish: ${firstError(pub)}`);
  console.log(`${'POST publish, 2,000 e-mails (one request)'.padEnd(col)} ${pub.ms.toFixed(1).padStart(10)}`);

  const awards = `${base}/awards/${SEED_SLUG}`;
  const check = await timed(app, 'GET', `/awards/${SEED_SLUG}`, admin.token);
  if (check.status !== 200)
    throw new Error(`/awards/${SEED_SLUG}: ${check.status}`);
  console.log('');
  console.log(`${'scenario'.padEnd(col)} ${'req/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'ratio'.padStart(7)}`);
  const h = wrk(`${base}/healthz`);
  console.log(row('/healthz, again (the ceiling now)', h, ceiling));
  // As browsers ask for it (gzip accepted), then as wrk alone does.
  const a = wrk(awards, { headers: ['Accept-Encoding: gzip, deflate, br'] });
  console.log(row(`/awards/${SEED_SLUG} (public, kept, gzip)`, a, ceiling));
  const p = wrk(awards);
  console.log(row(`/awards/${SEED_SLUG} (public, kept, identity)`, p, ceiling));
  console.log(`  /awards/${SEED_SLUG}: ${((a.rps / h.rps) * 100).toFixed(1)} % of /healthz's requests/s in the same run ` +
    `with gzip, ${((p.rps / h.rps) * 100).toFixed(1)} % without (SPEC: ≥ 50 %); page ` +
    `${(Buffer.byteLength(check.text) / 1024).toFixed(1)} KiB`);
}

// The admin's pages of the SPEC §8 round under wrk, one admin session:
// the round's dashboard and the list of the first page of its 2,000 applications, beside
// /healthz measured again in the same run (SPEC: each ≥ 20 %).
async function benchAdminPages(app, base) {
  const admin = seedAdmin(app);
  const pages = [[`/admin/rounds/${SEED_SLUG}`, 'the round\'s dashboard'],
    [`/admin/rounds/${SEED_SLUG}/applications`, 'the first page of its 2,000 applications']];
  for (const [path] of pages) {
    const r = await timed(app, 'GET', path, admin.token);
    if (r.status !== 200)
      throw new Error(`${path}: ${firstError(r)}`);
  }
  console.log('');
  console.log(`${'scenario'.padEnd(col)} ${'req/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'ratio'.padStart(7)}`);
  const h = wrk(`${base}/healthz`);
  console.log(row('/healthz, again (the ceiling now)', h, h.rps));
  const cookie = [`Cookie: laurel_session=${admin.token}`];
  for (const [path, what] of pages) {
    const r = wrk(`${base}${path}`, { headers: cookie });
    console.log(row(`${path} (${what})`, r, h.rps));
    console.log(`  ${path}: ${((r.rps / h.rps) * 100).toFixed(1)} % of /healthz's requests/s in the same run (SPEC: ≥ 20 %)`);
  }
}

// Each Kore worker's resident size (VmRSS, KiB), for issue 16's "flat
// over the run": its pid -> KiB. Workers a crash restarted are new pids.
function workerRss(app) {
  const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(app.proc.pid)], { encoding: 'utf8' })
    .split('\n').map((l) => l.trim()).filter(Boolean);
  const out = new Map();
  for (const pid of pids) {
    try {
      const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
      if (m)
        out.set(pid, Number(m[1]));
    } catch { /* gone */ }
  }
  return out;
}

let app = null;
let cluster = null;
let base = process.env.BENCH_URL;
if (!base) {
  cluster = Cluster.start();
  app = await startApp({ cluster });
  base = app.base;
}

const dir = tempDir('laurel-bench-');
console.log(`Laurel bench: wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s against ${base}`);
console.log(`${'scenario'.padEnd(col)} ${'req/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'ratio'.padStart(7)}`);
let ceiling = null;
try {
  for (const s of SCENARIOS) {
    const r = wrk(base + s.path);
    ceiling = ceiling ?? r.rps;
    console.log(row(s.name, r, ceiling));
  }
  // After the first scenarios: the workers have served, and are warm.
  const rssStart = app ? workerRss(app) : null;
  const runStart = Date.now();

  if (!app) {
    console.log('(signed-in pages and uploads skipped: they seed the database, which BENCH_URL does not give)');
  } else {
    const s = seed(app);
    const sizes = await checkSignedIn(app, s);
    const pairs = (f) => s.applicants.map((a) => [a.token, f(a)]);
    const signed = [
      { name: '/applications (signed in: one round trip)', pairs: pairs(() => '/applications') },
      { name: '/applications/{id} (signed in: form)', pairs: pairs((a) => `/applications/${a.app}`) },
    ];
    for (const [k, sc] of signed.entries()) {
      const script = rotationScript(dir, `signed${k}`, sc.pairs);
      console.log(row(sc.name, wrk(base + sc.pairs[0][1], { script }), ceiling));
    }
    console.log(`  (${APPLICANTS} applicants with ${APPS_EACH} applications each, one session each, ` +
      `requests rotate over them; list page ${(sizes.list / 1024).toFixed(1)} KiB, ` +
      `form page ${(sizes.page / 1024).toFixed(1)} KiB)`);

    // Uploads of a valid 10 MiB PDF.
    // pad changes the lengths and offsets written in the PDF: settle it.
    let pad = UPLOAD_BYTES;
    let doc = pdf('Laurel bench document', pad);
    for (let k = 0; k < 5 && doc.length !== UPLOAD_BYTES; k++)
      doc = pdf('Laurel bench document', pad += UPLOAD_BYTES - doc.length);
    if (doc.length !== UPLOAD_BYTES)
      throw new Error(`bench PDF is ${doc.length} bytes`);
    const mps = s.uploaders.map((u) => multipart(u.csrf, doc, 'evidence.pdf'));
    const sql = (q) => app.cluster.psql(q, app.db);
    // Check first: one upload lands whole, with the right hash.
    await uploadOnce(app, s.uploaders[0], mps[0]);
    const got = sql(`SELECT size || ':' || sha256 FROM application_files`);
    const want = `${UPLOAD_BYTES}:${createHash('sha256').update(doc).digest('hex')}`;
    if (got !== want)
      throw new Error(`uploaded file in the database: ${got}, want ${want}`);
    sql('DELETE FROM application_files');

    console.log('');
    console.log(`upload of a ${(UPLOAD_BYTES / 1048576).toFixed(0)} MiB PDF (POST /applications/{id}/files -> 303; node http, keep-alive, loopback):`);
    console.log('  per upload: first byte sent to end of the answer (body to Kore, its temp file, qpdf check, SHA-256,');
    console.log('  secretstream seal, bytea INSERT in PostgreSQL with fsync off); MiB/s = plaintext MiB / wall time');
    console.log(`${'scenario'.padEnd(col)} ${'MiB/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'uploads'.padStart(7)}`);
    const urow = (name, r) => `${name.padEnd(col)} ${r.mibs.toFixed(1).padStart(10)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.n).padStart(7)}`;
    // At most 20 documents per application (the round's max_files):
    // emptied between runs, outside the timed part.
    const perApp = 20;
    const seqRuns = [];
    for (let left = UPLOADS_SEQ; left > 0; left -= perApp) {
      seqRuns.push(await uploads(app, [{ u: s.uploaders[0], mp: mps[0] }], Math.min(perApp, left)));
      sql('DELETE FROM application_files');
    }
    console.log(urow('upload 10 MiB, one at a time', summary(seqRuns)));
    const concRuns = [];
    for (let left = UPLOADS_EACH; left > 0; left -= perApp) {
      concRuns.push(await uploads(app, s.uploaders.map((u, k) => ({ u, mp: mps[k] })), Math.min(perApp, left)));
      sql('DELETE FROM application_files');
    }
    console.log(urow(`upload 10 MiB, ${UPLOAD_STREAMS} at a time`, summary(concRuns)));
    // The same POST with a wrong csrf_token: Kore takes the body in (its
    // temp file), the app reads and parses it, then answers 403. What is
    // left of an upload's time is qpdf, SHA-256, sealing and storing.
    const bad = multipart(token('x', 0), doc, 'evidence.pdf');
    const refused = await uploads(app, [{ u: s.uploaders[0], mp: bad }], Math.min(10, UPLOADS_SEQ), 403);
    console.log(urow('same POST, 403 at CSRF (body in + parse)', summary([refused])));
    if (sql('SELECT count(*) FROM application_files') !== '0')
      throw new Error('a refused upload was stored');
    console.log('  (p99 of so few uploads is about the slowest one)');

    // The panel at the size of SPEC §8.
    console.log('');
    console.log(seedPanel(app));
    if (await benchAssignment(app, sql)) {
      await benchReview(app, base, ceiling);
      await benchDecide(app, base, ceiling, sql);
      await benchAdminPages(app, base);
    } else {
      console.log('(signed-in /review, the ranking and the awards page skipped: no assignment was written)');
    }
  }
  if (app) {
    const rssEnd = workerRss(app);
    console.log('');
    console.log(`Kore workers' resident size over ${((Date.now() - runStart) / 1000).toFixed(0)} s of the bench ` +
      '(after the first scenarios -> at the end):');
    for (const [pid, kib] of rssStart)
      console.log(`  worker ${pid}: ${(kib / 1024).toFixed(1)} MiB -> ` +
        (rssEnd.has(pid) ? `${(rssEnd.get(pid) / 1024).toFixed(1)} MiB` : 'gone (restarted?)'));
    // Anything in Kore's log worth a look (stop() fails on the worst).
    const log = app.log().split('\n').filter(Boolean);
    const odd = log.filter((l) => /error|warn|fail|denied|refus|timeout|gone|violation|fatal/i.test(l));
    console.log('');
    console.log(`Kore log (${app.logPath}): ${log.length} lines, ${odd.length} with an error or warning` + (odd.length ? ':' : ''));
    for (const l of odd.slice(0, 10))
      console.log(`  ${l}`);
  }
  // BENCH_HOLD=1: the instance stays up, seeded, for profiling by hand
  // (psql, perf, pgcpu.sh) until this process is interrupted.
  if (app && process.env.BENCH_HOLD) {
    const admin = seedAdmin(app);
    console.log(`\nholding: ${base} database ${app.dsn}\n  admin cookie laurel_session=${admin.token}` +
      `, csrf ${admin.csrf}; Ctrl-C (SIGINT) ends it`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
} finally {
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
  await app?.stop();
  cluster?.stop();
}
