// Test harness: a throw-away PostgreSQL cluster and the real Kore binary
// with the real module on a free loopback port. No mocks.
//
//   const app = await startApp();        // own database, own Kore
//   const res = await app.get('/');
//   await app.stop();                     // fails on a dirty Kore log
//
// tests/run-suite.sh starts one cluster for a whole suite and passes it
// in LAUREL_TEST_PG; a test file run alone starts its own.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);

// Tests never read a developer's environment file (laurelctl reads
// var/laurelctl.env while `make run` is up): empty means "read no file".
process.env.LAUREL_ENV_FILE ??= '';
const PG = join(ROOT, 'tools/pg.sh');

// The module under test: `make test` builds one with ASan/UBSan and
// preloads the sanitizer runtime into Kore (LAUREL_TEST_PRELOAD).
const MODULE = process.env.LAUREL_TEST_MODULE || join(ROOT, 'build/laurel.so');
const PRELOAD = process.env.LAUREL_TEST_PRELOAD || '';

// What a clean run never logs.
const DIRTY = [
  /seccomp violation/i,
  /died from sandbox violation/,
  /\(hdlr: [^)]*\) gone/,
  /restarting worker/,
  /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer/,
  /runtime error:/,
  /\bfatal\b/i,
];

// Polls fn (sync or async) until it gives a truthy value, and returns
// it; fails naming what it waited for once ms have passed.
export async function until(what, fn, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v)
      return v;
    if (Date.now() > deadline)
      throw new Error(`gave up waiting for ${what} (${ms} ms)`);
    await sleep(50);
  }
}

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

