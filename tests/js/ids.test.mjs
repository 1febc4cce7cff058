// Look-alike ids, against this Node's own Unicode data: every character that
// scripts/lookalike-table.mjs classes as a mark, invisible or changed by NFC is refused in an id
// by the wasm engine (so a table left behind by a Unicode upgrade fails here), and letters
// outside those classes are accepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCatalog } from '../../js/node.js';
import { ranges } from '../../scripts/lookalike-table.mjs';

/** The INVALID_ID paths of a catalog whose products are `a` + each character. */
function refusedOf(chars) {
  const products = chars.map((c) => ({ id: `a${c}`, name: 'P', kind: 'metered', resource: 'cpu', unitType: 'CORE' }));
  const { errors } = validateCatalog({ defaultCurrency: 'USD', currencies: ['USD'], products });
  return errors.filter((e) => e.code === 'INVALID_ID').map((e) => Number(/^products\[(\d+)\]\.id$/.exec(e.path)[1]));
}

const refused = ranges().flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i)));

test(`every one of the ${refused.length} look-alike characters is refused in an id`, () => {
  assert.ok(refused.length > 5000, 'the classes are the whole of Mn, Me, the invisible characters and NFC changes');
  for (let from = 0; from < refused.length; from += 900) {
    const chunk = refused.slice(from, from + 900);
    const got = refusedOf(chunk);
    const missed = chunk.filter((_, i) => !got.includes(i)).map((c) => `U+${c.codePointAt(0).toString(16)}`);
    assert.deepEqual(missed, [], 'accepted although a look-alike');
  }
});

test('letters, digits and symbols outside those classes are accepted in an id', () => {
  const refusedSet = new Set(refused);
  const others = [];
  for (let c = 0xa1; c <= 0x10ffff && others.length < 5000; c += 37) {
    const s = String.fromCodePoint(c);
    if (/^[\p{L}\p{N}\p{S}\p{Mc}]$/u.test(s) && !refusedSet.has(s)) others.push(s);
  }
  assert.ok(others.length > 2000);
  for (let from = 0; from < others.length; from += 900) {
    const chunk = others.slice(from, from + 900);
    assert.deepEqual(refusedOf(chunk).map((i) => `U+${chunk[i].codePointAt(0).toString(16)}`), []);
  }
});
