// The public awards pages (issue 13): /awards, a round's page and a
// practice's page, in HTML with schema.org JSON-LD and in JSON, public
// only once the round is published and its embargo has passed (to the
// second), and served from each instance's cache until a notification
// on laurel_awards says the awards changed. The awards are written
// straight in SQL, as publication writes them (the publish action has
// its own tests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, startApp, startKore, writeConf, freePort, tempDir, until } from '../../lib/harness.mjs';
import { openRound, setCloses } from '../../lib/apply.mjs';

let app, second;
const sql = (q) => app.cluster.psql(q, app.db);
const q = (s) => (s === null ? 'NULL' : `'${String(s).replace(/'/g, "''")}'`);
const unescape = (html) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'")
  .replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const JSON_ACCEPT = { accept: 'application/json' };
const SLUG = 'r2026';
const EVIL = '</script><script>alert(1)</script> & <b>';

// A round of the tests, its categories IMPACT then CULTURE, closed.
function round(slug) {
  openRound(app, slug);
  setCloses(app, slug, -1);
  return slug;
}

function award(slug, ref, decision, category, organisation, over = {}) {
  const a = { title: `Practice ${ref}`, country: 'AT', summary: null, citation: `Citation of ${ref}.`, ...over };
  sql(`INSERT INTO awards (round_id, reference, decision, category, title, organisation, country, summary, citation)
    SELECT id, ${q(ref)}, ${q(decision)}, ${q(category)}, ${q(a.title)}, ${q(organisation)}, ${q(a.country)},
      ${q(a.summary)}, ${q(a.citation)} FROM rounds WHERE slug = ${q(slug)}`);
}

// Publication last: a published round no longer changes (its trigger).
// It notifies laurel_awards, as the publish action does.
function publish(slug, { embargo = null, at = 'now()' } = {}) {
  sql(`UPDATE rounds SET review_closed_at = ${at}, published_at = ${at},
    embargo_until = ${embargo === null ? 'NULL' : embargo} WHERE slug = ${q(slug)};
    NOTIFY laurel_awards`);
}

// One keep-alive connection: every request on it reaches the same Kore
// worker, so a second request may find what the first one cached.
class Conn {
  constructor(base) {
    this.base = base;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  get(path, headers = {}, method = 'GET') {
    return new Promise((ok, fail) => {
      const req = http.request(`${this.base}${path}`, { agent: this.agent, method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body }));
      });
      req.on('error', fail);
      req.end();
    });
  }

  close() {
    this.agent.destroy();
  }
}

// The JSON-LD of a page, parsed.
function jsonld(html) {
  const m = [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)];
  assert.equal(m.length, 1, 'one JSON-LD block');
  return JSON.parse(m[0][1]);
}

// Until every worker of an instance listens (caching is off before).
async function listening(logPath, workers = 2) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const n = (readFileSync(logPath, 'utf8').match(/pubcache: listening on laurel_awards/g) || []).length;
    if (n >= workers)
      return;
    assert.ok(Date.now() < deadline, 'the listeners connect');
    await sleep(50);
  }
}


before(async () => {
  app = await startApp();
  round(SLUG);
  // Inserted out of order: the page orders them.
  award(SLUG, 'BPR-2026-0005', 'honourable_mention', 'IMPACT', 'Mention Org', { country: 'BE' });
  award(SLUG, 'BPR-2026-0004', 'finalist', 'IMPACT', 'Finalist Org', { country: null });
  award(SLUG, 'BPR-2026-0003', 'winner', 'CULTURE', 'Culture Winner', { country: 'FR' });
  award(SLUG, 'BPR-2026-0001', 'winner', 'IMPACT', 'Zeta Hospital', {
    title: 'Federated oncology registry', summary: `A registry ${EVIL} in brief.`,
    citation: `A registry that put patients first. ${EVIL}\nSecond line.`,
  });
  award(SLUG, 'BPR-2026-0002', 'winner', 'IMPACT', 'Alpha <Clinic> & "Partners"', { country: 'NL' });
  publish(SLUG);

  round('r2025');
  award('r2025', 'BPR-2025-0001', 'winner', 'IMPACT', 'Old Winner');
  publish('r2025', { at: "now() - interval '1 day'" });

  // Decided, not published: public nowhere.
  round('hidden');
  award('hidden', 'BPR-2026-0100', 'winner', 'IMPACT', 'Secret Org');
  await listening(app.logPath);
});

