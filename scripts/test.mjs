// npm test: set up what is missing, then every check in order, and a table of every step at the
// end. A failing step does not stop the others, except those that need it (the npm package's
// tests need its build); the exit code says whether every step passed.
import { build } from './build.mjs';
import { report, runSteps } from './run-steps.mjs';
import { chromedriver, root, setupTest } from './setup.mjs';

// The library only: the CLI crate is native.
const wasm = ['-p', 'ratecard', '--target', 'wasm32-unknown-unknown'];
const browserEnv = {
  WASM_BINDGEN_USE_BROWSER: '1',
  CHROMEDRIVER: chromedriver,
  WASM_BINDGEN_TEST_WEBDRIVER_JSON: `${root}/tests/webdriver.json`,
};

// [label, runtime whose tests it counts (or null), command, args, extra env]
export const steps = [
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
].map(([label, runtime, cmd, args, env]) => (cmd === 'build'
  ? { label, runtime, run: build }
  // The npm package's tests run on its build (and the JS fixtures on the native run's output).
  : { label, runtime, cmd, args, env, needs: ['npm package under Node', 'order form in Chromium (Playwright)', 'npm pack, install and import'].includes(label) ? 'build the npm package' : undefined }));

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  // Setup is the first row of the table: what it installed, and how long that took.
  const setupRow = { label: 'setup (installs only what is missing)', runtime: null, passed: 0, failed: 0, slowest: [] };
  let results;
  try {
    const installed = setupTest();
    Object.assign(setupRow, { status: 'ok', why: installed.map((i) => i.name).join(', ') });
  } catch (e) {
    console.error(`\nsetup failed: ${e.message}`);
    Object.assign(setupRow, { status: 'failed', why: e.message });
  }
  setupRow.seconds = (Date.now() - started) / 1000;
  if (setupRow.status === 'ok') {
    results = [setupRow, ...await runSteps(steps, { cwd: root })];
  } else {
    // Nothing can run without what setup installs.
    results = [setupRow, ...steps.map((s) => ({ label: s.label, runtime: s.runtime, status: 'skipped', passed: 0, failed: 0, seconds: 0, why: 'needs setup', slowest: [] }))];
  }
  console.log(report(results, (Date.now() - started) / 1000));
  if (results.some((r) => r.status !== 'ok')) process.exitCode = 1;
}
