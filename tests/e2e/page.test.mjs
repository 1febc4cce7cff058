// End-to-end: the order form and the partner view in headless Chromium (playwright-core with
// Debian's Chromium), and the shared fixtures run in Chromium.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { invoice, loadCatalog, quote, validateCatalog } from '../../js/node.js';
import { checkoutServer } from '../../examples/check-quote.mjs';
import { after, before, test } from 'node:test';
import { check, loadCases, nativeOutputs } from '../js/fixtures.mjs';
import { accessibilityViolations, launch, openPage, PINNED_NOW, shots } from './browser.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

/** The customer page, ready, with every response body kept for the privacy check; its clock
 *  stands at `now`. Its parts shown on demand (the comparison, the tier view, the price list)
 *  are opened, as a customer who looks at them would, unless `closed`. */
async function customerPage(viewport = DESKTOP, now = PINNED_NOW, { closed = false } = {}) {
  const opened = await openPage(env, '', viewport, env.url, now);
  const bodies = [];
  opened.page.on('response', async (r) => {
    try {
      bodies.push({ url: r.url(), body: (await r.body()).toString('latin1') });
    } catch { /* redirects have no body */ }
  });
  await opened.page.reload();
  await opened.page.waitForSelector('body[data-ready="true"]');
  if (!closed) for (const part of await opened.page.$$('details.on-demand > summary')) await part.click();
  return { ...opened, bodies };
}

/** Sets the order form to one order. */
async function fillOrder(page, { region = 'us-east', currency = 'USD', plan = 'standard', billingStart, at, pkg = 'medium', metered = {} }) {
  await page.click('#advanced summary'); // billing start and quote date are advanced settings
  assert.equal(await page.$eval('#advanced', (d) => d.open), true);
  await page.selectOption('#region', region);
  await page.selectOption('#currency', currency);
  await page.selectOption('#plan', plan);
  await page.fill('#billing-start', billingStart);
  await page.fill('#order-date', at);
  await page.check(`input[name="package"][value="${pkg}"]`);
  for (const id of ['cpu', 'memory', 'storage', 'bandwidth', 'backup']) await page.fill(`#q-${id}`, metered[id] ?? '0');
}

test('the order form gives the native engine\'s totals for the same order', async () => {
  const { page, errors } = await customerPage();
  // tests/fixtures/quote.json "order form: medium in EU West with extra resources", answered natively.
  await fillOrder(page, { region: 'eu-west', currency: 'EUR', billingStart: '2026-10-01', at: '2027-01-15', metered: { storage: '250', bandwidth: '1500', backup: '95', cpu: '1' } });
  const native = JSON.parse(nativeOutputs()['quote/order form: medium in EU West with extra resources'].output);
  assert.equal(await page.textContent('#total'), `€${native.totals[0].amount}`);
  const lines = await page.$$eval('#quote-lines tbody tr td:last-child', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(lines, native.lines.map((l) => `€${l.amount}`));
  assert.deepEqual(errors, []);
});

test('the first view: the choices in one column beside the summary (a bar on a phone), four packages never leaving one alone, the comparison and price lists on demand', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const { page, errors } = await customerPage(viewport, PINNED_NOW, { closed: true });
    // The comparison, the tier view and the price list are there on demand, closed.
    assert.deepEqual(await page.$$eval('details.on-demand', (ds) => ds.map((d) => [d.querySelector('h2').textContent, d.open])),
      [['Compare plans', false], ['How extra resources are priced', false], ['Package prices by region', false]]);
    // The four packages: one row on a wide screen, two by two on a phone.
    const tops = await page.$$eval('.package', (cards) => cards.map((c) => Math.round(c.getBoundingClientRect().top)));
    assert.equal(tops.length, 4);
    assert.equal(new Set(tops).size, viewport === DESKTOP ? 1 : 2, `${viewport.width} px: ${tops}`);
    // The month / hour toggle on one line.
    const toggle = await page.$$eval('#per legend, #per label', (els) => els.map((e) => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }));
    assert.ok(Math.max(...toggle.map(([top]) => top)) < Math.min(...toggle.map(([, bottom]) => bottom)), `${viewport.width} px: ${JSON.stringify(toggle)}`);
    // ... and inside the summary's box, not cut off at its edge.
    const [right, edge] = await page.evaluate(() => [document.querySelector('#per label:last-of-type').getBoundingClientRect().right,
      document.querySelector('#summary').getBoundingClientRect().right]);
    assert.ok(right <= edge, `${viewport.width} px: the toggle ends at ${right}, the summary at ${edge}`);
    // Shorter than it was with every part open (3,562 px on a wide screen).
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if (viewport === DESKTOP) assert.ok(height < 2600, `${height} px`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), viewport.width);
    await page.screenshot({ path: `${shots}customer-first-view-${viewport.width}.png`, fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], `first view, ${viewport.width} px`);
    // Opened, the comparison is there to read.
    await page.click('#compare-section > summary');
    assert.equal(await page.isVisible('#compare'), true);
    await page.screenshot({ path: `${shots}customer-comparison-${viewport.width}.png`, fullPage: true });
    assert.deepEqual(errors, []);
  }
});

test('amounts are grouped and carry their currency\'s digits', async () => {
  const { page, errors } = await customerPage();
  // 2,000,000 GB of storage: a total in the tens of thousands of dollars, grouped by thousands.
  await fillOrder(page, { billingStart: '2026-01-01', at: '2026-06-01', metered: { storage: '2000000' } });
  const total = await page.textContent('#total');
  assert.match(total, /^\$\d{1,3}(,\d{3})+\.\d{2}$/, total);
  // The same digits as the package's own answer for that order, only grouped.
  const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const native = quote(demo, { at: '2026-06-01T00:00:00Z', customer: { plan: 'standard', currency: 'USD', region: 'us-east', billingStart: '2026-01-01' },
    lines: [{ product: 'medium', quantity: 1 }, { product: 'storage', quantity: '2000000' }] });
  assert.equal(total.replace(/[$,]/g, ''), native.totals[0].amount);
  // Yen have no minor digits; the same order in JPY.
  await page.selectOption('#currency', 'JPY');
  assert.match(await page.textContent('#total'), /^¥\d{1,3}(,\d{3})+$/);
  assert.deepEqual(errors, []);
});

test('axe-core finds no WCAG 2.1 A or AA violation on the order form, at desktop and phone width', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const { page } = await customerPage(viewport);
    // A new customer starts today and is quoted today: both dates are advanced settings, closed.
    assert.equal(await page.$eval('#advanced', (d) => d.open), false);
    assert.equal(await page.inputValue('#order-date'), PINNED_NOW.slice(0, 10));
    assert.deepEqual(await accessibilityViolations(page), [], `${viewport.width} px, as opened`);
    await fillOrder(page, { billingStart: '2026-01-01', at: '2026-06-01', metered: { storage: '250' } });
    await page.click('tr[data-product="storage"] summary'); // the tier breakdown open
    assert.deepEqual(await accessibilityViolations(page), [], `${viewport.width} px`);
  }
});

