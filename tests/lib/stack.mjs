// The production stack on loopback, from deploy/ itself: PostgreSQL over
// TCP, Kore instances started as root from deploy/laurel.conf (chroot,
// the unprivileged user laurel, seccomp) with the environment file built
// from deploy/laurel.env.example, the mailer (laurelctl mail), and nginx
// with deploy/nginx-laurel.conf terminating TLS (HTTP/2) in front.
//
//   const stack = await Stack.start();
//   const c = new Client(stack.front('127.0.0.2'));   // harness's Client
//   await c.page('/login');
//   await stack.stop();            // fails on a dirty Kore log
//
// Only the host-specific parts of the shipped files are changed: ports,
// the certificate, and the paths /opt/laurel, /var/lib/laurel/root and
// /run/laurel, which point into the test's own folder.

import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, chmodSync, chownSync, openSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import http2 from 'node:http2';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, freePort, tempDir, migrate } from './harness.mjs';

const PG = join(ROOT, 'tools/pg.sh');
const LAURELCTL = join(ROOT, 'build/laurelctl');
export const HOST = 'awards.example.eu';

// What a clean production log never shows.
const DIRTY = [
  /seccomp violation/i,
  /died from sandbox violation/,
  /\(hdlr: [^)]*\) gone/,
  /restarting worker/,
  /\bfatal\b/i,
];

// KEY=VALUE lines of an environment file (the shipped ones are plain:
// src/core/envfile.c refuses anything systemd would read otherwise).
export function readEnvFile(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^([A-Z_][A-Z0-9_]*)=(.*)$/);
    if (m)
      env[m[1]] = m[2];
  }
  return env;
}

// deploy/laurel.conf as laurel@PORT.service writes it: the unit's own
// sed expressions, read from the unit, with %i the port.
export function instanceConf(port, paths) {
  const unit = readFileSync(join(ROOT, 'deploy/laurel@.service'), 'utf8');
  const sed = unit.split('\n').find((l) => /ExecStartPre=.*sed .*laurel\.conf/.test(l));
  if (!sed)
    throw new Error('deploy/laurel@.service: no ExecStartPre sed line writing the configuration');
  let conf = readFileSync(join(ROOT, 'deploy/laurel.conf'), 'utf8');
  for (const [, from, to] of sed.matchAll(/-e "s\/([^/]*)\/([^/]*)\/"/g))
    conf = conf.replace(new RegExp(from, 'g'), to.replaceAll('%i', String(port)));
  return hostPaths(conf, paths);
}

// A setting of deploy/laurel@.service, e.g. its WorkingDirectory.
function unitSetting(name) {
  const unit = readFileSync(join(ROOT, 'deploy/laurel@.service'), 'utf8');
  const m = unit.match(new RegExp(`^${name}=(.*)$`, 'm'));
  if (!m)
    throw new Error(`deploy/laurel@.service sets no ${name}`);
  return m[1];
}

function hostPaths(text, { dir }) {
  return text
    .replaceAll('/opt/laurel', ROOT)
    .replaceAll('/var/lib/laurel/root', join(dir, 'root'))
    .replaceAll('/run/laurel', join(dir, 'run'));
}

function laurelIds() {
  return {
    uid: Number(execFileSync('id', ['-u', 'laurel'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'laurel'], { encoding: 'utf8' })),
  };
}

// One Kore instance (laurel@PORT): what the unit's ExecStartPre lines
// prepare, then `kore -f -c CONF` as root.
class Instance {
  constructor(stack, port) {
    this.stack = stack;
    this.port = port;
    this.logPath = join(stack.dir, `kore-${port}.log`);
    this.confPath = join(stack.dir, 'run', `kore-${port}.conf`);
  }

