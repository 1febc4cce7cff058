// Catalog sets (SPEC 16) through the npm package: loading one, the versions it reports, the
// hash a browser computes from the public view, and a server verifying a browser's quote.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RatecardError, loadCatalog, loadCatalogSet, publicCatalog, quote } from '../../js/node.js';

const setText = readFileSync(new URL('../../catalogs/demo-set.json', import.meta.url), 'utf8');
const demoText = readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8');

test('a catalog set loads once and lists its versions; a plain catalog has none', () => {
  const set = loadCatalogSet(setText);
  assert.deepEqual(set.versions.map((v) => [v.version, v.effectiveFrom]), [
    ['2026-01', '2026-01-01T00:00:00Z'],
    ['2027-03', '2027-03-01T00:00:00Z'],
  ]);
  const one = loadCatalog(demoText);
  assert.equal(one.versions, null);
  set.free();
  one.free();
  assert.throws(() => loadCatalogSet(demoText), (e) => e instanceof RatecardError && e.code === 'INVALID_CATALOG' && e.problems[1].path === 'versions');
});

test("a version's hash is the SHA-256 of its public view, as a browser can compute it", () => {
  const set = loadCatalogSet(setText);
  const view = set.publicCatalog();
  for (const [i, v] of set.versions.entries()) {
    const digest = createHash('sha256').update(JSON.stringify(view.versions[i].catalog)).digest('hex');
    assert.equal(v.hash, digest.slice(0, 12), v.version);
  }
  const shown = loadCatalogSet(view);
  assert.deepEqual(shown.versions, set.versions);
  shown.free();
  set.free();
});

test("a browser's quote on the public set verifies on the server's full set, and names its version", () => {
  const server = loadCatalogSet(setText);
  const browserView = publicCatalog(JSON.parse(setText));
  const order = { at: '2027-05-20T10:00:00Z', customer: { plan: 'pro', region: 'us-east', billingStart: '2027-02-10T00:00:00Z' }, lines: [{ product: 'medium', quantity: 1 }] };
  const sent = quote(browserView, order);
  assert.deepEqual(sent.catalog, { version: '2026-01', hash: server.versions[0].hash });
  // Pro: final from 10 May (a 3-month discount), at 11.40 from 1 June: the move of 15 May
  // takes effect at the next billing period.
  assert.deepEqual(sent.timeline.map((t) => [t.start, t.amount, t.version]), [
    ['2027-05-10T00:00:00Z', '10.80', '2026-01'],
    ['2027-06-01T00:00:00Z', '11.40', '2027-03'],
  ]);
  assert.deepEqual(server.verifyQuote(order, sent, { at: '2027-05-20T10:01:00Z' }), { ok: true, differences: [] });
  const forged = { ...sent, catalog: { version: '2027-03', hash: server.versions[1].hash } };
  assert.throws(() => server.verifyQuote(order, forged, { at: '2027-05-20T10:01:00Z' }), (e) => e.code === 'CATALOG_VERSION_MISMATCH' && e.path === 'quote.catalog');
  server.free();
});
