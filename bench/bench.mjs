// npm run bench: ratecard natively, in wasm under Node and Chromium, and against the two plain
// JavaScript baselines, on the demo catalog, in one run. Prints a table and writes
// bench/results.json (and docs/performance.md's figures from it). Every figure is the median of several samples; nothing here is asserted:
// targets are reported as met or missed.
import { printWorst, worstCases } from './worst.mjs';
import { writePerformancePage } from './report.mjs';
import { printRating, ratingThroughput, ratingTargets } from './rating.mjs';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { build, compileWasm } from '../scripts/build.mjs';
import { root, run, setupTest } from '../scripts/setup.mjs';
import * as baseline from './baselines.mjs';
import { countInstructions } from './instructions.mjs';
import { writeInputs } from './inputs.mjs';

const out = join(root, 'target', 'bench');
const inputs = join(out, 'inputs');

// ----- inputs, shared with the native run (bench/inputs.mjs) -----
const { demo, table, quantity, quantities, order, orders, bigCatalog, invoiceRequest } = writeInputs(inputs);

// ----- builds -----
setupTest();
const size = build();
compileWasm(join(out, 'pkg'), ['--features', 'bench']);
const api = await import('../js/node.js');
const c = api.loadCatalog(demo);
const goodQuote = c.quote(order);
const goodInvoice = c.invoice(invoiceRequest);

// ----- native -----
run('cargo', ['bench', '-p', 'ratecard', '--bench', 'engine'], { env: { ...process.env, BENCH_INPUTS: inputs, BENCH_OUT: join(out, 'native.json') } });
const native = JSON.parse(readFileSync(join(out, 'native.json'), 'utf8'));
const instructions = countInstructions(inputs);

// ----- timing -----
/** Median nanoseconds per operation over 9 samples of `n` runs, after a warm-up. */
function time(n, op) {
  for (let i = 0; i < Math.ceil(n / 4); i++) op();
  const samples = [];
  for (let s = 0; s < 9; s++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) op();
    samples.push(Number(process.hrtime.bigint() - t) / n);
  }
  return samples.sort((a, b) => a - b)[4];
}

// ----- the same answers, or no comparison -----
const pricer = api.loadTierTable(table, 'USD');
const backends = [baseline.decimalJs, baseline.bigIntFixed];
for (const N of backends) {
  const t = baseline.loadTable(N, table);
  for (const q of quantities.slice(0, 500).concat(quantity)) {
    const theirs = N.text(baseline.tierPrice(N, t, N.parse(q)), 2);
    if (theirs !== pricer.amount(q)) throw new Error(`${N.name} tier price of ${q}: ${theirs}, ratecard ${pricer.amount(q)}`);
  }
  const bc = baseline.loadCatalog(N, demo);
  for (const o of orders) {
    const mine = c.quote(o);
    const theirs = baseline.quote(bc, o);
    const same = theirs.timeline.every((t, i) => t.amount === mine.timeline[i].amount) && theirs.lines.every((a, i) => a === mine.lines[i].amount);
    if (!same) throw new Error(`${N.name} quote differs: ${JSON.stringify(theirs)} vs ${JSON.stringify(mine.timeline)}`);
  }
}

// ----- wasm under Node -----
const { default: _unused, ...benchPkg } = await import(join(out, 'pkg', 'ratecard.js'));
benchPkg.initSync({ module: readFileSync(join(out, 'pkg', 'ratecard_bg.wasm')) });
const benchCatalog = new benchPkg.LoadedCatalog(JSON.stringify(demo));
const benchTable = new benchPkg.LoadedTierTable(JSON.stringify(table), 'USD');
const orderArgs = JSON.stringify({ order });
const verifyArgs = JSON.stringify({ order, quote: goodQuote });
const checks = orders.map((o) => ({ order: o, quote: c.quote(o) }));