  async start() {
    const { dir } = this.stack;
    const root = join(dir, 'root');
    mkdirSync(root, { recursive: true, mode: 0o755 });
    const uploads = join(root, `uploads-${this.port}`);
    mkdirSync(uploads, { recursive: true, mode: 0o700 });
    const { uid, gid } = laurelIds();
    chownSync(uploads, uid, gid);
    writeFileSync(this.confPath, instanceConf(this.port, { dir }));
    const out = openSync(this.logPath, 'a');
    this.proc = spawn('stdbuf', ['-oL', '-eL', 'kore', '-f', '-c', this.confPath], {
      cwd: hostPaths(unitSetting('WorkingDirectory'), { dir }), env: this.stack.env,
      stdio: ['ignore', out, out], detached: true,
    });
    this.exited = new Promise((r) => this.proc.once('exit', r));
    const deadline = Date.now() + 20000;
    for (;;) {
      if (this.proc.exitCode !== null)
        throw new Error(`laurel@${this.port} exited at start:\n${this.log()}`);
      try {
        if ((await fetch(`http://127.0.0.1:${this.port}/readyz`)).status === 200)
          return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        this.proc.kill('SIGKILL');
        throw new Error(`laurel@${this.port} did not start:\n${this.log()}`);
      }
      await sleep(50);
    }
  }

  // systemctl stop: SIGTERM, then SIGKILL after TimeoutStopSec (here 10 s).
  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null)
      return;
    this.proc.kill('SIGTERM');
    if (await Promise.race([this.exited.then(() => true), sleep(10000).then(() => false)]))
      return;
    process.kill(-this.proc.pid, 'SIGKILL');
    await this.exited;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  // The worker processes (the parent's children).
  workers() {
    const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(this.proc.pid)], { encoding: 'utf8' });
    return out.split('\n').map((s) => Number(s.trim())).filter(Boolean);
  }

  log() {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }
}

// A client's HTTP/2 connection to nginx from one loopback address, with
// a fetch-like surface (get/post returning a Response) so that the
// harness's Client keeps cookies and CSRF tokens as it does elsewhere.
class Front {
  constructor(stack, from) {
    this.stack = stack;
    this.from = from;
  }

  url(path) {
    return `https://${HOST}:${this.stack.httpsPort}${path}`;
  }

  session() {
    if (this.h2 && !this.h2.closed && !this.h2.destroyed)
      return this.h2;
    const { httpsPort, ca } = this.stack;
    this.h2 = http2.connect(`https://${HOST}:${httpsPort}`, {
      createConnection: () => tls.connect({
        host: '127.0.0.1', port: httpsPort, localAddress: this.from,
        servername: HOST, ca, ALPNProtocols: ['h2'],
      }),
    });
    const h2 = this.h2;
    h2.on('error', () => { /* a request's own error reports it */ });
    // nginx reloading: this connection takes no new requests.
    h2.on('goaway', () => {
      if (this.h2 === h2)
        this.h2 = null;
    });
    return this.h2;
  }

  // A stream that nginx refused unprocessed (a GOAWAY from a worker
  // that is shutting down on reload, or REFUSED_STREAM) is sent again on
  // a new connection, as browsers do; anything else is the caller's.
  async request(method, path, headers = {}, body) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, path, headers, body);
      } catch (e) {
        if (!e.unprocessed || attempt >= 3)
          throw e;
        this.h2 = null;
        this.stack.resent++;
      }
    }
  }

  once(method, path, headers, body) {
    return new Promise((resolve, reject) => {
      let req;
      try {
        req = this.session().request({ ':method': method, ':path': path, ...headers });
      } catch (e) {
        e.unprocessed = true;
        reject(e);
        return;
      }
      const chunks = [];
      let head;
      req.on('response', (h) => { head = h; });
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        if (head)
          resolve(toResponse(head, Buffer.concat(chunks)));
      });
      req.on('close', () => {
        if (head)
          return;
        const e = new Error(`${method} ${path}: stream closed without an answer (code ${req.rstCode})`);
        e.unprocessed = req.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM;
        reject(e);
      });
      req.on('error', (e) => {
        if (head)
          return reject(e);
        e.unprocessed = ['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION'].includes(e.code) ||
          req.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM;
        reject(e);
      });
      req.end(body);
    });
  }

  get(path, init = {}) {
    return this.request('GET', path, lower(init.headers));
  }

  post(path, body, init = {}) {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...lower(init.headers) };
    return this.request('POST', path, headers, body);
  }

  close() {
    this.h2?.close();
  }
}

function lower(headers = {}) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function toResponse(head, body) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(head)) {
    if (k.startsWith(':'))
      continue;
    for (const one of [v].flat())
      headers.append(k, String(one));
  }
  const status = head[':status'];
  return new Response([204, 304].includes(status) ? null : body, { status, headers });
}

