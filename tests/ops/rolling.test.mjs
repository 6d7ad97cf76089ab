// A rolling restart under load (issue 15): while signed-in applicants
// read their forms, save them and submit, deploy/rolling-restart.sh
// restarts each instance of the production stack in turn. Not one
// request fails, and every submit is applied exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Stack } from '../lib/stack.mjs';
import { Client, ROOT } from '../lib/harness.mjs';
import { openRound, fullForm, formBody, seedApplicants, seedToken } from '../lib/apply.mjs';

const skip = process.getuid() !== 0 && 'the production stack starts Kore as root (chroot, runas)';
const USERS = 8;
const DRAFTS = 4;
let stack, control, controlPort;
const sql = (q) => stack.psql(q);
const db = () => ({ cluster: { psql: (q) => stack.psql(q) }, db: 'laurel' });

// The restart command the script runs (LAUREL_RESTART): a request to
// this process, which restarts its instance as systemd would (SIGTERM,
// start, ready) and answers once Kore listens again.
function startControl() {
  control = http.createServer(async (req, res) => {
    const m = req.url.match(/^\/restart\/(\d+)$/);
    const inst = m && stack.instances.find((i) => i.port === Number(m[1]));
    if (!inst) {
      res.writeHead(404).end();
      return;
    }
    try {
      await inst.restart();
      inst.restarts = (inst.restarts || 0) + 1;
      res.writeHead(200).end('restarted\n');
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  return new Promise((r) => control.listen(0, '127.0.0.1', () => r(control.address().port)));
}

before(async () => {
  if (skip)
    return;
  stack = await Stack.start();
  controlPort = await startControl();
  openRound(db(), 'rolling');
  seedApplicants(db(), 'roll', USERS);
  const content = JSON.stringify(fullForm()).replace(/'/g, "''");
  sql(`SELECT count(application_create(u.id, 'rolling', '')) FROM users u, generate_series(1, ${DRAFTS})
       WHERE u.email LIKE 'roll%';
     SELECT count(application_save(a.id, a.owner_id, 0, '${content}'::jsonb, 'save', '', '', '')) FROM applications a`);
});

after(async () => {
  control?.close();
  await stack?.stop();
});

// One applicant's load, until the restarts are over: read a form, save
// it with a counter, and now and then submit a draft; once all are
// submitted, go on reading and saving them (allowed until the deadline).
async function applicant(i, apps, log, running) {
  const c = new Client(stack.front(`127.0.0.${10 + i}`));
  c.cookies.set('laurel_session', seedToken('s', i));
  const csrf = seedToken('c', i);
  const saved = new Map();
  const submitted = [];
  let k = 0;
  const hit = async (what, fn, ok) => {
    const t = Date.now();
    try {
      const res = await fn();
      const text = await res.text();
      log.push({ what, status: res.status, ok: ok.includes(res.status), t, text: ok.includes(res.status) ? '' : text.slice(0, 300) });
      return { res, text };
    } catch (e) {
      log.push({ what, status: 0, ok: false, t, text: String(e) });
      return null;
    }
  };
  while (running()) {
    const id = apps[k % apps.length];
    const page = await hit('page', () => c.get(`/applications/${id}`), [200]);
    const version = page?.text.match(/name="version" value="(\d+)"/)?.[1];
    if (!version)
      continue;
    k++;
    const action = k % 5 === 0 && !submitted.includes(id) ? 'submit' : 'save';
    const reach = `n=${i}.${k}`;
    const body = formBody({ csrf_token: csrf, version, action, ...fullForm({ reach }) });
    const r = await hit(action, () => c.post(`/applications/${id}`, null, { raw: body }), [303]);
    if (r?.res.status === 303) {
      saved.set(id, reach);
      if (action === 'submit')
        submitted.push(id);
    }
  }
  return { saved, submitted };
}

function runScript() {
  const n = join(stack.dir, 'nginx');
  return new Promise((resolve) => {
    const p = spawn('sh', [join(ROOT, 'deploy/rolling-restart.sh')], {
      env: {
        ...process.env,
        NGINX_SITE: join(n, 'site.conf'),
        NGINX: `nginx -p ${n} -c ${join(n, 'nginx.conf')}`,
        LAUREL_RESTART: `curl -fsS -X POST http://127.0.0.1:${controlPort}/restart/%p`,
        DRAIN_SECONDS: '20',
        READY_SECONDS: '30',
      },
    });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 120000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('each instance restarted in turn under load: no request fails, each submit applied once', { skip }, async () => {
  const ids = sql(`SELECT u.email || ':' || string_agg(a.id::text, ',' ORDER BY a.id) FROM applications a
    JOIN users u ON u.id = a.owner_id GROUP BY u.email`).split('\n');
  const draftsOf = new Map(ids.map((l) => {
    const [email, list] = l.split(':');
    return [Number(email.match(/roll(\d+)@/)[1]), list.split(',').map(Number)];
  }));
  const pids = stack.instances.map((inst) => inst.proc.pid);
  const log = [];
  let running = true;
  const load = [...draftsOf].map(([i, drafts]) => applicant(i, [...drafts], log, () => running));
  await sleep(1000);
  const started = Date.now();
  const script = await runScript();
  const ended = Date.now();
  await sleep(1000);
  running = false;
  const results = await Promise.all(load);

  assert.equal(script.code, 0, script.out);
  assert.doesNotMatch(script.out, /anyway/, 'each instance was drained before its restart');
  for (const [idx, inst] of stack.instances.entries()) {
    assert.equal(inst.restarts, 1, `instance ${inst.port} restarted once`);
    assert.notEqual(inst.proc.pid, pids[idx]);
  }
  // nginx's site is as shipped again: no instance left marked down.
  assert.doesNotMatch(stack.nginxSite(), /down;/);

  const failed = log.filter((l) => !l.ok);
  const during = log.filter((l) => l.t >= started && l.t <= ended);
  console.log(`rolling restart: ${log.length} requests, ${during.length} during the ${ended - started} ms restart, ` +
    `${failed.length} failed, ${stack.resent} streams sent again after a GOAWAY`);
  assert.deepEqual(failed, []);
  assert.ok(during.length >= 50, `load flowed during the restart (${during.length} requests)`);
  assert.ok(log.filter((l) => l.what === 'submit').length >= USERS, 'submits happened');
  assert.equal(stack.accessLog().filter((l) => l.status >= 500).length, 0, 'nginx answered no 5xx');

  // Each acknowledged submit applied exactly once (later saves of a
  // submitted application are resubmissions, audited as such); each
  // last save kept.
  for (const { saved, submitted } of results) {
    for (const id of submitted) {
      assert.equal(sql(`SELECT state FROM applications WHERE id = ${id}`), 'submitted');
      assert.equal(sql(`SELECT count(*) FROM audit WHERE subject = 'application:${id}'
        AND action = 'application.submit'`), '1', `application ${id}`);
    }
    for (const [id, reach] of saved)
      assert.equal(sql(`SELECT content->>'reach' FROM application_versions
        WHERE application_id = ${id} ORDER BY version DESC LIMIT 1`), reach, `application ${id}`);
  }
});
