// The applicant's whole journey in Chromium: register, apply, fill every
// section (live counters), autosave, upload a PDF, a refused submit with
// its error summary, submit, the receipt on screen and in the e-mail;
// axe finds no violation on any page, on a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from '../../lib/harness.mjs';
import { launch, axeViolations, screenshot, PHONE, DESKTOP } from '../../lib/browser.mjs';
import { openRound, pdf, PW } from '../../lib/apply.mjs';

let app, browser;
const sql = (q) => app.cluster.psql(q, app.db);

before(async () => {
  app = await startApp();
  openRound(app, 'journey');
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

async function clean(page, name) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  await screenshot(page, `journey-${name}`);
}

async function signUp(page, email) {
  await page.goto(app.url('/register'));
  await page.getByLabel('Your name').fill('Ana Applicant');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/sent=1$/);
  await page.goto(sql(`SELECT body FROM outbox WHERE to_addr = '${email}'`).match(/http:\/\/\S+/)[0]);
  // The home page's Apply button asks to sign in first, then comes back.
  await page.goto(app.url('/'));
  await page.getByRole('link', { name: 'Apply', exact: true }).click();
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(PW);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/applications$/);
}

async function fillEverything(page) {
  const text = {
    'Practice title': 'Federated oncology registry',
    'Organisation name': 'Hospital Example',
    'Contact person': 'Ana Applicant',
    'Contact e-mail': 'ana@example.org',
    'Problem addressed': 'Fragmented cancer data across regions.',
    'What was done': 'A federated registry with local nodes.',
    'Patients or citizens reached': '12,000 patients a year',
    'Data sources and types': 'Electronic health records, pathology.',
    'Legal basis and ethics approval': 'GDPR Art. 6(1)(e) and 9(2)(j); ethics approval 2024/17.',
    'Consent and transparency': 'A public register of data uses.',
    'Data minimisation and pseudonymisation': 'Pseudonymised at source.',
    'Security and access control': 'A secure processing environment.',
    'Patient and public involvement': 'A patient board co-designed the registry.',
    'Fairness and bias assessment': 'Subgroup results reported.',
    'Reuse, FAIR data and interoperability': 'OMOP and FHIR.',
    'Outcomes and evidence of impact': 'Time to treatment fell by 20 %.',
    'Scalability and transferability': 'Two other regions adopted it.',
  };
  for (const [label, value] of Object.entries(text))
    await page.getByLabel(label).fill(value);
  await page.getByLabel('Category').selectOption('IMPACT');
  await page.getByLabel('Country', { exact: false }).first().selectOption('AT');
  await page.getByLabel('Type of organisation').selectOption('hospital');
  await page.getByLabel('Stage').selectOption('routine');
  await page.locator('#partner_name-1').fill('University B');
  await page.locator('#partner_country-1').selectOption('BE');
  await page.locator('#partner_role-1').fill('Analysis');
  await page.locator('#summary').fill('A registry that links cancer data safely across ten hospitals.');
  assert.equal(await page.locator('#summary-limit').innerText(), '10 of 300 words');
  await page.getByLabel('Practice title').fill('Federated oncology registry');
  assert.equal(await page.locator('#title-limit').innerText(), '27 of 200 characters');
}

for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  test(`apply, fill, autosave, upload, submit, receipt (${label})`, async () => {
    const email = `${label}.ana@example.org`;
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // The refused submit is a 422 page, which Chromium reports; nothing else may.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 422/.test(m.text()))
        errors.push(m.text());
    });

    await signUp(page, email);
    await clean(page, `${label}-applications-empty`);
    await page.getByRole('button', { name: 'Start an application' }).click();
    await page.waitForURL(/\/applications\/\d+$/);
    const id = page.url().match(/(\d+)$/)[1];
    await clean(page, `${label}-form-empty`);

    await fillEverything(page);
    // Autosave: within 20 s of a change, in the background.
    await page.waitForFunction(() => /Saved at \d\d:\d\d/.test(document.getElementById('autosave-status').textContent),
      null, { timeout: 30000 });
    assert.equal(sql(`SELECT v.kind || ':' || (v.content->>'title') FROM application_versions v JOIN applications a ON a.id = v.application_id AND a.version = v.version WHERE a.id = ${id}`),
      'autosave:Federated oncology registry');

    // Upload a PDF (the page reloads; the autosave kept the text).
    await page.locator('#file').setInputFiles({ name: 'evidence.pdf', mimeType: 'application/pdf', buffer: pdf('Evidence') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.waitForURL(/uploaded=1/);
    assert.match(await page.locator('.notice').first().innerText(), /The document has been added/);
    assert.equal(await page.getByLabel('Practice title').inputValue(), 'Federated oncology registry');
    await page.getByRole('link', { name: 'evidence.pdf' }).waitFor();

    // Submit without the declarations: every problem listed, input kept.
    await page.getByRole('button', { name: 'Submit application' }).click();
    await page.waitForSelector('.error-summary');
    const summary = await page.locator('.error-summary').innerText();
    assert.match(summary, /Tick this declaration/);
    assert.equal(await page.getByLabel('Organisation name').inputValue(), 'Hospital Example');
    await clean(page, `${label}-form-errors`);

    await page.getByLabel('The information given is accurate.').check();
    await page.getByLabel('I consent to the processing').check();
    await page.getByRole('button', { name: 'Submit application' }).click();
    await page.waitForURL(/receipt=1/);
    const [ref, fp] = sql(`SELECT reference, fingerprint FROM applications WHERE id = ${id}`).split('|');
    assert.match(ref, /^BPR-\d{4}-\d{4}$/);
    const receipt = await page.locator('#receipt').innerText();
    assert.match(receipt, new RegExp(ref));
    assert.match(receipt, new RegExp(fp));
    assert.match(receipt, /Europe\/Brussels time/);
    await clean(page, `${label}-receipt`);
    const mail = sql(`SELECT body FROM outbox WHERE to_addr = '${email}' AND subject LIKE 'Receipt ${ref}%'`);
    assert.match(mail, new RegExp(fp));

    await page.goto(app.url('/applications'));
    assert.match(await page.locator('table').innerText(), new RegExp(ref));
    await clean(page, `${label}-applications`);
    await page.goto(app.url(`/applications/${id}?version=1`));
    await clean(page, `${label}-old-version`);
    await page.goto(app.url('/account'));
    await clean(page, `${label}-account`);
    assert.deepEqual(errors, []);
    await ctx.close();
  });
}
