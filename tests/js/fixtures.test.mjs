// The shared fixtures through the built npm package's wasm, under Node: every expectation holds
// and every output is byte-identical to the native run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, callJson } from '../../pkg/ratecard.js';
import '../../js/node.js'; // instantiates the module
import { check, loadCases, nativeOutputs, runCase, runObjectCase, sameAsObject } from './fixtures.mjs';

const native = nativeOutputs();
for (const c of loadCases()) {
  test(`fixture ${c.name}`, () => {
    assert.deepEqual(check(c, runCase(callJson, c), native), []);
  });
}

test('through JS objects (arguments read by serde-wasm-bindgen, answers parsed from the engine\'s text), every fixture gives the native bytes', () => {
  const cases = loadCases().filter(sameAsObject);
  const problems = cases.flatMap((c) => check(c, runObjectCase(call, c), native));
  assert.deepEqual(problems, []);
  assert.ok(cases.length > 100, `${cases.length} cases`);
});

test('the subset matcher can fail', async () => {
  const { contains } = await import('./fixtures.mjs');
  assert.equal(contains({ a: '1' }, { a: '2' }), false);
  assert.equal(contains({ a: [1] }, { a: [] }), false);
  assert.equal(contains({ a: '1', b: '2' }, { a: '1' }), true);
});