test('a wrong quantity is an error on its field, in words, and the last good quote stays, dimmed', async () => {
  const { page, errors } = await customerPage();
  await fillOrder(page, { billingStart: '2026-01-01', at: '2026-06-01', metered: { storage: '100' } });
  const good = await page.textContent('#total');
  await page.fill('#q-storage', '-5');
  assert.equal(await page.getAttribute('#q-storage', 'aria-invalid'), 'true');
  assert.equal(await page.getAttribute('#q-storage', 'aria-describedby'), 'q-storage-error');
  assert.equal(await page.textContent('#q-storage-error'), 'Block storage cannot be negative.');
  assert.equal(await page.isVisible('#quote-error'), false, 'no engine codes under the quote');
  assert.equal(await page.textContent('#total'), good);
  assert.match(await page.getAttribute('#quote', 'class'), /\bstale\b/);
  assert.equal(await page.isVisible('#stale-note'), true);
  await page.fill('#q-storage', 'ten');
  assert.equal(await page.textContent('#q-storage-error'), 'Block storage must be a number, such as 250 or 12.5.');
  assert.deepEqual(await accessibilityViolations(page), [], 'the error state');
  await page.screenshot({ path: `${shots}customer-error-1280.png`, fullPage: true });
  await page.setViewportSize(PHONE);
  assert.equal(await page.isVisible('#q-storage-error'), true);
  assert.deepEqual(await accessibilityViolations(page), [], 'the error state, phone');
  await page.screenshot({ path: `${shots}customer-error-390.png`, fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.fill('#q-storage', '120');
  assert.equal(await page.getAttribute('#q-storage', 'aria-invalid'), null);
  assert.equal(await page.isVisible('#q-storage-error'), false);
  assert.doesNotMatch(await page.getAttribute('#quote', 'class'), /\bstale\b/);
  assert.notEqual(await page.textContent('#total'), good);
  assert.deepEqual(errors, []);
});

test('compare plans: every plan over the same time (today, the first invoice, the first 12 invoices), the cheapest of each marked; phases with their length, unmarked', async () => {
  const { page, errors } = await customerPage();
  // A new customer on the pinned day, 10:30: quoted now, billed from now.
  await fillOrder(page, { billingStart: '2026-11-20', at: '2026-11-20', metered: { storage: '250', cpu: '2' } });
  // The page's catalog set (pro's customers move to its newer prices in June 2027).
  const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo-set.json', import.meta.url), 'utf8'));
  const plans = demo.versions[0].catalog.plans;
  const at = PINNED_NOW;
  const order = (plan) => ({ at, customer: { plan, currency: 'USD', region: 'us-east', billingStart: '2026-11-20' },
    lines: [{ product: 'medium', quantity: 1 }, { product: 'cpu', quantity: '2' }, { product: 'storage', quantity: '250' }] });
  // The first invoice to 1 Dec, then each calendar month to 1 Nov 2027: 12 invoices.
  const ends = ['2026-12-01', '2027-01-01', '2027-02-01', '2027-03-01', '2027-04-01', '2027-05-01', '2027-06-01', '2027-07-01',
    '2027-08-01', '2027-09-01', '2027-10-01', '2027-11-01'].map((d) => `${d}T00:00:00Z`);
  const bills = (plan) => ends.map((end, k) => invoice(demo, { period: { start: k === 0 ? at : ends[k - 1], end },
    customer: order(plan).customer, items: order(plan).lines }).totals[0]);
  const usd = (minor) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(`${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`);
  const expected = Object.fromEntries(plans.map((p) => {
    const b = bills(p.id);
    return [p.id, { today: BigInt(quote(demo, order(p.id)).totals[0].amountMinor), first: BigInt(b[0].amountMinor), year: b.reduce((s, t) => s + BigInt(t.amountMinor), 0n) }];
  }));
  const shown = await page.$$eval('#compare tbody tr', (trs) => trs.map((tr) => ({ plan: tr.dataset.plan,
    compared: Object.fromEntries([...tr.querySelectorAll('td[data-compare]')].map((td) => [td.dataset.compare, [td.firstChild.textContent, td.classList.contains('cheapest')]])),
    phases: [...tr.querySelectorAll('td[data-phase]')].map((td) => [td.dataset.phase, td.textContent, td.classList.contains('cheapest')]) })));
  assert.deepEqual(shown.map((r) => r.plan), plans.map((p) => p.id));
  for (const key of ['today', 'first', 'year']) {
    const low = Object.values(expected).map((e) => e[key]).reduce((a, b) => (b < a ? b : a));
    for (const row of shown) {
      assert.deepEqual(row.compared[key], [usd(expected[row.plan][key]), expected[row.plan][key] === low], `${row.plan} ${key}`);
    }
  }
  // Each phase says its price and how long it lasts; no phase is marked (their lengths differ).
  // Standard's discount: medium 6.00 + 2 cores capped at 0.0274 x 672 = 18.41 + storage (225 GB
  // past the 25 included) 100 x 0.10 + 125 x 0.08 = 20.00; its final price: 12.00 + 18.41 + 20.00.
  const standard = shown.find((r) => r.plan === 'standard').phases;
  assert.deepEqual(standard.map(([phase, text]) => [phase, text]), [
    ['trial', 'free for 13 days and 14 hours'], ['discount', '$44.41/month for 16 days'], ['final', '$50.41/month from 20 Dec 2026']]);
  assert.ok(shown.every((r) => r.phases.every(([, , best]) => !best)));
  // Over the first 12 invoices Pro (a 3-month discount) is the cheaper plan, whatever the first
  // invoice says.
  assert.ok(expected.pro.year < expected.standard.year);
  assert.deepEqual(errors, []);
});

test('share and print: the URL reopens the same quote, Back walks through changes, the print is one clean page', async () => {
  const { page, errors } = await customerPage();
  await fillOrder(page, { region: 'eu-west', currency: 'EUR', billingStart: '2026-10-01', at: '2027-01-15', metered: { storage: '250' } });
  const total = await page.textContent('#total');
  const shared = page.url();
  assert.match(shared, /[?&]storage=250(&|$)/);
  // A link opens the same quote in a new page.
  const { page: other } = await openPage(env, shared.slice(env.url.length));
  await other.waitForSelector('body[data-ready="true"]');
  assert.equal(await other.textContent('#total'), total);
  assert.equal(await other.inputValue('#q-storage'), '250');
  // Back walks through settled changes: the plan changed, then back to the previous order.
  await page.selectOption('#plan', 'pro');
  assert.notEqual(await page.textContent('#total'), total);
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#plan').value === 'standard');
  assert.equal(await page.textContent('#total'), total);
  // Printed: the quote, its date, the catalog's name and the engine's version; no form, no tiers.
  await other.emulateMedia({ media: 'print' });
  assert.equal(await other.isVisible('#order'), false);
  assert.equal(await other.isVisible('#tiers-title'), false);
  assert.equal(await other.isVisible('#print'), false);
  assert.equal(await other.textContent('[data-testid="print-date"]'), 'Quote of 15 Jan 2027: plan Standard, EU West (Frankfurt), in EUR.');
  const publicCatalog = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
  assert.match(await other.textContent('[data-testid="print-meta"]'), new RegExp(`^${publicCatalog.versions[0].catalog.name} · priced by ratecard \\d+\\.\\d+\\.\\d+$`));
  const pdf = await other.pdf({ format: 'A4' });
  assert.equal(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g).length, 1, 'one printed page');
  await other.screenshot({ path: `${shots}customer-print.png`, fullPage: true });
  assert.deepEqual(errors, []);
});

test('the summary says what the customer pays and when, in view at any scroll, at desktop and phone width', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const { page, errors } = await customerPage(viewport);
    await fillOrder(page, { billingStart: '2026-11-10', at: '2026-11-20', metered: { storage: '250' } });
    // In the free trial: "Free until 24 Nov 2026", not "$0.00 a month" (the quote's total is $0.00).
    assert.equal(await page.textContent('#total'), '$0.00');
    assert.equal(await page.innerText('.summary-total'), 'Free until 24 Nov 2026');
    assert.equal(await page.textContent('[data-testid="summary-timeline"]'), await page.textContent('[data-testid="timeline"]'));
    assert.equal(await page.textContent('[data-testid="summary-invoice"]'), `First invoice, until 1 Dec 2026: ${await page.textContent('#invoice-total')}`);
    for (const y of [0, 1500, 100_000]) {
      await page.evaluate((top) => window.scrollTo(0, top), y);
      const box = await page.$eval('[data-testid="summary"]', (e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; });
      assert.ok(box.top >= 0 && box.bottom <= viewport.height, `${viewport.width} px at ${y}: ${JSON.stringify(box)}`);
    }
    if (viewport === PHONE) await page.screenshot({ path: `${shots}customer-summary-phone.png` });
    assert.deepEqual(await accessibilityViolations(page), [], `${viewport.width} px`);
    assert.deepEqual(errors, []);
  }
});

