// A page of 64 KiB or more goes to Kore as it is, not copied, and is
// released once sent (page_send_owned(), issue 16). It must arrive
// whole, as long as its Content-Length says, many at once as one alone;
// HEAD gets the same headers and no body; a large page with an error
// status (the form with its errors, 422) too, and the connection that
// carried it serves on; a smaller page is unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startApp } from '../../lib/harness.mjs';
import { applicant, apply, formBody, fullForm, openRound, saveForm } from '../../lib/apply.mjs';

let app, c, id;
const STREAM_MIN = 64 * 1024;
// 500 words, the most a long answer may have, and then some.
const words = (n) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
const longForm = (last) => fullForm({ problem: words(500), approach: words(500), outcomes: words(500), data_sources: words(500),
  transferability: `${words(last - 1)} END-OF-FORM` });

// The raw answer: status, headers and every byte of the body.
function raw(method, path, { agent = false, body = null } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { ...c.cookieHeaders() };
    if (body !== null) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request(app.url(path), { method, agent, headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

before(async () => {
  app = await startApp();
  openRound(app, 'big');
  c = await applicant(app, 'long@example.org');
  id = await apply(c, 'big');
  // Five answers of 500 words: the form page passes 64 KiB.
  const res = await saveForm(c, id, longForm(500));
  assert.equal(res.status, 303);
});
after(async () => { await app.stop(); });

test('a page over 64 KiB arrives whole, as long as its Content-Length, twenty at once', async () => {
  const answers = await Promise.all(Array.from({ length: 20 }, () => raw('GET', `/applications/${id}`)));
  const first = answers[0];
  assert.equal(first.status, 200);
  assert.ok(first.body.length > STREAM_MIN, `page of ${first.body.length} bytes`);
  assert.equal(Number(first.headers['content-length']), first.body.length);
  const html = first.body.toString('utf8');
  assert.match(html, /END-OF-FORM/);
  assert.match(html, /<\/html>\s*$/);
  for (const a of answers) {
    assert.equal(a.status, 200);
    // The CSRF token differs between answers; everything else is equal.
    const strip = (b) => b.toString('utf8').replace(/value="[A-Za-z0-9_-]{30,}"/g, '');
    assert.equal(Number(a.headers['content-length']), a.body.length);
    assert.equal(strip(a.body), strip(first.body));
  }
  assert.equal(first.headers['cache-control'], 'no-cache');
  assert.ok(first.headers['content-security-policy'], 'the pages\' security headers');
});

test('HEAD of the same page: its headers, no body', async () => {
  const get = await raw('GET', `/applications/${id}`);
  const head = await raw('HEAD', `/applications/${id}`);
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-type'], get.headers['content-type']);
  assert.equal(Number(head.headers['content-length']), get.body.length);
});

test('a large page with an error status arrives whole, and its connection serves on', async () => {
  const { html } = await c.page(`/applications/${id}`);
  const version = html.match(/name="version" value="(\d+)"/)[1];
  const body = formBody({ csrf_token: c.csrf, version, action: 'save', ...longForm(501) });
  // One connection for both: what the first answer left on it would be
  // read as the start of the second.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const refused = await raw('POST', `/applications/${id}`, { agent, body });
    assert.equal(refused.status, 422);
    assert.ok(refused.body.length > STREAM_MIN, `page of ${refused.body.length} bytes`);
    assert.equal(Number(refused.headers['content-length']), refused.body.length);
    const text = refused.body.toString('utf8');
    assert.match(text, /Use at most 500 words \(you have 501\)/);
    assert.match(text, /END-OF-FORM/);
    assert.match(text, /<\/html>\s*$/);
    const next = await raw('GET', '/applications', { agent });
    assert.equal(next.status, 200);
    assert.equal(Number(next.headers['content-length']), next.body.length);
    assert.match(next.body.toString('utf8'), /<\/html>\s*$/);
  } finally {
    agent.destroy();
  }
});

test('a smaller page is sent as before, and the connection serves on', async () => {
  const small = await raw('GET', '/applications');
  assert.equal(small.status, 200);
  assert.ok(small.body.length < STREAM_MIN);
  assert.equal(Number(small.headers['content-length']), small.body.length);
  const big = await raw('GET', `/applications/${id}`);
  assert.equal(Number(big.headers['content-length']), big.body.length);
});
