// The public awards pages read a PostgreSQL streaming replica
// (LAUREL_DB_PUBLIC, issue 15): a real primary, a real hot standby made
// with pg_basebackup -R (tools/pg.sh replica), the real Kore. The
// replica's replay is paused to tell which server a page was read on:
// a round published on the primary stays out of the public pages until
// the replica has replayed it, and then shows without another
// notification (the cache did not keep the page read while the replica
// was behind). Signed-in pages and writes stay on the primary, a
// replica that is down sends the public pages to the primary, and
// without LAUREL_DB_PUBLIC the pages read the primary as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Cluster, ROOT, startApp, restartApp, startRefused, tempDir, until } from '../lib/harness.mjs';
import { applicant, openRound, setCloses } from '../lib/apply.mjs';

const PG = join(ROOT, 'tools/pg.sh');
let primary, replica, app;
const sql = (s) => primary.psql(s, app.db);
const onReplica = (s, db = 'postgres') => replica.psql(s, db);

// One keep-alive connection: every request on it reaches the same Kore
// worker, so a second request finds what the first one kept. A kept
// page goes gzip-compressed to a client that takes it, a page rendered
// for the request does not: content-encoding tells a cache hit.
class Conn {
  constructor(base) {
    this.base = base;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  get(path) {
    return new Promise((ok, fail) => {
      const req = http.request(`${this.base}${path}`, { agent: this.agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => ok({ status: res.statusCode, kept: res.headers['content-encoding'] === 'gzip' }));
      });
      req.on('error', fail);
      req.end();
    });
  }

  close() {
    this.agent.destroy();
  }
}

// A round published on the primary with one winner, in one transaction
// that notifies laurel_awards, as publication does; returns the
// transaction's start.
function publish(slug) {
  openRound(app, slug);
  setCloses(app, slug, -1);
  return sql(`INSERT INTO awards (round_id, reference, decision, category, title, organisation, country, citation)
      SELECT id, 'BPR-${slug}', 'winner', 'IMPACT', 'Practice of ${slug}', 'Org ${slug}', 'AT', 'Cited.'
      FROM rounds WHERE slug = '${slug}';
    UPDATE rounds SET review_closed_at = now(), published_at = now() WHERE slug = '${slug}';
    NOTIFY laurel_awards;
    SELECT now()`);
}

