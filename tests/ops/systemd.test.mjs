// The shipped systemd units (deploy/*.service, *.timer): each passes
// `systemd-analyze verify` with nothing to say, carries the sandbox the
// issue names, and scores under EXPOSURE_MAX on `systemd-analyze security`
// (0 is a perfect sandbox, 10 none; 9.6 was the instances' unit before
// its sandbox). No systemd runs here: the units are checked in a
// throw-away root (--root) that holds systemd's own units and, at the
// paths the units name, the real programs: the built laurelctl and
// deploy/ of this checkout for /opt/laurel, the machine's for the rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync, copyFileSync, cpSync, accessSync, writeFileSync, rmSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, tempDir } from '../lib/harness.mjs';

const DEPLOY = join(ROOT, 'deploy');
const UNITS = readdirSync(DEPLOY).filter((f) => /\.(service|timer)$/.test(f)).sort();
// The long-running and the privileged ones alike: "OK" is below 4.5 in
// systemd's own words; ours are 1.2 (mailer, prune) to 2.7 (instances).
const EXPOSURE_MAX = 3.5;
// What each service may write, and nothing else (ProtectSystem=strict).
const WRITABLE = {
  'laurel@.service': '/var/lib/laurel/root /run/laurel',
  'laurel-backup.service': '/var/backups/laurel',
  'laurel-mail.service': null,
  'laurel-prune.service': null,
};

let root;

// The name systemd is asked about: a template as one of its instances.
const unitName = (file) => file.replace('@.', '@8888.');