test('each line is priced in every phase, and every price per month or per hour', async () => {
  const { page, errors } = await customerPage();
  // In the trial: three phase columns, each the package's own quote at that phase's start.
  await fillOrder(page, { billingStart: '2026-11-10', at: '2026-11-20', metered: { storage: '250' } });
  const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const order = (at) => ({ at, customer: { plan: 'standard', currency: 'USD', region: 'us-east', billingStart: '2026-11-10' },
    lines: [{ product: 'medium', quantity: 1 }, { product: 'storage', quantity: '250' }] });
  const now = quote(demo, order('2026-11-20T00:00:00Z'));
  const inPhase = now.timeline.map((t, i) => (i === 0 ? now : quote(demo, order(t.start))));
  assert.deepEqual(await page.$$eval('#quote-lines thead th[data-phase]', (ths) => ths.map((th) => th.dataset.phase)), ['trial', 'discount', 'final']);
  const cells = () => page.$$eval('#quote-lines tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td[data-phase]')].map((td) => td.textContent)));
  const usd = (digits) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits });
  assert.deepEqual(await cells(), now.lines.map((_, n) => inPhase.map((q) => usd(2).format(q.lines[n].amount))));
  // Per hour: the engine's exact hourly figures, shown to four places.
  await page.check('input[name="per"][value="hour"]');
  assert.deepEqual(await cells(), now.lines.map((_, n) => inPhase.map((q) => usd(4).format(q.lines[n].hourly))));
  assert.equal(await page.innerText('.summary-total'), 'Free until 24 Nov 2026'); // the trial, per hour too
  const sentence = await page.textContent('[data-testid="timeline"]');
  // The hourly total is the sum of the hourly rates shown, each to four places (BigInt, exact):
  // 12.00 / 672 = 0.0179 and 20.00 / 672 = 0.0298 make 0.0477, though the exact total is 0.0476...
  const shown = (q) => q.lines.reduce((sum, l) => {
    const [whole, fraction = ''] = l.hourly.split('.');
    return sum + BigInt(whole + fraction.slice(0, 4).padEnd(4, '0')) + (fraction[4] >= '5' ? 1n : 0n);
  }, 0n);
  const regular = shown(inPhase[2]);
  assert.equal(regular, 477n);
  assert.ok(sentence.endsWith(`then ${usd(4).format(`0.${String(regular).padStart(4, '0')}`)}/hour.`), sentence);
  const totals = await page.$$eval('#quote-lines tfoot tr:last-child td', (tds) => tds.map((td) => td.textContent));
  assert.equal(totals.at(-1), '$0.0477', 'the total of the column is the sum of its rows');
  // The package cards: billed by the hour at 12.00 / 672 (capHours), at most the monthly price.
  assert.match(await page.textContent('.phase-prices[data-product="medium"]'), /Regular price: \$0\.0179 an hour, at most \$12\.00 a month$/);
  await page.check('input[name="per"][value="month"]');
  assert.equal(now.totals[0].amount, '0.00');
  assert.equal(await page.innerText('.summary-total'), 'Free until 24 Nov 2026');
  assert.deepEqual(errors, []);
});

test('the timeline dates follow a trial that started before the order', async () => {
  const { page } = await customerPage(DESKTOP, '2026-11-20T00:00:00Z'); // opened at midnight: whole days
  // Billing started 10 Nov; the 14-day trial ends 24 Nov, the 30-day discount 10 Dec.
  await fillOrder(page, { billingStart: '2026-11-10', at: '2026-11-20' });
  // With how long each phase lasts: 4 days of trial left, then 16 days of discount (30 - 14).
  assert.equal(await page.textContent('[data-testid="timeline"]'), 'Free for 4 days until 24 Nov 2026, then $6.00/month for 16 days until 10 Dec 2026, then $12.00/month.');
  // The package cards say how long each phase lasts for a customer who starts now.
  // Billed by the hour, capped at the monthly price (the demo catalog's monthlyCap, capHours 672):
  // 6.00 / 672 = 0.0089 and 12.00 / 672 = 0.0179 an hour.
  assert.match(await page.textContent('.phase-prices[data-product="medium"]'), /^Trial \(14 days\): free.*Discount \(16 days\): \$0\.0089 an hour, at most \$6\.00 a month.*Regular price: \$0\.0179 an hour, at most \$12\.00 a month$/);
  await page.fill('#order-date', '2026-12-01'); // into the discount: the trial is gone from the timeline
  assert.equal(await page.textContent('[data-testid="timeline"]'), '$6.00/month for 9 days until 10 Dec 2026, then $12.00/month.');
  await page.screenshot({ path: `${shots}customer-desktop.png`, fullPage: true });
});

test('catalog versions: a new price is announced before it applies, and an existing customer sees their own prices', async () => {
  const { page, errors } = await customerPage(DESKTOP, '2026-11-20T00:00:00Z');
  const set = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
  assert.deepEqual(set.versions.map((v) => v.version), ['2026-01', '2027-03'], 'the page loads the demo set');
  // A new customer today is on 2026-01 (12.00); 2027-03 charges new customers 13.00 from 1
  // March, and standard's existing customers keep 12.00.
  await fillOrder(page, { billingStart: '2026-11-20', at: '2026-11-20' });
  assert.equal(await page.textContent('[data-testid="summary-announcement"]'),
    'Price from 1 Mar 2027: $13.00/month. Ordering now, you pay $12.00/month.');
  assert.equal(await page.textContent('[data-testid="summary-version"]'), 'Prices of catalog version 2026-01, in force when billing started on 20 Nov 2026.');
  const order = { at: '2026-11-20T00:00:00Z', customer: { plan: 'standard', region: 'us-east', currency: 'USD', billingStart: '2026-11-20T00:00:00Z' },
    lines: [{ product: 'medium', quantity: 1 }] };
  const q = quote(set, order);
  assert.deepEqual(q.timeline.map((t) => [t.phase, t.amount, t.version]), [['trial', '0.00', '2026-01'], ['discount', '6.00', '2026-01'], ['final', '12.00', '2026-01']]);
  // On pro, whose existing customers move to 2027-03's 11.40 at the next period after 15 May.
  await page.selectOption('#plan', 'pro');
  assert.equal(await page.textContent('[data-testid="summary-announcement"]'),
    'Price from 1 Mar 2027: $11.40/month. Ordering now, you pay $10.80/month until 1 Jun 2027.');
  assert.match(await page.textContent('[data-testid="timeline"]'), /then \$10\.80\/month for \d+ days until 1 Jun 2027, then \$11\.40\/month\.$/);
  // A customer since 5 March 2027 is on 2027-03: 13.00 on standard, nothing to announce.
  await page.selectOption('#plan', 'standard');
  await page.fill('#order-date', '2027-04-01');
  await page.fill('#billing-start', '2027-03-05');
  assert.equal(await page.isVisible('[data-testid="summary-announcement"]'), false);
  assert.equal(await page.textContent('[data-testid="summary-version"]'), 'Prices of catalog version 2027-03, in force when billing started on 5 Mar 2027.');
  assert.match(await page.textContent('.phase-prices[data-product="medium"]'), /Regular price: \$0\.0193 an hour, at most \$13\.00 a month$/);
  // A customer since January 2026 keeps 12.00, and the package cards say so.
  await page.fill('#billing-start', '2026-01-01');
  assert.equal(await page.textContent('#total'), '$12.00');
  assert.equal(await page.textContent('[data-testid="timeline"]'), '$12.00/month.');
  assert.match(await page.textContent('.phase-prices[data-product="medium"]'), /at most \$12\.00 a month$/);
  const existing = quote(set, { ...order, at: '2027-04-01T00:00:00Z', customer: { ...order.customer, billingStart: '2026-01-01T00:00:00Z' } });
  assert.equal(existing.catalog.version, '2026-01');
  assert.equal(await page.textContent('#total'), `$${existing.amountDue}`);
  assert.deepEqual(errors, []);
});

test('the first invoice, to the end of the month, is the native engine\'s, segment by segment', async () => {
  const { page, errors } = await customerPage(DESKTOP, '2026-11-20T00:00:00Z');
  // tests/fixtures/invoice.json "order form: the first invoice with the traffic entered".
  await fillOrder(page, { billingStart: '2026-11-10', at: '2026-11-20', metered: { storage: '250', bandwidth: '1500' } });
  const native = JSON.parse(nativeOutputs()['invoice/order form: the first invoice with the traffic entered'].output);
  assert.equal(native.totals[0].amount, '25.59'); // the traffic typed is on it: 19.09 of it
  assert.equal(await page.textContent('#invoice-total'), `$${native.totals[0].amount}`);
  const rows = await page.$$eval('#invoice-lines tbody tr', (trs) => trs.map((tr) => [tr.dataset.product, tr.dataset.phase,
    tr.cells[4].textContent, tr.cells[5].textContent]));
  const expected = native.lines.flatMap((l) => l.segments.map((s, k) => [l.product, s.phase, s.hours,
    k === l.segments.length - 1 ? `$${l.amount}` : '']));
  assert.deepEqual(rows, expected);
  assert.equal(await page.textContent('[data-testid="invoice-summary"]'), `From 20 Nov 2026 until 1 Dec 2026, with 1,500 GB of bandwidth: $${native.totals[0].amount}, billed by the hour.`);
  assert.equal(await page.textContent('[data-testid="summary-invoice"]'), `First invoice, until 1 Dec 2026: $${native.totals[0].amount}, with 1,500 GB of bandwidth`);
  assert.deepEqual(errors, []);
});

