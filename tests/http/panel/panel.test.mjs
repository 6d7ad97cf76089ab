// The panel (issue 11): invitations, affiliations, conflicts from three
// sources with their reasons, manual and automatic assignment, the
// admin's list of applications.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startApp } from '../../lib/harness.mjs';
import { PW, openRound, formBody } from '../../lib/apply.mjs';
import { admin, invite, inviteLink, reviewer, affiliation, submitted } from '../../lib/panel.mjs';

let app, chair;
const sql = (q) => app.cluster.psql(q, app.db);
const SLUG = 'panel';

before(async () => {
  app = await startApp({ env: { LAUREL_DEV: '1', LAUREL_ADMIN_TOTP: 'off', LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  chair = await admin(app);
  openRound(app, SLUG);
});
after(async () => { await app.stop(); });

test('an invitation: mailed once, joins a signed-in account, single use, audited', async () => {
  const res = await invite(chair, SLUG, { email: 'ines@clinic-a.example', name: 'Inès', cap: '5', expertise: ['IMPACT'] });
  assert.equal(res.status, 303);
  const { html } = await chair.page(`/admin/rounds/${SLUG}/panel?done=invited`);
  assert.match(html, /The invitation has been sent/);
  assert.match(html, /ines@clinic-a\.example/);
  assert.match(html, /pending/);
  const link = inviteLink(app, 'ines@clinic-a.example');
  assert.match(sql(`SELECT body FROM outbox WHERE to_addr = 'ines@clinic-a.example'`), /Round panel/);

  // A second invitation to the same address is refused: resend instead.
  const again = await invite(chair, SLUG, { email: 'INES@clinic-a.example', name: 'Inès' });
  assert.equal(again.status, 422);
  assert.match(await again.text(), /pending: resend it/);

  // Signed out: the page offers sign-in and account creation.
  const anon = new Client(app, { ip: '198.51.100.200' });
  const page = await anon.page(link);
  assert.match(page.html, /Sign in to accept/);
  assert.match(page.html, /Create an account/);

  // An existing account, signed in, accepts.
  const c = new Client(app, { ip: '198.51.100.201' });
  await c.page('/register');
  await c.post('/register', { display_name: 'Ines', email: 'ines.other@clinic-a.example', password: PW });
  sql(`UPDATE users SET verified_at = now() WHERE email = 'ines.other@clinic-a.example'`);
  await c.page('/login');
  await c.post('/login', { email: 'ines.other@clinic-a.example', password: PW });
  await c.page(link);
  const ok = await c.post(link, { action: 'accept' });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/account/affiliations?done=joined');
  assert.equal(sql(`SELECT cap || ' ' || array_to_string(expertise, ',') FROM panel_members m JOIN users u ON u.id = m.user_id
    WHERE u.email = 'ines.other@clinic-a.example'`), '5 IMPACT');
  // The account's own domain is recorded as an affiliation.
  assert.equal(sql(`SELECT name FROM affiliations f JOIN users u ON u.id = f.user_id
    WHERE u.email = 'ines.other@clinic-a.example' AND kind = 'domain'`), 'clinic-a.example');
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'panel.join'`), '1');

  // Single use: another account cannot use it again.
  const other = new Client(app, { ip: '198.51.100.202' });
  const reuse = await other.page(link);
  assert.equal(reuse.res.status, 410);
  assert.match(reuse.html, /already been used/);
});

test('an invitee creates an account through the link, verified by it; weak passwords refused', async () => {
  await invite(chair, SLUG, { email: 'new@uni-b.example', name: 'New Reviewer' });
  const link = inviteLink(app, 'new@uni-b.example');
  const c = new Client(app, { ip: '198.51.100.210' });
  await c.page(link);
  const weak = await c.post(link, { action: 'register', display_name: 'New Reviewer', password: 'password' });
  assert.equal(weak.status, 422);
  assert.equal(sql(`SELECT count(*) FROM users WHERE email = 'new@uni-b.example'`), '0');
  const res = await c.post(link, { action: 'register', display_name: 'New Reviewer', password: PW });
  assert.equal(res.status, 303);
  assert.match(res.headers.get('location'), /^\/login\?next=/);
  assert.equal(sql(`SELECT verified_at IS NOT NULL FROM users WHERE email = 'new@uni-b.example'`), 't');
  assert.equal(sql(`SELECT count(*) FROM panel_members m JOIN users u ON u.id = m.user_id WHERE u.email = 'new@uni-b.example'`), '1');
  await c.page('/login');
  assert.equal((await c.post('/login', { email: 'new@uni-b.example', password: PW })).status, 303);
  assert.equal((await c.get('/review')).status, 200);
});

test('resend replaces the link; revoke and expiry stop it, with a message', async () => {
  await invite(chair, SLUG, { email: 'late@org-c.example', name: 'Late' });
  const first = inviteLink(app, 'late@org-c.example');
  const id = sql(`SELECT id FROM panel_invitations WHERE email = 'late@org-c.example'`);
  await chair.page(`/admin/rounds/${SLUG}/panel`);
  assert.equal((await chair.post(`/admin/rounds/${SLUG}/panel`, { action: 'resend', invitation: id })).status, 303);
  const second = inviteLink(app, 'late@org-c.example');
  assert.notEqual(first, second);
  const c = new Client(app, { ip: '198.51.100.220' });
  assert.equal((await c.page(first)).res.status, 404);
  assert.equal((await c.page(second)).res.status, 200);

  sql(`UPDATE panel_invitations SET expires_at = now() - interval '1 second' WHERE id = ${id}`);
  const expired = await c.page(second);
  assert.equal(expired.res.status, 410);
  assert.match(expired.html, /expired/);
  const { html } = await chair.page(`/admin/rounds/${SLUG}/panel`);
  assert.match(html, /expired/);

  // An expired invitation may be sent anew.
  assert.equal((await invite(chair, SLUG, { email: 'late@org-c.example', name: 'Late' })).status, 303);
  const third = inviteLink(app, 'late@org-c.example');
  const id3 = sql(`SELECT id FROM panel_invitations WHERE email = 'late@org-c.example' AND revoked_at IS NULL`);
  await chair.page(`/admin/rounds/${SLUG}/panel`);
  assert.equal((await chair.post(`/admin/rounds/${SLUG}/panel`, { action: 'revoke', invitation: id3 })).status, 303);
  const revoked = await c.page(third);
  assert.equal(revoked.res.status, 410);
  assert.match(revoked.html, /withdrawn/);
  assert.equal((await c.page('/invite?token=not-a-token')).res.status, 404);
});

test('the panel form checks every field', async () => {
  const res = await invite(chair, SLUG, { email: 'not-an-address', name: '', cap: '-1', expertise: ['NOPE'] });
  assert.equal(res.status, 422);
  const html = await res.text();
  for (const f of ['email', 'name', 'cap', 'expertise'])
    assert.match(html, new RegExp(`id="${f}-error"|id="${f}"[^>]*>\\s*<legend`), f);
  assert.match(html, /Choose expertise among the round/);
});

test('affiliations: organisations, domains, declared conflicts; webmail refused', async () => {
  const c = await reviewer(app, chair, SLUG, 'aff@aff-org.example');
  await affiliation(c, { kind: 'organisation', organisation: 'Hospital Clínic, S.A.', country: 'ES' });
  const webmail = await c.post('/account/affiliations', { action: 'add', kind: 'domain', domain: 'gmail.com' });
  assert.equal(webmail.status, 422);
  assert.match(await webmail.text(), /public webmail domain/);
  const bad = await c.post('/account/affiliations', { action: 'add', kind: 'domain', domain: 'nodot' });
  assert.equal(bad.status, 422);
  await affiliation(c, { kind: 'domain', domain: '@Hospital-X.Example' });
  await affiliation(c, { kind: 'conflict', conflict_organisation: 'Rival Health GmbH' });
  const { html } = await c.page('/account/affiliations');
  assert.match(html, /Hospital Clínic, S\.A\./);
  assert.match(html, /hospital-x\.example/);
  assert.match(html, /Rival Health GmbH/);
  assert.equal(sql(`SELECT string_agg(key, '|' ORDER BY f.id) FROM affiliations f JOIN users u ON u.id = f.user_id
    WHERE u.email = 'aff@aff-org.example'`), 'dom:aff-org.example|org:hospital clinic|dom:hospital-x.example|org:rival health');
  const id = sql(`SELECT f.id FROM affiliations f JOIN users u ON u.id = f.user_id WHERE kind = 'conflict' AND u.email = 'aff@aff-org.example'`);
  assert.equal((await c.post('/account/affiliations', { action: 'remove', id })).status, 303);
  assert.doesNotMatch((await c.page('/account/affiliations')).html, /Rival Health/);
  assert.ok(Number(sql(`SELECT count(*) FROM audit WHERE action LIKE 'affiliation.%'`)) >= 4);
});

test("an admin changes a member's cap and expertise, audited; a bad cap is refused", async () => {
  const user = sql(`SELECT id FROM users WHERE email = 'ines.other@clinic-a.example'`);
  const path = `/admin/rounds/${SLUG}/panel`;
  await chair.page(path);
  const bad = await chair.post(path, null, { raw: formBody({ csrf_token: chair.csrf, action: 'member', user, cap: 'many' }) });
  assert.equal(bad.status, 422);
  const ok = await chair.post(path, null, { raw: formBody({ csrf_token: chair.csrf, action: 'member', user, cap: '8', expertise: ['IMPACT', 'CULTURE'] }) });
  assert.equal(ok.status, 303);
  assert.equal(sql(`SELECT cap || ' ' || array_to_string(expertise, ',') FROM panel_members WHERE user_id = ${user}`), '8 IMPACT,CULTURE');
  const none = await chair.post(path, null, { raw: formBody({ csrf_token: chair.csrf, action: 'member', user, cap: '' }) });
  assert.equal(none.status, 303);
  assert.equal(sql(`SELECT coalesce(cap::text, 'none') || ' ' || cardinality(expertise) FROM panel_members WHERE user_id = ${user}`), 'none 0');
  assert.equal(sql(`SELECT count(*) FROM audit WHERE action = 'panel.member'`), '2');
});