after(async () => {
  if (second) {
    second.proc.kill('SIGTERM');
    await Promise.race([new Promise((r) => second.proc.once('exit', r)), sleep(5000)]);
    assert.deepEqual(new App({ logPath: second.logPath }).dirtyLines(), []);
  }
  await app.stop();
});

test('/awards lists the published rounds, the latest first, with their winners', async () => {
  const res = await app.get('/awards');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.equal(res.headers.get('set-cookie'), null, 'the same page for everyone');
  const html = await res.text();
  assert.match(html, /<html lang="en">/);
  const i = html.indexOf('href="/awards/r2026"');
  const j = html.indexOf('href="/awards/r2025"');
  assert.ok(i > 0 && j > i, 'newest first');
  assert.match(html, /3 winners among 5 recognised practices/);
  assert.match(html, /1 winner among 1 recognised practice</);
  assert.doesNotMatch(html, /hidden|Secret/, 'an unpublished round is in no list');
  const ld = jsonld(html);
  assert.equal(ld['@context'], 'https://schema.org');
  assert.equal(ld['@type'], 'ItemList');
  assert.deepEqual(ld.itemListElement.map((e) => e.url), [`${app.base}/awards/r2026`, `${app.base}/awards/r2025`]);
});

test('/awards as JSON, by Accept or by .json, with exactly its fields', async () => {
  const date = sql(`SELECT to_char(now() AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD')`);
  for (const [path, headers] of [['/awards', JSON_ACCEPT], ['/awards.json', {}]]) {
    const res = await app.get(path, { headers });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ['rounds']);
    assert.deepEqual(body.rounds.map((r) => r.slug), ['r2026', 'r2025']);
    const r = body.rounds[0];
    assert.deepEqual(Object.keys(r).sort(), ['practices', 'published', 'published_on', 'slug', 'title', 'url', 'winners']);
    assert.equal(r.title, 'Round r2026');
    assert.equal(r.url, '/awards/r2026');
    assert.equal(r.winners, 3);
    assert.equal(r.practices, 5);
    assert.equal(r.published_on, date);
    assert.match(r.published, /^\d{1,2} [A-Z][a-z]+ \d{4}$/);
  }
  // A browser names JSON too, but HTML first.
  const res = await app.get('/awards', { headers: { accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8' } });
  assert.match(res.headers.get('content-type'), /^text\/html/);
});

test('a round: winners by category in the round\'s order, then finalists, then honourable mentions', async () => {
  const res = await app.get(`/awards/${SLUG}`);
  assert.equal(res.status, 200);
  const html = await res.text();
  const order = [...html.matchAll(/href="\/awards\/r2026\/(BPR-2026-\d+)"/g)].map((m) => m[1]);
  // IMPACT before CULTURE (the round's order); by organisation within.
  assert.deepEqual(order, ['BPR-2026-0002', 'BPR-2026-0001', 'BPR-2026-0003', 'BPR-2026-0004', 'BPR-2026-0005']);
  const heads = [...html.matchAll(/<h([1-4])[^>]*>([\s\S]*?)<\/h\1>/g)].map((m) => `${m[1]}:${m[2].replace(/<[^>]+>/g, '')}`);
  assert.deepEqual(heads.slice(0, 8), ['1:Round r2026', '2:Winners', '3:IMPACT', '4:Practice BPR-2026-0002',
    '4:Federated oncology registry', '3:CULTURE', '4:Practice BPR-2026-0003', '2:Finalists']);
  assert.ok(heads.includes('2:Honourable mentions'));
  // Every value escaped; the citation's line break kept.
  assert.match(html, /Alpha &lt;Clinic&gt; &amp; &quot;Partners&quot;, Netherlands/);
  assert.match(html, /A registry that put patients first\. &lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &lt;b&gt;\nSecond line\./);
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /Culture Winner, France/);
  assert.match(html, /<p class="award-card__org">Finalist Org<\/p>/, 'no country, no comma');
});

test('a round\'s JSON-LD: each practice an Organization with its award, safe inside <script>', async () => {
  const html = await (await app.get(`/awards/${SLUG}`)).text();
  const block = html.match(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/)[1];
  assert.doesNotMatch(block, /[<>&]/, 'nothing in it can end the script');
  const ld = JSON.parse(block);
  assert.equal(ld['@context'], 'https://schema.org');
  assert.equal(ld['@type'], 'ItemList');
  assert.equal(ld.name, 'Round r2026');
  assert.equal(ld.url, `${app.base}/awards/${SLUG}`);
  assert.equal(ld.numberOfItems, 5);
  const orgs = ld.itemListElement.map((e) => e.item);
  assert.ok(orgs.every((o) => o['@type'] === 'Organization'));
  assert.deepEqual(orgs.map((o) => o.award), [
    'Round r2026 — Winner, IMPACT', 'Round r2026 — Winner, IMPACT', 'Round r2026 — Winner, CULTURE',
    'Round r2026 — Finalist, IMPACT', 'Round r2026 — Honourable mention, IMPACT']);
  assert.equal(orgs[0].name, 'Alpha <Clinic> & "Partners"');
  assert.equal(orgs[0].address.addressCountry, 'NL');
  assert.equal(orgs[1].description, `A registry ${EVIL} in brief.`, 'the escapes read back as the text');
  assert.equal(orgs[3].address, undefined, 'no country, no address');
  assert.equal(ld.itemListElement[1].url, `${app.base}/awards/${SLUG}/BPR-2026-0001`);
  assert.deepEqual(ld.itemListElement.map((e) => e.position), [1, 2, 3, 4, 5]);
});

test('a round as JSON, with exactly its fields', async () => {
  for (const [path, headers] of [[`/awards/${SLUG}`, JSON_ACCEPT], [`/awards/${SLUG}.json`, {}]]) {
    const res = await app.get(path, { headers });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('vary'), 'accept, accept-encoding');
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ['round', 'winners', 'finalists', 'honourable_mentions']);
    assert.deepEqual(Object.keys(body.round).sort(), ['published', 'published_on', 'slug', 'title', 'url']);
    assert.deepEqual(body.winners.map((g) => g.category), ['IMPACT', 'CULTURE']);
    assert.deepEqual(body.winners[0].practices.map((p) => p.reference), ['BPR-2026-0002', 'BPR-2026-0001']);
    assert.deepEqual(body.finalists.map((g) => g.practices.map((p) => p.reference)), [['BPR-2026-0004']]);
    assert.deepEqual(body.honourable_mentions[0].practices[0].country_name, 'Belgium');
    assert.deepEqual(body.winners[0].practices[1], {
      reference: 'BPR-2026-0001', url: `/awards/${SLUG}/BPR-2026-0001`, decision: 'winner',
      category: 'IMPACT', title: 'Federated oncology registry', organisation: 'Zeta Hospital',
      country: 'AT', country_name: 'Austria',
      citation: `A registry that put patients first. ${EVIL}\nSecond line.`,
      summary: `A registry ${EVIL} in brief.`,
    });
    assert.equal(body.finalists[0].practices[0].country, null);
  }
});

