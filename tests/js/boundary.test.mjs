// Every export and method, called with every wrong JavaScript type in every argument, thousands
// of times in one process: each call returns or throws a RatecardError, and the process lives.
// (A non-string handed to wasm-bindgen's string conversion traps, and once V8 optimises the
// call, the trap can take the whole process down: this is the test that caught it.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as ratecard from '../../js/node.js';

const { RatecardError } = ratecard;
const demo = JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8'));
const tiny = { defaultCurrency: 'USD', currencies: ['USD'], plans: [{ id: 'p', name: 'P', default: true }] };
const table = { tiers: [{ upTo: null, unitPrice: '1' }] };
const order = { at: '2027-01-01', lines: [] };
const request = { planType: 'acme-production-110', instance: { owner: 'nordic', environment: 'production' } };
const tinySet = { versions: [{ version: 'v1', effectiveFrom: '2026-01-01', catalog: tiny }] };
const bill = { period: { start: '2027-01-01', end: '2027-02-01' }, customer: { billingStart: '2027-01-01' }, items: [] };
const catalog = ratecard.loadCatalog(demo);
const pricer = ratecard.loadTierTable(table, 'USD');

// name -> [call, good arguments, the argument names (null: any JSON value is fine there)]
const calls = {
  version: [ratecard.version, [], []],
  callJson: [ratecard.callJson, ['version', '{}'], ['op', 'argsJson']],
  priceTiers: [ratecard.priceTiers, [table, '1', 'USD'], ['table', 'quantity', 'currency']],
  validateCatalog: [ratecard.validateCatalog, [tiny], ['catalog']],
  quote: [ratecard.quote, [tiny, order], ['catalog', 'order']],
  quoteSummary: [ratecard.quoteSummary, [tiny, order], ['catalog', 'order']],
  priceMatrix: [ratecard.priceMatrix, [tiny, {}], ['catalog', 'options']],
  verifyQuote: [ratecard.verifyQuote, [tiny, order, {}, {}], ['catalog', 'order', null, 'trusted']],
  planMargins: [ratecard.planMargins, [demo, 'acme-production-110', 1], ['catalog', 'planType', 'instances']],
  partnerMargins: [ratecard.partnerMargins, [demo, 'acme', {}], ['catalog', 'partner', 'instances']],
  checkAssignment: [ratecard.checkAssignment, [demo, request], ['catalog', 'request']],
  publicCatalog: [ratecard.publicCatalog, [tiny], ['catalog']],
  invoice: [ratecard.invoice, [tiny, bill], ['catalog', 'request']],
  verifyInvoice: [ratecard.verifyInvoice, [tiny, bill, {}], ['catalog', 'request', null]],
  loadCatalog: [ratecard.loadCatalog, [tiny], ['catalog']],
  loadCatalogSet: [ratecard.loadCatalogSet, [tinySet], ['catalog']],
  loadTierTable: [ratecard.loadTierTable, [table, 'USD'], ['table', 'currency']],
  'Catalog.quote': [(o) => catalog.quote(o), [order], ['order']],
  'Catalog.quoteSummary': [(o) => catalog.quoteSummary(o), [order], ['order']],
  'Catalog.callJson': [(a, b) => catalog.callJson(a, b), ['quote', '{"order":{"at":"2027-01-01","lines":[]}}'], ['op', 'argsJson']],
  'Catalog.priceMatrix': [(o) => catalog.priceMatrix(o), [{ region: 'us-east', currency: 'USD' }], ['options']],
  'Catalog.verifyQuote': [(o, q, t) => catalog.verifyQuote(o, q, t), [order, {}, {}], ['order', null, 'trusted']],
  'Catalog.planMargins': [(p, n) => catalog.planMargins(p, n), ['acme-production-110', 1], ['planType', 'instances']],
  'Catalog.partnerMargins': [(p, n) => catalog.partnerMargins(p, n), ['acme', {}], ['partner', 'instances']],
  'Catalog.checkAssignment': [(r) => catalog.checkAssignment(r), [request], ['request']],
  'Catalog.quoteMany': [(o) => catalog.quoteMany(o), [[order]], ['orders']],
  'Catalog.verifyMany': [(c) => catalog.verifyMany(c), [[{ order, quote: {} }]], ['checks']],
  'Catalog.invoice': [(r) => catalog.invoice(r), [bill], ['request']],
  'Catalog.verifyInvoice': [(r, i) => catalog.verifyInvoice(r, i), [bill, {}], ['request', null]],
  'Catalog.verifyInvoiceMany': [(c) => catalog.verifyInvoiceMany(c), [[{ request: bill, invoice: {} }]], ['checks']],
  'TierPricer.price': [(q) => pricer.price(q), ['1'], ['quantity']],
  'TierPricer.amount': [(q) => pricer.amount(q), ['1'], ['quantity']],
  'TierPricer.amounts': [(q) => pricer.amounts(q), [['1', 2]], ['quantities']],
};

const wrong = {
  'the number 840': 840, 'a fraction': 1.5, NaN, 'a BigInt': 10n, 'a Symbol': Symbol('s'), null: null,
  undefined, 'an object': { a: 1 }, 'an array': [1], 'a function': () => 1, 'a boolean': true,
};

test('every exported function is in the table above', () => {
  const exported = Object.entries(ratecard)
    .filter(([name, v]) => typeof v === 'function' && !/^[A-Z]/.test(name) && name !== 'init');
  for (const [name] of exported) assert.ok(name in calls, `${name} is exported but not called here`);
});

