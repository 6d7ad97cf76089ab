// Every statement is prepared once per connection and executed by name
// from then on (web/db.c, issue 16). A migration may leave a prepared
// statement unfit (a function's result type changed): that query is
// asked again as it is, on a fresh connection, and the page answers.
// A query the server refused is over: no cancel request follows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, startApp, until } from '../../lib/harness.mjs';
import { openRound, seedApplicants, seedToken } from '../../lib/apply.mjs';

let cluster, app;
const sql = (q) => cluster.psql(q, app.db);
const cookie = { cookie: `laurel_session=${seedToken('s', 1)}` };

before(async () => {
  cluster = Cluster.start();	// our own: its log and its settings
  app = await startApp({ cluster });
  // Every statement the app's connections run, in the server's log
  // (they open at the first query; only the awards listener is open).
  cluster.psql('ALTER ROLE laurel_app SET log_statement = \'all\'');
  openRound(app, 'prep');
  seedApplicants(app, 'prep', 1);
  sql(`SELECT application_create(u.id, 'prep', '') FROM users u WHERE u.email = 'prep1@example.org'`);
});

after(async () => {
  await app?.stop();
  cluster?.stop();
});

const serverLog = () => readFileSync(join(cluster.dir, 'postgres.log'), 'utf8');

test('a page\'s query is executed by name once its connection has prepared it', async () => {
  for (let i = 0; i < 40; i++) {
    const res = await app.get('/applications', { headers: cookie });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Round prep/);
  }
  const lines = serverLog().split('\n').filter((l) => l.includes('application_list(s.user_id)'));
  const named = lines.filter((l) => /execute l\d+: SELECT/.test(l));
  const unnamed = lines.filter((l) => l.includes('execute <unnamed>'));
  // A worker has at most pgsql_conn_max connections; 40 requests
  // one after another reuse them.
  assert.ok(named.length >= 40, `${named.length} executions by name of 40:\n${lines.slice(0, 5).join('\n')}`);
  assert.deepEqual(unnamed, []);
});

test('a statement a migration made unfit is asked again, and the page answers', async () => {
  // Prepared on the connections (the test before), then the result
  // type of one of its functions changes under them: json to jsonb.
  const def = sql(`SELECT pg_get_functiondef('rounds_public_open()'::regprocedure)`);
  sql(`DROP FUNCTION rounds_public_open();
    ${def.replace('RETURNS json', 'RETURNS jsonb').replace("'[]'::json)", "'[]'::jsonb)").replace('coalesce(json_agg(', 'coalesce(jsonb_agg(')};
    GRANT EXECUTE ON FUNCTION rounds_public_open() TO PUBLIC`);
  assert.equal(sql(`SELECT pg_get_function_result('rounds_public_open()'::regprocedure)`), 'jsonb');
  try {
    for (let i = 0; i < 40; i++) {
      const res = await app.get('/applications', { headers: cookie });
      assert.equal(res.status, 200, `request ${i + 1} after the change`);
      assert.match(await res.text(), /Round prep/);
    }
    await until('the notice in Kore\'s log', () => /a prepared statement no longer fits/.test(app.log()));
    assert.match(serverLog(), /cached plan must not change result type/);
  } finally {
    sql(`DROP FUNCTION rounds_public_open(); ${def}; GRANT EXECUTE ON FUNCTION rounds_public_open() TO PUBLIC`);
  }
});

test('a query the server refused is not cancelled afterwards (no new connection per error)', async () => {
  cluster.psql('ALTER SYSTEM SET log_connections = on');
  cluster.psql('SELECT pg_reload_conf()');
  const def = sql(`SELECT pg_get_functiondef('rounds_public_open()'::regprocedure)`);
  const received = () => (serverLog().match(/connection received/g) || []).length;
  try {
    // Every connection of both workers opened before counting.
    for (let i = 0; i < 40; i++)
      assert.equal((await app.get('/')).status, 200);
    sql(`CREATE OR REPLACE FUNCTION rounds_public_open() RETURNS json
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
      AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`);
    const before = received();
    for (let i = 0; i < 10; i++)
      assert.equal((await app.get('/')).status, 500);
    // Kore's cancel request is a connection to the server, which logs it.
    assert.equal(received() - before, 0);
    await until('the refusals in Kore\'s log', () => (app.log().match(/refused for the test/g) || []).length >= 10);
  } finally {
    sql(`${def}`);
    cluster.psql('ALTER SYSTEM RESET log_connections');
    cluster.psql('SELECT pg_reload_conf()');
  }
  // The connections that carried the errors serve on.
  for (let i = 0; i < 10; i++)
    assert.equal((await app.get('/')).status, 200);
});
