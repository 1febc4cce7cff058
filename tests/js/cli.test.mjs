// The native `ratecard` binary against the wasm build: every shared fixture that a CLI command
// can express runs through both, and the outputs must be the same bytes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { callJson as call } from '../../pkg/ratecard.js';
import '../../js/node.js'; // instantiates the module
import { loadCases, runCase } from './fixtures.mjs';

const binary = new URL('../../target/debug/ratecard', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ratecard-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(value) {
  const path = join(dir, `${files++}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** The CLI arguments for a fixture case, and its --format json; null when no command expresses it. */
function command(c) {
  // Generated hostile texts are run through the binary by cli/tests instead (files, not args).
  if (c.raw) return null;
  const a = JSON.parse(c.args);
  const only = (...keys) => Object.keys(a).every((k) => keys.includes(k));
  switch (c.call) {
    case 'validateCatalog': return ['validate', '--format', 'json', file(a.catalog)];
    case 'quote': return ['quote', file(a.catalog), file(a.order)];
    case 'quoteSummary': return ['quote', '--summary', file(a.catalog), file(a.order)];
    case 'verifyQuote': return ['verify', '--format', 'json', ...(a.trusted ? ['--trusted', file(a.trusted)] : []), file(a.catalog), file(a.order), file(a.quote)];
    case 'invoice': return ['invoice', file(a.catalog), file(a.request)];
    case 'verifyInvoice': return ['verify-invoice', '--format', 'json', ...(a.trusted ? ['--trusted', file(a.trusted)] : []), file(a.catalog), file(a.request), file(a.invoice)];
    case 'publicCatalog': return ['public', file(a.catalog)];
    case 'planMargins': {
      if (!only('catalog', 'planType', 'instances') || !/^\d+$/.test(String(a.instances ?? 1))) return null;
      return ['margins', '--format', 'json', '--instances', String(a.instances ?? 1), file(a.catalog), a.planType];
    }
    case 'partnerMargins': {
      const counts = Object.entries(a.instances ?? {});
      if (!only('catalog', 'partner', 'instances') || typeof a.partner !== 'string'
        || counts.some(([k, v]) => k.includes('=') || !/^\d+$/.test(String(v)))) return null;
      return ['margins', '--format', 'json', file(a.catalog), '--partner', a.partner,
        ...counts.flatMap(([k, v]) => ['--instances', `${k}=${v}`])];
    }
    case 'checkAssignment': {
      const r = a.request ?? {};
      const i = r.instance ?? {};
      if (!only('catalog', 'request') || Object.keys(r).some((k) => !['planType', 'instance'].includes(k))
        || Object.keys(i).some((k) => !['owner', 'environment'].includes(k))
        || typeof r.planType !== 'string' || typeof i.owner !== 'string'
        || !['production', 'staging', 'dev', 'qa'].includes(i.environment)) return null;
      return ['assign', '--format', 'json', file(a.catalog), '--owner', i.owner, '--environment', i.environment, '--', r.planType];
    }
    case 'priceMatrix': {
      const o = a.options ?? {};
      const flags = { plan: '--plan', currency: '--currency', region: '--region', phase: '--phase', catalogVersion: '--catalog-version', at: '--at' };
      if (!only('catalog', 'options') || Object.keys(o).some((k) => !flags[k])) return null;
      return ['matrix', '--format', 'json', ...Object.entries(o).flatMap(([k, v]) => [flags[k], v]), file(a.catalog)];
    }
    case 'priceTiers': {
      // The CLI passes the quantity as text; a JSON number would be checked differently.
      if (typeof a.quantity !== 'string') return null;
      return ['tiers', '--format', 'json', ...(a.currency ? ['--currency', a.currency] : []), file(a.table), '--', a.quantity];
    }
    default: return null;
  }
}

test('the binary is built (cargo test builds it)', () => {
  assert.ok(existsSync(binary), `${binary} is missing: run cargo build -p ratecard-cli`);
});

let compared = 0;
for (const c of loadCases()) {
  const args = command(c);
  if (!args) continue;
  compared++;
  test(`cli ${c.name}`, () => {
    const wasm = runCase(call, c);
    const cli = spawnSync(binary, args, { encoding: 'utf8' });
    assert.equal(cli.signal, null);
    if (wasm.ok && !['verifyQuote', 'verifyInvoice', 'validateCatalog', 'checkAssignment'].includes(c.call)) {
      assert.equal(cli.status, 0, cli.stderr);
    }
    if (wasm.ok) {
      assert.equal(cli.stdout, `${wasm.output}\n`);
    } else {
      // Errors go to stderr as lines; every code the wasm build reported is there.
      assert.equal(cli.status, 1, cli.stderr);
      for (const p of JSON.parse(wasm.output).problems.filter((p) => p.code !== 'INVALID_CATALOG')) {
        assert.ok(cli.stderr.includes(p.code), `${p.code} missing from ${cli.stderr}`);
      }
    }
  });
}

test('most fixtures have a CLI command', () => {
  assert.ok(compared >= 25, `only ${compared} fixtures compared`);
});

test('every quote, invoice and tier price fixture through `ratecard rate`, as call lines, gives the wasm bytes', () => {
  // One stream per catalog: each case a line {"call", "args"} (the args without the catalog).
  const streams = new Map();
  for (const c of loadCases()) {
    if (c.raw || !['quote', 'invoice', 'priceTiers'].includes(c.call)) continue;
    let args;
    try {
      args = JSON.parse(c.args);
    } catch {
      continue;
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) continue;
    const { catalog = null, ...rest } = args;
    if (c.call !== 'priceTiers' && (catalog === null || typeof catalog !== 'object')) continue;
    const key = c.call === 'priceTiers' ? '@none' : JSON.stringify(catalog);
    if (!streams.has(key)) streams.set(key, []);
    streams.get(key).push({ c, line: JSON.stringify({ call: c.call, args: rest }) });
  }
  let rated = 0;
  for (const [key, cases] of streams) {
    const catalog = file(key === '@none' ? JSON.parse(readFileSync(new URL('../../catalogs/demo.json', import.meta.url), 'utf8')) : JSON.parse(key));
    const r = spawnSync(binary, ['rate', catalog], { input: cases.map((x) => x.line).join('\n'), encoding: 'utf8' });
    if (r.status !== 0) continue; // a catalog that does not load: the fixture is about that
    const answers = r.stdout.split('\n').slice(0, -1);
    assert.equal(answers.length, cases.length);
    cases.forEach(({ c }, i) => {
      const wasm = runCase(call, c);
      if (wasm.ok) {
        assert.equal(answers[i], wasm.output, c.name);
      } else {
        const { error } = JSON.parse(answers[i]);
        const expected = JSON.parse(wasm.output);
        assert.equal(error.code, expected.code, `${c.name}: ${answers[i]}`);
        assert.equal(error.path, expected.path ? `args.${expected.path}`.replace('args.[', 'args[') : 'args', c.name);
      }
      rated++;
    });
  }
  assert.ok(rated >= 30, `only ${rated} fixtures rated`);
});