for (const [name, [call, good, params]] of Object.entries(calls)) {
  params.forEach((param, position) => {
    if (param === null) return;
    test(`${name}: every wrong type as ${param}`, () => {
      for (const [what, value] of Object.entries(wrong)) {
        const args = [...good];
        args[position] = value;
        const once = () => {
          try {
            call(...args);
            return 'returned';
          } catch (e) {
            assert.ok(e instanceof RatecardError, `${name}(${param} = ${what}) threw ${e?.name}: ${e?.message}`);
            return `${e.code} ${e.path}`;
          }
        };
        const first = once();
        // Refused in JavaScript: call it thousands of times, as a backend passing a request
        // field through would. Answered by the engine: a few times (each parses a catalog).
        const times = first.startsWith('INVALID_TYPE') || first.startsWith('INEXACT_NUMBER') ? 1000 : 5;
        for (let i = 1; i < times; i++) assert.equal(once(), first, `${name}(${param} = ${what}), call ${i}`);
        if (first !== 'returned' && first.split(' ')[1] === param) continue;
        // Anything else must be a value the argument may take (an optional one left out, an
        // object for an object) or a problem the engine found inside it, under its path.
        assert.ok(first === 'returned' || first.split(' ')[1].startsWith(param) || first.split(' ')[1] === '',
          `${name}(${param} = ${what}): ${first}`);
      }
    });
  });
}

test('the calls that crashed Node now throw INVALID_TYPE naming the argument', () => {
  for (let i = 0; i < 5000; i++) {
    assert.throws(() => ratecard.loadTierTable(table, 840), { name: 'RatecardError', code: 'INVALID_TYPE', path: 'currency' });
  }
  assert.throws(() => ratecard.callJson(123, '{}'), { code: 'INVALID_TYPE', path: 'op' });
  assert.throws(() => ratecard.callJson('version', {}), { code: 'INVALID_TYPE', path: 'argsJson' });
  assert.throws(() => catalog.callJson(7, '{}'), { code: 'INVALID_TYPE', path: 'op' });
  assert.throws(() => ratecard.loadCatalog(undefined), { code: 'INVALID_TYPE', path: 'catalog' });
  assert.throws(() => ratecard.loadTierTable(undefined), { code: 'INVALID_TYPE', path: 'table' });
  assert.throws(() => ratecard.callJson('version', null), { code: 'INVALID_TYPE', path: 'argsJson' });
});

test('amounts refuses a quantity with a line break instead of answering out of line', () => {
  assert.throws(() => pricer.amounts(['1\n1000', '5']), { code: 'INVALID_DECIMAL', path: 'quantities[0]' });
  assert.deepEqual(pricer.amounts(['1', 5]), ['1.00', '5.00']);
});

test('text over the input limit is refused before it is copied into WebAssembly', async () => {
  const { initSync } = await import('../../pkg/ratecard.js');
  const memory = initSync().memory;
  const before = memory.buffer.byteLength;
  const big = ' '.repeat(ratecard.MAX_INPUT_BYTES + 1);
  assert.throws(() => ratecard.callJson('version', big), { code: 'INPUT_TOO_LARGE', path: 'argsJson' });
  // 6 MiB of three-byte characters is 18 MiB of UTF-8.
  const wide = `"${'€'.repeat(6 * 1024 * 1024)}"`;
  assert.throws(() => ratecard.loadCatalog(wide), { code: 'INPUT_TOO_LARGE', path: 'catalog' });
  assert.throws(() => catalog.callJson('quote', big), { code: 'INPUT_TOO_LARGE', path: 'argsJson' });
  // 6 Mi lone high surrogates are 18 MiB once copied (each a three-byte U+FFFD), also when two
  // of them stand side by side as if they were a pair.
  const lone = `"${'\ud800'.repeat(6 * 1024 * 1024)}"`;
  assert.throws(() => ratecard.loadCatalog(lone), { code: 'INPUT_TOO_LARGE', path: 'catalog' });
  assert.throws(() => ratecard.callJson('version', `{"x":${lone}}`), { code: 'INPUT_TOO_LARGE', path: 'argsJson' });
  assert.throws(() => ratecard.callJson('version', `"${'\udbff'.repeat(3 * 1024 * 1024)}${'\ud83d\ude00'.repeat(2 * 1024 * 1024)}"`), { code: 'INPUT_TOO_LARGE' });
  assert.equal(memory.buffer.byteLength, before, 'wasm memory did not grow');
  // Real pairs are four bytes: 4 Mi - 1 emoji and their quotes are under the limit, and it is
  // the engine that answers (a string is not the object of arguments).
  assert.throws(() => ratecard.callJson('version', `"${'\ud83d\ude00'.repeat(4 * 1024 * 1024 - 1)}"`), { code: 'INVALID_TYPE', path: '' });
  // Just under the limit in bytes, it is the engine that answers (and refuses the JSON).
  assert.throws(() => ratecard.callJson('version', `${' '.repeat(ratecard.MAX_INPUT_BYTES - 1)}x`), { code: 'INVALID_JSON' });
});

test('the JS limit is the Rust limit', () => {
  const limits = readFileSync(new URL('../../src/limits.rs', import.meta.url), 'utf8');
  assert.match(limits, /pub const MAX_INPUT_BYTES: usize = 16 << 20;/);
  assert.equal(ratecard.MAX_INPUT_BYTES, 16 << 20);
});