test('a plan with a minimum commitment: the page bills a month at least the commitment, and its first invoice has the true-up', async () => {
  // The customer's catalog with standard committing 50.00 USD a month (SPEC 13).
  const committed = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
  // (the customer, since January 2026, is on the set's first version)
  committed.versions[0].catalog.plans.find((p) => p.id === 'standard').minimumCommitment = { USD: '50.00' };
  const opened = await openPage(env, '', DESKTOP, env.url, '2026-11-20T00:00:00Z');
  await opened.page.route('**/catalog.public.json', (r) => r.fulfill({ body: JSON.stringify(committed), contentType: 'application/json' }));
  await opened.page.reload();
  await opened.page.waitForSelector('body[data-ready="true"]');
  const { page, errors } = opened;
  await fillOrder(page, { billingStart: '2026-01-01', at: '2026-11-20' });
  // The package's own answers on the same catalog and order: medium is 12.00 a month.
  const order = { at: '2026-11-20T00:00:00Z', customer: { plan: 'standard', region: 'us-east', currency: 'USD', billingStart: '2026-01-01T00:00:00Z' },
    lines: [{ product: 'medium', quantity: 1 }] };
  const q = quote(committed, order);
  assert.equal(q.totals[0].amount, '12.00');
  assert.equal(q.amountDue, '50.00');
  assert.equal(await page.textContent('[data-testid="total"]'), '$50.00');
  const bill = invoice(committed, { period: { start: '2026-11-20T00:00:00Z', end: '2026-12-01T00:00:00Z' }, customer: order.customer, items: order.lines });
  // 264 of 720 hours on the plan: 50 x 264 / 720 = 18.33, less the 264 h of medium (4.71).
  assert.equal(bill.trueUps.length, 1);
  assert.equal(await page.textContent('#invoice-total'), `$${bill.amountDue}`);
  const trueUp = await page.$eval('#invoice-lines tr[data-true-up="standard"]', (tr) => [...tr.cells].map((c) => c.textContent));
  assert.deepEqual(trueUp, ['Minimum commitment ($50.00/month)', '20 Nov 2026', '1 Dec 2026', '', bill.trueUps[0].activeHours, `$${bill.trueUps[0].amount}`]);
  assert.deepEqual(errors, []);
});

test('a coupon code: the summary, the timeline, the first invoice and the comparison are the package\'s own; a code that does not apply says why', async () => {
  const { page, errors } = await customerPage();
  const publicCatalog = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
  // A new customer on 21 Nov: a free trial, the discount phase, then the regular price.
  await fillOrder(page, { billingStart: '2026-11-21', at: '2026-11-21' });
  await page.fill('#coupon-code', 'welcome20');
  const at = '2026-11-21T00:00:00Z';
  const customer = { plan: 'standard', region: 'us-east', currency: 'USD', billingStart: at, redemptions: [{ coupon: 'welcome20', at }] };
  const order = { at, customer, lines: [{ product: 'medium', quantity: 1 }] };
  const q = quote(publicCatalog, order);
  // 20% for 3 months from 21 Nov: the discount phase at 6.00 is 4.80, the regular 12.00 is
  // 9.60 until 21 Feb, then 12.00.
  assert.deepEqual(q.timeline.map((t) => [t.phase, t.amount, t.amountDue, t.end]), [
    ['trial', '0.00', '0.00', '2026-12-05T00:00:00Z'],
    ['discount', '6.00', '4.80', '2026-12-21T00:00:00Z'],
    ['final', '12.00', '9.60', '2027-02-21T00:00:00Z'],
    ['final', '12.00', '12.00', null]]);
  assert.equal(await page.textContent('[data-testid="coupon-status"]'), 'WELCOME20 applied: 20% off your first 3 months (20% off for 3 months).');
  assert.equal(await page.textContent('[data-testid="summary-coupon"]'), 'Coupon WELCOME20: 20% off for 3 months');
  const timeline = await page.$$eval('#timeline-list li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(timeline, [
    'Trial from 21 Nov 2026 until 5 Dec 2026: $0.00/month',
    `Discount from 5 Dec 2026 until 21 Dec 2026: $${q.timeline[1].amountDue}/month instead of $6.00/month`,
    `Regular price from 21 Dec 2026 until 21 Feb 2027: $${q.timeline[2].amountDue}/month instead of $12.00/month`,
    'Regular price from 21 Feb 2027: $12.00/month']);
  // An existing customer in the regular price: the first invoice takes 20% of the medium line.
  await page.fill('#billing-start', '2026-01-01');
  const existing = { ...order, customer: { ...customer, billingStart: '2026-01-01T00:00:00Z' } };
  const bill = invoice(publicCatalog, { period: { start: at, end: '2026-12-01T00:00:00Z' }, customer: existing.customer, items: existing.lines });
  assert.equal(bill.discounts[0].lines[0].amount, bill.discounts[0].amount);
  assert.notEqual(bill.discounts[0].amountMinor, '0');
  const row = await page.$eval('#invoice-lines tr[data-coupon="welcome20"]', (tr) => [...tr.cells].map((c) => c.textContent));
  assert.deepEqual(row, ['Coupon: 20% off your first 3 months', '', '', '', '', `−$${bill.discounts[0].amount}`]);
  assert.equal(await page.textContent('#invoice-total'), `$${bill.amountDue}`);
  assert.equal(await page.textContent('[data-testid="summary-total"]'), `$${quote(publicCatalog, existing).timeline[0].amountDue}`);
  // The comparison's first invoice on each plan is the package's own invoice with the coupon.
  for (const plan of ['standard', 'pro']) {
    const c = { ...existing.customer, plan };
    const first = invoice(publicCatalog, { period: { start: at, end: '2026-12-01T00:00:00Z' }, customer: c, items: existing.lines });
    const cell = await page.textContent(`#compare tr[data-plan="${plan}"] td[data-compare="first"]`);
    assert.equal(cell.replace(' cheapest', ''), `$${first.amountDue}`);
  }
  // Each phase in the comparison with every stretch the coupon's window makes.
  assert.equal(await page.textContent('#compare tr[data-plan="standard"] td[data-phase="final"]'),
    `$${quote(publicCatalog, existing).timeline[0].amountDue}/month for 92 days, then $12.00/month from 21 Feb 2027`);
  await page.screenshot({ path: `${shots}coupon-applied.png`, fullPage: true });
  // Codes that do not apply, in words, on the field; the prices are those without a coupon.
  const status = async (code) => {
    await page.fill('#coupon-code', code);
    return [await page.textContent('[data-testid="coupon-status"]'), await page.getAttribute('#coupon-code', 'aria-invalid')];
  };
  assert.deepEqual(await status('SPRING'), ['The code SPRING expired on 1 Jun 2026.', 'true']);
  assert.deepEqual(await status('pro10'), ['The code PRO10 is for the Pro (annual commitment) plan only.', 'true']);
  assert.deepEqual(await status('NOPE'), ['There is no coupon with the code NOPE.', 'true']);
  const plain = invoice(publicCatalog, { period: { start: at, end: '2026-12-01T00:00:00Z' }, customer: { ...existing.customer, redemptions: [] }, items: existing.lines });
  assert.equal(await page.textContent('#invoice-total'), `$${plain.amountDue}`);
  await page.selectOption('#currency', 'JPY');
  assert.deepEqual(await status('SAVE5'), ['The code SAVE5 is for prices in USD or EUR, not JPY.', 'true']);
  await page.screenshot({ path: `${shots}coupon-refused.png`, fullPage: true });
  // A once coupon goes to the first invoice only: the next month is billed in full.
  await page.selectOption('#currency', 'USD');
  assert.deepEqual(await status('SAVE5'), ['SAVE5 applied: 5.00 off your first invoice ($5.00 off the first invoice): $5.00 off this month.', null]);
  const once = { ...existing.customer, redemptions: [{ coupon: 'save5', at }] };
  const firstBill = invoice(publicCatalog, { period: { start: at, end: '2026-12-01T00:00:00Z' }, customer: once, items: existing.lines });
  assert.equal(firstBill.discounts[0].consumed, true);
  assert.equal(await page.textContent('#invoice-total'), `$${firstBill.amountDue}`);
  assert.equal(await page.textContent('[data-testid="summary-total"]'), '$12.00');
  assert.deepEqual(errors, []);
});

