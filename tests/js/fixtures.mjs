// Shared by the Node and browser fixture runs: loads the fixture cases and the native outputs,
// and compares. `runCase` is given the raw wasm `call`, so the text compared is the engine's own.
import { readFileSync, readdirSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

/** Every case of tests/fixtures/*.json as { name, call, args (JSON text), expect, expectError }. */
export function loadCases() {
  const dir = new URL('tests/fixtures/', root);
  const demo = JSON.parse(readFileSync(new URL('catalogs/demo.json', root), 'utf8'));
  // Without its monthly cap, for the cases that work out SPEC 9 over hoursPerMonth by hand.
  const { monthlyCap, capHours, ...uncapped } = demo;
  if (monthlyCap !== true || capHours === undefined) throw new Error('the demo catalog\'s cap settings moved');
  const catalogs = { '@demo': demo, '@demo-uncapped': uncapped };
  const withDemo = (args) => (catalogs[args?.catalog] ? { ...args, catalog: catalogs[args.catalog] } : args);
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().flatMap((file) => {
    const suite = file.replace(/\.json$/, '');
    // argsParts: [[text, times], ...] builds text no JSON file could hold (see tests/fixtures.rs).
    const demoText = JSON.stringify(demo);
    const text = (c) => (c.argsParts
      ? c.argsParts.map(([t, n]) => repeat(t, n)).join('').replaceAll('"@demo"', demoText)
      : JSON.stringify(withDemo(c.args) ?? {}));
    return JSON.parse(readFileSync(new URL(file, dir), 'utf8')).map((c) => ({
      name: `${suite}/${c.name}`, call: c.call, args: text(c), raw: Boolean(c.argsParts), expect: c.expect, expectError: c.expectError,
    }));
  });
}

/** `text` `times` times; `{i}` is each repetition's index, `{i+1}` the next, and `{i9}` the index
 *  in 9 digits (see tests/fixtures.rs). */
function repeat(text, times) {
  if (!text.includes('{i')) return text.repeat(times);
  const out = [];
  for (let i = 0; i < times; i++) {
    out.push(text.replaceAll('{i}', String(i)).replaceAll('{i+1}', String(i + 1)).replaceAll('{i9}', String(i).padStart(9, '0')));
  }
  return out.join('');
}

/** The outputs of the native run (written by `cargo test --test fixtures`). */
export function nativeOutputs() {
  try {
    return JSON.parse(readFileSync(new URL('target/fixture-out/native.json', root), 'utf8'));
  } catch {
    throw new Error('target/fixture-out/native.json is missing: run `cargo test --test fixtures` first (npm test does)');
  }
}

/** Whether `actual` contains `expected` (same rule as tests/fixtures.rs). */
export function contains(actual, expected) {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => contains(actual[i], e));
  }
  if (expected !== null && typeof expected === 'object') {
    return actual !== null && typeof actual === 'object' && !Array.isArray(actual)
      && Object.entries(expected).every(([k, v]) => k in actual && contains(actual[k], v));
  }
  return actual === expected;
}

/** A thrown RatecardError as the error's JSON text, `{code, path, message, problems}`: what
 *  the native run writes, field for field. */
export function errorText(e) {
  if (e?.name !== 'RatecardError') throw e;
  return JSON.stringify({ code: e.code, path: e.path, message: e.message, problems: e.problems });
}

/** Runs a case with a raw `callJson(op, argsJson)`: { ok, output } as the engine produced it. */
export function runCase(call, c) {
  try {
    return { ok: true, output: call(c.call, c.args) };
  } catch (e) {
    return { ok: false, output: errorText(e) };
  }
}

/** Runs a case with the raw object `call(op, args)`: the answer as JSON.stringify writes it. */
export function runObjectCase(call, c) {
  try {
    return { ok: true, output: JSON.stringify(call(c.call, JSON.parse(c.args))) };
  } catch (e) {
    return { ok: false, output: errorText(e) };
  }
}

/** Whether a case's arguments are the same as a JS object as they are as text (no repeated
 *  key, no number JSON.parse would change): then the object API must answer the same bytes. */
export function sameAsObject(c) {
  try {
    return !c.raw && JSON.stringify(JSON.parse(c.args)) === c.args;
  } catch {
    return false;
  }
}

/** Problems with one case's result, as sentences (empty when it passes). */
export function check(c, result, native) {
  const problems = [];
  const want = result.ok ? c.expect : c.expectError;
  if (want === undefined) problems.push(`${c.name}: ${result.ok ? 'succeeded' : 'failed'} unexpectedly: ${result.output}`);
  else if (!contains(JSON.parse(result.output), want)) problems.push(`${c.name}: expectation not met: ${result.output}`);
  const n = native[c.name];
  if (!n) problems.push(`${c.name}: no native output`);
  else if (n.ok !== result.ok || n.output !== result.output) {
    problems.push(`${c.name}: differs from native\n  native: ${n.output}\n  here:   ${result.output}`);
  }
  return problems;
}