const wasm = {
  tierAmount: time(50_000, () => pricer.amount(quantity)),
  tierObjectApi: time(20_000, () => api.priceTiers(table, quantity, 'USD')),
  tierBatch: time(5, () => pricer.amounts(quantities)) / quantities.length,
  tierComputeOnly: time(5, () => benchPkg.bench_amount(benchTable, quantity, 10_000)) / 10_000,
  quote: time(2_000, () => c.quote(order)),
  quoteText: time(2_000, () => c.callJson('quote', orderArgs)),
  quoteSummary: time(2_000, () => c.quoteSummary(order)),
  quoteBatch: time(20, () => c.quoteMany(orders)) / orders.length,
  quoteComputeOnly: time(5, () => benchPkg.bench_quote(benchCatalog, orderArgs, 1_000)) / 1_000,
  quoteCatalogEachCall: time(50, () => api.quote(demo, order)),
  verify: time(1_000, () => c.verifyQuote(order, goodQuote)),
  verifyText: time(1_000, () => c.callJson('verifyQuote', verifyArgs)),
  verifyBatch: time(10, () => c.verifyMany(checks)) / checks.length,
  invoice: time(1_000, () => c.invoice(invoiceRequest)),
  verifyInvoice: time(1_000, () => c.verifyInvoice(invoiceRequest, goodInvoice)),
  matrix: time(50, () => c.priceMatrix()),
  loadDemo: time(50, () => api.loadCatalog(demo).free()),
  load10k: time(3, () => api.loadCatalog(bigCatalog).free()),
};

// ----- baselines -----
const js = {};
for (const N of backends) {
  const t = baseline.loadTable(N, table);
  const bc = baseline.loadCatalog(N, demo);
  js[N.name] = {
    tierAmount: time(50_000, () => N.text(baseline.tierPrice(N, t, N.parse(quantity)), 2)),
    tierBatch: time(5, () => quantities.map((q) => N.text(baseline.tierPrice(N, t, N.parse(q)), 2))) / quantities.length,
    quote: time(2_000, () => baseline.quote(bc, order)),
  };
}