test('VAT: a German consumer pays 19% on top, an Irish business with a VAT number is reverse-charged; every figure the package\'s own', async () => {
  const { page, errors } = await customerPage();
  const publicCatalog = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
  await fillOrder(page, { region: 'eu-west', currency: 'EUR', billingStart: '2026-01-01', at: '2026-11-21' });
  const at = '2026-11-21T00:00:00Z';
  const customer = { plan: 'standard', region: 'eu-west', currency: 'EUR', billingStart: '2026-01-01T00:00:00Z' };
  const lines = [{ product: 'medium', quantity: 1 }];
  const period = { start: at, end: '2026-12-01T00:00:00Z' };
  // Germany, a consumer: the seller's country's 19%, added to the price.
  await page.selectOption('#country', 'DE');
  const de = { rates: { standard: ['de-vat-19'] } };
  const q = quote(publicCatalog, { at, customer, lines, tax: de });
  assert.equal(q.taxes[0].rate, 'de-vat-19');
  const t = q.timeline[0];
  assert.equal(t.amount, '11.00'); // medium in EUR
  assert.equal(t.tax, '2.09'); // 11.00 x 19%
  assert.equal(await page.textContent('[data-testid="summary-tax"]'), `€${t.amount} + €${t.tax} VAT 19%`);
  assert.equal(await page.textContent('[data-testid="summary-total"]'), `€${t.amountDue}`);
  assert.equal(await page.textContent('#quote-lines tfoot tr[data-step="tax"] td'), `+€${t.tax}`);
  const bill = invoice(publicCatalog, { period, customer, items: lines, tax: de });
  const taxRow = await page.$eval('#invoice-lines tr[data-tax="de-vat-19"]', (tr) => [...tr.cells].map((c) => c.textContent));
  assert.deepEqual(taxRow, [`VAT 19% on €${bill.taxes[0].taxable}`, '', '', '', '', `€${bill.taxes[0].amount}`]);
  assert.equal(await page.textContent('#invoice-total'), `€${bill.amountDue}`);
  await page.screenshot({ path: `${shots}vat-germany.png`, fullPage: true });
  // A German business with a VAT number still pays German VAT, and is told why.
  await page.fill('#vat-id', 'DE811907980');
  assert.equal(await page.textContent('[data-testid="summary-tax"]'), `€${t.amount} + €${t.tax} VAT 19%`);
  assert.match(await page.textContent('[data-testid="vat-status"]'), /reverse charge is for other EU countries/);
  // Ireland, a business with its VAT number: reverse charge, no VAT, the note on the invoice.
  await page.selectOption('#country', 'IE');
  await page.fill('#vat-id', 'ie6388047v');
  const reverse = { reverseCharge: { taxId: 'IE6388047V' } };
  const b2b = invoice(publicCatalog, { period, customer, items: lines, tax: reverse });
  assert.deepEqual(b2b.taxes, []);
  assert.equal(b2b.taxNote.code, 'REVERSE_CHARGE');
  assert.equal(await page.textContent('[data-testid="summary-tax"]'), 'No VAT: reverse charge, VAT number IE6388047V.');
  assert.equal(await page.textContent('#invoice-lines tr[data-tax-note="REVERSE_CHARGE"] td'), 'No VAT: reverse charge, the customer accounts for it (VAT number IE6388047V)');
  assert.equal(await page.textContent('#invoice-total'), `€${b2b.amountDue}`);
  assert.equal(await page.textContent('[data-testid="summary-total"]'), `€${quote(publicCatalog, { at, customer, lines, tax: reverse }).timeline[0].amountDue}`);
  await page.screenshot({ path: `${shots}vat-ireland-reverse-charge.png`, fullPage: true });
  // An Irish consumer pays Ireland's 23%.
  await page.fill('#vat-id', '');
  const ie = quote(publicCatalog, { at, customer, lines, tax: { rates: { standard: ['ie-vat-23'] } } }).timeline[0];
  assert.equal(await page.textContent('[data-testid="summary-tax"]'), `€${ie.amount} + €${ie.tax} VAT 23%`);
  assert.deepEqual(errors, []);
});

test('VAT-inclusive prices: the customer pays the price shown, and the summary says how much of it is VAT', async () => {
  const inclusive = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
  for (const v of inclusive.versions) v.catalog.taxMode = 'inclusive';
  const opened = await openPage(env, '', DESKTOP, env.url, '2026-11-20T00:00:00Z');
  await opened.page.route('**/catalog.public.json', (r) => r.fulfill({ body: JSON.stringify(inclusive), contentType: 'application/json' }));
  await opened.page.reload();
  await opened.page.waitForSelector('body[data-ready="true"]');
  const { page, errors } = opened;
  await fillOrder(page, { region: 'eu-west', currency: 'EUR', billingStart: '2026-01-01', at: '2026-11-21' });
  await page.selectOption('#country', 'DE');
  const order = { at: '2026-11-21T00:00:00Z', customer: { plan: 'standard', region: 'eu-west', currency: 'EUR', billingStart: '2026-01-01T00:00:00Z' },
    lines: [{ product: 'medium', quantity: 1 }], tax: { rates: { standard: ['de-vat-19'] } } };
  const t = quote(inclusive, order).timeline[0];
  // 11.00 including 19%: net round(11.00 x 100 / 119) = 9.24, VAT 1.76; the customer pays 11.00.
  assert.deepEqual([t.amount, t.tax, t.amountDue], ['11.00', '1.76', '11.00']);
  assert.equal(await page.textContent('[data-testid="summary-tax"]'), 'incl. €1.76 VAT 19%');
  assert.equal(await page.textContent('[data-testid="summary-total"]'), '€11.00');
  const bill = invoice(inclusive, { period: { start: order.at, end: '2026-12-01T00:00:00Z' }, customer: order.customer, items: order.lines, tax: order.tax });
  assert.equal(await page.textContent('#invoice-total'), `€${bill.amountDue}`);
  assert.equal(bill.amountDue, bill.lines[0].amount);
  const taxRow = await page.$eval('#invoice-lines tr[data-tax="de-vat-19"]', (tr) => [...tr.cells].map((c) => c.textContent));
  assert.deepEqual(taxRow, [`VAT 19% included, on €${bill.taxes[0].taxable}`, '', '', '', '', `€${bill.taxes[0].amount}`]);
  assert.deepEqual(errors, []);
});

test('the page speaks the customer\'s words: package specs in vCPU and GB, quantities as typed and grouped, the tiers of the phase paid in, no engine talk', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const { page, errors } = await customerPage(viewport, '2026-11-20T00:00:00Z');
    // A new customer in the free trial, with a Large package and more traffic than it includes.
    await fillOrder(page, { billingStart: '2026-11-20', at: '2026-11-20', pkg: 'large', metered: { storage: '1190', bandwidth: '2500' } });
    assert.equal(await page.textContent('label:has(input[value="large"]) .specs'), '2 vCPU · 4 GB RAM');
    assert.equal(await page.textContent('label[for="q-cpu"]'), 'Extra CPU (vCPU)');
    const set = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
    const order = (at) => ({ at, customer: { plan: 'standard', region: 'us-east', currency: 'USD', billingStart: '2026-11-20T00:00:00Z' },
      lines: [{ product: 'large', quantity: 1 }, { product: 'storage', quantity: '1190' }, { product: 'bandwidth', quantity: '2500' }] });
    const now = quote(set, order('2026-11-20T00:00:00Z'));
    const billed = await page.$$eval('#quote-lines tbody tr', (trs) => trs.map((tr) => tr.cells[1].textContent));
    // What was typed, what the package includes, what is billed: grouped, as the amounts are.
    assert.deepEqual(billed, ['1', '1,190 GB − 50 GB included = 1,140 GB billed', '2,500 GB − 2,000 GB included = 500 GB billed']);
    assert.deepEqual(now.lines.slice(1).map((l) => [l.measured, l.included, l.quantity]), [['1190', '50', '1140'], ['2500', '2000', '500']]);
    // The trial prices nothing, so it has no tiers: the breakdown is the discount phase's, the
    // first one paid in, as the package quotes it at that phase's start.
    assert.equal(now.lines[1].tiers.length, 0);
    const discount = quote(set, order(now.timeline[1].start));
    await page.click('tr[data-product="storage"] summary');
    assert.equal(await page.textContent('tr[data-product="storage"] summary'), 'Tier breakdown (discount, from 4 Dec 2026)');
    const tiers = await page.$$eval('tr[data-product="storage"] .breakdown li', (lis) => lis.map((li) => li.textContent));
    assert.deepEqual(tiers, discount.lines[1].tiers.map((t) => `${Number(t.quantity).toLocaleString('en-US')} in tier ${t.tier + 1} (${Number(t.from).toLocaleString('en-US')}–${t.upTo === null ? '∞' : Number(t.upTo).toLocaleString('en-US')}) at $${t.unitPrice.padEnd(4, '0')} = $${t.amount}`));
    // The tier view shows the same phase, the first one paid in, until another is chosen.
    assert.equal(await page.inputValue('#tier-phase'), 'discount');
    await page.selectOption('#tier-product', 'storage');
    assert.match(await page.textContent('#tier-summary'), /^Graduated/);
    // Every price column on the screen: the quote's and the first invoice's tables fit their
    // boxes (on a phone the billed quantity and the invoice's dates go under the item).
    const fits = await page.$$eval('#quote-lines, #invoice-lines', (ts) => ts.map((t) => [t.id, t.getBoundingClientRect().width <= t.parentElement.clientWidth + 0.5]));
    assert.deepEqual(fits, [['quote-lines', true], ['invoice-lines', true]], `${viewport.width} px`);
    const regular = await page.$eval('#quote-lines thead th:last-child', (th) => th.getBoundingClientRect().right <= window.innerWidth);
    assert.ok(regular, `${viewport.width} px: the regular price column is on the screen`);
    if (viewport === PHONE) {
      assert.equal(await page.innerText('tr[data-product="bandwidth"] td:first-child .phone-only'), '2,500 GB − 2,000 GB included = 500 GB billed');
    }
    // No engine or version talk on the customer's screen (the printout's footer names it).
    const shown = await page.evaluate(() => document.body.innerText);
    assert.doesNotMatch(shown, /engine|WebAssembly|ratecard \d|public catalog/i);
    await page.screenshot({ path: `${shots}customer-package-storage-traffic-${viewport.width}.png`, fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], `${viewport.width} px`);
    assert.deepEqual(errors, []);
  }
});

