// The JavaScript API as an npm consumer calls it under Node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RatecardError, init, priceTiers, version } from '../../js/node.js';

const storage = { mode: 'graduated', tiers: [{ upTo: '100', unitPrice: '0.10' }, { upTo: null, unitPrice: '0.08' }] };

test('version matches Cargo.toml', async () => {
  await init(); // a no-op under Node, kept for symmetry with the browser
  const cargo = (await import('node:fs')).readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8');
  assert.equal(version(), cargo.match(/^version = "(.+)"/m)[1]);
});

test('priceTiers returns decimal strings, rounded when a currency is given', () => {
  const p = priceTiers(storage, '250', 'USD');
  assert.equal(p.amount, '22.00'); // 100 x 0.10 + 150 x 0.08
  assert.equal(p.amountMinor, '2200');
  assert.deepEqual(p.lines.map((l) => l.quantity), ['100', '150']);
  assert.equal(priceTiers(storage, '250').amount, '22'); // exact without a currency
});

test('bad input throws a RatecardError with code, path and every problem', () => {
  assert.throws(() => priceTiers({ tiers: [{ upto: '1', unitPrice: 0.5 }] }, -1), (e) => {
    assert.ok(e instanceof RatecardError && e instanceof Error);
    assert.equal(e.name, 'RatecardError');
    assert.equal(e.code, 'UNKNOWN_FIELD');
    assert.equal(e.path, 'table.tiers[0].upto');
    assert.deepEqual(e.problems.map((p) => `${p.code} ${p.path}`), [
      'UNKNOWN_FIELD table.tiers[0].upto',
      'MISSING_FIELD table.tiers[0].upTo',
      'INEXACT_NUMBER table.tiers[0].unitPrice',
    ]);
    return true;
  });
});

test('JavaScript values that JSON cannot carry exactly are refused clearly', () => {
  assert.throws(() => priceTiers(storage, 0.1 + 0.2), { code: 'INEXACT_NUMBER', path: 'quantity' });
  assert.throws(() => priceTiers(storage, NaN), { code: 'INVALID_TYPE', path: 'quantity' });
  assert.throws(() => priceTiers(storage, 10n), { name: 'RatecardError', code: 'INVALID_TYPE' });
  assert.throws(() => priceTiers(null, '1'), { code: 'INVALID_TYPE', path: 'table' });
});