test('a practice page: organisation, country, category, decision, citation and summary', async () => {
  const res = await app.get(`/awards/${SLUG}/BPR-2026-0001`);
  assert.equal(res.status, 200);
  const html = await res.text();
  const text = unescape(html);
  assert.match(html, /<h1 id="practice-title">Federated oncology registry<\/h1>/);
  assert.match(html, /<dt>Organisation<\/dt><dd>Zeta Hospital<\/dd>/);
  assert.match(html, /<dt>Country<\/dt><dd>Austria<\/dd>/);
  assert.match(html, /<dt>Category<\/dt><dd>IMPACT<\/dd>/);
  assert.match(html, /<dt>Recognition<\/dt><dd>Winner, Round r2026<\/dd>/);
  assert.ok(text.includes(`A registry that put patients first. ${EVIL}\nSecond line.`));
  assert.ok(text.includes(`A registry ${EVIL} in brief.`), 'the summary it allowed');
  assert.doesNotMatch(html, /<script>alert/);
  const ld = jsonld(html);
  assert.equal(ld['@context'], 'https://schema.org');
  assert.equal(ld['@type'], 'Organization');
  assert.equal(ld.name, 'Zeta Hospital');
  assert.equal(ld.address.addressCountry, 'AT');
  assert.equal(ld.award, 'Round r2026 — Winner, IMPACT');

  // No summary: no heading for it.
  const other = await (await app.get(`/awards/${SLUG}/BPR-2026-0004`)).text();
  assert.doesNotMatch(other, /The practice in brief/);
  assert.doesNotMatch(other, /<dt>Country<\/dt>/);
  assert.match(other, /Finalist, Round r2026/);
  assert.equal(jsonld(other).award, 'Round r2026 — Finalist, IMPACT');
});

