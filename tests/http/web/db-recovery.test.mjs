// PostgreSQL restarts under the running app, under load: the requests
// that hit the dead connections get the 503 page, the app heals itself
// within 5 s of the database being back, and no worker crashes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, startApp } from '../../lib/harness.mjs';

let cluster, app;

before(async () => {
  cluster = Cluster.start();	// our own: we are going to restart it
  app = await startApp({ cluster });
});

after(async () => {
  await app?.stop();
  cluster?.stop();
});

// Keeps `n` clients asking /readyz until stopped; tallies the statuses.
function load(n) {
  const tally = new Map();
  let running = true;
  const loops = Array.from({ length: n }, async () => {
    while (running) {
      try {
        // A request that hangs is a failure, not a wait of minutes.
        const res = await app.get('/readyz', { signal: AbortSignal.timeout(10000) });
        await res.arrayBuffer();
        tally.set(res.status, (tally.get(res.status) || 0) + 1);
      } catch (e) {
        const what = e.name === 'TimeoutError' ? 'no answer in 10 s' : 'network';
        tally.set(what, (tally.get(what) || 0) + 1);
      }
    }
  });
  return { tally, stop: async () => { running = false; await Promise.all(loops); } };
}

// psql without blocking the event loop, so the load keeps running.
async function psqlAsync(q) {
  await promisify(execFile)('psql', [cluster.dsn(app.db), '-Atqc', q]);
}

async function waitFor(fn, ms) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await fn())
      return Date.now() - start;
    await sleep(25);
  }
  return -1;
}

test('a PostgreSQL restart under load is recovered from', async () => {
  assert.equal((await app.get('/readyz')).status, 200);

  const bg = load(16);
  let healed = -1;
  try {
    await sleep(500);
    cluster.stopServer();

    // While the database is down: the 503 page, and liveness still fine.
    const down = await app.get('/readyz');
    assert.equal(down.status, 503);
    assert.match(await down.text(), /Temporarily unavailable/);
    assert.equal((await app.get('/healthz')).status, 200);
    assert.equal((await app.get('/rules')).status, 200, 'pages without the database still work');
    assert.equal((await app.get('/')).status, 503, 'the home page lists rounds: 503 page');
    await sleep(500);

    cluster.startServer();
    healed = await waitFor(async () => {
      // Every worker and pooled connection must be healthy: ten in a row.
      for (let i = 0; i < 10; i++) {
        if ((await app.get('/readyz')).status !== 200)
          return false;
      }
      return true;
    }, 5000);
    await sleep(300);
  } finally {
    // Stop the load whatever happened, or the loops would run forever.
    await bg.stop();
  }

  assert.ok(healed >= 0, 'requests succeed again within 5 s of PostgreSQL being back');
  const statuses = [...bg.tally.keys()];
  assert.ok(bg.tally.get(200) > 0, 'load was served before and after');
  assert.ok(bg.tally.get(503) > 0, 'the outage was answered with 503');
  assert.deepEqual(statuses.filter((s) => ![200, 503].includes(s)), [],
    `only 200 and 503 answers: ${JSON.stringify([...bg.tally])}`);
});

test('after recovery, sustained traffic is all 200', async () => {
  const bg = load(16);
  await sleep(1000);
  await bg.stop();
  assert.deepEqual([...bg.tally.keys()], [200], JSON.stringify([...bg.tally]));
});

// PostgreSQL ends the app's sessions (an administrator's
// pg_terminate_backend, a fast shutdown) while queries are in flight:
// those answer 503, the pool heals, and the log says what happened in
// one line without PostgreSQL's "FATAL" severity (which the harness, like
// an operator, reads as the app's own death).
test('backends terminated under load: 503 for those, healed, a clean log', async () => {
  const bg = load(16);
  try {
    for (let i = 0; i < 40; i++) {
      await psqlAsync(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
        WHERE usename = 'laurel_app' AND datname = current_database()`);
    }
  } finally {
    await bg.stop();
  }
  assert.deepEqual([...bg.tally.keys()].filter((s) => ![200, 503].includes(s)), [],
    JSON.stringify([...bg.tally]));
  for (let i = 0; i < 20; i++)
    assert.equal((await app.get('/readyz')).status, 200, 'healed');
  const lines = app.log().split('\n').filter((l) => /db: database unreachable/.test(l));
  assert.ok(lines.length > 0, 'the outage was logged');
  assert.deepEqual(app.dirtyLines(), []);
});
