// Helpers for the applicant journey tests: accounts, rounds, the full
// form, PDFs and uploads.
import { Client } from './harness.mjs';
import { createHash } from 'node:crypto';

export const PW = 'lantern orbit cactus 42';

// A signed-in applicant (registered and verified through the real pages).
export async function applicant(app, email, ip = '203.0.113.20') {
  const sql = (q) => app.cluster.psql(q, app.db);
  const c = new Client(app, { ip });
  await c.page('/register');
  await c.post('/register', { display_name: email.split('@')[0], email, password: PW });
  const body = sql(`SELECT body FROM outbox WHERE to_addr = '${email}' ORDER BY id DESC LIMIT 1`);
  const link = new URL(body.match(/http:\/\/\S+/)[0]);
  await c.get(link.pathname + link.search);
  await c.page('/login');
  const res = await c.post('/login', { email, password: PW });
  if (res.status !== 303)
    throw new Error(`sign-in of ${email} failed: ${res.status}`);
  c.email = email;
  return c;
}

// An open round (through round_save, as the admin form does), closing in
// closesIn seconds; returns its slug.
export function openRound(app, slug, { closesIn = 30 * 86400, maxFiles = 5, maxMb = 20, countries = 'AT,BE,DE,FR,NL' } = {}) {
  const sql = (q) => app.cluster.psql(q, app.db);
  const r = sql(`SELECT outcome FROM round_save(NULL, NULL, '', 'Round ${slug}', '${slug}', 'The call.',
    '[{"code":"IMPACT","description":"Partnerships"},{"code":"CULTURE","description":"Patients"}]'::jsonb,
    '{${countries}}'::text[], 'Europe/Brussels',
    to_char((now() - interval '1 day') AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD"T"HH24:MI'),
    to_char((now() + interval '40 days') AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD"T"HH24:MI'),
    '', '', false, 3, ${maxFiles}, ${maxMb})`);
  if (r !== 'saved')
    throw new Error(`round_save: ${r}`);
  setCloses(app, slug, closesIn);
  return slug;
}

export function setCloses(app, slug, seconds) {
  app.cluster.psql(`UPDATE rounds SET closes_at = clock_timestamp() + interval '${seconds} seconds' WHERE slug = '${slug}'`, app.db);
}

// Every field of the form, filled in correctly.
export function fullForm(over = {}) {
  const words = (n, w = 'data') => Array.from({ length: n }, () => w).join(' ');
  return {
    title: 'Federated oncology registry', category: 'IMPACT',
    organisation_name: 'Hospital Example', country: 'AT', organisation_type: 'hospital',
    contact_name: 'Ana Example', contact_email: 'ana@example.org',
    summary: words(250, 'summary'), problem: 'Fragmented data.', approach: 'A federated registry.',
    stage: 'routine', reach: '12,000 patients a year',
    data_sources: 'EHR extracts.', legal_basis: 'GDPR Art. 6(1)(e) and 9(2)(j).',
    consent_transparency: 'Public register.', minimisation: 'Pseudonymised at source.',
    security_access: 'Secure processing environment.', public_involvement: 'Patient board.',
    fairness_bias: 'Subgroup analysis.', fair_reuse: 'OMOP and FHIR.',
    outcomes: 'Shorter time to treatment.', transferability: 'Two other regions.',
    declare_accurate: 'yes', declare_privacy: 'yes', declare_publish: 'yes',
    ...over,
  };
}

// URLSearchParams from an object whose array values repeat the field.
export function formBody(fields) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    for (const one of Array.isArray(v) ? v : [v])
      p.append(k, one);
  }
  return p.toString();
}

// POST the application form; returns the response.
export async function saveForm(c, id, fields, { action = 'save', version } = {}) {
  if (version === undefined) {
    const { html } = await c.page(`/applications/${id}`);
    version = html.match(/name="version" value="(\d+)"/)[1];
  }
  return c.post(`/applications/${id}`, null, { raw: formBody({ csrf_token: c.csrf, version, action, ...fields }) });
}

export async function apply(c, slug) {
  await c.page('/applications');
  const res = await c.post(`/rounds/${slug}/apply`, {});
  if (res.status !== 303)
    throw new Error(`apply: ${res.status} ${await res.text()}`);
  return Number(res.headers.get('location').match(/\/applications\/(\d+)$/)[1]);
}

// A small, valid one-page PDF with a correct cross-reference table.
export function pdf(text = 'Laurel test document', pad = 0) {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
  ];
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET\n% ${'x'.repeat(pad)}\n`;
  objs.push(`<< /Length ${Buffer.byteLength(stream)} >>\nstream\n${stream}endstream`);
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets)
    out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// Multipart upload of bytes as field "file".
export async function upload(c, id, bytes, name = 'evidence.pdf', type = 'application/pdf') {
  if (!c.csrf)
    await c.page(`/applications/${id}`);
  const fd = new FormData();
  fd.append('csrf_token', c.csrf);
  fd.append('file', new Blob([bytes], { type }), name);
  const res = await fetch(c.app.url(`/applications/${id}/files`), {
    method: 'POST', body: fd, redirect: 'manual', headers: c.cookieHeaders(),
  });
  return c.remember(res);
}

// Signed-in applicants straight in the database, for tests that need
// many (an Argon2id sign-in each would measure the hashing): users
// PREFIXi@example.org, i = 1..n, each with a session whose cookie is
// seedToken('s', i) and CSRF token seedToken('c', i).
export const seedToken = (kind, i) => kind + String(i).padStart(42, '0');

export function seedApplicants(app, prefix, n) {
  app.cluster.psql(`
    INSERT INTO users (email, display_name, password_hash, verified_at)
    SELECT '${prefix}' || i || '@example.org', '${prefix} ' || i, 'x', now()
    FROM generate_series(1, ${n}) i;
    INSERT INTO sessions (token_hash, user_id, csrf, expires_at)
    SELECT encode(sha256(convert_to('s' || lpad(i::text, 42, '0'), 'UTF8')), 'hex'),
        u.id, 'c' || lpad(i::text, 42, '0'), now() + interval '12 hours'
    FROM generate_series(1, ${n}) i JOIN users u ON u.email = '${prefix}' || i || '@example.org'`, app.db);
}

// The receipt's fingerprint as README "Checking a receipt" defines it,
// computed here independently of the SQL that stores it.
export function fingerprint(content, fileHashes) {
  const order = ['title', 'category', 'organisation_name', 'country', 'organisation_type', 'contact_name',
    'contact_email', 'summary', 'problem', 'approach', 'stage', 'reach', 'data_sources', 'legal_basis',
    'consent_transparency', 'minimisation', 'security_access', 'public_involvement', 'fairness_bias',
    'fair_reuse', 'outcomes', 'transferability', 'declare_accurate', 'declare_privacy', 'declare_publish'];
  const esc = (v) => (v ?? '').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  let text = 'laurel-application-v1\n' + order.map((f) => `${f}=${esc(content[f])}`).join('\n') + '\n';
  for (const p of content.partners || [])
    text += `partner_name=${esc(p.name)}\npartner_country=${esc(p.country)}\npartner_role=${esc(p.role)}\n`;
  for (const h of fileHashes)
    text += `file=${h}\n`;
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
