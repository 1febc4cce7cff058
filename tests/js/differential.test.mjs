// Native vs wasm on generated inputs: the 3,000 cases tests/differential.rs generated and
// answered natively, answered again by the wasm build under Node; every output byte-identical.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LoadedCatalog, callJson } from '../../pkg/ratecard.js';
import { errorText } from './fixtures.mjs';
import '../../js/node.js'; // instantiates the module

test('3,000 generated tier prices and quotes: wasm gives the native bytes', () => {
  const file = new URL('../../target/fixture-out/generated.json', import.meta.url);
  const cases = JSON.parse(readFileSync(file, 'utf8'));
  const catalog = new LoadedCatalog(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
  const differing = [];
  for (const c of cases) {
    let ok = true;
    let output;
    try {
      output = c.call === 'quote' ? catalog.callJson('quote', c.args) : callJson(c.call, c.args);
    } catch (e) {
      ok = false;
      output = errorText(e);
    }
    if (ok !== c.ok || output !== c.output) differing.push(`${c.call} ${c.args}\n  native: ${c.output}\n  wasm:   ${output}`);
  }
  catalog.free();
  assert.equal(cases.length, 3000);
  assert.deepEqual(differing.slice(0, 3), []);
});
