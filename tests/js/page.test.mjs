// The order form's own helpers (www/shared.js), in Node: what the page shows of a quantity is
// exact decimal text, never a binary float.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decimalTimes, tierBounds } from '../../www/shared.js';

test('decimalTimes multiplies decimal strings exactly', () => {
  const cases = [
    ['0.1', '3', '0.3'], ['3', '0.1', '0.3'], ['0.1', '0.2', '0.02'], ['100', '1', '100'], ['1.50', '2', '3'],
    ['0', '0.5', '0'], ['-0.1', '3', '-0.3'], ['-2', '-0.5', '1'], ['0.000001', '0.000001', '0.000000000001'],
    ['99999999999999999999', '10', '999999999999999999990'], ['1024', '0.5', '512'], ['-0', '7', '0'],
  ];
  for (const [a, b, want] of cases) assert.equal(decimalTimes(a, b), want, `${a} x ${b}`);
});

test("a tier chart's bounds are upTo times blockSize as exact text (blocks of 0.1 up to 3 is 0.3, not 0.30000000000000004)", () => {
  const rule = { blockSize: '0.1', tiers: [{ upTo: '3', unitPrice: '1' }, { upTo: '7', unitPrice: '0.5' }, { upTo: null, unitPrice: '0.1' }] };
  assert.deepEqual(tierBounds(rule), ['0.3', '0.7']);
  assert.deepEqual(tierBounds({ tiers: [{ upTo: '100', unitPrice: '0.10' }, { upTo: null, unitPrice: '0.08' }] }), ['100']);
  // Past 2^53, where a float would print another number.
  assert.deepEqual(tierBounds({ blockSize: '1000', tiers: [{ upTo: '9007199254740993', unitPrice: '1' }] }), ['9007199254740993000']);
});
