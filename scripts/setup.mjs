// Installs what building and testing need, only when missing, so a fresh machine and a warm
// one run the same commands. Uses nothing but Node built-ins: it runs before `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

// cargo-installed tools live here; make sure child processes find them.
const cargoBin = join(homedir(), '.cargo', 'bin');
if (!process.env.PATH.split(':').includes(cargoBin)) process.env.PATH = `${cargoBin}:${process.env.PATH}`;

/** Runs a command with inherited output; throws with the command line when it fails. */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (r.status !== 0) {
    throw new Error(`failed (${r.error?.message ?? `exit ${r.status}`}): ${cmd} ${args.join(' ')}`);
  }
}

/** Runs a command and returns its standard output, or null when it cannot run. */
export function output(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: root, ...options });
  return r.status === 0 ? r.stdout : null;
}

/** The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly). */
export function pinnedWasmBindgen() {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new Error('wasm-bindgen is not in Cargo.lock');
  return m[1];
}

export const chromium = '/usr/bin/chromium';
export const chromedriver = '/usr/bin/chromedriver';

// ClickHouse in-process (chDB, from PyPI), pinned, in a virtual environment of its own: what
// the rating-at-scale test runs ratecard's functions in (tests/clickhouse).
export const CHDB_VERSION = '4.4.0';
const chdbVenv = join(root, 'target', 'chdb-venv');
export const chdbPython = join(chdbVenv, 'bin', 'python');
export const CARGO_FUZZ_VERSION = '0.13.2';
const hasNightly = () => (output('rustup', ['toolchain', 'list']) ?? '').includes('nightly');

/**
 * What a first run installs, in order, each only when it is missing: `missing()` says what is
 * there instead (or null when nothing needs doing), `install()` installs it. `cost` is what it
 * took on a fresh 2-core machine; docs/setup.md lists the same steps with the same costs (a
 * test holds the two together). `for`: the build needs it (npm start, npm test), or the tests.
 */
export const SETUP_STEPS = [
  {
    name: 'the wasm32-unknown-unknown target', for: 'build', cost: 'a few seconds (a download)', root: false,
    missing: () => ((output('rustup', ['target', 'list', '--installed']) ?? '').split('\n').includes('wasm32-unknown-unknown') ? null : 'not installed'),
    install: () => run('rustup', ['target', 'add', 'wasm32-unknown-unknown']),
  },
  {
    name: 'wasm-bindgen-cli, the version Cargo.lock pins', for: 'build', cost: 'about 2 minutes (compiled from source)', root: false,
    missing: () => {
      if (!existsSync(join(root, 'Cargo.lock'))) run('cargo', ['generate-lockfile']);
      const have = output('wasm-bindgen', ['--version'])?.trim();
      return have === `wasm-bindgen ${pinnedWasmBindgen()}` ? null : `found ${have ?? 'none'}`;
    },
    // Without TLS (the test runner is given ChromeDriver, it downloads nothing) and at
    // opt-level 1: 2 minutes instead of 12.5, for the same output (wasm-bindgen takes 0.2 s).
    // Not --locked: the registry mirror lacks one of the CLI's locked dependencies.
    install: () => run('cargo', ['install', 'wasm-bindgen-cli', '--version', pinnedWasmBindgen(), '--no-default-features', '--force'], {
      env: { ...process.env, CARGO_PROFILE_RELEASE_OPT_LEVEL: '1', CARGO_PROFILE_RELEASE_DEBUG: 'false' },
    }),
  },
  {
    name: 'the npm packages (npm ci)', for: 'build', cost: 'about 5 s', root: false,
    missing: () => {
      const installed = join(root, 'node_modules', '.package-lock.json');
      const lock = join(root, 'package-lock.json');
      if (!existsSync(installed)) return 'not installed';
      return statSync(installed).mtimeMs >= statSync(lock).mtimeMs ? null : 'older than package-lock.json';
    },
    install: () => run('npm', ['ci', '--no-audit', '--no-fund']),
  },
  {
    name: "Debian's chromium and chromium-driver", for: 'test', cost: 'about 1 minute (apt-get, with its libraries; needs root or sudo)', root: true,
    missing: () => (existsSync(chromium) && existsSync(chromedriver) ? null : 'not installed'),
    install: () => {
      const [cmd, ...pre] = process.getuid?.() === 0 ? ['apt-get'] : ['sudo', 'apt-get'];
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      run(cmd, [...pre, 'update', '-qq'], { env });
      run(cmd, [...pre, 'install', '-y', '-qq', 'chromium', 'chromium-driver'], { env });
    },
  },
  {
    name: `chDB ${CHDB_VERSION} from PyPI, in target/chdb-venv`, for: 'test', cost: 'about 30 s (a download)', root: false,
    missing: () => {
      const have = existsSync(chdbPython) && output(chdbPython, ['-c', 'import chdb; print(chdb.__version__)'])?.trim();
      return have === CHDB_VERSION ? null : `found ${have || 'none'}`;
    },
    install: () => {
      run('python3', ['-m', 'venv', chdbVenv]);
      run(join(chdbVenv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `chdb==${CHDB_VERSION}`]);
    },
  },
  {
    name: `the nightly toolchain and cargo-fuzz ${CARGO_FUZZ_VERSION}`, for: 'test', cost: 'about 1 minute (a download, then 30 s compiling)', root: false,
    missing: () => {
      if (!hasNightly()) return 'no nightly toolchain';
      return (output('cargo', ['fuzz', '--version']) ?? '').includes(CARGO_FUZZ_VERSION) ? null : 'no cargo-fuzz';
    },
    install: () => {
      if (!hasNightly()) run('rustup', ['toolchain', 'install', 'nightly', '--profile', 'minimal']);
      run('cargo', ['install', 'cargo-fuzz', '--version', CARGO_FUZZ_VERSION]);
    },
  },
];