function analyze(args) {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

const verify = (file) => analyze(['verify', `--root=${root}`, '--man=no', '--generators=no', unitName(file)]);

// Where the file an absolute path of a unit names comes from.
function source(path) {
  return path.startsWith('/opt/laurel/') ? join(ROOT, path.slice('/opt/laurel/'.length)) : path;
}

// The programs of every Exec*= line (after systemd's prefixes).
function programs(text) {
  return [...text.matchAll(/^Exec\w+=[-@:+!]*(\S+)/gm)].map((m) => m[1]);
}

before(() => {
  root = tempDir('laurel-systemd-');
  const units = join(root, 'etc/systemd/system');
  mkdirSync(units, { recursive: true });
  // sysinit.target and the rest that every unit depends on.
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  for (const f of UNITS) {
    const text = readFileSync(join(DEPLOY, f), 'utf8');
    writeFileSync(join(units, f), text);
    for (const p of programs(text)) {
      const from = source(p);
      accessSync(from, constants.X_OK);	// throws: not built, or not there
      mkdirSync(join(root, dirname(p)), { recursive: true });
      copyFileSync(from, join(root, p));
    }
  }
});

after(() => {
  if (root)
    rmSync(root, { recursive: true, force: true });
});

test('deploy/ ships the instances, mailer, prune and backup units', () => {
  assert.deepEqual(UNITS, ['laurel-backup.service', 'laurel-backup.timer', 'laurel-mail.service',
    'laurel-prune.service', 'laurel-prune.timer', 'laurel@.service']);
});

for (const f of UNITS) {
  test(`systemd-analyze verify ${f}: nothing to say`, () => {
    const r = verify(f);
    assert.equal(r.out, '', `systemd-analyze verify ${unitName(f)}:\n${r.out}`);
    assert.equal(r.code, 0);
  });
}

test('the check is not vacuous: a misspelt option and a missing program are reported', () => {
  const units = join(root, 'etc/systemd/system');
  const good = readFileSync(join(DEPLOY, 'laurel-mail.service'), 'utf8');
  writeFileSync(join(units, 'laurel-typo.service'), good.replace('\nProtectSystem=strict', '\nProtectSytem=strict'));
  const typo = verify('laurel-typo.service');
  assert.match(typo.out, /Unknown key 'ProtectSytem'/);
  writeFileSync(join(units, 'laurel-typo.service'), good.replace('/opt/laurel/build/laurelctl', '/opt/laurel/build/nothing'));
  const missing = verify('laurel-typo.service');
  assert.match(missing.out, /nothing is not executable/);
  assert.notEqual(missing.code, 0);
  rmSync(join(units, 'laurel-typo.service'));
});

for (const [f, writable] of Object.entries(WRITABLE)) {
  test(`${f}: the sandbox the issue names, writing ${writable ?? 'nothing'}`, () => {
    const text = readFileSync(join(DEPLOY, f), 'utf8');
    for (const line of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'ProtectHome=yes',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'RestrictNamespaces=yes', 'LockPersonality=yes',
      'SystemCallArchitectures=native', 'UMask=0077'])
      assert.match(text, new RegExp(`^${line}$`, 'm'), `${f} lacks ${line}`);
    assert.match(text, /^CapabilityBoundingSet=/m, `${f} bounds its capabilities`);
    assert.match(text, /^SystemCallFilter=@system-service\b/m, `${f} filters system calls`);
    const rw = [...text.matchAll(/^ReadWritePaths=(.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(rw, writable ? [writable] : []);
  });
}

test('the timers run when the machine was off, spread over a window', () => {
  for (const f of ['laurel-prune.timer', 'laurel-backup.timer']) {
    const text = readFileSync(join(DEPLOY, f), 'utf8');
    assert.match(text, /^Persistent=true$/m, f);
    assert.match(text, /^RandomizedDelaySec=\d+$/m, f);
    assert.match(text, /^WantedBy=timers\.target$/m, f);
  }
});

test('systemd-analyze security: every service is below the exposure limit', () => {
  const scores = {};
  for (const f of Object.keys(WRITABLE)) {
    const r = analyze(['security', '--offline=true', `--root=${root}`, unitName(f)]);
    assert.equal(r.code, 0, r.out);
    const m = r.out.match(/Overall exposure level for \S+: (\d+\.\d+)/);
    assert.ok(m, `no exposure level for ${f}:\n${r.out}`);
    scores[f] = Number(m[1]);
  }
  console.log(`exposure: ${JSON.stringify(scores)}`);
  for (const [f, s] of Object.entries(scores))
    assert.ok(s < EXPOSURE_MAX, `${f}: exposure ${s}, limit ${EXPOSURE_MAX}`);
});

// laurel@.service writes the instance's Kore configuration with sed: each
// of its patterns must still find its line in deploy/laurel.conf.
test('laurel@.service rewrites deploy/laurel.conf for its port', () => {
  const unit = readFileSync(join(DEPLOY, 'laurel@.service'), 'utf8');
  const m = unit.match(/^ExecStartPre=\/bin\/sh -c '(sed .*) \/opt\/laurel\/deploy\/laurel\.conf > \/run\/laurel\/kore-%i\.conf'$/m);
  assert.ok(m, 'the sed line of laurel@.service');
  const conf = execFileSync('/bin/sh', ['-c', `${m[1].replaceAll('%i', '8890')} "$1"`, 'sh',
    join(DEPLOY, 'laurel.conf')], { encoding: 'utf8' });
  assert.match(conf, /^\s*bind\s+127\.0\.0\.1 8890 gate_connect$/m);
  assert.match(conf, /^pidfile\s+\/run\/laurel\/kore-8890\.pid$/m);
  // Relative to the working directory, which is the chroot: the parent
  // (before chroot) and the workers (after) mean the same folder.
  assert.match(conf, /^http_body_disk_path\s+uploads-8890$/m);
  assert.match(unit, /^WorkingDirectory=\/var\/lib\/laurel\/root$/m);
  assert.doesNotMatch(conf, /8888/);
  // The pidfile is where the unit lets Kore write, the uploads where
  // the unit made them, and the chroot is the unit's StateDirectory.
  assert.match(conf, /^root\s+\/var\/lib\/laurel\/root$/m);
  assert.match(unit, /^StateDirectory=laurel\/root$/m);
  assert.match(unit, /^RuntimeDirectory=laurel$/m);
  assert.match(unit, /install -d -o laurel -m 0700 \/var\/lib\/laurel\/root\/uploads-%i$/m);
});