test('10,000 calls alternating good and bad input: every answer right, memory bounded', async () => {
  const { initSync } = await import('../../pkg/ratecard.js');
  const { loadCatalog, validateCatalog } = await import('../../js/node.js');
  const memory = initSync().memory; // the instance js/node.js created
  const demo = JSON.parse((await import('node:fs')).readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const catalog = loadCatalog(demo);
  const order = { at: '2027-01-01T00:00:00Z', customer: { billingStart: '2026-11-01' }, lines: [{ product: 'medium', quantity: 1 }] };
  const round = (i) => {
    if (i % 2) {
      assert.equal(priceTiers(storage, String(i)).lines.length, i > 100 ? 2 : 1);
      assert.equal(catalog.quote(order).totals[0].amount, '12.00');
    } else {
      assert.throws(() => priceTiers(storage, `-${i + 1}`), { code: 'NEGATIVE_QUANTITY' });
      assert.throws(() => catalog.quote({ ...order, lines: [{ product: 'x'.repeat(i % 5000), quantity: 1 }] }), { name: 'RatecardError' });
      assert.equal(validateCatalog({ plans: 'x'.repeat(i % 3000) }).valid, false);
    }
  };
  for (let i = 0; i < 1000; i++) round(i); // warm-up: the allocator takes what it needs
  const before = memory.buffer.byteLength;
  for (let i = 0; i < 10_000; i++) round(i);
  const grown = memory.buffer.byteLength - before;
  assert.ok(grown <= 256 * 1024, `wasm memory grew by ${grown} bytes over 10,000 calls`);
  catalog.free();
});

test('a loaded catalog quotes, matrices and verifies like the one-off functions', async () => {
  const { loadCatalog, quote, verifyQuote, priceMatrix } = await import('../../js/node.js');
  const demo = JSON.parse((await import('node:fs')).readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const order = { at: '2027-01-01T00:00:00Z', customer: { billingStart: '2026-01-01' }, lines: [{ product: 'large', quantity: 2 }] };
  const catalog = loadCatalog(demo);
  const q = catalog.quote(order);
  assert.equal(q.totals[0].amount, '48.00'); // 2 x 24.00
  assert.deepEqual(q, quote(demo, order));
  assert.deepEqual(catalog.verifyQuote(order, q), { ok: true, differences: [] });
  const forged = structuredClone(q);
  forged.totals[0].amount = '4.80';
  assert.deepEqual(verifyQuote(demo, order, forged).differences,
    [{ path: 'quote.totals[0].amount', expected: '48.00', received: '4.80' }]);
  assert.deepEqual(catalog.priceMatrix({ currency: 'EUR' }), priceMatrix(demo, { currency: 'EUR' }));
  assert.deepEqual(catalog.warnings, []);
  catalog.free();
});

test('loading a broken catalog throws INVALID_CATALOG with every problem', async () => {
  const { loadCatalog, validateCatalog } = await import('../../js/node.js');
  const broken = { defaultCurrency: 'USD', currencies: ['USD'], plans: [{ id: 'a', name: 'A', default: true }, { id: 'a', nam: 'B' }] };
  assert.throws(() => loadCatalog(broken), (e) => {
    assert.equal(e.code, 'INVALID_CATALOG');
    assert.deepEqual(e.problems.slice(1).map((p) => `${p.code} ${p.path}`),
      ['UNKNOWN_FIELD plans[1].nam', 'MISSING_FIELD plans[1].name', 'DUPLICATE_ID plans[1].id']);
    return true;
  });
  assert.equal(validateCatalog(broken).errors.length, 3);
  assert.throws(() => loadCatalog('{"defaultCurrency":'), { code: 'INVALID_JSON', path: 'catalog.defaultCurrency' });
});

test('a loaded tier table prices one quantity or many in one call, like priceTiers', async () => {
  const { loadTierTable } = await import('../../js/node.js');
  const t = loadTierTable(storage, 'USD');
  try {
    assert.equal(t.amount('250'), '22.00');
    assert.equal(t.amount(100), '10.00');
    assert.deepEqual(t.price('250'), priceTiers(storage, '250', 'USD'));
    const qs = ['0', '99.995', '100', '100.5', '1000000'];
    assert.deepEqual(t.amounts(qs), qs.map((q) => priceTiers(storage, q, 'USD').amount));
    assert.deepEqual(t.amounts([]), []);
    assert.throws(() => t.amounts(['1', '-2']), { code: 'NEGATIVE_QUANTITY', path: 'quantities[1]' });
    assert.throws(() => t.amounts(['1', 0.5]), { code: 'INEXACT_NUMBER', path: 'quantities[1]' });
    assert.throws(() => t.amount('1e3'), { code: 'INVALID_DECIMAL', path: 'quantity' });
    assert.equal(loadTierTable(storage).amount('250'), '22', 'exact without a currency');
  } finally {
    t.free();
  }
  assert.throws(() => loadTierTable({ tiers: [] }, 'XXY'), (e) => {
    assert.deepEqual(e.problems.map((p) => `${p.code} ${p.path}`), ['EMPTY_TIERS table.tiers', 'UNKNOWN_CURRENCY currency']);
    return true;
  });
});

test('batch quotes and verifications answer each item, errors included', async () => {
  const { loadCatalog } = await import('../../js/node.js');
  const demo = JSON.parse((await import('node:fs')).readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const c = loadCatalog(demo);
  const order = { at: '2027-01-01T00:00:00Z', customer: { region: 'us-east', billingStart: '2026-11-01' }, lines: [{ product: 'medium', quantity: 1 }] };
  const bad = { ...order, lines: [{ product: 'mediun', quantity: 1 }] };
  const [q, e] = c.quoteMany([order, bad]);
  assert.deepEqual(q, c.quote(order));
  assert.equal(e.error.code, 'UNKNOWN_PRODUCT');
  assert.equal(e.error.path, 'orders[1].lines[0].product');
  const tampered = structuredClone(q);
  tampered.totals[0].amount = '1.00';
  const checks = c.verifyMany([{ order, quote: q }, { order, quote: tampered }, { order: bad, quote: q }, { order, qoute: q }]);
  assert.deepEqual(checks.map((r) => r.ok ?? `${r.error.code} ${r.error.path}`),
    [true, false, 'UNKNOWN_PRODUCT checks[2].order.lines[0].product', 'UNKNOWN_FIELD checks[3].qoute']);
  assert.throws(() => c.quoteMany({}), { code: 'INVALID_TYPE', path: 'orders' });
  c.free();
});
