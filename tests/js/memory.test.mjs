// Catalogs and wasm memory: a server written the way docs/javascript.md shows stays flat over 20,000
// requests, also when it forgets free() for a catalog it loads again and again; a handle after
// free() throws FREED; the cache keeps at most CATALOG_CACHE catalogs loaded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CATALOG_CACHE, loadCatalog, loadTierTable } from '../../js/node.js';
import { initSync } from '../../pkg/ratecard.js';
import { quoteWithStoredCatalog } from '../../examples/catalog-per-request.mjs';

const root = new URL('../../', import.meta.url);
const memory = initSync().memory;
const demo = readFileSync(new URL('catalogs/demo.json', root), 'utf8');
const order = JSON.parse(readFileSync(new URL('examples/order.json', root), 'utf8'));
/** Tenants' catalogs: the demo under other names, each a different text. */
const tenants = Array.from({ length: 3 }, (_, i) => demo.replace('"name": "', `"name": "Tenant ${i} `));

/** The wasm memory `run` grows, after a warm-up of the same calls. */
function growth(run) {
  run(200);
  const before = memory.buffer.byteLength;
  run(20_000);
  return memory.buffer.byteLength - before;
}

test("20,000 requests priced the documented way, over three tenants' catalogs, keep wasm memory flat", () => {
  assert.notEqual(tenants[0], tenants[1]);
  const grew = growth((n) => {
    for (let i = 0; i < n; i++) assert.equal(quoteWithStoredCatalog(tenants[i % 3], order).totals[0].amount, '36.00');
  });
  assert.equal(grew, 0);
});

test('20,000 loads of the same text without free() share one catalog: wasm memory stays flat', () => {
  const grew = growth((n) => {
    for (let i = 0; i < n; i++) loadCatalog(demo).quote(order);
  });
  assert.equal(grew, 0);
});

test('catalogs of new texts, loaded and freed, give their memory back to the next ones', () => {
  let k = 0;
  const grew = growth((n) => {
    for (let i = 0; i < n / 10; i++) {
      const c = loadCatalog(demo.replace('"name": "', `"name": "Once ${k++} `));
      c.quote(order);
      c.free();
    }
  });
  assert.equal(grew, 0);
  assert.ok(k > CATALOG_CACHE.entries * 10);
});

test('a handle after free() throws FREED; free() twice does nothing; other handles of the same text go on', () => {
  const a = loadCatalog(demo);
  const b = loadCatalog(demo);
  a.free();
  a.free();
  for (const call of [() => a.quote(order), () => a.warnings, () => a.callJson('quote', JSON.stringify({ order })), () => a.verifyMany([])]) {
    assert.throws(call, { name: 'RatecardError', code: 'FREED', path: '', message: /this catalog was freed/ });
  }
  assert.equal(b.quote(order).totals[0].amount, '36.00');
  b[Symbol.dispose]();
  assert.throws(() => b.quote(order), { code: 'FREED' });
  const object = loadCatalog(JSON.parse(demo));
  object.free();
  assert.throws(() => object.quoteSummary(order), { code: 'FREED' });
  const pricer = loadTierTable({ tiers: [{ upTo: null, unitPrice: '1' }] });
  assert.equal(pricer.amount('2'), '2');
  pricer[Symbol.dispose]();
  pricer.free();
  for (const call of [() => pricer.amount('1'), () => pricer.price('1'), () => pricer.amounts(['1'])]) {
    assert.throws(call, { name: 'RatecardError', code: 'FREED', message: /this tier table was freed/ });
  }
});

test('a catalog that fails to load is not cached: the same text fails again, with its problems', () => {
  const bad = demo.replace('"defaultCurrency": "USD"', '"defaultCurrency": "XXX"');
  assert.notEqual(bad, demo);
  for (let i = 0; i < 2; i++) assert.throws(() => loadCatalog(bad), { code: 'INVALID_CATALOG' });
});
