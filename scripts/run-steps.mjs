// Runs the steps of `npm test` and reports every one: a failing step does not stop the steps
// after it, except those that need it (the npm package's tests need its build); each step's
// output streams as it comes, a silent step says how long it has run, and the table at the end
// lists each step with its tests, its time and what in it took longest.
import { spawn } from 'node:child_process';

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
 * What each test binary of a cargo run took, slowest first: `[{ what, seconds }]`, from its
 * "Running tests/x.rs" (or "Doc-tests") line and the "finished in" of its result. Whatever else
 * the step took was compiling and linking.
 */
export function testTimes(text) {
  const times = [];
  let what = null;
  for (const line of text.split('\n')) {
    const running = line.match(/^\s+Running (?:unittests )?(\S+)/) ?? line.match(/^\s+Doc-tests (\S+)/);
    if (running) what = line.includes('Doc-tests') ? `doctests of ${running[1]}` : running[1];
    const done = line.match(/^test result: .*finished in ([\d.]+)s/);
    if (done && what) {
      times.push({ what, seconds: Number(done[1]) });
      what = null;
    }
  }
  return times.sort((a, b) => b.seconds - a.seconds);
}

/** Spawns one step's command, streaming its output to `write` as it comes; resolves with its
 *  exit status (or spawn error) and the whole output. */
function spawnStep(step, cwd, write, log, heartbeatSeconds) {
  return new Promise((resolve) => {
    const child = spawn(step.cmd, step.args, { cwd, env: { ...process.env, ...step.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    let quietSince = Date.now();
    const t0 = Date.now();
    const onData = (chunk) => {
      chunks.push(chunk);
      write(chunk.toString('utf8'));
      quietSince = Date.now();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // A step that prints nothing for a while (a test binary running its property tests, a
    // long link) says it is still going.
    const beat = setInterval(() => {
      if (Date.now() - quietSince < heartbeatSeconds * 1000) return;
      log(`=== ${step.label}: still running, ${Math.round((Date.now() - t0) / 1000)} s so far`);
      quietSince = Date.now();
    }, 1000);
    let error = null;
    child.on('error', (e) => {
      error = e;
    });
    child.on('close', (status) => {
      clearInterval(beat);
      resolve({ status, error, text: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/**
 * Runs `steps` in order, each `{ label, runtime?, run?, cmd?, args?, env?, needs? }`: `run` a
 * function (it throws to fail), or `cmd` with `args` spawned in `cwd`; `runtime` names whose
 * tests it counts; `needs` the label of a step it cannot run without. Resolves with one result
 * a step: `{ label, runtime, status: 'ok' | 'failed' | 'skipped', passed, failed, seconds, why,
 * slowest }` (`slowest`: its cargo test binaries, slowest first).
 */
export async function runSteps(steps, { cwd, log = console.log, write = (s) => process.stdout.write(s), heartbeatSeconds = 60 } = {}) {
  const results = [];
  for (const step of steps) {
    const t0 = Date.now();
    const need = step.needs && results.find((r) => r.label === step.needs);
    if (need && need.status !== 'ok') {
      log(`\n=== ${step.label}: skipped (it needs "${step.needs}", which ${need.status === 'failed' ? 'failed' : 'was skipped'})`);
      results.push({ label: step.label, runtime: step.runtime, status: 'skipped', passed: 0, failed: 0, seconds: 0, why: `needs ${step.needs}`, slowest: [] });
      continue;
    }
    log(`\n=== ${step.label}`);
    let status = 'ok';
    let why = '';
    let tests = { passed: 0, failed: 0 };
    let slowest = [];
    if (step.run) {
      try {
        step.run();
      } catch (e) {
        status = 'failed';
        why = e.message;
      }
    } else {
      const r = await spawnStep(step, cwd, write, log, heartbeatSeconds);
      tests = count(r.text);
      slowest = testTimes(r.text);
      if (r.status !== 0) {
        status = 'failed';
        why = r.error ? r.error.message : `exit code ${r.status}`;
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    log(`=== ${step.label}: ${status === 'ok' ? 'ok' : `FAILED (${why})`} (${seconds.toFixed(1)} s)`);
    results.push({ label: step.label, runtime: step.runtime, status, ...tests, seconds, why, slowest });
  }
  return results;
}

/** The table of every step, and the totals: what `npm test` prints last. A step that ran
 *  cargo's test binaries also says which took longest and how long the rest (compiling and
 *  linking) took. */
export function report(results, totalSeconds) {
  const width = Math.max(...results.map((r) => r.label.length), 4);
  const lines = ['', 'every step:', `  ${'step'.padEnd(width)}  status    tests passed  failed  seconds`];
  for (const r of results) {
    const tests = r.runtime ? `${String(r.passed).padStart(12)}  ${String(r.failed).padStart(6)}` : `${'-'.padStart(12)}  ${'-'.padStart(6)}`;
    lines.push(`  ${r.label.padEnd(width)}  ${r.status.padEnd(8)}  ${tests}  ${r.seconds.toFixed(1).padStart(7)}`);
  }
  for (const r of results.filter((x) => x.slowest?.length > 1)) {
    const running = r.slowest.reduce((a, t) => a + t.seconds, 0);
    const top = r.slowest.slice(0, 3).map((t) => `${t.what} ${t.seconds.toFixed(1)} s`).join(', ');
    lines.push(`${r.label}: slowest ${top}; running every test binary ${running.toFixed(0)} s, compiling and linking ${Math.max(0, r.seconds - running).toFixed(0)} s`);
  }
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  const bad = results.filter((r) => r.status !== 'ok');
  lines.push(`total time ${totalSeconds.toFixed(0)} s`);
  lines.push(`${passed} passed, ${failed} failed${bad.length ? `; steps not ok: ${bad.map((r) => `${r.label} (${r.status})`).join(', ')}` : ''}`);
  return lines.join('\n');
}
