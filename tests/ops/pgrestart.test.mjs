// PostgreSQL restarted under load (issue 15), on the production stack
// (tests/lib/stack.mjs): while signed-in applicants read and save their
// forms through nginx, PostgreSQL stops for about two seconds and starts
// again. Every answer in between is the site's own 503 page (no 500, no
// 502/504 from nginx, no broken connection), the service is back within
// 5 s of PostgreSQL accepting connections, and no save that was answered
// "saved" is lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Stack } from '../lib/stack.mjs';
import { Client, ROOT } from '../lib/harness.mjs';
import { openRound, fullForm, seedApplicants, seedToken } from '../lib/apply.mjs';

// Kore chroots and drops privileges only when started as root (CI is).
const skip = process.getuid() !== 0 && 'the production stack starts Kore as root (chroot, runas)';
const run = promisify(execFile);
const PG = join(ROOT, 'tools/pg.sh');
const N = 6;			// applicants, each with one request in flight
const DOWN_MS = 2000;		// PostgreSQL's downtime
const MAX_STEPS = 3000;		// per applicant: the load is bounded in count...
const MAX_MS = 60000;		// ...and in time

let stack;
const sql = (q) => stack.psql(q);
const db = () => ({ cluster: { psql: (q) => stack.psql(q) }, db: 'laurel' });

before(async () => {
  if (skip)
    return;
  stack = await Stack.start();
  openRound(db(), 'pgrestart');
  // Accounts and sessions straight in the database (apply.mjs): the
  // sign-ins are not what is tested.
  seedApplicants(db(), 'pgr', N);
  const content = JSON.stringify(fullForm({ reach: 'n=0' })).replace(/'/g, "''");
  sql(`
    SELECT count(application_create(u.id, 'pgrestart', '')) FROM users u WHERE u.email LIKE 'pgr%';
    SELECT count(application_save(a.id, a.owner_id, 0, '${content}'::jsonb, 'save', '', '', ''))
    FROM applications a JOIN users u ON u.id = a.owner_id WHERE u.email LIKE 'pgr%';`);
});

after(async () => {
  // The outage's own log lines are expected; anything else stack.stop()
  // counts as trouble fails the test.
  await stack?.stop();
});

// The site's 503 page (src/web/page.c), not nginx's.
const SITE_503 = /Temporarily unavailable[\s\S]*The service cannot answer right now/;

// When PostgreSQL accepted connections again: the server's own log line
// (its %m time, to the millisecond), else when pg_ctl -w saw it (which
// polls every 100 ms, so at most that much later).
function readyAt(seenMs, startedMs) {
  const log = readFileSync(join(stack.pgDir, 'postgres.log'), 'utf8');
  const times = [...log.matchAll(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\S+) \[\d+\] LOG:  database system is ready to accept connections/gm)]
    .map(([, t, zone]) => Date.parse(`${t.replace(' ', 'T')}${zone === 'UTC' || zone === 'GMT' ? 'Z' : ''}`))
    .filter((t) => t >= startedMs - 1000 && t <= seenMs);
  return times.length ? Math.min(times[times.length - 1], seenMs) : seenMs;
}

// One applicant's load: GET the form, then save it with the next counter
// value in "reach", the version read from that GET (so that a save whose
// answer was lost is not followed by a conflict). Every answer recorded.
async function applicant(i, id, front, log, state) {
  const c = new Client(front);
  c.cookies.set('laurel_session', seedToken('s', i));
  c.csrf = seedToken('c', i);
  const t0 = Date.now();
  let k = 0;
  for (let step = 0; step < MAX_STEPS && !state.stop && Date.now() - t0 < MAX_MS; step++) {
    const get = await answer(() => c.get(`/applications/${id}`), 'get', i);
    log.push(get);
    const version = get.status === 200 && get.text.match(/name="version" value="(\d+)"/)?.[1];
    if (version) {
      k++;
      const fields = { csrf_token: c.csrf, version, action: 'save', ...fullForm({ reach: `n=${k}` }) };
      const post = await answer(() => c.post(`/applications/${id}`, null, { raw: new URLSearchParams(fields).toString() }), 'post', i);
      post.k = k;
      log.push(post);
    }
    await sleep(get.status === 200 ? 10 : 50);
  }
}

