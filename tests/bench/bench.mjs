// make bench: wrk on loopback against a real instance (its own cluster
// and Kore, or BENCH_URL). For each scenario: requests/s, p50, p99 and
// the ratio to /healthz measured in the same run. Targets live in
// SPEC.md §8; nothing here passes or fails on timing.
import { execFileSync } from 'node:child_process';
import { Cluster, startApp } from '../lib/harness.mjs';

const DURATION = process.env.BENCH_SECONDS || '8';
const CONNECTIONS = process.env.BENCH_CONNECTIONS || '64';
const THREADS = process.env.BENCH_THREADS || '2';

const SCENARIOS = [
  { name: '/healthz (ceiling, no database)', path: '/healthz' },
  { name: '/rules (template, no database)', path: '/rules' },
  { name: '/ (home: one query + template)', path: '/' },
  { name: '/readyz (one query)', path: '/readyz' },
];

function toMs(v) {
  const m = v.match(/^([\d.]+)(us|ms|s)$/);
  if (!m)
    return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

function wrk(url) {
  const out = execFileSync('wrk', ['-t', THREADS, '-c', CONNECTIONS, '-d', `${DURATION}s`, '--latency', url],
    { encoding: 'utf8' });
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const p50 = toMs(out.match(/^\s+50%\s+(\S+)/m)[1]);
  const p99 = toMs(out.match(/^\s+99%\s+(\S+)/m)[1]);
  const errors = out.match(/Non-2xx or 3xx responses: (\d+)/);
  const sock = out.match(/Socket errors: (.*)/);
  return { rps, p50, p99, non2xx: errors ? Number(errors[1]) : 0, sock: sock ? sock[1] : '' };
}

let app = null;
let cluster = null;
let base = process.env.BENCH_URL;
if (!base) {
  cluster = Cluster.start();
  app = await startApp({ cluster });
  base = app.base;
}

console.log(`Laurel bench: wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s against ${base}`);
console.log(`${'scenario'.padEnd(36)} ${'req/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'ratio'.padStart(7)}`);
let ceiling = null;
try {
  for (const s of SCENARIOS) {
    const r = wrk(base + s.path);
    ceiling = ceiling ?? r.rps;
    const ratio = `${((r.rps / ceiling) * 100).toFixed(1)}%`;
    console.log(`${s.name.padEnd(36)} ${r.rps.toFixed(0).padStart(10)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${ratio.padStart(7)}` +
      (r.non2xx ? `  (${r.non2xx} non-2xx!)` : '') + (r.sock ? `  (socket errors: ${r.sock})` : ''));
  }
} finally {
  await app?.stop();
  cluster?.stop();
}