test('per hour, only what is billed by the hour has an hourly price: traffic stays a monthly amount, beside the hourly total', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const { page, errors } = await customerPage(viewport, '2026-11-20T00:00:00Z');
    await fillOrder(page, { billingStart: '2026-01-01', at: '2026-11-20', pkg: 'large', metered: { bandwidth: '2500' } });
    await page.check('input[name="per"][value="hour"]');
    const set = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
    const q = quote(set, { at: '2026-11-20T00:00:00Z', customer: { plan: 'standard', region: 'us-east', currency: 'USD', billingStart: '2026-01-01T00:00:00Z' },
      lines: [{ product: 'large', quantity: 1 }, { product: 'bandwidth', quantity: '2500' }] });
    const traffic = q.lines[1];
    assert.ok(!/^0(\.0+)?$/.test(traffic.amount), 'the traffic past what the package includes costs something');
    const cells = await page.$$eval('#quote-lines tbody tr', (trs) => trs.map((tr) => tr.cells[2].textContent));
    // Large: 24.00 / 672 = 0.0357 an hour; the traffic, billed on its usage, a month.
    assert.deepEqual(cells, ['$0.0357', `$${traffic.amount}/month`]);
    assert.equal(await page.innerText('.summary-total'), `Now $0.0357 an hour + $${traffic.amount}/month usage`);
    assert.equal(await page.textContent('#total'), `$0.0357 + $${traffic.amount}/month usage`);
    assert.deepEqual(errors, []);
  }
});

test('the seller, from the catalog, on the page and on the printout; the printout has the package specs and fits a phone too', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const { page, errors } = await customerPage(viewport, '2026-11-20T00:00:00Z');
    await fillOrder(page, { billingStart: '2026-01-01', at: '2026-11-20', pkg: 'large', metered: { storage: '250', bandwidth: '2500' } });
    const set = JSON.parse(readFileSync(new URL('../../www/catalog.public.json', import.meta.url), 'utf8'));
    const seller = set.versions[0].catalog.seller;
    assert.equal(seller.name, 'Demo Cloud GmbH');
    assert.equal(await page.textContent('[data-testid="seller-name"]'), seller.name);
    const details = `${seller.name} · ${seller.address} · ${seller.email} · ${seller.url} · VAT ${seller.taxId}`;
    assert.equal(await page.textContent('[data-testid="seller"]'), details);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.isVisible('[data-testid="print-seller"]'), true);
    assert.equal(await page.textContent('[data-testid="print-seller"]'), details);
    assert.equal(await page.textContent('#quote-lines tbody tr[data-product="large"] td:first-child'), 'Large (2 vCPU, 4 GB RAM)');
    // Nothing wider than the paper: every table shown fits the page's width.
    const overflow = await page.evaluate(() => [...document.querySelectorAll('table')]
      .filter((t) => t.offsetParent && t.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((t) => t.id));
    assert.deepEqual(overflow, [], `${viewport.width} px, printed`);
    await page.screenshot({ path: `${shots}customer-print-${viewport.width}.png`, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    assert.deepEqual(errors, []);
  }
});

test('crossing a tier boundary changes the tier breakdown', async () => {
  const { page } = await customerPage();
  await fillOrder(page, { billingStart: '2026-01-01', at: '2026-06-01', metered: { storage: '120' } }); // 25 GB included: 95 billed
  const tiers = () => page.$$eval('tr[data-product="storage"] .breakdown li', (lis) => lis.map((li) => li.textContent));
  assert.equal((await page.$$('tr[data-product="storage"] .breakdown li')).length, 1);
  await page.fill('#q-storage', '140'); // 115 billed: 100 in tier 1, 15 in tier 2
  await page.click('tr[data-product="storage"] summary');
  // Unit prices with the currency's two digits at least: $0.10 beside $0.08, not $0.1.
  assert.deepEqual(await tiers(), ['100 in tier 1 (0–100) at $0.10 = $10.00', '15 in tier 2 (100–1,000) at $0.08 = $1.20']);
  // The tier view marks the current quantity on its chart; its bounds are grouped as amounts are.
  await page.selectOption('#tier-product', 'storage');
  assert.deepEqual(await page.$$eval('#tier-table tbody tr', (trs) => trs.map((tr) => [tr.cells[1].textContent, tr.cells[2].textContent])),
    [['0', '100'], ['100', '1,000'], ['1,000', 'no limit']]);
  assert.ok(await page.$('[data-testid="tier-marker"]'));
  // The caption and the marker are at what the quote bills: 140 GB less the 25 GB a medium
  // includes, 100 x 0.10 + 15 x 0.08, the storage line's own amount.
  assert.equal(await page.textContent('#tier-caption'), 'At 115 GB billed (140 GB less 25 GB included): $11.20 per month.');
  const storageLine = await page.textContent('#quote-lines tr[data-product="storage"] td:last-child');
  assert.equal(storageLine, '$11.20');
  // A round marker (the chart is scaled as a whole), a dashed line at each tier bound shown, a text alternative.
  const box = await page.$eval('[data-testid="tier-marker"]', (c) => { const r = c.getBoundingClientRect(); return [r.width, r.height]; });
  assert.ok(Math.abs(box[0] - box[1]) < 0.5, `marker ${box}`);
  assert.ok((await page.$$('[data-testid="tier-bound"]')).length >= 1);
  assert.match(await page.textContent('#tier-chart-desc'), /^Graduated tiers, per GB and month: up to 100 GB at \$0\.10, .*At 115 GB billed/);
});

test('a quantity typed past what a number holds leaves the tier chart drawn, its labels exact', async () => {
  const { page, errors } = await customerPage();
  await page.fill('#q-storage', '1e400');
  await page.selectOption('#tier-product', 'storage');
  // The order cannot be priced (INVALID_DECIMAL), but the chart of the tiers stays, scaled to them.
  assert.ok((await page.$$('[data-testid="tier-bound"]')).length >= 1);
  assert.match(await page.textContent('#tier-chart-desc'), /^Graduated tiers, per GB and month: up to 100 GB at \$0\.10, /);
  assert.deepEqual(errors, []);
});