async function answer(fn, kind, i) {
  const sent = Date.now();
  try {
    const res = await fn();
    const text = await res.text();
    return { kind, i, sent, at: Date.now(), status: res.status, location: res.headers.get('location'), text };
  } catch (e) {
    return { kind, i, sent, at: Date.now(), status: 0, text: String(e?.code || e?.message || e) };
  }
}

test('PostgreSQL restart under load: 503 pages in between, back within 5 s, nothing acknowledged lost', { skip, timeout: 180000 }, async () => {
  const apps = sql(`SELECT substring(u.email from 'pgr(\\d+)@') || ':' || a.id
    FROM applications a JOIN users u ON u.id = a.owner_id WHERE u.email LIKE 'pgr%' ORDER BY 1`)
    .split('\n').map((l) => l.split(':').map(Number));
  assert.equal(apps.length, N);

  const log = [];
  const state = { stop: false };
  const load = Promise.all(apps.map(([i, id]) => applicant(i, id, stack.front(`127.0.0.${20 + i}`), log, state)));

  // Some saves go through before the restart (bounded wait).
  for (let t = 0; t < 100 && log.filter((r) => r.status === 303).length < 2 * N; t++)
    await sleep(50);
  assert.ok(log.filter((r) => r.status === 303).length >= 2 * N, `saves before the restart: ${summary(log)}`);

  const stopping = Date.now();
  await run(PG, ['stop', stack.pgDir], { env: stack.pgEnv });
  const down = Date.now();
  await sleep(Math.max(0, DOWN_MS - (down - stopping)));
  const starting = Date.now();
  await run(PG, ['start', stack.pgDir], { env: stack.pgEnv });
  const up = readyAt(Date.now(), starting);

  // Each kind of request succeeds again (bounded), then the load runs on
  // for a second so that the last saves land after the outage.
  const backAt = {};
  for (let t = 0; t < 300 && !(backAt.get && backAt.post); t++) {
    for (const kind of ['get', 'post']) {
      const ok = log.find((r) => r.kind === kind && r.at > up && (r.status === 200 || r.status === 303));
      if (ok && !backAt[kind])
        backAt[kind] = ok.at;
    }
    await sleep(50);
  }
  await sleep(1000);
  state.stop = true;
  await load;

  const unavailable = log.filter((r) => r.status === 503);
  const bad = log.filter((r) => ![200, 303, 503].includes(r.status));
  const sinceUp = (t) => (t ? `${t - up} ms` : 'never');
  const recovery = backAt.get && backAt.post ? Math.max(backAt.get, backAt.post) - up : null;
  console.log(`# pgrestart: ${log.length} answers (${summary(log)}); PostgreSQL down ${up - stopping} ms ` +
    `(stop took ${down - stopping} ms); first 503 ${Math.min(...unavailable.map((r) => r.at)) - stopping} ms after the stop began, ` +
    `last ${sinceUp(Math.max(...unavailable.map((r) => r.at)))} after PostgreSQL was up; ` +
    `back after ${sinceUp(backAt.get)} (GET), ${sinceUp(backAt.post)} (save)`);

  // 1. Only 200, 303 and 503; every 503 the site's page; every 303 a save.
  assert.equal(bad.length, 0, `answers other than 200, 303, 503: ${summary(bad)}; the first: ` +
    `${bad[0]?.text.slice(0, 200)}; nginx's error log: ${nginxErrors().join(' | ')}`);
  for (const r of unavailable)
    assert.match(r.text, SITE_503, `a 503 that is not the site's page: ${r.text.slice(0, 300)}`);
  for (const r of log.filter((x) => x.status === 303))
    assert.match(r.location, /^\/applications\/\d+\?saved=\d+$/, 'a save, not a sign-in redirect');
  assert.ok(unavailable.length > 0, 'the outage was seen');

  // 2. Back within 5 s of PostgreSQL accepting connections (issue 15).
  assert.ok(recovery !== null && recovery <= 5000, `service back ${sinceUp(backAt.get)} (GET), ` +
    `${sinceUp(backAt.post)} (save) after PostgreSQL was up`);

  // 3. Nothing acknowledged lost. A 303 carries the version it made
  // (?saved=N): that version must hold exactly the value sent. A save
  // answered 503 may still have committed (PostgreSQL committed, then
  // the connection died before the answer reached Kore: no client can
  // tell), so the stored value is the last acknowledged one, or one sent
  // after it whose answer was lost. Every save starts from the version
  // its own GET read, so none conflicts: the versions of an application
  // are its saves in the order sent, each once.
  let lostAnswers = 0;
  for (const [i, id] of apps) {
    const history = sql(`SELECT version || ':' || (content->>'reach') FROM application_versions
      WHERE application_id = ${id} ORDER BY version`).split('\n').map((l) => l.split(':'));
    const stored = new Map(history.map(([v, reach]) => [Number(v), reach]));
    const posts = log.filter((r) => r.kind === 'post' && r.i === i);
    const acked = posts.filter((r) => r.status === 303);
    assert.ok(acked.length > 0, `applicant ${i} saved something`);
    for (const r of acked) {
      const v = Number(r.location.match(/saved=(\d+)/)[1]);
      assert.equal(stored.get(v), `n=${r.k}`, `applicant ${i}: version ${v}, acknowledged, holds its value`);
    }
    // Versions hold the counter in the order it was sent: none out of
    // order or twice (the n=0 of the set-up first).
    const ks = history.map(([, reach]) => Number(reach.slice(2)));
    assert.deepEqual(ks, [...ks].sort((a, b) => a - b), `applicant ${i}: saves in order`);
    assert.equal(new Set(ks).size, ks.length, `applicant ${i}: no save twice`);
    // A stored value whose answer was not a 303 is a lost answer.
    const ackedK = new Set(acked.map((r) => r.k));
    lostAnswers += ks.filter((k) => k > 0 && !ackedK.has(k)).length;
    const current = sql(`SELECT v.content->>'reach' FROM applications a JOIN application_versions v
      ON v.application_id = a.id AND v.version = a.version WHERE a.id = ${id}`);
    const lastAcked = acked[acked.length - 1];
    const later = posts.filter((r) => r.k > lastAcked.k).map((r) => `n=${r.k}`);
    assert.ok(current === `n=${lastAcked.k}` || later.includes(current),
      `applicant ${i}: stored ${current}, last acknowledged n=${lastAcked.k}`);
  }
  console.log(`# pgrestart: recovery ${recovery} ms; ${unavailable.length} answers were 503; ` +
    `${lostAnswers} saves committed whose answer was a 503`);

  // nginx saw the same: no 5xx but the site's 503s.
  const front5xx = stack.accessLog().filter((l) => l.status >= 500 && l.status !== 503);
  assert.deepEqual(front5xx, [], 'nginx answered no 5xx of its own');
});

// The kinds of line in nginx's error log, without times and ids.
function nginxErrors() {
  let text = '';
  try {
    text = readFileSync(join(stack.dir, 'nginx/logs/error.log'), 'utf8');
  } catch { /* none */ }
  const kinds = new Map();
  for (const l of text.split('\n').filter(Boolean)) {
    const k = l.replace(/^\S+ \S+ /, '').replace(/\d+#\d+: \*\d+ /, '').replace(/, client: .*/, '');
    kinds.set(k, (kinds.get(k) || 0) + 1);
  }
  return [...kinds].map(([k, n]) => `${n}x ${k}`).slice(0, 5);
}

function summary(log) {
  const n = {};
  for (const r of log)
    n[`${r.kind} ${r.status}`] = (n[`${r.kind} ${r.status}`] || 0) + 1;
  return Object.entries(n).map(([k, v]) => `${k}: ${v}`).join(', ');
}
