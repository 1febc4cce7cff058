// node scripts/fuzz.mjs [seconds per target]: runs every fuzz target (fuzz/fuzz_targets) with
// cargo-fuzz on the installed nightly toolchain, for a bounded time (npm test: a few seconds
// each; by hand: as long as you like). The corpus grows in fuzz/corpus/ (not committed). An
// input that makes a target fail is saved in fuzz/regressions/TARGET/, where
// tests/fuzz_regressions.rs replays it on every test run, and the script exits 1.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensure, root } from './setup.mjs';

/** Every target: one file each in fuzz/fuzz_targets. */
const TARGETS = readdirSync(join(root, 'fuzz', 'fuzz_targets')).filter((f) => f.endsWith('.rs')).map((f) => f.slice(0, -3)).sort();

/** Runs each target for `seconds`; returns the number of targets that failed. */
export function fuzz(seconds) {
  // cargo-fuzz and the nightly toolchain, when missing (npm test's setup installs them first).
  ensure('the nightly toolchain');
  const dir = join(root, 'fuzz');
  let failed = 0;
  for (const target of TARGETS) {
    const corpus = join(dir, 'corpus', target);
    const artifacts = join(dir, 'artifacts', target);
    mkdirSync(corpus, { recursive: true });
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    const started = Date.now();
    const r = spawnSync('cargo', ['+nightly', 'fuzz', 'run', target, corpus, join(dir, 'seeds', target), '--',
      `-max_total_time=${seconds}`, '-max_len=65536', '-rss_limit_mb=2048', `-artifact_prefix=${artifacts}/`, '-print_final_stats=1'],
    { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
    const runs = r.stderr.match(/stat::number_of_executed_units:\s*(\d+)/)?.[1] ?? '?';
    const crashes = existsSync(artifacts) ? readdirSync(artifacts) : [];
    if (r.status === 0 && crashes.length === 0) {
      console.log(`fuzz ${target}: ${runs} inputs in ${((Date.now() - started) / 1000).toFixed(0)} s, no failure`);
      continue;
    }
    failed++;
    process.stderr.write(r.stderr.split('\n').slice(-40).join('\n'));
    const keep = join(dir, 'regressions', target);
    mkdirSync(keep, { recursive: true });
    for (const f of crashes) copyFileSync(join(artifacts, f), join(keep, f));
    console.log(`fuzz ${target}: FAILED; ${crashes.length} input(s) saved in fuzz/regressions/${target}/`);
  }
  return failed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv[2] ?? 10);
  process.exit(fuzz(seconds) === 0 ? 0 : 1);
}
