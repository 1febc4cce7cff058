// The benchmark's inputs, written as files for the native run (benches/engine.rs) and returned
// for the JavaScript runs: the same demo catalog, order and tier table everywhere.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../scripts/setup.mjs';

/** Writes every input into `dir` and returns them. */
export function writeInputs(dir) {
  mkdirSync(dir, { recursive: true });
  const demo = JSON.parse(readFileSync(join(root, 'catalogs', 'demo.json'), 'utf8'));
  const storage = demo.plans[0].prices.find((r) => r.product === 'storage' && r.phase === 'final' && r.currency === 'USD');
  const table = { mode: storage.mode, tiers: storage.tiers };
  const quantity = '2500'; // reaches all three tiers
  const quantities = Array.from({ length: 10_000 }, (_, i) => String((i * 37) % 5000));
  // Four days into a 14-day trial: the timeline runs trial -> discount (30 days) -> final.
  const order = {
    at: '2026-11-05T00:00:00Z',
    customer: { region: 'us-east', currency: 'USD', billingStart: '2026-11-01T00:00:00Z' },
    lines: [
      { product: 'medium', quantity: 1 }, { product: 'storage', quantity: '250' },
      { product: 'bandwidth', reading: '1800', previousReading: '300' }, { product: 'backup', quantity: '95' },
      { product: 'cpu', quantity: '2' }, { product: 'memory', quantity: '1024' },
    ],
  };
  const orders = Array.from({ length: 100 }, (_, i) => ({
    ...order, lines: order.lines.map((l) => (l.product === 'storage' ? { ...l, quantity: String(100 + i * 10) } : l)),
  }));
  // November's invoice of the same six items: the trial ends on Nov 15, the discount starts.
  const invoiceRequest = {
    period: { start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' },
    customer: order.customer,
    items: order.lines,
  };
  const bigCatalog = catalogWithRules(10_000);
  const write = (name, value) => writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  write('table.json', table);
  write('quantity.txt', quantity);
  write('quantities.txt', quantities.join('\n'));
  write('order.json', order);
  write('orders.json', orders);
  write('catalog-10k.json', bigCatalog);
  write('invoice.json', invoiceRequest);
  return { demo, table, quantity, quantities, order, orders, bigCatalog, invoiceRequest };
}

/** A catalog of `n` graduated price rules over 500 products and 20 regions. */
function catalogWithRules(n) {
  const products = Array.from({ length: 500 }, (_, i) => ({ id: `p${i}`, name: `P${i}`, kind: 'metered', resource: 'cpu', unitType: 'CORE' }));
  const regions = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}` }));
  const prices = Array.from({ length: n }, (_, i) => ({
    product: `p${i % 500}`, phase: 'final', currency: 'USD', regions: [`r${Math.floor(i / 500)}`], period: 'hour',
    mode: 'graduated', tiers: [{ upTo: '10', unitPrice: `0.${i}` }, { upTo: null, unitPrice: '1' }],
  }));
  return { defaultCurrency: 'USD', currencies: ['USD'], regions, products, plans: [{ id: 'a', name: 'A', default: true, prices }] };
}
