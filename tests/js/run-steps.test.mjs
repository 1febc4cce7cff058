// npm test's runner (scripts/run-steps.mjs): every step runs even after one fails, except those
// that need the failed one; the report lists each step, its tests and its status.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { count, report, runSteps } from '../../scripts/run-steps.mjs';

const node = (code) => ({ cmd: process.execPath, args: ['-e', code] });

test('a failing step does not stop the independent steps after it; a step that needs it is skipped', () => {
  const logged = [];
  const results = runSteps([
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

test('a run where every step passes says so, with no step listed as not ok', () => {
  const results = runSteps([{ label: 'only', runtime: 'x', ...node("console.log('# pass 2')") }], { log: () => {}, write: () => {} });
  const table = report(results, 1);
  assert.match(table, /2 passed, 0 failed$/);
});

test('tests are counted from cargo and node output alike', () => {
  assert.deepEqual(count('test result: ok. 4 passed; 1 failed; 0 ignored\n# pass 6\n# fail 0\n'), { passed: 10, failed: 1 });
});
