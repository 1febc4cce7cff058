// The figures of docs/performance.md, rendered from bench/results.json: `npm run bench` writes
// both, and tests/js/readme.test.mjs fails when the page's figures are not what the committed
// results render, so no figure on the page is written by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BEGIN = '<!-- figures: written by npm run bench from bench/results.json; do not edit -->';
const END = '<!-- end of figures -->';

const group = (n) => Math.round(n).toLocaleString('en');

/** Nanoseconds as the page shows them: µs with two significant digits or more, ms past 100 µs. */
function time(ns) {
  if (ns == null) return '';
  const us = ns / 1000;
  if (us >= 100) return `${(us / 1000).toFixed(us >= 10_000 ? 0 : 2)} ms`;
  return `${us >= 10 ? us.toFixed(1) : us.toFixed(2)} µs`;
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** The page's figures, as Markdown, from one run's results. */
export function performanceFigures(r) {
  const ns = r.nanoseconds;
  const row = (what, key, others = true) => [what, time(ns.native[key]), time(ns.wasm[key]),
    others ? time(ns['decimal.js'][key]) : '', others ? time(ns.BigInt[key]) : ''];
  const timings = table(['operation', 'native', 'wasm (Node)', 'decimal.js', 'BigInt'], [
    row('tier price, loaded table, per call', 'tierAmount'),
    row('tier price, batch of 10,000 (per price)', 'tierBatch'),
    ['tier price, table passed as an object each call', '', time(ns.wasm.tierObjectApi), '', ''],
    ['tier price, compute only inside wasm', '', time(ns.wasm.tierComputeOnly), '', ''],
    row('6-line quote, loaded catalog, objects in and out', 'quote'),
    ['6-line quote, JSON text in and out (`callJson`)', '', time(ns.wasm.quoteText), '', ''],
    ['6-line quote summary, objects (`quoteSummary`)', '', time(ns.wasm.quoteSummary), '', ''],
    ['6-line quote, compute only inside wasm', '', time(ns.wasm.quoteComputeOnly), '', ''],
    ['6-line quote, the catalog passed each call', '', time(ns.wasm.quoteCatalogEachCall), '', ''],
    row('verifyQuote, objects', 'verify', false),
    ['verifyQuote, JSON text', '', time(ns.wasm.verifyText), '', ''],
    row("a month's invoice of the 6 items, one plan change (`invoice`)", 'invoice', false),
    row('verifyInvoice of it', 'verifyInvoice', false),
    row('price matrix, demo catalog', 'matrix', false),
    row('load + validate the demo catalog', 'loadDemo', false),
    row('load + validate a catalog of 10,000 rules', 'load10k', false),
  ]);
  const i = r.instructions;
  const instructions = table(['operation', 'instructions'], [
    ['6-line quote, JSON in and out (`quote`)', group(i.quote)],
    ['its summary (`quoteSummary`)', group(i.quoteSummary)],
    ['verifyQuote of that quote (`verify`)', group(i.verify)],
    ['tier amount, loaded 3-tier table (`tierAmount`)', group(i.tierAmount)],
    ['load + validate the demo catalog (`loadDemo`)', group(i.loadDemo)],
    ['price matrix of the demo catalog (`matrix`)', group(i.matrix)],
    ["a month's invoice of the 6 items (`invoice`)", group(i.invoice)],
    ['its verification (`verifyInvoice`)', group(i.verifyInvoice)],
  ]);
  const size = table(['file', 'raw', 'gzipped'], [
    ['`ratecard_bg.wasm` (after wasm-opt)', kb(r.size.wasm.raw), kb(r.size.wasm.gzip)],
    ['`ratecard_bg.wasm` as cargo built it', kb(r.size.unoptimizedRaw), ''],
    ['`ratecard.js` (glue)', kb(r.size.glue.raw), kb(r.size.glue.gzip)],
  ]);
  const cold = table(['cold start', 'time'], [
    ['Node: instantiate the module', time(r.coldStart.node.instantiate)],
    ['Node: to the first quote', time(r.coldStart.node.firstQuote)],
    ['headless Chromium: navigation to the first quote', time(r.coldStart.chromium.firstQuote)],
  ]);
  const rate = r.rating;
  const rating = table(['`ratecard rate`, one process on one core', 'rows a second'], [
    ['tier rows (TabSeparated)', group(rate.cli.rowsPerSecond.tiers)],
    ['flat rows priced at an instant', group(rate.cli.rowsPerSecond.quotes)],
    ['flat rows billed for a month', group(rate.cli.rowsPerSecond.bills)],
    ['6-line quote calls', group(rate.cli.rowsPerSecond.calls)],
    [`chDB, the documented query over ${group(rate.rows)} rows (${rate.chdb.seconds.toFixed(2)} s, ${rate.chdb.ratioToCli.toFixed(2)}x the time of \`ratecard rate\` alone)`, group(rate.chdb.rowsPerSecond)],
  ]);
  const worst = table(['worst case (`tests/fixtures/worst.json`)', 'ms', 'peak wasm memory', 'answer'],
    r.worstCases.map((w) => [w.name, w.ms == null ? 'failed' : group(w.ms), w.peakMiB == null ? '' : `${w.peakMiB.toFixed(0)} MiB`, w.answer]));
  const targets = table(['target', 'met', 'measured'], r.targets.map((t) => [t.what, t.met ? 'yes' : 'no', t.value]));
  return [
    BEGIN,
    `One run of \`npm run bench\` (ratecard ${r.version}, Node ${r.node}, ${r.cores} cores of an ${r.cpu}). Times are medians of 9 samples and vary up to 2x from run to run on this machine; instruction counts (callgrind) repeat.`,
    '### Time per call', timings,
    '### Instructions per call, natively', instructions,
    '### Size', size,
    '### Cold start', cold,
    '### Rating throughput', rating,
    '### Worst inputs inside the limits, each in a fresh Node process', worst,
    '### Targets', targets,
    END,
  ].join('\n\n');
}

/** Where a page's figures block starts and ends, or null when it has none. */
function block(page) {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  return start < 0 || end < start ? null : [start, end + END.length];
}

/** docs/performance.md with its figures replaced by those of `results`. */
export function withFigures(page, results) {
  const at = block(page);
  if (!at) throw new Error('docs/performance.md has no figures block');
  return page.slice(0, at[0]) + performanceFigures(results) + page.slice(at[1]);
}

/** The figures block of a page, as it stands. */
export function figuresOf(page) {
  const at = block(page);
  return at && page.slice(...at);
}

/** Rewrites docs/performance.md's figures from `results` (what `npm run bench` just measured). */
export function writePerformancePage(root, results) {
  const file = join(root, 'docs', 'performance.md');
  writeFileSync(file, withFigures(readFileSync(file, 'utf8'), results));
}