// What the app's role gets for statement q in app's database: 'allowed',
// 'denied' (permission denied), or any other error's text.
export function asAppRole(app, q) {
  try {
    app.cluster.psql(`SET ROLE laurel_app; ${q}`, app.db);
    return 'allowed';
  } catch (e) {
    return /permission denied/.test(String(e.stderr)) ? 'denied' : String(e.stderr);
  }
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export class Cluster {
  constructor(dir, owned) {
    this.dir = dir;
    this.owned = owned;
  }

  static start() {
    const dir = tempDir('laurel-pg-');
    execFileSync(PG, ['start', dir], { stdio: 'inherit', env: { ...process.env, PG_FSYNC: 'off' } });
    return new Cluster(dir, true);
  }

  static shared() {
    if (process.env.LAUREL_TEST_PG)
      return new Cluster(process.env.LAUREL_TEST_PG, false);
    return Cluster.start();
  }

  // laurel owns the schema (migrations); the app connects as laurel_app.
  dsn(db = 'postgres', user = 'laurel') {
    return `host=${this.dir} dbname=${db} user=${user}`;
  }

  appDsn(db) {
    return this.dsn(db, 'laurel_app');
  }

  psql(sql, db = 'postgres') {
    return execFileSync('psql', [this.dsn(db), '-Atqc', sql], { encoding: 'utf8' }).trim();
  }

  createDatabase() {
    const name = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    this.psql(`CREATE DATABASE ${name}`);
    return name;
  }

  stopServer() {
    execFileSync(PG, ['stop', this.dir], { stdio: 'inherit' });
  }

  startServer() {
    execFileSync(PG, ['start', this.dir], { stdio: 'inherit', env: { ...process.env, PG_FSYNC: 'off' } });
  }

  stop() {
    if (!this.owned)
      return;
    this.stopServer();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// The pending migrations, then every function and trigger of sql/.
export function migrate(dsn) {
  return execFileSync(join(ROOT, 'build/laurelctl'), ['migrate', join(ROOT, 'migrations'), join(ROOT, 'sql')], {
    env: { ...process.env, LAUREL_OWNER_DB: '', LAUREL_DB: dsn }, encoding: 'utf8',
  });
}

// The development config with this instance's port, pidfile and tracing.
export function writeConf(dir, port, extra = {}, module = MODULE) {
  module = module || MODULE;
  let conf = readFileSync(join(ROOT, 'conf/laurel.conf'), 'utf8');
  conf = conf
    .replace(/^load\s+\S+/m, `load\t\t${module}`)
    .replace(/^(\s*bind\s+)127\.0\.0\.1 8888/m, `$1127.0.0.1 ${port}`)
    .replace(/^pidfile\s+.*$/m, `pidfile\t\t\t${join(dir, 'kore.pid')}`)
    .replace(/^seccomp_tracing\s+.*$/m, 'seccomp_tracing\t\tyes')
    .replace(/^http_body_disk_path\s+.*$/m, `http_body_disk_path\t${join(dir, 'uploads')}`);
  for (const [key, value] of Object.entries(extra)) {
    const re = new RegExp(`^${key}\\s+.*$`, 'm');
    conf = re.test(conf) ? conf.replace(re, `${key}\t${value}`) : `${key}\t${value}\n${conf}`;
  }
  const path = join(dir, 'kore.conf');
  writeFileSync(path, conf);
  return path;
}

export class App {
  constructor(opts) {
    Object.assign(this, opts);
  }

  log() {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  // Lines of the Kore log that no clean run has.
  dirtyLines() {
    return this.log().split('\n').filter((l) => DIRTY.some((re) => re.test(l)));
  }

  url(path) {
    return `${this.base}${path}`;
  }

  get(path, init = {}) {
    return fetch(this.url(path), { redirect: 'manual', ...init });
  }

  post(path, body, init = {}) {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...(init.headers || {}) };
    return fetch(this.url(path), { method: 'POST', body, redirect: 'manual', ...init, headers });
  }

  async stop({ allowDirty = false } = {}) {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await Promise.race([new Promise((r) => this.proc.once('exit', r)), sleep(5000)]);
      if (this.proc.exitCode === null)
        this.proc.kill('SIGKILL');
    }
    const dirty = this.dirtyLines();
    if (this.ownCluster)
      this.cluster.stop();
    if (!allowDirty && dirty.length > 0)
      throw new Error(`Kore log shows trouble:\n${dirty.join('\n')}\n(full log: ${this.logPath})`);
  }
}

// One file-encryption key for the tests that do not bring their own.
let sharedKeyFile;
export function writeKeyFile(path) {
  writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  return path;
}
export function testKeyFile() {
  if (!sharedKeyFile) {
    const dir = tempDir('laurel-key-');
    sharedKeyFile = writeKeyFile(join(dir, 'laurel.key'));
    // One per test file's process: gone with it.
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return sharedKeyFile;
}

export function appEnv(dsn, base, extra = {}) {
  return {
    ...process.env,
    LAUREL_KEY_FILE: testKeyFile(),
    LAUREL_DB: dsn,
    LAUREL_BASE_URL: base,
    LAUREL_MAIL_MODE: 'file',
    LAUREL_DEV: '0',
    ...(PRELOAD ? {
      LD_PRELOAD: PRELOAD,
      // Kore's parent never frees its configuration: leaks are not ours.
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0:halt_on_error=1',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    } : {}),
    ...extra,
  };
}

// Starts Kore and returns once /healthz answers, or throws with its log.
export async function startKore({ dir, port, env, conf }) {
  const logPath = join(dir, 'kore.log');
  const out = (await import('node:fs')).openSync(logPath, 'a');
  const proc = spawn('stdbuf', ['-oL', '-eL', 'kore', '-c', conf, '-f', '-n', '-r'], {
    cwd: ROOT, env, stdio: ['ignore', out, out],
    // Own process group: a Kore worker that outlives its parent sends
    // SIGQUIT to pid 0, i.e. to its whole group.
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (proc.exitCode !== null)
      return { proc, base, logPath, exited: true };
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200)
        return { proc, base, logPath, exited: false };
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`Kore did not start:\n${readFileSync(logPath, 'utf8')}`);
    }
    await sleep(50);
  }
}

// module: another build of the module (the race test wants the plain one).
export async function startApp({ cluster, env = {}, conf = {}, module } = {}) {
  const ownCluster = !cluster;
  cluster = cluster || Cluster.shared();
  const db = cluster.createDatabase();
  const dsn = cluster.dsn(db);
  migrate(dsn);
  const dir = tempDir('laurel-app-');
  mkdirSync(join(dir, 'mail'));
  const port = await freePort();
  const confPath = writeConf(dir, port, conf, module);
  const base = `http://127.0.0.1:${port}`;
  const koreEnv = appEnv(cluster.appDsn(db), base, { LAUREL_MAIL_DIR: join(dir, 'mail'), ...env });
  const k = await startKore({ dir, port, conf: confPath, env: koreEnv });
  if (k.exited)
    throw new Error(`Kore exited at start:\n${readFileSync(k.logPath, 'utf8')}`);
  return new App({ ...k, dir, port, db, dsn, cluster, env: koreEnv, confPath, ownCluster: ownCluster && !process.env.LAUREL_TEST_PG });
}

// A browser-like client: keeps cookies, reads the CSRF token from pages.
// With { ip }, it poses as that client behind a trusted proxy (the app
// must list 127.0.0.1 in LAUREL_TRUSTED_PROXIES).
export class Client {
  constructor(app, { ip = null } = {}) {
    this.app = app;
    this.ip = ip;
    this.cookies = new Map();
  }

  cookieHeaders() {
    const h = this.ip ? { 'x-forwarded-for': this.ip } : {};
    if (this.cookies.size === 0)
      return h;
    return { ...h, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  remember(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (attrs.some((a) => /max-age=0\b/i.test(a.trim())) || value === '')
        this.cookies.delete(name);
      else
        this.cookies.set(name, value);
    }
    return res;
  }

  async get(path, init = {}) {
    const res = await this.app.get(path, { ...init, headers: { ...this.cookieHeaders(), ...(init.headers || {}) } });
    return this.remember(res);
  }

  // GET a page, return its HTML and remember its csrf_token.
  async page(path) {
    const res = await this.get(path);
    const html = await res.text();
    const m = html.match(/name="csrf_token" value="([^"]*)"/);
    if (m)
      this.csrf = m[1];
    return { res, html };
  }

  async post(path, fields, { csrf = true, raw = null, headers = {} } = {}) {
    const body = raw ?? new URLSearchParams({ ...(csrf && this.csrf ? { csrf_token: this.csrf } : {}), ...fields }).toString();
    const res = await this.app.post(path, body, { headers: { ...this.cookieHeaders(), ...headers } });
    return this.remember(res);
  }
}

// Stops an app's Kore and starts it again on the same database, folder,
// port and log, with appEnv(extra) for its environment (a key set to
// undefined is removed). Clients of the app keep their sessions. Returns
// the app; throws with the log if Kore does not come up.
export async function restartApp(app, extra = {}) {
  if (app.proc && app.proc.exitCode === null && app.proc.signalCode === null) {
    const exited = new Promise((r) => app.proc.once('exit', r));
    app.proc.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (app.proc.exitCode === null && app.proc.signalCode === null)
      app.proc.kill('SIGKILL');
  }
  const env = appEnv(app.cluster.appDsn(app.db), app.base, { LAUREL_MAIL_DIR: join(app.dir, 'mail'), ...extra });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined)
      delete env[k];
  }
  const k = await startKore({ dir: app.dir, port: app.port, env, conf: join(app.dir, 'kore.conf') });
  if (k.exited)
    throw new Error(`Kore exited at restart:\n${readFileSync(k.logPath, 'utf8')}`);
  Object.assign(app, k);
  return app;
}

// Starts Kore with some settings changed (undefined: unset) against the
// cluster, for tests of start-up refusals: { exited, code, log }, or
// { exited: false } after killing an instance that did start.
export async function startRefused(cluster, envChanges) {
  const dir = tempDir('laurel-refused-');
  const port = await freePort();
  const conf = writeConf(dir, port);
  const env = appEnv(cluster.dsn('postgres'), `http://127.0.0.1:${port}`, envChanges);
  for (const [k, v] of Object.entries(envChanges)) {
    if (v === undefined)
      delete env[k];
  }
  // Its folder goes with it: a suite leaves hundreds of these behind.
  try {
    const k = await startKore({ dir, port, env, conf });
    if (!k.exited) {
      k.proc.kill('SIGKILL');
      await new Promise((r) => (k.proc.exitCode !== null || k.proc.signalCode !== null ? r() : k.proc.once('exit', r)));
      return { exited: false };
    }
    return { exited: true, code: k.proc.exitCode, log: readFileSync(k.logPath, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
