// The shared fixtures through the built npm package's wasm, under Node: every expectation holds
// and every output is byte-identical to the native run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call } from '../../pkg/ratecard.js';
import '../../js/node.js'; // instantiates the module
import { check, loadCases, nativeOutputs, runCase } from './fixtures.mjs';

const native = nativeOutputs();
for (const c of loadCases()) {
  test(`fixture ${c.name}`, () => {
    assert.deepEqual(check(c, runCase(call, c), native), []);
  });
}

test('the subset matcher can fail', async () => {
  const { contains } = await import('./fixtures.mjs');
  assert.equal(contains({ a: '1' }, { a: '2' }), false);
  assert.equal(contains({ a: [1] }, { a: [] }), false);
  assert.equal(contains({ a: '1', b: '2' }, { a: '1' }), true);
});
