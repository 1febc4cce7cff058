// The worst-case corpus (tests/fixtures/worst.json) timed in wasm under Node: each case in a
// fresh process, so its peak WebAssembly memory is its own. Part of `npm run bench`; also
// `node bench/worst.mjs` on a built package. Reports; asserts nothing (npm test checks answers).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadCases } from '../tests/js/fixtures.mjs';

const probe = `
  const { callJson: call, initSync } = await import(${JSON.stringify(new URL('../pkg/ratecard.js', import.meta.url).href)});
  await import(${JSON.stringify(new URL('../js/node.js', import.meta.url).href)});
  const memory = initSync().memory;
  const c = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const before = memory.buffer.byteLength;
  const t0 = process.hrtime.bigint();
  let answer;
  try { answer = 'answered (' + call(c.call, c.args).length + ' bytes)'; } catch (e) { answer = e.code; }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(JSON.stringify({ ms, answer, baseline: before, peak: memory.buffer.byteLength }));`;

/** [{ name, ms, answer, peakMiB }] for every worst case, slowest first. */
export function worstCases() {
  const cases = loadCases().filter((c) => c.name.startsWith('worst/'));
  return cases.map((c) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${probe}`],
      { input: JSON.stringify({ call: c.call, args: c.args }), encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) return { name: c.name, ms: null, answer: `process failed: ${r.stderr.slice(-300)}`, peakMiB: null };
    const { ms, answer, peak } = JSON.parse(r.stdout);
    return { name: c.name.replace(/^worst\//, ''), ms, answer, peakMiB: peak / (1 << 20) };
  }).sort((a, b) => (b.ms ?? Infinity) - (a.ms ?? Infinity));
}

export function printWorst(rows) {
  console.log('\nworst-case corpus in wasm under Node (each in a fresh process; target: < 1 s, < 256 MiB):');
  for (const r of rows) {
    console.log(`  ${(r.ms === null ? 'FAILED' : `${r.ms.toFixed(0)} ms`).padStart(8)}  ${(r.peakMiB === null ? '' : `${r.peakMiB.toFixed(0)} MiB`).padStart(8)}  ${r.name}: ${r.answer}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printWorst(worstCases());
