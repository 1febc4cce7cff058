// Rating at scale (SPEC 17): rows per second through `ratecard rate` (native, one process, so
// one core) for tier rows, quotes and bills, and through chDB, ClickHouse in-process, running
// the documented query over the same rows with ratecard's functions. Part of `npm run bench`;
// `node bench/rating.mjs [ROWS]` runs it alone.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensure, root, run } from '../scripts/setup.mjs';
import { writeInputs } from './inputs.mjs';
import { createUsage, documentedQuery, runChdb, udfDir, usageRows, writeUsage } from '../tests/clickhouse/chdb.mjs';

const binary = join(root, 'target', 'release', 'ratecard');
const catalog = join(root, 'catalogs', 'demo.json');

/** Median wall seconds of `ratecard rate ARGS < file > /dev/null` over 3 runs. */
function rateSeconds(args, file) {
  const samples = [];
  for (let i = 0; i < 3; i++) {
    const [input, output] = [openSync(file, 'r'), openSync('/dev/null', 'w')];
    const t = process.hrtime.bigint();
    const r = spawnSync(binary, ['rate', catalog, ...args], { stdio: [input, output, 'inherit'] });
    samples.push(Number(process.hrtime.bigint() - t) / 1e9);
    closeSync(input);
    closeSync(output);
    if (r.status !== 0) throw new Error(`ratecard rate ${args.join(' ')} failed`);
  }
  return samples.sort((a, b) => a - b)[1];
}

/** Rows per second through the CLI and through chDB, over `count` generated usage rows. */
export function ratingThroughput(count = 1_000_000) {
  run('cargo', ['build', '--release', '-q', '-p', 'ratecard-cli']);
  ensure('chDB');
  const dir = join(root, 'target', 'bench', 'rating');
  mkdirSync(dir, { recursive: true });
  const rows = usageRows(count);
  const files = { bills: join(dir, 'bills.jsonl'), quotes: join(dir, 'quotes.jsonl'), tiers: join(dir, 'tiers.tsv') };
  const optional = (r) => ({ plan: r.plan, currency: r.currency, region: r.region, billingStart: r.billingStart, product: r.product, packages: r.packages, quantity: r.quantity, reading: r.reading, previousReading: r.previousReading });
  writeFileSync(files.bills, rows.map((r) => JSON.stringify({ ...optional(r), period: { start: r.periodStart, end: r.periodEnd } })).join('\n') + '\n');
  writeFileSync(files.quotes, rows.map((r) => JSON.stringify({ ...optional(r), at: '2026-11-21T10:00:00Z' })).join('\n') + '\n');
  writeFileSync(files.tiers, rows.map((r) => [r.plan ?? '', r.product, r.region, r.currency ?? '', '', r.quantity ?? r.reading].join('\t')).join('\n') + '\n');
  // The bench's 6-line quote as a call, 100,000 times: the full quote of each line.
  const { orders } = writeInputs(join(dir, 'inputs'));
  files.calls = join(dir, 'calls.jsonl');
  const calls = orders.map((order) => JSON.stringify({ call: 'quote', args: { order } }));
  writeFileSync(files.calls, Array.from({ length: 1000 }, () => calls.join('\n')).join('\n') + '\n');
  const cli = {
    tiers: rateSeconds(['--format', 'tsv'], files.tiers),
    quotes: rateSeconds([], files.quotes),
    bills: rateSeconds([], files.bills),
    calls: rateSeconds([], files.calls),
  };
  const udf = udfDir(binary);
  const query = documentedQuery(readFileSync(join(root, 'docs', 'rating.md'), 'utf8'));
  const [, billed] = runChdb(udf, [[createUsage(writeUsage(dir, rows)), 'CSV'], [query, 'TabSeparated']]);
  const chdb = { seconds: billed.seconds, customers: billed.text.trim().split('\n').length };
  const perSecond = (s) => Math.round(count / s);
  return {
    rows: count,
    cli: { seconds: cli, rowsPerSecond: { tiers: perSecond(cli.tiers), quotes: perSecond(cli.quotes), bills: perSecond(cli.bills), calls: Math.round(100_000 / cli.calls) } },
    chdb: { ...chdb, rowsPerSecond: perSecond(chdb.seconds), ratioToCli: chdb.seconds / cli.bills},
  };
}

/** The targets of the rating issue, as [what, met, value]. */
export function ratingTargets(r) {
  const n = (v) => `${v.toLocaleString('en')} rows/s`;
  return [
    ['ratecard rate, tier rows (TabSeparated): 3,000,000 rows/s on one core', r.cli.rowsPerSecond.tiers >= 3_000_000, n(r.cli.rowsPerSecond.tiers)],
    ['ratecard rate, quotes (flat rows): 150,000 rows/s on one core', r.cli.rowsPerSecond.quotes >= 150_000, n(r.cli.rowsPerSecond.quotes)],
    [`chDB, the documented query: ${r.rows.toLocaleString('en')} rows in under 10 s`, r.rows >= 1_000_000 && r.chdb.seconds < 10, `${r.chdb.seconds.toFixed(2)} s`],
    ['chDB within 3x of ratecard rate alone on the same rows', r.chdb.ratioToCli <= 3, `${r.chdb.ratioToCli.toFixed(2)}x`],
  ];
}

export function printRating(r) {
  const n = (v) => v.toLocaleString('en').padStart(10);
  console.log(`\nrating at scale, ${r.rows.toLocaleString('en')} usage rows (ratecard rate: one process, one core):`);
  console.log(`  tier rows, TabSeparated   ${n(r.cli.rowsPerSecond.tiers)} rows/s  (${r.cli.seconds.tiers.toFixed(2)} s)`);
  console.log(`  quotes, flat rows          ${n(r.cli.rowsPerSecond.quotes)} rows/s  (${r.cli.seconds.quotes.toFixed(2)} s)`);
  console.log(`  bills for a month          ${n(r.cli.rowsPerSecond.bills)} rows/s  (${r.cli.seconds.bills.toFixed(2)} s)`);
  console.log(`  6-line quote calls         ${n(r.cli.rowsPerSecond.calls)} lines/s (${r.cli.seconds.calls.toFixed(2)} s for 100,000: each a full quote answer)`);
  console.log(`  chDB, the documented query   ${n(r.chdb.rowsPerSecond)} rows/s  (${r.chdb.seconds.toFixed(2)} s, ${r.chdb.customers} customer totals, ${r.chdb.ratioToCli.toFixed(2)}x the CLI's bills)`);
  for (const [what, met, value] of ratingTargets(r)) console.log(`${met ? 'met   ' : 'MISSED'}  ${what}: ${value}`);
}

if (import.meta.url === `file://${process.argv[1]}`) printRating(ratingThroughput(Number(process.argv[2] ?? 1_000_000)));
