// A received quote or invoice passed as a JS object is compared as JSON.stringify writes it:
// the same answer as through JSON text, the caller's objects left as they were, and what is
// not JSON refused at its path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadCatalog, verifyQuote } from '../../js/node.js';

const root = new URL('../../', import.meta.url);
const read = (file) => JSON.parse(readFileSync(new URL(file, root), 'utf8'));
const demo = read('catalogs/demo.json');
const catalog = loadCatalog(demo);
const order = read('examples/order.json');
const request = read('examples/invoice-request.json');

/** The answer through JSON text, for the same arguments. */
const asText = (op, args) => JSON.parse(catalog.callJson(op, JSON.stringify(args)));
/** The answer, or the thrown error's code and path. */
const outcome = (f) => {
  try {
    return f();
  } catch (e) {
    return { code: e.code, path: e.path };
  }
};

test('through objects, verifications answer what they answer through text, for honest, tampered and odd answers', () => {
  const quote = catalog.quote(order);
  const invoice = catalog.invoice(request);
  const tampered = structuredClone(quote);
  tampered.lines[1].amount = '0.01';
  tampered.extra = { nested: [1, 'two', null] };
  delete tampered.timeline;
  const receivedQuotes = [quote, tampered, catalog.quoteSummary(order), {}, [], 'a quote', 12, null, { lines: 'none' }];
  for (const received of receivedQuotes) {
    const got = outcome(() => catalog.verifyQuote(order, received));
    assert.deepEqual(got, outcome(() => asText('verifyQuote', { order, quote: received })), JSON.stringify(received).slice(0, 80));
    assert.deepEqual(outcome(() => verifyQuote(demo, order, received)), got);
  }
  assert.equal(catalog.verifyQuote(order, quote).ok, true);
  assert.deepEqual(catalog.verifyQuote(order, tampered).differences.map((d) => d.path), asText('verifyQuote', { order, quote: tampered }).differences.map((d) => d.path));
  assert.deepEqual(catalog.verifyInvoice(request, invoice), { ok: true, differences: [] });
  const checks = receivedQuotes.map((q) => ({ order, quote: q }));
  assert.deepEqual(catalog.verifyMany(checks), asText('verifyMany', { checks }));
  const invoiceChecks = [{ request, invoice }, { request, invoice: { ...invoice, totals: [] } }];
  assert.deepEqual(catalog.verifyInvoiceMany(invoiceChecks), asText('verifyInvoiceMany', { checks: invoiceChecks }));
});

test("the caller's objects are left as they were", () => {
  const quote = catalog.quote(order);
  const before = JSON.stringify(quote);
  const checks = [{ order, quote }];
  catalog.verifyQuote(order, quote);
  catalog.verifyMany(checks);
  assert.equal(typeof checks[0].quote, 'object');
  assert.equal(JSON.stringify(quote), before);
});

test('a received answer is what JSON would carry of it: undefined members left out; an undefined argument is absent', () => {
  const quote = catalog.quote(order);
  assert.equal(catalog.verifyQuote(order, { ...quote, note: undefined }).ok, true);
  assert.deepEqual(outcome(() => catalog.verifyQuote(order, undefined)), { code: 'MISSING_FIELD', path: 'quote' });
});

test('a received answer that is not JSON is refused at its path', () => {
  const quote = catalog.quote(order);
  const cyclic = { ...quote };
  cyclic.self = cyclic;
  assert.deepEqual(outcome(() => catalog.verifyQuote(order, { ...quote, big: 1n })), { code: 'INVALID_TYPE', path: 'quote' });
  assert.deepEqual(outcome(() => catalog.verifyQuote(order, cyclic)), { code: 'INVALID_TYPE', path: 'quote' });
  assert.deepEqual(outcome(() => catalog.verifyMany([{ order, quote }, { order, quote: [2n] }])), { code: 'INVALID_TYPE', path: 'checks[1].quote' });
  assert.deepEqual(outcome(() => catalog.verifyInvoice(request, { n: 3n })), { code: 'INVALID_TYPE', path: 'invoice' });
});
