// End-to-end: the order form in headless Chromium, and the shared fixtures run in Chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { check, loadCases, nativeOutputs } from '../js/fixtures.mjs';
import { launch, openPage, shots } from './browser.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

test('the page shows a price computed by the wasm module, and updates on input', async () => {
  const { page, requests, errors } = await openPage(env);
  await page.waitForSelector('body[data-ready="true"]');
  // Package prices from the demo catalog's final phase in USD (small 5.00 ... xlarge 48.00).
  const prices = await page.$$eval('#packages tbody tr td:last-child', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(prices, ['$5.00', '$12.00', '$24.00', '$48.00']);
  assert.equal(await page.textContent('[data-testid="storage-price"]'), '$22.00'); // 100 x 0.10 + 150 x 0.08
  await page.fill('#storage-gb', '1200'); // 10 + 72 + 200 x 0.05
  assert.equal(await page.textContent('[data-testid="storage-price"]'), '$92.00');
  await page.fill('#storage-gb', '-5');
  assert.match(await page.textContent('#storage-error'), /NEGATIVE_QUANTITY/);
  await page.fill('#storage-gb', '100'); // still works after an error
  assert.equal(await page.textContent('[data-testid="storage-price"]'), '$10.00');
  await page.screenshot({ path: `${shots}first-page.png`, fullPage: true });
  assert.deepEqual(errors, []);
  const foreign = requests.filter((u) => !u.startsWith(env.url) && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'the page requests nothing but its own files');
});

test('every shared fixture gives byte-identical output in Chromium', async () => {
  const { page } = await openPage(env);
  const cases = loadCases();
  const results = await page.evaluate(async (cases) => {
    const glue = await import('/pkg/ratecard.js');
    await glue.default();
    return cases.map((c) => {
      try {
        return { ok: true, output: glue.call(c.call, c.args) };
      } catch (e) {
        return { ok: false, output: e };
      }
    });
  }, cases);
  const native = nativeOutputs();
  const problems = cases.flatMap((c, i) => check(c, results[i], native));
  assert.deepEqual(problems, []);
  assert.ok(cases.length > 10);
});
