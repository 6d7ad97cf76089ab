// The deadline surge (SPEC §8): 500 applicants press Submit at once
// while the deadline falls among them. Every submit is either committed
// exactly once, with a unique reference, or refused with a message:
// 0 lost, 0 duplicated. Bounded: 500 requests on loopback.
import { test, before, after } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound, fullForm, formBody, seedApplicants, seedToken } from '../../lib/apply.mjs';

const N = 500;
let app;
const sql = (q) => app.cluster.psql(q, app.db);
const token = seedToken;

// All 500 requests at once, through at most 64 connections (Kore's two
// workers take 32 each), each closed after its answer.
const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });
function post(path, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(app.url(path), { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  app = await startApp();
  openRound(app, 'surge');
  // Accounts and sessions straight in the database: 500 Argon2id sign-ins
  // would test the password hashing, not the deadline.
  seedApplicants(app, 'surge', N);
  const content = JSON.stringify(fullForm()).replace(/'/g, "''");
  sql(`
    SELECT count(application_create(u.id, 'surge', '')) FROM users u WHERE u.email LIKE 'surge%';
    SELECT count(application_save(a.id, a.owner_id, 0, '${content}'::jsonb, 'save', '', '', ''))
    FROM applications a;`);
});
after(async () => { await app.stop(); });

test(`${N} concurrent submits racing the deadline: each committed once or refused, none lost`, async () => {
  const apps = sql(`SELECT a.id || ':' || substring(u.email from 'surge(\\d+)@')
    FROM applications a JOIN users u ON u.id = a.owner_id ORDER BY a.id`).split('\n').map((l) => l.split(':').map(Number));
  assert.equal(apps.length, N);
  let answered = 0;
  let moved = false;
  const results = await Promise.all(apps.map(async ([id, i]) => {
    const body = formBody({ csrf_token: token('c', i), version: '1', action: 'submit', ...fullForm() });
    const res = await post(`/applications/${id}`, body,
      { 'content-type': 'application/x-www-form-urlencoded', cookie: `laurel_session=${token('s', i)}` });
    // Once a fifth have their answer the deadline is moved to a moment
    // later, as an admin would set it: it falls among the submits.
    if (++answered === N / 5 && !moved) {
      moved = true;
      sql(`UPDATE rounds SET closes_at = clock_timestamp() + interval '200 milliseconds' WHERE slug = 'surge'`);
    }
    return { id, ...res };
  }));

  const ok = results.filter((r) => r.status === 303);
  const refused = results.filter((r) => r.status === 409);
  assert.equal(ok.length + refused.length, N, `other answers: ${results.filter((r) => r.status !== 303 && r.status !== 409).map((r) => r.status)}`);
  for (const r of ok)
    assert.equal(r.location, `/applications/${r.id}?receipt=1#receipt`);
  for (const r of refused)
    assert.match(r.text, /The deadline has passed: nothing was changed/);
  console.log(`# surge: ${ok.length} committed, ${refused.length} refused at the deadline`);
  assert.ok(ok.length >= N / 5, 'the first fifth committed before the deadline moved');
  assert.ok(refused.length > 0, 'the deadline fell among the submits');

  // The database agrees with every answer: nothing lost, nothing twice.
  const submitted = new Set(sql(`SELECT id FROM applications WHERE state = 'submitted'`).split('\n').filter(Boolean).map(Number));
  assert.deepEqual([...submitted].sort((a, b) => a - b), ok.map((r) => r.id).sort((a, b) => a - b));
  assert.equal(sql(`SELECT count(DISTINCT reference) FROM applications WHERE state = 'submitted'`), String(ok.length));
  assert.equal(sql(`SELECT count(*) FROM applications WHERE reference IS NOT NULL`), String(ok.length));
  assert.equal(sql(`SELECT count(*) FROM application_receipts`), String(ok.length));
  assert.equal(sql(`SELECT count(*) FROM outbox WHERE subject LIKE 'Receipt BPR-%'`), String(ok.length));
  assert.equal(sql(`SELECT count(*) FROM applications WHERE state = 'draft' AND version = 1`), String(refused.length));
  assert.equal(sql(`SELECT count(*) FROM applications a JOIN rounds r ON r.id = a.round_id WHERE a.submitted_at >= r.closes_at`), '0');
  // References are consecutive: no number handed out twice or lost.
  const nums = sql(`SELECT substring(reference from '\\d+$')::int FROM applications WHERE reference IS NOT NULL ORDER BY 1`).split('\n').map(Number);
  assert.deepEqual(nums, Array.from({ length: ok.length }, (_, k) => k + 1));
});
