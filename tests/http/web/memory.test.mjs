// A worker's memory after documents went through it: bounded, whatever
// the number at once (issue 16). libpq keeps each connection's buffers
// at the largest message it carried, so documents have a small pool of
// their own (web/db.c), and the task threads' copies are given back
// after each large body (web/ctx.c). Before both, eight 10 MiB uploads
// at once left one worker at 180-200 MiB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startApp } from '../../lib/harness.mjs';
import { openRound, pdf, seedApplicants, seedToken } from '../../lib/apply.mjs';

const AT_ONCE = 8;
const MIB = 1024 * 1024;
// Kore and its libraries start near 11 MiB; two connections of 16 MiB
// buffers, and room for the heap's own growth.
const BOUND_MIB = 96;

let app;
const sql = (q) => app.cluster.psql(q, app.db);
const apps = [];

before(async () => {
  // The plain build, without the sanitizer's runtime: AddressSanitizer
  // keeps freed memory on purpose, which would measure nothing of ours.
  app = await startApp({ module: join(ROOT, 'build/laurel.so'), env: { LD_PRELOAD: '' } });
  openRound(app, 'mem', { maxFiles: 20, maxMb: 20 });
  seedApplicants(app, 'mem', AT_ONCE);
  for (let i = 1; i <= AT_ONCE; i++)
    apps.push(Number(sql(`SELECT (application_create(u.id, 'mem', '')).number FROM users u WHERE u.email = 'mem${i}@example.org'`)));
});
after(async () => { await app.stop(); });

function multipart(csrf, doc) {
  const b = '----laurelmem';
  return {
    type: `multipart/form-data; boundary=${b}`,
    body: Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${csrf}\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="file"; filename="e.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
      doc, Buffer.from(`\r\n--${b}--\r\n`)]),
  };
}

// Each worker's resident size in MiB.
function workersRss() {
  const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(app.proc.pid)], { encoding: 'utf8' })
    .split('\n').map((l) => l.trim()).filter(Boolean);
  return pids.map((pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m)[1]) / 1024);
}

test('documents in and out, eight at once, leave each worker within its bound', async () => {
  const doc = pdf('Memory bound', 10 * MIB);
  for (let round = 0; round < 2; round++) {
    const ups = await Promise.all(apps.map(async (id, k) => {
      const mp = multipart(seedToken('c', k + 1), doc);
      const res = await app.get(`/applications/${id}/files`, {
        method: 'POST', body: mp.body,
        headers: { cookie: `laurel_session=${seedToken('s', k + 1)}`, 'content-type': mp.type },
      });
      return res.status;
    }));
    assert.deepEqual(ups, apps.map(() => 303));
    // The downloads are as large, on the way out.
    const downs = await Promise.all(apps.map(async (id, k) => {
      const fid = sql(`SELECT max(id) FROM application_files WHERE application_id = ${id}`);
      const res = await app.get(`/applications/${id}/files/${fid}`, { headers: { cookie: `laurel_session=${seedToken('s', k + 1)}` } });
      return [res.status, (await res.arrayBuffer()).byteLength];
    }));
    assert.deepEqual(downs, apps.map(() => [200, doc.length]));
  }
  const rss = workersRss();
  assert.ok(rss.length >= 1);
  for (const mib of rss)
    assert.ok(mib < BOUND_MIB, `a worker holds ${mib.toFixed(1)} MiB after ${AT_ONCE} documents at once, twice (bound ${BOUND_MIB} MiB): ${rss.map((m) => m.toFixed(1)).join(', ')}`);
});
