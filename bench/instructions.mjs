// Instructions per call, natively, counted by valgrind's callgrind: unlike time on a shared
// 2-core machine, the count is the same from run to run, so a change can be judged by it.
// Each operation runs once and eleven times in two processes; the difference over ten calls
// leaves out start-up and set-up. `node bench/instructions.mjs` prints the counts alone.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../scripts/setup.mjs';
import { writeInputs } from './inputs.mjs';

/** The operations counted, as named in bench/results.json under `instructions`. */
export const OPERATIONS = ['quote', 'quoteSummary', 'verify', 'invoice', 'verifyInvoice', 'tierAmount', 'loadDemo', 'matrix'];

/** The native bench executable (built by this call when needed). */
function benchExecutable() {
  const r = spawnSync('cargo', ['bench', '-p', 'ratecard', '--bench', 'engine', '--no-run', '--message-format=json'], {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error('cargo bench --no-run failed');
  const artifact = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .find((m) => m.reason === 'compiler-artifact' && m.target?.name === 'engine' && m.executable);
  return artifact.executable;
}

/** Instructions of one process running `op` `n` times (null when valgrind is missing). */
function collected(exe, inputs, op, n) {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', exe], {
    cwd: root, encoding: 'utf8', env: { ...process.env, BENCH_INPUTS: inputs, BENCH_REPEAT: `${op}:${n}` },
  });
  if (r.error) return null;
  const m = r.stderr.match(/Collected : (\d+)/);
  if (r.status !== 0 || !m) throw new Error(`callgrind ${op}: ${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

/** `{ op: instructions per call }` for every operation, or null without valgrind. */
export function countInstructions(inputs) {
  const exe = benchExecutable();
  const counts = {};
  for (const op of OPERATIONS) {
    const once = collected(exe, inputs, op, 1);
    if (once === null) return null;
    counts[op] = Math.round((collected(exe, inputs, op, 11) - once) / 10);
  }
  return counts;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const inputs = join(root, 'target', 'bench', 'inputs');
  writeInputs(inputs);
  const counts = countInstructions(inputs);
  if (!counts) throw new Error('valgrind is not installed (apt-get install valgrind)');
  for (const [op, n] of Object.entries(counts)) console.log(`${op.padEnd(12)} ${n.toLocaleString('en').padStart(12)} instructions per call`);
}