// ----- cold start -----
function nodeColdStart() {
  const probe = `
    const t0 = performance.now();
    const { readFileSync } = await import('node:fs');
    const m = await import(${JSON.stringify(join(root, 'pkg', 'ratecard.js'))});
    m.initSync({ module: readFileSync(${JSON.stringify(join(root, 'pkg', 'ratecard_bg.wasm'))}) });
    const t1 = performance.now();
    const c = new m.LoadedCatalog(readFileSync(${JSON.stringify(join(root, 'catalogs', 'demo.json'))}, 'utf8'));
    c.callJson('quote', ${JSON.stringify(orderArgs)});
    console.log(JSON.stringify({ instantiate: t1 - t0, firstQuote: performance.now() - t0 }));`;
  const runs = Array.from({ length: 7 }, () => JSON.parse(spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' }).stdout));
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[3];
  return { instantiate: med('instantiate') * 1e6, firstQuote: med('firstQuote') * 1e6 };
}

async function chromiumColdStart() {
  const { launch } = await import('../tests/e2e/browser.mjs');
  const env = await launch();
  const page = `<!doctype html><script type="module">
    import { init, loadCatalog } from '/js/browser.js';
    await init();
    // The customer server serves the public catalog only (the full one is on the operator port).
    const catalog = loadCatalog(await (await fetch('catalog.public.json')).text());
    catalog.quote(${JSON.stringify(order)});
    window.firstQuote = performance.now();
  </script>`;
  const times = [];
  try {
    for (let i = 0; i < 5; i++) {
      const context = await env.browser.newContext();
      const p = await context.newPage();
      await p.route('**/cold-start.html', (r) => r.fulfill({ body: page, contentType: 'text/html' }));
      await p.goto(`${env.url}cold-start.html`);
      times.push(await p.waitForFunction(() => window.firstQuote).then((h) => h.jsonValue()));
      await context.close();
    }
  } finally {
    await env.close();
  }
  return { firstQuote: times.sort((a, b) => a - b)[2] * 1e6 };
}

const cold = { node: nodeColdStart(), chromium: await chromiumColdStart() };
const worst = worstCases();
const rating = ratingThroughput();

// ----- report -----
const us = (ns) => ns / 1000;
const ratio = (a, b) => a / b;
const d = js['decimal.js'];
const b = js.BigInt;
const rows = [
  ['tier price, loaded table, per call', native.tierAmount, wasm.tierAmount, d.tierAmount, b.tierAmount],
  ['tier price, batch of 10,000 (per price)', native.tierBatch, wasm.tierBatch, d.tierBatch, b.tierBatch],
  ['tier price, compute only in wasm', native.tierAmount, wasm.tierComputeOnly, null, null],
  ['tier price, table as an object each call', null, wasm.tierObjectApi, null, null],
  ['6-line quote, loaded catalog, objects', native.quote, wasm.quote, d.quote, b.quote],
  ['6-line quote, loaded catalog, JSON text', native.quote, wasm.quoteText, null, null],
  ['6-line quote summary, loaded catalog, objects', null, wasm.quoteSummary, null, null],
  ['6-line quote, batch of 100 (per quote)', native.quoteBatch, wasm.quoteBatch, d.quote, b.quote],
  ['6-line quote, compute only in wasm', native.quote, wasm.quoteComputeOnly, null, null],
  ['6-line quote, catalog passed each call', null, wasm.quoteCatalogEachCall, null, null],
  ['verifyQuote, objects', native.verify, wasm.verify, null, null],
  ['verifyQuote, JSON text', native.verify, wasm.verifyText, null, null],
  ['verifyQuote, batch of 100 (per quote)', native.verify, wasm.verifyBatch, null, null],
  ['a month\'s invoice of the 6 items, one phase change, objects', native.invoice, wasm.invoice, null, null],
  ['verifyInvoice of it, objects', native.verifyInvoice, wasm.verifyInvoice, null, null],
  ['price matrix, demo catalog', native.matrix, wasm.matrix, null, null],
  ['load + validate demo catalog', native.loadDemo, wasm.loadDemo, null, null],
  ['load + validate 10,000 price rules', native.load10k, wasm.load10k, null, null],
];
const fmt = (ns) => (ns === null ? '' : us(ns) >= 1000 ? `${(us(ns) / 1000).toFixed(2)} ms` : `${us(ns).toFixed(2)} µs`);
const x = (v) => (v === null || !Number.isFinite(v) ? '' : `${v.toFixed(1)}x`);
const table2 = [['operation', 'native', 'wasm (Node)', 'wasm/native', 'decimal.js', 'decimal.js/wasm', 'BigInt', 'BigInt/wasm']];
for (const [name, n, w, dj, bi] of rows) {
  table2.push([name, fmt(n), fmt(w), n ? x(ratio(w, n)) : '', fmt(dj), dj ? x(ratio(dj, w)) : '', fmt(bi), bi ? x(ratio(bi, w)) : '']);
}
const widths = table2[0].map((_, i) => Math.max(...table2.map((r) => r[i].length)));
const lines = table2.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const targets = [
  ['tier per call: wasm within 2.5x of native', ratio(wasm.tierAmount, native.tierAmount) <= 2.5, x(ratio(wasm.tierAmount, native.tierAmount))],
  ['tier batch: wasm within 1.5x of native', ratio(wasm.tierBatch, native.tierBatch) <= 1.5, x(ratio(wasm.tierBatch, native.tierBatch))],
  ['tier per call: 6x faster than decimal.js', ratio(d.tierAmount, wasm.tierAmount) >= 6, x(ratio(d.tierAmount, wasm.tierAmount))],
  ['tier batch: 10x faster than decimal.js', ratio(d.tierBatch, wasm.tierBatch) >= 10, x(ratio(d.tierBatch, wasm.tierBatch))],
  ['quote: at most 10 µs through the object API', us(wasm.quote) <= 10, fmt(wasm.quote)],
  ['quote summary: at most 10 µs through the object API', us(wasm.quoteSummary) <= 10, fmt(wasm.quoteSummary)],
  ['quote: at most 3 µs through a compact or batch path', us(Math.min(wasm.quoteText, wasm.quoteBatch)) <= 3, fmt(Math.min(wasm.quoteText, wasm.quoteBatch))],
  ['quote: 5x faster than decimal.js per call', ratio(d.quote, wasm.quote) >= 5, x(ratio(d.quote, wasm.quote))],
  ['quote: 8x faster than decimal.js in batch', ratio(d.quote, wasm.quoteBatch) >= 8, x(ratio(d.quote, wasm.quoteBatch))],
  ['price matrix under 1 ms in wasm', us(wasm.matrix) < 1000, fmt(wasm.matrix)],
  ['verifyQuote: 100,000 quotes/s in Node', 1e9 / Math.min(wasm.verify, wasm.verifyText, wasm.verifyBatch) >= 100_000, `${Math.round(1e9 / Math.min(wasm.verify, wasm.verifyText, wasm.verifyBatch)).toLocaleString('en')}/s`],
  ['invoice: a month of the 6 items under 20 µs in wasm', us(wasm.invoice) < 20, fmt(wasm.invoice)],
  ['verifyInvoice: 10,000 invoices/s per core in Node', 1e9 / wasm.verifyInvoice >= 10_000, `${Math.round(1e9 / wasm.verifyInvoice).toLocaleString('en')}/s`],
  ['.wasm at most 80 KB gzipped', size.wasm.gzip <= 80 * 1024, kb(size.wasm.gzip)],
  ['JS glue at most 6 KB gzipped', size.glue.gzip <= 6 * 1024, kb(size.glue.gzip)],
  ['cold start to first quote: 10 ms in Node', us(cold.node.firstQuote) <= 10_000, fmt(cold.node.firstQuote)],
  ['cold start to first quote: 100 ms in Chromium', us(cold.chromium.firstQuote) <= 100_000, fmt(cold.chromium.firstQuote)],
];

console.log(`\nratecard ${api.version()} on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}\n`);
console.log(lines.join('\n'));
console.log(`\n.wasm ${kb(size.wasm.raw)} raw, ${kb(size.wasm.gzip)} gzipped after wasm-opt -O3; JS glue ${kb(size.glue.raw)} raw, ${kb(size.glue.gzip)} gzipped`);
console.log(`cold start: Node ${fmt(cold.node.instantiate)} to instantiate, ${fmt(cold.node.firstQuote)} to the first quote; Chromium ${fmt(cold.chromium.firstQuote)} from navigation to the first quote`);
if (instructions) {
  const want = { quote: 40_000, verify: 50_000, tierAmount: 1_500, loadDemo: 300_000, matrix: 500_000 };
  console.log('native instructions per call (callgrind):');
  for (const [op, n] of Object.entries(instructions)) {
    const target = want[op] === undefined ? '(no target)' : `(target ${want[op].toLocaleString('en')}: ${n <= want[op] ? 'met' : 'MISSED'})`;
    console.log(`  ${op.padEnd(12)} ${n.toLocaleString('en').padStart(10)}  ${target}`);
  }
} else {
  console.log('native instructions per call: valgrind is not installed, not counted');
}
console.log(`verifyQuote throughput in Node: ${Math.round(1e9 / wasm.verify).toLocaleString('en')}/s (objects), ${Math.round(1e9 / wasm.verifyText).toLocaleString('en')}/s (JSON text), ${Math.round(1e9 / wasm.verifyBatch).toLocaleString('en')}/s (batch)\n`);
for (const [what, met, value] of targets) console.log(`${met ? 'met   ' : 'MISSED'}  ${what}: ${value}`);
printWorst(worst);
printRating(rating);

const results = {
  version: api.version(), node: process.versions.node, cpu: cpus()[0]?.model, cores: cpus().length,
  nanoseconds: { native, wasm, 'decimal.js': d, BigInt: b }, instructions, size, coldStart: cold,
  targets: [...targets, ...ratingTargets(rating)].map(([what, met, value]) => ({ what, met, value })),
  worstCases: worst,
  rating,
};
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writePerformancePage(root, results);
console.log('\nwritten: bench/results.json, and its figures in docs/performance.md');
