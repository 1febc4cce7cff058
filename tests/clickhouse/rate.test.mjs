// ratecard rating usage inside a real ClickHouse engine (chDB), as docs/rating.md sets it up: the
// repository's function definitions in a user_scripts directory, a usage table of generated
// rows, one answer per row, each the same bytes as `ratecard rate` writes for the same row run
// directly, bad rows answered with their error while the rest are rated, the pool reused across
// blocks, and the documented monthly bill per customer equal to the sum of the rows' amounts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { root } from '../../scripts/setup.mjs';
import { createUsage, rateDirectly, documentedQuery, runChdb, udfDir, usageRows, writeUsage } from './chdb.mjs';

const ROWS = 100_000;
// Small blocks, so that the rows come in many of them: more blocks than processes means each
// process rated many blocks (the pool is reused, not started per block).
const BLOCK = 2_000;
const binary = join(root, 'target', 'debug', 'ratecard');
const work = mkdtempSync(join(tmpdir(), 'ratecard-ch-'));
const starts = join(work, 'starts');
after(() => rmSync(work, { recursive: true, force: true }));

const rows = usageRows(ROWS);
let udf;
let results;

// The columns each function takes, as the documented query passes them.
const billArgs = `plan, currency, region, billingStart, product, packages, quantity, reading, previousReading,
  CAST((periodStart, periodEnd), 'Tuple(start String, end String)') AS period`;
const tierArgs = "ifNull(plan, '') AS plan, product, region, ifNull(currency, '') AS currency, '' AS phase, ifNull(quantity, reading) AS quantity";

before(() => {
  // The CLI the Rust tests built; build it if they have not.
  if (!existsSync(binary)) {
    const r = spawnSync('cargo', ['build', '-p', 'ratecard-cli'], { cwd: root, stdio: 'inherit' });
    assert.equal(r.status, 0, 'cargo build -p ratecard-cli');
  }
  udf = udfDir(binary, { starts, blockSeconds: 3600 });
  const usage = writeUsage(work, rows);
  // Two threads, so that the pools' sizes do not depend on this machine's cores.
  const settings = `SETTINGS max_block_size = ${BLOCK}, max_threads = 2`;
  results = runChdb(udf, [
    [createUsage(usage), 'CSV'],
    // What the functions are given, row by row, as ClickHouse writes it.
    [`SELECT ${billArgs} FROM usage ORDER BY id FORMAT JSONEachRow`, 'JSONEachRow'],
    [`SELECT ${tierArgs} FROM usage ORDER BY id`, 'TabSeparated'],
    // Every row rated inside ClickHouse.
    [`SELECT ratecardBillJson(${billArgs}) FROM usage ORDER BY id ${settings}`, 'TSVRaw'],
    [`SELECT ratecardTierAmount(${tierArgs}) FROM usage ORDER BY id ${settings}`, 'TSVRaw'],
    [`SELECT id, r.amount, r.error.code, r.error.path FROM (SELECT id, ratecardBill(${billArgs}) AS r FROM usage) ORDER BY id ${settings}`, 'TabSeparated'],
    [documentedQuery(readFileSync(join(root, 'docs', 'rating.md'), 'utf8')), 'TabSeparated'],
  ]);
});

const lines = (text) => text.replace(/\n$/, '').split('\n');
const byId = () => lines(results[5].text).map((l) => l.split('\t'));

test('every row of the usage table is answered, in order, the same bytes as ratecard rate run directly', () => {
  const [inputs, rated] = [results[1].text, lines(results[3].text)];
  assert.equal(rated.length, ROWS);
  const direct = lines(rateDirectly(binary, [], inputs));
  assert.equal(direct.length, ROWS);
  const differing = rated.findIndex((answer, i) => answer !== direct[i]);
  assert.equal(differing, -1, `row ${differing}: ${lines(inputs)[differing]}\n${rated[differing]}\n${direct[differing]}`);
});

test('tier prices in TabSeparated: one amount per row, the same bytes as ratecard rate --format tsv', () => {
  const [inputs, rated] = [results[2].text, lines(results[4].text)];
  assert.equal(rated.length, ROWS);
  const direct = lines(rateDirectly(binary, ['--format', 'tsv'], inputs));
  assert.deepEqual(rated, direct);
  // Tier rows have no phase or instant: only the bad values are errors.
  const errors = rated.filter((r) => r.startsWith('error: ')).length;
  assert.ok(errors > 0 && errors < ROWS / 50, `${errors} tier rows answered with an error`);
});

test('bad rows are answered with their error and every other row is rated', () => {
  const answered = byId();
  assert.equal(answered.length, ROWS);
  let bad = 0;
  for (const [id, amount, code, path] of answered) {
    const row = rows[Number(id)];
    if (row.expect) {
      bad++;
      assert.equal(code, row.expect, `row ${id}`);
      assert.equal(amount, '\\N', `row ${id} has no amount`);
      assert.ok(path.length > 0, `row ${id}: the error names its field`);
    } else {
      assert.equal(code, '', `row ${id} was rated: ${code} ${path}`);
      assert.match(amount, /^\d+\.\d{2}$/, `row ${id}`);
    }
  }
  assert.ok(bad >= 1000, `${bad} bad rows`);
});

test('the pool is reused: far fewer processes than blocks', () => {
  const processes = lines(readFileSync(starts, 'utf8')).length;
  // Three pools, a process per query thread: two threads in the test's queries, the documented
  // query as many as the machine has cores; against 150 blocks in the test's three queries.
  const blocks = 3 * Math.ceil(ROWS / BLOCK);
  const most = 2 + 2 + Math.max(2, cpus().length);
  assert.ok(most < blocks / 4, 'the bound shows reuse only below the blocks');
  assert.ok(processes <= most, `${processes} processes started for ${blocks} blocks and more`);
});

test("the documented query bills each customer's month: the sum of its rows' amounts, per currency", () => {
  // The expected totals, from the rows' answers, in exact minor units of a millionth.
  const expected = new Map();
  const answers = lines(results[3].text).map((l) => JSON.parse(l));
  answers.forEach((a, i) => {
    if (a.error) return;
    const key = `${rows[i].customer}\t${a.currency}`;
    const [whole, fraction = ''] = a.amount.split('.');
    const micro = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
    expected.set(key, (expected.get(key) ?? 0n) + micro);
  });
  const billed = lines(results[6].text).map((l) => l.split('\t'));
  assert.equal(billed.length, expected.size);
  for (const [customer, currency, amount] of billed) {
    const [whole, fraction = ''] = amount.split('.');
    const micro = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
    assert.equal(micro, expected.get(`${customer}\t${currency}`), `${customer} ${currency}`);
  }
});
