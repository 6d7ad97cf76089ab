// Supporting documents: PDF only (checked by content), the round's size
// and count limits, encrypted at rest, served as an attachment to the
// owner only, refused when tampered with, deleted on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, startKore, freePort } from '../../lib/harness.mjs';
import { applicant, openRound, setCloses, fullForm, saveForm, apply, pdf, upload } from '../../lib/apply.mjs';

let app, ana, ben;
const sql = (q) => app.cluster.psql(q, app.db);
const MIB = 1024 * 1024;

before(async () => {
  app = await startApp({ env: { LAUREL_TRUSTED_PROXIES: '127.0.0.1' } });
  openRound(app, 'docs', { maxFiles: 2, maxMb: 1 });
  ana = await applicant(app, 'ana@example.org', '203.0.113.31');
  ben = await applicant(app, 'ben@example.org', '203.0.113.32');
});
after(async () => { await app.stop(); });

test('a PDF is stored encrypted and comes back as the same bytes, as an attachment', async () => {
  const id = await apply(ana, 'docs');
  const doc = pdf('Evidence of impact, plain text marker XYZZY');
  let res = await upload(ana, id, doc, 'Évidence "report" <1>.pdf');
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal(res.headers.get('location'), `/applications/${id}?uploaded=1#files`);
  const [fid, name, size, hash, keyId] = sql(`SELECT id, name, size, sha256, key_id FROM application_files WHERE application_id = ${id}`).split('|');
  assert.equal(Number(size), doc.length);
  assert.equal(hash, createHash('sha256').update(doc).digest('hex'));
  assert.match(keyId, /^[0-9a-f]{16}$/);
  assert.match(name, /report/);
  // Nothing of the plaintext is in the database.
  assert.equal(sql(`SELECT position('XYZZY'::bytea in sealed) FROM application_files WHERE id = ${fid}`), '0');
  assert.equal(sql(`SELECT position('%PDF'::bytea in sealed) FROM application_files WHERE id = ${fid}`), '0');

  res = await ana.get(`/applications/${id}/files/${fid}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  const disp = res.headers.get('content-disposition');
  assert.match(disp, /^attachment; filename="[A-Za-z0-9._-]+\.pdf"; filename\*=UTF-8''/);
  assert.doesNotMatch(disp, /[<>]|"report"/);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), doc);
  const { html } = await ana.page(`/applications/${id}?uploaded=1`);
  assert.match(html, /The document has been added/);
  assert.match(html, /report/);
});

// Over 1 MiB Kore keeps the body in a temporary file, which the parser
// maps rather than reads: the bytes must still come back the same.
test('a document from the temporary file comes back as the same bytes', async () => {
  openRound(app, 'bigdocs', { maxFiles: 2, maxMb: 5 });
  const id = await apply(ana, 'bigdocs');
  const doc = pdf('Large evidence', 3 * MIB + 12345);
  const res = await upload(ana, id, doc, 'large.pdf');
  assert.equal(res.status, 303, await res.clone().text());
  const [fid, size, hash] = sql(`SELECT id, size, sha256 FROM application_files WHERE application_id = ${id}`).split('|');
  assert.equal(Number(size), doc.length);
  assert.equal(hash, createHash('sha256').update(doc).digest('hex'));
  const got = await ana.get(`/applications/${id}/files/${fid}`);
  assert.equal(got.status, 200);
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), doc);
});

test('what is not a sound PDF is refused with the reason, and nothing is stored', async () => {
  const id = await apply(ana, 'docs');
  let res = await upload(ana, id, Buffer.from('MZ\x90\x00 this is a program'), 'tool.pdf');
  assert.equal(res.status, 422);
  assert.match(await res.text(), /This file is not a PDF/);
  const broken = pdf('x').subarray(0, 60);
  res = await upload(ana, id, broken, 'broken.pdf');
  assert.equal(res.status, 422);
  assert.match(await res.text(), /damaged/);
  res = await upload(ana, id, Buffer.alloc(0), '');
  assert.equal(res.status, 422);
  assert.match(await res.text(), /Choose a PDF file/);
  // A multipart body that is not one (parsed off the event loop): 400.
  res = await fetch(app.url(`/applications/${id}/files`), {
    method: 'POST', redirect: 'manual', body: '--x\r\nnot a part',
    headers: { ...ana.cookieHeaders(), 'content-type': 'multipart/form-data; boundary=x' },
  });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /The upload is malformed/);
  assert.equal(sql(`SELECT count(*) FROM application_files WHERE application_id = ${id}`), '0');
});

test("the round's size and count limits hold", async () => {
  const id = await apply(ana, 'docs');
  let res = await upload(ana, id, pdf('big', Math.round(1.5 * MIB)), 'big.pdf');
  assert.equal(res.status, 413);
  assert.match(await res.text(), /each document may be at most 1 MiB/);
  assert.equal((await upload(ana, id, pdf('one'), 'one.pdf')).status, 303);
  assert.equal((await upload(ana, id, pdf('two'), 'two.pdf')).status, 303);
  res = await upload(ana, id, pdf('three'), 'three.pdf');
  assert.equal(res.status, 422);
  assert.match(await res.text(), /at most 2 documents/);
  assert.equal(sql(`SELECT count(*) FROM application_files WHERE application_id = ${id}`), '2');
});

test('an upload over the instance limit is refused before its body is read', async () => {
  const id = await apply(ana, 'docs');
  const head = `POST /applications/${id}/files HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Content-Type: multipart/form-data; boundary=x\r\nContent-Length: ${200 * MIB}\r\n\r\n`;
  const answer = await new Promise((resolve, reject) => {
    const s = net.connect(app.port, '127.0.0.1', () => s.write(head));
    let data = '';
    s.on('data', (d) => { data += d; if (data.includes('</html>')) { s.destroy(); resolve(data); } });
    s.on('error', reject);
    s.setTimeout(5000, () => { s.destroy(); reject(new Error(`no answer: ${data}`)); });
  });
  assert.match(answer, /^HTTP\/1\.1 413/);
  assert.match(answer, /Too large/);
});

test('a tampered ciphertext is refused on download', async () => {
  const id = await apply(ana, 'docs');
  await upload(ana, id, pdf('to tamper'), 'tamper.pdf');
  const fid = sql(`SELECT max(id) FROM application_files WHERE application_id = ${id}`);
  // Flip every bit of one byte: overwriting it with a fixed value leaves
  // the ciphertext unchanged once in 256 runs.
  sql(`UPDATE application_files SET sealed = set_byte(sealed, 199, 255 - get_byte(sealed, 199)) WHERE id = ${fid}`);
  const res = await ana.get(`/applications/${id}/files/${fid}`);
  assert.equal(res.status, 500);
  assert.match(await res.text(), /damaged and cannot be opened/);
  assert.match(app.log(), new RegExp(`document ${fid} failed to open`));
});

test("a document moved into another row is refused: it is not the one recorded", async () => {
  // Someone who can write the database moves ben's sealed document into
  // ana's row: it opens with the key, but it is not what ana uploaded.
  const mine = await apply(ana, 'docs');
  await upload(ana, mine, pdf('ana original'), 'ana.pdf');
  const theirs = await apply(ben, 'docs');
  await upload(ben, theirs, pdf('ben secret'), 'ben.pdf');
  const fa = sql(`SELECT max(id) FROM application_files WHERE application_id = ${mine}`);
  const fb = sql(`SELECT max(id) FROM application_files WHERE application_id = ${theirs}`);
  sql(`UPDATE application_files SET sealed = (SELECT sealed FROM application_files WHERE id = ${fb}),
    key_id = (SELECT key_id FROM application_files WHERE id = ${fb}) WHERE id = ${fa}`);
  const res = await ana.get(`/applications/${mine}/files/${fa}`);
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.match(text, /damaged and cannot be opened/);
  assert.doesNotMatch(text, /ben secret/);
  // Sealed bound to ben's application and file: it does not open here.
  assert.match(app.log(), new RegExp(`document ${fa} failed to open`));
  assert.equal(sql(`SELECT encode(substring(sealed FROM 1 FOR 4), 'escape') FROM application_files WHERE id = ${fb}`), 'LFC2');
  // Ben's own is untouched.
  assert.equal((await ben.get(`/applications/${theirs}/files/${fb}`)).status, 200);
});

test('a document whose recorded SHA-256 was changed is refused', async () => {
  const id = await apply(ana, 'docs');
  await upload(ana, id, pdf('hash checked'), 'hash.pdf');
  const fid = sql(`SELECT max(id) FROM application_files WHERE application_id = ${id}`);
  sql(`UPDATE application_files SET sha256 = repeat('0', 64) WHERE id = ${fid}`);
  const res = await ana.get(`/applications/${id}/files/${fid}`);
  assert.equal(res.status, 500);
  assert.match(await res.text(), /damaged and cannot be opened/);
  assert.match(app.log(), new RegExp(`document ${fid} opened but is not the one recorded`));
});

test('only the owner can download, upload or delete', async () => {
  const id = await apply(ana, 'docs');
  await upload(ana, id, pdf('private'), 'private.pdf');
  const fid = sql(`SELECT max(id) FROM application_files WHERE application_id = ${id}`);
  await ben.page('/applications');
  assert.equal((await ben.get(`/applications/${id}/files/${fid}`)).status, 404);
  assert.equal((await upload(ben, id, pdf('intruder'), 'x.pdf')).status, 404);
  assert.equal((await ben.post(`/applications/${id}/files/${fid}/delete`, {})).status, 404);
  // A file id of another application through one's own application.
  const mine = await apply(ben, 'docs');
  assert.equal((await ben.get(`/applications/${mine}/files/${fid}`)).status, 404);
  assert.equal((await ben.post(`/applications/${mine}/files/${fid}/delete`, {})).status, 404);
  assert.equal(sql(`SELECT count(*) FROM application_files WHERE id = ${fid}`), '1');
  // Anonymous: to the sign-in page.
  const anon = await fetch(app.url(`/applications/${id}/files/${fid}`), { redirect: 'manual' });
  assert.equal(anon.status, 303);
});

test('documents count in the fingerprint; changes after submit give a new receipt', async () => {
  const id = await apply(ana, 'docs');
  await saveForm(ana, id, fullForm(), { action: 'submit' });
  const fp1 = sql(`SELECT fingerprint FROM applications WHERE id = ${id}`);
  const doc = pdf('late evidence');
  assert.equal((await upload(ana, id, doc, 'late.pdf')).status, 303);
  const fp2 = sql(`SELECT fingerprint FROM applications WHERE id = ${id}`);
  assert.notEqual(fp2, fp1);
  assert.equal(sql(`SELECT files->0->>'sha256' FROM application_receipts WHERE application_id = ${id} ORDER BY at DESC LIMIT 1`),
    createHash('sha256').update(doc).digest('hex'));
  const fid = sql(`SELECT max(id) FROM application_files WHERE application_id = ${id}`);
  await ana.page(`/applications/${id}`);
  const res = await ana.post(`/applications/${id}/files/${fid}/delete`, {});
  assert.equal(res.status, 303);
  assert.equal(sql(`SELECT fingerprint FROM applications WHERE id = ${id}`), fp1);
  assert.equal(sql(`SELECT count(*) FROM application_receipts WHERE application_id = ${id}`), '3');
});

test('after the deadline documents can be neither added nor deleted', async () => {
  openRound(app, 'docs-closing', { maxFiles: 2, maxMb: 1 });
  const id = await apply(ana, 'docs-closing');
  await upload(ana, id, pdf('kept'), 'kept.pdf');
  const fid = sql(`SELECT max(id) FROM application_files WHERE application_id = ${id}`);
  setCloses(app, 'docs-closing', -1);
  let res = await upload(ana, id, pdf('late'), 'late.pdf');
  assert.equal(res.status, 409);
  assert.match(await res.text(), /deadline has passed/);
  res = await ana.post(`/applications/${id}/files/${fid}/delete`, {});
  assert.equal(res.status, 409);
  assert.equal(sql(`SELECT count(*) FROM application_files WHERE application_id = ${id}`), '1');
  assert.equal((await ana.get(`/applications/${id}/files/${fid}`)).status, 200);
});

test('uploads left in the temporary directory by a killed worker are removed at start', async () => {
  const dir = join(app.dir, 'uploads');
  assert.ok(existsSync(dir));
  writeFileSync(join(dir, 'http_body.LEFTOVER'), 'plaintext of an interrupted upload');
  writeFileSync(join(dir, 'unrelated.txt'), 'not ours');
  // A second instance on the same configuration directory cleans it.
  const port = await freePort();
  const conf = join(app.dir, 'kore.conf');
  const { readFileSync } = await import('node:fs');
  const c2 = join(app.dir, 'kore2.conf');
  writeFileSync(c2, readFileSync(conf, 'utf8').replace(`127.0.0.1 ${app.port}`, `127.0.0.1 ${port}`).replace(/kore\.pid/, 'kore2.pid'));
  const k = await startKore({ dir: app.dir, port, conf: c2, env: app.env });
  try {
    assert.deepEqual(readdirSync(dir).sort(), ['unrelated.txt']);
  } finally {
    k.proc.kill('SIGTERM');
  }
});
