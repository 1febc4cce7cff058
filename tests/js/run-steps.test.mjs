// npm test's runner (scripts/run-steps.mjs): every step runs even after one fails, except those
// that need the failed one; the report lists each step, its tests and its status.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { count, report, runSteps, testTimes } from '../../scripts/run-steps.mjs';

const node = (code) => ({ cmd: process.execPath, args: ['-e', code] });

test('a failing step does not stop the independent steps after it; a step that needs it is skipped', async () => {
  const logged = [];
  const results = await runSteps([
    { label: 'first', runtime: 'one', ...node("console.log('# pass 3')") },
    { label: 'broken', runtime: 'two', ...node("console.log('# pass 1'); console.log('# fail 2'); process.exit(1)") },
    { label: 'independent', runtime: 'three', ...node("console.log('test result: ok. 5 passed; 0 failed; 0 ignored')") },
    { label: 'build', run: () => { throw new Error('no compiler'); } },
    { label: 'on the build', runtime: 'four', needs: 'build', ...node("console.log('# pass 9')") },
  ], { log: (s) => logged.push(s), write: () => {} });
  assert.deepEqual(results.map((r) => [r.label, r.status, r.passed, r.failed]), [
    ['first', 'ok', 3, 0],
    ['broken', 'failed', 1, 2],
    ['independent', 'ok', 5, 0],
    ['build', 'failed', 0, 0],
    ['on the build', 'skipped', 0, 0],
  ]);
  assert.match(logged.join('\n'), /=== build: FAILED \(no compiler\)/);
  assert.match(logged.join('\n'), /=== on the build: skipped \(it needs "build", which failed\)/);
  const table = report(results, 12.3);
  assert.match(table, /every step:/);
  for (const r of results) assert.match(table, new RegExp(`${r.label}\\s+${r.status}`));
  assert.match(table, /9 passed, 2 failed; steps not ok: broken \(failed\), build \(failed\), on the build \(skipped\)/);
});

test('a run where every step passes says so, with no step listed as not ok', async () => {
  const results = await runSteps([{ label: 'only', runtime: 'x', ...node("console.log('# pass 2')") }], { log: () => {}, write: () => {} });
  const table = report(results, 1);
  assert.match(table, /2 passed, 0 failed$/);
});

test('tests are counted from cargo and node output alike', () => {
  assert.deepEqual(count('test result: ok. 4 passed; 1 failed; 0 ignored\n# pass 6\n# fail 0\n'), { passed: 10, failed: 1 });
});

test("a step's output streams as it comes, and a silent step says it is still running", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-steps-'));
  const seen = join(dir, 'seen');
  const beat = join(dir, 'beat');
  // The child prints a line, then waits (silent) until the runner has passed that line on and
  // then said the step is still running: a runner that held the output until the end, or never
  // said so, leaves it waiting until it gives up with exit code 3 (after 2 minutes: a bound
  // against hanging, not a measure of speed).
  const wait = (file) => `for (let i = 0; !existsSync(${JSON.stringify(file)}); i++) { if (i > 2400) process.exit(3); await sleep(50); }`;
  const child = `const { existsSync } = require('node:fs'); const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    (async () => { console.log('# pass 1'); ${wait(seen)} ${wait(beat)} })();`;
  const results = await runSteps([{ label: 'slow', runtime: 'x', cmd: process.execPath, args: ['-e', child] }], {
    log: (line) => { if (/slow: still running/.test(line)) writeFileSync(beat, ''); },
    write: (chunk) => { if (chunk.includes('# pass 1')) writeFileSync(seen, ''); },
    heartbeatSeconds: 0,
  });
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(results.map((r) => [r.status, r.why, r.passed]), [['ok', '', 1]]);
});

test('cargo test binaries are timed from their output, slowest first', () => {
  const out = [
    '     Running unittests src/lib.rs (target/debug/deps/ratecard-1)',
    'test result: ok. 89 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 3.83s',
    '     Running tests/properties.rs (target/debug/deps/properties-2)',
    'test result: ok. 20 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 41.20s',
    '   Doc-tests ratecard',
    'test result: ok. 58 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 10.99s',
  ].join('\n');
  assert.deepEqual(testTimes(out), [
    { what: 'tests/properties.rs', seconds: 41.2 },
    { what: 'doctests of ratecard', seconds: 10.99 },
    { what: 'src/lib.rs', seconds: 3.83 },
  ]);
  const table = report([{ label: 'Rust tests', runtime: 'native', status: 'ok', passed: 167, failed: 0, seconds: 100, slowest: testTimes(out) }], 100);
  assert.match(table, /Rust tests: slowest tests\/properties\.rs 41\.2 s, doctests of ratecard 11\.0 s, src\/lib\.rs 3\.8 s; running every test binary 56 s, compiling and linking 44 s/);
});

test('setup installs only what is missing, saying what it costs and, while it runs, how long so far', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'setup-'));
  const go = join(dir, 'go');
  // A setup of two steps, one there and one to install; the install waits (at most 2 minutes, a bound against hanging) until
  // this test has seen a "so far" line, so a setup that printed none would show it by failing.
  const script = `
    import { spawnSync } from 'node:child_process';
    import { setup } from ${JSON.stringify(new URL('../../scripts/setup.mjs', import.meta.url).href)};
    const wait = "const f = require('node:fs'); let i = 0; setInterval(() => { if (f.existsSync(process.env.GO)) process.exit(0); if (++i > 2400) process.exit(3); }, 50);";
    const steps = [
      { name: 'a tool already there', for: 'build', cost: 'no time', missing: () => null, install: () => { throw new Error('installed again'); } },
      { name: 'a slow tool', for: 'build', cost: 'about 2 minutes', missing: () => 'found none', install: () => {
        if (spawnSync(process.execPath, ['-e', wait]).status !== 0) throw new Error('no progress was printed');
      } },
    ];
    console.log(JSON.stringify(setup('build', steps, 0.2).map((d) => d.name)));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, GO: go } });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (/a slow tool: 0 min 0 s so far/.test(out)) writeFileSync(go, '');
  });
  const status = await new Promise((resolve) => child.on('close', resolve));
  rmSync(dir, { recursive: true, force: true });
  assert.equal(status, 0, out);
  assert.match(out, /setup: \[2\/2\] installing a slow tool \(found none\): about 2 minutes on a 2-core machine, once/);
  assert.match(out, /setup: \[2\/2\] a slow tool: installed in \d+ s/);
  assert.doesNotMatch(out, /installing a tool already there/);
  assert.equal(out.trim().split('\n').pop(), '["a slow tool"]');
});