/** Prints how long `label` has taken so far every `every` seconds while `work` runs: from
 *  another process, since `work` blocks this one's event loop. */
function withProgress(label, work, every = 30) {
  const ticker = spawn(process.execPath, ['-e', `
    const t0 = Date.now();
    setInterval(() => {
      const s = Math.round((Date.now() - t0) / 1000);
      console.log('setup: ' + ${JSON.stringify(label)} + ': ' + Math.floor(s / 60) + ' min ' + (s % 60) + ' s so far');
    }, ${every * 1000});`], { stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    return work();
  } finally {
    ticker.kill();
  }
}

const minutes = (ms) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
};

/** Runs the setup steps `which` (`build` or `test`) needs, installing only what is missing:
 *  each install says what it is, what it costs and, every `every` seconds while it runs, how
 *  long so far. Returns `[{ name, seconds }]` of what it installed. */
export function setup(which, all = SETUP_STEPS, every = 30) {
  const steps = all.filter((s) => s.for === 'build' || which === 'test');
  const done = [];
  const present = [];
  steps.forEach((s, i) => {
    const why = s.missing();
    if (!why) return present.push(s.name);
    console.log(`setup: [${i + 1}/${steps.length}] installing ${s.name} (${why}): ${s.cost} on a 2-core machine, once`);
    const t0 = Date.now();
    withProgress(s.name, s.install, every);
    done.push({ name: s.name, seconds: (Date.now() - t0) / 1000 });
    console.log(`setup: [${i + 1}/${steps.length}] ${s.name}: installed in ${minutes(Date.now() - t0)}`);
  });
  if (done.length) console.log(`setup: installed ${done.length} of ${steps.length} (${done.map((d) => `${d.name} ${minutes(d.seconds * 1000)}`).join(', ')})`);
  if (present.length && !done.length) console.log(`setup: all ${steps.length} in place`);
  return done;
}

/** Everything the build needs. */
export function setupBuild() {
  return setup('build');
}

/** Everything the tests need. */
export function setupTest() {
  return setup('test');
}

/** One step, by the start of its name (the rating bench needs chDB alone). */
export function ensure(name) {
  const s = SETUP_STEPS.find((x) => x.name.startsWith(name));
  if (!s) throw new Error(`no setup step named ${name}`);
  if (s.missing()) withProgress(s.name, s.install);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setupTest();
  console.log('setup: everything is in place');
}