function unquote(text) {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

export class Stack {
  static async start({ instances = 2 } = {}) {
    const s = new Stack();
    s.dir = tempDir('laurel-stack-');
    for (const d of ['etc', 'run', 'mail', 'root', 'nginx', 'nginx/tmp', 'nginx/logs'])
      mkdirSync(join(s.dir, d), { recursive: true });
    chmodSync(join(s.dir, 'nginx/tmp'), 0o777);
    s.fronts = [];
    s.resent = 0;
    try {
      await s.startDatabase();
      s.httpsPort = await freePort();
      s.writeEnv();
      s.instances = [];
      for (let i = 0; i < instances; i++) {
        const inst = new Instance(s, await freePort());
        s.instances.push(inst);
        await inst.start();
      }
      s.startMailer();
      await s.startNginx();
    } catch (e) {
      await s.stop({ allowDirty: true }).catch(() => {});
      throw e;
    }
    return s;
  }

  async startDatabase() {
    this.pgDir = join(this.dir, 'pg');
    this.pgPort = await freePort();
    this.pgEnv = { ...process.env, PG_PORT: String(this.pgPort), PG_FSYNC: 'off' };
    execFileSync(PG, ['start', this.pgDir], { stdio: 'inherit', env: this.pgEnv });
    this.psql('CREATE DATABASE laurel', 'postgres');
    this.ownerDsn = `host=127.0.0.1 port=${this.pgPort} dbname=laurel user=laurel sslmode=disable connect_timeout=2`;
    migrate(this.ownerDsn);
  }

  // The shipped laurel.env.example with this machine's values: the
  // instances get only what the unit's EnvironmentFile= gives them.
  writeEnv() {
    const key = join(this.dir, 'etc', 'file.key');
    execFileSync(LAURELCTL, ['key', 'new', key], { stdio: 'pipe' });
    this.keyFile = key;
    const shipped = readFileSync(join(ROOT, 'deploy/laurel.env.example'), 'utf8');
    const values = {
      LAUREL_BASE_URL: `https://${HOST}:${this.httpsPort}`,
      LAUREL_DB: `host=127.0.0.1 port=${this.pgPort} dbname=laurel user=laurel_app sslmode=disable connect_timeout=2`,
      LAUREL_MAIL_MODE: 'file',
      LAUREL_MAIL_DIR: join(this.dir, 'mail'),
      LAUREL_KEY_FILE: key,
    };
    let text = shipped;
    for (const [k, v] of Object.entries(values)) {
      const re = new RegExp(`^${k}=.*$`, 'm');
      text = re.test(text) ? text.replace(re, `${k}=${v}`) : `${text}${k}=${v}\n`;
    }
    this.envFile = join(this.dir, 'etc', 'laurel.env');
    writeFileSync(this.envFile, text, { mode: 0o600 });
    this.env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...readEnvFile(text) };
  }

  startMailer() {
    const out = openSync(join(this.dir, 'mailer.log'), 'a');
    this.mailer = spawn(LAURELCTL, ['mail'], {
      cwd: ROOT, env: { ...this.env, LAUREL_ENV_FILE: '' }, stdio: ['ignore', out, out],
    });
  }

  async startNginx() {
    const httpPort = await freePort();
    this.httpPort = httpPort;
    const ports = this.instances.map((i) => i.port);
    let site = readFileSync(join(ROOT, 'deploy/nginx-laurel.conf'), 'utf8');
    const upstream = site.match(/upstream laurel \{[^}]*\}/)[0];
    const servers = ports.map((p) => `\tserver 127.0.0.1:${p};`).join('\n');
    site = site.replace(upstream, upstream.replace(/(\tserver 127\.0\.0\.1:\d+;\n)+/, `${servers}\n`))
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${this.httpsPort} ssl http2;`)
      .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
      .replace(/\n\s*listen \[::\]:\d+[^;]*;/g, '')
      .replace(/ssl_certificate \S+;/, `ssl_certificate ${this.dir}/nginx/cert.pem;`)
      .replace(/ssl_certificate_key \S+;/, `ssl_certificate_key ${this.dir}/nginx/key.pem;`);
    const n = join(this.dir, 'nginx');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`,
      '-keyout', join(n, 'key.pem'), '-out', join(n, 'cert.pem')], { stdio: 'ignore' });
    this.ca = readFileSync(join(n, 'cert.pem'));
    writeFileSync(join(n, 'site.conf'), site);
    // The http{} around the site is the distribution's nginx.conf's part;
    // the access log names the instance that answered each request.
    writeFileSync(join(n, 'nginx.conf'), `
${process.getuid() === 0 ? 'user root;' : ''}
worker_processes 2;
pid ${n}/nginx.pid;
error_log ${n}/logs/error.log warn;
events { worker_connections 1024; }
http {
  log_format stack '$remote_addr $request_method $uri $status $upstream_addr $upstream_status';
  access_log ${n}/logs/access.log stack;
  client_body_temp_path ${n}/tmp/body;
  proxy_temp_path ${n}/tmp/proxy;
  fastcgi_temp_path ${n}/tmp/fastcgi;
  uwsgi_temp_path ${n}/tmp/uwsgi;
  scgi_temp_path ${n}/tmp/scgi;
  include ${n}/site.conf;
}
`);
    execFileSync('nginx', ['-t', '-q', '-p', n, '-c', join(n, 'nginx.conf')], { stdio: 'pipe' });
    this.nginx = spawn('nginx', ['-p', n, '-c', join(n, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    const front = this.front('127.0.0.1');
    for (let i = 0; i < 100; i++) {
      try {
        if ((await front.get('/healthz')).status === 200) {
          front.close();
          return;
        }
      } catch { /* not up yet */ }
      await sleep(50);
    }
    throw new Error(`nginx did not start: ${readFileSync(join(n, 'logs/error.log'), 'utf8')}`);
  }

  nginxSite() {
    return readFileSync(join(this.dir, 'nginx/site.conf'), 'utf8');
  }

  front(from = '127.0.0.1') {
    const f = new Front(this, from);
    this.fronts.push(f);
    return f;
  }

  psql(sql, db = 'laurel') {
    return execFileSync('psql', [`host=127.0.0.1 port=${this.pgPort} dbname=${db} user=laurel`, '-Atqc', sql],
      { encoding: 'utf8' }).trim();
  }

  // Messages the mailer delivered (LAUREL_MAIL_MODE=file), newest last.
  mails() {
    const d = join(this.dir, 'mail');
    return readdirSync(d).filter((f) => f.endsWith('.eml')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
      .map((f) => readFileSync(join(d, f), 'utf8'));
  }

  // Waits (bounded) for the mailer to deliver a message to an address;
  // its text with quoted-printable undone.
  async mailTo(addr, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = this.mails().filter((t) => new RegExp(`^To: .*${addr.replace(/[.+]/g, '\\$&')}`, 'mi').test(t));
      if (m.length)
        return unquote(m[m.length - 1]);
      await sleep(100);
    }
    throw new Error(`no mail to ${addr} within ${timeoutMs} ms: ${readFileSync(join(this.dir, 'mailer.log'), 'utf8')}`);
  }

  // nginx's access log: { from, method, uri, status, upstream } a line.
  accessLog() {
    const p = join(this.dir, 'nginx/logs/access.log');
    if (!existsSync(p))
      return [];
    return readFileSync(p, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
      const [from, method, uri, status, upstream, upstreamStatus] = l.split(' ');
      return { from, method, uri, status: Number(status), upstream, upstreamStatus };
    });
  }

  dirtyLines() {
    return this.instances.flatMap((i) => i.log().split('\n').filter((l) => DIRTY.some((re) => re.test(l))));
  }

  async stop({ allowDirty = false } = {}) {
    for (const f of this.fronts)
      f.close();
    this.nginx?.kill('SIGQUIT');
    this.mailer?.kill('SIGTERM');
    for (const i of this.instances || [])
      await i.stop();
    const dirty = this.instances ? this.dirtyLines() : [];
    if (this.pgDir)
      execFileSync(PG, ['stop', this.pgDir], { stdio: 'inherit', env: this.pgEnv });
    if (!allowDirty && dirty.length > 0)
      throw new Error(`Kore log shows trouble:\n${dirty.join('\n')}\n(logs in ${this.dir})`);
    if (!process.env.LAUREL_KEEP_STACK)
      rmSync(this.dir, { recursive: true, force: true });
  }
}
