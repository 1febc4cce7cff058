// Installs what building and testing need, only when missing, so a fresh machine and a warm
// one run the same commands. Uses nothing but Node built-ins: it runs before `npm ci`.
import { spawnSync } from 'node:child_process';
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

function step(message) {
  console.log(`setup: ${message}`);
}

/** The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly). */
export function pinnedWasmBindgen() {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new Error('wasm-bindgen is not in Cargo.lock');
  return m[1];
}

export function ensureNpmPackages() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  step('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

export function ensureWasmTarget() {
  const targets = output('rustup', ['target', 'list', '--installed']) ?? '';
  if (targets.split('\n').includes('wasm32-unknown-unknown')) return;
  step('adding the wasm32-unknown-unknown target');
  run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
}

export function ensureWasmBindgen() {
  if (!existsSync(join(root, 'Cargo.lock'))) run('cargo', ['generate-lockfile']);
  const want = pinnedWasmBindgen();
  const have = output('wasm-bindgen', ['--version'])?.trim();
  if (have === `wasm-bindgen ${want}`) return;
  // Not --locked: the registry mirror lacks one of the CLI's locked dependencies.
  step(`installing wasm-bindgen-cli ${want} (found: ${have ?? 'none'}); this takes a few minutes`);
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', want, '--force']);
}

export const chromium = '/usr/bin/chromium';
export const chromedriver = '/usr/bin/chromedriver';

export function ensureChromium() {
  if (existsSync(chromium) && existsSync(chromedriver)) return;
  step("installing Debian's chromium and chromium-driver");
  const [cmd, ...pre] = process.getuid?.() === 0 ? ['apt-get'] : ['sudo', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args) => run(cmd, [...pre, ...args], { env });
  apt('update', '-qq');
  apt('install', '-y', '-qq', 'chromium', 'chromium-driver');
}

// ClickHouse in-process (chDB, from PyPI), pinned, in a virtual environment of its own: what
// the rating-at-scale test runs ratecard's functions in (tests/clickhouse).
export const CHDB_VERSION = '4.4.0';
const chdbVenv = join(root, 'target', 'chdb-venv');
export const chdbPython = join(chdbVenv, 'bin', 'python');

export function ensureChdb() {
  const have = existsSync(chdbPython) && output(chdbPython, ['-c', 'import chdb; print(chdb.__version__)'])?.trim();
  if (have === CHDB_VERSION) return;
  step(`installing chdb ${CHDB_VERSION} from PyPI into ${chdbVenv} (found: ${have || 'none'}); about a minute`);
  run('python3', ['-m', 'venv', chdbVenv]);
  run(join(chdbVenv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `chdb==${CHDB_VERSION}`]);
}

/** Everything the build needs. */
export function setupBuild() {
  ensureWasmTarget();
  ensureWasmBindgen();
  ensureNpmPackages();
}

/** Everything the tests need. */
export function setupTest() {
  setupBuild();
  ensureChromium();
  ensureChdb();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setupTest();
  console.log('setup: everything is in place');
}