test('a practice\'s reference in any case; its links use it as stored', async () => {
  const res = await app.get(`/awards/${SLUG}/bpr-2026-0001`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /href="\/awards\/r2026\/BPR-2026-0001" aria-current="page">BPR-2026-0001</);
  const json = await (await app.get(`/awards/${SLUG}/Bpr-2026-0001.json`)).json();
  assert.deepEqual(Object.keys(json), ['round', 'practice']);
  assert.equal(json.practice.reference, 'BPR-2026-0001');
  assert.deepEqual(Object.keys(json.practice).sort(), ['category', 'citation', 'country', 'country_name', 'decision',
    'organisation', 'reference', 'summary', 'title', 'url']);
  const viaAccept = await (await app.get(`/awards/${SLUG}/BPR-2026-0001`, { headers: JSON_ACCEPT })).json();
  assert.deepEqual(viaAccept, json);
});

test('what is not public is the 404 page, or JSON 404 to a JSON request', async () => {
  for (const path of ['/awards/hidden', '/awards/hidden/BPR-2026-0100', '/awards/nothing', `/awards/${SLUG}/BPR-2026-0100`,
    `/awards/${SLUG}/BPR-2026-9999`, '/awards/r2025/BPR-2026-0001', '/awards/NOT_A_SLUG', `/awards/${SLUG}/ref%00x`,
    `/awards/${SLUG}/${'x'.repeat(200)}`, '/awards/%C3%28']) {
    const res = await app.get(path);
    assert.equal(res.status, 404, path);
    assert.match(await res.text(), /Page not found/, path);
    const j = await app.get(path, { headers: JSON_ACCEPT });
    assert.equal(j.status, 404, path);
    assert.deepEqual(await j.json(), { error: 'not found' });
  }
  const j = await app.get('/awards/hidden.json');
  assert.equal(j.status, 404);
  assert.deepEqual(await j.json(), { error: 'not found' });
  // And the JSON list does not name it either.
  const list = await (await app.get('/awards.json')).json();
  assert.ok(!list.rounds.some((r) => r.slug === 'hidden'));
});

test('HEAD answers like GET without a body; POST is not allowed', async () => {
  for (const path of ['/awards', `/awards/${SLUG}`, `/awards/${SLUG}/BPR-2026-0001`, `/awards/${SLUG}.json`]) {
    const res = await app.get(path, { method: 'HEAD' });
    assert.equal(res.status, 200, path);
    assert.equal(await res.text(), '');
  }
  assert.equal((await app.get('/awards/nothing', { method: 'HEAD' })).status, 404);
  const res = await app.post(`/awards/${SLUG}`, '');
  assert.equal(res.status, 405);
});

test('an embargoed round appears at the embargo\'s second, not before, even in a cached list', async () => {
  const c = new Conn(app.base);
  try {
    round('embargoed');
    award('embargoed', 'BPR-2026-0200', 'winner', 'IMPACT', 'Embargoed Org');
    publish('embargoed', { embargo: "now() + interval '2 seconds'" });
    const until = Number(sql(`SELECT floor(extract(epoch FROM embargo_until) * 1000) FROM rounds WHERE slug = 'embargoed'`));
    // The list is cached now, with the round not in it yet (after the
    // notification has emptied the caches).
    await sleep(100);
    for (let i = 0; i < 2; i++) {
      const list = await c.get('/awards.json');
      assert.ok(!JSON.parse(list.body).rounds.some((r) => r.slug === 'embargoed'));
    }
    assert.equal((await c.get('/awards/embargoed')).status, 404);
    assert.equal((await c.get('/awards/embargoed/BPR-2026-0200', JSON_ACCEPT)).status, 404);
    // A change nobody announced: the cached list does not show it...
    sql(`UPDATE awards SET decision = 'finalist' WHERE reference = 'BPR-2025-0001'`);
    const r2025 = (body) => JSON.parse(body).rounds.find((r) => r.slug === 'r2025');
    assert.equal(r2025((await c.get('/awards.json')).body).winners, 1, 'the list is served from the cache');
    assert.ok(Date.now() < until, 'checked before the embargo ended');
    await sleep(until - Date.now() + 50);
    // ...until the embargo's end, where the cached list expired.
    const list = await c.get('/awards.json');
    assert.ok(JSON.parse(list.body).rounds.some((r) => r.slug === 'embargoed'), 'in the list at once');
    assert.equal(r2025(list.body).winners, 0);
    assert.equal((await c.get('/awards/embargoed')).status, 200);
    assert.equal((await c.get('/awards/embargoed/BPR-2026-0200')).status, 200);
  } finally {
    c.close();
  }
});

