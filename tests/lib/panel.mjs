// The panel's actors for tests: an admin with TOTP off (LAUREL_ADMIN_TOTP
// off in the instance's environment), reviewers who joined through the
// real invitation pages, and submitted applications.
import assert from 'node:assert/strict';
import { Client } from './harness.mjs';
import { PW, applicant, apply, saveForm, fullForm, formBody } from './apply.mjs';

let ipSeq = 1;
const nextIp = () => `198.51.100.${(ipSeq++ % 250) + 1}`;

export async function admin(app, email = 'chair@example.org') {
  const c = await applicant(app, email, nextIp());
  app.cluster.psql(`UPDATE users SET is_admin = true WHERE email = '${email}'`, app.db);
  return c;
}

// The link of the latest invitation mailed to email.
export function inviteLink(app, email) {
  const body = app.cluster.psql(`SELECT body FROM outbox WHERE to_addr = '${email}'
    AND subject LIKE 'Invitation%' ORDER BY id DESC LIMIT 1`, app.db);
  const m = body.match(/http:\/\/\S+\/invite\?token=\S+/);
  assert.ok(m, `no invitation mailed to ${email}`);
  const u = new URL(m[0]);
  return u.pathname + u.search;
}

export async function invite(adminClient, slug, fields) {
  const path = `/admin/rounds/${slug}/panel`;
  await adminClient.page(path);
  return adminClient.post(path, null, { raw: formBody({ csrf_token: adminClient.csrf, action: 'invite', ...fields }) });
}

// Invited by the admin, then a new account made through the invitation,
// signed in; affiliations recorded through the real page.
export async function reviewer(app, adminClient, slug, email, { cap, expertise = [], orgs = [], domains = [] } = {}) {
  const res = await invite(adminClient, slug, { email, name: email.split('@')[0], ...(cap !== undefined ? { cap: String(cap) } : {}), expertise });
  assert.equal(res.status, 303, `invite ${email}: ${res.status}`);
  const link = inviteLink(app, email);
  const c = new Client(app, { ip: nextIp() });
  await c.page(link);
  const reg = await c.post(link, { action: 'register', display_name: email.split('@')[0], password: PW });
  assert.equal(reg.status, 303, `register through the invitation: ${reg.status}`);
  await c.page('/login');
  const login = await c.post('/login', { email, password: PW });
  assert.equal(login.status, 303);
  for (const o of orgs)
    await affiliation(c, { kind: 'organisation', organisation: o });
  for (const d of domains)
    await affiliation(c, { kind: 'domain', domain: d });
  return c;
}

export async function affiliation(c, fields) {
  await c.page('/account/affiliations');
  const res = await c.post('/account/affiliations', { action: 'add', ...fields });
  if (res.status !== 303)
    assert.fail(`affiliation ${JSON.stringify(fields)}: ${res.status} ${(await res.text()).match(/field__error[^>]*>([^<]*)/)?.[1]}`);
  return res;
}

// A submitted application of a new applicant; over: the form's fields.
export async function submitted(app, slug, email, over = {}) {
  const c = await applicant(app, email, nextIp());
  const id = await apply(c, slug);
  const res = await saveForm(c, id, fullForm(over), { action: 'submit' });
  assert.equal(res.status, 303, `submit ${email}: ${res.status}`);
  return { c, id };
}
