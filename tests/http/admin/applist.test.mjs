// The admins' list of a round's applications, 100 a page (issue 16: all
// 2,000 rows of SPEC §8 were 500 KiB a view): every application is on
// exactly one page, in the order of references, with its own counts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { openRound, seedApplicants } from '../../lib/apply.mjs';
import { admin } from '../../lib/panel.mjs';

const N = 230;
let app, chair;
const sql = (q) => app.cluster.psql(q, app.db);

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off' } });
  openRound(app, 'paged');
  chair = await admin(app);
  seedApplicants(app, 'pg', N);
  // Submitted applications straight in the table, references in an order
  // their ids do not follow.
  sql(`INSERT INTO applications (round_id, owner_id, state, version, reference, title, category, country, submitted_at)
    SELECT r.id, u.id, 'submitted', 1, 'BPR-P-' || lpad(((i * 7) % ${N} + 1)::text, 4, '0'),
      'Practice ' || i, 'IMPACT', 'AT', now()
    FROM generate_series(1, ${N}) i JOIN users u ON u.email = 'pg' || i || '@example.org', rounds r
    WHERE r.slug = 'paged'`);
  // Two admin conflicts on BPR-P-0150 (page 2), one on BPR-P-0001.
  sql(`INSERT INTO conflicts (application_id, user_id, source, reason)
    SELECT a.id, u.id, 'admin', 'a test' FROM applications a, users u
    WHERE (a.reference = 'BPR-P-0150' AND u.email IN ('pg1@example.org', 'pg2@example.org'))
       OR (a.reference = 'BPR-P-0001' AND u.email = 'pg3@example.org')`);
});
after(async () => { await app.stop(); });

function rows(html) {
  const body = html.match(/<tbody>([\s\S]*?)<\/tbody>/)[1];
  return [...body.matchAll(/<tr[\s\S]*?<\/tr>/g)].map((m) => m[0]);
}
const refOf = (row) => row.match(/BPR-P-\d{4}/)[0];

test('100 a page, in the order of references, each on one page only', async () => {
  const seen = [];
  for (const page of [1, 2, 3]) {
    const { res, html } = await chair.page(`/admin/rounds/paged/applications?page=${page}`);
    assert.equal(res.status, 200);
    const r = rows(html);
    assert.equal(r.length, page < 3 ? 100 : 30, `page ${page}`);
    seen.push(...r.map(refOf));
    const first = (page - 1) * 100 + 1;
    assert.match(html, new RegExp(`${N} applications, by reference: ${first} to ${Math.min(page * 100, N)} on this page, page ${page} of 3`));
    assert.match(html, new RegExp(`aria-current="page"><strong>${page}</strong>`));
    assert.equal(/rel="prev"/.test(html), page > 1);
    assert.equal(/rel="next"/.test(html), page < 3);
  }
  const all = Array.from({ length: N }, (_, i) => `BPR-P-${String(i + 1).padStart(4, '0')}`);
  assert.deepEqual(seen, all);
});

test('each row counts its own conflicts; no page, a bad page or one past the end still answer', async () => {
  const two = rows((await chair.page('/admin/rounds/paged/applications?page=2')).html).find((r) => refOf(r) === 'BPR-P-0150');
  const one = rows((await chair.page('/admin/rounds/paged/applications')).html).find((r) => refOf(r) === 'BPR-P-0001');
  const none = rows((await chair.page('/admin/rounds/paged/applications')).html).find((r) => refOf(r) === 'BPR-P-0002');
  const conflicts = (row) => Number(row.match(/<td[^>]*>(\d+)<\/td>\s*<\/tr>/)?.[1]);
  assert.equal(conflicts(two), 2);
  assert.equal(conflicts(one), 1);
  assert.equal(conflicts(none), 0);
  for (const [q, page] of [['', 1], ['?page=abc', 1], ['?page=0', 1], ['?page=99', 3], ['?page=-2', 1]]) {
    const { res, html } = await chair.page(`/admin/rounds/paged/applications${q}`);
    assert.equal(res.status, 200, q);
    assert.match(html, new RegExp(`page ${page} of 3`), q);
  }
});