test('a corrected citation shows on every instance once laurel_awards is notified', async () => {
  const port = await freePort();
  const dir = tempDir('laurel-app-');
  const conf = writeConf(dir, port);
  second = await startKore({ dir, port, env: app.env, conf });
  assert.equal(second.exited, false, 'the second instance starts');
  await listening(second.logPath);

  const path = `/awards/${SLUG}/BPR-2026-0003`;
  const conns = [new Conn(app.base), new Conn(second.base)];
  try {
    for (const c of conns)
      assert.match((await c.get(path)).body, /Citation of BPR-2026-0003\./);
    // Changed without a word: each instance still serves what it cached.
    sql(`UPDATE awards SET citation = 'Quietly changed.' WHERE reference = 'BPR-2026-0003'`);
    for (const c of conns)
      assert.match((await c.get(path)).body, /Citation of BPR-2026-0003\./, 'served from the cache');
    // The correction's notification empties every cache.
    sql(`UPDATE awards SET citation = 'Corrected <citation>.' WHERE reference = 'BPR-2026-0003';
      NOTIFY laurel_awards`);
    for (const c of conns) {
      await until('the correction shows', async () => (await c.get(path)).body.includes('Corrected &lt;citation&gt;.'));
      await until('in JSON too', async () => JSON.parse((await c.get(`${path}.json`)).body).practice.citation === 'Corrected <citation>.');
    }
  } finally {
    for (const c of conns)
      c.close();
  }
});

test('while a worker does not listen it caches nothing, and it listens again', async () => {
  const c = new Conn(app.base);
  const path = `/awards/${SLUG}/BPR-2026-0002`;
  try {
    assert.match((await c.get(path)).body, /Citation of BPR-2026-0002\./);
    const before = (app.log().match(/pubcache: listening on laurel_awards/g) || []).length;
    sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'laurel-pubcache'
      AND datname = current_database()`);
    await until('the workers notice', async () => /pubcache: not listening on laurel_awards/.test(app.log()));
    await sleep(100);
    sql(`UPDATE awards SET citation = 'Changed while deaf.' WHERE reference = 'BPR-2026-0002'`);
    assert.match((await c.get(path)).body, /Changed while deaf\./, 'nothing served from a cache that may be stale');
    await until('listening again', async () => (app.log().match(/pubcache: listening on laurel_awards/g) || []).length >= before + 2, 5000);
    // And caching again.
    await c.get(path);
    sql(`UPDATE awards SET citation = 'Changed once more.' WHERE reference = 'BPR-2026-0002'`);
    assert.match((await c.get(path)).body, /Changed while deaf\./);
    sql('NOTIFY laurel_awards');
    await until('the notification heard', async () => (await c.get(path)).body.includes('Changed once more.'));
  } finally {
    c.close();
  }
  assert.deepEqual(app.dirtyLines(), []);
});

// Raw bytes of one answer, as node's http gives them (no decoding).
function raw(path, headers) {
  return new Promise((resolve, reject) => {
    http.get(app.url(path), { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('a kept page goes gzip-compressed to a client that takes it, and only to one', async () => {
  const plain = await raw(`/awards/${SLUG}`, { 'accept-encoding': 'identity' });
  assert.equal(plain.status, 200);
  let gz = null;
  // Each worker keeps its own copy: ask until one answers from it.
  for (let i = 0; i < 20 && !gz; i++) {
    const r = await raw(`/awards/${SLUG}`, { 'accept-encoding': 'gzip, deflate, br' });
    if (r.headers['content-encoding'] === 'gzip')
      gz = r;
  }
  assert.ok(gz, 'a kept page is sent compressed');
  assert.equal(gz.headers.vary, 'accept, accept-encoding');
  assert.ok(gz.body.length < plain.body.length / 2, `${gz.body.length} bytes for ${plain.body.length}`);
  assert.equal(zlib.gunzipSync(gz.body).toString('utf8'), plain.body.toString('utf8'));
  for (const ae of ['identity', 'gzip;q=0', 'br', undefined]) {
    const r = await raw(`/awards/${SLUG}`, ae ? { 'accept-encoding': ae } : {});
    assert.equal(r.headers['content-encoding'], undefined, `not for ${ae}`);
    assert.equal(r.body.toString('utf8'), plain.body.toString('utf8'));
  }
});
