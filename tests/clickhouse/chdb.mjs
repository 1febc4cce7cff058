// ratecard inside a real ClickHouse engine (chDB, ClickHouse in-process from PyPI): generated
// usage, a user_scripts directory holding the repository's function definitions, and a runner.
// Shared by rate.test.mjs and bench/bench.mjs.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chdbPython, root } from '../../scripts/setup.mjs';

/** A seeded generator (mulberry32): the same rows on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bad rows: what is wrong with each, and the code its answer must carry. */
export const BAD = [
  { fault: { product: 'huge' }, code: 'UNKNOWN_PRODUCT' },
  { fault: { quantity: '-3' }, code: 'NEGATIVE_QUANTITY' },
  { fault: { quantity: '12,5' }, code: 'INVALID_DECIMAL' },
  { fault: { region: 'mars' }, code: 'UNKNOWN_REGION' },
  { fault: { product: 'small', quantity: null, reading: '4' }, code: 'NOT_METERED' },
];

/**
 * `count` usage rows of November 2026 for `customers` customers: several plans (and the
 * default), currencies, regions, packages, levels across tiers, bandwidth counters (some reset),
 * billing starts that put trials and discounts inside the month, and one bad row in 97.
 */
export function usageRows(count, { customers = 2000, seed = 17 } = {}) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const people = Array.from({ length: customers }, (_, i) => {
    // Most started months before; one in five in October, so that a trial or a discount ends
    // inside November.
    const late = next() < 0.2;
    const [month, day] = late ? [10, int(1, 31)] : [int(1, 9), int(1, 28)];
    return {
      customer: `c${String(i).padStart(5, '0')}`,
      plan: pick(['standard', 'standard', 'pro', null]),
      currency: pick(['USD', 'USD', 'EUR', null]),
      region: pick(['us-east', 'eu-west', 'ap-tokyo']),
      // The packages held: their allowances apply to the customer's usage rows.
      packages: pick([[], ['small'], ['medium'], ['medium', 'large']]),
      billingStart: `2026-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T00:00:00Z`,
    };
  });
  const rows = [];
  for (let id = 0; id < count; id++) {
    const who = people[id % customers];
    const product = pick(['small', 'medium', 'large', 'xlarge', 'cpu', 'memory', 'storage', 'storage', 'backup', 'bandwidth', 'bandwidth']);
    const row = { id, ...who, product, quantity: null, reading: null, previousReading: null };
    if (product === 'bandwidth') {
      const previous = int(0, 20000);
      // One counter in ten was reset during the month: its reading is below the previous one.
      row.reading = String(next() < 0.1 ? int(0, previous) : previous + int(0, 30000));
      row.previousReading = String(previous);
    } else {
      const levels = { small: [1, 3], medium: [1, 3], large: [1, 2], xlarge: [1, 2], cpu: [1, 16], memory: [512, 65536], storage: [0, 5000], backup: [0, 2000] };
      row.quantity = String(int(...levels[product]));
    }
    row.periodStart = '2026-11-01T00:00:00Z';
    row.periodEnd = '2026-12-01T00:00:00Z';
    row.expect = null;
    if (id % 97 === 50) {
      const bad = BAD[Math.floor(id / 97) % BAD.length];
      Object.assign(row, bad.fault);
      row.expect = bad.code;
    }
    rows.push(row);
  }
  return rows;
}

/** The usage table's columns, as the documented query reads them. */
export const USAGE_COLUMNS =
  'id UInt64, customer String, plan Nullable(String), currency Nullable(String), region String, ' +
  'billingStart String, product String, packages Array(String), quantity Nullable(String), reading Nullable(String), ' +
  'previousReading Nullable(String), periodStart String, periodEnd String';

/** Writes the rows as JSON lines (without what the test expects of them); returns the file. */
export function writeUsage(dir, rows) {
  const file = join(dir, 'usage.jsonl');
  writeFileSync(file, rows.map(({ expect, ...row }) => JSON.stringify(row)).join('\n') + '\n');
  return file;
}

/** A statement that makes the `usage` table from a file of rows. */
export function createUsage(file) {
  return `CREATE TABLE usage (${USAGE_COLUMNS}) ENGINE = MergeTree ORDER BY (customer, id) AS ` +
    `SELECT * FROM file('${file}', JSONEachRow, '${USAGE_COLUMNS}')`;
}

/**
 * A user_scripts directory as docs/rating.md sets one up: the repository's function definitions and
 * ratecard-rate script, the catalog, and `binary` as `ratecard`. With `starts`, `ratecard` is a
 * shim that appends a line to that file each time ClickHouse starts a process, then runs
 * `binary`: how the test sees the pool reused.
 */
export function udfDir(binary, { catalog = join(root, 'catalogs', 'demo.json'), starts = null, blockSeconds = null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ratecard-udf-'));
  // With `blockSeconds`, each function's time limit for a block is that (a debug binary is many
  // times slower than the release one the definitions are set for; the limit guards a process
  // that hangs, and must not depend on this machine's speed).
  const functions = readFileSync(join(root, 'clickhouse', 'ratecard_functions.xml'), 'utf8');
  const limited = blockSeconds === null ? functions
    : functions.replaceAll(/<max_command_execution_time>\d+<\/max_command_execution_time>/g, `<max_command_execution_time>${blockSeconds}</max_command_execution_time>`);
  writeFileSync(join(dir, 'ratecard_functions.xml'), limited);
  copyFileSync(join(root, 'clickhouse', 'ratecard-rate'), join(dir, 'ratecard-rate'));
  chmodSync(join(dir, 'ratecard-rate'), 0o755);
  copyFileSync(catalog, join(dir, 'catalog.json'));
  if (starts) {
    writeFileSync(join(dir, 'ratecard'), `#!/bin/sh\necho "$$" >> '${starts}'\nexec '${binary}' "$@"\n`);
  } else {
    copyFileSync(binary, join(dir, 'ratecard'));
  }
  chmodSync(join(dir, 'ratecard'), 0o755);
  return dir;
}

/** Runs statements ([sql, format]) in one chDB session; each one's {text, seconds}. */
export function runChdb(udf, statements) {
  if (!existsSync(chdbPython)) throw new Error(`chDB is not set up (${chdbPython}): run node scripts/setup.mjs`);
  const r = spawnSync(chdbPython, [join(root, 'tests', 'clickhouse', 'chdb_run.py')], {
    input: JSON.stringify({ udf, statements }),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`chDB failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs `ratecard rate` on `input` (text) directly; its standard output. */
export function rateDirectly(binary, args, input) {
  const r = spawnSync(binary, ['rate', join(root, 'catalogs', 'demo.json'), ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ratecard rate failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** The documented query (docs/rating.md's sql block after its "clickhouse-query" marker), as the
 *  test runs it. */
export function documentedQuery(page) {
  const m = page.match(/<!-- clickhouse-query -->\s*```sql\n([\s\S]*?)```/);
  if (!m) throw new Error('docs/rating.md has no sql block after <!-- clickhouse-query -->');
  return m[1].trim();
}