test('operators check a catalog on their own page: every problem with its path, then a valid one', async () => {
  const { page, errors } = await openPage(env, 'catalog.html', DESKTOP, env.operatorUrl);
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#catalog-text', '{"defaultCurrency":"USD","currencies":["USD","XYZ"],"plans":[{"id":"a","nme":"A"}]}');
  await page.click('#catalog-load');
  const problems = await page.$$eval('#catalog-problems li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(problems.map((p) => p.split(':')[0]), ['UNKNOWN_CURRENCY currencies[1]', 'UNKNOWN_FIELD plans[0].nme', 'MISSING_FIELD plans[0].name']);
  assert.equal(await page.textContent('#catalog-status'), 'This catalog has 3 problems.');
  assert.deepEqual(await accessibilityViolations(page), [], 'a broken catalog listed');
  await page.screenshot({ path: `${shots}error-desktop.png`, fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: `${shots}error-phone.png`, fullPage: true });
  assert.deepEqual(await accessibilityViolations(page), [], 'a broken catalog listed, phone');
  await page.setViewportSize(DESKTOP);
  await page.fill('#catalog-text', 'not json');
  await page.click('#catalog-load');
  assert.match(await page.textContent('#catalog-problems'), /INVALID_JSON/);
  await page.click('#catalog-demo');
  await page.waitForFunction(() => document.querySelector('#catalog-status').textContent.startsWith('The catalog is valid'));
  assert.equal(await page.$$eval('#catalog-problems li', (lis) => lis.length), 0);
  const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  assert.match(await page.textContent('#catalog-contents'), new RegExp(`^${demo.plans.length} plans, ${demo.products.length} products, `));
  assert.deepEqual(errors, []);
});

test('the customer page has no catalog tool, and the customer origin does not serve it', async () => {
  const { page } = await customerPage();
  assert.equal(await page.$('#catalog-text'), null);
  const response = await page.goto(`${env.url}catalog.html`);
  assert.equal(response.status(), 404);
});

test('the customer page loads nothing private and nothing from elsewhere', async () => {
  const { page, requests, bodies } = await customerPage();
  await fillOrder(page, { billingStart: '2026-01-01', at: '2026-06-01', metered: { storage: '300' } });
  const foreign = requests.filter((u) => !u.startsWith(env.url) && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'no request leaves the page\'s own server');
  assert.ok(!requests.some((u) => u.includes('demo.json')), 'the full catalog is never requested');
  // Every amount that is private to a partner: wholesale fees, costs and profits of the demo catalog.
  const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const retail = new Set(demo.planTypes.filter((t) => !demo.planTypes.some((u) => u.parent === t.id)).flatMap((t) => t.fees.map((f) => f.price)));
  const wholesale = demo.planTypes.filter((t) => demo.planTypes.some((u) => u.parent === t.id)).flatMap((t) => t.fees.map((f) => f.price)).filter((p) => !/^0(\.0+)?$/.test(p) && !retail.has(p));
  const secrets = [...wholesale, '36.00', '37.50', '"partners"', '"grantedTo"', 'platform-production', 'acme-production-110'];
  assert.ok(wholesale.includes('74.00') && wholesale.includes('110.00'));
  for (const { url, body } of bodies) {
    for (const secret of secrets) assert.ok(!body.includes(secret), `${url} contains ${secret}`);
  }
  assert.ok(bodies.some((b) => b.url.endsWith('catalog.public.json')));
});

test('keyboard: a package can be chosen without a mouse, with a visible focus', async () => {
  const { page } = await customerPage();
  await page.focus('input[name="package"][value="medium"]');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.$eval('input[name="package"]:checked', (i) => i.value), 'large');
  const outline = await page.$eval('input[name="package"]:checked', (i) => getComputedStyle(i.closest('.package')).outlineStyle);
  assert.equal(outline, 'solid');
  for (const id of ['region', 'currency', 'plan', 'billing-start', 'order-date', 'q-storage']) {
    assert.ok(await page.$(`label[for="${id}"]`), `#${id} has a label`);
  }
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  await page.screenshot({ path: `${shots}customer-phone.png`, fullPage: true });
});

test('partner view: profit per instance and through the chain, live, with a loss warning', async () => {
  const { page, errors } = await openPage(env, 'partner.html', undefined, env.operatorUrl);
  await page.waitForSelector('body[data-ready="true"]');
  // acme builds "Production 110" on the platform's Production (74.00): 36.00 per instance.
  assert.equal(await page.textContent('[data-testid="profit-amount"]'), '$36.00');
  const chain = await page.$$eval('#chain tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(chain, [
    ['Production', 'ratecard demo cloud', '—', '$74.00', '$74.00', '$740.00'],
    ['Production 110 (this plan)', 'Acme Hosting', '$74.00 to ratecard demo cloud', '$110.00', '$36.00', '$360.00'],
  ]);
  await page.click('#add-fee');
  await page.fill('#fee-name-1', 'Support');
  await page.fill('#fee-price-1', '15.00');
  assert.equal(await page.textContent('[data-testid="profit-amount"]'), '$51.00');
  await page.screenshot({ path: `${shots}partner-desktop.png`, fullPage: true });
  await page.fill('#fee-price-0', '50.00'); // 65.00 < 74.00
  assert.equal(await page.textContent('[data-testid="profit-amount"]'), '-$9.00');
  assert.match(await page.textContent('#margin-warning'), /sells below its cost; every instance loses \$9\.00/);
  // The warning hides once its condition is gone, even when the plan stops pricing at all.
  await page.fill('#fee-price-0', 'abc');
  assert.equal(await page.isVisible('#margin-warning'), false);
  await page.fill('#fee-price-0', '-1');
  // On its field, in words; not in the list of the plan's other problems.
  assert.equal(await page.textContent('#fee-price-0-error'), 'A price cannot be negative.');
  assert.equal(await page.getAttribute('#fee-price-0', 'aria-invalid'), 'true');
  assert.equal(await page.$$eval('#margin-problems li', (lis) => lis.length), 0);
  await page.fill('#fee-price-0', '110.00');
  // An instance count that is not a whole number is an error on its field, not a silent 1.
  await page.fill('#instances', 'ten');
  assert.equal(await page.getAttribute('#instances', 'aria-invalid'), 'true');
  assert.equal(await page.isVisible('#instances-error'), true);
  assert.equal(await page.textContent('#profit'), 'Fix the plan to see its margin.');
  await page.fill('#instances', '10');
  assert.equal(await page.getAttribute('#instances', 'aria-invalid'), 'false');
  assert.equal(await page.isVisible('#instances-error'), false);
  // Only the parent's environments are offered, and its fee names are suggested.
  const offered = () => page.$$eval('#environments input', (inputs) => inputs.map((i) => i.value));
  const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const parentOf = (id) => demo.planTypes.find((t) => t.id === id);
  assert.deepEqual(await offered(), parentOf('platform-production').environments);
  await page.selectOption('#parent', 'staging-unbilled');
  assert.deepEqual(await offered(), parentOf('staging-unbilled').environments);
  assert.deepEqual(await page.$$eval('#parent-fees option', (o) => o.map((x) => x.value)), parentOf('staging-unbilled').fees.map((f) => f.name));
  await page.selectOption('#parent', 'platform-production');
  // nordic resells acme's plan: a three-level chain, on a new plan of its own (the Support fee
  // was acme's).
  await page.selectOption('#owner', 'nordic');
  await page.selectOption('#parent', 'acme-production-110');
  await page.fill('#fee-price-0', '131.00');
  assert.equal(await page.textContent('[data-testid="profit-amount"]'), '$21.00'); // 131 - 110
  assert.equal(await page.$$eval('#chain tbody tr', (trs) => trs.length), 3);
  assert.deepEqual(await accessibilityViolations(page), [], 'partner view, desktop');
  await page.setViewportSize(PHONE);
  // On a phone the chain scrolls inside its box: the page itself stays as wide as the screen.
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), PHONE.width);
  assert.deepEqual(await accessibilityViolations(page), [], 'partner view, phone');
  await page.screenshot({ path: `${shots}partner-phone.png`, fullPage: true });
  assert.deepEqual(errors, []);
});

