// Kore 4.1.0's task threads wait with "if", not "while": a short task
// finished before kore_task_run() signalled left the thread to wake on an
// empty queue and kill the worker (one start in three, on the first small
// upload). src/web/work.c holds each task until it has been signalled.
// This runs the plain build, where the window is narrow enough to hit;
// the sanitizer build is too slow to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startApp, ROOT } from '../../lib/harness.mjs';
import { openRound, pdf, seedApplicants, seedToken } from '../../lib/apply.mjs';

const tok = (kind) => seedToken(kind, 1);

test('short tasks right after a start never kill a worker (20 starts)', async () => {
  const dirty = [];
  for (let i = 0; i < 20; i++) {
    const app = await startApp({ module: join(ROOT, 'build/laurel.so'), env: { LD_PRELOAD: '' } });
    try {
      openRound(app, 'r');
      seedApplicants(app, 'a', 1);
      app.cluster.psql("SELECT application_create(id, 'r', '') FROM users", app.db);
      const fd = new FormData();
      fd.append('csrf_token', tok('c'));
      fd.append('file', new Blob([pdf('tiny')], { type: 'application/pdf' }), 'tiny.pdf');
      const statuses = await Promise.all([1, 2, 3, 4].map(() => fetch(app.url('/applications/1/files'), {
        method: 'POST', body: fd, redirect: 'manual', headers: { cookie: `laurel_session=${tok('s')}` },
      }).then((r) => r.status, () => 'connection lost')));
      assert.deepEqual(statuses, [303, 303, 303, 303], `start ${i}`);
      dirty.push(...app.dirtyLines());
    } finally {
      await app.stop({ allowDirty: true });
    }
  }
  assert.deepEqual(dirty, []);
});
