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

test('the module keeps working after thousands of errors', () => {
  for (let i = 0; i < 2000; i++) {
    if (i % 2) assert.equal(priceTiers(storage, String(i)).lines.length, i > 100 ? 2 : 1);
    else assert.throws(() => priceTiers(storage, `-${i + 1}`), { code: 'NEGATIVE_QUANTITY' });
  }
  assert.equal(priceTiers(storage, '1', 'USD').amount, '0.10');
});
