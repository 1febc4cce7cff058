// A seeded random fuzzer for the JS boundary, where cargo-fuzz cannot reach: random JavaScript
// values (nested, of every type, with the edge cases of each) in random arguments of random
// exports. Every call returns or throws a RatecardError; anything else fails with the seed, so
// `FUZZ_SEED=n node --test tests/js/boundary-fuzz.test.mjs` replays it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as ratecard from '../../js/node.js';

const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small deterministic generator, so a failure replays from its seed. */
function random(s) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test(`random values at the boundary (seed ${seed})`, () => {
  const rnd = random(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const leaves = [0, -0, 1, -1, 1.5, 2 ** 53, NaN, Infinity, -Infinity, 10n, Symbol('s'), null, undefined, true, false,
    '', '1', '-1', '0.1', '1e3', 'x'.repeat(1000), '\u0000', '\ud800', '\n', '2027-01-01', 'USD', 'medium', () => 1, new Date(0)];
  const keys = ['at', 'lines', 'product', 'quantity', 'tiers', 'upTo', 'unitPrice', 'customer', 'plan', '__proto__', 'constructor', 'toJSON'];
  const value = (depth) => {
    const r = rnd();
    if (depth > 3 || r < 0.5) return pick(leaves);
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    const o = {};
    for (let i = Math.floor(rnd() * 4); i > 0; i--) o[pick(keys)] = value(depth + 1);
    return o;
  };
  const catalog = ratecard.loadCatalog(demo);
  const pricer = ratecard.loadTierTable({ tiers: [{ upTo: null, unitPrice: '1' }] });
  const calls = [
    (a, b, c) => ratecard.priceTiers(a, b, c), (a) => ratecard.validateCatalog(a), (a, b) => ratecard.quote(a, b),
    (a, b, c, d) => ratecard.verifyQuote(a, b, c, d), (a, b) => ratecard.callJson(a, b), (a, b) => ratecard.loadTierTable(a, b),
    (a) => ratecard.loadCatalog(a), (a) => catalog.quote(a), (a, b, c) => catalog.verifyQuote(a, b, c), (a) => catalog.quoteMany(a),
    (a) => catalog.verifyMany(a), (a, b) => catalog.planMargins(a, b), (a, b) => catalog.partnerMargins(a, b),
    (a) => catalog.checkAssignment(a), (a) => catalog.priceMatrix(a), (a, b) => catalog.callJson(a, b),
    (a) => pricer.price(a), (a) => pricer.amount(a), (a) => pricer.amounts(a),
  ];
  for (let i = 0; i < 20_000; i++) {
    const call = pick(calls);
    const args = [value(0), value(0), value(0), value(0)];
    try {
      call(...args);
    } catch (e) {
      assert.ok(e instanceof ratecard.RatecardError, `seed ${seed}, call ${i}: ${e?.name}: ${e?.message}`);
    }
  }
});