// Until the replica has replayed all the primary has written.
async function caughtUp() {
  const lsn = primary.psql('SELECT pg_current_wal_lsn()');
  await until('the replica catches up', () =>
    onReplica(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'`) === 't');
}

async function pauseReplay() {
  onReplica('SELECT pg_wal_replay_pause()');
  await until('replay pauses', () => onReplica('SELECT pg_get_wal_replay_pause_state()') === 'paused');
}

// Every worker's listener heard the notification sent at `since` and
// asked the primary for its position.
async function heard(since, workers = 2) {
  await until('the workers hear the notification', () => primary.psql(`SELECT count(*)
    FROM pg_stat_activity WHERE application_name = 'laurel-pubcache' AND datname = '${app.db}'
      AND query = 'SELECT awards_wal_position()' AND query_start >= '${since}'`) === String(workers));
}

async function listening(n) {
  await until('the listeners connect', () =>
    (app.log().match(/pubcache: listening on laurel_awards/g) || []).length >= n);
}

const shows = async (slug) => (await (await app.get('/awards')).text()).includes(`/awards/${slug}`);

before(async () => {
  primary = Cluster.start();
  const dir = tempDir('laurel-replica-');
  execFileSync(PG, ['replica', dir, primary.dir], { stdio: 'inherit', env: { ...process.env, PG_FSYNC: 'off' } });
  replica = new Cluster(dir, true);
  // Streaming brings the app's database over, CREATE DATABASE included.
  app = await startApp({ cluster: primary });
  await listening(2);
  await caughtUp();
});

after(async () => {
  try {
    if (app)
      await app.stop();
  } finally {
    replica?.stop();
    primary?.stop();
  }
});

test('pg.sh replica makes a hot standby that streams', () => {
  assert.equal(onReplica('SELECT pg_is_in_recovery()'), 't');
  assert.equal(primary.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"), '1');
  assert.ok(Number(onReplica('SELECT count(*) FROM schema_migrations', app.db)) > 0, 'the app\'s database is there');
});

test('without LAUREL_DB_PUBLIC the public pages read the primary', async () => {
  await pauseReplay();
  try {
    publish('unset');
    await until('published on the primary, shown while the replica stands still', () => shows('unset'));
    assert.equal((await app.get('/awards/unset')).status, 200);
  } finally {
    onReplica('SELECT pg_wal_replay_resume()');
  }
  await caughtUp();
});

test('a bad LAUREL_DB_PUBLIC stops the start with one line', async () => {
  const r = await startRefused(primary, { LAUREL_DB_PUBLIC: 'host=/tmp dbname' });
  assert.equal(r.exited, true);
  assert.notEqual(r.code, 0);
  assert.match(r.log, /config: LAUREL_DB_PUBLIC is not a libpq connection string \(.+\)/);
});

test('with LAUREL_DB_PUBLIC the public pages read the replica, and a page read behind a notification is not kept', async () => {
  const before = (app.log().match(/pubcache: listening on laurel_awards/g) || []).length;
  await restartApp(app, { LAUREL_DB_PUBLIC: replica.appDsn(app.db) });
  await listening(before + 2);
  assert.equal((await app.get('/awards/unset')).status, 200);
  // The app's role reads on the replica.
  assert.notEqual(onReplica(`SELECT count(*) FROM pg_stat_activity
    WHERE datname = '${app.db}' AND usename = 'laurel_app'`), '0');

  const conn = new Conn(app.base);
  try {
    await pauseReplay();
    const since = publish('paused');
    await heard(since);

    // Signed-in pages and writes go to the primary: a whole registration,
    // e-mail verification and sign-in while the replica stands still.
    const c = await applicant(app, 'reader@example.org');
    const { res, html } = await c.page('/account');
    assert.equal(res.status, 200);
    assert.match(html, /reader@example\.org/);

    // Published on the primary, not yet on the replica: not shown, and
    // each read is rendered again rather than kept.
    for (let i = 0; i < 3; i++) {
      const r = await conn.get('/awards');
      assert.equal(r.status, 200);
      assert.equal(r.kept, false, `read ${i} behind the notification is not kept`);
    }
    assert.equal(await shows('paused'), false, 'the page reads the paused replica');
    assert.equal((await app.get('/awards/paused')).status, 404);

    onReplica('SELECT pg_wal_replay_resume()');
    // No notification comes again: the next reads find the round.
    await until('the round shows once replayed', () => shows('paused'));
    assert.equal((await app.get('/awards/paused')).status, 200);
    // Once the replica has replayed the notified change, pages are kept.
    await until('the page is kept again', async () => (await conn.get('/awards')).kept);
  } finally {
    conn.close();
    onReplica('SELECT pg_wal_replay_resume()');
  }
});

test('a replica that is down sends the public pages to the primary; the instance stays ready', async () => {
  replica.stopServer();
  try {
    // A missing round is never kept: each request asks a database.
    assert.equal((await app.get('/awards/gone-1')).status, 404);
    await until('the outage is logged', () => /db: the read replica is unreachable, the public pages read the primary/.test(app.log()));
    const since = publish('down');
    await heard(since);
    assert.equal((await app.get('/awards/down')).status, 200);
    assert.ok(await shows('down'));
    assert.equal((await app.get('/readyz')).status, 200);
  } finally {
    replica.startServer();
  }
  // Tried again after its rest: each worker finds it back.
  let n = 0;
  await until('the replica is read again', async () => {
    await app.get(`/awards/gone-${n++}`);
    return /db: the read replica is reachable again/.test(app.log());
  }, 30000);
  await caughtUp();
  assert.ok(await shows('down'));
});
