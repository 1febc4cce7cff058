// npm test: set up what is missing, then every check in order, and a count of tests per runtime.
// Stops at the first failing step (its output says why).
import { spawnSync } from 'node:child_process';
import { build } from './build.mjs';
import { chromedriver, root, setupTest } from './setup.mjs';

// The library only: the CLI crate is native.
const wasm = ['-p', 'ratecard', '--target', 'wasm32-unknown-unknown'];
const browserEnv = {
  WASM_BINDGEN_USE_BROWSER: '1',
  CHROMEDRIVER: chromedriver,
  WASM_BINDGEN_TEST_WEBDRIVER_JSON: `${root}/tests/webdriver.json`,
};

// [label, runtime whose tests it counts (or null), command, args, extra env]
const steps = [
  ['format', null, 'cargo', ['fmt', '--all', '--', '--check']],
  ['clippy (native)', null, 'cargo', ['clippy', '--all-targets', '--', '-D', 'warnings']],
  ['clippy (wasm32)', null, 'cargo', ['clippy', '--all-targets', ...wasm, '--', '-D', 'warnings']],
  ['docs', null, 'cargo', ['doc', '--no-deps'], { RUSTDOCFLAGS: '-D warnings' }],
  ['Rust tests and doctests', 'native', 'cargo', ['test']],
  ['ClickHouse: ratecard rate as functions inside chDB', 'ClickHouse (chDB)', 'node', ['--test', 'tests/clickhouse/']],
  ['fuzz every target (FUZZ_SECONDS each)', null, 'node', ['scripts/fuzz.mjs', process.env.FUZZ_SECONDS ?? '5']],
  ['Rust tests in wasm under Node', 'wasm (Node)', 'cargo', ['test', ...wasm, '--test', 'fixtures']],
  ['Rust tests in wasm under Chromium', 'wasm (Chromium)', 'cargo', ['test', ...wasm, '--test', 'fixtures'], browserEnv],
  ['build the npm package', null, 'build'],
  ['npm package under Node', 'npm package (Node)', 'node', ['--test', 'tests/js/']],
  ['order form in Chromium (Playwright)', 'browser e2e (Chromium)', 'node', ['--test', 'tests/e2e/']],
  ['npm pack, install and import', 'packaging', 'node', ['--test', 'tests/package/']],
];

/** Test counts in a runner's output: cargo's "test result" lines and node's "# pass" lines. */
function count(text) {
  let passed = 0;
  let failed = 0;
  for (const m of text.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  for (const m of text.matchAll(/^# pass (\d+)$/gm)) passed += Number(m[1]);
  for (const m of text.matchAll(/^# fail (\d+)$/gm)) failed += Number(m[1]);
  return { passed, failed };
}

const started = Date.now();
const summary = [];
try {
  setupTest();
  for (const [label, runtime, cmd, args, env] of steps) {
    const t0 = Date.now();
    console.log(`\n=== ${label}`);
    if (cmd === 'build') {
      build();
    } else {
      const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      if (runtime) summary.push({ runtime, ...count(r.stdout + r.stderr), seconds: (Date.now() - t0) / 1000 });
      if (r.status !== 0) throw new Error(`step failed: ${label} (${cmd} ${args.join(' ')})`);
    }
    console.log(`=== ${label}: ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
} catch (e) {
  console.error(`\n${e.message}`);
  process.exitCode = 1;
}

console.log('\ntests per runtime:');
for (const s of summary) {
  console.log(`  ${s.runtime.padEnd(26)} ${String(s.passed).padStart(4)} passed, ${s.failed} failed  (${s.seconds.toFixed(1)} s)`);
}
const total = summary.reduce((a, s) => ({ passed: a.passed + s.passed, failed: a.failed + s.failed }), { passed: 0, failed: 0 });
console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${total.passed} passed, ${total.failed} failed`);