test('partner view: the margin beside the form while typing, a new owner starts a plan of its own, fee errors on their field in words, the plan copied as catalog JSON validates', async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    const { page, errors } = await openPage(env, 'partner.html', viewport, env.operatorUrl);
    await page.waitForSelector('body[data-ready="true"]');
    const box = (selector) => page.$eval(selector, (e) => { const r = e.getBoundingClientRect(); return { top: r.top, left: r.left, right: r.right, bottom: r.bottom }; });
    const [form, margin] = [await box('#plan-form'), await box('[data-testid="margin"]')];
    if (viewport === DESKTOP) {
      // Beside the form: the profit is in view while the fees are typed.
      assert.ok(margin.left >= form.right - 1 && margin.top < viewport.height / 2, JSON.stringify({ form, margin }));
      await page.focus('#fee-price-0');
      const [profit, fee] = [await box('#profit'), await box('#fee-price-0')];
      assert.ok(profit.top >= 0 && profit.bottom <= viewport.height && fee.bottom <= viewport.height, JSON.stringify({ profit, fee }));
      // Beside the form, the chain of who pays whom is whole: no column scrolled out of sight.
      assert.ok(await page.$eval('#chain', (t) => t.parentElement.scrollWidth <= t.parentElement.clientWidth));
    } else {
      assert.ok(margin.top >= form.bottom - 1, 'on a phone the margin follows the form');
    }
    // Nordic Web Studio resells what Acme granted it: a new plan on it, its fee marked up 10%.
    await page.selectOption('#owner', 'nordic');
    assert.equal(await page.inputValue('#parent'), 'acme-production-110');
    assert.equal(await page.inputValue('#plan-name'), 'Production 110 by Nordic Web Studio');
    assert.equal(await page.inputValue('#fee-price-0'), '121.00');
    assert.equal(await page.textContent('[data-testid="profit-amount"]'), '$11.00');
    const chain = await page.$$eval('#chain tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent));
    assert.deepEqual(chain, ['Production', 'Production 110', 'Production 110 by Nordic Web Studio (this plan)']);
    // A price with more digits than dollars have: on its field, in words.
    await page.fill('#fee-price-0', '121.001');
    assert.equal(await page.textContent('#fee-price-0-error'), 'A price in USD has at most 2 decimal places.');
    assert.equal(await page.isDisabled('#export'), true);
    await page.fill('#fee-name-0', '');
    assert.equal(await page.textContent('#fee-name-0-error'), 'Give the fee a name, such as Hosting.');
    await page.fill('#fee-name-0', 'Hosting');
    await page.fill('#fee-price-0', '121.00');
    assert.equal(await page.isVisible('#fee-price-0-error'), false);
    // Copied as catalog JSON: the catalog with the plan type, which validates as it is.
    await page.click('#export');
    const exported = JSON.parse(await page.inputValue('[data-testid="export-json"]'));
    const built = exported.planTypes.find((t) => t.id === 'nordic-production-110-by-nordic-web-studio');
    assert.deepEqual([built.parent, built.owner, built.fees], ['acme-production-110', 'nordic', [{ name: 'Hosting', price: '121.00' }]]);
    assert.equal(validateCatalog(exported).valid, true);
    assert.deepEqual(await accessibilityViolations(page), [], `partner view, ${viewport.width} px`);
    await page.screenshot({ path: `${shots}partner-${viewport.width}.png`, fullPage: true });
    // Pasted into the catalog check page, it is valid.
    const check = await openPage(env, 'catalog.html', viewport, env.operatorUrl);
    await check.page.waitForSelector('body[data-ready="true"]');
    await check.page.fill('#catalog-text', JSON.stringify(exported));
    await check.page.click('#catalog-load');
    assert.match(await check.page.textContent('#catalog-status'), /^The catalog is valid/);
    assert.deepEqual([...errors, ...check.errors], []);
  }
});

test('the documented checkout recipe in a real server: the order form\'s own quote verifies; backdated, tampered and stale ones do not', async () => {
  // The server holds the full catalog set the page's public view is made from.
  const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo-set.json', import.meta.url), 'utf8'));
  const catalog = loadCatalog(demo);
  // The server's record: a customer since 1 October (in the final phase on the pinned day).
  const account = { plan: 'standard', currency: 'USD', region: 'us-east', billingStart: '2026-10-01T00:00:00Z' };
  let serverNow = new Date(Date.parse(PINNED_NOW) + 45_000); // the POST arrives 45 s after the quote
  const server = checkoutServer(catalog, () => account, () => serverNow);
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const checkoutUrl = `http://127.0.0.1:${server.address().port}/checkout`;
  try {
    const { page, errors } = await customerPage();
    // The page posts to its own origin; the request goes on to the checkout server as it is.
    await page.route('**/checkout', async (route) => route.fulfill({ response: await route.fetch({ url: checkoutUrl }) }));
    const post = () => page.evaluate(async () => {
      const r = await fetch('/checkout', { method: 'POST', body: JSON.stringify(window.checkout) });
      return { status: r.status, answer: await r.json() };
    });
    await page.click('#advanced summary');
    await page.fill('#billing-start', '2026-10-01');
    await page.fill('#q-storage', '250');
    // The form quotes at the current instant, not at midnight of the quote date.
    assert.equal(await page.evaluate(() => window.checkout.order.at), PINNED_NOW);
    const honest = await post();
    assert.deepEqual(honest, { status: 200, answer: { ok: true, differences: [] } });
    // Backdated into the free trial: the server's billing start says otherwise.
    await page.fill('#billing-start', '2026-11-19');
    assert.equal(await page.evaluate(() => window.checkout.quote.totals[0].amount), '0.00');
    const backdated = await post();
    assert.equal(backdated.status, 409);
    assert.equal(backdated.answer.differences[0].path, 'order.customer.billingStart');
    assert.ok(backdated.answer.differences.some((d) => d.path === 'quote.totals[0].amount'));
    // A tampered total.
    await page.fill('#billing-start', '2026-10-01');
    await page.evaluate(() => { window.checkout.quote.totals[0].amount = '0.01'; });
    const tampered = await post();
    assert.equal(tampered.status, 409);
    assert.deepEqual(tampered.answer.differences.map((d) => [d.path, d.received]), [['quote.totals[0].amount', '0.01']]);
    // The honest quote, an hour and a second later: stale.
    await page.fill('#q-storage', '250.0');
    await page.fill('#q-storage', '250');
    serverNow = new Date(Date.parse(PINNED_NOW) + 3_601_000);
    const stale = await post();
    assert.equal(stale.status, 409);
    assert.equal(stale.answer.error.code, 'QUOTE_EXPIRED');
    assert.deepEqual(errors, []);
  } finally {
    server.close();
    catalog.free();
  }
});

test('on chosen days the phone page fits its screen and the first invoice is the package\'s own', async () => {
  const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const catalog = loadCatalog(demo);
  const days = {
    '2026-12-01T09:00:00Z': 'trial and discount both end inside the first invoice, in a 31-day month',
    '2026-12-02T08:15:00Z': 'the discount ends on the first invoice\'s last instant',
    '2026-11-10T12:00:00Z': 'the trial ends inside the first invoice',
    '2026-12-31T18:00:00Z': 'a new customer on the 31st: a first invoice of six hours',
  };
  try {
    for (const [now, why] of Object.entries(days)) {
      const { page, errors } = await customerPage(PHONE, now);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${now} (${why}): the page is ${overflow}px wider than a phone`);
      assert.equal(await page.inputValue('#order-date'), now.slice(0, 10), now);
      const start = new Date(now);
      const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)).toISOString().replace('.000Z', 'Z');
      const bill = catalog.invoice({ period: { start: now, end },
        customer: { plan: 'standard', currency: 'USD', region: 'us-east', billingStart: `${now.slice(0, 10)}T00:00:00Z` },
        items: [{ product: 'medium', quantity: 1 }] });
      assert.equal(await page.textContent('#invoice-total'), `$${bill.totals[0].amount}`, `${now} (${why})`);
      assert.deepEqual(errors, [], now);
      await page.close();
    }
  } finally {
    catalog.free();
  }
});

test('every shared fixture gives byte-identical output in Chromium', async () => {
  const { page } = await openPage(env);
  // The worst-case corpus (inputs up to 16 MiB, answers up to 11 MB) runs natively and in Node;
  // sent through page.evaluate it would measure the devtools protocol, not the engine.
  const cases = loadCases().filter((c) => !c.name.startsWith('worst/'));
  const results = await page.evaluate(async (cases) => {
    const glue = await import('/pkg/ratecard.js');
    await glue.default();
    return cases.map((c) => {
      try {
        return { ok: true, output: glue.callJson(c.call, c.args) };
      } catch (e) {
        return { ok: false, output: JSON.stringify({ code: e.code, path: e.path, message: e.message, problems: e.problems }) };
      }
    });
  }, cases);
  const native = nativeOutputs();
  const problems = cases.flatMap((c, i) => check(c, results[i], native));
  assert.deepEqual(problems, []);
  assert.ok(cases.length > 10);
});
