// Runs the steps of `npm test` and reports every one: a failing step does not stop the steps
// after it, except those that need it (the npm package's tests need its build); the table at
// the end lists each step with what it ran and how long it took.
import { spawnSync } from 'node:child_process';

/** Test counts in a runner's output: cargo's "test result" lines and node's "# pass" lines. */
export function count(text) {
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

/**
 * Runs `steps` in order, each `{ label, runtime?, run?, cmd?, args?, env?, needs? }`: `run` a
 * function (it throws to fail), or `cmd` with `args` spawned in `cwd`; `runtime` names whose
 * tests it counts; `needs` the label of a step it cannot run without. Returns one result a
 * step: `{ label, runtime, status: 'ok' | 'failed' | 'skipped', passed, failed, seconds, why }`.
 */
export function runSteps(steps, { cwd, log = console.log, write = (s) => process.stdout.write(s) } = {}) {
  const results = [];
  for (const step of steps) {
    const t0 = Date.now();
    const need = step.needs && results.find((r) => r.label === step.needs);
    if (need && need.status !== 'ok') {
      log(`\n=== ${step.label}: skipped (it needs "${step.needs}", which ${need.status === 'failed' ? 'failed' : 'was skipped'})`);
      results.push({ label: step.label, runtime: step.runtime, status: 'skipped', passed: 0, failed: 0, seconds: 0, why: `needs ${step.needs}` });
      continue;
    }
    log(`\n=== ${step.label}`);
    let status = 'ok';
    let why = '';
    let tests = { passed: 0, failed: 0 };
    if (step.run) {
      try {
        step.run();
      } catch (e) {
        status = 'failed';
        why = e.message;
      }
    } else {
      const r = spawnSync(step.cmd, step.args, { cwd, encoding: 'utf8', env: { ...process.env, ...step.env }, maxBuffer: 1 << 28 });
      write(r.stdout ?? '');
      write(r.stderr ?? '');
      tests = count(`${r.stdout ?? ''}${r.stderr ?? ''}`);
      if (r.status !== 0) {
        status = 'failed';
        why = r.error ? r.error.message : `exit code ${r.status}`;
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    log(`=== ${step.label}: ${status === 'ok' ? 'ok' : `FAILED (${why})`} (${seconds.toFixed(1)} s)`);
    results.push({ label: step.label, runtime: step.runtime, status, ...tests, seconds, why });
  }
  return results;
}

/** The table of every step, and the totals: what `npm test` prints last. */
export function report(results, totalSeconds) {
  const width = Math.max(...results.map((r) => r.label.length), 4);
  const lines = ['', 'every step:', `  ${'step'.padEnd(width)}  status    tests passed  failed  seconds`];
  for (const r of results) {
    const tests = r.runtime ? `${String(r.passed).padStart(12)}  ${String(r.failed).padStart(6)}` : `${'-'.padStart(12)}  ${'-'.padStart(6)}`;
    lines.push(`  ${r.label.padEnd(width)}  ${r.status.padEnd(8)}  ${tests}  ${r.seconds.toFixed(1).padStart(7)}`);
  }
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  const bad = results.filter((r) => r.status !== 'ok');
  lines.push(`total time ${totalSeconds.toFixed(0)} s`);
  lines.push(`${passed} passed, ${failed} failed${bad.length ? `; steps not ok: ${bad.map((r) => `${r.label} (${r.status})`).join(', ')}` : ''}`);
  return lines.join('\n');
}
